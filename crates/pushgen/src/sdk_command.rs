//! `pushgen sdk`: a spec in, a crate that `cargo package` takes out.

use crate::out::{check, plural, print, say, written};
use crate::report::{self, Failure, Rendering};
use crate::spec::{OverlayArgs, Spec};
use clap::Args;
use pushgen::output::{self, Mode};
use pushgen::sdk::{SdkOptions, generate_sdk};
use std::path::PathBuf;
use std::process::ExitCode;

const NOTHING_WRITTEN: &str = "; nothing was written";

#[derive(Args)]
pub struct SdkArgs {
    /// The spec to read (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,

    #[command(flatten)]
    overlays: OverlayArgs,

    /// The crate's name. Default: from the spec's title (`Consumer API` → `consumer-api`).
    #[arg(long)]
    name: Option<String>,

    /// The crate's version (semver). Default: the spec's `info.version`, when it is one.
    #[arg(long = "version", value_name = "VERSION")]
    crate_version: Option<String>,

    /// The directory to write the crate into: new, empty, or one pushgen wrote before
    /// (pushgen never touches a file it did not write).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// The crate's one-line description. Default: the first paragraph of the spec's.
    #[arg(long)]
    description: Option<String>,

    /// The crate's licence, an SPDX expression. Default: the spec's `info.license`.
    #[arg(long)]
    license: Option<String>,

    /// The crate's repository URL.
    #[arg(long)]
    repository: Option<String>,

    /// An author (repeatable). Default: the spec's `info.contact`.
    #[arg(long = "authors", value_name = "AUTHOR")]
    authors: Vec<String>,

    /// A directory of templates replacing the built-in ones of the same name
    /// (`Cargo.toml`, `README.md`; see `templates/sdk/` in pushgen's repository).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,

    /// Types refuse what the spec does not list (see `codegen --strict`).
    #[arg(long)]
    strict: bool,

    /// Write nothing; exit with status 1 if the crate would change.
    #[arg(long)]
    check: bool,
}

pub fn run(args: &SdkArgs, rendering: Rendering) -> Result<ExitCode, Failure> {
    let options = SdkOptions {
        spec: args.spec.clone(),
        overlays: args.overlays.overlays.clone(),
        name: args.name.clone(),
        version: args.crate_version.clone(),
        description: args.description.clone(),
        license: args.license.clone(),
        repository: args.repository.clone(),
        authors: args.authors.clone(),
        templates: args.templates.clone(),
        strict: args.strict,
        out: args.out.clone(),
    };
    let sdk = match generate_sdk(&options) {
        Ok(sdk) => sdk,
        Err(error @ pushgen::Error::Spec(_)) => {
            // Snippets need the text; it reads fine again (ingest failed, not reading).
            let failure = Failure::new(error, NOTHING_WRITTEN);
            return Err(match Spec::read(&args.spec) {
                Ok(spec) => failure.about(spec),
                Err(_) => failure,
            });
        }
        Err(error) => return Err(Failure::new(error, NOTHING_WRITTEN)),
    };
    eprint!("{}", report::warnings(&sdk.warnings, rendering));
    for note in &sdk.notes {
        eprintln!("note: {note}");
    }
    output::check_owned(&args.out, &sdk.files).map_err(|e| Failure::new(e, NOTHING_WRITTEN))?;
    let mode = if args.check { Mode::Check } else { Mode::Write };
    let report =
        output::write(&args.out, &sdk.files, mode).map_err(|e| Failure::new(e, NOTHING_WRITTEN))?;

    let dir = args.out.display();
    if args.check {
        let from = args.spec.display().to_string();
        return Ok(check(&dir.to_string(), &from, &report));
    }
    let mut out = String::new();
    let api = &sdk.api;
    say!(
        out,
        "pushgen: wrote the crate {} {} ({} {}) into {dir}/",
        sdk.name,
        sdk.version,
        api.title,
        api.version
    );
    say!(
        out,
        "  {} ({} with pushes or streams), {}",
        plural(api.operations.len(), "operation"),
        api.operations
            .iter()
            .filter(|op| !matches!(op.streaming, pushgen::ir::Streaming::None))
            .count(),
        plural(api.types.len(), "type"),
    );
    say!(out, "  {}", written(sdk.files.len(), &report));
    say!(out, "  check it with: cd {dir} && cargo package");
    print(&out);
    Ok(ExitCode::SUCCESS)
}

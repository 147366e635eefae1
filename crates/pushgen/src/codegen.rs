//! `pushgen codegen`: a spec in, a directory of Rust out.

use crate::out::{check, plural, print, say, written};
use crate::report::{self, Failure, Rendering};
use crate::spec::{OverlayArgs, Spec};
use clap::Args;
use pushgen::Parts;
use pushgen::output::{self, Mode};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The last line of a failed run: generation is all or nothing.
const NOTHING_WRITTEN: &str = "; nothing was written";

#[derive(Args)]
pub struct CodegenArgs {
    /// The OpenAPI 3.0 spec to read (YAML or JSON). Default: the built-in example.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,

    #[command(flatten)]
    overlays: OverlayArgs,

    /// The directory to write into.
    #[arg(long, value_name = "DIR", default_value = "generated")]
    out: PathBuf,

    /// Generate the types (schemas and per-operation types). Without any of --types,
    /// --server and --client, all three are generated; the server and the client
    /// always come with the types they need.
    #[arg(long)]
    types: bool,

    /// Generate the server: the API's trait and its axum router.
    #[arg(long)]
    server: bool,

    /// Generate the client: methods, observer traits and streams.
    #[arg(long)]
    client: bool,

    /// Write nothing; exit with status 1 if the output would change.
    #[arg(long)]
    check: bool,

    /// Refuse what the spec does not list when reading: no `Unknown` enum variants,
    /// unknown properties an error. By default a newer peer's additions are kept or
    /// ignored, so they do not break reading.
    #[arg(long)]
    strict: bool,

    /// Print how long each stage took, and peak memory, to stderr.
    #[arg(long)]
    timings: bool,
}

pub fn run(args: &CodegenArgs, rendering: Rendering) -> Result<ExitCode, Failure> {
    let parts = if args.types || args.server || args.client {
        Parts {
            types: true,
            server: args.server,
            client: args.client,
            strict: args.strict,
        }
    } else {
        Parts {
            strict: args.strict,
            ..Parts::default()
        }
    };
    let (spec, from) = match &args.spec {
        Some(path) => (
            Spec::read(path).map_err(|e| Failure::new(e, NOTHING_WRITTEN))?,
            path.display().to_string(),
        ),
        None => (
            Spec::example(),
            format!("the built-in example ({})", pushgen::EXAMPLE_NAME),
        ),
    };
    let overlays = args
        .overlays
        .read()
        .map_err(|e| Failure::new(e, NOTHING_WRITTEN))?;
    // A spec from a file may `$ref` files beside it, found from its path.
    let generated = match &args.spec {
        Some(path) => pushgen::generate_path_with(&spec.text, path, parts, &overlays),
        None => pushgen::generate_str_with(&spec.text, &spec.name, parts, &overlays),
    };
    let generated = match generated {
        Ok(generated) => generated,
        Err(error) => return Err(Failure::new(error, NOTHING_WRITTEN).about(spec)),
    };
    eprint!("{}", report::warnings(&generated.warnings, rendering));
    let mode = if args.check { Mode::Check } else { Mode::Write };
    let mut out = String::new();
    let start = Instant::now();
    let report = output::write(&args.out, &generated.files, mode)
        .map_err(|e| Failure::new(e, NOTHING_WRITTEN))?;
    if args.timings {
        print_timings(&generated.timings, start.elapsed());
    }

    let api = &generated.api;
    let ops = api.operations.len();
    let push_ops = api.push_operations().count();
    let items: usize = api.push_operations().map(|(_, p)| p.items.len()).sum();
    let out_dir = args.out.display();
    if args.check {
        return Ok(check(&out_dir.to_string(), &from, &report));
    }
    say!(
        out,
        "pushgen: generated {} {} from {from} into {out_dir}/",
        api.title,
        api.version
    );
    say!(
        out,
        "  {} ({} with pushes), {}, {}",
        plural(ops, "operation"),
        push_ops,
        plural(items, "push item"),
        plural(api.types.len(), "type"),
    );
    say!(out, "  {}", written(generated.files.len(), &report));
    for file in &generated.files {
        let status = if report.written.contains(&file.name) {
            "written"
        } else {
            "unchanged"
        };
        say!(
            out,
            "    {out_dir}/{:<16} {:>6} lines  {status}",
            file.name,
            file.lines()
        );
    }
    say!(
        out,
        "  use it with: #[path = \"{out_dir}/mod.rs\"] mod api;"
    );
    print(&out);
    Ok(ExitCode::SUCCESS)
}

/// One line on stderr, in a fixed form `cargo xtask bench` reads:
/// `timings: parse=0.123 ir=0.045 emit=0.678 write=0.010 peak_mib=321`.
fn print_timings(timings: &pushgen::Timings, write: Duration) {
    let mut line = format!(
        "timings: parse={:.3} ir={:.3} emit={:.3} write={:.3}",
        timings.parse.as_secs_f64(),
        timings.ir.as_secs_f64(),
        timings.emit.as_secs_f64(),
        write.as_secs_f64()
    );
    if let Some(kib) = peak_memory_kib() {
        line.push_str(&format!(" peak_mib={}", kib / 1024));
    }
    eprintln!("{line}");
}

/// The process's peak resident memory, where the system says it (Linux's `VmHWM`).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

//! The `pushgen` command line. `cargo run codegen` in the pushgen repository runs it.

use clap::{Args, Parser, Subcommand};
use pushgen::output::{self, Mode};
use pushgen::{Error, Parts};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `writeln!` into the report; a `String` cannot fail to take it.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Prints the report. A closed stdout (`pushgen codegen | head`) is not an error worth
/// a panic: the files are written either way.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Typed Rust servers and clients that push, from push-annotated OpenAPI specs.
#[derive(Parser)]
#[command(name = "pushgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust code (types, server, client) from a spec.
    ///
    /// Without --spec, generates the built-in example: the consumer API of the
    /// server-push proposal. Output goes to a directory pushgen owns: unchanged files
    /// are not rewritten, and files it generated before but not now are removed (no
    /// other file is touched). On any error nothing is written.
    Codegen(CodegenArgs),
}

#[derive(Args)]
struct CodegenArgs {
    /// The OpenAPI 3.0 spec to read (YAML or JSON). Default: the built-in example.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Codegen(args) => match codegen(&args) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("{}", error_text(&error));
                ExitCode::FAILURE
            }
        },
    }
}

fn error_text(error: &Error) -> String {
    match error {
        // Each spec error is already `file: error at #/pointer: message`.
        Error::Spec(errors) => {
            let n = errors.errors.len();
            let noun = if n == 1 { "error" } else { "errors" };
            format!(
                "{errors}\npushgen: {n} {noun} in {}; nothing was written",
                errors.source
            )
        }
        other => format!("error: {other}"),
    }
}

fn codegen(args: &CodegenArgs) -> Result<ExitCode, Error> {
    let parts = if args.types || args.server || args.client {
        Parts {
            types: true,
            server: args.server,
            client: args.client,
        }
    } else {
        Parts::default()
    };
    let (generated, from) = match &args.spec {
        Some(path) => (
            pushgen::generate_file(path, parts)?,
            path.display().to_string(),
        ),
        None => (
            pushgen::generate_str(pushgen::EXAMPLE_SPEC, pushgen::EXAMPLE_NAME, parts)?,
            format!("the built-in example ({})", pushgen::EXAMPLE_NAME),
        ),
    };
    let mode = if args.check { Mode::Check } else { Mode::Write };
    let mut out = String::new();
    let report = output::write(&args.out, &generated.files, mode)?;

    let api = &generated.api;
    let ops = api.operations.len();
    let push_ops = api.push_operations().count();
    let items: usize = api.push_operations().map(|(_, p)| p.items.len()).sum();
    let out_dir = args.out.display();
    if args.check {
        if report.changed() {
            say!(out, "pushgen: {out_dir} is out of date with {from}:");
            for name in &report.written {
                say!(out, "  would write  {name}");
            }
            for name in &report.removed {
                say!(out, "  would remove {name}");
            }
            print(&out);
            return Ok(ExitCode::FAILURE);
        }
        say!(out, "pushgen: {out_dir} is up to date with {from}");
        print(&out);
        return Ok(ExitCode::SUCCESS);
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
    say!(
        out,
        "  {}, {} lines: {} written, {} unchanged{}",
        plural(generated.files.len(), "file"),
        report.lines,
        report.written.len(),
        report.unchanged.len(),
        if report.removed.is_empty() {
            String::new()
        } else {
            format!(", {} removed", report.removed.len())
        }
    );
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
            file.content.lines().count()
        );
    }
    say!(
        out,
        "  use it with: #[path = \"{out_dir}/mod.rs\"] mod api;"
    );
    print(&out);
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

//! The `pushgen` command line. `cargo run codegen` in the pushgen repository runs it.

use clap::{Args, Parser, Subcommand};
use pushgen::output::{self, Mode};
use pushgen::{Error, Parts};
use std::path::PathBuf;
use std::process::ExitCode;

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
    let report = output::write(&args.out, &generated.files, mode)?;

    let api = &generated.api;
    let ops = api.operations.len();
    let push_ops = api.push_operations().count();
    let items: usize = api.push_operations().map(|(_, p)| p.items.len()).sum();
    let out = args.out.display();
    if args.check {
        if report.changed() {
            println!("pushgen: {out} is out of date with {from}:");
            for name in &report.written {
                println!("  would write  {name}");
            }
            for name in &report.removed {
                println!("  would remove {name}");
            }
            return Ok(ExitCode::FAILURE);
        }
        println!("pushgen: {out} is up to date with {from}");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "pushgen: generated {} {} from {from} into {out}/",
        api.title, api.version
    );
    println!(
        "  {} ({} with pushes), {}, {}",
        plural(ops, "operation"),
        push_ops,
        plural(items, "push item"),
        plural(api.types.len(), "type"),
    );
    println!(
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
        println!(
            "    {out}/{:<16} {:>6} lines  {status}",
            file.name,
            file.content.lines().count()
        );
    }
    println!("  use it with: #[path = \"{out}/mod.rs\"] mod api;");
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

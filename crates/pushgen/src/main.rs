//! The `pushgen` command line. `cargo run codegen` in the pushgen repository runs it.

mod codegen;
mod inspect;
mod out;
mod report;
mod spec;

use clap::{Parser, Subcommand};
use report::{Color, Rendering};
use std::process::ExitCode;

/// Typed Rust servers and clients that push, from push-annotated OpenAPI specs.
#[derive(Parser)]
#[command(name = "pushgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// How to show errors: with the spec's lines and a marker under each place, as rustc
    /// shows source, or as plain `file:line:col: error: ...` lines.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust code (types, server, client) from a spec.
    ///
    /// Without --spec, generates the built-in example: the consumer API of the
    /// server-push proposal. Output goes to a directory pushgen owns: unchanged files
    /// are not rewritten, and files it generated before but not now are removed (no
    /// other file is touched). On any error nothing is written.
    Codegen(codegen::CodegenArgs),

    /// Show what pushgen reads from a spec: its operations and how each streams, and
    /// its types. Writes nothing.
    Inspect(inspect::InspectArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Codegen(args) => codegen::run(args),
        Command::Inspect(args) => inspect::run(args),
    };
    result.unwrap_or_else(|failure| {
        eprint!("{}", report::render(&failure, Rendering::choose(cli.color)));
        ExitCode::FAILURE
    })
}

//! The `pushgen` command line. `cargo run codegen` in the pushgen repository runs it.

mod codegen;
mod inspect;
mod out;
mod report;
mod sdk_command;
mod spec;

use clap::{Parser, Subcommand};
use report::{Color, Rendering};
use std::process::ExitCode;

// Generation allocates millions of small token trees; mimalloc frees and reuses them
// markedly faster than the system allocator (see docs/BENCHMARKS.md). Only the binary
// chooses it: the library leaves the allocator to whoever links it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc.h, which libmimalloc-sys does not name; the test
/// below checks the number against its documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A run lives a few seconds and frees and allocates gigabytes of small tokens in waves;
/// returning freed pages to the system only to fault them back in cost a fifth of the
/// time of emitting. Nothing is returned before exit instead.
fn keep_freed_memory() {
    // SAFETY: called first thing in `main`, before any other thread exists (mimalloc's
    // options are not thread safe); the option takes any integer, -1 meaning never.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// Memory in 4 KiB pages, not 2 MiB transparent huge pages: mimalloc asks for huge pages,
/// and a huge page counts whole in the process's memory as soon as one byte of it is
/// written, while generation's memory is a churn of small objects spread over many pages.
/// In five interleaved runs each, Stripe's spec peaked at 118–124 MiB and took 0.49–0.73 s
/// with huge pages, 89–92 MiB and 0.54–0.56 s with small ones (docs/BENCHMARKS.md). The setting
/// is the process's and would pass to programs it starts; the CLI starts none.
fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` only sets a flag of this process;
    // it touches no memory of ours. Where the kernel refuses, huge pages stay: no harm.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Typed Rust servers and clients that push, from push-annotated OpenAPI specs.
#[derive(Parser)]
#[command(name = "pushgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// How to show errors and warnings: with the spec's lines and a marker under each
    /// place, as rustc shows source, or as plain `file:line:col: error: ...` lines.
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

    /// Write a complete crate for a spec, ready for `cargo publish`: Cargo.toml and
    /// README from templates, the generated client and server behind cargo features,
    /// the runtime carried as source, the spec itself.
    ///
    /// Running it again changes only what must change, and never touches a file that
    /// pushgen did not write. On any error nothing is written.
    Sdk(sdk_command::SdkArgs),
}

fn main() -> ExitCode {
    keep_freed_memory();
    small_pages();
    let cli = Cli::parse();
    let rendering = Rendering::choose(cli.color);
    let result = match &cli.command {
        Command::Codegen(args) => codegen::run(args, rendering),
        Command::Inspect(args) => inspect::run(args, rendering),
        Command::Sdk(args) => sdk_command::run(args, rendering),
    };
    result.unwrap_or_else(|failure| {
        eprint!("{}", report::render(&failure, rendering));
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn purge_delay_is_the_option_we_mean() {
        // mimalloc v3's default purge delay is 1000 ms; a renumbered enum would not say so.
        // (This test's process never calls `keep_freed_memory`.)
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }
}

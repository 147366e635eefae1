//! `cargo xtask bench compile [--runs N] [--no-peers] [--spec openai|synthetic] [--smoke]`:
//! how long `cargo check` takes on a crate of generated code, and its peak memory, for
//! pushgen and the peers of `peers.rs` on OpenAI's spec and the synthetic spec of 1,000
//! operations; written to `docs/BENCHMARKS.md`. Generating is done once; compiling what
//! was generated is paid by every user on every change, so it is measured on its own.
//!
//! Each generated crate is a workspace of its own under `target/bench-compile/`, with a
//! target directory per generator. Its dependencies are built by an untimed warm-up
//! check (of an empty crate with the same manifest); then each run touches `src/lib.rs` and checks it again, offline, with
//! incremental compilation off: with it on, rustc would take most of an untouched
//! crate's work from its query cache, and a run would show a fraction of what a changed
//! spec costs. Runs are interleaved over the crates (run 1 of each, then run 2, …), so a
//! busy moment on a shared machine does not fall on one generator only.
//!
//! Time is wall clock from outside; peak memory is `xtask __peak-rss`'s around cargo:
//! `wait4` reports the largest of cargo and the processes it waited for, which is rustc.
//! `--smoke` checks the consumer example's types once and writes nothing; the test below
//! runs it.

use super::peers::{self, Binaries, Outcome, Row, Tool};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The specs: the name `--spec` takes, and the title the report gives.
const SPECS: [(&str, &str); 2] = [
    ("openai", "OpenAI (`fixtures/real/openai.yaml`)"),
    (
        "synthetic",
        "Synthetic, 1,000 operations (`xtask/src/synthetic.rs`)",
    ),
];
const OPENAI: &str = "fixtures/real/openai.yaml";
const SYNTHETIC_OPERATIONS: usize = 1_000;

/// A crate of generated code and the target directory it is checked into.
struct Crate {
    dir: PathBuf,
    target: PathBuf,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let scratch = root.join("target/bench-compile");
    if args.iter().any(|a| a == "--smoke") {
        let binaries = Binaries {
            pushgen: PathBuf::new(),
            peers: Vec::new(),
            starter: std::env::current_exe().ok(),
        };
        let (_, report) = smoke(
            root,
            &scratch.join("smoke"),
            &scratch.join("target-smoke"),
            &binaries,
        )?;
        println!("\n{report}");
        return Ok(());
    }
    let runs = crate::flag(args, "--runs").unwrap_or(3).max(1);
    let only = match args.iter().position(|a| a == "--spec") {
        Some(i) => {
            let name = args.get(i + 1).map(String::as_str).unwrap_or("");
            if !SPECS.iter().any(|(key, _)| *key == name) {
                return Err(format!("--spec takes openai or synthetic, not `{name}`"));
            }
            Some(name)
        }
        None => None,
    };
    let peers_too = !args.iter().any(|a| a == "--no-peers");
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let bin = crate::corpus::build_release(root)?;
    let binaries = if peers_too {
        peers::install(root, bin)
    } else {
        Binaries {
            pushgen: bin,
            peers: Vec::new(),
            starter: std::env::current_exe().ok(),
        }
    };
    let tools: &[Tool] = if peers_too {
        &Tool::ALL
    } else {
        &[Tool::PushgenAll, Tool::PushgenClient]
    };

    let mut rows = Vec::new();
    let mut crates = Vec::new();
    for (key, title) in SPECS {
        if only.is_some_and(|only| only != key) {
            continue;
        }
        let spec = if key == "synthetic" {
            let path = scratch.join(format!("synthetic-{SYNTHETIC_OPERATIONS}.json"));
            super::write_if_changed(&path, &crate::synthetic::spec(SYNTHETIC_OPERATIONS))?;
            path
        } else {
            root.join(OPENAI)
        };
        for &tool in tools {
            let krate = Crate {
                dir: scratch.join(format!("{}-{key}", slug(tool))),
                target: scratch.join(format!("target-{}", family(tool))),
            };
            println!(
                "{title} / {}: generating, building its dependencies",
                tool.label()
            );
            let outcomes = match prepare(root, &binaries, tool, &spec, &krate) {
                Ok(()) => Vec::new(),
                Err(why) => {
                    println!("{title} / {}: failed: {why}", tool.label());
                    vec![Outcome::Failed(why)]
                }
            };
            rows.push(Row {
                spec: title,
                tool,
                outcomes,
            });
            crates.push(krate);
        }
    }
    measure(&binaries, &mut rows, &crates, runs);
    let command = format!("cargo xtask bench compile {}", args.join(" "));
    let report = report(&rows, &crates, runs, command.trim_end());
    println!("\n{report}");
    super::write_section(root, "compile", &report)
}

/// `--smoke` and its test: the consumer example's types, generated by the library,
/// checked once against the runtime without features (the cheapest crate to build that
/// still goes through every step).
fn smoke(
    root: &Path,
    dir: &Path,
    target: &Path,
    binaries: &Binaries,
) -> Result<(Vec<Row>, String), String> {
    let tool = Tool::PushgenTypes;
    let krate = Crate {
        dir: dir.to_path_buf(),
        target: target.to_path_buf(),
    };
    let _ = std::fs::remove_dir_all(&krate.dir);
    let parts = pushgen::Parts {
        types: true,
        server: false,
        client: false,
        ..pushgen::Parts::default()
    };
    let generated = pushgen::generate_file(&root.join("fixtures/consumer.yaml"), parts)
        .map_err(|e| e.to_string())?;
    pushgen::output::write(
        &krate.dir.join("src/generated"),
        &generated.files,
        pushgen::output::Mode::Write,
    )
    .map_err(|e| e.to_string())?;
    let mut rows = vec![Row {
        spec: "consumer example",
        tool,
        outcomes: Vec::new(),
    }];
    if let Err(why) = pushgen_crate(root, tool, &krate.dir).and_then(|()| warm(binaries, &krate)) {
        rows[0].outcomes.push(Outcome::Failed(why));
    }
    let crates = [krate];
    measure(binaries, &mut rows, &crates, 1);
    let report = report(&rows, &crates, 1, "cargo xtask bench compile --smoke");
    Ok((rows, report))
}

/// Generates `tool`'s crate for `spec`, then builds its dependencies.
fn prepare(
    root: &Path,
    binaries: &Binaries,
    tool: Tool,
    spec: &Path,
    krate: &Crate,
) -> Result<(), String> {
    let dir = &krate.dir;
    // A peer's crate keeps the versions its first warm-up resolved, so that later runs
    // of the bench check against the same dependencies (pushgen's take the repository's).
    let lock = std::fs::read(dir.join("Cargo.lock")).ok();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // progenitor writes a whole crate; the others, a module tree.
    let out = if tool == Tool::Progenitor {
        dir.clone()
    } else {
        dir.join("src/generated")
    };
    let mut command = peers::command(binaries, tool, spec, &out)?;
    if tool == Tool::Progenitor {
        // Its client's support code in the crate, rather than the progenitor-client
        // crate: the crate holds what it generated, as the others' do.
        command.args(["--include-client", "true"]);
    }
    if let Outcome::Failed(why) = peers::timed(binaries, command, &dir.join("generate"), |_| true) {
        return Err(format!("generating: {why}"));
    }
    match tool {
        Tool::PushgenAll | Tool::PushgenClient | Tool::PushgenTypes => {
            pushgen_crate(root, tool, dir)?;
        }
        Tool::OpenapiToRust => {
            // Its advice: append REQUIRED_DEPS.toml, a `[dependencies]` table, to the
            // crate's manifest.
            let deps = read(&out.join("REQUIRED_DEPS.toml"))?;
            write(&dir.join("Cargo.toml"), &manifest(dir, &deps))?;
            write(&dir.join("src/lib.rs"), "pub mod generated;\n")?;
        }
        Tool::Progenitor => {
            // Its manifest with our package table: a name of its own in the shared
            // target directory, and a workspace of its own.
            let written = read(&dir.join("Cargo.toml"))?;
            let deps = written
                .find("[dependencies]")
                .map(|at| &written[at..])
                .ok_or("progenitor's Cargo.toml has no [dependencies]")?;
            write(&dir.join("Cargo.toml"), &manifest(dir, deps))?;
        }
    }
    if matches!(tool, Tool::OpenapiToRust | Tool::Progenitor)
        && let Some(lock) = lock
    {
        std::fs::write(dir.join("Cargo.lock"), lock).map_err(|e| e.to_string())?;
    }
    warm(binaries, krate)
}

/// The manifest and root module of a pushgen crate whose code is in `src/generated/`,
/// with the repository's lock file, so that it checks against what the repository's
/// own tests do.
fn pushgen_crate(root: &Path, tool: Tool, dir: &Path) -> Result<(), String> {
    let runtime = root.join("crates/runtime");
    let features = match tool {
        Tool::PushgenClient => ", default-features = false, features = [\"client\"]",
        Tool::PushgenTypes => ", default-features = false",
        _ => "",
    };
    let deps = format!(
        "[dependencies]\n\
         pushgen-runtime = {{ path = {runtime:?}{features} }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = {{ version = \"1\", features = [\"raw_value\"] }}\n"
    );
    write(&dir.join("Cargo.toml"), &manifest(dir, &deps))?;
    write(&dir.join("src/lib.rs"), "pub mod generated;\n")?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map(|_| ())
        .map_err(|e| format!("Cargo.lock: {e}"))
}

/// A package named after its directory, outside the repository's workspace, with
/// `dependencies` (TOML tables) after it.
fn manifest(dir: &Path, dependencies: &str) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().replace(['.', '_'], "-"))
        .unwrap_or_else(|| "generated".into());
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [workspace]\n\n{dependencies}"
    )
}

/// The untimed check that builds the dependencies, online: a peer's crate resolves its
/// versions here the first time. The same environment as the timed runs, or cargo
/// would rebuild the path dependencies in the first of them. The crate's own code is
/// set aside meanwhile (an empty `src/lib.rs`): checking it here would double the
/// bench's time, and the first timed run reports whether it compiles.
fn warm(binaries: &Binaries, krate: &Crate) -> Result<(), String> {
    let lib = krate.dir.join("src/lib.rs");
    let code = read(&lib)?;
    write(&lib, "")?;
    let outcome = peers::timed(
        binaries,
        check(krate, false),
        &krate.dir.join("warm-up"),
        is_error,
    );
    write(&lib, &code)?;
    match outcome {
        Outcome::Ran { .. } => Ok(()),
        Outcome::Failed(why) => Err(format!("cargo check: {why}")),
    }
}

fn check(krate: &Crate, offline: bool) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["check", "--quiet", "--target-dir"])
        .arg(&krate.target)
        .current_dir(&krate.dir)
        .env("CARGO_INCREMENTAL", "0");
    if offline {
        command.arg("--offline");
    }
    command
}

fn is_error(line: &str) -> bool {
    line.starts_with("error")
}

/// `runs` interleaved rounds of a touch and a check of every crate that is ready.
fn measure(binaries: &Binaries, rows: &mut [Row], crates: &[Crate], runs: usize) {
    for run in 0..runs {
        for (row, krate) in rows.iter_mut().zip(crates) {
            if row.failure().is_some() {
                continue;
            }
            let outcome = match touch(&krate.dir.join("src/lib.rs")) {
                Ok(()) => peers::timed(
                    binaries,
                    check(krate, true),
                    &krate.dir.join("check"),
                    is_error,
                ),
                Err(why) => Outcome::Failed(why),
            };
            match &outcome {
                Outcome::Ran {
                    wall,
                    peak_mib,
                    cpu,
                } => println!(
                    "{} / {}: run {}/{runs}: {wall:.1} s ({cpu:.1} s of CPU), {peak_mib:.0} MiB",
                    row.spec,
                    row.tool.label(),
                    run + 1
                ),
                Outcome::Failed(why) => {
                    println!("{} / {}: failed: {why}", row.spec, row.tool.label())
                }
            }
            row.outcomes.push(match outcome {
                Outcome::Failed(why) => Outcome::Failed(format!("cargo check: {why}")),
                ran => ran,
            });
        }
    }
}

/// Makes cargo see the crate as changed.
fn touch(path: &Path) -> Result<(), String> {
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|file| file.set_modified(SystemTime::now()))
        .map_err(|e| format!("touch {}: {e}", path.display()))
}

fn report(rows: &[Row], crates: &[Crate], runs: usize, command: &str) -> String {
    let mut out = String::new();
    let runs = match runs {
        1 => "one run".to_string(),
        runs => format!("{runs} runs interleaved over the crates"),
    };
    let _ = writeln!(out, "## Compiling generated code\n");
    let _ = writeln!(
        out,
        "Written by `{command}`. `cargo check` of the crate of generated code alone: each \
         crate is a workspace of its own, its dependencies built beforehand, then \
         `touch src/lib.rs` and `cargo check --offline` with `CARGO_INCREMENTAL=0`, {runs}. Wall time from outside (median, min–max), CPU time \
         (user and system, cargo and rustc; median: steadier than wall time on a shared \
         machine) and peak resident memory (`wait4` on cargo, which counts rustc), median. pushgen's \
         crates depend on `pushgen-runtime` with the features their parts need (server and \
         client, client, none) and the repository's `Cargo.lock`; openapi-to-rust's on \
         what its `REQUIRED_DEPS.toml` lists; progenitor's on its own manifest's \
         dependencies (`--include-client true`). Lines: of Rust in the crate's `src/`. \
         Ratios are against openapi-to-rust, which generates types and a client, in the \
         same run.\n"
    );
    let _ = writeln!(out, "Machine: {}; {}.\n", super::machine(), rustc_version());
    let mut specs: Vec<&str> = Vec::new();
    for row in rows {
        if !specs.contains(&row.spec) {
            specs.push(row.spec);
        }
    }
    for spec in specs {
        let _ = writeln!(out, "### {spec}\n");
        let _ = writeln!(
            out,
            "| generator | lines | check | min | max | CPU | peak memory | × openapi-to-rust time | × its CPU | × its memory |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        let peer = rows
            .iter()
            .find(|r| r.spec == spec && r.tool == Tool::OpenapiToRust);
        let (peer_wall, peer_cpu, peer_peak) = match peer {
            Some(peer) => (peer.median_wall(), peer.median_cpu(), peer.peak_mib()),
            None => (None, None, None),
        };
        for (row, krate) in rows.iter().zip(crates).filter(|(r, _)| r.spec == spec) {
            let lines = lines_of_rust(&krate.dir.join("src"));
            match (row.median_wall(), row.median_cpu(), row.peak_mib()) {
                (Some(wall), Some(cpu), Some(peak)) => {
                    let walls = row.walls();
                    let ratio = |ours: f64, theirs: Option<f64>| {
                        theirs.map_or("—".to_string(), |t| format!("{:.2}", ours / t))
                    };
                    let _ = writeln!(
                        out,
                        "| {} | {lines} | **{wall:.1} s** | {:.1} s | {:.1} s | {cpu:.1} s | {peak:.0} MiB | {} | {} | {} |",
                        row.tool.label(),
                        walls.first().copied().unwrap_or(wall),
                        walls.last().copied().unwrap_or(wall),
                        ratio(wall, peer_wall),
                        ratio(cpu, peer_cpu),
                        ratio(peak, peer_peak),
                    );
                }
                _ => {
                    let why = row.failure().unwrap_or("no run").replace('|', "\\|");
                    let lines = if lines == 0 {
                        String::new()
                    } else {
                        lines.to_string()
                    };
                    let _ = writeln!(
                        out,
                        "| {} | {lines} | failed: {why} | | | | | | | |",
                        row.tool.label()
                    );
                }
            }
        }
        let _ = writeln!(out);
    }
    out
}

/// Lines of every `.rs` file under `dir`; 0 when nothing was generated.
fn lines_of_rust(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                lines_of_rust(&path)
            } else if path.extension().is_some_and(|e| e == "rs") {
                std::fs::read_to_string(&path).map_or(0, |text| text.lines().count())
            } else {
                0
            }
        })
        .sum()
}

fn rustc_version() -> String {
    Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "rustc of unknown version".into())
}

/// The scratch directory's name for a tool.
fn slug(tool: Tool) -> &'static str {
    match tool {
        Tool::PushgenAll => "pushgen-all",
        Tool::PushgenClient => "pushgen-client",
        Tool::PushgenTypes => "pushgen-types",
        Tool::OpenapiToRust => "openapi-to-rust",
        Tool::Progenitor => "progenitor",
    }
}

/// The target directory a tool's crates share: same dependencies, built once.
fn family(tool: Tool) -> &'static str {
    match tool {
        Tool::PushgenAll | Tool::PushgenClient | Tool::PushgenTypes => "pushgen",
        Tool::OpenapiToRust => "openapi-to-rust",
        Tool::Progenitor => "progenitor",
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_crate_is_checked_with_its_time_and_peak_memory() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir =
            std::env::temp_dir().join(format!("pushgen-bench-compile-{}", std::process::id()));
        // Kept between test runs: its dependencies are most of the test's time.
        let target = root.join("target/bench-compile/target-smoke");
        // No xtask binary to start cargo from: this process's peak counts in cargo's,
        // which the assertions allow for.
        let binaries = Binaries {
            pushgen: PathBuf::new(),
            peers: Vec::new(),
            starter: None,
        };
        let (rows, report) = smoke(&root, &dir, &target, &binaries).expect("smoke runs");
        let _ = std::fs::remove_dir_all(&dir);
        let row = &rows[0];
        assert_eq!(row.outcomes.len(), 1, "{:?}", row.outcomes);
        assert!(
            row.median_wall().is_some_and(|w| w > 0.0),
            "{:?}",
            row.outcomes
        );
        assert!(
            row.peak_mib().is_some_and(|m| m > 1.0),
            "{:?}",
            row.outcomes
        );
        assert!(report.contains("### consumer example"), "{report}");
        assert!(report.contains("| pushgen (types) | "), "{report}");
        assert!(
            report.contains(" s** | ") && report.contains(" MiB | —"),
            "{report}"
        );
    }

    #[test]
    fn a_crate_that_does_not_check_is_reported_with_its_first_error() {
        let rows = [Row {
            spec: "OpenAI",
            tool: Tool::Progenitor,
            outcomes: vec![Outcome::Failed(
                "cargo check: exit 101: error[E0433]: failed to resolve".into(),
            )],
        }];
        let crates = [Crate {
            dir: PathBuf::from("/nonexistent"),
            target: PathBuf::new(),
        }];
        let report = report(&rows, &crates, 1, "cargo xtask bench compile");
        assert!(
            report.contains(
                "| progenitor 0.15.1 (types, client) |  | failed: cargo check: exit 101: \
                 error[E0433]: failed to resolve | | | | | |"
            ),
            "{report}"
        );
    }
}

//! The side-by-side part of `cargo xtask bench codegen`: pushgen against the Rust
//! generators users compare it with, on real specs, in the same interleaved runs.
//!
//! The peers are installed by this command, at pinned versions, into `target/peers/`
//! (`cargo install --locked --version V --root …`), and run as their documentation says:
//!
//! - openapi-to-rust 0.23.0: `openapi-to-rust generate SPEC --output-dir DIR`, which
//!   writes types and an async client (no server) as a module tree;
//! - progenitor 0.15.1 (`cargo-progenitor`): `cargo-progenitor progenitor -i SPEC -o DIR
//!   -n NAME -v 0.1.0`, which writes a crate with types and a client (OpenAPI 3.0 only).
//!
//! Each run is timed from outside (wall clock) and its peak resident memory read from
//! `wait4`'s resource usage, the same way for every tool; a tool that fails on a spec is
//! recorded with the first line of what it said, not retried.
//!
//! The tool is started by a fresh xtask process (`xtask __peak-rss`), not by the bench
//! itself: Linux carries a process's peak RSS across `execve`, so a tool forked from the
//! bench (hundreds of MiB, having written the synthetic specs) would report at least the
//! bench's own peak. A fresh process forks it from a few MiB.

use std::fmt::Write as _;
use std::fs::File;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

/// The real specs: (name, path under the corpus's `api/`, or under the repository).
pub(super) const SPECS: [(&str, Source); 4] = [
    ("GitHub", Source::Corpus("github.com/api.github.com.json")),
    ("Stripe", Source::Corpus("stripe.com.json")),
    ("Kubernetes", Source::Corpus("kubernetes.io.json")),
    ("OpenAI", Source::Repository("fixtures/real/openai.yaml")),
];

#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    Corpus(&'static str),
    Repository(&'static str),
}

/// A generator as the bench runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tool {
    /// pushgen, types, server and client.
    PushgenAll,
    /// pushgen, types and client: what the peers generate.
    PushgenClient,
    /// pushgen, types alone: `bench compile --smoke`, not compared.
    PushgenTypes,
    OpenapiToRust,
    Progenitor,
}

impl Tool {
    pub(super) const ALL: [Tool; 4] = [
        Tool::PushgenAll,
        Tool::PushgenClient,
        Tool::OpenapiToRust,
        Tool::Progenitor,
    ];

    pub(super) fn label(self) -> &'static str {
        match self {
            Tool::PushgenAll => "pushgen (types, server, client)",
            Tool::PushgenClient => "pushgen (types, client)",
            Tool::PushgenTypes => "pushgen (types)",
            Tool::OpenapiToRust => "openapi-to-rust 0.23.0 (types, client)",
            Tool::Progenitor => "progenitor 0.15.1 (types, client)",
        }
    }

    /// The crate `cargo install` takes, its version, and the binary it installs.
    fn package(self) -> Option<(&'static str, &'static str, &'static str)> {
        match self {
            Tool::OpenapiToRust => Some(("openapi-to-rust", "0.23.0", "openapi-to-rust")),
            Tool::Progenitor => Some(("cargo-progenitor", "0.15.1", "cargo-progenitor")),
            Tool::PushgenAll | Tool::PushgenClient | Tool::PushgenTypes => None,
        }
    }
}

/// Where each tool's binary is: pushgen's release CLI, the peers installed (or why not),
/// and the xtask that starts each one fresh (`None`: started from this process, whose
/// own peak then counts in theirs, as in this module's tests).
pub(super) struct Binaries {
    pub(super) pushgen: PathBuf,
    pub(super) peers: Vec<(Tool, Result<PathBuf, String>)>,
    pub(super) starter: Option<PathBuf>,
}

/// Installs the peers that are not installed yet.
pub(super) fn install(root: &Path, pushgen: PathBuf) -> Binaries {
    let peers = [Tool::OpenapiToRust, Tool::Progenitor]
        .into_iter()
        .filter_map(|tool| {
            let (package, version, binary) = tool.package()?;
            let dir = root
                .join("target/peers")
                .join(format!("{package}-{version}"));
            let path = dir.join("bin").join(binary);
            if path.exists() {
                return Some((tool, Ok(path)));
            }
            println!("installing {package} {version} into {}", dir.display());
            let status = Command::new(env!("CARGO"))
                .args([
                    "install",
                    "--quiet",
                    "--locked",
                    "--version",
                    version,
                    "--root",
                ])
                .arg(&dir)
                .arg(package)
                .status();
            let installed = match status {
                Ok(status) if status.success() && path.exists() => Ok(path),
                Ok(status) => Err(format!("cargo install {package} {version}: {status}")),
                Err(e) => Err(format!("cargo install {package} {version}: {e}")),
            };
            Some((tool, installed))
        })
        .collect();
    Binaries {
        pushgen,
        peers,
        starter: std::env::current_exe().ok(),
    }
}

/// One run: wall seconds and peak resident MiB, or why it failed.
#[derive(Debug, Clone)]
pub(super) enum Outcome {
    /// `cpu`: user and system seconds of the tool and every process it waited for.
    Ran {
        wall: f64,
        peak_mib: f64,
        cpu: f64,
    },
    Failed(String),
}

/// Runs `tool` on `spec` into an empty `out`.
pub(super) fn once(binaries: &Binaries, tool: Tool, spec: &Path, out: &Path) -> Outcome {
    let _ = std::fs::remove_dir_all(out);
    match command(binaries, tool, spec, out) {
        Ok(command) => timed(binaries, command, out, |_| true),
        Err(why) => Outcome::Failed(why),
    }
}

/// The command that runs `tool` on `spec` into `out`, as its documentation says; an error
/// if the tool is not installed.
pub(super) fn command(
    binaries: &Binaries,
    tool: Tool,
    spec: &Path,
    out: &Path,
) -> Result<Command, String> {
    let command = match tool {
        Tool::PushgenAll | Tool::PushgenClient | Tool::PushgenTypes => {
            let mut command = Command::new(&binaries.pushgen);
            command
                .args(["codegen", "--spec"])
                .arg(spec)
                .arg("--out")
                .arg(out);
            match tool {
                Tool::PushgenClient => {
                    command.arg("--client");
                }
                Tool::PushgenTypes => {
                    command.arg("--types");
                }
                _ => {}
            }
            command
        }
        Tool::OpenapiToRust | Tool::Progenitor => {
            let binary = match binaries.peers.iter().find(|(t, _)| *t == tool) {
                Some((_, Ok(binary))) => binary,
                Some((_, Err(e))) => return Err(e.clone()),
                None => return Err("not installed".into()),
            };
            let mut command = Command::new(binary);
            if tool == Tool::OpenapiToRust {
                command
                    .arg("generate")
                    .arg(spec)
                    .arg("--output-dir")
                    .arg(out)
                    .arg("--quiet");
            } else {
                command
                    .args(["progenitor", "-i"])
                    .arg(spec)
                    .arg("-o")
                    .arg(out)
                    .args(["-n", "peer", "-v", "0.1.0"]);
            }
            command
        }
    };
    Ok(command)
}

/// Runs `command` (in its directory, with its environment), timed from outside, with its
/// peak memory; its stderr is kept in `record.stderr`. A failure is recorded with the
/// first line of stderr that `says_why` accepts, or else its first line: a compiler's
/// warnings come before its first error.
pub(super) fn timed(
    binaries: &Binaries,
    command: Command,
    record: &Path,
    says_why: fn(&str) -> bool,
) -> Outcome {
    let errors = record.with_extension("stderr");
    let peak_file = record.with_extension("peak");
    let Ok(stderr) = File::create(&errors) else {
        return Outcome::Failed(format!("cannot create {}", errors.display()));
    };
    let started = Instant::now();
    let (status, usage) = match &binaries.starter {
        Some(xtask) => {
            let mut wrapped = Command::new(xtask);
            wrapped
                .arg(PEAK_RSS)
                .arg(&peak_file)
                .arg(command.get_program())
                .args(command.get_args())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(stderr));
            if let Some(dir) = command.get_current_dir() {
                wrapped.current_dir(dir);
            }
            for (key, value) in command.get_envs() {
                match value {
                    Some(value) => wrapped.env(key, value),
                    None => wrapped.env_remove(key),
                };
            }
            let status = match wrapped.status() {
                Ok(status) => status,
                Err(e) => return Outcome::Failed(format!("spawn: {e}")),
            };
            let usage = std::fs::read_to_string(&peak_file).ok().and_then(|text| {
                let mut figures = text.split_whitespace().map(str::parse::<f64>);
                match (figures.next(), figures.next()) {
                    (Some(Ok(peak_mib)), Some(Ok(cpu))) => Some(Usage { peak_mib, cpu }),
                    _ => None,
                }
            });
            (status, usage)
        }
        None => {
            let mut command = command;
            command
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(stderr));
            match run_with_peak(command) {
                Ok((status, usage)) => (status, Some(usage)),
                Err(e) => return Outcome::Failed(e),
            }
        }
    };
    let wall = started.elapsed().as_secs_f64();
    if status.success() {
        return match usage {
            Some(Usage { peak_mib, cpu }) => Outcome::Ran {
                wall,
                peak_mib,
                cpu,
            },
            None => Outcome::Failed("no peak memory recorded".into()),
        };
    }
    let said = std::fs::read_to_string(&errors).unwrap_or_default();
    let mut lines = said.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines
        .clone()
        .find(|l| says_why(l))
        .or_else(|| lines.next())
        .unwrap_or("(nothing on stderr)");
    let first: String = portable(first).chars().take(160).collect();
    Outcome::Failed(format!("exit {}: {first}", status.code().unwrap_or(-1)))
}

/// What a tool said, without what only this machine and run have: a panic's thread id,
/// and the path of cargo's registry before a crate's own (`…/index.crates.io-…/` of
/// `progenitor-impl-0.15.1/src/method.rs`), since the report is committed.
fn portable(said: &str) -> String {
    let mut text = said.to_string();
    // `thread 'main' (15382) panicked` → `thread 'main' panicked`
    if let Some(open) = text.find("' (")
        && let Some(close) = text[open + 3..].find(')')
        && text[open + 3..open + 3 + close]
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        text.replace_range(open + 1..open + 4 + close, "");
    }
    while let Some(registry) = text.find("/registry/src/") {
        let start = text[..registry].rfind(' ').map_or(0, |space| space + 1);
        let after = registry + "/registry/src/".len();
        let Some(index_end) = text[after..].find('/') else {
            break;
        };
        text.replace_range(start..after + index_end + 1, "");
    }
    text
}

/// The hidden xtask command that runs a tool and records its peak memory.
pub(crate) const PEAK_RSS: &str = "__peak-rss";

/// `xtask __peak-rss FILE PROGRAM ARGS…`: runs PROGRAM (standard streams inherited),
/// writes its peak resident memory in MiB and its CPU seconds to FILE, and exits as it
/// did (a signal as 128 + its number).
pub(crate) fn peak_rss(args: &[String]) -> std::process::ExitCode {
    let [file, program, rest @ ..] = args else {
        eprintln!("usage: xtask {PEAK_RSS} FILE PROGRAM [ARGS…]");
        return std::process::ExitCode::from(2);
    };
    let mut command = Command::new(program);
    command.args(rest);
    match run_with_peak(command) {
        Ok((status, Usage { peak_mib, cpu })) => {
            if let Err(e) = std::fs::write(file, format!("{peak_mib:.1} {cpu:.3}\n")) {
                eprintln!("xtask: {file}: {e}");
                return std::process::ExitCode::from(2);
            }
            let code = status
                .code()
                .or_else(|| status.signal().map(|signal| 128 + signal))
                .unwrap_or(1);
            std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
        Err(e) => {
            eprintln!("xtask: {program}: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// What `wait4` says a process used: its peak resident memory, and its CPU time, both
/// counting the processes it waited for (rustc under cargo).
struct Usage {
    peak_mib: f64,
    cpu: f64,
}

/// Spawns `command` and waits for it with `wait4`, which gives its peak resident memory
/// (`ru_maxrss`, KiB) and CPU time with its status.
fn run_with_peak(mut command: Command) -> Result<(ExitStatus, Usage), String> {
    let child = command.spawn().map_err(|e| format!("spawn: {e}"))?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our child, not yet waited for (the `Child` is never waited on
        // after this); `status` and `usage` are valid, writable places.
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if waited == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {error}"));
        }
    }
    // The child is reaped: dropping `Child` does not wait again.
    drop(child);
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok((
        ExitStatus::from_raw(status),
        Usage {
            peak_mib: usage.ru_maxrss as f64 / 1024.0,
            cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        },
    ))
}

/// The figures of one tool on one spec.
pub(super) struct Row {
    pub(super) spec: &'static str,
    pub(super) tool: Tool,
    pub(super) outcomes: Vec<Outcome>,
}

impl Row {
    /// One figure of every run that ran, sorted.
    fn sorted(&self, figure: impl Fn(f64, f64, f64) -> f64) -> Vec<f64> {
        let mut values: Vec<f64> = self
            .outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Ran {
                    wall,
                    peak_mib,
                    cpu,
                } => Some(figure(*wall, *peak_mib, *cpu)),
                Outcome::Failed(_) => None,
            })
            .collect();
        values.sort_by(f64::total_cmp);
        values
    }

    pub(super) fn walls(&self) -> Vec<f64> {
        self.sorted(|wall, _, _| wall)
    }

    pub(super) fn median_wall(&self) -> Option<f64> {
        let walls = self.walls();
        walls.get(walls.len() / 2).copied()
    }

    /// The median CPU seconds: steadier than wall time on a shared machine.
    pub(super) fn median_cpu(&self) -> Option<f64> {
        let cpus = self.sorted(|_, _, cpu| cpu);
        cpus.get(cpus.len() / 2).copied()
    }

    pub(super) fn peak_mib(&self) -> Option<f64> {
        let peaks = self.sorted(|_, peak, _| peak);
        peaks.get(peaks.len() / 2).copied()
    }

    pub(super) fn failure(&self) -> Option<&str> {
        self.outcomes.iter().find_map(|o| match o {
            Outcome::Failed(why) => Some(why.as_str()),
            Outcome::Ran { .. } => None,
        })
    }
}

/// `runs` interleaved rounds of every tool on every spec.
pub(super) fn measure(
    binaries: &Binaries,
    specs: &[(&'static str, PathBuf)],
    runs: usize,
    scratch: &Path,
) -> Vec<Row> {
    let mut rows: Vec<Row> = specs
        .iter()
        .flat_map(|(spec, _)| {
            Tool::ALL.into_iter().map(|tool| Row {
                spec,
                tool,
                outcomes: Vec::new(),
            })
        })
        .collect();
    for run in 0..runs {
        for row in &mut rows {
            // A tool that failed on a spec fails the same way again: once is the record.
            if row.failure().is_some() {
                continue;
            }
            let Some((_, path)) = specs.iter().find(|(name, _)| *name == row.spec) else {
                continue;
            };
            let outcome = once(binaries, row.tool, path, &scratch.join("peer-out"));
            match &outcome {
                Outcome::Ran { wall, peak_mib, .. } => println!(
                    "{} / {}: run {}/{runs}: {wall:.3} s, {peak_mib:.0} MiB",
                    row.spec,
                    row.tool.label(),
                    run + 1
                ),
                Outcome::Failed(why) => {
                    println!("{} / {}: failed: {why}", row.spec, row.tool.label())
                }
            }
            row.outcomes.push(outcome);
        }
    }
    rows
}

pub(super) fn report(rows: &[Row], runs: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Side by side on real specs\n\n\
         The release CLI of pushgen and the peers installed by the command (`target/peers/`, \
         pinned versions), each run {runs} times on each spec, interleaved; wall time from \
         outside (median, min–max) and peak resident memory (`wait4`). Ratios are against \
         openapi-to-rust, which generates types and a client, in the same run.\n"
    );
    let _ = writeln!(
        out,
        "| spec | generator | wall | min | max | peak memory | × openapi-to-rust time | × its memory |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|");
    for row in rows {
        let peer = rows
            .iter()
            .find(|r| r.spec == row.spec && r.tool == Tool::OpenapiToRust);
        let (peer_wall, peer_peak) = match peer {
            Some(peer) => (peer.median_wall(), peer.peak_mib()),
            None => (None, None),
        };
        match (row.median_wall(), row.peak_mib()) {
            (Some(wall), Some(peak)) => {
                let walls = row.walls();
                let ratio = |ours: f64, theirs: Option<f64>| {
                    theirs.map_or("—".to_string(), |t| format!("{:.2}", ours / t))
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | **{wall:.3} s** | {:.3} s | {:.3} s | {peak:.0} MiB | {} | {} |",
                    row.spec,
                    row.tool.label(),
                    walls.first().copied().unwrap_or(wall),
                    walls.last().copied().unwrap_or(wall),
                    ratio(wall, peer_wall),
                    ratio(peak, peer_peak),
                );
            }
            _ => {
                let why = row.failure().unwrap_or("no run").replace('|', "\\|");
                let _ = writeln!(
                    out,
                    "| {} | {} | failed: {why} | | | | | |",
                    row.spec,
                    row.tool.label()
                );
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Targets (issue 20): pushgen's types, server and client at least 5x faster than \
         openapi-to-rust's types and client, at most a quarter of its peak memory; GitHub's \
         spec under 0.5 s.\n"
    );
    for (spec, _) in SPECS {
        let find = |tool: Tool| rows.iter().find(|r| r.spec == spec && r.tool == tool);
        let (Some(ours), Some(theirs)) = (find(Tool::PushgenAll), find(Tool::OpenapiToRust)) else {
            continue;
        };
        let verdict = |met: bool| if met { "met" } else { "**not met**" };
        match (
            ours.median_wall(),
            theirs.median_wall(),
            ours.peak_mib(),
            theirs.peak_mib(),
        ) {
            (Some(ow), Some(tw), Some(op), Some(tp)) => {
                let _ = writeln!(
                    out,
                    "- {spec}: {:.1}x faster ({}), {:.2} of its memory ({}).",
                    tw / ow,
                    verdict(tw / ow >= 5.0),
                    op / tp,
                    verdict(op / tp <= 0.25)
                );
            }
            _ => {
                let _ = writeln!(out, "- {spec}: no comparison (a generator failed).");
            }
        }
    }
    if let Some(github) = rows
        .iter()
        .find(|r| r.spec == "GitHub" && r.tool == Tool::PushgenAll)
        .and_then(Row::median_wall)
    {
        let _ = writeln!(
            out,
            "- GitHub's spec in {github:.3} s (target: under 0.5 s): {}.",
            if github < 0.5 { "met" } else { "**not met**" }
        );
    }
    let _ = writeln!(out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The release CLI if built, else the debug one `cargo test --workspace` builds.
    fn pushgen() -> Option<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        ["target/release/pushgen", "target/debug/pushgen"]
            .into_iter()
            .map(|p| root.join(p))
            .find(|p| p.exists())
    }

    #[test]
    fn a_failure_is_reported_without_this_machines_paths() {
        // A cargo home under whatever this machine's temporary directory is: an absolute
        // path of the machine the test runs on.
        let home = std::env::temp_dir().join("cargo-home");
        let said = format!(
            "thread 'main' (15382) panicked at {}/registry/src/\
             index.crates.io-1949cf8c6b5b557f/progenitor-impl-0.15.1/src/method.rs:2057:23:",
            home.display()
        );
        assert_eq!(
            portable(&said),
            "thread 'main' panicked at progenitor-impl-0.15.1/src/method.rs:2057:23:"
        );
        assert_eq!(
            portable("Error: generation experienced errors"),
            "Error: generation experienced errors"
        );
    }

    #[test]
    fn a_run_is_timed_with_its_peak_memory_and_a_failure_is_recorded() {
        let Some(pushgen) = pushgen() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "no pushgen binary built"
            );
            eprintln!("SKIPPED: no pushgen binary built (run `cargo build -p pushgen`)");
            return;
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let scratch = std::env::temp_dir().join(format!("pushgen-peers-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        // No peer is installed here: they are reported as failures, not run.
        let binaries = Binaries {
            pushgen,
            peers: vec![(Tool::OpenapiToRust, Err("not installed in tests".into()))],
            starter: None,
        };
        let specs = [
            ("consumer", root.join("fixtures/consumer.yaml")),
            ("missing", scratch.join("no-such-spec.yaml")),
        ];
        let rows = measure(&binaries, &specs, 2, &scratch);
        let _ = std::fs::remove_dir_all(&scratch);
        let row = |spec: &str, tool: Tool| {
            rows.iter()
                .find(|r| r.spec == spec && r.tool == tool)
                .unwrap()
        };
        let ran = row("consumer", Tool::PushgenAll);
        assert_eq!(ran.outcomes.len(), 2);
        assert!(ran.median_wall().is_some_and(|w| w > 0.0));
        assert!(
            ran.peak_mib().is_some_and(|m| m > 1.0),
            "{:?}",
            ran.outcomes
        );
        // A failure is kept once, with what the tool said.
        let failed = row("missing", Tool::PushgenAll);
        assert_eq!(failed.outcomes.len(), 1);
        assert!(failed.failure().is_some_and(|why| why.starts_with("exit ")));
        assert_eq!(
            row("consumer", Tool::OpenapiToRust).failure(),
            Some("not installed in tests")
        );
        let report = report(&rows, 2);
        assert!(
            report.contains("| consumer | pushgen (types, server, client) | **"),
            "{report}"
        );
        assert!(
            report.contains("failed: not installed in tests"),
            "{report}"
        );
    }
}

//! `cargo xtask bench push`: events per second through one connection on 127.0.0.1, the
//! generated server and client of `fixtures/bench.yaml` (the golden crate's `push_bench`
//! example) against hand-written baselines (`xtask/baselines`, a crate of its own so that
//! tonic and prost never lengthen the default build or CI).
//!
//! Server and client are separate processes, as they are in use. Each case is run `--runs`
//! times (default 3), interleaved with the others so that a noisy neighbour spreads over
//! all of them, and the median, min and max are written to `docs/BENCHMARKS.md` with the
//! ratios between medians of the same run. Every consumer checks that all records arrive
//! in order, bounds itself in time, and every server exits when the driver goes.
//!
//! `--smoke` runs the generated cases only, with few records and once, and prints the
//! table without writing it: the harness's own test.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which program serves and consumes a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Program {
    Generated,
    Baseline,
}

#[derive(Debug, Clone, Copy)]
struct Case {
    label: &'static str,
    program: Program,
    kind: &'static str,
    /// Where the generated client reads: the future `#[tokio::main]` blocks on, or a worker.
    placement: Option<&'static str>,
}

const fn generated(label: &'static str, kind: &'static str, placement: &'static str) -> Case {
    Case {
        label,
        program: Program::Generated,
        kind,
        placement: Some(placement),
    }
}

const fn baseline(label: &'static str, kind: &'static str) -> Case {
    Case {
        label,
        program: Program::Baseline,
        kind,
        placement: None,
    }
}

const CASES: [Case; 18] = [
    generated("pushgen envelope, SSE", "envelope-sse", "main"),
    generated("pushgen envelope, NDJSON", "envelope-ndjson", "main"),
    generated(
        "pushgen envelope, SSE over HTTP/2",
        "envelope-sse-h2",
        "main",
    ),
    generated(
        "pushgen envelope, HTTP/2 server push",
        "envelope-h2push",
        "main",
    ),
    generated(
        "pushgen envelope, SSE, recorded in the replay log",
        "envelope-log-sse",
        "main",
    ),
    generated(
        "pushgen envelope, NDJSON, recorded in the replay log",
        "envelope-log-ndjson",
        "main",
    ),
    generated(
        "pushgen envelope, SSE, published to a `Hub` and watched",
        "envelope-hub-sse",
        "main",
    ),
    generated(
        "pushgen envelope, NDJSON, published to a `Hub` and watched",
        "envelope-hub-ndjson",
        "main",
    ),
    generated(
        "pushgen envelope, SSE, authenticated and validated",
        "envelope-secured-sse",
        "main",
    ),
    generated(
        "pushgen envelope, NDJSON, authenticated and validated",
        "envelope-secured-ndjson",
        "main",
    ),
    generated("pushgen items, SSE", "items-sse", "main"),
    generated("pushgen items, NDJSON", "items-ndjson", "main"),
    generated(
        "pushgen items, NDJSON, read on a worker",
        "items-ndjson",
        "worker",
    ),
    baseline("raw TCP, pre-framed NDJSON (the ceiling)", "raw-tcp"),
    baseline("axum `Sse` + reqwest + eventsource-stream", "axum-sse"),
    baseline("axum NDJSON body + reqwest", "axum-ndjson"),
    baseline("tonic server streaming (HTTP/2, protobuf)", "tonic"),
    baseline(
        "HTTP/2 server push by hand on `h2` (a stream per record)",
        "h2-push",
    ),
];

const AXUM_SSE: &str = "axum-sse";
const AXUM_NDJSON: &str = "axum-ndjson";
const TONIC: &str = "tonic";
const RAW: &str = "raw-tcp";
const H2_PUSH: &str = "h2-push";

/// The targets for small events: (generated kind, baseline kind, at least this ratio).
const TARGETS: [(&str, &str, f64); 7] = [
    ("envelope-ndjson", AXUM_NDJSON, 2.0),
    ("items-ndjson", AXUM_NDJSON, 2.0),
    ("envelope-ndjson", TONIC, 0.5),
    ("items-ndjson", TONIC, 0.5),
    ("envelope-sse", AXUM_SSE, 2.0),
    ("items-sse", AXUM_SSE, 2.0),
    ("envelope-h2push", TONIC, 0.5),
];

/// A consumer that has not finished by then is killed (each also bounds itself).
const CONSUME_BOUND: Duration = Duration::from_secs(150);

struct Options {
    runs: usize,
    /// (record size in bytes, records per run)
    sizes: Vec<(u64, u64)>,
    baselines: bool,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let smoke = args.iter().any(|a| a == "--smoke");
    let options = if smoke {
        Options {
            runs: 1,
            sizes: vec![(100, 2_000), (4096, 200)],
            baselines: false,
        }
    } else {
        let small = crate::flag(args, "--small").unwrap_or(1_000_000) as u64;
        let large = crate::flag(args, "--large").unwrap_or(100_000) as u64;
        Options {
            runs: crate::flag(args, "--runs").unwrap_or(3).max(1),
            sizes: vec![(100, small.max(1)), (4096, large.max(1))],
            baselines: !args.iter().any(|a| a == "--no-baselines"),
        }
    };
    let programs = build(root, options.baselines)?;
    let rows = measure(&programs, &options)?;
    let mut report = report(&rows, &options);
    let latency = super::latency::Options {
        runs: options.runs,
        count: if smoke { 500 } else { 20_000 },
    };
    let latencies =
        super::latency::measure(&programs.generated, programs.baselines.as_deref(), &latency)?;
    report.push_str(&super::latency::report(&latencies, &latency));
    println!("\n{report}");
    if smoke {
        return Ok(());
    }
    super::write_section(root, "push", &report)
}

/// The two programs' paths.
struct Programs {
    generated: PathBuf,
    baselines: Option<PathBuf>,
}

fn build(root: &Path, baselines: bool) -> Result<Programs, String> {
    Ok(Programs {
        generated: super::build_example(root, "push_bench")?,
        baselines: if baselines {
            Some(super::build_baselines(root)?)
        } else {
            None
        },
    })
}

/// A server process, killed when dropped.
pub(super) struct Server {
    child: Child,
    pub(super) addr: String,
}

impl Server {
    /// Starts `program serve [kind]` and waits for its `listening ADDR` line.
    pub(super) fn start(program: &Path, kind: Option<&str>) -> Result<Server, String> {
        let mut command = Command::new(program);
        command.arg("serve").args(kind);
        let mut child = command
            // The server exits when its stdin closes: when we are gone, so is it.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        // Killed on every way out from here.
        let mut server = Server {
            child,
            addr: String::new(),
        };
        read.map_err(|e| format!("{}: {e}", program.display()))?;
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .ok_or_else(|| format!("{} serve printed {line:?}", program.display()))?;
        server.addr = addr.to_owned();
        Ok(server)
    }

    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes a line to the server's standard input (the Hub benches' `publish …`).
    pub(super) fn command(&mut self, line: &str) -> Result<(), String> {
        use std::io::Write as _;
        let stdin = self.child.stdin.as_mut().ok_or("no stdin")?;
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("the server's stdin: {e}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One consumer run: events per second.
fn consume(program: &Path, case: &Case, addr: &str, count: u64, size: u64) -> Result<f64, String> {
    let stdout = run_consumer(
        program,
        case.label,
        case.kind,
        addr,
        count,
        size,
        case.placement,
    )?;
    parse_figure(&stdout, count).map_err(|e| format!("{}: {e}", case.label))
}

/// Runs `program consume KIND ADDR COUNT SIZE [PLACEMENT]`, bounded in time; its
/// standard output.
pub(super) fn run_consumer(
    program: &Path,
    label: &str,
    kind: &str,
    addr: &str,
    count: u64,
    size: u64,
    placement: Option<&str>,
) -> Result<String, String> {
    let mut command = Command::new(program);
    command
        .arg("consume")
        .arg(kind)
        .arg(addr)
        .arg(count.to_string())
        .arg(size.to_string())
        .args(placement)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let started = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(_) => break,
            None if started.elapsed() > CONSUME_BOUND => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{label}: no end within {CONSUME_BOUND:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "{label} ({count} × {size} B) failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Reads `events=N seconds=S` and turns it into events per second.
fn parse_figure(stdout: &str, count: u64) -> Result<f64, String> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("events="))
        .ok_or_else(|| format!("no `events=` line in {stdout:?}"))?;
    let mut events = None;
    let mut seconds = None;
    for pair in line.split_whitespace() {
        match pair.split_once('=') {
            Some(("events", n)) => events = n.parse::<u64>().ok(),
            Some(("seconds", s)) => seconds = s.parse::<f64>().ok(),
            _ => {}
        }
    }
    match (events, seconds) {
        (Some(n), Some(s)) if n == count && s > 0.0 => Ok(n as f64 / s),
        (Some(n), _) if n != count => Err(format!("{n} events of {count}")),
        _ => Err(format!("cannot read {line:?}")),
    }
}

/// The figures of one case at one size.
struct Row {
    case: Case,
    size: u64,
    count: u64,
    per_second: Vec<f64>,
}

impl Row {
    fn sorted(&self) -> Vec<f64> {
        let mut sorted = self.per_second.clone();
        sorted.sort_by(f64::total_cmp);
        sorted
    }

    fn median(&self) -> f64 {
        let sorted = self.sorted();
        sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
    }
}

fn measure(programs: &Programs, options: &Options) -> Result<Vec<Row>, String> {
    let cases: Vec<Case> = CASES
        .into_iter()
        .filter(|c| c.program == Program::Generated || programs.baselines.is_some())
        .collect();
    let generated = Server::start(&programs.generated, None)?;
    let mut baselines = Vec::new();
    if let Some(program) = &programs.baselines {
        for case in cases.iter().filter(|c| c.program == Program::Baseline) {
            baselines.push((case.kind, Server::start(program, Some(case.kind))?));
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    for &(size, count) in &options.sizes {
        for case in &cases {
            rows.push(Row {
                case: *case,
                size,
                count,
                per_second: Vec::new(),
            });
        }
    }
    for run in 1..=options.runs {
        for row in &mut rows {
            let (program, addr) = match row.case.program {
                Program::Generated => (&programs.generated, &generated.addr),
                Program::Baseline => {
                    let server = baselines
                        .iter()
                        .find(|(kind, _)| *kind == row.case.kind)
                        .map(|(_, server)| server)
                        .ok_or("no baseline server")?;
                    (
                        programs.baselines.as_ref().ok_or("no baselines")?,
                        &server.addr,
                    )
                }
            };
            let per_second = consume(program, &row.case, addr, row.count, row.size)?;
            println!(
                "run {run}/{}: {} × {} B, {}: {:.0} events/s",
                options.runs, row.count, row.size, row.case.label, per_second
            );
            row.per_second.push(per_second);
        }
    }
    Ok(rows)
}

fn thousands(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M", per_second / 1e6)
    } else {
        format!("{:.0} k", per_second / 1e3)
    }
}

fn report(rows: &[Row], options: &Options) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Push streams\n");
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench push`. One connection on 127.0.0.1, server and client \
         in separate release processes; each consumer decodes every record into its typed \
         struct and checks that none is lost or reordered. Events per second: median of {} \
         interleaved runs, with min and max; ratios are between medians of the same run \
         (`× axum SSE` is the case's median over the axum SSE baseline's). The generated \
         client reads in the future `#[tokio::main]` blocks on, as most users write it; the \
         baselines read on a runtime worker, their best case.\n",
        options.runs
    );
    let _ = writeln!(out, "Machine: {}.\n", super::machine());
    for &(size, count) in &options.sizes {
        let at_size: Vec<&Row> = rows.iter().filter(|r| r.size == size).collect();
        let median_of = |kind: &str| {
            at_size
                .iter()
                .find(|r| r.case.program == Program::Baseline && r.case.kind == kind)
                .map(|r| r.median())
        };
        let references: Vec<(&str, f64)> = [
            ("axum SSE", AXUM_SSE),
            ("axum NDJSON", AXUM_NDJSON),
            ("tonic", TONIC),
            ("raw TCP", RAW),
        ]
        .into_iter()
        .filter_map(|(name, kind)| median_of(kind).map(|m| (name, m)))
        .collect();
        let _ = writeln!(out, "### {count} records of about {size} B\n");
        let mut header = String::from("| stream | events/s | min | max | MB/s |");
        let mut rule = String::from("|---|--:|--:|--:|--:|");
        for (name, _) in &references {
            let _ = write!(header, " × {name} |");
            rule.push_str("--:|");
        }
        let _ = writeln!(out, "{header}\n{rule}");
        for row in &at_size {
            let sorted = row.sorted();
            let median = row.median();
            let _ = write!(
                out,
                "| {} | **{}** | {} | {} | {:.0} |",
                row.case.label,
                thousands(median),
                thousands(sorted.first().copied().unwrap_or(0.0)),
                thousands(sorted.last().copied().unwrap_or(0.0)),
                median * size as f64 / 1e6,
            );
            for (_, reference) in &references {
                let _ = write!(out, " {:.2} |", median / reference);
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out);
        if size == 100 && !references.is_empty() {
            let _ = writeln!(out, "Targets for small records, from this run:\n");
            for (kind, against, at_least) in TARGETS {
                let ours = at_size
                    .iter()
                    .find(|r| r.case.program == Program::Generated && r.case.kind == kind)
                    .filter(|r| r.case.placement == Some("main"))
                    .map(|r| r.median());
                if let (Some(ours), Some(theirs)) = (ours, median_of(against)) {
                    let ratio = ours / theirs;
                    let verdict = if ratio >= at_least {
                        "met"
                    } else {
                        "**not met**"
                    };
                    let _ = writeln!(
                        out,
                        "- `{kind}` at least {at_least}x `{against}`: {ratio:.2}x, {verdict}."
                    );
                }
            }
            // Where HTTP/2 push stands against what a stream per push costs on `h2`
            // itself, and where that ceiling stands against tonic.
            let h2push = at_size
                .iter()
                .find(|r| r.case.program == Program::Generated && r.case.kind == "envelope-h2push")
                .map(|r| r.median());
            if let (Some(ours), Some(by_hand), Some(tonic)) =
                (h2push, median_of(H2_PUSH), median_of(TONIC))
            {
                let _ = writeln!(
                    out,
                    "- `envelope-h2push` against HTTP/2 push by hand on `h2`: {:.2}x; the hand-written \
                     push itself is {:.2}x `tonic`.",
                    ours / by_hand,
                    by_hand / tonic
                );
            }
            let _ = writeln!(out);
        }
        // What resumption costs: the same stream recorded into the replay log as it is sent.
        let generated_median = |kind: &str| {
            at_size
                .iter()
                .find(|r| r.case.program == Program::Generated && r.case.kind == kind)
                .map(|r| r.median())
        };
        let mut costs = Vec::new();
        for (direct, costlier, at_least, what) in COSTS {
            if let (Some(without), Some(with)) =
                (generated_median(direct), generated_median(costlier))
            {
                let ratio = with / without;
                let verdict = if ratio >= at_least {
                    "met"
                } else {
                    "**not met**"
                };
                let most = ((1.0 - at_least) * 100.0).round();
                costs.push(format!(
                    "- `{costlier}` at least {at_least}x `{direct}` ({what} costs at most \
                     {most}%): {ratio:.2}x, {verdict}."
                ));
            }
        }
        if !costs.is_empty() {
            let _ = writeln!(out, "What resumption and security cost, from this run:\n");
            let _ = writeln!(out, "{}\n", costs.join("\n"));
        }
    }
    out
}

/// (the stream straight from its handler, the same stream with more done to it, the
/// least ratio of their rates, what the more is).
const COSTS: [(&str, &str, f64, &str); 4] = [
    (
        "envelope-sse",
        "envelope-log-sse",
        0.9,
        "the in-memory replay log",
    ),
    (
        "envelope-ndjson",
        "envelope-log-ndjson",
        0.9,
        "the in-memory replay log",
    ),
    (
        "envelope-sse",
        "envelope-secured-sse",
        0.95,
        "authenticating and validating the request",
    ),
    (
        "envelope-ndjson",
        "envelope-secured-ndjson",
        0.95,
        "authenticating and validating the request",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The example program `cargo test --workspace` builds beside this test.
    fn push_bench() -> Option<PathBuf> {
        let exe = std::env::current_exe().ok()?;
        let profile = exe.parent()?.parent()?;
        let path = profile.join("examples/push_bench");
        path.exists().then_some(path)
    }

    #[test]
    fn the_harness_starts_servers_and_produces_figures() {
        let Some(generated) = push_bench() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the push_bench example was not built (run `cargo test --workspace`)"
            );
            eprintln!(
                "SKIPPED the push bench smoke test: the golden crate's push_bench example is not \
                 built next to this test. `cargo test --workspace` builds it."
            );
            return;
        };
        let programs = Programs {
            generated,
            baselines: None,
        };
        let options = Options {
            runs: 1,
            sizes: vec![(100, 500), (4096, 50)],
            baselines: false,
        };
        let rows = measure(&programs, &options).expect("the generated cases run");
        assert_eq!(rows.len(), 2 * 13, "thirteen generated cases at two sizes");
        for row in &rows {
            assert_eq!(row.per_second.len(), 1);
            assert!(row.median() > 0.0, "{}: no figure", row.case.label);
        }
        let report = report(&rows, &options);
        assert!(report.contains("| pushgen items, NDJSON |"), "{report}");
        assert!(
            report.contains("What resumption and security cost"),
            "{report}"
        );
        assert!(
            report.contains("`envelope-secured-ndjson` at least 0.95x `envelope-ndjson`"),
            "{report}"
        );
        assert!(
            report.contains("### 500 records of about 100 B"),
            "{report}"
        );

        // The latency case: 300 stamped records at 10,000 a second.
        let latency = crate::bench::latency::Options {
            runs: 1,
            count: 300,
        };
        let rows = crate::bench::latency::measure(&programs.generated, None, &latency)
            .expect("the latency case runs");
        let report = crate::bench::latency::report(&rows, &latency);
        assert!(report.contains("| pushgen envelope, SSE | **"), "{report}");
    }

    #[test]
    fn a_consumer_line_becomes_events_per_second() {
        assert_eq!(parse_figure("events=100 seconds=0.5\n", 100), Ok(200.0));
        assert!(parse_figure("events=99 seconds=0.5\n", 100).is_err());
        assert!(parse_figure("nothing\n", 100).is_err());
        assert!(parse_figure("events=100 seconds=0\n", 100).is_err());
    }
}

//! `cargo xtask bench idle`: server memory per idle subscription. A holder process
//! opens many SSE subscriptions to a server process and keeps them, each having had its
//! stream head and one event; the figure is the growth of the server's resident memory
//! divided by the number held. The generated feed server on a `Hub`
//! (`tests/golden/examples/hub_bench.rs`) against the hand-written axum `Sse` server's
//! idle endpoint (`xtask/baselines`), both read by the same holder.

use super::push::Server;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const USAGE: &str = "usage: cargo xtask bench idle [--subscriptions N] [--runs N]";

struct Case {
    label: &'static str,
    /// `None`: the generated server; `Some(kind)`: a baseline.
    baseline: Option<&'static str>,
    path: &'static str,
    /// What each subscription reads before it counts as open.
    marker: &'static str,
}

const CASES: [Case; 2] = [
    Case {
        label: "pushgen feed server on a `Hub` (`MemoryLog`)",
        baseline: None,
        path: "/feeds/idle",
        marker: "event: entry",
    },
    Case {
        label: "axum `Sse` (hand-written)",
        baseline: Some("axum-sse"),
        path: "/idle",
        marker: "event: tick",
    },
];

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut subscriptions = 10_000usize;
    let mut runs = 3usize;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = |v: Option<&String>| {
            v.and_then(|v| v.parse().ok())
                .ok_or_else(|| USAGE.to_string())
        };
        match arg.as_str() {
            "--subscriptions" => subscriptions = value(args.next())?,
            "--runs" => runs = value(args.next())?,
            _ => return Err(USAGE.into()),
        }
    }
    let (generated, baselines) = build(root)?;
    let mut figures: Vec<Vec<f64>> = vec![Vec::new(); CASES.len()];
    // Interleaved, so that the machine's drift touches every case alike.
    for _ in 0..runs {
        for (case, figures) in CASES.iter().zip(&mut figures) {
            let program = match case.baseline {
                None => &generated,
                Some(_) => &baselines,
            };
            figures.push(per_subscription(program, &generated, case, subscriptions)?);
        }
    }
    let mut text = format!(
        "## Idle subscriptions\n\nWritten by `cargo xtask bench idle`. {subscriptions} SSE \
         subscriptions held open on one server process, each after its stream head and one \
         event; server resident memory growth divided by the subscriptions, median of {runs} \
         interleaved runs (min–max). Target: at most 12 KiB each.\n\nMachine: {}.\n\n\
         | server | KiB per subscription | min | max |\n|---|--:|--:|--:|\n",
        super::machine()
    );
    for (case, figures) in CASES.iter().zip(&mut figures) {
        figures.sort_by(f64::total_cmp);
        let median = figures[figures.len() / 2];
        let (min, max) = (figures[0], figures[figures.len() - 1]);
        text.push_str(&format!(
            "| {} | **{median:.1}** | {min:.1} | {max:.1} |\n",
            case.label
        ));
    }
    let generated_median = figures[0][figures[0].len() / 2];
    text.push_str(&format!(
        "\n- pushgen at most 12 KiB per idle subscription: {generated_median:.1} KiB, {}.\n",
        if generated_median <= 12.0 {
            "met"
        } else {
            "**not met**"
        }
    ));
    print!("{text}");
    super::write_section(root, "idle", &text)
}

fn build(root: &Path) -> Result<(PathBuf, PathBuf), String> {
    Ok((
        super::build_example(root, "hub_bench")?,
        super::build_baselines(root)?,
    ))
}

/// One run: KiB of server memory per subscription held.
fn per_subscription(
    server: &Path,
    holder: &Path,
    case: &Case,
    subscriptions: usize,
) -> Result<f64, String> {
    let server = Server::start(server, case.baseline)?;
    let before = resident_kib(server.pid())?;
    let mut hold = Command::new(holder)
        .args([
            "hold",
            &server.addr,
            case.path,
            &subscriptions.to_string(),
            case.marker,
        ])
        // The holder exits when its stdin closes.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", holder.display()))?;
    let mut line = String::new();
    let read = match hold.stdout.take() {
        Some(stdout) => BufReader::new(stdout).read_line(&mut line),
        None => Ok(0),
    };
    let after = resident_kib(server.pid());
    let _ = hold.kill();
    let _ = hold.wait();
    read.map_err(|e| format!("holder: {e}"))?;
    if line.trim() != format!("ready {subscriptions}") {
        return Err(format!("the holder printed {line:?}"));
    }
    Ok((after? - before) as f64 / subscriptions as f64)
}

/// A process's resident memory, from `/proc/PID/status`.
fn resident_kib(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no VmRSS for process {pid}"))
}

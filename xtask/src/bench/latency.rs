//! The latency part of `cargo xtask bench push`: how long a push takes from the server's
//! `send` to the client's reader, at a fixed 10,000 records a second over SSE, the
//! generated server and client (`push_bench consume latency-sse`) against hand-written
//! axum SSE (`baselines consume axum-sse-latency`), in the same run.
//!
//! Both servers stamp each record with `CLOCK_MONOTONIC` as they send it, and both
//! clients read that clock when the record has been decoded: one clock for the two
//! processes, so no clock skew enters the figure. Each consumer prints its 50th and
//! 99th percentiles; the runs are interleaved, and the medians of each are reported.

use super::push::{Server, run_consumer};
use std::fmt::Write as _;
use std::path::Path;

/// The records' size in bytes, and the rate both servers pace at (fixed in them).
const SIZE: u64 = 100;
const RATE: u64 = 10_000;

pub(super) struct Options {
    pub(super) runs: usize,
    /// Records per run (at `RATE` a second).
    pub(super) count: u64,
}

/// One case's percentiles, a pair per run.
pub(super) struct Row {
    label: &'static str,
    generated: bool,
    p50: Vec<f64>,
    p99: Vec<f64>,
}

pub(super) fn measure(
    generated: &Path,
    baselines: Option<&Path>,
    options: &Options,
) -> Result<Vec<Row>, String> {
    let ours = Server::start(generated, None)?;
    let theirs = match baselines {
        Some(program) => Some((program, Server::start(program, Some("axum-sse-latency"))?)),
        None => None,
    };
    let mut rows = vec![Row {
        label: "pushgen envelope, SSE",
        generated: true,
        p50: Vec::new(),
        p99: Vec::new(),
    }];
    if theirs.is_some() {
        rows.push(Row {
            label: "axum `Sse` + reqwest + eventsource-stream",
            generated: false,
            p50: Vec::new(),
            p99: Vec::new(),
        });
    }
    for run in 0..options.runs {
        for row in &mut rows {
            let (program, kind, addr, placement) = if row.generated {
                (generated, "latency-sse", &ours.addr, Some("main"))
            } else {
                let Some((program, server)) = &theirs else {
                    continue;
                };
                (*program, "axum-sse-latency", &server.addr, None)
            };
            let stdout = run_consumer(
                program,
                row.label,
                kind,
                addr,
                options.count,
                SIZE,
                placement,
            )?;
            let (p50, p99) = percentiles(&stdout).map_err(|e| format!("{}: {e}", row.label))?;
            println!(
                "latency: {}: run {}/{}: p50 {p50:.0} µs, p99 {p99:.0} µs",
                row.label,
                run + 1,
                options.runs
            );
            row.p50.push(p50);
            row.p99.push(p99);
        }
    }
    Ok(rows)
}

/// `p50_us=… p99_us=…` from a consumer's line.
fn percentiles(stdout: &str) -> Result<(f64, f64), String> {
    let mut p50 = None;
    let mut p99 = None;
    for pair in stdout.split_whitespace() {
        match pair.split_once('=') {
            Some(("p50_us", v)) => p50 = v.parse().ok(),
            Some(("p99_us", v)) => p99 = v.parse().ok(),
            _ => {}
        }
    }
    match (p50, p99) {
        (Some(p50), Some(p99)) => Ok((p50, p99)),
        _ => Err(format!("no percentiles in {stdout:?}")),
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

fn range(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(0.0, f64::max);
    (min, max)
}

pub(super) fn report(rows: &[Row], options: &Options) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Latency at {RATE} records a second\n\n\
         From the server's `send` to the client's reader, over SSE, {} records of about \
         {SIZE} B a run, each stamped with `CLOCK_MONOTONIC` as it is sent and read against \
         the same clock once decoded; median of {} interleaved runs (min–max), in \
         microseconds. The axum baseline sets `TCP_NODELAY` (axum's `serve` does not by \
         default, and Nagle's algorithm then holds small events for a delayed ACK: \
         milliseconds, not microseconds).\n",
        options.count, options.runs
    );
    let _ = writeln!(out, "| stream | p50 | p99 | p99 min | p99 max |");
    let _ = writeln!(out, "|---|--:|--:|--:|--:|");
    for row in rows {
        let (min, max) = range(&row.p99);
        let _ = writeln!(
            out,
            "| {} | **{:.0} µs** | **{:.0} µs** | {min:.0} µs | {max:.0} µs |",
            row.label,
            median(&row.p50),
            median(&row.p99),
        );
    }
    let ours = rows.iter().find(|r| r.generated).map(|r| median(&r.p99));
    let theirs = rows.iter().find(|r| !r.generated).map(|r| median(&r.p99));
    let _ = writeln!(out);
    if let (Some(ours), Some(theirs)) = (ours, theirs) {
        let verdict = |met: bool| if met { "met" } else { "**not met**" };
        let _ = writeln!(
            out,
            "- pushgen's p99 at most the axum baseline's: {ours:.0} µs against {theirs:.0} µs, {}.",
            verdict(ours <= theirs)
        );
        let _ = writeln!(
            out,
            "- pushgen's p99 under 1 ms: {ours:.0} µs, {}.\n",
            verdict(ours < 1000.0)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consumer_line_gives_its_percentiles() {
        let line = "events=300 seconds=0.03 p50_us=412.5 p99_us=850.0\n";
        assert_eq!(percentiles(line), Ok((412.5, 850.0)));
        assert!(percentiles("events=300 seconds=0.03\n").is_err());
    }

    #[test]
    fn the_median_of_runs_is_the_middle_one() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(range(&[3.0, 1.0, 2.0]), (1.0, 3.0));
    }
}

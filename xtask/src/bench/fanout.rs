//! `cargo xtask bench fanout`: one source broadcast to many SSE subscribers on one
//! server process. A watcher process opens the subscriptions and reads them all at once;
//! once every one has its stream head, the server is told to publish (a line on its
//! standard input), and the watcher times from the first byte of the broadcast to the
//! last subscription's `final` event. The figure is events delivered per second (events
//! × subscribers / seconds). The generated feed server on a `Hub`
//! (`tests/golden/examples/hub_bench.rs`) against the hand-written axum `Sse` server with
//! a `tokio::sync::broadcast` channel (`xtask/baselines/src/broadcast.rs`), both read by
//! the same watcher.

use super::push::Server;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const USAGE: &str =
    "usage: cargo xtask bench fanout [--subscribers N] [--events N] [--size BYTES] [--runs N]";

struct Case {
    label: &'static str,
    /// `None`: the generated server; `Some(kind)`: a baseline.
    baseline: Option<&'static str>,
    /// The subscription's path; `{topic}` is each run's topic.
    path: &'static str,
}

const CASES: [Case; 2] = [
    Case {
        label: "pushgen feed server, `Hub` on a `MemoryLog`",
        baseline: None,
        path: "/feeds/{topic}",
    },
    Case {
        label: "axum `Sse` + `tokio::sync::broadcast` (hand-written)",
        baseline: Some("axum-sse"),
        path: "/broadcast",
    },
];

struct Options {
    subscribers: usize,
    events: usize,
    size: usize,
    runs: usize,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut options = Options {
        subscribers: 1000,
        events: 5000,
        size: 100,
        runs: 3,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| USAGE.to_string())
        };
        match arg.as_str() {
            "--subscribers" => options.subscribers = value()?,
            "--events" => options.events = value()?,
            "--size" => options.size = value()?,
            "--runs" => options.runs = value()?.max(1),
            _ => return Err(USAGE.into()),
        }
    }
    let (generated, baselines) = build(root)?;
    let mut figures: Vec<Vec<f64>> = vec![Vec::new(); CASES.len()];
    // Interleaved, so that the machine's drift touches every case alike.
    for run in 0..options.runs {
        for (case, figures) in CASES.iter().zip(&mut figures) {
            let server = match case.baseline {
                None => &generated,
                Some(_) => &baselines,
            };
            let per_second = delivered_per_second(server, &generated, case, &options, run)?;
            println!(
                "run {}/{}: {}: {per_second:.0} events delivered/s",
                run + 1,
                options.runs,
                case.label
            );
            figures.push(per_second);
        }
    }
    let text = report(&options, &mut figures);
    print!("\n{text}");
    super::write_section(root, "fanout", &text)
}

fn report(options: &Options, figures: &mut [Vec<f64>]) -> String {
    let mut text = format!(
        "## Broadcast to many subscribers\n\nWritten by `cargo xtask bench fanout`. One \
         source broadcast to {} SSE subscriptions on one server process: {} events of about \
         {} B each, published once every subscription has its stream head; each of the \
         subscriptions, read at once by a watcher process, counts every event and its \
         `final`. Events delivered per second (events × subscriptions / seconds from the \
         first byte to the last `final`), median of {} interleaved runs (min–max).\n\n\
         Machine: {}.\n\n| server | events delivered/s | min | max | × axum |\n\
         |---|--:|--:|--:|--:|\n",
        options.subscribers,
        options.events,
        options.size,
        options.runs,
        super::machine()
    );
    let medians: Vec<f64> = figures
        .iter_mut()
        .map(|f| {
            f.sort_by(f64::total_cmp);
            f[f.len() / 2]
        })
        .collect();
    let axum = medians.last().copied().unwrap_or(1.0);
    for ((case, figures), median) in CASES.iter().zip(figures.iter()).zip(&medians) {
        text.push_str(&format!(
            "| {} | **{}** | {} | {} | {:.2} |\n",
            case.label,
            millions(*median),
            millions(figures[0]),
            millions(figures[figures.len() - 1]),
            median / axum
        ));
    }
    text
}

fn millions(per_second: f64) -> String {
    format!("{:.2} M", per_second / 1e6)
}

fn build(root: &Path) -> Result<(PathBuf, PathBuf), String> {
    Ok((
        super::build_example(root, "hub_bench")?,
        super::build_baselines(root)?,
    ))
}

/// One run: events delivered per second.
fn delivered_per_second(
    server: &Path,
    watcher: &Path,
    case: &Case,
    options: &Options,
    run: usize,
) -> Result<f64, String> {
    let mut server = Server::start(server, case.baseline)?;
    let topic = format!("fan-{run}");
    let path = case.path.replace("{topic}", &topic);
    let mut watch = Command::new(watcher)
        .args([
            "watch",
            &server.addr,
            &path,
            &options.subscribers.to_string(),
        ])
        // The watcher exits when its stdin closes.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", watcher.display()))?;
    let result = (|| {
        let stdout = watch.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut next = || {
            lines
                .next()
                .unwrap_or_else(|| Ok(String::new()))
                .map_err(|e| format!("watcher: {e}"))
        };
        let ready = next()?;
        if ready.trim() != format!("ready {}", options.subscribers) {
            return Err(format!("the watcher printed {ready:?}"));
        }
        server.command(&format!(
            "publish {topic} {} {}",
            options.events, options.size
        ))?;
        let done = next()?;
        parse(&done, options.events * options.subscribers)
    })();
    let _ = watch.kill();
    let _ = watch.wait();
    result.map_err(|e| format!("{}: {e}", case.label))
}

/// `delivered=N seconds=S`, checked against the events expected.
fn parse(line: &str, expected: usize) -> Result<f64, String> {
    let mut delivered = None;
    let mut seconds = None;
    for pair in line.split_whitespace() {
        match pair.split_once('=') {
            Some(("delivered", n)) => delivered = n.parse::<usize>().ok(),
            Some(("seconds", s)) => seconds = s.parse::<f64>().ok(),
            _ => {}
        }
    }
    match (delivered, seconds) {
        (Some(n), Some(s)) if n == expected && s > 0.0 => Ok(n as f64 / s),
        (Some(n), _) if n != expected => Err(format!("{n} events delivered of {expected}")),
        _ => Err(format!("the watcher printed {line:?}")),
    }
}

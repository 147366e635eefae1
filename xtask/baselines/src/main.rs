//! Hand-written push-stream baselines for `cargo xtask bench push`.
//!
//! Each baseline streams the same records the pushgen bench stream does
//! (`Record { seq, payload }`, `payload` being `"x"` repeated
//! `size.saturating_sub(32)` times), written the way a careful user would write
//! it with a popular library, so the driver can put pushgen's generated servers
//! and clients next to them:
//!
//! | kind          | server                                      | client                                       |
//! |---------------|---------------------------------------------|----------------------------------------------|
//! | `raw-tcp`     | tokio TCP, pre-framed NDJSON, 64 KiB writes | tokio TCP, counts `\n` (the ceiling)         |
//! | `axum-sse`    | axum 0.8 `Sse` of `Event::json_data`        | reqwest + eventsource-stream + serde_json    |
//! | `axum-ndjson` | axum 0.8 `Body::from_stream`                | reqwest `bytes_stream` + memchr + serde_json |
//! | `tonic`       | tonic 0.14 server streaming over h2c        | the generated tonic client                   |
//! | `h2-push`     | `h2` 0.4, a `PUSH_PROMISE` per record (h2c) | `h2` 0.4, promises in order + serde_json     |
//!
//! `axum-sse-latency` is `axum-sse` (with `TCP_NODELAY`) paced at 10,000 records a second, each stamped
//! with `CLOCK_MONOTONIC` as it is sent (`latency.rs`); its `consume` also prints the
//! 50th and 99th percentile of send-to-decoded latency (`p50_us=… p99_us=…`).
//!
//! `axum-sse` also serves `/idle` (one event, then keep-alives) for `bench idle`, and
//! `/broadcast` (a `tokio::sync::broadcast` channel, `broadcast.rs`) for `bench fanout`,
//! whose `publish TOPIC COUNT SIZE` lines come on the server's standard input.
//!
//! The command line (the driver depends on it exactly):
//!
//! - `baselines serve KIND` binds `127.0.0.1:0`, prints `listening 127.0.0.1:PORT`,
//!   serves until killed, and exits by itself when its stdin reaches EOF.
//! - `baselines consume KIND ADDR COUNT SIZE` makes one request for COUNT records
//!   of about SIZE bytes, checks that seqs 0..COUNT arrive in order and whole,
//!   prints `events=COUNT seconds=S.SSSSSS` and exits 0; on any failure, or after
//!   120 s, it prints the reason to stderr and exits 1. The clock starts just
//!   before the client connects and sends its request, and stops just after the
//!   last record is decoded (the `raw-tcp` client: counted).
//!
//! # Why this crate is outside the workspace
//!
//! Its `Cargo.toml` has an empty `[workspace]` table, so the root workspace's
//! `cargo build`, `cargo test --workspace` and `cargo clippy --workspace` never
//! compile it: tonic, prost, reqwest and eventsource-stream are only needed to
//! benchmark, and must not lengthen CI. `cargo xtask bench push` builds it on
//! demand with
//! `cargo build --release --manifest-path xtask/baselines/Cargo.toml --target-dir target/baselines`.

mod axum_ndjson;
mod axum_sse;
mod broadcast;
mod grpc;
mod h2_push;
mod latency;
mod raw_tcp;
mod record;

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use tokio::net::TcpListener;

/// How long one `consume` may take before it gives up.
const CONSUME_LIMIT: Duration = Duration::from_secs(120);

const USAGE: &str = "usage: baselines serve KIND\n       baselines consume KIND ADDR COUNT SIZE\n\
                     KIND: raw-tcp | axum-sse | axum-ndjson | tonic | h2-push | axum-sse-latency";

#[derive(Clone, Copy, Debug)]
enum Kind {
    RawTcp,
    AxumSse,
    AxumNdjson,
    Tonic,
    H2Push,
    AxumSseLatency,
}

impl Kind {
    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "raw-tcp" => Ok(Self::RawTcp),
            "axum-sse" => Ok(Self::AxumSse),
            "axum-ndjson" => Ok(Self::AxumNdjson),
            "tonic" => Ok(Self::Tonic),
            "h2-push" => Ok(Self::H2Push),
            "axum-sse-latency" => Ok(Self::AxumSseLatency),
            other => Err(format!("unknown kind `{other}`\n{USAGE}")),
        }
    }
}

/// What `consume` asks for.
#[derive(Clone, Debug)]
pub struct Job {
    pub addr: SocketAddr,
    pub count: u64,
    pub size: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["serve", kind] => match Kind::parse(kind) {
            Ok(kind) => serve(kind).await,
            Err(e) => Err(e),
        },
        ["consume", kind, addr, count, size] => match parse_job(kind, addr, count, size) {
            Ok((kind, job)) => consume(kind, job).await,
            Err(e) => Err(e),
        },
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baselines: {e}");
            ExitCode::FAILURE
        }
    }
}

/// An error and its sources, `: `-separated: reqwest's and tonic's own
/// messages ("error sending request", "transport error") hide the cause.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn parse_job(kind: &str, addr: &str, count: &str, size: &str) -> Result<(Kind, Job), String> {
    let kind = Kind::parse(kind)?;
    let addr = addr
        .parse()
        .map_err(|e| format!("ADDR `{addr}` is not HOST:PORT: {e}"))?;
    let count = count
        .parse()
        .map_err(|e| format!("COUNT `{count}` is not a whole number: {e}"))?;
    let size = size
        .parse()
        .map_err(|e| format!("SIZE `{size}` is not a whole number: {e}"))?;
    Ok((kind, Job { addr, count, size }))
}

async fn serve(kind: Kind) -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot bind 127.0.0.1:0: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?;

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening {addr}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(stdout);

    // No server outlives the driver: when the driver dies, or closes our stdin,
    // the copy reaches EOF and the process exits.
    // A line `publish …` is a broadcast to send (`broadcast.rs`).
    std::thread::spawn(|| {
        use std::io::BufRead as _;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if let Err(e) = broadcast::command(&line) {
                eprintln!("baselines: {e}");
            }
        }
        std::process::exit(0);
    });

    match kind {
        Kind::RawTcp => raw_tcp::serve(listener).await,
        Kind::AxumSse => axum_sse::serve(listener, false).await,
        Kind::AxumSseLatency => axum_sse::serve(listener, true).await,
        Kind::AxumNdjson => axum_ndjson::serve(listener).await,
        Kind::Tonic => grpc::serve(listener).await,
        Kind::H2Push => h2_push::serve(listener).await,
    }
}

async fn consume(kind: Kind, job: Job) -> Result<(), String> {
    let count = job.count;
    // The client runs on a runtime worker, as it would in a real program, not
    // in the future `block_on` drives.
    let task = tokio::spawn(async move {
        let plain = |elapsed: Result<Duration, String>| elapsed.map(|e| (e, None));
        match kind {
            Kind::RawTcp => plain(raw_tcp::consume(job).await),
            Kind::AxumSse => plain(axum_sse::consume(job).await),
            Kind::AxumNdjson => plain(axum_ndjson::consume(job).await),
            Kind::Tonic => plain(grpc::consume(job).await),
            Kind::H2Push => plain(h2_push::consume(job).await),
            Kind::AxumSseLatency => latency::consume(job)
                .await
                .map(|(elapsed, p50, p99)| (elapsed, Some((p50, p99)))),
        }
    });
    let (elapsed, latency) = match tokio::time::timeout(CONSUME_LIMIT, task).await {
        Err(_) => {
            return Err(format!("gave up after {} s", CONSUME_LIMIT.as_secs()));
        }
        Ok(Err(join)) => return Err(format!("the client task failed: {join}")),
        Ok(Ok(result)) => result?,
    };
    let mut line = format!("events={count} seconds={:.6}", elapsed.as_secs_f64());
    if let Some((p50, p99)) = latency {
        line.push_str(&format!(" p50_us={p50:.1} p99_us={p99:.1}"));
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))
}

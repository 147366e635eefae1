//! The generated side of `cargo xtask bench push`: the benchmark fixture's generated
//! server and client (`fixtures/bench.yaml`), driven over the command line that the
//! hand-written baselines (`xtask/baselines`) speak too.
//!
//! ```text
//! push_bench serve                      # prints `listening 127.0.0.1:PORT`
//! push_bench consume KIND ADDR COUNT SIZE [main|worker]
//! ```
//!
//! `KIND` is `envelope-sse`, `envelope-ndjson`, `items-sse` or `items-ndjson`, or
//! `envelope-log-sse` / `envelope-log-ndjson`: the same envelope stream, recorded into
//! the in-memory replay log as the handler sends it (`Hub::record`), for what
//! resumption costs, or `envelope-hub-sse` / `envelope-hub-ndjson`: the same stream
//! through a `Hub` (a publisher task appends every record to the log, and the handler
//! watches the topic, as a broadcast does), or `envelope-secured-sse` /
//! `envelope-secured-ndjson`: the same stream behind a bearer token, authenticated
//! and validated, for what that costs, or `latency-sse`: the envelope stream over SSE
//! paced at 10,000 records a second, each stamped with the server's monotonic clock
//! when it is sent, for the latency from `send` to the reader (it prints `p50_us` and
//! `p99_us` beside the count). `consume`
//! reads `COUNT` records of about `SIZE` bytes of JSON each, checks that they arrive in
//! order with none lost, and prints `events=COUNT seconds=S`. It reads in the future
//! that `#[tokio::main]` blocks on (`main`, as most users write it) unless told to read
//! on a runtime worker (`worker`). The server exits when its standard input closes, so
//! it never outlives the driver.

use pushgen_golden::bench::client::PushBenchmarkClient;
use pushgen_golden::bench::operations::{envelope, items_ndjson, items_sse, secured_envelope};
use pushgen_golden::bench::server::{PushBenchmark, router};
use pushgen_golden::bench::types::Record;
use pushgen_runtime::client::{Error, PushBinding, Pushed};
use pushgen_runtime::replay::{Bounds, MemoryLog};
use pushgen_runtime::server::{Attempt, Hub, ItemSink, PushSink, Refusal, RequestContext};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// No run may take longer than this.
const BOUND: Duration = Duration::from_secs(120);

/// The filler that makes a record about `size` bytes of JSON (the baselines use the
/// same formula).
fn payload(size: i64) -> String {
    "x".repeat(usize::try_from(size).unwrap_or(0).saturating_sub(32))
}

fn record(seq: i64, payload: &str) -> Record {
    Record {
        seq,
        payload: payload.to_owned(),
    }
}

/// The request header that sends an envelope stream through the replay log: recorded
/// as it is sent (`record`), or published by a task of its own and watched (`hub`).
const VIA_LOG: &str = "x-bench-via-log";

/// The one token `securedEnvelope` accepts.
const TOKEN: &str = "bench-token";

/// The request header that paces an envelope stream at this many records a second,
/// each stamped when it is sent (the latency case).
const RATE: &str = "x-bench-rate";

/// The latency case's rate.
const LATENCY_RATE: u64 = 10_000;

/// Nanoseconds of `CLOCK_MONOTONIC`: one clock for every process on the machine, so a
/// time stamped by the server can be read by the client.
fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; CLOCK_MONOTONIC always exists on
    // Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    u64::try_from(now.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(now.tv_nsec).unwrap_or(0)
}

/// A stamped payload: the send time in 20 digits, then filler to about `size` bytes.
fn stamped(size: i64) -> String {
    let mut payload = format!("{:020}", monotonic_ns());
    let filler = usize::try_from(size).unwrap_or(0).saturating_sub(32 + 20);
    payload.extend(std::iter::repeat_n('x', filler));
    payload
}

/// Microseconds from a stamped payload's send time to now.
fn latency_us(payload: &str) -> Result<f64, String> {
    let sent: u64 = payload
        .get(..20)
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| format!("an unstamped payload {payload:?}"))?;
    Ok(monotonic_ns().saturating_sub(sent) as f64 / 1e3)
}

/// The `p`th percentile (0–100) of `sorted`.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Pushes `count` records of about `size` bytes, each made into the operation's push by
/// `make`; how many were sent before the client left.
async fn push_records<P>(
    push: &PushSink<P>,
    count: i64,
    size: i64,
    make: impl Fn(i64, Record) -> P,
) -> i64
where
    P: pushgen_runtime::wire::PushMessage + Send + 'static,
{
    let payload = payload(size);
    let mut sent = 0;
    for seq in 0..count {
        if push.send(make(seq, record(seq, &payload))).await.is_err() {
            break;
        }
        sent += 1;
    }
    sent
}

/// A log of the run's own, let go of once the run is over (dropping a million events is
/// no part of streaming them), large enough for the whole run.
fn run_log() -> Hub {
    Hub::new(MemoryLog::new(Bounds {
        entries: 2_000_000,
        bytes: 2 << 30,
        streams: 1,
    }))
}

struct Bench {
    runs: AtomicU64,
}

impl Bench {
    /// The envelope stream recorded into the replay log as the handler sends it.
    async fn recorded(
        &self,
        params: envelope::Params,
        push: PushSink<envelope::Push>,
    ) -> envelope::Response {
        let topic = format!("run-{}", self.runs.fetch_add(1, Ordering::Relaxed));
        // The client keeps up (its stream holds the handler back), so a log at its
        // bound, as in a long-running server, costs what a server pays: every push
        // sends the oldest one out.
        let hub = Hub::new(MemoryLog::new(Bounds {
            entries: 10_000,
            bytes: 16 << 20,
            streams: 1,
        }));
        let mut recording = hub.record(&topic, &push);
        let payload = payload(params.size);
        let mut count = 0;
        for seq in 0..params.count {
            let pushed = envelope::Push::Record(envelope::Record {
                seq: seq.to_string(),
                response: envelope::RecordResponse::Ok {
                    body: record(seq, &payload),
                },
            });
            if recording.send(pushed).await.is_err() || !recording.is_attached() {
                break;
            }
            count += 1;
        }
        let end = envelope::Response::Ok {
            body: pushgen_golden::bench::types::Summary { count },
        };
        recording
            .finish(end)
            .await
            .unwrap_or(envelope::Response::Ok {
                body: pushgen_golden::bench::types::Summary { count: -1 },
            })
    }

    /// The envelope stream through a hub: a publisher task appends the records to a
    /// topic, and the handler watches it. The log holds the whole run (the publisher may
    /// run far ahead of the reader).
    async fn via_hub(
        &self,
        context: RequestContext,
        params: envelope::Params,
        push: PushSink<envelope::Push>,
    ) -> envelope::Response {
        let topic = format!("run-{}", self.runs.fetch_add(1, Ordering::Relaxed));
        let hub = run_log();
        let watching = hub.clone();
        let publishing = topic.clone();
        tokio::spawn(async move {
            let payload = payload(params.size);
            for seq in 0..params.count {
                let pushed = envelope::Push::Record(envelope::Record {
                    seq: seq.to_string(),
                    response: envelope::RecordResponse::Ok {
                        body: record(seq, &payload),
                    },
                });
                if hub.publish(&publishing, &pushed).await.is_err() {
                    return;
                }
            }
            let end = envelope::Response::Ok {
                body: pushgen_golden::bench::types::Summary {
                    count: params.count,
                },
            };
            let _ = hub.finish(&publishing, &end).await;
        });
        watching
            .watch(&topic, &context, &push)
            .await
            .unwrap_or(envelope::Response::Ok {
                body: pushgen_golden::bench::types::Summary { count: -1 },
            })
    }
}

impl PushBenchmark for Bench {
    type Identity = ();

    async fn authenticate(&self, attempt: Attempt) -> Result<(), Refusal> {
        match attempt.credential("token") {
            Some(token) if token.secret() == TOKEN => Ok(()),
            _ => Err(Refusal::unauthenticated("not the bench token")),
        }
    }

    async fn secured_envelope(
        &self,
        _context: RequestContext,
        (): (),
        params: secured_envelope::Params,
        push: PushSink<secured_envelope::Push>,
    ) -> secured_envelope::Response {
        let count = push_records(&push, params.count, params.size, |seq, body| {
            secured_envelope::Push::Record(secured_envelope::Record {
                seq: seq.to_string(),
                response: secured_envelope::RecordResponse::Ok { body },
            })
        })
        .await;
        secured_envelope::Response::Ok {
            body: pushgen_golden::bench::types::Summary { count },
        }
    }
    async fn envelope(
        &self,
        context: RequestContext,
        params: envelope::Params,
        push: PushSink<envelope::Push>,
    ) -> envelope::Response {
        match context.headers.get(VIA_LOG).map(|v| v.as_bytes()) {
            Some(b"record") => return self.recorded(params, push).await,
            Some(b"hub") => return self.via_hub(context, params, push).await,
            _ => {}
        }
        let rate = context
            .headers
            .get(RATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(rate) = rate {
            return paced(rate, params, push).await;
        }
        let count = push_records(&push, params.count, params.size, |seq, body| {
            envelope::Push::Record(envelope::Record {
                seq: seq.to_string(),
                response: envelope::RecordResponse::Ok { body },
            })
        })
        .await;
        envelope::Response::Ok {
            body: pushgen_golden::bench::types::Summary { count },
        }
    }

    async fn items_sse(
        &self,
        _context: RequestContext,
        params: items_sse::Params,
        items: ItemSink<items_sse::Items>,
    ) -> items_sse::Response {
        let payload = payload(params.size);
        for seq in 0..params.count {
            if items.send(record(seq, &payload)).await.is_err() {
                break;
            }
        }
        items_sse::Response::Ok
    }

    async fn items_ndjson(
        &self,
        _context: RequestContext,
        params: items_ndjson::Params,
        items: ItemSink<items_ndjson::Items>,
    ) -> items_ndjson::Response {
        let payload = payload(params.size);
        for seq in 0..params.count {
            if items.send(record(seq, &payload)).await.is_err() {
                break;
            }
        }
        items_ndjson::Response::Ok
    }
}

/// The envelope stream at `rate` records a second: each millisecond's share sent at the
/// millisecond, each stamped as it is sent.
async fn paced(
    rate: u64,
    params: envelope::Params,
    push: PushSink<envelope::Push>,
) -> envelope::Response {
    let per_tick = (rate / 1000).max(1);
    let mut ticks = tokio::time::interval(Duration::from_millis(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut count = 0;
    'ticks: while count < params.count {
        ticks.tick().await;
        for _ in 0..per_tick {
            if count == params.count {
                break;
            }
            let pushed = envelope::Push::Record(envelope::Record {
                seq: count.to_string(),
                response: envelope::RecordResponse::Ok {
                    body: Record {
                        seq: count,
                        payload: stamped(params.size),
                    },
                },
            });
            if push.send(pushed).await.is_err() {
                break 'ticks;
            }
            count += 1;
        }
    }
    envelope::Response::Ok {
        body: pushgen_golden::bench::types::Summary { count },
    }
}

/// Counts records, refusing any that arrives out of order.
struct Tally {
    next: i64,
}

impl Tally {
    fn take(&mut self, record: &Record) -> Result<(), String> {
        if record.seq != self.next {
            return Err(format!(
                "record {} arrived when {} was due",
                record.seq, self.next
            ));
        }
        self.next += 1;
        Ok(())
    }
}

/// The binding a consumer's `KIND` names by its suffix.
fn binding(kind: &str) -> PushBinding {
    if kind.ends_with("-sse") || kind.ends_with("-sse-h2") {
        PushBinding::Sse
    } else if kind.ends_with("-h2push") {
        PushBinding::Http2Push
    } else {
        PushBinding::NdJson
    }
}

/// Reads an envelope stream of the operation `module` (`envelope`, `securedEnvelope`:
/// the same shape, in types of their own) to its end, tallying each record.
macro_rules! read_envelope {
    ($stream:expr, $module:ident, $tally:ident, $count:ident) => {{
        let mut stream = $stream;
        loop {
            match stream
                .next_event()
                .await
                .map_err(|e: Error| e.to_string())?
            {
                Pushed::Push($module::Push::Record(push)) => {
                    let $module::RecordResponse::Ok { body } = &push.response;
                    $tally.take(body)?;
                }
                Pushed::Final($module::Response::Ok { body }) => {
                    if body.count != $count {
                        return Err(format!("the server sent {} of {}", body.count, $count));
                    }
                    break;
                }
                // Asked for by `with_notices` only.
                Pushed::Notice(_) => {}
            }
        }
    }};
}

/// What one consumer measured: its seconds, and for the latency case the 50th and 99th
/// percentiles of send-to-reader latency, in microseconds.
struct Measured {
    seconds: f64,
    latency: Option<(f64, f64)>,
}

async fn consume(kind: String, addr: String, count: i64, size: i64) -> Result<Measured, String> {
    let base = format!("http://{addr}");
    let header = if kind.starts_with("envelope-log-") {
        Some((VIA_LOG, "record".to_string()))
    } else if kind.starts_with("envelope-hub-") {
        Some((VIA_LOG, "hub".to_string()))
    } else if kind == "latency-sse" {
        Some((RATE, LATENCY_RATE.to_string()))
    } else {
        None
    };
    let client = match header {
        Some((name, value)) => {
            let mut headers = pushgen_runtime::reqwest::header::HeaderMap::new();
            headers.insert(name, value.parse().map_err(|_| "header")?);
            let http = pushgen_runtime::reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .map_err(|e| e.to_string())?;
            PushBenchmarkClient::with_http_client(base, http)
        }
        // SSE over HTTP/2 (cleartext, prior knowledge), beside HTTP/2 push.
        None if kind.ends_with("-h2") => {
            let http = pushgen_runtime::reqwest::Client::builder()
                .http2_prior_knowledge()
                .build()
                .map_err(|e| e.to_string())?;
            PushBenchmarkClient::with_http_client(base, http)
        }
        None => PushBenchmarkClient::new(base),
    };
    let failed = |e: Error| e.to_string();
    let mut tally = Tally { next: 0 };
    let mut latency = None;
    let started = Instant::now();
    match kind.as_str() {
        "latency-sse" => {
            let params = envelope::Params { count, size };
            let mut stream = client.envelope_stream(&params).binding(PushBinding::Sse);
            let mut latencies = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
            loop {
                match stream.next_event().await.map_err(failed)? {
                    Pushed::Push(envelope::Push::Record(push)) => {
                        let envelope::RecordResponse::Ok { body } = &push.response;
                        latencies.push(latency_us(&body.payload)?);
                        tally.take(body)?;
                    }
                    Pushed::Final(_) => break,
                    Pushed::Notice(_) => {}
                }
            }
            latencies.sort_by(f64::total_cmp);
            latency = Some((percentile(&latencies, 50.0), percentile(&latencies, 99.0)));
        }
        "envelope-sse"
        | "envelope-ndjson"
        | "envelope-log-sse"
        | "envelope-log-ndjson"
        | "envelope-hub-sse"
        | "envelope-hub-ndjson"
        | "envelope-sse-h2"
        | "envelope-h2push" => {
            let params = envelope::Params { count, size };
            let stream = client.envelope_stream(&params).binding(binding(&kind));
            read_envelope!(stream, envelope, tally, count);
        }
        "envelope-secured-sse" | "envelope-secured-ndjson" => {
            let params = secured_envelope::Params { count, size };
            let stream = client
                .with_token(TOKEN)
                .secured_envelope_stream(&params)
                .binding(binding(&kind));
            read_envelope!(stream, secured_envelope, tally, count);
        }
        "items-sse" => {
            let mut stream = client.items_sse(&items_sse::Params { count, size });
            while let Some(item) = stream.next_item().await {
                tally.take(&item.map_err(failed)?)?;
            }
        }
        "items-ndjson" => {
            let mut stream = client.items_ndjson(&items_ndjson::Params { count, size });
            while let Some(item) = stream.next_item().await {
                tally.take(&item.map_err(failed)?)?;
            }
        }
        other => return Err(format!("unknown kind {other:?}")),
    }
    let seconds = started.elapsed().as_secs_f64();
    if tally.next != count {
        return Err(format!("{} records of {count} arrived", tally.next));
    }
    Ok(Measured { seconds, latency })
}

async fn serve() -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening {addr}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    std::thread::spawn(|| {
        // The driver holds our stdin: when it goes, so do we.
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let bench = Bench {
        runs: AtomicU64::new(0),
    };
    pushgen_runtime::server::serve(listener, router(bench))
        .await
        .map_err(|e| e.to_string())
}

fn number(arg: Option<String>, what: &str) -> Result<i64, String> {
    arg.ok_or_else(|| format!("missing {what}"))?
        .parse()
        .map_err(|e| format!("{what}: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let result = match args.next().as_deref() {
        Some("serve") => serve().await.map(|()| None),
        Some("consume") => {
            let parsed = (|| {
                let kind = args.next().ok_or("missing KIND")?;
                let addr = args.next().ok_or("missing ADDR")?;
                let count = number(args.next(), "COUNT")?;
                let size = number(args.next(), "SIZE")?;
                let on_worker = match args.next().as_deref() {
                    None | Some("main") => false,
                    Some("worker") => true,
                    Some(other) => return Err(format!("expected main or worker, not {other:?}")),
                };
                Ok::<_, String>((kind, addr, count, size, on_worker))
            })();
            match parsed {
                Ok((kind, addr, count, size, on_worker)) => {
                    let run = consume(kind, addr, count, size);
                    let bounded = async move {
                        if on_worker {
                            tokio::spawn(run)
                                .await
                                .unwrap_or_else(|e| Err(e.to_string()))
                        } else {
                            run.await
                        }
                    };
                    match tokio::time::timeout(BOUND, bounded).await {
                        Ok(Ok(measured)) => Ok(Some((count, measured))),
                        Ok(Err(e)) => Err(e),
                        Err(_) => Err(format!("no end within {BOUND:?}")),
                    }
                }
                Err(e) => Err(e),
            }
        }
        _ => Err("usage: push_bench serve | consume KIND ADDR COUNT SIZE [main|worker]".into()),
    };
    match result {
        Ok(Some((count, measured))) => {
            let seconds = measured.seconds;
            match measured.latency {
                Some((p50, p99)) => {
                    println!("events={count} seconds={seconds:.6} p50_us={p50:.1} p99_us={p99:.1}")
                }
                None => println!("events={count} seconds={seconds:.6}"),
            }
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("push_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

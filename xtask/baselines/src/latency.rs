//! `axum-sse-latency`: the `axum-sse` stream paced at a fixed rate, each record stamped
//! with the server's monotonic clock as it is sent; the client reads it with reqwest and
//! eventsource-stream, as `axum-sse` does, and measures each record's latency from the
//! stamp to just after it is decoded.

use std::time::Duration;

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use eventsource_stream::Eventsource as _;
use futures_util::{Stream, StreamExt as _};
use serde::Deserialize;

use crate::Job;
use crate::record::{Expect, Record, payload_len};

/// The rate the latency case runs at, records per second.
pub const RATE: u64 = 10_000;

#[derive(Debug, Deserialize)]
pub struct Paced {
    count: u64,
    size: usize,
    rate: u64,
}

/// Nanoseconds of `CLOCK_MONOTONIC`, which every process on the machine shares.
pub fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; CLOCK_MONOTONIC always exists on
    // Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    u64::try_from(now.tv_sec).unwrap_or(0) * 1_000_000_000
        + u64::try_from(now.tv_nsec).unwrap_or(0)
}

type Events = Sse<std::pin::Pin<Box<dyn Stream<Item = Result<Event, axum::Error>> + Send>>>;

/// `GET /paced?count=N&size=S&rate=R`: each millisecond's share of `rate` records, each
/// stamped (20 digits) when it is made.
pub async fn paced(Query(params): Query<Paced>) -> Result<Events, (StatusCode, String)> {
    if params.size > crate::record::MAX_SIZE || params.rate == 0 {
        return Err((StatusCode::BAD_REQUEST, format!("{params:?}")));
    }
    let per_tick = (params.rate / 1000).max(1);
    let filler = payload_len(params.size).saturating_sub(20);
    let count = params.count;
    let mut ticks = tokio::time::interval(Duration::from_millis(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let events = paced_events(count, per_tick, ticks, filler);
    Ok(Sse::new(Box::pin(events)))
}

/// The paced events: one tick's records at a time.
fn paced_events(
    count: u64,
    per_tick: u64,
    ticks: tokio::time::Interval,
    filler: usize,
) -> impl Stream<Item = Result<Event, axum::Error>> + Send {
    futures_util::stream::unfold((0u64, ticks), move |(next, mut ticks)| async move {
        if next >= count {
            return None;
        }
        ticks.tick().await;
        let end = (next + per_tick).min(count);
        let batch: Vec<Result<Event, axum::Error>> = (next..end)
            .map(|seq| {
                let mut payload = format!("{:020}", monotonic_ns());
                payload.extend(std::iter::repeat_n('x', filler));
                Event::default()
                    .event("record")
                    .json_data(Record { seq, payload })
            })
            .collect();
        Some((futures_util::stream::iter(batch), (end, ticks)))
    })
    .flatten()
}

/// Reads the paced stream; the latency percentiles (50th, 99th) in microseconds.
pub async fn consume(job: Job) -> Result<(Duration, f64, f64), String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| format!("reqwest client: {}", crate::chain(&e)))?;
    let url = format!(
        "http://{}/paced?count={}&size={}&rate={RATE}",
        job.addr, job.count, job.size
    );
    let mut expect = Expect::start(job.count, job.size);
    let response = client
        .get(&url)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("GET {url}: {}", crate::chain(&e)))?;
    let mut events = response.bytes_stream().eventsource();
    let mut latencies = Vec::with_capacity(usize::try_from(job.count).unwrap_or(0));
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| format!("event stream: {e}"))?;
        let record: Record = serde_json::from_str(&event.data)
            .map_err(|e| format!("event data `{}`: {e}", event.data))?;
        let sent: u64 = record
            .payload
            .get(..20)
            .and_then(|d| d.parse().ok())
            .ok_or("an unstamped record")?;
        latencies.push(monotonic_ns().saturating_sub(sent) as f64 / 1e3);
        expect.record(&record)?;
    }
    let elapsed = expect.finish()?;
    latencies.sort_by(f64::total_cmp);
    Ok((
        elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
    ))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

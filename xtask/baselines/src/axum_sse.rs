//! `axum-sse`: an axum 0.8 `Sse` response, one `record` event per record, read
//! with reqwest and eventsource-stream and decoded with serde_json.

use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use axum::routing::get;
use eventsource_stream::{EventStreamError, Eventsource as _};
use futures_util::{Stream, StreamExt as _, stream};
use tokio::net::TcpListener;

use crate::Job;
use crate::record::{self, Expect, Params, Record};

/// Serves the SSE routes; `nodelay` sets `TCP_NODELAY` on each connection, as a careful
/// user does for latency (axum's `serve` leaves Nagle's algorithm on, so a small event
/// after another can wait for a delayed ACK).
pub async fn serve(listener: TcpListener, nodelay: bool) -> Result<(), String> {
    use axum::serve::ListenerExt as _;
    let app = Router::new()
        .route("/stream", get(records))
        .route("/paced", get(crate::latency::paced))
        .route("/idle", get(idle))
        .route("/broadcast", get(crate::broadcast::subscribe));
    let listener = listener.tap_io(move |tcp| {
        if nodelay {
            let _ = tcp.set_nodelay(true);
        }
    });
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("axum: {e}"))
}

type Events = Sse<std::pin::Pin<Box<dyn Stream<Item = Result<Event, axum::Error>> + Send>>>;

async fn records(Query(params): Query<Params>) -> Result<Events, (StatusCode, String)> {
    let payload = params
        .payload()
        .map_err(|reason| (StatusCode::BAD_REQUEST, reason))?;
    // A failed encoding ends the stream with that error rather than panicking.
    let events = stream::iter(0..params.count).map(move |seq| {
        Event::default().event("record").json_data(Record {
            seq,
            payload: payload.clone(),
        })
    });
    Ok(Sse::new(Box::pin(events)))
}

/// One event, then nothing but keep-alives (every 15 s, as pushgen's): an idle
/// subscription, for `cargo xtask bench idle`'s memory figure.
async fn idle() -> Sse<impl Stream<Item = Result<Event, axum::Error>>> {
    let first = stream::once(async { Ok(Event::default().event("tick").data("{}")) });
    Sse::new(first.chain(stream::pending()))
        .keep_alive(axum::response::sse::KeepAlive::new().interval(Duration::from_secs(15)))
}

pub async fn consume(job: Job) -> Result<Duration, String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| format!("reqwest client: {}", crate::chain(&e)))?;
    let url = record::url(&job);

    let mut expect = Expect::start(job.count, job.size);
    let response = client
        .get(&url)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("GET {url}: {}", crate::chain(&e)))?;
    let mut events = response.bytes_stream().eventsource();
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| match e {
            EventStreamError::Transport(e) => format!("body: {}", crate::chain(&e)),
            e => format!("event stream: {e}"),
        })?;
        if event.event != "record" {
            return Err(format!("an event of type `{}`, not `record`", event.event));
        }
        let record: Record = serde_json::from_str(&event.data)
            .map_err(|e| format!("event data `{}`: {e}", event.data))?;
        expect.record(&record)?;
    }
    expect.finish()
}

//! `axum-ndjson`: an axum 0.8 streaming body of NDJSON lines, one
//! `serde_json::to_vec` per record, read with reqwest's `bytes_stream`, split at
//! `\n` with memchr and decoded with `serde_json::from_slice`.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures_util::{StreamExt as _, stream};
use tokio::net::TcpListener;

use crate::Job;
use crate::record::{self, Expect, Params, Record};

pub async fn serve(listener: TcpListener) -> Result<(), String> {
    let app = Router::new().route("/stream", get(records));
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("axum: {e}"))
}

async fn records(Query(params): Query<Params>) -> Response {
    let payload = match params.payload() {
        Ok(payload) => payload,
        Err(reason) => return (StatusCode::BAD_REQUEST, reason).into_response(),
    };
    // A failed encoding ends the body with that error rather than panicking.
    let lines = stream::iter(0..params.count).map(move |seq| {
        let mut line = serde_json::to_vec(&Record {
            seq,
            payload: payload.clone(),
        })?;
        line.push(b'\n');
        Ok::<_, serde_json::Error>(Bytes::from(line))
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(lines),
    )
        .into_response()
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
        .header(reqwest::header::ACCEPT, "application/x-ndjson")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("GET {url}: {}", crate::chain(&e)))?;
    let mut chunks = response.bytes_stream();
    // The start of a line that a chunk boundary cut; whole lines are decoded
    // straight from the chunk without copying.
    let mut partial: Vec<u8> = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| format!("body: {}", crate::chain(&e)))?;
        let mut rest: &[u8] = &chunk;
        if !partial.is_empty() {
            let Some(end) = memchr::memchr(b'\n', rest) else {
                partial.extend_from_slice(rest);
                continue;
            };
            partial.extend_from_slice(&rest[..end]);
            line(&partial, &mut expect)?;
            partial.clear();
            rest = &rest[end + 1..];
        }
        let mut from = 0;
        for end in memchr::memchr_iter(b'\n', rest) {
            line(&rest[from..end], &mut expect)?;
            from = end + 1;
        }
        partial.extend_from_slice(&rest[from..]);
    }
    if !partial.is_empty() {
        return Err("the stream ended inside a line".to_owned());
    }
    expect.finish()
}

fn line(line: &[u8], expect: &mut Expect) -> Result<(), String> {
    let record: Record = serde_json::from_slice(line)
        .map_err(|e| format!("line `{}`: {e}", String::from_utf8_lossy(line)))?;
    expect.record(&record)
}

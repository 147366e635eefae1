//! The generated side of `cargo xtask bench idle`: how much server memory an idle
//! subscription costs. The feed server of `fixtures/feed.yaml` on a `Hub`, and a
//! holder that opens many subscriptions and keeps them.
//!
//! ```text
//! idle_bench serve                        # prints `listening 127.0.0.1:PORT`
//! idle_bench hold ADDR PATH COUNT MARKER  # prints `ready` once every one has MARKER
//! ```
//!
//! `serve` publishes one entry on the topic `idle`, so that each subscription to
//! `/feeds/idle` gets its stream head and one event, then waits. `hold` opens `COUNT`
//! connections (plain TCP, `GET PATH`, `Accept: text/event-stream`), reads each until
//! `MARKER` arrives, prints `ready`, and holds them. The hand-written baseline's idle
//! endpoint is read by the same holder. Both exit when their standard input closes.

use pushgen_golden::feed::operations::watch_feed;
use pushgen_golden::feed::server::{Feeds, router};
use pushgen_golden::feed::types;
use pushgen_runtime::server::{Hub, PushSink, RequestContext};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Idle {
    hub: Hub,
}

impl Feeds for Idle {
    async fn watch_feed(
        &self,
        context: RequestContext,
        params: watch_feed::Params,
        push: PushSink<watch_feed::Push>,
    ) -> watch_feed::Response {
        match self.hub.watch(&params.feed, &context, &push).await {
            Ok(response) => response,
            Err(e) => watch_feed::Response::ServiceUnavailable {
                body: types::Problem {
                    message: e.to_string(),
                },
            },
        }
    }
}

/// The process ends when the driver closes our standard input (or goes away).
fn exit_with_stdin() {
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
}

async fn serve() -> Result<(), String> {
    let hub = Hub::memory();
    let entry = watch_feed::Push::Entry(watch_feed::Entry {
        feed: "idle".into(),
        seq: 0,
        response: watch_feed::EntryResponse::Ok {
            body: types::Entry {
                seq: 0,
                text: "the only entry".into(),
            },
        },
    });
    hub.publish("idle", &entry)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening {addr}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    exit_with_stdin();
    pushgen_runtime::server::serve(listener, router(Idle { hub }))
        .await
        .map_err(|e| e.to_string())
}

/// One subscription, read until `marker`; the connection is returned to be held.
async fn subscribe(
    addr: SocketAddr,
    path: &str,
    marker: &[u8],
) -> Result<tokio::net::TcpStream, String> {
    let mut socket = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let request =
        format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\naccept: text/event-stream\r\n\r\n");
    socket
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut seen = Vec::new();
    let mut buf = [0; 4096];
    while !seen.windows(marker.len()).any(|w| w == marker) {
        let n = socket
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the server closed a subscription".into());
        }
        seen.extend_from_slice(&buf[..n]);
    }
    Ok(socket)
}

async fn hold(addr: SocketAddr, path: String, count: usize, marker: String) -> Result<(), String> {
    let mut held = Vec::with_capacity(count);
    // A few hundred at a time: the listen backlog is bounded.
    for batch in (0..count).collect::<Vec<_>>().chunks(256) {
        let opening = batch
            .iter()
            .map(|_| subscribe(addr, &path, marker.as_bytes()));
        for socket in futures_util::future::join_all(opening).await {
            held.push(socket?);
        }
    }
    println!("ready {}", held.len());
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    exit_with_stdin();
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [serve_arg] if serve_arg == "serve" => serve().await,
        [hold_arg, addr, path, count, marker] if hold_arg == "hold" => {
            match (addr.parse(), count.parse()) {
                (Ok(addr), Ok(count)) => hold(addr, path.clone(), count, marker.clone()).await,
                _ => Err("ADDR is HOST:PORT and COUNT a number".into()),
            }
        }
        _ => Err("usage: idle_bench serve | hold ADDR PATH COUNT MARKER".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idle_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

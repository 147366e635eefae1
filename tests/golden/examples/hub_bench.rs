//! The generated side of `cargo xtask bench idle` and `cargo xtask bench fanout`: the
//! feed server of `fixtures/feed.yaml` on a `Hub`, and clients that open many
//! subscriptions at once.
//!
//! ```text
//! hub_bench serve                        # prints `listening 127.0.0.1:PORT`
//! hub_bench hold ADDR PATH COUNT MARKER  # prints `ready N` once every one has MARKER
//! hub_bench watch ADDR PATH COUNT        # prints `ready N`, then `delivered=N seconds=S`
//! ```
//!
//! `serve` publishes one entry on the topic `idle`, so that each subscription to
//! `/feeds/idle` gets its stream head and one event, then waits. A line
//! `publish TOPIC COUNT SIZE` on its standard input publishes `COUNT` entries of about
//! `SIZE` bytes on `TOPIC`, then ends it; it exits when its standard input closes.
//!
//! `hold` opens `COUNT` connections (plain TCP, `GET PATH`, `Accept: text/event-stream`),
//! reads each until `MARKER` arrives, prints `ready N`, and holds them: the idle
//! subscriptions. `watch` opens `COUNT` the same way, each read until its stream head,
//! prints `ready N`, then reads all of them at once until each has its `final` event,
//! and prints how many `entry` events arrived in all and the seconds from the first
//! byte after `ready` to the last `final`: a broadcast's throughput. The hand-written
//! baselines are read by the same clients.

use pushgen_golden::feed::operations::watch_feed;
use pushgen_golden::feed::server::{Feeds, router};
use pushgen_golden::feed::types;
use pushgen_runtime::replay::{Bounds, MemoryLog};
use pushgen_runtime::server::{Hub, PushSink, RequestContext};
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Watched {
    hub: Hub,
}

impl Feeds for Watched {
    async fn watch_feed(
        &self,
        context: RequestContext,
        params: watch_feed::Params,
        push: PushSink<watch_feed::Push>,
    ) -> watch_feed::Response {
        // The head at once: a watcher counts as subscribed before anything is published.
        let _ = push.open().await;
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

fn entry(feed: &str, seq: i64, text: &str) -> watch_feed::Push {
    watch_feed::Push::Entry(watch_feed::Entry {
        feed: feed.into(),
        seq,
        response: watch_feed::EntryResponse::Ok {
            body: types::Entry {
                seq,
                text: text.into(),
            },
        },
    })
}

/// `publish TOPIC COUNT SIZE` on `hub`; the process exits when its input ends.
async fn publish(hub: &Hub, line: &str) -> Result<(), String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let ["publish", topic, count, size] = fields.as_slice() else {
        return Err(format!("unknown command {line:?}"));
    };
    let count: i64 = count.parse().map_err(|_| "COUNT is a number")?;
    let size: usize = size.parse().map_err(|_| "SIZE is a number")?;
    // About `size` bytes of envelope JSON each, as the baselines' entries.
    let text = "x".repeat(size.saturating_sub(80));
    for seq in 0..count {
        hub.publish(topic, &entry(topic, seq, &text))
            .await
            .map_err(|e| e.to_string())?;
    }
    let closed = watch_feed::Response::Ok {
        body: types::Closed { entries: count },
    };
    hub.finish(topic, &closed)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

async fn serve() -> Result<(), String> {
    // Big enough that no watcher of a whole broadcast falls behind it.
    let hub = Hub::new(MemoryLog::new(Bounds {
        entries: 1 << 20,
        bytes: 1 << 30,
        streams: 16,
    }));
    hub.publish("idle", &entry("idle", 0, "the only entry"))
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening {addr}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let (lines, mut commands) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
        // The driver holds our stdin: when it goes, so do we.
        std::process::exit(0);
    });
    let publisher = hub.clone();
    tokio::spawn(async move {
        while let Some(line) = commands.recv().await {
            if let Err(e) = publish(&publisher, &line).await {
                eprintln!("hub_bench: {e}");
            }
        }
    });
    pushgen_runtime::server::serve(listener, router(Watched { hub }))
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

async fn open_all(
    addr: SocketAddr,
    path: &str,
    count: usize,
    marker: &str,
) -> Result<Vec<tokio::net::TcpStream>, String> {
    let mut held = Vec::with_capacity(count);
    // A few hundred at a time: the listen backlog is bounded.
    for batch in (0..count).collect::<Vec<_>>().chunks(256) {
        let opening = batch
            .iter()
            .map(|_| subscribe(addr, path, marker.as_bytes()));
        for socket in futures_util::future::join_all(opening).await {
            held.push(socket?);
        }
    }
    println!("ready {}", held.len());
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    Ok(held)
}

/// The process ends when the driver closes our standard input (or goes away).
fn exit_with_stdin() {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        std::process::exit(0);
    });
}

async fn hold(addr: SocketAddr, path: String, count: usize, marker: String) -> Result<(), String> {
    let _held = open_all(addr, &path, count, &marker).await?;
    exit_with_stdin();
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Counts `entry` events in a byte stream cut anywhere, and sees its `final` one.
struct Events {
    /// The tail of the last chunk, where a name may have been cut.
    carry: Vec<u8>,
    entries: u64,
    ended: bool,
}

const ENTRY: &[u8] = b"event: entry\n";
const FINAL: &[u8] = b"event: final\n";

impl Events {
    fn feed(&mut self, chunk: &[u8]) {
        self.carry.extend_from_slice(chunk);
        let text = &self.carry;
        self.entries += memchr::memmem::find_iter(text, ENTRY).count() as u64;
        self.ended |= memchr::memmem::find(text, FINAL).is_some();
        // Shorter than either name: nothing found above is found again.
        let len = text.len();
        let keep = len.min(ENTRY.len() - 1);
        self.carry.drain(..len - keep);
    }
}

/// Reads one subscription until its `final` event: its entries, and when they ended.
async fn read_to_final(
    mut socket: tokio::net::TcpStream,
) -> Result<(u64, Instant, Instant), String> {
    let mut events = Events {
        carry: Vec::new(),
        entries: 0,
        ended: false,
    };
    let mut buf = vec![0; 64 * 1024];
    let mut first = None;
    while !events.ended {
        let n = socket
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!(
                "a stream ended after {} entries, without its final event",
                events.entries
            ));
        }
        first.get_or_insert_with(Instant::now);
        events.feed(&buf[..n]);
    }
    let now = Instant::now();
    Ok((events.entries, first.unwrap_or(now), now))
}

async fn watch(addr: SocketAddr, path: String, count: usize) -> Result<(), String> {
    let held = open_all(addr, &path, count, "text/event-stream").await?;
    exit_with_stdin();
    let readers: Vec<_> = held
        .into_iter()
        .map(|socket| tokio::spawn(read_to_final(socket)))
        .collect();
    let (mut delivered, mut first, mut last) = (0, None::<Instant>, None::<Instant>);
    for reader in readers {
        let (entries, started, ended) = reader.await.map_err(|e| e.to_string())??;
        delivered += entries;
        first = Some(first.map_or(started, |f| f.min(started)));
        last = Some(last.map_or(ended, |l| l.max(ended)));
    }
    let seconds = match (first, last) {
        (Some(first), Some(last)) => (last - first).as_secs_f64(),
        _ => 0.0,
    };
    println!("delivered={delivered} seconds={seconds:.6}");
    std::io::stdout().flush().map_err(|e| e.to_string())
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
        [watch_arg, addr, path, count] if watch_arg == "watch" => {
            match (addr.parse(), count.parse()) {
                (Ok(addr), Ok(count)) => {
                    match tokio::time::timeout(
                        Duration::from_secs(300),
                        watch(addr, path.clone(), count),
                    )
                    .await
                    {
                        Ok(result) => result,
                        Err(_) => Err("no end within 300 s".into()),
                    }
                }
                _ => Err("ADDR is HOST:PORT and COUNT a number".into()),
            }
        }
        _ => Err(
            "usage: hub_bench serve | hold ADDR PATH COUNT MARKER | watch ADDR PATH COUNT".into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hub_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

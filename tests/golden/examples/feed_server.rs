//! A server of `fixtures/feed.yaml` on a `Hub`: run one for a feed on one node, or
//! several sharing one `redis-server` for a feed across nodes (the README shows how).
//!
//! ```text
//! feed_server [--listen ADDR] [--redis URL] [--publish TOPIC] [--entries N] [--every MS]
//! ```
//!
//! `--listen` defaults to `127.0.0.1:8081`. Without `--redis` the replay log is in the
//! process (`MemoryLog`); with it, every process given the same URL shares one log on
//! Redis Streams, so a client may resume on any of them. `--publish TOPIC` makes this
//! process the publisher: `N` entries (default 20) on `TOPIC`, one every `MS`
//! milliseconds (default 500), then the topic's end. It runs until killed.

use pushgen_golden::feed::operations::watch_feed;
use pushgen_golden::feed::server::{Feeds, router_with_config};
use pushgen_golden::feed::types;
use pushgen_redis::{Options, RedisLog};
use pushgen_runtime::server::{Hub, PushSink, RequestContext, ServerConfig};
use std::process::ExitCode;
use std::time::Duration;

struct FeedServer {
    hub: Hub,
}

impl Feeds for FeedServer {
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

struct Args {
    listen: String,
    redis: Option<String>,
    publish: Option<String>,
    entries: i64,
    every: Duration,
}

fn args() -> Result<Args, String> {
    let mut parsed = Args {
        listen: "127.0.0.1:8081".into(),
        redis: None,
        publish: None,
        entries: 20,
        every: Duration::from_millis(500),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => parsed.listen = value()?,
            "--redis" => parsed.redis = Some(value()?),
            "--publish" => parsed.publish = Some(value()?),
            "--entries" => parsed.entries = value()?.parse().map_err(|_| "--entries N")?,
            "--every" => {
                let ms = value()?.parse().map_err(|_| "--every MS")?;
                parsed.every = Duration::from_millis(ms);
            }
            _ => {
                return Err(format!(
                    "unknown argument {arg:?}\nusage: feed_server [--listen ADDR] [--redis URL] \
                     [--publish TOPIC] [--entries N] [--every MS]"
                ));
            }
        }
    }
    Ok(parsed)
}

async fn publish(hub: Hub, topic: String, entries: i64, every: Duration) {
    for seq in 0..entries {
        tokio::time::sleep(every).await;
        let entry = watch_feed::Push::Entry(watch_feed::Entry {
            feed: topic.clone(),
            seq,
            response: watch_feed::EntryResponse::Ok {
                body: types::Entry {
                    seq,
                    text: format!("entry {seq} of {entries}"),
                },
            },
        });
        if let Err(e) = hub.publish(&topic, &entry).await {
            eprintln!("feed_server: publishing entry {seq}: {e}");
        }
    }
    let closed = watch_feed::Response::Ok {
        body: types::Closed { entries },
    };
    if let Err(e) = hub.finish(&topic, &closed).await {
        eprintln!("feed_server: ending {topic}: {e}");
    }
}

async fn run(args: Args) -> Result<(), String> {
    let hub = match &args.redis {
        Some(url) => Hub::new(
            RedisLog::connect(url, Options::default())
                .await
                .map_err(|e| format!("{url}: {e}"))?,
        ),
        None => Hub::memory(),
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("{}: {e}", args.listen))?;
    let log = if args.redis.is_some() {
        "Redis"
    } else {
        "memory"
    };
    println!(
        "feeds listening on http://{} (replay log in {log})",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    if let Some(topic) = args.publish {
        println!("publishing {} entries on {topic}", args.entries);
        tokio::spawn(publish(hub.clone(), topic, args.entries, args.every));
    }
    // Clients that lose their connection come back after a second.
    let config = ServerConfig {
        retry: Some(Duration::from_secs(1)),
        ..ServerConfig::default()
    };
    pushgen_runtime::server::serve(listener, router_with_config(FeedServer { hub }, config))
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    match args() {
        Ok(args) => match run(args).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("feed_server: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("feed_server: {e}");
            ExitCode::from(2)
        }
    }
}

//! A handler that is its own source (`Hub::record`), on the generated server of
//! `fixtures/feed.yaml`: its pushes reach the client and the replay log in one pass; when
//! the client's connection is lost the recording goes on into the log, and a reconnect
//! with `Last-Event-ID` (which the handler answers by watching) gets the rest, so the
//! stream is produced once however often it is cut.

mod support;

use futures_util::FutureExt;
use pushgen_golden::feed::client::FeedsClient;
use pushgen_golden::feed::operations::watch_feed;
use pushgen_golden::feed::server::{Feeds, router_with_config};
use pushgen_golden::feed::types;
use pushgen_runtime::client::{Notice, PushBinding, Pushed};
use pushgen_runtime::replay::{Bounds, MemoryLog};
use pushgen_runtime::reqwest;
use pushgen_runtime::server::{Hub, PushSink, RequestContext, ServerConfig};
use pushgen_runtime::sse;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::bounded;

/// Feeds whose first request produces the feed (`entries` entries, recorded), and whose
/// reconnects watch what it recorded.
#[derive(Clone)]
struct Producing {
    hub: Hub,
    entries: i64,
    /// How many times a feed was produced, as opposed to watched.
    runs: Arc<AtomicUsize>,
    /// Entries sent while the client was still there.
    attached: Arc<AtomicUsize>,
    /// After this many entries, wait (up to 10 s) for the client to leave.
    leave_after: Option<i64>,
}

impl Feeds for Producing {
    async fn watch_feed(
        &self,
        context: RequestContext,
        params: watch_feed::Params,
        push: PushSink<watch_feed::Push>,
    ) -> watch_feed::Response {
        let unavailable = |e: &dyn std::fmt::Display| watch_feed::Response::ServiceUnavailable {
            body: types::Problem {
                message: e.to_string(),
            },
        };
        if context.last_event_id.is_some() {
            return self
                .hub
                .watch(&params.feed, &context, &push)
                .await
                .unwrap_or_else(|e| unavailable(&e));
        }
        self.runs.fetch_add(1, Ordering::SeqCst);
        let mut recording = self.hub.record(&params.feed, &push);
        for seq in 0..self.entries {
            if Some(seq) == self.leave_after {
                let _ = tokio::time::timeout(Duration::from_secs(10), push.closed()).await;
            }
            let entry = watch_feed::Push::Entry(watch_feed::Entry {
                feed: params.feed.clone(),
                seq,
                response: watch_feed::EntryResponse::Ok {
                    body: types::Entry {
                        seq,
                        text: format!("entry {seq} of a feed produced once"),
                    },
                },
            });
            if let Err(e) = recording.send(entry).await {
                return unavailable(&e);
            }
            if recording.is_attached() {
                self.attached.fetch_add(1, Ordering::SeqCst);
            }
        }
        let end = watch_feed::Response::Ok {
            body: types::Closed {
                entries: self.entries,
            },
        };
        recording
            .finish(end)
            .await
            .unwrap_or_else(|e| unavailable(&e))
    }
}

fn producing(entries: i64) -> Producing {
    Producing {
        hub: Hub::new(MemoryLog::new(Bounds {
            entries: 2 * entries as usize,
            bytes: 64 * 1024 * 1024,
            streams: 16,
        })),
        entries,
        runs: Arc::default(),
        attached: Arc::default(),
        leave_after: None,
    }
}

async fn serve(feeds: Producing) -> SocketAddr {
    let config = ServerConfig {
        retry: Some(Duration::from_millis(5)),
        // A small buffer, so that a client that stops reading holds the handler back.
        push_buffer: 4,
        ..ServerConfig::default()
    };
    support::serve_router(router_with_config(feeds, config)).await
}

fn get(addr: SocketAddr, feed: &str, accept: &str, last: Option<&str>) -> reqwest::RequestBuilder {
    let request = reqwest::Client::new()
        .get(format!("http://{addr}/feeds/{feed}"))
        .header("accept", accept);
    match last {
        Some(id) => request.header("last-event-id", id),
        None => request,
    }
}

/// Waits until `f` holds, for at most 10 s.
async fn until(what: &str, f: impl Fn() -> bool) {
    for _ in 0..1000 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn a_recording_goes_on_without_its_client_and_a_reconnect_gets_the_rest_over_sse() {
    bounded(async {
        const ENTRIES: i64 = 2_000;
        let feeds = Producing {
            leave_after: Some(5),
            ..producing(ENTRIES)
        };
        let addr = serve(feeds.clone()).await;

        // Read a few events of the first connection, then leave.
        let mut response = get(addr, "jobs", "text/event-stream", None)
            .send()
            .await
            .unwrap();
        let mut decoder = sse::Decoder::new(sse::Limits::default());
        let mut first = Vec::new();
        while first.len() < 5 {
            let chunk = response
                .chunk()
                .await
                .unwrap()
                .expect("the stream ended early");
            decoder.feed(&chunk).unwrap();
            first.extend(std::iter::from_fn(|| decoder.next_event()));
        }
        let last_id = first[4].id.clone().expect("every recorded push has an id");
        drop(response);

        // The handler carries on into the log, detached, and ends the feed.
        until("the feed is recorded to its end", || {
            matches!(
                feeds.hub.log().replay("jobs", None).now_or_never(),
                Some(Ok(pushgen_runtime::replay::Replay::After {
                    ended: Some(_),
                    ..
                }))
            )
        })
        .await;
        assert_eq!(
            feeds.attached.load(Ordering::SeqCst),
            5,
            "what was sent after the client left went to the log only"
        );

        // The reconnect gets the rest, once each, and the end with its id.
        let body = get(addr, "jobs", "text/event-stream", Some(&last_id))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut decoder = sse::Decoder::new(sse::Limits::default());
        decoder.feed(body.as_bytes()).unwrap();
        let rest: Vec<sse::Event> = std::iter::from_fn(|| decoder.next_event()).collect();
        let seqs: Vec<i64> = rest
            .iter()
            .filter(|e| e.event == "entry")
            .map(|e| {
                serde_json::from_str::<Value>(&e.data).unwrap()["body"]["seq"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert!(
            seqs.iter().copied().eq(5..ENTRIES),
            "resumed after the 5th: {:?}",
            &seqs[..5.min(seqs.len())]
        );
        let end = rest.last().unwrap();
        assert_eq!(end.event, "final");
        let end_id = end.id.clone().expect("the final event carries an id");

        // After the end: 204, and the feed was produced once.
        let after = get(addr, "jobs", "text/event-stream", Some(&end_id))
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), 204);
        assert_eq!(feeds.runs.load(Ordering::SeqCst), 1);
    })
    .await;
}

#[tokio::test]
async fn cut_after_cut_a_recorded_feed_reaches_the_generated_client_once_and_in_order() {
    bounded(async {
        const ENTRIES: i64 = 3_000;
        let mut rng = support::XorShift(0x07ec_07d5);
        for (binding, feed) in [(PushBinding::Sse, "sse"), (PushBinding::NdJson, "ndjson")] {
            let feeds = producing(ENTRIES);
            let server = serve(feeds.clone()).await;
            let cuts: Vec<usize> = (0..200)
                .map(|_| 1024 + rng.below(7 * 1024) as usize)
                .collect();
            let proxy = support::cutting_proxy(&[server], cuts).await;
            let config = support::quick_reconnects();
            let client = FeedsClient::new(format!("http://{proxy}")).with_config(config);
            let mut stream = client
                .watch_feed_stream(&watch_feed::Params { feed: feed.into() })
                .binding(binding)
                .with_notices();
            let mut seqs = Vec::new();
            let mut reconnects = 0;
            let response = loop {
                match stream.next_event().await.unwrap() {
                    Pushed::Push(watch_feed::Push::Entry(entry)) => seqs.push(entry.seq),
                    Pushed::Final(response) => break response,
                    Pushed::Notice(Notice::Reconnecting { .. }) => reconnects += 1,
                    Pushed::Notice(other) => panic!("{other:?}"),
                }
            };
            assert!(
                seqs.iter().copied().eq(0..ENTRIES),
                "{binding:?}: {} pushes, lost, repeated or out of order",
                seqs.len()
            );
            assert_eq!(
                response,
                watch_feed::Response::Ok {
                    body: types::Closed { entries: ENTRIES }
                }
            );
            assert!(reconnects >= 20, "{binding:?}: only {reconnects} cuts");
            assert_eq!(
                feeds.runs.load(Ordering::SeqCst),
                1,
                "{binding:?}: the feed was produced more than once"
            );
            eprintln!("{binding:?}: {ENTRIES} recorded pushes, each once and in order, across {reconnects} cuts");
        }
    })
    .await;
}

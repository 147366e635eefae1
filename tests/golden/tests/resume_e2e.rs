//! Resumption and fan-out through the runtime's `Hub`, on the generated server of
//! `fixtures/feed.yaml`: a watcher that reconnects with `Last-Event-ID` gets what it
//! missed and nothing twice, over SSE and NDJSON; the topic's end answers `204`; an id
//! the log no longer holds is answered with a `gap`; a watcher that falls behind is cut
//! while the others keep going. The client side is plain reqwest, so the bytes are the
//! ones PROTOCOL.md promises any peer.

mod support;

use futures_util::StreamExt;
use pushgen_golden::feed::client::FeedsClient;
use pushgen_golden::feed::operations::watch_feed;
use pushgen_golden::feed::server::router_with_config;
use pushgen_golden::feed::types;
use pushgen_runtime::client::{Notice, PushBinding, Pushed};
use pushgen_runtime::replay::{Bounds, MemoryLog};
use pushgen_runtime::reqwest;
use pushgen_runtime::server::{Behind, Hub, HubConfig, ServerConfig};
use pushgen_runtime::sse;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use support::{HubFeeds, bounded};

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

async fn publish(hub: &Hub, feed: &str, seqs: std::ops::Range<i64>) {
    for seq in seqs {
        hub.publish(feed, &entry(feed, seq, &format!("entry {seq}")))
            .await
            .unwrap();
    }
}

async fn close(hub: &Hub, feed: &str, entries: i64) {
    hub.finish(
        feed,
        &watch_feed::Response::Ok {
            body: types::Closed { entries },
        },
    )
    .await
    .unwrap();
}

async fn serve(hub: Hub) -> SocketAddr {
    let config = ServerConfig {
        retry: Some(Duration::from_millis(500)),
        ..ServerConfig::default()
    };
    support::serve_router(router_with_config(HubFeeds { hub }, config)).await
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

/// The SSE events of a body read to its end.
fn events(body: &str) -> Vec<sse::Event> {
    let mut decoder = sse::Decoder::new(sse::Limits::default());
    decoder.feed(body.as_bytes()).unwrap();
    std::iter::from_fn(|| decoder.next_event()).collect()
}

/// `(id, seq)` of each entry event, and the final event's id.
fn entries_and_end(events: &[sse::Event]) -> (Vec<(String, i64)>, Option<String>) {
    let mut entries = Vec::new();
    let mut end = None;
    for event in events {
        let data: Value = serde_json::from_str(&event.data).unwrap();
        match event.event.as_str() {
            "entry" => entries.push((
                event.id.clone().unwrap(),
                data["body"]["seq"].as_i64().unwrap(),
            )),
            "final" => {
                assert_eq!(data["body"]["entries"], 10, "{data}");
                end = event.id.clone();
            }
            other => panic!("unexpected event {other}: {data}"),
        }
    }
    (entries, end)
}

#[tokio::test]
async fn a_watcher_that_reconnects_gets_what_it_missed_and_nothing_twice_over_sse() {
    bounded(async {
        let hub = Hub::memory();
        let addr = serve(hub.clone()).await;
        publish(&hub, "news", 0..5).await;

        // The first connection gets everything the log holds, then waits for more.
        let response = get(addr, "news", "text/event-stream", None)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut body = response.bytes_stream();
        let mut text = String::new();
        while text.matches("event: entry").count() < 5 {
            let chunk = body.next().await.unwrap().unwrap();
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        assert!(text.starts_with("retry: 500\n\n"), "{text}");
        let (seen, end) = entries_and_end(&events(&text));
        assert_eq!(end, None);
        assert_eq!(
            seen.iter().map(|(_, seq)| *seq).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        let last = seen.last().unwrap().0.clone();
        drop(body);

        // Published while it was away, then the feed closes.
        publish(&hub, "news", 5..10).await;
        close(&hub, "news", 10).await;

        let resumed = get(addr, "news", "text/event-stream", Some(&last))
            .send()
            .await
            .unwrap();
        assert_eq!(resumed.status(), 200);
        let (rest, end) = entries_and_end(&events(&resumed.text().await.unwrap()));
        assert_eq!(
            rest.iter().map(|(_, seq)| *seq).collect::<Vec<_>>(),
            [5, 6, 7, 8, 9]
        );
        let mut ids: Vec<&str> = seen
            .iter()
            .chain(&rest)
            .map(|(id, _)| id.as_str())
            .collect();
        ids.dedup();
        assert_eq!(ids.len(), 10, "an id arrived twice: {ids:?}");
        let end = end.expect("the final event carries an id");

        // A reconnect after the end is told there is nothing more.
        let after_end = get(addr, "news", "text/event-stream", Some(&end))
            .send()
            .await
            .unwrap();
        assert_eq!(after_end.status(), 204);
        assert_eq!(after_end.text().await.unwrap(), "");
    })
    .await;
}

#[tokio::test]
async fn an_id_the_log_no_longer_holds_is_answered_with_a_gap() {
    bounded(async {
        let log = MemoryLog::new(Bounds {
            entries: 4,
            ..Bounds::default()
        });
        let hub = Hub::new(log);
        let addr = serve(hub.clone()).await;
        publish(&hub, "news", 0..10).await;
        close(&hub, "news", 10).await;
        for last in ["1", "not-an-id"] {
            let text = get(addr, "news", "text/event-stream", Some(last))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let events = events(&text);
            assert_eq!(events[0].event, "gap", "{text}");
            assert_eq!(events[0].data, r#"{"oldest":"7"}"#);
            let (entries, end) = entries_and_end(&events[1..]);
            assert_eq!(
                entries.iter().map(|(_, seq)| *seq).collect::<Vec<_>>(),
                [6, 7, 8, 9],
                "everything still held follows the gap"
            );
            assert_eq!(end.as_deref(), Some("11"));
        }
    })
    .await;
}

#[tokio::test]
async fn ndjson_lines_carry_the_ids_and_resume_the_same_way() {
    bounded(async {
        let hub = Hub::memory();
        let addr = serve(hub.clone()).await;
        publish(&hub, "news", 0..10).await;
        close(&hub, "news", 10).await;
        let text = get(addr, "news", "application/x-ndjson", Some("7"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 4, "{text}");
        for (line, (id, seq)) in lines.iter().zip([("8", 7), ("9", 8), ("10", 9)]) {
            assert_eq!(line["push"], "entry");
            assert_eq!(line["path"], format!("/feeds/news/entries/{seq}"));
            assert_eq!(line["id"], id);
            assert_eq!(line["body"]["seq"], seq);
        }
        assert_eq!(lines[3]["final"]["body"]["entries"], 10);
        assert_eq!(lines[3]["id"], "11");
        let after_end = get(addr, "news", "application/x-ndjson", Some("11"))
            .send()
            .await
            .unwrap();
        assert_eq!(after_end.status(), 204);
        let gap = get(addr, "news", "application/x-ndjson", Some("gone"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(gap.lines().next(), Some(r#"{"gap":{"oldest":"1"}}"#));
    })
    .await;
}

#[tokio::test]
async fn every_watcher_gets_every_entry_and_the_generated_client_reads_them() {
    bounded(async {
        let hub = Hub::memory();
        let addr = serve(hub.clone()).await;
        let client = FeedsClient::new(format!("http://{addr}"));
        let watchers: Vec<_> = (0..3)
            .map(|_| {
                let mut stream = client.watch_feed_stream(&watch_feed::Params {
                    feed: "live".into(),
                });
                tokio::spawn(async move {
                    let mut seqs = Vec::new();
                    loop {
                        match stream.next_event().await.unwrap() {
                            Pushed::Push(watch_feed::Push::Entry(entry)) => seqs.push(entry.seq),
                            Pushed::Final(response) => return (seqs, response),
                            Pushed::Notice(notice) => panic!("{notice:?}"),
                        }
                    }
                })
            })
            .collect();
        // Most of it live, some of it before a watcher has connected: either way each
        // gets every entry once, from the log or live.
        publish(&hub, "live", 0..50).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        publish(&hub, "live", 50..100).await;
        close(&hub, "live", 100).await;
        for watcher in watchers {
            let (seqs, response) = watcher.await.unwrap();
            assert_eq!(seqs, (0..100).collect::<Vec<_>>());
            assert_eq!(
                response,
                watch_feed::Response::Ok {
                    body: types::Closed { entries: 100 }
                }
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_watcher_that_falls_behind_is_cut_and_the_others_keep_going() {
    bounded(async {
        // The log holds 128 entries (8 MiB): a watcher further behind than that is cut.
        // The fast one has all of that as slack, on a busy machine too.
        let hub = Hub::new(MemoryLog::new(Bounds {
            entries: 128,
            bytes: usize::MAX,
            ..Bounds::default()
        }))
        .config(HubConfig {
            behind: Behind::Cut,
        });
        let addr = serve(hub.clone()).await;
        let (done, published) = tokio::sync::oneshot::channel::<()>();
        // Reads nothing until everything is published.
        let slow = tokio::spawn(async move {
            let response = get(addr, "big", "application/x-ndjson", None)
                .send()
                .await
                .unwrap();
            published.await.unwrap();
            let mut body = response.bytes_stream();
            while let Some(chunk) = body.next().await {
                if chunk.is_err() {
                    return true;
                }
            }
            false
        });
        let fast = tokio::spawn(async move {
            let response = get(addr, "big", "application/x-ndjson", None)
                .send()
                .await
                .unwrap();
            let mut body = response.bytes_stream();
            let mut lines = 0;
            while let Some(chunk) = body.next().await {
                lines += chunk.unwrap().iter().filter(|&&b| b == b'\n').count();
            }
            lines
        });
        // 64 KiB entries, until the slow watcher's buffers (its pipe, the sockets') are
        // full and it falls behind the log.
        let text = "x".repeat(64 * 1024);
        for seq in 0..600 {
            hub.publish("big", &entry("big", seq, &text)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        close(&hub, "big", 600).await;
        assert_eq!(
            fast.await.unwrap(),
            601,
            "the fast watcher got every entry and the end"
        );
        done.send(()).unwrap();
        assert!(
            slow.await.unwrap(),
            "the slow watcher's stream ended as if complete"
        );
    })
    .await;
}

/// Reads `feed` through the generated client, counting reconnects.
async fn read_all(
    client: FeedsClient,
    feed: &str,
    binding: PushBinding,
) -> (Vec<i64>, watch_feed::Response, usize) {
    let mut stream = client
        .watch_feed_stream(&watch_feed::Params { feed: feed.into() })
        .binding(binding)
        .with_notices();
    let mut seqs = Vec::new();
    let mut reconnects = 0;
    loop {
        match stream.next_event().await.unwrap() {
            Pushed::Push(watch_feed::Push::Entry(entry)) => seqs.push(entry.seq),
            Pushed::Final(response) => return (seqs, response, reconnects),
            Pushed::Notice(Notice::Reconnecting { .. }) => reconnects += 1,
            Pushed::Notice(other) => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn cut_after_cut_the_generated_client_gets_every_push_once_and_in_order() {
    bounded(async {
        const PUSHES: i64 = 10_000;
        // A log that holds the whole feed: the publisher runs far ahead of a reader that
        // keeps being cut, and a smaller log would answer its reconnects with a gap.
        let hub = Hub::new(MemoryLog::new(Bounds {
            entries: 20_000,
            bytes: 64 * 1024 * 1024,
            streams: 16,
        }));
        let config = ServerConfig {
            retry: Some(Duration::from_millis(5)),
            ..ServerConfig::default()
        };
        let server =
            support::serve_router(router_with_config(HubFeeds { hub: hub.clone() }, config)).await;
        let mut rng = support::XorShift(0x5eed_cafe);
        let mut total_cuts = 0;
        for (binding, feed) in [
            (PushBinding::Sse, "sse"),
            (PushBinding::NdJson, "ndjson"),
            // Each push a promised stream whose response carries its id (`event-id`).
            (PushBinding::Http2Push, "h2push"),
        ] {
            // Cuts every 1–12 KiB of the ~1.5 MB stream: well over a hundred per binding.
            let cuts: Vec<usize> = (0..400)
                .map(|_| 1024 + rng.below(11 * 1024) as usize)
                .collect();
            let proxy = support::cutting_proxy(&[server], cuts).await;
            let config = support::quick_reconnects();
            let client = FeedsClient::new(format!("http://{proxy}")).with_config(config);
            let reader = tokio::spawn(read_all(client, feed, binding));
            let publisher = hub.clone();
            let feed_name = feed.to_owned();
            tokio::spawn(async move {
                for seq in 0..PUSHES {
                    publisher
                        .publish(
                            &feed_name,
                            &entry(&feed_name, seq, "an entry of about 100 bytes, give or take"),
                        )
                        .await
                        .unwrap();
                    if seq % 100 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                close(&publisher, &feed_name, PUSHES).await;
            });
            let (seqs, response, reconnects) = reader.await.unwrap();
            assert_eq!(
                seqs.len() as i64,
                PUSHES,
                "{binding:?}: lost or repeated pushes"
            );
            assert!(
                seqs.iter().copied().eq(0..PUSHES),
                "{binding:?}: out of order"
            );
            assert_eq!(
                response,
                watch_feed::Response::Ok {
                    body: types::Closed { entries: PUSHES }
                }
            );
            assert!(reconnects >= 100, "{binding:?}: only {reconnects} cuts");
            eprintln!(
                "{binding:?}: {PUSHES} pushes, each once and in order, across {reconnects} cuts"
            );
            total_cuts += reconnects;
        }
        assert!(total_cuts >= 300);
    })
    .await;
}

#[tokio::test]
async fn a_stream_that_may_not_reconnect_fails_with_the_last_id_it_got() {
    bounded(async {
        let hub = Hub::memory();
        let server = serve(hub.clone()).await;
        publish(&hub, "news", 0..200).await;
        // The first connection is cut after 4 KiB, some way into the pushes.
        let proxy = support::cutting_proxy(&[server], vec![4096]).await;
        let client = FeedsClient::new(format!("http://{proxy}"));
        let mut stream = client
            .watch_feed_stream(&watch_feed::Params {
                feed: "news".into(),
            })
            .without_reconnect()
            .with_notices();
        let mut last = None;
        let error = loop {
            match stream.next_event().await {
                Ok(Pushed::Push(watch_feed::Push::Entry(entry))) => last = Some(entry.seq),
                Ok(other) => panic!("{other:?}"),
                Err(e) => break e,
            }
        };
        let last = last.expect("some pushes came through before the cut");
        match error {
            pushgen_runtime::client::Error::Interrupted {
                last_event_id,
                cause,
            } => {
                // The in-memory log's ids are sequence numbers from 1.
                assert_eq!(last_event_id, (last + 1).to_string());
                assert!(
                    matches!(
                        *cause,
                        pushgen_runtime::client::Error::Request(_)
                            | pushgen_runtime::client::Error::Truncated
                    ),
                    "{cause:?}"
                );
            }
            other => panic!("not Interrupted: {other:?}"),
        }
    })
    .await;
}

//! Resumption in item mode, through the runtime's `Hub`, on the generated server and
//! client of `fixtures/events32.yaml`. Over SSE (`watchBuild`, whose `done` event is
//! both an item and the declared terminal marker) every item carries an id, the end's
//! included: a reconnect with `Last-Event-ID` gets what it missed, an id the log no
//! longer holds is answered with a `gap`, the end's id with `204`, and the generated
//! client resumes across cuts with every item once and in order. Over JSON Lines
//! (`tailLog`) items carry no ids, and a `Last-Event-ID` is not looked up.

mod support;

use pushgen_golden::events32::client::BuildEventsClient;
use pushgen_golden::events32::operations::{list_artifacts, tail_log, watch_build};
use pushgen_golden::events32::server::{BuildEvents, router_with_config};
use pushgen_golden::events32::types;
use pushgen_runtime::client::{ItemEvent, Notice};
use pushgen_runtime::replay::{Bounds, MemoryLog};
use pushgen_runtime::reqwest;
use pushgen_runtime::server::{Hub, ItemSink, RequestContext, ServerConfig};
use pushgen_runtime::sse;
use std::net::SocketAddr;
use std::time::Duration;
use support::bounded;

/// The build API on a `Hub`: a build's events are the topic named by its id, its log
/// the topic `log/ID`.
struct HubBuilds {
    hub: Hub,
}

impl BuildEvents for HubBuilds {
    async fn watch_build(
        &self,
        context: RequestContext,
        params: watch_build::Params,
        items: ItemSink<watch_build::Items>,
    ) -> watch_build::Response {
        match self.hub.watch_items(&params.id, &context, &items).await {
            Ok(()) => watch_build::Response::Ok,
            Err(_) => watch_build::Response::NotFound,
        }
    }

    async fn tail_log(
        &self,
        context: RequestContext,
        params: tail_log::Params,
        items: ItemSink<tail_log::Items>,
    ) -> tail_log::Response {
        let topic = format!("log/{}", params.id);
        let _ = self.hub.watch_items(&topic, &context, &items).await;
        tail_log::Response::Ok
    }

    async fn list_artifacts(
        &self,
        _context: RequestContext,
        _params: list_artifacts::Params,
        _items: ItemSink<list_artifacts::Items>,
    ) -> list_artifacts::Response {
        list_artifacts::Response::Ok
    }
}

fn step(index: i32) -> watch_build::Item {
    watch_build::Item::Step(types::WatchBuildStep {
        name: format!("step {index}"),
        index: Some(index),
    })
}

fn done() -> watch_build::Item {
    watch_build::Item::Done(types::Outcome {
        status: types::OutcomeStatus::Passed,
    })
}

async fn serve(hub: Hub, retry: Duration) -> SocketAddr {
    let config = ServerConfig {
        retry: Some(retry),
        ..ServerConfig::default()
    };
    support::serve_router(router_with_config(HubBuilds { hub }, config)).await
}

async fn get(addr: SocketAddr, path: &str, accept: &str, last: Option<&str>) -> reqwest::Response {
    let request = reqwest::Client::new()
        .get(format!("http://{addr}{path}"))
        .header("accept", accept);
    let request = match last {
        Some(id) => request.header("last-event-id", id),
        None => request,
    };
    request.send().await.unwrap()
}

/// `(event, id)` of each SSE event of a body read to its end.
async fn events(response: reqwest::Response) -> Vec<(String, Option<String>)> {
    let body = response.text().await.unwrap();
    let mut decoder = sse::Decoder::new(sse::Limits::default());
    decoder.feed(body.as_bytes()).unwrap();
    std::iter::from_fn(|| decoder.next_event())
        .map(|event| (event.event, event.id))
        .collect()
}

fn ids(events: &[(String, Option<String>)]) -> Vec<&str> {
    events
        .iter()
        .map(|(_, id)| id.as_deref().unwrap())
        .collect()
}

#[tokio::test]
async fn sse_items_carry_ids_and_a_reconnect_gets_what_it_missed_then_204_at_the_end() {
    bounded(async {
        let hub = Hub::memory();
        let addr = serve(hub.clone(), Duration::from_millis(500)).await;
        for index in 0..5 {
            hub.publish_item::<watch_build::Items>("b1", &step(index))
                .await
                .unwrap();
        }
        let end = hub
            .finish_items::<watch_build::Items>("b1", Some(&done()))
            .await
            .unwrap();
        assert_eq!(end, "6");

        let first = get(addr, "/builds/b1/events", "text/event-stream", None).await;
        assert_eq!(first.status(), 200);
        let body = first.text().await.unwrap();
        assert!(body.starts_with("retry: 500\n\n"), "{body}");
        let mut decoder = sse::Decoder::new(sse::Limits::default());
        decoder.feed(body.as_bytes()).unwrap();
        let all: Vec<_> = std::iter::from_fn(|| decoder.next_event())
            .map(|event| (event.event, event.id))
            .collect();
        assert_eq!(ids(&all), ["1", "2", "3", "4", "5", "6"]);
        assert_eq!(all[5].0, "done", "the end is the `done` item, with its id");

        // After 3: 4, 5 and the end, nothing before.
        let resumed =
            events(get(addr, "/builds/b1/events", "text/event-stream", Some("3")).await).await;
        assert_eq!(ids(&resumed), ["4", "5", "6"]);

        // The end's id: nothing follows, and an `EventSource` stops.
        let ended = get(addr, "/builds/b1/events", "text/event-stream", Some("6")).await;
        assert_eq!(ended.status(), 204);
        assert!(ended.text().await.unwrap().is_empty());

        // An id never given out: a gap naming the oldest held, then everything.
        let gap = get(addr, "/builds/b1/events", "text/event-stream", Some("nope")).await;
        let body = gap.text().await.unwrap();
        assert!(
            body.contains("event: gap\ndata: {\"oldest\":\"1\"}\n\n"),
            "{body}"
        );
        let mut decoder = sse::Decoder::new(sse::Limits::default());
        decoder.feed(body.as_bytes()).unwrap();
        let names: Vec<_> = std::iter::from_fn(|| decoder.next_event())
            .map(|event| event.event)
            .collect();
        assert_eq!(
            names,
            ["gap", "step", "step", "step", "step", "step", "done"]
        );
    })
    .await;
}

#[tokio::test]
async fn the_generated_client_resumes_an_item_stream_across_cuts() {
    bounded(async {
        const STEPS: i32 = 3_000;
        let hub = Hub::new(MemoryLog::new(Bounds {
            entries: 10_000,
            bytes: 16 * 1024 * 1024,
            streams: 4,
        }));
        let server = serve(hub.clone(), Duration::from_millis(5)).await;
        // Cuts every 512 B to 4 KiB of the ~200 KB stream.
        let mut rng = support::XorShift(0x17e3_5eed);
        let cuts: Vec<usize> = (0..200).map(|_| 512 + rng.below(3584) as usize).collect();
        let proxy = support::cutting_proxy(&[server], cuts).await;
        let config = support::quick_reconnects();
        let client = BuildEventsClient::new(format!("http://{proxy}")).with_config(config);
        let reader = tokio::spawn(async move {
            let mut stream = client.watch_build(&watch_build::Params { id: "cut".into() });
            let (mut indexes, mut reconnects, mut ended) = (Vec::new(), 0, false);
            while let Some(event) = stream.next_event().await {
                match event.unwrap() {
                    ItemEvent::Item(watch_build::Item::Step(step)) => {
                        indexes.push(step.index.unwrap())
                    }
                    ItemEvent::Item(watch_build::Item::Done(_)) => ended = true,
                    ItemEvent::Item(other) => panic!("{other:?}"),
                    ItemEvent::Notice(Notice::Reconnecting { .. }) => reconnects += 1,
                    ItemEvent::Notice(other) => panic!("{other:?}"),
                }
            }
            (indexes, reconnects, ended)
        });
        for index in 0..STEPS {
            hub.publish_item::<watch_build::Items>("cut", &step(index))
                .await
                .unwrap();
            if index % 100 == 0 {
                tokio::task::yield_now().await;
            }
        }
        hub.finish_items::<watch_build::Items>("cut", Some(&done()))
            .await
            .unwrap();

        let (indexes, reconnects, ended) = reader.await.unwrap();
        assert!(ended, "the stream did not end with `done`");
        assert_eq!(indexes.len(), STEPS as usize, "lost or repeated items");
        assert!(indexes.iter().copied().eq(0..STEPS), "out of order");
        assert!(reconnects >= 40, "only {reconnects} cuts");
        eprintln!("{STEPS} items, each once and in order, across {reconnects} cuts");
    })
    .await;
}

#[tokio::test]
async fn json_lines_items_carry_no_ids_and_a_last_event_id_is_not_looked_up() {
    bounded(async {
        let hub = Hub::memory();
        let addr = serve(hub.clone(), Duration::from_millis(500)).await;
        for i in 0..3 {
            let record = types::LogRecord {
                line: format!("line {i}"),
                level: None,
            };
            hub.publish_item::<tail_log::Items>("log/b1", &record)
                .await
                .unwrap();
        }
        hub.finish_items::<tail_log::Items>("log/b1", None)
            .await
            .unwrap();
        let expected = "{\"line\":\"line 0\"}\n{\"line\":\"line 1\"}\n{\"line\":\"line 2\"}\n";
        for last in [None, Some("2"), Some("garbage")] {
            let response = get(addr, "/builds/b1/log", "application/jsonl", last).await;
            assert_eq!(response.status(), 200);
            assert_eq!(
                response.text().await.unwrap(),
                expected,
                "Last-Event-ID {last:?}"
            );
        }

        // The generated client reads them, and does not reconnect a stream without ids.
        let client = BuildEventsClient::new(format!("http://{addr}"));
        let mut stream = client.tail_log(&tail_log::Params { id: "b1".into() });
        let mut lines = Vec::new();
        while let Some(record) = stream.next_item().await {
            lines.push(record.unwrap().line);
        }
        assert_eq!(lines, ["line 0", "line 1", "line 2"]);
    })
    .await;
}

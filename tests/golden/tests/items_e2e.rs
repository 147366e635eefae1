//! Item mode end to end, generated client against generated server on 127.0.0.1
//! (`fixtures/events32.yaml`): SSE in the OpenAPI 3.2 idiom with several event names and
//! a terminal event, JSON Lines, and RFC 7464 JSON text sequences with a data terminator;
//! a declared error before the first item; 10,000 items in order; a stream cut before
//! its terminator.

mod support;

use futures_util::StreamExt;
use pushgen_golden::events32::client::{BuildEventsClient, WatchBuildObserver};
use pushgen_golden::events32::operations::{list_artifacts, tail_log, watch_build};
use pushgen_golden::events32::server::{BuildEvents, router};
use pushgen_golden::events32::types;
use pushgen_runtime::client::Error;
use pushgen_runtime::server::{ItemSink, RequestContext};
use support::{bounded, serve_router};

struct Builds;

impl BuildEvents for Builds {
    async fn watch_build(
        &self,
        _context: RequestContext,
        params: watch_build::Params,
        items: ItemSink<watch_build::Items>,
    ) -> watch_build::Response {
        if params.id == "missing" {
            return watch_build::Response::NotFound;
        }
        let step = |index| types::WatchBuildStep {
            name: format!("step {index}"),
            index: Some(index),
        };
        let _ = items.send(step(0)).await;
        let _ = items
            .send(watch_build::Item::Log("line one\nline two".into()))
            .await;
        let _ = items.send(step(1)).await;
        let _ = items
            .send(types::Outcome {
                status: types::OutcomeStatus::Passed,
            })
            .await;
        watch_build::Response::Ok
    }

    async fn tail_log(
        &self,
        _context: RequestContext,
        params: tail_log::Params,
        items: ItemSink<tail_log::Items>,
    ) -> tail_log::Response {
        let n: usize = params.id.parse().unwrap_or(3);
        for i in 0..n {
            let record = types::LogRecord {
                line: format!("line {i}"),
                level: None,
            };
            if items.send(record).await.is_err() {
                break;
            }
        }
        tail_log::Response::Ok
    }

    async fn list_artifacts(
        &self,
        _context: RequestContext,
        _params: list_artifacts::Params,
        items: ItemSink<list_artifacts::Items>,
    ) -> list_artifacts::Response {
        for (name, bytes) in [("app", Some(10)), ("docs", None)] {
            let _ = items
                .send(types::ListArtifactsItem {
                    name: name.into(),
                    bytes,
                })
                .await;
        }
        list_artifacts::Response::Ok
    }
}

async fn client() -> BuildEventsClient {
    let addr = serve_router(router(Builds)).await;
    BuildEventsClient::new(format!("http://{addr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_items_in_the_3_2_idiom_arrive_typed_and_end_at_the_terminal_event() {
    bounded(async {
        let client = client().await;
        let id = watch_build::Params { id: "b1".into() };
        let items: Vec<_> = client.watch_build(&id).collect().await;
        let items: Vec<watch_build::Item> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(items.len(), 4, "{items:?}");
        assert!(matches!(&items[0], watch_build::Item::Step(s) if s.index == Some(0)));
        assert_eq!(
            items[1],
            watch_build::Item::Log("line one\nline two".into())
        );
        assert!(matches!(&items[3], watch_build::Item::Done(o) if o.status == types::OutcomeStatus::Passed));

        // The observer form gets the same, one method per event.
        #[derive(Default)]
        struct Seen(Vec<String>);
        impl WatchBuildObserver for Seen {
            fn on_step(&mut self, item: types::WatchBuildStep) {
                self.0.push(item.name);
            }
            fn on_done(&mut self, _: types::Outcome) {
                self.0.push("done".into());
            }
        }
        let mut seen = Seen::default();
        client.watch_build_observe(&id, &mut seen).await.unwrap();
        assert_eq!(seen.0, ["step 0", "step 1", "done"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_error_before_the_first_item_is_the_typed_response() {
    bounded(async {
        let client = client().await;
        let mut stream = client.watch_build(&watch_build::Params {
            id: "missing".into(),
        });
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(
            matches!(
                error.response::<watch_build::Response>(),
                Some(watch_build::Response::NotFound)
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "the server answered 404 instead of a stream"
        );
        assert!(stream.next().await.is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_json_lines_arrive_in_order() {
    bounded(async {
        let client = client().await;
        let mut stream = client.tail_log(&tail_log::Params { id: "10000".into() });
        let mut n = 0;
        while let Some(record) = stream.next().await {
            assert_eq!(record.unwrap().line, format!("line {n}"));
            n += 1;
        }
        assert_eq!(n, 10_000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_seq_items_end_at_their_data_terminator() {
    bounded(async {
        let client = client().await;
        let items: Vec<_> = client
            .list_artifacts(&list_artifacts::Params { id: "b1".into() })
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(
            items,
            [
                types::ListArtifactsItem {
                    name: "app".into(),
                    bytes: Some(10)
                },
                types::ListArtifactsItem {
                    name: "docs".into(),
                    bytes: None
                },
            ]
        );
    })
    .await;
}

/// A hand-written server: the stream's bytes exactly as given.
async fn serve_bytes(content_type: &'static str, body: &'static [u8]) -> String {
    use pushgen_runtime::axum::{Router, routing::get};
    let app = Router::new().fallback(get(move || async move {
        ([("content-type", content_type)], body)
    }));
    format!("http://{}", serve_router(app).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_cut_before_its_terminator_is_truncated_not_success() {
    bounded(async {
        let base = serve_bytes(
            "application/json-seq",
            b"\x1e{\"name\":\"app\"}\n\x1e{\"name\":\"do",
        )
        .await;
        let client = BuildEventsClient::new(base);
        let mut stream = client.list_artifacts(&list_artifacts::Params { id: "b".into() });
        assert_eq!(stream.next().await.unwrap().unwrap().name, "app");
        let error = stream.next().await.unwrap().unwrap_err();
        // The cut element is not JSON: it fails to decode, or the stream is truncated.
        assert!(
            matches!(error, Error::Truncated | Error::Decode(_)),
            "{error:?}"
        );
        assert!(stream.next().await.is_none());

        // Every element whole, but no `end`: truncated.
        let base = serve_bytes("application/json-seq", b"\x1e{\"name\":\"app\"}\n").await;
        let client = BuildEventsClient::new(base);
        let mut stream = client.list_artifacts(&list_artifacts::Params { id: "b".into() });
        assert_eq!(stream.next().await.unwrap().unwrap().name, "app");
        assert!(matches!(stream.next().await, Some(Err(Error::Truncated))));

        // An SSE stream without its terminal event `done`: truncated too.
        let base = serve_bytes(
            "text/event-stream",
            b"event: step\ndata: {\"name\":\"a\"}\n\nevent: newer\ndata: {}\n\n",
        )
        .await;
        let client = BuildEventsClient::new(base);
        let items: Vec<_> = client
            .watch_build(&watch_build::Params { id: "b".into() })
            .collect()
            .await;
        assert_eq!(items.len(), 2, "the unknown event is skipped: {items:?}");
        assert!(matches!(items[1], Err(Error::Truncated)));
    })
    .await;
}

//! What `build.rs` generated works: servers and clients end to end on 127.0.0.1, with
//! the builder's attributes, extern type, overlay and runtime path in effect.

use futures_util::StreamExt;
use pushgen_build_test::completions::client::CompletionsClient;
use pushgen_build_test::completions::server::Completions;
use pushgen_build_test::consumer::client::{ConsumerApiClient, CreateConsumerObserver};
use pushgen_build_test::consumer::operations::create_consumer::{
    Events, EventsOkHeaders, EventsResponse, Push, Response,
};
use pushgen_build_test::consumer::server::ConsumerApi;
use pushgen_build_test::problem::Problem;
use pushgen_build_test::rt::server::{ItemSink, PushSink, RequestContext};
use pushgen_build_test::{completions, consumer, split};
use std::collections::HashSet;
use support::{bounded, serve};

mod support;

struct Consumers;

impl ConsumerApi for Consumers {
    async fn create_consumer(
        &self,
        _context: RequestContext,
        body: consumer::types::CreateConsumerRequest,
        push: PushSink<Push>,
    ) -> Response {
        if body.topic.is_empty() {
            // The spec's `Error` is this crate's own `Problem` (`extern_type`).
            return Response::BadRequest {
                body: Problem {
                    message: "topic is empty".into(),
                },
            };
        }
        let n = i64::from(body.max_events.unwrap_or(3));
        for offset in 0..n {
            let event = consumer::types::Event::EventType2(consumer::types::EventType2 {
                at: format!("t{offset}"),
            });
            let push_event = Push::Events(Events {
                consumer_id: "c1".into(),
                offset,
                response: EventsResponse::Ok {
                    headers: EventsOkHeaders { offset },
                    body: event,
                },
            });
            if push.send(push_event).await.is_err() {
                break;
            }
        }
        Response::Created {
            body: consumer::types::Consumer {
                consumer_id: "c1".into(),
                topic: body.topic,
                delivered: n,
            },
        }
    }
}

struct Chunks;

impl Completions for Chunks {
    async fn complete(
        &self,
        _context: RequestContext,
        body: Option<completions::types::CompleteRequest>,
        items: ItemSink<completions::operations::complete::Items>,
    ) -> completions::operations::complete::Response {
        let prompt = body.map(|b| b.prompt).unwrap_or_default();
        for word in prompt.split(' ') {
            let chunk = completions::types::Chunk { text: word.into() };
            if items.send(chunk).await.is_err() {
                break;
            }
        }
        completions::operations::complete::Response::Ok
    }
}

#[derive(Default)]
struct Offsets(Vec<i64>);

impl CreateConsumerObserver for Offsets {
    fn on_events(&mut self, push: Events) {
        self.0.push(push.offset);
    }
}

#[tokio::test]
async fn the_consumer_pushes_to_its_observer_and_answers_with_the_extern_type() {
    bounded(async {
        let addr = serve(consumer::server::router(Consumers)).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        let request = |topic: &str| consumer::types::CreateConsumerRequest {
            topic: topic.into(),
            max_events: Some(5),
        };
        let mut observer = Offsets::default();
        let response = client
            .create_consumer(&request("orders"), &mut observer)
            .await
            .unwrap();
        assert_eq!(observer.0, [0, 1, 2, 3, 4]);
        let Response::Created { body } = response else {
            panic!("{response:?}");
        };
        assert_eq!(body.delivered, 5);

        let response = client
            .create_consumer(&request(""), &mut Offsets::default())
            .await
            .unwrap();
        assert_eq!(
            response,
            Response::BadRequest {
                body: Problem {
                    message: "topic is empty".into()
                }
            }
        );
    })
    .await;
}

#[test]
fn the_builders_attributes_are_on_the_types() {
    // `#[derive(Eq, Hash)]` by name.
    let consumer = consumer::types::Consumer {
        consumer_id: "c".into(),
        topic: "t".into(),
        delivered: 1,
    };
    let set: HashSet<_> = [consumer.clone(), consumer].into_iter().collect();
    assert_eq!(set.len(), 1);
    // `#[derive(Eq)]` by JSON pointer.
    fn is_eq<T: Eq>(_: &T) {}
    is_eq(&consumer::types::EventType2 { at: "now".into() });
    // `#[serde(alias = "subject")]` on one field.
    let request: consumer::types::CreateConsumerRequest =
        serde_json::from_str(r#"{"subject": "orders"}"#).unwrap();
    assert_eq!(request.topic, "orders");
}

#[tokio::test]
async fn the_overlays_terminator_ends_the_completion_stream() {
    bounded(async {
        let addr = serve(completions::server::router(Chunks)).await;
        // The wire carries the marker the overlay declared...
        let raw = pushgen_build_test::rt::reqwest::Client::new()
            .post(format!("http://{addr}/complete"))
            .header("accept", "text/event-stream")
            .header("content-type", "application/json")
            .body(r#"{"prompt": "one two"}"#)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(raw.ends_with("data: [DONE]\n\n"), "{raw:?}");
        // ...and the generated client stops at it rather than reading it as a chunk.
        let client = CompletionsClient::new(format!("http://{addr}"));
        let request = completions::types::CompleteRequest {
            prompt: "one two three".into(),
        };
        let texts: Vec<String> = client
            .complete(Some(&request))
            .map(|item| item.unwrap().text)
            .collect()
            .await;
        assert_eq!(texts, ["one", "two", "three"]);
    })
    .await;
}

#[test]
fn the_spec_spread_over_files_is_one_api() {
    // `Notification` is defined in split/notification.yaml, `Person` in
    // split/common.yaml, the operation in split/paths.yaml: all reached by `$ref`.
    let params = split::operations::watch_inbox::Params { user: "ada".into() };
    assert_eq!(params.user, "ada");
    let _: Option<(split::types::Notification, split::types::Person)> = None;
}

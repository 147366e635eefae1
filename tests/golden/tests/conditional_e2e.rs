//! Stream-conditional operations end to end: one handler serves the whole answer and the
//! stream (`fixtures/chat.yaml`: SSE ending with `data: [DONE]`;
//! `fixtures/generate_ndjson.yaml`: NDJSON that streams by default and ends with a
//! declared line), a declared error before the first item, and an always-streaming
//! NDJSON operation without a terminator.

mod items_support;
mod support;

use futures_util::StreamExt;
use items_support::Chat;
use pushgen_golden::chat;
use pushgen_golden::generate_ndjson as gen_api;
use pushgen_runtime::client::Error;
use pushgen_runtime::server::{ItemSink, RequestContext};
use support::{bounded, serve_router};

fn request(model: &str) -> chat::types::CompletionRequest {
    chat::types::CompletionRequest {
        model: model.into(),
        messages: vec![chat::types::Message {
            role: chat::types::MessageRole::User,
            content: Some("hi".into()),
        }],
        temperature: None,
        stream: None,
        stop: None,
        user: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_handler_answers_whole_or_streamed() {
    bounded(async {
        let addr = serve_router(chat::server::router(Chat)).await;
        let client = chat::client::ChatClient::new(format!("http://{addr}"));

        let whole = client.create_completion(&request("small")).await.unwrap();
        let chat::operations::create_completion::Response::Ok { body } = whole else {
            panic!("{whole:?}");
        };
        assert_eq!(
            body.choices[0].message.content.as_deref(),
            Some("Hello, world")
        );

        let chunks: Vec<_> = client
            .create_completion_stream(&request("small"))
            .map(|chunk| chunk.unwrap().delta.content.unwrap())
            .collect()
            .await;
        assert_eq!(chunks, ["Hello", ", ", "world"]);

        // The plain method sends `stream: false` even when the body says otherwise.
        let mut streaming_body = request("small");
        streaming_body.stream = Some(true);
        assert!(matches!(
            client.create_completion(&streaming_body).await.unwrap(),
            chat::operations::create_completion::Response::Ok { .. }
        ));

        let error = client
            .create_completion_stream(&request("busy"))
            .next()
            .await
            .unwrap()
            .unwrap_err();
        let Some(chat::operations::create_completion::Response::TooManyRequests { body }) =
            error.response::<chat::operations::create_completion::Response>()
        else {
            panic!("{error:?}");
        };
        assert_eq!(body.message, "slow down");
    })
    .await;
}

struct Models;

impl gen_api::server::LocalModels for Models {
    async fn generate(
        &self,
        _context: RequestContext,
        body: gen_api::types::GenerateRequest,
        items: ItemSink<gen_api::operations::generate::Items>,
    ) -> gen_api::operations::generate::Response {
        use gen_api::operations::generate::Response;
        if body.model == "none" {
            return Response::NotFound {
                body: gen_api::types::Error {
                    error: "no such model".into(),
                },
            };
        }
        for word in body.prompt.split(' ') {
            let chunk = gen_api::types::GenerateChunk {
                model: body.model.clone(),
                response: word.into(),
                done: false,
                eval_count: None,
                error: None,
            };
            let _ = items.send(chunk).await;
            if body.model == "broken" {
                // Fails after its first chunk, as Ollama's runner does; what it returns
                // then must not add the marker.
                let error = gen_api::types::Error {
                    error: "model runner has unexpectedly stopped".into(),
                };
                let _ = items.fail(&error).await;
                assert_eq!(
                    items
                        .send(gen_api::types::GenerateChunk {
                            model: body.model.clone(),
                            response: "late".into(),
                            done: false,
                            eval_count: None,
                            error: None,
                        })
                        .await,
                    Err(pushgen_runtime::server::PushError::Closed),
                    "a send after fail() is refused"
                );
                break;
            }
        }
        Response::Ok {
            body: gen_api::types::GenerateResponse {
                model: body.model,
                response: body.prompt,
                done: true,
                eval_count: Some(3),
            },
        }
    }

    async fn pull(
        &self,
        _context: RequestContext,
        body: gen_api::types::PullRequest,
        items: ItemSink<gen_api::operations::pull::Items>,
    ) -> gen_api::operations::pull::Response {
        if body.model == "fails-midway" {
            let progress = gen_api::types::PullOkBody {
                status: "pulling".into(),
                completed: Some(1),
                total: Some(10),
            };
            let _ = items.send(progress).await;
            return gen_api::operations::pull::Response::InternalServerError {
                body: gen_api::types::Error {
                    error: "disk full".into(),
                },
            };
        }
        for completed in 0..10_000 {
            let progress = gen_api::types::PullOkBody {
                status: "pulling".into(),
                completed: Some(completed),
                total: Some(10_000),
            };
            if items.send(progress).await.is_err() {
                break;
            }
        }
        gen_api::operations::pull::Response::Ok
    }
}

/// A stream with no marker whose handler fails after its first item is cut, not ended:
/// the client reports an error rather than a clean end after the items that came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_fails_after_its_first_item_cuts_the_stream() {
    bounded(async {
        let addr = serve_router(gen_api::server::router(Models)).await;
        let client = gen_api::client::LocalModelsClient::new(format!("http://{addr}"));
        let body = gen_api::types::PullRequest {
            model: "fails-midway".into(),
        };
        let results: Vec<_> = client.pull(&body).collect().await;
        assert_eq!(results.len(), 2, "{results:?}");
        assert_eq!(results[0].as_ref().unwrap().completed, Some(1));
        assert!(
            matches!(results[1], Err(pushgen_runtime::client::Error::Request(_))),
            "{results:?}"
        );
    })
    .await;
}

/// An error item (`x-push-error`) is the stream's last line: the client yields it as
/// `Error::Failure`, typed, and the server writes nothing after it, not even the declared
/// marker, though the handler returned 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_item_ends_the_stream_without_its_marker() {
    bounded(async {
        let addr = serve_router(gen_api::server::router(Models)).await;
        let base = format!("http://{addr}");
        let request = r#"{"model":"broken","prompt":"a b c"}"#;
        let client = gen_api::client::LocalModelsClient::new(base.clone());
        let body: gen_api::types::GenerateRequest = serde_json::from_str(request).unwrap();
        let results: Vec<_> = client.generate_stream(&body).collect().await;
        assert_eq!(results.len(), 2, "{results:?}");
        assert_eq!(results[0].as_ref().unwrap().response, "a");
        let error = results[1].as_ref().unwrap_err();
        let failure: gen_api::types::Error = error.failure().expect("a typed failure");
        assert_eq!(failure.error, "model runner has unexpectedly stopped");
        let raw = pushgen_runtime::reqwest::Client::new()
            .post(format!("{base}/api/generate"))
            .header("content-type", "application/json")
            .body(request)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            raw,
            "{\"model\":\"broken\",\"response\":\"a\",\"done\":false}\n\
             {\"error\":\"model runner has unexpectedly stopped\"}\n"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ndjson_that_streams_by_default_ends_at_its_declared_line() {
    bounded(async {
        let addr = serve_router(gen_api::server::router(Models)).await;
        let base = format!("http://{addr}");
        let client = gen_api::client::LocalModelsClient::new(base.clone());
        let body = gen_api::types::GenerateRequest {
            model: "m".into(),
            prompt: "a b c".into(),
            stream: None,
        };
        let words: Vec<_> = client
            .generate_stream(&body)
            .map(|chunk| chunk.unwrap().response)
            .collect()
            .await;
        assert_eq!(words, ["a", "b", "c"]);
        let whole = client.generate(&body).await.unwrap();
        assert!(
            matches!(&whole, gen_api::operations::generate::Response::Ok { body } if body.done),
            "{whole:?}"
        );

        // Without the flag the operation streams (its default), ending with the line the
        // spec declares.
        let raw = pushgen_runtime::reqwest::Client::new()
            .post(format!("{base}/api/generate"))
            .header("content-type", "application/json")
            .body(r#"{"model":"m","prompt":"x"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.headers()["content-type"], "application/x-ndjson");
        assert_eq!(
            raw.text().await.unwrap(),
            "{\"model\":\"m\",\"response\":\"x\",\"done\":false}\n{\"done\":true}\n"
        );

        let missing = gen_api::types::GenerateRequest {
            model: "none".into(),
            ..body
        };
        let error = client
            .generate_stream(&missing)
            .next()
            .await
            .unwrap()
            .unwrap_err();
        assert!(matches!(
            error.response::<gen_api::operations::generate::Response>(),
            Some(gen_api::operations::generate::Response::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_ndjson_items_arrive_in_order_and_end_with_the_body() {
    bounded(async {
        let addr = serve_router(gen_api::server::router(Models)).await;
        let client = gen_api::client::LocalModelsClient::new(format!("http://{addr}"));
        let mut stream = client.pull(&gen_api::types::PullRequest { model: "m".into() });
        let mut n = 0;
        while let Some(progress) = stream.next().await {
            assert_eq!(progress.unwrap().completed, Some(n));
            n += 1;
        }
        assert_eq!(n, 10_000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_item_is_a_decode_error_with_serdes_message() {
    bounded(async {
        use pushgen_runtime::axum::{Router, routing::post};
        let app = Router::new().route(
            "/api/pull",
            post(|| async {
                (
                    [("content-type", "application/x-ndjson")],
                    "{\"status\":\"ok\"}\n{\"status\":5}\n",
                )
            }),
        );
        let addr = serve_router(app).await;
        let client = gen_api::client::LocalModelsClient::new(format!("http://{addr}"));
        let items: Vec<_> = client
            .pull(&gen_api::types::PullRequest { model: "m".into() })
            .collect()
            .await;
        assert_eq!(items.len(), 2);
        let Err(Error::Decode(e)) = &items[1] else {
            panic!("{items:?}");
        };
        assert!(e.to_string().contains("invalid type: integer `5`"), "{e}");
    })
    .await;
}

//! The generated consumer server and client, end to end on 127.0.0.1.

mod support;

use futures_util::StreamExt;
use pushgen_golden::consumer::client::ConsumerApiClient;
use pushgen_golden::consumer::operations::create_consumer::{EventsResponse, Push, Response};
use pushgen_golden::consumer::types;
use pushgen_runtime::client::{PushBinding, Pushed};
use pushgen_runtime::server::ServerConfig;
use std::time::Duration;
use support::{Collect, Observed, bounded, event, request, serve};

#[tokio::test]
async fn a_thousand_pushes_reach_the_observer_typed_and_in_order() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        support::observe_every_push(&client, "orders", 1000).await;
    })
    .await;
}

/// A server writes a burst of pushes as one chunk, but must not hold a push back while
/// its handler waits: here the handler waits for the client to have read its first push.
#[tokio::test]
async fn a_push_goes_out_while_its_handler_waits() {
    bounded(async {
        let observed = Observed::default();
        let first_read = observed.first_read.clone();
        let addr = serve(observed, ServerConfig::default()).await;
        for binding in [PushBinding::Sse, PushBinding::NdJson] {
            let client = ConsumerApiClient::new(format!("http://{addr}"));
            let mut stream = client
                .create_consumer_stream(&request("until-read", None))
                .binding(binding);
            let first = stream.next_event().await.unwrap();
            assert_eq!(first, Pushed::Push(event("c-until-read", 0)), "{binding:?}");
            first_read.notify_one();
            let second = stream.next_event().await.unwrap();
            assert_eq!(
                second,
                Pushed::Push(event("c-until-read", 1)),
                "{binding:?}"
            );
            match stream.next_event().await.unwrap() {
                Pushed::Final(Response::Created { body }) => assert_eq!(body.delivered, 2),
                other => panic!("{binding:?}: {other:?}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_thousand_pushes_arrive_through_the_stream_then_the_final_response() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        let items: Vec<_> = client
            .create_consumer_stream(&request("orders", Some(1000)))
            .collect()
            .await;
        assert_eq!(items.len(), 1001);
        for (i, item) in items.iter().take(1000).enumerate() {
            match item {
                Ok(Pushed::Push(push)) => assert_eq!(push, &event("c-orders", i as i64)),
                other => panic!("item {i}: {other:?}"),
            }
        }
        match &items[1000] {
            Ok(Pushed::Final(Response::Created { body })) => assert_eq!(body.delivered, 1000),
            other => panic!("last item: {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn a_declared_error_before_the_first_push_is_plain_http_with_its_status() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        let mut observer = Collect::default();
        let response = client
            .create_consumer(&request("", None), &mut observer)
            .await
            .unwrap();
        assert!(observer.pushes.is_empty());
        assert_eq!(
            response,
            Response::BadRequest {
                body: types::Error {
                    message: "topic is empty".into()
                }
            }
        );

        // On the wire: an ordinary 400 with a JSON body, not a stream.
        let raw = pushgen_runtime::reqwest::Client::new()
            .post(format!("http://{addr}/consumers"))
            .header("accept", "text/event-stream")
            .header("content-type", "application/json")
            .body(r#"{"topic":""}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 400);
        assert_eq!(raw.headers()["content-type"], "application/json");
        assert_eq!(raw.text().await.unwrap(), r#"{"message":"topic is empty"}"#);
    })
    .await;
}

#[tokio::test]
async fn an_error_after_the_first_push_arrives_in_band_as_the_final_response() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        let items: Vec<_> = client
            .create_consumer_stream(&request("late-error", None))
            .collect()
            .await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(matches!(items[0], Ok(Pushed::Push(_))));
        assert!(matches!(
            items[1],
            Ok(Pushed::Final(Response::BadRequest { .. }))
        ));
    })
    .await;
}

#[tokio::test]
async fn a_client_that_does_not_ask_for_pushes_gets_the_final_response_alone() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let raw = pushgen_runtime::reqwest::Client::new()
            .post(format!("http://{addr}/consumers"))
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .body(r#"{"topic":"orders","maxEvents":5}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 201);
        assert_eq!(raw.headers()["content-type"], "application/json");
        assert_eq!(
            raw.text().await.unwrap(),
            r#"{"consumerId":"c-orders","topic":"orders","delivered":5}"#
        );
    })
    .await;
}

#[tokio::test]
async fn a_client_that_disconnects_makes_the_handlers_send_fail() {
    bounded(async {
        let observed = Observed::default();
        let (tx, mut failures) = tokio::sync::mpsc::unbounded_channel();
        *observed.send_failures.lock().unwrap() = Some(tx);
        let config = ServerConfig::default().push_buffer(4);
        let addr = serve(observed, config).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        let mut stream = client.create_consumer_stream(&request("forever", None));
        for i in 0..3 {
            assert!(
                matches!(stream.next().await, Some(Ok(Pushed::Push(_)))),
                "push {i}"
            );
        }
        drop(stream);
        let failed_at = tokio::time::timeout(Duration::from_secs(20), failures.recv())
            .await
            .expect("send did not fail within 20 s of the client leaving")
            .unwrap();
        assert!(failed_at >= 3, "send failed at push {failed_at}");
    })
    .await;
}

#[tokio::test]
async fn a_malformed_request_body_is_a_400_that_says_why() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let raw = pushgen_runtime::reqwest::Client::new()
            .post(format!("http://{addr}/consumers"))
            .header("content-type", "application/json")
            .body(r#"{"topic": 5}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 400);
        assert_eq!(raw.headers()["content-type"], "application/problem+json");
        let problem: serde_json::Value = serde_json::from_str(&raw.text().await.unwrap()).unwrap();
        assert_eq!(problem["status"], 400);
        assert_eq!(problem["title"], "Bad Request");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.starts_with("request body:"), "{detail}");
    })
    .await;
}

#[tokio::test]
async fn a_body_in_an_undeclared_media_type_is_refused_with_415_and_never_handled() {
    bounded(async {
        let observed = Observed::default();
        let addr = serve(observed.clone(), ServerConfig::default()).await;
        let post = |content_type: Option<&'static str>| {
            let request = pushgen_runtime::reqwest::Client::new()
                .post(format!("http://{addr}/consumers"))
                .header("accept", "application/json")
                .body(r#"{"topic":"orders","maxEvents":1}"#);
            match content_type {
                Some(content_type) => request.header("content-type", content_type),
                None => request,
            }
        };
        // A page on another origin may send `text/plain` without a preflight; a body
        // with no media type at all is no better.
        for content_type in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            None,
        ] {
            let raw = post(content_type).send().await.unwrap();
            assert_eq!(raw.status().as_u16(), 415, "{content_type:?}");
            assert_eq!(
                raw.headers()["accept"],
                "application/json",
                "{content_type:?}"
            );
            assert_eq!(raw.headers()["content-type"], "application/problem+json");
            let problem: serde_json::Value =
                serde_json::from_str(&raw.text().await.unwrap()).unwrap();
            assert_eq!(problem["status"], 415);
        }
        assert_eq!(
            observed.handled.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "the handler ran for a refused body"
        );
        // Past the body limit (2 MiB): 413, a problem document too.
        let raw = pushgen_runtime::reqwest::Client::new()
            .post(format!("http://{addr}/consumers"))
            .header("content-type", "application/json")
            .body(vec![b' '; 3 << 20])
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 413);
        assert_eq!(raw.headers()["content-type"], "application/problem+json");
        // Parameters and case do not matter; the media type does.
        let raw = post(Some("Application/JSON; charset=utf-8"))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 201);
    })
    .await;
}

#[tokio::test]
async fn events_the_client_does_not_know_are_skipped_unread() {
    use pushgen_runtime::axum::{Router, routing::post};
    bounded(async {
        // A newer server: an event the client has no push item for, whose data is not
        // even an envelope, between a known push and the final response.
        let stream = "event: /consumers/{consumerId}/events/{offset}\n\
             data: {\"path\":\"/consumers/c/events/1\",\"status\":200,\"headers\":{\"offset\":\"1\"},\"body\":{\"kind\":\"heartbeat\",\"at\":\"now\"}}\n\n\
             event: ping\ndata: not json at all\n\n\
             data: an unnamed message event\n\n\
             event: final\ndata: {\"status\":201,\"headers\":{},\"body\":{\"consumerId\":\"c\",\"topic\":\"t\",\"delivered\":1}}\n\n";
        let app = Router::new().route(
            "/consumers",
            post(move || async move {
                ([("content-type", "text/event-stream")], stream)
            }),
        );
        let addr = support::serve_router(app).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        let items: Vec<_> = client
            .create_consumer_stream(&request("t", None))
            .collect()
            .await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(matches!(items[0], Ok(Pushed::Push(Push::Events(_)))));
        assert!(matches!(items[1], Ok(Pushed::Final(Response::Created { .. }))));
    })
    .await;
}

#[test]
fn unknown_pushes_from_a_newer_server_are_skipped_not_errors() {
    use pushgen_runtime::wire::{PushMessage, parse_envelope};
    let envelope = parse_envelope(
        "/consumers/{consumerId}/audit",
        r#"{"path":"/consumers/c/audit","status":200,"headers":{}}"#,
    )
    .unwrap();
    assert_eq!(
        Push::decode("/consumers/{consumerId}/audit", &envelope),
        Ok(None)
    );
    let response = EventsResponse::Ok {
        headers: pushgen_golden::consumer::operations::create_consumer::EventsOkHeaders {
            offset: 1,
        },
        body: serde_json::from_str(r#"{"kind":"reaction","emoji":"+1"}"#).unwrap(),
    };
    let EventsResponse::Ok { body, .. } = response;
    // A kind this client does not know is kept whole, and written back as it came.
    let kept = serde_json::json!({"kind": "reaction", "emoji": "+1"});
    assert_eq!(body, types::Event::Unknown(kept.clone()));
    assert_eq!(serde_json::to_value(&body).unwrap(), kept);
}

/// The raw bytes of a stream, read with a plain HTTP client.
async fn raw_stream(addr: std::net::SocketAddr, body: &str) -> (u16, String, String) {
    let response = pushgen_runtime::reqwest::Client::new()
        .post(format!("http://{addr}/consumers"))
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn an_idle_stream_carries_keep_alive_comments() {
    bounded(async {
        let config = ServerConfig::default().keep_alive(Some(Duration::from_millis(50)));
        let addr = serve(Observed::default(), config).await;
        let (status, content_type, text) =
            raw_stream(addr, r#"{"topic":"slow","maxEvents":1}"#).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "text/event-stream");
        let first_push = text.find("event: /consumers/").unwrap();
        let keep_alive = text
            .find(": keep-alive\n\n")
            .expect("no keep-alive comment");
        let final_event = text.find("event: final\n").unwrap();
        assert!(
            first_push < keep_alive && keep_alive < final_event,
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_stream_opened_early_carries_a_later_error_in_band() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let (status, content_type, text) = raw_stream(addr, r#"{"topic":"open-then-error"}"#).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "text/event-stream");
        assert_eq!(
            text,
            "event: final\ndata: {\"status\":400,\"headers\":{},\"body\":{\"message\":\"failed after opening\"}}\n\n"
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_shutdown_ends_open_streams_and_graceful_shutdown_completes() {
    use pushgen_golden::consumer::server::router_with_config;
    use pushgen_runtime::server::Shutdown;
    bounded(async {
        let shutdown = Shutdown::new();
        let observed = Observed::default();
        let (tx, mut failures) = tokio::sync::mpsc::unbounded_channel();
        *observed.send_failures.lock().unwrap() = Some(tx);
        let config = ServerConfig::default().shutdown(&shutdown);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router_with_config(support::TestConsumers { observed }, config);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let stop = shutdown.clone();
        let server = tokio::spawn(async move {
            pushgen_runtime::axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.await;
                    stop.trigger();
                })
                .await
        });
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        let mut stream = client.create_consumer_stream(&request("forever", None));
        assert!(matches!(stream.next().await, Some(Ok(Pushed::Push(_)))));
        stop_tx.send(()).unwrap();
        // The stream ends without a final response, as after any lost connection.
        let rest: Vec<_> =
            tokio::time::timeout(Duration::from_secs(10), stream.collect::<Vec<_>>())
                .await
                .expect("the stream did not end within 10 s of the shutdown");
        assert!(
            matches!(
                rest.last(),
                Some(Err(pushgen_runtime::client::Error::Truncated))
            ),
            "{:?}",
            rest.last()
        );
        tokio::time::timeout(Duration::from_secs(10), failures.recv())
            .await
            .expect("the handler's send did not fail after the shutdown");
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("graceful shutdown did not complete")
            .unwrap()
            .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelope_mode_travels_over_ndjson_and_json_lines_too() {
    use pushgen_runtime::client::PushBinding;
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        // Per client: every push operation asks for NDJSON.
        let client = ConsumerApiClient::new(format!("http://{addr}"))
            .with_push_binding(PushBinding::NdJson);
        let mut observer = Collect::default();
        let response = client
            .create_consumer(&request("lines", Some(10_000)), &mut observer)
            .await
            .unwrap();
        assert_eq!(observer.pushes.len(), 10_000);
        for (i, push) in observer.pushes.iter().enumerate() {
            let Push::Events(expected) = event("c-lines", i as i64);
            assert_eq!(push, &expected, "push {i}");
        }
        assert!(matches!(response, Response::Created { .. }));

        // Per call: JSON Lines on a client whose default is SSE; a declared error after
        // the first push still arrives in-band.
        let client = ConsumerApiClient::new(format!("http://{addr}"));
        let items: Vec<_> = client
            .create_consumer_stream(&request("late-error", None))
            .binding(PushBinding::JsonLines)
            .collect()
            .await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(matches!(items[0], Ok(Pushed::Push(_))));
        assert!(matches!(
            items[1],
            Ok(Pushed::Final(Response::BadRequest { .. }))
        ));

        // The wire: one JSON object per line, the final response a line of its own kind.
        let raw = pushgen_runtime::reqwest::Client::new()
            .post(format!("http://{addr}/consumers"))
            .header("accept", "application/x-ndjson")
            .header("content-type", "application/json")
            .body(r#"{"topic":"t","maxEvents":1}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.headers()["content-type"], "application/x-ndjson");
        let text = raw.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with(r#"{"push":"/consumers/{consumerId}/events/{offset}","path":"/consumers/c-t/events/0","status":200"#), "{text}");
        assert!(lines[1].starts_with(r#"{"final":{"status":201,"#), "{text}");
    })
    .await;
}

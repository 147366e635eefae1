//! HTTP/2 server push (`PUSH_PROMISE`) from the generated consumer server, served by
//! `pushgen_runtime::server::serve` on 127.0.0.1 over cleartext HTTP/2 with prior
//! knowledge: read by the `h2` crate's client frame by frame, by `nghttp` (a peer
//! nobody here wrote), and refused by `curl`, which disables push and gets the fallback.
//!
//! Peer-missing rule: without `nghttp` or `curl` on `PATH` their tests fail when
//! `CI=true` and otherwise say loudly on stderr that they skipped.

mod support;

use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use http::{Request, StatusCode};
use pushgen_golden::consumer::client::ConsumerApiClient;
use pushgen_golden::consumer::operations::create_consumer::Response;
use pushgen_golden::consumer::server::router_with_config;
use pushgen_golden::consumer::types;
use pushgen_runtime::client::{self as runtime_client, PushBinding};
use pushgen_runtime::server::{ServerConfig, Shutdown};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::process::Command;
use support::{Collect, Observed, TestConsumers, bounded, event, peer_missing, request, serve};

/// One pushed response as a client received it.
#[derive(Debug)]
struct Received {
    scheme: Option<String>,
    path: String,
    status: StatusCode,
    offset: Option<String>,
    content_type: Option<String>,
    body: serde_json::Value,
}

/// `POST /consumers` with `body` over h2c, push enabled: the pushes in the order they
/// were promised, then the final response's status and body.
async fn post_with_push(
    addr: SocketAddr,
    body: &str,
) -> (Vec<Received>, StatusCode, serde_json::Value) {
    post_with(addr, body, h2::client::Builder::new(), |_| false, None).await
}

/// [`post_with_push`] with the client's own settings; `decline(i)` resets the `i`th
/// promised stream (`RST_STREAM` with `CANCEL`) instead of reading it.
async fn post_with(
    addr: SocketAddr,
    body: &str,
    settings: h2::client::Builder,
    decline: impl Fn(usize) -> bool,
    stall: Option<std::time::Duration>,
) -> (Vec<Received>, StatusCode, serde_json::Value) {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let uri = format!("http://{addr}/consumers");
    post_on(tcp, uri, body, settings, decline, stall).await
}

/// [`post_with`] on a connection already made (a TLS one, say), to `uri`.
async fn post_on<I>(
    io: I,
    uri: String,
    body: &str,
    mut settings: h2::client::Builder,
    decline: impl Fn(usize) -> bool,
    stall: Option<std::time::Duration>,
) -> (Vec<Received>, StatusCode, serde_json::Value)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut client, connection) = settings
        .enable_push(true)
        .handshake::<_, Bytes>(io)
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = Request::post(uri)
        .header("content-type", "application/json")
        .body(())
        .unwrap();
    let (mut response, mut send) = client.send_request(request, false).unwrap();
    send.send_data(Bytes::from(body.to_string()), true).unwrap();
    if let Some(stall) = stall {
        // A client that reads nothing for a while: it returns no flow-control window,
        // so the server's handler must wait, not run ahead buffering its pushes.
        tokio::time::sleep(stall).await;
        assert!(
            (&mut response).now_or_never().is_none(),
            "the handler finished while its client read nothing"
        );
    }
    // Every PUSH_PROMISE comes on the request's stream before the final response's
    // head; once the head is in, the promises are all there. (h2's client does not wake
    // a task waiting for promises when the stream ends without one: waiting on promises
    // alone would wait until something else woke it.) Pushed responses are read as they
    // come, in the order promised: the server waits for the client to take them.
    let mut promises = response.push_promises();
    let mut reading = futures_util::stream::FuturesOrdered::new();
    let mut pushes = Vec::new();
    let mut head = None;
    let mut promised = 0;
    while head.is_none() || !reading.is_empty() {
        tokio::select! {
            biased;
            Some(pushed) = reading.next(), if !reading.is_empty() => pushes.push(pushed),
            promise = promises.push_promise(), if head.is_none() => match promise {
                Some(promise) => {
                    let promise = promise.unwrap();
                    if decline(promised) {
                        // Dropping a promised response before it arrives resets it.
                        drop(promise);
                    } else {
                        reading.push_back(read_pushed(promise));
                    }
                    promised += 1;
                }
                None => head = Some((&mut response).await.unwrap()),
            },
            arrived = &mut response, if head.is_none() => {
                while let Some(Some(promise)) = promises.push_promise().now_or_never() {
                    reading.push_back(read_pushed(promise.unwrap()));
                }
                head = Some(arrived.unwrap());
            }
        }
    }
    let head = head.unwrap();
    let status = head.status();
    let body = read(head.into_body()).await;
    (pushes, status, serde_json::from_slice(&body).unwrap())
}

async fn read_pushed(promise: h2::client::PushPromise) -> Received {
    let (request, pushed) = promise.into_parts();
    assert_eq!(request.method(), http::Method::GET);
    let scheme = request.uri().scheme_str().map(str::to_string);
    let response = pushed.await.unwrap();
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (offset, content_type) = (header("offset"), header("content-type"));
    let body = read(response.into_body()).await;
    Received {
        scheme,
        path: request.uri().path().to_string(),
        status,
        offset,
        content_type,
        body: serde_json::from_slice(&body).unwrap(),
    }
}

async fn read(mut body: h2::RecvStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
        out.extend_from_slice(&chunk);
    }
    out
}

#[tokio::test]
async fn each_push_is_a_push_promise_then_its_response_then_the_final_response() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let (pushes, status, body) = post_with_push(addr, r#"{"topic":"t","maxEvents":3}"#).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            body,
            serde_json::json!({"consumerId": "c-t", "topic": "t", "delivered": 3})
        );
        let paths: Vec<&str> = pushes.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/consumers/c-t/events/0",
                "/consumers/c-t/events/1",
                "/consumers/c-t/events/2"
            ]
        );
        for (i, push) in pushes.iter().enumerate() {
            assert_eq!(push.status, StatusCode::OK);
            assert_eq!(
                push.offset.as_deref(),
                Some(i.to_string().as_str()),
                "typed header"
            );
            assert_eq!(push.content_type.as_deref(), Some("application/json"));
        }
        assert_eq!(
            pushes[0].body,
            serde_json::json!({"kind": "message", "text": "message 0", "priority": "high"})
        );
        assert_eq!(
            pushes[1].body,
            serde_json::json!({"kind": "heartbeat", "at": "2026-11-24T00:00:01Z"})
        );
    })
    .await;
}

#[tokio::test]
async fn ten_thousand_pushes_arrive_none_lost_in_order() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let (pushes, status, body) =
            post_with_push(addr, r#"{"topic":"many","maxEvents":10000}"#).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["delivered"], 10000);
        assert_eq!(pushes.len(), 10_000);
        for (i, push) in pushes.iter().enumerate() {
            assert_eq!(push.path, format!("/consumers/c-many/events/{i}"));
        }
    })
    .await;
}

#[tokio::test]
async fn over_tls_alpn_h2_gets_the_pushes_with_the_https_scheme_and_the_generated_client_reads_them()
 {
    bounded(async {
        use tokio_rustls::rustls;
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let cert = certified.cert.der().clone();
        let key =
            rustls::pki_types::PrivateKeyDer::try_from(certified.key_pair.serialize_der()).unwrap();
        let server = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)
            .unwrap();
        let consumers = TestConsumers {
            observed: Observed::default(),
        };
        let app = router_with_config(consumers, ServerConfig::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(
            pushgen_runtime::server::serve(listener, app)
                .tls(std::sync::Arc::new(server))
                .into_future(),
        );

        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert).unwrap();
        let mut client = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        client.alpn_protocols = vec![b"h2".to_vec()];
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client))
            .connect(name, tcp)
            .await
            .unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        let uri = format!("https://localhost:{}/consumers", addr.port());
        let body = r#"{"topic":"tls","maxEvents":3}"#;
        let (pushes, status, body) =
            post_on(tls, uri, body, h2::client::Builder::new(), |_| false, None).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["delivered"], 3);
        assert_eq!(pushes.len(), 3);
        for (i, push) in pushes.iter().enumerate() {
            assert_eq!(push.scheme.as_deref(), Some("https"));
            assert_eq!(push.path, format!("/consumers/c-tls/events/{i}"));
        }

        // The generated client, given the test's root of trust.
        let mut roots = rustls::RootCertStore::empty();
        roots.add(certified.cert.der().clone()).unwrap();
        let trust = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = ConsumerApiClient::new(format!("https://localhost:{}", addr.port()))
            .with_push_binding(PushBinding::Http2Push)
            .with_http2_tls(runtime_client::Http2Tls::new(trust));
        support::observe_every_push(&client, "tls", 3).await;

        // Without that trust (the platform's roots), the test's certificate is refused:
        // a typed error, not a panic, and no push.
        let untrusting = ConsumerApiClient::new(format!("https://localhost:{}", addr.port()))
            .with_push_binding(PushBinding::Http2Push);
        let mut none = Collect::default();
        let refused = untrusting
            .create_consumer(&request("tls", Some(3)), &mut none)
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, runtime_client::Error::Connection(e) if e.contains("certificate")),
            "{refused:?}"
        );
        assert!(none.pushes.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_push_the_client_resets_is_declined_and_the_others_go_on() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let (pushes, status, body) = post_with(
            addr,
            r#"{"topic":"some","maxEvents":20}"#,
            h2::client::Builder::new(),
            |i| i % 3 == 1,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["delivered"], 20, "the handler's sends all succeeded");
        let offsets: Vec<String> = pushes.into_iter().filter_map(|p| p.offset).collect();
        let expected: Vec<String> = (0..20)
            .filter(|i| i % 3 != 1)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(offsets, expected);
    })
    .await;
}

#[tokio::test]
async fn a_slow_client_slows_the_handler_and_then_gets_every_push() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let mut settings = h2::client::Builder::new();
        // Windows of 4 KiB: about a hundred small pushes' bodies.
        settings
            .initial_window_size(4096)
            .initial_connection_window_size(4096);
        let stall = Some(std::time::Duration::from_millis(500));
        let (pushes, status, body) = post_with(
            addr,
            r#"{"topic":"slow-reader","maxEvents":2000}"#,
            settings,
            |_| false,
            stall,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["delivered"], 2000);
        assert_eq!(pushes.len(), 2000);
        assert!(
            pushes
                .iter()
                .enumerate()
                .all(|(i, p)| p.offset == Some(i.to_string()))
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_shutdown_ends_the_pushes_and_then_the_connection() {
    bounded(async {
        let shutdown = Shutdown::new();
        let consumers = TestConsumers {
            observed: Observed::default(),
        };
        let app = router_with_config(consumers, ServerConfig::default().shutdown(&shutdown));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(
            pushgen_runtime::server::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                    shutdown.trigger();
                })
                .into_future(),
        );
        // `forever` pushes every millisecond until a send fails; the h2 crate's client
        // and the generated one each take such a stream.
        let client =
            tokio::spawn(async move { post_with_push(addr, r#"{"topic":"forever"}"#).await });
        let generated = tokio::spawn(async move {
            let client = ConsumerApiClient::new(format!("http://{addr}"))
                .with_push_binding(PushBinding::Http2Push);
            let mut stream = client.create_consumer_stream(&request("forever", None));
            let mut pushes = 0;
            loop {
                match stream.next_event().await {
                    Ok(runtime_client::Pushed::Push(_)) => pushes += 1,
                    Ok(runtime_client::Pushed::Final(response)) => return (pushes, response),
                    other => panic!("after {pushes} pushes: {other:?}"),
                }
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        stop.send(()).unwrap();
        let (pushes, status, body) = client.await.unwrap();
        assert!(!pushes.is_empty(), "pushes before the shutdown");
        // The handler's send failed, and its answer still reached the client.
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, serde_json::json!({"message": "client left"}));
        let (pushes, response) = generated.await.unwrap();
        assert!(pushes > 0, "pushes before the shutdown");
        assert_eq!(
            response,
            Response::BadRequest {
                body: types::Error {
                    message: "client left".into()
                }
            }
        );
        // And the server finished: every connection closed.
        server.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_generated_client_observes_pushes_over_http2_push() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"))
            .with_push_binding(PushBinding::Http2Push);
        support::observe_every_push(&client, "h2", 10_000).await;

        // The same as a `Stream`, picked per call.
        let plain = ConsumerApiClient::new(format!("http://{addr}"));
        let items: Vec<_> = plain
            .create_consumer_stream(&request("s", Some(2)))
            .binding(PushBinding::Http2Push)
            .collect()
            .await;
        assert_eq!(items.len(), 3);
        assert!(matches!(&items[0], Ok(runtime_client::Pushed::Push(p)) if *p == event("c-s", 0)));
        assert!(matches!(
            &items[2],
            Ok(runtime_client::Pushed::Final(Response::Created { .. }))
        ));

        // An error before any push is the plain answer, typed.
        let mut none = Collect::default();
        let response = client
            .create_consumer(&request("", None), &mut none)
            .await
            .unwrap();
        assert!(none.pushes.is_empty());
        assert_eq!(
            response,
            Response::BadRequest {
                body: types::Error {
                    message: "topic is empty".into()
                }
            }
        );
    })
    .await;
}

/// Many whole exchanges in a row on one client, each of which must yield all its pushes
/// and then its final response: the end of an exchange, where the connection, the last
/// pushed bodies and the final response finish together, once lost the final response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exchange_ends_with_its_final_response() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let client = ConsumerApiClient::new(format!("http://{addr}"))
            .with_push_binding(PushBinding::Http2Push);
        for round in 0..20 {
            let mut stream = client.create_consumer_stream(&request("r", Some(300)));
            let mut pushes = 0;
            loop {
                match stream.next_event().await {
                    Ok(runtime_client::Pushed::Push(_)) => pushes += 1,
                    Ok(runtime_client::Pushed::Final(response)) => {
                        assert!(matches!(response, Response::Created { .. }), "{response:?}");
                        break;
                    }
                    other => panic!("round {round}, after {pushes} pushes: {other:?}"),
                }
            }
            assert_eq!(pushes, 300, "round {round}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_error_before_any_push_is_the_plain_response() {
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let (pushes, status, body) = post_with_push(addr, r#"{"topic":""}"#).await;
        assert!(pushes.is_empty());
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, serde_json::json!({"message": "topic is empty"}));
    })
    .await;
}

fn have(program: &str, test: &str, fix: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    found || peer_missing(test, &format!("`{program}` is not on PATH"), fix)
}

/// Runs a peer to its end off the test's runtime, which serves it meanwhile.
async fn run(mut command: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().expect("run the peer"))
        .await
        .unwrap()
}

/// The body file `nghttp -d` sends.
fn body_file(name: &str, body: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("pushgen-h2push-{name}-{}.json", std::process::id()));
    std::fs::write(&path, body).unwrap();
    path
}

/// `nghttp -v` posting `body` to the consumer server at `addr`: its frame log and status.
async fn nghttp_post(addr: SocketAddr, name: &str, body: &str) -> std::process::Output {
    let file = body_file(name, body);
    let mut nghttp = Command::new("nghttp");
    nghttp
        .args(["-v", "-H", "content-type: application/json", "-d"])
        .arg(&file)
        .arg(format!("http://{addr}/consumers"));
    let output = run(nghttp).await;
    let _ = std::fs::remove_file(&file);
    output
}

#[tokio::test]
async fn nghttp_receives_the_promises_and_the_pushed_bodies() {
    if !have(
        "nghttp",
        "nghttp_receives_the_promises_and_the_pushed_bodies",
        "install Debian's nghttp2-client",
    ) {
        return;
    }
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let output = nghttp_post(addr, "nghttp", r#"{"topic":"t","maxEvents":2}"#).await;
        let log = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "nghttp failed:\n{log}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // Two PUSH_PROMISE frames on the request's stream, with the expanded paths.
        let promises: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("recv PUSH_PROMISE frame"))
            .collect();
        assert_eq!(promises.len(), 2, "{log}");
        for path in ["/consumers/c-t/events/0", "/consumers/c-t/events/1"] {
            assert!(
                log.contains(&format!(":path: {path}")),
                "no promise of {path}:\n{log}"
            );
        }
        assert!(log.contains(":method: GET"), "{log}");
        // The pushed responses' typed header and their JSON bodies, then the final one.
        assert!(log.contains("offset: 1"), "{log}");
        assert!(
            log.contains(r#"{"kind":"message","text":"message 0","priority":"high"}"#),
            "{log}"
        );
        assert!(
            log.contains(r#"{"kind":"heartbeat","at":"2026-11-24T00:00:01Z"}"#),
            "{log}"
        );
        assert!(log.contains(":status: 201"), "{log}");
        assert!(
            log.contains(r#"{"consumerId":"c-t","topic":"t","delivered":2}"#),
            "{log}"
        );
    })
    .await;
}

/// A hand-written HTTP/2 server on 127.0.0.1 that answers one `POST /consumers` with
/// the pushes `pushes` (path, status, body), then `201` and a consumer.
async fn pushing_server(pushes: Vec<(&'static str, u16, &'static str)>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut connection = h2::server::handshake(tcp).await.unwrap();
        let (request, mut respond) = connection.accept().await.unwrap().unwrap();
        tokio::spawn(async move {
            let authority = request.uri().authority().unwrap().clone();
            for (path, status, body) in pushes {
                let promise = Request::get(format!("http://{authority}{path}"))
                    .body(())
                    .unwrap();
                let mut pushed = respond.push_request(promise).unwrap();
                let head = http::Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .header("offset", "0")
                    .body(())
                    .unwrap();
                let mut stream = pushed.send_response(head, false).unwrap();
                stream
                    .send_data(Bytes::from_static(body.as_bytes()), true)
                    .unwrap();
            }
            let head = http::Response::builder().status(201).body(()).unwrap();
            let mut stream = respond.send_response(head, false).unwrap();
            let consumer = r#"{"consumerId":"c","topic":"t","delivered":1}"#;
            stream
                .send_data(Bytes::from_static(consumer.as_bytes()), true)
                .unwrap();
        });
        // Serve the connection until the client is done with it.
        while let Some(Ok(_)) = connection.accept().await {}
    });
    addr
}

/// What a peer pushes that no push item matches is skipped (a newer server's push); what
/// an item's path matches but whose response does not read is a typed error. Neither
/// panics.
#[tokio::test]
async fn an_unknown_promise_is_skipped_and_an_unreadable_push_is_a_typed_error() {
    bounded(async {
        let event = r#"{"kind":"message","text":"hi"}"#;
        let addr = pushing_server(vec![
            (
                "/consumers/c/unknown/0",
                200,
                r#"{"what":"a newer server's push"}"#,
            ),
            ("/consumers/c/events/0", 200, event),
        ])
        .await;
        let client = ConsumerApiClient::new(format!("http://{addr}"))
            .with_push_binding(PushBinding::Http2Push);
        let mut observer = Collect::default();
        let response = client
            .create_consumer(&request("t", Some(1)), &mut observer)
            .await
            .unwrap();
        assert_eq!(observer.pushes.len(), 1, "{:?}", observer.pushes);
        assert!(matches!(response, Response::Created { .. }), "{response:?}");

        for (status, body) in [
            (200, r#"{"kind":"message","text":7}"#),
            (299, event),
            (200, "{"),
        ] {
            let addr = pushing_server(vec![("/consumers/c/events/0", status, body)]).await;
            let client = ConsumerApiClient::new(format!("http://{addr}"))
                .with_push_binding(PushBinding::Http2Push);
            let failed = client
                .create_consumer(&request("t", Some(1)), &mut Collect::default())
                .await
                .unwrap_err();
            assert!(
                matches!(failed, runtime_client::Error::Decode(_)),
                "{status} {body}: {failed:?}"
            );
        }
    })
    .await;
}

/// Many small pushes in a row, each a `PUSH_PROMISE`, a `HEADERS` and one `DATA` frame
/// that ends its stream (no empty frames, no window updates per push): nghttp2, whose
/// flood protection ends a connection that sends it too many frames of no use, takes
/// 2,000 of them and the final response without a `GOAWAY`.
#[tokio::test]
async fn nghttp_takes_two_thousand_small_pushes_without_tripping_its_flood_protection() {
    if !have(
        "nghttp",
        "nghttp_takes_two_thousand_small_pushes_without_tripping_its_flood_protection",
        "install Debian's nghttp2-client",
    ) {
        return;
    }
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let output = nghttp_post(addr, "flood", r#"{"topic":"f","maxEvents":2000}"#).await;
        let log = String::from_utf8_lossy(&output.stdout);
        let tail = || log.lines().rev().take(20).collect::<Vec<_>>().join("\n");
        assert!(output.status.success(), "nghttp failed:\n{}", tail());
        let promises = log
            .lines()
            .filter(|l| l.contains("recv PUSH_PROMISE frame"))
            .count();
        assert_eq!(promises, 2000, "{}", tail());
        let pushed_ends = log
            .lines()
            .filter(|l| l.contains("recv DATA frame") && l.contains("flags=0x01"))
            .count();
        // Every pushed body, and the final response's.
        assert_eq!(pushed_ends, 2001, "{}", tail());
        assert!(!log.contains("recv GOAWAY"), "{}", tail());
        for goaway in log.lines().filter(|l| l.contains("send GOAWAY")) {
            // nghttp's own goodbye when it is done is NO_ERROR; flood protection is not.
            let next = log.split(goaway).nth(1).unwrap_or("");
            assert!(
                next.lines().nth(1).is_some_and(|l| l.contains("NO_ERROR")),
                "nghttp ended the connection with an error:\n{}",
                tail()
            );
        }
        assert!(
            log.contains(r#""delivered":2000}"#),
            "no final response:\n{}",
            tail()
        );
    })
    .await;
}

/// `h2load` (same package as `nghttp`) loads the push operation: 400 requests, 4
/// connections, 10 streams each at a time. It disables push, so each answer is the final
/// response alone; asked for SSE, each is the whole stream, pushes included.
#[tokio::test]
async fn h2load_runs_a_bounded_load_of_push_requests_without_errors() {
    if !have(
        "h2load",
        "h2load_runs_a_bounded_load_of_push_requests_without_errors",
        "install Debian's nghttp2-client",
    ) {
        return;
    }
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let body = body_file("h2load", r#"{"topic":"load","maxEvents":5}"#);
        for accept in ["application/json", "text/event-stream"] {
            let mut h2load = Command::new("h2load");
            h2load
                .args(["-n", "400", "-c", "4", "-m", "10", "-T", "20"])
                .args(["-H", "content-type: application/json"])
                .args(["-H", &format!("accept: {accept}")])
                .arg("-d")
                .arg(&body)
                .arg(format!("http://{addr}/consumers"));
            let output = run(h2load).await;
            let log = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "h2load failed ({accept}):\n{log}");
            assert!(
                log.contains(
                    "requests: 400 total, 400 started, 400 done, 400 succeeded, 0 failed, \
                     0 errored, 0 timeout"
                ),
                "{accept}:\n{log}"
            );
            assert!(
                log.contains("status codes: 400 2xx, 0 3xx, 0 4xx, 0 5xx"),
                "{accept}:\n{log}"
            );
            // What the answers weighed: the final response (about 60 bytes) alone, or the
            // five pushes (about 150 bytes each as SSE) before it.
            let data: u64 = log
                .lines()
                .find_map(|l| l.strip_prefix("traffic: "))
                .and_then(|l| l.split(" data").next())
                .and_then(|l| l.rsplit('(').next())
                .and_then(|n| n.trim_end_matches(')').parse().ok())
                .unwrap_or_else(|| panic!("no data total in:\n{log}"));
            let per_answer = data / 400;
            match accept {
                "application/json" => assert!((40..100).contains(&per_answer), "{log}"),
                _ => assert!(per_answer > 500, "{log}"),
            }
        }
        let _ = std::fs::remove_file(&body);
    })
    .await;
}

#[tokio::test]
async fn curl_disables_push_and_gets_the_final_response_alone_or_sse() {
    if !have(
        "curl",
        "curl_disables_push_and_gets_the_final_response_alone_or_sse",
        "install curl",
    ) {
        return;
    }
    bounded(async {
        let addr = serve(Observed::default(), ServerConfig::default()).await;
        let curl = |accept: &'static str| {
            let mut curl = Command::new("curl");
            curl.args(["-sS", "--http2-prior-knowledge", "-H", "content-type: application/json"])
                .args(["-H", accept, "-d", r#"{"topic":"t","maxEvents":2}"#])
                .arg(format!("http://{addr}/consumers"));
            run(curl)
        };
        let plain = curl("accept: application/json").await;
        assert_eq!(
            String::from_utf8_lossy(&plain.stdout),
            r#"{"consumerId":"c-t","topic":"t","delivered":2}"#
        );
        let sse = curl("accept: text/event-stream").await;
        let sse = String::from_utf8_lossy(&sse.stdout);
        assert!(sse.starts_with("event: /consumers/{consumerId}/events/{offset}\n"), "{sse}");
        assert!(sse.ends_with("event: final\ndata: {\"status\":201,\"headers\":{},\"body\":{\"consumerId\":\"c-t\",\"topic\":\"t\",\"delivered\":2}}\n\n"), "{sse}");
    })
    .await;
}

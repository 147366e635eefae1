//! `server::serve`: a router is answered over HTTP/1.1 and over HTTP/2 with prior
//! knowledge on one port; a client that does not finish its request head in time loses
//! its connection; a graceful shutdown stops accepting and returns once the open
//! connections are done.

use pushgen_runtime::axum::{Router, routing::get};
use pushgen_runtime::reqwest;
use pushgen_runtime::server::{ConnectionConfig, serve};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn app() -> Router {
    Router::new().route("/hello", get(|| async { "hello" }))
}

async fn listener() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("the test took longer than 20 s")
}

#[tokio::test]
async fn http1_and_http2_are_served_on_one_port() {
    bounded(async {
        let (listener, addr) = listener().await;
        tokio::spawn(serve(listener, app()).into_future());
        let url = format!("http://{addr}/hello");

        let http1 = reqwest::Client::builder().http1_only().build().unwrap();
        let response = http1.get(&url).send().await.unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_11);
        assert_eq!(response.text().await.unwrap(), "hello");

        let http2 = reqwest::Client::builder()
            .http2_prior_knowledge()
            .build()
            .unwrap();
        let response = http2.get(&url).send().await.unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert_eq!(response.text().await.unwrap(), "hello");
    })
    .await;
}

#[tokio::test]
async fn a_head_not_finished_in_time_loses_its_connection() {
    bounded(async {
        let (listener, addr) = listener().await;
        let config = ConnectionConfig {
            header_read_timeout: Some(Duration::from_millis(300)),
            ..ConnectionConfig::default()
        };
        tokio::spawn(serve(listener, app()).config(config).into_future());

        // A slowloris: half a head, then nothing.
        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET /hello HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
        let mut rest = Vec::new();
        // The server closes it (after an optional `408`): the read ends, not hangs.
        let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest))
            .await
            .expect("the connection was still open 5 s after a 300 ms head timeout");
        assert!(
            read.is_err() || rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
            "{:?}",
            String::from_utf8_lossy(&rest)
        );

        // A client that sends its head in time is answered as ever.
        let response = reqwest::get(format!("http://{addr}/hello")).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "hello");
    })
    .await;
}

#[tokio::test]
async fn a_graceful_shutdown_waits_for_open_connections_then_returns() {
    bounded(async {
        let (listener, addr) = listener().await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        );
        let server = tokio::spawn(
            serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        let request = tokio::spawn(reqwest::get(format!("http://{addr}/slow")));
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).unwrap();

        // The request in flight is answered, then the server returns.
        let response = request.await.unwrap().unwrap();
        assert_eq!(response.text().await.unwrap(), "done");
        server.await.unwrap().unwrap();
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "the listener still accepts after the shutdown"
        );
    })
    .await;
}

#[tokio::test]
async fn past_the_connection_bound_a_connection_waits_for_a_free_slot() {
    bounded(async {
        let (listener, addr) = listener().await;
        let config = ConnectionConfig {
            max_connections: Some(2),
            ..ConnectionConfig::default()
        };
        tokio::spawn(serve(listener, app()).config(config).into_future());
        let hello = b"GET /hello HTTP/1.1\r\nhost: x\r\n\r\n";
        // Two connections hold both slots, each kept alive after its answer.
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
            c.write_all(hello).await.unwrap();
            let mut buf = [0u8; 512];
            assert!(c.read(&mut buf).await.unwrap() > 0);
            held.push(c);
        }
        // A third connects (the kernel's backlog takes it) but is not served...
        let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
        third.write_all(hello).await.unwrap();
        let mut buf = [0u8; 512];
        let waited = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
        assert!(waited.is_err(), "served past the bound");
        // ...until a slot frees.
        drop(held.pop());
        let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf))
            .await
            .expect("not served once a slot was free")
            .unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    })
    .await;
}

#[tokio::test]
async fn a_body_past_the_limit_is_refused_with_413() {
    bounded(async {
        let (listener, addr) = listener().await;
        let config = ConnectionConfig {
            max_request_body: 1024,
            ..ConnectionConfig::default()
        };
        let app = Router::new().route(
            "/echo",
            pushgen_runtime::axum::routing::post(
                |body: String| async move { body.len().to_string() },
            ),
        );
        tokio::spawn(serve(listener, app).config(config).into_future());
        let client = reqwest::Client::new();
        let url = format!("http://{addr}/echo");
        let small = client
            .post(&url)
            .body("x".repeat(1024))
            .send()
            .await
            .unwrap();
        assert_eq!(small.text().await.unwrap(), "1024");
        let large = client
            .post(&url)
            .body("x".repeat(1025))
            .send()
            .await
            .unwrap();
        assert_eq!(large.status().as_u16(), 413);
    })
    .await;
}

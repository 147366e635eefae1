//! What this crate's end-to-end tests share: a generated router served on 127.0.0.1,
//! and a bound on each test's time.

use std::net::SocketAddr;
use std::time::Duration;

/// Serves `app` on a free port of 127.0.0.1, in the background.
pub async fn serve(app: pushgen_build_test::rt::axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        pushgen_build_test::rt::server::serve(listener, app)
            .await
            .unwrap();
    });
    addr
}

/// `f`, or a panic if it takes over 60 s.
pub async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("the test took longer than 60 s")
}

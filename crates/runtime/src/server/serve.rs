//! Serving a generated router over TCP, HTTP/1.1 and HTTP/2 (cleartext, either found
//! from the first bytes), with the connection settings a push server needs.
//!
//! `axum::serve` also serves a router, but leaves hyper's buffers at their defaults
//! (up to about 400 KiB a connection, and 24 KiB held by each idle one, which with
//! thousands of open streams is most of a server's memory) and sets no timer, so a
//! client that never finishes its request head holds its connection forever. [`serve`]
//! bounds both, and the number of connections and the size of request bodies.

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use futures_util::future::BoxFuture;
use http::uri::Scheme;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::future::{Future, IntoFuture};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;

/// How [`serve`] treats each connection.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// How long a client may take to send a request's head; then its connection is
    /// closed. Without it, clients that send heads a byte at a time (a slowloris) hold
    /// connections open until the server runs out. `None` waits forever.
    pub header_read_timeout: Option<Duration>,
    /// The most one connection buffers: a request head being read (a longer one is
    /// refused with `431 Request Header Fields Too Large`), and over HTTP/1.1 a response
    /// body being written, beyond what a stream's push buffer holds. At least 8 KiB,
    /// the default: hyper then keeps one 8 KiB read buffer per connection (past 8 KiB it
    /// grows to 16 KiB as soon as a connection has read its first request), which for a
    /// server holding thousands of quiet streams is most of its memory. Raise it for
    /// clients that send larger heads (many cookies, large tokens).
    pub max_buf_size: usize,
    /// Over HTTP/2, the most one stream buffers for writing.
    pub max_send_buf_size: usize,
    /// Disables Nagle's algorithm on every connection, so that a lone push leaves at
    /// once rather than after the peer's delayed acknowledgement.
    pub nodelay: bool,
    /// The most connections served at once; past it, new ones wait in the listener's
    /// backlog until one closes, so that a flood of connections cannot take every file
    /// descriptor (and the memory each holds). `None` has no bound. Every open push
    /// stream holds one connection over HTTP/1.1: size it for the watchers you expect.
    pub max_connections: Option<usize>,
    /// The longest request body read, in bytes; a longer one is refused with `413` as
    /// soon as the limit is passed, without reading the rest. A router's own
    /// `DefaultBodyLimit` layer takes precedence.
    pub max_request_body: usize,
    /// Serves HTTP/2 connections on the `h2` crate, so that push operations can use
    /// HTTP/2 server push (`PUSH_PROMISE`) with clients that allow it. Off, HTTP/2 is
    /// served by hyper, and pushes travel only as SSE or NDJSON.
    pub http2_push: bool,
    /// Over HTTP/2, the most streams a client may have open at once
    /// (`SETTINGS_MAX_CONCURRENT_STREAMS`).
    pub http2_max_concurrent_streams: u32,
}

impl Default for ConnectionConfig {
    /// A 30 s head timeout, 8 KiB of connection buffer and 64 KiB per HTTP/2 stream, no
    /// Nagle, 10,000 connections, 2 MiB bodies; HTTP/2 with server push, 200 streams a
    /// connection.
    fn default() -> Self {
        ConnectionConfig {
            header_read_timeout: Some(Duration::from_secs(30)),
            max_buf_size: 8 * 1024,
            max_send_buf_size: 64 * 1024,
            nodelay: true,
            max_connections: Some(10_000),
            max_request_body: 2 * 1024 * 1024,
            http2_push: true,
            http2_max_concurrent_streams: 200,
        }
    }
}

/// hyper refuses a smaller buffer: one must hold a typical request head.
pub(super) const MIN_BUF_SIZE: usize = 8 * 1024;

/// Serves `app` on `listener` until the listener fails for good, or the graceful
/// shutdown signal (if one is set) fires and every connection has finished.
///
/// ```no_run
/// # async fn run(app: pushgen_runtime::axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// pushgen_runtime::server::serve(listener, app).await
/// # }
/// ```
pub fn serve(listener: TcpListener, app: Router) -> Serve {
    Serve {
        listener,
        app,
        config: ConnectionConfig::default(),
        signal: None,
        #[cfg(feature = "tls")]
        tls: None,
    }
}

/// A server being set up; `.await` it to run it.
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve {
    listener: TcpListener,
    app: Router,
    config: ConnectionConfig,
    signal: Option<BoxFuture<'static, ()>>,
    #[cfg(feature = "tls")]
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Serve {
    /// Serves over TLS with `config`. ALPN picks the protocol: `h2` is HTTP/2 (with server
    /// push, as over h2c), `http/1.1` or none HTTP/1.1. A config that lists no ALPN
    /// protocols is given `h2` and `http/1.1`. A handshake not done within the head
    /// timeout closes the connection.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, config: Arc<tokio_rustls::rustls::ServerConfig>) -> Self {
        let config = if config.alpn_protocols.is_empty() {
            let mut own = (*config).clone();
            own.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Arc::new(own)
        } else {
            config
        };
        self.tls = Some(tokio_rustls::TlsAcceptor::from(config));
        self
    }

    pub fn config(mut self, config: ConnectionConfig) -> Self {
        self.config = config;
        self
    }

    /// When `signal` resolves, the server stops accepting connections, asks each open
    /// one to finish (HTTP/2 `GOAWAY`; HTTP/1.1 closes after the response in flight),
    /// and returns once all have. Open push streams only end if their router's
    /// [`ServerConfig::shutdown`](super::ServerConfig::shutdown) is triggered too.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Some(Box::pin(signal));
        self
    }

    async fn run(self) -> io::Result<()> {
        let builder = Arc::new(builder(&self.config));
        let app = self
            .app
            .layer(DefaultBodyLimit::max(self.config.max_request_body));
        let slots = self
            .config
            .max_connections
            .map(|n| Arc::new(Semaphore::new(n.max(1))));
        let (stop, stopped) = tokio::sync::watch::channel(());
        let mut signal = self
            .signal
            .unwrap_or_else(|| Box::pin(std::future::pending()));
        loop {
            // A free slot first, then a connection: at the bound, connections wait in
            // the kernel's backlog rather than in this process.
            let slot = match &slots {
                Some(slots) => tokio::select! {
                    slot = slots.clone().acquire_owned() => slot.ok(),
                    () = &mut signal => break,
                },
                None => None,
            };
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut signal => break,
            };
            let socket = match accepted {
                Ok((socket, _)) => socket,
                Err(e) => {
                    pause_after(&e).await;
                    continue;
                }
            };
            if self.config.nodelay {
                // Only a hint: a socket that refuses it is served all the same.
                let _ = socket.set_nodelay(true);
            }
            let connection = Connection {
                app: app.clone(),
                config: self.config.clone(),
                builder: builder.clone(),
                stopped: stopped.clone(),
            };
            #[cfg(feature = "tls")]
            let tls = self.tls.clone();
            tokio::spawn(async move {
                // Held until the connection ends.
                let _slot = slot;
                #[cfg(feature = "tls")]
                if let Some(acceptor) = tls {
                    return connection.serve_tls(socket, acceptor).await;
                }
                let push = connection.config.http2_push
                    && starts_http2(&socket, connection.config.header_read_timeout).await;
                connection.serve(socket, push, Scheme::HTTP).await;
            });
        }
        drop(self.listener);
        // Each connection's task holds a receiver: once all are dropped, all are done.
        stop.send_replace(());
        drop(stopped);
        stop.closed().await;
        Ok(())
    }
}

impl IntoFuture for Serve {
    type Output = io::Result<()>;
    type IntoFuture = BoxFuture<'static, io::Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

fn builder(config: &ConnectionConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .max_buf_size(config.max_buf_size.max(MIN_BUF_SIZE));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_send_buf_size(config.max_send_buf_size.max(MIN_BUF_SIZE));
    builder
}

/// What serving one accepted connection needs.
struct Connection {
    app: Router,
    config: ConnectionConfig,
    builder: Arc<auto::Builder<TokioExecutor>>,
    stopped: tokio::sync::watch::Receiver<()>,
}

impl Connection {
    /// Serves `io` to its end: on `h2` with server push when `push` (the client speaks
    /// HTTP/2 and push is on), else on hyper (HTTP/1.1, or HTTP/2 without push).
    async fn serve<I>(mut self, io: I, push: bool, scheme: Scheme)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        if push {
            let mut stopped = self.stopped;
            let stop = async move {
                let _ = stopped.changed().await;
            };
            let served = super::h2::serve_connection(io, self.app, &self.config, scheme, stop);
            if let Err(e) = served.await {
                tracing::debug!(error = %e, "an HTTP/2 connection ended with an error");
            }
            return;
        }
        let app = self.app;
        let service = hyper::service::service_fn(move |request| {
            let mut app = app.clone();
            async move { app.call(request.map(Body::new)).await }
        });
        let conn = self.builder.serve_connection(TokioIo::new(io), service);
        let mut conn = std::pin::pin!(conn);
        tokio::select! {
            result = conn.as_mut() => return finished(result),
            _ = self.stopped.changed() => conn.as_mut().graceful_shutdown(),
        }
        finished(conn.await);
    }

    /// One TLS connection: the handshake (within the head timeout), then HTTP/2 with
    /// push when ALPN chose `h2`.
    #[cfg(feature = "tls")]
    async fn serve_tls(self, socket: tokio::net::TcpStream, acceptor: tokio_rustls::TlsAcceptor) {
        let handshake = acceptor.accept(socket);
        let stream = match self.config.header_read_timeout {
            Some(limit) => match tokio::time::timeout(limit, handshake).await {
                Ok(stream) => stream,
                Err(_) => return,
            },
            None => handshake.await,
        };
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                tracing::debug!(error = %e, "a TLS handshake failed");
                return;
            }
        };
        let push = self.config.http2_push && stream.get_ref().1.alpn_protocol() == Some(b"h2");
        self.serve(stream, push, Scheme::HTTPS).await;
    }
}

/// Whether the connection starts with HTTP/2's preface (prior knowledge, h2c), judged
/// from its first bytes without taking them: as soon as one differs, it is HTTP/1.1.
/// A client that sends nothing within `timeout` is left to HTTP/1.1's own timer.
async fn starts_http2(socket: &tokio::net::TcpStream, timeout: Option<Duration>) -> bool {
    let peek = async {
        let mut buf = [0u8; super::h2::PREFACE.len()];
        // A peek does not take the bytes, so readiness says nothing new until more
        // arrive: wait between looks, longer each time (a client that stops half way
        // through the preface costs a few wake-ups, not a spin).
        let mut pause = Duration::from_millis(1);
        loop {
            let n = match socket.peek(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            if buf[..n] != super::h2::PREFACE[..n] {
                return false;
            }
            if n == buf.len() {
                return true;
            }
            // Part of the preface so far: wait for more to arrive.
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    };
    match timeout {
        Some(limit) => tokio::time::timeout(limit, peek).await.unwrap_or(false),
        None => peek.await,
    }
}

fn finished(result: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(e) = result {
        // A peer that goes away mid-request is ordinary for a server on a network.
        tracing::debug!(error = %e, "a connection ended with an error");
    }
}

/// After a failed `accept`: a connection that failed before it was accepted is the
/// peer's problem, and the next is tried at once; anything else (out of file
/// descriptors, say) is given a moment to pass, rather than spinning on it.
async fn pause_after(e: &io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "accepting a connection failed; retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

//! The axum side: reading requests for generated handlers, and answering push operations
//! over SSE — or, for clients that did not ask for pushes, with the final response alone.
//!
//! The response head is held until the handler's first push (then `200` and
//! `text/event-stream`; the handler's response travels in-band as the final event) or
//! until the handler returns without pushing (then an ordinary HTTP response with the
//! declared status). So errors before the first push are plain HTTP errors.

use crate::sse;
use crate::wire::{self, FINAL_EVENT, Parts, PushMessage, ResponseParts};
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use http::{HeaderName, HeaderValue, StatusCode, header};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

mod incoming;
pub use incoming::{Binding, Incoming, Rejection, RequestContext};

/// How generated routers behave.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Pushes buffered per stream before `PushSink::send` waits for the client.
    pub push_buffer: usize,
    /// A comment is sent after this long without a push, so proxies and clients know the
    /// stream is alive, and a gone client is noticed. `None` sends none.
    pub keep_alive: Option<Duration>,
    /// When triggered, every open stream ends (and its handler's next `send` fails), so
    /// a graceful shutdown does not wait forever on streams.
    pub shutdown: Option<Shutdown>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            push_buffer: 64,
            keep_alive: Some(Duration::from_secs(15)),
            shutdown: None,
        }
    }
}

/// A signal that ends every open push stream of the routers configured with it.
///
/// ```no_run
/// # use pushgen_runtime::{axum, server::Shutdown};
/// # async fn run(listener: tokio::net::TcpListener, app: axum::Router, shutdown: Shutdown,
/// #              stop_requested: impl std::future::Future<Output = ()> + Send + 'static) {
/// // app = router_with_config(api, ServerConfig::default().shutdown(&shutdown))
/// let stop = shutdown.clone();
/// axum::serve(listener, app)
///     .with_graceful_shutdown(async move {
///         stop_requested.await;
///         stop.trigger(); // open streams end; axum then finishes the other requests
///     })
///     .await
///     .unwrap();
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Shutdown {
    tx: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        Shutdown {
            tx: Arc::new(tokio::sync::watch::Sender::new(false)),
        }
    }

    /// Ends every open stream now and every stream opened later.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    /// Resolves once triggered.
    async fn triggered(mut rx: tokio::sync::watch::Receiver<bool>) {
        if rx.wait_for(|stop| *stop).await.is_err() {
            // Never triggered and never can be: keep the stream.
            std::future::pending::<()>().await;
        }
    }
}

impl ServerConfig {
    pub fn push_buffer(mut self, pushes: usize) -> Self {
        self.push_buffer = pushes.max(1);
        self
    }

    pub fn keep_alive(mut self, interval: Option<Duration>) -> Self {
        self.keep_alive = interval;
        self
    }

    pub fn shutdown(mut self, shutdown: &Shutdown) -> Self {
        self.shutdown = Some(shutdown.clone());
        self
    }
}

/// The router's state: the user's implementation and the configuration.
pub struct Shared<A> {
    api: Arc<A>,
    config: Arc<ServerConfig>,
}

impl<A> Clone for Shared<A> {
    fn clone(&self) -> Self {
        Shared {
            api: self.api.clone(),
            config: self.config.clone(),
        }
    }
}

impl<A> Shared<A> {
    pub fn new(api: A, config: ServerConfig) -> Self {
        Shared {
            api: Arc::new(api),
            config: Arc::new(config),
        }
    }

    pub fn api(&self) -> Arc<A> {
        self.api.clone()
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Runs a push operation's handler and answers with its pushes and final response.
    ///
    /// The handler runs on its own task, so it outlives a client that disconnects: its
    /// next `send` fails, and it decides what to do about it.
    pub async fn serve_push<P, R, F, Fut>(&self, request: &Incoming, handler: F) -> Response
    where
        P: PushMessage + Send + 'static,
        R: ResponseParts + Send + 'static,
        F: FnOnce(PushSink<P>) -> Fut,
        Fut: Future<Output = R> + Send + 'static,
    {
        let streaming = request.binding() == Binding::Sse;
        let (tx, mut rx) = mpsc::channel::<Frame>(self.config.push_buffer.max(1));
        let sink = PushSink {
            tx: streaming.then(|| tx.clone()),
            _push: PhantomData,
        };
        let running = handler(sink);
        tokio::spawn(async move {
            let response = running.await;
            let _ = tx.send(Frame::Final(response.to_parts())).await;
        });
        match rx.recv().await {
            Some(Frame::Final(parts)) => plain(parts),
            Some(first) => sse_stream(first, rx, &self.config),
            None => internal_error("the handler ended without a response"),
        }
    }
}

/// What travels from a handler's task to the response body.
enum Frame {
    /// Commit the `200` head now.
    Open,
    /// One encoded SSE event.
    Event(Bytes),
    /// The handler's response.
    Final(Result<Parts, wire::EncodeError>),
}

/// Where a push operation's handler sends pushes.
///
/// `send` waits while the client is slower than the handler (the buffer is
/// [`ServerConfig::push_buffer`] pushes) and fails once the client is gone. When the
/// client did not ask for pushes (no `Accept: text/event-stream`), pushes are dropped:
/// the seed says a server *may* push.
pub struct PushSink<P> {
    tx: Option<mpsc::Sender<Frame>>,
    _push: PhantomData<fn(P)>,
}

impl<P> Clone for PushSink<P> {
    fn clone(&self) -> Self {
        PushSink {
            tx: self.tx.clone(),
            _push: PhantomData,
        }
    }
}

impl<P> fmt::Debug for PushSink<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushSink")
            .field("streaming", &self.tx.is_some())
            .finish()
    }
}

/// Why a push was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// The client is gone (or the response already ended).
    Closed,
    /// The push could not be encoded.
    Encode(String),
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Closed => write!(f, "the client is gone"),
            PushError::Encode(e) => write!(f, "cannot encode the push: {e}"),
        }
    }
}

impl std::error::Error for PushError {}

impl<P: PushMessage> PushSink<P> {
    /// Pushes `push` to the client.
    pub async fn send(&self, push: impl Into<P>) -> Result<(), PushError> {
        self.send_event(None, push.into()).await
    }

    /// Pushes `push` with an event id, which a client reconnecting after a lost
    /// connection sends back as `Last-Event-ID`.
    pub async fn send_with_id(&self, id: &str, push: impl Into<P>) -> Result<(), PushError> {
        self.send_event(Some(id), push.into()).await
    }

    async fn send_event(&self, id: Option<&str>, push: P) -> Result<(), PushError> {
        let Some(tx) = &self.tx else {
            return Ok(());
        };
        let envelope = push.encode().map_err(|e| PushError::Encode(e.0))?;
        let data = wire::envelope_json(&envelope).map_err(|e| PushError::Encode(e.0))?;
        let mut buf = BytesMut::with_capacity(data.len() + envelope.event.len() + 32);
        sse::encode_event(&mut buf, Some(&envelope.event), id, &data)
            .map_err(|e| PushError::Encode(e.to_string()))?;
        tx.send(Frame::Event(buf.freeze()))
            .await
            .map_err(|_| PushError::Closed)
    }

    /// Commits the `200` stream head now, before the first push — to start keep-alives
    /// while the handler waits. Errors after this travel in-band as the final event.
    pub async fn open(&self) -> Result<(), PushError> {
        match &self.tx {
            Some(tx) => tx.send(Frame::Open).await.map_err(|_| PushError::Closed),
            None => Ok(()),
        }
    }

    /// Whether pushes reach the client (it asked for `text/event-stream`).
    pub fn is_streaming(&self) -> bool {
        self.tx.is_some()
    }

    /// Resolves once the client is gone. Never resolves when the client did not ask for
    /// pushes, since there is no stream to lose.
    pub async fn closed(&self) {
        match &self.tx {
            Some(tx) => tx.closed().await,
            None => std::future::pending().await,
        }
    }
}

/// The answer for a client that gets the final response alone.
fn plain(parts: Result<Parts, wire::EncodeError>) -> Response {
    match parts {
        Ok(parts) => {
            let status =
                StatusCode::from_u16(parts.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = match &parts.body {
                Some(body) => {
                    let mut r = Response::new(Body::from(body.get().to_string()));
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    r
                }
                None => Response::new(Body::empty()),
            };
            *response.status_mut() = status;
            for (name, value) in &parts.headers {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    response.headers_mut().append(name, value);
                }
            }
            response
        }
        Err(e) => internal_error(&e.to_string()),
    }
}

/// `404`, as an RFC 9457 problem: a path that fits a route but none of its operations.
pub fn not_found() -> Response {
    Rejection {
        status: 404,
        message: "no operation has this path".into(),
    }
    .into_response()
}

/// Answers a plain (non-push) operation.
pub fn respond<R: ResponseParts>(response: &R) -> Response {
    plain(response.to_parts())
}

fn internal_error(message: &str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, message.to_string()).into_response()
}

fn final_event(parts: Result<Parts, wire::EncodeError>) -> Bytes {
    let data = parts
        .and_then(|p| wire::final_json(&p))
        .unwrap_or_else(|e| {
            // The declared response could not be encoded: say so in-band, as a 500.
            let message = serde_json::to_string(&e.0).unwrap_or_else(|_| "\"\"".into());
            format!("{{\"status\":500,\"headers\":{{}},\"body\":{{\"message\":{message}}}}}")
        });
    let mut buf = BytesMut::with_capacity(data.len() + 24);
    // The event name is a constant without line breaks and the data is JSON: no error.
    let _ = sse::encode_event(&mut buf, Some(FINAL_EVENT), None, &data);
    buf.freeze()
}

struct StreamState {
    rx: mpsc::Receiver<Frame>,
    first: Option<Frame>,
    keep_alive: Option<Duration>,
    shutdown: Option<tokio::sync::watch::Receiver<bool>>,
    done: bool,
}

/// What the stream waits for between frames.
enum Wake {
    Frame(Option<Frame>),
    Idle,
    Shutdown,
}

fn sse_stream(first: Frame, rx: mpsc::Receiver<Frame>, config: &ServerConfig) -> Response {
    let state = StreamState {
        rx,
        first: Some(first),
        keep_alive: config.keep_alive,
        shutdown: config.shutdown.as_ref().map(|s| s.tx.subscribe()),
        done: false,
    };
    let body = futures_util::stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        loop {
            let wake = match state.first.take() {
                Some(frame) => Wake::Frame(Some(frame)),
                None => {
                    let idle = async {
                        match state.keep_alive {
                            Some(idle) => tokio::time::sleep(idle).await,
                            None => std::future::pending().await,
                        }
                    };
                    let stop = async {
                        match state.shutdown.clone() {
                            Some(rx) => Shutdown::triggered(rx).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        frame = state.rx.recv() => Wake::Frame(frame),
                        () = idle => Wake::Idle,
                        () = stop => Wake::Shutdown,
                    }
                }
            };
            let frame = match wake {
                Wake::Frame(frame) => frame,
                Wake::Idle => {
                    let mut buf = BytesMut::new();
                    sse::encode_comment(&mut buf, "keep-alive");
                    return Some((Ok::<_, std::convert::Infallible>(buf.freeze()), state));
                }
                // The server is going down: end the stream; the handler's sends now fail.
                Wake::Shutdown => return None,
            };
            match frame {
                Some(Frame::Open) => continue,
                Some(Frame::Event(bytes)) => return Some((Ok(bytes), state)),
                Some(Frame::Final(parts)) => {
                    state.done = true;
                    return Some((Ok(final_event(parts)), state));
                }
                // The handler's task ended without a response (it panicked).
                None => return None,
            }
        }
    });
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}

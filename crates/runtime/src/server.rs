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
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

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

/// How the client asked to receive an operation's pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// `Accept: text/event-stream`.
    Sse,
    /// Anything else: the final response alone.
    Plain,
}

/// What a handler knows about its request, besides the typed parameters and body.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    /// The `Last-Event-ID` a reconnecting client sent: the id of the last push it got.
    pub last_event_id: Option<String>,
}

/// A request, read for a generated handler: path parameters, headers, and the body.
#[derive(Debug)]
pub struct Incoming {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    path: Vec<(String, String)>,
    body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for Incoming {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let path = match RawPathParams::from_request_parts(&mut parts, state).await {
            Ok(params) => params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            Err(rejection) => return Err(rejection.into_response()),
        };
        let method = parts.method.clone();
        let uri = parts.uri.clone();
        let headers = parts.headers.clone();
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Incoming {
            method,
            uri,
            headers,
            path,
            body,
        })
    }
}

/// A request the handler could not read: `400` with an RFC 9457 problem saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub message: String,
}

impl Rejection {
    fn bad(message: String) -> Self {
        Rejection {
            status: 400,
            message,
        }
    }

    /// `application/problem+json` (RFC 9457): a standard shape any client can read,
    /// since the operation's own error type cannot be built here.
    pub fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let problem = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Bad Request"),
            "status": status.as_u16(),
            "detail": self.message,
        });
        let mut response = Response::new(Body::from(problem.to_string()));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        Rejection::into_response(self)
    }
}

impl Incoming {
    /// The binding the client asked for, from `Accept`.
    pub fn binding(&self) -> Binding {
        let accepts_sse = self
            .headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|range| {
                let mut fields = range.split(';');
                let media = fields.next().unwrap_or("").trim();
                let q_zero = fields.any(|p| {
                    let p = p.trim();
                    p.split_once('=')
                        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                        .and_then(|(_, q)| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                media.eq_ignore_ascii_case("text/event-stream") && !q_zero
            });
        if accepts_sse {
            Binding::Sse
        } else {
            Binding::Plain
        }
    }

    pub fn context(&self) -> RequestContext {
        RequestContext {
            method: self.method.clone(),
            uri: self.uri.clone(),
            headers: self.headers.clone(),
            last_event_id: self
                .headers
                .get("last-event-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        }
    }

    fn parse<T: DeserializeOwned>(what: &str, name: &str, text: &str) -> Result<T, Rejection> {
        wire::parse_text(text).map_err(|e| Rejection::bad(format!("{what} `{name}`: {e}")))
    }

    /// Whether the request's path matches `template` (the operation's path as the spec
    /// writes it). Routes that several operations share ask this to pick one.
    pub fn matches(&self, template: &str) -> bool {
        crate::path::matches(template, self.uri.path()).is_some()
    }

    /// The path parameter `name` of the operation at `template`: the request's path is
    /// matched against the template itself, so variables inside a segment (`{id}.json`)
    /// and variables axum could not route by name are read all the same. A variable the
    /// template repeats is read where it first appears.
    pub fn path_var<T: DeserializeOwned>(
        &self,
        template: &str,
        name: &str,
    ) -> Result<T, Rejection> {
        let index = crate::path::variables(template)
            .and_then(|names| names.iter().position(|n| *n == name));
        let values = crate::path::matches(template, self.uri.path());
        let text = match (index, &values) {
            (Some(i), Some(values)) => values.get(i).map(String::as_str),
            _ => None,
        }
        .ok_or_else(|| Rejection::bad(format!("the path does not fit `{template}` (`{name}`)")))?;
        Self::parse("path parameter", name, text)
    }

    /// Like [`Incoming::path_var`], for a variable in a `style` other than `simple`.
    pub fn path_styled<T: DeserializeOwned>(
        &self,
        template: &str,
        name: &str,
        style: crate::styles::Style,
        explode: bool,
    ) -> Result<T, Rejection> {
        let text: String = self.path_var(template, name)?;
        crate::styles::typed(crate::styles::from_path(name, &text, style, explode))
            .map_err(|e| Rejection::bad(format!("path parameter `{name}`: {e}")))
    }

    /// A required query parameter in a `style` other than exploded `form`.
    pub fn query_styled<T: DeserializeOwned>(
        &self,
        name: &str,
        style: crate::styles::Style,
        explode: bool,
    ) -> Result<T, Rejection> {
        self.query_styled_opt(name, style, explode)?
            .ok_or_else(|| Rejection::bad(format!("query parameter `{name}` is required")))
    }

    /// An optional query parameter in a `style` other than exploded `form`.
    pub fn query_styled_opt<T: DeserializeOwned>(
        &self,
        name: &str,
        style: crate::styles::Style,
        explode: bool,
    ) -> Result<Option<T>, Rejection> {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        crate::styles::from_query(&pairs, name, style, explode)
            .map(|value| {
                crate::styles::typed(value)
                    .map_err(|e| Rejection::bad(format!("query parameter `{name}`: {e}")))
            })
            .transpose()
    }

    /// A path parameter, by the name axum routed it with.
    pub fn path<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        let text = self
            .path
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| Rejection::bad(format!("path parameter `{name}` is missing")))?;
        Self::parse("path parameter", name, text)
    }

    fn query_values(&self, name: &str) -> Vec<String> {
        let query = self.uri.query().unwrap_or("");
        form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect()
    }

    /// A required query parameter.
    pub fn query<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        self.query_opt(name)?
            .ok_or_else(|| Rejection::bad(format!("query parameter `{name}` is required")))
    }

    /// An optional query parameter.
    pub fn query_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Rejection> {
        self.query_values(name)
            .first()
            .map(|v| Self::parse("query parameter", name, v))
            .transpose()
    }

    /// A list in the query, as repeated `name=value` pairs (or one comma-separated value).
    pub fn query_all<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        let values = self.query_values(name);
        Self::parse("query parameter", name, &values.join(","))
    }

    /// An optional list in the query: `None` when absent.
    pub fn query_all_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Rejection> {
        let values = self.query_values(name);
        if values.is_empty() {
            return Ok(None);
        }
        Self::parse("query parameter", name, &values.join(",")).map(Some)
    }

    /// A required header.
    pub fn header<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        self.header_opt(name)?
            .ok_or_else(|| Rejection::bad(format!("header `{name}` is required")))
    }

    /// An optional header.
    pub fn header_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Rejection> {
        match self.headers.get(name) {
            None => Ok(None),
            Some(value) => {
                let text = value
                    .to_str()
                    .map_err(|_| Rejection::bad(format!("header `{name}` is not text")))?;
                Self::parse("header", name, text).map(Some)
            }
        }
    }

    /// A required cookie.
    pub fn cookie<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        self.cookie_opt(name)?
            .ok_or_else(|| Rejection::bad(format!("cookie `{name}` is required")))
    }

    /// An optional cookie.
    pub fn cookie_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Rejection> {
        let found = self
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string());
        found.map(|v| Self::parse("cookie", name, &v)).transpose()
    }

    /// The JSON body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Rejection> {
        if self.body.is_empty() {
            return Err(Rejection::bad("a request body is required".into()));
        }
        serde_json::from_slice(&self.body).map_err(|e| Rejection::bad(format!("request body: {e}")))
    }

    /// An optional JSON body: `None` when the request has none.
    pub fn json_opt<T: DeserializeOwned>(&self) -> Result<Option<T>, Rejection> {
        self.optional(Self::json)
    }

    /// An optional body of any kind: `None` when the request has none, else `read`'s.
    pub fn optional<T>(
        &self,
        read: impl FnOnce(&Self) -> Result<T, Rejection>,
    ) -> Result<Option<T>, Rejection> {
        if self.body.is_empty() {
            return Ok(None);
        }
        read(self).map(Some)
    }

    fn required_body(&self) -> Result<&Bytes, Rejection> {
        if self.body.is_empty() {
            return Err(Rejection::bad("a request body is required".into()));
        }
        Ok(&self.body)
    }

    /// An `application/x-www-form-urlencoded` body, typed.
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, Rejection> {
        serde_urlencoded::from_bytes(self.required_body()?)
            .map_err(|e| Rejection::bad(format!("request body (form): {e}")))
    }

    /// A `text/*` body.
    pub fn text(&self) -> Result<String, Rejection> {
        String::from_utf8(self.required_body()?.to_vec())
            .map_err(|_| Rejection::bad("request body: text that is not UTF-8".into()))
    }

    /// A body as bytes (`application/octet-stream` and other binary media types).
    pub fn bytes(&self) -> Result<Bytes, Rejection> {
        self.required_body().cloned()
    }

    /// A body with its media type (multipart forms, media types pushgen does not read).
    pub fn raw(&self) -> Result<crate::wire::Raw, Rejection> {
        let bytes = self.required_body()?.clone();
        let content_type = self
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        Ok(crate::wire::Raw {
            content_type,
            bytes,
        })
    }
}

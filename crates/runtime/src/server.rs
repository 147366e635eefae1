//! The axum side: reading requests for generated handlers, and answering streaming
//! operations in the format the request selects ([`crate::binding`]).
//!
//! - Envelope mode ([`Shared::serve_push`], [`PushSink`]): pushes over SSE, NDJSON or
//!   JSON Lines, then the final response in-band; for clients that did not ask for a
//!   stream, the final response alone.
//! - Item mode ([`Shared::serve_items`], [`ItemSink`]): the items in the media type the
//!   spec declares, then its terminal marker; stream-conditional operations answer
//!   either way from one handler.
//!
//! Both share one rule: the response head is held until the handler's first push or item
//! (then `200` and the stream's media type) or until the handler returns without one
//! (then an ordinary HTTP response with the declared status). So errors before the first
//! push are plain HTTP errors. Keep-alives, shutdown and back-pressure are the same for
//! every format (`stream.rs`).

use crate::wire::{self, Parts, ResponseParts};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode, header};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod auth;
mod h2;
mod hub;
mod incoming;
mod items;
mod pipe;
mod push;
mod record;
mod serve;
mod stream;
pub use auth::{Attempt, Presented, Refusal, authenticate, authenticate_optional};
pub use h2::H2Push;
pub use hub::{Behind, Hub, HubConfig, PublishError, WatchError};
pub use incoming::{Binding, Incoming, Rejection, RequestContext};
pub use items::ItemSink;
pub use push::PushSink;
pub use record::Recording;
pub use serve::{ConnectionConfig, Serve, serve};

/// How generated routers behave.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Pushes buffered per stream before `PushSink::send` (or `ItemSink::send`) waits
    /// for the client; small pushes are buffered up to 64 KiB however many they are.
    pub push_buffer: usize,
    /// A comment is sent after this long without a push, so proxies and clients know the
    /// stream is alive, and a gone client is noticed. `None` sends none.
    pub keep_alive: Option<Duration>,
    /// When triggered, every open stream ends (and its handler's next `send` fails), so
    /// a graceful shutdown does not wait forever on streams.
    pub shutdown: Option<Shutdown>,
    /// Sent as SSE's `retry:` at the start of every envelope-mode SSE stream: how long a
    /// client waits before it reconnects. `None` sends none (clients use their default,
    /// about 3 s for browsers).
    pub retry: Option<Duration>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            push_buffer: 64,
            keep_alive: Some(Duration::from_secs(15)),
            shutdown: None,
            retry: None,
        }
    }
}

/// A signal that ends every open push stream of the routers configured with it.
///
/// ```no_run
/// # use pushgen_runtime::{axum, server::{serve, Shutdown}};
/// # async fn run(listener: tokio::net::TcpListener, app: axum::Router, shutdown: Shutdown,
/// #              stop_requested: impl std::future::Future<Output = ()> + Send + 'static) {
/// // app = router_with_config(api, ServerConfig::default().shutdown(&shutdown))
/// let stop = shutdown.clone();
/// serve(listener, app)
///     .with_graceful_shutdown(async move {
///         stop_requested.await;
///         stop.trigger(); // open streams end; the server then finishes the other requests
///     })
///     .await
///     .unwrap();
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Shutdown {
    pub(crate) tx: Arc<tokio::sync::watch::Sender<bool>>,
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
    pub(crate) async fn triggered(mut rx: tokio::sync::watch::Receiver<bool>) {
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
}

/// Why a push or an item was not sent.
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

impl From<wire::EncodeError> for PushError {
    fn from(e: wire::EncodeError) -> Self {
        PushError::Encode(e.0)
    }
}

/// The answer for a client that gets the final response alone.
pub(crate) fn plain(parts: Result<Parts, wire::EncodeError>) -> Response {
    match parts {
        Ok(parts) => {
            let status =
                StatusCode::from_u16(parts.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = match &parts.body {
                Some(body) => {
                    let mut r = Response::new(Body::from(body.bytes().clone()));
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
    Rejection::new(404, "no operation has this path".into()).into_response()
}

/// The router's answer to a path that no operation has: `404`, as an RFC 9457 problem.
pub async fn no_operation() -> Response {
    not_found()
}

/// The router's answer to a method that the path's operations do not include: `405`, as
/// an RFC 9457 problem (axum adds `Allow`, listing the methods they do include).
pub async fn method_not_allowed() -> Response {
    Rejection::new(405, "no operation of this path has this method".into()).into_response()
}

/// Answers a plain (non-push) operation.
pub fn respond<R: ResponseParts>(response: &R) -> Response {
    plain(response.to_parts())
}

pub(crate) fn internal_error(message: &str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, message.to_string()).into_response()
}

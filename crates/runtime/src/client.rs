//! The reqwest side: building requests for generated client methods, and reading
//! streams in any binding ([`crate::binding`]) into typed pushes and a final response
//! (envelope mode, [`PushStream`]) or typed items (item mode, [`ItemStream`]).

use crate::binding::{FrameError, Media};
use crate::sse::Limits;
use crate::wire::{DecodeError, EncodeError, Parts, ResponseParts};
use serde_json::value::RawValue;
use std::any::Any;
use std::fmt;
use std::time::Duration;

mod auth;
mod call;
mod h2push;
mod http2_tls;
mod items;
mod push;
mod read;
mod recent;
mod resume;

pub use auth::{Credentials, RequestHook};
pub use call::{Call, Method};
pub use http2_tls::Http2Tls;
pub use items::{ItemEvent, ItemStream};
pub use push::PushStream;

/// Why a call failed. A declared response is not an `Error` when the operation returns
/// its response enum; only a stream that got a response instead of its items
/// ([`Error::Response`]) carries one.
pub enum Error {
    /// The request could not be sent or the response not read.
    Request(reqwest::Error),
    /// An argument could not be encoded.
    Encode(EncodeError),
    /// The server answered with a status the operation does not declare; `body` is the
    /// start of what it sent (at most [`EXCERPT`] bytes).
    UnexpectedStatus { status: u16, body: String },
    /// The server's bytes do not match the API.
    Decode(DecodeError),
    /// The stream broke its format's rules or a size limit.
    Frame(FrameError),
    /// The stream ended before its end: before the final response (envelope mode) or
    /// before the declared terminal marker (item mode).
    Truncated,
    /// An item stream got a declared response instead of its items (an error the server
    /// answered before the first item). [`Error::response`] gives it typed.
    Response {
        status: u16,
        response: Box<dyn Any + Send + Sync>,
    },
    /// The server sent the stream's declared error item (`x-push-error`) after the
    /// stream had started. [`Error::failure`] gives it typed.
    Failure(Box<RawValue>),
    /// Nothing arrived for this long (keep-alives count): the connection is taken as
    /// dead. See [`Config::idle_timeout`].
    Idle(Duration),
    /// A plain answer is longer than [`Config::max_body`].
    TooLarge { limit: usize },
    /// A push stream broke off (`cause`) after the push with id `last_event_id`, and was
    /// not resumed: the operation is not resumable, or reconnecting was turned off or
    /// gave up ([`Reconnect`]). A caller may resume it by hand from that id.
    Interrupted {
        last_event_id: String,
        cause: Box<Error>,
    },
    /// The request breaks rules its schemas declare (`maxLength`, `minimum`, …), and the
    /// client checks before it sends ([`Config::validate_requests`]): nothing was sent.
    Invalid(crate::validate::Violations),
    /// The HTTP/2 exchange of [`PushBinding::Http2Push`] broke the protocol or could
    /// not be started, described.
    Http2(String),
    /// The connection of [`PushBinding::Http2Push`] could not be made or broke off,
    /// described. A resumable operation reconnects, as after [`Error::Truncated`].
    Connection(String),
}

/// How much of an undeclared answer's body an error keeps.
pub const EXCERPT: usize = 1024;

impl Error {
    /// The declared response an item stream got instead of its items, as the operation's
    /// response enum `R` (`operations::op::Response`).
    pub fn response<R: 'static>(&self) -> Option<&R> {
        match self {
            Error::Response { response, .. } => response.downcast_ref(),
            _ => None,
        }
    }

    /// The stream's declared error item, read as `T`.
    pub fn failure<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        match self {
            Error::Failure(raw) => serde_json::from_str(raw.get()).ok(),
            _ => None,
        }
    }

    pub(crate) fn undeclared(status: u16, body: &[u8]) -> Self {
        let mut end = body.len().min(EXCERPT);
        while end > 0 && std::str::from_utf8(&body[..end]).is_err() {
            end -= 1;
        }
        Error::UnexpectedStatus {
            status,
            body: String::from_utf8_lossy(&body[..end]).into_owned(),
        }
    }

    /// A response enum read from `parts`, or the error saying why it cannot be.
    pub(crate) fn read_response<R: ResponseParts>(parts: &Parts) -> Result<R, Error> {
        R::from_parts(parts).map_err(|e| match e {
            DecodeError::Status(status) => Error::undeclared(
                status,
                parts.body.as_ref().map_or(&[][..], |body| body.bytes()),
            ),
            other => Error::Decode(other),
        })
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Request(e) => f.debug_tuple("Request").field(e).finish(),
            Error::Encode(e) => f.debug_tuple("Encode").field(e).finish(),
            Error::UnexpectedStatus { status, body } => f
                .debug_struct("UnexpectedStatus")
                .field("status", status)
                .field("body", body)
                .finish(),
            Error::Decode(e) => f.debug_tuple("Decode").field(e).finish(),
            Error::Frame(e) => f.debug_tuple("Frame").field(e).finish(),
            Error::Truncated => f.write_str("Truncated"),
            Error::Response { status, .. } => f
                .debug_struct("Response")
                .field("status", status)
                .finish_non_exhaustive(),
            Error::Failure(raw) => f.debug_tuple("Failure").field(&raw.get()).finish(),
            Error::Idle(after) => f.debug_tuple("Idle").field(after).finish(),
            Error::TooLarge { limit } => f.debug_struct("TooLarge").field("limit", limit).finish(),
            Error::Interrupted {
                last_event_id,
                cause,
            } => f
                .debug_struct("Interrupted")
                .field("last_event_id", last_event_id)
                .field("cause", cause)
                .finish(),
            Error::Invalid(v) => f.debug_tuple("Invalid").field(v).finish(),
            Error::Http2(e) => f.debug_tuple("Http2").field(e).finish(),
            Error::Connection(e) => f.debug_tuple("Connection").field(e).finish(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Request(e) => write!(f, "request failed: {e}"),
            Error::Encode(e) => write!(f, "{e}"),
            Error::UnexpectedStatus { status, body } => {
                write!(f, "undeclared status {status}")?;
                if !body.is_empty() {
                    let shown: String = body.chars().take(200).collect();
                    write!(f, ": {shown}")?;
                }
                Ok(())
            }
            Error::Decode(e) => write!(f, "unexpected response: {e}"),
            Error::Frame(e) => write!(f, "broken stream: {e}"),
            Error::Truncated => write!(f, "the stream was cut before its end"),
            Error::Response { status, .. } => {
                write!(f, "the server answered {status} instead of a stream")
            }
            Error::Failure(raw) => {
                let shown: String = raw.get().chars().take(200).collect();
                write!(f, "the stream failed: {shown}")
            }
            Error::Idle(after) => write!(f, "nothing arrived for {after:?}"),
            Error::TooLarge { limit } => write!(f, "the answer is longer than {limit} bytes"),
            Error::Interrupted {
                last_event_id,
                cause,
            } => write!(
                f,
                "the stream broke off after the push with id `{last_event_id}`: {cause}"
            ),
            Error::Invalid(v) => write!(f, "the request breaks its schema's rules: {v}"),
            Error::Http2(e) => write!(f, "HTTP/2: {e}"),
            Error::Connection(e) => write!(f, "the connection: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Request(e) => Some(e),
            Error::Encode(e) => Some(e),
            Error::Decode(e) => Some(e),
            Error::Frame(e) => Some(e),
            Error::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

/// What a push stream yields: pushes, then the final response; and, when asked for
/// ([`PushStream::with_notices`]), notices of what happened to the stream on the way.
#[derive(Debug, Clone, PartialEq)]
pub enum Pushed<P, R> {
    Push(P),
    Final(R),
    Notice(Notice),
}

/// Something that happened to a push stream, rather than something its server pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// The connection broke off; the client reconnects after `after`, naming the last
    /// push it got (`last_event_id`), for the `attempt`th time in a row.
    Reconnecting {
        attempt: u32,
        after: Duration,
        last_event_id: Option<String>,
        cause: String,
    },
    /// The server no longer holds what came after the last push this client got: pushes
    /// were missed. What follows starts from `oldest`, the oldest the server still holds.
    Gap { oldest: Option<String> },
}

/// How a push stream of a resumable operation (a `GET`, or one marked
/// `x-push-resumable: true`) comes back when its connection breaks off.
///
/// The client waits (the server's `retry:` if it sent one, else [`Reconnect::delay`],
/// clamped to [`Reconnect::min_delay`]..=[`Reconnect::max_delay`], doubled for each
/// attempt in a row, with up to a fifth of jitter), then repeats the request with
/// `Last-Event-ID`. A push whose id it already got is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    /// Reconnects in a row, without a push in between, before the stream fails with
    /// [`Error::Interrupted`]; `0` turns reconnecting off.
    pub attempts: u32,
    /// The first wait when the server sent no `retry:`.
    pub delay: Duration,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Reconnect {
    /// 8 attempts, 1 s first, between 100 ms and 30 s.
    fn default() -> Self {
        Reconnect {
            attempts: 8,
            delay: Duration::from_secs(1),
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl Reconnect {
    /// No reconnecting.
    pub fn off() -> Self {
        Reconnect {
            attempts: 0,
            ..Reconnect::default()
        }
    }

    /// The wait before attempt `attempt` (from 1), given the server's `retry:`.
    pub fn wait(&self, attempt: u32, retry: Option<Duration>, jitter: f64) -> Duration {
        let base = retry
            .unwrap_or(self.delay)
            .clamp(self.min_delay, self.max_delay.max(self.min_delay));
        let doubled = base.saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let jittered = doubled.mul_f64(1.0 + 0.2 * jitter.clamp(0.0, 1.0));
        jittered.min(self.max_delay.max(self.min_delay))
    }
}

/// The stream format a client asks envelope-mode operations for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PushBinding {
    /// Server-Sent Events (`text/event-stream`).
    #[default]
    Sse,
    /// NDJSON (`application/x-ndjson`).
    NdJson,
    /// JSON Lines (`application/jsonl`).
    JsonLines,
    /// HTTP/2 server push: each push a `PUSH_PROMISE` and its pushed response, on an
    /// HTTP/2 connection of the stream's own: cleartext with prior knowledge for
    /// `http://`, TLS with ALPN `h2` for `https://` (the runtime's `rustls` feature;
    /// settings from [`Http2Tls`]). Pushes with ids resume as over SSE.
    Http2Push,
}

impl PushBinding {
    /// The stream format it asks for; `None` for HTTP/2 push, which asks for none.
    pub fn media(self) -> Option<Media> {
        match self {
            PushBinding::Sse => Some(Media::EventStream),
            PushBinding::NdJson => Some(Media::NdJson),
            PushBinding::JsonLines => Some(Media::JsonLines),
            PushBinding::Http2Push => None,
        }
    }
}

/// How a client reads what servers send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Bounds on one line and one event of a stream.
    pub limits: Limits,
    /// The longest plain (non-stream) answer read; longer is [`Error::TooLarge`].
    pub max_body: usize,
    /// A stream with no bytes for this long is dead ([`Error::Idle`]). Keep-alives
    /// count, so it should exceed the server's keep-alive interval (pushgen's: 15 s).
    /// Streams have no total timeout. `None` waits forever.
    pub idle_timeout: Option<Duration>,
    /// The format envelope-mode operations ask for.
    pub push_binding: PushBinding,
    /// How push streams of resumable operations reconnect.
    pub reconnect: Reconnect,
    /// Check each request against the rules its schemas declare (`maxLength`,
    /// `minimum`, `pattern`, …) before sending it, and fail with [`Error::Invalid`]
    /// instead of sending one the server would refuse. Off by default: a generated
    /// server checks them anyway, and the check costs a walk of the body.
    pub validate_requests: bool,
}

impl Default for Config {
    /// 16 MiB lines and events, 64 MiB plain answers, 120 s idle, SSE.
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            max_body: 64 * 1024 * 1024,
            idle_timeout: Some(Duration::from_secs(120)),
            push_binding: PushBinding::Sse,
            reconnect: Reconnect::default(),
            validate_requests: false,
        }
    }
}

/// What every generated client holds: where the API is and how to reach it.
#[derive(Debug, Clone)]
pub struct Inner {
    base: String,
    http: reqwest::Client,
    config: Config,
    credentials: std::sync::Arc<Credentials>,
    /// TLS for [`PushBinding::Http2Push`]'s own connections.
    http2_tls: Option<Http2Tls>,
}

impl Inner {
    pub fn new(base_url: String) -> Self {
        Self::with_http_client(base_url, reqwest::Client::new())
    }

    pub fn with_http_client(base_url: String, http: reqwest::Client) -> Self {
        Inner {
            base: base_url.trim_end_matches('/').to_string(),
            http,
            config: Config::default(),
            credentials: Default::default(),
            http2_tls: None,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Bounds on what a server's stream may make the client hold.
    pub fn set_sse_limits(&mut self, limits: Limits) {
        self.config.limits = limits;
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// The credentials, default headers and hook every request gets. A client's clones
    /// share them until one changes them.
    pub fn credentials_mut(&mut self) -> &mut Credentials {
        std::sync::Arc::make_mut(&mut self.credentials)
    }

    /// Sets the credential for `scheme`.
    pub fn set_credential(
        &mut self,
        scheme: &'static crate::auth::Scheme,
        credential: crate::auth::Credential,
    ) {
        self.credentials_mut().set(scheme, credential);
    }

    /// The TLS settings of [`PushBinding::Http2Push`] for `https://` URLs.
    pub fn set_http2_tls(&mut self, tls: Http2Tls) {
        self.http2_tls = Some(tls);
    }

    /// Starts a request to `template` (an OpenAPI path template).
    pub fn request(&self, method: Method, template: &'static str) -> Call {
        Call::new(
            self.http.clone(),
            self.base.clone(),
            self.config,
            self.credentials.clone(),
            method,
            template,
        )
        .with_http2_tls(self.http2_tls.clone())
    }
}

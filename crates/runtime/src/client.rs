//! The reqwest side: building requests for generated client methods, and reading push
//! streams into typed pushes and a final response.

use crate::sse::{self, Decoder, Limits};
use crate::wire::{self, DecodeError, EncodeError, FINAL_EVENT, Parts, PushMessage, ResponseParts};
use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use reqwest::Method;

/// Why a call failed. A declared error status is not an `Error`: it is a variant of the
/// operation's response enum.
#[derive(Debug)]
pub enum Error {
    /// The request could not be sent or the response not read.
    Request(reqwest::Error),
    /// An argument could not be encoded.
    Encode(EncodeError),
    /// The server answered with a status the operation does not declare.
    UnexpectedStatus { status: u16, body: String },
    /// The server's bytes do not match the API.
    Decode(DecodeError),
    /// The event stream broke the SSE rules or a size limit.
    Sse(sse::SseError),
    /// The stream ended before the final response.
    Incomplete,
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
            Error::Sse(e) => write!(f, "broken event stream: {e}"),
            Error::Incomplete => write!(f, "the stream ended before the final response"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Request(e) => Some(e),
            Error::Encode(e) => Some(e),
            Error::Decode(e) => Some(e),
            Error::Sse(e) => Some(e),
            Error::UnexpectedStatus { .. } | Error::Incomplete => None,
        }
    }
}

/// What a push stream yields: pushes, then the final response.
#[derive(Debug, Clone, PartialEq)]
pub enum Pushed<P, R> {
    Push(P),
    Final(R),
}

/// What every generated client holds: where the API is and how to reach it.
#[derive(Debug, Clone)]
pub struct Inner {
    base: String,
    http: reqwest::Client,
    limits: Limits,
}

impl Inner {
    pub fn new(base_url: String) -> Self {
        Self::with_http_client(base_url, reqwest::Client::new())
    }

    pub fn with_http_client(base_url: String, http: reqwest::Client) -> Self {
        Inner {
            base: base_url.trim_end_matches('/').to_string(),
            http,
            limits: Limits::default(),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Bounds on what a server's event stream may make the client hold.
    pub fn set_sse_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Starts a request to `template` (an OpenAPI path template).
    pub fn request(&self, method: Method, template: &'static str) -> Call {
        Call {
            http: self.http.clone(),
            base: self.base.clone(),
            limits: self.limits,
            method,
            template,
            path: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            error: None,
        }
    }
}

/// A request being built. Encoding errors are kept and reported when it is sent.
#[derive(Debug)]
pub struct Call {
    http: reqwest::Client,
    base: String,
    limits: Limits,
    method: Method,
    template: &'static str,
    path: Vec<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
    body: Option<(Cow<'static, str>, Vec<u8>)>,
    error: Option<EncodeError>,
}

impl Call {
    fn keep<T>(&mut self, result: Result<T, EncodeError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }

    /// The next path variable of the template.
    pub fn path<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        let text = wire::text(value);
        if let Some(text) = self.keep(text) {
            self.path.push(text);
        }
        self
    }

    /// A path variable in a `style` other than `simple` (`label`, `matrix`).
    pub fn path_styled<T: Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
        style: crate::styles::Style,
        explode: bool,
    ) -> Self {
        let value = serde_json::to_value(value).map_err(EncodeError::from);
        if let Some(value) = self.keep(value) {
            let text = crate::styles::path_text(name, &value, style, explode)
                .ok_or_else(|| EncodeError("a required path value is null".into()));
            if let Some(text) = self.keep(text) {
                self.path.push(text);
            }
        }
        self
    }

    /// A query parameter in a `style` (and `explode`) other than exploded `form`.
    pub fn query_styled<T: Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
        style: crate::styles::Style,
        explode: bool,
    ) -> Self {
        let value = serde_json::to_value(value).map_err(EncodeError::from);
        if let Some(value) = self.keep(value) {
            self.query
                .extend(crate::styles::query_pairs(name, &value, style, explode));
        }
        self
    }

    /// A query parameter; `None` adds nothing, a list adds one pair per item.
    pub fn query<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let value = serde_json::to_value(value).map_err(EncodeError::from);
        match self.keep(value) {
            Some(serde_json::Value::Array(items)) => {
                for item in items {
                    let text = wire::text_opt(&item);
                    if let Some(Some(text)) = self.keep(text) {
                        self.query.push((name.to_string(), text));
                    }
                }
            }
            Some(value) => {
                let text = wire::text_opt(&value);
                if let Some(Some(text)) = self.keep(text) {
                    self.query.push((name.to_string(), text));
                }
            }
            None => {}
        }
        self
    }

    /// A header; `None` adds nothing.
    pub fn header<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let text = wire::text_opt(value);
        if let Some(Some(text)) = self.keep(text) {
            self.headers.push((name.to_string(), text));
        }
        self
    }

    /// A cookie; `None` adds nothing.
    pub fn cookie<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let text = wire::text_opt(value);
        if let Some(Some(text)) = self.keep(text) {
            self.cookies.push((name.to_string(), text));
        }
        self
    }

    /// A JSON body sent as `content_type`.
    pub fn json<T: Serialize + ?Sized>(mut self, content_type: &'static str, body: &T) -> Self {
        let bytes = serde_json::to_vec(body).map_err(EncodeError::from);
        if let Some(bytes) = self.keep(bytes) {
            self.body = Some((Cow::Borrowed(content_type), bytes));
        }
        self
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized>(mut self, content_type: &'static str, body: &T) -> Self {
        let text = serde_urlencoded::to_string(body).map_err(|e| EncodeError(e.to_string()));
        if let Some(text) = self.keep(text) {
            self.body = Some((Cow::Borrowed(content_type), text.into_bytes()));
        }
        self
    }

    /// A `text/*` body.
    pub fn text(mut self, content_type: &'static str, body: &str) -> Self {
        self.body = Some((Cow::Borrowed(content_type), body.as_bytes().to_vec()));
        self
    }

    /// A body of bytes (`application/octet-stream` and other binary media types).
    pub fn bytes(mut self, content_type: &'static str, body: &[u8]) -> Self {
        self.body = Some((Cow::Borrowed(content_type), body.to_vec()));
        self
    }

    /// A body with its own media type (a multipart form with its boundary).
    pub fn raw(mut self, body: &wire::Raw) -> Self {
        self.body = Some((Cow::Owned(body.content_type.clone()), body.bytes.to_vec()));
        self
    }

    /// An optional body of any kind: `add` writes it when there is one.
    pub fn maybe<T: ?Sized>(self, body: Option<&T>, add: impl FnOnce(Self, &T) -> Self) -> Self {
        match body {
            Some(body) => add(self, body),
            None => self,
        }
    }

    /// An optional JSON body.
    pub fn json_opt<T: Serialize + ?Sized>(
        self,
        content_type: &'static str,
        body: Option<&T>,
    ) -> Self {
        match body {
            Some(body) => self.json(content_type, body),
            None => self,
        }
    }

    fn build(self, accept: &'static str) -> Result<(reqwest::RequestBuilder, Limits), Error> {
        if let Some(e) = self.error {
            return Err(Error::Encode(e));
        }
        let path = wire::expand(self.template, &self.path).map_err(Error::Encode)?;
        let mut url = format!("{}{}", self.base, path);
        if !self.query.is_empty() {
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&self.query)
                .finish();
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query);
        }
        let mut request = self
            .http
            .request(self.method, url)
            .header(reqwest::header::ACCEPT, accept);
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if !self.cookies.is_empty() {
            let cookie: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header(reqwest::header::COOKIE, cookie.join("; "));
        }
        if let Some((content_type, bytes)) = self.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type.as_ref())
                .body(bytes);
        }
        Ok((request, self.limits))
    }

    /// Sends the request and reads the response.
    pub async fn send<R: ResponseParts>(self) -> Result<R, Error> {
        let (request, _) = self.build("application/json")?;
        let response = request.send().await.map_err(Error::Request)?;
        read_plain(response).await
    }

    /// Sends the request asking for pushes (SSE) when first polled.
    pub fn push_stream<P, R>(self) -> PushStream<P, R>
    where
        P: PushMessage + Send + 'static,
        R: ResponseParts + Send + 'static,
    {
        let built = self.build("text/event-stream, application/json;q=0.9");
        PushStream {
            inner: futures_util::stream::unfold(State::Start(built), step).boxed(),
        }
    }
}

/// Reads a response that is not an event stream: the final response alone.
async fn read_plain<R: ResponseParts>(response: reqwest::Response) -> Result<R, Error> {
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .collect();
    let bytes = response.bytes().await.map_err(Error::Request)?;
    let body = if bytes.is_empty() {
        None
    } else {
        serde_json::from_slice(&bytes).ok()
    };
    let parts = Parts {
        status,
        headers,
        body,
    };
    R::from_parts(&parts).map_err(|e| match e {
        DecodeError::Status(status) => Error::UnexpectedStatus {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        },
        other => Error::Decode(other),
    })
}

/// Pushes, then the final response, of one call. Ends after the final response; a
/// stream that ends before it yields [`Error::Incomplete`].
pub struct PushStream<P, R> {
    inner: BoxStream<'static, Result<Pushed<P, R>, Error>>,
}

impl<P, R> PushStream<P, R> {
    /// The next push or the final response; `Err(Error::Incomplete)` past the end.
    pub async fn next_event(&mut self) -> Result<Pushed<P, R>, Error> {
        self.inner.next().await.unwrap_or(Err(Error::Incomplete))
    }
}

impl<P, R> Stream for PushStream<P, R> {
    type Item = Result<Pushed<P, R>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<P, R> fmt::Debug for PushStream<P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PushStream")
    }
}

type Chunks = BoxStream<'static, Result<Bytes, reqwest::Error>>;

enum State {
    Start(Result<(reqwest::RequestBuilder, Limits), Error>),
    Events { chunks: Chunks, decoder: Decoder },
    Done,
}

async fn step<P, R>(state: State) -> Option<(Result<Pushed<P, R>, Error>, State)>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    match state {
        State::Done => None,
        State::Start(built) => {
            let (request, limits) = match built {
                Ok(built) => built,
                Err(e) => return Some((Err(e), State::Done)),
            };
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) => return Some((Err(Error::Request(e)), State::Done)),
            };
            let is_stream = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| {
                    v.split(';')
                        .next()
                        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream"))
                });
            if !is_stream {
                return Some((read_plain(response).await.map(Pushed::Final), State::Done));
            }
            let chunks = response.bytes_stream().boxed();
            next_event(chunks, Decoder::new(limits)).await
        }
        State::Events { chunks, decoder } => next_event(chunks, decoder).await,
    }
}

async fn next_event<P, R>(
    mut chunks: Chunks,
    mut decoder: Decoder,
) -> Option<(Result<Pushed<P, R>, Error>, State)>
where
    P: PushMessage,
    R: ResponseParts,
{
    loop {
        while let Some(event) = decoder.next_event() {
            if event.event == FINAL_EVENT {
                let result = wire::parse_final(&event.data)
                    .and_then(|parts| R::from_parts(&parts))
                    .map(Pushed::Final)
                    .map_err(|e| match e {
                        DecodeError::Status(status) => Error::UnexpectedStatus {
                            status,
                            body: event.data.clone(),
                        },
                        other => Error::Decode(other),
                    });
                return Some((result, State::Done));
            }
            if !P::EVENTS.contains(&event.event.as_str()) {
                // A push this version does not know (a newer server's), or an event that
                // is not a push at all: skipped unread.
                tracing::debug!(event = %event.event, "skipping an unknown event");
                continue;
            }
            let decoded = wire::parse_envelope(&event.event, &event.data)
                .and_then(|envelope| P::decode(&event.event, &envelope));
            match decoded {
                Ok(Some(push)) => {
                    return Some((Ok(Pushed::Push(push)), State::Events { chunks, decoder }));
                }
                Ok(None) => {
                    tracing::debug!(event = %event.event, "skipping an unknown push");
                }
                Err(e) => return Some((Err(Error::Decode(e)), State::Done)),
            }
        }
        match chunks.next().await {
            Some(Ok(bytes)) => {
                if let Err(e) = decoder.feed(&bytes) {
                    return Some((Err(Error::Sse(e)), State::Done));
                }
            }
            Some(Err(e)) => return Some((Err(Error::Request(e)), State::Done)),
            None => {
                decoder.finish();
                // `finish` may complete nothing: an unterminated event is discarded.
                return Some((Err(Error::Incomplete), State::Done));
            }
        }
    }
}

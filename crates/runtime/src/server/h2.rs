//! HTTP/2 served on the `h2` crate, so that push operations can send real server push
//! (`PUSH_PROMISE`, RFC 9113 section 8.4): hyper's server does not expose it.
//!
//! [`serve_connection`] accepts a connection's streams and hands each request to the
//! same router that serves HTTP/1.1, with an [`H2Push`] in its extensions; the router's
//! response goes back on the stream, its body written as the peer's flow control allows.
//! A push operation's handler finds the [`H2Push`] (through `Incoming`) and, when the
//! request selects no stream format, pushes through it (`server/push.rs`): each push a
//! promised `GET` of its expanded path, then the pushed response.

use super::serve::ConnectionConfig;
use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use futures_util::future::poll_fn;
use h2::server::SendResponse;
use h2::{RecvStream, SendStream};
use http::uri::{Authority, Scheme};
use http::{Request, Response, Uri};
use http_body::{Body as _, Frame};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite};
use tower_service::Service;

/// The client's connection preface: what an HTTP/2 connection with prior knowledge
/// (h2c) starts with.
pub(super) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Serves one HTTP/2 connection until the peer closes it, or `stop` resolves (then
/// `GOAWAY`, and the streams in flight finish).
pub(super) async fn serve_connection<I>(
    io: I,
    app: Router,
    config: &ConnectionConfig,
    scheme: Scheme,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), h2::Error>
where
    I: AsyncRead + AsyncWrite + Unpin,
{
    let mut connection = h2::server::Builder::new()
        .max_concurrent_streams(config.http2_max_concurrent_streams)
        .max_send_buffer_size(config.max_send_buf_size.max(super::serve::MIN_BUF_SIZE))
        .max_header_list_size(u32::try_from(config.max_buf_size).unwrap_or(u32::MAX))
        .handshake::<_, Bytes>(io)
        .await?;
    let mut stop = std::pin::pin!(stop);
    let mut stopping = false;
    loop {
        let accepted = tokio::select! {
            accepted = connection.accept() => accepted,
            () = &mut stop, if !stopping => {
                stopping = true;
                connection.graceful_shutdown();
                continue;
            }
        };
        match accepted {
            Some(Ok((request, respond))) => {
                let app = app.clone();
                let scheme = scheme.clone();
                tokio::spawn(serve_stream(request, respond, app, scheme));
            }
            Some(Err(e)) => return Err(e),
            None => return Ok(()),
        }
    }
}

/// One request: through the router, and its response back on the stream.
async fn serve_stream(
    request: Request<RecvStream>,
    respond: SendResponse<Bytes>,
    mut app: Router,
    scheme: Scheme,
) {
    let (mut parts, body) = request.into_parts();
    let respond = Arc::new(Mutex::new(respond));
    // h2 gives `:authority` in the URI; a request without one pushes for no authority
    // (a push needs one: such a request's pushes are dropped).
    let authority = parts.uri.authority().cloned();
    parts.extensions.insert(H2Push {
        respond: respond.clone(),
        scheme,
        authority,
    });
    let request = Request::from_parts(parts, Body::new(RecvBody::new(body)));
    let response = match app.call(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if let Err(e) = send_response(response, &respond).await {
        tracing::debug!(error = %e, "an HTTP/2 response ended early");
    }
}

/// Writes `response` on the stream `respond` answers: the head, then the body as flow
/// control allows, until it ends or the client resets the stream.
async fn send_response(
    response: Response<Body>,
    respond: &Mutex<SendResponse<Bytes>>,
) -> Result<(), h2::Error> {
    let (parts, mut body) = response.into_parts();
    let end = body.is_end_stream();
    let mut stream = lock(respond).send_response(Response::from_parts(parts, ()), end)?;
    if end {
        return Ok(());
    }
    loop {
        // The body may wait long (a stream between pushes): a client's reset ends it.
        let frame = tokio::select! {
            frame = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)) => frame,
            reset = poll_fn(|cx| stream.poll_reset(cx)) => {
                return Err(match reset {
                    Ok(reason) => h2::Error::from(reason),
                    Err(e) => e,
                });
            }
        };
        match frame {
            None => return send_data(&mut stream, Bytes::new(), true).await,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "a response body failed");
                stream.send_reset(h2::Reason::INTERNAL_ERROR);
                return Ok(());
            }
            Some(Ok(frame)) => match frame.into_data() {
                // A body that knows it has ended (a plain answer's) ends with its last
                // data, rather than with an empty frame after it.
                Ok(data) => {
                    let last = body.is_end_stream();
                    send_data(&mut stream, data, last).await?;
                    if last {
                        return Ok(());
                    }
                }
                Err(frame) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        return stream.send_trailers(trailers);
                    }
                }
            },
        }
    }
}

/// Sends `data` as the peer's flow-control window allows: waits for capacity rather
/// than buffering past it, so a slow client slows the sender, not the server's memory.
pub(super) async fn send_data(
    stream: &mut SendStream<Bytes>,
    mut data: Bytes,
    end: bool,
) -> Result<(), h2::Error> {
    if data.is_empty() {
        return if end {
            stream.send_data(data, true)
        } else {
            Ok(())
        };
    }
    while !data.is_empty() {
        stream.reserve_capacity(data.len());
        let granted = match poll_fn(|cx| stream.poll_capacity(cx)).await {
            Some(granted) => granted?,
            None => return Err(h2::Error::from(h2::Reason::STREAM_CLOSED)),
        };
        if granted == 0 {
            continue;
        }
        let chunk = data.split_to(granted.min(data.len()));
        stream.send_data(chunk, end && data.is_empty())?;
    }
    Ok(())
}

fn lock(respond: &Mutex<SendResponse<Bytes>>) -> std::sync::MutexGuard<'_, SendResponse<Bytes>> {
    // Nothing panics while holding it; a poisoned lock still holds a usable stream.
    respond
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a request served over HTTP/2 on `h2` can push with: its stream, and the scheme
/// and authority its promised requests carry. In the request's extensions.
#[derive(Clone)]
pub struct H2Push {
    respond: Arc<Mutex<SendResponse<Bytes>>>,
    scheme: Scheme,
    authority: Option<Authority>,
}

impl std::fmt::Debug for H2Push {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Push")
            .field("scheme", &self.scheme)
            .field("authority", &self.authority)
            .finish()
    }
}

/// Why a push could not be sent.
#[derive(Debug)]
pub(super) enum PushRefused {
    /// The client's `SETTINGS_ENABLE_PUSH` is 0, or the request has no authority to
    /// push for: nothing can be pushed on this request.
    Disabled,
    /// The stream or connection is gone.
    Closed,
    /// The push's head is not valid HTTP (a header value with a line break, say).
    Invalid(String),
}

impl H2Push {
    /// Promises `GET path` and sends the pushed response: `status`, `headers`, the
    /// push's `id` as `event-id`, and `body` as `application/json` when there is one.
    pub(super) async fn push(
        &self,
        path: &str,
        status: u16,
        headers: &[(String, String)],
        id: Option<&str>,
        body: Option<Bytes>,
    ) -> Result<(), PushRefused> {
        let Some(authority) = self.authority.clone() else {
            return Err(PushRefused::Disabled);
        };
        let uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(authority)
            .path_and_query(path)
            .build()
            .map_err(|e| PushRefused::Invalid(format!("push path {path:?}: {e}")))?;
        let promise = Request::get(uri)
            .body(())
            .map_err(|e| PushRefused::Invalid(e.to_string()))?;
        let mut pushed = lock(&self.respond).push_request(promise).map_err(refused)?;
        let mut head = Response::builder().status(status);
        for (name, value) in headers {
            head = head.header(name.as_str(), value.as_str());
        }
        if let Some(id) = id {
            head = head.header(crate::wire::EVENT_ID_HEADER, id);
        }
        if body.is_some() {
            head = head.header(http::header::CONTENT_TYPE, "application/json");
        }
        let head = head
            .body(())
            .map_err(|e| PushRefused::Invalid(e.to_string()))?;
        let sent = match pushed.send_response(head, body.is_none()) {
            Ok(mut stream) => match body {
                Some(body) => send_data(&mut stream, body, true).await,
                None => Ok(()),
            },
            Err(e) => Err(e),
        };
        match sent {
            Ok(()) => Ok(()),
            // The client reset the promised stream: it declined this push, which is
            // its right; the request and its other pushes go on.
            Err(_) if self.request_open() => Ok(()),
            Err(_) => Err(PushRefused::Closed),
        }
    }

    /// Whether the request's own stream is still open (not reset by the client). Asked
    /// only after a push failed; it takes the stream's reset waker from a concurrent
    /// `PushSink::closed`, whose next poll (a handler's next loop) registers it again.
    fn request_open(&self) -> bool {
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        lock(&self.respond).poll_reset(&mut cx).is_pending()
    }
}

impl H2Push {
    /// Resolves once the client resets the request's stream (or it is otherwise gone).
    pub(super) async fn reset(&self) {
        let _ = poll_fn(|cx| lock(&self.respond).poll_reset(cx)).await;
    }
}

fn refused(e: h2::Error) -> PushRefused {
    // h2 says "user error: ... disabled server push" only in its message.
    if e.to_string().contains("disabled server push") {
        PushRefused::Disabled
    } else {
        PushRefused::Closed
    }
}

/// A request body read from an HTTP/2 stream, returning the window as it is read.
struct RecvBody {
    recv: RecvStream,
    data_done: bool,
}

impl RecvBody {
    fn new(recv: RecvStream) -> Self {
        RecvBody {
            data_done: recv.is_end_stream(),
            recv,
        }
    }
}

impl http_body::Body for RecvBody {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        if !self.data_done {
            match self.recv.poll_data(cx) {
                Poll::Ready(Some(Ok(data))) => {
                    // The window comes back as the body is read, not when it arrives:
                    // a handler that reads slowly slows its client.
                    let _ = self.recv.flow_control().release_capacity(data.len());
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => self.data_done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
        match self.recv.poll_trailers(cx) {
            Poll::Ready(Ok(Some(trailers))) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Poll::Ready(Ok(None)) => Poll::Ready(None),
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data_done && self.recv.is_end_stream()
    }
}

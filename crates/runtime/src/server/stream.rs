//! What every streaming answer shares, whatever its format and mode: the held head, the
//! handler's task, back-pressure, keep-alives, shutdown, and writing frames that are
//! ready together as one chunk.

use super::{ServerConfig, Shutdown, internal_error, plain};
use crate::binding::Media;
use crate::wire::{self, Parts};
use axum::body::{Body, Bytes};
use axum::response::Response;
use bytes::BytesMut;
use futures_util::Stream;
use http::{HeaderName, HeaderValue, header};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

/// What travels from a handler's task to the response body.
pub(super) enum Frame {
    /// Commit the `200` head now.
    Open,
    /// Encoded bytes of one push or item.
    Data(Bytes),
    /// The handler's response.
    Final(Result<Parts, wire::EncodeError>),
}

/// How the handler's response ends a stream that has started.
pub(super) trait Ending: Send + Unpin + 'static {
    /// Whether the response is sent as a plain HTTP answer, when the handler returns
    /// before its first push or item.
    fn plain_if_first(&self, parts: &Parts) -> bool;
    /// The bytes that end the stream, `None` to end it without (abnormally).
    fn last_bytes(&self, parts: Result<Parts, wire::EncodeError>) -> Option<Bytes>;
}

/// A frame channel sized by the configuration.
pub(super) fn channel(config: &ServerConfig) -> (mpsc::Sender<Frame>, mpsc::Receiver<Frame>) {
    mpsc::channel(config.push_buffer.max(1))
}

/// Runs `running` on its own task (so it outlives a client that disconnects: its next
/// send fails, and it decides what to do) and answers from its frames.
pub(super) async fn answer<F, R, E>(
    running: F,
    tx: mpsc::Sender<Frame>,
    mut rx: mpsc::Receiver<Frame>,
    media: Media,
    ending: E,
    config: &ServerConfig,
) -> Response
where
    F: Future<Output = R> + Send + 'static,
    R: wire::ResponseParts + Send + 'static,
    E: Ending,
{
    tokio::spawn(async move {
        let response = running.await;
        let _ = tx.send(Frame::Final(response.to_parts())).await;
    });
    match rx.recv().await {
        Some(Frame::Final(Ok(parts))) if ending.plain_if_first(&parts) => plain(Ok(parts)),
        Some(Frame::Final(Err(e))) => plain(Err(e)),
        Some(first) => stream_response(first, rx, media, ending, config),
        None => internal_error("the handler ended without a response"),
    }
}

/// Frames ready at once are written as one chunk, up to this size: one write and one
/// wake-up of the client for many small pushes.
const COALESCE: usize = 64 * 1024;

struct StreamBody<E> {
    rx: mpsc::Receiver<Frame>,
    first: Option<Frame>,
    media: Media,
    ending: E,
    keep_alive: Option<(Duration, Pin<Box<Sleep>>)>,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    done: bool,
}

impl<E: Ending> StreamBody<E> {
    fn take_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Frame>> {
        match self.first.take() {
            Some(frame) => Poll::Ready(Some(frame)),
            None => self.rx.poll_recv(cx),
        }
    }
}

/// Bytes gathered for one chunk: the first piece kept as it is, copied only when a
/// second one joins it.
#[derive(Default)]
struct Gather {
    one: Option<Bytes>,
    many: Option<BytesMut>,
}

impl Gather {
    fn push(&mut self, bytes: Bytes) {
        if let Some(many) = &mut self.many {
            many.extend_from_slice(&bytes);
        } else if let Some(one) = self.one.take() {
            let mut many = BytesMut::with_capacity((one.len() + bytes.len()) * 4);
            many.extend_from_slice(&one);
            many.extend_from_slice(&bytes);
            self.many = Some(many);
        } else {
            self.one = Some(bytes);
        }
    }

    fn len(&self) -> usize {
        self.many
            .as_ref()
            .map_or_else(|| self.one.as_ref().map_or(0, Bytes::len), BytesMut::len)
    }

    fn take(self) -> Option<Bytes> {
        self.many.map(BytesMut::freeze).or(self.one)
    }
}

impl<E: Ending + Unpin> Stream for StreamBody<E> {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if let Some(stop) = &mut this.shutdown
            && stop.as_mut().poll(cx).is_ready()
        {
            // The server is going down: end the stream; the handler's sends now fail.
            this.done = true;
            return Poll::Ready(None);
        }
        let mut gathered = Gather::default();
        while gathered.len() < COALESCE {
            match this.take_frame(cx) {
                Poll::Pending => break,
                Poll::Ready(Some(Frame::Open)) => {}
                Poll::Ready(Some(Frame::Data(bytes))) => gathered.push(bytes),
                Poll::Ready(Some(Frame::Final(parts))) => {
                    if let Some(bytes) = this.ending.last_bytes(parts) {
                        gathered.push(bytes);
                    }
                    this.done = true;
                    break;
                }
                // The handler's task ended without a response (it panicked).
                Poll::Ready(None) => {
                    this.done = true;
                    break;
                }
            }
        }
        if let Some(bytes) = gathered.take() {
            if let Some((idle, sleep)) = &mut this.keep_alive {
                sleep.as_mut().reset(Instant::now() + *idle);
            }
            return Poll::Ready(Some(Ok(bytes)));
        }
        if this.done {
            return Poll::Ready(None);
        }
        if let Some((idle, sleep)) = &mut this.keep_alive
            && sleep.as_mut().poll(cx).is_ready()
        {
            sleep.as_mut().reset(Instant::now() + *idle);
            return Poll::Ready(Some(Ok(Bytes::from_static(this.media.keep_alive()))));
        }
        Poll::Pending
    }
}

fn stream_response<E: Ending + Unpin>(
    first: Frame,
    rx: mpsc::Receiver<Frame>,
    media: Media,
    ending: E,
    config: &ServerConfig,
) -> Response {
    let body = StreamBody {
        rx,
        first: Some(first),
        media,
        ending,
        keep_alive: config
            .keep_alive
            .map(|idle| (idle, Box::pin(tokio::time::sleep(idle)))),
        shutdown: config.shutdown.as_ref().map(|s| {
            let rx = s.tx.subscribe();
            Box::pin(Shutdown::triggered(rx)) as Pin<Box<dyn Future<Output = ()> + Send>>
        }),
        done: false,
    };
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}

//! What every streaming answer shares, whatever its format and mode: the held head, the
//! handler's task, keep-alives and shutdown. Back-pressure, and writing what is ready as
//! one chunk, come from the pipe the sinks write to (`pipe.rs`).

use super::pipe::{BodyEnd, End, First, Handling, Pipe, Read};
use super::{ServerConfig, Shutdown, internal_error, plain};
use crate::binding::Media;
use crate::wire::{self, Parts};
use axum::body::{Body, Bytes};
use axum::response::Response;
use futures_util::Stream;
use http::{HeaderName, HeaderValue, header};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// How the handler's response ends a stream that has started.
pub(super) trait Ending: Send + Unpin + 'static {
    /// Whether the response is sent as a plain HTTP answer, when the handler returns
    /// before its first push or item.
    fn plain_if_first(&self, parts: &Parts) -> bool;
    /// The bytes that end the stream well (`None`: nothing more), or [`Cut`] when the
    /// response means the stream failed. `id` is the id the last event is to carry.
    fn last_bytes(
        &self,
        parts: Result<Parts, wire::EncodeError>,
        id: Option<&str>,
    ) -> Result<Option<Bytes>, Cut>;
}

/// A stream that ended badly: its body is aborted rather than ended (HTTP/1.1 closes the
/// connection without the last chunk, HTTP/2 resets the stream), so that no reader, of
/// any kind, can take it for a complete answer.
#[derive(Debug)]
pub(super) struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the stream's handler failed after the stream had begun")
    }
}

impl std::error::Error for Cut {}

/// Runs `running` on its own task (so it outlives a client that disconnects: its next
/// send fails, and it decides what to do) and answers from what it writes to `pipe`.
pub(super) async fn answer<F, R, E>(
    running: F,
    pipe: Arc<Pipe>,
    media: Media,
    ending: E,
    config: &ServerConfig,
) -> Response
where
    F: Future<Output = R> + Send + 'static,
    R: wire::ResponseParts + Send + 'static,
    E: Ending,
{
    // Dropped with this future too, should the request go before its head is sent.
    let body_end = BodyEnd(pipe.clone());
    tokio::spawn(Handling::new(running, pipe.clone()));
    match poll_fn(|cx| pipe.poll_first(cx)).await {
        // A reconnect that named the stream's end: nothing follows it.
        First::Returned(End::Returned(_)) if pipe.no_content() => no_content(),
        First::Returned(End::Returned(Ok(parts))) if ending.plain_if_first(&parts) => {
            plain(Ok(parts))
        }
        First::Returned(End::Returned(Err(e))) => plain(Err(e)),
        First::Returned(End::Abandoned) => internal_error("the handler ended without a response"),
        First::Returned(end) => stream_response(body_end, Some(end), media, ending, config),
        First::Stream => stream_response(body_end, None, media, ending, config),
    }
}

struct StreamBody<E> {
    pipe: BodyEnd,
    /// The stream is to be cut at the next poll.
    cutting: bool,
    /// The handler's end, once read, to be written after the bytes before it.
    end: Option<End>,
    media: Media,
    ending: E,
    keep_alive: Option<KeepAlive>,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    done: bool,
}

/// One timer per stream. Writing does not touch it (that would cost a timer-wheel update
/// per chunk); when it fires early, it is set again from the last write.
struct KeepAlive {
    idle: Duration,
    sleep: Pin<Box<Sleep>>,
    last_write: Instant,
}

impl KeepAlive {
    /// Whether a keep-alive is due now; registers for the next one otherwise.
    fn poll_due(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.sleep.as_mut().poll(cx).is_pending() {
                return false;
            }
            let due = self.last_write + self.idle;
            if due <= Instant::now() {
                self.wrote();
                return true;
            }
            self.sleep.as_mut().reset(due);
        }
    }

    fn wrote(&mut self) {
        self.last_write = Instant::now();
    }
}

impl<E: Ending> StreamBody<E> {
    /// The end of the stream: its last bytes (if any), then nothing; or, when it failed,
    /// a cut. The cut waits one turn: hyper drops what it has not written yet when a
    /// body fails, and a `Pending` first makes it write what came before.
    fn finish(&mut self, end: End, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Cut>>> {
        let last = match end {
            // Cut (a subscriber that fell behind): the client is to resume.
            End::Returned(_) if self.pipe.0.is_cut() => Err(Cut),
            // After an error item nothing follows, whatever the handler returned: the
            // error said how the stream ended.
            End::Returned(_) if self.pipe.0.failed() => Ok(None),
            End::Returned(parts) => {
                let id = self.pipe.0.final_id();
                self.ending.last_bytes(parts, id.as_deref())
            }
            // The handler's task ended without a response (it panicked).
            End::Abandoned => Err(Cut),
        };
        match last {
            Ok(last) => {
                self.done = true;
                Poll::Ready(last.map(Ok))
            }
            Err(Cut) => {
                self.cutting = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

impl<E: Ending + Unpin> Stream for StreamBody<E> {
    type Item = Result<Bytes, Cut>;

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
        if this.cutting {
            this.done = true;
            return Poll::Ready(Some(Err(Cut)));
        }
        if let Some(end) = this.end.take() {
            return this.finish(end, cx);
        }
        match this.pipe.0.poll_read(cx) {
            Poll::Ready(Read::Bytes(bytes, end)) => {
                this.end = end;
                if let Some(keep_alive) = &mut this.keep_alive {
                    keep_alive.wrote();
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(Read::End(end)) => this.finish(end, cx),
            Poll::Pending => {
                let due = this.keep_alive.as_mut().is_some_and(|k| k.poll_due(cx));
                if due {
                    Poll::Ready(Some(Ok(Bytes::from_static(this.media.keep_alive()))))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

/// `204 No Content`: per the WHATWG rules, an `EventSource` stops reconnecting.
fn no_content() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = http::StatusCode::NO_CONTENT;
    response
}

fn stream_response<E: Ending + Unpin>(
    pipe: BodyEnd,
    end: Option<End>,
    media: Media,
    ending: E,
    config: &ServerConfig,
) -> Response {
    let body = StreamBody {
        pipe,
        cutting: false,
        end,
        media,
        ending,
        keep_alive: config.keep_alive.map(|idle| KeepAlive {
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
            last_write: Instant::now(),
        }),
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

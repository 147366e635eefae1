//! Reading a response: a plain answer, bounded, or the frames of a stream in whatever
//! format the server chose, with the idle timeout.

use super::{Config, Error};
use crate::binding::{Frame, FrameDecoder, Media};
use crate::wire::{Parts, ResponseParts};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

/// A response, once its head has arrived.
pub(super) enum Opened {
    /// The body is a stream in this format.
    Stream(Reader),
    /// Anything else: a plain answer.
    Plain(reqwest::Response),
}

/// Sends the request and sorts the answer by its `Content-Type`.
pub(super) async fn open(
    request: reqwest::RequestBuilder,
    config: &Config,
) -> Result<Opened, Error> {
    // The head counts as bytes too: a server that never answers is as dead as one that
    // stops sending.
    let response = match config.idle_timeout {
        Some(idle) => tokio::time::timeout(idle, request.send())
            .await
            .map_err(|_| Error::Idle(idle))?,
        None => request.send().await,
    }
    .map_err(Error::Request)?;
    let media = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(Media::from_content_type);
    Ok(match media {
        Some(media) => Opened::Stream(Reader::new(pump(response), media, config)),
        None => Opened::Plain(response),
    })
}

/// Chunks a stream's pump holds for its reader.
const PUMP_CHUNKS: usize = 8;

/// Reads a stream's body on a task of its own and hands the chunks over through a small
/// buffer.
///
/// hyper hands a body over one chunk at a time, each a round trip between the
/// connection's task and the reader. Where the reader is the future `#[tokio::main]`
/// blocks on rather than a runtime worker, every trip parks and wakes a thread, and a
/// stream read there was two to four times slower than one read on a worker. The pump
/// makes those trips on a worker; the reader is woken only when it has caught up.
fn pump(response: reqwest::Response) -> BoxStream<'static, Result<Bytes, reqwest::Error>> {
    let (tx, mut rx) = mpsc::channel(PUMP_CHUNKS);
    tokio::spawn(async move {
        let mut chunks = response.bytes_stream();
        loop {
            let next = tokio::select! {
                biased;
                // The reader dropped the stream: stop, and close the connection.
                () = tx.closed() => return,
                next = chunks.next() => next,
            };
            let Some(next) = next else { return };
            let failed = next.is_err();
            if tx.send(next).await.is_err() || failed {
                return;
            }
        }
    });
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}

/// The frames of a stream's body.
pub(super) struct Reader {
    chunks: BoxStream<'static, Result<Bytes, reqwest::Error>>,
    decoder: FrameDecoder,
    idle: Option<Idle>,
    ended: bool,
}

/// The idle timeout: one timer per stream, set again from the last chunk when it fires
/// early, rather than reset (a timer-wheel update) for every chunk.
struct Idle {
    limit: Duration,
    sleep: Pin<Box<Sleep>>,
    last_chunk: Instant,
}

impl Reader {
    fn new(
        chunks: BoxStream<'static, Result<Bytes, reqwest::Error>>,
        media: Media,
        config: &Config,
    ) -> Self {
        Reader {
            chunks,
            decoder: FrameDecoder::new(media, config.limits),
            idle: config.idle_timeout.map(|limit| Idle {
                limit,
                sleep: Box::pin(tokio::time::sleep(limit)),
                last_chunk: Instant::now(),
            }),
            ended: false,
        }
    }

    /// The wait before reconnecting that the stream asked for (SSE's `retry:`).
    pub(super) fn retry(&self) -> Option<Duration> {
        self.decoder.retry()
    }

    /// The next frame; `Ok(None)` at the end of the body.
    pub(super) fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Frame>, Error>> {
        loop {
            if let Some(frame) = self.decoder.next_frame() {
                return Poll::Ready(frame.map(Some).map_err(Error::Frame));
            }
            if self.ended {
                return Poll::Ready(Ok(None));
            }
            match self.chunks.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    if let Some(idle) = &mut self.idle {
                        idle.last_chunk = Instant::now();
                    }
                    if let Err(e) = self.decoder.feed(bytes) {
                        return Poll::Ready(Err(Error::Frame(e)));
                    }
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(Error::Request(e))),
                Poll::Ready(None) => {
                    self.ended = true;
                    if let Err(e) = self.decoder.finish() {
                        return Poll::Ready(Err(Error::Frame(e)));
                    }
                }
                Poll::Pending => {
                    let Some(idle) = &mut self.idle else {
                        return Poll::Pending;
                    };
                    loop {
                        if idle.sleep.as_mut().poll(cx).is_pending() {
                            return Poll::Pending;
                        }
                        let due = idle.last_chunk + idle.limit;
                        if due <= Instant::now() {
                            return Poll::Ready(Err(Error::Idle(idle.limit)));
                        }
                        idle.sleep.as_mut().reset(due);
                    }
                }
            }
        }
    }
}

/// A call on its way to its response head.
pub(super) type Connecting = BoxFuture<'static, Result<(Opened, Config), Error>>;

/// Sends a built call when first polled, and opens its response.
pub(super) fn connect(built: Result<(reqwest::RequestBuilder, Config), Error>) -> Connecting {
    Box::pin(async move {
        let (request, config) = built?;
        let opened = open(request, &config).await?;
        Ok((opened, config))
    })
}

/// The status, headers and body of a plain answer, the body read up to
/// [`Config::max_body`].
pub(super) async fn read_parts(
    response: reqwest::Response,
    config: &Config,
) -> Result<(Parts, Bytes), Error> {
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .collect();
    let mut chunks = response.bytes_stream();
    let mut body = BytesMut::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(Error::Request)?;
        if body.len() + chunk.len() > config.max_body {
            return Err(Error::TooLarge {
                limit: config.max_body,
            });
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let parts = Parts {
        status,
        headers,
        body: None,
    };
    Ok((parts, body))
}

/// Puts a plain answer's JSON body into `parts`. A body that is not JSON is an error with
/// serde's message, unless the status is one the operation does not declare (a proxy's
/// HTML error page), which is reported as such.
pub(super) fn with_json_body<R: ResponseParts>(
    mut parts: Parts,
    body: &Bytes,
) -> Result<Parts, Error> {
    if body.is_empty() {
        return Ok(parts);
    }
    match crate::wire::Json::parse(body.clone()) {
        Ok(json) => {
            parts.body = Some(json);
            Ok(parts)
        }
        Err(e) => match R::from_parts(&parts) {
            Err(crate::wire::DecodeError::Status(status)) => Err(Error::undeclared(status, body)),
            _ => Err(Error::Decode(crate::wire::DecodeError::invalid(format!(
                "body of a {} response is not JSON: {e}",
                parts.status
            )))),
        },
    }
}

/// Reads a plain answer as the operation's response enum.
pub(super) async fn read_plain<R: ResponseParts>(
    response: reqwest::Response,
    config: &Config,
) -> Result<R, Error> {
    let (parts, body) = read_parts(response, config).await?;
    let parts = with_json_body::<R>(parts, &body)?;
    R::from_parts(&parts).map_err(|e| match e {
        crate::wire::DecodeError::Status(status) => Error::undeclared(status, &body),
        other => Error::Decode(other),
    })
}

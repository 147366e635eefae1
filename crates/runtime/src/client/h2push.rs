//! Envelope mode over HTTP/2 server push, on the client: the request goes out on an
//! HTTP/2 connection of its own (the `h2` crate, push enabled: reqwest takes no
//! pushes), each `PUSH_PROMISE` becomes a typed push, the request's response the final
//! response (pushgen's `docs/PROTOCOL.md`, "Envelope mode over HTTP/2 server push").
//!
//! The connection, the exchange and the reading of pushed bodies all run on the task
//! that reads the [`PushStream`](super::PushStream), in the one future [`Exchange`]
//! polls: no task hand-over per push, and a caller that stops reading stops the
//! connection being read, so the server's handler waits on the flow-control window,
//! not this process's memory.

use super::{Call, Config, Error, Pushed};
use crate::wire::{self, DecodeError, Envelope, Parts, PushMessage, ResponseParts};
use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Either, poll_fn};
use futures_util::stream::{FuturesOrdered, StreamExt};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// How many read pushes wait for the caller before the exchange stops reading.
const AHEAD: usize = 16;

/// One call's exchange over HTTP/2 push, polled by its stream.
pub(super) struct Exchange<T> {
    /// Connects, sends the request and reads the pushes and the final response into
    /// `handover`; `None` once it has ended.
    running: Option<BoxFuture<'static, ()>>,
    handover: Handover<T>,
}

/// What the exchange has read and the caller not yet taken: at most [`AHEAD`] items.
///
/// Both ends live on the caller's task, so no waker is needed: the exchange waits for
/// room only when the queue is full, and the caller polls it again as soon as it has
/// taken an item.
struct Handover<T>(Arc<Mutex<VecDeque<T>>>);

impl<T> Clone for Handover<T> {
    fn clone(&self) -> Self {
        Handover(self.0.clone())
    }
}

impl<T> Handover<T> {
    fn new() -> Self {
        Handover(Arc::new(Mutex::new(VecDeque::with_capacity(AHEAD))))
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<T>> {
        // Nothing panics while holding it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `item` once there is room.
    async fn put(&self, item: T) {
        let mut item = Some(item);
        poll_fn(|_| {
            let mut queue = self.queue();
            if queue.len() >= AHEAD {
                return Poll::Pending;
            }
            queue.extend(item.take());
            Poll::Ready(())
        })
        .await;
    }

    fn take(&self) -> Option<T> {
        self.queue().pop_front()
    }
}

impl<T: Send + 'static> Exchange<T> {
    /// Runs `exchange` on the caller's task, handing over what it reads through `put`.
    fn new<F, Fut>(exchange: F) -> Self
    where
        F: FnOnce(Handover<T>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handover = Handover::new();
        Exchange {
            running: Some(Box::pin(exchange(handover.clone()))),
            handover,
        }
    }

    /// The next item the exchange read, `None` once it has ended and all is taken.
    pub(super) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        loop {
            if let Some(item) = self.handover.take() {
                return Poll::Ready(Some(item));
            }
            let Some(running) = &mut self.running else {
                return Poll::Ready(None);
            };
            match running.as_mut().poll(cx) {
                Poll::Ready(()) => self.running = None,
                // Waiting for room (so it has queued something: taken next), or for the
                // connection (whose waker it registered with `cx`).
                Poll::Pending if self.handover.queue().is_empty() => return Poll::Pending,
                Poll::Pending => {}
            }
        }
    }
}

/// What a push stream over HTTP/2 push reads: a push with its id (the pushed response's
/// `event-id` header), or the final response (no id); or why the exchange ended.
pub(super) type Item<P, R> = Result<(Pushed<P, R>, Option<String>), Error>;

/// The exchange of a push stream over HTTP/2 push.
pub(super) type PushExchange<P, R> = Exchange<Item<P, R>>;

/// The exchange of `call`; nothing is sent before it is first polled.
pub(super) fn start<P, R>(call: Call) -> PushExchange<P, R>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    Exchange::new(|handover| async move {
        if let Err(e) = exchange::<P, R>(call, &handover).await {
            // Handed over in order, after what was read before it.
            handover.put(Err(e)).await;
        }
    })
}

async fn exchange<P, R>(call: Call, handover: &Handover<Item<P, R>>) -> Result<(), Error>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    let tls = call.http2_tls().cloned();
    // The server pushes when the request asks for no stream format.
    let (request, config) = call.build("application/json")?;
    let request = request.build().map_err(Error::Request)?;
    let url = request.url();
    let https = match url.scheme() {
        "http" => false,
        "https" => true,
        other => {
            return Err(Error::Http2(format!(
                "HTTP/2 push is for http:// and https:// URLs, not {other}://"
            )));
        }
    };
    if https && cfg!(not(feature = "rustls")) {
        return Err(no_tls());
    }
    // An IPv6 literal comes bracketed (`[::1]`); connecting and TLS want the address.
    let host = url
        .host_str()
        .unwrap_or("localhost")
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| Error::Connection(format!("connect to {host}:{port}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    if !https {
        // Cleartext with prior knowledge (h2c).
        return over(tcp, request, config, handover).await;
    }
    #[cfg(feature = "rustls")]
    {
        let tls = super::http2_tls::connect(tcp, &host, tls.as_ref()).await?;
        over(tls, request, config, handover).await
    }
    #[cfg(not(feature = "rustls"))]
    {
        // Refused above, before connecting.
        let _ = tls;
        Err(no_tls())
    }
}

fn no_tls() -> Error {
    Error::Http2("HTTP/2 push to an https:// URL needs the runtime's rustls feature".into())
}

/// The exchange over `io`, a connection made for it: HTTP/2 with push enabled.
async fn over<I, P, R>(
    io: I,
    request: reqwest::Request,
    config: Config,
    handover: &Handover<Item<P, R>>,
) -> Result<(), Error>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    let (mut client, connection) = h2::client::Builder::new()
        .enable_push(true)
        .handshake::<_, Bytes>(io)
        .await
        .map_err(h2_error)?;
    // The connection is driven beside the exchange, on the same task.
    let connection = async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "an HTTP/2 push connection ended with an error");
        }
    };
    let exchange = run(&mut client, request, config, handover);
    futures_util::pin_mut!(connection, exchange);
    match futures_util::future::select(connection, exchange).await {
        Either::Left(((), exchange)) => {
            // The connection closed; the exchange reads what it had received, or fails.
            exchange.await
        }
        Either::Right((result, _)) => result,
    }
}

/// Sends the request on `client` and reads its pushes and final response into `handover`.
async fn run<P, R>(
    client: &mut h2::client::SendRequest<Bytes>,
    request: reqwest::Request,
    config: Config,
    handover: &Handover<Item<P, R>>,
) -> Result<(), Error>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    let url = request.url();
    let mut head = http::Request::builder()
        .method(request.method().as_str())
        .uri(url.as_str());
    for (name, value) in request.headers() {
        head = head.header(name.as_str(), value.as_bytes());
    }
    let head = head
        .body(())
        .map_err(|e| Error::Http2(format!("the request: {e}")))?;
    let body = request
        .body()
        .and_then(|b| b.as_bytes())
        .map(Bytes::copy_from_slice);
    let (mut response, mut send) = client
        .send_request(head, body.is_none())
        .map_err(h2_error)?;
    if let Some(body) = body {
        send_body(&mut send, body).await?;
    }

    // Every PUSH_PROMISE comes on the request's stream before its response's head, so
    // once the head is in, every promise is (h2 does not wake a task waiting for
    // promises when the stream ends without one: the head is waited for beside them).
    // Pushed responses are read as they come and handed over in the order promised.
    let mut promises = response.push_promises();
    let mut reading = FuturesOrdered::new();
    let mut final_head = None;
    while final_head.is_none() || !reading.is_empty() {
        tokio::select! {
            biased;
            Some(pushed) = reading.next(), if !reading.is_empty() => {
                match pushed {
                    Ok(Some((push, id))) => handover.put(Ok((Pushed::Push(push), id))).await,
                    Ok(None) => {} // A newer server's push: skipped.
                    Err(e) => return Err(e),
                }
            }
            promise = promises.push_promise(), if final_head.is_none() => match promise {
                Some(promise) => reading.push_back(read_push::<P>(promise.map_err(h2_error)?, &config)),
                None => final_head = Some((&mut response).await.map_err(h2_error)?),
            },
            arrived = &mut response, if final_head.is_none() => {
                while let Some(Some(promise)) = promises.push_promise().now_or_never() {
                    reading.push_back(read_push::<P>(promise.map_err(h2_error)?, &config));
                }
                final_head = Some(arrived.map_err(h2_error)?);
            }
        }
    }
    let Some(final_head) = final_head else {
        return Err(Error::Truncated);
    };
    let (parts, body) = final_head.into_parts();
    let body = read_body(body, config.max_body).await?;
    let parts = to_parts(parts.status.as_u16(), &parts.headers, body)?;
    let response = Error::read_response::<R>(&parts)?;
    handover.put(Ok((Pushed::Final(response), None))).await;
    Ok(())
}

/// One pushed response, read and typed: the first push item whose path template
/// matches the promised `:path` and whose response reads; `None` when none does (a
/// newer server's push).
async fn read_push<P: PushMessage>(
    promise: h2::client::PushPromise,
    config: &Config,
) -> Result<Option<(P, Option<String>)>, Error> {
    let (request, pushed) = promise.into_parts();
    let path = request.uri().path().to_string();
    let response = pushed.await.map_err(h2_error)?;
    let (parts, body) = response.into_parts();
    let id = parts
        .headers
        .get(wire::EVENT_ID_HEADER)
        .and_then(|id| id.to_str().ok())
        .map(str::to_string);
    let body = read_body(body, config.limits.max_event).await?;
    let parts = to_parts(parts.status.as_u16(), &parts.headers, body)?;
    let mut envelope = Envelope {
        event: Cow::Borrowed(""),
        path,
        parts,
    };
    // The first item whose template the path matches reads the response; a response
    // that item cannot read is an error, as a push event's data that does not decode is
    // over SSE. A path no item matches is a newer server's push: skipped.
    let mut unread = None;
    for event in P::EVENTS {
        envelope.event = Cow::Borrowed(event);
        match P::decode(event, &envelope) {
            Ok(Some(push)) => return Ok(Some((push, id))),
            Ok(None) | Err(DecodeError::Path(_)) => {}
            Err(e) => {
                unread.get_or_insert(e);
            }
        }
    }
    if let Some(e) = unread {
        return Err(Error::Decode(e));
    }
    tracing::debug!(path = %envelope.path, "a pushed response no push item of this version reads");
    Ok(None)
}

/// A response's status, headers (as text) and JSON body, as the wire's `Parts`.
fn to_parts(status: u16, headers: &http::HeaderMap, body: Bytes) -> Result<Parts, Error> {
    let headers = headers
        .iter()
        .filter(|(name, _)| {
            *name != http::header::CONTENT_TYPE
                && *name != http::header::CONTENT_LENGTH
                && *name != wire::EVENT_ID_HEADER
        })
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .collect();
    let body = if body.is_empty() {
        None
    } else {
        Some(
            wire::Json::parse(body)
                .map_err(|e| Error::Decode(DecodeError::Invalid(e.to_string())))?,
        )
    };
    Ok(Parts {
        status,
        headers,
        body,
    })
}

/// A body, at most `limit` bytes, returning the window as it is read.
async fn read_body(mut body: h2::RecvStream, limit: usize) -> Result<Bytes, Error> {
    let mut out = bytes::BytesMut::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(h2_error)?;
        let _ = body.flow_control().release_capacity(chunk.len());
        if out.len() + chunk.len() > limit {
            return Err(Error::TooLarge { limit });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// Sends the request body as the server's window allows.
async fn send_body(send: &mut h2::SendStream<Bytes>, mut data: Bytes) -> Result<(), Error> {
    while !data.is_empty() {
        send.reserve_capacity(data.len());
        let granted = match futures_util::future::poll_fn(|cx| send.poll_capacity(cx)).await {
            Some(granted) => granted.map_err(h2_error)?,
            None => return Err(Error::Truncated),
        };
        if granted == 0 {
            continue;
        }
        let chunk = data.split_to(granted.min(data.len()));
        send.send_data(chunk, data.is_empty()).map_err(h2_error)?;
    }
    Ok(())
}

/// An `h2` error as the client's: the connection breaking (its I/O, a `GOAWAY`, a
/// stream refused before it was processed) is [`Error::Connection`], which a resumable
/// operation comes back from; the rest is [`Error::Http2`].
fn h2_error(e: h2::Error) -> Error {
    if e.is_io() || e.is_go_away() || e.reason() == Some(h2::Reason::REFUSED_STREAM) {
        Error::Connection(e.to_string())
    } else {
        Error::Http2(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll<T: Send + 'static>(exchange: &mut Exchange<T>) -> Poll<Option<T>> {
        let waker = futures_util::task::noop_waker();
        exchange.poll_next(&mut Context::from_waker(&waker))
    }

    #[test]
    fn hands_over_everything_in_order_past_a_full_queue_then_ends() {
        let mut exchange = Exchange::new(|handover| async move {
            for i in 0..(AHEAD * 3 + 1) {
                handover.put(i).await;
            }
        });
        let mut taken = Vec::new();
        while let Poll::Ready(Some(i)) = poll(&mut exchange) {
            taken.push(i);
        }
        assert_eq!(taken, (0..(AHEAD * 3 + 1)).collect::<Vec<_>>());
        assert!(matches!(poll(&mut exchange), Poll::Ready(None)));
    }

    #[test]
    fn waits_for_what_the_exchange_waits_on() {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let mut exchange = Exchange::new(|handover| async move {
            handover.put(1).await;
            if let Ok(n) = rx.await {
                handover.put(n).await;
            }
        });
        assert!(matches!(poll(&mut exchange), Poll::Ready(Some(1))));
        assert!(poll(&mut exchange).is_pending());
        tx.send(2).unwrap();
        assert!(matches!(poll(&mut exchange), Poll::Ready(Some(2))));
        assert!(matches!(poll(&mut exchange), Poll::Ready(None)));
    }
}

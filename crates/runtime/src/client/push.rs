//! Envelope mode on the client: typed pushes, then the final response.

use super::read::{self, Opened, Reader};
use super::{Call, Error, PushBinding, Pushed};
use crate::binding::Frame;
use crate::wire::{self, DecodeError, FINAL_EVENT, Line, PushMessage, ResponseParts};
use futures_util::future::BoxFuture;
use futures_util::ready;
use futures_util::stream::{Stream, StreamExt};
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

impl Call {
    /// The operation's pushes and final response, asked for in the client's
    /// [`PushBinding`] when the stream is first polled.
    pub fn push_stream<P, R>(self) -> PushStream<P, R>
    where
        P: PushMessage + Send + 'static,
        R: ResponseParts + Send + 'static,
    {
        PushStream {
            state: State::Pending(self),
            _push: PhantomData,
        }
    }
}

/// Pushes, then the final response, of one call. Ends after the final response; a
/// stream that ends before it yields [`Error::Truncated`].
pub struct PushStream<P, R> {
    state: State<R>,
    _push: PhantomData<fn(P)>,
}

// Polled by hand rather than built from `stream::unfold`, which makes a new future and
// moves the reader in and out of it for every push.
#[allow(
    clippy::large_enum_variant,
    reason = "a stream spends its life reading; boxing the reader would cost a pointer chase per item"
)]
enum State<R> {
    /// Not polled yet: `binding` may still change the request.
    Pending(Call),
    Connecting(read::Connecting),
    Reading(Reader),
    /// A plain answer: the final response alone.
    Answering(BoxFuture<'static, Result<R, Error>>),
    Done,
}

impl<P, R> PushStream<P, R>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    /// Asks for this format instead of the client's default. Only before the stream is
    /// first polled: the request is sent then.
    pub fn binding(mut self, binding: PushBinding) -> Self {
        if let State::Pending(call) = &mut self.state {
            call.config_mut().push_binding = binding;
        }
        self
    }

    /// The next push or the final response; `Err(Error::Truncated)` past the end.
    pub async fn next_event(&mut self) -> Result<Pushed<P, R>, Error> {
        self.next().await.unwrap_or(Err(Error::Truncated))
    }
}

impl<P, R> Stream for PushStream<P, R>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    type Item = Result<Pushed<P, R>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let state = &mut self.state;
        loop {
            match state {
                State::Pending(_) => {
                    if let State::Pending(call) = std::mem::replace(state, State::Done) {
                        let media = call.config_ref().push_binding.media();
                        let accept = format!("{}, application/json;q=0.9", media.content_type());
                        *state = State::Connecting(read::connect(call.build(&accept)));
                    }
                }
                State::Connecting(connecting) => match ready!(connecting.as_mut().poll(cx)) {
                    Ok((Opened::Stream(reader), _)) => *state = State::Reading(reader),
                    Ok((Opened::Plain(response), config)) => {
                        *state = State::Answering(Box::pin(async move {
                            read::read_plain(response, &config).await
                        }));
                    }
                    Err(e) => {
                        *state = State::Done;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                State::Answering(answering) => {
                    let answer = ready!(answering.as_mut().poll(cx));
                    *state = State::Done;
                    return Poll::Ready(Some(answer.map(Pushed::Final)));
                }
                State::Reading(reader) => {
                    let read = match ready!(reader.poll_frame(cx)) {
                        Ok(Some(frame)) => read_frame::<P, R>(&frame),
                        Ok(None) => Err(Error::Truncated),
                        Err(e) => Err(e),
                    };
                    match read {
                        Ok(Read::Push(push)) => return Poll::Ready(Some(Ok(Pushed::Push(push)))),
                        Ok(Read::Skip) => {}
                        Ok(Read::Final(response)) => {
                            *state = State::Done;
                            return Poll::Ready(Some(Ok(Pushed::Final(response))));
                        }
                        Err(e) => {
                            *state = State::Done;
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }
}

impl<P, R> fmt::Debug for PushStream<P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PushStream")
    }
}

/// What one frame of an envelope-mode stream is.
enum Read<P, R> {
    Push(P),
    Final(R),
    Skip,
}

fn read_frame<P: PushMessage, R: ResponseParts>(frame: &Frame) -> Result<Read<P, R>, Error> {
    let read = match frame.event.as_deref() {
        // SSE: the event name says what the data is.
        Some(FINAL_EVENT) => wire::read_sse_final(frame.data()).map(Read::Final),
        Some(event) if P::EVENTS.contains(&event) => {
            wire::read_sse_push::<P, R>(event, frame.data()).map(|push| match push {
                Some(push) => Read::Push(push),
                None => Read::Skip,
            })
        }
        Some(event) => {
            // A push this version does not know (a newer server's), or an event that is
            // not a push at all: skipped unread.
            tracing::debug!(event, "skipping an unknown event");
            return Ok(Read::Skip);
        }
        // A line format: the line says what it is.
        None => wire::read_line::<P, R>(frame.data()).map(|line| match line {
            wire::Framed::Push(push) => Read::Push(push),
            wire::Framed::Final(response) => Read::Final(response),
            wire::Framed::Skip => Read::Skip,
        }),
    };
    read.or_else(|e| match e {
        // An undeclared final status: read again, untyped, for the error to show its body.
        DecodeError::Status(_) => {
            let parts = match frame.event {
                Some(_) => wire::parse_final_in(frame.bytes()),
                None => match wire::parse_line_in(frame.bytes(), P::EVENTS) {
                    Ok(Line::Final(parts)) => Ok(parts),
                    _ => Err(e.clone()),
                },
            };
            match parts {
                Ok(parts) => Error::read_response(&parts).map(Read::Final),
                Err(_) => Err(Error::Decode(e)),
            }
        }
        other => Err(Error::Decode(other)),
    })
}

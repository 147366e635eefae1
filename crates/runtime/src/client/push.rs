//! Envelope mode on the client: typed pushes, then the final response.

use super::read::{self, Opened, Reader};
use super::resume::{self, BrokeOff, Resume, resumable_cause};
use super::{Call, Error, Notice, PushBinding, Pushed};
use crate::binding::Frame;
use crate::wire::{self, DecodeError, FINAL_EVENT, GAP_EVENT, Line, PushMessage, ResponseParts};
use futures_util::future::BoxFuture;
use futures_util::ready;
use futures_util::stream::{Stream, StreamExt};
use std::fmt;
use std::future::Future;
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
            resume: None,
            notices: false,
            http2_push: false,
            _push: PhantomData,
        }
    }
}

/// Pushes, then the final response, of one call. Ends after the final response; a
/// stream that ends before it yields [`Error::Truncated`].
///
/// A stream of a resumable operation that breaks off reconnects by itself, as its
/// client's [`Reconnect`](super::Reconnect) says, and carries on after the last push it
/// got: no push is yielded twice.
pub struct PushStream<P, R> {
    state: State<P, R>,
    /// What resuming needs, once the stream has started.
    resume: Option<Resume>,
    /// Yield [`Pushed::Notice`]s.
    notices: bool,
    /// Over HTTP/2 server push: the stream makes its requests itself.
    http2_push: bool,
    _push: PhantomData<fn(P)>,
}

// Polled by hand rather than built from `stream::unfold`, which makes a new future and
// moves the reader in and out of it for every push.
#[allow(
    clippy::large_enum_variant,
    reason = "a stream spends its life reading; boxing the reader would cost a pointer chase per item"
)]
enum State<P, R> {
    /// Not polled yet: `binding` may still change the request.
    Pending(Call),
    Connecting(read::Connecting),
    Reading(Reader),
    /// A plain answer: the final response alone.
    Answering(BoxFuture<'static, Result<R, Error>>),
    /// HTTP/2 server push: the exchange, driven by this stream's reader.
    Pushed(super::h2push::PushExchange<P, R>),
    /// Waiting to reconnect.
    Waiting(Pin<Box<tokio::time::Sleep>>),
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

    /// Yields [`Pushed::Notice`]s too: a reconnect about to happen, a gap in what the
    /// server could replay. Without this they happen unseen (and are logged with
    /// `tracing`).
    pub fn with_notices(mut self) -> Self {
        self.notices = true;
        self
    }

    /// Never reconnects: a broken-off stream fails at once (with
    /// [`Error::Interrupted`] once a push with an id has arrived).
    pub fn without_reconnect(mut self) -> Self {
        if let State::Pending(call) = &mut self.state {
            call.config_mut().reconnect = super::Reconnect::off();
        }
        self
    }

    /// The next push or the final response; `Err(Error::Truncated)` past the end.
    pub async fn next_event(&mut self) -> Result<Pushed<P, R>, Error> {
        self.next().await.unwrap_or(Err(Error::Truncated))
    }

    /// The stream broke off with `cause`: reconnect if it may, else fail.
    fn broke_off(&mut self, cause: Error) -> Option<Result<Pushed<P, R>, Error>> {
        match resume::broke_off(self.resume.as_mut(), cause) {
            BrokeOff::Fail(e) => {
                self.state = State::Done;
                Some(Err(e))
            }
            BrokeOff::Wait(sleep, notice) => {
                self.state = State::Waiting(sleep);
                self.notices.then_some(Ok(Pushed::Notice(notice)))
            }
        }
    }

    /// A push arrived with `id`: `false` if it arrived before and is to be dropped.
    fn arrived(&mut self, id: Option<&str>) -> bool {
        self.resume.as_mut().is_none_or(|resume| resume.arrived(id))
    }
}

impl<P, R> Stream for PushStream<P, R>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    type Item = Result<Pushed<P, R>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Pending(_) => {
                    if let State::Pending(call) = std::mem::replace(&mut this.state, State::Done) {
                        let Some(media) = call.config_ref().push_binding.media() else {
                            // Pushed responses carry their ids in a header: resumable.
                            this.resume = Some(Resume::keep(&call, String::new(), true));
                            this.http2_push = true;
                            this.state = State::Pushed(super::h2push::start(call));
                            continue;
                        };
                        let accept = format!("{}, application/json;q=0.9", media.content_type());
                        let (resume, connecting) = Resume::start(call, accept, true);
                        this.resume = Some(resume);
                        this.state = State::Connecting(connecting);
                    }
                }
                State::Waiting(sleep) => {
                    ready!(sleep.as_mut().poll(cx));
                    this.state = match this.resume.as_mut() {
                        Some(resume) if this.http2_push => {
                            resume.again().map_or(State::Done, |call| {
                                State::Pushed(super::h2push::start(call))
                            })
                        }
                        Some(resume) => resume.reconnect().map_or(State::Done, State::Connecting),
                        None => State::Done,
                    };
                }
                State::Connecting(connecting) => match ready!(connecting.as_mut().poll(cx)) {
                    Ok((Opened::Stream(reader), _)) => this.state = State::Reading(reader),
                    Ok((Opened::Plain(response), _))
                        if response.status() == reqwest::StatusCode::NO_CONTENT
                            && this.resume.as_ref().is_some_and(Resume::reconnected) =>
                    {
                        // The server says the last push this client got was the end; but
                        // the final response never arrived.
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(Error::Truncated)));
                    }
                    Ok((Opened::Plain(response), config)) => {
                        this.state = State::Answering(Box::pin(async move {
                            read::read_plain(response, &config).await
                        }));
                    }
                    Err(e) => {
                        if let Some(item) = this.broke_off(e) {
                            return Poll::Ready(Some(item));
                        }
                    }
                },
                State::Pushed(exchange) => match ready!(exchange.poll_next(cx)) {
                    Some(Ok((Pushed::Push(push), id))) => {
                        if this.arrived(id.as_deref()) {
                            return Poll::Ready(Some(Ok(Pushed::Push(push))));
                        }
                    }
                    Some(Ok((end, _))) => {
                        this.state = State::Done;
                        return Poll::Ready(Some(Ok(end)));
                    }
                    Some(Err(e)) if resumable_cause(&e) => {
                        if let Some(item) = this.broke_off(e) {
                            return Poll::Ready(Some(item));
                        }
                    }
                    Some(Err(e)) => {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(e)));
                    }
                    // The exchange ended without its final response.
                    None => {
                        if let Some(item) = this.broke_off(Error::Truncated) {
                            return Poll::Ready(Some(item));
                        }
                    }
                },
                State::Answering(answering) => {
                    let answer = ready!(answering.as_mut().poll(cx));
                    this.state = State::Done;
                    return Poll::Ready(Some(answer.map(Pushed::Final)));
                }
                State::Reading(reader) => {
                    let retry = reader.retry();
                    let read = match ready!(reader.poll_frame(cx)) {
                        Ok(Some(frame)) => read_frame::<P, R>(&frame),
                        Ok(None) => Err(Error::Truncated),
                        Err(e) => Err(e),
                    };
                    if let Some(resume) = &mut this.resume {
                        resume.note_retry(retry);
                    }
                    match read {
                        Ok(Read::Push(push, id)) => {
                            if this.arrived(id.as_deref()) {
                                return Poll::Ready(Some(Ok(Pushed::Push(push))));
                            }
                        }
                        Ok(Read::Gap(oldest)) => {
                            tracing::warn!(
                                ?oldest,
                                "the server no longer holds every push this stream missed"
                            );
                            if this.notices {
                                return Poll::Ready(Some(Ok(Pushed::Notice(Notice::Gap {
                                    oldest,
                                }))));
                            }
                        }
                        Ok(Read::Skip) => {}
                        Ok(Read::Final(response)) => {
                            this.state = State::Done;
                            return Poll::Ready(Some(Ok(Pushed::Final(response))));
                        }
                        Err(e) if resumable_cause(&e) => {
                            if let Some(item) = this.broke_off(e) {
                                return Poll::Ready(Some(item));
                            }
                        }
                        Err(e) => {
                            this.state = State::Done;
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
    /// A push, with its id.
    Push(P, Option<String>),
    Final(R),
    Gap(Option<String>),
    Skip,
}

fn read_frame<P: PushMessage, R: ResponseParts>(frame: &Frame) -> Result<Read<P, R>, Error> {
    let read = match frame.event.as_deref() {
        // SSE: the event name says what the data is.
        Some(FINAL_EVENT) => wire::read_sse_final(frame.data()).map(Read::Final),
        Some(event) if P::EVENTS.contains(&event) => {
            wire::read_sse_push::<P, R>(event, frame.data()).map(|push| match push {
                Some(push) => Read::Push(push, frame.id.clone()),
                None => Read::Skip,
            })
        }
        Some(GAP_EVENT) => return Ok(Read::Gap(wire::read_sse_gap(frame.data()))),
        Some(event) => {
            // A push this version does not know (a newer server's), or an event that is
            // not a push at all: skipped unread.
            tracing::debug!(event, "skipping an unknown event");
            return Ok(Read::Skip);
        }
        // A line format: the line says what it is.
        None => wire::read_line::<P, R>(frame.data()).map(|line| match line {
            wire::Framed::Push(push, id) => Read::Push(push, id),
            wire::Framed::Final(response) => Read::Final(response),
            wire::Framed::Gap(oldest) => Read::Gap(oldest),
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

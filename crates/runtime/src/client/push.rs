//! Envelope mode on the client: typed pushes, then the final response.

use super::read::{self, Opened, Reader};
use super::{Call, Error, PushBinding, Pushed};
use crate::binding::Frame;
use crate::wire::{self, FINAL_EVENT, Line, PushMessage, ResponseParts};
use futures_util::stream::{BoxStream, Stream, StreamExt};
use std::fmt;
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
            pending: Some(self),
            inner: None,
        }
    }
}

/// Pushes, then the final response, of one call. Ends after the final response; a
/// stream that ends before it yields [`Error::Truncated`].
pub struct PushStream<P, R> {
    pending: Option<Call>,
    inner: Option<BoxStream<'static, Result<Pushed<P, R>, Error>>>,
}

impl<P, R> PushStream<P, R>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    /// Asks for this format instead of the client's default. Only before the stream is
    /// first polled: the request is sent then.
    pub fn binding(mut self, binding: PushBinding) -> Self {
        if let Some(call) = &mut self.pending {
            call.config_mut().push_binding = binding;
        }
        self
    }

    /// The next push or the final response; `Err(Error::Truncated)` past the end.
    pub async fn next_event(&mut self) -> Result<Pushed<P, R>, Error> {
        self.next().await.unwrap_or(Err(Error::Truncated))
    }

    fn start(call: Call) -> BoxStream<'static, Result<Pushed<P, R>, Error>> {
        let accept = format!(
            "{}, application/json;q=0.9",
            call_binding(&call).media().content_type()
        );
        let state = State::Start(call.build(&accept));
        futures_util::stream::unfold(state, step::<P, R>).boxed()
    }
}

fn call_binding(call: &Call) -> PushBinding {
    call.config_ref().push_binding
}

impl<P, R> Stream for PushStream<P, R>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    type Item = Result<Pushed<P, R>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.inner.is_none()
            && let Some(call) = this.pending.take()
        {
            this.inner = Some(Self::start(call));
        }
        match &mut this.inner {
            Some(inner) => inner.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

impl<P, R> fmt::Debug for PushStream<P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PushStream")
    }
}

enum State {
    Start(Result<(reqwest::RequestBuilder, super::Config), Error>),
    Reading(Reader),
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
            let (request, config) = match built {
                Ok(built) => built,
                Err(e) => return Some((Err(e), State::Done)),
            };
            match read::open(request, &config).await {
                Ok(Opened::Stream(reader)) => next_push(reader).await,
                Ok(Opened::Plain(response)) => Some((
                    read::read_plain(response, &config).await.map(Pushed::Final),
                    State::Done,
                )),
                Err(e) => Some((Err(e), State::Done)),
            }
        }
        State::Reading(reader) => next_push(reader).await,
    }
}

/// What one frame of an envelope-mode stream is.
enum Read<P, R> {
    Push(P),
    Final(R),
    Skip,
}

async fn next_push<P, R>(mut reader: Reader) -> Option<(Result<Pushed<P, R>, Error>, State)>
where
    P: PushMessage,
    R: ResponseParts,
{
    loop {
        let frame = match reader.next_frame().await {
            Ok(Some(frame)) => frame,
            Ok(None) => return Some((Err(Error::Truncated), State::Done)),
            Err(e) => return Some((Err(e), State::Done)),
        };
        match read_frame::<P, R>(&frame) {
            Ok(Read::Push(push)) => return Some((Ok(Pushed::Push(push)), State::Reading(reader))),
            Ok(Read::Final(response)) => return Some((Ok(Pushed::Final(response)), State::Done)),
            Ok(Read::Skip) => {}
            Err(e) => return Some((Err(e), State::Done)),
        }
    }
}

fn read_frame<P: PushMessage, R: ResponseParts>(frame: &Frame) -> Result<Read<P, R>, Error> {
    let (envelope, event) = match frame.event.as_deref() {
        // SSE: the event name says what the data is.
        Some(FINAL_EVENT) => {
            let parts = wire::parse_final(&frame.data).map_err(Error::Decode)?;
            return Error::read_response(&parts).map(Read::Final);
        }
        Some(event) => {
            if !P::EVENTS.contains(&event) {
                // A push this version does not know (a newer server's), or an event that
                // is not a push at all: skipped unread.
                tracing::debug!(event, "skipping an unknown event");
                return Ok(Read::Skip);
            }
            let envelope = wire::parse_envelope(event, &frame.data).map_err(Error::Decode)?;
            (envelope, event)
        }
        // A line format: the line says what it is.
        None => match wire::parse_line(&frame.data).map_err(Error::Decode)? {
            Line::Final(parts) => return Error::read_response(&parts).map(Read::Final),
            Line::Unknown => return Ok(Read::Skip),
            Line::Push { envelope, .. } => {
                if !P::EVENTS.contains(&envelope.event.as_ref()) {
                    tracing::debug!(event = %envelope.event, "skipping an unknown push");
                    return Ok(Read::Skip);
                }
                let decoded = P::decode(&envelope.event, &envelope).map_err(Error::Decode)?;
                return Ok(decoded.map_or(Read::Skip, Read::Push));
            }
        },
    };
    let decoded = P::decode(event, &envelope).map_err(Error::Decode)?;
    Ok(decoded.map_or(Read::Skip, Read::Push))
}

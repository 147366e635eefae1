//! Item mode on the client: a stream of typed items that ends cleanly at the end of the
//! body or at the declared terminal marker.

use super::read::{self, Opened, Reader};
use super::resume::{self, BrokeOff, Resume, resumable_cause};
use super::{Call, Error, Notice};
use crate::binding::{Frame, Media};
use crate::item::{self, ItemCodec, Terminator};
use crate::wire::{self, GAP_EVENT};
use futures_util::future::BoxFuture;
use futures_util::ready;
use futures_util::stream::{Stream, StreamExt};
use std::fmt;
use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

impl Call {
    /// The operation's items, asked for in the media type the spec declares, when the
    /// stream is first polled.
    pub fn item_stream<C: ItemCodec>(self) -> ItemStream<C> {
        ItemStream {
            state: State::Pending(self),
            resume: None,
            _codec: PhantomData,
        }
    }
}

/// The items of one call, each `Ok(item)`, as they arrive.
///
/// Ends after the declared terminal marker, or at the end of the body when none is
/// declared; a body that ends before a declared marker yields [`Error::Truncated`]. A
/// declared response instead of the stream (an error answered before the first item) is
/// [`Error::Response`]; an in-stream error item is [`Error::Failure`]. Nothing follows an
/// error.
///
/// An SSE stream of a resumable operation (a `GET`, or one marked `x-push-resumable`)
/// that breaks off reconnects by itself, as its client's
/// [`Reconnect`](super::Reconnect) says, naming the last item's id: no item with an id
/// is yielded twice. [`ItemStream::next_event`] also shows that happening. The line
/// formats carry no ids, so their streams do not reconnect.
pub struct ItemStream<C: ItemCodec> {
    state: State,
    /// What resuming needs, once the stream has started.
    resume: Option<Resume>,
    _codec: PhantomData<fn(C)>,
}

/// An item, or news of the stream itself ([`ItemStream::next_event`]).
#[derive(Debug)]
pub enum ItemEvent<I> {
    Item(I),
    Notice(Notice),
}

// Polled by hand rather than built from `stream::unfold`, which makes a new future and
// moves the reader in and out of it for every item.
#[allow(
    clippy::large_enum_variant,
    reason = "a stream spends its life reading; boxing the reader would cost a pointer chase per item"
)]
enum State {
    /// Not polled yet: the request may still change.
    Pending(Call),
    Connecting(read::Connecting),
    Reading(Reader),
    /// A plain answer where the stream was asked for: becomes the error.
    Refusing(BoxFuture<'static, Error>),
    /// Waiting to reconnect.
    Waiting(Pin<Box<tokio::time::Sleep>>),
    Done,
}

impl<C: ItemCodec> ItemStream<C> {
    /// The next item; `None` once the stream has ended.
    pub async fn next_item(&mut self) -> Option<Result<C::Item, Error>> {
        self.next().await
    }

    /// The next item, or a [`Notice`] (a reconnect about to happen, a gap in what the
    /// server could replay); `None` once the stream has ended. [`Stream::poll_next`]
    /// and [`ItemStream::next_item`] leave notices out (they are logged with `tracing`).
    pub async fn next_event(&mut self) -> Option<Result<ItemEvent<C::Item>, Error>> {
        poll_fn(|cx| self.poll_event(cx, true)).await
    }

    /// Never reconnects: a broken-off stream fails at once (with
    /// [`Error::Interrupted`] once an item with an id has arrived).
    pub fn without_reconnect(mut self) -> Self {
        if let State::Pending(call) = &mut self.state {
            call.config_mut().reconnect = super::Reconnect::off();
        }
        self
    }

    /// The stream broke off with `cause`: reconnect if it may, else fail.
    fn broke_off(&mut self, cause: Error) -> Option<Result<ItemEvent<C::Item>, Error>> {
        match resume::broke_off(self.resume.as_mut(), cause) {
            BrokeOff::Fail(e) => {
                self.state = State::Done;
                Some(Err(e))
            }
            BrokeOff::Wait(sleep, notice) => {
                self.state = State::Waiting(sleep);
                Some(Ok(ItemEvent::Notice(notice)))
            }
        }
    }

    fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
        notices: bool,
    ) -> Poll<Option<Result<ItemEvent<C::Item>, Error>>> {
        loop {
            let event = match &mut self.state {
                State::Pending(_) => {
                    if let State::Pending(call) = std::mem::replace(&mut self.state, State::Done) {
                        let accept = format!("{}, application/json;q=0.9", C::MEDIA.content_type());
                        let can_resume = C::MEDIA == Media::EventStream;
                        let (resume, connecting) = Resume::start(call, accept, can_resume);
                        self.resume = Some(resume);
                        self.state = State::Connecting(connecting);
                    }
                    continue;
                }
                State::Waiting(sleep) => {
                    ready!(sleep.as_mut().poll(cx));
                    self.state = match self.resume.as_mut().and_then(Resume::reconnect) {
                        Some(connecting) => State::Connecting(connecting),
                        None => State::Done,
                    };
                    continue;
                }
                State::Connecting(connecting) => match ready!(connecting.as_mut().poll(cx)) {
                    Ok((Opened::Stream(reader), _)) => {
                        self.state = State::Reading(reader);
                        continue;
                    }
                    Ok((Opened::Plain(response), _))
                        if response.status() == reqwest::StatusCode::NO_CONTENT
                            && self.resume.as_ref().is_some_and(Resume::reconnected) =>
                    {
                        // The server says nothing follows the last item this client
                        // got: only the marker was missed, and it carries nothing.
                        self.state = State::Done;
                        return Poll::Ready(None);
                    }
                    Ok((Opened::Plain(response), config)) => {
                        self.state = State::Refusing(Box::pin(async move {
                            refused::<C>(response, &config).await
                        }));
                        continue;
                    }
                    Err(e) => self.broke_off(e),
                },
                State::Refusing(refusing) => {
                    let e = ready!(refusing.as_mut().poll(cx));
                    self.state = State::Done;
                    Some(Err(e))
                }
                State::Reading(reader) => {
                    let retry = reader.retry();
                    let read = match ready!(reader.poll_frame(cx)) {
                        Ok(Some(frame)) => read_frame::<C>(&frame).map(|read| (read, frame.id)),
                        Ok(None) if C::TERMINATOR.is_some() => Err(Error::Truncated),
                        Ok(None) => Ok((Read::End, None)),
                        Err(e) => Err(e),
                    };
                    let resume = self.resume.as_mut();
                    if let Some(resume) = resume {
                        resume.note_retry(retry);
                    }
                    match read {
                        Ok((Read::Item(item), id)) => self
                            .arrived(id.as_deref())
                            .then_some(Ok(ItemEvent::Item(item))),
                        Ok((Read::Last(item), id)) => {
                            let new = self.arrived(id.as_deref());
                            self.state = State::Done;
                            new.then_some(Ok(ItemEvent::Item(item)))
                        }
                        Ok((Read::Gap(oldest), _)) => {
                            tracing::warn!(
                                ?oldest,
                                "the server no longer holds every item this stream missed"
                            );
                            Some(Ok(ItemEvent::Notice(Notice::Gap { oldest })))
                        }
                        Ok((Read::Skip, _)) => None,
                        Ok((Read::End, _)) => {
                            self.state = State::Done;
                            return Poll::Ready(None);
                        }
                        Err(e) if resumable_cause(&e) => self.broke_off(e),
                        Err(e) => {
                            self.state = State::Done;
                            Some(Err(e))
                        }
                    }
                }
                State::Done => return Poll::Ready(None),
            };
            match event {
                Some(Ok(ItemEvent::Notice(_))) if !notices => {}
                Some(event) => return Poll::Ready(Some(event)),
                None => {}
            }
        }
    }

    /// An item arrived with `id`: `false` if it arrived before and is to be dropped.
    fn arrived(&mut self, id: Option<&str>) -> bool {
        self.resume.as_mut().is_none_or(|resume| resume.arrived(id))
    }
}

impl<C: ItemCodec> Stream for ItemStream<C> {
    type Item = Result<C::Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.poll_event(cx, false).map(|event| match event? {
            Ok(ItemEvent::Item(item)) => Some(Ok(item)),
            // Left out by `poll_event` when not asked for.
            Ok(ItemEvent::Notice(_)) => None,
            Err(e) => Some(Err(e)),
        })
    }
}

impl<C: ItemCodec> fmt::Debug for ItemStream<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ItemStream")
    }
}

/// The error for a plain answer where a stream was asked for.
async fn refused<C: ItemCodec>(response: reqwest::Response, config: &super::Config) -> Error {
    let (parts, body) = match read::read_parts(response, config).await {
        Ok(read) => read,
        Err(e) => return e,
    };
    let parts = match read::with_json_body::<C::Response>(parts, &body) {
        Ok(parts) => parts,
        Err(e) => return e,
    };
    match Error::read_response::<C::Response>(&parts) {
        Ok(response) => Error::Response {
            status: parts.status,
            response: Box::new(response),
        },
        Err(e) => e,
    }
}

/// What one frame of an item stream is.
enum Read<I> {
    Item(I),
    /// The last item: the terminal event carried one.
    Last(I),
    End,
    /// The server no longer holds what the stream missed; what follows starts here.
    Gap(Option<String>),
    Skip,
}

fn read_frame<C: ItemCodec>(frame: &Frame) -> Result<Read<C::Item>, Error> {
    let event = frame.event.as_deref().unwrap_or("message");
    let data = frame.data();
    let last = item::is_terminator(C::TERMINATOR, frame.event.as_deref(), data);
    if last && !matches!(C::TERMINATOR, Some(Terminator::Event(name)) if C::EVENTS.contains(&name))
    {
        return Ok(Read::End);
    }
    if !last
        && frame.event.as_deref() == Some(GAP_EVENT)
        && C::MEDIA == Media::EventStream
        && !C::EVENTS.contains(&GAP_EVENT)
    {
        return Ok(Read::Gap(wire::read_sse_gap(data)));
    }
    // The error item first: its required properties tell it apart from an item whose
    // properties are all optional (Ollama's), which would read it as an empty item.
    if C::HAS_FAILURE && serde_json::from_str::<C::Failure>(data).is_ok() {
        let raw = serde_json::value::RawValue::from_string(data.to_owned())
            .map_err(|e| Error::Decode(crate::wire::DecodeError::invalid(e.to_string())))?;
        return Err(Error::Failure(raw));
    }
    match C::decode(event, data).map_err(Error::Decode)? {
        Some(item) if last => Ok(Read::Last(item)),
        Some(item) => Ok(Read::Item(item)),
        None => {
            tracing::debug!(event, "skipping an unknown stream event");
            Ok(Read::Skip)
        }
    }
}

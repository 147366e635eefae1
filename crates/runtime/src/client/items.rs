//! Item mode on the client: a stream of typed items that ends cleanly at the end of the
//! body or at the declared terminal marker.

use super::read::{self, Opened, Reader};
use super::{Call, Error};
use crate::binding::Frame;
use crate::item::{self, ItemCodec, Terminator};
use futures_util::future::BoxFuture;
use futures_util::ready;
use futures_util::stream::{Stream, StreamExt};
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

impl Call {
    /// The operation's items, asked for in the media type the spec declares, when the
    /// stream is first polled.
    pub fn item_stream<C: ItemCodec>(self) -> ItemStream<C> {
        let accept = format!("{}, application/json;q=0.9", C::MEDIA.content_type());
        ItemStream {
            state: State::Connecting(read::connect(self.build(&accept))),
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
pub struct ItemStream<C: ItemCodec> {
    state: State,
    _codec: PhantomData<fn(C)>,
}

// Polled by hand rather than built from `stream::unfold`, which makes a new future and
// moves the reader in and out of it for every item.
#[allow(
    clippy::large_enum_variant,
    reason = "a stream spends its life reading; boxing the reader would cost a pointer chase per item"
)]
enum State {
    Connecting(read::Connecting),
    Reading(Reader),
    /// A plain answer where the stream was asked for: becomes the error.
    Refusing(BoxFuture<'static, Error>),
    Done,
}

impl<C: ItemCodec> ItemStream<C> {
    /// The next item; `None` once the stream has ended.
    pub async fn next_item(&mut self) -> Option<Result<C::Item, Error>> {
        self.next().await
    }
}

impl<C: ItemCodec> Stream for ItemStream<C> {
    type Item = Result<C::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let state = &mut self.state;
        loop {
            match state {
                State::Connecting(connecting) => match ready!(connecting.as_mut().poll(cx)) {
                    Ok((Opened::Stream(reader), _)) => *state = State::Reading(reader),
                    Ok((Opened::Plain(response), config)) => {
                        *state = State::Refusing(Box::pin(async move {
                            refused::<C>(response, &config).await
                        }));
                    }
                    Err(e) => {
                        *state = State::Done;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                State::Refusing(refusing) => {
                    let e = ready!(refusing.as_mut().poll(cx));
                    *state = State::Done;
                    return Poll::Ready(Some(Err(e)));
                }
                State::Reading(reader) => {
                    let read = match ready!(reader.poll_frame(cx)) {
                        Ok(Some(frame)) => read_frame::<C>(&frame),
                        Ok(None) if C::TERMINATOR.is_some() => Err(Error::Truncated),
                        Ok(None) => Ok(Read::End),
                        Err(e) => Err(e),
                    };
                    match read {
                        Ok(Read::Item(item)) => return Poll::Ready(Some(Ok(item))),
                        Ok(Read::Skip) => {}
                        Ok(Read::Last(item)) => {
                            *state = State::Done;
                            return Poll::Ready(Some(Ok(item)));
                        }
                        Ok(Read::End) => {
                            *state = State::Done;
                            return Poll::Ready(None);
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

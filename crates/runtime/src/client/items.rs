//! Item mode on the client: a stream of typed items that ends cleanly at the end of the
//! body or at the declared terminal marker.

use super::read::{self, Opened, Reader};
use super::{Call, Error};
use crate::binding::Frame;
use crate::item::{self, ItemCodec, Terminator};
use futures_util::stream::{BoxStream, Stream, StreamExt};
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

impl Call {
    /// The operation's items, asked for in the media type the spec declares, when the
    /// stream is first polled.
    pub fn item_stream<C: ItemCodec>(self) -> ItemStream<C> {
        let accept = format!("{}, application/json;q=0.9", C::MEDIA.content_type());
        let state = State::Start(self.build(&accept));
        ItemStream {
            inner: futures_util::stream::unfold(state, step::<C>).boxed(),
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
    inner: BoxStream<'static, Result<C::Item, Error>>,
    _codec: PhantomData<fn(C)>,
}

impl<C: ItemCodec> ItemStream<C> {
    /// The next item; `None` once the stream has ended.
    pub async fn next_item(&mut self) -> Option<Result<C::Item, Error>> {
        self.inner.next().await
    }
}

impl<C: ItemCodec> Stream for ItemStream<C> {
    type Item = Result<C::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<C: ItemCodec> fmt::Debug for ItemStream<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ItemStream")
    }
}

enum State {
    Start(Result<(reqwest::RequestBuilder, super::Config), Error>),
    Reading(Reader),
    Done,
}

async fn step<C: ItemCodec>(state: State) -> Option<(Result<C::Item, Error>, State)> {
    match state {
        State::Done => None,
        State::Start(built) => {
            let (request, config) = match built {
                Ok(built) => built,
                Err(e) => return Some((Err(e), State::Done)),
            };
            match read::open(request, &config).await {
                Ok(Opened::Stream(reader)) => next_item::<C>(reader).await,
                Ok(Opened::Plain(response)) => {
                    Some((Err(refused::<C>(response, &config).await), State::Done))
                }
                Err(e) => Some((Err(e), State::Done)),
            }
        }
        State::Reading(reader) => next_item::<C>(reader).await,
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

async fn next_item<C: ItemCodec>(mut reader: Reader) -> Option<(Result<C::Item, Error>, State)> {
    loop {
        let frame = match reader.next_frame().await {
            Ok(Some(frame)) => frame,
            Ok(None) if C::TERMINATOR.is_some() => {
                return Some((Err(Error::Truncated), State::Done));
            }
            Ok(None) => return None,
            Err(e) => return Some((Err(e), State::Done)),
        };
        match read_frame::<C>(&frame) {
            Ok(Read::Item(item)) => return Some((Ok(item), State::Reading(reader))),
            Ok(Read::Last(item)) => return Some((Ok(item), State::Done)),
            Ok(Read::End) => return None,
            Ok(Read::Skip) => {}
            Err(e) => return Some((Err(e), State::Done)),
        }
    }
}

fn read_frame<C: ItemCodec>(frame: &Frame) -> Result<Read<C::Item>, Error> {
    let event = frame.event.as_deref().unwrap_or("message");
    let last = item::is_terminator(C::TERMINATOR, frame.event.as_deref(), &frame.data);
    if last && !matches!(C::TERMINATOR, Some(Terminator::Event(name)) if C::EVENTS.contains(&name))
    {
        return Ok(Read::End);
    }
    // The error item first: its required properties tell it apart from an item whose
    // properties are all optional (Ollama's), which would read it as an empty item.
    if C::HAS_FAILURE && serde_json::from_str::<C::Failure>(&frame.data).is_ok() {
        let raw = serde_json::value::RawValue::from_string(frame.data.clone())
            .map_err(|e| Error::Decode(crate::wire::DecodeError::invalid(e.to_string())))?;
        return Err(Error::Failure(raw));
    }
    match C::decode(event, &frame.data).map_err(Error::Decode)? {
        Some(item) if last => Ok(Read::Last(item)),
        Some(item) => Ok(Read::Item(item)),
        None => {
            tracing::debug!(event, "skipping an unknown stream event");
            Ok(Read::Skip)
        }
    }
}

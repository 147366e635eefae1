//! Item mode on the server: the items in the media type the spec declares, then its
//! terminal marker. Stream-conditional operations answer either way from one handler.

use super::pipe::Pipe;
use super::stream::{self, Cut, Ending};
use super::{PushError, Shared};
use crate::binding::Media;
use crate::item::{ItemCodec, Terminator};
use crate::replay::Entry;
use crate::sse;
use crate::wire::{self, GAP_EVENT, Parts, ResponseParts};
use axum::body::Bytes;
use axum::response::Response;
use bytes::BytesMut;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

impl<A> Shared<A> {
    /// Runs an item-mode (or stream-conditional) operation's handler and answers with its
    /// items. `streaming` says whether the request asked for the stream: always for an
    /// item-mode operation, by the body's flag for a stream-conditional one.
    ///
    /// The handler's response decides the end: a `2xx` ends the stream normally (with
    /// the declared terminal marker; a body it has is not sent, the items were the
    /// answer), anything else before the first item is a plain HTTP answer, and anything
    /// else after it ends the stream without the marker, so the client sees it cut.
    pub async fn serve_items<C, R, F, Fut>(&self, streaming: bool, handler: F) -> Response
    where
        C: ItemCodec,
        R: ResponseParts + Send + 'static,
        F: FnOnce(ItemSink<C>) -> Fut,
        Fut: Future<Output = R> + Send + 'static,
    {
        let pipe = Pipe::new(self.config().push_buffer);
        if let (true, Media::EventStream, Some(retry)) = (streaming, C::MEDIA, self.config().retry)
        {
            let mut field = BytesMut::new();
            sse::encode_retry(
                &mut field,
                u64::try_from(retry.as_millis()).unwrap_or(u64::MAX),
            );
            pipe.prefill(&field);
        }
        let sink = ItemSink {
            pipe: streaming.then(|| pipe.clone()),
            _codec: PhantomData,
        };
        let running = handler(sink);
        let ending = ItemsEnd::<C> {
            streaming,
            _codec: PhantomData,
        };
        stream::answer(running, pipe, C::MEDIA, ending, self.config()).await
    }
}

struct ItemsEnd<C> {
    streaming: bool,
    _codec: PhantomData<fn(C)>,
}

fn success(parts: &Parts) -> bool {
    (200..300).contains(&parts.status)
}

impl<C: ItemCodec> Ending for ItemsEnd<C> {
    fn plain_if_first(&self, parts: &Parts) -> bool {
        !self.streaming || !success(parts)
    }

    fn last_bytes(
        &self,
        parts: Result<Parts, wire::EncodeError>,
        id: Option<&str>,
    ) -> Result<Option<Bytes>, Cut> {
        match parts {
            Ok(parts) if success(&parts) => Ok(terminator::<C>(id)),
            Ok(parts) => {
                tracing::warn!(
                    status = parts.status,
                    "a stream's handler returned an error after its first item; the stream \
                     is cut"
                );
                Err(Cut)
            }
            Err(e) => {
                tracing::warn!(error = %e, "a stream's handler returned a response that cannot be encoded; the stream is cut");
                Err(Cut)
            }
        }
    }
}

/// The bytes of the declared terminal marker, with the stream's last id (SSE only: the
/// line formats have no place for one). An event terminator that is also an item's event
/// is the handler's to send (it carries a typed item); the runtime cannot.
fn terminator<C: ItemCodec>(id: Option<&str>) -> Option<Bytes> {
    let mut buf = BytesMut::new();
    match C::TERMINATOR? {
        Terminator::Data(text) => C::MEDIA.encode(&mut buf, None, id, text).ok()?,
        Terminator::Event(name) if !marker_is_item::<C>() => {
            C::MEDIA.encode(&mut buf, Some(name), id, "").ok()?
        }
        Terminator::Event(_) => return None,
    }
    Some(buf.freeze())
}

/// Whether the declared marker is an event that carries an item (`x-ms-sse-terminal-event`
/// naming one of the items), rather than a frame of its own.
pub(super) fn marker_is_item<C: ItemCodec>() -> bool {
    matches!(C::TERMINATOR, Some(Terminator::Event(name)) if C::EVENTS.contains(&name))
}

/// Where an item-mode operation's handler sends items.
///
/// `send` waits while the client is slower than the handler and fails once the client
/// is gone. For a stream-conditional operation whose request did not ask for the stream,
/// items are dropped and the handler's response is the answer: one implementation
/// serves both.
pub struct ItemSink<C> {
    pipe: Option<Arc<Pipe>>,
    _codec: PhantomData<fn(C)>,
}

impl<C> Clone for ItemSink<C> {
    fn clone(&self) -> Self {
        ItemSink {
            pipe: self.pipe.clone(),
            _codec: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ItemSink<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemSink")
            .field("streaming", &self.pipe.is_some())
            .finish()
    }
}

impl<C: ItemCodec> ItemSink<C> {
    /// Sends one item.
    pub async fn send(&self, item: impl Into<C::Item>) -> Result<(), PushError> {
        self.send_item(None, item.into()).await
    }

    /// Sends one item with an SSE event id (the line formats have no place for ids: there
    /// it is not written).
    pub async fn send_with_id(&self, id: &str, item: impl Into<C::Item>) -> Result<(), PushError> {
        self.send_item(Some(id), item.into()).await
    }

    async fn send_item(&self, id: Option<&str>, item: C::Item) -> Result<(), PushError> {
        let Some(pipe) = &self.pipe else {
            return Ok(());
        };
        pipe.send(|buf, json| {
            let event = C::encode(&item, json).map_err(|e| PushError::Encode(e.0))?;
            frame::<C>(buf, event, id, json)
        })
        .await
    }

    /// Writes a logged item (resumption): over SSE with its event name and id, in the
    /// line formats as it is (they carry no ids).
    pub(super) async fn send_entry(&self, entry: &Entry) -> Result<(), PushError> {
        let Some(pipe) = &self.pipe else {
            return Ok(());
        };
        pipe.send(|buf, _| frame::<C>(buf, entry.event.as_deref(), Some(&entry.id), &entry.data))
            .await
    }

    /// Tells an SSE client that what it asked to resume from is gone: the event `gap`
    /// with data `{"oldest":ID}` (or `null`). `false` where it cannot be said: in the line
    /// formats, and when an item's own event is named `gap`.
    pub(super) async fn send_gap(&self, oldest: Option<&str>) -> Result<bool, PushError> {
        let Some(pipe) = &self.pipe else {
            return Ok(true);
        };
        if !can_say_gap::<C>() {
            return Ok(false);
        }
        let gap = serde_json::json!({ "oldest": oldest }).to_string();
        pipe.send(|buf, _| frame::<C>(buf, Some(GAP_EVENT), None, &gap))
            .await?;
        Ok(true)
    }

    /// The pipe, when items reach the client.
    pub(super) fn pipe(&self) -> Option<&Arc<Pipe>> {
        self.pipe.as_ref()
    }

    /// Sends the declared error item (`x-push-error`), as a stream that fails after it
    /// has started does; the handler then returns. The error is the stream's last frame:
    /// later sends fail with [`PushError::Closed`], and no terminal marker follows,
    /// whatever the handler returns.
    pub async fn fail(&self, failure: &C::Failure) -> Result<(), PushError> {
        let Some(pipe) = &self.pipe else {
            return Ok(());
        };
        pipe.send(|buf, json| {
            crate::item::json(failure, json).map_err(|e| PushError::Encode(e.0))?;
            frame::<C>(buf, None, None, json)
        })
        .await?;
        pipe.fail();
        Ok(())
    }

    /// Commits the stream head now, before the first item — to start keep-alives while
    /// the handler waits.
    pub async fn open(&self) -> Result<(), PushError> {
        match &self.pipe {
            Some(pipe) => pipe.open(),
            None => Ok(()),
        }
    }

    /// Whether items reach the client: `false` for a stream-conditional operation whose
    /// request asked for the whole answer.
    pub fn is_streaming(&self) -> bool {
        self.pipe.is_some()
    }

    /// Resolves once the client is gone; never when items do not reach it.
    pub async fn closed(&self) {
        match &self.pipe {
            Some(pipe) => pipe.closed().await,
            None => std::future::pending().await,
        }
    }
}

/// Whether a stream of these items has a `gap` event of its own to tell a client it
/// missed some: over SSE, unless an item is named `gap`.
pub(super) fn can_say_gap<C: ItemCodec>() -> bool {
    C::MEDIA == Media::EventStream && !C::EVENTS.contains(&GAP_EVENT)
}

fn frame<C: ItemCodec>(
    buf: &mut BytesMut,
    event: Option<&str>,
    id: Option<&str>,
    data: &str,
) -> Result<(), PushError> {
    C::MEDIA
        .encode(buf, event, id, data)
        .map_err(|e| PushError::Encode(e.to_string()))
}

//! Item mode on the server: the items in the media type the spec declares, then its
//! terminal marker. Stream-conditional operations answer either way from one handler.

use super::stream::{self, Ending, Frame};
use super::{PushError, Shared};
use crate::item::{ItemCodec, Terminator};
use crate::wire::{self, Parts, ResponseParts};
use axum::body::Bytes;
use axum::response::Response;
use bytes::BytesMut;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use tokio::sync::mpsc;

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
        let (tx, rx) = stream::channel(self.config());
        let sink = ItemSink {
            tx: streaming.then(|| tx.clone()),
            _codec: PhantomData,
        };
        let running = handler(sink);
        let ending = ItemsEnd::<C> {
            streaming,
            _codec: PhantomData,
        };
        stream::answer(running, tx, rx, C::MEDIA, ending, self.config()).await
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

    fn last_bytes(&self, parts: Result<Parts, wire::EncodeError>) -> Option<Bytes> {
        match parts {
            Ok(parts) if success(&parts) => terminator::<C>(),
            Ok(parts) => {
                tracing::warn!(
                    status = parts.status,
                    "a stream's handler returned an error after its first item; the stream \
                     ends without its terminal marker"
                );
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "a stream's handler returned a response that cannot be encoded");
                None
            }
        }
    }
}

/// The bytes of the declared terminal marker. An event terminator that is also an item's
/// event is the handler's to send (it carries a typed item); the runtime cannot.
fn terminator<C: ItemCodec>() -> Option<Bytes> {
    let mut buf = BytesMut::new();
    match C::TERMINATOR? {
        Terminator::Data(text) => C::MEDIA.encode(&mut buf, None, None, text).ok()?,
        Terminator::Event(name) if !C::EVENTS.contains(&name) => {
            C::MEDIA.encode(&mut buf, Some(name), None, "").ok()?
        }
        Terminator::Event(_) => return None,
    }
    Some(buf.freeze())
}

/// Where an item-mode operation's handler sends items.
///
/// `send` waits while the client is slower than the handler and fails once the client
/// is gone. For a stream-conditional operation whose request did not ask for the stream,
/// items are dropped and the handler's response is the answer: one implementation
/// serves both.
pub struct ItemSink<C> {
    tx: Option<mpsc::Sender<Frame>>,
    _codec: PhantomData<fn(C)>,
}

impl<C> Clone for ItemSink<C> {
    fn clone(&self) -> Self {
        ItemSink {
            tx: self.tx.clone(),
            _codec: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ItemSink<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemSink")
            .field("streaming", &self.tx.is_some())
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
        let Some(tx) = &self.tx else {
            return Ok(());
        };
        let mut data = String::new();
        let event = C::encode(&item, &mut data).map_err(|e| PushError::Encode(e.0))?;
        self.send_frame(tx, event, id, &data).await
    }

    /// Sends the declared error item (`x-push-error`), as a stream that fails after it
    /// has started does; the handler then returns.
    pub async fn fail(&self, failure: &C::Failure) -> Result<(), PushError> {
        let Some(tx) = &self.tx else {
            return Ok(());
        };
        let data = serde_json::to_string(failure).map_err(|e| PushError::Encode(e.to_string()))?;
        self.send_frame(tx, None, None, &data).await
    }

    async fn send_frame(
        &self,
        tx: &mpsc::Sender<Frame>,
        event: Option<&str>,
        id: Option<&str>,
        data: &str,
    ) -> Result<(), PushError> {
        let mut buf = BytesMut::with_capacity(data.len() + 16 + event.map_or(0, str::len));
        C::MEDIA
            .encode(&mut buf, event, id, data)
            .map_err(|e| PushError::Encode(e.to_string()))?;
        tx.send(Frame::Data(buf.freeze()))
            .await
            .map_err(|_| PushError::Closed)
    }

    /// Commits the stream head now, before the first item — to start keep-alives while
    /// the handler waits.
    pub async fn open(&self) -> Result<(), PushError> {
        match &self.tx {
            Some(tx) => tx.send(Frame::Open).await.map_err(|_| PushError::Closed),
            None => Ok(()),
        }
    }

    /// Whether items reach the client: `false` for a stream-conditional operation whose
    /// request asked for the whole answer.
    pub fn is_streaming(&self) -> bool {
        self.tx.is_some()
    }

    /// Resolves once the client is gone; never when items do not reach it.
    pub async fn closed(&self) {
        match &self.tx {
            Some(tx) => tx.closed().await,
            None => std::future::pending().await,
        }
    }
}

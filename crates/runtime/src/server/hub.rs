//! One source, many watchers, and resumption.
//!
//! A [`Hub`] keeps topics: what is published on one reaches every client watching it,
//! and is kept in a [`ReplayLog`] so that a client that lost its connection comes back
//! with `Last-Event-ID` and gets what it missed, then the live events, with no gap and
//! no duplicate. The publisher need not be a request handler at all (a job runner, a
//! message queue consumer); the handler of a push operation only watches:
//!
//! ```ignore
//! async fn watch(&self, context: RequestContext, params: watch::Params, push: PushSink<watch::Push>)
//!     -> watch::Response
//! {
//!     match self.hub.watch(&params.feed, &context, &push).await {
//!         Ok(response) => response,
//!         Err(e) => watch::Response::Unavailable { body: e.to_string() },
//!     }
//! }
//! ```
//!
//! What a reconnect is answered with (docs/PROTOCOL.md, "Resumption"): the events after
//! the id it names, then the live ones; `204 No Content` when the id is the topic's end;
//! a `gap` event naming the oldest id still held, then everything held, when the id is
//! not in the log.

use super::items::{ItemSink, marker_is_item};
use super::pipe::Pipe;
use super::push::PushSink;
use super::{PushError, RequestContext};
use crate::binding::Media;
use crate::item::{self, ItemCodec, Terminator};
use crate::replay::{Entry, LogError, MemoryLog, ReplayLog, Tailed};
use crate::wire::{self, DecodeError, EncodeError, FINAL_EVENT, PushMessage, ResponseParts};
use bytes::BytesMut;
use bytestring::ByteString;
use futures_util::StreamExt;
use std::fmt;
use std::sync::{Arc, Mutex};

/// What a [`Hub`] does with a watcher that falls so far behind that the log no longer
/// holds the events it has yet to send (its client reads too slowly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behind {
    /// Cut its stream: its client reconnects and resumes, and is told of the gap then.
    #[default]
    Cut,
    /// Send a `gap` and carry on from the oldest event held.
    Gap,
}

/// How a [`Hub`] treats its watchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HubConfig {
    pub behind: Behind,
}

/// Topics that many clients watch, with resumption from a [`ReplayLog`].
///
/// The hub holds no events itself: each watcher tails the log, so the log's bounds are
/// the bound on memory, however many watch, and a slow watcher slows nobody else.
#[derive(Clone)]
pub struct Hub {
    log: Arc<dyn ReplayLog>,
    config: HubConfig,
    /// Where pushes are encoded: each is split off as it is published, so the log's
    /// events share a few large buffers instead of costing an allocation each (and a
    /// second one the first time a watcher clones one).
    scratch: Arc<Mutex<BytesMut>>,
}

/// Why a publish failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishError {
    Encode(EncodeError),
    Log(LogError),
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::Encode(e) => write!(f, "{e}"),
            PublishError::Log(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PublishError {}

/// Why watching a topic ended without its final response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchError {
    /// The client is gone.
    Closed,
    /// The watcher fell behind the log and was cut ([`Behind::Cut`]): its client
    /// resumes from the log.
    Lagged,
    /// The log failed.
    Log(LogError),
    /// The topic's end, as logged, is not a response of this operation.
    Decode(DecodeError),
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::Closed => f.write_str("the client is gone"),
            WatchError::Lagged => f.write_str("the watcher fell behind and was cut"),
            WatchError::Log(e) => write!(f, "{e}"),
            WatchError::Decode(e) => write!(f, "the topic's final response: {e}"),
        }
    }
}

impl std::error::Error for WatchError {}

impl From<LogError> for WatchError {
    fn from(e: LogError) -> Self {
        WatchError::Log(e)
    }
}

impl From<PushError> for WatchError {
    fn from(e: PushError) -> Self {
        match e {
            PushError::Closed => WatchError::Closed,
            PushError::Encode(e) => WatchError::Decode(DecodeError::invalid(e)),
        }
    }
}

impl Hub {
    /// A hub on `log`.
    pub fn new(log: impl ReplayLog) -> Self {
        Hub::with_log(Arc::new(log))
    }

    /// A hub on a shared log.
    pub fn with_log(log: Arc<dyn ReplayLog>) -> Self {
        Hub {
            log,
            config: HubConfig::default(),
            scratch: Arc::new(Mutex::new(BytesMut::new())),
        }
    }

    /// A hub on a [`MemoryLog`] with its default bounds: for one server node.
    pub fn memory() -> Self {
        Hub::new(MemoryLog::default())
    }

    /// The log the hub keeps its topics in.
    pub fn log(&self) -> &Arc<dyn ReplayLog> {
        &self.log
    }

    pub fn config(mut self, config: HubConfig) -> Self {
        self.config = config;
        self
    }

    /// Publishes `push` on `topic` with an id the log assigns, and returns the id.
    pub async fn publish<P: PushMessage>(
        &self,
        topic: &str,
        push: &P,
    ) -> Result<String, PublishError> {
        self.publish_entry(topic, None, push).await
    }

    /// Publishes `push` on `topic` with the id `id` (unique within the topic).
    pub async fn publish_with_id<P: PushMessage>(
        &self,
        topic: &str,
        id: &str,
        push: &P,
    ) -> Result<String, PublishError> {
        self.publish_entry(topic, Some(id), push).await
    }

    async fn publish_entry<P: PushMessage>(
        &self,
        topic: &str,
        id: Option<&str>,
        push: &P,
    ) -> Result<String, PublishError> {
        let (event, data) = self.encode(push)?;
        // Watchers tail the log: appending is publishing.
        self.log
            .append(topic, id, Some(event), data)
            .await
            .map_err(PublishError::Log)
    }

    /// The envelope JSON of `push` in one pass, as a stream would write it, unframed,
    /// and its name.
    pub(super) fn encode<P: PushMessage>(
        &self,
        push: &P,
    ) -> Result<(&'static str, ByteString), PublishError> {
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        if scratch.capacity() < SCRATCH / 8 {
            scratch.reserve(SCRATCH);
        }
        let mut text = String::new();
        let mut writer = wire::FrameWriter::envelope(&mut scratch, &mut text);
        let written = push.write(&mut writer);
        let event = writer.event();
        let finished = written.and_then(|()| writer.finish());
        let data = scratch.split();
        finished.map_err(PublishError::Encode)?;
        Ok((event, utf8(data)?))
    }

    /// Ends `topic` with the final response `response`: watchers get it and their
    /// streams end; a later reconnect naming it is answered `204 No Content`.
    pub async fn finish<R: ResponseParts>(
        &self,
        topic: &str,
        response: &R,
    ) -> Result<String, PublishError> {
        let parts = response.to_parts().map_err(PublishError::Encode)?;
        let data = ByteString::from(wire::final_json(&parts).map_err(PublishError::Encode)?);
        self.log
            .end(topic, None, Some(FINAL_EVENT), data)
            .await
            .map_err(PublishError::Log)
    }

    /// Streams `topic` into `sink` for the request `context`: from after its
    /// `Last-Event-ID` (or everything the log holds, on a first connection), then live,
    /// until the topic ends; returns its final response, for the handler to return.
    pub async fn watch<P, R>(
        &self,
        topic: &str,
        context: &RequestContext,
        sink: &PushSink<P>,
    ) -> Result<R, WatchError>
    where
        P: PushMessage,
        R: ResponseParts,
    {
        let after = context.last_event_id.as_deref();
        match self.follow(topic, after, sink).await? {
            Followed::End(end, _) => {
                if let Some(pipe) = sink.pipe() {
                    pipe.set_final_id(end.id.to_string());
                }
                final_response(&end)
            }
            Followed::AtEnd(end) => {
                if let Some(pipe) = sink.pipe() {
                    pipe.answer_no_content();
                }
                final_response(&end)
            }
        }
    }

    /// Publishes an item of an item-mode operation on `topic`, with an id the log
    /// assigns, and returns the id.
    pub async fn publish_item<C: ItemCodec>(
        &self,
        topic: &str,
        item: &C::Item,
    ) -> Result<String, PublishError> {
        let (event, data) = encode_item::<C>(item)?;
        self.log
            .append(topic, None, event, data)
            .await
            .map_err(PublishError::Log)
    }

    /// Ends an item-mode `topic`: watchers get `last` (when given: the item that ends
    /// the stream, as a `done` event does that is declared its terminal marker), then
    /// the declared marker if it is a frame of its own, and their streams end; a later
    /// reconnect naming the end is answered `204 No Content`.
    pub async fn finish_items<C: ItemCodec>(
        &self,
        topic: &str,
        last: Option<&C::Item>,
    ) -> Result<String, PublishError> {
        let (event, data) = encode_items_end::<C>(last)?;
        self.log
            .end(topic, None, event, data)
            .await
            .map_err(PublishError::Log)
    }

    /// [`Hub::watch`] for an item-mode operation: streams the items of `topic` into
    /// `items`, then ends the stream as the topic ended. The handler then returns its
    /// `2xx` response, which ends the stream with its marker.
    ///
    /// Over SSE every item carries its id, and so does the marker. The line formats have
    /// no place for ids: a client cannot resume there, and a `Last-Event-ID` it sends is
    /// not looked up (every watcher starts from the oldest item held); a watcher that
    /// falls behind is cut, whatever [`HubConfig::behind`] says, as a gap cannot be said.
    pub async fn watch_items<C: ItemCodec>(
        &self,
        topic: &str,
        context: &RequestContext,
        items: &ItemSink<C>,
    ) -> Result<(), WatchError> {
        let after = match C::MEDIA {
            Media::EventStream => context.last_event_id.as_deref(),
            _ => None,
        };
        let (end, at_end, sent) = match self.follow(topic, after, items).await? {
            Followed::End(end, sent) => (end, false, sent),
            Followed::AtEnd(end) => (end, true, false),
        };
        end_items(items, &end, at_end, sent).await?;
        Ok(())
    }

    /// Tails `topic` into `sink` after `after`, until the topic's end.
    async fn follow<S: Watcher>(
        &self,
        topic: &str,
        after: Option<&str>,
        sink: &S,
    ) -> Result<Followed, WatchError> {
        let mut tail = self.log.tail(topic, after);
        let mut sent = false;
        // Made once: a new waiter per event would cost a registration each.
        let closed = sink.closed();
        let mut closed = std::pin::pin!(closed);
        loop {
            let next = tokio::select! {
                next = tail.next() => next,
                () = &mut closed => return Err(WatchError::Closed),
            };
            let Some(next) = next else {
                return Err(WatchError::Log(LogError::Unavailable(
                    "the log's tail ended before the topic did".into(),
                )));
            };
            match next? {
                Tailed::Event(entry) => {
                    sink.entry(&entry).await?;
                    sent = true;
                }
                // What the client asked to resume after is gone: say so, then send what
                // is held. Where a gap cannot be said, the client never had an id.
                Tailed::Gap { oldest } if !sent => {
                    sink.gap(oldest.as_deref()).await?;
                }
                Tailed::Gap { oldest } => {
                    let said =
                        self.config.behind == Behind::Gap && sink.gap(oldest.as_deref()).await?;
                    if !said {
                        if let Some(pipe) = sink.pipe() {
                            pipe.cut();
                        }
                        return Err(WatchError::Lagged);
                    }
                }
                Tailed::End(end) => return Ok(Followed::End(end, sent)),
                Tailed::AtEnd(end) => return Ok(Followed::AtEnd(end)),
            }
        }
    }
}

/// Ends an item stream as the topic ended with `end`: `at_end` when the client already
/// had it, `sent` when anything came before it in this stream.
pub(super) async fn end_items<C: ItemCodec>(
    items: &ItemSink<C>,
    end: &Entry,
    at_end: bool,
    sent: bool,
) -> Result<(), PushError> {
    let Some(pipe) = items.pipe() else {
        return Ok(());
    };
    let event = end.event.as_deref();
    let data: &str = &end.data;
    let is_marker = item::is_terminator(C::TERMINATOR, event, data) && !marker_is_item::<C>();
    let is_nothing = C::TERMINATOR.is_none() && event.is_none() && data.is_empty();
    if at_end || (is_nothing && !sent) {
        // Nothing follows what the client has: say so, so that an `EventSource` stops
        // reconnecting.
        pipe.answer_no_content();
    } else if is_marker || is_nothing {
        pipe.set_final_id(end.id.to_string());
    } else {
        // The end is an item (the last one, or the declared marker event carrying one).
        items.send_entry(end).await?;
    }
    Ok(())
}

/// How following a topic ended.
enum Followed {
    /// At the topic's end, after what came before it; whether anything came.
    End(Entry, bool),
    /// The client already had everything: its id was the end's.
    AtEnd(Entry),
}

/// What a [`Hub`] writes a topic to: an envelope-mode or an item-mode sink.
trait Watcher {
    async fn entry(&self, entry: &Entry) -> Result<(), PushError>;
    /// `false` when a gap cannot be said in this stream.
    async fn gap(&self, oldest: Option<&str>) -> Result<bool, PushError>;
    fn pipe(&self) -> Option<&Arc<Pipe>>;
    async fn closed(&self);
}

impl<P: PushMessage> Watcher for PushSink<P> {
    async fn entry(&self, entry: &Entry) -> Result<(), PushError> {
        self.send_entry(entry).await
    }
    async fn gap(&self, oldest: Option<&str>) -> Result<bool, PushError> {
        self.send_gap(oldest).await
    }
    fn pipe(&self) -> Option<&Arc<Pipe>> {
        PushSink::pipe(self)
    }
    async fn closed(&self) {
        PushSink::closed(self).await
    }
}

impl<C: ItemCodec> Watcher for ItemSink<C> {
    async fn entry(&self, entry: &Entry) -> Result<(), PushError> {
        self.send_entry(entry).await
    }
    async fn gap(&self, oldest: Option<&str>) -> Result<bool, PushError> {
        self.send_gap(oldest).await
    }
    fn pipe(&self) -> Option<&Arc<Pipe>> {
        ItemSink::pipe(self)
    }
    async fn closed(&self) {
        ItemSink::closed(self).await
    }
}

pub(super) fn encode_item<C: ItemCodec>(
    item: &C::Item,
) -> Result<(Option<&'static str>, ByteString), PublishError> {
    let mut data = String::new();
    let event = C::encode(item, &mut data).map_err(PublishError::Encode)?;
    Ok((event, ByteString::from(data)))
}

/// How an item stream's end is logged: the item that ends it, else its declared marker.
pub(super) fn encode_items_end<C: ItemCodec>(
    last: Option<&C::Item>,
) -> Result<(Option<&'static str>, ByteString), PublishError> {
    Ok(match last {
        Some(item) => encode_item::<C>(item)?,
        None => match C::TERMINATOR {
            Some(Terminator::Data(text)) => (None, ByteString::from_static(text)),
            Some(Terminator::Event(name)) => (Some(name), ByteString::new()),
            None => (None, ByteString::new()),
        },
    })
}

/// What the encoding buffer grows by: pushes share buffers of about this size.
const SCRATCH: usize = 64 * 1024;

/// The text a writer wrote: checked once here, so that no watcher checks it again.
fn utf8(data: BytesMut) -> Result<ByteString, PublishError> {
    ByteString::try_from(data.freeze())
        .map_err(|_| PublishError::Encode(EncodeError("a push was written as non-UTF-8".into())))
}

fn final_response<R: ResponseParts>(end: &Entry) -> Result<R, WatchError> {
    wire::read_sse_final(&end.data).map_err(WatchError::Decode)
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

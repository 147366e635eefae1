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

use super::push::PushSink;
use super::{PushError, RequestContext};
use crate::replay::{Entry, LogError, MemoryLog, ReplayLog, Tailed};
use crate::wire::{self, DecodeError, EncodeError, FINAL_EVENT, PushMessage, ResponseParts};
use bytes::Bytes;
use futures_util::StreamExt;
use std::fmt;
use std::sync::Arc;

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
        }
    }

    /// A hub on a [`MemoryLog`] with its default bounds: for one server node.
    pub fn memory() -> Self {
        Hub::new(MemoryLog::default())
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
        let envelope = push.encode().map_err(PublishError::Encode)?;
        let data = wire::envelope_json(&envelope).map_err(PublishError::Encode)?;
        // Watchers tail the log: appending is publishing.
        self.log
            .append(topic, id, Some(&envelope.event), Bytes::from(data))
            .await
            .map_err(PublishError::Log)
    }

    /// Ends `topic` with the final response `response`: watchers get it and their
    /// streams end; a later reconnect naming it is answered `204 No Content`.
    pub async fn finish<R: ResponseParts>(
        &self,
        topic: &str,
        response: &R,
    ) -> Result<String, PublishError> {
        let parts = response.to_parts().map_err(PublishError::Encode)?;
        let data = Bytes::from(wire::final_json(&parts).map_err(PublishError::Encode)?);
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
        let mut tail = self.log.tail(topic, context.last_event_id.as_deref());
        let mut sent = false;
        loop {
            let next = tokio::select! {
                next = tail.next() => next,
                () = sink.closed() => return Err(WatchError::Closed),
            };
            let Some(next) = next else {
                return Err(WatchError::Log(LogError::Unavailable(
                    "the log's tail ended before the topic did".into(),
                )));
            };
            match next? {
                Tailed::Event(entry) => {
                    sink.send_entry(&entry).await?;
                    sent = true;
                }
                // What the client asked to resume after is gone: say so, then send what
                // is held.
                Tailed::Gap { oldest } if !sent => sink.send_gap(oldest.as_deref()).await?,
                Tailed::Gap { oldest } => match self.config.behind {
                    Behind::Gap => sink.send_gap(oldest.as_deref()).await?,
                    Behind::Cut => {
                        if let Some(pipe) = sink.pipe() {
                            pipe.cut();
                        }
                        return Err(WatchError::Lagged);
                    }
                },
                Tailed::End(end) => {
                    if let Some(pipe) = sink.pipe() {
                        pipe.set_final_id(end.id.clone());
                    }
                    return final_response(&end);
                }
                Tailed::AtEnd(end) => {
                    if let Some(pipe) = sink.pipe() {
                        pipe.answer_no_content();
                    }
                    return final_response(&end);
                }
            }
        }
    }
}

fn final_response<R: ResponseParts>(end: &Entry) -> Result<R, WatchError> {
    let data = std::str::from_utf8(&end.data)
        .map_err(|_| WatchError::Decode(DecodeError::invalid("the final response is not UTF-8")))?;
    wire::read_sse_final(data).map_err(WatchError::Decode)
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

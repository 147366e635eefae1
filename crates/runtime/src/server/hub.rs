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
use crate::replay::{Entry, LogError, MemoryLog, Replay, ReplayLog};
use crate::wire::{self, DecodeError, EncodeError, FINAL_EVENT, PushMessage, ResponseParts};
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// How a [`Hub`] treats its watchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubConfig {
    /// Live events a watcher may fall behind by. One that falls further is cut: its
    /// stream ends early, and its client resumes from the log, so a slow client never
    /// slows the others or grows the server's memory.
    pub lag: usize,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig { lag: 1024 }
    }
}

/// Topics that many clients watch, with resumption from a [`ReplayLog`].
#[derive(Clone)]
pub struct Hub {
    log: Arc<dyn ReplayLog>,
    topics: Arc<Mutex<HashMap<String, Arc<Topic>>>>,
    config: HubConfig,
}

struct Topic {
    /// Held across the log's append and the broadcast, so that live watchers see events
    /// in the log's order.
    order: tokio::sync::Mutex<()>,
    live: broadcast::Sender<Live>,
}

#[derive(Clone)]
enum Live {
    Event(Arc<Entry>),
    End(Arc<Entry>),
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
    /// The watcher fell more than [`HubConfig::lag`] events behind; its stream is cut,
    /// and its client resumes from the log.
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
            topics: Arc::default(),
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

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Topic>>> {
        self.topics.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn topic(&self, name: &str) -> Arc<Topic> {
        let mut topics = self.lock();
        topics
            .entry(name.to_owned())
            .or_insert_with(|| {
                Arc::new(Topic {
                    order: tokio::sync::Mutex::new(()),
                    live: broadcast::channel(self.config.lag.max(1)).0,
                })
            })
            .clone()
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
        let handle = self.topic(topic);
        let _order = handle.order.lock().await;
        let data = Bytes::from(data);
        let id = self
            .log
            .append(topic, id, Some(&envelope.event), data.clone())
            .await
            .map_err(PublishError::Log)?;
        let entry = Entry {
            id: id.clone(),
            event: Some(envelope.event.into_owned()),
            data,
        };
        // No watcher is not an error: the log has it.
        let _ = handle.live.send(Live::Event(Arc::new(entry)));
        Ok(id)
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
        let handle = self.topic(topic);
        let _order = handle.order.lock().await;
        let id = self
            .log
            .end(topic, None, Some(FINAL_EVENT), data.clone())
            .await
            .map_err(PublishError::Log)?;
        let entry = Entry {
            id: id.clone(),
            event: Some(FINAL_EVENT.to_owned()),
            data,
        };
        let _ = handle.live.send(Live::End(Arc::new(entry)));
        // Later watchers find the end in the log.
        self.lock().remove(topic);
        Ok(id)
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
        // Subscribed before the log is read, so that nothing published in between is
        // missed; what arrives twice is dropped by id.
        let mut live = self.topic(topic).live.subscribe();
        let after = context.last_event_id.as_deref();
        let (entries, ended) = match self.log.replay(topic, after).await? {
            Replay::Ended(end) => {
                if let Some(pipe) = sink.pipe() {
                    pipe.answer_no_content();
                }
                return final_response(&end);
            }
            Replay::After { entries, ended } => (entries, ended),
            Replay::Gap { oldest } => {
                sink.send_gap(oldest.as_deref()).await?;
                match self.log.replay(topic, None).await? {
                    Replay::After { entries, ended } => (entries, ended),
                    // The log lost the topic between the two reads.
                    _ => (Vec::new(), None),
                }
            }
        };
        let mut seen = HashSet::with_capacity(entries.len());
        for entry in &entries {
            sink.send_entry(entry).await?;
            seen.insert(entry.id.clone());
        }
        if let Some(end) = ended {
            return self.end(sink, &end);
        }
        loop {
            let next = tokio::select! {
                next = live.recv() => next,
                () = sink.closed() => return Err(WatchError::Closed),
            };
            match next {
                Ok(Live::Event(entry)) if seen.contains(&entry.id) => {}
                Ok(Live::Event(entry)) => sink.send_entry(&entry).await?,
                Ok(Live::End(end)) => return self.end(sink, &end),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if let Some(pipe) = sink.pipe() {
                        pipe.cut();
                    }
                    return Err(WatchError::Lagged);
                }
                Err(broadcast::error::RecvError::Closed) => {
                    // The topic ended while this watcher was being set up: the log has
                    // its end.
                    return match self.log.replay(topic, None).await? {
                        Replay::After {
                            ended: Some(end), ..
                        } => self.end(sink, &end),
                        _ => Err(WatchError::Log(LogError::Unavailable(
                            "the topic closed without an end".into(),
                        ))),
                    };
                }
            }
        }
    }

    fn end<P: PushMessage, R: ResponseParts>(
        &self,
        sink: &PushSink<P>,
        end: &Entry,
    ) -> Result<R, WatchError> {
        if let Some(pipe) = sink.pipe() {
            pipe.set_final_id(end.id.clone());
        }
        final_response(end)
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
            .field("topics", &self.lock().len())
            .field("config", &self.config)
            .finish()
    }
}

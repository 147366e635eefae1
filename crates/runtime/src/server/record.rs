//! A handler's own stream, kept for resumption as it is sent.
//!
//! [`Hub::watch`] serves a topic that something else publishes. Often the handler is the
//! source: one request starts a job, and its pushes are that job's progress. A
//! [`Recording`] sends each push to the client *and* appends it to the hub's log, in the
//! handler's task, so that the stream costs no hand-over between tasks; a client that
//! loses its connection comes back with `Last-Event-ID`, and the handler of that request
//! watches the same topic to resume it. The handler's task outlives its client
//! ([`Shared::serve_push`](super::Shared::serve_push)), so when the client is gone the
//! recording goes on into the log alone, at the log's pace, and the reconnect finds it
//! all.
//!
//! ```ignore
//! async fn run(&self, context: RequestContext, params: run::Params, push: PushSink<run::Push>)
//!     -> run::Response
//! {
//!     let topic = format!("job-{}", params.job);
//!     if context.last_event_id.is_some() {
//!         // A reconnect: the first request's handler is recording, or has recorded.
//!         return self.hub.watch(&topic, &context, &push).await.unwrap_or_else(unavailable);
//!     }
//!     let mut recording = self.hub.record(&topic, &push);
//!     for step in 0..10 {
//!         if let Err(e) = recording.send(run::Push::progress(step)).await {
//!             return unavailable(e);
//!         }
//!     }
//!     recording.finish(run::Response::Ok { .. }).await.unwrap_or_else(unavailable)
//! }
//! ```

use super::PushError;
use super::hub::{Hub, PublishError, encode_item, encode_items_end, end_items};
use super::items::ItemSink;
use super::push::PushSink;
use crate::item::ItemCodec;
use crate::replay::Entry;
use crate::wire::{EncodeError, PushMessage, ResponseParts};
use bytestring::ByteString;

/// A handler's stream on its way to the client and into a [`Hub`]'s log; made by
/// [`Hub::record`] (envelope mode) and [`Hub::record_items`] (item mode).
///
/// Each `send` waits for the client as [`PushSink::send`] does, while the client is
/// there; once it is gone (its connection was lost), the recording is detached and the
/// pushes go into the log only.
pub struct Recording<'a, S> {
    hub: &'a Hub,
    topic: &'a str,
    /// The client's stream, while it is there.
    sink: Option<&'a S>,
    /// Whether anything reached the client's stream.
    sent: bool,
}

impl Hub {
    /// Records an envelope-mode handler's pushes on `topic` as it sends them to `sink`.
    pub fn record<'a, P: PushMessage>(
        &'a self,
        topic: &'a str,
        sink: &'a PushSink<P>,
    ) -> Recording<'a, PushSink<P>> {
        Recording::new(self, topic, sink)
    }

    /// Records an item-mode handler's items on `topic` as it sends them to `items`.
    pub fn record_items<'a, C: ItemCodec>(
        &'a self,
        topic: &'a str,
        items: &'a ItemSink<C>,
    ) -> Recording<'a, ItemSink<C>> {
        Recording::new(self, topic, items)
    }
}

impl<'a, S> Recording<'a, S> {
    fn new(hub: &'a Hub, topic: &'a str, sink: &'a S) -> Self {
        Recording {
            hub,
            topic,
            sink: Some(sink),
            sent: false,
        }
    }

    /// Whether the client's connection is still there (pushes reach it, not only the
    /// log).
    pub fn is_attached(&self) -> bool {
        self.sink.is_some()
    }

    /// Sends a logged entry to the client while it is there; a client that is gone
    /// detaches the recording.
    async fn deliver<F>(&mut self, entry: &Entry, send: F) -> Result<(), PublishError>
    where
        F: AsyncFnOnce(&S, &Entry) -> Result<(), PushError>,
    {
        let Some(sink) = self.sink else {
            return Ok(());
        };
        match send(sink, entry).await {
            Ok(()) => {
                self.sent = true;
                Ok(())
            }
            Err(PushError::Closed) => {
                self.sink = None;
                Ok(())
            }
            Err(PushError::Encode(e)) => Err(PublishError::Encode(EncodeError(e))),
        }
    }

    async fn append(
        &self,
        id: Option<&str>,
        event: Option<&'static str>,
        data: ByteString,
    ) -> Result<Entry, PublishError> {
        let id = self
            .hub
            .log()
            .append(self.topic, id, event, data.clone())
            .await
            .map_err(PublishError::Log)?;
        Ok(Entry {
            id: ByteString::from(id),
            event: event.map(ByteString::from_static),
            data,
        })
    }
}

impl<P: PushMessage> Recording<'_, PushSink<P>> {
    /// Logs `push` with an id the log assigns, sends it, and returns the id.
    pub async fn send(&mut self, push: impl Into<P>) -> Result<String, PublishError> {
        self.send_entry(None, &push.into()).await
    }

    /// Logs `push` with the id `id` (unique within the topic) and sends it.
    pub async fn send_with_id(
        &mut self,
        id: &str,
        push: impl Into<P>,
    ) -> Result<String, PublishError> {
        self.send_entry(Some(id), &push.into()).await
    }

    async fn send_entry(&mut self, id: Option<&str>, push: &P) -> Result<String, PublishError> {
        let (event, data) = self.hub.encode(push)?;
        let entry = self.append(id, Some(event), data).await?;
        self.deliver(&entry, async |sink, entry| sink.send_entry(entry).await)
            .await?;
        Ok(entry.id.to_string())
    }

    /// Ends the topic with the final response and gives it back, for the handler to
    /// return: the stream's final event carries the end's id, and a reconnect naming it
    /// is answered `204 No Content`.
    pub async fn finish<R: ResponseParts>(self, response: R) -> Result<R, PublishError> {
        let id = self.hub.finish(self.topic, &response).await?;
        if let Some(pipe) = self.sink.and_then(PushSink::pipe) {
            pipe.set_final_id(id);
        }
        Ok(response)
    }
}

impl<C: ItemCodec> Recording<'_, ItemSink<C>> {
    /// Logs `item` with an id the log assigns, sends it, and returns the id. Over SSE the
    /// item carries its id; the line formats have no place for one.
    pub async fn send(&mut self, item: impl Into<C::Item>) -> Result<String, PublishError> {
        let (event, data) = encode_item::<C>(&item.into())?;
        let entry = self.append(None, event, data).await?;
        self.deliver(&entry, async |items, entry| items.send_entry(entry).await)
            .await?;
        Ok(entry.id.to_string())
    }

    /// Ends the topic: with `last` (the item that ends the stream, as a `done` event does
    /// that is declared its terminal marker), else with the declared marker. The handler
    /// then returns its `2xx` response, which ends the stream.
    pub async fn finish(mut self, last: Option<&C::Item>) -> Result<(), PublishError> {
        let (event, data) = encode_items_end::<C>(last)?;
        let id = self
            .hub
            .log()
            .end(self.topic, None, event, data.clone())
            .await
            .map_err(PublishError::Log)?;
        let end = Entry {
            id: ByteString::from(id),
            event: event.map(ByteString::from_static),
            data,
        };
        let sent = self.sent;
        self.deliver(&end, async |items, end| {
            end_items(items, end, false, sent).await
        })
        .await
    }
}

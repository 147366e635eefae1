//! Envelope mode on the server: pushed responses, then the final response in-band.

use super::h2::{H2Push, PushRefused};
use super::pipe::Pipe;
use super::stream::{self, Cut, Ending};
use super::{Binding, Incoming, PushError, Shared};
use crate::binding::Media;
use crate::replay::Entry;
use crate::sse;
use crate::wire::{self, FINAL_EVENT, GAP_EVENT, Parts, PushMessage, ResponseParts};
use axum::body::Bytes;
use axum::response::Response;
use bytes::BytesMut;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

impl<A> Shared<A> {
    /// Runs a push operation's handler and answers with its pushes and final response, in
    /// the binding the request selects ([`Incoming::binding`]).
    ///
    /// The handler runs on its own task, so it outlives a client that disconnects: its
    /// next `send` fails, and it decides what to do about it.
    pub async fn serve_push<P, R, F, Fut>(&self, request: &Incoming, handler: F) -> Response
    where
        P: PushMessage + Send + 'static,
        R: ResponseParts + Send + 'static,
        F: FnOnce(PushSink<P>) -> Fut,
        Fut: Future<Output = R> + Send + 'static,
    {
        let pipe = Pipe::new(self.config().push_buffer);
        let media = match request.binding() {
            Binding::Stream(media) => Some(media),
            Binding::Plain => None,
        };
        // No stream format asked for, over HTTP/2 on `h2`: real server push, the final
        // response as the request's own response, after the pushes.
        if let (None, Some(push)) = (media, request.h2_push()) {
            let sink = PushSink {
                pipe: None,
                h2: Some(Arc::new(H2Target {
                    push: push.clone(),
                    refused: AtomicBool::new(false),
                    shutdown: self.config().shutdown.as_ref().map(|s| s.tx.subscribe()),
                })),
                _push: PhantomData,
            };
            let response = handler(sink).await;
            return super::respond(&response);
        }
        let sink = PushSink {
            pipe: media.map(|media| (pipe.clone(), media)),
            h2: None,
            _push: PhantomData,
        };
        if let (Some(Media::EventStream), Some(retry)) = (media, self.config().retry) {
            let mut field = BytesMut::new();
            sse::encode_retry(
                &mut field,
                u64::try_from(retry.as_millis()).unwrap_or(u64::MAX),
            );
            pipe.prefill(&field);
        }
        let media = media.unwrap_or(Media::EventStream);
        let running = handler(sink);
        stream::answer(running, pipe, media, FinalResponse(media), self.config()).await
    }
}

/// Envelope mode ends with the final response, whatever it is.
struct FinalResponse(Media);

impl Ending for FinalResponse {
    fn plain_if_first(&self, _: &Parts) -> bool {
        true
    }

    fn last_bytes(
        &self,
        parts: Result<Parts, wire::EncodeError>,
        id: Option<&str>,
    ) -> Result<Option<Bytes>, Cut> {
        let encoded = parts.and_then(|p| match self.0 {
            Media::EventStream => wire::final_json(&p),
            _ => wire::final_line(&p).map(|line| match id {
                // `{"final":{…},"id":ID}`: the line carries the id, as a push line does.
                Some(id) => {
                    let mut line = line;
                    line.pop();
                    line.push_str(",\"id\":");
                    wire::json_str(&mut line, id);
                    line.push('}');
                    line
                }
                None => line,
            }),
        });
        let data = encoded.unwrap_or_else(|e| {
            // The declared response could not be encoded: say so in-band, as a 500.
            let message = serde_json::to_string(&e.0).unwrap_or_else(|_| "\"\"".into());
            let parts =
                format!("{{\"status\":500,\"headers\":{{}},\"body\":{{\"message\":{message}}}}}");
            match self.0 {
                Media::EventStream => parts,
                _ => format!("{{\"final\":{parts}}}"),
            }
        });
        let mut buf = BytesMut::with_capacity(data.len() + 24);
        let sse_id = match self.0 {
            Media::EventStream => id,
            _ => None,
        };
        // The event name is a constant without line breaks, and ids are checked where
        // they are made: no error.
        let _ = self.0.encode(&mut buf, Some(FINAL_EVENT), sse_id, &data);
        Ok(Some(buf.freeze()))
    }
}

/// Where a push operation's handler sends pushes.
///
/// `send` waits while the client is slower than the handler (the buffer is
/// [`ServerConfig::push_buffer`](super::ServerConfig::push_buffer) pushes) and fails once
/// the client is gone. When the client did not ask for a stream (its `Accept` names none
/// of `text/event-stream`, `application/x-ndjson`, `application/jsonl`), pushes are
/// dropped: a server *may* push, and this client only wants the final response.
pub struct PushSink<P> {
    pipe: Option<(Arc<Pipe>, Media)>,
    /// HTTP/2 server push, when the request was served on `h2` and asked for no stream.
    h2: Option<Arc<H2Target>>,
    _push: PhantomData<fn(P)>,
}

/// Where HTTP/2 pushes go.
struct H2Target {
    push: H2Push,
    /// The client refused pushes (`SETTINGS_ENABLE_PUSH` 0): they are dropped, and the
    /// final response alone answers, as for any client that asked for no stream.
    refused: AtomicBool,
    /// The server's shutdown: once triggered, sends fail as if the client had left, so
    /// the handler returns and the connection can close.
    shutdown: Option<tokio::sync::watch::Receiver<bool>>,
}

impl<P> Clone for PushSink<P> {
    fn clone(&self) -> Self {
        PushSink {
            pipe: self.pipe.clone(),
            h2: self.h2.clone(),
            _push: PhantomData,
        }
    }
}

impl<P> fmt::Debug for PushSink<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let binding = match (&self.pipe, &self.h2) {
            (Some((_, media)), _) => Some(media.content_type()),
            (None, Some(_)) => Some("http2-push"),
            (None, None) => None,
        };
        f.debug_struct("PushSink")
            .field("binding", &binding)
            .finish()
    }
}

impl<P: PushMessage> PushSink<P> {
    /// Pushes `push` to the client.
    pub async fn send(&self, push: impl Into<P>) -> Result<(), PushError> {
        self.send_event(None, push.into()).await
    }

    /// Pushes `push` with an event id, which a client reconnecting after a lost
    /// connection sends back as `Last-Event-ID`.
    pub async fn send_with_id(&self, id: &str, push: impl Into<P>) -> Result<(), PushError> {
        self.send_event(Some(id), push.into()).await
    }

    async fn send_event(&self, id: Option<&str>, push: P) -> Result<(), PushError> {
        if let Some(h2) = &self.h2 {
            let envelope = push.encode()?;
            return h2.push(&envelope, id).await;
        }
        let Some((pipe, media)) = &self.pipe else {
            return Ok(());
        };
        let media = *media;
        // Encoded where it is buffered, in one pass: no envelope, no copy of the body.
        pipe.send(|buf, text| {
            let mut frame = wire::FrameWriter::new(buf, text, media, id)?;
            push.write(&mut frame)?;
            frame.finish().map_err(PushError::from)
        })
        .await
    }

    /// Writes a logged event (resumption): its data is the envelope it was published
    /// with.
    pub(super) async fn send_entry(&self, entry: &Entry) -> Result<(), PushError> {
        if let Some(h2) = &self.h2 {
            let event = entry.event.as_deref().unwrap_or("");
            let envelope = wire::parse_envelope(event, &entry.data)
                .map_err(|e| PushError::Encode(format!("a logged event: {e}")))?;
            return h2.push(&envelope, Some(&entry.id)).await;
        }
        let Some((pipe, media)) = &self.pipe else {
            return Ok(());
        };
        let media = *media;
        let data: &str = &entry.data;
        pipe.send(|buf, _| match media {
            Media::EventStream => media
                .encode(buf, entry.event.as_deref(), Some(&entry.id), data)
                .map_err(|e| PushError::Encode(e.to_string())),
            _ => {
                // The envelope `{"path":…}` becomes the line `{"push":NAME,"path":…,"id":ID}`,
                // written where it is buffered.
                let inner = data
                    .strip_prefix('{')
                    .and_then(|d| d.strip_suffix('}'))
                    .ok_or_else(|| PushError::Encode("a logged event is not an envelope".into()))?;
                if memchr::memchr2(b'\n', b'\r', inner.as_bytes()).is_some() {
                    return Err(PushError::Encode("a logged event spans lines".into()));
                }
                if media == Media::JsonSeq {
                    buf.extend_from_slice(b"\x1e");
                }
                buf.extend_from_slice(b"{\"push\":");
                wire::json_str(buf, entry.event.as_deref().unwrap_or(""));
                buf.extend_from_slice(b",");
                buf.extend_from_slice(inner.as_bytes());
                buf.extend_from_slice(b",\"id\":");
                wire::json_str(buf, &entry.id);
                buf.extend_from_slice(b"}\n");
                Ok(())
            }
        })
        .await
    }

    /// Tells the client that what it asked to resume from is gone: the SSE event `gap`
    /// with data `{"oldest":ID}` (or `null`), the line `{"gap":{"oldest":ID}}`. `false`
    /// when it cannot be said: HTTP/2 push has no place for it (every pushed response is
    /// a declared push item's).
    pub(super) async fn send_gap(&self, oldest: Option<&str>) -> Result<bool, PushError> {
        let Some((pipe, media)) = &self.pipe else {
            return Ok(self.h2.is_none());
        };
        let media = *media;
        let gap = serde_json::json!({ "oldest": oldest }).to_string();
        pipe.send(|buf, line| {
            let (event, data) = match media {
                Media::EventStream => (Some(GAP_EVENT), gap.as_str()),
                _ => {
                    line.push_str("{\"gap\":");
                    line.push_str(&gap);
                    line.push('}');
                    (None, line.as_str())
                }
            };
            media
                .encode(buf, event, None, data)
                .map_err(|e| PushError::Encode(e.to_string()))
        })
        .await
        .map(|()| true)
    }

    /// The pipe, when the client asked for a stream.
    pub(super) fn pipe(&self) -> Option<&Arc<Pipe>> {
        self.pipe.as_ref().map(|(pipe, _)| pipe)
    }

    /// Commits the `200` stream head now, before the first push — to start keep-alives
    /// while the handler waits. Errors after this travel in-band as the final response.
    pub async fn open(&self) -> Result<(), PushError> {
        match &self.pipe {
            Some((pipe, _)) => pipe.open(),
            None => Ok(()),
        }
    }

    /// Whether pushes reach the client (it asked for a stream, or takes HTTP/2 pushes).
    pub fn is_streaming(&self) -> bool {
        self.pipe.is_some()
            || self
                .h2
                .as_ref()
                .is_some_and(|h2| !h2.refused.load(Ordering::Relaxed))
    }

    /// The stream's media type, when pushes reach the client.
    pub fn media(&self) -> Option<Media> {
        self.pipe.as_ref().map(|(_, media)| *media)
    }

    /// Resolves once the client is gone. Never resolves when the client did not ask for
    /// pushes, since there is no stream to lose.
    pub async fn closed(&self) {
        match (&self.pipe, &self.h2) {
            (Some((pipe, _)), _) => pipe.closed().await,
            (None, Some(h2)) => {
                tokio::select! {
                    () = h2.push.reset() => {}
                    () = h2.stopped() => {}
                }
            }
            (None, None) => std::future::pending().await,
        }
    }
}

impl H2Target {
    async fn push(&self, envelope: &wire::Envelope, id: Option<&str>) -> Result<(), PushError> {
        if self.shutdown.as_ref().is_some_and(|rx| *rx.borrow()) {
            return Err(PushError::Closed);
        }
        if self.refused.load(Ordering::Relaxed) {
            return Ok(());
        }
        let parts = &envelope.parts;
        let body = parts.body.as_ref().map(|json| json.bytes().clone());
        let pushed = tokio::select! {
            pushed = self.push.push(&envelope.path, parts.status, &parts.headers, id, body) => pushed,
            // A push waiting for a slow client does not hold the shutdown up.
            () = self.stopped() => return Err(PushError::Closed),
        };
        match pushed {
            Ok(()) => Ok(()),
            Err(PushRefused::Disabled) => {
                // A server *may* push; this client takes none.
                self.refused.store(true, Ordering::Relaxed);
                Ok(())
            }
            Err(PushRefused::Closed) => Err(PushError::Closed),
            Err(PushRefused::Invalid(e)) => Err(PushError::Encode(e)),
        }
    }

    /// Resolves once the server shuts down; never without a shutdown.
    async fn stopped(&self) {
        match &self.shutdown {
            Some(rx) => super::Shutdown::triggered(rx.clone()).await,
            None => std::future::pending().await,
        }
    }
}

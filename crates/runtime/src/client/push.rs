//! Envelope mode on the client: typed pushes, then the final response.

use super::read::{self, Opened, Reader};
use super::{Call, Error, Notice, PushBinding, Pushed};
use crate::binding::Frame;
use crate::wire::{self, DecodeError, FINAL_EVENT, GAP_EVENT, Line, PushMessage, ResponseParts};
use futures_util::future::BoxFuture;
use futures_util::ready;
use futures_util::stream::{Stream, StreamExt};
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

impl Call {
    /// The operation's pushes and final response, asked for in the client's
    /// [`PushBinding`] when the stream is first polled.
    pub fn push_stream<P, R>(self) -> PushStream<P, R>
    where
        P: PushMessage + Send + 'static,
        R: ResponseParts + Send + 'static,
    {
        PushStream {
            state: State::Pending(self),
            resume: None,
            notices: false,
            _push: PhantomData,
        }
    }
}

/// Pushes, then the final response, of one call. Ends after the final response; a
/// stream that ends before it yields [`Error::Truncated`].
///
/// A stream of a resumable operation that breaks off reconnects by itself, as its
/// client's [`Reconnect`](super::Reconnect) says, and carries on after the last push it
/// got: no push is yielded twice.
pub struct PushStream<P, R> {
    state: State<R>,
    /// What resuming needs, once the stream has started.
    resume: Option<Resume>,
    /// Yield [`Pushed::Notice`]s.
    notices: bool,
    _push: PhantomData<fn(P)>,
}

/// What a stream keeps to come back (or to say where it broke off).
struct Resume {
    /// The operation is resumable and reconnecting is on.
    may_reconnect: bool,
    /// The request, to repeat (kept only when it may be).
    call: Option<Call>,
    reconnect: super::Reconnect,
    accept: String,
    /// The last push's id.
    last_id: Option<String>,
    /// Ids of the latest pushes, to drop one that arrives again.
    seen: RecentIds,
    /// Reconnects in a row without a push between.
    attempt: u32,
    /// The server's `retry:`.
    retry: Option<std::time::Duration>,
    /// The connection is a reconnect (a `204` then means there is nothing to resume).
    reconnected: bool,
}

/// The ids of the latest pushes, bounded.
#[derive(Default)]
struct RecentIds {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl RecentIds {
    const KEEP: usize = 1024;

    /// Notes `id`; `false` if it was already there.
    fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() == Self::KEEP
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        self.order.push_back(id.to_owned());
        self.set.insert(id.to_owned());
        true
    }
}

// Polled by hand rather than built from `stream::unfold`, which makes a new future and
// moves the reader in and out of it for every push.
#[allow(
    clippy::large_enum_variant,
    reason = "a stream spends its life reading; boxing the reader would cost a pointer chase per item"
)]
enum State<R> {
    /// Not polled yet: `binding` may still change the request.
    Pending(Call),
    Connecting(read::Connecting),
    Reading(Reader),
    /// A plain answer: the final response alone.
    Answering(BoxFuture<'static, Result<R, Error>>),
    /// Waiting to reconnect.
    Waiting(Pin<Box<tokio::time::Sleep>>),
    Done,
}

impl<P, R> PushStream<P, R>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    /// Asks for this format instead of the client's default. Only before the stream is
    /// first polled: the request is sent then.
    pub fn binding(mut self, binding: PushBinding) -> Self {
        if let State::Pending(call) = &mut self.state {
            call.config_mut().push_binding = binding;
        }
        self
    }

    /// Yields [`Pushed::Notice`]s too: a reconnect about to happen, a gap in what the
    /// server could replay. Without this they happen unseen (and are logged with
    /// `tracing`).
    pub fn with_notices(mut self) -> Self {
        self.notices = true;
        self
    }

    /// Never reconnects: a broken-off stream fails at once (with
    /// [`Error::Interrupted`] once a push with an id has arrived).
    pub fn without_reconnect(mut self) -> Self {
        if let State::Pending(call) = &mut self.state {
            call.config_mut().reconnect = super::Reconnect::off();
        }
        self
    }

    /// The next push or the final response; `Err(Error::Truncated)` past the end.
    pub async fn next_event(&mut self) -> Result<Pushed<P, R>, Error> {
        self.next().await.unwrap_or(Err(Error::Truncated))
    }

    /// The stream broke off with `cause`: reconnect if it may, else fail.
    fn broke_off(&mut self, cause: Error) -> Option<Result<Pushed<P, R>, Error>> {
        let Some(resume) = &mut self.resume else {
            self.state = State::Done;
            return Some(Err(cause));
        };
        let limit = resume.reconnect;
        if !resume.may_reconnect || resume.attempt >= limit.attempts || !resumable_cause(&cause) {
            self.state = State::Done;
            return Some(Err(match resume.last_id.take() {
                Some(last_event_id) => Error::Interrupted {
                    last_event_id,
                    cause: Box::new(cause),
                },
                None => cause,
            }));
        }
        resume.attempt += 1;
        let after = limit.wait(resume.attempt, resume.retry, jitter());
        tracing::debug!(attempt = resume.attempt, ?after, error = %cause, "reconnecting");
        self.state = State::Waiting(Box::pin(tokio::time::sleep(after)));
        let notice = Notice::Reconnecting {
            attempt: resume.attempt,
            after,
            last_event_id: resume.last_id.clone(),
            cause: cause.to_string(),
        };
        self.notices.then_some(Ok(Pushed::Notice(notice)))
    }

    /// A push arrived with `id`: `false` if it arrived before and is to be dropped.
    fn arrived(&mut self, id: Option<&str>) -> bool {
        let Some(resume) = &mut self.resume else {
            return true;
        };
        let Some(id) = id else {
            return true;
        };
        if resume.may_reconnect && !resume.seen.insert(id) {
            tracing::debug!(id, "dropping a push that arrived before");
            return false;
        }
        resume.last_id = Some(id.to_owned());
        resume.attempt = 0;
        true
    }
}

/// Whether a stream that broke off this way is worth reconnecting: the connection or
/// its bytes ended early, not the server's answer or the API.
fn resumable_cause(cause: &Error) -> bool {
    matches!(cause, Error::Truncated | Error::Request(_) | Error::Idle(_))
}

/// A number in 0..1 for spreading reconnects: no generator is worth a dependency here.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() % 1000) as f64 / 1000.0
}

impl<P, R> Stream for PushStream<P, R>
where
    P: PushMessage + Send + 'static,
    R: ResponseParts + Send + 'static,
{
    type Item = Result<Pushed<P, R>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Pending(_) => {
                    if let State::Pending(call) = std::mem::replace(&mut this.state, State::Done) {
                        let media = call.config_ref().push_binding.media();
                        let accept = format!("{}, application/json;q=0.9", media.content_type());
                        // Kept for every stream, for the last id an error reports; only
                        // a resumable one reconnects.
                        let reconnect = call.config_ref().reconnect;
                        let may_reconnect = call.is_resumable() && reconnect.attempts > 0;
                        this.resume = Some(Resume {
                            may_reconnect,
                            call: may_reconnect.then(|| call.clone()),
                            reconnect,
                            accept: accept.clone(),
                            last_id: None,
                            seen: RecentIds::default(),
                            attempt: 0,
                            retry: None,
                            reconnected: false,
                        });
                        this.state = State::Connecting(read::connect(call.build(&accept)));
                    }
                }
                State::Waiting(sleep) => {
                    ready!(sleep.as_mut().poll(cx));
                    let Some(resume) = this.resume.as_mut() else {
                        this.state = State::Done;
                        continue;
                    };
                    let Some(call) = resume
                        .call
                        .as_ref()
                        .map(|call| call.resuming_after(resume.last_id.as_deref()))
                    else {
                        this.state = State::Done;
                        continue;
                    };
                    resume.reconnected = true;
                    this.state = State::Connecting(read::connect(call.build(&resume.accept)));
                }
                State::Connecting(connecting) => match ready!(connecting.as_mut().poll(cx)) {
                    Ok((Opened::Stream(reader), _)) => this.state = State::Reading(reader),
                    Ok((Opened::Plain(response), _))
                        if response.status() == reqwest::StatusCode::NO_CONTENT
                            && this.resume.as_ref().is_some_and(|r| r.reconnected) =>
                    {
                        // The server says the last push this client got was the end; but
                        // the final response never arrived.
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(Error::Truncated)));
                    }
                    Ok((Opened::Plain(response), config)) => {
                        this.state = State::Answering(Box::pin(async move {
                            read::read_plain(response, &config).await
                        }));
                    }
                    Err(e) => {
                        if let Some(item) = this.broke_off(e) {
                            return Poll::Ready(Some(item));
                        }
                    }
                },
                State::Answering(answering) => {
                    let answer = ready!(answering.as_mut().poll(cx));
                    this.state = State::Done;
                    return Poll::Ready(Some(answer.map(Pushed::Final)));
                }
                State::Reading(reader) => {
                    let retry = reader.retry();
                    let read = match ready!(reader.poll_frame(cx)) {
                        Ok(Some(frame)) => read_frame::<P, R>(&frame),
                        Ok(None) => Err(Error::Truncated),
                        Err(e) => Err(e),
                    };
                    if let (Some(resume), Some(retry)) = (&mut this.resume, retry) {
                        resume.retry = Some(retry);
                    }
                    match read {
                        Ok(Read::Push(push, id)) => {
                            if this.arrived(id.as_deref()) {
                                return Poll::Ready(Some(Ok(Pushed::Push(push))));
                            }
                        }
                        Ok(Read::Gap(oldest)) => {
                            tracing::warn!(
                                ?oldest,
                                "the server no longer holds every push this stream missed"
                            );
                            if this.notices {
                                return Poll::Ready(Some(Ok(Pushed::Notice(Notice::Gap {
                                    oldest,
                                }))));
                            }
                        }
                        Ok(Read::Skip) => {}
                        Ok(Read::Final(response)) => {
                            this.state = State::Done;
                            return Poll::Ready(Some(Ok(Pushed::Final(response))));
                        }
                        Err(e) if resumable_cause(&e) => {
                            if let Some(item) = this.broke_off(e) {
                                return Poll::Ready(Some(item));
                            }
                        }
                        Err(e) => {
                            this.state = State::Done;
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }
}

impl<P, R> fmt::Debug for PushStream<P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PushStream")
    }
}

/// What one frame of an envelope-mode stream is.
enum Read<P, R> {
    /// A push, with its id.
    Push(P, Option<String>),
    Final(R),
    Gap(Option<String>),
    Skip,
}

fn read_frame<P: PushMessage, R: ResponseParts>(frame: &Frame) -> Result<Read<P, R>, Error> {
    let read = match frame.event.as_deref() {
        // SSE: the event name says what the data is.
        Some(FINAL_EVENT) => wire::read_sse_final(frame.data()).map(Read::Final),
        Some(event) if P::EVENTS.contains(&event) => {
            wire::read_sse_push::<P, R>(event, frame.data()).map(|push| match push {
                Some(push) => Read::Push(push, frame.id.clone()),
                None => Read::Skip,
            })
        }
        Some(GAP_EVENT) => return Ok(Read::Gap(wire::read_sse_gap(frame.data()))),
        Some(event) => {
            // A push this version does not know (a newer server's), or an event that is
            // not a push at all: skipped unread.
            tracing::debug!(event, "skipping an unknown event");
            return Ok(Read::Skip);
        }
        // A line format: the line says what it is.
        None => wire::read_line::<P, R>(frame.data()).map(|line| match line {
            wire::Framed::Push(push, id) => Read::Push(push, id),
            wire::Framed::Final(response) => Read::Final(response),
            wire::Framed::Gap(oldest) => Read::Gap(oldest),
            wire::Framed::Skip => Read::Skip,
        }),
    };
    read.or_else(|e| match e {
        // An undeclared final status: read again, untyped, for the error to show its body.
        DecodeError::Status(_) => {
            let parts = match frame.event {
                Some(_) => wire::parse_final_in(frame.bytes()),
                None => match wire::parse_line_in(frame.bytes(), P::EVENTS) {
                    Ok(Line::Final(parts)) => Ok(parts),
                    _ => Err(e.clone()),
                },
            };
            match parts {
                Ok(parts) => Error::read_response(&parts).map(Read::Final),
                Err(_) => Err(Error::Decode(e)),
            }
        }
        other => Err(Error::Decode(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::RecentIds;
    use crate::client::Reconnect;
    use std::time::Duration;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_wait_doubles_per_attempt_honours_retry_and_stays_in_bounds() {
        let reconnect = Reconnect {
            attempts: 8,
            delay: 100 * MS,
            min_delay: 10 * MS,
            max_delay: 1000 * MS,
        };
        // No jitter: the base, doubled per attempt in a row, capped.
        let waits: Vec<_> = (1..=6).map(|n| reconnect.wait(n, None, 0.0)).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000].map(|ms| ms * MS));
        // A server's `retry:` replaces the first wait, clamped into the bounds.
        assert_eq!(reconnect.wait(1, Some(50 * MS), 0.0), 50 * MS);
        assert_eq!(reconnect.wait(1, Some(MS), 0.0), 10 * MS);
        assert_eq!(reconnect.wait(1, Some(60_000 * MS), 0.0), 1000 * MS);
        // Jitter adds at most a fifth, and never passes the cap.
        assert_eq!(reconnect.wait(1, None, 1.0), 120 * MS);
        assert_eq!(reconnect.wait(5, None, 1.0), 1000 * MS);
        // A huge attempt count neither overflows nor passes the cap.
        assert_eq!(reconnect.wait(u32::MAX, None, 0.5), 1000 * MS);
    }

    #[test]
    fn recent_ids_drop_a_repeat_and_forget_the_oldest_past_their_bound() {
        let mut ids = RecentIds::default();
        assert!(ids.insert("a"));
        assert!(!ids.insert("a"), "a repeat is refused");
        for n in 0..RecentIds::KEEP {
            assert!(ids.insert(&n.to_string()));
        }
        assert_eq!(ids.order.len(), RecentIds::KEEP);
        assert!(ids.insert("a"), "the oldest was forgotten");
        assert!(!ids.insert(&(RecentIds::KEEP - 1).to_string()));
    }
}

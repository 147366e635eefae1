//! What a stream keeps to come back after its connection broke off, shared by envelope
//! and item streams: the request to repeat, the last id, the ids already delivered, and
//! the back-off.

use super::read::{self, Connecting};
use super::recent::RecentIds;
use super::{Call, Error, Notice, Reconnect};
use std::pin::Pin;
use std::time::Duration;

pub(super) struct Resume {
    /// The operation is resumable and reconnecting is on.
    may_reconnect: bool,
    /// The request, to repeat (kept only when it may be).
    call: Option<Call>,
    reconnect: Reconnect,
    accept: String,
    /// The last event's id.
    last_id: Option<String>,
    /// The id the last event of this connection arrived with: in SSE an event without
    /// an `id:` field carries the one in force, and is not a repeat of the event that
    /// set it.
    in_force: Option<String>,
    /// Ids of the latest events, to drop one that arrives again.
    seen: RecentIds,
    /// Reconnects in a row without an event between.
    attempt: u32,
    /// The server's `retry:`.
    retry: Option<Duration>,
    /// The connection is a reconnect (a `204` then means there is nothing to resume).
    reconnected: bool,
    /// An event without an id arrived after the last one with an id: a reconnect has no
    /// point to resume from, and would hand over again what came since.
    lost_place: bool,
}

/// What to do about a stream that broke off.
pub(super) enum BrokeOff {
    /// Wait, then [`Resume::reconnect`]; the notice says so.
    Wait(Pin<Box<tokio::time::Sleep>>, Notice),
    /// Give up with this error.
    Fail(Error),
}

impl Resume {
    /// Starts `call`, asking for `accept`; `can_resume` is whether the stream's format
    /// carries ids at all. Kept for every stream, for the last id an error reports; only
    /// a resumable one reconnects.
    pub(super) fn start(call: Call, accept: String, can_resume: bool) -> (Resume, Connecting) {
        let resume = Resume::keep(&call, accept, can_resume);
        let connecting = read::connect(call.build(&resume.accept));
        (resume, connecting)
    }

    /// What resuming `call` needs, for a stream that makes its requests itself (HTTP/2
    /// push): [`Resume::again`] gives the call to repeat.
    pub(super) fn keep(call: &Call, accept: String, can_resume: bool) -> Resume {
        let reconnect = call.config_ref().reconnect;
        let may_reconnect = can_resume && call.is_resumable() && reconnect.attempts > 0;
        let kept = may_reconnect.then(|| call.clone());
        Resume::new(may_reconnect, kept, reconnect, accept)
    }

    /// A stream that has not received anything yet.
    fn new(may_reconnect: bool, call: Option<Call>, reconnect: Reconnect, accept: String) -> Self {
        Resume {
            may_reconnect,
            call,
            reconnect,
            accept,
            last_id: None,
            in_force: None,
            seen: RecentIds::default(),
            attempt: 0,
            retry: None,
            reconnected: false,
            lost_place: false,
        }
    }

    /// The stream broke off with `cause`: reconnect if it may, else fail (with
    /// [`Error::Interrupted`] once an event with an id has arrived).
    pub(super) fn broke_off(&mut self, cause: Error) -> BrokeOff {
        let limit = self.reconnect;
        if !self.may_reconnect
            || self.lost_place
            || self.attempt >= limit.attempts
            || !resumable_cause(&cause)
        {
            return BrokeOff::Fail(match self.last_id.take() {
                Some(last_event_id) => Error::Interrupted {
                    last_event_id,
                    cause: Box::new(cause),
                },
                None => cause,
            });
        }
        self.attempt += 1;
        let after = limit.wait(self.attempt, self.retry, jitter());
        tracing::debug!(attempt = self.attempt, ?after, error = %cause, "reconnecting");
        let notice = Notice::Reconnecting {
            attempt: self.attempt,
            after,
            last_event_id: self.last_id.clone(),
            cause: cause.to_string(),
        };
        BrokeOff::Wait(Box::pin(tokio::time::sleep(after)), notice)
    }

    /// The request again, after the wait, naming the last id.
    pub(super) fn reconnect(&mut self) -> Option<Connecting> {
        let call = self.again()?;
        Some(read::connect(call.build(&self.accept)))
    }

    /// The call to repeat after the wait, naming the last id.
    pub(super) fn again(&mut self) -> Option<Call> {
        let call = self.call.as_ref()?.resuming_after(self.last_id.as_deref());
        self.reconnected = true;
        self.in_force = None;
        Some(call)
    }

    /// Whether the current connection is a reconnect.
    pub(super) fn reconnected(&self) -> bool {
        self.reconnected
    }

    /// The server's `retry:`, when it sent one.
    pub(super) fn note_retry(&mut self, retry: Option<Duration>) {
        if retry.is_some() {
            self.retry = retry;
        }
    }

    /// An event arrived with `id`: `false` if it arrived before and is to be dropped.
    pub(super) fn arrived(&mut self, id: Option<&str>) -> bool {
        let Some(id) = id.filter(|&id| self.in_force.as_deref() != Some(id)) else {
            // No id of its own: it came after the one in force.
            self.lost_place = true;
            return true;
        };
        set(&mut self.in_force, id);
        self.lost_place = false;
        if self.may_reconnect && !self.seen.insert(id) {
            tracing::debug!(id, "dropping an event that arrived before");
            return false;
        }
        set(&mut self.last_id, id);
        self.attempt = 0;
        true
    }
}

/// What a stream that broke off with `cause` does, given what it keeps to resume
/// (`None` before it started: it fails).
pub(super) fn broke_off(resume: Option<&mut Resume>, cause: Error) -> BrokeOff {
    match resume {
        Some(resume) => resume.broke_off(cause),
        None => BrokeOff::Fail(cause),
    }
}

/// Whether a stream that broke off this way is worth reconnecting: the connection or
/// its bytes ended early, not the server's answer or the API.
pub(super) fn resumable_cause(cause: &Error) -> bool {
    matches!(
        cause,
        Error::Truncated | Error::Request(_) | Error::Idle(_) | Error::Connection(_)
    )
}

/// A number in 0..1 for spreading reconnects: no generator is worth a dependency here.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() % 1000) as f64 / 1000.0
}

/// Sets `slot` to `id`, reusing its buffer: every event of a stream passes here.
fn set(slot: &mut Option<String>, id: &str) {
    match slot {
        Some(held) => {
            held.clear();
            held.push_str(id);
        }
        None => *slot = Some(id.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::{BrokeOff, Resume};
    use crate::client::{Error, Reconnect};
    use std::time::Duration;

    const MS: Duration = Duration::from_millis(1);

    fn fresh() -> Resume {
        Resume::new(true, None, Reconnect::default(), String::new())
    }

    #[tokio::test]
    async fn an_event_that_inherits_the_id_in_force_is_no_repeat_but_loses_the_place() {
        let mut resume = fresh();
        assert!(resume.arrived(Some("1")));
        // SSE: an event without `id:` carries the one in force. It is new…
        assert!(resume.arrived(Some("1")));
        // …and a reconnect from `1` would hand it over again: no reconnect.
        assert!(matches!(
            resume.broke_off(Error::Truncated),
            BrokeOff::Fail(Error::Interrupted { .. })
        ));

        let mut resume = fresh();
        assert!(resume.arrived(Some("1")));
        assert!(resume.arrived(Some("2")));
        assert!(matches!(
            resume.broke_off(Error::Truncated),
            BrokeOff::Wait(..)
        ));
        // On the next connection, a server that starts over repeats `1` and `2`: both
        // are dropped, then `3` is new.
        resume.in_force = None;
        assert!(!resume.arrived(Some("1")));
        assert!(!resume.arrived(Some("2")));
        assert!(resume.arrived(Some("3")));
        assert_eq!(resume.last_id.as_deref(), Some("3"));
    }

    #[tokio::test]
    async fn a_stream_without_ids_reconnects_only_before_anything_arrived() {
        let mut resume = fresh();
        assert!(matches!(
            resume.broke_off(Error::Truncated),
            BrokeOff::Wait(..)
        ));
        assert!(resume.arrived(None));
        assert!(matches!(
            resume.broke_off(Error::Truncated),
            BrokeOff::Fail(Error::Truncated)
        ));
    }

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
}

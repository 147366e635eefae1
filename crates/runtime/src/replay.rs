//! Where a stream's pushes are kept for clients that reconnect.
//!
//! A client that lost its connection comes back naming the last event id it received
//! (`Last-Event-ID`); the server answers with what came after it, from a [`ReplayLog`].
//! The log holds each stream's events (keyed by a name the server chooses, such as a
//! job's id), each with its id and the data exactly as it was sent, and whether and
//! where the stream ended.
//!
//! The trait is asynchronous and fallible so that a broker can implement it (a Redis
//! stream, for several server nodes behind one balancer); [`MemoryLog`] is the bounded
//! in-memory implementation, for one node.

pub use bytestring::ByteString;
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::{self, BoxStream, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The longest event id a log looks up: a longer `Last-Event-ID` is answered as a gap,
/// without a search.
pub const MAX_ID_LEN: usize = 256;

/// One logged event: its id, its event name (SSE's `event:`, or an envelope's push
/// name; `None` for a line-format item) and its data, the JSON text it was sent with.
/// Text that is shared, not copied, when a watcher reads it: a clone costs a reference
/// count, whatever the size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: ByteString,
    pub event: Option<ByteString>,
    pub data: ByteString,
}

impl Entry {
    fn size(&self) -> usize {
        self.id.len() + self.event.as_ref().map_or(0, |e| e.len()) + self.data.len()
    }
}

/// What a log has after a given id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// The events after the id, oldest first: none when the client is up to date.
    /// `ended` is the stream's end (its final response or terminal marker, with its id)
    /// when the stream has ended after them.
    After {
        entries: Vec<Entry>,
        ended: Option<Entry>,
    },
    /// The id is the stream's end (its last event, here): nothing follows it (the
    /// server answers `204 No Content`, which makes an `EventSource` stop reconnecting).
    Ended(Entry),
    /// The id is not in the log: it left it (the log is bounded), or it never was in it
    /// (a garbage or over-long id, an unknown stream). `oldest` is the oldest id still
    /// held, from which a client may resume knowing it missed what came before.
    Gap { oldest: Option<String> },
}

/// What a [`ReplayLog::tail`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tailed {
    /// The next event.
    Event(Entry),
    /// The stream's end, its last event: nothing follows.
    End(Entry),
    /// Events are missing here: the one the tail was to start after is not in the log,
    /// or the tail fell so far behind that the log let go of its next events. What
    /// follows starts from `oldest`, the oldest event held.
    Gap { oldest: Option<String> },
    /// The id the tail was to start after is the stream's end: there is nothing to
    /// follow (a server answers `204 No Content`).
    AtEnd(Entry),
}

/// Why a log could not do what it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogError {
    /// The id was used before in this stream: ids must be unique within a stream.
    DuplicateId(String),
    /// The stream has ended: nothing more can be appended.
    Ended,
    /// The log's store cannot be reached or failed (a broker's error, described).
    Unavailable(String),
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::DuplicateId(id) => write!(f, "event id `{id}` was used before"),
            LogError::Ended => f.write_str("the stream has ended"),
            LogError::Unavailable(why) => write!(f, "the replay log is unavailable: {why}"),
        }
    }
}

impl std::error::Error for LogError {}

/// A store of streams' events for resumption.
///
/// Object-safe (its futures are boxed), so that a server holds an `Arc<dyn ReplayLog>`
/// and generated code is the same whichever log is configured.
pub trait ReplayLog: Send + Sync + 'static {
    /// Appends an event to `stream` and returns its id: `id` when given (unique within
    /// the stream), else one the log assigns, ordered after the ones before.
    fn append<'a>(
        &'a self,
        stream: &'a str,
        id: Option<&'a str>,
        event: Option<&'a str>,
        data: ByteString,
    ) -> BoxFuture<'a, Result<String, LogError>>;

    /// Ends `stream` with its last event (the final response, or the terminal marker)
    /// and returns that event's id; `id` as for [`ReplayLog::append`]. Nothing can be
    /// appended after it.
    fn end<'a>(
        &'a self,
        stream: &'a str,
        id: Option<&'a str>,
        event: Option<&'a str>,
        data: ByteString,
    ) -> BoxFuture<'a, Result<String, LogError>>;

    /// What `stream` holds after the event `after`, or all it holds when `after` is
    /// `None` (a client's first connection).
    fn replay<'a>(
        &'a self,
        stream: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Replay, LogError>>;

    /// The events of `stream` after `after` (everything held when `None`), then each
    /// one appended later, as it is appended, until the end: a watcher's view, with no
    /// gap or repeat between what was held and what came live. It ends after
    /// [`Tailed::End`] or [`Tailed::AtEnd`].
    fn tail<'a>(
        &'a self,
        stream: &'a str,
        after: Option<&'a str>,
    ) -> BoxStream<'a, Result<Tailed, LogError>>;
}

/// How much a [`MemoryLog`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Events kept per stream; older ones leave first.
    pub entries: usize,
    /// Bytes of events (ids, names and data) kept per stream; the newest event is kept
    /// whatever its size.
    pub bytes: usize,
    /// Streams kept; the one appended to least recently leaves first.
    pub streams: usize,
}

impl Default for Bounds {
    /// 1,024 events and 1 MiB per stream, 1,024 streams: at most 1 GiB.
    fn default() -> Self {
        Bounds {
            entries: 1024,
            bytes: 1024 * 1024,
            streams: 1024,
        }
    }
}

/// A bounded in-memory [`ReplayLog`], for a single server node.
///
/// Ids it assigns are decimal sequence numbers per stream (`1`, `2`, …), and an end
/// takes the next one. A stream that left the log, and one never seen, answer a replay
/// with [`Replay::Gap`].
#[derive(Clone, Default)]
pub struct MemoryLog {
    inner: Arc<Mutex<Streams>>,
}

#[derive(Default)]
struct Streams {
    bounds: Bounds,
    by_name: HashMap<String, Stream>,
    /// Bumped at every append: the stream with the smallest `touched` leaves first.
    clock: u64,
}

#[derive(Default)]
struct Stream {
    /// Events held, oldest first, each with its sequence number.
    entries: VecDeque<(u64, Entry)>,
    /// Sequence numbers by id, for the events held whose id was given to the log. The
    /// log's own ids are their sequence numbers, found without a lookup.
    index: HashMap<ByteString, u64>,
    bytes: usize,
    /// The next sequence number.
    next: u64,
    /// The stream's last event, once it ended.
    end: Option<Entry>,
    touched: u64,
    /// Tails waiting for the next event.
    waiting: Vec<Waker>,
    /// The last event name appended, shared by the events that have it.
    last_event: Option<ByteString>,
}

impl MemoryLog {
    pub fn new(bounds: Bounds) -> Self {
        MemoryLog {
            inner: Arc::new(Mutex::new(Streams {
                bounds,
                ..Streams::default()
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Streams> {
        // Every change below is finished before anything that could panic: a poisoned
        // lock is still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn append_now(
        &self,
        name: &str,
        id: Option<&str>,
        event: Option<&str>,
        data: ByteString,
    ) -> Result<String, LogError> {
        let mut guard = self.lock();
        let streams = &mut *guard;
        streams.clock += 1;
        let bounds = streams.bounds;
        let clock = streams.clock;
        let stream = streams.stream(name)?;
        stream.touched = clock;
        if stream.end.is_some() {
            return Err(LogError::Ended);
        }
        let seq = stream.next + 1;
        let given = id.is_some();
        let id = stream.claim(id, seq)?;
        stream.next = seq;
        let entry = Entry {
            id: id.clone(),
            event: event.map(|event| stream.event_name(event)),
            data,
        };
        stream.bytes += entry.size();
        if given {
            stream.index.insert(id.clone(), seq);
        }
        stream.entries.push_back((seq, entry));
        while stream.entries.len() > bounds.entries
            || (stream.bytes > bounds.bytes && stream.entries.len() > 1)
        {
            stream.evict_oldest();
        }
        let waiting = std::mem::take(&mut stream.waiting);
        // Woken once the lock is let go: they take it first thing.
        drop(guard);
        waiting.into_iter().for_each(Waker::wake);
        Ok(id.to_string())
    }

    fn end_now(
        &self,
        name: &str,
        id: Option<&str>,
        event: Option<&str>,
        data: ByteString,
    ) -> Result<String, LogError> {
        let mut guard = self.lock();
        let streams = &mut *guard;
        streams.clock += 1;
        let clock = streams.clock;
        let stream = streams.stream(name)?;
        stream.touched = clock;
        if stream.end.is_some() {
            return Err(LogError::Ended);
        }
        let seq = stream.next + 1;
        let id = stream.claim(id, seq)?;
        stream.next = seq;
        stream.end = Some(Entry {
            id: id.clone(),
            event: event.map(ByteString::from),
            data,
        });
        let waiting = std::mem::take(&mut stream.waiting);
        // Woken once the lock is let go: they take it first thing.
        drop(guard);
        waiting.into_iter().for_each(Waker::wake);
        Ok(id.to_string())
    }

    fn replay_now(&self, name: &str, after: Option<&str>) -> Replay {
        let streams = self.lock();
        let Some(stream) = streams.by_name.get(name) else {
            return match after {
                // Not started yet: nothing to replay, and nothing was missed.
                None => Replay::After {
                    entries: Vec::new(),
                    ended: None,
                },
                Some(_) => Replay::Gap { oldest: None },
            };
        };
        let from = match stream.start_after(after) {
            Start::AtEnd(end) => return Replay::Ended(end),
            Start::Gap => {
                return Replay::Gap {
                    oldest: stream.oldest(),
                };
            }
            Start::From(seq) => seq,
        };
        let entries = stream
            .entries
            .iter()
            .filter(|(s, _)| *s >= from)
            .map(|(_, entry)| entry.clone())
            .collect();
        Replay::After {
            entries,
            ended: stream.end.clone(),
        }
    }
}

/// Where reading a stream after an id starts.
enum Start {
    /// At the event with this sequence number.
    From(u64),
    /// The id is not held: at the oldest event held, after saying so.
    Gap,
    /// The id is the stream's end: nothing follows.
    AtEnd(Entry),
}

impl Streams {
    /// The stream `name`, made (after making room for it) if it is new. Looked up once
    /// when it is there: this is every append's and every read's way in.
    fn stream(&mut self, name: &str) -> Result<&mut Stream, LogError> {
        if !self.by_name.contains_key(name) {
            self.make_room();
            self.by_name.insert(name.to_owned(), Stream::default());
        }
        // Just made if it was missing: the error is never seen.
        self.by_name
            .get_mut(name)
            .ok_or_else(|| LogError::Unavailable(format!("stream `{name}` vanished")))
    }

    /// Makes room for one more stream.
    fn make_room(&mut self) {
        while self.by_name.len() >= self.bounds.streams.max(1) {
            let Some(stalest) = self
                .by_name
                .iter()
                .min_by_key(|(_, s)| s.touched)
                .map(|(name, _)| name.clone())
            else {
                return;
            };
            self.by_name.remove(&stalest);
        }
    }
}

impl Stream {
    /// Where reading after `after` starts: after the event it names, at the oldest held
    /// on a first connection (`None`), or a gap for an id not held (over-long ids are
    /// never looked up).
    fn start_after(&self, after: Option<&str>) -> Start {
        let Some(after) = after else {
            return Start::From(self.first());
        };
        if after.len() > MAX_ID_LEN {
            return Start::Gap;
        }
        if let Some(end) = self.end.as_ref().filter(|end| end.id == after) {
            return Start::AtEnd(end.clone());
        }
        match self.lookup(after) {
            Some(seq) => Start::From(seq + 1),
            None => Start::Gap,
        }
    }

    /// `event` as a shared name: most events of a stream have the same one or few.
    fn event_name(&mut self, event: &str) -> ByteString {
        match &self.last_event {
            Some(last) if last == event => last.clone(),
            _ => {
                let name = ByteString::from(event);
                self.last_event = Some(name.clone());
                name
            }
        }
    }

    /// The sequence number of the event held with id `id`.
    fn lookup(&self, id: &str) -> Option<u64> {
        if let Some(&seq) = self.index.get(id) {
            return Some(seq);
        }
        // One of the log's own: its sequence number, if that event is held under it.
        let seq = id.parse::<u64>().ok()?;
        let at = usize::try_from(seq.checked_sub(self.first())?).ok()?;
        self.entries
            .get(at)
            .filter(|(_, entry)| entry.id == id)
            .map(|(seq, _)| *seq)
    }

    /// The sequence number of the oldest event held (the next one's, when none is).
    fn first(&self) -> u64 {
        self.entries.front().map_or(self.next + 1, |(seq, _)| *seq)
    }

    fn oldest(&self) -> Option<String> {
        self.entries.front().map(|(_, e)| e.id.to_string())
    }

    /// The id for the event with sequence number `seq`: `id` if it is new here.
    fn claim(&self, id: Option<&str>, seq: u64) -> Result<ByteString, LogError> {
        let (id, used) = match id {
            Some(id) => (ByteString::from(id), self.lookup(id).is_some()),
            // A new sequence number is no held event's own id: only one given to the log
            // can be the same text.
            None => {
                let id = ByteString::from(seq.to_string());
                let used = self.index.contains_key(&id);
                (id, used)
            }
        };
        let is_end = self.end.as_ref().is_some_and(|end| end.id == id);
        if used || is_end {
            return Err(LogError::DuplicateId(id.to_string()));
        }
        Ok(id)
    }

    fn evict_oldest(&mut self) {
        if let Some((_, entry)) = self.entries.pop_front() {
            self.bytes -= entry.size();
            if !self.index.is_empty() {
                self.index.remove(&entry.id);
            }
        }
    }
}

/// A [`MemoryLog`]'s tail: it reads the log's own events by sequence number, so a tail
/// holds no buffer of its own, and one that falls behind the log's bounds gets a gap.
struct Tail {
    log: MemoryLog,
    name: String,
    /// Until the first poll: the id to start after.
    after: Option<Option<String>>,
    /// The sequence number of the next event to yield.
    next: u64,
    done: bool,
}

impl stream::Stream for Tail {
    type Item = Result<Tailed, LogError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let log = this.log.clone();
        let mut guard = log.lock();
        let stream = match guard.stream(&this.name) {
            Ok(stream) => stream,
            Err(e) => {
                this.done = true;
                return Poll::Ready(Some(Err(e)));
            }
        };
        let first = stream.first();
        if let Some(after) = this.after.take() {
            match stream.start_after(after.as_deref()) {
                Start::From(seq) => this.next = seq,
                Start::AtEnd(end) => {
                    this.done = true;
                    return Poll::Ready(Some(Ok(Tailed::AtEnd(end))));
                }
                // Below `first`: reported as a gap just below, as falling behind is.
                Start::Gap => this.next = 0,
            }
        }
        if this.next < first {
            // Not held: the id named was not, or the log let go of what this tail had
            // not read yet.
            this.next = first;
            return Poll::Ready(Some(Ok(Tailed::Gap {
                oldest: stream.oldest(),
            })));
        }
        let at = usize::try_from(this.next - first).unwrap_or(usize::MAX);
        if let Some((_, entry)) = stream.entries.get(at) {
            this.next += 1;
            return Poll::Ready(Some(Ok(Tailed::Event(entry.clone()))));
        }
        if let Some(end) = &stream.end {
            this.done = true;
            return Poll::Ready(Some(Ok(Tailed::End(end.clone()))));
        }
        if !stream.waiting.iter().any(|w| w.will_wake(cx.waker())) {
            stream.waiting.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl fmt::Debug for MemoryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let streams = self.lock();
        f.debug_struct("MemoryLog")
            .field("bounds", &streams.bounds)
            .field("streams", &streams.by_name.len())
            .finish()
    }
}

impl ReplayLog for MemoryLog {
    fn append<'a>(
        &'a self,
        stream: &'a str,
        id: Option<&'a str>,
        event: Option<&'a str>,
        data: ByteString,
    ) -> BoxFuture<'a, Result<String, LogError>> {
        let appended = self.append_now(stream, id, event, data);
        std::future::ready(appended).boxed()
    }

    fn end<'a>(
        &'a self,
        stream: &'a str,
        id: Option<&'a str>,
        event: Option<&'a str>,
        data: ByteString,
    ) -> BoxFuture<'a, Result<String, LogError>> {
        std::future::ready(self.end_now(stream, id, event, data)).boxed()
    }

    fn replay<'a>(
        &'a self,
        stream: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Replay, LogError>> {
        std::future::ready(Ok(self.replay_now(stream, after))).boxed()
    }

    fn tail<'a>(
        &'a self,
        stream: &'a str,
        after: Option<&'a str>,
    ) -> BoxStream<'a, Result<Tailed, LogError>> {
        Tail {
            log: self.clone(),
            name: stream.to_owned(),
            after: Some(after.map(str::to_owned)),
            next: 0,
            done: false,
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests;

//! The byte pipe between a streaming handler's task and its response body.
//!
//! A sink encodes each push or item, framed, straight into one shared buffer; the body
//! takes everything buffered as one chunk. So a burst of small pushes costs one lock and
//! one copy each, and one write and one wake-up for all of them, where a channel of
//! frames would cost an allocation, a semaphore and a possible wake-up per push.
//!
//! When the body is woken: the handler's own sends leave it asleep until the handler
//! next waits (its future is wrapped in [`Handling`]) or [`CHUNK`] bytes are buffered,
//! so a burst is one write and a lone push goes out at once; sends from any other task
//! wake it straight away.
//!
//! Back-pressure: a sink waits while the buffer holds both at least
//! [`ServerConfig::push_buffer`](super::ServerConfig::push_buffer) pushes and at least
//! [`MIN_BUFFER`] bytes (so that small pushes still fill a large write), until the body
//! takes them.

use super::PushError;
use crate::wire::{self, Parts};
use bytes::{Bytes, BytesMut};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use tokio::sync::Notify;

/// A sink waits only once this much is buffered, however few pushes it is.
pub(super) const MIN_BUFFER: usize = 64 * 1024;

/// The body is woken at once when this much is buffered, even while the handler runs on.
const CHUNK: usize = 32 * 1024;

pub(super) struct Pipe {
    state: Mutex<State>,
    /// Notified once when the body is gone, for [`Pipe::closed`].
    gone: Notify,
    max_pushes: usize,
}

#[derive(Default)]
struct State {
    buf: BytesMut,
    /// Pushes in `buf`.
    pushes: usize,
    /// The handler asked to commit the stream head before its first push.
    open: bool,
    end: Option<End>,
    /// `end` was set once; a later end (the guard's, after a normal return) is ignored.
    ended: bool,
    /// The body was dropped: the client is gone or the stream ended.
    body_gone: bool,
    /// The body (or the answer waiting for the first frame), when it waits for bytes.
    reader: Option<Waker>,
    /// Sinks waiting for room.
    writers: Vec<Waker>,
    /// Where a sink encodes JSON before it is framed, kept to save an allocation per push.
    scratch: String,
    /// The task the handler runs on.
    handler: Option<tokio::task::Id>,
    /// Pushes were buffered without waking the body.
    unflushed: bool,
    /// The handler sent its stream's error item: the stream ends after it, unmarked.
    failed: bool,
    /// The stream is to be cut when the handler ends (a subscriber that fell behind):
    /// nothing more is sent, and the client sees the stream end early and resumes.
    cut: bool,
    /// The id the final event carries (resumption).
    final_id: Option<String>,
    /// Answer `204 No Content` instead of the handler's response, if nothing was pushed:
    /// a reconnect named the stream's end.
    no_content: bool,
}

/// Takes everything buffered. After a burst (a chunk of at least [`KEEP`]) the buffer's
/// spare room stays with it, and is reused once hyper has written the chunk: the next
/// burst costs no allocation. After a few pushes it is let go with the chunk, so that a
/// stream that goes quiet holds no buffer at all: with thousands of them open, the
/// buffers would otherwise be most of the server's memory.
fn take(buf: &mut BytesMut) -> Bytes {
    if buf.len() >= KEEP {
        buf.split().freeze()
    } else {
        std::mem::take(buf).freeze()
    }
}

/// A chunk at least this long keeps its buffer for the next ([`take`]).
const KEEP: usize = CHUNK / 2;

/// How the handler ended.
pub(super) enum End {
    /// It returned this response.
    Returned(Result<Parts, wire::EncodeError>),
    /// Its task ended without a response (it panicked).
    Abandoned,
}

/// What the body finds.
pub(super) enum Read {
    /// Bytes, and the end if the handler has also ended.
    Bytes(Bytes, Option<End>),
    /// The handler ended; nothing more is buffered.
    End(End),
}

/// What the answer finds before deciding between a plain answer and a stream.
pub(super) enum First {
    /// The handler returned before any push and without opening the stream.
    Returned(End),
    /// The stream starts.
    Stream,
}

impl Pipe {
    pub(super) fn new(max_pushes: usize) -> Arc<Pipe> {
        Arc::new(Pipe {
            state: Mutex::new(State::default()),
            gone: Notify::new(),
            max_pushes: max_pushes.max(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing that holds the lock can panic halfway through a change that matters:
        // a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for room, then lets `write` append one framed push to the buffer (and use
    /// the scratch string). On an error nothing of it stays in the buffer.
    pub(super) async fn send<W>(&self, write: W) -> Result<(), PushError>
    where
        W: FnOnce(&mut BytesMut, &mut String) -> Result<(), PushError>,
    {
        let mut write = Some(write);
        poll_fn(|cx| {
            let mut state = self.lock();
            if state.body_gone || state.failed || state.cut {
                return Poll::Ready(Err(PushError::Closed));
            }
            if state.pushes >= self.max_pushes && state.buf.len() >= MIN_BUFFER {
                state.wait_for_room(cx);
                return Poll::Pending;
            }
            let Some(write) = write.take() else {
                return Poll::Ready(Ok(()));
            };
            let state = &mut *state;
            let mark = state.buf.len();
            state.scratch.clear();
            if let Err(e) = write(&mut state.buf, &mut state.scratch) {
                state.buf.truncate(mark);
                return Poll::Ready(Err(e));
            }
            state.pushes += 1;
            if state.buf.len() >= CHUNK || !state.in_handler() {
                state.unflushed = false;
                state.wake_reader();
            } else {
                // The handler's own task: the body is woken when it next waits (see
                // `Handling`), so a burst goes out as one chunk.
                state.unflushed = true;
            }
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Notes the task the handler runs on: its sends wake the body when the handler next
    /// waits, not at every push.
    pub(super) fn run_by_this_task(&self) {
        self.lock().handler = tokio::task::try_id();
    }

    /// Wakes the body for what the handler buffered since it last waited.
    fn flush(&self) {
        let mut state = self.lock();
        if state.unflushed {
            state.unflushed = false;
            state.wake_reader();
        }
    }

    /// Marks the stream as failed (its error item is in the buffer): nothing the handler
    /// sends or returns afterwards is written, so the error stays the last frame.
    pub(super) fn fail(&self) {
        self.lock().failed = true;
    }

    /// Whether the stream failed (see [`Pipe::fail`]).
    pub(super) fn failed(&self) -> bool {
        self.lock().failed
    }

    /// Bytes that open the stream (SSE's `retry:`): they go out before the first push,
    /// and only if there is one.
    pub(super) fn prefill(&self, bytes: &[u8]) {
        self.lock().buf.extend_from_slice(bytes);
    }

    /// Marks the stream to be cut: sends fail from now on, and when the handler ends the
    /// body is aborted instead of ended.
    pub(super) fn cut(&self) {
        let mut state = self.lock();
        state.cut = true;
        state.wake_reader();
    }

    /// Whether the stream is to be cut (see [`Pipe::cut`]).
    pub(super) fn is_cut(&self) -> bool {
        self.lock().cut
    }

    /// The id the final event is to carry.
    pub(super) fn set_final_id(&self, id: String) {
        self.lock().final_id = Some(id);
    }

    pub(super) fn final_id(&self) -> Option<String> {
        self.lock().final_id.clone()
    }

    /// Asks for `204 No Content` in place of the handler's response, when it pushed
    /// nothing.
    pub(super) fn answer_no_content(&self) {
        self.lock().no_content = true;
    }

    pub(super) fn no_content(&self) -> bool {
        self.lock().no_content
    }

    /// Asks for the stream head to be committed now.
    pub(super) fn open(&self) -> Result<(), PushError> {
        let mut state = self.lock();
        if state.body_gone {
            return Err(PushError::Closed);
        }
        state.open = true;
        state.wake_reader();
        Ok(())
    }

    /// The handler's end; what it pushed before is still sent.
    pub(super) fn end(&self, end: End) {
        let mut state = self.lock();
        if !state.ended {
            state.ended = true;
            state.end = Some(end);
            state.wake_reader();
        }
    }

    /// Resolves once the body is gone.
    pub(super) async fn closed(&self) {
        loop {
            let notified = self.gone.notified();
            if self.lock().body_gone {
                return;
            }
            notified.await;
        }
    }

    /// Whether the handler has pushed, opened the stream or ended; for the answer.
    pub(super) fn poll_first(&self, cx: &mut Context<'_>) -> Poll<First> {
        let mut state = self.lock();
        if state.pushes > 0 || state.open {
            return Poll::Ready(First::Stream);
        }
        match state.end.take() {
            Some(end) => Poll::Ready(First::Returned(end)),
            None => {
                state.reader = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// Everything buffered, for the body.
    ///
    /// Not while the handler is still in the middle of a burst (it has sent and not yet
    /// waited) and less than [`CHUNK`] is buffered: the body is also polled when hyper
    /// has finished a write, and taking a few pushes then, while the handler runs on
    /// another core, turns a stream into a ping-pong of small writes and wake-ups (a
    /// stream of small pushes ran at half speed that way, measured).
    pub(super) fn poll_read(&self, cx: &mut Context<'_>) -> Poll<Read> {
        let mut state = self.lock();
        let mid_burst = state.unflushed && !state.ended && state.buf.len() < CHUNK;
        if !state.buf.is_empty() && !mid_burst {
            let bytes = take(&mut state.buf);
            state.pushes = 0;
            state.unflushed = false;
            for writer in state.writers.drain(..) {
                writer.wake();
            }
            return Poll::Ready(Read::Bytes(bytes, state.end.take()));
        }
        match state.end.take() {
            Some(end) => Poll::Ready(Read::End(end)),
            None => {
                match &state.reader {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => state.reader = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }

    /// The body is gone: sinks fail from now on.
    pub(super) fn body_gone(&self) {
        let mut state = self.lock();
        state.body_gone = true;
        for writer in state.writers.drain(..) {
            writer.wake();
        }
        drop(state);
        self.gone.notify_waiters();
    }
}

impl State {
    fn in_handler(&self) -> bool {
        self.handler.is_some() && self.handler == tokio::task::try_id()
    }

    fn wake_reader(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.wake();
        }
    }

    fn wait_for_room(&mut self, cx: &mut Context<'_>) {
        if !self.writers.iter().any(|w| w.will_wake(cx.waker())) {
            self.writers.push(cx.waker().clone());
        }
    }
}

pin_project_lite::pin_project! {
    /// The handler's task. It wakes the body whenever the handler waits (returns
    /// `Pending`): whatever it sent since is then ready, and goes out together. This is
    /// how a burst of pushes becomes one write without delaying a lone push at all. When
    /// the handler returns, its response ends the pipe; when the task is dropped before
    /// that (a panic), the pipe ends as abandoned, so the body does not wait forever.
    ///
    /// A hand-written future rather than an `async` block around the handler's: the
    /// block would hold the handler's future twice over (once as captured, once as
    /// awaited), and the task is, for every open stream, most of its memory.
    pub(super) struct Handling<F> {
        #[pin]
        running: F,
        end: HandlerEnd,
        started: bool,
    }
}

impl<F> Handling<F> {
    pub(super) fn new(running: F, pipe: Arc<Pipe>) -> Self {
        Handling {
            running,
            end: HandlerEnd(pipe),
            started: false,
        }
    }
}

impl<F> Future for Handling<F>
where
    F: Future,
    F::Output: wire::ResponseParts,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let pipe = &this.end.0;
        if !*this.started {
            *this.started = true;
            pipe.run_by_this_task();
        }
        match this.running.poll(cx) {
            Poll::Pending => {
                pipe.flush();
                Poll::Pending
            }
            Poll::Ready(response) => {
                pipe.end(End::Returned(wire::ResponseParts::to_parts(&response)));
                Poll::Ready(())
            }
        }
    }
}

/// Ends the pipe as abandoned when dropped before the handler ended it.
struct HandlerEnd(Arc<Pipe>);

impl Drop for HandlerEnd {
    fn drop(&mut self) {
        self.0.end(End::Abandoned);
    }
}

/// The body's side: sinks fail once it is dropped, whether the stream ended, the client
/// left, or the request was dropped before its head was sent.
pub(super) struct BodyEnd(pub(super) Arc<Pipe>);

impl Drop for BodyEnd {
    fn drop(&mut self) {
        self.0.body_gone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn poll_read(pipe: &Pipe) -> Option<usize> {
        let mut cx = Context::from_waker(Waker::noop());
        match pipe.poll_read(&mut cx) {
            Poll::Ready(Read::Bytes(bytes, _)) => Some(bytes.len()),
            Poll::Ready(Read::End(_)) => Some(0),
            Poll::Pending => None,
        }
    }

    async fn push(pipe: &Pipe, len: usize) {
        pipe.send(|buf, _| {
            buf.extend_from_slice(&vec![b'x'; len]);
            Ok(())
        })
        .await
        .unwrap();
    }

    // The handler's sends are told apart by the task they run on: tests run as tasks.
    #[tokio::test]
    async fn the_body_waits_out_a_burst_of_the_handler() {
        tokio::spawn(burst()).await.unwrap();
    }

    async fn burst() {
        let pipe = Pipe::new(1024);
        pipe.run_by_this_task();
        push(&pipe, 100).await;
        push(&pipe, 100).await;
        assert_eq!(poll_read(&pipe), None, "taken in the middle of a burst");
        pipe.flush();
        assert_eq!(poll_read(&pipe), Some(200));
        // A full chunk goes at once, burst or not.
        push(&pipe, CHUNK).await;
        assert_eq!(poll_read(&pipe), Some(CHUNK));
        // So does what is buffered when the handler ends.
        push(&pipe, 10).await;
        pipe.end(End::Abandoned);
        assert_eq!(poll_read(&pipe), Some(10));
    }

    #[tokio::test]
    async fn a_push_from_another_task_goes_at_once() {
        tokio::spawn(from_another_task()).await.unwrap();
    }

    async fn from_another_task() {
        let pipe = Pipe::new(1024);
        pipe.run_by_this_task();
        push(&pipe, 100).await;
        let other = pipe.clone();
        tokio::spawn(async move { push(&other, 50).await })
            .await
            .unwrap();
        assert_eq!(poll_read(&pipe), Some(150));
    }
}

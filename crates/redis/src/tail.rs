//! [`RedisLog`]'s tail: what a watcher on any node reads.
//!
//! A round is: note the stream's newest entry, replay after the last event yielded, and,
//! when there was nothing new, block on Redis (`XREAD BLOCK`) until an entry newer than
//! the noted one exists. Noting before replaying leaves no window for an event to slip
//! between the replay and the wait: one appended in between wakes the wait at once, and
//! the next replay yields it. The wait runs on a connection of its own, since a blocking
//! read would hold up every other call on a shared one.

use crate::keys::Keys;
use crate::log::RedisLog;
use futures_util::stream::{self, BoxStream, StreamExt};
use pushgen_runtime::replay::{LogError, Replay, Tailed};
use redis::aio::MultiplexedConnection;
use redis::streams::StreamRangeReply;
use std::collections::VecDeque;
use std::time::Duration;

/// How long one blocking wait lasts before it looks again (a dead connection shows then).
const WAIT: Duration = Duration::from_secs(10);

struct Tail<'a> {
    log: &'a RedisLog,
    stream: &'a str,
    keys: Keys,
    /// The last event yielded (or asked to start after).
    after: Option<String>,
    ready: VecDeque<Tailed>,
    /// The connection the waits block on, made at the first wait.
    waiter: Option<MultiplexedConnection>,
    done: bool,
}

pub(crate) fn tail<'a>(
    log: &'a RedisLog,
    stream: &'a str,
    after: Option<&'a str>,
) -> BoxStream<'a, Result<Tailed, LogError>> {
    let tail = Tail {
        log,
        stream,
        keys: Keys::new(&log.options().prefix, stream),
        after: after.map(str::to_owned),
        ready: VecDeque::new(),
        waiter: None,
        done: false,
    };
    stream::unfold(tail, |mut tail| async move {
        let next = tail.next().await?;
        Some((next, tail))
    })
    .boxed()
}

impl Tail<'_> {
    async fn next(&mut self) -> Option<Result<Tailed, LogError>> {
        loop {
            if let Some(ready) = self.ready.pop_front() {
                return Some(Ok(ready));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.round().await {
                self.done = true;
                return Some(Err(e));
            }
        }
    }

    async fn round(&mut self) -> Result<(), LogError> {
        let newest = self.newest().await?;
        match self.log.read(self.stream, self.after.as_deref()).await? {
            Replay::Ended(end) => {
                self.ready.push_back(Tailed::AtEnd(end));
                self.done = true;
            }
            Replay::Gap { oldest } => {
                // What follows starts from the oldest event held.
                self.ready.push_back(Tailed::Gap { oldest });
                self.after = None;
            }
            Replay::After { entries, ended } => {
                if let Some(last) = entries.last() {
                    self.after = Some(last.id.to_string());
                }
                self.ready.extend(entries.into_iter().map(Tailed::Event));
                if let Some(end) = ended {
                    self.ready.push_back(Tailed::End(end));
                    self.done = true;
                }
                if self.ready.is_empty() {
                    self.wait(newest.as_deref()).await?;
                }
            }
        }
        Ok(())
    }

    /// The entry id of the stream's newest entry, if it has one.
    async fn newest(&self) -> Result<Option<String>, LogError> {
        let mut command = redis::cmd("XREVRANGE");
        command
            .arg(&self.keys.stream)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1);
        let reply: StreamRangeReply = self.log.query(&command).await?;
        Ok(reply.ids.into_iter().next().map(|entry| entry.id))
    }

    /// Blocks until the stream has an entry newer than `newest` (any entry, when it had
    /// none), or for [`WAIT`].
    async fn wait(&mut self, newest: Option<&str>) -> Result<(), LogError> {
        if self.waiter.is_none() {
            self.waiter = Some(self.log.dedicated().await?);
        }
        let Some(waiter) = self.waiter.as_mut() else {
            return Ok(());
        };
        let mut command = redis::cmd("XREAD");
        command
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(WAIT.as_millis() as u64)
            .arg("STREAMS")
            .arg(&self.keys.stream)
            .arg(newest.unwrap_or("0-0"));
        let limit = WAIT + self.log.options().timeout;
        match tokio::time::timeout(limit, command.query_async::<redis::Value>(waiter)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                self.waiter = None;
                Err(LogError::Unavailable(format!("Redis: {e}")))
            }
            Err(_) => {
                self.waiter = None;
                Err(LogError::Unavailable(format!(
                    "Redis did not answer a wait within {limit:?}"
                )))
            }
        }
    }
}

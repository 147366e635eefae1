//! A [`ReplayLog`](pushgen_runtime::replay::ReplayLog) on Redis Streams, so that several
//! pushgen server nodes behind one balancer share one replay log.
//!
//! A client that lost its connection comes back naming the last event id it received
//! (`Last-Event-ID`), and the balancer may send it to another node than the one that
//! pushed to it. With a [`RedisLog`] every node appends to, and replays from, the same
//! Redis server, so any node can answer it. It answers as
//! [`MemoryLog`](pushgen_runtime::replay::MemoryLog), the single-node log, does.
//!
//! ```no_run
//! # async fn run() -> Result<(), pushgen_runtime::replay::LogError> {
//! use pushgen_redis::{Options, RedisLog};
//! use pushgen_runtime::replay::ReplayLog;
//! use std::sync::Arc;
//!
//! let log: Arc<dyn ReplayLog> =
//!     Arc::new(RedisLog::connect("redis://127.0.0.1:6379/", Options::default()).await?);
//! # Ok(()) }
//! ```
//!
//! # What it guarantees
//!
//! - **Order per stream.** A stream's events replay in the order Redis accepted them,
//!   whichever nodes appended them; each append, and each replay, is one Lua script, so
//!   it sees and leaves a stream whole (the checks for a used id or an ended stream agree
//!   with the write, even when two nodes append at once).
//! - **Ids.** An event keeps the id its handler gave, which must be unique among the ids
//!   the stream holds ([`LogError::DuplicateId`](pushgen_runtime::replay::LogError)
//!   otherwise); an event without one gets its Redis entry id (`1701234567890-0`), which
//!   orders after the ones before.
//! - **Retention by length.** Each stream keeps its newest [`Options::max_len`] events,
//!   exactly, and its end. An id that left (or never was in the stream, or is longer
//!   than [`MAX_ID_LEN`](pushgen_runtime::replay::MAX_ID_LEN)) replays as a
//!   [`Replay::Gap`](pushgen_runtime::replay::Replay::Gap) naming the oldest id held. A
//!   stream not appended to for [`Options::idle_expiry`] leaves Redis whole.
//! - **No hang when Redis is away.** Every call is bounded by [`Options::timeout`]: a
//!   refused connection, a server gone, or one too slow, answers
//!   [`LogError::Unavailable`](pushgen_runtime::replay::LogError::Unavailable) with a
//!   description, never a panic. The connection comes back by itself when Redis does.
//!
//! Durability is Redis's own: what its persistence settings keep survives a restart.
//!
//! # Keys
//!
//! A stream `s` is two keys: `{prefix}{s}`, a Redis stream whose entries have the fields
//! `data`, `event` (when the event has a name), `id` (when its handler gave one) and
//! `end` (on the stream's end, always its newest entry); and `{prefix}{s}:ids`, a hash
//! from every id clients see to its entry id, for the entries held. The braces around
//! the name are literal: a Redis Cluster hash tag, keeping both keys in one slot.
//!
//! - **Every node's watchers see every node's events.** A tail (what a `Hub` watcher
//!   reads) replays from its id, then waits on Redis (`XREAD BLOCK`, on a connection of
//!   its own) for what any node appends next.
//!
//! # Not yet
//!
//! Redis Cluster and Sentinel clients are not wired in: a log talks to one server. Each
//! watcher holds one Redis connection while it waits.

#![forbid(unsafe_code)]

mod decode;
mod keys;
mod log;
mod options;
mod scripts;
mod tail;
#[cfg(feature = "testing")]
pub mod testing;

pub use log::RedisLog;
pub use options::Options;
pub use redis;

//! What a [`RedisLog`](crate::RedisLog) keeps, where, and how long it waits.

use std::time::Duration;

/// How a [`RedisLog`](crate::RedisLog) names its keys, what it keeps, and how long it
/// waits for Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Put before every key, so that a log shares a Redis database with other data (and
    /// two deployments share one server) without their keys meeting.
    pub prefix: String,
    /// Events kept per stream, not counting its end; older ones leave first. Exact, not
    /// Redis's approximate `~` trimming: a client can tell what it will still find.
    pub max_len: usize,
    /// The longest any call waits for Redis, connecting included; past it the call
    /// answers [`LogError::Unavailable`](pushgen_runtime::replay::LogError::Unavailable).
    pub timeout: Duration,
    /// A stream not appended to for this long leaves Redis whole (its keys expire), as the
    /// least recently appended stream leaves a `MemoryLog`. `None` keeps streams until
    /// someone deletes them, which, with one stream per job, grows without bound.
    pub idle_expiry: Option<Duration>,
}

impl Default for Options {
    /// Keys under `pushgen:`, 1,024 events per stream (as `MemoryLog`'s default), three
    /// seconds' wait, and a day's retention of idle streams.
    fn default() -> Self {
        Options {
            prefix: "pushgen:".to_owned(),
            max_len: 1024,
            timeout: Duration::from_secs(3),
            idle_expiry: Some(Duration::from_secs(24 * 60 * 60)),
        }
    }
}

impl Options {
    /// The idle expiry as the script takes it: milliseconds, `0` for none.
    pub(crate) fn expiry_millis(&self) -> u64 {
        self.idle_expiry.map_or(0, |d| {
            // A zero expiry would delete the keys at once: keep them a moment at least.
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
        })
    }
}

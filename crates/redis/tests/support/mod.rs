//! What this crate's tests share: the test server (the `testing` feature), a bound on
//! each test, and short-timeout options.

#![allow(dead_code, reason = "each test binary uses part of it")]

use pushgen_redis::Options;
pub use pushgen_redis::testing::RedisServer;
use std::time::Duration;

/// How long a whole test may take: Redis answers in microseconds here, so a test that
/// takes this long is hanging.
pub const TEST_LIMIT: Duration = Duration::from_secs(30);

/// Options for a test: keys apart per test, a short timeout.
pub fn options(max_len: usize) -> Options {
    Options {
        max_len,
        timeout: Duration::from_secs(1),
        ..Options::default()
    }
}

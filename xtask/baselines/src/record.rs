//! The record every baseline streams, and the checks every client makes.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// One pushed record: JSON `{"seq":N,"payload":"xxx…"}` for the HTTP kinds, a
/// protobuf message (`seq = 1`, `payload = 2`) for gRPC. The same struct
/// carries both derives, so every client decodes into this one typed value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, prost::Message)]
pub struct Record {
    #[prost(uint64, tag = "1")]
    pub seq: u64,
    #[prost(string, tag = "2")]
    pub payload: String,
}

/// The filler that makes a record about `size` bytes of JSON; the pushgen
/// side of the bench uses the same formula.
pub fn payload(size: usize) -> String {
    "x".repeat(payload_len(size))
}

pub fn payload_len(size: usize) -> usize {
    size.saturating_sub(32)
}

/// The largest SIZE a server accepts: a bigger one is refused (HTTP 400,
/// gRPC `InvalidArgument`) rather than allocated.
pub const MAX_SIZE: usize = 64 << 20;

/// Checks that records arrive as 0, 1, 2, … `count - 1`, whole, none lost,
/// and times the consume.
pub struct Expect {
    next: u64,
    count: u64,
    payload_len: usize,
    start: Instant,
    done: Option<Duration>,
}

impl Expect {
    /// Starts the clock: call it just before sending the request.
    pub fn start(count: u64, size: usize) -> Self {
        Self {
            next: 0,
            count,
            payload_len: payload_len(size),
            start: Instant::now(),
            done: None,
        }
    }

    pub fn record(&mut self, record: &Record) -> Result<(), String> {
        if self.next >= self.count {
            return Err(format!(
                "more than the {} records asked for (an extra one has seq {})",
                self.count, record.seq
            ));
        }
        if record.seq != self.next {
            return Err(format!(
                "record {} arrived with seq {}",
                self.next, record.seq
            ));
        }
        if record.payload.len() != self.payload_len {
            return Err(format!(
                "record {} has a payload of {} bytes, not {}",
                record.seq,
                record.payload.len(),
                self.payload_len
            ));
        }
        self.next += 1;
        if self.next == self.count {
            self.done = Some(self.start.elapsed());
        }
        Ok(())
    }

    /// At the end of the stream: were all records there? If so, the time from
    /// the start to just after the last record was decoded (to the end of the
    /// stream when none was asked for).
    pub fn finish(&self) -> Result<Duration, String> {
        if self.next == self.count {
            Ok(self.done.unwrap_or_else(|| self.start.elapsed()))
        } else {
            Err(format!(
                "the stream ended after {} of {} records",
                self.next, self.count
            ))
        }
    }
}

/// The HTTP kinds' query string.
#[derive(Debug, Deserialize)]
pub struct Params {
    pub count: u64,
    pub size: usize,
}

impl Params {
    /// The payload, or why the size is refused.
    pub fn payload(&self) -> Result<String, String> {
        if self.size > MAX_SIZE {
            Err(format!(
                "size {} is over the limit of {MAX_SIZE}",
                self.size
            ))
        } else {
            Ok(payload(self.size))
        }
    }
}

/// The HTTP kinds' request URL.
pub fn url(job: &crate::Job) -> String {
    format!(
        "http://{}/stream?count={}&size={}",
        job.addr, job.count, job.size
    )
}

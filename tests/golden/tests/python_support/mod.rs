//! The Python peers of `httpx_sse.rs` and `replay.rs`: where their scripts are, whether
//! they can run, and children that cannot outlive a test.
//!
//! Peer-missing rule (as in `curl.rs`): without `python3`, or (for the httpx tests)
//! without the `httpx_sse` module, a test fails when `CI=true` and otherwise says loudly
//! on stderr that it skipped. `.ci/run` installs the pinned packages.

#![allow(dead_code, reason = "each test binary uses part of the support module")]

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub fn peer_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("peers")
        .join(name)
}

/// Under `CI=true` a missing peer is a failure; elsewhere a loud skip on stderr.
pub fn missing(test: &str, what: &str, fix: &str) -> bool {
    crate::support::peer_missing(test, what, fix)
}

/// Whether `python3` can be run.
pub fn python_present(test: &str) -> bool {
    match Command::new("python3")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => true,
        Ok(status) => panic!("python3 is on PATH but `python3 --version` failed: {status}"),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            panic!("python3 is on PATH but cannot be run: {e}")
        }
        Err(e) => missing(
            test,
            &format!("python3 not found on PATH ({e})"),
            "Install Python 3",
        ),
    }
}

/// Whether `python3` can import httpx and httpx-sse.
pub fn httpx_sse_present(test: &str) -> bool {
    if !python_present(test) {
        return false;
    }
    let output = Command::new("python3")
        .args(["-c", "import httpx, httpx_sse"])
        .stdin(Stdio::null())
        .output()
        .expect("python3 could not be started");
    if output.status.success() {
        return true;
    }
    missing(
        test,
        &format!(
            "python3 cannot import httpx_sse ({})",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("no message")
        ),
        "Install it with `python3 -m pip install httpx==0.28.1 httpx-sse==0.4.0`",
    )
}

/// A Python child that cannot outlive the test: on drop its stdin is closed (the replay
/// server exits on that), it gets a moment to exit, and is then killed and reaped.
pub struct Peer {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
}

impl Peer {
    pub fn spawn(command: &mut Command) -> Peer {
        let mut child = command.spawn().expect("python3 could not be started");
        let stdin = child.stdin.take();
        Peer { child, stdin }
    }

    /// Waits for the child to exit, at most `limit`; `None` if it is still running (or
    /// cannot be asked: this runs in `drop`, where a panic would abort the test binary).
    pub fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) => {}
                Err(_) => return None,
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if self.wait_for(Duration::from_secs(2)).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads all of `from` on a thread of its own, so that a child that never ends its
/// output cannot block the test: the result is collected with a deadline.
pub fn drain(mut from: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = from.read_to_end(&mut out);
        let _ = tx.send(out);
    });
    rx
}

//! Fan-out with one slow subscriber among 100: a topic of `fixtures/feed.yaml`'s
//! generated server, on a `Hub` whose in-memory log holds 2,048 entries, is watched by
//! 100 clients over NDJSON. One of them reads nothing until everything is published.
//! The 99 others get every entry once, in order, and the final line (none of them falls
//! behind: the slow one slows nobody); the slow one is cut, as `Behind::Cut` says, so
//! that its client resumes from the log; and the heap never grows past a stated bound.
//!
//! The clients are plain blocking sockets that read into a fixed buffer and speak
//! HTTP/1.0 (so that the body is the NDJSON itself, close-delimited, not chunked): what
//! the heap holds is the server's.

mod support;

use pushgen_golden::feed::operations::watch_feed;
use pushgen_golden::feed::server::router;
use pushgen_golden::feed::types;
use pushgen_runtime::replay::{Bounds, MemoryLog};
use pushgen_runtime::server::{Behind, Hub, HubConfig};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::HubFeeds;

/// The heap's live bytes, and their peak since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed straight to the system allocator; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static HEAP: Counting = Counting;

const WATCHERS: usize = 100;
const ENTRIES: i64 = 10_000;
/// About 1 KiB per line: 10 MB per watcher, 1 GB through the server in all.
const TEXT: usize = 1000;
/// The log: the slack a watcher has before it counts as behind.
const LOG_ENTRIES: usize = 2048;
const LOG_BYTES: usize = 4 * 1024 * 1024;
/// What one watcher may hold on the server: its pipe's buffer (64 KiB, or 64 pushes,
/// and one push over, in an allocation that may have doubled past it), hyper's write
/// queue (under `ConnectionConfig::max_buf_size`, 8 KiB, and the one chunk that passed
/// it, up to the pipe's 64 KiB) and the connection itself (its tasks, hyper's two 8 KiB
/// buffers, the request: about 23 KiB, measured).
const PER_WATCHER: usize = (2 * 64 + 64 + 48) * 1024;
/// The bound the heap must stay under while the topic is watched, over what it held
/// before the watchers came: the log's bytes, its bookkeeping, and each watcher's share.
const HEAP_BOUND: usize = LOG_BYTES + 1024 * 1024 + WATCHERS * PER_WATCHER;

/// What a watcher read: how many entry lines, whether their ids were 1, 2, … in order,
/// and whether the last line was the final response.
#[derive(Debug)]
struct Watched {
    entries: i64,
    in_order: bool,
    ended: bool,
}

/// Watches `feed` on a blocking socket. The slow watcher (`hold` given) reads the head,
/// then nothing until `hold` says so.
fn watch(addr: SocketAddr, feed: &str, hold: Option<std::sync::mpsc::Receiver<()>>) -> Watched {
    let mut socket = std::net::TcpStream::connect(addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        socket,
        "GET /feeds/{feed} HTTP/1.0\r\nhost: {addr}\r\naccept: application/x-ndjson\r\n\r\n"
    )
    .unwrap();
    // On the stack: the heap is the server's to account for.
    let mut buf = [0u8; 16 * 1024];
    let mut line = Vec::with_capacity(2 * 1024);
    let mut head = Vec::with_capacity(1024);
    let mut read = Watched {
        entries: 0,
        in_order: true,
        ended: false,
    };
    let mut in_body = false;
    let mut hold = hold;
    loop {
        let n = match socket.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            // A cut (the server aborts the connection) may reach a reader as a reset.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the stream: {e}"),
        };
        let mut bytes = &buf[..n];
        if !in_body {
            head.extend_from_slice(bytes);
            let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            assert!(
                head.starts_with(b"HTTP/1.0 200"),
                "{:?}",
                String::from_utf8_lossy(&head)
            );
            in_body = true;
            let body_start = end + 4 - (head.len() - n);
            bytes = &buf[body_start..n];
            if let Some(hold) = hold.take() {
                hold.recv().unwrap();
            }
        }
        for &b in bytes {
            if b != b'\n' {
                line.push(b);
                continue;
            }
            read.ended = line.starts_with(b"{\"final\":");
            if !read.ended {
                read.entries += 1;
                let expected = format!(",\"id\":\"{}\"}}", read.entries);
                read.in_order &= line.ends_with(expected.as_bytes());
            }
            line.clear();
        }
    }
    read
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_slow_watcher_of_a_hundred_is_cut_and_slows_none_of_the_others() {
    support::bounded(async {
        let hub = Hub::new(MemoryLog::new(Bounds {
            entries: LOG_ENTRIES,
            bytes: LOG_BYTES,
            ..Bounds::default()
        }))
        .config(HubConfig {
            behind: Behind::Cut,
        });
        let addr = support::serve_router(router(HubFeeds { hub: hub.clone() })).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);

        let (release, hold) = std::sync::mpsc::channel();
        let slow = std::thread::spawn(move || watch(addr, "wide", Some(hold)));
        let fast: Vec<_> = (1..WATCHERS)
            .map(|_| std::thread::spawn(move || watch(addr, "wide", None)))
            .collect();
        // Every watcher is subscribed before the first entry: each must get them all.
        tokio::time::sleep(Duration::from_millis(500)).await;

        let text = "x".repeat(TEXT);
        for seq in 0..ENTRIES {
            let entry = watch_feed::Push::Entry(watch_feed::Entry {
                feed: "wide".into(),
                seq,
                response: watch_feed::EntryResponse::Ok {
                    body: types::Entry {
                        seq,
                        text: text.clone(),
                    },
                },
            });
            hub.publish("wide", &entry).await.unwrap();
            // 2,500 entries a second to each of 100 watchers: a rate two shared cores
            // keep up with, and 4 s in all.
            if seq % 25 == 24 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        hub.finish(
            "wide",
            &watch_feed::Response::Ok {
                body: types::Closed { entries: ENTRIES },
            },
        )
        .await
        .unwrap();

        let reads = tokio::task::spawn_blocking(move || {
            fast.into_iter()
                .map(|watcher| watcher.join().unwrap())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        let peak = PEAK.load(Ordering::Relaxed) - before;
        release.send(()).unwrap();
        let slow = tokio::task::spawn_blocking(move || slow.join().unwrap())
            .await
            .unwrap();

        for (i, read) in reads.iter().enumerate() {
            assert!(
                read.entries == ENTRIES && read.in_order && read.ended,
                "fast watcher {i} did not get every entry once, in order, and the end: \
                 {read:?}"
            );
        }
        assert!(
            !slow.ended && slow.in_order && slow.entries < ENTRIES,
            "the slow watcher was not cut: {slow:?}"
        );
        eprintln!(
            "fan-out: {WATCHERS} watchers, {ENTRIES} entries of ~1 KiB each; the slow one \
             got {} before it was cut; heap peak {:.1} MiB over the start (bound {:.1} MiB)",
            slow.entries,
            peak as f64 / 1048576.0,
            HEAP_BOUND as f64 / 1048576.0
        );
        assert!(
            peak < HEAP_BOUND,
            "the heap grew by {peak} bytes while the topic was watched, over the bound of \
             {HEAP_BOUND}"
        );
    })
    .await;
}

//! The README's feed example, run as it says: two `feed_server` processes share one
//! `redis-server`, the first publishing a feed, and `feed_client` watches the second.
//! That second server is killed mid-stream and started again on its port: the client
//! says it is reconnecting, then prints every entry once, in order, and the feed's end.
//! The examples are the ones `cargo test --workspace` builds beside this test.

mod support;

use pushgen_redis::testing::RedisServer;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TEST: &str = "the_feed_example_survives_its_server_restarting_mid_stream";
const ENTRIES: usize = 30;

/// A child process, killed when dropped: no test leaves one behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Starts a `feed_server` and waits for its `listening` line.
fn feed_server(program: &PathBuf, args: &[&str]) -> Running {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("feeds listening on"), "{line:?}");
    // The server prints more (a publisher says what it publishes): keep reading, for a
    // closed pipe would kill it with EPIPE on its next line.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    Running(child)
}

/// The lines a process prints, as they come.
fn lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if send.send(line).is_err() {
                return;
            }
        }
    });
    receive
}

#[test]
fn the_feed_example_survives_its_server_restarting_mid_stream() {
    let (Some(server), Some(client)) = (
        support::example("feed_server"),
        support::example("feed_client"),
    ) else {
        support::peer_missing(
            TEST,
            "the feed_server and feed_client examples are not built",
            "run `cargo test --workspace`, which builds them",
        );
        return;
    };
    let Some(redis) = RedisServer::start(TEST) else {
        return;
    };
    let url = redis.url();
    let (a, b) = (free_port(), free_port());
    let (a, b) = (format!("127.0.0.1:{a}"), format!("127.0.0.1:{b}"));
    let entries = ENTRIES.to_string();
    let _publisher = feed_server(
        &server,
        &[
            "--listen",
            &a,
            "--redis",
            &url,
            "--publish",
            "news",
            "--entries",
            &entries,
            "--every",
            "100",
        ],
    );
    let node_b = ["--listen", b.as_str(), "--redis", url.as_str()];
    let mut watched = feed_server(&server, &node_b);
    let mut watcher = Running(
        Command::new(&client)
            .args([format!("http://{b}"), "news".into()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let printed = lines(&mut watcher.0);

    let deadline = Instant::now() + Duration::from_secs(60);
    let next = || {
        printed
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the client printed its next line in time")
    };
    let mut seen = Vec::new();
    let mut restarted = false;
    let mut reconnects = 0;
    loop {
        let line = next();
        if let Some(rest) = line.strip_prefix("entry ") {
            let seq: usize = rest.split(':').next().unwrap().parse().unwrap();
            seen.push(seq);
            // A third of the way in, the watched node goes away and comes back.
            if seq == ENTRIES / 3 && !restarted {
                restarted = true;
                let _ = watched.0.kill();
                let _ = watched.0.wait();
                std::thread::sleep(Duration::from_millis(300));
                watched = feed_server(&server, &node_b);
            }
        } else if line.starts_with("reconnecting") {
            reconnects += 1;
        } else if line.starts_with("the feed closed after") {
            assert_eq!(line, format!("the feed closed after {ENTRIES} entries"));
            break;
        } else {
            panic!("the client printed {line:?}");
        }
    }
    assert!(restarted, "the stream ended before the restart");
    assert!(reconnects >= 1, "the client never reconnected");
    assert_eq!(
        seen,
        (0..ENTRIES).collect::<Vec<_>>(),
        "every entry, once and in order"
    );
    let status = watcher.0.wait().unwrap();
    assert!(status.success(), "feed_client exited with {status}");
    drop(watched);
}

//! A peer nobody here wrote: Python's httpx + httpx-sse (`connect_sse`,
//! `EventSource.iter_sse`, in `peers/httpx_sse_client.py`) reading the generated
//! servers' SSE streams. What it saw must be the events of `docs/PROTOCOL.md`'s worked
//! examples (§13.1, §13.3, §13.6): names, data, ids, and the final event or terminal
//! marker last.
//!
//! Peer-missing rule: see `python_support`.

mod items_support;
mod python_support;
mod support;

use pushgen_runtime::server::ServerConfig;
use python_support::{Peer, drain, httpx_sse_present, peer_script};
use serde_json::{Value, json};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;
use support::{Observed, bounded, serve};

/// What `httpx_sse_client.py` printed: the head, the events, and how the read ended.
#[derive(Debug)]
struct Seen {
    status: u64,
    content_type: String,
    /// `(event, data, id)` of each event, as httpx-sse reported them.
    events: Vec<(String, String, String)>,
    /// `{"end":"eof"}`, or `{"error":…}`.
    end: Value,
    exit: ExitStatus,
}

/// Runs `httpx_sse_client.py ARGS`, bounded twice: by its own `--timeout 20` alarm and
/// by a 40 s deadline after which it is killed. Runs off the runtime the server is on.
async fn httpx_sse(args: &[&str]) -> Seen {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut peer = Peer::spawn(
            Command::new("python3")
                .arg(peer_script("httpx_sse_client.py"))
                .args(&args)
                .args(["--timeout", "20"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        let stdout = drain(peer.child.stdout.take().unwrap());
        let stderr = drain(peer.child.stderr.take().unwrap());
        let exit = peer
            .wait_for(Duration::from_secs(40))
            .expect("httpx_sse_client.py did not finish within 40 s");
        let stdout = stdout.recv_timeout(Duration::from_secs(5)).unwrap();
        let stderr = stderr.recv_timeout(Duration::from_secs(5)).unwrap();
        let stderr = String::from_utf8_lossy(&stderr);
        let text = String::from_utf8(stdout).expect("the peer's output is UTF-8");
        let mut lines: Vec<Value> = text
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}; {stderr}"))
            })
            .collect();
        assert!(
            lines.len() >= 2,
            "no head and end from the peer ({exit}): {text:?}; stderr: {stderr}"
        );
        let end = lines.pop().unwrap();
        let head = lines.remove(0);
        let events = lines
            .iter()
            .map(|e| {
                assert_eq!(e["retry"], Value::Null, "no `retry:` is sent: {e}");
                let field = |name: &str| {
                    e[name]
                        .as_str()
                        .unwrap_or_else(|| panic!("no {name} in {e}"))
                        .to_string()
                };
                (field("event"), field("data"), field("id"))
            })
            .collect();
        Seen {
            status: head["status"].as_u64().expect("a status"),
            content_type: head["content_type"].as_str().unwrap_or("").to_string(),
            events,
            end,
            exit,
        }
    })
    .await
    .expect("the task running the peer failed")
}

fn events(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    expected
        .iter()
        .map(|(e, d, i)| (e.to_string(), d.to_string(), i.to_string()))
        .collect()
}

/// Asserts a stream that httpx-sse read to its end with no error.
fn assert_read_whole(seen: &Seen, expected: &[(&str, &str, &str)]) {
    assert_eq!(seen.status, 200, "{seen:?}");
    assert_eq!(seen.content_type, "text/event-stream", "{seen:?}");
    assert_eq!(
        seen.events,
        events(expected),
        "httpx-sse saw other events than docs/PROTOCOL.md's worked example"
    );
    assert_eq!(seen.end, json!({"end": "eof"}), "{seen:?}");
    assert!(seen.exit.success(), "{seen:?}");
}

const WIRE: &str = "/consumers/{consumerId}/events/{offset}";
const PUSH0: &str = r#"{"path":"/consumers/c-t/events/0","status":200,"headers":{"offset":"0"},"body":{"kind":"message","text":"message 0","priority":"high"}}"#;
const PUSH1: &str = r#"{"path":"/consumers/c-t/events/1","status":200,"headers":{"offset":"1"},"body":{"kind":"heartbeat","at":"2026-11-24T00:00:01Z"}}"#;
const FINAL: &str =
    r#"{"status":201,"headers":{},"body":{"consumerId":"c-t","topic":"t","delivered":2}}"#;
const STEP0: &str = r#"{"name":"step 0","index":0}"#;
const STEP1: &str = r#"{"name":"step 1","index":1}"#;
const DONE: &str = r#"{"status":"passed"}"#;
const CHAT_REQUEST: &str =
    r#"{"model":"small","messages":[{"role":"user","content":"hi"}],"stream":true}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn httpx_sse_reads_the_documented_watch_build_events() {
    if !httpx_sse_present("httpx_sse_reads_the_documented_watch_build_events") {
        return;
    }
    bounded(async {
        let addr = items_support::serve_builds(ServerConfig::default().keep_alive(None)).await;
        let seen = httpx_sse(&["GET", &format!("http://{addr}/builds/b1/events")]).await;
        // §13.3. `id:` is written for the steps only; a WHATWG reader (httpx-sse is one)
        // reports the last event id in force, so `log` and `done` carry the step's before.
        assert_read_whole(
            &seen,
            &[
                ("step", STEP0, "step-0"),
                ("log", "line one\nline two", "step-0"),
                ("step", STEP1, "step-1"),
                ("done", DONE, "step-1"),
            ],
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn httpx_sse_reads_the_documented_done_terminated_chat_stream() {
    if !httpx_sse_present("httpx_sse_reads_the_documented_done_terminated_chat_stream") {
        return;
    }
    bounded(async {
        let addr = items_support::serve_chat(ServerConfig::default().keep_alive(None)).await;
        let url = format!("http://{addr}/chat/completions");
        // §13.6: single items, `data:` only (so the type `message`), then the marker the
        // runtime wrote. The body's flag decides, not `Accept`: `connect_sse` sends
        // `text/event-stream`, the second request `application/json`.
        let expected = [
            ("message", r#"{"id":"c1","delta":{"content":"Hello"}}"#, ""),
            ("message", r#"{"id":"c1","delta":{"content":", "}}"#, ""),
            ("message", r#"{"id":"c1","delta":{"content":"world"}}"#, ""),
            ("message", "[DONE]", ""),
        ];
        let seen = httpx_sse(&["POST", &url, "--json", CHAT_REQUEST]).await;
        assert_read_whole(&seen, &expected);
        let seen = httpx_sse(&[
            "POST",
            &url,
            "--json",
            CHAT_REQUEST,
            "--accept",
            "application/json",
        ])
        .await;
        assert_read_whole(&seen, &expected);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn httpx_sse_reads_envelope_mode_pushes_then_the_final_event() {
    if !httpx_sse_present("httpx_sse_reads_envelope_mode_pushes_then_the_final_event") {
        return;
    }
    bounded(async {
        let addr = serve(
            Observed::default(),
            ServerConfig::default().keep_alive(None),
        )
        .await;
        let url = format!("http://{addr}/consumers");
        // §13.1: one event per push, named by its wire name, then `final`.
        let expected = [(WIRE, PUSH0, ""), (WIRE, PUSH1, ""), ("final", FINAL, "")];
        let body = r#"{"topic":"t","maxEvents":2}"#;
        let seen = httpx_sse(&["POST", &url, "--json", body]).await;
        assert_read_whole(&seen, &expected);
        // The same with the Accept of pushgen's own client (§8.1).
        let seen = httpx_sse(&[
            "POST",
            &url,
            "--json",
            body,
            "--accept",
            "text/event-stream, application/json;q=0.9",
        ])
        .await;
        assert_read_whole(&seen, &expected);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn httpx_sse_gets_the_plain_400_before_the_first_push() {
    if !httpx_sse_present("httpx_sse_gets_the_plain_400_before_the_first_push") {
        return;
    }
    bounded(async {
        let addr = serve(
            Observed::default(),
            ServerConfig::default().keep_alive(None),
        )
        .await;
        // §3 / §13.1: an error before the first push is a plain answer, so a peer that
        // checks `Content-Type` (httpx-sse does) refuses to read it as a stream.
        let seen = httpx_sse(&[
            "POST",
            &format!("http://{addr}/consumers"),
            "--json",
            r#"{"topic":"","maxEvents":2}"#,
        ])
        .await;
        assert_eq!(seen.status, 400, "{seen:?}");
        assert_eq!(seen.content_type, "application/json", "{seen:?}");
        assert!(seen.events.is_empty(), "{seen:?}");
        assert_eq!(
            seen.end,
            json!({"error": "SSEError: Expected response header Content-Type to contain \
                             'text/event-stream', got 'application/json'"}),
        );
        assert_eq!(seen.exit.code(), Some(1), "{seen:?}");
    })
    .await;
}

//! The generated clients against recorded streams that `peers/replay_server.py`, a
//! Python standard-library server, replays byte for byte: a BOM, CRLF and CR-only line
//! ends, comments, multi-line data, `retry:`, `id:`, fields without a space after the
//! colon, bodies written whole, cut at their awkward places, or one byte per write,
//! chunked or ended by closing the connection. The clients must read the typed pushes,
//! final responses and items of `docs/PROTOCOL.md`'s worked examples from every variant,
//! and report a stream cut before its end as `Error::Truncated`.
//!
//! Peer-missing rule: see `python_support`.

mod python_support;
mod support;

use pushgen_golden::chat;
use pushgen_golden::consumer::client::{ConsumerApiClient, CreateConsumerObserver};
use pushgen_golden::consumer::operations::create_consumer::{self, Events, Push};
use pushgen_golden::consumer::types as consumer_types;
use pushgen_golden::events32::client::BuildEventsClient;
use pushgen_golden::events32::operations::{list_artifacts, tail_log, watch_build};
use pushgen_golden::events32::types as build_types;
use pushgen_runtime::client::{Config, Error, PushBinding};
use python_support::{Peer, peer_script, python_present};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::bounded;

/// `replay_server.py`, serving on 127.0.0.1 until dropped.
struct Replay {
    peer: Peer,
    port: u16,
}

impl Replay {
    fn start() -> Replay {
        let mut peer = Peer::spawn(
            Command::new("python3")
                .arg(peer_script("replay_server.py"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit()),
        );
        let stdout = peer.child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(15))
            .expect("replay_server.py printed no port within 15 s");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("replay_server.py printed {line:?}, not a port"));
        Replay { peer, port }
    }

    /// The base URL of one variant. The build streams' keys are `/builds/<name>/...`,
    /// so a build client gets this base and the stream's name as the build id.
    fn root(&self, variant: Variant) -> String {
        format!(
            "http://127.0.0.1:{}/{}/{}",
            self.port, variant.split, variant.framing
        )
    }

    /// The base URL of the recorded stream `name` (`/<name>/consumers`, …) in a variant.
    fn base(&self, variant: Variant, name: &str) -> String {
        format!("{}/{name}", self.root(variant))
    }
}

/// How the replay server writes a body: `split` is `whole`, `pieces` or `bytes`;
/// `framing` is `chunked`, `close` or `cut` (see `replay_server.py`).
#[derive(Debug, Clone, Copy)]
struct Variant {
    split: &'static str,
    framing: &'static str,
}

/// Every way a complete body is written: each recorded stream must read the same in all.
fn variants() -> impl Iterator<Item = Variant> {
    ["whole", "pieces", "bytes"].into_iter().flat_map(|split| {
        ["chunked", "close"]
            .into_iter()
            .map(move |framing| Variant { split, framing })
    })
}

/// A reqwest client that never goes through a proxy from the environment.
fn http() -> pushgen_runtime::reqwest::Client {
    pushgen_runtime::reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
}

/// The clients' config: the default, with a short idle timeout so that a hang fails fast.
fn config(binding: PushBinding) -> Config {
    Config {
        idle_timeout: Some(Duration::from_secs(10)),
        push_binding: binding,
        ..Config::default()
    }
}

#[derive(Default)]
struct Collect(Vec<Events>);

impl CreateConsumerObserver for Collect {
    fn on_events(&mut self, push: Events) {
        self.0.push(push);
    }
}

/// `create_consumer` against a recorded stream: the pushes observed, and the result.
async fn create_consumer(
    base: String,
    binding: PushBinding,
) -> (Vec<Events>, Result<create_consumer::Response, Error>) {
    let client = ConsumerApiClient::with_http_client(base, http()).with_config(config(binding));
    let body = consumer_types::CreateConsumerRequest {
        topic: "t".into(),
        max_events: Some(2),
    };
    let mut pushes = Collect::default();
    let result = client.create_consumer(&body, &mut pushes).await;
    (pushes.0, result)
}

fn events_of(push: Push) -> Events {
    match push {
        Push::Events(events) => events,
    }
}

/// §13.1's pushes, typed: offset 0 (`message 0`, high) and offset 1 (a heartbeat).
fn documented_pushes() -> Vec<Events> {
    (0..2)
        .map(|offset| events_of(support::event("c-t", offset)))
        .collect()
}

/// §13.1's final response, typed.
fn documented_final() -> create_consumer::Response {
    create_consumer::Response::Created {
        body: consumer_types::Consumer {
            consumer_id: "c-t".into(),
            topic: "t".into(),
            delivered: 2,
        },
    }
}

/// Every item of a stream, and the error it ended with, if any.
async fn collect_items<C: pushgen_runtime::item::ItemCodec>(
    mut stream: pushgen_runtime::client::ItemStream<C>,
) -> (Vec<C::Item>, Option<Error>) {
    let mut items = Vec::new();
    while let Some(item) = stream.next_item().await {
        match item {
            Ok(item) => items.push(item),
            Err(e) => {
                assert!(
                    stream.next_item().await.is_none(),
                    "something followed {e:?}"
                );
                return (items, Some(e));
            }
        }
    }
    (items, None)
}

fn builds(base: String) -> BuildEventsClient {
    BuildEventsClient::with_http_client(base, http()).with_config(config(PushBinding::Sse))
}

async fn watch_build_named(
    replay: &Replay,
    variant: Variant,
    name: &str,
) -> (Vec<watch_build::Item>, Option<Error>) {
    let params = watch_build::Params { id: name.into() };
    collect_items(builds(replay.root(variant)).watch_build(&params)).await
}

/// §13.3's items, typed.
fn documented_watch_build() -> Vec<watch_build::Item> {
    let step = |index: i32| {
        watch_build::Item::Step(build_types::WatchBuildStep {
            name: format!("step {index}"),
            index: Some(index),
        })
    };
    vec![
        step(0),
        watch_build::Item::Log("line one\nline two".into()),
        step(1),
        watch_build::Item::Done(build_types::Outcome {
            status: build_types::OutcomeStatus::Passed,
        }),
    ]
}

fn chunk(content: &str) -> chat::types::CompletionChunk {
    chat::types::CompletionChunk {
        id: "c1".into(),
        delta: chat::types::CompletionChunkDelta {
            content: Some(content.into()),
        },
    }
}

async fn chat_stream(base: String) -> (Vec<chat::types::CompletionChunk>, Option<Error>) {
    let client = chat::client::ChatClient::with_http_client(base, http())
        .with_config(config(PushBinding::Sse));
    let request = chat::types::CompletionRequest {
        model: "small".into(),
        messages: vec![chat::types::Message {
            role: chat::types::MessageRole::User,
            content: Some("hi".into()),
        }],
        temperature: None,
        stream: None,
        stop: None,
        user: None,
    };
    collect_items(client.create_completion_stream(&request)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_client_reads_a_recorded_envelope_stream_with_a_bom_crlf_and_comments() {
    if !python_present(
        "consumer_client_reads_a_recorded_envelope_stream_with_a_bom_crlf_and_comments",
    ) {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        for variant in variants() {
            let base = replay.base(variant, "envelope-crlf-bom");
            let (pushes, result) = create_consumer(base, PushBinding::Sse).await;
            assert_eq!(pushes, documented_pushes(), "{variant:?}");
            assert_eq!(result.unwrap(), documented_final(), "{variant:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_client_reads_cr_line_ends_and_fields_without_a_space_and_skips_unknown_events() {
    if !python_present(
        "consumer_client_reads_cr_line_ends_and_fields_without_a_space_and_skips_unknown_events",
    ) {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        for variant in variants() {
            let base = replay.base(variant, "envelope-cr-nospace");
            let (pushes, result) = create_consumer(base, PushBinding::Sse).await;
            assert_eq!(pushes, documented_pushes(), "{variant:?}");
            assert_eq!(result.unwrap(), documented_final(), "{variant:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_client_reads_utf8_characters_split_across_writes() {
    if !python_present("consumer_client_reads_utf8_characters_split_across_writes") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        let mut expected = events_of(support::event("c-t", 0));
        let create_consumer::EventsResponse::Ok { body, .. } = &mut expected.response;
        let consumer_types::Event::EventType1(message) = body else {
            unreachable!("offset 0 is a message")
        };
        message.text = "naïve café ☕ 😀".into();
        for variant in variants() {
            let base = replay.base(variant, "envelope-utf8");
            let (pushes, result) = create_consumer(base, PushBinding::Sse).await;
            assert_eq!(pushes, [expected.clone()], "{variant:?}");
            assert_eq!(result.unwrap(), documented_final(), "{variant:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_client_reads_recorded_ndjson_with_crlf() {
    if !python_present("consumer_client_reads_recorded_ndjson_with_crlf") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        for variant in variants() {
            // The replay server answers 406 unless `Accept` names `application/x-ndjson`.
            for name in ["envelope-ndjson-crlf", "envelope-ndjson-no-final-lf"] {
                let base = replay.base(variant, name);
                let (pushes, result) = create_consumer(base, PushBinding::NdJson).await;
                assert_eq!(pushes, documented_pushes(), "{name} {variant:?}");
                assert_eq!(result.unwrap(), documented_final(), "{name} {variant:?}");
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_client_reports_an_envelope_stream_without_its_final_response_as_truncated() {
    if !python_present(
        "consumer_client_reports_an_envelope_stream_without_its_final_response_as_truncated",
    ) {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        for variant in variants() {
            for (name, binding) in [
                ("envelope-truncated", PushBinding::Sse),
                // The final event's data line arrived, but not the empty line that
                // dispatches it: discarded at the end of the body (WHATWG).
                ("envelope-final-undispatched", PushBinding::Sse),
                ("envelope-ndjson-truncated", PushBinding::NdJson),
            ] {
                let (pushes, result) = create_consumer(replay.base(variant, name), binding).await;
                assert_eq!(pushes, documented_pushes(), "{name} {variant:?}");
                assert!(
                    matches!(result, Err(Error::Truncated)),
                    "{name} {variant:?}: {result:?}"
                );
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_client_fails_when_the_connection_dies_before_the_final_response() {
    if !python_present("consumer_client_fails_when_the_connection_dies_before_the_final_response") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        for split in ["whole", "pieces", "bytes"] {
            let cut = Variant {
                split,
                framing: "cut",
            };
            // A chunked body that stops without its last chunk could not be read to its
            // end: `Error::Request` (§12.2), after the pushes that did arrive.
            let base = replay.base(cut, "envelope-truncated");
            let (pushes, result) = create_consumer(base, PushBinding::Sse).await;
            assert_eq!(pushes, documented_pushes(), "{split}");
            assert!(
                matches!(result, Err(Error::Request(_))),
                "{split}: {result:?}"
            );

            // Once the final response has arrived the call is complete: what the
            // connection does afterwards is not read.
            let base = replay.base(cut, "envelope-crlf-bom");
            let (pushes, result) = create_consumer(base, PushBinding::Sse).await;
            assert_eq!(pushes, documented_pushes(), "{split}");
            assert_eq!(result.unwrap(), documented_final(), "{split}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_client_reads_multi_line_data_and_retry_and_skips_unknown_events() {
    if !python_present("build_client_reads_multi_line_data_and_retry_and_skips_unknown_events") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        for variant in variants() {
            let (items, error) = watch_build_named(&replay, variant, "multiline-retry").await;
            assert_eq!(items, documented_watch_build(), "{variant:?}");
            assert!(error.is_none(), "{variant:?}: {error:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_client_reads_cr_line_ends_and_strips_one_space_after_the_colon() {
    if !python_present("build_client_reads_cr_line_ends_and_strips_one_space_after_the_colon") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        let mut expected = documented_watch_build();
        // `data:  line two`: only the first space after the colon is not data. A bare
        // `data` is an empty line of data, so the text ends with a line break.
        expected[1] = watch_build::Item::Log("line one\n line two\n".into());
        for variant in variants() {
            let (items, error) = watch_build_named(&replay, variant, "cr-nospace").await;
            assert_eq!(items, expected, "{variant:?}");
            assert!(error.is_none(), "{variant:?}: {error:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_client_reads_a_utf8_text_item_split_across_writes() {
    if !python_present("build_client_reads_a_utf8_text_item_split_across_writes") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        let expected = vec![
            watch_build::Item::Log("naïve café\n☕\n😀 日本語".into()),
            documented_watch_build().pop().unwrap(),
        ];
        for variant in variants() {
            let (items, error) = watch_build_named(&replay, variant, "utf8").await;
            assert_eq!(items, expected, "{variant:?}");
            assert!(error.is_none(), "{variant:?}: {error:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_client_reports_a_stream_cut_before_done_as_truncated_and_stops_at_done() {
    if !python_present(
        "build_client_reports_a_stream_cut_before_done_as_truncated_and_stops_at_done",
    ) {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        for variant in variants() {
            // §13.3's `gone-late`: a step, then the end of the body without `done`.
            let (items, error) = watch_build_named(&replay, variant, "truncated").await;
            assert_eq!(items, documented_watch_build()[..1], "{variant:?}");
            assert!(
                matches!(error, Some(Error::Truncated)),
                "{variant:?}: {error:?}"
            );

            // `done` is the last item: the step written after it is never delivered.
            let (items, error) = watch_build_named(&replay, variant, "after-done").await;
            assert_eq!(items, documented_watch_build(), "{variant:?}");
            assert!(error.is_none(), "{variant:?}: {error:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_client_reads_recorded_json_lines_with_crlf() {
    if !python_present("build_client_reads_recorded_json_lines_with_crlf") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        let record = |line: &str, level| build_types::LogRecord {
            line: line.into(),
            level,
        };
        let expected = vec![
            record("line 0", Some(build_types::LogRecordLevel::Info)),
            record("line 1", None),
            // The last line has no line break: the end of the body ends it (§6.2), and
            // with no marker declared, that is the clean end of the stream.
            record("naïve ☕ 😀", Some(build_types::LogRecordLevel::Warn)),
        ];
        for variant in variants() {
            let params = tail_log::Params { id: "crlf".into() };
            let client = builds(replay.root(variant));
            let (items, error) = collect_items(client.tail_log(&params)).await;
            assert_eq!(items, expected, "{variant:?}");
            assert!(error.is_none(), "{variant:?}: {error:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_client_reads_a_recorded_json_text_sequence_and_its_truncation() {
    if !python_present("build_client_reads_a_recorded_json_text_sequence_and_its_truncation") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        let expected = vec![
            build_types::ListArtifactsItem {
                name: "app".into(),
                bytes: Some(10),
            },
            build_types::ListArtifactsItem {
                name: "docs".into(),
                bytes: None,
            },
        ];
        for variant in variants() {
            let client = builds(replay.root(variant));
            let params = list_artifacts::Params { id: "seq".into() };
            let (items, error) = collect_items(client.list_artifacts(&params)).await;
            assert_eq!(items, expected, "{variant:?}");
            assert!(error.is_none(), "{variant:?}: {error:?}");

            let params = list_artifacts::Params {
                id: "seq-truncated".into(),
            };
            let (items, error) = collect_items(client.list_artifacts(&params)).await;
            assert_eq!(items, expected, "{variant:?}");
            assert!(
                matches!(error, Some(Error::Truncated)),
                "{variant:?}: {error:?}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_client_reads_a_recorded_done_terminated_stream_and_its_truncation() {
    if !python_present("chat_client_reads_a_recorded_done_terminated_stream_and_its_truncation") {
        return;
    }
    bounded(async {
        let replay = Replay::start();
        let expected = vec![chunk("Hello"), chunk(", "), chunk("world")];
        for variant in variants() {
            let (items, error) = chat_stream(replay.base(variant, "chat-crlf")).await;
            assert_eq!(items, expected, "{variant:?}");
            assert!(error.is_none(), "{variant:?}: {error:?}");

            let (items, error) = chat_stream(replay.base(variant, "chat-truncated")).await;
            assert_eq!(items, expected, "{variant:?}");
            assert!(
                matches!(error, Some(Error::Truncated)),
                "{variant:?}: {error:?}"
            );
        }
    })
    .await;
}

/// Sends `GET path` with `accept` to the replay server, and returns every read of the
/// answer: bounded by a read timeout and a total deadline.
fn raw_get(port: u16, path: &str, accept: &str) -> Vec<Vec<u8>> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n\r\n"
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut reads = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        assert!(Instant::now() < deadline, "the answer took over 20 s");
        match stream.read(&mut buf) {
            Ok(0) => return reads,
            Ok(n) => reads.push(buf[..n].to_vec()),
            Err(e) => panic!("reading the answer: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replay_server_writes_the_recorded_bytes_and_splits_them() {
    if !python_present("the_replay_server_writes_the_recorded_bytes_and_splits_them") {
        return;
    }
    let replay = Replay::start();
    let port = replay.port;
    tokio::task::spawn_blocking(move || {
        let body_of = |reads: &[Vec<u8>]| {
            let all = reads.concat();
            let at = all
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .expect("a head");
            (
                String::from_utf8(all[..at].to_vec()).unwrap(),
                all[at + 4..].to_vec(),
            )
        };
        // §13.3's `gone-late` body, as the replay server has it, ended by the close.
        let expected = b"event: step\ndata: {\"name\":\"step 0\",\"index\":0}\n\n";
        let whole = raw_get(
            port,
            "/whole/close/builds/truncated/events",
            "text/event-stream",
        );
        let (head, body) = body_of(&whole);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(
            head.contains("\r\ncontent-type: text/event-stream\r\n"),
            "{head}"
        );
        assert_eq!(body, expected);

        let bytes = raw_get(
            port,
            "/bytes/close/builds/truncated/events",
            "text/event-stream",
        );
        let (_, body) = body_of(&bytes);
        assert_eq!(body, expected);
        // One byte per write, with a pause after each: the reads see many of them apart.
        assert!(
            bytes.len() > expected.len() / 4,
            "only {} reads for {} bytes written one by one",
            bytes.len(),
            expected.len()
        );

        // The recorded streams hold what they claim: a BOM, CRLF and UTF-8 here.
        let (_, body) = body_of(&raw_get(
            port,
            "/whole/close/builds/utf8/events",
            "text/event-stream",
        ));
        assert!(
            body.starts_with(b"\xef\xbb\xbfevent: log\r\ndata: na\xc3\xafve"),
            "{body:?}"
        );

        // A request of another method than the recording's is refused.
        let (head, _) = body_of(&raw_get(
            port,
            "/whole/close/chat-crlf/chat/completions",
            "text/event-stream",
        ));
        assert!(head.starts_with("HTTP/1.1 405 "), "{head}");

        // An Accept that does not name the stream's media type is refused.
        let (head, _) = body_of(&raw_get(
            port,
            "/whole/close/builds/utf8/events",
            "application/json",
        ));
        assert!(head.starts_with("HTTP/1.1 406 "), "{head}");
    })
    .await
    .unwrap();
}

#[test]
fn the_replay_server_exits_when_its_stdin_closes() {
    if !python_present("the_replay_server_exits_when_its_stdin_closes") {
        return;
    }
    let mut replay = Replay::start();
    drop(replay.peer.stdin.take());
    let status = replay
        .peer
        .wait_for(Duration::from_secs(10))
        .expect("replay_server.py still running 10 s after its stdin closed");
    assert!(status.success(), "{status}");
}

//! A peer nobody here wrote: the `curl` command line against the generated servers.
//!
//! The constants are the worked examples of `docs/PROTOCOL.md` byte for byte: envelope
//! mode over SSE (`STREAM`) and NDJSON / JSON Lines (`NDJSON`) on the consumer server, and
//! item mode on the build-events server (`WATCH_BUILD`, `TAIL_LOG`, `LIST_ARTIFACTS`) and
//! the chat server (`CHAT_STREAM`). If a test here has to change, that document changes
//! with it.
//!
//! Peer-missing rule: without `curl` on `PATH` these tests fail when `CI=true` and
//! otherwise say loudly on stderr that they skipped.

mod items_support;
mod support;

use pushgen_runtime::server::ServerConfig;
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use support::{Observed, bounded, serve};

/// The body of the answer to `POST /consumers` with `{"topic":"t","maxEvents":2}` and
/// `Accept: text/event-stream`: two pushes, then the final response
/// (`docs/PROTOCOL.md`, §13.1 "Envelope mode over SSE").
const STREAM: &str = "\
event: /consumers/{consumerId}/events/{offset}\n\
data: {\"path\":\"/consumers/c-t/events/0\",\"status\":200,\"headers\":{\"offset\":\"0\"},\"body\":{\"kind\":\"message\",\"text\":\"message 0\",\"priority\":\"high\"}}\n\
\n\
event: /consumers/{consumerId}/events/{offset}\n\
data: {\"path\":\"/consumers/c-t/events/1\",\"status\":200,\"headers\":{\"offset\":\"1\"},\"body\":{\"kind\":\"heartbeat\",\"at\":\"2026-11-24T00:00:01Z\"}}\n\
\n\
event: final\n\
data: {\"status\":201,\"headers\":{},\"body\":{\"consumerId\":\"c-t\",\"topic\":\"t\",\"delivered\":2}}\n\
\n";

/// The final response alone, as a client that did not ask for pushes gets it.
const CREATED: &str = r#"{"consumerId":"c-t","topic":"t","delivered":2}"#;

/// The same request with `Accept: application/x-ndjson` (or `application/jsonl`): one
/// push line per push, then the final line (`docs/PROTOCOL.md`, "Envelope mode over
/// NDJSON and JSON Lines").
const NDJSON: &str = concat!(
    r#"{"push":"/consumers/{consumerId}/events/{offset}","path":"/consumers/c-t/events/0","status":200,"headers":{"offset":"0"},"body":{"kind":"message","text":"message 0","priority":"high"}}"#,
    "\n",
    r#"{"push":"/consumers/{consumerId}/events/{offset}","path":"/consumers/c-t/events/1","status":200,"headers":{"offset":"1"},"body":{"kind":"heartbeat","at":"2026-11-24T00:00:01Z"}}"#,
    "\n",
    r#"{"final":{"status":201,"headers":{},"body":{"consumerId":"c-t","topic":"t","delivered":2}}}"#,
    "\n",
);

/// Topic `late-error` over NDJSON: a declared error after the first push is the final
/// line, with its declared status.
const NDJSON_LATE_ERROR: &str = concat!(
    r#"{"push":"/consumers/{consumerId}/events/{offset}","path":"/consumers/c-late-error/events/0","status":200,"headers":{"offset":"0"},"body":{"kind":"message","text":"message 0","priority":"high"}}"#,
    "\n",
    r#"{"final":{"status":400,"headers":{},"body":{"message":"failed after the first push"}}}"#,
    "\n",
);

/// Topic `late-error` over SSE: the same final response as the final event.
const SSE_LATE_ERROR: &str = "\
event: /consumers/{consumerId}/events/{offset}\n\
data: {\"path\":\"/consumers/c-late-error/events/0\",\"status\":200,\"headers\":{\"offset\":\"0\"},\"body\":{\"kind\":\"message\",\"text\":\"message 0\",\"priority\":\"high\"}}\n\
\n\
event: final\n\
data: {\"status\":400,\"headers\":{},\"body\":{\"message\":\"failed after the first push\"}}\n\
\n";

/// `GET /builds/b1/events` (watchBuild): SSE in the OpenAPI 3.2 idiom, one event name per
/// item, ids where the handler gave one, a text item over two `data:` lines, and the
/// terminal event `done`, which is an item the handler sent.
const WATCH_BUILD: &str = "\
event: step\n\
id: step-0\n\
data: {\"name\":\"step 0\",\"index\":0}\n\
\n\
event: log\n\
data: line one\n\
data: line two\n\
\n\
event: step\n\
id: step-1\n\
data: {\"name\":\"step 1\",\"index\":1}\n\
\n\
event: done\n\
data: {\"status\":\"passed\"}\n\
\n";

/// `GET /builds/gone-late/events`: one item, then the handler returned `404`. The body is
/// cut after it: no terminal event, and no last chunk.
const WATCH_GONE_LATE: &str = "\
event: step\n\
data: {\"name\":\"step 0\",\"index\":0}\n\
\n";

/// `GET /builds/b1/log` (tailLog): JSON Lines, one bare item per line, no terminator. The
/// handler sent each record with an id, which the line formats have no place for.
const TAIL_LOG: &str = concat!(
    r#"{"line":"line 0","level":"info"}"#,
    "\n",
    r#"{"line":"line 1"}"#,
    "\n",
);

/// `GET /builds/b1/artifacts` (listArtifacts): an RFC 7464 JSON text sequence, each
/// element `RS json LF`, ending with the declared data terminator `end`, which the runtime
/// writes.
const LIST_ARTIFACTS: &str =
    "\x1e{\"name\":\"app\",\"bytes\":10}\n\x1e{\"name\":\"docs\"}\n\x1eend\n";

/// `POST /chat/completions` with `"stream":true` (createCompletion, stream-conditional):
/// single-item SSE, `data:` only, ending with `data: [DONE]`, which the runtime writes.
const CHAT_STREAM: &str = "\
data: {\"id\":\"c1\",\"delta\":{\"content\":\"Hello\"}}\n\
\n\
data: {\"id\":\"c1\",\"delta\":{\"content\":\", \"}}\n\
\n\
data: {\"id\":\"c1\",\"delta\":{\"content\":\"world\"}}\n\
\n\
data: [DONE]\n\
\n";

/// The same request without `"stream":true`: the handler's response, whole.
const CHAT_WHOLE: &str = r#"{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello, world"}}]}"#;

/// The request body of the chat examples, streamed or not.
const CHAT_REQUEST: &str =
    r#"{"model":"small","messages":[{"role":"user","content":"hi"}],"stream":true}"#;
const CHAT_REQUEST_WHOLE: &str = r#"{"model":"small","messages":[{"role":"user","content":"hi"}]}"#;

/// Whether `curl` can be run. When it cannot: under `CI=true` the test fails; elsewhere it
/// says so on stderr and the caller returns.
fn curl_present(test: &str) -> bool {
    match Command::new("curl")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => true,
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            panic!("curl is on PATH but cannot be run: {e}")
        }
        Err(e) => support::peer_missing(
            test,
            &format!("curl not found on PATH ({e})"),
            "Install curl",
        ),
    }
}

/// Runs `curl -q -sS --max-time 20 --connect-timeout 5 --noproxy '*' ARGS URL` off the runtime the server
/// runs on, bounded a second time from outside.
async fn curl(args: &[&str], url: String) -> Output {
    let output = run_curl(args, url).await;
    assert!(
        output.status.success(),
        "curl failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `curl` with `args`, whatever its exit status.
async fn run_curl(args: &[&str], url: String) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let run = tokio::task::spawn_blocking(move || {
        Command::new("curl")
            // `-q` (first) skips any ~/.curlrc; `--noproxy` keeps a proxy from the
            // environment off 127.0.0.1.
            .args(["-q", "-sS", "--max-time", "20", "--connect-timeout", "5"])
            .args(["--noproxy", "*"])
            .args(&args)
            .arg(&url)
            .stdin(Stdio::null())
            .output()
            .expect("curl could not be started")
    });
    tokio::time::timeout(Duration::from_secs(40), run)
        .await
        .expect("curl did not finish within 40 s")
        .expect("the task running curl failed")
}

async fn server() -> SocketAddr {
    serve(
        Observed::default(),
        ServerConfig::default().keep_alive(None),
    )
    .await
}

/// The build-events server, without keep-alives unless `keep_alive` is given.
async fn builds(keep_alive: Option<Duration>) -> SocketAddr {
    items_support::serve_builds(ServerConfig::default().keep_alive(keep_alive)).await
}

/// A keep-alive interval much shorter than [`items_support::SLOW`] and the consumer's
/// `slow` topic (300 ms of silence each), so their streams hold at least one.
const SHORT_KEEP_ALIVE: Duration = Duration::from_millis(50);

/// Asserts the head of a stream: `200`, `content-type` exactly `media`, no caching, no
/// proxy buffering.
fn assert_stream_head(status: &str, headers: &[String], media: &str) {
    assert_eq!(status.trim_end(), "HTTP/1.1 200 OK", "{headers:?}");
    assert_eq!(header(headers, "content-type"), [media]);
    assert_eq!(header(headers, "cache-control"), ["no-cache"]);
    assert_eq!(header(headers, "x-accel-buffering"), ["no"]);
}

/// Removes the keep-alives `keep_alive` from the front of `body`: how many there were, and
/// the rest.
fn leading_keep_alives<'a>(body: &'a str, keep_alive: &str) -> (usize, &'a str) {
    let mut rest = body;
    let mut n = 0;
    while let Some(after) = rest.strip_prefix(keep_alive) {
        rest = after;
        n += 1;
    }
    (n, rest)
}

/// Splits `curl -i` output into the status line, the header lines and the body.
fn split_head(output: &[u8]) -> (String, Vec<String>, String) {
    let text = String::from_utf8(output.to_vec()).expect("the response is UTF-8");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of the response head in {text:?}"));
    let mut lines = head.split("\r\n").map(str::to_string);
    let status = lines.next().unwrap_or_default();
    (status, lines.collect(), body.to_string())
}

fn header<'a>(headers: &'a [String], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter_map(|line| line.split_once(':'))
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_the_documented_stream_byte_for_byte() {
    if !curl_present("curl_reads_the_documented_stream_byte_for_byte") {
        return;
    }
    let addr = server().await;
    let output = curl(
        &[
            "-N",
            "-H",
            "Accept: text/event-stream",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"topic":"t","maxEvents":2}"#,
        ],
        format!("http://{addr}/consumers"),
    )
    .await;
    let got = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        got, STREAM,
        "the stream differs from docs/PROTOCOL.md's worked example"
    );
    assert_eq!(output.stdout, STREAM.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sees_the_stream_head() {
    if !curl_present("curl_sees_the_stream_head") {
        return;
    }
    let addr = server().await;
    let output = curl(
        &[
            "-i",
            "-N",
            "-H",
            "Accept: text/event-stream",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"topic":"t","maxEvents":2}"#,
        ],
        format!("http://{addr}/consumers"),
    )
    .await;
    let (status, headers, body) = split_head(&output.stdout);
    assert_eq!(status.trim_end(), "HTTP/1.1 200 OK");
    assert_eq!(header(&headers, "content-type"), ["text/event-stream"]);
    assert_eq!(header(&headers, "cache-control"), ["no-cache"]);
    assert_eq!(header(&headers, "x-accel-buffering"), ["no"]);
    assert_eq!(body, STREAM);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_without_accept_gets_the_final_response_alone() {
    if !curl_present("curl_without_accept_gets_the_final_response_alone") {
        return;
    }
    let addr = server().await;
    let output = curl(
        &[
            "-i",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"topic":"t","maxEvents":2}"#,
        ],
        format!("http://{addr}/consumers"),
    )
    .await;
    let (status, headers, body) = split_head(&output.stdout);
    assert!(
        status.starts_with("HTTP/1.1 201"),
        "status line {status:?}, headers {headers:?}"
    );
    assert_eq!(header(&headers, "content-type"), ["application/json"]);
    assert!(header(&headers, "cache-control").is_empty(), "{headers:?}");
    assert_eq!(body, CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_gets_a_plain_400_for_an_error_before_the_first_push() {
    if !curl_present("curl_gets_a_plain_400_for_an_error_before_the_first_push") {
        return;
    }
    let addr = server().await;
    for accept in ["Accept: text/event-stream", "Accept: application/x-ndjson"] {
        let output = curl(
            &[
                "-i",
                "-N",
                "-H",
                accept,
                "-H",
                "Content-Type: application/json",
                "-d",
                r#"{"topic":"","maxEvents":2}"#,
            ],
            format!("http://{addr}/consumers"),
        )
        .await;
        let (status, headers, body) = split_head(&output.stdout);
        assert!(
            status.starts_with("HTTP/1.1 400"),
            "{accept}: status line {status:?}, headers {headers:?}"
        );
        assert_eq!(header(&headers, "content-type"), ["application/json"]);
        assert_eq!(body, r#"{"message":"topic is empty"}"#);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_the_documented_ndjson_stream_byte_for_byte() {
    if !curl_present("curl_reads_the_documented_ndjson_stream_byte_for_byte") {
        return;
    }
    bounded(async {
        let addr = server().await;
        let request = [
            "-N",
            "-H",
            "Accept: application/x-ndjson",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"topic":"t","maxEvents":2}"#,
        ];
        let output = curl(&request, format!("http://{addr}/consumers")).await;
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            NDJSON,
            "the stream differs from docs/PROTOCOL.md's NDJSON example"
        );

        let mut with_head = vec!["-i"];
        with_head.extend(request);
        let output = curl(&with_head, format!("http://{addr}/consumers")).await;
        let (status, headers, body) = split_head(&output.stdout);
        assert_stream_head(&status, &headers, "application/x-ndjson");
        assert_eq!(body, NDJSON);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_asking_for_json_lines_gets_the_same_lines_as_application_jsonl() {
    if !curl_present("curl_asking_for_json_lines_gets_the_same_lines_as_application_jsonl") {
        return;
    }
    bounded(async {
        let addr = server().await;
        let output = curl(
            &[
                "-i",
                "-N",
                "-H",
                "Accept: application/jsonl",
                "-H",
                "Content-Type: application/json",
                "-d",
                r#"{"topic":"t","maxEvents":2}"#,
            ],
            format!("http://{addr}/consumers"),
        )
        .await;
        let (status, headers, body) = split_head(&output.stdout);
        assert_stream_head(&status, &headers, "application/jsonl");
        assert_eq!(body, NDJSON);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_accept_picks_sse_then_ndjson_then_json_lines() {
    if !curl_present("curl_accept_picks_sse_then_ndjson_then_json_lines") {
        return;
    }
    bounded(async {
        let addr = server().await;
        // (Accept, the Content-Type of the answer): q-values only ever exclude (q=0).
        let cases = [
            (
                "application/x-ndjson, text/event-stream;q=0.1",
                "text/event-stream",
            ),
            (
                "application/jsonl, application/x-ndjson;q=0.1",
                "application/x-ndjson",
            ),
            (
                "text/event-stream;q=0, application/jsonl",
                "application/jsonl",
            ),
            // Aliases select their format, answered in its canonical media type.
            ("application/ndjson", "application/x-ndjson"),
            ("application/x-ndjson;q=0", "application/json"),
            (
                "application/jsonlines, application/x-jsonlines",
                "application/jsonl",
            ),
            ("application/*", "application/json"),
        ];
        for (accept, answered) in cases {
            let output = curl(
                &[
                    "-i",
                    "-N",
                    "-H",
                    &format!("Accept: {accept}"),
                    "-H",
                    "Content-Type: application/json",
                    "-d",
                    r#"{"topic":"t","maxEvents":2}"#,
                ],
                format!("http://{addr}/consumers"),
            )
            .await;
            let (status, headers, _) = split_head(&output.stdout);
            assert_eq!(
                header(&headers, "content-type"),
                [answered],
                "Accept: {accept} got {status}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_an_error_after_the_first_push_as_the_final_response() {
    if !curl_present("curl_reads_an_error_after_the_first_push_as_the_final_response") {
        return;
    }
    bounded(async {
        let addr = server().await;
        for (accept, expected) in [
            ("Accept: text/event-stream", SSE_LATE_ERROR),
            ("Accept: application/x-ndjson", NDJSON_LATE_ERROR),
        ] {
            let output = curl(
                &[
                    "-N",
                    "-H",
                    accept,
                    "-H",
                    "Content-Type: application/json",
                    "-d",
                    r#"{"topic":"late-error"}"#,
                ],
                format!("http://{addr}/consumers"),
            )
            .await;
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                expected,
                "{accept}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sees_each_formats_keep_alive_in_envelope_mode() {
    if !curl_present("curl_sees_each_formats_keep_alive_in_envelope_mode") {
        return;
    }
    bounded(async {
        // Topic `slow`: one push, 300 ms of silence, the final response.
        let addr = serve(
            Observed::default(),
            ServerConfig::default().keep_alive(Some(SHORT_KEEP_ALIVE)),
        )
        .await;
        let push = r#"{"path":"/consumers/c-slow/events/0","status":200,"headers":{"offset":"0"},"body":{"kind":"message","text":"message 0","priority":"high"}}"#;
        let last = r#"{"status":201,"headers":{},"body":{"consumerId":"c-slow","topic":"slow","delivered":1}}"#;
        let sse = (
            format!("event: /consumers/{{consumerId}}/events/{{offset}}\ndata: {push}\n\n"),
            ": keep-alive\n\n",
            format!("event: final\ndata: {last}\n\n"),
        );
        let ndjson = (
            format!(
                "{{\"push\":\"/consumers/{{consumerId}}/events/{{offset}}\",{}\n",
                &push[1..]
            ),
            "\n",
            format!("{{\"final\":{last}}}\n"),
        );
        for (accept, (first, keep_alive, end)) in [
            ("Accept: text/event-stream", sse),
            ("Accept: application/x-ndjson", ndjson),
        ] {
            let output = curl(
                &[
                    "-N",
                    "-H",
                    accept,
                    "-H",
                    "Content-Type: application/json",
                    "-d",
                    r#"{"topic":"slow","maxEvents":1}"#,
                ],
                format!("http://{addr}/consumers"),
            )
            .await;
            let body = String::from_utf8(output.stdout).expect("the stream is UTF-8");
            let rest = body
                .strip_prefix(first.as_str())
                .unwrap_or_else(|| panic!("{accept}: not the push first: {body:?}"));
            let (keep_alives, rest) = leading_keep_alives(rest, keep_alive);
            assert!(keep_alives >= 1, "{accept}: no keep-alive in {body:?}");
            assert_eq!(rest, end, "{accept}: {body:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_the_documented_sse_items_byte_for_byte() {
    if !curl_present("curl_reads_the_documented_sse_items_byte_for_byte") {
        return;
    }
    bounded(async {
        let addr = builds(None).await;
        let output = curl(&["-i", "-N"], format!("http://{addr}/builds/b1/events")).await;
        let (status, headers, body) = split_head(&output.stdout);
        assert_stream_head(&status, &headers, "text/event-stream");
        assert_eq!(
            body, WATCH_BUILD,
            "the stream differs from docs/PROTOCOL.md's watchBuild example"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_the_documented_json_lines_items_byte_for_byte() {
    if !curl_present("curl_reads_the_documented_json_lines_items_byte_for_byte") {
        return;
    }
    bounded(async {
        let addr = builds(None).await;
        let output = curl(&["-i", "-N"], format!("http://{addr}/builds/b1/log")).await;
        let (status, headers, body) = split_head(&output.stdout);
        assert_stream_head(&status, &headers, "application/jsonl");
        assert_eq!(
            body, TAIL_LOG,
            "the stream differs from docs/PROTOCOL.md's tailLog example"
        );

        // Item mode answers in the declared media type whatever `Accept` says.
        let output = curl(
            &["-i", "-N", "-H", "Accept: application/json"],
            format!("http://{addr}/builds/b1/log"),
        )
        .await;
        let (status, headers, body) = split_head(&output.stdout);
        assert_stream_head(&status, &headers, "application/jsonl");
        assert_eq!(body, TAIL_LOG);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_the_documented_json_seq_items_byte_for_byte() {
    if !curl_present("curl_reads_the_documented_json_seq_items_byte_for_byte") {
        return;
    }
    bounded(async {
        let addr = builds(None).await;
        let output = curl(&["-i", "-N"], format!("http://{addr}/builds/b1/artifacts")).await;
        let (status, headers, body) = split_head(&output.stdout);
        assert_stream_head(&status, &headers, "application/json-seq");
        assert_eq!(
            body, LIST_ARTIFACTS,
            "the stream differs from docs/PROTOCOL.md's listArtifacts example"
        );

        // A 2xx before any item: a stream of the terminator alone.
        let output = curl(
            &["-i", "-N"],
            format!("http://{addr}/builds/none/artifacts"),
        )
        .await;
        let (status, headers, body) = split_head(&output.stdout);
        assert_stream_head(&status, &headers, "application/json-seq");
        assert_eq!(body, "\x1eend\n");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_gets_a_plain_404_before_the_first_item_and_a_cut_stream_after_it() {
    if !curl_present("curl_gets_a_plain_404_before_the_first_item_and_a_cut_stream_after_it") {
        return;
    }
    bounded(async {
        let addr = builds(None).await;
        let output = curl(
            &["-i", "-N"],
            format!("http://{addr}/builds/missing/events"),
        )
        .await;
        let (status, headers, body) = split_head(&output.stdout);
        assert!(
            status.starts_with("HTTP/1.1 404"),
            "status line {status:?}, headers {headers:?}"
        );
        assert!(header(&headers, "content-type").is_empty(), "{headers:?}");
        assert_eq!(header(&headers, "content-length"), ["0"]);
        assert_eq!(body, "");

        // The handler fails after its first item: the body is cut, not ended, so curl
        // itself reports the transfer incomplete (exit 18) after the bytes that came.
        let output = run_curl(
            &["-i", "-N"],
            format!("http://{addr}/builds/gone-late/events"),
        )
        .await;
        assert_eq!(
            output.status.code(),
            Some(18),
            "curl: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (status, headers, body) = split_head(&output.stdout);
        assert_stream_head(&status, &headers, "text/event-stream");
        assert_eq!(body, WATCH_GONE_LATE);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sees_each_formats_keep_alive_in_item_mode() {
    if !curl_present("curl_sees_each_formats_keep_alive_in_item_mode") {
        return;
    }
    bounded(async {
        // Build `slow`: the handler opens the stream, then is silent for 300 ms.
        let addr = builds(Some(SHORT_KEEP_ALIVE)).await;
        let cases = [
            ("events", ": keep-alive\n\n", WATCH_BUILD),
            ("log", "\n", TAIL_LOG),
            ("artifacts", "\x1e", LIST_ARTIFACTS),
        ];
        for (stream, keep_alive, items) in cases {
            let output = curl(&["-N"], format!("http://{addr}/builds/slow/{stream}")).await;
            let body = String::from_utf8(output.stdout).expect("the stream is UTF-8");
            let (mut keep_alives, rest) = leading_keep_alives(&body, keep_alive);
            // A JSON text sequence's first element starts with the RS a keep-alive is.
            let items = match items.strip_prefix(keep_alive) {
                Some(after) => {
                    keep_alives = keep_alives.saturating_sub(1);
                    after
                }
                None => items,
            };
            assert!(keep_alives >= 1, "no keep-alive in {body:?}");
            assert_eq!(rest, items, "{stream}: {body:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_the_documented_done_terminated_chat_stream() {
    if !curl_present("curl_reads_the_documented_done_terminated_chat_stream") {
        return;
    }
    bounded(async {
        let addr = items_support::serve_chat(ServerConfig::default().keep_alive(None)).await;
        let url = format!("http://{addr}/chat/completions");
        // The body's flag decides, not `Accept`: both get the stream.
        for accept in ["Accept: text/event-stream", "Accept: application/json"] {
            let output = curl(
                &[
                    "-i",
                    "-N",
                    "-H",
                    accept,
                    "-H",
                    "Content-Type: application/json",
                    "-d",
                    CHAT_REQUEST,
                ],
                url.clone(),
            )
            .await;
            let (status, headers, body) = split_head(&output.stdout);
            assert_stream_head(&status, &headers, "text/event-stream");
            assert_eq!(
                body, CHAT_STREAM,
                "{accept}: the stream differs from docs/PROTOCOL.md's chat example"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_without_the_stream_flag_gets_the_whole_chat_completion() {
    if !curl_present("curl_without_the_stream_flag_gets_the_whole_chat_completion") {
        return;
    }
    bounded(async {
        let addr = items_support::serve_chat(ServerConfig::default().keep_alive(None)).await;
        let url = format!("http://{addr}/chat/completions");
        // No `stream` property: the schema's default (false). `Accept` does not matter.
        let output = curl(
            &[
                "-i",
                "-N",
                "-H",
                "Accept: text/event-stream",
                "-H",
                "Content-Type: application/json",
                "-d",
                CHAT_REQUEST_WHOLE,
            ],
            url.clone(),
        )
        .await;
        let (status, headers, body) = split_head(&output.stdout);
        assert!(status.starts_with("HTTP/1.1 200"), "{status:?}");
        assert_eq!(header(&headers, "content-type"), ["application/json"]);
        assert_eq!(body, CHAT_WHOLE);

        // A declared error before the first chunk is a plain answer, stream or not.
        let output = curl(
            &[
                "-i",
                "-N",
                "-H",
                "Content-Type: application/json",
                "-d",
                r#"{"model":"busy","messages":[],"stream":true}"#,
            ],
            url,
        )
        .await;
        let (status, headers, body) = split_head(&output.stdout);
        assert!(status.starts_with("HTTP/1.1 429"), "{status:?}");
        assert_eq!(header(&headers, "content-type"), ["application/json"]);
        assert_eq!(body, r#"{"message":"slow down","retry_after":1}"#);
    })
    .await;
}

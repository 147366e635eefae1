//! A peer nobody here wrote: the `curl` command line against the generated consumer server.
//!
//! `STREAM` is the worked example of `docs/PROTOCOL.md` byte for byte; if this test has to
//! change, that document changes with it.
//!
//! Peer-missing rule: without `curl` on `PATH` these tests fail when `CI=true` and
//! otherwise say loudly on stderr that they skipped.

mod support;

use pushgen_runtime::server::ServerConfig;
use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use support::{Observed, serve};

/// The body of the answer to `POST /consumers` with `{"topic":"t","maxEvents":2}` and
/// `Accept: text/event-stream`: two pushes, then the final response
/// (`docs/PROTOCOL.md`, "Worked example").
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
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "curl not found on PATH ({e}), and CI=true: the curl peer is required"
            );
            // Straight to the stderr handle: libtest captures `eprintln!` of a passing
            // test, and a skip must not pass silently.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: curl not found on PATH ({e}); test `{test}` did not run. \
                 Install curl, or set CI=true to make this a failure."
            );
            false
        }
    }
}

/// Runs `curl -q -sS --max-time 20 --connect-timeout 5 --noproxy '*' ARGS URL` off the runtime the server
/// runs on, bounded a second time from outside.
async fn curl(args: &[&str], url: String) -> Output {
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
    let output = tokio::time::timeout(Duration::from_secs(40), run)
        .await
        .expect("curl did not finish within 40 s")
        .expect("the task running curl failed");
    assert!(
        output.status.success(),
        "curl failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

async fn server() -> SocketAddr {
    serve(
        Observed::default(),
        ServerConfig::default().keep_alive(None),
    )
    .await
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
    let output = curl(
        &[
            "-i",
            "-N",
            "-H",
            "Accept: text/event-stream",
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
        "status line {status:?}, headers {headers:?}"
    );
    assert_eq!(header(&headers, "content-type"), ["application/json"]);
    assert_eq!(body, r#"{"message":"topic is empty"}"#);
}

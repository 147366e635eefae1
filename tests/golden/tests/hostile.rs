//! The hostile-request catalogue: requests an adversary would send, in raw bytes, to a
//! generated server (`vault_server`, the vault fixture's: every kind of security scheme,
//! validation rules, a push operation) running as its own process. Each case asserts
//! its answer and that the server still serves an ordinary request afterwards; at the
//! end, the process's resident memory is bounded.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TEST: &str = "hostile requests";
/// A head timeout short enough to watch a slowloris be cut off.
const HEAD_TIMEOUT_MS: u64 = 1500;
const BASIC_ADA: &str = "Basic YWRhOnA6dw==";
const SMUGGLED: &str = "Content-Length and Transfer-Encoding both";

/// The server process, killed when dropped, and what it says on stderr.
struct Server {
    child: Child,
    addr: String,
    said: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(program: &PathBuf) -> Server {
        let mut child = Command::new(program)
            .args([
                "127.0.0.1:0",
                "--header-read-timeout-ms",
                &HEAD_TIMEOUT_MS.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("vault listening on http://")
            .unwrap_or_else(|| panic!("vault_server printed {line:?}"))
            .to_string();
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let (tx, said) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Server { child, addr, said }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }

    /// Resident memory of the server process, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server process is gone");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("no VmRSS")
    }

    /// An ordinary request answered as it should be: the server is still up.
    fn still_serves(&self, after: &str) {
        let reply = exchange(self, &get("/me", &[("authorization", "Bearer tok-ada")]));
        assert_eq!(reply.status, Some(200), "after {after}: {reply:?}");
    }
}

/// What came back on one connection.
#[derive(Debug)]
struct Reply {
    /// `None` when the server closed the connection without an answer.
    status: Option<u16>,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one answer (the head, then a `content-length` body or until close) from
/// `stream`, within the read timeout.
fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break Some(at + 4);
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break None,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    };
    let Some(head_end) = head_end else {
        return Reply {
            status: None,
            head: String::from_utf8_lossy(&bytes).into_owned(),
            body: String::new(),
        };
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok());
    let mut reply = Reply {
        status,
        head,
        body: String::new(),
    };
    let length: Option<usize> = reply.header("content-length").and_then(|v| v.parse().ok());
    let mut body = bytes[head_end..].to_vec();
    if let Some(length) = length {
        while body.len() < length {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
            }
        }
    }
    reply.body = String::from_utf8_lossy(&body).into_owned();
    reply
}

/// Sends `request` on a new connection and reads the answer.
fn exchange(server: &Server, request: &[u8]) -> Reply {
    let mut stream = server.connect();
    // A server may answer and close before it has read all of a bad request.
    let _ = stream.write_all(request);
    read_reply(&mut stream)
}

fn get(path: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    request("GET", path, headers, None)
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nhost: vault\r\nconnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        out.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    if let Some(body) = body {
        out.push_str(body);
    }
    out.into_bytes()
}

/// A `PUT /secrets/{name}` with the writer's token, as JSON.
fn put_secret(name: &str, body: &str) -> Vec<u8> {
    request(
        "PUT",
        &format!("/secrets/{name}"),
        &[
            ("authorization", "Bearer oauth-writer"),
            ("content-type", "application/json"),
        ],
        Some(body),
    )
}

/// A request and what its answer must be.
struct Case {
    name: &'static str,
    request: Vec<u8>,
    status: u16,
    /// Text the answer's body must contain (for a problem: its detail or a rule).
    says: &'static str,
}

fn case(name: &'static str, request: Vec<u8>, status: u16, says: &'static str) -> Case {
    Case {
        name,
        request,
        status,
        says,
    }
}

/// The cases that are one request and one answer.
fn catalogue() -> Vec<Case> {
    let nested = format!(
        "{{\"value\":{}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let long_name = "n".repeat(65);
    vec![
        case("malformed JSON", put_secret("db", "{\"value\":"), 400, "request body"),
        case("deeply nested JSON", put_secret("db", &nested), 400, "request body"),
        case("a wrong type", put_secret("db", r#"{"value":5}"#), 400, "invalid type"),
        case("minLength broken", put_secret("db", r#"{"value":""}"#), 400, "\"rule\":\"minLength\""),
        case("minimum broken", put_secret("db", r#"{"value":"v","replicas":0}"#), 400, "\"rule\":\"minimum\""),
        case("maximum broken", put_secret("db", r#"{"value":"v","replicas":100001}"#), 400, "\"rule\":\"maximum\""),
        case("an integer past 32 bits", put_secret("db", r#"{"value":"v","replicas":4294967296}"#), 400, "invalid value"),
        case("a path parameter's maxLength broken", put_secret(&long_name, r#"{"value":"v"}"#), 400, "\"parameter\":\"name\""),
        case("no credentials", get("/me", &[]), 401, "needs credentials"),
        case("a wrong bearer token", get("/me", &[("authorization", "Bearer guess")]), 401, "identifies no one"),
        case("a wrong API key in its header", get("/me", &[("x-api-key", "guess")]), 401, "identifies no one"),
        case("a wrong password", get("/audit?api_key=key-query", &[("authorization", "Basic YWRhOndyb25n")]), 401, "identifies no one"),
        case("Basic that is not base64", get("/audit?api_key=key-query", &[("authorization", "Basic %%%")]), 401, "base64"),
        case("half of a combination", get("/audit", &[("authorization", BASIC_ADA)]), 401, "needs credentials"),
        case("the header key in the query", get("/me?X-Api-Key=key-header", &[]), 401, "needs credentials"),
        case("the query key in a header", get("/audit", &[("authorization", BASIC_ADA), ("api_key", "key-query")]), 401, "needs credentials"),
        case("a bearer token in a cookie", get("/me", &[("cookie", "authorization=tok-ada")]), 401, "needs credentials"),
        case("a stolen session cookie", get("/news", &[("cookie", "session=stolen")]), 401, "identifies no one"),
        case("an OpenID token for the wrong scheme", get("/me", &[("authorization", "Bearer oidc-ada")]), 401, "identifies no one"),
        case("a token without the scope", request("PUT", "/secrets/db", &[("authorization", "Bearer oauth-reader"), ("content-type", "application/json")], Some(r#"{"value":"v"}"#)), 403, "lacks `secrets:write`"),
        case("an undeclared Content-Type", request("PUT", "/secrets/db", &[("authorization", "Bearer oauth-writer"), ("content-type", "application/xml")], Some("<value/>")), 415, "application/json"),
        case(
            "a cross-origin text/plain PUT asking for a stream",
            request("PUT", "/secrets/db", &[("authorization", "Bearer oauth-writer"), ("origin", "https://evil.example"), ("content-type", "text/plain"), ("accept", "text/event-stream")], Some(r#"{"value":"v"}"#)),
            415,
            "`text/plain`",
        ),
        case("a body without Content-Type", request("PUT", "/secrets/db", &[("authorization", "Bearer oauth-writer")], Some(r#"{"value":"v"}"#)), 415, "not given"),
        case("an Accept that allows no answer", get("/me", &[("authorization", "Bearer tok-ada"), ("accept", "text/html, application/json;q=0")]), 406, "answers with application/json"),
        case("an Accept range that allows JSON", get("/me", &[("authorization", "Bearer tok-ada"), ("accept", "text/html;q=0.9, application/*;q=0.1")]), 200, "\"subject\":\"ada\""),
        case("a path no operation has", get("/../../etc/passwd", &[]), 404, "no operation"),
        case("a method the path does not have", request("DELETE", "/me", &[], None), 405, "no operation of this path"),
        case("invalid percent-encoding in the path", put_secret("%ZZ", r#"{"value":"v"}"#), 201, "\"name\":\"%ZZ\""),
        case("invalid UTF-8 in the path", put_secret("%FF%FE", r#"{"value":"v"}"#), 400, "does not fit `/secrets/{name}`"),
        case("duplicate query keys: the first counts", get("/audit?api_key=guess&api_key=key-query", &[("authorization", BASIC_ADA)]), 401, "identifies no one"),
        case("a garbage Last-Event-ID", request("PUT", "/secrets/db", &[("authorization", "Bearer oauth-writer"), ("content-type", "application/json"), ("last-event-id", "\u{1}garbage")], Some(r#"{"value":"v","replicas":1}"#)), 400, ""),
        case("an oversized header", get("/me", &[("x-filler", &"a".repeat(16 * 1024))]), 431, ""),
        case("a Last-Event-ID far too long", get("/me", &[("last-event-id", &"9".repeat(1 << 20))]), 431, ""),
        case("many headers", get("/me", &(0..200).map(|_| ("x-many", "1")).collect::<Vec<_>>()), 431, ""),
        // RFC 9112, section 6.3: chunked wins, and the connection is closed after, so nothing
        // can be smuggled behind it.
        case(SMUGGLED, b"PUT /secrets/db HTTP/1.1\r\nhost: v\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nhost: v\r\n\r\n".to_vec(), 401, "needs credentials"),
        case("a request line that is not HTTP", b"GET / HTTP/9.9 nonsense\r\n\r\n".to_vec(), 400, ""),
    ]
}

#[test]
fn a_generated_server_holds_against_hostile_requests() {
    let Some(program) = support::example("vault_server") else {
        support::peer_missing(
            TEST,
            "the vault_server example is not built",
            "run `cargo test --workspace`, which builds it",
        );
        return;
    };
    let server = Server::start(&program);
    server.still_serves("starting");
    let rss_before = server.rss_kib();
    let mut answered = Vec::new();
    for case in catalogue() {
        let reply = exchange(&server, &case.request);
        assert_eq!(reply.status, Some(case.status), "{}: {reply:?}", case.name);
        assert!(reply.body.contains(case.says), "{}: {reply:?}", case.name);
        if reply.body.starts_with('{') && case.status >= 400 {
            assert_eq!(
                reply.header("content-type"),
                Some("application/problem+json"),
                "{}",
                case.name
            );
        }
        if case.status == 401 {
            assert!(reply.header("www-authenticate").is_some(), "{}", case.name);
        }
        if case.name == SMUGGLED {
            assert_eq!(reply.header("connection"), Some("close"), "{reply:?}");
            assert!(
                !reply.body.contains("\"ok\""),
                "a request was smuggled: {reply:?}"
            );
        }
        if case.status == 405 {
            assert_eq!(reply.header("allow"), Some("GET,HEAD"), "{}", case.name);
        }
        server.still_serves(case.name);
        answered.push((case.name, case.status));
    }

    // 100 MB, streamed: refused at the limit, without the server reading it all.
    let mut stream = server.connect();
    let head = "PUT /secrets/db HTTP/1.1\r\nhost: v\r\nauthorization: Bearer oauth-writer\r\n\
                content-type: application/json\r\ncontent-length: 100000000\r\n\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0usize;
    while sent < 100_000_000 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let reply = read_reply(&mut stream);
    assert_eq!(reply.status, Some(413), "a 100 MB body: {reply:?}");
    assert!(
        sent < 100_000_000,
        "the server read all 100 MB before refusing"
    );
    server.still_serves("a 100 MB body");
    answered.push(("a 100 MB body, streamed", 413));

    // A slowloris: a head a byte at a time is cut off at the head timeout.
    let mut slow = server.connect();
    let started = Instant::now();
    let mut cut = false;
    for byte in b"GET /me HTTP/1.1\r\nhost: vault\r\nx-slow: "
        .iter()
        .cycle()
        .take(400)
    {
        if slow.write_all(&[*byte]).is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        if started.elapsed() > Duration::from_millis(HEAD_TIMEOUT_MS * 4) {
            break;
        }
    }
    let reply = read_reply(&mut slow);
    assert!(
        cut || reply.status.is_none() || reply.status == Some(408),
        "a head trickling in was not cut off: {reply:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(HEAD_TIMEOUT_MS * 4));
    server.still_serves("a slowloris");
    answered.push(("a slow header trickle: closed at the timeout", 0));

    // Many half-open connections: ordinary requests are still served meanwhile.
    let half_open: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = server.connect();
            let _ = s.write_all(b"GET /me HTTP/1.1\r\nhost: v\r\n");
            s
        })
        .collect();
    server.still_serves("200 half-open connections");
    drop(half_open);
    answered.push(("200 half-open connections, and a normal request", 200));

    // A client that disconnects mid-stream: the handler's sink reports it.
    let mut leaving = server.connect();
    leaving
        .write_all(&request(
            "PUT",
            "/secrets/leaving",
            &[
                ("authorization", "Bearer oauth-writer"),
                ("content-type", "application/json"),
                ("accept", "application/x-ndjson"),
            ],
            Some(r#"{"value":"v","replicas":100000}"#),
        ))
        .unwrap();
    let mut first = [0u8; 1024];
    assert!(
        leaving.read(&mut first).unwrap() > 0,
        "the stream did not start"
    );
    drop(leaving);
    let deadline = Instant::now() + Duration::from_secs(20);
    let reported = loop {
        match server
            .said
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(line) if line.starts_with("vault: the client left after") => break line,
            Ok(_) => continue,
            Err(_) => panic!("the handler's sink did not report the client leaving"),
        }
    };
    assert!(!reported.ends_with(" 100000 replicas"), "{reported}");
    server.still_serves("a client leaving mid-stream");
    answered.push((
        "a client that disconnects mid-stream: the sink reports it",
        200,
    ));

    // Clients that read nothing of a long stream: the server's memory stays bounded.
    let unread: Vec<TcpStream> = (0..20)
        .map(|i| {
            let mut s = server.connect();
            s.write_all(&request(
                "PUT",
                &format!("/secrets/unread{i}"),
                &[
                    ("authorization", "Bearer oauth-writer"),
                    ("content-type", "application/json"),
                    ("accept", "text/event-stream"),
                ],
                Some(r#"{"value":"v","replicas":100000}"#),
            ))
            .unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let rss_unread = server.rss_kib();
    server.still_serves("20 clients reading nothing");
    drop(unread);
    answered.push(("20 clients that read nothing of 100,000 pushes", 200));

    let rss_after = server.rss_kib();
    let growth = rss_unread.max(rss_after).saturating_sub(rss_before);
    // 20 unread streams hold at most their buffers and the sockets' own; 100,000 pushes
    // each would be tens of MiB apiece.
    assert!(
        growth < 48 * 1024,
        "the server grew by {growth} KiB (from {rss_before} KiB)"
    );
    assert!(answered.len() >= 30, "{} cases", answered.len());
    let mut stderr = std::io::stderr();
    for (name, status) in &answered {
        let answer = if *status == 0 {
            "cut".to_string()
        } else {
            status.to_string()
        };
        let _ = writeln!(stderr, "hostile: {answer:>3}  {name}");
    }
    let _ = writeln!(
        stderr,
        "hostile: {} cases; resident memory {rss_before} KiB before, {} KiB at most after",
        answered.len(),
        rss_unread.max(rss_after)
    );
}

//! Streams a chat completion through the client pushgen generates from OpenAI's published
//! spec (`fixtures/real/openai.yaml`, with `openai.overlay.yaml`, which tells it that the
//! stream ends with `data: [DONE]`): prints each delta as it arrives, then a summary.
//!
//! ```text
//! cargo run -p pushgen-real --features real --example openai_chat_stream
//! ```
//!
//! It needs no network and no key: it starts a server on 127.0.0.1 (a free port, in this
//! process) that answers the way `api.openai.com` does, with a recorded
//! `text/event-stream` of `chat.completion.chunk`s ending with `data: [DONE]`, and exits
//! when the stream is over.
//!
//! The real API takes the same client, with its base URL and a `reqwest::Client` that
//! sends your key with every request, which is what [`openai_client`] builds:
//!
//! ```ignore
//! let key = std::env::var("OPENAI_API_KEY")?;
//! let client = openai_client("https://api.openai.com/v1", &key)?;
//! let mut stream = client.create_chat_completion_stream(&request);
//! while let Some(chunk) = stream.next_item().await {
//!     let chunk = chunk?; // Error::Truncated if the body ended before [DONE]
//!     // ...
//! }
//! ```
//!
//! `https` needs TLS, which `pushgen-runtime` leaves off by default: build with
//! `--features real,pushgen-runtime/rustls` (or enable `rustls` on your own
//! `pushgen-runtime` dependency).

use pushgen_real::openai::client::OpenAiApiClient;
use pushgen_real::openai::types::CreateChatCompletionRequest;
use pushgen_runtime::reqwest::{self, header};
use std::io::Write;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

type Failed = Box<dyn std::error::Error + Send + Sync>;

/// The key the local server expects. Use yours, and never print it.
const DEMO_KEY: &str = "sk-local-demo";

/// A client of the API at `base_url` that authenticates with `api_key` as a bearer token.
fn openai_client(base_url: &str, api_key: &str) -> Result<OpenAiApiClient, Failed> {
    let mut auth = header::HeaderValue::try_from(format!("Bearer {api_key}"))?;
    auth.set_sensitive(true);
    let mut headers = header::HeaderMap::new();
    headers.insert(header::AUTHORIZATION, auth);
    // No total `timeout`: a stream lasts as long as the model writes. The client's own
    // idle timeout (120 s without a byte) bounds a stream that stalls.
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()?;
    Ok(OpenAiApiClient::with_http_client(base_url, http))
}

#[tokio::main]
async fn main() {
    let result = match timeout(Duration::from_secs(30), run()).await {
        Ok(result) => result,
        Err(_) => Err("the example did not finish within 30 s".into()),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Failed> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}/v1", listener.local_addr()?);
    let server = tokio::spawn(serve_one(listener));

    let client = openai_client(&base_url, DEMO_KEY)?;
    // The request type has a field for each of the API's many options; JSON names only
    // the ones this request sets.
    let request: CreateChatCompletionRequest = serde_json::from_value(serde_json::json!({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "developer", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello!"}
        ],
        "stream_options": {"include_usage": true}
    }))?;

    let mut stream = client.create_chat_completion_stream(&request);
    let mut chunks = 0;
    let mut finish_reason = None;
    let mut usage = None;
    let mut stdout = std::io::stdout();
    while let Some(chunk) = stream.next_item().await {
        let chunk = chunk?;
        chunks += 1;
        for choice in &chunk.choices {
            if let Some(role) = &choice.delta.role {
                print!("{}: ", role.as_str());
            }
            if let Some(content) = &choice.delta.content {
                print!("{content}");
            }
            if let Some(reason) = &choice.finish_reason {
                finish_reason = Some(reason.as_str().to_string());
            }
        }
        stdout.flush()?;
        if let Some(u) = chunk.usage {
            usage = Some((
                chunk.model,
                u.prompt_tokens,
                u.completion_tokens,
                u.total_tokens,
            ));
        }
    }
    println!();
    timeout(Duration::from_secs(10), server)
        .await
        .map_err(|_| "the server did not finish")???;

    let finish_reason = finish_reason.as_deref().unwrap_or("none");
    println!("finish_reason: {finish_reason}, {chunks} chunks");
    if let Some((model, prompt, completion, total)) = usage {
        println!("model: {model}, tokens: {prompt} prompt + {completion} completion = {total}");
    }
    Ok(())
}

/// What the local server sends, one chunk (and a short pause) each: the chunks of
/// OpenAI's answer to the request above, then `data: [DONE]`.
fn events() -> Vec<String> {
    let chunk = |choices: &str, usage: &str| {
        format!(
            "data: {{\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\
             \"object\":\"chat.completion.chunk\",\"created\":1742306173,\
             \"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\
             \"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{choices}],\
             \"usage\":{usage}}}\n\n"
        )
    };
    let delta = |delta: &str, finish: &str| {
        format!("{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\"finish_reason\":{finish}}}")
    };
    let mut events = vec![chunk(
        &delta(
            r#"{"role":"assistant","content":"","refusal":null}"#,
            "null",
        ),
        "null",
    )];
    for piece in [
        "Hello", "!", " How", " can", " I", " assist", " you", " today", "?",
    ] {
        let content = serde_json::json!({ "content": piece }).to_string();
        events.push(chunk(&delta(&content, "null"), "null"));
    }
    events.push(chunk(&delta("{}", "\"stop\""), "null"));
    events.push(chunk(
        "",
        r#"{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}"#,
    ));
    events.push("data: [DONE]\n\n".to_string());
    events
}

/// Answers one request as `api.openai.com` answers a streamed chat completion (or its
/// `401` for a wrong key), chunked, over HTTP/1.1.
async fn serve_one(listener: TcpListener) -> Result<(), Failed> {
    let wait = Duration::from_secs(10);
    let (mut socket, _) = timeout(wait, listener.accept())
        .await
        .map_err(|_| "no connection")??;
    let head = timeout(wait, read_request(&mut socket))
        .await
        .map_err(|_| "no whole request")??;
    let authorized = head.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.eq_ignore_ascii_case("authorization")
                && value.trim() == format!("Bearer {DEMO_KEY}")
        })
    });
    if !authorized {
        let body = r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        let answer = format!(
            "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await?;
        return Ok(());
    }
    socket
        .write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n\
              openai-version: 2020-10-01\r\ntransfer-encoding: chunked\r\n\r\n",
        )
        .await?;
    for event in events() {
        tokio::time::sleep(Duration::from_millis(40)).await;
        let chunk = format!("{:x}\r\n{event}\r\n", event.len());
        socket.write_all(chunk.as_bytes()).await?;
        socket.flush().await?;
    }
    // The client has what it needs at `[DONE]` and may be gone already: the end of the
    // body is a courtesy.
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let _ = socket.shutdown().await;
    Ok(())
}

/// Reads a request's head and its `Content-Length` bytes of body; returns the head.
async fn read_request(socket: &mut TcpStream) -> Result<String, Failed> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Err("not an HTTP request".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec())?;
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map_or(Ok(0), |(_, value)| value.trim().parse::<usize>())?;
    if length > 1024 * 1024 {
        return Err("the request body is too long".into());
    }
    while buf.len() < end + length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Err("the request body was cut".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(head)
}

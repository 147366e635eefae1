//! `raw-tcp`, the ceiling: no HTTP library and no JSON decoding.
//!
//! The server reads the request head, writes a fixed HTTP/1.1 head and then the
//! records as NDJSON lines, encoded batch-wise into one buffer and written in
//! 64 KiB `write_all`s, and closes the connection. The client writes a GET,
//! reads with a 64 KiB buffer, skips the response head and counts newlines with
//! memchr; it checks the total count, not the seqs.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::Job;
use crate::record::{self, Params, Record};

/// The size of every write (but the last) and of the client's reads.
const CHUNK: usize = 64 * 1024;
/// The longest request or response head either side accepts.
const MAX_HEAD: usize = 16 * 1024;

const RESPONSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\nconnection: close\r\n\r\n";

pub async fn serve(listener: TcpListener) -> Result<(), String> {
    loop {
        match listener.accept().await {
            Ok((socket, _)) => {
                tokio::spawn(async move {
                    if let Err(e) = handle(socket).await {
                        eprintln!("raw-tcp: {e}");
                    }
                });
            }
            Err(e) => {
                // EMFILE and friends: say so and do not spin.
                eprintln!("raw-tcp: accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn handle(mut socket: TcpStream) -> Result<(), String> {
    let head = read_head(&mut socket).await?;
    let params = match parse_request(&head) {
        Ok(params) => params,
        Err(reason) => {
            let response = format!(
                "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{reason}",
                reason.len()
            );
            return socket
                .write_all(response.as_bytes())
                .await
                .map_err(|e| format!("write: {e}"));
        }
    };
    socket
        .write_all(RESPONSE_HEAD)
        .await
        .map_err(|e| format!("write: {e}"))?;

    // One record, its seq bumped for each line: nothing is allocated per line.
    let mut record = Record {
        seq: 0,
        payload: record::payload(params.size),
    };
    let mut buf = Vec::with_capacity(CHUNK + record.payload.len() + 64);
    for seq in 0..params.count {
        record.seq = seq;
        serde_json::to_writer(&mut buf, &record).map_err(|e| format!("encode: {e}"))?;
        buf.push(b'\n');
        if buf.len() >= CHUNK {
            socket
                .write_all(&buf[..CHUNK])
                .await
                .map_err(|e| format!("write: {e}"))?;
            buf.drain(..CHUNK);
        }
    }
    socket
        .write_all(&buf)
        .await
        .map_err(|e| format!("write: {e}"))?;
    socket
        .shutdown()
        .await
        .map_err(|e| format!("shutdown: {e}"))
}

/// Reads up to and including the blank line that ends the request head.
async fn read_head(socket: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    loop {
        let n = socket
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the connection closed before the request head ended".to_owned());
        }
        let searched = head.len().saturating_sub(3);
        head.extend_from_slice(&buf[..n]);
        if let Some(at) = memchr::memmem::find(&head[searched..], b"\r\n\r\n") {
            head.truncate(searched + at);
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(format!("the request head is over {MAX_HEAD} bytes"));
        }
    }
}

/// `GET /stream?count=N&size=M HTTP/1.1`: the count and size.
fn parse_request(head: &[u8]) -> Result<Params, String> {
    let line_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let line = std::str::from_utf8(&head[..line_end])
        .map_err(|_| "the request line is not UTF-8".to_owned())?
        .trim_end_matches('\r');
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(_version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("malformed request line `{line}`"));
    };
    if method != "GET" {
        return Err(format!("method {method} is not GET"));
    }
    let Some(("/stream", query)) = target.split_once('?') else {
        return Err(format!("target `{target}` is not /stream?count=N&size=M"));
    };
    let (mut count, mut size) = (None, None);
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("count", v)) => {
                count = Some(v.parse().map_err(|e| format!("count `{v}`: {e}"))?);
            }
            Some(("size", v)) => size = Some(v.parse().map_err(|e| format!("size `{v}`: {e}"))?),
            _ => {}
        }
    }
    let (Some(count), Some(size)) = (count, size) else {
        return Err("the query needs count and size".to_owned());
    };
    let params = Params { count, size };
    if params.size > record::MAX_SIZE {
        return Err(format!(
            "size {} is over the limit of {}",
            params.size,
            record::MAX_SIZE
        ));
    }
    Ok(params)
}

pub async fn consume(job: Job) -> Result<Duration, String> {
    let request = format!(
        "GET /stream?count={}&size={} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n\r\n",
        job.count, job.size, job.addr
    );
    let mut buf = vec![0u8; CHUNK];
    let mut head = Vec::new();
    let mut in_body = false;
    let mut lines = 0u64;
    let mut last = b'\n';
    let mut done = None;

    let start = Instant::now();
    let mut socket = TcpStream::connect(job.addr)
        .await
        .map_err(|e| format!("connect to {}: {e}", job.addr))?;
    socket
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    loop {
        let n = socket
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            break;
        }
        let body = if in_body {
            &buf[..n]
        } else {
            let searched = head.len().saturating_sub(3);
            head.extend_from_slice(&buf[..n]);
            let Some(at) = memchr::memmem::find(&head[searched..], b"\r\n\r\n") else {
                if head.len() > MAX_HEAD {
                    return Err(format!("the response head is over {MAX_HEAD} bytes"));
                }
                continue;
            };
            let body_start = searched + at + 4;
            if !head.starts_with(b"HTTP/1.1 200 ") {
                let line_end = memchr::memchr(b'\r', &head).unwrap_or(head.len());
                return Err(format!(
                    "the server answered `{}`: {}",
                    String::from_utf8_lossy(&head[..line_end]),
                    String::from_utf8_lossy(&head[body_start..])
                ));
            }
            in_body = true;
            &head[body_start..]
        };
        if let Some(&byte) = body.last() {
            lines += memchr::memchr_iter(b'\n', body).count() as u64;
            last = byte;
            if done.is_none() && lines >= job.count {
                done = Some(start.elapsed());
            }
        }
    }
    if !in_body {
        return Err("the connection closed before the response head ended".to_owned());
    }
    if last != b'\n' {
        return Err("the stream ended inside a line".to_owned());
    }
    if lines != job.count {
        return Err(format!("{lines} records arrived, not {}", job.count));
    }
    Ok(done.unwrap_or_else(|| start.elapsed()))
}

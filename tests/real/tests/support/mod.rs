//! A local HTTP/1.1 server on 127.0.0.1 for the stream tests. It takes one request, keeps
//! what the client sent, and answers with a recorded response that it writes itself, byte
//! for byte (no server framework to tidy the bytes up), framed in one of the ways a real
//! server ends a body, or fails to.
//!
//! Every wait is bounded: the accept, reading the request, writing the answer, the test
//! as a whole ([`bounded`]) and the client's silence between chunks ([`config`]).

#![allow(
    dead_code,
    reason = "each test target uses the part of it its vendor needs"
)]

use pushgen_runtime::client::Config;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// Why a test failed other than by an assertion: a step of the setup, or a wait that ran
/// out.
pub type Failed = Box<dyn std::error::Error + Send + Sync>;

/// The longest the server waits for the client, and the client's idle timeout.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a [`Framing::Held`] body stays open after its last piece, waiting for the
/// client to let go: longer than the client's idle timeout, so a client that waited for
/// the end of the body would fail with `Error::Idle` first.
const HOLD: Duration = Duration::from_secs(20);

/// Runs a test, failing it if it takes longer than 30 s.
pub async fn bounded<T>(test: impl Future<Output = Result<T, Failed>>) -> Result<T, Failed> {
    timeout(Duration::from_secs(30), test)
        .await
        .map_err(|_| "the test did not finish within 30 s")?
}

/// A reqwest client that never goes through a proxy from the environment.
pub fn http() -> Result<pushgen_runtime::reqwest::Client, Failed> {
    Ok(pushgen_runtime::reqwest::Client::builder()
        .no_proxy()
        .build()?)
}

/// The clients' config: the default, with an idle timeout of [`WAIT`] so that a stream
/// that hangs fails the test quickly.
pub fn config() -> Config {
    Config {
        idle_timeout: Some(WAIT),
        ..Config::default()
    }
}

/// How the server tells where the body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Transfer-Encoding: chunked`, one chunk per piece, then the last chunk `0 CRLF CRLF`:
    /// the body ends well.
    Chunked,
    /// Chunked, then the connection is closed without the last chunk: the body cannot be
    /// read to its end (a connection that died).
    ChunkedCut,
    /// Chunked, and the body is left open after the last piece until the client closes
    /// the connection (or [`HOLD`] passes).
    Held,
    /// No length: the body ends when the server closes the connection
    /// (`Connection: close`).
    Close,
    /// `Content-Length` and the pieces: a plain answer.
    Length,
}

/// A recorded response.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status line and headers, each ending in CRLF, without the blank line and
    /// without the headers that frame the body, which the server adds per [`Framing`].
    pub head: String,
    /// The body, one write (and one chunk, when chunked) each.
    pub pieces: Vec<Vec<u8>>,
    pub framing: Framing,
    /// A pause before each piece after the first, so that a reader sees them arrive one
    /// by one.
    pub pause: Duration,
}

impl Answer {
    /// `head` and `pieces`, each piece as it is, with no pause.
    pub fn new<P: AsRef<[u8]>>(head: &str, pieces: &[P], framing: Framing) -> Answer {
        Answer {
            head: head.to_string(),
            pieces: pieces.iter().map(|p| p.as_ref().to_vec()).collect(),
            framing,
            pause: Duration::ZERO,
        }
    }

    /// The head as the server writes it: the recorded one, the framing header, the blank
    /// line.
    fn wire_head(&self) -> Vec<u8> {
        let framing = match self.framing {
            Framing::Chunked | Framing::ChunkedCut | Framing::Held => {
                "transfer-encoding: chunked\r\n".to_string()
            }
            Framing::Close => "connection: close\r\n".to_string(),
            Framing::Length => {
                let length: usize = self.pieces.iter().map(Vec::len).sum();
                format!("content-length: {length}\r\n")
            }
        };
        format!("{}{framing}\r\n", self.head).into_bytes()
    }

    /// One piece as the server writes it.
    fn wire_piece(&self, piece: &[u8]) -> Vec<u8> {
        match self.framing {
            Framing::Chunked | Framing::ChunkedCut | Framing::Held => {
                let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
                chunk.extend_from_slice(piece);
                chunk.extend_from_slice(b"\r\n");
                chunk
            }
            Framing::Close | Framing::Length => piece.to_vec(),
        }
    }

    /// Writes the whole answer; for [`Framing::Held`], then waits for the client to close
    /// the connection. Says whether the client closed it before the end.
    async fn write(&self, socket: &mut TcpStream) -> bool {
        // A write fails only once the client has closed the connection, as a client does
        // when its stream is over (at `[DONE]`, at an error): not a failure of the server.
        self.try_write(socket).await.unwrap_or(true)
    }

    async fn try_write(&self, socket: &mut TcpStream) -> std::io::Result<bool> {
        socket.write_all(&self.wire_head()).await?;
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 && !self.pause.is_zero() {
                tokio::time::sleep(self.pause).await;
            }
            socket.write_all(&self.wire_piece(piece)).await?;
            socket.flush().await?;
        }
        match self.framing {
            Framing::Chunked => socket.write_all(b"0\r\n\r\n").await?,
            Framing::Held => {
                let mut byte = [0u8; 1];
                // End of input, or a reset if the client closed with bytes of ours unread.
                let read = timeout(HOLD, socket.read(&mut byte)).await;
                return Ok(matches!(read, Ok(Ok(0) | Err(_))));
            }
            Framing::ChunkedCut | Framing::Close | Framing::Length => {}
        }
        socket.flush().await?;
        socket.shutdown().await?;
        Ok(false)
    }
}

/// What the client sent.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request line and headers, without the blank line.
    pub head: String,
    pub body: Vec<u8>,
    /// Whether the client closed the connection before the server was done writing (with
    /// [`Framing::Held`]: while the body was still open).
    pub hung_up: bool,
}

impl Request {
    /// The request line: `POST /v1/chat/completions HTTP/1.1`.
    pub fn line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// The value of the header `name` (ASCII case-insensitive), if it was sent once or
    /// more (the first).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.head, name)
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value, Failed> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The body as text.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("<not UTF-8>")
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (field, value) = line.split_once(':')?;
        field
            .trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim())
    })
}

/// The longest request head and body the server reads.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;

/// Reads one request: its head, and a body of `Content-Length` bytes.
async fn read_request(socket: &mut TcpStream) -> Result<Request, Failed> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD {
            return Err("the request head is longer than 64 KiB".into());
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Err("the client closed the connection inside the request head".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec())?;
    if header(&head, "transfer-encoding").is_some() {
        return Err("this server reads only bodies with a Content-Length".into());
    }
    let length = match header(&head, "content-length") {
        Some(value) => value.parse::<usize>()?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err("the request body is longer than 1 MiB".into());
    }
    let mut body = buf[end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Err("the client closed the connection inside the request body".into());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    if body.len() > length {
        return Err("the client sent more than one request".into());
    }
    Ok(Request {
        head,
        body,
        hung_up: false,
    })
}

/// A server on 127.0.0.1 that answers one request with an [`Answer`].
pub struct Server {
    addr: SocketAddr,
    task: JoinHandle<Result<Request, Failed>>,
}

impl Server {
    pub async fn start(answer: Answer) -> Result<Server, Failed> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let (mut socket, _) = timeout(WAIT, listener.accept())
                .await
                .map_err(|_| "no connection within 10 s")??;
            let mut request = timeout(WAIT, read_request(&mut socket))
                .await
                .map_err(|_| "no whole request within 10 s")??;
            request.hung_up = timeout(HOLD + WAIT, answer.write(&mut socket))
                .await
                .map_err(|_| "the answer could not be written within 30 s")?;
            Ok(request)
        });
        Ok(Server { addr, task })
    }

    /// `http://127.0.0.1:PORT` and `path`: a base URL for a client.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// What the client sent, once the server has answered it.
    pub async fn request(self) -> Result<Request, Failed> {
        timeout(HOLD + 2 * WAIT, self.task)
            .await
            .map_err(|_| "the server did not finish")??
    }
}

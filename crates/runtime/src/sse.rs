//! Server-Sent Events: the encoder servers write pushes with and the decoder clients read
//! them with.
//!
//! The decoder follows the WHATWG HTML standard's rules for interpreting an event stream,
//! plus [`Limits`]: a client reads from a peer it may not trust, so the memory a stream can
//! make the decoder hold is bounded.

use std::collections::VecDeque;
use std::fmt;

use bytes::{BufMut, BytesMut};

/// The UTF-8 byte order mark, which a stream may start with and which is not text.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Appends one event. `event` and `id` are written only when `Some`. `data` is split on
/// `"\n"` (and `"\r\n"`, `"\r"`) into one `data:` line each, so any string round-trips,
/// except that each line break comes back as `"\n"`: SSE has no way to carry a CR in data.
///
/// Returns [`SseError::InvalidField`] if `event` or `id` contains `'\r'` or `'\n'` (or `id`
/// contains `'\0'`), since those cannot be represented; nothing is written then.
pub fn encode_event(
    buf: &mut BytesMut,
    event: Option<&str>,
    id: Option<&str>,
    data: &str,
) -> Result<(), SseError> {
    // A line break would end the field early and let the rest be read as other fields; a
    // NUL makes a reader ignore the whole id. Checked before writing so a failure leaves
    // `buf` as it was.
    if event.is_some_and(|event| event.contains(['\r', '\n']))
        || id.is_some_and(|id| id.contains(['\r', '\n', '\0']))
    {
        return Err(SseError::InvalidField);
    }
    buf.reserve(
        event.map_or(0, str::len)
            + id.map_or(0, str::len)
            + data.len()
            + "event: \nid: \ndata: \n\n".len(),
    );
    if let Some(event) = event {
        put_field(buf, b"event", event);
    }
    if let Some(id) = id {
        put_field(buf, b"id", id);
    }
    for line in lines(data) {
        put_field(buf, b"data", line);
    }
    buf.put_u8(b'\n');
    Ok(())
}

/// Appends a comment line `: text\n\n` (text with line breaks is split into several
/// comment lines, then one blank line). Used for keep-alives.
pub fn encode_comment(buf: &mut BytesMut, text: &str) {
    for line in lines(text) {
        put_field(buf, b"", line);
    }
    buf.put_u8(b'\n');
}

/// Appends `retry: N\n\n`, which tells clients to wait `millis` milliseconds before
/// reconnecting.
pub fn encode_retry(buf: &mut BytesMut, millis: u64) {
    put_field(buf, b"retry", &millis.to_string());
    buf.put_u8(b'\n');
}

fn put_field(buf: &mut BytesMut, name: &[u8], value: &str) {
    buf.put_slice(name);
    buf.put_slice(b": ");
    buf.put_slice(value.as_bytes());
    buf.put_u8(b'\n');
}

/// Splits on CRLF, LF and CR, the breaks a reader recognises, so no piece can end a field
/// early. Unlike `str::lines` a trailing break yields a final empty piece: that keeps a
/// trailing newline of `data`, and `""` still yields one (empty) line.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match memchr::memchr2(b'\r', b'\n', current.as_bytes()) {
            Some(at) => {
                let (line, brk) = current.split_at(at);
                rest = Some(
                    brk.strip_prefix("\r\n")
                        .or_else(|| brk.get(1..))
                        .unwrap_or_default(),
                );
                Some(line)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// How much a [`Decoder`] buffers before it gives up on a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest line, in bytes without its line break.
    pub max_line: usize,
    /// The longest data of one event, in bytes of UTF-8 with the lines joined by `"\n"`.
    pub max_event: usize,
}

impl Default for Limits {
    /// 16 MiB lines and 16 MiB events.
    fn default() -> Self {
        Limits {
            // A push travels on one `data:` line, so the line limit bounds a push: large
            // enough for real payloads (base64 images in OpenAI's streams), still bounded.
            max_line: 16 * 1024 * 1024,
            max_event: 16 * 1024 * 1024,
        }
    }
}

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event type: the last `event:` field of the event, or `"message"` without one.
    pub event: String,
    /// The `data:` lines of the event joined by `"\n"`.
    pub data: String,
    /// The last event id in force when the event was dispatched; `None` if it was never
    /// set or was set to `""`.
    pub id: Option<String>,
}

/// Why an event stream cannot be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseError {
    /// A line is longer than [`Limits::max_line`] bytes.
    LineTooLong {
        /// The limit exceeded.
        limit: usize,
    },
    /// The data of an event is longer than [`Limits::max_event`] bytes.
    EventTooLong {
        /// The limit exceeded.
        limit: usize,
    },
    /// An event name or id to encode contains a line break, or an id contains NUL.
    InvalidField,
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::LineTooLong { limit } => {
                write!(f, "event stream line longer than {limit} bytes")
            }
            SseError::EventTooLong { limit } => {
                write!(f, "event stream event data longer than {limit} bytes")
            }
            SseError::InvalidField => f.write_str(
                "event name or id contains a line break (or the id a NUL) and cannot be sent",
            ),
        }
    }
}

impl std::error::Error for SseError {}

/// An incremental event stream parser: feed it the body as it arrives, in chunks split
/// anywhere, and take the events out.
///
/// After [`finish`](Decoder::finish) it reads a new stream, as after a reconnect: the last
/// event id and the retry time carry over.
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    /// How many bytes of a BOM the stream has started with, while that is undecided.
    bom: Option<usize>,
    /// The previous chunk ended in CR, so an LF starting this one belongs to that break.
    pending_cr: bool,
    /// The start of a line whose end has not arrived yet, as raw bytes: a chunk may end
    /// inside a UTF-8 sequence, and CR and LF never occur inside one, so lines are found in
    /// bytes and decoded whole.
    line: Vec<u8>,
    data: String,
    event_type: String,
    /// What `id:` fields set; it only takes effect (`last_event_id`) when an event ends, so
    /// an id from an event cut off by a disconnect is not claimed as received.
    id_buffer: String,
    last_event_id: String,
    retry: Option<u64>,
    queue: VecDeque<Event>,
    error: Option<SseError>,
}

impl Decoder {
    /// A decoder at the start of a stream.
    pub fn new(limits: Limits) -> Self {
        Decoder {
            limits,
            bom: Some(0),
            pending_cr: false,
            line: Vec::new(),
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            retry: None,
            queue: VecDeque::new(),
            error: None,
        }
    }

    /// Feeds bytes; decoded events are queued. Errors are sticky: after one, feed keeps
    /// returning it. Events completed before the error stay queued.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), SseError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let result = self.feed_stream(chunk);
        if let Err(error) = &result {
            self.error = Some(error.clone());
            // Nothing more will be parsed, so what was buffered is dead weight.
            self.line = Vec::new();
            self.data = String::new();
        }
        result
    }

    /// The next decoded event, oldest first.
    pub fn next_event(&mut self) -> Option<Event> {
        self.queue.pop_front()
    }

    /// End of input: discards a partial line/event, as the standard says. Queued events
    /// stay queued.
    pub fn finish(&mut self) {
        self.line.clear();
        self.pending_cr = false;
        self.data.clear();
        self.event_type.clear();
        // A reconnected stream begins from the id the client reported, not from one set by
        // the event that was cut off.
        self.id_buffer.clone_from(&self.last_event_id);
        self.bom = Some(0);
    }

    /// The most recent valid `retry:` value in milliseconds, if any.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// The last event id, to send as `Last-Event-ID` on reconnect; `None` if empty.
    ///
    /// This is the standard's "last event ID string": an `id:` field counts once the
    /// blank line ending its event has arrived, not before.
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_event_id.is_empty()).then_some(self.last_event_id.as_str())
    }

    fn feed_stream(&mut self, mut chunk: &[u8]) -> Result<(), SseError> {
        if let Some(mut matched) = self.bom {
            while let Some(&expected) = BOM.get(matched) {
                match chunk.split_first() {
                    None => {
                        self.bom = Some(matched);
                        return Ok(());
                    }
                    Some((&byte, rest)) if byte == expected => {
                        matched += 1;
                        chunk = rest;
                    }
                    Some(_) => {
                        // Not a BOM after all: the bytes held back are text.
                        self.bom = None;
                        self.scan(BOM.get(..matched).unwrap_or_default())?;
                        return self.scan(chunk);
                    }
                }
            }
            self.bom = None;
        }
        self.scan(chunk)
    }

    fn scan(&mut self, mut chunk: &[u8]) -> Result<(), SseError> {
        if chunk.is_empty() {
            return Ok(());
        }
        if std::mem::take(&mut self.pending_cr) {
            chunk = chunk.strip_prefix(b"\n").unwrap_or(chunk);
        }
        while let Some(at) = memchr::memchr2(b'\r', b'\n', chunk) {
            let (text, brk) = chunk.split_at(at);
            chunk = match brk {
                [b'\r', b'\n', rest @ ..] => rest,
                [b'\r'] => {
                    self.pending_cr = true;
                    &[]
                }
                [_, rest @ ..] => rest,
                [] => &[],
            };
            if self.line.is_empty() {
                // The whole line is in this chunk: parse it in place, without copying.
                self.check_line(text.len())?;
                self.process_line(text)?;
            } else {
                self.check_line(self.line.len() + text.len())?;
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(text);
                let result = self.process_line(&line);
                line.clear();
                // Kept for its capacity, which the line limit bounds.
                self.line = line;
                result?;
            }
        }
        self.check_line(self.line.len() + chunk.len())?;
        self.line.extend_from_slice(chunk);
        Ok(())
    }

    fn check_line(&self, len: usize) -> Result<(), SseError> {
        if len > self.limits.max_line {
            return Err(SseError::LineTooLong {
                limit: self.limits.max_line,
            });
        }
        Ok(())
    }

    fn process_line(&mut self, line: &[u8]) -> Result<(), SseError> {
        let (field, value): (&[u8], &[u8]) = match memchr::memchr(b':', line) {
            None if line.is_empty() => {
                self.dispatch();
                return Ok(());
            }
            Some(0) => return Ok(()),
            Some(colon) => {
                let (field, value) = line.split_at(colon);
                let value = value.get(1..).unwrap_or_default();
                (field, value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, b""),
        };
        match field {
            b"event" => {
                self.event_type.clear();
                self.event_type.push_str(&text(value));
            }
            b"data" => {
                let value = text(value);
                // `data` holds a "\n" after each earlier line, which is what joins them.
                if self.data.len() + value.len() > self.limits.max_event {
                    return Err(SseError::EventTooLong {
                        limit: self.limits.max_event,
                    });
                }
                // One allocation for the usual one-line event, not a second for its '\n'.
                self.data.reserve(value.len() + 1);
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"id" if !value.contains(&0) => {
                self.id_buffer.clear();
                self.id_buffer.push_str(&text(value));
            }
            // `u64::from_str` alone would also take a leading '+', which the standard does not.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let millis = std::str::from_utf8(value).ok().and_then(|d| d.parse().ok());
                // Too many digits for a u64 is ignored like any other invalid value.
                if millis.is_some() {
                    self.retry = millis;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self) {
        // The standard commits the id at every blank line, even one that dispatches nothing.
        self.last_event_id.clone_from(&self.id_buffer);
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        let event = if self.event_type.is_empty() {
            "message".to_owned()
        } else {
            std::mem::take(&mut self.event_type)
        };
        let id = (!self.last_event_id.is_empty()).then(|| self.last_event_id.clone());
        self.queue.push_back(Event { event, data, id });
    }
}

/// A field's value as text, invalid UTF-8 replaced as the standard says. Checked with
/// `from_utf8` first, whose ASCII fast path is several times quicker than the lossy scan.
fn text(value: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(value) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value),
    }
}

#[cfg(test)]
mod tests;

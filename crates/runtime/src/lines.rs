//! The two line-based streaming formats: JSON Lines and JSON text sequences, with a
//! bounded, incremental decoder for clients and two small encoders for servers.
//!
//! Item- and envelope-mode streams send one JSON text per push. Besides SSE (see
//! [`sse`](crate::sse)) they come in two framings:
//!
//! - **JSON Lines** / NDJSON (`application/jsonl`, `application/x-ndjson`): each text on
//!   one line, ended by LF. A CR right before the LF belongs to the line break, so CRLF
//!   streams read the same. Blank lines are keep-alives.
//! - **JSON text sequences** (`application/json-seq`, RFC 7464): each text is an element
//!   `RS (0x1E) text LF`. The RS is what delimits; the LF is there so that a text ending
//!   in a number is visibly finished, and texts may be pretty-printed over several lines.
//!
//! [`Decoder`] turns a body arriving in arbitrary chunks into records, one JSON text each,
//! as [`Bytes`]: it finds the framing and nothing else, so the caller parses each record
//! with `serde_json`, which validates UTF-8 and JSON in the same pass. It reads from peers
//! that may not be trusted, so one record can make it buffer at most `max_record` bytes,
//! and no input makes it do more than linear work.

use std::collections::VecDeque;
use std::fmt;
use std::mem;
use std::ops::Deref;

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// What a JSON Lines server writes when it has nothing to say: a blank line, which
/// readers skip, keeps proxies from timing the connection out.
pub const LINES_KEEP_ALIVE: &[u8] = b"\n";

/// What a JSON text sequence server writes when it has nothing to say: a lone RS opens an
/// element that the next RS closes empty, and empty elements are skipped.
pub const SEQ_KEEP_ALIVE: &[u8] = b"\x1e";

/// The record separator that starts every element of a JSON text sequence.
const RS: u8 = 0x1E;
const LF: u8 = b'\n';
const CR: u8 = b'\r';

/// Appends one JSON Lines record: `json` and an LF.
///
/// `json` must be compact (as `serde_json::to_writer` writes it): an LF inside it would
/// end the record early. [`crate::binding::Media::encode`] refuses such data.
pub fn encode_line(buf: &mut BytesMut, json: &[u8]) {
    buf.reserve(json.len() + 1);
    buf.put_slice(json);
    buf.put_u8(LF);
}

/// Appends one JSON text sequence element: RS, `json` and an LF.
///
/// Unlike [`encode_line`], `json` may be pretty-printed: only an RS delimits elements,
/// and JSON text cannot contain one unescaped.
pub fn encode_seq(buf: &mut BytesMut, json: &[u8]) {
    buf.reserve(json.len() + 2);
    buf.put_u8(RS);
    buf.put_slice(json);
    buf.put_u8(LF);
}

/// Which of the two formats a [`Decoder`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// JSON Lines / NDJSON: one JSON text per LF-terminated line.
    Lines,
    /// JSON text sequences (RFC 7464): `RS text LF` elements.
    Seq,
}

/// Why a stream cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinesError {
    /// A record is longer than the decoder's `max_record` bytes.
    TooLong {
        /// The limit exceeded.
        limit: usize,
    },
}

impl fmt::Display for LinesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinesError::TooLong { limit } => {
                write!(f, "streamed JSON record longer than {limit} bytes")
            }
        }
    }
}

impl std::error::Error for LinesError {}

/// An incremental decoder of JSON Lines or JSON text sequences: feed it the body as it
/// arrives, in chunks split anywhere (inside a UTF-8 sequence, between CR and LF, between
/// RS and the text), and take the records out.
///
/// Records are the JSON texts with their framing and surrounding whitespace removed; empty
/// ones (keep-alives) are never returned.
///
/// # The record limit
///
/// `max_record` bounds the bytes of one record as they stand in the stream: a line without
/// its LF or CRLF, or an element between its RS and the LF or RS that ends it, surrounding
/// whitespace included. It is checked while bytes are being buffered, so a peer that never
/// ends a record gets an error as soon as it passes the limit, not after filling memory.
///
/// # JSON text sequences
///
/// RFC 7464 ends an element only at the next RS (or the end of input). A streaming reader
/// cannot wait that long: a server sends the next RS with the next push, which may be
/// minutes away. So an element also ends at an LF when what it holds so far is a complete
/// JSON value; an LF inside a pretty-printed value that is not complete yet does not end it.
/// Bytes outside any element (before the first RS, or after an element ended at an LF) are
/// skipped, as the RFC tells parsers to do; [`skipped`](Decoder::skipped) counts them.
#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    max_record: usize,
    /// The start of the record whose end has not arrived. It has been searched for
    /// delimiters to its end already, so the search resumes there: a record arriving in
    /// many chunks costs linear time, not quadratic. Complete records are split off the
    /// front of this one buffer, so handing one out allocates nothing.
    pending: BytesMut,
    /// Seq: an RS has opened an element that has not ended yet. Outside one, bytes are
    /// garbage.
    in_element: bool,
    /// Seq: the nesting of the current element, tracked once an LF has been found not to
    /// end it (so never for elements on one line).
    nesting: Option<Nesting>,
    /// Seq: the current element can never become valid JSON, so no LF can end it; only
    /// the next RS or the end of input will.
    invalid: bool,
    skipped: usize,
    queue: VecDeque<Bytes>,
    error: Option<LinesError>,
}

impl Decoder {
    /// A decoder at the start of a stream in `framing`, refusing records longer than
    /// `max_record` bytes.
    pub fn new(framing: Framing, max_record: usize) -> Self {
        Decoder {
            framing,
            max_record,
            pending: BytesMut::new(),
            in_element: false,
            nesting: None,
            invalid: false,
            skipped: 0,
            queue: VecDeque::new(),
            error: None,
        }
    }

    /// Feeds bytes, split anywhere; complete records are queued.
    ///
    /// Errors are sticky: after one, every call returns it again, because the stream's
    /// framing can no longer be trusted. Records completed before the error stay queued.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), LinesError> {
        self.guard(|decoder| decoder.feed_slice(chunk))
    }

    /// Feeds a chunk the decoder may keep: records that lie wholly inside it are returned
    /// as slices of it, without copying; only a record that began in an earlier chunk or
    /// continues into a later one is copied. Otherwise the same as [`feed`](Decoder::feed).
    pub fn feed_bytes(&mut self, chunk: Bytes) -> Result<(), LinesError> {
        self.guard(|decoder| decoder.feed_shared(chunk))
    }

    /// The next record, oldest first: one JSON text, trimmed, never empty. It is not
    /// validated: parsing it is the caller's job.
    pub fn next_record(&mut self) -> Option<Bytes> {
        self.queue.pop_front()
    }

    /// End of input: a final record that no LF ended (Lines), or the last element (Seq),
    /// is queued if it is not empty. The decoder then reads a new stream, as after a
    /// reconnect; [`skipped`](Decoder::skipped) keeps counting.
    pub fn finish(&mut self) -> Result<(), LinesError> {
        self.guard(|decoder| {
            let mut pending = mem::take(&mut decoder.pending);
            let result = match decoder.framing {
                Framing::Lines => {
                    // A CR at the very end is half a CRLF, which the limit let through.
                    let end = pending.len() - usize::from(pending.last() == Some(&CR));
                    let consumed = pending.len();
                    decoder.emit(&mut pending, end, consumed)
                }
                Framing::Seq if decoder.in_element => {
                    let end = pending.len();
                    decoder.emit(&mut pending, end, end)
                }
                Framing::Seq => Ok(()),
            };
            decoder.end_element();
            decoder.in_element = false;
            // Empty now; kept for its capacity.
            decoder.pending = pending;
            result
        })
    }

    /// How many bytes of garbage a JSON text sequence held outside its elements and the
    /// decoder discarded, for callers to log: whitespace there is allowed and not counted.
    /// Always 0 for JSON Lines, where there is no outside.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    fn guard(
        &mut self,
        run: impl FnOnce(&mut Self) -> Result<(), LinesError>,
    ) -> Result<(), LinesError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let result = run(self);
        if let Err(error) = &result {
            self.error = Some(error.clone());
            // Nothing more will be decoded, so what was buffered is dead weight.
            self.pending = BytesMut::new();
            self.nesting = None;
        }
        result
    }

    fn feed_slice(&mut self, chunk: &[u8]) -> Result<(), LinesError> {
        // Nothing after the last byte that could be a delimiter can end a record, so that
        // tail is checked against the limit before it is buffered. The rest is copied into
        // `pending` in one go and cut there, so each record is a split of one buffer rather
        // than an allocation of its own.
        let cut = match self.framing {
            Framing::Lines => memchr::memrchr(LF, chunk),
            Framing::Seq => memchr::memrchr2(RS, LF, chunk),
        }
        .map_or(0, |at| at + 1);
        let (head, tail) = chunk.split_at(cut);
        if !head.is_empty() {
            let mut pending = mem::take(&mut self.pending);
            let scanned = pending.len();
            pending.extend_from_slice(head);
            let result = self.cut(&mut pending, scanned);
            self.pending = pending;
            result?;
        }
        self.keep(tail)
    }

    fn feed_shared(&mut self, mut chunk: Bytes) -> Result<(), LinesError> {
        // A record that began in an earlier chunk must be made contiguous to be handed out
        // (and, in a sequence, to be checked for completeness), so the chunk is copied up
        // to each delimiter until that record has ended.
        while !self.pending.is_empty() {
            let found = match self.framing {
                Framing::Lines => memchr::memchr(LF, &chunk),
                Framing::Seq => memchr::memchr2(RS, LF, &chunk),
            };
            let Some(at) = found else {
                return self.keep(&chunk);
            };
            let mut pending = mem::take(&mut self.pending);
            pending.extend_from_slice(chunk.get(..=at).unwrap_or_default());
            // Only the delimiter itself is left to look at.
            let scanned = pending.len() - 1;
            let result = self.cut(&mut pending, scanned);
            self.pending = pending;
            result?;
            chunk.advance(at + 1);
        }
        // Every record from here on starts in this chunk: those that end in it are slices.
        self.cut(&mut chunk, 0)?;
        self.keep(&chunk)
    }

    /// Buffers the start of a record whose end has not arrived (or, between the elements
    /// of a sequence, counts and drops garbage), failing before buffering if that makes
    /// the record longer than the limit.
    fn keep(&mut self, tail: &[u8]) -> Result<(), LinesError> {
        if self.framing == Framing::Seq && !self.in_element {
            self.skip_garbage(tail);
            return Ok(());
        }
        let len = self.pending.len() + tail.len();
        let last = tail.last().or(self.pending.last());
        // A final CR of a line may be the first half of its CRLF, which is not counted.
        let counted = len - usize::from(self.framing == Framing::Lines && last == Some(&CR));
        if counted > self.max_record {
            return Err(self.too_long());
        }
        self.pending.extend_from_slice(tail);
        Ok(())
    }

    /// Queues the complete records at the front of `region`, whose first `scanned` bytes
    /// hold no delimiter of the record they begin, and drops what frames them; the start
    /// of an unfinished record stays in `region`.
    fn cut<R: Region>(&mut self, region: &mut R, mut scanned: usize) -> Result<(), LinesError> {
        match self.framing {
            Framing::Lines => {
                while let Some(at) = memchr::memchr(LF, region.get(scanned..).unwrap_or_default()) {
                    let lf = scanned + at;
                    let end = if lf > 0 && region.get(lf - 1) == Some(&CR) {
                        lf - 1
                    } else {
                        lf
                    };
                    self.emit(region, end, lf + 1)?;
                    scanned = 0;
                }
            }
            Framing::Seq => loop {
                if !self.in_element {
                    // Garbage is not on the hot path: a well-formed stream has none.
                    let Some(at) = memchr::memchr(RS, region) else {
                        self.skip_garbage(region);
                        let len = region.len();
                        region.skip(len);
                        break;
                    };
                    self.skip_garbage(region.get(..at).unwrap_or_default());
                    region.skip(at + 1);
                    self.in_element = true;
                    scanned = 0;
                    continue;
                }
                let rest = region.get(scanned..).unwrap_or_default();
                let Some(at) = memchr::memchr2(RS, LF, rest) else {
                    break;
                };
                let at = scanned + at;
                // Checked before looking at the element, so that no element makes the
                // completeness check below parse more than the limit.
                if at > self.max_record {
                    return Err(self.too_long());
                }
                if region.get(at) == Some(&RS) {
                    self.end_element();
                    self.emit(region, at, at + 1)?;
                    // That RS opens the next element.
                    scanned = 0;
                } else if self.completes(region.get(..at).unwrap_or_default()) {
                    self.end_element();
                    self.in_element = false;
                    self.emit(region, at, at + 1)?;
                    scanned = 0;
                } else {
                    scanned = at + 1;
                }
            },
        }
        Ok(())
    }

    /// Queues the record `region[..end]`, trimmed, unless it is empty, and drops the first
    /// `consumed` bytes of `region` (the record and what frames it).
    fn emit<R: Region>(
        &mut self,
        region: &mut R,
        end: usize,
        consumed: usize,
    ) -> Result<(), LinesError> {
        if end > self.max_record {
            return Err(self.too_long());
        }
        let record = region.get(..end).unwrap_or_default();
        let Some(start) = record.iter().position(|&b| !is_whitespace(b)) else {
            region.skip(consumed);
            return Ok(());
        };
        let stop = record
            .iter()
            .rposition(|&b| !is_whitespace(b))
            .map_or(end, |last| last + 1);
        region.skip(start);
        self.queue.push_back(region.take(stop - start));
        region.skip(consumed - stop);
        Ok(())
    }

    /// Whether `element`, the bytes of a sequence element up to an LF, is a complete JSON
    /// value, so that the LF ends it.
    ///
    /// A pretty-printed element meets an LF on every line, and parsing it afresh at each
    /// would take time quadratic in its size. So after the first LF that does not end it,
    /// its nesting is tracked incrementally and it is parsed again only when that is back
    /// to zero; and once it is known to be invalid, it is never parsed again.
    fn completes(&mut self, element: &[u8]) -> bool {
        if self.invalid {
            return false;
        }
        let text = match &mut self.nesting {
            Some(nesting) => {
                nesting.advance(element);
                if !nesting.balanced() {
                    return false;
                }
                trim(element)
            }
            None => {
                let text = trim(element);
                if text.is_empty() {
                    self.nesting = Some(Nesting::of(element));
                    return false;
                }
                text
            }
        };
        match serde_json::from_slice::<serde::de::IgnoredAny>(text) {
            Ok(_) => true,
            // Only the end came too soon: the value may go on in later lines.
            Err(error) if error.is_eof() && self.nesting.is_none() => {
                self.nesting = Some(Nesting::of(element));
                false
            }
            // An error inside the text stays whatever follows, and so does a value cut
            // short at the end, now that an LF has ended its last token.
            Err(_) => {
                self.invalid = true;
                false
            }
        }
    }

    fn end_element(&mut self) {
        self.nesting = None;
        self.invalid = false;
    }

    fn skip_garbage(&mut self, bytes: &[u8]) {
        self.skipped += bytes.iter().filter(|&&b| !is_whitespace(b)).count();
    }

    fn too_long(&self) -> LinesError {
        LinesError::TooLong {
            limit: self.max_record,
        }
    }
}

/// Where complete records are cut from: the decoder's own buffer, or a chunk given to
/// [`Decoder::feed_bytes`]. Either way a record is a reference-counted slice, not a copy.
trait Region: Deref<Target = [u8]> {
    /// Removes the first `len` bytes and returns them.
    fn take(&mut self, len: usize) -> Bytes;
    /// Removes the first `len` bytes.
    fn skip(&mut self, len: usize);
}

impl Region for BytesMut {
    fn take(&mut self, len: usize) -> Bytes {
        self.split_to(len).freeze()
    }

    fn skip(&mut self, len: usize) {
        self.advance(len);
    }
}

impl Region for Bytes {
    fn take(&mut self, len: usize) -> Bytes {
        self.split_to(len)
    }

    fn skip(&mut self, len: usize) {
        self.advance(len);
    }
}

/// How deep a partial JSON text is nested, read incrementally: enough to tell when a
/// pretty-printed value may have closed, without parsing it.
#[derive(Debug, Default)]
struct Nesting {
    /// How many bytes of the element have been read.
    read: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// A byte other than whitespace has been seen: an element of only whitespace is not
    /// complete.
    started: bool,
    /// More closing brackets than opening ones: never valid.
    broken: bool,
}

impl Nesting {
    fn of(element: &[u8]) -> Self {
        let mut nesting = Nesting::default();
        nesting.advance(element);
        nesting
    }

    /// Reads the bytes of `element` not read yet.
    fn advance(&mut self, element: &[u8]) {
        for &byte in element.get(self.read..).unwrap_or_default() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => match self.depth.checked_sub(1) {
                    Some(depth) => self.depth = depth,
                    None => self.broken = true,
                },
                _ => {}
            }
            self.started |= !is_whitespace(byte);
        }
        self.read = element.len();
    }

    /// Whether the text read so far may be a whole value.
    fn balanced(&self) -> bool {
        self.started && self.depth == 0 && !self.in_string && !self.broken
    }
}

/// JSON's whitespace (RFC 8259): what may surround a text, and all a keep-alive holds.
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_whitespace(b))
        .unwrap_or(bytes.len());
    let stop = bytes
        .iter()
        .rposition(|&b| !is_whitespace(b))
        .map_or(start, |last| last + 1);
    bytes.get(start..stop).unwrap_or_default()
}

#[cfg(test)]
mod tests;

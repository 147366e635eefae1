//! The binding layer: which format a stream travels in, and the framing of each.
//!
//! A stream has a **format** ([`Media`]: SSE, NDJSON, JSON Lines, JSON text sequences)
//! and a **mode** (envelope: pushed responses then a final response, see [`crate::wire`];
//! item: the items exactly as the spec describes them, see [`crate::item::ItemCodec`]).
//! This module knows only formats: how one frame (an event name, an id and the data) is
//! written in each, what a keep-alive looks like, and a decoder that turns bytes of any
//! format back into [`Frame`]s. The server side ([`crate::server`]) and the client side
//! ([`crate::client`]) are written once over it, so a new format is one more arm here.

use crate::lines::{self, Framing};
use crate::sse::{self, Limits};
use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use std::fmt;

/// A streaming media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Media {
    /// `text/event-stream`: Server-Sent Events.
    EventStream,
    /// `application/x-ndjson`: one JSON text per line.
    NdJson,
    /// `application/jsonl`: JSON Lines, framed as NDJSON.
    JsonLines,
    /// `application/json-seq` (RFC 7464): each JSON text after an RS (0x1E).
    JsonSeq,
}

impl Media {
    /// The media type as it travels in `Content-Type` and `Accept`.
    pub const fn content_type(self) -> &'static str {
        match self {
            Media::EventStream => "text/event-stream",
            Media::NdJson => "application/x-ndjson",
            Media::JsonLines => "application/jsonl",
            Media::JsonSeq => "application/json-seq",
        }
    }

    /// The streaming media type a `Content-Type` names, parameters ignored; `None` for
    /// anything else (a plain answer). Aliases seen in the wild are accepted.
    pub fn from_content_type(value: &str) -> Option<Media> {
        let essence = value.split(';').next().unwrap_or("").trim();
        let is = |name: &str| essence.eq_ignore_ascii_case(name);
        if is("text/event-stream") {
            Some(Media::EventStream)
        } else if is("application/x-ndjson") || is("application/ndjson") {
            Some(Media::NdJson)
        } else if is("application/jsonl")
            || is("application/jsonlines")
            || is("application/x-jsonlines")
        {
            Some(Media::JsonLines)
        } else if is("application/json-seq") {
            Some(Media::JsonSeq)
        } else {
            None
        }
    }

    /// Whether frames carry an event name and an id (only SSE has fields for them).
    pub const fn has_fields(self) -> bool {
        matches!(self, Media::EventStream)
    }

    /// The bytes written on an idle stream so that proxies keep it open and a gone
    /// client is noticed. Every reader of the format skips them: an SSE comment, an
    /// empty line, a lone RS.
    pub const fn keep_alive(self) -> &'static [u8] {
        match self {
            Media::EventStream => b": keep-alive\n\n",
            Media::NdJson | Media::JsonLines => lines::LINES_KEEP_ALIVE,
            Media::JsonSeq => lines::SEQ_KEEP_ALIVE,
        }
    }

    /// Appends one frame. `event` and `id` are written only by SSE (the line formats
    /// have no place for them; envelope mode carries both inside the JSON). `data` is
    /// one JSON text, or for SSE any text; a line format refuses data with a line break
    /// ([`sse::SseError::InvalidField`]), which compact JSON never has.
    pub fn encode(
        self,
        buf: &mut BytesMut,
        event: Option<&str>,
        id: Option<&str>,
        data: &str,
    ) -> Result<(), sse::SseError> {
        match self {
            Media::EventStream => sse::encode_event(buf, event, id, data),
            // A line break would end the record early and let the rest read as another.
            Media::NdJson | Media::JsonLines
                if memchr::memchr2(b'\n', b'\r', data.as_bytes()).is_some() =>
            {
                Err(sse::SseError::InvalidField)
            }
            Media::NdJson | Media::JsonLines => {
                lines::encode_line(buf, data.as_bytes());
                Ok(())
            }
            Media::JsonSeq => {
                lines::encode_seq(buf, data.as_bytes());
                Ok(())
            }
        }
    }
}

impl fmt::Display for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.content_type())
    }
}

/// One decoded frame of any format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The SSE event type (`"message"` when the event named none); `None` in the line
    /// formats, which have no event names.
    pub event: Option<String>,
    /// The SSE data, or one JSON text of a line format, checked to be UTF-8 once, when
    /// the frame was made. A line is a slice of the chunk it arrived in, not a copy.
    data: ByteString,
    /// The SSE event id in force, if any.
    pub id: Option<String>,
}

impl Frame {
    pub fn new(event: Option<String>, data: String, id: Option<String>) -> Frame {
        Frame {
            event,
            data: ByteString::from(data),
            id,
        }
    }

    /// A line-format record, `None` unless it is UTF-8.
    fn record(data: Bytes) -> Option<Frame> {
        Some(Frame {
            event: None,
            data: ByteString::try_from(data).ok()?,
            id: None,
        })
    }

    /// [`Frame::data`] as the bytes it arrived in.
    pub fn bytes(&self) -> &Bytes {
        self.data.as_bytes()
    }

    /// The SSE data, or one JSON text of a line format.
    pub fn data(&self) -> &str {
        &self.data
    }
}

/// Why a stream's bytes cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// The SSE rules or limits were broken.
    Sse(sse::SseError),
    /// A line or sequence element is longer than the limit.
    Lines(lines::LinesError),
    /// A line or sequence element is not UTF-8 (JSON must be).
    NotUtf8,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Sse(e) => write!(f, "{e}"),
            FrameError::Lines(e) => write!(f, "{e}"),
            FrameError::NotUtf8 => f.write_str("a line of the stream is not UTF-8"),
        }
    }
}

impl std::error::Error for FrameError {}

/// An incremental decoder for a stream of any [`Media`], bounded by [`Limits`] (for
/// the line formats, `max_line` bounds one JSON text).
#[derive(Debug)]
pub enum FrameDecoder {
    Sse(sse::Decoder),
    Lines(lines::Decoder),
}

impl FrameDecoder {
    pub fn new(media: Media, limits: Limits) -> Self {
        match media {
            Media::EventStream => FrameDecoder::Sse(sse::Decoder::new(limits)),
            Media::NdJson | Media::JsonLines => {
                FrameDecoder::Lines(lines::Decoder::new(Framing::Lines, limits.max_line))
            }
            Media::JsonSeq => {
                FrameDecoder::Lines(lines::Decoder::new(Framing::Seq, limits.max_line))
            }
        }
    }

    /// Feeds a chunk of the body, split anywhere.
    pub fn feed(&mut self, chunk: Bytes) -> Result<(), FrameError> {
        match self {
            FrameDecoder::Sse(decoder) => decoder.feed(&chunk).map_err(FrameError::Sse),
            FrameDecoder::Lines(decoder) => decoder.feed_bytes(chunk).map_err(FrameError::Lines),
        }
    }

    /// The next complete frame.
    pub fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        match self {
            FrameDecoder::Sse(decoder) => decoder
                .next_event()
                .map(|e| Ok(Frame::new(Some(e.event), e.data, e.id))),
            FrameDecoder::Lines(decoder) => decoder
                .next_record()
                .map(|record| Frame::record(record).ok_or(FrameError::NotUtf8)),
        }
    }

    /// End of the body. SSE discards an unterminated event (the WHATWG rule); the line
    /// formats keep a last record without its line break.
    pub fn finish(&mut self) -> Result<(), FrameError> {
        match self {
            FrameDecoder::Sse(decoder) => {
                decoder.finish();
                Ok(())
            }
            FrameDecoder::Lines(decoder) => decoder.finish().map_err(FrameError::Lines),
        }
    }

    /// The wait before reconnecting that the stream asked for (SSE's `retry:`).
    pub fn retry(&self) -> Option<std::time::Duration> {
        match self {
            FrameDecoder::Sse(decoder) => decoder.retry().map(std::time::Duration::from_millis),
            FrameDecoder::Lines(_) => None,
        }
    }

    /// The last SSE event id, to resume from.
    pub fn last_event_id(&self) -> Option<&str> {
        match self {
            FrameDecoder::Sse(decoder) => decoder.last_event_id(),
            FrameDecoder::Lines(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_round_trip_and_aliases_are_read() {
        for media in [
            Media::EventStream,
            Media::NdJson,
            Media::JsonLines,
            Media::JsonSeq,
        ] {
            assert_eq!(Media::from_content_type(media.content_type()), Some(media));
        }
        assert_eq!(
            Media::from_content_type("Text/Event-Stream; charset=utf-8"),
            Some(Media::EventStream)
        );
        assert_eq!(
            Media::from_content_type("application/ndjson"),
            Some(Media::NdJson)
        );
        assert_eq!(Media::from_content_type("application/json"), None);
    }

    #[test]
    fn each_format_frames_data_its_own_way() {
        let mut buf = BytesMut::new();
        Media::EventStream
            .encode(&mut buf, Some("tick"), Some("7"), "{\"n\":1}")
            .unwrap();
        Media::NdJson
            .encode(&mut buf, Some("ignored"), None, "{\"n\":2}")
            .unwrap();
        Media::JsonSeq
            .encode(&mut buf, None, None, "{\"n\":3}")
            .unwrap();
        assert_eq!(
            &buf[..],
            b"event: tick\nid: 7\ndata: {\"n\":1}\n\n{\"n\":2}\n\x1e{\"n\":3}\n"
        );
    }

    #[test]
    fn the_decoder_reads_every_format() {
        let cases: [(Media, &[u8]); 3] = [
            (Media::EventStream, b"event: e\ndata: 1\n\n: keep-alive\n\n"),
            (Media::NdJson, b"1\n\n"),
            (Media::JsonSeq, b"\x1e1\n\x1e"),
        ];
        for (media, bytes) in cases {
            let mut decoder = FrameDecoder::new(media, Limits::default());
            decoder.feed(Bytes::from_static(bytes)).unwrap();
            decoder.finish().unwrap();
            let frame = decoder.next_frame().unwrap().unwrap();
            assert_eq!(frame.data(), "1", "{media}");
            assert!(decoder.next_frame().is_none(), "{media}");
        }
    }
}

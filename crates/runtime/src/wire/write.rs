//! Writing responses and pushes in one pass.
//!
//! Generated code says what a response is — its status, then its headers, then its body
//! — to a [`WriteParts`], and what a push is — its name and path, then its response — to
//! a [`WritePush`]. The writer decides what that becomes: [`Parts`] for a plain HTTP
//! answer, an [`Envelope`] for code that wants one, or, on the server's hot path, the
//! framed push itself, written straight into the stream's buffer with the body
//! serialised in place (no intermediate `Parts`, `Envelope` or body copy).

use super::text::text_into;
use super::{EncodeError, Envelope, Parts};
use crate::binding::Media;
use crate::path::{self, Piece};
use bytes::{BufMut, BytesMut};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Where a response is written. Generated code calls [`WriteParts::status`] once, then
/// [`WriteParts::header`] for each header it has, then [`WriteParts::json`] if it has a
/// body.
pub trait WriteParts {
    fn status(&mut self, status: u16);
    /// A header from a typed value (see [`super::text`]); `None` (JSON null) writes
    /// nothing. `name` in lower case.
    fn header<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), EncodeError>;
    /// The JSON body.
    fn json<T: Serialize + ?Sized>(&mut self, body: &T) -> Result<(), EncodeError>;
}

/// Where a push is written: [`WritePush::push`] first, then its response as
/// [`WriteParts`] says.
pub trait WritePush: WriteParts {
    /// The push's wire name, and its path: `template` with each `{variable}` replaced, in
    /// order, by the text of `values` (see [`super::text`]), percent-encoded.
    fn push(
        &mut self,
        event: &'static str,
        template: &'static str,
        values: &[&dyn PathValue],
    ) -> Result<(), EncodeError>;
}

/// A value that can fill a path variable: anything serialisable. A trait object so that
/// a path's variables of different types travel in one slice.
pub trait PathValue {
    /// Appends the value's text to `out`; `false` for null.
    fn text(&self, out: &mut String) -> Result<bool, EncodeError>;
}

impl<T: Serialize + ?Sized> PathValue for T {
    fn text(&self, out: &mut String) -> Result<bool, EncodeError> {
        text_into(self, out)
    }
}

impl WriteParts for Parts {
    fn status(&mut self, status: u16) {
        self.status = status;
    }

    fn header<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), EncodeError> {
        self.set_header(name, value)
    }

    fn json<T: Serialize + ?Sized>(&mut self, body: &T) -> Result<(), EncodeError> {
        self.set_json(body)
    }
}

impl WriteParts for Envelope {
    fn status(&mut self, status: u16) {
        self.parts.status = status;
    }

    fn header<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), EncodeError> {
        self.parts.set_header(name, value)
    }

    fn json<T: Serialize + ?Sized>(&mut self, body: &T) -> Result<(), EncodeError> {
        self.parts.set_json(body)
    }
}

impl WritePush for Envelope {
    fn push(
        &mut self,
        event: &'static str,
        template: &'static str,
        values: &[&dyn PathValue],
    ) -> Result<(), EncodeError> {
        self.event = Cow::Borrowed(event);
        self.path.clear();
        let mut text = String::new();
        expand(
            &mut self.path,
            String::put_text,
            template,
            values,
            &mut text,
        )
    }
}

/// Text that JSON strings and frames are written into.
pub(crate) trait Out {
    fn put_text(&mut self, text: &str);
}

impl Out for String {
    fn put_text(&mut self, text: &str) {
        self.push_str(text);
    }
}

impl Out for BytesMut {
    fn put_text(&mut self, text: &str) {
        self.put_slice(text.as_bytes());
    }
}

/// Appends `text` as a JSON string, escaped as `serde_json` escapes it, without the
/// allocation `serde_json::to_string` makes.
pub(crate) fn json_str(out: &mut impl Out, text: &str) {
    out.put_text("\"");
    json_str_content(out, text);
    out.put_text("\"");
}

fn json_str_content(out: &mut impl Out, text: &str) {
    let mut rest = text;
    while let Some(at) = rest
        .bytes()
        .position(|b| b < 0x20 || b == b'"' || b == b'\\')
    {
        out.put_text(&rest[..at]);
        let byte = rest.as_bytes()[at];
        match byte {
            b'"' => out.put_text("\\\""),
            b'\\' => out.put_text("\\\\"),
            b'\n' => out.put_text("\\n"),
            b'\r' => out.put_text("\\r"),
            b'\t' => out.put_text("\\t"),
            0x08 => out.put_text("\\b"),
            0x0c => out.put_text("\\f"),
            control => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let escape = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(control >> 4)],
                    HEX[usize::from(control & 0xf)],
                ];
                out.put_text(std::str::from_utf8(&escape).unwrap_or_default());
            }
        }
        rest = &rest[at + 1..];
    }
    out.put_text(rest);
}

/// Appends `template` expanded with `values` (no quotes; `text` is scratch space).
/// Literal text goes through `literal`, which may escape it; a percent-encoded value
/// is plain ASCII that needs no escaping in any of the places a path is written.
fn expand<O: Out>(
    out: &mut O,
    literal: fn(&mut O, &str),
    template: &str,
    values: &[&dyn PathValue],
    text: &mut String,
) -> Result<(), EncodeError> {
    let mut values = values.iter();
    for piece in path::pieces(template) {
        match piece.map_err(|e| EncodeError(e.to_string()))? {
            Piece::Literal(text) => literal(out, text),
            Piece::Variable => {
                let value = values
                    .next()
                    .ok_or_else(|| EncodeError(format!("too few values for `{template}`")))?;
                text.clear();
                if !value.text(text)? {
                    return Err(EncodeError("a required value is null".into()));
                }
                for encoded in path::encode_segment(text) {
                    out.put_text(encoded);
                }
            }
        }
    }
    if values.next().is_some() {
        return Err(EncodeError(format!("too many values for `{template}`")));
    }
    Ok(())
}

/// Writes one push, framed, into a stream's buffer: the SSE event
/// `event: NAME` / `id: ID` / `data: {"path":…,"status":…,"headers":{…},"body":…}`, or
/// the line `{"push":NAME,"path":…,"status":…,"headers":{…},"body":…,"id":…}`.
///
/// On an error the buffer holds part of a frame: the caller cuts it back.
pub(crate) struct FrameWriter<'a> {
    buf: &'a mut BytesMut,
    /// Scratch space for a value's text.
    text: &'a mut String,
    /// `None`: the envelope JSON alone, unframed, as a replay log keeps it (the SSE
    /// event's data); its name is kept in `event`.
    media: Option<Media>,
    id: Option<&'a str>,
    at: At,
    event: &'static str,
}

/// How far a [`FrameWriter`] has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Start,
    Named,
    /// In the headers object, with this many written.
    Headers(usize),
    Body,
}

impl<'a> FrameWriter<'a> {
    pub(crate) fn new(
        buf: &'a mut BytesMut,
        text: &'a mut String,
        media: Media,
        id: Option<&'a str>,
    ) -> Result<Self, EncodeError> {
        // A line break would end the id field early (SSE); a NUL makes a reader ignore it.
        if id.is_some_and(|id| id.contains(['\r', '\n', '\0'])) {
            return Err(EncodeError("an event id would contain a line break".into()));
        }
        Ok(FrameWriter {
            buf,
            text,
            media: Some(media),
            id,
            at: At::Start,
            event: "",
        })
    }

    /// A writer of the envelope JSON alone, `{"path":…,"status":…,"headers":{…},"body":…}`,
    /// without framing: what a replay log keeps of a push. [`FrameWriter::event`] then
    /// gives its name.
    pub(crate) fn envelope(buf: &'a mut BytesMut, text: &'a mut String) -> Self {
        FrameWriter {
            buf,
            text,
            media: None,
            id: None,
            at: At::Start,
            event: "",
        }
    }

    /// The push's name, once written.
    pub(crate) fn event(&self) -> &'static str {
        self.event
    }

    fn out_of_order(&self, what: &str) -> EncodeError {
        EncodeError(format!("{what} written out of order ({:?})", self.at))
    }

    /// Closes the frame.
    pub(crate) fn finish(self) -> Result<(), EncodeError> {
        match self.at {
            At::Headers(_) => self.buf.put_text("}"),
            At::Body => {}
            _ => return Err(self.out_of_order("the end of a push")),
        }
        match self.media {
            None => self.buf.put_text("}"),
            Some(Media::EventStream) => self.buf.put_text("}\n\n"),
            Some(_) => {
                if let Some(id) = self.id {
                    self.buf.put_text(",\"id\":");
                    json_str(self.buf, id);
                }
                self.buf.put_text("}\n");
            }
        }
        Ok(())
    }
}

impl WriteParts for FrameWriter<'_> {
    fn status(&mut self, status: u16) {
        if self.at != At::Named {
            // Caught by `finish`, which finds the frame in the wrong state.
            self.at = At::Start;
            return;
        }
        let _ = write!(self.buf, ",\"status\":{status},\"headers\":{{");
        self.at = At::Headers(0);
    }

    fn header<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), EncodeError> {
        let At::Headers(written) = self.at else {
            return Err(self.out_of_order("a header"));
        };
        self.text.clear();
        if !text_into(value, self.text)? {
            return Ok(());
        }
        if self.text.contains(['\r', '\n', '\0']) {
            return Err(EncodeError(format!(
                "header `{name}` would contain a line break"
            )));
        }
        if written > 0 {
            self.buf.put_text(",");
        }
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            json_str(self.buf, &name.to_ascii_lowercase());
        } else {
            json_str(self.buf, name);
        }
        self.buf.put_text(":");
        json_str(self.buf, self.text);
        self.at = At::Headers(written + 1);
        Ok(())
    }

    fn json<T: Serialize + ?Sized>(&mut self, body: &T) -> Result<(), EncodeError> {
        if !matches!(self.at, At::Headers(_)) {
            return Err(self.out_of_order("a body"));
        }
        self.buf.put_text("},\"body\":");
        // Compact JSON has no line break outside its strings, and escapes those inside:
        // it is one SSE data line, one NDJSON line.
        serde_json::to_writer((&mut *self.buf).writer(), body)?;
        self.at = At::Body;
        Ok(())
    }
}

impl WritePush for FrameWriter<'_> {
    fn push(
        &mut self,
        event: &'static str,
        template: &'static str,
        values: &[&dyn PathValue],
    ) -> Result<(), EncodeError> {
        if self.at != At::Start {
            return Err(self.out_of_order("a push name"));
        }
        self.event = event;
        match self.media {
            None => self.buf.put_text("{\"path\":\""),
            Some(Media::EventStream) => {
                if event.contains(['\r', '\n']) {
                    return Err(EncodeError(format!(
                        "push name `{event}` contains a line break"
                    )));
                }
                self.buf.put_text("event: ");
                self.buf.put_text(event);
                if let Some(id) = self.id {
                    self.buf.put_text("\nid: ");
                    self.buf.put_text(id);
                }
                self.buf.put_text("\ndata: {\"path\":\"");
            }
            Some(media) => {
                if media == Media::JsonSeq {
                    self.buf.put_text("\u{1e}");
                }
                self.buf.put_text("{\"push\":");
                json_str(self.buf, event);
                self.buf.put_text(",\"path\":\"");
            }
        }
        expand(self.buf, json_str_content, template, values, self.text)?;
        self.buf.put_text("\"");
        self.at = At::Named;
        Ok(())
    }
}

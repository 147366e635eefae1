//! The envelope-mode wire format (pushgen's `docs/PROTOCOL.md`, section "Envelope mode").
//!
//! A pushed response travels as an [`Envelope`]: the event (wire) name, the expanded push
//! path, and the response [`Parts`] — status, headers, JSON body. The final response is
//! [`Parts`] alone under the reserved event name [`FINAL_EVENT`]. Generated code
//! implements [`PushMessage`] and [`ResponseParts`] for its enums; everything else about
//! the bytes lives here, in [`crate::binding`] (the framing of each format) and in
//! [`crate::item`] (item mode).

#[cfg(all(test, feature = "client", feature = "server"))]
mod frame_tests;
#[cfg_attr(
    not(feature = "client"),
    allow(dead_code, reason = "the frame reader serves the client")
)]
mod read;
mod text;
#[cfg_attr(
    not(feature = "server"),
    allow(dead_code, reason = "the frame writer serves the server")
)]
mod write;

#[cfg(feature = "client")]
pub(crate) use read::{Framed, read_line, read_sse_gap, read_sse_push};
// The client reads the final event; so does a server's hub, ending a topic from its log.
#[cfg(any(feature = "client", feature = "server"))]
pub(crate) use read::read_sse_final;
pub use read::{Head, ReadError, Variables, body, no_body};
pub use serde::Deserializer;
#[cfg(feature = "server")]
pub(crate) use write::FrameWriter;
#[cfg(feature = "server")]
pub(crate) use write::json_str;
pub use write::{PathValue, WriteParts, WritePush};

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The SSE event name of the final response. Push wire names start with `/` or are
/// validated not to be this.
pub const FINAL_EVENT: &str = "final";

/// The SSE event name of a gap: the event a reconnect asked to resume after is no longer
/// held (docs/PROTOCOL.md, "Resumption"). Reserved like [`FINAL_EVENT`].
pub const GAP_EVENT: &str = "gap";

/// The header that carries a push's id over HTTP/2 server push, on the pushed response
/// (docs/PROTOCOL.md, "Envelope mode over HTTP/2 server push"): SSE's `id:` field, which
/// a client sends back as `Last-Event-ID` to resume after it.
pub const EVENT_ID_HEADER: &str = "event-id";

/// A body pushgen does not type: a multipart form, or a media type it has no reader for.
/// The generated code passes it through with its media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    /// The body's media type, parameters included (a multipart `boundary`).
    pub content_type: String,
    pub bytes: bytes::Bytes,
}

/// A response as it travels inside a stream or as plain HTTP: status, headers (names in
/// lower case, values as text) and an optional JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Parts {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Json>,
}

/// One JSON text, as it travels: the bytes it was written to, or a slice of the frame
/// or body it arrived in (reference-counted, not copied).
#[derive(Clone, PartialEq, Eq)]
pub struct Json(Bytes);

impl Json {
    /// `value` written as JSON.
    pub fn from_value<T: Serialize + ?Sized>(value: &T) -> Result<Json, EncodeError> {
        Ok(Json(Bytes::from(serde_json::to_vec(value)?)))
    }

    /// The JSON text in `source` at `text` (a slice of it), shared; a copy if `text` lies
    /// elsewhere.
    fn within(source: Option<&Bytes>, text: &RawValue) -> Json {
        let text = text.get();
        Json(match source {
            Some(source) => share(source, text),
            None => Bytes::copy_from_slice(text.as_bytes()),
        })
    }

    /// Validates `bytes` as one JSON text and keeps them.
    pub fn parse(bytes: Bytes) -> Result<Json, serde_json::Error> {
        // Skipping a string does not check its UTF-8; JSON texts must be UTF-8 all along.
        let text =
            std::str::from_utf8(&bytes).map_err(<serde_json::Error as serde::de::Error>::custom)?;
        serde_json::from_str::<serde::de::IgnoredAny>(text)?;
        Ok(Json(bytes))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        // JSON texts are UTF-8: checked when this was written or parsed.
        std::str::from_utf8(&self.0).unwrap_or("null")
    }

    /// The JSON text's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.0
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

/// `part` as a slice of `source` when it lies inside it (no copy), else copied.
fn share(source: &Bytes, part: &str) -> Bytes {
    let start = source.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    if at >= start && at + part.len() <= start + source.len() {
        source.slice(at - start..at - start + part.len())
    } else {
        Bytes::copy_from_slice(part.as_bytes())
    }
}

/// A pushed response with its push item's wire name and expanded push path.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub event: Cow<'static, str>,
    pub path: String,
    pub parts: Parts,
}

/// A response enum: every declared response is a variant.
///
/// Generated code implements [`ResponseParts::write`] and [`ResponseParts::read`]; the
/// runtime calls them with whatever writer or body deserializer the binding needs.
pub trait ResponseParts: Sized {
    /// Writes this response's status, headers and body.
    fn write<W: WriteParts>(&self, out: &mut W) -> Result<(), EncodeError>;

    /// The variant `head` and `body` describe. An undeclared status is
    /// [`DecodeError::Status`]; a variant without a body passes over `body` unread.
    fn read<'de, D: Deserializer<'de>>(
        head: &Head<'_>,
        body: D,
    ) -> Result<Self, ReadError<D::Error>>;

    /// The status, headers and body of this response.
    fn to_parts(&self) -> Result<Parts, EncodeError> {
        let mut parts = Parts::new(0);
        self.write(&mut parts)?;
        Ok(parts)
    }

    /// The variant `parts` describes; an undeclared status is [`DecodeError::Status`].
    fn from_parts(parts: &Parts) -> Result<Self, DecodeError> {
        read::read_parts(parts, "", |head, body| Self::read(head, body))
    }
}

/// A push enum: every push item of an operation is a variant.
pub trait PushMessage: Sized {
    /// The wire names of the push items. A receiver skips any other event unread: it is a
    /// newer server's push.
    const EVENTS: &'static [&'static str];

    /// Writes this push: its name and path, then its response.
    fn write<W: WritePush>(&self, out: &mut W) -> Result<(), EncodeError>;

    /// The push named `event` with `head` and `body`; `Ok(None)` for an event name this
    /// version does not know (a newer server's push), whose body is passed over:
    /// skipping it keeps older clients working.
    fn read<'de, D: Deserializer<'de>>(
        event: &str,
        head: &Head<'_>,
        body: D,
    ) -> Result<Option<Self>, ReadError<D::Error>>;

    /// This push as an [`Envelope`].
    fn encode(&self) -> Result<Envelope, EncodeError> {
        let mut envelope = Envelope {
            event: Cow::Borrowed(""),
            path: String::new(),
            parts: Parts::new(0),
        };
        self.write(&mut envelope)?;
        Ok(envelope)
    }

    /// The push `envelope` holds; `Ok(None)` for an event this version does not know.
    fn decode(event: &str, envelope: &Envelope) -> Result<Option<Self>, DecodeError> {
        read::read_parts(&envelope.parts, &envelope.path, |head, body| {
            Self::read(event, head, body)
        })
    }
}

/// A value could not be put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError(pub String);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot encode: {}", self.0)
    }
}

impl std::error::Error for EncodeError {}

impl From<serde_json::Error> for EncodeError {
    fn from(e: serde_json::Error) -> Self {
        EncodeError(e.to_string())
    }
}

/// Bytes from a peer did not match the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A status the operation does not declare.
    Status(u16),
    /// A push path that does not match the push item's template, described: over HTTP/2
    /// push, where the path alone says which item a push is, another item's (or a newer
    /// server's).
    Path(String),
    /// Anything else, described.
    Invalid(String),
}

impl DecodeError {
    pub fn status(status: u16) -> Self {
        DecodeError::Status(status)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        DecodeError::Invalid(message.into())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Status(status) => write!(f, "undeclared status {status}"),
            DecodeError::Path(message) | DecodeError::Invalid(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl Parts {
    pub fn new(status: u16) -> Self {
        Parts {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Sets a header from a typed value; `None` (JSON null) sets nothing.
    pub fn set_header<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), EncodeError> {
        if let Some(text) = text_opt(value)? {
            if text.contains(['\r', '\n', '\0']) {
                return Err(EncodeError(format!(
                    "header `{name}` would contain a line break"
                )));
            }
            self.headers.push((name.to_ascii_lowercase(), text));
        }
        Ok(())
    }

    pub fn set_json<T: Serialize + ?Sized>(&mut self, body: &T) -> Result<(), EncodeError> {
        self.body = Some(Json::from_value(body)?);
        Ok(())
    }
}

/// The text of a typed value in a path, query or header: strings as they are, numbers
/// and booleans as JSON writes them, arrays comma-separated, objects as JSON.
pub fn text<T: Serialize + ?Sized>(value: &T) -> Result<String, EncodeError> {
    text_opt(value)?.ok_or_else(|| EncodeError("a required value is null".into()))
}

/// Like [`text`]; `None` for null (an absent optional value).
pub fn text_opt<T: Serialize + ?Sized>(value: &T) -> Result<Option<String>, EncodeError> {
    let mut out = String::new();
    Ok(text::text_into(value, &mut out)?.then_some(out))
}

/// [`text_opt`] by way of a `serde_json::Value`: the definition of the rules, which the
/// direct route for scalars (`text.rs`) must agree with.
pub(crate) fn text_by_value<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Option<String>, EncodeError> {
    Ok(match serde_json::to_value(value)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|item| match item {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Some(other.to_string()),
    })
}

/// Reads a typed value from text written by [`text`].
pub fn parse_text<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    // Scalars straight from the text (no allocation); the general route agrees with it
    // wherever it succeeds.
    if let Some(value) = text::parse_scalar(text) {
        return Ok(value);
    }
    // As a string first (strings, string enums), then as JSON (numbers, booleans), then
    // as a comma-separated list.
    let as_string = match T::deserialize(Value::String(text.to_string())) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if let Ok(value) = serde_json::from_str::<T>(text) {
        return Ok(value);
    }
    let items: Vec<Value> = text
        .split(',')
        .map(|item| {
            serde_json::from_str::<Value>(item)
                .ok()
                .filter(|v| !v.is_object() && !v.is_array() && !v.is_string())
                .unwrap_or_else(|| Value::String(item.to_string()))
        })
        .collect();
    T::deserialize(Value::Array(items)).map_err(|_| format!("`{text}`: {as_string}"))
}

/// Expands a path template with already-encoded texts (see [`text`]): a request's path.
pub fn expand(template: &str, values: &[String]) -> Result<String, EncodeError> {
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    crate::path::expand(template, &values).map_err(|e| EncodeError(e.to_string()))
}

/// The JSON of an envelope: `{"path":…,"status":…,"headers":{…},"body":…}`.
pub fn envelope_json(envelope: &Envelope) -> Result<String, EncodeError> {
    let mut out =
        String::with_capacity(64 + envelope.parts.body.as_ref().map_or(0, |b| b.get().len()));
    write_envelope_json(&mut out, envelope);
    Ok(out)
}

/// [`envelope_json`], appended to `out`.
pub fn write_envelope_json(out: &mut String, envelope: &Envelope) {
    out.push_str("{\"path\":");
    write::json_str(out, &envelope.path);
    out.push(',');
    write_parts(out, &envelope.parts);
    out.push('}');
}

/// The JSON of a final response: `{"status":…,"headers":{…},"body":…}`.
pub fn final_json(parts: &Parts) -> Result<String, EncodeError> {
    let mut out = String::with_capacity(64 + parts.body.as_ref().map_or(0, |b| b.get().len()));
    out.push('{');
    write_parts(&mut out, parts);
    out.push('}');
    Ok(out)
}

fn write_parts(out: &mut String, parts: &Parts) {
    use std::fmt::Write;
    let _ = write!(out, "\"status\":{},\"headers\":{{", parts.status);
    for (i, (name, value)) in parts.headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write::json_str(out, name);
        out.push(':');
        write::json_str(out, value);
    }
    out.push('}');
    if let Some(body) = &parts.body {
        out.push_str(",\"body\":");
        out.push_str(body.get());
    }
}

// Borrowed from the frame where JSON allows (strings without escapes, raw bodies): one
// copy of each into the envelope, none into an intermediate value.
#[derive(Deserialize)]
struct PartsJson<'a> {
    #[serde(borrow)]
    path: Option<Cow<'a, str>>,
    status: u16,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
    #[serde(default, borrow)]
    body: Option<&'a RawValue>,
}

fn parse_parts(data: &str, source: Option<&Bytes>) -> Result<(Option<String>, Parts), DecodeError> {
    let json: PartsJson = serde_json::from_str(data)
        .map_err(|e| DecodeError::invalid(format!("not a push envelope: {e}")))?;
    let headers = read_headers(json.headers)?;
    // `"body": null` is a body of null, which only a nullable body type accepts.
    Ok((
        json.path.map(Cow::into_owned),
        Parts {
            status: json.status,
            headers,
            body: json.body.map(|body| Json::within(source, body)),
        },
    ))
}

fn read_headers(
    headers: serde_json::Map<String, Value>,
) -> Result<Vec<(String, String)>, DecodeError> {
    headers
        .into_iter()
        .map(|(name, value)| match value {
            Value::String(s) => Ok((name.to_ascii_lowercase(), s)),
            other => Err(DecodeError::invalid(format!(
                "header `{name}` is {other}, not a string"
            ))),
        })
        .collect()
}

/// Reads the data of a push event.
pub fn parse_envelope(event: &str, data: &str) -> Result<Envelope, DecodeError> {
    envelope_in(event, data, None, &[])
}

/// [`parse_envelope`] of a frame's bytes (UTF-8), for a push whose name may be one of
/// `known` (a [`PushMessage`]'s `EVENTS`): the envelope borrows the name and shares the
/// body with the frame instead of copying them.
pub fn parse_envelope_in(
    event: &str,
    data: &Bytes,
    known: &'static [&'static str],
) -> Result<Envelope, DecodeError> {
    envelope_in(event, utf8(data)?, Some(data), known)
}

fn utf8(data: &Bytes) -> Result<&str, DecodeError> {
    std::str::from_utf8(data).map_err(|_| DecodeError::invalid("a frame is not UTF-8"))
}

fn envelope_in(
    event: &str,
    data: &str,
    source: Option<&Bytes>,
    known: &'static [&'static str],
) -> Result<Envelope, DecodeError> {
    let (path, parts) = parse_parts(data, source)?;
    let path = path.ok_or_else(|| DecodeError::invalid("push envelope without `path`"))?;
    Ok(Envelope {
        event: event_name(event, known),
        path,
        parts,
    })
}

fn event_name(event: &str, known: &'static [&'static str]) -> Cow<'static, str> {
    match known.iter().find(|name| **name == event) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(event.to_owned()),
    }
}

/// Reads the data of the final event.
pub fn parse_final(data: &str) -> Result<Parts, DecodeError> {
    parse_parts(data, None).map(|(_, parts)| parts)
}

/// [`parse_final`] of a frame's bytes (UTF-8), sharing the body with the frame.
pub fn parse_final_in(data: &Bytes) -> Result<Parts, DecodeError> {
    parse_parts(utf8(data)?, Some(data)).map(|(_, parts)| parts)
}

/// The NDJSON / JSON Lines line of a push:
/// `{"push":NAME,"path":…,"status":…,"headers":{…},"body":…,"id":…}`.
pub fn push_line(envelope: &Envelope, id: Option<&str>) -> Result<String, EncodeError> {
    let mut out =
        String::with_capacity(96 + envelope.parts.body.as_ref().map_or(0, |b| b.get().len()));
    write_push_line(&mut out, envelope, id);
    Ok(out)
}

/// [`push_line`], appended to `out`.
pub fn write_push_line(out: &mut String, envelope: &Envelope, id: Option<&str>) {
    out.push_str("{\"push\":");
    write::json_str(out, &envelope.event);
    out.push_str(",\"path\":");
    write::json_str(out, &envelope.path);
    out.push(',');
    write_parts(out, &envelope.parts);
    if let Some(id) = id {
        out.push_str(",\"id\":");
        write::json_str(out, id);
    }
    out.push('}');
}

/// The NDJSON / JSON Lines line of the final response: `{"final":{"status":…,…}}`.
pub fn final_line(parts: &Parts) -> Result<String, EncodeError> {
    let inner = final_json(parts)?;
    let mut out = String::with_capacity(inner.len() + 10);
    out.push_str("{\"final\":");
    out.push_str(&inner);
    out.push('}');
    Ok(out)
}

/// What one line of an envelope-mode NDJSON stream is.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A push, with its id if it has one.
    Push {
        envelope: Envelope,
        id: Option<String>,
    },
    /// The final response: nothing follows.
    Final(Parts),
    /// A line of a kind this version does not know (a newer server's): skipped.
    Unknown,
}

#[derive(Deserialize)]
struct LineJson<'a> {
    #[serde(borrow)]
    push: Option<Cow<'a, str>>,
    #[serde(rename = "final", borrow)]
    final_response: Option<&'a RawValue>,
    #[serde(borrow)]
    path: Option<Cow<'a, str>>,
    status: Option<u16>,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
    #[serde(default, borrow)]
    body: Option<&'a RawValue>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
}

/// Reads one line of an envelope-mode NDJSON stream.
pub fn parse_line(line: &str) -> Result<Line, DecodeError> {
    line_in(line, None, &[])
}

/// [`parse_line`] of a frame's bytes (UTF-8), for pushes whose names may be one of
/// `known` (a [`PushMessage`]'s `EVENTS`): the envelope borrows the name and shares the
/// body with the frame instead of copying them.
pub fn parse_line_in(line: &Bytes, known: &'static [&'static str]) -> Result<Line, DecodeError> {
    line_in(utf8(line)?, Some(line), known)
}

fn line_in(
    line: &str,
    source: Option<&Bytes>,
    known: &'static [&'static str],
) -> Result<Line, DecodeError> {
    let json: LineJson = serde_json::from_str(line)
        .map_err(|e| DecodeError::invalid(format!("not a push line: {e}")))?;
    if let Some(final_response) = json.final_response {
        return parse_parts(final_response.get(), source).map(|(_, parts)| Line::Final(parts));
    }
    let Some(event) = json.push else {
        return Ok(Line::Unknown);
    };
    let path = json
        .path
        .ok_or_else(|| DecodeError::invalid("push line without `path`"))?;
    let status = json
        .status
        .ok_or_else(|| DecodeError::invalid("push line without `status`"))?;
    Ok(Line::Push {
        envelope: Envelope {
            event: event_name(&event, known),
            path: path.into_owned(),
            parts: Parts {
                status,
                headers: read_headers(json.headers)?,
                body: json.body.map(|body| Json::within(source, body)),
            },
        },
        id: json.id.map(Cow::into_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let control: String = (0u8..0x20).map(char::from).collect();
        for text in [
            "",
            "plain",
            "a\"b\\c",
            "line\nbreak\r\t",
            "é ✓ 😀",
            "\u{7f}/</",
            &control,
        ] {
            let mut out = String::new();
            write::json_str(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn text_round_trips_typed_values() {
        assert_eq!(text(&5i64).unwrap(), "5");
        assert_eq!(text("a b").unwrap(), "a b");
        assert_eq!(text(&vec![1, 2]).unwrap(), "1,2");
        assert_eq!(text_opt(&None::<i32>).unwrap(), None);
        assert_eq!(parse_text::<i64>("5").unwrap(), 5);
        assert_eq!(parse_text::<String>("5").unwrap(), "5");
        assert!(parse_text::<bool>("true").unwrap());
        assert_eq!(parse_text::<Vec<i32>>("1,2").unwrap(), vec![1, 2]);
        assert_eq!(parse_text::<Vec<String>>("a,b").unwrap(), ["a", "b"]);
        assert!(parse_text::<i64>("five").is_err());
    }

    #[test]
    fn envelope_json_is_compact_and_parses_back() {
        let mut parts = Parts::new(200);
        parts.set_header("Offset", &7i64).unwrap();
        parts.set_json(&serde_json::json!({"a": "x\ny"})).unwrap();
        let envelope = Envelope {
            event: "/e/{n}".into(),
            path: "/e/7".into(),
            parts,
        };
        let json = envelope_json(&envelope).unwrap();
        assert_eq!(
            json,
            r#"{"path":"/e/7","status":200,"headers":{"offset":"7"},"body":{"a":"x\ny"}}"#
        );
        assert_eq!(parse_envelope("/e/{n}", &json).unwrap(), envelope);
        let final_parts = Parts::new(204);
        assert_eq!(
            final_json(&final_parts).unwrap(),
            r#"{"status":204,"headers":{}}"#
        );
        assert_eq!(
            parse_final(r#"{"status":204,"headers":{}}"#).unwrap(),
            final_parts
        );
    }

    #[test]
    fn push_and_final_lines_parse_back() {
        let mut parts = Parts::new(200);
        parts.set_header("offset", &7i64).unwrap();
        parts.set_json(&serde_json::json!({"a": 1})).unwrap();
        let envelope = Envelope {
            event: "/e/{n}".into(),
            path: "/e/7".into(),
            parts,
        };
        let line = push_line(&envelope, Some("7")).unwrap();
        assert_eq!(
            line,
            r#"{"push":"/e/{n}","path":"/e/7","status":200,"headers":{"offset":"7"},"body":{"a":1},"id":"7"}"#
        );
        assert_eq!(
            parse_line(&line).unwrap(),
            Line::Push {
                envelope,
                id: Some("7".into())
            }
        );
        let final_parts = Parts::new(204);
        let line = final_line(&final_parts).unwrap();
        assert_eq!(line, r#"{"final":{"status":204,"headers":{}}}"#);
        assert_eq!(parse_line(&line).unwrap(), Line::Final(final_parts));
        assert_eq!(parse_line(r#"{"progress":1}"#).unwrap(), Line::Unknown);
        assert!(parse_line(r#"{"push":"/e/{n}","status":200}"#).is_err());
        assert!(parse_line("[1]").is_err());
    }

    #[test]
    fn bad_envelopes_are_errors() {
        assert!(parse_envelope("x", "not json").is_err());
        assert!(parse_envelope("x", r#"{"status":200}"#).is_err());
        assert!(parse_final(r#"{"status":"200"}"#).is_err());
        assert!(parse_final(r#"{"status":200,"headers":{"a":1}}"#).is_err());
    }
}

//! Item mode: a response whose body is a sequence of items exactly as the spec describes
//! them (OpenAPI 3.2 `itemSchema`, or a `text/event-stream` / NDJSON response of a spec
//! before 3.2). There is no envelope and no final response: the stream ends at the end
//! of the body, or at a declared terminal marker.
//!
//! Generated code implements [`ItemCodec`] once per streaming operation (a unit struct
//! `Items` in the operation's module); the server's item sink and the client's item
//! stream are written once over it.

use crate::binding::Media;
use crate::wire::{DecodeError, EncodeError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a stream says it has ended, besides closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminator {
    /// A frame whose data is exactly this text (OpenAI's `data: [DONE]`).
    Data(&'static str),
    /// An SSE event of this name. When it is also an item's event, the item is
    /// delivered, then the stream ends.
    Event(&'static str),
}

/// The items of one streaming operation: their format, how each is written and read,
/// and how the stream ends.
pub trait ItemCodec: Send + Sync + 'static {
    /// One item: the item type itself, or an enum with one variant per SSE event name.
    type Item: Send + 'static;
    /// The error item the spec declares with `x-push-error` (sent after the stream has
    /// started, as Ollama's `{"error": …}` lines), or [`NoFailure`].
    type Failure: Serialize + DeserializeOwned + Send + 'static;
    /// The operation's response enum: what a client gets instead of the stream when the
    /// server answers with a declared error before the first item.
    type Response: crate::wire::ResponseParts + Send + Sync + 'static;

    /// The media type the spec declares for the stream.
    const MEDIA: Media;
    /// The SSE event names of the items (empty: items are not told apart by name).
    const EVENTS: &'static [&'static str];
    /// The declared end-of-stream marker, if any.
    const TERMINATOR: Option<Terminator>;
    /// Whether `Failure` is a real type (`x-push-error` is declared).
    const HAS_FAILURE: bool;

    /// Writes the item's data (JSON, or text for an SSE item declared as a string) into
    /// `data`, and returns its SSE event name, if items are named.
    fn encode(item: &Self::Item, data: &mut String) -> Result<Option<&'static str>, EncodeError>;

    /// Reads an item. `event` is the SSE event name (`"message"` when none was sent, and
    /// for the line formats). `Ok(None)` for an event this version does not know: a newer
    /// server's, skipped so an older client keeps working.
    fn decode(event: &str, data: &str) -> Result<Option<Self::Item>, DecodeError>;
}

/// The [`ItemCodec::Failure`] of a stream without a declared error item: it has no
/// values, so none is ever sent or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoFailure {}

impl Serialize for NoFailure {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        match *self {}
    }
}

impl<'de> Deserialize<'de> for NoFailure {
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "this stream declares no error item",
        ))
    }
}

/// Writes an item's data as JSON (what generated encoders call).
pub fn json<T: Serialize + ?Sized>(value: &T, data: &mut String) -> Result<(), EncodeError> {
    // serde_json writes valid UTF-8, so the bytes go straight into the string.
    let mut bytes = std::mem::take(data).into_bytes();
    let result = serde_json::to_writer(&mut bytes, value);
    *data = String::from_utf8(bytes).unwrap_or_default();
    result.map_err(EncodeError::from)
}

/// Reads an item's JSON data (what generated decoders call).
pub fn from_json<T: DeserializeOwned>(event: &str, data: &str) -> Result<T, DecodeError> {
    serde_json::from_str(data).map_err(|e| {
        if event == "message" {
            DecodeError::invalid(format!("stream item: {e}"))
        } else {
            DecodeError::invalid(format!("stream item `{event}`: {e}"))
        }
    })
}

/// Whether a frame is the declared terminal marker. Compared exactly, never by
/// substring: an item whose text merely contains `[DONE]` is an item.
pub fn is_terminator(terminator: Option<Terminator>, event: Option<&str>, data: &str) -> bool {
    match terminator {
        Some(Terminator::Data(text)) => data == text,
        Some(Terminator::Event(name)) => event == Some(name),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminators_match_exactly() {
        let done = Some(Terminator::Data("[DONE]"));
        assert!(is_terminator(done, Some("message"), "[DONE]"));
        assert!(!is_terminator(done, Some("message"), "[DONE] "));
        assert!(!is_terminator(done, None, "{\"text\":\"[DONE]\"}"));
        let end = Some(Terminator::Event("done"));
        assert!(is_terminator(end, Some("done"), "{}"));
        assert!(!is_terminator(end, Some("done2"), "{}"));
        assert!(!is_terminator(end, None, "done"));
        assert!(!is_terminator(None, Some("done"), "[DONE]"));
    }

    #[test]
    fn json_reuses_the_buffer_and_reports_errors() {
        let mut data = String::with_capacity(64);
        json(&serde_json::json!({"a": [1, 2]}), &mut data).unwrap();
        assert_eq!(data, r#"{"a":[1,2]}"#);
        assert!(
            from_json::<u8>("tick", "300")
                .unwrap_err()
                .to_string()
                .contains("`tick`")
        );
        assert!(serde_json::from_str::<NoFailure>("{}").is_err());
    }
}

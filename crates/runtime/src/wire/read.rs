//! Reading responses and pushes in one pass.
//!
//! Generated code reads a response from its [`Head`] — status and headers, and for a
//! push its path — and a deserializer positioned on its body
//! ([`ResponseParts::read`](super::ResponseParts::read),
//! [`PushMessage::read`](super::PushMessage::read)). The frame reader here walks a push's
//! JSON once: by the time it meets `"body"` it has read the name, path, status and
//! headers in front of it (pushgen writes them in that order), so it hands the body
//! straight to the generated code, which deserialises it into its type where it lies. A
//! peer that writes the body first costs a second pass over the body, nothing more.

use super::{DecodeError, Parts, PushMessage, ResponseParts};
use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor,
};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// The deserializer generated readers receive a body from.
pub(crate) type BodyDeserializer<'a, 'de> =
    &'a mut serde_json::Deserializer<serde_json::de::StrRead<'de>>;

/// What is known of a response before its body: its status and headers, and for a push
/// its path.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    pub status: u16,
    path: &'a str,
    headers: Headers<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Headers<'a> {
    /// As they were read from a frame.
    Frame(&'a [(Cow<'a, str>, Cow<'a, str>)]),
    /// As they are in [`Parts`].
    Parts(&'a [(String, String)]),
}

impl<'a> Head<'a> {
    /// The head of `parts`, pushed to `path` (`""` for a response that is not a push).
    pub fn of(parts: &'a Parts, path: &'a str) -> Self {
        Head {
            status: parts.status,
            path,
            headers: Headers::Parts(&parts.headers),
        }
    }

    fn header_text(&self, name: &str) -> Option<&str> {
        match self.headers {
            Headers::Frame(headers) => headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| &**v),
            Headers::Parts(headers) => headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str()),
        }
    }

    /// A required header, typed.
    pub fn header<T: DeserializeOwned>(&self, name: &str) -> Result<T, DecodeError> {
        self.header_opt(name)?
            .ok_or_else(|| DecodeError::invalid(format!("required header `{name}` is missing")))
    }

    /// An optional header, typed.
    pub fn header_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, DecodeError> {
        self.header_text(name)
            .map(|text| {
                super::parse_text(text)
                    .map_err(|e| DecodeError::invalid(format!("header `{name}`: {e}")))
            })
            .transpose()
    }

    /// The variables of the push path under `template`.
    pub fn path_variables(&self, template: &str) -> Result<Variables<'a>, DecodeError> {
        crate::path::matches_borrowed(template, self.path)
            .map(Variables)
            .ok_or_else(|| {
                DecodeError::Path(format!(
                    "push path `{}` does not match `{template}`",
                    self.path
                ))
            })
    }
}

/// The variables of a matched push path, in the template's order.
#[derive(Debug)]
pub struct Variables<'a>(Vec<Cow<'a, str>>);

impl Variables<'_> {
    /// Variable `index`, typed.
    pub fn get<T: DeserializeOwned>(&self, index: usize) -> Result<T, DecodeError> {
        let text = self.0.get(index).ok_or_else(|| {
            DecodeError::invalid(format!("push path variable {index} is missing"))
        })?;
        super::parse_text(text)
            .map_err(|e| DecodeError::invalid(format!("push path variable: {e}")))
    }
}

/// Why a generated reader failed: its body did not deserialise (`E` is the body
/// deserializer's error), or something else about the response was wrong.
#[derive(Debug)]
pub enum ReadError<E> {
    Body(E),
    Decode(DecodeError),
}

impl<E> From<DecodeError> for ReadError<E> {
    fn from(e: DecodeError) -> Self {
        ReadError::Decode(e)
    }
}

impl<E: fmt::Display> ReadError<E> {
    fn into_decode(self, status: u16) -> DecodeError {
        match self {
            ReadError::Body(e) => DecodeError::invalid(format!("body of a {status} response: {e}")),
            ReadError::Decode(e) => e,
        }
    }
}

/// Reads the body as `T`.
pub fn body<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    body: D,
) -> Result<T, ReadError<D::Error>> {
    T::deserialize(body).map_err(ReadError::Body)
}

/// Passes over a body that a response does not declare.
pub fn no_body<'de, D: Deserializer<'de>>(body: D) -> Result<(), ReadError<D::Error>> {
    IgnoredAny::deserialize(body)
        .map(drop)
        .map_err(ReadError::Body)
}

/// Runs a generated reader on `parts`, whose body (or JSON `null` when it has none) is
/// read from its bytes.
pub(crate) fn read_parts<O>(
    parts: &Parts,
    path: &str,
    read: impl FnOnce(&Head<'_>, BodyDeserializer<'_, '_>) -> Result<O, ReadError<serde_json::Error>>,
) -> Result<O, DecodeError> {
    let text = parts.body.as_ref().map_or("null", |body| body.get());
    let mut body = serde_json::Deserializer::from_str(text);
    let head = Head::of(parts, path);
    read(&head, &mut body).map_err(|e| e.into_decode(parts.status))
}

/// What one frame of an envelope-mode stream turned out to be.
pub(crate) enum Framed<P, R> {
    /// A push, with the id its line carries.
    Push(P, Option<String>),
    Final(R),
    /// The server no longer holds what the client asked to resume after
    /// (`{"gap":{"oldest":ID}}`).
    Gap(Option<String>),
    /// A push or line of a kind this version does not know (a newer server's): skipped.
    Skip,
}

/// Reads the data of the SSE push event `event`, one of `P::EVENTS`, of an operation
/// whose final response is `R`.
pub(crate) fn read_sse_push<P: PushMessage, R: ResponseParts>(
    event: &str,
    data: &str,
) -> Result<Option<P>, DecodeError> {
    let target = Pushes::<P>(PhantomData);
    let shape = Shape::<R>::Envelope;
    let object = read_object(data, &target, Some(event), shape, "a push envelope")?;
    Ok(object.out.flatten())
}

/// Reads the data of the SSE final event.
pub(crate) fn read_sse_final<R: ResponseParts>(data: &str) -> Result<R, DecodeError> {
    let target = Responses::<R>(PhantomData);
    let object = read_object(data, &target, None, Shape::<R>::Final, "a final response")?;
    object
        .out
        .ok_or_else(|| DecodeError::invalid("a final response without `status`"))
}

/// Reads one line of an envelope-mode NDJSON / JSON Lines / JSON text sequence stream.
pub(crate) fn read_line<P: PushMessage, R: ResponseParts>(
    line: &str,
) -> Result<Framed<P, R>, DecodeError> {
    let target = Pushes::<P>(PhantomData);
    let object = read_object(
        line,
        &target,
        None,
        Shape::Line(PhantomData::<R>),
        "a push line",
    )?;
    if let Some(gap) = object.gap {
        return Ok(Framed::Gap(gap));
    }
    Ok(match (object.final_response, object.out) {
        (Some(response), _) => Framed::Final(response),
        (None, Some(Some(push))) => Framed::Push(push, object.id),
        (None, _) => Framed::Skip,
    })
}

/// The JSON object a frame holds.
#[derive(Clone, Copy)]
enum Shape<R> {
    /// The data of an SSE push: `{"path","status","headers","body"}`.
    Envelope,
    /// The data of an SSE final event, or a line's `"final"`: `{"status","headers","body"}`.
    Final,
    /// A line: a push with `"push"` and `"id"` too, or `{"final":{…}}`.
    Line(PhantomData<R>),
}

/// What a frame's body is read as.
trait Target {
    type Out;
    /// Whether reading needs the push's name and path.
    const PUSH: bool;
    fn read<'de, D: Deserializer<'de>>(
        &self,
        event: Option<&str>,
        head: &Head<'_>,
        body: D,
    ) -> Result<Self::Out, ReadError<D::Error>>;
}

/// A push of `P`; `None` for a push this version does not know.
struct Pushes<P>(PhantomData<fn() -> P>);

impl<P: PushMessage> Target for Pushes<P> {
    type Out = Option<P>;
    const PUSH: bool = true;

    fn read<'de, D: Deserializer<'de>>(
        &self,
        event: Option<&str>,
        head: &Head<'_>,
        body: D,
    ) -> Result<Option<P>, ReadError<D::Error>> {
        match event {
            Some(event) if P::EVENTS.contains(&event) => P::read(event, head, body),
            Some(event) => {
                tracing::debug!(event, "skipping an unknown push");
                no_body(body).map(|()| None)
            }
            None => Err(DecodeError::invalid("a push without a name").into()),
        }
    }
}

/// A response of `R`.
struct Responses<R>(PhantomData<fn() -> R>);

impl<R: ResponseParts> Target for Responses<R> {
    type Out = R;
    const PUSH: bool = false;

    fn read<'de, D: Deserializer<'de>>(
        &self,
        _: Option<&str>,
        head: &Head<'_>,
        body: D,
    ) -> Result<R, ReadError<D::Error>> {
        R::read(head, body)
    }
}

/// What [`read_object`] found.
struct Object<O, F> {
    out: Option<O>,
    final_response: Option<F>,
    /// A line's `"id"`.
    id: Option<String>,
    /// A line's `"gap"`: the oldest id the server holds.
    gap: Option<Option<String>>,
}

fn read_object<T: Target, R: ResponseParts>(
    data: &str,
    target: &T,
    event: Option<&str>,
    shape: Shape<R>,
    what: &str,
) -> Result<Object<T::Out, R>, DecodeError> {
    let mut failed = None;
    // The frame was checked to be UTF-8 when it was made: `from_str` does not check again.
    let mut json = serde_json::Deserializer::from_str(data);
    let read = json
        .deserialize_map(ObjectVisitor {
            target,
            event,
            shape,
            failed: &mut failed,
        })
        .and_then(|object| json.end().map(|()| object));
    read.map_err(|e| failed.unwrap_or_else(|| DecodeError::invalid(format!("not {what}: {e}"))))
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Key {
    Push,
    Path,
    Status,
    Headers,
    Body,
    Id,
    Final,
    Gap,
    #[serde(other)]
    Other,
}

/// A string, borrowed from the frame unless it has escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

struct ObjectVisitor<'s, T, R> {
    target: &'s T,
    event: Option<&'s str>,
    shape: Shape<R>,
    /// Why reading failed, when the reason is not serde's: serde carries only a message.
    failed: &'s mut Option<DecodeError>,
}

impl<'de, T: Target, R: ResponseParts> Visitor<'de> for ObjectVisitor<'_, T, R> {
    type Value = Object<T::Out, R>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let line = matches!(self.shape, Shape::Line(_));
        let mut name: Option<Cow<'de, str>> = None;
        let mut path: Option<Cow<'de, str>> = None;
        let mut status: Option<u16> = None;
        let mut headers: Option<Vec<(Cow<'de, str>, Cow<'de, str>)>> = None;
        let mut out = None;
        let mut raw_body: Option<&'de RawValue> = None;
        let mut final_response = None;
        let mut id: Option<Cow<'de, str>> = None;
        let mut gap = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Push if line => name = Some(map.next_value::<Text<'de>>()?.0),
                Key::Path => path = Some(map.next_value::<Text<'de>>()?.0),
                Key::Status => status = Some(map.next_value()?),
                Key::Headers => headers = Some(map.next_value_seed(HeadersSeed)?),
                Key::Body if out.is_some() || raw_body.is_some() => {
                    return Err(de::Error::duplicate_field("body"));
                }
                Key::Body => {
                    let event = self.event.or(name.as_deref());
                    let ready = match (status, &headers) {
                        (Some(_), Some(_)) => !T::PUSH || (event.is_some() && path.is_some()),
                        _ => false,
                    };
                    if ready {
                        let head = Head {
                            status: status.unwrap_or_default(),
                            path: path.as_deref().unwrap_or_default(),
                            headers: Headers::Frame(headers.as_deref().unwrap_or_default()),
                        };
                        out = Some(map.next_value_seed(BodySeed {
                            target: self.target,
                            event,
                            head: &head,
                            failed: &mut *self.failed,
                        })?);
                    } else {
                        // The body came before what says how to read it: kept as it is
                        // and read once the object is complete.
                        raw_body = Some(map.next_value()?);
                    }
                }
                Key::Final if line => {
                    final_response = Some(map.next_value_seed(FinalSeed::<R> {
                        failed: &mut *self.failed,
                        _response: PhantomData,
                    })?);
                }
                Key::Id if line => id = Some(map.next_value::<Text<'de>>()?.0),
                Key::Gap if line => gap = Some(map.next_value::<GapJson>()?.oldest),
                Key::Id | Key::Final | Key::Gap | Key::Other | Key::Push => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = id.map(Cow::into_owned);
        if final_response.is_some() || gap.is_some() || (line && name.is_none()) {
            // A final response, a gap, or neither a push nor either (a newer server's
            // line).
            return Ok(Object {
                out: None,
                final_response,
                id,
                gap,
            });
        }
        if out.is_none() {
            let Some(status) = status else {
                return Err(de::Error::missing_field("status"));
            };
            if T::PUSH && path.is_none() {
                return Err(de::Error::missing_field("path"));
            }
            let headers = headers.unwrap_or_default();
            let head = Head {
                status,
                path: path.as_deref().unwrap_or_default(),
                headers: Headers::Frame(&headers),
            };
            let text = raw_body.map_or("null", RawValue::get);
            let mut body = serde_json::Deserializer::from_str(text);
            let read = self
                .target
                .read(self.event.or(name.as_deref()), &head, &mut body);
            match read {
                Ok(read) => out = Some(read),
                Err(e) => {
                    let e = e.into_decode(status);
                    let message = e.to_string();
                    *self.failed = Some(e);
                    return Err(de::Error::custom(message));
                }
            }
        }
        Ok(Object {
            out,
            final_response: None,
            id,
            gap: None,
        })
    }
}

/// The oldest id a gap names, from the data of an SSE `gap` event; `None` for `null`
/// (or data that is not a gap's: the gap is reported all the same).
pub(crate) fn read_sse_gap(data: &str) -> Option<String> {
    serde_json::from_str::<GapJson>(data).ok()?.oldest
}

/// A gap's object: `{"oldest":ID}` or `{"oldest":null}`.
#[derive(Deserialize)]
struct GapJson {
    oldest: Option<String>,
}

/// Hands a body to the generated reader.
struct BodySeed<'s, T> {
    target: &'s T,
    event: Option<&'s str>,
    head: &'s Head<'s>,
    failed: &'s mut Option<DecodeError>,
}

impl<'de, T: Target> DeserializeSeed<'de> for BodySeed<'_, T> {
    type Value = T::Out;

    fn deserialize<D: Deserializer<'de>>(self, body: D) -> Result<T::Out, D::Error> {
        self.target.read(self.event, self.head, body).map_err(|e| {
            let e = e.into_decode(self.head.status);
            let message = e.to_string();
            *self.failed = Some(e);
            de::Error::custom(message)
        })
    }
}

/// A line's `"final"`: the final response object.
struct FinalSeed<'s, R> {
    failed: &'s mut Option<DecodeError>,
    _response: PhantomData<fn() -> R>,
}

impl<'de, R: ResponseParts> DeserializeSeed<'de> for FinalSeed<'_, R> {
    type Value = R;

    fn deserialize<D: Deserializer<'de>>(self, final_response: D) -> Result<R, D::Error> {
        let target = Responses::<R>(PhantomData);
        let object = final_response.deserialize_map(ObjectVisitor {
            target: &target,
            event: None,
            shape: Shape::<R>::Final,
            failed: self.failed,
        })?;
        object.out.ok_or_else(|| de::Error::missing_field("status"))
    }
}

/// A headers object: names to string values, borrowed where they have no escapes.
struct HeadersSeed;

impl<'de> DeserializeSeed<'de> for HeadersSeed {
    type Value = Vec<(Cow<'de, str>, Cow<'de, str>)>;

    fn deserialize<D: Deserializer<'de>>(self, headers: D) -> Result<Self::Value, D::Error> {
        headers.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeadersSeed {
    type Value = Vec<(Cow<'de, str>, Cow<'de, str>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of header names to strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut headers = Vec::new();
        while let Some(Text(name)) = map.next_key()? {
            let Text(value) = map
                .next_value()
                .map_err(|e| de::Error::custom(format!("header `{name}`: {e}")))?;
            headers.push((name, value));
        }
        Ok(headers)
    }
}

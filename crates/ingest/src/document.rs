//! Bytes → raw value → typed `openapiv3` document.
//!
//! The raw `serde_json::Value` is kept beside the typed document: `openapiv3` drops keys
//! it does not model (the seed's `push`), and `$ref`s with deep pointers are resolved
//! against the raw value.

use crate::error::{SpecError, push_pointer};
use crate::locate::Location;
use serde_json::Value;

mod parts;

/// A parsed spec: the raw value and the typed 3.0 model of it.
pub(crate) struct Document {
    pub raw: Value,
    pub typed: openapiv3::OpenAPI,
}

/// Parses YAML or JSON, decided by content: JSON documents start with `{`.
pub(crate) fn parse(text: &str) -> Result<Value, SpecError> {
    // Parse the text as it is, so reported lines are the file's lines.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| {
            let at = Location {
                line: e.line(),
                column: e.column(),
            };
            // serde_json ends its message with the position, which the location now says.
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            SpecError::at(at, format!("invalid JSON: {message}"))
        })
    } else {
        crate::yaml::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = message
                .split_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            match e.location() {
                Some(l) => SpecError::at(
                    Location {
                        line: l.line(),
                        column: l.column(),
                    },
                    format!("invalid YAML: {message}"),
                ),
                None => SpecError::new("", format!("invalid YAML: {message}")),
            }
        })
    }
}

impl Document {
    /// Frees the document, the raw value on a thread of its own while this one frees
    /// the typed model: a big spec is millions of small values, and the two halves take
    /// about as long (GitHub's 9 and 10 ms, one after the other on one core).
    pub fn free(self) {
        let Document { raw, typed } = self;
        std::thread::scope(|scope| {
            // Where no thread can start, the value is freed here with the closure.
            let _ = std::thread::Builder::new().spawn_scoped(scope, move || drop(raw));
            drop(typed);
        });
    }
}

/// Checks the version and deserialises the typed model.
pub(crate) fn load(mut raw: Value) -> Result<Document, SpecError> {
    let Some(root) = raw.as_object() else {
        return Err(SpecError::new(
            "",
            "an OpenAPI document must be an object at the top level",
        ));
    };
    if root.contains_key("swagger") {
        return Err(SpecError::new(
            "/swagger",
            "this is a Swagger 2.0 document; pushgen reads OpenAPI 3.x. Convert it first \
             (for example with swagger2openapi) and point pushgen at the result",
        ));
    }
    match root.get("openapi") {
        None => {
            return Err(SpecError::new(
                "",
                "missing `openapi`: the document must start with `openapi: 3.x.y`",
            ));
        }
        Some(Value::String(v)) if v.starts_with("3.") => {}
        Some(other) => {
            return Err(SpecError::new(
                "/openapi",
                format!("unsupported `openapi` version {other}; expected 3.0, 3.1 or 3.2"),
            ));
        }
    }
    if !root.contains_key("info") {
        return Err(SpecError::new("", "missing `info` (title and version)"));
    }
    crate::normalize::normalize(&mut raw);
    if let Some(typed) = parts::read(&mut raw) {
        return Ok(Document { raw, typed });
    }
    let typed = match deserialize::<openapiv3::OpenAPI>(&raw, "") {
        Ok(typed) => typed,
        Err(shallow) => return Err(narrow(&raw).unwrap_or(shallow)),
    };
    Ok(Document { raw, typed })
}

/// `value` read as a `T`, or `None` if it does not read (or the model's deserialiser
/// panics: see [`deserialize`]).
fn plain<T: serde::de::DeserializeOwned>(value: &Value) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| T::deserialize(value)))
        .ok()?
        .ok()
}

/// serde loses the path inside flattened and untagged types (a parameter, a path item),
/// so a whole-document error often points at `/paths`. Deserialising the pieces one by
/// one finds the one that fails and where.
fn narrow(raw: &Value) -> Option<SpecError> {
    use openapiv3::{Operation, Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema};
    fn check<T: serde::de::DeserializeOwned>(value: Option<&Value>, at: &str) -> Option<SpecError> {
        deserialize::<T>(value?, at).err()
    }
    fn each<T: serde::de::DeserializeOwned>(value: Option<&Value>, at: &str) -> Option<SpecError> {
        match value? {
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                deserialize::<T>(item, &push_pointer(at, &i.to_string())).err()
            }),
            Value::Object(map) => map
                .iter()
                .find_map(|(key, item)| deserialize::<T>(item, &push_pointer(at, key)).err()),
            _ => None,
        }
    }
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = push_pointer("/paths", path);
        let found = each::<ReferenceOr<Parameter>>(
            item.get("parameters"),
            &push_pointer(&at, "parameters"),
        )
        .or_else(|| {
            METHODS.iter().find_map(|method| {
                let op = item.get(*method)?;
                let op_at = push_pointer(&at, method);
                each::<ReferenceOr<Parameter>>(
                    op.get("parameters"),
                    &push_pointer(&op_at, "parameters"),
                )
                .or_else(|| {
                    check::<ReferenceOr<RequestBody>>(
                        op.get("requestBody"),
                        &push_pointer(&op_at, "requestBody"),
                    )
                })
                .or_else(|| {
                    let responses = op.get("responses")?.as_object()?;
                    let responses_at = push_pointer(&op_at, "responses");
                    responses.iter().find_map(|(code, r)| {
                        deserialize::<ReferenceOr<Response>>(r, &push_pointer(&responses_at, code))
                            .err()
                    })
                })
                .or_else(|| check::<Operation>(Some(op), &op_at))
            })
        })
        .or_else(|| check::<ReferenceOr<PathItem>>(Some(item), &at));
        if found.is_some() {
            return found;
        }
    }
    let components = raw.get("components")?;
    each::<ReferenceOr<Schema>>(components.get("schemas"), "/components/schemas")
        .or_else(|| {
            each::<ReferenceOr<Parameter>>(components.get("parameters"), "/components/parameters")
        })
        .or_else(|| {
            each::<ReferenceOr<Response>>(components.get("responses"), "/components/responses")
        })
        .or_else(|| {
            each::<ReferenceOr<RequestBody>>(
                components.get("requestBodies"),
                "/components/requestBodies",
            )
        })
}

/// Deserialises a fragment, reporting the exact pointer where it does not fit the model.
pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(
    value: &Value,
    pointer: &str,
) -> Result<T, SpecError> {
    // openapiv3's `ReferenceOr` deserialiser has an `expect` on a path it believes
    // unreachable; a spec must never be able to crash pushgen, so a panic becomes an error.
    // Tracking the path costs a fifth of the parse; most specs are valid, so the plain
    // deserialiser goes first and the tracking one only finds where a failure is.
    if let Some(typed) = plain(value) {
        return Ok(typed);
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        serde_path_to_error::deserialize::<_, T>(value)
    }))
    .map_err(|_| {
        SpecError::new(
            pointer,
            "this value could not be read (the OpenAPI model's deserialiser failed); \
             please report it with the spec",
        )
    })?;
    result.map_err(|e| {
        let mut at = pointer.to_string();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => at = push_pointer(&at, &index.to_string()),
                Segment::Map { key } => at = push_pointer(&at, key),
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        let message = e.into_inner().to_string();
        let message = if message.contains("ParameterSchemaOrContent") {
            "a parameter or header needs a `schema` (or a `content` map)".to_string()
        } else {
            message
        };
        SpecError::new(at, message)
    })
}

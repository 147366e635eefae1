//! Item-mode streams: responses whose content is a sequence (OpenAPI 3.2 sequential
//! media types, and streaming responses of specs before 3.2).
//!
//! Read from the raw value: `openapiv3` drops `itemSchema` and knows nothing of the
//! terminal-marker extensions. Three shapes come out:
//!
//! - OpenAPI 3.2 `itemSchema` on a sequential media type; for `text/event-stream` the
//!   3.2 idiom (an `event` pinned by `const`, `data` typed by `contentMediaType` +
//!   `contentSchema`) gives one typed item per event name;
//! - a plain `schema` on a sequential media type (specs before 3.2);
//! - either, beside `application/json` in the same response, with a boolean `stream`
//!   property in the request body: the operation streams only when asked.

use crate::document::deserialize;
use crate::error::{Diagnostics, push_pointer};
use crate::names::Scope;
use crate::operation::essence;
use crate::schema::{SchemaRef, TypeBuilder, local_pointer};
use openapiv3::{ReferenceOr, Schema};
use pushgen_ir::{
    ConditionalStream, ItemSource, ItemStream, Method, Scalar, StatusMatch, StreamItem,
    StreamMedia, Streaming, Terminator, TypeRef,
};
use serde_json::Value;

/// The request body property that asks for a stream, by the convention of OpenAI, Ollama
/// and most LLM APIs.
const STREAM_FLAG: &str = "stream";

/// The sequential media type `content_type` names, if it is one.
pub(crate) fn sequential(content_type: &str) -> Option<StreamMedia> {
    match essence(content_type).as_str() {
        "text/event-stream" => Some(StreamMedia::EventStream),
        "application/jsonl" | "application/jsonlines" | "application/x-jsonlines" => {
            Some(StreamMedia::JsonLines)
        }
        "application/x-ndjson" | "application/ndjson" => Some(StreamMedia::NdJson),
        "application/json-seq" => Some(StreamMedia::JsonSeq),
        _ => None,
    }
}

/// Follows `$ref`s in the raw document (a response or schema object), at most a few hops.
fn follow<'v>(raw: &'v Value, mut value: &'v Value, mut pointer: String) -> (&'v Value, String) {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = local_pointer(reference).ok() else {
            break;
        };
        let Some(next) = raw.pointer(&target) else {
            break;
        };
        value = next;
        pointer = target;
    }
    (value, pointer)
}

/// Context of the operation being read.
pub(crate) struct OperationSource<'v> {
    pub raw: &'v Value,
    pub operation: &'v Value,
    pub pointer: &'v str,
    pub method: Method,
    pub hint: &'v str,
}

/// The operation's item stream, if one of its responses streams.
pub(crate) fn read(
    op: &OperationSource<'_>,
    types: &mut TypeBuilder<'_>,
    diags: &mut Diagnostics,
) -> Option<Streaming> {
    let responses_pointer = push_pointer(op.pointer, "responses");
    let responses = op.operation.get("responses")?.as_object()?;
    let mut found: Option<(ItemStream, bool)> = None;
    for (code, response) in responses {
        let status = match code.as_str() {
            "default" => StatusMatch::Default,
            c if c.len() == 3 && c.ends_with("XX") => {
                StatusMatch::Range(c.as_bytes()[0].wrapping_sub(b'0'))
            }
            c => match c.parse::<u16>() {
                Ok(n) => StatusMatch::Code(n),
                Err(_) => continue,
            },
        };
        let (response, at) = follow(op.raw, response, push_pointer(&responses_pointer, code));
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            continue;
        };
        let content_pointer = push_pointer(&at, "content");
        let has_json = content.keys().any(|ct| is_plain_json(ct));
        for (content_type, media) in content {
            let media_pointer = push_pointer(&content_pointer, content_type);
            let Some(kind) = sequential(content_type) else {
                if media.get("itemSchema").is_some() {
                    diags.error(
                        push_pointer(&media_pointer, "itemSchema"),
                        format!(
                            "`itemSchema` describes the items of a sequential media type \
                             (text/event-stream, application/jsonl, application/x-ndjson, \
                             application/json-seq), not of `{content_type}`; use `schema`"
                        ),
                    );
                }
                continue;
            };
            if found.is_some() {
                continue;
            }
            let stream = item_stream(op, types, diags, status, kind, media, &media_pointer);
            found = stream.map(|s| (s, has_json));
        }
    }
    let (stream, has_json) = found?;
    if has_json && let Some((flag, default)) = stream_flag(op) {
        return Some(Streaming::Conditional(ConditionalStream {
            flag,
            streams_by_default: default,
            stream,
        }));
    }
    Some(Streaming::Items(stream))
}

fn is_plain_json(content_type: &str) -> bool {
    let essence = essence(content_type);
    essence == "application/json" || (essence.ends_with("+json") && sequential(&essence).is_none())
}

/// The type of a raw schema value at `pointer` (errors recorded, `None` after one).
fn schema_type(
    types: &mut TypeBuilder<'_>,
    diags: &mut Diagnostics,
    schema: &Value,
    pointer: &str,
    hint: &str,
) -> Option<TypeRef> {
    let parsed: ReferenceOr<Schema> = match deserialize(schema, pointer) {
        Ok(parsed) => parsed,
        Err(e) => {
            diags.push(e);
            return None;
        }
    };
    types.type_ref(SchemaRef::from(&parsed), pointer, hint, diags)
}

#[allow(clippy::too_many_arguments)] // the media type's context, passed through once
fn item_stream(
    op: &OperationSource<'_>,
    types: &mut TypeBuilder<'_>,
    diags: &mut Diagnostics,
    status: StatusMatch,
    media: StreamMedia,
    media_value: &Value,
    media_pointer: &str,
) -> Option<ItemStream> {
    let (declared_by, items) = if let Some(item_schema) = media_value.get("itemSchema") {
        let at = push_pointer(media_pointer, "itemSchema");
        let idiom = if media == StreamMedia::EventStream {
            sse_idiom(op, types, diags, item_schema, &at)
        } else {
            None
        };
        let items = match idiom {
            Some(items) => items,
            None => vec![single_item(op, types, diags, item_schema, &at)?],
        };
        (ItemSource::ItemSchema, items)
    } else if let Some(schema) = media_value.get("schema") {
        let at = push_pointer(media_pointer, "schema");
        (
            ItemSource::Schema,
            vec![single_item(op, types, diags, schema, &at)?],
        )
    } else {
        // No schema at all (Mercure): SSE data is text, a JSON line any value.
        let ty = match media {
            StreamMedia::EventStream => TypeRef::Scalar(Scalar::String),
            _ => TypeRef::Any,
        };
        let item = StreamItem {
            name: Scope::new().name("item", "item"),
            event: None,
            ty,
            description: None,
        };
        (ItemSource::Schema, vec![item])
    };
    let resumable = op.method.is_safe()
        || op
            .operation
            .get("x-push-resumable")
            .and_then(Value::as_bool)
            == Some(true);
    let error = match media_value.get("x-push-error") {
        Some(schema) => {
            let at = push_pointer(media_pointer, "x-push-error");
            let hint = format!("{} error", op.hint);
            Some(schema_type(types, diags, schema, &at, &hint)?)
        }
        None => None,
    };
    Some(ItemStream {
        status,
        media,
        items,
        terminator: terminator(media_value).or_else(|| terminator(op.operation)),
        error,
        resumable,
        declared_by,
    })
}

fn single_item(
    op: &OperationSource<'_>,
    types: &mut TypeBuilder<'_>,
    diags: &mut Diagnostics,
    schema: &Value,
    pointer: &str,
) -> Option<StreamItem> {
    let ty = schema_type(types, diags, schema, pointer, &format!("{} item", op.hint))?;
    let base = match &ty {
        TypeRef::Named(name) => name.clone(),
        _ => "item".to_string(),
    };
    let description = schema
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some(StreamItem {
        name: Scope::new().name(&base, "item"),
        event: None,
        ty,
        description,
    })
}

/// The OpenAPI 3.2 SSE idiom: an item schema (or each member of its `oneOf`/`anyOf`)
/// whose `event` property is pinned to one value and whose `data` carries JSON described
/// by `contentSchema`. `None` when the schema is not in that form.
fn sse_idiom(
    op: &OperationSource<'_>,
    types: &mut TypeBuilder<'_>,
    diags: &mut Diagnostics,
    item_schema: &Value,
    pointer: &str,
) -> Option<Vec<StreamItem>> {
    let (schema, at) = follow(op.raw, item_schema, pointer.to_string());
    let members: Vec<(&Value, String)> = match schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    {
        Some(list) => {
            let key = if schema.get("oneOf").is_some() {
                "oneOf"
            } else {
                "anyOf"
            };
            list.iter()
                .enumerate()
                .map(|(i, m)| {
                    follow(
                        op.raw,
                        m,
                        push_pointer(&push_pointer(&at, key), &i.to_string()),
                    )
                })
                .collect()
        }
        None => vec![(schema, at.clone())],
    };
    let mut scope = Scope::new();
    // The observer's method for news of the stream itself.
    scope.reserve(&["notice", "on_notice"]);
    let mut items = Vec::with_capacity(members.len());
    for (member, member_at) in members {
        let properties = member.get("properties")?;
        let event = properties
            .get("event")
            .and_then(|e| e.get("enum"))
            .and_then(Value::as_array)
            .filter(|values| values.len() == 1)
            .and_then(|values| values[0].as_str())?
            .to_string();
        let data = properties.get("data");
        let data_at = push_pointer(&push_pointer(&member_at, "properties"), "data");
        let ty = match data.and_then(|d| d.get("contentSchema")) {
            Some(content_schema) => {
                let at = push_pointer(&data_at, "contentSchema");
                let hint = format!("{} {event}", op.hint);
                schema_type(types, diags, content_schema, &at, &hint)?
            }
            None => TypeRef::Scalar(Scalar::String),
        };
        let description = member
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        items.push(StreamItem {
            name: scope.name(&event, "event"),
            event: Some(event),
            ty,
            description,
        });
    }
    (!items.is_empty()).then_some(items)
}

/// A declared end-of-stream marker on a media type or operation object.
fn terminator(object: &Value) -> Option<Terminator> {
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
    if let Some(sentinel) = text("x-speakeasy-sse-sentinel") {
        return Some(Terminator::Data(sentinel));
    }
    if let Some(event) = text("x-ms-sse-terminal-event") {
        return Some(Terminator::Event(event));
    }
    match object.get("x-push-terminator")? {
        Value::String(data) => Some(Terminator::Data(data.clone())),
        Value::Object(marker) => {
            if let Some(event) = marker.get("event").and_then(Value::as_str) {
                Some(Terminator::Event(event.to_string()))
            } else {
                marker
                    .get("data")
                    .and_then(Value::as_str)
                    .map(|data| Terminator::Data(data.to_string()))
            }
        }
        _ => None,
    }
}

/// The request body's boolean `stream` property and its default, if it has one.
fn stream_flag(op: &OperationSource<'_>) -> Option<(String, bool)> {
    let body = op.operation.get("requestBody")?;
    let (body, _) = follow(op.raw, body, String::new());
    let content = body.get("content")?.as_object()?;
    let schema = content
        .iter()
        .find(|(ct, _)| is_plain_json(ct))
        .map(|(_, media)| media)?
        .get("schema")?;
    let property = find_property(op.raw, schema, STREAM_FLAG, 0)?;
    let is_boolean = property.get("type").and_then(Value::as_str) == Some("boolean");
    is_boolean.then(|| {
        let default = property
            .get("default")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        (STREAM_FLAG.to_string(), default)
    })
}

/// A property of an object schema, looking through `$ref`s and `allOf`.
fn find_property<'v>(
    raw: &'v Value,
    schema: &'v Value,
    name: &str,
    depth: usize,
) -> Option<&'v Value> {
    if depth > 16 {
        return None;
    }
    let (schema, _) = follow(raw, schema, String::new());
    if let Some(property) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(follow(raw, property, String::new()).0);
    }
    schema
        .get("allOf")?
        .as_array()?
        .iter()
        .find_map(|member| find_property(raw, member, name, depth + 1))
}

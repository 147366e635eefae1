//! The seed's `push` section and its `x-push` spelling, read from the raw value
//! (`openapiv3` drops `push`, and keeps `x-push` only as an untyped extension).

use crate::document::deserialize;
use crate::error::{Diagnostics, push_pointer};
use crate::names::Scope;
use crate::operation::{parameters, parse_template, responses};
use crate::schema::TypeBuilder;
use foldhash::{HashMap, HashMapExt};
use openapiv3::{Parameter, ReferenceOr};
use pushgen_ir::{
    EnvelopePush, Parameter as IrParameter, PathPart, PathTemplate, PushItem, PushVariable, Scalar,
    TypeRef,
};
use serde::Deserialize;
use serde_json::Value;

/// The SSE event name of the final response. No push can have it: default wire names
/// start with `/`, and `x-push-event` may not be this.
pub const FINAL_EVENT: &str = "final";

/// The SSE event name that tells a resuming client what it asked for is gone; reserved
/// like [`FINAL_EVENT`].
pub const GAP_EVENT: &str = "gap";

/// A Push Path Object.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PushPath {
    responses: Option<openapiv3::Responses>,
    #[serde(default)]
    parameters: Vec<ReferenceOr<Parameter>>,
    #[serde(rename = "x-push-event")]
    event: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    summary: Option<String>,
}

/// Where an operation's push section is and what it holds.
pub(crate) struct PushSource<'v> {
    pub value: &'v Value,
    pub pointer: String,
}

/// Finds `push` or `x-push` on the raw operation object; both at once is an error.
pub(crate) fn find<'v>(
    operation: &'v Value,
    pointer: &str,
    diags: &mut Diagnostics,
) -> Option<PushSource<'v>> {
    let push = operation.get("push");
    let x_push = operation.get("x-push");
    match (push, x_push) {
        (Some(_), Some(_)) => {
            diags.error(
                push_pointer(pointer, "x-push"),
                "an operation has either `push` or `x-push`, not both",
            );
            None
        }
        (Some(value), None) => Some(PushSource {
            value,
            pointer: push_pointer(pointer, "push"),
        }),
        (None, Some(value)) => Some(PushSource {
            value,
            pointer: push_pointer(pointer, "x-push"),
        }),
        (None, None) => None,
    }
}

/// Reads a push section into envelope-mode push items.
#[allow(clippy::too_many_arguments)] // the operation's context, passed through once
pub(crate) fn read(
    raw: &Value,
    types: &mut TypeBuilder<'_>,
    source: PushSource<'_>,
    op_params: &[IrParameter],
    op_path: &PathTemplate,
    op_hint: &str,
    resumable: bool,
    diags: &mut Diagnostics,
) -> Option<EnvelopePush> {
    let Some(list) = source.value.as_array() else {
        diags.error(
            &source.pointer,
            "a push section must be a list of push items (`- /path/{var}: {responses: ...}`)",
        );
        return None;
    };
    let errors_before = diags.errors.len();
    let mut scope = Scope::new();
    // Names the generated module defines beside the items, and the observer's final method.
    scope.reserve(&[
        "Push",
        "Response",
        "Params",
        "Item",
        "Items",
        "final",
        "on_final",
        "notice",
        "on_notice",
    ]);
    let mut wire_names: HashMap<String, String> = HashMap::new();
    let mut items = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let at = push_pointer(&source.pointer, &i.to_string());
        let Some((template, body)) = entry
            .as_object()
            .filter(|map| map.len() == 1)
            .and_then(|map| map.iter().next())
        else {
            diags.error(
                &at,
                "a push item must be a map with exactly one push path, e.g. \
                 `- /jobs/{id}/progress: {responses: ...}`",
            );
            continue;
        };
        let at = push_pointer(&at, template);
        if !template.starts_with('/') {
            diags.error(&at, format!("push path `{template}` must start with `/`"));
            continue;
        }
        let path = match parse_template(template, false) {
            Ok(path) => path,
            Err(message) => {
                diags.error(&at, message);
                continue;
            }
        };
        let push_path: PushPath = match deserialize(body, &at) {
            Ok(p) => p,
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        let Some(push_responses) = &push_path.responses else {
            diags.error(
                &at,
                format!("push path `{template}` has no `responses`: say what the server pushes"),
            );
            continue;
        };
        let wire_name = match &push_path.event {
            Some(event) => {
                let event_at = push_pointer(&at, "x-push-event");
                if event.is_empty() || event.contains(['\r', '\n']) {
                    diags.error(
                        event_at,
                        "`x-push-event` must be a non-empty name on one line",
                    );
                    continue;
                }
                if event == FINAL_EVENT {
                    diags.error(
                        event_at,
                        format!("`x-push-event: {FINAL_EVENT}` is reserved for the final response"),
                    );
                    continue;
                }
                if event == GAP_EVENT {
                    diags.error(
                        event_at,
                        format!(
                            "`x-push-event: {GAP_EVENT}` is reserved for the answer to a resumption from an event no longer held"
                        ),
                    );
                    continue;
                }
                event.clone()
            }
            None => template.clone(),
        };
        if let Some(first) = wire_names.insert(wire_name.clone(), at.clone()) {
            diags.error(
                &at,
                format!("wire name `{wire_name}` is already used by the push item at #{first}"),
            );
            continue;
        }
        let base = push_path
            .event
            .clone()
            .unwrap_or_else(|| item_base(&path.parts, op_path));
        // Each item also names its response enum and the header structs of its
        // responses: those must be free too (`/jobs/progress` beside
        // `/jobs/progress/response` would otherwise define `ProgressResponse` twice).
        let name = scope.name_with(&base, "push", &|n| {
            vec![format!("{}Response", n.camel), format!("on_{}", n.snake)]
        });
        let item_hint = format!("{op_hint} {}", name.camel);
        let own_params = parameters(
            raw,
            types,
            &[(&push_path.parameters, push_pointer(&at, "parameters"))],
            &item_hint,
            diags,
        );
        let mut var_scope = Scope::new();
        let variables = path
            .variables()
            .map(|var| {
                let declared = op_params
                    .iter()
                    .find(|p| p.name.original == var)
                    .or_else(|| own_params.iter().find(|p| p.name.original == var));
                PushVariable {
                    name: var_scope.name(var, "var"),
                    ty: declared
                        .map(|p| p.ty.clone())
                        .unwrap_or(TypeRef::Scalar(Scalar::String)),
                    description: declared.and_then(|p| p.description.clone()),
                }
            })
            .collect();
        let responses = responses(
            raw,
            types,
            push_responses,
            &push_pointer(&at, "responses"),
            &item_hint,
            diags,
        );
        if responses.is_empty() {
            diags.error(
                push_pointer(&at, "responses"),
                "a push path needs at least one response",
            );
            continue;
        }
        items.push(PushItem {
            wire_name,
            name,
            path,
            description: push_path.description.clone().or(push_path.summary.clone()),
            variables,
            responses,
        });
    }
    if diags.errors.len() > errors_before {
        return None;
    }
    if items.is_empty() {
        diags.error(
            &source.pointer,
            "a push section needs at least one push item",
        );
        return None;
    }
    Some(EnvelopePush { items, resumable })
}

/// The literal words of a template: `/jobs/{id}/log` → `jobs`, `log`.
fn literal_words(parts: &[PathPart]) -> Vec<&str> {
    parts
        .iter()
        .filter_map(|p| match p {
            PathPart::Literal(text) => Some(text.as_str()),
            PathPart::Variable(_) => None,
        })
        .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
        .filter(|word| !word.is_empty())
        .collect()
}

/// An identifier base for a push item: the literal words of its template after those it
/// shares with the operation's path (`/jobs/{id}/log` under `/jobs` is `log`), else all
/// its literal words, else its variables.
fn item_base(parts: &[PathPart], op_path: &PathTemplate) -> String {
    let words = literal_words(parts);
    let op_words = literal_words(&op_path.parts);
    let shared = words
        .iter()
        .zip(&op_words)
        .take_while(|(a, b)| a == b)
        .count();
    if shared < words.len() {
        return words[shared..].join(" ");
    }
    if !words.is_empty() {
        return words.join(" ");
    }
    let vars: Vec<&str> = parts
        .iter()
        .filter_map(|p| match p {
            PathPart::Variable(name) => Some(name.as_str()),
            PathPart::Literal(_) => None,
        })
        .collect();
    format!("by {}", vars.join(" "))
}

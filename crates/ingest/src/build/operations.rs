//! Operations: named one after another in the document's order, then each built on its
//! own (beside the others, see `schema/beside.rs`).

use super::security::requirements;
use crate::error::{Diagnostics, SpecError, push_pointer};
use crate::names::{self, Scope};
use crate::schema::TypeBuilder;
use crate::{operation, push, streams};
use foldhash::{HashMap, HashMapExt};
use openapiv3::{OpenAPI, Operation, PathItem, ReferenceOr};
use pushgen_ir::{Method, Name, Operation as IrOperation, PathPart, PathTemplate, Streaming};
use serde_json::Value;
use std::borrow::Cow;

/// Identifiers the generated code defines beside one per operation: the client's
/// methods next to one method per operation, the server trait's `authenticate`, and the
/// modules of `operations.rs` beside one per operation.
const RESERVED: &[&str] = &[
    "new",
    "with_http_client",
    "with_sse_limits",
    "with_config",
    "with_push_binding",
    "with_request_validation",
    "with_default_headers",
    "with_request_hook",
    "base_url",
    "http_client",
    "authenticate",
    "types",
    "wire",
    "validate",
    "auth",
    "schemes",
    "handlers",
];

/// A path item of the document, read.
pub(super) struct PathPlan<'d> {
    item: Item<'d>,
    /// Where the item is defined (another place when the path is a `$ref`).
    pointer: String,
    template: PathTemplate,
}

/// A path item as the document has it, or read from where its `$ref` points. Not a
/// `Cow`: a path item is big (eight operations), and plans are moved about in a `Vec`.
enum Item<'d> {
    Here(&'d PathItem),
    There(Box<PathItem>),
}

impl std::ops::Deref for Item<'_> {
    type Target = PathItem;

    fn deref(&self) -> &PathItem {
        match self {
            Item::Here(item) => item,
            Item::There(item) => item,
        }
    }
}

/// One step through the document's operations: the errors found naming it, and the
/// operation to build, if naming it went well.
pub(super) struct Step {
    pub early: Vec<SpecError>,
    pub plan: Option<Planned>,
}

/// An operation named and ready to build.
pub(super) struct Planned {
    /// Index into the path plans.
    path: usize,
    method: Method,
    pointer: String,
    name: Name,
    operation_id: Option<String>,
}

/// Names every operation, in the document's order: what must be decided one after
/// another (unique `operationId`s, unique names) before operations are built apart.
pub(super) fn plan<'d>(spec: &'d OpenAPI, raw: &Value) -> (Vec<PathPlan<'d>>, Vec<Step>) {
    let mut scope = Scope::new();
    scope.reserve(RESERVED);
    let mut operation_ids: HashMap<String, String> = HashMap::new();
    let mut paths = Vec::new();
    let mut steps = Vec::new();
    for (path, item) in &spec.paths.paths {
        let (item, pointer, template) = match read_path(raw, path, item) {
            Ok(read) => read,
            Err(error) => {
                steps.push(Step {
                    early: vec![error],
                    plan: None,
                });
                continue;
            }
        };
        for method in Method::ALL {
            let Some(op) = operation_of(&item, method) else {
                continue;
            };
            let mut early = Diagnostics::default();
            let op_pointer = push_pointer(&pointer, method.as_str());
            let named = name(
                op,
                method,
                &op_pointer,
                &template,
                &mut scope,
                &mut operation_ids,
                &mut early,
            );
            let plan = named.map(|(name, operation_id)| Planned {
                path: paths.len(),
                method,
                pointer: op_pointer,
                name,
                operation_id,
            });
            steps.push(Step {
                early: early.errors,
                plan,
            });
        }
        paths.push(PathPlan {
            item: match item {
                Cow::Borrowed(item) => Item::Here(item),
                Cow::Owned(item) => Item::There(Box::new(item)),
            },
            pointer,
            template,
        });
    }
    (paths, steps)
}

/// The path item at `path`, where it is defined (another place when the path is a
/// `$ref`, whose operations are read, and their errors reported, there), and its
/// template.
fn read_path<'d>(
    raw: &Value,
    path: &str,
    item: &'d ReferenceOr<PathItem>,
) -> Result<(Cow<'d, PathItem>, String, PathTemplate), SpecError> {
    let path_pointer = push_pointer("/paths", path);
    let (item, pointer) = operation::resolve(raw, item, &path_pointer)?;
    match operation::parse_template(path, true) {
        Ok(template) if path.starts_with('/') => Ok((item, pointer, template)),
        Ok(_) => Err(SpecError::new(
            path_pointer,
            format!("path `{path}` must start with `/`"),
        )),
        Err(message) => Err(SpecError::new(path_pointer, message)),
    }
}

/// The name and `operationId` of the operation at `pointer`; `None` after an error.
fn name(
    op: &Operation,
    method: Method,
    pointer: &str,
    template: &PathTemplate,
    scope: &mut Scope,
    operation_ids: &mut HashMap<String, String>,
    diags: &mut Diagnostics,
) -> Option<(Name, Option<String>)> {
    // An empty `operationId` names nothing: the operation is named from its path.
    let operation_id = op.operation_id.as_ref().filter(|id| !id.trim().is_empty());
    if let Some(id) = operation_id {
        let id_pointer = push_pointer(pointer, "operationId");
        if let Some(first) = operation_ids.insert(id.clone(), id_pointer.clone()) {
            diags.error(
                &id_pointer,
                format!("duplicate operationId `{id}` (first used at #{first})"),
            );
            return None;
        }
        if names::snake(id).is_none() {
            diags.error(
                &id_pointer,
                format!(
                    "operationId `{id}` cannot become a Rust identifier: it has no ASCII \
                     letters or digits; rename it"
                ),
            );
            return None;
        }
    }
    let original = operation_id
        .cloned()
        .unwrap_or_else(|| synthesized_name(method, &template.parts));
    // The client's methods and traits derived from the name must be free too.
    let name = scope.name_with(&original, "operation", &|n| {
        vec![
            format!("{}_stream", n.snake),
            format!("{}_observe", n.snake),
            format!("{}Observer", n.camel),
        ]
    });
    Some((name, operation_id.cloned()))
}

/// Builds the operation `planned`; `None` after an error that leaves nothing to build.
pub(super) fn build(
    types: &mut TypeBuilder<'_>,
    paths: &[PathPlan<'_>],
    planned: &Planned,
    defined_schemes: &[&str],
    diags: &mut Diagnostics,
) -> Option<IrOperation> {
    let raw = types.raw();
    let path = &paths[planned.path];
    let op = operation_of(&path.item, planned.method)?;
    let op_pointer = &planned.pointer;
    let hint = &planned.name.camel;
    let template = &path.template;
    let method = planned.method;

    let mut params = operation::parameters(
        raw,
        types,
        &[
            (
                &path.item.parameters,
                push_pointer(&path.pointer, "parameters"),
            ),
            (&op.parameters, push_pointer(op_pointer, "parameters")),
        ],
        hint,
        diags,
    );
    add_undeclared_path_params(template, &mut params);

    let request_body = op.request_body.as_ref().and_then(|body| {
        operation::request_body(
            raw,
            types,
            body,
            &push_pointer(op_pointer, "requestBody"),
            hint,
            diags,
        )
    });
    let errors_before = diags.errors.len();
    let mut responses = operation::responses(
        raw,
        types,
        &op.responses,
        &push_pointer(op_pointer, "responses"),
        hint,
        diags,
    );

    let raw_op = raw.pointer(op_pointer).unwrap_or(&Value::Null);
    let resumable =
        method.is_safe() || raw_op.get("x-push-resumable").and_then(|v| v.as_bool()) == Some(true);
    let streaming = match push::find(raw_op, op_pointer, diags) {
        Some(source) => Streaming::Envelope(push::read(
            raw, types, source, &params, template, hint, resumable, diags,
        )?),
        None => {
            let source = streams::OperationSource {
                raw,
                operation: raw_op,
                pointer: op_pointer,
                method,
                hint,
            };
            streams::read(&source, types, diags).unwrap_or(Streaming::None)
        }
    };
    // In item mode the streaming response's body is the stream itself: its items are
    // typed by the stream, not by the response.
    if let Streaming::Items(stream) = &streaming {
        for response in &mut responses {
            let streams_here = response.status == stream.status
                && response
                    .body
                    .as_ref()
                    .is_some_and(|b| streams::sequential(&b.content_type).is_some());
            if streams_here {
                response.body = None;
            }
        }
    }
    // An operation whose responses all failed has been reported already.
    if responses.is_empty() && diags.errors.len() == errors_before {
        diags.error(
            push_pointer(op_pointer, "responses"),
            "an operation needs at least one response",
        );
        return None;
    }

    Some(IrOperation {
        name: planned.name.clone(),
        operation_id: planned.operation_id.clone(),
        method,
        path: template.clone(),
        summary: op.summary.clone(),
        description: op.description.clone(),
        parameters: params,
        request_body,
        responses,
        streaming,
        tags: op.tags.clone(),
        deprecated: op.deprecated,
        security: op.security.as_ref().map(|s| {
            let at = push_pointer(op_pointer, "security");
            requirements(s, &at, defined_schemes, diags)
        }),
    })
}

fn operation_of(item: &PathItem, method: Method) -> Option<&Operation> {
    match method {
        Method::Get => item.get.as_ref(),
        Method::Put => item.put.as_ref(),
        Method::Post => item.post.as_ref(),
        Method::Delete => item.delete.as_ref(),
        Method::Options => item.options.as_ref(),
        Method::Head => item.head.as_ref(),
        Method::Patch => item.patch.as_ref(),
        Method::Trace => item.trace.as_ref(),
    }
}

/// A name for an operation without `operationId`: `get /users/{id}` → `get users by id`.
fn synthesized_name(method: Method, parts: &[PathPart]) -> String {
    let mut name = method.as_str().to_string();
    for part in parts {
        name.push(' ');
        match part {
            PathPart::Literal(text) => name.push_str(text),
            PathPart::Variable(var) => {
                name.push_str("by ");
                name.push_str(var);
            }
        }
    }
    name
}

/// Specs often forget to declare a path variable; it is a string then, as in push paths.
fn add_undeclared_path_params(template: &PathTemplate, params: &mut Vec<pushgen_ir::Parameter>) {
    for var in template.variables() {
        let declared = params
            .iter()
            .any(|p| p.location == pushgen_ir::ParamLocation::Path && p.name.original == var);
        if !declared {
            let taken: Vec<&str> = params.iter().map(|p| p.name.snake.as_str()).collect();
            let mut scope = Scope::new();
            scope.reserve(&taken);
            params.push(pushgen_ir::Parameter {
                name: scope.name(var, "param"),
                location: pushgen_ir::ParamLocation::Path,
                style: pushgen_ir::ParamStyle::Simple,
                explode: false,
                required: true,
                ty: pushgen_ir::TypeRef::Scalar(pushgen_ir::Scalar::String),
                description: None,
                checks: pushgen_ir::Checks::default(),
            });
        }
    }
}

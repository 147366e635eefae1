//! Reads an OpenAPI 3.0 document with push annotations into pushgen's IR.
//!
//! Data flows one way: text → raw `serde_json::Value` (`document.rs`), with other files
//! bundled in (`bundle.rs`) and [`Overlay`]s applied (`overlay.rs`) → typed `openapiv3`
//! model → [`pushgen_ir::Api`]. Schemas become named types in `schema.rs`, operations in
//! `operation.rs`, push sections (`push` / `x-push`) in `push.rs`. Every problem is
//! collected as a [`SpecError`] with the JSON pointer of the offending value; ingest goes
//! on after an error so one run reports as much as it can, and never panics on input.
//!
//! ```
//! let spec = r#"
//! openapi: 3.0.3
//! info: {title: Ticks, version: '1'}
//! paths:
//!   /ticks:
//!     get:
//!       operationId: watchTicks
//!       responses: {'204': {description: done}}
//!       x-push:
//!         - /ticks/{n}:
//!             responses:
//!               '200':
//!                 description: a tick
//!                 content: {application/json: {schema: {type: integer}}}
//! "#;
//! let api = pushgen_ingest::ingest(spec, "ticks.yaml").unwrap();
//! let push = api.operations[0].streaming.envelope().unwrap();
//! assert_eq!(push.items[0].wire_name, "/ticks/{n}");
//! ```

#![forbid(unsafe_code)]

mod bundle;
mod case;
mod document;
mod error;
mod locate;
mod names;
mod normalize;
mod operation;
mod origins;
mod overlay;
mod push;
mod recursion;
mod schema;
mod streams;
mod yaml;

pub use error::{SpecError, SpecErrors, Warning};
pub use locate::{Location, locate};
pub use overlay::Overlay;
pub use push::FINAL_EVENT;

use error::{Diagnostics, push_pointer};
use foldhash::{HashMap, HashMapExt};
use openapiv3::Operation;
use origins::Origins;
use pushgen_ir::{Api, Method, Operation as IrOperation, PathPart, Streaming};

/// Reads the spec `text`; `source` is the file name that errors and generated headers use.
/// `$ref`s to other files need the spec's directory: use [`ingest_file`] for those.
pub fn ingest(text: &str, source: &str) -> Result<Api, SpecErrors> {
    ingest_timed(text, source, &mut Timings::default())
}

/// Like [`ingest`], recording how long each stage took.
pub fn ingest_timed(text: &str, source: &str, timings: &mut Timings) -> Result<Api, SpecErrors> {
    ingest_with_options(text, source, Options::default(), timings).map(|read| read.api)
}

/// How long each stage of ingest took, for `pushgen codegen --timings` and the benchmarks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Text to the typed `openapiv3` model: parsing, bundling, normalising.
    pub parse: std::time::Duration,
    /// The typed model to the IR.
    pub ir: std::time::Duration,
}

/// Reads the spec at `path` and every file it `$ref`s. Returns the API and the paths of
/// the files read besides the spec (for `cargo:rerun-if-changed`).
pub fn ingest_file(path: &std::path::Path) -> Result<(Api, Vec<std::path::PathBuf>), SpecErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecErrors {
        source: file_name(path),
        errors: vec![SpecError::new(
            "",
            format!("cannot read {}: {e}", path.display()),
        )],
    })?;
    ingest_path(&text, path)
}

/// Like [`ingest_file`], for a spec already read from `path`.
pub fn ingest_path(
    text: &str,
    path: &std::path::Path,
) -> Result<(Api, Vec<std::path::PathBuf>), SpecErrors> {
    ingest_path_timed(text, path, &mut Timings::default())
}

/// Like [`ingest_path`], recording how long each stage took.
pub fn ingest_path_timed(
    text: &str,
    path: &std::path::Path,
    timings: &mut Timings,
) -> Result<(Api, Vec<std::path::PathBuf>), SpecErrors> {
    let options = Options {
        path: Some(path),
        overlays: &[],
    };
    let ingested = ingest_with_options(text, &file_name(path), options, timings)?;
    Ok((ingested.api, ingested.files))
}

/// What to read a spec with besides its text, for [`ingest_with_options`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Where the spec is: `$ref`s to other files resolve against its directory. Without
    /// it the spec stands alone, and only its local `$ref`s resolve.
    pub path: Option<&'a std::path::Path>,
    /// Overlay documents, applied in this order to the spec as parsed and bundled,
    /// before anything reads it (see [`Overlay`]).
    pub overlays: &'a [Overlay],
}

/// A spec read into the IR, and what else reading it found.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub api: Api,
    /// The files read besides the spec (what it `$ref`s), for `cargo:rerun-if-changed`.
    /// Overlays are not listed: the caller named them.
    pub files: Vec<std::path::PathBuf>,
    /// What did not stop reading but should be said, such as an overlay action whose
    /// target selected nothing.
    pub warnings: Vec<Warning>,
}

/// Reads the spec `text` as `options` say; `source` is the file name that errors and
/// generated headers use. The other `ingest*` functions are this one with fewer options.
///
/// An error in an overlay is reported in the overlay: `SpecErrors::source` names it and
/// each error's `file` is its path. A spec error inside a value an overlay added is
/// shown in that overlay too, at the value.
pub fn ingest_with_options(
    text: &str,
    source: &str,
    options: Options<'_>,
    timings: &mut Timings,
) -> Result<Ingested, SpecErrors> {
    let base = options
        .path
        .map(|path| path.parent().unwrap_or(std::path::Path::new(".")));
    ingest_with(text, source, base, options.overlays, timings)
}

pub(crate) fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn ingest_with(
    text: &str,
    source: &str,
    base: Option<&std::path::Path>,
    overlays: &[Overlay],
    timings: &mut Timings,
) -> Result<Ingested, SpecErrors> {
    let no_overlays = overlay::Placed::default();
    let mut origins = Origins {
        text,
        source,
        files: &[],
        overlays,
        placed: &no_overlays,
    };
    let start = std::time::Instant::now();
    let mut raw = document::parse(text).map_err(|e| origins.fail(vec![e]))?;
    let files = match base {
        Some(base) => bundle::bundle(&mut raw, base).map_err(|e| origins.fail(vec![e]))?,
        None => Vec::new(),
    };
    origins.files = &files;
    let applied = overlay::apply_all(&mut raw, overlays)?;
    origins.placed = &applied.placed;
    let doc = document::load(raw).map_err(|e| origins.fail(vec![e]))?;
    timings.parse = start.elapsed();
    let start = std::time::Instant::now();
    let mut diags = Diagnostics::default();
    let api = build(&doc, source, &mut diags);
    timings.ir = start.elapsed();
    if diags.errors.is_empty() {
        let mut warnings = applied.warnings;
        warnings.extend(
            origins
                .fail(diags.warnings)
                .errors
                .into_iter()
                .map(|w| Warning {
                    file: w.file.unwrap_or_else(|| source.to_string()),
                    pointer: w.pointer,
                    message: w.message,
                    location: w.location,
                }),
        );
        Ok(Ingested {
            api,
            files: files.into_iter().map(|f| f.path).collect(),
            warnings,
        })
    } else {
        Err(origins.fail(diags.errors))
    }
}

fn build(doc: &document::Document, source: &str, diags: &mut Diagnostics) -> Api {
    let raw = &doc.raw;
    let spec = &doc.typed;
    let mut types = schema::TypeBuilder::new(raw);
    if let Some(components) = &spec.components {
        types.add_components(&components.schemas, diags);
    }

    let mut op_scope = names::Scope::new();
    // The generated client defines these next to one method per operation, the server
    // trait `authenticate`, and `operations.rs` these modules beside one per operation.
    op_scope.reserve(&[
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
    ]);
    let mut operation_ids: HashMap<String, String> = HashMap::new();
    let mut operations = Vec::new();
    let defined_schemes: Vec<&str> = spec
        .components
        .as_ref()
        .map(|c| c.security_schemes.keys().map(String::as_str).collect())
        .unwrap_or_default();

    for (path, item) in &spec.paths.paths {
        let path_pointer = push_pointer("/paths", path);
        // A path item may be a `$ref` (to another file): its operations are read, and
        // their errors reported, where it is defined.
        let (item, item_pointer) = match operation::resolve(raw, item, &path_pointer) {
            Ok(found) => found,
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        let template = match operation::parse_template(path, true) {
            Ok(t) if path.starts_with('/') => t,
            Ok(_) => {
                diags.error(&path_pointer, format!("path `{path}` must start with `/`"));
                continue;
            }
            Err(message) => {
                diags.error(&path_pointer, message);
                continue;
            }
        };
        for method in Method::ALL {
            let Some(op) = operation_of(&item, method) else {
                continue;
            };
            let op_pointer = push_pointer(&item_pointer, method.as_str());
            // An empty `operationId` names nothing: the operation is named from its path.
            let operation_id = op.operation_id.as_ref().filter(|id| !id.trim().is_empty());
            if let Some(id) = operation_id {
                let id_pointer = push_pointer(&op_pointer, "operationId");
                if let Some(first) = operation_ids.insert(id.clone(), id_pointer.clone()) {
                    diags.error(
                        &id_pointer,
                        format!("duplicate operationId `{id}` (first used at #{first})"),
                    );
                    continue;
                }
                if names::snake(id).is_none() {
                    diags.error(
                        &id_pointer,
                        format!(
                            "operationId `{id}` cannot become a Rust identifier: it has no \
                             ASCII letters or digits; rename it"
                        ),
                    );
                    continue;
                }
            }
            let original = operation_id
                .cloned()
                .unwrap_or_else(|| synthesized_name(method, &template.parts));
            // The client's methods and traits derived from the name must be free too.
            let name = op_scope.name_with(&original, "operation", &|n| {
                vec![
                    format!("{}_stream", n.snake),
                    format!("{}_observe", n.snake),
                    format!("{}Observer", n.camel),
                ]
            });
            let hint = name.camel.clone();

            let mut params = operation::parameters(
                raw,
                &mut types,
                &[
                    (&item.parameters, push_pointer(&item_pointer, "parameters")),
                    (&op.parameters, push_pointer(&op_pointer, "parameters")),
                ],
                &hint,
                diags,
            );
            add_undeclared_path_params(&template, &mut params);

            let request_body = op.request_body.as_ref().and_then(|body| {
                operation::request_body(
                    raw,
                    &mut types,
                    body,
                    &push_pointer(&op_pointer, "requestBody"),
                    &hint,
                    diags,
                )
            });
            let errors_before = diags.errors.len();
            let responses = operation::responses(
                raw,
                &mut types,
                &op.responses,
                &push_pointer(&op_pointer, "responses"),
                &hint,
                diags,
            );

            let raw_op = raw.pointer(&op_pointer).unwrap_or(&serde_json::Value::Null);
            let resumable = method.is_safe()
                || raw_op.get("x-push-resumable").and_then(|v| v.as_bool()) == Some(true);
            let streaming = match push::find(raw_op, &op_pointer, diags) {
                Some(source) => {
                    match push::read(
                        raw, &mut types, source, &params, &template, &hint, resumable, diags,
                    ) {
                        Some(push) => Streaming::Envelope(push),
                        None => continue,
                    }
                }
                None => {
                    let source = streams::OperationSource {
                        raw,
                        operation: raw_op,
                        pointer: &op_pointer,
                        method,
                        hint: &hint,
                    };
                    streams::read(&source, &mut types, diags).unwrap_or(Streaming::None)
                }
            };
            // In item mode the streaming response's body is the stream itself: its
            // items are typed by the stream, not by the response.
            let mut responses = responses;
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
                    push_pointer(&op_pointer, "responses"),
                    "an operation needs at least one response",
                );
                continue;
            }

            operations.push(IrOperation {
                name,
                operation_id: operation_id.cloned(),
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
                    let at = push_pointer(&op_pointer, "security");
                    requirements(s, &at, &defined_schemes, diags)
                }),
            });
        }
    }

    let servers = spec
        .servers
        .iter()
        .map(|s| pushgen_ir::Server {
            url: s.url.clone(),
            description: s.description.clone(),
        })
        .collect();
    let tags = spec
        .tags
        .iter()
        .map(|t| pushgen_ir::Tag {
            name: t.name.clone(),
            description: t.description.clone(),
        })
        .collect();
    let security_schemes = spec
        .components
        .as_ref()
        .map(|c| security_schemes(raw, &c.security_schemes, diags))
        .unwrap_or_default();
    let title = spec.info.title.clone();
    let mut api_scope = names::Scope::new();
    let api_name = api_scope.name(&title, "Api");
    let (named, examples) = types.finish(diags);
    Api {
        title,
        version: spec.info.version.clone(),
        description: spec.info.description.clone(),
        license: spec
            .info
            .license
            .as_ref()
            .map(|license| pushgen_ir::License {
                name: license.name.clone(),
                // 3.1's SPDX field, which the 3.0 model does not keep.
                identifier: raw
                    .pointer("/info/license/identifier")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                url: license.url.clone(),
            }),
        contact: spec
            .info
            .contact
            .as_ref()
            .map(|contact| pushgen_ir::Contact {
                name: contact.name.clone(),
                email: contact.email.clone(),
                url: contact.url.clone(),
            }),
        source: source.to_string(),
        name: api_name,
        operations,
        types: named,
        examples,
        servers,
        tags,
        security_schemes,
        security: spec
            .security
            .as_ref()
            .map(|s| requirements(s, "/security", &defined_schemes, diags))
            .unwrap_or_default(),
    }
}

/// A `security` list at `pointer`. A requirement naming a scheme that
/// `components/securitySchemes` does not define is an error: no credential could
/// satisfy it, and dropping it could open what the spec means to close.
fn requirements(
    list: &[openapiv3::SecurityRequirement],
    pointer: &str,
    defined: &[&str],
    diags: &mut Diagnostics,
) -> Vec<pushgen_ir::SecurityRequirement> {
    list.iter()
        .enumerate()
        .map(|(i, requirement)| {
            let at = push_pointer(pointer, &i.to_string());
            requirement
                .iter()
                .map(|(scheme, scopes)| {
                    if !defined.contains(&scheme.as_str()) {
                        diags.error(
                            push_pointer(&at, scheme),
                            format!(
                                "the security requirement names `{scheme}`, which \
                                 `components/securitySchemes` does not define"
                            ),
                        );
                    }
                    (scheme.clone(), scopes.clone())
                })
                .collect()
        })
        .collect()
}

fn security_schemes(
    raw: &serde_json::Value,
    schemes: &indexmap::IndexMap<String, openapiv3::ReferenceOr<openapiv3::SecurityScheme>>,
    diags: &mut Diagnostics,
) -> Vec<pushgen_ir::SecurityScheme> {
    use openapiv3::{APIKeyLocation, SecurityScheme as S};
    use pushgen_ir::{ParamLocation, SecurityKind};
    let mut out = Vec::with_capacity(schemes.len());
    for (name, scheme) in schemes {
        let at = push_pointer("/components/securitySchemes", name);
        let scheme = match operation::resolve(raw, scheme, &at) {
            Ok((scheme, _)) => scheme.into_owned(),
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        let (kind, description) = match scheme {
            S::APIKey {
                location,
                name,
                description,
                ..
            } => {
                let location = match location {
                    APIKeyLocation::Query => ParamLocation::Query,
                    APIKeyLocation::Header => ParamLocation::Header,
                    APIKeyLocation::Cookie => ParamLocation::Cookie,
                };
                (SecurityKind::ApiKey { location, name }, description)
            }
            S::HTTP {
                scheme,
                bearer_format,
                description,
                ..
            } => (
                SecurityKind::Http {
                    scheme,
                    bearer_format,
                },
                description,
            ),
            S::OAuth2 { description, .. } => (SecurityKind::OAuth2, description),
            S::OpenIDConnect {
                open_id_connect_url,
                description,
                ..
            } => (
                SecurityKind::OpenIdConnect {
                    url: open_id_connect_url,
                },
                description,
            ),
        };
        out.push(pushgen_ir::SecurityScheme {
            name: name.clone(),
            kind,
            description,
        });
    }
    out
}

fn operation_of(item: &openapiv3::PathItem, method: Method) -> Option<&Operation> {
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
fn add_undeclared_path_params(
    template: &pushgen_ir::PathTemplate,
    params: &mut Vec<pushgen_ir::Parameter>,
) {
    for var in template.variables() {
        let declared = params
            .iter()
            .any(|p| p.location == pushgen_ir::ParamLocation::Path && p.name.original == var);
        if !declared {
            let taken: Vec<&str> = params.iter().map(|p| p.name.snake.as_str()).collect();
            let mut scope = names::Scope::new();
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

#[cfg(test)]
mod tests {
    #[test]
    fn consumer_example() {
        let text = include_str!("../../../fixtures/consumer.yaml");
        let api = super::ingest(text, "consumer.yaml").unwrap();
        println!("{api:#?}");
    }
}

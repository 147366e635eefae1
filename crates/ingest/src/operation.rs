//! Operations: parameters, request bodies and responses.

use crate::document::deserialize;
use crate::error::{Diagnostics, SpecError, push_pointer};
use crate::names::Scope;
use crate::schema::{SchemaRef, TypeBuilder, local_pointer};
use foldhash::{HashSet, HashSetExt};
use openapiv3::{MediaType, Parameter, ParameterSchemaOrContent, ReferenceOr, StatusCode};
use pushgen_ir::{
    Body, Checks, Header, ParamLocation, ParamStyle, Parameter as IrParameter, PathPart,
    PathTemplate, RequestBody, Response, Scalar, StatusMatch, TypeRef,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::borrow::Cow;

/// Follows a `$ref` to a non-schema object (parameter, response, header, request body).
/// Returns the object and the pointer where it is defined.
pub(crate) fn resolve<'r, T: DeserializeOwned + Clone>(
    raw: &Value,
    item: &'r ReferenceOr<T>,
    pointer: &str,
) -> Result<(Cow<'r, T>, String), SpecError> {
    let mut reference = match item {
        ReferenceOr::Item(t) => return Ok((Cow::Borrowed(t), pointer.to_string())),
        ReferenceOr::Reference { reference } => reference.clone(),
    };
    let mut from = pointer.to_string();
    let mut seen = HashSet::new();
    loop {
        let target = local_pointer(&reference).map_err(|m| SpecError::new(&from, m))?;
        if !seen.insert(target.clone()) {
            return Err(SpecError::new(
                from,
                format!("`$ref` cycle through #{target}"),
            ));
        }
        let Some(value) = raw.pointer(&target) else {
            return Err(SpecError::new(
                push_pointer(&from, "$ref"),
                format!("unresolved `$ref`: nothing at #{target}"),
            ));
        };
        match deserialize::<ReferenceOr<T>>(value, &target)? {
            ReferenceOr::Item(t) => return Ok((Cow::Owned(t), target)),
            ReferenceOr::Reference { reference: next } => {
                reference = next;
                from = target;
            }
        }
    }
}

/// Splits a path template into literals and variables, refusing unbalanced braces, empty
/// variable names and, unless `repeats` allows them, a variable used twice. (An operation
/// path may repeat one, as some real APIs do: both places take the parameter's value. A
/// push path may not: each variable is a field of the push.)
pub(crate) fn parse_template(template: &str, repeats: bool) -> Result<PathTemplate, String> {
    let mut parts = Vec::new();
    let mut seen = HashSet::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                parts.push(PathPart::Literal(rest.to_string()));
                break;
            }
            Some(i) if rest.as_bytes()[i] == b'}' => {
                return Err(format!(
                    "path template `{template}` has a `}}` without `{{`"
                ));
            }
            Some(i) => {
                if i > 0 {
                    parts.push(PathPart::Literal(rest[..i].to_string()));
                }
                let after = &rest[i + 1..];
                let Some(end) = after
                    .find(['{', '}'])
                    .filter(|&e| after.as_bytes()[e] == b'}')
                else {
                    return Err(format!("path template `{template}` has an unclosed `{{`"));
                };
                let name = &after[..end];
                if name.is_empty() {
                    return Err(format!(
                        "path template `{template}` has an empty variable `{{}}`"
                    ));
                }
                if !seen.insert(name.to_string()) && !repeats {
                    return Err(format!(
                        "path template `{template}` uses the variable `{name}` twice"
                    ));
                }
                parts.push(PathPart::Variable(name.to_string()));
                rest = &after[end + 1..];
            }
        }
    }
    Ok(PathTemplate {
        template: template.to_string(),
        parts,
    })
}

/// Picks the media type whose schema becomes the body type: JSON if offered.
fn pick_media(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&String, &MediaType)> {
    content
        .iter()
        .find(|(ct, _)| is_json(ct))
        .or_else(|| content.iter().next())
}

/// A media type without its parameters, in lower case: `Application/JSON; charset=x` is
/// `application/json`.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(content_type: &str) -> bool {
    let essence = essence(content_type);
    essence == "application/json" || essence.ends_with("+json")
}

/// Converts operation parameters (path-level first, then operation-level overriding by
/// name and location).
pub(crate) fn parameters(
    raw: &Value,
    types: &mut TypeBuilder<'_>,
    lists: &[(&[ReferenceOr<Parameter>], String)],
    hint: &str,
    diags: &mut Diagnostics,
) -> Vec<IrParameter> {
    let mut collected: Vec<(Parameter, String)> = Vec::new();
    for (list, pointer) in lists {
        for (i, item) in list.iter().enumerate() {
            let at = push_pointer(pointer, &i.to_string());
            match resolve(raw, item, &at) {
                Ok((param, defined_at)) => {
                    let key = (param.parameter_data_ref().name.clone(), location(&param));
                    collected
                        .retain(|(p, _)| (p.parameter_data_ref().name.clone(), location(p)) != key);
                    collected.push((param.into_owned(), defined_at));
                }
                Err(e) => diags.push(e),
            }
        }
    }
    let mut scope = Scope::new();
    let mut out = Vec::with_capacity(collected.len());
    for (param, at) in &collected {
        let data = param.parameter_data_ref();
        let loc = location(param);
        let hint = format!("{hint} {}", data.name);
        let (ty, checks) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let p = push_pointer(at, "schema");
                let ty = types.type_ref(schema.into(), &p, &hint, diags);
                (ty, types.checks(schema.into(), &p, diags))
            }
            ParameterSchemaOrContent::Content(content) => match pick_media(content) {
                Some((ct, media)) => match &media.schema {
                    Some(schema) => {
                        let p =
                            push_pointer(&push_pointer(&push_pointer(at, "content"), ct), "schema");
                        let ty = types.type_ref(schema.into(), &p, &hint, diags);
                        (ty, types.checks(schema.into(), &p, diags))
                    }
                    None => (Some(TypeRef::Any), Checks::default()),
                },
                None => {
                    diags.error(push_pointer(at, "content"), "parameter `content` is empty");
                    (None, Checks::default())
                }
            },
        };
        let Some(ty) = ty else { continue };
        let location_word = match loc {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        };
        let name = scope.name_with(&data.name, "param", &|_| Vec::new());
        let name = if name.snake.ends_with(|c: char| c.is_ascii_digit())
            && !data.name.ends_with(|c: char| c.is_ascii_digit())
        {
            // A clash: say where the parameter lives rather than numbering it. Only the
            // Rust name changes: the wire name stays the spec's.
            let located = scope.name(&format!("{} {location_word}", data.name), "param");
            pushgen_ir::Name {
                original: data.name.clone(),
                ..located
            }
        } else {
            name
        };
        let style = style(param);
        out.push(IrParameter {
            name,
            location: loc,
            style,
            // OpenAPI: `explode` defaults to true for `form` and false for every other style.
            explode: data.explode.unwrap_or(style == ParamStyle::Form),
            required: data.required || loc == ParamLocation::Path,
            ty,
            description: data.description.clone(),
            checks,
        });
    }
    out
}

fn style(param: &Parameter) -> ParamStyle {
    use openapiv3::{CookieStyle, HeaderStyle, PathStyle, QueryStyle};
    match param {
        Parameter::Path { style, .. } => match style {
            PathStyle::Simple => ParamStyle::Simple,
            PathStyle::Label => ParamStyle::Label,
            PathStyle::Matrix => ParamStyle::Matrix,
        },
        Parameter::Query { style, .. } => match style {
            QueryStyle::Form => ParamStyle::Form,
            QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
            QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
            QueryStyle::DeepObject => ParamStyle::DeepObject,
        },
        Parameter::Header {
            style: HeaderStyle::Simple,
            ..
        } => ParamStyle::Simple,
        Parameter::Cookie {
            style: CookieStyle::Form,
            ..
        } => ParamStyle::Form,
    }
}

/// Every media type of a `content` map as a [`Body`]; the primary one's type is known.
#[allow(clippy::too_many_arguments)] // the content's context, passed through once
fn all_content(
    types: &mut TypeBuilder<'_>,
    content: &indexmap::IndexMap<String, MediaType>,
    pointer: &str,
    hint: &str,
    primary: Option<&Body>,
    diags: &mut Diagnostics,
) -> Vec<Body> {
    let mut out = Vec::with_capacity(content.len());
    for (content_type, media) in content {
        if let Some(primary) = primary.filter(|p| &p.content_type == content_type) {
            media_examples(
                types,
                media,
                &push_pointer(pointer, content_type),
                &primary.ty,
            );
            out.push(primary.clone());
            continue;
        }
        let ty = match &media.schema {
            Some(schema) => {
                let at = push_pointer(&push_pointer(pointer, content_type), "schema");
                let hint = format!("{hint} {content_type}");
                match types.type_ref(schema.into(), &at, &hint, diags) {
                    Some(ty) => ty,
                    None => continue,
                }
            }
            None => TypeRef::Any,
        };
        media_examples(types, media, &push_pointer(pointer, content_type), &ty);
        out.push(Body {
            content_type: content_type.clone(),
            ty,
        });
    }
    out
}

/// Records a JSON media type's `example` and `examples` (each `value`, through `$ref`s to
/// `components/examples`) as examples of the body's type.
fn media_examples(types: &mut TypeBuilder<'_>, media: &MediaType, pointer: &str, ty: &TypeRef) {
    let content_type = pointer.rsplit('/').next().unwrap_or_default();
    if !is_json(&content_type.replace("~1", "/")) || *ty == TypeRef::Any {
        return;
    }
    if let Some(example) = &media.example {
        types.example(push_pointer(pointer, "example"), ty, example);
    }
    let raw = types.raw();
    let examples_at = push_pointer(pointer, "examples");
    for (name, example) in &media.examples {
        let (value, at) = match example {
            ReferenceOr::Item(example) => (
                example.value.as_ref(),
                push_pointer(&push_pointer(&examples_at, name), "value"),
            ),
            ReferenceOr::Reference { reference } => {
                let Ok(target) = crate::schema::local_pointer(reference) else {
                    continue;
                };
                (
                    raw.pointer(&target).and_then(|e| e.get("value")),
                    push_pointer(&target, "value"),
                )
            }
        };
        if let Some(value) = value {
            types.example(at, ty, value);
        }
    }
}

fn location(param: &Parameter) -> ParamLocation {
    match param {
        Parameter::Path { .. } => ParamLocation::Path,
        Parameter::Query { .. } => ParamLocation::Query,
        Parameter::Header { .. } => ParamLocation::Header,
        Parameter::Cookie { .. } => ParamLocation::Cookie,
    }
}

/// The request body, if any.
pub(crate) fn request_body(
    raw: &Value,
    types: &mut TypeBuilder<'_>,
    body: &ReferenceOr<openapiv3::RequestBody>,
    pointer: &str,
    hint: &str,
    diags: &mut Diagnostics,
) -> Option<RequestBody> {
    let (body, at) = match resolve(raw, body, pointer) {
        Ok(found) => found,
        Err(e) => {
            diags.push(e);
            return None;
        }
    };
    // A body without `content` (invalid, but found in real specs) says nothing to send.
    let (content_type, media) = pick_media(&body.content)?;
    let mut checks = Checks::default();
    let ty = match &media.schema {
        Some(schema) => {
            let p = push_pointer(
                &push_pointer(&push_pointer(&at, "content"), content_type),
                "schema",
            );
            let ty = types.type_ref(schema.into(), &p, &format!("{hint} request"), diags)?;
            checks = types.checks(schema.into(), &p, diags);
            ty
        }
        None => TypeRef::Any,
    };
    let primary = Body {
        content_type: content_type.clone(),
        ty: ty.clone(),
    };
    let content = all_content(
        types,
        &body.content,
        &push_pointer(&at, "content"),
        &format!("{hint} request"),
        Some(&primary),
        diags,
    );
    Some(RequestBody {
        required: body.required,
        content_type: content_type.clone(),
        ty,
        description: body.description.clone(),
        content,
        checks,
    })
}

/// A response set (an operation's, or a push item's), in the order written, `default` last.
pub(crate) fn responses(
    raw: &Value,
    types: &mut TypeBuilder<'_>,
    responses: &openapiv3::Responses,
    pointer: &str,
    hint: &str,
    diags: &mut Diagnostics,
) -> Vec<Response> {
    let mut scope = Scope::new();
    let mut out = Vec::new();
    let entries = responses
        .responses
        .iter()
        .map(|(code, r)| {
            let status = match code {
                StatusCode::Code(c) => StatusMatch::Code(*c),
                StatusCode::Range(r) => StatusMatch::Range(*r as u8),
            };
            (status, code.to_string(), r)
        })
        .chain(
            responses
                .default
                .iter()
                .map(|r| (StatusMatch::Default, "default".to_string(), r)),
        );
    for (status, key, response) in entries {
        let at = push_pointer(pointer, &key);
        if let StatusMatch::Code(c) = status
            && !(100..=599).contains(&c)
        {
            diags.error(&at, format!("`{c}` is not an HTTP status code"));
            continue;
        }
        let (response, at) = match resolve(raw, response, &at) {
            Ok(found) => found,
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        let name = scope.name(&status_name(status), "Status");
        let hint = format!("{hint} {}", name.camel);
        let mut header_scope = Scope::new();
        let mut headers = Vec::new();
        for (header_name, header) in &response.headers {
            let hat = push_pointer(&push_pointer(&at, "headers"), header_name);
            let (header, hat) = match resolve(raw, header, &hat) {
                Ok(found) => found,
                Err(e) => {
                    diags.push(e);
                    continue;
                }
            };
            let ty = match &header.format {
                ParameterSchemaOrContent::Schema(schema) => types.type_ref(
                    SchemaRef::from(schema),
                    &push_pointer(&hat, "schema"),
                    &format!("{hint} {header_name}"),
                    diags,
                ),
                ParameterSchemaOrContent::Content(_) => Some(TypeRef::Scalar(Scalar::String)),
            };
            let Some(ty) = ty else { continue };
            let lower = header_name.to_ascii_lowercase();
            if !is_token(&lower) {
                diags.error(
                    hat,
                    format!("`{header_name}` is not a valid HTTP header name"),
                );
                continue;
            }
            headers.push(Header {
                name: header_scope.name(&lower, "header"),
                required: header.required,
                ty,
                description: header.description.clone(),
            });
        }
        let body = match pick_media(&response.content) {
            None => None,
            Some((content_type, media)) => {
                let ty = match &media.schema {
                    Some(schema) => {
                        let p = push_pointer(
                            &push_pointer(&push_pointer(&at, "content"), content_type),
                            "schema",
                        );
                        match types.type_ref(schema.into(), &p, &format!("{hint} body"), diags) {
                            Some(ty) => ty,
                            None => continue,
                        }
                    }
                    None => TypeRef::Any,
                };
                Some(Body {
                    content_type: content_type.clone(),
                    ty,
                })
            }
        };
        let content = all_content(
            types,
            &response.content,
            &push_pointer(&at, "content"),
            &format!("{hint} body"),
            body.as_ref(),
            diags,
        );
        out.push(Response {
            status,
            name,
            description: response.description.clone(),
            headers,
            body,
            content,
        });
    }
    out
}

/// HTTP token characters (RFC 9110), which header names must be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A readable variant name for a status: its reason phrase where well known.
fn status_name(status: StatusMatch) -> String {
    match status {
        StatusMatch::Default => "Default".into(),
        StatusMatch::Range(d) => format!("Status {d}xx"),
        StatusMatch::Code(code) => match code {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            203 => "Non Authoritative Information",
            204 => "No Content",
            205 => "Reset Content",
            206 => "Partial Content",
            301 => "Moved Permanently",
            302 => "Found",
            303 => "See Other",
            304 => "Not Modified",
            307 => "Temporary Redirect",
            308 => "Permanent Redirect",
            400 => "Bad Request",
            401 => "Unauthorized",
            402 => "Payment Required",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            406 => "Not Acceptable",
            408 => "Request Timeout",
            409 => "Conflict",
            410 => "Gone",
            411 => "Length Required",
            412 => "Precondition Failed",
            413 => "Content Too Large",
            415 => "Unsupported Media Type",
            422 => "Unprocessable Entity",
            423 => "Locked",
            428 => "Precondition Required",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            501 => "Not Implemented",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => return format!("Status {code}"),
        }
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_and_refuse_bad_braces() {
        let t = parse_template("/consumers/{consumerId}/events/{offset}", false).unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["consumerId", "offset"]);
        assert!(parse_template("/a/{b", false).is_err());
        assert!(parse_template("/a/b}", false).is_err());
        assert!(parse_template("/a/{}", false).is_err());
        assert!(parse_template("/a/{x}/{x}", false).is_err());
        assert!(parse_template("/a/{x}/{x}", true).is_ok());
        assert!(parse_template("/a/{x{y}}", false).is_err());
    }
}

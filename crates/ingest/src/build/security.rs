//! Security schemes and requirements.

use crate::error::{Diagnostics, push_pointer};
use crate::operation;

/// A `security` list at `pointer`. A requirement naming a scheme that
/// `components/securitySchemes` does not define is an error: no credential could
/// satisfy it, and dropping it could open what the spec means to close.
pub(super) fn requirements(
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

pub(super) fn security_schemes(
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

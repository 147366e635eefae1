//! Enforcing an operation's security before its handler runs.
//!
//! A generated handler of a secured operation calls [`authenticate`] (or
//! [`authenticate_optional`], where the spec lets anonymous callers in) with the
//! request, the operation's [`Security`] and the API trait's `authenticate` method.
//! Requirements are tried in the spec's order; for each one whose credentials the request
//! carries, every credential is extracted and handed over at once in an [`Attempt`].
//! The first attempt the method accepts lets the handler run with its identity.
//! Otherwise the request is refused, and the handler never runs: `403` when the method
//! said so for some attempt, else `401` with a `WWW-Authenticate` challenge for every
//! scheme the operation accepts.

use super::incoming::{Incoming, Rejection};
use crate::auth::{Credential, KeyLocation, Need, Requirement, Scheme, SchemeKind, Security};
use axum::response::Response;
use http::header;
use std::fmt;
use std::future::Future;

/// One credential a request presents, for one scheme of a requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub scheme: &'static Scheme,
    pub credential: Credential,
    /// The scopes (or roles) the requirement needs of this scheme: the method must check
    /// that the credential grants them.
    pub scopes: &'static [&'static str],
}

/// The credentials a request presents for one requirement of an operation: every scheme
/// the requirement names, each with the scopes it needs. Accept it only when all of them
/// hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    operation: &'static str,
    presented: Vec<Presented>,
}

impl Attempt {
    /// The operation being called, by its `operationId` (or the name pushgen gave it).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Every credential of the requirement, in the spec's order (one, unless the
    /// requirement combines schemes).
    pub fn presented(&self) -> &[Presented] {
        &self.presented
    }

    /// The credential presented for the scheme called `scheme` (its key in
    /// `components/securitySchemes`), if this requirement names it.
    pub fn credential(&self, scheme: &str) -> Option<&Credential> {
        self.find(scheme).map(|p| &p.credential)
    }

    /// The scopes the requirement needs of `scheme` (empty if it names none).
    pub fn scopes(&self, scheme: &str) -> &'static [&'static str] {
        self.find(scheme).map_or(&[], |p| p.scopes)
    }

    fn find(&self, scheme: &str) -> Option<&Presented> {
        self.presented.iter().find(|p| p.scheme.name == scheme)
    }
}

/// Why credentials were not accepted: `401` (missing, unknown, expired: the caller may
/// try again with others) or `403` (the caller is known and may not do this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    status: u16,
    message: String,
}

impl Refusal {
    /// `401 Unauthorized`: the credentials do not identify anyone.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Refusal {
            status: 401,
            message: message.into(),
        }
    }

    /// `403 Forbidden`: the credentials identify a caller who may not do this (a scope
    /// it lacks, say).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Refusal {
            status: 403,
            message: message.into(),
        }
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for Refusal {}

/// Authenticates a request for an operation that anonymous callers may not use: the
/// identity the first accepted [`Attempt`] gives, or the refusal to answer with.
pub async fn authenticate<I, F, Fut>(
    request: &Incoming,
    operation: &'static str,
    security: &Security,
    check: F,
) -> Result<I, Response>
where
    F: Fn(Attempt) -> Fut,
    Fut: Future<Output = Result<I, Refusal>>,
{
    match authenticate_optional(request, operation, security, check).await? {
        Some(identity) => Ok(identity),
        // Only a security that lets anonymous callers in gets here, and generated code
        // does not call this for one; refuse all the same.
        None => Err(challenge(
            security,
            "this operation needs credentials".into(),
        )),
    }
}

/// Authenticates a request for an operation that anonymous callers may also use (one of
/// its requirements is empty): `None` when the request presents no credentials for any
/// scheme. Credentials that are presented and refused are refused, not ignored.
pub async fn authenticate_optional<I, F, Fut>(
    request: &Incoming,
    operation: &'static str,
    security: &Security,
    check: F,
) -> Result<Option<I>, Response>
where
    F: Fn(Attempt) -> Fut,
    Fut: Future<Output = Result<I, Refusal>>,
{
    let mut refused: Option<Refusal> = None;
    for requirement in security.requirements {
        if requirement.is_empty() {
            continue;
        }
        let presented = match extract(request, requirement) {
            Ok(Some(presented)) => presented,
            Ok(None) => continue,
            Err(malformed) => {
                refused.get_or_insert(Refusal::unauthenticated(malformed));
                continue;
            }
        };
        match check(Attempt {
            operation,
            presented,
        })
        .await
        {
            Ok(identity) => return Ok(Some(identity)),
            // A `403` says more than a `401` about why the caller may not go on.
            Err(refusal) => match &refused {
                Some(earlier) if earlier.status == 403 => {}
                _ => refused = Some(refusal),
            },
        }
    }
    match refused {
        Some(refusal) if refusal.status == 403 => {
            Err(Rejection::new(403, refusal.message).into_response())
        }
        Some(refusal) => Err(challenge(security, refusal.message)),
        None if security.allows_anonymous() => Ok(None),
        None => Err(challenge(security, missing(security))),
    }
}

/// The credentials of every scheme of `requirement`: `None` if one is missing, `Err` if
/// one is there but malformed.
fn extract(request: &Incoming, requirement: Requirement) -> Result<Option<Vec<Presented>>, String> {
    let mut presented = Vec::with_capacity(requirement.len());
    for need in requirement {
        match credential(request, need)? {
            Some(credential) => presented.push(Presented {
                scheme: need.scheme,
                credential,
                scopes: need.scopes,
            }),
            None => return Ok(None),
        }
    }
    Ok(Some(presented))
}

fn credential(request: &Incoming, need: &Need) -> Result<Option<Credential>, String> {
    let kind = &need.scheme.kind;
    if let SchemeKind::ApiKey { location, name } = kind {
        let key = match location {
            KeyLocation::Header => match request.headers().get(*name) {
                Some(value) => Some(
                    value
                        .to_str()
                        .map_err(|_| format!("the API key in header `{name}` is not text"))?
                        .to_string(),
                ),
                None => None,
            },
            KeyLocation::Query => request.query_values(name).into_iter().next(),
            KeyLocation::Cookie => request.cookie_value(name).map(str::to_string),
        };
        return Ok(key.filter(|k| !k.is_empty()).map(Credential::ApiKey));
    }
    for value in request.headers().get_all(header::AUTHORIZATION) {
        let Ok(value) = value.to_str() else {
            return Err("the `Authorization` header is not text".into());
        };
        if let Some(read) = Credential::from_authorization(kind, value) {
            return read.map(Some).map_err(str::to_string);
        }
    }
    Ok(None)
}

fn missing(security: &Security) -> String {
    let wanted: Vec<String> = security
        .requirements
        .iter()
        .map(|requirement| {
            requirement
                .iter()
                .map(|need| describe(need.scheme))
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    format!("this operation needs credentials: {}", wanted.join(", or "))
}

/// Where a scheme's credential goes, for a person reading a refusal.
fn describe(scheme: &Scheme) -> String {
    match scheme.kind {
        SchemeKind::ApiKey { location, name } => {
            let place = match location {
                KeyLocation::Header => "header",
                KeyLocation::Query => "query parameter",
                KeyLocation::Cookie => "cookie",
            };
            format!("an API key in {place} `{name}` ({})", scheme.name)
        }
        kind => format!(
            "`Authorization: {} …` ({})",
            kind.authorization().unwrap_or("?"),
            scheme.name
        ),
    }
}

/// `401` with one challenge per scheme the operation accepts. Schemes that travel in
/// `Authorization` challenge with their own name (with `scope` for OAuth 2.0 and OpenID
/// Connect, RFC 6750 section 3); an API key, which has no registered scheme, with
/// `ApiKey` and where it goes (`in`, `name`), so a client can still tell.
fn challenge(security: &Security, message: String) -> Response {
    let challenges: Vec<String> = security
        .schemes()
        .into_iter()
        .map(|scheme| {
            let realm = quoted(scheme.realm);
            match scheme.kind {
                SchemeKind::ApiKey { location, name } => {
                    let place = match location {
                        KeyLocation::Header => "header",
                        KeyLocation::Query => "query",
                        KeyLocation::Cookie => "cookie",
                    };
                    format!(
                        "ApiKey realm={realm}, in=\"{place}\", name={}",
                        quoted(name)
                    )
                }
                SchemeKind::OAuth2 | SchemeKind::OpenIdConnect => {
                    let scopes = scopes_of(security, scheme);
                    if scopes.is_empty() {
                        format!("Bearer realm={realm}")
                    } else {
                        format!("Bearer realm={realm}, scope={}", quoted(&scopes.join(" ")))
                    }
                }
                kind => format!("{} realm={realm}", kind.authorization().unwrap_or("Bearer")),
            }
        })
        .collect();
    let mut rejection = Rejection::new(401, message);
    rejection.www_authenticate = Some(challenges.join(", "));
    rejection.into_response()
}

/// Every scope any requirement needs of `scheme`, each once.
fn scopes_of(security: &Security, scheme: &Scheme) -> Vec<&'static str> {
    let mut out = Vec::new();
    for need in security.requirements.iter().flat_map(|r| r.iter()) {
        if need.scheme.name == scheme.name {
            for scope in need.scopes {
                if !out.contains(scope) {
                    out.push(*scope);
                }
            }
        }
    }
    out
}

/// A quoted-string (RFC 9110, section 5.6.4), dropping what a header cannot carry.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c == '\t' || (' '..='~').contains(&c) => out.push(c),
            _ => {}
        }
    }
    out.push('"');
    out
}

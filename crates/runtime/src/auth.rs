//! Security schemes, as generated code declares them, and the credentials that satisfy
//! them: what the server extracts from a request ([`crate::server::Attempt`]) and what a
//! client attaches to one ([`crate::client::Credentials`]).
//!
//! An operation's [`Security`] is the spec's `security` list: any one [`Requirement`]
//! satisfies it, and a requirement needs every scheme it names, each with its scopes. An
//! empty requirement (`{}` in the spec) lets a caller without credentials through; an
//! empty list (`security: []`) secures nothing.

use base64::Engine;
use std::fmt;

/// A scheme of `components/securitySchemes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    /// The scheme's key in `components/securitySchemes`.
    pub name: &'static str,
    pub kind: SchemeKind,
    /// The protection space sent in challenges (`realm="…"`): the API's title.
    pub realm: &'static str,
}

/// How a scheme's credential travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    /// HTTP `bearer`: `Authorization: Bearer <token>`.
    Bearer,
    /// HTTP `basic`: `Authorization: Basic <base64 of user:password>`.
    Basic,
    /// Another HTTP scheme (`digest`, …): `Authorization: <scheme> <value>`, the value
    /// handed over as it came.
    Http(&'static str),
    /// An API key in a header, query parameter or cookie called `name`.
    ApiKey {
        location: KeyLocation,
        name: &'static str,
    },
    /// OAuth 2.0: an access token, sent as a bearer token (RFC 6750).
    OAuth2,
    /// OpenID Connect: an ID or access token, sent as a bearer token.
    OpenIdConnect,
}

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLocation {
    Header,
    Query,
    Cookie,
}

impl SchemeKind {
    /// The `Authorization` scheme this kind sends, if it sends one.
    #[cfg_attr(
        not(any(feature = "client", feature = "server")),
        allow(dead_code, reason = "clients send it and servers read it")
    )]
    pub(crate) fn authorization(&self) -> Option<&'static str> {
        match self {
            SchemeKind::Bearer | SchemeKind::OAuth2 | SchemeKind::OpenIdConnect => Some("Bearer"),
            SchemeKind::Basic => Some("Basic"),
            SchemeKind::Http(scheme) => Some(scheme),
            SchemeKind::ApiKey { .. } => None,
        }
    }
}

/// One scheme of a requirement, with the scopes (OAuth 2.0, OpenID Connect) or roles
/// (any other kind, OpenAPI 3.1) it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub scheme: &'static Scheme,
    pub scopes: &'static [&'static str],
}

/// Schemes that must all be satisfied at once.
pub type Requirement = &'static [Need];

/// An operation's security: any one of `requirements` satisfies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Security {
    pub requirements: &'static [Requirement],
}

impl Security {
    /// No security at all (`security: []`, or none declared).
    pub const NONE: Security = Security { requirements: &[] };

    /// Whether a caller with no credentials is let through: there are no requirements,
    /// or one of them is empty.
    pub fn allows_anonymous(&self) -> bool {
        self.requirements.is_empty() || self.requirements.iter().any(|r| r.is_empty())
    }

    /// Every scheme the requirements name, each once, in order.
    pub fn schemes(&self) -> Vec<&'static Scheme> {
        let mut out: Vec<&'static Scheme> = Vec::new();
        for need in self.requirements.iter().flat_map(|r| r.iter()) {
            if !out.iter().any(|s| s.name == need.scheme.name) {
                out.push(need.scheme);
            }
        }
        out
    }
}

/// A credential, as presented for one scheme. `Debug` does not show the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A bearer token (HTTP `bearer`, OAuth 2.0, OpenID Connect).
    Bearer(String),
    /// A user name and password (HTTP `basic`).
    Basic { user: String, password: String },
    /// An API key.
    ApiKey(String),
    /// The value after the scheme name in `Authorization`, for other HTTP schemes.
    Http(String),
}

impl Credential {
    /// The secret itself: the token, the key, the password.
    pub fn secret(&self) -> &str {
        match self {
            Credential::Bearer(s) | Credential::ApiKey(s) | Credential::Http(s) => s,
            Credential::Basic { password, .. } => password,
        }
    }

    /// The value of `Authorization` that carries this credential for `kind`.
    #[cfg_attr(
        not(feature = "client"),
        allow(dead_code, reason = "a client sends it")
    )]
    pub(crate) fn authorization(&self, kind: &SchemeKind) -> Option<String> {
        let scheme = kind.authorization()?;
        Some(match self {
            Credential::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
            other => format!("{scheme} {}", other.secret()),
        })
    }

    /// Reads the value of an `Authorization` header for `kind`: `None` when it is for
    /// another scheme, `Err` when it is for this one but malformed.
    #[cfg_attr(
        not(feature = "server"),
        allow(dead_code, reason = "a server reads it")
    )]
    pub(crate) fn from_authorization(
        kind: &SchemeKind,
        value: &str,
    ) -> Option<Result<Credential, &'static str>> {
        let scheme = kind.authorization()?;
        let (given, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
        // Auth scheme names are case-insensitive (RFC 9110, section 11.1).
        if !given.eq_ignore_ascii_case(scheme) {
            return None;
        }
        let rest = rest.trim();
        if rest.is_empty() {
            return Some(Err("the `Authorization` header has no credential"));
        }
        Some(Ok(match kind {
            SchemeKind::Basic => {
                let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest) else {
                    return Some(Err("the `Basic` credential is not base64"));
                };
                let Ok(decoded) = String::from_utf8(decoded) else {
                    return Some(Err("the `Basic` credential is not UTF-8"));
                };
                let Some((user, password)) = decoded.split_once(':') else {
                    return Some(Err("the `Basic` credential has no `:`"));
                };
                Credential::Basic {
                    user: user.to_string(),
                    password: password.to_string(),
                }
            }
            SchemeKind::Http(_) => Credential::Http(rest.to_string()),
            _ => Credential::Bearer(rest.to_string()),
        }))
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Bearer(_) => f.write_str("Bearer(…)"),
            Credential::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"…")
                .finish(),
            Credential::ApiKey(_) => f.write_str("ApiKey(…)"),
            Credential::Http(_) => f.write_str("Http(…)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_round_trips_and_refuses_what_is_malformed() {
        let basic = Credential::Basic {
            user: "ada".into(),
            password: "p:w".into(),
        };
        let header = basic.authorization(&SchemeKind::Basic).unwrap();
        assert_eq!(header, "Basic YWRhOnA6dw==");
        assert_eq!(
            Credential::from_authorization(&SchemeKind::Basic, &header),
            Some(Ok(basic))
        );
        assert_eq!(
            Credential::from_authorization(&SchemeKind::OAuth2, "bearer  tok "),
            Some(Ok(Credential::Bearer("tok".into())))
        );
        assert_eq!(
            Credential::from_authorization(&SchemeKind::Bearer, "Basic abc"),
            None
        );
        assert!(matches!(
            Credential::from_authorization(&SchemeKind::Basic, "Basic !!!"),
            Some(Err(_))
        ));
        assert!(matches!(
            Credential::from_authorization(&SchemeKind::Bearer, "Bearer"),
            Some(Err(_))
        ));
        assert_eq!(
            Credential::from_authorization(&SchemeKind::Http("Digest"), "digest a=b"),
            Some(Ok(Credential::Http("a=b".into())))
        );
        assert_eq!(
            format!("{:?}", Credential::Bearer("secret".into())),
            "Bearer(…)"
        );
    }
}

//! What a client adds to every request it sends: credentials for the spec's security
//! schemes (each set once on the client), default headers, and a hook that sees the
//! finished request.

use crate::auth::{Credential, KeyLocation, Scheme, SchemeKind, Security};
use std::fmt;
use std::sync::Arc;

/// A hook that may change every request just before it is sent (sign it, add a trace
/// header, …).
pub type RequestHook = Arc<dyn Fn(&mut reqwest::Request) + Send + Sync>;

/// The client's credentials, default headers and request hook, shared by its clones.
#[derive(Clone, Default)]
pub struct Credentials {
    credentials: Vec<(&'static Scheme, Credential)>,
    headers: reqwest::header::HeaderMap,
    hook: Option<RequestHook>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field(
                "schemes",
                &self
                    .credentials
                    .iter()
                    .map(|(s, _)| s.name)
                    .collect::<Vec<_>>(),
            )
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("hook", &self.hook.is_some())
            .finish()
    }
}

/// Where a credential goes in a request.
pub(super) enum Placed {
    Header(String, String),
    Query(String, String),
    Cookie(String, String),
}

impl Credentials {
    /// Sets (or replaces) the credential for `scheme`.
    pub fn set(&mut self, scheme: &'static Scheme, credential: Credential) {
        self.credentials.retain(|(s, _)| s.name != scheme.name);
        self.credentials.push((scheme, credential));
    }

    /// Sent with every request unless the call sets the same header itself.
    pub fn set_default_headers(&mut self, headers: reqwest::header::HeaderMap) {
        self.headers = headers;
    }

    pub fn set_hook(&mut self, hook: RequestHook) {
        self.hook = Some(hook);
    }

    fn get(&self, scheme: &Scheme) -> Option<&Credential> {
        self.credentials
            .iter()
            .find(|(s, _)| s.name == scheme.name)
            .map(|(_, c)| c)
    }

    /// The credentials to send for `security`: those of the first requirement all of
    /// whose schemes have one, preferring a requirement that sends something to an
    /// empty one. None when no requirement can be met: the request goes without, and
    /// the server says what it wants.
    pub(super) fn for_security(&self, security: &Security) -> Vec<Placed> {
        let met = security
            .requirements
            .iter()
            .filter(|r| !r.is_empty())
            .find(|r| r.iter().all(|need| self.get(need.scheme).is_some()));
        let Some(requirement) = met else {
            return Vec::new();
        };
        requirement
            .iter()
            .filter_map(|need| {
                let credential = self.get(need.scheme)?;
                Some(match need.scheme.kind {
                    SchemeKind::ApiKey { location, name } => {
                        let value = credential.secret().to_string();
                        match location {
                            KeyLocation::Header => Placed::Header(name.into(), value),
                            KeyLocation::Query => Placed::Query(name.into(), value),
                            KeyLocation::Cookie => Placed::Cookie(name.into(), value),
                        }
                    }
                    kind => {
                        Placed::Header("authorization".into(), credential.authorization(&kind)?)
                    }
                })
            })
            .collect()
    }

    /// Adds the default headers the request lacks, then runs the hook.
    pub(super) fn finish(&self, request: &mut reqwest::Request) {
        for (name, value) in &self.headers {
            if !request.headers().contains_key(name) {
                request.headers_mut().insert(name.clone(), value.clone());
            }
        }
        if let Some(hook) = &self.hook {
            hook(request);
        }
    }

    /// Whether [`Credentials::finish`] has anything to do.
    pub(super) fn finishes(&self) -> bool {
        !self.headers.is_empty() || self.hook.is_some()
    }
}

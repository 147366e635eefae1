//! Security: the spec's schemes as constants of the runtime's `auth::Scheme` (in
//! `operations::schemes`), and each secured operation's requirements as its
//! `operations::<op>::SECURITY`, which the server enforces and the client follows.

use crate::docs::doc;
use crate::ident::ident;
use crate::runtime::RT;
use proc_macro2::{Ident, TokenStream};
use pushgen_ir::{
    Api, Operation, ParamLocation, SecurityKind, SecurityRequirement, SecurityScheme,
};
use quote::quote;

/// The API's schemes, each with the name of its constant, and the document's default
/// requirements.
pub struct Security<'a> {
    api: &'a Api,
    /// The schemes some operation uses, in the spec's order, with their constants'
    /// names (text: a plan is shared by the threads that render, and idents are not
    /// `Sync`).
    used: Vec<(&'a SecurityScheme, String)>,
    /// Whether some operation follows the document's default requirements: then they
    /// are written once, as `schemes::DEFAULT`, and such operations' `SECURITY` is it.
    default: bool,
}

/// The constant of the document's default requirements, beside the schemes'.
const DEFAULT: &str = "DEFAULT";

impl<'a> Security<'a> {
    pub fn new(api: &'a Api) -> Self {
        let mut used: Vec<(&SecurityScheme, String)> = Vec::new();
        let mut taken: Vec<String> = vec![DEFAULT.to_string()];
        for scheme in &api.security_schemes {
            let named = api.operations.iter().any(|op| {
                requirements_of(api, op)
                    .iter()
                    .any(|r| r.iter().any(|(name, _)| *name == scheme.name))
            });
            if !named {
                continue;
            }
            let base = shouty(&scheme.name);
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            taken.push(name.clone());
            used.push((scheme, name));
        }
        let default =
            !api.security.is_empty() && api.operations.iter().any(|op| op.security.is_none());
        Security { api, used, default }
    }

    /// Whether any operation is secured: then the server trait authenticates.
    pub fn any(&self) -> bool {
        self.api.operations.iter().any(|op| self.secures(op))
    }

    /// Whether `op` has requirements to enforce.
    pub fn secures(&self, op: &Operation) -> bool {
        !requirements_of(self.api, op).is_empty()
    }

    /// Whether a caller without credentials may use `op` all the same (one of its
    /// requirements is empty), so that its handler gets an `Option` of the identity.
    pub fn anonymous(&self, op: &Operation) -> bool {
        requirements_of(self.api, op).iter().any(|r| r.is_empty())
    }

    /// The schemes the client has a setter for: every one an operation names.
    pub fn schemes(&self) -> impl Iterator<Item = (&'a SecurityScheme, Ident)> + '_ {
        self.used
            .iter()
            .map(|(scheme, name)| (*scheme, ident(name)))
    }

    /// `pub mod schemes` of `operations.rs`: a constant per scheme in use, and the
    /// document's default requirements when an operation follows them.
    pub fn module(&self) -> TokenStream {
        if self.used.is_empty() && !self.default {
            return TokenStream::new();
        }
        let realm = &self.api.title;
        let consts = self.schemes().map(|(scheme, name)| {
            let docs = scheme.description.as_deref().map(|text| {
                let text = doc(text);
                quote!(#[doc = ""] #text)
            });
            let mut title = format!("The `{}` scheme: {}.", scheme.name, describe(scheme));
            if let SecurityKind::OpenIdConnect { url } = &scheme.kind {
                title.push_str(&format!(" Its provider's configuration: {url}"));
            }
            let title = doc(&title);
            let key = &scheme.name;
            let kind = kind(scheme);
            quote! {
                #title
                #docs
                pub const #name: Scheme = Scheme { name: #key, kind: #kind, realm: #realm };
            }
        });
        let key_location = self
            .used
            .iter()
            .any(|(s, _)| matches!(s.kind, SecurityKind::ApiKey { .. }));
        let default = self.default.then(|| {
            let text = doc(&format!(
                "The document's default `security`, which every operation without its own \
                 follows: {}.",
                described(&self.api.security)
            ));
            let requirements = self.requirements(&self.api.security, true);
            let name = ident(DEFAULT);
            quote! {
                #text
                pub const #name: Security = #requirements;
            }
        });
        // What the module names: an unused import would warn in the user's build.
        let mut names = Vec::new();
        if key_location {
            names.push(quote!(KeyLocation));
        }
        if self.default && self.api.security.iter().any(|r| !r.is_empty()) {
            names.push(quote!(Need));
        }
        if !self.used.is_empty() {
            names.push(quote!(Scheme));
            names.push(quote!(SchemeKind));
        }
        if self.default {
            names.push(quote!(Security));
        }
        quote! {
            /// The security schemes the operations use (`components/securitySchemes`).
            pub mod schemes {
                use #RT::auth::{#(#names),*};

                #(#consts)*
                #default
            }
        }
    }

    /// `pub const SECURITY` of a secured operation's module; nothing for another.
    pub fn constant(&self, op: &Operation) -> TokenStream {
        let requirements = requirements_of(self.api, op);
        if requirements.is_empty() {
            return TokenStream::new();
        }
        let accepted = described(requirements);
        if op.security.is_none() && self.default {
            let text = doc(&format!(
                "The credentials `{}` accepts: the document's default ({accepted}).",
                op.label()
            ));
            let name = ident(DEFAULT);
            return quote! {
                #text
                pub const SECURITY: auth::Security = super::schemes::#name;
            };
        }
        let text = doc(&format!(
            "The credentials `{}` accepts: {accepted}.",
            op.label()
        ));
        let requirements = self.requirements(requirements, false);
        quote! {
            #text
            pub const SECURITY: auth::Security = #requirements;
        }
    }

    /// An `auth::Security` value of `requirements`: written in an operation's module, or
    /// (`in_schemes`) in `schemes` itself, beside the schemes' constants.
    fn requirements(&self, requirements: &[SecurityRequirement], in_schemes: bool) -> TokenStream {
        let (auth, schemes) = if in_schemes {
            (quote!(), quote!())
        } else {
            (quote!(auth::), quote!(super::schemes::))
        };
        let alternatives = requirements.iter().map(|requirement| {
            let needs = requirement.iter().filter_map(|(scheme, scopes)| {
                // Ingest refuses a requirement naming an undefined scheme.
                let (_, name) = self.used.iter().find(|(s, _)| s.name == *scheme)?;
                let name = ident(name);
                Some(quote!(#auth Need { scheme: &#schemes #name, scopes: &[#(#scopes),*] }))
            });
            quote!(&[#(#needs),*])
        });
        quote!(#auth Security { requirements: &[#(#alternatives),*] })
    }
}

/// `requirements` in words: "`a`, or `b` and `c` together".
fn described(requirements: &[SecurityRequirement]) -> String {
    let described: Vec<String> = requirements
        .iter()
        .map(|requirement| {
            if requirement.is_empty() {
                return "no credentials".to_string();
            }
            let schemes: Vec<String> = requirement
                .iter()
                .map(|(scheme, scopes)| match scopes.as_slice() {
                    [] => format!("`{scheme}`"),
                    scopes => format!("`{scheme}` (scopes `{}`)", scopes.join("`, `")),
                })
                .collect();
            match schemes.as_slice() {
                [one] => one.clone(),
                many => format!("{} together", many.join(" and ")),
            }
        })
        .collect();
    described.join(", or ")
}

/// An operation's own `security`, else the document's.
fn requirements_of<'a>(api: &'a Api, op: &'a Operation) -> &'a [SecurityRequirement] {
    op.security.as_deref().unwrap_or(&api.security)
}

/// What an `http` scheme's credential is: its name is compared as RFC 9110 says,
/// without case.
pub enum Http<'a> {
    Bearer,
    Basic,
    Other(&'a str),
}

pub fn http(scheme: &str) -> Http<'_> {
    if scheme.eq_ignore_ascii_case("bearer") {
        Http::Bearer
    } else if scheme.eq_ignore_ascii_case("basic") {
        Http::Basic
    } else {
        Http::Other(scheme)
    }
}

fn kind(scheme: &SecurityScheme) -> TokenStream {
    match &scheme.kind {
        SecurityKind::ApiKey { location, name } => {
            let location = match location {
                ParamLocation::Query => quote!(Query),
                ParamLocation::Cookie => quote!(Cookie),
                // A key "in path" is not OpenAPI; a header is what such specs mean.
                ParamLocation::Header | ParamLocation::Path => quote!(Header),
            };
            quote!(SchemeKind::ApiKey { location: KeyLocation::#location, name: #name })
        }
        SecurityKind::Http { scheme, .. } => match http(scheme) {
            Http::Bearer => quote!(SchemeKind::Bearer),
            Http::Basic => quote!(SchemeKind::Basic),
            Http::Other(scheme) => quote!(SchemeKind::Http(#scheme)),
        },
        SecurityKind::OAuth2 => quote!(SchemeKind::OAuth2),
        SecurityKind::OpenIdConnect { .. } => quote!(SchemeKind::OpenIdConnect),
    }
}

/// How a scheme's credential travels, for docs.
pub fn describe(scheme: &SecurityScheme) -> String {
    match &scheme.kind {
        SecurityKind::ApiKey { location, name } => {
            let place = match location {
                ParamLocation::Query => "query parameter",
                ParamLocation::Cookie => "cookie",
                ParamLocation::Header | ParamLocation::Path => "header",
            };
            format!("an API key in the {place} `{name}`")
        }
        SecurityKind::Http {
            scheme,
            bearer_format,
        } => match (http(scheme), bearer_format) {
            (Http::Basic, _) => "a user name and password, as `Authorization: Basic …`".into(),
            (Http::Bearer, Some(format)) => {
                format!("a bearer token ({format}), as `Authorization: Bearer …`")
            }
            (Http::Bearer, None) => "a bearer token, as `Authorization: Bearer …`".into(),
            (Http::Other(scheme), _) => format!("`Authorization: {scheme} …`"),
        },
        SecurityKind::OAuth2 => {
            "an OAuth 2.0 access token, as `Authorization: Bearer …`".to_string()
        }
        SecurityKind::OpenIdConnect { .. } => {
            "an OpenID Connect token, as `Authorization: Bearer …`".to_string()
        }
    }
}

/// `SCREAMING_SNAKE_CASE` of a scheme's key, always a valid identifier.
fn shouty(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_uppercase());
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("SCHEME_{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::shouty;

    #[test]
    fn scheme_constants_are_identifiers() {
        assert_eq!(shouty("ApiKeyAuth"), "API_KEY_AUTH");
        assert_eq!(shouty("bearer"), "BEARER");
        assert_eq!(shouty("oauth2-client"), "OAUTH2_CLIENT");
        assert_eq!(shouty("2fa"), "SCHEME_2FA");
        assert_eq!(shouty("--"), "SCHEME_");
    }
}

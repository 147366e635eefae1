//! Rust types for IR [`TypeRef`]s. The prelude's names are spelled as
//! [`Prelude`](crate::prelude::Prelude) says: short unless a schema named `Option`,
//! `Result`, `Box` or `String` would shadow what generated code means.

use crate::ident::ident;
use crate::prelude::{Prelude, Std};
use crate::runtime::RT;
use proc_macro2::TokenStream;
use pushgen_ir::{Scalar, TypeRef};
use quote::quote;

/// Where the code using the type lives, which decides how named types are spelled, and
/// how the prelude is.
#[derive(Clone, Copy)]
pub struct Site {
    /// Inside `types.rs`, where named types are siblings; elsewhere `types` is in scope
    /// as a module.
    in_types: bool,
    prelude: Prelude,
}

impl Site {
    /// Inside `types.rs`.
    pub fn types(prelude: Prelude) -> Site {
        Site {
            in_types: true,
            prelude,
        }
    }

    /// Elsewhere, with `types` in scope as a module.
    pub fn outside(prelude: Prelude) -> Site {
        Site {
            in_types: false,
            prelude,
        }
    }
}

/// The Rust type for `ty`.
pub fn rust_type(ty: &TypeRef, site: Site) -> TokenStream {
    match ty {
        TypeRef::Scalar(scalar) => scalar_type(*scalar, site.prelude),
        TypeRef::Named(name) => named(name, site),
        TypeRef::Array(item) => {
            let item = rust_type(item, site);
            let vec = site.prelude.path(Std::Vec);
            quote!(#vec<#item>)
        }
        TypeRef::Map(value) => map_of(value, site),
        TypeRef::Any => quote!(::serde_json::Value),
        TypeRef::Nullable(inner) => {
            let inner = rust_type(inner, site);
            let option = site.prelude.path(Std::Option);
            quote!(#option<#inner>)
        }
    }
}

/// The map from property names to `value`s: a `TypeRef::Map`, or a struct's unlisted
/// properties.
pub fn map_of(value: &TypeRef, site: Site) -> TokenStream {
    let value = rust_type(value, site);
    let string = site.prelude.path(Std::String);
    quote!(::std::collections::BTreeMap<#string, #value>)
}

/// Like [`rust_type`], with a direct reference to a named type boxed (recursion).
pub fn boxed_type(ty: &TypeRef, site: Site) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let inner = named(name, site);
            let boxed = site.prelude.path(Std::Box);
            quote!(#boxed<#inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = boxed_type(inner, site);
            let option = site.prelude.path(Std::Option);
            quote!(#option<#inner>)
        }
        other => rust_type(other, site),
    }
}

/// The type of a value that may be absent: `Option<T>`, without doubling an `Option`
/// that `nullable` already put there.
pub fn optional(ty: &TypeRef, boxed: bool, site: Site) -> TokenStream {
    let inner = match ty {
        TypeRef::Nullable(inner) => inner,
        other => other,
    };
    let inner = if boxed {
        boxed_type(inner, site)
    } else {
        rust_type(inner, site)
    };
    let option = site.prelude.path(Std::Option);
    quote!(#option<#inner>)
}

fn named(name: &str, site: Site) -> TokenStream {
    let name = ident(name);
    if site.in_types {
        quote!(#name)
    } else {
        quote!(types::#name)
    }
}

fn scalar_type(scalar: Scalar, prelude: Prelude) -> TokenStream {
    match scalar {
        Scalar::String => prelude.path(Std::String),
        Scalar::Boolean => quote!(bool),
        Scalar::Int32 => quote!(i32),
        Scalar::Int64 => quote!(i64),
        Scalar::Float => quote!(f32),
        Scalar::Double => quote!(f64),
        Scalar::DateTime => {
            quote!(#RT::chrono::DateTime<#RT::chrono::Utc>)
        }
        Scalar::Date => quote!(#RT::chrono::NaiveDate),
        Scalar::Uuid => quote!(#RT::uuid::Uuid),
        Scalar::Base64 => quote!(#RT::formats::Base64),
    }
}

/// `Some(style, explode)` for a parameter whose style is not its location's default
/// (query: exploded `form`; path, header, cookie: as the runtime writes them plainly).
pub fn non_default_style(p: &pushgen_ir::Parameter) -> Option<(TokenStream, bool)> {
    use pushgen_ir::{ParamLocation, ParamStyle};
    let default = match p.location {
        ParamLocation::Query => p.style == ParamStyle::Form && p.explode,
        ParamLocation::Path => p.style == ParamStyle::Simple,
        // Headers are `simple` and cookies `form` in OpenAPI; other styles are not
        // allowed there, and the plain writers already follow those two.
        ParamLocation::Header | ParamLocation::Cookie => true,
    };
    if default {
        return None;
    }
    let style = match p.style {
        ParamStyle::Simple => quote!(Simple),
        ParamStyle::Label => quote!(Label),
        ParamStyle::Matrix => quote!(Matrix),
        ParamStyle::Form => quote!(Form),
        ParamStyle::SpaceDelimited => quote!(SpaceDelimited),
        ParamStyle::PipeDelimited => quote!(PipeDelimited),
        ParamStyle::DeepObject => quote!(DeepObject),
    };
    Some((quote!(#RT::styles::Style::#style), p.explode))
}

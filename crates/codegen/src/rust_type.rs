//! Rust types for IR [`TypeRef`]s. Every path is absolute (`::std::...`), so a schema
//! named `Option`, `Result`, `Box` or `String` cannot shadow what generated code means.

use crate::ident::ident;
use crate::runtime::RT;
use proc_macro2::TokenStream;
use pushgen_ir::{Scalar, TypeRef};
use quote::quote;

/// Where the code using the type lives, which decides how named types are spelled.
#[derive(Clone, Copy)]
pub enum Site {
    /// Inside `types.rs`: named types are siblings.
    Types,
    /// Elsewhere, with `types` in scope as a module.
    Outside,
}

/// The Rust type for `ty`.
pub fn rust_type(ty: &TypeRef, site: Site) -> TokenStream {
    match ty {
        TypeRef::Scalar(scalar) => scalar_type(*scalar),
        TypeRef::Named(name) => named(name, site),
        TypeRef::Array(item) => {
            let item = rust_type(item, site);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = rust_type(value, site);
            quote!(::std::collections::BTreeMap<::std::string::String, #value>)
        }
        TypeRef::Any => quote!(::serde_json::Value),
        TypeRef::Nullable(inner) => {
            let inner = rust_type(inner, site);
            quote!(::std::option::Option<#inner>)
        }
    }
}

/// Like [`rust_type`], with a direct reference to a named type boxed (recursion).
pub fn boxed_type(ty: &TypeRef, site: Site) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let inner = named(name, site);
            quote!(::std::boxed::Box<#inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = boxed_type(inner, site);
            quote!(::std::option::Option<#inner>)
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
    quote!(::std::option::Option<#inner>)
}

fn named(name: &str, site: Site) -> TokenStream {
    let name = ident(name);
    match site {
        Site::Types => quote!(#name),
        Site::Outside => quote!(types::#name),
    }
}

fn scalar_type(scalar: Scalar) -> TokenStream {
    match scalar {
        Scalar::String => quote!(::std::string::String),
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

//! Rust types for IR [`TypeRef`]s. Every path is absolute (`::std::...`), so a schema
//! named `Option`, `Result`, `Box` or `String` cannot shadow what generated code means.

use crate::ident::ident;
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
            quote!(::pushgen_runtime::chrono::DateTime<::pushgen_runtime::chrono::Utc>)
        }
        Scalar::Date => quote!(::pushgen_runtime::chrono::NaiveDate),
        Scalar::Uuid => quote!(::pushgen_runtime::uuid::Uuid),
        Scalar::Base64 => quote!(::pushgen_runtime::formats::Base64),
    }
}

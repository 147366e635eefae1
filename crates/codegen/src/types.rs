//! `types.rs`: a serde model for every named type.

use crate::docs::doc_opt;
use crate::ident::ident;
use crate::rust_type::{Site, boxed_type, optional, rust_type};
use proc_macro2::TokenStream;
use pushgen_ir::{Api, Field, NamedType, StringEnum, Struct, TypeKind, Union};
use quote::quote;

pub fn generate(api: &Api) -> TokenStream {
    generate_some(&api.types)
}

/// The models of some of the API's types: `types.rs` is rendered in pieces.
pub fn generate_some(types: &[NamedType]) -> TokenStream {
    let types = types.iter().map(named_type);
    quote! { #(#types)* }
}

fn named_type(ty: &NamedType) -> TokenStream {
    let docs = doc_opt(ty.description.as_deref());
    let name = ident(&ty.name.camel);
    match &ty.kind {
        TypeKind::Struct(s) => struct_type(&docs, &name, s),
        TypeKind::Enum(e) => string_enum(&docs, &name, e),
        TypeKind::Union(u) => union(&docs, &name, u),
        TypeKind::Alias(target) => {
            let target = rust_type(target, Site::Types);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
    }
}

fn struct_type(docs: &TokenStream, name: &proc_macro2::Ident, s: &Struct) -> TokenStream {
    let fields = s.fields.iter().map(field);
    let additional = s.additional.as_ref().map(|value| {
        let taken = |n: &str| s.fields.iter().any(|f| f.name.snake == n);
        let field_name = [
            "additional_properties",
            "extra_properties",
            "other_properties",
        ]
        .into_iter()
        .find(|n| !taken(n))
        .unwrap_or("additional_properties_");
        let field_name = ident(field_name);
        let value = rust_type(value, Site::Types);
        quote! {
            /// Properties not listed above.
            #[serde(flatten)]
            pub #field_name: ::std::collections::BTreeMap<::std::string::String, #value>,
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #additional
        }
    }
}

fn field(f: &Field) -> TokenStream {
    let docs = doc_opt(f.description.as_deref());
    let name = ident(&f.name.snake);
    let rename = rename(&f.name.original, &f.name.snake);
    let (ty, attrs) = if f.required {
        let ty = if f.boxed {
            boxed_type(&f.ty, Site::Types)
        } else {
            rust_type(&f.ty, Site::Types)
        };
        (ty, TokenStream::new())
    } else {
        (
            optional(&f.ty, f.boxed, Site::Types),
            quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]),
        )
    };
    quote! {
        #docs
        #rename
        #attrs
        pub #name: #ty,
    }
}

/// `#[serde(rename = ...)]` when the wire name differs from the Rust one.
pub fn rename(wire: &str, rust: &str) -> TokenStream {
    if wire == rust {
        TokenStream::new()
    } else {
        quote!(#[serde(rename = #wire)])
    }
}

fn string_enum(docs: &TokenStream, name: &proc_macro2::Ident, e: &StringEnum) -> TokenStream {
    let variants = e.values.iter().map(|v| {
        let variant = ident(&v.camel);
        let wire = &v.original;
        quote! {
            #[serde(rename = #wire)]
            #variant,
        }
    });
    let allow = variant_names_allowance(&name.to_string(), e.values.iter().map(|v| &*v.camel));
    let values = e.values.iter().map(|v| {
        let variant = ident(&v.camel);
        let wire = &v.original;
        quote!(Self::#variant => #wire,)
    });
    quote! {
        #docs
        #allow
        #[derive(Debug, Clone, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum #name {
            #(#variants)*
            /// A value this version of the API does not know (a newer server may send one).
            #[serde(untagged)]
            Unknown(::std::string::String),
        }

        impl #name {
            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#values)*
                    Self::Unknown(value) => value,
                }
            }
        }
    }
}

fn union(docs: &TokenStream, name: &proc_macro2::Ident, u: &Union) -> TokenStream {
    let allow =
        variant_names_allowance(&name.to_string(), u.variants.iter().map(|v| &*v.name.camel));
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name.camel);
        let ty = if v.boxed {
            boxed_type(&v.ty, Site::Types)
        } else {
            rust_type(&v.ty, Site::Types)
        };
        let tags = if u.discriminator.is_some() {
            let (first, rest) = v
                .tags
                .split_first()
                .map_or((None, &[][..]), |(f, r)| (Some(f), r));
            let first = first.map(|tag| quote!(#[serde(rename = #tag)]));
            let rest = rest.iter().map(|tag| quote!(#[serde(alias = #tag)]));
            quote!(#first #(#rest)*)
        } else {
            TokenStream::new()
        };
        quote! {
            #tags
            #variant(#ty),
        }
    });
    let (serde_attr, unknown) = match &u.discriminator {
        Some(tag) => (
            quote!(#[serde(tag = #tag)]),
            quote! {
                /// A kind this version of the API does not know (a newer server may send one).
                #[serde(other)]
                Unknown,
            },
        ),
        None => (quote!(#[serde(untagged)]), TokenStream::new()),
    };
    quote! {
        #docs
        #allow
        #[allow(
            clippy::large_enum_variant,
            reason = "variants mirror the spec's members; boxing all would cost every value an allocation"
        )]
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #serde_attr
        pub enum #name {
            #(#variants)*
            #unknown
        }
    }
}

/// `clippy::enum_variant_names` fires when variants share a prefix or suffix word, or
/// repeat the enum's name; names from a spec often do, and renaming would hide the spec.
pub fn variant_names_allowance<'a>(
    enum_name: &str,
    variants: impl Iterator<Item = &'a str> + Clone,
) -> TokenStream {
    let words: Vec<Vec<String>> = variants.clone().map(camel_words).collect();
    let repeats_name = variants
        .clone()
        .any(|v| v.starts_with(enum_name) || v.ends_with(enum_name));
    let shared = words.len() >= 3
        && (words.iter().all(|w| w.first() == words[0].first())
            || words.iter().all(|w| w.last() == words[0].last()));
    if repeats_name || shared {
        quote!(#[allow(clippy::enum_variant_names, reason = "variant names come from the spec")])
    } else {
        TokenStream::new()
    }
}

fn camel_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

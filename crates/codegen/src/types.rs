//! `types.rs`: a serde model for every named type.

use crate::custom::Custom;
use crate::docs::doc_opt;
use crate::ident::ident;
use crate::macro_calls::{Property, SerdeObject};
use crate::parallel::{Piece, Split};
use crate::prelude::{Prelude, Std};
use crate::runtime::RT;
use crate::rust_type::{Site, boxed_type, map_of, optional, rust_type};
use crate::validate::Plan;
use foldhash::{HashMap, HashSet, HashSetExt};
use proc_macro2::TokenStream;
use pushgen_ir::{
    Access, Api, Field, IntEnum, NamedType, StringEnum, Struct, TypeKind, TypeRef, Union,
};
use quote::quote;

pub fn generate(api: &Api, plan: &Plan<'_>, strict: bool, custom: &Custom) -> TokenStream {
    let imports = imports(plan);
    let types = generate_some(&api.types, &sent_by_clients(api), plan, strict, custom);
    quote!(#imports #types)
}

/// The `use` lines at the top of `types.rs`.
pub fn imports(plan: &Plan<'_>) -> TokenStream {
    if plan.validates_types() {
        let allow = plan.tags.allow_unused_imports();
        crate::tags::on_items(&allow, crate::validate::import())
    } else {
        TokenStream::new()
    }
}

/// `types.rs` in pieces of `per_piece` types, after its `use` lines.
pub fn split<'a>(
    api: &'a Api,
    sent: &'a HashSet<&'a str>,
    plan: &'a Plan<'a>,
    strict: bool,
    custom: &'a Custom,
    per_piece: usize,
) -> Split<'a> {
    let pieces = api
        .types
        .chunks(per_piece)
        .map(|chunk| Piece::new(move || generate_some(chunk, sent, plan, strict, custom)))
        .collect();
    Split {
        name: "types.rs",
        pieces,
        assemble: Box::new(move |rendered, file| {
            file.push(&crate::render::items(imports(plan)));
            crate::parallel::texts(rendered).for_each(|text| file.push(text));
        }),
    }
}

/// The models of some of the API's types, each with its `impl Validate` when it has one
/// ([`Plan::impl_for`]): `types.rs` is rendered in pieces. `sent` are the types that
/// request bodies contain ([`sent_by_clients`]).
pub fn generate_some(
    types: &[NamedType],
    sent: &HashSet<&str>,
    plan: &Plan<'_>,
    strict: bool,
    custom: &Custom,
) -> TokenStream {
    let types = types.iter().map(|ty| {
        let sent = sent.contains(&*ty.name.camel);
        let model = named_type(ty, sent, strict, plan, custom);
        let validate = plan.impl_for(ty, sent);
        let gate = plan.tags.named_type(&ty.name.camel);
        crate::tags::on_items(&gate, quote!(#model #validate))
    });
    quote! { #(#types)* }
}

/// The named types a request body contains, however deep.
///
/// In a request, a property left out and a property sent as `null` can mean different
/// things (JSON Merge Patch: keep the value, or clear it), so in these types an optional
/// nullable property is `Option<Option<T>>`. In types only servers send, the difference
/// seldom matters and a plain `Option<T>` is kinder to use.
pub fn sent_by_clients(api: &Api) -> HashSet<&str> {
    let by_name: HashMap<&str, &NamedType> =
        api.types.iter().map(|t| (&*t.name.camel, t)).collect();
    let bodies = api
        .operations
        .iter()
        .filter_map(|op| op.request_body.as_ref())
        .flat_map(|body| std::iter::once(&body.ty).chain(body.content.iter().map(|b| &b.ty)));
    reachable(&by_name, bodies)
}

/// The named types that `roots` contain, however deep (through fields, variants,
/// aliases, items and values).
pub fn reachable<'a>(
    by_name: &HashMap<&'a str, &'a NamedType>,
    roots: impl Iterator<Item = &'a TypeRef>,
) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    let mut todo: Vec<&'a TypeRef> = roots.collect();
    while let Some(ty) = todo.pop() {
        match ty {
            TypeRef::Named(name) => {
                let Some(named) = by_name.get(name.as_str()).copied() else {
                    continue;
                };
                if !seen.insert(&*named.name.camel) {
                    continue;
                }
                match &named.kind {
                    TypeKind::Struct(s) => {
                        todo.extend(s.fields.iter().map(|f| &f.ty));
                        todo.extend(s.additional.iter());
                    }
                    TypeKind::Union(u) => todo.extend(u.variants.iter().map(|v| &v.ty)),
                    TypeKind::Alias(target) => todo.push(target),
                    TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::Extern(_) => {}
                }
            }
            TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => {
                todo.push(inner)
            }
            TypeRef::Scalar(_) | TypeRef::Any => {}
        }
    }
    seen
}

fn named_type(
    ty: &NamedType,
    sent: bool,
    strict: bool,
    plan: &Plan<'_>,
    custom: &Custom,
) -> TokenStream {
    let docs = doc_opt(ty.description.as_deref());
    // The user's attributes (`type_attribute`), written after the derives so that derive
    // helper attributes (`#[serde(...)]`) are in scope.
    let added = custom.type_tokens(ty);
    let name = ident(&ty.name.camel);
    let prelude = plan.prelude;
    match &ty.kind {
        TypeKind::Struct(s) => {
            let field_added: Vec<_> = s
                .fields
                .iter()
                .map(|f| custom.field_tokens(ty, f))
                .collect();
            // The user's attributes may be serde's, which only serde's derive reads.
            let derive = !added.is_empty() || field_added.iter().any(|a| !a.is_empty());
            let fields: Vec<_> = s
                .fields
                .iter()
                .zip(field_added)
                .map(|(f, added)| (f, field(f, sent, plan, added, derive)))
                .collect();
            let rest = s.additional.as_ref().map(|value| Rest {
                field: ident(&additional_field(s)),
                map: map_of(value, Site::types(prelude)),
            });
            struct_type(&docs, &added, &name, &fields, rest, strict, derive)
        }
        TypeKind::Enum(_) | TypeKind::IntEnum(_)
            if let Some(declared) = plan.shared.alias_of(&ty.name.camel) =>
        {
            shared_enum(ty, &name, declared)
        }
        TypeKind::Enum(e) => string_enum(&quote!(#docs #added), &name, e, strict),
        TypeKind::IntEnum(e) => int_enum(&quote!(#docs #added), &name, e, strict),
        TypeKind::Union(u) => union(&docs, &added, &name, u, strict, prelude),
        TypeKind::Alias(target) => {
            let target = rust_type(target, Site::types(prelude));
            quote! {
                #docs
                pub type #name = #target;
            }
        }
        TypeKind::Extern(path) => {
            let note = format!(
                "The schema `{}`, as the type `{path}` (an extern type of the build).",
                ty.name.original
            );
            let docs = match &ty.description {
                Some(text) => doc_opt(Some(&format!("{text}\n\n{note}"))),
                None => doc_opt(Some(&note)),
            };
            // Checked as a type by `Custom::check`.
            let path: TokenStream = path.parse().unwrap_or_else(|_| {
                quote!(::std::compile_error!(
                    "pushgen: an extern type that is not a Rust type"
                ))
            });
            quote! {
                #docs
                pub type #name = #path;
            }
        }
    }
}

/// A struct, and its `Serialize` and `Deserialize`: through the runtime's `serde_object!`,
/// which compiles to a fraction of serde's derive (the runtime's `object` module says why),
/// or serde's derive when the user added attributes (which may be serde's) to the struct
/// or a field.
fn struct_type(
    docs: &TokenStream,
    added: &TokenStream,
    name: &proc_macro2::Ident,
    fields: &[(&Field, FieldTokens)],
    rest: Option<Rest>,
    strict: bool,
    derive: bool,
) -> TokenStream {
    let additional = rest.as_ref().map(|Rest { field, map }| {
        let flatten = derive.then(|| quote!(#[serde(flatten)]));
        quote! {
            /// Properties not listed above.
            #flatten
            pub #field: #map,
        }
    });
    let declared = fields.iter().map(|(_, f)| &f.tokens);
    if derive {
        // serde cannot deny unknown fields beside a flattened map, which takes them anyway.
        let deny = (strict && rest.is_none()).then(|| quote!(#[serde(deny_unknown_fields)]));
        return quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #added
            #deny
            pub struct #name {
                #(#declared)*
                #additional
            }
        };
    }
    let properties = fields
        .iter()
        .map(|(f, tokens)| Property {
            field: ident(&f.name.snake),
            kind: tokens.kind,
            wire: f.name.original.clone(),
        })
        .collect();
    let call = SerdeObject {
        name: name.clone(),
        // A map takes unlisted properties, so it is never strict.
        strict: strict && rest.is_none(),
        properties,
        unlisted: rest.map(|Rest { field, .. }| field),
    };
    let call = call.into_tokens();
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            #(#declared)*
            #additional
        }

        #call
    }
}

/// A struct's map of the properties it does not list: the field, and the map's type.
struct Rest {
    field: proc_macro2::Ident,
    map: TokenStream,
}

/// The name of the flattened map that holds a struct's unlisted properties: one its
/// listed properties do not take.
pub fn additional_field(s: &Struct) -> String {
    let taken = |n: &str| s.fields.iter().any(|f| f.name.snake == n);
    [
        "additional_properties",
        "extra_properties",
        "other_properties",
    ]
    .into_iter()
    .find(|n| !taken(n))
    .unwrap_or("additional_properties_")
    .to_string()
}

/// A struct's field as declared, and how it is read.
struct FieldTokens {
    tokens: TokenStream,
    /// How `serde_object!` writes and reads it: `Required`, `Optional`, `Nullable`,
    /// `NotNull`.
    kind: &'static str,
}

/// A struct's field; `added` are the user's attributes for it (`field_attribute`).
/// `derive`: serde's derive reads and writes the struct, so the field's attributes say
/// how; otherwise `serde_object!` does, as the field's kind says, and the field has none.
fn field(f: &Field, sent: bool, plan: &Plan<'_>, added: TokenStream, derive: bool) -> FieldTokens {
    let docs = field_docs(f);
    let name = ident(&f.name.snake);
    // A read-only property is absent from requests, a write-only one from responses: one
    // type serves both directions, so neither can be required in it.
    let required = f.required && f.access == Access::Both;
    let site = Site::types(plan.prelude);
    let (ty, kind) = if required {
        let ty = if f.boxed {
            boxed_type(&f.ty, site)
        } else {
            rust_type(&f.ty, site)
        };
        // Always written (`null` for a `None`); missing is an error, or `None` when the type
        // is an `Option`, as serde reads it.
        (ty, "Required")
    } else if sent && matches!(f.ty, TypeRef::Nullable(_)) {
        // Absent (`None`) and `null` (`Some(None)`) kept apart: see `sent_by_clients`.
        let inner = optional(&f.ty, f.boxed, site);
        let option = plan.prelude.path(Std::Option);
        (quote!(#option<#inner>), "Nullable")
    } else if sent && !plan.accepts_null(&f.ty) {
        // `null` is not a value of the property's type: a generated server refuses it
        // (the client, reading what servers send, takes it as absence).
        (optional(&f.ty, f.boxed, site), "NotNull")
    } else {
        (optional(&f.ty, f.boxed, site), "Optional")
    };
    if !derive {
        // `serde_object!` reads and writes the field, as its kind and wire name say (a
        // field the user added attributes to makes its struct use serde's derive).
        let tokens = quote! {
            #docs
            pub #name: #ty,
        };
        return FieldTokens { tokens, kind };
    }
    let rename = rename(&f.name.original, &f.name.snake);
    let attrs = if required {
        TokenStream::new()
    } else {
        // serde's derive reads the field: the kind said as serde's attributes.
        let deserialize_with = match kind {
            "Nullable" => Some("nullable::deserialize"),
            "NotNull" => Some("nullable::not_null"),
            _ => None,
        }
        .map(|function| {
            let function = format!("{}::{function}", crate::runtime::PATH);
            quote!(, deserialize_with = #function)
        });
        let is_none = format!("{}::is_none", plan.prelude.text(Std::Option));
        quote!(#[serde(
            default,
            skip_serializing_if = #is_none
            #deserialize_with
        )])
    };
    let tokens = quote! {
        #docs
        #rename
        #attrs
        #added
        pub #name: #ty,
    };
    FieldTokens { tokens, kind }
}

/// The description, then what the spec says beyond the type: who sends the property, and
/// its default.
fn field_docs(f: &Field) -> TokenStream {
    let mut notes = Vec::new();
    match f.access {
        Access::Both => {}
        Access::ReadOnly => notes.push("Read-only: servers send it; requests leave it out."),
        Access::WriteOnly => notes.push("Write-only: clients send it; responses leave it out."),
    }
    let default = f
        .default
        .as_ref()
        .filter(|d| d.len() <= 80)
        .map(|d| format!("Default: `{}`.", d.replace('`', "'")));
    if notes.is_empty() && default.is_none() {
        return doc_opt(f.description.as_deref());
    }
    let mut text = f.description.clone().unwrap_or_default();
    for note in notes.into_iter().map(str::to_string).chain(default) {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&note);
    }
    doc_opt(Some(&text))
}

/// `#[serde(rename = ...)]` when the wire name differs from the Rust one.
pub fn rename(wire: &str, rust: &str) -> TokenStream {
    if wire == rust {
        TokenStream::new()
    } else {
        quote!(#[serde(rename = #wire)])
    }
}

/// Declared through the runtime's `string_enum!`: the enum, `as_str`, `Display`,
/// `FromStr` and serde as the wire value, with an `Unknown` variant for values a newer
/// server may send. Much less to compile than serde's derive with an untagged fallback.
fn string_enum(
    docs: &TokenStream,
    name: &proc_macro2::Ident,
    e: &StringEnum,
    strict: bool,
) -> TokenStream {
    let variants = e.values.iter().map(|v| {
        let variant = ident(&v.camel);
        let wire = &v.original;
        quote!(#variant = #wire,)
    });
    let allow = variant_names_allowance(&name.to_string(), e.values.iter().map(|v| &*v.camel));
    let marker = crate::render::macro_marker("string_enum", strict);
    quote! {
        #marker
        #docs
        #allow
        pub enum #name {
            #(#variants)*
        }
    }
}

/// An enum alike another (`crate::shared_enums`): an alias of it, with its own docs.
fn shared_enum(ty: &NamedType, name: &proc_macro2::Ident, declared: &str) -> TokenStream {
    let docs = doc_opt(ty.description.as_deref());
    // Written as is, not through `doc`, which would escape the link's brackets.
    let gap = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    let note = format!(" An alias of [`{declared}`], which lists the same values.");
    let declared = ident(declared);
    quote! {
        #docs
        #gap
        #[doc = #note]
        pub type #name = #declared;
    }
}

/// Like [`string_enum`], for integers: `integer_enum!`.
fn int_enum(
    docs: &TokenStream,
    name: &proc_macro2::Ident,
    e: &IntEnum,
    strict: bool,
) -> TokenStream {
    let variants = e.values.iter().map(|v| {
        let variant = ident(&v.name.camel);
        let value = proc_macro2::Literal::i64_unsuffixed(v.value);
        quote!(#variant = #value,)
    });
    let allow = variant_names_allowance(&name.to_string(), e.values.iter().map(|v| &*v.name.camel));
    let marker = crate::render::macro_marker("integer_enum", strict);
    quote! {
        #marker
        #docs
        #allow
        pub enum #name {
            #(#variants)*
        }
    }
}

fn union(
    docs: &TokenStream,
    added: &TokenStream,
    name: &proc_macro2::Ident,
    u: &Union,
    strict: bool,
    prelude: Prelude,
) -> TokenStream {
    let allow =
        variant_names_allowance(&name.to_string(), u.variants.iter().map(|v| &*v.name.camel));
    let site = Site::types(prelude);
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name.camel);
        let ty = if v.boxed {
            boxed_type(&v.ty, site)
        } else {
            rust_type(&v.ty, site)
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
        Some(tag) if strict => (quote!(#[serde(tag = #tag)]), TokenStream::new()),
        Some(tag) => (
            quote!(#[serde(tag = #tag)]),
            quote! {
                /// A kind this version of the API does not know (a newer server may send
                /// one), kept as it came.
                #[serde(untagged)]
                Unknown(#RT::serde_json::Value),
            },
        ),
        None => (quote!(#[serde(untagged)]), TokenStream::new()),
    };
    // A discriminated union is read by its own impl (`tagged_deserialize`); serde's
    // derive would take an integer tag as a variant's index.
    let (derive, deserialize) = match &u.discriminator {
        Some(tag) => (
            quote!(#[derive(Debug, Clone, PartialEq, ::serde::Serialize)]),
            tagged_deserialize(name, u, tag, strict, prelude),
        ),
        None => (
            quote!(#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]),
            TokenStream::new(),
        ),
    };
    quote! {
        #docs
        #allow
        #[allow(
            clippy::large_enum_variant,
            reason = "variants mirror the spec's members; boxing all would cost every value an allocation"
        )]
        #derive
        #added
        #serde_attr
        pub enum #name {
            #(#variants)*
            #unknown
        }

        #deserialize
    }
}

/// `Deserialize` for a union with a discriminator: the member its tag names (only a
/// string tag names one), else `Unknown` with the value as it came, or (strict) an
/// error listing the tags.
fn tagged_deserialize(
    name: &proc_macro2::Ident,
    u: &Union,
    property: &str,
    strict: bool,
    prelude: Prelude,
) -> TokenStream {
    // A member no tag names cannot be read by its tag.
    let arms = u.variants.iter().filter(|v| !v.tags.is_empty()).map(|v| {
        let variant = ident(&v.name.camel);
        let tags = &v.tags;
        quote! {
            #(Some(#tags))|* => #RT::tagged::member(value, #property).map(Self::#variant),
        }
    });
    let otherwise = if strict {
        let expected = u.variants.iter().flat_map(|v| v.tags.iter());
        quote! {
            tag => Err(#RT::tagged::unknown(tag, #property, &[#(#expected),*])),
        }
    } else {
        quote! {
            _ => Ok(Self::Unknown(value)),
        }
    };
    let result = prelude.path(Std::Result);
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> #result<Self, D::Error> {
                let (tag, value) = #RT::tagged::read(deserializer, #property)?;
                match tag.as_deref() {
                    #(#arms)*
                    #otherwise
                }
            }
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

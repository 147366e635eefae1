//! How a request body travels, from its media type: JSON and forms are typed, text is a
//! `String`, binary data is bytes, and what pushgen cannot read (multipart forms, other
//! media types) passes through with its media type. No media type refuses a spec.

use crate::prelude::{Prelude, Std};
use crate::runtime::RT;
use crate::rust_type::{Site, rust_type};
use proc_macro2::TokenStream;
use pushgen_ir::RequestBody;
use quote::quote;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/json`, `*+json`: the schema's type, as JSON.
    Json,
    /// `application/x-www-form-urlencoded`: the schema's type, as a form.
    Form,
    /// `text/*`: a `String`.
    Text,
    /// `application/octet-stream` and other single binary types: `Bytes`.
    Bytes,
    /// `multipart/*` and anything else: `wire::Raw`, bytes with their media type (a
    /// multipart boundary is chosen by whoever builds the body).
    Raw,
}

pub fn encoding(content_type: &str) -> Encoding {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/').unwrap_or((&essence, ""));
    match (kind, subtype) {
        ("application", "json") => Encoding::Json,
        (_, sub) if sub.ends_with("+json") => Encoding::Json,
        ("application", "x-www-form-urlencoded") => Encoding::Form,
        ("text", _) => Encoding::Text,
        ("multipart", _) => Encoding::Raw,
        ("application", "octet-stream")
        | ("image" | "audio" | "video" | "font", _)
        | ("application", "pdf" | "zip" | "gzip") => Encoding::Bytes,
        _ => Encoding::Raw,
    }
}

/// Whether the body travels as JSON (so a stream-conditional flag can be set in it).
pub fn is_json(body: &RequestBody) -> bool {
    encoding(&body.content_type) == Encoding::Json
}

/// The type the server receives.
pub fn server_type(body: &RequestBody, prelude: Prelude) -> TokenStream {
    match encoding(&body.content_type) {
        Encoding::Json | Encoding::Form => rust_type(&body.ty, Site::outside(prelude)),
        Encoding::Text => prelude.path(Std::String),
        Encoding::Bytes => quote!(#RT::bytes::Bytes),
        Encoding::Raw => quote!(#RT::wire::Raw),
    }
}

/// The type the client borrows to send.
pub fn client_type(body: &RequestBody, prelude: Prelude) -> TokenStream {
    match encoding(&body.content_type) {
        Encoding::Json | Encoding::Form => rust_type(&body.ty, Site::outside(prelude)),
        Encoding::Text => quote!(str),
        Encoding::Bytes => quote!([u8]),
        Encoding::Raw => quote!(#RT::wire::Raw),
    }
}

/// The handler's read of the body: a `Result` of the value (`Option` when optional).
pub fn server_read(body: &RequestBody, prelude: Prelude) -> TokenStream {
    let ty = server_type(body, prelude);
    let reader = match encoding(&body.content_type) {
        Encoding::Json => quote!(json::<#ty>),
        Encoding::Form => quote!(form::<#ty>),
        Encoding::Text => quote!(text),
        Encoding::Bytes => quote!(bytes),
        Encoding::Raw => quote!(raw),
    };
    let read = if body.required {
        quote!(request.#reader())
    } else if encoding(&body.content_type) == Encoding::Json {
        quote!(request.json_opt::<#ty>())
    } else {
        quote!(request.optional(Incoming::#reader))
    };
    // What the server reads: the declared media types that travel as the chosen one
    // does. A body in any other is refused with 415, never read as if it were one.
    let chosen = encoding(&body.content_type);
    let accepted = body
        .content
        .iter()
        .map(|b| b.content_type.as_str())
        .filter(|media| encoding(media) == chosen);
    quote!(request.check_media(&[#(#accepted),*]).and_then(|()| #read))
}

/// The client's step that adds the body to the request.
pub fn client_step(body: &RequestBody) -> TokenStream {
    let content_type = &body.content_type;
    let write = |value: TokenStream| match encoding(&body.content_type) {
        Encoding::Json => quote!(.json(#content_type, #value)),
        Encoding::Form => quote!(.form(#content_type, #value)),
        Encoding::Text => quote!(.text(#content_type, #value)),
        Encoding::Bytes => quote!(.bytes(#content_type, #value)),
        Encoding::Raw => quote!(.raw(#value)),
    };
    if body.required {
        write(quote!(body))
    } else if encoding(&body.content_type) == Encoding::Json {
        quote!(.json_opt(#content_type, body))
    } else {
        let step = write(quote!(body));
        quote!(.maybe(body, |call, body| call #step))
    }
}

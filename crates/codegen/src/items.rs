//! The item types of an item-mode (or stream-conditional) operation, in its module of
//! `operations.rs`: `Item` (the item type itself, or an enum with one variant per SSE
//! event name) and `Items`, the stream's wire encoding (`pushgen_runtime::item::ItemCodec`).

use crate::docs::doc;
use crate::ident::ident;
use crate::prelude::{Prelude, Std};
use crate::runtime::RT;
use crate::rust_type::{Site, rust_type};
use proc_macro2::TokenStream;
use pushgen_ir::{ItemStream, Operation, Scalar, StreamItem, StreamMedia, Terminator, TypeRef};
use quote::quote;

pub fn item_types(
    op: &Operation,
    stream: &ItemStream,
    plan: &crate::validate::Plan<'_>,
) -> TokenStream {
    let prelude = plan.prelude;
    let [option, string, result] =
        [Std::Option, Std::String, Std::Result].map(|name| prelude.path(name));
    let media = media(stream.media);
    let events = stream.items.iter().filter_map(|item| item.event.as_deref());
    let terminator = match &stream.terminator {
        Some(Terminator::Data(text)) => {
            quote!(Some(#RT::item::Terminator::Data(#text)))
        }
        Some(Terminator::Event(name)) => {
            quote!(Some(#RT::item::Terminator::Event(#name)))
        }
        None => quote!(None),
    };
    let (failure, has_failure) = match &stream.error {
        Some(ty) => (rust_type(ty, Site::outside(prelude)), true),
        None => (quote!(#RT::item::NoFailure), false),
    };
    let named = stream.items.len() > 1 || stream.items.iter().any(|i| i.event.is_some());
    let is_sse = stream.media == StreamMedia::EventStream;
    let (item_def, encode, decode) = if named {
        named_items(op, stream, is_sse, plan)
    } else {
        single_item(op, &stream.items[0], is_sse, prelude)
    };
    let codec_doc = format!(
        " How `{}`'s stream travels: {}, item by item{}.",
        op.label(),
        stream.media.as_str(),
        match &stream.terminator {
            Some(Terminator::Data(text)) => format!(", ending with the data `{text}`"),
            Some(Terminator::Event(name)) => format!(", ending with the event `{name}`"),
            None => String::new(),
        }
    );
    quote! {
        #item_def

        #[doc = #codec_doc]
        #[derive(Debug, Clone, Copy)]
        pub struct Items;

        impl #RT::item::ItemCodec for Items {
            type Item = Item;
            type Failure = #failure;
            type Response = Response;

            const MEDIA: #RT::binding::Media = #media;
            const EVENTS: &'static [&'static str] = &[#(#events),*];
            const TERMINATOR: #option<#RT::item::Terminator> = #terminator;
            const HAS_FAILURE: bool = #has_failure;

            fn encode(
                item: &Item,
                data: &mut #string,
            ) -> #result<#option<&'static str>, wire::EncodeError> {
                #encode
            }

            fn decode(
                event: &str,
                data: &str,
            ) -> #result<#option<Item>, wire::DecodeError> {
                #decode
            }
        }
    }
}

fn media(media: StreamMedia) -> TokenStream {
    match media {
        StreamMedia::EventStream => quote!(#RT::binding::Media::EventStream),
        StreamMedia::JsonLines => quote!(#RT::binding::Media::JsonLines),
        StreamMedia::NdJson => quote!(#RT::binding::Media::NdJson),
        StreamMedia::JsonSeq => quote!(#RT::binding::Media::JsonSeq),
    }
}

/// An SSE item declared as a string carries its text as the data, not JSON: the 3.2
/// idiom's `data` without `contentMediaType`, or a stream with no schema at all.
fn is_text(item: &StreamItem, is_sse: bool) -> bool {
    is_sse && item.ty == TypeRef::Scalar(Scalar::String)
}

fn encode_value(item: &StreamItem, is_sse: bool, value: TokenStream) -> TokenStream {
    if is_text(item, is_sse) {
        quote!(data.push_str(#value);)
    } else {
        quote!(#RT::item::json(#value, data)?;)
    }
}

fn decode_value(item: &StreamItem, is_sse: bool, prelude: Prelude) -> TokenStream {
    if is_text(item, is_sse) {
        let to_string = prelude.path(Std::ToString);
        quote!(#to_string::to_string(data))
    } else {
        quote!(#RT::item::from_json(event, data)?)
    }
}

fn single_item(
    op: &Operation,
    item: &StreamItem,
    is_sse: bool,
    prelude: Prelude,
) -> (TokenStream, TokenStream, TokenStream) {
    let ty = rust_type(&item.ty, Site::outside(prelude));
    let title = format!(" One item of `{}`'s stream.", op.label());
    let description = item.description.as_deref().map(|d| {
        let d = doc(d);
        quote!(#[doc = ""] #d)
    });
    let def = quote! {
        #[doc = #title]
        #description
        pub type Item = #ty;
    };
    let write = encode_value(item, is_sse, quote!(item));
    let encode = quote! {
        #write
        Ok(None)
    };
    let read = decode_value(item, is_sse, prelude);
    let decode = quote! {
        let _ = event;
        Ok(Some(#read))
    };
    (def, encode, decode)
}

fn named_items(
    op: &Operation,
    stream: &ItemStream,
    is_sse: bool,
    plan: &crate::validate::Plan<'_>,
) -> (TokenStream, TokenStream, TokenStream) {
    let mut variants = Vec::new();
    let mut encode_arms = Vec::new();
    let mut decode_arms = Vec::new();
    let mut froms = Vec::new();
    let mut catch_all = None;
    let prelude = plan.prelude;
    let from = prelude.path(Std::From);
    for item in &stream.items {
        let variant = ident(&item.name.camel);
        let ty = rust_type(&item.ty, Site::outside(prelude));
        let docs = match (&item.event, &item.description) {
            (Some(event), Some(d)) => format!(" The event `{event}`: {}", first_line(d)),
            (Some(event), None) => format!(" The event `{event}`."),
            (None, Some(d)) => format!(" {}", first_line(d)),
            (None, None) => " An item.".to_string(),
        };
        variants.push(quote! {
            #[doc = #docs]
            #variant(#ty),
        });
        let write = encode_value(item, is_sse, quote!(value));
        let event = match &item.event {
            Some(event) => quote!(Some(#event)),
            None => quote!(None),
        };
        encode_arms.push(quote! {
            Item::#variant(value) => {
                #write
                Ok(#event)
            }
        });
        let read = decode_value(item, is_sse, prelude);
        match &item.event {
            Some(event) => decode_arms.push(quote! {
                #event => Ok(Some(Item::#variant(#read))),
            }),
            None => {
                catch_all.get_or_insert(quote! {
                    _ => Ok(Some(Item::#variant(#read))),
                });
            }
        }
        // `From` only where the payload type is one variant's alone, aliases seen through
        // (two `From` of one type would conflict).
        let resolved = plan.resolve(&item.ty);
        let unique = stream
            .items
            .iter()
            .filter(|other| plan.resolve(&other.ty) == resolved)
            .count()
            == 1;
        if unique {
            froms.push(quote! {
                impl #from<#ty> for Item {
                    fn from(value: #ty) -> Self {
                        Self::#variant(value)
                    }
                }
            });
        }
    }
    let fallback = catch_all.unwrap_or_else(|| quote!(_ => Ok(None),));
    let title = format!(
        " One item of `{}`'s stream: one variant per event.",
        op.label()
    );
    let allow = crate::types::variant_names_allowance(
        "Item",
        stream.items.iter().map(|item| &*item.name.camel),
    );
    let def = quote! {
        #[doc = #title]
        #allow
        #[allow(
            clippy::large_enum_variant,
            reason = "one variant per event; boxing payloads would cost every item an allocation"
        )]
        #[derive(Debug, Clone, PartialEq)]
        pub enum Item {
            #(#variants)*
        }

        #(#froms)*
    };
    let encode = quote! {
        match item {
            #(#encode_arms)*
        }
    };
    let decode = quote! {
        match event {
            #(#decode_arms)*
            #fallback
        }
    };
    (def, encode, decode)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

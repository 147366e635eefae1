//! The client methods of item-mode and stream-conditional operations: a `Stream` of
//! typed items, and an observer form.

use crate::client::Call;
use crate::ident::{ident, ident_fmt};
use crate::operations::signature;
use crate::prelude::Prelude;
use crate::runtime::RT;
use crate::rust_type::{Site, rust_type};
use proc_macro2::TokenStream;
use pushgen_ir::{ConditionalStream, ItemStream, Operation, StreamMedia};
use quote::quote;

/// Whether the stream's items are an enum of named events (else `Item` is one type).
fn named(stream: &ItemStream) -> bool {
    stream.items.len() > 1 || stream.items.iter().any(|i| i.event.is_some())
}

/// `.resumable()` for a stream that reconnects when its connection breaks off: a safe
/// method or `x-push-resumable`, over SSE (the line formats carry no ids to resume from).
fn resumable(stream: &ItemStream) -> Option<TokenStream> {
    (stream.resumable && stream.media == StreamMedia::EventStream).then(|| quote!(.resumable()))
}

fn resumes(stream: &ItemStream) -> &'static str {
    if resumable(stream).is_some() {
        "\n A connection that breaks off is resumed: the client reconnects with `Last-Event-ID`,\n as the client's `Reconnect` configuration says."
    } else {
        ""
    }
}

fn ends(stream: &ItemStream) -> &'static str {
    if stream.terminator.is_some() {
        " It ends after the stream's terminal marker; a stream cut before it yields\n `Error::Truncated`."
    } else {
        " It ends with the response body."
    }
}

/// `op(..)`, the items as a `Stream`, and `op_observe(..)`, the items handed to an
/// observer.
pub fn item_methods(
    op: &Operation,
    stream: &ItemStream,
    docs: &TokenStream,
    call: Call,
) -> TokenStream {
    let name = ident(&op.name.snake);
    let module = ident(&op.name.snake);
    let observe = ident_fmt(format_args!("{}_observe", op.name.snake));
    let observer = ident_fmt(format_args!("{}Observer", op.name.camel));
    let Call {
        args,
        names,
        request,
        result,
    } = call;
    let stream_doc = format!(
        " The items arrive as `{}`, each as it comes, as a `Stream` of\n `Result<Item, Error>`; the request is sent when it is first polled.{}\n A declared response the server answers with instead (an error before the first\n item) is `Error::Response`: read it with `error.response::<operations::{}::Response>()`.{}",
        stream.media.as_str(),
        ends(stream),
        op.name.snake,
        resumes(stream),
    );
    let resumable = resumable(stream);
    let dispatch = if named(stream) {
        let arms = stream.items.iter().map(|item| {
            let variant = ident(&item.name.camel);
            let on = ident_fmt(format_args!("on_{}", item.name.snake));
            quote!(ItemEvent::Item(operations::#module::Item::#variant(item)) => observer.#on(item),)
        });
        quote!(match event? {
            #(#arms)*
            ItemEvent::Notice(notice) => observer.on_notice(&notice),
        })
    } else {
        quote!(match event? {
            ItemEvent::Item(item) => observer.on_item(item),
            ItemEvent::Notice(notice) => observer.on_notice(&notice),
        })
    };
    let observe_doc = format!(
        " [`Self::{}`], each item handed to `observer` as it arrives. Returns once the\n stream has ended, or with its first error.",
        op.name.snake
    );
    quote! {
        #docs
        #[doc = ""]
        #[doc = #stream_doc]
        pub fn #name(
            &self,
            #(#args),*
        ) -> #RT::client::ItemStream<operations::#module::Items> {
            #request #resumable.item_stream()
        }

        #[doc = #observe_doc]
        pub async fn #observe(
            &self,
            #(#args,)*
            observer: &mut impl #observer,
        ) -> #result<(), Error> {
            let mut stream = self.#name(#(#names),*);
            while let Some(event) = stream.next_event().await {
                #dispatch
            }
            Ok(())
        }
    }
}

/// `op_stream(..)` of a stream-conditional operation: sets the flag and returns the items.
pub fn conditional_stream(
    op: &Operation,
    conditional: &ConditionalStream,
    call: Call,
) -> TokenStream {
    let module = ident(&op.name.snake);
    let stream_name = ident_fmt(format_args!("{}_stream", op.name.snake));
    let Call { args, request, .. } = call;
    let docs = format!(
        " `{}` (`{}`) streamed: sends `{}: true` and returns the items as they arrive, as\n `{}`, as a `Stream` of `Result<Item, Error>`; [`Self::{}`] asks for the whole answer\n instead. The request is sent when the stream is first polled.{}{}",
        op.label(),
        signature(op),
        conditional.flag,
        conditional.stream.media.as_str(),
        op.name.snake,
        ends(&conditional.stream),
        resumes(&conditional.stream),
    );
    let resumable = resumable(&conditional.stream);
    quote! {
        #[doc = #docs]
        pub fn #stream_name(
            &self,
            #(#args),*
        ) -> #RT::client::ItemStream<operations::#module::Items> {
            #request #resumable.item_stream()
        }
    }
}

/// The observer trait of an item-mode operation: one method per event (or `on_item`),
/// each a no-op unless implemented.
pub fn observer(op: &Operation, stream: &ItemStream, prelude: Prelude) -> TokenStream {
    let module = ident(&op.name.snake);
    let observer = ident_fmt(format_args!("{}Observer", op.name.camel));
    let title = format!(
        " Receives the items of `{}` (`{}`) as they arrive.",
        op.label(),
        signature(op)
    );
    let methods = if named(stream) {
        stream
            .items
            .iter()
            .map(|item| {
                let on = ident_fmt(format_args!("on_{}", item.name.snake));
                let ty = rust_type(&item.ty, Site::outside(prelude));
                let text = match &item.event {
                    Some(event) => format!(" The event `{event}`."),
                    None => " An item.".to_string(),
                };
                quote! {
                    #[doc = #text]
                    fn #on(&mut self, item: #ty) {
                        let _ = item;
                    }
                }
            })
            .collect::<Vec<_>>()
    } else {
        vec![quote! {
            /// One item.
            fn on_item(&mut self, item: operations::#module::Item) {
                let _ = item;
            }
        }]
    };
    quote! {
        #[doc = #title]
        ///
        /// Every method does nothing unless implemented, so an observer implements only
        /// what it needs. `()` observes nothing.
        pub trait #observer {
            #(#methods)*

            /// Something that happened to the stream on the way: a reconnect, or items
            /// the server could no longer replay.
            fn on_notice(&mut self, notice: &#RT::client::Notice) {
                let _ = notice;
            }
        }

        impl #observer for () {}
    }
}

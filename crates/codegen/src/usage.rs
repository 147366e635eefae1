//! Usage examples of an API's push and stream operations, for the README of a published
//! SDK: Rust that compiles against the crate (the SDK's doctests compile each one), so
//! it cannot drift from the generated client.

use crate::client::{Call, call};
use crate::ident::{ident, ident_fmt};
use crate::validate::Plan;
use proc_macro2::TokenStream;
use pushgen_ir::{Api, Operation, Streaming};
use quote::quote;

/// One operation's example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// How the operation is known: `createConsumer` (`POST /consumers`).
    pub operation: String,
    /// What the example shows, one sentence.
    pub summary: String,
    /// The code, formatted.
    pub code: String,
}

/// An example for each operation that pushes or streams, in document order. `krate` is
/// the path of the generated modules (`consumer_api`, whose `client`, `operations` and
/// `types` they are); `runtime` the runtime's (`consumer_api::pushgen_runtime`).
pub fn usage_examples(api: &Api, krate: &str, runtime: &str) -> Vec<Usage> {
    let plan = Plan::new(api, false, &crate::Custom::default());
    // Arguments may name runtime types (a raw body): as the crate reaches the runtime.
    let codegen = format!("{runtime}::codegen");
    let (Ok(krate), Ok(runtime)) = (
        syn::parse_str::<syn::Path>(krate),
        syn::parse_str::<syn::Path>(runtime),
    ) else {
        return Vec::new();
    };
    let client = ident_fmt(format_args!("{}Client", api.name.camel));
    api.operations
        .iter()
        .filter_map(|op| {
            let (summary, tokens) = example(op, &plan, &krate, &runtime, &client)?;
            Some(Usage {
                operation: format!("`{}` (`{}`)", op.label(), crate::operations::signature(op)),
                summary,
                code: spaced(&crate::render::items(tokens)).replace(crate::runtime::PATH, &codegen),
            })
        })
        .collect()
}

/// The one place this module tells the streaming shapes apart.
fn example(
    op: &Operation,
    plan: &Plan<'_>,
    krate: &syn::Path,
    runtime: &syn::Path,
    client: &proc_macro2::Ident,
) -> Option<(String, TokenStream)> {
    let module = ident(&op.name.snake);
    let name = ident(&op.name.snake);
    let flag = match &op.streaming {
        Streaming::Conditional(c) => Some((c.flag.as_str(), true)),
        _ => None,
    };
    let Call { args, names, .. } = call(op, flag, plan);
    let uses = imports(krate, &args);
    let error = quote!(#runtime::client::Error);
    match &op.streaming {
        Streaming::None => None,
        Streaming::Envelope(push) => {
            let observer = ident_fmt(format_args!("{}Observer", op.name.camel));
            let methods = push.items.iter().map(|item| {
                let on = ident_fmt(format_args!("on_{}", item.name.snake));
                let ty = ident(&item.name.camel);
                quote! {
                    fn #on(&mut self, push: #module::#ty) {
                        println!("{push:?}");
                    }
                }
            });
            let summary = format!(
                "An observer gets each push of `{}` as it arrives; the final response is returned.",
                op.label()
            );
            Some((
                summary,
                quote! {
                    use #krate::client::{#client, #observer};
                    use #krate::operations::#module;
                    #uses

                    struct Print;

                    impl #observer for Print {
                        #(#methods)*
                    }

                    async fn #name(
                        client: &#client,
                        #(#args),*
                    ) -> Result<#module::Response, #error> {
                        client.#name(#(#names,)* &mut Print).await
                    }
                },
            ))
        }
        Streaming::Items(_) | Streaming::Conditional(_) => {
            let method = match flag {
                Some(_) => ident_fmt(format_args!("{}_stream", op.name.snake)),
                None => name.clone(),
            };
            let summary = match &op.streaming {
                Streaming::Conditional(c) => format!(
                    "`{method}` sets `{}` in the request, and the items of `{}` arrive one \
                     by one until the stream ends; `{name}` asks for the single answer instead.",
                    c.flag,
                    op.label()
                ),
                _ => format!(
                    "The items of `{}` arrive one by one, until the stream ends.",
                    op.label()
                ),
            };
            Some((
                summary,
                quote! {
                    use #krate::client::#client;
                    #uses

                    async fn #name(
                        client: &#client,
                        #(#args),*
                    ) -> Result<(), #error> {
                        let mut stream = client.#method(#(#names),*);
                        while let Some(item) = stream.next_item().await {
                            let item = item?;
                            println!("{item:?}");
                        }
                        Ok(())
                    }
                },
            ))
        }
    }
}

/// A blank line before each item after the `use`s, as people write them.
fn spaced(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 64);
    let mut previous = "";
    for line in code.lines() {
        let item = line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '#');
        if item && !line.starts_with("use ") && !previous.is_empty() && !previous.starts_with("//")
        {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// `use <crate>::{operations, types};`, as far as the arguments name them.
fn imports(krate: &syn::Path, args: &[TokenStream]) -> TokenStream {
    let text: String = args.iter().map(ToString::to_string).collect();
    let mut modules = Vec::new();
    for module in ["operations", "types"] {
        if text.contains(&format!("{module} ::")) {
            modules.push(ident(module));
        }
    }
    match modules.as_slice() {
        [] => TokenStream::new(),
        [one] => quote!(use #krate::#one;),
        many => quote!(use #krate::{#(#many),*};),
    }
}

//! `operations.rs`: what server and client share about each operation — its parameters,
//! its response enum, and for a push operation the push enum — with the wire encoding of
//! each (the traits of `pushgen_runtime::wire`).

use crate::docs::{doc, doc_opt};
use crate::ident::{ident, ident_fmt};
use crate::imports::Uses;
use crate::parallel::{Piece, Split};
use crate::prelude::{Prelude, Std};
use crate::runtime::RT;
use crate::rust_type::{Site, optional, rust_type};
use crate::types::variant_names_allowance;
use crate::validate::Plan;
use proc_macro2::{Ident, Literal, TokenStream};
use pushgen_ir::{Api, EnvelopePush, Operation, PushItem, Response, StatusMatch, Streaming};
use quote::quote;

pub fn generate(api: &Api, plan: &Plan<'_>) -> TokenStream {
    let (modules, uses) = modules(&api.operations, plan);
    let imports = imports(api, plan, uses.types);
    quote! {
        #imports

        #modules
    }
}

/// `operations.rs` in pieces of `per_piece` operations; its `use` lines import `types`
/// only if a piece names it.
pub fn split<'a>(api: &'a Api, plan: &'a Plan<'a>, per_piece: usize) -> Split<'a> {
    let pieces = api
        .operations
        .chunks(per_piece)
        .map(|chunk| Piece::naming(move || modules(chunk, plan)))
        .collect();
    Split {
        name: "operations.rs",
        pieces,
        assemble: Box::new(move |rendered, file| {
            let uses_types = crate::parallel::uses(rendered).types;
            file.push(&crate::render::items(imports(api, plan, uses_types)));
            crate::parallel::texts(rendered).for_each(|text| file.push(text));
        }),
    }
}

/// The `use` lines at the top of `operations.rs`.
pub fn imports(api: &Api, plan: &Plan<'_>, uses_types: bool) -> TokenStream {
    let types = uses_types.then(|| {
        quote!(
            use super::types;
        )
    });
    // An API without operations (only webhooks) has nothing to encode.
    let wire = (!api.operations.is_empty()).then(|| {
        quote!(
            use #RT::wire;
        )
    });
    let validate = plan
        .validates_requests(&api.operations)
        .then(crate::validate::import);
    let auth = plan.security.any().then(|| {
        quote!(
            use #RT::auth;
        )
    });
    let schemes = plan.security.module();
    let allow = plan.tags.allow_unused_imports();
    let uses = crate::tags::on_items(&allow, quote!(#types #wire #validate #auth));
    quote!(#uses #schemes)
}

/// The modules of some operations (`operations.rs` is rendered in pieces), and what they
/// name: `types` when one of them imports it.
pub fn modules(operations: &[Operation], plan: &Plan<'_>) -> (TokenStream, Uses) {
    let mut uses = Uses::default();
    let modules: Vec<TokenStream> = operations
        .iter()
        .map(|op| {
            let gate = plan.tags.operation(op);
            let (module, names_types) = operation_module(op, plan);
            uses.types |= names_types;
            quote!(#gate #module)
        })
        .collect();
    (quote!(#(#modules)*), uses)
}

/// `METHOD /path`, for docs.
pub fn signature(op: &Operation) -> String {
    format!("{} {}", op.method.as_str().to_uppercase(), op.path.template)
}

/// An operation's module, and whether it imports `types`.
fn operation_module(op: &Operation, plan: &Plan<'_>) -> (TokenStream, bool) {
    let module = ident(&op.name.snake);
    let title = match &op.operation_id {
        Some(id) => format!(" Types of `{id}`: `{}`.", signature(op)),
        None => format!(" Types of `{}`.", signature(op)),
    };
    let params = params_struct(op, plan.prelude);
    let response = response_set(
        plan.prelude,
        &ident("Response"),
        &op.responses,
        &format!("Responses of `{}`.", op.label()),
        "",
    );
    // What the operation streams, if anything: the one place this backend tells the
    // streaming shapes apart.
    let streamed = match &op.streaming {
        Streaming::None => TokenStream::new(),
        Streaming::Envelope(push) => push_types(op, push, plan.prelude),
        Streaming::Items(stream) => crate::items::item_types(op, stream, plan),
        Streaming::Conditional(conditional) => {
            crate::items::item_types(op, &conditional.stream, plan)
        }
    };
    let check = plan.check_request(op);
    let security = plan.security.constant(op);
    let body = quote!(#params #security #check #response #streamed);
    let names_types = Uses::of(&body).types;
    let types = names_types.then(|| quote!(types,));
    let validate = (!check.is_empty()).then(|| quote!(validate,));
    let auth = (!security.is_empty()).then(|| quote!(auth,));
    let imports = quote!(
        use super::{#auth #types #validate wire};
    );
    let module = quote! {
        #[doc = #title]
        pub mod #module {
            #imports

            #body
        }
    };
    (module, names_types)
}

fn params_struct(op: &Operation, prelude: Prelude) -> TokenStream {
    if op.parameters.is_empty() {
        return TokenStream::new();
    }
    let fields = op.parameters.iter().map(|p| {
        let docs = doc_opt(p.description.as_deref());
        let name = ident(&p.name.snake);
        let ty = if p.required {
            rust_type(&p.ty, Site::outside(prelude))
        } else {
            optional(&p.ty, false, Site::outside(prelude))
        };
        quote! {
            #docs
            pub #name: #ty,
        }
    });
    let title = format!(" Parameters of `{}`.", op.label());
    quote! {
        #[doc = #title]
        #[derive(Debug, Clone, PartialEq)]
        pub struct Params {
            #(#fields)*
        }
    }
}

/// A response enum (one variant per response), its header structs, and its
/// `wire::ResponseParts` implementation. `prefix` keeps header struct names apart when
/// several response sets share a module.
fn response_set(
    prelude: Prelude,
    name: &Ident,
    responses: &[Response],
    title: &str,
    prefix: &str,
) -> TokenStream {
    let site = Site::outside(prelude);
    let mut header_structs = Vec::new();
    let mut variants = Vec::new();
    let mut write_arms = Vec::new();
    let mut read_arms: Vec<(u8, TokenStream)> = Vec::new();
    let mut default_read = None;
    for response in responses {
        let variant = ident(&response.name.camel);
        let docs = doc(&format!(
            "{}: {}",
            status_text(response.status),
            response.description
        ));
        let mut fields = Vec::new();
        let mut bindings = Vec::new();
        let mut writes = Vec::new();
        let mut reads = Vec::new();
        let status_is_field = !matches!(response.status, StatusMatch::Code(_));
        if status_is_field {
            fields.push(quote!(status: u16));
            bindings.push(quote!(status));
            reads.push(quote!(status: head.status));
        }
        if !response.headers.is_empty() {
            let headers_name = ident_fmt(format_args!("{prefix}{}Headers", response.name.camel));
            let header_fields = response.headers.iter().map(|h| {
                let docs = doc_opt(h.description.as_deref());
                let field = ident(&h.name.snake);
                let ty = if h.required {
                    rust_type(&h.ty, site)
                } else {
                    optional(&h.ty, false, site)
                };
                quote! { #docs pub #field: #ty, }
            });
            let header_reads = response.headers.iter().map(|h| {
                let field = ident(&h.name.snake);
                let wire_name = &h.name.original;
                if h.required {
                    quote!(#field: head.header(#wire_name)?,)
                } else {
                    quote!(#field: head.header_opt(#wire_name)?,)
                }
            });
            let header_writes = response.headers.iter().map(|h| {
                let field = ident(&h.name.snake);
                // Lower case, as HTTP/2 and the envelope carry header names.
                let wire_name = h.name.original.to_ascii_lowercase();
                quote!(out.header(#wire_name, &headers.#field)?;)
            });
            let struct_doc = format!(" Headers of [`{name}::{variant}`].");
            header_structs.push(quote! {
                #[doc = #struct_doc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct #headers_name {
                    #(#header_fields)*
                }
            });
            fields.push(quote!(headers: #headers_name));
            bindings.push(quote!(headers));
            writes.extend(header_writes);
            reads.push(quote!(headers: #headers_name { #(#header_reads)* }));
        }
        let status = match response.status {
            StatusMatch::Code(code) => {
                let code = Literal::u16_unsuffixed(code);
                quote!(#code)
            }
            _ => quote!(*status),
        };
        let (write_body, read_body) = match &response.body {
            Some(body) => {
                let ty = rust_type(&body.ty, site);
                fields.push(quote!(body: #ty));
                bindings.push(quote!(body));
                reads.push(quote!(body: wire::body(body)?));
                (quote!(out.json(body)), None)
            }
            // A body the response does not declare is passed over, not refused.
            None => (quote!(Ok(())), Some(quote!(wire::no_body(body)?;))),
        };
        let pattern = if fields.is_empty() {
            variants.push(quote! { #docs #variant, });
            quote!(Self::#variant)
        } else {
            variants.push(quote! { #docs #variant { #(#fields),* }, });
            quote!(Self::#variant { #(#bindings),* })
        };
        write_arms.push(quote! {
            #pattern => {
                out.status(#status);
                #(#writes)*
                #write_body
            }
        });
        let construct = if reads.is_empty() {
            quote!(Self::#variant)
        } else {
            quote!(Self::#variant { #(#reads),* })
        };
        let read = match read_body {
            Some(skip) => quote!({
                #skip
                Ok(#construct)
            }),
            None => quote!(Ok(#construct)),
        };
        if response.status == StatusMatch::Default {
            default_read = Some(read.clone());
        }
        let (rank, pattern) = match response.status {
            StatusMatch::Code(code) => {
                let code = Literal::u16_unsuffixed(code);
                (0, quote!(#code))
            }
            StatusMatch::Range(d) => {
                let low = Literal::u16_unsuffixed(u16::from(d) * 100);
                let high = Literal::u16_unsuffixed(u16::from(d) * 100 + 99);
                (1, quote!(#low..=#high))
            }
            StatusMatch::Default => (2, quote!(_)),
        };
        read_arms.push((rank, quote!(#pattern => #read,)));
    }
    // Exact codes first, then ranges, then `default`, as OpenAPI prescribes.
    read_arms.sort_by_key(|(rank, _)| *rank);
    let has_default = responses.iter().any(|r| r.status == StatusMatch::Default);
    let fallback =
        (!has_default).then(|| quote!(status => Err(wire::DecodeError::status(status).into()),));
    // A lone `default` matches every status: no `match` (clippy::match_single_binding).
    let only_default = responses.len() == 1 && has_default;
    let read_arms = read_arms.into_iter().map(|(_, arm)| arm);
    let allow =
        variant_names_allowance(&name.to_string(), responses.iter().map(|r| &*r.name.camel));
    let title = format!(" {title}");
    let result = prelude.path(Std::Result);
    let read_body = if let (true, Some(read)) = (only_default, &default_read) {
        read.clone()
    } else {
        quote! {
            match head.status {
                #(#read_arms)*
                #fallback
            }
        }
    };
    quote! {
        #[doc = #title]
        #allow
        #[allow(
            clippy::large_enum_variant,
            reason = "one variant per declared response; boxing bodies would cost every response an allocation"
        )]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }

        impl wire::ResponseParts for #name {
            fn write<W: wire::WriteParts>(&self, out: &mut W) -> #result<(), wire::EncodeError> {
                match self {
                    #(#write_arms)*
                }
            }

            fn read<'de, D: wire::Deserializer<'de>>(
                head: &wire::Head<'_>,
                body: D,
            ) -> #result<Self, wire::ReadError<D::Error>> {
                #read_body
            }
        }

        #(#header_structs)*
    }
}

fn status_text(status: StatusMatch) -> String {
    match status {
        StatusMatch::Code(code) => code.to_string(),
        StatusMatch::Range(d) => format!("{d}XX"),
        StatusMatch::Default => "default".into(),
    }
}

fn push_types(op: &Operation, push: &EnvelopePush, prelude: Prelude) -> TokenStream {
    let [result, option, from] =
        [Std::Result, Std::Option, Std::From].map(|name| prelude.path(name));
    let mut variants = Vec::new();
    let mut items = Vec::new();
    let mut write_arms = Vec::new();
    let mut read_arms = Vec::new();
    let mut froms = Vec::new();
    let wire_names = push.items.iter().map(|item| &item.wire_name);
    for item in &push.items {
        let variant = ident(&item.name.camel);
        let template = &item.path.template;
        let wire_name = &item.wire_name;
        let item_doc = item_doc(item);
        variants.push(quote! {
            #[doc = #item_doc]
            #variant(#variant),
        });
        items.push(push_item(item, prelude));
        let values = item.variables.iter().map(|v| {
            let field = ident(&v.name.snake);
            quote!(&push.#field)
        });
        write_arms.push(quote! {
            Self::#variant(push) => {
                out.push(#wire_name, #template, &[#(#values),*])?;
                wire::ResponseParts::write(&push.response, out)
            }
        });
        let fields = item.variables.iter().enumerate().map(|(i, v)| {
            let field = ident(&v.name.snake);
            let i = Literal::usize_unsuffixed(i);
            quote!(#field: variables.get(#i)?,)
        });
        let bind = if item.variables.is_empty() {
            quote!(head.path_variables(#template)?;)
        } else {
            quote!(let variables = head.path_variables(#template)?;)
        };
        read_arms.push(quote! {
            #wire_name => {
                #bind
                Ok(Some(Self::#variant(#variant {
                    #(#fields)*
                    response: wire::ResponseParts::read(head, body)?,
                })))
            }
        });
        froms.push(quote! {
            impl #from<#variant> for Push {
                fn from(push: #variant) -> Self {
                    Self::#variant(push)
                }
            }
        });
    }
    let title = format!(
        " What the server may push while it handles `{}`.",
        op.label()
    );
    let allow = variant_names_allowance("Push", push.items.iter().map(|i| &*i.name.camel));
    quote! {
        #[doc = #title]
        #allow
        #[derive(Debug, Clone, PartialEq)]
        pub enum Push {
            #(#variants)*
        }

        impl wire::PushMessage for Push {
            const EVENTS: &'static [&'static str] = &[#(#wire_names),*];

            fn write<W: wire::WritePush>(&self, out: &mut W) -> #result<(), wire::EncodeError> {
                match self {
                    #(#write_arms)*
                }
            }

            fn read<'de, D: wire::Deserializer<'de>>(
                event: &str,
                head: &wire::Head<'_>,
                body: D,
            ) -> #result<#option<Self>, wire::ReadError<D::Error>> {
                match event {
                    #(#read_arms)*
                    _ => {
                        wire::no_body(body)?;
                        Ok(None)
                    }
                }
            }
        }

        #(#froms)*
        #(#items)*
    }
}

fn item_doc(item: &PushItem) -> String {
    match &item.description {
        Some(d) => format!(
            " `{}`: {}",
            item.path.template,
            d.lines().next().unwrap_or("")
        ),
        None => format!(" `{}`.", item.path.template),
    }
}

fn push_item(item: &PushItem, prelude: Prelude) -> TokenStream {
    let name = ident(&item.name.camel);
    let response_name = ident_fmt(format_args!("{}Response", item.name.camel));
    let fields = item.variables.iter().map(|v| {
        let docs = match &v.description {
            Some(d) => doc(d),
            None => doc(&format!("The push path's `{{{}}}`.", v.name.original)),
        };
        let field = ident(&v.name.snake);
        let ty = rust_type(&v.ty, Site::outside(prelude));
        quote! { #docs pub #field: #ty, }
    });
    let title = format!(" A push of `{}`.", item.path.template);
    let description = item.description.as_deref().map(|d| {
        let d = doc(d);
        quote!(#[doc = ""] #d)
    });
    let responses = response_set(
        prelude,
        &response_name,
        &item.responses,
        &format!("What a push of `{}` carries.", item.path.template),
        &item.name.camel,
    );
    quote! {
        #[doc = #title]
        #description
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            #(#fields)*
            /// The pushed response.
            pub response: #response_name,
        }

        #responses
    }
}

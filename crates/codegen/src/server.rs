//! `server.rs`: the trait a server implements, and the axum router that drives it.

use crate::docs::{doc, doc_opt};
use crate::ident::ident;
use crate::imports::{self, Uses};
use crate::operations::signature;
use crate::parallel::{Piece, Slotted, Split};
use crate::prelude::{Prelude, Std};
use crate::render::{self, Within, slot};
use crate::runtime::RT;
use crate::validate::Plan;
use proc_macro2::TokenStream;
use pushgen_ir::{Api, Operation, ParamLocation, Streaming, TypeRef};
use quote::quote;

/// What `server.rs` holds beyond its fixed items: built together ([`generate`]), or in
/// pieces with slots in their places ([`split`]).
struct Contents {
    /// The file's `use` line.
    imports: TokenStream,
    /// The trait's methods.
    methods: TokenStream,
    /// The handlers module's `use super::…` line.
    handler_imports: TokenStream,
    handlers: TokenStream,
}

/// The whole of `server.rs`.
pub fn generate(api: &Api, plan: &Plan<'_>) -> TokenStream {
    let trait_name = ident(&api.name.camel);
    let methods = trait_methods(&api.operations, plan);
    let handlers = handlers(&api.operations, &trait_name, plan);
    let contents = Contents {
        imports: imports::siblings(Uses::of(&methods), plan),
        handler_imports: handler_imports(Uses::of(&handlers), &trait_name),
        methods,
        handlers,
    };
    file(api, plan, contents)
}

/// `server.rs` in pieces: the file with slots, then the trait's methods and the
/// handlers, `per_piece` operations a piece.
pub fn split<'a>(api: &'a Api, plan: &'a Plan<'a>, per_piece: usize) -> Split<'a> {
    let chunks = || api.operations.chunks(per_piece);
    let file = Piece::new(move || {
        let contents = Contents {
            imports: slot("imports"),
            methods: slot("methods"),
            handler_imports: slot("handler_imports"),
            handlers: slot("handlers"),
        };
        file(api, plan, contents)
    });
    Slotted::new("server.rs", file)
        .run("methods", Within::Trait, chunks(), move |ops| {
            trait_methods(ops, plan)
        })
        .run("handlers", Within::Module, chunks(), move |ops| {
            handlers(ops, &ident(&api.name.camel), plan)
        })
        .split(move |slot, runs| match slot {
            "imports" => render::items(imports::siblings(runs.uses(&["methods"]), plan)),
            _ => render::items_within(
                Within::Module,
                handler_imports(runs.uses(&["handlers"]), &ident(&api.name.camel)),
            ),
        })
}

fn trait_methods(operations: &[Operation], plan: &Plan<'_>) -> TokenStream {
    let methods = operations.iter().map(|op| {
        let gate = plan.tags.operation(op);
        let method = trait_method(op, plan);
        quote!(#gate #method)
    });
    quote!(#(#methods)*)
}

fn handlers(
    operations: &[Operation],
    trait_name: &proc_macro2::Ident,
    plan: &Plan<'_>,
) -> TokenStream {
    let handlers = operations.iter().map(|op| {
        let gate = plan.tags.operation(op);
        let handler = handler(op, trait_name, plan);
        quote!(#gate #handler)
    });
    quote!(#(#handlers)*)
}

/// The handlers module's `use super::…` line: the trait, and what the handlers name.
/// The handlers' `use` lines: the sibling modules and the runtime's `server` module
/// (by its short path, `server::respond`) where they name them.
fn handler_imports(uses: Uses, trait_name: &proc_macro2::Ident) -> TokenStream {
    let operations = uses.operations.then(|| quote!(operations,));
    let types = uses.types.then(|| quote!(types,));
    let server = uses.server.then(|| quote!(self,));
    quote! {
        use super::{#operations #types #trait_name};
        use #RT::axum::extract::State;
        use #RT::axum::response::Response;
        use #RT::server::{#server Incoming, Shared};
    }
}

fn file(api: &Api, plan: &Plan<'_>, contents: Contents) -> TokenStream {
    let Contents {
        imports,
        methods,
        handler_imports,
        handlers,
    } = contents;
    let trait_name = ident(&api.name.camel);
    let trait_doc = doc(&format!(
        "The {} ({}), as a server implements it.",
        api.title, api.version
    ));
    let api_doc = doc_opt(api.description.as_deref());
    let authenticate = authenticate_method(plan);
    let (routes, dispatch) = crate::routes::routes(api, &trait_name, &plan.tags);
    // An API without operations (only webhooks) has no handlers, and no imports for them.
    let allow = plan.tags.allow_unused_imports();
    let handlers_module = (!api.operations.is_empty()).then(|| {
        quote! {
            /// One axum handler per operation: read the request, call the trait, answer.
            #allow
            mod handlers {
                #handler_imports

                #handlers
                #dispatch
            }
        }
    });
    let router_doc = format!(" Routes every operation of [`{trait_name}`] to `api`.");
    let [send, sync] = [Std::Send, Std::Sync].map(|name| plan.prelude.path(name));
    quote! {
        #imports

        #trait_doc
        #[doc = ""]
        #api_doc
        pub trait #trait_name: #send + #sync + 'static {
            #authenticate
            #methods
        }
        #[doc = #router_doc]
        pub fn router<A: #trait_name>(api: A) -> #RT::axum::Router {
            router_with_config(api, #RT::server::ServerConfig::default())
        }

        #[doc = #router_doc]
        ///
        /// `config` sets the push buffer and the keep-alive interval.
        ///
        /// Routes name path variables by position (`{p2}` is the path's second segment),
        /// so no two operations' names for a variable can clash; each handler reads its
        /// parameters by its operation's own path template. A path no operation has is
        /// answered `404`, a method its operations do not have `405` with `Allow`, both
        /// as RFC 9457 problem documents.
        pub fn router_with_config<A: #trait_name>(
            api: A,
            config: #RT::server::ServerConfig,
        ) -> #RT::axum::Router {
            #routes
                .fallback(#RT::server::no_operation)
                .method_not_allowed_fallback(#RT::server::method_not_allowed)
                .with_state(#RT::server::Shared::new(api, config))
        }

        #handlers_module
    }
}

/// For an API with secured operations, the trait's `Identity` and `authenticate`,
/// neither with a default: a server that does not say how it authenticates does not
/// compile, so none is open by mistake.
fn authenticate_method(plan: &Plan<'_>) -> TokenStream {
    if !plan.security.any() {
        return TokenStream::new();
    }
    let schemes: Vec<String> = plan
        .security
        .schemes()
        .map(|(scheme, _)| {
            format!(
                " - `{}`: {}",
                scheme.name,
                crate::security::describe(scheme)
            )
        })
        .collect();
    let [send, sync, result] =
        [Std::Send, Std::Sync, Std::Result].map(|name| plan.prelude.path(name));
    quote! {
        /// Who an accepted credential identifies: what [`Self::authenticate`] returns,
        /// and what every secured operation's method receives as `identity`.
        type Identity: #send + #sync + 'static;

        /// Decides whether the credentials a request presents for one of an
        /// operation's security requirements identify a caller who may call it; runs
        /// before the operation's method, which runs only if this accepts.
        ///
        /// `attempt` holds every credential of the requirement (each scheme's, with the
        /// scopes the operation needs of it: check them); requirements are tried in the
        /// spec's order while the request carries their credentials. Return
        /// `Refusal::unauthenticated` (`401`, with `WWW-Authenticate`) for credentials
        /// that identify no one, `Refusal::forbidden` (`403`) for a caller who may not
        /// do this. A request with no credentials for any requirement is answered `401`
        /// without calling this. The schemes:
        ///
        #(#[doc = #schemes])*
        fn authenticate(
            &self,
            attempt: #RT::server::Attempt,
        ) -> impl ::std::future::Future<
            Output = #result<Self::Identity, #RT::server::Refusal>,
        > + #send;
    }
}

fn trait_method(op: &Operation, plan: &Plan<'_>) -> TokenStream {
    let name = ident(&op.name.snake);
    let module = ident(&op.name.snake);
    let mut docs = Vec::new();
    if let Some(summary) = &op.summary {
        docs.push(doc(summary));
    }
    if let Some(description) = &op.description {
        if !docs.is_empty() {
            docs.push(quote!(#[doc = ""]));
        }
        docs.push(doc(description));
    }
    if !docs.is_empty() {
        docs.push(quote!(#[doc = ""]));
    }
    let sig = format!(" `{}`", signature(op));
    docs.push(quote!(#[doc = #sig]));
    let (sink_doc, sink) = sink(op);
    docs.push(sink_doc);
    let [option, send] = [Std::Option, Std::Send].map(|name| plan.prelude.path(name));
    let mut args = vec![quote!(context: #RT::server::RequestContext)];
    if plan.security.secures(op) {
        args.push(if plan.security.anonymous(op) {
            quote!(identity: #option<Self::Identity>)
        } else {
            quote!(identity: Self::Identity)
        });
    }
    if !op.parameters.is_empty() {
        args.push(quote!(params: operations::#module::Params));
    }
    if let Some(body) = &op.request_body {
        let ty = crate::body::server_type(body, plan.prelude);
        args.push(if body.required {
            quote!(body: #ty)
        } else {
            quote!(body: #option<#ty>)
        });
    }
    args.extend(sink);
    quote! {
        #(#docs)*
        fn #name(
            &self,
            #(#args),*
        ) -> impl ::std::future::Future<Output = operations::#module::Response> + #send;
    }
}

fn handler(op: &Operation, trait_name: &proc_macro2::Ident, plan: &Plan<'_>) -> TokenStream {
    let name = ident(&op.name.snake);
    let module = ident(&op.name.snake);
    let mut bindings = Vec::new();
    let mut reads = Vec::new();
    if !op.parameters.is_empty() {
        let fields = op.parameters.iter().map(|p| {
            let field = ident(&p.name.snake);
            let wire = &p.name.original;
            let list = matches!(strip_nullable(&p.ty), TypeRef::Array(_));
            let getter = match (p.location, list, p.required) {
                (ParamLocation::Path, _, _) => {
                    let template = &op.path.template;
                    return match crate::rust_type::non_default_style(p) {
                        Some((style, explode)) => quote! {
                            #field: request.path_styled(#template, #wire, #style, #explode)?
                        },
                        None => quote!(#field: request.path_var(#template, #wire)?),
                    };
                }
                (ParamLocation::Query, _, required)
                    if let Some((style, explode)) = crate::rust_type::non_default_style(p) =>
                {
                    let getter = ident(if required {
                        "query_styled"
                    } else {
                        "query_styled_opt"
                    });
                    return quote!(#field: request.#getter(#wire, #style, #explode)?);
                }
                (ParamLocation::Query, true, true) => "query_all",
                (ParamLocation::Query, true, false) => "query_all_opt",
                (ParamLocation::Query, false, true) => "query",
                (ParamLocation::Query, false, false) => "query_opt",
                (ParamLocation::Header, _, true) => "header",
                (ParamLocation::Header, _, false) => "header_opt",
                (ParamLocation::Cookie, _, true) => "cookie",
                (ParamLocation::Cookie, _, false) => "cookie_opt",
            };
            let getter = ident(getter);
            quote!(#field: request.#getter(#wire)?)
        });
        bindings.push(quote!(params));
        reads.push(quote!(operations::#module::Params { #(#fields),* }));
    }
    if let Some(body) = &op.request_body {
        let read = crate::body::server_read(body, plan.prelude);
        bindings.push(quote!(body));
        reads.push(quote!(#read?));
    }
    let read = if bindings.is_empty() {
        TokenStream::new()
    } else if bindings.len() == 1 && op.parameters.is_empty() {
        // The body alone: its reader already returns the rejection.
        let value = direct_body(op, plan.prelude);
        quote! {
            let body = match #value {
                Ok(body) => body,
                Err(rejection) => return rejection.into_response(),
            };
        }
    } else {
        let result = plan.prelude.path(Std::Result);
        let (pattern, value) = if bindings.len() == 1 {
            (bindings[0].clone(), reads[0].clone())
        } else {
            (quote!((#(#bindings),*)), quote!((#(#reads),*)))
        };
        quote! {
            let read = || -> #result<_, server::Rejection> {
                Ok(#value)
            };
            let #pattern = match read() {
                Ok(read) => read,
                Err(rejection) => return rejection.into_response(),
            };
        }
    };
    // What the spec declares beyond types is checked before the handler runs.
    let check = plan.request_args(op).map(|(params, body)| {
        let mut args = Vec::new();
        if params {
            args.push(quote!(&params));
        }
        if body {
            let required = op.request_body.as_ref().is_some_and(|b| b.required);
            args.push(if required {
                quote!(&body)
            } else {
                quote!(body.as_ref())
            });
        }
        quote! {
            if let Err(violations) =
                operations::#module::check_request(#(#args),*)
            {
                return server::Rejection::invalid(violations).into_response();
            }
        }
    });
    // Credentials first: a caller who may not call the operation learns nothing from
    // how its request would have been read.
    let authenticate = plan.security.secures(op).then(|| {
        let label = op.label();
        let function = if plan.security.anonymous(op) {
            quote!(authenticate_optional)
        } else {
            quote!(authenticate)
        };
        quote! {
            let authenticator = shared.api();
            let identity = match server::#function(
                &request,
                #label,
                &operations::#module::SECURITY,
                |attempt| authenticator.authenticate(attempt),
            )
            .await
            {
                Ok(identity) => identity,
                Err(refused) => return refused,
            };
        }
    });
    let negotiate = accept_check(op);
    let mut call_args = vec![quote!(context)];
    if authenticate.is_some() {
        call_args.push(quote!(identity));
    }
    call_args.extend(bindings.iter().cloned());
    let body = match &op.streaming {
        Streaming::None => quote! {
            let response: operations::#module::Response = shared.api().#name(#(#call_args),*).await;
            server::respond(&response)
        },
        Streaming::Envelope(_) => {
            call_args.push(quote!(push));
            quote! {
                let api = shared.api();
                shared
                    .serve_push(&request, move |push| async move {
                        api.#name(#(#call_args),*).await
                    })
                    .await
            }
        }
        Streaming::Items(_) | Streaming::Conditional(_) => {
            call_args.push(quote!(items));
            let streaming = match &op.streaming {
                Streaming::Conditional(c) => {
                    let flag = &c.flag;
                    let default = c.streams_by_default;
                    quote!(request.flag(#flag, #default))
                }
                _ => quote!(true),
            };
            quote! {
                let api = shared.api();
                shared
                    .serve_items(#streaming, move |items| async move {
                        api.#name(#(#call_args),*).await
                    })
                    .await
            }
        }
    };
    quote! {
        pub(super) async fn #name<A: #trait_name>(
            State(shared): State<Shared<A>>,
            request: Incoming,
        ) -> Response {
            #authenticate
            #negotiate
            #read
            #check
            let context = request.context();
            #body
        }
    }
}

/// For an operation that declares a `406` response: a request whose `Accept` allows
/// none of the media types it answers with gets that `406` (as a problem document).
fn accept_check(op: &Operation) -> Option<TokenStream> {
    let declares = op
        .responses
        .iter()
        .any(|r| r.status == pushgen_ir::StatusMatch::Code(406));
    if !declares {
        return None;
    }
    // Plain answers are JSON whatever the spec lists (docs/PROTOCOL.md, section 4).
    let mut produced: Vec<&str> = Vec::new();
    if op.responses.iter().any(|r| r.body.is_some()) {
        produced.push("application/json");
    }
    match &op.streaming {
        Streaming::None => {}
        Streaming::Envelope(_) => produced.extend([
            "text/event-stream",
            "application/x-ndjson",
            "application/jsonl",
        ]),
        Streaming::Items(stream) => produced.push(stream.media.as_str()),
        Streaming::Conditional(c) => produced.push(c.stream.media.as_str()),
    }
    if produced.is_empty() {
        return None;
    }
    Some(quote! {
        if let Err(rejection) = request.check_accept(&[#(#produced),*]) {
            return rejection.into_response();
        }
    })
}

/// The sink a streaming operation's handler gets, and what its docs say about it: the
/// one place this backend tells the streaming shapes apart for the trait.
fn sink(op: &Operation) -> (TokenStream, Option<TokenStream>) {
    let module = ident(&op.name.snake);
    match &op.streaming {
        Streaming::None => (TokenStream::new(), None),
        Streaming::Envelope(_) => (
            quote! {
                #[doc = ""]
                /// Pushes sent to `push` reach a client that asked for a stream (SSE, NDJSON
                /// or JSON Lines) before the response returned here; other clients get only
                /// the response.
            },
            Some(quote!(push: #RT::server::PushSink<operations::#module::Push>)),
        ),
        Streaming::Items(stream) => {
            let text = format!(
                " Items sent to `items` are the answer, as `{}`. Returning a `2xx` ends the \
                 stream; returning anything else before the first item answers with it \
                 instead.",
                stream.media.as_str()
            );
            (
                quote!(#[doc = ""] #[doc = #text]),
                Some(quote!(items: #RT::server::ItemSink<operations::#module::Items>)),
            )
        }
        Streaming::Conditional(c) => {
            let text = format!(
                " When the request's `{flag}` is true{default}, items sent to `items` are the \
                 answer, as `{media}`, and a `2xx` returned here only ends the stream; \
                 otherwise `items` drops them and the response returned here is the answer. \
                 One implementation serves both; `items.is_streaming()` tells which.",
                flag = c.flag,
                default = if c.streams_by_default {
                    " (the default)"
                } else {
                    ""
                },
                media = c.stream.media.as_str(),
            );
            (
                quote!(#[doc = ""] #[doc = #text]),
                Some(quote!(items: #RT::server::ItemSink<operations::#module::Items>)),
            )
        }
    }
}

fn direct_body(op: &Operation, prelude: Prelude) -> TokenStream {
    match &op.request_body {
        Some(body) => crate::body::server_read(body, prelude),
        None => TokenStream::new(),
    }
}

fn strip_nullable(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Nullable(inner) => strip_nullable(inner),
        other => other,
    }
}

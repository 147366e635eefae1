//! `client.rs`: the client struct, one method per operation, and for each push
//! operation an observer trait and a `Stream` alternative.

use crate::docs::{doc, doc_opt};
use crate::ident::{ident, ident_fmt};
use crate::imports::{self, Uses};
use crate::operations::signature;
use crate::parallel::{Piece, Slotted, Split};
use crate::prelude::{Prelude, Std};
use crate::render::{self, Within, slot};
use crate::runtime::RT;
use crate::security::{Http, http};
use crate::validate::Plan;
use proc_macro2::TokenStream;
use pushgen_ir::{Api, EnvelopePush, Method, Operation, ParamLocation, SecurityKind, Streaming};
use quote::quote;

/// What `client.rs` holds beyond its fixed items: built together ([`generate`]), or in
/// pieces with slots in their places ([`split`]).
struct Contents {
    /// The `use` line of the sibling modules the methods and observers name.
    imports: TokenStream,
    /// The client's methods, one or two per operation.
    methods: TokenStream,
    /// The observer traits of push operations.
    observers: TokenStream,
}

/// The whole of `client.rs`.
pub fn generate(api: &Api, plan: &Plan<'_>) -> TokenStream {
    let methods = methods(&api.operations, plan);
    let observers = observers(&api.operations, plan);
    let contents = Contents {
        imports: imports::siblings(Uses::of(&methods) | Uses::of(&observers), plan),
        methods,
        observers,
    };
    file(api, plan, contents)
}

/// `client.rs` in pieces: the file with slots, then the client's methods and the
/// observer traits, `per_piece` operations a piece.
pub fn split<'a>(api: &'a Api, plan: &'a Plan<'a>, per_piece: usize) -> Split<'a> {
    let chunks = || api.operations.chunks(per_piece);
    let file = Piece::new(move || {
        let contents = Contents {
            imports: slot("imports"),
            methods: slot("methods"),
            observers: slot("observers"),
        };
        file(api, plan, contents)
    });
    Slotted::new("client.rs", file)
        .run("methods", Within::Impl, chunks(), move |ops| {
            methods(ops, plan)
        })
        .run("observers", Within::File, chunks(), move |ops| {
            observers(ops, plan)
        })
        .split(move |_imports, runs| {
            render::items(imports::siblings(
                runs.uses(&["methods", "observers"]),
                plan,
            ))
        })
}

fn methods(operations: &[Operation], plan: &Plan<'_>) -> TokenStream {
    let methods = operations
        .iter()
        .map(|op| crate::tags::on_items(&plan.tags.operation(op), method(op, plan)));
    quote!(#(#methods)*)
}

fn observers(operations: &[Operation], plan: &Plan<'_>) -> TokenStream {
    let observers = operations.iter().map(|op| {
        let observer = match &op.streaming {
            Streaming::Envelope(push) => observer(op, push),
            Streaming::Items(stream) => crate::client_items::observer(op, stream, plan.prelude),
            Streaming::None | Streaming::Conditional(_) => TokenStream::new(),
        };
        crate::tags::on_items(&plan.tags.operation(op), observer)
    });
    quote!(#(#observers)*)
}

fn file(api: &Api, plan: &Plan<'_>, contents: Contents) -> TokenStream {
    let Contents {
        imports,
        methods,
        observers,
    } = contents;
    let client = ident_fmt(format_args!("{}Client", api.name.camel));
    let client_doc = doc(&format!("A client of the {} ({}).", api.title, api.version));
    let api_doc = doc_opt(api.description.as_deref());
    let credentials = credential_setters(api, plan);
    let allow = plan.tags.allow_unused_imports();
    let into_string = into_string(plan.prelude);
    let [call, send, sync] = [Std::Fn, Std::Send, Std::Sync].map(|name| plan.prelude.path(name));
    let runtime_imports = if api.operations.is_empty() {
        TokenStream::new()
    } else {
        // What the observer methods match on, named once here.
        let pushed = api.push_operations().next().map(|_| quote!(Pushed,));
        let item_event = api
            .operations
            .iter()
            .any(|op| matches!(op.streaming, Streaming::Items(_)))
            .then(|| quote!(ItemEvent,));
        quote!(
            #allow
            use #RT::client::{Error, #item_event #pushed};
        )
    };
    quote! {
        #imports
        #runtime_imports

        #client_doc
        #[doc = ""]
        #api_doc
        #[derive(Debug, Clone)]
        pub struct #client {
            inner: #RT::client::Inner,
        }

        impl #client {
            /// A client of the API at `base_url` (e.g. `http://127.0.0.1:8080`), with a
            /// default `reqwest::Client`.
            pub fn new(base_url: #into_string) -> Self {
                Self { inner: #RT::client::Inner::new(base_url.into()) }
            }

            /// A client that sends its requests through `http`. Give it no total
            /// `timeout`: a push operation's response lasts as long as its pushes.
            pub fn with_http_client(
                base_url: #into_string,
                http: #RT::reqwest::Client,
            ) -> Self {
                Self { inner: #RT::client::Inner::with_http_client(base_url.into(), http) }
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                self.inner.base_url()
            }

            /// Bounds on what a server's stream may make the client hold (default:
            /// 16 MiB a line and an event); past them a call fails.
            pub fn with_sse_limits(mut self, limits: #RT::sse::Limits) -> Self {
                self.inner.set_sse_limits(limits);
                self
            }

            /// How the client reads answers: stream limits, the longest plain answer,
            /// the idle timeout between bytes of a stream, the push binding.
            pub fn with_config(mut self, config: #RT::client::Config) -> Self {
                *self.inner.config_mut() = config;
                self
            }

            /// The stream format push operations ask for (default: SSE).
            pub fn with_push_binding(mut self, binding: #RT::client::PushBinding) -> Self {
                self.inner.config_mut().push_binding = binding;
                self
            }

            /// The TLS settings `PushBinding::Http2Push` connects to `https://` URLs
            /// with (default: the platform's verifier). The runtime's `rustls` feature
            /// makes them from a `rustls::ClientConfig`.
            pub fn with_http2_tls(mut self, tls: #RT::client::Http2Tls) -> Self {
                self.inner.set_http2_tls(tls);
                self
            }

            /// Whether to check each request against the rules its schemas declare
            /// (`maxLength`, `minimum`, `pattern`, …) before sending it, failing with
            /// `Error::Invalid` instead (default: no; the server checks them anyway).
            pub fn with_request_validation(mut self, on: bool) -> Self {
                self.inner.config_mut().validate_requests = on;
                self
            }

            /// Headers sent with every request, unless a call sets the same one.
            pub fn with_default_headers(mut self, headers: #RT::reqwest::header::HeaderMap) -> Self {
                self.inner.credentials_mut().set_default_headers(headers);
                self
            }

            /// Runs `hook` on every request just before it is sent, after credentials
            /// and default headers are added (to sign it, say).
            pub fn with_request_hook(
                mut self,
                hook: impl #call(&mut #RT::reqwest::Request) + #send + #sync + 'static,
            ) -> Self {
                self.inner.credentials_mut().set_hook(::std::sync::Arc::new(hook));
                self
            }

            #credentials

            #methods
        }

        #observers
    }
}

/// `impl Into<String>`: what the client's setters take for text.
fn into_string(prelude: Prelude) -> TokenStream {
    let [into, string] = [Std::Into, Std::String].map(|name| prelude.path(name));
    quote!(impl #into<#string>)
}

/// A `with_<scheme>` setter per security scheme an operation uses: the credential is set
/// once, and each request carries the ones its operation asks for.
fn credential_setters(api: &Api, plan: &Plan<'_>) -> TokenStream {
    const BUILDERS: &[&str] = &[
        "with_http_client",
        "with_sse_limits",
        "with_config",
        "with_push_binding",
        "with_http2_tls",
        "with_request_validation",
        "with_default_headers",
        "with_request_hook",
    ];
    let taken = |name: &str| {
        BUILDERS.contains(&name) || api.operations.iter().any(|op| op.name.snake == name)
    };
    let mut made: Vec<String> = Vec::new();
    let into_string = into_string(plan.prelude);
    let setters = plan.security.schemes().map(|(scheme, constant)| {
        let mut name = format!("with_{}", constant.to_string().to_lowercase());
        if taken(&name) || made.contains(&name) {
            name.push_str("_credential");
        }
        made.push(name.clone());
        let name = ident(&name);
        let text = doc(&format!(
            "The credential of the `{}` scheme, sent to each operation that accepts it: {}.",
            scheme.name,
            crate::security::describe(scheme)
        ));
        let (args, credential) = match &scheme.kind {
            SecurityKind::ApiKey { .. } => (quote!(key: #into_string), quote!(ApiKey(key.into()))),
            SecurityKind::Http { scheme, .. } if matches!(http(scheme), Http::Basic) => (
                quote!(
                    user: #into_string,
                    password: #into_string
                ),
                quote!(Basic {
                    user: user.into(),
                    password: password.into()
                }),
            ),
            SecurityKind::Http { scheme, .. } if matches!(http(scheme), Http::Other(_)) => {
                (quote!(value: #into_string), quote!(Http(value.into())))
            }
            // Bearer, OAuth 2.0 and OpenID Connect: a token.
            _ => (quote!(token: #into_string), quote!(Bearer(token.into()))),
        };
        quote! {
            #text
            pub fn #name(mut self, #args) -> Self {
                self.inner.set_credential(
                    &operations::schemes::#constant,
                    #RT::auth::Credential::#credential,
                );
                self
            }
        }
    });
    quote!(#(#setters)*)
}

/// Arguments shared by an operation's methods, and the request they build.
pub(crate) struct Call {
    pub args: Vec<TokenStream>,
    pub names: Vec<TokenStream>,
    pub request: TokenStream,
    /// `Result`, as the prelude is spelled: the methods' return type.
    pub result: TokenStream,
}

/// `flag`: for a stream-conditional operation, the body property that asks for the
/// stream and the value this method sends.
pub(crate) fn call(op: &Operation, flag: Option<(&str, bool)>, plan: &Plan<'_>) -> Call {
    let module = ident(&op.name.snake);
    let mut args = Vec::new();
    let mut names = Vec::new();
    if !op.parameters.is_empty() {
        args.push(quote!(params: &operations::#module::Params));
        names.push(quote!(params));
    }
    let method = ident(http_method(op.method));
    let template = &op.path.template;
    let mut steps = Vec::new();
    if plan.security.secures(op) {
        steps.push(quote!(.secured(operations::#module::SECURITY)));
    }
    if let Some((params, body)) = plan.request_args(op) {
        let params = params.then(|| quote!(params));
        let body = body.then(|| quote!(body));
        let args = params.into_iter().chain(body);
        steps.push(quote!(.checked(|| operations::#module::check_request(#(#args),*))));
    }
    for var in op.path.variables() {
        if let Some(p) = op
            .parameters
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.name.original == var)
        {
            let field = ident(&p.name.snake);
            steps.push(match crate::rust_type::non_default_style(p) {
                Some((style, explode)) => {
                    quote!(.path_styled(#var, &params.#field, #style, #explode))
                }
                None => quote!(.path(&params.#field)),
            });
        }
    }
    for p in &op.parameters {
        let field = ident(&p.name.snake);
        let wire = &p.name.original;
        match p.location {
            ParamLocation::Path => {}
            ParamLocation::Query => steps.push(match crate::rust_type::non_default_style(p) {
                Some((style, explode)) => {
                    quote!(.query_styled(#wire, &params.#field, #style, #explode))
                }
                None => quote!(.query(#wire, &params.#field)),
            }),
            ParamLocation::Header => steps.push(quote!(.header(#wire, &params.#field))),
            ParamLocation::Cookie => steps.push(quote!(.cookie(#wire, &params.#field))),
        }
    }
    if let Some(body) = &op.request_body {
        let ty = crate::body::client_type(body, plan.prelude);
        if body.required {
            args.push(quote!(body: &#ty));
        } else {
            let option = plan.prelude.path(Std::Option);
            args.push(quote!(body: #option<&#ty>));
        }
        names.push(quote!(body));
        steps.push(match flag {
            Some((flag, on)) if crate::body::is_json(body) => {
                let content_type = &body.content_type;
                if body.required {
                    quote!(.json_flag(#content_type, body, #flag, #on))
                } else {
                    quote!(.maybe(body, |call, body| call.json_flag(#content_type, body, #flag, #on)))
                }
            }
            _ => crate::body::client_step(body),
        });
    }
    Call {
        args,
        names,
        request: quote! {
            self.inner
                .request(#RT::client::Method::#method, #template)
                #(#steps)*
        },
        result: plan.prelude.path(Std::Result),
    }
}

fn method(op: &Operation, plan: &Plan<'_>) -> TokenStream {
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
    let docs = quote!(#(#docs)*);
    // The one place this backend tells the streaming shapes apart.
    match &op.streaming {
        Streaming::None => plain_method(op, &docs, call(op, None, plan)),
        Streaming::Envelope(push) => envelope_methods(op, push, &docs, plan),
        Streaming::Items(stream) => {
            crate::client_items::item_methods(op, stream, &docs, call(op, None, plan))
        }
        Streaming::Conditional(conditional) => {
            let flag = conditional.flag.as_str();
            let plain = plain_method(op, &docs, call(op, Some((flag, false)), plan));
            let streaming = crate::client_items::conditional_stream(
                op,
                conditional,
                call(op, Some((flag, true)), plan),
            );
            quote!(#plain #streaming)
        }
    }
}

fn plain_method(op: &Operation, docs: &TokenStream, call: Call) -> TokenStream {
    let name = ident(&op.name.snake);
    let module = ident(&op.name.snake);
    let Call {
        args,
        request,
        result,
        ..
    } = call;
    let response = quote!(operations::#module::Response);
    quote! {
        #docs
        pub async fn #name(&self, #(#args),*) -> #result<#response, Error> {
            #request.send().await
        }
    }
}

fn envelope_methods(
    op: &Operation,
    push: &EnvelopePush,
    docs: &TokenStream,
    plan: &Plan<'_>,
) -> TokenStream {
    let name = ident(&op.name.snake);
    let module = ident(&op.name.snake);
    let Call {
        args,
        names: arg_names,
        request,
        result,
    } = call(op, None, plan);
    let response = quote!(operations::#module::Response);
    let observer = ident_fmt(format_args!("{}Observer", op.name.camel));
    let stream = ident_fmt(format_args!("{}_stream", op.name.snake));
    let push_ty = quote!(operations::#module::Push);
    // A safe method or `x-push-resumable: true`: the stream reconnects and resumes.
    let resumable = push.resumable.then(|| quote!(.resumable()));
    let dispatch = push.items.iter().map(|item| {
        let variant = ident(&item.name.camel);
        let on = ident_fmt(format_args!("on_{}", item.name.snake));
        quote!(Pushed::Push(#push_ty::#variant(push)) => observer.#on(push),)
    });
    let observe_doc = [
        " Each push is handed to `observer` as it arrives, then the final response,".to_string(),
        format!(" which is also returned. [`Self::{stream}`] gives the same as a `Stream`."),
    ];
    let mut stream_doc = vec![
        format!(
            " `{}` as a `Stream`: every push, then the final response",
            op.label()
        ),
        " as the last item. The request is sent when the stream is first polled, in the"
            .to_string(),
        " client's push binding (SSE unless [`Self::with_push_binding`] chose another), or"
            .to_string(),
        " in the one `.binding(..)` on the returned stream picks.".to_string(),
    ];
    if push.resumable {
        stream_doc.extend([
            String::new(),
            " A connection that breaks off is resumed: the client reconnects with".to_string(),
            " `Last-Event-ID`, as the client's `Reconnect` configuration says.".to_string(),
        ]);
    }
    quote! {
        #docs
        #[doc = ""]
        #(#[doc = #observe_doc])*
        pub async fn #name(
            &self,
            #(#args,)*
            observer: &mut impl #observer,
        ) -> #result<#response, Error> {
            let mut stream = self.#stream(#(#arg_names),*).with_notices();
            loop {
                match stream.next_event().await? {
                    #(#dispatch)*
                    Pushed::Final(response) => {
                        observer.on_final(&response);
                        return Ok(response);
                    }
                    Pushed::Notice(notice) => observer.on_notice(&notice),
                }
            }
        }

        #(#[doc = #stream_doc])*
        pub fn #stream(
            &self,
            #(#args),*
        ) -> #RT::client::PushStream<#push_ty, #response> {
            #request #resumable.push_stream()
        }
    }
}

fn http_method(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Put => "PUT",
        Method::Post => "POST",
        Method::Delete => "DELETE",
        Method::Options => "OPTIONS",
        Method::Head => "HEAD",
        Method::Patch => "PATCH",
        Method::Trace => "TRACE",
    }
}

fn observer(op: &Operation, push: &EnvelopePush) -> TokenStream {
    let module = ident(&op.name.snake);
    let observer = ident_fmt(format_args!("{}Observer", op.name.camel));
    let title = format!(
        " Receives what the server pushes while it handles `{}` (`{}`).",
        op.label(),
        signature(op)
    );
    let methods = push.items.iter().map(|item| {
        let on = ident_fmt(format_args!("on_{}", item.name.snake));
        let ty = ident(&item.name.camel);
        let text = match &item.description {
            Some(d) => format!(
                " A push of `{}`: {}",
                item.path.template,
                d.lines().next().unwrap_or("")
            ),
            None => format!(" A push of `{}`.", item.path.template),
        };
        quote! {
            #[doc = #text]
            fn #on(&mut self, push: operations::#module::#ty) {
                let _ = push;
            }
        }
    });
    quote! {
        #[doc = #title]
        ///
        /// Every method does nothing unless implemented, so an observer implements only
        /// what it needs. `()` observes nothing.
        pub trait #observer {
            #(#methods)*

            /// The final response, after every push.
            fn on_final(&mut self, response: &operations::#module::Response) {
                let _ = response;
            }

            /// Something that happened to the stream on the way: a reconnect, or pushes
            /// the server could no longer replay.
            fn on_notice(&mut self, notice: &#RT::client::Notice) {
                let _ = notice;
            }
        }

        impl #observer for () {}
    }
}

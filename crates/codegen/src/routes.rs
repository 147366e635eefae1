//! The router of `server.rs`: one axum route per path, built so that axum never refuses
//! (and so never panics on) a spec's paths.
//!
//! axum (matchit) names a path variable where it routes it, and refuses two routes that
//! name the variable at one position differently (`/users/{id}` and
//! `/users/{userId}/posts`), routes that differ only in names, and variables inside a
//! segment (`/{id}.json`). So routes name variables by position (`/users/{p1}`) and
//! handlers read parameters by matching the request's path against the operation's own
//! template (`Incoming::path_var`). Operations that land on one route and method, or
//! whose template is narrower than its route, are tried in turn by a dispatcher, the
//! most literal template first; a path that fits none is a 404.

use crate::ident::{ident, ident_fmt};
use crate::runtime::RT;
use crate::tags::Gates;
use proc_macro2::TokenStream;
use pushgen_ir::{Api, Method, Operation};
use quote::quote;

/// The operations on one route, by method, in the spec's order.
type ByMethod<'a> = Vec<(Method, Vec<&'a Operation>)>;

/// The router, up to where `.fallback(..)` follows (`Router::new().route(..)...`), and
/// the dispatchers it needs (empty if none).
///
/// With tag features ([`Gates::on`]) a route cannot be one link of a chain, which takes
/// no `#[cfg]`: the router is built in statements, one `let router = router.route(..);`
/// per path and method (axum merges the methods of one path), each behind its
/// operations' features, and the last expression is `router`.
pub fn routes(
    api: &Api,
    trait_name: &proc_macro2::Ident,
    gates: &Gates,
) -> (TokenStream, TokenStream) {
    let mut table: Vec<(String, ByMethod<'_>)> = Vec::new();
    for op in &api.operations {
        let route = route_of(&op.path.template);
        let methods = match table.iter_mut().find(|(r, _)| *r == route) {
            Some((_, methods)) => methods,
            None => {
                table.push((route, Vec::new()));
                &mut table.last_mut().expect("just pushed").1
            }
        };
        match methods.iter_mut().find(|(m, _)| *m == op.method) {
            Some((_, ops)) => ops.push(op),
            None => methods.push((op.method, vec![op])),
        }
    }
    let mut dispatchers = Vec::new();
    if gates.on() {
        let mut statements = Vec::new();
        for (route, methods) in &table {
            for (method, ops) in methods {
                let handler = handler(ops, trait_name, gates, &mut dispatchers);
                let method = ident(method_fn(*method));
                let gate = gates.operations(ops.iter().copied());
                statements.push(quote! {
                    #gate
                    let router = router.route(#route, #RT::axum::routing::#method(#handler));
                });
            }
        }
        let routes = quote! {
            let router = #RT::axum::Router::new();
            #(#statements)*
            router
        };
        return (routes, dispatch_module(&dispatchers, trait_name));
    }
    let routes = table.iter().map(|(route, methods)| {
        let mut chain = TokenStream::new();
        for (i, (method, ops)) in methods.iter().enumerate() {
            let handler = handler(ops, trait_name, gates, &mut dispatchers);
            let method = ident(method_fn(*method));
            chain = if i == 0 {
                quote!(#RT::axum::routing::#method(#handler))
            } else {
                quote!(#chain.#method(#handler))
            };
        }
        quote!(.route(#route, #chain))
    });
    let routes = quote!(#RT::axum::Router::new() #(#routes)*);
    (routes, dispatch_module(&dispatchers, trait_name))
}

/// The handler of the operations on one route and method: the operation's own, or a
/// dispatcher (added to `dispatchers`) that tries each.
fn handler(
    ops: &[&Operation],
    trait_name: &proc_macro2::Ident,
    gates: &Gates,
    dispatchers: &mut Vec<TokenStream>,
) -> TokenStream {
    if let [op] = ops
        && routes_exactly(&op.path.template)
    {
        let name = ident(&op.name.snake);
        quote!(handlers::#name::<A>)
    } else {
        let name = ident(&ops[0].name.snake);
        dispatchers.push(dispatcher(ops, trait_name, gates));
        quote!(handlers::dispatch::#name::<A>)
    }
}

fn dispatch_module(dispatchers: &[TokenStream], trait_name: &proc_macro2::Ident) -> TokenStream {
    if dispatchers.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// Handlers for routes that several operations share, or that are wider than
        /// an operation's path: each tries the operations' paths in turn.
        pub(super) mod dispatch {
            use super::{Incoming, Response, Shared, State, #trait_name};

            #(#dispatchers)*
        }
    }
}

/// The axum route of a template: segments with a variable become `{p<index>}`.
fn route_of(template: &str) -> String {
    template
        .split('/')
        .enumerate()
        .map(|(i, segment)| {
            if segment.contains('{') {
                format!("{{p{i}}}")
            } else {
                segment.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether the route matches exactly the paths the template does: every variable is a
/// whole segment, and no variable repeats.
fn routes_exactly(template: &str) -> bool {
    let mut seen = Vec::new();
    template.split('/').all(|segment| {
        if !segment.contains('{') {
            return true;
        }
        let whole = segment.starts_with('{')
            && segment.ends_with('}')
            && segment[1..].find('}') == Some(segment.len() - 2);
        let fresh = !seen.contains(&segment);
        seen.push(segment);
        whole && fresh
    })
}

fn dispatcher(ops: &[&Operation], trait_name: &proc_macro2::Ident, gates: &Gates) -> TokenStream {
    let name = ident(&ops[0].name.snake);
    let mut ordered = ops.to_vec();
    // The most literal template first: `/{id}.json` before `/{id}`. Stable, so equally
    // literal templates keep the spec's order.
    ordered.sort_by_key(|op| std::cmp::Reverse(literal_len(&op.path.template)));
    let tries = ordered.iter().map(|op| {
        let template = &op.path.template;
        let handler = ident_fmt(format_args!("{}", op.name.snake));
        let gate = gates.operation(op);
        quote! {
            #gate
            if request.matches(#template) {
                return super::#handler::<A>(state, request).await;
            }
        }
    });
    let doc = format!(
        " `{}`: {}.",
        route_of(&ops[0].path.template),
        ops.iter()
            .map(|op| format!("`{}`", op.path.template))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let gate = gates.operations(ops.iter().copied());
    quote! {
        #[doc = #doc]
        #gate
        pub(in super::super) async fn #name<A: #trait_name>(
            state: State<Shared<A>>,
            request: Incoming,
        ) -> Response {
            #(#tries)*
            #RT::server::not_found()
        }
    }
}

fn literal_len(template: &str) -> usize {
    let mut depth = 0usize;
    template
        .chars()
        .filter(|c| {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .count()
}

pub fn method_fn(method: Method) -> &'static str {
    match method {
        Method::Get => "get",
        Method::Put => "put",
        Method::Post => "post",
        Method::Delete => "delete",
        Method::Options => "options",
        Method::Head => "head",
        Method::Patch => "patch",
        Method::Trace => "trace",
    }
}

#[cfg(test)]
mod tests {
    use super::{literal_len, route_of, routes_exactly};

    #[test]
    fn routes_name_variables_by_position() {
        assert_eq!(route_of("/users/{id}"), "/users/{p2}");
        assert_eq!(route_of("/users/{userId}/posts"), "/users/{p2}/posts");
        assert_eq!(route_of("/files/{id}.json"), "/files/{p2}");
        assert!(routes_exactly("/users/{id}/posts/{post}"));
        assert!(!routes_exactly("/files/{id}.json"));
        assert!(!routes_exactly("/a/{x}/b/{x}"));
        assert!(!routes_exactly("/a/{x}{y}"));
        assert_eq!(literal_len("/files/{id}.json"), 12);
    }
}

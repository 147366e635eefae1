//! Per-tag cargo features ([`crate::Custom::tag_features`]): each of the spec's tags
//! becomes a feature, `tag-<tag in kebab case>`, and what only its operations use is
//! compiled only when it is on, so a user of a big API who needs two of its tags
//! compiles a fraction of it.
//!
//! - An operation is compiled when any of its tags' features is on
//!   (`#[cfg(any(feature = "tag-a", feature = "tag-b"))]`); an operation without tags
//!   when the feature `untagged` is.
//! - A named type is compiled when any operation that reaches it (through parameters,
//!   bodies, headers, pushes, stream items, however deep) is: its gate is the union of
//!   their features. A schema no operation reaches (a WebSocket's or a webhook's event,
//!   say) is behind `other-schemas`, and what it reaches gets that feature too.
//!   Reaching is transitive, so a type's features include those of every type that
//!   holds it: whatever a compiled item names is compiled too.
//! - What an operation brings along is gated with it: its module in `operations.rs`, its
//!   server trait method, handler and route, its client methods and observer trait.
//!   What the API has whatever the operations (the client struct and its setters, the
//!   server trait's `authenticate`, the router, the security schemes) is never gated.
//!
//! Untagged operations and unused schemas have features of their own, rather than
//! always being compiled, because in real specs they reach much of the API: in OpenAI's
//! 31 untagged operations and 217 unused schemas reach 1026 of its 1422 schemas, where
//! `Chat` reaches 76. An API without tags has no features: nothing is gated.

use crate::shared_enums::SharedEnums;
use crate::types::reachable;
use foldhash::{HashMap, HashMapExt};
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use pushgen_ir::{Api, NamedType, Operation, Response, Streaming, TypeRef};
use quote::quote;
use std::collections::BTreeSet;

/// The cargo feature of one of the spec's tags, or of what has no tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFeature {
    /// The tag as the spec names it; `None` for [`UNTAGGED`] and [`OTHER_SCHEMAS`].
    pub tag: Option<String>,
    /// The feature: `tag-<kebab case>`, unique among the API's.
    pub feature: String,
    /// The tag's description, if the spec gives one; what the feature covers for the
    /// two that are not a tag's.
    pub description: Option<String>,
}

/// The feature of the operations without a tag, and of the types only they use.
pub const UNTAGGED: &str = "untagged";

/// The feature of the schemas no operation uses (event types a spec defines for a
/// WebSocket or webhooks, say), and of the types only they use.
pub const OTHER_SCHEMAS: &str = "other-schemas";

/// The features of an API: one per tag, the tags of `tags` in their order, then those
/// that only operations name, in document order; then [`UNTAGGED`] if some operation has
/// no tag, and [`OTHER_SCHEMAS`] if some type is used by no operation. Tag names that
/// would be alike after normalisation (`Chat` and `chat`) are told apart by a number,
/// `-2`, `-3`, in that order. None for an API without tags: nothing is gated then.
pub fn tag_features(api: &Api) -> Vec<TagFeature> {
    features_and_unreached(api).0
}

/// [`tag_features`], and the named types no operation uses, which decide whether
/// [`OTHER_SCHEMAS`] is one of them: worked out once for [`Gates::new`], which needs both.
fn features_and_unreached(api: &Api) -> (Vec<TagFeature>, Vec<&str>) {
    let mut features: Vec<TagFeature> = Vec::new();
    let declared = api
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.description.clone()));
    let used = api
        .operations
        .iter()
        .flat_map(|op| op.tags.iter().map(|t| (t.as_str(), None)));
    for (tag, description) in declared.chain(used) {
        if features.iter().any(|f| f.tag.as_deref() == Some(tag)) {
            continue;
        }
        let base = format!("tag-{}", kebab(tag));
        let mut feature = base.clone();
        let mut n = 2;
        while features.iter().any(|f| f.feature == feature) {
            feature = format!("{base}-{n}");
            n += 1;
        }
        features.push(TagFeature {
            tag: Some(tag.to_string()),
            feature,
            description,
        });
    }
    if features.is_empty() {
        return (features, Vec::new());
    }
    if api.operations.iter().any(|op| op.tags.is_empty()) {
        features.push(TagFeature {
            tag: None,
            feature: UNTAGGED.into(),
            description: Some("the operations without a tag".into()),
        });
    }
    let unreached = unreached(api);
    if !unreached.is_empty() {
        features.push(TagFeature {
            tag: None,
            feature: OTHER_SCHEMAS.into(),
            description: Some("the schemas no operation uses".into()),
        });
    }
    (features, unreached)
}

/// The named types no operation uses, however deep.
fn unreached(api: &Api) -> Vec<&str> {
    let by_name: HashMap<&str, &NamedType> =
        api.types.iter().map(|t| (&*t.name.camel, t)).collect();
    let reached = reachable(&by_name, api.operations.iter().flat_map(operation_types));
    api.types
        .iter()
        .map(|t| &*t.name.camel)
        .filter(|name| !reached.contains(name))
        .collect()
}

/// `Fine-tuning` → `fine-tuning`, `Audit Logs` → `audit-logs`, `userAccounts` →
/// `user-accounts`: ASCII letters (lower case) and digits, words joined by `-`. What has
/// none becomes `unnamed`. Always a valid cargo feature name after `tag-`.
pub fn kebab(tag: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    let mut pending_dash = false;
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if !out.is_empty() && (pending_dash || boundary) {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
        previous = Some(c);
    }
    if out.is_empty() {
        "unnamed".to_string()
    } else {
        out
    }
}

/// Which items are behind which features, worked out once for an API. Off (the
/// default), nothing is gated. Text only: a plan is shared by the threads that render.
#[derive(Debug, Default)]
pub struct Gates {
    on: bool,
    /// The features, by operation (`name.snake`); an operation not here is not gated.
    operations: HashMap<String, Vec<String>>,
    /// The features, by named type (`name.camel`); a type not here is not gated.
    types: HashMap<String, Vec<String>>,
    /// Each feature's place among the tags: a gate lists its features in that order.
    order: HashMap<String, usize>,
}

impl Gates {
    /// No gates: the default output.
    pub fn off() -> Self {
        Gates::default()
    }

    /// The gates of `api`'s operations and types. A declared enum that others are
    /// aliases of (`shared`) is compiled whenever one of them is.
    pub fn new(api: &Api, shared: &SharedEnums) -> Self {
        let (features, unreached) = features_and_unreached(api);
        let index: HashMap<&str, usize> = features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.tag.as_deref().map(|tag| (tag, i)))
            .collect();
        let pseudo = |feature: &str| features.iter().position(|f| f.feature == feature);
        let (untagged, other) = (pseudo(UNTAGGED), pseudo(OTHER_SCHEMAS));
        // Each operation's features: its tags', or `untagged`'s.
        let tags_of = |op: &Operation| -> BTreeSet<usize> {
            if op.tags.is_empty() {
                untagged.into_iter().collect()
            } else {
                op.tags
                    .iter()
                    .filter_map(|t| index.get(t.as_str()).copied())
                    .collect()
            }
        };
        let by_name: HashMap<&str, &NamedType> =
            api.types.iter().map(|t| (&*t.name.camel, t)).collect();
        let mut type_tags: HashMap<&str, BTreeSet<usize>> = HashMap::new();
        let mut operations = HashMap::new();
        for op in &api.operations {
            let tags = tags_of(op);
            if tags.is_empty() {
                continue;
            }
            for name in reachable(&by_name, operation_types(op).into_iter()) {
                type_tags
                    .entry(name)
                    .or_default()
                    .extend(tags.iter().copied());
            }
            operations.insert(op.name.snake.clone(), tags);
        }
        if let Some(other) = other {
            let roots: Vec<TypeRef> = unreached
                .into_iter()
                .map(|name| TypeRef::Named(name.to_string()))
                .collect();
            for name in reachable(&by_name, roots.iter()) {
                if let Some(name) = by_name.get(name).map(|t| &*t.name.camel) {
                    type_tags.entry(name).or_default().insert(other);
                }
            }
        }
        for ty in &api.types {
            let aliases = shared.aliases(&ty.name.camel);
            if aliases.is_empty() {
                continue;
            }
            // The union of the group's features; one member never gated, none.
            let members =
                std::iter::once(&*ty.name.camel).chain(aliases.iter().map(String::as_str));
            let union: Option<BTreeSet<usize>> = members
                .map(|name| type_tags.get(name).cloned())
                .try_fold(BTreeSet::new(), |mut union, tags| {
                    union.extend(tags?);
                    Some(union)
                });
            match union {
                Some(union) => type_tags.insert(&ty.name.camel, union),
                None => type_tags.remove(&*ty.name.camel),
            };
        }
        let names = |tags: &BTreeSet<usize>| -> Vec<String> {
            tags.iter().map(|&i| features[i].feature.clone()).collect()
        };
        let operations = operations
            .into_iter()
            .map(|(op, tags)| (op, names(&tags)))
            .collect();
        let types = type_tags
            .into_iter()
            .map(|(name, tags)| (name.to_string(), names(&tags)))
            .collect();
        let order = features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.feature.clone(), i))
            .collect();
        Gates {
            // An API without tags has no features: its code is as without the option.
            on: !features.is_empty(),
            operations,
            types,
            order,
        }
    }

    /// Whether tags are features at all: then whatever names gated items allows
    /// `unused_imports`, since in some builds nothing uses them.
    pub fn on(&self) -> bool {
        self.on
    }

    /// The features of an operation: any of them compiles it. Empty: always compiled.
    pub fn operation_features(&self, op: &Operation) -> &[String] {
        self.operations
            .get(&op.name.snake)
            .map_or(&[], Vec::as_slice)
    }

    /// The features of a named type (by `name.camel`). Empty: always compiled.
    pub fn type_features(&self, name: &str) -> &[String] {
        self.types.get(name).map_or(&[], Vec::as_slice)
    }

    /// `#[cfg(..)]` for an operation's items, or nothing.
    pub fn operation(&self, op: &Operation) -> TokenStream {
        cfg(self.operation_features(op))
    }

    /// `#[cfg(..)]` for what some operations share (a route, a dispatcher): compiled
    /// when any of them is. Nothing if one of them is never gated.
    pub fn operations<'o>(&self, ops: impl IntoIterator<Item = &'o Operation>) -> TokenStream {
        let mut features: Vec<&String> = Vec::new();
        for op in ops {
            let own = self.operation_features(op);
            if own.is_empty() {
                return TokenStream::new();
            }
            for feature in own {
                if !features.contains(&feature) {
                    features.push(feature);
                }
            }
        }
        features.sort_by_key(|feature| self.order.get(*feature));
        cfg(&features)
    }

    /// `#[cfg(..)]` for a named type's items, or nothing.
    pub fn named_type(&self, name: &str) -> TokenStream {
        cfg(self.type_features(name))
    }

    /// `#[allow(unused_imports)]` for `use` lines whose users may all be gated off, when
    /// tags are features; else nothing.
    pub fn allow_unused_imports(&self) -> TokenStream {
        if self.on {
            quote!(#[allow(
                unused_imports,
                reason = "what uses it may be behind tag features that are off"
            )])
        } else {
            TokenStream::new()
        }
    }
}

/// `#[cfg(feature = "a")]`, `#[cfg(any(feature = "a", feature = "b"))]`, or nothing.
fn cfg(features: &[impl AsRef<str>]) -> TokenStream {
    let features: Vec<&str> = features.iter().map(AsRef::as_ref).collect();
    match features.as_slice() {
        [] => TokenStream::new(),
        [one] => quote!(#[cfg(feature = #one)]),
        many => quote!(#[cfg(any(#(feature = #many),*))]),
    }
}

/// Every type an operation names: parameters, request bodies, responses (headers and
/// bodies, every media type), pushes and stream items. More than the generated code
/// uses is no harm: a type is then compiled in more builds than it needs.
fn operation_types(op: &Operation) -> Vec<&TypeRef> {
    let mut types: Vec<&TypeRef> = op.parameters.iter().map(|p| &p.ty).collect();
    if let Some(body) = &op.request_body {
        types.push(&body.ty);
        types.extend(body.content.iter().map(|b| &b.ty));
    }
    fn responses<'a>(types: &mut Vec<&'a TypeRef>, responses: &'a [Response]) {
        for response in responses {
            types.extend(response.headers.iter().map(|h| &h.ty));
            types.extend(response.body.iter().map(|b| &b.ty));
            types.extend(response.content.iter().map(|b| &b.ty));
        }
    }
    responses(&mut types, &op.responses);
    match &op.streaming {
        Streaming::None => {}
        Streaming::Envelope(push) => {
            for item in &push.items {
                types.extend(item.variables.iter().map(|v| &v.ty));
                responses(&mut types, &item.responses);
            }
        }
        Streaming::Items(stream)
        | Streaming::Conditional(pushgen_ir::ConditionalStream { stream, .. }) => {
            types.extend(stream.items.iter().map(|i| &i.ty));
            types.extend(stream.error.iter());
        }
    }
    types
}

/// Puts `attribute` first on each item of `items` (a struct and its `impl`s, a macro
/// call and what follows it, the methods of an `impl` block): what one model or
/// operation makes is gated as one.
pub fn on_items(attribute: &TokenStream, items: TokenStream) -> TokenStream {
    if attribute.is_empty() {
        return items;
    }
    let items = split_items(items).into_iter();
    quote!(#(#attribute #items)*)
}

/// Splits generated items apart at the token level, which is all gating needs and costs
/// nothing beside parsing them again: an item ends at a `;`, or at a `{ .. }` group that
/// no `;` follows (`use a::{b, c};` and `const C: S = S { .. };` go on to theirs). Its
/// attributes (`#` and a `[..]` group) come with it. The generator writes no item that
/// ends otherwise (no `const C: u8 = { 1 } + 1;`).
fn split_items(tokens: TokenStream) -> Vec<TokenStream> {
    let mut items = Vec::new();
    let mut item = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let ends = match &token {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => {
                g.delimiter() == Delimiter::Brace
                    && !matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ';')
            }
            _ => false,
        };
        item.push(token);
        if ends {
            items.push(item.drain(..).collect());
        }
    }
    if !item.is_empty() {
        items.push(item.into_iter().collect());
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{self, name};

    #[test]
    fn tags_become_kebab_case_features() {
        assert_eq!(kebab("Chat"), "chat");
        assert_eq!(kebab("Fine-tuning"), "fine-tuning");
        assert_eq!(kebab("Audit Logs"), "audit-logs");
        assert_eq!(kebab("userAccounts"), "user-accounts");
        assert_eq!(kebab("  v2 / Beta!"), "v2-beta");
        assert_eq!(kebab("Vector stores"), "vector-stores");
        assert_eq!(kebab("日本"), "unnamed");
        assert_eq!(kebab("HTTPRoutes"), "httproutes");
    }

    fn api(tags: &[&str]) -> Api {
        let mut api = test_support::api();
        api.tags = tags
            .iter()
            .map(|t| pushgen_ir::Tag {
                name: t.to_string(),
                description: None,
            })
            .collect();
        api
    }

    #[test]
    fn tags_alike_after_normalisation_get_numbers_in_order() {
        let features: Vec<String> =
            tag_features(&api(&["Chat", "chat", "CHAT!", "chat-2", "Chat"]))
                .into_iter()
                .map(|f| f.feature)
                .collect();
        // `CHAT` has no word boundary; `chat-2` was taken by the second `chat`.
        assert_eq!(
            features,
            ["tag-chat", "tag-chat-2", "tag-chat-3", "tag-chat-2-2"]
        );
    }

    /// A struct whose fields are of the named types `holds`.
    fn named(camel: &str, holds: &[&str]) -> NamedType {
        let fields = holds
            .iter()
            .map(|held| pushgen_ir::Field {
                name: name(&held.to_lowercase()),
                ty: TypeRef::Named(held.to_string()),
                required: true,
                description: None,
                boxed: false,
                default: None,
                access: Default::default(),
                checks: Default::default(),
            })
            .collect();
        test_support::named(
            camel,
            pushgen_ir::TypeKind::Struct(pushgen_ir::Struct {
                fields,
                additional: None,
            }),
        )
    }

    /// An operation under `tags` whose responses' bodies are the named types `returns`.
    fn operation(id: &str, tags: &[&str], returns: &[&str]) -> Operation {
        let responses = returns
            .iter()
            .enumerate()
            .map(|(i, ty)| Response {
                status: pushgen_ir::StatusMatch::Code(200 + i as u16),
                name: name(&format!("R{i}")),
                description: String::new(),
                headers: Vec::new(),
                body: Some(pushgen_ir::Body {
                    content_type: "application/json".into(),
                    ty: TypeRef::Named(ty.to_string()),
                }),
                content: Vec::new(),
            })
            .collect();
        Operation {
            name: name(id),
            operation_id: Some(id.into()),
            method: pushgen_ir::Method::Get,
            path: pushgen_ir::PathTemplate {
                template: format!("/{id}"),
                parts: vec![pushgen_ir::PathPart::Literal(format!("/{id}"))],
            },
            summary: None,
            description: None,
            parameters: Vec::new(),
            request_body: None,
            responses,
            streaming: Streaming::None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            deprecated: false,
            security: None,
        }
    }

    #[test]
    fn a_type_is_behind_the_features_of_what_reaches_it() {
        let mut api = api(&["A", "B"]);
        api.operations = vec![
            operation("a", &["A"], &["Shared", "Kept"]),
            operation("b", &["B", "A"], &["Shared", "OnlyB"]),
            operation("b_only", &["B"], &["OnlyB"]),
            operation("c", &["A"], &["Common"]),
            operation("u", &[], &["Common"]),
        ];
        api.types = vec![
            named("Common", &[]),
            named("Kept", &[]),
            named("Leaf", &[]),
            named("OnlyB", &[]),
            named("Orphan", &["Kept"]),
            named("Shared", &["Leaf"]),
        ];
        let gates = Gates::new(&api, &SharedEnums::default());
        let features = |name: &str| gates.type_features(name).to_vec();
        // Two tags' operations reach it, and what it holds: either tag compiles both.
        assert_eq!(features("Shared"), ["tag-a", "tag-b"]);
        assert_eq!(features("Leaf"), ["tag-a", "tag-b"]);
        // In the spec's order of the tags, whatever the operation's.
        assert_eq!(features("OnlyB"), ["tag-a", "tag-b"]);
        // An untagged operation uses it, beside a tagged one.
        assert_eq!(features("Common"), ["tag-a", "untagged"]);
        // A schema no operation uses, and what it holds.
        assert_eq!(features("Orphan"), ["other-schemas"]);
        assert_eq!(features("Kept"), ["tag-a", "other-schemas"]);
        let op = |id: &str| api.operations.iter().find(|o| o.name.snake == id).unwrap();
        assert_eq!(gates.operation_features(op("b")), ["tag-a", "tag-b"]);
        assert_eq!(gates.operation_features(op("b_only")), ["tag-b"]);
        assert_eq!(gates.operation_features(op("u")), ["untagged"]);
        assert_eq!(
            gates.named_type("Shared").to_string(),
            quote!(#[cfg(any(feature = "tag-a", feature = "tag-b"))]).to_string()
        );
        assert_eq!(
            gates.operations([op("u"), op("b_only")]).to_string(),
            quote!(#[cfg(any(feature = "tag-b", feature = "untagged"))]).to_string()
        );
        let all: Vec<String> = tag_features(&api).into_iter().map(|f| f.feature).collect();
        assert_eq!(all, ["tag-a", "tag-b", "untagged", "other-schemas"]);
        // Without tags, nothing is gated.
        api.tags.clear();
        for op in &mut api.operations {
            op.tags.clear();
        }
        assert!(tag_features(&api).is_empty());
        let gates = Gates::new(&api, &SharedEnums::default());
        assert!(!gates.on() && gates.type_features("Orphan").is_empty());
        assert!(Gates::off().named_type("Shared").is_empty());
    }

    #[test]
    fn gates_are_cfg_attributes() {
        assert!(cfg(&[] as &[&str]).is_empty());
        assert_eq!(
            cfg(&["tag-a"]).to_string(),
            quote!(#[cfg(feature = "tag-a")]).to_string()
        );
        assert_eq!(
            cfg(&["tag-a", "tag-b"]).to_string(),
            quote!(#[cfg(any(feature = "tag-a", feature = "tag-b"))]).to_string()
        );
    }

    #[test]
    fn every_item_gets_the_attribute() {
        let gate = cfg(&["tag-a"]);
        let out = on_items(
            &gate,
            quote!(
                /// A.
                #[derive(Debug)]
                struct A;
                impl A {}
                m! { x }
                use super::{a, b};
                const C: S = S { a: 1 };
                pub struct B {
                    x: u8,
                }
            ),
        );
        let expected = quote!(
            #[cfg(feature = "tag-a")]
            /// A.
            #[derive(Debug)]
            struct A;
            #[cfg(feature = "tag-a")]
            impl A {}
            #[cfg(feature = "tag-a")]
            m! { x }
            #[cfg(feature = "tag-a")]
            use super::{a, b};
            #[cfg(feature = "tag-a")]
            const C: S = S { a: 1 };
            #[cfg(feature = "tag-a")]
            pub struct B {
                x: u8,
            }
        );
        assert_eq!(out.to_string(), expected.to_string());
        let methods = on_items(
            &gate,
            quote!(
                fn a(&self) -> Result<(), E> {}
                type T = u8;
                pub async fn b() {}
            ),
        );
        assert_eq!(methods.to_string().matches("cfg").count(), 3, "{methods}");
        assert!(
            on_items(
                &TokenStream::new(),
                quote!(
                    struct A;
                )
            )
            .to_string()
                == "struct A ;"
        );
    }
}

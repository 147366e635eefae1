//! Validation as code: what a schema allows beyond its type (`minimum`, `maxLength`,
//! `pattern`, `uniqueItems`, …) becomes one call to the runtime's `Check` per keyword.
//!
//! `types.rs` gets an `impl Validate` for each type a request can hold that has anything
//! to check (types only servers send get none: they cost nothing to compile), and
//! `operations.rs` a `check_request` per operation whose parameters or body have
//! anything to check, which the server's handler calls before the trait's method and
//! the client calls before sending when asked to. Enums implement `Validate` in the
//! runtime's macros: an open enum's `Unknown` is a value the spec does not list.
//!
//! Both files name the runtime's module once, `use ::pushgen_runtime::codegen::validate;`
//! ([`import`]), and the checks through it.
//!
//! [`Plan::has_work`] decides whether a value needs any code, and [`Plan::value`] writes
//! that code; the two follow the same cases, so a call is only written to a type that
//! has an `impl`.

use crate::ident::ident;
use crate::prelude::Std;
use crate::runtime::RT;
use crate::rust_type::{Site, rust_type};
use foldhash::{HashMap, HashSet, HashSetExt};
use proc_macro2::{Literal, TokenStream};
use pushgen_ir::{
    Access, Api, Checks, Format, NamedType, Number, Operation, ParamLocation, Rule, Scalar, Struct,
    TypeKind, TypeRef, Union,
};
use quote::{format_ident, quote};

mod needs;

/// What is validated where, worked out once for an API.
pub struct Plan<'a> {
    types: HashMap<&'a str, &'a NamedType>,
    /// Named types (not aliases) whose `Validate` has something to do.
    needs: HashSet<&'a str>,
    /// Those of them that requests can hold: the ones that get an `impl`.
    validated: HashSet<&'a str>,
    strict: bool,
    /// What the operations' security asks, which server and client both follow: beside
    /// the checks, the other thing generated code enforces before a handler runs.
    pub security: crate::security::Security<'a>,
    /// Which items are behind which tag features (none unless
    /// [`crate::Custom::tag_features`]).
    pub tags: crate::tags::Gates,
    /// Which enums are aliases of an alike one.
    pub shared: crate::shared_enums::SharedEnums,
    /// How generated code spells the prelude's names.
    pub prelude: crate::prelude::Prelude,
}

/// A value being checked: the place (`self.age`, `*value`) for a `Copy` read, a
/// reference to it (`&self.age`, `value`), and what a method is called on
/// (`self.tags`, `value`).
struct Value {
    place: TokenStream,
    reference: TokenStream,
    receiver: TokenStream,
    /// Whether `reference` is a reference to the value's whole type, which the runtime's
    /// `Validate` impls can take: not so for an optional body, an `Option<&T>`.
    whole: bool,
}

impl Value {
    /// `owner.name`: a field of `self`, or of a parameters struct.
    fn field(owner: TokenStream, name: &proc_macro2::Ident) -> Value {
        Value {
            place: quote!(#owner.#name),
            reference: quote!(&#owner.#name),
            receiver: quote!(#owner.#name),
            whole: true,
        }
    }

    /// A binding that holds a reference.
    fn bound(name: &proc_macro2::Ident) -> Value {
        Value {
            place: quote!(*#name),
            reference: quote!(#name),
            receiver: quote!(#name),
            whole: true,
        }
    }

    /// An optional body as `check_request` takes it, `Option<&T>`: matched as it is.
    fn optional_body(name: &proc_macro2::Ident) -> Value {
        Value {
            whole: false,
            ..Value::bound(name)
        }
    }
}

impl<'a> Plan<'a> {
    pub fn new(api: &'a Api, strict: bool, custom: &crate::Custom) -> Plan<'a> {
        let types: HashMap<&str, &NamedType> =
            api.types.iter().map(|t| (&*t.name.camel, t)).collect();
        let shared = crate::shared_enums::SharedEnums::new(api, custom);
        let tags = if custom.tag_features {
            crate::tags::Gates::new(api, &shared)
        } else {
            crate::tags::Gates::off()
        };
        let mut plan = Plan {
            types,
            needs: HashSet::new(),
            validated: HashSet::new(),
            strict,
            security: crate::security::Security::new(api),
            tags,
            shared,
            prelude: crate::prelude::Prelude::of(api),
        };
        plan.settle_needs(api);
        let requests = api.operations.iter().flat_map(|op| {
            let body = op.request_body.iter().map(|b| &b.ty);
            op.parameters.iter().map(|p| &p.ty).chain(body)
        });
        plan.validated = crate::types::reachable(&plan.types, requests)
            .into_iter()
            .filter(|name| plan.needs.contains(name))
            .collect();
        plan
    }

    /// `ty` with every name that is an alias (of an alike enum, or one the spec declares)
    /// replaced by what it names: two types are one Rust type when these are equal.
    pub fn resolve(&self, ty: &TypeRef) -> TypeRef {
        self.resolve_within(ty, 0)
    }

    fn resolve_within(&self, ty: &TypeRef, depth: usize) -> TypeRef {
        // Aliases of aliases end (ingest refuses cycles); this bounds a malformed IR.
        if depth > 64 {
            return ty.clone();
        }
        let inner = |t: &TypeRef| Box::new(self.resolve_within(t, depth + 1));
        match ty {
            TypeRef::Named(name) => match self.types.get(name.as_str()).map(|t| &t.kind) {
                Some(TypeKind::Alias(aliased)) => self.resolve_within(aliased, depth + 1),
                _ => match self.shared.alias_of(name) {
                    Some(declared) => TypeRef::Named(declared.to_string()),
                    None => ty.clone(),
                },
            },
            TypeRef::Array(t) => TypeRef::Array(inner(t)),
            TypeRef::Map(t) => TypeRef::Map(inner(t)),
            TypeRef::Nullable(t) => TypeRef::Nullable(inner(t)),
            TypeRef::Scalar(_) | TypeRef::Any => ty.clone(),
        }
    }

    /// Whether JSON `null` is a value of `ty`: nullable, any value, or an alias of one.
    pub fn accepts_null(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Nullable(_) | TypeRef::Any => true,
            TypeRef::Named(name) => match self.types.get(name.as_str()).map(|t| &t.kind) {
                Some(TypeKind::Alias(inner)) => self.accepts_null(inner),
                // The user's own type: do not refuse what it may hold.
                Some(TypeKind::Extern(_)) => true,
                Some(_) => false,
                // Not a type of this API: do not refuse what it may hold.
                None => true,
            },
            TypeRef::Scalar(_) | TypeRef::Array(_) | TypeRef::Map(_) => false,
        }
    }

    fn type_needs(&self, t: &NamedType) -> bool {
        match &t.kind {
            // Strict enums refuse unlisted values when read; open ones keep them.
            TypeKind::Enum(_) | TypeKind::IntEnum(_) => !self.strict,
            TypeKind::Union(u) => {
                self.unknown_kinds(u)
                    || u.variants
                        .iter()
                        .any(|v| self.has_work(&v.ty, &Checks::default()))
            }
            TypeKind::Struct(s) => {
                own_property_rules(&t.checks).next().is_some()
                    || s.fields.iter().any(|f| self.has_work(&f.ty, &f.checks))
                    || s.additional.as_ref().is_some_and(|value| {
                        self.has_work(value, t.checks.values.as_deref().unwrap_or(&NONE))
                    })
            }
            // An alias has no `impl` of its own: its checks are written where it is used.
            TypeKind::Alias(_) => false,
            // The user's type is opaque: it checks itself, if at all.
            TypeKind::Extern(_) => false,
        }
    }

    /// A tagged union that keeps kinds it does not know in `Unknown`.
    fn unknown_kinds(&self, u: &Union) -> bool {
        u.discriminator.is_some() && !self.strict
    }

    /// Whether a value of type `ty`, with the `checks` of where it is used, has anything
    /// to check.
    pub fn has_work(&self, ty: &TypeRef, checks: &Checks) -> bool {
        self.has_work_within(ty, checks, 0)
    }

    fn has_work_within(&self, ty: &TypeRef, checks: &Checks, depth: usize) -> bool {
        // Aliases of aliases end (ingest refuses cycles); this bounds a malformed IR.
        if depth > 64 {
            return false;
        }
        match ty {
            TypeRef::Nullable(inner) => self.has_work_within(inner, checks, depth + 1),
            TypeRef::Named(name) => match self.types.get(name.as_str()) {
                Some(NamedType {
                    kind: TypeKind::Alias(target),
                    checks: own,
                    ..
                }) => self.has_work_within(target, &merged(checks, own), depth + 1),
                Some(_) => self.needs.contains(name.as_str()),
                None => false,
            },
            TypeRef::Scalar(scalar) => checks.rules.iter().any(|r| applies(r, *scalar)),
            TypeRef::Array(item) => {
                checks.rules.iter().any(is_items_rule)
                    || self.has_work_within(
                        item,
                        checks.items.as_deref().unwrap_or(&NONE),
                        depth + 1,
                    )
            }
            TypeRef::Map(value) => {
                own_property_rules(checks).next().is_some()
                    || self.has_work_within(
                        value,
                        checks.values.as_deref().unwrap_or(&NONE),
                        depth + 1,
                    )
            }
            TypeRef::Any => false,
        }
    }

    /// Whether `ty` is a named type that is not an alias (whose checks are written where
    /// it is used), inside nothing or in options, arrays and maps.
    fn wraps_a_type(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Nullable(inner) | TypeRef::Array(inner) | TypeRef::Map(inner) => {
                self.wraps_a_type(inner)
            }
            TypeRef::Named(name) => self
                .types
                .get(name.as_str())
                .is_some_and(|t| !matches!(t.kind, TypeKind::Alias(_))),
            TypeRef::Scalar(_) | TypeRef::Any => false,
        }
    }

    /// The code that checks `value`, of type `ty` with the `checks` of where it is used,
    /// at the pointer `at` (an expression); `depth` keeps nested bindings apart.
    fn value(
        &self,
        value: &Value,
        ty: &TypeRef,
        checks: &Checks,
        at: &TokenStream,
        depth: usize,
    ) -> Vec<TokenStream> {
        if depth > 64 || !self.has_work(ty, checks) {
            return Vec::new();
        }
        let reference = &value.reference;
        let receiver = &value.receiver;
        // Nothing to check on the way but a named type's own rules: the runtime's impls
        // for `Option`, `Vec`, maps and `Box` walk there, with the same pointers, in one
        // call rather than a nest of `if let`s and loops per use.
        if value.whole
            && !matches!(ty, TypeRef::Named(_))
            && checks.is_empty()
            && self.wraps_a_type(ty)
        {
            return vec![quote!(validate::Validate::validate(#reference, #at, check);)];
        }
        match ty {
            TypeRef::Nullable(_) => {
                let bound = binding("value", depth);
                let (pattern, inner) = some_pattern(ty, &bound);
                let inner = self.value(&Value::bound(&bound), inner, checks, at, depth + 1);
                vec![quote! {
                    if let #pattern = #reference {
                        #(#inner)*
                    }
                }]
            }
            TypeRef::Named(name) => match self.types.get(name.as_str()) {
                Some(NamedType {
                    kind: TypeKind::Alias(target),
                    checks: own,
                    ..
                }) => self.value(value, target, &merged(checks, own), at, depth + 1),
                _ => vec![quote!(validate::Validate::validate(#reference, #at, check);)],
            },
            TypeRef::Scalar(scalar) => checks
                .rules
                .iter()
                .filter(|r| applies(r, *scalar))
                .map(|rule| scalar_rule(rule, value, at))
                .collect(),
            TypeRef::Array(item) => {
                let mut out: Vec<TokenStream> = checks
                    .rules
                    .iter()
                    .filter(|r| is_items_rule(r))
                    .map(|rule| match rule {
                        Rule::MinItems(n) => {
                            let n = Literal::u64_unsuffixed(*n);
                            quote!(check.min_items(#at, #reference, #n);)
                        }
                        Rule::MaxItems(n) => {
                            let n = Literal::u64_unsuffixed(*n);
                            quote!(check.max_items(#at, #reference, #n);)
                        }
                        _ => quote!(check.unique_items(#at, #reference);),
                    })
                    .collect();
                let index = binding("index", depth);
                let bound = binding("item", depth);
                let at_item = quote!(#at.index(#index));
                let inner = self.value(
                    &Value::bound(&bound),
                    item,
                    checks.items.as_deref().unwrap_or(&NONE),
                    &at_item,
                    depth + 1,
                );
                if !inner.is_empty() {
                    out.push(quote! {
                        for (#index, #bound) in #receiver.iter().enumerate() {
                            #(#inner)*
                        }
                    });
                }
                out
            }
            TypeRef::Map(item) => {
                let count = quote!(#receiver.len());
                let mut out: Vec<TokenStream> = own_property_rules(checks)
                    .map(|rule| property_rule(rule, &count, at))
                    .collect();
                let key = binding("key", depth);
                let bound = binding("item", depth);
                let at_item = quote!(#at.key(#key));
                let inner = self.value(
                    &Value::bound(&bound),
                    item,
                    checks.values.as_deref().unwrap_or(&NONE),
                    &at_item,
                    depth + 1,
                );
                if !inner.is_empty() {
                    out.push(quote! {
                        for (#key, #bound) in #reference {
                            #(#inner)*
                        }
                    });
                }
                out
            }
            TypeRef::Any => Vec::new(),
        }
    }

    /// Whether any type gets an `impl Validate`.
    pub fn validates_types(&self) -> bool {
        // Enums get their impl from the runtime's macros, aliases none: only structs and
        // unions write `validate::` in `types.rs`.
        self.validated.iter().any(|name| {
            self.types
                .get(name)
                .is_some_and(|t| matches!(t.kind, TypeKind::Struct(_) | TypeKind::Union(_)))
        })
    }

    /// Whether any operation gets a `check_request`.
    pub fn validates_requests(&self, operations: &[Operation]) -> bool {
        operations.iter().any(|op| self.request_args(op).is_some())
    }

    /// `impl Validate` for a named type that requests can hold and that has something
    /// to check; `sent` says whether its optional nullable fields are `Option<Option<T>>`
    /// (see `types::sent_by_clients`). Enums get theirs from the runtime's macros.
    pub fn impl_for(&self, ty: &NamedType, sent: bool) -> TokenStream {
        if !self.validated.contains(&*ty.name.camel) {
            return TokenStream::new();
        }
        let body = match &ty.kind {
            TypeKind::Struct(s) => self.struct_body(s, &ty.checks, sent),
            TypeKind::Union(u) => self.union_body(u),
            TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::Alias(_) | TypeKind::Extern(_) => {
                return TokenStream::new();
            }
        };
        let name = ident(&ty.name.camel);
        quote! {
            impl validate::Validate for #name {
                #[allow(
                    clippy::collapsible_if,
                    clippy::collapsible_match,
                    reason = "one `if let` per `Option` an alias adds, as the types nest them"
                )]
                fn validate(
                    &self,
                    at: validate::Pointer<'_>,
                    check: &mut validate::Check,
                ) {
                    #(#body)*
                }
            }
        }
    }

    fn struct_body(&self, s: &Struct, own: &Checks, sent: bool) -> Vec<TokenStream> {
        let mut out = Vec::new();
        let property_rules: Vec<&Rule> = own_property_rules(own).collect();
        if !property_rules.is_empty() {
            out.push(property_count(s));
            let count = quote!(count);
            out.extend(
                property_rules
                    .into_iter()
                    .map(|rule| property_rule(rule, &count, &quote!(at))),
            );
        }
        for f in &s.fields {
            let name = ident(&f.name.snake);
            let wire = &f.name.original;
            let at = quote!(at.field(#wire));
            let optional = !(f.required && f.access == Access::Both);
            let ty = stored(&f.ty, optional, sent);
            out.extend(self.value(&Value::field(quote!(self), &name), &ty, &f.checks, &at, 0));
        }
        if let Some(value_ty) = &s.additional {
            let field = ident(&crate::types::additional_field(s));
            let map = TypeRef::Map(Box::new(value_ty.clone()));
            let values = Checks {
                values: own.values.clone(),
                ..Checks::default()
            };
            out.extend(self.value(
                &Value::field(quote!(self), &field),
                &map,
                &values,
                &quote!(at),
                0,
            ));
        }
        out
    }

    fn union_body(&self, u: &Union) -> Vec<TokenStream> {
        // (pattern, what to do) per variant with something to check.
        let mut arms: Vec<(TokenStream, TokenStream)> = Vec::new();
        let mut all = true;
        for v in &u.variants {
            let checks = self.value(&Value::bound(&ident("value")), &v.ty, &NONE, &quote!(at), 1);
            if checks.is_empty() {
                all = false;
                continue;
            }
            let variant = ident(&v.name.camel);
            arms.push((quote!(Self::#variant(value)), quote!(#(#checks)*)));
        }
        if self.unknown_kinds(u) {
            arms.push((
                quote!(Self::Unknown(_)),
                quote!(check.unknown_variant(at, "discriminator");),
            ));
        }
        if arms.len() == 1 && !all {
            // One arm and the rest nothing: an `if let`.
            let (pattern, body) = &arms[0];
            return vec![quote! {
                if let #pattern = self {
                    #body
                }
            }];
        }
        let rest = (!all).then(|| quote!(_ => {}));
        let arms = arms
            .iter()
            .map(|(pattern, body)| quote!(#pattern => { #body }));
        vec![quote! {
            match self {
                #(#arms)*
                #rest
            }
        }]
    }

    /// Which of `check_request`'s arguments an operation has: `(params, body)`, or
    /// `None` when there is nothing to check (and no function).
    pub fn request_args(&self, op: &Operation) -> Option<(bool, bool)> {
        let params = op
            .parameters
            .iter()
            .any(|p| self.has_work(&p.ty, &p.checks));
        let body = op
            .request_body
            .as_ref()
            .filter(|b| checks_body(b))
            .is_some_and(|b| self.has_work(&b.ty, &b.checks));
        (params || body).then_some((params, body))
    }

    /// `check_request` for an operation with something to check, in its module of
    /// `operations.rs`.
    pub fn check_request(&self, op: &Operation) -> TokenStream {
        let Some((with_params, with_body)) = self.request_args(op) else {
            return TokenStream::new();
        };
        let mut args = Vec::new();
        let mut out = Vec::new();
        if with_params {
            args.push(quote!(params: &Params));
            for p in &op.parameters {
                let location = match p.location {
                    ParamLocation::Path => "path",
                    ParamLocation::Query => "query",
                    ParamLocation::Header => "header",
                    ParamLocation::Cookie => "cookie",
                };
                if !self.has_work(&p.ty, &p.checks) {
                    continue;
                }
                let wire = &p.name.original;
                out.push(quote!(let at = validate::Pointer::parameter(#location, #wire);));
                let at = quote!(at);
                let name = ident(&p.name.snake);
                let ty = stored(&p.ty, !p.required, false);
                out.extend(self.value(
                    &Value::field(quote!(params), &name),
                    &ty,
                    &p.checks,
                    &at,
                    0,
                ));
            }
        }
        if with_body && let Some(body) = &op.request_body {
            let ty = rust_type(&body.ty, Site::outside(self.prelude));
            let at = quote!(validate::Pointer::body());
            let bound = ident("body");
            args.push(if body.required {
                quote!(body: &#ty)
            } else {
                let option = self.prelude.path(Std::Option);
                quote!(body: #option<&#ty>)
            });
            // The client's `Option<&T>` is matched as it is: `T` keeps its own `Option`.
            let ty = stored(&body.ty, !body.required, true);
            let value = if body.required {
                Value::bound(&bound)
            } else {
                Value::optional_body(&bound)
            };
            out.extend(self.value(&value, &ty, &body.checks, &at, 0));
        }
        let doc = crate::docs::doc(&format!(
            "Checks a request of `{}` against the rules its schemas declare beyond types\n\
             (`minimum`, `maxLength`, `pattern`, values an enum does not list, …): every\n\
             rule broken, or `Ok`. The server runs it before the handler; the client\n\
             before sending, when its configuration says `validate_requests`.",
            op.label()
        ));
        let result = self.prelude.path(Std::Result);
        quote! {
            #doc
            #[allow(
                clippy::collapsible_if,
                clippy::collapsible_match,
                reason = "one `if let` per `Option` an alias adds, as the types nest them"
            )]
            pub fn check_request(#(#args),*) -> #result<(), validate::Violations> {
                let mut found = validate::Check::new();
                let check = &mut found;
                #(#out)*
                found.finish()
            }
        }
    }
}

/// The `use` line of a file whose code names the runtime's `validate` module.
pub fn import() -> TokenStream {
    quote!(use #RT::validate;)
}

/// Whether a body's encoding reads into the typed value that checks run on.
fn checks_body(body: &pushgen_ir::RequestBody) -> bool {
    matches!(
        crate::body::encoding(&body.content_type),
        crate::body::Encoding::Json | crate::body::Encoding::Form
    )
}

static NONE: Checks = Checks {
    rules: Vec::new(),
    items: None,
    values: None,
};

/// The type of the Rust value a property, parameter or body is held in: an optional one
/// is an `Option` around its type, into which `rust_type::optional` folds a nullable
/// type's own `Option` unless `keep_null` (a property of a type clients send).
fn stored(ty: &TypeRef, optional: bool, keep_null: bool) -> std::borrow::Cow<'_, TypeRef> {
    use std::borrow::Cow;
    match ty {
        _ if !optional => Cow::Borrowed(ty),
        TypeRef::Nullable(_) if keep_null => Cow::Owned(TypeRef::Nullable(Box::new(ty.clone()))),
        TypeRef::Nullable(_) => Cow::Borrowed(ty),
        other => Cow::Owned(TypeRef::Nullable(Box::new(other.clone()))),
    }
}

/// `Some(Some(value))` for as many `Option`s as `ty` has, and what is inside them.
fn some_pattern<'t>(ty: &'t TypeRef, bound: &proc_macro2::Ident) -> (TokenStream, &'t TypeRef) {
    match ty {
        TypeRef::Nullable(inner) => {
            let (pattern, inside) = some_pattern(inner, bound);
            (quote!(Some(#pattern)), inside)
        }
        other => (quote!(#bound), other),
    }
}

/// `index`, `index_1`, …: the binding of a loop `depth` levels in.
fn binding(name: &str, depth: usize) -> proc_macro2::Ident {
    if depth == 0 {
        ident(name)
    } else {
        format_ident!("{name}_{depth}")
    }
}

/// The checks of a use and of the alias it names, together.
fn merged(a: &Checks, b: &Checks) -> Checks {
    let nested = |x: &Option<Box<Checks>>, y: &Option<Box<Checks>>| match (x, y) {
        (Some(x), Some(y)) => Some(Box::new(merged(x, y))),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    };
    Checks {
        rules: a.rules.iter().chain(&b.rules).cloned().collect(),
        items: nested(&a.items, &b.items),
        values: nested(&a.values, &b.values),
    }
}

/// Whether `rule` says anything about a scalar of this type. Lengths and formats are
/// for text; a `date-time`'s or `uuid`'s own type has already checked its shape.
fn applies(rule: &Rule, scalar: Scalar) -> bool {
    let text = scalar == Scalar::String;
    let number = matches!(
        scalar,
        Scalar::Int32 | Scalar::Int64 | Scalar::Float | Scalar::Double
    );
    match rule {
        Rule::MinLength(_) | Rule::MaxLength(_) | Rule::Pattern(_) | Rule::Format(_) => text,
        Rule::Minimum(_) | Rule::Maximum(_) | Rule::MultipleOf(_) => number,
        _ => false,
    }
}

fn is_items_rule(rule: &Rule) -> bool {
    matches!(
        rule,
        Rule::MinItems(_) | Rule::MaxItems(_) | Rule::UniqueItems
    )
}

fn own_property_rules(checks: &Checks) -> impl Iterator<Item = &Rule> {
    checks
        .rules
        .iter()
        .filter(|r| matches!(r, Rule::MinProperties(_) | Rule::MaxProperties(_)))
}

fn number(n: Number) -> Literal {
    match n {
        Number::Int(n) => Literal::i64_suffixed(n),
        Number::Float(n) => Literal::f64_suffixed(n),
    }
}

fn scalar_rule(rule: &Rule, value: &Value, at: &TokenStream) -> TokenStream {
    let (place, reference) = (&value.place, &value.reference);
    match rule {
        Rule::Minimum(bound) => {
            let limit = number(bound.value);
            if bound.exclusive {
                quote!(check.exclusive_minimum(#at, #place, #limit);)
            } else {
                quote!(check.minimum(#at, #place, #limit);)
            }
        }
        Rule::Maximum(bound) => {
            let limit = number(bound.value);
            if bound.exclusive {
                quote!(check.exclusive_maximum(#at, #place, #limit);)
            } else {
                quote!(check.maximum(#at, #place, #limit);)
            }
        }
        Rule::MultipleOf(divisor) => {
            let divisor = number(*divisor);
            quote!(check.multiple_of(#at, #place, #divisor);)
        }
        Rule::MinLength(n) => {
            let n = Literal::u64_unsuffixed(*n);
            quote!(check.min_length(#at, #reference, #n);)
        }
        Rule::MaxLength(n) => {
            let n = Literal::u64_unsuffixed(*n);
            quote!(check.max_length(#at, #reference, #n);)
        }
        Rule::Pattern(pattern) => quote! {
            {
                static PATTERN: validate::Pattern = validate::Pattern::new(#pattern);
                check.pattern(#at, #reference, &PATTERN);
            }
        },
        Rule::Format(format) => {
            let format = format_ident!(
                "{}",
                match format {
                    Format::Email => "Email",
                    Format::Uri => "Uri",
                    Format::Hostname => "Hostname",
                    Format::Ipv4 => "Ipv4",
                    Format::Ipv6 => "Ipv6",
                }
            );
            quote!(check.format(#at, #reference, validate::Format::#format);)
        }
        // `applies` lets only the rules above through.
        _ => TokenStream::new(),
    }
}

fn property_rule(rule: &Rule, count: &TokenStream, at: &TokenStream) -> TokenStream {
    match rule {
        Rule::MinProperties(n) => {
            let n = Literal::u64_unsuffixed(*n);
            quote!(check.min_properties(#at, #count, #n);)
        }
        Rule::MaxProperties(n) => {
            let n = Literal::u64_unsuffixed(*n);
            quote!(check.max_properties(#at, #count, #n);)
        }
        _ => TokenStream::new(),
    }
}

/// `let count = …;`: how many properties a struct value has. Required properties are
/// always there; optional ones when `Some`; extra ones in the flattened map.
fn property_count(s: &Struct) -> TokenStream {
    let required = s
        .fields
        .iter()
        .filter(|f| f.required && f.access == Access::Both)
        .count();
    let mut terms: Vec<TokenStream> = Vec::new();
    if required > 0 {
        let required = Literal::usize_unsuffixed(required);
        terms.push(quote!(#required));
    }
    for f in s
        .fields
        .iter()
        .filter(|f| !(f.required && f.access == Access::Both))
    {
        let name = ident(&f.name.snake);
        terms.push(quote!(usize::from(self.#name.is_some())));
    }
    if s.additional.is_some() {
        let field = ident(&crate::types::additional_field(s));
        terms.push(quote!(self.#field.len()));
    }
    if terms.is_empty() {
        terms.push(quote!(0));
    }
    quote!(let count = #(#terms)+*;)
}

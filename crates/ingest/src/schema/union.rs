//! `oneOf` / `anyOf`: the members of a union, their variant names and discriminator
//! tags; and the names a spec gives an enum's values.

use super::{TypeBuilder, local_pointer};
use crate::error::{Diagnostics, push_pointer};
use crate::names::Scope;
use openapiv3::{AnySchema, ReferenceOr, Schema, SchemaKind};
use pushgen_ir::{Scalar, TypeRef, Union, Variant};
use serde_json::Value;

impl<'a> TypeBuilder<'a> {
    /// For a union of one member and `null` (3.1's "X or null"): the member's type, made
    /// optional; the inner `None` after an error was recorded. `None` for other schemas.
    pub(super) fn member_or_null(
        &mut self,
        schema: &Schema,
        pointer: &str,
        hint: &str,
        diags: &mut Diagnostics,
    ) -> Option<Option<TypeRef>> {
        let (key, members) = members(schema)?;
        let only = only_real_member(members)?;
        let at = push_pointer(&push_pointer(pointer, key), &only.to_string());
        let ty = self.type_ref((&members[only]).into(), &at, hint, diags);
        Some(ty.map(|ty| self.or_null(&members[only], ty)))
    }

    /// `ty`, the type of a union's one member besides `null`, made optional, unless the
    /// member already is (a `$ref` to a schema that allows `null` itself).
    fn or_null(&self, member: &ReferenceOr<Schema>, ty: TypeRef) -> TypeRef {
        let already = match (&ty, member) {
            (TypeRef::Nullable(_), _) => true,
            (_, ReferenceOr::Reference { reference }) => local_pointer(reference)
                .ok()
                .and_then(|target| self.raw.pointer(&target))
                .is_some_and(allows_null),
            _ => false,
        };
        if already {
            ty
        } else {
            TypeRef::Nullable(Box::new(ty))
        }
    }

    /// The one string value the property `property` of the schema at `reference` allows
    /// (`enum: [x]`, or `const: x` before normalising), if it allows exactly one.
    fn single_value(&self, reference: &str, property: &str) -> Option<String> {
        let follow = |value: &'a Value| -> Option<&'a Value> {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => self.raw.pointer(&local_pointer(r).ok()?),
                None => Some(value),
            }
        };
        let member = follow(self.raw.pointer(&local_pointer(reference).ok()?)?)?;
        let schema = follow(member.get("properties")?.get(property)?)?;
        match schema.get("enum")?.as_array()?.as_slice() {
            [Value::String(only)] => Some(only.clone()),
            _ => None,
        }
    }

    /// The variant names a spec gives its enum's values, in openapi-generator's extension
    /// `x-enum-varnames` (or NSwag's `x-enumNames`); empty when it gives none, or not one
    /// name per value. Read from the typed schema's extensions: looking its pointer up in
    /// the raw document again was a tenth of naming Stripe's thousands of enums.
    pub(super) fn variant_names(schema: &Schema, count: usize) -> Vec<String> {
        ["x-enum-varnames", "x-enumNames"]
            .iter()
            .find_map(|key| {
                let names: Vec<String> = schema
                    .schema_data
                    .extensions
                    .get(*key)?
                    .as_array()?
                    .iter()
                    .map(|n| n.as_str().map(str::to_string))
                    .collect::<Option<_>>()?;
                (names.len() == count).then_some(names)
            })
            .unwrap_or_default()
    }

    pub(super) fn union(
        &mut self,
        ident: &str,
        pointer: &str,
        key: &str,
        members: &[ReferenceOr<Schema>],
        schema: &Schema,
        diags: &mut Diagnostics,
    ) -> Union {
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut scope = Scope::new();
        // The generated enum's catch-all for tags a newer server may send.
        scope.reserve(&["Unknown"]);
        let mut variants = Vec::with_capacity(members.len());
        let members_pointer = push_pointer(pointer, key);
        let skip_nulls = self.null_outside.contains(pointer);
        for (i, member) in members.iter().enumerate() {
            if skip_nulls && is_null(member) {
                continue;
            }
            let at = push_pointer(&members_pointer, &i.to_string());
            let hint = format!("{ident} variant {}", i + 1);
            let Some(ty) = self.type_ref(member.into(), &at, &hint, diags) else {
                continue;
            };
            let (base, tags) = match member {
                ReferenceOr::Reference { reference } => {
                    let last = reference
                        .rsplit('/')
                        .next()
                        .unwrap_or(reference)
                        .to_string();
                    let mut tags: Vec<String> = discriminator
                        .map(|d| {
                            d.mapping
                                .iter()
                                .filter(|(_, target)| *target == reference || **target == last)
                                .map(|(tag, _)| tag.clone())
                                .collect()
                        })
                        .unwrap_or_default();
                    if tags.is_empty() {
                        // Without a mapping the tag is the schema's name, says OpenAPI; real
                        // specs (OpenAI's) mean the one value the member's tag property
                        // allows. That value is written; the name is still read.
                        if let Some(tag) = discriminator
                            .and_then(|d| self.single_value(reference, &d.property_name))
                        {
                            tags.push(tag);
                        }
                        if !tags.contains(&last) {
                            tags.push(last.clone());
                        }
                    }
                    (variant_base(&ty, &last), tags)
                }
                ReferenceOr::Item(item) => {
                    let base = item
                        .schema_data
                        .title
                        .clone()
                        .unwrap_or_else(|| variant_base(&ty, &format!("variant {}", i + 1)));
                    (base, Vec::new())
                }
            };
            // A value two members both allow selects the first of them; the later one is
            // still read by its schema name.
            let mut tags: Vec<String> = tags
                .into_iter()
                .filter(|tag| !variants.iter().any(|v: &Variant| v.tags.contains(tag)))
                .collect();
            if tags.is_empty()
                && let ReferenceOr::Reference { reference } = member
            {
                tags.push(
                    reference
                        .rsplit('/')
                        .next()
                        .unwrap_or(reference)
                        .to_string(),
                );
            }
            variants.push(Variant {
                name: scope.name(&base, "Variant"),
                ty,
                tags,
                boxed: false,
            });
        }
        // A tag only works when every member is an object named by a `$ref`.
        let tagged = discriminator.is_some()
            && variants
                .iter()
                .all(|v| !v.tags.is_empty() && matches!(v.ty, TypeRef::Named(_)));
        Union {
            discriminator: if tagged {
                discriminator.map(|d| d.property_name.clone())
            } else {
                None
            },
            variants,
        }
    }
}

/// A variant name for a union member of type `ty`.
fn variant_base(ty: &TypeRef, fallback: &str) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::Scalar(Scalar::String) => "String".into(),
        TypeRef::Scalar(Scalar::Boolean) => "Boolean".into(),
        TypeRef::Scalar(Scalar::Int32 | Scalar::Int64) => "Integer".into(),
        TypeRef::Scalar(Scalar::Float | Scalar::Double) => "Number".into(),
        TypeRef::Scalar(Scalar::DateTime) => "DateTime".into(),
        TypeRef::Scalar(Scalar::Date) => "Date".into(),
        TypeRef::Scalar(Scalar::Uuid) => "Uuid".into(),
        TypeRef::Scalar(Scalar::Base64) => "Bytes".into(),
        TypeRef::Array(_) => "Array".into(),
        TypeRef::Map(_) => "Object".into(),
        TypeRef::Nullable(inner) => variant_base(inner, fallback),
        TypeRef::Any => fallback.into(),
    }
}

/// A union's key (`oneOf` / `anyOf`) and members, if `schema` is one.
pub(super) fn members(schema: &Schema) -> Option<(&'static str, &[ReferenceOr<Schema>])> {
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of } => Some(("oneOf", one_of)),
        SchemaKind::AnyOf { any_of } => Some(("anyOf", any_of)),
        SchemaKind::Any(any) if !any.one_of.is_empty() => Some(("oneOf", &any.one_of)),
        SchemaKind::Any(any) if !any.any_of.is_empty() => Some(("anyOf", &any.any_of)),
        _ => None,
    }
}

/// Whether a union member allows only `null` (`{type: 'null'}`, normalised to
/// `{nullable: true}`).
pub(super) fn is_null(member: &ReferenceOr<Schema>) -> bool {
    match member {
        ReferenceOr::Item(schema) => {
            schema.schema_data.nullable
                && matches!(&schema.schema_kind, SchemaKind::Any(any) if *any == AnySchema::default())
        }
        ReferenceOr::Reference { .. } => false,
    }
}

/// The index of the one member that is not `null`, when there are `null` members and
/// exactly one other.
pub(super) fn only_real_member(members: &[ReferenceOr<Schema>]) -> Option<usize> {
    if !members.iter().any(is_null) {
        return None;
    }
    let mut real = (0..members.len()).filter(|&i| !is_null(&members[i]));
    match (real.next(), real.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Whether a raw schema allows `null`: `nullable`, a `null` type, or a `null` member.
fn allows_null(schema: &Value) -> bool {
    let null_type = |t: &Value| {
        t == "null"
            || t.as_array()
                .is_some_and(|types| types.iter().any(|t| t == "null"))
    };
    if schema.get("nullable") == Some(&Value::Bool(true))
        || schema.get("type").is_some_and(null_type)
    {
        return true;
    }
    ["anyOf", "oneOf"].iter().any(|key| {
        schema
            .get(*key)
            .and_then(Value::as_array)
            .is_some_and(|members| {
                // Normalising made `{type: 'null'}` a `{nullable: true}` of no type.
                members.iter().any(|m| {
                    m.get("type").is_some_and(null_type)
                        || (m.get("nullable") == Some(&Value::Bool(true))
                            && m.get("type").is_none()
                            && m.get("properties").is_none())
                })
            })
    })
}

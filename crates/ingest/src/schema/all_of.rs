//! `allOf`: what it amounts to (one annotated member, a merge of objects, or an opaque
//! value), and the merge itself.

use super::{TypeBuilder, local_pointer};
use crate::error::{Diagnostics, push_pointer};
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};
use pushgen_ir::Struct;

/// What an `allOf` amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AllOfShape {
    /// One member carries the type; the others only annotate it (`description`,
    /// `nullable: true`).
    Single { index: usize, nullable: bool },
    /// Objects whose properties merge into one.
    Merge,
    /// Something no Rust type says (a union intersected with an object): a JSON value.
    Opaque,
}

/// How an `allOf` member takes part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Member {
    Trivial { nullable: bool },
    Object,
    Other,
}

impl TypeBuilder<'_> {
    /// What an `allOf` amounts to; `own_properties` when the schema beside it has some.
    pub(super) fn all_of_shape(
        &mut self,
        members: &[ReferenceOr<Schema>],
        own_properties: bool,
    ) -> AllOfShape {
        let mut substantive = Vec::new();
        let mut nullable = false;
        let mut all_objects = true;
        for (i, member) in members.iter().enumerate() {
            match self.classify(member, 0) {
                Member::Trivial { nullable: n } => nullable |= n,
                Member::Object => substantive.push(i),
                Member::Other => {
                    substantive.push(i);
                    all_objects = false;
                }
            }
        }
        match substantive.as_slice() {
            [index] if !own_properties => AllOfShape::Single {
                index: *index,
                nullable,
            },
            [] if !own_properties => AllOfShape::Opaque,
            _ if all_objects => AllOfShape::Merge,
            _ => AllOfShape::Opaque,
        }
    }

    pub(super) fn classify(&mut self, member: &ReferenceOr<Schema>, depth: usize) -> Member {
        if depth > 16 {
            return Member::Other;
        }
        let reference = match member {
            ReferenceOr::Item(schema) => return self.classify_schema(schema, depth),
            ReferenceOr::Reference { reference } => reference,
        };
        let resolved = local_pointer(reference)
            .ok()
            .and_then(|target| self.resolve(&target, "").ok());
        match resolved.as_deref() {
            // The schema a `$ref` reaches counts as if it stood here.
            Some(ReferenceOr::Item(schema)) => self.classify_schema(schema, depth),
            Some(chained) => self.classify(chained, depth + 1),
            // Counted as an object so that merging reports the broken `$ref`.
            None => Member::Object,
        }
    }

    fn classify_schema(&mut self, schema: &Schema, depth: usize) -> Member {
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(_)) => Member::Object,
            SchemaKind::Any(any)
                if any.typ.is_none()
                    && any.properties.is_empty()
                    && any.items.is_none()
                    && any.one_of.is_empty()
                    && any.any_of.is_empty()
                    && any.all_of.is_empty()
                    && any.enumeration.is_empty()
                    && any.additional_properties.is_none()
                    && any.not.is_none() =>
            {
                Member::Trivial {
                    nullable: schema.schema_data.nullable,
                }
            }
            SchemaKind::Any(any) if any.one_of.is_empty() && any.any_of.is_empty() => {
                if any
                    .all_of
                    .iter()
                    .all(|m| self.classify(m, depth + 1) != Member::Other)
                {
                    Member::Object
                } else {
                    Member::Other
                }
            }
            SchemaKind::AllOf { all_of } => {
                if all_of
                    .iter()
                    .all(|m| self.classify(m, depth + 1) != Member::Other)
                {
                    Member::Object
                } else {
                    Member::Other
                }
            }
            _ => Member::Other,
        }
    }

    /// `allOf`: the members' properties (and those beside the `allOf`) merged into one object.
    pub(super) fn all_of(
        &mut self,
        ident: &str,
        pointer: &str,
        members: &[ReferenceOr<Schema>],
        own: Option<&openapiv3::AnySchema>,
        diags: &mut Diagnostics,
    ) -> Struct {
        let mut properties = indexmap::IndexMap::new();
        let mut required = Vec::new();
        let mut additional = None;
        if let Some(own) = own {
            properties.extend(own.properties.iter().map(|(k, v)| (k.clone(), v.clone())));
            required.extend(own.required.iter().cloned());
            additional.clone_from(&own.additional_properties);
        }
        let all_of_pointer = push_pointer(pointer, "allOf");
        for (i, member) in members.iter().enumerate() {
            let at = push_pointer(&all_of_pointer, &i.to_string());
            self.collect_properties(
                member,
                &at,
                &mut properties,
                &mut required,
                &mut additional,
                diags,
                0,
            );
        }
        self.object(
            ident,
            pointer,
            &properties,
            &required,
            additional.as_ref(),
            diags,
        )
    }

    #[allow(clippy::too_many_arguments)] // one recursive walk with its accumulators
    pub(super) fn collect_properties(
        &mut self,
        member: &ReferenceOr<Schema>,
        pointer: &str,
        properties: &mut indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &mut Vec<String>,
        additional: &mut Option<AdditionalProperties>,
        diags: &mut Diagnostics,
        depth: usize,
    ) {
        if depth > 32 {
            diags.error(pointer, "`allOf` nests too deeply (a cycle?)");
            return;
        }
        let resolved;
        let (schema, at) = match member {
            ReferenceOr::Item(schema) => (schema, pointer.to_string()),
            ReferenceOr::Reference { reference } => {
                let target = match local_pointer(reference) {
                    Ok(t) => t,
                    Err(m) => {
                        diags.error(push_pointer(pointer, "$ref"), m);
                        return;
                    }
                };
                resolved = match self.resolve(&target, pointer) {
                    Ok(found) => found,
                    Err(e) => {
                        diags.push(e);
                        return;
                    }
                };
                match &*resolved {
                    ReferenceOr::Item(schema) => (schema, target),
                    reference => {
                        return self.collect_properties(
                            reference,
                            &target,
                            properties,
                            required,
                            additional,
                            diags,
                            depth + 1,
                        );
                    }
                }
            }
        };
        let mut merge = |props: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
                         req: &[String],
                         add: &Option<AdditionalProperties>| {
            for (k, v) in props {
                properties.entry(k.clone()).or_insert_with(|| v.clone());
            }
            required.extend(req.iter().cloned());
            if additional.is_none() {
                additional.clone_from(add);
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => merge(
                &object.properties,
                &object.required,
                &object.additional_properties,
            ),
            SchemaKind::AllOf { all_of } => {
                let nested = push_pointer(&at, "allOf");
                for (i, m) in all_of.iter().enumerate() {
                    let p = push_pointer(&nested, &i.to_string());
                    self.collect_properties(
                        m,
                        &p,
                        properties,
                        required,
                        additional,
                        diags,
                        depth + 1,
                    );
                }
            }
            SchemaKind::Any(any) => {
                merge(&any.properties, &any.required, &any.additional_properties);
                let nested = push_pointer(&at, "allOf");
                for (i, m) in any.all_of.iter().enumerate() {
                    let p = push_pointer(&nested, &i.to_string());
                    self.collect_properties(
                        m,
                        &p,
                        properties,
                        required,
                        additional,
                        diags,
                        depth + 1,
                    );
                }
            }
            // Annotations only (`description`, `nullable`): nothing to merge.
            _ if self.classify_schema(schema, 0) != Member::Other => {}
            _ => diags.error(
                at,
                "an `allOf` member must be an object schema to be merged",
            ),
        }
    }
}

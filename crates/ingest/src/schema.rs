//! Schemas → [`TypeRef`]s and [`NamedType`]s.
//!
//! Component schemas keep their names; inline objects, enums and unions are hoisted
//! under names built from where they appear (`CreateConsumerRequest`, `ConsumerState`),
//! so the same spec always yields the same types. Named types are keyed by the JSON
//! pointer of their definition: a schema reached twice (by `$ref` and in place) is one
//! type.

use crate::document::deserialize;
use crate::error::{Diagnostics, SpecError, push_pointer};
use crate::names::Scope;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};
use pushgen_ir::{
    Access, Example, Field, IntEnum, IntValue, Name, NamedType, Scalar, StringEnum, Struct,
    TypeKind, TypeRef,
};
use serde_json::Value;
use std::rc::Rc;

mod all_of;
mod beside;
mod checks;
mod union;
use all_of::AllOfShape;
pub(crate) use beside::Part;

/// A schema as it appears: a `$ref` or the schema itself.
#[derive(Clone, Copy)]
pub(crate) enum SchemaRef<'s> {
    Ref(&'s str),
    Item(&'s Schema),
}

impl<'s> From<&'s ReferenceOr<Schema>> for SchemaRef<'s> {
    fn from(r: &'s ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

impl<'s> From<&'s ReferenceOr<Box<Schema>>> for SchemaRef<'s> {
    fn from(r: &'s ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

/// The names types have been given: the identifiers taken, and the type named after
/// each definition's pointer.
#[derive(Default)]
pub(crate) struct Names {
    scope: Scope,
    /// Pointer of a schema definition → the named type made from it.
    by_pointer: HashMap<String, String>,
}

/// `$ref` targets already read: pointer → schema. Shared, so that a schema looked at
/// again (an `allOf` member's shape) is not copied each time.
pub(crate) type Resolved = HashMap<String, Rc<ReferenceOr<Schema>>>;

/// Builds the named types of one API, or of a part of it beside others (`beside.rs`).
pub(crate) struct TypeBuilder<'a> {
    raw: &'a Value,
    /// For a builder of a part: the names given before the parts began, which this
    /// builder continues without changing.
    earlier: Option<&'a Names>,
    names: Names,
    /// For `$ref` targets outside the typed model's reach.
    resolved: Resolved,
    /// Unnamed `$ref` targets being converted: meeting one again is a cycle that only
    /// arrays or maps would close, which no named type breaks.
    expanding: HashSet<String>,
    /// Type name → pointer of its definition, for errors about a type.
    defined_at: HashMap<String, String>,
    types: Vec<NamedType>,
    examples: Vec<Example>,
    /// Unions whose `null` members the referring type says instead (`Option<Union>`).
    null_outside: HashSet<String>,
}

/// A schema of `components/schemas`, named before any is defined.
pub(crate) struct Component<'s> {
    name: &'s str,
    schema: &'s ReferenceOr<Schema>,
    pointer: String,
    ident: String,
}

impl<'a> TypeBuilder<'a> {
    pub fn new(raw: &'a Value) -> Self {
        Self::after(raw, None, Resolved::new())
    }

    fn after(raw: &'a Value, earlier: Option<&'a Names>, resolved: Resolved) -> Self {
        TypeBuilder {
            raw,
            earlier,
            names: Names::default(),
            resolved,
            expanding: HashSet::new(),
            defined_at: HashMap::new(),
            types: Vec::new(),
            examples: Vec::new(),
            null_outside: HashSet::new(),
        }
    }

    /// The named type defined at `pointer`, if there is one yet.
    fn named(&self, pointer: &str) -> Option<&String> {
        self.names
            .by_pointer
            .get(pointer)
            .or_else(|| self.earlier?.by_pointer.get(pointer))
    }

    /// A new type identifier for `hint`.
    fn new_ident(&mut self, hint: &str) -> String {
        let earlier = self.earlier.map(|e| &e.scope);
        self.names.scope.name_after(earlier, hint, "Schema").camel
    }

    /// Names `components/schemas`, before anything is defined, so that hoisted inline
    /// schemas never take a component's name. Each is then defined by
    /// [`TypeBuilder::define_component`].
    pub fn name_components<'s>(
        &mut self,
        schemas: &'s indexmap::IndexMap<String, ReferenceOr<Schema>>,
    ) -> Vec<Component<'s>> {
        schemas
            .iter()
            .map(|(name, schema)| {
                let pointer = push_pointer("/components/schemas", name);
                let ident = self.new_ident(name);
                self.names.by_pointer.insert(pointer.clone(), ident.clone());
                Component {
                    name,
                    schema,
                    pointer,
                    ident,
                }
            })
            .collect()
    }

    /// Converts a schema of `components/schemas`.
    pub fn define_component(&mut self, component: &Component<'_>, diags: &mut Diagnostics) {
        let Component {
            name,
            schema,
            pointer,
            ident,
        } = component;
        let reference = match schema {
            ReferenceOr::Item(schema) => {
                self.define(pointer, ident, name, schema, diags);
                return;
            }
            ReferenceOr::Reference { reference } => reference,
        };
        // `A: {$ref: <a schema in another file>}` defines `A` there, so the type has the
        // component's name rather than the file's.
        if let Ok(target) = local_pointer(reference)
            && self.named(&target).is_none()
            && let Ok(resolved) = self.resolve(&target, pointer)
            && let ReferenceOr::Item(schema) = &*resolved
            && self.needs_name(schema)
        {
            self.names.by_pointer.insert(target.clone(), ident.clone());
            self.define(&target, ident, name, schema, diags);
            return;
        }
        // `A: {$ref: B}` makes `A` another name for `B`.
        let target = self.type_ref(SchemaRef::Ref(reference), pointer, name, diags);
        if let Some(target) = target {
            self.defined_at.insert(ident.clone(), pointer.clone());
            self.types.push(NamedType {
                name: self.name_of(ident, name),
                pointer: pointer.clone(),
                description: None,
                kind: TypeKind::Alias(target),
                checks: Default::default(),
            });
        }
    }

    fn name_of(&self, camel: &str, original: &str) -> Name {
        Name {
            original: original.to_string(),
            snake: crate::case::snake(camel),
            camel: camel.to_string(),
        }
    }

    /// The type of a schema at `pointer`; `hint` names it if it must be hoisted.
    /// `None` after an error has been recorded.
    pub fn type_ref(
        &mut self,
        schema: SchemaRef<'_>,
        pointer: &str,
        hint: &str,
        diags: &mut Diagnostics,
    ) -> Option<TypeRef> {
        match schema {
            SchemaRef::Ref(reference) => self.ref_type(reference, pointer, diags),
            SchemaRef::Item(schema) => self.inline(schema, pointer, hint, diags),
        }
    }

    fn ref_type(
        &mut self,
        reference: &str,
        pointer: &str,
        diags: &mut Diagnostics,
    ) -> Option<TypeRef> {
        let target = match local_pointer(reference) {
            Ok(target) => target,
            Err(message) => {
                diags.error(push_pointer(pointer, "$ref"), message);
                return None;
            }
        };
        if let Some(name) = self.named(&target) {
            return Some(TypeRef::Named(name.clone()));
        }
        let schema = match self.resolve(&target, pointer) {
            Ok(schema) => schema,
            Err(error) => {
                diags.push(error);
                return None;
            }
        };
        let hint = self.hint_for(&target);
        match &*schema {
            ReferenceOr::Reference { reference } => {
                // A chain of `$ref`s; `resolve` has already refused cycles.
                self.ref_type(reference, &target, diags)
            }
            ReferenceOr::Item(schema) => {
                if !self.expanding.insert(target.clone()) {
                    diags.error(
                        push_pointer(pointer, "$ref"),
                        format!(
                            "#{target} contains itself only through arrays or maps; \
                             such a schema cannot be a type yet (make it an object)"
                        ),
                    );
                    return None;
                }
                let ty = self.inline(schema, &target, &hint, diags);
                self.expanding.remove(&target);
                ty
            }
        }
    }

    /// A name for the schema at `target`: its last pointer token, or for a whole file
    /// bundled from a `$ref`, the file's stem.
    fn hint_for(&self, target: &str) -> String {
        let whole_file = target
            .strip_prefix(&format!("/{}/", crate::bundle::FILES_KEY))
            .and_then(|index| index.parse::<usize>().ok());
        if let Some(index) = whole_file
            && let Some(stem) = self
                .raw
                .get(crate::bundle::NAMES_KEY)
                .and_then(|names| names.get(index))
                .and_then(Value::as_str)
        {
            return stem.to_string();
        }
        pointer_hint(target)
    }

    /// Loads the schema at a local pointer, following `$ref` chains to refuse cycles.
    fn resolve(&mut self, target: &str, from: &str) -> Result<Rc<ReferenceOr<Schema>>, SpecError> {
        let mut seen = HashSet::new();
        let mut current = target.to_string();
        loop {
            if !seen.insert(current.clone()) {
                return Err(SpecError::new(
                    from,
                    format!("`$ref` cycle through #{current} never reaches a schema"),
                ));
            }
            if !self.resolved.contains_key(&current) {
                let Some(value) = self.raw.pointer(&current) else {
                    return Err(SpecError::new(
                        push_pointer(from, "$ref"),
                        format!("unresolved `$ref`: nothing at #{current}"),
                    ));
                };
                let schema = deserialize::<ReferenceOr<Schema>>(value, &current)?;
                self.resolved.insert(current.clone(), Rc::new(schema));
            }
            match &*self.resolved[&current] {
                ReferenceOr::Reference { reference } => {
                    if self.named(&current).is_some() {
                        break;
                    }
                    current = local_pointer(reference).map_err(|m| SpecError::new(&current, m))?;
                }
                ReferenceOr::Item(_) => break,
            }
        }
        Ok(Rc::clone(&self.resolved[target]))
    }

    fn inline(
        &mut self,
        schema: &Schema,
        pointer: &str,
        hint: &str,
        diags: &mut Diagnostics,
    ) -> Option<TypeRef> {
        // `anyOf: [X, {type: 'null'}]`, 3.1's way to say "X or null" (OpenAI writes it a
        // thousand times), is `Option<X>`, not a union with a JSON-value variant.
        if let Some(ty) = self.member_or_null(schema, pointer, hint, diags) {
            return ty;
        }
        let mut nullable = schema.schema_data.nullable;
        if union::members(schema).is_some_and(|(_, members)| members.iter().any(union::is_null)) {
            // Several members and null: the union of the members, optional.
            nullable = true;
            self.null_outside.insert(pointer.to_string());
        }
        let base = if let Some(name) = self.named(pointer) {
            TypeRef::Named(name.clone())
        } else if self.needs_name(schema) {
            let ident = self.new_ident(hint);
            self.names
                .by_pointer
                .insert(pointer.to_string(), ident.clone());
            self.define(pointer, &ident, hint, schema, diags)?;
            TypeRef::Named(ident)
        } else {
            self.unnamed(schema, pointer, hint, diags)?
        };
        Some(if nullable && !matches!(base, TypeRef::Nullable(_)) {
            TypeRef::Nullable(Box::new(base))
        } else {
            base
        })
    }

    /// Types that need no definition of their own.
    fn unnamed(
        &mut self,
        schema: &Schema,
        pointer: &str,
        hint: &str,
        diags: &mut Diagnostics,
    ) -> Option<TypeRef> {
        Some(match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => {
                TypeRef::Scalar(string_format(&string.format))
            }
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Scalar(Scalar::Boolean),
            SchemaKind::Type(Type::Integer(int)) => TypeRef::Scalar(match int.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Scalar::Int32,
                _ => Scalar::Int64,
            }),
            SchemaKind::Type(Type::Number(number)) => TypeRef::Scalar(match number.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Scalar::Float,
                _ => Scalar::Double,
            }),
            SchemaKind::Type(Type::Array(array)) => TypeRef::Array(Box::new(match &array.items {
                Some(items) => self.type_ref(
                    items.into(),
                    &push_pointer(pointer, "items"),
                    &format!("{hint} item"),
                    diags,
                )?,
                None => TypeRef::Any,
            })),
            SchemaKind::Type(Type::Object(object)) => {
                self.map_type(object.additional_properties.as_ref(), pointer, hint, diags)?
            }
            SchemaKind::Any(any) if any.typ.as_deref() == Some("object") => {
                self.map_type(any.additional_properties.as_ref(), pointer, hint, diags)?
            }
            SchemaKind::Any(any) if any.items.is_some() || any.typ.as_deref() == Some("array") => {
                TypeRef::Array(Box::new(match &any.items {
                    Some(items) => self.type_ref(
                        items.into(),
                        &push_pointer(pointer, "items"),
                        &format!("{hint} item"),
                        diags,
                    )?,
                    None => TypeRef::Any,
                }))
            }
            SchemaKind::AllOf { all_of } => match self.all_of_shape(all_of, false) {
                AllOfShape::Single { index, nullable } => {
                    let ty = self.type_ref(
                        (&all_of[index]).into(),
                        &push_pointer(&push_pointer(pointer, "allOf"), &index.to_string()),
                        hint,
                        diags,
                    )?;
                    if nullable && !matches!(ty, TypeRef::Nullable(_)) {
                        TypeRef::Nullable(Box::new(ty))
                    } else {
                        ty
                    }
                }
                AllOfShape::Merge | AllOfShape::Opaque => TypeRef::Any,
            },
            _ => TypeRef::Any,
        })
    }

    /// Whether a schema becomes a type of its own rather than a scalar or container.
    fn needs_name(&mut self, schema: &Schema) -> bool {
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => {
                string.enumeration.iter().any(Option::is_some)
            }
            SchemaKind::Type(Type::Integer(int)) => int.enumeration.iter().any(Option::is_some),
            SchemaKind::Type(Type::Object(object)) => !object.properties.is_empty(),
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => true,
            SchemaKind::AllOf { all_of } => self.all_of_shape(all_of, false) == AllOfShape::Merge,
            SchemaKind::Any(any) => {
                !any.properties.is_empty() || !any.one_of.is_empty() || !any.any_of.is_empty()
            }
            _ => false,
        }
    }

    fn map_type(
        &mut self,
        additional: Option<&AdditionalProperties>,
        pointer: &str,
        hint: &str,
        diags: &mut Diagnostics,
    ) -> Option<TypeRef> {
        Some(TypeRef::Map(Box::new(match additional {
            Some(AdditionalProperties::Schema(schema)) => self.type_ref(
                schema.as_ref().into(),
                &push_pointer(pointer, "additionalProperties"),
                &format!("{hint} value"),
                diags,
            )?,
            _ => TypeRef::Any,
        })))
    }

    /// Defines the named type `ident` from `schema` at `pointer`.
    fn define(
        &mut self,
        pointer: &str,
        ident: &str,
        original: &str,
        schema: &Schema,
        diags: &mut Diagnostics,
    ) -> Option<()> {
        let kind = match &schema.schema_kind {
            // `X or null`, named: `type Name = Option<X>`.
            _ if let Some(ty) = self.member_or_null(schema, pointer, original, diags) => {
                TypeKind::Alias(ty?)
            }
            SchemaKind::Type(Type::String(string)) => {
                let values: Vec<&String> = string.enumeration.iter().flatten().collect();
                if values.is_empty() {
                    TypeKind::Alias(TypeRef::Scalar(Scalar::String))
                } else {
                    let mut scope = Scope::new();
                    scope.reserve(&["Unknown"]);
                    let names = Self::variant_names(schema, values.len());
                    TypeKind::Enum(StringEnum {
                        values: values
                            .iter()
                            .enumerate()
                            .map(|(i, v)| {
                                let mut name = match names.get(i) {
                                    Some(given) => scope.name(given, "Empty"),
                                    None => scope.name(v, "Empty"),
                                };
                                // The wire value, whatever the variant is called.
                                name.original = v.to_string();
                                name
                            })
                            .collect(),
                    })
                }
            }
            SchemaKind::Type(Type::Integer(int)) if int.enumeration.iter().any(Option::is_some) => {
                let values: Vec<i64> = int.enumeration.iter().flatten().copied().collect();
                let names = Self::variant_names(schema, values.len());
                let mut scope = Scope::new();
                scope.reserve(&["Unknown"]);
                TypeKind::IntEnum(IntEnum {
                    values: values
                        .iter()
                        .enumerate()
                        .map(|(i, value)| {
                            let fallback = if *value < 0 {
                                format!("minus {}", value.unsigned_abs())
                            } else {
                                format!("v{value}")
                            };
                            let mut name = scope.name(names.get(i).unwrap_or(&fallback), "Value");
                            name.original = value.to_string();
                            IntValue {
                                name,
                                value: *value,
                            }
                        })
                        .collect(),
                })
            }
            SchemaKind::Type(Type::Object(object)) if !object.properties.is_empty() => {
                TypeKind::Struct(self.object(
                    ident,
                    pointer,
                    &object.properties,
                    &object.required,
                    object.additional_properties.as_ref(),
                    diags,
                ))
            }
            SchemaKind::Any(any)
                if !any.properties.is_empty()
                    && any.all_of.is_empty()
                    && any.one_of.is_empty()
                    && any.any_of.is_empty() =>
            {
                TypeKind::Struct(self.object(
                    ident,
                    pointer,
                    &any.properties,
                    &any.required,
                    any.additional_properties.as_ref(),
                    diags,
                ))
            }
            SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members } => {
                let key = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) {
                    "oneOf"
                } else {
                    "anyOf"
                };
                TypeKind::Union(self.union(ident, pointer, key, members, schema, diags))
            }
            SchemaKind::Any(any) if !any.one_of.is_empty() || !any.any_of.is_empty() => {
                let (key, members) = if any.one_of.is_empty() {
                    ("anyOf", &any.any_of)
                } else {
                    ("oneOf", &any.one_of)
                };
                TypeKind::Union(self.union(ident, pointer, key, members, schema, diags))
            }
            SchemaKind::AllOf { all_of } => match self.all_of_shape(all_of, false) {
                AllOfShape::Merge => {
                    TypeKind::Struct(self.all_of(ident, pointer, all_of, None, diags))
                }
                AllOfShape::Single { .. } | AllOfShape::Opaque => {
                    TypeKind::Alias(self.unnamed(schema, pointer, original, diags)?)
                }
            },
            SchemaKind::Any(any) if !any.all_of.is_empty() => {
                let own = !any.properties.is_empty();
                match self.all_of_shape(&any.all_of, own) {
                    AllOfShape::Merge => {
                        TypeKind::Struct(self.all_of(ident, pointer, &any.all_of, Some(any), diags))
                    }
                    _ => TypeKind::Alias(TypeRef::Any),
                }
            }
            _ => TypeKind::Alias(self.unnamed(schema, pointer, original, diags)?),
        };
        if let Some(example) = &schema.schema_data.example {
            self.example(
                push_pointer(pointer, "example"),
                &TypeRef::Named(ident.to_string()),
                example,
            );
        }
        self.defined_at
            .insert(ident.to_string(), pointer.to_string());
        let checks = self.schema_checks(schema, pointer, diags);
        self.types.push(NamedType {
            name: self.name_of(ident, original),
            pointer: pointer.to_string(),
            description: schema.schema_data.description.clone(),
            kind,
            checks,
        });
        Some(())
    }

    fn object(
        &mut self,
        ident: &str,
        pointer: &str,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        diags: &mut Diagnostics,
    ) -> Struct {
        let mut scope = Scope::new();
        let mut fields = Vec::with_capacity(properties.len());
        let props_pointer = push_pointer(pointer, "properties");
        for (property, schema) in properties {
            let name = scope.name(property, "field");
            let at = push_pointer(&props_pointer, property);
            let hint = format!("{ident} {}", name.camel);
            let Some(ty) = self.type_ref(schema.into(), &at, &hint, diags) else {
                continue;
            };
            let data = match schema {
                ReferenceOr::Item(schema) => Some(&schema.schema_data),
                ReferenceOr::Reference { .. } => None,
            };
            // A property's own example, unless its schema is a named type, which records
            // its example itself.
            if let Some(example) = data.and_then(|d| d.example.as_ref())
                && !matches!(ty, TypeRef::Named(_))
            {
                self.example(push_pointer(&at, "example"), &ty, example);
            }
            let checks = self.checks(schema.into(), &at, diags);
            let access = match data {
                Some(d) if d.read_only => Access::ReadOnly,
                Some(d) if d.write_only => Access::WriteOnly,
                _ => Access::Both,
            };
            fields.push(Field {
                name,
                ty,
                required: required.iter().any(|r| r == property),
                description: data.and_then(|d| d.description.clone()),
                boxed: false,
                default: data.and_then(|d| d.default.as_ref()).map(|v| v.to_string()),
                access,
                checks,
            });
        }
        let additional = match additional {
            Some(AdditionalProperties::Schema(schema)) => self.type_ref(
                schema.as_ref().into(),
                &push_pointer(pointer, "additionalProperties"),
                &format!("{ident} value"),
                diags,
            ),
            _ => None,
        };
        Struct { fields, additional }
    }

    /// All named types, with recursion boxed and discriminator properties moved to the
    /// union's tag, sorted by name.
    pub fn finish(mut self, diags: &mut Diagnostics) -> (Vec<NamedType>, Vec<Example>) {
        crate::recursion::untag_members(&mut self.types);
        crate::recursion::box_cycles(&mut self.types, &self.defined_at, diags);
        self.types.sort_by(|a, b| a.name.camel.cmp(&b.name.camel));
        (self.types, self.examples)
    }

    /// The raw document.
    pub fn raw(&self) -> &'a Value {
        self.raw
    }

    /// Records an example of type `ty` found at `pointer`.
    pub fn example(&mut self, pointer: String, ty: &TypeRef, value: &Value) {
        self.examples.push(Example {
            pointer,
            ty: ty.clone(),
            json: value.to_string(),
        });
    }
}

/// A name for a schema reached by a deep pointer (`#/paths/~1rooms/get/responses/200/
/// content/application~1json/schema/items`): the nearest token that names something (a
/// schema, a path's words), not a keyword, status or media type; `item`/`value` added
/// for what an array or map holds.
fn pointer_hint(pointer: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "schema",
        "items",
        "content",
        "responses",
        "requestBody",
        "allOf",
        "oneOf",
        "anyOf",
        "additionalProperties",
        "parameters",
        "headers",
        "components",
        "schemas",
        "paths",
        "properties",
        "itemSchema",
        "contentSchema",
        "not",
        "$defs",
        "definitions",
        "get",
        "put",
        "post",
        "delete",
        "options",
        "head",
        "patch",
        "trace",
        "default",
    ];
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let suffix = match tokens.last().map(String::as_str) {
        Some("items") => " item",
        Some("additionalProperties") => " value",
        _ => "",
    };
    let named = tokens.iter().rev().find(|t| {
        let media_type = t.contains('/') && !t.starts_with('/');
        let status = t.chars().all(|c| c.is_ascii_digit() || c == 'X');
        !KEYWORDS.contains(&t.as_str()) && !status && !media_type
    });
    let base = match named {
        Some(t) if t.starts_with('/') => t
            .split('/')
            .filter(|segment| !segment.starts_with('{'))
            .flat_map(|segment| segment.split(|c: char| !c.is_alphanumeric()))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        Some(t) => t.clone(),
        None => "Schema".to_string(),
    };
    format!("{base}{suffix}")
}

/// The JSON pointer of a local `$ref` (`#/components/...`), percent-decoded.
pub(crate) fn local_pointer(reference: &str) -> Result<String, String> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(format!(
            "`$ref: {reference}` points into another file, which needs the spec's \
             directory: read the spec from a file (pushgen codegen --spec FILE)"
        ));
    };
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(format!(
            "`$ref: {reference}` is not a JSON pointer (expected `#/...`)"
        ));
    }
    percent_decode(fragment).ok_or_else(|| format!("`$ref: {reference}` has invalid %-escapes"))
}

fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_string());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The scalar a string `format` asks for. Formats pushgen does not type (`password`,
/// `email`, `binary` inside JSON, …) stay strings.
fn string_format(format: &VariantOrUnknownOrEmpty<StringFormat>) -> Scalar {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Scalar::DateTime,
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Scalar::Date,
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => Scalar::Base64,
        VariantOrUnknownOrEmpty::Unknown(other) if other.eq_ignore_ascii_case("uuid") => {
            Scalar::Uuid
        }
        _ => Scalar::String,
    }
}

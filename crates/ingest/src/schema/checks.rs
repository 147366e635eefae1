//! A schema's validation keywords → [`Checks`].
//!
//! The checks of a use of a type are its own schema's keywords. A `$ref` to a named type
//! contributes none here: the named type carries them ([`NamedType::checks`]), and the
//! backends look them up. A `$ref` to an unnamed schema (one under `paths`, say) is read
//! where it points.
//!
//! [`NamedType::checks`]: pushgen_ir::NamedType::checks

use super::{SchemaRef, TypeBuilder, union};
use crate::error::{Diagnostics, push_pointer};
use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty,
};
use pushgen_ir::{Bound, Checks, Format, Number, Rule};

impl TypeBuilder<'_> {
    /// The checks of the schema at `pointer`, a `$ref` or the schema itself. Called after
    /// [`TypeBuilder::type_ref`] on the same schema, which decides what is named.
    pub(crate) fn checks(
        &mut self,
        schema: SchemaRef<'_>,
        pointer: &str,
        diags: &mut Diagnostics,
    ) -> Checks {
        match schema {
            // A schema hoisted into a named type has its checks there.
            SchemaRef::Item(_) if self.named(pointer).is_some() => Checks::default(),
            SchemaRef::Item(schema) => self.schema_checks(schema, pointer, diags),
            SchemaRef::Ref(reference) => {
                let Ok(target) = super::local_pointer(reference) else {
                    return Checks::default();
                };
                if self.named(&target).is_some() {
                    return Checks::default();
                }
                let Ok(resolved) = self.resolve(&target, pointer) else {
                    // A `$ref` that leads nowhere: the type reports it.
                    return Checks::default();
                };
                match &*resolved {
                    ReferenceOr::Item(schema) if self.expanding.insert(target.clone()) => {
                        let checks = self.schema_checks(schema, &target, diags);
                        self.expanding.remove(&target);
                        checks
                    }
                    ReferenceOr::Reference { reference } => {
                        self.checks(SchemaRef::Ref(reference), &target, diags)
                    }
                    // A schema that contains itself: the type reports it.
                    _ => Checks::default(),
                }
            }
        }
    }

    /// The checks of a schema given in place.
    pub(crate) fn schema_checks(
        &mut self,
        schema: &Schema,
        pointer: &str,
        diags: &mut Diagnostics,
    ) -> Checks {
        // `anyOf: [X, {type: 'null'}]`: X's checks, when the value is there.
        if let Some((key, members)) = union::members(schema)
            && let Some(only) = union::only_real_member(members)
        {
            let at = push_pointer(&push_pointer(pointer, key), &only.to_string());
            return self.checks((&members[only]).into(), &at, diags);
        }
        let mut checks = Checks::default();
        let rules = &mut checks.rules;
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => {
                length(rules, string.min_length, string.max_length);
                if let Some(pattern) = &string.pattern {
                    self.pattern(rules, pattern, pointer, diags);
                }
                if let VariantOrUnknownOrEmpty::Unknown(name) = &string.format {
                    rules.extend(Format::from_name(name).map(Rule::Format));
                }
            }
            SchemaKind::Type(Type::Integer(int)) => {
                bounds(
                    rules,
                    int.minimum.map(Number::Int),
                    int.exclusive_minimum,
                    int.maximum.map(Number::Int),
                    int.exclusive_maximum,
                );
                rules.extend(
                    int.multiple_of
                        .filter(|m| *m > 0)
                        .map(|m| Rule::MultipleOf(Number::Int(m))),
                );
            }
            SchemaKind::Type(Type::Number(number)) => {
                bounds(
                    rules,
                    number.minimum.map(Number::Float),
                    number.exclusive_minimum,
                    number.maximum.map(Number::Float),
                    number.exclusive_maximum,
                );
                rules.extend(
                    number
                        .multiple_of
                        .filter(|m| *m > 0.0)
                        .map(|m| Rule::MultipleOf(Number::Float(m))),
                );
            }
            SchemaKind::Type(Type::Array(array)) => {
                items(rules, array.min_items, array.max_items, array.unique_items);
                if let Some(item) = &array.items {
                    checks.items = self.nested(item.into(), &push_pointer(pointer, "items"), diags);
                }
            }
            SchemaKind::Type(Type::Object(object)) => {
                properties(rules, object.min_properties, object.max_properties);
                checks.values = self.values(object.additional_properties.as_ref(), pointer, diags);
            }
            SchemaKind::Any(any) => {
                length(rules, any.min_length, any.max_length);
                if let Some(pattern) = &any.pattern {
                    self.pattern(rules, pattern, pointer, diags);
                }
                rules.extend(
                    any.format
                        .as_deref()
                        .and_then(Format::from_name)
                        .map(Rule::Format),
                );
                bounds(
                    rules,
                    any.minimum.map(number),
                    any.exclusive_minimum.unwrap_or(false),
                    any.maximum.map(number),
                    any.exclusive_maximum.unwrap_or(false),
                );
                rules.extend(
                    any.multiple_of
                        .filter(|m| *m > 0.0)
                        .map(|m| Rule::MultipleOf(number(m))),
                );
                items(
                    rules,
                    any.min_items,
                    any.max_items,
                    any.unique_items.unwrap_or(false),
                );
                properties(rules, any.min_properties, any.max_properties);
                if let Some(item) = &any.items {
                    checks.items = self.nested(item.into(), &push_pointer(pointer, "items"), diags);
                }
                checks.values = self.values(any.additional_properties.as_ref(), pointer, diags);
            }
            // `allOf` of one schema (and perhaps `nullable`): that schema's.
            SchemaKind::AllOf { all_of } => {
                if let super::AllOfShape::Single { index, .. } = self.all_of_shape(all_of, false) {
                    let at = push_pointer(&push_pointer(pointer, "allOf"), &index.to_string());
                    return self.checks((&all_of[index]).into(), &at, diags);
                }
            }
            _ => {}
        }
        checks
    }

    fn nested(
        &mut self,
        schema: SchemaRef<'_>,
        pointer: &str,
        diags: &mut Diagnostics,
    ) -> Option<Box<Checks>> {
        let checks = self.checks(schema, pointer, diags);
        (!checks.is_empty()).then(|| Box::new(checks))
    }

    fn values(
        &mut self,
        additional: Option<&AdditionalProperties>,
        pointer: &str,
        diags: &mut Diagnostics,
    ) -> Option<Box<Checks>> {
        match additional {
            Some(AdditionalProperties::Schema(schema)) => self.nested(
                schema.as_ref().into(),
                &push_pointer(pointer, "additionalProperties"),
                diags,
            ),
            _ => None,
        }
    }

    /// A `pattern` that Rust's `regex` reads becomes a rule; one it does not (ECMA-262's
    /// look-around and back-references) is a warning, and is not checked: generated code
    /// never compiles a pattern that could fail at run time.
    fn pattern(
        &self,
        rules: &mut Vec<Rule>,
        pattern: &str,
        pointer: &str,
        diags: &mut Diagnostics,
    ) {
        match regex_syntax::Parser::new().parse(pattern) {
            Ok(_) => rules.push(Rule::Pattern(pattern.to_string())),
            Err(error) => diags.warn(
                push_pointer(pointer, "pattern"),
                format!(
                    "pattern `{pattern}` is not one Rust's `regex` reads, so it is not checked: {}",
                    first_line(&error.to_string())
                ),
            ),
        }
    }
}

/// `regex-syntax` draws the pattern with a caret under the fault; a warning line needs
/// only what is wrong, which it writes last.
fn first_line(message: &str) -> &str {
    message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map_or(message, |l| l.trim().trim_start_matches("error: "))
}

/// A JSON number as the spec wrote it: an integer when it is one.
fn number(value: f64) -> Number {
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        Number::Int(value as i64)
    } else {
        Number::Float(value)
    }
}

fn bounds(
    rules: &mut Vec<Rule>,
    minimum: Option<Number>,
    exclusive_minimum: bool,
    maximum: Option<Number>,
    exclusive_maximum: bool,
) {
    rules.extend(minimum.map(|value| {
        Rule::Minimum(Bound {
            value,
            exclusive: exclusive_minimum,
        })
    }));
    rules.extend(maximum.map(|value| {
        Rule::Maximum(Bound {
            value,
            exclusive: exclusive_maximum,
        })
    }));
}

fn length(rules: &mut Vec<Rule>, min: Option<usize>, max: Option<usize>) {
    rules.extend(min.filter(|n| *n > 0).map(|n| Rule::MinLength(n as u64)));
    rules.extend(max.map(|n| Rule::MaxLength(n as u64)));
}

fn items(rules: &mut Vec<Rule>, min: Option<usize>, max: Option<usize>, unique: bool) {
    rules.extend(min.filter(|n| *n > 0).map(|n| Rule::MinItems(n as u64)));
    rules.extend(max.map(|n| Rule::MaxItems(n as u64)));
    if unique {
        rules.push(Rule::UniqueItems);
    }
}

fn properties(rules: &mut Vec<Rule>, min: Option<usize>, max: Option<usize>) {
    rules.extend(
        min.filter(|n| *n > 0)
            .map(|n| Rule::MinProperties(n as u64)),
    );
    rules.extend(max.map(|n| Rule::MaxProperties(n as u64)));
}

//! What a user adds to the generated code beyond the spec (the build.rs builder's
//! `type_attribute`, `field_attribute`, `extern_type` and `runtime_path`, as
//! prost-build and tonic-build have them).
//!
//! A **matcher** names schemas the way users know them: `"."` matches every one; a JSON
//! pointer (`"#/components/schemas/Pet"`, the `#` optional) the schema defined there; any
//! other text a schema's name, as the spec spells it or as the generated type is named.
//! A field matcher is `"Type.property"` (the property as the spec or as the field spells
//! it), a pointer to the property (`"#/components/schemas/Pet/properties/name"`), or
//! `"."`.

use pushgen_ir::{Api, Field, NamedType, TypeKind};
use std::fmt;

/// Attributes and types the user adds to generated code. The default adds nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Custom {
    /// `(matcher, attributes)`: outer attributes (`#[derive(Hash)]`, several allowed) for
    /// the structs, enums and unions a matcher names. Aliases take none: there is no
    /// item to put them on.
    pub type_attributes: Vec<(String, String)>,
    /// `(field matcher, attributes)`: outer attributes for struct fields.
    pub field_attributes: Vec<(String, String)>,
    /// `(type matcher, Rust type path)`: the user's own type in the place of a schema's
    /// (see [`Custom::apply_extern_types`]).
    pub extern_types: Vec<(String, String)>,
    /// The path of the runtime crate as generated code should name it, for a crate that
    /// re-exports the runtime (`"my_sdk::pushgen_runtime"`, `"crate::rt"`). Default:
    /// `::pushgen_runtime`.
    pub runtime_path: Option<String>,
    /// Whether the server and the client modules are behind the cargo features `server`
    /// and `client` (a published SDK's), so that a user compiles only the side they use.
    pub cargo_features: bool,
    /// Whether each of the spec's tags is a cargo feature, `tag-<tag in kebab case>`,
    /// behind which are the tag's operations and the types only they use (untagged
    /// operations behind `untagged`, schemas no operation uses behind `other-schemas`;
    /// [`crate::tag_features`] names them all). The crate that compiles the code must
    /// declare every feature. See `src/tags.rs`.
    pub tag_features: bool,
}

/// Something in a [`Custom`] that is not Rust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomError {
    /// The option it came from: `type_attribute`, `extern_type`, ...
    pub option: &'static str,
    /// The text given.
    pub given: String,
    pub message: String,
}

impl fmt::Display for CustomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`: {}", self.option, self.given, self.message)
    }
}

impl std::error::Error for CustomError {}

impl Custom {
    /// Every attribute and path parsed as Rust: generation would otherwise write code
    /// that does not compile, far from where the mistake was made.
    pub fn check(&self) -> Result<(), CustomError> {
        let attributes = self
            .type_attributes
            .iter()
            .map(|a| ("type_attribute", a))
            .chain(self.field_attributes.iter().map(|a| ("field_attribute", a)));
        for (option, (_, text)) in attributes {
            if let Err(error) = parse_attributes(text) {
                return Err(CustomError {
                    option,
                    given: text.clone(),
                    message: format!("not outer attributes such as `#[derive(Hash)]`: {error}"),
                });
            }
        }
        for (_, path) in &self.extern_types {
            if let Err(error) = syn::parse_str::<syn::Type>(path) {
                return Err(CustomError {
                    option: "extern_type",
                    given: path.clone(),
                    message: format!("not a Rust type: {error}"),
                });
            }
        }
        if let Some(path) = &self.runtime_path {
            let parsed = syn::parse_str::<syn::Path>(path);
            if let Err(error) = parsed {
                return Err(CustomError {
                    option: "runtime_path",
                    given: path.clone(),
                    message: format!("not a Rust path: {error}"),
                });
            }
        }
        Ok(())
    }

    /// Puts each extern type in its schema's place (the kind becomes
    /// [`TypeKind::Extern`], with no checks of its own). Returns the matchers that named
    /// no schema of `api`.
    pub fn apply_extern_types(&self, types: &mut [NamedType]) -> Vec<String> {
        let mut unmatched = Vec::new();
        for (matcher, path) in &self.extern_types {
            let mut found = false;
            for ty in types.iter_mut().filter(|t| type_matches(matcher, t)) {
                ty.kind = TypeKind::Extern(path.clone());
                ty.checks = Default::default();
                found = true;
            }
            if !found {
                unmatched.push(matcher.clone());
            }
        }
        unmatched
    }

    /// The attribute matchers that name nothing in any of `apis`: worth a warning, as a
    /// misspelt name is the likeliest reason.
    pub fn unmatched_attributes<'a>(&'a self, apis: &[&Api]) -> Vec<&'a str> {
        let types = || apis.iter().flat_map(|api| &api.types);
        let mut unmatched = Vec::new();
        for (matcher, _) in &self.type_attributes {
            if !types().any(|t| type_matches(matcher, t)) {
                unmatched.push(matcher.as_str());
            }
        }
        for (matcher, _) in &self.field_attributes {
            let any = types().any(|t| match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().any(|f| field_matches(matcher, t, f)),
                _ => false,
            });
            if !any {
                unmatched.push(matcher.as_str());
            }
        }
        unmatched
    }

    /// The attributes for the item of `ty`, as written before it.
    pub(crate) fn type_tokens(&self, ty: &NamedType) -> proc_macro2::TokenStream {
        collect(&self.type_attributes, |m| type_matches(m, ty))
    }

    /// The attributes for the field `field` of `ty`.
    pub(crate) fn field_tokens(&self, ty: &NamedType, field: &Field) -> proc_macro2::TokenStream {
        collect(&self.field_attributes, |m| field_matches(m, ty, field))
    }

    /// The runtime's `codegen` module as generated code writes it, if not the default.
    pub(crate) fn runtime_codegen_path(&self) -> Option<String> {
        let path = self.runtime_path.as_deref()?;
        let path: String = path.chars().filter(|c| !c.is_whitespace()).collect();
        (path != "::pushgen_runtime").then(|| format!("{path}::codegen"))
    }
}

fn collect(
    attributes: &[(String, String)],
    matches: impl Fn(&str) -> bool,
) -> proc_macro2::TokenStream {
    attributes
        .iter()
        .filter(|(matcher, _)| matches(matcher))
        // Checked by `Custom::check`; one that slipped through adds nothing.
        .filter_map(|(_, text)| parse_attributes(text).ok())
        .flatten()
        .map(|attribute| quote::quote!(#attribute))
        .collect()
}

fn parse_attributes(text: &str) -> syn::Result<Vec<syn::Attribute>> {
    use syn::parse::Parser;
    let attributes = syn::Attribute::parse_outer.parse_str(text)?;
    if attributes.is_empty() {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "no attribute",
        ));
    }
    Ok(attributes)
}

/// A pointer as matchers may give it: `#/a/b` and `/a/b` alike.
fn as_pointer(matcher: &str) -> Option<&str> {
    let pointer = matcher.strip_prefix('#').unwrap_or(matcher);
    pointer.starts_with('/').then_some(pointer)
}

fn type_matches(matcher: &str, ty: &NamedType) -> bool {
    if matcher == "." {
        return true;
    }
    match as_pointer(matcher) {
        Some(pointer) => pointer == ty.pointer,
        None => matcher == ty.name.original || matcher == ty.name.camel,
    }
}

fn field_matches(matcher: &str, ty: &NamedType, field: &Field) -> bool {
    if matcher == "." {
        return true;
    }
    if let Some(pointer) = as_pointer(matcher) {
        let property = field.name.original.replace('~', "~0").replace('/', "~1");
        return pointer
            .strip_prefix(ty.pointer.as_str())
            .and_then(|rest| rest.strip_prefix("/properties/"))
            == Some(property.as_str());
    }
    // Schema names may hold dots themselves (`io.k8s.api.core.v1.Pod`): the property is
    // what follows a name of the type.
    [&ty.name.original, &ty.name.camel].into_iter().any(|name| {
        matcher
            .strip_prefix(name.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|property| property == field.name.original || property == field.name.snake)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pushgen_ir::{Access, Name, Struct, TypeRef};

    fn name(original: &str, snake: &str, camel: &str) -> Name {
        Name {
            original: original.into(),
            snake: snake.into(),
            camel: camel.into(),
        }
    }

    fn pet() -> (NamedType, Field) {
        let field = Field {
            name: name("petName", "pet_name", "PetName"),
            ty: TypeRef::Any,
            required: true,
            description: None,
            boxed: false,
            default: None,
            access: Access::Both,
            checks: Default::default(),
        };
        let ty = NamedType {
            name: name("io.pets.Pet", "io_pets_pet", "IoPetsPet"),
            pointer: "/components/schemas/io.pets.Pet".into(),
            description: None,
            kind: TypeKind::Struct(Struct {
                fields: vec![field.clone()],
                additional: None,
            }),
            checks: Default::default(),
        };
        (ty, field)
    }

    #[test]
    fn types_match_by_name_pointer_or_all() {
        let (ty, _) = pet();
        for yes in [
            ".",
            "io.pets.Pet",
            "IoPetsPet",
            "#/components/schemas/io.pets.Pet",
            "/components/schemas/io.pets.Pet",
        ] {
            assert!(type_matches(yes, &ty), "{yes}");
        }
        for no in ["Pet", "#/components/schemas/Pet", "io.pets"] {
            assert!(!type_matches(no, &ty), "{no}");
        }
    }

    #[test]
    fn fields_match_after_a_name_with_dots() {
        let (ty, field) = pet();
        for yes in [
            ".",
            "io.pets.Pet.petName",
            "IoPetsPet.pet_name",
            "#/components/schemas/io.pets.Pet/properties/petName",
        ] {
            assert!(field_matches(yes, &ty, &field), "{yes}");
        }
        for no in ["Pet.petName", "io.pets.Pet", "io.pets.Pet.name"] {
            assert!(!field_matches(no, &ty, &field), "{no}");
        }
    }

    #[test]
    fn what_is_not_rust_is_refused_by_option() {
        let bad = |custom: Custom| custom.check().unwrap_err().option;
        let attribute = |text: &str| Custom {
            type_attributes: vec![(".".into(), text.into())],
            ..Default::default()
        };
        assert_eq!(bad(attribute("derive(Hash)")), "type_attribute");
        assert_eq!(bad(attribute("")), "type_attribute");
        assert!(
            attribute("#[derive(Hash)] #[serde(rename_all = \"camelCase\")]")
                .check()
                .is_ok()
        );
        let extern_type = Custom {
            extern_types: vec![("Pet".into(), "my crate::Pet".into())],
            ..Default::default()
        };
        assert_eq!(bad(extern_type), "extern_type");
        let runtime = Custom {
            runtime_path: Some("crate::".into()),
            ..Default::default()
        };
        assert_eq!(bad(runtime), "runtime_path");
    }

    #[test]
    fn extern_types_take_the_schemas_place() {
        let (ty, _) = pet();
        let mut types = vec![ty];
        let custom = Custom {
            extern_types: vec![
                ("io.pets.Pet".into(), "crate::Pet".into()),
                ("Nothing".into(), "crate::Nothing".into()),
            ],
            ..Default::default()
        };
        assert_eq!(custom.apply_extern_types(&mut types), ["Nothing"]);
        assert_eq!(types[0].kind, TypeKind::Extern("crate::Pet".into()));
    }
}

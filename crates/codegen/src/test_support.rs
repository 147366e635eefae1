//! What the unit tests build their APIs from: a name, a named type, an empty API.

use pushgen_ir::{Api, Name, NamedType, TypeKind};

/// A name whose forms are `text` (camel and original) and `text` in lower case.
pub fn name(text: &str) -> Name {
    Name {
        original: text.into(),
        snake: text.to_lowercase(),
        camel: text.into(),
    }
}

/// A schema `camel` of `kind`, defined in `/components/schemas`.
pub fn named(camel: &str, kind: TypeKind) -> NamedType {
    NamedType {
        name: name(camel),
        pointer: format!("/components/schemas/{camel}"),
        description: None,
        kind,
        checks: Default::default(),
    }
}

/// An API `A` with nothing in it.
pub fn api() -> Api {
    Api {
        title: "A".into(),
        version: "1".into(),
        description: None,
        license: None,
        contact: None,
        source: "a.yaml".into(),
        name: name("A"),
        operations: Vec::new(),
        types: Vec::new(),
        servers: Vec::new(),
        tags: Vec::new(),
        security_schemes: Vec::new(),
        security: Vec::new(),
        examples: Vec::new(),
    }
}

//! Enums that list the same values are one Rust type: the first of them in the API's
//! order is declared, and each of the others is a `pub type` alias of it.
//!
//! Real specs repeat enums a great deal. OpenAI's declares 1,658, of which 1,182 have a
//! single value (`object: "list"`, `type: "function"`, the discriminators of its
//! unions), and only 644 distinct lists of values. Each enum is a dozen small impls to
//! type-check (`string_enum!`'s), which made them a fifth of the time `cargo check`
//! spends on the types; declaring each list once removes most of it. Nothing is lost to
//! a user: the values, their variants and what reading and writing do are the same, and
//! each alias keeps its own name and documentation.
//!
//! Two enums are alike when their variants, in order, have the same names and values. An
//! enum the user added attributes to (`Custom::type_attribute`) is never shared, since
//! the attributes (a derive, say) were asked for that type.

use crate::Custom;
use foldhash::{HashMap, HashMapExt};
use pushgen_ir::{Api, TypeKind};

/// A variant's value: a string enum and an integer one never share a key.
#[derive(PartialEq, Eq, Hash)]
enum Value<'a> {
    String(&'a str),
    Integer(i64),
}

/// Which enums are aliases of which, worked out once for an API.
#[derive(Debug, Default)]
pub struct SharedEnums {
    /// The declared enum of each alias, by `name.camel`.
    canonical: HashMap<String, String>,
    /// The aliases of each declared enum, in the API's order.
    aliases: HashMap<String, Vec<String>>,
}

impl SharedEnums {
    pub fn new(api: &Api, custom: &Custom) -> Self {
        let mut first: HashMap<Vec<(&str, Value)>, &str> = HashMap::new();
        let mut shared = SharedEnums::default();
        for ty in &api.types {
            // The variants' names and values: alike variants make alike enums.
            let key: Vec<(&str, Value)> = match &ty.kind {
                TypeKind::Enum(e) => e
                    .values
                    .iter()
                    .map(|v| (&*v.camel, Value::String(&v.original)))
                    .collect(),
                TypeKind::IntEnum(e) => e
                    .values
                    .iter()
                    .map(|v| (&*v.name.camel, Value::Integer(v.value)))
                    .collect(),
                _ => continue,
            };
            if !custom.type_tokens(ty).is_empty() {
                continue;
            }
            match first.get(&key) {
                Some(&declared) => {
                    shared
                        .canonical
                        .insert(ty.name.camel.clone(), declared.to_string());
                    shared
                        .aliases
                        .entry(declared.to_string())
                        .or_default()
                        .push(ty.name.camel.clone());
                }
                None => {
                    first.insert(key, &ty.name.camel);
                }
            }
        }
        shared
    }

    /// The enum `name` is an alias of, if it is one.
    pub fn alias_of(&self, name: &str) -> Option<&str> {
        self.canonical.get(name).map(String::as_str)
    }

    /// The enums that are aliases of `name` (none if it is not a declared enum).
    pub fn aliases(&self, name: &str) -> &[String] {
        self.aliases.get(name).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{self, name, named};
    use pushgen_ir::{IntEnum, IntValue, Name, NamedType, StringEnum, TypeRef};

    fn strings(type_name: &str, values: &[&str]) -> NamedType {
        let values = values
            .iter()
            .map(|v| Name {
                original: v.to_string(),
                snake: v.to_string(),
                camel: v[..1].to_uppercase() + &v[1..],
            })
            .collect();
        named(type_name, TypeKind::Enum(StringEnum { values }))
    }

    fn api(types: Vec<NamedType>) -> Api {
        Api {
            types,
            ..test_support::api()
        }
    }

    #[test]
    fn alike_enums_are_aliases_of_the_first() {
        let ints = |type_name: &str| {
            let values = vec![IntValue {
                name: name("V1"),
                value: 1,
            }];
            named(type_name, TypeKind::IntEnum(IntEnum { values }))
        };
        let api = api(vec![
            strings("ListObject", &["list"]),
            strings("Role", &["user", "assistant"]),
            strings("FileList", &["list"]),
            // The same values in another order list differently: a type of its own.
            strings("Speaker", &["assistant", "user"]),
            strings("Author", &["user", "assistant"]),
            ints("Level"),
            ints("Tier"),
        ]);
        let shared = SharedEnums::new(&api, &Custom::default());
        assert_eq!(shared.alias_of("FileList"), Some("ListObject"));
        assert_eq!(shared.alias_of("Author"), Some("Role"));
        assert_eq!(shared.alias_of("Tier"), Some("Level"));
        assert_eq!(shared.alias_of("ListObject"), None);
        assert_eq!(shared.alias_of("Speaker"), None);
        assert_eq!(shared.aliases("Role"), ["Author"]);
        assert!(shared.aliases("Speaker").is_empty());
    }

    #[test]
    fn a_plan_resolves_through_both_kinds_of_alias() {
        let api = api(vec![
            strings("ListObject", &["list"]),
            strings("FileList", &["list"]),
            named("Items", TypeKind::Alias(TypeRef::Named("FileList".into()))),
        ]);
        let plan = crate::validate::Plan::new(&api, false, &Custom::default());
        let list = TypeRef::Array(Box::new(TypeRef::Named("Items".into())));
        assert_eq!(
            plan.resolve(&list),
            TypeRef::Array(Box::new(TypeRef::Named("ListObject".into())))
        );
    }

    #[test]
    fn an_enum_with_the_users_attributes_keeps_its_own_type() {
        let api = api(vec![
            strings("ListObject", &["list"]),
            strings("FileList", &["list"]),
        ]);
        let custom = Custom {
            type_attributes: vec![("FileList".into(), "#[derive(Default)]".into())],
            ..Custom::default()
        };
        let shared = SharedEnums::new(&api, &custom);
        assert_eq!(shared.alias_of("FileList"), None);
    }
}

//! Reading a union with a discriminator (`oneOf` with `discriminator.propertyName`):
//! generated code reads the value and its tag here, then the member the tag names.
//!
//! serde's derive for an internally tagged enum (`#[serde(tag = "kind")]`) also takes a
//! tag that is an integer, as the index of a variant: `{"kind": 0}` would read as the
//! first member. A discriminator is a string in JSON Schema, so here only a string names
//! a member; anything else is a kind the union does not list.

use serde::de::{Deserialize, Deserializer, Error};
use serde_json::Value;

/// The value, and its tag if `property` is there and a string.
pub fn read<'de, D: Deserializer<'de>>(
    deserializer: D,
    property: &str,
) -> Result<(Option<String>, Value), D::Error> {
    let value = Value::deserialize(deserializer)?;
    let tag = value
        .get(property)
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok((tag, value))
}

/// The member a tag named, read from the value's other properties: the tag is the
/// union's, and a member that refuses unknown properties (strict) does not hold it.
pub fn member<T: serde::de::DeserializeOwned, E: Error>(
    mut value: Value,
    property: &str,
) -> Result<T, E> {
    if let Value::Object(map) = &mut value {
        map.remove(property);
    }
    T::deserialize(value).map_err(E::custom)
}

/// The error for a tag no member has, in a union that keeps no unknown kinds (strict).
pub fn unknown<E: Error>(tag: Option<&str>, property: &str, expected: &[&str]) -> E {
    let listed = expected.join("`, `");
    match tag {
        Some(tag) => E::custom(format!(
            "unknown `{property}` `{tag}`, expected one of `{listed}`"
        )),
        None => E::custom(format!(
            "`{property}` is missing or not a string, expected one of `{listed}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Card {
        last4: String,
    }

    fn card(json: &str) -> Result<Option<Card>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let (tag, value) = read(&mut de, "kind")?;
        match tag.as_deref() {
            Some("card") => member(value, "kind").map(Some),
            _ => Ok(None),
        }
    }

    #[test]
    fn only_a_string_tag_names_a_member() {
        assert_eq!(
            card(r#"{"kind":"card","last4":"4242"}"#).unwrap(),
            Some(Card {
                last4: "4242".into()
            })
        );
        assert_eq!(card(r#"{"kind":0,"last4":"4242"}"#).unwrap(), None);
        assert_eq!(card(r#"{"last4":"4242"}"#).unwrap(), None);
        assert!(card(r#"{"kind":"card","last4":5}"#).is_err());
        let e: serde_json::Error = unknown(Some("cash"), "kind", &["card", "invoice"]);
        assert_eq!(
            e.to_string(),
            "unknown `kind` `cash`, expected one of `card`, `invoice`"
        );
    }
}

//! YAML text straight into a `serde_json::Value`.
//!
//! Going through `serde_yaml::Value` fails on real specs: it cannot hold an integer
//! beyond 64 bits (OpenAI's spec has `minimum: -9223372036854776000`), and JSON cannot
//! hold YAML's non-string keys (`200:`). This visitor reads what serde_yaml's
//! deserializer produces and makes the JSON that OpenAPI means: keys as strings, integers
//! too large for 64 bits as floats, tags dropped. It also skips one copy of the document.

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parses YAML text into JSON.
pub(crate) fn from_str(text: &str) -> Result<Value, serde_yaml::Error> {
    let Json(value) = serde_yaml::from_str(text)?;
    Ok(value)
}

struct Json(Value);

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor).map(Json)
    }
}

struct JsonVisitor;

fn float<E: de::Error>(f: f64) -> Result<Value, E> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| E::custom(format!("the number {f} cannot be represented in JSON")))
}

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        Ok(Value::from(u))
    }

    fn visit_i128<E: de::Error>(self, i: i128) -> Result<Value, E> {
        match i64::try_from(i) {
            Ok(i) => Ok(Value::from(i)),
            // Beyond 64 bits the spec means a bound, not an exact integer.
            Err(_) => float(i as f64),
        }
    }

    fn visit_u128<E: de::Error>(self, u: u128) -> Result<Value, E> {
        match u64::try_from(u) {
            Ok(u) => Ok(Value::from(u)),
            Err(_) => float(u as f64),
        }
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        float(f)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(Json(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(Key(key)) = map.next_key()? {
            let Json(value) = map.next_value()?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }

    /// A tagged value (`!tag value`): the tag means nothing to OpenAPI.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (_tag, variant) = data.variant::<de::IgnoredAny>()?;
        let Json(value) = de::VariantAccess::newtype_variant(variant)?;
        Ok(value)
    }
}

/// A mapping key: OpenAPI means every key as a string (`200:` is the status `"200"`).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = deserializer.deserialize_any(JsonVisitor)?;
        match value {
            Value::String(s) => Ok(Key(s)),
            Value::Number(n) => Ok(Key(n.to_string())),
            Value::Bool(b) => Ok(Key(b.to_string())),
            Value::Null => Ok(Key("null".to_string())),
            other => Err(de::Error::custom(format!(
                "a mapping key must be a string, not {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::from_str;
    use serde_json::json;

    #[test]
    fn yaml_becomes_the_json_openapi_means() {
        let value = from_str(
            "responses:\n  200: {description: ok}\n  true: x\nmin: -9223372036854776000\n\
             max: 18446744073709551615\nt: !custom {a: 1}\nn: ~\nlist: [1, 2.5, 'a']\n",
        )
        .unwrap();
        assert_eq!(value["responses"]["200"]["description"], "ok");
        assert_eq!(value["responses"]["true"], "x");
        assert_eq!(value["min"].as_f64(), Some(-9223372036854776000.0));
        assert_eq!(value["max"], json!(18446744073709551615u64));
        assert_eq!(value["t"], json!({"a": 1}));
        assert_eq!(value["n"], json!(null));
        assert_eq!(value["list"], json!([1, 2.5, "a"]));
    }

    #[test]
    fn key_order_is_kept() {
        let value = from_str("b: 1\na: 2\nc: 3\n").unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["b", "a", "c"]);
    }
}

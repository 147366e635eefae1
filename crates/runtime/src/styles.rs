//! Parameter serialisation styles (OpenAPI `style` and `explode`) beyond the defaults.
//!
//! Generated code calls these only for parameters that ask for a style other than their
//! location's default (query: `form` exploded; path and header: `simple`): arrays
//! written `a,b`, `a b` or `a|b` in one query pair, objects as `name[key]=value`
//! (`deepObject`), path values as `.a` (`label`) or `;name=a` (`matrix`).

use serde_json::Value;

/// An OpenAPI parameter `style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    Simple,
    Label,
    Matrix,
}

impl Style {
    fn separator(self) -> &'static str {
        match self {
            Style::SpaceDelimited => " ",
            Style::PipeDelimited => "|",
            _ => ",",
        }
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The query pairs of parameter `name` holding `value`.
pub fn query_pairs(
    name: &str,
    value: &Value,
    style: Style,
    explode: bool,
) -> Vec<(String, String)> {
    match (value, style) {
        (Value::Null, _) => Vec::new(),
        (Value::Object(map), Style::DeepObject) => map
            .iter()
            .filter_map(|(k, v)| Some((format!("{name}[{k}]"), scalar_text(v)?)))
            .collect(),
        (Value::Object(map), _) if explode => map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), scalar_text(v)?)))
            .collect(),
        (Value::Object(map), _) => {
            let flat: Vec<String> = map
                .iter()
                .filter_map(|(k, v)| Some(format!("{k},{}", scalar_text(v)?)))
                .collect();
            vec![(name.to_string(), flat.join(","))]
        }
        (Value::Array(items), _) if explode => items
            .iter()
            .filter_map(|v| Some((name.to_string(), scalar_text(v)?)))
            .collect(),
        (Value::Array(items), _) => {
            let texts: Vec<String> = items.iter().filter_map(scalar_text).collect();
            vec![(name.to_string(), texts.join(style.separator()))]
        }
        (scalar, _) => scalar_text(scalar)
            .map(|text| vec![(name.to_string(), text)])
            .unwrap_or_default(),
    }
}

/// Reads parameter `name` back from a request's query `pairs`, as JSON with string
/// leaves (the caller types them); `None` when absent.
pub fn from_query(
    pairs: &[(String, String)],
    name: &str,
    style: Style,
    explode: bool,
) -> Option<Value> {
    if style == Style::DeepObject {
        let prefix = format!("{name}[");
        let map: serde_json::Map<String, Value> = pairs
            .iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix(&prefix)?.strip_suffix(']')?;
                Some((key.to_string(), Value::String(v.clone())))
            })
            .collect();
        return (!map.is_empty()).then_some(Value::Object(map));
    }
    let values: Vec<&String> = pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v)
        .collect();
    if values.is_empty() {
        return None;
    }
    if explode {
        return Some(match values.as_slice() {
            [one] => Value::String((*one).clone()),
            many => Value::Array(many.iter().map(|v| Value::String((*v).clone())).collect()),
        });
    }
    let joined = values
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(style.separator());
    Some(split(&joined, style.separator()))
}

/// A path segment's value in `style` (`simple`, `label`, `matrix`), before percent-encoding
/// of the parts that are values.
pub fn path_text(name: &str, value: &Value, style: Style, explode: bool) -> Option<String> {
    let items: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(scalar_text).collect(),
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| {
                let v = scalar_text(v)?;
                Some(if explode {
                    format!("{k}={v}")
                } else {
                    format!("{k},{v}")
                })
            })
            .collect(),
        scalar => vec![scalar_text(scalar)?],
    };
    Some(match style {
        Style::Label => {
            let sep = if explode { "." } else { "," };
            format!(".{}", items.join(sep))
        }
        Style::Matrix if explode && value.is_array() => items
            .iter()
            .map(|item| format!(";{name}={item}"))
            .collect::<String>(),
        Style::Matrix if explode && value.is_object() => {
            items.iter().map(|item| format!(";{item}")).collect()
        }
        Style::Matrix => format!(";{name}={}", items.join(",")),
        _ => items.join(","),
    })
}

/// Reads a path segment's value written by [`path_text`] back, with string leaves.
pub fn from_path(name: &str, text: &str, style: Style, explode: bool) -> Value {
    let body = match style {
        Style::Label => text.strip_prefix('.').unwrap_or(text).to_string(),
        Style::Matrix => {
            let prefix = format!(";{name}=");
            if explode && text.matches(&prefix).count() > 1 {
                return Value::Array(
                    text.split(&prefix)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_string()))
                        .collect(),
                );
            }
            text.strip_prefix(&prefix).unwrap_or(text).to_string()
        }
        _ => text.to_string(),
    };
    let sep = if style == Style::Label && explode {
        "."
    } else {
        ","
    };
    split(&body, sep)
}

fn split(text: &str, separator: &str) -> Value {
    if text.contains(separator) {
        Value::Array(
            text.split(separator)
                .map(|s| Value::String(s.to_string()))
                .collect(),
        )
    } else {
        Value::String(text.to_string())
    }
}

/// Types a value with string leaves: as it is first (strings, string enums), then with
/// leaves that read as JSON numbers or booleans converted. A single value read into a
/// list becomes a list of one.
pub fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    let first = match T::deserialize(&value) {
        Ok(typed) => return Ok(typed),
        Err(e) => e.to_string(),
    };
    let converted = convert(&value);
    if let Ok(typed) = T::deserialize(&converted) {
        return Ok(typed);
    }
    if !value.is_array()
        && let Ok(typed) = T::deserialize(&Value::Array(vec![converted]))
    {
        return Ok(typed);
    }
    Err(first)
}

fn convert(value: &Value) -> Value {
    match value {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v @ (Value::Number(_) | Value::Bool(_))) => v,
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn round_trip_query<T>(value: Value, style: Style, explode: bool) -> T
    where
        T: serde::de::DeserializeOwned,
    {
        let pairs = query_pairs("p", &value, style, explode);
        typed(from_query(&pairs, "p", style, explode).expect("present")).unwrap()
    }

    #[test]
    fn query_styles_write_and_read_back() {
        let ids = json!([1, 2, 3]);
        assert_eq!(
            query_pairs("p", &ids, Style::Form, false),
            [("p".to_string(), "1,2,3".to_string())]
        );
        assert_eq!(
            query_pairs("p", &ids, Style::PipeDelimited, false)[0].1,
            "1|2|3"
        );
        assert_eq!(query_pairs("p", &ids, Style::Form, true).len(), 3);
        for (style, explode) in [
            (Style::Form, false),
            (Style::Form, true),
            (Style::SpaceDelimited, false),
            (Style::PipeDelimited, false),
        ] {
            let back: Vec<i64> = round_trip_query(ids.clone(), style, explode);
            assert_eq!(back, [1, 2, 3], "{style:?} {explode}");
        }
        let one: Vec<String> = round_trip_query(json!(["solo"]), Style::Form, false);
        assert_eq!(one, ["solo"]);
        let filter = json!({"color": "red", "size": 3});
        assert_eq!(
            query_pairs("filter", &filter, Style::DeepObject, true),
            [
                ("filter[color]".to_string(), "red".to_string()),
                ("filter[size]".to_string(), "3".to_string())
            ]
        );
        #[derive(serde::Deserialize)]
        struct Filter {
            color: String,
            size: i64,
        }
        let back: Filter = round_trip_query(filter, Style::DeepObject, true);
        assert_eq!((back.color.as_str(), back.size), ("red", 3));
        let back: BTreeMap<String, String> =
            round_trip_query(json!({"a": "1"}), Style::DeepObject, true);
        assert_eq!(back["a"], "1");
    }

    #[test]
    fn path_styles_write_and_read_back() {
        let ids = json!([3, 4]);
        assert_eq!(path_text("id", &ids, Style::Label, false).unwrap(), ".3,4");
        assert_eq!(path_text("id", &ids, Style::Label, true).unwrap(), ".3.4");
        assert_eq!(
            path_text("id", &ids, Style::Matrix, false).unwrap(),
            ";id=3,4"
        );
        assert_eq!(
            path_text("id", &ids, Style::Matrix, true).unwrap(),
            ";id=3;id=4"
        );
        assert_eq!(
            path_text("id", &json!(5), Style::Matrix, false).unwrap(),
            ";id=5"
        );
        for (style, explode) in [
            (Style::Label, false),
            (Style::Label, true),
            (Style::Matrix, false),
            (Style::Matrix, true),
            (Style::Simple, false),
        ] {
            let text = path_text("id", &ids, style, explode).unwrap();
            let back: Vec<u8> = typed(from_path("id", &text, style, explode)).unwrap();
            assert_eq!(back, [3, 4], "{style:?} {explode}: {text}");
        }
        let name: String = typed(from_path("id", ";id=007", Style::Matrix, false)).unwrap();
        assert_eq!(name, "007");
    }
}

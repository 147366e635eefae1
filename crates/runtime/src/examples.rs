//! Checks a spec's examples against the types generated for it: each example must read
//! into its type and write back as the same JSON.
//!
//! "The same" is meant as JSON means it, not byte for byte: numbers compare as numbers
//! (`1.0` is `1`), a missing property is a `null` one, and text that a format re-spells
//! compares by what it says (`…00.000Z` and `…00Z` are one instant; padded and unpadded
//! base64 are the same bytes). pushgen's test suites call this from code `cargo xtask
//! bless` writes; an API's own tests can too.
//!
//! ```
//! let mut examples = pushgen_runtime::examples::Examples::new("pets.yaml");
//! examples.check::<Vec<u32>>("/components/schemas/Ids/example", "[1, 2]");
//! examples.check::<u32>("/components/schemas/Count/example", r#""three""#);
//! assert_eq!(examples.failures().len(), 1);
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The examples of one spec, checked one by one.
#[derive(Debug)]
pub struct Examples {
    source: String,
    checked: usize,
    failures: Vec<(String, String)>,
}

impl Examples {
    /// `source` names the spec in messages and in the list of known-invalid examples.
    pub fn new(source: &str) -> Self {
        Examples {
            source: source.to_string(),
            checked: 0,
            failures: Vec::new(),
        }
    }

    /// Reads the example at `pointer` into `T`, writes it back, and compares.
    pub fn check<T: Serialize + DeserializeOwned>(&mut self, pointer: &str, json: &str) {
        self.checked += 1;
        if let Err(why) = round_trip::<T>(json) {
            self.failures.push((pointer.to_string(), why));
        }
    }

    /// The examples that failed, with why: `(pointer, reason)`.
    pub fn failures(&self) -> &[(String, String)] {
        &self.failures
    }

    /// Passes if exactly the examples listed in `invalid` failed. `invalid` is a list of
    /// `file#/pointer` lines (text after ` #` is a comment saying why it is invalid);
    /// lines for other files are ignored. A listed example that now passes fails too, so
    /// the list stays true.
    pub fn finish(self, invalid: &str) -> Result<usize, String> {
        let prefix = format!("{}#", self.source);
        let listed: Vec<&str> = invalid
            .lines()
            .map(|line| line.split(" #").next().unwrap_or_default().trim())
            .filter_map(|line| line.strip_prefix(&prefix))
            .collect();
        let mut problems = Vec::new();
        for (pointer, why) in &self.failures {
            if !listed.contains(&pointer.as_str()) {
                problems.push(format!("{prefix}{pointer}: {why}"));
            }
        }
        for pointer in &listed {
            if !self.failures.iter().any(|(p, _)| p == pointer) {
                problems.push(format!(
                    "{prefix}{pointer}: listed as invalid but it round-trips (or is gone); \
                     take it off the list"
                ));
            }
        }
        if problems.is_empty() {
            Ok(self.checked)
        } else {
            Err(format!(
                "{} of {} examples of {} are wrong:\n  {}",
                problems.len(),
                self.checked,
                self.source,
                problems.join("\n  ")
            ))
        }
    }
}

/// Reads `json` into `T` and writes it back; `Err` says where the two differ.
pub fn round_trip<T: Serialize + DeserializeOwned>(json: &str) -> Result<(), String> {
    let original: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let typed: T =
        serde_json::from_value(original.clone()).map_err(|e| format!("does not read: {e}"))?;
    let written = serde_json::to_value(&typed).map_err(|e| format!("does not write: {e}"))?;
    match difference(&original, &written, "") {
        None => Ok(()),
        Some(at) => Err(format!("written back differently at `{at}`: {written}")),
    }
}

/// Where `a` and `b` first differ, as JSON means equality; `None` if nowhere.
fn difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let same = match (x.as_i64(), y.as_i64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            };
            (!same).then(|| at.to_string())
        }
        (Value::String(x), Value::String(y)) => (!same_text(x, y)).then(|| at.to_string()),
        (Value::Array(xs), Value::Array(ys)) => {
            if xs.len() != ys.len() {
                return Some(at.to_string());
            }
            xs.iter()
                .zip(ys)
                .enumerate()
                .find_map(|(i, (x, y))| difference(x, y, &format!("{at}/{i}")))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            let null = Value::Null;
            xs.keys().chain(ys.keys()).find_map(|key| {
                let x = xs.get(key).unwrap_or(&null);
                let y = ys.get(key).unwrap_or(&null);
                difference(x, y, &format!("{at}/{key}"))
            })
        }
        _ => (a != b).then(|| at.to_string()),
    }
}

/// Strings a format may spell differently: timestamps, dates, base64.
fn same_text(x: &str, y: &str) -> bool {
    if x == y {
        return true;
    }
    type Utc = chrono::DateTime<chrono::Utc>;
    if let (Ok(x), Ok(y)) = (x.parse::<Utc>(), y.parse::<Utc>()) {
        return x == y;
    }
    if let (Ok(x), Ok(y)) = (
        crate::formats::Base64::decode(x),
        crate::formats::Base64::decode(y),
    ) {
        return x == y;
    }
    x.eq_ignore_ascii_case(y) && uuid::Uuid::parse_str(x).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{Examples, round_trip};
    use std::collections::BTreeMap;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Event {
        at: chrono::DateTime<chrono::Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        count: i64,
    }

    #[test]
    fn equal_as_json_means() {
        round_trip::<Event>(
            r#"{"at": "2024-01-01T00:00:00.000+00:00", "note": null, "count": 2.0}"#,
        )
        .unwrap_err(); // 2.0 does not read as an integer
        round_trip::<Event>(r#"{"at": "2024-01-01T00:00:00.000+00:00", "note": null, "count": 2}"#)
            .unwrap();
        round_trip::<BTreeMap<String, f64>>(r#"{"a": 1, "b": 1.5}"#).unwrap();
        round_trip::<crate::formats::Base64>(r#""aGk""#).unwrap();
        let why = round_trip::<BTreeMap<String, String>>(r#"{"a": 1}"#).unwrap_err();
        assert!(why.starts_with("does not read"), "{why}");
    }

    #[test]
    fn the_invalid_list_must_be_exact() {
        let mut examples = Examples::new("a.yaml");
        examples.check::<u8>("/x", "300");
        examples.check::<u8>("/y", "3");
        assert!(
            examples
                .finish("a.yaml#/x # too big for its schema")
                .is_ok()
        );

        let mut examples = Examples::new("a.yaml");
        examples.check::<u8>("/x", "300");
        let error = examples.finish("b.yaml#/x").unwrap_err();
        assert!(error.contains("a.yaml#/x: does not read"), "{error}");

        let mut examples = Examples::new("a.yaml");
        examples.check::<u8>("/y", "3");
        let error = examples.finish("a.yaml#/y").unwrap_err();
        assert!(error.contains("take it off the list"), "{error}");
    }
}

//! Properties that may be absent or `null`, told apart: `Option<Option<T>>`.
//!
//! serde reads both a missing property and `null` as `None`. A generated type whose
//! property may be either (optional, and `nullable`) marks the field
//! `#[serde(default, deserialize_with = "pushgen_runtime::nullable::deserialize")]`:
//! missing is then `None` (from `default`), `null` is `Some(None)`, a value `Some(Some(v))`.
//! Writing mirrors it when `None` is skipped.
//!
//! ```
//! #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
//! struct Patch {
//!     #[serde(
//!         default,
//!         skip_serializing_if = "Option::is_none",
//!         deserialize_with = "pushgen_runtime::nullable::deserialize"
//!     )]
//!     note: Option<Option<String>>,
//! }
//!
//! let keep: Patch = serde_json::from_str("{}").unwrap();
//! let clear: Patch = serde_json::from_str(r#"{"note": null}"#).unwrap();
//! assert_eq!((keep.note, clear.note.clone()), (None, Some(None)));
//! assert_eq!(serde_json::to_string(&clear).unwrap(), r#"{"note":null}"#);
//! ```

use serde::de::Error;
use serde::{Deserialize, Deserializer};
use std::cell::Cell;

thread_local! {
    /// Set while a generated server reads a request body ([`refusing_null`]).
    static REFUSE_NULL: Cell<bool> = const { Cell::new(false) };
}

/// Runs `read` (a deserialization) with `null` refused for the optional properties that
/// are not nullable ([`not_null`]). A generated server reads request bodies this way: a
/// client that sends `null` where the schema has no `null` breaks it. Elsewhere (a client
/// reading what a server sent) `null` is taken as absence, as real APIs often send it.
pub fn refusing_null<T>(read: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            REFUSE_NULL.with(|flag| flag.set(self.0));
        }
    }
    let _reset = Reset(REFUSE_NULL.with(|flag| flag.replace(true)));
    read()
}

/// Reads an optional property whose type has no `null`: `null` is refused inside
/// [`refusing_null`], and is `None` outside it.
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let value = Option::<T>::deserialize(deserializer)?;
    if value.is_none() && REFUSE_NULL.with(Cell::get) {
        return Err(D::Error::custom(
            "`null` where the schema allows no `null` (leave the property out instead)",
        ));
    }
    Ok(value)
}

/// Reads a present property: `null` is `Some(None)`.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "not_null")]
        replicas: Option<i32>,
    }

    #[test]
    fn null_is_refused_only_when_a_server_reads() {
        let read = |json| serde_json::from_str::<Body>(json);
        assert_eq!(read(r#"{"replicas":null}"#).unwrap().replicas, None);
        let refused = refusing_null(|| read(r#"{"replicas":null}"#)).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("`null` where the schema allows no `null`")
        );
        assert_eq!(refusing_null(|| read("{}")).unwrap().replicas, None);
        assert_eq!(
            refusing_null(|| read(r#"{"replicas":2}"#))
                .unwrap()
                .replicas,
            Some(2)
        );
        // Only inside.
        assert!(read(r#"{"replicas":null}"#).is_ok());
    }
}

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

use serde::{Deserialize, Deserializer};

/// Reads a present property: `null` is `Some(None)`.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

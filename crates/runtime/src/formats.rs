//! The Rust types of OpenAPI's string `format`s, and how they travel.
//!
//! | `format` | Rust type | crate |
//! |---|---|---|
//! | `date-time` | `chrono::DateTime<chrono::Utc>` | [chrono](https://docs.rs/chrono), feature `serde` |
//! | `date` | `chrono::NaiveDate` | chrono |
//! | `uuid` | `uuid::Uuid` | [uuid](https://docs.rs/uuid), feature `serde` |
//! | `byte` | [`Base64`] | [base64](https://docs.rs/base64) |
//! | `int32`, `int64` | `i32`, `i64` | |
//! | `float`, `double` | `f32`, `f64` | |
//! | `binary` | bytes, as a whole body; a string inside JSON | |
//!
//! Generated code names chrono and uuid through this crate (`pushgen_runtime::chrono`),
//! so an API's users need not keep their versions in step. A timestamp is read with any
//! offset and kept in UTC: `2024-05-01T12:00:00+02:00` is the instant
//! `2024-05-01T10:00:00Z`, and is written that way.

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Bytes that travel as base64 text (`format: byte`).
///
/// Written in the standard alphabet with padding; read in the standard or URL-safe
/// alphabet, with or without padding, since servers differ.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Base64(pub Vec<u8>);

impl Base64 {
    /// Decodes base64 text in either alphabet, padded or not.
    pub fn decode(text: &str) -> Result<Self, base64::DecodeError> {
        use base64::alphabet;
        use base64::engine::DecodePaddingMode;
        use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
        const LENIENT: GeneralPurposeConfig =
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
        const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
        const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
        let text = text.trim();
        STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE.decode(text))
            .map(Base64)
    }

    /// The standard, padded base64 text of the bytes.
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }
}

impl fmt::Debug for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64({})", self.encode())
    }
}

impl From<Vec<u8>> for Base64 {
    fn from(bytes: Vec<u8>) -> Self {
        Base64(bytes)
    }
}

impl From<Base64> for Vec<u8> {
    fn from(bytes: Base64) -> Self {
        bytes.0
    }
}

impl std::ops::Deref for Base64 {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Base64::decode(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Base64;

    #[test]
    fn base64_reads_both_alphabets_and_writes_the_standard_one() {
        let bytes = Base64(vec![0xfb, 0xff, 0x01]);
        assert_eq!(serde_json::to_string(&bytes).unwrap(), r#""+/8B""#);
        for text in [r#""+/8B""#, r#""-_8B""#] {
            assert_eq!(serde_json::from_str::<Base64>(text).unwrap(), bytes);
        }
        let unpadded: Base64 = serde_json::from_str(r#""aGk""#).unwrap();
        assert_eq!(unpadded.0, b"hi");
        assert!(serde_json::from_str::<Base64>(r#""not base64!""#).is_err());
    }

    #[test]
    fn timestamps_keep_the_instant() {
        type Utc = chrono::DateTime<chrono::Utc>;
        let t: Utc = serde_json::from_str(r#""2024-05-01T12:00:00+02:00""#).unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""2024-05-01T10:00:00Z""#
        );
        let date: chrono::NaiveDate = serde_json::from_str(r#""2024-05-01""#).unwrap();
        assert_eq!(serde_json::to_string(&date).unwrap(), r#""2024-05-01""#);
    }
}

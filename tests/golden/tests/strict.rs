//! `strict` types (`pushgen codegen --strict`, `Builder::strict`) refuse what the spec
//! does not list, where the default types keep or ignore it (forward compatibility).

#[allow(dead_code, reason = "a test binary uses part of the generated API")]
mod strict_api {
    include!(concat!(env!("OUT_DIR"), "/shapes.rs"));
}

use pushgen_golden::shapes::types as open;
use strict_api::types as strict;

#[test]
fn listed_values_read_either_way() {
    let status = r#""shipped""#;
    assert_eq!(
        serde_json::from_str::<strict::Status>(status).unwrap(),
        strict::Status::Shipped
    );
    assert_eq!(
        serde_json::from_str::<open::Status>(status).unwrap(),
        open::Status::Shipped
    );
    let card = r#"{"kind": "card", "last4": "4242"}"#;
    assert!(serde_json::from_str::<strict::Payment>(card).is_ok());
    assert_eq!(
        serde_json::from_str::<strict::Priority>("3").unwrap(),
        strict::Priority::Urgent
    );
}

#[test]
fn unknown_enum_values_are_refused_only_when_strict() {
    assert!(serde_json::from_str::<strict::Status>(r#""lost""#).is_err());
    assert_eq!(
        serde_json::from_str::<open::Status>(r#""lost""#).unwrap(),
        open::Status::Unknown("lost".into())
    );
    assert!(serde_json::from_str::<strict::Priority>("9").is_err());
    assert_eq!(
        serde_json::from_str::<open::Priority>("9").unwrap(),
        open::Priority::Unknown(9)
    );
}

#[test]
fn unknown_properties_and_kinds_are_refused_only_when_strict() {
    let problem = r#"{"title": "x", "retryAfter": 3}"#;
    assert!(serde_json::from_str::<strict::Problem>(problem).is_err());
    assert!(serde_json::from_str::<open::Problem>(problem).is_ok());

    let crypto = r#"{"kind": "crypto", "coin": "btc"}"#;
    assert!(serde_json::from_str::<strict::Payment>(crypto).is_err());
    assert!(matches!(
        serde_json::from_str::<open::Payment>(crypto).unwrap(),
        open::Payment::Unknown(_)
    ));
}

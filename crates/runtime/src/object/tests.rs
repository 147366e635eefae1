use crate::nullable::refusing_null;
use serde::Deserialize;
use serde_json::{Value, from_str};
use std::collections::BTreeMap;

#[derive(Debug, PartialEq)]
struct Order {
    id: String,
    note: Option<Option<String>>,
    priority: Option<i32>,
    due: Option<String>,
    box_id: Option<Box<i64>>,
}

crate::serde_object! {
    struct Order {
        id: Required<"id">,
        note: Nullable<"note">,
        priority: NotNull<"priority">,
        due: Optional<"dueAt">,
        box_id: Optional<"boxId">,
    }
}

/// The same struct through serde's derive, as the generator wrote it before.
#[derive(Debug, PartialEq, Deserialize)]
struct Derived {
    id: String,
    #[serde(default, deserialize_with = "crate::nullable::deserialize")]
    note: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::nullable::not_null")]
    priority: Option<i32>,
    #[serde(default, rename = "dueAt")]
    due: Option<String>,
    #[serde(default, rename = "boxId")]
    box_id: Option<Box<i64>>,
}

#[derive(Debug, PartialEq)]
struct Strict {
    id: String,
}

crate::serde_object! {
    strict;
    struct Strict {
        id: Required<"id">,
    }
}

#[derive(Debug, PartialEq)]
struct Open {
    id: Option<String>,
    rest: BTreeMap<String, Value>,
}

crate::serde_object! {
    struct Open {
        id: Optional<"id">,
        #[flatten]
        rest: Unlisted,
    }
}

#[derive(Debug, PartialEq)]
struct Empty {}

crate::serde_object! {
    struct Empty {}
}

type MaybeName = Option<String>;

#[derive(Debug, PartialEq)]
struct Aliased {
    name: MaybeName,
    any: Value,
}

crate::serde_object! {
    struct Aliased {
        name: Required<"name">,
        any: Required<"any">,
    }
}

#[derive(Debug, PartialEq, Deserialize)]
struct AliasedDerived {
    name: MaybeName,
    any: Value,
}

#[test]
fn a_missing_required_option_is_none_as_with_the_derive() {
    let ours = from_str::<Aliased>(r#"{"any":1}"#).unwrap();
    let derived = from_str::<AliasedDerived>(r#"{"any":1}"#).unwrap();
    assert_eq!((ours.name, derived.name), (None, None));
    for json in [r#"{"name":"x"}"#, r#"{}"#] {
        let ours = from_str::<Aliased>(json).unwrap_err().to_string();
        let derived = from_str::<AliasedDerived>(json).unwrap_err().to_string();
        assert_eq!(ours, derived, "{json}");
    }
}

/// Names the macro's own code uses, as a schema may name its types and properties.
#[derive(Debug, PartialEq)]
struct A {
    map: i32,
    key: Option<i32>,
    value: Option<i32>,
    missing: i32,
    object: Option<i32>,
    serializer: i32,
}

crate::serde_object! {
    struct A {
        map: Required<"map">,
        key: Optional<"key">,
        value: Optional<"value">,
        missing: Required<"missing">,
        object: Optional<"object">,
        serializer: Required<"serializer">,
    }
}

#[test]
fn a_type_or_property_may_take_any_name() {
    let json = r#"{"map":1,"key":2,"value":3,"missing":4,"object":5,"serializer":6}"#;
    let a: A = from_str(json).unwrap();
    assert_eq!(
        a,
        A {
            map: 1,
            key: Some(2),
            value: Some(3),
            missing: 4,
            object: Some(5),
            serializer: 6,
        }
    );
    assert_eq!(serde_json::to_string(&a).unwrap(), json);
}

/// What both readings say of `json`: the value's `Debug`, or the error's message.
fn both(json: &str) -> (String, String) {
    let ours = from_str::<Order>(json).map(|o| format!("{o:?}"));
    let derived = from_str::<Derived>(json).map(|d| {
        format!(
            "{:?}",
            Order {
                id: d.id,
                note: d.note,
                priority: d.priority,
                due: d.due,
                box_id: d.box_id,
            }
        )
    });
    let text = |r: Result<String, serde_json::Error>| r.unwrap_or_else(|e| e.to_string());
    (
        text(ours),
        text(derived).replace("struct Derived", "struct Order"),
    )
}

#[test]
fn reads_what_the_derive_read_and_fails_where_it_failed_with_its_words() {
    for json in [
        r#"{"id":"a"}"#,
        r#"{"id":"a","note":null,"priority":2,"dueAt":"x","boxId":7,"other":[1,{}]}"#,
        r#"{"id":"a","note":"n","priority":null}"#,
        r#"{"note":"n"}"#,
        r#"{"id":"a","id":"b"}"#,
        r#"{"id":"a","note":null,"note":"x"}"#,
        r#"{"id":1}"#,
        r#"{"id":"a","priority":"high"}"#,
        r#"{"\u0069d":"escaped key"}"#,
        r#""a string""#,
        "null",
    ] {
        let (ours, derived) = both(json);
        assert_eq!(ours, derived, "{json}");
    }
}

#[test]
fn a_server_refuses_null_where_the_type_has_none() {
    let refused = refusing_null(|| from_str::<Order>(r#"{"id":"a","priority":null}"#));
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("`null` where the schema allows no `null`")
    );
    let note = refusing_null(|| from_str::<Order>(r#"{"id":"a","note":null}"#)).unwrap();
    assert_eq!(note.note, Some(None));
}

#[test]
fn an_array_is_not_an_object() {
    // serde's derive read a struct from an array of its fields; no JSON API sends one.
    let error = from_str::<Order>(r#"["a"]"#).unwrap_err().to_string();
    assert!(error.contains("expected struct Order"), "{error}");
}

#[test]
fn strict_refuses_an_unlisted_property_naming_the_listed_ones() {
    assert_eq!(from_str::<Strict>(r#"{"id":"a"}"#).unwrap().id, "a");
    let error = from_str::<Strict>(r#"{"id":"a","idd":1}"#)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("unknown field `idd`, expected `id`"),
        "{error}"
    );
}

#[test]
fn a_map_keeps_unlisted_properties() {
    let open: Open = from_str(r#"{"id":"a","x":1,"y":{"z":null}}"#).unwrap();
    assert_eq!(open.id.as_deref(), Some("a"));
    assert_eq!(
        serde_json::to_string(&open.rest).unwrap(),
        r#"{"x":1,"y":{"z":null}}"#
    );
    let empty: Empty = from_str(r#"{"anything":[1,2]}"#).unwrap();
    assert_eq!(empty, Empty {});
}

#[test]
fn reads_from_a_value_and_a_form() {
    // Owned keys (a `Value`'s map) and string-typed values (a form) take other paths
    // through the key's visitor than borrowed JSON does.
    let value = serde_json::json!({"id": "a", "priority": 3});
    let order = Order::deserialize(value).unwrap();
    assert_eq!((order.id.as_str(), order.priority), ("a", Some(3)));
    let form: Open = serde_html_form::from_str("id=b&x=1").unwrap();
    assert_eq!(form.id.as_deref(), Some("b"));
    assert_eq!(form.rest.get("x"), Some(&Value::String("1".into())));
}

/// `Derived` as the generator wrote it for writing too, before `serde_object!` wrote it.
#[derive(Debug, serde::Serialize)]
struct DerivedOut {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<i32>,
    #[serde(rename = "dueAt", skip_serializing_if = "Option::is_none")]
    due: Option<String>,
    #[serde(rename = "boxId", skip_serializing_if = "Option::is_none")]
    box_id: Option<Box<i64>>,
}

fn orders() -> Vec<(Order, DerivedOut)> {
    let order = |note: Option<Option<String>>, priority, due: Option<&str>, box_id: Option<i64>| {
        let due = due.map(str::to_string);
        (
            Order {
                id: "a".into(),
                note: Clone::clone(&note),
                priority,
                due: due.clone(),
                box_id: box_id.map(Box::new),
            },
            DerivedOut {
                id: "a".into(),
                note,
                priority,
                due,
                box_id: box_id.map(Box::new),
            },
        )
    };
    vec![
        order(None, None, None, None),
        order(Some(None), Some(2), Some("x"), Some(7)),
        order(Some(Some("n".into())), None, Some("y"), None),
    ]
}

#[test]
fn writes_what_the_derive_wrote() {
    for (ours, derived) in orders() {
        let json = serde_json::to_string(&ours).unwrap();
        assert_eq!(json, serde_json::to_string(&derived).unwrap());
        // What it writes, it reads back.
        assert_eq!(from_str::<Order>(&json).unwrap(), ours);
        assert_eq!(
            record(&ours),
            record(&derived).replace("DerivedOut", "Order"),
            "{json}"
        );
    }
    let form = |o: &Order| serde_html_form::to_string(o).unwrap();
    let (ours, derived) = orders().swap_remove(1);
    assert_eq!(form(&ours), serde_html_form::to_string(&derived).unwrap());
}

#[derive(Debug, serde::Serialize)]
struct OpenDerived {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[test]
fn a_map_writes_its_unlisted_properties_after_the_listed_ones() {
    let rest: BTreeMap<String, Value> = from_str(r#"{"x":1,"a":{"z":null}}"#).unwrap();
    for id in [None, Some("i".to_string())] {
        let ours = Open {
            id: id.clone(),
            rest: rest.clone(),
        };
        let derived = OpenDerived {
            id,
            rest: rest.clone(),
        };
        let json = serde_json::to_string(&ours).unwrap();
        assert_eq!(json, serde_json::to_string(&derived).unwrap());
        assert_eq!(record(&ours), record(&derived));
        assert_eq!(from_str::<Open>(&json).unwrap(), ours);
    }
    assert_eq!(serde_json::to_string(&Empty {}).unwrap(), "{}");
}

#[test]
fn a_required_option_is_written_as_null() {
    let ours = Aliased {
        name: None,
        any: Value::Null,
    };
    assert_eq!(
        serde_json::to_string(&ours).unwrap(),
        r#"{"name":null,"any":null}"#
    );
}

#[test]
fn an_error_ends_the_writing_and_is_returned() {
    // Nothing is written after the property that failed, and the format's `end` is not
    // called.
    let failing = Failing {
        ok: 1,
        bad: Some(Refuses),
        after: 2,
    };
    let error = serde_json::to_string(&failing).unwrap_err().to_string();
    assert_eq!(error, "refused");
    assert_eq!(record(&failing), "struct Failing 3 | ok=1 | error: refused");
}

/// A value whose `Serialize` fails; it reads as nothing.
#[derive(Debug, serde::Deserialize)]
struct Refuses;

impl serde::Serialize for Refuses {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("refused"))
    }
}

struct Failing {
    ok: i32,
    bad: Option<Refuses>,
    after: i32,
}

crate::serde_object! {
    struct Failing {
        ok: Required<"ok">,
        bad: Optional<"bad">,
        after: Required<"after">,
    }
}

/// What a format is told, call by call: a struct's name and count, each property written
/// (its value as JSON) or skipped, a map's entries; and the error, if one ends it.
fn record<T: serde::Serialize>(value: &T) -> String {
    let mut log = Vec::new();
    if let Err(error) = value.serialize(Recorder(&mut log)) {
        log.push(format!("error: {error}"));
    }
    log.join(" | ")
}

struct Recorder<'a>(&'a mut Vec<String>);

type Never = serde::ser::Impossible<(), serde_json::Error>;

/// `Recorder` takes structs and maps only.
macro_rules! not_an_object {
    ($($method:ident($($arg:ty),*) -> $out:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$out, serde_json::Error> {
            Err(serde::ser::Error::custom("not an object"))
        })*
    };
}

impl<'a> serde::Serializer for Recorder<'a> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Never;
    type SerializeTuple = Never;
    type SerializeTupleStruct = Never;
    type SerializeTupleVariant = Never;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Never;

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self, Self::Error> {
        self.0.push(format!("struct {name} {len}"));
        Ok(self)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self, Self::Error> {
        self.0.push(format!("map {len:?}"));
        Ok(self)
    }

    fn serialize_some<T: ?Sized + serde::Serialize>(self, _: &T) -> Result<(), Self::Error> {
        Err(serde::ser::Error::custom("not an object"))
    }

    fn serialize_newtype_struct<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Self::Error> {
        Err(serde::ser::Error::custom("not an object"))
    }

    fn serialize_newtype_variant<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Self::Error> {
        Err(serde::ser::Error::custom("not an object"))
    }

    not_an_object! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Never;
        serialize_tuple(usize) -> Never;
        serialize_tuple_struct(&'static str, usize) -> Never;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Never;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Never;
    }
}

impl serde::ser::SerializeStruct for Recorder<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: ?Sized + serde::Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        let value = serde_json::to_string(value)?;
        self.0.push(format!("{key}={value}"));
        Ok(())
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
        self.0.push(format!("skip {key}"));
        Ok(())
    }

    fn end(self) -> Result<(), Self::Error> {
        self.0.push("end".into());
        Ok(())
    }
}

impl serde::ser::SerializeMap for Recorder<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_key<T: ?Sized + serde::Serialize>(&mut self, key: &T) -> Result<(), Self::Error> {
        let key = serde_json::to_string(key)?;
        self.0.push(format!("key {key}"));
        Ok(())
    }

    fn serialize_value<T: ?Sized + serde::Serialize>(
        &mut self,
        value: &T,
    ) -> Result<(), Self::Error> {
        let value = serde_json::to_string(value)?;
        self.0.push(format!("value {value}"));
        Ok(())
    }

    fn end(self) -> Result<(), Self::Error> {
        self.0.push("end".into());
        Ok(())
    }
}

#[derive(Debug)]
struct Two {
    first: i32,
    second: i32,
}

crate::serde_object! {
    struct Two {
        first: Required<"first">,
        second: Required<"second">,
    }
}

#[derive(Debug, Deserialize)]
struct TwoDerived {
    #[allow(dead_code, reason = "read for its error only")]
    first: i32,
    #[allow(dead_code, reason = "read for its error only")]
    second: i32,
}

#[test]
fn of_several_missing_properties_the_first_is_named() {
    for json in ["{}", r#"{"second":2}"#, r#"{"first":1}"#] {
        let ours = from_str::<Two>(json).unwrap_err().to_string();
        let derived = from_str::<TwoDerived>(json).unwrap_err().to_string();
        assert_eq!(ours, derived.replace("TwoDerived", "Two"), "{json}");
    }
    let two = from_str::<Two>(r#"{"second":2,"first":1}"#).unwrap();
    assert_eq!((two.first, two.second), (1, 2));
}

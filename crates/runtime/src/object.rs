//! `Deserialize` for generated structs, through [`deserialize_object!`](crate::deserialize_object):
//! an object read key by key into one slot per property.
//!
//! serde's derive would do the same job with several times the code: a field enum with its
//! own visitor, a `visit_seq` (a struct read from an array, which no JSON API sends), a
//! wrapper type per `deserialize_with`. An API of a few thousand schemas spent most of its
//! `cargo check` type-checking and borrow-checking that code. The macro expands to one
//! `visit_map` whose per-property work is a call into the functions below, which are
//! checked once, here.
//!
//! What it reads is what the derive read, with the attributes the generator wrote:
//! properties by their wire names, a repeated one an error (`duplicate field`), a missing
//! required one an error (`missing field`), unlisted ones ignored, refused (`unknown
//! field`, strict) or kept in a map (`additionalProperties`), and the `nullable` readers.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// A property's name as the format gives it: borrowed when it can be.
pub struct Key<'de>(Cow<'de, str>);

impl<'de> Key<'de> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }

            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Key<'de>, E> {
                std::str::from_utf8(v)
                    .map(|v| Key(Cow::Borrowed(v)))
                    .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))
            }

            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
                std::str::from_utf8(v)
                    .map(|v| Key(Cow::Owned(v.to_owned())))
                    .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))
            }
        }

        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Reads a property's value into its slot; a second one is an error.
#[inline]
pub fn value<'de, T, A>(
    slot: &mut Option<T>,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error>
where
    T: Deserialize<'de>,
    A: MapAccess<'de>,
{
    read(slot, map, name, |value: T| value)
}

/// [`value`] for a property a client may send as `null` or leave out
/// ([`nullable::deserialize`](crate::nullable::deserialize)): `null` is `Some(None)`.
#[inline]
pub fn nullable<'de, T, A>(
    slot: &mut Option<Option<Option<T>>>,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error>
where
    T: Deserialize<'de>,
    A: MapAccess<'de>,
{
    read(slot, map, name, |Nullable(value)| value)
}

/// [`value`] for an optional property whose type has no `null`
/// ([`nullable::not_null`](crate::nullable::not_null)).
#[inline]
pub fn not_null<'de, T, A>(
    slot: &mut Option<Option<T>>,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error>
where
    T: Deserialize<'de>,
    A: MapAccess<'de>,
{
    read(slot, map, name, |NotNull(value)| value)
}

/// Reads a property as `R`, into its slot as `T`; a second one is an error.
#[inline]
fn read<'de, R, T, A>(
    slot: &mut Option<T>,
    map: &mut A,
    name: &'static str,
    into: impl FnOnce(R) -> T,
) -> Result<(), A::Error>
where
    R: Deserialize<'de>,
    A: MapAccess<'de>,
{
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(into(map.next_value()?));
    Ok(())
}

/// A required property's value; when it is missing, what its type makes of nothing, as
/// serde's derive does: `None` for an `Option` (however it is named), else the error that
/// names the property.
#[inline]
pub fn required<'de, T, E>(slot: Option<T>, name: &'static str) -> Result<T, E>
where
    T: Deserialize<'de>,
    E: de::Error,
{
    match slot {
        Some(value) => Ok(value),
        None => T::deserialize(Missing(name, PhantomData)),
    }
}

/// The value of a missing property: `None` to an `Option`, `missing field` to the rest.
struct Missing<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Skips the value of a property the struct does not list.
#[inline]
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>()?;
    Ok(())
}

/// Keeps a property the struct does not list in its map of the others.
#[inline]
pub fn unlisted<'de, T, A>(
    rest: &mut BTreeMap<String, T>,
    key: Key<'de>,
    map: &mut A,
) -> Result<(), A::Error>
where
    T: Deserialize<'de>,
    A: MapAccess<'de>,
{
    let value = map.next_value()?;
    rest.insert(key.into_string(), value);
    Ok(())
}

/// The error for a property a strict struct does not list.
#[cold]
pub fn unknown<E: de::Error>(key: &Key<'_>, listed: &'static [&'static str]) -> E {
    E::unknown_field(key.as_str(), listed)
}

/// Reads a value through [`nullable::deserialize`](crate::nullable::deserialize).
struct Nullable<T>(Option<Option<T>>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::nullable::deserialize(deserializer).map(Nullable)
    }
}

/// Reads a value through [`nullable::not_null`](crate::nullable::not_null).
struct NotNull<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NotNull<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::nullable::not_null(deserializer).map(NotNull)
    }
}

/// How a generated struct reads itself from an object: the one generic function
/// [`deserialize_object!`](crate::deserialize_object) writes per struct.
pub trait ReadObject<'de>: Sized {
    /// The properties it lists, by their wire names.
    const FIELDS: &'static [&'static str];

    fn read<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// The visitor every generated struct hands the format: its name, for messages.
pub struct ObjectVisitor<T> {
    name: &'static str,
    marker: PhantomData<fn() -> T>,
}

impl<T> ObjectVisitor<T> {
    pub fn new(name: &'static str) -> Self {
        ObjectVisitor {
            name,
            marker: PhantomData,
        }
    }
}

impl<'de, T: ReadObject<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::read(map)
    }
}

/// Implements `Deserialize` for a generated struct: see [the module](crate::object).
///
/// ```
/// # use pushgen_runtime::deserialize_object;
/// #[derive(Debug, PartialEq)]
/// pub struct Pet {
///     pub name: String,
///     pub tag: Option<String>,
/// }
///
/// deserialize_object! {
///     struct Pet {
///         name: Required<"name">,
///         tag: Optional<"tag">,
///     }
/// }
///
/// let pet: Pet = serde_json::from_str(r#"{"name":"Rex","age":3}"#).unwrap();
/// assert_eq!(pet, Pet { name: "Rex".into(), tag: None });
/// let error = serde_json::from_str::<Pet>(r#"{"tag":"x"}"#).unwrap_err();
/// assert!(error.to_string().starts_with("missing field `name`"));
/// ```
///
/// The body is written as a struct, one line per property: its Rust name, how it is
/// read, its wire name. `Required` (missing is an error), `Optional` (missing is `None`),
/// `Nullable` (missing is `None`, `null` is `Some(None)`: a client's request, where the
/// two differ) or `NotNull` (missing is `None`, `null` refused when a server reads).
/// Properties the struct does not list are ignored; `strict;` before the struct refuses
/// them; a last line `#[flatten] name: Unlisted,` keeps them in the map `name`.
#[macro_export]
macro_rules! deserialize_object {
    (strict; struct $name:ident { $($body:tt)* }) => {
        $crate::deserialize_object!(@parse deny $name { $($body)* });
    };
    (struct $name:ident { $($body:tt)* }) => {
        $crate::deserialize_object!(@parse ignore $name { $($body)* });
    };

    // What becomes of unlisted properties picks the code for them; the rest is shared.
    // `key` and `map` are named here and handed down, so that the pieces written here and
    // in `@impl` mean the same variables.
    (@parse $mode:ident $name:ident {
        $( $field:ident : $kind:ident <$wire:literal $(,)?>, )*
        #[flatten] $rest:ident : Unlisted,
    }) => {
        $crate::deserialize_object!(@impl key map $name { $( $field $kind $wire, )* }
            slot { let mut $rest = ::std::collections::BTreeMap::new(); }
            other { $crate::object::unlisted(&mut $rest, key, &mut map) }
            tail { $rest, });
    };
    (@parse ignore $name:ident { $( $field:ident : $kind:ident <$wire:literal $(,)?>, )* }) => {
        $crate::deserialize_object!(@impl key map $name { $( $field $kind $wire, )* }
            slot {}
            other { $crate::object::skip(&mut map) }
            tail {});
    };
    (@parse deny $name:ident { $( $field:ident : $kind:ident <$wire:literal $(,)?>, )* }) => {
        $crate::deserialize_object!(@impl key map $name { $( $field $kind $wire, )* }
            slot {}
            other { ::std::result::Result::Err($crate::object::unknown(
                &key,
                <Self as $crate::object::ReadObject<'de>>::FIELDS,
            )) }
            tail {});
    };

    (@impl $key:ident $map:ident $name:ident { $( $field:ident $kind:ident $wire:literal, )* }
        slot { $($slot:tt)* }
        other { $($other:tt)* }
        tail { $($tail:tt)* }
    ) => {
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                deserializer.deserialize_struct(
                    ::std::stringify!($name),
                    <Self as $crate::object::ReadObject<'de>>::FIELDS,
                    $crate::object::ObjectVisitor::<Self>::new(::std::stringify!($name)),
                )
            }
        }

        impl<'de> $crate::object::ReadObject<'de> for $name {
            const FIELDS: &'static [&'static str] = &[$($wire),*];

            fn read<A>(mut $map: A) -> ::std::result::Result<Self, A::Error>
            where
                A: $crate::__private::serde::de::MapAccess<'de>,
            {
                $( let mut $field = ::std::option::Option::None; )*
                $($slot)*
                while let ::std::option::Option::Some($key) =
                    $map.next_key::<$crate::object::Key<'de>>()?
                {
                    // Every arm is a `Result<(), _>`: one `?` for them all is less to check
                    // than one per property.
                    match $key.as_str() {
                        $( $wire => $crate::deserialize_object!(@read $kind, $field, $map, $wire), )*
                        _ => $($other)*,
                    }?
                }
                ::std::result::Result::Ok(Self {
                    $( $field: $crate::deserialize_object!(@finish $kind, $field, $wire), )*
                    $($tail)*
                })
            }
        }
    };

    (@read Required, $field:ident, $map:ident, $wire:literal) => {
        $crate::object::value(&mut $field, &mut $map, $wire)
    };
    (@read Optional, $field:ident, $map:ident, $wire:literal) => {
        $crate::object::value(&mut $field, &mut $map, $wire)
    };
    (@read Nullable, $field:ident, $map:ident, $wire:literal) => {
        $crate::object::nullable(&mut $field, &mut $map, $wire)
    };
    (@read NotNull, $field:ident, $map:ident, $wire:literal) => {
        $crate::object::not_null(&mut $field, &mut $map, $wire)
    };

    (@finish Required, $field:ident, $wire:literal) => {
        $crate::object::required($field, $wire)?
    };
    (@finish $kind:ident, $field:ident, $wire:literal) => {
        $field.unwrap_or_default()
    };
}

#[cfg(test)]
mod tests {
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

    crate::deserialize_object! {
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

    crate::deserialize_object! {
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

    crate::deserialize_object! {
        struct Open {
            id: Optional<"id">,
            #[flatten]
            rest: Unlisted,
        }
    }

    #[derive(Debug, PartialEq)]
    struct Empty {}

    crate::deserialize_object! {
        struct Empty {}
    }

    type MaybeName = Option<String>;

    #[derive(Debug, PartialEq)]
    struct Aliased {
        name: MaybeName,
        any: Value,
    }

    crate::deserialize_object! {
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
    }

    crate::deserialize_object! {
        struct A {
            map: Required<"map">,
            key: Optional<"key">,
            value: Optional<"value">,
        }
    }

    #[test]
    fn a_type_or_property_may_take_any_name() {
        let a: A = from_str(r#"{"map":1,"key":2,"value":3}"#).unwrap();
        assert_eq!(
            a,
            A {
                map: 1,
                key: Some(2),
                value: Some(3)
            }
        );
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
}

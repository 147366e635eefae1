//! The reading half: an object read key by key into one slot per property, each
//! property's work a call into the functions here, which are checked once.

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
/// serde's derive does: `None` for an `Option` (however it is named), else nothing, and
/// the error that names the property kept in `missing` (the first one's only).
#[inline]
pub fn required<'de, T, E>(
    slot: Option<T>,
    name: &'static str,
    missing: &mut Option<E>,
) -> Option<T>
where
    T: Deserialize<'de>,
    E: de::Error,
{
    if slot.is_some() {
        return slot;
    }
    match T::deserialize(Missing(name, PhantomData)) {
        Ok(value) => Some(value),
        Err(error) => {
            missing.get_or_insert(error);
            None
        }
    }
}

/// The error of a struct some of whose required properties are missing: the first's, which
/// [`required`] kept.
#[cold]
pub fn missing<E: de::Error>(first: Option<E>) -> E {
    // `required` keeps an error whenever it takes nothing; a message all the same.
    first.unwrap_or_else(|| E::custom("a required property is missing"))
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
/// [`serde_object!`](crate::serde_object) writes per struct.
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

//! Typed values as the text of a path variable, query parameter or header, and back.
//!
//! The rules are [`super::text`]'s: strings as they are, numbers and booleans as JSON
//! writes them, arrays comma-separated, objects as JSON, null as nothing. Going through
//! `serde_json::Value` gets every case right but allocates a tree per value, and a push
//! path or header is written and read once per push; so scalars, which are nearly every
//! value there, take a direct path here, and anything else falls back to the `Value`
//! route, which stays the definition.

use super::EncodeError;
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};
use serde::ser::{self, Impossible, Serialize, Serializer};
use std::fmt::{self, Write};

/// Appends the text of `value` to `out`; `false` (and nothing appended) for null.
pub(crate) fn text_into<T: Serialize + ?Sized>(
    value: &T,
    out: &mut String,
) -> Result<bool, EncodeError> {
    let mark = out.len();
    match value.serialize(Scalar(out)) {
        Ok(written) => Ok(written),
        Err(NotScalar) => {
            out.truncate(mark);
            match super::text_by_value(value)? {
                Some(text) => {
                    out.push_str(&text);
                    Ok(true)
                }
                None => Ok(false),
            }
        }
    }
}

/// Reads a typed value from text, as [`super::parse_text`] does, for the types whose
/// text is unambiguous: `None` when the value needs the general route.
pub(crate) fn parse_scalar<T: DeserializeOwned>(text: &str) -> Option<T> {
    T::deserialize(Text(text)).ok()
}

/// Why a value did not take the direct route: it is not a scalar.
#[derive(Debug)]
struct NotScalar;

impl fmt::Display for NotScalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a scalar")
    }
}

impl std::error::Error for NotScalar {}

impl ser::Error for NotScalar {
    fn custom<M: fmt::Display>(_: M) -> Self {
        NotScalar
    }
}

impl de::Error for NotScalar {
    fn custom<M: fmt::Display>(_: M) -> Self {
        NotScalar
    }
}

/// Writes a scalar's text; `Ok(false)` for null. Floats and everything compound answer
/// [`NotScalar`]: their text is whatever `serde_json::Value` makes of them.
struct Scalar<'a>(&'a mut String);

impl Scalar<'_> {
    fn write(self, value: impl fmt::Display) -> Result<bool, NotScalar> {
        let _ = write!(self.0, "{value}");
        Ok(true)
    }
}

impl Serializer for Scalar<'_> {
    type Ok = bool;
    type Error = NotScalar;
    type SerializeSeq = Impossible<bool, NotScalar>;
    type SerializeTuple = Impossible<bool, NotScalar>;
    type SerializeTupleStruct = Impossible<bool, NotScalar>;
    type SerializeTupleVariant = Impossible<bool, NotScalar>;
    type SerializeMap = Impossible<bool, NotScalar>;
    type SerializeStruct = Impossible<bool, NotScalar>;
    type SerializeStructVariant = Impossible<bool, NotScalar>;

    fn serialize_bool(self, v: bool) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_i8(self, v: i8) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_i16(self, v: i16) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_i32(self, v: i32) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_i64(self, v: i64) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_i128(self, v: i128) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_u8(self, v: u8) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_u16(self, v: u16) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_u32(self, v: u32) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_u64(self, v: u64) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_u128(self, v: u128) -> Result<bool, NotScalar> {
        self.write(v)
    }
    fn serialize_f32(self, _: f32) -> Result<bool, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_f64(self, _: f64) -> Result<bool, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_char(self, v: char) -> Result<bool, NotScalar> {
        self.0.push(v);
        Ok(true)
    }
    fn serialize_str(self, v: &str) -> Result<bool, NotScalar> {
        self.0.push_str(v);
        Ok(true)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<bool, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_none(self) -> Result<bool, NotScalar> {
        Ok(false)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<bool, NotScalar> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<bool, NotScalar> {
        Ok(false)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<bool, NotScalar> {
        Ok(false)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<bool, NotScalar> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, NotScalar> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotScalar> {
        Err(NotScalar)
    }
}

/// Reads a value from its text where that is unambiguous: a string-like type takes the
/// text as it is; a number or boolean is read as JSON; anything else (sequences, maps,
/// structs, bytes) answers [`NotScalar`] for the general route to decide.
struct Text<'a>(&'a str);

impl Text<'_> {
    fn json<'de, T: DeserializeOwned, V: Visitor<'de>>(
        &self,
        visit: impl FnOnce(T) -> Result<V::Value, NotScalar>,
    ) -> Result<V::Value, NotScalar> {
        visit(serde_json::from_str(self.0).map_err(|_| NotScalar)?)
    }
}

macro_rules! numbers {
    ($($deserialize:ident $ty:ty => $visit:ident,)*) => {
        $(
            fn $deserialize<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotScalar> {
                self.json::<$ty, V>(|v| visitor.$visit(v))
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Text<'_> {
    type Error = NotScalar;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotScalar> {
        visitor.visit_str(self.0)
    }

    numbers! {
        deserialize_bool bool => visit_bool,
        deserialize_i8 i8 => visit_i8,
        deserialize_i16 i16 => visit_i16,
        deserialize_i32 i32 => visit_i32,
        deserialize_i64 i64 => visit_i64,
        deserialize_i128 i128 => visit_i128,
        deserialize_u8 u8 => visit_u8,
        deserialize_u16 u16 => visit_u16,
        deserialize_u32 u32 => visit_u32,
        deserialize_u64 u64 => visit_u64,
        deserialize_u128 u128 => visit_u128,
        deserialize_f32 f32 => visit_f32,
        deserialize_f64 f64 => visit_f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotScalar> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, NotScalar> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NotScalar> {
        // A unit variant named by the text.
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _: V) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _: V) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, NotScalar> {
        Err(NotScalar)
    }

    serde::forward_to_deserialize_any! {
        char str string identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    fn direct<T: Serialize + ?Sized>(value: &T) -> Option<String> {
        let mut out = String::new();
        text_into(value, &mut out).unwrap().then_some(out)
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Colour {
        Red,
        DarkBlue,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Id(String);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Point {
        x: i32,
    }

    #[test]
    fn the_direct_route_writes_what_the_value_route_writes() {
        let by_value = |v: &dyn erased::Value| v.by_value();
        let cases: Vec<Box<dyn erased::Value>> = vec![
            Box::new(5i64),
            Box::new(-7i8),
            Box::new(u64::MAX),
            Box::new(true),
            Box::new(1.5f64),
            Box::new(f64::NAN),
            Box::new('é'),
            Box::new("a b/c"),
            Box::new(String::new()),
            Box::new(None::<i32>),
            Box::new(Some(3u8)),
            Box::new(()),
            Box::new(Colour::DarkBlue),
            Box::new(Id("x".into())),
            Box::new(vec![1, 2]),
            Box::new(vec!["a", "b"]),
            Box::new(Point { x: 1 }),
            Box::new(serde_json::json!({"a": [1, "b"]})),
        ];
        for case in &cases {
            assert_eq!(
                case.direct(),
                by_value(case.as_ref()),
                "{:?}",
                case.by_value()
            );
        }
    }

    #[test]
    fn scalars_read_back_as_the_general_route_reads_them() {
        assert_eq!(parse_scalar::<i64>("-5"), Some(-5));
        assert_eq!(parse_scalar::<u8>("300"), None);
        assert_eq!(parse_scalar::<i64>("+5"), None, "JSON has no `+5`");
        assert_eq!(parse_scalar::<bool>("true"), Some(true));
        assert_eq!(parse_scalar::<f64>("1e3"), Some(1000.0));
        assert_eq!(parse_scalar::<String>("5"), Some("5".into()));
        assert_eq!(parse_scalar::<Option<i32>>("5"), Some(Some(5)));
        assert_eq!(parse_scalar::<Colour>("red"), Some(Colour::Red));
        assert_eq!(parse_scalar::<Colour>("green"), None);
        assert_eq!(parse_scalar::<Id>("x"), Some(Id("x".into())));
        assert_eq!(
            parse_scalar::<Vec<i32>>("1,2"),
            None,
            "lists go the long way"
        );
        assert_eq!(parse_scalar::<Point>("{}"), None);
        assert_eq!(
            parse_scalar::<serde_json::Value>("5"),
            Some(serde_json::Value::String("5".into()))
        );
    }

    /// Values of many types behind one trait object, for the table above.
    mod erased {
        use super::*;

        pub(super) trait Value {
            fn direct(&self) -> Option<String>;
            fn by_value(&self) -> Option<String>;
        }

        impl<T: Serialize> Value for T {
            fn direct(&self) -> Option<String> {
                super::direct(self)
            }
            fn by_value(&self) -> Option<String> {
                crate::wire::text_by_value(self).unwrap()
            }
        }
    }
}

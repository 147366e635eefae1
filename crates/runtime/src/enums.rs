//! Closed sets of values, open to new ones: the enums of generated types.
//!
//! A spec's `enum` is what the server sends today. A newer server may send a value this
//! client was not generated with, and forward compatibility says that must not break reading:
//! every generated enum has an `Unknown` variant that keeps the value as it came.
//! Generated code declares its enums through [`string_enum!`](crate::string_enum) and
//! [`integer_enum!`](crate::integer_enum); the `strict` form leaves `Unknown` out, and
//! an unlisted value is then an error.
//!
//! ```
//! pushgen_runtime::string_enum! {
//!     /// How a list is sorted.
//!     pub enum Sort {
//!         Created = "created",
//!         /// Most recently changed first.
//!         Updated = "updated",
//!     }
//! }
//!
//! let sort: Sort = serde_json::from_str(r#""updated""#).unwrap();
//! assert_eq!(sort, Sort::Updated);
//! let newer: Sort = serde_json::from_str(r#""popularity""#).unwrap();
//! assert_eq!(newer, Sort::Unknown("popularity".into()));
//! assert_eq!(serde_json::to_string(&newer).unwrap(), r#""popularity""#);
//! assert_eq!(Sort::Created.as_str(), "created");
//! ```

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Declares a string enum: the variants, `as_str`, `Display`, `FromStr`, and serde as the
/// wire value. See the [module docs](crate::enums).
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $value, "`")] $variant, )*
            /// A value this version of the API does not know (a newer server may send one).
            Unknown(::std::string::String),
        }

        impl $name {
            /// Every value the spec lists, as it travels on the wire.
            pub const VALUES: &'static [&'static str] = &[$($value),*];

            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $value => Self::$variant, )*
                    other => Self::Unknown(::std::string::ToString::to_string(other)),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        /// A server reads values it does not list as `Unknown`, and refuses them here.
        impl $crate::validate::Validate for $name {
            fn validate(
                &self,
                at: $crate::validate::Pointer<'_>,
                check: &mut $crate::validate::Check,
            ) {
                if let Self::Unknown(value) = self {
                    check.not_listed(at, value, Self::VALUES);
                }
            }
        }

        $crate::string_enum!(@common $name);
    };
    (
        strict;
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $value, "`")] $variant, )*
        }

        impl $name {
            /// Every value the spec lists, as it travels on the wire.
            pub const VALUES: &'static [&'static str] = &[$($value),*];

            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match *self {
                    $( Self::$variant => $value, )*
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::enums::UnknownValue;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    $( $value => Ok(Self::$variant), )*
                    other => Err($crate::enums::UnknownValue::new(other)),
                }
            }
        }

        $crate::string_enum!(@strict $name);
        $crate::string_enum!(@common $name);
    };
    (@strict $name:ident) => {
        /// Every value of a strict enum is one the spec lists: reading refused the others.
        impl $crate::validate::Validate for $name {
            fn validate(&self, _: $crate::validate::Pointer<'_>, _: &mut $crate::validate::Check) {}
        }
    };
    (@common $name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                $crate::enums::deserialize_str(deserializer, Self::VALUES, |value| {
                    <Self as ::std::str::FromStr>::from_str(value).ok()
                })
            }
        }
    };
}

/// Declares an integer enum: like [`string_enum!`](crate::string_enum), with `i64` wire
/// values written as JSON numbers.
#[macro_export]
macro_rules! integer_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $value, "`")] $variant, )*
            /// A value this version of the API does not know (a newer server may send one).
            Unknown(i64),
        }

        impl $name {
            /// Every value the spec lists.
            pub const VALUES: &'static [i64] = &[$($value),*];

            /// The value as it travels on the wire.
            pub fn value(&self) -> i64 {
                match *self {
                    $( Self::$variant => $value, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl ::std::convert::From<i64> for $name {
            fn from(value: i64) -> Self {
                match value {
                    $( $value => Self::$variant, )*
                    other => Self::Unknown(other),
                }
            }
        }

        impl $name {
            fn from_wire(value: i64) -> ::std::option::Option<Self> {
                Some(Self::from(value))
            }
        }

        /// A server reads values it does not list as `Unknown`, and refuses them here.
        impl $crate::validate::Validate for $name {
            fn validate(
                &self,
                at: $crate::validate::Pointer<'_>,
                check: &mut $crate::validate::Check,
            ) {
                if let Self::Unknown(value) = self {
                    check.not_listed(at, value, Self::VALUES);
                }
            }
        }

        $crate::integer_enum!(@common $name);
    };
    (
        strict;
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $value, "`")] $variant, )*
        }

        impl $name {
            /// Every value the spec lists.
            pub const VALUES: &'static [i64] = &[$($value),*];

            /// The value as it travels on the wire.
            pub fn value(&self) -> i64 {
                match *self {
                    $( Self::$variant => $value, )*
                }
            }

            fn from_wire(value: i64) -> ::std::option::Option<Self> {
                match value {
                    $( $value => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }

        $crate::string_enum!(@strict $name);
        $crate::integer_enum!(@common $name);
    };
    (@common $name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.value(), f)
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_i64(self.value())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                $crate::enums::deserialize_i64(deserializer, Self::from_wire)
            }
        }
    };
}

/// A value a strict enum does not list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue(String);

impl UnknownValue {
    pub fn new(value: &str) -> Self {
        UnknownValue(value.to_string())
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown value `{}`", self.0)
    }
}

impl std::error::Error for UnknownValue {}

/// Reads a string enum: `parse` gives `None` for a value a strict enum does not list.
pub fn deserialize_str<'de, D, T>(
    deserializer: D,
    expected: &'static [&'static str],
    parse: fn(&str) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct StrVisitor<T> {
        expected: &'static [&'static str],
        parse: fn(&str) -> Option<T>,
    }
    impl<T> Visitor<'_> for StrVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            (self.parse)(value).ok_or_else(|| E::unknown_variant(value, self.expected))
        }
    }
    deserializer.deserialize_str(StrVisitor { expected, parse })
}

/// Reads an integer enum: `parse` gives `None` for a value a strict enum does not list.
pub fn deserialize_i64<'de, D, T>(
    deserializer: D,
    parse: fn(i64) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct IntVisitor<T>(fn(i64) -> Option<T>);
    impl<T> Visitor<'_> for IntVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer")
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
            (self.0)(value).ok_or_else(|| {
                E::invalid_value(de::Unexpected::Signed(value), &"a value the enum lists")
            })
        }
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
            let value = i64::try_from(value)
                .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))?;
            self.visit_i64(value)
        }
        // Some servers write whole numbers as `3.0`.
        fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
            if value.fract() == 0.0 && value >= i64::MIN as f64 && value <= i64::MAX as f64 {
                self.visit_i64(value as i64)
            } else {
                Err(E::invalid_value(de::Unexpected::Float(value), &self))
            }
        }
    }
    deserializer.deserialize_i64(IntVisitor(parse))
}

#[cfg(test)]
mod tests {
    crate::string_enum! {
        /// Sorting.
        pub enum Sort {
            Created = "created",
            Updated = "updated",
        }
    }

    crate::string_enum! {
        strict;
        pub enum StrictSort {
            Created = "created",
        }
    }

    crate::integer_enum! {
        pub enum Level {
            Low = 1,
            Minus = -1,
        }
    }

    crate::integer_enum! {
        strict;
        pub enum StrictLevel {
            Low = 1,
        }
    }

    #[test]
    fn open_enums_keep_values_they_do_not_know() {
        let sort: Sort = serde_json::from_str(r#""created""#).unwrap();
        assert_eq!(sort, Sort::Created);
        let newer: Sort = serde_json::from_str(r#""stars""#).unwrap();
        assert_eq!(newer, Sort::Unknown("stars".into()));
        assert_eq!(serde_json::to_string(&newer).unwrap(), r#""stars""#);
        assert_eq!("updated".parse::<Sort>().unwrap(), Sort::Updated);
        assert_eq!(Sort::VALUES, ["created", "updated"]);

        let level: Level = serde_json::from_str("-1").unwrap();
        assert_eq!(level, Level::Minus);
        assert_eq!(
            serde_json::from_str::<Level>("7").unwrap(),
            Level::Unknown(7)
        );
        assert_eq!(serde_json::from_str::<Level>("1.0").unwrap(), Level::Low);
        assert_eq!(serde_json::to_string(&Level::Unknown(7)).unwrap(), "7");
        assert_eq!(Level::Low.to_string(), "1");
        assert_eq!(Level::VALUES, [1, -1]);
    }

    #[test]
    fn validation_refuses_values_an_open_enum_kept() {
        use crate::validate::{Check, Pointer, Validate};
        let mut check = Check::new();
        Sort::Created.validate(Pointer::body(), &mut check);
        Level::Low.validate(Pointer::body(), &mut check);
        StrictSort::Created.validate(Pointer::body(), &mut check);
        assert!(check.finish().is_ok());
        let mut check = Check::new();
        Sort::Unknown("stars".into()).validate(Pointer::body(), &mut check);
        Level::Unknown(7).validate(Pointer::body(), &mut check);
        let violations = check.finish().unwrap_err();
        assert_eq!(
            violations.to_string(),
            "the body is `stars`, not one of `created`, `updated` (enum); \
             the body is `7`, not one of `1`, `-1` (enum)"
        );
    }

    #[test]
    fn strict_enums_refuse_values_they_do_not_know() {
        let error = serde_json::from_str::<StrictSort>(r#""stars""#).unwrap_err();
        assert!(
            error.to_string().contains("unknown variant `stars`"),
            "{error}"
        );
        assert!("stars".parse::<StrictSort>().is_err());
        assert_eq!(
            serde_json::from_str::<StrictLevel>("1").unwrap(),
            StrictLevel::Low
        );
        assert!(serde_json::from_str::<StrictLevel>("2").is_err());
        assert_eq!(StrictLevel::VALUES, [1]);
        assert!(serde_json::from_str::<StrictLevel>("1.5").is_err());
        // Wrong JSON types are errors either way.
        assert!(serde_json::from_str::<Sort>("1").is_err());
        assert!(serde_json::from_str::<Level>(r#""1""#).is_err());
    }
}

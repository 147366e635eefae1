//! `Serialize` and `Deserialize` for generated structs, through
//! [`serde_object!`](crate::serde_object): one line per property, its Rust name, its kind
//! and its wire name, and the two impls written from them.
//!
//! serde's derive would do the same job with several times the code. Reading, it writes a
//! field enum with its own visitor, a `visit_seq` (a struct read from an array, which no
//! JSON API sends) and a wrapper type per `deserialize_with`; writing, a `?` per property
//! and a count of the properties it writes that tests each optional one a second time. An
//! API of a few thousand schemas spent most of its `cargo check` type-checking and
//! borrow-checking that code. The macro writes one `visit_map` and one straight line of
//! calls, whose per-property work is in the functions of [`read`](mod@read) and [`write`](mod@write), which are
//! checked once, here.
//!
//! What it reads and writes is what the derive did with the attributes the generator used
//! to write: properties by their wire names; reading, a repeated one an error (`duplicate
//! field`), a missing required one an error (`missing field`), unlisted ones ignored,
//! refused (`unknown field`, strict) or kept in a map (`additionalProperties`, written
//! back after the listed ones), and the `nullable` readers; writing, an optional property
//! left out when it is `None`.

pub mod read;
pub mod write;

pub use read::*;
pub use write::*;

/// Implements `Serialize` and `Deserialize` for a generated struct: see
/// [the module](crate::object).
///
/// ```
/// # use pushgen_runtime::serde_object;
/// #[derive(Debug, PartialEq)]
/// pub struct Pet {
///     pub name: String,
///     pub tag: Option<String>,
/// }
///
/// serde_object! {
///     struct Pet {
///         name: Required<"name">,
///         tag: Optional<"petTag">,
///     }
/// }
///
/// let pet: Pet = serde_json::from_str(r#"{"name":"Rex","age":3}"#).unwrap();
/// assert_eq!(pet, Pet { name: "Rex".into(), tag: None });
/// assert_eq!(serde_json::to_string(&pet).unwrap(), r#"{"name":"Rex"}"#);
/// let error = serde_json::from_str::<Pet>(r#"{"petTag":"x"}"#).unwrap_err();
/// assert!(error.to_string().starts_with("missing field `name`"));
/// ```
///
/// The body is written as a struct, one line per property: its Rust name, its kind, its
/// wire name. `Required` is always written (`null` for a `None`) and missing is an error
/// (or `None`, when its type is an `Option` however it is named); the others are left out
/// when they are `None`, and read as `Optional` (missing is `None`), `Nullable` (missing
/// is `None`, `null` is `Some(None)`: a client's request, where the two differ) or
/// `NotNull` (missing is `None`, `null` refused when a server reads). Properties the
/// struct does not list are ignored; `strict;` before the struct refuses them; a last line
/// `#[flatten] name: Unlisted,` keeps them in the map `name`, written back after the
/// listed ones.
#[macro_export]
macro_rules! serde_object {
    (strict; struct $name:ident { $($body:tt)* }) => {
        $crate::serde_object!(@parse deny $name { $($body)* });
    };
    (struct $name:ident { $($body:tt)* }) => {
        $crate::serde_object!(@parse ignore $name { $($body)* });
    };

    // What becomes of unlisted properties picks the code for them; the rest is shared.
    // `key` and `map` are named here and handed down, so that the pieces written here and
    // in `@impl` mean the same variables.
    (@parse $mode:ident $name:ident {
        $( $field:ident : $kind:ident <$wire:literal $(,)?>, )*
        #[flatten] $rest:ident : Unlisted,
    }) => {
        $crate::serde_object!(@impl key map $name { $( $field $kind $wire, )* }
            other { $crate::object::unlisted(&mut $rest, key, &mut map) }
            unlisted { $rest });
    };
    (@parse ignore $name:ident { $( $field:ident : $kind:ident <$wire:literal $(,)?>, )* }) => {
        $crate::serde_object!(@impl key map $name { $( $field $kind $wire, )* }
            other { $crate::object::skip(&mut map) }
            unlisted {});
    };
    (@parse deny $name:ident { $( $field:ident : $kind:ident <$wire:literal $(,)?>, )* }) => {
        $crate::serde_object!(@impl key map $name { $( $field $kind $wire, )* }
            other { ::std::result::Result::Err($crate::object::unknown(
                &key,
                <Self as $crate::object::ReadObject<'de>>::FIELDS,
            )) }
            unlisted {});
    };

    (@impl $key:ident $map:ident $name:ident { $( $field:ident $kind:ident $wire:literal, )* }
        other { $($other:tt)* }
        unlisted { $($rest:ident)? }
    ) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                #[allow(unused_mut, reason = "a struct without properties writes none")]
                let mut object = $crate::object::Writer::new(
                    serializer,
                    ::std::stringify!($name),
                    $crate::serde_object!(@len self { $( $field $kind, )* } $($rest)?),
                );
                $( $crate::serde_object!(@write $kind, object, self.$field, $wire); )*
                $( object.unlisted(&self.$rest); )?
                object.end()
            }
        }

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
                $( let mut $rest = ::std::collections::BTreeMap::new(); )?
                while let ::std::option::Option::Some($key) =
                    $map.next_key::<$crate::object::Key<'de>>()?
                {
                    // Every arm is a `Result<(), _>`: one `?` for them all is less to check
                    // than one per property.
                    match $key.as_str() {
                        $( $wire => $crate::serde_object!(@read $kind, $field, $map, $wire), )*
                        _ => $($other)*,
                    }?
                }
                // Every slot taken in one pattern, whose one `else` returns the first
                // missing property's error: less to check than a `?` per property.
                #[allow(unused_mut, reason = "a struct may require no property")]
                let mut missing = ::std::option::Option::None;
                #[allow(irrefutable_let_patterns, reason = "a struct may require no property")]
                let ($( $crate::serde_object!(@bind $kind $field), )*) =
                    ($( $crate::serde_object!(@take $kind, $field, $wire, missing), )*)
                else {
                    return ::std::result::Result::Err($crate::object::missing(missing));
                };
                ::std::result::Result::Ok(Self {
                    $( $field, )*
                    $( $rest, )?
                })
            }
        }
    };

    // How many properties a struct writes; a map (with unlisted properties) says none.
    (@len $this:tt { $( $field:ident $kind:ident, )* }) => {
        ::std::option::Option::Some(0 $( + $crate::serde_object!(@count $kind, $this.$field) )*)
    };
    (@len $this:tt { $( $field:ident $kind:ident, )* } $rest:ident) => {
        ::std::option::Option::None
    };
    (@count Required, $value:expr) => {
        1
    };
    (@count $kind:ident, $value:expr) => {
        $crate::object::present(&$value)
    };

    (@write Required, $object:ident, $value:expr, $wire:literal) => {
        $object.field($wire, &$value)
    };
    (@write $kind:ident, $object:ident, $value:expr, $wire:literal) => {
        $object.optional($wire, &$value)
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

    (@bind Required $field:ident) => {
        ::std::option::Option::Some($field)
    };
    (@bind $kind:ident $field:ident) => {
        $field
    };
    (@take Required, $field:ident, $wire:literal, $missing:ident) => {
        $crate::object::required($field, $wire, &mut $missing)
    };
    (@take $kind:ident, $field:ident, $wire:literal, $missing:ident) => {
        $field.unwrap_or_default()
    };
}

#[cfg(test)]
mod tests;

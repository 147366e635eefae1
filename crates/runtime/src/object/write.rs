//! The writing half: each property one call on a [`Writer`], which keeps the format's
//! first error and ignores the calls after it, so that the generated body is a straight
//! line of calls with no `?` (each `?` is a branch the compiler checks).

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use std::collections::BTreeMap;

/// A struct being written: as a struct, or as a map when it keeps unlisted properties
/// (as serde's derive writes a struct with a flattened field).
pub struct Writer<S: Serializer> {
    state: State<S>,
}

enum State<S: Serializer> {
    Struct(S::SerializeStruct),
    Map(S::SerializeMap),
    Failed(S::Error),
}

impl<S: Serializer> Writer<S> {
    /// `len`: how many properties will be written, or `None` for a map, whose unlisted
    /// properties are only counted as they are written.
    #[inline]
    pub fn new(serializer: S, name: &'static str, len: Option<usize>) -> Self {
        let state = match len {
            Some(len) => serializer.serialize_struct(name, len).map(State::Struct),
            None => serializer.serialize_map(None).map(State::Map),
        };
        Writer {
            state: state.unwrap_or_else(State::Failed),
        }
    }

    /// A property that is always written (`null` when it is a `None`).
    #[inline]
    pub fn field<T: ?Sized + Serialize>(&mut self, name: &'static str, value: &T) {
        let written = match &mut self.state {
            State::Struct(object) => object.serialize_field(name, value),
            State::Map(object) => object.serialize_entry(name, value),
            State::Failed(_) => return,
        };
        self.keep(written);
    }

    /// A property left out when it is `None` (serde's `skip_serializing_if`), written
    /// whole (`Some(..)`) otherwise.
    #[inline]
    pub fn optional<T: Serialize>(&mut self, name: &'static str, value: &Option<T>) {
        if value.is_some() {
            return self.field(name, value);
        }
        if let State::Struct(object) = &mut self.state {
            let skipped = object.skip_field(name);
            self.keep(skipped);
        }
    }

    /// The unlisted properties, after the listed ones.
    pub fn unlisted<T: Serialize>(&mut self, rest: &BTreeMap<String, T>) {
        for (name, value) in rest {
            let written = match &mut self.state {
                State::Map(object) => object.serialize_entry(name, value),
                State::Struct(_) | State::Failed(_) => return,
            };
            self.keep(written);
        }
    }

    #[inline]
    pub fn end(self) -> Result<S::Ok, S::Error> {
        match self.state {
            State::Struct(object) => object.end(),
            State::Map(object) => object.end(),
            State::Failed(error) => Err(error),
        }
    }

    fn keep(&mut self, written: Result<(), S::Error>) {
        if let Err(error) = written {
            self.state = State::Failed(error);
        }
    }
}

/// 1 when an optional property will be written, for the count a struct starts with.
#[inline]
pub fn present<T>(value: &Option<T>) -> usize {
    usize::from(value.is_some())
}

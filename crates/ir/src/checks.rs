//! What a value must satisfy beyond its type: the schema's validation keywords.
//!
//! A type says what shape a value has (`i64`, `Vec<String>`); the keywords here say
//! which values of that shape are allowed (`minimum: 1`, `maxItems: 10`). The backends
//! turn them into plain code, so that a generated server refuses what the spec does not
//! allow without interpreting a schema at run time.

use serde::Serialize;

/// The checks on one use of a type: the rules on the value itself, and on what it holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Checks {
    pub rules: Vec<Rule>,
    /// Checks on each item, when the value is an array.
    pub items: Option<Box<Checks>>,
    /// Checks on each value, when the value is a map.
    pub values: Option<Box<Checks>>,
}

impl Checks {
    /// Whether there is nothing to check, here or inside.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
            && self.items.as_ref().is_none_or(|c| c.is_empty())
            && self.values.as_ref().is_none_or(|c| c.is_empty())
    }
}

/// One validation keyword.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Rule {
    /// `minimum` (with `exclusiveMinimum`).
    Minimum(Bound),
    /// `maximum` (with `exclusiveMaximum`).
    Maximum(Bound),
    /// `multipleOf`.
    MultipleOf(Number),
    /// `minLength`, in Unicode scalar values (JSON Schema counts code points).
    MinLength(u64),
    /// `maxLength`.
    MaxLength(u64),
    /// `pattern`: a regular expression the value must contain a match of (it is not
    /// anchored). Only patterns Rust's `regex` accepts are here; ingest warns about the
    /// others and leaves them out.
    Pattern(String),
    /// `minItems`.
    MinItems(u64),
    /// `maxItems`.
    MaxItems(u64),
    /// `uniqueItems: true`.
    UniqueItems,
    /// `minProperties`.
    MinProperties(u64),
    /// `maxProperties`.
    MaxProperties(u64),
    /// A `format` the Rust type does not already enforce.
    Format(Format),
}

impl Rule {
    /// The keyword as the spec writes it, for error messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            Rule::Minimum(_) => "minimum",
            Rule::Maximum(_) => "maximum",
            Rule::MultipleOf(_) => "multipleOf",
            Rule::MinLength(_) => "minLength",
            Rule::MaxLength(_) => "maxLength",
            Rule::Pattern(_) => "pattern",
            Rule::MinItems(_) => "minItems",
            Rule::MaxItems(_) => "maxItems",
            Rule::UniqueItems => "uniqueItems",
            Rule::MinProperties(_) => "minProperties",
            Rule::MaxProperties(_) => "maxProperties",
            Rule::Format(_) => "format",
        }
    }
}

/// A limit of `minimum` or `maximum`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bound {
    pub value: Number,
    /// The limit itself is not allowed (`exclusiveMinimum` / `exclusiveMaximum`).
    pub exclusive: bool,
}

/// A number from the spec, kept as an integer when it was one so that limits on 64-bit
/// integers stay exact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Number {
    Int(i64),
    Float(f64),
}

/// The string formats that are checked; `date-time`, `date`, `uuid` and `byte` are not
/// here because their Rust types refuse a bad value when it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    /// `email`: an addr-spec's shape (one `@`, a non-empty local part and domain).
    Email,
    /// `uri`: an absolute URI (RFC 3986: a scheme, then `:`).
    Uri,
    /// `hostname`: RFC 1123 labels.
    Hostname,
    /// `ipv4`: dotted decimal.
    Ipv4,
    /// `ipv6`: RFC 4291 text.
    Ipv6,
}

impl Format {
    /// The format's name in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Format::Email => "email",
            Format::Uri => "uri",
            Format::Hostname => "hostname",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
        }
    }

    /// The format a spec names, when it is one that is checked.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "email" => Format::Email,
            "uri" => Format::Uri,
            "hostname" => Format::Hostname,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            _ => return None,
        })
    }
}

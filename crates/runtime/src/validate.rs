//! The checks generated code runs on a request: what a schema allows beyond its type.
//!
//! A type already refuses a value of the wrong shape when it is read. The rest of a
//! schema (`minimum`, `maxLength`, `pattern`, `uniqueItems`, …) is generated as plain
//! calls to [`Check`]'s methods, one per keyword, inside an `impl` [`Validate`] for each
//! type that has any: no schema is interpreted at run time. Every violation is kept
//! (up to [`Check::KEPT`]) with where it is and which keyword it breaks, so that one
//! answer tells a client all that is wrong:
//!
//! ```
//! use pushgen_runtime::validate::{Check, Pointer, Validate};
//!
//! struct Order {
//!     quantity: i64,
//!     note: String,
//! }
//!
//! impl Validate for Order {
//!     fn validate(&self, at: Pointer<'_>, check: &mut Check) {
//!         check.minimum(at.field("quantity"), self.quantity, 1i64);
//!         check.max_length(at.field("note"), &self.note, 10);
//!     }
//! }
//!
//! let mut check = Check::new();
//! let order = Order { quantity: 0, note: "leave it at the door".into() };
//! order.validate(Pointer::body(), &mut check);
//! let errors = check.finish().unwrap_err();
//! assert_eq!(errors.len(), 2);
//! assert_eq!(errors.violations()[0].pointer, "/quantity");
//! assert_eq!(errors.violations()[0].rule, "minimum");
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

/// A value that can say how it breaks its schema's rules.
pub trait Validate {
    /// Records in `check` every rule `self` breaks; `at` is where `self` is.
    fn validate(&self, at: Pointer<'_>, check: &mut Check);
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, at: Pointer<'_>, check: &mut Check) {
        if let Some(value) = self {
            value.validate(at, check);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, at: Pointer<'_>, check: &mut Check) {
        (**self).validate(at, check);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, at: Pointer<'_>, check: &mut Check) {
        for (index, item) in self.iter().enumerate() {
            item.validate(at.index(index), check);
        }
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate(&self, at: Pointer<'_>, check: &mut Check) {
        for (key, value) in self {
            value.validate(at.key(key), check);
        }
    }
}

/// Where a value is in a request: the body or a parameter, and a JSON pointer inside
/// it. It is a chain on the stack, so nothing is allocated unless a rule is broken.
#[derive(Debug, Clone, Copy)]
pub struct Pointer<'a> {
    parent: Option<&'a Pointer<'a>>,
    step: Step<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Root(Place),
    Field(&'a str),
    Index(usize),
}

/// The part of a request a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Body,
    /// A parameter: where (`path`, `query`, `header`, `cookie`) and its name.
    Parameter {
        location: &'static str,
        name: &'static str,
    },
}

impl<'a> Pointer<'a> {
    /// The request body.
    pub const fn body() -> Pointer<'static> {
        Pointer {
            parent: None,
            step: Step::Root(Place::Body),
        }
    }

    /// The parameter `name` in `location` (`path`, `query`, `header` or `cookie`).
    pub const fn parameter(location: &'static str, name: &'static str) -> Pointer<'static> {
        Pointer {
            parent: None,
            step: Step::Root(Place::Parameter { location, name }),
        }
    }

    /// The property `name` of the object here.
    pub fn field(&'a self, name: &'a str) -> Pointer<'a> {
        Pointer {
            parent: Some(self),
            step: Step::Field(name),
        }
    }

    /// The item `index` of the array here.
    pub fn index(&'a self, index: usize) -> Pointer<'a> {
        Pointer {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    /// The value under `key` of the map here.
    pub fn key(&'a self, key: &'a str) -> Pointer<'a> {
        self.field(key)
    }

    fn place(&self) -> Place {
        match (self.step, self.parent) {
            (Step::Root(place), _) => place,
            (_, Some(parent)) => parent.place(),
            (_, None) => Place::Body,
        }
    }

    /// The JSON pointer (RFC 6901) inside the place: `""` for the whole of it.
    fn json_pointer(&self) -> String {
        let mut steps = Vec::new();
        let mut at = Some(self);
        while let Some(pointer) = at {
            steps.push(pointer.step);
            at = pointer.parent;
        }
        let mut out = String::new();
        for step in steps.iter().rev() {
            match step {
                Step::Root(_) => {}
                Step::Field(name) => {
                    out.push('/');
                    for c in name.chars() {
                        match c {
                            '~' => out.push_str("~0"),
                            '/' => out.push_str("~1"),
                            c => out.push(c),
                        }
                    }
                }
                Step::Index(index) => {
                    out.push('/');
                    out.push_str(&index.to_string());
                }
            }
        }
        out
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub place: Place,
    /// Where in the body or parameter (RFC 6901; `""` for the whole value).
    pub pointer: String,
    /// The keyword broken, as the spec writes it (`maxLength`).
    pub rule: &'static str,
    /// What is wrong, in words.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Place::Body if self.pointer.is_empty() => write!(f, "the body")?,
            Place::Body => write!(f, "body #{}", self.pointer)?,
            Place::Parameter { location, name } => {
                write!(f, "{location} parameter `{name}`")?;
                if !self.pointer.is_empty() {
                    write!(f, " #{}", self.pointer)?;
                }
            }
        }
        write!(f, " {} ({})", self.detail, self.rule)
    }
}

/// Every rule a request broke: what [`Check::finish`] returns when it broke any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations {
    kept: Vec<Violation>,
    total: usize,
}

impl Violations {
    /// How many rules were broken, counting those past [`Check::KEPT`].
    pub fn len(&self) -> usize {
        self.total
    }

    /// Always false: there is at least one violation.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The violations kept, in the order they were found.
    pub fn violations(&self) -> &[Violation] {
        &self.kept
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.kept.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{violation}")?;
        }
        if self.total > self.kept.len() {
            write!(f, "; and {} more", self.total - self.kept.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// A number a rule compares: integers stay exact, the rest are compared as `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            Number::Int(n) => n as f64,
            Number::Float(n) => n,
        }
    }

    fn compare(self, other: Number) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Float(n) => write!(f, "{n}"),
        }
    }
}

macro_rules! numbers {
    ($($ty:ty => $variant:ident),*) => {
        $(impl From<$ty> for Number {
            fn from(value: $ty) -> Self {
                Number::$variant(value.into())
            }
        })*
    };
}
numbers!(i32 => Int, i64 => Int, u32 => Int, f32 => Float, f64 => Float);

/// A `pattern`, compiled the first time it is used.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<regex::Regex>>,
}

impl Pattern {
    /// The pattern `source` (an ECMA-262 regular expression that Rust's `regex` reads:
    /// the generator leaves out the others, with a warning).
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `text` contains a match (JSON Schema's patterns are not anchored). A
    /// pattern that does not compile here, which the generator has ruled out, checks
    /// nothing rather than failing every request.
    fn found_in(&self, text: &str) -> bool {
        let compiled = self.compiled.get_or_init(|| match regex::Regex::new(self.source) {
            Ok(regex) => Some(regex),
            Err(error) => {
                tracing::warn!(pattern = self.source, %error, "a pattern does not compile; it is not checked");
                None
            }
        });
        compiled.as_ref().is_none_or(|regex| regex.is_match(text))
    }
}

/// A string `format` that its Rust type does not already enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Email,
    Uri,
    Hostname,
    Ipv4,
    Ipv6,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Email => "email",
            Format::Uri => "uri",
            Format::Hostname => "hostname",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
        }
    }

    fn holds(self, text: &str) -> bool {
        match self {
            Format::Email => is_email(text),
            Format::Uri => is_absolute_uri(text),
            Format::Hostname => is_hostname(text),
            Format::Ipv4 => text.parse::<std::net::Ipv4Addr>().is_ok(),
            Format::Ipv6 => text.parse::<std::net::Ipv6Addr>().is_ok(),
        }
    }
}

/// Collects the violations of one request.
#[derive(Debug, Default)]
pub struct Check {
    kept: Vec<Violation>,
    total: usize,
}

impl Check {
    /// How many violations are kept with their details: a hostile body can break a rule
    /// in each of a million items, and the answer stays small.
    pub const KEPT: usize = 32;

    pub fn new() -> Self {
        Check::default()
    }

    /// `Ok` when no rule was broken.
    pub fn finish(self) -> Result<(), Violations> {
        if self.total == 0 {
            Ok(())
        } else {
            Err(Violations {
                kept: self.kept,
                total: self.total,
            })
        }
    }

    /// Records a broken rule; `detail` is only written for the ones kept.
    pub fn fail(&mut self, at: Pointer<'_>, rule: &'static str, detail: impl FnOnce() -> String) {
        self.total += 1;
        if self.kept.len() < Self::KEPT {
            self.kept.push(Violation {
                place: at.place(),
                pointer: at.json_pointer(),
                rule,
                detail: detail(),
            });
        }
    }

    /// `minimum`: `value >= limit`.
    pub fn minimum(&mut self, at: Pointer<'_>, value: impl Into<Number>, limit: impl Into<Number>) {
        let (value, limit) = (value.into(), limit.into());
        if value.compare(limit).is_none_or(|o| o.is_lt()) {
            self.fail(at, "minimum", || format!("is {value}, less than {limit}"));
        }
    }

    /// `minimum` with `exclusiveMinimum`: `value > limit`.
    pub fn exclusive_minimum(
        &mut self,
        at: Pointer<'_>,
        value: impl Into<Number>,
        limit: impl Into<Number>,
    ) {
        let (value, limit) = (value.into(), limit.into());
        if value.compare(limit).is_none_or(|o| o.is_le()) {
            self.fail(at, "exclusiveMinimum", || {
                format!("is {value}; it must be greater than {limit}")
            });
        }
    }

    /// `maximum`: `value <= limit`.
    pub fn maximum(&mut self, at: Pointer<'_>, value: impl Into<Number>, limit: impl Into<Number>) {
        let (value, limit) = (value.into(), limit.into());
        if value.compare(limit).is_none_or(|o| o.is_gt()) {
            self.fail(at, "maximum", || format!("is {value}, more than {limit}"));
        }
    }

    /// `maximum` with `exclusiveMaximum`: `value < limit`.
    pub fn exclusive_maximum(
        &mut self,
        at: Pointer<'_>,
        value: impl Into<Number>,
        limit: impl Into<Number>,
    ) {
        let (value, limit) = (value.into(), limit.into());
        if value.compare(limit).is_none_or(|o| o.is_ge()) {
            self.fail(at, "exclusiveMaximum", || {
                format!("is {value}; it must be less than {limit}")
            });
        }
    }

    /// `multipleOf`: `value / divisor` is a whole number (to within rounding, for
    /// numbers that are not integers).
    pub fn multiple_of(
        &mut self,
        at: Pointer<'_>,
        value: impl Into<Number>,
        divisor: impl Into<Number>,
    ) {
        let (value, divisor) = (value.into(), divisor.into());
        let holds = match (value, divisor) {
            (Number::Int(v), Number::Int(d)) if d != 0 => v % d == 0,
            (v, d) => {
                let quotient = v.as_f64() / d.as_f64();
                let nearest = quotient.round();
                // Within rounding of a whole quotient; but a value short of one divisor
                // is a multiple only if it is zero (`5e-324` is not one of `0.01`).
                quotient.is_finite()
                    && (nearest != 0.0 || v.as_f64() == 0.0)
                    && (quotient - nearest).abs() <= 4.0 * f64::EPSILON * quotient.abs().max(1.0)
            }
        };
        if !holds {
            self.fail(at, "multipleOf", || {
                format!("is {value}, not a multiple of {divisor}")
            });
        }
    }

    /// `minLength`, counted in characters (Unicode scalar values) as JSON Schema does.
    pub fn min_length(&mut self, at: Pointer<'_>, value: &str, min: usize) {
        // A character is at least one byte: a short byte length settles it.
        if value.len() < min || (value.len() < min * 4 && value.chars().count() < min) {
            let count = value.chars().count();
            self.fail(at, "minLength", || {
                format!("is {count} characters long, fewer than {min}")
            });
        }
    }

    /// `maxLength`, counted in characters.
    pub fn max_length(&mut self, at: Pointer<'_>, value: &str, max: usize) {
        if value.len() > max && value.chars().count() > max {
            let count = value.chars().count();
            self.fail(at, "maxLength", || {
                format!("is {count} characters long, more than {max}")
            });
        }
    }

    /// `pattern`: the value contains a match.
    pub fn pattern(&mut self, at: Pointer<'_>, value: &str, pattern: &Pattern) {
        if !pattern.found_in(value) {
            self.fail(at, "pattern", || {
                format!("does not match the pattern `{}`", pattern.source)
            });
        }
    }

    /// `format`, for the formats whose type does not enforce them.
    pub fn format(&mut self, at: Pointer<'_>, value: &str, format: Format) {
        if !format.holds(value) {
            self.fail(at, "format", || {
                format!("is not a valid `{}`", format.name())
            });
        }
    }

    /// `minItems`.
    pub fn min_items<T>(&mut self, at: Pointer<'_>, items: &[T], min: usize) {
        if items.len() < min {
            let count = items.len();
            self.fail(at, "minItems", || {
                format!("has {count} items, fewer than {min}")
            });
        }
    }

    /// `maxItems`.
    pub fn max_items<T>(&mut self, at: Pointer<'_>, items: &[T], max: usize) {
        if items.len() > max {
            let count = items.len();
            self.fail(at, "maxItems", || {
                format!("has {count} items, more than {max}")
            });
        }
    }

    /// `uniqueItems: true`. Items are compared as the JSON they are written as, through
    /// a hash set: linear, where comparing every pair of a long hostile array would not be.
    pub fn unique_items<T: serde::Serialize>(&mut self, at: Pointer<'_>, items: &[T]) {
        let mut seen = HashSet::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let Ok(json) = serde_json::to_string(item) else {
                continue;
            };
            if !seen.insert(json) {
                self.fail(at, "uniqueItems", || {
                    format!("repeats an earlier item at index {index}")
                });
                return;
            }
        }
    }

    /// `minProperties`; `count` is how many properties the object has.
    pub fn min_properties(&mut self, at: Pointer<'_>, count: usize, min: usize) {
        if count < min {
            self.fail(at, "minProperties", || {
                format!("has {count} properties, fewer than {min}")
            });
        }
    }

    /// `maxProperties`.
    pub fn max_properties(&mut self, at: Pointer<'_>, count: usize, max: usize) {
        if count > max {
            self.fail(at, "maxProperties", || {
                format!("has {count} properties, more than {max}")
            });
        }
    }

    /// `enum`: a value the spec does not list (an enum's `Unknown`).
    pub fn not_listed<V: fmt::Display, L: fmt::Display>(
        &mut self,
        at: Pointer<'_>,
        value: V,
        listed: &[L],
    ) {
        self.fail(at, "enum", || {
            let listed: Vec<String> = listed.iter().map(|v| format!("`{v}`")).collect();
            format!("is `{value}`, not one of {}", listed.join(", "))
        });
    }

    /// A union (`oneOf` / `anyOf`) whose discriminator names no variant the spec lists.
    pub fn unknown_variant(&mut self, at: Pointer<'_>, rule: &'static str) {
        self.fail(at, rule, || {
            "is not any of the kinds the spec lists".to_string()
        });
    }
}

/// The shape of an RFC 5322 addr-spec: a local part and a domain around one `@`, no
/// spaces. Deliverability is not a schema's to say.
fn is_email(text: &str) -> bool {
    match text.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !text.chars().any(|c| c.is_whitespace() || c.is_control())
                && (is_hostname(domain) || (domain.starts_with('[') && domain.ends_with(']')))
        }
        None => false,
    }
}

/// An absolute URI (RFC 3986, section 4.3): a scheme, `:`, and no spaces.
fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens,
/// each 1 to 63 characters, 253 in all.
fn is_hostname(text: &str) -> bool {
    let text = text.strip_suffix('.').unwrap_or(text);
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broken(run: impl FnOnce(&mut Check)) -> Vec<Violation> {
        let mut check = Check::new();
        run(&mut check);
        check.finish().err().map(|v| v.kept).unwrap_or_default()
    }

    #[test]
    fn bounds_hold_at_the_limit_unless_exclusive() {
        let at = Pointer::body();
        assert!(broken(|c| c.minimum(at, 5i64, 5i64)).is_empty());
        assert_eq!(broken(|c| c.exclusive_minimum(at, 5i64, 5i64)).len(), 1);
        assert!(broken(|c| c.maximum(at, 5.0f64, 5i64)).is_empty());
        assert_eq!(broken(|c| c.exclusive_maximum(at, 5.0f64, 5i64)).len(), 1);
        assert_eq!(broken(|c| c.minimum(at, i64::MIN, i64::MIN + 1)).len(), 1);
        // NaN is below, above and beside every limit.
        assert_eq!(broken(|c| c.minimum(at, f64::NAN, 0i64)).len(), 1);
        assert_eq!(broken(|c| c.maximum(at, f64::NAN, 0i64)).len(), 1);
    }

    #[test]
    fn multiples_allow_for_rounding() {
        let at = Pointer::body();
        assert!(broken(|c| c.multiple_of(at, 0.3f64, 0.1f64)).is_empty());
        assert!(broken(|c| c.multiple_of(at, 12i64, 4i64)).is_empty());
        assert_eq!(broken(|c| c.multiple_of(at, 13i64, 4i64)).len(), 1);
        assert_eq!(broken(|c| c.multiple_of(at, 0.35f64, 0.1f64)).len(), 1);
        assert_eq!(broken(|c| c.multiple_of(at, 5e-324f64, 0.01f64)).len(), 1);
        assert!(broken(|c| c.multiple_of(at, 0.0f64, 0.01f64)).is_empty());
        assert!(broken(|c| c.multiple_of(at, -0.03f64, 0.01f64)).is_empty());
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let at = Pointer::body();
        assert!(broken(|c| c.max_length(at, "ééé", 3)).is_empty());
        assert_eq!(broken(|c| c.max_length(at, "éééé", 3)).len(), 1);
        assert!(broken(|c| c.min_length(at, "éé", 2)).is_empty());
        assert_eq!(broken(|c| c.min_length(at, "é", 2)).len(), 1);
    }

    #[test]
    fn patterns_are_searched_not_anchored() {
        static DIGITS: Pattern = Pattern::new("[0-9]+");
        static ANCHORED: Pattern = Pattern::new("^[a-z]+$");
        let at = Pointer::body();
        assert!(broken(|c| c.pattern(at, "abc123", &DIGITS)).is_empty());
        assert_eq!(broken(|c| c.pattern(at, "abc", &DIGITS)).len(), 1);
        assert_eq!(broken(|c| c.pattern(at, "abc1", &ANCHORED)).len(), 1);
    }

    #[test]
    fn a_pattern_that_does_not_compile_checks_nothing() {
        static LOOKAHEAD: Pattern = Pattern::new("(?=a)");
        assert!(broken(|c| c.pattern(Pointer::body(), "b", &LOOKAHEAD)).is_empty());
    }

    #[test]
    fn unique_items_finds_a_repeat_in_linear_time() {
        let at = Pointer::body();
        let many: Vec<i64> = (0..200_000).chain([7]).collect();
        let found = broken(|c| c.unique_items(at, &many));
        assert_eq!(found.len(), 1);
        assert!(found[0].detail.contains("200000"), "{}", found[0].detail);
        assert!(broken(|c| c.unique_items(at, &[1, 2, 3])).is_empty());
    }

    #[test]
    fn pointers_name_the_place_and_escape_tokens() {
        let body = Pointer::body();
        let items = body.field("a/b~c");
        let item = items.index(3);
        let found = broken(|c| c.max_length(item.field("name"), "long", 1));
        assert_eq!(found[0].pointer, "/a~1b~0c/3/name");
        assert_eq!(found[0].place, Place::Body);
        let query = Pointer::parameter("query", "limit");
        let found = broken(|c| c.maximum(query, 500i64, 100i64));
        assert_eq!(found[0].pointer, "");
        assert_eq!(
            found[0].to_string(),
            "query parameter `limit` is 500, more than 100 (maximum)"
        );
    }

    #[test]
    fn only_so_many_violations_are_kept() {
        let mut check = Check::new();
        for i in 0..1000i64 {
            check.minimum(Pointer::body(), i, 5000i64);
        }
        let violations = check.finish().unwrap_err();
        assert_eq!(violations.len(), 1000);
        assert_eq!(violations.violations().len(), Check::KEPT);
        assert!(violations.to_string().ends_with("and 968 more"));
    }

    #[test]
    fn formats_that_types_do_not_enforce() {
        let at = Pointer::body();
        for (format, good, bad) in [
            (Format::Email, "a@example.com", "example.com"),
            (Format::Uri, "https://example.com/x", "/relative"),
            (Format::Hostname, "api.example.com", "-bad-.com"),
            (Format::Ipv4, "127.0.0.1", "256.0.0.1"),
            (Format::Ipv6, "::1", "::g"),
        ] {
            assert!(broken(|c| c.format(at, good, format)).is_empty(), "{good}");
            assert_eq!(broken(|c| c.format(at, bad, format)).len(), 1, "{bad}");
        }
    }
}

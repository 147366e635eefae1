//! Path templates in the OpenAPI style: literal text with `{name}` variables, such as
//! `/consumers/{consumerId}/events/{offset}`.
//!
//! Clients [`expand`] a template into the path of a request; servers [`matches()`] a request
//! path against it. Variables are positional: their names only document the template.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};

/// What a value keeps unescaped: RFC 3986 `pchar` less `%`. Everything else is escaped so a
/// value stays inside its segment ('/'), out of the query and fragment ('?', '#') and
/// decodes back to itself ('%').
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Why a path cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// The number of values is not the number of variables in the template.
    Arity {
        /// Variables in the template.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// The braces of the template do not pair up into `{name}` variables: one is unclosed,
    /// unopened, nested or empty.
    Template,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Arity { expected, got } => write!(
                f,
                "path template has {expected} variables but {got} values were given"
            ),
            PathError::Template => f.write_str("path template has unbalanced braces"),
        }
    }
}

impl std::error::Error for PathError {}

/// `value` percent-encoded as one path segment (see [`expand`]), in pieces.
pub(crate) fn encode_segment(value: &str) -> impl Iterator<Item = &str> {
    utf8_percent_encode(value, SEGMENT)
}

/// Expands a template, replacing `{name}` variables in order with `values` (as many as
/// there are variables), each percent-encoded as a path segment: everything is encoded
/// except the unreserved characters `A-Z a-z 0-9 - . _ ~`, the sub-delims
/// `! $ & ' ( ) * + , ; =` and `:` `@`. In particular '/', '?', '#', '%', space and
/// non-ASCII are encoded. Literal text is copied as it is.
///
/// An empty value is allowed and expands to nothing, but [`matches()`] will not match the
/// result, since a variable there takes at least one character.
///
/// Returns [`PathError::Arity`] if the count differs, [`PathError::Template`] if braces are
/// unbalanced.
pub fn expand(template: &str, values: &[&str]) -> Result<String, PathError> {
    // Two passes over the template, the first only to check it, so that expanding (once
    // per push) allocates nothing but the path.
    let expected = pieces(template).try_fold(0, |count, piece| {
        Ok::<_, PathError>(count + usize::from(matches!(piece?, Piece::Variable)))
    })?;
    if expected != values.len() {
        return Err(PathError::Arity {
            expected,
            got: values.len(),
        });
    }
    let mut path =
        String::with_capacity(template.len() + values.iter().map(|v| v.len()).sum::<usize>());
    let mut values = values.iter();
    for piece in pieces(template) {
        match piece? {
            Piece::Literal(text) => path.push_str(text),
            Piece::Variable => {
                if let Some(value) = values.next() {
                    path.extend(utf8_percent_encode(value, SEGMENT));
                }
            }
        }
    }
    Ok(path)
}

/// The names of a template's variables, in order (a name used twice is listed twice);
/// `None` if braces are unbalanced.
pub fn variables(template: &str) -> Option<Vec<&str>> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if rest[..open].contains('}') {
            return None;
        }
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if name.contains('{') {
            return None;
        }
        names.push(name);
        rest = &after[close + 1..];
    }
    (!rest.contains('}')).then_some(names)
}

/// Matches a concrete path against a template; returns the percent-decoded values of the
/// variables in order, or `None` if it does not match (or the template is malformed).
///
/// A variable matches one or more characters up to the next literal text of the template,
/// never a '/'. Literal text must match exactly, byte for byte. When more than one split
/// fits (`{a}.{b}` against `x.y.z`), earlier variables take as much as they can (`x.y`
/// and `z`), but a variable never ends inside a character, whether raw or
/// percent-encoded. A value whose percent-decoding is not UTF-8 does not match.
///
/// Because a variable takes at least one character, the expansion of an empty value does
/// not match: `expand` → `matches` round-trips every value except `""`.
pub fn matches(template: &str, path: &str) -> Option<Vec<String>> {
    let values = matches_borrowed(template, path)?;
    Some(values.into_iter().map(Cow::into_owned).collect())
}

/// [`matches()`], with the values that need no decoding borrowed from `path`.
pub(crate) fn matches_borrowed<'a>(template: &str, path: &'a str) -> Option<Vec<Cow<'a, str>>> {
    match match_segments(template, path) {
        Some(matched) => matched,
        None => Some(
            search(template, path)?
                .into_iter()
                .map(Cow::Owned)
                .collect(),
        ),
    }
}

/// [`matches`] for any template.
fn search(template: &str, path: &str) -> Option<Vec<String>> {
    let parts = parse(template).ok()?;
    let path = path.as_bytes();
    let cuts: Vec<bool> = (0..=path.len()).map(|pos| is_cut(path, pos)).collect();

    // rows[i][pos] tells whether parts[i..] match path[pos..]. Built from the last part
    // back, each row from the one after it, so matching is linear in the path for each
    // part where trying splits one by one could be quadratic or worse.
    let mut rows = Vec::with_capacity(parts.len() + 1);
    let mut end = vec![false; path.len() + 1];
    if let Some(at_end) = end.last_mut() {
        *at_end = true;
    }
    rows.push(end);
    for part in parts.iter().rev() {
        let next = rows.last()?;
        let row = match part {
            Piece::Literal(text) => literal_row(path, text.as_bytes(), next),
            Piece::Variable => variable_row(path, &cuts, next),
        };
        rows.push(row);
    }
    rows.reverse();
    if rows.first()?.first() != Some(&true) {
        return None;
    }

    let mut values = Vec::new();
    let mut pos = 0;
    for (part, next) in parts.iter().zip(rows.get(1..)?) {
        match part {
            Piece::Literal(text) => pos += text.len(),
            Piece::Variable => {
                let rest = path.get(pos..)?;
                let segment_end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
                let end = (1..=segment_end).rev().find(|&end| {
                    cuts.get(pos + end) == Some(&true) && next.get(pos + end) == Some(&true)
                })?;
                let value = percent_decode(rest.get(..end)?).decode_utf8().ok()?;
                values.push(value.into_owned());
                pos += end;
            }
        }
    }
    Some(values)
}

/// [`matches`] for templates whose variables are whole segments (`/jobs/{id}/log`), the
/// usual push path: one pass over both, allocating only the list of values (a value that
/// needs no percent-decoding is borrowed from `path`). `None` when the template has
/// another shape, and the general search must decide.
///
/// Why this agrees with the general search: a variable never spans a '/', so one that
/// fills a whole template segment takes exactly the path segment it lines up with. Every
/// literal byte before the first variable of another shape is then at a fixed place,
/// and a mismatch there is a mismatch for the search too. A malformed template matches
/// nothing either way.
fn match_segments<'a>(template: &str, path: &'a str) -> Option<Option<Vec<Cow<'a, str>>>> {
    let (t, p) = (template.as_bytes(), path.as_bytes());
    let mut values = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let Some(&byte) = t.get(i) {
        match byte {
            b'{' => {
                let close = i + 1 + t[i + 1..].iter().position(|&b| b == b'}' || b == b'{')?;
                let whole = t[close] == b'}'
                    && close > i + 1
                    && (i == 0 || t[i - 1] == b'/')
                    && t.get(close + 1).is_none_or(|&b| b == b'/');
                if !whole {
                    return None;
                }
                let rest = &p[j.min(p.len())..];
                let len = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
                if len == 0 {
                    return Some(None);
                }
                let Some(segment) = path.get(j..j + len) else {
                    return Some(None);
                };
                if segment.contains('%') {
                    match percent_decode(segment.as_bytes()).decode_utf8() {
                        Ok(value) => values.push(Cow::Owned(value.into_owned())),
                        Err(_) => return Some(None),
                    }
                } else {
                    values.push(Cow::Borrowed(segment));
                }
                i = close + 1;
                j += len;
            }
            b'}' => return None,
            _ => {
                // The literal up to the next brace, compared at once.
                let len = t[i..]
                    .iter()
                    .position(|&b| b == b'{' || b == b'}')
                    .unwrap_or(t.len() - i);
                let literal = &t[i..i + len];
                if p.get(j..j + len) != Some(literal) {
                    return Some(None);
                }
                i += len;
                j += len;
            }
        }
    }
    Some((j == p.len()).then_some(values))
}

fn literal_row(path: &[u8], text: &[u8], next: &[bool]) -> Vec<bool> {
    (0..=path.len())
        .map(|pos| {
            next.get(pos + text.len()) == Some(&true)
                && path.get(pos..).is_some_and(|rest| rest.starts_with(text))
        })
        .collect()
}

fn variable_row(path: &[u8], cuts: &[bool], next: &[bool]) -> Vec<bool> {
    let can_end = |end: usize| cuts.get(end) == Some(&true) && next.get(end) == Some(&true);
    let mut row = vec![false; path.len() + 1];
    // Scanning right to left, whether a variable starting left of the current position
    // can end somewhere between it and the end of its segment.
    let mut can_end_ahead = can_end(path.len());
    for (pos, &byte) in path.iter().enumerate().rev() {
        if byte == b'/' {
            can_end_ahead = can_end(pos);
        } else {
            if let Some(cell) = row.get_mut(pos) {
                *cell = can_end_ahead;
            }
            can_end_ahead |= can_end(pos);
        }
    }
    row
}

/// Whether a value may end (and the next part start) at `pos`: not inside a `%XX` escape,
/// and not before a UTF-8 continuation byte, raw or escaped, which would cut a character
/// in two.
fn is_cut(path: &[u8], pos: usize) -> bool {
    let escape = |at: usize| match path.get(at..) {
        Some([b'%', high, low, ..]) => Some(hex(*high)? << 4 | hex(*low)?),
        _ => None,
    };
    // A '%' is never a hex digit, so an escape found here is not itself inside another.
    let inside_escape = pos.checked_sub(1).and_then(escape).is_some()
        || pos.checked_sub(2).and_then(escape).is_some();
    let first = escape(pos).or_else(|| path.get(pos).copied());
    let continuation = first.is_some_and(|byte| byte & 0xC0 == 0x80);
    !inside_escape && !continuation
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// A piece of a template.
pub(crate) enum Piece<'a> {
    Literal(&'a str),
    Variable,
}

fn parse(template: &str) -> Result<Vec<Piece<'_>>, PathError> {
    pieces(template).collect()
}

/// The literal texts and variables of a template, in order; an error where its braces do
/// not balance.
pub(crate) fn pieces(template: &str) -> impl Iterator<Item = Result<Piece<'_>, PathError>> {
    let mut rest = Some(template);
    let mut pending_variable = false;
    std::iter::from_fn(move || {
        if pending_variable {
            pending_variable = false;
            return Some(Ok(Piece::Variable));
        }
        let current = rest?;
        if current.is_empty() {
            rest = None;
            return None;
        }
        // A byte scan: templates are short, and a set of chars is slow to search for.
        let brace = |text: &str| text.bytes().position(|b| b == b'{' || b == b'}');
        let Some(at) = brace(current) else {
            rest = None;
            return Some(Ok(Piece::Literal(current)));
        };
        let (literal, brace_on) = current.split_at(at);
        let variable = brace_on.strip_prefix('{').and_then(|name| {
            let close = brace(name)?;
            let (name, after) = name.split_at(close);
            let after = after.strip_prefix('}')?;
            (!name.is_empty()).then_some(after)
        });
        let Some(after) = variable else {
            rest = None;
            return Some(Err(PathError::Template));
        };
        rest = Some(after);
        if literal.is_empty() {
            Some(Ok(Piece::Variable))
        } else {
            pending_variable = true;
            Some(Ok(Piece::Literal(literal)))
        }
    })
}

#[cfg(test)]
mod variable_tests {
    use super::variables;

    #[test]
    fn names_in_order() {
        assert_eq!(variables("/a/{x}/{y}.json/{x}"), Some(vec!["x", "y", "x"]));
        assert_eq!(variables("/plain"), Some(vec![]));
        assert_eq!(variables("/a/{x"), None);
        assert_eq!(variables("/a/x}"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: &str = "/consumers/{consumerId}/events/{offset}";

    #[test]
    fn expands_variables_in_order() {
        assert_eq!(
            expand(EVENTS, &["c1", "42"]).unwrap(),
            "/consumers/c1/events/42"
        );
        assert_eq!(expand("/health", &[]).unwrap(), "/health");
        assert_eq!(expand("{a}", &["x"]).unwrap(), "x");
        assert_eq!(expand("/{a}{b}", &["x", "y"]).unwrap(), "/xy");
    }

    #[test]
    fn expand_encodes_all_but_pchar() {
        assert_eq!(
            expand("/x/{v}", &["a/b c%?#ü{}\"<>\\^`|[]"]).unwrap(),
            "/x/a%2Fb%20c%25%3F%23%C3%BC%7B%7D%22%3C%3E%5C%5E%60%7C%5B%5D"
        );
        let kept = "AZaz09-._~!$&'()*+,;=:@";
        assert_eq!(expand("/{v}", &[kept]).unwrap(), format!("/{kept}"));
        assert_eq!(expand("/{v}", &["\t\0"]).unwrap(), "/%09%00");
    }

    #[test]
    fn expand_checks_arity() {
        assert_eq!(
            expand(EVENTS, &["c1"]),
            Err(PathError::Arity {
                expected: 2,
                got: 1
            })
        );
        assert_eq!(
            expand("/health", &["x"]),
            Err(PathError::Arity {
                expected: 0,
                got: 1
            })
        );
    }

    #[test]
    fn malformed_templates_are_rejected() {
        for template in [
            "/a/{b", "/a/b}", "/a/}b{", "/{a{b}}", "/{}", "{", "}", "/{a}}",
        ] {
            assert_eq!(
                expand(template, &["x"]),
                Err(PathError::Template),
                "{template}"
            );
            assert_eq!(matches(template, "/a/x"), None, "{template}");
        }
    }

    #[test]
    fn matches_returns_decoded_values_in_order() {
        assert_eq!(
            matches(EVENTS, "/consumers/c1/events/42"),
            Some(vec!["c1".to_owned(), "42".to_owned()])
        );
        assert_eq!(matches("/health", "/health"), Some(vec![]));
        assert_eq!(
            matches("/x/{v}", "/x/a%20b%2fc"),
            Some(vec!["a b/c".to_owned()])
        );
    }

    #[test]
    fn mismatches() {
        for path in [
            "/consumer/c1/events/42",
            "/consumers/c1/events",
            "/consumers/c1/events/",
            "/consumers//events/42",
            "/consumers/c1/events/42/",
            "/consumers/c1/events/42/more",
            "/consumers/c/1/events/42",
            "consumers/c1/events/42",
            "",
        ] {
            assert_eq!(matches(EVENTS, path), None, "{path}");
        }
        assert_eq!(matches("/health", "/Health"), None);
        assert_eq!(matches("/health", "/health/"), None);
    }

    #[test]
    fn round_trips_awkward_values() {
        let values = [
            "a/b",
            "with space",
            "100%",
            "%2F",
            "grüße",
            "{x}",
            "}",
            "?q=1#f",
            "..",
            "😀",
            "+:@",
        ];
        for value in values {
            for other in values {
                let path = expand(EVENTS, &[value, other]).unwrap();
                assert_eq!(
                    matches(EVENTS, &path),
                    Some(vec![value.to_owned(), other.to_owned()]),
                    "{path}"
                );
            }
        }
    }

    #[test]
    fn variable_inside_a_segment() {
        let template = "/files/{name}.json";
        assert_eq!(
            matches(template, "/files/report.json"),
            Some(vec!["report".to_owned()])
        );
        // The value may itself contain the literal that follows it.
        for value in ["x.json", "a.b", ".json", "v1.2.json.json"] {
            let path = expand(template, &[value]).unwrap();
            assert_eq!(matches(template, &path), Some(vec![value.to_owned()]));
        }
        assert_eq!(matches(template, "/files/.json"), None);
        assert_eq!(matches(template, "/files/report.jsonx"), None);
        assert_eq!(matches(template, "/files/a/b.json"), None);
    }

    #[test]
    fn ambiguous_splits_favour_earlier_variables() {
        assert_eq!(
            matches("/{a}.{b}", "/x.y.z"),
            Some(vec!["x.y".to_owned(), "z".to_owned()])
        );
        assert_eq!(
            matches("/{a}{b}", "/xyz"),
            Some(vec!["xy".to_owned(), "z".to_owned()])
        );
        // Splits fall between characters, never inside one.
        assert_eq!(
            matches("/{a}{b}", "/üx"),
            Some(vec!["ü".to_owned(), "x".to_owned()])
        );
        assert_eq!(matches("/{a}{b}", "/ü"), None);
        // Splits that cut an escaped character in two are passed over.
        assert_eq!(
            matches("/{a}{b}", "/x%C3%BC"),
            Some(vec!["x".to_owned(), "ü".to_owned()])
        );
        assert_eq!(matches("/{a}{b}", "/%C3%BC"), None);
    }

    #[test]
    fn empty_values_expand_but_do_not_match() {
        let path = expand(EVENTS, &["", "1"]).unwrap();
        assert_eq!(path, "/consumers//events/1");
        assert_eq!(matches(EVENTS, &path), None);
    }

    #[test]
    fn invalid_utf8_is_no_match() {
        assert_eq!(matches("/x/{v}", "/x/%FF"), None);
        assert_eq!(matches("/x/{v}", "/x/%C3"), None);
        // Malformed escapes are kept as text rather than rejected.
        assert_eq!(matches("/x/{v}", "/x/%zz%"), Some(vec!["%zz%".to_owned()]));
    }

    #[test]
    fn whole_segment_templates_match_as_the_general_search_does() {
        let templates = [
            "/a/{x}",
            "/a/{x}/b/{y}",
            "/{x}",
            "/a/{x}/",
            "{x}",
            "/a//{x}",
            // Other shapes and malformed templates, which go to the search.
            "/a/{x}.json",
            "/a/{x}/b{y}",
            "/a/{x",
            "/a/}x",
            "/a/{}",
            "/a/{{x}}",
        ];
        let pieces = ["a", "b", "", "x y", "%2F", "%C3%A9", "%FF", "%", "é", "{x}"];
        for template in templates {
            for first in pieces {
                for second in pieces {
                    for path in [
                        format!("/a/{first}"),
                        format!("/a/{first}/b/{second}"),
                        format!("/a/{first}/{second}"),
                        format!("/{first}"),
                        first.to_string(),
                        format!("/a//{first}"),
                    ] {
                        assert_eq!(
                            matches(template, &path),
                            search(template, &path),
                            "{template} against {path}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn pathological_paths_stay_fast() {
        let template = "/{a}x{b}x{c}x{d}x{e}x{f}";
        let path = format!("/{}", "x".repeat(4000));
        assert_eq!(matches(template, &path).map(|v| v.len()), Some(6));
        let path = format!("/{}y", "x".repeat(4000));
        assert_eq!(matches("/{a}x{b}x{c}x{d}x{e}x{f}z", &path), None);
    }

    #[test]
    fn errors_display() {
        assert_eq!(
            PathError::Arity {
                expected: 2,
                got: 1
            }
            .to_string(),
            "path template has 2 variables but 1 values were given"
        );
        let error: Box<dyn std::error::Error> = Box::new(PathError::Template);
        assert_eq!(error.to_string(), "path template has unbalanced braces");
    }
}

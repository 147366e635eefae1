//! The files of `templates/sdk/` (built in, or from a directory given with
//! `--templates`), and filling in their `{{name}}` placeholders.

use crate::Error;
use std::collections::BTreeMap;
use std::path::Path;

/// The templates an SDK is made from, by file name.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../../../templates/sdk/Cargo.toml"),
    ),
    (
        "README.md",
        include_str!("../../../../templates/sdk/README.md"),
    ),
];

/// The templates, with those in `dir` (if given) in place of the built-in ones of the
/// same name. A directory must hold at least one of them: a typo should not silently
/// fall back to the defaults.
pub fn load(dir: Option<&Path>) -> Result<BTreeMap<&'static str, String>, Error> {
    let mut templates: BTreeMap<&'static str, String> = BUILT_IN
        .iter()
        .map(|(name, text)| (*name, text.to_string()))
        .collect();
    let Some(dir) = dir else {
        return Ok(templates);
    };
    if !dir.is_dir() {
        return Err(Error::Config(format!(
            "--templates {}: not a directory",
            dir.display()
        )));
    }
    let mut found = 0;
    for (name, text) in templates.iter_mut() {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(own) => {
                *text = own;
                found += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(Error::Read { path, source }),
        }
    }
    if found == 0 {
        let names: Vec<&str> = BUILT_IN.iter().map(|(name, _)| *name).collect();
        return Err(Error::Config(format!(
            "--templates {}: holds none of the templates ({})",
            dir.display(),
            names.join(", ")
        )));
    }
    Ok(templates)
}

/// Fills in `{{key}}` from `values`; `{{! text }}` is a comment, left out. A placeholder
/// with no value, or one left open, is an error naming the template, so an edited
/// template fails loudly.
pub fn fill(name: &str, template: &str, values: &BTreeMap<&str, String>) -> Result<String, Error> {
    let mut out = String::with_capacity(template.len() * 2);
    // A comment that stood alone on its line takes the line with it.
    let mut after_comment = false;
    for piece in pieces(template) {
        match piece {
            Piece::Text(text) => {
                let alone = out.is_empty() || out.ends_with('\n');
                let text = match text.strip_prefix('\n') {
                    Some(rest) if after_comment && alone => rest,
                    _ => text,
                };
                out.push_str(text);
                after_comment = false;
            }
            Piece::Comment => after_comment = true,
            Piece::Placeholder(key) => {
                let Some(value) = values.get(key) else {
                    let known: Vec<&str> = values.keys().copied().collect();
                    return Err(Error::Config(format!(
                        "template {name}: no value for `{{{{{key}}}}}` (there are: {})",
                        known.join(", ")
                    )));
                };
                out.push_str(value);
                after_comment = false;
            }
            Piece::Unclosed => {
                return Err(Error::Config(format!(
                    "template {name}: a `{{{{` is not closed"
                )));
            }
        }
    }
    Ok(out)
}

/// Whether `template` has the placeholder `{{key}}` (comments aside).
pub fn has_placeholder(template: &str, key: &str) -> bool {
    pieces(template).any(|piece| piece == Piece::Placeholder(key))
}

/// A stretch of a template.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    /// `{{ key }}`: the key, trimmed.
    Placeholder(&'a str),
    /// `{{! text }}`.
    Comment,
    /// A `{{` with no `}}` after it; the last piece.
    Unclosed,
}

/// The pieces of `template`, in order.
fn pieces(template: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = Some(template);
    std::iter::from_fn(move || {
        let text = rest?;
        if text.is_empty() {
            rest = None;
            return None;
        }
        let Some(start) = text.find("{{") else {
            rest = None;
            return Some(Piece::Text(text));
        };
        if start > 0 {
            rest = Some(&text[start..]);
            return Some(Piece::Text(&text[..start]));
        }
        let after = &text[2..];
        let Some(end) = after.find("}}") else {
            rest = None;
            return Some(Piece::Unclosed);
        };
        rest = Some(&after[end + 2..]);
        let key = after[..end].trim();
        Some(if key.starts_with('!') {
            Piece::Comment
        } else {
            Piece::Placeholder(key)
        })
    })
}

/// `value` as a TOML basic string, quotes included.
pub fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_mistakes_named() {
        let values = BTreeMap::from([("name", "pets".to_string())]);
        assert_eq!(
            fill("t", "a {{name}} b {{ name }}", &values).unwrap(),
            "a pets b pets"
        );
        let commented = "{{! about\n  this }}\nx {{!y}}z\n{{! last }}\n";
        assert_eq!(fill("t", commented, &values).unwrap(), "x z\n");
        let missing = fill("t", "{{nme}}", &values).unwrap_err().to_string();
        assert_eq!(
            missing,
            "template t: no value for `{{nme}}` (there are: name)"
        );
        let open = fill("t", "{{name", &values).unwrap_err().to_string();
        assert_eq!(open, "template t: a `{{` is not closed");
    }

    #[test]
    fn placeholders_are_found_outside_comments() {
        let template = "{{! tag_features }}\na = [{{ default_tags }}]\n";
        assert!(has_placeholder(template, "default_tags"));
        assert!(!has_placeholder(template, "tag_features"));
        assert!(has_placeholder(BUILT_IN[0].1, "tag_features"));
    }

    #[test]
    fn toml_strings_escape_what_they_must() {
        assert_eq!(toml_string("a \"b\"\\\n\u{1}"), r#""a \"b\"\\\n\u0001""#);
    }
}

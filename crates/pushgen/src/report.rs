//! How a failed run tells the user why: plain lines, or snippets of the spec as rustc
//! shows source.

use crate::spec::Spec;
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use pushgen::{Error, SpecError, SpecErrors, Warning};
use pushgen_ingest::Location;
use std::io::IsTerminal;
use std::ops::Range;

/// `--color`: when to show errors with snippets of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// Snippets when stderr is a terminal, plain lines otherwise.
    Auto,
    /// Snippets in colour, wherever stderr goes.
    Always,
    /// Plain lines, one per error.
    Never,
}

/// How errors are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    /// `file:line:col: error: message (at #/pointer)`: what editors, CI logs and scripts
    /// parse, so it stays the same whatever else changes.
    Lines,
    /// The offending line with a marker under the place, as rustc shows source.
    Snippets { styled: bool },
}

impl Rendering {
    pub fn choose(color: Color) -> Self {
        match color {
            Color::Always => Rendering::Snippets { styled: true },
            Color::Never => Rendering::Lines,
            Color::Auto if std::io::stderr().is_terminal() => Rendering::Snippets {
                // NO_COLOR (no-color.org) asks for no escapes, not for less information.
                styled: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            },
            Color::Auto => Rendering::Lines,
        }
    }
}

/// A run that failed: the error and, once read, the spec it is about.
pub struct Failure {
    pub error: Error,
    /// Boxed: it is large, and every `Result` carrying a `Failure` would pay for it.
    pub spec: Option<Box<Spec>>,
    /// What the last line adds after the error count, e.g. `; nothing was written`.
    pub consequence: &'static str,
}

impl Failure {
    pub fn new(error: impl Into<Error>, consequence: &'static str) -> Self {
        Failure {
            error: error.into(),
            spec: None,
            consequence,
        }
    }

    /// The failure with the spec's text attached, for snippets.
    pub fn about(mut self, spec: Spec) -> Self {
        self.spec = Some(Box::new(spec));
        self
    }
}

/// The failure as it goes to stderr, ending in a newline.
pub fn render(failure: &Failure, rendering: Rendering) -> String {
    let Error::Spec(errors) = &failure.error else {
        let error = match rendering {
            Rendering::Lines => format!("error: {}\n", failure.error),
            Rendering::Snippets { styled } => {
                let message = failure.error.to_string();
                let group = Group::with_title(Level::ERROR.primary_title(message.as_str()));
                format!("{}\n", renderer(styled).render(&[group]))
            }
        };
        if failure.consequence.is_empty() {
            return error;
        }
        return format!("{error}pushgen: stopped{}\n", failure.consequence);
    };
    let n = errors.errors.len();
    let noun = if n == 1 { "error" } else { "errors" };
    let summary = format!(
        "pushgen: {n} {noun} in {}{}",
        errors.source, failure.consequence
    );
    match (rendering, &failure.spec) {
        (Rendering::Snippets { styled }, Some(spec)) => {
            format!("{}\n{summary}\n", snippets(errors, spec, styled))
        }
        // Without the text there is nothing to show but the lines.
        _ => format!("{errors}\n{summary}\n"),
    }
}

fn renderer(styled: bool) -> Renderer {
    if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// Warnings as they go to stderr, before what the run then prints; empty if none.
pub fn warnings(warnings: &[Warning], rendering: Rendering) -> String {
    let mut out = String::new();
    for warning in warnings {
        let place = Place {
            message: &warning.message,
            pointer: &warning.pointer,
            location: warning.location,
            file: Some(&warning.file),
        };
        match rendering {
            Rendering::Lines => out.push_str(&format!("{warning}\n")),
            Rendering::Snippets { styled } => {
                // Warnings are about overlays, which the run did not keep: read again.
                let text = std::fs::read_to_string(&warning.file).ok();
                let group = group(Level::WARNING, &place, None, text.as_deref());
                out.push_str(&renderer(styled).render(&[group]));
                out.push_str("\n\n");
            }
        }
    }
    out
}

/// Every error, each its own diagnostic followed by a blank line, as rustc separates them.
fn snippets(errors: &SpecErrors, spec: &Spec, styled: bool) -> String {
    let renderer = renderer(styled);
    let mut out = String::new();
    for error in &errors.errors {
        // An error in a file the spec `$ref`s, or in an overlay: ingest names that file
        // by the path it opened, so its lines can be shown too.
        let other = error
            .file
            .as_ref()
            .and_then(|file| std::fs::read_to_string(file).ok());
        let group = group(
            Level::ERROR,
            &Place::of(error),
            Some(spec),
            other.as_deref(),
        );
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    out.pop();
    out
}

/// What a diagnostic says and where, errors and warnings alike.
struct Place<'a> {
    message: &'a str,
    pointer: &'a str,
    location: Option<Location>,
    /// The file it is in, when that is not the spec.
    file: Option<&'a str>,
}

impl<'a> Place<'a> {
    fn of(error: &'a SpecError) -> Self {
        Place {
            message: &error.message,
            pointer: &error.pointer,
            location: error.location,
            file: error.file.as_deref(),
        }
    }
}

/// One diagnostic: the title, the line with its marker (from the spec, or from `other`,
/// the text of the file the place is in), and the pointer as a note.
fn group<'a>(
    level: Level<'a>,
    place: &Place<'a>,
    spec: Option<&'a Spec>,
    other: Option<&'a str>,
) -> Group<'a> {
    let title = level.primary_title(place.message);
    let value = !place.pointer.is_empty();
    let shown = |text: &'a str, path: &'a str, at: Location| {
        let (line, span) = marked(text, at.line, at.column, value);
        Snippet::source(line)
            .line_start(at.line)
            .path(path)
            .annotation(AnnotationKind::Primary.span(span))
    };
    let group = match (place.location, place.file, spec) {
        (Some(at), None, Some(spec)) => title.element(shown(&spec.text, &spec.origin, at)),
        (Some(at), Some(file), _) if other.is_some() => {
            title.element(shown(other.unwrap_or_default(), file, at))
        }
        // A file that cannot be read again: named, without a snippet.
        (Some(at), Some(file), _) => {
            title.element(Origin::path(file).line(at.line).char_column(at.column))
        }
        (None, Some(file), _) => title.element(Origin::path(file)),
        // Still say which file: with several specs in a build that is the first question.
        (_, None, Some(spec)) => title.element(Origin::path(spec.origin.as_str())),
        (_, None, None) => Group::with_title(title),
    };
    if value {
        group.element(Level::NOTE.message(format!("at #{}", place.pointer)))
    } else {
        group
    }
}

/// Line `line` of `text` (1-based) and the byte range to mark in it, from the 1-based
/// character `column`. A value found by its pointer is marked whole (a key, a scalar); a
/// syntax error is a point, so it gets one character. A place past the end of the text
/// (an error at its very end) is marked after the last character rather than lost.
fn marked(text: &str, line: usize, column: usize, value: bool) -> (&str, Range<usize>) {
    let source = line
        .checked_sub(1)
        .and_then(|i| text.lines().nth(i))
        .unwrap_or("");
    let start = source
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(source.len(), |(i, _)| i);
    let rest = &source[start..];
    let first = rest.chars().next().map_or(0, char::len_utf8);
    let len = if value {
        token_len(rest).max(first)
    } else {
        first
    };
    (source, start..start + len)
}

/// Byte length of the YAML or JSON token `rest` starts with: a quoted string up to its
/// closing quote, else up to what ends a plain scalar or key (`: `, `,`, a space, a
/// bracket closing something opened before). Only the first word of a plain scalar with
/// spaces is marked: telling it from a flow collection's next item needs a parser, and
/// the mark's start is what matters.
fn token_len(rest: &str) -> usize {
    match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let mut chars = rest.char_indices().skip(1).peekable();
            while let Some((i, c)) = chars.next() {
                match c {
                    // JSON and YAML double quotes escape with `\`, YAML single quotes by
                    // doubling.
                    '\\' if quote == '"' => {
                        chars.next();
                    }
                    '\'' if quote == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                        chars.next();
                    }
                    c if c == quote => return i + 1,
                    _ => {}
                }
            }
            rest.len()
        }
        Some(_) => plain_len(rest, true)
            .or_else(|| plain_len(rest, false))
            .unwrap_or(rest.len()),
        None => 0,
    }
}

/// Where a plain token ends; with `brackets`, `{...}` and `[...]` are part of it (path
/// templates have them), and an unclosed one makes it give up (`None`).
fn plain_len(rest: &str, brackets: bool) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let outside = depth == 0;
        match c {
            '{' | '[' if brackets => depth += 1,
            '}' | ']' if brackets && !outside => depth -= 1,
            '}' | ']' | ',' if outside => return Some(i),
            ':' if outside && chars.peek().is_none_or(|(_, next)| next.is_whitespace()) => {
                return Some(i);
            }
            c if c.is_whitespace() && outside => return Some(i),
            _ => {}
        }
    }
    (depth == 0).then_some(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(line: &str, column: usize) -> &str {
        let (source, span) = marked(line, 1, column, true);
        &source[span]
    }

    #[test]
    fn marks_the_whole_token_at_the_column() {
        assert_eq!(mark("      operationId: fetch", 20), "fetch");
        assert_eq!(mark("      operationId: fetch", 7), "operationId");
        assert_eq!(
            mark("        - /jobs/{id}/progress:", 11),
            "/jobs/{id}/progress"
        );
        assert_eq!(
            mark("        - /jobs/{id/progress:", 11),
            "/jobs/{id/progress"
        );
        assert_eq!(mark("  get: [1, {\"k\": true}]}", 18), "true");
        assert_eq!(mark("  tags: [x, y]", 13), "y");
        assert_eq!(mark("  \"openapi\": \"3.0.3\",", 14), "\"3.0.3\"");
        assert_eq!(mark("  a: 'it''s', b", 6), "'it''s'");
        assert_eq!(mark("  a: \"q\\\"x\" b", 6), "\"q\\\"x\"");
        assert_eq!(mark("  ünïcode: x", 3), "ünïcode");
    }

    #[test]
    fn a_place_past_the_end_is_still_marked() {
        assert_eq!(marked("a: b\n", 1, 10, true), ("a: b", 4..4));
        assert_eq!(marked("a: b\n", 2, 1, false), ("", 0..0));
        assert_eq!(marked("a: b\n", 9, 1, true), ("", 0..0));
        assert_eq!(marked("a: b", 1, 1, false), ("a: b", 0..1));
    }

    fn failure(errors: Vec<SpecError>) -> Failure {
        let spec = Spec {
            text: "openapi: 3.0.3\ninfo: {title: T, version: '1'}\nswagger: x\n".into(),
            name: "t.yaml".into(),
            origin: "specs/t.yaml".into(),
        };
        Failure::new(
            SpecErrors {
                source: "t.yaml".into(),
                errors,
            },
            "; nothing was written",
        )
        .about(spec)
    }

    #[test]
    fn snippets_show_the_line_the_marker_and_the_pointer() {
        let mut error = SpecError::new("/swagger", "this is a Swagger 2.0 document");
        error.location = Some(Location {
            line: 3,
            column: 10,
        });
        let text = render(&failure(vec![error]), Rendering::Snippets { styled: false });
        let expected = "\
error: this is a Swagger 2.0 document
 --> specs/t.yaml:3:10
  |
3 | swagger: x
  |          ^
  |
  = note: at #/swagger

pushgen: 1 error in t.yaml; nothing was written
";
        assert_eq!(text, expected);
    }

    #[test]
    fn an_error_without_a_place_has_no_snippet() {
        let text = render(
            &failure(vec![SpecError::new("", "the document is empty")]),
            Rendering::Snippets { styled: false },
        );
        assert!(!text.contains('|'), "{text}");
        assert!(text.starts_with("error: the document is empty\n"), "{text}");
        assert!(text.contains("specs/t.yaml"), "{text}");
    }

    #[test]
    fn an_error_in_a_referenced_file_is_named_not_shown_from_the_spec() {
        let mut error = SpecError::new("/Thing/type", "unknown type");
        error.location = Some(Location { line: 3, column: 9 });
        error.file = Some("common.yaml".into());
        let text = render(&failure(vec![error]), Rendering::Snippets { styled: false });
        assert!(text.contains("--> common.yaml:3:9\n"), "{text}");
        assert!(!text.contains("swagger: x"), "{text}");
        assert!(text.contains("= note: at #/Thing/type"), "{text}");
    }

    #[test]
    fn warnings_are_shown_as_errors_are() {
        let warning = Warning {
            file: "no/such/dir/o.yaml".into(),
            pointer: "/actions/0/target".into(),
            message: "target `$.x` selects nothing".into(),
            location: Some(Location {
                line: 4,
                column: 13,
            }),
        };
        let warnings = std::slice::from_ref(&warning);
        assert_eq!(
            super::warnings(warnings, Rendering::Lines),
            "no/such/dir/o.yaml:4:13: warning: target `$.x` selects nothing \
             (at #/actions/0/target)\n"
        );
        // The file cannot be read again here: named and located, without its line.
        let text = super::warnings(warnings, Rendering::Snippets { styled: false });
        assert!(
            text.starts_with("warning: target `$.x` selects nothing\n"),
            "{text}"
        );
        assert!(text.contains("--> no/such/dir/o.yaml:4:13\n"), "{text}");
        assert!(text.contains("= note: at #/actions/0/target"), "{text}");
        assert_eq!(super::warnings(&[], Rendering::Lines), "");
    }

    #[test]
    fn lines_are_the_plain_display() {
        let mut error = SpecError::new("/swagger", "this is a Swagger 2.0 document");
        error.location = Some(Location {
            line: 3,
            column: 10,
        });
        let text = render(&failure(vec![error]), Rendering::Lines);
        assert_eq!(
            text,
            "t.yaml:3:10: error: this is a Swagger 2.0 document (at #/swagger)\n\
             pushgen: 1 error in t.yaml; nothing was written\n"
        );
    }
}

//! Doc comments written into the text after prettyplease has laid it out.
//!
//! A spec's descriptions are a large part of what is generated (a quarter of the time to
//! generate Kubernetes' API went to them): each line, as a `#[doc = "…"]` token, is
//! escaped by `quote`, unescaped again by `syn` when the tokens are parsed, and once more
//! by prettyplease to print it as `/// …`. While a piece of a file is built and rendered
//! ([`crate::parallel`]), [`crate::docs::doc`] instead hands its lines to this module and
//! puts one short marker attribute in the tokens, which prettyplease prints as a line
//! `///@pushgen-doc 7 12` at the item's indentation; [`Deferred::splice`] replaces that
//! line with the doc lines, printed as prettyplease prints them (`///` and the line,
//! trailing spaces trimmed). The text is the same as without deferring: every fixture's
//! files are compared both ways (`parallel/tests.rs`).
//!
//! Lines prettyplease would print otherwise (one starting with `/`, which it writes as an
//! attribute) are not deferred; neither are docs built outside a piece (no collection is
//! open on the thread), which go through the tokens as before.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

const MARKER: &str = "@pushgen-doc ";

/// Tells one collection's markers from another's: a marker is only ever resolved by the
/// collection that made it.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static OPEN: RefCell<Option<Deferred>> = const { RefCell::new(None) };
}

/// The doc lines deferred while one piece was built, by marker number.
pub struct Deferred {
    id: u64,
    blocks: Vec<Vec<String>>,
}

/// Runs `build` with docs deferred (on this thread), and returns what it built with the
/// docs it deferred. Pieces are not built inside one another, so one collection is open at
/// a time.
pub fn collecting<T>(build: impl FnOnce() -> T) -> (T, Deferred) {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    OPEN.set(Some(Deferred {
        id,
        blocks: Vec::new(),
    }));
    let _close = Close;
    let built = build();
    let blocks = OPEN.take().map(|d| d.blocks).unwrap_or_default();
    (built, Deferred { id, blocks })
}

/// Closes the thread's collection even if `build` panics, so that docs made later on the
/// thread outside a piece (a caller may catch the panic) go through the tokens again.
struct Close;

impl Drop for Close {
    fn drop(&mut self) {
        OPEN.set(None);
    }
}

/// The marker for `lines`, when a collection is open on this thread and prettyplease
/// would print every line as `///` and the line; otherwise the lines are given back.
pub fn defer(lines: Vec<String>) -> Result<String, Vec<String>> {
    if lines.iter().any(|line| line.starts_with('/')) {
        return Err(lines);
    }
    OPEN.with_borrow_mut(|open| match open {
        Some(deferred) => {
            let marker = format!("{MARKER}{} {}", deferred.id, deferred.blocks.len());
            deferred.blocks.push(lines);
            Ok(marker)
        }
        None => Err(lines),
    })
}

impl Deferred {
    /// `text` with each of this collection's marker lines replaced by its doc lines.
    pub fn splice(&self, text: String) -> String {
        if self.blocks.is_empty() {
            return text;
        }
        let extra: usize = self.blocks.iter().flatten().map(|l| l.len() + 16).sum();
        let mut out = String::with_capacity(text.len() + extra);
        let mut rest = text.as_str();
        while let Some(at) = rest.find(MARKER) {
            let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = rest[at..].find('\n').map_or(rest.len(), |i| at + i);
            let prefix = &rest[line_start..at];
            match self.block(prefix, &rest[at + MARKER.len()..line_end]) {
                Some((lead, lines)) => {
                    out.push_str(&rest[..line_start]);
                    for line in lines {
                        out.push_str(lead);
                        out.push_str(line.trim_end_matches(' '));
                        out.push('\n');
                    }
                    rest = rest[line_end..]
                        .strip_prefix('\n')
                        .unwrap_or(&rest[line_end..]);
                }
                None => {
                    // Not one of this collection's markers: text that happens to read so.
                    out.push_str(&rest[..line_end]);
                    rest = &rest[line_end..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The doc lines a marker line stands for, and what goes before each of them (the
    /// indentation and `///` or `//!`): `prefix` is the line up to the marker, `numbers`
    /// what follows it.
    fn block<'a>(&'a self, prefix: &'a str, numbers: &str) -> Option<(&'a str, &'a [String])> {
        let indent = prefix
            .strip_suffix("///")
            .or_else(|| prefix.strip_suffix("//!"))?;
        if !indent.bytes().all(|b| b == b' ') {
            return None;
        }
        let (id, index) = numbers.split_once(' ')?;
        if id.parse::<u64>().ok()? != self.id {
            return None;
        }
        let lines = self.blocks.get(index.parse::<usize>().ok()?)?;
        Some((prefix, lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_become_the_lines_at_their_indentation() {
        let ((), deferred) = collecting(|| {
            let marker = defer(vec![" One.".into(), String::new(), " Two.  ".into()]);
            assert!(marker.is_ok_and(|m| m.starts_with(MARKER) && m.ends_with(" 0")));
        });
        let id = deferred.id;
        let text = format!(
            "///@pushgen-doc {id} 0\nstruct A;\n    //!@pushgen-doc {id} 0\n/// ///@pushgen-doc {id} 0\n"
        );
        assert_eq!(
            deferred.splice(text),
            format!(
                "/// One.\n///\n/// Two.\nstruct A;\n    //! One.\n    //!\n    //! Two.\n/// ///@pushgen-doc {id} 0\n"
            )
        );
    }

    #[test]
    fn outside_a_collection_or_for_a_slash_nothing_is_deferred() {
        assert_eq!(defer(vec![" a".into()]), Err(vec![" a".to_string()]));
        let ((), deferred) = collecting(|| {
            assert_eq!(defer(vec!["/a".into()]), Err(vec!["/a".to_string()]));
        });
        assert!(deferred.blocks.is_empty());
    }

    #[test]
    fn a_build_that_panics_leaves_no_collection_open() {
        let caught = std::panic::catch_unwind(|| collecting(|| panic!("a generator bug")));
        assert!(caught.is_err());
        assert_eq!(defer(vec![" a".into()]), Err(vec![" a".to_string()]));
    }

    #[test]
    fn another_collections_marker_is_left_alone() {
        let ((), first) = collecting(|| {
            defer(vec![" a".into()]).unwrap();
        });
        let ((), second) = collecting(|| {
            defer(vec![" b".into()]).unwrap();
        });
        let text = format!("///{MARKER}{} 0\n", first.id);
        assert_eq!(second.splice(text.clone()), text);
        assert_eq!(first.splice(text), "/// a\n");
    }
}

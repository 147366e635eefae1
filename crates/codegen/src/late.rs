//! Text written into the rendered text after prettyplease has laid it out: doc comments,
//! and the runtime's macro calls.
//!
//! A spec's descriptions are a large part of what is generated (a quarter of the time to
//! generate Kubernetes' API went to them): each line, as a `#[doc = "…"]` token, is
//! escaped by `quote`, unescaped again by `syn` when the tokens are parsed, and once more
//! by prettyplease to print it as `/// …`. While a piece of a file is built and rendered
//! ([`crate::parallel`]), [`crate::docs::doc`] instead hands its lines to this module and
//! puts one short marker attribute in the tokens, which prettyplease prints as a line
//! `///@pushgen-late 7 12` at the item's indentation; [`Deferred::splice`] replaces that
//! line with the doc lines, printed as prettyplease prints them (`///` and the line,
//! trailing spaces trimmed).
//!
//! An item can be deferred the same way ([`defer_item`]): its marker is an item,
//! `pushgen_late!("@pushgen-late 7 13");`, and the item's writer is given that line's
//! indentation to write its text at. [`crate::macro_calls`] writes `serde_object!` calls
//! so, as prettyplease would have laid them out.
//!
//! The text is the same as without deferring: every fixture's files are compared both
//! ways (`parallel/tests.rs`). Lines prettyplease would print otherwise (one starting
//! with `/`, which it writes as an attribute) are not deferred; neither is anything built
//! outside a piece (no collection is open on the thread), which goes through the tokens.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

const MARKER: &str = "@pushgen-late ";

/// The macro an item's marker calls, and what prettyplease prints around the marker after
/// the macro's name: `pushgen_late!("@pushgen-late 7 13");`.
const ITEM_MACRO: &str = "pushgen_late";
const ITEM_CALL_OPEN: &str = "!(\"";
const ITEM_CALL_END: &str = "\");";

/// Tells one collection's markers from another's: a marker is only ever resolved by the
/// collection that made it.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static OPEN: RefCell<Option<Deferred>> = const { RefCell::new(None) };
}

/// An item that writes its own text.
pub trait WriteItem {
    /// Writes the item's lines, each ending in `\n`, at `indent` (the marker line's).
    fn write(&self, indent: &str, out: &mut String);
}

/// What one marker stands for.
enum Block {
    /// Doc lines, each printed as `///` and the line.
    Doc(Vec<String>),
    Item(Box<dyn WriteItem>),
}

/// What was deferred while one piece was built, by marker number.
pub struct Deferred {
    id: u64,
    blocks: Vec<Block>,
}

/// Runs `build` with docs and items deferred (on this thread), and returns what it built
/// with what it deferred. Pieces are not built inside one another, so one collection is open at
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
    push(lines, Block::Doc)
}

/// The marker item for `item`, when a collection is open on this thread; otherwise
/// `item` is given back.
pub fn defer_item<T: WriteItem + 'static>(item: T) -> Result<TokenStream, T> {
    let marker = push(item, |item| Block::Item(Box::new(item)))?;
    let call = Ident::new(ITEM_MACRO, Span::call_site());
    Ok(quote!(#call!(#marker);))
}

/// The marker text for `value`, once the open collection holds it as a block;
/// `value` back if no collection is open.
fn push<T>(value: T, block: impl FnOnce(T) -> Block) -> Result<String, T> {
    OPEN.with_borrow_mut(|open| match open {
        Some(deferred) => {
            let marker = format!("{MARKER}{} {}", deferred.id, deferred.blocks.len());
            deferred.blocks.push(block(value));
            Ok(marker)
        }
        None => Err(value),
    })
}

impl Deferred {
    /// `text` with each of this collection's marker lines replaced by what it stands for.
    pub fn splice(&self, text: String) -> String {
        if self.blocks.is_empty() {
            return text;
        }
        let extra: usize = self
            .blocks
            .iter()
            .map(|block| match block {
                Block::Doc(lines) => lines.iter().map(|l| l.len() + 16).sum(),
                // Not known before it is written; a struct's call is a few lines.
                Block::Item(_) => 256,
            })
            .sum();
        let mut out = String::with_capacity(text.len() + extra);
        let mut rest = text.as_str();
        while let Some(at) = rest.find(MARKER) {
            let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = rest[at..].find('\n').map_or(rest.len(), |i| at + i);
            let prefix = &rest[line_start..at];
            let Some(found) = self.block(prefix, &rest[at + MARKER.len()..line_end]) else {
                // Not one of this collection's markers: text that happens to read so.
                out.push_str(&rest[..line_end]);
                rest = &rest[line_end..];
                continue;
            };
            out.push_str(&rest[..line_start]);
            match found {
                Found::Doc(lead, lines) => {
                    for line in lines {
                        out.push_str(lead);
                        out.push_str(line.trim_end_matches(' '));
                        out.push('\n');
                    }
                }
                Found::Item(indent, item) => item.write(indent, &mut out),
            }
            rest = rest[line_end..]
                .strip_prefix('\n')
                .unwrap_or(&rest[line_end..]);
        }
        out.push_str(rest);
        out
    }

    /// What a marker line stands for: `prefix` is the line up to the marker, `after` what
    /// follows it (the numbers, and for an item the end of its call).
    fn block<'a>(&'a self, prefix: &'a str, after: &str) -> Option<Found<'a>> {
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ' '))
            .unwrap_or(after.len());
        let (numbers, tail) = after.split_at(end);
        let (id, index) = numbers.split_once(' ')?;
        if id.parse::<u64>().ok()? != self.id {
            return None;
        }
        let spaces = |indent: &str| indent.bytes().all(|b| b == b' ');
        match self.blocks.get(index.parse::<usize>().ok()?)? {
            Block::Doc(lines) => {
                let indent = prefix
                    .strip_suffix("///")
                    .or_else(|| prefix.strip_suffix("//!"))?;
                (tail.is_empty() && spaces(indent)).then_some(Found::Doc(prefix, lines))
            }
            Block::Item(item) => {
                let indent = prefix
                    .strip_suffix(ITEM_CALL_OPEN)?
                    .strip_suffix(ITEM_MACRO)?;
                (tail == ITEM_CALL_END && spaces(indent)).then_some(Found::Item(indent, &**item))
            }
        }
    }
}

/// A marker line's block: doc lines with what goes before each (the indentation and
/// `///` or `//!`), or an item's writer with the indentation.
enum Found<'a> {
    Doc(&'a str, &'a [String]),
    Item(&'a str, &'a dyn WriteItem),
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
            "///@pushgen-late {id} 0\nstruct A;\n    //!@pushgen-late {id} 0\n/// ///@pushgen-late {id} 0\n"
        );
        assert_eq!(
            deferred.splice(text),
            format!(
                "/// One.\n///\n/// Two.\nstruct A;\n    //! One.\n    //!\n    //! Two.\n/// ///@pushgen-late {id} 0\n"
            )
        );
    }

    /// Writes its indentation's width and a second line.
    struct Lines;

    impl WriteItem for Lines {
        fn write(&self, indent: &str, out: &mut String) {
            out.push_str(&format!(
                "{indent}item at {}\n{indent}  more\n",
                indent.len()
            ));
        }
    }

    #[test]
    fn an_item_marker_becomes_the_items_text_at_its_indentation() {
        let (marker, deferred) = collecting(|| defer_item(Lines).ok().map(|m| m.to_string()));
        let marker = marker.expect("a collection was open");
        assert!(
            marker.starts_with("pushgen_late ! (\"@pushgen-late "),
            "{marker}"
        );
        let id = deferred.id;
        let call = format!("pushgen_late!(\"{MARKER}{id} 0\");");
        let text = format!("mod m {{\n    {call}\n}}\n{call}\n// {call}\n{call} x\n");
        assert_eq!(
            deferred.splice(text),
            format!(
                "mod m {{\n    item at 4\n      more\n}}\nitem at 0\n  more\n// {call}\n{call} x\n"
            )
        );
        assert!(defer_item(Lines).is_err(), "no collection is open any more");
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

//! The runtime's source, carried inside an SDK crate as its module `pushgen_runtime`.
//!
//! An SDK must pass `cargo package` with every dependency from the public registry, and
//! `pushgen-runtime` is not one of them here; so the SDK holds the runtime itself, as
//! the module `src/pushgen_runtime/`, and its generated code names it as
//! `crate::pushgen_runtime` (`Builder::runtime_path`'s mechanism). The runtime's source
//! is made to live one level down by a few textual rules, each checked by compiling the
//! result (`crates/pushgen/tests/sdk.rs`, `cargo xtask sdk-check`):
//!
//! - paths from the crate root, `crate::x` and a macro's `$crate::x`, gain the module:
//!   `crate::pushgen_runtime::x`. The exported macros live at the crate root, so the
//!   module re-exports them under its own path too;
//! - in doc comments, the runtime's crate name becomes the SDK's module
//!   (`pushgen_runtime::` → `<sdk>::pushgen_runtime::`), so doc examples still compile;
//! - the runtime's version, which the runtime reads from cargo, is written in;
//! - unit tests (`#[cfg(test)]` items and the files only they use) stay behind: they are
//!   the runtime's, tested where it lives;
//! - the runtime crate's own documentation stays behind too: the SDK documents the
//!   module where it declares it.

include!(concat!(env!("OUT_DIR"), "/runtime_sources.rs"));

/// The runtime's version: the generator's, as they are released together.
const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The module the runtime becomes, under the crate root.
pub const MODULE: &str = "pushgen_runtime";

/// The runtime's files as the SDK holds them: `(path under src/, text)`. `krate` is the
/// SDK's library name (`consumer_api`), which doc examples name.
pub fn files(krate: &str) -> Vec<(String, String)> {
    RUNTIME_SOURCES
        .iter()
        .filter(|(path, _)| !is_test_file(path))
        .map(|(path, text)| {
            let target = match *path {
                "lib.rs" => format!("{MODULE}/mod.rs"),
                other => format!("{MODULE}/{other}"),
            };
            let mut text = relocate(text, krate);
            if *path == "lib.rs" {
                // The crate's documentation is the runtime crate's; the SDK documents
                // the module where it declares it.
                text = text
                    .lines()
                    .skip_while(|line| line.starts_with("//!") || line.is_empty())
                    .map(|line| format!("{line}\n"))
                    .collect();
                text.push_str(&reexported_macros());
            }
            (target, text)
        })
        .collect()
}

/// The exported macros are at the crate root; paths rewritten to the module find them
/// re-exported there. Every `#[macro_export]` of the runtime's files, so that a new macro
/// needs no list kept in step.
fn reexported_macros() -> String {
    let mut names: Vec<&str> = RUNTIME_SOURCES
        .iter()
        .flat_map(|(_, text)| {
            let lines: Vec<&str> = text.lines().collect();
            lines
                .windows(2)
                .filter(|pair| pair[0].trim() == "#[macro_export]")
                .filter_map(|pair| {
                    let rest = pair[1].trim().strip_prefix("macro_rules! ")?;
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    format!(
        "
// The macros above are exported at the SDK's root; the runtime's own paths, moved under
// this module, find them here.
#[doc(hidden)]
pub use crate::{{{}}};
",
        names.join(", ")
    )
}

/// A file only unit tests use: `sse/tests.rs`, `wire/frame_tests.rs`.
fn is_test_file(path: &str) -> bool {
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".rs");
    stem == "tests" || stem.ends_with("_tests")
}

/// One runtime file, moved under [`MODULE`].
fn relocate(text: &str, krate: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if is_test_attribute(trimmed) {
            skip_item(line, &mut lines);
            continue;
        }
        let line = if trimmed.starts_with("//") {
            // Doc examples are compiled as the SDK's: its crate, then the module.
            let named = format!("{krate}::{MODULE}::");
            replace_word(
                &line.replace("pushgen_runtime::", &named),
                "crate::",
                &module_path(),
            )
        } else {
            replace_word(line, "crate::", &module_path())
        };
        let line = line.replace(
            "env!(\"CARGO_PKG_VERSION\")",
            &format!("\"{RUNTIME_VERSION}\""),
        );
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn module_path() -> String {
    format!("crate::{MODULE}::")
}

/// `#[cfg(test)]`, or a `cfg(all(test, ...))`: the item after it is for unit tests.
fn is_test_attribute(trimmed: &str) -> bool {
    trimmed.starts_with("#[cfg(test)]") || trimmed.starts_with("#[cfg(all(test,")
}

/// Skips the item after a test attribute: one line ending in `;` (`mod tests;`), or a
/// block up to the closing brace at the attribute's own indentation (the runtime is
/// formatted by rustfmt, so that brace is where the item ends).
fn skip_item<'a>(attribute: &str, lines: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>) {
    let indent = &attribute[..attribute.len() - attribute.trim_start().len()];
    let Some(first) = lines.next() else {
        return;
    };
    if first.trim_end().ends_with(';') {
        return;
    }
    let close = format!("{indent}}}");
    for line in lines.by_ref() {
        if line.trim_end() == close {
            return;
        }
    }
}

/// Replaces `from` (which starts with an identifier) where it starts a word: not
/// `$crate::` (a macro's, which becomes `$crate::<module>::` by the same rule applied to
/// what follows the `$`) and not inside a longer identifier (`my_crate::`).
fn replace_word(line: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let starts_word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if starts_word { to } else { from });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_the_root_move_under_the_module() {
        let text = "use crate::wire::Parts;\n\
                    impl $crate::validate::Validate for X {}\n\
                    pub(crate) fn f() {}\n\
                    pub(in crate::server) fn g() {}\n\
                    let a = my_crate::x;\n\
                    /// See [`Hub`](crate::server::Hub) and `pushgen_runtime::server::serve`.\n\
                    pub const VERSION: &str = env!(\"CARGO_PKG_VERSION\");\n";
        let moved = relocate(text, "consumer_api");
        let expected = format!(
            "use crate::pushgen_runtime::wire::Parts;\n\
             impl $crate::pushgen_runtime::validate::Validate for X {{}}\n\
             pub(crate) fn f() {{}}\n\
             pub(in crate::pushgen_runtime::server) fn g() {{}}\n\
             let a = my_crate::x;\n\
             /// See [`Hub`](crate::pushgen_runtime::server::Hub) and `consumer_api::pushgen_runtime::server::serve`.\n\
             pub const VERSION: &str = \"{RUNTIME_VERSION}\";\n"
        );
        assert_eq!(moved, expected);
    }

    #[test]
    fn unit_tests_stay_behind() {
        let text = "fn kept() {}\n\
                    #[cfg(test)]\n\
                    mod tests;\n\
                    #[cfg(all(test, feature = \"client\"))]\n\
                    mod frame_tests;\n\
                    impl X {\n    #[cfg(test)]\n    fn len(&self) -> usize {\n        0\n    }\n\n    fn also_kept() {}\n}\n\
                    #[cfg(test)]\n\
                    mod tests {\n    use super::*;\n    fn inner() {\n    }\n}\n\
                    fn last() {}\n";
        let kept = relocate(text, "x");
        assert_eq!(
            kept,
            "fn kept() {}\nimpl X {\n\n    fn also_kept() {}\n}\nfn last() {}\n"
        );
        assert!(is_test_file("sse/tests.rs") && is_test_file("wire/frame_tests.rs"));
        assert!(!is_test_file("lines.rs"));
    }

    #[test]
    fn every_runtime_file_is_carried_but_the_tests() {
        let files = files("consumer_api");
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert!(names.contains(&"pushgen_runtime/mod.rs"));
        assert!(names.contains(&"pushgen_runtime/server/hub.rs"));
        assert!(!names.iter().any(|n| n.ends_with("tests.rs")));
        assert!(
            reexported_macros()
                .contains("pub use crate::{include_api, integer_enum, serde_object, string_enum};"),
            "{}",
            reexported_macros()
        );
        for (name, text) in &files {
            assert!(!text.contains("#[cfg(test)]"), "{name} kept a test");
            assert!(
                !text.contains("CARGO_PKG_VERSION"),
                "{name} reads cargo's version"
            );
        }
    }
}

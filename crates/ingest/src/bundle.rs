//! `$ref`s to other files, bundled into the one document the rest of ingest reads.
//!
//! Each referenced file is parsed once and placed under `/x-pushgen-files/N` of the root
//! document; every `$ref` to it (and every local `$ref` inside it) is rewritten into a
//! local pointer there. Resolution, cycle checks and naming then work as for one file.
//! Errors inside a bundled file are mapped back to that file's name and line.

mod local;

use crate::document::parse;
use crate::error::{SpecError, push_pointer};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where bundled files live in the root document.
pub(crate) const FILES_KEY: &str = "x-pushgen-files";
/// Beside them, each file's stem, so a schema that is a whole file is named after it.
pub(crate) const NAMES_KEY: &str = "x-pushgen-file-names";

/// A file pulled in by a `$ref`.
#[derive(Debug, Clone)]
pub struct BundledFile {
    /// The path as found, relative paths resolved against the referring file.
    pub path: PathBuf,
    /// The file's text, for locating errors in it.
    pub text: String,
}

/// Loads every file the document refers to, transitively, and rewrites the `$ref`s.
/// `base` is the directory of the root document, `text` what `root` was parsed from.
pub(crate) fn bundle(
    root: &mut Value,
    text: &str,
    base: &Path,
) -> Result<Vec<BundledFile>, SpecError> {
    if !local::may_refer_elsewhere(text) {
        return Ok(Vec::new());
    }
    let mut state = State {
        files: Vec::new(),
        index: HashMap::new(),
        documents: Vec::new(),
    };
    rewrite(root, base, "", &At::Start(""), &mut state)?;
    // Files found while rewriting other files are queued; rewrite each in turn.
    let mut next = 0;
    while next < state.documents.len() {
        let mut document = std::mem::take(&mut state.documents[next]);
        let dir = state.files[next]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let prefix = format!("/{FILES_KEY}/{next}");
        rewrite(
            &mut document,
            &dir,
            &prefix,
            &At::Start(&prefix),
            &mut state,
        )?;
        state.documents[next] = document;
        next += 1;
    }
    if !state.documents.is_empty()
        && let Value::Object(map) = root
    {
        let names = state
            .files
            .iter()
            .map(|f| {
                let stem = f.path.file_stem().map(|s| s.to_string_lossy().into_owned());
                Value::String(stem.unwrap_or_default())
            })
            .collect();
        map.insert(FILES_KEY.to_string(), Value::Array(state.documents));
        map.insert(NAMES_KEY.to_string(), Value::Array(names));
    }
    Ok(state.files)
}

struct State {
    files: Vec<BundledFile>,
    index: HashMap<PathBuf, usize>,
    documents: Vec<Value>,
}

/// Rewrites the `$ref`s in `value` (part of a document whose local pointers now live under
/// `local_prefix`); `pointer` is where `value` is, for errors.
fn rewrite(
    value: &mut Value,
    dir: &Path,
    local_prefix: &str,
    at: &At<'_>,
    state: &mut State,
) -> Result<(), SpecError> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                // A `#...` of the spec itself stays as it is: most `$ref`s of most specs.
                if !(local_prefix.is_empty() && reference.starts_with('#')) {
                    let at = At::Key(at, "$ref");
                    *reference = target(reference, dir, local_prefix, &at, state)?;
                }
            }
            for (key, child) in map.iter_mut() {
                if key != "$ref" {
                    rewrite(child, dir, local_prefix, &At::Key(at, key), state)?;
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                rewrite(item, dir, local_prefix, &At::Index(at, i), state)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Where a value is, as a chain back to where the walk started: a JSON pointer is only
/// written out for an error. Writing one for every value of a big spec was most of
/// bundling's time, for specs that `$ref` no other file.
enum At<'a> {
    /// The walk's start, at this pointer.
    Start(&'a str),
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Start(pointer) => pointer.to_string(),
            At::Key(parent, key) => push_pointer(&parent.pointer(), key),
            At::Index(parent, index) => push_pointer(&parent.pointer(), &index.to_string()),
        }
    }
}

/// The local `$ref` that replaces `reference`.
fn target(
    reference: &str,
    dir: &Path,
    local_prefix: &str,
    at: &At<'_>,
    state: &mut State,
) -> Result<String, SpecError> {
    let (file, fragment) = match reference.split_once('#') {
        Some((file, fragment)) => (file, fragment),
        None => (reference, ""),
    };
    if file.is_empty() {
        // Local to the document it is in.
        return Ok(format!("#{local_prefix}{fragment}"));
    }
    if file.contains("://") {
        return Err(SpecError::new(
            at.pointer(),
            format!("`$ref: {reference}` points to a URL; pushgen reads only local files"),
        ));
    }
    let path = dir.join(file);
    let key = path.canonicalize().unwrap_or_else(|_| path.clone());
    let index = match state.index.get(&key) {
        Some(&index) => index,
        None => {
            // Messages name the file as the `$ref` does: no absolute paths of this machine.
            let text = std::fs::read_to_string(&path).map_err(|e| {
                SpecError::new(
                    at.pointer(),
                    format!("`$ref: {reference}`: cannot read `{file}`: {e}"),
                )
            })?;
            let document = parse(&text).map_err(|e| {
                let line = e
                    .location
                    .map(|l| format!(" at line {}", l.line))
                    .unwrap_or_default();
                SpecError::new(
                    at.pointer(),
                    format!(
                        "`$ref: {reference}`: `{file}` does not parse{line}: {}",
                        e.message
                    ),
                )
            })?;
            let index = state.files.len();
            state.index.insert(key, index);
            state.files.push(BundledFile { path, text });
            state.documents.push(document);
            index
        }
    };
    Ok(format!("#/{FILES_KEY}/{index}{fragment}"))
}

/// For an error inside a bundled file: the file and the pointer within it.
pub(crate) fn origin<'f>(
    files: &'f [BundledFile],
    pointer: &str,
) -> Option<(&'f BundledFile, String)> {
    let rest = pointer.strip_prefix(&format!("/{FILES_KEY}/"))?;
    let (index, inner) = match rest.split_once('/') {
        Some((index, inner)) => (index, format!("/{inner}")),
        None => (rest, String::new()),
    };
    let file = files.get(index.parse::<usize>().ok()?)?;
    Some((file, inner))
}

//! OpenAPI Overlay 1.0 documents, applied to a spec before it is read.
//!
//! An Overlay (<https://spec.openapis.org/overlay/v1.0.0>) is a list of actions, each an
//! RFC 9535 JSONPath `target` and what to do to every node it selects: `update` (merge
//! into an object, append to an array) or `remove: true`. Users annotate a spec they
//! cannot edit this way, such as a vendor's that describes its stream terminator only in
//! prose:
//!
//! ```yaml
//! overlay: 1.0.0
//! info: {title: OpenAI stream terminators, version: 1.0.0}
//! actions:
//!   - target: $.paths['/chat/completions'].post.responses['200'].content['text/event-stream']
//!     update: {x-push-terminator: '[DONE]'}
//! ```
//!
//! Overlays apply to the raw value once it is parsed and its `$ref`s to other files are
//! bundled, and before 3.1/3.2 forms are normalised: what they add is read like the
//! rest of the spec. A target can reach into a bundled file only through `$..`, since
//! the spec's `$ref`s are not followed; and a `$ref` in an update is the spec's own, so
//! only local ones (`#/components/...`) resolve.
//!
//! Everything wrong with an overlay is an error in the overlay's file, at a JSON pointer
//! within it (`#/actions/2/target`), so it is shown with the overlay's line. An action
//! that selects nothing is not an error but a [`Warning`]: the spec may have changed
//! under it. Values an overlay adds have no place in the spec's text, so [`Placed`]
//! remembers where each came from, and a spec error inside one is shown in the overlay.

mod document;

use crate::error::{SpecError, SpecErrors, Warning, push_pointer};
use crate::locate::locate;
use document::{Action, Change};
use serde_json::Value;
use serde_json_path::PathElement;
use std::path::{Path, PathBuf};

/// An Overlay document to apply to a spec: its text, and the path errors name it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    /// The path as given (relative to where the user is): errors and warnings name it,
    /// and the command line reads it again to show its lines.
    pub path: PathBuf,
    /// The document, YAML or JSON.
    pub text: String,
}

impl Overlay {
    /// An overlay already in memory; `path` is only what errors call it.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Overlay {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Reads the overlay at `path`.
    pub fn read(path: impl Into<PathBuf>) -> std::io::Result<Self> {
        let path = path.into();
        let text = std::fs::read_to_string(&path)?;
        Ok(Overlay { path, text })
    }

    /// The name a summary uses: the file name alone, as for a spec.
    fn name(&self) -> String {
        file_name(&self.path)
    }

    /// The name a located error uses: the path as given, so an editor can open it.
    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    /// An error at `pointer` in this overlay, located in its text.
    fn error(&self, pointer: impl Into<String>, message: impl Into<String>) -> SpecError {
        let pointer = pointer.into();
        SpecError {
            location: locate(&self.text, &pointer),
            file: Some(self.shown()),
            pointer,
            message: message.into(),
        }
    }

    fn warning(&self, pointer: impl Into<String>, message: impl Into<String>) -> Warning {
        let pointer = pointer.into();
        Warning {
            location: locate(&self.text, &pointer),
            file: self.shown(),
            pointer,
            message: message.into(),
        }
    }

    fn failure(&self, errors: Vec<SpecError>) -> SpecErrors {
        SpecErrors {
            source: self.name(),
            errors,
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Where overlays put values in the spec, so that an error about one is shown in the
/// overlay that wrote it rather than at whatever the spec's text has nearby; and which
/// arrays lost items, whose later items are no longer where the text has them.
#[derive(Debug, Default)]
pub(crate) struct Placed {
    /// In the order written: a later entry describes the value as it now is.
    entries: Vec<Entry>,
    /// Arrays an item was removed from.
    moved: Vec<String>,
}

#[derive(Debug)]
struct Entry {
    /// Where the value is in the overlaid spec.
    spec: String,
    /// Which overlay wrote it, and where the value is in that overlay.
    overlay: usize,
    at: String,
}

impl Placed {
    /// For a spec error at `pointer` (a [`Placed::stable`] one): the overlay (an index
    /// into those applied) that put the value there or above it, and the pointer within
    /// the overlay.
    pub(crate) fn origin(&self, pointer: &str) -> Option<(usize, String)> {
        // The latest write wins: a value replaced by a later action is the later one's.
        self.entries.iter().rev().find_map(|entry| {
            is_within(pointer, &entry.spec).then(|| {
                let rest = &pointer[entry.spec.len()..];
                (entry.overlay, format!("{}{rest}", entry.at))
            })
        })
    }

    /// The part of `pointer` that still means what it did when the spec's text, or an
    /// overlay, wrote the value: up to the first array an item was removed from, whose
    /// later items now have other indices. Look errors up with this.
    pub(crate) fn stable<'p>(&self, pointer: &'p str) -> &'p str {
        self.moved
            .iter()
            .filter(|array| is_within(pointer, array))
            .map(|array| &pointer[..array.len()])
            .min_by_key(|array| array.len())
            .unwrap_or(pointer)
    }

    fn record(&mut self, spec: String, overlay: usize, at: String) {
        self.entries.push(Entry { spec, overlay, at });
    }

    /// The node at `pointer` was removed from its object: what was placed there is gone.
    fn removed(&mut self, pointer: &str) {
        self.entries
            .retain(|entry| !is_within(&entry.spec, pointer));
    }

    /// An item was removed from the array at `array`: see [`Placed::stable`].
    fn removed_item(&mut self, array: &str) {
        self.moved.push(array.to_string());
    }
}

/// Whether `pointer` is `ancestor` or under it, token by token (`/ab` is not under `/a`).
fn is_within(pointer: &str, ancestor: &str) -> bool {
    pointer
        .strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// What applying overlays left besides the spec: where they put values, and warnings.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub placed: Placed,
    pub warnings: Vec<Warning>,
}

/// Applies each overlay in turn, each action in order, to `spec`. An overlay with any
/// error stops everything: its errors are returned, named after the overlay's file.
pub(crate) fn apply_all(spec: &mut Value, overlays: &[Overlay]) -> Result<Applied, SpecErrors> {
    let mut applied = Applied::default();
    for (index, overlay) in overlays.iter().enumerate() {
        let raw = crate::document::parse(&overlay.text).map_err(|mut e| {
            e.file = Some(overlay.shown());
            overlay.failure(vec![e])
        })?;
        let (actions, warnings) =
            document::read(&raw).map_err(|errors| overlay.failure(locate_all(overlay, errors)))?;
        applied.warnings.extend(
            warnings
                .into_iter()
                .map(|(pointer, message)| overlay.warning(pointer, message)),
        );
        let mut errors = Vec::new();
        for action in &actions {
            if let Err(e) = apply(spec, action, index, overlay, &mut applied) {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(overlay.failure(errors));
        }
    }
    Ok(applied)
}

fn locate_all(overlay: &Overlay, errors: Vec<(String, String)>) -> Vec<SpecError> {
    errors
        .into_iter()
        .map(|(pointer, message)| overlay.error(pointer, message))
        .collect()
}

/// One action on every node its target selects.
fn apply(
    spec: &mut Value,
    action: &Action<'_>,
    index: usize,
    overlay: &Overlay,
    applied: &mut Applied,
) -> Result<(), SpecError> {
    let target_at = push_pointer(&action.pointer, "target");
    // Each node once (`$.a[0,0]` would otherwise append twice, or remove a neighbour),
    // sorted as paths are: an ancestor is merged into before its descendants.
    let mut found: Vec<Vec<Step>> = action
        .target
        .query_located(spec)
        .dedup()
        .iter()
        .map(|node| node.location().iter().map(Step::from).collect())
        .collect();
    if found.is_empty() {
        applied.warnings.push(overlay.warning(
            target_at,
            format!(
                "target `{}` selects nothing in the spec; this action changed nothing",
                action.target_text
            ),
        ));
        return Ok(());
    }
    match action.change {
        Change::Update(update) => {
            let update_at = push_pointer(&action.pointer, "update");
            for steps in &found {
                let pointer = to_pointer(steps);
                let Some(node) = spec.pointer_mut(&pointer) else {
                    continue;
                };
                update_node(node, update, &pointer, &update_at, index, applied).map_err(
                    |(at, message)| {
                        overlay.error(
                            push_pointer(&action.pointer, at),
                            format!("{message} (target `{}`)", action.target_text),
                        )
                    },
                )?;
            }
        }
        Change::Remove => {
            // Deepest and highest index first, so the paths still to remove stay valid.
            found.sort_by(|a, b| b.cmp(a));
            for steps in &found {
                let Some((last, parent)) = steps.split_last() else {
                    return Err(overlay.error(
                        target_at,
                        "`remove` cannot remove the whole document (the target is `$`)",
                    ));
                };
                let parent_pointer = to_pointer(parent);
                match (spec.pointer_mut(&parent_pointer), last) {
                    (Some(Value::Object(map)), Step::Key(key)) => {
                        // `shift_remove`: with `preserve_order`, keeps the other keys'
                        // order, which names types and variants.
                        map.shift_remove(key);
                        applied.placed.removed(&to_pointer(steps));
                    }
                    (Some(Value::Array(items)), Step::Index(i)) if *i < items.len() => {
                        items.remove(*i);
                        applied.placed.removed_item(&parent_pointer);
                    }
                    _ => {}
                }
            }
        }
        Change::Nothing => {}
    }
    Ok(())
}

/// Merges `update` into an object node or appends it to an array node, recording where
/// the new values went. An error is a pointer in the action and a message.
fn update_node(
    node: &mut Value,
    update: &Value,
    pointer: &str,
    update_at: &str,
    overlay: usize,
    applied: &mut Applied,
) -> Result<(), (&'static str, String)> {
    match (node, update) {
        (Value::Object(map), Value::Object(fields)) => {
            merge(
                map,
                fields,
                pointer,
                update_at,
                overlay,
                &mut applied.placed,
            );
            Ok(())
        }
        (Value::Object(_), other) => Err((
            "update",
            format!(
                "`update` must be a map to merge into the object at #{pointer}, not {}",
                kind(other)
            ),
        )),
        (Value::Array(items), value) => {
            // As the spec says, the update is one entry: a list is appended as a list.
            applied.placed.record(
                push_pointer(pointer, &items.len().to_string()),
                overlay,
                update_at.to_string(),
            );
            items.push(value.clone());
            Ok(())
        }
        (other, _) => Err((
            "target",
            format!(
                "an update merges into objects and appends to arrays, but the value at \
                 #{pointer} is {}; update its parent instead",
                kind(other)
            ),
        )),
    }
}

/// The Overlay merge: each field of the update is added, or replaces the field of that
/// name, except that an object meeting an object is merged into, recursively.
fn merge(
    map: &mut serde_json::Map<String, Value>,
    fields: &serde_json::Map<String, Value>,
    pointer: &str,
    update_at: &str,
    overlay: usize,
    placed: &mut Placed,
) {
    for (key, value) in fields {
        let here = push_pointer(pointer, key);
        let from = push_pointer(update_at, key);
        match (map.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(inner)) => {
                merge(existing, inner, &here, &from, overlay, placed);
            }
            _ => {
                // `insert` keeps a replaced key where it was; a new key goes last.
                map.insert(key.clone(), value.clone());
                placed.record(here, overlay, from);
            }
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// One step of a matched node's normalized path, owned so the spec can be changed
/// after the query that found it. Ordered as paths are: a parent before its children,
/// and in an array by index (a key and an index never meet at the same step).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

impl From<&PathElement<'_>> for Step {
    fn from(element: &PathElement<'_>) -> Self {
        match element {
            PathElement::Name(name) => Step::Key((*name).to_string()),
            PathElement::Index(i) => Step::Index(*i),
        }
    }
}

fn to_pointer(steps: &[Step]) -> String {
    steps
        .iter()
        .fold(String::new(), |pointer, step| match step {
            Step::Key(key) => push_pointer(&pointer, key),
            Step::Index(i) => push_pointer(&pointer, &i.to_string()),
        })
}

#[cfg(test)]
mod tests;

//! The Overlay document itself: its version, its `info`, and its actions, checked before
//! any of them touches the spec.
//!
//! Every problem is collected, as a JSON pointer within the overlay and a message, so one
//! run reports them all; the caller locates them in the overlay's text.

use crate::error::push_pointer;
use serde_json::Value;
use serde_json_path::JsonPath;

/// One action, ready to apply.
pub(super) struct Action<'o> {
    /// Where the action is in the overlay (`/actions/2`).
    pub pointer: String,
    pub target: JsonPath,
    /// The target as written, for messages.
    pub target_text: &'o str,
    pub change: Change<'o>,
}

pub(super) enum Change<'o> {
    Update(&'o Value),
    Remove,
    /// Neither `update` nor `remove: true`: allowed, and warned about.
    Nothing,
}

/// A pointer within the overlay and what is wrong there (or worth saying).
type Problem = (String, String);

/// The actions of an Overlay 1.0.x document, and warnings about it; or every problem.
pub(super) fn read(root: &Value) -> Result<(Vec<Action<'_>>, Vec<Problem>), Vec<Problem>> {
    let mut errors: Vec<Problem> = Vec::new();
    let mut warnings: Vec<Problem> = Vec::new();
    let mut error = |pointer: &str, message: String| errors.push((pointer.to_string(), message));
    let Some(map) = root.as_object() else {
        error(
            "",
            "an Overlay document must be a map at the top level".into(),
        );
        return Err(errors);
    };
    match map.get("overlay") {
        None => error(
            "",
            "missing `overlay`: an Overlay document starts with `overlay: 1.0.0`".into(),
        ),
        Some(Value::String(v)) if is_supported(v) => {}
        Some(other) => error(
            "/overlay",
            format!("unsupported `overlay` version {other}; pushgen reads Overlay 1.0.x"),
        ),
    }
    match map.get("info") {
        None => error("", "missing `info` (title and version)".into()),
        Some(info) => {
            let text = |key: &str| info.get(key).is_some_and(Value::is_string);
            if !(text("title") && text("version")) {
                error(
                    "/info",
                    "`info` must be a map with a `title` and a `version`, both strings".into(),
                );
            }
        }
    }
    if map.get("extends").is_some_and(|v| !v.is_string()) {
        error("/extends", "`extends` must be a string (a URI)".into());
    }
    let actions = match map.get("actions") {
        None => {
            error("", "missing `actions`: the list of changes to make".into());
            &[][..]
        }
        Some(Value::Array(list)) => {
            if list.is_empty() {
                warnings.push((
                    "/actions".into(),
                    "`actions` is empty: this overlay changes nothing".into(),
                ));
            }
            list.as_slice()
        }
        Some(_) => {
            error("/actions", "`actions` must be a list of actions".into());
            &[][..]
        }
    };
    let mut read = Vec::with_capacity(actions.len());
    for (i, value) in actions.iter().enumerate() {
        let pointer = push_pointer("/actions", &i.to_string());
        match action(value, &pointer) {
            Ok(action) => {
                if matches!(action.change, Change::Nothing) {
                    warnings.push((
                        pointer.clone(),
                        "this action has neither `update` nor `remove: true`: it changes nothing"
                            .into(),
                    ));
                }
                read.push(action);
            }
            Err(problems) => errors.extend(problems),
        }
    }
    if errors.is_empty() {
        Ok((read, warnings))
    } else {
        Err(errors)
    }
}

/// `1.0.0`, `1.0.1`, ...: patch releases of 1.0 change no meaning.
fn is_supported(version: &str) -> bool {
    version
        .strip_prefix("1.0.")
        .is_some_and(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()))
}

fn action<'o>(value: &'o Value, pointer: &str) -> Result<Action<'o>, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(map) = value.as_object() else {
        return Err(vec![(
            pointer.to_string(),
            "an action must be a map with a `target` and an `update` or `remove`".into(),
        )]);
    };
    let target = match map.get("target") {
        None => {
            problems.push((
                pointer.to_string(),
                "this action has no `target` (a JSONPath such as `$.paths['/a'].get`)".into(),
            ));
            None
        }
        Some(Value::String(text)) => match JsonPath::parse(text) {
            Ok(path) => Some((path, text.as_str())),
            Err(e) => {
                let hint = dashed_name(text)
                    .map(|name| format!("; a name with `-` needs brackets: `['{name}']`"))
                    .unwrap_or_default();
                problems.push((
                    push_pointer(pointer, "target"),
                    format!("`{text}` is not an RFC 9535 JSONPath: {e}{hint}"),
                ));
                None
            }
        },
        Some(_) => {
            problems.push((
                push_pointer(pointer, "target"),
                "`target` must be a string: a JSONPath such as `$.paths['/a'].get`".into(),
            ));
            None
        }
    };
    let remove = match map.get("remove") {
        None => false,
        Some(Value::Bool(on)) => *on,
        Some(_) => {
            problems.push((
                push_pointer(pointer, "remove"),
                "`remove` must be `true` or `false`".into(),
            ));
            false
        }
    };
    let update = map.get("update");
    if remove && update.is_some() {
        problems.push((
            push_pointer(pointer, "remove"),
            "an action either updates or removes, but this one has both `update` and \
             `remove: true`; split it into two actions"
                .into(),
        ));
    }
    let change = match update {
        Some(update) => Change::Update(update),
        None if remove => Change::Remove,
        None => Change::Nothing,
    };
    match target {
        Some((target, target_text)) if problems.is_empty() => Ok(Action {
            pointer: pointer.to_string(),
            target,
            target_text,
            change,
        }),
        _ => Err(problems),
    }
}

/// RFC 9535's `.name` shorthand allows no `-`, so `$.info.x-logo` does not parse and the
/// parser says only where. In OpenAPI that is nearly always an `x-` key: name it.
fn dashed_name(target: &str) -> Option<&str> {
    let mut quote = None;
    for (i, c) in target.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '.') => {
                let rest = &target[i + 1..];
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(rest.len());
                let name = &rest[..end];
                if name.contains('-') {
                    return Some(name);
                }
            }
            (None, _) => {}
        }
    }
    None
}

//! A valid document's typed model, read on every core.
//!
//! `paths` and `components/schemas` are most of a big spec (GitHub's schemas, Stripe's and
//! Kubernetes' paths), and which of the two is bigger varies. Their entries are read in
//! chunks that every core takes from one queue (`parallel.rs`), after the rest of the
//! document, which is one piece; the typed maps are put together in the document's order. The model is the one
//! reading the whole document at once gives: the same deserialisers read the same values.

use super::plain;
use crate::parallel;
use openapiv3::{OpenAPI, PathItem, ReferenceOr, Schema};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Entries a chunk holds: small enough that no core is left alone with a big one at the
/// end, big enough that taking one costs nothing next to reading it.
const CHUNK: usize = 4;

/// The typed model of `raw`, or `None` when any part of it does not read (the caller then
/// reads the whole document, which finds the error and where it is). `raw` is as it was
/// when this returns.
pub(super) fn read(raw: &mut Value) -> Option<OpenAPI> {
    // Taken out for the chunks, and in their places while the rest is read: what `paths`
    // holds beside paths (its extensions), and no schemas.
    let paths = raw.get_mut("paths").map(|place| {
        let extensions = match &*place {
            Value::Object(all) => all
                .iter()
                .filter(|(key, _)| !key.starts_with('/'))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            _ => Map::new(),
        };
        std::mem::replace(place, Value::Object(extensions))
    });
    let schemas = raw
        .pointer_mut("/components/schemas")
        .map(|place| std::mem::replace(place, Value::Object(Map::new())));
    let typed = match (&paths, &schemas) {
        (Some(Value::Object(paths)), None) => read_parts(raw, paths, &Map::new()),
        (Some(Value::Object(paths)), Some(Value::Object(schemas))) => {
            read_parts(raw, paths, schemas)
        }
        _ => None,
    };
    if let (Some(paths), Some(place)) = (paths, raw.get_mut("paths")) {
        *place = paths;
    }
    if let (Some(schemas), Some(place)) = (schemas, raw.pointer_mut("/components/schemas")) {
        *place = schemas;
    }
    typed
}

/// What one piece of work read.
enum Piece {
    /// The document without its paths and schemas (boxed: the model is big).
    Rest(Option<Box<OpenAPI>>),
    Paths(Option<Vec<ReferenceOr<PathItem>>>),
    Schemas(Option<Vec<ReferenceOr<Schema>>>),
}

fn read_parts(
    rest: &Value,
    paths: &Map<String, Value>,
    schemas: &Map<String, Value>,
) -> Option<OpenAPI> {
    // As `openapiv3::Paths` reads them: the keys that start with `/` are paths.
    let paths: Vec<(&String, &Value)> = paths
        .iter()
        .filter(|(key, _)| key.starts_with('/'))
        .collect();
    let schemas: Vec<(&String, &Value)> = schemas.iter().collect();
    let path_chunks: Vec<_> = paths.chunks(CHUNK).collect();
    let schema_chunks: Vec<_> = schemas.chunks(CHUNK).collect();
    // The rest first, so that it is begun at once while the chunks are shared out.
    let count = 1 + path_chunks.len() + schema_chunks.len();
    let pieces = parallel::map_in_order(
        count,
        1,
        || (),
        |(), index| match index {
            0 => Piece::Rest(plain(rest).map(Box::new)),
            _ if index <= path_chunks.len() => Piece::Paths(read_chunk(path_chunks[index - 1])),
            _ => Piece::Schemas(read_chunk(schema_chunks[index - 1 - path_chunks.len()])),
        },
    );
    let mut pieces = pieces.into_iter();
    let Some(Piece::Rest(Some(typed))) = pieces.next() else {
        return None;
    };
    // Each value is moved once, into its map: a path item is 8.7 KiB, and GitHub's
    // hundreds of them copied once more were a serial 10 ms of fresh memory.
    let mut path_map = Keyed::new(&paths);
    let mut schema_map = Keyed::new(&schemas);
    for piece in pieces {
        match piece {
            Piece::Paths(values) => path_map.extend(values?)?,
            Piece::Schemas(values) => schema_map.extend(values?)?,
            Piece::Rest(_) => return None,
        }
    }
    let mut typed = *typed;
    typed.paths.paths = path_map.map;
    if !schemas.is_empty() {
        typed.components.as_mut()?.schemas = schema_map.map;
    }
    Some(typed)
}

/// The values of a chunk of entries, each read as a `T`; `None` if one does not read.
fn read_chunk<T: DeserializeOwned>(entries: &[(&String, &Value)]) -> Option<Vec<T>> {
    entries.iter().map(|(_, value)| plain(value)).collect()
}

/// A typed map being filled in the order of its entries.
struct Keyed<'e, T> {
    keys: std::slice::Iter<'e, (&'e String, &'e Value)>,
    map: indexmap::IndexMap<String, T>,
}

impl<'e, T> Keyed<'e, T> {
    fn new(entries: &'e [(&'e String, &'e Value)]) -> Self {
        Keyed {
            keys: entries.iter(),
            map: indexmap::IndexMap::with_capacity(entries.len()),
        }
    }

    /// Adds the next entries' values; `None` if there are more values than entries.
    fn extend(&mut self, values: Vec<T>) -> Option<()> {
        for value in values {
            let (key, _) = self.keys.next()?;
            self.map.insert((*key).clone(), value);
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::read;
    use openapiv3::OpenAPI;
    use serde_json::{Value, json};

    /// The model and the raw value after `read`, against reading the whole value at once.
    fn read_both(mut raw: Value) -> (Option<OpenAPI>, Option<OpenAPI>) {
        let before = raw.clone();
        let whole = serde_json::from_value::<OpenAPI>(raw.clone()).ok();
        let parts = read(&mut raw);
        assert_eq!(raw, before, "read must leave the raw value as it was");
        (parts, whole)
    }

    #[test]
    fn reads_a_real_spec_as_a_whole_read_does() {
        let text = include_str!("../../../../fixtures/real/openai.yaml");
        let mut raw = crate::document::parse(text).expect("the fixture parses");
        crate::normalize::normalize(&mut raw);
        let (parts, whole) = read_both(raw);
        let parts = parts.expect("OpenAI's spec reads in parts");
        assert!(
            parts.paths.paths.len() > 4 && parts.components.as_ref().unwrap().schemas.len() > 4
        );
        assert_eq!(Some(parts), whole);
    }

    #[test]
    fn keeps_order_and_what_paths_holds_beside_paths() {
        let mut paths = serde_json::Map::new();
        let mut schemas = serde_json::Map::new();
        // Keys out of sorted order, and more of them than a chunk holds.
        for i in (0..23).rev() {
            paths.insert(
                format!("/p{i}"),
                json!({"get": {"responses": {"200": {"description": "ok"}}}}),
            );
            schemas.insert(format!("S{i}"), json!({"type": "string"}));
            if i == 11 {
                paths.insert("x-between".to_string(), json!({"kept": true}));
            }
        }
        let raw = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": paths,
            "components": {"schemas": schemas, "parameters": {"p": {"name": "p", "in": "query", "schema": {"type": "string"}}}},
        });
        let (parts, whole) = read_both(raw);
        let parts = parts.expect("reads");
        assert_eq!(
            parts.paths.paths.keys().next().map(String::as_str),
            Some("/p22")
        );
        assert_eq!(
            parts.paths.extensions.get("x-between"),
            Some(&json!({"kept": true}))
        );
        assert_eq!(Some(parts), whole);
    }

    #[test]
    fn a_value_that_does_not_read_gives_none_and_the_raw_value_back() {
        let mut schemas = serde_json::Map::new();
        for i in 0..9 {
            schemas.insert(format!("S{i}"), json!({"type": "string"}));
        }
        schemas.insert(
            "Bad".to_string(),
            json!({"type": "string", "maxLength": "long"}),
        );
        let no_paths = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": [], "components": {}});
        for raw in [
            json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}}),
            no_paths,
        ] {
            let (parts, whole) = read_both(raw);
            assert!(parts.is_none() && whole.is_none());
        }
    }
}

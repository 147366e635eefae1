//! OpenAPI 3.1 and 3.2 forms rewritten into the 3.0 model that `openapiv3` reads.
//!
//! `openapiv3` models 3.0 only and rejects what 3.1 changed (a `type` array, a numeric
//! `exclusiveMinimum`). Rather than fail, ingest rewrites those forms in the raw value
//! before typed deserialisation, in place, so JSON pointers keep pointing at the same
//! places in the file.
//!
//! | 3.1 / 3.2 | 3.0 |
//! |---|---|
//! | `type: [T, 'null']` | `type: T`, `nullable: true` |
//! | `type: ['null']`, `type: 'null'` | `nullable: true` |
//! | `type: [A, B]` | no `type` (any value) |
//! | `const: v` | `enum: [v]` (and `type: string` for a string) |
//! | `exclusiveMinimum: n` | `minimum: n`, `exclusiveMinimum: true` (same for maximum) |
//! | `examples: [a, ...]` (in a schema) | `example: a` |
//! | a document without `paths` | `paths: {}` |
//! | a boolean schema `true` / `false` | `{}` / `{not: {}}` |

use serde_json::{Map, Value};

/// Rewrites every schema of the document, wherever it is.
pub(crate) fn normalize(document: &mut Value) {
    if let Value::Object(root) = document {
        root.entry("paths")
            .or_insert_with(|| Value::Object(Map::new()));
    }
    drop_callbacks(document);
    walk(document, false);
}

/// Callbacks are not generated yet, and `openapiv3` refuses the
/// `$ref`s to `components/callbacks` that real specs use inside them: they are set aside.
fn drop_callbacks(document: &mut Value) {
    if let Some(Value::Object(paths)) = document.get_mut("paths") {
        for item in paths.values_mut() {
            if let Value::Object(item) = item {
                for op in item.values_mut() {
                    if let Value::Object(op) = op {
                        op.remove("callbacks");
                    }
                }
            }
        }
    }
    if let Some(Value::Object(components)) = document.get_mut("components") {
        components.remove("callbacks");
    }
}

/// Keys whose values are schemas (or maps or lists of schemas) in a schema or elsewhere.
fn child_is_schema(key: &str) -> bool {
    matches!(
        key,
        "schema"
            | "itemSchema"
            | "items"
            | "additionalProperties"
            | "not"
            | "contentSchema"
            | "propertyNames"
            | "if"
            | "then"
            | "else"
    )
}

fn children_are_schemas(key: &str) -> bool {
    matches!(
        key,
        "properties"
            | "patternProperties"
            | "$defs"
            | "definitions"
            | "allOf"
            | "oneOf"
            | "anyOf"
            | "prefixItems"
    )
}

/// Keys whose values are user data (examples, defaults), never to be rewritten.
fn is_data(key: &str) -> bool {
    matches!(key, "example" | "examples" | "default" | "value") || key.starts_with("x-")
}

/// `in_schema`: `value` is a schema (so its keys mean schema keywords).
fn walk(value: &mut Value, in_schema: bool) {
    // 3.1 boolean schemas: `true` accepts anything, `false` nothing.
    if in_schema && let Value::Bool(accept) = *value {
        *value = if accept {
            Value::Object(Map::new())
        } else {
            serde_json::json!({"not": {}})
        };
        return;
    }
    match value {
        Value::Object(map) => {
            if in_schema {
                rewrite_schema(map);
            }
            for (key, child) in map.iter_mut() {
                if in_schema && children_are_schemas(key) {
                    match child {
                        Value::Object(schemas) => {
                            for schema in schemas.values_mut() {
                                walk(schema, true);
                            }
                        }
                        Value::Array(schemas) => {
                            for schema in schemas {
                                walk(schema, true);
                            }
                        }
                        _ => {}
                    }
                } else if child_is_schema(key) {
                    walk(child, true);
                } else if key == "schemas" && !in_schema {
                    // `components/schemas`: a map of schemas.
                    if let Value::Object(schemas) = child {
                        for schema in schemas.values_mut() {
                            walk(schema, true);
                        }
                    }
                } else if !in_schema && key == crate::bundle::FILES_KEY {
                    // Files bundled from `$ref`s: a whole document, or schemas (one, or a
                    // map of them) whose place in the spec only the `$ref`s know.
                    if let Value::Array(files) = child {
                        for file in files {
                            let is_document = ["openapi", "paths", "components"]
                                .iter()
                                .any(|k| file.get(k).is_some());
                            if is_document {
                                walk(file, false);
                            } else {
                                walk_loose(file);
                            }
                        }
                    }
                } else if !in_schema && !is_data(key) {
                    walk(child, false);
                }
            }
        }
        Value::Array(items) if !in_schema => {
            for item in items {
                walk(item, false);
            }
        }
        _ => {}
    }
}

/// Keys only a schema has.
const SCHEMA_KEYS: &[&str] = &[
    "type",
    "properties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "enum",
    "const",
    "nullable",
    "format",
    "additionalProperties",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// Rewrites every object that looks like a schema: for files reached by `$ref` whose
/// structure is not an OpenAPI document's.
fn walk_loose(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if SCHEMA_KEYS.iter().any(|k| map.contains_key(*k)) {
                rewrite_schema(map);
            }
            for (key, child) in map.iter_mut() {
                if !is_data(key) || key == "value" {
                    walk_loose(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk_loose),
        _ => {}
    }
}

/// Whether `rewrite_schema` would change `schema`: one pass over its keys, where the
/// rewrite hashes each keyword to look it up in turn (7 ms of reading Stripe's spec,
/// whose thousands of schemas nearly all have nothing to rewrite; 2.4 ms this way).
fn needs_rewrite(schema: &Map<String, Value>) -> bool {
    let mut typed = false;
    let mut listed = false;
    for (key, value) in schema {
        match key.as_str() {
            "pattern" | "format" if !value.is_string() => return true,
            "type" if value.is_array() || value.as_str() == Some("null") => return true,
            "type" => typed = true,
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_number() => return true,
            "const" | "examples" => return true,
            "enum" => listed = true,
            _ => {}
        }
    }
    // An `enum` without `type`: whether it is of strings, the rewrite itself finds out.
    listed && !typed
}

fn rewrite_schema(schema: &mut Map<String, Value>) {
    if !needs_rewrite(schema) {
        return;
    }
    // Real specs write validation keywords pushgen does not use with the wrong JSON type
    // (`pattern: 0`); dropping them beats refusing the spec.
    for key in ["pattern", "format"] {
        if schema.get(key).is_some_and(|v| !v.is_string()) {
            schema.remove(key);
        }
    }
    // 3.1's `type: 'null'` alone: only null, which 3.0 says as a nullable schema of no type.
    if schema.get("type").and_then(Value::as_str) == Some("null") {
        schema.remove("type");
        schema.insert("nullable".into(), Value::Bool(true));
    }
    if let Some(Value::Array(types)) = schema.get("type") {
        let nullable = types.iter().any(|t| t == "null");
        let others: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        match others.as_slice() {
            [one] => {
                schema.insert("type".into(), one.clone());
            }
            _ => {
                schema.remove("type");
            }
        }
        if nullable {
            schema.insert("nullable".into(), Value::Bool(true));
        }
    }
    if let Some(value) = schema.remove("const") {
        schema
            .entry("enum")
            .or_insert_with(|| Value::Array(vec![value]));
    }
    // An `enum` of strings without `type` (common, and what `const` becomes) is a string.
    if !schema.contains_key("type")
        && let Some(Value::Array(values)) = schema.get("enum")
        && !values.is_empty()
        && values.iter().all(|v| v.is_string() || v.is_null())
        && values.iter().any(Value::is_string)
    {
        schema.insert("type".into(), Value::String("string".into()));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(n)) = schema.get(exclusive).cloned() {
            schema.insert(bound.into(), Value::Number(n));
            schema.insert(exclusive.into(), Value::Bool(true));
        }
    }
    if let Some(Value::Array(examples)) = schema.remove("examples")
        && let Some(first) = examples.into_iter().next()
    {
        schema.entry("example").or_insert(first);
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use serde_json::json;

    #[test]
    fn three_one_forms_become_three_oh() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "components": {"schemas": {
                "A": {"type": ["string", "null"], "examples": ["x", "y"]},
                "B": {"type": "object", "properties": {
                    "n": {"type": ["integer", "string"], "exclusiveMinimum": 0},
                    "c": {"const": "fixed"},
                    "list": {"type": "array", "items": {"type": ["null", "boolean"]}}
                }}
            }}
        });
        normalize(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["A"],
            json!({"type": "string", "nullable": true, "example": "x"})
        );
        let props = &schemas["B"]["properties"];
        assert_eq!(props["n"], json!({"minimum": 0, "exclusiveMinimum": true}));
        assert_eq!(props["c"], json!({"enum": ["fixed"], "type": "string"}));
        assert_eq!(
            props["list"]["items"],
            json!({"type": "boolean", "nullable": true})
        );
        assert_eq!(doc["paths"], json!({}));
    }

    #[test]
    fn non_schema_keys_are_left_alone() {
        // `examples` of a media type is a map of Example objects, not a schema keyword;
        // `type` of a security scheme is a string.
        let mut doc = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {
                "application/json": {"examples": {"one": {"value": 1}}, "schema": {"type": ["number", "null"]}}
            }}}}}},
            "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "k"}}}
        });
        normalize(&mut doc);
        let media = &doc["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["examples"], json!({"one": {"value": 1}}));
        assert_eq!(media["schema"], json!({"type": "number", "nullable": true}));
        assert_eq!(
            doc["components"]["securitySchemes"]["key"]["type"],
            "apiKey"
        );
    }
}

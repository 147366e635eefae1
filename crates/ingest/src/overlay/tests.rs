//! Overlay semantics on small values: merge, append, remove, order; and each error and
//! warning at its pointer and line in the overlay.

use super::{Applied, Overlay, apply_all};
use crate::error::SpecErrors;
use crate::locate::Location;
use serde_json::{Value, json};

/// The overlay's `actions`, given as YAML lines (indented two spaces), under a valid
/// header of three lines, so an action's first line is line 4.
fn overlay(actions: &str) -> Overlay {
    Overlay::new(
        "dir/test.overlay.yaml",
        format!("overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n{actions}"),
    )
}

fn apply(spec: &mut Value, overlays: &[Overlay]) -> Result<Applied, SpecErrors> {
    apply_all(spec, overlays)
}

fn applied(mut spec: Value, actions: &str) -> Value {
    apply(&mut spec, &[overlay(actions)]).unwrap_or_else(|e| panic!("{e}"));
    spec
}

/// The only error the overlay gives: (pointer, message, line, column).
fn error(spec: Value, overlay: Overlay) -> (String, String, usize, usize) {
    let mut spec = spec;
    let errors = apply(&mut spec, &[overlay]).expect_err("the overlay must be refused");
    assert_eq!(
        errors.source, "test.overlay.yaml",
        "named after the overlay"
    );
    assert_eq!(errors.errors.len(), 1, "{errors}");
    let e = &errors.errors[0];
    assert_eq!(e.file.as_deref(), Some("dir/test.overlay.yaml"));
    let Location { line, column } = e.location.expect("located in the overlay");
    (e.pointer.clone(), e.message.clone(), line, column)
}

#[test]
fn update_merges_objects_deeply_and_replaces_the_rest() {
    let spec = json!({"info": {"title": "A", "contact": {"name": "n", "url": "u"}, "tags": [1]}});
    let spec = applied(
        spec,
        "  - target: $.info\n    update:\n      title: B\n      contact: {email: e}\n      \
         tags: [2]\n      x-new: true\n",
    );
    assert_eq!(
        spec,
        json!({"info": {
            "title": "B",
            "contact": {"name": "n", "url": "u", "email": "e"},
            "tags": [2],
            "x-new": true
        }})
    );
    // A replaced key stays where it was; new keys come last.
    let keys: Vec<&String> = spec["info"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["title", "contact", "tags", "x-new"]);
}

#[test]
fn update_on_an_array_appends_one_entry() {
    let spec = applied(
        json!({"tags": [{"name": "a"}]}),
        "  - target: $.tags\n    update: {name: b}\n  - target: $.tags\n    update: [c, d]\n",
    );
    assert_eq!(
        spec,
        json!({"tags": [{"name": "a"}, {"name": "b"}, ["c", "d"]]})
    );
}

#[test]
fn update_applies_to_every_selected_node() {
    let spec = json!({"paths": {
        "/a": {"post": {"responses": {"200": {"content": {"application/x-ndjson": {}}}}}},
        "/b": {"get": {"responses": {"200": {"content": {"application/x-ndjson": {"schema": {}}}}}}}
    }});
    let spec = applied(
        spec,
        "  - target: $.paths[*][*].responses[*].content['application/x-ndjson']\n    \
         update: {x-push-error: {type: object}}\n",
    );
    let media = |path: &str, method: &str| {
        spec["paths"][path][method]["responses"]["200"]["content"]["application/x-ndjson"].clone()
    };
    assert_eq!(
        media("/a", "post"),
        json!({"x-push-error": {"type": "object"}})
    );
    assert_eq!(
        media("/b", "get"),
        json!({"schema": {}, "x-push-error": {"type": "object"}})
    );
}

#[test]
fn remove_deletes_keys_and_array_items_keeping_indices_valid() {
    let spec = applied(
        json!({"a": {"x": 1, "y": 2, "z": 3}, "list": [0, 1, 2, 3, 4]}),
        "  - target: $.a.y\n    remove: true\n  - target: $.list[1, 3, 3]\n    remove: true\n",
    );
    // Index 3 first, then 1; selected twice, removed once.
    assert_eq!(spec, json!({"a": {"x": 1, "z": 3}, "list": [0, 2, 4]}));
    let keys: Vec<&String> = spec["a"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["x", "z"], "the other keys keep their order");
}

#[test]
fn remove_of_a_node_and_its_descendant_removes_both() {
    let spec = applied(
        json!({"a": {"n": {"n": {"k": 1}}, "m": [{"n": 1}, {"n": 2}]}}),
        "  - target: $..n\n    remove: true\n",
    );
    assert_eq!(spec, json!({"a": {"m": [{}, {}]}}));
}

#[test]
fn actions_apply_in_order_and_overlays_in_turn() {
    // Removed, then added back: the second action sees the first's result.
    let spec = applied(
        json!({"info": {"title": "A", "description": "old"}}),
        "  - target: $.info.description\n    remove: true\n  - target: $.info\n    \
         update: {description: new}\n",
    );
    assert_eq!(spec, json!({"info": {"title": "A", "description": "new"}}));

    let mut spec = json!({"info": {}});
    let first = overlay("  - target: $.info\n    update: {x-a: {}}\n");
    let second = overlay("  - target: $.info['x-a']\n    update: {b: 1}\n");
    let result = apply(&mut spec, &[first, second]).unwrap();
    assert_eq!(spec, json!({"info": {"x-a": {"b": 1}}}));
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
}

#[test]
fn a_target_that_selects_nothing_is_a_located_warning() {
    let mut spec = json!({"paths": {}});
    let result = apply(
        &mut spec,
        &[overlay(
            "  - target: $.paths['/gone'].get\n    update: {x: 1}\n",
        )],
    )
    .unwrap();
    assert_eq!(spec, json!({"paths": {}}));
    let [warning] = &result.warnings[..] else {
        panic!("one warning expected: {:?}", result.warnings);
    };
    assert_eq!(
        warning.to_string(),
        "dir/test.overlay.yaml:4:13: warning: target `$.paths['/gone'].get` selects nothing \
         in the spec; this action changed nothing (at #/actions/0/target)"
    );
}

#[test]
fn an_action_without_a_change_and_no_actions_are_warnings() {
    let mut spec = json!({"info": {}});
    let result = apply(&mut spec, &[overlay("  - target: $.info\n")]).unwrap();
    assert!(result.warnings[0].message.contains("neither `update` nor"));
    let empty = Overlay::new(
        "e.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: []\n",
    );
    let result = apply(&mut spec, &[empty]).unwrap();
    assert!(result.warnings[0].message.contains("`actions` is empty"));
}

#[test]
fn placed_values_are_traced_back_to_the_overlay() {
    let mut spec = json!({"a": {"b": {}}, "list": [1]});
    let result = apply(
        &mut spec,
        &[overlay(
            "  - target: $.a.b\n    update: {c: {d: 1}}\n  - target: $.list\n    update: {e: 2}\n",
        )],
    )
    .unwrap();
    let placed = &result.placed;
    assert_eq!(
        placed.origin("/a/b/c/d/missing"),
        Some((0, "/actions/0/update/c/d/missing".into()))
    );
    assert_eq!(
        placed.origin("/list/1/e"),
        Some((0, "/actions/1/update/e".into()))
    );
    assert_eq!(placed.origin("/a/b"), None, "there before the overlay");
    assert_eq!(
        placed.origin("/a/bc"),
        None,
        "a pointer prefix is whole tokens"
    );
    assert_eq!(placed.origin("/list/0"), None);
}

#[test]
fn removing_a_key_forgets_only_what_was_under_it() {
    let mut spec = json!({"info": {}});
    let result = apply(
        &mut spec,
        &[overlay(
            "  - target: $.info\n    update: {a: {x: 1}, b: {y: 2}}\n  \
             - target: $.info.b\n    remove: true\n",
        )],
    )
    .unwrap();
    assert_eq!(spec, json!({"info": {"a": {"x": 1}}}));
    assert_eq!(
        result.placed.origin("/info/a/x"),
        Some((0, "/actions/0/update/a/x".into()))
    );
    assert_eq!(result.placed.origin("/info/b"), None);
}

#[test]
fn after_a_removal_from_an_array_its_items_are_looked_up_as_the_array() {
    let mut spec = json!({"list": [1], "other": []});
    let result = apply(
        &mut spec,
        &[overlay(
            "  - target: $.list\n    update: {x: 1}\n  - target: $.list[0]\n    remove: true\n  \
             - target: $.other\n    update: [a, b]\n  - target: $.other[0][0]\n    remove: true\n",
        )],
    )
    .unwrap();
    assert_eq!(spec, json!({"list": [{"x": 1}], "other": [["b"]]}));
    let placed = &result.placed;
    // What the text, or an overlay, has at `/list/0` is not the item now there.
    assert_eq!(placed.stable("/list/0/x"), "/list");
    assert_eq!(
        placed.origin(placed.stable("/list/0/x")),
        None,
        "in the spec's text"
    );
    assert_eq!(placed.stable("/list"), "/list");
    assert_eq!(placed.stable("/listing/0"), "/listing/0");
    // An array the overlay placed is shown whole, in the overlay.
    assert_eq!(placed.stable("/other/0/0"), "/other/0");
    assert_eq!(
        placed.origin(placed.stable("/other/0/0")),
        Some((0, "/actions/2/update".into()))
    );
}

#[test]
fn syntax_errors_are_the_overlays() {
    let yaml = Overlay::new("dir/test.overlay.yaml", "overlay: 1.0.0\nactions: [\n");
    let (pointer, message, line, _) = error(json!({}), yaml);
    assert_eq!(pointer, "");
    assert!(message.starts_with("invalid YAML: "), "{message}");
    assert_eq!(line, 3);
    let json_text = "{\n  \"overlay\": \"1.0.0\",\n}\n";
    let (_, message, line, column) =
        error(json!({}), Overlay::new("dir/test.overlay.yaml", json_text));
    assert!(
        message.starts_with("invalid JSON: trailing comma"),
        "{message}"
    );
    assert_eq!((line, column), (3, 1));
}

#[test]
fn document_errors_point_into_the_overlay() {
    let cases: [(&str, &str, &str, (usize, usize)); 6] = [
        (
            "info: {title: t, version: '1'}\nactions: []\n",
            "",
            "missing `overlay`",
            (1, 1),
        ),
        (
            "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: []\n",
            "/overlay",
            "unsupported `overlay` version \"2.0.0\"; pushgen reads Overlay 1.0.x",
            (1, 10),
        ),
        (
            "overlay: 1.0.0\nactions: []\n",
            "",
            "missing `info`",
            (1, 1),
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t}\nactions: []\n",
            "/info",
            "`info` must be a map with a `title` and a `version`",
            (2, 1),
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: {target: $}\n",
            "/actions",
            "`actions` must be a list of actions",
            (3, 1),
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - update: {}\n",
            "/actions/0",
            "this action has no `target`",
            (4, 5),
        ),
    ];
    for (text, pointer, message, at) in cases {
        let got = error(json!({}), Overlay::new("dir/test.overlay.yaml", text));
        assert_eq!(got.0, pointer, "{text}");
        assert!(got.1.contains(message), "{text}: {}", got.1);
        assert_eq!((got.2, got.3), at, "{text}");
    }
}

#[test]
fn patch_releases_of_1_0_are_read() {
    let mut spec = json!({});
    let text = "overlay: 1.0.7\ninfo: {title: t, version: '1'}\nactions:\n  - target: $\n    update: {a: 1}\n";
    apply(&mut spec, &[Overlay::new("o.yaml", text)]).unwrap();
    assert_eq!(spec, json!({"a": 1}));
    for version in ["1.0", "1.0.", "1.0.x", "1.1.0"] {
        let text = format!("overlay: '{version}'\ninfo: {{title: t, version: '1'}}\nactions: []\n");
        let errors = apply(&mut spec, &[Overlay::new("o.yaml", text)]).unwrap_err();
        assert_eq!(errors.errors[0].pointer, "/overlay", "{version}");
    }
}

#[test]
fn action_errors_point_at_the_field() {
    let (pointer, message, line, column) =
        error(json!({}), overlay("  - target: $.paths[\n    update: {}\n"));
    assert_eq!(pointer, "/actions/0/target");
    // The crate's own words, after the target as written.
    assert!(
        message.starts_with("`$.paths[` is not an RFC 9535 JSONPath: at position "),
        "{message}"
    );
    assert_eq!((line, column), (4, 13));

    // RFC 9535 has no `-` in `.name`; OpenAPI has it in every `x-` key.
    let (_, message, ..) = error(
        json!({}),
        overlay("  - target: $.info.x-logo\n    update: {}\n"),
    );
    assert!(
        message.ends_with("; a name with `-` needs brackets: `['x-logo']`"),
        "{message}"
    );

    let (pointer, message, ..) = error(
        json!({}),
        overlay("  - target: $.a\n    update: {}\n    remove: true\n"),
    );
    assert_eq!(pointer, "/actions/0/remove");
    assert!(
        message.contains("both `update` and `remove: true`"),
        "{message}"
    );

    let (pointer, message, ..) = error(
        json!({}),
        overlay("  - target: $.a\n    remove: yes please\n"),
    );
    assert_eq!(pointer, "/actions/0/remove");
    assert!(message.contains("`true` or `false`"), "{message}");
}

#[test]
fn every_problem_in_one_overlay_is_reported() {
    let mut spec = json!({});
    let errors = apply(
        &mut spec,
        &[overlay("  - update: {}\n  - target: 7\n  - target: $[\n")],
    )
    .unwrap_err();
    let pointers: Vec<&str> = errors.errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        ["/actions/0", "/actions/1/target", "/actions/2/target"]
    );
}

#[test]
fn updates_that_do_not_fit_the_selected_node_are_errors() {
    let spec = json!({"info": {"title": "A"}});
    let (pointer, message, ..) = error(
        spec.clone(),
        overlay("  - target: $.info\n    update: new title\n"),
    );
    assert_eq!(pointer, "/actions/0/update");
    assert!(
        message.contains("must be a map to merge into the object at #/info, not a string"),
        "{message}"
    );
    let (pointer, message, ..) = error(
        spec.clone(),
        overlay("  - target: $.info.title\n    update: B\n"),
    );
    assert_eq!(pointer, "/actions/0/target");
    assert!(
        message.contains("the value at #/info/title is a string"),
        "{message}"
    );
    let (pointer, message, ..) = error(spec, overlay("  - target: $\n    remove: true\n"));
    assert_eq!(pointer, "/actions/0/target");
    assert!(
        message.contains("cannot remove the whole document"),
        "{message}"
    );
}

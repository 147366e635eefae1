//! Building the parts beside each other gives what building them in order gives.

use super::{Spread, build_with};
use crate::document;
use crate::error::Diagnostics;

/// Both ways of building `text`; asserts they agree, and returns what was built.
fn agree(text: &str, source: &str) -> (pushgen_ir::Api, Diagnostics) {
    let raw = document::parse(text).unwrap();
    let doc = document::load(raw).unwrap();
    let mut over_cores = Diagnostics::default();
    let mut in_order = Diagnostics::default();
    let api = build_with(&doc, source, &mut over_cores, Spread::OverCores);
    let expected = build_with(&doc, source, &mut in_order, Spread::InOrder);
    assert_eq!(api, expected, "{source}: the IR differs");
    assert_eq!(
        over_cores.errors, in_order.errors,
        "{source}: the errors differ"
    );
    assert_eq!(
        over_cores.warnings, in_order.warnings,
        "{source}: the warnings differ"
    );
    (api, over_cores)
}

/// Parts that meet: operations sharing a parameter's inline enum (with an example) and
/// a response's inline types (with an error inside), components reaching into each
/// other's and into those, hoisted names that collide across parts, and errors in
/// several parts.
const MEETING: &str = r##"
openapi: 3.0.3
info: {title: Meeting, version: '1'}
paths:
  /a:
    get:
      operationId: listA
      parameters: [{$ref: '#/components/parameters/order'}]
      responses:
        '200': {$ref: '#/components/responses/Page'}
  /b:
    get:
      operationId: listB
      parameters: [{$ref: '#/components/parameters/order'}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  kind: {type: string, enum: [x, y]}
        '400': {$ref: '#/components/responses/Page'}
  /c:
    post:
      operationId: thing
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {kind: {type: string, enum: [p, q]}}}
      responses:
        '200': {$ref: '#/components/responses/Missing'}
        '201': {$ref: '#/components/responses/Page'}
  /d:
    get:
      operationId: listA
      responses: {'204': {description: a second listA}}
components:
  parameters:
    order:
      name: order
      in: query
      schema: {type: string, enum: [asc, desc], example: asc}
  responses:
    Page:
      description: a page
      content:
        application/json:
          schema:
            type: object
            properties:
              items:
                type: array
                items:
                  type: object
                  properties:
                    id: {type: integer, example: 7}
                    broken: {$ref: '#/components/schemas/Nowhere/items'}
  schemas:
    Thing:
      type: object
      properties:
        kind: {type: string, enum: [a, b]}
        order: {$ref: '#/components/parameters/order/schema'}
        nowhere: {$ref: '#/components/schemas/Nowhere'}
    ThingKind: {type: object, properties: {kind: {type: string, enum: [c, d]}}}
    Other:
      type: object
      properties:
        page: {$ref: '#/components/responses/Page/content/application~1json/schema'}
        kind: {$ref: '#/components/schemas/Thing/properties/kind'}
    ListAResponse: {type: object, properties: {id: {type: string}}}
    Foo: {type: object, properties: {barBaz: {type: object, properties: {x: {type: integer}}}}}
    FooBar: {type: object, properties: {baz: {type: object, properties: {y: {type: integer}}}}}
"##;

#[test]
fn parts_that_meet_are_joined_as_if_built_in_order() {
    let (api, diags) = agree(MEETING, "meeting.yaml");
    // The case is what it says: shared types, colliding names, and errors.
    let names: Vec<&str> = api.types.iter().map(|t| t.name.camel.as_str()).collect();
    assert!(names.contains(&"Order"), "{names:?}");
    assert!(names.contains(&"ThingKind2"), "{names:?}");
    assert!(names.contains(&"FooBarBaz2"), "{names:?}");
    assert!(diags.errors.len() >= 3, "{:?}", diags.errors);
}

#[test]
fn fixtures_are_joined_as_if_built_in_order() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    let mut read = 0;
    for entry in std::fs::read_dir(dir)
        .unwrap()
        .chain(std::fs::read_dir(format!("{dir}/real")).unwrap())
    {
        let path = entry.unwrap().path();
        let is_spec = path.extension().is_some_and(|e| e == "yaml" || e == "json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Overlays and specs that need their directory (`$ref`s to files) are not
        // whole documents here.
        let Ok(raw) = document::parse(&text) else {
            continue;
        };
        if !is_spec || raw.get("openapi").is_none() || text.contains("$ref: './") {
            continue;
        }
        agree(&text, &path.display().to_string());
        read += 1;
    }
    assert!(read >= 15, "only {read} fixtures read");
}

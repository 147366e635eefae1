//! Overlays through the whole of ingest: what they add is read like the spec's own text,
//! and errors about it are shown where it was written.

use pushgen_ingest::{Ingested, Options, Overlay, SpecErrors, Timings};
use pushgen_ir::{Streaming, Terminator};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

fn ingest(spec: &Path, overlays: &[Overlay]) -> Result<Ingested, SpecErrors> {
    let text = std::fs::read_to_string(spec).expect("read the spec");
    let options = Options {
        path: Some(spec),
        overlays,
    };
    let name = spec.file_name().unwrap().to_string_lossy();
    pushgen_ingest::ingest_with_options(&text, &name, options, &mut Timings::default())
}

fn read(name: &str) -> Overlay {
    Overlay::read(fixture(name)).expect("read the overlay")
}

fn terminator(ingested: &Ingested) -> Option<&Terminator> {
    match &ingested.api.operations[0].streaming {
        Streaming::Items(stream) => stream.terminator.as_ref(),
        Streaming::Conditional(conditional) => conditional.stream.terminator.as_ref(),
        other => panic!("expected a stream, got {other:?}"),
    }
}

#[test]
fn an_overlay_annotation_is_read_as_the_specs_own() {
    let spec = fixture("overlay/spec.yaml");
    let plain = ingest(&spec, &[]).unwrap();
    assert_eq!(terminator(&plain), None);
    let overlaid = ingest(&spec, &[read("overlay/terminator.overlay.yaml")]).unwrap();
    assert_eq!(
        terminator(&overlaid),
        Some(&Terminator::Data("[DONE]".into()))
    );
    assert!(overlaid.warnings.is_empty(), "{:?}", overlaid.warnings);
}

#[test]
fn a_target_that_selects_nothing_warns_and_reading_goes_on() {
    let spec = fixture("overlay/spec.yaml");
    let overlays = [
        read("overlay/zero-match.overlay.yaml"),
        read("overlay/terminator.overlay.yaml"),
    ];
    let ingested = ingest(&spec, &overlays).unwrap();
    let [warning] = &ingested.warnings[..] else {
        panic!("one warning expected: {:?}", ingested.warnings);
    };
    assert_eq!(warning.pointer, "/actions/0/target");
    assert!(warning.file.ends_with("zero-match.overlay.yaml"));
    assert_eq!(warning.location.map(|l| (l.line, l.column)), Some((8, 13)));
    assert!(
        terminator(&ingested).is_some(),
        "the next overlay still applied"
    );
}

/// A spec error in an array an overlay removed an item from: the text's item at that
/// index is not the one meant, so the array is shown.
#[test]
fn a_spec_error_after_a_removal_is_shown_at_what_is_still_in_the_text() {
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      \
                parameters:\n        - {name: gone, in: query, schema: {type: string}}\n        \
                - {name: bad, in: query}\n      responses: {'204': {description: none}}\n";
    let overlay = Overlay::new(
        "remove.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  \
         - target: $.paths['/a'].get.parameters[0]\n    remove: true\n",
    );
    let options = Options {
        path: None,
        overlays: std::slice::from_ref(&overlay),
    };
    let errors =
        pushgen_ingest::ingest_with_options(spec, "spec.yaml", options, &mut Timings::default())
            .unwrap_err();
    assert_eq!(errors.source, "spec.yaml", "the error is the spec's");
    let error = &errors.errors[0];
    assert!(
        error.message.contains("needs a `schema`"),
        "{}",
        error.message
    );
    assert_eq!(error.pointer, "/paths/~1a/get/parameters/0");
    assert_eq!(error.file, None);
    // `parameters:`, not line 7's `gone`, which is no longer there.
    assert_eq!(error.location.map(|l| (l.line, l.column)), Some((6, 7)));
}

#[test]
fn overlays_apply_to_a_spec_without_a_path() {
    let text = std::fs::read_to_string(fixture("overlay/spec.yaml")).unwrap();
    let overlays = [read("overlay/terminator.overlay.yaml")];
    let options = Options {
        path: None,
        overlays: &overlays,
    };
    let ingested =
        pushgen_ingest::ingest_with_options(&text, "spec.yaml", options, &mut Timings::default())
            .unwrap();
    assert!(terminator(&ingested).is_some());
}

#[test]
fn the_ollama_overlay_selects_every_ndjson_stream() {
    let ingested = ingest(
        &fixture("real/ollama.yaml"),
        &[read("real/ollama.overlay.yaml")],
    )
    .unwrap();
    assert!(ingested.warnings.is_empty(), "{:?}", ingested.warnings);
}

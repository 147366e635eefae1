//! `pushgen inspect`: what it prints about a spec, as text and as JSON.

use std::path::Path;
use std::process::Output;

mod support;
use support::{fixture, pushgen, text};

fn inspect(spec: &Path, more: &[&str]) -> Output {
    let spec = spec.to_str().expect("fixture paths are UTF-8");
    let mut args = vec!["inspect", "--spec", spec];
    args.extend_from_slice(more);
    pushgen(&args)
}

#[track_caller]
fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "inspect failed\nstdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn text_lists_operations_with_their_push_items() {
    let output = inspect(&fixture("consumer.yaml"), &[]);
    assert_success(&output);
    let summary = text(&output.stdout);
    for wanted in [
        "Consumer API 1.0.0",
        "POST /consumers",
        "createConsumer",
        "push (envelope): 1 item",
        "/consumers/{consumerId}/events/{offset}",
        "types",
    ] {
        assert!(summary.contains(wanted), "lacks `{wanted}`:\n{summary}");
    }
    let explicit = inspect(&fixture("consumer.yaml"), &["--format", "text"]);
    assert_success(&explicit);
    assert_eq!(text(&explicit.stdout), summary, "text is the default");
}

#[test]
fn json_is_the_whole_ir() {
    let output = inspect(&fixture("consumer.yaml"), &["--format", "json"]);
    assert_success(&output);
    let ir: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("--format json prints JSON");
    let push = &ir["operations"][0]["streaming"]["Envelope"];
    assert!(push.is_object(), "no Envelope in operations[0]:\n{ir:#}");
    assert_eq!(
        push["items"][0]["wire_name"],
        "/consumers/{consumerId}/events/{offset}"
    );
    assert_eq!(ir["title"], "Consumer API");
}

#[test]
fn a_broken_spec_fails_with_the_error() {
    let spec = fixture("broken/14-duplicate-operation-id.yaml");
    let output = inspect(&spec, &[]);
    assert!(!output.status.success(), "a broken spec must fail");
    assert!(
        output.stdout.is_empty(),
        "printed a summary of a broken spec"
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("14-duplicate-operation-id.yaml:12:20: error: duplicate operationId"),
        "{stderr}"
    );
    // Inspect writes nothing in any case, so it does not say so.
    assert!(
        stderr.ends_with("pushgen: 1 error in 14-duplicate-operation-id.yaml\n"),
        "{stderr}"
    );

    let rich = inspect(&spec, &["--format", "json", "--color", "always"]);
    assert!(!rich.status.success(), "a broken spec must fail");
    assert!(text(&rich.stderr).contains("operationId: fetch"));
}

#[test]
fn spec_is_required() {
    let output = pushgen(&["inspect"]);
    assert_eq!(output.status.code(), Some(2), "clap's usage error");
    assert!(text(&output.stderr).contains("--spec"));
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let output = inspect(Path::new("no/such/spec.yaml"), &[]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("cannot read no/such/spec.yaml"), "{stderr}");
}

/// The real specs in `fixtures/real`: each streaming operation
/// shows the shape its document gives it.
#[test]
fn real_specs_show_their_streaming_operations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real");
    // (spec, the operation's line starts with, the shape it shows)
    let cases = [
        (
            "openai.yaml",
            "POST /chat/completions ",
            "stream-conditional on `stream`: text/event-stream",
        ),
        (
            "ollama.yaml",
            "POST /api/generate ",
            "stream-conditional on `stream` (on by default): application/x-ndjson",
        ),
        (
            "mercure.json",
            "GET /.well-known/mercure ",
            "stream (item): text/event-stream, 1 item, resumable",
        ),
    ];
    for (spec, operation, shape) in cases {
        let output = inspect(&dir.join(spec), &[]);
        assert_success(&output);
        let stdout = text(&output.stdout);
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(operation))
            .unwrap_or_else(|| panic!("{spec}: no `{operation}` in\n{stdout}"));
        assert!(line.contains(shape), "{spec}: `{line}` lacks `{shape}`");
    }
}

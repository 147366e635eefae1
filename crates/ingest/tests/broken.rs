//! The catalogue of broken specs in `fixtures/broken/`: each must be refused, with the
//! error its expectation names. Adding a case is adding a file: a spec whose first line is
//! `# expect: <pointer> | <message substring> | <line>:<column>` (an empty pointer is the
//! whole document), or, for JSON, which has no comments, a spec plus `<stem>.expect`
//! holding that line.
//!
//! `fixtures/broken-overlays/` is the same for Overlay documents, each applied to
//! `fixtures/overlay/spec.yaml`: the error must be in the overlay's file.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Fewer files than this means the catalogue was lost, not that every case passes.
const MIN_CASES: usize = 25;
/// Likewise for the broken overlays in `fixtures/broken-overlays/`.
const MIN_OVERLAY_CASES: usize = 12;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn is_spec(path: &Path) -> bool {
    path.is_file()
        && matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        )
}

/// Specs directly in `dir`, sorted so failures are listed in catalogue order.
fn specs_in(dir: &Path) -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| is_spec(path))
        .collect();
    specs.sort();
    specs
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What one broken spec must produce.
struct Expectation {
    pointer: String,
    message: String,
    location: pushgen_ingest::Location,
}

/// Reads the `# expect:` line from the spec itself, else from its `.expect` sibling.
fn expectation(spec: &Path, text: &str) -> Result<Expectation, String> {
    let sidecar = spec.with_extension("expect");
    let (line, from) = if sidecar.is_file() {
        let content = fs::read_to_string(&sidecar)
            .map_err(|e| format!("cannot read {}: {e}", sidecar.display()))?;
        (
            content.lines().next().unwrap_or("").to_string(),
            name_of(&sidecar),
        )
    } else {
        (text.lines().next().unwrap_or("").to_string(), name_of(spec))
    };
    let rest = line
        .trim()
        .strip_prefix("# expect:")
        .ok_or_else(|| format!("{from}: first line must be `# expect: <pointer> | <message>`"))?;
    let fields: Vec<&str> = rest.split('|').map(str::trim).collect();
    let [pointer, message, location] = fields[..] else {
        return Err(format!(
            "{from}: the expectation must be `<pointer> | <message> | <line>:<column>`"
        ));
    };
    if message.is_empty() {
        return Err(format!("{from}: the expected message is empty"));
    }
    let location = location
        .split_once(':')
        .and_then(|(l, c)| Some((l.parse().ok()?, c.parse().ok()?)))
        .map(|(line, column)| pushgen_ingest::Location { line, column })
        .ok_or_else(|| format!("{from}: `{location}` is not `<line>:<column>`"))?;
    Ok(Expectation {
        pointer: pointer.to_string(),
        message: message.to_string(),
        location,
    })
}

/// Checks one broken spec; `Err` describes how it did not match.
fn check(spec: &Path) -> Result<(), String> {
    let text = fs::read_to_string(spec).map_err(|e| format!("cannot read: {e}"))?;
    let expected = expectation(spec, &text)?;
    // A panic is a failure of this file only; the rest of the catalogue still runs.
    let result = catch_unwind(AssertUnwindSafe(|| {
        pushgen_ingest::ingest_path(&text, spec).map(|(api, _)| api)
    }))
    .map_err(|_| "ingest panicked".to_string())?;
    refused(result, &expected, None)
}

/// The spec every overlay of `fixtures/broken-overlays/` is applied to.
fn overlay_base() -> PathBuf {
    fixtures_dir().join("overlay/spec.yaml")
}

/// Checks one broken overlay, applied to [`overlay_base`]: its error must be in the
/// overlay, named by the path it was read from.
fn check_overlay(path: &Path) -> Result<(), String> {
    let overlay = pushgen_ingest::Overlay::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let expected = expectation(path, &overlay.text)?;
    let base = overlay_base();
    let spec = fs::read_to_string(&base).map_err(|e| format!("cannot read the base: {e}"))?;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let options = pushgen_ingest::Options {
            path: Some(&base),
            overlays: std::slice::from_ref(&overlay),
        };
        let mut timings = pushgen_ingest::Timings::default();
        pushgen_ingest::ingest_with_options(&spec, "spec.yaml", options, &mut timings)
            .map(|ingested| ingested.api)
    }))
    .map_err(|_| "ingest panicked".to_string())?;
    refused(result, &expected, Some(&path.display().to_string()))
}

/// Whether `result` is the refusal `expected` describes, in `file` (`None`: the spec).
fn refused(
    result: Result<pushgen_ir::Api, pushgen_ingest::SpecErrors>,
    expected: &Expectation,
    file: Option<&str>,
) -> Result<(), String> {
    let errors = match result {
        Ok(_) => return Err("ingest accepted it (Ok)".to_string()),
        Err(errors) => errors,
    };
    let matched = errors.errors.iter().any(|e| {
        e.pointer == expected.pointer
            && e.message.contains(&expected.message)
            && e.location == Some(expected.location)
            && e.file.as_deref() == file
    });
    if matched {
        return Ok(());
    }
    let mut report = format!(
        "expected pointer `{}` at {}:{} with a message containing `{}`; got:",
        expected.pointer, expected.location.line, expected.location.column, expected.message
    );
    for e in &errors.errors {
        let at = e
            .location
            .map_or("?:?".to_string(), |l| format!("{}:{}", l.line, l.column));
        let file = e.file.as_deref().unwrap_or("the spec");
        report.push_str(&format!(
            "\n      `{}` at {file}:{at}: {}",
            e.pointer, e.message
        ));
    }
    Err(report)
}

#[test]
fn every_broken_spec_is_refused_with_its_expected_error() {
    catalogue("broken", MIN_CASES, check);
}

#[test]
fn every_broken_overlay_is_refused_with_its_expected_error() {
    catalogue("broken-overlays", MIN_OVERLAY_CASES, check_overlay);
}

/// Runs `check` on every case in `fixtures/<dir>`, and fails listing all that fail.
fn catalogue(dir: &str, min_cases: usize, check: fn(&Path) -> Result<(), String>) {
    let dir = fixtures_dir().join(dir);
    let specs = specs_in(&dir);
    assert!(
        specs.len() >= min_cases,
        "{} has {} cases, fewer than {min_cases}: the catalogue is incomplete",
        dir.display(),
        specs.len()
    );

    let mut failures = Vec::new();
    for spec in &specs {
        if let Err(why) = check(spec) {
            failures.push(format!("  {}: {why}", name_of(spec)));
        }
    }
    // An expectation whose spec was renamed or deleted would otherwise be ignored.
    for entry in fs::read_dir(&dir).expect("list broken fixtures") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) == Some("expect")
            && !specs.iter().any(|s| s.file_stem() == path.file_stem())
        {
            failures.push(format!("  {}: no spec of that name", name_of(&path)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases did not fail as expected:\n{}",
        failures.len(),
        specs.len(),
        failures.join("\n")
    );
}

#[test]
fn every_valid_fixture_ingests() {
    let specs = specs_in(&fixtures_dir());
    assert!(!specs.is_empty(), "no valid fixtures found");
    let mut failures = Vec::new();
    for spec in &specs {
        let name = name_of(spec);
        // From the file, so `$ref`s to other files resolve (fixtures/split.yaml).
        match catch_unwind(AssertUnwindSafe(|| pushgen_ingest::ingest_file(spec))) {
            Ok(Ok(_)) => {}
            Ok(Err(errors)) => failures.push(format!("  {errors}")),
            Err(_) => failures.push(format!("  {name}: ingest panicked")),
        }
    }
    assert!(
        failures.is_empty(),
        "valid fixtures were refused:\n{}",
        failures.join("\n")
    );
}

//! The catalogue of broken specs in `fixtures/broken/`: each must be refused, with the
//! error its expectation names. Adding a case is adding a file: a spec whose first line is
//! `# expect: <pointer> | <message substring> | <line>:<column>` (an empty pointer is the
//! whole document), or, for JSON, which has no comments, a spec plus `<stem>.expect`
//! holding that line.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Fewer files than this means the catalogue was lost, not that every case passes.
const MIN_CASES: usize = 25;

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
    let errors = match result {
        Ok(_) => return Err("ingest accepted it (Ok)".to_string()),
        Err(errors) => errors,
    };
    let matched = errors.errors.iter().any(|e| {
        e.pointer == expected.pointer
            && e.message.contains(&expected.message)
            && e.location == Some(expected.location)
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
        report.push_str(&format!("\n      `{}` at {at}: {}", e.pointer, e.message));
    }
    Err(report)
}

#[test]
fn every_broken_spec_is_refused_with_its_expected_error() {
    let dir = fixtures_dir().join("broken");
    let specs = specs_in(&dir);
    assert!(
        specs.len() >= MIN_CASES,
        "{} has {} broken specs, fewer than {MIN_CASES}: the catalogue is incomplete",
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
        "{} of {} broken specs did not fail as expected:\n{}",
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

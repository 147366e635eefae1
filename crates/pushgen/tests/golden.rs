//! The golden files under `tests/golden/generated/` are exactly what pushgen generates
//! now. They are compiled (and run end to end) by the `pushgen-golden` crate; this test
//! keeps them honest. After an intended change: `cargo xtask bless`, review the diff.

use pushgen::golden::{examples_rs, fixtures, lib_rs};
use pushgen::output::{self, Mode};
use std::path::Path;

#[test]
fn golden_files_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixtures = fixtures(&root.join("fixtures")).unwrap();
    assert!(fixtures.len() >= 4, "the fixtures are missing");
    let golden = root.join("tests/golden");
    let mut stale = Vec::new();
    let mut apis = Vec::new();
    for fixture in &fixtures {
        let generated = pushgen::generate_file(&fixture.path, pushgen::Parts::default())
            .unwrap_or_else(|e| panic!("{}: {e}", fixture.path.display()));
        apis.push(generated.api.clone());
        let dir = golden.join("generated").join(&fixture.module);
        let report = output::write(&dir, &generated.files, Mode::Check).unwrap();
        stale.extend(
            report
                .written
                .iter()
                .map(|f| format!("{}/{f}", fixture.module)),
        );
        stale.extend(
            report
                .removed
                .iter()
                .map(|f| format!("{}/{f} (extra)", fixture.module)),
        );
    }
    let lib = std::fs::read_to_string(golden.join("src/lib.rs")).unwrap_or_default();
    if lib != lib_rs(&fixtures) {
        stale.push("src/lib.rs".into());
    }
    let examples =
        std::fs::read_to_string(golden.join("tests/examples/generated.rs")).unwrap_or_default();
    if examples != examples_rs(&fixtures, &apis) {
        stale.push("tests/examples/generated.rs".into());
    }
    assert!(
        stale.is_empty(),
        "golden files differ from fresh output: {stale:?}\nrun `cargo xtask bless` and review the diff"
    );
}

#[test]
fn generation_is_deterministic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for fixture in fixtures(&root.join("fixtures")).unwrap() {
        let a = pushgen::generate_file(&fixture.path, pushgen::Parts::default()).unwrap();
        let b = pushgen::generate_file(&fixture.path, pushgen::Parts::default()).unwrap();
        assert_eq!(a.files, b.files, "{}", fixture.module);
        let root = root.canonicalize().unwrap();
        for file in &a.files {
            assert!(
                !file.content.contains(root.to_string_lossy().as_ref()),
                "{}/{} names a local path",
                fixture.module,
                file.name
            );
        }
    }
}

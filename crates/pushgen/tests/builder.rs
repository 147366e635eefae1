//! `pushgen::Builder` with overlays, as a build.rs uses it (with `out_dir` instead of
//! cargo's `OUT_DIR`).

use std::fs;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

/// A scratch directory removed on drop; the process id keeps concurrent runs apart.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("pushgen-builder-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// An overlay that renames the API: the name shows in the generated code, whatever else
/// the generator does with the spec.
fn rename(dir: &Path, file: &str, title: &str) -> PathBuf {
    let path = dir.join(file);
    let text = format!(
        "overlay: 1.0.0\ninfo: {{title: {file}, version: '1'}}\nactions:\n  \
         - target: $.info\n    update: {{title: {title}}}\n"
    );
    fs::write(&path, text).expect("write overlay");
    path
}

#[test]
fn overlays_apply_in_the_order_added() {
    let tmp = TempDir::new("order");
    let first = rename(&tmp.0, "first.yaml", "Renamed Once");
    let second = rename(&tmp.0, "second.yaml", "Renamed Twice");
    let out = tmp.0.join("out");
    pushgen::Builder::new(fixture("overlay/spec.yaml"))
        .overlay(&first)
        .overlay(&second)
        .out_dir(&out)
        .generate()
        .expect("generate with two overlays");
    let code = fs::read_to_string(out.join("spec.rs")).expect("the builder wrote spec.rs");
    assert!(code.contains("Renamed Twice"), "the later overlay wins");
    assert!(!code.contains("Renamed Once"), "the later overlay wins");
    assert!(
        !code.contains("Completions"),
        "the spec's own title is gone"
    );
}

#[test]
fn a_broken_overlay_is_an_error_in_the_overlay_and_nothing_is_written() {
    let tmp = TempDir::new("broken");
    let out = tmp.0.join("out");
    let overlay = fixture("broken-overlays/10-update-and-remove.yaml");
    let error = pushgen::Builder::new(fixture("overlay/spec.yaml"))
        .overlay(&overlay)
        .out_dir(&out)
        .generate()
        .expect_err("a broken overlay fails the build");
    let pushgen::Error::Spec(errors) = &error else {
        panic!("expected the overlay's errors, got {error}");
    };
    assert_eq!(errors.source, "10-update-and-remove.yaml");
    assert_eq!(errors.errors[0].pointer, "/actions/0/remove");
    assert!(!out.exists(), "nothing was written");

    let missing = pushgen::Builder::new(fixture("overlay/spec.yaml"))
        .overlay(tmp.0.join("missing.yaml"))
        .out_dir(&out)
        .generate()
        .expect_err("a missing overlay fails the build");
    assert!(matches!(missing, pushgen::Error::Read { .. }), "{missing}");
}

#[test]
fn the_library_returns_warnings_beside_the_code() {
    let spec = fixture("overlay/spec.yaml");
    let text = fs::read_to_string(&spec).expect("read the spec");
    let overlay = pushgen::read_overlay(&fixture("overlay/zero-match.overlay.yaml"))
        .expect("read the overlay");
    let generated =
        pushgen::generate_path_with(&text, &spec, pushgen::Parts::default(), &[overlay])
            .expect("a warning is not an error");
    let [warning] = &generated.warnings[..] else {
        panic!("one warning expected: {:?}", generated.warnings);
    };
    assert_eq!(warning.pointer, "/actions/0/target");
    assert!(!generated.files.is_empty());
}

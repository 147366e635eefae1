//! `pushgen::Builder`, as build.rs drives it: what it tells cargo to watch, what it
//! rewrites, and how it fails.

use pushgen::Builder;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

mod support;
use support::{TempDir, fixture};

/// A scratch copy of the split spec (a spec and the three files it `$ref`s) and of the
/// overlay fixture, so that the test can edit them.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("pushgen-builder-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        fs::create_dir_all(dir.join("split")).unwrap();
        fs::create_dir_all(dir.join("out")).unwrap();
        for name in [
            "split.yaml",
            "split/paths.yaml",
            "split/notification.yaml",
            "split/common.yaml",
        ] {
            fs::copy(fixtures.join(name), dir.join(name)).unwrap();
        }
        fs::copy(
            fixtures.join("overlay/spec.yaml"),
            dir.join("completions.yaml"),
        )
        .unwrap();
        fs::copy(
            fixtures.join("overlay/terminator.overlay.yaml"),
            dir.join("terminator.overlay.yaml"),
        )
        .unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn builder(&self) -> Builder {
        Builder::new(self.path("split.yaml"))
            .spec(self.path("completions.yaml"))
            .overlay(self.path("terminator.overlay.yaml"))
            .out_dir(self.path("out"))
            .emit_cargo_instructions(false)
    }

    fn modified(&self, name: &str) -> SystemTime {
        fs::metadata(self.path(name)).unwrap().modified().unwrap()
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap()
    }

    /// Replaces `from` by `to` in the file `name`.
    fn edit(&self, name: &str, from: &str, to: &str) {
        let text = self.read(name);
        assert!(text.contains(from), "{name} has no {from:?}");
        fs::write(self.path(name), text.replacen(from, to, 1)).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn cargo_watches_the_specs_every_file_they_ref_and_the_overlays() {
    let scratch = Scratch::new("inputs");
    let compiled = scratch.builder().compile().unwrap();
    let mut inputs = compiled.inputs.clone();
    inputs.sort();
    let mut expected: Vec<PathBuf> = [
        "completions.yaml",
        "split.yaml",
        "split/common.yaml",
        "split/notification.yaml",
        "split/paths.yaml",
        "terminator.overlay.yaml",
    ]
    .iter()
    .map(|name| scratch.path(name))
    .collect();
    expected.sort();
    assert_eq!(inputs, expected);
    assert_eq!(compiled.report.written, ["split.rs", "completions.rs"]);
}

#[test]
fn an_unchanged_spec_leaves_the_output_alone_and_each_edit_regenerates() {
    let scratch = Scratch::new("mtime");
    scratch.builder().compile().unwrap();
    let split = scratch.read("out/split.rs");
    let completions = scratch.read("out/completions.rs");
    let split_modified = scratch.modified("out/split.rs");
    let completions_modified = scratch.modified("out/completions.rs");

    // A second build on the same inputs writes nothing: cargo sees no change and
    // recompiles nothing.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = scratch.builder().compile().unwrap();
    assert!(again.report.written.is_empty(), "{:?}", again.report);
    assert_eq!(scratch.modified("out/split.rs"), split_modified);
    assert_eq!(scratch.modified("out/completions.rs"), completions_modified);

    // The spec itself.
    scratch.edit(
        "split.yaml",
        "A spec over several files",
        "A spec in several files",
    );
    let report = scratch.builder().compile().unwrap().report;
    assert_eq!(report.written, ["split.rs"]);
    assert_ne!(scratch.read("out/split.rs"), split);
    assert_eq!(scratch.modified("out/completions.rs"), completions_modified);

    // A file it `$ref`s.
    let split = scratch.read("out/split.rs");
    scratch.edit(
        "split/notification.yaml",
        "in a file of its own",
        "in its own file",
    );
    let report = scratch.builder().compile().unwrap().report;
    assert_eq!(report.written, ["split.rs"]);
    assert!(scratch.read("out/split.rs").contains("in its own file"));
    assert_ne!(scratch.read("out/split.rs"), split);

    // An overlay.
    scratch.edit("terminator.overlay.yaml", "'[DONE]'", "'[END]'");
    let report = scratch.builder().compile().unwrap().report;
    assert_eq!(report.written, ["completions.rs"]);
    assert!(scratch.read("out/completions.rs").contains("[END]"));
    assert_ne!(scratch.read("out/completions.rs"), completions);
}

#[test]
fn a_broken_spec_reads_as_a_compiler_error_and_nothing_is_written() {
    let scratch = Scratch::new("broken");
    scratch.edit("split/notification.yaml", "type: object", "type: [object");
    let error = scratch.builder().compile().unwrap_err();
    // `Debug` is what cargo shows for a `build.rs` whose `main` returns the error.
    let shown = format!("{error:?}");
    assert_eq!(shown, error.to_string());
    // Where the `$ref` is (file:line:column and pointer), and where its file broke.
    let at = format!("{}:12:13: error: ", scratch.path("split.yaml").display());
    assert!(shown.starts_with(&at), "{shown}");
    assert!(
        shown.contains("`split/notification.yaml` does not parse at line 2"),
        "{shown}"
    );
    assert!(
        shown.ends_with("(at #/components/schemas/Notification/$ref)"),
        "{shown}"
    );
    assert_eq!(fs::read_dir(scratch.path("out")).unwrap().count(), 0);
}

#[test]
fn a_broken_overlay_names_the_overlay() {
    let scratch = Scratch::new("overlay");
    scratch.edit("terminator.overlay.yaml", "$.paths", "paths");
    let shown = format!("{:?}", scratch.builder().compile().unwrap_err());
    assert!(shown.contains("terminator.overlay.yaml"), "{shown}");
    assert!(shown.contains("/actions/0/target"), "{shown}");
    assert_eq!(fs::read_dir(scratch.path("out")).unwrap().count(), 0);
}

#[test]
fn options_that_are_not_rust_are_refused_before_anything_is_read() {
    let scratch = Scratch::new("options");
    let shown = |builder: Builder| builder.compile().unwrap_err().to_string();
    assert_eq!(
        shown(scratch.builder().module("Split Module")),
        format!(
            "module name `Split Module` for {} is not a Rust identifier in snake case",
            scratch.path("completions.yaml").display()
        )
    );
    assert!(
        shown(scratch.builder().type_attribute(".", "derive(Hash)"))
            .starts_with("type_attribute `derive(Hash)`: not outer attributes")
    );
    assert!(
        shown(scratch.builder().extern_type("Person", "not a type"))
            .starts_with("extern_type `not a type`: not a Rust type")
    );
    assert!(
        shown(scratch.builder().spec(scratch.path("split.yaml")))
            .starts_with("two specs would both be module `split`")
    );
    assert_eq!(fs::read_dir(scratch.path("out")).unwrap().count(), 0);
}

#[test]
fn matchers_that_name_nothing_are_warned_about() {
    let scratch = Scratch::new("unmatched");
    let compiled = scratch
        .builder()
        .type_attribute("Persn", "#[derive(Hash)]")
        .type_attribute("Person", "#[derive(Hash)]")
        .field_attribute("Person.nam", "#[doc(hidden)]")
        .extern_type("Chunk", "String")
        .extern_type("Chunks", "String")
        .compile()
        .unwrap();
    assert_eq!(
        compiled.warnings,
        [
            "extern_type `Chunks` names no schema",
            "attribute matcher `Persn` names nothing",
            "attribute matcher `Person.nam` names nothing",
        ]
    );
    assert!(
        scratch
            .read("out/completions.rs")
            .contains("pub type Chunk = String;")
    );
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
    let tmp = TempDir::new("builder-order");
    let first = rename(&tmp.0, "first.yaml", "Renamed Once");
    let second = rename(&tmp.0, "second.yaml", "Renamed Twice");
    let out = tmp.0.join("out");
    pushgen::Builder::new(fixture("overlay/spec.yaml"))
        .overlay(&first)
        .overlay(&second)
        .out_dir(&out)
        .compile()
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
    let tmp = TempDir::new("builder-broken");
    let out = tmp.0.join("out");
    let overlay = fixture("broken-overlays/10-update-and-remove.yaml");
    let error = pushgen::Builder::new(fixture("overlay/spec.yaml"))
        .overlay(&overlay)
        .out_dir(&out)
        .compile()
        .expect_err("a broken overlay fails the build");
    let pushgen::Error::Spec(errors) = &error else {
        panic!("expected the overlay's errors, got {error}");
    };
    // Named as the build named it.
    assert_eq!(errors.source, overlay.display().to_string());
    assert_eq!(errors.errors[0].pointer, "/actions/0/remove");
    assert!(!out.exists(), "nothing was written");

    let missing = pushgen::Builder::new(fixture("overlay/spec.yaml"))
        .overlay(tmp.0.join("missing.yaml"))
        .out_dir(&out)
        .compile()
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

#[test]
fn tags_become_features_only_when_asked() {
    let tmp = TempDir::new("builder-tags");
    let build = |on: bool| {
        Builder::new(fixture("tags.yaml"))
            .out_dir(tmp.0.clone())
            .emit_cargo_instructions(false)
            .tag_features(on)
            .compile()
            .expect("the tags fixture")
    };
    let off = build(false);
    assert!(off.tag_features.is_empty());
    let text = fs::read_to_string(tmp.join("tags.rs")).unwrap();
    assert!(!text.contains("feature = \"tag-"), "{text}");
    let on = build(true);
    assert_eq!(
        on.tag_features,
        [
            "tag-pets",
            "tag-store-orders",
            "tag-admin",
            "untagged",
            "other-schemas"
        ]
    );
    let text = fs::read_to_string(tmp.join("tags.rs")).unwrap();
    // One file: the gates are on the items of its inline modules.
    assert!(
        text.contains("    #[cfg(feature = \"tag-store-orders\")]\n    /// Types of `getOrder`"),
        "{text}"
    );
}

//! `pushgen sdk`: the crate it writes, how it rewrites it, how it refuses bad input.
//! Whether the crate it writes is publishable is `sdk_package.rs`'s question.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Output;

mod support;
use std::time::SystemTime;
use support::{TempDir, assert_exit, fixture, pushgen, text};

/// `pushgen sdk --spec SPEC --out OUT` with `more` arguments.
fn sdk(spec: &Path, out: &Path, more: &[&str]) -> Output {
    let mut args = vec![
        "sdk".to_string(),
        "--spec".into(),
        spec.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(more.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    pushgen(&args)
}

/// Every file under `dir`, by path relative to it, with its modification time.
fn files(dir: &Path) -> BTreeMap<String, SystemTime> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, SystemTime>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(name, fs::metadata(&path).unwrap().modified().unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

#[test]
fn the_crate_has_its_manifest_readme_sources_and_spec() {
    let tmp = TempDir::new("sdk-layout");
    let out = tmp.join("consumer");
    let run = sdk(
        &fixture("consumer.yaml"),
        &out,
        &["--license", "MIT OR Apache-2.0"],
    );
    assert_exit(&run, 0, "sdk");
    let stdout = text(&run.stdout);
    assert!(
        stdout.starts_with("pushgen: wrote the crate consumer-api 1.0.0 (Consumer API 1.0.0)"),
        "{stdout}"
    );
    let written = files(&out);
    for name in [
        "Cargo.toml",
        "README.md",
        "src/lib.rs",
        "src/api/mod.rs",
        "src/api/client.rs",
        "src/api/server.rs",
        "src/pushgen_runtime/mod.rs",
        "src/pushgen_runtime/server/hub.rs",
        "spec/consumer.yaml",
        ".pushgen-manifest",
    ] {
        assert!(
            written.contains_key(name),
            "{name} missing: {:?}",
            written.keys()
        );
    }
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    for line in [
        "name = \"consumer-api\"",
        "version = \"1.0.0\"",
        "license = \"MIT OR Apache-2.0\"",
        &format!("rust-version = \"{}\"", env!("CARGO_PKG_RUST_VERSION")),
        "description = \"The example of the server-push proposal",
        "default = [\"server\", \"client\"]",
    ] {
        assert!(manifest.contains(line), "{line} not in:\n{manifest}");
    }
    assert!(!manifest.contains("{{"), "a placeholder left:\n{manifest}");
    let readme = fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        readme.contains("### `createConsumer` (`POST /consumers`)"),
        "{readme}"
    );
    assert!(
        readme.contains("impl CreateConsumerObserver for Print"),
        "{readme}"
    );
    assert!(
        readme.contains("client.create_consumer(body, &mut Print).await"),
        "{readme}"
    );
    let api = fs::read_to_string(out.join("src/api/mod.rs")).unwrap();
    assert!(
        api.contains("#[cfg(feature = \"server\")]\npub mod server;"),
        "{api}"
    );
    let client = fs::read_to_string(out.join("src/api/client.rs")).unwrap();
    assert!(
        client.contains("crate::pushgen_runtime::codegen::client"),
        "{client}"
    );
    assert!(
        !client.contains("::pushgen_runtime::codegen::client::Error"),
        "{client}"
    );
    assert_eq!(
        fs::read_to_string(out.join("spec/consumer.yaml")).unwrap(),
        fs::read_to_string(fixture("consumer.yaml")).unwrap()
    );
}

#[test]
fn metadata_comes_from_the_specs_info_where_not_given() {
    let tmp = TempDir::new("sdk-info");
    let spec = tmp.join("pets.yaml");
    fs::write(
        &spec,
        "openapi: 3.1.0\n\
         info:\n  title: Pet Store\n  version: 2.1.0-beta.1\n  description: |\n    Pets, streamed.\n\n    More words.\n  \
         license: {name: Apache 2.0, identifier: Apache-2.0}\n  \
         contact: {name: Pet Team, email: pets@example.com, url: 'https://pets.example.com'}\n\
         paths: {}\n",
    )
    .unwrap();
    let out = tmp.join("out");
    let run = sdk(&spec, &out, &["--repository", "https://example.com/pets"]);
    assert_exit(&run, 0, "sdk");
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    for line in [
        "name = \"pet-store\"\n",
        "version = \"2.1.0-beta.1\"\n",
        "description = \"Pets, streamed.\"\n",
        "license = \"Apache-2.0\"\n",
        "repository = \"https://example.com/pets\"\n",
        "authors = [\"Pet Team <pets@example.com>\"]\n",
        "homepage = \"https://pets.example.com\"\n",
    ] {
        assert!(manifest.contains(line), "{line} not in:\n{manifest}");
    }
    let readme = fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        readme.contains("No operation of this API pushes or streams"),
        "{readme}"
    );

    // A licence that is not an SPDX expression is left out, and said so.
    let plain = fs::read_to_string(&spec)
        .unwrap()
        .replace(", identifier: Apache-2.0", "");
    fs::write(&spec, plain).unwrap();
    let run = sdk(&spec, &out, &[]);
    assert_exit(&run, 0, "sdk");
    assert!(
        text(&run.stderr)
            .contains("note: the spec's licence `Apache 2.0` is not an SPDX expression"),
        "{}",
        text(&run.stderr)
    );
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("license ="), "{manifest}");
}

#[test]
fn a_second_run_changes_only_what_must_change_and_never_a_file_it_did_not_write() {
    let tmp = TempDir::new("sdk-rerun");
    let spec = tmp.join("consumer.yaml");
    fs::copy(fixture("consumer.yaml"), &spec).unwrap();
    let overlay = tmp.join("title.overlay.yaml");
    fs::write(
        &overlay,
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.info\n    \
         update: {description: Consumers and their events.}\n",
    )
    .unwrap();
    let out = tmp.join("out");
    let first = sdk(&spec, &out, &["--overlay", &overlay.display().to_string()]);
    assert_exit(&first, 0, "first run");
    let before = files(&out);
    assert!(before.contains_key("spec/title.overlay.yaml"));
    fs::write(out.join("LICENSE"), "mine").unwrap();

    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = sdk(&spec, &out, &["--overlay", &overlay.display().to_string()]);
    assert_exit(&again, 0, "second run");
    assert!(
        text(&again.stdout).contains(" 0 written, "),
        "{}",
        text(&again.stdout)
    );
    let mut after = files(&out);
    after.remove("LICENSE");
    assert_eq!(after, before, "an unchanged spec rewrote something");

    // Edit a description the client's docs carry: the spec's copy and the client
    // change, the runtime does not.
    let edited = fs::read_to_string(&spec).unwrap().replace(
        "Create a consumer and start delivering messages",
        "Create a consumer",
    );
    fs::write(&spec, edited).unwrap();
    let changed = sdk(&spec, &out, &[]);
    assert_exit(&changed, 0, "run on the edited spec");
    let now = files(&out);
    let rewritten: Vec<&String> = now
        .iter()
        .filter(|(name, time)| before.get(*name) != Some(time))
        .map(|(name, _)| name)
        .collect();
    for name in [
        "spec/consumer.yaml",
        "src/api/client.rs",
        "src/api/server.rs",
    ] {
        assert!(
            rewritten.iter().any(|r| *r == name),
            "{name} not rewritten: {rewritten:?}"
        );
    }
    assert!(
        !rewritten
            .iter()
            .any(|name| name.starts_with("src/pushgen_runtime/")),
        "{rewritten:?}"
    );
    // Without the overlay its copy goes (pushgen wrote it); the user's file stays.
    assert!(!now.contains_key("spec/title.overlay.yaml"));
    assert_eq!(fs::read_to_string(out.join("LICENSE")).unwrap(), "mine");
}

#[test]
fn bad_input_is_a_clear_error_and_nothing_is_written() {
    let tmp = TempDir::new("sdk-bad");
    let out = tmp.join("out");
    let consumer = fixture("consumer.yaml");
    let cases: [(&[&str], &str); 4] = [
        (&["--name", "2 bad"], "`2 bad` cannot be a crate's name"),
        (
            &["--name", "std"],
            "`std` cannot be a crate's name: it is a reserved name",
        ),
        (
            &["--version", "1.0"],
            "--version `1.0` is not a semver version",
        ),
        (
            &["--templates", "/nonexistent"],
            "--templates /nonexistent: not a directory",
        ),
    ];
    for (more, expected) in cases {
        let run = sdk(&consumer, &out, more);
        assert_exit(&run, 1, expected);
        let stderr = text(&run.stderr);
        assert!(stderr.contains(expected), "{expected} not in:\n{stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert!(!out.exists(), "{more:?} wrote something");
    }

    // A version the spec gives that is not semver.
    let spec = tmp.join("v.yaml");
    fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: V, version: '1.0'}\npaths: {}\n",
    )
    .unwrap();
    let run = sdk(&spec, &out, &[]);
    assert_exit(&run, 1, "a spec version that is not semver");
    assert!(
        text(&run.stderr).contains(
            "the spec's info.version `1.0` is not a semver version (as 1.2.3): give --version"
        ),
        "{}",
        text(&run.stderr)
    );

    // A broken spec: its place, as codegen shows it.
    let broken = tmp.join("broken.yaml");
    fs::write(
        &broken,
        "openapi: 3.0.3\ninfo: {title: B, version: 1.0.0}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {$ref: '#/nowhere'}\n",
    )
    .unwrap();
    let run = sdk(&broken, &out, &["--color", "never"]);
    assert_exit(&run, 1, "a broken spec");
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("broken.yaml:7:23: error: unresolved `$ref`"),
        "{stderr}"
    );
    assert!(!out.exists());

    // A directory holding files pushgen did not write.
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let run = sdk(&consumer, &out, &[]);
    assert_exit(&run, 1, "a foreign directory");
    assert!(
        text(&run.stderr).contains("holds files pushgen did not write"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(files(&out).len(), 1);

    // A file pushgen would write that it did not write before.
    fs::remove_file(out.join("notes.txt")).unwrap();
    assert_exit(&sdk(&consumer, &out, &[]), 0, "an empty directory");
    fs::remove_file(out.join("README.md")).unwrap();
    let manifest = fs::read_to_string(out.join(".pushgen-manifest")).unwrap();
    fs::write(
        out.join(".pushgen-manifest"),
        manifest.replace("README.md\n", ""),
    )
    .unwrap();
    fs::write(out.join("README.md"), "mine").unwrap();
    let run = sdk(&consumer, &out, &[]);
    assert_exit(&run, 1, "a file pushgen did not write");
    assert!(
        text(&run.stderr).contains("README.md: the file exists and pushgen did not write it"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "mine");
}

#[test]
fn templates_can_be_replaced_one_by_one() {
    let tmp = TempDir::new("sdk-templates");
    let templates = tmp.join("templates");
    fs::create_dir_all(&templates).unwrap();
    fs::write(
        templates.join("README.md"),
        "{{! ours }}\n# {{name}} {{version}}\n\n{{examples}}\n",
    )
    .unwrap();
    let out = tmp.join("out");
    let run = sdk(
        &fixture("consumer.yaml"),
        &out,
        &["--templates", &templates.display().to_string()],
    );
    assert_exit(&run, 0, "sdk with a README template");
    let readme = fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        readme.starts_with("# consumer-api 1.0.0\n\n### `createConsumer`"),
        "{readme}"
    );
    // The manifest is still the built-in one.
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("[features]"), "{manifest}");

    fs::write(templates.join("README.md"), "# {{nmae}}\n").unwrap();
    let run = sdk(
        &fixture("consumer.yaml"),
        &tmp.join("out2"),
        &["--templates", &templates.display().to_string()],
    );
    assert_exit(&run, 1, "a template with a misspelt placeholder");
    assert!(
        text(&run.stderr).contains("template README.md: no value for `{{nmae}}`"),
        "{}",
        text(&run.stderr)
    );
}

/// The dependencies of `section` in a manifest: name → the rest of its line, with
/// `workspace = true` looked up in `workspace`'s `[workspace.dependencies]`.
fn dependencies(manifest: &str, section: &str, workspace: &str) -> BTreeMap<String, String> {
    let shared = if section == "[dependencies]" {
        dependencies(workspace, "[workspace.dependencies]", "")
    } else {
        BTreeMap::new()
    };
    let mut out = BTreeMap::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == section;
            continue;
        }
        let Some((name, spec)) = line.split_once(" = ").filter(|_| inside) else {
            continue;
        };
        if line.starts_with('#') {
            continue;
        }
        let spec = if spec.contains("workspace = true") {
            let base = shared.get(name).cloned().unwrap_or_default();
            let optional = spec.contains("optional = true");
            match (base.strip_suffix(" }"), optional) {
                (Some(table), true) => format!("{table}, optional = true }}"),
                (None, true) => format!("{{ version = {base}, optional = true }}"),
                _ => base,
            }
        } else {
            spec.to_string()
        };
        out.insert(name.to_string(), spec);
    }
    out
}

#[test]
fn the_templates_dependencies_are_the_runtimes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |path: &str| fs::read_to_string(root.join(path)).unwrap();
    let workspace = read("Cargo.toml");
    let runtime = read("crates/runtime/Cargo.toml");
    let template = read("templates/sdk/Cargo.toml");
    let ours = dependencies(&runtime, "[dependencies]", &workspace);
    let theirs = dependencies(&template, "[dependencies]", "");
    assert_eq!(
        theirs, ours,
        "templates/sdk/Cargo.toml's [dependencies] must be crates/runtime/Cargo.toml's"
    );
    let features = |manifest: &str| {
        let mut inside = false;
        manifest
            .lines()
            .filter(|line| {
                if line.starts_with('[') {
                    inside = *line == "[features]";
                    return false;
                }
                inside && !line.starts_with('#') && !line.trim().is_empty()
            })
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // The template's placeholders (the spec's tags as features) aside.
    let mut template_features = String::new();
    let mut rest = template.as_str();
    while let Some(start) = rest.find("{{") {
        template_features.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("a closed placeholder");
        rest = &rest[start + end + 2..];
    }
    template_features.push_str(rest);
    assert_eq!(
        features(&template_features),
        features(&runtime),
        "the features must be the runtime's"
    );
}

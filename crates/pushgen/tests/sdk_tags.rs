//! Per-tag cargo features: `pushgen sdk` puts each tag's operations, and the types only
//! they use, behind the feature `tag-<tag>` (untagged operations behind `untagged`,
//! schemas no operation uses behind `other-schemas`). The SDK of
//! `fixtures/tags.yaml` (tags sharing types, an untagged operation, a route two
//! tags share, a push and an item stream, an unused schema) declares them, gates what
//! it should, and passes clippy with one tag's feature, with none, and with all.

use pushgen::output::{self, Mode};
use pushgen::sdk::{SdkOptions, generate_sdk};
use pushgen::{Custom, Parts};
use pushgen_codegen::{Layout, generate_custom};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn spec() -> PathBuf {
    root().join("fixtures/tags.yaml")
}

fn api() -> pushgen::ir::Api {
    let text = std::fs::read_to_string(spec()).unwrap();
    pushgen::generate_str(&text, "tags.yaml", Parts::default())
        .expect("the tags fixture")
        .api
}

/// `text` with each `#[cfg(..)]` that prettyplease spread over lines on one line.
fn collapse(text: &str) -> String {
    let mut out = String::new();
    let mut open = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if open {
            out.push_str(trimmed);
            if trimmed.ends_with(',') {
                out.push(' ');
            }
            if trimmed == ")]" {
                out.push('\n');
                open = false;
            }
            continue;
        }
        out.push_str(line);
        if trimmed.starts_with("#[cfg(") && !trimmed.ends_with(']') {
            open = true;
        } else {
            out.push('\n');
        }
    }
    out
}

/// The `#[cfg(..)]` among the attributes of the first item of `text` that starts with
/// `item` (its docs and other attributes aside), or `""`.
fn before<'a>(text: &'a str, item: &str) -> &'a str {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.trim_start().starts_with(item))
        .unwrap_or_else(|| panic!("no `{item}` in:\n{text}"));
    lines[..at]
        .iter()
        .rev()
        .map(|line| line.trim())
        .take_while(|line| line.starts_with("///") || line.starts_with("#["))
        .find(|line| line.starts_with("#[cfg("))
        .unwrap_or("")
}

#[test]
fn each_tag_is_a_feature_named_in_kebab_case() {
    let features: Vec<(Option<String>, String)> = pushgen::tag_features(&api())
        .into_iter()
        .map(|f| (f.tag, f.feature))
        .collect();
    let expected = [
        (Some("Pets"), "tag-pets"),
        (Some("Store Orders"), "tag-store-orders"),
        (Some("Admin"), "tag-admin"),
        // `health` has no tag; `Orphan` is used by no operation.
        (None, "untagged"),
        (None, "other-schemas"),
    ];
    assert_eq!(
        features,
        expected.map(|(tag, feature)| (tag.map(str::to_string), feature.to_string()))
    );
}

#[test]
fn types_are_behind_the_tags_that_use_them() {
    let api = api();
    let custom = Custom {
        tag_features: true,
        ..Custom::default()
    };
    let files = generate_custom(&api, Parts::default(), Layout::Directory, "api", &custom);
    let file = |name: &str| {
        files
            .iter()
            .find(|f| f.name == name)
            .map(|f| collapse(&f.content))
            .unwrap()
    };
    let types = file("types.rs");
    let all =
        r#"#[cfg(any(feature = "tag-pets", feature = "tag-store-orders", feature = "tag-admin"))]"#;
    // `Pet` is in every tag's answers; `NewPet` in two tags' requests (with its checks).
    assert_eq!(before(&types, "pub struct Pet {"), all);
    assert_eq!(
        before(&types, "pub struct NewPet {"),
        r#"#[cfg(any(feature = "tag-pets", feature = "tag-admin"))]"#
    );
    assert_eq!(
        before(&types, "impl validate::Validate for NewPet"),
        r#"#[cfg(any(feature = "tag-pets", feature = "tag-admin"))]"#
    );
    // The runtime's macro calls are gated with their items.
    assert_eq!(
        before(&types, "::pushgen_runtime::codegen::serde_object! {"),
        r#"#[cfg(feature = "tag-admin")]"#
    );
    // `AuditRecord`'s `outcome` (admin's) and `Health`'s `lastCheck` (untagged) list the
    // same values: the first is declared when either feature is on, the second names it.
    assert_eq!(
        before(&types, "::pushgen_runtime::codegen::string_enum! {"),
        r#"#[cfg(any(feature = "tag-admin", feature = "untagged"))]"#
    );
    assert_eq!(
        before(&types, "pub type HealthLastCheck = AuditRecordOutcome;"),
        r#"#[cfg(feature = "untagged")]"#
    );
    // The untagged `health` answers with `Error`; `Orphan`, which no operation uses,
    // holds `Toy`.
    assert_eq!(
        before(&types, "pub struct Error {"),
        r#"#[cfg(any(feature = "tag-pets", feature = "tag-store-orders", feature = "tag-admin", feature = "untagged"))]"#
    );
    assert_eq!(
        before(&types, "pub struct Toy {"),
        r#"#[cfg(any(feature = "tag-pets", feature = "tag-store-orders", feature = "tag-admin", feature = "other-schemas"))]"#
    );
    assert_eq!(
        before(&types, "pub struct Orphan {"),
        r#"#[cfg(feature = "other-schemas")]"#
    );
    let operations = file("operations.rs");
    assert_eq!(
        before(&operations, "pub mod create_pet {"),
        r#"#[cfg(any(feature = "tag-pets", feature = "tag-admin"))]"#
    );
    assert_eq!(
        before(&operations, "pub mod health {"),
        r#"#[cfg(feature = "untagged")]"#
    );
    let server = file("server.rs");
    assert!(server.contains(
        r#"    #[cfg(any(feature = "tag-pets", feature = "tag-admin"))]
    let router = router"#
    ));
    let client = file("client.rs");
    assert_eq!(
        before(&client, "pub trait WatchOrdersObserver {"),
        r#"#[cfg(feature = "tag-store-orders")]"#
    );
    // Off (the default), nothing is gated.
    let plain = generate_custom(
        &api,
        Parts::default(),
        Layout::Directory,
        "api",
        &Custom::default(),
    );
    assert!(plain.iter().all(|f| !f.content.contains("tag-")));
}

/// Clippy on the tags fixture's SDK, with `features` only, warnings denied.
fn clippy(dir: &Path, features: &str) {
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    let status = Command::new(cargo)
        .args([
            "clippy",
            "--quiet",
            "--no-default-features",
            "--features",
            features,
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(dir)
        // Shared with the other SDK tests, so that the dependencies build once.
        .env("CARGO_TARGET_DIR", root().join("target/sdk-check/target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .expect("run cargo");
    assert!(
        status.success(),
        "clippy with [{features}] in {}",
        dir.display()
    );
}

#[test]
fn the_sdk_compiles_with_one_tag_with_none_and_with_all() {
    let root = root();
    let out = root.join("target/sdk-check/tags");
    let options = SdkOptions {
        spec: spec(),
        license: Some("MIT".into()),
        out: out.clone(),
        ..SdkOptions::default()
    };
    let sdk = generate_sdk(&options).expect("the tags SDK");
    output::check_owned(&out, &sdk.files).expect("target/sdk-check/tags is pushgen's");
    output::write(&out, &sdk.files, Mode::Write).expect("write the SDK");
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).expect("the lockfile");
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    for line in [
        r#"default = ["server", "client", "all-tags"]"#,
        r#"all-tags = ["tag-pets", "tag-store-orders", "tag-admin", "untagged", "other-schemas"]"#,
        "tag-store-orders = []",
    ] {
        assert!(manifest.contains(line), "{line} not in:\n{manifest}");
    }
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        readme.contains("| `tag-pets` | yes (`all-tags`) |"),
        "{readme}"
    );
    for features in [
        "client,tag-pets",
        "server,tag-store-orders",
        "server,untagged",
        "client,server",
        "client,server,all-tags",
    ] {
        clippy(&out, features);
    }
}

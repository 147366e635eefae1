//! `cargo xtask fuzz [--seconds N]`: the runtime's property checks of everything that
//! reads a peer's bytes (`crates/runtime/tests/fuzz.rs`), run in release for N seconds in
//! all (default 60, split evenly between the properties) with a fresh seed. A failure
//! prints the seed that replays it.

use std::path::Path;

/// The properties in `crates/runtime/tests/fuzz.rs`.
const PROPERTIES: u64 = 5;

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let seconds = crate::flag(args, "--seconds").unwrap_or(60) as u64;
    let each = (seconds / PROPERTIES).max(1);
    println!("fuzz: {PROPERTIES} properties, {each} s each");
    let each = each.to_string();
    crate::cargo(
        root,
        &[
            "test",
            "--release",
            "--locked",
            "-p",
            "pushgen-runtime",
            "--test",
            "fuzz",
            "--",
            "--test-threads=1",
            "--nocapture",
        ],
        &[("PUSHGEN_FUZZ_SECONDS", &each)],
    )
    .map_err(|_| "a property failed: replay it with the seed printed above".into())
}

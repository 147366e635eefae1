//! `cargo xtask real`: the code generated for the real specs in `fixtures/real/`
//! (OpenAI, Ollama, Mercure) compiled warning-free under `cargo clippy -D warnings`, its
//! doc comments (the specs' descriptions) accepted by rustdoc with `-D warnings`, and
//! every example in them read into its type and written back (the `pushgen-real` crate
//! with its `real` feature). Too big for the default suite (the golden crate compiles the fixtures once; real specs would double the suite); CI runs it.

use std::path::Path;
use std::time::Instant;

pub fn run(root: &Path) -> Result<(), String> {
    let steps: [(&str, &[&str]); 3] = [
        (
            "clippy",
            &[
                "clippy",
                "--locked",
                "-p",
                "pushgen-real",
                "--features",
                "real",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        (
            "rustdoc",
            &[
                "doc",
                "--locked",
                "--no-deps",
                "-p",
                "pushgen-real",
                "--features",
                "real",
            ],
        ),
        (
            "examples",
            &[
                "test",
                "--locked",
                "-p",
                "pushgen-real",
                "--features",
                "real",
            ],
        ),
    ];
    for (name, args) in steps {
        let start = Instant::now();
        crate::cargo(root, args, &[("RUSTDOCFLAGS", "-D warnings")])
            .map_err(|_| format!("real specs: {name} failed"))?;
        println!(
            "real specs: {name} passed in {:.0} s",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

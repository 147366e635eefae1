//! The golden-file layout, shared by `cargo xtask bless` (which writes it) and the test
//! that checks it is fresh, so the two cannot disagree.

use std::path::{Path, PathBuf};

/// A fixture spec and the module its golden files become.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub path: PathBuf,
    /// `fixtures/jobs.yaml` → `jobs`.
    pub module: String,
}

/// Every fixture spec directly in `dir` (broken specs live in a subdirectory), by name.
pub fn fixtures(dir: &Path) -> std::io::Result<Vec<Fixture>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_spec = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        );
        if !is_spec || !path.is_file() {
            continue;
        }
        let module = path
            .file_stem()
            .map(|s| s.to_string_lossy().replace(['-', '.'], "_"))
            .unwrap_or_default();
        out.push(Fixture { path, module });
    }
    out.sort_by(|a, b| a.module.cmp(&b.module));
    Ok(out)
}

/// `tests/golden/src/lib.rs`: one module per fixture.
pub fn lib_rs(fixtures: &[Fixture]) -> String {
    let mut text = String::from(
        "//! The golden generated code of every fixture, compiled once (`cargo xtask bless`\n\
         //! writes this file and `../generated/`; do not edit either by hand).\n",
    );
    for fixture in fixtures {
        text.push_str(&format!(
            "\n#[rustfmt::skip] // prettyplease formats generated code, not rustfmt\n\
             #[path = \"../generated/{0}/mod.rs\"]\npub mod {0};\n",
            fixture.module
        ));
    }
    text
}

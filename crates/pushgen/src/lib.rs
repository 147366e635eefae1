//! pushgen: typed Rust servers and clients that push, from push-annotated OpenAPI specs.
//!
//! This crate ties the pipeline together — [`pushgen_ingest`] reads a spec into the IR,
//! [`pushgen_codegen`] renders Rust from it, [`output`] writes the files — and offers it
//! three ways: the `pushgen` command line, [`Builder`] for `build.rs`, and
//! [`generate_str`] for anything else.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), pushgen::Error> {
//!     pushgen::Builder::new("api/consumer.yaml").compile()?;
//!     Ok(())
//! }
//! ```

mod builder;
pub mod golden;
pub mod output;
pub mod sdk;

pub use builder::{Builder, Compiled};

pub use pushgen_codegen::{
    Custom, CustomError, ExampleSuite, GeneratedFile, Parts, TagFeature, examples_test,
    tag_features,
};
pub use pushgen_ingest::{Overlay, SpecError, SpecErrors, Warning};
pub use pushgen_ir as ir;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The built-in example: the consumer API of the server-push proposal.
pub const EXAMPLE_SPEC: &str = include_str!("../../../fixtures/consumer.yaml");
/// The file name the built-in example is known by.
pub const EXAMPLE_NAME: &str = "consumer.yaml";

/// Why generation failed.
///
/// `Debug` prints what `Display` does: a `build.rs` whose `main` returns this error shows
/// it through `Debug`, and there it should read as the compiler's own errors do.
#[derive(thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Spec(#[from] SpecErrors),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A builder option that is not Rust (an attribute, a type or a path).
    #[error("{0}")]
    Custom(#[from] CustomError),
    /// A builder's configuration that cannot be generated as asked.
    #[error("{0}")]
    Config(String),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// An API and the files generated for it, in memory.
#[derive(Debug, Clone)]
pub struct Generated {
    pub api: ir::Api,
    pub files: Vec<GeneratedFile>,
    pub timings: Timings,
    /// What did not stop generation but should be said: an overlay action whose target
    /// selected nothing, for one.
    pub warnings: Vec<Warning>,
}

/// How long each stage of generation took (`pushgen codegen --timings`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Text to the typed OpenAPI model.
    pub parse: Duration,
    /// The typed model to pushgen's IR.
    pub ir: Duration,
    /// The IR to formatted Rust text.
    pub emit: Duration,
}

/// Generates code for the spec `text`; `source` names it (a file name, no directories).
pub fn generate_str(text: &str, source: &str, parts: Parts) -> Result<Generated, Error> {
    generate_str_with(text, source, parts, &[])
}

/// Like [`generate_str`], with `overlays` applied to the spec first, in order.
pub fn generate_str_with(
    text: &str,
    source: &str,
    parts: Parts,
    overlays: &[Overlay],
) -> Result<Generated, Error> {
    let options = pushgen_ingest::Options {
        path: None,
        overlays,
    };
    generate(text, source, options, parts)
}

/// Reads and generates the spec at `path`.
pub fn generate_file(path: &Path, parts: Parts) -> Result<Generated, Error> {
    generate_path(&read_spec(path)?, path, parts)
}

fn read_spec(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the spec at `path` and the overlays at `overlays` (applied in order) into the
/// IR; returns the spec's text with what ingest made of it. Errors name each file as
/// `path` and `overlays` do, not by file name alone: in a build's or a script's output
/// that is the name the user knows.
pub(crate) fn ingest_paths(
    path: &Path,
    overlays: &[PathBuf],
) -> Result<(String, pushgen_ingest::Ingested), Error> {
    let text = read_spec(path)?;
    let read = overlays
        .iter()
        .map(|path| read_overlay(path))
        .collect::<Result<Vec<_>, _>>()?;
    let options = pushgen_ingest::Options {
        path: Some(path),
        overlays: &read,
    };
    let mut timings = pushgen_ingest::Timings::default();
    let ingested =
        pushgen_ingest::ingest_with_options(&text, &file_name(path), options, &mut timings)
            .map_err(|mut errors| {
                let mut named = std::iter::once(path).chain(overlays.iter().map(PathBuf::as_path));
                if let Some(given) = named.find(|p| file_name(p) == errors.source) {
                    errors.source = given.display().to_string();
                }
                errors
            })?;
    Ok((text, ingested))
}

/// Reads the Overlay document at `path`, for [`generate_path_with`] and the like.
pub fn read_overlay(path: &Path) -> Result<Overlay, Error> {
    Overlay::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Generates code for a spec already read from `path`; `$ref`s to other files resolve
/// against its directory.
pub fn generate_path(text: &str, path: &Path, parts: Parts) -> Result<Generated, Error> {
    generate_path_with(text, path, parts, &[])
}

/// Like [`generate_path`], with `overlays` applied to the spec first, in order (after its
/// `$ref`s to other files are bundled in).
pub fn generate_path_with(
    text: &str,
    path: &Path,
    parts: Parts,
    overlays: &[Overlay],
) -> Result<Generated, Error> {
    let options = pushgen_ingest::Options {
        path: Some(path),
        overlays,
    };
    generate(text, &file_name(path), options, parts)
}

fn generate(
    text: &str,
    source: &str,
    options: pushgen_ingest::Options<'_>,
    parts: Parts,
) -> Result<Generated, Error> {
    let mut stages = pushgen_ingest::Timings::default();
    let ingested = pushgen_ingest::ingest_with_options(text, source, options, &mut stages)?;
    let start = Instant::now();
    let files = pushgen_codegen::generate(&ingested.api, parts);
    let timings = Timings {
        parse: stages.parse,
        ir: stages.ir,
        emit: start.elapsed(),
    };
    Ok(Generated {
        api: ingested.api,
        files,
        timings,
        warnings: ingested.warnings,
    })
}

/// Reads the spec at `path` (and the files it `$ref`s) into the IR, without generating.
pub fn ingest_file(path: &Path) -> Result<ir::Api, Error> {
    let (api, _) = pushgen_ingest::ingest_path(&read_spec(path)?, path)?;
    Ok(api)
}

/// The name generated headers and errors use for a spec: its file name only, so output
/// does not depend on where the spec lives.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Whether `name` is a Rust keyword, strict or reserved (module and crate names cannot
/// be one).
pub(crate) fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    ];
    KEYWORDS.contains(&name)
}

//! pushgen: typed Rust servers and clients that push, from push-annotated OpenAPI specs.
//!
//! This crate ties the pipeline together — [`pushgen_ingest`] reads a spec into the IR,
//! [`pushgen_codegen`] renders Rust from it, [`output`] writes the files — and offers it
//! three ways: the `pushgen` command line, [`Builder`] for `build.rs`, and
//! [`generate_str`] for anything else.
//!
//! ```no_run
//! // In build.rs, inside `fn main()`:
//! pushgen::Builder::new("api/consumer.yaml").generate().unwrap();
//! ```

pub mod golden;
pub mod output;

pub use pushgen_codegen::{ExampleSuite, GeneratedFile, Parts, examples_test};
pub use pushgen_ingest::{Overlay, SpecError, SpecErrors, Warning};
pub use pushgen_ir as ir;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The built-in example: the consumer API of the server-push proposal.
pub const EXAMPLE_SPEC: &str = include_str!("../../../fixtures/consumer.yaml");
/// The file name the built-in example is known by.
pub const EXAMPLE_NAME: &str = "consumer.yaml";

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
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

/// Generation from `build.rs`, in the style of `tonic-build`.
///
/// Writes one file, `$OUT_DIR/<spec stem>.rs`, by default; rewrites it only when its
/// content changed, and tells cargo to rerun when the spec or an overlay changes.
/// Include the result:
///
/// ```ignore
/// mod consumer {
///     include!(concat!(env!("OUT_DIR"), "/consumer.rs"));
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    spec: PathBuf,
    overlays: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    parts: Parts,
}

impl Builder {
    /// Generation of the spec at `spec` (relative to the crate root in `build.rs`).
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        Builder {
            spec: spec.into(),
            overlays: Vec::new(),
            out_dir: None,
            parts: Parts::default(),
        }
    }

    /// An Overlay document to apply to the spec before it is read: annotations for a
    /// spec you cannot edit. Call it again for more; they apply in the order added.
    /// Targets that select nothing become `cargo:warning`s.
    pub fn overlay(mut self, path: impl Into<PathBuf>) -> Self {
        self.overlays.push(path.into());
        self
    }

    /// Where to write, instead of `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to generate the server (default: yes).
    pub fn server(mut self, on: bool) -> Self {
        self.parts.server = on;
        self
    }

    /// Whether to generate the client (default: yes).
    pub fn client(mut self, on: bool) -> Self {
        self.parts.client = on;
        self
    }

    /// Whether the types refuse what the spec does not list (default: no; see
    /// [`Parts::strict`]).
    pub fn strict(mut self, on: bool) -> Self {
        self.parts.strict = on;
        self
    }

    /// Generates and writes; returns what was written.
    pub fn generate(self) -> Result<output::Report, Error> {
        println!("cargo:rerun-if-changed={}", self.spec.display());
        for overlay in &self.overlays {
            println!("cargo:rerun-if-changed={}", overlay.display());
        }
        let text = read_spec(&self.spec)?;
        let overlays = self
            .overlays
            .iter()
            .map(|path| read_overlay(path))
            .collect::<Result<Vec<_>, _>>()?;
        let options = pushgen_ingest::Options {
            path: Some(&self.spec),
            overlays: &overlays,
        };
        let mut timings = pushgen_ingest::Timings::default();
        let ingested = pushgen_ingest::ingest_with_options(
            &text,
            &file_name(&self.spec),
            options,
            &mut timings,
        )?;
        for file in &ingested.files {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        for warning in &ingested.warnings {
            // A `cargo:warning` is one line, shown as it is.
            println!("cargo:warning={}", warning.to_string().replace('\n', " "));
        }
        let api = ingested.api;
        let stem = self
            .spec
            .file_stem()
            .and_then(|s| safe_stem(&s.to_string_lossy()))
            .unwrap_or_else(|| "api".into());
        let files = pushgen_codegen::generate_with(
            &api,
            self.parts,
            pushgen_codegen::Layout::SingleFile,
            &stem,
        );
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| Error::Write {
                    path: PathBuf::from("$OUT_DIR"),
                    source: std::io::Error::other(
                        "OUT_DIR is not set: call Builder::generate from build.rs or set out_dir",
                    ),
                })?,
        };
        output::write_shared(&out_dir, &files, output::Mode::Write)
    }
}

/// A file stem safe to write: letters, digits, `-` and `_` only.
fn safe_stem(stem: &str) -> Option<String> {
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (!clean.trim_matches('_').is_empty()).then_some(clean)
}

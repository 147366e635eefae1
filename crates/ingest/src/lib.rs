//! Reads an OpenAPI 3.0 document with push annotations into pushgen's IR.
//!
//! Data flows one way: text → raw `serde_json::Value` (`document.rs`), with other files
//! bundled in (`bundle.rs`) and [`Overlay`]s applied (`overlay.rs`) → typed `openapiv3`
//! model → [`pushgen_ir::Api`]. Schemas become named types in `schema.rs`, operations in
//! `operation.rs`, push sections (`push` / `x-push`) in `push.rs`. Every problem is
//! collected as a [`SpecError`] with the JSON pointer of the offending value; ingest goes
//! on after an error so one run reports as much as it can, and never panics on input.
//!
//! ```
//! let spec = r#"
//! openapi: 3.0.3
//! info: {title: Ticks, version: '1'}
//! paths:
//!   /ticks:
//!     get:
//!       operationId: watchTicks
//!       responses: {'204': {description: done}}
//!       x-push:
//!         - /ticks/{n}:
//!             responses:
//!               '200':
//!                 description: a tick
//!                 content: {application/json: {schema: {type: integer}}}
//! "#;
//! let api = pushgen_ingest::ingest(spec, "ticks.yaml").unwrap();
//! let push = api.operations[0].streaming.envelope().unwrap();
//! assert_eq!(push.items[0].wire_name, "/ticks/{n}");
//! ```

#![forbid(unsafe_code)]

mod build;
mod bundle;
mod case;
mod document;
mod error;
mod locate;
mod names;
mod normalize;
mod operation;
mod origins;
mod overlay;
mod parallel;
mod push;
mod recursion;
mod schema;
mod streams;
mod yaml;

pub use error::{SpecError, SpecErrors, Warning};
pub use locate::{Location, locate};
pub use overlay::Overlay;
pub use push::FINAL_EVENT;

use error::Diagnostics;
use origins::Origins;
use pushgen_ir::Api;

/// Reads the spec `text`; `source` is the file name that errors and generated headers use.
/// `$ref`s to other files need the spec's directory: use [`ingest_file`] for those.
pub fn ingest(text: &str, source: &str) -> Result<Api, SpecErrors> {
    ingest_timed(text, source, &mut Timings::default())
}

/// Like [`ingest`], recording how long each stage took.
pub fn ingest_timed(text: &str, source: &str, timings: &mut Timings) -> Result<Api, SpecErrors> {
    ingest_with_options(text, source, Options::default(), timings).map(|read| read.api)
}

/// How long each stage of ingest took, for `pushgen codegen --timings` and the benchmarks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Text to the typed `openapiv3` model: parsing, bundling, normalising.
    pub parse: std::time::Duration,
    /// The typed model to the IR.
    pub ir: std::time::Duration,
}

/// Reads the spec at `path` and every file it `$ref`s. Returns the API and the paths of
/// the files read besides the spec (for `cargo:rerun-if-changed`).
pub fn ingest_file(path: &std::path::Path) -> Result<(Api, Vec<std::path::PathBuf>), SpecErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecErrors {
        source: file_name(path),
        errors: vec![SpecError::new(
            "",
            format!("cannot read {}: {e}", path.display()),
        )],
    })?;
    ingest_path(&text, path)
}

/// Like [`ingest_file`], for a spec already read from `path`.
pub fn ingest_path(
    text: &str,
    path: &std::path::Path,
) -> Result<(Api, Vec<std::path::PathBuf>), SpecErrors> {
    ingest_path_timed(text, path, &mut Timings::default())
}

/// Like [`ingest_path`], recording how long each stage took.
pub fn ingest_path_timed(
    text: &str,
    path: &std::path::Path,
    timings: &mut Timings,
) -> Result<(Api, Vec<std::path::PathBuf>), SpecErrors> {
    let options = Options {
        path: Some(path),
        overlays: &[],
    };
    let ingested = ingest_with_options(text, &file_name(path), options, timings)?;
    Ok((ingested.api, ingested.files))
}

/// What to read a spec with besides its text, for [`ingest_with_options`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Where the spec is: `$ref`s to other files resolve against its directory. Without
    /// it the spec stands alone, and only its local `$ref`s resolve.
    pub path: Option<&'a std::path::Path>,
    /// Overlay documents, applied in this order to the spec as parsed and bundled,
    /// before anything reads it (see [`Overlay`]).
    pub overlays: &'a [Overlay],
}

/// A spec read into the IR, and what else reading it found.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub api: Api,
    /// The files read besides the spec (what it `$ref`s), for `cargo:rerun-if-changed`.
    /// Overlays are not listed: the caller named them.
    pub files: Vec<std::path::PathBuf>,
    /// What did not stop reading but should be said, such as an overlay action whose
    /// target selected nothing.
    pub warnings: Vec<Warning>,
}

/// Reads the spec `text` as `options` say; `source` is the file name that errors and
/// generated headers use. The other `ingest*` functions are this one with fewer options.
///
/// An error in an overlay is reported in the overlay: `SpecErrors::source` names it and
/// each error's `file` is its path. A spec error inside a value an overlay added is
/// shown in that overlay too, at the value.
pub fn ingest_with_options(
    text: &str,
    source: &str,
    options: Options<'_>,
    timings: &mut Timings,
) -> Result<Ingested, SpecErrors> {
    let base = options
        .path
        .map(|path| path.parent().unwrap_or(std::path::Path::new(".")));
    ingest_with(text, source, base, options.overlays, timings)
}

pub(crate) fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn ingest_with(
    text: &str,
    source: &str,
    base: Option<&std::path::Path>,
    overlays: &[Overlay],
    timings: &mut Timings,
) -> Result<Ingested, SpecErrors> {
    let no_overlays = overlay::Placed::default();
    let mut origins = Origins {
        text,
        source,
        files: &[],
        overlays,
        placed: &no_overlays,
    };
    let start = std::time::Instant::now();
    let mut raw = document::parse(text).map_err(|e| origins.fail(vec![e]))?;
    let files = match base {
        Some(base) => bundle::bundle(&mut raw, text, base).map_err(|e| origins.fail(vec![e]))?,
        None => Vec::new(),
    };
    origins.files = &files;
    let applied = overlay::apply_all(&mut raw, overlays)?;
    origins.placed = &applied.placed;
    let doc = document::load(raw).map_err(|e| origins.fail(vec![e]))?;
    timings.parse = start.elapsed();
    let start = std::time::Instant::now();
    let mut diags = Diagnostics::default();
    let api = build::build(&doc, source, &mut diags);
    doc.free();
    timings.ir = start.elapsed();
    if diags.errors.is_empty() {
        let mut warnings = applied.warnings;
        warnings.extend(
            origins
                .fail(diags.warnings)
                .errors
                .into_iter()
                .map(|w| Warning {
                    file: w.file.unwrap_or_else(|| source.to_string()),
                    pointer: w.pointer,
                    message: w.message,
                    location: w.location,
                }),
        );
        Ok(Ingested {
            api,
            files: files.into_iter().map(|f| f.path).collect(),
            warnings,
        })
    } else {
        Err(origins.fail(diags.errors))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn consumer_example() {
        let text = include_str!("../../../fixtures/consumer.yaml");
        let api = super::ingest(text, "consumer.yaml").unwrap();
        println!("{api:#?}");
    }
}

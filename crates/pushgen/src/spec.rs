//! Reading a spec so that its text outlives the run: errors are shown with its lines.

use pushgen::{Error, Overlay};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A spec's text and the two names it goes by.
pub struct Spec {
    pub text: Cow<'static, str>,
    /// The file name alone, which ingest puts in errors and generated headers, so that
    /// output does not depend on where the spec lives.
    pub name: String,
    /// The path as the user gave it: snippets point there, so an editor can open it.
    pub origin: String,
}

impl Spec {
    /// The built-in example.
    pub fn example() -> Self {
        Spec {
            text: Cow::Borrowed(pushgen::EXAMPLE_SPEC),
            name: pushgen::EXAMPLE_NAME.to_string(),
            origin: pushgen::EXAMPLE_NAME.to_string(),
        }
    }

    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Spec {
            text: Cow::Owned(text),
            name: pushgen::file_name(path),
            origin: path.display().to_string(),
        })
    }
}

/// `--overlay FILE`, for every command that reads a spec.
#[derive(clap::Args)]
pub struct OverlayArgs {
    /// An OpenAPI Overlay 1.0 document to apply to the spec before reading it: pushgen's
    /// annotations for a spec you cannot edit. Repeatable; applied in the order given.
    #[arg(long = "overlay", value_name = "FILE")]
    pub overlays: Vec<PathBuf>,
}

impl OverlayArgs {
    pub fn read(&self) -> Result<Vec<Overlay>, Error> {
        self.overlays
            .iter()
            .map(|path| pushgen::read_overlay(path))
            .collect()
    }
}

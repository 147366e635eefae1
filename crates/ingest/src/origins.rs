//! Errors back to where their values came from: the spec's text, a file it `$ref`s
//! (bundled under `/x-pushgen-files/N`), or an overlay that added the value.
//!
//! Ingest works on one overlaid, bundled value and reports pointers into it; this turns
//! each into a file, a pointer within that file and a line and column there.

use crate::bundle::{self, BundledFile};
use crate::error::{SpecError, SpecErrors};
use crate::file_name;
use crate::locate::locate;
use crate::overlay::{Overlay, Placed};

/// Where values that errors point at came from: the spec's text, a file it `$ref`s, or
/// an overlay.
pub(crate) struct Origins<'a> {
    pub text: &'a str,
    pub source: &'a str,
    pub files: &'a [BundledFile],
    pub overlays: &'a [Overlay],
    pub placed: &'a Placed,
}

impl Origins<'_> {
    /// The errors, each located in the file its value came from. Positions are found
    /// only now, when there is something to report: a second parse of the text, with
    /// positions, that the success path never pays for.
    pub fn fail(&self, mut errors: Vec<SpecError>) -> SpecErrors {
        for error in &mut errors {
            // Messages may name bundled pointers; say them as the spec does, `file#/pointer`.
            for (i, file) in self.files.iter().enumerate().rev() {
                let name = file
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned());
                error.message = error.message.replace(
                    &format!("#/{}/{i}", bundle::FILES_KEY),
                    &format!("{}#", name.unwrap_or_default()),
                );
            }
            // Under an array an overlay removed items from, the indices are not those
            // written: the array is looked up, not a wrong item.
            let stable = self.placed.stable(&error.pointer);
            // First overlays: a value one added may be inside a bundled file as well.
            if let Some((index, inner)) = self.placed.origin(stable)
                && let Some(overlay) = self.overlays.get(index)
            {
                let place = match bundle::origin(self.files, &error.pointer) {
                    Some((file, inner)) => format!("{}#{inner}", file_name(&file.path)),
                    None => format!("#{}", error.pointer),
                };
                error.message = format!(
                    "{} (an overlay put this value at {place} in the spec)",
                    error.message
                );
                error.location = locate(&overlay.text, &inner);
                error.pointer = inner;
                error.file = Some(overlay.path.display().to_string());
                continue;
            }
            // A value an overlay removed is not in the text: the nearest ancestor that is
            // gets shown.
            if let Some((file, inner)) = bundle::origin(self.files, &error.pointer) {
                error.location =
                    bundle::origin(self.files, stable).and_then(|(_, at)| locate(&file.text, &at));
                error.pointer = inner;
                // The path as opened (relative to where the spec was given), so a reader,
                // or the CLI showing the lines, can open it.
                error.file = Some(file.path.display().to_string());
            } else if error.location.is_none() {
                error.location = locate(self.text, stable);
            }
        }
        SpecErrors {
            source: self.source.to_string(),
            errors,
        }
    }
}

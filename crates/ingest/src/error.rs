//! Spec errors: what is wrong and where (a JSON pointer into the document); and warnings,
//! which are shaped alike but stop nothing.

pub use crate::locate::Location;
use std::fmt;

/// One problem with a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// JSON pointer (RFC 6901) to the offending value; empty for the whole document.
    pub pointer: String,
    /// What is wrong, in words a user can act on.
    pub message: String,
    /// Where in the file: the pointer's value, or where the syntax broke.
    pub location: Option<Location>,
    /// The file the pointer and location are in, when it is not the spec itself but a
    /// file the spec `$ref`s.
    pub file: Option<String>,
}

impl SpecError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            pointer: pointer.into(),
            message: message.into(),
            location: None,
            file: None,
        }
    }

    /// An error at a known place in the text (a syntax error).
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        SpecError {
            pointer: String::new(),
            message: message.into(),
            location: Some(location),
            file: None,
        }
    }
}

/// `message (at #/pointer)`: the pointer says where in the document's structure.
impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if !self.pointer.is_empty() {
            write!(f, " (at #{})", self.pointer)?;
        }
        Ok(())
    }
}

/// Every problem found in one spec, in the order they were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors {
    /// The spec's file name.
    pub source: String,
    pub errors: Vec<SpecError>,
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `file:line:col: error: message (at #/pointer)`, one line each, as compilers
        // print them, so editors and terminals can jump to the place.
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", error.file.as_deref().unwrap_or(&self.source))?;
            if let Some(at) = error.location {
                write!(f, ":{}:{}", at.line, at.column)?;
            }
            write!(f, ": error: {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// Something worth telling that did not stop reading: an overlay action that selected
/// nothing (the spec may have changed under it), an overlay with nothing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file it is about, as opened.
    pub file: String,
    /// JSON pointer within that file; empty for the whole of it.
    pub pointer: String,
    pub message: String,
    pub location: Option<Location>,
}

/// `file:line:col: warning: message (at #/pointer)`, as errors are shown.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(at) = self.location {
            write!(f, ":{}:{}", at.line, at.column)?;
        }
        write!(f, ": warning: {}", self.message)?;
        if !self.pointer.is_empty() {
            write!(f, " (at #{})", self.pointer)?;
        }
        Ok(())
    }
}

/// Appends a reference token to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub fn push_pointer(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// Collects errors while ingest keeps going, so one run reports all it can.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pub errors: Vec<SpecError>,
    /// What does not stop generation but should be said (a `pattern` that is not
    /// checked), located as errors are.
    pub warnings: Vec<SpecError>,
}

impl Diagnostics {
    pub fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.errors.push(SpecError::new(pointer, message));
    }

    pub fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.push_warning(SpecError::new(pointer, message));
    }

    fn push_warning(&mut self, warning: SpecError) {
        // A schema reached from several places is read once per place.
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    pub fn push(&mut self, error: SpecError) {
        self.errors.push(error);
    }

    /// Takes in what `later` collected, as if it had been collected here.
    pub fn append(&mut self, later: Diagnostics) {
        self.errors.extend(later.errors);
        later
            .warnings
            .into_iter()
            .for_each(|warning| self.push_warning(warning));
    }
}

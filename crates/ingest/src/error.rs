//! Spec errors: what is wrong and where (a JSON pointer into the document).

use std::fmt;

/// One problem with a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// JSON pointer (RFC 6901) to the offending value; empty for the whole document.
    pub pointer: String,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl SpecError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at #{}: {}", self.pointer, self.message)
        }
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
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if error.pointer.is_empty() {
                write!(f, "{}: error: {}", self.source, error.message)?;
            } else {
                write!(f, "{}: error {error}", self.source)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

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
}

impl Diagnostics {
    pub fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.errors.push(SpecError::new(pointer, message));
    }

    pub fn push(&mut self, error: SpecError) {
        self.errors.push(error);
    }
}

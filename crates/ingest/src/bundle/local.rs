//! Whether a document's text can only `$ref` itself, read from the text.
//!
//! Bundling walks every value of the document looking for `$ref`s to other files; most
//! specs have none, and for a big one the walk was a tenth of reading it, on one core.
//! The text says it sooner: when every `$ref` in it is followed by a value that starts
//! with `#`, there is nothing to bundle. The reading is conservative: a `$ref` written in
//! any other way (its value on the next line, an alias, a tag, escapes that could spell
//! it) means the walk is done as before.

use memchr::memmem;

/// True unless `text` certainly refers to nothing but itself.
pub(super) fn may_refer_elsewhere(text: &str) -> bool {
    let bytes = text.as_bytes();
    memmem::find_iter(bytes, b"$ref").any(|at| !local_value_follows(&bytes[at + 4..]))
        || may_escape_ref(bytes)
}

/// Whether `rest`, what follows a `$ref`, is `: '#...` in one of the ways JSON and YAML
/// write a key's value on its line: an optional closing quote of the key, blanks, the
/// colon, blanks, an optional opening quote, then `#`.
fn local_value_follows(rest: &[u8]) -> bool {
    let rest = blanks(quote(rest));
    match rest.split_first() {
        Some((b':', value)) => quote(blanks(value)).first() == Some(&b'#'),
        _ => false,
    }
}

/// `text` after the blanks (spaces, tabs) it starts with.
fn blanks(text: &[u8]) -> &[u8] {
    let start = text.iter().position(|&b| b != b' ' && b != b'\t');
    &text[start.unwrap_or(text.len())..]
}

/// `text` after the quote it starts with, if it does.
fn quote(text: &[u8]) -> &[u8] {
    match text.split_first() {
        Some((b'"' | b'\'', rest)) => rest,
        _ => text,
    }
}

/// Whether an escape in the text (`\u0024`, YAML's `\x24` and `\U00000024`) writes one of
/// the characters of `$ref`, which could then be a key the search above does not see.
fn may_escape_ref(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', bytes).any(|at| {
        let digits = match bytes.get(at + 1) {
            Some(b'u') => 4,
            Some(b'x') => 2,
            Some(b'U') => 8,
            _ => return false,
        };
        let hex = bytes
            .get(at + 2..at + 2 + digits)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u32::from_str_radix(hex, 16).ok());
        // Unreadable digits are left to the parser; they spell nothing here.
        hex.and_then(char::from_u32)
            .is_some_and(|c| matches!(c, '$' | 'r' | 'e' | 'f'))
    })
}

#[cfg(test)]
mod tests {
    use super::may_refer_elsewhere;

    #[test]
    fn local_refs_in_every_usual_spelling_are_local() {
        for text in [
            r##"{"$ref": "#/components/schemas/A"}"##,
            r##"{"$ref":"#/a"}"##,
            "a: {$ref: '#/a'}\nb:\n  $ref: \"#/b\"\nc:\n  $ref:   #/c\n",
            "'$ref': '#/a'",
            "description: no references at all, and a \\n newline escape\n",
            "title: \"caf\\u00e9\"",
        ] {
            assert!(!may_refer_elsewhere(text), "{text}");
        }
    }

    #[test]
    fn anything_else_may_refer_elsewhere() {
        for text in [
            r##"{"$ref": "other.json#/a"}"##,
            "a: {$ref: './b.yaml'}",
            "a:\n  $ref: b.yaml#/c",
            "a:\n  $ref:\n    '#/on/the/next/line'",
            "a:\n  $ref: *alias",
            "a:\n  $ref: !!str '#/tagged'",
            "a:\n  ? $ref\n  : '#/explicit/key'",
            "description: use $ref to point at a schema",
            r##"{"\u0024ref": "b.json"}"##,
            r##"{"$re\u0066": "b.json"}"##,
            "a: {\"\\x24ref\": b.yaml}",
            "a: {\"\\U00000072\": b.yaml}",
            // A `$ref` at the very end of the text.
            "a: $ref",
        ] {
            assert!(may_refer_elsewhere(text), "{text}");
        }
    }
}

//! Identifiers from IR names. Ingest guarantees they are valid; this module still never
//! panics on one that is not, because a panic here would be a generator crash on a spec.

use proc_macro2::{Ident, Span};

/// An identifier token for `name` (already a valid identifier by IR invariant).
pub fn ident(name: &str) -> Ident {
    if is_ident(name) {
        Ident::new(name, Span::call_site())
    } else {
        // Unreachable for IR from ingest; a visible name beats a crash if it ever happens.
        Ident::new("invalid_identifier", Span::call_site())
    }
}

/// `format!` into an identifier.
pub fn ident_fmt(args: std::fmt::Arguments<'_>) -> Ident {
    ident(&args.to_string())
}

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !is_keyword(name)
}

/// What `syn` refuses as an identifier: `_` and the keywords, strict and reserved. Checked
/// by name: lexing and parsing each identifier with `syn` was 3% of generating a big API.
fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "_" | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "Self"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

#[cfg(test)]
mod tests {
    use super::ident;

    #[test]
    fn bad_names_do_not_panic() {
        assert_eq!(ident("type").to_string(), "invalid_identifier");
        assert_eq!(ident("123").to_string(), "invalid_identifier");
        assert_eq!(ident("").to_string(), "invalid_identifier");
        assert_eq!(ident("type_").to_string(), "type_");
    }

    /// The list is `syn`'s: every keyword of any edition, and words that are not.
    #[test]
    fn keywords_are_what_syn_refuses() {
        let words = [
            "_",
            "abstract",
            "as",
            "async",
            "auto",
            "await",
            "become",
            "box",
            "break",
            "const",
            "continue",
            "crate",
            "default",
            "do",
            "dyn",
            "else",
            "enum",
            "extern",
            "false",
            "final",
            "fn",
            "for",
            "gen",
            "if",
            "impl",
            "in",
            "let",
            "loop",
            "macro",
            "macro_rules",
            "match",
            "mod",
            "move",
            "mut",
            "override",
            "priv",
            "pub",
            "raw",
            "ref",
            "return",
            "safe",
            "Self",
            "self",
            "static",
            "struct",
            "super",
            "trait",
            "true",
            "try",
            "type",
            "typeof",
            "union",
            "unsafe",
            "unsized",
            "use",
            "virtual",
            "where",
            "while",
            "yield",
            "type_",
            "Type",
            "selfie",
            "_x",
            "x1",
        ];
        for word in words {
            let refused = syn::parse_str::<proc_macro2::Ident>(word).is_err();
            assert_eq!(super::is_keyword(word), refused, "{word}");
        }
    }
}

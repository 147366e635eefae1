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
        && name != "_"
        && syn::parse_str::<Ident>(name).is_ok()
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
}

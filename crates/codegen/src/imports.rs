//! Which sibling modules generated code names, so files `use` only those: an unused
//! import is a warning.

use proc_macro2::{Spacing, TokenStream, TokenTree};

/// Whether `tokens` contain a path through `module` (`module::Item`), however deep.
///
/// Walks the tokens rather than printing them: for an API of thousands of operations the
/// printed text would be megabytes, built only to be searched.
pub fn uses(tokens: &TokenStream, module: &str) -> bool {
    let mut after_module = false;
    for tree in tokens.clone() {
        match tree {
            TokenTree::Group(group) => {
                if uses(&group.stream(), module) {
                    return true;
                }
                after_module = false;
            }
            TokenTree::Ident(ident) => after_module = ident == module,
            // `module::` — a joint `:` (a field `types: T` has a lone one).
            TokenTree::Punct(punct) => {
                if after_module && punct.as_char() == ':' && punct.spacing() == Spacing::Joint {
                    return true;
                }
                after_module = false;
            }
            TokenTree::Literal(_) => after_module = false,
        }
    }
    false
}

/// Whether `tokens` name the generated `types` module.
pub fn uses_types(tokens: &TokenStream) -> bool {
    uses(tokens, "types")
}

#[cfg(test)]
mod tests {
    use super::uses;
    use quote::quote;

    #[test]
    fn finds_paths_not_fields() {
        assert!(uses(
            &quote!(
                fn f(x: Vec<types::A>) {}
            ),
            "types"
        ));
        assert!(uses(
            &quote!(
                struct S {
                    a: operations::x::Params,
                }
            ),
            "operations"
        ));
        assert!(!uses(
            &quote!(
                struct S {
                    types: u8,
                }
            ),
            "types"
        ));
        assert!(!uses(
            &quote!(
                fn f(x: super::wire::Parts) {}
            ),
            "types"
        ));
    }
}

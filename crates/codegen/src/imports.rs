//! Which sibling modules generated code names, so files `use` only those: an unused
//! import is a warning.

use proc_macro2::{Spacing, TokenStream, TokenTree};

/// Which of the sibling modules generated files import some tokens name.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Uses {
    pub operations: bool,
    pub types: bool,
}

impl Uses {
    /// What `tokens` name: a path through the module (`types::Item`), however deep. Walks
    /// the tokens rather than printing them: for an API of thousands of operations the
    /// printed text would be megabytes, built only to be searched.
    pub fn of(tokens: &TokenStream) -> Uses {
        let mut found = Uses::default();
        find(tokens, &mut found);
        found
    }
}

impl std::ops::BitOr for Uses {
    type Output = Uses;
    fn bitor(self, other: Uses) -> Uses {
        Uses {
            operations: self.operations || other.operations,
            types: self.types || other.types,
        }
    }
}

fn find(tokens: &TokenStream, found: &mut Uses) {
    // The module named by the ident just before, if it was one of ours.
    let mut after: Option<bool> = None;
    for tree in tokens.clone() {
        if found.operations && found.types {
            return;
        }
        let next = match &tree {
            TokenTree::Group(group) => {
                find(&group.stream(), found);
                None
            }
            TokenTree::Ident(ident) if ident == "operations" => Some(true),
            TokenTree::Ident(ident) if ident == "types" => Some(false),
            // `module::` — a joint `:` (a field `types: T` has a lone one).
            TokenTree::Punct(punct)
                if punct.as_char() == ':' && punct.spacing() == Spacing::Joint =>
            {
                match after {
                    Some(true) => found.operations = true,
                    Some(false) => found.types = true,
                    None => {}
                }
                None
            }
            _ => None,
        };
        after = next;
    }
}

/// `use super::{operations, types};` for those of the two that `uses` says are named
/// (nothing for neither), allowed to go unused where tag features may leave them so.
pub fn siblings(uses: Uses, plan: &crate::validate::Plan<'_>) -> TokenStream {
    let operations = uses.operations.then(|| quote::quote!(operations,));
    let types = uses.types.then(|| quote::quote!(types,));
    if operations.is_none() && types.is_none() {
        return TokenStream::new();
    }
    let allow = plan.tags.allow_unused_imports();
    quote::quote!(#allow use super::{#operations #types};)
}

#[cfg(test)]
mod tests {
    use super::Uses;
    use quote::quote;

    #[test]
    fn finds_paths_not_fields() {
        assert!(
            Uses::of(&quote!(
                fn f(x: Vec<types::A>) {}
            ))
            .types
        );
        assert!(
            Uses::of(&quote!(
                struct S {
                    a: operations::x::Params,
                }
            ))
            .operations
        );
        assert!(
            !Uses::of(&quote!(
                struct S {
                    types: u8,
                }
            ))
            .types
        );
        assert!(
            !Uses::of(&quote!(
                fn f(x: super::wire::Parts) {}
            ))
            .types
        );
    }

    #[test]
    fn uses_finds_both_modules_in_one_walk() {
        let tokens = quote!(
            struct S {
                types: u8,
                a: Vec<operations::x::Params>,
            }
        );
        assert_eq!(
            Uses::of(&tokens),
            Uses {
                operations: true,
                types: false
            }
        );
        let both = quote!(
            fn f(a: types::A, b: operations::B) {}
        );
        assert_eq!(
            Uses::of(&both),
            Uses {
                operations: true,
                types: true
            }
        );
        assert_eq!(
            Uses::of(&quote!(
                fn f(operations: u8) {}
            )),
            Uses::default()
        );
    }
}

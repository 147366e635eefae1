//! Which sibling modules generated code names, so files `use` only those: an unused
//! import is a warning.

use proc_macro2::{Spacing, TokenStream, TokenTree};

/// Which of the sibling modules generated files import some tokens name, and whether they
/// name the runtime's `server` module by its short path (`server::respond`, as the
/// server's handlers import it).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Uses {
    pub operations: bool,
    pub types: bool,
    pub server: bool,
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
            server: self.server || other.server,
        }
    }
}

/// A module whose name starts a path in generated code.
#[derive(Clone, Copy)]
enum Module {
    Operations,
    Types,
    Server,
}

fn find(tokens: &TokenStream, found: &mut Uses) {
    // The module named by the ident just before, if it was one of ours.
    let mut after: Option<Module> = None;
    // Whether the token before was a `:`: a path's later segment (`codegen::server`) is
    // not the module imported by its short name.
    let mut after_colon = false;
    for tree in tokens.clone() {
        if found.operations && found.types && found.server {
            return;
        }
        let next = match &tree {
            TokenTree::Group(group) => {
                find(&group.stream(), found);
                None
            }
            TokenTree::Ident(ident) if ident == "operations" => Some(Module::Operations),
            TokenTree::Ident(ident) if ident == "types" => Some(Module::Types),
            TokenTree::Ident(ident) if ident == "server" && !after_colon => Some(Module::Server),
            // `module::` — a joint `:` (a field `types: T` has a lone one).
            TokenTree::Punct(punct)
                if punct.as_char() == ':' && punct.spacing() == Spacing::Joint =>
            {
                match after {
                    Some(Module::Operations) => found.operations = true,
                    Some(Module::Types) => found.types = true,
                    Some(Module::Server) => found.server = true,
                    None => {}
                }
                None
            }
            _ => None,
        };
        after_colon = matches!(&tree, TokenTree::Punct(punct) if punct.as_char() == ':');
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
                ..Uses::default()
            }
        );
        let both = quote!(
            fn f(a: types::A, b: operations::B) {}
        );
        assert_eq!(
            Uses::of(&both),
            Uses {
                operations: true,
                types: true,
                ..Uses::default()
            }
        );
        assert_eq!(
            Uses::of(&quote!(
                fn f(operations: u8) {}
            )),
            Uses::default()
        );
    }

    #[test]
    fn server_by_its_short_path_only() {
        assert!(Uses::of(&quote!(server::respond(&response))).server);
        assert!(
            Uses::of(&quote!(
                fn f() -> Result<(), server::Rejection> {}
            ))
            .server
        );
        // The runtime's module by its whole path, an operation named `server`, a field.
        for tokens in [
            quote!(::pushgen_runtime::codegen::server::respond(&response)),
            quote!(operations::server::Params),
            quote!(let server: u8 = api.server();),
        ] {
            assert!(!Uses::of(&tokens).server, "{tokens}");
        }
    }
}

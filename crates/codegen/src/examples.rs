//! A test that reads every example of a spec into its generated type and writes it back
//! (see `pushgen_runtime::examples`). `cargo xtask bless` writes one for the fixtures.

use crate::runtime::RT;
use crate::rust_type::{Site, rust_type};
use proc_macro2::{Literal, TokenStream};
use pushgen_ir::{Api, TypeRef};
use quote::quote;

/// One spec whose examples are tested.
pub struct ExampleSuite<'a> {
    pub api: &'a Api,
    /// The test's name.
    pub test: &'a str,
    /// The path of the generated API module, as the test crate sees it
    /// (`pushgen_golden::shapes`).
    pub module: &'a str,
}

/// The test file. `invalid` is the path, from the test file, of the list of examples
/// known to be invalid against their own schemas.
pub fn examples_test(suites: &[ExampleSuite<'_>], header: &str, invalid: &str) -> String {
    let tests = suites.iter().filter_map(test_fn);
    let tokens = quote! {
        use #RT::examples::Examples;

        /// Examples the spec gives that do not fit their own schemas, with why: they are
        /// expected to fail, and the tests fail if one of them starts passing.
        const INVALID: &str = include_str!(#invalid);

        #(#tests)*
    };
    crate::render::file(header, tokens)
}

fn test_fn(suite: &ExampleSuite<'_>) -> Option<TokenStream> {
    // A free-form value reads anything, so says nothing about the generated types.
    let examples: Vec<_> = suite
        .api
        .examples
        .iter()
        .filter(|e| e.ty != TypeRef::Any)
        .collect();
    if examples.is_empty() {
        return None;
    }
    let test = crate::ident::ident(suite.test);
    let module: syn::Path = syn::parse_str(suite.module).ok()?;
    let source = &suite.api.source;
    let site = Site::outside(crate::prelude::Prelude::of(suite.api));
    let checks = examples.iter().map(|e| {
        let ty = rust_type(&e.ty, site);
        let pointer = &e.pointer;
        let json = Literal::string(&e.json);
        quote!(examples.check::<#ty>(#pointer, #json);)
    });
    let doc = match examples.len() {
        1 => format!(" The example of `{source}`."),
        n => format!(" The {n} examples of `{source}`."),
    };
    let uses_types = examples.iter().any(|e| names_a_type(&e.ty));
    let types = uses_types.then(|| quote!(use #module::types;));
    Some(quote! {
        #[doc = #doc]
        #[test]
        fn #test() {
            #types
            let mut examples = Examples::new(#source);
            #(#checks)*
            if let Err(problems) = examples.finish(INVALID) {
                panic!("{problems}");
            }
        }
    })
}

fn names_a_type(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(_) => true,
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => {
            names_a_type(inner)
        }
        TypeRef::Scalar(_) | TypeRef::Any => false,
    }
}

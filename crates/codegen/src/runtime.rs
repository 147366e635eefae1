//! Where generated code finds the runtime: `::pushgen_runtime::codegen`, the runtime's
//! module for generated code (as tonic-build's output goes through `tonic::codegen`).
//! Every path into the runtime that the backends write starts here, so a runtime that
//! moves or re-exports its parts changes one module, not the generator.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// The path as text, for the few places that write it inside a string (serde's
/// `deserialize_with`, the enum macros wrapped after formatting).
pub(crate) const PATH: &str = "::pushgen_runtime::codegen";

/// The path as tokens: `quote!(#RT::wire::Parts)`.
pub(crate) struct Runtime;

pub(crate) const RT: Runtime = Runtime;

impl ToTokens for Runtime {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(quote!(::pushgen_runtime::codegen));
    }
}

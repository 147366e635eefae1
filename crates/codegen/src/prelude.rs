//! How generated code spells the standard library's prelude: `Option<String>` where
//! nothing the spec names shadows those names, `::std::option::Option` where something
//! does.
//!
//! Short names read better, and a big API's files hold tens of thousands of them: their
//! full paths were a sixth of the tokens `syn` parsed back for GitHub's spec. But a
//! schema may be called `Option` or `Result`, and its type is then defined beside code
//! that needs the prelude's. The names the spec gives items of generated modules are
//! known before any code is written, so each prelude name is checked once against all of
//! them and spelled one way throughout the output: in full only where it must be.
//!
//! Only type and trait names can be shadowed: generated modules define no unit or tuple
//! structs, consts or functions from the spec's names, so `Some`, `None`, `Ok` and `Err`
//! are always written short. `Future`, `Arc` and `BTreeMap` are not in the prelude of
//! every edition and keep their paths.

use proc_macro2::{Ident, Span, TokenStream};
use pushgen_ir::{Api, Streaming};
use quote::{ToTokens, quote};

/// A name of the prelude that generated code uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Std {
    Option,
    Result,
    String,
    Vec,
    Box,
    Send,
    Sync,
    Into,
    From,
    Fn,
    ToString,
}

impl Std {
    const ALL: [Std; 11] = [
        Std::Option,
        Std::Result,
        Std::String,
        Std::Vec,
        Std::Box,
        Std::Send,
        Std::Sync,
        Std::Into,
        Std::From,
        Std::Fn,
        Std::ToString,
    ];

    fn name(self) -> &'static str {
        self.path().1
    }

    /// The module of `std` that defines it, and its name.
    fn path(self) -> (&'static str, &'static str) {
        match self {
            Std::Option => ("option", "Option"),
            Std::Result => ("result", "Result"),
            Std::String => ("string", "String"),
            Std::Vec => ("vec", "Vec"),
            Std::Box => ("boxed", "Box"),
            Std::Send => ("marker", "Send"),
            Std::Sync => ("marker", "Sync"),
            Std::Into => ("convert", "Into"),
            Std::From => ("convert", "From"),
            Std::Fn => ("ops", "Fn"),
            Std::ToString => ("string", "ToString"),
        }
    }

    fn full(self) -> TokenStream {
        let (module, name) = self.path();
        let [module, name] = [module, name].map(|part| Ident::new(part, Span::call_site()));
        quote!(::std::#module::#name)
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// Which prelude names the spec's names shadow somewhere in the generated modules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prelude {
    shadowed: u16,
}

impl Prelude {
    /// The spellings for `api`'s generated code. The names its items take from the spec:
    /// its types (`types.rs`), its push items (each operation's module), and the API
    /// itself (the server trait). Every other item generated code defines has a fixed
    /// name or a suffix (`Params`, `FooClient`, `FooObserver`, `FooResponse`), and none
    /// is a prelude name.
    pub fn of(api: &Api) -> Prelude {
        let types = api.types.iter().map(|ty| ty.name.camel.as_str());
        let items = api.operations.iter().flat_map(|op| match &op.streaming {
            Streaming::Envelope(push) => push.items.as_slice(),
            _ => &[],
        });
        let items = items.map(|item| item.name.camel.as_str());
        Prelude::beside(types.chain(items).chain([api.name.camel.as_str()]))
    }

    /// The spellings for code beside items called `names`.
    pub fn beside<'a>(names: impl IntoIterator<Item = &'a str>) -> Prelude {
        let mut shadowed = 0;
        for name in names {
            if let Some(std) = Std::ALL.iter().find(|std| std.name() == name) {
                shadowed |= std.bit();
            }
        }
        Prelude { shadowed }
    }

    fn is_shadowed(self, name: Std) -> bool {
        self.shadowed & name.bit() != 0
    }

    /// `name` as a path in tokens.
    pub fn path(self, name: Std) -> TokenStream {
        if self.is_shadowed(name) {
            name.full()
        } else {
            Ident::new(name.name(), Span::call_site()).into_token_stream()
        }
    }

    /// `name` as a path in text, for the paths serde attributes hold.
    pub fn text(self, name: Std) -> String {
        let (module, short) = name.path();
        if self.is_shadowed(name) {
            format!("::std::{module}::{short}")
        } else {
            short.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Prelude, Std};

    #[test]
    fn only_the_names_taken_are_spelled_in_full() {
        let prelude = Prelude::beside(["Result", "Vec", "Resultant", "option"]);
        assert_eq!(
            prelude.path(Std::Result).to_string(),
            ":: std :: result :: Result"
        );
        assert_eq!(prelude.path(Std::Vec).to_string(), ":: std :: vec :: Vec");
        assert_eq!(prelude.path(Std::Option).to_string(), "Option");
        assert_eq!(prelude.text(Std::Option), "Option");
        assert_eq!(prelude.text(Std::Result), "::std::result::Result");
    }

    #[test]
    fn an_api_shadows_by_its_types_and_its_own_name() {
        use crate::test_support::{api, name, named};
        let mut api = api();
        api.name = name("Send");
        api.types.push(named(
            "Result",
            pushgen_ir::TypeKind::Alias(pushgen_ir::TypeRef::Any),
        ));
        let prelude = Prelude::of(&api);
        assert!(prelude.is_shadowed(Std::Send));
        assert!(prelude.is_shadowed(Std::Result));
        assert!(!prelude.is_shadowed(Std::Option));
    }

    #[test]
    fn every_name_has_its_own_bit_and_a_full_path_ending_in_it() {
        let mut seen = 0u16;
        for std in Std::ALL {
            assert_eq!(seen & std.bit(), 0, "{std:?}");
            seen |= std.bit();
            let (module, short) = std.path();
            let full = format!("::std::{module}::{short}");
            assert!(full.starts_with("::std::") && full.ends_with(&format!("::{short}")));
            assert_eq!(std.full().to_string().replace(' ', ""), full);
            assert!(Prelude::beside([short]).is_shadowed(std));
        }
    }
}

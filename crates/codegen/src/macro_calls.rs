//! A struct's `serde_object!` call, written as text.
//!
//! The call lists each property with how it is read and its wire name
//! (`job_id: Required<"jobId">,`): 40% of the lines of a big API's `types.rs`. Through the
//! tokens it is a struct item marked for `render` to wrap in the call
//! ([`crate::render::MACRO_MARKER`]), parsed back by `syn` and laid out by prettyplease,
//! which was half the time of rendering `types.rs`. While a piece is built, the call is
//! written straight as text instead, laid out as prettyplease lays out the struct, at the
//! indentation of the place it takes ([`crate::late`]); outside a piece it goes through
//! the tokens. `parallel/tests.rs` holds the two to the same text on every fixture, and
//! the tests below at every indentation, either side of the line width.

use crate::late::{WriteItem, defer_item};
use crate::render::push_macro_call_head;
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// prettyplease's line width, and the least it leaves however deep the indentation.
const MARGIN: usize = 89;
const MIN_SPACE: usize = 60;

/// What one `serde_object!` call says.
pub struct SerdeObject {
    /// The struct's name.
    pub name: Ident,
    /// Whether the call refuses properties the struct does not list.
    pub strict: bool,
    pub properties: Vec<Property>,
    /// The field that takes the properties not listed, if the struct has one.
    pub unlisted: Option<Ident>,
}

/// A listed property: its field, how it is read (`Required`, `Optional`, `Nullable`,
/// `NotNull`) and its name on the wire.
pub struct Property {
    pub field: Ident,
    pub kind: &'static str,
    pub wire: String,
}

impl SerdeObject {
    /// The call: a marker of the text it writes, while a piece is built; otherwise its
    /// tokens.
    pub fn into_tokens(self) -> TokenStream {
        match defer_item(self) {
            Ok(marker) => marker,
            Err(call) => call.tokens(),
        }
    }

    /// The struct item `render` wraps in the call.
    fn tokens(&self) -> TokenStream {
        let marker = crate::render::macro_marker("serde_object", self.strict);
        let name = &self.name;
        let properties = self.properties.iter().map(|p| {
            let Property { field, kind, wire } = p;
            let kind = Ident::new(kind, Span::call_site());
            quote!(#field: #kind<#wire>,)
        });
        let unlisted = self
            .unlisted
            .as_ref()
            .map(|field| quote!(#[flatten] #field: Unlisted,));
        quote! {
            #marker
            struct #name {
                #(#properties)*
                #unlisted
            }
        }
    }
}

impl WriteItem for SerdeObject {
    /// As `render` writes the call around the struct prettyplease printed at `indent`:
    /// the struct's lines one level in, a property on one line unless that line would pass
    /// the width, and then its wire name on a line of its own.
    fn write(&self, indent: &str, out: &mut String) {
        let inner = format!("{indent}    ");
        let field_indent = format!("{inner}    ");
        push_macro_call_head(out, indent, "serde_object", self.strict);
        out.push_str(&inner);
        out.push_str("struct ");
        out.push_str(&self.name.to_string());
        if self.properties.is_empty() && self.unlisted.is_none() {
            out.push_str(" {}\n");
        } else {
            out.push_str(" {\n");
            // prettyplease laid the fields out one level into the struct, before `render`
            // moved them one more.
            let space = MARGIN.saturating_sub(indent.len() + 4).max(MIN_SPACE);
            for Property { field, kind, wire } in &self.properties {
                let field = field.to_string();
                let wire = Literal::string(wire).to_string();
                // `field: Kind<"wire">,`
                let width = field.len() + 2 + kind.len() + 1 + wire.len() + 2;
                out.push_str(&field_indent);
                out.push_str(&field);
                out.push_str(": ");
                out.push_str(kind);
                if width <= space {
                    out.push('<');
                    out.push_str(&wire);
                    out.push_str(">,\n");
                } else {
                    out.push_str("<\n");
                    out.push_str(&field_indent);
                    out.push_str("    ");
                    out.push_str(&wire);
                    out.push_str(",\n");
                    out.push_str(&field_indent);
                    out.push_str(">,\n");
                }
            }
            if let Some(field) = &self.unlisted {
                out.push_str(&field_indent);
                out.push_str("#[flatten]\n");
                out.push_str(&field_indent);
                out.push_str(&field.to_string());
                out.push_str(": Unlisted,\n");
            }
            out.push_str(&inner);
            out.push_str("}\n");
        }
        out.push_str(indent);
        out.push_str("}\n");
    }
}

#[cfg(test)]
mod tests {
    use super::{Property, SerdeObject};
    use proc_macro2::{Ident, Span};
    use quote::quote;

    fn call(field: &str, wire: &str, strict: bool, unlisted: bool) -> SerdeObject {
        let ident = |name: &str| Ident::new(name, Span::call_site());
        SerdeObject {
            name: ident("Thing"),
            strict,
            properties: vec![
                Property {
                    field: ident(field),
                    kind: "Required",
                    wire: wire.to_string(),
                },
                Property {
                    field: ident("b"),
                    kind: "Optional",
                    wire: "b \"quoted\" \u{e9}".to_string(),
                },
            ],
            unlisted: unlisted.then(|| ident("rest")),
        }
    }

    /// The text written at every depth of modules, either side of where a property's line
    /// breaks, is the text rendered from the tokens.
    #[test]
    fn text_is_what_prettyplease_lays_out_from_the_tokens() {
        let mut broke = 0;
        for depth in 0..9 {
            for length in (1..100).step_by(3) {
                for (strict, unlisted) in [(false, false), (true, false), (false, true)] {
                    let wire = "w".repeat(length);
                    let nest = |item: proc_macro2::TokenStream| {
                        (0..depth).fold(item, |inner, _| quote!(mod m { #inner }))
                    };
                    let from_tokens = crate::render::items(nest(
                        call("a_field", &wire, strict, unlisted).tokens(),
                    ));
                    let (text, late) = crate::late::collecting(|| {
                        let marker = call("a_field", &wire, strict, unlisted).into_tokens();
                        crate::render::items(nest(marker))
                    });
                    assert_eq!(
                        late.splice(text),
                        from_tokens,
                        "depth {depth}, wire name of {length}"
                    );
                    broke += usize::from(from_tokens.contains("Required<\n"));
                }
            }
        }
        assert!(broke > 0, "no property's line was long enough to break");
    }

    #[test]
    fn a_struct_without_properties_is_one_line() {
        let empty = SerdeObject {
            name: Ident::new("Empty", Span::call_site()),
            strict: true,
            properties: Vec::new(),
            unlisted: None,
        };
        let from_tokens = crate::render::items(empty.tokens());
        let mut text = String::new();
        crate::late::WriteItem::write(&empty, "", &mut text);
        assert_eq!(text, from_tokens);
    }
}

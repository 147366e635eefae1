//! pushgen's Rust backends: from the IR to source files.
//!
//! Each backend sees only [`pushgen_ir::Api`] and builds tokens with `quote!`; [`render`]
//! turns them into text through `prettyplease`, so no `rustfmt` is needed and the output
//! is the same on every machine. One API becomes a directory of files:
//!
//! | file | backend | what it holds |
//! |---|---|---|
//! | `mod.rs` | [`module`] | the module tree, and how to include it |
//! | `types.rs` | [`types`] | serde models of the spec's schemas |
//! | `operations.rs` | [`operations`] | per operation: parameters, response enum, push enum |
//! | `server.rs` | [`server`] | the server trait and `router(impl) -> axum::Router` |
//! | `client.rs` | [`client`] | the client, its observer traits and streams |
//!
//! The generated files contain no inner attributes, so they also work through `include!`.

mod client;
mod docs;
mod ident;
mod imports;
mod module;
mod operations;
mod render;
mod rust_type;
mod server;
mod types;

use pushgen_ir::Api;

/// Which parts to generate. Server and client need the types and operations, so those
/// come with either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub types: bool,
    pub server: bool,
    pub client: bool,
}

impl Default for Parts {
    fn default() -> Self {
        Parts {
            types: true,
            server: true,
            client: true,
        }
    }
}

/// How the generated code is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// A directory: `mod.rs` and one file per part. Include with
    /// `#[path = "generated/mod.rs"] mod api;`.
    #[default]
    Directory,
    /// One file with every part as an inline module, for `include!` (the only way to
    /// reach `OUT_DIR` from `build.rs`): `mod api { include!(concat!(env!("OUT_DIR"), "/api.rs")); }`.
    SingleFile,
}

/// One generated file: a name relative to the output directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub name: String,
    pub content: String,
}

/// Generates the files for `api`. `file_stem` names the one file of [`Layout::SingleFile`].
pub fn generate_with(
    api: &Api,
    parts: Parts,
    layout: Layout,
    file_stem: &str,
) -> Vec<GeneratedFile> {
    match layout {
        Layout::Directory => generate(api, parts),
        Layout::SingleFile => vec![GeneratedFile {
            name: format!("{file_stem}.rs"),
            content: render::file(
                &render::header(&api.source),
                module::single_file(api, parts),
            ),
        }],
    }
}

/// Generates the files for `api` in [`Layout::Directory`].
pub fn generate(api: &Api, parts: Parts) -> Vec<GeneratedFile> {
    let header = render::header(&api.source);
    let mut files = Vec::new();
    let file = |name: &str, tokens| GeneratedFile {
        name: name.to_string(),
        content: render::file(&header, tokens),
    };
    files.push(file("mod.rs", module::generate(api, parts)));
    files.push(file("types.rs", types::generate(api)));
    files.push(file("operations.rs", operations::generate(api)));
    if parts.server {
        files.push(file("server.rs", server::generate(api)));
    }
    if parts.client {
        files.push(file("client.rs", client::generate(api)));
    }
    files
}

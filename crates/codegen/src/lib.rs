//! pushgen's Rust backends: from the IR to source files.
//!
//! Each backend sees only [`pushgen_ir::Api`] and builds tokens with `quote!`; `render.rs`
//! turns them into text through `prettyplease`, so no `rustfmt` is needed and the output
//! is the same on every machine. One API becomes a directory of files:
//!
//! | file | backend | what it holds |
//! |---|---|---|
//! | `mod.rs` | `src/module.rs` | the module tree, and how to include it |
//! | `types.rs` | `src/types.rs` | serde models of the spec's schemas |
//! | `operations.rs` | `src/operations.rs` | per operation: parameters, response enum, push enum |
//! | `server.rs` | `src/server.rs` | the server trait and `router(impl) -> axum::Router` |
//! | `client.rs` | `src/client.rs` | the client, its observer traits and streams |
//!
//! The generated files contain no inner attributes, so they also work through `include!`.

#![forbid(unsafe_code)]

mod body;
mod client;
mod client_items;
mod custom;
mod docs;
mod examples;
mod ident;
mod imports;
mod items;
mod module;
mod operations;
mod parallel;
mod render;
mod routes;
mod runtime;
mod rust_type;
mod security;
mod server;
mod shared_enums;
mod tags;
#[cfg(test)]
mod test_support;
mod types;
mod usage;
mod validate;

pub use custom::{Custom, CustomError};
pub use docs::markdown as rustdoc_markdown;
pub use examples::{ExampleSuite, examples_test};
use pushgen_ir::Api;
pub use tags::{OTHER_SCHEMAS, TagFeature, UNTAGGED, tag_features};
pub use usage::{Usage, usage_examples};

/// Which parts to generate, and how strictly they read. Server and client need the types
/// and operations, so those come with either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub types: bool,
    pub server: bool,
    pub client: bool,
    /// Refuse what the spec does not list. By default (forward compatibility) a newer peer's
    /// additions do not break reading: enums keep unknown values in `Unknown`, tagged
    /// unions keep unknown kinds, structs ignore unknown properties. Strict types have no
    /// `Unknown` variants and `deny_unknown_fields`.
    pub strict: bool,
}

impl Default for Parts {
    fn default() -> Self {
        Parts {
            types: true,
            server: true,
            client: true,
            strict: false,
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
    generate_custom(api, parts, layout, file_stem, &Custom::default())
}

/// Like [`generate_with`], with what the user adds (attributes, the runtime's path). An
/// API whose extern types are wanted has them applied first
/// ([`Custom::apply_extern_types`]); `custom` should have passed [`Custom::check`].
pub fn generate_custom(
    api: &Api,
    parts: Parts,
    layout: Layout,
    file_stem: &str,
    custom: &Custom,
) -> Vec<GeneratedFile> {
    let mut files = match layout {
        Layout::Directory => directory(api, parts, custom),
        Layout::SingleFile => vec![GeneratedFile {
            name: format!("{file_stem}.rs"),
            content: render::file(
                &render::header(&api.source),
                module::single_file(api, parts, custom),
            ),
        }],
    };
    // Every path into the runtime is written as `runtime::PATH`, in tokens and in the
    // strings serde attributes hold alike; moving it is one substitution of the text.
    if let Some(path) = custom.runtime_codegen_path() {
        for file in &mut files {
            file.content = file.content.replace(runtime::PATH, &path);
        }
    }
    files
}

/// Generates the files for `api` in [`Layout::Directory`].
pub fn generate(api: &Api, parts: Parts) -> Vec<GeneratedFile> {
    directory(api, parts, &Custom::default())
}

fn directory(api: &Api, parts: Parts, custom: &Custom) -> Vec<GeneratedFile> {
    use parallel::Piece;
    let header = render::header(&api.source);
    let sent = types::sent_by_clients(api);
    let sent = &sent;
    let plan = validate::Plan::new(api, parts.strict, custom);
    let plan = &plan;
    // The biggest single pieces first, so no worker is left with one at the end.
    let mut pieces = Vec::new();
    if parts.server {
        pieces.push(Piece::new(|| server::generate(api, plan)));
    }
    if parts.client {
        pieces.push(Piece::new(|| client::generate(api, plan)));
    }
    let fixed = pieces.len();
    let type_chunks = api.types.chunks(TYPES_PER_PIECE);
    let type_pieces = type_chunks.len();
    let strict = parts.strict;
    pieces.extend(
        type_chunks.map(|chunk| {
            Piece::new(move || types::generate_some(chunk, sent, plan, strict, custom))
        }),
    );
    pieces.extend(
        api.operations
            .chunks(OPERATIONS_PER_PIECE)
            .map(|chunk| Piece::tracking_types(move || operations::modules(chunk, plan))),
    );
    let rendered = parallel::render_all(pieces);

    let text = |range: std::ops::Range<usize>| -> Vec<&str> {
        rendered[range].iter().map(|r| r.text.as_str()).collect()
    };
    let mut files = vec![GeneratedFile {
        name: "mod.rs".to_string(),
        content: render::file(&header, module::generate(api, parts, custom)),
    }];
    let type_imports = render::items(types::imports(plan));
    let mut types = vec![type_imports.as_str()];
    types.extend(text(fixed..fixed + type_pieces));
    files.push(GeneratedFile {
        name: "types.rs".to_string(),
        content: render::join(&header, &types),
    });
    let operation_pieces = fixed + type_pieces..rendered.len();
    let uses_types = rendered[operation_pieces.clone()]
        .iter()
        .any(|r| r.uses_types);
    let imports = render::items(operations::imports(api, plan, uses_types));
    let mut operations = vec![imports.as_str()];
    operations.extend(text(operation_pieces));
    files.push(GeneratedFile {
        name: "operations.rs".to_string(),
        content: render::join(&header, &operations),
    });
    let mut next = 0;
    for (on, name) in [(parts.server, "server.rs"), (parts.client, "client.rs")] {
        if on {
            files.push(GeneratedFile {
                name: name.to_string(),
                content: render::join(&header, &text(next..next + 1)),
            });
            next += 1;
        }
    }
    files
}

/// How many types, and operations, one piece of `types.rs`, and `operations.rs`, holds:
/// enough that a piece is worth a thread's while, few enough to share out evenly.
const TYPES_PER_PIECE: usize = 256;
const OPERATIONS_PER_PIECE: usize = 64;

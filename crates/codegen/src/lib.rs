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
mod late;
mod macro_calls;
mod module;
mod operations;
mod parallel;
mod prelude;
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

impl GeneratedFile {
    /// The number of lines, as `str::lines` counts them, counted by the byte: the CLI
    /// reports it for files of megabytes.
    pub fn lines(&self) -> usize {
        let text = self.content.as_bytes();
        let unfinished = !text.is_empty() && !text.ends_with(b"\n");
        memchr::memchr_iter(b'\n', text).count() + usize::from(unfinished)
    }
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
        Layout::SingleFile => {
            // Docs and `serde_object!` calls written late, as a piece's are.
            let (tokens, late) = late::collecting(|| module::single_file(api, parts, custom));
            let items = late.splice(render::items(tokens));
            vec![GeneratedFile {
                name: format!("{file_stem}.rs"),
                content: render::join(&render::header(&api.source), &[&items]),
            }]
        }
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
    directory_in(api, parts, custom, PER_PIECE)
}

fn directory_in(
    api: &Api,
    parts: Parts,
    custom: &Custom,
    per_piece: PerPiece,
) -> Vec<GeneratedFile> {
    let header = render::header(&api.source);
    let sent = types::sent_by_clients(api);
    let plan = validate::Plan::new(api, parts.strict, custom);
    // The server's and the client's first pieces hold their files' biggest items, so
    // they go first: no worker is left with one at the end.
    let mut splits = Vec::new();
    if parts.server {
        splits.push(server::split(api, &plan, per_piece.operations));
    }
    if parts.client {
        splits.push(client::split(api, &plan, per_piece.operations));
    }
    splits.push(types::split(
        api,
        &sent,
        &plan,
        parts.strict,
        custom,
        per_piece.types,
    ));
    splits.push(operations::split(api, &plan, per_piece.operations));
    let mut pieces = Vec::new();
    let mut jobs = Vec::new();
    for split in splits {
        jobs.push((split.name, split.pieces.len(), split.assemble));
        pieces.extend(split.pieces);
    }
    let rendered = parallel::render_all(pieces);

    // Each file is put together from its pieces on every core, the biggest first: a
    // big API's `types.rs` is half its lines, and writing the files one after another
    // was the last tenth of a run on one core.
    let mut rendered = rendered.into_iter();
    let mut files: Vec<_> = jobs
        .into_iter()
        .map(|(name, count, assemble)| (name, rendered.by_ref().take(count).collect(), assemble))
        .collect();
    let size = |pieces: &Vec<parallel::Rendered>| pieces.iter().map(|r| r.text.len()).sum();
    files.sort_by_key(|(_, pieces, _)| std::cmp::Reverse(size(pieces)));
    let header = &header;
    let texts = parallel::map_all(files, |(name, pieces, assemble)| {
        let mut text = render::FileText::new(header, size(&pieces));
        assemble(&pieces, &mut text);
        (name, text.finish())
    });
    let mut texts: std::collections::HashMap<_, _> = texts.into_iter().collect();
    let mut files = vec![GeneratedFile {
        name: "mod.rs".to_string(),
        content: render::file(header, module::generate(api, parts, custom)),
    }];
    for name in ["types.rs", "operations.rs", "server.rs", "client.rs"] {
        if let Some(content) = texts.remove(name) {
            files.push(GeneratedFile {
                name: name.to_string(),
                content,
            });
        }
    }
    files
}

/// How many types, and operations, one piece of a file holds.
#[derive(Debug, Clone, Copy)]
struct PerPiece {
    types: usize,
    operations: usize,
}

/// Enough that a piece is worth a thread's while, few enough to share out evenly and to
/// keep what a thread holds at once small: with pieces a quarter of this size (256 types,
/// 64 operations), generating Stripe's spec took a tenth longer and a fifth more memory.
const PER_PIECE: PerPiece = PerPiece {
    types: 64,
    operations: 16,
};

#[cfg(test)]
mod file_tests {
    use super::GeneratedFile;

    #[test]
    fn lines_are_counted_as_str_lines_counts_them() {
        for text in ["", "a", "a\n", "a\nb", "\n", "\n\n", "a\r\nb\r\n", "x\n\ny"] {
            let file = GeneratedFile {
                name: "f.rs".into(),
                content: text.into(),
            };
            assert_eq!(file.lines(), text.lines().count(), "{text:?}");
        }
    }
}

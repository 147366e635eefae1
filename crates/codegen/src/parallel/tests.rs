//! Rendering in pieces must give the text of rendering whole: prettyplease prints each item
//! on its own, and the slots and containers are only a way of cutting the work.

use crate::{Custom, GeneratedFile, Layout, Parts, PerPiece, render, validate::Plan};
use pushgen_ir::Api;
use std::path::{Path, PathBuf};

/// Every fixture's files, rendered a type and an operation a piece (so every slot, every
/// container and every join between pieces is used), against each file rendered whole;
/// strict and not, with tag features (their `#[cfg]` gates on items) and without.
#[test]
fn pieces_join_into_the_text_of_the_whole() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 10, "the fixtures were not found");
    for path in fixtures {
        let api = ingest(&path);
        for (parts, custom) in ways() {
            let (strict, tag_features) = (parts.strict, custom.tag_features);
            let one_each = PerPiece {
                types: 1,
                operations: 1,
            };
            let pieces = crate::directory_in(&api, parts, &custom, one_each);
            let whole = whole(&api, parts, &custom);
            assert_eq!(names(&pieces), names(&whole), "{}", path.display());
            for (piece, whole) in pieces.iter().zip(&whole) {
                assert!(
                    piece.content == whole.content,
                    "{} (strict: {strict}, tag features: {tag_features}): {} rendered in \
                     pieces differs from rendered whole",
                    path.display(),
                    piece.name,
                );
            }
        }
    }
}

/// The single file, with docs and `serde_object!` calls written late (one level deeper
/// than in a directory's files, inside the inline modules), against its tokens rendered
/// alone; strict and not, with tag features and without.
#[test]
fn the_single_file_written_late_is_the_text_of_its_tokens() {
    for path in fixtures() {
        let api = ingest(&path);
        for (parts, custom) in ways() {
            let (strict, tag_features) = (parts.strict, custom.tag_features);
            let late = crate::generate_custom(&api, parts, Layout::SingleFile, "api", &custom);
            let tokens = render::file(
                &render::header(&api.source),
                crate::module::single_file(&api, parts, &custom),
            );
            assert_eq!(late.len(), 1);
            assert!(
                late[0].content == tokens,
                "{} (strict: {strict}, tag features: {tag_features}): the single file written \
                 late differs from its tokens rendered",
                path.display(),
            );
        }
    }
}

/// The ways generation differs in what it writes: strict and not, with tag features (their
/// `#[cfg]` gates on items) and without.
fn ways() -> [(Parts, Custom); 3] {
    [(false, false), (true, false), (false, true)].map(|(strict, tag_features)| {
        let parts = Parts {
            strict,
            ..Parts::default()
        };
        let custom = Custom {
            tag_features,
            ..Custom::default()
        };
        (parts, custom)
    })
}

fn whole(api: &Api, parts: Parts, custom: &Custom) -> Vec<GeneratedFile> {
    let header = render::header(&api.source);
    let plan = Plan::new(api, parts.strict, custom);
    let file = |name: &str, tokens| GeneratedFile {
        name: name.into(),
        content: render::file(&header, tokens),
    };
    vec![
        file("mod.rs", crate::module::generate(api, parts, custom)),
        file(
            "types.rs",
            crate::types::generate(api, &plan, parts.strict, custom),
        ),
        file("operations.rs", crate::operations::generate(api, &plan)),
        file("server.rs", crate::server::generate(api, &plan)),
        file("client.rs", crate::client::generate(api, &plan)),
    ]
}

fn names(files: &[GeneratedFile]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a fixture's directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "json")
        })
        .collect();
    found.sort();
    found
}

fn ingest(path: &Path) -> Api {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match pushgen_ingest::ingest_path(&text, path) {
        Ok((api, _)) => api,
        Err(errors) => panic!("{}: {errors:?}", path.display()),
    }
}

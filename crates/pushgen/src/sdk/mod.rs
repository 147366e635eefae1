//! A publishable SDK crate from a spec (`pushgen sdk`).
//!
//! The crate is assembled in memory, then written by [`crate::output`] like any other
//! output (only changed files rewritten, only pushgen's own files ever removed):
//!
//! | file | from |
//! |---|---|
//! | `Cargo.toml` | `templates/sdk/Cargo.toml`, with the spec's `info` where not given, and its tags as features (`all-tags` in `default`) |
//! | `README.md` | `templates/sdk/README.md`, with a usage example per push or stream operation (the crate's docs, so its examples are doctests) |
//! | `src/lib.rs` | written here: the crate's modules, the client and server behind features |
//! | `src/api/` | the generated code ([`pushgen_codegen`], cargo features on, each tag a feature) |
//! | `src/pushgen_runtime/` | the runtime's source (`sdk/vendor.rs`) |
//! | `spec/` | the spec, the files it `$ref`s and the overlays, for reference |

pub mod check;
mod template;
mod vendor;

use crate::{Error, GeneratedFile, Parts, Warning, file_name, ir, read_spec};
use pushgen_codegen::{Custom, Layout};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `pushgen sdk` is asked for. Only `spec` is required: the name comes from the
/// spec's title and the version from its `info.version` when they are valid.
#[derive(Debug, Clone, Default)]
pub struct SdkOptions {
    pub spec: PathBuf,
    pub overlays: Vec<PathBuf>,
    /// The crate's name (`consumer-api`).
    pub name: Option<String>,
    /// The crate's version (semver).
    pub version: Option<String>,
    pub description: Option<String>,
    /// An SPDX expression (`MIT OR Apache-2.0`).
    pub license: Option<String>,
    pub repository: Option<String>,
    pub authors: Vec<String>,
    /// A directory whose files replace the built-in templates of the same name.
    pub templates: Option<PathBuf>,
    /// Types refuse what the spec does not list ([`Parts::strict`]).
    pub strict: bool,
    /// Where the crate goes, as the user wrote it: the README's command to regenerate
    /// names it.
    pub out: PathBuf,
}

/// An SDK crate, in memory.
#[derive(Debug, Clone)]
pub struct Sdk {
    pub api: ir::Api,
    pub name: String,
    pub version: String,
    /// Every file, by path in the crate (`src/api/client.rs`).
    pub files: Vec<GeneratedFile>,
    /// What was not an error but should be said: a licence the manifest cannot take, a
    /// spec file left out.
    pub notes: Vec<String>,
    pub warnings: Vec<Warning>,
}

/// The Rust version SDKs declare: the runtime's (and the generator's) own.
const RUST_VERSION: &str = env!("CARGO_PKG_RUST_VERSION");

/// Assembles the SDK crate for `options`; writes nothing.
pub fn generate_sdk(options: &SdkOptions) -> Result<Sdk, Error> {
    let templates = template::load(options.templates.as_deref())?;
    let (text, ingested) = crate::ingest_paths(&options.spec, &options.overlays)?;
    let api = ingested.api;
    let name = match &options.name {
        Some(name) => check_crate_name(name)?,
        None => name_from_title(&api.title)?,
    };
    let version = match &options.version {
        Some(version) => check_version(version, "--version")?,
        None => check_version(&api.version, "the spec's info.version").map_err(|_| {
            Error::Config(format!(
                "the spec's info.version `{}` is not a semver version (as 1.2.3): give --version",
                api.version
            ))
        })?,
    };
    let krate = name.replace('-', "_");
    let mut notes = Vec::new();

    // Each tag a feature, when the manifest's template has a place for them (a template
    // of the user's from before them has not).
    let tags = if template::has_placeholder(&templates["Cargo.toml"], "tag_features") {
        pushgen_codegen::tag_features(&api)
    } else {
        if !api.operations.iter().all(|op| op.tags.is_empty()) {
            notes.push(
                "the Cargo.toml template has no {{tag_features}}, so the spec's tags are \
                 not features: every operation is always compiled"
                    .into(),
            );
        }
        Vec::new()
    };
    let custom = Custom {
        runtime_path: Some(format!("crate::{}", vendor::MODULE)),
        cargo_features: true,
        tag_features: !tags.is_empty(),
        ..Custom::default()
    };
    let parts = Parts {
        strict: options.strict,
        ..Parts::default()
    };
    let mut files = Vec::new();
    for file in pushgen_codegen::generate_custom(&api, parts, Layout::Directory, "api", &custom) {
        files.push(GeneratedFile {
            name: format!("src/api/{}", file.name),
            content: file.content,
        });
    }
    for (path, content) in vendor::files(&krate) {
        files.push(GeneratedFile {
            name: format!("src/{path}"),
            content,
        });
    }
    files.push(GeneratedFile {
        name: "src/lib.rs".into(),
        content: lib_rs(&api),
    });

    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    values.insert("name", name.clone());
    values.insert("version", version.clone());
    values.insert("title", pushgen_codegen::rustdoc_markdown(&api.title));
    values.insert("api_version", api.version.clone());
    values.insert("pushgen_version", env!("CARGO_PKG_VERSION").into());
    values.insert("spec_file", file_name(&options.spec));
    values.insert("description", readme_description(&api));
    values.insert("examples", examples(&api, &krate));
    values.insert("command", command(options, &name, &version));
    values.insert("tag_feature_rows", tag_feature_rows(&tags));
    values.insert("client_features", client_features(&tags));
    values.insert("tags_note", tags_note(&tags));
    let readme = template::fill("README.md", &templates["README.md"], &values)?;

    let mut manifest = values.clone();
    manifest.insert("name", template::toml_string(&name));
    manifest.insert("version", template::toml_string(&version));
    manifest.insert("rust_version", template::toml_string(RUST_VERSION));
    manifest.insert(
        "description",
        template::toml_string(&package_description(options, &api)),
    );
    manifest.insert("metadata", metadata(options, &api, &mut notes));
    let (default_tags, tag_lines) = manifest_tag_features(&tags);
    manifest.insert("default_tags", default_tags);
    manifest.insert("tag_features", tag_lines);
    let cargo_toml = template::fill("Cargo.toml", &templates["Cargo.toml"], &manifest)?;
    files.push(GeneratedFile {
        name: "Cargo.toml".into(),
        content: cargo_toml,
    });
    files.push(GeneratedFile {
        name: "README.md".into(),
        content: readme,
    });
    files.extend(spec_files(options, &text, &ingested.files, &mut notes)?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Sdk {
        api,
        name,
        version,
        files,
        notes,
        warnings: ingested.warnings,
    })
}

/// `src/lib.rs`: the README as the crate's documentation (its examples are doctests),
/// the generated modules, the runtime.
fn lib_rs(api: &ir::Api) -> String {
    format!(
        "// @generated by pushgen {version} from {source}. Do not edit: regenerate instead.\n\
         \n\
         #![doc = include_str!(\"../README.md\")]\n\
         \n\
         mod api;\n\
         \n\
         pub use api::{{operations, types}};\n\
         \n\
         #[cfg(feature = \"client\")]\n\
         pub use api::client;\n\
         \n\
         #[cfg(feature = \"server\")]\n\
         pub use api::server;\n\
         \n\
         /// What the generated code calls: pushgen-runtime {version}, carried as source. The\n\
         /// types in the API's signatures that are not the API's own are here, such as\n\
         /// `server::PushSink`, `server::RequestContext` and `client::Error`.\n\
         pub mod {runtime};\n",
        version = env!("CARGO_PKG_VERSION"),
        source = api.source,
        runtime = vendor::MODULE,
    )
}

/// The feature that turns on every tag's.
const ALL_TAGS: &str = "all-tags";

/// What `default` adds for the tags (`, "all-tags"`), and the tags' features: `all-tags`
/// and one per tag, each with the tag's name and the first line of its description.
/// Nothing for an API without tags.
fn manifest_tag_features(tags: &[pushgen_codegen::TagFeature]) -> (String, String) {
    if tags.is_empty() {
        return (String::new(), String::new());
    }
    let all: Vec<String> = tags
        .iter()
        .map(|t| template::toml_string(&t.feature))
        .collect();
    let mut lines = format!(
        "\n# The spec's tags: each feature compiles the tag's operations and the types only\n\
         # they use. `{ALL_TAGS}` is every one.\n\
         {ALL_TAGS} = [{}]\n",
        all.join(", ")
    );
    for tag in tags {
        let about = tag
            .description
            .as_deref()
            .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()));
        let comment = match (&tag.tag, about) {
            (Some(name), Some(about)) => format!("# `{name}`: {about}"),
            (Some(name), None) => format!("# `{name}`"),
            (None, about) => {
                let about = about.unwrap_or_default();
                let mut chars = about.chars();
                let first = chars.next().map(|c| c.to_uppercase().to_string());
                format!("# {}{}.", first.unwrap_or_default(), chars.as_str())
            }
        };
        let comment: String = comment.chars().filter(|c| !c.is_control()).collect();
        lines.push_str(&format!("{comment}\n{} = []\n", tag.feature));
    }
    (format!(", \"{ALL_TAGS}\""), lines)
}

/// The README's rows of the feature table for the tags.
fn tag_feature_rows(tags: &[pushgen_codegen::TagFeature]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let mut rows = format!("| `{ALL_TAGS}` | yes | every tag's feature below |\n");
    for tag in tags {
        let what = match &tag.tag {
            Some(name) => format!(
                "the operations tagged `{}`",
                name.replace('|', "\\|").replace('`', "'")
            ),
            None => tag.description.clone().unwrap_or_default(),
        };
        rows.push_str(&format!(
            "| `{}` | yes (`{ALL_TAGS}`) | {what}, and the types only they use |\n",
            tag.feature
        ));
    }
    rows
}

/// The features of the README's client-only line: `"client"`, and `"all-tags"` when the
/// tags are features.
fn client_features(tags: &[pushgen_codegen::TagFeature]) -> String {
    if tags.is_empty() {
        "\"client\"".into()
    } else {
        format!("\"client\", \"{ALL_TAGS}\"")
    }
}

/// The README's word on choosing tags, after the client-only line.
fn tags_note(tags: &[pushgen_codegen::TagFeature]) -> String {
    let Some(first) = tags.first() else {
        return String::new();
    };
    format!(
        " Each tag of the spec is a feature: name only those you use instead of \
         `{ALL_TAGS}` (`features = [\"client\", \"{}\"]`) and the rest of the API is not \
         compiled.",
        first.feature
    )
}

/// The README's Usage section: one example per push or stream operation.
fn examples(api: &ir::Api, krate: &str) -> String {
    let runtime = format!("{krate}::{}", vendor::MODULE);
    let usages = pushgen_codegen::usage_examples(api, krate, &runtime);
    if usages.is_empty() {
        return "No operation of this API pushes or streams: each is a method of the \
                client that returns its response."
            .into();
    }
    let mut out = String::new();
    for (i, usage) in usages.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "### {}\n\n{}\n\n```rust,no_run\n{}```\n",
            usage.operation, usage.summary, usage.code
        ));
    }
    out.trim_end().to_string()
}

/// The spec's description for the README, or a line saying there is none.
fn readme_description(api: &ir::Api) -> String {
    match &api.description {
        // The README is the crate's documentation too: no accidental doctests or links.
        Some(text) if !text.trim().is_empty() => pushgen_codegen::rustdoc_markdown(text),
        _ => format!("The {} API.", api.title),
    }
}

/// The manifest's one-line description: given, or the first paragraph of the spec's,
/// whitespace collapsed and cut at a word near 200 characters.
fn package_description(options: &SdkOptions, api: &ir::Api) -> String {
    if let Some(given) = &options.description {
        return given.clone();
    }
    let first = api
        .description
        .as_deref()
        .and_then(|text| text.split("\n\n").map(str::trim).find(|p| !p.is_empty()));
    let Some(first) = first else {
        return format!(
            "A client and server for {}, generated by pushgen.",
            api.title
        );
    };
    let words: Vec<&str> = first.split_whitespace().collect();
    let mut out = String::new();
    for word in words {
        if out.len() + word.len() > 200 {
            out.push_str(" ...");
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `license`, `repository` and `authors` lines: given, or from the spec's `info`.
fn metadata(options: &SdkOptions, api: &ir::Api, notes: &mut Vec<String>) -> String {
    let mut lines = String::new();
    let license = options.license.clone().or_else(|| {
        let license = api.license.as_ref()?;
        let spdx = license.identifier.clone().unwrap_or(license.name.clone());
        if is_spdx_expression(&spdx) {
            Some(spdx)
        } else {
            notes.push(format!(
                "the spec's licence `{}` is not an SPDX expression, so Cargo.toml names none: \
                 give --license",
                license.name
            ));
            None
        }
    });
    match license {
        Some(license) => {
            lines.push_str(&format!("license = {}\n", template::toml_string(&license)))
        }
        None if api.license.is_none() => {
            notes.push("the spec names no licence, so Cargo.toml names none: give --license".into())
        }
        None => {}
    }
    if let Some(repository) = &options.repository {
        lines.push_str(&format!(
            "repository = {}\n",
            template::toml_string(repository)
        ));
    }
    let authors = if options.authors.is_empty() {
        api.contact
            .as_ref()
            .and_then(|c| match (&c.name, &c.email) {
                (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
                (Some(name), None) => Some(name.clone()),
                (None, Some(email)) => Some(format!("<{email}>")),
                (None, None) => None,
            })
            .into_iter()
            .collect()
    } else {
        options.authors.clone()
    };
    if !authors.is_empty() {
        let quoted: Vec<String> = authors.iter().map(|a| template::toml_string(a)).collect();
        lines.push_str(&format!("authors = [{}]\n", quoted.join(", ")));
    }
    if let Some(url) = api.contact.as_ref().and_then(|c| c.url.as_ref()) {
        lines.push_str(&format!("homepage = {}\n", template::toml_string(url)));
    }
    lines
}

/// The command that made the crate, for its README.
fn command(options: &SdkOptions, name: &str, version: &str) -> String {
    let mut words = vec![
        "pushgen sdk".to_string(),
        format!("--spec {}", options.spec.display()),
    ];
    for overlay in &options.overlays {
        words.push(format!("--overlay {}", overlay.display()));
    }
    words.push(format!("--name {name} --version {version}"));
    words.push(format!("--out {}", options.out.display()));
    words.join(" ")
}

/// The spec as it was read, the files it `$ref`s (where they lie beside or below it)
/// and the overlays, under `spec/`.
fn spec_files(
    options: &SdkOptions,
    text: &str,
    referenced: &[PathBuf],
    notes: &mut Vec<String>,
) -> Result<Vec<GeneratedFile>, Error> {
    let mut files = vec![GeneratedFile {
        name: format!("spec/{}", file_name(&options.spec)),
        content: text.to_string(),
    }];
    let base = options.spec.parent().unwrap_or(Path::new(""));
    for path in referenced {
        let relative = path.strip_prefix(base).ok().and_then(relative_name);
        let Some(relative) = relative else {
            notes.push(format!(
                "{} is outside the spec's directory and is not copied into spec/",
                path.display()
            ));
            continue;
        };
        let content = read_spec(path)?;
        files.push(GeneratedFile {
            name: format!("spec/{relative}"),
            content,
        });
    }
    for overlay in &options.overlays {
        files.push(GeneratedFile {
            name: format!("spec/{}", file_name(overlay)),
            content: read_spec(overlay)?,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files.dedup_by(|a, b| a.name == b.name);
    Ok(files)
}

/// `a/b.yaml` for a path below a directory; `None` for one that climbs out of it.
fn relative_name(path: &Path) -> Option<String> {
    let mut steps = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::Normal(step) => steps.push(step.to_str()?.to_string()),
            std::path::Component::CurDir => {}
            _ => return None,
        }
    }
    (!steps.is_empty()).then(|| steps.join("/"))
}

/// A crate name crates.io takes: ASCII letters, digits, `-` and `_`, starting with a
/// letter, at most 64 characters, not a keyword or a name Rust or Windows reserve.
fn check_crate_name(name: &str) -> Result<String, Error> {
    const RESERVED: &[&str] = &[
        "std",
        "core",
        "alloc",
        "proc_macro",
        "proc-macro",
        "test",
        "self",
        "crate",
        "super",
        "nul",
        "con",
        "prn",
        "aux",
        "com1",
        "lpt1",
    ];
    let why = if name.is_empty() {
        Some("it is empty")
    } else if name.len() > 64 {
        Some("it is longer than 64 characters")
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("it must start with an ASCII letter")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Some("only ASCII letters, digits, `-` and `_` are allowed")
    } else if RESERVED.contains(&name.to_ascii_lowercase().as_str())
        || crate::is_keyword(&name.replace('-', "_"))
    {
        Some("it is a reserved name")
    } else {
        None
    };
    match why {
        Some(why) => Err(Error::Config(format!(
            "`{name}` cannot be a crate's name: {why}"
        ))),
        None => Ok(name.to_string()),
    }
}

/// `Consumer API` → `consumer-api`, when that is a valid crate name.
fn name_from_title(title: &str) -> Result<String, Error> {
    let name = heck::ToKebabCase::to_kebab_case(title)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>();
    let name = name.trim_matches('-').to_string();
    check_crate_name(&name).map_err(|_| {
        Error::Config(format!(
            "no crate name can be made from the title `{title}`: give --name"
        ))
    })
}

fn check_version(version: &str, what: &str) -> Result<String, Error> {
    semver::Version::parse(version)
        .map(|v| v.to_string())
        .map_err(|e| Error::Config(format!("{what} `{version}` is not a semver version: {e}")))
}

/// Whether `text` reads as an SPDX licence expression: identifiers joined by `AND`,
/// `OR` or `WITH`, optionally in parentheses (`MIT OR Apache-2.0`).
fn is_spdx_expression(text: &str) -> bool {
    let spaced = text.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<&str> = spaced
        .split_whitespace()
        .filter(|t| *t != "(" && *t != ")")
        .collect();
    !tokens.is_empty()
        && tokens.iter().enumerate().all(|(i, token)| {
            if i % 2 == 1 {
                matches!(*token, "AND" | "OR" | "WITH")
            } else {
                token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
                    && token.starts_with(|c: char| c.is_ascii_alphanumeric())
            }
        })
        && tokens.len() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_follow_crates_io() {
        for good in ["consumer-api", "a", "pets_v2"] {
            assert!(check_crate_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "2pets",
            "-pets",
            "pets api",
            "pëts",
            "std",
            "Test",
            "fn",
            &"a".repeat(65),
        ] {
            assert!(check_crate_name(bad).is_err(), "{bad}");
        }
        assert_eq!(name_from_title("Consumer API").unwrap(), "consumer-api");
        assert_eq!(
            name_from_title("OpenAI API (v2)").unwrap(),
            "open-ai-api-v2"
        );
        assert!(name_from_title("???").is_err());
    }

    #[test]
    fn versions_are_semver() {
        assert_eq!(check_version("1.0.0", "v").unwrap(), "1.0.0");
        assert_eq!(
            check_version("2.1.0-beta.1+b5", "v").unwrap(),
            "2.1.0-beta.1+b5"
        );
        for bad in ["1.0", "v1.0.0", "1.0.0.0", "01.0.0", ""] {
            assert!(check_version(bad, "v").is_err(), "{bad}");
        }
    }

    #[test]
    fn licences_must_be_spdx_expressions() {
        for good in [
            "MIT",
            "Apache-2.0",
            "MIT OR Apache-2.0",
            "(MIT OR Apache-2.0) AND BSD-3-Clause",
            "GPL-2.0+ WITH Classpath-exception-2.0",
        ] {
            assert!(is_spdx_expression(good), "{good}");
        }
        for bad in ["Apache 2.0", "MIT OR", "", "See the terms", "OR MIT"] {
            assert!(!is_spdx_expression(bad), "{bad}");
        }
    }

    #[test]
    fn descriptions_are_one_paragraph_and_short() {
        let long = "word ".repeat(100);
        let options = SdkOptions::default();
        let mut api = crate::generate_str(crate::EXAMPLE_SPEC, "consumer.yaml", Parts::default())
            .unwrap()
            .api;
        assert!(
            package_description(&options, &api)
                .starts_with("The example of the server-push proposal")
        );
        api.description = Some(format!("{long}\n\nSecond."));
        let description = package_description(&options, &api);
        assert!(
            description.len() <= 205 && description.ends_with(" ..."),
            "{description}"
        );
        api.description = None;
        assert_eq!(
            package_description(&options, &api),
            "A client and server for Consumer API, generated by pushgen."
        );
    }
}

//! Generation from `build.rs`, in the style of `tonic-build` and `prost-build`.

use crate::{Error, GeneratedFile, Parts, Warning, output};
use pushgen_codegen::{Custom, Layout};
use std::path::{Path, PathBuf};

/// Generates Rust from one or more specs in a crate's `build.rs`.
///
/// Each spec becomes one file, `$OUT_DIR/<module>.rs` (the module is the spec's file
/// stem unless [`module`](Builder::module) names it), rewritten only when its content
/// changed. [`compile`](Builder::compile) tells cargo to run the build again when the
/// spec, any file it `$ref`s, or an overlay changes. The crate includes each module with
/// one line:
///
/// ```ignore
/// // build.rs
/// fn main() -> Result<(), pushgen::Error> {
///     pushgen::Builder::new("api/consumer.yaml")
///         .type_attribute("Consumer", "#[derive(Eq, Hash)]")
///         .spec("api/completions.yaml")
///         .overlay("api/completions.overlay.yaml")
///         .client(true)
///         .server(false)
///         .compile()?;
///     Ok(())
/// }
///
/// // src/lib.rs
/// pub mod consumer {
///     pushgen_runtime::include_api!("consumer");
/// }
/// pub mod completions {
///     pushgen_runtime::include_api!("completions");
/// }
/// ```
///
/// Options about a spec ([`overlay`](Builder::overlay), [`module`](Builder::module))
/// apply to the spec named last; the others to every spec.
#[derive(Debug, Clone)]
pub struct Builder {
    specs: Vec<SpecConfig>,
    out_dir: Option<PathBuf>,
    parts: Parts,
    custom: Custom,
    cargo_instructions: bool,
}

#[derive(Debug, Clone)]
struct SpecConfig {
    path: PathBuf,
    overlays: Vec<PathBuf>,
    module: Option<String>,
}

/// What [`Builder::compile`] did.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    /// The files written (or found unchanged) in the output directory.
    pub report: output::Report,
    /// Every file the output depends on: the specs, the files they `$ref`, the
    /// overlays. Cargo is told to rerun the build when one of them changes.
    pub inputs: Vec<PathBuf>,
    /// What did not stop generation but should be said (printed as `cargo:warning`s).
    pub warnings: Vec<String>,
    /// With [`Builder::tag_features`], the features the generated code names, each
    /// once, in the order of the specs and their tags: the crate's `Cargo.toml` must
    /// declare them. Empty otherwise.
    pub tag_features: Vec<String>,
}

impl Builder {
    /// Generation of the spec at `spec` (relative to the crate root, where cargo runs
    /// `build.rs`).
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        Builder {
            specs: vec![SpecConfig::new(spec.into())],
            out_dir: None,
            parts: Parts::default(),
            custom: Custom::default(),
            cargo_instructions: true,
        }
    }

    /// Another spec, generated into a module of its own.
    pub fn spec(mut self, spec: impl Into<PathBuf>) -> Self {
        self.specs.push(SpecConfig::new(spec.into()));
        self
    }

    /// An OpenAPI Overlay document applied to the spec named last, before it is read:
    /// annotations for a spec you cannot edit. Call it again for more; they apply in the
    /// order added. Targets that select nothing become `cargo:warning`s.
    pub fn overlay(mut self, path: impl Into<PathBuf>) -> Self {
        self.last().overlays.push(path.into());
        self
    }

    /// The module name of the spec named last: the output file is `<name>.rs`, included
    /// with `include_api!("<name>")`. Default: the spec's file stem, made an identifier.
    pub fn module(mut self, name: impl Into<String>) -> Self {
        self.last().module = Some(name.into());
        self
    }

    /// Where to write, instead of `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to generate the server: the API's trait and its axum router (default:
    /// yes). The types always come.
    pub fn server(mut self, on: bool) -> Self {
        self.parts.server = on;
        self
    }

    /// Whether to generate the client: methods, observer traits and streams (default:
    /// yes).
    pub fn client(mut self, on: bool) -> Self {
        self.parts.client = on;
        self
    }

    /// Whether the types refuse what the spec does not list (default: no; see
    /// [`Parts::strict`]).
    pub fn strict(mut self, on: bool) -> Self {
        self.parts.strict = on;
        self
    }

    /// Adds outer attributes (`"#[derive(Eq, Hash)]"`) to the types `matcher` names: a
    /// schema's name as the spec or the generated type spells it, its JSON pointer
    /// (`"#/components/schemas/Pet"`), or `"."` for every struct, enum and union. The
    /// attributes follow the generated derives, so derive helpers such as `#[serde]`
    /// work. A matcher that names nothing is a `cargo:warning`.
    pub fn type_attribute(
        mut self,
        matcher: impl Into<String>,
        attributes: impl Into<String>,
    ) -> Self {
        self.custom
            .type_attributes
            .push((matcher.into(), attributes.into()));
        self
    }

    /// Adds outer attributes to the struct fields `matcher` names: `"Type.property"`
    /// (the property as the spec or the field spells it), the property's JSON pointer
    /// (`"#/components/schemas/Pet/properties/name"`), or `"."` for every field.
    pub fn field_attribute(
        mut self,
        matcher: impl Into<String>,
        attributes: impl Into<String>,
    ) -> Self {
        self.custom
            .field_attributes
            .push((matcher.into(), attributes.into()));
        self
    }

    /// Uses an existing Rust type (`"crate::money::Amount"`) wherever the schemas
    /// `matcher` names are used, instead of generating them; the generated name becomes
    /// an alias of it. The type must serialize as the schema does; nothing inside it is
    /// validated by the generated server.
    pub fn extern_type(mut self, matcher: impl Into<String>, rust_type: impl Into<String>) -> Self {
        self.custom
            .extern_types
            .push((matcher.into(), rust_type.into()));
        self
    }

    /// The path under which generated code finds the runtime crate, for a crate that
    /// re-exports it (`"my_sdk::pushgen_runtime"`, `"crate::runtime"`). Default:
    /// `::pushgen_runtime`, a dependency of the crate itself.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.custom.runtime_path = Some(path.into());
        self
    }

    /// Whether each of the spec's tags is a cargo feature (default: no). On, the
    /// operations of a tag, and the types only they use, are compiled only when the
    /// feature `tag-<tag in kebab case>` is on (`Chat` → `tag-chat`, `Fine-tuning` →
    /// `tag-fine-tuning`, `Audit Logs` → `tag-audit-logs`; tags whose names would be alike
    /// get `-2`, `-3`, in the spec's order); an operation under several tags when any of
    /// theirs is. Operations without a tag are behind the feature `untagged`, schemas no
    /// operation uses (a WebSocket's events, say) behind `other-schemas`; a type several
    /// of these use is compiled when any of their features is on. So a crate that uses
    /// two tags of a big API compiles a fraction of it. A spec without tags has no
    /// features, and nothing is gated.
    ///
    /// The features are evaluated in the crate that includes the code, so its own
    /// `Cargo.toml` must declare every one (an undeclared feature is never on, and
    /// rustc warns of it as an unexpected `cfg`); [`Compiled::tag_features`] lists them,
    /// and [`crate::tag_features`] gives them for an API:
    ///
    /// ```toml
    /// [features]
    /// default = ["tag-chat", "tag-files"]
    /// tag-chat = []
    /// tag-files = []
    /// untagged = []
    /// other-schemas = []
    /// ```
    ///
    /// Specs of one builder that share a tag share its feature.
    pub fn tag_features(mut self, on: bool) -> Self {
        self.custom.tag_features = on;
        self
    }

    /// Whether to print cargo's instructions (`cargo:rerun-if-changed`,
    /// `cargo:warning`) on stdout (default: yes; off for a builder used outside
    /// `build.rs`).
    pub fn emit_cargo_instructions(mut self, on: bool) -> Self {
        self.cargo_instructions = on;
        self
    }

    /// Generates every spec in memory, then writes the files whose content changed. On
    /// any error nothing is written; the error reads as compiler errors do (what, the
    /// JSON pointer, `file:line:column`).
    pub fn compile(self) -> Result<Compiled, Error> {
        self.custom.check()?;
        let out_dir = self.output_dir()?;
        let modules = self.modules()?;
        let mut compiled = Compiled::default();
        let mut apis = Vec::new();
        let mut failure = None;
        for (spec, module) in self.specs.iter().zip(&modules) {
            match self.ingest(spec, &mut compiled) {
                Ok(api) => apis.push((api, module)),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        // Told even when the spec is broken, so that fixing it (or a file it `$ref`s)
        // runs the build again.
        let mut seen = std::collections::HashSet::new();
        compiled.inputs = std::mem::take(&mut compiled.inputs)
            .into_iter()
            .map(|path| lexically_normal(&path))
            .filter(|path| path.exists() && seen.insert(path.clone()))
            .collect();
        if self.cargo_instructions {
            for input in &compiled.inputs {
                println!("cargo:rerun-if-changed={}", input.display());
            }
        }
        if let Some(error) = failure {
            return Err(error);
        }

        let mut unmatched = Vec::new();
        for (api, _) in &mut apis {
            unmatched.push(self.custom.apply_extern_types(&mut api.types));
        }
        // A matcher is unmatched only when no spec has what it names.
        let first = unmatched.first().cloned().unwrap_or_default();
        for matcher in first {
            if unmatched.iter().all(|u| u.contains(&matcher)) {
                compiled
                    .warnings
                    .push(format!("extern_type `{matcher}` names no schema"));
            }
        }
        let all: Vec<&crate::ir::Api> = apis.iter().map(|(api, _)| api).collect();
        for matcher in self.custom.unmatched_attributes(&all) {
            compiled
                .warnings
                .push(format!("attribute matcher `{matcher}` names nothing"));
        }

        if self.custom.tag_features {
            for (api, _) in &apis {
                for tag in pushgen_codegen::tag_features(api) {
                    if !compiled.tag_features.contains(&tag.feature) {
                        compiled.tag_features.push(tag.feature);
                    }
                }
            }
        }
        let files: Vec<GeneratedFile> = apis
            .iter()
            .flat_map(|(api, module)| {
                pushgen_codegen::generate_custom(
                    api,
                    self.parts,
                    Layout::SingleFile,
                    module,
                    &self.custom,
                )
            })
            .collect();
        if self.cargo_instructions {
            for warning in &compiled.warnings {
                // A `cargo:warning` is one line, shown as it is.
                println!("cargo:warning=pushgen: {}", warning.replace('\n', " "));
            }
        }
        compiled.report = output::write_shared(&out_dir, &files, output::Mode::Write)?;
        Ok(compiled)
    }

    /// Generates and writes: [`compile`](Builder::compile), under its earlier name.
    pub fn generate(self) -> Result<output::Report, Error> {
        self.compile().map(|compiled| compiled.report)
    }

    fn last(&mut self) -> &mut SpecConfig {
        // `new` puts one there and nothing removes it.
        let last = self.specs.len() - 1;
        &mut self.specs[last]
    }

    fn output_dir(&self) -> Result<PathBuf, Error> {
        match &self.out_dir {
            Some(dir) => Ok(dir.clone()),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::Config(
                        "OUT_DIR is not set: call Builder::compile from build.rs, or give out_dir"
                            .into(),
                    )
                }),
        }
    }

    /// Each spec's module name: given or from its file stem, an identifier, no two alike.
    fn modules(&self) -> Result<Vec<String>, Error> {
        let mut modules: Vec<String> = Vec::new();
        for spec in &self.specs {
            let module = match &spec.module {
                Some(name) if is_module_name(name) => name.clone(),
                Some(name) => {
                    return Err(Error::Config(format!(
                        "module name `{name}` for {} is not a Rust identifier in snake case",
                        spec.path.display()
                    )));
                }
                None => module_from_stem(&spec.path),
            };
            if modules.contains(&module) {
                return Err(Error::Config(format!(
                    "two specs would both be module `{module}`: name one with .module(..)"
                )));
            }
            modules.push(module);
        }
        Ok(modules)
    }

    /// Reads one spec and its overlays into the IR; records what it read in `compiled`.
    fn ingest(&self, spec: &SpecConfig, compiled: &mut Compiled) -> Result<crate::ir::Api, Error> {
        compiled.inputs.push(spec.path.clone());
        compiled.inputs.extend(spec.overlays.iter().cloned());
        let (_, ingested) = crate::ingest_paths(&spec.path, &spec.overlays)?;
        compiled.inputs.extend(ingested.files.iter().cloned());
        compiled
            .warnings
            .extend(ingested.warnings.iter().map(Warning::to_string));
        Ok(ingested.api)
    }
}

impl SpecConfig {
    fn new(path: PathBuf) -> Self {
        SpecConfig {
            path,
            overlays: Vec::new(),
            module: None,
        }
    }
}

/// `a/b/../c` → `a/c`, without asking the file system (a `$ref` reaching back out of
/// its directory would otherwise name one file twice).
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `api/my-api.v2.yaml` → `my_api_v2`; `api` when nothing usable is left.
fn module_from_stem(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if name.trim_matches('_').is_empty() || crate::is_keyword(&name) {
        name = format!("{}_api", name.trim_matches('_'));
        if name == "_api" {
            name = "api".into();
        }
    }
    name
}

fn is_module_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name != "_"
        && !crate::is_keyword(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normal_without_the_file_system() {
        assert_eq!(
            lexically_normal(Path::new("a/b/../c.yaml")),
            Path::new("a/c.yaml")
        );
        assert_eq!(
            lexically_normal(Path::new("../../f/./s/../x")),
            Path::new("../../f/x")
        );
    }

    #[test]
    fn module_names_come_from_stems_as_identifiers() {
        assert_eq!(module_from_stem(Path::new("api/consumer.yaml")), "consumer");
        assert_eq!(module_from_stem(Path::new("my-API.v2.yaml")), "my_api_v2");
        assert_eq!(module_from_stem(Path::new("2024.json")), "_2024");
        assert_eq!(module_from_stem(Path::new("type.yaml")), "type_api");
        assert_eq!(module_from_stem(Path::new("---.yaml")), "api");
        for name in ["consumer", "_2024", "my_api_v2"] {
            assert!(is_module_name(name), "{name}");
        }
        for name in ["", "_", "Consumer", "my-api", "self", "2024"] {
            assert!(!is_module_name(name), "{name}");
        }
    }
}

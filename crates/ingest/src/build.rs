//! The typed document → the IR.
//!
//! Component schemas are named first, then operations, one after another in the
//! document's order. Then each component schema and each operation is built on its own,
//! on every core, beside the others (`schema/beside.rs`), and what they made is joined
//! in the document's order: the IR and its errors are the ones building everything in
//! order on one core gives.

mod operations;
mod security;

use crate::document::Document;
use crate::error::{Diagnostics, SpecError};
use crate::names::Scope;
use crate::parallel;
use crate::schema::{Component, Part, Resolved, TypeBuilder};
use pushgen_ir::{Api, Operation};

/// Parts a core takes at once: a few, so that neither core is left alone at the end with
/// a long run of big ones.
const CHUNK: usize = 4;

/// What building one part made.
struct Built {
    part: Part,
    diags: Diagnostics,
    /// Boxed: an operation is big, and the parts are moved about in order.
    operation: Option<Box<Operation>>,
}

/// The parts of a document, in its order: each component schema, then each operation.
struct Parts<'d> {
    components: Vec<Component<'d>>,
    paths: Vec<operations::PathPlan<'d>>,
    steps: Vec<operations::Step>,
    defined_schemes: Vec<&'d str>,
}

impl Parts<'_> {
    fn len(&self) -> usize {
        self.components.len() + self.steps.len()
    }

    /// Builds part `index` with `types`; the operation, when the part is one that was
    /// named without error and built so.
    fn build(
        &self,
        types: &mut TypeBuilder<'_>,
        index: usize,
        diags: &mut Diagnostics,
    ) -> Option<Box<Operation>> {
        let Some(step) = index.checked_sub(self.components.len()) else {
            types.define_component(&self.components[index], diags);
            return None;
        };
        let planned = self.steps[step].plan.as_ref()?;
        operations::build(types, &self.paths, planned, &self.defined_schemes, diags).map(Box::new)
    }

    /// The errors found naming part `index`, reported before what building it finds.
    fn early(&self, index: usize) -> &[SpecError] {
        match index.checked_sub(self.components.len()) {
            Some(step) => &self.steps[step].early,
            None => &[],
        }
    }
}

pub(crate) fn build(doc: &Document, source: &str, diags: &mut Diagnostics) -> Api {
    build_with(doc, source, diags, Spread::OverCores)
}

/// How the parts are built.
#[derive(Clone, Copy)]
enum Spread {
    /// Beside each other on every core, then joined.
    OverCores,
    /// One after another on this thread: what joining must give, for tests to compare.
    #[cfg(test)]
    InOrder,
}

fn build_with(doc: &Document, source: &str, diags: &mut Diagnostics, spread: Spread) -> Api {
    let raw = &doc.raw;
    let spec = &doc.typed;
    let mut types = TypeBuilder::new(raw);
    let no_schemas = indexmap::IndexMap::new();
    let schemas = spec.components.as_ref().map_or(&no_schemas, |c| &c.schemas);
    let components = types.name_components(schemas);
    let (paths, steps) = operations::plan(spec, raw);
    let parts = Parts {
        components,
        paths,
        steps,
        defined_schemes: spec
            .components
            .as_ref()
            .map(|c| c.security_schemes.keys().map(String::as_str).collect())
            .unwrap_or_default(),
    };

    let earlier = types.names();
    let beside = |resolved: &mut Resolved, index| {
        let mut beside = TypeBuilder::beside(raw, earlier, std::mem::take(resolved));
        let mut diags = Diagnostics::default();
        let operation = parts.build(&mut beside, index, &mut diags);
        let (part, cache) = beside.into_part();
        *resolved = cache;
        Built {
            part,
            diags,
            operation,
        }
    };
    let built = match spread {
        Spread::OverCores => parallel::map_in_order(parts.len(), CHUNK, Resolved::default, beside),
        #[cfg(test)]
        Spread::InOrder => Vec::new(),
    };

    types.reserve(built.iter().map(|built| &built.part));
    let mut built = built.into_iter();
    let mut operations = Vec::with_capacity(parts.steps.len());
    for index in 0..parts.len() {
        diags.errors.extend_from_slice(parts.early(index));
        let joined = built.next().and_then(|built| {
            types.join(built.part).then(|| {
                diags.append(built.diags);
                built.operation
            })
        });
        // Otherwise built again here, in its place in the order.
        let operation = joined.unwrap_or_else(|| parts.build(&mut types, index, diags));
        operations.extend(operation.map(|op| *op));
    }
    finish(
        doc,
        source,
        types,
        operations,
        &parts.defined_schemes,
        diags,
    )
}

/// The API around its operations: what the document says of itself, and the types.
fn finish(
    doc: &Document,
    source: &str,
    types: TypeBuilder<'_>,
    operations: Vec<Operation>,
    defined_schemes: &[&str],
    diags: &mut Diagnostics,
) -> Api {
    let raw = &doc.raw;
    let spec = &doc.typed;
    let servers = spec
        .servers
        .iter()
        .map(|s| pushgen_ir::Server {
            url: s.url.clone(),
            description: s.description.clone(),
        })
        .collect();
    let tags = spec
        .tags
        .iter()
        .map(|t| pushgen_ir::Tag {
            name: t.name.clone(),
            description: t.description.clone(),
        })
        .collect();
    let security_schemes = spec
        .components
        .as_ref()
        .map(|c| security::security_schemes(raw, &c.security_schemes, diags))
        .unwrap_or_default();
    let title = spec.info.title.clone();
    let mut api_scope = Scope::new();
    let api_name = api_scope.name(&title, "Api");
    let (named, examples) = types.finish(diags);
    Api {
        title,
        version: spec.info.version.clone(),
        description: spec.info.description.clone(),
        license: spec
            .info
            .license
            .as_ref()
            .map(|license| pushgen_ir::License {
                name: license.name.clone(),
                // 3.1's SPDX field, which the 3.0 model does not keep.
                identifier: raw
                    .pointer("/info/license/identifier")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                url: license.url.clone(),
            }),
        contact: spec
            .info
            .contact
            .as_ref()
            .map(|contact| pushgen_ir::Contact {
                name: contact.name.clone(),
                email: contact.email.clone(),
                url: contact.url.clone(),
            }),
        source: source.to_string(),
        name: api_name,
        operations,
        types: named,
        examples,
        servers,
        tags,
        security_schemes,
        security: spec
            .security
            .as_ref()
            .map(|s| security::requirements(s, "/security", defined_schemes, diags))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;

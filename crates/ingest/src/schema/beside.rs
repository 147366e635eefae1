//! Types built in parts beside each other, on every core, and joined in order.
//!
//! Types are named first come, first served, so a part of a spec (a component schema, an
//! operation) names its inline types as it does only given the names taken before it. A
//! part built beside others starts from the names given before the parts began (the
//! components') and takes names of its own. Joined in the document's order, a part's
//! names are the ones a builder going through the parts one after another would have
//! given, unless something built between — an earlier part — took one of its identifiers
//! or defined a schema it defined too. That is what [`TypeBuilder::join`] checks; a part
//! that fails it is built again by the joined builder itself, in its place in the order.
//! The result is the same, type for type, as building every part in order on one core.

use super::{Names, Resolved, TypeBuilder};
use foldhash::{HashMap, HashSet};
use pushgen_ir::{Example, NamedType};
use serde_json::Value;

/// What a builder of one part made, to be joined to the builder it was started beside.
pub(crate) struct Part {
    names: Names,
    defined_at: HashMap<String, String>,
    types: Vec<NamedType>,
    examples: Vec<Example>,
    null_outside: HashSet<String>,
}

impl<'a> TypeBuilder<'a> {
    /// A builder for one part, continuing the names of `earlier` (the builder the parts
    /// will be joined to, not changed while they are built). `resolved` is the cache of
    /// the thread, given back by [`TypeBuilder::into_part`].
    pub fn beside(raw: &'a Value, earlier: &'a Names, resolved: Resolved) -> Self {
        Self::after(raw, Some(earlier), resolved)
    }

    /// The names this builder continues, for builders beside it.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// What this builder of a part made, and its thread's cache of `$ref` targets.
    pub fn into_part(self) -> (Part, Resolved) {
        let part = Part {
            names: self.names,
            defined_at: self.defined_at,
            types: self.types,
            examples: self.examples,
            null_outside: self.null_outside,
        };
        (part, self.resolved)
    }

    /// Makes room for what `parts` hold, before they are joined one by one.
    pub fn reserve<'p>(&mut self, parts: impl Iterator<Item = &'p Part>) {
        let (mut types, mut examples, mut defined) = (0, 0, 0);
        for part in parts {
            types += part.types.len();
            examples += part.examples.len();
            defined += part.defined_at.len();
        }
        self.types.reserve(types);
        self.examples.reserve(examples);
        self.defined_at.reserve(defined);
        self.names.by_pointer.reserve(defined);
    }

    /// Takes in `part`, built beside this builder, as if this builder had built it now.
    /// False, taking in nothing, when an identifier the part took has been taken since
    /// the parts began, or a schema it defined has been defined: the part is then built
    /// again here.
    pub fn join(&mut self, part: Part) -> bool {
        let defined_since = part
            .names
            .by_pointer
            .keys()
            .any(|pointer| self.names.by_pointer.contains_key(pointer));
        if defined_since || self.names.scope.clashes(&part.names.scope) {
            return false;
        }
        self.names.scope.extend(part.names.scope);
        self.names.by_pointer.extend(part.names.by_pointer);
        self.defined_at.extend(part.defined_at);
        self.types.extend(part.types);
        self.examples.extend(part.examples);
        self.null_outside.extend(part.null_outside);
        true
    }
}

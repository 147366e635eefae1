//! Which types need checking: those with something of their own to check, and those
//! that hold one that does.

use super::Plan;
use foldhash::HashMap;
use pushgen_ir::{Api, NamedType, TypeKind, TypeRef};

impl<'a> Plan<'a> {
    /// Fills `needs` with every type of `api` that needs checking.
    pub(super) fn settle_needs(&mut self, api: &'a Api) {
        // A type needs checking if it holds one that does. Each type is asked once, and
        // again only when a type it holds (through aliases) turns out to need checking:
        // the set asking every type until none changes gives, without asking every
        // type again in each round, and types that hold themselves settle.
        let mut holders: HashMap<&'a str, Vec<&'a NamedType>> = HashMap::default();
        let mut held = Vec::new();
        for t in &api.types {
            self.held_by(t, &mut held);
            for name in held.drain(..) {
                holders.entry(name).or_default().push(t);
            }
        }
        let mut found: Vec<&'a str> = api
            .types
            .iter()
            .filter(|t| self.type_needs(t))
            .map(|t| &*t.name.camel)
            .collect();
        self.needs.extend(found.iter().copied());
        while let Some(name) = found.pop() {
            for t in holders.get(name).into_iter().flatten() {
                if !self.needs.contains(&*t.name.camel) && self.type_needs(t) {
                    self.needs.insert(&t.name.camel);
                    found.push(&t.name.camel);
                }
            }
        }
    }

    /// The types whose needing checks [`Plan::type_needs`] of `t` asks about: those its
    /// fields, values and variants hold, through aliases.
    fn held_by(&self, t: &'a NamedType, held: &mut Vec<&'a str>) {
        match &t.kind {
            TypeKind::Union(u) => {
                for v in &u.variants {
                    self.held_within(&v.ty, held, 0);
                }
            }
            TypeKind::Struct(s) => {
                for ty in s.fields.iter().map(|f| &f.ty).chain(&s.additional) {
                    self.held_within(ty, held, 0);
                }
            }
            _ => {}
        }
    }

    fn held_within(&self, ty: &'a TypeRef, held: &mut Vec<&'a str>, depth: usize) {
        // As `has_work_within` follows them.
        if depth > 64 {
            return;
        }
        match ty {
            TypeRef::Nullable(inner) | TypeRef::Array(inner) | TypeRef::Map(inner) => {
                self.held_within(inner, held, depth + 1)
            }
            TypeRef::Named(name) => match self.types.get(name.as_str()) {
                Some(NamedType {
                    kind: TypeKind::Alias(target),
                    ..
                }) => self.held_within(target, held, depth + 1),
                Some(_) => held.push(name),
                None => {}
            },
            TypeRef::Scalar(_) | TypeRef::Any => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Plan;
    use std::path::Path;

    /// The worklist's set is the one rounds over every type until none changes give, on
    /// the fixtures and OpenAI's spec, strict and not.
    #[test]
    fn needs_are_what_rounds_until_nothing_changes_find() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut held = 0;
        let specs = [
            "consumer.yaml",
            "shapes.yaml",
            "names.yaml",
            "orders.yaml",
            "real/openai.yaml",
        ];
        for spec in specs {
            let path = dir.join(spec);
            let text = std::fs::read_to_string(&path).unwrap();
            let (api, _) = pushgen_ingest::ingest_path(&text, &path).unwrap();
            for strict in [false, true] {
                let mut plan = Plan::new(&api, strict, &crate::Custom::default());
                let settled = std::mem::take(&mut plan.needs);
                let own = api.types.iter().filter(|t| plan.type_needs(t)).count();
                loop {
                    let found: Vec<&str> = api
                        .types
                        .iter()
                        .filter(|t| !plan.needs.contains(&*t.name.camel) && plan.type_needs(t))
                        .map(|t| &*t.name.camel)
                        .collect();
                    if found.is_empty() {
                        break;
                    }
                    plan.needs.extend(found);
                }
                assert_eq!(settled, plan.needs, "{spec}, strict: {strict}");
                // Types that need checking only for what they hold.
                held += settled.len() - own;
            }
        }
        assert!(
            held > 0,
            "no type needed checking for what it holds: the case is untested"
        );
    }
}

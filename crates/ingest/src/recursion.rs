//! Whole-graph passes over the named types, run once every type exists.

use crate::error::Diagnostics;
use foldhash::{HashMap, HashSet, HashSetExt};
use pushgen_ir::{NamedType, TypeKind, TypeRef};

/// A tagged union writes its tag itself (serde's internal tagging), so member structs
/// must not also carry the tag property, or it would appear twice on the wire.
pub(crate) fn untag_members(types: &mut [NamedType]) {
    let mut strip: Vec<(String, String)> = Vec::new();
    for ty in types.iter() {
        if let TypeKind::Union(union) = &ty.kind
            && let Some(tag) = &union.discriminator
        {
            for variant in &union.variants {
                if let TypeRef::Named(member) = &variant.ty {
                    strip.push((member.clone(), tag.clone()));
                }
            }
        }
    }
    // A tag only works on members that are objects; otherwise fall back to untagged.
    let is_struct: HashMap<&str, bool> = types
        .iter()
        .map(|t| (t.name.camel.as_str(), matches!(t.kind, TypeKind::Struct(_))))
        .collect();
    let untag: Vec<String> = types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Union(u) if u.discriminator.is_some() => {
                let all_structs = u.variants.iter().all(|v| match &v.ty {
                    TypeRef::Named(n) => is_struct.get(n.as_str()).copied().unwrap_or(false),
                    _ => false,
                });
                (!all_structs).then(|| t.name.camel.clone())
            }
            _ => None,
        })
        .collect();
    for ty in types.iter_mut() {
        if untag.contains(&ty.name.camel)
            && let TypeKind::Union(u) = &mut ty.kind
        {
            u.discriminator = None;
        }
    }
    for ty in types.iter_mut() {
        if let TypeKind::Struct(s) = &mut ty.kind {
            let name = &ty.name.camel;
            s.fields.retain(|f| {
                !strip
                    .iter()
                    .any(|(member, tag)| member == name && *tag == f.name.original)
            });
        }
    }
}

/// The named type a field or variant holds directly (not behind a `Vec` or map, which
/// already allocate).
fn direct(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Nullable(inner) => direct(inner),
        _ => None,
    }
}

/// Every named type `ty` mentions, however deep (inside arrays, maps, options).
fn mentioned<'t>(ty: &'t TypeRef, out: &mut Vec<&'t str>) {
    match ty {
        TypeRef::Named(name) => out.push(name),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => {
            mentioned(inner, out)
        }
        TypeRef::Scalar(_) | TypeRef::Any => {}
    }
}

/// Marks fields and variants that close a cycle of direct containment as boxed, and
/// reports cycles made only of aliases, which no Rust type can express (a type alias may
/// not mention itself, even inside a `Vec`).
pub(crate) fn box_cycles(
    types: &mut [NamedType],
    defined_at: &HashMap<String, String>,
    diags: &mut Diagnostics,
) {
    let index: HashMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.camel.clone(), i))
        .collect();
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let targets: Vec<&TypeRef> = match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
                TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
                TypeKind::Alias(ty) => vec![ty],
                TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::Extern(_) => Vec::new(),
            };
            targets
                .into_iter()
                .filter_map(|ty| direct(ty).and_then(|n| index.get(n).copied()))
                .collect()
        })
        .collect();
    let component = strongly_connected(&edges);
    let cyclic = |from: usize, to: usize| component[from] == component[to];
    for (i, ty) in types.iter_mut().enumerate() {
        match &mut ty.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    if let Some(&j) = direct(&f.ty).and_then(|n| index.get(n)) {
                        f.boxed = cyclic(i, j);
                    }
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    if let Some(&j) = direct(&v.ty).and_then(|n| index.get(n)) {
                        v.boxed = cyclic(i, j);
                    }
                }
            }
            TypeKind::Alias(_) | TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::Extern(_) => {
            }
        }
    }
    // Aliases expand in place: a cycle through aliases alone never ends.
    let alias_edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Alias(ty) => {
                let mut names = Vec::new();
                mentioned(ty, &mut names);
                names
                    .into_iter()
                    .filter_map(|n| index.get(n).copied())
                    .filter(|&j| matches!(types[j].kind, TypeKind::Alias(_)))
                    .collect()
            }
            _ => Vec::new(),
        })
        .collect();
    let alias_component = strongly_connected(&alias_edges);
    let mut reported = HashSet::new();
    for (i, ty) in types.iter().enumerate() {
        let in_cycle = alias_edges[i]
            .iter()
            .any(|&j| alias_component[j] == alias_component[i]);
        if in_cycle && reported.insert(alias_component[i]) {
            let pointer = defined_at
                .get(&ty.name.camel)
                .cloned()
                .unwrap_or_else(|| "/components/schemas".to_string());
            diags.error(
                pointer,
                format!(
                    "schema `{}` is defined only in terms of itself (a `$ref` cycle through \
                     arrays, maps or other names that cannot be a type; make one of them an \
                     object)",
                    ty.name.original
                ),
            );
        }
    }
}

/// Tarjan's algorithm, iterative so deep graphs cannot overflow the stack.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[v] == UNSEEN {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*edge) {
                *edge += 1;
                if index[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn components_of_a_small_graph() {
        // 0 -> 1 -> 2 -> 0, 3 -> 3, 4 alone
        let c = strongly_connected(&[vec![1], vec![2], vec![0], vec![3], vec![]]);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[0], c[3]);
        assert_ne!(c[3], c[4]);
    }
}

//! Builds and renders the pieces of the generated files on every core.
//!
//! A big API's files are megabytes of text, and rendering them (tokens → `syn` →
//! prettyplease) is most of generation's time. A file is cut into pieces at top-level
//! items, which prettyplease prints independently, so the pieces' texts joined are the
//! whole file's text. `proc_macro2` tokens cannot cross threads: each piece is built and
//! rendered by one thread, and only its text comes back. The items of one big trait, impl
//! or module are cut the same way: a piece renders a run of them as printed inside such a
//! container, and the container itself, rendered with a slot where they go, is filled in
//! ([`crate::render::FileText::push_filled`]).

use crate::imports::Uses;
use crate::render::{FileText, Within};
use proc_macro2::TokenStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One piece of one file: a function that builds its tokens (and says what they name,
/// when it knows), and where they are printed.
pub struct Piece<'a> {
    build: Box<dyn FnOnce() -> (TokenStream, Option<Uses>) + Send + 'a>,
    within: Within,
    /// Whether to find out which sibling modules the piece names, when `build` does not
    /// say: only pieces whose file's `use` lines depend on them ask, since it walks every
    /// token.
    track_uses: bool,
}

impl<'a> Piece<'a> {
    /// A piece of top-level items.
    pub fn new(build: impl FnOnce() -> TokenStream + Send + 'a) -> Self {
        Piece {
            build: Box::new(move || (build(), None)),
            within: Within::File,
            track_uses: false,
        }
    }

    /// A piece of top-level items whose `build` says what they name, as it found out while
    /// building them: its [`Rendered::uses`] without walking the tokens again.
    pub fn naming(build: impl FnOnce() -> (TokenStream, Uses) + Send + 'a) -> Self {
        Piece {
            build: Box::new(move || {
                let (tokens, uses) = build();
                (tokens, Some(uses))
            }),
            within: Within::File,
            track_uses: false,
        }
    }

    /// The piece is a run of the items of a trait, an impl or a module
    /// ([`crate::render::items_within`]), for a slot of that container.
    pub fn within(self, within: Within) -> Self {
        Piece { within, ..self }
    }

    /// The caller needs the piece's [`Rendered::uses`].
    pub fn tracking_uses(self) -> Self {
        Piece {
            track_uses: true,
            ..self
        }
    }
}

/// A rendered piece.
#[derive(Default)]
pub struct Rendered {
    /// prettyplease's text of the piece's items.
    pub text: String,
    /// Which sibling modules the piece names (for its file's `use` lines); none unless the
    /// piece was made [`Piece::tracking_uses`] or [`Piece::naming`].
    pub uses: Uses,
}

/// A file as pieces to render in parallel, and how to put their texts together.
pub struct Split<'a> {
    pub name: &'static str,
    pub pieces: Vec<Piece<'a>>,
    /// Writes the file's items from the rendered pieces, in their order.
    pub assemble: Assemble<'a>,
}

/// Writes a file's items from its rendered pieces.
pub type Assemble<'a> = Box<dyn FnOnce(&[Rendered], &mut FileText) + Send + 'a>;

/// The texts of some rendered pieces.
pub fn texts(rendered: &[Rendered]) -> impl Iterator<Item = &str> {
    rendered.iter().map(|r| r.text.as_str())
}

/// A file rendered as one piece with slots ([`crate::render::slot`]): some are filled by
/// runs of pieces rendered on their own (a trait's methods, a module's handlers), the
/// others by text made from what those runs name (a `use` line).
pub struct Slotted<'a> {
    name: &'static str,
    /// The file's piece, then each run's pieces in turn.
    pieces: Vec<Piece<'a>>,
    /// Each run's slot and how many pieces it has.
    runs: Vec<(&'static str, usize)>,
}

impl<'a> Slotted<'a> {
    pub fn new(name: &'static str, file: Piece<'a>) -> Self {
        Slotted {
            name,
            pieces: vec![file],
            runs: Vec::new(),
        }
    }

    /// Fills `slot` with the items `build` makes of each chunk, a piece per chunk,
    /// printed as `within` holds them; what each piece names is tracked for [`Runs::uses`].
    pub fn run<T: Sync + 'a>(
        mut self,
        slot: &'static str,
        within: Within,
        chunks: impl ExactSizeIterator<Item = &'a [T]>,
        build: impl Fn(&'a [T]) -> TokenStream + Copy + Send + 'a,
    ) -> Self {
        self.runs.push((slot, chunks.len()));
        self.pieces.extend(chunks.map(|chunk| {
            Piece::new(move || build(chunk))
                .within(within)
                .tracking_uses()
        }));
        self
    }

    /// The file to render: `other(slot, runs)` is the text of each slot no run fills.
    pub fn split(self, other: impl Fn(&str, &Runs<'_>) -> String + Send + 'a) -> Split<'a> {
        let Slotted { name, pieces, runs } = self;
        Split {
            name,
            pieces,
            assemble: Box::new(move |rendered, out| {
                let (file, mut rest) = rendered.split_at(1);
                let mut filled = Vec::new();
                for &(slot, count) in &runs {
                    let (run, after) = rest.split_at(count);
                    filled.push((slot, run));
                    rest = after;
                }
                let runs = Runs(filled);
                out.push_filled(&file[0].text, |slot, out| match runs.get(slot) {
                    Some(run) => texts(run).for_each(|text| out.push(text)),
                    None => out.push(&other(slot, &runs)),
                });
            }),
        }
    }
}

/// The rendered runs of a [`Slotted`] file, by slot.
pub struct Runs<'r>(Vec<(&'static str, &'r [Rendered])>);

impl Runs<'_> {
    fn get(&self, slot: &str) -> Option<&[Rendered]> {
        self.0
            .iter()
            .find(|(name, _)| *name == slot)
            .map(|(_, run)| *run)
    }

    /// What the pieces of the runs for `slots` name, together.
    pub fn uses(&self, slots: &[&str]) -> Uses {
        slots
            .iter()
            .filter_map(|slot| self.get(slot))
            .fold(Uses::default(), |all, run| all | uses(run))
    }
}

/// What some rendered pieces name, together.
pub fn uses(rendered: &[Rendered]) -> Uses {
    rendered.iter().fold(Uses::default(), |all, r| all | r.uses)
}

/// Renders every piece, in parallel, and returns the results in the pieces' order.
/// Put the biggest pieces first: workers take them in order.
pub fn render_all(pieces: Vec<Piece<'_>>) -> Vec<Rendered> {
    map_all(pieces, render)
}

/// `f` of every item, on every core, each worker taking the next item in order as it is
/// free; the results in the items' order. Put the biggest items first.
pub fn map_all<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let count = items.len();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count);
    let queue: Vec<Mutex<Option<T>>> = items.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let results: Vec<Mutex<Option<R>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = queue.get(index) else { break };
            let item = lock(slot).take();
            if let Some(item) = item {
                *lock(&results[index]) = Some(f(item));
            }
        }
    };
    if workers <= 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 1..workers {
                // Where a thread cannot start, the others (this one at least) do its share.
                let _ = std::thread::Builder::new().spawn_scoped(scope, work);
            }
            work();
        });
    }
    results
        .into_iter()
        // Every index below `count` was taken by a worker, and scope joined them.
        .filter_map(|slot| slot.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

fn render(piece: Piece) -> Rendered {
    let ((tokens, named), docs) = crate::late::collecting(piece.build);
    Rendered {
        uses: match named {
            Some(uses) => uses,
            None if piece.track_uses => Uses::of(&tokens),
            None => Uses::default(),
        },
        text: docs.splice(crate::render::items_within(piece.within, tokens)),
    }
}

/// A lock whose holder panicked still holds usable data: pieces are taken, not changed.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;

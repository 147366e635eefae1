//! Builds and renders the pieces of the generated files on every core.
//!
//! A big API's files are megabytes of text, and rendering them (tokens → `syn` →
//! prettyplease) is most of generation's time. A file is cut into pieces at top-level
//! items, which prettyplease prints independently, so the pieces' texts joined are the
//! whole file's text. `proc_macro2` tokens cannot cross threads: each piece is built and
//! rendered by one thread, and only its text comes back.

use proc_macro2::TokenStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One piece of one file: a function that builds its tokens.
pub struct Piece<'a> {
    build: Box<dyn FnOnce() -> TokenStream + Send + 'a>,
    /// Whether to find out if the piece names the `types` module: only files whose `use`
    /// line depends on their pieces ask, since it walks every token.
    track_types: bool,
}

impl<'a> Piece<'a> {
    pub fn new(build: impl FnOnce() -> TokenStream + Send + 'a) -> Self {
        Piece {
            build: Box::new(build),
            track_types: false,
        }
    }

    /// A piece whose [`Rendered::uses_types`] the caller needs.
    pub fn tracking_types(build: impl FnOnce() -> TokenStream + Send + 'a) -> Self {
        Piece {
            track_types: true,
            ..Piece::new(build)
        }
    }
}

/// A rendered piece.
pub struct Rendered {
    /// prettyplease's text of the piece's items.
    pub text: String,
    /// Whether the piece names the generated `types` module (for the file's `use` line);
    /// `false` unless the piece was made with [`Piece::tracking_types`].
    pub uses_types: bool,
}

/// Renders every piece, in parallel, and returns the results in the pieces' order.
/// Put the biggest pieces first: workers take them in order.
pub fn render_all(pieces: Vec<Piece<'_>>) -> Vec<Rendered> {
    let count = pieces.len();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count);
    let queue: Vec<Mutex<Option<Piece>>> =
        pieces.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let results: Vec<Mutex<Option<Rendered>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = queue.get(index) else { break };
            let piece = lock(slot).take();
            if let Some(piece) = piece {
                *lock(&results[index]) = Some(render(piece));
            }
        }
    };
    if workers <= 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 1..workers {
                scope.spawn(work);
            }
            work();
        });
    }
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                // Every index below `count` was taken by a worker, and scope joined them.
                .unwrap_or_else(|| Rendered {
                    text: String::new(),
                    uses_types: false,
                })
        })
        .collect()
}

fn render(piece: Piece) -> Rendered {
    let tokens = (piece.build)();
    Rendered {
        uses_types: piece.track_types && crate::imports::uses_types(&tokens),
        text: crate::render::items(tokens),
    }
}

/// A lock whose holder panicked still holds usable data: pieces are taken, not changed.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

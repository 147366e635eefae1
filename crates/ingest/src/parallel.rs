//! Work spread over every core, results kept in order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work(state, i)` for every `i` in `0..count`, on every core, each taking the next
/// `chunk` indices as it is free; the results in index order. Each thread makes its own
/// `state` (a cache, say) with `start`, so `state` need not be shared or sent.
pub(crate) fn map_in_order<S, R: Send>(
    count: usize,
    chunk: usize,
    start: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize) -> R + Sync,
) -> Vec<R> {
    let chunk = chunk.max(1);
    let chunks = count.div_ceil(chunk);
    let next = AtomicUsize::new(0);
    let run = || {
        let mut state = start();
        let mut done = Vec::new();
        loop {
            let first = next.fetch_add(1, Ordering::Relaxed) * chunk;
            if first >= count {
                break;
            }
            for index in first..(first + chunk).min(count) {
                done.push((index, work(&mut state, index)));
            }
        }
        done
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(chunks);
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(count).collect();
    std::thread::scope(|scope| {
        // Where a thread cannot start, the ones that did (this one at least) do its share.
        let others: Vec<_> = (1..workers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, run).ok())
            .collect();
        let mine = run();
        let theirs = others
            .into_iter()
            // A panic in `work` is a bug; it goes on as one here.
            .map(|other| {
                other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))
            });
        for (index, result) in std::iter::once(mine).chain(theirs).flatten() {
            results[index] = Some(result);
        }
    });
    // Every index was taken by one thread exactly.
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::map_in_order;

    #[test]
    fn results_come_in_index_order() {
        for (count, chunk) in [(0, 4), (1, 4), (7, 1), (1000, 3), (10, 100), (5, 0)] {
            let squares = map_in_order(count, chunk, || (), |(), i| i * i);
            assert_eq!(squares, (0..count).map(|i| i * i).collect::<Vec<_>>());
        }
    }
}

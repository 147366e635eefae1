//! The ids of a stream's latest events, so that one that arrives again after a
//! reconnect is dropped.
//!
//! Every event of a resumable stream passes through here, so the set costs no
//! allocation once it is full: the ids live in a ring of reused buffers, and the
//! index maps each id's keyed hash (std's `RandomState`, so a server cannot choose ids
//! that collide) to its place in the ring.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// The ids of the latest [`RecentIds::KEEP`] events.
pub(super) struct RecentIds {
    /// Ids in arrival order, as a ring: `next` is where the next one goes (the oldest,
    /// once the ring is full). Each slot keeps its id's hash, to leave the index by.
    ring: Vec<(u64, String)>,
    next: usize,
    /// Slot by hash.
    index: HashMap<u64, usize, BuildHasherDefault<Prehashed>>,
    hasher: RandomState,
}

impl Default for RecentIds {
    fn default() -> Self {
        RecentIds {
            ring: Vec::new(),
            next: 0,
            index: HashMap::default(),
            hasher: RandomState::new(),
        }
    }
}

impl RecentIds {
    pub(super) const KEEP: usize = 1024;

    /// Notes `id`; `false` if it was already there.
    pub(super) fn insert(&mut self, id: &str) -> bool {
        let hash = self.hasher.hash_one(id);
        if let Some(&slot) = self.index.get(&hash)
            && self.ring[slot].1 == id
        {
            return false;
        }
        // Two ids with one 64-bit keyed hash: the newer takes the index entry, and only
        // the older loses its protection against a repeat.
        if self.ring.len() < Self::KEEP {
            self.ring.push((hash, id.to_owned()));
            self.index.insert(hash, self.ring.len() - 1);
            return true;
        }
        let slot = self.next;
        self.next = (slot + 1) % Self::KEEP;
        let (old_hash, old_id) = &mut self.ring[slot];
        if self.index.get(old_hash) == Some(&slot) {
            self.index.remove(old_hash);
        }
        *old_hash = hash;
        old_id.clear();
        old_id.push_str(id);
        self.index.insert(hash, slot);
        true
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.index.len()
    }
}

/// The index's keys are hashes already: they hash to themselves.
#[derive(Default)]
pub(super) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in rather than lose it.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::RecentIds;

    #[test]
    fn recent_ids_drop_a_repeat_and_forget_the_oldest_past_their_bound() {
        let mut ids = RecentIds::default();
        assert!(ids.insert("a"));
        assert!(!ids.insert("a"), "a repeat is refused");
        for n in 0..RecentIds::KEEP {
            assert!(ids.insert(&n.to_string()));
        }
        assert_eq!(ids.len(), RecentIds::KEEP);
        assert!(ids.insert("a"), "the oldest was forgotten");
        assert!(!ids.insert(&(RecentIds::KEEP - 1).to_string()));
        assert!(!ids.insert("a"));
        // Round the ring several times: what is held is always the latest KEEP.
        for n in 0..3 * RecentIds::KEEP {
            assert!(ids.insert(&format!("x{n}")));
        }
        assert_eq!(ids.len(), RecentIds::KEEP);
        assert!(!ids.insert(&format!("x{}", 3 * RecentIds::KEEP - 1)));
        assert!(!ids.insert(&format!("x{}", 2 * RecentIds::KEEP)));
        assert!(ids.insert(&format!("x{}", 2 * RecentIds::KEEP - 1)));
    }
}

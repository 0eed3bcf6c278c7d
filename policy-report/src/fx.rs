//! The Fx hash (rustc's) for the aggregation hot paths: fast on short string keys. The keys
//! come from the reports; a report author who forces collisions only slows their own
//! summary down.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The Fx hasher.
#[derive(Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(buf));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            if let Some(dst) = buf.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Builds [`FxHasher`]s.
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
/// A hash map with the Fx hash.
pub(crate) type FxHashMap<K, V> = HashMap<K, V, FxBuild>;
/// A hash set with the Fx hash.
pub(crate) type FxHashSet<T> = HashSet<T, FxBuild>;

/// Adds the counts of `from` into `into`, folding the smaller map into the larger.
pub(crate) fn merge_counts<K: Eq + std::hash::Hash>(
    mut into: FxHashMap<K, crate::Counts>,
    mut from: FxHashMap<K, crate::Counts>,
) -> FxHashMap<K, crate::Counts> {
    if into.len() < from.len() {
        std::mem::swap(&mut into, &mut from);
    }
    for (k, c) in from {
        into.entry(k).or_default().merge(&c);
    }
    into
}

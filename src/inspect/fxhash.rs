//! A small, fast hasher for the engine's internal maps and sets.
//!
//! The standard SipHash shows up in profiles of large packages: every identifier, alias and
//! dotted name the fact walk meets is hashed a few times. The keys are short strings, so a
//! word-at-a-time folded-multiply hash (in the spirit of Fx/foldhash) is several times cheaper. To keep
//! hostile files from precomputing collisions, every process starts the hash from a random
//! seed.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::LazyLock;

const K: u64 = 0xf135_7aea_2e62_a9c5;

static SEED: LazyLock<u64> = LazyLock::new(|| RandomState::new().hash_one(0x5eed_u64));

/// Word-at-a-time folded-multiply hasher, seeded per process.
#[derive(Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl Default for FxHasher {
    #[inline]
    fn default() -> Self {
        Self { hash: *SEED }
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        // Folded 64x64->128 multiply: unlike a plain wrapping multiply, differences in the
        // high bits of a word reach the low bits too.
        let p = ((self.hash ^ w) as u128).wrapping_mul(K as u128);
        self.hash = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while let Some((w, rest)) = bytes.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*w));
            bytes = rest;
        }
        if let Some((w, rest)) = bytes.split_first_chunk::<4>() {
            self.add(u32::from_le_bytes(*w) as u64);
            bytes = rest;
        }
        for b in bytes {
            self.add(*b as u64);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
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

/// `BuildHasher` for [`FxHasher`].
pub type FxBuild = BuildHasherDefault<FxHasher>;
/// `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, FxBuild>;
/// `HashSet` with [`FxHasher`].
pub type FxHashSet<K> = HashSet<K, FxBuild>;

/// Hash one value (for tests and callers that keep their own tables).
pub fn hash_one<T: std::hash::Hash>(v: T) -> u64 {
    FxBuild::default().hash_one(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_equal_and_different_keys_mostly_differ() {
        assert_eq!(hash_one("subprocess.Popen"), hash_one("subprocess.Popen"));
        let names: Vec<String> = (0..10_000).map(|i| format!("name_{i}")).collect();
        let hashes: HashSet<u64> = names.iter().map(|n| hash_one(n.as_str())).collect();
        assert_eq!(hashes.len(), names.len());
        // Low bits (what the table indexes with) are spread too.
        let low: HashSet<u64> = names.iter().map(|n| hash_one(n.as_str()) & 0x3ff).collect();
        assert!(low.len() > 900, "{}", low.len());
    }

    #[test]
    fn maps_work_with_string_keys() {
        let mut m: FxHashMap<String, u32> = FxHashMap::default();
        m.insert("os.system".into(), 3);
        m.insert("os".into(), 1);
        assert_eq!(m.get("os.system"), Some(&3));
        assert_eq!(m.get("os.sys"), None);
    }
}

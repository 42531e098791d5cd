//! Seeded xxh3 choices (CONVENTIONS §5.2): every "random" decision about a
//! record is a hash of its key, never a stateful RNG, so it does not depend on
//! the other records, their order, the sharding or the thread count. xxh3 is a
//! fixed specification, so choices do not change across versions.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128_with_seed};

/// The seeded 64-bit hash of a key.
pub fn hash(seed: u64, key: &[u8]) -> u64 {
    xxh3_64_with_seed(key, seed)
}

/// The seeded 128-bit hash of a key: for telling values apart by hash alone
/// (a collision among a billion values has odds below 10^-20).
pub fn hash128(seed: u64, key: &[u8]) -> u128 {
    xxh3_128_with_seed(key, seed)
}

/// A uniform number in [0, 1) determined by seed and key.
pub fn unit(seed: u64, key: &[u8]) -> f64 {
    (hash(seed, key) >> 11) as f64 / (1u64 << 53) as f64
}

/// Picks a bucket for a key given bucket weights (need not sum to 1).
pub fn bucket(seed: u64, key: &[u8], weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let point = unit(seed, key) * total;
    let mut edge = 0.0;
    for (i, w) in weights.iter().enumerate() {
        edge += w;
        if point < edge {
            return i;
        }
    }
    weights.len().saturating_sub(1)
}

/// Where a record stands in a seeded sample: smaller is chosen first. The
/// key's hash decides; the record's own hash and then its bytes break ties
/// between records sharing a key, so the order is total and content-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rank {
    pub key: u64,
    pub record: u64,
}

impl Rank {
    pub fn new(seed: u64, key: &[u8], record: &[u8]) -> Self {
        Rank { key: hash(seed, key), record: hash(seed ^ 0x5EED_5EED_5EED_5EED, record) }
    }
}

/// A kept record of a sample, with its input position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sampled<T> {
    pub rank: Rank,
    pub record: Vec<u8>,
    /// Input position, for writing the sample back in input order.
    pub position: (usize, u64),
    pub tag: T,
}

impl<T: Eq> Ord for Sampled<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank
            .cmp(&other.rank)
            .then_with(|| self.record.cmp(&other.record))
            .then_with(|| self.position.cmp(&other.position))
    }
}

impl<T: Eq> PartialOrd for Sampled<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The `k` smallest-ranked records seen: memory O(k), whatever the input.
#[derive(Debug, Clone)]
pub struct BottomK<T> {
    k: usize,
    heap: BinaryHeap<Sampled<T>>,
}

impl<T: Eq> BottomK<T> {
    pub fn new(k: usize) -> Self {
        BottomK { k, heap: BinaryHeap::new() }
    }

    /// Whether a record of this rank could enter (cheap pre-check before
    /// copying its bytes).
    pub fn admits(&self, rank: Rank) -> bool {
        self.k > 0
            && (self.heap.len() < self.k || self.heap.peek().is_some_and(|top| rank <= top.rank))
    }

    pub fn offer(&mut self, item: Sampled<T>) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(item);
        } else if self.heap.peek().is_some_and(|top| item < *top) {
            self.heap.pop();
            self.heap.push(item);
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub fn into_vec(self) -> Vec<Sampled<T>> {
        self.heap.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED_HELLO_42: u64 = 0xbafa_072f_07db_7937;

    #[test]
    fn bottom_k_is_order_independent() {
        let items: Vec<Vec<u8>> = (0..200).map(|i| format!("record {i}").into_bytes()).collect();
        let pick = |order: &mut dyn Iterator<Item = (usize, &Vec<u8>)>| {
            let mut b = BottomK::new(10);
            for (i, r) in order {
                b.offer(Sampled {
                    rank: Rank::new(7, r, r),
                    record: r.clone(),
                    position: (0, i as u64),
                    tag: (),
                });
            }
            let mut got: Vec<Vec<u8>> = b.into_vec().into_iter().map(|s| s.record).collect();
            got.sort();
            got
        };
        let forward = pick(&mut items.iter().enumerate());
        let backward = pick(&mut items.iter().enumerate().rev());
        assert_eq!(forward, backward);
        assert_eq!(forward.len(), 10);
    }

    #[test]
    fn bucket_follows_weights() {
        let mut counts = [0usize; 3];
        for i in 0..30_000u32 {
            counts[bucket(1, &i.to_le_bytes(), &[0.8, 0.1, 0.1])] += 1;
        }
        assert!((23_000..25_000).contains(&counts[0]), "{counts:?}");
        assert!((2_500..3_500).contains(&counts[1]), "{counts:?}");
    }

    #[test]
    fn xxh3_is_pinned() {
        // A change here would silently change every sample and split.
        assert_eq!(hash(0, b""), 0x2d06800538d394c2, "XXH3_64 reference value");
        assert_eq!(hash(42, b"hello"), PINNED_HELLO_42);
    }
}

//! Sorting and ordered collections that keep the WebAssembly module small.

use std::cmp::Ordering;

/// Sorting that keeps the WebAssembly module small: the standard sort is instantiated once per
/// element type and comparison (about 3 KiB of code each, 128 KiB over netfence's sorts), so on
/// `wasm32` every sort goes through one instantiation that orders indices with a `dyn`
/// comparison, then moves the elements into place. Elsewhere it is the standard stable sort.
/// Every sort is stable.
pub(crate) trait CompactSort<T> {
    /// Sorts by `Ord`.
    fn sort_compact(&mut self)
    where
        T: Ord;

    /// Sorts by `compare`.
    fn sort_compact_by(&mut self, compare: impl Fn(&T, &T) -> Ordering);

    /// Sorts by the key `key` gives.
    fn sort_compact_by_key<K: Ord>(&mut self, key: impl Fn(&T) -> K);
}

impl<T> CompactSort<T> for [T] {
    fn sort_compact(&mut self)
    where
        T: Ord,
    {
        self.sort_compact_by(T::cmp);
    }

    fn sort_compact_by(&mut self, compare: impl Fn(&T, &T) -> Ordering) {
        #[cfg(target_arch = "wasm32")]
        sort_through_indices(self, &compare);
        #[cfg(not(target_arch = "wasm32"))]
        self.sort_by(compare);
    }

    fn sort_compact_by_key<K: Ord>(&mut self, key: impl Fn(&T) -> K) {
        self.sort_compact_by(|a, b| key(a).cmp(&key(b)));
    }
}

/// Orders the indices of `items` (one shared instantiation of the standard sort), then applies
/// that order in place, one permutation cycle at a time.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn sort_through_indices<T>(items: &mut [T], compare: &dyn Fn(&T, &T) -> Ordering) {
    let order = {
        let shared = &*items;
        sorted_indices(items.len(), &|a, b| match (shared.get(a), shared.get(b)) {
            (Some(x), Some(y)) => compare(x, y),
            _ => Ordering::Equal,
        })
    };
    // position `j` takes the element at `order[j]`
    let mut done = vec![false; items.len()];
    for start in 0..items.len() {
        let mut j = start;
        while let Some(flag) = done.get_mut(j) {
            if *flag {
                break;
            }
            *flag = true;
            let Some(&k) = order.get(j) else { break };
            if k == start {
                break;
            }
            items.swap(j, k);
            j = k;
        }
    }
}

/// `0..len` sorted by `compare` (stable).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline(never)]
fn sorted_indices(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|a, b| compare(*a, *b));
    order
}

/// `items` as a `BTreeSet`. `collect()` sorts the items first and builds the tree in bulk,
/// which costs the WebAssembly module one standard sort instance per element type, so there
/// the set is built by insertion (the set's own code); native builds collect.
pub(crate) fn btree_set<T: Ord>(items: impl IntoIterator<Item = T>) -> std::collections::BTreeSet<T> {
    #[cfg(not(target_arch = "wasm32"))]
    return items.into_iter().collect();
    #[cfg(target_arch = "wasm32")]
    {
        let mut set = std::collections::BTreeSet::new();
        for item in items {
            set.insert(item);
        }
        set
    }
}

/// `entries` as a `BTreeMap` (a later entry replaces an earlier one with the same key, as with
/// `collect()`); see [`btree_set`].
pub(crate) fn btree_map<K: Ord, V>(entries: impl IntoIterator<Item = (K, V)>) -> std::collections::BTreeMap<K, V> {
    #[cfg(not(target_arch = "wasm32"))]
    return entries.into_iter().collect();
    #[cfg(target_arch = "wasm32")]
    {
        let mut map = std::collections::BTreeMap::new();
        for (key, value) in entries {
            map.insert(key, value);
        }
        map
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The wasm path (tested natively here) equals the standard stable sort.
    #[test]
    fn index_sort_equals_standard_stable_sort() {
        let mut seed = 7u64;
        for len in [0usize, 1, 2, 3, 10, 100, 1000] {
            let mut items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    (u8::try_from(seed >> 60).unwrap(), i)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|x| x.0);
            sort_through_indices(&mut items, &|a: &(u8, usize), b: &(u8, usize)| a.0.cmp(&b.0));
            assert_eq!(items, expected, "len {len}");
        }
    }
}

//! Small shared helpers.

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

/// The threads work is split over: the available cores (at most 8); one in WebAssembly.
/// Asked once: on Linux the question reads the cgroup files (kernel time on every call).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))] // only the native paths split work
pub(crate) fn threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    {
        static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from).min(8))
    }
    #[cfg(target_arch = "wasm32")]
    return 1;
}

/// `f` over `items`, results in order. Natively, at least `min_parallel` items are split into
/// contiguous runs over the available cores (a worker's panic is passed on); the WebAssembly
/// build has one thread.
pub(crate) fn map_ordered<T: Sync, R: Send>(
    items: &[T],
    min_parallel: usize,
    f: &(dyn Fn(usize, &T) -> R + Sync),
) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let threads = threads();
        if threads > 1 && items.len() >= min_parallel.max(threads) {
            let per_thread = items.len().div_ceil(threads);
            return std::thread::scope(|scope| {
                let handles: Vec<_> = items
                    .chunks(per_thread)
                    .enumerate()
                    .map(|(n, part)| {
                        scope.spawn(move || {
                            part.iter().enumerate().map(|(j, item)| f(n * per_thread + j, item)).collect::<Vec<R>>()
                        })
                    })
                    .collect();
                let mut out = Vec::with_capacity(items.len());
                for handle in handles {
                    match handle.join() {
                        Ok(part) => out.extend(part),
                        Err(payload) => std::panic::resume_unwind(payload),
                    }
                }
                out
            });
        }
    }
    #[cfg(target_arch = "wasm32")]
    let _ = min_parallel;
    items.iter().enumerate().map(|(i, item)| f(i, item)).collect()
}

/// Drops a large tree's top-level sequence items on the available cores (freeing millions of
/// nodes is a second of work on one).
pub(crate) fn drop_tree(node: crate::source::Node) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use crate::source::Value;
        let threads = threads();
        let Value::Map(entries) = node.value else { return };
        for (_, value) in entries {
            if let Value::Seq(mut items) = value.value
                && threads > 1
                && items.len() >= 4096
            {
                let per_thread = items.len().div_ceil(threads);
                let mut parts = Vec::new();
                while items.len() > per_thread {
                    parts.push(items.split_off(items.len() - per_thread));
                }
                parts.push(items);
                std::thread::scope(|scope| {
                    for part in parts {
                        scope.spawn(move || drop(part));
                    }
                });
            }
        }
    }
    #[cfg(target_arch = "wasm32")]
    drop(node);
}

/// Tracks whether the bytes of JSON text are inside a string.
#[derive(Default)]
pub(crate) struct JsonStrings {
    inside: bool,
    escaped: bool,
}

impl JsonStrings {
    /// Feeds the next byte; true when it belongs to a string (its quotes included).
    pub(crate) fn feed(&mut self, b: u8) -> bool {
        if self.inside {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.inside = false;
            }
            true
        } else {
            self.inside = b == b'"';
            self.inside
        }
    }

    /// Whether the last byte fed left a string open.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // used by `parse_list`, native only
    pub(crate) fn inside(&self) -> bool {
        self.inside
    }
}

/// Compact JSON (as `serde_json::to_string` writes it) re-indented as
/// `serde_json::to_string_pretty` writes it: two spaces, `": "`, empty containers as `[]` and
/// `{}`. One non-generic function instead of a pretty-printing instance of every serialized
/// type.
pub(crate) fn pretty_json(compact: &str) -> String {
    let bytes = compact.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    let mut depth = 0usize;
    let mut strings = JsonStrings::default();
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if strings.feed(b) {
            out.push(b);
            continue;
        }
        match b {
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                out.push(b);
                if bytes.get(i) == Some(&close) {
                    out.push(close);
                    i += 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
    }
    // only ASCII was inserted, between whole UTF-8 sequences
    String::from_utf8(out).unwrap_or_else(|_| compact.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn map_ordered_keeps_order_and_indices() {
        let items: Vec<u64> = (0..10_001).map(|i| i * 3).collect();
        for min_parallel in [1, 4096, usize::MAX] {
            let out = map_ordered(&items, min_parallel, &|i, x| (i, x + 1));
            let expected: Vec<(usize, u64)> = items.iter().enumerate().map(|(i, x)| (i, x + 1)).collect();
            assert_eq!(out, expected, "min_parallel {min_parallel}");
        }
        assert!(map_ordered(&Vec::<u8>::new(), 1, &|_, x| *x).is_empty());
    }

    #[test]
    fn pretty_json_equals_serde_json_pretty() {
        let values = [
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!({"a": [], "b": {}, "c": [1, 2, {"d": null}], "e": "x, y: {z} [w]"}),
            serde_json::json!({"quote \" and \\ backslash": "é ü 中文 \u{1F600}", "n": -1.5e-7, "t": true}),
            serde_json::json!([[[]], [{}], [{"k": [1]}], "\\", "\"", "\n\t"]),
            serde_json::json!("just a string"),
            serde_json::json!(42),
        ];
        for v in values {
            let compact = serde_json::to_string(&v).unwrap();
            assert_eq!(pretty_json(&compact), serde_json::to_string_pretty(&v).unwrap(), "{compact}");
        }
    }

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

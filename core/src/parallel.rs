//! Work split over the available cores, results in input order (serial in WebAssembly).

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

/// `f` over `items`, results in order. Natively, from `min_parallel` items on, the items are
/// spread over rayon's pool (a worker's panic is passed on); below that, and in WebAssembly,
/// they are mapped on the calling thread. One `dyn` instance for every caller keeps the
/// WebAssembly module small.
pub(crate) fn map_ordered<T: Sync, R: Send>(
    items: &[T],
    min_parallel: usize,
    f: &(dyn Fn(usize, &T) -> R + Sync),
) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if threads() > 1 && items.len() >= min_parallel.max(2) {
        use rayon::prelude::*;
        return items.par_iter().enumerate().map(|(i, item)| f(i, item)).collect();
    }
    #[cfg(target_arch = "wasm32")]
    let _ = min_parallel;
    items.iter().enumerate().map(|(i, item)| f(i, item)).collect()
}

/// `f` over `0..n`, results in order: in parallel natively, serially in WebAssembly.
pub(crate) fn map_indices<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(target_arch = "wasm32")]
    (0..n).map(f).collect()
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
}

//! Sets over equivalence classes and external ranges: a fixed-size bit set, a class set that
//! is a sorted id list when sparse and a bit set when dense, and sorted index ranges.

use crate::sorted::CompactSort;

/// Bits `0..len`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// All bits clear.
    pub(crate) fn new(len: usize) -> Self {
        Self { words: vec![0; len.div_ceil(64)] }
    }

    /// All bits `0..len` set.
    pub(crate) fn full(len: usize) -> Self {
        let mut words = vec![u64::MAX; len / 64];
        if !len.is_multiple_of(64) {
            words.push((1u64 << (len % 64)) - 1);
        }
        Self { words }
    }

    /// Sets bit `i` (ignored when out of range).
    pub(crate) fn insert(&mut self, i: usize) {
        if let Some(w) = self.words.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }

    /// Whether bit `i` is set.
    pub(crate) fn contains(&self, i: usize) -> bool {
        self.words.get(i / 64).is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }
}

/// A set of class ids: a sorted list when sparse, a bit set when dense (more than one id in
/// 32 of the universe), so a rule matching a few classes costs a few words and one matching
/// most of the cluster costs one bit per class.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ClassSet {
    /// Sorted, distinct ids.
    List(Vec<u32>),
    /// Bits `0..universe`, with the number of set bits.
    Bits(BitSet, usize),
}

impl Default for ClassSet {
    fn default() -> Self {
        Self::List(Vec::new())
    }
}

/// The ids of a [`ClassSet`], ascending.
pub(crate) enum ClassIter<'a> {
    List(std::slice::Iter<'a, u32>),
    Bits { words: std::slice::Iter<'a, u64>, base: usize, rest: u64 },
}

impl Iterator for ClassIter<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        match self {
            Self::List(it) => it.next().map(|&i| i as usize),
            Self::Bits { words, base, rest } => loop {
                if *rest != 0 {
                    let bit = rest.trailing_zeros() as usize;
                    *rest &= *rest - 1;
                    return Some(*base - 64 + bit);
                }
                *rest = *words.next()?;
                *base += 64;
            },
        }
    }
}

impl ClassSet {
    /// From sorted, distinct ids below `universe`.
    pub(crate) fn from_sorted(ids: Vec<u32>, universe: usize) -> Self {
        if ids.len().saturating_mul(32) > universe {
            let mut bits = BitSet::new(universe);
            for &i in &ids {
                bits.insert(i as usize);
            }
            Self::Bits(bits, ids.len())
        } else {
            let mut ids = ids;
            ids.shrink_to_fit();
            Self::List(ids)
        }
    }

    /// From ids in any order, possibly repeated.
    pub(crate) fn from_unsorted(mut ids: Vec<u32>, universe: usize) -> Self {
        ids.sort_compact();
        ids.dedup();
        Self::from_sorted(ids, universe)
    }

    /// Every id `0..universe`.
    pub(crate) fn full(universe: usize) -> Self {
        Self::Bits(BitSet::full(universe), universe)
    }

    /// Whether id `i` is in the set.
    pub(crate) fn contains(&self, i: usize) -> bool {
        match self {
            Self::List(ids) => u32::try_from(i).is_ok_and(|i| ids.binary_search(&i).is_ok()),
            Self::Bits(bits, _) => bits.contains(i),
        }
    }

    /// Number of ids.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::List(ids) => ids.len(),
            Self::Bits(_, n) => *n,
        }
    }

    /// Whether the set is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids, ascending.
    pub(crate) fn iter(&self) -> ClassIter<'_> {
        match self {
            Self::List(ids) => ClassIter::List(ids.iter()),
            Self::Bits(bits, _) => ClassIter::Bits { words: bits.words.iter(), base: 0, rest: 0 },
        }
    }
}

/// A set of indices `0..len` as sorted, disjoint, non-adjacent half-open ranges `[lo, hi)`:
/// the external ranges an ipBlock peer matches are contiguous runs of the cut address space.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct IndexRanges {
    ranges: Vec<(u32, u32)>,
}

impl IndexRanges {
    /// Every index `0..len`.
    pub(crate) fn full(len: usize) -> Self {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        Self { ranges: if len == 0 { Vec::new() } else { vec![(0, len)] } }
    }

    /// From ranges in any order, possibly overlapping; empty ranges are dropped.
    pub(crate) fn from_ranges(mut ranges: Vec<(u32, u32)>) -> Self {
        ranges.retain(|(lo, hi)| lo < hi);
        ranges.sort_compact();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match out.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Self { ranges: out }
    }

    /// Whether index `i` is in the set.
    pub(crate) fn contains(&self, i: usize) -> bool {
        let Ok(i) = u32::try_from(i) else { return false };
        let at = self.ranges.partition_point(|(lo, _)| *lo <= i);
        at.checked_sub(1).and_then(|at| self.ranges.get(at)).is_some_and(|(_, hi)| i < *hi)
    }

    /// The ranges `[lo, hi)`, ascending.
    pub(crate) fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// The indices, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.ranges.iter().flat_map(|&(lo, hi)| (lo as usize)..(hi as usize))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_fill() {
        let mut a = BitSet::new(130);
        for i in [0, 63, 64, 129, 500] {
            a.insert(i);
        }
        assert!(a.contains(64) && a.contains(129) && !a.contains(65) && !a.contains(500));
        let full = BitSet::full(130);
        assert!((0..130).all(|i| full.contains(i)) && !full.contains(130));
        assert_eq!(BitSet::full(128), BitSet { words: vec![u64::MAX, u64::MAX] });
    }

    #[test]
    fn class_sets_sparse_and_dense() {
        let sparse = ClassSet::from_unsorted(vec![900, 3, 3, 70], 1000);
        assert!(matches!(sparse, ClassSet::List(_)));
        assert_eq!(sparse.iter().collect::<Vec<_>>(), vec![3, 70, 900]);
        assert!(sparse.contains(70) && !sparse.contains(71) && sparse.len() == 3);
        let dense = ClassSet::from_sorted((0..100).map(|i| i * 2).collect(), 200);
        assert!(matches!(dense, ClassSet::Bits(..)));
        assert_eq!(dense.len(), 100);
        assert_eq!(dense.iter().collect::<Vec<_>>(), (0..100).map(|i| i * 2).collect::<Vec<_>>());
        assert!(dense.contains(198) && !dense.contains(199));
        assert_eq!(ClassSet::full(70).iter().count(), 70);
        assert!(ClassSet::default().is_empty());
    }

    #[test]
    fn index_ranges() {
        let r = IndexRanges::from_ranges(vec![(5, 7), (0, 2), (2, 3), (6, 9), (4, 4)]);
        assert_eq!(r.ranges(), &[(0, 3), (5, 9)]);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![0, 1, 2, 5, 6, 7, 8]);
        assert!(r.contains(0) && r.contains(8) && !r.contains(3) && !r.contains(9));
        assert_eq!(IndexRanges::full(3).iter().count(), 3);
        assert!(IndexRanges::full(0).ranges().is_empty());
    }
}

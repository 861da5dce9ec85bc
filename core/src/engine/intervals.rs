//! Sorted, disjoint, inclusive intervals over an integer domain: the one representation behind
//! port sets (`u16`) and IP sets (`u32` for IPv4, `u128` for IPv6).

use crate::sorted::CompactSort;
use std::fmt;

/// An integer type usable as an interval bound.
pub trait Point: Copy + Ord + fmt::Debug + std::hash::Hash {
    /// Smallest value of the domain.
    const MIN: Self;
    /// Largest value of the domain.
    const MAX: Self;
    /// `self + 1`, or `None` at the top of the domain.
    fn succ(self) -> Option<Self>;
    /// `self - 1`, or `None` at the bottom of the domain.
    fn pred(self) -> Option<Self>;
}

macro_rules! point {
    ($t:ty) => {
        impl Point for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn succ(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn pred(self) -> Option<Self> {
                self.checked_sub(1)
            }
        }
    };
}
point!(u16);
point!(u32);
point!(u128);

/// A set of values as sorted, disjoint, non-adjacent inclusive intervals.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Intervals<T: Point> {
    ranges: Vec<(T, T)>,
}

impl<T: Point> Default for Intervals<T> {
    fn default() -> Self {
        Self { ranges: Vec::new() }
    }
}

impl<T: Point> fmt::Debug for Intervals<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ranges.iter().map(|(a, b)| a..=b)).finish()
    }
}

impl<T: Point> Intervals<T> {
    /// The empty set.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// The whole domain.
    #[must_use]
    pub fn full() -> Self {
        Self { ranges: vec![(T::MIN, T::MAX)] }
    }

    /// One interval `[lo, hi]` (empty when `lo > hi`).
    #[must_use]
    pub fn range(lo: T, hi: T) -> Self {
        if lo > hi { Self::empty() } else { Self { ranges: vec![(lo, hi)] } }
    }

    /// Builds from any intervals (overlapping, unsorted, or reversed ones are dropped/merged).
    #[must_use]
    pub fn from_ranges(iter: impl IntoIterator<Item = (T, T)>) -> Self {
        let mut ranges: Vec<(T, T)> = iter.into_iter().filter(|(a, b)| a <= b).collect();
        ranges.sort_compact();
        Self { ranges: coalesce(ranges) }
    }

    /// The intervals, sorted and disjoint.
    #[must_use]
    pub fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether `v` is in the set.
    #[must_use]
    pub fn contains(&self, v: T) -> bool {
        let i = self.ranges.partition_point(|(_, hi)| *hi < v);
        self.ranges.get(i).is_some_and(|(lo, _)| *lo <= v)
    }

    /// Whether the whole interval `[lo, hi]` is in the set.
    #[must_use]
    pub fn contains_range(&self, lo: T, hi: T) -> bool {
        let i = self.ranges.partition_point(|(_, h)| *h < lo);
        self.ranges.get(i).is_some_and(|(l, h)| *l <= lo && hi <= *h)
    }

    /// Union.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        if other.ranges.is_empty() {
            return self.clone();
        }
        if self.ranges.is_empty() {
            return other.clone();
        }
        let mut merged = Vec::with_capacity(self.ranges.len() + other.ranges.len());
        let (mut a, mut b) = (self.ranges.iter().peekable(), other.ranges.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => {
                    if x <= y {
                        a.next()
                    } else {
                        b.next()
                    }
                }
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            if let Some(r) = next {
                merged.push(*r);
            }
        }
        Self { ranges: coalesce(merged) }
    }

    /// In-place union.
    pub fn union_with(&mut self, other: &Self) {
        if other.ranges.is_empty() {
            return;
        }
        *self = self.union(other);
    }

    /// Intersection.
    #[must_use]
    pub fn intersection(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut i, mut j) = (0usize, 0usize);
        while let (Some(&(a0, a1)), Some(&(b0, b1))) = (self.ranges.get(i), other.ranges.get(j)) {
            let lo = a0.max(b0);
            let hi = a1.min(b1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self { ranges: out }
    }

    /// Complement within the whole domain.
    #[must_use]
    pub fn complement(&self) -> Self {
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut next = Some(T::MIN);
        for &(lo, hi) in &self.ranges {
            if let Some(start) = next
                && start < lo
                && let Some(end) = lo.pred()
            {
                out.push((start, end));
            }
            next = hi.succ();
        }
        if let Some(start) = next {
            out.push((start, T::MAX));
        }
        Self { ranges: out }
    }

    /// Difference `self \ other`.
    #[must_use]
    pub fn difference(&self, other: &Self) -> Self {
        if other.ranges.is_empty() || self.ranges.is_empty() {
            return self.clone();
        }
        self.intersection(&other.complement())
    }

    /// Whether the sets share a value.
    #[must_use]
    pub fn intersects(&self, other: &Self) -> bool {
        let (mut i, mut j) = (0usize, 0usize);
        while let (Some(&(a0, a1)), Some(&(b0, b1))) = (self.ranges.get(i), other.ranges.get(j)) {
            if a0.max(b0) <= a1.min(b1) {
                return true;
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }
}

/// Merges sorted intervals that overlap or touch.
fn coalesce<T: Point>(sorted: Vec<(T, T)>) -> Vec<(T, T)> {
    let mut out: Vec<(T, T)> = Vec::with_capacity(sorted.len());
    for (lo, hi) in sorted {
        if let Some(last) = out.last_mut() {
            let touches = last.1 >= lo || last.1.succ() == Some(lo);
            if touches {
                if hi > last.1 {
                    last.1 = hi;
                }
                continue;
            }
        }
        out.push((lo, hi));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn set(r: &[(u16, u16)]) -> Intervals<u16> {
        Intervals::from_ranges(r.iter().copied())
    }

    #[test]
    fn from_ranges_merges_overlapping_and_adjacent() {
        assert_eq!(set(&[(5, 9), (1, 3), (4, 4), (20, 30), (25, 26)]).ranges(), &[(1, 9), (20, 30)]);
        assert!(set(&[(9, 5)]).is_empty());
    }

    #[test]
    fn union_intersection_difference() {
        let a = set(&[(1, 10), (20, 30)]);
        let b = set(&[(5, 25), (40, 40)]);
        assert_eq!(a.union(&b).ranges(), &[(1, 30), (40, 40)]);
        assert_eq!(a.intersection(&b).ranges(), &[(5, 10), (20, 25)]);
        assert_eq!(a.difference(&b).ranges(), &[(1, 4), (26, 30)]);
        assert_eq!(b.difference(&a).ranges(), &[(11, 19), (40, 40)]);
        assert!(a.intersects(&b));
        assert!(!set(&[(1, 2)]).intersects(&set(&[(3, 4)])));
    }

    #[test]
    fn complement_at_the_edges() {
        assert_eq!(Intervals::<u16>::full().complement().ranges(), &[]);
        assert_eq!(Intervals::<u16>::empty().complement().ranges(), &[(0, u16::MAX)]);
        assert_eq!(set(&[(0, 5), (65530, 65535)]).complement().ranges(), &[(6, 65529)]);
        let v6 = Intervals::<u128>::range(0, u128::MAX);
        assert!(v6.complement().is_empty());
    }

    #[test]
    fn contains() {
        let a = set(&[(1, 10), (20, 30)]);
        assert!(a.contains(1) && a.contains(10) && a.contains(25));
        assert!(!a.contains(0) && !a.contains(11) && !a.contains(31));
        assert!(a.contains_range(21, 29));
        assert!(!a.contains_range(9, 21));
    }

    #[test]
    fn matches_a_bitmap_model() {
        // exhaustive check on a small domain slice against a boolean model
        let xs = [set(&[(1, 3), (7, 9)]), set(&[(2, 8)]), set(&[]), set(&[(0, 0), (10, 12)]), set(&[(4, 6), (9, 11)])];
        for a in &xs {
            for b in &xs {
                for v in 0u16..15 {
                    assert_eq!(a.union(b).contains(v), a.contains(v) || b.contains(v));
                    assert_eq!(a.intersection(b).contains(v), a.contains(v) && b.contains(v));
                    assert_eq!(a.difference(b).contains(v), a.contains(v) && !b.contains(v));
                }
                assert_eq!(a.intersects(b), !a.intersection(b).is_empty());
            }
        }
    }
}

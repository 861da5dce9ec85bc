//! netpol-analyzer's connlist text format.
//!
//! netpol-analyzer cuts the external address space at every boundary of the ipBlocks of the
//! policies (those of ingress rules for sources, those of egress rules for destinations) and
//! prints one line per piece; the canonical list merges adjacent pieces with identical
//! connectivity per endpoint. To print what netpol-analyzer prints, each external range is
//! cut again at every boundary that some range on the same side has. This recovers every
//! boundary that makes a difference to at least one endpoint; a boundary that makes a
//! difference to none (two ipBlocks that touch and always appear together, such as
//! `50.0.0.0/8` and `51.0.0.0/28` in one rule) is gone from the canonical list, so there
//! netpol-analyzer prints two lines where this prints one.

use crate::engine::{Connectivity, ProtocolPort};
use crate::sorted::CompactSort;
use std::collections::BTreeSet;
use std::ops::Bound;

use super::{Pair, connections_text, external_range, one_line, pairs};
use crate::engine::intervals::Point;
use crate::engine::ipset::IpRange;

/// With `focus`, netpol-analyzer's focused form: a `Permitted connections on PROTO PORT:`
/// header and the pairs without their connections (every one is on that port).
pub(super) fn render(analysis: &Connectivity, focus: Option<ProtocolPort>) -> String {
    let pairs = pairs(analysis);
    let mut source_cuts = Cuts::default();
    let mut destination_cuts = Cuts::default();
    for pair in &pairs {
        if let Some(range) = external_range(pair.src) {
            source_cuts.add(range);
        }
        if let Some(range) = external_range(pair.dst) {
            destination_cuts.add(range);
        }
    }
    let mut lines = Vec::new();
    for Pair { src, dst, ports } in &pairs {
        let conns = match focus {
            None => format!(" : {}", connections_text(ports)),
            Some(_) => String::new(),
        };
        let (src, dst) = (one_line(src), one_line(dst));
        if let Some(range) = external_range(&src) {
            for piece in source_cuts.split(range) {
                lines.push(format!("{piece}[External] => {dst}{conns}"));
            }
        } else if let Some(range) = external_range(&dst) {
            for piece in destination_cuts.split(range) {
                lines.push(format!("{src} => {piece}[External]{conns}"));
            }
        } else {
            lines.push(format!("{src} => {dst}{conns}"));
        }
    }
    lines.sort_compact();
    let header = focus.map(|on| format!("Permitted connections on {} {}:\n", on.protocol, on.port));
    header.into_iter().chain(lines.into_iter().map(|line| line + "\n")).collect()
}

/// Where pieces of the address space start, per family.
#[derive(Default)]
struct Cuts {
    v4: BTreeSet<u32>,
    v6: BTreeSet<u128>,
}

impl Cuts {
    fn add(&mut self, range: IpRange) {
        match range {
            IpRange::V4(first, last) => add_cut(&mut self.v4, first, last),
            IpRange::V6(first, last) => add_cut(&mut self.v6, first, last),
        }
    }

    /// `range` cut at every boundary inside it.
    fn split(&self, range: IpRange) -> Vec<IpRange> {
        match range {
            IpRange::V4(first, last) => split(&self.v4, first, last).map(|(a, b)| IpRange::V4(a, b)).collect(),
            IpRange::V6(first, last) => split(&self.v6, first, last).map(|(a, b)| IpRange::V6(a, b)).collect(),
        }
    }
}

fn add_cut<T: Point>(cuts: &mut BTreeSet<T>, first: T, last: T) {
    cuts.insert(first);
    if let Some(next) = last.succ() {
        cuts.insert(next);
    }
}

fn split<T: Point>(cuts: &BTreeSet<T>, first: T, last: T) -> impl Iterator<Item = (T, T)> {
    let starts: Vec<T> =
        std::iter::once(first).chain(cuts.range((Bound::Excluded(first), Bound::Included(last))).copied()).collect();
    let ends: Vec<T> = starts.iter().skip(1).filter_map(|start| start.pred()).chain(std::iter::once(last)).collect();
    starts.into_iter().zip(ends)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn split_at_inner_cuts_only() {
        let cuts: BTreeSet<u32> = [0, 10, 20, 30].into_iter().collect();
        assert_eq!(split(&cuts, 5, 25).collect::<Vec<_>>(), vec![(5, 9), (10, 19), (20, 25)]);
        assert_eq!(split(&cuts, 10, 19).collect::<Vec<_>>(), vec![(10, 19)]);
        assert_eq!(split(&cuts, 0, u32::MAX).collect::<Vec<_>>(), vec![(0, 9), (10, 19), (20, 29), (30, u32::MAX)]);
    }

    #[test]
    fn cut_after_the_last_address_is_not_added() {
        let mut cuts = BTreeSet::new();
        add_cut(&mut cuts, 7u16, u16::MAX);
        assert_eq!(cuts.into_iter().collect::<Vec<_>>(), vec![7]);
    }
}

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

use crate::engine::{ConnectionRecord, Connectivity, PortSet, ProtocolPort};
use crate::sorted::CompactSort;
use std::collections::{BTreeSet, HashMap};
use std::hash::Hasher;
use std::ops::Bound;

use super::{connections_text, external_range, one_line};
use crate::engine::intervals::Point;
use crate::engine::ipset::IpRange;

/// With `focus`, netpol-analyzer's focused form: a `Permitted connections on PROTO PORT:`
/// header and the pairs without their connections (every one is on that port).
///
/// Lines are sorted as strings (netpol-analyzer's order) without being made first: every
/// endpoint text and external piece is interned once and ranked twice — as a source (its text
/// followed by ` => `) and as a destination (followed by ` : `, or nothing in the focused form)
/// — and lines are sorted by (source rank, destination rank, connections text). That is the
/// order of the whole lines whenever no text holds a space (names and ranges never do): two
/// keys then differ inside both, or are equal. With a space somewhere the lines are made and
/// sorted as strings.
pub(super) fn render(analysis: &Connectivity, focus: Option<ProtocolPort>) -> String {
    let mut texts = Texts::default();
    // the records in the canonical order (as every analysis gives them), so that a pair is a
    // run of records: its connections are interned by the run's protocols and ports
    let sorted: Vec<ConnectionRecord>;
    let runs = match pair_runs(&analysis.connections) {
        Some(runs) => runs,
        None => {
            sorted = {
                let mut copy = analysis.connections.clone();
                crate::engine::sort_canonical(&mut copy);
                copy
            };
            pair_runs(&sorted).unwrap_or_default()
        }
    };
    // one (source, destination, connections) per pair, as ids into `texts`
    let mut pairs: Vec<Line> = Vec::with_capacity(runs.len());
    for run in runs {
        let Some(first) = run.first() else { continue };
        let conns = if focus.is_some() { 0 } else { texts.run_connections(run) };
        pairs.push(Line { src: texts.name(&first.src), dst: texts.name(&first.dst), conns });
    }
    let mut source_cuts = Cuts::default();
    let mut destination_cuts = Cuts::default();
    for pair in &pairs {
        if let Some(range) = texts.external(pair.src) {
            source_cuts.add(range);
        }
        if let Some(range) = texts.external(pair.dst) {
            destination_cuts.add(range);
        }
    }
    let mut lines: Vec<Line> = Vec::with_capacity(pairs.len());
    for &Line { src, dst, conns } in &pairs {
        if let Some(range) = texts.external(src) {
            for piece in source_cuts.split(range) {
                lines.push(Line { src: texts.piece(piece), dst, conns });
            }
        } else if let Some(range) = texts.external(dst) {
            for piece in destination_cuts.split(range) {
                lines.push(Line { src, dst: texts.piece(piece), conns });
            }
        } else {
            lines.push(Line { src, dst, conns });
        }
    }
    drop(pairs);
    let conns_sep = if focus.is_some() { "" } else { " : " };
    let mut out = String::new();
    if let Some(on) = focus {
        out.push_str(&format!("Permitted connections on {} {}:\n", on.protocol, on.port));
    }
    if texts.names.iter().any(|name| name.contains(' ')) {
        let mut made: Vec<String> = lines.iter().map(|line| texts.line(line, conns_sep)).collect();
        made.sort_compact();
        for line in made {
            out.push_str(&line);
            out.push('\n');
        }
        return out;
    }
    let as_source = ranks(&texts.names, " => ");
    let as_destination = ranks(&texts.names, conns_sep);
    let by_text = ranks(&texts.conns, "");
    let rank = |ranks: &[u32], id: u32| usize::try_from(id).ok().and_then(|i| ranks.get(i)).copied().unwrap_or(0);
    // each line's place as one integer: source rank, destination rank, connections rank
    let key = |line: &Line| {
        (u128::from(rank(&as_source, line.src)) << 64)
            | (u128::from(rank(&as_destination, line.dst)) << 32)
            | u128::from(rank(&by_text, line.conns))
    };
    let mut keyed: Vec<(u128, Line)> = lines.iter().map(|line| (key(line), *line)).collect();
    drop(lines);
    keyed.sort_unstable_by_key(|(key, _)| *key);
    out.reserve(keyed.len() * 64);
    for (_, line) in &keyed {
        out.push_str(texts.name_text(line.src));
        out.push_str(" => ");
        out.push_str(texts.name_text(line.dst));
        if focus.is_none() {
            out.push_str(" : ");
            out.push_str(texts.conns_text(line.conns));
        }
        out.push('\n');
    }
    out
}

/// The records of each `(src, dst)` pair, in order, when the list is in the canonical order
/// (a pair's records adjacent); `None` otherwise.
fn pair_runs(records: &[ConnectionRecord]) -> Option<Vec<&[ConnectionRecord]>> {
    fn key(r: &ConnectionRecord) -> (&str, &str) {
        (r.src.as_str(), r.dst.as_str())
    }
    let mut runs = Vec::new();
    let mut rest = records;
    let mut previous: Option<(&str, &str)> = None;
    while let Some(first) = rest.first() {
        let pair = key(first);
        // equal pairs apart, or out of order
        if previous.is_some_and(|p| p >= pair) {
            return None;
        }
        let length = rest.iter().position(|r| key(r) != pair).unwrap_or(rest.len());
        let (run, after) = rest.split_at(length);
        runs.push(run);
        rest = after;
        previous = Some(pair);
    }
    Some(runs)
}

type FxMap<K, V> = HashMap<K, V, crate::hashing::FxBuild>;

/// One line to print, as ids into [`Texts`].
#[derive(Clone, Copy)]
struct Line {
    src: u32,
    dst: u32,
    conns: u32,
}

/// The texts lines are made of, each made once: endpoint names (one line each), external
/// pieces (`first-last[External]`), connection texts. Names are found by their address: the
/// records of an analysis share each name's text, and a name met at two addresses is two
/// entries with equal text (ranked equal).
#[derive(Default)]
struct Texts<'a> {
    names: Vec<String>,
    /// Each name's external range, when it is one (pieces are not cut again).
    ranges: Vec<Option<IpRange>>,
    name_ids: FxMap<(usize, usize), u32>,
    piece_ids: HashMap<IpRange, u32>,
    conns: Vec<String>,
    /// Connection texts by a hash of a run's protocols and ports: (a run that has it, id).
    run_ids: FxMap<u64, Vec<(&'a [ConnectionRecord], u32)>>,
}

impl<'a> Texts<'a> {
    fn name(&mut self, name: &'a str) -> u32 {
        let key = (name.as_ptr() as usize, name.len());
        if let Some(&id) = self.name_ids.get(&key) {
            return id;
        }
        self.ranges.push(external_range(name));
        let id = intern(&mut self.names, one_line(name).into_owned());
        self.name_ids.insert(key, id);
        id
    }

    fn external(&self, id: u32) -> Option<IpRange> {
        usize::try_from(id).ok().and_then(|i| self.ranges.get(i)).copied().flatten()
    }

    fn piece(&mut self, piece: IpRange) -> u32 {
        if let Some(&id) = self.piece_ids.get(&piece) {
            return id;
        }
        self.ranges.push(None);
        let id = intern(&mut self.names, format!("{piece}[External]"));
        self.piece_ids.insert(piece, id);
        id
    }

    /// The connections of a pair's records (one per protocol, in order).
    fn run_connections(&mut self, run: &'a [ConnectionRecord]) -> u32 {
        let same = |a: &[ConnectionRecord], b: &[ConnectionRecord]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.protocol == y.protocol && *x.ports == *y.ports)
        };
        let mut hasher = crate::hashing::FxHasher::default();
        for record in run {
            hasher.write_u8(record.protocol as u8);
            for &[from, to] in record.ports.iter() {
                hasher.write_u32(u32::from(from) << 16 | u32::from(to));
            }
        }
        let hash = hasher.finish();
        let bucket = self.run_ids.entry(hash).or_default();
        if let Some(&(_, id)) = bucket.iter().find(|(seen, _)| same(seen, run)) {
            return id;
        }
        let mut ports = PortSet::default();
        for record in run {
            ports.add(record.protocol, &super::port_ranges(&record.ports));
        }
        let id = intern(&mut self.conns, connections_text(&ports));
        bucket.push((run, id));
        id
    }

    fn name_text(&self, id: u32) -> &str {
        usize::try_from(id).ok().and_then(|i| self.names.get(i)).map_or("", String::as_str)
    }

    fn conns_text(&self, id: u32) -> &str {
        usize::try_from(id).ok().and_then(|i| self.conns.get(i)).map_or("", String::as_str)
    }

    fn line(&self, line: &Line, conns_sep: &str) -> String {
        let conns = if conns_sep.is_empty() { "" } else { self.conns_text(line.conns) };
        format!("{} => {}{conns_sep}{conns}", self.name_text(line.src), self.name_text(line.dst))
    }
}

fn intern(texts: &mut Vec<String>, text: String) -> u32 {
    texts.push(text);
    u32::try_from(texts.len() - 1).unwrap_or(u32::MAX)
}

/// Each text's rank in the order of `text + suffix` (equal keys, equal ranks).
fn ranks(texts: &[String], suffix: &str) -> Vec<u32> {
    let key = |i: usize| texts.get(i).map_or("", String::as_str).bytes().chain(suffix.bytes());
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
    let mut ranks = vec![0u32; texts.len()];
    let mut rank = 0u32;
    for (at, &i) in order.iter().enumerate() {
        if at > 0 && order.get(at - 1).is_some_and(|&before| key(before).ne(key(i))) {
            rank += 1;
        }
        if let Some(slot) = ranks.get_mut(i) {
            *slot = rank;
        }
    }
    ranks
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

    /// The lines made, then sorted as strings: what `render` must print.
    fn made_and_sorted(analysis: &Connectivity) -> String {
        let mut lines: Vec<String> = Vec::new();
        let pairs = super::super::pairs(analysis);
        let mut cuts = (Cuts::default(), Cuts::default());
        for pair in &pairs {
            external_range(pair.src).into_iter().for_each(|r| cuts.0.add(r));
            external_range(pair.dst).into_iter().for_each(|r| cuts.1.add(r));
        }
        for super::super::Pair { src, dst, ports } in &pairs {
            let conns = connections_text(ports);
            let (src, dst) = (one_line(src), one_line(dst));
            if let Some(range) = external_range(&src) {
                lines.extend(cuts.0.split(range).into_iter().map(|p| format!("{p}[External] => {dst} : {conns}")));
            } else if let Some(range) = external_range(&dst) {
                lines.extend(cuts.1.split(range).into_iter().map(|p| format!("{src} => {p}[External] : {conns}")));
            } else {
                lines.push(format!("{src} => {dst} : {conns}"));
            }
        }
        lines.sort();
        lines.into_iter().map(|l| l + "\n").collect()
    }

    fn record(
        src: &str,
        dst: &str,
        protocol: crate::model::Protocol,
        ports: &[[u16; 2]],
    ) -> crate::engine::ConnectionRecord {
        crate::engine::ConnectionRecord { src: src.into(), dst: dst.into(), protocol, ports: ports.to_vec() }
    }

    #[test]
    fn ranked_order_is_the_order_of_the_whole_lines() {
        use crate::model::Protocol::{Sctp, Tcp, Udp};
        // names that share prefixes, sort differently with their separators, and external
        // ranges cut differently on each side
        let names = [
            "a/b[Pod]",
            "a/b",
            "a/b-c",
            "a/b-c[Pod]",
            "a/b[Deployment]",
            "a/bc[Pod]",
            "a-b/c[Pod]",
            "ab/c[Pod]",
            "a/b\tx[Pod]",
        ];
        let externals = ["0.0.0.0-9.255.255.255", "10.0.0.0-10.0.0.255", "0.0.0.0-255.255.255.255"];
        let mut records = Vec::new();
        for (i, src) in names.iter().enumerate() {
            for (j, dst) in names.iter().enumerate() {
                let protocol = [Tcp, Udp, Sctp][(i + j) % 3];
                let port = u16::try_from(80 + i * 7 + j).unwrap();
                records.push(record(src, dst, protocol, &[[port, port]]));
                if (i + j) % 4 == 0 {
                    records.push(record(src, dst, Tcp, &[[1, 65535]]));
                }
            }
            records.push(record(externals[i % 3], src, Tcp, &[[443, 443]]));
            records.push(record(src, externals[(i + 1) % 3], Udp, &[[53, 53]]));
        }
        records.sort_by(|a, b| {
            (a.src.as_str(), a.dst.as_str(), a.protocol.as_str()).cmp(&(
                b.src.as_str(),
                b.dst.as_str(),
                b.protocol.as_str(),
            ))
        });
        records.dedup_by(|a, b| a.src == b.src && a.dst == b.dst && a.protocol == b.protocol);
        let analysis = Connectivity { connections: records, endpoints: Vec::new() };
        assert_eq!(render(&analysis, None), made_and_sorted(&analysis));
        // records out of the canonical order are grouped by name first: the same text
        let mut reversed = analysis.clone();
        reversed.connections.reverse();
        assert!(pair_runs(&reversed.connections).is_none());
        assert_eq!(render(&reversed, None), render(&analysis, None));
        // names shared by their records (as an analysis makes them) are found by address
        let mut shared = analysis.clone();
        let mut seen: HashMap<String, crate::engine::EndpointName> = HashMap::new();
        for record in &mut shared.connections {
            record.src = seen.entry(record.src.to_string()).or_insert_with(|| record.src.clone()).clone();
            record.dst = seen.entry(record.dst.to_string()).or_insert_with(|| record.dst.clone()).clone();
        }
        assert_eq!(render(&shared, None), render(&analysis, None));
        // a name with a space takes the made-and-sorted path: the same lines either way
        let mut spaced = analysis.clone();
        spaced.connections.push(record("a/b c[Pod]", "a/b[Pod]", Tcp, &[[1, 1]]));
        spaced.connections.sort_by(|a, b| {
            (a.src.as_str(), a.dst.as_str(), a.protocol.as_str()).cmp(&(
                b.src.as_str(),
                b.dst.as_str(),
                b.protocol.as_str(),
            ))
        });
        assert_eq!(render(&spaced, None), made_and_sorted(&spaced));
    }

    #[test]
    fn cut_after_the_last_address_is_not_added() {
        let mut cuts = BTreeSet::new();
        add_cut(&mut cuts, 7u16, u16::MAX);
        assert_eq!(cuts.into_iter().collect::<Vec<_>>(), vec![7]);
    }
}

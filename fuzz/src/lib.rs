//! Helpers shared by the fuzz targets (`fuzz_targets/`). Each target calls netfence's public
//! API, so a module moving inside the core changes one `use` line of a target.

use std::io::{BufRead, Read};

/// Splits fuzz input into a selector byte and the rest.
#[must_use]
pub fn selector(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (*first, rest),
        None => (0, data),
    }
}

/// A reader that hands out `data` at most `chunk` bytes per `fill_buf`, as a file, a pipe or a
/// decompressor may: lines are split across reads anywhere.
pub struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl<'a> Chunked<'a> {
    /// `data`, `chunk` (at least 1) bytes at a time.
    #[must_use]
    pub fn new(data: &'a [u8], chunk: usize) -> Self {
        Self { data, chunk: chunk.max(1) }
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.fill_buf()?.len().min(out.len());
        if let (Some(to), Some(from)) = (out.get_mut(..n), self.data.get(..n)) {
            to.copy_from_slice(from);
        }
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Chunked<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(self.data.get(..self.chunk.min(self.data.len())).unwrap_or_default())
    }

    fn consume(&mut self, amount: usize) {
        self.data = self.data.get(amount..).unwrap_or_default();
    }
}

/// The documents of a multi-document YAML text, split at `---` lines (each piece one or more
/// whole documents), or `None` when the text has directives (`%YAML`), which belong to the
/// document after them and so cannot move with a piece.
#[must_use]
pub fn document_pieces(text: &str) -> Option<Vec<&str>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare.starts_with('%') {
            return None;
        }
        if bare.starts_with("---") && offset > start {
            pieces.push(text.get(start..offset)?);
            start = offset;
        }
        offset += line.len();
    }
    if offset > start {
        pieces.push(text.get(start..)?);
    }
    Some(pieces)
}

/// A permutation of `0..n` drawn from `seed` (a fixed function of the input, so a crash
/// reproduces).
#[must_use]
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = usize::try_from(next() % (i as u64 + 1)).unwrap_or(0);
        order.swap(i, j);
    }
    order
}

/// A seed from the bytes of the input.
#[must_use]
pub fn seed_of(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Whether two documents of `pieces` (or items of a list) define the same object (kind,
/// namespace, name): a cluster cannot hold both, so which one counts may depend on their order.
#[must_use]
pub fn duplicate_objects(pieces: &[&str]) -> bool {
    use netfence::source::{ParseOptions, parse_text};
    use netfence::source::Node;
    fn key(node: &Node) -> (String, String, String) {
        let text = |n: Option<&Node>| n.and_then(Node::as_str).unwrap_or_default().to_owned();
        let metadata = node.get("metadata");
        let name = text(metadata.and_then(|m| m.get("name")));
        let namespace = text(metadata.and_then(|m| m.get("namespace")));
        (text(node.get("kind")), namespace, name)
    }
    let mut seen = std::collections::BTreeSet::new();
    for piece in pieces {
        let Ok(parsed) = parse_text(piece, "piece.yaml", &ParseOptions::default()) else { continue };
        for document in &parsed.documents {
            let items = match document.root.get("items").map(|n| &n.value) {
                Some(netfence::source::Value::Seq(items)) => items.iter().collect(),
                _ => vec![&document.root],
            };
            for item in items {
                if !seen.insert(key(item)) {
                    return true;
                }
            }
        }
    }
    false
}

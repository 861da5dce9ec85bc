//! "Did you mean" suggestions: the closest known word by edit distance.

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), on
/// lowercased characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let left = current.last().copied().unwrap_or(usize::MAX).saturating_add(1);
            let up = previous.get(j + 1).copied().unwrap_or(usize::MAX).saturating_add(1);
            let diagonal = previous.get(j).copied().unwrap_or(usize::MAX).saturating_add(cost);
            let mut best = left.min(up).min(diagonal);
            let transposed = i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca);
            if transposed {
                best = best.min(before.get(j - 1).copied().unwrap_or(usize::MAX).saturating_add(1));
            }
            current.push(best);
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous.last().copied().unwrap_or(usize::MAX)
}

/// The candidate closest to `input`: an exact case-insensitive match first, then the nearest
/// by [`distance`] within a bound that grows with the word's length. Ties go to the first.
pub(crate) fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if let Some(exact) = candidates.iter().find(|c| c.eq_ignore_ascii_case(input)) {
        return Some(exact);
    }
    let bound = match input.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    };
    candidates
        .iter()
        .map(|c| (distance(input, c), *c))
        .filter(|(d, _)| *d <= bound)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("ingres", "ingress"), 1);
        assert_eq!(distance("form", "from"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("TCP", "tcp"), 0);
    }

    #[test]
    fn closest_words() {
        let fields = ["podSelector", "namespaceSelector", "ipBlock"];
        assert_eq!(closest("namespaceSelecter", fields), Some("namespaceSelector"));
        assert_eq!(closest("podselector", fields), Some("podSelector"));
        assert_eq!(closest("zzz", fields), None);
        assert_eq!(closest("ingres", ["ingress", "egress"]), Some("ingress"));
    }
}

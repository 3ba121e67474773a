//! A compact set of entry seqs (sorted inclusive ranges), for provenance: batch imports give
//! long runs of consecutive seqs, which cost one range each.

use crate::model::Seq;
use serde::{Serialize, Serializer};

/// A set of seqs kept as sorted, disjoint, non-adjacent inclusive ranges.
///
/// Serialises as a list of `[from, to]` pairs (`[[3, 3], [7, 12]]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeqSet {
    ranges: Vec<(Seq, Seq)>,
}

impl SeqSet {
    /// The empty set.
    #[must_use]
    pub fn new() -> SeqSet {
        SeqSet::default()
    }

    /// A set of the given seqs.
    #[must_use]
    pub fn of(seqs: impl IntoIterator<Item = Seq>) -> SeqSet {
        let mut s = SeqSet::new();
        for q in seqs {
            s.insert(q);
        }
        s
    }

    /// Adds a seq.
    pub fn insert(&mut self, s: Seq) {
        // First range that ends at s − 1 or later.
        let i = self
            .ranges
            .partition_point(|&(_, b)| b.saturating_add(1) < s);
        let next_start = self.ranges.get(i + 1).map(|r| r.0);
        match self.ranges.get_mut(i) {
            None => self.ranges.push((s, s)),
            Some(r) if r.0 <= s && s <= r.1 => {}
            Some(r) if r.1.saturating_add(1) == s => {
                r.1 = s;
                if next_start == Some(s.saturating_add(1)) {
                    let next_end = self.ranges.get(i + 1).map_or(s, |n| n.1);
                    if let Some(r) = self.ranges.get_mut(i) {
                        r.1 = next_end;
                    }
                    self.ranges.remove(i + 1);
                }
            }
            Some(r) if s.saturating_add(1) == r.0 => r.0 = s,
            Some(_) => self.ranges.insert(i, (s, s)),
        }
    }

    /// Removes a seq.
    pub fn remove(&mut self, s: Seq) {
        let i = self.ranges.partition_point(|&(_, b)| b < s);
        let Some(&(a, b)) = self.ranges.get(i) else {
            return;
        };
        if s < a {
            return;
        }
        match (a == s, b == s) {
            (true, true) => {
                self.ranges.remove(i);
            }
            (true, false) => {
                if let Some(r) = self.ranges.get_mut(i) {
                    r.0 = s + 1;
                }
            }
            (false, true) => {
                if let Some(r) = self.ranges.get_mut(i) {
                    r.1 = s - 1;
                }
            }
            (false, false) => {
                if let Some(r) = self.ranges.get_mut(i) {
                    r.1 = s - 1;
                }
                self.ranges.insert(i + 1, (s + 1, b));
            }
        }
    }

    /// Adds every seq of `other`: one merge of the two sorted range lists, linear in their
    /// lengths (appending a later run is the common case and costs one push).
    pub fn extend(&mut self, other: &SeqSet) {
        if other.ranges.is_empty() {
            return;
        }
        let first = other.ranges[0].0;
        if self
            .ranges
            .last()
            .is_none_or(|l| l.1.saturating_add(1) < first)
        {
            self.ranges.extend_from_slice(&other.ranges);
            return;
        }
        let mine = std::mem::take(&mut self.ranges);
        let mut merged: Vec<(Seq, Seq)> = Vec::with_capacity(mine.len() + other.ranges.len());
        let (mut i, mut j) = (0, 0);
        while i < mine.len() || j < other.ranges.len() {
            let next = match (mine.get(i), other.ranges.get(j)) {
                (Some(&a), Some(&b)) if a.0 <= b.0 => {
                    i += 1;
                    a
                }
                (_, Some(&b)) => {
                    j += 1;
                    b
                }
                (Some(&a), None) => {
                    i += 1;
                    a
                }
                (None, None) => break,
            };
            match merged.last_mut() {
                Some(l) if next.0 <= l.1.saturating_add(1) => l.1 = l.1.max(next.1),
                _ => merged.push(next),
            }
        }
        self.ranges = merged;
    }

    /// Is `s` in the set?
    #[must_use]
    pub fn contains(&self, s: Seq) -> bool {
        let i = self.ranges.partition_point(|&(_, b)| b < s);
        self.ranges.get(i).is_some_and(|&(a, _)| a <= s)
    }

    /// Number of seqs.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|(a, b)| b - a + 1).sum()
    }

    /// Is the set empty?
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The ranges, ascending.
    #[must_use]
    pub fn ranges(&self) -> &[(Seq, Seq)] {
        &self.ranges
    }

    /// Every seq, ascending.
    pub fn iter(&self) -> impl Iterator<Item = Seq> + '_ {
        self.ranges.iter().flat_map(|&(a, b)| a..=b)
    }
}

impl Serialize for SeqSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.ranges.iter().map(|&(a, b)| [a, b]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn matches_a_btreeset_model() {
        // A fixed pseudo-random walk of inserts and removes.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut set = SeqSet::new();
        let mut model = BTreeSet::new();
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s = 1 + x % 200;
            if x.is_multiple_of(3) {
                set.remove(s);
                model.remove(&s);
            } else {
                set.insert(s);
                model.insert(s);
            }
            assert_eq!(
                set.iter().collect::<Vec<_>>(),
                model.iter().copied().collect::<Vec<_>>()
            );
            assert!(set.ranges().windows(2).all(|w| w[0].1 + 1 < w[1].0));
        }
        assert_eq!(set.len(), model.len() as u64);
        let mut other = SeqSet::of([500, 501, 3]);
        other.extend(&set);
        assert!(other.contains(501) && other.contains(3));
    }

    #[test]
    fn extend_is_the_union() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..300 {
            let a: BTreeSet<u64> = (0..next() % 40).map(|_| 1 + next() % 120).collect();
            let b: BTreeSet<u64> = (0..next() % 40).map(|_| 1 + next() % 120).collect();
            let mut set = SeqSet::of(a.iter().copied());
            set.extend(&SeqSet::of(b.iter().copied()));
            let union: Vec<u64> = a.union(&b).copied().collect();
            assert_eq!(set.iter().collect::<Vec<_>>(), union);
            assert!(set.ranges().windows(2).all(|w| w[0].1 + 1 < w[1].0));
            assert_eq!(set, SeqSet::of(union));
        }
    }

    #[test]
    fn consecutive_runs_are_one_range_and_serialise_as_pairs() {
        let s = SeqSet::of([5, 6, 7, 9, 8, 20]);
        assert_eq!(s.ranges(), &[(5, 9), (20, 20)]);
        assert_eq!(serde_json::to_string(&s).unwrap(), "[[5,9],[20,20]]");
    }
}

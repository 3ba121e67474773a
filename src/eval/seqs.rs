//! A compact exact set of entry seqs, for provenance: which entries a figure comes from.
//!
//! Owns: the representation of those sets and their set operations. Must not: know what the
//! seqs stand for (that is replay and scoring), or ever approximate a set.
//!
//! Backed by a roaring bitmap: seqs are grouped in chunks of 2^16; each chunk holds a sorted
//! array of its members (2 bytes each, up to 4096 of them), a bitmap of 8 KiB, or runs,
//! whichever is smaller. Payments of several budget lines interleaved over a million entries
//! cost about 16 bitmaps per line instead of one range per payment, a batch import's run of
//! consecutive seqs costs a few bytes per chunk, and unions are linear in the chunks.

use crate::model::Seq;
use roaring::RoaringTreemap;
use serde::{Serialize, Serializer};

/// A set of seqs.
///
/// Serialises as a list of inclusive `[from, to]` ranges, sorted, disjoint and
/// non-adjacent (`[[3, 3], [7, 12]]`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SeqSet {
    set: RoaringTreemap,
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
        // Seqs mostly come in ascending order (replay): appending skips the searches.
        if self.set.try_push(s).is_err() {
            self.set.insert(s);
        }
    }

    /// Adds every seq of `from..=to` (nothing if `from > to`).
    pub fn insert_range(&mut self, from: Seq, to: Seq) {
        if from <= to {
            self.set.insert_range(from..=to);
        }
    }

    /// Removes a seq.
    pub fn remove(&mut self, s: Seq) {
        self.set.remove(s);
    }

    /// Adds every seq of `other`: a union, linear in the chunks of the two sets.
    pub fn extend(&mut self, other: &SeqSet) {
        self.set |= &other.set;
    }

    /// The union of many sets at once: linear in their chunks, without the intermediate
    /// unions that extending one set by each in turn builds (and copies) again and again.
    #[must_use]
    pub fn union_of<'a>(sets: impl IntoIterator<Item = &'a SeqSet>) -> SeqSet {
        use roaring::MultiOps;
        SeqSet {
            set: sets.into_iter().map(|s| &s.set).union(),
        }
    }

    /// The set's canonical bytes (docs/FORMAT.md §11.2): for each chunk of 2^16 seqs that has
    /// members, in order, its high 32 bits (u32 LE) and its bitmap in the roaring portable
    /// format with every container an array (up to 4096 members) or a bitmap (more), never
    /// runs, so that equal sets have equal bytes whatever operations built them.
    #[must_use]
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (hi, bitmap) in self.set.bitmaps() {
            if bitmap.is_empty() {
                continue;
            }
            let mut b = bitmap.clone();
            b.remove_run_compression();
            out.extend_from_slice(&hi.to_le_bytes());
            out.extend_from_slice(&(b.serialized_size() as u64).to_le_bytes());
            // Writing to a Vec cannot fail.
            let _ = b.serialize_into(&mut out);
        }
        out
    }

    /// The set whose [`SeqSet::canonical_bytes`] are `bytes`; `None` for bytes that are not
    /// the canonical form of any set.
    #[must_use]
    pub fn from_canonical_bytes(bytes: &[u8]) -> Option<SeqSet> {
        let mut rest = bytes;
        let mut chunks = Vec::new();
        let mut last: Option<u32> = None;
        while !rest.is_empty() {
            let hi = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
            let len = u64::from_le_bytes(rest.get(4..12)?.try_into().ok()?);
            let len = usize::try_from(len).ok()?;
            let body = rest.get(12..12usize.checked_add(len)?)?;
            rest = &rest[12 + len..];
            if last.is_some_and(|l| l >= hi) {
                return None;
            }
            last = Some(hi);
            let bitmap = roaring::RoaringBitmap::deserialize_from(body).ok()?;
            if bitmap.is_empty() {
                return None;
            }
            chunks.push((hi, bitmap));
        }
        let set = SeqSet {
            set: RoaringTreemap::from_bitmaps(chunks),
        };
        // Canonical: re-encoding gives the same bytes (no runs, no other container choice).
        (set.canonical_bytes() == bytes).then_some(set)
    }

    /// Removes every seq of `other`: a difference, linear in the chunks of the two sets.
    pub fn subtract(&mut self, other: &SeqSet) {
        self.set -= &other.set;
    }

    /// Stores each chunk in its smallest form (runs where runs are smaller), for a set that
    /// is kept after it is built.
    pub fn compact(&mut self) {
        self.set.optimize();
    }

    /// Is every seq of the set in `other`? Linear in the chunks of the two sets.
    #[must_use]
    pub fn is_subset(&self, other: &SeqSet) -> bool {
        self.set.is_subset(&other.set)
    }

    /// Do the two sets have no seq in common?
    #[must_use]
    pub fn is_disjoint(&self, other: &SeqSet) -> bool {
        self.set.is_disjoint(&other.set)
    }

    /// Is `s` in the set?
    #[must_use]
    pub fn contains(&self, s: Seq) -> bool {
        self.set.contains(s)
    }

    /// Number of seqs.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.set.len()
    }

    /// Is the set empty?
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The smallest seq.
    #[must_use]
    pub fn first(&self) -> Option<Seq> {
        self.set.min()
    }

    /// The largest seq.
    #[must_use]
    pub fn last(&self) -> Option<Seq> {
        self.set.max()
    }

    /// The seqs as inclusive ranges, ascending, disjoint and non-adjacent.
    pub fn ranges(&self) -> SeqRanges<'_> {
        SeqRanges {
            inner: self.set.iter(),
            pending: None,
        }
    }

    /// Every seq, ascending.
    pub fn iter(&self) -> impl Iterator<Item = Seq> + '_ {
        self.set.iter()
    }
}

/// The ranges of a [`SeqSet`], from [`SeqSet::ranges`].
pub struct SeqRanges<'a> {
    inner: roaring::treemap::Iter<'a>,
    pending: Option<(Seq, Seq)>,
}

impl Iterator for SeqRanges<'_> {
    type Item = (Seq, Seq);

    fn next(&mut self) -> Option<(Seq, Seq)> {
        let (a, mut b) = match self.pending.take() {
            Some(r) => r,
            None => {
                let q = self.inner.next()?;
                (q, q)
            }
        };
        for q in self.inner.by_ref() {
            if b.checked_add(1) == Some(q) {
                b = q;
            } else {
                self.pending = Some((q, q));
                break;
            }
        }
        Some((a, b))
    }
}

impl std::fmt::Debug for SeqSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.ranges().map(|(a, b)| a..=b))
            .finish()
    }
}

impl Serialize for SeqSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.ranges().map(|(a, b)| [a, b]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn model_ranges(m: &BTreeSet<u64>) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        for &q in m {
            match out.last_mut() {
                Some(l) if l.1 + 1 == q => l.1 = q,
                _ => out.push((q, q)),
            }
        }
        out
    }

    fn same(set: &SeqSet, model: &BTreeSet<u64>) {
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            model.iter().copied().collect::<Vec<_>>()
        );
        assert_eq!(set.ranges().collect::<Vec<_>>(), model_ranges(model));
        assert_eq!(set.len(), model.len() as u64);
        assert_eq!(set.is_empty(), model.is_empty());
        assert_eq!(set.first(), model.first().copied());
        assert_eq!(set.last(), model.last().copied());
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

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
            let r: Vec<_> = set.ranges().collect();
            assert!(r.windows(2).all(|w| w[0].1 + 1 < w[1].0));
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
            let union: BTreeSet<u64> = a.union(&b).copied().collect();
            same(&set, &union);
            assert_eq!(set, SeqSet::of(union));
        }
    }

    /// Inserts, removes, unions, differences, ranges and compaction over seqs spread across
    /// several chunks (dense runs, sparse scatter, and seqs past 2^32), against a model.
    #[test]
    fn random_operations_across_chunks_match_the_model() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        // Seq spaces: small, several 2^16 chunks, and a region past 2^32.
        let spaces: [(u64, u64); 3] = [(1, 300), (1, 300_000), ((1 << 32) - 70_000, 140_000)];
        for round in 0..36 {
            let (base, width) = spaces[round % spaces.len()];
            let pick = |r: &mut Rng| base + r.next() % width;
            let mut set = SeqSet::new();
            let mut model = BTreeSet::new();
            for _ in 0..250 {
                match rng.next() % 7 {
                    0 | 1 => {
                        let q = pick(&mut rng);
                        set.insert(q);
                        model.insert(q);
                    }
                    2 => {
                        // Remove a member half the time, else anything.
                        let q = if rng.next().is_multiple_of(2) && !model.is_empty() {
                            let i = rng.next() % model.len() as u64;
                            *model.iter().nth(i as usize).unwrap_or(&0)
                        } else {
                            pick(&mut rng)
                        };
                        set.remove(q);
                        model.remove(&q);
                    }
                    3 => {
                        let a = pick(&mut rng);
                        let b = a + rng.next() % 3000;
                        set.insert_range(a, b);
                        model.extend(a..=b);
                    }
                    4 => {
                        let other: BTreeSet<u64> =
                            (0..rng.next() % 50).map(|_| pick(&mut rng)).collect();
                        let o = SeqSet::of(other.iter().copied());
                        set.extend(&o);
                        model.extend(other);
                    }
                    5 => {
                        let a = pick(&mut rng);
                        let b = a + rng.next() % 2000;
                        let mut o = SeqSet::new();
                        o.insert_range(a, b);
                        set.subtract(&o);
                        model.retain(|q| *q < a || *q > b);
                    }
                    _ => set.compact(),
                }
                let q = pick(&mut rng);
                assert_eq!(set.contains(q), model.contains(&q));
            }
            same(&set, &model);
            let mut rebuilt = SeqSet::new();
            for (a, b) in set.ranges() {
                rebuilt.insert_range(a, b);
            }
            assert_eq!(rebuilt, set);
            let mut compacted = set.clone();
            compacted.compact();
            assert_eq!(compacted, set);
            same(&compacted, &model);
        }
    }

    #[test]
    fn interleaved_lines_union_to_every_seq() {
        // Five lines' payments interleaved: each line's set is scattered, their union is one run.
        let lines: Vec<SeqSet> = (0..5u64)
            .map(|l| SeqSet::of((1..=200_000u64).filter(|q| q % 5 == l)))
            .collect();
        let mut all = SeqSet::new();
        for l in &lines {
            all.extend(l);
        }
        assert_eq!(all.len(), 200_000);
        assert_eq!(all.ranges().collect::<Vec<_>>(), vec![(1, 200_000)]);
        for l in &lines {
            all.subtract(l);
        }
        assert!(all.is_empty());
    }

    #[test]
    fn consecutive_runs_are_one_range_and_serialise_as_pairs() {
        let s = SeqSet::of([5, 6, 7, 9, 8, 20]);
        assert_eq!(s.ranges().collect::<Vec<_>>(), vec![(5, 9), (20, 20)]);
        assert_eq!(serde_json::to_string(&s).unwrap(), "[[5,9],[20,20]]");
        assert_eq!(format!("{s:?}"), "[5..=9, 20..=20]");
        assert_eq!(serde_json::to_string(&SeqSet::new()).unwrap(), "[]");
        let top = SeqSet::of([u64::MAX - 1, u64::MAX]);
        assert_eq!(
            top.ranges().collect::<Vec<_>>(),
            vec![(u64::MAX - 1, u64::MAX)]
        );
    }
}

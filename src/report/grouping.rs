//! Grouping a figure's citations: which of the many entries a figure is built from are cited
//! as one group per kind of entry and budget line, and what each group says (range, count,
//! Σ). See cite.rs for the citations themselves.
//!
//! Owns: the classes of entries (kind, budget kind, line, amount) and the grouping, which
//! takes the replay's plain payment sums whole where a figure cites all of one, and reads the
//! remaining entries one by one. Must not: decide which entries a figure cites (the report
//! model does), format for an output, or write anything.

use super::cite::{
    CITE_LIMIT, Citations, CiteGroup, CiteItem, Entries, GROUP_MIN, GroupKey, PaidLine, PaidSet,
};
use super::lang::two;
use crate::eval::{SeqSet, State};
use crate::model::{BudgetKind, BudgetLine, Event, EventKind, Money, Seq};
use std::collections::BTreeMap;

/// A group being summed up.
struct Acc {
    from: Seq,
    to: Seq,
    count: u64,
    sum: Option<Money>,
    first: Vec<Seq>,
    all: Vec<Seq>,
    overflow: bool,
}

impl Acc {
    fn new() -> Acc {
        Acc {
            from: Seq::MAX,
            to: 0,
            count: 0,
            sum: None,
            first: Vec::new(),
            all: Vec::new(),
            overflow: false,
        }
    }

    fn add_amount(&mut self, m: Money) {
        match self.sum.unwrap_or(Money::ZERO).checked_add(m) {
            Some(s) => self.sum = Some(s),
            None => self.overflow = true,
        }
    }
}

impl Entries<'_> {
    /// Lets grouping take the plain payment sums of `state` whole (see [`Entries::split`]);
    /// called once per state a report cites from.
    #[must_use]
    pub fn knowing(mut self, state: &State) -> Self {
        let mut lines: BTreeMap<&BudgetLine, (SeqSet, Option<Money>, Vec<PaidSet>)> =
            BTreeMap::new();
        for d in state.plain_payment_days() {
            let l = lines
                .entry(d.line)
                .or_insert_with(|| (SeqSet::new(), Some(Money::ZERO), Vec::new()));
            l.0.extend(d.seqs);
            l.1 = l.1.and_then(|a| a.checked_add(d.amount));
            l.2.push(PaidSet {
                seqs: d.seqs.clone(),
                amount: Some(d.amount),
            });
        }
        for (line, (seqs, amount, days)) in lines {
            self.paid.push(PaidLine {
                key: GroupKey {
                    kind: EventKind::Budget.name(),
                    budget_kind: Some(BudgetKind::Execution),
                    line: Some(line.clone()),
                },
                all: PaidSet { seqs, amount },
                days,
            });
        }
        self
    }

    fn key_index(&mut self, key: GroupKey) -> usize {
        match self.keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.keys.push(key);
                self.keys.len() - 1
            }
        }
    }

    /// The class of the entry at `seq` (key index, amount of a budget event), cached.
    fn class(&mut self, seq: Seq) -> (usize, Option<Money>) {
        if let Some(c) = self.classes.get(&seq) {
            return *c;
        }
        let key = match self.ledger.entry(seq) {
            Ok(Some(r)) => {
                let ev = &r.entry.event;
                let amount = match ev {
                    Event::Budget(b) => Some(b.amount),
                    _ => None,
                };
                let target = match ev {
                    Event::Correction(c) if c.replacement.is_none() => self
                        .ledger
                        .entry(c.supersedes)
                        .ok()
                        .flatten()
                        .map(|r| r.entry.event),
                    _ => None,
                };
                let budget = |e: &Event| match e {
                    Event::Budget(b) => Some((b.kind, b.line.clone())),
                    Event::Correction(c) => c.replacement.as_deref().and_then(|r| match r {
                        Event::Budget(b) => Some((b.kind, b.line.clone())),
                        _ => None,
                    }),
                    _ => None,
                };
                let (budget_kind, line) = budget(ev)
                    .or_else(|| target.as_ref().and_then(budget))
                    .map_or((None, None), |(k, l)| (Some(k), Some(l)));
                (
                    GroupKey {
                        kind: ev.kind().name(),
                        budget_kind,
                        line,
                    },
                    amount,
                )
            }
            _ => (
                GroupKey {
                    kind: "unreadable",
                    budget_kind: None,
                    line: None,
                },
                None,
            ),
        };
        let idx = self.key_index(key.0);
        self.classes.insert(seq, (idx, key.1));
        (idx, key.1)
    }

    /// The citations of `seqs` under the report's [`Citations`]: every entry, or, for more
    /// than [`CITE_LIMIT`] in bounded mode, one group per kind and budget line with the
    /// entries of groups smaller than [`GROUP_MIN`] cited one by one; ascending by first seq.
    pub fn cite_set(&mut self, seqs: &SeqSet) -> Vec<CiteItem> {
        let (single, groups) = self.split(seqs);
        let mut out: Vec<CiteItem> = single
            .into_iter()
            .map(|q| CiteItem::Entry(self.cite(q)))
            .chain(groups.into_iter().map(|g| CiteItem::Group(Box::new(g))))
            .collect();
        out.sort_by_key(CiteItem::first);
        out
    }

    /// The seqs of `seqs` cited one by one and the groups the rest form (see
    /// [`Entries::cite_set`]); the groups are remembered for the evidence table.
    ///
    /// Plain payment sums ([`Entries::knowing`]) the figure cites whole are taken as they
    /// are: all of a line's at once, else day by day; every other entry is classed by
    /// reading it. Either way a group's count, range and Σ are those of its entries.
    pub fn split(&mut self, seqs: &SeqSet) -> (Vec<Seq>, Vec<CiteGroup>) {
        if self.citations == Citations::All || seqs.len() <= CITE_LIMIT {
            return (seqs.iter().collect(), Vec::new());
        }
        let mut accs: BTreeMap<usize, Acc> = BTreeMap::new();
        let mut rest = seqs.clone();
        let paid = std::mem::take(&mut self.paid);
        for line in &paid {
            if line.all.seqs.is_disjoint(&rest) {
                continue;
            }
            let whole = line.all.seqs.is_subset(&rest);
            let sets = if whole {
                std::slice::from_ref(&line.all)
            } else {
                line.days.as_slice()
            };
            let k = self.key_index(line.key.clone());
            for set in sets {
                if set.seqs.is_empty() || !set.seqs.is_subset(&rest) {
                    continue;
                }
                let a = accs.entry(k).or_insert_with(Acc::new);
                a.from = a.from.min(set.seqs.first().unwrap_or(Seq::MAX));
                a.to = a.to.max(set.seqs.last().unwrap_or(0));
                a.count += set.seqs.len();
                let room = (GROUP_MIN as usize).saturating_sub(a.first.len());
                a.first.extend(set.seqs.iter().take(room));
                match set.amount {
                    Some(m) => a.add_amount(m),
                    None => a.overflow = true,
                }
                rest.subtract(&set.seqs);
            }
        }
        self.paid = paid;
        for q in rest.iter() {
            let (k, amount) = self.class(q);
            let a = accs.entry(k).or_insert_with(Acc::new);
            a.from = a.from.min(q);
            a.to = a.to.max(q);
            a.count += 1;
            if a.first.len() < GROUP_MIN as usize {
                a.first.push(q);
            }
            if self.keys[k].line.is_none() {
                a.all.push(q);
            }
            if let Some(m) = amount {
                a.add_amount(m);
            }
        }
        let mut single = Vec::new();
        let mut groups = Vec::new();
        for (k, a) in accs {
            let key = &self.keys[k];
            if key.line.is_none() {
                // Not on a budget line: entries of the rule set's own items (targets, values,
                // facts, claims), as many as the rule set has, each cited.
                single.extend(a.all);
                continue;
            }
            if a.count < GROUP_MIN {
                single.extend(a.first);
                continue;
            }
            let sum = a.sum.filter(|_| !a.overflow && key.kind == "budget");
            let g = CiteGroup {
                from: a.from,
                to: a.to,
                count: a.count,
                kind: key.kind.to_string(),
                budget_kind: key.budget_kind.map(|b| b.name().to_string()),
                line: key.line.as_ref().map(BudgetLine::path),
                subject: key.line.as_ref().map(BudgetLine::subject),
                sum: sum.map(|m| two(m.wan())),
                sum_exact: sum.map(|m| m.yuan().to_string()),
            };
            self.groups.insert(g.clone());
            groups.push(g);
        }
        single.sort_unstable();
        groups.sort();
        (single, groups)
    }
}

//! Rule sets: the TOML file format (indicator tree, weights, scoring methods, `[params]`
//! constants, derivations and their expression language, not-applicable nodes, bonus,
//! deduction and veto extras, the form's wording, rounding, grades), its validation with
//! line:column errors, the scoring methods as pure functions, and the rule-set digest recorded
//! in `RuleSetAdopted`.
//!
//! Owns: what a rule set says and how one leaf's raw score follows from its input. Must not:
//! touch storage, read ledger entries, or decide which recorded value is effective (that is
//! `eval`).

mod bands;
mod basics;
mod checks;
mod error;
mod expr;
mod extras;
mod file;
mod method;
mod method_parse;
mod raw;
mod reference;
mod rounding;

pub use bands::{Level, LevelGives, Side, beyond_limit, deviation, deviation_of, level_score};
pub use basics::{MethodError, Partial, Tier, tiers_points};
pub use error::RulesError;
pub use expr::{EvalFail, Expr, Func, Op};
pub use extras::{Extra, ExtraKind, Form};
pub use method::{
    ChecklistItem, Method, clamp, linear_penalty, qualitative, ratio_higher, ratio_lower,
    step_deduction, zero_tolerance,
};
pub use reference::{BudgetMetric, Reference};
pub use rounding::{Rounding, RoundingMode, RoundingWhen, round_half_up};

use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// blake3 derive-key context of rule-set digests.
pub const DIGEST_CONTEXT: &str = "jixiao rules v1 digest";

/// The digest recorded in `RuleSetAdopted.digest`:
/// `blake3::derive_key("jixiao rules v1 digest", text)`.
#[must_use]
pub fn digest(text: &str) -> [u8; 32] {
    blake3::derive_key(DIGEST_CONTEXT, text.as_bytes())
}

/// A validated rule set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleSet {
    /// Name from the file.
    pub name: String,
    /// Free-text description from the file.
    pub description: String,
    /// Id of the root node.
    pub root: String,
    /// Every node by id.
    pub nodes: BTreeMap<String, Node>,
    /// Named derivations by name (without the `derived.` prefix).
    pub derived: BTreeMap<String, Derivation>,
    /// Rounding policy.
    pub rounding: Rounding,
    /// Grade bands, highest `min` first.
    pub grades: Vec<Grade>,
    /// Named constants of `[params]` (limits, standards), by name.
    #[serde(skip)]
    pub params: BTreeMap<String, Decimal>,
    /// The form's own wording (report title, heading of the score table).
    pub form: Form,
    /// Bonus items, deduction items and vetoes (`[[extra]]`), in file order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<Extra>,
    /// Highest total the extras may give (default: the root's weight).
    #[serde(with = "dec_opt", skip_serializing_if = "Option::is_none")]
    pub total_max: Option<Decimal>,
}

/// One node of the indicator tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    /// Node id, e.g. `mgmt.exec.rate`.
    pub id: String,
    /// Chinese name.
    pub name: String,
    /// English gloss.
    pub en: String,
    /// Points.
    #[serde(with = "dec")]
    pub weight: Decimal,
    /// Parent id (none for the root).
    pub parent: Option<String>,
    /// Child ids in file order (empty for a leaf).
    pub children: Vec<String>,
    /// How a leaf is scored (none for a parent).
    pub scoring: Option<Scoring>,
    /// Free-text note from the file.
    pub note: String,
    /// Line of the node in the rule-set text.
    pub line: usize,
    /// 不适用: why the node does not apply; it is dropped and its weight redistributed
    /// proportionally over its siblings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
}

/// How a leaf is scored: method with parameters, and its input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scoring {
    /// The method and its parameters.
    pub method: Method,
    /// Where the actual value comes from.
    pub input: Reference,
}

/// A derivation's operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivedOp {
    /// Σ inputs (one or more).
    Sum,
    /// first − second.
    Difference,
    /// first / second (a fraction, not × 100).
    Ratio,
    /// (first − second) / second (a fraction).
    Growth,
    /// An expression of the derivation language (`expr = "..."`).
    Expr,
}

impl DerivedOp {
    /// Name as written in a rule set.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            DerivedOp::Sum => "sum",
            DerivedOp::Difference => "difference",
            DerivedOp::Ratio => "ratio",
            DerivedOp::Growth => "growth",
            DerivedOp::Expr => "expr",
        }
    }
}

/// A named derivation: `derived.NAME`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Derivation {
    /// Name without the `derived.` prefix.
    pub name: String,
    /// Operation.
    pub op: DerivedOp,
    /// Inputs in order.
    pub inputs: Vec<Reference>,
    /// Free-text description.
    pub description: String,
    /// Line in the rule-set text.
    pub line: usize,
    /// The expression (for [`DerivedOp::Expr`]; its references are `inputs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expr: Option<Expr>,
    /// The value when a denominator is 0 (else that is an error).
    #[serde(with = "dec_opt", skip_serializing_if = "Option::is_none")]
    pub on_zero: Option<Decimal>,
}

impl Derivation {
    /// The definition in words, e.g. `derived.x = fact.a + fact.b`.
    #[must_use]
    pub fn definition(&self) -> String {
        let ins: Vec<String> = self.inputs.iter().map(ToString::to_string).collect();
        let (a, b) = (
            ins.first().cloned().unwrap_or_default(),
            ins.get(1).cloned().unwrap_or_default(),
        );
        let rhs = match self.op {
            DerivedOp::Sum => ins.join(" + "),
            DerivedOp::Difference => format!("{a} − {b}"),
            DerivedOp::Ratio => format!("{a} / {b}"),
            DerivedOp::Growth => format!("({a} − {b}) / {b}"),
            DerivedOp::Expr => self
                .expr
                .as_ref()
                .map_or_else(String::new, ToString::to_string),
        };
        let rhs = match self.on_zero {
            Some(z) => format!("{rhs} (a zero denominator gives {z})"),
            None => rhs,
        };
        format!("derived.{} = {rhs}", self.name)
    }
}

/// A grade band: scores ≥ `min` (and below the next band) get this grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grade {
    /// Lowest score of the band, inclusive.
    #[serde(with = "dec")]
    pub min: Decimal,
    /// Chinese name (优, 良, 中, 差).
    pub name: String,
    /// English gloss.
    pub en: String,
}

impl RuleSet {
    /// Parses and validates a rule-set text. Errors carry line and column. A text longer than
    /// [`crate::limits::MAX_RULES_BYTES`] is refused before parsing.
    pub fn parse(text: &str) -> Result<RuleSet, RulesError> {
        let limit = crate::limits::MAX_RULES_BYTES;
        if text.len() as u64 > limit {
            return Err(RulesError::Syntax {
                line: 1,
                column: 1,
                message: format!(
                    "the rule set is {} bytes, more than the {} a rule set may have",
                    text.len(),
                    crate::limits::human(limit)
                ),
            });
        }
        file::parse(text)
    }

    /// The node with this id.
    #[must_use]
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// Node ids in pre-order (root first, children in file order).
    #[must_use]
    pub fn preorder(&self) -> Vec<&Node> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<&str> = vec![self.root.as_str()];
        while let Some(id) = stack.pop() {
            if let Some(n) = self.nodes.get(id) {
                out.push(n);
                stack.extend(n.children.iter().rev().map(String::as_str));
            }
        }
        out
    }

    /// The grade of a (rounded) total: the band with the highest `min` not above it.
    #[must_use]
    pub fn grade_for(&self, total: Decimal) -> Option<&Grade> {
        self.grades.iter().find(|g| total >= g.min)
    }

    /// The top nodes (the root's children), for summaries.
    #[must_use]
    pub fn top_nodes(&self) -> Vec<&Node> {
        self.nodes
            .get(&self.root)
            .map(|r| {
                r.children
                    .iter()
                    .filter_map(|c| self.nodes.get(c))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Resolves a `score.NODE` key: a node id, or `total` for the root.
    #[must_use]
    pub fn score_node(&self, key: &str) -> Option<&Node> {
        self.nodes.get(key).or_else(|| {
            (key == "total")
                .then(|| self.nodes.get(&self.root))
                .flatten()
        })
    }
}

/// Serialises an exact decimal as a JSON string (`"99.96"`), never as a float.
pub mod dec {
    use rust_decimal::Decimal;
    use serde::Serializer;

    /// Serialises `d` as its decimal string.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }
}

/// Serialises an optional exact decimal as a string or null.
pub mod dec_opt {
    use rust_decimal::Decimal;
    use serde::Serializer;

    /// Serialises `d` as its decimal string, or none.
    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }
}

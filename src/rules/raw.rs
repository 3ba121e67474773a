//! The TOML shapes of a rule-set file as read (before validation) and the reading context:
//! exact numbers from their literal text, `param.NAME` references to the `[params]` table,
//! positions for errors.
//!
//! Owns: what fields a rule-set file may have. Must not: decide what they mean (file.rs,
//! method_parse.rs, extras.rs validate them into a [`super::RuleSet`]).

use super::error::{Pos, RulesError, pos_of};
use super::reference::Reference;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) description: String,
    pub(super) rounding: Spanned<RawRounding>,
    #[serde(default, rename = "grade")]
    pub(super) grades: Vec<Spanned<RawGrade>>,
    #[serde(rename = "node")]
    pub(super) nodes: Vec<Spanned<RawNode>>,
    #[serde(default)]
    pub(super) derived: BTreeMap<String, Spanned<RawDerived>>,
    #[serde(default)]
    pub(super) params: BTreeMap<String, Spanned<RawNum>>,
    pub(super) form: Option<Spanned<RawForm>>,
    #[serde(default, rename = "extra")]
    pub(super) extras: Vec<Spanned<RawExtra>>,
    pub(super) total_max: Option<Spanned<RawNum>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForm {
    pub(super) title: String,
    #[serde(default)]
    pub(super) title_en: String,
    #[serde(default)]
    pub(super) scores_heading: String,
    #[serde(default)]
    pub(super) scores_heading_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExtra {
    pub(super) id: Spanned<String>,
    pub(super) kind: Spanned<String>,
    pub(super) name: String,
    #[serde(default)]
    pub(super) en: String,
    pub(super) input: Spanned<String>,
    pub(super) per: Option<Spanned<RawNum>>,
    pub(super) max: Option<Spanned<RawNum>>,
    pub(super) grade: Option<Spanned<String>>,
    pub(super) cap: Option<Spanned<RawNum>>,
    #[serde(default)]
    pub(super) note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRounding {
    pub(super) scale: Spanned<u32>,
    pub(super) mode: Spanned<String>,
    pub(super) when: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGrade {
    pub(super) min: Spanned<RawNum>,
    pub(super) name: String,
    #[serde(default)]
    pub(super) en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNode {
    pub(super) id: Spanned<String>,
    pub(super) name: String,
    #[serde(default)]
    pub(super) en: String,
    pub(super) weight: Spanned<RawNum>,
    pub(super) parent: Option<Spanned<String>>,
    pub(super) method: Option<Spanned<String>>,
    pub(super) input: Option<Spanned<String>>,
    pub(super) target: Option<Spanned<RawNum>>,
    pub(super) deduct_per: Option<Spanned<RawNum>>,
    pub(super) k: Option<Spanned<RawNum>>,
    pub(super) full_at: Option<Spanned<RawNum>>,
    pub(super) step: Option<Spanned<RawNum>>,
    pub(super) points: Option<Spanned<RawNum>>,
    pub(super) partial: Option<Spanned<String>>,
    pub(super) tiers: Option<Spanned<Vec<Spanned<RawTier>>>>,
    pub(super) items: Option<Spanned<Vec<Spanned<RawItem>>>>,
    pub(super) limit: Option<Spanned<RawNum>>,
    pub(super) per: Option<Spanned<RawNum>>,
    pub(super) side: Option<Spanned<String>>,
    pub(super) levels: Option<Spanned<Vec<Spanned<RawLevel>>>>,
    pub(super) not_applicable: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTier {
    pub(super) min: Option<Spanned<RawNum>>,
    pub(super) max: Option<Spanned<RawNum>>,
    pub(super) points: Spanned<RawNum>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLevel {
    pub(super) name: String,
    pub(super) code: Spanned<RawNum>,
    pub(super) coefficient: Option<Spanned<RawNum>>,
    pub(super) points: Option<Spanned<RawNum>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    pub(super) name: String,
    pub(super) points: Spanned<RawNum>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDerived {
    pub(super) method: Option<Spanned<String>>,
    pub(super) inputs: Option<Spanned<Vec<Spanned<String>>>>,
    pub(super) expr: Option<Spanned<String>>,
    pub(super) on_zero: Option<Spanned<RawNum>>,
    #[serde(default)]
    pub(super) description: String,
}

/// A number as written: its exact value is taken from the source text.
pub(super) enum RawNum {
    Int(i64),
    Float,
    Str(String),
}

impl<'de> Deserialize<'de> for RawNum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RawNum, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawNum;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number (integer, decimal, or decimal in a string)")
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawNum, E> {
                Ok(RawNum::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawNum, E> {
                i64::try_from(v)
                    .map(RawNum::Int)
                    .map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E>(self, _v: f64) -> Result<RawNum, E> {
                Ok(RawNum::Float)
            }
            fn visit_str<E>(self, v: &str) -> Result<RawNum, E> {
                Ok(RawNum::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

pub(super) struct Ctx<'a> {
    pub(super) text: &'a str,
    /// The `[params]` table, read first.
    pub(super) params: BTreeMap<String, Decimal>,
}

impl Ctx<'_> {
    pub(super) fn pos<T>(&self, s: &Spanned<T>) -> Pos {
        pos_of(self.text, s.span().start)
    }

    /// The exact decimal a number literal stands for.
    pub(super) fn num(
        &self,
        n: &Spanned<RawNum>,
        owner: &str,
        param: &str,
    ) -> Result<Decimal, RulesError> {
        let literal = match n.get_ref() {
            RawNum::Int(i) => return Ok(Decimal::from(*i)),
            RawNum::Str(s) if s.trim().starts_with("param.") => {
                let name = s.trim().trim_start_matches("param.");
                return self.params.get(name).copied().ok_or_else(|| {
                    let p = self.pos(n);
                    RulesError::BadParameter {
                        line: p.line,
                        column: p.column,
                        owner: owner.to_string(),
                        param: param.to_string(),
                        why: format!(
                            "`param.{name}` is not defined in `[params]`; add `{name} = ...` there"
                        ),
                    }
                });
            }
            RawNum::Str(s) => s.trim().to_string(),
            RawNum::Float => self.text.get(n.span()).unwrap_or_default().replace('_', ""),
        };
        let literal = literal.strip_prefix('+').unwrap_or(&literal);
        Decimal::from_str_exact(literal).map_err(|_| {
            let p = self.pos(n);
            RulesError::BadParameter {
                line: p.line,
                column: p.column,
                owner: owner.to_string(),
                param: param.to_string(),
                why: format!(
                    "`{literal}` is not a plain decimal; write digits with an optional point (no exponent, inf or nan)"
                ),
            }
        })
    }

    pub(super) fn bad_param<T>(
        &self,
        at: &Spanned<T>,
        owner: &str,
        param: &str,
        why: impl Into<String>,
    ) -> RulesError {
        let p = self.pos(at);
        RulesError::BadParameter {
            line: p.line,
            column: p.column,
            owner: owner.to_string(),
            param: param.to_string(),
            why: why.into(),
        }
    }

    pub(super) fn bad_setting<T>(
        &self,
        at: &Spanned<T>,
        field: &str,
        why: impl Into<String>,
    ) -> RulesError {
        let p = self.pos(at);
        RulesError::BadSetting {
            line: p.line,
            column: p.column,
            field: field.to_string(),
            why: why.into(),
        }
    }

    pub(super) fn bad_tree<T>(
        &self,
        at: &Spanned<T>,
        node: &str,
        why: impl Into<String>,
    ) -> RulesError {
        let p = self.pos(at);
        RulesError::BadTree {
            line: p.line,
            column: p.column,
            node: node.to_string(),
            why: why.into(),
        }
    }

    pub(super) fn reference(&self, s: &Spanned<String>) -> Result<Reference, RulesError> {
        Reference::parse(s.get_ref()).map_err(|why| {
            let p = self.pos(s);
            RulesError::UnknownReference {
                line: p.line,
                column: p.column,
                reference: s.get_ref().clone(),
                why,
            }
        })
    }
}

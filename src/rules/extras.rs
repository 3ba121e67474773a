//! What a rule set says beyond the indicator tree: bonus items (加分项), deduction items
//! (扣分项) and vetoes (一票否决) applied to the total, the cap on the total, and the form's
//! own wording (report title, heading of the score table).
//!
//! Owns: these types and their validation from the file. Must not: score anything (the
//! evaluator applies extras after the tree is summed).

use super::error::RulesError;
use super::raw::{Ctx, RawExtra, RawForm, RawNum};
use super::{Grade, Reference, dec, dec_opt};
use rust_decimal::Decimal;
use serde::Serialize;
use toml::Spanned;

/// The form's wording. Without a `[form]` table the report is titled as a department's
/// overall self-evaluation (部门整体支出绩效自评报告) and the table heading is 自评表.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Form {
    /// Report title (Chinese), e.g. 项目支出绩效自评表.
    pub title: String,
    /// Report title (English).
    pub title_en: String,
    /// Heading of the score table (Chinese).
    pub scores_heading: String,
    /// Heading of the score table (English).
    pub scores_heading_en: String,
    /// Whether the rule set states its form (a `[form]` table).
    pub stated: bool,
}

impl Default for Form {
    fn default() -> Form {
        Form {
            title: "部门整体支出绩效自评报告".into(),
            title_en: "Department overall expenditure performance self-evaluation".into(),
            scores_heading: "自评表".into(),
            scores_heading_en: "Self-evaluation table".into(),
            stated: false,
        }
    }
}

/// What an extra does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExtraKind {
    /// 加分项: `per` × value points added to the total, at most `max`.
    Bonus {
        /// Points per unit of the input.
        #[serde(with = "dec")]
        per: Decimal,
        /// Most points this item gives.
        #[serde(with = "dec")]
        max: Decimal,
    },
    /// 扣分项: `per` × value points taken from the total, at most `max` if given.
    Deduction {
        /// Points per unit of the input.
        #[serde(with = "dec")]
        per: Decimal,
        /// Most points this item takes, if capped.
        #[serde(with = "dec_opt")]
        max: Option<Decimal>,
    },
    /// 一票否决: a value above 0 caps the grade at `grade` and/or the total at `cap`.
    Veto {
        /// Highest grade allowed when breached (a grade name of the rule set).
        grade: Option<String>,
        /// Highest total allowed when breached.
        #[serde(with = "dec_opt")]
        cap: Option<Decimal>,
    },
}

/// One `[[extra]]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Extra {
    /// Id (findings and reports name it).
    pub id: String,
    /// Chinese name.
    pub name: String,
    /// English gloss.
    pub en: String,
    /// Where the count or amount comes from.
    pub input: Reference,
    /// What it does.
    #[serde(flatten)]
    pub kind: ExtraKind,
    /// Free text.
    pub note: String,
    /// Line in the rule-set text.
    pub line: usize,
}

pub(super) fn form(f: Option<&Spanned<RawForm>>) -> Form {
    let d = Form::default();
    match f {
        None => d,
        Some(f) => {
            let f = f.get_ref();
            let or = |s: &str, dflt: &str| {
                if s.trim().is_empty() {
                    dflt.to_string()
                } else {
                    s.to_string()
                }
            };
            Form {
                title: f.title.clone(),
                title_en: or(&f.title_en, &f.title),
                scores_heading: or(&f.scores_heading, &d.scores_heading),
                scores_heading_en: or(&f.scores_heading_en, &d.scores_heading_en),
                stated: true,
            }
        }
    }
}

pub(super) fn extras(
    cx: &Ctx<'_>,
    raw: &[Spanned<RawExtra>],
    grades: &[Grade],
) -> Result<Vec<Extra>, RulesError> {
    let mut out: Vec<Extra> = Vec::new();
    for e in raw {
        let r = e.get_ref();
        let id = r.id.get_ref().clone();
        if out.iter().any(|x| x.id == id) {
            return Err(cx.bad_setting(
                &r.id,
                "extra.id",
                format!("`{id}` is used twice; give each extra its own id"),
            ));
        }
        let num =
            |n: &Option<Spanned<RawNum>>, param: &str| -> Result<Option<Decimal>, RulesError> {
                let v = n.as_ref().map(|v| cx.num(v, &id, param)).transpose()?;
                if let (Some(v), Some(at)) = (v, n)
                    && v < Decimal::ZERO
                {
                    return Err(cx.bad_param(at, &id, param, "must be ≥ 0"));
                }
                Ok(v)
            };
        let refuse = |present: bool, at: &Spanned<String>, param: &str, kind: &str| {
            if present {
                Err(cx.bad_param(
                    at,
                    &id,
                    param,
                    format!("does not apply to an extra of kind `{kind}`"),
                ))
            } else {
                Ok(())
            }
        };
        let per = num(&r.per, "per")?;
        let max = num(&r.max, "max")?;
        let cap = num(&r.cap, "cap")?;
        let kind = match r.kind.get_ref().as_str() {
            k @ "bonus" => {
                refuse(
                    r.grade.is_some() || r.cap.is_some(),
                    &r.kind,
                    "grade/cap",
                    k,
                )?;
                ExtraKind::Bonus {
                    per: per.ok_or_else(|| {
                        cx.bad_param(&r.kind, &id, "per", "a bonus needs `per` (points per unit)")
                    })?,
                    max: max.ok_or_else(|| {
                        cx.bad_param(&r.kind, &id, "max", "a bonus needs `max` (its most points)")
                    })?,
                }
            }
            k @ "deduction" => {
                refuse(
                    r.grade.is_some() || r.cap.is_some(),
                    &r.kind,
                    "grade/cap",
                    k,
                )?;
                ExtraKind::Deduction {
                    per: per.ok_or_else(|| {
                        cx.bad_param(
                            &r.kind,
                            &id,
                            "per",
                            "a deduction needs `per` (points per unit)",
                        )
                    })?,
                    max,
                }
            }
            k @ "veto" => {
                refuse(r.per.is_some() || r.max.is_some(), &r.kind, "per/max", k)?;
                if let Some(g) = &r.grade
                    && !grades.iter().any(|x| &x.name == g.get_ref())
                {
                    return Err(cx.bad_param(
                        g,
                        &id,
                        "grade",
                        format!("`{}` is not a grade of this rule set", g.get_ref()),
                    ));
                }
                if r.grade.is_none() && cap.is_none() {
                    return Err(cx.bad_param(&r.kind, &id, "grade", "a veto needs `grade` (highest grade when breached) or `cap` (highest total)"));
                }
                ExtraKind::Veto {
                    grade: r.grade.as_ref().map(|g| g.get_ref().clone()),
                    cap,
                }
            }
            other => {
                return Err(cx.bad_setting(
                    &r.kind,
                    "extra.kind",
                    format!("`{other}` is not a kind; use \"bonus\", \"deduction\" or \"veto\""),
                ));
            }
        };
        out.push(Extra {
            id,
            name: r.name.clone(),
            en: r.en.clone(),
            input: cx.reference(&r.input)?,
            kind,
            note: r.note.clone(),
            line: cx.pos(e).line,
        });
    }
    Ok(out)
}

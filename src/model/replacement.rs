//! The decoder of a correction's replacement (docs/FORMAT.md §3, "No nesting").
//!
//! Owns: refusing, while decoding and *before descending into it*, a replacement that is a
//! `Correction` or one of the kinds that can never be corrected (`Genesis`, `Grant`,
//! `Revoke`). With that rule an entry holds at most one event inside another, so the depth of
//! every decoded entry is bounded by its types, whatever the bytes say.
//! Must not: change the encoding. Replacements are written by [`Event`]'s own `Serialize`;
//! the wire enum below mirrors [`Event`] variant for variant, so valid bytes decode exactly as
//! before and re-encode to themselves.

use super::event::{
    Acknowledgement, BudgetEvent, Claim, Event, Evidence, Fact, IndicatorTarget, IndicatorValue,
    RuleSetAdopted, ScoreAdjustment, Staffing,
};
use serde::{Deserialize, Deserializer};
use std::cell::Cell;
use std::convert::Infallible;

/// Why a replacement of this variant index is refused, in the words of the format.
fn refusal(variant: usize) -> &'static str {
    match variant {
        0 => "a correction's replacement is a Genesis event, which cannot be corrected",
        1 => "a correction's replacement is a Grant event, which cannot be corrected",
        2 => "a correction's replacement is a Revoke event, which cannot be corrected",
        _ => "a correction's replacement is itself a Correction; corrections do not nest",
    }
}

thread_local! {
    /// The last refusal on this thread: postcard's error type drops custom messages, so the
    /// entry decoder picks the reason up from here.
    static LAST_REFUSAL: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Takes (and clears) the reason of the last replacement refused on this thread, if any.
#[must_use]
pub(crate) fn take_refusal() -> Option<&'static str> {
    LAST_REFUSAL.with(Cell::take)
}

/// A variant that never decodes: its decoder fails without reading a byte of its fields.
/// `V` is the variant index in [`Event`].
struct Refused<const V: usize>(Infallible);

impl<'de, const V: usize> Deserialize<'de> for Refused<V> {
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        let why = refusal(V);
        LAST_REFUSAL.with(|c| c.set(Some(why)));
        Err(serde::de::Error::custom(why))
    }
}

/// [`Event`] as a replacement may be: same variants in the same order (same indices, same
/// field encodings), the four that may not stand there refused.
#[derive(Deserialize)]
#[serde(rename = "Event")]
enum ReplacementWire {
    Genesis(Refused<0>),
    Grant(Refused<1>),
    Revoke(Refused<2>),
    RuleSetAdopted(RuleSetAdopted),
    Staffing(Staffing),
    Budget(BudgetEvent),
    IndicatorTarget(IndicatorTarget),
    IndicatorValue(IndicatorValue),
    Fact(Fact),
    Evidence(Evidence),
    Claim(Claim),
    ScoreAdjustment(ScoreAdjustment),
    Correction(Refused<12>),
    Acknowledgement(Acknowledgement),
}

impl From<ReplacementWire> for Event {
    fn from(w: ReplacementWire) -> Event {
        match w {
            ReplacementWire::Genesis(r) => match r.0 {},
            ReplacementWire::Grant(r) => match r.0 {},
            ReplacementWire::Revoke(r) => match r.0 {},
            ReplacementWire::Correction(r) => match r.0 {},
            ReplacementWire::RuleSetAdopted(e) => Event::RuleSetAdopted(e),
            ReplacementWire::Staffing(e) => Event::Staffing(e),
            ReplacementWire::Budget(e) => Event::Budget(e),
            ReplacementWire::IndicatorTarget(e) => Event::IndicatorTarget(e),
            ReplacementWire::IndicatorValue(e) => Event::IndicatorValue(e),
            ReplacementWire::Fact(e) => Event::Fact(e),
            ReplacementWire::Evidence(e) => Event::Evidence(e),
            ReplacementWire::Claim(e) => Event::Claim(e),
            ReplacementWire::ScoreAdjustment(e) => Event::ScoreAdjustment(e),
            ReplacementWire::Acknowledgement(e) => Event::Acknowledgement(e),
        }
    }
}

/// `deserialize_with` of [`super::Correction::replacement`].
pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Event>>, D::Error> {
    Ok(Option::<ReplacementWire>::deserialize(d)?.map(|w| Box::new(w.into())))
}

/// Whether `event` may stand as a correction's replacement (the rule the decoder enforces).
#[must_use]
pub fn may_replace(event: &Event) -> bool {
    !matches!(
        event,
        Event::Genesis(_) | Event::Grant(_) | Event::Revoke(_) | Event::Correction(_)
    )
}

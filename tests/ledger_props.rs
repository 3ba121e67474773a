//! Properties of the entry codec and of verification: canonical round trips for arbitrary
//! entries, no panics on arbitrary bytes, and any flipped bit in a stored entry is caught at
//! that entry.

mod common;

use common::{ENTRIES, build, edit, get_u64, put_u64, rewrite_frontier, set_stored_hash};
use jixiao::ledger::{CodecError, Entry, EntryHash, FailureKind};
use jixiao::model::{
    Acknowledgement, BizDate, BudgetEvent, BudgetKind, BudgetLine, Claim, Correction, Direction,
    Event, Evidence, ExpenseType, Fact, FundSource, Genesis, Grant, IndicatorTarget,
    IndicatorValue, KeyId, Money, Number, Principal, Revoke, Role, RuleSetAdopted, ScoreAdjustment,
    Staffing,
};
use proptest::prelude::*;
use proptest::sample::Index;
use rust_decimal::Decimal;
use std::sync::OnceLock;

/// Largest mantissa a `Decimal` holds (96 bits).
const MAX_MANTISSA: i128 = (1i128 << 96) - 1;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    }
}

// --- strategies --------------------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9._]{0,12}",
        "[\\u{4e00}-\\u{9fa5}（）〔〕、，。0-9]{0,16}",
        "\\PC{0,24}",
        Just(String::new()),
    ]
}

prop_compose! {
    fn number()(mantissa in -MAX_MANTISSA..=MAX_MANTISSA, scale in 0u32..=28) -> Number {
        Number::new(Decimal::from_i128_with_scale(mantissa, scale))
    }
}

prop_compose! {
    fn small_number()(mantissa in -1_000_000i64..1_000_000, scale in 0u32..=4) -> Number {
        Number::new(Decimal::new(mantissa, scale))
    }
}

fn any_number() -> impl Strategy<Value = Number> {
    prop_oneof![number(), small_number()]
}

prop_compose! {
    fn money()(fen in any::<i64>()) -> Money {
        Money::from_fen(fen)
    }
}

prop_compose! {
    fn biz_date()(y in 1000i32..=9999, m in 1u8..=12, d in 1u8..=31) -> BizDate {
        BizDate::from_ymd(y, m, d)
            .or_else(|| BizDate::from_ymd(y, m, 28))
            .unwrap()
    }
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

prop_compose! {
    fn key_id()(b in any::<[u8; 8]>()) -> KeyId {
        KeyId(b)
    }
}

prop_compose! {
    fn principal()(public_key in any::<[u8; 32]>(), name in text()) -> Principal {
        Principal { public_key, name }
    }
}

prop_compose! {
    fn genesis()(
        department in text(),
        department_code in text(),
        year in any::<i32>(),
        admins in prop::collection::vec(principal(), 0..3),
    ) -> Event {
        Event::Genesis(Genesis { department, department_code, year, admins })
    }
}

prop_compose! {
    fn grant()(principal in principal(), role in role()) -> Event {
        Event::Grant(Grant { principal, role })
    }
}

prop_compose! {
    fn revoke()(key_id in key_id(), role in role(), reason in text()) -> Event {
        Event::Revoke(Revoke { key_id, role, reason })
    }
}

prop_compose! {
    fn rule_set()(name in text(), text in "\\PC{0,200}", digest in any::<[u8; 32]>()) -> Event {
        Event::RuleSetAdopted(RuleSetAdopted { name, text, digest })
    }
}

prop_compose! {
    fn staffing()(
        category in text(),
        establishment in any::<u32>(),
        actual in any::<u32>(),
        retired in any::<u32>(),
        date in biz_date(),
    ) -> Event {
        Event::Staffing(Staffing { category, establishment, actual, retired, date })
    }
}

prop_compose! {
    fn budget()(
        fund_source in prop::sample::select(FundSource::ALL.map(|x| x.0).to_vec()),
        expense_type in prop::sample::select(ExpenseType::ALL.map(|x| x.0).to_vec()),
        project in text(),
        kind in prop::sample::select(BudgetKind::ALL.map(|x| x.0).to_vec()),
        amount in money(),
        date in biz_date(),
        document in text(),
        reason in text(),
    ) -> Event {
        Event::Budget(BudgetEvent {
            line: BudgetLine { fund_source, expense_type, project },
            kind,
            amount,
            date,
            document,
            reason,
        })
    }
}

prop_compose! {
    fn target()(
        indicator in text(),
        name in text(),
        direction in prop::sample::select(vec![Direction::Equal, Direction::AtLeast, Direction::AtMost]),
        unit in text(),
        year_start in any_number(),
        adjusted in prop::option::of(any_number()),
        date in biz_date(),
    ) -> Event {
        Event::IndicatorTarget(IndicatorTarget { indicator, name, direction, unit, year_start, adjusted, date })
    }
}

prop_compose! {
    fn value()(
        indicator in text(),
        value in any_number(),
        date in biz_date(),
        deviation_reason in text(),
        evidence in prop::collection::vec(any::<u64>(), 0..4),
    ) -> Event {
        Event::IndicatorValue(IndicatorValue { indicator, value, date, deviation_reason, evidence })
    }
}

prop_compose! {
    fn fact()(key in text(), name in text(), value in any_number(), unit in text(), date in biz_date(), source in text()) -> Event {
        Event::Fact(Fact { key, name, value, unit, date, source })
    }
}

prop_compose! {
    fn evidence()(name in text(), size in any::<u64>(), blake3 in any::<[u8; 32]>(), description in text()) -> Event {
        Event::Evidence(Evidence { name, size, blake3, description })
    }
}

prop_compose! {
    fn claim()(id in text(), subject in text(), value in any_number(), unit in text(), text in text(), section in text()) -> Event {
        Event::Claim(Claim { id, subject, value, unit, text, section })
    }
}

prop_compose! {
    fn adjustment()(node in text(), delta in any_number(), reason in text(), basis in text()) -> Event {
        Event::ScoreAdjustment(ScoreAdjustment { node, delta, reason, basis })
    }
}

prop_compose! {
    fn acknowledgement()(finding in text(), reason in text()) -> Event {
        Event::Acknowledgement(Acknowledgement { finding, reason })
    }
}

/// Every variant except corrections.
fn leaf_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        genesis(),
        grant(),
        revoke(),
        rule_set(),
        staffing(),
        budget(),
        target(),
        value(),
        fact(),
        evidence(),
        claim(),
        adjustment(),
        acknowledgement(),
    ]
}

/// The events a correction's replacement may be (docs/FORMAT.md §3 "No nesting"): every
/// leaf but Genesis, Grant and Revoke.
fn replaceable_event() -> impl Strategy<Value = Event> {
    leaf_event().prop_filter("not replaceable", jixiao::model::may_replace)
}

fn correction_of(replacement: Option<Event>, supersedes: u64, reason: String, role: Role) -> Event {
    Event::Correction(Correction {
        supersedes,
        reason,
        replacement: replacement.map(Box::new),
        retracted_kind_role: role,
    })
}

/// Any event the format allows, corrections included (with a replacement that may stand
/// there, or none).
fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        3 => leaf_event(),
        1 => (prop::option::of(replaceable_event()), any::<u64>(), text(), role())
            .prop_map(|(r, s, reason, role)| correction_of(r, s, reason, role)),
    ]
}

/// A correction whose replacement may not stand there: a Genesis, Grant or Revoke, or a
/// correction (of anything) itself.
fn forbidden_correction() -> impl Strategy<Value = Event> {
    let forbidden = prop_oneof![
        genesis(),
        grant(),
        revoke(),
        event().prop_filter("a correction", |e| matches!(e, Event::Correction(_)))
    ];
    (forbidden, any::<u64>(), text(), role())
        .prop_map(|(r, s, reason, role)| correction_of(Some(r), s, reason, role))
}

prop_compose! {
    fn entry()(
        version in prop_oneof![Just(1u16), any::<u16>()],
        seq in any::<u64>(),
        prev in any::<[u8; 32]>(),
        recorded_at in any::<i64>(),
        author in key_id(),
        event in event(),
    ) -> Entry {
        Entry { version, seq, prev: EntryHash(prev), recorded_at, author, event }
    }
}

// --- codec properties --------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn encode_decode_encode_is_identical(e in entry()) {
        let bytes = e.encode();
        prop_assert!(!bytes.is_empty());
        let back = Entry::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &e);
        prop_assert_eq!(back.encode(), bytes);
    }

    #[test]
    fn a_correction_of_what_may_not_be_replaced_does_not_decode(
        event in forbidden_correction(),
        seq in any::<u64>(),
    ) {
        let e = Entry { version: 1, seq, prev: EntryHash([0; 32]), recorded_at: 0, author: KeyId([0; 8]), event };
        let refused = matches!(Entry::decode(&e.encode()), Err(CodecError::Nested(_)));
        prop_assert!(refused);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        // Whatever decode accepts is canonical: it re-encodes to exactly the input.
        if let Ok(e) = Entry::decode(&bytes) {
            prop_assert_eq!(e.encode(), bytes);
        }
    }

    #[test]
    fn a_changed_byte_of_a_valid_encoding_never_decodes_to_the_same_entry(
        e in entry(),
        at in any::<Index>(),
        delta in 1u8..=255,
    ) {
        let mut bytes = e.encode();
        let i = at.index(bytes.len());
        bytes[i] = bytes[i].wrapping_add(delta);
        if let Ok(d) = Entry::decode(&bytes) {
            prop_assert_ne!(&d, &e);
            prop_assert_eq!(d.encode(), bytes);
        }
    }

    #[test]
    fn appended_or_dropped_bytes_are_rejected(e in entry(), extra in prop::collection::vec(any::<u8>(), 1..8)) {
        let bytes = e.encode();
        let mut longer = bytes.clone();
        longer.extend_from_slice(&extra);
        prop_assert!(Entry::decode(&longer).is_err());
        prop_assert!(Entry::decode(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn an_out_of_range_number_does_not_decode(
        mantissa in prop_oneof![MAX_MANTISSA + 1..=i128::MAX, i128::MIN..=-MAX_MANTISSA - 1],
        scale in 0u32..=40,
    ) {
        let bytes = postcard::to_allocvec(&(mantissa, scale)).unwrap();
        prop_assert!(postcard::from_bytes::<Number>(&bytes).is_err());
        let bytes = postcard::to_allocvec(&(1i128, scale.max(29))).unwrap();
        prop_assert!(postcard::from_bytes::<Number>(&bytes).is_err());
    }
}

// --- verification of a real ledger -------------------------------------------------------------

/// The fixture ledger as file bytes, with its batches; built once for all cases.
struct Template {
    bytes: Vec<u8>,
    batches: Vec<(u64, u64)>,
    sizes: Vec<usize>,
}

fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let f = build();
        let l = jixiao::ledger::Ledger::open_read(&f.path).unwrap();
        let sizes = (1..=20)
            .map(|s| l.stored_bytes(s).unwrap().unwrap().len())
            .collect();
        drop(l);
        Template {
            bytes: std::fs::read(&f.path).unwrap(),
            batches: f.batches.clone(),
            sizes,
        }
    })
}

fn first_of_batch(t: &Template, seq: u64) -> u64 {
    t.batches
        .iter()
        .find(|(a, b)| (*a..=*b).contains(&seq))
        .unwrap()
        .0
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_flipped_bit_in_any_stored_entry_names_that_entry(
        seq in 1u64..=20,
        at in any::<Index>(),
        bit in 0u8..8,
    ) {
        let t = template();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jixiao");
        std::fs::write(&path, &t.bytes).unwrap();
        let i = at.index(t.sizes[(seq - 1) as usize]);
        edit(&path, |txn| {
            let mut b = get_u64(txn, ENTRIES, seq);
            b[i] ^= 1 << bit;
            put_u64(txn, ENTRIES, seq, &b);
        });
        let f = common::failure(&path);
        prop_assert_eq!(f.seq, Some(seq), "{:?}", f);
        prop_assert!(matches!(f.kind, FailureKind::HashMismatch), "{:?}", f);
    }

    #[test]
    fn a_flipped_bit_with_a_recomputed_hash_is_caught_at_that_entry_or_its_batch(
        seq in 1u64..=20,
        at in any::<Index>(),
        bit in 0u8..8,
    ) {
        let t = template();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jixiao");
        std::fs::write(&path, &t.bytes).unwrap();
        let i = at.index(t.sizes[(seq - 1) as usize]);
        edit(&path, |txn| {
            let mut b = get_u64(txn, ENTRIES, seq);
            b[i] ^= 1 << bit;
            put_u64(txn, ENTRIES, seq, &b);
            // The hash inside its batch's block, and the Merkle frontier, are made to match,
            // so only the chain, codec, signature and role checks are left to catch it.
            set_stored_hash(txn, seq, &EntryHash::of_stored(&b));
            rewrite_frontier(txn);
        });
        let f = common::failure(&path);
        // The Merkle check has no seq and runs only after every entry passed: never `ok` here.
        let ok = match f.kind {
            FailureKind::BadSignature => f.seq == Some(first_of_batch(t, seq)),
            FailureKind::BrokenChain => f.seq == Some(seq) || f.seq == Some(seq + 1),
            _ => f.seq == Some(seq),
        };
        prop_assert!(ok, "seq {} byte {} bit {}: {:?}", seq, i, bit, f);
    }
}

//! Every decoder has a depth and a size limit. Defect 3: a Correction whose replacement is a
//! Correction, nested 20,000 deep, overflowed the stack (exit 134) in `check-proof`, `verify`
//! and `log`; the format now forbids the nesting and the decoder refuses it before descending.

mod common;

use common::{ENTRIES, Test, build, edit, fact, put_u64, set_stored_hash};
use jixiao::ledger::keys::{KeyPair, public_text};
use jixiao::ledger::{
    CheckpointError, CodecError, ENVELOPE_VERSION, Entry, EntryHash, InclusionProof, Ledger,
    LedgerError, MAX_ENTRY_BYTES, ProofError, SignedCheckpoint, check_proof_text,
};
use jixiao::limits;
use jixiao::model::{Correction, Event, Grant, KeyId, Role, RuleSetAdopted};

const DEEP: usize = 20_000;

/// The stored bytes of entry `seq` whose event is a Correction whose replacement is a
/// Correction ... `depth` levels below the top one, the innermost a bare retraction. Built
/// byte by byte from docs/FORMAT.md §3, since no encoder will write it.
fn nested_correction_bytes(seq: u64, depth: usize) -> Vec<u8> {
    let mut b = vec![0x01]; // version 1
    let mut s = seq; // seq, LEB128
    loop {
        let byte = (s & 0x7f) as u8;
        s >>= 7;
        if s == 0 {
            b.push(byte);
            break;
        }
        b.push(byte | 0x80);
    }
    b.extend_from_slice(&[0x22; 32]); // prev
    b.push(0x00); // recorded_at 0
    b.extend_from_slice(&[0x33; 8]); // author
    for _ in 0..depth {
        // Correction (12), supersedes 1, reason "", replacement Some(...
        b.extend_from_slice(&[0x0c, 0x01, 0x00, 0x01]);
    }
    // ... the innermost: Correction, supersedes 1, reason "", no replacement, role recorder
    b.extend_from_slice(&[0x0c, 0x01, 0x00, 0x00, 0x01]);
    // the retracted_kind_role of every enclosing correction
    b.extend(std::iter::repeat_n(0x01, depth));
    b
}

fn correction(replacement: Event) -> Event {
    Event::Correction(Correction {
        supersedes: 4,
        reason: "更正".into(),
        replacement: Some(Box::new(replacement)),
        retracted_kind_role: Role::Recorder,
    })
}

fn entry_of(event: Event) -> Entry {
    Entry {
        version: ENVELOPE_VERSION,
        seq: 9,
        prev: EntryHash([1; 32]),
        recorded_at: 1_672_531_200,
        author: KeyId([2; 8]),
        event,
    }
}

#[test]
fn defect_3_nested_correction_is_refused_not_a_stack_overflow() {
    let bytes = nested_correction_bytes(17, DEEP);
    let e = Entry::decode(&bytes).unwrap_err();
    assert!(matches!(e, CodecError::Nested(_)), "{e:?}");
    assert!(e.to_string().contains("corrections do not nest"), "{e}");
}

#[test]
fn defect_3_correction_of_a_correction_at_depth_2_is_refused_at_decode() {
    let inner = correction(fact("staff.sections", "内设科室", "9", "个"));
    let bytes = entry_of(correction(inner)).encode();
    let e = Entry::decode(&bytes).unwrap_err();
    assert!(matches!(e, CodecError::Nested(_)), "{e:?}");
    // by hand as well: depth 1 below the top
    assert!(matches!(
        Entry::decode(&nested_correction_bytes(5, 1)),
        Err(CodecError::Nested(_))
    ));
}

#[test]
fn defect_3_replacements_that_can_never_be_corrected_are_refused_at_decode() {
    let grant = Event::Grant(Grant {
        principal: common::key("k", 1).principal(),
        role: Role::Recorder,
    });
    let e = Entry::decode(&entry_of(correction(grant)).encode()).unwrap_err();
    assert!(e.to_string().contains("Grant"), "{e}");
}

#[test]
fn defect_3_a_valid_correction_still_decodes_and_round_trips() {
    let bytes = entry_of(correction(fact("k", "名", "1", "个"))).encode();
    let back = Entry::decode(&bytes).unwrap();
    assert_eq!(back.encode(), bytes);
    // and the bare retraction (depth 0 by hand) too
    let bytes = nested_correction_bytes(3, 0);
    assert_eq!(Entry::decode(&bytes).unwrap().encode(), bytes);
}

/// The §9.4 vector: any well-formed checkpoint does, since the entry is refused first.
const KAT_CHECKPOINT: &str = "jixiao/000102030405060708090a0b0c0d0e0f\n8\njhbNh8v9KKsEjJi3CsH8EpPnkzNWkNFmnUOC8XoPaD0=\n\n\u{2014} jixiao/000102030405060708090a0b0c0d0e0f GRoYq3jyAGdErwrLVgnjfm1xCmoMD7odsUvTiJkhjHcPezp/on5MPU4AIFJLMA95/EPo+RPX8XXGnZdXlRBKIbUriwM=\n";

#[test]
fn defect_3_check_proof_of_a_nested_entry_exits_1_with_a_message() {
    let bytes = nested_correction_bytes(3, DEEP);
    let cp = SignedCheckpoint::parse(KAT_CHECKPOINT).unwrap();
    let proof = InclusionProof::new([0; 16], 3, bytes, Vec::new(), cp).to_json();
    let key = common::key("k", 1);
    let trusted = [("k", key.signing.verifying_key())];
    assert!(matches!(
        check_proof_text(&proof, &trusted),
        Err(ProofError::EntryUndecodable { seq: 3, .. })
    ));
    let t = Test::new();
    std::fs::write(t.path("p.json"), &proof).unwrap();
    std::fs::write(t.path("k.pub"), public_text(&key.principal())).unwrap();
    let ran = t
        .args(["check-proof", "p.json", "--trusted-key", "k.pub"])
        .status(1)
        .stdout_contains("proof FAILED")
        .stdout_contains("corrections do not nest")
        .run();
    assert!(ran.stdout.contains("seq 3"), "{}", ran.stdout);
}

/// The fixture ledger with entry 17 (a correction) replaced in place by the nested bytes,
/// its stored hash updated so that the decoder is what finds it.
fn ledger_with_nested_entry() -> common::Fixture {
    let f = build();
    let bytes = nested_correction_bytes(17, DEEP);
    edit(&f.path, |txn| {
        put_u64(txn, ENTRIES, 17, &bytes);
        set_stored_hash(txn, 17, &EntryHash::of_stored(&bytes));
    });
    f
}

#[test]
fn defect_3_verify_of_a_ledger_with_a_nested_entry_exits_1_naming_the_seq() {
    let f = ledger_with_nested_entry();
    let failure = common::failure(&f.path);
    assert_eq!(failure.seq, Some(17), "{failure:?}");
    let ran = Test::new()
        .arg("verify")
        .arg(&f.path)
        .status(1)
        .stdout_contains("17")
        .run();
    assert!(
        ran.stdout.contains("corrections do not nest"),
        "{}",
        ran.stdout
    );
}

#[test]
fn defect_3_log_of_a_ledger_with_a_nested_entry_exits_1_naming_the_seq() {
    let f = ledger_with_nested_entry();
    let ran = Test::new().arg("log").arg(&f.path).status(1).run();
    assert!(
        ran.stderr.contains("seq 17") && ran.stderr.contains("corrections do not nest"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_entry_larger_than_the_limit_is_refused_before_decoding() {
    let mut bytes = nested_correction_bytes(3, 0);
    bytes.resize(MAX_ENTRY_BYTES + 1, 0);
    assert_eq!(
        Entry::decode(&bytes),
        Err(CodecError::TooLarge(MAX_ENTRY_BYTES + 1))
    );
}

#[test]
fn an_append_whose_entry_would_exceed_the_limit_writes_nothing() {
    let f = build();
    let before = Ledger::open_read(&f.path).unwrap().head().unwrap();
    let text = "#".repeat(MAX_ENTRY_BYTES);
    let event = Event::RuleSetAdopted(RuleSetAdopted {
        name: "big".into(),
        digest: jixiao::rules::digest(&text),
        text,
    });
    let ledger = Ledger::open(&f.path).unwrap();
    // Later than the fixture's last entry (recorded times never go backwards), so that only
    // the size can be the reason for the refusal.
    let e = ledger
        .append(&f.admin.signing, vec![event], 1_700_000_000)
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::EntryTooLarge { seq, .. } if seq == before.size + 1),
        "{e}"
    );
    drop(ledger);
    assert_eq!(Ledger::open_read(&f.path).unwrap().head().unwrap(), before);
}

#[test]
fn a_rule_set_text_over_its_limit_is_refused() {
    let text = format!(
        "name = \"x\"\n{}",
        "#".repeat(limits::MAX_RULES_BYTES as usize)
    );
    let e = jixiao::rules::RuleSet::parse(&text).unwrap_err();
    assert!(e.to_string().contains("512 KiB"), "{e}");
}

#[test]
fn a_checkpoint_or_proof_text_over_its_limit_is_refused() {
    let big = "a".repeat(limits::MAX_CHECKPOINT_BYTES as usize + 1);
    assert!(matches!(
        SignedCheckpoint::parse(&big),
        Err(CheckpointError::TooLarge { .. })
    ));
    let big = " ".repeat(limits::MAX_PROOF_FILE_BYTES as usize + 1);
    let none: [(&str, ed25519_dalek::VerifyingKey); 0] = [];
    assert!(matches!(
        check_proof_text(&big, &none),
        Err(ProofError::TooLarge { .. })
    ));
}

/// A file of `len` bytes (sparse: nothing is written but its length).
fn sized_file(t: &Test, name: &str, len: u64) -> std::path::PathBuf {
    let p = t.path(name);
    std::fs::File::create(&p).unwrap().set_len(len).unwrap();
    p
}

#[test]
fn an_import_file_over_512_mib_is_refused_with_exit_2_naming_file_and_limit() {
    let f = build();
    for name in ["big.toml", "big.csv"] {
        let t = Test::new();
        sized_file(&t, name, limits::MAX_IMPORT_FILE_BYTES + 1);
        let ran = t
            .arg("import")
            .arg(&f.path)
            .arg(name)
            .args(["--key", "none.key"])
            .status(2)
            .stderr_contains(name)
            .stderr_contains("512 MiB")
            .run();
        assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    }
}

#[test]
fn a_key_file_over_64_kib_is_refused() {
    let t = Test::new();
    let p = sized_file(&t, "big.key", limits::MAX_KEY_FILE_BYTES + 1);
    let e = KeyPair::read(&p).err().unwrap();
    assert!(e.to_string().contains("64 KiB"), "{e}");
    let e = jixiao::ledger::keys::read_public(&p).unwrap_err();
    assert!(e.to_string().contains("64 KiB"), "{e}");
}

#[test]
fn deeply_nested_toml_and_json_are_refused_not_a_stack_overflow() {
    const N: usize = 100_000;
    let arrays = format!("{}1{}", "[".repeat(N), "]".repeat(N));
    let tables = format!("{}1{}", "{ a = ".repeat(N), " }".repeat(N));
    for value in [&arrays, &tables] {
        let rules = format!("name = \"x\"\nv = {value}\n");
        assert!(jixiao::rules::RuleSet::parse(&rules).is_err());
        let events =
            format!("format = \"jixiao-events/1\"\n[[event]]\nkind = \"fact\"\nv = {value}\n");
        assert!(
            jixiao::import::parse_batch(&events, std::path::Path::new("e.toml"), 2022).is_err()
        );
    }
    let none: [(&str, ed25519_dalek::VerifyingKey); 0] = [];
    let json = format!("{}{}", "[".repeat(N), "]".repeat(N));
    assert!(check_proof_text(&json, &none).is_err());
    let json = format!("{{\"format\": {}1{}}}", "[".repeat(N), "]".repeat(N));
    assert!(check_proof_text(&json, &none).is_err());
}

#[test]
fn adopt_of_a_rule_set_file_over_512_kib_exits_2_naming_file_and_limit() {
    let f = build();
    let t = Test::new();
    f.admin.write(&t.path("admin.key")).unwrap();
    sized_file(&t, "big-rules.toml", limits::MAX_RULES_BYTES + 1);
    t.arg("adopt")
        .arg(&f.path)
        .args(["big-rules.toml", "--key", "admin.key"])
        .status(2)
        .stderr_contains("big-rules.toml")
        .stderr_contains("512 KiB")
        .run();
}

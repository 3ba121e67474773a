#!/usr/bin/env python3
"""Rebuilds fuzz/seeds/ from the fixtures and a demo directory (`jixiao demo --keep DIR`).

Usage: python3 fuzz/make_seeds.py DEMO_DIR
Entry seeds are the stored entries carried by the demo's proof files and report (its bundle
holds every entry), plus hand-built corrections (docs/FORMAT.md §3): a valid retraction and the nested
forms the decoder must refuse. After rebuilding, put the demo's admin and auditor public keys
into fuzz/fuzz_targets/shared/mod.rs (SEED_KEYS) so that the seeds' signatures verify.
"""
import base64
import hashlib
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"
KAT_CHECKPOINT = (
    "jixiao/000102030405060708090a0b0c0d0e0f\n8\njhbNh8v9KKsEjJi3CsH8EpPnkzNWkNFmnUOC8XoPaD0=\n\n"
    "\u2014 jixiao/000102030405060708090a0b0c0d0e0f "
    "GRoYq3jyAGdErwrLVgnjfm1xCmoMD7odsUvTiJkhjHcPezp/on5MPU4AIFJLMA95/EPo+RPX8XXGnZdXlRBKIbUriwM=\n"
)
KAT_ENTRY_1 = (
    "0101b7c98cbcaab42391ef1965bdaac3be33d749f337209afe7923255560719a79d680b486bb0ce34ec7dfb9a882"
    "17000ce6b58be8af95e983a8e997a803543031cc1f018a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121b"
    "f3748801b40f6f5c0561646d696e"
)


def nested_correction(depth):
    """Entry seq 3 whose event is `depth` corrections nested in one (a bare retraction inside)."""
    b = bytes([0x01, 0x03]) + bytes([0x22] * 32) + b"\x00" + bytes([0x33] * 8)
    b += bytes([0x0C, 0x01, 0x00, 0x01]) * depth + bytes([0x0C, 0x01, 0x00, 0x00, 0x01])
    return b + bytes([0x01]) * depth


def put(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def entries_of(doc, out):
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "entry" and isinstance(v, str):
                out.add(v)
            elif k == "bundle" and isinstance(v, dict) and isinstance(v.get("entries"), list):
                # A report bundle (docs/FORMAT.md §10): every stored entry, base64.
                for b in v["entries"]:
                    out.add(base64.b64decode(b).hex())
            else:
                entries_of(v, out)
    elif isinstance(doc, list):
        for v in doc:
            entries_of(v, out)


def checkpoints_of(doc, out):
    if isinstance(doc, dict):
        for k, v in doc.items():
            if isinstance(v, str) and v.startswith("jixiao/") and "\u2014 " in v:
                out.add(v)
            else:
                checkpoints_of(v, out)
    elif isinstance(doc, list):
        for v in doc:
            checkpoints_of(v, out)


def main():
    demo = pathlib.Path(sys.argv[1])
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    fixtures = ROOT / "fixtures" / "conghua-2022"
    proofs = sorted(demo.glob("proof-*.json"))
    report = demo / "report.json"
    entries, checkpoints = {KAT_ENTRY_1}, {KAT_CHECKPOINT}
    for p in proofs + [report]:
        doc = json.loads(p.read_text())
        entries_of(doc, entries)
        checkpoints_of(doc, checkpoints)
    checkpoints.add((demo / "checkpoint-final.txt").read_text())
    for e in sorted(entries):
        put("entry", hashlib.sha256(e.encode()).hexdigest()[:16], bytes.fromhex(e))
    put("entry", "retraction", nested_correction(0))
    put("entry", "nested-2", nested_correction(1))
    put("entry", "nested-deep", nested_correction(20000))
    for c in sorted(checkpoints):
        put("checkpoint", hashlib.sha256(c.encode()).hexdigest()[:16], c)
    for p in proofs:
        put("proof_file", p.name, p.read_bytes())
    put("report_json", "report.json", report.read_bytes())
    put("ledger_file", "conghua-2022-v1.jixiao",
        (ROOT / "fixtures" / "ledgers" / "conghua-2022-v1.jixiao").read_bytes())
    for k in sorted(demo.glob("*.key")) + sorted(demo.glob("*.key.pub")):
        put("key_file", k.name, k.read_bytes())
    for t in sorted(fixtures.glob("0*.toml")):
        put("event_toml", t.name, t.read_bytes())
    put("rules_toml", "rules.toml", (fixtures / "rules.toml").read_bytes())
    put("budget_csv", "zh.csv",
        "资金来源,支出类型,类型,金额,日期,批文号,事由\n"
        "一般公共预算,基本支出,支出,960.00万元,2022-06-30,,上半年支出\n"
        "一般公共预算,基本支出,追加,\"19,236,500.00\",2022-12-31,从府办〔2022〕12号,追加\n")
    put("budget_csv", "en.csv",
        "fund_source,expense_type,project,budget_kind,amount,date,document,reason\n"
        "general_public,project,P01,year_start,1923.65万元,2022-01-01,,年初\n"
        "unit_funds,basic_staff,,reallocate,-5.5,2022-07-01,调〔2022〕3号,调剂\n")
    for d in sorted(SEEDS.iterdir()):
        print(d.name, len(list(d.iterdir())))


main()

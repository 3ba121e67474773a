#!/usr/bin/env python3
"""Re-verify a jixiao export (`jixiao export LEDGER --jsonl`) from docs/FORMAT.md alone.

usage: scripts/reverify-export.py EXPORT.jsonl

Independent of jixiao's own code: Python's standard library plus `blake3` and either `pynacl`
or `cryptography` from PyPI (pip install blake3 pynacl). Checks, in order, and stops at the
first failure (exit 1, naming the line and seq):

  - every entry's hash is derive_key("jixiao ledger v1 entry hash", stored bytes)   (§4)
  - the envelope read from the stored bytes (version, seq, prev, recorded_at, author) is what
    the line says, seqs are 1, 2, 3, ..., each prev is the hash of the entry before, entry 1's
    is derive_key("jixiao ledger v1 genesis prev", ledger id), recorded times never decrease
                                                                                     (§3, §4, §6)
  - each batch line closes the entries before it, its author wrote all of them, and its
    Ed25519 signature verifies over the batch message with the author's public key   (§5)
  - the author held the role the event needs, by the registry built from the Genesis, Grant
    and Revoke events (public keys taken from the decoded events and required to occur in the
    stored bytes; key id = first 8 bytes of derive_key("jixiao ledger v1 key id", key)) (§6)
  - the header's head, Merkle root (§9.1) and counts, and the key lines, match
  - every kept checkpoint's root is the Merkle root at its size and at least one of its
    signature lines is a valid signature by a registry key                            (§9.4)

Exit 0 when all of it holds, 1 on a failure, 2 when the file cannot be read as an export, 3
when a package is missing.
"""

import base64
import hashlib
import json
import sys

try:
    import blake3
except ImportError:
    print("needs the blake3 package: pip install blake3", file=sys.stderr)
    sys.exit(3)

try:
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    def ed25519_ok(public, message, signature):
        try:
            VerifyKey(public).verify(message, signature)
            return True
        except BadSignatureError:
            return False

except ImportError:
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        def ed25519_ok(public, message, signature):
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
                return True
            except InvalidSignature:
                return False

    except ImportError:
        print("needs pynacl or cryptography: pip install pynacl", file=sys.stderr)
        sys.exit(3)


def derive_key(context, material):
    return blake3.blake3(material, derive_key_context=context).digest()


K_LEAF = derive_key("jixiao ledger v1 merkle leaf", b"")
K_NODE = derive_key("jixiao ledger v1 merkle node", b"")
EMPTY = derive_key("jixiao ledger v1 merkle empty", b"")


def leaf_v1(h):
    return blake3.blake3(h, key=K_LEAF).digest()


def node_v1(l, r):
    return blake3.blake3(l + r, key=K_NODE).digest()


def leaf_v2(h):
    return hashlib.sha256(b"\x00" + h).digest()


def node_v2(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


# The tree of each ledger format (§9.1): format 1 keyed BLAKE3, format 2 RFC 6962 (SHA-256).
TREES = {
    1: (leaf_v1, node_v1, EMPTY),
    2: (leaf_v2, node_v2, hashlib.sha256(b"").digest()),
}


def mth(hashes, version):
    """Merkle tree hash of entry hashes (§9.1), iteratively over the perfect subtrees."""
    leaf, node, empty = TREES[version]
    if not hashes:
        return empty
    # Roots of the perfect subtrees, largest first, as in the frontier (§9.2).
    stack = []  # (height, hash)
    for h in hashes:
        cur = (0, leaf(h))
        while stack and stack[-1][0] == cur[0]:
            left = stack.pop()
            cur = (cur[0] + 1, node(left[1], cur[1]))
        stack.append(cur)
    root = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        root = node(h, root)
    return root


def varint(b, i):
    """LEB128 unsigned varint at b[i:]; returns (value, next index)."""
    v, shift = 0, 0
    while True:
        byte = b[i]
        v |= (byte & 0x7F) << shift
        i += 1
        if byte & 0x80 == 0:
            return v, i
        shift += 7


def envelope(stored):
    """version, seq, prev, recorded_at, author of an entry's stored bytes (§3)."""
    version, i = varint(stored, 0)
    seq, i = varint(stored, i)
    prev = stored[i : i + 32]
    i += 32
    z, i = varint(stored, i)
    recorded_at = (z >> 1) ^ -(z & 1)
    author = stored[i : i + 8]
    return version, seq, prev, recorded_at, author


# The Event enum of FORMAT.md §3, as the export's `event` field shows it (serde's shape:
# {"Variant": {field: value}}), decoded here from the stored bytes to compare with it.
ENUMS = {
    "Role": ["Admin", "Recorder", "Evaluator", "Auditor"],
    "FundSource": ["GeneralPublic", "GovernmentFund", "SpecialAccount", "UnitFunds", "Other"],
    "ExpenseType": ["Basic", "BasicStaff", "BasicRunning", "Project"],
    "BudgetKind": [
        "YearStart", "CarryIn", "AdjustAdd", "AdjustCut", "Reallocate",
        "Execution", "ExecutionCumulative", "CarryOut", "PriorYearBudget", "PriorYearExecuted",
    ],
    "Direction": ["Equal", "AtLeast", "AtMost"],
}
PRINCIPAL = [("public_key", "b32"), ("name", "str")]
STRUCTS = {
    "Principal": PRINCIPAL,
    "BudgetLine": [("fund_source", "FundSource"), ("expense_type", "ExpenseType"), ("project", "str")],
}
EVENTS = [
    ("Genesis", [("department", "str"), ("department_code", "str"), ("year", "i32"), ("admins", ["Principal"])]),
    ("Grant", [("principal", "Principal"), ("role", "Role")]),
    ("Revoke", [("key_id", "b8"), ("role", "Role"), ("reason", "str")]),
    ("RuleSetAdopted", [("name", "str"), ("text", "str"), ("digest", "b32")]),
    ("Staffing", [("category", "str"), ("establishment", "u"), ("actual", "u"), ("retired", "u"), ("date", "date")]),
    ("Budget", [("line", "BudgetLine"), ("kind", "BudgetKind"), ("amount", "i64"), ("date", "date"), ("document", "str"), ("reason", "str")]),
    ("IndicatorTarget", [("indicator", "str"), ("name", "str"), ("direction", "Direction"), ("unit", "str"), ("year_start", "num"), ("adjusted", ("opt", "num")), ("date", "date")]),
    ("IndicatorValue", [("indicator", "str"), ("value", "num"), ("date", "date"), ("deviation_reason", "str"), ("evidence", ["u"])]),
    ("Fact", [("key", "str"), ("name", "str"), ("value", "num"), ("unit", "str"), ("date", "date"), ("source", "str")]),
    ("Evidence", [("name", "str"), ("size", "u"), ("blake3", "b32"), ("description", "str")]),
    ("Claim", [("id", "str"), ("subject", "str"), ("value", "num"), ("unit", "str"), ("text", "str"), ("section", "str")]),
    ("ScoreAdjustment", [("node", "str"), ("delta", "num"), ("reason", "str"), ("basis", "str")]),
    ("Correction", [("supersedes", "u"), ("reason", "str"), ("replacement", ("opt", "Event")), ("retracted_kind_role", "Role")]),
    ("Acknowledgement", [("finding", "str"), ("reason", "str")]),
]


class Reader:
    def __init__(self, b, i):
        self.b, self.i = b, i

    def u(self):
        v, self.i = varint(self.b, self.i)
        return v

    def i_(self):
        z = self.u()
        return (z >> 1) ^ -(z & 1)

    def raw(self, n):
        if self.i + n > len(self.b):
            raise ValueError("stored bytes end early")
        out = self.b[self.i : self.i + n]
        self.i += n
        return out

    def value(self, t):
        if isinstance(t, list):
            return [self.value(t[0]) for _ in range(self.u())]
        if isinstance(t, tuple):
            flag = self.raw(1)[0]
            if flag > 1:
                raise ValueError("bad option flag")
            return self.value(t[1]) if flag else None
        if t == "str":
            return self.raw(self.u()).decode("utf-8")
        if t in ("u",):
            return self.u()
        if t in ("i32", "i64"):
            return self.i_()
        if t == "b32":
            return list(self.raw(32))
        if t == "b8":
            return list(self.raw(8))
        if t == "num":
            return [self.i_(), self.u()]
        if t == "date":
            return [self.i_(), self.raw(1)[0], self.raw(1)[0]]
        if t in ENUMS:
            return ENUMS[t][self.u()]
        if t in STRUCTS:
            return {name: self.value(ft) for name, ft in STRUCTS[t]}
        if t == "Event":
            index = self.u()
            if index >= len(EVENTS):
                raise ValueError(f"unknown event variant {index}")
            name, fields = EVENTS[index]
            return {name: {f: self.value(ft) for f, ft in fields}}
        raise AssertionError(t)


def decode_event(stored):
    """The event of an entry's stored bytes, as serde shows it; no bytes may remain (§3)."""
    _, i = varint(stored, 0)
    _, i = varint(stored, i)
    i += 32
    _, i = varint(stored, i)
    i += 8
    r = Reader(stored, i)
    event = r.value("Event")
    if r.i != len(stored):
        raise ValueError(f"{len(stored) - r.i} bytes after the event")
    return event


ROLE_OF_KIND = {
    "Grant": "Admin",
    "Revoke": "Admin",
    "RuleSetAdopted": "Admin",
    "Staffing": "Recorder",
    "Budget": "Recorder",
    "IndicatorTarget": "Recorder",
    "IndicatorValue": "Recorder",
    "Fact": "Recorder",
    "Evidence": "Recorder",
    "Claim": "Recorder",
    "ScoreAdjustment": "Evaluator",
    "Acknowledgement": "Evaluator",
}


class Failed(Exception):
    pass


def key_id(public):
    return derive_key("jixiao ledger v1 key id", public)[:8]


def note_key_hash(name, public):
    return hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]


def check(path):
    with open(path, "rb") as f:
        raw = f.read().split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    else:
        raise Failed("the last line has no line end: truncated")
    lines = [json.loads(l) for l in raw]
    header = lines[0]
    if header.get("type") != "ledger" or header.get("format") != "jixiao-export/1":
        raise Failed("line 1: not a jixiao-export/1 header")
    if header.get("format_version") not in TREES:
        raise Failed(f"line 1: ledger format {header.get('format_version')}; this script knows formats 1 and 2")
    ledger_id = bytes.fromhex(header["ledger_id"])
    prev = derive_key("jixiao ledger v1 genesis prev", ledger_id)
    last_time = None
    hashes = []
    registry = {}  # key id -> {"public": bytes, "name": str, "roles": set}
    batch_first = 1
    authors = set()
    counts = {"entry": 0, "batch": 0, "key": 0, "checkpoint": 0}
    keys_seen = []
    checkpoints = []

    def fail(n, seq, why):
        at = f" seq {seq}" if seq is not None else ""
        raise Failed(f"line {n}{at}: {why}")

    for n, line in enumerate(lines[1:], start=2):
        t = line.get("type")
        if t not in counts:
            fail(n, None, f"unknown line type {t!r}")
        counts[t] += 1
        if t == "entry":
            seq = line["seq"]
            stored = bytes.fromhex(line["stored"])
            h = derive_key("jixiao ledger v1 entry hash", stored)
            if h.hex() != line["hash"]:
                fail(n, seq, "hash is not the entry hash of the stored bytes")
            version, eseq, eprev, recorded_at, author = envelope(stored)
            expected = len(hashes) + 1
            if eseq != expected or seq != expected:
                fail(n, seq, f"expected seq {expected}, the stored bytes say {eseq}")
            if version != 1 or line["version"] != version:
                fail(n, seq, f"envelope version {version}")
            if eprev != prev or line["prev"] != eprev.hex():
                fail(n, seq, "prev is not the hash of the entry before (broken chain)")
            if line["recorded_at"] != recorded_at or line["author"] != author.hex():
                fail(n, seq, "recorded_at or author differ from the stored bytes")
            if last_time is not None and recorded_at < last_time:
                fail(n, seq, "recorded time earlier than the entry before")
            try:
                decoded = decode_event(stored)
            except (ValueError, IndexError, UnicodeDecodeError) as e:
                fail(n, seq, f"the stored bytes do not decode: {e}")
            if decoded != line["event"]:
                fail(n, seq, "the decoded event differs from the one the stored bytes hold")
            (kind, body), = decoded.items()
            # Authorisation (§6), before the entry's own effect.
            if seq == 1:
                if kind != "Genesis":
                    fail(n, seq, "entry 1 is not Genesis")
                for p in body["admins"]:
                    public = bytes(p["public_key"])
                    if public not in stored:
                        fail(n, seq, "an admin key is not in the stored bytes")
                    registry[key_id(public)] = {"public": public, "name": p["name"], "roles": {"Admin"}}
                if author not in registry:
                    fail(n, seq, "the genesis author is not one of its admins")
            else:
                if kind == "Genesis":
                    fail(n, seq, "Genesis after entry 1")
                if kind == "Correction":
                    rep = body.get("replacement")
                    need = ROLE_OF_KIND[next(iter(rep))] if rep else body["retracted_kind_role"]
                else:
                    need = ROLE_OF_KIND[kind]
                rec = registry.get(author)
                if rec is None or need not in rec["roles"]:
                    fail(n, seq, f"author {author.hex()} does not hold the {need} role (unauthorized)")
                if kind == "Grant":
                    p = body["principal"]
                    public = bytes(p["public_key"])
                    if public not in stored:
                        fail(n, seq, "the granted key is not in the stored bytes")
                    rec = registry.setdefault(key_id(public), {"public": public, "name": "", "roles": set()})
                    rec["roles"].add(body["role"])
                    if p["name"]:
                        rec["name"] = p["name"]
                elif kind == "Revoke":
                    revoked = registry.get(bytes(body["key_id"]))
                    if revoked is None or body["role"] not in revoked["roles"]:
                        fail(n, seq, "Revoke of a role the key does not hold")
                    revoked["roles"].discard(body["role"])
            authors.add(author)
            prev, last_time = h, recorded_at
            hashes.append(h)
        elif t == "batch":
            first, last = line["first"], line["last"]
            if first != batch_first or last != len(hashes):
                fail(n, None, f"batch {first}..={last} does not close the entries before it")
            author = bytes.fromhex(line["author"])
            if authors != {author}:
                fail(n, first, "an entry of the batch has another author (author mismatch)")
            message = (
                b"jixiao ledger v1 batch signature"
                + ledger_id
                + first.to_bytes(8, "little")
                + last.to_bytes(8, "little")
                + hashes[-1]
            )
            if author not in registry:
                fail(n, first, f"batch {first}..={last}: the author {author.hex()} is not a key of the ledger")
            if not ed25519_ok(registry[author]["public"], message, bytes.fromhex(line["signature"])):
                fail(n, first, f"the signature of batch {first}..={last} does not verify (bad signature)")
            batch_first, authors = last + 1, set()
        elif t == "key":
            keys_seen.append(line)
        else:
            checkpoints.append((n, line))
    if authors:
        raise Failed(f"entries from seq {batch_first} on are in no signed batch (unsigned)")
    for what, said in (("entry", "entries"), ("batch", "batches"), ("key", "keys"), ("checkpoint", "checkpoints")):
        if counts[what] != header[said]:
            raise Failed(f"line 1: the header says {header[said]} {said}, the file has {counts[what]}")
    if not hashes or hashes[-1].hex() != header["head"]:
        raise Failed("line 1: head differs from the last entry's hash")
    root = mth(hashes, header["format_version"])
    if root.hex() != header["merkle_root"]:
        raise Failed("line 1: merkle_root differs from the root recomputed over the entries")
    role_order = ["Admin", "Recorder", "Evaluator", "Auditor"]
    derived = sorted(
        (
            {
                "type": "key",
                "key_id": k.hex(),
                "public_key": r["public"].hex(),
                "name": r["name"],
                "roles": [x.lower() for x in role_order if x in r["roles"]],
            }
            for k, r in registry.items()
        ),
        key=lambda x: x["key_id"],
    )
    if derived != keys_seen:
        raise Failed("the key lines differ from the registry the history gives")
    by_hash = {}
    for r in registry.values():
        by_hash.setdefault(r["public"], r)
    for n, c in checkpoints:
        text = c["text"]
        body, _, sigs = text.partition("\n\n")
        origin, size, root_b64 = body.split("\n")
        body = body + "\n"
        if origin != "jixiao/" + ledger_id.hex() or int(size) != c["size"] or int(size) > len(hashes):
            fail(n, None, "checkpoint: origin or size do not match the ledger")
        if base64.b64decode(root_b64) != mth(hashes[: int(size)], header["format_version"]):
            fail(n, None, f"checkpoint at size {size}: its root is not the Merkle root at that size")
        good = 0
        for s in sigs.rstrip("\n").split("\n"):
            if not s.startswith("\u2014 "):
                fail(n, None, "checkpoint: a signature line without the em dash")
            name, b64 = s[2:].rsplit(" ", 1)
            blob = base64.b64decode(b64)
            for public in by_hash:
                if note_key_hash(name, public) == blob[:4]:
                    if not ed25519_ok(public, body.encode(), blob[4:]):
                        fail(n, None, f"checkpoint at size {size}: the signature by {name} does not verify")
                    good += 1
        if good == 0:
            fail(n, None, f"checkpoint at size {size}: no signature by a key of the ledger")
    return header, len(hashes), counts["batch"], len(checkpoints), root


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    try:
        header, n, batches, cps, root = check(sys.argv[1])
    except Failed as e:
        print(f"FAILED: {sys.argv[1]}: {e}")
        sys.exit(1)
    except (OSError, ValueError, KeyError, IndexError, TypeError, StopIteration) as e:
        print(f"error: {sys.argv[1]}: not a readable export: {e!r}", file=sys.stderr)
        sys.exit(2)
    print(
        f"ok: {sys.argv[1]}: ledger {header['ledger_id']}, {n} entries in {batches} signed batches, "
        f"{cps} checkpoints, head {header['head'][:16]}, merkle root {root.hex()[:16]}"
    )


if __name__ == "__main__":
    main()

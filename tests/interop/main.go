// Command interop checks jixiao's checkpoints and proof files with Go's own transparency-log
// code, golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog, and nothing of jixiao's:
// the signatures with note.Open, inclusion proofs with tlog.CheckRecord and consistency proofs
// with tlog.CheckTree. It also makes C2SP cosignature/v1 witness cosignatures with a signer
// built by hand from the specification, for jixiao to check. See README.md.
//
// Usage:
//
//	interop checkpoint  -key NAME=HEX... FILE   verify a signed checkpoint
//	interop inclusion   -key NAME=HEX... FILE   check a jixiao-inclusion-proof/2 file
//	interop consistency -key NAME=HEX... FILE   check a jixiao-consistency-proof/2 file
//	interop cosign -key NAME=HEX -witness NAME -seed HEX -time UNIX FILE
//	                                           print FILE's checkpoint with a cosignature added
//	interop vkey -witness NAME -seed HEX       print the witness's vkey (name+hash+base64)
//
// A key is a signer name and a 32-byte Ed25519 public key in hex. Exit status 0: accepted;
// 1: refused (the reason on stderr); 2: bad usage.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

func usage(msg string) {
	fmt.Fprintln(os.Stderr, "interop:", msg)
	os.Exit(2)
}

func refuse(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "REFUSED: "+format+"\n", args...)
	os.Exit(1)
}

// verifiers turns NAME=HEX keys into note verifiers through the standard vkey encoding.
func verifiers(keys keyList) note.Verifiers {
	var vs []note.Verifier
	for _, k := range keys {
		name, hx, ok := strings.Cut(k, "=")
		pub, err := hex.DecodeString(hx)
		if !ok || err != nil {
			usage("a key is NAME=HEX, got " + k)
		}
		vkey, err := note.NewEd25519VerifierKey(name, ed25519.PublicKey(pub))
		if err != nil {
			usage(err.Error())
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			usage(err.Error())
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...)
}

// openCheckpoint opens a signed checkpoint with note.Open and parses its C2SP tlog-checkpoint
// body (origin, size, base64 root).
func openCheckpoint(text string, known note.Verifiers) (origin string, size int64, root tlog.Hash, signers []string, err error) {
	n, err := note.Open([]byte(text), known)
	if err != nil {
		return "", 0, root, nil, fmt.Errorf("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return "", 0, root, nil, errors.New("checkpoint body is not origin, size, root")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return "", 0, root, nil, errors.New("checkpoint size is not a decimal number")
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return "", 0, root, nil, errors.New("checkpoint root is not base64 of 32 bytes")
	}
	copy(root[:], h)
	for _, s := range n.Sigs {
		signers = append(signers, s.Name)
	}
	return lines[0], size, root, signers, nil
}

type inclusionFile struct {
	Format      string           `json:"format"`
	LedgerID    string           `json:"ledger_id"`
	Seq         int64            `json:"seq"`
	Entry       string           `json:"entry"`
	EntryHash   string           `json:"entry_hash"`
	Index       int64            `json:"index"`
	TreeSize    int64            `json:"tree_size"`
	RecordHash  tlog.Hash        `json:"record_hash"`
	TreeHash    tlog.Hash        `json:"tree_hash"`
	RecordProof tlog.RecordProof `json:"record_proof"`
	Checkpoint  string           `json:"checkpoint"`
}

type consistencyFile struct {
	Format        string         `json:"format"`
	LedgerID      string         `json:"ledger_id"`
	OldSize       int64          `json:"old_size"`
	OldHash       tlog.Hash      `json:"old_hash"`
	NewSize       int64          `json:"new_size"`
	NewHash       tlog.Hash      `json:"new_hash"`
	TreeProof     tlog.TreeProof `json:"tree_proof"`
	OldCheckpoint string         `json:"old_checkpoint"`
	NewCheckpoint string         `json:"new_checkpoint"`
}

func readJSON(path string, v interface{}) {
	b, err := os.ReadFile(path)
	if err != nil {
		usage(err.Error())
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		refuse("%s: %v", path, err)
	}
}

func checkInclusion(path string, known note.Verifiers) {
	var f inclusionFile
	readJSON(path, &f)
	if f.Format != "jixiao-inclusion-proof/2" {
		refuse("format %q", f.Format)
	}
	origin, size, root, signers, err := openCheckpoint(f.Checkpoint, known)
	if err != nil {
		refuse("checkpoint: %v", err)
	}
	if origin != "jixiao/"+f.LedgerID {
		refuse("checkpoint origin %q is not jixiao/%s", origin, f.LedgerID)
	}
	if size != f.TreeSize || root != f.TreeHash {
		refuse("the proof's tree (%d, %v) is not the checkpoint's (%d, %v)", f.TreeSize, f.TreeHash, size, root)
	}
	// The leaf data is the 32-byte entry hash; tlog hashes it as SHA-256(0x00 || data).
	data, err := hex.DecodeString(f.EntryHash)
	if err != nil || len(data) != 32 {
		refuse("entry_hash is not 64 hex digits")
	}
	if tlog.RecordHash(data) != f.RecordHash {
		refuse("record_hash is not tlog.RecordHash(entry_hash)")
	}
	if f.Index != f.Seq-1 {
		refuse("index %d is not seq - 1", f.Index)
	}
	if err := tlog.CheckRecord(f.RecordProof, f.TreeSize, f.TreeHash, f.Index, f.RecordHash); err != nil {
		refuse("tlog.CheckRecord: %v", err)
	}
	fmt.Printf("OK inclusion seq %d in tree %d signed by %s\n", f.Seq, size, strings.Join(signers, ","))
}

func checkConsistency(path string, known note.Verifiers) {
	var f consistencyFile
	readJSON(path, &f)
	if f.Format != "jixiao-consistency-proof/2" {
		refuse("format %q", f.Format)
	}
	for _, c := range []struct {
		text string
		size int64
		hash tlog.Hash
	}{{f.OldCheckpoint, f.OldSize, f.OldHash}, {f.NewCheckpoint, f.NewSize, f.NewHash}} {
		origin, size, root, _, err := openCheckpoint(c.text, known)
		if err != nil {
			refuse("checkpoint: %v", err)
		}
		if origin != "jixiao/"+f.LedgerID {
			refuse("checkpoint origin %q is not jixiao/%s", origin, f.LedgerID)
		}
		if size != c.size || root != c.hash {
			refuse("the proof's tree (%d, %v) is not its checkpoint's (%d, %v)", c.size, c.hash, size, root)
		}
	}
	if err := tlog.CheckTree(f.TreeProof, f.NewSize, f.NewHash, f.OldSize, f.OldHash); err != nil {
		refuse("tlog.CheckTree: %v", err)
	}
	fmt.Printf("OK consistency %d -> %d\n", f.OldSize, f.NewSize)
}

// cosigner is a note.Signer made from the C2SP tlog-cosignature specification
// (https://c2sp.org/tlog-cosignature): key hash SHA-256(name || "\n" || 0x04 || pubkey)[:4];
// it signs "cosignature/v1\ntime <t>\n" followed by the checkpoint body, and the signature
// bytes are the 8-byte big-endian time followed by the Ed25519 signature.
type cosigner struct {
	name string
	key  ed25519.PrivateKey
	time uint64
}

func (c *cosigner) Name() string { return c.name }
func (c *cosigner) KeyHash() uint32 {
	h := sha256.New()
	h.Write([]byte(c.name + "\n"))
	h.Write([]byte{0x04})
	h.Write(c.key.Public().(ed25519.PublicKey))
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}
func (c *cosigner) Sign(msg []byte) ([]byte, error) {
	signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", c.time)), msg...)
	out := make([]byte, 8, 8+ed25519.SignatureSize)
	binary.BigEndian.PutUint64(out, c.time)
	return append(out, ed25519.Sign(c.key, signed)...), nil
}

func witnessKey(seedHex string) ed25519.PrivateKey {
	seed, err := hex.DecodeString(seedHex)
	if err != nil || len(seed) != ed25519.SeedSize {
		usage("-seed is 64 hex digits")
	}
	return ed25519.NewKeyFromSeed(seed)
}

func main() {
	if len(os.Args) < 2 {
		usage("give a command: checkpoint, inclusion, consistency, cosign, vkey")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	var keys keyList
	fs.Var(&keys, "key", "trusted signer NAME=HEX (repeatable)")
	witness := fs.String("witness", "", "witness name")
	seed := fs.String("seed", "", "witness Ed25519 seed, hex")
	when := fs.Uint64("time", 0, "cosignature time, Unix seconds")
	fs.Parse(os.Args[2:])
	known := verifiers(keys)
	switch os.Args[1] {
	case "checkpoint":
		b, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			usage(err.Error())
		}
		origin, size, root, signers, err := openCheckpoint(string(b), known)
		if err != nil {
			refuse("%v", err)
		}
		fmt.Printf("OK checkpoint %s %d %v signed by %s\n", origin, size, root, strings.Join(signers, ","))
	case "inclusion":
		checkInclusion(fs.Arg(0), known)
	case "consistency":
		checkConsistency(fs.Arg(0), known)
	case "vkey":
		k := witnessKey(*seed)
		c := &cosigner{name: *witness, key: k}
		fmt.Printf("%s+%08x+%s\n", *witness, c.KeyHash(),
			base64.StdEncoding.EncodeToString(append([]byte{0x04}, k.Public().(ed25519.PublicKey)...)))
	case "cosign":
		b, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			usage(err.Error())
		}
		n, err := note.Open(b, known)
		if err != nil {
			refuse("note.Open: %v", err)
		}
		out, err := note.Sign(n, &cosigner{name: *witness, key: witnessKey(*seed), time: *when})
		if err != nil {
			refuse("note.Sign: %v", err)
		}
		os.Stdout.Write(out)
	default:
		usage("unknown command " + os.Args[1])
	}
}

//! The ledger-layer half of `jixiao verify`, for `scripts/bench-cli.sh`: the file's integrity
//! (chain, hashes, signatures, roles, Merkle tree) through the library alone, without the
//! replay, the score or the claims, so the whole command's time can be given as a multiple of
//! it on the same file.
//!
//! `cargo run --release --example ledger_verify -- LEDGER` prints the entries verified and the
//! seconds taken; exit 1 if the file does not verify.

use jixiao::ledger::Ledger;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: ledger_verify LEDGER")?;
    let start = Instant::now();
    let ledger = Ledger::open_read(std::path::Path::new(&path))?;
    match ledger.verify(&mut |_| {}) {
        Ok(v) => {
            let secs = start.elapsed().as_secs_f64();
            println!("entries {} secs {secs:.3}", v.size);
            Ok(())
        }
        Err(f) => {
            eprintln!("does not verify: {f:?}");
            std::process::exit(1);
        }
    }
}

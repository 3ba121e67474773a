//! The baseline for `scripts/bench-cli.sh`: one read-only pass over every row of a ledger
//! file's `entries` table with redb alone (no decoding, hashing or checking), so the time of
//! `jixiao verify` on the same file can be given as a multiple of it.
//!
//! `cargo run --release --example raw_scan -- LEDGER` prints the row count, the bytes read and
//! the seconds taken.

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::time::Instant;

const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: raw_scan LEDGER")?;
    let start = Instant::now();
    let db = Database::builder().open_read_only(path)?;
    let txn = db.begin_read()?;
    let table = txn.open_table(ENTRIES)?;
    let (mut rows, mut bytes, mut fold) = (0u64, 0u64, 0u8);
    for item in table.iter()? {
        let (k, v) = item?;
        rows += 1;
        let v = v.value();
        bytes += v.len() as u64;
        // Touch the value so the read cannot be skipped.
        fold ^= v.first().copied().unwrap_or(0) ^ (k.value() as u8);
    }
    let secs = start.elapsed().as_secs_f64();
    println!("rows {rows} bytes {bytes} secs {secs:.3} fold {fold}");
    Ok(())
}

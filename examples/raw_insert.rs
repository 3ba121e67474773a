//! The baseline of an import for `scripts/bench-cli.sh`: the stored bytes of every entry of a
//! ledger file inserted with redb alone into a new file, in one write transaction with
//! two-phase commit as an import writes them (no parsing, encoding, hashing, signing or
//! checking), so the import's rate can be given as a multiple of it.
//!
//! `cargo run --release --example raw_insert -- LEDGER OUT` prints the rows, bytes and seconds
//! of the insert (reading the source is not timed: its rows are read first).

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::time::Instant;

const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(src), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: raw_insert LEDGER OUT".into());
    };
    let rows: Vec<(u64, Vec<u8>)> = {
        let db = Database::builder().open_read_only(&src)?;
        let txn = db.begin_read()?;
        let table = txn.open_table(ENTRIES)?;
        table
            .iter()?
            .map(|r| r.map(|(k, v)| (k.value(), v.value().to_vec())))
            .collect::<Result<_, _>>()?
    };
    let _ = std::fs::remove_file(&out);
    let start = Instant::now();
    let db = Database::builder().set_cache_size(64 << 20).create(&out)?;
    let mut txn = db.begin_write()?;
    txn.set_two_phase_commit(true);
    let mut bytes = 0u64;
    {
        let mut t = txn.open_table(ENTRIES)?;
        for (k, v) in &rows {
            t.insert(*k, v.as_slice())?;
            bytes += v.len() as u64;
        }
    }
    txn.commit()?;
    drop(db);
    let secs = start.elapsed().as_secs_f64();
    println!("rows {} bytes {bytes} secs {secs:.3}", rows.len());
    Ok(())
}

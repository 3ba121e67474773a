//! What the storage engine's check of every page costs when a ledger is opened for writing
//! (docs/FORMAT.md §11.3): the time of a write open with `set_check_integrity_on_open(true)`,
//! as `Ledger::open` does, against one without, as `Ledger::open_to_append` does on a file that
//! keeps a derived state.
//!
//! `cargo run --release --example open_check -- LEDGER [ROUNDS]` prints the median seconds of
//! each over ROUNDS (default 5) alternating opens. Needs the file to itself (no other writer).

use redb::Database;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: open_check LEDGER [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let (mut checked, mut plain) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        drop(
            Database::builder()
                .set_check_integrity_on_open(true)
                .open(&path)?,
        );
        checked.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        drop(Database::builder().open(&path)?);
        plain.push(t.elapsed().as_secs_f64());
    }
    println!(
        "write open with the page check {:.4} s, without {:.4} s (medians of {})",
        median(checked),
        median(plain),
        rounds.max(1)
    );
    Ok(())
}

//! Writing the derived state (docs/FORMAT.md "Derived state") in the transaction of the batch
//! it follows, or of `verify --rebuild-derived`: the `derived` row and the `derived_days` rows.
//!
//! Owns: which rows are written, replaced or removed. Must not: compute the body (src/eval/
//! snapshot.rs) or the digests of the tail it is bound to (the caller gives them).

use super::derived_row::{
    DERIVED, DERIVED_DAYS, DERIVED_ROW, DayRows, DerivedRow, frontier_digest,
};
use super::entry::EntryHash;
use super::error::{LedgerError, storage_err};
use std::path::Path;

/// The derived state after a batch, with what it was computed at.
pub(super) struct After<'a> {
    /// Entries it covers.
    pub size: u64,
    /// Hash of entry `size`.
    pub head: EntryHash,
    /// The `merkle` frontier bytes after entry `size`.
    pub frontier_bytes: &'a [u8],
    /// Digest of the `keys` rows after entry `size`.
    pub keys: [u8; 32],
    /// The body.
    pub body: &'a [u8],
    /// Its day rows.
    pub days: DayRows<'a>,
}

/// Writes the derived state for the state after a batch, or removes it with every day row
/// (`after` none), in `txn`.
pub(super) fn write_row(
    path: &Path,
    txn: &redb::WriteTransaction,
    after: Option<After<'_>>,
) -> Result<(), LedgerError> {
    let se = |e: &dyn std::fmt::Display| storage_err(path, e);
    let mut table = txn.open_table(DERIVED).map_err(|e| se(&e))?;
    let Some(after) = after else {
        table.remove(DERIVED_ROW).map_err(|e| se(&e))?;
        txn.delete_table(DERIVED_DAYS).map_err(|e| se(&e))?;
        return Ok(());
    };
    if after.days.all {
        txn.delete_table(DERIVED_DAYS).map_err(|e| se(&e))?;
    }
    {
        let mut day_table = txn.open_table(DERIVED_DAYS).map_err(|e| se(&e))?;
        for (k, v) in after.days.rows {
            day_table
                .insert(k.as_slice(), v.as_slice())
                .map_err(|e| se(&e))?;
        }
    }
    let row = DerivedRow {
        size: after.size,
        head: after.head,
        frontier: frontier_digest(after.frontier_bytes),
        keys: after.keys,
        body: after.body.to_vec(),
    };
    table
        .insert(DERIVED_ROW, row.to_bytes().as_slice())
        .map_err(|e| se(&e))?;
    Ok(())
}

//! A storage backend that reads a ledger file and keeps every write in memory: the storage
//! engine can recover (or integrity-check) a file through it while the file's bytes stay as
//! they are.
//!
//! Owns: the copy-on-write view of one file (reads fall through to the file, writes and length
//! changes live in memory) and the translation of the engine's locks into shared locks on the
//! file, so that a writer elsewhere still excludes it and it excludes a writer.
//! Must not: write to, truncate or sync the file; know what a ledger is.

use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};
use std::collections::HashMap;
use std::fs::File;
use std::ops::Bound;
use std::sync::Mutex;

/// Granularity of the in-memory copy (the engine's page size).
const BLOCK: u64 = 4096;

/// The file opened read-only, seen through an in-memory layer of changes.
#[derive(Debug)]
pub(crate) struct Overlay {
    base: FileBackend,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Logical length.
    len: u64,
    /// Bytes of the file below this offset are still what the view shows where no block
    /// replaces them; above it (after a shrink) the view shows zeros.
    base_limit: u64,
    /// Blocks written in memory, by block index; each `BLOCK` bytes long.
    blocks: HashMap<u64, Vec<u8>>,
}

fn io_err(what: &str) -> std::io::Error {
    std::io::Error::other(what.to_string())
}

impl Overlay {
    /// A view of `file` (opened for reading only).
    pub(crate) fn new(file: File) -> Result<Overlay, redb::DatabaseError> {
        let len = file.metadata()?.len();
        Ok(Overlay {
            base: FileBackend::new(file)?,
            state: Mutex::new(State {
                len,
                base_limit: len,
                blocks: HashMap::new(),
            }),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, std::io::Error> {
        self.state
            .lock()
            .map_err(|_| io_err("the in-memory view of the ledger file was poisoned"))
    }

    /// Fills `out` with the view's bytes at `offset` (the caller checked the bounds).
    fn read_view(&self, s: &State, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let mut done = 0usize;
        while done < out.len() {
            let at = offset + done as u64;
            let block = at / BLOCK;
            let within = usize::try_from(at % BLOCK).map_err(|_| io_err("offset"))?;
            let take = (BLOCK as usize - within).min(out.len() - done);
            let dst = out
                .get_mut(done..done + take)
                .ok_or_else(|| io_err("read out of range"))?;
            if let Some(b) = s.blocks.get(&block) {
                let src = b
                    .get(within..within + take)
                    .ok_or_else(|| io_err("block out of range"))?;
                dst.copy_from_slice(src);
            } else {
                // From the file up to `base_limit`, zeros after it.
                let from_file = s.base_limit.saturating_sub(at).min(take as u64);
                let from_file = usize::try_from(from_file).map_err(|_| io_err("length"))?;
                let (file_part, zero_part) = dst.split_at_mut(from_file);
                if !file_part.is_empty() {
                    self.base.read(at, file_part)?;
                }
                zero_part.fill(0);
            }
            done += take;
        }
        Ok(())
    }
}

impl StorageBackend for Overlay {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(self.lock()?.len)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let s = self.lock()?;
        let end = offset
            .checked_add(out.len() as u64)
            .ok_or_else(|| io_err("read past the end"))?;
        if end > s.len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "read past the end of the ledger file",
            ));
        }
        self.read_view(&s, offset, out)
    }

    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        let mut s = self.lock()?;
        if len < s.len {
            let keep_blocks = len.div_ceil(BLOCK);
            s.blocks.retain(|b, _| *b < keep_blocks);
            let within = usize::try_from(len % BLOCK).map_err(|_| io_err("length"))?;
            if within != 0 {
                let last = len / BLOCK;
                if !s.blocks.contains_key(&last) {
                    let mut b = vec![0u8; BLOCK as usize];
                    let avail = usize::try_from(s.len.min((last + 1) * BLOCK) - last * BLOCK)
                        .map_err(|_| io_err("length"))?;
                    if let Some(head) = b.get_mut(..avail) {
                        self.read_view(&s, last * BLOCK, head)?;
                    }
                    s.blocks.insert(last, b);
                }
                if let Some(b) = s.blocks.get_mut(&last)
                    && let Some(tail) = b.get_mut(within..)
                {
                    tail.fill(0);
                }
            }
            s.base_limit = s.base_limit.min(len);
        }
        s.len = len;
        Ok(())
    }

    fn sync_data(&self) -> Result<(), std::io::Error> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        let mut s = self.lock()?;
        let end = offset
            .checked_add(data.len() as u64)
            .ok_or_else(|| io_err("write past the end"))?;
        if end > s.len {
            return Err(io_err("write past the end of the in-memory view"));
        }
        let mut done = 0usize;
        while done < data.len() {
            let at = offset + done as u64;
            let block = at / BLOCK;
            let within = usize::try_from(at % BLOCK).map_err(|_| io_err("offset"))?;
            let take = (BLOCK as usize - within).min(data.len() - done);
            if !s.blocks.contains_key(&block) {
                let mut b = vec![0u8; BLOCK as usize];
                let start = block * BLOCK;
                let avail = usize::try_from(s.len.min(start + BLOCK) - start)
                    .map_err(|_| io_err("length"))?;
                if let Some(head) = b.get_mut(..avail) {
                    self.read_view(&s, start, head)?;
                }
                s.blocks.insert(block, b);
            }
            let src = data
                .get(done..done + take)
                .ok_or_else(|| io_err("write out of range"))?;
            if let Some(dst) = s
                .blocks
                .get_mut(&block)
                .and_then(|b| b.get_mut(within..within + take))
            {
                dst.copy_from_slice(src);
            }
            done += take;
        }
        Ok(())
    }

    fn close(&self) -> Result<(), std::io::Error> {
        self.base.close()
    }

    // Every lock the engine takes is taken shared on the file: the view never writes it, so it
    // only has to keep a writer out (and be kept out by one), like a read-only handle.
    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.base.try_lock_shared_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.base.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.base.lock_shared_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.base.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.base.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.base.query_lock_range(start, end)
    }
}

//! A bounded pool of worker threads that maps a function over a list and hands the results to
//! the caller in list order, as soon as each next one is ready.
//!
//! Owns: the threads, the order of results and the bound on how far the workers run ahead of
//! the caller (so memory stays bounded by the window, not by the list). Must not: know what
//! the items are, or swallow a panic (a worker's panic is raised again on the caller's thread
//! once the others have stopped).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Condvar, Mutex, mpsc};

/// How many results beyond the next one to hand over may wait, per worker.
const AHEAD_PER_WORKER: usize = 4;

/// Shared between the workers and the caller: the next item to take, how many results the
/// caller has taken, and whether to stop.
struct Progress {
    next: usize,
    emitted: usize,
    stop: bool,
}

/// Calls `f` on every item on `workers` threads (at least one) and `emit(index, result)` on
/// the calling thread in index order. A worker takes item `i` only while `i` is fewer than
/// `workers × 4` items ahead of the last result emitted, so at most that many results wait.
/// If `f` panics, no further items are started and the panic is resumed here.
pub fn ordered_map<T, R, F, E>(items: &[T], workers: usize, f: F, mut emit: E)
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
    E: FnMut(usize, R),
{
    let workers = workers.clamp(1, items.len().max(1));
    let window = workers * AHEAD_PER_WORKER;
    let state = Mutex::new(Progress {
        next: 0,
        emitted: 0,
        stop: false,
    });
    let turn = Condvar::new();
    let mut panicked = None;
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<(usize, std::thread::Result<R>)>();
        for _ in 0..workers {
            let tx = tx.clone();
            let (state, turn, f) = (&state, &turn, &f);
            s.spawn(move || {
                loop {
                    let i = {
                        let mut p = lock(state);
                        while !p.stop && p.next < items.len() && p.next >= p.emitted + window {
                            p = turn
                                .wait(p)
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                        }
                        if p.stop || p.next >= items.len() {
                            return;
                        }
                        p.next += 1;
                        p.next - 1
                    };
                    let r = catch_unwind(AssertUnwindSafe(|| f(&items[i])));
                    let failed = r.is_err();
                    if tx.send((i, r)).is_err() || failed {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        for (i, r) in &rx {
            match r {
                Ok(r) => {
                    waiting.insert(i, r);
                }
                Err(p) => {
                    panicked = Some(p);
                    lock(&state).stop = true;
                    turn.notify_all();
                    break;
                }
            }
            while let Some(r) = waiting.remove(&expected) {
                emit(expected, r);
                expected += 1;
            }
            lock(&state).emitted = expected;
            turn.notify_all();
        }
        drop(rx);
    });
    if let Some(p) = panicked {
        resume_unwind(p);
    }
}

fn lock(m: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_come_in_input_order_whatever_order_they_finish_in() {
        let items: Vec<u64> = (0..200).collect();
        let mut got = Vec::new();
        ordered_map(
            &items,
            4,
            |&n| {
                // Later items finish first, often.
                std::thread::sleep(std::time::Duration::from_micros((200 - n) % 7 * 50));
                n * 3
            },
            |i, r| got.push((i, r)),
        );
        let want: Vec<(usize, u64)> = (0..200).map(|n| (n as usize, n * 3)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn workers_never_run_more_than_the_window_ahead_of_the_caller() {
        let items: Vec<usize> = (0..100).collect();
        let started = AtomicUsize::new(0);
        let mut max_ahead = 0;
        ordered_map(
            &items,
            2,
            |_| started.fetch_add(1, Ordering::SeqCst),
            |i, _| {
                // Slow consumer: the workers must wait for it.
                std::thread::sleep(std::time::Duration::from_micros(200));
                max_ahead = max_ahead.max(started.load(Ordering::SeqCst) - i);
            },
        );
        assert_eq!(started.load(Ordering::SeqCst), 100);
        assert!(
            max_ahead <= 2 * AHEAD_PER_WORKER + 1,
            "ran {max_ahead} ahead"
        );
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller_and_stops_the_rest() {
        let items: Vec<usize> = (0..1000).collect();
        let done = AtomicUsize::new(0);
        let r = catch_unwind(AssertUnwindSafe(|| {
            ordered_map(
                &items,
                2,
                |&n| {
                    assert!(n != 5, "item five");
                    done.fetch_add(1, Ordering::SeqCst);
                },
                |_, ()| {},
            );
        }));
        assert!(r.is_err());
        assert!(done.load(Ordering::SeqCst) < 1000);
    }

    #[test]
    fn an_empty_list_calls_nothing() {
        let mut n = 0;
        ordered_map(&Vec::<u8>::new(), 3, |_| 1, |_, r: i32| n += r);
        assert_eq!(n, 0);
    }
}

//! `Lock`: a very short critical section over plain state.
//!
//! The queued channels (`mpmc` and `broadcast`) keep their buffer and their waiter lists in
//! one plain struct behind this lock, and hold it for a handful of
//! instructions: a push or a pop, a look at a waiter list. Nothing that can
//! run user code happens inside it (no message is dropped, no waker woken
//! or dropped there: the callers move those out and handle them after
//! unlocking), so a critical section never re-enters the lock.
//!
//! # Protocol
//!
//! One `AtomicU8`: `UNLOCKED` or `LOCKED`. `UNLOCKED → LOCKED` by a
//! compare-and-swap (Acquire: the holder sees what the last holder wrote);
//! `LOCKED → UNLOCKED` by a store of the holder (Release: it publishes what
//! it wrote). The value is touched only between the two, by the holder.
//!
//! A thread that finds the lock taken waits with `loom::Spin`, looking at
//! the lock after each step, in its three stages, each for a holder that
//! is further from done: it spins briefly (the holder is usually a few
//! instructions from done), yields up to 128 times (the holder may be
//! waiting for a core), then naps, 50 us at first and growing to 1 ms (the
//! holder was descheduled, and a thread that spun or yielded on it would
//! only take processor time from it).
//!
//! Why naps, and not a sleep until the holder wakes the sleeper: a wake
//! needs the unlock to look for sleepers, with a read-modify-write or a
//! fence (a plain store followed by a load could miss a sleeper that
//! arrived in between) and a branch. Measured, that made every send and
//! every receive longer (a single-thread send and receive on `bounded(N)`
//! went from 110 to 142 instructions, about 7% slower), because the
//! unlock is no longer a single store that the compiler copies into each
//! outcome of a critical section. A thread reaches the naps only when the
//! holder was descheduled, which costs milliseconds anyway; a nap adds at
//! most a millisecond to that wait, and the thread burns no processor
//! time meanwhile.
//!
//! Without `std` (alloc only) there is no thread to yield to or park, so
//! a contended lock spins: do not use a queued channel from an interrupt
//! handler that may preempt a holder on the same core.
//!
//! A thread that keeps finding the lock taken while it streams operations
//! (more than [`STREAK`] contended acquisitions since it last waited on a
//! channel) first stays away from it for [`BACKOFF`] spin hints (a few
//! microseconds) before it spins for it. Taking a lock the moment the
//! other core lets go of it moves the lock's cache line across cores on
//! every operation; backing off lets the holder do a run of operations
//! with the line in its own cache, which is worth several times the
//! throughput when producers and consumers stream on two cores. A thread
//! that waits between operations (a hand-off: a rendezvous, a full
//! `bounded(1)`) rarely reaches the streak, so it seldom pays the delay.
//! (The streak is a thread-local: without `std`, and under loom, there is
//! no back-off.)
//!
//! The lock is released on unwinding too, so a panic inside a critical
//! section never leaves it taken (there is no poisoning: the callers keep
//! their state consistent at every point where they could panic).
#![allow(unsafe_code)]

use crate::loom::atomic::{AtomicU8, Ordering::*};
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

use crate::loom::cell::{self, MutPtr, UnsafeCell};
use crate::loom::Spin;

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;

/// Spin hints a streaming thread stays away from a taken lock (see the
/// module docs): about 6 us on the 2-core machine the benchmarks ran on.
const BACKOFF: u32 = 256;
/// Contended acquisitions since the thread last waited, after which it
/// backs off. Measured: 4 backed off in hand-offs too (a `bounded(1)`
/// stream got 3x slower); 32 keeps hand-offs as they were.
const STREAK: u32 = 32;

/// A spin lock for critical sections of a few instructions.
pub(crate) struct Lock<T> {
    state: AtomicU8,
    /// Touched only by the holder of the lock.
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a `Locked` guard, which holds the lock, so two threads never touch it at once; it is moved between threads, hence `T: Send`.
unsafe impl<T: Send> Sync for Lock<T> {}
// SAFETY: sending the lock sends the value it owns.
unsafe impl<T: Send> Send for Lock<T> {}

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            state: AtomicU8::new(UNLOCKED),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` on the value with the lock held. `f` must be short and must
    /// not run user code (drop a message, wake or drop a waker).
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.lock())
    }

    /// Takes the lock, waiting for it if another thread holds it.
    #[inline(always)]
    pub(crate) fn lock(&self) -> Locked<'_, T> {
        match self.try_lock() {
            Some(locked) => locked,
            None => self.lock_contended(),
        }
    }

    /// Takes the lock if it is free now: one compare-and-swap, and no
    /// call. A fast path is written on it so that it needs no stack frame
    /// of its own, and goes on out of line, with the guard, when it does
    /// not apply (see `mpmc/chan.rs`, "Fast paths").
    #[inline(always)]
    pub(crate) fn try_lock(&self) -> Option<Locked<'_, T>> {
        // ORDERING: Acquire pairs with the Release of the last unlock.
        self.state
            .compare_exchange_weak(UNLOCKED, LOCKED, Acquire, Relaxed)
            .ok()
            .map(|_| self.locked())
    }

    /// The guard of a lock just taken (`UNLOCKED → LOCKED`) by this thread.
    #[inline(always)]
    fn locked(&self) -> Locked<'_, T> {
        Locked {
            lock: self,
            access: ManuallyDrop::new(cell::get_mut(&self.value)),
        }
    }

    /// Whether another thread holds the lock now: for a caller that has
    /// something else to do meanwhile (a select's other channels), rather
    /// than wait for the holder. (A load: it takes no line from the
    /// holder.)
    #[cfg(feature = "std")]
    #[inline(always)]
    pub(crate) fn is_taken(&self) -> bool {
        self.state.load(Relaxed) != UNLOCKED
    }

    /// Takes the lock that the fast path found taken: spins, yields,
    /// then (with `std`) naps, as the module docs say.
    #[cold]
    fn lock_contended(&self) -> Locked<'_, T> {
        if streak::contended() >= STREAK {
            crate::loom::back_off(BACKOFF);
        }
        let mut spin = Spin::new();
        loop {
            if self.state.load(Relaxed) == UNLOCKED {
                if let Some(locked) = self.try_lock() {
                    return locked;
                }
            }
            spin.wait();
        }
    }
}

/// Counts, per thread, the contended lock acquisitions since the thread
/// last waited (registered a waiter). Only with `std` (a thread-local)
/// and not under loom (whose threads share one OS thread).
#[cfg(all(feature = "std", not(tidings_loom)))]
mod streak {
    use core::cell::Cell;

    crate::loom::thread_local! {
        static STREAK: Cell<u32> = const { Cell::new(0) };
    }

    /// One more contended acquisition: returns the count before it.
    #[inline]
    pub(crate) fn contended() -> u32 {
        STREAK
            .try_with(|streak| {
                let before = streak.get();
                streak.set(before.saturating_add(1));
                before
            })
            .unwrap_or(0)
    }

    /// The thread is about to wait.
    #[inline]
    pub(crate) fn reset() {
        let _ = STREAK.try_with(|streak| streak.set(0));
    }
}

#[cfg(not(all(feature = "std", not(tidings_loom))))]
mod streak {
    pub(crate) fn contended() -> u32 {
        0
    }

    pub(crate) fn reset() {}
}

pub(crate) use streak::reset as waiting;

/// The lock, held: the value, through `Deref` and `DerefMut`. Dropping
/// it unlocks, on unwinding too. The same rules as for `with`'s `f` hold
/// while it lives.
pub(crate) struct Locked<'a, T> {
    lock: &'a Lock<T>,
    /// Dropped (under loom, the end of the tracked access) before the
    /// unlock lets another thread in.
    access: ManuallyDrop<MutPtr<T>>,
}

impl<T> Deref for Locked<'_, T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: the access is the lock's value's, and the guard holds the lock, so no other thread reaches the value while it lives; the reference borrows the guard, so it cannot outlive it.
        unsafe { MutPtr::deref(&self.access, &self.lock.value) }
    }
}

impl<T> DerefMut for Locked<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the borrow of the guard is exclusive, so this is the only reference.
        unsafe { MutPtr::deref(&self.access, &self.lock.value) }
    }
}

impl<T> Drop for Locked<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: dropped once, here; the field is not used after.
        unsafe { ManuallyDrop::drop(&mut self.access) };
        // ORDERING: Release publishes the holder's writes to the next holder.
        self.lock.state.store(UNLOCKED, Release);
    }
}

impl<T> core::fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &(self.state.load(Relaxed) == LOCKED))
            .finish_non_exhaustive()
    }
}

/// Loom models of the lock alone: every thread adds to a plain counter
/// under the lock (loom reports two holders at once as a data race on the
/// cell, and a lost update as a wrong sum). Under loom a taker's spin, its
/// yields and its naps are all yields.
#[cfg(all(test, tidings_loom))]
mod loom_models {
    use super::Lock;
    use crate::loom::sync::Arc;

    fn add_from(threads: usize, adds: usize) {
        loom::model(move || {
            let lock = Arc::new(Lock::new(0usize));
            let others: std::vec::Vec<_> = (1..threads)
                .map(|_| {
                    let lock = lock.clone();
                    loom::thread::spawn(move || {
                        for _ in 0..adds {
                            lock.with(|n| *n += 1);
                        }
                    })
                })
                .collect();
            for _ in 0..adds {
                lock.with(|n| *n += 1);
            }
            for other in others {
                other.join().unwrap();
            }
            assert_eq!(lock.with(|n| *n), threads * adds);
        });
    }

    /// Two threads, two critical sections each.
    #[test]
    fn two_threads_exclude_each_other() {
        add_from(2, 2);
    }

    /// Two threads, three critical sections each. (Three threads that
    /// spin on one lock exceed loom's branch limit: every spin step is a
    /// scheduling point.)
    #[test]
    fn two_threads_take_turns() {
        add_from(2, 3);
    }

    /// A panic inside a critical section releases the lock: the other
    /// thread still gets in, and sees the write made before the panic.
    #[test]
    fn unwinding_holder_releases() {
        loom::model(|| {
            let lock = Arc::new(Lock::new(0usize));
            let other = {
                let lock = lock.clone();
                loom::thread::spawn(move || lock.with(|n| *n))
            };
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                lock.with(|n| {
                    *n = 7;
                    panic!("inside the lock")
                })
            }));
            assert!(caught.is_err());
            let seen = other.join().unwrap();
            assert!(seen == 0 || seen == 7);
            assert_eq!(lock.with(|n| *n), 7);
        });
    }
}

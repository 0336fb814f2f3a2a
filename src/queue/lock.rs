//! `Lock`: a very short critical section over plain state.
//!
//! The queued channels (`mpmc`) keep their buffer and their waiter lists in
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
//! A thread that finds the lock taken spins briefly and then yields the
//! processor (the holder may have been descheduled); there is no queue and
//! no parking, because no holder ever waits for anything while holding it.
//! (Without `std` there is no thread to yield to, so a contended lock
//! spins: do not use a queued channel from an interrupt handler that may
//! preempt a holder on the same core.)
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
use crate::loom::cell::UnsafeCell;
use crate::loom::Spin;

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;

/// Spin hints a streaming thread stays away from a taken lock (see the
/// module docs): about 3 us on the 2-core machine the benchmarks ran on.
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

// SAFETY: the value is only reached through `with`, which holds the lock, so two threads never touch it at once; it is moved between threads, hence `T: Send`.
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
        // ORDERING: Acquire pairs with the Release of the last unlock.
        if self
            .state
            .compare_exchange_weak(UNLOCKED, LOCKED, Acquire, Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        let _unlock = Unlock(&self.state);
        self.value.with_mut(|value| {
            // SAFETY: we hold the lock (moved UNLOCKED → LOCKED above), so no other thread touches the value until `_unlock` releases it after `f` returns.
            f(unsafe { &mut *value })
        })
    }

    #[cold]
    fn lock_contended(&self) {
        let mut spin = Spin::new();
        if streak::contended() >= STREAK {
            crate::loom::back_off(BACKOFF);
        }
        loop {
            while self.state.load(Relaxed) == LOCKED {
                spin.wait();
            }
            // ORDERING: as in `with`.
            if self
                .state
                .compare_exchange_weak(UNLOCKED, LOCKED, Acquire, Relaxed)
                .is_ok()
            {
                return;
            }
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

/// Releases the lock when dropped, also while unwinding.
struct Unlock<'a>(&'a AtomicU8);

impl Drop for Unlock<'_> {
    #[inline]
    fn drop(&mut self) {
        // ORDERING: Release publishes the holder's writes to the next holder.
        self.0.store(UNLOCKED, Release);
    }
}

impl<T> core::fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &(self.state.load(Relaxed) == LOCKED))
            .finish_non_exhaustive()
    }
}

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
//! The lock is released on unwinding too, so a panic inside a critical
//! section never leaves it taken (there is no poisoning: the callers keep
//! their state consistent at every point where they could panic).
#![allow(unsafe_code)]

use crate::loom::atomic::{AtomicU8, Ordering::*};
use crate::loom::cell::UnsafeCell;
use crate::loom::Spin;

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;

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

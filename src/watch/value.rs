//! `Value`: the watched value behind a reader-writer lock.
//!
//! Readers (`Ref`: a `borrow` of the value) share it; a writer (a send, a
//! `send_modify` running the user's closure) has it alone. Unlike the
//! queues' `Lock`, a holder may hold it for long: a reader as long as it
//! keeps its `Ref`, a writer while the user's closure runs. So a waiter
//! waits with `loom::Spin`, whose naps (up to 1 ms each) cost it no
//! processor time once the holder is clearly not about to let go.
//!
//! # Protocol
//!
//! One `AtomicUsize`: the number of readers times [`READER`], plus the
//! bits [`WRITER`] (a writer holds it) and [`WRITER_WAITS`] (a writer
//! waits for the readers to leave).
//!
//! - A reader enters by a compare-and-swap that adds [`READER`] while
//!   neither bit is set (Acquire: it sees what the last writer wrote), and
//!   leaves by subtracting it (Release).
//! - A writer enters by a compare-and-swap from "no reader, no writer"
//!   (`WRITER_WAITS` may be set) to `WRITER` (Acquire: it sees what the
//!   last writer wrote, and no reader still reads), and leaves by
//!   subtracting `WRITER` (Release: it publishes the new value). A writer
//!   that finds the lock taken sets `WRITER_WAITS`, which holds new
//!   readers back until a writer has entered (which clears it), so a
//!   stream of overlapping readers cannot keep the writer out for ever;
//!   a leaving writer keeps the bit another writer set, so that one
//!   enters before new readers. (Leaving with a read-modify-write, not a
//!   plain store of 0, is also what loom can check: it does not order a
//!   concurrent `fetch_or` against a plain store, tokio-rs/loom#254.)
//!
//! So a thread that holds a `Ref` and borrows again while a writer waits
//! waits for itself: the deadlock that tokio's `watch` documents too, and
//! that the module docs warn about.
//!
//! Both guards leave on drop, also while unwinding (a panicking
//! `send_modify` closure leaves the value as it left it, and the lock
//! free).
#![allow(unsafe_code)]

use core::ops::{Deref, DerefMut};

use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::loom::cell::UnsafeCell;
use crate::loom::Spin;

/// A writer holds the lock.
const WRITER: usize = 1;
/// A writer waits for the readers to leave; no new reader enters.
const WRITER_WAITS: usize = 2;
/// One reader.
const READER: usize = 4;

/// The value, and the lock that guards it.
pub(crate) struct Value<T> {
    state: AtomicUsize,
    value: UnsafeCell<T>,
}

// SAFETY: a writer reaches the value alone (`&mut T` from one thread, so `T: Send`), readers share `&T` across threads (so `T: Sync`), as for `std::sync::RwLock`.
unsafe impl<T: Send + Sync> Sync for Value<T> {}
// SAFETY: sending the lock sends the value it owns.
unsafe impl<T: Send> Send for Value<T> {}

impl<T> Value<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            state: AtomicUsize::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// Shares the value, waiting while a writer holds it or waits for it.
    pub(crate) fn read(&self) -> ReadGuard<'_, T> {
        let mut spin = Spin::new();
        let mut state = self.state.load(Relaxed);
        loop {
            if state & (WRITER | WRITER_WAITS) == 0 {
                assert!(
                    state < usize::MAX / 2,
                    "too many borrows of a watched value"
                );
                // ORDERING: Acquire pairs with the last writer's Release.
                match self
                    .state
                    .compare_exchange_weak(state, state + READER, Acquire, Relaxed)
                {
                    Ok(_) => return ReadGuard(self),
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            spin.wait();
            state = self.state.load(Relaxed);
        }
    }

    /// Takes the value alone, waiting while a writer holds it or readers
    /// share it.
    pub(crate) fn write(&self) -> WriteGuard<'_, T> {
        let mut spin = Spin::new();
        let mut state = self.state.load(Relaxed);
        loop {
            if state & !WRITER_WAITS == 0 {
                // ORDERING: Acquire pairs with the Release of the last
                // writer and of every reader that left.
                match self
                    .state
                    .compare_exchange_weak(state, WRITER, Acquire, Relaxed)
                {
                    Ok(_) => return WriteGuard(self),
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            if state & WRITER_WAITS == 0 {
                // ORDERING: only a hint to readers; nothing is published.
                self.state.fetch_or(WRITER_WAITS, Relaxed);
            }
            spin.wait();
            state = self.state.load(Relaxed);
        }
    }
}

/// The value, shared; the lock is left on drop.
pub(crate) struct ReadGuard<'a, T>(&'a Value<T>);

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard is a reader of the lock (it entered in `read`), so no writer touches the value while it lives; readers only read.
        self.0.value.with(|value| unsafe { &*value })
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // ORDERING: Release: the next writer enters after this read.
        self.0.state.fetch_sub(READER, Release);
    }
}

/// The value, alone; the lock is left on drop.
pub(crate) struct WriteGuard<'a, T>(&'a Value<T>);

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock alone (it entered in `write`).
        self.0.value.with(|value| unsafe { &*value })
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` keeps this the only reference made through the guard.
        self.0.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // ORDERING: Release publishes what the writer wrote.
        self.0.state.fetch_sub(WRITER, Release);
    }
}

impl<T> core::fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Value").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(tidings_loom)))]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn readers_share_and_a_writer_waits_for_them() {
        let value = Value::new(1);
        let a = value.read();
        let b = value.read();
        assert_eq!(*a + *b, 2);
        assert_eq!(value.state.load(Relaxed), 2 * READER);
        drop((a, b));
        *value.write() += 1;
        assert_eq!(*value.read(), 2);
        assert_eq!(value.state.load(Relaxed), 0);

        // A leaving writer keeps the bit of a writer that waits.
        let guard = value.write();
        value.state.fetch_or(WRITER_WAITS, Relaxed);
        drop(guard);
        assert_eq!(value.state.load(Relaxed), WRITER_WAITS);
        drop(value.write());
        assert_eq!(value.state.load(Relaxed), 0, "the waiting writer entered");
    }

    #[test]
    fn a_waiting_writer_holds_new_readers_back_and_enters_when_the_reader_leaves() {
        let value = std::sync::Arc::new(Value::new(0)); // shim-exempt: a real thread, outside loom
        let reader = value.read();
        let writer = {
            let value = value.clone();
            std::thread::spawn(move || *value.write() = 7) // shim-exempt: as above
        };
        // The writer marks that it waits, then can only enter once the
        // reader has left.
        while value.state.load(Relaxed) & WRITER_WAITS == 0 {
            std::thread::yield_now(); // shim-exempt: as above
        }
        assert_eq!(*reader, 0);
        drop(reader);
        writer.join().unwrap();
        assert_eq!(*value.read(), 7);
    }

    #[test]
    fn a_panicking_writer_leaves_the_lock_free_and_the_value_as_it_left_it() {
        let value = Value::new(vec![1]);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut guard = value.write();
            guard.push(2);
            panic!("in the closure");
        }));
        assert!(caught.is_err());
        assert_eq!(*value.read(), [1, 2]);
        assert_eq!(value.state.load(Relaxed), 0);
    }
}

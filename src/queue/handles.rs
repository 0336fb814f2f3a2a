//! `Handles`: how many handles of one side (senders, or receivers) a
//! channel has.
//!
//! # Protocol
//!
//! One `AtomicUsize`, 1 when the channel is made. A new handle is made
//! from a live one, which keeps the count above zero: `add` is a Relaxed
//! increment (nothing to publish), refused near `usize::MAX / 2` so that it
//! can never wrap. Only a weak handle's upgrade starts from a handle that
//! may be gone: `try_add` increments only a count above zero. `remove` is
//! an AcqRel decrement: the handle that takes the count to zero sees every
//! other handle's work, and closes the channel; `count` reads with
//! Acquire, so whoever sees zero sees that work too.

use crate::loom::atomic::{AtomicUsize, Ordering::*};

/// The handles of one side of a channel.
#[derive(Debug)]
pub(crate) struct Handles(AtomicUsize);

impl Handles {
    /// One handle: the channel's first.
    pub(crate) fn one() -> Self {
        Self(AtomicUsize::new(1))
    }

    /// No handle yet (weak senders, which a channel starts without).
    pub(crate) fn none() -> Self {
        Self(AtomicUsize::new(0))
    }

    /// How many there are now (others may come and go). Acquire: a count
    /// of zero seen here comes after everything the last handle did
    /// (its `remove` is a Release), so a wait for "no receiver left" that
    /// returns sees the receivers' work.
    pub(crate) fn count(&self) -> usize {
        self.0.load(Acquire)
    }

    /// One more, made from a live handle (of this side, or a strong one
    /// for a weak side).
    ///
    /// # Panics
    ///
    /// With `usize::MAX / 2` handles already (leaked in a loop, say).
    pub(crate) fn add(&self) {
        // ORDERING: a live handle keeps the count above zero; nothing is
        // published.
        let old = self.0.fetch_add(1, Relaxed);
        assert!(old < usize::MAX / 2, "too many handles of one side");
    }

    /// One more if any is left (a weak handle's upgrade); returns whether.
    pub(crate) fn try_add(&self) -> bool {
        let mut count = self.0.load(Relaxed);
        loop {
            if count == 0 {
                return false;
            }
            assert!(count < usize::MAX / 2, "too many handles of one side");
            // ORDERING: as in `add`; the failure load is Relaxed too.
            match self
                .0
                .compare_exchange_weak(count, count + 1, Relaxed, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => count = now,
            }
        }
    }

    /// One fewer; returns whether it was the last.
    pub(crate) fn remove(&self) -> bool {
        // ORDERING: AcqRel, so the last one to leave sees every other
        // handle's work before it closes the channel.
        self.0.fetch_sub(1, AcqRel) == 1
    }
}

//! A broadcast message's slot and its clone mark: the one place where a
//! message is read outside the channel's lock.
//!
//! # Protocol
//!
//! A slot holds at most one message, behind an `Arc` so that a receiver
//! can clone it outside the lock while the ring moves around it. Its
//! `mark`:
//!
//! | mark                 | who may touch the message | set by |
//! |----------------------|---------------------------|--------|
//! | `IDLE`               | the lock holder (put, take) | the cloner's clear, or a slot new or spare |
//! | `BUSY`               | the one receiver that marked it, to clone it, outside the lock | that receiver, under the lock |
//! | `BUSY \| ORPHANED`   | the cloner, which then finishes the message (drops it, under the lock) | a receiver dropped meanwhile, under the lock |
//! | `BUSY \| WAITED`     | the cloner; it wakes the waiting receivers when done | a waiting receiver, under the lock |
//!
//! A plain `BUSY` goes back to `IDLE` by the cloner's compare-and-swap,
//! without the lock (Release: its read of the message happens before
//! anyone's next use of it); a flagged one is cleared by the cloner under
//! the lock. The channel's rules around it are `chan.rs`'s (module docs).
#![allow(unsafe_code)]

use crate::loom::atomic::{AtomicU8, Ordering::*};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::Arc;

/// Where one message lives, behind an `Arc` so that a receiver can clone
/// it outside the lock while the ring moves around it.
pub(super) struct Slot<T> {
    /// Written by the lock holder while the slot is `IDLE`; read by the one
    /// receiver that marked it `BUSY`, which the lock hands it to.
    msg: UnsafeCell<Option<T>>,
    /// `IDLE`, or `BUSY` (a receiver is cloning the message), maybe with
    /// `ORPHANED` (every other reader was dropped meanwhile: the cloner
    /// finishes the message) and `WAITED` (a receiver waits for the clone:
    /// the cloner wakes it). Set under the lock; a plain `BUSY` is cleared
    /// by the cloner without it, a flagged one under it.
    mark: AtomicU8,
}

const IDLE: u8 = 0;
const BUSY: u8 = 0b001;
const ORPHANED: u8 = 0b010;
const WAITED: u8 = 0b100;

// SAFETY: one thread at a time touches `msg` (the lock holder while the slot is IDLE, or the one receiver that marked it BUSY; the lock and `mark`'s Release/Acquire order the hand-overs), and a `T` moving between threads needs `T: Send`; no `&T` is ever shared by two threads at once, so `T: Sync` is not needed.
unsafe impl<T: Send> Sync for Slot<T> {}
// SAFETY: as for Sync: the slot owns at most one `T`.
unsafe impl<T: Send> Send for Slot<T> {}

impl<T> Slot<T> {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            msg: UnsafeCell::new(None),
            mark: AtomicU8::new(IDLE),
        })
    }

    /// Whether no receiver is cloning the message. Read under the lock.
    pub(super) fn is_idle(&self) -> bool {
        // ORDERING: Acquire pairs with the cloner's Release in `clear`: its
        // read of the message happens before whatever we do with it next.
        self.mark.load(Acquire) == IDLE
    }

    /// Marks the slot `BUSY`, under the lock, for the receiver that clones.
    pub(super) fn mark_busy(&self) {
        // ORDERING: Relaxed: the mark is read under the lock (which orders
        // it) or by `orphan`'s and `clear`'s read-modify-writes.
        self.mark.store(BUSY, Relaxed);
    }

    /// The cloner is done with the message: clears a plain `BUSY` mark.
    /// Returns true if a flag is set instead (`ORPHANED`, `WAITED`): the
    /// mark stays, keeping the message from being done, until the cloner
    /// has finished it under the lock ([`Chan::finish_marked`]).
    pub(super) fn clear(&self) -> bool {
        // ORDERING: Release publishes our read of the message to whoever
        // sees IDLE next (`is_idle`, `orphan`); a failure (a flag)
        // Acquires nothing we need (we lock next), Acquire for symmetry.
        self.mark
            .compare_exchange(BUSY, IDLE, Release, Acquire)
            .is_err()
    }

    /// Clears the mark, under the lock (a panicked clone, or a flagged
    /// mark finished). Returns whether a receiver waited for it.
    pub(super) fn unmark(&self) -> bool {
        // ORDERING: Release, as in `clear`. The flags were set under the
        // lock we hold, so nobody changes them meanwhile.
        self.mark.swap(IDLE, Release) & WAITED != 0
    }

    /// Sets `flag` on a busy mark, under the lock; returns false if the
    /// mark is `IDLE` by now (its cloner cleared it without the lock).
    pub(super) fn flag(&self, flag: u8) -> bool {
        let mut mark = self.mark.load(Acquire);
        loop {
            if mark == IDLE {
                return false;
            }
            // ORDERING: a failure Acquires the cloner's Release, as in
            // `is_idle`; success publishes nothing (the cloner relocks).
            match self
                .mark
                .compare_exchange(mark, mark | flag, Relaxed, Acquire)
            {
                Ok(_) => return true,
                Err(now) => mark = now,
            }
        }
    }

    /// Under the lock, the message's last reader was dropped: returns true
    /// if the caller finishes it now (nobody is cloning it), else flags it
    /// `ORPHANED` for its cloner to finish.
    pub(super) fn orphan(&self) -> bool {
        !self.flag(ORPHANED)
    }

    /// Under the lock, a receiver is about to wait for this message's
    /// cloner: flags it `WAITED`, so that the cloner wakes the waiting
    /// receivers when done. Returns false if the mark is `IDLE` by now
    /// (the message can be read at once).
    pub(super) fn wait_for_clone(&self) -> bool {
        self.flag(WAITED)
    }

    /// Whether the mark says the message's other readers all left (read
    /// under the lock, by the cloner that found its mark flagged).
    pub(super) fn is_orphaned(&self) -> bool {
        self.mark.load(Acquire) & ORPHANED != 0
    }

    /// Puts a message in (the slot is empty).
    ///
    /// # Safety
    ///
    /// The caller holds the channel's lock and the slot is `IDLE`.
    pub(super) unsafe fn put(&self, msg: T) {
        // SAFETY: by the contract no receiver is cloning it, and the lock is ours.
        self.msg.with_mut(|cell| unsafe { *cell = Some(msg) });
    }

    /// Takes the message out.
    ///
    /// # Safety
    ///
    /// As for [`put`](Self::put).
    pub(super) unsafe fn take(&self) -> Option<T> {
        // SAFETY: by the contract no receiver is cloning it, and the lock is ours.
        self.msg.with_mut(|cell| unsafe { (*cell).take() })
    }

    /// Clones the message.
    ///
    /// # Safety
    ///
    /// The caller marked the slot `BUSY` under the lock and has not
    /// cleared it, so nobody else touches the message.
    pub(super) unsafe fn clone_msg(&self) -> T
    where
        T: Clone,
    {
        self.msg.with(|cell| {
            // SAFETY: by the contract the message is ours to read; the lock's Acquire made its write visible.
            let msg = unsafe { &*cell };
            msg.as_ref().expect("a busy slot holds its message").clone()
        })
    }
}

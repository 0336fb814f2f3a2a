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
//!
//! # Who may touch the message
//!
//! Only two handles reach the message, and each only in its own states,
//! so the code that uses them needs no unsafe:
//!
//! - [`Held`], the ring's one entry for the slot (not `Clone`, reached only
//!   through the locked state): it puts the message in, and takes it out
//!   only while the mark is `IDLE` (each take looks at the mark first);
//! - [`Marked`], made by [`Held::read`] for the receiver that clones:
//!   it reads the message while the mark is `BUSY` (so no `Held` touches
//!   it), and gives the slot back by clearing the mark ([`Marked::clear`],
//!   or [`Marked::unmark`] under the lock).
//!
//! A slot that left the ring while marked (a lagging send overwrote it)
//! is only an `Arc` ([`Detached`]): its message is dropped with its last
//! `Arc`, by `Drop`.
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

// SAFETY: one thread at a time touches `msg` (its one `Held`, reached under the lock, while the slot is IDLE, or its one `Marked`, while BUSY; the lock and `mark`'s Release/Acquire order the hand-overs), and a `T` moving between threads needs `T: Send`; no `&T` is ever shared by two threads at once, so `T: Sync` is not needed.
unsafe impl<T: Send> Sync for Slot<T> {}
// SAFETY: as for Sync: the slot owns at most one `T`.
unsafe impl<T: Send> Send for Slot<T> {}

impl<T> Slot<T> {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            msg: UnsafeCell::new(None),
            mark: AtomicU8::new(IDLE),
        })
    }

    /// Whether no receiver is cloning the message. Read under the lock.
    fn is_idle(&self) -> bool {
        // ORDERING: Acquire pairs with the cloner's Release in `clear`: its
        // read of the message happens before whatever we do with it next.
        self.mark.load(Acquire) == IDLE
    }

    /// Marks the slot `BUSY`, under the lock, for the receiver that clones.
    fn mark_busy(&self) {
        // ORDERING: Relaxed: the mark is read under the lock (which orders
        // it) or by `orphan`'s and `clear`'s read-modify-writes.
        self.mark.store(BUSY, Relaxed);
    }

    /// The cloner is done with the message: clears a plain `BUSY` mark.
    /// Returns true if a flag is set instead (`ORPHANED`, `WAITED`): the
    /// mark stays, keeping the message from being done, until the cloner
    /// has finished it under the lock ([`Chan::finish_marked`]).
    fn clear(&self) -> bool {
        // ORDERING: Release publishes our read of the message to whoever
        // sees IDLE next (`is_idle`, `orphan`); a failure (a flag)
        // Acquires nothing we need (we lock next), Acquire for symmetry.
        self.mark
            .compare_exchange(BUSY, IDLE, Release, Acquire)
            .is_err()
    }

    /// Clears the mark, under the lock (a panicked clone, or a flagged
    /// mark finished). Returns whether a receiver waited for it.
    fn unmark(&self) -> bool {
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
    fn orphan(&self) -> bool {
        !self.flag(ORPHANED)
    }

    /// Under the lock, a receiver is about to wait for this message's
    /// cloner: flags it `WAITED`, so that the cloner wakes the waiting
    /// receivers when done. Returns false if the mark is `IDLE` by now
    /// (the message can be read at once).
    fn wait_for_clone(&self) -> bool {
        self.flag(WAITED)
    }

    /// Takes the message out.
    ///
    /// # Safety
    ///
    /// The caller is the one handle that may touch the message now (the
    /// module docs): the slot's `Held` while the mark is `IDLE`, or its
    /// `Marked` while the mark is `BUSY`.
    unsafe fn take_msg(&self) -> Option<T> {
        // SAFETY: by the contract nobody else touches the cell meanwhile.
        self.msg.with_mut(|cell| unsafe { (*cell).take() })
    }

    /// Whether the mark says the message's other readers all left (read
    /// under the lock, by the cloner that found its mark flagged).
    fn is_orphaned(&self) -> bool {
        self.mark.load(Acquire) & ORPHANED != 0
    }
}

/// The ring's entry for a slot: the message's owner on the lock's side,
/// with how many receivers have yet to read it. See the module docs.
pub(super) struct Held<T> {
    slot: Arc<Slot<T>>,
    pub(super) unread: usize,
}

/// A slot that left the ring while a receiver was cloning its message: its
/// message is dropped with its last `Arc` (the cloner's, or this one).
pub(super) struct Detached<T>(
    // Never read: held to be dropped.
    #[allow(dead_code)] Arc<Slot<T>>,
);

/// An empty slot kept for reuse (it left the ring done: `IDLE`, its
/// message gone).
pub(super) struct Spare<T>(Arc<Slot<T>>);

/// What a receiver's [`Held::read`] found.
pub(super) enum HeldRead<T> {
    /// Another receiver is cloning the message: nothing was read.
    Busy,
    /// Marked for this receiver to clone.
    Clone(Marked<T>),
    /// This receiver was the last to read it: the message, moved out.
    Last(Option<T>),
}

/// How a message left the ring before it was done (lagging: overwritten).
pub(super) enum Retired<T> {
    /// Nobody was cloning it: here is its message (if still there), and
    /// the slot, for reuse.
    Idle(Option<T>, Spare<T>),
    /// A receiver is cloning it: the slot goes with its message.
    Busy(Detached<T>),
}

impl<T> Held<T> {
    /// Puts `msg` into `spare` (or a new slot), for `unread` receivers.
    pub(super) fn new(spare: Option<Spare<T>>, msg: T, unread: usize) -> Self {
        let slot = spare.map_or_else(Slot::new, |spare| spare.0);
        slot.msg.with_mut(|cell| {
            // SAFETY: a spare slot left the ring IDLE, and a new one is IDLE too; nobody else has a `Held` or a `Marked` for it (the cloner that last marked it cleared the mark, and a `Marked` reads only while BUSY), so the message is ours.
            unsafe { *cell = Some(msg) }
        });
        Self { slot, unread }
    }

    /// Whether no receiver is cloning the message.
    pub(super) fn is_idle(&self) -> bool {
        self.slot.is_idle()
    }

    /// Read by everyone it was for, and not being cloned: it can leave.
    pub(super) fn is_done(&self) -> bool {
        self.unread == 0 && self.is_idle()
    }

    /// Takes the message out, unless a receiver is cloning it (then `None`,
    /// as for a slot already emptied).
    pub(super) fn take_idle(&mut self) -> Option<T> {
        if !self.slot.is_idle() {
            return None;
        }
        // SAFETY: the mark is IDLE (Acquire, above: the last cloner's read happened before) and only a `Held` marks it, through `&mut self`, so no `Marked` exists for it; this is its one `Held`.
        unsafe { self.slot.take_msg() }
    }

    /// One receiver reads the message, unless another is cloning it
    /// (`Busy`, nothing changed): it counts itself off, and either takes
    /// the message out (the last reader) or marks it `BUSY` for itself and
    /// gets the handle through which it clones it outside the lock.
    #[inline]
    pub(super) fn read(&mut self) -> HeldRead<T> {
        if !self.slot.is_idle() {
            return HeldRead::Busy;
        }
        self.unread -= 1;
        if self.unread > 0 {
            self.slot.mark_busy();
            return HeldRead::Clone(Marked(self.slot.clone()));
        }
        // SAFETY: as in `take_idle`: the mark is IDLE (looked at above, and only `&mut self` could have changed it since).
        HeldRead::Last(unsafe { self.slot.take_msg() })
    }

    /// A receiver waits for this message's cloner (see [`Slot::flag`]).
    pub(super) fn wait_for_clone(&self) -> bool {
        self.slot.wait_for_clone()
    }

    /// The message's last reader was dropped (see [`Slot::orphan`]).
    pub(super) fn orphan(&self) -> bool {
        self.slot.orphan()
    }

    /// Leaves the ring done: the slot, for reuse.
    ///
    /// # Panics
    ///
    /// If a receiver is cloning its message (a bug of the caller's: the
    /// check keeps the next message put in from racing the clone).
    pub(super) fn into_spare(self) -> Spare<T> {
        assert!(
            self.is_idle(),
            "only a done message leaves the ring for reuse"
        );
        Spare(self.slot)
    }

    /// Leaves the ring before it was done (lagging: overwritten).
    pub(super) fn retire(mut self) -> Retired<T> {
        if self.slot.is_idle() {
            let msg = self.take_idle();
            Retired::Idle(msg, Spare(self.slot))
        } else {
            Retired::Busy(Detached(self.slot))
        }
    }
}

/// A slot marked `BUSY` for one receiver: the one handle that reads the
/// message outside the lock, until it clears the mark.
pub(super) struct Marked<T>(Arc<Slot<T>>);

impl<T> Marked<T> {
    /// Clones the message.
    pub(super) fn clone_msg(&self) -> T
    where
        T: Clone,
    {
        self.0.msg.with(|cell| {
            // SAFETY: the mark is BUSY and was set for this handle (made once per marking, not `Clone`), so no `Held` touches the message until the mark is cleared, which consumes this handle; the lock's Acquire made the message's write visible.
            let msg = unsafe { &*cell };
            msg.as_ref().expect("a busy slot holds its message").clone()
        })
    }

    /// Done with the message: clears a plain `BUSY` mark and gives the slot
    /// back. If a flag is set instead, the mark stays and so does this
    /// handle (`Err`): finish it under the lock ([`Self::take_orphaned`],
    /// [`Self::unmark`]).
    pub(super) fn clear(self) -> Result<Arc<Slot<T>>, Self> {
        if self.0.clear() {
            Err(self)
        } else {
            Ok(self.0)
        }
    }

    /// Under the lock, for a flagged mark: if the message's other readers
    /// all left (`ORPHANED`), takes it out (the message is done).
    pub(super) fn take_orphaned(&self) -> Option<T> {
        if !self.0.is_orphaned() {
            return None;
        }
        // SAFETY: the mark is still BUSY (with flags) and ours, as in `clone_msg`; nobody else reads an ORPHANED message.
        unsafe { self.0.take_msg() }
    }

    /// Clears the mark under the lock (a panicked clone, or a flagged mark
    /// finished) and gives the slot back, with whether a receiver waited
    /// for it.
    pub(super) fn unmark(self) -> (bool, Arc<Slot<T>>) {
        (self.0.unmark(), self.0)
    }
}

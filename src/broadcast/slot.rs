//! A broadcast message's slot and its clone mark: the one place where a
//! message is read outside the channel's lock.
//!
//! # Protocol
//!
//! A slot holds at most one message, in its own allocation, so that a
//! receiver can clone it outside the lock while the ring moves around it.
//! Its `mark`:
//!
//! | mark                 | who may touch the message | set by |
//! |----------------------|---------------------------|--------|
//! | `IDLE`               | the lock holder (put, take) | the cloner's clear, or a slot new or spare |
//! | `BUSY`               | the one receiver that marked it, to clone it, outside the lock | that receiver, under the lock |
//! | `BUSY \| ORPHANED`   | the cloner, which then finishes the message (drops it, under the lock) | a receiver dropped meanwhile, under the lock |
//! | `BUSY \| WAITED`     | the cloner; it wakes the waiting receivers when done | a waiting receiver, under the lock |
//! | `BUSY \| DETACHED`   | the cloner, which then owns the slot: it takes the message out and keeps the slot as a spare, under the lock | the ring letting go of the slot (a lagging send overwrote it), under the lock |
//!
//! A plain `BUSY` goes back to `IDLE` by the cloner's compare-and-swap,
//! without the lock (Release: its read of the message happens before
//! anyone's next use of it); a flagged one is cleared by the cloner under
//! the lock. The channel's rules around it are `chan.rs`'s (module docs).
//!
//! # Who owns the slot, who may touch the message
//!
//! A slot is owned by exactly one handle, which frees it; only two
//! handles reach the message, each only in its own states, so the code
//! that uses them needs no unsafe:
//!
//! - [`Held`], the ring's one entry for the slot (not `Clone`, reached only
//!   through the locked state), owns it: it puts the message in, and takes
//!   it out only while the mark is `IDLE` (each take looks at the mark
//!   first). Letting go of a marked slot, it flags it `DETACHED` (under the
//!   lock), which hands the slot to the cloner, instead of freeing it.
//! - [`Marked`], made by [`Held::read`] for the receiver that clones, is
//!   a plain pointer: the slot cannot be freed while it is marked (its
//!   owner is a `Held`, which flags a marked slot rather than free it, or
//!   the cloner itself). It reads the message while the mark is `BUSY`
//!   (so no `Held` touches it), and gives the slot back by clearing the
//!   mark ([`Marked::clear`], or [`Marked::unmark`] under the lock, which
//!   also hands over a `DETACHED` slot, emptied, as a [`Spare`]).
//! - [`Spare`], an empty `IDLE` slot kept for reuse, owns it.
//!
//! A cloning read so moves no reference count: it is the lock, the mark
//! set under it, and the mark's clear. (The slot was an `Arc`, and each
//! cloning read moved its count up and down. In the bench's seq 1x4, with
//! 3 cloning reads a message, that was 6 of the 14.2 atomic
//! read-modify-writes per message; without it, 8.0, and 126 ns a message
//! went to 91, tokio's being 119-121, in one run each.)
#![allow(unsafe_code)]

use alloc::boxed::Box;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;

use crate::loom::alloc::Tracked;
use crate::loom::atomic::{AtomicU8, Ordering::*};
use crate::loom::cell::UnsafeCell;

/// Where one message lives, in its own allocation, so that a receiver can
/// clone it outside the lock while the ring moves around it.
pub(super) struct Slot<T> {
    /// Written by the lock holder while the slot is `IDLE`; read by the one
    /// receiver that marked it `BUSY`, which the lock hands it to.
    msg: UnsafeCell<Option<T>>,
    /// `IDLE`, or `BUSY` (a receiver is cloning the message), maybe with
    /// flags (see the module docs). Set under the lock; a plain `BUSY` is
    /// cleared by the cloner without it, a flagged one under it.
    mark: AtomicU8,
    /// Under loom, a slot never freed fails the model (the slot is a plain
    /// `Box`, which loom does not see otherwise).
    _leaks: Tracked,
}

const IDLE: u8 = 0;
const BUSY: u8 = 0b0001;
const ORPHANED: u8 = 0b0010;
const WAITED: u8 = 0b0100;
const DETACHED: u8 = 0b1000;

impl<T> Slot<T> {
    /// A new slot, `IDLE` and empty, owned by the pointer returned.
    fn new() -> NonNull<Self> {
        let slot = Box::new(Self {
            msg: UnsafeCell::new(None),
            mark: AtomicU8::new(IDLE),
            _leaks: Tracked::new(),
        });
        NonNull::from(Box::leak(slot))
    }

    /// Frees a slot, with its message if it still holds one (user code).
    ///
    /// # Safety
    ///
    /// `slot` came from [`Slot::new`], the caller owns it, and nobody
    /// touches it afterwards (no `Marked` for it exists).
    unsafe fn free(slot: NonNull<Self>) {
        // SAFETY: by the contract, it is a leaked `Box` that is ours alone.
        drop(unsafe { Box::from_raw(slot.as_ptr()) });
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
        // it) or by `flag`'s and `clear`'s read-modify-writes.
        self.mark.store(BUSY, Relaxed);
    }

    /// The cloner is done with the message: clears a plain `BUSY` mark.
    /// Returns true if a flag is set instead: the mark stays, keeping the
    /// message from being done, until the cloner has finished it under
    /// the lock ([`Chan::finish_marked`]).
    fn clear(&self) -> bool {
        // ORDERING: Release publishes our read of the message to whoever
        // sees IDLE next (`is_idle`, `flag`); a failure (a flag) Acquires
        // nothing we need (we lock next), Acquire for symmetry.
        self.mark
            .compare_exchange(BUSY, IDLE, Release, Acquire)
            .is_err()
    }

    /// Clears the mark, under the lock (a panicked clone, or a flagged
    /// mark finished). Returns the flags it had.
    fn unmark(&self) -> u8 {
        // ORDERING: Release, as in `clear`. The flags were set under the
        // lock we hold, so nobody changes them meanwhile.
        self.mark.swap(IDLE, Release)
    }

    /// Sets `flag` on a busy mark, under the lock; returns false if the
    /// mark is `IDLE` by now (its cloner cleared it without the lock).
    fn flag(&self, flag: u8) -> bool {
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

    /// The mark's flags, read under the lock by the cloner that found its
    /// mark flagged.
    fn flags(&self) -> u8 {
        self.mark.load(Acquire)
    }
}

/// The ring's entry for a slot: the message's owner on the lock's side,
/// with how many receivers have yet to read it. It owns the slot (see the
/// module docs). Dropped, it frees the slot, or hands a marked one to its
/// cloner.
pub(super) struct Held<T> {
    slot: NonNull<Slot<T>>,
    pub(super) unread: usize,
}

// SAFETY: a `Held` owns its slot and one `T` in it, as a `Box<Slot<T>>` would; what it shares with a cloner on another thread is governed by the mark (module docs): one thread at a time touches the message, so `T: Send` is enough, as for a `Box`.
unsafe impl<T: Send> Send for Held<T> {}

/// An empty slot kept for reuse: it left the ring done (`IDLE`, its
/// message gone), or was detached and emptied by its cloner. Owns it.
pub(super) struct Spare<T>(NonNull<Slot<T>>);

// SAFETY: it owns an empty slot, as a `Box<Slot<T>>` would.
unsafe impl<T: Send> Send for Spare<T> {}

impl<T> Drop for Spare<T> {
    fn drop(&mut self) {
        // SAFETY: a spare owns its slot, and no `Marked` for it exists (it is IDLE).
        unsafe { Slot::free(self.0) }
    }
}

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
    /// A receiver is cloning it: the slot is its cloner's now, which
    /// drops the message.
    Busy,
}

impl<T> Held<T> {
    /// Puts `msg` into `spare` (or a new slot), for `unread` receivers.
    pub(super) fn new(spare: Option<Spare<T>>, msg: T, unread: usize) -> Self {
        let slot = spare.map_or_else(Slot::new, |spare| ManuallyDrop::new(spare).0);
        let held = Self { slot, unread };
        held.slot().msg.with_mut(|cell| {
            // SAFETY: a spare slot is IDLE and empty, and a new one too; nobody else has a `Held` or a `Marked` for it (the cloner that last marked it cleared the mark, and a `Marked` reads only while BUSY), so the message is ours.
            unsafe { *cell = Some(msg) }
        });
        held
    }

    fn slot(&self) -> &Slot<T> {
        // SAFETY: a `Held` owns its slot: it is live until the `Held` frees or hands it on, which consumes the `Held`.
        unsafe { self.slot.as_ref() }
    }

    /// Whether no receiver is cloning the message.
    pub(super) fn is_idle(&self) -> bool {
        self.slot().is_idle()
    }

    /// Read by everyone it was for, and not being cloned: it can leave.
    pub(super) fn is_done(&self) -> bool {
        self.unread == 0 && self.is_idle()
    }

    /// Takes the message out, unless a receiver is cloning it (then `None`,
    /// as for a slot already emptied).
    pub(super) fn take_idle(&mut self) -> Option<T> {
        if !self.is_idle() {
            return None;
        }
        // SAFETY: the mark is IDLE (Acquire, above: the last cloner's read happened before) and only a `Held` marks it, through `&mut self`, so no `Marked` exists for it; this is its one `Held`.
        unsafe { self.slot().take_msg() }
    }

    /// One receiver reads the message, unless another is cloning it
    /// (`Busy`, nothing changed): it counts itself off, and either takes
    /// the message out (the last reader) or marks it `BUSY` for itself and
    /// gets the handle through which it clones it outside the lock.
    #[inline]
    pub(super) fn read(&mut self) -> HeldRead<T> {
        if !self.is_idle() {
            return HeldRead::Busy;
        }
        self.unread -= 1;
        if self.unread > 0 {
            self.slot().mark_busy();
            return HeldRead::Clone(Marked(self.slot));
        }
        // SAFETY: as in `take_idle`: the mark is IDLE (looked at above, and only `&mut self` could have changed it since).
        HeldRead::Last(unsafe { self.slot().take_msg() })
    }

    /// A receiver waits for this message's cloner (see [`Slot::flag`]):
    /// flags it `WAITED`, so that the cloner wakes the waiting receivers
    /// when done. Returns false if the mark is `IDLE` by now (the message
    /// can be read at once).
    pub(super) fn wait_for_clone(&self) -> bool {
        self.slot().flag(WAITED)
    }

    /// Under the lock, the message's last reader was dropped: returns true
    /// if the caller finishes it now (nobody is cloning it), else flags it
    /// `ORPHANED` for its cloner to finish.
    pub(super) fn orphan(&self) -> bool {
        !self.slot().flag(ORPHANED)
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
        Spare(ManuallyDrop::new(self).slot)
    }

    /// Leaves the ring before it was done (lagging: overwritten).
    pub(super) fn retire(self) -> Retired<T> {
        let this = ManuallyDrop::new(self);
        if this.slot().flag(DETACHED) {
            // A receiver is cloning it: the slot is the cloner's now.
            return Retired::Busy;
        }
        // SAFETY: the mark is IDLE (`flag` found it so, Acquire: the last cloner's read happened before) and only this `Held` could mark it: the message is ours.
        let msg = unsafe { this.slot().take_msg() };
        Retired::Idle(msg, Spare(this.slot))
    }
}

impl<T> Drop for Held<T> {
    /// Frees the slot with its message (user code), or, if a receiver were
    /// cloning it, flags it `DETACHED` for the cloner. Only the channel's
    /// drop drops a `Held` (its ring's), without the lock; every other way
    /// out of the ring consumes it (`into_spare`, `retire`). No receiver is
    /// left to be cloning then, so the flag is a safeguard.
    fn drop(&mut self) {
        if self.slot().flag(DETACHED) {
            return;
        }
        // SAFETY: the mark is IDLE (`flag` found it so, Acquire: the last cloner's read happened before) and only this `Held` could mark it, so no `Marked` for it exists; the slot is ours.
        unsafe { Slot::free(self.slot) }
    }
}

/// A slot marked `BUSY` for one receiver: the one handle that reads the
/// message outside the lock, until it clears the mark. A plain pointer:
/// the slot stays live while it is marked (module docs).
pub(super) struct Marked<T>(NonNull<Slot<T>>);

/// What [`Marked::unmark`] found.
pub(super) struct Unmarked<T> {
    /// Whether a receiver waited for the clone (it is to be woken).
    pub(super) waited: bool,
    /// The slot, if it had left the ring (`DETACHED`): the cloner owns
    /// it now, emptied, with the message it still held, to drop.
    pub(super) detached: Option<(Option<T>, Spare<T>)>,
}

impl<T> Marked<T> {
    fn slot(&self) -> &Slot<T> {
        // SAFETY: a marked slot is live: its `Held` flags it rather than free it, and a detached one is owned by this handle until its `unmark`, which consumes it (making a `Spare` of the slot).
        unsafe { self.0.as_ref() }
    }

    /// Clones the message.
    pub(super) fn clone_msg(&self) -> T
    where
        T: Clone,
    {
        self.slot().msg.with(|cell| {
            // SAFETY: the mark is BUSY and was set for this handle (made once per marking, not `Clone`), so no `Held` touches the message until the mark is cleared, which consumes this handle; the lock's Acquire made the message's write visible.
            let msg = unsafe { &*cell };
            msg.as_ref().expect("a busy slot holds its message").clone()
        })
    }

    /// Done with the message: clears a plain `BUSY` mark. If a flag is set
    /// instead, the mark stays and so does this handle (`Err`): finish it
    /// under the lock ([`Self::take_orphaned`], [`Self::unmark`]).
    pub(super) fn clear(self) -> Result<(), Self> {
        if self.slot().clear() {
            Err(self)
        } else {
            Ok(())
        }
    }

    /// Under the lock, for a flagged mark: if the message's other readers
    /// all left (`ORPHANED`), takes it out (the message is done).
    pub(super) fn take_orphaned(&self) -> Option<T> {
        if self.slot().flags() & ORPHANED == 0 {
            return None;
        }
        // SAFETY: the mark is still BUSY (with flags) and ours, as in `clone_msg`; nobody else reads an ORPHANED message.
        unsafe { self.slot().take_msg() }
    }

    /// Clears the mark under the lock (a panicked clone, or a flagged mark
    /// finished): whether a receiver waited for it, and, if the slot left
    /// the ring meanwhile, the slot and what it held.
    pub(super) fn unmark(self) -> Unmarked<T> {
        let flags = self.slot().unmark();
        let detached = (flags & DETACHED != 0).then(|| {
            // SAFETY: the slot was detached: its `Held` let go of it, so this handle is the only one left, and the mark, IDLE now, was ours.
            let msg = unsafe { self.slot().take_msg() };
            (msg, Spare(self.0))
        });
        Unmarked {
            waited: flags & WAITED != 0,
            detached,
        }
    }
}

//! `Entry` and `WaitList`: the waiters of a queued channel.
//!
//! A send or receive that cannot finish now leaves an [`Entry`] in its
//! side's [`WaitList`], which lives in the channel's locked state
//! (`lock.rs`). The entry is shared (`Arc`) between the waiting operation
//! (its *owner*: a future, or a blocked thread's call) and the list. It
//! holds the owner's waker in a [`WakerSlot`], so a thread and a task wait
//! alike, and, for a waiting send, the message itself: a waiting message
//! stays with its sender, never with a receiver that might not come back
//! for it.
//!
//! # Protocol
//!
//! An entry's `state`:
//!
//! | state      | side | meaning | the `msg` cell belongs to |
//! |------------|------|---------|---------------------------|
//! | `WAITING`  | both | in its list, waiting | the lock holder |
//! | `NOTIFIED` | recv | taken off the list: something may be ready, poll the channel again | (empty) |
//! | `FILLED`   | recv | taken off the list with a message put in `msg` (only for entries that accept a hand-off) | the owner |
//! | `SENT`     | send | taken off the list, its message taken by a receiver | (empty) |
//! | `CLOSED`   | send | taken off the list because the channel closed; `msg` still holds the message | the owner |
//! | `TAKEN`    | both | the owner took the message out of a `FILLED` or `CLOSED` entry | (empty) |
//!
//! Every move happens under the channel's lock: the owner pushes a new
//! entry in `WAITING` (or removes one still `WAITING` when it gives up);
//! a notifier pops it and moves it out of `WAITING` once, with a Release
//! store. Only then, after unlocking, does the notifier wake it
//! ([`Entry::wake`]), so no waker runs under the lock. The owner reads the
//! state with Acquire: once it sees a state other than `WAITING`, the entry
//! is off every list, nobody else touches `msg`, and what the notifier
//! wrote is visible.
//!
//! The message cell is reached only through this file: under the lock
//! through the list (`push_sender`, `pop_sender`, `hand_off`,
//! `withdraw`: a `&mut WaitList` stands for the lock), and by the owner
//! through [`Entry::take_owned`], whose compare-and-swap from `FILLED` or
//! `CLOSED` to `TAKEN` lets exactly one caller have it. So the channels
//! that use entries need no unsafe code for them.
//!
//! An owner waiting again registers its new waker in the entry's slot
//! without the lock, then re-reads the state: either the notifier's later
//! `take` finds the new waker, or the re-read sees the move (the
//! `WakerSlot` protocol). An entry is never put back on a list: an owner
//! that must wait again after being notified makes a new one.
#![allow(unsafe_code)]

use crate::loom::sync::Arc;
use alloc::collections::VecDeque;
use core::task::{Poll, Waker};

use crate::loom::atomic::{AtomicU8, Ordering::*};
use crate::loom::cell::UnsafeCell;
use crate::wait::waker_slot::WakerSlot;

pub(crate) const WAITING: u8 = 0;
pub(crate) const NOTIFIED: u8 = 1;
pub(crate) const FILLED: u8 = 2;
pub(crate) const SENT: u8 = 3;
pub(crate) const CLOSED: u8 = 4;
pub(crate) const TAKEN: u8 = 5;

/// One waiting operation. See the module docs.
pub(crate) struct Entry<T> {
    state: AtomicU8,
    waker: WakerSlot,
    /// The waiting sender's message, or a message handed to a receiver.
    /// Owned as the table in the module docs says.
    msg: UnsafeCell<Option<T>>,
    /// Whether a sender may put a message straight into this (receive)
    /// entry. Only a blocked thread accepts: it takes the message as soon
    /// as it wakes, while a future might never be polled again.
    accepts_handoff: bool,
}

// SAFETY: `msg` is touched by one thread at a time (the lock holder while the entry is listed, the owner after the Release/Acquire hand-over of `state`), and moving a `T` between threads needs `T: Send`; the other fields are Sync.
unsafe impl<T: Send> Sync for Entry<T> {}
// SAFETY: as for Sync: the entry owns at most one `T`.
unsafe impl<T: Send> Send for Entry<T> {}

impl<T> Entry<T> {
    /// A new, empty entry in `WAITING`, registered to wake `waker`.
    pub(crate) fn new(accepts_handoff: bool, waker: &Waker) -> Arc<Self> {
        crate::queue::lock::waiting();
        let entry = Arc::new(Self {
            state: AtomicU8::new(WAITING),
            waker: WakerSlot::new(),
            msg: UnsafeCell::new(None),
            accepts_handoff,
        });
        entry.waker.register(waker);
        entry
    }

    /// The state, read by the owner (Acquire: see the module docs).
    #[inline]
    pub(crate) fn state(&self) -> u8 {
        self.state.load(Acquire)
    }

    /// The owner, polled again while `WAITING`: leaves `waker` to be woken
    /// and returns the state read after that (still `WAITING`: sleep).
    pub(crate) fn reregister(&self, waker: &Waker) -> u8 {
        self.waker.register(waker);
        self.state()
    }

    /// Moves the entry out of `WAITING`. Called under the channel's lock by
    /// whoever popped it from its list; wake it after unlocking.
    pub(crate) fn set(&self, state: u8) {
        debug_assert_ne!(state, WAITING);
        // ORDERING: Release publishes `msg` (taken or filled) to the owner.
        self.state.store(state, Release);
    }

    /// Takes the message out of a listed entry.
    ///
    /// # Safety
    ///
    /// The caller holds the channel's lock and the entry is on one of that
    /// channel's lists, or has just been taken off it under the lock (so
    /// the cell belongs to the lock holder).
    ///
    /// # Panics
    ///
    /// If the entry holds no message (a waiting receiver's entry).
    unsafe fn take_listed(&self) -> T {
        // SAFETY: by the contract the cell belongs to the lock holder: us.
        let msg = self.msg.with_mut(|msg| unsafe { (*msg).take() });
        msg.expect("a waiting sender's entry holds its message")
    }

    /// Puts a message into an entry that the lock holder owns (a new one
    /// about to be listed, or one just taken off its list).
    ///
    /// # Safety
    ///
    /// As for [`take_listed`](Self::take_listed).
    unsafe fn fill_listed(&self, msg: T) {
        self.msg.with_mut(|cell| {
            // SAFETY: by the contract the cell belongs to the lock holder: us.
            let cell = unsafe { &mut *cell };
            // Filled once, when empty: no message is dropped under the lock.
            debug_assert!(cell.is_none(), "an entry is filled only when empty");
            *cell = Some(msg);
        });
    }

    /// The owner takes the message back (`CLOSED`) or receives it
    /// (`FILLED`): moves the entry to `TAKEN` and returns the message;
    /// `None` in any other state.
    pub(crate) fn take_owned(&self) -> Option<T> {
        let state = self.state();
        if state != FILLED && state != CLOSED {
            return None;
        }
        // ORDERING: Acquire (as `state`) pairs with the notifier's Release:
        // what it put in the cell is visible. Only one caller moves the
        // entry out of FILLED or CLOSED.
        if self
            .state
            .compare_exchange(state, TAKEN, Acquire, Relaxed)
            .is_err()
        {
            return None;
        }
        // SAFETY: the entry is off every list (FILLED and CLOSED are set only after it left its list, under the lock, and nobody touches the cell after setting them), and our compare-and-swap is the only one that left that state: the cell is ours alone.
        self.msg.with_mut(|msg| unsafe { (*msg).take() })
    }

    /// How a waiting send ended, once its entry is off its list: `Ok` if a
    /// receiver took the message (`SENT`), `Err` with the message if the
    /// channel closed (`CLOSED`).
    ///
    /// # Panics
    ///
    /// If the entry is still listed, or its message was taken already.
    pub(crate) fn send_outcome(&self) -> Result<(), T> {
        match self.state() {
            SENT => Ok(()),
            _ => Err(self
                .take_owned()
                .expect("a send entry off its list is SENT or CLOSED")),
        }
    }

    /// The owner of a waiting send, polled again: leaves `waker` to be
    /// woken and returns `Pending` while the entry is listed, else how the
    /// send ended (see [`send_outcome`](Self::send_outcome)).
    pub(crate) fn poll_send(&self, waker: &Waker) -> Poll<Result<(), T>> {
        if self.state() == WAITING && self.reregister(waker) == WAITING {
            return Poll::Pending;
        }
        Poll::Ready(self.send_outcome())
    }

    /// Wakes the owner. Called after unlocking, by whoever moved the entry
    /// out of `WAITING`.
    pub(crate) fn wake(&self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

impl<T> core::fmt::Debug for Entry<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entry")
            .field("state", &self.state.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// The waiting operations of one side, in the order they came.
///
/// Removing a given entry (a withdrawn wait) scans the list: cheap for the
/// short lists of real programs, linear in the number of waiters.
pub(crate) struct WaitList<T> {
    entries: VecDeque<Arc<Entry<T>>>,
    /// How many listed entries accept a hand-off (so a sender looking for
    /// one scans only when there is one to find).
    accepting: usize,
}

impl<T> WaitList<T> {
    pub(crate) const fn new() -> Self {
        Self {
            entries: VecDeque::new(),
            accepting: 0,
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn push(&mut self, entry: Arc<Entry<T>>) {
        self.accepting += usize::from(entry.accepts_handoff);
        self.entries.push_back(entry);
    }

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Arc<Entry<T>>> {
        if self.entries.is_empty() {
            return None;
        }
        let entry = self.entries.pop_front()?;
        self.accepting -= usize::from(entry.accepts_handoff);
        Some(entry)
    }

    /// Whether an entry that accepts a hand-off is listed.
    #[inline]
    pub(crate) fn has_accepting(&self) -> bool {
        self.accepting > 0
    }

    /// Pops the first entry that accepts a hand-off.
    #[inline]
    pub(crate) fn pop_accepting(&mut self) -> Option<Arc<Entry<T>>> {
        if self.accepting == 0 {
            return None;
        }
        let at = self
            .entries
            .iter()
            .position(|entry| entry.accepts_handoff)?;
        self.accepting -= 1;
        self.entries.remove(at)
    }

    /// Removes `entry` if it is listed here; returns whether it was.
    pub(crate) fn remove(&mut self, entry: &Arc<Entry<T>>) -> bool {
        match self.entries.iter().position(|e| Arc::ptr_eq(e, entry)) {
            Some(at) => {
                self.accepting -= usize::from(entry.accepts_handoff);
                // Not the last reference (the caller holds one): dropping
                // it here runs no user code.
                self.entries.remove(at);
                true
            }
            None => false,
        }
    }

    /// Lists a waiting sender: `entry`, new and the caller's alone, with
    /// its message.
    ///
    /// # Panics
    ///
    /// If someone else holds the entry too (it might be listed already).
    pub(crate) fn push_sender(&mut self, entry: &Arc<Entry<T>>, msg: T) {
        assert_eq!(Arc::strong_count(entry), 1, "a new entry is listed");
        // SAFETY: nobody else holds the entry (checked above), so nobody else can reach its cell; `&mut self` stands for the lock under which the list keeps it from now on.
        unsafe { entry.fill_listed(msg) };
        self.push(entry.clone());
    }

    /// Takes the first waiting sender off the list with its message, and
    /// moves it to `SENT` (wake it after unlocking).
    pub(crate) fn pop_sender(&mut self) -> Option<(Arc<Entry<T>>, T)> {
        let sender = self.pop()?;
        // SAFETY: the entry was listed here until the line above, under the lock our `&mut self` stands for; `set` below is what gives it back to its owner.
        let msg = unsafe { sender.take_listed() };
        sender.set(SENT);
        Some((sender, msg))
    }

    /// Hands `msg` to the first listed receiver that accepts a hand-off,
    /// moving it to `FILLED` (wake it after unlocking); gives the message
    /// back if none is listed.
    pub(crate) fn hand_off(&mut self, msg: T) -> Result<Arc<Entry<T>>, T> {
        let Some(entry) = self.pop_accepting() else {
            return Err(msg);
        };
        // SAFETY: as in `pop_sender`.
        unsafe { entry.fill_listed(msg) };
        entry.set(FILLED);
        Ok(entry)
    }

    /// Withdraws a waiting sender's `entry` if it is listed here: takes it
    /// off the list and returns its message. (`&mut self` means the
    /// caller holds the channel's lock.)
    pub(crate) fn withdraw(&mut self, entry: &Arc<Entry<T>>) -> Option<T> {
        if !self.remove(entry) {
            return None;
        }
        // SAFETY: the entry was listed here until `remove` above, under the lock our `&mut` stands for, and nobody moved it out of WAITING (that would have taken it off the list): its cell is ours.
        Some(unsafe { entry.take_listed() })
    }

    /// Moves every entry out, leaving the list empty.
    pub(crate) fn take_all(&mut self) -> VecDeque<Arc<Entry<T>>> {
        self.accepting = 0;
        core::mem::take(&mut self.entries)
    }
}

impl<T> core::fmt::Debug for WaitList<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitList")
            .field("len", &self.entries.len())
            .field("accepting", &self.accepting)
            .finish()
    }
}

/// Wakes every entry, in order. If a wake panics (a user's waker), the
/// rest are still woken while it unwinds, so nobody is left asleep off
/// every list (a second panic then aborts, as in `Vec`'s drop).
#[inline(always)]
pub(crate) fn wake_all<T>(entries: impl Iterator<Item = Option<Arc<Entry<T>>>>) {
    struct Rest<I: Iterator<Item = Option<Arc<Entry<T>>>>, T>(I);
    impl<I: Iterator<Item = Option<Arc<Entry<T>>>>, T> Drop for Rest<I, T> {
        fn drop(&mut self) {
            for entry in self.0.by_ref().flatten() {
                entry.wake();
            }
        }
    }
    let mut rest = Rest(entries);
    for entry in rest.0.by_ref().flatten() {
        entry.wake();
    }
}

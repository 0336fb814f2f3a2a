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
//! store, then takes the owner's waker out of the slot and drops the
//! list's reference, all under the lock (`Entry::notify`); it wakes the
//! waker after unlocking, so no waker runs under the lock. The owner reads
//! the state with Acquire: once it sees a state other than `WAITING`, the
//! entry is off every list, nobody else touches `msg`, and what the
//! notifier wrote is visible.
//!
//! The owner holds its entry through a [`Waiting`] handle, which empties
//! the waker slot before it lets go: so whoever drops an entry's last
//! reference (a notifier under the lock, say) drops no waker.
//!
//! # No allocation per wait
//!
//! When the owner is done with its entry (the wait is over, or was never
//! needed), it gives it to its side's [`Spare`], a one-entry slot, and the
//! next wait on that side takes it from there instead of allocating. The
//! owner can: once it sees the move, the notifier's reference is gone or
//! about to go (it is dropped inside the notifier's critical section), so
//! the owner's is normally the only one; if it is not (the owner saw the
//! move early), taking and releasing the lock once waits the notifier out.
//! Only an entry that still holds a message (`FILLED`, `CLOSED`) is
//! dropped instead. A channel whose waits on a side come one at a time (a ping-pong,
//! a producer waiting for room) therefore allocates no entry per wait;
//! waits that overlap make an entry for each one beyond the spare.
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
//! `WakerSlot` protocol). An entry is never put back on a list while its
//! owner holds it: an owner that must wait again after being notified
//! takes another (the spare it just left, usually).
#![allow(unsafe_code)]

use crate::loom::sync::Arc;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::marker::PhantomData;
use core::task::{Poll, Waker};

use crate::loom::atomic::{AtomicPtr, AtomicU8, Ordering::*};
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
    fn new(accepts_handoff: bool, waker: &Waker) -> Arc<Self> {
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

    /// Moves the entry out of `WAITING` and lets go of it: called under the
    /// channel's lock by whoever took it off its list. Returns the owner's
    /// waker, to be woken after unlocking. The waker is taken after the
    /// move (so a waker the owner registers meanwhile is either taken here
    /// or sees the move and wakes itself, the `WakerSlot` protocol), and
    /// the list's reference is dropped here, under the lock: never the
    /// last one, or one that runs user code, since the owner empties the
    /// slot before it lets go of its own ([`Waiting`]).
    /// (An associated function: loom's `Arc` cannot be a `self` type.)
    fn notify(entry: Arc<Self>, state: u8) -> Option<Waker> {
        entry.set(state);
        entry.waker.take()
    }
}

/// The owner's handle to its listed entry: the waiting operation holds it
/// (a future, a blocked thread's call), the list holds a plain `Arc`.
/// Dropping it first empties the entry's waker slot (a waker's drop is user
/// code; the owner is outside the lock), so whoever drops the entry's last
/// reference, perhaps a notifier under the lock, runs no user code.
pub(crate) struct Waiting<T>(Arc<Entry<T>>);

impl<T> Waiting<T> {
    /// A new, empty entry in `WAITING`, registered to wake `waker`.
    #[cfg(all(test, not(tidings_loom)))]
    pub(crate) fn new(accepts_handoff: bool, waker: &Waker) -> Self {
        Self(Entry::new(accepts_handoff, waker))
    }

    /// An empty entry in `WAITING`, registered to wake `waker`: the one
    /// `spare` keeps, or a new one.
    pub(crate) fn from_spare(spare: &Spare<T>, accepts_handoff: bool, waker: &Waker) -> Self {
        let Some(mut entry) = spare.take() else {
            return Self(Entry::new(accepts_handoff, waker));
        };
        crate::queue::lock::waiting();
        let reset = Arc::get_mut(&mut entry).expect("a spare entry is nobody else's");
        reset.accepts_handoff = accepts_handoff;
        // ORDERING: Relaxed: the entry is ours alone (the spare's Acquire
        // made the last owner's writes visible), until it is listed under
        // the lock.
        entry.state.store(WAITING, Relaxed);
        entry.waker.register(waker);
        Self(entry)
    }

    /// The owner is done with the entry (it is off every list, its message
    /// taken or never there): empties its waker slot and keeps it in
    /// `spare` for the next wait (a notifier that moved it may be a few
    /// instructions from letting go of its reference, under the lock:
    /// `settle`, below). An entry still holding a message is dropped.
    ///
    /// Drops the owner's waker: user code, so callers recycle after the
    /// wakes and hand-overs their operation owes, as dropping the entry
    /// did before entries were kept.
    ///
    /// `settle` takes and releases the channel's lock: called only when
    /// the notifier still holds its reference (the owner saw the move
    /// early: a spurious or left-over unpark, a self-wake of `register`),
    /// it waits out the notifier's critical section, inside which that
    /// reference is dropped; so a finished wait always leaves its entry.
    pub(crate) fn recycle(self, spare: &Spare<T>, settle: impl FnOnce()) {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out of it exactly once.
        let mut entry = unsafe { core::ptr::read(&this.0) };
        drop(entry.waker.take());
        // (Only FILLED and CLOSED entries hold a message: dropped with them.)
        if matches!(entry.state(), FILLED | CLOSED) {
            return;
        }
        if Arc::get_mut(&mut entry).is_none() {
            settle();
        }
        if Arc::get_mut(&mut entry).is_some() {
            spare.put(entry);
        }
    }

    /// A reference for the list.
    pub(crate) fn share(&self) -> Arc<Entry<T>> {
        self.0.clone()
    }
}

impl<T> core::ops::Deref for Waiting<T> {
    type Target = Arc<Entry<T>>;

    fn deref(&self) -> &Arc<Entry<T>> {
        &self.0
    }
}

impl<T> Drop for Waiting<T> {
    fn drop(&mut self) {
        drop(self.0.waker.take());
    }
}

impl<T> core::fmt::Debug for Waiting<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> core::fmt::Debug for Entry<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entry")
            .field("state", &self.state.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// One spare entry for one side of a channel: the last wait to finish
/// leaves its entry here, and the next wait takes it, so that a channel
/// whose waits come one at a time allocates no entry per wait. A single
/// slot that any thread fills or empties with one swap; a wait that finds
/// it empty makes a new entry, and an entry put into a full slot drops the
/// one there (an empty entry: no user code runs).
pub(crate) struct Spare<T>(
    AtomicPtr<Entry<T>>,
    /// It owns an `Arc<Entry<T>>` when full: `Send` and `Sync` as that is
    /// (a bare `AtomicPtr` would be both for any `T`).
    PhantomData<Arc<Entry<T>>>,
);

impl<T> Spare<T> {
    pub(crate) fn new() -> Self {
        Self(AtomicPtr::new(core::ptr::null_mut()), PhantomData)
    }

    fn take(&self) -> Option<Arc<Entry<T>>> {
        // ORDERING: Acquire pairs with the Release of `put`: the last
        // owner's writes to the entry are visible to its next owner.
        let ptr = self.0.swap(core::ptr::null_mut(), Acquire);
        // SAFETY: a non-null pointer here came from `Arc::into_raw` in `put`, and the swap above moved it out: its count is ours now.
        (!ptr.is_null()).then(|| unsafe { Arc::from_raw(ptr) })
    }

    fn put(&self, entry: Arc<Entry<T>>) {
        let ptr = Arc::into_raw(entry).cast_mut();
        // ORDERING: Release publishes the entry's reset (see `take`);
        // Acquire, as `take`'s, for an entry it displaces.
        let old = self.0.swap(ptr, AcqRel);
        if !old.is_null() {
            // SAFETY: as in `take`.
            drop(unsafe { Arc::from_raw(old) });
        }
    }
}

impl<T> Drop for Spare<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<T> core::fmt::Debug for Spare<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Spare").finish_non_exhaustive()
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
    fn pop(&mut self) -> Option<Arc<Entry<T>>> {
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

    /// Takes the first entry off the list, moving it to `state` (see
    /// [`Entry::notify`]); returns its owner's waker, to wake after
    /// unlocking (`None` if the list is empty, or the owner is registering
    /// a waker and will see the move itself).
    #[inline]
    pub(crate) fn notify_first(&mut self, state: u8) -> Option<Waker> {
        if self.entries.is_empty() {
            return None;
        }
        self.notify_first_listed(state)
    }

    /// [`notify_first`](Self::notify_first) with an entry listed: out of
    /// line, so that a send or receive that finds nobody waiting stays
    /// small (inlined, the move and the reference dropped under the lock
    /// cost every send 5 instructions more).
    #[inline(never)]
    fn notify_first_listed(&mut self, state: u8) -> Option<Waker> {
        Entry::notify(self.pop()?, state)
    }

    /// Takes every entry off the list, moving each to `state`, and puts
    /// their owners' wakers into `wakers`, to wake after unlocking. The
    /// list keeps its memory.
    pub(crate) fn notify_all(&mut self, state: u8, wakers: &mut impl Extend<Waker>) {
        self.accepting = 0;
        wakers.extend(
            self.entries
                .drain(..)
                .filter_map(|entry| Entry::notify(entry, state)),
        );
    }

    /// Pops the first entry that accepts a hand-off.
    #[inline]
    fn pop_accepting(&mut self) -> Option<Arc<Entry<T>>> {
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
    pub(crate) fn push_sender(&mut self, entry: &Waiting<T>, msg: T) {
        assert_eq!(Arc::strong_count(entry), 1, "a new entry is listed");
        // SAFETY: nobody else holds the entry (checked above), so nobody else can reach its cell; `&mut self` stands for the lock under which the list keeps it from now on.
        unsafe { entry.fill_listed(msg) };
        self.push(entry.share());
    }

    /// Takes the first waiting sender off the list with its message, and
    /// moves it to `SENT`; returns the message and the sender's waker, to
    /// wake after unlocking.
    pub(crate) fn pop_sender(&mut self) -> Option<(T, Option<Waker>)> {
        let sender = self.pop()?;
        // SAFETY: the entry was listed here until the line above, under the lock our `&mut self` stands for; `notify` below is what gives it back to its owner.
        let msg = unsafe { sender.take_listed() };
        Some((msg, Entry::notify(sender, SENT)))
    }

    /// Hands `msg` to the first listed receiver that accepts a hand-off,
    /// moving it to `FILLED`; returns the receiver's waker, to wake after
    /// unlocking, or gives the message back if none is listed.
    pub(crate) fn hand_off(&mut self, msg: T) -> Result<Option<Waker>, T> {
        let Some(entry) = self.pop_accepting() else {
            return Err(msg);
        };
        // SAFETY: as in `pop_sender`.
        unsafe { entry.fill_listed(msg) };
        Ok(Entry::notify(entry, FILLED))
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
}

impl<T> core::fmt::Debug for WaitList<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitList")
            .field("len", &self.entries.len())
            .field("accepting", &self.accepting)
            .finish()
    }
}

/// Wakers to wake after unlocking, in order: the first few kept inline,
/// so the usual handful (the receivers a broadcast notifies, the waiters a
/// close finishes) needs no allocation; the rest in a `Vec`.
pub(crate) struct Wakers {
    inline: [Option<Waker>; INLINE_WAKERS],
    more: Vec<Waker>,
}

/// Wakers a [`Wakers`] holds without allocating.
const INLINE_WAKERS: usize = 4;

impl Wakers {
    pub(crate) const fn new() -> Self {
        Self {
            inline: [const { None }; INLINE_WAKERS],
            more: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, waker: Waker) {
        match self.inline.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(waker),
            None => self.more.push(waker),
        }
    }

    /// Wakes them all (see [`wake_all`]).
    pub(crate) fn wake(self) {
        wake_all(
            self.inline
                .into_iter()
                .chain(self.more.into_iter().map(Some)),
        );
    }
}

impl Extend<Waker> for Wakers {
    fn extend<I: IntoIterator<Item = Waker>>(&mut self, wakers: I) {
        for waker in wakers {
            self.push(waker);
        }
    }
}

/// Wakes every waker, in order. If a wake panics (a user's waker), the
/// rest are still woken while it unwinds, so nobody is left asleep off
/// every list (a second panic then aborts, as in `Vec`'s drop).
#[inline(always)]
pub(crate) fn wake_all(wakers: impl Iterator<Item = Option<Waker>>) {
    struct Rest<I: Iterator<Item = Option<Waker>>>(I);
    impl<I: Iterator<Item = Option<Waker>>> Drop for Rest<I> {
        fn drop(&mut self) {
            for waker in self.0.by_ref().flatten() {
                waker.wake();
            }
        }
    }
    let mut rest = Rest(wakers);
    for waker in rest.0.by_ref().flatten() {
        waker.wake();
    }
}

/// A waker that counts its wakes, for the unit tests of the plain states.
#[cfg(all(test, not(tidings_loom)))]
pub(crate) mod counting_waker {
    use core::task::Waker;
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed}; // shim-exempt: a test waker's count, no protocol
    use std::sync::Arc; // shim-exempt: std's `Wake` takes std's `Arc`
    use std::task::Wake;

    /// How many times its wakers were woken.
    #[derive(Default)]
    pub(crate) struct Count(AtomicUsize);

    impl Count {
        pub(crate) fn get(&self) -> usize {
            self.0.load(Relaxed)
        }
    }

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    /// A waker and its count.
    pub(crate) fn new() -> (Waker, Arc<Count>) {
        let count = Arc::new(Count::default());
        (Waker::from(count.clone()), count)
    }
}

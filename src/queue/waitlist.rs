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
//! | `PASSED`   | both | taken off the list unclaimed: the entry belongs to a wait on several channels that another channel (or its owner) decided first; `msg` still holds a waiting sender's message | the owner |
//! | `TAKEN`    | both | the owner took the message out of a `FILLED`, `CLOSED` or `PASSED` entry | (empty) |
//!
//! A waiting sender's entry may be a *reserve* instead (an mpmc permit's
//! wait, `mpmc/permit.rs`): listed with no message, it waits for
//! `wanted` slots. The pop that makes room, [`WaitList::serve_sender`],
//! serves the first listed sender one slot: a send's message moves in; a
//! reserve counts the slot as granted and keeps its place until it has
//! all it wants, then moves to `SENT` (granted) like a send. A reserve
//! withdrawn, or moved to `CLOSED` by a close, gives back what it was
//! granted so far ([`WaitList::withdraw_reserve`],
//! [`WaitList::granted_to_waiting`]). The counts are touched only under
//! the lock.
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
//! # Waits on several channels
//!
//! An entry made by [`Waiting::grouped`] is one of several entries of a
//! single wait, one per channel, that share a [`Claim`] (`claim.rs`): the
//! owner's waker lives there, not in the entry. A notifier that pops such
//! an entry first tries to win the claim through it: if it wins, it goes
//! on as with any entry; if the claim was decided already (another
//! channel won, or the owner gave up), it moves the entry to `PASSED`
//! without touching its message or waking anyone, and goes on to the next
//! entry of its list, as if that one had not been there. So every pop of
//! this file (`notify_first`, `notify_all`, `pop_sender`, `hand_off`)
//! completes an operation only with an entry whose claim it won, and a
//! list may hold fewer live waiters than entries until they are popped.
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
use crate::wait::claim::Claim;
use crate::wait::claim::Group;
use crate::wait::waker_slot::WakerSlot;

pub(crate) const WAITING: u8 = 0;
pub(crate) const NOTIFIED: u8 = 1;
pub(crate) const FILLED: u8 = 2;
pub(crate) const SENT: u8 = 3;
pub(crate) const CLOSED: u8 = 4;
pub(crate) const TAKEN: u8 = 5;
pub(crate) const PASSED: u8 = 6;

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
    /// For one of several entries of a wait on several channels: their
    /// claim, and this entry's index in it (see the module docs). The
    /// owner's waker is then in the claim, and `waker` stays empty.
    claim: Option<(Arc<Claim>, usize)>,
    /// A waiting reserve's slots (see the module docs); touched only by
    /// the lock holder while the entry is listed.
    slots: UnsafeCell<Slots>,
}

/// The slots a waiting reserve wants, and those granted to it so far.
#[derive(Clone, Copy, Default)]
struct Slots {
    wanted: usize,
    granted: usize,
}

/// What [`WaitList::serve_sender`] did with the slot it was given.
pub(crate) enum Served<T> {
    /// A waiting send's message, to move into the slot; the send is over
    /// (`SENT`): its waker, to wake after unlocking.
    Message(T, Option<Waker>),
    /// A waiting reserve took the slot. The waker if that completed it
    /// (`SENT`), `None` if it waits on, first in line, for more.
    Slot(Option<Waker>),
}

// SAFETY: `msg` is touched by one thread at a time (the lock holder while the entry is listed, the owner after the Release/Acquire hand-over of `state`), and moving a `T` between threads needs `T: Send`; the other fields are Sync.
unsafe impl<T: Send> Sync for Entry<T> {}
// SAFETY: as for Sync: the entry owns at most one `T`.
unsafe impl<T: Send> Send for Entry<T> {}

impl<T> Entry<T> {
    /// A new, empty entry in `WAITING`, wakes nobody yet.
    fn empty(accepts_handoff: bool) -> Arc<Self> {
        Arc::new(Self {
            state: AtomicU8::new(WAITING),
            waker: WakerSlot::new(),
            msg: UnsafeCell::new(None),
            accepts_handoff,
            claim: None,
            slots: UnsafeCell::new(Slots::default()),
        })
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

    /// Sets a listed entry's slots.
    ///
    /// # Safety
    ///
    /// As for [`take_listed`](Self::take_listed).
    unsafe fn set_slots(&self, slots: Slots) {
        // SAFETY: by the contract the cell belongs to the lock holder: us.
        self.slots.with_mut(|cell| unsafe { *cell = slots });
    }

    /// A listed entry's slots.
    ///
    /// # Safety
    ///
    /// As for [`take_listed`](Self::take_listed).
    unsafe fn slots(&self) -> Slots {
        // SAFETY: by the contract the cell belongs to the lock holder: us.
        self.slots.with(|cell| unsafe { *cell })
    }

    /// The owner of a waiting reserve, polled again: leaves `waker` to be
    /// woken and returns `Pending` while the entry is listed, else whether
    /// every slot was granted (`SENT`; `CLOSED`: the channel closed, and
    /// took back what it had granted).
    pub(crate) fn poll_reserve(&self, waker: &Waker) -> Poll<bool> {
        if self.state() == WAITING && self.reregister(waker) == WAITING {
            return Poll::Pending;
        }
        Poll::Ready(self.state() == SENT)
    }

    /// The owner takes the message back (`CLOSED`, `PASSED`) or receives
    /// it (`FILLED`): moves the entry to `TAKEN` and returns the message;
    /// `None` in any other state.
    pub(crate) fn take_owned(&self) -> Option<T> {
        let state = self.state();
        if !matches!(state, FILLED | CLOSED | PASSED) {
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
        // SAFETY: the entry is off every list (FILLED, CLOSED and PASSED are set only after it left its list, under the lock, and nobody touches the cell after setting them), and our compare-and-swap is the only one that left that state: the cell is ours alone.
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
    #[inline]
    fn notify(entry: Arc<Self>, state: u8) -> Option<Waker> {
        entry.set(state);
        match &entry.claim {
            None => entry.waker.take(),
            Some((claim, _)) => claim.take_waker(),
        }
    }

    /// A notifier, under the lock, with `entry` just popped from its list:
    /// gives it back if it may complete an operation with it (a plain
    /// entry, or one whose claim it won), or moves it to `PASSED` and lets
    /// go of it (its claim was decided before: see the module docs). The
    /// reference dropped is never the last: the owner holds one until it
    /// took the entry off every list.
    #[inline]
    fn claimed(entry: Arc<Self>) -> Option<Arc<Self>> {
        if entry.claim.is_none() {
            return Some(entry);
        }
        Self::claimed_grouped(entry)
    }

    /// [`claimed`](Self::claimed) for an entry with a claim.
    #[cold]
    #[inline(never)]
    fn claimed_grouped(entry: Arc<Self>) -> Option<Arc<Self>> {
        let (claim, index) = entry.claim.as_ref().expect("a grouped entry");
        if claim.try_win(*index) {
            return Some(entry);
        }
        entry.set(PASSED);
        None
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
        Self::from_spare(&Spare::new(), accepts_handoff, waker)
    }

    /// An empty entry in `WAITING`, registered to wake `waker`: the one
    /// `spare` keeps, or a new one.
    pub(crate) fn from_spare(spare: &Spare<T>, accepts_handoff: bool, waker: &Waker) -> Self {
        let entry = Self::reset(spare, accepts_handoff);
        entry.waker.register(waker);
        Self(entry)
    }

    /// One of the entries of a wait on several channels (see the module
    /// docs): an empty entry in `WAITING` that `group` wakes through, with
    /// `index` for the claim; the one `spare` keeps, or a new one.
    ///
    /// Its handle's [`recycle`](Grouped::recycle) lets go of the claim
    /// before it keeps the entry for the next wait.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
    pub(crate) fn grouped(
        spare: &Spare<T>,
        accepts_handoff: bool,
        group: &Group,
        index: usize,
    ) -> Grouped<T> {
        let mut entry = Self::reset(spare, accepts_handoff);
        let reset = Arc::get_mut(&mut entry).expect("a spare or new entry is nobody else's");
        reset.claim = Some((group.share(), index));
        Grouped(Self(entry))
    }

    /// The entry `spare` keeps, or a new one, made ready for a wait (with
    /// no claim: a spare entry has none, see `recycle`).
    #[inline]
    fn reset(spare: &Spare<T>, accepts_handoff: bool) -> Arc<Entry<T>> {
        crate::queue::lock::waiting();
        let Some(mut entry) = spare.take() else {
            return Entry::empty(accepts_handoff);
        };
        if entry.accepts_handoff != accepts_handoff {
            // (`Arc::get_mut` is a read-modify-write: skipped when nothing
            // changes, as in every wait of a channel used one way.)
            let reset = Arc::get_mut(&mut entry).expect("a spare entry is nobody else's");
            reset.accepts_handoff = accepts_handoff;
        }
        // ORDERING: Relaxed: the entry is ours alone (the spare's Acquire
        // made the last owner's writes visible), until it is listed under
        // the lock.
        entry.state.store(WAITING, Relaxed);
        entry
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
        // (Only FILLED, CLOSED and PASSED entries may hold a message:
        // dropped with them.)
        if matches!(entry.state(), FILLED | CLOSED | PASSED) {
            return;
        }
        if Arc::get_mut(&mut entry).is_none() {
            settle();
            if Arc::get_mut(&mut entry).is_none() {
                return;
            }
        }
        // Ours alone now (nobody else can reach it to share it again).
        if entry.claim.is_some() {
            // A grouped entry lets go of its claim (not the last
            // reference: the owner's group holds one) and is kept as a
            // plain one. (`Arc::get_mut` is a read-modify-write: a plain
            // entry skips it.)
            if let Some(reset) = Arc::get_mut(&mut entry) {
                reset.claim = None;
            }
        }
        spare.put(entry);
    }

    /// A reference for the list.
    pub(crate) fn share(&self) -> Arc<Entry<T>> {
        self.0.clone()
    }
}

/// The owner's handle to one entry of a wait on several channels
/// ([`Waiting::grouped`]). As with every entry, its owner takes it off its
/// list (or finds it claimed or passed over) before letting go, so that no
/// list holds the last reference to an entry that may hold a message.
pub(crate) struct Grouped<T>(Waiting<T>);

impl<T> Grouped<T> {
    /// The owner is done with the entry, which is off every list: kept in
    /// `spare` for the next wait, its claim let go of
    /// ([`Waiting::recycle`]).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
    pub(crate) fn recycle(self, spare: &Spare<T>, settle: impl FnOnce()) {
        self.0.recycle(spare, settle);
    }
}

impl<T> core::ops::Deref for Grouped<T> {
    type Target = Waiting<T>;

    fn deref(&self) -> &Waiting<T> {
        &self.0
    }
}

impl<T> core::fmt::Debug for Grouped<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
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
        Entry::notify(self.pop_claimed()?, state)
    }

    /// Pops the first entry that may complete an operation, passing over
    /// those whose claim was decided elsewhere ([`Entry::claimed`]).
    #[inline]
    fn pop_claimed(&mut self) -> Option<Arc<Entry<T>>> {
        let entry = self.pop()?;
        if entry.claim.is_none() {
            return Some(entry);
        }
        self.pop_claimed_grouped(entry)
    }

    /// [`pop_claimed`](Self::pop_claimed) with an entry popped that has a
    /// claim: that one, if its claim is won, else the next that may.
    #[cold]
    #[inline(never)]
    fn pop_claimed_grouped(&mut self, mut entry: Arc<Entry<T>>) -> Option<Arc<Entry<T>>> {
        loop {
            if let Some(entry) = Entry::claimed(entry) {
                return Some(entry);
            }
            entry = self.pop()?;
        }
    }

    /// Whether a live entry is listed: one that a pop could complete an
    /// operation with. Entries of waits on several channels whose claim
    /// was decided elsewhere are passed over at the front of the list
    /// (moved to `PASSED` and let go of, as a pop would); an entry whose
    /// claim is still open counts as live (a pop may yet find it decided
    /// meanwhile, and go on to the next).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
    pub(crate) fn has_live(&mut self) -> bool {
        self.has_live_except(None)
    }

    /// [`has_live`](Self::has_live), not counting the entries of `group`:
    /// a wait on several channels is not live for itself (its own receive
    /// is no receiver its own send may go to).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
    pub(crate) fn has_live_except(&mut self, group: Option<&Group>) -> bool {
        while let Some(entry) = self.entries.front() {
            match &entry.claim {
                Some((claim, _)) if claim.is_decided() => {
                    let entry = self.pop().expect("the front entry");
                    entry.set(PASSED);
                }
                Some((claim, _)) if group.is_some_and(|group| group.owns(claim)) => {
                    // Its own: look past it (the entries behind stay as
                    // they are; a pop passes over decided ones anyway).
                    return self.entries.iter().skip(1).any(|entry| match &entry.claim {
                        None => true,
                        Some((claim, _)) => {
                            !claim.is_decided() && !group.is_some_and(|group| group.owns(claim))
                        }
                    });
                }
                _ => return true,
            }
        }
        false
    }

    /// [`notify_first`](Self::notify_first), passing over the entries of
    /// `group` (see [`has_live_except`](Self::has_live_except)): they
    /// stay listed, in their place.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
    pub(crate) fn notify_first_except(&mut self, state: u8, group: &Group) -> Option<Waker> {
        let mut at = 0;
        while at < self.entries.len() {
            let own = match &self.entries[at].claim {
                Some((claim, _)) => group.owns(claim),
                None => false,
            };
            if own {
                at += 1;
                continue;
            }
            let entry = self.entries.remove(at).expect("in range");
            self.accepting -= usize::from(entry.accepts_handoff);
            if let Some(entry) = Entry::claimed(entry) {
                return Entry::notify(entry, state);
            }
        }
        None
    }

    /// Takes every entry off the list, moving each to `state`, and puts
    /// their owners' wakers into `wakers`, to wake after unlocking. The
    /// list keeps its memory.
    pub(crate) fn notify_all(&mut self, state: u8, wakers: &mut impl Extend<Waker>) {
        self.accepting = 0;
        wakers.extend(
            self.entries
                .drain(..)
                .filter_map(Entry::claimed)
                .filter_map(|entry| Entry::notify(entry, state)),
        );
    }

    /// Pops the first entry that accepts a hand-off and may complete an
    /// operation (see [`pop_claimed`](Self::pop_claimed)).
    #[inline]
    fn pop_accepting(&mut self) -> Option<Arc<Entry<T>>> {
        while self.accepting > 0 {
            let at = self
                .entries
                .iter()
                .position(|entry| entry.accepts_handoff)?;
            self.accepting -= 1;
            let entry = self.entries.remove(at)?;
            if let Some(entry) = Entry::claimed(entry) {
                return Some(entry);
            }
        }
        None
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
        // SAFETY: nobody else holds the entry (checked above), so nobody else can reach its cells; `&mut self` stands for the lock under which the list keeps it from now on.
        unsafe {
            entry.fill_listed(msg);
            entry.set_slots(Slots::default());
        }
        self.push(entry.share());
    }

    /// Lists a waiting reserve: `entry`, new and the caller's alone, that
    /// waits for `wanted` slots and was `granted` (fewer) already.
    ///
    /// # Panics
    ///
    /// If someone else holds the entry too (it might be listed already).
    pub(crate) fn push_reserve(&mut self, entry: &Waiting<T>, wanted: usize, granted: usize) {
        assert_eq!(Arc::strong_count(entry), 1, "a new entry is listed");
        debug_assert!(granted < wanted);
        // SAFETY: as in `push_sender`.
        unsafe { entry.set_slots(Slots { wanted, granted }) };
        self.push(entry.share());
    }

    /// Gives a slot that was made free to the first waiting sender: a
    /// send's message moves into it, or a reserve is granted it (see the
    /// module docs). `None` if no sender waits (or every listed one was
    /// passed over).
    pub(crate) fn serve_sender(&mut self) -> Option<Served<T>> {
        let sender = self.pop_claimed()?;
        // SAFETY: the entry was listed here until the line above, under the lock our `&mut self` stands for; it goes back to the list, or `notify` gives it to its owner.
        unsafe {
            if let Some(msg) = sender.msg.with_mut(|msg| (*msg).take()) {
                return Some(Served::Message(msg, Entry::notify(sender, SENT)));
            }
            let mut slots = sender.slots();
            slots.granted += 1;
            sender.set_slots(slots);
            if slots.granted < slots.wanted {
                // First in line still (a reserve is never grouped, and
                // accepts no hand-off).
                self.entries.push_front(sender);
                return Some(Served::Slot(None));
            }
        }
        Some(Served::Slot(Entry::notify(sender, SENT)))
    }

    /// Withdraws a waiting reserve's `entry` if it is listed here: takes
    /// it off the list and returns the slots granted to it so far.
    pub(crate) fn withdraw_reserve(&mut self, entry: &Arc<Entry<T>>) -> Option<usize> {
        if !self.remove(entry) {
            return None;
        }
        // SAFETY: as in `withdraw`.
        Some(unsafe { entry.slots() }.granted)
    }

    /// The slots granted so far to the reserves listed here (which a close
    /// takes back as it moves them to `CLOSED`).
    pub(crate) fn granted_to_waiting(&mut self) -> usize {
        self.entries
            .iter()
            // SAFETY: every entry here is listed, under the lock our `&mut self` stands for; a send's slots are zero.
            .map(|entry| unsafe { entry.slots() }.granted)
            .sum()
    }

    /// Takes the first waiting sender off the list with its message, and
    /// moves it to `SENT`; returns the message and the sender's waker, to
    /// wake after unlocking.
    pub(crate) fn pop_sender(&mut self) -> Option<(T, Option<Waker>)> {
        let sender = self.pop_claimed()?;
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

    /// Whether there is nobody to wake.
    pub(crate) fn is_empty(&self) -> bool {
        self.inline[0].is_none()
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

/// Waits on several channels, without threads: every pop of a list
/// completes an operation only with an entry whose claim it won.
#[cfg(all(test, not(tidings_loom)))]
mod claim_tests {
    use super::counting_waker::{self, Count};
    use super::*;
    use crate::wait::claim::{Decided, Group};
    use std::sync::Arc as StdArc; // shim-exempt: the test waker's count

    /// A group and its waker's count.
    fn group() -> (Group, StdArc<Count>) {
        let (waker, wakes) = counting_waker::new();
        (Group::new(&waker), wakes)
    }

    /// Lists `entry` as a waiting receiver.
    fn listed(list: &mut WaitList<u32>, entry: &Grouped<u32>) {
        list.push(entry.share());
    }

    /// A wait through one channel: its group, its entry listed as a
    /// receiver (`accepts`: one that takes a hand-off), and the list.
    struct OneChannel {
        spare: Spare<u32>,
        group: Group,
        wakes: StdArc<Count>,
        a: Grouped<u32>,
        list: WaitList<u32>,
    }

    fn one_channel(accepts: bool) -> OneChannel {
        let spare = Spare::new();
        let (group, wakes) = group();
        let a = Waiting::grouped(&spare, accepts, &group, 0);
        let mut list = WaitList::new();
        listed(&mut list, &a);
        OneChannel {
            spare,
            group,
            wakes,
            a,
            list,
        }
    }

    /// A wait on two channels: its group, its two entries (not listed
    /// yet), and the two channels' lists.
    struct TwoChannels {
        spare: Spare<u32>,
        group: Group,
        wakes: StdArc<Count>,
        a: Grouped<u32>,
        b: Grouped<u32>,
        list_a: WaitList<u32>,
        list_b: WaitList<u32>,
    }

    fn two_channels() -> TwoChannels {
        let spare = Spare::new();
        let (group, wakes) = group();
        let a = Waiting::grouped(&spare, false, &group, 0);
        let b = Waiting::grouped(&spare, false, &group, 1);
        TwoChannels {
            spare,
            group,
            wakes,
            a,
            b,
            list_a: WaitList::new(),
            list_b: WaitList::new(),
        }
    }

    #[test]
    fn the_first_channel_wins_the_others_pass_over() {
        let TwoChannels {
            spare,
            group,
            wakes,
            a,
            b,
            mut list_a,
            mut list_b,
        } = two_channels();
        listed(&mut list_a, &a);
        listed(&mut list_b, &b);
        let (plain, plain_wakes) = counting_waker::new();
        let plain = Waiting::from_spare(&spare, false, &plain);
        list_b.push(plain.share());

        let waker = list_a.notify_first(NOTIFIED).expect("the group's waker");
        waker.wake();
        assert_eq!(wakes.get(), 1);
        assert_eq!(group.decided(), Decided::Won(0));
        assert_eq!(a.state(), NOTIFIED);

        // Channel b passes over the group's entry to the plain one.
        list_b
            .notify_first(NOTIFIED)
            .expect("the plain waker")
            .wake();
        assert_eq!(b.state(), PASSED);
        assert_eq!(plain.state(), NOTIFIED);
        assert_eq!(plain_wakes.get(), 1);
        assert_eq!(wakes.get(), 1, "the group is woken once");
        assert!(list_b.is_empty());
        assert_eq!(group.give_up(), Decided::Won(0), "too late to give up");
    }

    #[test]
    fn a_passed_sender_keeps_its_message() {
        let TwoChannels {
            group,
            wakes,
            a,
            b,
            mut list_a,
            mut list_b,
            ..
        } = two_channels();
        list_a.push_sender(&a, 1);
        list_b.push_sender(&b, 2);

        let (msg, waker) = list_b.pop_sender().expect("b's sender");
        assert_eq!(msg, 2);
        waker.expect("the group's waker").wake();
        assert_eq!(wakes.get(), 1);
        assert_eq!(group.decided(), Decided::Won(1));
        assert_eq!(b.send_outcome(), Ok(()));

        assert!(
            list_a.pop_sender().is_none(),
            "a passes over: nothing taken"
        );
        assert_eq!(a.state(), PASSED);
        assert_eq!(a.take_owned(), Some(1), "the message is the owner's");
        assert_eq!(a.take_owned(), None, "taken once");
    }

    #[test]
    fn a_hand_off_passes_over_a_claim_given_up() {
        let OneChannel {
            group,
            wakes,
            a,
            mut list,
            ..
        } = one_channel(true);
        assert!(list.has_accepting());
        assert_eq!(group.give_up(), Decided::GaveUp);
        assert_eq!(group.give_up(), Decided::GaveUp, "once given up, always");

        assert_eq!(list.hand_off(7).err(), Some(7), "the message comes back");
        assert_eq!(a.state(), PASSED);
        assert_eq!(a.take_owned(), None, "nothing was put in");
        assert!(!list.has_accepting());
        assert_eq!(wakes.get(), 0);
    }

    #[test]
    fn a_hand_off_goes_to_the_next_receiver_that_may_take_it() {
        let OneChannel {
            spare,
            group,
            a,
            mut list,
            ..
        } = one_channel(true);
        let (waker, plain_wakes) = counting_waker::new();
        let plain = Waiting::from_spare(&spare, true, &waker);
        list.push(plain.share());
        assert_eq!(group.give_up(), Decided::GaveUp);

        list.hand_off(7)
            .expect("the plain receiver")
            .expect("its waker")
            .wake();
        assert_eq!(plain_wakes.get(), 1);
        assert_eq!(plain.take_owned(), Some(7));
        assert_eq!(a.state(), PASSED);
    }

    #[test]
    fn a_close_claims_an_open_group_and_passes_a_decided_one() {
        let spare = Spare::new();
        let (open, open_wakes) = group();
        let (decided, decided_wakes) = group();
        let a = Waiting::grouped(&spare, false, &open, 3);
        let b = Waiting::grouped(&spare, false, &decided, 0);
        assert_eq!(decided.give_up(), Decided::GaveUp);
        let mut list = WaitList::new();
        list.push_sender(&a, 1);
        list.push_sender(&b, 2);

        let mut wakers = Wakers::new();
        list.notify_all(CLOSED, &mut wakers);
        wakers.wake();
        assert_eq!(open.decided(), Decided::Won(3));
        assert_eq!(open_wakes.get(), 1);
        assert_eq!(decided_wakes.get(), 0);
        assert_eq!(a.send_outcome(), Err(1), "closed: back to its owner");
        assert_eq!(b.send_outcome(), Err(2), "passed: back to its owner");
        assert!(list.is_empty());
    }

    #[test]
    fn the_winner_wakes_the_waker_registered_last() {
        let OneChannel {
            group,
            wakes: first,
            a,
            mut list,
            ..
        } = one_channel(false);
        let (waker, second) = counting_waker::new();
        assert_eq!(group.reregister(&waker), Decided::Open);
        list.notify_first(NOTIFIED).expect("a waker").wake();
        assert_eq!((first.get(), second.get()), (0, 1));
        assert_eq!(
            StdArc::strong_count(&first),
            1,
            "the replaced waker was dropped"
        );
        drop(waker);
        drop(a);
        drop(group);
        assert_eq!(StdArc::strong_count(&second), 1, "nothing keeps a waker");
    }

    #[test]
    fn grouped_entries_are_kept_without_their_claim() {
        let spare: Spare<u32> = Spare::new();
        let (group, _wakes) = group();
        let a = Waiting::grouped(&spare, false, &group, 0);
        drop(a);
        assert!(
            spare.take().is_none(),
            "a grouped entry dropped is not kept"
        );
        let a = Waiting::grouped(&spare, false, &group, 0);
        a.recycle(&spare, || ());
        let kept = spare.take().expect("a grouped entry recycled is kept");
        assert!(kept.claim.is_none(), "without its claim");
        let (waker, _) = counting_waker::new();
        let plain = Waiting::from_spare(&spare, false, &waker);
        plain.recycle(&spare, || ());
        let kept = spare.take().expect("kept");
        assert!(kept.claim.is_none());
        spare.put(kept);
        let b = Waiting::grouped(&spare, false, &group, 1);
        assert!(spare.take().is_none(), "a grouped wait takes the spare");
        assert_eq!(b.state(), WAITING);
    }
}

/// Loom models of a wait on two channels: each channel is a wait list
/// and a buffer behind the queues' lock, and the owner, a task under
/// loom's `block_on`, waits for its claim to be decided. Every model
/// checks that exactly one channel completes the operation, and that
/// every message ends up in exactly one place.
#[cfg(all(test, tidings_loom))]
mod claim_models {
    use super::*;
    use crate::loom::sync::Arc;
    use crate::queue::lock::Lock;
    use crate::wait::block::{run, Op};
    use crate::wait::claim::{Decided, Group};
    use core::task::Context;
    use std::vec::Vec;

    /// One channel: its waiting list and what found nobody to take it.
    struct Chan {
        side: Lock<(WaitList<u32>, Vec<u32>)>,
        spare: Spare<u32>,
    }

    fn chan() -> Arc<Chan> {
        Arc::new(Chan {
            side: Lock::new((WaitList::new(), Vec::new())),
            spare: Spare::new(),
        })
    }

    /// The owner's two entries, one per channel, listed as receivers
    /// (`accepts`: that take a hand-off) or as senders of `msgs`.
    fn list(
        group: &Group,
        chans: [&Arc<Chan>; 2],
        accepts: bool,
        msgs: Option<[u32; 2]>,
    ) -> [Grouped<u32>; 2] {
        let entries = [0, 1].map(|i| Waiting::grouped(&chans[i].spare, accepts, group, i));
        for i in 0..2 {
            chans[i].side.with(|(list, _)| match msgs {
                Some(msgs) => list.push_sender(&entries[i], msgs[i]),
                None => list.push(entries[i].share()),
            });
        }
        entries
    }

    fn open_group() -> Group {
        Group::new(futures::task::noop_waker_ref())
    }

    /// A sender: hands `msg` to a waiting receiver, or buffers it.
    fn send(chan: &Chan, msg: u32) {
        let waker = chan.side.with(|(list, buffer)| match list.hand_off(msg) {
            Ok(waker) => waker,
            Err(msg) => {
                buffer.push(msg);
                None
            }
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A receiver: takes a waiting sender's message, if one may be taken.
    fn receive(chan: &Chan) -> Option<u32> {
        let (msg, waker) = chan.side.with(|(list, _)| list.pop_sender())?;
        if let Some(waker) = waker {
            waker.wake();
        }
        Some(msg)
    }

    /// The owner, a blocked thread (the crate's blocking driver, with the
    /// thread's waker, parking between polls), waits until a channel
    /// claimed one of its entries and recorded the outcome there.
    struct WaitWon<'a> {
        group: &'a Group,
        entries: &'a [Grouped<u32>; 2],
    }

    impl WaitWon<'_> {
        fn won(&self, decided: Decided) -> Poll<usize> {
            match decided {
                Decided::Won(i) if self.entries[i].state() != WAITING => Poll::Ready(i),
                Decided::Open | Decided::Won(_) => Poll::Pending,
                Decided::GaveUp => unreachable!("the owner did not give up"),
            }
        }
    }

    impl Op for WaitWon<'_> {
        type Output = usize;
        type TimedOut = ();

        fn try_now(&mut self) -> Poll<usize> {
            self.won(self.group.decided())
        }

        fn poll(&mut self, cx: &mut Context<'_>, _tried: bool) -> Poll<usize> {
            self.won(self.group.reregister(cx.waker()))
        }

        fn cancel(&mut self) -> Result<usize, ()> {
            unreachable!("no deadline")
        }

        fn abandon(&mut self) {}
    }

    /// Returns the index of the entry that won.
    fn wait_won(group: &Group, entries: &[Grouped<u32>; 2]) -> usize {
        run(&mut WaitWon { group, entries }, None).expect("no deadline")
    }

    /// The owner takes a losing entry off its channel's list, or finds it
    /// passed over; returns a waiting sender's message back.
    fn withdraw(chan: &Chan, entry: &Grouped<u32>, sender: bool) -> Option<u32> {
        let listed = chan.side.with(|(list, _)| {
            if sender {
                list.withdraw(entry).map(Some)
            } else {
                list.remove(entry).then_some(None)
            }
        });
        match listed {
            Some(msg) => msg,
            None => {
                assert_eq!(
                    entry.state(),
                    PASSED,
                    "a loser off its list was passed over"
                );
                entry.take_owned()
            }
        }
    }

    fn buffered(chan: &Chan) -> Vec<u32> {
        chan.side.with(|(_, buffer)| buffer.clone())
    }

    type Owner<R> = loom::thread::JoinHandle<R>;

    /// Two channels and the owner of a wait on both: its entries listed as
    /// receivers (`accepts`: that take a hand-off) or as senders of `msgs`,
    /// then `owner` run on a thread of its own with the group and the
    /// entries. (A thread blocked in loom's `join` must not be unparked: a
    /// late wake of the owner's thread waker would, if the owner were the
    /// thread that joins.)
    fn owner<R: 'static>(
        accepts: bool,
        msgs: Option<[u32; 2]>,
        owner: impl FnOnce([&Chan; 2], Group, [Grouped<u32>; 2]) -> R + 'static,
    ) -> ([Arc<Chan>; 2], Owner<R>) {
        let chans = [chan(), chan()];
        let group = open_group();
        let entries = list(&group, [&chans[0], &chans[1]], accepts, msgs);
        let mine = chans.clone();
        let handle = loom::thread::spawn(move || owner([&mine[0], &mine[1]], group, entries));
        (chans, handle)
    }

    /// Runs `f` on a thread of its own, with its own handle to `chan`.
    fn on_thread<R: 'static>(chan: &Arc<Chan>, f: fn(&Chan) -> R) -> Owner<R> {
        let chan = chan.clone();
        loom::thread::spawn(move || f(&chan))
    }

    /// Two senders, one on each channel, race to hand their message to
    /// one receiver waiting on both: it gets exactly one, and the other
    /// message is buffered on its own channel.
    #[test]
    fn two_channels_race_to_claim_one_waiter() {
        loom::model(|| {
            let (chans, owner) = owner(true, None, |chans, group, entries| {
                let won = wait_won(&group, &entries);
                let got = entries[won].take_owned().expect("handed over");
                let lost = 1 - won;
                assert_eq!(withdraw(chans[lost], &entries[lost], false), None);
                (won, got)
            });
            let sender = on_thread(&chans[1], |b| send(b, 2));
            send(&chans[0], 1);
            sender.join().unwrap();
            let (won, got) = owner.join().unwrap();
            let lost = 1 - won;
            assert_eq!(got, [1, 2][won]);
            assert!(buffered(&chans[won]).is_empty());
            assert_eq!(buffered(&chans[lost]), [[1, 2][lost]]);
        });
    }

    /// Two receivers, one on each channel, race to take from one sender
    /// waiting on both with a message on each: exactly one message is
    /// taken, and the owner gets the other back.
    #[test]
    fn two_channels_race_to_claim_one_waiting_sender() {
        loom::model(|| {
            let (chans, owner) = owner(false, Some([1, 2]), |chans, group, entries| {
                let won = wait_won(&group, &entries);
                assert_eq!(entries[won].send_outcome(), Ok(()));
                let lost = 1 - won;
                let back = withdraw(chans[lost], &entries[lost], true);
                assert_eq!(back, Some([1, 2][lost]), "the loser's message is back");
                won
            });
            let receiver = on_thread(&chans[1], receive);
            let taken = [receive(&chans[0]), receiver.join().unwrap()];
            let won = owner.join().unwrap();
            assert_eq!(taken[won], Some([1, 2][won]));
            assert_eq!(taken[1 - won], None, "nothing taken through the loser");
        });
    }

    /// A sender races the owner giving up: the message is either the
    /// owner's (the channel claimed first) or buffered, never both.
    #[test]
    fn a_claim_races_the_owner_giving_up() {
        loom::model(|| {
            let (chans, owner) = owner(true, None, |[a, b], group, entries| {
                let got = match group.give_up() {
                    Decided::GaveUp => withdraw(a, &entries[0], false),
                    Decided::Won(won) => {
                        assert_eq!(won, 0, "only a sends");
                        // The winner records the outcome under a's lock.
                        a.side.with(|_| ());
                        entries[0].take_owned()
                    }
                    Decided::Open => unreachable!("give_up decides"),
                };
                assert_eq!(withdraw(b, &entries[1], false), None);
                assert_ne!(group.decided(), Decided::Open);
                got
            });
            send(&chans[0], 1);
            let got = owner.join().unwrap();
            let buffered = buffered(&chans[0]);
            match got {
                Some(msg) => assert!(msg == 1 && buffered.is_empty()),
                None => assert_eq!(buffered, [1]),
            }
        });
    }

    /// A close of one channel races a send on the other: whichever
    /// claims first completes the wait (the close as a notification to
    /// look again), and the send's message is the owner's or buffered.
    #[test]
    fn a_claim_races_a_close() {
        loom::model(|| {
            let (chans, owner) = owner(true, None, |[a, b], group, entries| {
                let won = wait_won(&group, &entries);
                let got = match won {
                    0 => {
                        assert_eq!(entries[0].state(), NOTIFIED);
                        withdraw(b, &entries[1], false)
                    }
                    _ => {
                        let got = entries[1].take_owned();
                        assert_eq!(withdraw(a, &entries[0], false), None);
                        got
                    }
                };
                (won, got)
            });
            let sender = on_thread(&chans[1], |b| send(b, 2));
            let mut wakers = Wakers::new();
            chans[0]
                .side
                .with(|(list, _)| list.notify_all(NOTIFIED, &mut wakers));
            wakers.wake();
            sender.join().unwrap();
            let (won, got) = owner.join().unwrap();
            match got {
                Some(msg) => assert!(msg == 2 && won == 1 && buffered(&chans[1]).is_empty()),
                None => assert!(won == 0 && buffered(&chans[1]) == [2]),
            }
        });
    }
}

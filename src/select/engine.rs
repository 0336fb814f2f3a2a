#![allow(unsafe_code)]
//! The selection engine: one wait on several operations, written once for
//! the blocking forms, the futures and the macros.
//!
//! Each operation of a select (a receive from one channel, a send on
//! another) is an [`Operation`]: it can try to finish now, list itself in
//! its channel's wait list as one entry of a [`Group`], and be taken off
//! again. A select first tries every operation in its order (shuffled for
//! a fair select, as added for a biased one; a fair select tries those
//! whose channel another thread holds locked last, see
//! [`Selection::try_once`]); if none finishes, it lists
//! one entry per operation, all sharing one claim, and sleeps. The first
//! channel that can finish an operation wins the claim through that
//! operation's entry (`wait/claim.rs`) and wakes the select; every other
//! channel finds the claim decided and passes the select over.
//!
//! # Protocol
//!
//! A [`Waiter`] is `Idle` (nothing listed) or `Listed` (a `Group`, and how
//! many operations, in order, have an entry listed). Only its owner (the
//! blocking call, the future) moves it:
//!
//! - `Idle` → `Listed`: every operation lists its entry, in order. An
//!   operation that would finish now lists nothing and stops the listing:
//!   the owner gives the claim up at once and takes back what it listed.
//! - `Listed` → `Idle`: the claim was decided (a channel won it, woke the
//!   owner; or the owner gave up at a deadline, or is dropped). The owner
//!   takes every entry off its list ([`Operation::unregister`]) *before*
//!   anything else, then, if a channel won through operation `i`:
//!   - a select tries `i` first (the channel may have completed it
//!     already: a slot granted to a send); if it was taken from under it
//!     (another receiver took the message), it tries them all again and
//!     lists again;
//!   - a `ready` returns `i` (a slot granted to it goes back);
//!   - an owner that gives up passes what it was told on (a receive's
//!     notification to the next receiver, a slot to the next sender), so
//!     that no waiter sleeps beside something ready.
//!
//! The group's waker is dropped (user code) only after every entry is off
//! its list. A panic there, or in a waker that an operation wakes, leaves
//! nothing listed: what an operation holds (a message taken, a slot) is
//! undone by its own `Drop`.

use core::task::{Context, Poll};
use std::time::Instant;

use crate::wait::claim::{Decided, Group};

/// How a select's operation stood when its entry was taken off its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unlisted {
    /// Nobody touched it (not listed, taken off untouched, or passed over).
    Untouched,
    /// A channel won the claim through it: try it.
    Won,
    /// A channel won the claim through it and completed it: its outcome
    /// is kept (a slot granted to a send).
    Done,
}

/// The kinds of operation, told apart when a selected one is completed
/// with a handle ([`Operation::handle`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    MpmcRecv,
    MpmcSend,
    OneshotRecv,
    MultishotRecv,
    BroadcastRecv,
    /// A future in an async macro's arm.
    Future,
}

/// Where an operation lists its entry: the select's group, and its index
/// there.
#[derive(Debug)]
pub struct Listing<'g> {
    pub(crate) group: &'g Group,
    pub(crate) index: usize,
    /// The select's waker, for a channel that wakes without winning the
    /// claim (a oneshot's: [`Operation::ready_unclaimed`]).
    pub(crate) waker: &'g core::task::Waker,
    /// Whether a blocked thread waits (it takes a hand-off: it always
    /// comes back for what it was handed), or a future.
    pub(crate) blocking: bool,
}

/// One operation of a select. See the module docs. (Public only for the
/// macros' expansion: the crate's handles implement it, nothing else.)
pub trait Operation {
    /// Tries to finish now, keeping the outcome (a message or the end; a
    /// slot or the end). `true`: finished.
    fn try_select(&mut self) -> bool;

    /// [`try_select`](Self::try_select), unless its channel is busy now
    /// (another thread holds its lock): `None`, nothing tried, and the
    /// select tries its other operations first.
    fn try_select_unless_busy(&mut self) -> Option<bool> {
        Some(self.try_select())
    }

    /// Whether it would finish now (for `ready`; nothing taken).
    fn is_ready(&mut self) -> bool;

    /// Lists it in its channel as one entry of the select's group.
    /// `false`: it would finish now, and nothing was listed.
    fn register(&mut self, at: Listing<'_>) -> bool;

    /// Takes its entry off its list, if it has one listed.
    fn unregister(&mut self) -> Unlisted;

    /// Undoes an outcome kept and not taken: a message goes back to the
    /// front of its channel, a slot to the next waiting sender (a
    /// oneshot's message, which has nowhere to go, stays kept for the
    /// operation's next try).
    fn clear(&mut self);

    /// A channel won the claim through it, and the select does not use
    /// it: passes the wake on to the next waiter of that channel.
    fn pass_on(&mut self);

    /// The handle it works on, and its kind.
    fn handle(&self) -> (*const (), Kind);

    /// Where its outcome is kept: an `Option` of the output of its kind
    /// (see `select/mod.rs`), read once a handle of that kind at that
    /// address has been checked.
    fn outcome(&mut self) -> *mut ();

    /// When it may finish without anyone waking the select: a timer's
    /// message falls due then.
    fn due(&mut self) -> Option<Instant> {
        None
    }

    /// Whether it may finish now though no channel won the claim through
    /// it: a timer due, or a oneshot whose sender sent or left (a oneshot
    /// wakes the select's waker without a claim). A select woken with its
    /// claim still open asks its listed operations this.
    fn ready_unclaimed(&mut self) -> bool {
        self.due().is_some_and(|due| Instant::now() >= due)
    }

    /// Whether it finished while it listed (`register` gave `false` and
    /// kept an outcome): a future polled in a select's listing has taken
    /// what it gives, so the select must finish with it, whatever channel
    /// won its claim meanwhile. An operation on a channel only looks while
    /// it lists, and takes when it is tried.
    fn took(&mut self) -> bool {
        false
    }

    /// Whether [`try_select`](Self::try_select) can finish it: not a
    /// future arm, which only a poll (its listing) can finish.
    fn can_try(&self) -> bool {
        true
    }
}

/// An operation a [`Select`](crate::Select) can copy for its clone.
pub trait Fresh {
    /// The same operation, on the same handle, with nothing kept.
    fn fresh(&self) -> Self;
}

/// The operations of one select: indexed, some perhaps removed.
pub(crate) trait Ops {
    /// An operation as these hold it: a `dyn Operation` (the macros), or
    /// a select's own trait object, called through its vtable without a
    /// conversion (measured: one virtual call less per operation tried).
    type Op: Operation + ?Sized;

    /// The operation at `index` (`None`: removed).
    fn op(&mut self, index: usize) -> Option<&mut Self::Op>;
}

impl<'a> Ops for [&'a mut (dyn Operation + 'a)] {
    type Op = dyn Operation + 'a;

    #[inline]
    fn op(&mut self, index: usize) -> Option<&mut Self::Op> {
        Some(&mut *self[index])
    }
}

/// What a select waits for: an operation to finish, or to be ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Select,
    Ready,
}

impl Mode {
    /// Tries `op` as this mode asks: to finish it, or whether it would.
    #[inline]
    fn attempt<P: Operation + ?Sized>(self, op: &mut P) -> bool {
        match self {
            Mode::Select => op.try_select(),
            Mode::Ready => op.is_ready(),
        }
    }
}

/// One select's wait (see the module docs): `Idle` while `group` is
/// `None`.
#[derive(Debug, Default)]
pub(crate) struct Waiter {
    group: Option<Group>,
    /// How many operations of the order have an entry listed.
    listed: usize,
}

/// One select: its operations, the order it tries them in, and what it
/// waits for.
pub(crate) struct Selection<'s, O: ?Sized> {
    pub(crate) ops: &'s mut O,
    pub(crate) order: &'s mut [usize],
    /// A fair select's generator (`None`: biased, the order as added).
    pub(crate) rng: Option<&'s mut Rng>,
    pub(crate) mode: Mode,
    /// Whether a blocked thread waits (it parks until a timer falls due
    /// itself), or a future (the timer thread wakes it then).
    pub(crate) blocking: bool,
    /// Whether it lists before it tries what comes after a future arm: an
    /// async macro's select, whose future arms finish only when polled,
    /// which is in the listing. It tries the operations of its order only
    /// up to the first future arm ([`try_prefix`](Self::try_prefix)), then
    /// lists them all in that order, and the first operation (in that
    /// order) that finished or would finish is the one selected: so a
    /// future arm is as likely as a channel's operation, and a biased
    /// select picks the first written of either. (Listing first always,
    /// the first design, cost an allocation and a lock round trip more
    /// per select that finds a channel ready: 3.3x the time of a `Select`
    /// in the select bench on current-thread tokio.)
    pub(crate) list_first: bool,
}

impl<O: Ops + ?Sized> Selection<'_, O> {
    /// Tries every operation once, in order: the first that finishes (or,
    /// for `ready`, would).
    ///
    /// A fair select tries an operation whose channel is busy (another
    /// thread in its locked section) after the others, rather than wait
    /// there for the lock: so one selecting thread over channels that
    /// producers stream into waits on none of their locks while another
    /// channel has a message. (Measured in the select bench, one consumer
    /// thread over 4 `bounded(64)` channels fed by 4 producer threads on
    /// 2 cores: a median 214 ns a message became 127 ns, over 8 runs of
    /// each; the consumer had spent two fifths of its time waiting for
    /// locks.) A busy channel may well be ready, so this bends the
    /// select's uniform choice a little, under contention only; a biased
    /// select, whose first ready operation in order must win, and a
    /// `ready`, wait for every lock in turn.
    #[inline(always)]
    pub(crate) fn try_once(&mut self) -> Option<usize> {
        if self.mode == Mode::Ready || self.rng.is_none() {
            return self.try_all();
        }
        // Positions in the order of operations whose channel was busy:
        // tried after the others, waiting for their locks. (A position
        // past 63 counts as 63.)
        let mut busy = 0u64;
        for at in 0..self.order.len() {
            self.draw(at);
            let index = self.order[at];
            let Some(op) = self.ops.op(index) else {
                continue;
            };
            match op.try_select_unless_busy() {
                Some(true) => return Some(index),
                Some(false) => {}
                None => busy |= 1 << at.min(63),
            }
        }
        if busy != 0 {
            return self.try_busy(busy);
        }
        None
    }

    /// Tries every operation once, in order, waiting for busy channels.
    #[inline(never)]
    fn try_all(&mut self) -> Option<usize> {
        for at in 0..self.order.len() {
            self.draw(at);
            let index = self.order[at];
            if self.try_one(index) {
                return Some(index);
            }
        }
        None
    }

    /// The rest of [`try_once`](Self::try_once): the operations at the
    /// positions `busy` of the order, waiting for their channels' locks
    /// (position 63 stands for every one from 63 on).
    #[cold]
    #[inline(never)]
    fn try_busy(&mut self, mut busy: u64) -> Option<usize> {
        while busy != 0 {
            let at = busy.trailing_zeros() as usize;
            busy &= busy - 1;
            let end = if at == 63 { self.order.len() } else { at + 1 };
            for at in at..end {
                let index = self.order[at];
                if self.try_one(index) {
                    return Some(index);
                }
            }
        }
        None
    }

    /// [`try_once`](Self::try_once) up to the first operation that cannot
    /// be tried (a future arm), the order then drawn to its end for the
    /// listing: see [`list_first`](Self::list_first).
    fn try_prefix(&mut self) -> Option<usize> {
        let len = self.order.len();
        let mut at = 0;
        while at < len {
            self.draw(at);
            let index = self.order[at];
            at += 1;
            let Some(op) = self.ops.op(index) else {
                continue;
            };
            if !op.can_try() {
                break;
            }
            if self.mode.attempt(op) {
                return Some(index);
            }
        }
        for rest in at..len {
            self.draw(rest);
        }
        None
    }

    /// One step of a fair select's shuffle: the operation at `at` of the
    /// order is drawn from those from `at` on.
    #[inline]
    fn draw(&mut self, at: usize) {
        if let Some(rng) = self.rng.as_mut() {
            let pick = at + rng.below(self.order.len() - at);
            self.order.swap(at, pick);
        }
    }

    /// Tries operation `index` (a removed one: `false`).
    #[inline]
    fn try_one(&mut self, index: usize) -> bool {
        let Some(op) = self.ops.op(index) else {
            return false;
        };
        self.mode.attempt(op)
    }

    /// One poll of the wait: `Ready(i)` once operation `i` finished (or is
    /// ready); else its entries are listed and `cx` is woken when a
    /// channel wins the claim. `tried`: [`try_once`](Self::try_once) has
    /// just found nothing, so the poll may go straight to listing.
    pub(crate) fn poll(
        &mut self,
        waiter: &mut Waiter,
        cx: &mut Context<'_>,
        mut tried: bool,
    ) -> Poll<usize> {
        if let Some(group) = &waiter.group {
            let mut decided = group.reregister(cx.waker());
            if decided == Decided::Open {
                if self.ready_unclaimed(waiter) {
                    // A timer is due, or a oneshot sent (nobody wins the
                    // claim for them): give it up and try them all.
                    decided = group.give_up();
                } else {
                    let due = self.due(waiter);
                    self.wake_when_due(due, cx);
                    return Poll::Pending;
                }
            }
            if let Some(index) = self.unlist(waiter, decided, true) {
                return Poll::Ready(index);
            }
            // Taken from under it: try them all again.
            tried = false;
        }
        loop {
            if !tried {
                let found = if self.list_first {
                    self.try_prefix()
                } else {
                    self.try_once()
                };
                if let Some(index) = found {
                    return Poll::Ready(index);
                }
            }
            tried = false;
            // The waker is cloned (user code) before anything is listed.
            // The group is the waiter's, and each operation counted as
            // listed, before it lists (which may wake a waker: user
            // code): an unwinding listing leaves the waiter able to take
            // back all it listed.
            let Waiter { group, listed } = waiter;
            let group = &*group.insert(Group::new(cx.waker()));
            let mut stopped = None;
            for (at, &index) in self.order.iter().enumerate() {
                let Some(op) = self.ops.op(index) else {
                    continue;
                };
                *listed = at + 1;
                if !op.register(Listing {
                    group,
                    index,
                    waker: cx.waker(),
                    blocking: self.blocking,
                }) {
                    stopped = Some(index);
                    break;
                }
            }
            let Some(stopped) = stopped else {
                let due = self.due(waiter);
                self.wake_when_due(due, cx);
                return Poll::Pending;
            };
            // One would finish now: give the claim up (a channel may have
            // won it meanwhile), take back what was listed, and try again;
            // or, if it finished already (`Operation::took`), finish with
            // it, passing on what a channel that won the claim told.
            let decided = group.give_up();
            if self.ops.op(stopped).is_some_and(|op| op.took()) {
                let _ = self.unlist(waiter, decided, false);
                return Poll::Ready(stopped);
            }
            if let Some(index) = self.unlist(waiter, decided, true) {
                return Poll::Ready(index);
            }
            if self.list_first && self.try_one(stopped) {
                return Poll::Ready(stopped);
            }
        }
    }

    /// The earliest instant at which a listed operation falls due (a
    /// timer's), if any.
    pub(crate) fn due(&mut self, waiter: &Waiter) -> Option<Instant> {
        let mut earliest: Option<Instant> = None;
        for &index in &self.order[..waiter.listed] {
            if let Some(due) = self.ops.op(index).and_then(|op| op.due()) {
                earliest = Some(earliest.map_or(due, |earliest| earliest.min(due)));
            }
        }
        earliest
    }

    /// Whether a listed operation may finish though no channel won the
    /// claim ([`Operation::ready_unclaimed`]).
    fn ready_unclaimed(&mut self, waiter: &Waiter) -> bool {
        self.order[..waiter.listed]
            .iter()
            .any(|&index| self.ops.op(index).is_some_and(|op| op.ready_unclaimed()))
    }

    /// A future waiting on a timer is woken when it falls due, by the
    /// timer thread (a blocked thread parks until then itself).
    fn wake_when_due(&self, due: Option<Instant>, cx: &Context<'_>) {
        if let (Some(due), false) = (due, self.blocking) {
            crate::wait::timer::wake_at(due, cx.waker());
        }
    }

    /// The deadline passed: gives the claim up. `Some(i)` if a channel won
    /// it first and operation `i` finished (or is ready) after all.
    pub(crate) fn cancel(&mut self, waiter: &mut Waiter) -> Option<usize> {
        let decided = waiter.group.as_ref()?.give_up();
        self.unlist(waiter, decided, true)
    }

    /// The wait is dropped (a future) or unwinding (a blocking call):
    /// gives the claim up and leaves nothing behind.
    pub(crate) fn abandon(&mut self, waiter: &mut Waiter) {
        if let Some(group) = &waiter.group {
            let decided = group.give_up();
            let _ = self.unlist(waiter, decided, false);
        }
    }

    /// `Listed` → `Idle` once the claim is `decided` (see the module
    /// docs): every entry off its list, the group dropped, then the
    /// operation a channel won through, tried if `take` (else what it was
    /// told is passed on). `Some(i)`: operation `i` finished (or is ready).
    fn unlist(&mut self, waiter: &mut Waiter, decided: Decided, take: bool) -> Option<usize> {
        let group = waiter.group.take()?;
        let listed = core::mem::take(&mut waiter.listed);
        let won = match decided {
            Decided::Won(index) => Some(index),
            Decided::Open | Decided::GaveUp => None,
        };
        let mut done = false;
        for &index in &self.order[..listed] {
            let Some(op) = self.ops.op(index) else {
                continue;
            };
            match op.unregister() {
                Unlisted::Untouched => {}
                Unlisted::Won => debug_assert_eq!(won, Some(index), "only the winner"),
                Unlisted::Done => {
                    debug_assert_eq!(won, Some(index), "only the winner");
                    done = true;
                }
            }
        }
        // The select's waker (user code), now that nothing is listed. If
        // its drop panics, the winner's wake is passed on while the panic
        // unwinds (what an operation holds, its own drop gives back).
        let unwinding = PassOnUnwinding(won.filter(|_| !done), &mut *self.ops);
        drop(group);
        core::mem::forget(unwinding);
        let index = won?;
        let op = self
            .ops
            .op(index)
            .expect("an operation is not removed while it waits");
        if !take {
            if done {
                op.clear();
            } else {
                op.pass_on();
            }
            return None;
        }
        match self.mode {
            Mode::Ready => {
                // A `ready` takes nothing, not even the wake: what it was
                // told goes on to the next waiter too (it may not act on
                // it), as when it gives up.
                if done {
                    op.clear();
                } else {
                    op.pass_on();
                }
                Some(index)
            }
            Mode::Select => (done || op.try_select()).then_some(index),
        }
    }
}

/// Passes operation `.0`'s wake on when dropped (while a panic unwinds).
struct PassOnUnwinding<'o, O: Ops + ?Sized>(Option<usize>, &'o mut O);

impl<O: Ops + ?Sized> Drop for PassOnUnwinding<'_, O> {
    fn drop(&mut self) {
        if let Some(op) = self.0.and_then(|index| self.1.op(index)) {
            op.pass_on();
        }
    }
}

/// Fills `order` with `0..order.len()`: the order in which operations
/// were added. A fair select shuffles it as it tries them
/// ([`Selection::try_once`]).
#[inline]
pub(crate) fn arrange(order: &mut [usize]) {
    for (at, index) in order.iter_mut().enumerate() {
        *index = at;
    }
}

/// A select's random choices: a xorshift generator, seeded per thread
/// from std's random hasher keys. (Under loom: a fixed seed, so that a
/// model explores the same choices in every run.)
///
/// A fair select tries its operations in a uniformly random order, drawn
/// lazily (a Fisher-Yates shuffle, one step before each try): the usual
/// select, whose first try finishes, draws one number. Measured with
/// callgrind on one thread selecting over 4 ready channels, a full
/// shuffle with `%` and a thread-local access per select cost 121 of its
/// 407 instructions.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for one select, drawn from the thread's.
    #[inline]
    pub(crate) fn from_thread() -> Self {
        use core::cell::Cell;
        crate::loom::thread_local! {
            static STATE: Cell<u64> = Cell::new(seed());
        }
        let mut rng = Self(STATE.with(Cell::get));
        let next = rng.next();
        // (During thread-local teardown, a fixed seed.)
        let _ = STATE.try_with(|state| state.set(next));
        rng
    }

    #[inline]
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (`n <= u32::MAX`), by multiply-shift.
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

/// A nonzero seed for a thread's generator.
fn seed() -> u64 {
    #[cfg(not(tidings_loom))]
    {
        use core::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(0x5e1ec7);
        hasher.finish() | 1
    }
    #[cfg(tidings_loom)]
    {
        0x9e37_79b9_7f4a_7c15
    }
}

/// A value reached only through `&mut` or by value, never through `&`:
/// so it may be `Sync` whatever `T` is (as std's unstable `Exclusive`).
/// A select's operations keep their outcome (a message) in one, so that a
/// [`Select`](crate::Select) holding them is `Sync` for every `T: Send`.
#[derive(Debug, Default)]
pub struct Exclusive<T>(T);

// SAFETY: a `&Exclusive<T>` gives no access to the `T` (every accessor takes `&mut self` or `self`), so sharing one between threads shares nothing; moving it (`Send`) is left to `T`'s own `Send`.
unsafe impl<T: Send> Sync for Exclusive<T> {}

impl<T> Exclusive<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(value)
    }

    pub(crate) fn get_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// What an operation keeps once it finished (a message taken, a slot
/// granted), until the select hands it over: the one place its outcome
/// lives, that [`Operation::outcome`] points to.
#[derive(Debug)]
pub struct Kept<O>(Exclusive<Option<O>>);

impl<O> Kept<O> {
    pub(crate) const fn new() -> Self {
        Self(Exclusive::new(None))
    }

    pub(crate) fn put(&mut self, outcome: O) {
        *self.0.get_mut() = Some(outcome);
    }

    pub(crate) fn is_some(&mut self) -> bool {
        self.0.get_mut().is_some()
    }

    pub(crate) fn take(&mut self) -> Option<O> {
        self.0.get_mut().take()
    }

    /// Hands over the outcome of a selected operation.
    ///
    /// # Panics
    ///
    /// If it kept none (not selected, or handed over already).
    pub(crate) fn finish(&mut self) -> O {
        self.take().expect("a selected operation kept its outcome")
    }

    /// Where it is: an `Option<O>` ([`Operation::outcome`]).
    pub(crate) fn ptr(&mut self) -> *mut () {
        core::ptr::from_mut(self.0.get_mut()).cast()
    }
}

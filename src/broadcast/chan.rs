//! The core of a broadcast channel: a ring of messages, each read by every
//! receiver that was there when it was sent.
//!
//! A [`Chan`] is a [`Lock`] over a plain [`State`]. Messages are numbered
//! in the order they were sent (`u64`, never wrapping in practice); the
//! ring holds the messages from `head` to `tail = head + ring.len()` that
//! some receiver has yet to finish with. A receiver is only a position
//! (`next`, the number of the next message it reads), kept in its handle
//! and passed in by `&mut`: the channel never lists its receivers, it
//! counts them. Each message carries:
//!
//! - `unread` (under the lock): how many receivers have yet to read it: the
//!   receivers alive when it was sent, plus clones of a receiver that had
//!   not read it yet, minus receivers dropped before reading it;
//! - `mark` (an atomic in its slot): `IDLE`, or `BUSY` (a receiver is
//!   cloning it, outside the lock) with three flags that may join it:
//!   `ORPHANED` (every other reader was dropped meanwhile), `WAITED`
//!   (another receiver waits for the clone to finish) and `DETACHED` (the
//!   message was overwritten meanwhile, see below). `IDLE → BUSY` and
//!   the flags are set under the lock; the cloner moves a plain `BUSY`
//!   back to `IDLE` without it, a flagged one under it.
//!
//! # Reading a message
//!
//! Under the lock, a receiver at `next` (with `next < head`: it lagged, see
//! below) finds message `next` in the ring, or nothing (`Empty`, or the end
//! once the channel is closed). If the message is not `IDLE`, another
//! receiver is cloning it: at most one receiver clones a message at a
//! time, because `T` is only `Send`, not `Sync` (cloning the same value on
//! two threads at once would need `T: Sync`). A receiver never waits for
//! another's clone (user code, which may take long or never end): a
//! `try_recv` finds nothing to read (`Empty`), and a waiting receive flags
//! the mark `WAITED`, lists itself among the waiting receivers and sleeps;
//! the cloner, finding the flag as it clears the mark, wakes them.
//! Otherwise it counts itself off (`unread -= 1`) and steps past it
//! (`next += 1`):
//!
//! - if it was the last reader (`unread == 0`), it moves the message out,
//!   inside the lock: no clone;
//! - else it marks the message `BUSY`, unlocks, clones it through a
//!   pointer to the slot (a marked slot is never freed, see `slot.rs`),
//!   and clears the mark (`BUSY → IDLE` by a
//!   compare-and-swap, Release: its read of the message happens before
//!   anyone's next use of it). If a flag is set instead, the mark stays (so
//!   an `ORPHANED` message is not done yet): the cloner locks again, drops
//!   an `ORPHANED` message, which nobody else will read, wakes the waiting
//!   receivers if it is `WAITED`, and only then clears the mark.
//!   If the clone panics, it locks, clears the mark (waking the waiting
//!   receivers), counts itself back on and steps back, so it reads that
//!   message again.
//!
//! A receiver that took a message and then meets a panic on its way out
//! (a waker it wakes, or a message it drops, is user code) keeps the
//! message in its [`Cursor`]: its next receive returns it first. So a
//! panicking waker never consumes a message.
//!
//! A receiver dropped while another clones the last message it had to read
//! flags that message `ORPHANED` instead of dropping it (the cloner still
//! reads it); if the mark is `IDLE` by then (a compare-and-swap decides), it
//! drops the message itself. So exactly one of them does.
//!
//! A message is cloned at most once per receiver, and moved out by the
//! last. It is *done* when `unread == 0` and it is `IDLE`; its message
//! is then gone (moved out, or taken to be dropped when the receivers that
//! would have read it went away). Messages are done in the order they were
//! sent (every receiver reads in order, so a receiver that still has to
//! read message `n` still has to read `n + 1`), and done messages are
//! popped from the head at once, their slots kept for reuse.
//!
//! # Full ring
//!
//! The ring holds at most `cap` messages: a send finds it full while the
//! slowest receiver is `cap` messages behind. Then:
//!
//! - backpressure: the send waits in the senders' [`WaitList`] with its
//!   message. Whoever pops a done message (a receive, a receiver dropped)
//!   moves waiting senders' messages into the ring in their order, marks
//!   them `SENT` and wakes them: a woken sender has nothing left to do;
//! - lagging: the send pops the oldest message (`head += 1`) and drops it
//!   (after unlocking); a receiver whose `next` is now below `head` is told
//!   `Lagged(head - next)` by its next receive and goes on from `head`. If
//!   a receiver is cloning that oldest message (not `IDLE`), the slot
//!   leaves the ring with the message still in it, flagged `DETACHED`:
//!   the cloner, finding the flag as it clears the mark, locks, takes the
//!   message out to drop it after unlocking, and keeps the slot as a
//!   spare.
//!
//! Every message entering the ring wakes every waiting receiver (they all
//! read it). Closing finishes every waiting sender (`CLOSED`, message back)
//! and wakes every waiting receiver; receivers read what is left for them,
//! then see the end. With no receiver left, sends fail (the messages would
//! be read by nobody) and the ring is empty; [`Chan::subscribe`] can make
//! a receiver again.
//!
//! Nothing that can run user code (dropping a message, cloning one, waking
//! or dropping a waker) happens under the lock; an [`After`] carries it
//! out.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::Instant;

use super::slot::{HeldRead, Marked, Retired};
pub(crate) use super::state::Cursor;
use super::state::{After, State};
#[cfg(feature = "std")]
use super::RecvTimeoutError;
use super::{RecvError, TryRecvError};
use crate::queue::handles::Handles;
use crate::queue::lock::{Lock, Locked};
use crate::queue::send::{AfterUnlock, Offered, Queue, Refused};
use crate::queue::until::Place;
#[cfg(feature = "std")]
use crate::queue::waitlist::{Grouped, NOTIFIED};
use crate::queue::waitlist::{Spare, WaitList, Waiting, WAITING};
#[cfg(feature = "std")]
use crate::wait::claim::Group;

/// One look at the ring by a receiver, under the lock.
enum Step<T> {
    /// The last reader: the message, moved out.
    Moved(T),
    /// Clone the message of this slot, marked busy for us; it was `pos`.
    Clone(Marked<T>, u64),
    /// The receiver missed this many messages (lagging channels).
    Lagged(u64),
    /// Nothing to read yet, or another receiver is cloning the message
    /// (the receiver has been listed, if it asked).
    Empty,
    /// Nothing to read, ever again.
    Closed,
}

/// How a send went, inside the lock.
enum Offer<T> {
    Sent,
    Full(T),
    Disconnected(T),
}

/// A sender's wait for the close, as its future holds it.
pub(crate) type Closing<'a, T> = crate::queue::until::Wait<'a, State<T>>;

/// The shared core of a broadcast channel.
pub(crate) struct Chan<T> {
    state: Lock<State<T>>,
    cap: usize,
    lagging: bool,
    senders: Handles,
    weak_senders: Handles,
    /// A spare entry for each side's waits (`waitlist::Spare`).
    spare_senders: Spare<T>,
    spare_receivers: Spare<T>,
    /// The spare entry of senders waiting for the close.
    spare_closing: Spare<()>,
}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver, at position 0.
    pub(crate) fn new(cap: usize, lagging: bool) -> Self {
        assert!(
            cap > 0,
            "a broadcast channel needs a capacity of at least 1"
        );
        Self {
            state: Lock::new(State {
                ring: VecDeque::new(),
                head: 0,
                spare: Vec::new(),
                receivers: 1,
                closed: false,
                waiting_senders: WaitList::new(),
                waiting_receivers: WaitList::new(),
                closing: WaitList::new(),
            }),
            cap,
            lagging,
            senders: Handles::one(),
            weak_senders: Handles::none(),
            spare_senders: Spare::new(),
            spare_receivers: Spare::new(),
            spare_closing: Spare::new(),
        }
    }

    // ---- handles ----

    pub(crate) fn sender_count(&self) -> usize {
        self.senders.count()
    }

    pub(crate) fn add_sender(&self) {
        self.senders.add();
    }

    /// For a weak sender: a new sender if any sender is still alive.
    pub(crate) fn try_add_sender(&self) -> bool {
        self.senders.try_add()
    }

    /// The weak senders (`WeakSender`), which keep the channel's memory but
    /// not the channel open.
    pub(crate) fn weak_senders(&self) -> &Handles {
        &self.weak_senders
    }

    /// A sender is gone; the last one closes the channel.
    pub(crate) fn drop_sender(&self) {
        if self.senders.remove() {
            self.close();
        }
    }

    pub(crate) fn receiver_count(&self) -> usize {
        self.state.with(|state| state.receivers)
    }

    /// A new receiver that reads what is sent from now on: its position.
    pub(crate) fn subscribe(&self) -> u64 {
        self.state.with(|state| {
            assert!(state.receivers < usize::MAX / 2, "too many receivers");
            state.receivers += 1;
            state.tail()
        })
    }

    /// A new receiver at the position of the one at `next`: it will read
    /// what that one has yet to read.
    pub(crate) fn clone_receiver(&self, next: u64) {
        self.state.with(|state| {
            assert!(state.receivers < usize::MAX / 2, "too many receivers");
            state.receivers += 1;
            let from = state.first_unread(next);
            for held in state.ring.range_mut(from..) {
                held.unread += 1;
            }
        });
    }

    /// The receiver at `next` is gone: it reads nothing more, and the
    /// messages only it had yet to read are dropped at once.
    pub(crate) fn drop_receiver(&self, next: u64) {
        let mut after = After::new();
        self.state.with(|state| {
            state.drop_receiver(&mut after);
            let from = state.first_unread(next);
            for held in state.ring.range_mut(from..) {
                held.unread -= 1;
                if held.unread == 0 && held.orphan() {
                    // Nobody clones it (`orphan` found it IDLE): it goes.
                    if let Some(msg) = held.take_idle() {
                        after.drop_msg(msg);
                    }
                }
            }
            state.release(self.cap, &mut after);
        });
        after.finish();
    }

    // ---- inspection ----

    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// How many messages the ring holds.
    pub(crate) fn len(&self) -> usize {
        self.state.with(|state| state.ring.len())
    }

    /// How many messages the receiver at `next` has yet to read.
    pub(crate) fn backlog(&self, next: u64) -> usize {
        self.state
            .with(|state| state.ring.len() - state.first_unread(next))
    }

    /// Closed: by `close`, or because every sender is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.with(|state| state.closed)
    }

    /// Closed, or no receiver left to read a send.
    pub(crate) fn is_disconnected(&self) -> bool {
        self.state
            .with(|state| state.closed || state.receivers == 0)
    }

    /// Where a sender waits for the close or the last receiver's leaving
    /// (`queue::until`; the condition is `State::has_closed`).
    pub(crate) fn closing(&self) -> Place<'_, State<T>> {
        Place {
            lock: &self.state,
            list: State::closing,
            spare: &self.spare_closing,
        }
    }

    /// Whether a sender waiting at [`closing`](Self::closing) is done
    /// (`None`: it cannot tell without the lock).
    pub(crate) fn has_closed(state: Option<&State<T>>) -> bool {
        State::has_closed(state)
    }

    /// Closes the channel; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        let mut after = After::new();
        let closed_now = self.state.with(|state| state.close(&mut after));
        after.finish();
        closed_now
    }

    // ---- sending ----

    /// Offers a message, inside the lock: into the ring, over the oldest
    /// message (lagging), or back.
    #[inline(always)]
    fn offer(&self, state: &mut State<T>, msg: T, after: &mut After<T>) -> Offer<T> {
        if state.closed || state.receivers == 0 {
            return Offer::Disconnected(msg);
        }
        if state.ring.len() == self.cap {
            if !self.lagging {
                return Offer::Full(msg);
            }
            // Full and lagging: the oldest message goes. It is not done
            // (`release` pops those at once).
            let held = state.ring.pop_front().expect("cap > 0");
            state.head += 1;
            match held.retire() {
                Retired::Idle(old, spare) => {
                    if let Some(old) = old {
                        after.drop_msg(old);
                    }
                    state.spare.push(spare);
                }
                // Its cloner owns the slot now, and drops the message.
                Retired::Busy => {}
            }
        }
        state.push(msg);
        state.notify_receivers(after);
        Offer::Sent
    }

    // (The rest of sending: the `Queue` impl below and `queue/send.rs`.)

    // ---- receiving ----

    /// One look at the ring for the receiver at `next`; with nothing to
    /// read (or a message another receiver is cloning) and `listen` given,
    /// lists it among the waiting receivers.
    #[inline]
    fn step(&self, next: &mut u64, listen: Option<&Waiting<T>>, after: &mut After<T>) -> Step<T> {
        self.state.with(|state| {
            if *next < state.head {
                let missed = state.head - *next;
                *next = state.head;
                return Step::Lagged(missed);
            }
            let Some(at) = state.index(*next) else {
                if state.closed {
                    return Step::Closed;
                }
                if let Some(entry) = listen {
                    state.waiting_receivers.push(entry.share());
                }
                return Step::Empty;
            };
            let held = &mut state.ring[at];
            let mut read = held.read();
            if let HeldRead::Busy = read {
                // Another receiver is cloning it. Never wait on that (user
                // code): nothing to read yet, or, to wait, be woken by the
                // cloner once it is done.
                let Some(entry) = listen else {
                    return Step::Empty;
                };
                if held.wait_for_clone() {
                    state.waiting_receivers.push(entry.share());
                    return Step::Empty;
                }
                // Cleared meanwhile (without the lock): read it now.
                read = held.read();
            }
            *next += 1;
            match read {
                HeldRead::Clone(marked) => Step::Clone(marked, *next - 1),
                HeldRead::Last(msg) => {
                    let msg = msg.expect("an unread message is held");
                    state.release(self.cap, after);
                    Step::Moved(msg)
                }
                HeldRead::Busy => unreachable!("`wait_for_clone` found the mark IDLE"),
            }
        })
    }

    /// A cloner found its mark flagged as it cleared it: under the lock,
    /// drops an `ORPHANED` message (every other reader was dropped while it
    /// cloned: the message is done), clears the mark and wakes the
    /// receivers that waited for it (`WAITED`). A slot that left the ring
    /// meanwhile (`DETACHED`: overwritten) is the cloner's: its message is
    /// dropped and the slot kept as a spare.
    #[cold]
    fn finish_marked(&self, marked: Marked<T>) {
        let mut after = After::new();
        self.state.with(|state| {
            if let Some(msg) = marked.take_orphaned() {
                after.drop_msg(msg);
            }
            let unmarked = marked.unmark();
            state.keep_detached(unmarked.detached, &mut after);
            if unmarked.waited {
                state.notify_receivers(&mut after);
            }
            // An orphaned message is done now.
            state.release(self.cap, &mut after);
        });
        after.finish();
    }

    /// A receiver's clone of message `pos` panicked: clears the mark (waking
    /// the receivers that waited for it) and undoes the read (the receiver
    /// counts itself back on and steps back, to read it again next time).
    ///
    /// Runs while the clone's panic unwinds, so a wake or a drop that
    /// panics here aborts the process (two panics at once, as in `Vec`'s
    /// drop): the rule the module docs give. Skipping the wakes instead
    /// would leave the receivers that waited for this clone asleep.
    #[cold]
    fn undo_clone(&self, marked: Marked<T>, pos: u64, next: &mut u64) {
        let mut after = After::new();
        self.state.with(|state| {
            *next = pos;
            // (If it was ORPHANED, we are its reader again: nothing to finish.)
            let unmarked = marked.unmark();
            // Overwritten meanwhile: the next read reports the lag.
            state.keep_detached(unmarked.detached, &mut after);
            if unmarked.waited {
                state.notify_receivers(&mut after);
            }
            if let Some(at) = state.index(pos) {
                state.ring[at].unread += 1;
            }
        });
        after.finish();
    }

    /// Reads for the receiver at `at`: a message (kept from an earlier
    /// read, moved or cloned), a lag, nothing (listed if `listen`), or the
    /// end.
    #[inline]
    fn read(&self, at: &mut Cursor<T>, listen: Option<&Waiting<T>>) -> Read<T>
    where
        T: Clone,
    {
        if let Some(msg) = at.kept.take() {
            return Read::Msg(msg);
        }
        let mut after = After::new();
        match self.step(&mut at.next, listen, &mut after) {
            Step::Moved(msg) if after.is_empty() => Read::Msg(msg),
            // Waking the senders it let in, or the receivers they notify, is
            // user code: the message is kept meanwhile.
            Step::Moved(msg) => Read::Msg(at.deliver(msg, || after.finish())),
            Step::Clone(marked, pos) => {
                // (A read that clones leaves nothing to do after unlocking:
                // nothing may run, and so panic, between the marking and
                // `clone_out`, whose guard alone clears the mark.)
                debug_assert!(after.is_empty(), "a cloning read does no more");
                Read::Msg(self.clone_out(marked, pos, at))
            }
            Step::Lagged(missed) => Read::Lagged(missed),
            Step::Empty => Read::Empty,
            Step::Closed => Read::Closed,
        }
    }

    /// Clones the message of the slot `marked` for us, then clears the
    /// mark; if the clone panics, the mark is cleared and the read undone.
    /// (Inlined: a receive that clones is the common one on a channel with
    /// several receivers.)
    #[inline]
    fn clone_out(&self, marked: Marked<T>, pos: u64, at: &mut Cursor<T>) -> T
    where
        T: Clone,
    {
        /// Undoes the read while a panicking clone unwinds.
        struct Undo<'a, T> {
            chan: &'a Chan<T>,
            marked: Option<Marked<T>>,
            pos: u64,
            next: &'a mut u64,
        }
        impl<T> Drop for Undo<'_, T> {
            fn drop(&mut self) {
                if let Some(marked) = self.marked.take() {
                    self.chan.undo_clone(marked, self.pos, self.next);
                }
            }
        }
        let mut undo = Undo {
            chan: self,
            marked: Some(marked),
            pos,
            next: &mut at.next,
        };
        let msg = undo.marked.as_ref().expect("marked").clone_msg();
        // Cloned: nothing to undo.
        let marked = undo.marked.take().expect("marked");
        drop(undo);
        match marked.clear() {
            Ok(()) => msg,
            // Finishing the mark drops a message and wakes wakers (user
            // code): the clone is kept meanwhile.
            Err(flagged) => at.deliver(msg, || self.finish_marked(flagged)),
        }
    }

    #[inline]
    pub(crate) fn try_recv(&self, at: &mut Cursor<T>) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        match self.read(at, None) {
            Read::Msg(msg) => Ok(msg),
            Read::Lagged(missed) => Err(TryRecvError::Lagged(missed)),
            Read::Empty => Err(TryRecvError::Empty),
            Read::Closed => Err(TryRecvError::Disconnected),
        }
    }

    /// One poll of a receive for the receiver at `at`. `entry` holds the
    /// waiter while it waits; `tried` as in [`poll_send`](Self::poll_send).
    pub(crate) fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        at: &mut Cursor<T>,
        entry: &mut Option<Waiting<T>>,
        tried: bool,
    ) -> Poll<Result<T, RecvError>>
    where
        T: Clone,
    {
        if let Some(waiting) = entry {
            // Listed and not notified: nothing came since (every message,
            // and every clone that was waited for, notifies every waiting
            // receiver).
            if waiting.state() == WAITING && waiting.reregister(cx.waker()) == WAITING {
                return Poll::Pending;
            }
            self.recycle_receiver(entry.take().expect("checked above"));
        }
        // `tried`: the caller has just found nothing to read
        // (`block::wait_after_try`), so go straight to waiting.
        let first = if tried {
            Read::Empty
        } else {
            self.read(at, None)
        };
        let read = match first {
            Read::Empty => {
                // Wait, with a new entry made outside the lock; the ring is
                // looked at again inside it before the entry is listed.
                let waiting = Waiting::from_spare(&self.spare_receivers, false, cx.waker());
                let read = self.read(at, Some(&waiting));
                if let Read::Empty = read {
                    *entry = Some(waiting);
                    return Poll::Pending;
                }
                // Not listed after all: the entry is spare again.
                self.recycle_receiver(waiting);
                read
            }
            read => read,
        };
        Poll::Ready(match read {
            Read::Msg(msg) => Ok(msg),
            Read::Lagged(missed) => Err(RecvError::Lagged(missed)),
            Read::Closed => Err(RecvError::Disconnected),
            Read::Empty => unreachable!("handled above"),
        })
    }

    // ---- select (`select.rs`) ----

    /// Whether a receive at `at` would finish now: a message kept, a lag
    /// to report, a message to read (not being cloned), or the end.
    #[cfg(feature = "std")]
    pub(crate) fn recv_ready(&self, at: &Cursor<T>) -> bool {
        at.kept.is_some()
            || self.state.with(|state| {
                at.next < state.head
                    || match state.index(at.next) {
                        Some(index) => state.ring[index].is_idle(),
                        None => state.closed,
                    }
            })
    }

    /// Lists a select's receive at `at` as entry `index` of `group`,
    /// unless it would finish now (`None`). A message another receiver is
    /// cloning is waited for as a receive waits for it (flagged, so the
    /// cloner wakes the waiting receivers).
    #[cfg(feature = "std")]
    pub(crate) fn list_select(
        &self,
        at: &Cursor<T>,
        group: &Group,
        index: usize,
    ) -> Option<Grouped<T>> {
        if at.kept.is_some() {
            return None;
        }
        let entry = Waiting::grouped(&self.spare_receivers, false, group, index);
        let listed = self.state.with(|state| {
            if at.next < state.head {
                return false;
            }
            match state.index(at.next) {
                Some(held) if !state.ring[held].wait_for_clone() => return false,
                None if state.closed => return false,
                _ => {}
            }
            state.waiting_receivers.push(entry.share());
            true
        });
        if listed {
            return Some(entry);
        }
        entry.recycle(&self.spare_receivers, || self.state.with(|_| ()));
        None
    }

    /// Takes a select's receive entry off its list: whether a notifier
    /// won the select's claim through it (something may be ready: try
    /// it). Every message notifies every waiting receiver, so a wake the
    /// select does not use needs no passing on.
    #[cfg(feature = "std")]
    pub(crate) fn unlist_select(&self, entry: Grouped<T>) -> bool {
        let won = !(entry.state() == WAITING
            && self
                .state
                .with(|state| state.waiting_receivers.remove(&entry)))
            && entry.state() == NOTIFIED;
        entry.recycle(&self.spare_receivers, || self.state.with(|_| ()));
        won
    }

    /// A receive's wait is over: its entry goes to the receivers' spare
    /// (`Waiting::recycle`).
    fn recycle_receiver(&self, waiting: Waiting<T>) {
        waiting.recycle(&self.spare_receivers, || self.state.with(|_| ()));
    }

    /// Withdraws a waiting receive (its future was dropped, or its deadline
    /// passed). Nothing was handed to it, so nothing is lost.
    pub(crate) fn cancel_recv(&self, entry: Waiting<T>) {
        if entry.state() == WAITING {
            self.state
                .with(|state| state.waiting_receivers.remove(&entry));
        }
        self.recycle_receiver(entry);
    }

    // ---- blocking ----

    /// Receives for the receiver at `at`, blocking the thread until done
    /// or until `deadline`.
    #[cfg(feature = "std")]
    pub(crate) fn recv_until(
        &self,
        at: &mut Cursor<T>,
        deadline: Option<Instant>,
    ) -> Result<T, RecvTimeoutError>
    where
        T: Clone,
    {
        match self.try_recv(at) {
            Ok(msg) => return Ok(msg),
            Err(TryRecvError::Lagged(missed)) => return Err(RecvTimeoutError::Lagged(missed)),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {}
        }
        let mut op = BlockingRecv {
            chan: self,
            at,
            entry: None,
        };
        match crate::wait::block::run(&mut op, deadline) {
            Ok(Ok(msg)) => Ok(msg),
            Ok(Err(RecvError::Lagged(missed))) => Err(RecvTimeoutError::Lagged(missed)),
            Ok(Err(RecvError::Disconnected)) => Err(RecvTimeoutError::Disconnected),
            Err(()) => Err(RecvTimeoutError::Timeout),
        }
    }
}

/// What a receiver's read found.
enum Read<T> {
    Msg(T),
    Lagged(u64),
    Empty,
    Closed,
}

impl<T> core::fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (len, receivers, closed) = self
            .state
            .with(|state| (state.ring.len(), state.receivers, state.closed));
        f.debug_struct("Chan")
            .field("len", &len)
            .field("capacity", &self.cap)
            .field("lagging", &self.lagging)
            .field("senders", &self.sender_count())
            .field("receivers", &receivers)
            .field("closed", &closed)
            .finish()
    }
}

impl<T> AfterUnlock for After<T> {
    #[inline]
    fn run_after_unlock(self) {
        // Dropping it does the work.
        drop(self);
    }
}

/// How a broadcast channel offers a message: into the ring, over the
/// oldest message (lagging), or back (`Chan::offer`).
impl<T> Queue<T> for Chan<T> {
    type After = After<T>;

    type State = State<T>;

    fn lock(&self) -> &Lock<State<T>> {
        &self.state
    }

    /// Room, a receiver, and nobody waiting to be told: the message goes
    /// in, with nothing to do after unlocking (`offer` would do the same).
    #[inline(always)]
    fn offer_at_once(&self, state: &mut State<T>, msg: T) -> Result<(), T> {
        if state.closed
            || state.receivers == 0
            || state.ring.len() == self.cap
            || !state.waiting_receivers.is_empty()
        {
            return Err(msg);
        }
        state.push(msg);
        Ok(())
    }

    // Always inlined (into `queue::send`'s out-of-line callers): left to
    // itself, LLVM outlined the locked section and the push when the
    // channel's state grew a field (seq 1x4 went from 547 to 592
    // instructions a message).
    #[inline(always)]
    fn try_send_locked(&self, mut state: Locked<'_, State<T>>, msg: T) -> Result<(), Refused<T>> {
        let mut after = After::new();
        let offered = self.offer(&mut state, msg, &mut after);
        drop(state);
        after.finish();
        match offered {
            Offer::Sent => Ok(()),
            Offer::Full(msg) => Err(Refused::Full(msg)),
            Offer::Disconnected(msg) => Err(Refused::Closed(msg)),
        }
    }

    fn offer_or_list(&self, msg: T, entry: &Waiting<T>) -> (Offered<T>, After<T>) {
        let mut after = After::new();
        let offered = self
            .state
            .with(|state| match self.offer(state, msg, &mut after) {
                Offer::Sent => Offered::Sent,
                Offer::Disconnected(msg) => Offered::Closed(msg),
                Offer::Full(msg) => {
                    state.waiting_senders.push_sender(entry, msg);
                    Offered::Listed
                }
            });
        (offered, after)
    }

    fn with_senders<R>(&self, f: impl FnOnce(&mut WaitList<T>) -> R) -> R {
        self.state.with(|state| f(&mut state.waiting_senders))
    }

    fn spare_senders(&self) -> &Spare<T> {
        &self.spare_senders
    }

    /// A ring with room for a batch: let the receivers drain a run first.
    #[cfg(feature = "std")]
    fn batches(&self) -> bool {
        crate::wait::block::batches(Some(self.cap))
    }
}

/// A blocking receive for the receiver at `at`, with its waiter entry.
#[cfg(feature = "std")]
struct BlockingRecv<'a, T> {
    chan: &'a Chan<T>,
    at: &'a mut Cursor<T>,
    entry: Option<Waiting<T>>,
}

#[cfg(feature = "std")]
impl<T: Clone> crate::wait::block::Op for BlockingRecv<'_, T> {
    type Output = Result<T, RecvError>;
    type TimedOut = ();

    fn try_now(&mut self) -> Poll<Result<T, RecvError>> {
        match self.chan.try_recv(self.at) {
            Ok(msg) => Poll::Ready(Ok(msg)),
            Err(TryRecvError::Lagged(missed)) => Poll::Ready(Err(RecvError::Lagged(missed))),
            Err(TryRecvError::Disconnected) => Poll::Ready(Err(RecvError::Disconnected)),
            Err(TryRecvError::Empty) => Poll::Pending,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, tried: bool) -> Poll<Result<T, RecvError>> {
        self.chan.poll_recv(cx, self.at, &mut self.entry, tried)
    }

    fn cancel(&mut self) -> Result<Result<T, RecvError>, ()> {
        // A receive entry holds no message: withdrawn, nothing was read.
        self.abandon();
        Err(())
    }

    fn abandon(&mut self) {
        if let Some(entry) = self.entry.take() {
            self.chan.cancel_recv(entry);
        }
    }

    /// A ring with room for a batch: let the senders fill a run first.
    fn snoozes(&self) -> bool {
        crate::wait::block::batches(Some(self.chan.cap))
    }
}

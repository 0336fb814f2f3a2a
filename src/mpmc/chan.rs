//! The one channel core behind every mpmc flavor.
//!
//! A [`Chan`] is a [`Lock`] over a plain [`State`]: the flavor's buffer
//! ([`Buffer`]: a ring, bounded or not, or nothing), a `closed` flag, and
//! one [`WaitList`] per side. Every operation is a critical section of a
//! few instructions; what can run user code (dropping a message, waking or
//! dropping a waker) is carried out of it and done after unlocking. Handle
//! counts live outside the lock, in atomics.
//!
//! Public methods never look at the flavor: they call the operations here,
//! and the only `match` on the flavor is inside [`Buffer`].
//!
//! # Rules the state keeps
//!
//! - A message is in exactly one place: the buffer, a waiting sender's
//!   entry, or (hand-off) a blocked receiver's entry that is off its list.
//!   It leaves the channel only in the operation that returns it. A
//!   receive that took it and then meets a panic before returning it
//!   (waking the sender or receiver it let go on runs user code) puts it
//!   back at the front of the buffer ([`Chan::put_back`]), past the
//!   capacity if need be, and in a rendezvous's buffer, which holds only
//!   such messages.
//! - Every message that enters the buffer (a send, or a waiting sender's
//!   message moved in when a receive makes room) notifies one listed
//!   receiver, if any. One message wakes at most one receiver.
//! - A receiver that was notified and then gives up without receiving
//!   passes the notification on if something is still ready, so no
//!   receiver sleeps while a message waits.
//! - A waiting sender is taken off its list only to be finished: its
//!   message moved into the buffer or into a receiver's hands (`SENT`), or
//!   given back because the channel closed (`CLOSED`). A woken sender has
//!   nothing left to do but return, so a send future that is woken and
//!   then never polled holds up nobody.
//! - A sender that finds nothing buffered and a blocked receiving thread
//!   listed puts its message into that thread's entry (`FILLED`): the
//!   thread wakes with it and need not lock again to take it. Only blocked
//!   threads accept this (they always come back for it; a future might
//!   not), so a waiting future is passed over for a blocked thread.
//! - A rendezvous (capacity 0) has no buffer: a sender hands its message
//!   to a blocked receiving thread as above, or waits with it in its own
//!   entry (notifying a listed receiver, which takes it from there).
//! - `closed` is set once: by [`Chan::close`], when the last sender goes,
//!   or when the last receiver goes (which also drops the buffer at once).
//!   Closing finishes every waiting sender (`CLOSED`) and notifies every
//!   waiting receiver; receivers drain the buffer, then see the end, once
//!   no permit is left (a permit taken before the close may still send;
//!   the last one to go notifies every waiting receiver again).
//! - Permits (`permit.rs`) hold slots of a bounded buffer as its ring's
//!   `limit`, so a slot is free, filled, or held, and no slot is free
//!   while a sender waits. A waiting reserve is a sender entry without a
//!   message: a slot freed by a receive, a permit dropped or a reserve
//!   withdrawn goes to the first waiting sender, whose message moves in,
//!   or which is granted it (a reserve of several keeps its place, first
//!   in line, until it has them all).
//!
//! # Fast paths
//!
//! A send (blocking, `try_send`, a future's first poll) and a receive
//! (the same three) first take the lock with one compare-and-swap
//! ([`Lock::try_lock`]) and, on a ring with nobody listed on the other
//! side, push into a slot already allocated or pop a message whose pop
//! does not shrink the ring ([`State::offer_at_once`],
//! [`State::take_at_once`]). That path makes no call, so the function it
//! is inlined into needs no stack frame; everything else (the lock held
//! by another thread, a waiter to serve, a full or empty ring, a flavor
//! without a ring) goes on out of line with the guard it holds (`*_cold`,
//! `*_first`, `recv_locked`), as a tail call that redoes nothing but the
//! tests. The send side's is `queue::send`'s (`fast_or`), shared with
//! broadcast. The blocking forms take the caller's mapping of the outcome
//! (`out`), so that the public method is the fast path itself. Measured
//! (callgrind, the bench's `seq/bounded(N)`): a send plus a receive went
//! from 103.5 to 64 instructions, kanal's being 93; a send and a receive
//! between two tasks on current-thread tokio (`bounded(1000)`) from
//! 234.7 to 197.7, kanal's 198.7.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::Instant;

pub(crate) use super::state::Buffer;
use super::state::{State, Took, Wake};
#[cfg(feature = "std")]
use crate::error::RecvTimeoutError;
use crate::error::TryRecvError;
use crate::queue::handles::Handles;
use crate::queue::lock::{Lock, Locked};
#[cfg(feature = "std")]
use crate::queue::send::Failed;
use crate::queue::send::{AfterUnlock, Offered, Queue, Refused, SendEnd};
use crate::queue::until::Place;
#[cfg(feature = "std")]
use crate::queue::waitlist::{Grouped, CLOSED, NOTIFIED};
use crate::queue::waitlist::{Spare, WaitList, Waiting, Wakers, SENT, WAITING};
#[cfg(feature = "std")]
use crate::wait::claim::Group;

/// A sender's wait for the close, as its future holds it.
pub(crate) type Closing<'a, T> = crate::queue::until::Wait<'a, State<T>>;

/// The shared core of an mpmc channel.
#[derive(Debug)]
pub(crate) struct Chan<T> {
    state: Lock<State<T>>,
    capacity: Option<usize>,
    /// Whether blocking calls snooze before they wait (`block::batches`).
    #[cfg(feature = "std")]
    batches: bool,
    senders: Handles,
    receivers: Handles,
    /// A spare entry for each side's waits (`waitlist::Spare`).
    spare_senders: Spare<T>,
    spare_receivers: Spare<T>,
    /// The spare entry of senders waiting for the close.
    spare_closing: Spare<()>,
    /// Whether the buffer is a timer's (`timer.rs`): a waiting receive
    /// also waits for the instant its message falls due.
    #[cfg(feature = "std")]
    timer: bool,
}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver.
    pub(crate) fn new(buffer: Buffer<T>) -> Self {
        #[cfg(feature = "std")]
        let timer = buffer.is_timer();
        Self {
            #[cfg(feature = "std")]
            timer,
            capacity: buffer.capacity(),
            #[cfg(feature = "std")]
            batches: crate::wait::block::batches(buffer.capacity()),
            state: Lock::new(State {
                buffer,
                closed: false,
                senders: WaitList::new(),
                receivers: WaitList::new(),
                closing: WaitList::new(),
                pairing: WaitList::new(),
                permits: 0,
            }),
            // (A timer has no sender.)
            #[cfg(feature = "std")]
            senders: if timer {
                Handles::none()
            } else {
                Handles::one()
            },
            #[cfg(not(feature = "std"))]
            senders: Handles::one(),
            receivers: Handles::one(),
            spare_senders: Spare::new(),
            spare_receivers: Spare::new(),
            spare_closing: Spare::new(),
        }
    }

    // ---- handle counts ----

    pub(crate) fn sender_count(&self) -> usize {
        self.senders.count()
    }

    pub(crate) fn receiver_count(&self) -> usize {
        self.receivers.count()
    }

    pub(crate) fn add_sender(&self) {
        self.senders.add();
    }

    /// For a weak sender: a new sender if any sender is still alive.
    pub(crate) fn try_add_sender(&self) -> bool {
        self.senders.try_add()
    }

    pub(crate) fn add_receiver(&self) {
        self.receivers.add();
    }

    /// A sender is gone; the last one closes the channel.
    pub(crate) fn drop_sender(&self) {
        if self.senders.remove() {
            self.close();
        }
    }

    /// A receiver is gone; the last one closes the channel and drops what
    /// is buffered, at once.
    pub(crate) fn drop_receiver(&self) {
        if self.receivers.remove() {
            let (woken, taken) = self.state.with(|state| {
                let (_, woken) = state.close();
                (woken, state.buffer.take_all())
            });
            // Waiters first: a panicking message drop must not strand them.
            woken.wake();
            drop(taken);
        }
    }

    // ---- inspection ----

    pub(crate) fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.state.with(|state| state.buffer.len())
    }

    /// Whether a send would find no room now (permits hold slots too).
    pub(crate) fn is_full(&self) -> bool {
        #[cfg(feature = "std")]
        if self.timer {
            // As crossbeam's: full while its message is due (`never`,
            // of capacity 0, always).
            return self.len() >= self.capacity.unwrap_or(0);
        }
        self.capacity.is_some() && self.state.with(|state| !state.buffer.has_room())
    }

    /// When a timer's next message falls due (`None`: not a timer, or
    /// none will).
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn due(&self) -> Option<Instant> {
        if !self.timer {
            return None;
        }
        self.state.with(|state| state.buffer.due())
    }

    /// Whether this is a channel of `never()`.
    #[cfg(feature = "std")]
    pub(crate) fn is_never(&self) -> bool {
        self.timer && self.capacity == Some(0)
    }

    /// A future waiting on a timer channel is woken when its message falls
    /// due (by the timer thread: nobody sends on a timer). Blocking waits
    /// park until then instead (`Op::due`), and need no thread.
    #[inline]
    fn wake_when_due(&self, cx: &Context<'_>, handoff: bool) {
        #[cfg(feature = "std")]
        if self.timer && !handoff {
            if let Some(due) = self.due() {
                crate::wait::timer::wake_at(due, cx.waker());
            }
        }
        #[cfg(not(feature = "std"))]
        let _ = (cx, handoff);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.with(|state| state.closed)
    }

    /// Sends without waiting, making room if need be (`State::force`):
    /// `Ok` with what did not fit, or `Err` with `msg` if the channel is
    /// closed. What comes back is dropped by the caller, outside the lock.
    pub(crate) fn force_send(&self, msg: T) -> Result<Option<T>, T> {
        let (back, wake) = self.state.with(|state| {
            if state.closed {
                return Err(msg);
            }
            Ok(state.force(msg))
        })?;
        wake.wake();
        Ok(back)
    }

    /// Where a sender waits for the close (`queue::until`; the condition
    /// is `State::has_closed`).
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
        let (closed_now, woken) = self.state.with(State::close);
        woken.wake();
        closed_now
    }

    // ---- sending: see `Queue` below and `queue/send.rs` ----

    // ---- permits: the state's moves are in `state.rs`, the handles in
    // `permit.rs` ----

    /// Reserves `n` slots without waiting (`n == 0`: none, while open).
    pub(crate) fn try_reserve(&self, n: usize) -> Result<(), Refused<()>> {
        self.state.with(|state| {
            if state.closed {
                Err(Refused::Closed(()))
            } else if n == 0 || state.reserve(n) {
                Ok(())
            } else {
                Err(Refused::Full(()))
            }
        })
    }

    /// Permits give back `n` slots unused; the first waiting senders get
    /// them.
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut woken = Wakers::new();
        self.state.with(|state| state.release(n, &mut woken));
        woken.wake();
    }

    /// A permit sends `msg` into the slot it holds. With every receiver
    /// gone the message is dropped instead (after unlocking), as the
    /// buffer was.
    pub(crate) fn send_reserved(&self, msg: T) {
        let mut woken = Wakers::new();
        let unwanted = self.state.with(|state| {
            // (Read under the lock: the last receiver counts itself out
            // before it locks to drop the buffer, so a message pushed
            // after this check is dropped with that buffer.)
            if self.receivers.count() == 0 {
                state.release(1, &mut woken);
                return Some(msg);
            }
            state.send_reserved(msg, &mut woken);
            None
        });
        // The wakes first: a panicking message drop must not strand them.
        woken.wake();
        drop(unwanted);
    }

    /// One poll of a reserve of `n` (`>= 1`) slots: `Ready(Ok)` once they
    /// are the caller's, `Ready(Err)` if the channel is closed. `entry`
    /// holds the reserve while it waits; `tried`: the caller has just
    /// found no room, so the poll goes straight to the locked retry.
    pub(crate) fn poll_reserve(
        &self,
        n: usize,
        cx: &mut Context<'_>,
        entry: &mut Option<Waiting<T>>,
        tried: bool,
    ) -> Poll<Result<(), ()>> {
        if let Some(waiting) = entry {
            let Poll::Ready(granted) = waiting.poll_reserve(cx.waker()) else {
                return Poll::Pending;
            };
            let waiting = entry.take().expect("checked above");
            return Poll::Ready(self.reserve_over(
                waiting,
                n,
                if granted { Ok(()) } else { Err(()) },
            ));
        }
        if !tried {
            match self.try_reserve(n) {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(Refused::Closed(())) => return Poll::Ready(Err(())),
                Err(Refused::Full(())) => {}
            }
        }
        // The waker is cloned (user code) before anything is reserved.
        let waiting = Waiting::from_spare(&self.spare_senders, false, cx.waker());
        let reserved = self.state.with(|state| {
            if state.closed {
                return Some(Err(()));
            }
            state
                .reserve_or_list(n, &waiting)
                .map(|reserved| if reserved { Ok(()) } else { Err(()) })
        });
        match reserved {
            None => {
                *entry = Some(waiting);
                Poll::Pending
            }
            Some(done) => Poll::Ready(self.reserve_over(waiting, n, done)),
        }
    }

    /// A reserve of `n` slots is over (`done`): its entry goes to the
    /// spare, which drops the waker it held (user code). If that panics,
    /// slots reserved go back while it unwinds: nobody holds them yet.
    fn reserve_over(&self, waiting: Waiting<T>, n: usize, done: Result<(), ()>) -> Result<(), ()> {
        let undo = done.is_ok().then(|| Unreserve(self, n));
        self.recycle_sender(waiting);
        core::mem::forget(undo);
        done
    }

    /// Withdraws a waiting reserve (its future was dropped, its deadline
    /// passed): what it was granted so far goes to the next waiting
    /// senders. Says how it ended: `Sent` if every slot was granted
    /// meanwhile (they are the caller's), `Closed` if the channel closed.
    pub(crate) fn cancel_reserve(&self, entry: Waiting<T>, n: usize) -> SendEnd<()> {
        if entry.state() == WAITING {
            let mut woken = Wakers::new();
            let withdrawn = self.state.with(|state| {
                let granted = state.senders.withdraw_reserve(&entry)?;
                if granted > 0 {
                    state.release(granted, &mut woken);
                }
                Some(())
            });
            if withdrawn.is_some() {
                woken.wake();
                self.recycle_sender(entry);
                return SendEnd::Withdrawn(());
            }
        }
        if entry.state() == SENT {
            // Granted: the caller's, once the entry is recycled.
            let _granted = self.reserve_over(entry, n, Ok(()));
            return SendEnd::Sent;
        }
        self.recycle_sender(entry);
        SendEnd::Closed(())
    }

    /// A send's or a reserve's wait is over: its entry goes to the
    /// senders' spare.
    fn recycle_sender(&self, waiting: Waiting<T>) {
        waiting.recycle(&self.spare_senders, || self.state.with(|_| ()));
    }

    /// Reserves `n` (`>= 1`) slots, blocking the thread until done or
    /// until `deadline`.
    #[cfg(feature = "std")]
    pub(crate) fn reserve_until(
        &self,
        n: usize,
        deadline: Option<Instant>,
    ) -> Result<(), Failed<()>> {
        match self.try_reserve(n) {
            Ok(()) => return Ok(()),
            Err(Refused::Closed(())) => return Err(Failed::Closed(())),
            Err(Refused::Full(())) => {}
        }
        let mut op = BlockingReserve {
            chan: self,
            n,
            entry: None,
        };
        match crate::wait::block::run(&mut op, deadline) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(())) => Err(Failed::Closed(())),
            Err(()) => Err(Failed::Timeout(())),
        }
    }

    // ---- receiving ----

    /// The fast path, then `try_recv_cold`: see "Fast paths" in the
    /// module docs.
    #[inline(always)]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let Some(mut state) = self.state.try_lock() else {
            return self.try_recv_cold(None);
        };
        match state.take_at_once() {
            Some(msg) => Ok(msg),
            None => self.try_recv_cold(Some(state)),
        }
    }

    /// `try_recv` past its fast path: from the lock taken (`None`: it was
    /// contended, take it now).
    #[inline(never)]
    fn try_recv_cold(&self, state: Option<Locked<'_, State<T>>>) -> Result<T, TryRecvError> {
        self.try_recv_locked(state.unwrap_or_else(|| self.state.lock()))
    }

    /// `try_recv` from the lock taken. The locked section is always
    /// inlined: left to itself, LLVM outlined it whenever the code around
    /// it grew a little (seq send+recv went from 133 to 156 instructions
    /// when the hand-over after it was added).
    #[inline(always)]
    fn try_recv_locked(&self, mut state: Locked<'_, State<T>>) -> Result<T, TryRecvError> {
        let taken = state.try_take();
        drop(state);
        match taken {
            Ok(Took::Quiet(msg)) => Ok(msg),
            Ok(Took::Waking(msg, wake)) => Ok(self.deliver(msg, wake)),
            Err(err) => Err(err),
        }
    }

    /// Whether another thread is in the channel's locked section now (a
    /// select tries its other channels first).
    #[cfg(feature = "std")]
    #[inline(always)]
    pub(crate) fn is_busy(&self) -> bool {
        self.state.is_taken()
    }

    /// Hands a message that a receive took over to its caller, after
    /// waking whom the take left to wake. A wake is user code and may
    /// panic: then the message goes back to the front of the channel
    /// ([`put_back`](Self::put_back)) while the panic unwinds, so a
    /// panicking waker never consumes a message.
    #[inline(always)]
    fn deliver(&self, msg: T, wake: Wake) -> T {
        if wake.is_empty() {
            return msg;
        }
        self.deliver_waking(msg, wake)
    }

    /// `deliver` with someone to wake: out of line, so that the receive's
    /// fast path stays small. (Not `#[cold]`: every receive of a hand-off,
    /// a full `bounded(1)` say, comes here.)
    #[inline(never)]
    fn deliver_waking(&self, msg: T, wake: Wake) -> T {
        self.deliver_after(Some(msg), || wake.wake())
            .expect("delivered")
    }

    /// Runs `wake` (user code) while `msgs` are held by a guard that puts
    /// them back into the channel if it panics; then hands them over.
    fn deliver_after<M>(&self, msgs: M, wake: impl FnOnce()) -> M
    where
        M: IntoIterator<Item = T>,
        M::IntoIter: DoubleEndedIterator,
    {
        /// Puts the messages back while a wake unwinds.
        struct Held<'a, T, M: IntoIterator<Item = T>>(&'a Chan<T>, Option<M>)
        where
            M::IntoIter: DoubleEndedIterator;
        impl<T, M: IntoIterator<Item = T>> Drop for Held<'_, T, M>
        where
            M::IntoIter: DoubleEndedIterator,
        {
            fn drop(&mut self) {
                if let Some(msgs) = self.1.take() {
                    self.0.put_back(msgs);
                }
            }
        }
        let mut held = Held(self, Some(msgs));
        wake();
        held.1.take().expect("held until now")
    }

    /// Puts messages that a receive took, and could not hand over, back at
    /// the front of the channel in their order, and notifies a waiting
    /// receiver for each. A bounded channel may hold more than its capacity
    /// until they are received again; a rendezvous holds them (see
    /// `rendezvous.rs`). Called while a panic unwinds: a waker that panics
    /// here too aborts the process, as a second panic does.
    #[cold]
    pub(crate) fn put_back(
        &self,
        msgs: impl IntoIterator<Item = T, IntoIter: DoubleEndedIterator>,
    ) {
        let mut woken = Wakers::new();
        self.state.with(|state| {
            for msg in msgs.into_iter().rev() {
                state.buffer.push_front(msg);
                woken.extend(state.notify_receiver());
            }
        });
        woken.wake();
    }

    /// Takes every message buffered now, in one locked section, as that
    /// many receives would (each moves a waiting sender in behind, if one
    /// waits). Messages waiting with their senders in a rendezvous are not
    /// buffered, so not taken.
    pub(crate) fn drain(&self) -> VecDeque<T> {
        let mut msgs = VecDeque::new();
        let mut woken = Wakers::new();
        self.state.with(|state| {
            let len = state.buffer.len();
            msgs.reserve_exact(len);
            state.take_up_to(len, |msg| msgs.push_back(msg), &mut woken);
        });
        if woken.is_empty() {
            return msgs;
        }
        self.deliver_after(msgs, || woken.wake())
    }

    /// Takes up to `room` (`>= 1`) messages that are ready now into `buf`,
    /// in one locked section, as that many receives would: `Ok(n)` with
    /// `n >= 1`, or why there is none. (`buf` grows under the lock only if
    /// it had no spare capacity: `room` says how many fit otherwise.) The
    /// messages from `buf[start..]` on are this receive's: if a wake it
    /// owes panics, they all go back to the channel, in order, before the
    /// panic goes on.
    pub(crate) fn try_recv_many(
        &self,
        buf: &mut Vec<T>,
        start: usize,
        room: usize,
    ) -> Result<usize, TryRecvError> {
        debug_assert!(room >= 1);
        let mut woken = Wakers::new();
        let got = self.state.with(|state| {
            match state.take_up_to(room, |msg| buf.push(msg), &mut woken) {
                0 if state.ended() => Err(TryRecvError::Disconnected),
                0 => Err(TryRecvError::Empty),
                got => Ok(got),
            }
        })?;
        if !woken.is_empty() {
            /// Puts `buf[start..]` back while a wake unwinds.
            struct Held<'a, T>(&'a Chan<T>, &'a mut Vec<T>, usize);
            impl<T> Drop for Held<'_, T> {
                fn drop(&mut self) {
                    self.0.put_back(self.1.drain(self.2..));
                }
            }
            let held = Held(self, buf, start);
            woken.wake();
            core::mem::forget(held);
        }
        Ok(got)
    }

    /// One poll of a receive. `entry` holds the waiter while it waits;
    /// `handoff` says whether a rendezvous sender may put its message
    /// straight into it (blocked threads only: see `waitlist.rs`).
    /// `Ready(None)`: the channel is closed and drained.
    #[inline(always)]
    pub(crate) fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        entry: &mut Option<Waiting<T>>,
        handoff: bool,
        tried: bool,
    ) -> Poll<Option<T>> {
        // The first poll's try is inlined into the future; the rest is
        // not (`poll_recv_first`, `poll_recv_slow`).
        if entry.is_none() && !tried {
            // The fast path (module docs), then `poll_recv_first` with the
            // guard: one lock for the first poll.
            let Some(mut state) = self.state.try_lock() else {
                return self.poll_recv_slow(cx, entry, handoff, false);
            };
            return match state.take_at_once() {
                Some(msg) => Poll::Ready(Some(msg)),
                None => self.poll_recv_first(state, cx, entry, handoff),
            };
        }
        // A listed entry's poll tries after it has looked at the entry.
        self.poll_recv_slow(cx, entry, handoff, tried)
    }

    /// The first poll past its fast path, from the lock taken: the try,
    /// then the wait.
    #[inline(never)]
    fn poll_recv_first(
        &self,
        state: Locked<'_, State<T>>,
        cx: &mut Context<'_>,
        entry: &mut Option<Waiting<T>>,
        handoff: bool,
    ) -> Poll<Option<T>> {
        match self.try_recv_locked(state) {
            Ok(msg) => Poll::Ready(Some(msg)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => self.poll_recv_slow(cx, entry, handoff, true),
        }
    }

    /// [`poll_recv`](Self::poll_recv) past its first try.
    #[inline(never)]
    fn poll_recv_slow(
        &self,
        cx: &mut Context<'_>,
        entry: &mut Option<Waiting<T>>,
        handoff: bool,
        tried: bool,
    ) -> Poll<Option<T>> {
        if let Some(waiting) = entry {
            let mut state = match waiting.state() {
                WAITING => waiting.reregister(cx.waker()),
                state => state,
            };
            if state == WAITING {
                // Still listed, but polled again: if something is ready now
                // (its wake went to another receiver that is busy, or kept
                // and not polled), take it instead of sleeping beside it.
                let ready = self.state.with(|state| {
                    (state.has_ready() || state.ended()) && state.receivers.remove(waiting)
                });
                if !ready {
                    state = waiting.state();
                    if state == WAITING {
                        self.wake_when_due(cx, handoff);
                        return Poll::Pending;
                    }
                }
            }
            let waiting = entry.take().expect("checked above");
            let handed = waiting.take_owned();
            self.recycle_receiver(waiting);
            if let Some(msg) = handed {
                // FILLED: a sender handed it the message.
                return Poll::Ready(Some(msg));
            }
            // NOTIFIED, or withdrawn above: look again below.
        }
        if !tried {
            match self.try_recv() {
                Ok(msg) => return Poll::Ready(Some(msg)),
                Err(TryRecvError::Disconnected) => return Poll::Ready(None),
                Err(TryRecvError::Empty) => {}
            }
        }
        // Empty: wait, with a new entry made outside the lock; the buffer
        // is looked at again inside it before the entry is listed.
        let waiting = Waiting::from_spare(&self.spare_receivers, handoff, cx.waker());
        let taken = self.state.with(|state| match state.take() {
            Some(taken) => Ok(Some(taken)),
            None if state.ended() => Ok(None),
            None => Err(state.list_receiver(waiting.share())),
        });
        let taken = match taken {
            Ok(taken) => taken,
            Err(paired) => {
                *entry = Some(waiting);
                // A select waiting to send on a rendezvous, told so.
                Wake::one(paired).wake();
                self.wake_when_due(cx, handoff);
                return Poll::Pending;
            }
        };
        let got = taken.map(|(msg, wake)| self.deliver(msg, wake));
        // Not listed after all: the entry is spare again. (After the
        // delivery, whose wakes must run even if dropping our old waker,
        // user code, panics.)
        self.recycle_receiver(waiting);
        Poll::Ready(got)
    }

    /// A receive's wait is over: its entry goes to the receivers' spare
    /// (`Waiting::recycle`).
    fn recycle_receiver(&self, waiting: Waiting<T>) {
        waiting.recycle(&self.spare_receivers, || self.state.with(|_| ()));
    }

    /// Withdraws a waiting receive (its future was dropped, or its deadline
    /// passed). Returns a message handed to it meanwhile, which the caller
    /// must return (only entries that accept a hand-off can get one). A
    /// receive that was notified but gives up passes the notification on
    /// if something is still ready.
    pub(crate) fn cancel_recv(&self, entry: Waiting<T>) -> Option<T> {
        if entry.state() == WAITING && self.state.with(|state| state.receivers.remove(&entry)) {
            self.recycle_receiver(entry);
            return None;
        }
        let handed = entry.take_owned();
        self.recycle_receiver(entry);
        if handed.is_none() {
            self.pass_on();
        }
        // FILLED: a sender handed it the message.
        handed
    }

    /// A receive that was notified gives up without receiving: the
    /// notification goes to the next waiting receiver if something is
    /// still ready.
    pub(crate) fn pass_on(&self) {
        let next = self.state.with(|state| {
            if state.has_ready() {
                state.notify_receiver()
            } else {
                None
            }
        });
        Wake::one(next).wake();
    }

    // ---- select (`mpmc/select.rs`) ----

    /// Lists a select's receive as entry `index` of `group`, unless a
    /// receive would finish now (`None`: something is ready, or the end).
    /// `handoff`: a blocked thread's select, which a sender may hand its
    /// message to, as to a blocked `recv` (a future's may not: it might
    /// not come back for it).
    #[cfg(feature = "std")]
    ///
    /// Listing may tell a select waiting to send on a rendezvous that a
    /// receiver now waits: its wake (user code) comes back, for the caller
    /// to run once it holds the entry (so that an unwinding wake leaves
    /// the entry where its owner takes it back).
    pub(crate) fn list_recv(
        &self,
        group: &Group,
        index: usize,
        handoff: bool,
    ) -> (Option<Grouped<T>>, Wake) {
        let entry = Waiting::grouped(&self.spare_receivers, handoff, group, index);
        let listed = self.state.with(|state| {
            if state.has_ready() || state.ended() {
                return Err(());
            }
            Ok(state.list_select_receiver(entry.share(), group))
        });
        let Ok(paired) = listed else {
            entry.recycle(&self.spare_receivers, || self.state.with(|_| ()));
            return (None, Wake::NONE);
        };
        (Some(entry), Wake::one(paired))
    }

    /// Takes a select's receive entry off its list: how it stood.
    #[cfg(feature = "std")]
    pub(crate) fn unlist_recv(&self, entry: Grouped<T>) -> RecvUnlisted<T> {
        let unlisted = if entry.state() == WAITING
            && self.state.with(|state| state.receivers.remove(&entry))
        {
            RecvUnlisted::Untouched
        } else if let Some(msg) = entry.take_owned() {
            // FILLED: a sender handed it the message.
            RecvUnlisted::Filled(msg)
        } else if entry.state() == NOTIFIED {
            RecvUnlisted::Won
        } else {
            RecvUnlisted::Untouched
        };
        entry.recycle(&self.spare_receivers, || self.state.with(|_| ()));
        unlisted
    }

    /// Whether a receive would finish now (a message, or the end).
    #[cfg(feature = "std")]
    pub(crate) fn recv_ready(&self) -> bool {
        self.state.with(|state| state.has_ready() || state.ended())
    }

    /// Lists a select's send as entry `index` of `group` (a wait for a
    /// free slot; on a rendezvous, for a receiver to wait), unless it
    /// would finish now (`None`: a slot is free or a receiver waits, or
    /// the channel is closed).
    #[cfg(feature = "std")]
    pub(crate) fn list_send(&self, group: &Group, index: usize) -> Option<Grouped<T>> {
        let entry = Waiting::grouped(&self.spare_senders, false, group, index);
        let listed = self.state.with(|state| {
            if state.closed {
                return false;
            }
            if state.buffer.is_rendezvous() {
                // (Its own select's receive, listed before it, is no
                // receiver for it.)
                if state.receivers.has_live_except(Some(group)) {
                    return false;
                }
                state.pairing.push(entry.share());
                return true;
            }
            if state.buffer.capacity().is_none() || state.buffer.free() > 0 {
                return false;
            }
            state.senders.push_reserve(&entry, 1, 0);
            true
        });
        listed.then_some(entry)
    }

    /// Takes a select's send entry off its list: how it stands.
    #[cfg(feature = "std")]
    pub(crate) fn unlist_send(&self, entry: Grouped<T>) -> SendUnlisted {
        if entry.state() == WAITING {
            let removed = self.state.with(|state| {
                if state.buffer.is_rendezvous() {
                    state.pairing.remove(&entry)
                } else {
                    // (Granted nothing: a select's reserve wants one slot.)
                    state.senders.withdraw_reserve(&entry).is_some()
                }
            });
            if removed {
                entry.recycle(&self.spare_senders, || self.state.with(|_| ()));
                return SendUnlisted::Untouched;
            }
        }
        let unlisted = match entry.state() {
            // A reserve granted its slot: the caller holds it now.
            SENT if !self.is_rendezvous() => SendUnlisted::Granted,
            // A receiver waits now, or the channel closed: try it.
            SENT | CLOSED => SendUnlisted::Won,
            _ => SendUnlisted::Untouched,
        };
        entry.recycle(&self.spare_senders, || self.state.with(|_| ()));
        unlisted
    }

    /// Whether a send would find room now, a receiver waiting on a
    /// rendezvous, or the channel closed.
    #[cfg(feature = "std")]
    pub(crate) fn send_ready(&self) -> bool {
        self.state.with(|state| {
            state.closed
                || if state.buffer.is_rendezvous() {
                    state.receivers.has_live()
                } else {
                    state.buffer.capacity().is_none() || state.buffer.free() > 0
                }
        })
    }

    /// A select waiting to send on a rendezvous was told a receiver
    /// waits, and does not send: the next such select is told, if a
    /// receiver still waits.
    #[cfg(feature = "std")]
    pub(crate) fn pass_on_pairing(&self) {
        let next = self.state.with(|state| {
            if state.receivers.has_live() {
                state.pairing.notify_first(SENT)
            } else {
                None
            }
        });
        Wake::one(next).wake();
    }

    /// A select's send on a rendezvous, without waiting: `Ok` if a
    /// receiver waits (the send may go ahead, [`send_paired`]).
    ///
    /// [`send_paired`]: Self::send_paired
    #[cfg(feature = "std")]
    pub(crate) fn try_pair(&self) -> Result<(), Refused<()>> {
        self.state.with(|state| {
            if state.closed {
                Err(Refused::Closed(()))
            } else if state.receivers.has_live() {
                Ok(())
            } else {
                Err(Refused::Full(()))
            }
        })
    }

    /// The message of a select's send on a rendezvous, chosen because a
    /// receiver was waiting ([`try_pair`](Self::try_pair)): handed to a
    /// blocked receiving thread, or left in the channel for the first
    /// waiting receiver, which is told (if every receiver gave up
    /// meanwhile, for the next to come). Back if the channel closed.
    #[cfg(feature = "std")]
    pub(crate) fn send_paired(&self, msg: T) -> Result<(), T> {
        let wake = self.state.with(|state| {
            if state.closed {
                return Err(msg);
            }
            match state.receivers.hand_off(msg) {
                Ok(receiver) => Ok(Wake::one(receiver)),
                Err(msg) => {
                    state.buffer.push_paired(msg);
                    Ok(Wake::one(state.notify_receiver()))
                }
            }
        })?;
        wake.wake();
        Ok(())
    }

    /// Whether the channel is a rendezvous.
    #[cfg(feature = "std")]
    pub(crate) fn is_rendezvous(&self) -> bool {
        self.capacity == Some(0)
    }

    // ---- blocking ----

    /// Receives, blocking the thread until done or until `deadline`.
    /// The fast path, then `recv_locked`: see "Fast paths" in the module
    /// docs.
    #[cfg(feature = "std")]
    #[inline(always)]
    pub(crate) fn recv_until<R>(
        &self,
        deadline: Option<Instant>,
        out: impl FnOnce(Result<T, RecvTimeoutError>) -> R,
    ) -> R {
        let Some(mut state) = self.state.try_lock() else {
            return self.recv_locked(None, deadline, out);
        };
        match state.take_at_once() {
            Some(msg) => {
                drop(state);
                out(Ok(msg))
            }
            None => self.recv_locked(Some(state), deadline, out),
        }
    }

    /// A blocking receive past its fast path: from the lock taken (`None`:
    /// it was contended, take it now), then the wait.
    #[cfg(feature = "std")]
    #[inline(never)]
    fn recv_locked<R>(
        &self,
        state: Option<Locked<'_, State<T>>>,
        deadline: Option<Instant>,
        out: impl FnOnce(Result<T, RecvTimeoutError>) -> R,
    ) -> R {
        let state = state.unwrap_or_else(|| self.state.lock());
        out(match self.try_recv_locked(state) {
            Ok(msg) => Ok(msg),
            Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => self.recv_slow(deadline),
        })
    }

    /// `recv_until` once the channel was found empty: the blocking driver
    /// runs the receive as an [`Op`](crate::wait::block::Op).
    #[cfg(feature = "std")]
    #[inline(never)]
    pub(crate) fn recv_slow(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        let mut op = BlockingRecv {
            chan: self,
            entry: None,
        };
        match crate::wait::block::run(&mut op, deadline) {
            Ok(Some(msg)) => Ok(msg),
            Ok(None) => Err(RecvTimeoutError::Disconnected),
            Err(()) => Err(RecvTimeoutError::Timeout),
        }
    }
}

/// How a select's receive entry stood when taken off its list
/// ([`Chan::unlist_recv`]).
#[cfg(feature = "std")]
pub(crate) enum RecvUnlisted<T> {
    /// Nobody touched it: the select's claim was not won through it.
    Untouched,
    /// The claim was won through it: something may be ready, try it.
    Won,
    /// The claim was won through it, and a sender handed it this message
    /// (a blocked thread's select only).
    Filled(T),
}

/// How a select's send entry stood when taken off its list
/// ([`Chan::unlist_send`]).
#[cfg(feature = "std")]
pub(crate) enum SendUnlisted {
    /// Nobody touched it: the select's claim was not won through it.
    Untouched,
    /// The claim was won through it, and a slot granted: the caller holds
    /// one slot (a permit's).
    Granted,
    /// The claim was won through it: a receiver waits now on a
    /// rendezvous, or the channel closed. Try the send.
    Won,
}

/// A blocking receive: its waiter entry, which accepts a hand-off (a
/// blocked thread takes a message as soon as it wakes).
#[cfg(feature = "std")]
struct BlockingRecv<'a, T> {
    chan: &'a Chan<T>,
    entry: Option<Waiting<T>>,
}

#[cfg(feature = "std")]
impl<T> crate::wait::block::Op for BlockingRecv<'_, T> {
    /// A message, or `None`: closed and drained.
    type Output = Option<T>;
    type TimedOut = ();

    fn try_now(&mut self) -> Poll<Option<T>> {
        match self.chan.try_recv() {
            Ok(msg) => Poll::Ready(Some(msg)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => Poll::Pending,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, tried: bool) -> Poll<Option<T>> {
        self.chan.poll_recv(cx, &mut self.entry, true, tried)
    }

    fn cancel(&mut self) -> Result<Option<T>, ()> {
        match self.entry.take().map(|entry| self.chan.cancel_recv(entry)) {
            // A sender handed it a message meanwhile: received after all.
            Some(Some(msg)) => Ok(Some(msg)),
            _ => Err(()),
        }
    }

    fn abandon(&mut self) {
        // A message handed to it meanwhile goes back into the channel.
        if let Some(Some(msg)) = self.entry.take().map(|entry| self.chan.cancel_recv(entry)) {
            self.chan.put_back(Some(msg));
        }
    }

    fn snoozes(&self) -> bool {
        self.chan.batches
    }

    fn due(&mut self) -> Option<Instant> {
        self.chan.due()
    }
}

/// Gives `.1` reserved slots back when dropped (while a panic unwinds).
struct Unreserve<'a, T>(&'a Chan<T>, usize);

impl<T> Drop for Unreserve<'_, T> {
    fn drop(&mut self) {
        self.0.release(self.1);
    }
}

/// A blocking reserve of `n` slots: its waiter entry while it waits.
#[cfg(feature = "std")]
struct BlockingReserve<'a, T> {
    chan: &'a Chan<T>,
    n: usize,
    entry: Option<Waiting<T>>,
}

#[cfg(feature = "std")]
impl<T> crate::wait::block::Op for BlockingReserve<'_, T> {
    /// Reserved, or `Err`: closed.
    type Output = Result<(), ()>;
    type TimedOut = ();

    fn try_now(&mut self) -> Poll<Result<(), ()>> {
        match self.chan.try_reserve(self.n) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(Refused::Closed(())) => Poll::Ready(Err(())),
            Err(Refused::Full(())) => Poll::Pending,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, tried: bool) -> Poll<Result<(), ()>> {
        self.chan.poll_reserve(self.n, cx, &mut self.entry, tried)
    }

    fn cancel(&mut self) -> Result<Result<(), ()>, ()> {
        match self
            .entry
            .take()
            .map(|entry| self.chan.cancel_reserve(entry, self.n))
        {
            Some(SendEnd::Sent) => Ok(Ok(())),
            Some(SendEnd::Closed(())) => Ok(Err(())),
            Some(SendEnd::Withdrawn(())) | None => Err(()),
        }
    }

    fn abandon(&mut self) {
        // Slots granted meanwhile go back.
        if let Some(SendEnd::Sent) = self
            .entry
            .take()
            .map(|entry| self.chan.cancel_reserve(entry, self.n))
        {
            self.chan.release(self.n);
        }
    }
}

impl AfterUnlock for Wake {
    #[inline(always)]
    fn run_after_unlock(self) {
        self.wake();
    }
}

/// How an mpmc channel offers a message: into its buffer, or straight to
/// a blocked receiving thread (`State::offer`).
impl<T> Queue<T> for Chan<T> {
    type After = Wake;

    type State = State<T>;

    fn lock(&self) -> &Lock<State<T>> {
        &self.state
    }

    #[inline(always)]
    fn offer_at_once(&self, state: &mut State<T>, msg: T) -> Result<(), T> {
        state.offer_at_once(msg)
    }

    /// Always inlined into its out-of-line callers, as `try_recv`'s
    /// locked section is.
    #[inline(always)]
    fn try_send_locked(&self, mut state: Locked<'_, State<T>>, msg: T) -> Result<(), Refused<T>> {
        let sent = if state.closed {
            Err(Refused::Closed(msg))
        } else {
            state.offer_quietly(msg).map_err(Refused::Full)
        };
        drop(state);
        match sent {
            Ok(None) => Ok(()),
            Ok(Some(wake)) => {
                wake.wake();
                Ok(())
            }
            Err(refused) => Err(refused),
        }
    }

    fn offer_or_list(&self, msg: T, entry: &Waiting<T>) -> (Offered<T>, Wake) {
        self.state.with(|state| {
            if state.closed {
                return (Offered::Closed(msg), Wake::NONE);
            }
            match state.offer(msg) {
                Ok(wake) => (Offered::Sent, wake),
                Err(msg) => {
                    state.senders.push_sender(entry, msg);
                    // With no buffer, the waiting sender is what a
                    // receiver takes: that is a message becoming ready.
                    let receiver = if state.buffer.is_rendezvous() {
                        state.notify_receiver()
                    } else {
                        None
                    };
                    (Offered::Listed, Wake::one(receiver))
                }
            }
        })
    }

    fn with_senders<R>(&self, f: impl FnOnce(&mut WaitList<T>) -> R) -> R {
        self.state.with(|state| f(&mut state.senders))
    }

    fn spare_senders(&self) -> &Spare<T> {
        &self.spare_senders
    }

    #[cfg(feature = "std")]
    fn batches(&self) -> bool {
        self.batches
    }
}

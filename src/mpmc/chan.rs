//! The one channel core behind every mpmc flavor.
//!
//! A [`Chan`] is a [`Lock`] over a plain [`State`]: the flavor's buffer
//! ([`Buffer`]: a ring, a list of blocks, or nothing), a `closed` flag, and
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
//!   waiting receiver; receivers drain the buffer, then see the end.
#![allow(unsafe_code)]

use crate::loom::sync::Arc;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::Instant;

use super::bounded::Ring;
use super::rendezvous::Zero;
use super::unbounded::Blocks;
#[cfg(feature = "std")]
use crate::error::RecvTimeoutError;
use crate::error::TryRecvError;
use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::queue::lock::Lock;
use crate::queue::send::{AfterUnlock, Offered, Queue, Refused};
use crate::queue::waitlist::{wake_all, Entry, WaitList, CLOSED, FILLED, NOTIFIED, SENT, WAITING};

/// A flavor's buffer. The only place that tells the flavors apart.
#[derive(Debug)]
pub(crate) enum Buffer<T> {
    Bounded(Ring<T>),
    Unbounded(Blocks<T>),
    Rendezvous(Zero<T>),
}

/// Messages moved out of a buffer, to be dropped after unlocking.
#[allow(dead_code)] // held only to be dropped
enum Taken<T> {
    Ring(VecDeque<T>),
    Blocks(VecDeque<VecDeque<T>>),
}

impl<T> Buffer<T> {
    #[inline(always)]
    fn push(&mut self, msg: T) -> Result<(), T> {
        match self {
            Self::Bounded(ring) => ring.push(msg),
            Self::Unbounded(blocks) => {
                blocks.push(msg);
                Ok(())
            }
            Self::Rendezvous(zero) => zero.push(msg),
        }
    }

    #[inline(always)]
    fn pop(&mut self) -> Option<T> {
        match self {
            Self::Bounded(ring) => ring.pop(),
            Self::Unbounded(blocks) => blocks.pop(),
            Self::Rendezvous(zero) => zero.pop(),
        }
    }

    /// Puts a message back at the front (see [`Chan::put_back`]).
    fn push_front(&mut self, msg: T) {
        match self {
            Self::Bounded(ring) => ring.push_front(msg),
            Self::Unbounded(blocks) => blocks.push_front(msg),
            Self::Rendezvous(zero) => zero.push_front(msg),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Bounded(ring) => ring.len(),
            Self::Unbounded(blocks) => blocks.len(),
            Self::Rendezvous(zero) => zero.len(),
        }
    }

    fn capacity(&self) -> Option<usize> {
        match self {
            Self::Bounded(ring) => Some(ring.capacity()),
            Self::Unbounded(_) => None,
            Self::Rendezvous(_) => Some(0),
        }
    }

    fn is_rendezvous(&self) -> bool {
        matches!(self, Self::Rendezvous(_))
    }

    fn take_all(&mut self) -> Taken<T> {
        match self {
            Self::Bounded(ring) => Taken::Ring(ring.take_all()),
            Self::Unbounded(blocks) => Taken::Blocks(blocks.take_all()),
            Self::Rendezvous(zero) => Taken::Ring(zero.take_all()),
        }
    }
}

/// Entries moved off a list under the lock, to be woken after unlocking:
/// at most a sender and a receiver.
#[must_use = "the entries must be woken"]
pub(crate) struct Wake<T> {
    first: Option<Arc<Entry<T>>>,
    second: Option<Arc<Entry<T>>>,
}

impl<T> Wake<T> {
    const NONE: Self = Self {
        first: None,
        second: None,
    };

    /// Whether there is nobody to wake.
    #[inline(always)]
    fn is_empty(&self) -> bool {
        self.first.is_none() && self.second.is_none()
    }

    #[inline]
    fn one(entry: Option<Arc<Entry<T>>>) -> Self {
        Self {
            first: entry,
            second: None,
        }
    }

    /// Wakes both; the second even if waking the first panics.
    #[inline(always)]
    pub(crate) fn wake(self) {
        if self.is_empty() {
            return;
        }
        wake_all([self.first, self.second].into_iter());
    }
}

/// The plain state behind the lock.
#[derive(Debug)]
struct State<T> {
    buffer: Buffer<T>,
    closed: bool,
    senders: WaitList<T>,
    receivers: WaitList<T>,
}

impl<T> State<T> {
    /// Notifies the first listed receiver, if any: returns it to be woken.
    #[inline]
    fn notify_receiver(&mut self) -> Option<Arc<Entry<T>>> {
        let entry = self.receivers.pop()?;
        entry.set(NOTIFIED);
        Some(entry)
    }

    /// Offers `msg` to the channel, which must be open: hands it to a
    /// blocked receiving thread if one waits and nothing is buffered ahead
    /// of it (it wakes with the message, without locking again to take
    /// it; a rendezvous has no buffer, so always), or pushes it into the
    /// buffer. Gives it back when neither can take it now.
    #[inline(always)]
    fn offer(&mut self, msg: T) -> Result<Wake<T>, T> {
        if self.receivers.has_accepting() && self.buffer.len() == 0 {
            return Ok(self.hand_off(msg));
        }
        self.buffer.push(msg)?;
        Ok(Wake::one(self.notify_receiver()))
    }

    /// `offer`'s hand-off to a blocked receiving thread (one is listed).
    /// Out of line, so that `offer` stays small enough to be inlined into
    /// every send's fast path.
    #[inline(never)]
    fn hand_off(&mut self, msg: T) -> Wake<T> {
        let entry = self.receivers.pop_accepting().expect("one accepts");
        // SAFETY: we hold the lock and the entry was listed until the line above, and `set` below is what gives the cell to its owner.
        unsafe { entry.fill_listed(msg) };
        entry.set(FILLED);
        Wake::one(Some(entry))
    }

    /// Takes the next message: from the buffer (moving the first waiting
    /// sender's message in behind it), or, with nothing buffered, from the
    /// first waiting sender (rendezvous).
    #[inline(always)]
    fn take(&mut self) -> Option<(T, Wake<T>)> {
        if self.senders.is_empty() {
            return self.buffer.pop().map(|msg| (msg, Wake::NONE));
        }
        self.take_with_senders()
    }

    /// `take` with senders waiting: out of line, so that `take` stays small
    /// enough to be inlined into every receive's fast path.
    #[inline(never)]
    fn take_with_senders(&mut self) -> Option<(T, Wake<T>)> {
        if let Some(msg) = self.buffer.pop() {
            if self.buffer.is_rendezvous() {
                // A message put back (see `Chan::put_back`): no room was
                // made, the senders wait on.
                return Some((msg, Wake::NONE));
            }
            let sender = self.senders.pop().expect("not empty");
            // SAFETY: we hold the lock and the entry was listed until the line above; `set` below gives it back to its owner.
            let moved = unsafe { sender.take_listed() };
            sender.set(SENT);
            // The pop made room, so the push succeeds.
            let pushed = self.buffer.push(moved);
            debug_assert!(pushed.is_ok(), "a pop makes room for one push");
            let receiver = self.notify_receiver();
            return Some((
                msg,
                Wake {
                    first: Some(sender),
                    second: receiver,
                },
            ));
        }
        let sender = self.senders.pop()?;
        // SAFETY: as above.
        let msg = unsafe { sender.take_listed() };
        sender.set(SENT);
        Some((msg, Wake::one(Some(sender))))
    }

    /// `take`, or why there is nothing: the locked part of a `try_recv`.
    #[inline(always)]
    fn try_take(&mut self) -> Result<(T, Wake<T>), TryRecvError> {
        match self.take() {
            Some(taken) => Ok(taken),
            None if self.closed => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Whether a receive would find something now.
    #[inline]
    fn has_ready(&self) -> bool {
        self.buffer.len() > 0 || !self.senders.is_empty()
    }

    /// Closes the channel: finishes every waiting sender and notifies every
    /// waiting receiver. Returns them to be woken, and whether this call
    /// closed it.
    fn close(&mut self) -> (bool, Woken<T>) {
        let was_open = !self.closed;
        self.closed = true;
        let senders = self.senders.take_all();
        for sender in &senders {
            sender.set(CLOSED);
        }
        let receivers = self.receivers.take_all();
        for receiver in &receivers {
            receiver.set(NOTIFIED);
        }
        (was_open, Woken(senders, receivers))
    }
}

/// Everyone a close took off the lists, to be woken after unlocking.
#[must_use = "the entries must be woken"]
struct Woken<T>(VecDeque<Arc<Entry<T>>>, VecDeque<Arc<Entry<T>>>);

impl<T> Woken<T> {
    fn wake(self) {
        wake_all(self.0.into_iter().chain(self.1).map(Some));
    }
}

/// The shared core of an mpmc channel.
#[derive(Debug)]
pub(crate) struct Chan<T> {
    state: Lock<State<T>>,
    capacity: Option<usize>,
    /// Whether blocking calls snooze before they wait (`block::batches`).
    #[cfg(feature = "std")]
    batches: bool,
    senders: AtomicUsize,
    receivers: AtomicUsize,
}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver.
    pub(crate) fn new(buffer: Buffer<T>) -> Self {
        Self {
            capacity: buffer.capacity(),
            #[cfg(feature = "std")]
            batches: crate::wait::block::batches(buffer.capacity()),
            state: Lock::new(State {
                buffer,
                closed: false,
                senders: WaitList::new(),
                receivers: WaitList::new(),
            }),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
        }
    }

    // ---- handle counts ----

    pub(crate) fn sender_count(&self) -> usize {
        self.senders.load(Relaxed)
    }

    pub(crate) fn receiver_count(&self) -> usize {
        self.receivers.load(Relaxed)
    }

    pub(crate) fn add_sender(&self) {
        // ORDERING: a new handle is made from an existing one, which keeps
        // the count above zero; nothing is published.
        let old = self.senders.fetch_add(1, Relaxed);
        assert!(old < usize::MAX / 2, "too many senders");
    }

    /// For a weak sender: a new sender if any sender is still alive.
    pub(crate) fn try_add_sender(&self) -> bool {
        let mut count = self.senders.load(Relaxed);
        loop {
            if count == 0 {
                return false;
            }
            assert!(count < usize::MAX / 2, "too many senders");
            // ORDERING: as in `add_sender`; the failure load is Relaxed too.
            match self
                .senders
                .compare_exchange_weak(count, count + 1, Relaxed, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => count = now,
            }
        }
    }

    pub(crate) fn add_receiver(&self) {
        // ORDERING: as in `add_sender`.
        let old = self.receivers.fetch_add(1, Relaxed);
        assert!(old < usize::MAX / 2, "too many receivers");
    }

    /// A sender is gone; the last one closes the channel.
    pub(crate) fn drop_sender(&self) {
        // ORDERING: AcqRel so the last one to leave sees every other
        // sender's work (the lock below orders the rest).
        if self.senders.fetch_sub(1, AcqRel) == 1 {
            self.close();
        }
    }

    /// A receiver is gone; the last one closes the channel and drops what
    /// is buffered, at once.
    pub(crate) fn drop_receiver(&self) {
        // ORDERING: as in `drop_sender`.
        if self.receivers.fetch_sub(1, AcqRel) == 1 {
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

    pub(crate) fn is_full(&self) -> bool {
        match self.capacity {
            Some(cap) => self.len() >= cap,
            None => false,
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.with(|state| state.closed)
    }

    /// Closes the channel; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        let (closed_now, woken) = self.state.with(State::close);
        woken.wake();
        closed_now
    }

    // ---- sending: see `Queue` below and `queue/send.rs` ----

    // ---- receiving ----

    #[inline(always)]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        // The locked section is always inlined: left to itself, LLVM
        // outlined it whenever the code around it grew a little (seq
        // send+recv went from 133 to 156 instructions when the hand-over
        // after it was added).
        let taken = self.state.with(
            #[inline(always)]
            |state| state.try_take(),
        );
        match taken {
            Ok((msg, wake)) => Ok(self.deliver(msg, wake)),
            Err(err) => Err(err),
        }
    }

    /// Hands a message that a receive took over to its caller, after
    /// waking whom the take left to wake. A wake is user code and may
    /// panic: then the message goes back to the front of the channel
    /// ([`put_back`](Self::put_back)) while the panic unwinds, so a
    /// panicking waker never consumes a message.
    #[inline(always)]
    fn deliver(&self, msg: T, wake: Wake<T>) -> T {
        if wake.is_empty() {
            return msg;
        }
        self.deliver_waking(msg, wake)
    }

    /// `deliver` with someone to wake: out of line, so that the receive's
    /// fast path stays small. (Not `#[cold]`: every receive of a hand-off,
    /// a full `bounded(1)` say, comes here.)
    #[inline(never)]
    fn deliver_waking(&self, msg: T, wake: Wake<T>) -> T {
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
    fn put_back(&self, msgs: impl IntoIterator<Item = T, IntoIter: DoubleEndedIterator>) {
        let mut woken = Vec::new();
        self.state.with(|state| {
            for msg in msgs.into_iter().rev() {
                state.buffer.push_front(msg);
                woken.extend(state.notify_receiver());
            }
        });
        wake_all(woken.into_iter().map(Some));
    }

    /// Takes every message buffered now, in one locked section, as that
    /// many receives would (each moves a waiting sender in behind, if one
    /// waits). Messages waiting with their senders in a rendezvous are not
    /// buffered, so not taken.
    pub(crate) fn drain(&self) -> VecDeque<T> {
        let mut msgs = VecDeque::new();
        let mut woken = Vec::new();
        self.state.with(|state| {
            let len = state.buffer.len();
            msgs.reserve_exact(len);
            for _ in 0..len {
                let (msg, wake) = state.take().expect("buffered");
                msgs.push_back(msg);
                woken.extend(wake.first);
                woken.extend(wake.second);
            }
        });
        if woken.is_empty() {
            return msgs;
        }
        self.deliver_after(msgs, || wake_all(woken.into_iter().map(Some)))
    }

    /// One poll of a receive. `entry` holds the waiter while it waits;
    /// `handoff` says whether a rendezvous sender may put its message
    /// straight into it (blocked threads only: see `waitlist.rs`).
    /// `Ready(None)`: the channel is closed and drained.
    pub(crate) fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        entry: &mut Option<Arc<Entry<T>>>,
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
                    (state.has_ready() || state.closed) && state.receivers.remove(waiting)
                });
                if !ready {
                    state = waiting.state();
                    if state == WAITING {
                        return Poll::Pending;
                    }
                }
            }
            let waiting = entry.take().expect("checked above");
            if state == FILLED {
                // SAFETY: we own the entry and read FILLED with Acquire.
                return Poll::Ready(Some(unsafe { waiting.take_owned() }));
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
        let waiting = Entry::new(handoff, cx.waker());
        let taken = self.state.with(|state| match state.take() {
            Some(taken) => Some(Some(taken)),
            None if state.closed => Some(None),
            None => {
                state.receivers.push(waiting.clone());
                None
            }
        });
        match taken {
            Some(Some((msg, wake))) => Poll::Ready(Some(self.deliver(msg, wake))),
            Some(None) => Poll::Ready(None),
            None => {
                *entry = Some(waiting);
                Poll::Pending
            }
        }
    }

    /// Withdraws a waiting receive (its future was dropped, or its deadline
    /// passed). Returns a message handed to it meanwhile, which the caller
    /// must return (only entries that accept a hand-off can get one). A
    /// receive that was notified but gives up passes the notification on
    /// if something is still ready.
    pub(crate) fn cancel_recv(&self, entry: Arc<Entry<T>>) -> Option<T> {
        if entry.state() == WAITING && self.state.with(|state| state.receivers.remove(&entry)) {
            return None;
        }
        match entry.state() {
            // SAFETY: we own the entry and read FILLED with Acquire.
            FILLED => Some(unsafe { entry.take_owned() }),
            _ => {
                let next = self.state.with(|state| {
                    if state.has_ready() {
                        state.notify_receiver()
                    } else {
                        None
                    }
                });
                Wake::one(next).wake();
                None
            }
        }
    }

    // ---- blocking ----

    /// Receives, blocking the thread until done or until `deadline`.
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn recv_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        match self.try_recv() {
            Ok(msg) => Ok(msg),
            Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => self.recv_slow(deadline),
        }
    }

    /// `recv_until` once the channel was found empty: the blocking driver
    /// runs the receive as an [`Op`](crate::wait::block::Op).
    #[cfg(feature = "std")]
    #[inline(never)]
    fn recv_slow(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
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

/// A blocking receive: its waiter entry, which accepts a hand-off (a
/// blocked thread takes a message as soon as it wakes).
#[cfg(feature = "std")]
struct BlockingRecv<'a, T> {
    chan: &'a Chan<T>,
    entry: Option<Arc<Entry<T>>>,
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
}

impl<T> AfterUnlock for Wake<T> {
    #[inline(always)]
    fn run_after_unlock(self) {
        self.wake();
    }
}

/// How an mpmc channel offers a message: into its buffer, or straight to
/// a blocked receiving thread (`State::offer`).
impl<T> Queue<T> for Chan<T> {
    type After = Wake<T>;

    // Always inlined: a send that finds room is this and nothing else.
    #[inline(always)]
    fn try_send(&self, msg: T) -> Result<(), Refused<T>> {
        // Always inlined, as `try_recv`'s.
        let sent = self.state.with(
            #[inline(always)]
            |state| {
                if state.closed {
                    return Err(Refused::Closed(msg));
                }
                state.offer(msg).map_err(Refused::Full)
            },
        );
        sent.map(Wake::wake)
    }

    fn offer_or_list(&self, msg: T, entry: &Arc<Entry<T>>) -> (Offered<T>, Wake<T>) {
        self.state.with(|state| {
            if state.closed {
                return (Offered::Closed(msg), Wake::NONE);
            }
            match state.offer(msg) {
                Ok(wake) => (Offered::Sent, wake),
                Err(msg) => {
                    // SAFETY: the entry is new and ours alone until it is listed on the next line, under the lock we hold.
                    unsafe { entry.fill_listed(msg) };
                    state.senders.push(entry.clone());
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

    #[cfg(feature = "std")]
    fn batches(&self) -> bool {
        self.batches
    }
}

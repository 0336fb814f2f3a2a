//! An mpmc channel's plain state: the flavor's buffer, the `closed` flag
//! and the two wait lists, with the moves a locked section makes on them.
//! No atomics of its own and no threads: [`chan`](super::chan) holds it
//! behind the lock and does what these moves leave for after unlocking
//! ([`Wake`], [`Woken`]). The rules it keeps are `chan.rs`'s (its module
//! docs); the unit tests below check them without threads.

use alloc::collections::VecDeque;
use core::task::Waker;

use super::rendezvous::Zero;
use super::ring::Ring;
#[cfg(feature = "std")]
use super::timer::Timer;
use crate::error::TryRecvError;
use crate::loom::sync::Arc;
use crate::queue::until;
use crate::queue::waitlist::{Entry, Served, WaitList, Waiting, Wakers, CLOSED, NOTIFIED, SENT};

/// The most slots that permits may hold at once on an unbounded channel
/// (a bounded one's capacity is its own cap): a reserve past it fails at
/// once, so the count never overflows.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 1;

/// A flavor's buffer. The only place that tells the flavors apart.
///
/// Every flavor has a ring: a bounded or unbounded channel's messages, or,
/// for the others, an empty ring that takes nothing ([`Ring::none`]). So
/// the fast paths ([`State::offer_at_once`], [`State::take_at_once`],
/// [`State::offer_quietly`], [`State::take_quietly`]) go to the ring
/// without testing the flavor: a rendezvous's or a timer's ring is always
/// empty and never has room, so they go on to the general paths. (Testing
/// the flavor cost 3 instructions a send and 3 a receive, callgrind, seq
/// `bounded(N)`.)
#[derive(Debug)]
pub(crate) struct Buffer<T> {
    ring: Ring<T>,
    kind: Kind<T>,
}

/// Which flavor a buffer is, with what the flavors that do not keep
/// their messages in the ring keep instead. (`repr(u8)`: an explicit tag
/// byte. Left to the compiler, the tag hid in a niche of the
/// rendezvous's `VecDeque`, and every `match` decoded it with 8
/// instructions.)
#[derive(Debug)]
#[repr(u8)]
enum Kind<T> {
    /// The messages are in the ring, at most its cap.
    Bounded,
    /// The messages are in the ring, which has no bound.
    Unbounded,
    Rendezvous(Zero<T>),
    /// `after`, `at`, `tick`, `never` (`timer.rs`).
    #[cfg(feature = "std")]
    Timer(Timer<T>),
}

impl<T> Buffer<T> {
    /// A bounded channel's: a ring of `cap >= 1` slots.
    pub(crate) fn bounded(cap: usize) -> Self {
        Self {
            ring: Ring::new(cap),
            kind: Kind::Bounded,
        }
    }

    /// An unbounded channel's: a ring without a bound.
    pub(crate) fn unbounded() -> Self {
        Self {
            ring: Ring::unbounded(),
            kind: Kind::Unbounded,
        }
    }

    /// A rendezvous channel's.
    pub(crate) fn rendezvous() -> Self {
        Self {
            ring: Ring::none(),
            kind: Kind::Rendezvous(Zero::new()),
        }
    }

    /// A timer channel's.
    #[cfg(feature = "std")]
    pub(crate) fn timer(timer: Timer<T>) -> Self {
        Self {
            ring: Ring::none(),
            kind: Kind::Timer(timer),
        }
    }

    #[cfg(feature = "std")]
    pub(crate) fn is_timer(&self) -> bool {
        matches!(self.kind, Kind::Timer(_))
    }

    #[inline(always)]
    pub(super) fn push(&mut self, msg: T) -> Result<(), T> {
        match &mut self.kind {
            Kind::Bounded | Kind::Unbounded => self.ring.push(msg),
            Kind::Rendezvous(zero) => zero.push(msg),
            #[cfg(feature = "std")]
            Kind::Timer(_) => Err(msg),
        }
    }

    #[inline(always)]
    pub(super) fn pop(&mut self) -> Option<T> {
        match &mut self.kind {
            Kind::Bounded | Kind::Unbounded => self.ring.pop(),
            Kind::Rendezvous(zero) => zero.pop(),
            #[cfg(feature = "std")]
            Kind::Timer(timer) => timer.pop(),
        }
    }

    /// Puts a message back at the front (see [`Chan::put_back`]).
    pub(super) fn push_front(&mut self, msg: T) {
        match &mut self.kind {
            Kind::Bounded | Kind::Unbounded => self.ring.push_front(msg),
            Kind::Rendezvous(zero) => zero.push_front(msg),
            #[cfg(feature = "std")]
            Kind::Timer(timer) => timer.push_front(msg),
        }
    }

    pub(super) fn len(&self) -> usize {
        match &self.kind {
            Kind::Bounded | Kind::Unbounded => self.ring.len(),
            Kind::Rendezvous(zero) => zero.len(),
            #[cfg(feature = "std")]
            Kind::Timer(timer) => timer.len(),
        }
    }

    pub(super) fn capacity(&self) -> Option<usize> {
        match &self.kind {
            Kind::Bounded => Some(self.ring.capacity()),
            Kind::Unbounded => None,
            Kind::Rendezvous(_) => Some(0),
            #[cfg(feature = "std")]
            Kind::Timer(timer) => Some(timer.capacity()),
        }
    }

    /// Whether a push would be taken now.
    pub(super) fn has_room(&self) -> bool {
        match &self.kind {
            Kind::Bounded => self.ring.has_room(),
            Kind::Unbounded => true,
            Kind::Rendezvous(_) => false,
            #[cfg(feature = "std")]
            Kind::Timer(_) => false,
        }
    }

    /// Reserves `n` (`>= 1`) free slots for permits, if there are that
    /// many: an unbounded buffer always has them, a rendezvous never.
    pub(super) fn reserve(&mut self, n: usize) -> bool {
        match &self.kind {
            Kind::Bounded => self.ring.reserve(n),
            Kind::Unbounded => true,
            Kind::Rendezvous(_) => false,
            #[cfg(feature = "std")]
            Kind::Timer(_) => false,
        }
    }

    /// The free slots of a buffer that cannot reserve a number of them
    /// (so not unbounded): those a waiting reserve is granted at once.
    pub(super) fn free(&self) -> usize {
        match &self.kind {
            Kind::Bounded => self.ring.free(),
            Kind::Unbounded | Kind::Rendezvous(_) => 0,
            #[cfg(feature = "std")]
            Kind::Timer(_) => 0,
        }
    }

    /// Gives back `n` slots that permits held, unused.
    pub(super) fn unreserve(&mut self, n: usize) {
        if let Kind::Bounded = self.kind {
            self.ring.unreserve(n);
        }
    }

    /// A permit's message, into the slot it held.
    pub(super) fn push_reserved(&mut self, msg: T) {
        match &self.kind {
            Kind::Bounded => self.ring.push_reserved(msg),
            Kind::Unbounded => self
                .ring
                .push(msg)
                .unwrap_or_else(|_| unreachable!("an unbounded ring takes every push")),
            Kind::Rendezvous(_) => unreachable!("a rendezvous has no slot to reserve"),
            #[cfg(feature = "std")]
            Kind::Timer(_) => unreachable!("a timer has no slot to reserve"),
        }
    }

    /// `force_send` on a full buffer: evicts the oldest message for `msg`
    /// (a bounded ring), or gives `msg` back (nothing to evict).
    pub(super) fn replace_oldest(&mut self, msg: T) -> T {
        match &self.kind {
            Kind::Bounded => self.ring.replace_oldest(msg),
            Kind::Unbounded => unreachable!("an unbounded buffer takes every offer"),
            _ => msg,
        }
    }

    /// A message sent by a select on a rendezvous that a receiver was
    /// waiting for (`Chan::send_paired`): it waits here, behind any put
    /// back, for the next receive.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
    pub(super) fn push_paired(&mut self, msg: T) {
        match &mut self.kind {
            Kind::Rendezvous(zero) => zero.push_back(msg),
            _ => unreachable!("only a rendezvous pairs"),
        }
    }

    /// When a timer's next message falls due (`None`: not a timer, or
    /// none will).
    #[cfg(feature = "std")]
    pub(super) fn due(&self) -> Option<std::time::Instant> {
        match &self.kind {
            Kind::Timer(timer) => timer.due(),
            _ => None,
        }
    }

    /// The ring: the fast paths'. Empty, and without room, unless the
    /// channel is bounded or unbounded (see the type's docs).
    #[inline(always)]
    pub(super) fn ring_mut(&mut self) -> &mut Ring<T> {
        &mut self.ring
    }

    pub(super) fn is_rendezvous(&self) -> bool {
        matches!(self.kind, Kind::Rendezvous(_))
    }

    /// Whether the messages are in the ring (bounded or unbounded).
    #[inline(always)]
    pub(super) fn is_ring(&self) -> bool {
        matches!(self.kind, Kind::Bounded | Kind::Unbounded)
    }

    /// Moves every message out, to be dropped after unlocking.
    pub(super) fn take_all(&mut self) -> VecDeque<T> {
        match &mut self.kind {
            Kind::Bounded | Kind::Unbounded => self.ring.take_all(),
            Kind::Rendezvous(zero) => zero.take_all(),
            #[cfg(feature = "std")]
            Kind::Timer(timer) => timer.take_all(),
        }
    }
}

/// A message a receive's locked section took.
pub(crate) enum Took<T> {
    /// Nobody to wake: return it.
    Quiet(T),
    /// Hand it over after waking (`Chan::deliver`).
    Waking(T, Wake),
}

#[cfg(all(test, not(tidings_loom)))]
impl<T> Took<T> {
    fn into_msg(self) -> T {
        match self {
            Self::Quiet(msg) | Self::Waking(msg, _) => msg,
        }
    }
}

/// The wakers of entries moved off a list under the lock, to be woken
/// after unlocking: at most a sender's and a receiver's.
#[must_use = "the wakers must be woken"]
pub(crate) struct Wake {
    pub(super) first: Option<Waker>,
    pub(super) second: Option<Waker>,
}

impl Wake {
    pub(super) const NONE: Self = Self {
        first: None,
        second: None,
    };

    /// Whether there is nobody to wake.
    #[inline(always)]
    pub(super) fn is_empty(&self) -> bool {
        self.first.is_none() && self.second.is_none()
    }

    #[inline]
    pub(super) fn one(waker: Option<Waker>) -> Self {
        Self {
            first: waker,
            second: None,
        }
    }

    /// Wakes both; the second even if waking the first panics.
    #[inline(always)]
    pub(crate) fn wake(self) {
        if self.is_empty() {
            return;
        }
        self.wake_some();
    }

    /// `wake` with someone to wake: out of line, so that the operations
    /// that inline `wake` stay small enough to be inlined themselves (a
    /// send future's poll into the future awaiting it). It does for two
    /// what `wake_all` does for any number (the second is woken even if
    /// the first's wake panics), written out: `wake_all` over the array's
    /// iterator, out of line, took 65 instructions a wake (callgrind,
    /// current-thread tokio over `bounded(1)`).
    #[inline(never)]
    fn wake_some(self) {
        /// Wakes the second when dropped: also while a panic of the
        /// first's wake unwinds.
        struct Second(Option<Waker>);
        impl Drop for Second {
            fn drop(&mut self) {
                if let Some(waker) = self.0.take() {
                    waker.wake();
                }
            }
        }
        let _second = Second(self.second);
        if let Some(waker) = self.first {
            waker.wake();
        }
    }
}

/// The plain state behind the lock.
#[derive(Debug)]
pub(crate) struct State<T> {
    pub(super) buffer: Buffer<T>,
    pub(super) closed: bool,
    pub(super) senders: WaitList<T>,
    pub(super) receivers: WaitList<T>,
    /// Senders waiting for the channel to close (`queue::until`).
    pub(super) closing: WaitList<()>,
    /// Selects waiting to send on a rendezvous (`mpmc/select.rs`): they
    /// have no message yet, and wait for a receiver to wait. Entries
    /// without a message; always empty for the other flavors.
    pub(super) pairing: WaitList<T>,
    /// Slots that permits hold (`permit.rs`), those granted to reserves
    /// still waiting for more included. Receivers see the end of a closed
    /// channel only once it is 0: a permit may still send.
    pub(super) permits: usize,
}

impl<T> State<T> {
    /// Notifies the first listed receiver, if any: returns its waker.
    #[inline]
    pub(super) fn notify_receiver(&mut self) -> Option<Waker> {
        self.receivers.notify_first(NOTIFIED)
    }

    /// Lists a waiting receiver. On a rendezvous, a select waiting to
    /// send is told a receiver now waits (`SENT`): returns its waker.
    pub(super) fn list_receiver(&mut self, entry: Arc<Entry<T>>) -> Option<Waker> {
        self.receivers.push(entry);
        if self.pairing.is_empty() {
            return None;
        }
        self.pairing.notify_first(SENT)
    }

    /// [`list_receiver`](Self::list_receiver) for a select's receive, of
    /// `group`: a send of the same select is not told (it cannot go to
    /// its own receive).
    #[cfg(feature = "std")]
    pub(super) fn list_select_receiver(
        &mut self,
        entry: Arc<Entry<T>>,
        group: &crate::wait::claim::Group,
    ) -> Option<Waker> {
        self.receivers.push(entry);
        if self.pairing.is_empty() {
            return None;
        }
        self.pairing.notify_first_except(SENT, group)
    }

    /// Offers `msg` to the channel, which must be open: hands it to a
    /// blocked receiving thread if one waits and nothing is buffered ahead
    /// of it (it wakes with the message, without locking again to take
    /// it; a rendezvous has no buffer, so always), or pushes it into the
    /// buffer. Gives it back when neither can take it now.
    #[inline(always)]
    pub(super) fn offer(&mut self, msg: T) -> Result<Wake, T> {
        self.offer_quietly(msg)
            .map(|wake| wake.unwrap_or(Wake::NONE))
    }

    /// [`offer`](Self::offer), telling "nobody to wake" (the fast path:
    /// a ring with no receiver listed, so nobody to hand to or notify)
    /// apart as `None`, which costs the code after unlocking one test
    /// where an empty `Wake` costs several. Everything else is out of
    /// line.
    #[inline(always)]
    pub(super) fn offer_quietly(&mut self, msg: T) -> Result<Option<Wake>, T> {
        let mut msg = msg;
        if self.receivers.is_empty() {
            // A rendezvous's or a timer's ring refuses it: go on.
            match self.buffer.ring_mut().push(msg) {
                Ok(()) => return Ok(None),
                Err(full) if self.buffer.is_ring() => return Err(full),
                Err(refused) => msg = refused,
            }
        }
        self.offer_listed(msg).map(Some)
    }

    /// A blocking send's fast path (`Chan::send_until`): on an open ring
    /// with no receiver listed, pushes `msg` into a slot already
    /// allocated; nothing to wake, and no call. Gives it back where that
    /// does not apply.
    #[inline(always)]
    pub(super) fn offer_at_once(&mut self, msg: T) -> Result<(), T> {
        if self.closed || !self.receivers.is_empty() {
            return Err(msg);
        }
        self.buffer.ring_mut().push_allocated(msg)
    }

    /// `offer` past its fast path: a receiver is listed, or the buffer is
    /// not a ring.
    #[inline(never)]
    fn offer_listed(&mut self, msg: T) -> Result<Wake, T> {
        if self.receivers.has_accepting() && self.buffer.len() == 0 {
            // Unwrapped and wrapped again on purpose: returning the result
            // as it is makes LLVM merge this path with the buffer's, and
            // costs every send 2 instructions (callgrind, seq bounded).
            #[allow(clippy::needless_question_mark)]
            return Ok(self.hand_off(msg)?);
        }
        self.buffer.push(msg)?;
        Ok(Wake::one(self.notify_receiver()))
    }

    /// `offer` that makes room (`force_send`): when the buffer is full,
    /// the oldest message is evicted and comes back with the wakes; on a
    /// rendezvous with nobody to take it, `msg` itself comes back. The
    /// channel must be open.
    pub(super) fn force(&mut self, msg: T) -> (Option<T>, Wake) {
        let msg = match self.offer(msg) {
            Ok(wake) => return (None, wake),
            Err(msg) => msg,
        };
        // Full: nobody waits to receive (a receiver would have taken
        // what is buffered), so the count of ready messages is unchanged
        // and nobody is to be told.
        (Some(self.buffer.replace_oldest(msg)), Wake::NONE)
    }

    /// `offer`'s hand-off to a blocked receiving thread (one is listed,
    /// but might be passed over: the entry of a wait on several channels
    /// that another channel claimed; then the message goes to the buffer
    /// after all, or comes back). Inlined into `offer_listed`, its one
    /// caller, which is out of line.
    #[inline(always)]
    fn hand_off(&mut self, msg: T) -> Result<Wake, T> {
        if !self.senders.is_empty() && !self.buffer.is_rendezvous() {
            // Senders wait for slots that permits hold: this message
            // waits behind them rather than passing them.
            self.buffer.push(msg)?;
            return Ok(Wake::one(self.notify_receiver()));
        }
        match self.receivers.hand_off(msg) {
            Ok(receiver) => Ok(Wake::one(receiver)),
            Err(msg) => {
                self.buffer.push(msg)?;
                Ok(Wake::one(self.notify_receiver()))
            }
        }
    }

    /// Takes the next message: from the buffer (moving the first waiting
    /// sender's message in behind it), or, with nothing buffered, from the
    /// first waiting sender (rendezvous).
    #[inline(always)]
    pub(super) fn take(&mut self) -> Option<(T, Wake)> {
        match self.take_quietly() {
            Some(Some(msg)) => Some((msg, Wake::NONE)),
            Some(None) => None,
            None => self.take_listed(),
        }
    }

    /// The fast path of a receive: on a ring with no sender listed, the
    /// ring's next message (`Some(None)`: it is empty), with nobody to
    /// wake; `None` where it does not apply.
    #[inline(always)]
    fn take_quietly(&mut self) -> Option<Option<T>> {
        if !self.senders.is_empty() {
            return None;
        }
        match self.buffer.ring_mut().pop() {
            Some(msg) => Some(Some(msg)),
            // An empty ring, or a rendezvous's or a timer's: go on.
            None if self.buffer.is_ring() => Some(None),
            None => None,
        }
    }

    /// A blocking receive's fast path (`Chan::recv_until`): on a ring
    /// with no sender listed, its next message, if taking it leaves the
    /// ring its slots (no shrink); nothing to wake, and no call. `None`
    /// where that does not apply, the ring being empty included.
    #[inline(always)]
    pub(super) fn take_at_once(&mut self) -> Option<T> {
        if !self.senders.is_empty() {
            return None;
        }
        self.buffer.ring_mut().pop_kept()
    }

    /// `take` past its fast path: a sender is listed, or the buffer is
    /// not a ring.
    #[inline(never)]
    fn take_listed(&mut self) -> Option<(T, Wake)> {
        if self.senders.is_empty() {
            return self.buffer.pop().map(|msg| (msg, Wake::NONE));
        }
        self.take_with_senders()
    }

    /// `take` with senders waiting. Inlined into `take_listed`, its one
    /// caller, which is out of line.
    #[inline(always)]
    fn take_with_senders(&mut self) -> Option<(T, Wake)> {
        if let Some(msg) = self.buffer.pop() {
            if !self.buffer.has_room() {
                // The buffer held more than it may (messages put back, see
                // `Chan::put_back`; a rendezvous holds only those): no room
                // was made, the senders wait on.
                return Some((msg, Wake::NONE));
            }
            // The slot the pop made goes to the first waiting sender (a
            // send moves its message in; a reserve is granted it). (None if
            // every listed sender was passed over: the entries of waits on
            // several channels that another channel claimed.)
            let wake = match self.senders.serve_sender() {
                None => Wake::NONE,
                Some(Served::Message(moved, sender)) => {
                    // The pop made room, so the push succeeds.
                    let pushed = self.buffer.push(moved);
                    debug_assert!(pushed.is_ok(), "a pop makes room for one push");
                    Wake {
                        first: sender,
                        second: self.notify_receiver(),
                    }
                }
                Some(Served::Slot(reserve)) => {
                    self.grant_one();
                    Wake::one(reserve)
                }
            };
            return Some((msg, wake));
        }
        if !self.buffer.is_rendezvous() {
            // Senders wait on a bounded channel whose every slot permits
            // hold: their messages wait for those slots, as a sender's
            // would behind a full buffer.
            return None;
        }
        let (msg, sender) = self.senders.pop_sender()?;
        Some((msg, Wake::one(sender)))
    }

    // ---- permits (`permit.rs`) ----

    /// A permit's slot, granted to the first waiting reserve: taken from
    /// the room a receive just made.
    fn grant_one(&mut self) {
        let reserved = self.buffer.reserve(1);
        debug_assert!(reserved, "a receive made room for one");
        self.permits += 1;
    }

    /// Reserves `n` (`>= 1`) slots now, if that many are free and nobody
    /// waits ahead (the channel must be open). A waiting sender means no
    /// slot is free (each freed slot goes to the first of them), so a new
    /// reserve or send never passes them.
    pub(super) fn reserve(&mut self, n: usize) -> bool {
        // A bounded buffer's permits never pass its capacity (they hold
        // its slots); an unbounded one's are capped, see `MAX_PERMITS`.
        let unbounded = self.buffer.capacity().is_none();
        if unbounded && !matches!(self.permits.checked_add(n), Some(p) if p <= MAX_PERMITS) {
            return false;
        }
        if !self.buffer.reserve(n) {
            return false;
        }
        self.permits += n;
        true
    }

    /// Reserves `n` slots now (`Some(true)`), or lists `entry` (new) to
    /// wait for them (`None`); an unbounded channel refuses past
    /// `MAX_PERMITS` (`Some(false)`). The channel must be open. A
    /// listed reserve is granted at once the slots that are free (fewer
    /// than `n`), so that no slot stays free while a sender waits: each
    /// slot freed later goes to the first waiting sender.
    pub(super) fn reserve_or_list(&mut self, n: usize, entry: &Waiting<T>) -> Option<bool> {
        if self.reserve(n) {
            return Some(true);
        }
        if self.buffer.capacity().is_none() {
            // Unbounded: refused only past `MAX_PERMITS`; no wait would
            // end sooner than permits are given back, so it fails now.
            return Some(false);
        }
        let free = self.buffer.free();
        if free > 0 {
            let reserved = self.reserve(free);
            debug_assert!(reserved, "they are free");
        }
        self.senders.push_reserve(entry, n, free);
        None
    }

    /// Permits give back `n` slots unused (dropped, or a waiting reserve
    /// withdrawn): each goes to the first waiting sender, if any; the
    /// wakes they owe go to `woken`. The last permit of a closed channel
    /// lets its receivers see the end.
    pub(super) fn release(&mut self, n: usize, woken: &mut Wakers) {
        self.permits -= n;
        self.buffer.unreserve(n);
        if self.closed {
            self.ended_now(woken);
            return;
        }
        while self.buffer.has_room() {
            match self.senders.serve_sender() {
                None => break,
                Some(Served::Message(moved, sender)) => {
                    let pushed = self.buffer.push(moved);
                    debug_assert!(pushed.is_ok(), "checked for room");
                    woken.extend(sender);
                    woken.extend(self.notify_receiver());
                }
                Some(Served::Slot(reserve)) => {
                    self.grant_one();
                    woken.extend(reserve);
                }
            }
        }
    }

    /// A permit sends `msg` into the slot it holds, closed channel or not
    /// (the permit was given while it was open): as a send would (to a
    /// blocked receiving thread, or into the buffer), with the wakes it
    /// owes in `woken`. The last permit of a closed channel lets its
    /// receivers see the end.
    pub(super) fn send_reserved(&mut self, mut msg: T, woken: &mut Wakers) {
        if self.receivers.has_accepting() && self.buffer.len() == 0 {
            match self.receivers.hand_off(msg) {
                Ok(receiver) => {
                    // Handed over: the slot is free again.
                    woken.extend(receiver);
                    self.release(1, woken);
                    return;
                }
                Err(back) => msg = back,
            }
        }
        self.permits -= 1;
        self.buffer.push_reserved(msg);
        woken.extend(self.notify_receiver());
        if self.closed {
            self.ended_now(woken);
        }
    }

    /// A closed channel whose last permit is gone: every waiting receiver
    /// is told, to drain what is buffered and see the end.
    fn ended_now(&mut self, woken: &mut Wakers) {
        if self.permits == 0 {
            self.receivers.notify_all(NOTIFIED, woken);
        }
    }

    /// Whether receivers see the end once the buffer is drained: closed,
    /// and no permit left that may still send.
    #[inline]
    pub(super) fn ended(&self) -> bool {
        self.closed && self.permits == 0
    }

    /// Takes up to `n` messages, as that many [`take`](Self::take)s would,
    /// handing each to `out` in order; the wakes they owe go to `woken`.
    /// Returns how many it took (fewer than `n` once nothing is ready).
    pub(super) fn take_up_to(
        &mut self,
        n: usize,
        mut out: impl FnMut(T),
        woken: &mut Wakers,
    ) -> usize {
        for taken in 0..n {
            let Some((msg, wake)) = self.take() else {
                return taken;
            };
            out(msg);
            woken.extend(wake.first);
            woken.extend(wake.second);
        }
        n
    }

    /// `take`, or why there is nothing: the locked part of a `try_recv`.
    #[inline(always)]
    pub(super) fn try_take(&mut self) -> Result<Took<T>, TryRecvError> {
        // The fast path tells "nobody to wake" apart by the variant
        // rather than by an empty `Wake`, which the code after unlocking
        // would test again (8 instructions a receive).
        match self.take_quietly() {
            Some(Some(msg)) => Ok(Took::Quiet(msg)),
            Some(None) => Err(self.nothing_ready()),
            None => match self.take_listed() {
                Some((msg, wake)) => Ok(Took::Waking(msg, wake)),
                None => Err(self.nothing_ready()),
            },
        }
    }

    /// Why a receive finds nothing ready.
    #[inline(always)]
    fn nothing_ready(&self) -> TryRecvError {
        if self.ended() {
            TryRecvError::Disconnected
        } else {
            TryRecvError::Empty
        }
    }

    /// Whether a receive would find something now (senders waiting with
    /// their messages count only on a rendezvous: on a bounded channel
    /// they wait for room, see `take_with_senders`).
    #[inline]
    pub(super) fn has_ready(&self) -> bool {
        self.buffer.len() > 0 || (self.buffer.is_rendezvous() && !self.senders.is_empty())
    }

    /// Closes the channel: finishes every waiting sender and notifies every
    /// waiting receiver and every sender waiting for the close. Returns them to be woken, and whether this call
    /// closed it.
    pub(super) fn close(&mut self) -> (bool, Woken) {
        let was_open = !self.closed;
        self.closed = true;
        let mut woken = Woken(Wakers::new());
        // Reserves still waiting fail, and give back what they were
        // granted so far.
        let granted = self.senders.granted_to_waiting();
        self.permits -= granted;
        self.buffer.unreserve(granted);
        self.senders.notify_all(CLOSED, &mut woken.0);
        self.pairing.notify_all(CLOSED, &mut woken.0);
        self.receivers.notify_all(NOTIFIED, &mut woken.0);
        until::notify_all(&mut self.closing, &mut woken.0);
        (was_open, woken)
    }

    /// The list of senders waiting for the close.
    pub(super) fn closing(&mut self) -> &mut WaitList<()> {
        &mut self.closing
    }

    /// Whether a sender waiting for the close is done: the channel is
    /// closed (`None`: it cannot tell without the lock).
    pub(super) fn has_closed(state: Option<&Self>) -> bool {
        state.is_some_and(|state| state.closed)
    }
}

/// The wakers of everyone a close took off the lists, to be woken after
/// unlocking.
#[must_use = "the wakers must be woken"]
pub(crate) struct Woken(Wakers);

impl Woken {
    pub(super) fn wake(self) {
        self.0.wake();
    }
}

/// The state's moves, without threads: what each leaves in the buffer, in
/// the entries and for after unlocking.
#[cfg(all(test, not(tidings_loom)))]
mod tests {
    use super::*;
    use crate::queue::waitlist::counting_waker::{self, Count};
    use crate::queue::waitlist::{Grouped, Spare, FILLED, PASSED, SENT, WAITING};
    use crate::wait::claim::{Decided, Group};
    use alloc::vec::Vec;
    use std::sync::Arc; // shim-exempt: the test wakers' counts

    fn state(buffer: Buffer<u32>) -> State<u32> {
        State {
            buffer,
            closed: false,
            senders: WaitList::new(),
            receivers: WaitList::new(),
            closing: WaitList::new(),
            pairing: WaitList::new(),
            permits: 0,
        }
    }

    fn bounded(cap: usize) -> State<u32> {
        state(Buffer::bounded(cap))
    }

    fn state_rendezvous() -> State<u32> {
        state(Buffer::rendezvous())
    }

    /// A new waiter's entry: a receiving thread's (accepts a hand-off) or
    /// a future's; and the count of its waker's wakes.
    fn entry(accepts_handoff: bool) -> (Waiting<u32>, Arc<Count>) {
        let (waker, count) = counting_waker::new();
        (Waiting::new(accepts_handoff, &waker), count)
    }

    /// Wakes what a move left to wake; returns how many wakers that was.
    fn woken(wake: Wake) -> usize {
        let n = usize::from(wake.first.is_some()) + usize::from(wake.second.is_some());
        wake.wake();
        n
    }

    /// An entry of a wait on several channels whose claim was given up
    /// (another channel won it, say): every pop passes over it.
    fn passed_over(accepts_handoff: bool) -> (Group, Grouped<u32>) {
        let (waker, _) = counting_waker::new();
        let group = Group::new(&waker);
        let entry = Waiting::grouped(&Spare::new(), accepts_handoff, &group, 0);
        assert_eq!(group.give_up(), Decided::GaveUp);
        (group, entry)
    }

    #[test]
    fn a_send_buffers_what_a_passed_over_receiver_cannot_take() {
        let mut state = bounded(4);
        let (_group, thread) = passed_over(true);
        state.receivers.push(thread.share());
        assert_eq!(woken(state.offer(5).ok().unwrap()), 0, "nobody to wake");
        assert_eq!(thread.state(), PASSED);
        assert_eq!(state.buffer.len(), 1, "buffered instead");
        assert_eq!(state.take().map(|(msg, _)| msg), Some(5));

        let mut state = state_rendezvous();
        let (_group, thread) = passed_over(true);
        state.receivers.push(thread.share());
        assert_eq!(state.offer(6).err(), Some(6), "no buffer: it comes back");
        assert_eq!(thread.state(), PASSED);
    }

    #[test]
    fn a_receive_passes_over_a_waiting_sender_whose_claim_is_decided() {
        let mut state = bounded(1);
        assert!(state.offer(1).is_ok());
        let (_group, sender) = passed_over(false);
        state.senders.push_sender(&sender, 2);
        let (msg, wake) = state.take().expect("buffered");
        assert_eq!(msg, 1);
        assert_eq!(woken(wake), 0);
        assert_eq!(sender.state(), PASSED);
        assert_eq!(sender.take_owned(), Some(2), "its message stays its own");
        assert_eq!(state.buffer.len(), 0, "nothing moved in");
    }

    #[test]
    fn a_bounded_buffer_takes_cap_messages_in_order() {
        let mut state = bounded(2);
        assert_eq!(woken(state.offer(1).ok().unwrap()), 0);
        assert_eq!(woken(state.offer(2).ok().unwrap()), 0);
        assert_eq!(state.offer(3).err(), Some(3), "full");
        assert_eq!(state.take().map(|(msg, _)| msg), Some(1));
        assert_eq!(state.take().map(|(msg, _)| msg), Some(2));
        assert!(state.take().is_none());
        assert!(matches!(state.try_take(), Err(TryRecvError::Empty)));
    }

    #[test]
    fn an_unbounded_buffer_is_never_full() {
        let mut state = state(Buffer::unbounded());
        for i in 0..100 {
            assert!(state.offer(i).is_ok());
        }
        let got: Vec<u32> = core::iter::from_fn(|| state.take().map(|(msg, _)| msg)).collect();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn a_receive_moves_the_first_waiting_sender_in_behind_it() {
        let mut state = bounded(1);
        assert!(state.offer(1).is_ok());
        let (sender, wakes) = entry(false);
        state.senders.push_sender(&sender, 2);
        let (msg, wake) = state.take().expect("buffered");
        assert_eq!(msg, 1);
        assert_eq!(woken(wake), 1, "the sender, finished");
        assert_eq!(wakes.get(), 1);
        assert_eq!(sender.state(), SENT);
        assert_eq!(state.buffer.len(), 1, "its message moved in");
        assert!(state.senders.is_empty());
        assert_eq!(state.take().map(|(msg, _)| msg), Some(2));
    }

    #[test]
    fn a_rendezvous_receive_takes_from_the_waiting_sender() {
        let mut state = state(Buffer::rendezvous());
        assert_eq!(state.offer(1).err(), Some(1), "no buffer, nobody waiting");
        let (sender, wakes) = entry(false);
        state.senders.push_sender(&sender, 7);
        assert!(state.has_ready());
        let (msg, wake) = state.take().expect("from the sender");
        assert_eq!(msg, 7);
        assert_eq!(woken(wake), 1);
        assert_eq!(wakes.get(), 1);
        assert_eq!(sender.send_outcome().ok(), Some(()));
    }

    #[test]
    fn a_send_hands_off_to_a_blocked_thread_when_nothing_is_buffered() {
        let mut state = bounded(4);
        let (thread, wakes) = entry(true);
        state.receivers.push(thread.share());
        assert_eq!(woken(state.offer(5).ok().unwrap()), 1);
        assert_eq!(wakes.get(), 1);
        assert_eq!(thread.state(), FILLED);
        assert_eq!(state.buffer.len(), 0, "handed over, not buffered");
        assert_eq!(thread.take_owned(), Some(5));
        assert_eq!(thread.take_owned(), None, "taken once");
    }

    #[test]
    fn a_send_buffers_and_notifies_a_waiting_future() {
        let mut state = bounded(4);
        let (future, wakes) = entry(false);
        state.receivers.push(future.share());
        assert_eq!(woken(state.offer(5).ok().unwrap()), 1);
        assert_eq!(wakes.get(), 1);
        assert_eq!(future.state(), NOTIFIED);
        assert_eq!(future.take_owned(), None, "a notified entry holds nothing");
        assert_eq!(state.buffer.len(), 1);
    }

    #[test]
    fn close_finishes_senders_with_their_messages_and_notifies_receivers() {
        let mut state = bounded(1);
        assert!(state.offer(1).is_ok());
        let (sender, sender_wakes) = entry(false);
        state.senders.push_sender(&sender, 2);
        let (receiver, receiver_wakes) = entry(false);
        state.receivers.push(receiver.share());
        assert_eq!(receiver.state(), WAITING);
        let (closed_now, woken) = state.close();
        assert!(closed_now);
        assert_eq!(sender.send_outcome().err(), Some(2), "handed back");
        assert_eq!(receiver.state(), NOTIFIED);
        woken.wake();
        assert_eq!((sender_wakes.get(), receiver_wakes.get()), (1, 1));
        assert!(!state.close().0, "closed once");
        // What was buffered is still received, then the end.
        assert_eq!(state.try_take().ok().map(Took::into_msg), Some(1));
        assert!(matches!(state.try_take(), Err(TryRecvError::Disconnected)));
    }

    #[test]
    fn force_evicts_the_oldest_of_a_full_buffer_and_gives_a_rendezvous_message_back() {
        let mut state = bounded(2);
        assert_eq!(state.force(1).0, None);
        assert_eq!(state.force(2).0, None);
        assert_eq!(state.force(3).0, Some(1), "full: the oldest goes");
        assert_eq!(state.buffer.len(), 2);
        let taken: Vec<u32> = core::iter::from_fn(|| state.take().map(|(msg, _)| msg)).collect();
        assert_eq!(taken, [2, 3]);

        // Over capacity after a put-back: still one out, one in.
        let mut state = bounded(1);
        assert_eq!(state.force(1).0, None);
        state.buffer.push_front(0);
        assert_eq!(state.force(2).0, Some(0));
        let taken: Vec<u32> = core::iter::from_fn(|| state.take().map(|(msg, _)| msg)).collect();
        assert_eq!(taken, [1, 2]);

        let mut state = state_rendezvous();
        assert_eq!(state.force(1).0, Some(1), "nobody to take it");
        let (receiver, wakes) = entry(true);
        state.receivers.push(receiver.share());
        let (back, wake) = state.force(2);
        assert_eq!(back, None);
        assert_eq!(woken(wake), 1);
        assert_eq!(
            receiver.take_owned(),
            Some(2),
            "handed to the blocked receiver"
        );
        assert_eq!(wakes.get(), 1);
    }

    #[test]
    fn a_take_from_a_buffer_over_capacity_moves_no_waiting_sender_in() {
        // Full, with two senders waiting, and one message put back on top.
        let mut state = bounded(1);
        assert!(state.offer(1).is_ok());
        let (first, first_wakes) = entry(false);
        state.senders.push_sender(&first, 2);
        let (second, _) = entry(false);
        state.senders.push_sender(&second, 3);
        state.buffer.push_front(0);
        // The take leaves the buffer full: nobody moves in.
        let (msg, wake) = state.take().expect("buffered");
        assert_eq!((msg, woken(wake)), (0, 0));
        assert_eq!((first.state(), second.state()), (WAITING, WAITING));
        // The next one makes room: the first sender moves in.
        let (msg, wake) = state.take().expect("buffered");
        assert_eq!((msg, woken(wake)), (1, 1));
        assert_eq!((first.state(), first_wakes.get()), (SENT, 1));
        let taken: Vec<u32> = core::iter::from_fn(|| state.take().map(|(msg, _)| msg)).collect();
        assert_eq!(taken, [2, 3], "nothing lost, in order");
    }

    #[test]
    fn close_notifies_the_senders_waiting_for_it() {
        let mut state = bounded(1);
        let (waker, wakes) = counting_waker::new();
        let waiting = Waiting::<()>::new(false, &waker);
        state.closing().push(waiting.share());
        assert!(!State::has_closed(Some(&state)));
        assert!(
            !State::<u32>::has_closed(None),
            "cannot tell without the lock"
        );
        let (_, woken) = state.close();
        assert_eq!(waiting.state(), NOTIFIED);
        assert!(State::has_closed(Some(&state)));
        woken.wake();
        assert_eq!(wakes.get(), 1);
        assert!(state.closing.is_empty());
    }

    /// A new reserve's entry (a future's) and the count of its wakes.
    fn reserve_entry() -> (Waiting<u32>, Arc<Count>) {
        entry(false)
    }

    #[test]
    fn a_release_serves_the_waiting_senders_in_order() {
        let mut state = bounded(2);
        assert!(state.reserve(2), "two free slots");
        assert!(!state.reserve(1), "none left");
        let (reserve, reserve_wakes) = reserve_entry();
        assert_eq!(state.reserve_or_list(2, &reserve), None);
        let (sender, sender_wakes) = entry(false);
        state.senders.push_sender(&sender, 7);
        let mut woken = Wakers::new();
        state.release(1, &mut woken);
        assert_eq!(reserve.state(), WAITING, "one of its two slots");
        assert!(woken.is_empty());
        state.release(1, &mut woken);
        assert_eq!(reserve.state(), SENT, "granted both");
        woken.wake();
        assert_eq!((reserve_wakes.get(), sender_wakes.get()), (1, 0));
        assert_eq!(sender.state(), WAITING, "behind the reserve");
        assert_eq!(state.permits, 2);
        let mut woken = Wakers::new();
        state.send_reserved(1, &mut woken);
        state.release(1, &mut woken);
        assert_eq!(sender.state(), SENT, "the released slot took its message");
        woken.wake();
        assert_eq!(sender_wakes.get(), 1);
        assert_eq!(state.permits, 0);
        let taken: Vec<u32> = core::iter::from_fn(|| state.take().map(|(msg, _)| msg)).collect();
        assert_eq!(taken, [1, 7]);
    }

    #[test]
    fn a_listed_reserve_takes_the_free_slots_at_once() {
        let mut state = bounded(3);
        assert!(state.offer(1).is_ok());
        let (reserve, _) = reserve_entry();
        assert_eq!(
            state.reserve_or_list(3, &reserve),
            None,
            "two of three free"
        );
        assert_eq!(state.permits, 2);
        assert!(state.offer(2).is_err(), "no slot is left free");
        let (msg, wake) = state.take().expect("buffered");
        assert_eq!((msg, woken(wake)), (1, 1));
        assert_eq!(reserve.state(), SENT);
        assert_eq!(state.permits, 3);
    }

    #[test]
    fn close_takes_back_the_slots_of_waiting_reserves_and_ends_with_the_last_permit() {
        let mut state = bounded(2);
        assert!(state.reserve(1));
        let (reserve, _) = reserve_entry();
        assert_eq!(
            state.reserve_or_list(2, &reserve),
            None,
            "granted one of two"
        );
        assert_eq!(state.permits, 2);
        let (receiver, receiver_wakes) = entry(false);
        state.receivers.push(receiver.share());
        let (_, woken) = state.close();
        woken.wake();
        assert_eq!(reserve.state(), CLOSED);
        assert_eq!(state.permits, 1, "the waiting reserve's slot came back");
        assert!(!state.ended(), "a permit is left");
        assert!(matches!(state.try_take(), Err(TryRecvError::Empty)));
        let (again, again_wakes) = entry(false);
        state.receivers.push(again.share());
        let mut woken = Wakers::new();
        state.send_reserved(5, &mut woken);
        woken.wake();
        assert_eq!(again_wakes.get(), 1);
        assert_eq!(receiver_wakes.get(), 1);
        assert!(state.ended());
        assert_eq!(state.try_take().ok().map(Took::into_msg), Some(5));
        assert!(matches!(state.try_take(), Err(TryRecvError::Disconnected)));
    }

    #[test]
    #[should_panic(expected = "a new entry is listed")]
    fn an_entry_is_listed_once() {
        let mut state = bounded(1);
        let (sender, _) = entry(false);
        state.senders.push_sender(&sender, 1);
        state.senders.push_sender(&sender, 2);
    }
}

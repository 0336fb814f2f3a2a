//! The buffer of the bounded and the unbounded flavors: a ring of at most
//! `cap` slots (one more only while a message put back after a panic
//! waits: `push_front`); an unbounded channel's `cap` is `usize::MAX`.
//!
//! A plain `VecDeque` kept behind the channel's lock. Its slots are
//! allocated as the channel first fills (at most [`PREALLOCATE`] up front,
//! then fourfold when bounded and by doubling when not, never beyond what
//! `cap` needs: see `grow`), so a channel in
//! steady use allocates nothing per message, and `bounded(usize::MAX)` is
//! a valid, lazily growing channel rather than an allocation failure. A
//! bounded ring keeps its slots; an unbounded one gives them back as it
//! drains (halving once it is a sixteenth full, down to [`KEPT`] slots), so
//! the memory of a burst is returned once the burst is received.
//!
//! Why one ring for both, and not a list of blocks for the unbounded
//! flavor (the design until 2026-12): a send plus a receive on one thread
//! took 182 instructions through two levels of `VecDeque` (the list, then
//! the block), against 125 through the ring (callgrind, the bench's
//! `seq/unbounded` and `seq/bounded(N)`). The price is that a push that
//! doubles the ring moves the messages queued (amortized, at most one
//! move per message), where a list of blocks never moves them.
//!
//! Permits (`permit.rs`) take slots ahead of their messages: `limit` is
//! `cap` less the slots reserved, and a push is refused at `limit`, so a
//! send never takes a slot a permit holds, and the check costs a send
//! nothing more than the capacity's did. A permit's message goes in past
//! the limit, into the slot it gives back ([`Ring::push_reserved`]).

use alloc::collections::VecDeque;

/// Slots allocated when a bounded channel is made (fewer if `cap` is
/// smaller). An unbounded one allocates at its first push.
pub(crate) const PREALLOCATE: usize = 64;

/// Slots an unbounded ring keeps however far it drains, and the fewest
/// it allocates when it first grows.
pub(crate) const KEPT: usize = 32;

/// At most `cap` messages, first in first out.
#[derive(Debug)]
pub(crate) struct Ring<T> {
    buf: VecDeque<T>,
    cap: usize,
    /// `cap` less the slots that permits hold.
    limit: usize,
    /// A pop that leaves fewer messages than this shrinks the ring: a
    /// sixteenth of its slots when it is unbounded and holds more than
    /// [`KEPT`], else 0 (never).
    shrink_below: usize,
}

impl<T> Ring<T> {
    /// An empty ring for `cap >= 1` messages.
    pub(crate) fn new(cap: usize) -> Self {
        debug_assert!(cap > 0, "capacity 0 is the rendezvous flavor");
        Self {
            buf: VecDeque::with_capacity(cap.min(PREALLOCATE)),
            cap,
            limit: cap,
            shrink_below: 0,
        }
    }

    /// The ring of a flavor that keeps its messages elsewhere (a
    /// rendezvous, a timer): always empty, it takes nothing and allocates
    /// nothing (see `state::Buffer`).
    pub(crate) fn none() -> Self {
        Self {
            buf: VecDeque::new(),
            cap: 0,
            limit: 0,
            shrink_below: 0,
        }
    }

    /// An empty ring without a bound; it allocates nothing until the
    /// first push.
    pub(crate) fn unbounded() -> Self {
        Self {
            buf: VecDeque::new(),
            cap: usize::MAX,
            limit: usize::MAX,
            shrink_below: 0,
        }
    }

    /// Appends `msg`, or hands it back when the ring is full.
    #[inline(always)]
    pub(crate) fn push(&mut self, msg: T) -> Result<(), T> {
        let len = self.buf.len();
        // `>=`: a message put back may make it `limit + 1` (`push_front`).
        if len >= self.limit {
            return Err(msg);
        }
        self.push_back(msg);
        Ok(())
    }

    #[inline(always)]
    fn push_back(&mut self, msg: T) {
        if self.buf.len() == self.buf.capacity() {
            self.grow_and_push(msg);
        } else {
            // Here LLVM knows there is room, and drops `push_back`'s own
            // test (2 instructions a send).
            self.buf.push_back(msg);
        }
    }

    /// `push_back` into a full allocation: out of line.
    #[inline(never)]
    fn grow_and_push(&mut self, msg: T) {
        self.grow();
        self.buf.push_back(msg);
    }

    /// Appends `msg` if a slot is free and already allocated: a push
    /// with no call (`State::offer_at_once`). Hands it back otherwise.
    #[inline(always)]
    pub(crate) fn push_allocated(&mut self, msg: T) -> Result<(), T> {
        let len = self.buf.len();
        if len >= self.limit || len == self.buf.capacity() {
            return Err(msg);
        }
        self.buf.push_back(msg);
        Ok(())
    }

    /// Whether a push would be taken now.
    pub(crate) fn has_room(&self) -> bool {
        self.buf.len() < self.limit
    }

    /// The slots neither filled nor held by permits.
    pub(crate) fn free(&self) -> usize {
        self.limit.saturating_sub(self.buf.len())
    }

    /// Reserves `n` free slots for permits, if there are that many.
    pub(crate) fn reserve(&mut self, n: usize) -> bool {
        if n > self.free() {
            return false;
        }
        self.limit -= n;
        true
    }

    /// Gives back `n` slots that permits held, unused.
    pub(crate) fn unreserve(&mut self, n: usize) {
        self.limit += n;
        debug_assert!(self.limit <= self.cap);
    }

    /// A permit's message: takes the slot it held (even if a message put
    /// back meanwhile went past the limit).
    pub(crate) fn push_reserved(&mut self, msg: T) {
        self.unreserve(1);
        self.push_back(msg);
    }

    /// Grows the allocation, but never past `cap` (by one, at least, past
    /// a message put back): by doubling when unbounded, four times when
    /// bounded. A bounded ring never passes the cap its user chose, so
    /// the larger steps cost at most that; and they move a message a third
    /// as often (one thread sending 10,000 64-byte messages into
    /// `bounded(10_000)`, then receiving them: 146.6 instructions a
    /// message when doubling, 138.6 so, kanal's 141.1, which allocates
    /// every slot up front).
    fn grow(&mut self) {
        let len = self.buf.len();
        let factor = if self.cap == usize::MAX { 2 } else { 4 };
        let room = self
            .cap
            .min(len.saturating_mul(factor).max(KEPT))
            .max(len + 1);
        self.buf.reserve_exact(room - len);
        self.set_shrink_below();
    }

    /// Recomputes [`shrink_below`](Self::shrink_below) for the slots now
    /// allocated.
    fn set_shrink_below(&mut self) {
        let room = self.buf.capacity();
        self.shrink_below = if self.cap == usize::MAX && room > KEPT {
            room / 16
        } else {
            0
        };
    }

    /// Halves an unbounded ring that is a sixteenth full (a pop after a
    /// burst). Halving, not fitting, keeps this amortized O(1) per
    /// message. Out of line: `pop` stays small enough to inline.
    ///
    /// A sixteenth, not a quarter: draining a burst then moves an eighth
    /// of it, not half (one thread sending 10,000 64-byte messages, then
    /// receiving them: 163.4 instructions a message at a quarter, 153.5
    /// so, kanal's 154.5, which never shrinks). The price: a draining
    /// ring may hold up to 16 times what is queued (and [`KEPT`] slots)
    /// before it halves.
    #[cold]
    #[inline(never)]
    fn shrink(&mut self) {
        let room = self.buf.capacity();
        self.buf.shrink_to((room / 2).max(KEPT));
        self.set_shrink_below();
    }

    /// Puts a message back at the front, full or not: a message a receiver
    /// took and could not hand over (`Chan::put_back`). The ring may hold
    /// `cap + 1` messages until the next receive.
    pub(crate) fn push_front(&mut self, msg: T) {
        self.buf.push_front(msg);
    }

    /// Evicts the oldest message and appends `msg` in its place
    /// (`force_send` on a full ring; after a put-back it may hold
    /// `limit + 1`, and still does). An empty ring has nothing to evict
    /// (permits hold every slot): `msg` comes back.
    pub(crate) fn replace_oldest(&mut self, msg: T) -> T {
        match self.buf.pop_front() {
            Some(oldest) => {
                self.buf.push_back(msg);
                oldest
            }
            None => msg,
        }
    }

    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<T> {
        let msg = self.buf.pop_front();
        if self.buf.len() < self.shrink_below {
            self.shrink();
        }
        msg
    }

    /// The next message, if taking it does not shrink the ring: a pop
    /// with no call (`State::take_at_once`). `None` when it is empty or
    /// the pop would shrink it.
    #[inline(always)]
    pub(crate) fn pop_kept(&mut self) -> Option<T> {
        if self.buf.len() > self.shrink_below {
            self.buf.pop_front()
        } else {
            None
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Moves every message out, leaving the ring empty and its memory freed.
    pub(crate) fn take_all(&mut self) -> VecDeque<T> {
        self.shrink_below = 0;
        core::mem::take(&mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unbounded_ring_doubles_then_halves_back_to_kept() {
        let mut ring = Ring::unbounded();
        assert_eq!(ring.buf.capacity(), 0, "nothing allocated up front");
        for i in 0..1000 {
            ring.push(i).unwrap();
        }
        assert_eq!(ring.buf.capacity(), 1024);
        for i in 0..1000 {
            assert_eq!(ring.pop(), Some(i));
        }
        assert_eq!(ring.pop(), None);
        assert_eq!(ring.buf.capacity(), KEPT);
    }

    #[test]
    fn an_unbounded_ring_keeps_its_order_across_growth_and_wrap() {
        let mut ring = Ring::unbounded();
        let mut next = 0;
        let mut expected = 0;
        // The ring wraps, grows while wrapped, then shrinks while wrapped.
        for round in 0..200 {
            for _ in 0..(round % 50) + 1 {
                ring.push(next).unwrap();
                next += 1;
            }
            for _ in 0..(round % 37) {
                match ring.pop() {
                    Some(msg) => {
                        assert_eq!(msg, expected);
                        expected += 1;
                    }
                    None => break,
                }
            }
        }
        while let Some(msg) = ring.pop() {
            assert_eq!(msg, expected);
            expected += 1;
        }
        assert_eq!(expected, next);
    }

    #[test]
    fn a_bounded_ring_grows_fourfold_up_to_its_cap() {
        let mut ring = Ring::new(10_000);
        assert_eq!(ring.buf.capacity(), PREALLOCATE);
        let mut grown = alloc::vec::Vec::new();
        for i in 0..10_000 {
            let before = ring.buf.capacity();
            ring.push(i).unwrap();
            if ring.buf.capacity() != before {
                grown.push(ring.buf.capacity());
            }
        }
        assert_eq!(grown, [256, 1024, 4096, 10_000]);
        assert_eq!(ring.push(10_000), Err(10_000), "full at its cap");
    }

    #[test]
    fn an_unbounded_ring_halves_only_below_a_sixteenth() {
        let mut ring = Ring::unbounded();
        for i in 0..1024 {
            ring.push(i).unwrap();
        }
        assert_eq!(ring.buf.capacity(), 1024);
        for i in 0..(1024 - 64) {
            assert_eq!(ring.pop(), Some(i));
        }
        assert_eq!(ring.buf.capacity(), 1024, "64 left: a sixteenth, kept");
        assert_eq!(ring.pop(), Some(1024 - 64));
        assert_eq!(ring.buf.capacity(), 512, "63 left: halved");
    }

    #[test]
    fn a_bounded_ring_keeps_its_slots() {
        let mut ring = Ring::new(100);
        for i in 0..100 {
            ring.push(i).unwrap();
        }
        assert_eq!(ring.push(100), Err(100));
        while ring.pop().is_some() {}
        assert_eq!(ring.buf.capacity(), 100);
    }
}

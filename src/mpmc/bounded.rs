//! The bounded flavor's buffer: a ring of at most `cap` slots (one more
//! only while a message put back after a panic waits: `push_front`).
//!
//! A plain `VecDeque` kept behind the channel's lock. Its slots are
//! allocated as the channel first fills (at most [`PREALLOCATE`] up front,
//! then by doubling, never beyond what `cap` needs) and then kept, so a
//! channel in steady use allocates nothing per message, and
//! `bounded(usize::MAX)` is a valid, lazily growing channel rather than an
//! allocation failure.
//!
//! Permits (`permit.rs`) take slots ahead of their messages: `limit` is
//! `cap` less the slots reserved, and a push is refused at `limit`, so a
//! send never takes a slot a permit holds, and the check costs a send
//! nothing more than the capacity's did. A permit's message goes in past
//! the limit, into the slot it gives back ([`Ring::push_reserved`]).

use alloc::collections::VecDeque;

/// Slots allocated when the channel is made (fewer if `cap` is smaller).
pub(crate) const PREALLOCATE: usize = 64;

/// At most `cap` messages, first in first out.
#[derive(Debug)]
pub(crate) struct Ring<T> {
    buf: VecDeque<T>,
    cap: usize,
    /// `cap` less the slots that permits hold.
    limit: usize,
}

impl<T> Ring<T> {
    /// An empty ring for `cap >= 1` messages.
    pub(crate) fn new(cap: usize) -> Self {
        debug_assert!(cap > 0, "capacity 0 is the rendezvous flavor");
        Self {
            buf: VecDeque::with_capacity(cap.min(PREALLOCATE)),
            cap,
            limit: cap,
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
            self.grow();
        }
        self.buf.push_back(msg);
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

    /// Grows the allocation by doubling, but never past `cap` (by one,
    /// at least, past a message put back). Out of line: `push` stays
    /// small enough to inline into every send.
    #[inline(never)]
    fn grow(&mut self) {
        let len = self.buf.len();
        self.buf
            .reserve_exact(self.cap.min(len.saturating_mul(2)).max(len + 1) - len);
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

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        self.buf.pop_front()
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
        core::mem::take(&mut self.buf)
    }
}

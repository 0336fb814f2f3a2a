//! The bounded flavor's buffer: a ring of at most `cap` slots (one more
//! only while a message put back after a panic waits: `push_front`).
//!
//! A plain `VecDeque` kept behind the channel's lock. Its slots are
//! allocated as the channel first fills (at most [`PREALLOCATE`] up front,
//! then by doubling, never beyond what `cap` needs) and then kept, so a
//! channel in steady use allocates nothing per message, and
//! `bounded(usize::MAX)` is a valid, lazily growing channel rather than an
//! allocation failure.

use alloc::collections::VecDeque;

/// Slots allocated when the channel is made (fewer if `cap` is smaller).
pub(crate) const PREALLOCATE: usize = 64;

/// At most `cap` messages, first in first out.
#[derive(Debug)]
pub(crate) struct Ring<T> {
    buf: VecDeque<T>,
    cap: usize,
}

impl<T> Ring<T> {
    /// An empty ring for `cap >= 1` messages.
    pub(crate) fn new(cap: usize) -> Self {
        debug_assert!(cap > 0, "capacity 0 is the rendezvous flavor");
        Self {
            buf: VecDeque::with_capacity(cap.min(PREALLOCATE)),
            cap,
        }
    }

    /// Appends `msg`, or hands it back when the ring is full.
    #[inline(always)]
    pub(crate) fn push(&mut self, msg: T) -> Result<(), T> {
        let len = self.buf.len();
        // `>=`: a message put back may make it `cap + 1` (`push_front`).
        if len >= self.cap {
            return Err(msg);
        }
        if len == self.buf.capacity() {
            self.grow();
        }
        self.buf.push_back(msg);
        Ok(())
    }

    /// Grows the allocation by doubling, but never past `cap`. Out of
    /// line: `push` stays small enough to inline into every send.
    #[inline(never)]
    fn grow(&mut self) {
        let len = self.buf.len();
        self.buf
            .reserve_exact(self.cap.min(len.saturating_mul(2)) - len);
    }

    /// Puts a message back at the front, full or not: a message a receiver
    /// took and could not hand over (`Chan::put_back`). The ring may hold
    /// `cap + 1` messages until the next receive.
    pub(crate) fn push_front(&mut self, msg: T) {
        self.buf.push_front(msg);
    }

    /// Evicts the oldest message and appends `msg` in its place, full or
    /// not (`force_send` on a full ring; after a put-back it may hold
    /// `cap + 1`, and still does). `None`, with `msg` pushed, if empty.
    pub(crate) fn replace_oldest(&mut self, msg: T) -> Option<T> {
        let oldest = self.buf.pop_front();
        self.buf.push_back(msg);
        oldest
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

//! The rendezvous flavor's buffer: none at all.
//!
//! A rendezvous channel (capacity 0) never holds a message. A message
//! waits with its sender, in the sender's waiter entry, until a receiver
//! takes it from there; or, when a thread is already blocked in `recv`, the
//! sender puts it straight into that receiver's entry. Both hand-offs are
//! in `chan.rs`: this buffer only says "full" to every push, which is what
//! sends the sender down that path.
//!
//! The exceptions: a message that a receiver took and could not hand
//! over, because a waker it woke on the way out panicked, is put back
//! (`Chan::put_back`) rather than lost; and a select's send, chosen
//! because a receiver was waiting, leaves its message here for that
//! receiver (`Chan::send_paired`). Here they wait, ahead of the waiting
//! senders, for the next receive.

use alloc::collections::VecDeque;

/// A buffer of capacity 0: every push is refused. It holds only messages
/// put back after a panic or left by a select's send (see the module
/// docs), usually none.
#[derive(Debug)]
pub(crate) struct Zero<T> {
    put_back: VecDeque<T>,
}

impl<T> Zero<T> {
    pub(crate) const fn new() -> Self {
        Self {
            put_back: VecDeque::new(),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, msg: T) -> Result<(), T> {
        Err(msg)
    }

    /// Puts back a message a receiver could not hand over.
    pub(crate) fn push_front(&mut self, msg: T) {
        self.put_back.push_front(msg);
    }

    /// Keeps the message of a select's send that a receiver was waiting
    /// for (`Chan::send_paired`), for the next receive.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
    pub(crate) fn push_back(&mut self, msg: T) {
        self.put_back.push_back(msg);
    }

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        self.put_back.pop_front()
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.put_back.len()
    }

    /// Moves every message out, leaving the buffer empty.
    pub(crate) fn take_all(&mut self) -> VecDeque<T> {
        core::mem::take(&mut self.put_back)
    }
}

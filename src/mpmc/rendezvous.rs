//! The rendezvous flavor's buffer: none at all.
//!
//! A rendezvous channel (capacity 0) never holds a message. A message
//! waits with its sender, in the sender's waiter entry, until a receiver
//! takes it from there; or, when a thread is already blocked in `recv`, the
//! sender puts it straight into that receiver's entry. Both hand-offs are
//! in `chan.rs`: this buffer only says "full" to every push, which is what
//! sends the sender down that path.

/// A buffer of capacity 0: every push is refused.
#[derive(Debug, Default)]
pub(crate) struct Zero;

impl Zero {
    #[inline]
    pub(crate) fn push<T>(&mut self, msg: T) -> Result<(), T> {
        Err(msg)
    }
}

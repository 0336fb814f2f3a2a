//! What every kind uses to wait. Knows no channel and no public error type.
//!
//! - [`waker_slot`]: one waiter, a thread's or a task's `Waker`, with its
//!   register / take protocol.
//! - [`block`] (`std`): the blocking driver, which runs a waiting
//!   operation's poll step on a thread, with the thread's cached waker,
//!   parking between polls, until a deadline.

#[cfg(feature = "std")]
pub(crate) mod block;
pub(crate) mod waker_slot;

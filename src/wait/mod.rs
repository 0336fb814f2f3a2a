//! What every kind uses to wait. Knows no channel and no public error type.
//!
//! - [`waker_slot`]: one waiter, a thread's or a task's `Waker`, with its
//!   register / take protocol.
//! - [`claim`] (`alloc`): one waiting operation listed on several
//!   channels, claimed by exactly one of them (the select's waiter).
//! - [`block`] (`std`): the blocking driver, which runs a waiting
//!   operation's poll step on a thread, with the thread's cached waker,
//!   parking between polls, until a deadline.

#[cfg(feature = "std")]
pub(crate) mod block;
#[cfg(feature = "alloc")]
pub(crate) mod claim;
#[cfg(feature = "std")]
pub(crate) mod timer;
pub(crate) mod waker_slot;

//! What the queued kinds (`mpmc`, `broadcast`) share, and the `watch`
//! channel uses too (the lock, the wait lists, the handle counts, the
//! receive-op shell). Knows no kind.
//!
//! - [`handles`]: how many senders or receivers a channel has.
//! - [`lock`]: the short critical section over a channel's plain state.
//! - [`waitlist`]: the waiters of a queue's sides (an entry per waiting
//!   operation, holding a waiting sender's message) and their lists; an
//!   entry may be one of several of a wait on several channels, which the
//!   lists complete only through the entry whose claim they win
//!   (`wait/claim.rs`).
//! - [`send`]: the send side, once for every queue: a send that may wait,
//!   its blocking form, and its withdrawal.
//! - [`until`]: waiting until a condition on a channel holds (a sender's
//!   `closed`, a watch receiver's `changed`).
//! - [`recv`]: the receive-op shell of the futures and streams: the entry
//!   while they wait, when they are done, and their withdrawal.

pub(crate) mod handles;
pub(crate) mod lock;
pub(crate) mod recv;
pub(crate) mod send;
pub(crate) mod until;
pub(crate) mod waitlist;

//! What the queued kinds (`mpmc`, `broadcast`) share. Knows no kind.
//!
//! - [`lock`]: the short critical section over a channel's plain state.
//! - [`waitlist`]: the waiters of a queue's sides (an entry per waiting
//!   operation, holding a waiting sender's message) and their lists, and
//!   the first half of every queued send's poll.

pub(crate) mod lock;
pub(crate) mod waitlist;

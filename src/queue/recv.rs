//! The receive-op shell, written once: what a receive future or a receive
//! stream of a queued kind holds while it waits, and how it gives up.
//!
//! # Protocol
//!
//! | state   | `entry` | `done`  | meaning |
//! |---------|---------|---------|---------|
//! | idle    | `None`  | `false` | not waiting: the next poll looks at the channel |
//! | waiting | `Some`  | `false` | listed among the channel's waiting receivers (the entry never accepts a hand-off: a future or a stream may never be polled again) |
//! | done    | `None`  | `true`  | a future that returned, or a stream that ended |
//!
//! The kind's poll step moves between idle and waiting (it makes, lists,
//! and drops the entry: `&mut entry`); [`RecvOp::poll`] (a future's) and
//! [`RecvOp::poll_next`] (a stream's) decide when the op is done. Dropped
//! while waiting, its owner withdraws the entry through
//! [`RecvOp::cancel`], with the kind's own withdrawal (which passes a wake
//! the entry got on to another receiver): a dropped receive never loses a
//! message or a wake.

use core::task::Poll;

use crate::queue::waitlist::Waiting;

/// The entry of the kind's poll step: listed while the op waits.
pub(crate) type Listing<T> = Option<Waiting<T>>;

/// A receive that may wait, as a future or a stream holds it.
pub(crate) struct RecvOp<T> {
    entry: Listing<T>,
    done: bool,
}

impl<T> RecvOp<T> {
    pub(crate) const fn new() -> Self {
        Self {
            entry: None,
            done: false,
        }
    }

    /// Whether a future returned, or a stream ended (`FusedFuture`,
    /// `FusedStream`).
    #[cfg_attr(not(feature = "futures"), allow(dead_code))]
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// A future's poll: runs the kind's poll step; the op is done once it
    /// is ready.
    ///
    /// # Panics
    ///
    /// If polled again after it completed.
    #[inline]
    pub(crate) fn poll<R>(&mut self, step: impl FnOnce(&mut Listing<T>) -> Poll<R>) -> Poll<R> {
        assert!(!self.done, "a receive future polled after it completed");
        let got = step(&mut self.entry);
        if got.is_ready() {
            self.done = true;
        }
        got
    }

    /// A stream's poll: runs the kind's poll step and gives its item,
    /// until `item` says an outcome ends the stream (`None` from then on).
    #[cfg_attr(not(feature = "futures"), allow(dead_code))]
    #[inline]
    pub(crate) fn poll_next<R, I>(
        &mut self,
        step: impl FnOnce(&mut Listing<T>) -> Poll<R>,
        item: impl FnOnce(R) -> Option<I>,
    ) -> Poll<Option<I>> {
        if self.done {
            return Poll::Ready(None);
        }
        step(&mut self.entry).map(|got| {
            let item = item(got);
            self.done = item.is_none();
            item
        })
    }

    /// Gives up a waiting receive (its future or stream is dropped):
    /// `withdraw` is the kind's withdrawal of the entry.
    #[inline]
    pub(crate) fn cancel(&mut self, withdraw: impl FnOnce(Waiting<T>)) {
        if let Some(entry) = self.entry.take() {
            withdraw(entry);
        }
    }
}

impl<T> core::fmt::Debug for RecvOp<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecvOp")
            .field("waiting", &self.entry.is_some())
            .field("done", &self.done)
            .finish()
    }
}

//! The oneshot and multishot receivers in a select (`select/`).
//!
//! # Protocol
//!
//! A oneshot has no wait list: its core holds one waker, the receiver's
//! (`core.rs`). A select's receive ([`OneshotReceiving`]) registers the
//! select's waker there, as a receive future would (`EMPTY → WAITING`),
//! but takes nothing (`Core::poll_settled`): a message found while
//! listing stays in the core, and the select tries it once it has taken
//! back all it listed. The sender wakes the select when it sends or
//! leaves, without a claim, so the select, woken with its claim still
//! open, asks this operation whether it may finish
//! ([`Operation::ready_unclaimed`]: a message is there, the sender is
//! gone, or it is finishing) and, if so, gives the claim up and tries. Taking
//! the operation off its "list" withdraws the waker (`WAITING → EMPTY`,
//! the core's `cancel_recv`); a send that claimed the waker first goes
//! on, and its message stays for the next receive.
//!
//! The receiver is borrowed shared: receiving through `&Receiver` is
//! sound because a oneshot receiver is not `Sync` (one thread receives
//! at a time). So these operations are neither `Send` nor `Sync`: they
//! take part in the macros and in a [`LocalSelect`](crate::LocalSelect),
//! not in a `Send + Sync` [`Select`](crate::Select). A message a select
//! took and did not hand over (a [`SelectedOperation`] dropped) cannot
//! go back into a oneshot: the operation keeps it, and its next select
//! finishes with it first. A multishot receiver selects as the oneshot
//! receiver of its round.
//!
//! [`SelectedOperation`]: crate::SelectedOperation

use super::{RecvError, TryRecvError};
use crate::multishot;
use crate::select::engine::{Fresh, Kept, Kind, Listing, Operation, Unlisted};
use crate::select::{FinishRecv, SelectRecv};
use core::task::Context;

/// A select's receive from a oneshot (or a multishot's round). See the
/// module docs.
#[derive(Debug)]
pub struct OneshotReceiving<'a, T> {
    rx: &'a super::Receiver<T>,
    /// The handle it was made from, and its kind.
    handle: (*const (), Kind),
    got: Kept<Result<T, RecvError>>,
    /// Whether the select's waker is registered in the core.
    listed: bool,
}

impl<'a, T> OneshotReceiving<'a, T> {
    fn new(rx: &'a super::Receiver<T>, handle: (*const (), Kind)) -> Self {
        Self {
            rx,
            handle,
            got: Kept::new(),
            listed: false,
        }
    }
}

impl<T> Operation for OneshotReceiving<'_, T> {
    fn try_select(&mut self) -> bool {
        if self.got.is_some() {
            // Taken by an earlier select and not handed over (`clear`).
            return true;
        }
        let got = match self.rx.try_recv() {
            Ok(msg) => Ok(msg),
            Err(TryRecvError::Disconnected) => Err(RecvError),
            Err(TryRecvError::Empty) => return false,
        };
        self.got.put(got);
        true
    }

    fn is_ready(&mut self) -> bool {
        self.got.is_some() || self.rx.has_message() || self.rx.is_closed()
    }

    fn register(&mut self, at: Listing<'_>) -> bool {
        let mut cx = Context::from_waker(at.waker);
        // Registers the select's waker, taking nothing: a message found
        // here stays in the core for the select's try.
        self.listed = self.rx.poll_settled(&mut cx).is_pending();
        self.listed
    }

    fn unregister(&mut self) -> Unlisted {
        if core::mem::take(&mut self.listed) {
            self.rx.cancel_recv();
        }
        Unlisted::Untouched
    }

    fn clear(&mut self) {
        // A oneshot's message has nowhere to go back to (its core is
        // done): it stays kept here, and the next select of this operation
        // finishes with it first (`try_select`).
    }

    fn pass_on(&mut self) {
        // One receiver: nobody to pass a wake on to.
    }

    fn ready_unclaimed(&mut self) -> bool {
        // (A sender finishing woke the select to poll again, as it would a
        // receive future.)
        self.listed && self.rx.is_settling()
    }

    fn handle(&self) -> (*const (), Kind) {
        self.handle
    }

    fn outcome(&mut self) -> *mut () {
        self.got.ptr()
    }
}

impl<T> Fresh for OneshotReceiving<'_, T> {
    fn fresh(&self) -> Self {
        Self::new(self.rx, self.handle)
    }
}

impl<T> FinishRecv for OneshotReceiving<'_, T> {
    type Output = Result<T, RecvError>;

    fn finish(&mut self) -> Result<T, RecvError> {
        self.got.finish()
    }
}

impl<T> Drop for OneshotReceiving<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.listed {
            self.unregister();
        }
    }
}

impl<T> crate::select::Sealed for super::Receiver<T> {}
impl<T> crate::select::Sealed for multishot::Receiver<T> {}

/// A oneshot receiver in a [`select!`](crate::select!): `Ok` with the
/// message, or `Err(RecvError)` once the sender is gone without one (or the
/// message was received already).
impl<T> SelectRecv for super::Receiver<T> {
    type Output = Result<T, RecvError>;
    type Op<'a>
        = OneshotReceiving<'a, T>
    where
        Self: 'a;
    const KIND: Kind = Kind::OneshotRecv;

    fn select_op(&self) -> OneshotReceiving<'_, T> {
        OneshotReceiving::new(self, (core::ptr::from_ref(self).cast(), Kind::OneshotRecv))
    }
}

/// A multishot receiver in a [`select!`](crate::select!): its round's
/// message, as [`multishot::Receiver::recv`] gives it.
impl<T> SelectRecv for multishot::Receiver<T> {
    type Output = Result<T, RecvError>;
    type Op<'a>
        = OneshotReceiving<'a, T>
    where
        Self: 'a;
    const KIND: Kind = Kind::MultishotRecv;

    fn select_op(&self) -> OneshotReceiving<'_, T> {
        OneshotReceiving::new(
            self.round(),
            (core::ptr::from_ref(self).cast(), Kind::MultishotRecv),
        )
    }
}

//! The oneshot and multishot receivers in a select (`select/`).
//!
//! # Protocol
//!
//! A oneshot has no wait list: its core holds one waker, the receiver's
//! (`core.rs`). A select's receive ([`OneshotReceiving`]) registers the
//! select's waker there, as a receive future would (`EMPTY → WAITING`);
//! the sender wakes it when it sends or leaves, without a claim, so the
//! select, woken with its claim still open, asks this operation whether
//! it may finish ([`Operation::ready_unclaimed`]: a message is there, or
//! the sender is gone) and, if so, gives the claim up and tries. Taking
//! the operation off its "list" withdraws the waker (`WAITING → EMPTY`,
//! the core's `cancel_recv`); a send that claimed the waker first goes
//! on, and its message stays for the next receive.
//!
//! The receiver is borrowed shared: receiving through `&Receiver` is
//! sound because a oneshot receiver is not `Sync` (one thread receives
//! at a time), which also keeps these operations out of a
//! [`Select`](crate::Select), which is `Send + Sync`: they take part in
//! the [`select!`](crate::select!) macros. A multishot receiver selects
//! as the oneshot receiver of its round.

use super::{RecvError, TryRecvError};
use crate::multishot;
use crate::select::engine::{Kept, Kind, Listing, Operation, Unlisted};
use crate::select::{FinishRecv, SelectRecv};
use core::task::{Context, Poll};

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
            // Taken while listing (`register`).
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
        match self.rx.poll_recv(&mut cx) {
            Poll::Pending => {
                self.listed = true;
                true
            }
            Poll::Ready(got) => {
                // It finished while listing: kept, and `try_select` says so.
                self.got.put(got);
                false
            }
        }
    }

    fn unregister(&mut self) -> Unlisted {
        if core::mem::take(&mut self.listed) {
            self.rx.cancel_recv();
        }
        Unlisted::Untouched
    }

    fn clear(&mut self) {
        // A oneshot's message has nowhere to go back to (its core is
        // done). Never reached with one: these operations are only in the
        // macros, which complete the selected operation at once.
        drop(self.got.take());
    }

    fn pass_on(&mut self) {
        // One receiver: nobody to pass a wake on to.
    }

    fn ready_unclaimed(&mut self) -> bool {
        self.listed && (self.rx.has_message() || self.rx.is_closed())
    }

    fn handle(&self) -> (*const (), Kind) {
        self.handle
    }

    fn outcome(&mut self) -> *mut () {
        self.got.ptr()
    }

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

    fn op(&self) -> OneshotReceiving<'_, T> {
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

    fn op(&self) -> OneshotReceiving<'_, T> {
        OneshotReceiving::new(
            self.round(),
            (core::ptr::from_ref(self).cast(), Kind::MultishotRecv),
        )
    }
}

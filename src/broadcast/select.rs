//! A broadcast receiver in a select (`select/`).
//!
//! # Protocol
//!
//! A select's receive ([`Receiving`]) lists a receiver's entry as a
//! waiting receive does (`Chan::list_select`: not when it would finish
//! now, a message another receiver is cloning waited for alike); every
//! message, and every clone waited for, notifies every waiting receiver,
//! so the first that wins the select's claim through this entry wakes it,
//! and the select tries the receive. Its outcome is what a `try_recv`
//! gives, a lag included (`Err(RecvError::Lagged(n))`: the lag is the
//! selected operation's result, not lost).
//!
//! The select receives through `&Receiver`: the receiver's cursor is in a
//! `RefCell` (so a broadcast receiver is not `Sync`), borrowed only inside
//! each call. So these operations are neither `Send` nor `Sync`: they
//! take part in the macros and in a [`LocalSelect`](crate::LocalSelect),
//! not in a `Send + Sync` [`Select`](crate::Select). A message taken and
//! not handed over goes back into the cursor, and the next receive
//! returns it first.

use super::{Receiver, RecvError, TryRecvError};
use crate::queue::waitlist::Grouped;
use crate::select::engine::{Fresh, Kept, Kind, Listing, Operation, Unlisted};
use crate::select::{FinishRecv, SelectRecv};

/// A select's receive from a broadcast channel. See the module docs.
#[derive(Debug)]
pub struct Receiving<'a, T> {
    rx: &'a Receiver<T>,
    got: Kept<Result<T, RecvError>>,
    entry: Option<Grouped<T>>,
}

impl<T> Receiving<'_, T> {
    /// A message taken and not handed over goes back into the cursor: the
    /// next receive returns it first.
    fn give_back(&mut self) {
        if let Some(Ok(msg)) = self.got.take() {
            self.rx.at.borrow_mut().kept = Some(msg);
        }
    }
}

impl<T: Clone> Operation for Receiving<'_, T> {
    fn try_select(&mut self) -> bool {
        let got = match self.rx.chan.try_recv(&mut self.rx.at.borrow_mut()) {
            Ok(msg) => Ok(msg),
            Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
            Err(TryRecvError::Disconnected) => Err(RecvError::Disconnected),
            Err(TryRecvError::Empty) => return false,
        };
        self.got.put(got);
        true
    }

    fn is_ready(&mut self) -> bool {
        self.rx.chan.recv_ready(&self.rx.at.borrow())
    }

    fn register(&mut self, at: Listing<'_>) -> bool {
        self.entry = self
            .rx
            .chan
            .list_select(&self.rx.at.borrow(), at.group, at.index);
        self.entry.is_some()
    }

    fn unregister(&mut self) -> Unlisted {
        let Some(entry) = self.entry.take() else {
            return Unlisted::Untouched;
        };
        if self.rx.chan.unlist_select(entry) {
            Unlisted::Won
        } else {
            Unlisted::Untouched
        }
    }

    fn clear(&mut self) {
        self.give_back();
    }

    fn pass_on(&mut self) {
        // Every waiting receiver was told: nothing to pass on.
    }

    fn handle(&self) -> (*const (), Kind) {
        (core::ptr::from_ref(self.rx).cast(), Kind::BroadcastRecv)
    }

    fn outcome(&mut self) -> *mut () {
        self.got.ptr()
    }
}

impl<T: Clone> Fresh for Receiving<'_, T> {
    fn fresh(&self) -> Self {
        self.rx.select_op()
    }
}

impl<T> FinishRecv for Receiving<'_, T> {
    type Output = Result<T, RecvError>;

    fn finish(&mut self) -> Result<T, RecvError> {
        self.got.finish()
    }
}

impl<T> Drop for Receiving<'_, T> {
    fn drop(&mut self) {
        if let Some(entry) = self.entry.take() {
            self.rx.chan.unlist_select(entry);
        }
        self.give_back();
    }
}

impl<T> crate::select::Sealed for Receiver<T> {}

/// A broadcast receiver in a [`select!`](crate::select!): the next
/// message, a lag (`Err(RecvError::Lagged(n))`), or the end.
impl<T: Clone> SelectRecv for Receiver<T> {
    type Output = Result<T, RecvError>;
    type Op<'a>
        = Receiving<'a, T>
    where
        Self: 'a;
    const KIND: Kind = Kind::BroadcastRecv;

    fn select_op(&self) -> Receiving<'_, T> {
        Receiving {
            rx: self,
            got: Kept::new(),
            entry: None,
        }
    }
}

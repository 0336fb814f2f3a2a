//! mpmc channels in a select (`select/`): a receive and a send.
//!
//! # Protocol
//!
//! A select's receive ([`Receiving`]) lists a receiver's entry: a
//! notifier that wins the select's claim through it moves it to
//! `NOTIFIED`, and the select then tries the receive. A blocked thread's
//! select also takes a hand-off, as a blocked `recv` does (`FILLED`: a
//! sender that finds it listed puts its message in, so a `try_send` on a
//! rendezvous reaches a selecting thread, as in crossbeam); a future's
//! does not (it might not come back for it). Its outcome, once it
//! finishes, is the message (or the end) it took, kept until the
//! [`SelectedOperation`](crate::SelectedOperation) hands it over, or put
//! back at the front of the channel if that is dropped (as is a message
//! handed to a select that gives up, or that only asked `ready`).
//!
//! A select's send ([`Sending`]) has no message yet (crossbeam's
//! `SelectedOperation::send` gives it after the choice), so what it waits
//! for and keeps is the right to send one, [`Granted`]:
//!
//! - bounded: a slot, as a permit's (`permit.rs`). It waits as a reserve
//!   of one slot, first come first served with the other senders; the
//!   receive that frees a slot grants it (`SENT`) when it wins the claim.
//! - unbounded: a slot, always free (it never waits).
//! - rendezvous: no slot to hold; the send may go ahead when a receiver
//!   waits. It waits in the channel's `pairing` list until a receiver
//!   lists itself, which tells the first of them (`SENT`); the select then
//!   checks a receiver is still listed. Its message, given afterwards,
//!   goes to a blocked receiving thread, or into the channel for the first
//!   waiting receiver, which is told ([`Chan::send_paired`]); if every
//!   receiver gave up meanwhile, it waits there for the next.
//!
//! Either way a close finishes the listed send (`CLOSED`), and the
//! select sees the end (`Granted::Closed`).

use core::mem::ManuallyDrop;

use super::chan::{Chan, RecvUnlisted, SendUnlisted};
use super::{Receiver, Sender};
use crate::error::{RecvError, SendError, TryRecvError};
use crate::queue::send::Refused;
use crate::queue::waitlist::Grouped;
use crate::select::engine::{Fresh, Kept, Kind, Listing, Operation, Unlisted};
use crate::select::{FinishRecv, FinishSend, SelectRecv, SelectSend};

/// A select's receive from an mpmc channel. See the module docs.
#[derive(Debug)]
pub struct Receiving<'a, T> {
    rx: &'a Receiver<T>,
    /// The message taken (or the end), until handed over.
    got: Kept<Result<T, RecvError>>,
    /// (Without drop glue, so that the drop of an operation that holds
    /// nothing is a test inlined: `release` takes a listed entry off its
    /// list before the operation goes.)
    entry: ManuallyDrop<Option<Grouped<T>>>,
}

impl<T> Receiving<'_, T> {
    fn chan(&self) -> &Chan<T> {
        &self.rx.chan
    }
}

impl<T> Receiving<'_, T> {
    /// [`Operation::try_select`], inlined into both of its forms.
    #[inline(always)]
    fn take(&mut self) -> bool {
        let got = match self.rx.chan.try_recv() {
            Ok(msg) => Ok(msg),
            Err(TryRecvError::Disconnected) => Err(RecvError),
            Err(TryRecvError::Empty) => return false,
        };
        self.got.put(got);
        true
    }
}

impl<T> Operation for Receiving<'_, T> {
    fn try_select(&mut self) -> bool {
        self.take()
    }

    fn try_select_unless_busy(&mut self) -> Option<bool> {
        if self.chan().is_busy() {
            return None;
        }
        Some(self.take())
    }

    fn is_ready(&mut self) -> bool {
        self.chan().recv_ready()
    }

    fn register(&mut self, at: Listing<'_>) -> bool {
        let (entry, paired) = self.rx.chan.list_recv(at.group, at.index, at.blocking);
        *self.entry = entry;
        paired.wake();
        self.entry.is_some()
    }

    fn unregister(&mut self) -> Unlisted {
        let Some(entry) = self.entry.take() else {
            return Unlisted::Untouched;
        };
        match self.rx.chan.unlist_recv(entry) {
            RecvUnlisted::Untouched => Unlisted::Untouched,
            RecvUnlisted::Won => Unlisted::Won,
            RecvUnlisted::Filled(msg) => {
                self.got.put(Ok(msg));
                Unlisted::Done
            }
        }
    }

    fn clear(&mut self) {
        if let Some(Ok(msg)) = self.got.take() {
            self.chan().put_back(Some(msg));
        }
    }

    fn pass_on(&mut self) {
        self.chan().pass_on();
    }

    fn due(&mut self) -> Option<std::time::Instant> {
        self.chan().due()
    }

    fn handle(&self) -> (*const (), Kind) {
        (core::ptr::from_ref(self.rx).cast(), Kind::MpmcRecv)
    }

    fn outcome(&mut self) -> *mut () {
        self.got.ptr()
    }
}

impl<T> Fresh for Receiving<'_, T> {
    fn fresh(&self) -> Self {
        self.rx.receiving()
    }
}

impl<T> FinishRecv for Receiving<'_, T> {
    type Output = Result<T, RecvError>;

    fn finish(&mut self) -> Result<T, RecvError> {
        self.got.finish()
    }
}

impl<T> Drop for Receiving<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // A finished select's operations hold nothing, and the macros drop
        // every one of them after each select: the test is inlined, what
        // it guards is not (so that the drop itself can be inlined: out
        // of line, the four drops of a `select!` over four channels took
        // 68 of its 307 instructions a message).
        if self.entry.is_some() || self.got.is_some() {
            self.release();
        }
    }
}

impl<T> Receiving<'_, T> {
    /// What a drop gives back: the entry still listed, the message kept.
    #[cold]
    #[inline(never)]
    fn release(&mut self) {
        if self.entry.is_some() && self.unregister() == Unlisted::Won {
            self.pass_on();
        }
        if self.got.is_some() {
            self.clear();
        }
    }
}

/// What a select's send keeps once it may send (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granted {
    /// A slot of a bounded or unbounded channel, held as a permit's.
    Slot,
    /// A receiver waits on the rendezvous.
    Paired,
    /// The channel is closed.
    Closed,
}

/// A select's send on an mpmc channel. See the module docs.
#[derive(Debug)]
pub struct Sending<'a, T> {
    tx: &'a Sender<T>,
    got: Kept<Granted>,
    /// (Without drop glue, so that the drop of an operation that holds
    /// nothing is a test inlined: `release` takes a listed entry off its
    /// list before the operation goes.)
    entry: ManuallyDrop<Option<Grouped<T>>>,
}

impl<T> Operation for Sending<'_, T> {
    fn try_select(&mut self) -> bool {
        let chan = &self.tx.chan;
        let tried = if chan.is_rendezvous() {
            chan.try_pair().map(|()| Granted::Paired)
        } else {
            chan.try_reserve(1).map(|()| Granted::Slot)
        };
        let granted = match tried {
            Ok(granted) => granted,
            Err(Refused::Closed(())) => Granted::Closed,
            Err(Refused::Full(())) => return false,
        };
        self.got.put(granted);
        true
    }

    fn try_select_unless_busy(&mut self) -> Option<bool> {
        if self.tx.chan.is_busy() {
            return None;
        }
        Some(self.try_select())
    }

    fn is_ready(&mut self) -> bool {
        self.tx.chan.send_ready()
    }

    fn register(&mut self, at: Listing<'_>) -> bool {
        *self.entry = self.tx.chan.list_send(at.group, at.index);
        self.entry.is_some()
    }

    fn unregister(&mut self) -> Unlisted {
        let Some(entry) = self.entry.take() else {
            return Unlisted::Untouched;
        };
        match self.tx.chan.unlist_send(entry) {
            SendUnlisted::Untouched => Unlisted::Untouched,
            SendUnlisted::Won => Unlisted::Won,
            SendUnlisted::Granted => {
                self.got.put(Granted::Slot);
                Unlisted::Done
            }
        }
    }

    fn clear(&mut self) {
        match self.got.take() {
            Some(Granted::Slot) => self.tx.chan.release(1),
            // The receiver it was told of waits on: the next select
            // waiting to send is told instead.
            Some(Granted::Paired) => self.tx.chan.pass_on_pairing(),
            Some(Granted::Closed) | None => {}
        }
    }

    fn pass_on(&mut self) {
        // (A bounded send is won only with a slot, `Done`, or by a close,
        // which told everyone.)
        if self.tx.chan.is_rendezvous() {
            self.tx.chan.pass_on_pairing();
        }
    }

    fn handle(&self) -> (*const (), Kind) {
        (core::ptr::from_ref(self.tx).cast(), Kind::MpmcSend)
    }

    fn outcome(&mut self) -> *mut () {
        self.got.ptr()
    }
}

impl<T> Fresh for Sending<'_, T> {
    fn fresh(&self) -> Self {
        self.tx.sending()
    }
}

impl<T> FinishSend for Sending<'_, T> {
    type Msg = T;

    fn finish(&mut self, msg: T) -> Result<(), SendError<T>> {
        send_granted(&self.tx.chan, self.got.finish(), msg)
    }
}

impl<T> Drop for Sending<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // (Tested inline, as `Receiving`'s.)
        if self.entry.is_some() || self.got.is_some() {
            self.release();
        }
    }
}

impl<T> Sending<'_, T> {
    /// What a drop gives back: the entry still listed, the slot kept.
    #[cold]
    #[inline(never)]
    fn release(&mut self) {
        if self.entry.is_some() && self.unregister() == Unlisted::Won {
            self.pass_on();
        }
        if self.got.is_some() {
            self.clear();
        }
    }
}

/// Sends `msg` with what a select's send was granted.
fn send_granted<T>(chan: &Chan<T>, granted: Granted, msg: T) -> Result<(), SendError<T>> {
    match granted {
        Granted::Slot => {
            chan.send_reserved(msg);
            Ok(())
        }
        Granted::Paired => chan.send_paired(msg).map_err(SendError),
        Granted::Closed => Err(SendError(msg)),
    }
}

impl<T> Receiver<T> {
    fn receiving(&self) -> Receiving<'_, T> {
        Receiving {
            rx: self,
            got: Kept::new(),
            entry: ManuallyDrop::new(None),
        }
    }
}

impl<T> Sender<T> {
    fn sending(&self) -> Sending<'_, T> {
        Sending {
            tx: self,
            got: Kept::new(),
            entry: ManuallyDrop::new(None),
        }
    }
}

impl<T> crate::select::Sealed for Receiver<T> {}
impl<T> crate::select::Sealed for Sender<T> {}

impl<T> SelectRecv for Receiver<T> {
    type Output = Result<T, RecvError>;
    type Op<'a>
        = Receiving<'a, T>
    where
        Self: 'a;
    const KIND: Kind = Kind::MpmcRecv;

    fn select_op(&self) -> Receiving<'_, T> {
        self.receiving()
    }
}

impl<T> SelectSend for Sender<T> {
    type Msg = T;
    type Granted = Granted;
    type Op<'a>
        = Sending<'a, T>
    where
        Self: 'a;
    const KIND: Kind = Kind::MpmcSend;

    fn select_op(&self) -> Sending<'_, T> {
        self.sending()
    }

    fn send_granted(&self, granted: Granted, msg: T) -> Result<(), SendError<T>> {
        send_granted(&self.chan, granted, msg)
    }
}

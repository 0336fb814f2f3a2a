//! `Slot<T>`: a oneshot without any allocation, for `no_std` targets.
//!
//! The slot is the channel's storage itself (the oneshot core), placed
//! wherever its owner likes: on the stack, in a struct, in a `static`.
//! [`Slot::split`] lends it out as a [`SlotSender`] and a [`SlotReceiver`]
//! that borrow it; once both are gone the borrow ends and the slot can be
//! split again for the next round. The halves behave like the heap
//! oneshot's: dropping the sender unsent wakes the receiver with
//! `RecvError`, and a send after the receiver is gone hands the message back.
//!
//! The rules for rounds and for the unsafe layer are on [`Slot`].
#![allow(unsafe_code)]

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::{Duration, Instant};

use super::core::{Core, Sent};
#[cfg(feature = "std")]
use crate::error::RecvTimeoutError;
use crate::error::{RecvError, SendError, TryRecvError};
use crate::loom::maybe_const_fn;

/// Storage for one oneshot message that needs no allocation.
///
/// The slot is the channel's storage itself, placed wherever its owner
/// likes: on the stack, in a struct, in a `static` ([`Slot::new`] is a
/// `const fn`). [`split`](Slot::split) lends it out as a [`SlotSender`] and
/// a [`SlotReceiver`] that borrow it; once both are gone the borrow ends and
/// the slot can be split again for the next round. The halves behave like
/// the heap oneshot's: dropping the sender unsent wakes the receiver with
/// `RecvError`, and a send after the receiver is gone hands the message
/// back.
///
/// # Rounds and the unsafe layer
///
/// Drivers that track ownership themselves (an interrupt handler completing
/// a transfer that a task awaits, say) can skip `split` and its `&mut`
/// borrow, and use the slot through `&self` with the unsafe functions
/// [`put`](Slot::put), [`take`](Slot::take), [`sender`](Slot::sender) and
/// [`receiver`](Slot::receiver). They all follow one rule: a slot carries
/// one message per *round*. A round starts when the slot is made, split,
/// when [`receiver`](Slot::receiver) makes a new receiving half, and when
/// [`take`](Slot::take) takes a message; in each round at most one sending
/// side (one `SlotSender`, or one `put`) and one receiving side (one
/// `SlotReceiver`, or calls to `take` that never overlap) act.
///
/// "Before" in these contracts means *happens-before*: the thread that
/// starts a round must learn that the previous round is over through
/// something that synchronizes, such as seeing [`is_empty`](Slot::is_empty)
/// return true after a `take`, joining a thread, or a Release store it
/// reads with Acquire. A relaxed flag is not enough.
///
/// A sending half dropped unsent, or a `put` whose receiving half was
/// dropped, ends its round *closed*: `take` then finds nothing and a further
/// `put` hands its message back, until [`receiver`](Slot::receiver) or
/// [`split`](Slot::split) starts a new round.
///
/// # Examples
///
/// ```
/// use tidings::oneshot::Slot;
///
/// let mut slot = Slot::new();
/// for round in 0..3 {
///     let (tx, rx) = slot.split();
///     std::thread::scope(|s| {
///         s.spawn(move || tx.send(round).unwrap());
///         assert_eq!(rx.recv(), Ok(round));
///     });
/// }
/// ```
pub struct Slot<T> {
    core: Core<T>,
}

/// The sending half of a [`Slot`]: sends at most one message, like
/// [`oneshot::Sender`](crate::oneshot).
///
/// # Examples
///
/// ```
/// let mut slot = tidings::oneshot::Slot::new();
/// let (tx, rx) = slot.split();
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct SlotSender<'a, T> {
    core: &'a Core<T>,
}

/// The receiving half of a [`Slot`]: await it, block on it or check it,
/// like [`oneshot::Receiver`](crate::oneshot). Dropping it drops a message
/// that was sent and not received, at once.
///
/// With the `futures` feature it implements `FusedFuture`, which
/// `futures::select!` requires.
///
/// # Examples
///
/// ```
/// let mut slot = tidings::oneshot::Slot::<u8>::new();
/// let (tx, rx) = slot.split();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(tidings::TryRecvError::Disconnected));
/// ```
pub struct SlotReceiver<'a, T> {
    core: &'a Core<T>,
}

// SAFETY: the halves reach the slot from two threads at once; the core's state machine makes every access to its cells race-free, and `T: Send` lets the message cross from the sending thread to the receiving one.
unsafe impl<T: Send> Sync for Slot<T> {}
// SAFETY: a sender moves its `T` to the receiving thread: `T: Send`.
unsafe impl<T: Send> Send for SlotSender<'_, T> {}
// SAFETY: through `&SlotSender` one can only read the state.
unsafe impl<T: Send> Sync for SlotSender<'_, T> {}
// SAFETY: the receiver takes a `T` that another thread wrote: `T: Send`.
unsafe impl<T: Send> Send for SlotReceiver<'_, T> {}
// `SlotReceiver` is deliberately not `Sync`, like `oneshot::Receiver`:
// receiving takes `&self`.

impl<T> Slot<T> {
    maybe_const_fn! {
        /// An empty slot, ready to be split. A `const fn`, so a slot can
        /// live in a `static`.
        ///
        /// ```
        /// use tidings::oneshot::Slot;
        ///
        /// static REPLY: Slot<u32> = Slot::new();
        /// assert!(REPLY.is_empty());
        /// ```
        pub fn new() -> Self {
            Self { core: Core::new() }
        }
    }

    /// Lends the slot out as a sender and a receiver for one message,
    /// after dropping any message an earlier round left in it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut slot = tidings::oneshot::Slot::new();
    /// let (tx, rx) = slot.split();
    /// tx.send("one").unwrap();
    /// drop(rx); // drops "one" at once
    /// let (tx, rx) = slot.split();
    /// tx.send("two").unwrap();
    /// assert_eq!(rx.try_recv(), Ok("two"));
    /// ```
    pub fn split(&mut self) -> (SlotSender<'_, T>, SlotReceiver<'_, T>) {
        // SAFETY: `&mut self`: no half of an earlier round is alive.
        unsafe { self.core.reopen() };
        (
            SlotSender { core: &self.core },
            SlotReceiver { core: &self.core },
        )
    }

    /// Whether no message is waiting in the slot.
    ///
    /// ```
    /// let slot = tidings::oneshot::Slot::new();
    /// assert!(slot.is_empty());
    /// // SAFETY: one thread, no halves.
    /// unsafe { slot.put(1) }.unwrap();
    /// assert!(!slot.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        !self.core.has_message()
    }

    /// Sends `msg` as this round's sending side, without a [`SlotSender`],
    /// and wakes a waiting receiver.
    ///
    /// # Errors
    ///
    /// If this round's [`SlotReceiver`] was dropped, the message comes
    /// back.
    ///
    /// # Safety
    ///
    /// This is the round's one sending side: no [`SlotSender`] exists for
    /// this round, and `put` has not been called in it; the start of the
    /// round (by `new`, `split`, [`take`](Self::take) or
    /// [`receiver`](Self::receiver)) happens-before this call (see
    /// [Rounds](Slot#rounds-and-the-unsafe-layer)). It may run concurrently
    /// with the receiving side.
    ///
    /// # Examples
    ///
    /// ```
    /// use tidings::oneshot::Slot;
    ///
    /// static SLOT: Slot<u8> = Slot::new();
    /// // SAFETY: the first round: nothing else sends.
    /// unsafe { SLOT.put(5) }.unwrap();
    /// // SAFETY: no receiver half exists, and only this thread takes.
    /// assert_eq!(unsafe { SLOT.take() }, Some(5));
    /// ```
    pub unsafe fn put(&self, msg: T) -> Result<(), SendError<T>> {
        // SAFETY: the caller guarantees this is the round's one sending side.
        match unsafe { Core::send(&self.core, msg) } {
            Sent::Delivered => Ok(()),
            Sent::ReceiverGone(msg) => Err(SendError(msg)),
        }
    }

    /// Takes the message if one is there, and starts a new round.
    ///
    /// # Safety
    ///
    /// No [`SlotReceiver`] exists, and `take` is not called concurrently
    /// with itself. It may run concurrently with the sending side.
    ///
    /// # Examples
    ///
    /// ```
    /// let slot = tidings::oneshot::Slot::new();
    /// // SAFETY (every call below): one thread, no halves, one put a round.
    /// assert_eq!(unsafe { slot.take() }, None);
    /// // SAFETY: as above.
    /// unsafe { slot.put('a') }.unwrap();
    /// // SAFETY: as above.
    /// assert_eq!(unsafe { slot.take() }, Some('a'));
    /// // SAFETY: as above; the take started a new round.
    /// unsafe { slot.put('b') }.unwrap();
    /// // SAFETY: as above.
    /// assert_eq!(unsafe { slot.take() }, Some('b'));
    /// ```
    pub unsafe fn take(&self) -> Option<T> {
        // SAFETY: the caller guarantees we are the only receiving side.
        unsafe { self.core.take_and_reopen() }
    }

    /// A sending half for the current round, without `split`.
    ///
    /// # Safety
    ///
    /// As for [`put`](Self::put): it is the round's one sending side, and
    /// the slot outlives it (which the borrow ensures).
    ///
    /// # Examples
    ///
    /// ```
    /// let slot = tidings::oneshot::Slot::new();
    /// // SAFETY: a new round, and the only receiving side.
    /// let rx = unsafe { slot.receiver() };
    /// // SAFETY: the round's one sending side.
    /// let tx = unsafe { slot.sender() };
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub unsafe fn sender(&self) -> SlotSender<'_, T> {
        SlotSender { core: &self.core }
    }

    /// A receiving half that starts a new round, without `split`: a
    /// message left from an earlier round is dropped.
    ///
    /// # Safety
    ///
    /// Every sending side of earlier rounds has published its outcome (its
    /// `put` or `send` returned, or its half was dropped) and that
    /// happens-before this call, or it will never act; no other receiving
    /// side exists or runs (no [`SlotReceiver`], no [`take`](Self::take));
    /// and nothing else touches the slot while this starts the round.
    ///
    /// # Examples
    ///
    /// ```
    /// use tidings::oneshot::Slot;
    ///
    /// static DONE: Slot<u32> = Slot::new();
    /// // SAFETY: no transfer is in flight yet; we are the only receiver.
    /// let rx = unsafe { DONE.receiver() };
    /// std::thread::spawn(|| {
    ///     // SAFETY: this round's one sending side.
    ///     unsafe { DONE.put(512) }.unwrap();
    /// });
    /// assert_eq!(rx.recv(), Ok(512));
    /// ```
    pub unsafe fn receiver(&self) -> SlotReceiver<'_, T> {
        // SAFETY: the caller guarantees exclusive access for the restart.
        unsafe { self.core.reopen() };
        SlotReceiver { core: &self.core }
    }
}

impl<T> Default for Slot<T> {
    /// An empty slot, as [`Slot::new`].
    ///
    /// ```
    /// let slot: tidings::oneshot::Slot<u8> = Default::default();
    /// assert!(slot.is_empty());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl<T> SlotSender<'_, T> {
    /// Sends `msg`, waking the receiver if it waits. Never blocks
    /// (wait-free).
    ///
    /// # Errors
    ///
    /// If the receiver is gone, the message comes back in [`SendError`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut slot = tidings::oneshot::Slot::new();
    /// let (tx, rx) = slot.split();
    /// drop(rx);
    /// assert_eq!(tx.send(1), Err(tidings::SendError(1)));
    /// ```
    pub fn send(self, msg: T) -> Result<(), SendError<T>> {
        let core = self.core;
        core::mem::forget(self);
        // SAFETY: this half's one finishing move (`forget` skips `Drop`).
        match unsafe { Core::send(core, msg) } {
            Sent::Delivered => Ok(()),
            Sent::ReceiverGone(msg) => Err(SendError(msg)),
        }
    }

    /// Whether the receiver is gone, so that a send would fail.
    ///
    /// ```
    /// let mut slot = tidings::oneshot::Slot::<u8>::new();
    /// let (tx, rx) = slot.split();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.core.is_receiver_gone()
    }
}

impl<T> Drop for SlotSender<'_, T> {
    fn drop(&mut self) {
        // SAFETY: dropping unsent is this half's one finishing move. The slot outlives the borrow, so there is nothing to free either way.
        unsafe { Core::close_sender(self.core) };
    }
}

impl<T> SlotReceiver<'_, T> {
    /// Takes the message if it is there now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet;
    /// [`TryRecvError::Disconnected`] if the sender is gone without
    /// sending, or the message was received already.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut slot = tidings::oneshot::Slot::new();
    /// let (tx, rx) = slot.split();
    /// assert_eq!(rx.try_recv(), Err(tidings::TryRecvError::Empty));
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        // SAFETY: not `Sync`, so receiver-side calls never overlap.
        unsafe { self.core.try_recv() }
    }

    /// Whether the sender is gone and no message is left to receive.
    ///
    /// ```
    /// let mut slot = tidings::oneshot::Slot::<u8>::new();
    /// let (tx, rx) = slot.split();
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.core.is_sender_gone()
    }

    /// Whether a message is waiting to be received.
    ///
    /// ```
    /// let mut slot = tidings::oneshot::Slot::new();
    /// let (tx, rx) = slot.split();
    /// tx.send(()).unwrap();
    /// assert!(rx.has_message());
    /// ```
    pub fn has_message(&self) -> bool {
        self.core.has_message()
    }

    /// Blocks the thread until the message comes.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender is dropped without sending, or the
    /// message was received already.
    ///
    /// # Blocking
    ///
    /// Parks the calling thread; in async code, `.await` the receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut slot = tidings::oneshot::Slot::new();
    /// let (tx, rx) = slot.split();
    /// std::thread::scope(|s| {
    ///     s.spawn(move || tx.send("hi").unwrap());
    ///     assert_eq!(rx.recv(), Ok("hi"));
    /// });
    /// ```
    #[cfg(feature = "std")]
    pub fn recv(self) -> Result<T, RecvError> {
        // SAFETY: not `Sync`, so receiver-side calls never overlap.
        unsafe { self.core.recv_until(None) }.map_err(|_| RecvError)
    }

    /// Blocks the thread until the message comes or `timeout` has passed
    /// (a timeout too large to represent waits forever).
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if nothing came in time;
    /// [`RecvTimeoutError::Disconnected`] as for [`recv`](Self::recv).
    ///
    /// # Blocking
    ///
    /// Parks the calling thread for up to `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut slot = tidings::oneshot::Slot::<u8>::new();
    /// let (_tx, rx) = slot.split();
    /// assert_eq!(
    ///     rx.recv_timeout(Duration::from_millis(1)),
    ///     Err(tidings::RecvTimeoutError::Timeout)
    /// );
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        // SAFETY: not `Sync`, so receiver-side calls never overlap.
        unsafe {
            self.core
                .recv_until(crate::wait::block::deadline_after(timeout))
        }
    }

    /// Blocks the thread until the message comes or `deadline` is reached.
    ///
    /// # Errors
    ///
    /// As for [`recv_timeout`](Self::recv_timeout).
    ///
    /// # Blocking
    ///
    /// Parks the calling thread until `deadline` at the latest.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let mut slot = tidings::oneshot::Slot::new();
    /// let (tx, rx) = slot.split();
    /// tx.send(4).unwrap();
    /// assert_eq!(rx.recv_deadline(Instant::now()), Ok(4));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        // SAFETY: not `Sync`, so receiver-side calls never overlap.
        unsafe { self.core.recv_until(Some(deadline)) }
    }
}

/// Awaiting the receiver yields the message, or [`RecvError`] if the
/// sender is gone without sending.
///
/// # Cancel safety
///
/// As for [`oneshot::Receiver`](crate::oneshot): nobody else can take the
/// message; dropping the receiver drops a message that was sent.
///
/// # Examples
///
/// ```
/// let mut slot = tidings::oneshot::Slot::new();
/// let (tx, rx) = slot.split();
/// tx.send(8).unwrap();
/// assert_eq!(pollster::block_on(rx), Ok(8));
/// ```
impl<T> Future for SlotReceiver<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `&mut` access: no other receiver-side call runs.
        unsafe { self.core.poll_recv(cx) }
    }
}

/// `is_terminated` is true once the receiver has nothing more to give:
/// the message was received, or the sender is gone without one.
///
/// ```
/// use futures::future::FusedFuture;
///
/// let mut slot = tidings::oneshot::Slot::new();
/// let (tx, mut rx) = slot.split();
/// assert!(!rx.is_terminated());
/// tx.send(1).unwrap();
/// assert!(!rx.is_terminated(), "the message is still to be received");
/// assert_eq!(pollster::block_on(&mut rx), Ok(1));
/// assert!(rx.is_terminated());
/// ```
#[cfg(feature = "futures")]
impl<T> futures_core::FusedFuture for SlotReceiver<'_, T> {
    fn is_terminated(&self) -> bool {
        self.is_closed()
    }
}

impl<T> Drop for SlotReceiver<'_, T> {
    fn drop(&mut self) {
        let core = self.core;
        // SAFETY: dropping is the receiver's last call; `drop_message` runs only when the core says the sender is gone and finished, so the core is ours until the borrow ends.
        unsafe { Core::close_receiver(core, || core.drop_message()) };
    }
}

impl<T> fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot")
            .field("is_empty", &self.is_empty())
            .finish()
    }
}

impl<T> fmt::Debug for SlotSender<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotSender")
            .field("is_closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for SlotReceiver<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotReceiver")
            .field("has_message", &self.has_message())
            .field("is_closed", &self.is_closed())
            .finish()
    }
}

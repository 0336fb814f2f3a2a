//! A reusable oneshot: one message per round, one allocation for the
//! channel's whole life.
//!
//! [`channel`] makes a [`Sender`] and a [`Receiver`] like
//! [`oneshot::channel`]. The difference is that
//! the receiver stays: once a round is over (its message received, or its
//! sender dropped), [`Receiver::sender`] hands out the next round's sender
//! on the same allocation, without allocating and without waiting.
//!
//! Sending is wait-free (a load, one atomic swap and a store when the
//! receiver is not waiting); polling a receive and recycling the sender are
//! wait-free too.
//!
//! ```
//! use std::thread;
//!
//! let (tx, mut rx) = tidings::multishot::channel();
//! thread::spawn(move || tx.send(1).unwrap());
//! assert_eq!(rx.recv(), Ok(1));
//!
//! // The round is over: the same allocation serves the next one.
//! let tx = rx.sender().expect("the last message was received");
//! thread::spawn(move || drop(tx));
//! assert_eq!(rx.recv(), Err(tidings::RecvError));
//! ```
//!
//! It is built on the heap oneshot: the same state machine, with the
//! receiver allowed to restart it once the sender side has finished.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::{Duration, Instant};

#[cfg(feature = "std")]
use crate::error::RecvTimeoutError;
use crate::error::{RecvError, SendError, TryRecvError};
use crate::oneshot;

/// Makes a reusable oneshot channel: one allocation, for as many rounds as
/// the receiver lives.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::multishot::channel();
/// tx.send(0).unwrap();
/// assert_eq!(rx.try_recv(), Ok(0));
/// for round in 1..4 {
///     let tx = rx.sender().expect("the last round is over");
///     tx.send(round).unwrap();
///     assert_eq!(rx.try_recv(), Ok(round));
/// }
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = oneshot::channel();
    (Sender(tx), Receiver(rx))
}

/// The sending half of one round of a [`multishot::channel`](channel).
///
/// It sends at most one message: [`send`](Sender::send) consumes it.
/// Dropping it unsent ends the round with a disconnect the receiver sees.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::multishot::channel::<u8>();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(tidings::TryRecvError::Disconnected));
/// assert!(rx.sender().is_some(), "the round is over");
/// ```
pub struct Sender<T>(oneshot::Sender<T>);

/// The receiving half of a [`multishot::channel`](channel): receives one
/// message per round and recycles the sender for the next.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::multishot::channel();
/// tx.send("first").unwrap();
/// assert_eq!(rx.recv(), Ok("first"));
/// let tx = rx.sender().unwrap();
/// tx.send("second").unwrap();
/// assert_eq!(rx.recv(), Ok("second"));
/// ```
pub struct Receiver<T>(oneshot::Receiver<T>);

impl<T> Sender<T> {
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
    /// let (tx, rx) = tidings::multishot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1), Err(tidings::SendError(1)));
    /// ```
    pub fn send(self, msg: T) -> Result<(), SendError<T>> {
        self.0.send(msg)
    }

    /// Whether the receiver is gone, so that a send would fail.
    ///
    /// ```
    /// let (tx, rx) = tidings::multishot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

impl<T> Receiver<T> {
    /// The oneshot receiver of this round (a select receives through it).
    #[cfg(feature = "std")]
    pub(crate) fn round(&self) -> &oneshot::Receiver<T> {
        &self.0
    }

    /// The sender of the next round, made without allocating, if the
    /// current round is over: its message was received, or its sender was
    /// dropped unsent. `None` while the current sender is alive, or while
    /// its message waits to be received.
    ///
    /// Wait-free.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::multishot::channel();
    /// assert!(rx.sender().is_none(), "the first sender is alive");
    /// tx.send(1).unwrap();
    /// assert!(rx.sender().is_none(), "its message waits");
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.sender().is_some());
    /// ```
    pub fn sender(&mut self) -> Option<Sender<T>> {
        self.0.recycle().map(Sender)
    }

    /// Whether this round's message is waiting to be received.
    ///
    /// ```
    /// let (tx, rx) = tidings::multishot::channel();
    /// assert!(!rx.has_message());
    /// tx.send(1).unwrap();
    /// assert!(rx.has_message());
    /// ```
    pub fn has_message(&self) -> bool {
        self.0.has_message()
    }

    /// Whether this round is over with nothing left to receive: its sender
    /// dropped unsent, or its message was received. Then
    /// [`sender`](Self::sender) starts the next round.
    ///
    /// ```
    /// let (tx, mut rx) = tidings::multishot::channel();
    /// assert!(!rx.is_closed());
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.is_closed());
    /// let tx = rx.sender().unwrap(); // a new round
    /// assert!(!rx.is_closed());
    /// drop(tx); // ended unsent
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }

    /// Receives this round's message in an async task.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes loses nothing: a message
    /// that arrives stays in the channel for the next receive, and the
    /// future's waker is withdrawn.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::multishot::channel();
    /// std::thread::spawn(move || tx.send(7).unwrap());
    /// assert_eq!(pollster::block_on(rx.recv_async()), Ok(7));
    /// ```
    pub fn recv_async(&mut self) -> RecvFuture<'_, T> {
        RecvFuture { receiver: self }
    }

    /// Takes this round's message if it is there now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet;
    /// [`TryRecvError::Disconnected`] if the round's sender is gone without
    /// sending, or its message was received already.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::multishot::channel();
    /// assert_eq!(rx.try_recv(), Err(tidings::TryRecvError::Empty));
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.0.try_recv()
    }

    /// Blocks the thread until this round's message comes.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the round's sender is dropped without sending, or
    /// its message was received already.
    ///
    /// # Blocking
    ///
    /// Parks the calling thread; in async code use
    /// [`recv_async`](Self::recv_async).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::multishot::channel();
    /// std::thread::spawn(move || tx.send("x").unwrap());
    /// assert_eq!(rx.recv(), Ok("x"));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv(&mut self) -> Result<T, RecvError> {
        self.0.recv_until(None).map_err(|_| RecvError)
    }

    /// Blocks the thread until this round's message comes or `timeout` has
    /// passed (a timeout too large to represent waits forever).
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
    /// let (_tx, mut rx) = tidings::multishot::channel::<u8>();
    /// assert_eq!(
    ///     rx.recv_timeout(Duration::from_millis(1)),
    ///     Err(tidings::RecvTimeoutError::Timeout)
    /// );
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.0
            .recv_until(crate::wait::block::deadline_after(timeout))
    }

    /// Blocks the thread until this round's message comes or `deadline` is
    /// reached.
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
    /// let (tx, mut rx) = tidings::multishot::channel();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.recv_deadline(Instant::now()), Ok(2));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_deadline(&mut self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.0.recv_until(Some(deadline))
    }
}

/// The future of [`Receiver::recv_async`]: this round's message, or
/// [`RecvError`] if the round's sender is gone without one.
///
/// With the `futures` feature it implements `FusedFuture`, which
/// `futures::select!` requires.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::multishot::channel();
/// let fut = rx.recv_async();
/// tx.send(1).unwrap();
/// assert_eq!(futures::executor::block_on(fut), Ok(1));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct RecvFuture<'a, T> {
    receiver: &'a mut Receiver<T>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.receiver.0.poll_recv(cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        self.receiver.0.cancel_recv();
    }
}

#[cfg(feature = "futures")]
impl<T> futures_core::FusedFuture for RecvFuture<'_, T> {
    /// True once the round has nothing more to give (its message was
    /// received, or its sender is gone without one).
    fn is_terminated(&self) -> bool {
        self.receiver.0.is_closed()
    }
}

// The same fields as the oneshot halves they wrap.
impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture").finish_non_exhaustive()
    }
}

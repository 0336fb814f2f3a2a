//! Broadcast channels: every receiver sees every message, blocking and
//! async on the same channel.
//!
//! Two policies for a receiver that falls behind:
//!
//! | constructor | when the slowest receiver is `cap` messages behind |
//! |---|---|
//! | [`channel(cap)`](channel) | a send waits: nothing is ever lost (backpressure) |
//! | [`lagging(cap)`](lagging) | a send never waits: the oldest message is overwritten, and a receiver that missed it is told [`Lagged(n)`](RecvError::Lagged) once |
//!
//! ```
//! use std::thread;
//! use tidings::broadcast;
//!
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! let a = thread::spawn(move || rx1.iter().sum::<i32>());
//! let b = thread::spawn(move || rx2.iter().count());
//! for i in 0..100 {
//!     tx.send(i).unwrap();
//! }
//! drop(tx); // the receivers see the end once they have read everything
//! assert_eq!(a.join().unwrap(), (0..100).sum());
//! assert_eq!(b.join().unwrap(), 100);
//! ```
//!
//! # Receivers
//!
//! A [`Receiver`] sees every message sent while it exists: the first one
//! from the start, one made by [`Sender::subscribe`] from then on, and a
//! clone of a receiver from where that receiver is. Its receive methods
//! take `&mut self` (a receiver is a position in the channel); clone it
//! for another reader.
//!
//! Each message is cloned at most once per receiver, and the last
//! receiver to read it moves it out instead of cloning it; a message that
//! no receiver will read (its readers were dropped, or it was overwritten)
//! is dropped at once. Clones of one message are made one at a time
//! (outside the channel's lock, so a slow clone holds up only the
//! receivers of that message): `T` needs to be `Send` and `Clone`, not
//! `Sync`. A receiver never waits on another receiver's clone (user code,
//! which may take long, or wait for this very receiver): meanwhile
//! [`try_recv`](Receiver::try_recv) finds nothing to read yet (`Empty`), and
//! a waiting receive sleeps until that clone is done, within its deadline.
//!
//! # When user code panics
//!
//! A message's `Clone` and `Drop`, and a waiting task's waker, are user
//! code that a receive or a send may run. If it panics, the panic reaches
//! that call's caller, and nothing is lost:
//!
//! - a receive whose clone panics reads that message again next time; while
//!   it unwinds it still wakes the receivers that waited for that clone
//!   (if one of those wakes panics too, the process aborts: two panics at
//!   once, as in `Vec`);
//! - a receive that read a message and then panics (waking the senders or
//!   receivers its read let go on, or dropping a message nobody reads any
//!   more) keeps the message: the receiver's next receive returns it (it
//!   counts in [`Receiver::len`], and a clone of the receiver gets a clone
//!   of it);
//! - a send whose message went into the channel has sent it, even if waking
//!   the receivers then panics; a waiting send that unwinds (blocking or
//!   async) is withdrawn, and its message dropped.
//!
//! # Closing
//!
//! When every sender is gone, or after [`Sender::close`], sends fail with
//! their message back, and each receiver reads what is left for it, then
//! gets `Disconnected`. While a channel has no receiver, a send fails with
//! its message back (nobody would read it), and [`Sender::is_disconnected`]
//! is true; [`Sender::subscribe`] makes a receiver again, as in tokio.
//!
//! # Waiting senders
//!
//! A send that waits for room (backpressure) keeps its message. A receiver
//! that frees room moves the first waiting sender's message into the
//! channel itself and wakes that sender with its send complete, so a send
//! future that is woken and never polled again holds up nobody. Waiting
//! senders go in in the order they came. A receiver that is dropped frees
//! its room at once.

use crate::loom::sync::Arc;
use core::cell::RefCell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::{Duration, Instant};

#[cfg(feature = "std")]
use crate::error::SendTimeoutError;
use crate::error::{SendError, TrySendError};

mod chan;
mod error;
#[cfg(feature = "std")]
mod select;
mod slot;
mod state;
#[cfg(feature = "futures")]
mod stream;

use crate::queue::recv::RecvOp;
use crate::queue::send::SendOp;
use chan::{Chan, Cursor};
pub use error::{RecvError, RecvTimeoutError, TryRecvError};
#[cfg(feature = "futures")]
pub use stream::RecvStream;

/// Makes a broadcast channel with backpressure: it holds up to `cap`
/// messages that some receiver has yet to read, and a send waits while the
/// slowest receiver is `cap` messages behind. Nothing is ever lost.
///
/// Slots are allocated as the channel fills and then kept for reuse, so a
/// large `cap` costs nothing up front.
///
/// # Panics
///
/// If `cap` is 0.
///
/// # Examples
///
/// ```
/// use tidings::{broadcast, TrySendError};
///
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send("a").unwrap();
/// assert_eq!(tx.try_send("b"), Err(TrySendError::Full("b")));
/// assert_eq!(rx.recv(), Ok("a"));
/// tx.send("b").unwrap();
/// ```
pub fn channel<T: Clone>(cap: usize) -> (Sender<T>, Receiver<T>) {
    new(cap, false)
}

/// Makes a lagging broadcast channel: it holds the last `cap` messages
/// that some receiver has yet to read, and a send never waits. When a
/// receiver is `cap` messages behind, a send overwrites the oldest
/// message; that receiver's next receive reports
/// [`Lagged(n)`](RecvError::Lagged) (it missed `n` messages), and the one
/// after that reads the oldest message still held.
///
/// # Panics
///
/// If `cap` is 0.
///
/// # Examples
///
/// ```
/// use tidings::broadcast::{self, RecvError};
///
/// let (tx, mut rx) = broadcast::lagging(2);
/// for i in 0..5 {
///     tx.send(i).unwrap(); // never waits
/// }
/// assert_eq!(rx.recv(), Err(RecvError::Lagged(3)));
/// assert_eq!(rx.recv(), Ok(3));
/// assert_eq!(rx.recv(), Ok(4));
/// ```
pub fn lagging<T: Clone>(cap: usize) -> (Sender<T>, Receiver<T>) {
    new(cap, true)
}

fn new<T>(cap: usize, lagging: bool) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(cap, lagging));
    (
        Sender { chan: chan.clone() },
        Receiver {
            chan,
            at: RefCell::new(Cursor::at(0)),
        },
    )
}

/// The sending half of a broadcast channel. Clone it for more producers.
///
/// When the last sender is dropped the channel closes: receivers read what
/// is left for them, then get `Disconnected`.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::broadcast::channel(4);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// drop((tx, tx2));
/// assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2]);
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a broadcast channel: it reads every message sent
/// while it exists. Clone it (or [subscribe](Sender::subscribe)) for
/// another reader.
///
/// Dropping a receiver releases its hold at once: messages only it had
/// yet to read are dropped, and senders waiting for room get it.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::broadcast::channel(4);
/// tx.send(1).unwrap();
/// let mut rx2 = rx.clone(); // starts where `rx` is
/// tx.send(2).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx2.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert_eq!(rx2.try_recv(), Ok(2));
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    /// Where it reads next (and a message it keeps after a panic). In a
    /// `RefCell` so that a select can receive through `&Receiver`
    /// (`select.rs`); every other receive has `&mut self` and reaches it
    /// with `get_mut`, at no cost. (So a receiver is not `Sync`.)
    at: RefCell<Cursor<T>>,
}

/// A sender that does not keep the channel open: it can be
/// [upgraded](WeakSender::upgrade) to a [`Sender`] while another sender
/// lives (tokio's `broadcast::WeakSender`).
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::broadcast::channel(4);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert!(weak.upgrade().is_none(), "the last sender is gone");
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    queue_send_methods! {
        new: "tidings::broadcast::channel(1)",
        send: "Sends `msg` to every receiver, blocking the thread while the slowest
        receiver is `cap` messages behind (backpressure; a lagging channel
        never waits). Fails, with the message back, if the channel is
        closed or has no receiver.",
        send_async: "Sends `msg` to every receiver, waiting (asynchronously) for room.",
        cancel_safety: "Dropping the future before it completes means the message was
        either sent or never will be (it is dropped with the future).",
        closed: "the channel is closed ([`close`](Self::close)) or has no
        receiver left (sends fail then; a receiver that subscribes later
        makes them succeed again)",
    }

    /// A new receiver that sees every message sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver {
            at: RefCell::new(Cursor::at(self.chan.subscribe())),
            chan: self.chan.clone(),
        }
    }

    /// Makes a [`WeakSender`], which does not keep the channel open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    /// assert!(weak.upgrade().is_some());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan.weak_senders().add();
        WeakSender {
            chan: self.chan.clone(),
        }
    }

    /// How many senders the channel has (tokio's name; the same as
    /// [`sender_count`](Self::sender_count)).
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// How many weak senders the channel has.
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// let _weak2 = weak.clone();
    /// assert_eq!(tx.weak_count(), 2);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_senders().count()
    }

    /// Whether `other` sends on the same channel.
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// let (other, _rx2) = tidings::broadcast::channel::<u8>(4);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// How many receivers the channel has.
    ///
    /// ```
    /// let (tx, rx) = tidings::broadcast::channel::<u8>(4);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.chan.receiver_count()
    }

    /// How many senders the channel has.
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx2.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// How many messages the channel holds: those that some receiver has
    /// yet to read (the slowest receiver's backlog).
    ///
    /// ```
    /// let (tx, mut rx) = tidings::broadcast::channel(4);
    /// let mut rx2 = tx.subscribe();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// rx.try_recv().unwrap();
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 2, "rx2 has not read them");
    /// rx2.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether every receiver has read every message.
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most messages the channel holds (`cap`).
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::lagging::<u8>(8);
    /// assert_eq!(tx.capacity(), 8);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// Closes the channel for every sender: sends fail from now on (waiting
    /// ones too, with their message back), and receivers read what is left
    /// for them, then get `Disconnected`. Returns whether this call closed
    /// it (false if it was closed already).
    ///
    /// ```
    /// use tidings::broadcast::{self, RecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(!tx.close());
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(RecvError::Disconnected));
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Whether a send would fail now: the channel is closed, or has no
    /// receiver (until one [subscribes](Self::subscribe)).
    ///
    /// ```
    /// let (tx, rx) = tidings::broadcast::channel::<u8>(4);
    /// assert!(!tx.is_disconnected());
    /// drop(rx);
    /// assert!(tx.is_disconnected());
    /// let _rx = tx.subscribe();
    /// assert!(!tx.is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.chan.is_disconnected()
    }
}

impl<T: Clone> Receiver<T> {
    /// Receives the next message, blocking the thread until one comes.
    /// Fails with `Disconnected` once the channel is closed and this
    /// receiver has read everything, and with `Lagged(n)` once after it
    /// missed `n` overwritten messages (lagging channels).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::thread;
    ///
    /// let (tx, mut rx) = tidings::broadcast::channel(1);
    /// thread::spawn(move || tx.send("hi").unwrap());
    /// assert_eq!(rx.recv(), Ok("hi"));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv(&mut self) -> Result<T, RecvError> {
        self.chan
            .recv_until(self.at.get_mut(), None)
            .map_err(|err| match err {
                RecvTimeoutError::Lagged(missed) => RecvError::Lagged(missed),
                _ => RecvError::Disconnected,
            })
    }

    /// Receives the next message if there is one now. Never waits: while
    /// another receiver is cloning the message this one would read next, it
    /// finds nothing to read yet ([`TryRecvError::Empty`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use tidings::broadcast::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv(self.at.get_mut())
    }

    /// Receives the next message, blocking at most `timeout`. A timeout
    /// too large to represent waits forever; a zero timeout still takes a
    /// message that is there now.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tidings::broadcast::{self, RecvTimeoutError};
    ///
    /// let (tx, mut rx) = broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(1));
    /// assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Timeout));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.chan.recv_until(
            self.at.get_mut(),
            crate::wait::block::deadline_after(timeout),
        )
    }

    /// Receives the next message, blocking until `deadline` at most.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, mut rx) = tidings::broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(rx.recv_deadline(deadline), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_deadline(&mut self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.chan.recv_until(self.at.get_mut(), Some(deadline))
    }

    /// Receives the next message, waiting asynchronously.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future never loses a message: the receiver's position
    /// moves only in the poll that returns a message (or a lag).
    ///
    /// # Examples
    ///
    /// ```
    /// # pollster::block_on(async {
    /// let (tx, mut rx) = tidings::broadcast::channel(4);
    /// std::thread::spawn(move || tx.send(7).unwrap());
    /// assert_eq!(rx.recv_async().await, Ok(7));
    /// # });
    /// ```
    pub fn recv_async(&mut self) -> RecvFuture<'_, T> {
        RecvFuture {
            rx: self,
            op: RecvOp::new(),
        }
    }

    /// A blocking iterator over the messages; it ends when the channel is
    /// closed and this receiver has read everything. A lag is skipped
    /// (the iterator goes on with the oldest message still held).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    #[cfg(feature = "std")]
    pub fn iter(&mut self) -> Iter<'_, T> {
        Iter { rx: self }
    }
}

impl<T> Receiver<T> {
    /// A new receiver that sees every message sent from now on, as
    /// [`Sender::subscribe`] makes (tokio's `resubscribe`): not a copy of
    /// this one's position, which [`clone`](Clone::clone) makes.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut fresh = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(fresh.try_recv(), Ok(2));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver {
            at: RefCell::new(Cursor::at(self.chan.subscribe())),
            chan: self.chan.clone(),
        }
    }

    /// Whether the channel is closed: by [`close`](Sender::close), or
    /// because every sender is gone. Messages may still be left to read.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.recv(), Ok(1), "still there to read");
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether `other` receives from the same channel.
    ///
    /// ```
    /// let (tx, rx) = tidings::broadcast::channel::<u8>(4);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// How many messages this receiver has yet to read.
    ///
    /// ```
    /// let (tx, mut rx) = tidings::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let at = self.at.borrow();
        self.chan.backlog(at.next) + at.kept()
    }

    /// Whether this receiver has read everything sent so far.
    ///
    /// ```
    /// let (_tx, rx) = tidings::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// No shared state of a handle is left broken at any point where a panic
// (in user code: a clone, a message's drop, a waker) can unwind.
impl<T> core::panic::UnwindSafe for Sender<T> {}
impl<T> core::panic::RefUnwindSafe for Sender<T> {}
impl<T> core::panic::UnwindSafe for Receiver<T> {}
impl<T> core::panic::RefUnwindSafe for Receiver<T> {}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Self {
            chan: self.chan.clone(),
        }
    }
}

impl<T: Clone> Clone for Receiver<T> {
    /// A receiver at the same position: it reads what this one has yet to
    /// read (a lag this one has not been told of yet included, and a clone
    /// of a message this one keeps after a panic: see the module docs).
    fn clone(&self) -> Self {
        // First the copy (a message kept after a panic is cloned: user
        // code), then the count.
        let at = self.at.borrow().clone();
        self.chan.clone_receiver(at.next);
        Self {
            chan: self.chan.clone(),
            at: RefCell::new(at),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if any sender is still alive (a channel whose senders
    /// are all gone stays closed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.try_add_sender().then(|| Sender {
            chan: self.chan.clone(),
        })
    }

    /// How many senders the channel has.
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// How many weak senders the channel has, this one included.
    ///
    /// ```
    /// let (tx, _rx) = tidings::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan.weak_senders().count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.chan.weak_senders().add();
        Self {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.weak_senders().remove();
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> core::panic::UnwindSafe for WeakSender<T> {}
impl<T> core::panic::RefUnwindSafe for WeakSender<T> {}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver(self.at.get_mut().next);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &self.chan).finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("at", &self.at)
            .field("chan", &self.chan)
            .finish()
    }
}

// ---- futures ----

/// The future of [`Sender::send_async`].
///
/// With the `futures` feature it implements `FusedFuture`, which
/// `futures::select!` requires.
///
/// # Cancel safety
///
/// Dropping it before it completes means the message was either sent or
/// never will be (it is then dropped with the future); never twice.
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, T> {
    chan: &'a Chan<T>,
    op: SendOp<T>,
}

queue_send_future_impls!("tidings::broadcast::channel(1)");

/// The future of [`Receiver::recv_async`].
///
/// With the `futures` feature it implements `FusedFuture`, which
/// `futures::select!` requires.
///
/// # Cancel safety
///
/// Dropping it never loses a message: the receiver's position moves only
/// in the poll that returns.
#[must_use = "futures do nothing unless polled"]
pub struct RecvFuture<'a, T> {
    rx: &'a mut Receiver<T>,
    op: RecvOp<T>,
}

impl<T: Clone> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let rx = &mut *this.rx;
        this.op
            .poll(|entry| rx.chan.poll_recv(cx, rx.at.get_mut(), entry, false))
    }
}

#[cfg(feature = "futures")]
impl<T: Clone> futures_core::FusedFuture for RecvFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.op.is_done()
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        let chan = &*self.rx.chan;
        self.op.cancel(|entry| chan.cancel_recv(entry));
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("op", &self.op)
            .finish_non_exhaustive()
    }
}

/// A blocking iterator over a receiver's messages; see [`Receiver::iter`].
#[cfg(feature = "std")]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a, T> {
    rx: &'a mut Receiver<T>,
}

#[cfg(feature = "std")]
impl<T: Clone> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            match self.rx.recv() {
                Ok(msg) => return Some(msg),
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Disconnected) => return None,
            }
        }
    }
}

#[cfg(feature = "std")]
impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

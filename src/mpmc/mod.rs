//! Multi-producer multi-consumer channels: [`bounded`](fn@bounded),
//! [`unbounded`](fn@unbounded) and [`rendezvous`](fn@rendezvous), blocking
//! and async on the same channel.
//!
//! [`Sender`] and [`Receiver`] are both `Clone`; every message goes to
//! exactly one receiver. Each operation that can wait has a blocking form
//! (`send`, `recv`, with `_timeout` and `_deadline` variants) and an async
//! form (`send_async`, `recv_async`), and both may be used on one channel
//! at once: a thread can feed tasks, a task can feed threads.
//!
//! ```
//! use std::thread;
//!
//! let (tx, rx) = tidings::mpmc::bounded(16);
//! let producers: Vec<_> = (0..4)
//!     .map(|p| {
//!         let tx = tx.clone();
//!         thread::spawn(move || {
//!             for i in 0..100 {
//!                 tx.send(p * 100 + i).unwrap();
//!             }
//!         })
//!     })
//!     .collect();
//! drop(tx); // the receiver sees the end once every producer is done
//! let sum: u32 = rx.iter().sum();
//! assert_eq!(sum, (0..400).sum());
//! for p in producers {
//!     p.join().unwrap();
//! }
//! ```
//!
//! # Flavors
//!
//! | constructor | buffer | a send waits while |
//! |---|---|---|
//! | [`bounded(cap)`](fn@bounded) | a ring of `cap` slots | the ring is full |
//! | [`unbounded()`](fn@unbounded) | a ring that doubles as it fills and halves as it drains | never |
//! | [`rendezvous()`](fn@rendezvous) (= `bounded(0)`) | none | no receiver has taken its message |
//!
//! # Closing
//!
//! When every sender is gone, or after [`Sender::close`] or
//! [`Receiver::close`], sends fail with their message handed back, and
//! receivers get what is still buffered, then `Disconnected`. When every
//! receiver is gone, the buffered messages are dropped at once.
//!
//! # Waiting senders
//!
//! A send that waits (the channel is full, or a rendezvous has no receiver
//! yet) keeps its message. A receiver that makes room moves the first
//! waiting sender's message into the buffer itself and wakes that sender
//! with its send complete; on a rendezvous channel the receiver takes the
//! message straight from the waiting sender. So a woken send has nothing
//! left to do, and a send future that is woken and then never polled holds
//! up no other sender. Waiting senders are served in the order they came;
//! so are waiting receivers, except that a sender that finds nothing
//! buffered hands its message straight to a blocked receiving thread (which
//! then wakes with it in hand) before a waiting future, and a receiver that
//! was woken but found its message taken (by a `try_recv`, or a receiver
//! that was not waiting yet) waits again at the back.
//!
//! # Permits
//!
//! [`Sender::try_reserve`], [`Sender::reserve_async`] (and, with `std`,
//! the blocking `reserve` with its `_timeout` and `_deadline` forms) take
//! a slot before the message exists: the [`Permit`]'s
//! [`send`](Permit::send) then cannot fail and never waits, and dropping
//! it gives the slot back. `reserve_many` takes `n` at once
//! ([`PermitIterator`]); `reserve_owned` makes an [`OwnedPermit`] that
//! holds the sender. Waiting reserves and waiting sends share one line:
//! a freed slot goes to the oldest, and nobody barges in. A permit taken
//! before a close still sends, and receivers see the end once no permit
//! is left. An unbounded channel grants every reserve at once; a
//! rendezvous has no slot, so a reserve of 1 or more fails at once.
//!
//! # When user code panics
//!
//! A waiting task's waker (its clone, wake or drop) and a message's `Drop`
//! are user code that a send or a receive may run. If it panics, the panic
//! reaches that call's caller, and nothing is lost:
//!
//! - a receive that took a message and then panics waking the sender or
//!   receiver it let go on puts the message back at the front of the
//!   channel, for the next receive. (Until then a bounded channel may hold
//!   one message more than its capacity, and a rendezvous channel holds
//!   it: its [`len`](Receiver::len) is 1.)
//! - a send whose message went into the channel (or to a receiver) has
//!   sent it, even if waking a receiver then panics; a waiting send that
//!   unwinds, blocking or async, is withdrawn, and its message dropped;
//! - when the channel drops buffered messages and one's `Drop` panics, the
//!   others are still dropped (a second panic aborts, as in `Vec`).

use crate::loom::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::{Duration, Instant};

use crate::error::{RecvError, SendError, TryRecvError, TrySendError};
#[cfg(feature = "std")]
use crate::error::{RecvTimeoutError, SendTimeoutError};

/// What a `Sender` and a `Receiver` both tell of their channel, written
/// once; `$handle` names the half the examples ask.
macro_rules! inspect_methods {
    ($handle:literal) => {
        /// The number of messages in the channel's buffer (0 for a
        /// rendezvous channel, unless a receive put its message back after
        /// a panicking waker: see the [module docs](self#when-user-code-panics)).
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::mpmc::bounded(4);
        /// tx.send(1).unwrap();
        #[doc = concat!("assert_eq!(", $handle, ".len(), 1);")]
        /// ```
        pub fn len(&self) -> usize {
            self.chan.len()
        }

        /// Whether the buffer is empty (always for a rendezvous channel,
        /// but for a message put back: see [`len`](Self::len)).
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::mpmc::bounded::<u8>(4);
        #[doc = concat!("assert!(", $handle, ".is_empty());")]
        /// ```
        pub fn is_empty(&self) -> bool {
            self.chan.len() == 0
        }

        /// Whether the buffer is full: a send would find no room now, every
        /// slot being filled or held by a [permit](Permit) (always for a
        /// rendezvous channel, never for an unbounded one).
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::mpmc::bounded(1);
        /// tx.send(1).unwrap();
        #[doc = concat!("assert!(", $handle, ".is_full());")]
        /// ```
        pub fn is_full(&self) -> bool {
            self.chan.is_full()
        }

        /// The capacity: `Some(cap)` for a bounded channel (`Some(0)` for a
        /// rendezvous), `None` for an unbounded one.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::mpmc::bounded::<u8>(3);
        #[doc = concat!("assert_eq!(", $handle, ".capacity(), Some(3));")]
        /// let (tx, rx) = tidings::mpmc::unbounded::<u8>();
        #[doc = concat!("assert_eq!(", $handle, ".capacity(), None);")]
        /// ```
        pub fn capacity(&self) -> Option<usize> {
            self.chan.capacity()
        }

        /// The number of live senders (weak senders are not counted).
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::mpmc::unbounded::<u8>();
        /// let tx2 = tx.clone();
        #[doc = concat!("assert_eq!(", $handle, ".sender_count(), 2);")]
        /// ```
        pub fn sender_count(&self) -> usize {
            self.chan.sender_count()
        }

        /// The number of live receivers.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::mpmc::unbounded::<u8>();
        /// let rx2 = rx.clone();
        #[doc = concat!("assert_eq!(", $handle, ".receiver_count(), 2);")]
        /// ```
        pub fn receiver_count(&self) -> usize {
            self.chan.receiver_count()
        }
    };
}

mod chan;
mod permit;
mod rendezvous;
mod ring;
#[cfg(feature = "std")]
mod select;
mod state;
#[cfg(feature = "std")]
mod timer;

use crate::queue::recv::RecvOp;
use crate::queue::send::SendOp;
use chan::{Buffer, Chan};

/// Makes a channel that holds at most `cap` messages; a send waits while
/// it is full. `bounded(0)` is a [`rendezvous`](fn@rendezvous) channel.
/// (One message more only after a receive put its message back because a
/// waker it woke panicked; see the
/// [module docs](self#when-user-code-panics).)
///
/// The buffer's slots are allocated as the channel first fills (up to 64
/// at once, then four times as many at each step, never more than `cap`)
/// and then kept, so a
/// very large `cap` is not an allocation up front.
///
/// # Examples
///
/// ```
/// use tidings::TrySendError;
///
/// let (tx, rx) = tidings::mpmc::bounded(1);
/// tx.send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    if cap == 0 {
        return rendezvous();
    }
    new(Buffer::bounded(cap))
}

/// Makes a channel without a bound: a send never waits.
///
/// Messages are kept in a ring that doubles when it is full (so a burst
/// of `n` messages costs about log2(n) allocations, each moving the
/// messages queued) and halves once it drains to a sixteenth, down to 32
/// slots, so the memory of a burst is given back once the burst is
/// received.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::mpmc::unbounded();
/// for i in 0..1000 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.try_iter().sum::<i32>(), (0..1000).sum());
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    new(Buffer::unbounded())
}

/// Makes a channel of capacity 0: a send completes only when a receiver
/// takes its message, whether each side blocks a thread or awaits.
///
/// `try_send` succeeds only if a thread is blocked in a receive at that
/// moment (a waiting receive *future* cannot take a message it might never
/// come back for, so it does not count).
///
/// # Examples
///
/// ```
/// use std::thread;
///
/// let (tx, rx) = tidings::mpmc::rendezvous();
/// let sender = thread::spawn(move || tx.send("hand to hand").unwrap());
/// assert_eq!(rx.recv(), Ok("hand to hand"));
/// sender.join().unwrap();
/// assert_eq!(rx.capacity(), Some(0));
/// ```
pub fn rendezvous<T>() -> (Sender<T>, Receiver<T>) {
    new(Buffer::rendezvous())
}

/// A receiver that gets one message, the instant `duration` from now,
/// once that instant has passed: crossbeam-channel's `after`. Receive it
/// on its own (`recv`, `recv_timeout`, `recv_async`) or in a select; a
/// blocking wait parks until the instant, a future is woken then by the
/// crate's timer thread (started on first use).
///
/// The message is the instant it was due, not the time it was received.
/// The channel then stays empty, and never disconnects. Its capacity is
/// `Some(1)`; `is_full()` while the message is due. A `duration` too large
/// to represent gives [`never`](fn@never).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let start = Instant::now();
/// let timeout = tidings::after(Duration::from_millis(10));
/// let (_tx, rx) = tidings::unbounded::<u8>();
/// let got = tidings::select! {
///     recv(rx) -> msg => msg.ok(),
///     recv(timeout) -> at => {
///         assert!(at.unwrap() >= start + Duration::from_millis(10));
///         None
///     }
/// };
/// assert_eq!(got, None);
/// assert_eq!(timeout.capacity(), Some(1));
/// assert!(timeout.try_recv().is_err(), "delivered once");
/// ```
#[cfg(feature = "std")]
pub fn after(duration: Duration) -> Receiver<Instant> {
    match Instant::now().checked_add(duration) {
        Some(when) => at(when),
        None => never(),
    }
}

/// A receiver that gets one message, `when`, once that instant has
/// passed: [`after`] with an instant instead of a duration.
///
/// # Examples
///
/// ```
/// use std::time::Instant;
///
/// let now = Instant::now();
/// let rx = tidings::at(now);
/// assert_eq!(rx.recv(), Ok(now));
/// ```
#[cfg(feature = "std")]
pub fn at(when: Instant) -> Receiver<Instant> {
    timer(timer::Timer::once(when))
}

/// A receiver that gets a message every `duration`: crossbeam-channel's
/// `tick`. The first is due `duration` from now; each receive schedules
/// the next `duration` after the time it was received, so a tick missed
/// is not delivered later as a burst. The message is the instant it was
/// due. Its capacity is `Some(1)`; a `duration` too large to represent
/// gives [`never`](fn@never).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let ticker = tidings::tick(Duration::from_millis(5));
/// let first = ticker.recv().unwrap();
/// let second = ticker.recv().unwrap();
/// assert!(second >= first + Duration::from_millis(5));
/// ```
#[cfg(feature = "std")]
pub fn tick(duration: Duration) -> Receiver<Instant> {
    match Instant::now().checked_add(duration) {
        Some(first) => timer(timer::Timer::every(first, duration)),
        None => never(),
    }
}

/// A receiver that never gets a message and never disconnects:
/// crossbeam-channel's `never`, for an optional operation in a select.
/// Its capacity is `Some(0)`, it is always full, and all `never()`
/// receivers are the [same channel](Receiver::same_channel).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let maybe: Option<tidings::Receiver<u8>> = None;
/// let got = tidings::select! {
///     recv(maybe.as_ref().unwrap_or(&tidings::never())) -> msg => msg.ok(),
///     default(Duration::from_millis(1)) => None,
/// };
/// assert_eq!(got, None);
/// assert!(tidings::never::<u8>().same_channel(&tidings::never()));
/// ```
#[cfg(feature = "std")]
pub fn never<T>() -> Receiver<T> {
    timer(timer::Timer::never())
}

/// A timer's receiver: a channel without a sender.
#[cfg(feature = "std")]
fn timer<T>(timer: timer::Timer<T>) -> Receiver<T> {
    Receiver {
        chan: Arc::new(Chan::new(Buffer::timer(timer))),
    }
}

fn new<T>(buffer: Buffer<T>) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(buffer));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The sending half of an mpmc channel. Clone it for more producers.
///
/// When the last sender is dropped the channel closes: receivers drain
/// what is buffered, then get `Disconnected`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::mpmc::unbounded();
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// drop((tx, tx2));
/// assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2]);
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of an mpmc channel. Clone it for more consumers;
/// each message goes to one of them.
///
/// When the last receiver is dropped the channel closes and the buffered
/// messages are dropped at once; sends fail with their message back.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::mpmc::bounded(4);
/// let rx2 = rx.clone();
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// assert_eq!(rx2.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

/// A sender that does not keep the channel open: it can be
/// [upgraded](WeakSender::upgrade) to a [`Sender`] while another sender
/// lives.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::mpmc::unbounded::<u8>();
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
        new: "tidings::mpmc::bounded(1)",
        send: "Sends `msg`, blocking the thread while the channel is full (on a
        rendezvous channel: until a receiver takes it). Fails, with the
        message back, if the channel is closed or closes meanwhile.",
        send_async: "Sends `msg` asynchronously: the future completes once the message
        is in the channel (on a rendezvous channel: taken by a receiver).",
        cancel_safety: "Dropping the future before it completes means the message was either
        delivered or never will be: if a receiver took it while the future
        waited, the send counts as done; otherwise the message is withdrawn
        and dropped with the future. It is never delivered twice.",
        closed: "the channel is closed: by [`close`](Self::close) on either side, or
        because every receiver is gone (sends fail from then on)",
    }

    /// Closes the channel for everyone: from now on every send fails with
    /// its message back (also sends waiting now), and receivers get what
    /// is buffered, then `Disconnected`. Returns whether this call closed
    /// it (`false`: it was closed already).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// tx.send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(tidings::RecvError));
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Whether the channel is closed: every receiver is gone, or it was
    /// [closed](Self::close). Sends will fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::mpmc::unbounded::<u8>();
    /// assert!(!tx.is_disconnected());
    /// drop(rx);
    /// assert!(tx.is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.chan.is_closed()
    }

    /// Sends `msg` without waiting, making room if the channel is full
    /// (async-channel's `force_send`): `Ok(None)` when it went in as a
    /// `try_send` would; on a full bounded channel the oldest message is
    /// evicted to make room and handed back, `Ok(Some(oldest))` (nothing
    /// is dropped). An unbounded channel is never full. A rendezvous
    /// channel has no room to make: `msg` goes to a receiving thread that
    /// is blocked in a receive (not to a waiting receive future, which
    /// might never be polled again), or comes back itself,
    /// `Ok(Some(msg))`. Fails, with the message back, if the channel is
    /// closed.
    ///
    /// Senders waiting for room keep waiting: the evicted message makes
    /// no room. When [permits](Permit) hold every slot of a bounded
    /// channel and nothing is buffered, there is nothing to evict: `msg`
    /// comes back, `Ok(Some(msg))`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(2);
    /// assert_eq!(tx.force_send(1), Ok(None));
    /// assert_eq!(tx.force_send(2), Ok(None));
    /// assert_eq!(tx.force_send(3), Ok(Some(1)), "full: the oldest is evicted");
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [2, 3]);
    /// drop(rx);
    /// assert_eq!(tx.force_send(4), Err(tidings::SendError(4)));
    /// ```
    pub fn force_send(&self, msg: T) -> Result<Option<T>, SendError<T>> {
        self.chan.force_send(msg).map_err(SendError)
    }

    /// Makes a [`WeakSender`], which does not keep the channel open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::mpmc::unbounded::<u8>();
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.sender_count(), 1, "a weak sender is not counted");
    /// assert!(weak.upgrade().is_some());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.clone(),
        }
    }

    inspect_methods!("tx");

    /// Whether `self` and `other` send on the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::mpmc::unbounded::<u8>();
    /// let (other, _) = tidings::mpmc::unbounded::<u8>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Receiver<T> {
    /// Receives a message, blocking the thread until one comes. Fails once
    /// the channel is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::thread;
    ///
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// thread::spawn(move || tx.send(7).unwrap());
    /// assert_eq!(rx.recv(), Ok(7));
    /// assert_eq!(rx.recv(), Err(tidings::RecvError));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan.recv_until(None, |got| got.map_err(|_| RecvError))
    }

    /// Receives a message if one is ready now.
    ///
    /// # Examples
    ///
    /// ```
    /// use tidings::TryRecvError;
    ///
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Like [`recv`](Self::recv), waiting at most `timeout`. A zero timeout
    /// still takes a message that is ready now; a timeout too large to
    /// represent waits forever.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tidings::RecvTimeoutError;
    ///
    /// let (tx, rx) = tidings::mpmc::unbounded::<u8>();
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.chan
            .recv_until(crate::wait::block::deadline_after(timeout), |got| got)
    }

    /// Like [`recv`](Self::recv), waiting until `deadline` at most.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use tidings::RecvTimeoutError;
    ///
    /// let (_tx, rx) = tidings::mpmc::unbounded::<u8>();
    /// let deadline = Instant::now() + Duration::from_millis(1);
    /// assert_eq!(rx.recv_deadline(deadline), Err(RecvTimeoutError::Timeout));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.chan.recv_until(Some(deadline), |got| got)
    }

    /// Receives a message asynchronously.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future never loses a message: a message leaves the
    /// channel only in the poll that returns it. A future that was woken
    /// for a message and is dropped (say, by a `select!` that took another
    /// branch) passes the wake on to another waiting receiver.
    ///
    /// One message wakes one waiting receiver, so a woken future should be
    /// polled or dropped: one that is kept and never polled again takes no
    /// message, but holds the wake that came with it (like a listener of
    /// async-channel), and another receiver waits for the next message.
    ///
    /// # Examples
    ///
    /// ```
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// std::thread::spawn(move || tx.send("from a thread").unwrap());
    /// assert_eq!(rx.recv_async().await, Ok("from a thread"));
    /// # });
    /// ```
    pub fn recv_async(&self) -> RecvFuture<'_, T> {
        RecvFuture {
            chan: &self.chan,
            op: RecvOp::new(),
        }
    }

    /// Receives up to `limit` messages into `buf`, blocking until at least
    /// one is ready (or the channel is closed and drained); returns how
    /// many it appended. It takes what is ready then in one locked
    /// section, not a lock round trip per message.
    ///
    /// It returns 0 only for a `limit` of 0 (at once) or once the channel
    /// is closed and drained. It does not grow a `buf` that still has
    /// spare capacity: it then takes at most that many (so a buffer kept
    /// between calls is never reallocated behind your back; clear it to
    /// reuse its capacity). A `buf` without spare capacity (a new `Vec`,
    /// say) first reserves room for `limit` messages, or, if that much
    /// cannot be had (a `limit` of `usize::MAX`), grows as they come.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(8);
    /// for i in 0..5 {
    ///     tx.send(i).unwrap();
    /// }
    /// let mut buf = Vec::with_capacity(8);
    /// assert_eq!(rx.recv_many(&mut buf, 3), 3);
    /// assert_eq!(rx.recv_many(&mut buf, 3), 2);
    /// assert_eq!(buf, [0, 1, 2, 3, 4]);
    /// drop(tx);
    /// assert_eq!(rx.recv_many(&mut buf, 3), 0, "closed and drained");
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_many(&self, buf: &mut Vec<T>, limit: usize) -> usize {
        self.recv_many_until(buf, limit, None).unwrap_or(0)
    }

    /// Receives up to `limit` messages that are ready now into `buf`, in
    /// one locked section: `Ok(n)` with `n >= 1`, `Ok(0)` for a `limit` of
    /// 0, or why there is none (`Empty`, or `Disconnected` once closed and
    /// drained). `buf` grows as for `recv_many` (the blocking form, with
    /// `std`).
    ///
    /// # Examples
    ///
    /// ```
    /// use tidings::TryRecvError;
    ///
    /// let (tx, rx) = tidings::unbounded();
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.try_recv_many(&mut buf, 4), Err(TryRecvError::Empty));
    /// for c in ['a', 'b', 'c'] {
    ///     tx.send(c).unwrap();
    /// }
    /// assert_eq!(rx.try_recv_many(&mut buf, 2), Ok(2));
    /// assert_eq!(rx.try_recv_many(&mut buf, 2), Ok(1));
    /// assert_eq!(buf, ['a', 'b', 'c']);
    /// ```
    pub fn try_recv_many(&self, buf: &mut Vec<T>, limit: usize) -> Result<usize, TryRecvError> {
        match room(buf, limit) {
            0 => Ok(0),
            room => self.chan.try_recv_many(buf, buf.len(), room),
        }
    }

    /// Like [`recv_many`](Self::recv_many), waiting at most `timeout`:
    /// `Ok(n)` (`n >= 1`, or 0 for a `limit` of 0), `Timeout` if nothing
    /// came in time, `Disconnected` once closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tidings::RecvTimeoutError;
    ///
    /// let (tx, rx) = tidings::unbounded();
    /// let mut buf = Vec::new();
    /// let wait = Duration::from_millis(1);
    /// assert_eq!(rx.recv_many_timeout(&mut buf, 4, wait), Err(RecvTimeoutError::Timeout));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv_many_timeout(&mut buf, 4, wait), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_many_timeout(
        &self,
        buf: &mut Vec<T>,
        limit: usize,
        timeout: Duration,
    ) -> Result<usize, RecvTimeoutError> {
        self.recv_many_until(buf, limit, crate::wait::block::deadline_after(timeout))
    }

    /// Like [`recv_many`](Self::recv_many), waiting until `deadline` at
    /// most; as [`recv_many_timeout`](Self::recv_many_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = tidings::unbounded();
    /// tx.send(1).unwrap();
    /// let mut buf = Vec::new();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(rx.recv_many_deadline(&mut buf, 4, deadline), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_many_deadline(
        &self,
        buf: &mut Vec<T>,
        limit: usize,
        deadline: Instant,
    ) -> Result<usize, RecvTimeoutError> {
        self.recv_many_until(buf, limit, Some(deadline))
    }

    #[cfg(feature = "std")]
    fn recv_many_until(
        &self,
        buf: &mut Vec<T>,
        limit: usize,
        deadline: Option<Instant>,
    ) -> Result<usize, RecvTimeoutError> {
        let room = room(buf, limit);
        if room == 0 {
            return Ok(0);
        }
        let start = buf.len();
        match self.chan.try_recv_many(buf, start, room) {
            Ok(got) => return Ok(got),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {}
        }
        // Nothing ready: wait for one message, then take what came with
        // it (one more locked section).
        buf.push(self.chan.recv_slow(deadline)?);
        Ok(1 + more(&self.chan, buf, start, room))
    }

    /// Receives up to `limit` messages into `buf` asynchronously: ready
    /// once at least one is (or the channel is closed and drained), with
    /// how many it appended; as `recv_many` (the blocking form, with
    /// `std`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future never loses a message: messages leave the
    /// channel (into `buf`) only in the poll that returns. A wake it was
    /// given passes on to another waiting receiver, as for
    /// [`recv_async`](Self::recv_async).
    ///
    /// # Examples
    ///
    /// ```
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::unbounded();
    /// std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.send(i).unwrap();
    ///     }
    /// });
    /// let mut buf = Vec::new();
    /// while rx.recv_many_async(&mut buf, 8).await > 0 {}
    /// assert_eq!(buf, [0, 1, 2]);
    /// # });
    /// ```
    pub fn recv_many_async<'a>(
        &'a self,
        buf: &'a mut Vec<T>,
        limit: usize,
    ) -> RecvManyFuture<'a, T> {
        RecvManyFuture {
            chan: &self.chan,
            buf,
            limit,
            op: RecvOp::new(),
        }
    }

    /// Like [`recv_async`](Self::recv_async), with a future that owns this
    /// receiver: it is `'static`, so it can be spawned or stored (flume's
    /// `into_recv_async`).
    ///
    /// # Cancel safety
    ///
    /// As for [`recv_async`](Self::recv_async): dropping the future never
    /// loses a message.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::unbounded();
    /// let recv = rx.clone().into_recv_async();
    /// let task = std::thread::spawn(move || pollster::block_on(recv));
    /// tx.send(5).unwrap();
    /// assert_eq!(task.join().unwrap(), Ok(5));
    /// ```
    pub fn into_recv_async(self) -> OwnedRecvFuture<T> {
        OwnedRecvFuture {
            rx: self,
            op: RecvOp::new(),
        }
    }

    /// A blocking iterator over the messages; it ends when the channel is
    /// closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// std::thread::spawn(move || (0..3).for_each(|i| tx.send(i).unwrap()));
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// ```
    #[cfg(feature = "std")]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// An iterator over the messages ready now; it never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// assert_eq!(rx.try_iter().next(), None, "the sender is alive, but nothing is ready");
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { receiver: self }
    }

    /// Takes every message buffered now, at once (one locked section), and
    /// returns them as an iterator. They are this receiver's whether it is
    /// iterated or not: `rx.drain();` empties the channel's buffer,
    /// dropping what it held. Never waits. As each message taken makes
    /// room, senders waiting on a full channel move their messages in
    /// behind, as for that many receives; those are not part of the drain.
    /// (A rendezvous channel buffers nothing: its drain is empty.)
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// let drain = rx.drain();
    /// tx.send(3).unwrap();
    /// assert_eq!(drain.collect::<Vec<_>>(), [1, 2], "3 came after the drain");
    /// assert_eq!(rx.try_recv(), Ok(3));
    ///
    /// tx.send(4).unwrap();
    /// rx.drain(); // not iterated: the messages are dropped all the same
    /// assert!(rx.is_empty());
    /// ```
    pub fn drain(&self) -> Drain<'_, T> {
        Drain {
            msgs: self.chan.drain().into_iter(),
            _receiver: PhantomData,
        }
    }

    /// Closes the channel for everyone: from now on every send fails with
    /// its message back (also sends waiting now), and receivers get what
    /// is buffered, then `Disconnected`. Returns whether this call closed
    /// it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::mpmc::bounded(2);
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert_eq!(tx.send(2), Err(tidings::SendError(2)));
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(tidings::RecvError));
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Whether the channel is closed: every sender is gone, or it was
    /// [closed](Self::close). Buffered messages can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert!(rx.is_disconnected());
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.chan.is_closed()
    }

    inspect_methods!("rx");

    /// Whether `self` and `other` receive from the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = tidings::mpmc::unbounded::<u8>();
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        #[cfg(feature = "std")]
        if self.chan.is_never() && other.chan.is_never() {
            // As crossbeam's: every `never()` is the same channel.
            return true;
        }
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if any sender is still alive (a channel whose senders
    /// are all gone stays closed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::mpmc::unbounded::<u8>();
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
}

// No poisoning: every operation leaves the channel consistent at every
// point where a panic (in user code: a message's drop, a waker) can unwind,
// so a handle that saw a panic is as usable as before.
impl<T> core::panic::UnwindSafe for Sender<T> {}
impl<T> core::panic::RefUnwindSafe for Sender<T> {}
impl<T> core::panic::UnwindSafe for Receiver<T> {}
impl<T> core::panic::RefUnwindSafe for Receiver<T> {}
impl<T> core::panic::UnwindSafe for WeakSender<T> {}
impl<T> core::panic::RefUnwindSafe for WeakSender<T> {}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Self {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.add_receiver();
        Self {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        Self {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
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
/// Dropping it before it completes means the message was either delivered
/// or never will be (it is then dropped with the future); never twice.
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, T> {
    chan: &'a Chan<T>,
    op: SendOp<T>,
}

queue_send_future_impls!("tidings::mpmc::bounded(1)");

/// The future of [`Receiver::recv_async`].
///
/// With the `futures` feature it implements `FusedFuture`, which
/// `futures::select!` requires.
///
/// # Cancel safety
///
/// Dropping it never loses a message; a wake it was given passes on to
/// another waiting receiver.
#[must_use = "futures do nothing unless polled"]
pub struct RecvFuture<'a, T> {
    chan: &'a Chan<T>,
    op: RecvOp<T>,
}

/// The future of [`Receiver::into_recv_async`]: a [`RecvFuture`] that
/// owns its receiver, so it is `'static` (it can be spawned).
///
/// With the `futures` feature it implements `FusedFuture`.
///
/// # Cancel safety
///
/// As [`RecvFuture`]'s: dropping it never loses a message (the receiver
/// it owns is dropped with it, as any receiver).
#[must_use = "futures do nothing unless polled"]
pub struct OwnedRecvFuture<T> {
    rx: Receiver<T>,
    op: RecvOp<T>,
}

/// The trait impls of the receive futures, written once: `$chan` is the
/// channel of `$this`.
macro_rules! recv_future_impls {
    ($future:ident $(<$lt:lifetime, T>)? $(<T>)?, |$this:ident| $chan:expr) => {
        impl<T> Future for $future<$($lt,)? T> {
            type Output = Result<T, RecvError>;

            // As the send future's: inlined where LLVM agrees.
            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let $this = self.get_mut();
                let chan: &Chan<T> = $chan;
                $this
                    .op
                    .poll(|entry| chan.poll_recv(cx, entry, false, false))
                    .map(|msg| msg.ok_or(RecvError))
            }
        }

        #[cfg(feature = "futures")]
        impl<T> futures_core::FusedFuture for $future<$($lt,)? T> {
            fn is_terminated(&self) -> bool {
                self.op.is_done()
            }
        }

        impl<T> Drop for $future<$($lt,)? T> {
            fn drop(&mut self) {
                let $this = &mut *self;
                let chan: &Chan<T> = $chan;
                $this.op.cancel(|entry| {
                    let handed = chan.cancel_recv(entry);
                    debug_assert!(handed.is_none(), "futures accept no hand-off");
                });
            }
        }

        impl<T> fmt::Debug for $future<$($lt,)? T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($future))
                    .field("op", &self.op)
                    .finish_non_exhaustive()
            }
        }
    };
}

recv_future_impls!(RecvFuture<'_, T>, |this| this.chan);
recv_future_impls!(OwnedRecvFuture<T>, |this| &this.rx.chan);

/// How many messages a `recv_many` may take into `buf`: at most `limit`,
/// and, if `buf` has spare capacity, at most that (it is not grown). A
/// `buf` without spare capacity first reserves room for `limit` messages,
/// outside the lock; if that much cannot be had (`usize::MAX`, say), it
/// grows as the messages come instead.
fn room<T>(buf: &mut Vec<T>, limit: usize) -> usize {
    if limit > 0 && buf.len() == buf.capacity() && buf.try_reserve(limit).is_err() {
        return limit;
    }
    limit.min(buf.capacity() - buf.len())
}

/// After a `recv_many` waited for one message (at `buf[start]`): what else
/// is ready now, up to the rest of `room`, in one locked section.
fn more<T>(chan: &Chan<T>, buf: &mut Vec<T>, start: usize, room: usize) -> usize {
    if room == 1 {
        return 0;
    }
    chan.try_recv_many(buf, start, room - 1).unwrap_or(0)
}

/// The future of [`Receiver::recv_many_async`]: the number of messages it
/// appended to the buffer.
///
/// With the `futures` feature it implements `FusedFuture`.
///
/// # Cancel safety
///
/// Dropping it never loses a message; a wake it was given passes on to
/// another waiting receiver.
#[must_use = "futures do nothing unless polled"]
pub struct RecvManyFuture<'a, T> {
    chan: &'a Chan<T>,
    buf: &'a mut Vec<T>,
    limit: usize,
    op: RecvOp<T>,
}

impl<T> Future for RecvManyFuture<'_, T> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let Self {
            chan,
            buf,
            limit,
            op,
        } = self.get_mut();
        let chan = *chan;
        op.poll(|entry| {
            let room = room(buf, *limit);
            if room == 0 {
                return Poll::Ready(0);
            }
            let start = buf.len();
            if entry.is_none() {
                match chan.try_recv_many(buf, start, room) {
                    Ok(got) => return Poll::Ready(got),
                    Err(TryRecvError::Disconnected) => return Poll::Ready(0),
                    Err(TryRecvError::Empty) => {}
                }
            }
            // Not listed, just found empty: `tried` (go straight to
            // registering); listed: looks at its entry first.
            chan.poll_recv(cx, entry, false, true).map(|got| match got {
                Some(msg) => {
                    buf.push(msg);
                    1 + more(chan, buf, start, room)
                }
                None => 0,
            })
        })
    }
}

#[cfg(feature = "futures")]
impl<T> futures_core::FusedFuture for RecvManyFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.op.is_done()
    }
}

impl<T> Drop for RecvManyFuture<'_, T> {
    fn drop(&mut self) {
        let chan = self.chan;
        self.op.cancel(|entry| {
            let handed = chan.cancel_recv(entry);
            debug_assert!(handed.is_none(), "futures accept no hand-off");
        });
    }
}

impl<T> fmt::Debug for RecvManyFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvManyFuture")
            .field("op", &self.op)
            .finish_non_exhaustive()
    }
}

// ---- iterators ----

/// A blocking iterator over a receiver's messages; see [`Receiver::iter`].
#[cfg(feature = "std")]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

#[cfg(feature = "std")]
impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

/// An iterator over the messages ready now; see [`Receiver::try_iter`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

/// The messages that were buffered when it was made, taken from the
/// channel already; see [`Receiver::drain`]. Dropping it drops those not
/// iterated.
pub struct Drain<'a, T> {
    msgs: alloc::collections::vec_deque::IntoIter<T>,
    /// Tied to the receiver, as a drain of a collection is.
    _receiver: PhantomData<&'a Receiver<T>>,
}

impl<T> Iterator for Drain<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.msgs.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.msgs.size_hint()
    }
}

impl<T> DoubleEndedIterator for Drain<'_, T> {
    fn next_back(&mut self) -> Option<T> {
        self.msgs.next_back()
    }
}

impl<T> ExactSizeIterator for Drain<'_, T> {}

impl<T> core::iter::FusedIterator for Drain<'_, T> {}

/// A blocking iterator that owns its receiver; see
/// [`IntoIterator for Receiver`](Receiver#impl-IntoIterator-for-Receiver<T>).
#[cfg(feature = "std")]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct IntoIter<T> {
    receiver: Receiver<T>,
}

#[cfg(feature = "std")]
impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

#[cfg(feature = "std")]
impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Drain<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain")
            .field("left", &self.msgs.len())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}

/// Receives until the channel is closed and drained, blocking the thread.
///
/// ```
/// let (tx, rx) = tidings::mpmc::unbounded();
/// tx.send(1).unwrap();
/// drop(tx);
/// for msg in rx {
///     assert_eq!(msg, 1);
/// }
/// ```
#[cfg(feature = "std")]
impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { receiver: self }
    }
}

/// Receives until the channel is closed and drained, blocking the thread.
///
/// ```
/// let (tx, rx) = tidings::mpmc::unbounded();
/// tx.send(1).unwrap();
/// drop(tx);
/// for msg in &rx {
///     assert_eq!(msg, 1);
/// }
/// ```
#[cfg(feature = "std")]
impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

// ---- Stream and Sink ----

#[cfg(feature = "futures")]
mod stream;
#[cfg(feature = "futures")]
pub use stream::{RecvStream, SendSink};

pub use permit::{
    OwnedPermit, OwnedReserveFuture, Permit, PermitIterator, ReserveFuture, ReserveManyFuture,
};

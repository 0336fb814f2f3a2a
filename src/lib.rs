//! Channels for threads and async tasks alike.
//!
//! Every operation that can wait comes in a blocking form and an async
//! form, on the same channel: a message can go from a thread to a task,
//! from a task to a thread, between threads or between tasks. The futures
//! depend on no runtime, and the crate has no mandatory dependency.
//!
//! # Hello, world
//!
//! ```
//! let (tx, rx) = tidings::oneshot::channel();
//! std::thread::spawn(move || tx.send("Hello, world!").unwrap());
//! // Block this thread on it, or `.await` it in a task: both work.
//! assert_eq!(rx.recv(), Ok("Hello, world!"));
//! ```
//!
//! # Which channel?
//!
//! | you need | use | status |
//! |---|---|---|
//! | one reply, one sender, one receiver | [`oneshot::channel`] (`alloc`) | available |
//! | one reply without any allocation, `no_std` | [`oneshot::Slot`] | available |
//! | one reply per round, reusing the allocation | [`multishot`] (`alloc`) | available |
//! | a queue, many senders and receivers | [`mpmc::bounded`], [`mpmc::unbounded`], [`mpmc::rendezvous`] (`alloc`) | available |
//! | every receiver sees every message, with backpressure or lagging | [`broadcast::channel`], [`broadcast::lagging`] (`alloc`) | available |
//! | the latest value, every receiver told when it changes | [`watch::channel`] (`alloc`) | available |
//!
//! # Features
//!
//! | feature | default | gives |
//! |---|---|---|
//! | `std` | yes | blocking operations, `_timeout` / `_deadline` variants, `std::error::Error`; implies `alloc` |
//! | `alloc` | via `std` | the heap-allocated channels in `no_std` builds (async operations only) |
//! | `futures` | no | `Stream` / `FusedStream` for mpmc, broadcast and watch receivers, `Sink` for mpmc senders, `FusedFuture` for the futures |
//! | `portable-atomic` | no | atomics from `portable-atomic`, for targets without compare-and-swap |
//!
//! With no features at all the crate is `#![no_std]` without an allocator
//! and still offers [`oneshot::Slot`].
//!
//! # Sync and async
//!
//! Names follow std and crossbeam: `recv` blocks the thread, `try_recv`
//! never waits, `recv_timeout` / `recv_deadline` block at most so long, and
//! the async form is a future (`oneshot::Receiver` is one itself). A
//! blocking call parks the thread; never call one from an async task, where
//! it would block the executor: `.await` instead.
//!
//! # Send happens-before receive
//!
//! Everything a thread or task did before sending a message is visible to
//! whoever receives it, after the receive returns.
//!
//! # When user code panics
//!
//! A waker (its clone, wake or drop) and a message (its `Clone`, its
//! `Drop`) are user code that an operation may run. If it panics, the
//! panic reaches the caller of that operation, and the channel stays whole:
//! every message is still received exactly once or dropped exactly once,
//! nothing leaks, and the channel goes on working. A receive that took a
//! message before the panic keeps it in the channel for the next receive;
//! a send that unwinds while it waits is withdrawn, its message dropped.
//! Each kind's module docs say the details.
// The links of the table above: to the items, or, in a build without
// them, to the feature table that says how to get them.
#![cfg_attr(
    feature = "alloc",
    doc = "",
    doc = "[`oneshot::channel`]: oneshot::channel\n[`multishot`]: multishot\n[`mpmc::bounded`]: fn@mpmc::bounded\n[`mpmc::unbounded`]: fn@mpmc::unbounded\n[`mpmc::rendezvous`]: fn@mpmc::rendezvous\n[`broadcast::channel`]: broadcast::channel\n[`broadcast::lagging`]: broadcast::lagging\n[`watch::channel`]: watch::channel"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "",
    doc = "[`oneshot::channel`]: crate#features\n[`multishot`]: crate#features\n[`mpmc::bounded`]: crate#features\n[`mpmc::unbounded`]: crate#features\n[`mpmc::rendezvous`]: crate#features\n[`broadcast::channel`]: crate#features\n[`broadcast::lagging`]: crate#features\n[`watch::channel`]: crate#features"
)]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// The send methods of a queued kind's `Sender` (`mpmc`, `broadcast`),
/// written once: each kind gives its constructor for the examples (`new`,
/// a channel of capacity 1) and the words that differ (what a send waits
/// for, what the future's completion means). The send side itself is
/// `queue::send`; these are its public face, mapping its outcomes to the
/// crate's errors.
#[cfg(feature = "alloc")]
macro_rules! queue_send_methods {
    (
        new: $new:literal,
        send: $send:literal,
        send_async: $send_async:literal,
        cancel_safety: $cancel:literal,
        closed: $closed:literal $(,)?
    ) => {
        #[doc = $send]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let (tx, rx) = ", $new, ";")]
        /// tx.send(1).unwrap();
        /// drop(rx);
        /// assert_eq!(tx.send(2), Err(tidings::SendError(2)));
        /// ```
        #[cfg(feature = "std")]
        pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
            crate::queue::send::send_until(&*self.chan, msg, None, |sent| {
                sent.map_err(|failed| SendError(SendTimeoutError::failed(failed).into_inner()))
            })
        }

        /// Sends `msg` if that can be done without waiting.
        ///
        /// # Examples
        ///
        /// ```
        /// use tidings::TrySendError;
        ///
        #[doc = concat!("let (tx, rx) = ", $new, ";")]
        /// assert_eq!(tx.try_send(1), Ok(()));
        /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        /// drop(rx);
        /// assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
        /// ```
        #[inline]
        pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
            crate::queue::send::try_send(&*self.chan, msg).map_err(TrySendError::refused)
        }

        /// Like [`send`](Self::send), waiting at most `timeout`. A zero
        /// timeout still takes room that is free right now; a timeout too
        /// large to represent waits forever.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// use tidings::SendTimeoutError;
        ///
        #[doc = concat!("let (tx, _rx) = ", $new, ";")]
        /// tx.send_timeout(1, Duration::ZERO).unwrap();
        /// assert_eq!(
        ///     tx.send_timeout(2, Duration::from_millis(1)),
        ///     Err(SendTimeoutError::Timeout(2))
        /// );
        /// ```
        #[cfg(feature = "std")]
        pub fn send_timeout(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
            let deadline = crate::wait::block::deadline_after(timeout);
            crate::queue::send::send_until(&*self.chan, msg, deadline, |sent| {
                sent.map_err(SendTimeoutError::failed)
            })
        }

        /// Like [`send`](Self::send), waiting until `deadline` at most.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        ///
        #[doc = concat!("let (tx, mut rx) = ", $new, ";")]
        /// let deadline = Instant::now() + Duration::from_secs(1);
        /// tx.send_deadline(1, deadline).unwrap();
        /// assert_eq!(rx.recv(), Ok(1));
        /// ```
        #[cfg(feature = "std")]
        pub fn send_deadline(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
            crate::queue::send::send_until(&*self.chan, msg, Some(deadline), |sent| {
                sent.map_err(SendTimeoutError::failed)
            })
        }

        #[doc = $send_async]
        ///
        /// # Cancel safety
        ///
        #[doc = $cancel]
        ///
        /// # Examples
        ///
        /// ```
        /// # pollster::block_on(async {
        #[doc = concat!("let (tx, mut rx) = ", $new, ";")]
        /// tx.send_async(1).await.unwrap();
        /// assert_eq!(rx.recv_async().await, Ok(1));
        /// # });
        /// ```
        pub fn send_async(&self, msg: T) -> SendFuture<'_, T> {
            SendFuture {
                chan: &self.chan,
                op: crate::queue::send::SendOp::new(msg),
            }
        }

        /// Like [`send_async`](Self::send_async), with a future that owns
        /// this sender: it is `'static`, so it can be spawned or stored,
        /// and it keeps the channel open while it lives (flume's
        /// `into_send_async`).
        ///
        /// # Cancel safety
        ///
        #[doc = $cancel]
        /// [`OwnedSendFuture::into_inner`] gives an undelivered message
        /// back instead.
        ///
        /// # Examples
        ///
        /// ```
        /// # pollster::block_on(async {
        #[doc = concat!("let (tx, mut rx) = ", $new, ";")]
        /// let send = tx.clone().into_send_async(1);
        /// std::thread::spawn(move || pollster::block_on(send)).join().unwrap().unwrap();
        /// assert_eq!(rx.recv_async().await, Ok(1));
        /// # });
        /// ```
        pub fn into_send_async(self, msg: T) -> OwnedSendFuture<T> {
            OwnedSendFuture {
                tx: self,
                op: crate::queue::send::SendOp::new(msg),
            }
        }

        #[doc = concat!("Blocks until ", $closed, ".")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let (tx, rx) = ", $new, ";")]
        /// std::thread::spawn(move || drop(rx));
        /// tx.closed();
        /// assert!(tx.try_send(1).is_err());
        /// ```
        #[cfg(feature = "std")]
        pub fn closed(&self) {
            let _ = self.closed_until(None);
        }

        #[doc = concat!("Blocks until ", $closed, ", at most `timeout`; returns whether it is.")]
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        ///
        #[doc = concat!("let (tx, rx) = ", $new, ";")]
        /// assert!(!tx.closed_timeout(Duration::from_millis(1)));
        /// drop(rx);
        /// assert!(tx.closed_timeout(Duration::from_millis(1)));
        /// # tx.try_send(0).unwrap_err();
        /// ```
        #[cfg(feature = "std")]
        pub fn closed_timeout(&self, timeout: Duration) -> bool {
            self.closed_until(crate::wait::block::deadline_after(timeout))
        }

        #[doc = concat!("Blocks until ", $closed, ", at most until `deadline`; returns whether it is.")]
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        ///
        #[doc = concat!("let (tx, _rx) = ", $new, ";")]
        /// tx.close();
        /// assert!(tx.closed_deadline(Instant::now() + Duration::from_secs(1)));
        /// # tx.try_send(0).unwrap_err();
        /// ```
        #[cfg(feature = "std")]
        pub fn closed_deadline(&self, deadline: Instant) -> bool {
            self.closed_until(Some(deadline))
        }

        #[cfg(feature = "std")]
        fn closed_until(&self, deadline: Option<Instant>) -> bool {
            crate::queue::until::block_until(self.chan.closing(), Chan::<T>::has_closed, deadline)
                .is_ok()
        }

        #[doc = concat!("Waits asynchronously until ", $closed, ": a producer can race its work against the other side leaving.")]
        ///
        /// # Cancel safety
        ///
        /// Dropping the future has no effect on the channel: it only stops
        /// waiting.
        ///
        /// # Examples
        ///
        /// ```
        /// # pollster::block_on(async {
        #[doc = concat!("let (tx, rx) = ", $new, ";")]
        /// std::thread::spawn(move || drop(rx));
        /// tx.closed_async().await;
        /// assert!(tx.try_send(1).is_err());
        /// # });
        /// ```
        pub fn closed_async(&self) -> ClosedFuture<'_, T> {
            ClosedFuture {
                wait: crate::queue::until::Wait::new(self.chan.closing()),
            }
        }
    };
}

/// The trait impls of a queued kind's `SendFuture` (a `chan` and a send
/// `op`), written once; each kind keeps the struct and its docs. And its
/// `ClosedFuture`, whole.
#[cfg(feature = "alloc")]
macro_rules! queue_send_future_impls {
    ($new:literal) => {
        /// The future of [`Sender::closed_async`].
        ///
        /// With the `futures` feature it implements `FusedFuture`.
        ///
        /// # Cancel safety
        ///
        /// Dropping it has no effect on the channel.
        #[must_use = "futures do nothing unless polled"]
        pub struct ClosedFuture<'a, T> {
            wait: chan::Closing<'a, T>,
        }

        impl<T> Future for ClosedFuture<'_, T> {
            type Output = ();

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                let crate::queue::until::Wait { place, op } = &mut self.get_mut().wait;
                op.poll(|entry| place.poll(cx, entry, Chan::<T>::has_closed))
            }
        }

        #[cfg(feature = "futures")]
        impl<T> futures_core::FusedFuture for ClosedFuture<'_, T> {
            fn is_terminated(&self) -> bool {
                self.wait.op.is_done()
            }
        }

        impl<T> fmt::Debug for ClosedFuture<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("ClosedFuture")
                    .field("wait", &self.wait)
                    .finish_non_exhaustive()
            }
        }

        /// The future of [`Sender::into_send_async`]: a
        /// [`SendFuture`] that owns its sender, so it is `'static` (it can
        /// be spawned) and keeps the channel open while it lives.
        ///
        /// With the `futures` feature it implements `FusedFuture`.
        ///
        /// # Cancel safety
        ///
        /// As [`SendFuture`]'s: dropping it before it completes means the
        /// message was either delivered or never will be; never twice.
        /// [`into_inner`](Self::into_inner) gives an undelivered message
        /// back instead of dropping it.
        #[must_use = "futures do nothing unless polled"]
        pub struct OwnedSendFuture<T> {
            tx: Sender<T>,
            op: crate::queue::send::SendOp<T>,
        }

        queue_send_future_impls!(@impls $new, SendFuture<'_, T>, |this| this.chan);
        queue_send_future_impls!(@impls $new, OwnedSendFuture<T>, |this| &*this.tx.chan);
    };
    (@impls $new:literal, $future:ident $(<$lt:lifetime, T>)? $(<T>)?, |$this:ident| $chan:expr) => {
        // The message is never pinned: it is moved into the channel by value.
        impl<T> Unpin for $future<$($lt,)? T> {}

        impl<T> Future for $future<$($lt,)? T> {
            type Output = Result<(), SendError<T>>;

            // Inlined into the awaiting future where LLVM agrees: a send
            // that finds room is then a few instructions in its caller.
            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let $this = self.get_mut();
                let chan = $chan;
                $this
                    .op
                    .poll(chan, cx, false)
                    .map(|sent| sent.map_err(SendError))
            }
        }

        #[cfg(feature = "futures")]
        impl<T> futures_core::FusedFuture for $future<$($lt,)? T> {
            fn is_terminated(&self) -> bool {
                self.op.is_done()
            }
        }

        impl<T> $future<$($lt,)? T> {
            /// Gives up the send and gives its message back if it was not
            /// delivered: `Some` if the future was never polled, is waiting
            /// (the send is withdrawn), or found the channel closed while it
            /// waited; `None` if a receiver took the message, or if the
            /// future completed already (its output had the message then, if
            /// the send failed). A send abandoned on a timeout need not lose
            /// its message.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::future::Future;
            /// use std::pin::Pin;
            /// use std::task::Context;
            ///
            #[doc = concat!("let (tx, mut rx) = ", $new, ";")]
            /// tx.send(1).unwrap();
            /// let mut send = tx.send_async(2);
            /// // Full: the send waits.
            /// let mut cx = Context::from_waker(futures::task::noop_waker_ref());
            /// assert!(Pin::new(&mut send).poll(&mut cx).is_pending());
            /// assert_eq!(send.into_inner(), Some(2));
            /// assert_eq!(rx.try_recv(), Ok(1));
            /// assert!(rx.try_recv().is_err(), "2 was withdrawn");
            /// ```
            pub fn into_inner(mut self) -> Option<T> {
                let $this = &mut self;
                let chan = $chan;
                $this.op.take_back(chan)
            }
        }

        impl<T> Drop for $future<$($lt,)? T> {
            fn drop(&mut self) {
                let $this = &mut *self;
                let chan = $chan;
                // An undelivered message is dropped here, outside the lock.
                drop($this.op.cancel(chan));
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

/// The predicates of a receive error set (the crate's, and broadcast's,
/// which adds `Lagged`), written once; `$path` is where the examples find
/// the types.
macro_rules! recv_error_predicates {
    ($path:literal) => {
        impl TryRecvError {
            /// Whether nothing was there to receive yet.
            ///
            /// ```
            #[doc = concat!("assert!(", $path, "::TryRecvError::Empty.is_empty());")]
            /// ```
            pub fn is_empty(&self) -> bool {
                matches!(self, Self::Empty)
            }

            /// Whether the channel is disconnected and drained.
            ///
            /// ```
            #[doc = concat!("assert!(", $path, "::TryRecvError::Disconnected.is_disconnected());")]
            /// ```
            pub fn is_disconnected(&self) -> bool {
                matches!(self, Self::Disconnected)
            }
        }

        impl RecvTimeoutError {
            /// Whether the deadline passed.
            ///
            /// ```
            #[doc = concat!("assert!(", $path, "::RecvTimeoutError::Timeout.is_timeout());")]
            /// ```
            pub fn is_timeout(&self) -> bool {
                matches!(self, Self::Timeout)
            }

            /// Whether the channel is disconnected and drained.
            ///
            /// ```
            #[doc = concat!("assert!(", $path, "::RecvTimeoutError::Disconnected.is_disconnected());")]
            /// ```
            pub fn is_disconnected(&self) -> bool {
                matches!(self, Self::Disconnected)
            }
        }
    };
}

mod loom;
#[cfg(feature = "alloc")]
mod queue;
mod wait;

#[cfg(feature = "alloc")]
pub mod broadcast;
pub mod error;
#[cfg(feature = "alloc")]
pub mod mpmc;
// Beside the oneshot whose core it reuses; a kind of its own to users.
#[cfg(feature = "alloc")]
#[path = "oneshot/multishot.rs"]
pub mod multishot;
pub mod oneshot;
#[cfg(feature = "std")]
mod select;
#[cfg(feature = "alloc")]
pub mod watch;

#[cfg(feature = "std")]
pub use error::{ReadyTimeoutError, SelectTimeoutError, TryReadyError, TrySelectError};
pub use error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
#[cfg(feature = "std")]
pub use mpmc::{after, at, never, tick};
#[cfg(feature = "alloc")]
pub use mpmc::{bounded, rendezvous, unbounded, Receiver, Sender, WeakSender};
#[doc(hidden)]
#[cfg(feature = "std")]
pub use select::__private;
#[cfg(feature = "std")]
pub use select::{
    Local, LocalSelect, ReadyFuture, Select, SelectFuture, SelectRecv, SelectSend,
    SelectedOperation, Shared, Sharing,
};

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

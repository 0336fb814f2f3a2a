//! A channel for exactly one message, from a thread or a task to a thread
//! or a task.
//!
//! [`channel`] (with the `alloc` feature) makes one heap allocation and
//! returns a [`Sender`] and a [`Receiver`]. The sender's [`send`] never
//! waits: it is wait-free, a load, one atomic swap and a store when the
//! receiver is not waiting. The receiver can be awaited (it is itself a
//! [`Future`](::core::future::Future)), block a thread ([`recv`],
//! [`recv_timeout`], [`recv_deadline`], with the `std` feature), or check
//! without waiting ([`try_recv`]), in any order on the same receiver.
//!
//! [`Slot`] is the same channel without any allocation, for `no_std`
//! targets.
//!
//! ```
//! use std::thread;
//!
//! let (tx, rx) = tidings::oneshot::channel();
//! thread::spawn(move || tx.send("done").unwrap());
//! // A blocking receive here; `rx.await` in an async task works the same.
//! assert_eq!(rx.recv(), Ok("done"));
//! ```
//!
//! # Disconnection
//!
//! A sender dropped without sending wakes the receiver, which then gets
//! [`RecvError`] / [`TryRecvError::Disconnected`]. A receiver dropped first
//! makes `send` hand the message back in [`SendError`]; a message sent
//! before the receiver is dropped is dropped with the receiver, at once.
//!
//! # Happens-before
//!
//! Everything the sending thread did before `send` is visible to the
//! receiving side once it has the message.
// The links above: to the items, or, in a build without them, to the
// crate's feature table.
#![cfg_attr(
    feature = "alloc",
    doc = "",
    doc = "[`channel`]: channel\n[`Sender`]: Sender\n[`Receiver`]: Receiver\n[`send`]: Sender::send\n[`try_recv`]: Receiver::try_recv"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "",
    doc = "[`channel`]: crate#features\n[`Sender`]: crate#features\n[`Receiver`]: crate#features\n[`send`]: crate#features\n[`try_recv`]: crate#features"
)]
#![cfg_attr(
    feature = "std",
    doc = "",
    doc = "[`recv`]: Receiver::recv\n[`recv_timeout`]: Receiver::recv_timeout\n[`recv_deadline`]: Receiver::recv_deadline"
)]
#![cfg_attr(
    not(feature = "std"),
    doc = "",
    doc = "[`recv`]: crate#features\n[`recv_timeout`]: crate#features\n[`recv_deadline`]: crate#features"
)]
#![allow(unsafe_code)]

mod core;
#[cfg(feature = "std")]
mod select;
mod slot;

pub use self::slot::{Slot, SlotReceiver, SlotSender};

#[cfg(feature = "alloc")]
pub use self::heap::{channel, ClosedFuture, Receiver, Sender};

// The errors a oneshot reports, so `oneshot::RecvError` reads naturally.
pub use crate::error::{RecvError, RecvTimeoutError, SendError, TryRecvError};

#[cfg(feature = "alloc")]
mod heap {
    use alloc::boxed::Box;
    use core::fmt;
    use core::future::Future;
    use core::marker::PhantomData;
    use core::mem::ManuallyDrop;
    use core::pin::Pin;
    use core::ptr::NonNull;
    use core::task::{Context, Poll};
    #[cfg(feature = "std")]
    use std::time::{Duration, Instant};

    use super::core::{Closer, Core, Sent};

    /// The heap oneshot's core: its sender can wait for the receiver to
    /// leave.
    type HeapCore<T> = Core<T, Closer>;
    #[cfg(feature = "std")]
    use crate::error::RecvTimeoutError;
    use crate::error::{RecvError, SendError, TryRecvError};

    /// Makes a oneshot channel: one message from the [`Sender`] to the
    /// [`Receiver`]. One heap allocation, shared by both halves and freed by
    /// the last one to go.
    ///
    /// # Examples
    ///
    /// A thread sends to an async task:
    ///
    /// ```
    /// let (tx, rx) = tidings::oneshot::channel();
    /// std::thread::spawn(move || tx.send(42).unwrap());
    /// let got = futures::executor::block_on(rx);
    /// assert_eq!(got, Ok(42));
    /// ```
    pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
        let core = NonNull::from(Box::leak(Core::new_boxed()));
        (
            Sender {
                core,
                _owns: PhantomData,
            },
            Receiver {
                core,
                _owns: PhantomData,
            },
        )
    }

    /// Frees a core whose other half is gone.
    ///
    /// # Safety
    ///
    /// `core` came from [`channel`], and the core told the caller that it
    /// owns it (the other half is gone); nothing uses it afterwards.
    unsafe fn free<T>(core: NonNull<HeapCore<T>>) {
        // SAFETY: by the contract, `core` is the `Box` leaked in `channel`, and no other half will touch it again.
        drop(unsafe { Box::from_raw(core.as_ptr()) });
    }

    /// The sending half of a [`oneshot::channel`](channel).
    ///
    /// It sends at most one message: [`send`](Sender::send) consumes it.
    /// Dropping it unsent disconnects the channel and wakes the receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::oneshot::channel::<&str>();
    /// drop(tx);
    /// assert_eq!(rx.recv(), Err(tidings::RecvError));
    /// ```
    pub struct Sender<T> {
        core: NonNull<HeapCore<T>>,
        _owns: PhantomData<Box<HeapCore<T>>>,
    }

    /// The receiving half of a [`oneshot::channel`](channel).
    ///
    /// Await it (it is a [`Future`] and `Unpin`), block on it (`recv`,
    /// `recv_timeout`, `recv_deadline`, with the `std` feature) or check it
    /// ([`try_recv`](Receiver::try_recv)), in any order. Once it has
    /// returned the message, or reported the disconnect, every further
    /// receive reports [`RecvError`] (disconnected).
    ///
    /// With the `futures` feature it implements `FusedFuture`, which
    /// `futures::select!` requires.
    ///
    /// Dropping it drops a message that was sent and not received, at once,
    /// and makes a later [`Sender::send`] fail with the message handed back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert!(rx.has_message());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(tidings::TryRecvError::Disconnected));
    /// ```
    ///
    /// It is `Send` but not `Sync`: receiving takes `&self`, and two threads
    /// must not receive through one receiver at once.
    ///
    /// ```compile_fail
    /// fn shared<T: Sync>(_: &T) {}
    /// let (_tx, rx) = tidings::oneshot::channel::<u8>();
    /// shared(&rx);
    /// ```
    pub struct Receiver<T> {
        core: NonNull<HeapCore<T>>,
        _owns: PhantomData<Box<HeapCore<T>>>,
    }

    // SAFETY: a `Sender` moves a `T` to whichever thread holds the receiver, so it may go to another thread when `T: Send`. The core's state machine makes every access to the shared cells race-free.
    unsafe impl<T: Send> Send for Sender<T> {}
    // SAFETY: through `&Sender` one can only read the state (`is_closed`); the message cannot be reached.
    unsafe impl<T: Send> Sync for Sender<T> {}
    // SAFETY: as for `Sender`: the receiver takes a `T` that another thread may have written, which `T: Send` allows.
    unsafe impl<T: Send> Send for Receiver<T> {}
    // `Receiver` is deliberately not `Sync`: `try_recv` and the blocking
    // receives take `&self`, and two threads receiving through one
    // `&Receiver` at once would both take the message.

    impl<T> Sender<T> {
        fn core(&self) -> &HeapCore<T> {
            // SAFETY: the core lives until both halves are gone, and this half is alive.
            unsafe { self.core.as_ref() }
        }

        /// Sends `msg`, waking the receiver if it waits. Never blocks.
        ///
        /// Wait-free: a load, one atomic swap and one store when the receiver
        /// is not waiting; when it waits, two more read-modify-writes and the
        /// wake.
        ///
        /// # Errors
        ///
        /// If the receiver is gone, the message comes back in
        /// [`SendError`].
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::oneshot::channel();
        /// assert_eq!(tx.send("hi"), Ok(()));
        /// assert_eq!(rx.recv(), Ok("hi"));
        ///
        /// let (tx, rx) = tidings::oneshot::channel();
        /// drop(rx);
        /// assert_eq!(tx.send("hi"), Err(tidings::SendError("hi")));
        /// ```
        #[inline(always)]
        pub fn send(self, msg: T) -> Result<(), SendError<T>> {
            let this = ManuallyDrop::new(self);
            // SAFETY: this is the sender's one send: `self` is consumed, and `ManuallyDrop` keeps `Drop` (the other finishing move) from running.
            match unsafe { Core::send(this.core.as_ptr(), msg) } {
                Sent::Delivered => Ok(()),
                Sent::ReceiverGone(msg) => {
                    // SAFETY: the core reported the receiver gone, so the core is ours, and this half is finished.
                    unsafe { free(this.core) };
                    Err(SendError(msg))
                }
            }
        }

        /// Whether the receiver is gone, so that a send would fail.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::oneshot::channel::<u8>();
        /// assert!(!tx.is_closed());
        /// drop(rx);
        /// assert!(tx.is_closed());
        /// ```
        pub fn is_closed(&self) -> bool {
            self.core().is_receiver_gone()
        }

        /// Blocks until the receiver is dropped (tokio's `closed`): a
        /// producer can race its work against the requester leaving. It
        /// takes `&mut self`: one wait at a time.
        ///
        /// # Examples
        ///
        /// ```
        /// let (mut tx, rx) = tidings::oneshot::channel::<u8>();
        /// std::thread::spawn(move || drop(rx));
        /// tx.closed();
        /// assert!(tx.send(1).is_err());
        /// ```
        #[cfg(feature = "std")]
        pub fn closed(&mut self) {
            // SAFETY: `&mut self`: the sender half's one call at a time.
            unsafe { self.core().closed_until(None) };
        }

        /// Blocks until the receiver is dropped, at most `timeout`; returns
        /// whether it is.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        ///
        /// let (mut tx, rx) = tidings::oneshot::channel::<u8>();
        /// assert!(!tx.closed_timeout(Duration::from_millis(1)));
        /// drop(rx);
        /// assert!(tx.closed_timeout(Duration::from_millis(1)));
        /// ```
        #[cfg(feature = "std")]
        pub fn closed_timeout(&mut self, timeout: Duration) -> bool {
            // SAFETY: as in `closed`.
            unsafe {
                self.core()
                    .closed_until(crate::wait::block::deadline_after(timeout))
            }
        }

        /// Blocks until the receiver is dropped, at most until `deadline`;
        /// returns whether it is.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        ///
        /// let (mut tx, rx) = tidings::oneshot::channel::<u8>();
        /// drop(rx);
        /// assert!(tx.closed_deadline(Instant::now() + Duration::from_secs(1)));
        /// ```
        #[cfg(feature = "std")]
        pub fn closed_deadline(&mut self, deadline: Instant) -> bool {
            // SAFETY: as in `closed`.
            unsafe { self.core().closed_until(Some(deadline)) }
        }

        /// Waits asynchronously until the receiver is dropped (tokio's
        /// `closed().await`), so a task can race its work against the
        /// requester leaving.
        ///
        /// # Cancel safety
        ///
        /// Dropping the future has no effect on the channel: it only stops
        /// waiting (its waker is taken back).
        ///
        /// # Examples
        ///
        /// ```
        /// # pollster::block_on(async {
        /// let (mut tx, rx) = tidings::oneshot::channel::<u8>();
        /// std::thread::spawn(move || drop(rx));
        /// tx.closed_async().await;
        /// assert!(tx.is_closed());
        /// # });
        /// ```
        pub fn closed_async(&mut self) -> ClosedFuture<'_, T> {
            ClosedFuture {
                tx: self,
                done: false,
            }
        }
    }

    /// The future of [`Sender::closed_async`].
    ///
    /// With the `futures` feature it implements `FusedFuture`.
    ///
    /// # Cancel safety
    ///
    /// Dropping it has no effect on the channel.
    #[must_use = "futures do nothing unless polled"]
    pub struct ClosedFuture<'a, T> {
        tx: &'a mut Sender<T>,
        done: bool,
    }

    impl<T> Future for ClosedFuture<'_, T> {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let this = self.get_mut();
            // SAFETY: the future holds `&mut Sender`: the sender half's one call at a time.
            let closed = unsafe { this.tx.core().poll_closed(cx) };
            this.done = closed.is_ready();
            closed
        }
    }

    #[cfg(feature = "futures")]
    impl<T> futures_core::FusedFuture for ClosedFuture<'_, T> {
        fn is_terminated(&self) -> bool {
            self.done
        }
    }

    impl<T> Drop for ClosedFuture<'_, T> {
        fn drop(&mut self) {
            // SAFETY: as in `poll`.
            unsafe { self.tx.core().cancel_closed() }
        }
    }

    impl<T> fmt::Debug for ClosedFuture<'_, T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("ClosedFuture").finish_non_exhaustive()
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            // SAFETY: dropping is this sender's one finishing move (`send` consumes the sender without running `Drop`).
            if unsafe { Core::close_sender(self.core.as_ptr()) } {
                // SAFETY: the receiver is gone, so the core is ours.
                unsafe { free(self.core) };
            }
        }
    }

    impl<T> Receiver<T> {
        fn core(&self) -> &HeapCore<T> {
            // SAFETY: the core lives until both halves are gone, and this half is alive.
            unsafe { self.core.as_ref() }
        }

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
        /// use tidings::TryRecvError;
        ///
        /// let (tx, rx) = tidings::oneshot::channel();
        /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        /// tx.send(5).unwrap();
        /// assert_eq!(rx.try_recv(), Ok(5));
        /// ```
        pub fn try_recv(&self) -> Result<T, TryRecvError> {
            // SAFETY: `Receiver` is not `Sync`, so receiver-side calls never run concurrently; it is alive, so not closed.
            unsafe { self.core().try_recv() }
        }

        /// Blocks the thread until the message comes, and returns it.
        ///
        /// # Errors
        ///
        /// [`RecvError`] if the sender is dropped without sending, or the
        /// message was received already.
        ///
        /// # Blocking
        ///
        /// This parks the calling thread. In async code, `.await` the
        /// receiver instead.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::oneshot::channel();
        /// std::thread::spawn(move || tx.send(vec![1, 2]).unwrap());
        /// assert_eq!(rx.recv(), Ok(vec![1, 2]));
        /// ```
        #[cfg(feature = "std")]
        pub fn recv(self) -> Result<T, RecvError> {
            // The message there already (the usual case): take it and free
            // the core, which is ours then, in one step.
            let this = ManuallyDrop::new(self);
            // SAFETY: `Receiver` is not `Sync`, so receiver-side calls never run concurrently; it is alive, so not closed; if this takes the message, it is the receiver's last call (the receiver is not dropped, so it makes no other).
            if let Some(msg) = unsafe { this.core().take_last() } {
                // SAFETY: `take_last` took the message: the sender is gone (it published MESSAGE, its last move), so the core, from `channel`, is ours, and the receiver, in `ManuallyDrop`, will not touch it again.
                unsafe { HeapCore::free_taken(this.core.as_ptr()) };
                return Ok(msg);
            }
            ManuallyDrop::into_inner(this).recv_waiting()
        }

        /// [`recv`](Self::recv) when the message is not there yet: out of
        /// line, so that the receive of one already there needs no stack
        /// frame of its own.
        #[cfg(feature = "std")]
        #[inline(never)]
        fn recv_waiting(self) -> Result<T, RecvError> {
            self.recv_until(None).map_err(|_| RecvError)
        }

        /// Blocks the thread until the message comes or `timeout` has
        /// passed. A timeout too large to represent waits forever.
        ///
        /// The receiver stays usable after a timeout: receive again, await
        /// it, or drop it. A send that races with the timeout may still
        /// unpark this thread once afterwards; `std::thread::park` allows
        /// such spurious wake-ups, and code that parks must loop anyway.
        ///
        /// # Errors
        ///
        /// [`RecvTimeoutError::Timeout`] if nothing came in time (never
        /// before `timeout` has passed); [`RecvTimeoutError::Disconnected`]
        /// as [`recv`](Self::recv)'s `RecvError`.
        ///
        /// # Blocking
        ///
        /// This parks the calling thread for up to `timeout`.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// use tidings::RecvTimeoutError;
        ///
        /// let (tx, rx) = tidings::oneshot::channel();
        /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
        /// tx.send('x').unwrap();
        /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Ok('x'));
        /// ```
        #[cfg(feature = "std")]
        pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
            self.recv_until(crate::wait::block::deadline_after(timeout))
        }

        /// Blocks the thread until the message comes or `deadline` is
        /// reached. A deadline already past still takes a message that is
        /// there now.
        ///
        /// # Errors
        ///
        /// As for [`recv_timeout`](Self::recv_timeout).
        ///
        /// # Blocking
        ///
        /// This parks the calling thread until `deadline` at the latest.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        ///
        /// let (tx, rx) = tidings::oneshot::channel();
        /// tx.send(9).unwrap();
        /// assert_eq!(rx.recv_deadline(Instant::now() - Duration::from_millis(1)), Ok(9));
        /// ```
        #[cfg(feature = "std")]
        pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
            self.recv_until(Some(deadline))
        }

        #[cfg(feature = "std")]
        pub(crate) fn recv_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
            // SAFETY: `Receiver` is not `Sync`, so receiver-side calls never run concurrently; it is alive, so not closed.
            unsafe { self.core().recv_until(deadline) }
        }

        /// One poll step, for the crate's futures built on this receiver.
        pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
            // SAFETY: `Receiver` is not `Sync`, so receiver-side calls never run concurrently; it is alive, so not closed.
            unsafe { self.core().poll_recv(cx) }
        }

        /// One poll step of a select's listing: `Ready` once a message is
        /// there or the sender is gone, taking nothing; else `cx`'s waker
        /// is registered as a receive future's would be (see
        /// `Core::poll_settled`).
        #[cfg(feature = "std")]
        pub(crate) fn poll_settled(&self, cx: &mut Context<'_>) -> Poll<()> {
            // SAFETY: as for `poll_recv`.
            unsafe { self.core().poll_settled(cx, false) }.map(drop)
        }

        /// Whether a receive would not wait: a message is there, the
        /// sender is gone, or it is finishing.
        #[cfg(feature = "std")]
        pub(crate) fn is_settling(&self) -> bool {
            self.core().is_settling()
        }

        /// Withdraws the waker a pending poll left (a future was dropped).
        pub(crate) fn cancel_recv(&self) {
            // SAFETY: as for `poll_recv`.
            unsafe { self.core().cancel_recv() }
        }

        /// Starts a new round on the same allocation and returns its sender,
        /// if the last round is over (its sender gone and finished).
        pub(crate) fn recycle(&mut self) -> Option<Sender<T>> {
            if !self.core().is_round_over() {
                return None;
            }
            // SAFETY: the sender side is gone and finished (its last state was observed with Acquire), and `&mut self` excludes our own side: the core is ours alone until we hand out the sender.
            unsafe { self.core().reopen() };
            Some(Sender {
                core: self.core,
                _owns: PhantomData,
            })
        }

        /// Whether the sender is gone and no message is left to receive:
        /// it was dropped unsent, or the message was received already.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::oneshot::channel::<u8>();
        /// assert!(!rx.is_closed());
        /// drop(tx);
        /// assert!(rx.is_closed());
        /// ```
        pub fn is_closed(&self) -> bool {
            self.core().is_sender_gone()
        }

        /// Whether a message is waiting to be received.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = tidings::oneshot::channel();
        /// assert!(!rx.has_message());
        /// tx.send(()).unwrap();
        /// assert!(rx.has_message());
        /// ```
        pub fn has_message(&self) -> bool {
            self.core().has_message()
        }
    }

    /// Awaiting the receiver yields the message, or [`RecvError`] if the
    /// sender is gone without sending. It works under any executor.
    ///
    /// # Cancel safety
    ///
    /// Dropping the receiver (and so the future) never loses a message to
    /// anyone else: there is no one else. A message that was sent is dropped
    /// with the receiver. Polling it with a new waker (the task moved)
    /// replaces the old waker, and the new one is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::oneshot::channel();
    /// let task = async move { rx.await };
    /// tx.send("hello").unwrap();
    /// assert_eq!(pollster::block_on(task), Ok("hello"));
    /// ```
    impl<T> Future for Receiver<T> {
        type Output = Result<T, RecvError>;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            self.poll_recv(cx)
        }
    }

    /// `is_terminated` is true once the receiver has nothing more to give:
    /// the message was received, or the sender is gone without one.
    #[cfg(feature = "futures")]
    impl<T> futures_core::FusedFuture for Receiver<T> {
        fn is_terminated(&self) -> bool {
            self.is_closed()
        }
    }

    impl<T> Drop for Receiver<T> {
        fn drop(&mut self) {
            let core = self.core;
            // SAFETY: dropping is the receiver's last call; `free` runs only when the core says the sender is gone, so the core (and a message left in it, dropped with it) is ours.
            unsafe { Core::close_receiver(core.as_ptr(), || free(core)) };
        }
    }

    impl<T> fmt::Debug for Sender<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Sender")
                .field("is_closed", &self.is_closed())
                .finish()
        }
    }

    impl<T> fmt::Debug for Receiver<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Receiver")
                .field("has_message", &self.has_message())
                .field("is_closed", &self.is_closed())
                .finish()
        }
    }
}

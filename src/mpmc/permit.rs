//! Permits: a slot reserved in an mpmc channel before its message exists
//! (tokio's `reserve`, `Permit`, `OwnedPermit`, under tidings' naming).
//!
//! # Protocol
//!
//! A reserve takes `n` slots of the channel's capacity for its caller,
//! who then holds them as permits until each is used or given back:
//!
//! | state    | slots | who moves it on |
//! |----------|-------|-----------------|
//! | free     | counted in the ring's free room | a send or a reserve takes it, while nobody waits ahead |
//! | reserved | `State::permits`, and off the ring's `limit` | the holder: [`Permit::send`] puts its message into the slot, a permit dropped gives the slot back |
//! | granted to a waiting reserve | as reserved, held by its entry (`waitlist.rs`: `Slots`) | a receive that makes room grants it; the reserve, once it has all it asked for, holds them as permits; withdrawn or closed, it gives them back |
//!
//! Every move is under the channel's lock (`state.rs`: `reserve`,
//! `release`, `send_reserved`; `waitlist.rs`: `serve_sender`). A slot a
//! receive or a permit frees goes to the first waiting sender, reserve or
//! send, in the order they came; a new send or reserve never takes a slot
//! while anyone waits (tokio's rule; an outstanding permit holds only its
//! own slot, tokio#7709). A closed channel still takes the messages of the
//! permits given before the close; its receivers see the end once no
//! permit is left.
//!
//! What runs user code (waking the waiters a release or a send let go on,
//! dropping a reserve's old waker, dropping a message nobody can receive)
//! runs after the lock, with the slots already recorded as the holder's or
//! the channel's; a guard gives back slots reserved for a caller that
//! unwinds before it holds them.
//!
//! # The flavors
//!
//! - bounded: as above, `n` at most the capacity.
//! - unbounded: there is always room, so a reserve is granted at once;
//!   the permits only promise that their sends will not fail for a
//!   close, and keep a closed channel's receivers waiting for them. At
//!   most `usize::MAX / 2` slots may be reserved at once (the count must
//!   not overflow): a reserve past that fails at once, `Full` from a
//!   `try_` form, and the error of a closed channel from the others.
//! - rendezvous: capacity 0, no slot to reserve; a reserve of `n >= 1`
//!   fails at once, as a reserve of more than the capacity does on a
//!   bounded channel.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::{Duration, Instant};

use super::chan::Chan;
use super::Sender;
#[cfg(feature = "std")]
use crate::error::SendTimeoutError;
use crate::error::{SendError, TrySendError};
use crate::queue::send::SendEnd;
use crate::queue::waitlist::Waiting;

impl<T> Sender<T> {
    /// Reserves one slot, blocking the thread while the channel is full,
    /// and returns it as a [`Permit`], whose [`send`](Permit::send) then
    /// cannot fail and never waits. Fails if the channel is closed or
    /// closes meanwhile, and at once on a rendezvous channel (no slot).
    ///
    /// Waiting reserves and sends are served in the order they came.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(1);
    /// let permit = tx.reserve().unwrap();
    /// assert!(tx.try_send(1).is_err(), "the one slot is the permit's");
    /// permit.send(2);
    /// assert_eq!(rx.recv(), Ok(2));
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        self.reserve_until(1, None)
            .map(|()| Permit { chan: &self.chan })
            .map_err(|_| SendError(()))
    }

    /// Like [`reserve`](Self::reserve), waiting at most `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tidings::SendTimeoutError;
    ///
    /// let (tx, _rx) = tidings::bounded::<u8>(1);
    /// let _held = tx.reserve_timeout(Duration::ZERO).unwrap();
    /// assert_eq!(
    ///     tx.reserve_timeout(Duration::from_millis(1)).unwrap_err(),
    ///     SendTimeoutError::Timeout(())
    /// );
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve_timeout(
        &self,
        timeout: Duration,
    ) -> Result<Permit<'_, T>, SendTimeoutError<()>> {
        self.reserve_until(1, crate::wait::block::deadline_after(timeout))
            .map(|()| Permit { chan: &self.chan })
    }

    /// Like [`reserve`](Self::reserve), waiting until `deadline` at most.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = tidings::bounded(1);
    /// let permit = tx.reserve_deadline(Instant::now() + Duration::from_secs(1)).unwrap();
    /// permit.send(7);
    /// assert_eq!(rx.recv(), Ok(7));
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve_deadline(
        &self,
        deadline: Instant,
    ) -> Result<Permit<'_, T>, SendTimeoutError<()>> {
        self.reserve_until(1, Some(deadline))
            .map(|()| Permit { chan: &self.chan })
    }

    /// Reserves one slot asynchronously: the future gives a [`Permit`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes gives back what it
    /// reserved, to the next waiting sender; it loses its place in line.
    ///
    /// # Examples
    ///
    /// ```
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::bounded(1);
    /// let permit = tx.reserve_async().await.unwrap();
    /// permit.send("hi");
    /// assert_eq!(rx.recv_async().await, Ok("hi"));
    /// # });
    /// ```
    pub fn reserve_async(&self) -> ReserveFuture<'_, T> {
        ReserveFuture {
            chan: &self.chan,
            op: ReserveOp::new(&self.chan, 1),
        }
    }

    /// Reserves one slot if that can be done without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use tidings::TrySendError;
    ///
    /// let (tx, rx) = tidings::bounded::<u8>(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    /// drop(permit); // the slot is free again
    /// assert!(tx.try_reserve().is_ok());
    /// drop(rx);
    /// assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Disconnected(()));
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.try_reserve_slots(1)
            .map(|()| Permit { chan: &self.chan })
    }

    /// Reserves `n` slots at once, blocking the thread until all `n` are
    /// free for this caller, and returns them as a [`PermitIterator`] of
    /// `n` permits. Fails at once if `n` is above the capacity (on a
    /// rendezvous channel: any `n` above 0; on an unbounded channel, past
    /// `usize::MAX / 2` permits out at once); `n == 0` succeeds at once
    /// while the channel is open, full or not. Slots are granted to a
    /// waiting `reserve_many` one by one as they free up, first in line,
    /// so a large reserve is not starved by smaller ones behind it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(4);
    /// let permits = tx.reserve_many(3).unwrap();
    /// assert_eq!(permits.len(), 3);
    /// for (permit, msg) in permits.zip([1, 2, 3]) {
    ///     permit.send(msg);
    /// }
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2, 3]);
    /// assert!(tx.reserve_many(5).is_err(), "more than the capacity");
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        self.reserve_many_until(n, None).map_err(|_| SendError(()))
    }

    /// Like [`reserve_many`](Self::reserve_many), waiting at most
    /// `timeout`. Slots granted before it times out go to the next
    /// waiting sender.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tidings::SendTimeoutError;
    ///
    /// let (tx, _rx) = tidings::bounded::<u8>(2);
    /// let one = tx.try_reserve().unwrap();
    /// assert_eq!(
    ///     tx.reserve_many_timeout(2, Duration::from_millis(1)).unwrap_err(),
    ///     SendTimeoutError::Timeout(())
    /// );
    /// drop(one);
    /// assert_eq!(tx.reserve_many_timeout(2, Duration::ZERO).unwrap().len(), 2);
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<PermitIterator<'_, T>, SendTimeoutError<()>> {
        self.reserve_many_until(n, crate::wait::block::deadline_after(timeout))
    }

    /// Like [`reserve_many`](Self::reserve_many), waiting until `deadline`
    /// at most.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, _rx) = tidings::bounded::<u8>(2);
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(tx.reserve_many_deadline(2, deadline).unwrap().len(), 2);
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve_many_deadline(
        &self,
        n: usize,
        deadline: Instant,
    ) -> Result<PermitIterator<'_, T>, SendTimeoutError<()>> {
        self.reserve_many_until(n, Some(deadline))
    }

    /// Reserves `n` slots asynchronously: the future gives a
    /// [`PermitIterator`] of `n` permits. The rules are those of the
    /// blocking `reserve_many` (with `std`): `n` above the capacity fails
    /// at once, `n == 0` succeeds while the channel is open, and slots are
    /// granted one by one as they free up, first in line.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes gives back every slot it
    /// was granted so far, to the next waiting senders; it loses its
    /// place in line.
    ///
    /// # Examples
    ///
    /// ```
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::bounded(2);
    /// let mut permits = tx.reserve_many_async(2).await.unwrap();
    /// permits.next().unwrap().send(1);
    /// drop(permits); // the unused one goes back
    /// assert_eq!(tx.try_reserve_many(1).unwrap().len(), 1);
    /// assert_eq!(rx.recv_async().await, Ok(1));
    /// # });
    /// ```
    pub fn reserve_many_async(&self, n: usize) -> ReserveManyFuture<'_, T> {
        ReserveManyFuture {
            chan: &self.chan,
            op: ReserveOp::new(&self.chan, n),
        }
    }

    /// Reserves `n` slots if all of them are free now (and nobody waits
    /// ahead). Fails with `Full` if `n` is above the capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use tidings::TrySendError;
    ///
    /// let (tx, _rx) = tidings::bounded::<u8>(3);
    /// let two = tx.try_reserve_many(2).unwrap();
    /// assert_eq!(tx.try_reserve_many(2).unwrap_err(), TrySendError::Full(()));
    /// assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0);
    /// drop(two);
    /// assert_eq!(tx.try_reserve_many(3).unwrap().len(), 3);
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        self.try_reserve_slots(n).map(|()| PermitIterator {
            chan: &self.chan,
            n,
        })
    }

    /// Like [`reserve`](Self::reserve), with a permit that owns this
    /// sender: an [`OwnedPermit`] is `'static`, keeps the channel open
    /// while it lives, and gives the sender back when used.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(1);
    /// let permit = tx.reserve_owned().unwrap();
    /// let tx = std::thread::spawn(move || permit.send(5)).join().unwrap();
    /// assert_eq!(rx.recv(), Ok(5));
    /// # drop(tx);
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        match self.reserve_until(1, None) {
            Ok(()) => Ok(OwnedPermit { tx: Some(self) }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Like [`reserve_owned`](Self::reserve_owned), waiting at most
    /// `timeout`; on failure the sender comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = tidings::bounded::<u8>(1);
    /// let held = tx.clone().reserve_owned_timeout(Duration::ZERO).unwrap();
    /// let tx = tx.reserve_owned_timeout(Duration::from_millis(1)).unwrap_err().into_inner();
    /// drop(held);
    /// assert!(tx.reserve_owned_timeout(Duration::ZERO).is_ok());
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve_owned_timeout(
        self,
        timeout: Duration,
    ) -> Result<OwnedPermit<T>, SendTimeoutError<Sender<T>>> {
        let deadline = crate::wait::block::deadline_after(timeout);
        self.reserve_owned_until(deadline)
    }

    /// Like [`reserve_owned`](Self::reserve_owned), waiting until
    /// `deadline` at most; on failure the sender comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = tidings::bounded(1);
    /// let permit = tx.reserve_owned_deadline(Instant::now() + Duration::from_secs(1)).unwrap();
    /// let _tx = permit.send(1);
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    pub fn reserve_owned_deadline(
        self,
        deadline: Instant,
    ) -> Result<OwnedPermit<T>, SendTimeoutError<Sender<T>>> {
        self.reserve_owned_until(Some(deadline))
    }

    /// Like [`reserve_async`](Self::reserve_async), with a future and a
    /// permit that own this sender (both `'static`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes gives back what it
    /// reserved, to the next waiting sender, and drops the sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::bounded(1);
    /// let reserve = tx.reserve_owned_async();
    /// let permit = std::thread::spawn(move || pollster::block_on(reserve))
    ///     .join()
    ///     .unwrap()
    ///     .unwrap();
    /// let _tx = permit.send(3);
    /// assert_eq!(rx.recv_async().await, Ok(3));
    /// # });
    /// ```
    pub fn reserve_owned_async(self) -> OwnedReserveFuture<T> {
        OwnedReserveFuture {
            op: ReserveOp::new(&self.chan, 1),
            tx: Some(self),
        }
    }

    /// Like [`try_reserve`](Self::try_reserve), with a permit that owns
    /// this sender; on failure the sender comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// use tidings::TrySendError;
    ///
    /// let (tx, rx) = tidings::bounded(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// let tx = match tx.try_reserve_owned() {
    ///     Err(TrySendError::Full(tx)) => tx,
    ///     _ => unreachable!("the one slot is held"),
    /// };
    /// permit.send(1);
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert!(tx.try_reserve_owned().is_ok());
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match self.try_reserve_slots(1) {
            Ok(()) => Ok(OwnedPermit { tx: Some(self) }),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Disconnected(())) => Err(TrySendError::Disconnected(self)),
        }
    }

    // ---- shared by the forms above ----

    /// Reserves `n` slots now, or says why not.
    fn try_reserve_slots(&self, n: usize) -> Result<(), TrySendError<()>> {
        if too_many(&self.chan, n) {
            return Err(TrySendError::Full(()));
        }
        self.chan.try_reserve(n).map_err(TrySendError::refused)
    }

    /// Reserves `n` slots, blocking until `deadline` at most.
    #[cfg(feature = "std")]
    fn reserve_until(
        &self,
        n: usize,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<()>> {
        if too_many(&self.chan, n) {
            // More than the channel can ever give: no wait would end.
            return Err(SendTimeoutError::Disconnected(()));
        }
        self.chan
            .reserve_until(n, deadline)
            .map_err(SendTimeoutError::failed)
    }

    #[cfg(feature = "std")]
    fn reserve_many_until(
        &self,
        n: usize,
        deadline: Option<Instant>,
    ) -> Result<PermitIterator<'_, T>, SendTimeoutError<()>> {
        self.reserve_until(n, deadline).map(|()| PermitIterator {
            chan: &self.chan,
            n,
        })
    }

    #[cfg(feature = "std")]
    fn reserve_owned_until(
        self,
        deadline: Option<Instant>,
    ) -> Result<OwnedPermit<T>, SendTimeoutError<Sender<T>>> {
        match self.reserve_until(1, deadline) {
            Ok(()) => Ok(OwnedPermit { tx: Some(self) }),
            Err(SendTimeoutError::Timeout(())) => Err(SendTimeoutError::Timeout(self)),
            Err(SendTimeoutError::Disconnected(())) => Err(SendTimeoutError::Disconnected(self)),
        }
    }
}

/// Whether `n` slots are more than the channel has (never, unbounded).
fn too_many<T>(chan: &Chan<T>, n: usize) -> bool {
    chan.capacity().is_some_and(|cap| n > cap)
}

/// A slot reserved in an mpmc channel ([`Sender::try_reserve`],
/// [`Sender::reserve_async`], and the blocking `reserve` forms): [`send`](Self::send) puts a message into it, without waiting
/// and without failing; dropping the permit unused gives the slot back,
/// to the first waiting sender.
///
/// A permit taken before the channel closed can still send after the
/// close: receivers get its message, and see the end only once every
/// permit is used or dropped. With every receiver gone, its message is
/// dropped.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::bounded(1);
/// let permit = tx.reserve().unwrap();
/// tx.close();
/// permit.send(1); // still delivered
/// assert_eq!(rx.recv(), Ok(1));
/// assert!(rx.recv().is_err());
/// ```
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

impl<T> Permit<'_, T> {
    /// Sends `msg` into the reserved slot: it cannot fail and never
    /// waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(1);
    /// tx.try_reserve().unwrap().send('a');
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// ```
    pub fn send(self, msg: T) {
        let chan = self.chan;
        core::mem::forget(self);
        chan.send_reserved(msg);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release(1);
    }
}

/// `n` slots reserved at once ([`Sender::try_reserve_many`],
/// [`Sender::reserve_many_async`], and the blocking `reserve_many` forms):
/// an iterator of `n` [`Permit`]s. Dropping it gives back the slots of the
/// permits it has not yielded yet.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::bounded(8);
/// let permits = tx.try_reserve_many(3).unwrap();
/// for (i, permit) in permits.enumerate() {
///     permit.send(i);
/// }
/// assert_eq!(rx.len(), 3);
/// ```
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T>,
    n: usize,
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        self.n = self.n.checked_sub(1)?;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> core::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        self.chan.release(self.n);
    }
}

/// A slot reserved in an mpmc channel by a permit that owns its sender
/// ([`Sender::try_reserve_owned`], [`Sender::reserve_owned_async`], and
/// the blocking `reserve_owned` forms): `'static`, it keeps the
/// channel open while it lives, and gives the sender back when it is
/// used ([`send`](Self::send)) or [released](Self::release). Dropping it
/// gives the slot back and drops the sender.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::bounded(1);
/// let permit = tx.reserve_owned().unwrap();
/// let tx = std::thread::spawn(move || permit.send(1)).join().unwrap();
/// assert!(tx.try_reserve_owned().is_err(), "full: its message waits");
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub struct OwnedPermit<T> {
    /// `None` only once used.
    tx: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    /// Sends `msg` into the reserved slot (it cannot fail and never
    /// waits), and gives the sender back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(1);
    /// let tx = tx.try_reserve_owned().unwrap().send(1);
    /// assert!(tx.try_send(2).is_err(), "full");
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn send(mut self, msg: T) -> Sender<T> {
        let tx = self
            .tx
            .take()
            .expect("an owned permit holds its sender until used");
        tx.chan.send_reserved(msg);
        tx
    }

    /// Gives the slot back unused, and the sender back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::bounded::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release();
    /// assert!(tx.try_send(1).is_ok(), "the slot is free again");
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let tx = self
            .tx
            .take()
            .expect("an owned permit holds its sender until used");
        tx.chan.release(1);
        tx
    }

    /// Whether this permit's sender and `other` send on the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::bounded::<u8>(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// assert!(permit.same_channel(&tx));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.tx.as_ref().is_some_and(|tx| tx.same_channel(other))
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(tx) = &self.tx {
            tx.chan.release(1);
        }
    }
}

// Unwinding leaves a permit whole: the slot it holds is recorded in the
// channel's state, and its drop gives it back.
impl<T> core::panic::UnwindSafe for Permit<'_, T> {}
impl<T> core::panic::RefUnwindSafe for Permit<'_, T> {}
impl<T> core::panic::UnwindSafe for PermitIterator<'_, T> {}
impl<T> core::panic::RefUnwindSafe for PermitIterator<'_, T> {}
impl<T> core::panic::UnwindSafe for OwnedPermit<T> {}
impl<T> core::panic::RefUnwindSafe for OwnedPermit<T> {}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("remaining", &self.n)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

// ---- futures ----

/// A reserve of `n` slots that may wait, as its futures hold it.
struct ReserveOp<T> {
    n: usize,
    /// More slots than the channel has: fails at once.
    too_many: bool,
    entry: Option<Waiting<T>>,
    done: bool,
}

impl<T> ReserveOp<T> {
    fn new(chan: &Chan<T>, n: usize) -> Self {
        Self {
            n,
            too_many: too_many(chan, n),
            entry: None,
            done: false,
        }
    }

    /// One poll: `Ok` once the `n` slots are the caller's, `Err` if the
    /// channel is closed (or has fewer slots).
    fn poll(&mut self, chan: &Chan<T>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<()>>> {
        assert!(!self.done, "a reserve future polled after it completed");
        let done = if self.too_many {
            Poll::Ready(Err(()))
        } else {
            chan.poll_reserve(self.n, cx, &mut self.entry, false)
        };
        self.done = done.is_ready();
        done.map(|done| done.map_err(|()| SendError(())))
    }

    /// The future is dropped: withdraws a waiting reserve, and gives back
    /// what was granted.
    fn cancel(&mut self, chan: &Chan<T>) {
        if let Some(entry) = self.entry.take() {
            if let SendEnd::Sent = chan.cancel_reserve(entry, self.n) {
                chan.release(self.n);
            }
        }
    }
}

/// The future of [`Sender::reserve_async`].
///
/// With the `futures` feature it implements `FusedFuture`.
///
/// # Cancel safety
///
/// Dropping it before it completes gives back what it reserved.
#[must_use = "futures do nothing unless polled"]
pub struct ReserveFuture<'a, T> {
    chan: &'a Chan<T>,
    op: ReserveOp<T>,
}

/// The future of [`Sender::reserve_many_async`].
///
/// With the `futures` feature it implements `FusedFuture`.
///
/// # Cancel safety
///
/// Dropping it before it completes gives back every slot it was granted.
#[must_use = "futures do nothing unless polled"]
pub struct ReserveManyFuture<'a, T> {
    chan: &'a Chan<T>,
    op: ReserveOp<T>,
}

/// The future of [`Sender::reserve_owned_async`]: `'static`.
///
/// With the `futures` feature it implements `FusedFuture`.
///
/// # Cancel safety
///
/// Dropping it before it completes gives back what it reserved, and
/// drops the sender it owns.
#[must_use = "futures do nothing unless polled"]
pub struct OwnedReserveFuture<T> {
    op: ReserveOp<T>,
    /// `None` once the permit took it.
    tx: Option<Sender<T>>,
}

impl<'a, T> Future for ReserveFuture<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let chan = this.chan;
        this.op.poll(chan, cx).map_ok(|()| Permit { chan })
    }
}

impl<'a, T> Future for ReserveManyFuture<'a, T> {
    type Output = Result<PermitIterator<'a, T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (chan, n) = (this.chan, this.op.n);
        this.op
            .poll(chan, cx)
            .map_ok(|()| PermitIterator { chan, n })
    }
}

impl<T> Future for OwnedReserveFuture<T> {
    type Output = Result<OwnedPermit<T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let tx = this
            .tx
            .as_ref()
            .expect("a reserve future polled after it completed");
        let done = this.op.poll(&tx.chan, cx);
        done.map(|done| {
            let tx = this.tx.take();
            done.map(|()| OwnedPermit { tx })
        })
    }
}

/// What the three reserve futures share, written once: `$chan` is the
/// channel of `$this`, or `None` once the future has let it go.
macro_rules! reserve_future_impls {
    ($future:ident $(<$lt:lifetime, T>)? $(<T>)?, |$this:ident| $chan:expr) => {
        #[cfg(feature = "futures")]
        impl<T> futures_core::FusedFuture for $future<$($lt,)? T> {
            fn is_terminated(&self) -> bool {
                self.op.done
            }
        }

        impl<T> Drop for $future<$($lt,)? T> {
            fn drop(&mut self) {
                let $this = &mut *self;
                let chan: Option<&Chan<T>> = $chan;
                if let Some(chan) = chan {
                    $this.op.cancel(chan);
                }
            }
        }

        impl<T> fmt::Debug for $future<$($lt,)? T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($future))
                    .field("n", &self.op.n)
                    .field("waiting", &self.op.entry.is_some())
                    .field("done", &self.op.done)
                    .finish_non_exhaustive()
            }
        }
    };
}

reserve_future_impls!(ReserveFuture<'_, T>, |this| Some(this.chan));
reserve_future_impls!(ReserveManyFuture<'_, T>, |this| Some(this.chan));
reserve_future_impls!(OwnedReserveFuture<T>, |this| this
    .tx
    .as_ref()
    .map(|tx| &*tx.chan));

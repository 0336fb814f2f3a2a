//! Watch channels: one value, seen by every receiver, which each is told
//! when it changes; blocking and async on the same channel.
//!
//! A watch channel holds the latest value, not a queue: senders replace
//! (or modify) it, receivers read it ([`Receiver::borrow`]) and wait for
//! it to change (`Receiver::changed` blocks, with `std`;
//! [`Receiver::changed_async`] awaits).
//! Many changes between two looks are one change to a receiver: it sees
//! the latest value, never a torn one, and never misses that there was a
//! change. The names and rules are tokio's `watch`, with every wait in a
//! blocking and an async form.
//!
//! ```
//! use std::thread;
//! use tidings::watch;
//!
//! let (tx, mut rx) = watch::channel("starting");
//! let reader = thread::spawn(move || {
//!     // Blocks until the value changes from the one this receiver saw.
//!     rx.changed().unwrap();
//!     *rx.borrow_and_update()
//! });
//! tx.send("running").unwrap();
//! assert_eq!(reader.join().unwrap(), "running");
//! ```
//!
//! # Seen and unseen
//!
//! Each receiver remembers the version of the value it has *seen*. A new
//! channel's first receiver, and a receiver made by
//! [`Sender::subscribe`], have seen the current value; a clone of a
//! receiver has seen what that receiver has. [`borrow_and_update`],
//! [`changed`], the waits and [`mark_unchanged`] mark the current value
//! seen; [`borrow`] does not; [`mark_changed`] marks it unseen.
//! [`changed`] returns at once while the current value is unseen, and
//! otherwise waits for a change; once the last sender is gone and the
//! current value is seen, it returns [`RecvError`].
//!
//! # Borrowing
//!
//! A [`Ref`] holds a read lock on the value: while any `Ref` lives, a send
//! waits for it (sends never fail for it, and they never tear the value a
//! reader sees). Keep borrows short: clone what you need out of them.
//! Holding a `Ref` across an `.await` or a blocking wait is a mistake: a
//! sender would wait for the task or thread that waits for it. And a
//! thread that holds a `Ref` and borrows again while a send waits for the
//! lock waits for itself (a waiting writer holds new readers back, so
//! that readers cannot keep it out): do not nest borrows. The closure of
//! [`Sender::send_modify`] runs with the value locked for writing: it must
//! not borrow from the same channel either.
//!
//! A waiting send or borrow spins briefly, then yields, then naps (with
//! `std`; 50 us growing to 1 ms) until the lock is free. Without `std`
//! (`alloc` only: the async forms) it spins: do not use a watch channel
//! from an interrupt handler that may preempt a holder on the same core.
//!
//! # When user code panics
//!
//! A `send_modify` or `send_if_modified` closure that panics leaves the
//! value as the closure left it, the lock free, and the version unchanged:
//! it does not count as a change and wakes nobody (tokio's rule). A
//! `wait_for` predicate that panics leaves the receiver as the waits leave
//! it (the values it looked at are seen). A waker that panics when a
//! change wakes it reaches the sender, after the change is made and every
//! other waiting receiver is woken.
//!
//! [`borrow_and_update`]: Receiver::borrow_and_update
//! [`changed`]: Receiver::changed_async
//! [`mark_unchanged`]: Receiver::mark_unchanged
//! [`borrow`]: Receiver::borrow
//! [`mark_changed`]: Receiver::mark_changed

mod shared;
#[cfg(feature = "futures")]
mod stream;
mod value;

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::{Duration, Instant};

#[cfg(feature = "std")]
use crate::error::RecvTimeoutError;
use crate::error::{RecvError, SendError};
use crate::loom::sync::Arc;
#[cfg(feature = "std")]
use crate::queue::until::block_until;
use crate::queue::until::Wait;
use crate::queue::waitlist::Spare;
use shared::{List, Shared, Waits, CLOSED, STEP};
#[cfg(feature = "futures")]
pub use stream::ValueStream;
use value::ReadGuard;

/// Makes a watch channel holding `init`: a sender, and a receiver that
/// has seen `init`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::watch::channel(1);
/// tx.send(2).unwrap();
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared::new(init));
    let rx = Receiver::new(shared.clone(), 0);
    (Sender { shared }, rx)
}

/// Whether a receiver that has seen `seen` has something to look at: a
/// change, or the end. (`seen` never has [`CLOSED`], so a closed
/// version always differs from it.)
fn changed_or_closed(version: usize, seen: usize) -> bool {
    version != seen
}

/// Ends a wait for a change that found one (the version moved past
/// `seen`: marked seen now) or the end.
fn finish_changed<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    let version = shared.version();
    if version & !CLOSED != *seen {
        *seen = version & !CLOSED;
        return Ok(());
    }
    debug_assert_ne!(version & CLOSED, 0, "ready without a change is closed");
    Err(RecvError)
}

/// Borrows the value, with its version (without [`CLOSED`]): read under
/// the read lock, so it is the version of the value the guard sees.
fn look<T>(shared: &Shared<T>) -> (ReadGuard<'_, T>, usize) {
    let guard = shared.value.read();
    let version = shared.version() & !CLOSED;
    (guard, version)
}

/// Borrows the value and marks it seen (`borrow_and_update`).
fn borrow_and_mark<'a, T>(shared: &'a Shared<T>, seen: &mut usize) -> Ref<'a, T> {
    let (guard, version) = look(shared);
    let has_changed = version != *seen;
    *seen = version;
    Ref { guard, has_changed }
}

/// Looks at the value for `wait_for` (it is marked seen): `Some(Ok)` if
/// `pred` holds for it, `Some(Err)` if the channel is closed and nothing
/// is left to look at, `None` to wait for a change. The `first` look of a
/// wait runs `pred` on the current value, seen or not (tokio's rule); a
/// later one only on a value it has not seen, or while the channel is
/// open (a wake with nothing new).
fn check<'a, T>(
    shared: &'a Shared<T>,
    seen: &mut usize,
    pred: &mut impl FnMut(&T) -> bool,
    first: bool,
) -> Option<Result<Ref<'a, T>, RecvError>> {
    let (guard, version) = look(shared);
    let unseen = version != *seen;
    let closed = shared.version() & CLOSED != 0;
    *seen = version;
    if (first || unseen || !closed) && pred(&guard) {
        return Some(Ok(Ref {
            guard,
            has_changed: unseen,
        }));
    }
    closed.then_some(Err(RecvError))
}

/// The sending half of a watch channel. `Clone`: the channel closes when
/// the last sender is dropped.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::watch::channel(0);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send_modify(|v| *v += 1);
/// assert_eq!(*rx.borrow_and_update(), 2);
/// drop((tx, tx2));
/// assert!(rx.changed().is_err(), "closed, and the last value seen");
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// The receiving half of a watch channel: a reader of the value, with the
/// version it has seen. `Clone`: a clone has seen what this one has.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = tidings::watch::channel("a");
/// let mut other = rx.clone();
/// tx.send("b").unwrap();
/// assert_eq!(*rx.borrow_and_update(), "b");
/// assert_eq!(rx.has_changed(), Ok(false));
/// assert_eq!(other.has_changed(), Ok(true), "each receiver keeps its own");
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen (never with [`CLOSED`]).
    seen: usize,
    /// The entry of this receiver's waits, kept between them.
    spare: Spare<()>,
}

/// The value, borrowed: holds a read lock on it until dropped (see the
/// [module docs](self#borrowing) for what that holds up).
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::watch::channel(vec![1, 2]);
/// let len = rx.borrow().len(); // the borrow ends with the statement
/// assert_eq!(len, 2);
/// tx.send(vec![]).unwrap(); // no borrow left to wait for
/// ```
pub struct Ref<'a, T> {
    guard: ReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was unseen by the receiver that borrowed it when
    /// it did (always `false` for a [`Sender::borrow`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// assert!(!rx.borrow_and_update().has_changed());
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow_and_update().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> core::ops::Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Sender<T> {
    /// Replaces the value and tells every receiver, unless no receiver is
    /// left: then the value comes back in the error, and the channel's
    /// value stays as it was.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// drop(rx);
    /// assert_eq!(tx.send(2), Err(tidings::SendError(2)));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receiver_count() == 0 {
            return Err(SendError(value));
        }
        drop(self.send_replace(value));
        Ok(())
    }

    /// Replaces the value, whether or not a receiver is left, tells every
    /// receiver, and returns the old value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(0);
    /// drop(rx);
    /// assert_eq!(tx.send_replace(1), 0);
    /// assert_eq!(*tx.borrow(), 1);
    /// ```
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_if_modified(|old| {
            core::mem::swap(old, &mut value);
            true
        });
        value
    }

    /// Modifies the value in place, whether or not a receiver is left,
    /// and tells every receiver.
    ///
    /// `modify` runs with the value locked for writing: receivers' borrows
    /// wait meanwhile, and it must not borrow from this channel nor send
    /// on it (either would wait for itself). If it panics, the value stays
    /// as it left it, but that is no change: nobody is told.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Modifies the value in place, and tells every receiver only if
    /// `modify` returns `true` (it says it changed the value); returns what
    /// `modify` returned. As for [`send_modify`](Self::send_modify),
    /// `modify` runs with the value locked, and a panic in it is no
    /// change.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::watch::channel(5);
    /// assert!(!tx.send_if_modified(|v| *v > 9 && { *v = 0; true }));
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// assert!(tx.send_if_modified(|v| { *v += 1; true }));
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let mut value = self.shared.value.write();
        // A panic here unwinds through the guard, which unlocks: no bump.
        let modified = modify(&mut value);
        if modified {
            self.shared.bump();
        }
        drop(value);
        if modified {
            self.shared.notify(List::Changed);
        }
        modified
    }

    /// Borrows the value (see the [module docs](self#borrowing)). The
    /// returned [`Ref::has_changed`] is `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::watch::channel("a");
    /// assert_eq!(*tx.borrow(), "a");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// A new receiver, which has seen the current value. It reopens a
    /// channel whose receivers were all gone: sends succeed again.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(0);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// let rx = tx.subscribe();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.add_receiver();
        Receiver::new(self.shared.clone(), self.shared.version() & !CLOSED)
    }

    /// How many receivers the channel has.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(0);
    /// let rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receiver_count()
    }

    /// How many senders the channel has.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::watch::channel(0);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.sender_count()
    }

    /// Whether `other` sends on the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tidings::watch::channel(0);
    /// let (other, _orx) = tidings::watch::channel(0);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether every receiver is gone (until [`subscribe`](Self::subscribe)
    /// makes a new one).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(0);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.receiver_count() == 0
    }

    /// Blocks until every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(0);
    /// std::thread::spawn(move || drop(rx));
    /// tx.closed();
    /// assert!(tx.is_closed());
    /// ```
    #[cfg(feature = "std")]
    pub fn closed(&self) {
        let _ = self.closed_until(None);
    }

    /// Blocks until every receiver is gone, at most `timeout`; returns
    /// whether they are.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = tidings::watch::channel(0);
    /// assert!(!tx.closed_timeout(Duration::from_millis(1)));
    /// drop(rx);
    /// assert!(tx.closed_timeout(Duration::from_millis(1)));
    /// ```
    #[cfg(feature = "std")]
    pub fn closed_timeout(&self, timeout: Duration) -> bool {
        self.closed_until(crate::wait::block::deadline_after(timeout))
    }

    /// Blocks until every receiver is gone, at most until `deadline`;
    /// returns whether they are.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = tidings::watch::channel(0);
    /// drop(rx);
    /// assert!(tx.closed_deadline(Instant::now() + Duration::from_secs(1)));
    /// ```
    #[cfg(feature = "std")]
    pub fn closed_deadline(&self, deadline: Instant) -> bool {
        self.closed_until(Some(deadline))
    }

    #[cfg(feature = "std")]
    fn closed_until(&self, deadline: Option<Instant>) -> bool {
        let shared = &*self.shared;
        block_until(
            shared.place(List::Closed, shared.spare_closed()),
            |_| shared.receiver_count() == 0,
            deadline,
        )
        .is_ok()
    }

    /// Waits asynchronously until every receiver is gone.
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
    /// let (tx, rx) = tidings::watch::channel(0);
    /// std::thread::spawn(move || drop(rx));
    /// tx.closed_async().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub fn closed_async(&self) -> Closed<'_, T> {
        Closed {
            shared: &self.shared,
            wait: Wait::new(self.shared.place(List::Closed, self.shared.spare_closed())),
        }
    }
}

impl<T> Receiver<T> {
    /// A receiver (counted already) that has seen `seen`.
    fn new(shared: Arc<Shared<T>>, seen: usize) -> Self {
        Self {
            shared,
            seen,
            spare: Spare::new(),
        }
    }

    /// Borrows the value, without marking it seen (see the
    /// [module docs](self#borrowing) for what a borrow holds up).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(1);
    /// tx.send(2).unwrap();
    /// let value = rx.borrow();
    /// assert_eq!(*value, 2);
    /// assert!(value.has_changed());
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let has_changed = self.shared.version() & !CLOSED != self.seen;
        Ref { guard, has_changed }
    }

    /// Borrows the value and marks it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        borrow_and_mark(&self.shared, &mut self.seen)
    }

    /// Whether the value changed since this receiver last saw it: `Ok`
    /// with the answer while a sender is left, `Err` once the last sender
    /// is gone (tokio's rule: a change made just before the end is still
    /// there to [`borrow`](Self::borrow), and `changed` (or
    /// [`changed_async`](Self::changed_async))
    /// still reports it once).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::watch::channel(1);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// drop(tx);
    /// assert_eq!(rx.has_changed(), Err(tidings::RecvError));
    /// assert_eq!(rx.changed(), Ok(()), "the last change, still unseen");
    /// assert_eq!(*rx.borrow(), 2);
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let version = self.shared.version();
        if version & CLOSED != 0 {
            return Err(RecvError);
        }
        Ok(version != self.seen)
    }

    /// Marks the current value unseen: the next `changed` (or
    /// [`changed_async`](Self::changed_async))
    /// returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, mut rx) = tidings::watch::channel(1);
    /// rx.mark_changed();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn mark_changed(&mut self) {
        self.seen = (self.shared.version() & !CLOSED).wrapping_sub(STEP);
    }

    /// Marks the current value seen, without borrowing it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::watch::channel(1);
    /// tx.send(2).unwrap();
    /// rx.mark_unchanged();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version() & !CLOSED;
    }

    /// Whether `other` receives from the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(0);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether the last sender is gone (the value may still be unseen).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::watch::channel(0);
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.version() & CLOSED != 0
    }

    /// Blocks until the value is unseen (returns at once if it is now),
    /// and marks it seen; `Err` once the last sender is gone and the
    /// current value is seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// std::thread::spawn(move || tx.send(1).unwrap());
    /// rx.changed().unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// // The sender is gone, and its last value is seen.
    /// assert_eq!(rx.changed(), Err(tidings::RecvError));
    /// ```
    #[cfg(feature = "std")]
    pub fn changed(&mut self) -> Result<(), RecvError> {
        self.changed_until(None).map_err(|_| RecvError)
    }

    /// [`changed`](Self::changed), waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tidings::RecvTimeoutError;
    ///
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// let wait = Duration::from_millis(1);
    /// assert_eq!(rx.changed_timeout(wait), Err(RecvTimeoutError::Timeout));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.changed_timeout(wait), Ok(()));
    /// drop(tx);
    /// assert_eq!(rx.changed_timeout(wait), Err(RecvTimeoutError::Disconnected));
    /// ```
    #[cfg(feature = "std")]
    pub fn changed_timeout(&mut self, timeout: Duration) -> Result<(), RecvTimeoutError> {
        self.changed_until(crate::wait::block::deadline_after(timeout))
    }

    /// [`changed`](Self::changed), waiting at most until `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.changed_deadline(Instant::now() + Duration::from_secs(1)), Ok(()));
    /// ```
    #[cfg(feature = "std")]
    pub fn changed_deadline(&mut self, deadline: Instant) -> Result<(), RecvTimeoutError> {
        self.changed_until(Some(deadline))
    }

    #[cfg(feature = "std")]
    fn changed_until(&mut self, deadline: Option<Instant>) -> Result<(), RecvTimeoutError> {
        self.block_for_change(deadline)?;
        finish_changed(&self.shared, &mut self.seen).map_err(|_| RecvTimeoutError::Disconnected)
    }

    /// Blocks until there is something to look at (a version this receiver
    /// has not seen, or the end), at most until `deadline`.
    #[cfg(feature = "std")]
    fn block_for_change(&self, deadline: Option<Instant>) -> Result<(), RecvTimeoutError> {
        let (shared, seen) = (&*self.shared, self.seen);
        block_until(
            shared.place(List::Changed, &self.spare),
            |_| changed_or_closed(shared.version(), seen),
            deadline,
        )
        .map_err(|()| RecvTimeoutError::Timeout)
    }

    /// Waits asynchronously until the value is unseen (ready at once if it
    /// is now), and marks it seen; `Err` once the last sender is gone and
    /// the current value is seen.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no change: the value is marked seen only
    /// in the poll that returns.
    ///
    /// # Examples
    ///
    /// ```
    /// # pollster::block_on(async {
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// std::thread::spawn(move || tx.send(1).unwrap());
    /// rx.changed_async().await.unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// # });
    /// ```
    pub fn changed_async(&mut self) -> Changed<'_, T> {
        Changed {
            shared: &self.shared,
            wait: Wait::new(self.shared.place(List::Changed, &self.spare)),
            seen: &mut self.seen,
        }
    }

    /// Blocks until `pred` holds for the value, and returns it borrowed
    /// (marked seen). It looks at the current value first (seen or not,
    /// the channel open or not), then at the value after each change it
    /// is told of (changes between two looks are one: it sees the latest
    /// value, not every value); `Err` once the last sender is gone and no
    /// value it has not looked at is left. `pred` runs with the value
    /// borrowed: it must not borrow from this channel, nor send on it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// std::thread::spawn(move || {
    ///     for i in 1..=10 {
    ///         tx.send(i).unwrap();
    ///     }
    /// });
    /// assert!(*rx.wait_for(|v| *v >= 5).unwrap() >= 5);
    /// ```
    #[cfg(feature = "std")]
    pub fn wait_for(&mut self, pred: impl FnMut(&T) -> bool) -> Result<Ref<'_, T>, RecvError> {
        self.wait_for_until(pred, None).map_err(|_| RecvError)
    }

    /// [`wait_for`](Self::wait_for), waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tidings::RecvTimeoutError;
    ///
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// let wait = Duration::from_millis(1);
    /// assert!(matches!(rx.wait_for_timeout(|v| *v == 1, wait), Err(RecvTimeoutError::Timeout)));
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.wait_for_timeout(|v| *v == 1, wait).unwrap(), 1);
    /// ```
    #[cfg(feature = "std")]
    pub fn wait_for_timeout(
        &mut self,
        pred: impl FnMut(&T) -> bool,
        timeout: Duration,
    ) -> Result<Ref<'_, T>, RecvTimeoutError> {
        self.wait_for_until(pred, crate::wait::block::deadline_after(timeout))
    }

    /// [`wait_for`](Self::wait_for), waiting at most until `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, mut rx) = tidings::watch::channel(3);
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(*rx.wait_for_deadline(|v| *v == 3, deadline).unwrap(), 3);
    /// ```
    #[cfg(feature = "std")]
    pub fn wait_for_deadline(
        &mut self,
        pred: impl FnMut(&T) -> bool,
        deadline: Instant,
    ) -> Result<Ref<'_, T>, RecvTimeoutError> {
        self.wait_for_until(pred, Some(deadline))
    }

    #[cfg(feature = "std")]
    fn wait_for_until(
        &mut self,
        mut pred: impl FnMut(&T) -> bool,
        deadline: Option<Instant>,
    ) -> Result<Ref<'_, T>, RecvTimeoutError> {
        let shared = &*self.shared;
        let mut first = true;
        loop {
            if let Some(done) = check(shared, &mut self.seen, &mut pred, first) {
                return done.map_err(|_| RecvTimeoutError::Disconnected);
            }
            // Changes that keep coming, none of them the one awaited, do
            // not keep the wait past its deadline.
            if !first && deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Err(RecvTimeoutError::Timeout);
            }
            first = false;
            self.block_for_change(deadline)?;
        }
    }

    /// Waits asynchronously until `pred` holds for the value, and returns
    /// it borrowed (marked seen); as `wait_for` (the blocking form, with
    /// `std`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no change: the values it looked at are
    /// seen (they did not satisfy `pred`), the others are not.
    ///
    /// # Examples
    ///
    /// ```
    /// # pollster::block_on(async {
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// std::thread::spawn(move || tx.send(2).unwrap());
    /// assert_eq!(*rx.wait_for_async(|v| *v == 2).await.unwrap(), 2);
    /// # });
    /// ```
    pub fn wait_for_async<F: FnMut(&T) -> bool>(&mut self, pred: F) -> WaitFor<'_, T, F> {
        WaitFor {
            shared: &self.shared,
            wait: Wait::new(self.shared.place(List::Changed, &self.spare)),
            seen: &mut self.seen,
            pred,
            looked: false,
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.add_sender();
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.drop_sender();
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.add_receiver();
        Self::new(self.shared.clone(), self.seen)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.drop_receiver();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.shared.receiver_count())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

/// The future of [`Receiver::changed_async`].
///
/// With the `futures` feature it implements `FusedFuture`.
///
/// # Cancel safety
///
/// Dropping it loses no change: the value is marked seen only in the poll
/// that returns.
#[must_use = "futures do nothing unless polled"]
pub struct Changed<'a, T> {
    shared: &'a Shared<T>,
    wait: Wait<'a, Waits>,
    seen: &'a mut usize,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Self { shared, wait, seen } = self.get_mut();
        let Wait { place, op } = wait;
        let (shared, at) = (*shared, **seen);
        op.poll(|entry| {
            place
                .poll(cx, entry, |_| changed_or_closed(shared.version(), at))
                .map(|()| finish_changed(shared, seen))
        })
    }
}

#[cfg(feature = "futures")]
impl<T> futures_core::FusedFuture for Changed<'_, T> {
    fn is_terminated(&self) -> bool {
        self.wait.op.is_done()
    }
}

/// The future of [`Receiver::wait_for_async`].
///
/// With the `futures` feature it implements `FusedFuture`.
///
/// # Cancel safety
///
/// Dropping it loses no change: the values it looked at are seen, the
/// others are not.
#[must_use = "futures do nothing unless polled"]
pub struct WaitFor<'a, T, F> {
    shared: &'a Shared<T>,
    wait: Wait<'a, Waits>,
    seen: &'a mut usize,
    pred: F,
    /// Whether the first look (at the current value, seen or not) is done.
    looked: bool,
}

// The predicate is only ever called through `&mut`, never pinned.
impl<T, F> Unpin for WaitFor<'_, T, F> {}

impl<'a, T, F: FnMut(&T) -> bool> Future for WaitFor<'a, T, F> {
    type Output = Result<Ref<'a, T>, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Self {
            shared,
            wait,
            seen,
            pred,
            looked,
        } = self.get_mut();
        let Wait { place, op } = wait;
        let shared: &'a Shared<T> = shared;
        op.poll(|entry| loop {
            // Not waiting: look at the value first.
            if entry.is_none() {
                let first = !core::mem::replace(looked, true);
                if let Some(done) = check(shared, seen, pred, first) {
                    return Poll::Ready(done);
                }
            }
            let at = **seen;
            if place
                .poll(cx, entry, |_| changed_or_closed(shared.version(), at))
                .is_pending()
            {
                return Poll::Pending;
            }
        })
    }
}

#[cfg(feature = "futures")]
impl<T, F: FnMut(&T) -> bool> futures_core::FusedFuture for WaitFor<'_, T, F> {
    fn is_terminated(&self) -> bool {
        self.wait.op.is_done()
    }
}

/// The `Debug` of a watch future or stream: its wait (no `T: Debug`
/// needed).
macro_rules! debug_wait {
    ($name:ident<$($param:ident),+>) => {
        impl<$($param),+> fmt::Debug for $name<'_, $($param),+> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("wait", &self.wait)
                    .finish_non_exhaustive()
            }
        }
    };
}
// For `stream.rs`.
#[cfg(feature = "futures")]
use debug_wait;

debug_wait!(Changed<T>);
debug_wait!(WaitFor<T, F>);
debug_wait!(Closed<T>);

/// The future of [`Sender::closed_async`].
///
/// With the `futures` feature it implements `FusedFuture`.
///
/// # Cancel safety
///
/// Dropping it has no effect on the channel.
#[must_use = "futures do nothing unless polled"]
pub struct Closed<'a, T> {
    shared: &'a Shared<T>,
    wait: Wait<'a, Waits>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Self { shared, wait } = self.get_mut();
        let (shared, Wait { place, op }) = (*shared, wait);
        op.poll(|entry| place.poll(cx, entry, |_| shared.receiver_count() == 0))
    }
}

#[cfg(feature = "futures")]
impl<T> futures_core::FusedFuture for Closed<'_, T> {
    fn is_terminated(&self) -> bool {
        self.wait.op.is_done()
    }
}

//! What a watch channel's handles share: the value, its version, the
//! handle counts, and two wait lists.
//!
//! # Protocol
//!
//! `version` counts the changes, two at a time, and its low bit
//! [`CLOSED`] says the last sender is gone:
//!
//! - a writer bumps it by [`STEP`] while it holds the value's write lock,
//!   so a reader that reads it under the read lock gets the version of
//!   the value it sees (`borrow_and_update`); the bump is Release, a
//!   receiver's look at it Acquire;
//! - the last sender sets [`CLOSED`] once; nothing clears it (a watch
//!   channel has no way to gain a sender again);
//! - a receiver remembers the version it has seen; it has an unseen
//!   change while the two differ (bit [`CLOSED`] aside).
//!
//! Waiting is one mechanism for both sides ([`Shared::poll_until`]): a
//! receiver waits for "a version it has not seen, or closed" (the
//! `changed` list), a sender for "no receiver left" (the `closed` list).
//! A waiter lists a `queue::waitlist` entry in its list under the lock
//! [`Shared::waits`], after looking at its condition again inside it; a
//! notifier first makes its condition true (bumps or closes the version,
//! drops the receiver count to zero), then takes the lock and notifies
//! every entry of the list (`NOTIFIED`), and wakes them after unlocking.
//! The lock orders the two: a waiter that lists itself before the
//! notifier's locked section is notified by it, one that comes after
//! sees the condition true. One wake per registration: a notified entry
//! is off its list, and its owner lists a new one (the side's spare) if
//! it has to wait again.
//!
//! No user code runs under the lock (wakers are woken, and entries
//! recycled, after it); the value's lock (`value.rs`) is never held while
//! this one is taken by the same call, and the other way round.

use core::task::{Context, Poll};

use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::queue::handles::Handles;
use crate::queue::lock::Lock;
use crate::queue::recv::RecvOp;
use crate::queue::waitlist::{Spare, WaitList, Waiting, Wakers, NOTIFIED, WAITING};

use super::value::Value;

/// Set in `version` once the last sender is gone.
pub(crate) const CLOSED: usize = 1;
/// What one change adds to `version`.
pub(crate) const STEP: usize = 2;

/// The state of a watch channel, shared by its handles.
#[derive(Debug)]
pub(crate) struct Shared<T> {
    pub(crate) value: Value<T>,
    /// Changes times [`STEP`], plus [`CLOSED`].
    version: AtomicUsize,
    senders: Handles,
    receivers: Handles,
    waits: Lock<Waits>,
    /// The senders' spare entry; each receiver keeps its own.
    spare_closed: Spare<()>,
}

/// The two wait lists.
#[derive(Debug)]
struct Waits {
    /// Receivers waiting for a change or the end.
    changed: WaitList<()>,
    /// Senders waiting for every receiver to go.
    closed: WaitList<()>,
}

/// Which of the two lists a wait is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum List {
    /// A receiver's: woken by a change, and by the last sender leaving.
    Changed,
    /// A sender's: woken by the last receiver leaving.
    Closed,
}

impl<T> Shared<T> {
    /// A channel holding `init`, with one sender and one receiver.
    pub(crate) fn new(init: T) -> Self {
        Self {
            value: Value::new(init),
            version: AtomicUsize::new(0),
            senders: Handles::one(),
            receivers: Handles::one(),
            waits: Lock::new(Waits {
                changed: WaitList::new(),
                closed: WaitList::new(),
            }),
            spare_closed: Spare::new(),
        }
    }

    // ---- the version ----

    /// The version, with [`CLOSED`] (Acquire: a receiver that sees a bump
    /// sees the value written before it).
    pub(crate) fn version(&self) -> usize {
        self.version.load(Acquire)
    }

    /// One change: called with the value's write lock held.
    pub(crate) fn bump(&self) {
        // ORDERING: Release publishes the change to a receiver that sees
        // the bump (its wait), beside the value lock's own ordering.
        self.version.fetch_add(STEP, Release);
    }

    // ---- handle counts ----

    pub(crate) fn sender_count(&self) -> usize {
        self.senders.count()
    }

    pub(crate) fn receiver_count(&self) -> usize {
        self.receivers.count()
    }

    pub(crate) fn add_sender(&self) {
        self.senders.add();
    }

    pub(crate) fn add_receiver(&self) {
        self.receivers.add();
    }

    /// A sender is gone; the last one closes the channel and wakes every
    /// waiting receiver.
    pub(crate) fn drop_sender(&self) {
        if self.senders.remove() {
            // ORDERING: Release publishes the senders' work to receivers
            // that see the end.
            self.version.fetch_or(CLOSED, Release);
            self.notify(List::Changed);
        }
    }

    /// A receiver is gone; the last one wakes every sender waiting for
    /// that.
    pub(crate) fn drop_receiver(&self) {
        if self.receivers.remove() {
            self.notify(List::Closed);
        }
    }

    // ---- waiting ----

    /// Notifies every waiter of `list` (after its condition became true).
    pub(crate) fn notify(&self, list: List) {
        let mut woken = Wakers::new();
        self.waits
            .with(|waits| waits.list(list).notify_all(NOTIFIED, &mut woken));
        woken.wake();
    }

    /// The spare entry of the senders' waits.
    pub(crate) fn spare_closed(&self) -> &Spare<()> {
        &self.spare_closed
    }

    /// One poll of a wait on `list` until `ready` holds: `Ready` once it
    /// does (the caller looks at why), `Pending` with `entry` listed to
    /// wake `cx`'s waker. `ready` only reads atomics: it runs under the
    /// lock too. `spare` is the waiter's spare entry: each receiver keeps
    /// its own, so that receivers waiting at once (every receiver, for
    /// each change) allocate nothing once each has waited.
    pub(crate) fn poll_until(
        &self,
        cx: &mut Context<'_>,
        (list, spare): (List, &Spare<()>),
        entry: &mut Option<Waiting<()>>,
        ready: impl Fn() -> bool,
    ) -> Poll<()> {
        if let Some(waiting) = entry {
            // Listed and not notified: nothing happened since.
            if waiting.state() == WAITING && waiting.reregister(cx.waker()) == WAITING {
                return Poll::Pending;
            }
            self.recycle(spare, entry.take().expect("checked above"));
        }
        if ready() {
            return Poll::Ready(());
        }
        // Wait, with an entry made outside the lock; the condition is
        // looked at again inside it before the entry is listed.
        let waiting = Waiting::from_spare(spare, false, cx.waker());
        let listed = self.waits.with(|waits| {
            if ready() {
                return false;
            }
            waits.list(list).push(waiting.share());
            true
        });
        if listed {
            *entry = Some(waiting);
            return Poll::Pending;
        }
        // Not listed after all: the entry is spare again.
        self.recycle(spare, waiting);
        Poll::Ready(())
    }

    /// Withdraws a wait on `list` (its future was dropped, its deadline
    /// passed, or it unwound). A notification it got is nobody else's
    /// (every waiter of a list is notified alike), so nothing is passed
    /// on.
    pub(crate) fn cancel(&self, (list, spare): (List, &Spare<()>), entry: Waiting<()>) {
        if entry.state() == WAITING {
            self.waits.with(|waits| waits.list(list).remove(&entry));
        }
        self.recycle(spare, entry);
    }

    /// A wait is over: its entry goes to the waiter's spare.
    fn recycle(&self, spare: &Spare<()>, waiting: Waiting<()>) {
        waiting.recycle(spare, || self.waits.with(|_| ()));
    }
}

impl Waits {
    fn list(&mut self, list: List) -> &mut WaitList<()> {
        match list {
            List::Changed => &mut self.changed,
            List::Closed => &mut self.closed,
        }
    }
}

/// A wait as a future or a stream holds it: the channel, its list and
/// the waiter's spare entry, and the receive-op shell (`queue::recv`: the
/// entry while it waits, whether it is done). Dropped while waiting, it
/// withdraws the entry.
pub(crate) struct Wait<'a, T> {
    pub(crate) shared: &'a Shared<T>,
    pub(crate) list: (List, &'a Spare<()>),
    pub(crate) op: RecvOp<()>,
}

impl<'a, T> Wait<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>, list: (List, &'a Spare<()>)) -> Self {
        Self {
            shared,
            list,
            op: RecvOp::new(),
        }
    }
}

impl<T> Drop for Wait<'_, T> {
    fn drop(&mut self) {
        let (shared, list) = (self.shared, self.list);
        self.op.cancel(|entry| shared.cancel(list, entry));
    }
}

impl<T> core::fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Wait")
            .field("list", &self.list.0)
            .field("op", &self.op)
            .finish_non_exhaustive()
    }
}

/// A blocking wait on a list until a condition holds: the blocking
/// driver's op (`wait::block`).
#[cfg(feature = "std")]
pub(crate) struct Until<'a, T, F: Fn() -> bool> {
    pub(crate) shared: &'a Shared<T>,
    /// The list, and the waiter's spare entry.
    pub(crate) list: (List, &'a Spare<()>),
    pub(crate) ready: F,
    pub(crate) entry: Option<Waiting<()>>,
}

#[cfg(feature = "std")]
impl<T, F: Fn() -> bool> crate::wait::block::Op for Until<'_, T, F> {
    type Output = ();
    type TimedOut = ();

    fn try_now(&mut self) -> Poll<()> {
        if (self.ready)() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, _tried: bool) -> Poll<()> {
        self.shared
            .poll_until(cx, self.list, &mut self.entry, &self.ready)
    }

    fn cancel(&mut self) -> Result<(), ()> {
        self.abandon();
        // It may have become true meanwhile: then it is over after all.
        if (self.ready)() {
            Ok(())
        } else {
            Err(())
        }
    }

    fn abandon(&mut self) {
        if let Some(entry) = self.entry.take() {
            self.shared.cancel(self.list, entry);
        }
    }
}

#[cfg(feature = "std")]
impl<T, F: Fn() -> bool> Until<'_, T, F> {
    /// Blocks until the condition holds (`Ok`) or `deadline` passes
    /// (`Err`); `None` waits for ever.
    pub(crate) fn run(mut self, deadline: Option<std::time::Instant>) -> Result<(), ()> {
        if (self.ready)() {
            return Ok(());
        }
        crate::wait::block::run(&mut self, deadline)
    }
}

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
//! Both sides wait with the crate's one mechanism for a condition
//! (`queue::until`): a receiver for "a version it has not seen, or
//! closed" (the `changed` list), a sender for "no receiver left" (the
//! `closed` list), both under the lock `waits`. A notifier first makes
//! its condition true in the atomics (bumps or closes the version, drops
//! the receiver count to zero), then takes the lock and notifies every
//! entry of the list, and wakes them after unlocking. The conditions
//! read only atomics, so a waiter can tell without the lock too.
//!
//! No user code runs under the lock (wakers are woken, and entries
//! recycled, after it); the value's lock (`value.rs`) is never held while
//! this one is taken by the same call, and the other way round.

use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::queue::handles::Handles;
use crate::queue::lock::Lock;
use crate::queue::until::{notify_all, Place};
use crate::queue::waitlist::{Spare, WaitList, Wakers};

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

/// The two wait lists (`queue::until`).
#[derive(Debug)]
pub(crate) struct Waits {
    /// Receivers waiting for a change or the end.
    changed: WaitList<()>,
    /// Senders waiting for every receiver to go.
    closed: WaitList<()>,
}

impl List {
    /// The list in the locked state.
    fn of(self) -> fn(&mut Waits) -> &mut WaitList<()> {
        fn changed(waits: &mut Waits) -> &mut WaitList<()> {
            &mut waits.changed
        }
        fn closed(waits: &mut Waits) -> &mut WaitList<()> {
            &mut waits.closed
        }
        match self {
            Self::Changed => changed,
            Self::Closed => closed,
        }
    }
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

    /// Where a wait on `list` is listed, with the waiter's spare entry
    /// (each receiver keeps its own, so that receivers waiting at once,
    /// every receiver for each change, allocate nothing once each has
    /// waited; the senders share [`Shared::spare_closed`]).
    pub(crate) fn place<'a>(&'a self, list: List, spare: &'a Spare<()>) -> Place<'a, Waits> {
        Place {
            lock: &self.waits,
            list: list.of(),
            spare,
        }
    }

    /// The spare entry of the senders' waits.
    pub(crate) fn spare_closed(&self) -> &Spare<()> {
        &self.spare_closed
    }

    /// Notifies every waiter of `list` (after its condition became true).
    pub(crate) fn notify(&self, list: List) {
        let mut woken = Wakers::new();
        self.waits
            .with(|waits| notify_all(list.of()(waits), &mut woken));
        woken.wake();
    }
}

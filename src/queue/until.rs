//! Waiting until a condition on a channel holds, written once: a
//! sender's `closed()` (every receiver gone, or the channel closed), a
//! watch receiver's `changed()` (a value it has not seen, or the end).
//!
//! # Protocol
//!
//! A condition has a list of waiters ([`WaitList<()>`]: their entries
//! never hold a message) in the channel's locked state, and a [`Place`]
//! names it: the lock, the list in the state, and the waiter's spare
//! entry.
//!
//! - A waiter looks at the condition first without the lock (when it can
//!   tell so: `ready(None)`), then, with an entry made outside the lock,
//!   looks again inside it (`ready(Some(state))`) and lists the entry only
//!   if it is still false.
//! - A notifier makes the condition true (in the locked state, or in
//!   atomics before it takes the lock), and in a locked section after that
//!   moves every entry of the list to `NOTIFIED` ([`notify_all`]); it
//!   wakes them after unlocking.
//!
//! The lock orders the two: a waiter whose locked section comes first is
//! notified, one whose comes after sees the condition true. One wake per
//! registration: a notified entry is off its list, and its owner lists a
//! new one (its spare, usually) if it has to wait again. A withdrawn wait
//! takes its entry off the list if it is still there; a notification it
//! got is nobody else's (every waiter of the list got one), so nothing is
//! passed on. `ready` only reads: it runs no user code, and it runs under
//! the lock.

use core::task::{Context, Poll};

use crate::queue::lock::Lock;
use crate::queue::recv::RecvOp;
use crate::queue::waitlist::{Spare, WaitList, Waiting, Wakers, NOTIFIED, WAITING};

/// Where a wait is listed: the channel's lock, the condition's list in the
/// locked state, and the waiter's spare entry (kept between its waits, so
/// that a wait allocates nothing once the waiter has waited).
pub(crate) struct Place<'a, S> {
    pub(crate) lock: &'a Lock<S>,
    pub(crate) list: fn(&mut S) -> &mut WaitList<()>,
    pub(crate) spare: &'a Spare<()>,
}

impl<S> Clone for Place<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Place<'_, S> {}

impl<S> Place<'_, S> {
    /// One poll of a wait until `ready` holds: `Ready` once it does (the
    /// caller looks at why), `Pending` with `entry` listed to wake `cx`'s
    /// waker.
    pub(crate) fn poll(
        &self,
        cx: &mut Context<'_>,
        entry: &mut Option<Waiting<()>>,
        ready: impl Fn(Option<&S>) -> bool,
    ) -> Poll<()> {
        if let Some(waiting) = entry {
            // Listed and not notified: nothing happened since.
            if waiting.state() == WAITING && waiting.reregister(cx.waker()) == WAITING {
                return Poll::Pending;
            }
            self.recycle(entry.take().expect("checked above"));
        }
        if ready(None) {
            return Poll::Ready(());
        }
        let waiting = Waiting::from_spare(self.spare, false, cx.waker());
        let listed = self.lock.with(|state| {
            if ready(Some(state)) {
                return false;
            }
            (self.list)(state).push(waiting.share());
            true
        });
        if listed {
            *entry = Some(waiting);
            return Poll::Pending;
        }
        // Not listed after all: the entry is spare again.
        self.recycle(waiting);
        Poll::Ready(())
    }

    /// Withdraws a wait (its future was dropped, its deadline passed, or
    /// it unwound).
    pub(crate) fn cancel(&self, entry: Waiting<()>) {
        if entry.state() == WAITING {
            self.lock.with(|state| (self.list)(state).remove(&entry));
        }
        self.recycle(entry);
    }

    /// A wait is over: its entry goes to the waiter's spare.
    fn recycle(&self, waiting: Waiting<()>) {
        waiting.recycle(self.spare, || self.lock.with(|_| ()));
    }
}

/// The notifier's move, in its locked section once the condition holds:
/// every waiter of `list` is notified; wake `woken` after unlocking.
pub(crate) fn notify_all(list: &mut WaitList<()>, woken: &mut Wakers) {
    list.notify_all(NOTIFIED, woken);
}

/// A wait as a future or a stream holds it: its place and the receive-op
/// shell (`queue::recv`: the entry while it waits, whether it is done).
/// Dropped while waiting, it withdraws the entry.
pub(crate) struct Wait<'a, S> {
    pub(crate) place: Place<'a, S>,
    pub(crate) op: RecvOp<()>,
}

impl<'a, S> Wait<'a, S> {
    pub(crate) fn new(place: Place<'a, S>) -> Self {
        Self {
            place,
            op: RecvOp::new(),
        }
    }
}

impl<S> Drop for Wait<'_, S> {
    fn drop(&mut self) {
        let place = self.place;
        self.op.cancel(|entry| place.cancel(entry));
    }
}

impl<S> core::fmt::Debug for Wait<'_, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Wait")
            .field("op", &self.op)
            .finish_non_exhaustive()
    }
}

/// A blocking wait until `ready` holds, or a deadline passes (the
/// blocking driver's op, `wait::block`).
#[cfg(feature = "std")]
pub(crate) fn block_until<S>(
    place: Place<'_, S>,
    ready: impl Fn(Option<&S>) -> bool,
    deadline: Option<std::time::Instant>,
) -> Result<(), ()> {
    if ready(None) {
        return Ok(());
    }
    crate::wait::block::run(
        &mut Blocking {
            place,
            ready,
            entry: None,
        },
        deadline,
    )
}

/// [`block_until`]'s op.
#[cfg(feature = "std")]
struct Blocking<'a, S, F> {
    place: Place<'a, S>,
    ready: F,
    entry: Option<Waiting<()>>,
}

#[cfg(feature = "std")]
impl<S, F: Fn(Option<&S>) -> bool> crate::wait::block::Op for Blocking<'_, S, F> {
    type Output = ();
    type TimedOut = ();

    fn try_now(&mut self) -> Poll<()> {
        if (self.ready)(None) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, _tried: bool) -> Poll<()> {
        self.place.poll(cx, &mut self.entry, &self.ready)
    }

    fn cancel(&mut self) -> Result<(), ()> {
        self.abandon();
        // It may have become true meanwhile: then it is over after all.
        let ready = &self.ready;
        if self.place.lock.with(|state| ready(Some(state))) {
            Ok(())
        } else {
            Err(())
        }
    }

    fn abandon(&mut self) {
        if let Some(entry) = self.entry.take() {
            self.place.cancel(entry);
        }
    }
}

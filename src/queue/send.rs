//! The send side of every queued channel, written once: a send that may
//! wait ([`SendOp`]), its blocking driver ([`send_until`]), and how it is
//! withdrawn ([`SendOp::cancel`]).
//!
//! The kinds differ only in how a message is offered to their buffer
//! (mpmc's ring, list or rendezvous; broadcast's ring, which a lagging
//! channel overwrites), so each gives the send side a [`Queue`]: its lock,
//! the fast path's move under it, a try from the lock taken, a locked
//! retry that lists a waiting sender, and its list of waiting senders. Outcomes are this module's own ([`Refused`],
//! [`Failed`], [`SendEnd`]); each kind maps them to its public errors.
//!
//! # Protocol
//!
//! A send op is in one of three states:
//!
//! | state    | `msg`   | `entry` | meaning |
//! |----------|---------|---------|---------|
//! | new      | `Some`  | `None`  | not tried yet, or tried and found the queue full |
//! | waiting  | `None`  | `Some`  | listed among the queue's waiting senders; the entry holds the message |
//! | done     | `None`  | `None`  | sent, or refused with the message handed back |
//!
//! A waiting sender's entry moves, under the queue's lock, from `WAITING`
//! to `SENT` (a receiver took its message or moved it into the buffer) or
//! to `CLOSED` (the channel closed; the message is still in the entry),
//! never back (`waitlist.rs`). Its owner reads the move after the fact:
//! when polled again, or when it gives up ([`SendOp::cancel`]: a dropped
//! future, a passed deadline, an unwinding blocking call), in which case a
//! still-`WAITING` entry is withdrawn from its list under the lock, with
//! its message. So a message is delivered exactly once, or handed back,
//! or dropped with the op: never two of these.
//!
//! While the op makes its entry (cloning the waker: user code that may
//! panic), the message is back in `msg`, so a panic leaves the op new.
//! Once the locked retry has listed the entry, the op records it before
//! running anything after the lock (wakes: user code), so a panic there
//! still leaves an op that its owner withdraws.

use core::task::{Context, Poll};

use crate::queue::lock::{Lock, Locked};
use crate::queue::waitlist::{Spare, WaitList, Waiting, WAITING};

/// Why a queue did not take a message now; the message is handed back.
pub(crate) enum Refused<T> {
    /// No room (a lagging broadcast never says so).
    Full(T),
    /// The channel is closed (or, for a broadcast, has no receiver).
    Closed(T),
}

/// How a blocking send failed; the message is handed back.
#[cfg(feature = "std")]
pub(crate) enum Failed<T> {
    /// The channel is closed.
    Closed(T),
    /// The deadline passed first.
    Timeout(T),
}

/// How the locked retry of a send went.
pub(crate) enum Offered<T> {
    /// The message went in.
    Sent,
    /// Still no room: the message is in the entry, which is listed.
    Listed,
    /// The channel is closed; the message back.
    Closed(T),
}

/// How a waiting send ended, when its owner gave up on it.
pub(crate) enum SendEnd<T> {
    /// A receiver took the message after all.
    Sent,
    /// The channel closed meanwhile; here is the message.
    Closed(T),
    /// Still waiting; now withdrawn, here is the message.
    Withdrawn(T),
}

/// Work a locked section left for after unlocking (wakes, drops: user
/// code), done by [`run_after_unlock`](Self::run_after_unlock). (Not
/// `finish`: a by-value trait method of that name would be picked over
/// the carriers' own `finish(&mut self)`, moving them.)
pub(crate) trait AfterUnlock {
    fn run_after_unlock(self);
}

/// What a queued channel gives its send side.
pub(crate) trait Queue<T> {
    /// What the locked retry leaves to do once the lock is released.
    type After: AfterUnlock;

    /// The state behind the queue's lock.
    type State;

    /// The queue's lock.
    fn lock(&self) -> &Lock<Self::State>;

    /// The fast path's move, under the lock: takes `msg` only if that
    /// leaves nothing to do after unlocking and needs no call (mpmc's: a
    /// ring with room and nobody waiting to receive); else hands it back
    /// for [`try_send_locked`](Self::try_send_locked).
    fn offer_at_once(&self, state: &mut Self::State, msg: T) -> Result<(), T>;

    /// Sends `msg` if that can be done without waiting, from the lock
    /// taken: the locked section, then the work it left for after.
    fn try_send_locked(&self, state: Locked<'_, Self::State>, msg: T) -> Result<(), Refused<T>>;

    /// Under the lock: offers `msg` again, and if there is still no room,
    /// puts it into `entry` (new, not listed yet) and lists the entry
    /// among the waiting senders. The work left for after the lock is
    /// returned, not done.
    fn offer_or_list(&self, msg: T, entry: &Waiting<T>) -> (Offered<T>, Self::After);

    /// Runs `f` on the list of waiting senders, under the lock.
    fn with_senders<R>(&self, f: impl FnOnce(&mut WaitList<T>) -> R) -> R;

    /// Where the senders' waits keep a spare entry.
    fn spare_senders(&self) -> &Spare<T>;

    /// Whether a blocking send that finds no room retries a few times
    /// before it waits (`block::batches`).
    #[cfg(feature = "std")]
    fn batches(&self) -> bool;
}

/// The first try of every send (`try_send`, [`send_until`], a future's
/// first poll), written once: the lock taken with one compare-and-swap
/// and [`Queue::offer_at_once`], a path that makes no call, so the
/// function it is inlined into needs no stack frame of its own; then
/// `done`. Anything else goes on out of line in `cold`, with the guard
/// (`None`: another thread held the lock; `cold` takes it), as a tail
/// call that redoes nothing but the tests. `with` goes to whichever of
/// the two runs. (See also `mpmc/chan.rs`, "Fast paths".)
#[inline(always)]
fn fast_or<T, Q: Queue<T>, W, R>(
    queue: &Q,
    msg: T,
    with: W,
    done: impl FnOnce(W) -> R,
    cold: impl FnOnce(W, Option<Locked<'_, Q::State>>, T) -> R,
) -> R {
    let Some(mut state) = queue.lock().try_lock() else {
        return cold(with, None, msg);
    };
    match queue.offer_at_once(&mut state, msg) {
        Ok(()) => {
            drop(state);
            done(with)
        }
        Err(msg) => cold(with, Some(state), msg),
    }
}

/// Sends `msg` if that can be done without waiting.
#[inline(always)]
pub(crate) fn try_send<T, Q: Queue<T>>(queue: &Q, msg: T) -> Result<(), Refused<T>> {
    fast_or(
        queue,
        msg,
        (),
        |()| Ok(()),
        |(), state, msg| try_send_cold(queue, state, msg),
    )
}

/// [`try_send`] past its fast path.
#[inline(never)]
fn try_send_cold<T, Q: Queue<T>>(
    queue: &Q,
    state: Option<Locked<'_, Q::State>>,
    msg: T,
) -> Result<(), Refused<T>> {
    try_send_from(queue, state, msg)
}

/// The try of every path past [`fast_or`]: from the guard it had, or
/// from the lock taken now (`None`: another thread held it).
#[inline(always)]
fn try_send_from<T, Q: Queue<T>>(
    queue: &Q,
    state: Option<Locked<'_, Q::State>>,
    msg: T,
) -> Result<(), Refused<T>> {
    queue.try_send_locked(state.unwrap_or_else(|| queue.lock().lock()), msg)
}

/// A send that may wait. See the module docs.
pub(crate) struct SendOp<T> {
    /// The message, until the send waits (then the entry holds it).
    msg: Option<T>,
    entry: Option<Waiting<T>>,
}

impl<T> SendOp<T> {
    /// A send of `msg`, not tried yet.
    pub(crate) const fn new(msg: T) -> Self {
        Self {
            msg: Some(msg),
            entry: None,
        }
    }

    /// A send with nothing to send: done (a `Sink` between messages).
    #[cfg_attr(not(feature = "futures"), allow(dead_code))]
    pub(crate) const fn done() -> Self {
        Self {
            msg: None,
            entry: None,
        }
    }

    /// Whether the send is over (sent, or refused).
    pub(crate) fn is_done(&self) -> bool {
        self.msg.is_none() && self.entry.is_none()
    }

    /// One poll of the send on `queue`: `Ok` once sent, `Err` with the
    /// message when the channel is closed. `tried`: the caller has just
    /// found the queue full (the first poll of a blocking send), so the
    /// send goes straight to the locked retry.
    ///
    /// The first try is inlined into the caller's poll (a send that finds
    /// room is a try and nothing else); waiting is out of line.
    ///
    /// # Panics
    ///
    /// If polled again after it completed.
    #[inline(always)]
    pub(crate) fn poll<Q: Queue<T>>(
        &mut self,
        queue: &Q,
        cx: &mut Context<'_>,
        tried: bool,
    ) -> Poll<Result<(), T>> {
        if self.entry.is_none() && !tried {
            let Some(msg) = self.msg.take() else {
                panic!("a send future polled after it completed");
            };
            return fast_or(
                queue,
                msg,
                (),
                |()| Poll::Ready(Ok(())),
                |(), state, msg| self.poll_first_cold(queue, cx, state, msg),
            );
        }
        self.wait(queue, cx)
    }

    /// The first poll past its fast path: the try from the lock taken,
    /// then, with no room, the wait.
    #[inline(never)]
    fn poll_first_cold<Q: Queue<T>>(
        &mut self,
        queue: &Q,
        cx: &mut Context<'_>,
        state: Option<Locked<'_, Q::State>>,
        msg: T,
    ) -> Poll<Result<(), T>> {
        match try_send_from(queue, state, msg) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(Refused::Closed(msg)) => Poll::Ready(Err(msg)),
            Err(Refused::Full(msg)) => {
                self.msg = Some(msg);
                self.wait(queue, cx)
            }
        }
    }

    /// The rest of [`poll`](Self::poll): the send is listed, or is to be.
    #[inline(never)]
    fn wait<Q: Queue<T>>(&mut self, queue: &Q, cx: &mut Context<'_>) -> Poll<Result<(), T>> {
        if let Some(waiting) = &self.entry {
            let done = waiting.poll_send(cx.waker());
            if done.is_ready() {
                let waiting = self.entry.take().expect("checked above");
                recycle(queue, waiting);
            }
            return done;
        }
        if self.msg.is_none() {
            panic!("a send future polled after it completed");
        }
        // The waker is cloned with the message in place: a panicking clone
        // leaves the op as it was.
        let waiting = Waiting::from_spare(queue.spare_senders(), false, cx.waker());
        let msg = self.msg.take().expect("checked above");
        let (offered, after) = queue.offer_or_list(msg, &waiting);
        match offered {
            Offered::Listed => {
                // Recorded before the work after the lock (user code): if
                // it panics, the owner still withdraws the entry.
                self.entry = Some(waiting);
                after.run_after_unlock();
                Poll::Pending
            }
            // The wakes first: a panicking drop of the spare's old waker
            // (user code, in `recycle`) must not keep them from running.
            Offered::Sent => {
                after.run_after_unlock();
                recycle(queue, waiting);
                Poll::Ready(Ok(()))
            }
            Offered::Closed(msg) => {
                after.run_after_unlock();
                recycle(queue, waiting);
                Poll::Ready(Err(msg))
            }
        }
    }

    /// Gives the send up: withdraws a waiting entry and says how the send
    /// ended (`None`: it never waited, or is over). The message it hands
    /// back is the caller's to drop, outside the lock.
    #[inline]
    pub(crate) fn cancel<Q: Queue<T>>(&mut self, queue: &Q) -> Option<SendEnd<T>> {
        let entry = self.entry.take()?;
        Some(Self::withdraw(queue, entry))
    }

    /// Gives the send up and takes its message back if it was not
    /// delivered: not sent yet (or waiting: withdrawn), or handed back by a
    /// close while it waited. `None` once a receiver took it, or once the
    /// send is over (its outcome had the message then).
    pub(crate) fn take_back<Q: Queue<T>>(&mut self, queue: &Q) -> Option<T> {
        if let Some(msg) = self.msg.take() {
            return Some(msg);
        }
        match self.cancel(queue)? {
            SendEnd::Sent => None,
            SendEnd::Closed(msg) | SendEnd::Withdrawn(msg) => Some(msg),
        }
    }

    #[inline(never)]
    fn withdraw<Q: Queue<T>>(queue: &Q, entry: Waiting<T>) -> SendEnd<T> {
        if entry.state() == WAITING {
            if let Some(msg) = queue.with_senders(|senders| senders.withdraw(&entry)) {
                recycle(queue, entry);
                return SendEnd::Withdrawn(msg);
            }
        }
        // Off its list: `withdraw` did not find it, or it was no longer
        // WAITING.
        let end = match entry.send_outcome() {
            Ok(()) => SendEnd::Sent,
            Err(msg) => SendEnd::Closed(msg),
        };
        recycle(queue, entry);
        end
    }
}

/// A send's wait is over: its entry goes to the senders' spare.
fn recycle<T, Q: Queue<T>>(queue: &Q, waiting: Waiting<T>) {
    waiting.recycle(queue.spare_senders(), || queue.with_senders(|_| ()));
}

/// Sends `msg` on `queue`, blocking the thread until done or until
/// `deadline` (`None`: no deadline).
/// The caller's `out` maps the outcome to its error type: the public
/// method is then [`fast_or`] itself.
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn send_until<T, Q: Queue<T>, R>(
    queue: &Q,
    msg: T,
    deadline: Option<std::time::Instant>,
    out: impl FnOnce(Result<(), Failed<T>>) -> R,
) -> R {
    fast_or(
        queue,
        msg,
        out,
        |out| out(Ok(())),
        |out, state, msg| send_cold(queue, state, msg, deadline, out),
    )
}

/// [`send_until`] past its fast path: the try from the lock taken, then,
/// with no room, the wait.
#[cfg(feature = "std")]
#[inline(never)]
fn send_cold<T, Q: Queue<T>, R>(
    queue: &Q,
    state: Option<Locked<'_, Q::State>>,
    msg: T,
    deadline: Option<std::time::Instant>,
    out: impl FnOnce(Result<(), Failed<T>>) -> R,
) -> R {
    out(match try_send_from(queue, state, msg) {
        Ok(()) => Ok(()),
        Err(Refused::Closed(msg)) => Err(Failed::Closed(msg)),
        Err(Refused::Full(msg)) => send_slow(queue, msg, deadline),
    })
}

/// [`send_until`] once the queue was found full: the blocking driver runs
/// the send as an [`Op`](crate::wait::block::Op).
#[cfg(feature = "std")]
#[inline(never)]
fn send_slow<T, Q: Queue<T>>(
    queue: &Q,
    msg: T,
    deadline: Option<std::time::Instant>,
) -> Result<(), Failed<T>> {
    let mut op = Blocking {
        queue,
        op: SendOp::new(msg),
    };
    match crate::wait::block::run(&mut op, deadline) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(msg)) => Err(Failed::Closed(msg)),
        Err(msg) => Err(Failed::Timeout(msg)),
    }
}

/// A blocking send: a send op and its queue.
#[cfg(feature = "std")]
struct Blocking<'q, T, Q: Queue<T>> {
    queue: &'q Q,
    op: SendOp<T>,
}

#[cfg(feature = "std")]
impl<T, Q: Queue<T>> crate::wait::block::Op for Blocking<'_, T, Q> {
    /// Sent, or the message back from a closed channel.
    type Output = Result<(), T>;
    /// The message, withdrawn.
    type TimedOut = T;

    fn try_now(&mut self) -> Poll<Result<(), T>> {
        let msg = self
            .op
            .msg
            .take()
            .expect("a blocking send has not waited yet");
        match try_send(self.queue, msg) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(Refused::Closed(msg)) => Poll::Ready(Err(msg)),
            Err(Refused::Full(msg)) => {
                self.op.msg = Some(msg);
                Poll::Pending
            }
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, tried: bool) -> Poll<Result<(), T>> {
        self.op.poll(self.queue, cx, tried)
    }

    fn cancel(&mut self) -> Result<Result<(), T>, T> {
        match self.op.cancel(self.queue) {
            Some(SendEnd::Sent) => Ok(Ok(())),
            Some(SendEnd::Closed(msg)) => Ok(Err(msg)),
            Some(SendEnd::Withdrawn(msg)) => Err(msg),
            // Never listed (the deadline had passed before it waited).
            None => Err(self
                .op
                .msg
                .take()
                .expect("a send not over holds its message")),
        }
    }

    fn abandon(&mut self) {
        // The message, if still here, is dropped with the op.
        drop(self.op.cancel(self.queue));
    }

    fn snoozes(&self) -> bool {
        self.queue.batches()
    }
}

impl<T> core::fmt::Debug for SendOp<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SendOp")
            .field("waiting", &self.entry.is_some())
            .field("done", &self.is_done())
            .finish()
    }
}

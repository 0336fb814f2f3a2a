//! What [`select_async!`](crate::select_async!) expands to: a future as
//! one more operation of the select ([`FutureArm`]), and the select's wait
//! as the body of a future ([`Polling`]).
//!
//! # Protocol
//!
//! A future arm is an [`Operation`] with no channel behind it: it lists
//! itself by polling its future with the select's waker (the task's). A
//! future that is ready then has taken what it gives (a message, a
//! permit): it keeps the output and stops the listing, and the select
//! finishes with it ([`Operation::took`]), passing on any wake a channel
//! gave it meanwhile. A future still pending wakes the task by its own
//! means, without the select's claim: a select woken with its claim open
//! asks its operations whether they may finish
//! ([`Operation::ready_unclaimed`]), which a future arm answers "maybe",
//! so the select takes back all it listed and lists again, polling every
//! future arm anew. Taking a future arm off its "list" does nothing: the
//! future stays as it is (registered with the task's waker) until it is
//! polled again or dropped with the select.
//!
//! [`Polling`] keeps one macro select's wait between polls: the order of
//! its operations, its random choices, its [`Waiter`] and its deadline
//! (`default` and `default(timeout)`). It reaches the operations (locals
//! of the expansion) through a closure that lends them as one slice, so
//! that it holds no `dyn` reference itself: the expansion is `Send` when
//! its operations are. Dropped before it finished (the task cancelled the
//! select), it takes back all it listed, as a [`SelectFuture`] does.
//!
//! [`SelectFuture`]: crate::SelectFuture

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::Instant;

use super::engine::{
    arrange, Kept, Kind, Listing, Mode, Operation, Rng, Selection, Unlisted, Waiter,
};
use super::FinishRecv;

/// A future in an arm of [`select_async!`](crate::select_async!): see the
/// module docs.
#[derive(Debug)]
pub struct FutureArm<'f, F: Future> {
    fut: Pin<&'f mut F>,
    got: Kept<F::Output>,
    /// Polled with the select's waker, and pending.
    listed: bool,
}

impl<'f, F: Future> FutureArm<'f, F> {
    /// The arm of a pinned future.
    pub fn new(fut: Pin<&'f mut F>) -> Self {
        Self {
            fut,
            got: Kept::new(),
            listed: false,
        }
    }
}

impl<F: Future> Operation for FutureArm<'_, F> {
    fn try_select(&mut self) -> bool {
        // Only a poll (in `register`) can finish it (`can_try`).
        self.got.is_some()
    }

    fn is_ready(&mut self) -> bool {
        self.got.is_some()
    }

    fn register(&mut self, at: Listing<'_>) -> bool {
        let mut cx = Context::from_waker(at.waker);
        match self.fut.as_mut().poll(&mut cx) {
            Poll::Pending => {
                self.listed = true;
                true
            }
            Poll::Ready(output) => {
                self.got.put(output);
                false
            }
        }
    }

    fn unregister(&mut self) -> Unlisted {
        self.listed = false;
        Unlisted::Untouched
    }

    fn clear(&mut self) {
        // Never reached: no channel completes a future arm (`Unlisted::Done`),
        // and the macro hands a finished arm's output over at once.
    }

    fn pass_on(&mut self) {
        // No channel wins a select's claim through a future arm.
    }

    fn ready_unclaimed(&mut self) -> bool {
        // Its future may have woken the task: poll it again.
        self.listed
    }

    fn took(&mut self) -> bool {
        self.got.is_some()
    }

    fn can_try(&self) -> bool {
        false
    }

    fn handle(&self) -> (*const (), Kind) {
        (core::ptr::from_ref(self).cast(), Kind::Future)
    }

    fn outcome(&mut self) -> *mut () {
        self.got.ptr()
    }
}

impl<F: Future> FinishRecv for FutureArm<'_, F> {
    type Output = F::Output;

    fn finish(&mut self) -> F::Output {
        self.got.finish()
    }
}

/// Lends a macro select's operations, as one slice, to the callback.
pub trait LendOps<const N: usize>: FnMut(&mut dyn FnMut(&mut [&mut dyn Operation; N])) {}

impl<W: FnMut(&mut dyn FnMut(&mut [&mut dyn Operation; N])), const N: usize> LendOps<N> for W {}

/// The wait of one [`select_async!`](crate::select_async!), polled by the
/// future the expansion awaits: see the module docs.
pub struct Polling<W: LendOps<N>, const N: usize> {
    ops: W,
    order: [usize; N],
    /// A fair select's generator (`None`: biased).
    rng: Option<Rng>,
    waiter: Waiter,
    /// When a `default` arm runs (`None`: without one, never).
    deadline: Option<Instant>,
    done: bool,
}

impl<W: LendOps<N>, const N: usize> Polling<W, N> {
    /// The wait over the operations `ops` lends; `deadline` as the macro's
    /// `default` arm says.
    pub fn new(ops: W, biased: bool, deadline: Option<Instant>) -> Self {
        let mut order = [0; N];
        arrange(&mut order);
        Self {
            ops,
            order,
            rng: (!biased).then(Rng::from_thread),
            waiter: Waiter::default(),
            deadline,
            done: false,
        }
    }

    /// One poll: `Ready(Some(i))` once operation `i` finished,
    /// `Ready(None)` once the deadline passed first.
    ///
    /// # Panics
    ///
    /// If polled again after it finished.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        assert!(!self.done, "a select polled after it finished");
        let Self {
            ops,
            order,
            rng,
            waiter,
            deadline,
            done,
        } = self;
        let mut out = Poll::Pending;
        ops(&mut |ops| {
            let mut selection = Selection {
                ops: &mut ops[..],
                order: &mut order[..],
                rng: rng.as_mut(),
                mode: Mode::Select,
                blocking: false,
                list_first: true,
            };
            out = match selection.poll(waiter, cx, false) {
                Poll::Ready(index) => Poll::Ready(Some(index)),
                // A deadline that has passed (`default`: at once) gives
                // up only after every operation was listed once, so the
                // select is linearizable as a blocking one is.
                Poll::Pending => match *deadline {
                    Some(at) if Instant::now() >= at => Poll::Ready(selection.cancel(waiter)),
                    Some(at) => {
                        crate::wait::timer::wake_at(at, cx.waker());
                        Poll::Pending
                    }
                    None => Poll::Pending,
                },
            };
        });
        *done = out.is_ready();
        out
    }
}

impl<W: LendOps<N>, const N: usize> Drop for Polling<W, N> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let Self {
            ops, order, waiter, ..
        } = self;
        ops(&mut |ops| {
            let mut selection = Selection {
                ops: &mut ops[..],
                order: &mut order[..],
                rng: None,
                mode: Mode::Select,
                blocking: false,
                list_first: true,
            };
            selection.abandon(waiter);
        });
    }
}

impl<W: LendOps<N>, const N: usize> core::fmt::Debug for Polling<W, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Polling")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

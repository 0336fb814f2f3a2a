//! The blocking driver: how a thread waits on a poll step.
//!
//! Every waiting operation of the crate is written once, as a poll step
//! `FnMut(&mut Context) -> Poll<R>`. An async future calls it from its
//! `poll`; a blocking call hands it to [`wait_until`], which polls it with
//! a [`Waker`] that unparks the calling thread, and parks between polls.
//! A thread and a task therefore leave the same kind of waiter in a
//! channel (`waiter::WakerSlot`), and a channel never needs to know which
//! one is waiting.
//!
//! The thread's waker is made once per thread and cached in a thread-local,
//! so a blocking call costs no allocation. During thread-local teardown (a
//! blocking call from another thread-local's destructor) a fresh waker is
//! made instead.

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::loom::thread::{self, Thread};

/// Unparks the thread that made it.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

fn new_thread_waker() -> Waker {
    Waker::from(Arc::new(ThreadWaker(thread::current())))
}

/// Runs `f` with a waker that unparks the current thread.
#[cfg(not(tidings_loom))]
fn with_thread_waker<R>(f: impl FnOnce(&Waker) -> R) -> R {
    std::thread_local! {
        static WAKER: Waker = new_thread_waker();
    }
    let mut f = Some(f);
    WAKER
        .try_with(|waker| (f.take().expect("called once"))(waker))
        .unwrap_or_else(|_| (f.take().expect("called once"))(&new_thread_waker()))
}

/// Under loom every modelled thread shares one OS thread, so a
/// thread-local cache would hand one loom thread another's waker.
#[cfg(tidings_loom)]
fn with_thread_waker<R>(f: impl FnOnce(&Waker) -> R) -> R {
    f(&new_thread_waker())
}

/// The deadline `timeout` from now, or `None` ("wait forever") when it is
/// too far away to represent.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Polls `poll` with the current thread's waker until it is ready or
/// `deadline` has passed, parking the thread in between.
///
/// Returns `None` at the deadline. `poll` is always called at least once,
/// and after every park, so a result that is ready at the deadline is
/// returned rather than missed (a zero timeout still takes what is ready
/// now). On `None` the caller cancels whatever registration the last poll
/// left behind. A `deadline` of `None` waits forever.
pub(crate) fn wait_until<R>(
    deadline: Option<Instant>,
    mut poll: impl FnMut(&mut Context<'_>) -> Poll<R>,
) -> Option<R> {
    with_thread_waker(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(out) = poll(&mut cx) {
                return Some(out);
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => {
                    // The poll above ran after the last park, so a result
                    // ready at the deadline has been seen already.
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    thread::park_timeout(deadline - now);
                }
            }
        }
    })
}

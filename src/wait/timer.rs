//! The timer thread: wakes futures that wait for a timer channel's message
//! (`mpmc/timer.rs`) when it falls due.
//!
//! Nobody sends on a timer channel, so nobody would wake a future waiting
//! on one. A future that must wait leaves its waker here with the instant
//! ([`wake_at`]); one thread, started by the first such call, sleeps until
//! the earliest instant and wakes the wakers due by then. A woken future
//! polls its channel again, which finds the message due. Blocking waits
//! never come here: a thread parks until the instant itself.
//!
//! # Protocol
//!
//! The queue (instant, then arrival order → waker) lives behind one mutex.
//! [`wake_at`] inserts under it and, when its instant is the new earliest,
//! signals the condition variable. The thread, under the mutex, takes
//! every entry due by now, lets go of the mutex, wakes them (user code,
//! outside the lock), and waits on the condition variable until the next
//! earliest instant (or a signal). A waker that panics is caught and
//! dropped, so the thread keeps serving the others.
//!
//! The queue holds each waker until its instant; a future polled many
//! times leaves a waker per poll, each dropped once woken. (Under loom,
//! whose models have no clock, and under miri, which fails a run whose
//! threads outlive it, [`wake_at`] wakes at once: the future polls again
//! until the instant has passed.)

use core::task::Waker;
use std::time::Instant;

/// Wakes `waker` at `at` (at once if it has passed).
pub(crate) fn wake_at(at: Instant, waker: &Waker) {
    #[cfg(not(any(tidings_loom, miri)))]
    imp::wake_at(at, waker);
    #[cfg(any(tidings_loom, miri))]
    {
        let _ = at;
        waker.wake_by_ref();
    }
}

#[cfg(not(any(tidings_loom, miri)))]
mod imp {
    use alloc::collections::BTreeMap;
    use core::task::Waker;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::{Condvar, Mutex, OnceLock, PoisonError}; // shim-exempt: the timer thread is outside every loom model (see the module docs)
    use std::time::Instant;

    struct Timers {
        /// (instant, arrival) → waker, earliest first.
        queue: Mutex<Queue>,
        changed: Condvar,
    }

    #[derive(Default)]
    struct Queue {
        wakers: BTreeMap<(Instant, u64), Waker>,
        arrivals: u64,
    }

    fn timers() -> &'static Timers {
        static TIMERS: OnceLock<&'static Timers> = OnceLock::new();
        TIMERS.get_or_init(|| {
            let timers: &'static Timers = alloc::boxed::Box::leak(alloc::boxed::Box::new(Timers {
                queue: Mutex::new(Queue::default()),
                changed: Condvar::new(),
            }));
            std::thread::Builder::new() // shim-exempt: as above
                .name("tidings-timer".into())
                .spawn(move || run(timers))
                .expect("the timer thread starts");
            timers
        })
    }

    pub(super) fn wake_at(at: Instant, waker: &Waker) {
        if Instant::now() >= at {
            waker.wake_by_ref();
            return;
        }
        // The clone (user code) before the lock.
        let waker = waker.clone();
        let timers = timers();
        let mut queue = timers.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let arrival = queue.arrivals;
        queue.arrivals += 1;
        let earliest = queue
            .wakers
            .keys()
            .next()
            .map_or(true, |&(first, _)| at < first);
        queue.wakers.insert((at, arrival), waker);
        drop(queue);
        if earliest {
            timers.changed.notify_one();
        }
    }

    /// The thread: wakes what is due, sleeps until the next instant.
    fn run(timers: &'static Timers) {
        let mut due = alloc::vec::Vec::new();
        let mut queue = timers.queue.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = Instant::now();
            while let Some(entry) = queue.wakers.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
            if !due.is_empty() {
                drop(queue);
                for waker in due.drain(..) {
                    // A waker is user code: one that panics is dropped,
                    // and the thread goes on serving the others.
                    let _ = catch_unwind(AssertUnwindSafe(|| waker.wake()));
                }
                queue = timers.queue.lock().unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            queue = match queue.wakers.keys().next() {
                None => timers
                    .changed
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(&(next, _)) => {
                    timers
                        .changed
                        .wait_timeout(queue, next.saturating_duration_since(now))
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

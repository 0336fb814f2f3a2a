//! The blocking driver: how a thread waits on a poll step.
//!
//! Every waiting operation of the crate is written once, as a poll step
//! `FnMut(&mut Context) -> Poll<R>`. An async future calls it from its
//! `poll`; a blocking call hands it to [`wait_until`], which polls it with
//! a [`Waker`] that unparks the calling thread, and parks between polls.
//! A thread and a task therefore leave the same kind of waiter in a
//! channel (`wait::waker_slot::WakerSlot`), and a channel never needs to know which
//! one is waiting.
//!
//! A blocking call on a queue with room for a batch that finds it empty
//! (or full) first retries a few times, backing off in between
//! ([`snooze`]), and only then registers: a waiter registered at once
//! would turn the streaming other side's every operation into a hand-off
//! with a wake.
//!
//! The thread's waker is made once per thread and cached in a thread-local,
//! so a blocking call costs no allocation. During thread-local teardown (a
//! blocking call from another thread-local's destructor) a fresh waker is
//! made instead.
#![allow(unsafe_code)]

use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::{Duration, Instant};

use crate::loom::atomic::{AtomicU8, Ordering::*};
use crate::loom::sync::Arc;
use crate::loom::thread::{self, Thread};
use crate::loom::Spin;

/// Unparks the thread that made it, after raising `woken` (which the
/// thread watches for a short while before it parks).
struct ThreadWaker {
    thread: Thread,
    woken: AtomicU8,
}

impl ThreadWaker {
    fn wake(&self) {
        // ORDERING: Release, so a thread that sees the flag and polls again
        // sees what the waker published before waking (the channels also
        // publish through their own atomics; this keeps the flag honest).
        self.woken.store(1, Release);
        self.thread.unpark();
    }
}

/// The thread's `Waker`: an `Arc<ThreadWaker>` behind a hand-written
/// vtable, because std's `Wake` trait takes std's `Arc` only, and this is
/// the shim's (loom's, under loom, which then checks its counts).
fn new_thread_waker() -> (Arc<ThreadWaker>, Waker) {
    let inner = Arc::new(ThreadWaker {
        thread: thread::current(),
        woken: AtomicU8::new(0),
    });
    let raw = RawWaker::new(Arc::into_raw(inner.clone()).cast(), &VTABLE);
    // SAFETY: `raw` owns one strong count of an `Arc<ThreadWaker>` (from `into_raw` above), and VTABLE's functions keep `RawWaker`'s contract on such a pointer (each says how); `ThreadWaker` is `Send + Sync`, so the waker may go to any thread.
    (inner, unsafe { Waker::from_raw(raw) })
}

const VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// # Safety
///
/// `ptr` holds a strong count of an `Arc<ThreadWaker>` (it came from
/// `Arc::into_raw`, as every pointer of [`VTABLE`] does), still live.
unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: by the contract `ptr` is a live `Arc<ThreadWaker>` pointer; the new RawWaker owns the count added here.
    unsafe { Arc::increment_strong_count(ptr.cast::<ThreadWaker>()) };
    RawWaker::new(ptr, &VTABLE)
}

/// # Safety
///
/// As for [`clone`]; the count `ptr` holds is consumed.
unsafe fn wake(ptr: *const ()) {
    // SAFETY: by the contract `ptr` owns a strong count, taken back here and released when `inner` drops.
    let inner = unsafe { Arc::from_raw(ptr.cast::<ThreadWaker>()) };
    inner.wake();
}

/// # Safety
///
/// As for [`clone`]; the count stays with the caller.
unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: by the contract `ptr` points to a live `ThreadWaker`, kept alive by the caller's count for this call.
    unsafe { &*ptr.cast::<ThreadWaker>() }.wake();
}

/// # Safety
///
/// As for [`clone`]; the count `ptr` holds is released.
unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: by the contract `ptr` owns a strong count, released here.
    drop(unsafe { Arc::from_raw(ptr.cast::<ThreadWaker>()) });
}

/// Runs `f` with a waker that unparks the current thread: the thread's
/// own, made once and cached in a thread-local, or a fresh one during
/// thread-local teardown.
#[cfg(not(tidings_loom))]
fn with_thread_waker<R>(f: impl FnOnce(&ThreadWaker, &Waker) -> R) -> R {
    crate::loom::thread_local! {
        static WAKER: (Arc<ThreadWaker>, Waker) = new_thread_waker();
    }
    let mut f = Some(f);
    WAKER
        .try_with(|(inner, waker)| (f.take().expect("called once"))(inner, waker))
        .unwrap_or_else(|_| {
            let (inner, waker) = new_thread_waker();
            (f.take().expect("called once"))(&inner, &waker)
        })
}

/// Under loom, a fresh waker per blocking call (still the shim's `Arc`, so
/// loom checks its counts). With the cache, a modelled thread's end drops
/// its thread-locals with loom operations, and loom then frees the
/// thread's spawned closure only after the model's own end-of-run leak
/// check (tests/loom_support) has counted it.
#[cfg(tidings_loom)]
fn with_thread_waker<R>(f: impl FnOnce(&ThreadWaker, &Waker) -> R) -> R {
    let (inner, waker) = new_thread_waker();
    f(&inner, &waker)
}

/// How long a thread watches for its wake before it parks: the spin of
/// `Spin`, then a few yields. A park and an unpark cost microseconds; the
/// other side is often about to act. (None under loom, where every spin
/// step is a yield that only multiplies the interleavings, nor under miri,
/// where spinning threads only slow the interpreter down.)
const WATCH_STEPS: u32 = if cfg!(tidings_loom) || cfg!(miri) {
    0
} else {
    crate::loom::SPIN_STEPS + 4
};

/// Rounds of [`snooze`]: it backs off 1, 2, 4, ... 128 spin hints, about
/// 3 us in all on the machine the benchmarks ran on. (None under loom or
/// miri, as for [`WATCH_STEPS`].)
const SNOOZE_STEPS: u32 = if cfg!(tidings_loom) || cfg!(miri) {
    0
} else {
    8
};

/// Whether a queue of `capacity` (`None`: unbounded) holds a batch worth
/// a [`snooze`]: a run of messages that costs the other side about as long
/// as the snooze lasts. A queue of a few slots is a hand-off.
pub(crate) fn batches(capacity: Option<usize>) -> bool {
    capacity.map_or(true, |capacity| capacity >= 32)
}

/// Retries `attempt` a few times, backing off a little longer before each
/// try, before the caller registers as a waiter: for a blocking call on a
/// queue with room for a batch that found it empty (or full). The other
/// side is usually streaming: left alone for a moment, it fills (or
/// drains) a run of messages with the lock in its own cache, where a
/// waiter registered at once would make every one of its operations a
/// hand-off with a wake. Not for hand-offs (a rendezvous, a one-slot
/// queue), where the other side waits for this one and a back-off only
/// delays both.
///
/// See [`batches`] for which queues snooze.
///
/// `attempt` gets `state` (the message of a send, or `()`) and returns
/// `Ok` when the operation is done, or `Err` with `state` back; `snooze`
/// returns the first `Ok`, or the last `Err` when the rounds are over or
/// `deadline` has passed.
pub(crate) fn snooze<S, R>(
    deadline: Option<Instant>,
    mut state: S,
    mut attempt: impl FnMut(S) -> Result<R, S>,
) -> Result<R, S> {
    // (`take`, not a range: the range is empty under loom and miri.)
    for step in (0..).take(SNOOZE_STEPS as usize) {
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            break;
        }
        crate::loom::back_off(1 << step);
        match attempt(state) {
            Ok(done) => return Ok(done),
            Err(again) => state = again,
        }
    }
    Err(state)
}

/// The waiter entry of a blocking call while it waits, withdrawn by
/// `cancel` if the call unwinds meanwhile (a user's waker that the call
/// wakes, or a message it drops, panicked). A call that failed by panicking
/// leaves nothing behind: without this, a send's entry would stay listed
/// and deliver its message after the call had failed (a future's entry is
/// withdrawn by the future's `Drop` in the same way).
///
/// The call keeps its entry in [`entry`](Self::entry) and takes it out
/// ([`take`](Self::take)) to cancel it itself when its deadline passes.
pub(crate) struct Listed<E, C: FnMut(E)> {
    pub(crate) entry: Option<E>,
    cancel: C,
}

impl<E, C: FnMut(E)> Listed<E, C> {
    /// No entry yet; `cancel` withdraws one left at an unwind.
    pub(crate) fn new(cancel: C) -> Self {
        Self {
            entry: None,
            cancel,
        }
    }

    /// Takes the entry out, to cancel it by hand.
    pub(crate) fn take(&mut self) -> Option<E> {
        self.entry.take()
    }
}

impl<E, C: FnMut(E)> Drop for Listed<E, C> {
    fn drop(&mut self) {
        if let Some(entry) = self.entry.take() {
            (self.cancel)(entry);
        }
    }
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
    with_thread_waker(|inner, waker| {
        let mut cx = Context::from_waker(waker);
        'poll: loop {
            // Any wake from now on is one this poll's registration may get.
            inner.woken.store(0, Relaxed);
            if let Poll::Ready(out) = poll(&mut cx) {
                return Some(out);
            }
            // Watch for the wake a little before parking.
            let mut spin = Spin::new();
            while spin.wait_at_most(WATCH_STEPS) {
                // ORDERING: Acquire pairs with the waker's Release.
                if inner.woken.load(Acquire) != 0 {
                    continue 'poll;
                }
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

/// [`wait_until`] for a caller that has just tried once without waiting
/// and found nothing to do: `poll` is told so (`true`) on its first call,
/// and goes straight to registering (whose locked section looks again
/// before it lists the waiter), which saves a lock round trip per wait.
pub(crate) fn wait_after_try<R>(
    deadline: Option<Instant>,
    mut poll: impl FnMut(&mut Context<'_>, bool) -> Poll<R>,
) -> Option<R> {
    let mut tried = true;
    wait_until(deadline, |cx| {
        poll(cx, core::mem::replace(&mut tried, false))
    })
}

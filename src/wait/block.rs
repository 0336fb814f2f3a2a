//! The blocking driver: how a thread waits on an operation.
//!
//! Every waiting operation of the crate is written once, as an [`Op`]:
//! try now, poll (registering a waker when it must wait), cancel at the
//! deadline, abandon on unwind. An async future calls its poll from its
//! own `poll`; a blocking call hands the op to [`run`], which polls it
//! with a [`Waker`] that unparks the calling thread, and parks between
//! polls. A thread and a task therefore leave the same kind of waiter in a
//! channel (`wait::waker_slot::WakerSlot`), and a channel never needs to
//! know which one is waiting.
//!
//! # Protocol
//!
//! [`run`] starts after the caller's own try failed. It gives up at once
//! if the deadline has passed; snoozes if the op asks (a few retries of
//! `try_now` with a growing back-off: a queue with room for a batch);
//! then polls, watches a moment for the wake, parks, and polls again,
//! until the op is over or the deadline passes, when it cancels the op
//! (which may find it finished meanwhile). While it waits it holds the op
//! in a guard that abandons it if the thread unwinds. A thread that finds
//! at least two threads per core already spinning in their waits (a
//! crowd: see `Spinning`) does not spin in it: instead of the snooze it
//! yields a few times, retrying after each, and it watches only briefly,
//! so that it gives the processor to the threads it waits for.
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
/// `Spin`, then up to 64 yields (tens of microseconds when the core has
/// nothing else to run; a crowd watches only briefly: see
/// `CROWDED_WATCH_STEPS`). A park and an unpark cost microseconds, and
/// much more on some virtual machines, while the other side of a
/// hand-off is usually about to act. Measured on a 2-core VM where a
/// futex wake took over 5 us (2026-12-07, two runs of the bench's
/// hand-off rows): one thread passing to another over `rendezvous()` or
/// `bounded(1)` took 5700-9400 ns a message with 4 yields, 550-780 with
/// 64, and no less with 256. (None under loom, where every spin step is a
/// yield that only multiplies the interleavings, nor under miri, where
/// spinning threads only slow the interpreter down.)
const WATCH_STEPS: u32 = if cfg!(tidings_loom) || cfg!(miri) {
    0
} else {
    crate::loom::SPIN_STEPS + 64
};

/// Rounds of the snooze (see [`Op::snoozes`]): it backs off 1, 2, 4, ...
/// 128 spin hints, 3 to 6 us in all on the machines the benchmarks ran
/// on. (None under loom or miri, as for [`WATCH_STEPS`].)
const SNOOZE_STEPS: u32 = if cfg!(tidings_loom) || cfg!(miri) {
    0
} else {
    8
};

/// Whether a queue of `capacity` (`None`: unbounded) holds a batch worth
/// a snooze: a run of messages that costs the other side about as long
/// as the snooze lasts. A queue of a few slots is a hand-off.
pub(crate) fn batches(capacity: Option<usize>) -> bool {
    capacity.map_or(true, |capacity| capacity >= 32)
}

/// A waiting operation, as the blocking driver ([`run`]) runs it: every
/// blocking wait of the crate (a queue's send or receive, a oneshot's
/// receive) is one. The kind's own outcomes pass through untouched.
pub(crate) trait Op {
    /// What the operation gives once it is over (sent, received, closed).
    type Output;
    /// What it gives back when it times out (a send's message, or `()`).
    type TimedOut;

    /// Tries once without waiting: `Pending` if it would have to wait.
    fn try_now(&mut self) -> Poll<Self::Output>;

    /// One poll, leaving `cx`'s waker to be woken when it must wait.
    /// `tried`: [`try_now`](Self::try_now) (or the caller's own try) has
    /// just said `Pending`, so the poll may go straight to registering.
    fn poll(&mut self, cx: &mut Context<'_>, tried: bool) -> Poll<Self::Output>;

    /// The deadline passed: withdraws what the last poll left and says how
    /// the operation ended (it may have finished meanwhile).
    fn cancel(&mut self) -> Result<Self::Output, Self::TimedOut>;

    /// The call is unwinding (a waker it woke, or a message it dropped,
    /// panicked): withdraws what the last poll left, so that a call that
    /// failed leaves nothing behind (no send delivered later, no message
    /// taken and lost).
    fn abandon(&mut self);

    /// Whether the wait starts with a few retries of
    /// [`try_now`](Self::try_now), backing off a little longer before each:
    /// for a queue with room for a batch ([`batches`]). The other side is
    /// usually streaming: left alone for a moment, it fills (or drains) a
    /// run of messages with the lock in its own cache, where a waiter
    /// registered at once would make every one of its operations a
    /// hand-off with a wake. Not for hand-offs (a rendezvous, a one-slot
    /// queue, a oneshot), where the other side waits for this one and a
    /// back-off only delays both.
    fn snoozes(&self) -> bool {
        false
    }

    /// When the op may finish without anyone waking it: a timer's message
    /// falls due then (`mpmc/timer.rs`). The thread parks until then at
    /// most, and polls again.
    fn due(&mut self) -> Option<Instant> {
        None
    }
}

/// Runs `op`, which its caller has just tried without waiting, until it
/// is over or `deadline` (`None`: never) has passed: snooze if it
/// [snoozes](Op::snoozes), then poll with the thread's waker, watch a
/// moment for the wake and park between polls; at the deadline,
/// [cancel](Op::cancel) it; if the thread unwinds meanwhile,
/// [abandon](Op::abandon) it. In a [crowd](Spinning) it skips the snooze,
/// yields a few times instead if it would have snoozed, and watches only
/// briefly.
///
/// A deadline that has passed already gives up at once. (Not under loom,
/// whose models must not branch on the clock more than they must: there
/// the op is polled once first.)
pub(crate) fn run<O: Op>(op: &mut O, deadline: Option<Instant>) -> Result<O::Output, O::TimedOut> {
    let past =
        |deadline: Option<Instant>| deadline.is_some_and(|deadline| Instant::now() >= deadline);
    if !cfg!(tidings_loom) && past(deadline) {
        return op.cancel();
    }
    let mut spinning = Spinning::join();
    if op.snoozes() && spinning.crowded {
        // (`take`, not a range: the range is empty under loom and miri.)
        for _ in (0..).take(CROWDED_YIELDS as usize) {
            if past(deadline) {
                break;
            }
            thread::yield_now();
            if let Poll::Ready(done) = op.try_now() {
                return Ok(done);
            }
        }
    } else if op.snoozes() {
        // (`take`, not a range: the range is empty under loom and miri.)
        for step in (0..).take(SNOOZE_STEPS as usize) {
            if past(deadline) {
                break;
            }
            crate::loom::back_off(1 << step);
            if let Poll::Ready(done) = op.try_now() {
                return Ok(done);
            }
        }
    }
    let watch_steps = if spinning.crowded {
        CROWDED_WATCH_STEPS
    } else {
        WATCH_STEPS
    };
    let mut waiting = Abandon(Some(op));
    let due = core::cell::Cell::new(None);
    let waited = wait_after_try(deadline, &due, watch_steps, &mut spinning, |cx, tried| {
        let op = waiting.0.as_mut().expect("armed while waiting");
        let polled = op.poll(cx, tried);
        due.set(op.due());
        polled
    });
    let op = waiting.0.take().expect("armed while waiting");
    match waited {
        Some(done) => Ok(done),
        None => op.cancel(),
    }
}

/// Runs `op`, which its caller has just tried without waiting, as a wait
/// whose deadline has passed already, but with one poll first (it lists
/// the op's waiters), then [cancel](Op::cancel) (which takes them back,
/// finding what came meanwhile). For a wait on several channels that must
/// not wait at all (a select's `try_select`, `default`, a zero timeout):
/// one look at each channel in turn can miss a message that moves from
/// one to another meanwhile, but a message that came to any of them after
/// it was listed there wins the listing, and the cancel finds it.
pub(crate) fn run_once<O: Op>(op: &mut O) -> Result<O::Output, O::TimedOut> {
    let polled = with_thread_waker(|_, waker| {
        let mut cx = Context::from_waker(waker);
        let mut waiting = Abandon(Some(&mut *op));
        let polled = waiting.0.as_mut().expect("armed").poll(&mut cx, true);
        waiting.0 = None;
        polled
    });
    match polled {
        Poll::Ready(done) => Ok(done),
        Poll::Pending => op.cancel(),
    }
}

/// A thread's place in the process-wide count of threads that spin in a
/// wait (snooze, or watch before their first park), held from the start
/// of [`run`] until the thread parks or its wait is over.
///
/// Spinning pays when the thread to wait for is running on another core
/// and about to act: two threads streaming on two cores finish most waits
/// in the snooze or the watch, where a park and an unpark would cost tens
/// of microseconds (a park-unpark round trip measured 27 us on the
/// benchmarks' virtual machine). It is waste when the waiting threads
/// outnumber the cores: the thread to wait for is likely not running, and
/// every spin, every yield and every retry under the channel's lock takes
/// processor time from it. With 16 producer and 16 consumer threads over
/// `bounded(64)` on 2 cores, the full snooze and watch made tidings 2 to
/// 2.5x slower than without them. So a thread that finds at least
/// [`CROWD_PER_CORE`] spinners per core already there is *crowded*: it
/// does not snooze and watches only a short spin, without yields. (The
/// count costs two read-modify-writes of one process-wide atomic per
/// blocking wait, none per operation that does not wait.)
struct Spinning {
    /// Whether the count includes this thread (until it leaves).
    counted: bool,
    /// Whether the thread found a crowd when it joined.
    crowded: bool,
}

/// Spinning threads per core from which a newcomer is crowded. Measured
/// on 2 cores: 1 per core took the snooze from 4 producers streaming into
/// `bounded(1000)` (2x slower); 1.5 and 2 per core behaved alike on the
/// 16 x 16 rows and left the 2-thread rows as they were.
const CROWD_PER_CORE: usize = 2;

/// Yields of a crowded thread whose op would have snoozed, each followed by
/// a try, before it registers: the snooze of a crowd. Among many more
/// threads than cores, the thread that will make room (or bring a
/// message) is usually waiting for a core, and a yield hands it one at
/// once, where a spin would burn the time slice it needs. Without these
/// yields, 16 producer and 16 consumer threads over `bounded(64)` on 2
/// cores sometimes fell into a mode where nearly every wait parked (some
/// 16 000 parks per 200 000 messages, each costing the waker an unpark):
/// 5 to 7 times slower. With 4 (as many as crossbeam-channel yields before
/// it parks) about 350 waits in 200 000 park, and the slowest of 11 runs
/// was 131 ns a message instead of 695, with the median unchanged (about
/// 110 ns; 2 and 4 yields alike; a spin before them made every run slower,
/// 15 hints by 10%, 127 by 50%). (None under loom or miri, as for
/// [`WATCH_STEPS`].)
const CROWDED_YIELDS: u32 = if cfg!(tidings_loom) || cfg!(miri) {
    0
} else {
    4
};

/// The watch of a crowded thread: the spin of `Spin`, no yields.
const CROWDED_WATCH_STEPS: u32 = if WATCH_STEPS < crate::loom::SPIN_STEPS {
    WATCH_STEPS
} else {
    crate::loom::SPIN_STEPS
};

impl Spinning {
    fn join() -> Self {
        use crate::loom::crowd;
        if WATCH_STEPS == 0 {
            // Loom and miri: no thread spins, none is counted.
            return Self {
                counted: false,
                crowded: false,
            };
        }
        let before = crowd::join();
        Self {
            counted: true,
            crowded: before >= CROWD_PER_CORE.saturating_mul(crowd::cores()),
        }
    }

    /// Leaves the count (the thread is about to park); idempotent.
    fn leave(&mut self) {
        if core::mem::replace(&mut self.counted, false) {
            crate::loom::crowd::leave();
        }
    }
}

impl Drop for Spinning {
    fn drop(&mut self) {
        self.leave();
    }
}

/// Abandons the op it holds if dropped holding it (an unwind).
struct Abandon<'a, O: Op>(Option<&'a mut O>);

impl<O: Op> Drop for Abandon<'_, O> {
    fn drop(&mut self) {
        if let Some(op) = self.0.take() {
            op.abandon();
        }
    }
}

/// The deadline `timeout` from now, or `None` ("wait forever") when it is
/// too far away to represent.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Polls `poll` with the current thread's waker until it is ready or
/// `deadline` has passed, parking the thread in between; before each park
/// it watches for the wake for `watch_steps` steps of `Spin`, and before
/// the first it leaves the count of `spinning` threads.
///
/// Returns `None` at the deadline. `poll` is always called at least once,
/// and after every park, so a result that is ready at the deadline is
/// returned rather than missed (a zero timeout still takes what is ready
/// now). On `None` the caller cancels whatever registration the last poll
/// left behind. A `deadline` of `None` waits forever.
fn wait_until<R>(
    deadline: Option<Instant>,
    due: &core::cell::Cell<Option<Instant>>,
    watch_steps: u32,
    spinning: &mut Spinning,
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
            while spin.wait_at_most(watch_steps) {
                // ORDERING: Acquire pairs with the waker's Release.
                if inner.woken.load(Acquire) != 0 {
                    continue 'poll;
                }
            }
            spinning.leave();
            if let Some(due) = due.get() {
                // Something falls due without a wake: park until then at
                // most, and poll again (before looking at the deadline).
                let now = Instant::now();
                if now >= due {
                    continue 'poll;
                }
                if deadline.map_or(true, |deadline| due < deadline) {
                    thread::park_timeout(due - now);
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
fn wait_after_try<R>(
    deadline: Option<Instant>,
    due: &core::cell::Cell<Option<Instant>>,
    watch_steps: u32,
    spinning: &mut Spinning,
    mut poll: impl FnMut(&mut Context<'_>, bool) -> Poll<R>,
) -> Option<R> {
    let mut tried = true;
    wait_until(deadline, due, watch_steps, spinning, |cx| {
        poll(cx, core::mem::replace(&mut tried, false))
    })
}

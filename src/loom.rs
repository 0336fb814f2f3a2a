//! The sync shim: the one place that names atomics, cells, `Arc`, threads
//! and thread-locals.
//!
//! Every primitive of the crate takes its atomics, its `UnsafeCell`, its
//! `Arc`, its thread-locals, its spin hint and its thread parking from
//! here (and a plain `Box` that loom should check for leaks carries an
//! [`alloc::Tracked`], zero-sized outside loom). In a normal build they are
//! `core`'s and `std`'s (or `portable-atomic`'s, with that feature, for
//! targets without compare-and-swap); under
//! `RUSTFLAGS="--cfg tidings_loom"` they are [loom](https://docs.rs/loom)'s,
//! so the loom models in `tests/loom_*.rs` explore every interleaving of the
//! real code. The cfg is the crate's own (not a bare `loom`) so that
//! dependencies with loom modes of their own are not switched too.
//!
//! `UnsafeCell` has loom's `with` / `with_mut` API on both sides, so call
//! sites never fork on the cfg. loom's types cannot be built in a `const
//! fn`; [`maybe_const_fn!`] writes a constructor once that is `const`
//! everywhere but under loom.

#[cfg(not(tidings_loom))]
mod imp {
    pub(crate) mod atomic {
        #[cfg(all(feature = "alloc", not(feature = "portable-atomic")))]
        pub(crate) use core::sync::atomic::AtomicPtr;
        #[cfg(not(feature = "portable-atomic"))]
        pub(crate) use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
        #[cfg(all(feature = "alloc", feature = "portable-atomic"))]
        pub(crate) use portable_atomic::AtomicPtr;
        #[cfg(feature = "portable-atomic")]
        pub(crate) use portable_atomic::{AtomicU8, AtomicUsize, Ordering};
    }

    /// Spin steps (of 1, 2, 4, ... hints) before a waiter yields.
    pub(crate) const SPIN_STEPS: u32 = 6;

    /// One step of a wait for another thread that is a few instructions
    /// from finishing: spin, or give the processor up where there is an OS
    /// to give it to (it may have descheduled the thread we wait for).
    #[inline]
    pub(crate) fn spin_step(step: u32) {
        if step < SPIN_STEPS {
            for _ in 0..1u32 << step {
                core::hint::spin_loop();
            }
        } else {
            #[cfg(feature = "std")]
            std::thread::yield_now();
            #[cfg(not(feature = "std"))]
            core::hint::spin_loop();
        }
    }

    /// `hints` spin hints in a row, without looking at anything.
    #[inline]
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))] // the queues' lock
    pub(crate) fn back_off(hints: u32) {
        for _ in 0..hints {
            core::hint::spin_loop();
        }
    }

    #[cfg(feature = "std")]
    pub(crate) mod thread {
        pub(crate) use std::thread::{current, park, park_timeout, yield_now, Thread};

        /// Sleeps for about `time` (the queues' lock, waiting for a holder
        /// that was descheduled). A park with a timeout, which may spend
        /// an unpark meant for another park of this thread (an executor's
        /// `block_on`, a blocking wait's): so it gives the token back
        /// afterwards, and at worst that other park returns early, which
        /// every caller of `park` must allow for.
        #[cold]
        pub(crate) fn nap(time: std::time::Duration) {
            park_timeout(time);
            current().unpark();
        }
    }

    /// Thread-locals (std's macro).
    #[cfg(feature = "std")]
    pub(crate) use std::thread_local;

    /// How many threads of the process are in the spinning part of a
    /// blocking wait (`wait::block`), and how many cores they share: the
    /// driver's measure of a crowd. A heuristic that no model needs to
    /// see: under loom no thread spins, so it is not counted there.
    #[cfg(feature = "std")]
    pub(crate) mod crowd {
        use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

        static SPINNING: AtomicUsize = AtomicUsize::new(0);
        /// `available_parallelism`, once known (0: not yet asked).
        static CORES: AtomicUsize = AtomicUsize::new(0);

        /// One more spinning thread: returns how many there were before.
        #[inline]
        pub(crate) fn join() -> usize {
            SPINNING.fetch_add(1, Relaxed)
        }

        /// A spinning thread stops (it parks, or its wait is over).
        #[inline]
        pub(crate) fn leave() {
            SPINNING.fetch_sub(1, Relaxed);
        }

        /// The cores the process may run on (asked once: the question
        /// reads the scheduler's affinity and cgroup limits).
        pub(crate) fn cores() -> usize {
            match CORES.load(Relaxed) {
                0 => {
                    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                    CORES.store(cores, Relaxed);
                    cores
                }
                cores => cores,
            }
        }
    }

    /// An allocation that loom checks for leaks; nothing outside loom.
    #[cfg(feature = "alloc")]
    pub(crate) mod alloc {
        /// Marks the allocation it is part of (loom's `alloc::Track`).
        #[derive(Debug)]
        pub(crate) struct Tracked;

        impl Tracked {
            #[inline(always)]
            pub(crate) fn new() -> Self {
                Self
            }
        }
    }

    #[cfg(feature = "alloc")]
    pub(crate) mod sync {
        pub(crate) use alloc::sync::Arc;
    }

    pub(crate) mod cell {
        /// `core::cell::UnsafeCell` with loom's closure-based access API.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            #[inline]
            pub(crate) const fn new(value: T) -> Self {
                Self(core::cell::UnsafeCell::new(value))
            }

            /// Runs `f` with a shared raw pointer to the contents.
            #[inline]
            #[cfg_attr(not(feature = "alloc"), allow(dead_code))] // broadcast
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            /// Runs `f` with a mutable raw pointer to the contents.
            #[inline]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }

        /// A mutable access to `cell`'s contents that may be held across
        /// calls (a lock's guard): loom's `UnsafeCell::get_mut`. Here it
        /// is empty, and [`MutPtr::deref`] takes the cell again (so a
        /// guard is one pointer, not two).
        #[inline(always)]
        #[cfg_attr(not(feature = "alloc"), allow(dead_code))] // the queued kinds
        pub(crate) fn get_mut<T>(cell: &UnsafeCell<T>) -> MutPtr<T> {
            let _ = cell;
            MutPtr(core::marker::PhantomData)
        }

        /// [`UnsafeCell::get_mut`]'s access: loom's `MutPtr`, which loom
        /// tracks as a mutable access for as long as it lives.
        #[derive(Debug)]
        #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
        pub(crate) struct MutPtr<T>(core::marker::PhantomData<*mut T>);

        #[allow(unsafe_code)]
        impl<T> MutPtr<T> {
            /// The contents of `cell`, the cell this access came from.
            ///
            /// # Safety
            ///
            /// `cell` is the one this came from, and no other reference
            /// to its contents may be live while the one returned is (the
            /// caller's exclusion, a lock, ensures it).
            #[inline(always)]
            #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
            #[allow(clippy::mut_from_ref)]
            pub(crate) unsafe fn deref<'a>(&self, cell: &'a UnsafeCell<T>) -> &'a mut T {
                // SAFETY: the pointer comes from a live `UnsafeCell`, and the caller keeps the access exclusive.
                unsafe { &mut *cell.0.get() }
            }
        }
    }
}

#[cfg(tidings_loom)]
mod imp {
    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};
    }

    /// Bounded spins end after this many steps under loom too.
    pub(crate) const SPIN_STEPS: u32 = 2;

    /// Under loom a spin must yield, or the model would never let the
    /// thread it waits for make progress.
    #[inline]
    pub(crate) fn spin_step(_: u32) {
        loom::thread::yield_now();
    }

    /// Under loom a back-off is one yield (it only multiplies the
    /// interleavings otherwise).
    #[inline]
    pub(crate) fn back_off(_: u32) {
        loom::thread::yield_now();
    }

    pub(crate) mod thread {
        pub(crate) use loom::thread::{current, park, yield_now, Thread};

        /// loom has no clock: a timed park yields instead, and the caller's
        /// deadline check (taken with the real clock) decides when to stop.
        pub(crate) fn park_timeout(_: std::time::Duration) {
            loom::thread::yield_now();
        }

        /// A nap is a yield under loom, as a timed park is.
        pub(crate) fn nap(_: std::time::Duration) {
            loom::thread::yield_now();
        }
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;

        /// loom's `MutPtr`, with the std side's `deref` (see there).
        #[derive(Debug)]
        pub(crate) struct MutPtr<T>(loom::cell::MutPtr<T>);

        /// loom's `get_mut`, wrapped.
        pub(crate) fn get_mut<T>(cell: &UnsafeCell<T>) -> MutPtr<T> {
            MutPtr(cell.get_mut())
        }

        #[allow(unsafe_code)]
        impl<T> MutPtr<T> {
            /// # Safety
            ///
            /// As the std side's.
            #[allow(clippy::mut_from_ref)]
            pub(crate) unsafe fn deref<'a>(&self, _cell: &'a UnsafeCell<T>) -> &'a mut T {
                // SAFETY: loom's pointer is to the cell's contents, which live as long as `_cell`; the caller keeps the access exclusive.
                unsafe { &mut *(self.0.deref() as *mut T) }
            }
        }
    }

    /// No thread spins under loom, so none is counted (see the std side).
    pub(crate) mod crowd {
        pub(crate) fn join() -> usize {
            0
        }

        pub(crate) fn leave() {}

        pub(crate) fn cores() -> usize {
            1
        }
    }

    /// Thread-locals, one per modelled thread. (The crate's two
    /// thread-locals are caches that models bypass: the blocking driver's
    /// waker and the lock's streak say why.)
    #[allow(unused_imports)]
    pub(crate) use loom::thread_local;

    /// An allocation that loom checks for leaks: a model that ends with
    /// one still alive fails.
    pub(crate) mod alloc {
        /// Marks the allocation it is part of (loom's `alloc::Track`).
        #[derive(Debug)]
        pub(crate) struct Tracked(#[allow(dead_code)] loom::alloc::Track<()>);

        impl Tracked {
            #[track_caller]
            pub(crate) fn new() -> Self {
                Self(loom::alloc::Track::new(()))
            }
        }
    }

    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;
    }
}

pub(crate) use imp::*;

/// Defines a constructor that is a `const fn`, except under loom, whose
/// atomics and cells cannot be built in a constant.
macro_rules! maybe_const_fn {
    ($(#[$attr:meta])* $vis:vis fn $name:ident() -> $ret:ty $body:block) => {
        $(#[$attr])*
        #[cfg(not(tidings_loom))]
        $vis const fn $name() -> $ret $body

        $(#[$attr])*
        #[cfg(tidings_loom)]
        $vis fn $name() -> $ret $body
    };
}
pub(crate) use maybe_const_fn;

/// A wait for another thread that is a few instructions from finishing a
/// move (the oneshot sender between its two state writes, the holder of a
/// queue's lock), in three stages, each for a thread further from done:
///
/// 1. a brief exponential spin ([`SPIN_STEPS`] steps, about 1.5 us on the
///    machine the benchmarks ran on): the other thread is usually running;
/// 2. up to [`YIELDS`] yields of the thread: the other may be waiting for
///    a core, and a yield hands it one;
/// 3. naps (with `std`): parks with a timeout, [`FIRST_NAP`] at first and
///    twice as long each time after, up to [`LONGEST_NAP`]. A thread still
///    not done has been descheduled, and one that spun or yielded on it
///    would only take processor time from it. (A nap is a park with a
///    timeout: an unpark meant for another park of the thread only
///    shortens it, and one it spends is given back, `thread::nap`.)
///
/// Without `std` there is no thread to yield to or park, and the wait
/// spins without end. Under loom every step is a yield.
#[derive(Debug, Default)]
pub(crate) struct Spin(u32);

/// Yields after the spin, before the naps. Measured on 2 cores (the
/// queues' lock): with 2, 8 or 32, threads took naps while the holder was
/// only waiting its turn for a core, and the unbounded rows with many
/// threads got 10 to 40% slower than with yields alone; 128 matched them.
#[cfg(feature = "std")]
const YIELDS: u32 = 128;
/// The first nap (Linux stretches a short timed sleep to about 50 us).
#[cfg(feature = "std")]
const FIRST_NAP: std::time::Duration = std::time::Duration::from_micros(50);
/// The longest nap: the most a waiter may oversleep the other thread's end.
#[cfg(feature = "std")]
const LONGEST_NAP: std::time::Duration = std::time::Duration::from_millis(1);

impl Spin {
    pub(crate) fn new() -> Self {
        Self(0)
    }

    /// Waits a little longer than the last call did (the stages of the
    /// type's docs), without bound: for a caller that cannot return before
    /// the other thread is done.
    pub(crate) fn wait(&mut self) {
        #[cfg(feature = "std")]
        if let Some(naps) = self.0.checked_sub(SPIN_STEPS + YIELDS) {
            // 50, 100, 200, 400, 800 us, then 1 ms each.
            thread::nap((FIRST_NAP * (1 << naps.min(5))).min(LONGEST_NAP));
            self.0 = self.0.saturating_add(1);
            return;
        }
        spin_step(self.0);
        self.0 = self.0.saturating_add(1);
    }

    /// Like [`wait`](Self::wait), but gives up (returns false, having not
    /// waited) once the short spin is over, so the caller stays wait-free.
    pub(crate) fn try_wait(&mut self) -> bool {
        self.wait_at_most(SPIN_STEPS)
    }

    /// Like [`wait`](Self::wait), but gives up (returns false, having not
    /// waited) after `steps` calls: the spin, then yields of the thread.
    /// For a thread about to park, to which a yield is cheaper than a
    /// park and an unpark.
    pub(crate) fn wait_at_most(&mut self, steps: u32) -> bool {
        if self.0 >= steps {
            return false;
        }
        self.wait();
        true
    }
}

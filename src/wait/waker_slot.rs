//! `WakerSlot`: the one place a waiting thread or task is kept.
//!
//! Every channel kind parks its waiters the same way: a waiting *task*
//! leaves the [`Waker`] of its `Context`, and a waiting *thread* leaves a
//! `Waker` that unparks it (see `block.rs`). So one slot type serves
//! threads and tasks alike, and a blocking call is simply "poll with the
//! thread's waker, park until woken, poll again".
//!
//! # Protocol
//!
//! A slot has one *registrant* (the side that waits) and any number of
//! *wakers* (the sides that notify). The registrant calls
//! [`register`](WakerSlot::register); a notifier calls
//! [`take`](WakerSlot::take) and wakes what it got, after it has published
//! whatever the waiter waits for and has stopped touching memory that the
//! woken side may free. Registering
//! never loses a concurrent wake: either the wake finds the new waker, or
//! `register` sees the wake in flight and wakes the new waker itself.
//!
//! The state is a bit set in one `AtomicUsize`:
//!
//! | state                    | who may touch the waker cell | meaning |
//! |--------------------------|------------------------------|---------|
//! | `IDLE`                   | nobody                       | at rest; the cell holds the last waker registered, or none |
//! | `REGISTERING`            | the registrant               | `register` is swapping the waker |
//! | `WAKING`                 | the taker                    | `take` is moving the waker out |
//! | `REGISTERING \| WAKING`  | the registrant               | a `take` arrived during `register`, found the cell busy and left; `register` wakes the new waker for it and returns the slot to `IDLE` |
//!
//! Moves: `IDLE → REGISTERING` (CAS, registrant), `REGISTERING → IDLE`
//! (CAS, registrant), `REGISTERING → REGISTERING | WAKING` (`fetch_or`,
//! taker), `REGISTERING | WAKING → IDLE` (swap, registrant),
//! `IDLE → WAKING` (`fetch_or`, taker), `WAKING → IDLE` (`fetch_and`,
//! taker). The cell is touched only by the owner that the table names for
//! the current state, so it is never touched by two threads at once. The
//! registrant leaves `REGISTERING` even if cloning the waker panics.
//!
//! Each slot clones a given waker at most once: registering a waker that
//! [`will_wake`](Waker::will_wake) the same task as the stored one keeps the
//! stored one. A replaced waker is dropped, never leaked.
#![allow(unsafe_code)]

use core::task::Waker;

use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::loom::cell::UnsafeCell;
use crate::loom::maybe_const_fn;

/// At rest.
const IDLE: usize = 0;
/// The registrant owns the cell.
const REGISTERING: usize = 0b01;
/// A taker owns the cell, or (with `REGISTERING`) left a wake for the registrant.
const WAKING: usize = 0b10;

/// A race-free slot for one waiting thread or task. See the module docs.
pub(crate) struct WakerSlot {
    state: AtomicUsize,
    /// Touched only by the owner of the current state (module docs, table).
    waker: UnsafeCell<Option<Waker>>,
}

impl WakerSlot {
    maybe_const_fn! {
        /// An empty slot.
        pub(crate) fn new() -> Self {
            Self {
                state: AtomicUsize::new(IDLE),
                waker: UnsafeCell::new(None),
            }
        }
    }

    /// Whether it holds no waker, looked at alone (`&mut`: nobody else
    /// touches the slot).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // `Core::free_taken` (std) uses it
    #[inline(always)]
    pub(crate) fn is_empty(&mut self) -> bool {
        self.waker.with(|cell| {
            // SAFETY: `&mut self`: no other access to the cell runs.
            unsafe { (*cell).is_none() }
        })
    }

    /// Leaves `waker` to be woken by whoever makes the next
    /// [`take`](Self::take).
    ///
    /// Only one thread may register on a slot at a time (the slot's single
    /// registrant, which every user enforces by `&mut self` or by its own
    /// protocol). If a wake is in flight while this runs, `waker` is woken
    /// here instead, so the waiter re-checks its condition.
    pub(crate) fn register(&self, waker: &Waker) {
        // ORDERING: Acquire pairs with the Release that ended the last
        // `take`, so the cell's contents it left are visible to us.
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Acquire, Acquire)
        {
            Ok(_) => {
                // Leaves REGISTERING when dropped: after the swap below, or
                // while unwinding if cloning the waker panicked, so the slot
                // is never left stuck.
                let registering = Registering(self);
                let replaced = self.waker.with_mut(|cell| {
                    // SAFETY: we moved IDLE → REGISTERING, so by the protocol the cell is ours alone until we leave REGISTERING.
                    let cell = unsafe { &mut *cell };
                    match cell {
                        Some(old) if old.will_wake(waker) => None,
                        _ => cell.replace(waker.clone()),
                    }
                });
                drop(registering);
                // Dropped outside the protocol: a waker's drop may run any code.
                drop(replaced);
            }
            Err(_) => {
                // A `take` owns the cell and is waking the old waker. Ours
                // might not be the one it wakes, so wake ours now: the waiter
                // will poll again and find what the taker published.
                waker.wake_by_ref();
            }
        }
    }

    /// Moves the registered waker out, if there is one and no `register` is
    /// in progress. A `register` in progress wakes its own waker instead.
    pub(crate) fn take(&self) -> Option<Waker> {
        // ORDERING: Acquire pairs with the Release that ended the last
        // `register`, so the waker it stored is visible.
        match self.state.fetch_or(WAKING, AcqRel) {
            IDLE => {
                let waker = self.waker.with_mut(|cell| {
                    // SAFETY: we moved IDLE → WAKING, so the cell is ours.
                    unsafe { (*cell).take() }
                });
                // ORDERING: Release hands the emptied cell to the next owner.
                self.state.fetch_and(!WAKING, Release);
                waker
            }
            // REGISTERING: the registrant owns the cell and will see our
            // WAKING bit and wake its waker. WAKING: another taker is at work.
            _ => None,
        }
    }
}

/// The registrant's hold on the cell; dropping it leaves `REGISTERING`.
struct Registering<'a>(&'a WakerSlot);

impl Drop for Registering<'_> {
    fn drop(&mut self) {
        let slot = self.0;
        // ORDERING: Release publishes the new waker to the next taker;
        // Acquire (on failure) pairs with that taker's fetch_or.
        let done = slot
            .state
            .compare_exchange(REGISTERING, IDLE, AcqRel, Acquire);
        if done.is_err() {
            // A taker came while we held the cell and left a wake for us.
            // The cell is still ours (the state has REGISTERING).
            let woken = slot.waker.with_mut(|cell| {
                // SAFETY: the state is REGISTERING | WAKING, a state whose owner is the registrant: us.
                unsafe { (*cell).take() }
            });
            // ORDERING: Release hands the emptied cell back.
            slot.state.swap(IDLE, AcqRel);
            if let Some(woken) = woken {
                woken.wake();
            }
        }
    }
}

// SAFETY: the waker cell is only touched by the owner of the current state (module docs), so sharing the slot never gives two threads the cell at once; and `Waker` is `Send + Sync`, so it may be stored by one thread and taken and woken by another.
unsafe impl Sync for WakerSlot {}

impl core::fmt::Debug for WakerSlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WakerSlot")
            .field("state", &self.state.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// Loom models of the slot itself: the paths where `register` wakes its own
/// waker are invisible through the oneshot (which re-checks its state after
/// registering), so they are checked here, against the slot's promise: a
/// waiter that registered and then saw no notification is woken.
#[cfg(all(test, tidings_loom))]
mod loom_models {
    use super::WakerSlot;
    use crate::loom::atomic::{AtomicUsize, Ordering::*};
    use loom::sync::atomic::AtomicBool;
    use std::sync::Arc; // shim-exempt: test wakers, and std's `Wake` takes std's `Arc`
    use std::task::{Wake, Waker};

    /// Counts its wakes.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count::default());
        (count.clone(), Waker::from(count))
    }

    /// One registrant registers `rounds` different wakers, checking a flag
    /// after each; one notifier sets the flag and wakes the slot. If the
    /// registrant's last check missed the flag, its last waker must have
    /// been woken (it is the one that would be parked on).
    fn register_vs_take(rounds: usize) {
        loom::model(move || {
            let slot = Arc::new(WakerSlot::new());
            let flag = Arc::new(AtomicBool::new(false));
            let notifier = {
                let (slot, flag) = (slot.clone(), flag.clone());
                loom::thread::spawn(move || {
                    flag.store(true, Release);
                    if let Some(waker) = slot.take() {
                        waker.wake();
                    }
                })
            };
            let mut last = None;
            let mut seen = false;
            for _ in 0..rounds {
                let (count, waker) = waker();
                slot.register(&waker);
                seen = flag.load(Acquire);
                last = Some(count);
                if seen {
                    break;
                }
            }
            notifier.join().unwrap();
            let woken = last.unwrap().0.load(Relaxed);
            assert!(woken <= 1, "a registration is woken at most once");
            if !seen {
                assert_eq!(woken, 1, "a missed notification must wake the last waker");
            }
        });
    }

    #[test]
    fn one_registration_vs_take() {
        register_vs_take(1);
    }

    #[test]
    fn replaced_waker_vs_take() {
        register_vs_take(2);
    }

    /// Two takers at once: at most one gets the waker, and the waker is
    /// woken exactly once.
    #[test]
    fn take_vs_take() {
        loom::model(|| {
            let slot = Arc::new(WakerSlot::new());
            let (count, waker) = waker();
            slot.register(&waker);
            let other = {
                let slot = slot.clone();
                loom::thread::spawn(move || slot.take().map(Waker::wake).is_some())
            };
            let here = slot.take().map(Waker::wake).is_some();
            let there = other.join().unwrap();
            assert!(!(here && there));
            assert_eq!(count.0.load(Relaxed), usize::from(here || there));
        });
    }
}

//! Loom models of `oneshot::Slot`: the split halves racing each other, a
//! slot reused over several rounds, and the unsafe layer (`put`, `take`,
//! `receiver`) as a driver uses it.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_slot`.
//!
//! loom 0.7 has no scoped threads, and its threads must be `'static`, so
//! every model puts its slot on the heap for one execution ([`Leaked`]):
//! the halves and the `&Slot` the threads use borrow it for `'static`, and
//! the model frees it (dropping whatever the slot still holds) once every
//! thread that used it has been joined.
//!
//! Every model checks, per explored execution (see `loom_support`):
//!
//! * that each message is dropped exactly once: every message has a drop
//!   counter of its own, made afresh in every execution, and a second drop
//!   panics at once;
//! * that no waker is leaked: the test wakers are `Arc`s of a `Wake` type,
//!   so every clone the slot keeps is a strong reference. A slot may keep
//!   the last waker registered until the next poll replaces it (a stale
//!   waker), so the clone count is checked after the slot is freed, and
//!   bounded (at most one clone in the slot) before that;
//! * that the slot's box is freed exactly once, and not used after that
//!   (the shared counting, poisoning global allocator: a slot of messages
//!   has the messages' alignment).
//!
//! Everything below these docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]
#![allow(unsafe_code)] // the slot's unsafe layer, and `'static` slots for loom

mod loom_support;

use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::Arc;
use std::task::Poll;

use loom::sync::atomic::AtomicBool;
use loom::thread;
use loom_support::{
    block_on, model, poll_until_woken_once, poll_with, register, try_recv_announced, Msg, Tally,
    TestWake,
};
use tidings::oneshot::{Slot, SlotReceiver, SlotSender};
use tidings::{RecvError, TryRecvError};

// ----- a slot for one execution -----

/// A slot on the heap, borrowed for `'static` by the halves and threads of
/// one model execution, and freed by [`Leaked::free`] at its end.
struct Leaked(*mut Slot<Msg>);

// SAFETY: `Leaked` is a `Box<Slot<Msg>>` that hands out references with unchecked lifetimes; `Slot<Msg>` is `Send + Sync`.
unsafe impl Send for Leaked {}
// SAFETY: as above.
unsafe impl Sync for Leaked {}

impl Leaked {
    fn new() -> Self {
        Self(Box::into_raw(Box::new(Slot::new())))
    }

    /// A new slot, and the halves of its first round.
    fn with_halves() -> (Self, SlotSender<'static, Msg>, SlotReceiver<'static, Msg>) {
        let slot = Self::new();
        // SAFETY: the first round of a new slot: nothing else was handed out yet.
        let (tx, rx) = unsafe { slot.split() };
        (slot, tx, rx)
    }

    /// The slot, for the rest of the execution (until [`free`](Self::free)).
    fn get(&self) -> &'static Slot<Msg> {
        // SAFETY: the box lives until `free`, which the models call last, once no reference handed out here is used any more.
        unsafe { &*self.0 }
    }

    /// `Slot::split`, for a round whose halves may go to loom threads.
    ///
    /// # Safety
    ///
    /// No half and no reference from an earlier round is used any more
    /// (their threads are joined), so the `&mut` is unique.
    unsafe fn split(&self) -> (SlotSender<'static, Msg>, SlotReceiver<'static, Msg>) {
        // SAFETY: the box is live until `free`; uniqueness is the caller's.
        unsafe { (*self.0).split() }
    }

    /// Frees the slot, dropping a message still in it.
    ///
    /// # Safety
    ///
    /// Nothing handed out by `get` or `split` is used afterwards: every
    /// thread that used it is joined, every half dropped or forgotten.
    unsafe fn free(self) {
        // SAFETY: the box made in `new`, freed once (`self` is consumed).
        drop(unsafe { Box::from_raw(self.0) });
    }
}

// ----- split halves -----

/// The receiver is dropped, never polled, while the sender sends: the
/// message comes back to the sender or is dropped with the receiver,
/// exactly once either way, and nothing is left in the slot.
#[test]
fn split_send_vs_receiver_drop() {
    model(|| {
        let (slot, tx, rx) = Leaked::with_halves();
        let m = Tally::new(1);
        let sender = thread::spawn(m.is_closed_then_send(tx));
        drop(rx);
        sender.join().unwrap();
        m.assert_dropped_once();
        assert!(slot.get().is_empty());
        // SAFETY: the sender thread is joined, both halves are gone.
        unsafe { slot.free() };
        m.assert_dropped_once();
    });
}

/// An awaited receiver races the send: it gets the message.
#[test]
fn send_vs_await() {
    model(|| {
        let (slot, tx, mut rx) = Leaked::with_halves();
        let m = Tally::new(1);
        let a = TestWake::new();
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(block_on(&mut rx, &a));
        assert!(rx.is_closed());
        drop(rx);
        sender.join().unwrap();
        m.assert_dropped_once();
        TestWake::assert_bounded(&a, "A");
        // SAFETY: the sender thread is joined, both halves are gone.
        unsafe { slot.free() };
        TestWake::assert_released(&a, "A");
    });
}

/// The receiver is polled with waker A (pending), then, while the sender
/// sends, with waker B: if that poll is pending, B is woken and the next
/// poll is ready. The slot keeps at most one waker, and none after it goes.
#[test]
fn send_vs_poll_with_new_waker() {
    model(|| {
        let (slot, tx, mut rx) = Leaked::with_halves();
        let m = Tally::new(1);
        let a = TestWake::new();
        let b = TestWake::new();
        register(&mut rx, &a);
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(poll_until_woken_once(&mut rx, &b));
        sender.join().unwrap();
        assert!(a.wakes() <= 1 && b.wakes() <= 1);
        assert!(
            TestWake::clones(&a) + TestWake::clones(&b) <= 1,
            "the slot keeps two wakers"
        );
        drop(rx);
        m.assert_dropped_once();
        // SAFETY: the sender thread is joined, both halves are gone.
        unsafe { slot.free() };
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

/// `try_recv` in a loop races the send: `Empty` until the message comes,
/// never `Disconnected`, and `has_message` never announces a message that
/// is not there.
#[test]
fn send_vs_try_recv() {
    model(|| {
        let (slot, tx, rx) = Leaked::with_halves();
        let m = Tally::new(1);
        let sender = thread::spawn(m.send_ok(tx));
        m.received(try_recv_announced(&rx, || {}));
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        drop(rx);
        sender.join().unwrap();
        m.assert_dropped_once();
        // SAFETY: the sender thread is joined, both halves are gone.
        unsafe { slot.free() };
    });
}

/// A thread blocked in `SlotReceiver::recv` gets the message.
#[test]
fn send_vs_blocking_recv() {
    model(|| {
        let (slot, tx, rx) = Leaked::with_halves();
        let m = Tally::new(1);
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(rx.recv());
        sender.join().unwrap();
        m.assert_dropped_once();
        // SAFETY: the sender thread is joined, both halves are gone.
        unsafe { slot.free() };
    });
}

/// The sender is dropped unsent while the receiver, polled once with A
/// already, is awaited with B: `RecvError`, and no waker is kept.
#[test]
fn sender_drop_vs_poll() {
    model(|| {
        let (slot, tx, mut rx) = Leaked::with_halves();
        let a = TestWake::new();
        let b = TestWake::new();
        register(&mut rx, &a);
        let sender = thread::spawn(move || drop(tx));
        assert!(matches!(block_on(&mut rx, &b), Err(RecvError)));
        assert!(rx.is_closed());
        assert!(!rx.has_message());
        sender.join().unwrap();
        TestWake::assert_bounded(&a, "A");
        TestWake::assert_bounded(&b, "B");
        drop(rx);
        // SAFETY: the sender thread is joined, both halves are gone.
        unsafe { slot.free() };
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

/// The sender is dropped unsent while a polled receiver is dropped: the
/// waker is dropped exactly once, whichever side takes it, and not kept
/// in the slot.
#[test]
fn sender_drop_vs_polled_receiver_drop() {
    model(|| {
        let (slot, tx, mut rx) = Leaked::with_halves();
        let a = TestWake::new();
        register(&mut rx, &a);
        let sender = thread::spawn(move || drop(tx));
        drop(rx);
        sender.join().unwrap();
        assert!(a.wakes() <= 1);
        // The receiver waited with A when it went: whichever side took A,
        // it is gone now, not kept in the slot for a later round.
        TestWake::assert_released(&a, "A");
        // SAFETY: the sender thread is joined, both halves are gone.
        unsafe { slot.free() };
        TestWake::assert_released(&a, "A");
    });
}

// ----- rounds -----

/// One slot, four rounds, each split after the last one's threads are
/// joined:
///
/// 1. a send races the drop of a receiver that was never polled (the
///    message comes back or is dropped with the receiver, and whatever
///    state the race leaves, the next split starts clean);
/// 2. a send races an await of the receiver with waker A, which the slot
///    may keep (stale, at most one clone) into the next rounds;
/// 3. a send races a receiver that is polled once (it may get the
///    message) and then forgotten (`mem::forget`, safe): a message it did
///    not get stays in the slot, and the next split drops it, exactly once;
///
/// and a last round on one thread checks that the slot still works.
#[test]
fn rounds_reuse_the_slot() {
    model(|| {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let m3 = Tally::new(3);
        let m4 = Tally::new(4);
        let a = TestWake::new();
        let b = TestWake::new();

        // Round 1: send vs receiver drop.
        let (slot, tx, rx) = Leaked::with_halves();
        let sender = thread::spawn(m1.is_closed_then_send(tx));
        drop(rx);
        sender.join().unwrap();
        m1.assert_dropped_once();

        // Round 2: send vs await.
        // SAFETY: round 1's halves are gone and its thread is joined.
        let (tx, mut rx) = unsafe { slot.split() };
        assert!(!rx.is_closed(), "a new round starts closed");
        assert!(!rx.has_message(), "a new round starts with a message");
        let sender = thread::spawn(m2.send_ok(tx));
        m2.expect(block_on(&mut rx, &a));
        drop(rx);
        sender.join().unwrap();
        m2.assert_dropped_once();
        TestWake::assert_bounded(&a, "A");

        // Round 3: send vs a receiver polled once, then forgotten.
        // SAFETY: round 2's halves are gone and its thread is joined.
        let (tx, mut rx) = unsafe { slot.split() };
        let sender = thread::spawn(m3.send_ok(tx));
        let polled = poll_with(&mut rx, &b);
        let received = match polled {
            Poll::Ready(got) => {
                m3.expect(got);
                true
            }
            Poll::Pending => false,
        };
        std::mem::forget(rx);
        sender.join().unwrap();
        TestWake::assert_bounded(&b, "B");
        if received {
            m3.assert_dropped_once();
            assert!(slot.get().is_empty());
        } else {
            // The forgotten receiver never took it: it waits in the slot.
            m3.assert_alive();
            assert!(!slot.get().is_empty(), "the sent message is gone");
        }

        // Round 4: the split drops round 3's leftover message.
        // SAFETY: round 3's sender is gone, its receiver forgotten (never used again), its thread joined.
        let (tx, rx) = unsafe { slot.split() };
        m3.assert_dropped_once();
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));
        tx.send(m4.msg()).unwrap();
        assert!(rx.has_message());
        m4.expect(rx.try_recv());
        drop(rx);

        // SAFETY: every thread is joined, every half gone or forgotten.
        unsafe { slot.free() };
        for m in [&m1, &m2, &m3, &m4] {
            m.assert_dropped_once();
        }
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

// ----- the unsafe layer -----

/// How the driver of [`two_puts_vs_takes`] learns that its first message was
/// taken.
#[derive(Clone, Copy, PartialEq)]
enum Learns {
    /// From a flag of its own, set (Release) by the receiving side after
    /// the `take`: `put`'s contract asks for the round to be over, which
    /// this hand-over orders before the second `put`.
    ByFlag,
    /// From `is_empty()`: `take` must publish the new round with Release,
    /// or its read of the cell races with the next write.
    ByIsEmpty,
}

/// A driver thread `put`s a message, waits until it `learns` that the
/// receiving side took it, and `put`s another; the receiving side polls
/// with `take`. Each message is taken exactly once, in order; a `take` of
/// a message starts the next round, so the second `put` succeeds.
fn two_puts_vs_takes(learns: Learns) {
    model(move || {
        let slot = Leaked::new();
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let next_round = Arc::new(AtomicBool::new(false));
        let driver = {
            let (s, m1, m2, next_round) = (slot.get(), m1.clone(), m2.clone(), next_round.clone());
            thread::spawn(move || {
                // SAFETY: the first round's one sending side.
                unsafe { s.put(m1.msg()) }.expect("nothing receives, yet put failed");
                while !match learns {
                    Learns::ByFlag => next_round.load(Acquire),
                    Learns::ByIsEmpty => s.is_empty(),
                } {
                    thread::yield_now();
                }
                // SAFETY: the take of `m1` ended the round, and the flag or `is_empty` orders it before this put: the second round's one sender.
                unsafe { s.put(m2.msg()) }.expect("a new round, yet put failed");
            })
        };
        let s = slot.get();
        for (m, last) in [(&m1, false), (&m2, true)] {
            let got = loop {
                // SAFETY: no `SlotReceiver` exists; only this thread takes.
                match unsafe { s.take() } {
                    Some(msg) => break msg,
                    None => thread::yield_now(),
                }
            };
            m.received(got);
            m.assert_dropped_once();
            if learns == Learns::ByFlag && !last {
                // A second take before the next put finds nothing.
                // SAFETY: as above.
                assert!(unsafe { s.take() }.is_none(), "a message was taken twice");
                next_round.store(true, Release);
            }
        }
        driver.join().unwrap();
        assert!(s.is_empty());
        // SAFETY: as above; the driver is joined.
        assert!(unsafe { s.take() }.is_none());
        // SAFETY: the driver is joined; no half exists.
        unsafe { slot.free() };
        m1.assert_dropped_once();
        m2.assert_dropped_once();
    });
}

#[test]
fn put_vs_take() {
    two_puts_vs_takes(Learns::ByFlag);
}

/// Regression: the driver learns from `is_empty()` that its last message
/// was taken and `put`s the next one.
#[test]
fn put_vs_take_signalled_by_is_empty() {
    two_puts_vs_takes(Learns::ByIsEmpty);
}

/// The driver pattern: a task makes this round's receiver with
/// `receiver()`, and a driver thread completes it with `put`; the task
/// awaits the receiver. Then the task starts the next round with
/// `receiver()` and tells the driver, which `put`s again.
#[test]
fn driver_put_vs_await() {
    model(|| {
        let slot = Leaked::new();
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let a = TestWake::new();
        let b = TestWake::new();
        let next_round = Arc::new(AtomicBool::new(false));
        let s = slot.get();
        // SAFETY: no transfer in flight yet; the only receiving side.
        let mut rx = unsafe { s.receiver() };
        let driver = {
            let (m1, m2, next_round) = (m1.clone(), m2.clone(), next_round.clone());
            thread::spawn(move || {
                // SAFETY: this round's one sending side.
                unsafe { s.put(m1.msg()) }.expect("the receiver is alive, yet put failed");
                while !next_round.load(Acquire) {
                    thread::yield_now();
                }
                // SAFETY: the task started a new round after our put, and the flag orders that before this put.
                unsafe { s.put(m2.msg()) }.expect("the receiver is alive, yet put failed");
            })
        };
        m1.expect(block_on(&mut rx, &a));
        drop(rx);
        m1.assert_dropped_once();
        // SAFETY: the driver's put of the last round has published its message (we received it), it does not touch the slot again before the flag, and no other receiving side exists.
        let mut rx = unsafe { s.receiver() };
        next_round.store(true, Release);
        m2.expect(block_on(&mut rx, &b));
        drop(rx);
        driver.join().unwrap();
        m2.assert_dropped_once();
        TestWake::assert_bounded(&a, "A");
        TestWake::assert_bounded(&b, "B");
        // SAFETY: the driver is joined, both receivers are gone.
        unsafe { slot.free() };
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

/// The driver `put`s while the task drops its (polled) receiver: the
/// message comes back from `put` or is dropped with the receiver, exactly
/// once, the waker is not kept in the slot, and the next round works.
#[test]
fn driver_put_vs_receiver_drop() {
    model(|| {
        let slot = Leaked::new();
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let a = TestWake::new();
        let s = slot.get();
        // SAFETY: no transfer in flight yet; the only receiving side.
        let mut rx = unsafe { s.receiver() };
        register(&mut rx, &a);
        let driver = {
            let m1 = m1.clone();
            thread::spawn(move || {
                // SAFETY: this round's one sending side.
                m1.sent_or_returned(unsafe { s.put(m1.msg()) });
            })
        };
        drop(rx);
        driver.join().unwrap();
        m1.assert_dropped_once();
        assert!(a.wakes() <= 1);
        // The receiver waited with A when it went: the put or the drop
        // took A, and the slot does not keep it.
        TestWake::assert_released(&a, "A");
        assert!(s.is_empty());
        // The next round, on this thread.
        // SAFETY: the driver is joined; no receiving side exists.
        let rx = unsafe { s.receiver() };
        // SAFETY: this round's one sending side.
        unsafe { s.put(m2.msg()) }.expect("the receiver is alive, yet put failed");
        m2.expect(rx.try_recv());
        drop(rx);
        // SAFETY: the driver is joined, every receiver is gone.
        unsafe { slot.free() };
        m2.assert_dropped_once();
        TestWake::assert_released(&a, "A");
    });
}

/// Halves made without `split`, by `receiver()` and `sender()`: the
/// sender, on another thread, is dropped unsent while the receiver is
/// awaited; then a second round with the same calls delivers a message.
#[test]
fn unsplit_halves_sender_drop_vs_await() {
    model(|| {
        let slot = Leaked::new();
        let m = Tally::new(1);
        let a = TestWake::new();
        let s = slot.get();
        // SAFETY: no transfer in flight yet; the only receiving side.
        let mut rx = unsafe { s.receiver() };
        // SAFETY: this round's one sending side.
        let tx = unsafe { s.sender() };
        let sender = thread::spawn(move || drop(tx));
        assert!(matches!(block_on(&mut rx, &a), Err(RecvError)));
        drop(rx);
        sender.join().unwrap();
        TestWake::assert_bounded(&a, "A");
        // SAFETY: the last round's sender is gone and its thread joined; its receiver is gone.
        let rx = unsafe { s.receiver() };
        // SAFETY: this round's one sending side.
        let tx = unsafe { s.sender() };
        tx.send(m.msg()).unwrap();
        m.expect(rx.try_recv());
        drop(rx);
        // SAFETY: every thread is joined, every half gone.
        unsafe { slot.free() };
        m.assert_dropped_once();
        TestWake::assert_released(&a, "A");
    });
}

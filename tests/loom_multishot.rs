//! Loom models of `multishot`: a receive racing the send, the receiver
//! recycling the sender while the last round's sender finishes on another
//! thread, rounds in a row, the receiver dropped during a send, and a
//! receive future cancelled during a send.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_multishot`.
//!
//! Every model checks, per explored execution (see `loom_support`):
//!
//! * that each message is dropped exactly once (each has a drop counter of
//!   its own, made afresh in every execution; a second drop panics);
//! * that no waker is leaked: the test wakers are `Arc`s of a `Wake` type,
//!   so every clone the channel keeps is a strong reference; the channel
//!   may keep the last one registered until the next poll replaces it,
//!   and none once the receiver is gone;
//! * that the channel's one allocation is freed exactly once and not used
//!   after that (the shared counting, poisoning global allocator).
//!
//! Everything below these docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]

mod loom_support;

use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::Arc;
use std::time::{Duration, Instant};

use loom::sync::atomic::AtomicBool;
use loom::thread::{self, JoinHandle};
use loom_support::{
    block_on, live_cores, model, on_own_threads, register, try_recv_spinning, Msg, Tally, TestWake,
};
use tidings::multishot::{self, Receiver};
use tidings::{RecvError, RecvTimeoutError, TryRecvError};

/// Awaits this round's message as an executor would ([`block_on`] of a
/// receive future, with `waker`).
fn recv_async(rx: &mut Receiver<Msg>, waker: &Arc<TestWake>) -> Result<Msg, RecvError> {
    block_on(&mut rx.recv_async(), waker)
}

/// Polls a receive future once with waker `a` (pending: nothing is sent
/// yet), starts `other` on a thread of its own, and cancels the receive
/// (drops the future) while `other` runs. Returns `other`'s thread.
fn cancel_recv_during(
    rx: &mut Receiver<Msg>,
    a: &Arc<TestWake>,
    other: impl FnOnce() + Send + 'static,
) -> JoinHandle<()> {
    let mut fut = rx.recv_async();
    register(&mut fut, a);
    let other = thread::spawn(other);
    drop(fut);
    other
}

// ----- send vs receive -----

/// An awaited receive races the send: it gets the message, and the round
/// is over.
#[test]
fn send_vs_await() {
    model(|| {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel::<Msg>();
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(recv_async(&mut rx, &a));
        m.assert_dropped_once();
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        sender.join().unwrap();
        assert!(rx.sender().is_some(), "the round is over");
        TestWake::assert_bounded(&a, "A");
        drop(rx);
        TestWake::assert_released(&a, "A");
    });
}

/// A thread blocked in `recv` gets the message sent by another.
#[test]
fn send_vs_blocking_recv() {
    model(|| {
        let m = Tally::new(1);
        let (tx, mut rx) = multishot::channel::<Msg>();
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(rx.recv());
        sender.join().unwrap();
        m.assert_dropped_once();
        assert!(rx.sender().is_some(), "the round is over");
    });
}

/// A zero `recv_timeout` races the send (on a thread of its own, see
/// [`on_own_threads`]); after a timeout, which withdraws its waiter
/// possibly while the send takes it, a blocking `recv` gets the message.
#[test]
fn send_vs_recv_timeout_then_recv() {
    model(|| {
        let m = Tally::new(1);
        let (tx, mut rx) = multishot::channel::<Msg>();
        let tally = m.clone();
        let mut rx = on_own_threads(m.send_ok(tx), move || {
            match rx.recv_timeout(Duration::ZERO) {
                Ok(msg) => tally.received(msg),
                Err(RecvTimeoutError::Timeout) => tally.expect(rx.recv()),
                Err(RecvTimeoutError::Disconnected) => panic!("a sending sender reported gone"),
            }
            rx
        });
        m.assert_dropped_once();
        assert!(rx.sender().is_some(), "the round is over");
    });
}

/// The sender is dropped unsent while an expired `recv_deadline` runs:
/// `Timeout` or `Disconnected`; once the sender is gone the round is over
/// and the sender is recycled.
#[test]
fn sender_drop_vs_recv_deadline() {
    model(|| {
        let (tx, mut rx) = multishot::channel::<Msg>();
        let mut rx = on_own_threads(
            move || drop(tx),
            move || {
                match rx.recv_deadline(Instant::now()) {
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
                    Ok(msg) => panic!("received {msg:?}, which was never sent"),
                }
                rx
            },
        );
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        assert!(rx.sender().is_some(), "the round is over");
    });
}

// ----- recycling -----

/// The receiver's future is polled (waker A registered), then dropped,
/// while the first round's sender is dropped on another thread; the
/// receiver then asks for the next sender until it gets one. It must get
/// `None` while that sender is alive and `Some` once its drop has returned;
/// while the new sender lives, no other is handed out. The new round then
/// works: a send from another thread is awaited with waker B.
#[test]
fn recycle_vs_late_sender_drop() {
    model(|| {
        let m = Tally::new(2);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, mut rx) = multishot::channel::<Msg>();
        let dropping = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicBool::new(false));

        let old = {
            let (dropping, dropped) = (dropping.clone(), dropped.clone());
            cancel_recv_during(&mut rx, &a, move || {
                dropping.store(true, Release);
                drop(tx);
                dropped.store(true, Release);
            })
        };

        let tx = loop {
            let was_dropped = dropped.load(Acquire);
            match rx.sender() {
                Some(tx) => {
                    assert!(dropping.load(Acquire), "recycled a sender still alive");
                    break tx;
                }
                None => {
                    assert!(!was_dropped, "the sender is gone, yet no recycling");
                    thread::yield_now();
                }
            }
        };
        assert!(rx.sender().is_none(), "two senders alive at once");
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));

        let new = thread::spawn(m.send_ok(tx));
        m.expect(recv_async(&mut rx, &b));
        old.join().unwrap();
        new.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
        TestWake::assert_bounded(&b, "B");
        drop(rx);
        TestWake::assert_released(&b, "B");
    });
}

/// The first round's sender sends on another thread while the receiver
/// alternates `sender()` and `try_recv`: no sender while the message is on
/// its way or waiting, one as soon as it is received. The next round runs
/// on this thread.
#[test]
fn recycle_vs_late_send() {
    model(|| {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let (tx, mut rx) = multishot::channel::<Msg>();
        let old = thread::spawn(m1.send_ok(tx));
        m1.received(try_recv_spinning(|| {
            assert!(
                rx.sender().is_none(),
                "recycled before the message was received"
            );
            rx.try_recv()
        }));
        m1.assert_dropped_once();
        let tx = rx
            .sender()
            .expect("the message was received: the round is over");
        tx.send(m2.msg()).unwrap();
        assert!(rx.sender().is_none(), "recycled while a message waits");
        m2.expect(rx.try_recv());
        old.join().unwrap();
        assert!(rx.sender().is_some());
    });
}

/// Two full rounds, each with its sender on a thread of its own: the first
/// awaited, the second received by a blocking `recv`. The second round
/// starts as soon as the first message is received, while the first
/// sender's thread may still be finishing (waking waker A).
#[test]
fn two_rounds_with_senders_on_other_threads() {
    model(|| {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel::<Msg>();
        let first = thread::spawn(m1.send_ok(tx));
        m1.expect(recv_async(&mut rx, &a));
        m1.assert_dropped_once();

        let tx = rx
            .sender()
            .expect("the message was received: the round is over");
        let second = thread::spawn(m2.send_ok(tx));
        m2.expect(rx.recv());
        m2.assert_dropped_once();

        first.join().unwrap();
        second.join().unwrap();
        TestWake::assert_bounded(&a, "A");
        assert!(rx.sender().is_some(), "the second round is over");
        drop(rx);
        TestWake::assert_released(&a, "A");
    });
}

// ----- receiver drop vs sender -----

/// The receiver is dropped while the first round's message is sent: the
/// message comes back or is dropped with the channel, once, and the
/// allocation is freed once (checked by [`model`]).
#[test]
fn receiver_drop_vs_send() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = multishot::channel::<Msg>();
        let sender = thread::spawn(m.is_closed_then_send(tx));
        drop(rx);
        sender.join().unwrap();
        m.assert_dropped_once();
    });
}

/// As above in a recycled round, after a cancelled receive: the receiver
/// polls (waker A), drops its future and drops itself while the recycled
/// sender sends on another thread.
#[test]
fn receiver_drop_vs_send_in_recycled_round() {
    model(|| {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel::<Msg>();
        tx.send(m1.msg()).unwrap();
        m1.expect(rx.try_recv());
        let tx = rx.sender().expect("the round is over");

        let sender = cancel_recv_during(&mut rx, &a, m2.is_closed_then_send(tx));
        drop(rx);
        sender.join().unwrap();
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
    });
}

/// The last round's sender and the receiver are dropped at once: the
/// allocation is freed once.
#[test]
fn receiver_drop_vs_sender_drop() {
    model(|| {
        let (tx, mut rx) = multishot::channel::<Msg>();
        drop(tx);
        let tx = rx.sender().expect("the round is over");
        let sender = thread::spawn(move || drop(tx));
        drop(rx);
        sender.join().unwrap();
    });
}

// ----- cancelled receive vs send -----

/// A receive future, pending with waker A, is dropped while the message is
/// sent: the message is not lost (`try_recv` gets it once the sender is
/// done), and A is not kept by the channel.
#[test]
fn cancelled_recv_vs_send_then_try_recv() {
    model(|| {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel::<Msg>();
        let sender = cancel_recv_during(&mut rx, &a, m.send_ok(tx));
        sender.join().unwrap();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
        m.assert_alive();
        m.expect(rx.try_recv());
        assert!(rx.sender().is_some(), "the round is over");
    });
}

/// As above, but the message is received by a blocking `recv` that still
/// races the send.
#[test]
fn cancelled_recv_vs_send_then_recv() {
    model(|| {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel::<Msg>();
        let sender = cancel_recv_during(&mut rx, &a, m.send_ok(tx));
        m.expect(rx.recv());
        sender.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
    });
}

/// A receive future, pending with waker A, is dropped before the send
/// starts: A is withdrawn at once (never woken, no clone kept), and the
/// message sent afterwards on another thread is received by `try_recv`.
#[test]
fn cancelled_recv_then_send() {
    model(|| {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel::<Msg>();
        register(&mut rx.recv_async(), &a);
        TestWake::assert_released(&a, "A");
        let sender = thread::spawn(m.send_ok(tx));
        m.received(try_recv_spinning(|| rx.try_recv()));
        sender.join().unwrap();
        assert_eq!(a.wakes(), 0, "a withdrawn waker was woken");
        TestWake::assert_released(&a, "A");
        m.assert_dropped_once();
    });
}

// ----- the checks themselves -----

/// The counting allocator sees the channel's allocation (else the leak
/// check of [`model`] would pass vacuously), and recycling allocates
/// nothing.
#[test]
fn allocation_counting_sees_the_channel() {
    model(|| {
        let before = live_cores();
        let (tx, mut rx) = multishot::channel::<Msg>();
        assert_eq!(live_cores(), before + 1);
        drop(tx);
        let tx = rx.sender().expect("the round is over");
        assert_eq!(live_cores(), before + 1);
        drop(rx);
        assert_eq!(live_cores(), before + 1, "freed while a sender lives");
        drop(tx);
        assert_eq!(live_cores(), before);
    });
}

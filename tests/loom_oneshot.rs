//! Loom models of every racing pair of `oneshot`.
//!
//! The models use loom 0.7 without its `futures` feature, so async receives
//! are driven by the shared [`block_on`] and test wakers.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_oneshot`.
//!
//! Under the cfg every atomic, cell and park of the crate is loom's, so each
//! model below explores the interleavings of the real channel code. Every
//! model also checks, per explored execution (see `loom_support`):
//!
//! * that each message is dropped exactly once (a drop-counting message,
//!   whose counter is made afresh in every execution);
//! * that the test wakers are neither leaked nor dropped too often: every
//!   clone the channel keeps is a strong reference of the waker's `Arc`, and
//!   at the end the test's own handle must be the only one;
//! * that the channel's heap core is freed exactly once, and not used after
//!   it is freed (the shared counting, poisoning global allocator).
//!
//! Everything below the crate docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]

mod loom_support;

use std::sync::Arc as StdArc;
use std::task::Waker;
use std::time::{Duration, Instant};

use loom::thread;
use loom_support::{
    block_on, catch, live_cores, model, on_own_threads, poll_once, poll_until_woken_once, register,
    try_recv_announced, Msg, PanicOnDrop, Tally, TestWake,
};
use tidings::oneshot::{self, Receiver};
use tidings::{RecvError, RecvTimeoutError, TryRecvError};

/// Drives the receiver to its end as an executor would ([`block_on`] with a
/// fresh waker), and drops it; the waker must be gone with the receiver.
fn block_on_fresh(mut rx: Receiver<Msg>) -> Result<Msg, RecvError> {
    let waker = TestWake::new();
    let out = block_on(&mut rx, &waker);
    drop(rx);
    TestWake::assert_released(&waker, "of block_on");
    out
}

// ----- 1. send or sender drop vs receive -----

/// The other side finishes on a thread of its own, sending the message
/// (`sends`) or dropping the sender unsent, while `receive` uses up the
/// receiver: it gets the message if one is sent, `RecvError` if not (a
/// blocking receive that hangs is a loom deadlock).
fn finish_vs_receive(sends: bool, receive: fn(Receiver<Msg>) -> Result<Msg, RecvError>) {
    model(move || {
        let m = Tally::new(1);
        let (tx, rx) = oneshot::channel::<Msg>();
        let sender = if sends {
            thread::spawn(m.send_ok(tx))
        } else {
            thread::spawn(move || drop(tx))
        };
        let got = receive(rx);
        if sends {
            m.expect(got);
        } else {
            assert!(matches!(got, Err(RecvError)));
        }
        sender.join().unwrap();
        assert_eq!(m.drops(), usize::from(sends));
    });
}

/// An async receive (polled by [`block_on`]) races the send: it gets the message.
#[test]
fn send_vs_await() {
    finish_vs_receive(true, block_on_fresh);
}

/// A thread blocked in `recv` gets the message sent by another.
#[test]
fn send_vs_blocking_recv() {
    finish_vs_receive(true, Receiver::recv);
}

/// The sender is dropped unsent while the receiver is awaited: `RecvError`.
#[test]
fn sender_drop_vs_await() {
    finish_vs_receive(false, block_on_fresh);
}

/// The sender is dropped unsent while a thread blocks in `recv`: `RecvError`.
#[test]
fn sender_drop_vs_blocking_recv() {
    finish_vs_receive(false, Receiver::recv);
}

/// `try_recv` in a loop races the send: it sees `Empty` (and the channel
/// open, with no message) until it gets the message, never `Disconnected`;
/// whenever `has_message` says so, the message is there to take.
#[test]
fn send_vs_try_recv() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = oneshot::channel::<Msg>();
        let sender = thread::spawn(m.send_ok(tx));
        m.received(try_recv_announced(&rx, || assert!(!rx.is_closed())));
        assert!(rx.is_closed());
        sender.join().unwrap();
        m.assert_dropped_once();
    });
}

/// `try_recv` in a loop races the sender's drop: `Empty` until
/// `Disconnected`, never a message.
#[test]
fn sender_drop_vs_try_recv() {
    model(|| {
        let (tx, rx) = oneshot::channel::<Msg>();
        let sender = thread::spawn(move || drop(tx));
        loop {
            match rx.try_recv() {
                Ok(_) => panic!("received a message that was never sent"),
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Disconnected) => break,
            }
        }
        assert!(rx.is_closed());
        assert!(!rx.has_message());
        sender.join().unwrap();
    });
}

// ----- 2. send or sender drop vs receiver drop -----

/// The receiver is dropped, after a poll that left waker A in the channel
/// if `polled`, while the other side finishes on another thread: it sends
/// (`sends`, asking `is_closed` first) or drops the sender unsent. A sent
/// message is either handed back in `SendError` or dropped with the
/// receiver, exactly once either way; the core is freed exactly once
/// (checked by [`model`]); A is dropped exactly once, whichever side takes
/// it. With a waker in the channel this is the use-after-free pattern of
/// other oneshots: the sender must touch neither the channel nor the waker
/// after the receiver may have freed it.
fn receiver_drop_vs(sends: bool, polled: bool) {
    model(move || {
        let m = Tally::new(1);
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let a = TestWake::new();
        if polled {
            register(&mut rx, &a);
        }
        let sender = if sends {
            thread::spawn(m.is_closed_then_send(tx))
        } else {
            thread::spawn(move || drop(tx))
        };
        drop(rx);
        sender.join().unwrap();
        assert_eq!(
            m.drops(),
            usize::from(sends),
            "a message was not dropped once"
        );
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
    });
}

#[test]
fn send_vs_receiver_drop() {
    receiver_drop_vs(true, false);
}

#[test]
fn send_vs_polled_receiver_drop() {
    receiver_drop_vs(true, true);
}

#[test]
fn sender_drop_vs_receiver_drop() {
    receiver_drop_vs(false, false);
}

#[test]
fn sender_drop_vs_polled_receiver_drop() {
    receiver_drop_vs(false, true);
}

/// The receiver, polled with a waker whose drop panics (user code), is
/// dropped while a send races it. Whichever side takes the waker out drops
/// it, and that drop panics (caught here): if the receiver does, it must
/// do so only after it freed the core with the message in it, or after it
/// left the core to the sender. The message is dropped exactly once and
/// the core freed exactly once (checked by [`model`]) in every
/// interleaving. (Before the fix the receiver dropped the waker first, and
/// its panic skipped the free: the core and the message leaked.)
#[test]
fn send_vs_receiver_drop_with_a_waker_whose_drop_panics() {
    model(|| {
        let m = Tally::new(1);
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let waker = Waker::from(StdArc::new(PanicOnDrop));
        assert!(poll_once(&mut rx, &waker).is_pending());
        drop(waker); // the channel holds the last one now
        let msg = m.msg();
        let sender = thread::spawn(move || {
            let _ = catch(move || drop(tx.send(msg)));
        });
        catch(move || drop(rx));
        sender.join().unwrap();
        m.assert_dropped_once();
    });
}

/// The sender spins on `is_closed` while the receiver is dropped: it sees
/// the receiver go, and the send after that fails with the message back.
#[test]
fn is_closed_vs_receiver_drop() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = oneshot::channel::<Msg>();
        let tally = m.clone();
        let sender = thread::spawn(move || {
            while !tx.is_closed() {
                thread::yield_now();
            }
            let sent = tally.sent_or_returned(tx.send(tally.msg()));
            assert!(!sent, "sent after is_closed()");
        });
        drop(rx);
        sender.join().unwrap();
        m.assert_dropped_once();
    });
}

// ----- 3. send or sender drop vs recv_timeout expiry -----

/// A zero `recv_timeout` racing the send (on a thread of its own, see
/// [`on_own_threads`]). It returns the message or `Timeout`, never
/// `Disconnected`: the sender is sending. Returns whether it got the
/// message.
fn recv_timeout_vs_send(rx: &Receiver<Msg>, m: &Tally) -> bool {
    match rx.recv_timeout(Duration::ZERO) {
        Ok(msg) => {
            m.received(msg);
            true
        }
        Err(RecvTimeoutError::Timeout) => false,
        Err(RecvTimeoutError::Disconnected) => panic!("a sending sender reported gone"),
    }
}

/// A zero `recv_timeout` races the send; after a timeout the message is
/// still there for `try_recv` once the sender is done.
#[test]
fn send_vs_recv_timeout_then_try_recv() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = oneshot::channel::<Msg>();
        let tally = m.clone();
        let (rx, got) = on_own_threads(m.send_ok(tx), move || {
            let got = recv_timeout_vs_send(&rx, &tally);
            (rx, got)
        });
        if got {
            m.assert_dropped_once();
            assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        } else {
            assert_eq!(m.drops(), 0, "the message was lost on timeout");
            assert!(rx.has_message());
            m.expect(rx.try_recv());
        }
        assert!(rx.is_closed());
        drop(rx);
        m.assert_dropped_once();
    });
}

/// After a timeout the receiver is dropped, possibly while the send is
/// still going: the message is dropped exactly once, with the receiver or
/// at once if it was received.
#[test]
fn send_vs_recv_timeout_then_drop() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = oneshot::channel::<Msg>();
        let tally = m.clone();
        on_own_threads(m.send_maybe(tx), move || {
            if recv_timeout_vs_send(&rx, &tally) {
                tally.assert_dropped_once();
            }
            drop(rx);
        });
        m.assert_dropped_once();
    });
}

/// After a timeout that may have withdrawn the waker while the send took
/// it, a blocking `recv`, still racing the send, gets the message.
#[test]
fn send_vs_recv_timeout_then_recv() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = oneshot::channel::<Msg>();
        let tally = m.clone();
        on_own_threads(m.send_ok(tx), move || {
            if !recv_timeout_vs_send(&rx, &tally) {
                tally.expect(rx.recv());
            }
        });
        m.assert_dropped_once();
    });
}

/// The sender is dropped unsent while an expired deadline receive runs (on
/// a thread of its own, see [`on_own_threads`]): `Timeout` or
/// `Disconnected`, and `Disconnected` once the sender is gone.
#[test]
fn sender_drop_vs_recv_deadline() {
    model(|| {
        let (tx, rx) = oneshot::channel::<Msg>();
        let rx = on_own_threads(
            move || drop(tx),
            move || {
                match rx.recv_deadline(Instant::now()) {
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
                    Ok(_) => panic!("received a message that was never sent"),
                }
                rx
            },
        );
        assert!(rx.is_closed());
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        assert!(matches!(rx.recv(), Err(RecvError)));
    });
}

// ----- 4. waker replacement vs send / sender drop -----

/// The receiver is polled with waker A (pending), then polled again with
/// waker B while the other side finishes on another thread, sending the
/// message (`sends`) or dropping the sender unsent. If the second poll is
/// pending, B must be woken, and a third poll is ready. Neither waker is
/// woken twice, none of their clones is left behind, and the message, if
/// sent, is received and dropped once.
fn waker_replacement(sends: bool) {
    model(move || {
        let m = Tally::new(1);
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let a = TestWake::new();
        let b = TestWake::new();
        register(&mut rx, &a);
        let sender = if sends {
            thread::spawn(m.send_ok(tx))
        } else {
            thread::spawn(move || drop(tx))
        };
        let got = poll_until_woken_once(&mut rx, &b);
        if sends {
            m.expect(got);
        } else {
            assert!(matches!(got, Err(RecvError)));
        }
        sender.join().unwrap();
        assert!(a.wakes() <= 1, "waker A woken {} times", a.wakes());
        assert!(b.wakes() <= 1, "waker B woken {} times", b.wakes());
        drop(rx);
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
        assert_eq!(m.drops(), usize::from(sends));
    });
}

#[test]
fn waker_replacement_vs_send() {
    waker_replacement(true);
}

#[test]
fn waker_replacement_vs_sender_drop() {
    waker_replacement(false);
}

// ----- the checks themselves -----

/// The core counting that [`model`] relies on sees channel cores at all
/// (otherwise its leak check would pass vacuously).
#[test]
fn core_counting_sees_the_channel() {
    model(|| {
        let before = live_cores();
        let (tx, rx) = oneshot::channel::<Msg>();
        assert_eq!(live_cores(), before + 1);
        drop(tx);
        assert_eq!(live_cores(), before + 1);
        drop(rx);
        assert_eq!(live_cores(), before);
    });
}

// ----- a sender waiting for the receiver to leave -----

/// A sender blocks in `closed()` on a thread while the main thread drops
/// the receiver: the wait ends (a lost wake would be a loom deadlock), a
/// send then gives its message back or delivers it to a receiver that
/// drops it, and the core is freed once (the model's leak check). (The
/// blocked thread joins nothing: loom 0.7 lets a late unpark break a
/// `join`, tokio-rs/loom#249.)
#[test]
fn closed_vs_receiver_drop() {
    model(|| {
        let (mut tx, rx) = oneshot::channel::<Msg>();
        let m = Tally::new(1);
        let msg = m.msg();
        let waiter = thread::spawn(move || {
            tx.closed();
            if let Err(tidings::SendError(msg)) = tx.send(msg) {
                drop(msg);
            }
        });
        drop(rx);
        waiter.join().unwrap();
        m.assert_dropped_once();
    });
}

/// A `closed_async` future waits with waker A while another thread drops
/// the receiver: A is woken, the future is ready, and no waker is kept
/// (at most one wake per poll that registered it).
#[test]
fn closed_async_vs_receiver_drop() {
    model(|| {
        let a = TestWake::new();
        let (mut tx, rx) = oneshot::channel::<Msg>();
        {
            let mut fut = tx.closed_async();
            register(&mut fut, &a);
            let dropper = thread::spawn(move || drop(rx));
            poll_until_woken_once(&mut fut, &a);
            drop(fut);
            dropper.join().unwrap();
        }
        assert!(tx.is_closed());
        drop(tx);
        assert!(a.wakes() <= 2);
        TestWake::assert_released(&a, "A");
    });
}

/// A `closed_async` future is polled for the first time while another
/// thread drops the receiver, then dropped without waiting: its waker is
/// never kept past the future (the receiver's drop or the future's
/// withdrawal takes it).
#[test]
fn closed_async_first_poll_vs_receiver_drop_then_cancel() {
    model(|| {
        let a = TestWake::new();
        let (mut tx, rx) = oneshot::channel::<Msg>();
        let dropper = thread::spawn(move || drop(rx));
        {
            let mut fut = tx.closed_async();
            let _ = loom_support::poll_with(&mut fut, &a);
        }
        dropper.join().unwrap();
        assert!(tx.is_closed());
        drop(tx);
        TestWake::assert_released(&a, "A");
    });
}

//! Loom models of `mpmc`: every racing pair of each flavor (`bounded(1)`,
//! `unbounded()`, `rendezvous()`), with blocking calls on loom threads and
//! async futures polled by hand with counting test wakers.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_mpmc`.
//!
//! The racing pairs: send vs receive; send vs the last receiver's drop;
//! receive vs the last sender's drop; close vs a blocked sender; a
//! cancelled receive future vs the wake meant for it (which must pass on
//! to the other waiting receiver); a cancelled send future vs a receiver
//! taking its message; a rendezvous hand-off to a blocked thread vs its
//! `recv_timeout` expiring; two senders vs one receiver that moves a
//! waiting sender's message into the buffer; a sender waiting in `closed`
//! (blocking or async) vs the last receiver's drop; a waiting send given
//! up with `into_inner` vs a receiver taking its message; a permit used or
//! dropped vs a sender waiting for its slot, a blocked reserve vs the
//! receive that grants it, a permit sending after a close vs a receiver
//! waiting for the end, a cancelled reserve vs the receive granting it;
//! the call-free fast paths of a send and a receive (`chan.rs`, "Fast
//! paths") vs each other and vs their fall-backs (the lock held, a full
//! or empty ring, a sender listed).
//!
//! Every model also checks, per explored execution (see `loom_support`):
//!
//! * that each message is received or dropped exactly once (a drop-counting
//!   message whose counter is made afresh in every execution; a second drop
//!   panics at once);
//! * that no wake-up is lost: a blocked thread that is never woken is a
//!   loom deadlock, and a future is polled again only once its test waker
//!   has been woken (a wake that never comes makes loom give up on the
//!   spinning execution);
//! * that the test wakers are not leaked: every clone the channel keeps is
//!   a strong reference of the waker's `Arc`;
//! * that every allocation that holds messages (the bounded ring, the
//!   the unbounded ring, every waiter entry) is freed exactly once, and not
//!   used after that (the shared counting, poisoning global allocator: the
//!   message type's alignment marks them).
//!
//! The models in which three threads may contend for the channel's lock at
//! once explore at most one preemption (`loom_support::model_bounded` says
//! why); each of them has a two-thread counterpart under the full bound.
//!
//! A thread that made a timed receive or send joins nothing (loom 0.7 lets
//! a late unpark break a `join`, tokio-rs/loom#249): the main thread, which
//! never waits on the channel in those models, does the joining.
//!
//! Everything below these docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]

mod loom_support;

use std::task::Poll;
use std::time::Duration;

use loom::thread;
use loom_support::{
    block_on, catch, live_cores, model, model_bounded, poll_once, poll_until_woken_once, poll_with,
    register, Msg, PanicOnWake, Tally, TestWake,
};
use tidings::mpmc::{self, Receiver, Sender};
use tidings::{RecvError, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};

// ----- flavors and helpers -----

/// The preemption bound of the models in which three threads may be in
/// the channel's lock or waiting for it at once; see
/// [`loom_support::model_bounded`] for why. Each of them has a two-thread
/// counterpart that runs under the full bound.
const THREE_WAY_PREEMPTIONS: usize = 1;

/// The flavors the models run on; `Bounded` has capacity 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Bounded,
    Unbounded,
    Rendezvous,
}

use Flavor::{Bounded, Rendezvous, Unbounded};

fn channel(flavor: Flavor) -> (Sender<Msg>, Receiver<Msg>) {
    match flavor {
        Bounded => mpmc::bounded(1),
        Unbounded => mpmc::unbounded(),
        Rendezvous => mpmc::rendezvous(),
    }
}

/// One `#[test]` per flavor for a model taking a [`Flavor`] (and more
/// arguments, if given).
macro_rules! flavors {
    ($model:ident $args:tt: $($test:ident => $flavor:expr),+ $(,)?) => {$(
        #[test]
        fn $test() {
            flavors!(@call $model, $flavor, $args);
        }
    )+};
    (@call $model:ident, $flavor:expr, ($($arg:expr),*)) => {
        $model($flavor $(, $arg)*)
    };
}

/// Receives with `try_recv` until the channel says `Disconnected`; returns
/// the values received, in order (the messages are dropped).
fn drain_closed(rx: &Receiver<Msg>) -> Vec<u32> {
    let mut got = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(msg) => got.push(msg.value()),
            Err(TryRecvError::Disconnected) => return got,
            Err(TryRecvError::Empty) => panic!("a closed channel reported empty"),
        }
    }
}

/// A receive's outcome: the message's value (the message is dropped), or
/// `None` for the end of the channel.
fn value(got: Result<Msg, RecvError>) -> Option<u32> {
    got.ok().map(|msg| msg.value())
}

/// Fills a bounded(1) channel with `m0`, so that the next send waits; a
/// no-op for the other flavors (a rendezvous is always "full").
fn prefill(flavor: Flavor, tx: &Sender<Msg>, m0: &Tally) {
    if flavor == Bounded {
        tx.try_send(m0.msg()).unwrap();
    }
}

/// What [`prefill`] put in the channel: m0's value on a bounded channel,
/// nothing otherwise.
fn prefilled(flavor: Flavor) -> Vec<u32> {
    if flavor == Bounded {
        vec![0]
    } else {
        vec![]
    }
}

// ----- 1. send vs receive -----

/// A thread blocked in `recv` gets the message sent by another thread; the
/// sender then drops its handle, the last one, and the receiver, blocked
/// again, wakes to `Disconnected`.
fn send_vs_blocking_recv(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(rx.recv());
        assert!(matches!(rx.recv(), Err(RecvError)));
        sender.join().unwrap();
        m.assert_dropped_once();
    });
}

flavors!(send_vs_blocking_recv():
    send_vs_blocking_recv_bounded => Bounded,
    send_vs_blocking_recv_unbounded => Unbounded,
    send_vs_blocking_recv_rendezvous => Rendezvous,
);

/// A receive future, pending with waker A, races a send from another
/// thread: A must be woken (the poll after it gets the message). A second
/// future, awaited with waker B while the sender drops its last handle,
/// ends with `RecvError`.
fn send_vs_await(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(poll_until_woken_once(&mut fut, &a));
        drop(fut);
        m.assert_dropped_once();
        assert!(matches!(block_on(&mut rx.recv_async(), &b), Err(RecvError)));
        sender.join().unwrap();
        assert!(a.wakes() <= 2, "two registrations, woken {}", a.wakes());
        assert!(b.wakes() <= 1, "one registration, woken {}", b.wakes());
        drop(rx);
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

flavors!(send_vs_await():
    send_vs_await_bounded => Bounded,
    send_vs_await_unbounded => Unbounded,
    send_vs_await_rendezvous => Rendezvous,
);

/// A send future, driven on another thread with waker W, races a thread
/// blocked in `recv`; the sender's handle goes after the send.
fn send_async_vs_blocking_recv(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let tally = m.clone();
        let sender = thread::spawn(move || {
            let w = TestWake::new();
            let sent = block_on(&mut tx.send_async(tally.msg()), &w);
            assert!(sent.is_ok(), "the receiver is alive, yet the send failed");
            w
        });
        m.expect(rx.recv());
        assert!(matches!(rx.recv(), Err(RecvError)));
        let w = sender.join().unwrap();
        m.assert_dropped_once();
        assert!(w.wakes() <= 1);
        TestWake::assert_released(&w, "W");
    });
}

flavors!(send_async_vs_blocking_recv():
    send_async_vs_blocking_recv_bounded => Bounded,
    send_async_vs_blocking_recv_unbounded => Unbounded,
    send_async_vs_blocking_recv_rendezvous => Rendezvous,
);

/// A send future driven on another thread (waker W) races a receive
/// future (waker A, pending before the send starts): task to task.
fn send_async_vs_await(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        let tally = m.clone();
        let sender = thread::spawn(move || {
            let w = TestWake::new();
            let sent = block_on(&mut tx.send_async(tally.msg()), &w);
            assert!(sent.is_ok(), "the receiver is alive, yet the send failed");
            w
        });
        m.expect(poll_until_woken_once(&mut fut, &a));
        drop(fut);
        let w = sender.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 2);
        assert!(w.wakes() <= 1);
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        drop(rx);
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&w, "W");
    });
}

flavors!(send_async_vs_await():
    send_async_vs_await_bounded => Bounded,
    send_async_vs_await_unbounded => Unbounded,
    send_async_vs_await_rendezvous => Rendezvous,
);

// ----- 2. send vs the last receiver's drop -----

/// The last receiver is dropped while another thread asks
/// `is_disconnected` and then sends (blocking, or a send future with waker
/// W if `async_send`), the channel prefilled if `full`: the send succeeds or hands its very
/// message back, and once the sender saw the channel closed it fails. A
/// message that nobody can take (full, or rendezvous) always comes back.
/// Every message is dropped exactly once: the buffered ones by the
/// receiver's drop.
fn send_vs_receiver_drop(flavor: Flavor, full: bool, async_send: bool) {
    model(move || {
        let m0 = Tally::new(0);
        let m = Tally::new(1);
        let (tx, rx) = channel(flavor);
        if full {
            prefill(flavor, &tx, &m0);
        }
        let tally = m.clone();
        let sender = thread::spawn(move || {
            let w = TestWake::new();
            let closed = tx.is_disconnected();
            let result = if async_send {
                block_on(&mut tx.send_async(tally.msg()), &w)
            } else {
                tx.send(tally.msg())
            };
            let sent = tally.sent_or_returned(result);
            assert!(
                !(closed && sent),
                "a send succeeded after is_disconnected()"
            );
            (sent, w)
        });
        drop(rx);
        let (sent, w) = sender.join().unwrap();
        if full || flavor == Rendezvous {
            assert!(!sent, "sent, yet no receiver took it and there was no room");
        }
        m.assert_dropped_once();
        if full && flavor == Bounded {
            m0.assert_dropped_once();
        }
        assert!(w.wakes() <= 1);
        TestWake::assert_released(&w, "W");
    });
}

flavors!(send_vs_receiver_drop(false, false):
    send_vs_receiver_drop_bounded => Bounded,
    send_vs_receiver_drop_unbounded => Unbounded,
    send_vs_receiver_drop_rendezvous => Rendezvous,
);

flavors!(send_vs_receiver_drop(false, true):
    send_async_vs_receiver_drop_bounded => Bounded,
    send_async_vs_receiver_drop_unbounded => Unbounded,
    send_async_vs_receiver_drop_rendezvous => Rendezvous,
);

flavors!(send_vs_receiver_drop(true, false):
    blocked_send_vs_receiver_drop_bounded_full => Bounded,
);

flavors!(send_vs_receiver_drop(true, true):
    blocked_send_async_vs_receiver_drop_bounded_full => Bounded,
);

/// A receive future, pending with waker A, is cancelled and then the last
/// receiver dropped, while another thread sends: the waiter entry is
/// withdrawn or passed over without a leak, the message comes back or is
/// dropped with the buffer, once.
fn cancelled_recv_then_receiver_drop_vs_send(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        let sender = thread::spawn(m.is_closed_then_send(tx));
        drop(fut);
        drop(rx);
        sender.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
    });
}

flavors!(cancelled_recv_then_receiver_drop_vs_send():
    cancelled_recv_then_receiver_drop_vs_send_bounded => Bounded,
    cancelled_recv_then_receiver_drop_vs_send_unbounded => Unbounded,
    cancelled_recv_then_receiver_drop_vs_send_rendezvous => Rendezvous,
);

/// Two receivers are dropped at once, on two threads, while a third sends:
/// whichever drop is the last closes the channel and drops the buffer; the
/// message is dropped once.
fn send_vs_two_receiver_drops(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let rx2 = rx.clone();
        let sender = thread::spawn(m.is_closed_then_send(tx));
        let other = thread::spawn(move || drop(rx2));
        drop(rx);
        other.join().unwrap();
        sender.join().unwrap();
        m.assert_dropped_once();
    });
}

flavors!(send_vs_two_receiver_drops():
    send_vs_two_receiver_drops_bounded => Bounded,
    send_vs_two_receiver_drops_rendezvous => Rendezvous,
);

// ----- 3. receive vs the last sender's drop -----

/// A sender blocks in `closed()` while another thread drops the last
/// receiver: the wait ends (a lost wake would be a loom deadlock), and a
/// send then fails with its message back.
fn closed_vs_receiver_drop(flavor: Flavor) {
    model(move || {
        let (tx, rx) = channel(flavor);
        let dropper = thread::spawn(move || drop(rx));
        tx.closed();
        let m = Tally::new(1);
        assert!(!m.sent_or_returned(tx.send(m.msg())));
        dropper.join().unwrap();
        m.assert_dropped_once();
    });
}

flavors!(closed_vs_receiver_drop():
    closed_vs_receiver_drop_bounded => Bounded,
    closed_vs_receiver_drop_unbounded => Unbounded,
    closed_vs_receiver_drop_rendezvous => Rendezvous,
);

/// A `closed_async` future waits with waker A while another thread drops
/// the last receiver: A is woken, the future is ready, and no waker is
/// kept.
fn closed_async_vs_receiver_drop(flavor: Flavor) {
    model(move || {
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut fut = tx.closed_async();
        register(&mut fut, &a);
        let dropper = thread::spawn(move || drop(rx));
        poll_until_woken_once(&mut fut, &a);
        drop(fut);
        dropper.join().unwrap();
        // At most once per poll that registered it (two polls).
        assert!(a.wakes() <= 2);
        TestWake::assert_released(&a, "A");
    });
}

flavors!(closed_async_vs_receiver_drop():
    closed_async_vs_receiver_drop_bounded => Bounded,
    closed_async_vs_receiver_drop_unbounded => Unbounded,
    closed_async_vs_receiver_drop_rendezvous => Rendezvous,
);

/// The last sender is dropped unsent while a thread blocks in `recv`: it
/// wakes to `RecvError`.
fn sender_drop_vs_blocking_recv(flavor: Flavor) {
    model(move || {
        let (tx, rx) = channel(flavor);
        let sender = thread::spawn(move || drop(tx));
        assert!(matches!(rx.recv(), Err(RecvError)));
        sender.join().unwrap();
    });
}

flavors!(sender_drop_vs_blocking_recv():
    sender_drop_vs_blocking_recv_bounded => Bounded,
    sender_drop_vs_blocking_recv_unbounded => Unbounded,
    sender_drop_vs_blocking_recv_rendezvous => Rendezvous,
);

/// The last sender is dropped unsent while a receive future waits with
/// waker A: A is woken, and the future ends with `RecvError`.
fn sender_drop_vs_await(flavor: Flavor) {
    model(move || {
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        let sender = thread::spawn(move || drop(tx));
        assert!(matches!(
            poll_until_woken_once(&mut fut, &a),
            Err(RecvError)
        ));
        drop(fut);
        sender.join().unwrap();
        assert!(a.wakes() <= 2);
        TestWake::assert_released(&a, "A");
    });
}

flavors!(sender_drop_vs_await():
    sender_drop_vs_await_bounded => Bounded,
    sender_drop_vs_await_unbounded => Unbounded,
    sender_drop_vs_await_rendezvous => Rendezvous,
);

/// Another thread `try_send`s and then drops the last sender while a
/// thread blocks in `recv`: the receiver gets the message if the try
/// succeeded (on a rendezvous, only by a hand-off to the blocked receiver,
/// which the close right after must not undo), `RecvError` if not.
fn try_send_then_sender_drop_vs_recv(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let tally = m.clone();
        let sender = thread::spawn(move || {
            let sent = match tx.try_send(tally.msg()) {
                Ok(()) => true,
                Err(TrySendError::Full(msg)) => {
                    tally.received(msg);
                    false
                }
                Err(TrySendError::Disconnected(_)) => panic!("the receiver is alive"),
            };
            drop(tx);
            sent
        });
        let got = value(rx.recv());
        let sent = sender.join().unwrap();
        assert!(sent || flavor == Rendezvous, "a buffered try_send failed");
        assert_eq!(got, sent.then_some(1), "try_send said {sent}");
        m.assert_dropped_once();
    });
}

flavors!(try_send_then_sender_drop_vs_recv():
    try_send_then_sender_drop_vs_recv_bounded => Bounded,
    try_send_then_sender_drop_vs_recv_unbounded => Unbounded,
    try_send_then_sender_drop_vs_recv_rendezvous => Rendezvous,
);

/// Of two senders, one sends and drops its handle and the other just
/// drops its handle, on two threads, while a thread blocks in `recv`: it
/// gets the message, and then `RecvError` once both are gone.
fn last_of_two_senders_drop_vs_recv(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let tx2 = tx.clone();
        let sender = thread::spawn(m.send_ok(tx));
        let other = thread::spawn(move || drop(tx2));
        m.expect(rx.recv());
        assert!(matches!(rx.recv(), Err(RecvError)));
        sender.join().unwrap();
        other.join().unwrap();
        m.assert_dropped_once();
    });
}

flavors!(last_of_two_senders_drop_vs_recv():
    last_of_two_senders_drop_vs_recv_bounded => Bounded,
    last_of_two_senders_drop_vs_recv_unbounded => Unbounded,
    last_of_two_senders_drop_vs_recv_rendezvous => Rendezvous,
);

// ----- 4. close vs a blocked sender -----

/// A thread sends on a full channel (bounded(1) holding m0, or a
/// rendezvous with no receiver) while the receiver closes the channel: no
/// receive makes room, so the send must fail with its own message back,
/// and what was buffered is still received after the close.
fn close_vs_blocked_send(flavor: Flavor) {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let tally = m1.clone();
        let sender = thread::spawn(move || tally.sent_or_returned(tx.send(tally.msg())));
        assert!(rx.close(), "nothing else closes the channel first");
        let sent = sender.join().unwrap();
        assert!(
            !sent,
            "a send into a full channel succeeded without a receive"
        );
        assert_eq!(drain_closed(&rx), prefilled(flavor));
        m1.assert_dropped_once();
    });
}

flavors!(close_vs_blocked_send():
    close_vs_blocked_send_bounded_full => Bounded,
    close_vs_blocked_send_rendezvous => Rendezvous,
);

/// A thread sends m1 on a full channel while another thread receives and
/// the main thread closes it (`Sender::close`). The send succeeds exactly
/// when m1 was delivered (received by that thread or buffered for the
/// drain after the close); otherwise m1 comes back. Never both, never lost.
fn close_vs_blocked_send_vs_recv(flavor: Flavor) {
    model_bounded(THREE_WAY_PREEMPTIONS, move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let closer = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tally.sent_or_returned(tx.send(tally.msg())));
        let rx2 = rx.clone();
        let receiver = thread::spawn(move || value(rx2.recv()));
        closer.close();
        let got = receiver.join().unwrap();
        let sent = sender.join().unwrap();
        let mut delivered: Vec<u32> = got.into_iter().collect();
        delivered.extend(drain_closed(&rx));
        let mut expected = prefilled(flavor);
        if sent {
            expected.push(1);
        }
        assert_eq!(delivered, expected, "send said {sent}");
        if flavor == Bounded {
            m0.assert_dropped_once();
        }
        m1.assert_dropped_once();
    });
}

flavors!(close_vs_blocked_send_vs_recv():
    close_vs_blocked_send_vs_recv_bounded_full => Bounded,
    close_vs_blocked_send_vs_recv_rendezvous => Rendezvous,
);

/// The two-thread counterpart of the model above: a thread sends m1 on a
/// full channel while the main thread takes one message if it can
/// (`try_recv`: m0, which moves m1 in if it waits; on a rendezvous, m1 if
/// its sender waits) and then closes the channel. The send succeeds
/// exactly when m1 was delivered (received, or buffered for the drain
/// after the close); otherwise m1 comes back.
fn try_recv_then_close_vs_blocked_send(flavor: Flavor) {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let tally = m1.clone();
        let sender = thread::spawn(move || tally.sent_or_returned(tx.send(tally.msg())));
        let mut delivered = Vec::new();
        match rx.try_recv() {
            Ok(msg) => delivered.push(msg.value()),
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => panic!("nothing closed the channel yet"),
        }
        rx.close();
        let sent = sender.join().unwrap();
        delivered.extend(drain_closed(&rx));
        let mut expected = prefilled(flavor);
        if sent {
            expected.push(1);
        }
        assert_eq!(delivered, expected, "send said {sent}");
        if flavor == Bounded {
            m0.assert_dropped_once();
        }
        m1.assert_dropped_once();
    });
}

flavors!(try_recv_then_close_vs_blocked_send():
    try_recv_then_close_vs_blocked_send_bounded_full => Bounded,
    try_recv_then_close_vs_blocked_send_rendezvous => Rendezvous,
);

/// A send future waits with waker A on a full channel while another thread
/// closes it (`Receiver::close`): A is woken, and the future ends with its
/// own message back.
fn close_vs_pending_send_future(flavor: Flavor) {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let mut fut = tx.send_async(m1.msg());
        register(&mut fut, &a);
        let closer = thread::spawn(move || {
            assert!(rx.close());
            rx
        });
        let sent = m1.sent_or_returned(poll_until_woken_once(&mut fut, &a));
        assert!(
            !sent,
            "a send into a full channel succeeded without a receive"
        );
        drop(fut);
        let rx = closer.join().unwrap();
        assert_eq!(drain_closed(&rx), prefilled(flavor));
        m1.assert_dropped_once();
        assert!(a.wakes() <= 2);
        TestWake::assert_released(&a, "A");
    });
}

flavors!(close_vs_pending_send_future():
    close_vs_pending_send_future_bounded_full => Bounded,
    close_vs_pending_send_future_rendezvous => Rendezvous,
);

// ----- 5. a cancelled receive vs the wake meant for it -----

/// A receive future waits with waker A, first in line; a thread then
/// blocks in `recv` on a clone of the receiver, and another thread sends
/// one message while the future is dropped. Whether the send's wake went
/// to the future or not, the blocked thread must get the message (a wake
/// the future was given passes on). A sender stays alive throughout, so
/// no close wakes anyone.
fn cancelled_recv_vs_send_passes_on_to_thread(flavor: Flavor) {
    model_bounded(THREE_WAY_PREEMPTIONS, move || {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        let rx2 = rx.clone();
        let tally = m.clone();
        let receiver = thread::spawn(move || tally.expect(rx2.recv()));
        let tx2 = tx.clone();
        let tally = m.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        drop(fut);
        receiver.join().unwrap();
        sender.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
        drop(tx);
    });
}

flavors!(cancelled_recv_vs_send_passes_on_to_thread():
    cancelled_recv_vs_send_passes_on_to_thread_bounded => Bounded,
    cancelled_recv_vs_send_passes_on_to_thread_unbounded => Unbounded,
    cancelled_recv_vs_send_passes_on_to_thread_rendezvous => Rendezvous,
);

/// The two-thread counterpart of the model above. Another thread polls a
/// receive future (waker A, pending), then a send future (waker W) on
/// clones of the handles, then drops the receive future (woken or not) and
/// drives the send to its end, while the main thread blocks in `recv`: it
/// gets the message, whichever receiver the send's wake went to.
fn dropped_recv_future_passes_on_to_thread(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let tally = m.clone();
        let other = thread::spawn(move || {
            let a = TestWake::new();
            let w = TestWake::new();
            let mut fut = rx2.recv_async();
            register(&mut fut, &a);
            let mut send = tx2.send_async(tally.msg());
            let first = poll_with(&mut send, &w);
            drop(fut);
            let sent = match first {
                Poll::Ready(sent) => sent,
                Poll::Pending => block_on(&mut send, &w),
            };
            assert!(sent.is_ok(), "the receiver is alive, yet the send failed");
            (a, w)
        });
        m.expect(rx.recv());
        let (a, w) = other.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 1);
        assert!(w.wakes() <= 2, "two polls registered W");
        drop((tx, rx));
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&w, "W");
    });
}

flavors!(dropped_recv_future_passes_on_to_thread():
    dropped_recv_future_passes_on_to_thread_bounded => Bounded,
    dropped_recv_future_passes_on_to_thread_unbounded => Unbounded,
    dropped_recv_future_passes_on_to_thread_rendezvous => Rendezvous,
);

/// Two receive futures wait, A's first and B's second; another thread
/// sends one message (a sender stays alive throughout). The send wakes A,
/// only A; A's future is then dropped unpolled: B must be woken, and its
/// next poll gets the message.
fn woken_recv_future_dropped_passes_on(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut first = rx.recv_async();
        register(&mut first, &a);
        let mut second = rx.recv_async();
        register(&mut second, &b);
        let tx2 = tx.clone();
        let tally = m.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        a.wait(0);
        assert_eq!(b.wakes(), 0, "one message woke two receivers");
        drop(first);
        assert_eq!(
            b.wakes(),
            1,
            "the cancelled receiver's wake was not passed on"
        );
        match poll_with(&mut second, &b) {
            Poll::Ready(got) => m.expect(got),
            Poll::Pending => panic!("woken by the pass-on, yet pending"),
        }
        drop(second);
        sender.join().unwrap();
        m.assert_dropped_once();
        assert_eq!(a.wakes(), 1);
        assert_eq!(b.wakes(), 1);
        drop((tx, rx));
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

flavors!(woken_recv_future_dropped_passes_on():
    woken_recv_future_dropped_passes_on_bounded => Bounded,
    woken_recv_future_dropped_passes_on_unbounded => Unbounded,
    woken_recv_future_dropped_passes_on_rendezvous => Rendezvous,
);

/// As above, but A's future is dropped while the send runs (before, during
/// or after its wake): B must be woken either way, and gets the message.
fn cancelled_recv_vs_send_passes_on_to_future(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut first = rx.recv_async();
        register(&mut first, &a);
        let mut second = rx.recv_async();
        register(&mut second, &b);
        let tx2 = tx.clone();
        let tally = m.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        drop(first);
        m.expect(poll_until_woken_once(&mut second, &b));
        drop(second);
        sender.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 1);
        assert!(b.wakes() <= 2);
        drop((tx, rx));
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

flavors!(cancelled_recv_vs_send_passes_on_to_future():
    cancelled_recv_vs_send_passes_on_to_future_bounded => Bounded,
    cancelled_recv_vs_send_passes_on_to_future_unbounded => Unbounded,
    cancelled_recv_vs_send_passes_on_to_future_rendezvous => Rendezvous,
);

// ----- 6. a cancelled send vs a receiver taking its message -----

/// A send future waits with waker A on a full channel (bounded(1) holding
/// m0, or a rendezvous); another thread receives until the end (blocking,
/// or awaiting with waker W if `async_recv`), while the future is dropped
/// and then the last sender: m1 is received exactly when the future did
/// not withdraw it, and dropped exactly once either way.
fn cancelled_send_vs_recv(flavor: Flavor, async_recv: bool) {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let mut fut = tx.send_async(m1.msg());
        register(&mut fut, &a);
        let receiver = thread::spawn(move || {
            let w = TestWake::new();
            let mut got = Vec::new();
            loop {
                let received = if async_recv {
                    block_on(&mut rx.recv_async(), &w)
                } else {
                    rx.recv()
                };
                match value(received) {
                    Some(v) => got.push(v),
                    None => return (got, w),
                }
            }
        });
        drop(fut);
        drop(tx);
        let (got, w) = receiver.join().unwrap();
        let mut without = prefilled(flavor);
        let withdrawn = got == without;
        without.push(1);
        assert!(withdrawn || got == without, "received {got:?}");
        if flavor == Bounded {
            m0.assert_dropped_once();
        }
        m1.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&w, "W");
    });
}

flavors!(cancelled_send_vs_recv(false):
    cancelled_send_vs_blocking_recv_bounded_full => Bounded,
    cancelled_send_vs_blocking_recv_rendezvous => Rendezvous,
);

/// A waiting send future is given up with `into_inner` while a thread
/// receives until the end: the message is either received (then
/// `into_inner` says `None`) or given back (`Some`), never both, never
/// neither.
fn into_inner_vs_recv(flavor: Flavor) {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let mut fut = tx.send_async(m1.msg());
        register(&mut fut, &a);
        let receiver = thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(v) = value(rx.recv()) {
                got.push(v);
            }
            got
        });
        let back = fut.into_inner();
        drop(tx);
        let got = receiver.join().unwrap();
        let mut without = prefilled(flavor);
        match back {
            Some(msg) => {
                assert_eq!(msg.value(), 1);
                assert_eq!(got, without, "given back, yet received");
            }
            None => {
                without.push(1);
                assert_eq!(got, without, "neither given back nor received");
            }
        }
        if flavor == Bounded {
            m0.assert_dropped_once();
        }
        m1.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
    });
}

flavors!(into_inner_vs_recv():
    into_inner_vs_recv_bounded_full => Bounded,
    into_inner_vs_recv_rendezvous => Rendezvous,
);

flavors!(cancelled_send_vs_recv(true):
    cancelled_send_vs_await_bounded_full => Bounded,
    cancelled_send_vs_await_rendezvous => Rendezvous,
);

// ----- 7. a rendezvous hand-off vs recv_timeout expiring -----
//
// loom has no clock: a timed park yields (`src/loom.rs`) and the real clock
// decides when a deadline has passed. A timed wait that registers and then
// waits is therefore a spin loop whose new stores keep loom exploring it
// while the other thread is starved, until "Model exceeded maximum number
// of branches" (or, with a deadline that a sleeping thread makes pass,
// until loom finds the run nondeterministic). So every deadline here has
// passed already (zero timeouts): under loom a blocking receive or send
// still registers once with such a deadline (`recv_slow` and `send_slow`
// skip their early return there), polls once, sees the deadline passed and
// withdraws, which races the other side's hand-off or take at exactly the
// point that matters.

/// A thread's zero `recv_timeout` on a rendezvous channel races another
/// thread's `try_send`, which succeeds only by handing the message to a
/// blocked receiver: a message handed off at the deadline must be
/// returned, so the receiver gets it exactly when the `try_send`
/// succeeded. Both handles stay alive here (no close ends the race), and
/// the main thread only joins.
#[test]
fn handoff_vs_recv_timeout_rendezvous() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = mpmc::rendezvous::<Msg>();
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let tally = m.clone();
        let sender = thread::spawn(move || match tx2.try_send(tally.msg()) {
            Ok(()) => true,
            Err(TrySendError::Full(msg)) => {
                tally.received(msg);
                false
            }
            Err(TrySendError::Disconnected(_)) => panic!("the receiver is alive"),
        });
        let receiver = thread::spawn(move || match rx2.recv_timeout(Duration::ZERO) {
            Ok(msg) => Some(msg.value()),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("a sender is alive"),
        });
        let got = receiver.join().unwrap();
        let sent = sender.join().unwrap();
        assert_eq!(got, sent.then_some(1), "try_send said {sent}");
        m.assert_dropped_once();
        drop((tx, rx));
    });
}

/// As above with a zero `send_timeout` on the sending side: the send
/// succeeds exactly when the receive got the message.
#[test]
fn send_timeout_vs_recv_timeout_rendezvous() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = mpmc::rendezvous::<Msg>();
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let tally = m.clone();
        let sender = thread::spawn(
            move || match tx2.send_timeout(tally.msg(), Duration::ZERO) {
                Ok(()) => true,
                Err(SendTimeoutError::Timeout(msg)) => {
                    tally.received(msg);
                    false
                }
                Err(SendTimeoutError::Disconnected(_)) => panic!("the receiver is alive"),
            },
        );
        let receiver = thread::spawn(move || match rx2.recv_timeout(Duration::ZERO) {
            Ok(msg) => Some(msg.value()),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("a sender is alive"),
        });
        let got = receiver.join().unwrap();
        let sent = sender.join().unwrap();
        assert_eq!(got, sent.then_some(1), "send_timeout said {sent}");
        m.assert_dropped_once();
        drop((tx, rx));
    });
}

/// A blocking send races a zero `recv_timeout` (both on threads of their
/// own); after a timeout, which may withdraw the receiver's entry while
/// the sender hands the message to it, a blocking `recv` gets the message
/// (a handed-off message lost at the deadline would leave it blocked for
/// ever, with the send returned `Ok`).
fn send_vs_recv_timeout_then_recv(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let tally = m.clone();
        let sender = thread::spawn(m.send_ok(tx));
        let receiver = thread::spawn(move || match rx.recv_timeout(Duration::ZERO) {
            Ok(msg) => tally.received(msg),
            Err(RecvTimeoutError::Timeout) => tally.expect(rx.recv()),
            Err(RecvTimeoutError::Disconnected) => panic!("a sending sender reported gone"),
        });
        receiver.join().unwrap();
        sender.join().unwrap();
        m.assert_dropped_once();
    });
}

flavors!(send_vs_recv_timeout_then_recv():
    send_vs_recv_timeout_then_recv_bounded => Bounded,
    send_vs_recv_timeout_then_recv_unbounded => Unbounded,
    send_vs_recv_timeout_then_recv_rendezvous => Rendezvous,
);

// ----- 8. two senders vs one receiver, a waiting sender moved in -----

/// Two threads send m1 and m2 on a full channel (bounded(1) holding m0, or
/// a rendezvous), blocking; the main thread receives until the end. Each
/// receive on the bounded channel moves a waiting sender's message into the
/// room it made. Everything is received once, m0 first.
fn two_blocked_senders_vs_recv(flavor: Flavor) {
    model_bounded(THREE_WAY_PREEMPTIONS, move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let first = thread::spawn(m1.send_ok(tx.clone()));
        let second = thread::spawn(m2.send_ok(tx));
        let mut got: Vec<u32> = rx.iter().map(|msg| msg.value()).collect();
        first.join().unwrap();
        second.join().unwrap();
        let mut expected = prefilled(flavor);
        assert_eq!(got[..expected.len()], expected[..], "m0 is not first");
        got.sort_unstable();
        expected.extend([1, 2]);
        assert_eq!(got, expected);
        if flavor == Bounded {
            m0.assert_dropped_once();
        }
        m1.assert_dropped_once();
        m2.assert_dropped_once();
    });
}

flavors!(two_blocked_senders_vs_recv():
    two_blocked_senders_vs_recv_bounded_full => Bounded,
    two_blocked_senders_vs_recv_rendezvous => Rendezvous,
);

/// The two-thread counterpart of the model above, and first come first
/// served: on a full channel, a send future for m2 waits (waker B) before
/// a thread starts a blocking send of m1; the main thread then receives
/// until both are through: m0 (if buffered), m2, m1, in that order. The
/// future is never polled during the receives: its message is moved in
/// (bounded) or taken from it (rendezvous) all the same, and its next
/// poll, after its one wake, completes it.
fn send_future_and_blocked_send_vs_recv_fifo(flavor: Flavor) {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let b = TestWake::new();
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let mut fut = tx.send_async(m2.msg());
        register(&mut fut, &b);
        let sender = thread::spawn(m1.send_ok(tx.clone()));
        let mut expected = prefilled(flavor);
        expected.extend([2, 1]);
        for want in expected {
            assert_eq!(value(rx.recv()), Some(want), "out of order");
        }
        assert_eq!(b.wakes(), 1, "a completed waiting send was not woken once");
        match poll_with(&mut fut, &b) {
            Poll::Ready(sent) => assert!(sent.is_ok()),
            Poll::Pending => panic!("its message was received, yet the send is pending"),
        }
        drop(fut);
        sender.join().unwrap();
        drop(tx);
        assert!(matches!(rx.recv(), Err(RecvError)));
        if flavor == Bounded {
            m0.assert_dropped_once();
        }
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        TestWake::assert_released(&b, "B");
    });
}

flavors!(send_future_and_blocked_send_vs_recv_fifo():
    send_future_and_blocked_send_vs_recv_fifo_bounded_full => Bounded,
    send_future_and_blocked_send_vs_recv_fifo_rendezvous => Rendezvous,
);

/// On a bounded(1) channel holding m0, a thread polls a send future for m1
/// (waker A) and then one for m2 (waker B), and drives both to the end,
/// while the main thread receives three times: it gets m0, m1, m2 in that
/// order (the first waiting sender is moved in first), and each future
/// completes `Ok`.
#[test]
fn send_futures_moved_in_fifo_bounded() {
    model(|| {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        tx.try_send(m0.msg()).unwrap();
        let (t1, t2) = (m1.clone(), m2.clone());
        let sender = thread::spawn(move || {
            let a = TestWake::new();
            let b = TestWake::new();
            let mut f1 = tx.send_async(t1.msg());
            let mut f2 = tx.send_async(t2.msg());
            let p1 = poll_with(&mut f1, &a);
            let p2 = poll_with(&mut f2, &b);
            for (poll, fut, waker) in [(p1, &mut f1, &a), (p2, &mut f2, &b)] {
                let sent = match poll {
                    Poll::Ready(sent) => sent,
                    Poll::Pending => block_on(fut, waker),
                };
                assert!(sent.is_ok(), "the receiver is alive, yet the send failed");
            }
            (a, b)
        });
        for expected in 0..3 {
            assert_eq!(value(rx.recv()), Some(expected), "out of order");
        }
        let (a, b) = sender.join().unwrap();
        assert!(matches!(rx.recv(), Err(RecvError)));
        m0.assert_dropped_once();
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        assert!(a.wakes() <= 2);
        assert!(b.wakes() <= 2);
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

// ----- 9. the fast paths vs each other and their fall-backs -----

/// The call-free fast paths of `try_send` and `try_recv` (the lock taken
/// with one compare-and-swap; a ring with nobody listed on the other side:
/// push or pop at once) race each other and their fall-backs out of line
/// (the lock held by the other side, a full `bounded(1)`, an empty ring).
/// Each side tries once per message and, refused, falls back to a
/// blocking call (loom cannot explore a spin): two messages arrive, once
/// each and in order.
fn fast_try_send_vs_try_recv(flavor: Flavor) {
    model(move || {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let (tx, rx) = channel(flavor);
        let msgs = [m1.msg(), m2.msg()];
        let sender = thread::spawn(move || {
            for msg in msgs {
                match tx.try_send(msg) {
                    Ok(()) => {}
                    Err(TrySendError::Full(msg)) => {
                        assert!(tx.send(msg).is_ok(), "the receiver is alive");
                    }
                    Err(err) => panic!("the receiver is alive: {err:?}"),
                }
            }
        });
        let mut got = Vec::new();
        while got.len() < 2 {
            match rx.try_recv() {
                Ok(msg) => got.push(msg.value()),
                Err(TryRecvError::Empty) => got.push(value(rx.recv()).expect("a message")),
                Err(TryRecvError::Disconnected) => panic!("disconnected before both came"),
            }
        }
        assert_eq!(got, [1, 2]);
        sender.join().unwrap();
        m1.assert_dropped_once();
        m2.assert_dropped_once();
    });
}

flavors!(fast_try_send_vs_try_recv():
    fast_try_send_vs_try_recv_bounded => Bounded,
    fast_try_send_vs_try_recv_unbounded => Unbounded,
);

/// A blocking receive's fast path vs a sender listing itself on a full
/// `bounded(1)`: with the sender listed, the pop must not take the fast
/// path (it moves the sender's message in, and finishes it); without, it
/// may, and the sender's locked retry finds the room. Both messages come
/// in order, and the blocked sender returns.
#[test]
fn fast_recv_vs_blocked_send_bounded() {
    model(|| {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let (tx, rx) = channel(Bounded);
        prefill(Bounded, &tx, &m0);
        let sender = thread::spawn(m1.send_ok(tx));
        m0.expect(rx.recv());
        m1.expect(rx.recv());
        sender.join().unwrap();
        m0.assert_dropped_once();
        m1.assert_dropped_once();
    });
}

/// A send future's first poll (its fast path) vs a receive future's first
/// poll on another thread, each driven to the end with its own waker.
fn fast_send_future_vs_recv_future(flavor: Flavor) {
    model(move || {
        let m = Tally::new(1);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, rx) = channel(flavor);
        let msg = m.msg();
        let b_sender = b.clone();
        let sender = thread::spawn(move || {
            assert!(block_on(&mut tx.send_async(msg), &b_sender).is_ok());
        });
        m.expect(block_on(&mut rx.recv_async(), &a));
        sender.join().unwrap();
        m.assert_dropped_once();
        drop(rx);
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

flavors!(fast_send_future_vs_recv_future():
    fast_send_future_vs_recv_future_bounded => Bounded,
    fast_send_future_vs_recv_future_unbounded => Unbounded,
);

// ----- the spare entry of a side, shared by waits on two threads -----

/// A first wait leaves the receivers' spare entry; then a receive future
/// (waker A) and a thread blocked in `recv` wait at once, so one of them
/// takes the spare and the other makes an entry, while the main thread
/// sends two messages. Each message arrives once, to one of the two, and
/// every entry, the spare included, is freed exactly once (the model's
/// leak check). (Not a rendezvous: its second send would wait for a
/// receive that only this thread can poll.)
fn two_waits_share_the_spare(flavor: Flavor) {
    model(move || {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let (tx, rx) = channel(flavor);
        let a = TestWake::new();
        register(&mut rx.recv_async(), &a);
        let rx2 = rx.clone();
        let other = thread::spawn(move || rx2.recv().map(|msg| msg.value()));
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        tx.send(m1.msg()).unwrap();
        tx.send(m2.msg()).unwrap();
        let here = block_on(&mut fut, &a).unwrap().value();
        drop(fut);
        let there = other.join().unwrap().unwrap();
        let mut got = [here, there];
        got.sort_unstable();
        assert_eq!(got, [1, 2], "each message once");
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        drop((tx, rx));
        TestWake::assert_released(&a, "A");
    });
}

flavors!(two_waits_share_the_spare():
    two_waits_share_the_spare_bounded => Bounded,
    two_waits_share_the_spare_unbounded => Unbounded,
);

// ----- the checks themselves -----

/// The counting allocator sees the allocations that hold messages (else
/// the leak check of [`model`] would pass vacuously): the bounded ring and
/// each waiter entry (kept as its side's spare once the wait is over, and
/// taken again by the next wait, until the channel goes).
#[test]
fn allocation_counting_sees_ring_and_entries() {
    model(|| {
        let before = live_cores();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        assert_eq!(live_cores(), before + 1, "the ring");
        let a = TestWake::new();
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        assert_eq!(live_cores(), before + 2, "the ring and an entry");
        drop(fut);
        assert_eq!(
            live_cores(),
            before + 2,
            "the entry is kept as the receivers' spare, for the next wait"
        );
        // The next wait takes it: nothing more is allocated.
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        assert_eq!(live_cores(), before + 2, "the spare entry, reused");
        drop(fut);
        drop((tx, rx));
        assert_eq!(live_cores(), before);
        TestWake::assert_released(&a, "A");
    });
}

// ----- a panicking waker between taking a message and handing it over -----

/// A bounded(1) channel holds m0 and a send future of m1 waits, polled
/// with a waker whose wake panics (user code). Two receivers race on two
/// threads: the one that takes m0 moves m1 in and wakes the sender, which
/// panics (caught); m0 goes back to the front of the channel instead of
/// being lost with the unwinding, while the other receiver may take m1 or
/// m0 meanwhile. Whatever the interleaving, m0 and m1 are each received
/// exactly once (the rest is drained at the end), and the send completed.
/// The same with a rendezvous, where m1 alone waits with its sender.
fn receive_vs_receive_waking_a_panicking_sender(flavor: Flavor) {
    model(move || {
        let (m0, m1) = (Tally::new(0), Tally::new(1));
        let (tx, rx) = channel(flavor);
        prefill(flavor, &tx, &m0);
        let mut send = tx.send_async(m1.msg());
        let waker = std::task::Waker::from(std::sync::Arc::new(PanicOnWake));
        assert!(poll_once(&mut send, &waker).is_pending());
        drop(waker);
        let rx2 = rx.clone();
        let other = thread::spawn(move || catch(|| rx2.try_recv().ok().map(|m| m.value())));
        let mut got: Vec<u32> = catch(|| rx.try_recv().ok().map(|m| m.value()))
            .flatten()
            .into_iter()
            .collect();
        got.extend(other.join().unwrap().flatten());
        while let Ok(msg) = rx.try_recv() {
            got.push(msg.value());
        }
        got.sort_unstable();
        let expected = if flavor == Bounded {
            vec![0, 1]
        } else {
            vec![1]
        };
        assert_eq!(got, expected, "each message received exactly once");
        assert!(matches!(
            poll_with(&mut send, &TestWake::new()),
            Poll::Ready(Ok(()))
        ));
        drop(send);
        drop((tx, rx));
        m1.assert_dropped_once();
        if flavor == Bounded {
            m0.assert_dropped_once();
        }
    });
}

flavors!(receive_vs_receive_waking_a_panicking_sender():
    receive_vs_receive_waking_a_panicking_sender_bounded => Bounded,
    receive_vs_receive_waking_a_panicking_sender_rendezvous => Rendezvous,
);

// ----- permits -----

/// A thread blocks sending m1 on a `bounded(1)` channel whose one slot a
/// permit holds, while the main thread uses the permit (sends m0) or drops
/// it unused: the slot a drop frees goes to the waiting sender, and a
/// receive frees one for it after a send. Both messages, in order.
fn permit_vs_waiting_sender(use_it: bool) {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let (tx, rx) = mpmc::bounded(1);
        let permit = tx.try_reserve().unwrap();
        let tally = m1.clone();
        let tx2 = tx.clone();
        let sender = thread::spawn(move || assert!(tally.sent_or_returned(tx2.send(tally.msg()))));
        let expected = if use_it {
            permit.send(m0.msg());
            vec![0, 1]
        } else {
            drop(permit);
            vec![1]
        };
        let got = vec![value(rx.recv()).unwrap()];
        sender.join().unwrap();
        drop(tx);
        let mut got = got;
        got.extend(drain_closed(&rx));
        assert_eq!(got, expected);
        m1.assert_dropped_once();
        if use_it {
            m0.assert_dropped_once();
        }
    });
}

#[test]
fn permit_send_vs_waiting_sender() {
    permit_vs_waiting_sender(true);
}

#[test]
fn permit_drop_vs_waiting_sender() {
    permit_vs_waiting_sender(false);
}

/// A thread blocks in `reserve` on a full `bounded(1)` channel, then sends
/// m1 with the permit, while the main thread receives until the end: the
/// receive that frees the slot grants it, and the end comes only after m1.
fn blocked_reserve_vs_recv() {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(m0.msg()).unwrap();
        let tally = m1.clone();
        let reserver = thread::spawn(move || tx.reserve().unwrap().send(tally.msg()));
        let mut got = Vec::new();
        while let Some(v) = value(rx.recv()) {
            got.push(v);
        }
        reserver.join().unwrap();
        assert_eq!(got, [0, 1]);
        m0.assert_dropped_once();
        m1.assert_dropped_once();
    });
}

#[test]
fn blocked_reserve_vs_recv_bounded() {
    blocked_reserve_vs_recv();
}

/// A permit taken before `close` sends m1 from another thread while the
/// main thread receives until the end: it gets m1, then the end (never the
/// end first: the permit still counts).
#[test]
fn permit_send_after_close_vs_recv() {
    model(move || {
        let m1 = Tally::new(1);
        let (tx, rx) = mpmc::bounded(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        assert!(tx.close());
        drop(tx);
        let tally = m1.clone();
        let sender = thread::spawn(move || drop(permit.send(tally.msg())));
        assert_eq!(value(rx.recv()), Some(1));
        assert_eq!(value(rx.recv()), None);
        sender.join().unwrap();
        m1.assert_dropped_once();
    });
}

/// A waiting reserve future (waker A) is dropped while another thread
/// receives, which may grant it the slot: whatever it was granted goes
/// back, so the slot is free for a `try_send` afterwards.
#[test]
fn cancelled_reserve_vs_recv() {
    model(move || {
        let m0 = Tally::new(0);
        let m1 = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(m0.msg()).unwrap();
        let mut fut = tx.reserve_async();
        register(&mut fut, &a);
        let receiver = thread::spawn(move || {
            let got = value(rx.recv());
            (got, rx)
        });
        drop(fut);
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, Some(0));
        assert!(tx.try_send(m1.msg()).is_ok(), "the slot was given back");
        assert_eq!(value(rx.recv()), Some(1));
        TestWake::assert_released(&a, "A");
        m0.assert_dropped_once();
        m1.assert_dropped_once();
    });
}

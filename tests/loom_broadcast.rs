//! Loom models of `broadcast`: every racing pair of operations, on both
//! policies (`channel(cap)`: backpressure, `lagging(cap)`: the oldest
//! message is overwritten), with blocking calls on loom threads and async
//! futures polled by hand with counting test wakers.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_broadcast`.
//!
//! The racing pairs: send vs receive; a sender waiting for room vs the
//! slow receiver's drop, and vs a receive that moves its message in; a
//! receiver's drop vs another receiver cloning the last message the
//! dropped one had to read (`ORPHANED`); send vs subscribe; two receivers reading one message at once (one clones it,
//! the other waits for the clone and moves it out); lag accounting; a
//! lagging send overwriting a message that a receiver is cloning; close vs
//! a blocked receiver and vs a blocked sender; a cancelled receive future
//! vs the send that notifies it; a cancelled send future vs a receive that
//! frees room; a receiver's clone vs a send; a panicking clone (the read
//! undone) vs a receiver's drop and vs an overwrite; a sender waiting in
//! `closed` (blocking or async) vs the last receiver's drop.
//!
//! Every model also checks, per explored execution (see `loom_support`):
//!
//! * what each receiver read, in order, and what each send returned;
//! * that every copy of every message (the original, and each clone a
//!   receiver made) is dropped exactly once, and how many clones were made:
//!   a message read by `n` receivers is cloned `n - 1` times, the last
//!   reader moving it out (a cloneable counting message whose counters are
//!   made afresh in every execution; a second drop of a copy panics at
//!   once);
//! * that no wake-up is lost: a blocked thread that is never woken is a
//!   loom deadlock, and a future is polled again only once its test waker
//!   has been woken (a wake that never comes makes loom give up on the
//!   spinning execution);
//! * that the test wakers are not leaked: every clone the channel keeps is
//!   a strong reference of the waker's `Arc`;
//! * that every allocation that holds messages (each message slot, each
//!   waiter entry) is freed exactly once, and not used after that (the
//!   shared counting, poisoning global allocator: the message type's
//!   alignment marks them).
//!
//! The models in which three threads may contend for the channel's lock at
//! once explore at most one preemption (`loom_support::model_bounded` says
//! why); each of them has a two-thread counterpart under the full bound.
//!
//! A thread that made a timed receive or send joins nothing (loom 0.7 lets
//! a late unpark break a `join`, tokio-rs/loom#249): the main thread, which
//! never waits on the channel in those models, does the joining. Their
//! deadlines have passed already (zero timeouts), as in `loom_mpmc.rs`.
//!
//! Everything below these docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]

mod loom_support;

use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use loom::thread;
use loom_support::{
    block_on, live_cores, model, model_bounded, poll_until_woken_once, poll_with, register,
    CloneMsg, CloneTally, TestWake,
};
use tidings::broadcast::{self, Receiver, RecvError, RecvTimeoutError, Sender, TryRecvError};
use tidings::{SendError, SendTimeoutError, TrySendError};

// ----- policies and helpers -----

/// The preemption bound of the models in which three threads may be in
/// the channel's lock or waiting for it at once; see
/// [`loom_support::model_bounded`] for why. Each of them has a two-thread
/// counterpart that runs under the full bound.
const THREE_WAY_PREEMPTIONS: usize = 1;

/// What a full channel does with a send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    /// `broadcast::channel`: the send waits for room.
    Backpressure,
    /// `broadcast::lagging`: the send overwrites the oldest message.
    Lagging,
}

use Policy::{Backpressure, Lagging};

type Tx = Sender<CloneMsg>;
type Rx = Receiver<CloneMsg>;

fn channel(policy: Policy, cap: usize) -> (Tx, Rx) {
    match policy {
        Backpressure => broadcast::channel(cap),
        Lagging => broadcast::lagging(cap),
    }
}

/// One `#[test]` per policy for a model taking a [`Policy`] (and more
/// arguments, if given).
macro_rules! policies {
    ($model:ident $args:tt: $($test:ident => $policy:expr),+ $(,)?) => {$(
        #[test]
        fn $test() {
            policies!(@call $model, $policy, $args);
        }
    )+};
    (@call $model:ident, $policy:expr, ($($arg:expr),*)) => {
        $model($policy $(, $arg)*)
    };
}

/// A receive's outcome with the message's value (the message is dropped).
fn value(got: Result<CloneMsg, RecvError>) -> Result<u32, RecvError> {
    got.map(|msg| msg.value())
}

/// A `try_recv`'s outcome with the message's value (the message is
/// dropped).
fn try_value(got: Result<CloneMsg, TryRecvError>) -> Result<u32, TryRecvError> {
    got.map(|msg| msg.value())
}

/// Receives until the channel says `Disconnected`: blocking, or, with
/// `waker`, awaiting receive futures driven by [`block_on`]. Returns what
/// each receive gave (values and lags), the end left out.
fn recv_until_end(rx: &mut Rx, waker: Option<&Arc<TestWake>>) -> Vec<Result<u32, RecvError>> {
    let mut got = Vec::new();
    loop {
        let received = match waker {
            None => rx.recv(),
            Some(waker) => block_on(&mut rx.recv_async(), waker),
        };
        match value(received) {
            Err(RecvError::Disconnected) => return got,
            other => got.push(other),
        }
    }
}

/// Receives with `try_recv` until the channel says `Disconnected`; returns
/// the values and lags, the end left out. The channel is closed, so
/// `Empty` only means that another receiver is cloning the next message
/// (`try_recv` never waits for that): yield and look again.
fn drain_closed(rx: &mut Rx) -> Vec<Result<u32, TryRecvError>> {
    let mut got = Vec::new();
    loop {
        match try_value(rx.try_recv()) {
            Err(TryRecvError::Disconnected) => return got,
            Err(TryRecvError::Empty) => thread::yield_now(),
            other => got.push(other),
        }
    }
}

/// `try_recv` until it finds something other than `Empty`, which, with
/// the message sent already, means that another receiver is cloning it
/// (`try_recv` never waits for that): yield and look again.
fn try_recv_spinning(rx: &mut Rx) -> Result<u32, TryRecvError> {
    loop {
        match try_value(rx.try_recv()) {
            Err(TryRecvError::Empty) => thread::yield_now(),
            other => return other,
        }
    }
}

/// Sends `msg` with `tx`: blocking, or, with `waker`, as a send future
/// driven by [`block_on`].
#[allow(clippy::result_large_err)]
fn send_with(
    tx: &Tx,
    msg: CloneMsg,
    waker: Option<&Arc<TestWake>>,
) -> Result<(), SendError<CloneMsg>> {
    match waker {
        None => tx.send(msg),
        Some(waker) => block_on(&mut tx.send_async(msg), waker),
    }
}

/// A fresh test waker if `on`: for the models that run a blocking and an
/// async variant.
fn waker_if(on: bool) -> Option<Arc<TestWake>> {
    on.then(TestWake::new)
}

/// Asserts that a receiver of messages `1..=sent` (sent in that order, on
/// a lagging channel) accounted for every one of them, in order: each is
/// either read, or counted in exactly one `Lagged(n)` reported in its place
/// (two lags in a row are two overwrites, each after the last receive),
/// and the last one is read.
fn assert_accounted(got: &[Result<u32, RecvError>], sent: u32) {
    let mut next = 1;
    for event in got {
        match *event {
            Ok(value) => {
                assert_eq!(value, next, "out of order: {got:?}");
                next += 1;
            }
            Err(RecvError::Lagged(missed)) => {
                assert!(missed > 0, "a lag of nothing: {got:?}");
                next += u32::try_from(missed).unwrap();
            }
            Err(RecvError::Disconnected) => panic!("the end is not an event: {got:?}"),
        }
    }
    assert_eq!(next, sent + 1, "messages unaccounted for: {got:?}");
    assert_eq!(got.last(), Some(&Ok(sent)), "the last message was not read");
}

// ----- 1. send vs receive -----

/// A thread sends m1 and then drops the last sender, closing the channel,
/// while the main thread blocks in `recv`: it reads m1, then sees the end.
/// With one receiver, m1 is moved out, never cloned.
fn send_vs_blocking_recv(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = channel(policy, 1);
        let tally = m1.clone();
        let sender = thread::spawn(move || tx.send(tally.msg()).unwrap());
        assert_eq!(value(rx.recv()), Ok(1));
        assert_eq!(value(rx.recv()), Err(RecvError::Disconnected));
        sender.join().unwrap();
        m1.assert_cloned_and_dropped(0);
    });
}

policies!(send_vs_blocking_recv():
    send_vs_blocking_recv_backpressure => Backpressure,
    send_vs_blocking_recv_lagging => Lagging,
);

/// A receive future, pending with waker A, races a send from another
/// thread, which then drops the last sender: A is woken, and the poll after
/// it reads m1; a second future, awaited with waker B, ends with
/// `Disconnected`.
fn send_vs_await(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, mut rx) = channel(policy, 1);
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        let tally = m1.clone();
        let sender = thread::spawn(move || tx.send(tally.msg()).unwrap());
        m1.expect(poll_until_woken_once(&mut fut, &a));
        drop(fut);
        assert_eq!(
            value(block_on(&mut rx.recv_async(), &b)),
            Err(RecvError::Disconnected)
        );
        sender.join().unwrap();
        m1.assert_cloned_and_dropped(0);
        assert!(a.wakes() <= 2, "two registrations, woken {}", a.wakes());
        assert!(b.wakes() <= 2, "two registrations, woken {}", b.wakes());
        drop(rx);
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

policies!(send_vs_await():
    send_vs_await_backpressure => Backpressure,
    send_vs_await_lagging => Lagging,
);

/// On a channel of capacity 1 holding m0, a thread sends m1 (blocking, or
/// a send future driven with waker W if `async_send`; it waits for room,
/// or overwrites m0 on a lagging channel) and drops the last sender, while
/// the main thread receives until the end (blocking, or awaiting with
/// waker A if `async_recv`). It reads m0 and m1 (backpressure: nothing is
/// lost), or, lagging, m0 and m1 or `Lagged(1)` and m1.
fn send_full_vs_recv(policy: Policy, async_send: bool, async_recv: bool) {
    model(move || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let a = waker_if(async_recv);
        let (tx, mut rx) = channel(policy, 1);
        tx.try_send(m0.msg()).unwrap();
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            let w = waker_if(async_send);
            send_with(&tx, tally.msg(), w.as_ref()).unwrap();
            w
        });
        let got = recv_until_end(&mut rx, a.as_ref());
        let w = sender.join().unwrap();
        let lagged = [Err(RecvError::Lagged(1)), Ok(1)];
        assert!(
            got == [Ok(0), Ok(1)] || (policy == Lagging && got == lagged),
            "received {got:?}"
        );
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
        drop(rx);
        for (waker, name) in [(a, "A"), (w, "W")] {
            if let Some(waker) = waker {
                TestWake::assert_released(&waker, name);
            }
        }
    });
}

policies!(send_full_vs_recv(false, false):
    send_full_vs_blocking_recv_backpressure => Backpressure,
    send_full_vs_blocking_recv_lagging => Lagging,
);

policies!(send_full_vs_recv(true, false):
    send_async_full_vs_blocking_recv_backpressure => Backpressure,
    send_async_full_vs_blocking_recv_lagging => Lagging,
);

policies!(send_full_vs_recv(false, true):
    send_full_vs_await_backpressure => Backpressure,
    send_full_vs_await_lagging => Lagging,
);

policies!(send_full_vs_recv(true, true):
    send_async_full_vs_await_backpressure => Backpressure,
    send_async_full_vs_await_lagging => Lagging,
);

// ----- 2. a waiting sender vs the slow receiver's drop -----

/// A sender blocks in `closed()` while another thread drops the last
/// receiver: the wait ends (a lost wake would be a loom deadlock), and a
/// send then fails with its message back.
fn closed_vs_receiver_drop(policy: Policy) {
    model(move || {
        let (tx, rx) = channel(policy, 1);
        let dropper = thread::spawn(move || drop(rx));
        tx.closed();
        let m = CloneTally::new(1);
        assert!(!m.sent_or_returned(tx.send(m.msg())));
        dropper.join().unwrap();
        m.assert_all_dropped();
    });
}

policies!(closed_vs_receiver_drop():
    closed_vs_receiver_drop_backpressure => Backpressure,
    closed_vs_receiver_drop_lagging => Lagging,
);

/// A `closed_async` future waits with waker A while another thread drops
/// the last receiver: A is woken, the future is ready, and no waker is
/// kept.
fn closed_async_vs_receiver_drop(policy: Policy) {
    model(move || {
        let a = TestWake::new();
        let (tx, rx) = channel(policy, 1);
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

policies!(closed_async_vs_receiver_drop():
    closed_async_vs_receiver_drop_backpressure => Backpressure,
    closed_async_vs_receiver_drop_lagging => Lagging,
);

/// Backpressure, capacity 1: m0 has been read by `fast` (cloned: `slow`
/// has yet to read it) but not by `slow`, so a thread's send of m1
/// (blocking, or a send future with waker W) waits, while the main thread
/// drops `slow` and then receives with `fast`. The drop drops m0 and
/// frees the room: the send completes, and `fast` reads m1 (moved out: it
/// is the only reader), then the end.
fn waiting_send_vs_slow_receiver_drop(async_send: bool) {
    model(move || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut fast) = broadcast::channel(1);
        let slow = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        assert_eq!(try_value(fast.try_recv()), Ok(0));
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            let w = waker_if(async_send);
            send_with(&tx, tally.msg(), w.as_ref()).unwrap();
            w
        });
        drop(slow);
        assert_eq!(value(fast.recv()), Ok(1));
        let w = sender.join().unwrap();
        assert_eq!(value(fast.recv()), Err(RecvError::Disconnected));
        m0.assert_cloned_and_dropped(1);
        m1.assert_cloned_and_dropped(0);
        if let Some(w) = w {
            assert!(w.wakes() <= 1);
            TestWake::assert_released(&w, "W");
        }
    });
}

#[test]
fn blocked_send_vs_slow_receiver_drop() {
    waiting_send_vs_slow_receiver_drop(false);
}

#[test]
fn send_future_vs_slow_receiver_drop() {
    waiting_send_vs_slow_receiver_drop(true);
}

/// Backpressure, capacity 1, holding m0 for `slow`, the only receiver: a
/// thread's send of m1 (blocking, or a send future with waker W) waits (or
/// finds the channel without receivers) while the main thread drops
/// `slow`: the send fails with m1 back, undropped, and m0 is dropped with
/// `slow`.
fn waiting_send_vs_last_receiver_drop(async_send: bool) {
    model(move || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, slow) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            let w = waker_if(async_send);
            let sent = tally.sent_or_returned(send_with(&tx, tally.msg(), w.as_ref()));
            assert!(tx.is_disconnected());
            (sent, w)
        });
        drop(slow);
        let (sent, w) = sender.join().unwrap();
        assert!(!sent, "sent into a full channel that no receiver read");
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
        if let Some(w) = w {
            assert!(w.wakes() <= 1);
            TestWake::assert_released(&w, "W");
        }
    });
}

#[test]
fn blocked_send_vs_last_receiver_drop() {
    waiting_send_vs_last_receiver_drop(false);
}

#[test]
fn send_future_vs_last_receiver_drop() {
    waiting_send_vs_last_receiver_drop(true);
}

/// Backpressure, capacity 1, holding m0 for `fast` and `slow`: a send
/// future for m1 waits (waker W), its message in its entry. A thread reads
/// m0 with `fast` (a clone: `slow` has yet to read it; the slot is marked
/// busy meanwhile) while the main thread drops `slow`. Whichever finishes
/// last with m0 (the drop, or the clone finding every other reader gone)
/// drops it and moves m1 in (if `slow` was gone before the read, `fast`
/// moves m0 out and m1 in itself): W is woken once, the future completes without
/// being polled in between, and `fast` reads m1, moved out.
#[test]
fn slow_receiver_drop_vs_clone_frees_room() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let w = TestWake::new();
        let (tx, mut fast) = broadcast::channel(1);
        let slow = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        let mut fut = tx.send_async(m1.msg());
        register(&mut fut, &w);
        let reader = thread::spawn(move || {
            assert_eq!(try_value(fast.try_recv()), Ok(0));
            fast
        });
        drop(slow);
        let mut fast = reader.join().unwrap();
        assert_eq!(w.wakes(), 1, "the moved-in send was not woken once");
        match poll_with(&mut fut, &w) {
            Poll::Ready(sent) => assert!(sent.is_ok(), "the send failed"),
            Poll::Pending => panic!("its message was moved in, yet the send is pending"),
        }
        drop(fut);
        assert_eq!(try_value(fast.try_recv()), Ok(1));
        assert_eq!(tx.len(), 0);
        drop((tx, fast));
        // Cloned if `fast` read it while `slow` was there, else moved out.
        assert!(m0.clones() <= 1);
        m0.assert_all_dropped();
        m1.assert_cloned_and_dropped(0);
        TestWake::assert_released(&w, "W");
    });
}

/// Three receivers of m0, of which `rx3` has read it already (a clone). A
/// thread reads m0 with `rx1` (a clone: the slot is busy meanwhile) while
/// the main thread drops `rx2`, its last other reader (which, if the slot
/// is busy, leaves m0 to the cloner to drop: `ORPHANED`), and then `rx3`,
/// which has nothing left to read but releases done messages. Once the
/// thread is done, every copy of m0 must have been dropped, the channel
/// still open: a message that no receiver will read is dropped at once
/// (and never inside the lock, when its slot is reused). A send after
/// that reuses the slot for m1, which `rx1` reads.
fn orphaned_clone_vs_receiver_drops(policy: Policy) {
    model(move || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx1) = channel(policy, 1);
        let rx2 = tx.subscribe();
        let mut rx3 = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        assert_eq!(try_value(rx3.try_recv()), Ok(0));
        let reader = thread::spawn(move || {
            let got = try_value(rx1.try_recv());
            (got, rx1)
        });
        drop(rx2);
        drop(rx3);
        let (got, mut rx1) = reader.join().unwrap();
        assert_eq!(got, Ok(0));
        assert_eq!(tx.len(), 0, "a message read by every receiver is held");
        // Cloned for `rx3`, and for `rx1` unless `rx2` was gone by then.
        assert!(m0.clones() >= 1 && m0.clones() <= 2);
        m0.assert_all_dropped();
        tx.try_send(m1.msg()).unwrap();
        assert_eq!(try_value(rx1.try_recv()), Ok(1));
        drop((tx, rx1));
        m1.assert_cloned_and_dropped(0);
    });
}

policies!(orphaned_clone_vs_receiver_drops():
    orphaned_clone_vs_receiver_drops_backpressure => Backpressure,
    orphaned_clone_vs_receiver_drops_lagging => Lagging,
);

/// Three threads: a send of m1 waits on a full channel (m0, which `fast`
/// has read but `slow` has not), `fast` blocks in `recv` on another, and
/// the main thread drops `slow`: the send completes, and `fast` is woken
/// by m1 going in (a sender stays alive, so no close wakes it) and reads
/// it.
#[test]
fn blocked_send_vs_slow_receiver_drop_vs_recv() {
    model_bounded(THREE_WAY_PREEMPTIONS, || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut fast) = broadcast::channel(1);
        let slow = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        assert_eq!(try_value(fast.try_recv()), Ok(0));
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        let receiver = thread::spawn(move || value(fast.recv()));
        drop(slow);
        sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(1));
        drop(tx);
        m0.assert_cloned_and_dropped(1);
        m1.assert_cloned_and_dropped(0);
    });
}

/// The two-thread counterpart of the model above: the waiting send is a
/// send future for m1 (waker W), pending before `fast` blocks in `recv` on
/// another thread while the main thread drops `slow`. The drop moves m1
/// in, which must wake `fast` (a sender stays alive: no close wakes it)
/// and W, once; the future, never polled in between, completes.
#[test]
fn slow_receiver_drop_vs_blocking_recv_moves_send_future_in() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let w = TestWake::new();
        let (tx, mut fast) = broadcast::channel(1);
        let slow = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        assert_eq!(try_value(fast.try_recv()), Ok(0));
        let mut fut = tx.send_async(m1.msg());
        register(&mut fut, &w);
        let receiver = thread::spawn(move || value(fast.recv()));
        drop(slow);
        assert_eq!(receiver.join().unwrap(), Ok(1));
        assert_eq!(w.wakes(), 1, "the moved-in send was not woken once");
        match poll_with(&mut fut, &w) {
            Poll::Ready(sent) => assert!(sent.is_ok(), "the send failed"),
            Poll::Pending => panic!("its message was moved in, yet the send is pending"),
        }
        drop(fut);
        drop(tx);
        m0.assert_cloned_and_dropped(1);
        m1.assert_cloned_and_dropped(0);
        TestWake::assert_released(&w, "W");
    });
}

/// Two receivers; a thread sends m1 while the main thread drops one of
/// them: the other reads m1, always moved out (the dropped one either was
/// never counted as a reader, or counted itself off).
fn send_vs_receiver_drop(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = channel(policy, 1);
        let other = tx.subscribe();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx.send(tally.msg()).unwrap());
        drop(other);
        assert_eq!(value(rx.recv()), Ok(1));
        sender.join().unwrap();
        assert_eq!(value(rx.recv()), Err(RecvError::Disconnected));
        m1.assert_cloned_and_dropped(0);
    });
}

policies!(send_vs_receiver_drop():
    send_vs_receiver_drop_backpressure => Backpressure,
    send_vs_receiver_drop_lagging => Lagging,
);

/// A thread asks `is_disconnected` and sends m1 while the main thread drops
/// the only receiver: the send succeeds (m1 is then dropped with the
/// receiver, or by the send itself if the receiver is gone meanwhile) or
/// hands m1 back, and fails once the thread saw the channel disconnected.
fn send_vs_last_receiver_drop(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, rx) = channel(policy, 1);
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            let disconnected = tx.is_disconnected();
            let sent = tally.sent_or_returned(tx.send(tally.msg()));
            assert!(
                !(disconnected && sent),
                "a send succeeded after is_disconnected()"
            );
            tx
        });
        drop(rx);
        let tx = sender.join().unwrap();
        assert_eq!(tx.len(), 0, "a message is held for no receiver");
        assert!(tx.is_disconnected());
        drop(tx);
        m1.assert_cloned_and_dropped(0);
    });
}

policies!(send_vs_last_receiver_drop():
    send_vs_last_receiver_drop_backpressure => Backpressure,
    send_vs_last_receiver_drop_lagging => Lagging,
);

// ----- 3. a waiting sender vs a receive that frees room -----

/// Backpressure, capacity 1, holding m0: a thread's send of m1 waits
/// (blocking, or a send future with waker W) and then drops the last
/// sender, while the main thread receives until the end (blocking, or
/// awaiting with waker A): the receive of m0 moves m1 in for the next
/// one.
fn waiting_send_vs_recv(async_send: bool, async_recv: bool) {
    model(move || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let a = waker_if(async_recv);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            let w = waker_if(async_send);
            send_with(&tx, tally.msg(), w.as_ref()).unwrap();
            w
        });
        assert_eq!(recv_until_end(&mut rx, a.as_ref()), [Ok(0), Ok(1)]);
        let w = sender.join().unwrap();
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
        drop(rx);
        if let Some(w) = w {
            assert!(w.wakes() <= 1);
            TestWake::assert_released(&w, "W");
        }
        if let Some(a) = a {
            TestWake::assert_released(&a, "A");
        }
    });
}

#[test]
fn blocked_send_vs_blocking_recv() {
    waiting_send_vs_recv(false, false);
}

#[test]
fn send_future_vs_blocking_recv() {
    waiting_send_vs_recv(true, false);
}

#[test]
fn blocked_send_vs_await() {
    waiting_send_vs_recv(false, true);
}

#[test]
fn send_future_vs_await() {
    waiting_send_vs_recv(true, true);
}

/// Backpressure, capacity 1, holding m0 for two receivers; a send future
/// for m1 waits (waker W). Two threads read two messages each, one with
/// each receiver: one clones m0, the other, the last reader, moves it out
/// (after waiting for the clone if it came second) and moves m1 in, which
/// they then read the same way. W is woken once, and the future, never
/// polled in between, completes.
#[test]
fn two_receivers_free_room_for_send_future() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let w = TestWake::new();
        let (tx, mut rx1) = broadcast::channel(1);
        let mut rx2 = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        let mut fut = tx.send_async(m1.msg());
        register(&mut fut, &w);
        let other = thread::spawn(move || {
            let got = [value(rx2.recv()), value(rx2.recv())];
            (got, rx2)
        });
        assert_eq!([value(rx1.recv()), value(rx1.recv())], [Ok(0), Ok(1)]);
        let (got, rx2) = other.join().unwrap();
        assert_eq!(got, [Ok(0), Ok(1)]);
        assert_eq!(w.wakes(), 1, "the moved-in send was not woken once");
        match poll_with(&mut fut, &w) {
            Poll::Ready(sent) => assert!(sent.is_ok(), "the send failed"),
            Poll::Pending => panic!("its message was moved in, yet the send is pending"),
        }
        drop(fut);
        assert_eq!(tx.len(), 0);
        drop((tx, rx1, rx2));
        m0.assert_cloned_and_dropped(1);
        m1.assert_cloned_and_dropped(1);
        TestWake::assert_released(&w, "W");
    });
}

/// First come, first served: on a full channel (capacity 1, m0), a send
/// future for m2 waits (waker B) before a thread starts a blocking send of
/// m1; the main thread then receives m0, m2, m1 in that order. The future
/// is never polled during the receives: its message is moved in all the
/// same, and its next poll, after its one wake, completes it.
#[test]
fn send_future_and_blocked_send_vs_recv_fifo() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let m2 = CloneTally::new(2);
        let b = TestWake::new();
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let mut fut = tx.send_async(m2.msg());
        register(&mut fut, &b);
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        for want in [0, 2, 1] {
            assert_eq!(value(rx.recv()), Ok(want), "out of order");
        }
        assert_eq!(b.wakes(), 1, "a completed waiting send was not woken once");
        match poll_with(&mut fut, &b) {
            Poll::Ready(sent) => assert!(sent.is_ok()),
            Poll::Pending => panic!("its message was received, yet the send is pending"),
        }
        drop(fut);
        sender.join().unwrap();
        drop(tx);
        assert_eq!(value(rx.recv()), Err(RecvError::Disconnected));
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
        m2.assert_cloned_and_dropped(0);
        TestWake::assert_released(&b, "B");
    });
}

/// Two threads send m1 and m2 on a full channel (capacity 1, m0), blocking;
/// the main thread receives until the end. Each receive moves a waiting
/// sender's message into the room it made. Everything is received once,
/// m0 first.
#[test]
fn two_blocked_senders_vs_recv() {
    model_bounded(THREE_WAY_PREEMPTIONS, || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let m2 = CloneTally::new(2);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let (t1, t2) = (m1.clone(), m2.clone());
        let tx2 = tx.clone();
        let first = thread::spawn(move || tx2.send(t1.msg()).unwrap());
        let second = thread::spawn(move || tx.send(t2.msg()).unwrap());
        let got = recv_until_end(&mut rx, None);
        first.join().unwrap();
        second.join().unwrap();
        assert!(
            got == [Ok(0), Ok(1), Ok(2)] || got == [Ok(0), Ok(2), Ok(1)],
            "received {got:?}"
        );
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
        m2.assert_cloned_and_dropped(0);
    });
}

// ----- 4. send vs subscribe -----

/// A thread sends m1 (on an empty channel: it does not wait) while the
/// main thread subscribes: the new receiver reads m1 exactly when it
/// subscribed before the send. The thread asks `receiver_count` before and
/// after its send, which pins the order down when it sees the new receiver
/// before, or not yet after. m1 is cloned exactly when two receivers read
/// it, and nothing is held once they have.
fn send_vs_subscribe(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = channel(policy, 1);
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            let before = tx2.receiver_count();
            tx2.send(tally.msg()).unwrap();
            (before, tx2.receiver_count())
        });
        let mut late = tx.subscribe();
        let (before, after) = sender.join().unwrap();
        let late_got = match try_value(late.try_recv()) {
            Ok(1) => true,
            Err(TryRecvError::Empty) => false,
            other => panic!("the new receiver got {other:?}"),
        };
        if before == 2 {
            assert!(late_got, "subscribed before the send, yet missed it");
        }
        if after == 1 {
            assert!(!late_got, "subscribed after the send, yet read it");
        }
        assert_eq!(try_value(rx.try_recv()), Ok(1));
        assert_eq!(tx.len(), 0, "a message read by every receiver is held");
        assert_eq!(try_value(late.try_recv()), Err(TryRecvError::Empty));
        assert_eq!(try_value(rx.try_recv()), Err(TryRecvError::Empty));
        drop((tx, rx, late));
        m1.assert_cloned_and_dropped(usize::from(late_got));
    });
}

policies!(send_vs_subscribe():
    send_vs_subscribe_backpressure => Backpressure,
    send_vs_subscribe_lagging => Lagging,
);

/// Backpressure, capacity 1, holding m0 for `rx`: a thread's send of m1
/// waits while the main thread subscribes (the new receiver is not a
/// reader of m0, so it holds up nothing), then either drops `rx` (which
/// frees the room: m1 goes in for the new receiver alone) or receives m0
/// with it (which moves m1 in for both). The send completes, and every
/// receiver left reads m1.
fn subscribe_vs_waiting_send(drop_rx: bool) {
    model(move || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        let mut late = tx.subscribe();
        if drop_rx {
            drop(rx);
        } else {
            assert_eq!(value(rx.recv()), Ok(0));
            assert_eq!(value(rx.recv()), Ok(1));
            drop(rx);
        }
        assert_eq!(value(late.recv()), Ok(1));
        sender.join().unwrap();
        drop(tx);
        assert_eq!(value(late.recv()), Err(RecvError::Disconnected));
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(usize::from(!drop_rx));
    });
}

#[test]
fn subscribe_then_recv_vs_waiting_send() {
    subscribe_vs_waiting_send(false);
}

#[test]
fn subscribe_then_receiver_drop_vs_waiting_send() {
    subscribe_vs_waiting_send(true);
}

/// Three threads: a send of m1 waits on a full channel (m0, for `rx`);
/// another thread receives m0 and m1 with `rx` (the first receive moves m1
/// in); the main thread subscribes meanwhile. The new receiver reads m1
/// exactly when it subscribed before m1 went in, and m1 is cloned exactly
/// then.
#[test]
fn subscribe_vs_recv_moving_waiting_send_in() {
    model_bounded(THREE_WAY_PREEMPTIONS, || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        let receiver = thread::spawn(move || {
            let got = [value(rx.recv()), value(rx.recv())];
            (got, rx)
        });
        let mut late = tx.subscribe();
        sender.join().unwrap();
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, [Ok(0), Ok(1)]);
        let late_got = match try_value(late.try_recv()) {
            Ok(1) => true,
            Err(TryRecvError::Empty) => false,
            other => panic!("the new receiver got {other:?}"),
        };
        assert_eq!(tx.len(), 0);
        drop((tx, rx, late));
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(usize::from(late_got));
    });
}

// ----- 5. two receivers reading one message at once -----

/// m1 is held for two receivers, which read it at once on two threads:
/// one counts itself off and clones it (outside the lock, the slot marked
/// busy), the other, the last reader, finds it busy (`Empty`: it never
/// waits for a clone), looks again once the mark is clear and moves it
/// out. Each gets it; it is cloned exactly once.
fn two_receivers_read_one_message(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx1) = channel(policy, 1);
        let mut rx2 = tx.subscribe();
        tx.try_send(m1.msg()).unwrap();
        let other = thread::spawn(move || {
            let got = try_recv_spinning(&mut rx2);
            (got, rx2)
        });
        assert_eq!(try_recv_spinning(&mut rx1), Ok(1));
        let (got, mut rx2) = other.join().unwrap();
        assert_eq!(got, Ok(1));
        assert_eq!(tx.len(), 0, "a message read by every receiver is held");
        assert_eq!(try_value(rx1.try_recv()), Err(TryRecvError::Empty));
        assert_eq!(try_value(rx2.try_recv()), Err(TryRecvError::Empty));
        drop((tx, rx1, rx2));
        m1.assert_cloned_and_dropped(1);
    });
}

policies!(two_receivers_read_one_message():
    two_receivers_read_one_message_backpressure => Backpressure,
    two_receivers_read_one_message_lagging => Lagging,
);

/// As above with three receivers on three threads: two clones, one move.
fn three_receivers_read_one_message(policy: Policy) {
    model_bounded(THREE_WAY_PREEMPTIONS, move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx1) = channel(policy, 1);
        let (mut rx2, mut rx3) = (tx.subscribe(), tx.subscribe());
        tx.try_send(m1.msg()).unwrap();
        let second = thread::spawn(move || try_recv_spinning(&mut rx2));
        let third = thread::spawn(move || try_recv_spinning(&mut rx3));
        assert_eq!(try_recv_spinning(&mut rx1), Ok(1));
        assert_eq!(second.join().unwrap(), Ok(1));
        assert_eq!(third.join().unwrap(), Ok(1));
        assert_eq!(tx.len(), 0);
        drop((tx, rx1));
        m1.assert_cloned_and_dropped(2);
    });
}

policies!(three_receivers_read_one_message():
    three_receivers_read_one_message_backpressure => Backpressure,
    three_receivers_read_one_message_lagging => Lagging,
);

/// A thread blocks in `recv` with `rx2` while the main thread sends m1 and
/// reads it with `rx1`: both are woken or find it, one clones it, the
/// other moves it out.
fn send_then_recv_vs_blocking_recv(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx1) = channel(policy, 1);
        let mut rx2 = tx.subscribe();
        let other = thread::spawn(move || value(rx2.recv()));
        tx.send(m1.msg()).unwrap();
        assert_eq!(value(rx1.recv()), Ok(1));
        assert_eq!(other.join().unwrap(), Ok(1));
        assert_eq!(tx.len(), 0);
        drop((tx, rx1));
        m1.assert_cloned_and_dropped(1);
    });
}

policies!(send_then_recv_vs_blocking_recv():
    send_then_recv_vs_blocking_recv_backpressure => Backpressure,
    send_then_recv_vs_blocking_recv_lagging => Lagging,
);

/// Three threads: a send of m1 vs two receivers blocked in `recv`: both are
/// woken, and read it; one clone.
fn send_vs_two_blocking_receivers(policy: Policy) {
    model_bounded(THREE_WAY_PREEMPTIONS, move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx1) = channel(policy, 1);
        let mut rx2 = tx.subscribe();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx.send(tally.msg()).unwrap());
        let other = thread::spawn(move || recv_until_end(&mut rx2, None));
        assert_eq!(recv_until_end(&mut rx1, None), [Ok(1)]);
        assert_eq!(other.join().unwrap(), [Ok(1)]);
        sender.join().unwrap();
        m1.assert_cloned_and_dropped(1);
    });
}

policies!(send_vs_two_blocking_receivers():
    send_vs_two_blocking_receivers_backpressure => Backpressure,
    send_vs_two_blocking_receivers_lagging => Lagging,
);

// ----- 6. lag accounting -----

/// Lagging, capacity 1: a thread sends m1 and m2 and drops the last sender
/// while the main thread receives until the end (blocking, or awaiting
/// with waker A): every message is accounted for, in order (m1, or
/// `Lagged(1)` if m2 overwrote it first; then m2), and each is dropped
/// once, never cloned (one receiver).
fn lag_accounting(async_recv: bool) {
    model(move || {
        let m1 = CloneTally::new(1);
        let m2 = CloneTally::new(2);
        let a = waker_if(async_recv);
        let (tx, mut rx) = broadcast::lagging(1);
        let (t1, t2) = (m1.clone(), m2.clone());
        let sender = thread::spawn(move || {
            tx.send(t1.msg()).unwrap();
            tx.send(t2.msg()).unwrap();
        });
        let got = recv_until_end(&mut rx, a.as_ref());
        sender.join().unwrap();
        assert_accounted(&got, 2);
        m1.assert_cloned_and_dropped(0);
        m2.assert_cloned_and_dropped(0);
        drop(rx);
        if let Some(a) = a {
            TestWake::assert_released(&a, "A");
        }
    });
}

#[test]
fn lag_accounting_blocking() {
    lag_accounting(false);
}

#[test]
fn lag_accounting_await() {
    lag_accounting(true);
}

/// Lagging, capacity 1, two receivers: a thread receives until the end
/// with `rx2` while the main thread sends m1 and m2, drops the last
/// sender, and then drains `rx1`. `rx1` always lags by m1; `rx2` accounts
/// for both, in order. m1 is cloned exactly when `rx2` read it (`rx1`,
/// still a reader, never did), m2 once (two readers).
#[test]
fn lag_accounting_two_receivers() {
    model(|| {
        let m1 = CloneTally::new(1);
        let m2 = CloneTally::new(2);
        let (tx, mut rx1) = broadcast::lagging(1);
        let mut rx2 = tx.subscribe();
        let other = thread::spawn(move || recv_until_end(&mut rx2, None));
        tx.send(m1.msg()).unwrap();
        tx.send(m2.msg()).unwrap();
        drop(tx);
        assert_eq!(
            drain_closed(&mut rx1),
            [Err(TryRecvError::Lagged(1)), Ok(2)]
        );
        let got = other.join().unwrap();
        assert_accounted(&got, 2);
        drop(rx1);
        m1.assert_cloned_and_dropped(usize::from(got[0] == Ok(1)));
        m2.assert_cloned_and_dropped(1);
    });
}

// ----- 7. a lagging overwrite vs a receiver cloning the oldest message -----

/// Lagging, capacity 1, m0 held for two receivers: a thread reads with
/// `rx1` (a clone: `rx2` has yet to read m0; the slot is busy meanwhile)
/// while the main thread sends m1, which overwrites m0, busy or not (a
/// busy slot leaves the ring with m0 still in it, flagged `DETACHED`: the
/// cloner drops m0 and keeps the slot). The cloner gets m0 whole (or `Lagged(1)`, if the send came
/// first), then m1; `rx2` lags by m0, then reads m1. Every copy of m0 is
/// dropped exactly once.
#[test]
fn overwrite_vs_clone_of_oldest() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx1) = broadcast::lagging(1);
        let mut rx2 = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        let reader = thread::spawn(move || {
            let first = try_value(rx1.try_recv());
            (first, rx1)
        });
        tx.send(m1.msg()).unwrap();
        let (first, mut rx1) = reader.join().unwrap();
        let read_m0 = match first {
            Ok(0) => true,
            Err(TryRecvError::Lagged(1)) => false,
            other => panic!("the first read got {other:?}"),
        };
        assert_eq!(try_value(rx1.try_recv()), Ok(1));
        assert_eq!(try_value(rx2.try_recv()), Err(TryRecvError::Lagged(1)));
        assert_eq!(try_value(rx2.try_recv()), Ok(1));
        assert_eq!(tx.len(), 0);
        drop((tx, rx1, rx2));
        m0.assert_cloned_and_dropped(usize::from(read_m0));
        m1.assert_cloned_and_dropped(1);
    });
}

/// As above, but the main thread drops `rx2` before its send: m0, being
/// cloned, may lose its last other reader (then the cloner drops it when
/// it is done, and frees the room), or be overwritten while busy. m0 is
/// cloned at most once (only if `rx1` read it while `rx2` was there), and
/// every copy is dropped once; m1 is moved out to `rx1`, the only reader.
#[test]
fn receiver_drop_and_overwrite_vs_clone_of_oldest() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx1) = broadcast::lagging(1);
        let rx2 = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        let reader = thread::spawn(move || {
            let first = try_value(rx1.try_recv());
            (first, rx1)
        });
        drop(rx2);
        tx.send(m1.msg()).unwrap();
        let (first, mut rx1) = reader.join().unwrap();
        let read_m0 = match first {
            Ok(0) => true,
            Err(TryRecvError::Lagged(1)) => false,
            other => panic!("the first read got {other:?}"),
        };
        assert_eq!(try_value(rx1.try_recv()), Ok(1));
        assert_eq!(tx.len(), 0);
        drop((tx, rx1));
        assert!(m0.clones() <= usize::from(read_m0), "m0 cloned for nobody");
        m0.assert_all_dropped();
        m1.assert_cloned_and_dropped(0);
    });
}

/// Lagging, capacity 1, m0 held for two receivers; a thread blocks in
/// `recv` with `rx1` for two messages while the main thread sends m1 and
/// m2 (each overwriting the oldest, which `rx1` may be cloning). `rx1`
/// accounts for m0 (read), m1 and m2, in order; `rx2`, which never read,
/// lags by two and reads m2.
#[test]
fn overwrites_vs_blocking_clone() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let m2 = CloneTally::new(2);
        let (tx, mut rx1) = broadcast::lagging(1);
        let mut rx2 = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        let reader = thread::spawn(move || recv_until_end(&mut rx1, None));
        tx.send(m1.msg()).unwrap();
        tx.send(m2.msg()).unwrap();
        drop(tx);
        assert_eq!(
            drain_closed(&mut rx2),
            [Err(TryRecvError::Lagged(2)), Ok(2)]
        );
        let got = reader.join().unwrap();
        // m0 is message 1 for `assert_accounted`'s numbering: shift by one.
        let shifted: Vec<_> = got.iter().map(|got| got.map(|v| v + 1)).collect();
        assert_accounted(&shifted, 3);
        drop(rx2);
        m0.assert_cloned_and_dropped(usize::from(got[0] == Ok(0)));
        m1.assert_cloned_and_dropped(usize::from(got.contains(&Ok(1))));
        m2.assert_cloned_and_dropped(1);
    });
}

// ----- 8. close vs a blocked receiver, and vs a blocked sender -----

/// A thread closes the channel (`Sender::close`, or dropping the last
/// sender if `by_drop`) while the main thread blocks in `recv`: it wakes
/// to `Disconnected`. After `close`, a send fails with its message back.
fn close_vs_blocked_recv(policy: Policy, by_drop: bool) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = channel(policy, 1);
        let tally = m1.clone();
        let closer = thread::spawn(move || {
            if by_drop {
                drop(tx);
                drop(tally);
            } else {
                assert!(tx.close(), "nothing else closed the channel");
                assert!(!tx.close());
                match tx.try_send(tally.msg()) {
                    Err(TrySendError::Disconnected(msg)) => tally.returned(msg),
                    other => panic!("a send after close: {other:?}"),
                }
            }
        });
        assert_eq!(value(rx.recv()), Err(RecvError::Disconnected));
        closer.join().unwrap();
        if !by_drop {
            m1.assert_cloned_and_dropped(0);
        }
    });
}

policies!(close_vs_blocked_recv(false):
    close_vs_blocked_recv_backpressure => Backpressure,
    close_vs_blocked_recv_lagging => Lagging,
);

policies!(close_vs_blocked_recv(true):
    last_sender_drop_vs_blocked_recv_backpressure => Backpressure,
    last_sender_drop_vs_blocked_recv_lagging => Lagging,
);

/// A thread sends m1 and then closes the channel (`Sender::close`, a
/// clone of the sender left alive) while the main thread receives until
/// the end, blocking: it reads m1 (what was sent before the close), then
/// `Disconnected`.
fn send_then_close_vs_blocked_recv(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = channel(policy, 1);
        let tx2 = tx.clone();
        let tally = m1.clone();
        let closer = thread::spawn(move || {
            tx2.send(tally.msg()).unwrap();
            assert!(tx2.close());
        });
        assert_eq!(recv_until_end(&mut rx, None), [Ok(1)]);
        closer.join().unwrap();
        drop((tx, rx));
        m1.assert_cloned_and_dropped(0);
    });
}

policies!(send_then_close_vs_blocked_recv():
    send_then_close_vs_blocked_recv_backpressure => Backpressure,
    send_then_close_vs_blocked_recv_lagging => Lagging,
);

/// A receive future waits with waker A while a thread closes the channel
/// (`Sender::close`): A is woken, and the future ends with `Disconnected`.
fn close_vs_await(policy: Policy) {
    model(move || {
        let a = TestWake::new();
        let (tx, mut rx) = channel(policy, 1);
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        let closer = thread::spawn(move || {
            assert!(tx.close());
            tx
        });
        assert_eq!(
            value(poll_until_woken_once(&mut fut, &a)),
            Err(RecvError::Disconnected)
        );
        drop(fut);
        let tx = closer.join().unwrap();
        assert!(a.wakes() <= 2, "two registrations, woken {}", a.wakes());
        drop((tx, rx));
        TestWake::assert_released(&a, "A");
    });
}

policies!(close_vs_await():
    close_vs_await_backpressure => Backpressure,
    close_vs_await_lagging => Lagging,
);

/// Backpressure, capacity 1, holding m0: a thread sends m1 (blocking, or a
/// send future with waker W) while the main thread closes the channel:
/// no receive makes room, so the send fails with m1 back, and m0 is still
/// read after the close.
fn close_vs_waiting_send(async_send: bool) {
    model(move || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let closer = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            let w = waker_if(async_send);
            let sent = tally.sent_or_returned(send_with(&tx, tally.msg(), w.as_ref()));
            (sent, w)
        });
        assert!(closer.close(), "nothing else closed the channel");
        let (sent, w) = sender.join().unwrap();
        assert!(
            !sent,
            "a send into a full channel succeeded without a receive"
        );
        assert_eq!(drain_closed(&mut rx), [Ok(0)]);
        drop((closer, rx));
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
        if let Some(w) = w {
            assert!(w.wakes() <= 1);
            TestWake::assert_released(&w, "W");
        }
    });
}

#[test]
fn close_vs_blocked_send() {
    close_vs_waiting_send(false);
}

#[test]
fn close_vs_send_future() {
    close_vs_waiting_send(true);
}

/// Backpressure, capacity 1, holding m0: a thread sends m1 while the main
/// thread takes one message if it can (`try_recv`: m0, which moves m1 in if
/// its send waits) and then closes the channel. The send succeeds exactly
/// when m1 was delivered (buffered for the drain after the close);
/// otherwise m1 comes back.
#[test]
fn try_recv_then_close_vs_blocked_send() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let closer = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tally.sent_or_returned(tx.send(tally.msg())));
        assert_eq!(try_value(rx.try_recv()), Ok(0));
        closer.close();
        let sent = sender.join().unwrap();
        let expected = if sent { vec![Ok(1)] } else { vec![] };
        assert_eq!(drain_closed(&mut rx), expected, "send said {sent}");
        drop((closer, rx));
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
    });
}

/// Three threads: a send of m1 waits on a full channel (m0) while another
/// thread receives once (blocking) and the main thread closes the channel.
/// The send succeeds exactly when m1 was delivered (received by that
/// thread or left for the drain after the close); otherwise m1 comes back.
/// Never both, never lost.
#[test]
fn close_vs_blocked_send_vs_recv() {
    model_bounded(THREE_WAY_PREEMPTIONS, || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let closer = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tally.sent_or_returned(tx.send(tally.msg())));
        let receiver = thread::spawn(move || {
            let got = value(rx.recv());
            (got, rx)
        });
        closer.close();
        let (got, mut rx) = receiver.join().unwrap();
        let sent = sender.join().unwrap();
        assert_eq!(got, Ok(0));
        let expected = if sent { vec![Ok(1)] } else { vec![] };
        assert_eq!(drain_closed(&mut rx), expected, "send said {sent}");
        drop((closer, rx));
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
    });
}

// ----- 9. a cancelled receive future vs the send that notifies it -----

/// A receive future waits with waker A; a thread sends m1 while the main
/// thread drops the future (before, during or after the send's wake; if
/// `after_wake`, only once A was woken, unpolled): nothing is lost, the
/// next receive (blocking) reads m1, and the waker is released.
fn cancelled_recv_vs_send(policy: Policy, after_wake: bool) {
    model(move || {
        let m1 = CloneTally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = channel(policy, 1);
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        if after_wake {
            a.wait(0);
        }
        drop(fut);
        assert_eq!(value(rx.recv()), Ok(1));
        sender.join().unwrap();
        drop(tx);
        assert_eq!(value(rx.recv()), Err(RecvError::Disconnected));
        m1.assert_cloned_and_dropped(0);
        assert!(a.wakes() <= 1);
        drop(rx);
        TestWake::assert_released(&a, "A");
    });
}

policies!(cancelled_recv_vs_send(false):
    cancelled_recv_vs_send_backpressure => Backpressure,
    cancelled_recv_vs_send_lagging => Lagging,
);

policies!(cancelled_recv_vs_send(true):
    woken_recv_future_dropped_backpressure => Backpressure,
    woken_recv_future_dropped_lagging => Lagging,
);

/// Two receivers, each with a receive future (wakers A and B); a thread
/// sends m1 while the main thread drops A's future: B is woken all the
/// same (every waiting receiver is notified), and reads m1; `rx1`, whose
/// future was cancelled, still reads it next. One clone.
fn cancelled_recv_vs_send_other_receiver(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, mut rx1) = channel(policy, 1);
        let mut rx2 = tx.subscribe();
        let mut first = rx1.recv_async();
        register(&mut first, &a);
        let mut second = rx2.recv_async();
        register(&mut second, &b);
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        drop(first);
        m1.expect(poll_until_woken_once(&mut second, &b));
        drop(second);
        sender.join().unwrap();
        assert_eq!(try_value(rx1.try_recv()), Ok(1));
        assert_eq!(tx.len(), 0);
        drop((tx, rx1, rx2));
        m1.assert_cloned_and_dropped(1);
        assert!(a.wakes() <= 1);
        assert!(b.wakes() <= 2, "two registrations, woken {}", b.wakes());
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

policies!(cancelled_recv_vs_send_other_receiver():
    cancelled_recv_vs_send_other_receiver_backpressure => Backpressure,
    cancelled_recv_vs_send_other_receiver_lagging => Lagging,
);

/// A thread makes a zero `recv_timeout` (it registers once, then finds the
/// deadline passed and withdraws, racing the send's notification) and then
/// a blocking `recv`, while another thread sends m1: m1 is read by one of
/// the two, never lost. The main thread only joins.
fn send_vs_recv_timeout_then_recv(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = channel(policy, 1);
        let tally = m1.clone();
        let sender = thread::spawn(move || tx.send(tally.msg()).unwrap());
        let receiver = thread::spawn(move || match rx.recv_timeout(Duration::ZERO) {
            Ok(msg) => msg.value(),
            Err(RecvTimeoutError::Timeout) => rx.recv().unwrap().value(),
            Err(err) => panic!("a sending sender: {err:?}"),
        });
        assert_eq!(receiver.join().unwrap(), 1);
        sender.join().unwrap();
        m1.assert_cloned_and_dropped(0);
    });
}

policies!(send_vs_recv_timeout_then_recv():
    send_vs_recv_timeout_then_recv_backpressure => Backpressure,
    send_vs_recv_timeout_then_recv_lagging => Lagging,
);

// ----- 10. a cancelled send future vs a receive that frees room -----

/// Backpressure, capacity 1, holding m0: a send future for m1 waits with
/// waker A; another thread receives until the end (blocking, or awaiting
/// with waker W) while the main thread drops the future and then the last
/// sender. m1 is received exactly when the future did not withdraw it
/// (the receive of m0 moved it in first), and dropped exactly once either
/// way, never cloned.
fn cancelled_send_vs_recv(async_recv: bool) {
    model(move || {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let mut fut = tx.send_async(m1.msg());
        register(&mut fut, &a);
        let receiver = thread::spawn(move || {
            let w = waker_if(async_recv);
            (recv_until_end(&mut rx, w.as_ref()), w)
        });
        drop(fut);
        drop(tx);
        let (got, w) = receiver.join().unwrap();
        assert!(got == [Ok(0)] || got == [Ok(0), Ok(1)], "received {got:?}");
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
        if let Some(w) = w {
            TestWake::assert_released(&w, "W");
        }
    });
}

#[test]
fn cancelled_send_vs_blocking_recv() {
    cancelled_send_vs_recv(false);
}

#[test]
fn cancelled_send_vs_await() {
    cancelled_send_vs_recv(true);
}

/// Backpressure, capacity 1, holding m0: a thread's zero `send_timeout` of
/// m1 waits once (it registers, then finds the deadline passed and
/// withdraws, racing a receive that moves it in) and then drops the last
/// sender, while another thread receives until the end. The send succeeds
/// exactly when m1 is received; a timed-out send hands m1 back. The main
/// thread only joins.
#[test]
fn send_timeout_vs_recv() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            let sent = match tx.send_timeout(tally.msg(), Duration::ZERO) {
                Ok(()) => true,
                Err(SendTimeoutError::Timeout(msg)) => {
                    tally.returned(msg);
                    false
                }
                Err(SendTimeoutError::Disconnected(_)) => panic!("the receiver is alive"),
            };
            drop(tx);
            sent
        });
        let receiver = thread::spawn(move || recv_until_end(&mut rx, None));
        let got = receiver.join().unwrap();
        let sent = sender.join().unwrap();
        let expected = if sent {
            vec![Ok(0), Ok(1)]
        } else {
            vec![Ok(0)]
        };
        assert_eq!(got, expected, "send_timeout said {sent}");
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(0);
    });
}

// ----- 11. a receiver's clone vs a send -----

/// A thread sends m1 while the main thread clones the receiver: the clone
/// starts where the receiver is, so both read m1 whichever came first (the
/// clone counts itself as a reader of what is held), one clone.
fn clone_receiver_vs_send(policy: Policy) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = channel(policy, 1);
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        let mut rx2 = rx.clone();
        sender.join().unwrap();
        assert_eq!(try_value(rx.try_recv()), Ok(1));
        assert_eq!(try_value(rx2.try_recv()), Ok(1));
        assert_eq!(tx.len(), 0, "a message read by every receiver is held");
        drop((tx, rx, rx2));
        m1.assert_cloned_and_dropped(1);
    });
}

policies!(clone_receiver_vs_send():
    clone_receiver_vs_send_backpressure => Backpressure,
    clone_receiver_vs_send_lagging => Lagging,
);

/// Lagging, capacity 1, holding m0 for `rx`: a thread sends m1, which
/// overwrites m0, while the main thread clones `rx`: the clone inherits
/// the lag whichever came first, so both report `Lagged(1)` and then read
/// m1. m0 is dropped once, uncloned.
#[test]
fn clone_receiver_vs_overwrite() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = broadcast::lagging(1);
        tx.try_send(m0.msg()).unwrap();
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        let mut rx2 = rx.clone();
        sender.join().unwrap();
        for rx in [&mut rx, &mut rx2] {
            assert_eq!(try_value(rx.try_recv()), Err(TryRecvError::Lagged(1)));
            assert_eq!(try_value(rx.try_recv()), Ok(1));
        }
        assert_eq!(tx.len(), 0);
        drop((tx, rx, rx2));
        m0.assert_cloned_and_dropped(0);
        m1.assert_cloned_and_dropped(1);
    });
}

/// Backpressure, capacity 1, holding m0 for `rx`: a thread's send of m1
/// waits while the main thread clones `rx` (the clone becomes a reader of
/// m0 too): both read m0, the second read moves m1 in, and both read m1.
#[test]
fn clone_receiver_vs_waiting_send() {
    model(|| {
        let m0 = CloneTally::new(0);
        let m1 = CloneTally::new(1);
        let (tx, mut rx) = broadcast::channel(1);
        tx.try_send(m0.msg()).unwrap();
        let tx2 = tx.clone();
        let tally = m1.clone();
        let sender = thread::spawn(move || tx2.send(tally.msg()).unwrap());
        let mut rx2 = rx.clone();
        assert_eq!(value(rx.recv()), Ok(0));
        assert_eq!(value(rx2.recv()), Ok(0));
        assert_eq!(value(rx.recv()), Ok(1));
        assert_eq!(value(rx2.recv()), Ok(1));
        sender.join().unwrap();
        drop(tx);
        assert_eq!(value(rx.recv()), Err(RecvError::Disconnected));
        assert_eq!(value(rx2.recv()), Err(RecvError::Disconnected));
        m0.assert_cloned_and_dropped(1);
        m1.assert_cloned_and_dropped(1);
    });
}

/// m0 is held for `rx0` and `rx1`; a thread reads it with `rx0` (a clone,
/// the slot busy meanwhile) while the main thread clones `rx1` (a third
/// reader of m0, counted in while it may be busy) and reads with both:
/// three readers, two clones, one move.
#[test]
fn clone_receiver_vs_clone_read() {
    model(|| {
        let m0 = CloneTally::new(0);
        let (tx, mut rx0) = broadcast::channel(1);
        let mut rx1 = tx.subscribe();
        tx.try_send(m0.msg()).unwrap();
        let reader = thread::spawn(move || {
            let got = try_recv_spinning(&mut rx0);
            (got, rx0)
        });
        let mut rx2 = rx1.clone();
        assert_eq!(try_recv_spinning(&mut rx1), Ok(0));
        assert_eq!(try_recv_spinning(&mut rx2), Ok(0));
        let (got, rx0) = reader.join().unwrap();
        assert_eq!(got, Ok(0));
        assert_eq!(tx.len(), 0);
        drop((tx, rx0, rx1, rx2));
        m0.assert_cloned_and_dropped(2);
    });
}

// ----- 12. a panicking clone -----

/// A message whose clone panics once (the first time it is cloned), and
/// that counts its live copies (std atomics: each execution makes fresh
/// ones, and they are read after the threads are joined).
#[derive(Debug)]
struct Fragile {
    value: u32,
    armed: Arc<std::sync::atomic::AtomicBool>,
    live: Arc<std::sync::atomic::AtomicIsize>,
}

impl Fragile {
    fn new(value: u32, live: &Arc<std::sync::atomic::AtomicIsize>) -> Self {
        live.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self {
            value,
            armed: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            live: live.clone(),
        }
    }
}

impl Clone for Fragile {
    fn clone(&self) -> Self {
        if self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            panic!("fragile clone panics");
        }
        Self::new(self.value, &self.live)
    }
}

impl Drop for Fragile {
    fn drop(&mut self) {
        self.live.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// What one `try_recv` of a [`Fragile`] came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Got(u32),
    Lagged(u64),
    Panicked,
}

/// `try_recv`s until `Empty` or the end, catching the clone's panic.
fn try_recv_all(rx: &mut Receiver<Fragile>) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.try_recv())) {
            Err(_) => events.push(Event::Panicked),
            Ok(Ok(msg)) => events.push(Event::Got(msg.value)),
            Ok(Err(TryRecvError::Lagged(missed))) => events.push(Event::Lagged(missed)),
            Ok(Err(_)) => return events,
        }
    }
}

/// Keeps the expected panic of [`Fragile`] out of the test output.
fn quiet_fragile_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let quiet = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|msg| msg.contains("fragile clone panics"));
            if !quiet {
                default(info);
            }
        }));
    });
}

/// rx1's clone of m1 panics (the read is undone and retried) while rx2,
/// the other reader of m1, is dropped (the mark may be ORPHANED when the
/// panic undoes it). rx1 reads m1 exactly once in the end, and every copy
/// of it is dropped once.
#[test]
fn panicking_clone_vs_receiver_drop() {
    quiet_fragile_panics();
    model(|| {
        let live = Arc::new(std::sync::atomic::AtomicIsize::new(0));
        let (tx, mut rx1) = broadcast::channel::<Fragile>(2);
        let rx2 = tx.subscribe();
        tx.try_send(Fragile::new(1, &live)).unwrap();
        let reader = thread::spawn(move || {
            let events = try_recv_all(&mut rx1);
            (events, rx1)
        });
        drop(rx2);
        let (events, rx1) = reader.join().unwrap();
        let got: Vec<Event> = events
            .into_iter()
            .filter(|e| *e != Event::Panicked)
            .collect();
        assert_eq!(got, [Event::Got(1)], "m1 read once");
        assert_eq!(tx.len(), 0, "nothing left to read");
        drop((tx, rx1));
        assert_eq!(
            live.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "a copy leaked"
        );
    });
}

/// rx1's clone of m1 panics while a lagging send overwrites m1 (the slot
/// may leave the ring while rx1 holds it): rx1 then reads m1 or is told
/// it lagged by one, and reads m2; nothing leaks.
#[test]
fn panicking_clone_vs_overwrite() {
    quiet_fragile_panics();
    model(|| {
        let live = Arc::new(std::sync::atomic::AtomicIsize::new(0));
        let (tx, mut rx1) = broadcast::lagging::<Fragile>(1);
        let mut rx2 = tx.subscribe();
        tx.try_send(Fragile::new(1, &live)).unwrap();
        let reader = thread::spawn(move || {
            let events = try_recv_all(&mut rx1);
            (events, rx1)
        });
        tx.try_send(Fragile::new(2, &live)).unwrap();
        let (mut events, mut rx1) = reader.join().unwrap();
        events.extend(try_recv_all(&mut rx1));
        let got: Vec<Event> = events
            .into_iter()
            .filter(|e| *e != Event::Panicked)
            .collect();
        assert!(
            got == [Event::Got(1), Event::Got(2)] || got == [Event::Lagged(1), Event::Got(2)],
            "rx1: {got:?}"
        );
        assert_eq!(try_recv_all(&mut rx2), [Event::Lagged(1), Event::Got(2)]);
        drop((tx, rx1, rx2));
        assert_eq!(
            live.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "a copy leaked"
        );
    });
}

// ----- the checks themselves -----

/// The counting allocator sees the allocations that hold messages (else
/// the leak check of [`model`] would pass vacuously): each message slot
/// (made on the first send, then kept for reuse) and each waiter entry
/// (kept as its side's spare once the wait is over, until the channel goes).
/// And the counting message counts: a clone per receiver but the last.
#[test]
fn allocation_counting_sees_slots_and_entries() {
    model(|| {
        let m1 = CloneTally::new(1);
        let before = live_cores();
        let (tx, mut rx) = broadcast::channel::<CloneMsg>(1);
        let mut rx2 = tx.subscribe();
        assert_eq!(live_cores(), before, "no slot before the first send");
        tx.try_send(m1.msg()).unwrap();
        assert_eq!(live_cores(), before + 1, "a slot");
        assert_eq!(try_value(rx.try_recv()), Ok(1));
        assert_eq!(m1.clones(), 1);
        assert_eq!(m1.drops(), 1, "the clone was dropped");
        assert_eq!(try_value(rx2.try_recv()), Ok(1));
        m1.assert_cloned_and_dropped(1);
        assert_eq!(live_cores(), before + 1, "the slot is kept for reuse");
        let a = TestWake::new();
        let mut fut = rx.recv_async();
        register(&mut fut, &a);
        assert_eq!(live_cores(), before + 2, "a slot and an entry");
        drop(fut);
        assert_eq!(
            live_cores(),
            before + 2,
            "the entry is kept as the receivers' spare, for the next wait"
        );
        drop((tx, rx, rx2));
        assert_eq!(live_cores(), before);
        TestWake::assert_released(&a, "A");
    });
}

// ----- 13. waiting for another receiver's clone -----

/// m1 is held for two receivers. A thread reads it with `rx1` while the
/// main thread waits for it with `rx2`: awaiting (`async_recv`) or in a
/// blocking `recv`. Whoever comes second finds it busy while the first
/// clones, and waits (the mark flagged `WAITED`, the waiter listed) rather
/// than spin on the clone; the cloner wakes it when it clears the mark. A
/// wake that is lost leaves the waiter asleep, which fails the model. Each
/// gets m1; it is cloned exactly once.
fn receive_waits_for_another_receivers_clone(async_recv: bool) {
    model(move || {
        let m1 = CloneTally::new(1);
        let (tx, mut rx1) = broadcast::channel(1);
        let mut rx2 = tx.subscribe();
        tx.try_send(m1.msg()).unwrap();
        let reader = thread::spawn(move || {
            let got = try_recv_spinning(&mut rx1);
            (got, rx1)
        });
        let got = if async_recv {
            block_on(&mut rx2.recv_async(), &TestWake::new())
        } else {
            rx2.recv()
        };
        assert_eq!(value(got), Ok(1));
        let (got, rx1) = reader.join().unwrap();
        assert_eq!(got, Ok(1));
        assert_eq!(tx.len(), 0);
        drop((tx, rx1, rx2));
        m1.assert_cloned_and_dropped(1);
    });
}

#[test]
fn await_waits_for_another_receivers_clone() {
    receive_waits_for_another_receivers_clone(true);
}

#[test]
fn blocking_recv_waits_for_another_receivers_clone() {
    receive_waits_for_another_receivers_clone(false);
}

/// m1 is held for two receivers; a thread clones it for `rx1` while the
/// main thread polls `rx2.recv_async()` once (it may find m1 busy and wait:
/// `WAITED`), drops the future (withdrawing the waiter) and drops `rx2`,
/// the last other reader (if m1 is still busy: `ORPHANED` too). The cloner
/// finishes whatever flags it finds: the message is dropped exactly once,
/// by whoever is last, and the channel goes on (m2 is sent and read).
#[test]
fn waited_then_orphaned_vs_clone() {
    model(|| {
        let m1 = CloneTally::new(1);
        let m2 = CloneTally::new(2);
        let (tx, mut rx1) = broadcast::channel(1);
        let mut rx2 = tx.subscribe();
        tx.try_send(m1.msg()).unwrap();
        let reader = thread::spawn(move || {
            let got = try_recv_spinning(&mut rx1);
            (got, rx1)
        });
        let waker = TestWake::new();
        let mut fut = rx2.recv_async();
        if let Poll::Ready(got) = poll_with(&mut fut, &waker) {
            assert_eq!(value(got), Ok(1));
        }
        drop(fut);
        drop(rx2);
        let (got, mut rx1) = reader.join().unwrap();
        assert_eq!(got, Ok(1));
        assert_eq!(tx.len(), 0, "a message every receiver is done with is gone");
        m1.assert_cloned_and_dropped(1);
        TestWake::assert_released(&waker, "rx2's");
        tx.try_send(m2.msg()).unwrap();
        assert_eq!(try_value(rx1.try_recv()), Ok(2));
        drop((tx, rx1));
        m2.assert_cloned_and_dropped(0);
    });
}

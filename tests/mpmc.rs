//! Integration tests of `tidings::mpmc`: every rule of the API contract
//! (`API.md`) on every flavor, blocking and async on one channel, closing
//! and disconnection, cancellation of the futures at every point, wakers
//! (replaced, one wake per message, hostile), panicking message drops, and
//! regressions from bugs that peer channels shipped.
//!
//! Most bodies are written once, as `fn body(f: Flavor)`, and run on each
//! flavor by [`per_flavor!`]: the tests are named `body::rendezvous`,
//! `body::bounded_1`, `body::bounded_4` and `body::unbounded`. Bodies that
//! need a send to wait run on the flavors with a capacity only ("waiting"),
//! and bodies that need a buffer on the flavors with one ("buffered").
//! Tests never assert on timing: a `pause()` only makes an interleaving
//! likely, and every interleaving must pass. Where a lost wakeup would
//! hang a test, the waiting side uses a generous timeout instead, so that
//! the bug shows as a failure.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use futures::future::join;
use futures::task::noop_waker_ref;

use common::{
    after_pause, assert_not_impl, concurrently, hostile, iters, on_every_executor, pause,
    poll_with, value, Bomb, Counted, CountedZst, DropCounter, WakeCounter, YieldOnce, EXECUTORS,
    ZST_DROPS,
};
use tidings::mpmc::{self, Receiver, RecvFuture, SendFuture, Sender, WeakSender};
use tidings::{
    oneshot, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};

// ----- flavors -----

/// The channel flavors the bodies run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Rendezvous,
    Bounded(usize),
    Unbounded,
}

impl Flavor {
    fn channel<T>(self) -> (Sender<T>, Receiver<T>) {
        match self {
            Flavor::Rendezvous => mpmc::rendezvous(),
            Flavor::Bounded(cap) => mpmc::bounded(cap),
            Flavor::Unbounded => mpmc::unbounded(),
        }
    }

    fn capacity(self) -> Option<usize> {
        match self {
            Flavor::Rendezvous => Some(0),
            Flavor::Bounded(cap) => Some(cap),
            Flavor::Unbounded => None,
        }
    }

    /// How many messages a body puts in without waiting: the capacity, or
    /// (unbounded) more than one block of 32.
    fn room(self) -> usize {
        self.capacity().unwrap_or(40)
    }

    /// Whether a send can wait (the channel has a capacity).
    fn waits(self) -> bool {
        self.capacity().is_some()
    }
}

macro_rules! flavor {
    (rendezvous) => {
        crate::Flavor::Rendezvous
    };
    (bounded_1) => {
        crate::Flavor::Bounded(1)
    };
    (bounded_4) => {
        crate::Flavor::Bounded(4)
    };
    (unbounded) => {
        crate::Flavor::Unbounded
    };
}

/// One module of tests per body, one test per flavor: `body::flavor`.
/// `waiting:` bodies run on the flavors where a send can wait, `buffered:`
/// bodies on those with a buffer.
macro_rules! per_flavor {
    (waiting: $($body:ident),* $(,)?) => {
        $(per_flavor!(@one $body: rendezvous, bounded_1, bounded_4);)*
    };
    (buffered: $($body:ident),* $(,)?) => {
        $(per_flavor!(@one $body: bounded_1, bounded_4, unbounded);)*
    };
    (all: $($body:ident),* $(,)?) => {
        $(per_flavor!(@one $body: rendezvous, bounded_1, bounded_4, unbounded);)*
    };
    (@one $body:ident: $($flavor:ident),*) => {
        mod $body {
            $(
                #[test]
                fn $flavor() {
                    super::$body(flavor!($flavor));
                }
            )*
        }
    };
}

// ----- helpers -----

/// A deadline a century away.
fn far() -> Instant {
    Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 100)
}

/// A long timeout, for a waiting side that must not hang if a wake is lost.
const LONG: Duration = Duration::from_secs(30);

/// The outcome of a `try_send` of a [`Counted`], with its value for the message.
fn try_sent(got: Result<(), TrySendError<Counted>>) -> Result<(), TrySendError<u64>> {
    got.map_err(|err| match err {
        TrySendError::Full(m) => TrySendError::Full(m.value),
        TrySendError::Disconnected(m) => TrySendError::Disconnected(m.value),
    })
}

/// The outcome of a `send` or `send_async` of a [`Counted`].
fn sent(got: Result<(), SendError<Counted>>) -> Result<(), SendError<u64>> {
    got.map_err(|SendError(m)| SendError(m.value))
}

/// The outcome of a `send_timeout` or `send_deadline` of a [`Counted`].
fn sent_timeout(got: Result<(), SendTimeoutError<Counted>>) -> Result<(), SendTimeoutError<u64>> {
    got.map_err(|err| match err {
        SendTimeoutError::Timeout(m) => SendTimeoutError::Timeout(m.value),
        SendTimeoutError::Disconnected(m) => SendTimeoutError::Disconnected(m.value),
    })
}

/// Makes `msg` ready to be received: buffered, or (a rendezvous or a full
/// channel) held by a send future that waits, polled once and returned to
/// be kept alive until the message is taken. (A thread that blocks in a
/// receive between the `try_send` and the poll takes the message from the
/// future at once: then it is received already.)
fn make_ready<T>(tx: &Sender<T>, msg: T) -> Option<SendFuture<'_, T>> {
    match tx.try_send(msg) {
        Ok(()) => None,
        Err(TrySendError::Full(msg)) => {
            let mut fut = tx.send_async(msg);
            match poll_with(&mut fut, noop_waker_ref()) {
                Poll::Pending => Some(fut),
                Poll::Ready(Ok(())) => None,
                Poll::Ready(Err(_)) => panic!("the channel is closed"),
            }
        }
        Err(TrySendError::Disconnected(_)) => panic!("the channel is closed"),
    }
}

/// Sends `0..room` (as [`Counted`] from `drops`) without waiting.
fn fill(f: Flavor, tx: &Sender<Counted>, drops: &DropCounter) {
    for i in 0..f.room() as u64 {
        assert_eq!(try_sent(tx.try_send(drops.msg(i))), Ok(()));
    }
}

/// Takes every message ready now, as values.
fn ready_values(rx: &Receiver<Counted>) -> Vec<u64> {
    rx.try_iter().map(|m| m.value).collect()
}

// ===== try_send / try_recv and inspection =====

per_flavor!(all: try_send_and_try_recv, len_capacity_and_fullness);

/// `try_send` fills the buffer, then is `Full` with the message back;
/// `try_recv` takes the messages in order, then is `Empty`, then
/// `Disconnected` once the senders are gone.
fn try_send_and_try_recv(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    fill(f, &tx, &drops);
    let room = f.room() as u64;
    let mut refused = 0;
    if f.waits() {
        assert_eq!(
            try_sent(tx.try_send(drops.msg(99))),
            Err(TrySendError::Full(99))
        );
        refused += 1;
    }
    assert_eq!(
        drops.drops(),
        refused,
        "only the refused message was dropped"
    );
    for i in 0..room {
        assert_eq!(value(rx.try_recv()), Ok(i));
    }
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    drop(tx);
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
    assert_eq!(drops.drops(), room as usize + refused);
}

/// `capacity`, `len`, `is_empty` and `is_full` on both halves as the channel
/// fills and drains; a rendezvous is always empty and full, also with a
/// sender waiting.
fn len_capacity_and_fullness(f: Flavor) {
    let (tx, rx) = f.channel::<u8>();
    assert_eq!(tx.capacity(), f.capacity());
    assert_eq!(rx.capacity(), f.capacity());
    assert_eq!((tx.len(), rx.len()), (0, 0));
    assert!(tx.is_empty() && rx.is_empty());
    let full_when_empty = f == Flavor::Rendezvous;
    assert_eq!(
        (tx.is_full(), rx.is_full()),
        (full_when_empty, full_when_empty)
    );
    let room = f.room();
    for i in 1..=room {
        tx.try_send(0).unwrap();
        assert_eq!((tx.len(), rx.len()), (i, i));
        assert!(!tx.is_empty() && !rx.is_empty());
        let full = f.capacity() == Some(i);
        assert_eq!((tx.is_full(), rx.is_full()), (full, full), "at {i}");
    }
    if f == Flavor::Rendezvous {
        // A waiting sender's message is not in a buffer.
        let mut fut = tx.send_async(1);
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        assert_eq!((tx.len(), rx.len()), (0, 0));
        assert!(rx.is_empty() && rx.is_full());
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(Ok(())));
    }
    for i in (0..room).rev() {
        rx.try_recv().unwrap();
        assert_eq!(rx.len(), i);
        assert!(!rx.is_full());
    }
    assert!(tx.is_empty());
}

// ===== blocking across threads =====

per_flavor!(all: fifo_from_one_producer_thread, many_producers_and_consumers_lose_nothing);
per_flavor!(waiting: a_full_channel_makes_the_send_wait_for_a_recv);

/// One producer thread, one consumer: every message, in order.
fn fifo_from_one_producer_thread(f: Flavor) {
    let n = iters(1000) as u64;
    let (tx, rx) = f.channel();
    let ((), got) = concurrently(
        move || {
            for i in 0..n {
                tx.send(i).unwrap();
            }
        },
        || rx.iter().collect::<Vec<_>>(),
    );
    assert_eq!(got, (0..n).collect::<Vec<_>>());
}

/// Three producers and three consumers (threads): every message received
/// exactly once, each producer's messages in order at each consumer.
fn many_producers_and_consumers_lose_nothing(f: Flavor) {
    const PRODUCERS: u64 = 3;
    let n = iters(300) as u64;
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let senders: Vec<_> = (0..PRODUCERS).map(|_| tx.clone()).collect();
    drop(tx);
    let got: Vec<Vec<u64>> = thread::scope(|s| {
        for (p, tx) in (0..).zip(senders) {
            let drops = drops.clone();
            s.spawn(move || {
                for i in 0..n {
                    tx.send(drops.msg(p * n + i)).unwrap();
                }
            });
        }
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                s.spawn(move || rx.iter().map(|m| m.value).collect::<Vec<_>>())
            })
            .collect();
        consumers.into_iter().map(|c| c.join().unwrap()).collect()
    });
    for consumer in &got {
        for p in 0..PRODUCERS {
            let mine: Vec<_> = consumer.iter().filter(|&&v| v / n == p).collect();
            assert!(
                mine.windows(2).all(|w| w[0] < w[1]),
                "out of order: {mine:?}"
            );
        }
    }
    let mut all: Vec<u64> = got.concat();
    all.sort_unstable();
    assert_eq!(all, (0..PRODUCERS * n).collect::<Vec<_>>());
    assert_eq!(drops.drops(), (PRODUCERS * n) as usize);
}

/// Backpressure: with the channel full, a send waits until a receive makes
/// room (a rendezvous: until a receive takes its message).
fn a_full_channel_makes_the_send_wait_for_a_recv(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let room = f.room() as u64;
    for i in 0..room {
        tx.send(i).unwrap();
    }
    assert!(tx.is_full());
    assert_eq!(tx.try_send(room), Err(TrySendError::Full(room)));
    let done = AtomicBool::new(false);
    let ((), got) = concurrently(
        || {
            tx.send(room).unwrap();
            done.store(true, SeqCst);
        },
        || {
            pause();
            assert!(!done.load(SeqCst), "the send finished with no room");
            (0..=room).map(|_| rx.recv().unwrap()).collect::<Vec<_>>()
        },
    );
    assert_eq!(got, (0..=room).collect::<Vec<_>>());
    assert!(done.load(SeqCst));
}

// ===== timeouts and deadlines =====

per_flavor!(all:
    zero_timeout_takes_what_is_ready,
    past_deadline_takes_what_is_ready,
    huge_timeouts_and_far_deadlines_wait_forever,
    timeouts_expire_then_succeed,
);

/// Loops `recv` (a receive that does not wait) until it takes a message.
fn recv_when_ready(mut recv: impl FnMut() -> Result<Counted, RecvTimeoutError>) -> u64 {
    loop {
        match recv() {
            Ok(m) => return m.value,
            Err(RecvTimeoutError::Timeout) => thread::yield_now(),
            Err(RecvTimeoutError::Disconnected) => panic!("disconnected"),
        }
    }
}

/// Loops `send` (a send that does not wait) until it goes through.
fn send_when_ready(
    mut msg: Counted,
    mut send: impl FnMut(Counted) -> Result<(), SendTimeoutError<Counted>>,
) {
    loop {
        match send(msg) {
            Ok(()) => return,
            Err(SendTimeoutError::Timeout(m)) => {
                msg = m;
                thread::yield_now();
            }
            Err(SendTimeoutError::Disconnected(_)) => panic!("disconnected"),
        }
    }
}

/// A zero timeout reports `Timeout` only when nothing is ready: it takes a
/// buffered message or a free slot now; on a rendezvous, it takes a blocked
/// sender's message, and hands its message to a blocked receiver.
fn zero_timeout_takes_what_is_ready(f: Flavor) {
    let zero = Duration::ZERO;
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    assert_eq!(value(rx.recv_timeout(zero)), Err(RecvTimeoutError::Timeout));
    if f == Flavor::Rendezvous {
        assert_eq!(
            sent_timeout(tx.send_timeout(drops.msg(1), zero)),
            Err(SendTimeoutError::Timeout(1))
        );
        // A sender blocked on another thread is ready now.
        let ((), got) = concurrently(
            || tx.send(drops.msg(2)).unwrap(),
            || recv_when_ready(|| rx.recv_timeout(zero)),
        );
        assert_eq!(got, 2);
        // So is a receiver blocked on another thread.
        let (got, ()) = concurrently(
            || value(rx.recv()),
            || send_when_ready(drops.msg(3), |m| tx.send_timeout(m, zero)),
        );
        assert_eq!(got, Ok(3));
        assert_eq!(drops.drops(), 3);
        return;
    }
    assert_eq!(sent_timeout(tx.send_timeout(drops.msg(1), zero)), Ok(()));
    assert_eq!(value(rx.recv_timeout(zero)), Ok(1));
    if f.waits() {
        fill(f, &tx, &drops);
        assert_eq!(
            sent_timeout(tx.send_timeout(drops.msg(99), zero)),
            Err(SendTimeoutError::Timeout(99))
        );
        // A receive makes room: the next zero-timeout send takes it.
        assert_eq!(value(rx.recv_timeout(zero)), Ok(0));
        assert_eq!(sent_timeout(tx.send_timeout(drops.msg(100), zero)), Ok(()));
        let mut expected: Vec<u64> = (1..f.room() as u64).collect();
        expected.push(100);
        assert_eq!(ready_values(&rx), expected);
    }
    assert_eq!(value(rx.recv_timeout(zero)), Err(RecvTimeoutError::Timeout));
    drop(tx);
    assert_eq!(
        value(rx.recv_timeout(zero)),
        Err(RecvTimeoutError::Disconnected)
    );
}

/// A deadline already past behaves like a zero timeout.
fn past_deadline_takes_what_is_ready(f: Flavor) {
    let past = || Instant::now() - Duration::from_millis(5);
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    assert_eq!(
        value(rx.recv_deadline(past())),
        Err(RecvTimeoutError::Timeout)
    );
    if f == Flavor::Rendezvous {
        assert_eq!(
            sent_timeout(tx.send_deadline(drops.msg(1), past())),
            Err(SendTimeoutError::Timeout(1))
        );
        let ((), got) = concurrently(
            || tx.send(drops.msg(2)).unwrap(),
            || recv_when_ready(|| rx.recv_deadline(past())),
        );
        assert_eq!(got, 2);
        let (got, ()) = concurrently(
            || value(rx.recv()),
            || send_when_ready(drops.msg(3), |m| tx.send_deadline(m, past())),
        );
        assert_eq!(got, Ok(3));
        assert_eq!(drops.drops(), 3);
        return;
    }
    assert_eq!(sent_timeout(tx.send_deadline(drops.msg(1), past())), Ok(()));
    assert_eq!(value(rx.recv_deadline(past())), Ok(1));
    if f.waits() {
        fill(f, &tx, &drops);
        assert_eq!(
            sent_timeout(tx.send_deadline(drops.msg(99), past())),
            Err(SendTimeoutError::Timeout(99))
        );
        assert_eq!(value(rx.recv_deadline(past())), Ok(0));
        assert_eq!(
            sent_timeout(tx.send_deadline(drops.msg(100), past())),
            Ok(())
        );
    }
    drop(tx);
    let rest = std::iter::from_fn(|| rx.recv_deadline(past()).ok()).count();
    assert_eq!(rest, if f.waits() { f.room() } else { 0 });
    assert_eq!(
        value(rx.recv_deadline(past())),
        Err(RecvTimeoutError::Disconnected)
    );
}

/// `Duration::MAX` and a deadline a century away wait "forever" (no panic
/// from an overflowing `Instant`), for a message, for room, and for the
/// other side to go away.
fn huge_timeouts_and_far_deadlines_wait_forever(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let ((), got) = concurrently(after_pause(|| tx.send(1).unwrap()), || {
        rx.recv_timeout(Duration::MAX)
    });
    assert_eq!(got, Ok(1));
    let ((), got) = concurrently(after_pause(|| tx.send(2).unwrap()), || {
        rx.recv_deadline(far())
    });
    assert_eq!(got, Ok(2));

    // Waiting for room.
    let room = f.room() as u64;
    for i in 0..room {
        tx.send(i).unwrap();
    }
    let receive_all = |count| (0..count).map(|_| rx.recv().unwrap()).collect::<Vec<_>>();
    let (got, sent) = concurrently(after_pause(|| receive_all(room + 1)), || {
        tx.send_timeout(100, Duration::MAX)
    });
    assert_eq!(sent, Ok(()));
    assert_eq!(got, (0..room).chain([100]).collect::<Vec<_>>());
    let (got, sent) = concurrently(after_pause(|| receive_all(1)), || {
        tx.send_deadline(101, far())
    });
    assert_eq!(sent, Ok(()));
    assert_eq!(got, [101]);

    // Waiting for the other side to go away.
    let ((), got) = concurrently(after_pause(move || drop(tx)), || {
        rx.recv_timeout(Duration::MAX)
    });
    assert_eq!(got, Err(RecvTimeoutError::Disconnected));
    if f.waits() {
        let (tx, rx) = f.channel::<u64>();
        for i in 0..room {
            tx.send(i).unwrap();
        }
        let ((), got) = concurrently(after_pause(move || drop(rx)), || {
            tx.send_timeout(7, Duration::MAX)
        });
        assert_eq!(got, Err(SendTimeoutError::Disconnected(7)));
        let (tx, rx) = f.channel::<u64>();
        for i in 0..room {
            tx.send(i).unwrap();
        }
        let ((), got) = concurrently(after_pause(move || drop(rx)), || tx.send_deadline(8, far()));
        assert_eq!(got, Err(SendTimeoutError::Disconnected(8)));
    }
}

/// Timeouts and deadlines that expire report `Timeout` no earlier than
/// asked, give the message back, deliver nothing, and leave the channel
/// usable: the next wait succeeds.
fn timeouts_expire_then_succeed(f: Flavor) {
    let timeout = Duration::from_millis(20);
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let start = Instant::now();
    assert_eq!(
        value(rx.recv_timeout(timeout)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(start.elapsed() >= timeout, "timed out early");
    let deadline = Instant::now() + timeout;
    assert_eq!(
        value(rx.recv_deadline(deadline)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(Instant::now() >= deadline, "timed out early");
    let ((), got) = concurrently(after_pause(|| tx.send(drops.msg(1)).unwrap()), || {
        value(rx.recv_timeout(LONG))
    });
    assert_eq!(got, Ok(1));

    if f.waits() {
        fill(f, &tx, &drops);
        let start = Instant::now();
        assert_eq!(
            sent_timeout(tx.send_timeout(drops.msg(100), timeout)),
            Err(SendTimeoutError::Timeout(100))
        );
        assert!(start.elapsed() >= timeout, "timed out early");
        let deadline = Instant::now() + timeout;
        assert_eq!(
            sent_timeout(tx.send_deadline(drops.msg(101), deadline)),
            Err(SendTimeoutError::Timeout(101))
        );
        assert!(Instant::now() >= deadline, "timed out early");
        // The withdrawn messages were never delivered; the next send waits
        // for room and gets through.
        let room = f.room() as u64;
        let ((), got) = concurrently(
            || assert_eq!(sent_timeout(tx.send_timeout(drops.msg(102), LONG)), Ok(())),
            after_pause(|| (0..=room).map(|_| value(rx.recv())).collect::<Vec<_>>()),
        );
        let expected: Vec<_> = (0..room).chain([102]).map(Ok).collect();
        assert_eq!(got, expected);
        assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
        assert_eq!(drops.drops(), room as usize + 4);
    }
}

// ===== close =====

per_flavor!(all:
    close_by_a_sender_drains_then_disconnects,
    close_by_a_receiver_drains_then_disconnects,
    close_wakes_every_waiting_receiver,
);
per_flavor!(waiting: close_finishes_waiting_senders_with_their_message);

fn close_by_a_sender_drains_then_disconnects(f: Flavor) {
    close_then_drain(f, false);
}

fn close_by_a_receiver_drains_then_disconnects(f: Flavor) {
    close_then_drain(f, true);
}

/// `close` from one side: it returns true once, then false from either
/// side; every send fails with its message back, the handles stay counted,
/// and the receivers drain what is buffered, then see the end.
fn close_then_drain(f: Flavor, by_receiver: bool) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let (tx2, rx2) = (tx.clone(), rx.clone());
    let weak = tx.downgrade();
    fill(f, &tx, &drops);
    assert!(!tx.is_disconnected() && !rx.is_disconnected());
    let (first, second) = if by_receiver {
        (rx.close(), tx2.close())
    } else {
        (tx.close(), rx2.close())
    };
    assert!(first, "the first close closes");
    assert!(!second, "the channel was closed already");
    assert!(!tx.close() && !rx.close());
    for closed in [
        tx.is_disconnected(),
        tx2.is_disconnected(),
        rx.is_disconnected(),
        rx2.is_disconnected(),
    ] {
        assert!(closed);
    }
    assert_eq!(
        try_sent(tx.try_send(drops.msg(100))),
        Err(TrySendError::Disconnected(100))
    );
    assert_eq!(sent(tx2.send(drops.msg(101))), Err(SendError(101)));
    assert_eq!(
        sent_timeout(tx.send_timeout(drops.msg(102), LONG)),
        Err(SendTimeoutError::Disconnected(102))
    );
    assert_eq!(
        sent_timeout(tx.send_deadline(drops.msg(103), far())),
        Err(SendTimeoutError::Disconnected(103))
    );
    assert_eq!(
        sent(futures::executor::block_on(tx.send_async(drops.msg(104)))),
        Err(SendError(104))
    );
    // Closing drops no handle, and a weak sender still upgrades (into a
    // closed channel).
    assert_eq!((rx.sender_count(), tx.receiver_count()), (2, 2));
    let upgraded = weak.upgrade().expect("senders are alive");
    assert!(upgraded.is_disconnected());
    assert_eq!(
        drops.drops(),
        5,
        "refused messages came back, nothing else dropped"
    );
    for i in 0..f.room() as u64 {
        let rx = if i % 2 == 0 { &rx } else { &rx2 };
        assert_eq!(value(rx.recv()), Ok(i));
    }
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
    assert_eq!(value(rx2.recv()), Err(RecvError));
    assert_eq!(
        value(rx.recv_timeout(LONG)),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(
        value(rx2.recv_deadline(far())),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(
        value(futures::executor::block_on(rx.recv_async())),
        Err(RecvError)
    );
    assert_eq!(drops.drops(), f.room() + 5);
}

/// `close` (from either side) finishes every waiting sender, blocked thread
/// or pending future, with its message back; the buffer still drains.
fn close_finishes_waiting_senders_with_their_message(f: Flavor) {
    for by_receiver in [false, true] {
        let drops = DropCounter::new();
        let (tx, rx) = f.channel();
        fill(f, &tx, &drops);
        let (counter, waker) = WakeCounter::new();
        let mut fut = tx.send_async(drops.msg(50));
        assert!(poll_with(&mut fut, &waker).is_pending());
        let (blocked, closed) = concurrently(
            || sent(tx.send(drops.msg(51))),
            after_pause(|| if by_receiver { rx.close() } else { tx.close() }),
        );
        assert!(closed);
        assert_eq!(blocked, Err(SendError(51)));
        assert_eq!(counter.wakes(), 1, "the pending send was woken");
        assert_eq!(
            poll_with(&mut fut, &waker).map(sent),
            Poll::Ready(Err(SendError(50)))
        );
        drop(fut);
        assert_eq!(drops.drops(), 2);
        assert_eq!(ready_values(&rx), (0..f.room() as u64).collect::<Vec<_>>());
        assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
        assert_eq!(drops.drops(), f.room() + 2);
    }
}

/// `close` wakes every waiting receiver, blocked threads and pending
/// futures alike, and they all see the end.
fn close_wakes_every_waiting_receiver(f: Flavor) {
    for by_receiver in [false, true] {
        let (tx, rx) = f.channel::<u64>();
        let (c1, w1) = WakeCounter::new();
        let (c2, w2) = WakeCounter::new();
        let mut r1 = rx.recv_async();
        let mut r2 = rx.recv_async();
        assert!(poll_with(&mut r1, &w1).is_pending());
        assert!(poll_with(&mut r2, &w2).is_pending());
        let blocked = thread::scope(|s| {
            let threads: Vec<_> = (0..2).map(|_| s.spawn(|| rx.recv())).collect();
            pause();
            assert!(if by_receiver { rx.close() } else { tx.close() });
            threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect::<Vec<_>>()
        });
        assert_eq!(blocked, [Err(RecvError), Err(RecvError)]);
        assert_eq!((c1.wakes(), c2.wakes()), (1, 1));
        assert_eq!(poll_with(&mut r1, &w1), Poll::Ready(Err(RecvError)));
        assert_eq!(poll_with(&mut r2, &w2), Poll::Ready(Err(RecvError)));
    }
}

// ===== disconnection by dropping handles =====

per_flavor!(all:
    last_sender_dropped_wakes_waiting_receivers,
    last_sender_dropped_ends_a_waiting_task_on_every_executor,
    last_receiver_dropped_drops_buffered_messages_at_once,
);
per_flavor!(waiting: last_receiver_dropped_finishes_waiting_senders);

/// Dropping a clone of the sender wakes nobody; dropping the last one
/// wakes a blocked thread and a pending future, which both see the end.
fn last_sender_dropped_wakes_waiting_receivers(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let tx2 = tx.clone();
    let (counter, waker) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    let wakes = counter.clone();
    let (got, ()) = concurrently(
        || rx.recv(),
        after_pause(move || {
            drop(tx);
            assert_eq!(wakes.wakes(), 0, "a sender is left");
            drop(tx2);
        }),
    );
    assert_eq!(got, Err(RecvError));
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Err(RecvError)));
    assert_eq!(rx.sender_count(), 0);
    assert!(rx.is_disconnected());
}

/// A task awaiting `recv_async` sees the end when a thread drops the last
/// sender, under every executor.
fn last_sender_dropped_ends_a_waiting_task_on_every_executor(f: Flavor) {
    for executor in EXECUTORS {
        let (tx, rx) = f.channel::<u64>();
        let ((), got) = concurrently(after_pause(move || drop(tx)), || {
            executor.run(async move { rx.recv_async().await })
        });
        assert_eq!(got, Err(RecvError), "under {executor:?}");
    }
}

/// Dropping a clone of the receiver drops nothing; dropping the last one
/// drops the buffered messages at once (while senders live), and sends
/// then fail with the message back.
fn last_receiver_dropped_drops_buffered_messages_at_once(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let rx2 = rx.clone();
    fill(f, &tx, &drops);
    drop(rx2);
    assert_eq!(drops.drops(), 0);
    assert!(!tx.is_disconnected());
    drop(rx);
    assert_eq!(
        drops.drops(),
        f.room(),
        "dropped with the last receiver, at once"
    );
    assert!(tx.is_disconnected());
    assert_eq!(tx.receiver_count(), 0);
    let Err(TrySendError::Disconnected(msg)) = tx.try_send(drops.msg(100)) else {
        panic!("not disconnected");
    };
    assert_eq!(msg.value, 100);
    assert_eq!(
        drops.drops(),
        f.room(),
        "the message came back, not dropped"
    );
    drop(msg);
    assert_eq!(sent(tx.send(drops.msg(101))), Err(SendError(101)));
    assert_eq!(
        sent(futures::executor::block_on(tx.send_async(drops.msg(102)))),
        Err(SendError(102))
    );
    assert_eq!(drops.drops(), f.room() + 3);
}

/// Dropping the last receiver finishes a sender blocked on a thread and a
/// pending send future, each with its message back, and drops the buffer.
fn last_receiver_dropped_finishes_waiting_senders(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    fill(f, &tx, &drops);
    let (counter, waker) = WakeCounter::new();
    let mut fut = tx.send_async(drops.msg(50));
    assert!(poll_with(&mut fut, &waker).is_pending());
    let (blocked, ()) = concurrently(
        || sent(tx.send(drops.msg(51))),
        after_pause(move || drop(rx)),
    );
    assert_eq!(blocked, Err(SendError(51)));
    assert_eq!(drops.drops(), f.room() + 1);
    assert_eq!(counter.wakes(), 1);
    assert_eq!(
        poll_with(&mut fut, &waker).map(sent),
        Poll::Ready(Err(SendError(50)))
    );
    assert_eq!(drops.drops(), f.room() + 2);
}

// ===== handles =====

per_flavor!(all: handle_counts_and_same_channel, weak_sender_does_not_keep_the_channel_open);

/// `sender_count`, `receiver_count` and `same_channel` through clones and
/// drops; weak senders are not counted.
fn handle_counts_and_same_channel(f: Flavor) {
    let (tx, rx) = f.channel::<u8>();
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
    let tx2 = tx.clone();
    let rx2 = rx.clone();
    let rx3 = rx2.clone();
    assert_eq!((rx.sender_count(), rx.receiver_count()), (2, 3));
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!(tx.sender_count(), 2, "weak senders are not counted");
    assert!(tx.same_channel(&tx2) && tx2.same_channel(&tx));
    assert!(rx.same_channel(&rx3));
    let (other_tx, other_rx) = f.channel::<u8>();
    assert!(!tx.same_channel(&other_tx));
    assert!(!rx.same_channel(&other_rx));
    assert!(weak2.upgrade().unwrap().same_channel(&tx));
    drop((tx2, rx3));
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 2));
    assert!(!tx.is_disconnected() && !rx.is_disconnected());
    drop(rx);
    assert_eq!(rx2.receiver_count(), 1);
    assert!(!tx.is_disconnected());
    drop((weak, weak2));
    assert_eq!(tx.sender_count(), 1);
}

/// A weak sender upgrades while a sender lives, does not keep the channel
/// open (a blocked receiver sees the end), and upgrades to nothing after.
fn weak_sender_does_not_keep_the_channel_open(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let weak: WeakSender<u64> = tx.downgrade();
    let upgraded = weak.upgrade().expect("a sender lives");
    assert_eq!(tx.sender_count(), 2);
    assert!(upgraded.same_channel(&tx));
    let from_upgraded = upgraded.downgrade();
    if f == Flavor::Rendezvous {
        drop(upgraded);
    } else {
        upgraded.send(1).unwrap();
        drop(upgraded);
        assert_eq!(rx.recv(), Ok(1));
    }
    assert_eq!(tx.sender_count(), 1);
    let ((), got) = concurrently(after_pause(move || drop(tx)), || rx.recv());
    assert_eq!(
        got,
        Err(RecvError),
        "the weak senders kept the channel open"
    );
    assert!(weak.upgrade().is_none());
    assert!(weak.clone().upgrade().is_none());
    assert!(from_upgraded.upgrade().is_none());
    assert_eq!(rx.sender_count(), 0);
    assert!(rx.is_disconnected());
}

// ===== iterators =====

per_flavor!(all:
    try_iter_takes_only_what_is_ready,
    iter_and_into_iter_end_when_closed,
    drain_takes_only_what_was_buffered,
);

/// `try_iter` takes what is ready and ends at once, senders alive or not.
fn try_iter_takes_only_what_is_ready(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    assert_eq!(ready_values(&rx), [] as [u64; 0]);
    fill(f, &tx, &drops);
    let held = make_ready(&tx, drops.msg(100));
    let mut expected: Vec<u64> = (0..f.room() as u64).collect();
    expected.push(100);
    assert_eq!(ready_values(&rx), expected);
    drop(held);
    assert_eq!(ready_values(&rx), [] as [u64; 0], "nothing more is ready");
    assert!(!rx.is_disconnected());
    assert_eq!(drops.drops(), f.room() + 1);
}

/// `iter`, `for m in &rx` and `for m in rx` block for every message and end
/// when the senders are gone.
fn iter_and_into_iter_end_when_closed(f: Flavor) {
    let n = iters(100) as u64;
    let producer = |tx: Sender<u64>| {
        move || {
            for i in 0..n {
                tx.send(i).unwrap();
            }
        }
    };
    let expected: Vec<u64> = (0..n).collect();

    let (tx, rx) = f.channel();
    let ((), got) = concurrently(producer(tx), || rx.iter().collect::<Vec<_>>());
    assert_eq!(got, expected);
    assert_eq!(rx.iter().next(), None, "an ended iterator stays ended");

    let (tx, rx) = f.channel();
    let ((), got) = concurrently(producer(tx), || {
        let mut got = Vec::new();
        for m in &rx {
            got.push(m);
        }
        got
    });
    assert_eq!(got, expected);

    let (tx, rx) = f.channel();
    let ((), got) = concurrently(producer(tx), move || {
        let mut got = Vec::new();
        for m in rx {
            got.push(m);
        }
        got
    });
    assert_eq!(got, expected);
}

/// `drain` yields at most what was buffered when it was made; messages
/// sent later, and a waiting rendezvous sender's, are left.
fn drain_takes_only_what_was_buffered(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let k = f.room().min(3) as u64;
    for i in 0..k {
        tx.try_send(i).unwrap();
    }
    let held = (f == Flavor::Rendezvous).then(|| make_ready(&tx, 50).unwrap());
    let mut drain = rx.drain();
    assert_eq!(drain.size_hint(), (k as usize, Some(k as usize)));
    assert_eq!(rx.len(), 0, "taken at once");
    if k > 0 {
        assert_eq!(drain.next(), Some(0));
        tx.try_send(100).unwrap(); // room made by the drain
    }
    let rest: Vec<_> = drain.collect();
    assert_eq!(rest, (1..k).collect::<Vec<_>>());
    if k > 0 {
        assert_eq!(rx.try_recv(), Ok(100), "sent after the drain began");
    }
    if let Some(held) = held {
        assert_eq!(
            rx.try_recv(),
            Ok(50),
            "the waiting sender's message was left"
        );
        drop(held);
    }
    // What a drain took is its own: another receiver finds none of it.
    for i in 0..k {
        tx.try_send(i).unwrap();
    }
    let rx2 = rx.clone();
    let drain = rx.drain();
    assert_eq!(rx2.try_iter().count(), 0);
    assert_eq!(drain.collect::<Vec<_>>(), (0..k).collect::<Vec<_>>());
}

per_flavor!(all:
    drain_not_iterated_still_takes_and_drops,
);

/// `rx.drain();` alone empties the buffer (flume's and `Vec::drain`'s
/// rule): the messages are dropped with the unused iterator, once each.
fn drain_not_iterated_still_takes_and_drops(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let k = f.room().min(3) as u64;
    for i in 0..k {
        tx.try_send(drops.msg(i)).unwrap();
    }
    rx.drain();
    assert_eq!(drops.drops(), k as usize, "each dropped once, at once");
    assert!(rx.is_empty());
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    tx.try_send(drops.msg(9)).ok();
    drop((tx, rx));
}

/// Draining a full bounded channel lets the waiting senders' messages in
/// behind (as that many receives would) and finishes those sends.
#[test]
fn drain_lets_waiting_senders_in() {
    let (tx, rx) = mpmc::bounded(2);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let mut third = tx.send_async(3);
    let mut fourth = tx.send_async(4);
    let waker = futures::task::noop_waker();
    assert!(poll_with(&mut third, &waker).is_pending());
    assert!(poll_with(&mut fourth, &waker).is_pending());
    assert_eq!(rx.drain().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(poll_with(&mut third, &waker), Poll::Ready(Ok(())));
    assert_eq!(poll_with(&mut fourth, &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3, 4]);
}

// ===== async, and mixing threads with tasks =====

per_flavor!(all:
    send_async_and_recv_async_on_every_executor,
    thread_to_task_and_task_to_thread_on_every_executor,
    task_to_task_across_executors,
    mixed_threads_and_tasks_lose_nothing,
    thread_and_task_receivers_are_served_alike,
);

/// A producing and a consuming future joined in one task, every executor.
fn send_async_and_recv_async_on_every_executor(f: Flavor) {
    on_every_executor(move |executor| async move {
        let n = iters(200) as u64;
        let (tx, rx) = f.channel::<u64>();
        let produce = async move {
            for i in 0..n {
                tx.send_async(i).await.unwrap();
            }
            drop(tx);
        };
        let consume = async {
            let mut got = Vec::new();
            while let Ok(v) = rx.recv_async().await {
                got.push(v);
            }
            got
        };
        let ((), got) = join(produce, consume).await;
        assert_eq!(got, (0..n).collect::<Vec<_>>(), "under {executor:?}");
    });
}

/// A blocking thread feeds a task, and a task feeds a blocking thread.
fn thread_to_task_and_task_to_thread_on_every_executor(f: Flavor) {
    let n = iters(100) as u64;
    let expected: Vec<u64> = (0..n).collect();
    for executor in EXECUTORS {
        let (tx, rx) = f.channel::<u64>();
        let ((), got) = concurrently(
            move || {
                for i in 0..n {
                    tx.send(i).unwrap();
                }
            },
            || {
                executor.run(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx.recv_async().await {
                        got.push(v);
                    }
                    got
                })
            },
        );
        assert_eq!(got, expected, "thread to task under {executor:?}");

        let (tx, rx) = f.channel::<u64>();
        let (got, ()) = concurrently(
            move || rx.iter().collect::<Vec<_>>(),
            || {
                executor.run(async move {
                    for i in 0..n {
                        tx.send_async(i).await.unwrap();
                    }
                    drop(tx);
                })
            },
        );
        assert_eq!(got, expected, "task to thread under {executor:?}");
    }
}

/// A task on one executor feeds a task on another (each on its thread).
fn task_to_task_across_executors(f: Flavor) {
    let n = iters(100) as u64;
    for (i, sending) in EXECUTORS.into_iter().enumerate() {
        let receiving = EXECUTORS[(i + 1) % EXECUTORS.len()];
        let (tx, rx) = f.channel::<u64>();
        let ((), got) = concurrently(
            move || {
                sending.run(async move {
                    for i in 0..n {
                        tx.send_async(i).await.unwrap();
                    }
                    drop(tx);
                })
            },
            || {
                receiving.run(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx.recv_async().await {
                        got.push(v);
                    }
                    got
                })
            },
        );
        assert_eq!(
            got,
            (0..n).collect::<Vec<_>>(),
            "{sending:?} to {receiving:?}"
        );
    }
}

/// A thread and a task produce, a thread and a task consume, all on one
/// channel at once: every message received exactly once.
fn mixed_threads_and_tasks_lose_nothing(f: Flavor) {
    let n = iters(100) as u64;
    for executor in EXECUTORS {
        let (tx, rx) = f.channel::<u64>();
        let (thread_tx, task_tx) = (tx.clone(), tx);
        let (thread_rx, task_rx) = (rx.clone(), rx);
        let (thread_got, task_got) = thread::scope(|s| {
            s.spawn(move || {
                for i in 0..n {
                    thread_tx.send(i).unwrap();
                }
            });
            let consumer = s.spawn(move || thread_rx.iter().collect::<Vec<_>>());
            let task_got = executor.run(async move {
                let produce = async move {
                    for i in n..2 * n {
                        task_tx.send_async(i).await.unwrap();
                    }
                    drop(task_tx);
                };
                let consume = async move {
                    let mut got = Vec::new();
                    while let Ok(v) = task_rx.recv_async().await {
                        got.push(v);
                    }
                    got
                };
                join(produce, consume).await.1
            });
            (consumer.join().unwrap(), task_got)
        });
        let mut all = [thread_got, task_got].concat();
        all.sort_unstable();
        assert_eq!(all, (0..2 * n).collect::<Vec<_>>(), "under {executor:?}");
    }
}

/// A thread blocked in `recv` and a future awaiting `recv_async` on one
/// channel: two messages, one each.
fn thread_and_task_receivers_are_served_alike(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
    let (by_thread, by_future) = thread::scope(|s| {
        let receiver = s.spawn(|| rx.recv());
        s.spawn(after_pause(|| {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        }));
        let by_future = futures::executor::block_on(&mut fut);
        (receiver.join().unwrap(), by_future)
    });
    let mut got = [by_thread.unwrap(), by_future.unwrap()];
    got.sort_unstable();
    assert_eq!(got, [1, 2]);
}

// ===== cancellation =====

per_flavor!(all:
    send_future_dropped_before_its_first_poll_drops_its_message,
    recv_future_dropped_at_any_point_loses_nothing,
    woken_recv_future_dropped_passes_the_wake_on,
    woken_recv_future_dropped_passes_the_wake_on_to_a_blocked_thread,
    recv_future_kept_unpolled_takes_no_message,
    select_loops_lose_nothing,
);
per_flavor!(waiting:
    pending_send_future_dropped_withdraws_its_message,
    woken_send_future_dropped_counts_as_delivered,
);

/// A send future dropped unpolled drops its message and delivers nothing;
/// one dropped after completing had delivered it.
fn send_future_dropped_before_its_first_poll_drops_its_message(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    drop(tx.send_async(drops.msg(1)));
    assert_eq!(drops.drops(), 1);
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    if f != Flavor::Rendezvous {
        let mut fut = tx.send_async(drops.msg(2));
        assert_eq!(
            poll_with(&mut fut, noop_waker_ref()).map(sent),
            Poll::Ready(Ok(()))
        );
        drop(fut);
        assert_eq!(drops.drops(), 1);
        assert_eq!(value(rx.try_recv()), Ok(2));
    }
    assert_eq!(drops.drops(), 1 + usize::from(f != Flavor::Rendezvous));
}

/// A pending send future dropped withdraws its message: dropped exactly
/// once, never delivered, its waker never woken.
fn pending_send_future_dropped_withdraws_its_message(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    fill(f, &tx, &drops);
    let (counter, waker) = WakeCounter::new();
    let mut fut = tx.send_async(drops.msg(50));
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(fut);
    assert_eq!(drops.drops(), 1, "withdrawn and dropped with its future");
    assert_eq!(Arc::strong_count(&counter), 2, "the waker was released");
    assert_eq!(ready_values(&rx), (0..f.room() as u64).collect::<Vec<_>>());
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    assert_eq!(counter.wakes(), 0);
    // The channel goes on as usual.
    let held = make_ready(&tx, drops.msg(51));
    assert_eq!(value(rx.try_recv()), Ok(51));
    drop(held);
    assert_eq!(drops.drops(), f.room() + 2);
}

/// A send future whose message a receiver took (it is woken) counts as
/// delivered if dropped instead of polled: the message arrives once and is
/// not dropped by the future. Polled instead, it completes.
fn woken_send_future_dropped_counts_as_delivered(f: Flavor) {
    for poll_it in [false, true] {
        let drops = DropCounter::new();
        let (tx, rx) = f.channel();
        fill(f, &tx, &drops);
        let (counter, waker) = WakeCounter::new();
        let mut fut = tx.send_async(drops.msg(50));
        assert!(poll_with(&mut fut, &waker).is_pending());
        let first = if f == Flavor::Rendezvous { 50 } else { 0 };
        assert_eq!(value(rx.try_recv()), Ok(first));
        assert_eq!(counter.wakes(), 1);
        if poll_it {
            assert_eq!(poll_with(&mut fut, &waker).map(sent), Poll::Ready(Ok(())));
        }
        drop(fut);
        assert_eq!(
            drops.drops(),
            1,
            "the future did not drop a delivered message"
        );
        let mut expected: Vec<u64> = (1..f.room() as u64).collect();
        if f != Flavor::Rendezvous {
            expected.push(50);
        }
        assert_eq!(ready_values(&rx), expected);
        assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
        assert_eq!(drops.drops(), f.room() + 1);
    }
}

/// A receive future dropped before its first poll, while pending, after
/// being woken, or after completing: no message is lost, and a dropped
/// pending receive is not woken.
fn recv_future_dropped_at_any_point_loses_nothing(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();

    drop(rx.recv_async());
    let held = make_ready(&tx, drops.msg(1));
    assert_eq!(value(rx.try_recv()), Ok(1));
    drop(held);

    let (counter, waker) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(fut);
    assert_eq!(Arc::strong_count(&counter), 2, "the waker was released");
    let held = make_ready(&tx, drops.msg(2));
    assert_eq!(counter.wakes(), 0, "a dropped receive is not woken");
    assert_eq!(value(rx.try_recv()), Ok(2));
    drop(held);

    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    let held = make_ready(&tx, drops.msg(3));
    assert_eq!(counter.wakes(), 1);
    drop(fut);
    assert_eq!(drops.drops(), 2);
    assert_eq!(
        value(rx.try_recv()),
        Ok(3),
        "the message stayed in the channel"
    );
    drop(held);

    let held = make_ready(&tx, drops.msg(4));
    let mut fut = rx.recv_async();
    assert_eq!(poll_with(&mut fut, &waker).map(value), Poll::Ready(Ok(4)));
    drop(fut);
    drop(held);
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    assert_eq!(drops.drops(), 4);
}

/// Regression (3): one message wakes one of two pending receives; the woken
/// one is dropped (say, by a `select!`) and passes the wake on to the other,
/// which then takes the message.
fn woken_recv_future_dropped_passes_the_wake_on(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let rx2 = rx.clone();
    let (c1, w1) = WakeCounter::new();
    let (c2, w2) = WakeCounter::new();
    let mut r1 = rx.recv_async();
    let mut r2 = rx2.recv_async();
    assert!(poll_with(&mut r1, &w1).is_pending());
    assert!(poll_with(&mut r2, &w2).is_pending());
    let held = make_ready(&tx, drops.msg(7));
    assert_eq!(
        (c1.wakes(), c2.wakes()),
        (1, 0),
        "one message wakes one receiver"
    );
    drop(r1);
    assert_eq!(c2.wakes(), 1, "the dropped receive passed its wake on");
    assert_eq!(poll_with(&mut r2, &w2).map(value), Poll::Ready(Ok(7)));
    drop(held);
    assert_eq!(drops.drops(), 1);
}

/// Regression (3), with a blocked thread as the other receiver: it must get
/// the message once the woken future is dropped (a lost wake shows as a
/// timeout here, not as a hang).
fn woken_recv_future_dropped_passes_the_wake_on_to_a_blocked_thread(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let rx2 = rx.clone();
    let (counter, waker) = WakeCounter::new();
    let mut r1 = rx.recv_async();
    assert!(poll_with(&mut r1, &waker).is_pending());
    let got = thread::scope(|s| {
        let blocked = s.spawn(|| value(rx2.recv_timeout(LONG)));
        pause();
        let held = make_ready(&tx, drops.msg(8));
        drop(r1);
        let got = blocked.join().unwrap();
        drop(held);
        got
    });
    assert_eq!(
        got,
        Ok(8),
        "the wake was not passed on to the blocked thread"
    );
    assert!(counter.wakes() <= 1);
    assert_eq!(drops.drops(), 1);
}

/// A receive future polled once and then kept, unpolled, does not take a
/// message: another receiver takes it. Polled again, it waits for the next.
fn recv_future_kept_unpolled_takes_no_message(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let rx2 = rx.clone();
    let (counter, waker) = WakeCounter::new();
    let mut kept = rx.recv_async();
    assert!(poll_with(&mut kept, &waker).is_pending());
    let held = make_ready(&tx, drops.msg(1));
    assert_eq!(counter.wakes(), 1);
    assert_eq!(
        value(rx2.try_recv()),
        Ok(1),
        "the message waited in the channel"
    );
    drop(held);
    assert!(poll_with(&mut kept, &waker).is_pending());
    let held = make_ready(&tx, drops.msg(2));
    assert_eq!(counter.wakes(), 2);
    assert_eq!(poll_with(&mut kept, &waker).map(value), Poll::Ready(Ok(2)));
    drop(held);
    assert_eq!(drops.drops(), 2);
}

/// `tokio::select!` loops that drop a `recv_async` future on almost every
/// turn (the other branches win often), beside a blocked thread consumer,
/// under every executor: every message received exactly once.
fn select_loops_lose_nothing(f: Flavor) {
    let n = iters(100) as u64;
    for executor in EXECUTORS {
        let drops = DropCounter::new();
        let (tx, rx) = f.channel::<Counted>();
        let (tick_tx, tick_rx) = mpmc::unbounded::<()>();
        let thread_rx = rx.clone();
        let (thread_got, task_got) = thread::scope(|s| {
            let producer_drops = drops.clone();
            s.spawn(move || {
                for i in 0..n {
                    tx.send(producer_drops.msg(i)).unwrap();
                }
            });
            s.spawn(move || {
                for _ in 0..n {
                    if tick_tx.send(()).is_err() {
                        break;
                    }
                    thread::yield_now();
                }
            });
            let consumer = s.spawn(move || thread_rx.iter().map(|m| m.value).collect::<Vec<_>>());
            let task_got = executor.run(async move {
                let mut got = Vec::new();
                let mut ticking = true;
                loop {
                    tokio::select! {
                        msg = rx.recv_async() => match msg {
                            Ok(m) => got.push(m.value),
                            Err(RecvError) => break,
                        },
                        tick = tick_rx.recv_async(), if ticking => {
                            if tick.is_err() {
                                ticking = false;
                            }
                        }
                        () = YieldOnce::default() => {}
                    }
                }
                got
            });
            (consumer.join().unwrap(), task_got)
        });
        let mut all = [thread_got, task_got].concat();
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>(), "under {executor:?}");
        assert_eq!(drops.drops(), n as usize);
    }
}

// ===== wakers =====

per_flavor!(all:
    recv_future_wakes_the_latest_waker_and_keeps_one_clone,
    one_message_wakes_one_receiver,
    waker_whose_clone_panics_leaves_the_channel_usable,
    waker_whose_drop_panics_leaves_the_channel_usable,
    waker_panicking_when_woken_by_close_does_not_strand_the_others,
);
per_flavor!(waiting: send_future_wakes_the_latest_waker);

/// A receive polled again with another waker wakes that one (the old one is
/// dropped, not leaked); polled again with the same one, it keeps one clone.
fn recv_future_wakes_the_latest_waker_and_keeps_one_clone(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let (old_c, old_w) = WakeCounter::new();
    let (new_c, new_w) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &old_w).is_pending());
    assert!(poll_with(&mut fut, &new_w).is_pending());
    assert_eq!(Arc::strong_count(&old_c), 2, "the old waker was dropped");
    let held = make_ready(&tx, drops.msg(1));
    assert_eq!((old_c.wakes(), new_c.wakes()), (0, 1));
    assert_eq!(poll_with(&mut fut, &new_w).map(value), Poll::Ready(Ok(1)));
    drop(fut);
    drop(held);
    assert_eq!(Arc::strong_count(&new_c), 2, "the waker leaked");

    let (c, w) = WakeCounter::new();
    let mut fut = rx.recv_async();
    for _ in 0..5 {
        assert!(poll_with(&mut fut, &w).is_pending());
    }
    assert_eq!(Arc::strong_count(&c), 3, "one clone inside the channel");
    drop(fut);
    assert_eq!(Arc::strong_count(&c), 2);
    assert_eq!(c.wakes(), 0);
}

/// A waiting send polled again with another waker wakes that one.
fn send_future_wakes_the_latest_waker(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    fill(f, &tx, &drops);
    let (old_c, old_w) = WakeCounter::new();
    let (new_c, new_w) = WakeCounter::new();
    let mut fut = tx.send_async(drops.msg(50));
    assert!(poll_with(&mut fut, &old_w).is_pending());
    assert!(poll_with(&mut fut, &new_w).is_pending());
    assert!(poll_with(&mut fut, &new_w).is_pending());
    assert_eq!(Arc::strong_count(&old_c), 2, "the old waker was dropped");
    assert_eq!(Arc::strong_count(&new_c), 3, "one clone of the new one");
    assert!(rx.try_recv().is_ok());
    assert_eq!((old_c.wakes(), new_c.wakes()), (0, 1));
    assert_eq!(poll_with(&mut fut, &new_w).map(sent), Poll::Ready(Ok(())));
    drop(fut);
    assert_eq!(Arc::strong_count(&new_c), 2);
}

/// No thundering herd: with three receives pending, one message wakes one
/// of them, the next message the next one.
fn one_message_wakes_one_receiver(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let counters: Vec<_> = (0..3).map(|_| WakeCounter::new()).collect();
    let mut futs: Vec<RecvFuture<'_, Counted>> = (0..3).map(|_| rx.recv_async()).collect();
    for (fut, (_, waker)) in futs.iter_mut().zip(&counters) {
        assert!(poll_with(fut, waker).is_pending());
    }
    let wakes = || counters.iter().map(|(c, _)| c.wakes()).collect::<Vec<_>>();
    let held1 = make_ready(&tx, drops.msg(1));
    assert_eq!(wakes(), [1, 0, 0], "one message, one wake");
    let held2 = make_ready(&tx, drops.msg(2));
    assert!(wakes().iter().sum::<usize>() <= 2);
    assert_eq!(
        poll_with(&mut futs[0], &counters[0].1).map(value),
        Poll::Ready(Ok(1))
    );
    assert_eq!(
        wakes(),
        [1, 1, 0],
        "the second message woke the second receive"
    );
    assert_eq!(
        poll_with(&mut futs[1], &counters[1].1).map(value),
        Poll::Ready(Ok(2))
    );
    assert!(poll_with(&mut futs[2], &counters[2].1).is_pending());
    assert_eq!(wakes(), [1, 1, 0]);
    drop((held1, held2));
    drop(futs);
    assert_eq!(drops.drops(), 2);
}

/// A poll whose waker's clone panics: the panic reaches the poller, and the
/// channel goes on (a receive that then registers normally is woken; a send
/// whose first poll panicked delivered or dropped its message exactly once).
fn waker_whose_clone_panics_leaves_the_channel_usable(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let good = Arc::new(hostile::Flags::default());
    let bad = Arc::new(hostile::Flags::default());
    bad.panic_on_clone.store(true, SeqCst);
    let bad_waker = hostile::waker(&bad);

    // A receive: panics on its first poll, and on a later one.
    let mut fut = rx.recv_async();
    let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad_waker)));
    assert!(polled.is_err(), "the clone's panic reaches the poller");
    assert!(poll_with(&mut fut, &hostile::waker(&good)).is_pending());
    let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad_waker)));
    assert!(polled.is_err());
    let (counter, waker) = WakeCounter::new();
    assert!(poll_with(&mut fut, &waker).is_pending());
    let held = make_ready(&tx, drops.msg(1));
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker).map(value), Poll::Ready(Ok(1)));
    drop(held);

    // A send that has to wait.
    if f.waits() {
        fill(f, &tx, &drops);
        let mut fut = tx.send_async(drops.msg(60));
        let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad_waker)));
        assert!(polled.is_err());
        drop(fut);
        let got = ready_values(&rx);
        let delivered = got.iter().filter(|&&v| v == 60).count();
        assert!(delivered <= 1, "delivered twice");
        assert_eq!(drops.drops(), 1 + f.room() + 1, "dropped exactly once");
        // The channel goes on.
        let mut fut = tx.send_async(drops.msg(61));
        let ready = poll_with(&mut fut, &waker).map(sent);
        assert_eq!(value(rx.try_recv()), Ok(61));
        if ready.is_pending() {
            assert_eq!(poll_with(&mut fut, &waker).map(sent), Poll::Ready(Ok(())));
        }
    }
    drop(bad_waker);
    assert_eq!(
        Arc::strong_count(&good),
        1,
        "every good waker clone was dropped"
    );
    assert_eq!(Arc::strong_count(&bad), 1);
}

/// A registered waker that panics when dropped (so also when woken by
/// value): the panic reaches whoever wakes it, the message is not lost (on
/// a rendezvous the unwinding drops the waiting send future, which
/// withdraws it), and the channel goes on.
fn waker_whose_drop_panics_leaves_the_channel_usable(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let flags = Arc::new(hostile::Flags::default());
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &hostile::waker(&flags)).is_pending());
    flags.panic_on_drop.store(true, SeqCst);
    let offered = catch_unwind(AssertUnwindSafe(|| {
        drop(make_ready(&tx, drops.msg(1)));
    }));
    assert!(offered.is_err(), "the waker's panic reaches the sender");
    assert_eq!(flags.wakes.load(SeqCst), 1);
    flags.panic_on_drop.store(false, SeqCst);
    let (counter, waker) = WakeCounter::new();
    if f.room() == 0 {
        // A rendezvous send waits with its message: the unwinding dropped
        // the send future, which withdrew the message (dropped, never
        // delivered).
        assert_eq!(drops.drops(), 1, "the withdrawn message was dropped");
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert!(rx.try_recv().is_err());
    } else {
        assert_eq!(
            poll_with(&mut fut, &waker).map(value),
            Poll::Ready(Ok(1)),
            "the message was sent before the wake panicked"
        );
    }
    drop(fut);
    assert_eq!(
        Arc::strong_count(&flags),
        1,
        "every waker clone was dropped"
    );
    // The channel goes on.
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    let held = make_ready(&tx, drops.msg(2));
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker).map(value), Poll::Ready(Ok(2)));
    drop(held);
    assert_eq!(drops.drops(), 2);
}

/// `close` wakes every waiting receiver; when the first
/// one's waker panics (its drop panics, so waking it by value does), the
/// panic reaches the caller of `close`, but the other waiters must still be
/// woken, or they sleep forever on a closed channel (as `Vec` drops the rest
/// of its elements when one panics).
fn waker_panicking_when_woken_by_close_does_not_strand_the_others(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let flags = Arc::new(hostile::Flags::default());
    let mut r1 = rx.recv_async();
    assert!(poll_with(&mut r1, &hostile::waker(&flags)).is_pending());
    flags.panic_on_drop.store(true, SeqCst);
    let (counter, waker) = WakeCounter::new();
    let mut r2 = rx.recv_async();
    assert!(poll_with(&mut r2, &waker).is_pending());
    let closed = catch_unwind(AssertUnwindSafe(|| tx.close()));
    flags.panic_on_drop.store(false, SeqCst);
    assert!(closed.is_err(), "the waker's panic reaches the caller");
    assert!(rx.is_disconnected());
    assert_eq!(
        counter.wakes(),
        1,
        "the other waiting receiver was never woken"
    );
    assert_eq!(poll_with(&mut r2, &waker), Poll::Ready(Err(RecvError)));
    assert_eq!(poll_with(&mut r1, &waker), Poll::Ready(Err(RecvError)));
}

per_flavor!(@one waker_panicking_when_woken_by_a_receive_does_not_strand_a_receiver:
    bounded_1, bounded_4);

/// The same in a receive: a receive that makes room moves the
/// first waiting sender's message in and notifies a listed receiver, then
/// wakes both; when the sender's waker panics, the notified receiver (now
/// off the list) must still be woken, or it sleeps forever: later messages
/// notify only listed receivers.
fn waker_panicking_when_woken_by_a_receive_does_not_strand_a_receiver(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let room = f.room();
    // `room` receives are notified by the `room` messages that fill the
    // buffer; one more stays listed.
    let mut notified: Vec<_> = (0..room).map(|_| rx.recv_async()).collect();
    for fut in &mut notified {
        assert!(poll_with(fut, noop_waker_ref()).is_pending());
    }
    let (counter, waker) = WakeCounter::new();
    let mut listed = rx.recv_async();
    assert!(poll_with(&mut listed, &waker).is_pending());
    fill(f, &tx, &drops);
    assert_eq!(counter.wakes(), 0, "still listed");
    let flags = Arc::new(hostile::Flags::default());
    let mut send = tx.send_async(drops.msg(50));
    assert!(poll_with(&mut send, &hostile::waker(&flags)).is_pending());
    flags.panic_on_drop.store(true, SeqCst);
    let received = catch_unwind(AssertUnwindSafe(|| value(rx.try_recv())));
    flags.panic_on_drop.store(false, SeqCst);
    assert!(received.is_err(), "the waker's panic reaches the receiver");
    assert_eq!(flags.wakes.load(SeqCst), 1);
    assert_eq!(
        counter.wakes(),
        1,
        "the receiver notified for the moved-in message was never woken"
    );
    drop((notified, listed, send));
}

per_flavor!(all: recv_timeout_racing_sends_loses_nothing);
per_flavor!(waiting: send_timeout_racing_receives_delivers_each_message_once);
per_flavor!(buffered: weak_upgrade_racing_the_last_sender_drop);

/// A receive that times out over and over while a thread sends: a message
/// handed to it just as it times out is still returned, never lost (a lost
/// one would leave this test short of messages, failing at its deadline).
fn recv_timeout_racing_sends_loses_nothing(f: Flavor) {
    if cfg!(miri) && f == Flavor::Rendezvous {
        // Under miri this race (a `try_send` spinning until a receiver
        // parked with a 50 us timeout is listed) runs for many minutes of
        // interpretation; natively it is covered, and under miri by the
        // buffered flavors and the rendezvous hand-off tests.
        return;
    }
    let n = iters(300) as u64;
    let (tx, rx) = f.channel::<u64>();
    let ((), got) = concurrently(
        move || {
            for i in 0..n {
                let mut msg = i;
                loop {
                    match tx.try_send(msg) {
                        Ok(()) => break,
                        Err(TrySendError::Full(m)) => {
                            msg = m;
                            thread::yield_now();
                        }
                        Err(TrySendError::Disconnected(_)) => panic!("disconnected"),
                    }
                }
            }
        },
        || {
            let give_up = Instant::now() + LONG;
            let mut got = Vec::new();
            while got.len() < n as usize && Instant::now() < give_up {
                match rx.recv_timeout(Duration::from_micros(50)) {
                    Ok(v) => got.push(v),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            got
        },
    );
    assert_eq!(got, (0..n).collect::<Vec<_>>());
}

/// A send that times out over and over while a thread receives: a send
/// whose message was taken just as it timed out reports success, so the
/// retry never delivers a message twice, and none is lost.
fn send_timeout_racing_receives_delivers_each_message_once(f: Flavor) {
    let n = iters(200) as u64;
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let ((), got) = concurrently(
        || {
            for i in 0..n {
                let mut msg = drops.msg(i);
                loop {
                    match tx.send_timeout(msg, Duration::from_micros(50)) {
                        Ok(()) => break,
                        Err(SendTimeoutError::Timeout(m)) => msg = m,
                        Err(SendTimeoutError::Disconnected(_)) => panic!("disconnected"),
                    }
                }
            }
        },
        || {
            (0..n)
                .map(|_| value(rx.recv_timeout(LONG)))
                .collect::<Vec<_>>()
        },
    );
    assert_eq!(got, (0..n).map(Ok).collect::<Vec<_>>());
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    assert_eq!(drops.drops(), n as usize);
}

/// `upgrade` racing the last sender's drop: it gets a sender into an open
/// channel (whose message arrives), or nothing (and the channel is over).
fn weak_upgrade_racing_the_last_sender_drop(f: Flavor) {
    for _ in 0..iters(300) {
        let (tx, rx) = f.channel::<u64>();
        let weak = tx.downgrade();
        let barrier = Barrier::new(2);
        let (upgraded, ()) = concurrently(
            || {
                barrier.wait();
                weak.upgrade()
            },
            || {
                barrier.wait();
                drop(tx);
            },
        );
        match upgraded {
            Some(tx) => {
                assert!(!tx.is_disconnected());
                tx.send(1).unwrap();
                drop(tx);
                assert_eq!(rx.recv(), Ok(1));
            }
            None => assert!(rx.is_disconnected()),
        }
        assert_eq!(rx.recv(), Err(RecvError));
        assert!(weak.upgrade().is_none());
    }
}

// ===== messages: panicking drops, zero-sized =====

per_flavor!(buffered: panicking_message_drop_still_drops_the_rest);
per_flavor!(all: zero_sized_messages);

/// The last receiver drops a buffer of messages, one of whose `Drop`
/// panics: the panic reaches the caller, every other message is dropped
/// all the same, and the channel is closed.
fn panicking_message_drop_still_drops_the_rest(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let n = f.room();
    for i in 0..n {
        let bomb = Bomb {
            drops: drops.clone(),
            armed: i == n / 2,
        };
        assert!(tx.try_send(bomb).is_ok());
    }
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(rx)));
    assert!(dropped.is_err(), "the message's panic reaches the caller");
    assert_eq!(drops.drops(), n, "every message was dropped, once");
    assert!(tx.is_disconnected());
    let unarmed = Bomb {
        drops: drops.clone(),
        armed: false,
    };
    assert!(matches!(
        tx.try_send(unarmed),
        Err(TrySendError::Disconnected(_))
    ));
    assert_eq!(drops.drops(), n + 1);
}

/// `()` messages: buffered, counted, and moved between threads.
fn zero_sized_messages(f: Flavor) {
    let (tx, rx) = f.channel::<()>();
    for _ in 0..f.room() {
        tx.try_send(()).unwrap();
    }
    assert_eq!(rx.len(), f.room());
    assert_eq!(rx.try_iter().count(), f.room());
    let n = iters(500);
    let ((), got) = concurrently(
        move || {
            for _ in 0..n {
                tx.send(()).unwrap();
            }
        },
        || rx.iter().count(),
    );
    assert_eq!(got, n);
}

/// Zero-sized messages with a `Drop`: each dropped exactly once, received
/// or dropped with the last receiver. (The one test of this binary that
/// uses `CountedZst`.)
#[test]
fn zero_sized_messages_are_dropped_exactly_once() {
    let (tx, rx) = mpmc::unbounded();
    for _ in 0..70 {
        tx.send(CountedZst).unwrap();
    }
    assert_eq!(rx.len(), 70);
    for _ in 0..10 {
        drop(rx.recv().unwrap());
    }
    assert_eq!(ZST_DROPS.load(SeqCst), 10);
    drop(rx);
    assert_eq!(ZST_DROPS.load(SeqCst), 70);
    let Err(SendError(back)) = tx.send(CountedZst) else {
        panic!("sent to a closed channel");
    };
    drop(back);
    assert_eq!(ZST_DROPS.load(SeqCst), 71);
}

// ===== rendezvous =====

/// `rendezvous()` and `bounded(0)` alike: capacity 0, always empty and full;
/// `try_send` is `Full` with nobody blocked in a receive.
#[test]
fn rendezvous_and_bounded_zero_have_capacity_zero() {
    for (tx, rx) in [mpmc::rendezvous::<u8>(), mpmc::bounded(0)] {
        assert_eq!((tx.capacity(), rx.capacity()), (Some(0), Some(0)));
        assert_eq!((tx.len(), rx.len()), (0, 0));
        assert!(tx.is_empty() && rx.is_empty());
        assert!(tx.is_full() && rx.is_full());
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        let (counter, waker) = WakeCounter::new();
        let mut fut = tx.send_async(2);
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert_eq!(rx.len(), 0);
        assert!(rx.is_empty() && rx.is_full());
        assert_eq!(rx.try_recv(), Ok(2), "taken from the waiting sender");
        assert_eq!(counter.wakes(), 1);
        assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(())));
    }
}

/// `try_send` succeeds when a thread is blocked in `recv` (it takes the
/// message straight away); loop until the thread is blocked.
#[test]
fn rendezvous_try_send_succeeds_while_a_thread_blocks_in_recv() {
    let (tx, rx) = mpmc::rendezvous();
    for i in 0..iters(20) {
        let (got, ()) = concurrently(
            || rx.recv(),
            || {
                let mut msg = i;
                loop {
                    match tx.try_send(msg) {
                        Ok(()) => break,
                        Err(TrySendError::Full(m)) => {
                            msg = m;
                            thread::yield_now();
                        }
                        Err(TrySendError::Disconnected(_)) => panic!("disconnected"),
                    }
                }
            },
        );
        assert_eq!(got, Ok(i));
    }
}

/// A pending receive future does not make `try_send` succeed (the future
/// might never come back for the message), and is not woken by it.
#[test]
fn rendezvous_try_send_is_full_with_only_a_receive_future_waiting() {
    let (tx, rx) = mpmc::rendezvous();
    let (counter, waker) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(counter.wakes(), 0);
    // A send future waits with its message, and the receive takes it.
    let mut send = tx.send_async(2);
    assert!(poll_with(&mut send, noop_waker_ref()).is_pending());
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(2)));
    assert_eq!(poll_with(&mut send, noop_waker_ref()), Poll::Ready(Ok(())));
    drop(fut);
    drop(rx);
    assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
}

/// A rendezvous send completes only once a receiver took the message: the
/// receiver checks, before receiving, that the send has not returned. One
/// test per pairing of a blocking thread and an async task.
fn rendezvous_handover(sender_is_task: bool, receiver_is_task: bool) {
    let rounds = iters(10) as u64;
    let (tx, rx) = mpmc::rendezvous::<u64>();
    let sent = Arc::new(AtomicBool::new(false));
    let done = sent.clone();
    let send_side = move || {
        for i in 0..rounds {
            if sender_is_task {
                futures::executor::block_on(tx.send_async(i)).unwrap();
            } else {
                tx.send(i).unwrap();
            }
            done.store(true, SeqCst);
        }
    };
    let received = thread::scope(|s| {
        s.spawn(send_side);
        let mut got = Vec::new();
        for _ in 0..rounds {
            pause();
            assert!(!sent.load(SeqCst), "the send completed before a receive");
            let msg = if receiver_is_task {
                futures::executor::block_on(rx.recv_async())
            } else {
                rx.recv()
            };
            got.push(msg.unwrap());
            // Wait for the send to return before the next round's check.
            while !sent.load(SeqCst) {
                thread::yield_now();
            }
            sent.store(false, SeqCst);
        }
        got
    });
    assert_eq!(received, (0..rounds).collect::<Vec<_>>());
}

#[test]
fn rendezvous_send_completes_only_when_received_thread_to_thread() {
    rendezvous_handover(false, false);
}

#[test]
fn rendezvous_send_completes_only_when_received_thread_to_task() {
    rendezvous_handover(false, true);
}

#[test]
fn rendezvous_send_completes_only_when_received_task_to_thread() {
    rendezvous_handover(true, false);
}

#[test]
fn rendezvous_send_completes_only_when_received_task_to_task() {
    rendezvous_handover(true, true);
}

/// A waiting rendezvous send is taken by a receive future polled after it,
/// by a blocking `recv`, and by one that was pending before it.
#[test]
fn rendezvous_waiting_send_is_taken_by_every_kind_of_receive() {
    let (tx, rx) = mpmc::rendezvous();
    let (counter, waker) = WakeCounter::new();
    let mut send = tx.send_async(1);
    assert!(poll_with(&mut send, &waker).is_pending());
    assert_eq!(futures::executor::block_on(rx.recv_async()), Ok(1));
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));

    let mut send = tx.send_async(2);
    assert!(poll_with(&mut send, &waker).is_pending());
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(counter.wakes(), 2);
    drop(send);

    let mut recv = rx.recv_async();
    assert!(poll_with(&mut recv, noop_waker_ref()).is_pending());
    let mut send = tx.send_async(3);
    assert!(poll_with(&mut send, &waker).is_pending());
    assert_eq!(poll_with(&mut recv, noop_waker_ref()), Poll::Ready(Ok(3)));
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));
}

// ===== bounded =====

/// Waiting senders are served first come, first served: each receive moves
/// the first waiting sender's message into the buffer (which stays full)
/// and wakes that sender alone, whose send is then complete.
#[test]
fn bounded_waiting_senders_are_served_in_order() {
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::bounded(2);
    tx.send(drops.msg(0)).unwrap();
    tx.send(drops.msg(1)).unwrap();
    let counters: Vec<_> = (0..3).map(|_| WakeCounter::new()).collect();
    let mut futs: Vec<SendFuture<'_, Counted>> =
        (2..5).map(|i| tx.send_async(drops.msg(i))).collect();
    for (fut, (_, waker)) in futs.iter_mut().zip(&counters) {
        assert!(poll_with(fut, waker).is_pending());
    }
    let wakes = || counters.iter().map(|(c, _)| c.wakes()).collect::<Vec<_>>();
    assert_eq!(value(rx.recv()), Ok(0));
    assert_eq!(wakes(), [1, 0, 0]);
    assert_eq!(rx.len(), 2, "the first waiting message was moved in");
    assert_eq!(value(rx.recv()), Ok(1));
    assert_eq!(wakes(), [1, 1, 0]);
    assert_eq!(value(rx.recv()), Ok(2));
    assert_eq!(wakes(), [1, 1, 1]);
    assert_eq!(value(rx.recv()), Ok(3));
    assert_eq!(value(rx.recv()), Ok(4));
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    for (fut, (_, waker)) in futs.iter_mut().zip(&counters).rev() {
        assert_eq!(poll_with(fut, waker).map(sent), Poll::Ready(Ok(())));
    }
    drop(futs);
    assert_eq!(drops.drops(), 5);
}

/// Capacities past the preallocated slots, up to `usize::MAX`, fill and
/// drain in order.
#[test]
fn bounded_large_capacities_work() {
    let (tx, rx) = mpmc::bounded::<u64>(100);
    for i in 0..100 {
        tx.try_send(i).unwrap();
    }
    assert!(tx.is_full());
    assert_eq!(tx.try_send(100), Err(TrySendError::Full(100)));
    assert_eq!(
        rx.try_iter().collect::<Vec<_>>(),
        (0..100).collect::<Vec<_>>()
    );

    let (tx, rx) = mpmc::bounded::<u64>(usize::MAX);
    assert_eq!(tx.capacity(), Some(usize::MAX));
    for i in 0..200 {
        tx.try_send(i).unwrap();
    }
    assert!(!tx.is_full());
    assert_eq!(rx.len(), 200);
    assert_eq!(
        rx.try_iter().collect::<Vec<_>>(),
        (0..200).collect::<Vec<_>>()
    );
}

// ===== unbounded =====

/// A thousand messages: never full, `len` counts them, FIFO across blocks.
#[test]
fn unbounded_many_messages_in_order() {
    let n: u64 = if cfg!(miri) { 100 } else { 1000 };
    let (tx, rx) = mpmc::unbounded();
    assert_eq!(tx.capacity(), None);
    for i in 0..n {
        tx.send(i).unwrap();
        assert!(!tx.is_full());
    }
    assert_eq!(rx.len(), n as usize);
    assert_eq!(
        rx.try_iter().collect::<Vec<_>>(),
        (0..n).collect::<Vec<_>>()
    );
    assert!(rx.is_empty());
}

/// Pushes and pops interleaved so that the head and the tail cross block
/// boundaries (of 32) at every offset: the channel matches a `VecDeque`.
#[test]
fn unbounded_interleaved_push_and_pop_across_block_boundaries() {
    let (tx, rx) = mpmc::unbounded();
    let mut model = std::collections::VecDeque::new();
    let mut next = 0u64;
    let steps: &[(usize, usize)] = &[
        (33, 1),
        (31, 32),
        (64, 10),
        (1, 1),
        (32, 32),
        (5, 0),
        (0, 40),
        (97, 96),
        (3, 50),
        (31, 31),
        (32, 33),
    ];
    for &(push, pop) in steps {
        for _ in 0..push {
            tx.send(next).unwrap();
            model.push_back(next);
            next += 1;
        }
        assert_eq!(rx.len(), model.len());
        for _ in 0..pop {
            assert_eq!(rx.try_recv().ok(), model.pop_front());
        }
        assert_eq!(rx.len(), model.len());
    }
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), Vec::from(model));
}

/// The last receiver drops messages spread over several blocks, at once.
#[test]
fn unbounded_drop_with_several_blocks_drops_every_message() {
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::unbounded();
    for i in 0..100 {
        tx.send(drops.msg(i)).unwrap();
    }
    for i in 0..40 {
        assert_eq!(value(rx.recv()), Ok(i));
    }
    assert_eq!(drops.drops(), 40);
    drop(rx);
    assert_eq!(drops.drops(), 100);
}

// ===== regressions from peers' bugs =====

per_flavor!(all:
    regression_last_sender_and_last_receiver_dropped_at_once,
    regression_send_then_sender_dropped_recv_async_gets_the_message_first,
    regression_last_receiver_dropped_drops_a_queued_reply_sender,
);
per_flavor!(waiting: regression_woken_send_future_kept_unpolled_holds_up_nobody);
per_flavor!(buffered: regression_recv_future_dropped_by_select_after_its_wake_passes_it_on);

/// Regression (1): the last receiver dropped while two senders race to push
/// into an unbounded channel's first block: each message is dropped exactly
/// once (with the buffer, at once, or handed back to its sender).
#[test]
fn regression_last_receiver_dropped_while_two_senders_race_into_the_first_block() {
    for _ in 0..iters(300) {
        let drops = DropCounter::new();
        let (tx, rx) = mpmc::unbounded();
        let tx2 = tx.clone();
        let barrier = Barrier::new(3);
        thread::scope(|s| {
            for (tx, v) in [(&tx, 1), (&tx2, 2)] {
                let (barrier, drops) = (&barrier, &drops);
                s.spawn(move || {
                    barrier.wait();
                    let _ = tx.send(drops.msg(v));
                });
            }
            barrier.wait();
            drop(rx);
        });
        assert_eq!(drops.drops(), 2, "while the senders still live");
        assert!(tx.is_disconnected());
        drop((tx, tx2));
        assert_eq!(drops.drops(), 2);
    }
}

/// Regression (2): the last sender and the last receiver dropped at once on
/// two threads: every buffered message dropped exactly once.
fn regression_last_sender_and_last_receiver_dropped_at_once(f: Flavor) {
    for _ in 0..iters(200) {
        let drops = DropCounter::new();
        let (tx, rx) = f.channel();
        fill(f, &tx, &drops);
        let barrier = Barrier::new(2);
        let barrier = &barrier;
        concurrently(
            move || {
                barrier.wait();
                drop(tx);
            },
            move || {
                barrier.wait();
                drop(rx);
            },
        );
        assert_eq!(drops.drops(), f.room());
    }
}

/// Regression (3) inside a real `select!`: a receive future that was woken
/// for a message is dropped because another branch won; a thread blocked in
/// `recv` must get the message.
fn regression_recv_future_dropped_by_select_after_its_wake_passes_it_on(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let rx2 = rx.clone();
    let got = thread::scope(|s| {
        let blocked = futures::executor::block_on(async {
            tokio::select! {
                biased;
                _ = rx.recv_async() => panic!("nothing was ready when the branch was polled"),
                blocked = async {
                    // The receive above is registered now; a thread blocks
                    // behind it, and then a message makes it ready.
                    let blocked = s.spawn(|| value(rx2.recv_timeout(LONG)));
                    pause();
                    assert_eq!(try_sent(tx.try_send(drops.msg(9))), Ok(()));
                    blocked
                } => blocked,
            }
        });
        blocked.join().unwrap()
    });
    assert_eq!(got, Ok(9), "the dropped receive kept its wake");
    assert_eq!(drops.drops(), 1);
}

/// Regression (4): a send future woken (its message moved in) but kept and
/// never polled again holds up no other sender: a blocking send and another
/// send future both get through.
fn regression_woken_send_future_kept_unpolled_holds_up_nobody(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    fill(f, &tx, &drops);
    let room = f.room() as u64;
    let (counter, waker) = WakeCounter::new();
    let mut kept = tx.send_async(drops.msg(100));
    assert!(poll_with(&mut kept, &waker).is_pending());
    let first = if room == 0 { 100 } else { 0 };
    assert_eq!(value(rx.recv()), Ok(first));
    assert_eq!(counter.wakes(), 1);

    // A blocking send on another thread, while this one receives.
    let mut expected: Vec<u64> = (1..room).collect();
    if room > 0 {
        expected.push(100);
    }
    expected.push(101);
    let count = expected.len();
    let (sent_ok, got) = concurrently(
        || sent(tx.send(drops.msg(101))),
        || {
            (0..count)
                .map(|_| value(rx.recv()).unwrap())
                .collect::<Vec<_>>()
        },
    );
    assert_eq!(sent_ok, Ok(()));
    assert_eq!(got, expected);

    // Another send future that has to wait.
    fill(f, &tx, &drops);
    let (c2, w2) = WakeCounter::new();
    let mut other = tx.send_async(drops.msg(102));
    assert!(poll_with(&mut other, &w2).is_pending());
    let got: Vec<_> = (0..=room).map(|_| value(rx.recv()).unwrap()).collect();
    assert_eq!(got, (0..room).chain([102]).collect::<Vec<_>>());
    assert_eq!(c2.wakes(), 1);
    assert_eq!(poll_with(&mut other, &w2).map(sent), Poll::Ready(Ok(())));

    // The kept future, polled at last, is done.
    assert_eq!(poll_with(&mut kept, &waker).map(sent), Poll::Ready(Ok(())));
    assert_eq!(counter.wakes(), 1);
    assert_eq!(drops.drops(), 2 * room as usize + 3);
}

/// Regression (5): `send` then dropping the sender: `recv_async` gets the
/// message before `Disconnected`, on every executor.
fn regression_send_then_sender_dropped_recv_async_gets_the_message_first(f: Flavor) {
    if f != Flavor::Rendezvous {
        let (tx, rx) = f.channel();
        tx.send(1).unwrap();
        drop(tx);
        assert_eq!(futures::executor::block_on(rx.recv_async()), Ok(1));
        assert_eq!(futures::executor::block_on(rx.recv_async()), Err(RecvError));
    }
    for executor in EXECUTORS {
        let (tx, rx) = f.channel::<u64>();
        let ((), got) = concurrently(
            move || {
                tx.send(5).unwrap();
                drop(tx);
            },
            || executor.run(async move { (rx.recv_async().await, rx.recv_async().await) }),
        );
        assert_eq!(got, (Ok(5), Err(RecvError)), "under {executor:?}");
    }
}

/// Regression (6): the last receiver dropped with a request queued whose
/// reply sender is in it: the client waiting for the reply sees the end at
/// once (the request is dropped with the buffer, or handed back).
fn regression_last_receiver_dropped_drops_a_queued_reply_sender(f: Flavor) {
    type Request = (u64, oneshot::Sender<u64>);
    let (tx, rx) = f.channel::<Request>();
    let (got, ()) = concurrently(
        move || {
            let (reply_tx, reply_rx) = oneshot::channel();
            if let Err(SendError(request)) = tx.send((1, reply_tx)) {
                drop(request);
            }
            // `tx` is still alive here: only the receiver's drop can end this.
            let got = reply_rx.recv_timeout(LONG);
            drop(tx);
            got
        },
        after_pause(move || drop(rx)),
    );
    assert_eq!(got, Err(RecvTimeoutError::Disconnected));
}

// ===== ideas from Go's channel tests =====

per_flavor!(all:
    go_prime_sieve_pipeline,
    go_channel_of_reply_channels,
    go_select_send_or_recv_on_one_channel_loses_nothing,
);
per_flavor!(buffered: go_try_recv_never_sees_empty_while_a_message_is_buffered);

/// Go's concurrent prime sieve: a chain of filter threads joined by
/// channels; dropping the last receiver winds the chain down.
fn go_prime_sieve_pipeline(f: Flavor) {
    let primes: Vec<u64> = thread::scope(|s| {
        let (tx, mut rx) = f.channel::<u64>();
        s.spawn(move || {
            for i in 2.. {
                if tx.send(i).is_err() {
                    break;
                }
            }
        });
        let mut primes = Vec::new();
        for _ in 0..10 {
            let p = rx.recv().unwrap();
            primes.push(p);
            let (next_tx, next_rx) = f.channel();
            let input = std::mem::replace(&mut rx, next_rx);
            s.spawn(move || {
                for i in input.iter() {
                    if i % p != 0 && next_tx.send(i).is_err() {
                        break;
                    }
                }
            });
        }
        primes
    });
    assert_eq!(primes, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
}

/// Go's channel of channels: requests carry a reply channel; two server
/// threads and a server task answer clients that are threads and tasks.
fn go_channel_of_reply_channels(f: Flavor) {
    type Request = (u64, Sender<u64>);
    let n = iters(50) as u64;
    let (tx, rx) = f.channel::<Request>();
    let serve = |rx: Receiver<Request>| {
        move || {
            for (x, reply) in rx.iter() {
                reply.send(x * 2).unwrap();
            }
        }
    };
    thread::scope(|s| {
        s.spawn(serve(rx.clone()));
        s.spawn(serve(rx.clone()));
        let task_rx = rx;
        s.spawn(move || {
            futures::executor::block_on(async move {
                while let Ok((x, reply)) = task_rx.recv_async().await {
                    reply.send_async(x * 2).await.unwrap();
                }
            })
        });
        let thread_client = tx.clone();
        let client = s.spawn(move || {
            let (reply_tx, reply_rx) = f.channel();
            for x in 0..n {
                thread_client.send((x, reply_tx.clone())).unwrap();
                assert_eq!(reply_rx.recv(), Ok(x * 2));
            }
        });
        futures::executor::block_on(async {
            let (reply_tx, reply_rx) = f.channel();
            for x in n..2 * n {
                tx.send_async((x, reply_tx.clone())).await.unwrap();
                assert_eq!(reply_rx.recv_async().await, Ok(x * 2));
            }
        });
        client.join().unwrap();
        drop(tx);
    });
}

/// Go's select on a send and a receive of one channel, from two tasks at
/// once: whatever each turn picks, every message is received or withdrawn
/// (dropped) exactly once, and none twice.
fn go_select_send_or_recv_on_one_channel_loses_nothing(f: Flavor) {
    let n = iters(200) as u64;
    let drops = DropCounter::new();
    let (tx, rx) = f.channel::<Counted>();
    let turns = |id: u64| {
        let (tx, rx, drops) = (tx.clone(), rx.clone(), drops.clone());
        async move {
            let mut got = Vec::new();
            for i in 0..n {
                tokio::select! {
                    sent = tx.send_async(drops.msg(id * n + i)) => sent.unwrap(),
                    msg = rx.recv_async() => got.push(msg.unwrap().value),
                    () = YieldOnce::default() => {}
                }
            }
            got
        }
    };
    let (a, b) = futures::executor::block_on(join(turns(0), turns(1)));
    let rest = ready_values(&rx);
    let mut all = [a, b, rest].concat();
    let received = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), received, "a message was received twice");
    drop((tx, rx));
    assert_eq!(
        drops.drops(),
        2 * n as usize,
        "every message dropped exactly once"
    );
}

/// Go's non-blocking receive race: with a message buffered and the channel
/// closed concurrently, `try_recv` sees the message or the end, never an
/// empty open channel.
fn go_try_recv_never_sees_empty_while_a_message_is_buffered(f: Flavor) {
    for _ in 0..iters(200) {
        let (tx, rx) = f.channel::<u8>();
        tx.send(1).unwrap();
        let (seen, ()) = concurrently(
            || rx.try_recv(),
            || {
                tx.close();
                let _ = rx.recv();
            },
        );
        assert_ne!(seen, Err(TryRecvError::Empty));
    }
}

// ===== types and misc =====

assert_not_impl!(Sender<std::rc::Rc<u8>>: Send);
assert_not_impl!(Sender<std::rc::Rc<u8>>: Sync);
assert_not_impl!(Receiver<std::rc::Rc<u8>>: Send);
assert_not_impl!(Receiver<std::rc::Rc<u8>>: Sync);
assert_not_impl!(RecvFuture<'static, std::rc::Rc<u8>>: Send);
assert_not_impl!(SendFuture<'static, std::rc::Rc<u8>>: Send);

fn is_send_sync<T: Send + Sync>() {}
fn is_send<T: Send>() {}
fn is_unpin<T: Unpin>() {}

/// The bounds soundness needs, and no more: handles and the receive future
/// are `Send + Sync` for any `T: Send` (also `!Sync` ones); the send
/// future, which holds a `T`, is `Send`, and `Sync` when `T` is.
fn bounds_for<T: Send + 'static>() {
    is_send_sync::<Sender<T>>();
    is_send_sync::<Receiver<T>>();
    is_send_sync::<WeakSender<T>>();
    is_send_sync::<RecvFuture<'static, T>>();
    is_send::<SendFuture<'static, T>>();
    is_send_sync::<mpmc::TryIter<'static, T>>();
    // A drain owns the messages it took: `Send`, and `Sync` when `T` is.
    is_send::<mpmc::Drain<'static, T>>();
    is_send_sync::<mpmc::Iter<'static, T>>();
    is_send_sync::<mpmc::IntoIter<T>>();
    is_unpin::<Sender<T>>();
    is_unpin::<Receiver<T>>();
    is_unpin::<RecvFuture<'static, T>>();
    is_unpin::<SendFuture<'static, T>>();
}

#[test]
fn handles_and_futures_are_send_sync_and_unpin_when_t_is_send() {
    bounds_for::<u64>();
    bounds_for::<std::cell::Cell<u8>>(); // Send, not Sync
    bounds_for::<std::marker::PhantomPinned>(); // not Unpin
    is_send_sync::<SendFuture<'static, u64>>();
}

/// The crate root re-exports the constructors and halves.
#[test]
fn crate_root_reexports_the_mpmc_channel() {
    let (tx, rx): (tidings::Sender<u8>, tidings::Receiver<u8>) = tidings::bounded(8);
    assert_eq!(tx.capacity(), Some(8));
    tx.send(1).unwrap();
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(tidings::unbounded::<u8>().0.capacity(), None);
    assert_eq!(tidings::rendezvous::<u8>().1.capacity(), Some(0));
}

/// `Debug` for every handle, future and iterator, without `T: Debug`.
#[test]
fn debug_does_not_need_t_debug() {
    struct Opaque;
    let (tx, rx) = mpmc::bounded::<Opaque>(1);
    assert_eq!(format!("{tx:?}"), "Sender { capacity: Some(1), .. }");
    assert_eq!(format!("{rx:?}"), "Receiver { capacity: Some(1), .. }");
    assert!(format!("{:?}", tx.downgrade()).starts_with("WeakSender"));
    assert!(format!("{:?}", rx.recv_async()).starts_with("RecvFuture"));
    assert!(format!("{:?}", tx.send_async(Opaque)).starts_with("SendFuture"));
    // The iterators derive `Debug`, so they do ask for `T: Debug`.
    let (_tx, rx) = mpmc::bounded::<u8>(1);
    assert!(format!("{:?}", rx.try_iter()).starts_with("TryIter"));
    assert!(format!("{:?}", rx.iter()).starts_with("Iter"));
    assert!(format!("{:?}", rx.drain()).starts_with("Drain"));
    assert!(format!("{:?}", rx.into_iter()).starts_with("IntoIter"));
}

// ===== Stream and Sink (the `futures` feature) =====

#[cfg(feature = "futures")]
mod streams_and_sinks {
    use std::pin::Pin;
    use std::task::Context;

    use futures::future::FusedFuture;
    use futures::sink::Sink;
    use futures::stream::FusedStream;
    use futures::{SinkExt, StreamExt};

    use super::*;

    per_flavor!(all:
        stream_collects_until_closed_and_is_fused,
        into_stream_owns_the_receiver,
        sink_send_and_send_all,
        sink_gives_the_message_back_on_disconnect,
        recv_future_is_fused,
        stream_dropped_after_its_wake_passes_it_on,
    );
    per_flavor!(waiting: send_future_is_fused, pending_sink_message_comes_back_on_disconnect);

    /// `stream()` yields every message until the channel is closed and
    /// drained, then stays ended (`is_terminated`).
    fn stream_collects_until_closed_and_is_fused(f: Flavor) {
        let n = iters(100) as u64;
        let (tx, rx) = f.channel::<u64>();
        let ((), got) = concurrently(
            move || {
                for i in 0..n {
                    tx.send(i).unwrap();
                }
            },
            || futures::executor::block_on(rx.stream().collect::<Vec<_>>()),
        );
        assert_eq!(got, (0..n).collect::<Vec<_>>());
        let mut stream = rx.stream();
        assert!(!stream.is_terminated());
        assert_eq!(futures::executor::block_on(stream.next()), None);
        assert!(stream.is_terminated());
        assert_eq!(futures::executor::block_on(stream.next()), None);
    }

    /// `into_stream()` owns the receiver: dropping the stream drops it.
    fn into_stream_owns_the_receiver(f: Flavor) {
        let n = iters(100) as u64;
        let (tx, rx) = f.channel::<u64>();
        let stream = rx.into_stream();
        assert_eq!(tx.receiver_count(), 1);
        let (total, ()) = concurrently(
            move || futures::executor::block_on(stream.fold(0, |a, b| async move { a + b })),
            || {
                for i in 0..n {
                    tx.send(i).unwrap();
                }
                drop(tx);
            },
        );
        assert_eq!(total, (0..n).sum::<u64>());

        let (tx, rx) = f.channel::<u64>();
        drop(rx.into_stream());
        assert!(tx.is_disconnected());
    }

    /// `sink()` and `into_sink()` with `SinkExt::send` and `send_all`,
    /// while a thread receives.
    fn sink_send_and_send_all(f: Flavor) {
        let n = iters(100) as u64;
        let (tx, rx) = f.channel::<u64>();
        let (got, ()) = concurrently(
            move || rx.iter().collect::<Vec<_>>(),
            || {
                futures::executor::block_on(async move {
                    let mut sink = tx.sink();
                    sink.send(0).await.unwrap();
                    let mut rest = futures::stream::iter(1..n).map(Ok);
                    sink.send_all(&mut rest).await.unwrap();
                    sink.flush().await.unwrap();
                    drop(sink);
                    let mut owned = tx.into_sink();
                    owned.send(n).await.unwrap();
                    owned.close().await.unwrap();
                })
            },
        );
        assert_eq!(got, (0..=n).collect::<Vec<_>>());
    }

    /// A sink into a channel whose receivers are gone gives the message back.
    fn sink_gives_the_message_back_on_disconnect(f: Flavor) {
        let drops = DropCounter::new();
        let (tx, rx) = f.channel();
        drop(rx);
        let mut sink = tx.sink();
        let got = futures::executor::block_on(sink.send(drops.msg(1)));
        assert_eq!(sent(got), Err(SendError(1)));
        drop(sink);
        let mut owned = tx.into_sink();
        let got = futures::executor::block_on(owned.feed(drops.msg(2)));
        assert_eq!(sent(got), Err(SendError(2)));
        assert_eq!(drops.drops(), 2);
    }

    /// A message the sink accepted but could not send yet comes back from
    /// `poll_flush` when the last receiver goes.
    fn pending_sink_message_comes_back_on_disconnect(f: Flavor) {
        let drops = DropCounter::new();
        let (tx, rx) = f.channel();
        fill(f, &tx, &drops);
        let mut sink = tx.sink();
        let mut cx = Context::from_waker(noop_waker_ref());
        assert!(matches!(
            Pin::new(&mut sink).poll_ready(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert!(Pin::new(&mut sink).start_send(drops.msg(50)).is_ok());
        assert!(Pin::new(&mut sink).poll_flush(&mut cx).is_pending());
        drop(rx);
        assert_eq!(drops.drops(), f.room());
        match Pin::new(&mut sink).poll_flush(&mut cx) {
            Poll::Ready(Err(SendError(m))) => assert_eq!(m.value, 50),
            _ => panic!("the pending message did not come back"),
        }
        assert!(matches!(
            Pin::new(&mut sink).poll_flush(&mut cx),
            Poll::Ready(Ok(()))
        ));
        drop(sink);
        assert_eq!(drops.drops(), f.room() + 1);
    }

    /// `FusedFuture` on the send future: terminated once it completed.
    fn send_future_is_fused(f: Flavor) {
        let (tx, rx) = f.channel::<u64>();
        for i in 0..f.room() as u64 {
            tx.send(i).unwrap();
        }
        let mut fut = tx.send_async(100);
        assert!(!fut.is_terminated());
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        assert!(!fut.is_terminated());
        rx.try_recv().unwrap();
        assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(Ok(())));
        assert!(fut.is_terminated());
        // A send that fails is terminated too.
        let mut fut = tx.send_async(101);
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        drop(rx);
        assert!(poll_with(&mut fut, noop_waker_ref()).is_ready());
        assert!(fut.is_terminated());
    }

    /// `FusedFuture` on the receive future: terminated once it completed.
    fn recv_future_is_fused(f: Flavor) {
        let (tx, rx) = f.channel::<u64>();
        let mut fut = rx.recv_async();
        assert!(!fut.is_terminated());
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        assert!(!fut.is_terminated());
        let held = make_ready(&tx, 1);
        assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(Ok(1)));
        assert!(fut.is_terminated());
        drop(held);
        drop(tx);
        let mut fut = rx.recv_async();
        assert_eq!(
            poll_with(&mut fut, noop_waker_ref()),
            Poll::Ready(Err(RecvError))
        );
        assert!(fut.is_terminated());
    }

    /// A stream woken for a message and then dropped passes the wake on.
    fn stream_dropped_after_its_wake_passes_it_on(f: Flavor) {
        let (tx, rx) = f.channel::<u64>();
        let (c1, w1) = WakeCounter::new();
        let (c2, w2) = WakeCounter::new();
        let mut s1 = rx.stream();
        let mut s2 = rx.stream();
        assert!(s1
            .poll_next_unpin(&mut Context::from_waker(&w1))
            .is_pending());
        assert!(s2
            .poll_next_unpin(&mut Context::from_waker(&w2))
            .is_pending());
        let held = make_ready(&tx, 3);
        assert_eq!((c1.wakes(), c2.wakes()), (1, 0));
        drop(s1);
        assert_eq!(c2.wakes(), 1);
        assert_eq!(
            s2.poll_next_unpin(&mut Context::from_waker(&w2)),
            Poll::Ready(Some(3))
        );
        drop(held);
    }
}

// ===== from the review of the core =====

per_flavor!(all: a_listed_receiver_polled_again_takes_a_ready_message);
per_flavor!(waiting: send_future_survives_a_panicking_waker_clone);

/// Two receive futures wait; one message wakes only the first. If the
/// second is polled anyway (before the first comes back), it takes the
/// message instead of sleeping beside it, and the first, polled later,
/// waits again.
fn a_listed_receiver_polled_again_takes_a_ready_message(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let (first_wakes, first_waker) = WakeCounter::new();
    let (second_wakes, second_waker) = WakeCounter::new();
    let mut first = rx.recv_async();
    let mut second = rx.recv_async();
    assert!(poll_with(&mut first, &first_waker).is_pending());
    assert!(poll_with(&mut second, &second_waker).is_pending());
    let held = make_ready(&tx, drops.msg(7));
    assert_eq!(first_wakes.wakes(), 1, "the first waiter is woken");
    assert_eq!(second_wakes.wakes(), 0, "one message wakes one receiver");
    assert_eq!(
        poll_with(&mut second, &second_waker).map(value),
        Poll::Ready(Ok(7))
    );
    assert!(poll_with(&mut first, &first_waker).is_pending());
    drop(held);
    // The first still waits, and gets the next message.
    let held = make_ready(&tx, drops.msg(8));
    assert_eq!(first_wakes.wakes(), 2);
    assert_eq!(
        poll_with(&mut first, &first_waker).map(value),
        Poll::Ready(Ok(8))
    );
    drop(held);
    assert_eq!(drops.drops(), 2);
}

/// A send future that has to wait, polled with a waker whose clone panics:
/// the panic reaches the poller, and the future still holds its message
/// (not lost, not terminated); polled again with a good waker, it sends.
fn send_future_survives_a_panicking_waker_clone(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    fill(f, &tx, &drops);
    let flags = Arc::new(hostile::Flags::default());
    flags.panic_on_clone.store(true, SeqCst);
    let bad = hostile::waker(&flags);
    let mut fut = tx.send_async(drops.msg(99));
    let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad)));
    assert!(polled.is_err(), "the clone's panic reaches the poller");
    assert_eq!(drops.drops(), 0, "the message is still held");
    let (wakes, waker) = WakeCounter::new();
    let mut receiver = rx.recv_async();
    if f.room() == 0 {
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert_eq!(
            poll_with(&mut receiver, noop_waker_ref()).map(value),
            Poll::Ready(Ok(99))
        );
        assert_eq!(wakes.wakes(), 1, "the taken send is woken");
        assert_eq!(poll_with(&mut fut, &waker).map(sent), Poll::Ready(Ok(())));
    } else {
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert_eq!(
            poll_with(&mut receiver, noop_waker_ref()).map(value),
            Poll::Ready(Ok(0))
        );
        assert_eq!(wakes.wakes(), 1, "the moved-in send is woken");
        assert_eq!(poll_with(&mut fut, &waker).map(sent), Poll::Ready(Ok(())));
        let rest: Vec<u64> = ready_values(&rx);
        assert_eq!(rest.last(), Some(&99), "sent last, received last");
    }
    drop(bad);
}

#[test]
fn handles_are_unwind_safe_like_std_and_crossbeam() {
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
    let (tx, rx) = mpmc::bounded::<u8>(1);
    unwind_safe(&tx);
    unwind_safe(&rx);
    unwind_safe(&tx.downgrade());
    // And usable after a panic caught around them.
    let caught = catch_unwind(|| {
        tx.send(1).unwrap();
        panic!("a panic while holding the handles");
    });
    assert!(caught.is_err());
    assert_eq!(rx.recv(), Ok(1));
}

#[test]
fn zero_timeouts_on_an_idle_channel_time_out_at_once() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    assert_eq!(
        rx.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(1).unwrap();
    assert_eq!(
        tx.send_timeout(2, Duration::ZERO),
        Err(SendTimeoutError::Timeout(2))
    );
    assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(1));
}

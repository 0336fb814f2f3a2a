//! Integration tests of the mpmc batch receives: `recv_many`,
//! `try_recv_many`, `recv_many_timeout`, `recv_many_deadline` and
//! `recv_many_async` (`RecvManyFuture`), on every flavor.
//!
//! The rules (tokio's `recv_many`): a `limit` of 0 returns 0 at once; else
//! 0 only once the channel is closed and drained. A `buf` with spare
//! capacity is not grown (at most that many are taken); a full one first
//! reserves room for `limit`. A batch is taken in one locked section, as
//! that many receives would (each moves a waiting sender's message in
//! behind it and completes that send); a waiting call waits for one
//! message, then takes what else is ready. Messages leave the channel only
//! in the call (or poll) that returns them: a future dropped loses
//! nothing, and if a wake that a batch owes panics, the batch goes back to
//! the front of the channel in order before the panic reaches the caller.
//!
//! Bodies are written once, as `fn body(f: Flavor)`, and run per flavor
//! by [`per_flavor!`] (tests `body::rendezvous`, `body::bounded_1`,
//! `body::bounded_8`, `body::unbounded`); `waiting:` bodies run on the
//! flavors where a send can wait, `buffered:` ones on those with a buffer.
//! Tests never assert on timing: a `pause()` only makes an interleaving
//! likely. Where a lost wakeup would hang a test, the waiting side uses a
//! generous timeout instead, so that the bug shows as a failure.

mod common;
mod counting;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures::future::join;
use futures::task::noop_waker_ref;

use common::fuse::{self, step, sweep, Ledger, Tracked};
use common::{
    after_pause, concurrently, hostile, iters, on_every_executor, pause, poll_with, Counted,
    DropCounter, WakeCounter, EXECUTORS,
};
use tidings::mpmc::{self, Receiver, RecvManyFuture, SendFuture, Sender};
use tidings::{RecvTimeoutError, SendError, TryRecvError, TrySendError};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

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

    /// How many messages a body makes ready: the capacity and two senders
    /// waiting beyond it, three waiting senders on a rendezvous, or
    /// (unbounded) more than the 32 slots its ring starts with.
    fn ready(self) -> usize {
        match self {
            Flavor::Rendezvous => 3,
            Flavor::Bounded(cap) => cap + 2,
            Flavor::Unbounded => 40,
        }
    }
}

macro_rules! flavor {
    (rendezvous) => {
        crate::Flavor::Rendezvous
    };
    (bounded_1) => {
        crate::Flavor::Bounded(1)
    };
    (bounded_8) => {
        crate::Flavor::Bounded(8)
    };
    (unbounded) => {
        crate::Flavor::Unbounded
    };
}

/// One module of tests per body, one test per flavor: `body::flavor`.
macro_rules! per_flavor {
    (waiting: $($body:ident),* $(,)?) => {
        $(per_flavor!(@one $body: rendezvous, bounded_1, bounded_8);)*
    };
    (buffered: $($body:ident),* $(,)?) => {
        $(per_flavor!(@one $body: bounded_1, bounded_8, unbounded);)*
    };
    (all: $($body:ident),* $(,)?) => {
        $(per_flavor!(@one $body: rendezvous, bounded_1, bounded_8, unbounded);)*
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

/// A long timeout, for a waiting side that must not hang if a wake is lost.
const LONG: Duration = Duration::from_secs(30);

/// A deadline a century away.
fn far() -> Instant {
    Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 100)
}

/// Makes `msgs` ready to be received, in order: into the buffer while it
/// has room, then as send futures that wait (polled once with `waker`),
/// returned to be kept alive until their messages are taken.
fn make_ready<'a, T>(
    tx: &'a Sender<T>,
    msgs: impl IntoIterator<Item = T>,
    waker: &Waker,
) -> Vec<SendFuture<'a, T>> {
    let mut waiting = Vec::new();
    for msg in msgs {
        let msg = if waiting.is_empty() {
            match tx.try_send(msg) {
                Ok(()) => continue,
                Err(TrySendError::Full(msg)) => msg,
                Err(TrySendError::Disconnected(_)) => panic!("the channel is closed"),
            }
        } else {
            msg
        };
        let mut fut = tx.send_async(msg);
        match poll_with(&mut fut, waker) {
            Poll::Pending => waiting.push(fut),
            // On a rendezvous, a receiving thread that blocked since the
            // try took the message at once: it is received.
            Poll::Ready(sent) => assert!(sent.is_ok(), "the channel is open"),
        }
    }
    waiting
}

/// Polls every send future that `make_ready` left: each has completed
/// (its message was taken).
fn all_sent<T>(waiting: Vec<SendFuture<'_, T>>) {
    for mut fut in waiting {
        assert!(
            matches!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(Ok(()))),
            "a waiting send completes once its message is taken"
        );
    }
}

/// The forms of a batch receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Try,
    Blocking,
    Timeout,
    Deadline,
    Async,
}

const FORMS: [Form; 5] = [
    Form::Try,
    Form::Blocking,
    Form::Timeout,
    Form::Deadline,
    Form::Async,
];

/// The forms that never wait (the blocking one would wait forever where
/// nothing is ready).
const FORMS_THAT_RETURN: [Form; 4] = [Form::Try, Form::Timeout, Form::Deadline, Form::Async];

/// One batch receive of `form` that does not wait (a zero timeout, a
/// deadline now, one poll): the count, `Timeout` for nothing ready now (a
/// pending future, dropped), `Disconnected` for closed and drained (a
/// blocking call or a future that returned 0 with a `limit` above 0).
/// Checks the buffer rule on the way: `buf` grew by the count, no more
/// than `limit`; with spare capacity, its capacity is unchanged and the
/// count within it; full, it reserved room for `limit` first.
fn batch<T>(
    form: Form,
    rx: &Receiver<T>,
    buf: &mut Vec<T>,
    limit: usize,
) -> Result<usize, RecvTimeoutError> {
    let (len, cap) = (buf.len(), buf.capacity());
    let got = match form {
        Form::Try => rx.try_recv_many(buf, limit).map_err(|err| match err {
            TryRecvError::Empty => RecvTimeoutError::Timeout,
            TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
        }),
        Form::Blocking => match rx.recv_many(buf, limit) {
            0 if limit > 0 => Err(RecvTimeoutError::Disconnected),
            n => Ok(n),
        },
        Form::Timeout => rx.recv_many_timeout(buf, limit, Duration::ZERO),
        Form::Deadline => rx.recv_many_deadline(buf, limit, Instant::now()),
        Form::Async => {
            let mut fut = rx.recv_many_async(buf, limit);
            match poll_with(&mut fut, noop_waker_ref()) {
                Poll::Ready(0) if limit > 0 => Err(RecvTimeoutError::Disconnected),
                Poll::Ready(n) => Ok(n),
                Poll::Pending => Err(RecvTimeoutError::Timeout),
            }
        }
    };
    let n = *got.as_ref().unwrap_or(&0);
    assert_eq!(buf.len(), len + n, "{form:?}: buf grew by the count");
    assert!(n <= limit, "{form:?}: {n} taken with a limit of {limit}");
    if limit == 0 {
        assert_eq!(got, Ok(0), "{form:?}: a limit of 0 returns 0 at once");
        assert_eq!(
            buf.capacity(),
            cap,
            "{form:?}: a limit of 0 reserves nothing"
        );
    } else if cap > len {
        assert_eq!(buf.capacity(), cap, "{form:?}: spare capacity is not grown");
        assert!(
            n <= cap - len,
            "{form:?}: {n} taken into {} spare",
            cap - len
        );
    } else {
        assert!(
            buf.capacity() >= len + limit,
            "{form:?}: a full buf reserves room for the limit"
        );
    }
    if let Ok(n) = got {
        assert!(n > 0 || limit == 0, "{form:?}: Ok(0) with a limit above 0");
    }
    got
}

/// The values of `buf`, which it empties.
fn values(buf: &mut Vec<Counted>) -> Vec<u64> {
    buf.drain(..).map(|m| m.value).collect()
}

// ===== limit 0 =====

per_flavor!(all: limit_zero_returns_zero_at_once);

/// A `limit` of 0 returns 0 at once, with nothing ready (the blocking
/// forms do not wait), with messages ready (they stay), and on a closed
/// channel (not `Disconnected`); it reserves nothing, not even for a full
/// `buf`.
fn limit_zero_returns_zero_at_once(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    for form in FORMS {
        let mut buf = Vec::new();
        assert_eq!(batch(form, &rx, &mut buf, 0), Ok(0), "{form:?}, empty");
        assert_eq!(buf.capacity(), 0, "{form:?}");
    }
    assert_eq!(
        rx.recv_many_timeout(&mut Vec::new(), 0, Duration::MAX),
        Ok(0)
    );
    assert_eq!(rx.recv_many_deadline(&mut Vec::new(), 0, far()), Ok(0));

    let waiting = make_ready(&tx, [1, 2], noop_waker_ref());
    for form in FORMS {
        let mut buf = vec![7];
        buf.shrink_to_fit();
        assert_eq!(batch(form, &rx, &mut buf, 0), Ok(0), "{form:?}, ready");
        assert_eq!(buf, [7]);
    }
    let mut buf = Vec::new();
    assert_eq!(rx.try_recv_many(&mut buf, 8), Ok(2), "the messages stayed");
    assert_eq!(buf, [1, 2]);
    all_sent(waiting);

    drop(tx);
    assert_eq!(
        rx.try_recv_many(&mut Vec::new(), 1),
        Err(TryRecvError::Disconnected)
    );
    for form in FORMS {
        assert_eq!(
            batch(form, &rx, &mut Vec::new(), 0),
            Ok(0),
            "{form:?}, closed"
        );
    }
    let mut fut = rx.recv_many_async(&mut buf, 0);
    assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(0));
}

// ===== how many, and in which order =====

per_flavor!(all:
    limit_above_what_is_ready_takes_all_of_it,
    limit_below_what_is_ready_takes_the_limit_in_order,
    spare_capacity_is_not_grown_and_a_full_buf_reserves,
    batches_append_after_what_buf_holds,
);

/// A `limit` above what is ready takes all of it, in order, in one call
/// of every form (the waiting senders' messages too: each receive of the
/// batch moves one in behind it, or takes it on a rendezvous), and
/// completes the waiting sends.
fn limit_above_what_is_ready_takes_all_of_it(f: Flavor) {
    for form in FORMS {
        let (tx, rx) = f.channel::<u64>();
        let n = f.ready() as u64;
        let waiting = make_ready(&tx, 0..n, noop_waker_ref());
        let mut buf = Vec::with_capacity(100);
        assert_eq!(batch(form, &rx, &mut buf, 64), Ok(n as usize), "{form:?}");
        assert_eq!(buf, (0..n).collect::<Vec<_>>(), "{form:?}");
        all_sent(waiting);
        assert_eq!(rx.try_recv_many(&mut buf, 64), Err(TryRecvError::Empty));
    }
}

/// A `limit` below what is ready takes exactly that many, and the
/// batches (of every form in turn) keep the order.
fn limit_below_what_is_ready_takes_the_limit_in_order(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let n = f.ready();
    let waiting = make_ready(&tx, 0..n as u64, noop_waker_ref());
    let mut all = Vec::new();
    for (i, form) in FORMS.iter().cycle().enumerate() {
        let left = n - all.len();
        if left == 0 {
            break;
        }
        let limit = 1 + i % 3;
        let mut buf = Vec::with_capacity(4);
        assert_eq!(
            batch(*form, &rx, &mut buf, limit),
            Ok(limit.min(left)),
            "{form:?}"
        );
        all.extend(buf);
    }
    assert_eq!(all, (0..n as u64).collect::<Vec<_>>());
    all_sent(waiting);
    assert_eq!(rx.try_recv_many(&mut all, 1), Err(TryRecvError::Empty));
}

/// tokio's buffer rule: a `buf` with spare capacity is not grown (every
/// form takes at most the spare, and the capacity stays); a full one
/// (also a new, empty `Vec`) first reserves room for `limit`.
fn spare_capacity_is_not_grown_and_a_full_buf_reserves(f: Flavor) {
    for form in FORMS {
        let (tx, rx) = f.channel::<u64>();
        let waiting = make_ready(&tx, 0..6, noop_waker_ref());
        let mut buf = Vec::with_capacity(3);
        buf.push(100);
        let cap = buf.capacity();
        let spare = cap - 1;
        assert_eq!(batch(form, &rx, &mut buf, 64), Ok(spare.min(6)), "{form:?}");
        assert_eq!(buf.capacity(), cap, "{form:?}: not grown");
        let mut expected = vec![100];
        expected.extend(0..spare.min(6) as u64);
        assert_eq!(buf, expected, "{form:?}");
        // Full now: it reserves room for the limit, and takes that many.
        let left = 6 - spare.min(6);
        if left > 0 {
            assert_eq!(buf.len(), buf.capacity());
            let limit = left.min(2);
            assert_eq!(batch(form, &rx, &mut buf, limit), Ok(limit), "{form:?}");
            assert!(buf.capacity() >= cap + limit, "{form:?}: reserved");
        }
        // A new `Vec` (no capacity) is full too.
        let mut fresh = Vec::new();
        let left = 6 - (buf.len() - 1);
        if left > 0 {
            assert_eq!(batch(form, &rx, &mut fresh, 4), Ok(left.min(4)), "{form:?}");
            assert!(fresh.capacity() >= 4, "{form:?}: reserved");
        }
        buf.extend(fresh);
        while rx.try_recv_many(&mut buf, 8).is_ok() {}
        assert_eq!(
            buf[1..],
            (0..6).collect::<Vec<_>>()[..],
            "{form:?}: in order"
        );
        all_sent(waiting);
    }
}

/// A batch appends after what `buf` holds, and the count is what it
/// appended, not the length.
fn batches_append_after_what_buf_holds(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let waiting = make_ready(&tx, 0..3, noop_waker_ref());
    let mut buf = Vec::with_capacity(16);
    buf.extend([10, 11]);
    assert_eq!(rx.try_recv_many(&mut buf, 2), Ok(2));
    assert_eq!(rx.recv_many(&mut buf, 2), 1);
    assert_eq!(buf, [10, 11, 0, 1, 2]);
    all_sent(waiting);
}

/// A `Vec` of a zero-sized type always has spare capacity: a batch takes
/// up to `limit`, and the messages are counted and dropped exactly once.
#[test]
fn zero_sized_messages_in_batches() {
    for f in [Flavor::Bounded(8), Flavor::Unbounded] {
        let (tx, rx) = f.channel::<()>();
        for _ in 0..5 {
            tx.send(()).unwrap();
        }
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 3), 3);
        assert_eq!(rx.try_recv_many(&mut buf, 3), Ok(2));
        assert_eq!(buf.len(), 5);
        assert_eq!(rx.try_recv_many(&mut buf, 3), Err(TryRecvError::Empty));
    }
}

/// A `limit` of `usize::MAX` ("everything that is ready"), as tokio's
/// `recv_many` takes it: with spare capacity in `buf` it takes what fits;
/// into a new, empty `Vec` it must take what is ready, not fail to
/// reserve room for `usize::MAX` messages.
#[test]
fn a_limit_of_usize_max_takes_what_is_ready() {
    let (tx, rx) = mpmc::unbounded::<u64>();
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    let mut buf = Vec::with_capacity(2);
    assert_eq!(rx.try_recv_many(&mut buf, usize::MAX), Ok(2));
    assert_eq!(buf.capacity(), 2);
    let mut all = Vec::new();
    let got = catch_unwind(AssertUnwindSafe(|| rx.recv_many(&mut all, usize::MAX)));
    assert_eq!(
        got.ok(),
        Some(3),
        "recv_many(&mut Vec::new(), usize::MAX) panicked (reserving room for the limit)"
    );
    assert_eq!(all, [2, 3, 4]);
}

// ===== waiting senders =====

per_flavor!(waiting:
    waiting_senders_are_moved_in_behind_a_batch,
    a_blocked_sender_thread_gets_through_as_batches_make_room,
);

/// With the channel full, a batch of 2 takes 2 and lets the first two
/// waiting send futures in (a rendezvous: takes their messages): each is
/// woken once and complete; the third still waits; the order is kept
/// through the next batch, which lets the third in too.
fn waiting_senders_are_moved_in_behind_a_batch(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let cap = f.capacity().unwrap() as u64;
    for i in 0..cap {
        tx.try_send(i).unwrap();
    }
    let counters: Vec<_> = (0..3).map(|_| WakeCounter::new()).collect();
    let mut sends: Vec<_> = (0..3).map(|i| tx.send_async(cap + i)).collect();
    for (send, (_, waker)) in sends.iter_mut().zip(&counters) {
        assert!(poll_with(send, waker).is_pending());
    }
    let mut buf = Vec::with_capacity(2);
    assert_eq!(rx.try_recv_many(&mut buf, 2), Ok(2));
    assert_eq!(buf, [0, 1]);
    let wakes: Vec<_> = counters.iter().map(|(c, _)| c.wakes()).collect();
    assert_eq!(wakes, [1, 1, 0], "the first two sends were let in");
    if cap > 0 {
        assert_eq!(rx.len() as u64, cap, "full again");
    }
    for send in &mut sends[..2] {
        assert_eq!(poll_with(send, noop_waker_ref()), Poll::Ready(Ok(())));
    }
    assert!(poll_with(&mut sends[2], &counters[2].1).is_pending());
    let mut rest = Vec::new();
    assert_eq!(rx.recv_many(&mut rest, 64), cap as usize + 1);
    assert_eq!(rest, (2..cap + 3).collect::<Vec<_>>());
    assert_eq!(counters[2].0.wakes(), 1);
    assert_eq!(
        poll_with(&mut sends[2], noop_waker_ref()),
        Poll::Ready(Ok(()))
    );
}

/// A thread that sends more than fits blocks; batches of every blocking
/// form make room for it, and take every message in order.
fn a_blocked_sender_thread_gets_through_as_batches_make_room(f: Flavor) {
    let n = iters(100) as u64;
    let (tx, rx) = f.channel::<u64>();
    let (sent, got) = concurrently(
        move || (0..n).all(|i| tx.send(i).is_ok()),
        || {
            let mut got = Vec::new();
            for (i, form) in [Form::Blocking, Form::Timeout, Form::Deadline]
                .iter()
                .cycle()
                .enumerate()
            {
                let limit = 1 + i % 4;
                let mut buf = Vec::with_capacity(limit);
                let result = match form {
                    Form::Blocking => match rx.recv_many(&mut buf, limit) {
                        0 => Err(RecvTimeoutError::Disconnected),
                        n => Ok(n),
                    },
                    Form::Timeout => rx.recv_many_timeout(&mut buf, limit, LONG),
                    _ => rx.recv_many_deadline(&mut buf, limit, Instant::now() + LONG),
                };
                match result {
                    Ok(k) => {
                        assert!((1..=limit).contains(&k));
                        got.extend(buf);
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                    Err(RecvTimeoutError::Timeout) => panic!("{form:?}: a wake was lost"),
                }
            }
            got
        },
    );
    assert!(sent);
    assert_eq!(got, (0..n).collect::<Vec<_>>());
}

// ===== rendezvous =====

/// A thread blocked in `send` on a rendezvous: every form of batch
/// receive takes its message, and the send returns.
#[test]
fn rendezvous_blocked_sender_is_received_by_every_form() {
    for form in FORMS {
        let (tx, rx) = mpmc::rendezvous::<u64>();
        let (sent, buf) = concurrently(
            move || tx.send(7).is_ok(),
            || {
                let mut buf = Vec::new();
                match form {
                    Form::Blocking => assert_eq!(rx.recv_many(&mut buf, 4), 1),
                    Form::Timeout => assert_eq!(rx.recv_many_timeout(&mut buf, 4, LONG), Ok(1)),
                    Form::Deadline => {
                        assert_eq!(rx.recv_many_deadline(&mut buf, 4, far()), Ok(1))
                    }
                    Form::Async => {
                        assert_eq!(pollster::block_on(rx.recv_many_async(&mut buf, 4)), 1)
                    }
                    Form::Try => loop {
                        match rx.try_recv_many(&mut buf, 4) {
                            Ok(n) => break assert_eq!(n, 1),
                            Err(TryRecvError::Empty) => thread::yield_now(),
                            Err(TryRecvError::Disconnected) => panic!("closed"),
                        }
                    },
                }
                buf
            },
        );
        assert!(sent, "{form:?}");
        assert_eq!(buf, [7], "{form:?}");
    }
}

/// Several threads blocked in `send` on a rendezvous: batches take all
/// their messages (one batch may take several), and every send returns.
#[test]
fn rendezvous_batches_take_several_blocked_senders() {
    let (tx, rx) = mpmc::rendezvous::<u64>();
    thread::scope(|s| {
        let senders: Vec<_> = (0..3)
            .map(|i| {
                let tx = tx.clone();
                s.spawn(move || tx.send(i).is_ok())
            })
            .collect();
        pause();
        let mut got = Vec::new();
        while got.len() < 3 {
            let mut buf = Vec::with_capacity(8);
            match rx.recv_many_timeout(&mut buf, 8, LONG) {
                Ok(n) => assert_eq!(n, buf.len()),
                Err(err) => panic!("{err:?}: a wake was lost"),
            }
            got.extend(buf);
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2]);
        for sender in senders {
            assert!(sender.join().unwrap());
        }
    });
}

// ===== blocking =====

per_flavor!(all:
    blocking_recv_many_waits_for_a_thread_send,
    blocking_recv_many_sees_the_close_while_waiting,
    try_recv_many_is_empty_then_disconnected,
);

/// `recv_many` and its timed forms wait for a thread's send, then take
/// what came with it; a producer thread's messages arrive in order.
fn blocking_recv_many_waits_for_a_thread_send(f: Flavor) {
    for form in [Form::Blocking, Form::Timeout, Form::Deadline] {
        let (tx, rx) = f.channel::<u64>();
        let recv = |buf: &mut Vec<u64>, limit| match form {
            Form::Blocking => Ok(rx.recv_many(buf, limit)),
            Form::Timeout => rx.recv_many_timeout(buf, limit, LONG),
            _ => rx.recv_many_deadline(buf, limit, far()),
        };
        let (sent, (got, buf)) = concurrently(after_pause(|| tx.send(1).is_ok()), || {
            let mut buf = Vec::new();
            (recv(&mut buf, 4), buf)
        });
        assert!(sent);
        assert_eq!((got, buf), (Ok(1), vec![1]), "{form:?}");
        // Several messages from a thread: at least one a call, in order.
        let n = 20;
        let (sent, got) = concurrently(after_pause(|| (0..n).all(|i| tx.send(i).is_ok())), || {
            let mut got = Vec::new();
            while got.len() < n as usize {
                let mut buf = Vec::with_capacity(3);
                let k = recv(&mut buf, 3).expect("a message");
                assert!((1..=3).contains(&k), "{form:?}: {k}");
                got.extend(buf);
            }
            got
        });
        assert!(sent);
        assert_eq!(got, (0..n).collect::<Vec<_>>(), "{form:?}");
    }
}

/// A `recv_many` that waits sees the last sender go: 0 (the timed forms:
/// `Disconnected`), as does the async form.
fn blocking_recv_many_sees_the_close_while_waiting(f: Flavor) {
    for form in [Form::Blocking, Form::Timeout, Form::Deadline, Form::Async] {
        let (tx, rx) = f.channel::<u64>();
        let ((), got) = concurrently(after_pause(move || drop(tx)), || {
            let mut buf = Vec::new();
            let got = match form {
                Form::Blocking => Ok(rx.recv_many(&mut buf, 4)),
                Form::Timeout => rx.recv_many_timeout(&mut buf, 4, LONG),
                Form::Deadline => rx.recv_many_deadline(&mut buf, 4, far()),
                _ => Ok(futures::executor::block_on(rx.recv_many_async(&mut buf, 4))),
            };
            assert!(buf.is_empty());
            got
        });
        let expected = match form {
            Form::Blocking | Form::Async => Ok(0),
            _ => Err(RecvTimeoutError::Disconnected),
        };
        assert_eq!(got, expected, "{form:?}");
    }
}

/// `try_recv_many`: `Empty` (buf untouched) on an open, empty channel;
/// what is ready; then `Disconnected` once closed and drained (by the
/// last sender's drop, or by `close`).
fn try_recv_many_is_empty_then_disconnected(f: Flavor) {
    for by_close in [false, true] {
        let (tx, rx) = f.channel::<u64>();
        let mut buf = Vec::with_capacity(4);
        assert_eq!(rx.try_recv_many(&mut buf, 4), Err(TryRecvError::Empty));
        assert!(buf.is_empty());
        assert_eq!(buf.capacity(), 4);
        let waiting = make_ready(&tx, [1, 2], noop_waker_ref());
        assert_eq!(rx.try_recv_many(&mut buf, 4), Ok(2));
        all_sent(waiting);
        if f.capacity() != Some(0) {
            tx.send(3).unwrap();
        }
        if by_close {
            assert!(rx.close());
        } else {
            drop(tx);
        }
        if f.capacity() != Some(0) {
            assert_eq!(rx.try_recv_many(&mut buf, 4), Ok(1), "drained first");
        }
        assert_eq!(
            rx.try_recv_many(&mut buf, 4),
            Err(TryRecvError::Disconnected)
        );
        assert_eq!(buf.len(), if f.capacity() == Some(0) { 2 } else { 3 });
    }
}

/// One producer thread and two consumer threads that take batches with
/// `try_recv_many`: each batch is taken in one locked section, so it is a
/// run of consecutive messages, never interleaved with another batch.
#[test]
fn a_try_batch_takes_consecutive_messages() {
    for f in [Flavor::Bounded(8), Flavor::Unbounded] {
        let n = iters(2000) as u64;
        let (tx, rx) = f.channel::<u64>();
        let total = Mutex::new(0);
        thread::scope(|s| {
            for _ in 0..2 {
                let (rx, total) = (rx.clone(), &total);
                s.spawn(move || loop {
                    let mut buf = Vec::with_capacity(8);
                    match rx.try_recv_many(&mut buf, 8) {
                        Ok(k) => {
                            assert!(buf.windows(2).all(|w| w[1] == w[0] + 1), "{buf:?}");
                            *total.lock().unwrap() += k;
                        }
                        Err(TryRecvError::Empty) => thread::yield_now(),
                        Err(TryRecvError::Disconnected) => break,
                    }
                });
            }
            drop(rx);
            for i in 0..n {
                tx.send(i).unwrap();
            }
            drop(tx);
        });
        assert_eq!(*total.lock().unwrap(), n as usize, "{f:?}");
    }
}

// ===== timeouts and deadlines =====

per_flavor!(all:
    zero_timeout_takes_what_is_ready,
    timeout_when_nothing_comes,
    disconnected_when_closed_and_empty,
    duration_max_and_far_deadlines_take_and_wait,
);

/// A zero timeout, or a deadline already past, takes what is ready (on a
/// rendezvous: the waiting senders' messages, also a blocked thread's).
fn zero_timeout_takes_what_is_ready(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let past = Instant::now();
    let waiting = make_ready(&tx, [1, 2, 3], noop_waker_ref());
    let mut buf = Vec::new();
    assert_eq!(rx.recv_many_timeout(&mut buf, 8, Duration::ZERO), Ok(3));
    all_sent(waiting);
    let waiting = make_ready(&tx, [4, 5], noop_waker_ref());
    assert_eq!(rx.recv_many_deadline(&mut buf, 8, past), Ok(2));
    all_sent(waiting);
    assert_eq!(buf, [1, 2, 3, 4, 5]);
    if f == Flavor::Rendezvous {
        let (sent, got) = concurrently(
            || tx.send(6).is_ok(),
            || loop {
                let mut buf = Vec::new();
                match rx.recv_many_timeout(&mut buf, 8, Duration::ZERO) {
                    Ok(n) => break (n, buf),
                    Err(RecvTimeoutError::Timeout) => thread::yield_now(),
                    Err(err) => panic!("{err:?}"),
                }
            },
        );
        assert!(sent);
        assert_eq!(got, (1, vec![6]));
    }
}

/// Nothing comes: `Timeout` (buf untouched), no earlier than asked; the
/// channel goes on (the next wait takes the next message).
fn timeout_when_nothing_comes(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let mut buf = Vec::with_capacity(4);
    let wait = Duration::from_millis(5);
    let start = Instant::now();
    assert_eq!(
        rx.recv_many_timeout(&mut buf, 4, wait),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(start.elapsed() >= wait);
    assert_eq!(
        rx.recv_many_timeout(&mut buf, 4, Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    let deadline = Instant::now() + wait;
    assert_eq!(
        rx.recv_many_deadline(&mut buf, 4, deadline),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(Instant::now() >= deadline);
    assert!(buf.is_empty());
    assert_eq!(buf.capacity(), 4);
    let (sent, got) = concurrently(after_pause(|| tx.send(9).is_ok()), || {
        rx.recv_many_timeout(&mut buf, 4, LONG)
    });
    assert!(sent);
    assert_eq!(got, Ok(1));
    assert_eq!(buf, [9]);
}

/// Closed and empty: `Disconnected` at once, whatever the timeout.
fn disconnected_when_closed_and_empty(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    drop(tx);
    let mut buf = Vec::new();
    for timeout in [Duration::ZERO, LONG, Duration::MAX] {
        assert_eq!(
            rx.recv_many_timeout(&mut buf, 4, timeout),
            Err(RecvTimeoutError::Disconnected)
        );
    }
    assert_eq!(
        rx.recv_many_deadline(&mut buf, 4, far()),
        Err(RecvTimeoutError::Disconnected)
    );
    assert!(buf.is_empty());
}

/// `Duration::MAX` and a deadline a century away: with a message ready,
/// they take it (no panic from an overflowing `Instant`); with none, they
/// wait for a thread's send.
fn duration_max_and_far_deadlines_take_and_wait(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let mut buf = Vec::new();
    let waiting = make_ready(&tx, [1], noop_waker_ref());
    assert_eq!(rx.recv_many_timeout(&mut buf, 4, Duration::MAX), Ok(1));
    all_sent(waiting);
    let waiting = make_ready(&tx, [2], noop_waker_ref());
    assert_eq!(rx.recv_many_deadline(&mut buf, 4, far()), Ok(1));
    all_sent(waiting);
    let (sent, got) = concurrently(after_pause(|| tx.send(3).is_ok()), || {
        rx.recv_many_timeout(&mut buf, 4, Duration::MAX)
    });
    assert!(sent);
    assert_eq!(got, Ok(1));
    assert_eq!(buf, [1, 2, 3]);
}

// ===== async =====

per_flavor!(all:
    recv_many_async_on_every_executor,
    thread_to_task_on_every_executor,
    recv_many_future_polled_once_then_dropped_loses_nothing,
    woken_recv_many_future_dropped_passes_its_wake_on,
    woken_recv_many_future_dropped_passes_its_wake_on_to_a_blocked_thread,
    a_notified_receiver_that_a_batch_overtook_waits_for_the_next,
    recv_many_future_waits_then_takes_what_came,
);

/// A producing and a batch-consuming future joined in one task, under
/// every executor (tokio's two runtimes, async-executor, futures'
/// `block_on`, pollster): every message, in order, then 0.
fn recv_many_async_on_every_executor(f: Flavor) {
    on_every_executor(move |executor| async move {
        let n = iters(200) as u64;
        let (tx, rx) = f.channel::<u64>();
        let produce = async move {
            for i in 0..n {
                tx.send_async(i).await.unwrap();
            }
        };
        let consume = async {
            let mut got = Vec::new();
            let mut limit = 1;
            loop {
                let before = got.len();
                let k = rx.recv_many_async(&mut got, limit).await;
                assert_eq!(got.len(), before + k);
                if k == 0 {
                    break got;
                }
                assert!(k <= limit);
                limit = limit % 7 + 1;
            }
        };
        let ((), got) = join(produce, consume).await;
        assert_eq!(got, (0..n).collect::<Vec<_>>(), "under {executor:?}");
    });
}

/// A thread sends while a task takes batches, under every executor.
fn thread_to_task_on_every_executor(f: Flavor) {
    for executor in EXECUTORS {
        let n = iters(100) as u64;
        let (tx, rx) = f.channel::<u64>();
        let (sent, got) = concurrently(
            move || (0..n).all(|i| tx.send(i).is_ok()),
            || {
                executor.run(async move {
                    let mut got = Vec::new();
                    let mut buf = Vec::with_capacity(5);
                    while rx.recv_many_async(&mut buf, 5).await > 0 {
                        got.append(&mut buf);
                    }
                    got
                })
            },
        );
        assert!(sent);
        assert_eq!(got, (0..n).collect::<Vec<_>>(), "under {executor:?}");
    }
}

/// A `RecvManyFuture` polled once (pending) and dropped takes nothing and
/// is never woken; a later send wakes the receive that waits then.
fn recv_many_future_polled_once_then_dropped_loses_nothing(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let (first, first_waker) = WakeCounter::new();
    let mut buf = Vec::with_capacity(4);
    let mut fut = rx.recv_many_async(&mut buf, 4);
    assert!(poll_with(&mut fut, &first_waker).is_pending());
    drop(fut);
    assert!(buf.is_empty());
    assert_eq!(buf.capacity(), 4);
    let (second, second_waker) = WakeCounter::new();
    let mut other = Vec::new();
    let mut fut = rx.recv_many_async(&mut other, 4);
    assert!(poll_with(&mut fut, &second_waker).is_pending());
    let waiting = make_ready(&tx, [5], noop_waker_ref());
    assert_eq!(first.wakes(), 0, "the dropped receive is not woken");
    assert_eq!(second.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &second_waker), Poll::Ready(1));
    drop(fut);
    all_sent(waiting);
    assert_eq!(other, [5]);
    assert_eq!(rx.try_recv_many(&mut buf, 4), Err(TryRecvError::Empty));
}

/// One message wakes the first of two pending `RecvManyFuture`s; dropped
/// instead of polled, it passes the wake on to the second, which takes
/// the message; the first took nothing.
fn woken_recv_many_future_dropped_passes_its_wake_on(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let (a, a_waker) = WakeCounter::new();
    let (b, b_waker) = WakeCounter::new();
    let (mut buf_a, mut buf_b) = (Vec::new(), Vec::new());
    let mut fut_a = rx.recv_many_async(&mut buf_a, 4);
    let mut fut_b = rx.recv_many_async(&mut buf_b, 4);
    assert!(poll_with(&mut fut_a, &a_waker).is_pending());
    assert!(poll_with(&mut fut_b, &b_waker).is_pending());
    let waiting = make_ready(&tx, [1], noop_waker_ref());
    assert_eq!((a.wakes(), b.wakes()), (1, 0), "one message, one wake");
    drop(fut_a);
    assert_eq!(b.wakes(), 1, "the wake was passed on");
    assert_eq!(poll_with(&mut fut_b, &b_waker), Poll::Ready(1));
    drop(fut_b);
    all_sent(waiting);
    assert!(buf_a.is_empty());
    assert_eq!(buf_b, [1]);
}

/// As above, with a thread blocked in `recv_many_timeout` as the other
/// receiver: it gets the message (a lost wake shows as a timeout).
fn woken_recv_many_future_dropped_passes_its_wake_on_to_a_blocked_thread(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let mut buf = Vec::new();
    let mut fut = rx.recv_many_async(&mut buf, 4);
    assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
    let (got, ()) = concurrently(
        || {
            let mut buf = Vec::new();
            rx.recv_many_timeout(&mut buf, 4, LONG).map(|_| buf)
        },
        || {
            pause();
            let waiting = make_ready(&tx, [1], noop_waker_ref());
            drop(fut);
            // A rendezvous send waits until the thread took the message.
            for mut send in waiting {
                assert_eq!(
                    futures::executor::block_on(&mut send),
                    Ok(()),
                    "the send completes"
                );
            }
        },
    );
    assert_eq!(got, Ok(vec![1]));
    assert!(buf.is_empty());
}

/// A receive future notified for a message that a batch then takes finds
/// nothing when polled, waits again, and is woken by the next message.
fn a_notified_receiver_that_a_batch_overtook_waits_for_the_next(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let (counter, waker) = WakeCounter::new();
    let mut listed = rx.recv_async();
    assert!(poll_with(&mut listed, &waker).is_pending());
    let waiting = make_ready(&tx, [1], noop_waker_ref());
    assert_eq!(counter.wakes(), 1);
    let mut buf = Vec::new();
    assert_eq!(
        rx.try_recv_many(&mut buf, 8),
        Ok(1),
        "the batch overtakes it"
    );
    all_sent(waiting);
    assert!(poll_with(&mut listed, &waker).is_pending(), "nothing left");
    let waiting = make_ready(&tx, [2], noop_waker_ref());
    assert_eq!(counter.wakes(), 2, "woken by the next message");
    assert_eq!(poll_with(&mut listed, &waker), Poll::Ready(Ok(2)));
    all_sent(waiting);
    assert_eq!(buf, [1]);
}

/// A pending `RecvManyFuture` is woken by a send; polled then, it takes
/// that message and what else came meanwhile, up to its limit.
fn recv_many_future_waits_then_takes_what_came(f: Flavor) {
    let (tx, rx) = f.channel::<u64>();
    let (counter, waker) = WakeCounter::new();
    let mut buf = Vec::new();
    let mut fut = rx.recv_many_async(&mut buf, 3);
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert!(
        poll_with(&mut fut, &waker).is_pending(),
        "polled again: waits on"
    );
    let waiting = make_ready(&tx, 1..=4, noop_waker_ref());
    assert_eq!(counter.wakes(), 1, "one message, one wake (the first)");
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(3));
    drop(fut);
    assert_eq!(buf, [1, 2, 3]);
    assert_eq!(rx.try_recv_many(&mut buf, 3), Ok(1));
    all_sent(waiting);
    assert_eq!(buf, [1, 2, 3, 4]);
}

/// `RecvManyFuture`: `Send` for `T: Send`, `Unpin`, `Debug`
/// without `T: Debug`, and (with `futures`) fused once it returned.
#[test]
fn recv_many_future_bounds_debug_and_fusing() {
    fn is_send<T: Send>() {}
    fn is_send_sync<T: Send + Sync>() {}
    fn is_unpin<T: Unpin>() {}
    is_send_sync::<RecvManyFuture<'static, u64>>();
    // It holds the `&mut Vec<T>`: `Send` for `T: Send` (so `Sync` needs `T: Sync`).
    is_send::<RecvManyFuture<'static, std::cell::Cell<u8>>>();
    is_unpin::<RecvManyFuture<'static, std::cell::Cell<u8>>>();
    struct NotDebug;
    let (tx, rx) = mpmc::unbounded::<NotDebug>();
    let mut buf = Vec::new();
    // (Polled only with the `futures` feature.)
    #[cfg_attr(not(feature = "futures"), allow(unused_mut))]
    let mut fut = rx.recv_many_async(&mut buf, 2);
    assert!(format!("{fut:?}").starts_with("RecvManyFuture"));
    #[cfg(feature = "futures")]
    {
        use futures::future::FusedFuture;
        assert!(!fut.is_terminated());
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        assert!(!fut.is_terminated());
        tx.send(NotDebug).unwrap();
        assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(1));
        assert!(fut.is_terminated());
    }
    drop((fut, tx));
}

// ===== dropped exactly once =====

per_flavor!(all: every_message_is_received_once_or_dropped_with_the_channel);
per_flavor!(all: threads_and_tasks_taking_batches_lose_nothing);

/// Messages that count their drops: those a batch took are the caller's
/// (dropped with `buf`), the rest are dropped by the last receiver's drop
/// (buffered) or handed back to their waiting sends; each exactly once.
fn every_message_is_received_once_or_dropped_with_the_channel(f: Flavor) {
    for limit in [1, 2, 64] {
        let drops = DropCounter::new();
        let (tx, rx) = f.channel();
        let n = f.ready();
        let waiting = make_ready(&tx, (0..n as u64).map(|i| drops.msg(i)), noop_waker_ref());
        let mut buf = Vec::new();
        let got = rx.try_recv_many(&mut buf, limit).unwrap();
        assert_eq!(got, limit.min(n));
        assert_eq!(drops.drops(), 0);
        assert_eq!(values(&mut buf), (0..got as u64).collect::<Vec<_>>());
        assert_eq!(drops.drops(), got);
        let rx2 = rx.clone();
        drop(rx);
        assert_eq!(drops.drops(), got, "a receiver is left");
        drop(rx2);
        let mut handed_back = 0;
        for mut send in waiting {
            match poll_with(&mut send, noop_waker_ref()) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(SendError(msg))) => {
                    assert!(msg.value >= got as u64);
                    handed_back += 1;
                }
                Poll::Pending => panic!("the last receiver's drop finishes the sends"),
            }
        }
        assert_eq!(drops.drops(), n, "limit {limit}: {handed_back} handed back");
    }
}

/// Two producer threads, two consumer threads and a consumer task, the
/// consumers taking batches of random limits with every form: every
/// message received exactly once, each producer's in order at each
/// consumer, and dropped exactly once.
fn threads_and_tasks_taking_batches_lose_nothing(f: Flavor) {
    let per_producer = iters(400) as u64;
    let drops = DropCounter::new();
    let (tx, rx) = f.channel::<Counted>();
    let got: Vec<Vec<u64>> = thread::scope(|s| {
        for p in 0..2u64 {
            let (tx, drops) = (tx.clone(), &drops);
            s.spawn(move || {
                for i in 0..per_producer {
                    tx.send(drops.msg(p * 1_000_000 + i)).unwrap();
                }
            });
        }
        let consumers: Vec<_> = (0..2u64)
            .map(|c| {
                let rx = rx.clone();
                s.spawn(move || {
                    let mut got = Vec::new();
                    let mut buf = Vec::new();
                    for turn in c.. {
                        let limit = (turn % 9) as usize;
                        let before = buf.len();
                        let result = match turn % 4 {
                            0 => Ok(rx.recv_many(&mut buf, limit)),
                            1 => rx.recv_many_timeout(&mut buf, limit, Duration::from_micros(50)),
                            2 => rx.recv_many_deadline(&mut buf, limit, Instant::now() + LONG),
                            _ => rx.try_recv_many(&mut buf, limit).map_err(|e| match e {
                                TryRecvError::Empty => RecvTimeoutError::Timeout,
                                TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                            }),
                        };
                        match result {
                            Ok(0) if limit > 0 => break,
                            Ok(k) => assert!(k <= limit && buf.len() == before + k),
                            Err(RecvTimeoutError::Timeout) => thread::yield_now(),
                            Err(RecvTimeoutError::Disconnected) => break,
                        }
                        got.extend(buf.drain(..).map(|m| m.value));
                    }
                    got
                })
            })
            .collect();
        let task = {
            let rx = rx.clone();
            s.spawn(move || {
                pollster::block_on(async move {
                    let mut got = Vec::new();
                    let mut buf = Vec::new();
                    for limit in (1..6).cycle() {
                        if rx.recv_many_async(&mut buf, limit).await == 0 {
                            break;
                        }
                        got.extend(buf.drain(..).map(|m| m.value));
                    }
                    got
                })
            })
        };
        drop((tx, rx));
        let mut all: Vec<_> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
        all.push(task.join().unwrap());
        all
    });
    for consumer in &got {
        for p in 0..2 {
            let mine: Vec<_> = consumer.iter().filter(|&&v| v / 1_000_000 == p).collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "in order");
        }
    }
    let mut all: Vec<u64> = got.concat();
    all.sort_unstable();
    let expected: Vec<u64> = (0..2)
        .flat_map(|p| (0..per_producer).map(move |i| p * 1_000_000 + i))
        .collect();
    assert_eq!(all, expected, "every message exactly once");
    assert_eq!(drops.drops(), expected.len(), "each dropped exactly once");
}

// ===== panicking wakers =====

per_flavor!(waiting:
    waker_panicking_when_woken_by_a_batch_puts_the_batch_back,
    waker_panicking_in_the_rest_of_a_waited_batch_puts_it_all_back,
);

/// A batch receive makes room on a full channel (a rendezvous: takes the
/// waiting senders' messages), waking the waiting send futures; the first
/// one's waker panics when woken. The panic reaches the caller of every
/// form, `buf` is as it was, the batch is back in the channel in order
/// (a later receive gets it), the other send was still woken, both sends
/// are complete, and nothing was dropped or doubled.
fn waker_panicking_when_woken_by_a_batch_puts_the_batch_back(f: Flavor) {
    let cap = f.capacity().unwrap();
    for limit in [1, cap + 2] {
        for form in FORMS {
            let context = format!("{form:?}, limit {limit}");
            let drops = DropCounter::new();
            let (tx, rx) = f.channel();
            for i in 0..cap as u64 {
                tx.try_send(drops.msg(i)).unwrap();
            }
            let flags = Arc::new(hostile::Flags::default());
            let mut bad = tx.send_async(drops.msg(cap as u64));
            assert!(poll_with(&mut bad, &hostile::waker(&flags)).is_pending());
            let (counter, waker) = WakeCounter::new();
            let mut good = tx.send_async(drops.msg(cap as u64 + 1));
            assert!(poll_with(&mut good, &waker).is_pending());
            let mut buf = vec![drops.msg(1000)];
            flags.panic_on_drop.store(true, SeqCst); // waking it drops it
            let got = catch_unwind(AssertUnwindSafe(|| batch(form, &rx, &mut buf, limit)));
            flags.panic_on_drop.store(false, SeqCst);
            assert!(
                got.is_err(),
                "{context}: the waker's panic reaches the caller"
            );
            assert_eq!(values(&mut buf), [1000], "{context}: buf as it was");
            assert_eq!(drops.drops(), 1, "{context}: nothing else dropped");
            assert_eq!(flags.wakes.load(SeqCst), 1, "{context}");
            // `limit` 1 lets only the first send in (a rendezvous: takes
            // only its message); `cap + 2` both, and the second is woken
            // though the first one's wake panicked.
            let both = limit > 1;
            assert_eq!(counter.wakes(), usize::from(both), "{context}");
            assert_eq!(poll_with(&mut bad, noop_waker_ref()), Poll::Ready(Ok(())));
            let mut rest = Vec::new();
            let n = rx.try_recv_many(&mut rest, 64).unwrap();
            assert_eq!(n, cap + 2, "{context}: nothing lost");
            assert_eq!(
                values(&mut rest),
                (0..cap as u64 + 2).collect::<Vec<_>>(),
                "{context}: the batch came back in order"
            );
            assert_eq!(counter.wakes(), 1, "{context}");
            assert_eq!(poll_with(&mut good, noop_waker_ref()), Poll::Ready(Ok(())));
            assert_eq!(rx.try_recv_many(&mut rest, 64), Err(TryRecvError::Empty));
            drop((bad, good));
            drop((tx, rx));
            assert_eq!(drops.drops(), cap + 3, "{context}: each dropped once");
        }
    }
}

/// The smallest case of the above (limit 1, or a plain `try_recv`): a
/// receive whose wake panicked put its message back, so a `bounded(1)`
/// holds 2 (its capacity + 1) with a second send still waiting. The next
/// receive takes the first; the channel is still at its capacity, so it
/// must leave the waiting send's message with its sender (and the send
/// pending) rather than move it into a full ring, which refuses it
/// (`State::take_with_senders`: a debug assertion, "a pop makes room for
/// one push"; in a release build the message is dropped while its send
/// reports success).
#[test]
fn a_receive_over_capacity_after_a_put_back_keeps_a_waiting_senders_message() {
    for batch_of_one in [false, true] {
        let context = if batch_of_one {
            "try_recv_many(1)"
        } else {
            "try_recv"
        };
        let receive = |rx: &Receiver<Counted>| {
            if batch_of_one {
                let mut buf = Vec::new();
                rx.try_recv_many(&mut buf, 1).map(|_| buf.pop().unwrap())
            } else {
                rx.try_recv()
            }
        };
        let drops = DropCounter::new();
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(drops.msg(0)).unwrap();
        let flags = Arc::new(hostile::Flags::default());
        let mut bad = tx.send_async(drops.msg(1));
        assert!(poll_with(&mut bad, &hostile::waker(&flags)).is_pending());
        let mut good = tx.send_async(drops.msg(2));
        assert!(poll_with(&mut good, noop_waker_ref()).is_pending());
        flags.panic_on_drop.store(true, SeqCst);
        assert!(catch_unwind(AssertUnwindSafe(|| receive(&rx))).is_err());
        flags.panic_on_drop.store(false, SeqCst);
        assert_eq!(rx.len(), 2, "{context}: put back, one over the capacity");
        let got = catch_unwind(AssertUnwindSafe(|| receive(&rx).map(|m| m.value)));
        assert_eq!(
            got.ok(),
            Some(Ok(0)),
            "{context}: the next receive panicked"
        );
        assert_eq!(
            drops.drops(),
            1,
            "{context}: a waiting send's message was dropped"
        );
        let rest: Vec<_> = rx.try_iter().map(|m| m.value).collect();
        assert_eq!(rest, [1, 2], "{context}");
        assert_eq!(poll_with(&mut bad, noop_waker_ref()), Poll::Ready(Ok(())));
        assert_eq!(poll_with(&mut good, noop_waker_ref()), Poll::Ready(Ok(())));
    }
}

/// A `RecvManyFuture` that waited is woken by a message; polled, it takes
/// it (letting a good waiting send in), then takes what else is ready,
/// which lets in a send whose waker panics: the panic reaches the poller,
/// and the whole batch, the message it waited for included, is back in
/// the channel in order.
fn waker_panicking_in_the_rest_of_a_waited_batch_puts_it_all_back(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel();
    let cap = f.capacity().unwrap() as u64;
    let mut buf = Vec::new();
    let mut fut = rx.recv_many_async(&mut buf, cap as usize + 3);
    assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
    for i in 0..cap {
        tx.try_send(drops.msg(i)).unwrap();
    }
    let (counter, waker) = WakeCounter::new();
    let mut good = tx.send_async(drops.msg(cap));
    assert!(poll_with(&mut good, &waker).is_pending());
    let flags = Arc::new(hostile::Flags::default());
    let mut bad = tx.send_async(drops.msg(cap + 1));
    assert!(poll_with(&mut bad, &hostile::waker(&flags)).is_pending());
    flags.panic_on_drop.store(true, SeqCst);
    let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, noop_waker_ref())));
    flags.panic_on_drop.store(false, SeqCst);
    assert!(polled.is_err(), "the waker's panic reaches the poller");
    drop(fut);
    assert!(buf.is_empty(), "nothing left the channel");
    assert_eq!(drops.drops(), 0);
    assert_eq!((counter.wakes(), flags.wakes.load(SeqCst)), (1, 1));
    let mut rest = Vec::new();
    assert_eq!(rx.try_recv_many(&mut rest, 64), Ok(cap as usize + 2));
    assert_eq!(values(&mut rest), (0..cap + 2).collect::<Vec<_>>());
    assert_eq!(poll_with(&mut good, noop_waker_ref()), Poll::Ready(Ok(())));
    assert_eq!(poll_with(&mut bad, noop_waker_ref()), Poll::Ready(Ok(())));
    drop((good, bad));
    assert_eq!(drops.drops(), cap as usize + 2);
}

/// After a batch's wake panicked, each message it put back notifies a
/// receive that waits: three receive futures wait; the first message
/// wakes the first, the batch's move of a waiting send's message wakes
/// the second, and the put-back (two messages) wakes the third.
#[test]
fn a_batch_put_back_wakes_a_waiting_receiver() {
    let (tx, rx) = mpmc::bounded::<u64>(1);
    let counters: Vec<_> = (0..3).map(|_| WakeCounter::new()).collect();
    let mut receives: Vec<_> = (0..3).map(|_| rx.recv_async()).collect();
    for (fut, (_, waker)) in receives.iter_mut().zip(&counters) {
        assert!(poll_with(fut, waker).is_pending());
    }
    tx.try_send(0).unwrap();
    let flags = Arc::new(hostile::Flags::default());
    let mut bad = tx.send_async(1);
    assert!(poll_with(&mut bad, &hostile::waker(&flags)).is_pending());
    let wakes = |counters: &[(Arc<WakeCounter>, Waker)]| -> Vec<usize> {
        counters.iter().map(|(c, _)| c.wakes()).collect()
    };
    assert_eq!(wakes(&counters), [1, 0, 0]);
    flags.panic_on_drop.store(true, SeqCst);
    let mut buf = Vec::new();
    let got = catch_unwind(AssertUnwindSafe(|| rx.try_recv_many(&mut buf, 8)));
    flags.panic_on_drop.store(false, SeqCst);
    assert!(got.is_err(), "the waker's panic reaches the caller");
    assert!(buf.is_empty());
    assert_eq!(wakes(&counters), [1, 1, 1], "every receive was woken");
    let polled: Vec<_> = receives
        .iter_mut()
        .zip(&counters)
        .map(|(fut, (_, waker))| poll_with(fut, waker))
        .collect();
    assert_eq!(
        polled,
        [Poll::Ready(Ok(0)), Poll::Ready(Ok(1)), Poll::Pending]
    );
    assert_eq!(poll_with(&mut bad, noop_waker_ref()), Poll::Ready(Ok(())));
}

// ===== sweeps: every hostile call of a batch receive panics in turn =====

/// Bytes `f` left allocated on this thread. (The thread's cached waker
/// for blocking calls is made first: it stays, once per thread.)
fn measure(f: &mut dyn FnMut()) -> isize {
    let mut slot = tidings::oneshot::Slot::<u8>::new();
    let (_tx, rx) = slot.split();
    let _ = rx.recv_timeout(Duration::from_millis(1));
    counting::left_allocated(f)
}

/// A future a scenario polls; once it completed or its poll panicked, it
/// is only dropped.
struct Fut<F> {
    fut: F,
    done: bool,
}

impl<F: Future + Unpin> Fut<F> {
    fn new(fut: F) -> Self {
        Self { fut, done: false }
    }

    fn poll(&mut self, waker: &Waker) {
        if !self.done {
            let polled = step(|| poll_with(&mut self.fut, waker));
            self.done = !matches!(polled, Some(Poll::Pending));
        }
    }
}

/// Polls `fut` once with a fresh fuse waker, ignoring a panic.
fn poll_hostile<F: Future + Unpin>(fut: &mut Fut<F>) {
    let waker = fuse::waker();
    fut.poll(&waker);
    step(move || drop(waker));
}

/// Runs `f` until a run of it does not panic (the fuse fires once).
fn until_done<R>(mut f: impl FnMut() -> R) -> R {
    loop {
        if let Some(out) = step(&mut f) {
            return out;
        }
    }
}

/// Receives until the channel is empty, recording what came.
fn drain(rx: &Receiver<Tracked>, ledger: &Ledger) {
    while let Ok(msg) = until_done(|| rx.try_recv()) {
        step(|| ledger.received("rx", msg));
    }
}

/// One batch receive of `form` (never waiting), recording what it took;
/// a panic is caught.
fn batch_receive(form: Form, rx: &Receiver<Tracked>, ledger: &Ledger) {
    step(|| {
        let mut buf = Vec::new();
        let _ = batch(form, rx, &mut buf, 8);
        for msg in buf {
            ledger.received("rx", msg);
        }
    });
}

/// A batch receive takes the buffered message (bounded) and the waiting
/// senders' messages, waking those senders, whose wakers' clone, wake and
/// drop panic in turn (as does every drop of a message): after each run,
/// every message was dropped exactly once, none received twice, the
/// buffered one was received, no waker or byte leaked, and the channel
/// still works.
#[test]
fn sweep_batch_receive_wakes_waiting_senders() {
    type Make = fn() -> (Sender<Tracked>, Receiver<Tracked>);
    let flavors: [(&str, Make); 3] = [
        ("bounded(1)", || mpmc::bounded(1)),
        ("bounded(2)", || mpmc::bounded(2)),
        ("rendezvous", mpmc::rendezvous),
    ];
    for (name, make) in flavors {
        for form in FORMS_THAT_RETURN {
            sweep(&format!("recv_many {name} {form:?}"), measure, |ledger| {
                let (tx, rx) = make();
                let buffered = name != "rendezvous";
                if buffered {
                    tx.try_send(ledger.msg(0)).unwrap();
                }
                if name == "bounded(2)" {
                    tx.try_send(ledger.msg(1)).unwrap();
                }
                let mut first = Fut::new(tx.send_async(ledger.msg(2)));
                poll_hostile(&mut first);
                let mut second = Fut::new(tx.send_async(ledger.msg(3)));
                poll_hostile(&mut second);
                batch_receive(form, &rx, ledger);
                first.poll(noop_waker_ref());
                second.poll(noop_waker_ref());
                step(|| drop(first));
                step(|| drop(second));
                drain(&rx, ledger);
                if buffered {
                    assert_eq!(ledger.receipts(0), 1, "the buffered message was lost");
                }
                fuse::unhooked(|| {
                    let mut send = tx.send_async(ledger.msg(99));
                    let first = poll_with(&mut send, noop_waker_ref());
                    let mut buf = Vec::new();
                    assert_eq!(rx.try_recv_many(&mut buf, 4), Ok(1), "still works");
                    ledger.received("check", buf.pop().unwrap());
                    if first.is_pending() {
                        assert!(matches!(
                            poll_with(&mut send, noop_waker_ref()),
                            Poll::Ready(Ok(()))
                        ));
                    }
                });
                step(|| drop((tx, rx)));
            });
        }
    }
}

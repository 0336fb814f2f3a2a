//! Integration tests of the `select!` and `select_biased!` macros:
//! crossbeam-channel's syntax (`recv(r) -> res => body`, `send(s, msg) ->
//! res => body`, `default => body`, `default(timeout) => body`) over mpmc
//! channels of every flavor. Which arm runs (the ready one; uniformly
//! among several, or the first for `select_biased!`), `default` and its
//! timeout, the end of a channel while a thread waits, duplicate arms,
//! handles given by value, by reference and as temporaries, control flow
//! out of arm bodies, and when the message expression is evaluated.
//!
//! The whole file is `#![forbid(unsafe_code)]`: the macros must expand to
//! safe code. (So it does not use `tests/common`, whose hand-made wakers
//! need `unsafe`; the few helpers it needs are below.)
//!
//! Bodies that run on each flavor are run by [`per_flavor!`] as
//! `body::rendezvous`, `body::bounded_1` and `body::unbounded`. Tests never
//! assert on timing: a `pause()` only makes an interleaving likely, and a
//! waiting side that a lost wakeup could hang has a generous timeout.
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use futures::task::noop_waker_ref;
use tidings::mpmc::{RecvFuture, SendFuture};
use tidings::{
    select, select_biased, Receiver, RecvError, SendError, Sender, TryRecvError, TrySendError,
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
            Flavor::Rendezvous => tidings::rendezvous(),
            Flavor::Bounded(cap) => tidings::bounded(cap),
            Flavor::Unbounded => tidings::unbounded(),
        }
    }

    /// Whether the channel holds messages (a rendezvous does not).
    fn buffers(self) -> bool {
        self != Flavor::Rendezvous
    }
}

macro_rules! flavor {
    (rendezvous) => {
        crate::Flavor::Rendezvous
    };
    (bounded_1) => {
        crate::Flavor::Bounded(1)
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
        $(per_flavor!(@one $body: rendezvous, bounded_1);)*
    };
    (buffered: $($body:ident),* $(,)?) => {
        $(per_flavor!(@one $body: bounded_1, unbounded);)*
    };
    (all: $($body:ident),* $(,)?) => {
        $(per_flavor!(@one $body: rendezvous, bounded_1, unbounded);)*
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

/// A short timeout, for a wait that is meant to expire.
const SHORT: Duration = Duration::from_millis(if cfg!(miri) { 1 } else { 10 });

/// Scales an iteration count down under miri, which is slow.
fn iters(n: usize) -> usize {
    if cfg!(miri) {
        (n / 50).max(2)
    } else {
        n
    }
}

/// A short pause, to let another thread reach the point a test wants it at
/// (only likely: every interleaving must pass).
fn pause() {
    thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 10 }));
}

/// `f`, run after a [`pause`].
fn after_pause<R>(f: impl FnOnce() -> R + Send) -> impl FnOnce() -> R + Send {
    move || {
        pause();
        f()
    }
}

/// Runs `there` on a second (scoped) thread while this thread runs `here`;
/// returns both results once the second thread is joined.
fn concurrently<A: Send, B>(there: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    thread::scope(|s| {
        let there = s.spawn(there);
        let here = here();
        (there.join().unwrap(), here)
    })
}

/// Runs `f` on a thread of its own and waits a while for it: `None` if it
/// had not returned by then (the thread is left to run), so that a select
/// that never returns fails the test instead of hanging it.
fn watchdog<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    // (Under miri the clock is virtual and counts every thread of every
    // test running at once: a generous bound there.)
    let bound = if cfg!(miri) { 600 } else { 5 };
    rx.recv_timeout(Duration::from_secs(bound)).ok()
}

/// Polls `fut` once, with a waker that does nothing.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(noop_waker_ref()))
}

/// Makes `msg` ready to be received: buffered, or (a rendezvous or a full
/// channel) held by a send future that waits, polled once and returned to
/// be kept alive until the message is taken (then see [`finish`]).
fn make_ready<T>(tx: &Sender<T>, msg: T) -> Option<SendFuture<'_, T>> {
    match tx.try_send(msg) {
        Ok(()) => None,
        Err(TrySendError::Full(msg)) => {
            let mut fut = tx.send_async(msg);
            assert!(poll_once(&mut fut).is_pending());
            Some(fut)
        }
        Err(TrySendError::Disconnected(_)) => panic!("the channel is closed"),
    }
}

/// The message of [`make_ready`] was taken: its send future, if any, is
/// done.
fn finish<T>(waiting: Option<SendFuture<'_, T>>) {
    if let Some(mut fut) = waiting {
        let done = poll_once(&mut fut);
        assert!(matches!(done, Poll::Ready(Ok(()))), "the send is not done");
    }
}

/// Makes room for a send on `rx`'s channel, if it has room: nothing for a
/// channel with a buffer; on a rendezvous, a receive future that waits
/// (polled once), to be kept alive: a select's send may go ahead while it
/// waits. What was sent is then [`delivered`].
fn make_room<T>(rx: &Receiver<T>) -> Option<RecvFuture<'_, T>> {
    if rx.capacity() != Some(0) {
        return None;
    }
    let mut fut = rx.recv_async();
    assert!(poll_once(&mut fut).is_pending());
    Some(fut)
}

/// What a send made possible by [`make_room`] delivered.
fn delivered<T>(rx: &Receiver<T>, room: Option<RecvFuture<'_, T>>) -> Result<T, TryRecvError> {
    match room {
        Some(mut fut) => match poll_once(&mut fut) {
            Poll::Ready(got) => got.map_err(|RecvError| TryRecvError::Disconnected),
            Poll::Pending => Err(TryRecvError::Empty),
        },
        None => rx.try_recv(),
    }
}

/// How many selects a fairness test makes.
fn trials() -> usize {
    if cfg!(miri) {
        60
    } else {
        3000
    }
}

/// Checks the counts of how often each of `hits.len()` arms, all ready all
/// along, ran against a uniform choice: each within six standard
/// deviations of its fair share (and at least once).
fn assert_uniform(hits: &[usize]) {
    let trials: usize = hits.iter().sum();
    let p = 1.0 / hits.len() as f64;
    let mean = trials as f64 * p;
    let slack = 6.0 * (trials as f64 * p * (1.0 - p)).sqrt();
    for (arm, &hit) in hits.iter().enumerate() {
        let hit = hit as f64;
        assert!(
            hit >= 1.0 && hit >= mean - slack && hit <= mean + slack,
            "arm {arm} ran {hit} times of {trials}, a fair share is {mean}: {hits:?}"
        );
    }
}

// ===== which arm runs =====

per_flavor!(all:
    the_arm_of_the_ready_receive_runs,
    the_arm_of_the_send_that_can_go_ahead_runs,
    default_runs_only_when_no_arm_can_finish,
    default_with_a_timeout_runs_when_nothing_came_in_time,
);

/// The arm of the receive with a message runs, with the message; the
/// select is an expression, whose value is the arm's.
fn the_arm_of_the_ready_receive_runs(f: Flavor) {
    let (tx1, rx1) = f.channel::<u32>();
    let (tx2, rx2) = f.channel::<u32>();
    let waiting = make_ready(&tx2, 2);
    let got = select! {
        recv(rx1) -> _ => panic!("nothing was sent on the first"),
        recv(rx2) -> msg => msg,
    };
    assert_eq!(got, Ok(2));
    finish(waiting);
    let waiting = make_ready(&tx1, 1);
    let got = select! {
        recv(rx1) -> msg => msg.map(|m| m * 10),
        recv(rx2) -> _ => unreachable!("nothing more was sent on the second"),
    };
    assert_eq!(got, Ok(10));
    finish(waiting);
}

/// The arm of the send that can go ahead runs, with the send's result; the
/// other send (a rendezvous nobody receives from) sends nothing.
fn the_arm_of_the_send_that_can_go_ahead_runs(f: Flavor) {
    let (stuck_tx, stuck_rx) = tidings::rendezvous::<u32>();
    let (tx, rx) = f.channel::<u32>();
    for msg in 0..3 {
        let room = make_room(&rx);
        let which = select! {
            send(stuck_tx, 100 + msg) -> _ => "stuck",
            send(tx, msg) -> res => {
                assert_eq!(res, Ok(()));
                "open"
            }
        };
        assert_eq!(which, "open");
        assert_eq!(delivered(&rx, room), Ok(msg));
    }
    assert_eq!(stuck_rx.try_recv(), Err(TryRecvError::Empty));
}

/// `default` runs when no arm can finish now, and only then: a message, or
/// the end, is ready, and its arm runs instead.
fn default_runs_only_when_no_arm_can_finish(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let ran = select! {
        recv(rx) -> _ => "recv",
        default => "default",
    };
    assert_eq!(ran, "default");
    if let Flavor::Bounded(cap) = f {
        for _ in 0..cap {
            tx.try_send(0).unwrap();
        }
    }
    if f != Flavor::Unbounded {
        // Full, or a rendezvous nobody receives from.
        let ran = select! {
            send(tx, 9) -> _ => "send",
            default => "default",
        };
        assert_eq!(ran, "default");
    }
    while rx.try_recv().is_ok() {}

    let waiting = make_ready(&tx, 1);
    let got = select! {
        recv(rx) -> msg => msg,
        default => panic!("a message is ready"),
    };
    assert_eq!(got, Ok(1));
    finish(waiting);
    let room = make_room(&rx);
    select! {
        send(tx, 2) -> res => res.unwrap(),
        default => panic!("the send can go ahead"),
    }
    assert_eq!(delivered(&rx, room), Ok(2));
    drop(tx);
    select! {
        recv(rx) -> msg => assert_eq!(msg, Err(RecvError)),
        default => panic!("the end is ready"),
    }
}

/// `default(timeout)` runs when nothing came in time; when a thread sends
/// (or receives) in time, the arm runs instead.
fn default_with_a_timeout_runs_when_nothing_came_in_time(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let ran = select! {
        recv(rx) -> _ => "recv",
        default(SHORT) => "default",
    };
    assert_eq!(ran, "default");
    let (sent, got) = concurrently(after_pause(|| tx.send(1)), || {
        select! {
            recv(rx) -> msg => msg,
            default(LONG) => panic!("the message did not come"),
        }
    });
    assert_eq!((sent, got), (Ok(()), Ok(1)));
    if f.buffers() {
        tx.send(0).unwrap();
    }
    if f != Flavor::Unbounded {
        let ran = select! {
            send(tx, 9) -> _ => "send",
            default(SHORT) => "default",
        };
        assert_eq!(ran, "default");
        let (got, sent) = concurrently(after_pause(|| rx.recv_timeout(LONG)), || {
            select! {
                send(tx, 2) -> res => res,
                default(LONG) => panic!("no room came"),
            }
        });
        assert_eq!(sent, Ok(()));
        if f.buffers() {
            assert_eq!(got, Ok(0));
            assert_eq!(rx.try_recv(), Ok(2));
        } else {
            assert_eq!(got, Ok(2));
        }
    }
}

/// A select of only a `default` runs it (after the timeout, for
/// `default(timeout)`).
#[test]
fn a_select_of_only_a_default_runs_it() {
    assert_eq!(select! { default => 1 }, 1);
    assert_eq!(select! { default(SHORT) => 2 }, 2);
    assert_eq!(select_biased! { default => 3 }, 3);
    assert_eq!(select_biased! { default(Duration::ZERO) => 4 }, 4);
    let five = select! {
        default => {
            let two = 2;
            two + 3
        }
    };
    assert_eq!(five, 5);
}

// ===== the end of a channel =====

per_flavor!(all:
    the_end_reaches_a_thread_waiting_to_receive,
    the_end_and_a_closed_channel_are_ready_at_once,
);
per_flavor!(waiting: the_end_reaches_a_thread_waiting_to_send);

/// The senders dropped, or a close by either side, while a thread waits in
/// a select to receive: the arm runs with `RecvError`.
fn the_end_reaches_a_thread_waiting_to_receive(f: Flavor) {
    for end in 0..3 {
        let (tx, rx) = f.channel::<u32>();
        let (_idle_tx, idle_rx) = f.channel::<u32>();
        let closer = rx.clone();
        let end_it = move || match end {
            0 => drop(tx),
            1 => assert!(tx.close()),
            _ => assert!(closer.close()),
        };
        let ((), got) = concurrently(after_pause(end_it), || {
            select! {
                recv(idle_rx) -> _ => panic!("nothing was sent"),
                recv(rx) -> msg => msg,
                default(LONG) => panic!("the end did not come"),
            }
        });
        assert_eq!(got, Err(RecvError), "end {end}");
    }
}

/// The receivers dropped, or a close by either side, while a thread waits
/// in a select to send: the arm runs with the message handed back.
fn the_end_reaches_a_thread_waiting_to_send(f: Flavor) {
    for end in 0..3 {
        let (tx, rx) = f.channel::<u32>();
        if f.buffers() {
            tx.send(0).unwrap();
        }
        let closer = tx.clone();
        let end_it = move || match end {
            0 => drop(rx),
            1 => assert!(rx.close()),
            _ => assert!(closer.close()),
        };
        let ((), got) = concurrently(after_pause(end_it), || {
            select! {
                send(tx, 7) -> res => res,
                default(LONG) => panic!("the end did not come"),
            }
        });
        assert_eq!(got, Err(SendError(7)), "end {end}");
    }
}

/// An ended channel's arms run at once, with or without `default`, and in
/// a blocking select: the receive with `RecvError` (after what was
/// buffered), the send with its message back.
fn the_end_and_a_closed_channel_are_ready_at_once(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let (tx2, rx2) = f.channel::<u32>();
    let buffered = f.buffers() && tx.try_send(1).is_ok();
    drop(tx);
    drop(rx2);
    if buffered {
        select! {
            recv(rx) -> msg => assert_eq!(msg, Ok(1)),
            default => panic!("a message is buffered"),
        }
    }
    for _ in 0..2 {
        select! {
            recv(rx) -> msg => assert_eq!(msg, Err(RecvError)),
        }
        select! {
            recv(rx) -> msg => assert_eq!(msg, Err(RecvError)),
            default => panic!("the end is ready"),
        }
        select! {
            recv(rx) -> msg => assert_eq!(msg, Err(RecvError)),
            default(LONG) => panic!("the end is ready"),
        }
        select! {
            send(tx2, 3) -> res => assert_eq!(res, Err(SendError(3))),
        }
        select! {
            send(tx2, 4) -> res => assert_eq!(res, Err(SendError(4))),
            default => panic!("the end is ready"),
        }
        select! {
            send(tx2, 5) -> res => assert_eq!(res, Err(SendError(5))),
            default(LONG) => panic!("the end is ready"),
        }
    }
}

// ===== duplicate arms =====

per_flavor!(all: two_receive_arms_on_one_receiver_both_run, two_send_arms_on_one_sender_both_run);
per_flavor!(buffered: a_send_and_a_receive_arm_on_one_channel);

/// Two receive arms on one receiver: either may run (both do, over a few
/// selects), each with the next message.
fn two_receive_arms_on_one_receiver_both_run(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let mut hits = [0; 2];
    let mut next = 0;
    while hits.contains(&0) {
        assert!(next < 1000, "one arm never runs: {hits:?}");
        let waiting = make_ready(&tx, next);
        select! {
            recv(rx) -> msg => {
                assert_eq!(msg, Ok(next));
                hits[0] += 1;
            }
            recv(rx) -> msg => {
                assert_eq!(msg, Ok(next));
                hits[1] += 1;
            }
        }
        finish(waiting);
        next += 1;
    }
}

/// Two send arms on one sender: either may run (both do, over a few
/// selects), each delivering its own message.
fn two_send_arms_on_one_sender_both_run(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let mut hits = [0; 2];
    let mut rounds = 0;
    while hits.contains(&0) {
        assert!(rounds < 1000, "one arm never runs: {hits:?}");
        rounds += 1;
        let room = make_room(&rx);
        let arm = select! {
            send(tx, 0) -> res => {
                res.unwrap();
                0
            }
            send(tx, 1) -> res => {
                res.unwrap();
                1
            }
        };
        assert_eq!(delivered(&rx, room), Ok(arm));
        hits[arm as usize] += 1;
    }
}

/// A send arm and a receive arm on one buffered channel: the send runs
/// while it is empty, the receive while it is full, either in between; the
/// messages come out in the order they went in.
fn a_send_and_a_receive_arm_on_one_channel(f: Flavor) {
    let (tx, rx) = f.channel::<usize>();
    let mut queue = std::collections::VecDeque::new();
    let mut hits = [0; 2];
    for next in 0..iters(400) {
        select! {
            send(tx, next) -> res => {
                assert!(f == Flavor::Unbounded || queue.is_empty(), "sent into a full channel");
                res.unwrap();
                queue.push_back(next);
                hits[0] += 1;
            }
            recv(rx) -> msg => {
                assert_eq!(msg.ok(), queue.pop_front(), "received from an empty channel");
                hits[1] += 1;
            }
        }
    }
    assert!(hits[0] > 0 && hits[1] > 0, "{hits:?}");
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), Vec::from(queue));
}

/// A send arm and a receive arm on one rendezvous, and nobody else: the
/// select does not pair them with each other, so `default(timeout)` runs
/// (crossbeam's `send_recv_same_channel`).
#[test]
fn a_send_and_a_receive_arm_on_one_rendezvous_do_not_pair_up() {
    let ran = watchdog(|| {
        let (tx, rx) = tidings::rendezvous::<u8>();
        select! {
            send(tx, 1) -> _ => "send",
            recv(rx) -> _ => "recv",
            default(SHORT) => "default",
        }
    });
    assert_eq!(ran, Some("default"), "None: the select never returned");
}

/// Threads each select a receive and a send on one rendezvous: they pair
/// up with each other, never with themselves, and every message sent is
/// received or left in the channel (crossbeam's `matching`). With one
/// more thread than pairs, a plain send pairs with the last.
#[test]
fn threads_selecting_both_ends_of_a_rendezvous_pair_up() {
    for leftover in [false, true] {
        let outcome = watchdog(move || {
            let threads = if cfg!(miri) { 4 } else { 16 } + usize::from(leftover);
            let (tx, rx) = tidings::rendezvous::<usize>();
            let received: Vec<Option<usize>> = thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|i| {
                        let (tx, rx) = (&tx, &rx);
                        s.spawn(move || {
                            select! {
                                recv(rx) -> msg => {
                                    let msg = msg.unwrap();
                                    assert_ne!(msg, i, "a select received its own message");
                                    Some(msg)
                                }
                                send(tx, i) -> res => {
                                    res.unwrap();
                                    None
                                }
                                default(LONG) => panic!("no other thread came"),
                            }
                        })
                    })
                    .collect();
                if leftover {
                    tx.send_timeout(usize::MAX, LONG).unwrap();
                }
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let got = received.iter().flatten().count();
            let sent = received.len() - got + usize::from(leftover);
            (sent, got, rx.try_iter().count())
        });
        let (sent, got, left) = outcome.expect("a select never returned");
        assert_eq!(sent, got + left, "leftover: {leftover}");
    }
}

// ===== control flow and evaluation =====

/// Sums the messages of `rx` until its end (`break`), skipping zeros
/// (`continue`), and gives up at a message over 100 (`return`).
fn sum_until_the_end(rx: &Receiver<u32>) -> Option<u32> {
    let mut sum = 0;
    let mut added = 0;
    loop {
        select! {
            recv(rx) -> msg => match msg {
                Ok(0) => continue,
                Ok(big) if big > 100 => return None,
                Ok(small) => sum += small,
                Err(RecvError) => break,
            },
            default(LONG) => panic!("the end did not come"),
        }
        added += 1;
    }
    assert_eq!(added, 3, "`continue` skipped the rest of the loop body");
    Some(sum)
}

per_flavor!(all: arm_bodies_may_break_continue_and_return);

/// `break`, `continue` and `return` in arm bodies act on the enclosing loop
/// and function, as in any `match`; `break` with a value, and to a label,
/// too.
#[allow(clippy::never_loop)] // the outer loop is left by `break 'outer`, on purpose
fn arm_bodies_may_break_continue_and_return(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let ((), sum) = concurrently(
        move || {
            for msg in [0, 1, 0, 2, 3] {
                tx.send(msg).unwrap();
            }
        },
        || sum_until_the_end(&rx),
    );
    assert_eq!(sum, Some(6));

    let (tx, rx) = f.channel::<u32>();
    let ((), sum) = concurrently(
        || {
            for msg in [1, 101] {
                tx.send(msg).unwrap();
            }
        },
        || sum_until_the_end(&rx),
    );
    assert_eq!(sum, None, "returned at 101");

    let ((), (first_big, next)) = concurrently(
        || {
            for msg in [5, 200, 6] {
                tx.send(msg).unwrap();
            }
        },
        || {
            let first_big = loop {
                select! {
                    recv(rx) -> msg => if msg.unwrap() > 100 { break msg },
                    default(LONG) => panic!("nothing came"),
                }
            };
            (first_big, rx.recv_timeout(LONG))
        },
    );
    assert_eq!((first_big, next), (Ok(200), Ok(6)));

    if f == Flavor::Unbounded {
        // (It never fills: see `a_send_arm_body_may_break_its_loop`.)
        return;
    }
    let mut sends = 0;
    let mut rounds = 0;
    let room = make_room(&rx);
    'outer: for _ in 0..10 {
        rounds += 1;
        loop {
            select! {
                send(tx, 7) -> res => {
                    res.unwrap();
                    sends += 1;
                }
                default => break 'outer,
            }
        }
    }
    assert_eq!(rounds, 1, "`break 'outer` left the outer loop");
    match f {
        Flavor::Rendezvous => assert_eq!(sends, 1, "one receiver waited"),
        Flavor::Bounded(cap) => assert_eq!(sends, cap, "filled"),
        Flavor::Unbounded => unreachable!(),
    }
    assert_eq!(delivered(&rx, room), Ok(7));
}

/// The same on an unbounded channel, which never fills: the sending loop
/// breaks on a count instead.
#[test]
fn a_send_arm_body_may_break_its_loop() {
    let (tx, rx) = tidings::unbounded();
    let mut sent = 0;
    let total = loop {
        select! {
            send(tx, sent) -> res => {
                res.unwrap();
                sent += 1;
                if sent == 5 {
                    break sent;
                }
            }
        }
    };
    assert_eq!(total, 5);
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
}

/// A send's message expression is evaluated only if that send is chosen,
/// once, after the choice; not when `default` runs, another arm runs, or
/// the wait times out. The handle expressions are each evaluated once,
/// whichever arm runs.
#[test]
fn a_message_is_evaluated_only_if_its_send_is_chosen() {
    let evaluated = Cell::new(0);
    let message = |msg: u32| {
        evaluated.set(evaluated.get() + 1);
        msg
    };
    let (tx, rx) = tidings::bounded::<u32>(1);
    tx.send(0).unwrap();
    select! {
        send(tx, message(1)) -> _ => panic!("the channel is full"),
        default => {}
    }
    select! {
        send(tx, message(2)) -> _ => panic!("the channel is full"),
        default(SHORT) => {}
    }
    select! {
        send(tx, message(3)) -> _ => panic!("the channel is full"),
        recv(rx) -> msg => assert_eq!(msg, Ok(0)),
    }
    assert_eq!(evaluated.get(), 0);
    // Now the send can go ahead, but a biased select runs the first arm.
    let (other_tx, other_rx) = tidings::unbounded();
    other_tx.send(4).unwrap();
    select_biased! {
        recv(other_rx) -> msg => assert_eq!(msg, Ok(4)),
        send(tx, message(5)) -> _ => panic!("the first arm was ready"),
    }
    assert_eq!(evaluated.get(), 0);
    select_biased! {
        recv(other_rx) -> _ => panic!("nothing was sent"),
        send(tx, message(6)) -> res => res.unwrap(),
    }
    assert_eq!(evaluated.get(), 1);
    assert_eq!(rx.try_recv(), Ok(6));
    // Of two sends that can go ahead, exactly one message is made.
    for round in 1..=10 {
        select! {
            send(tx, message(7)) -> res => res.unwrap(),
            send(other_tx, message(8)) -> res => res.unwrap(),
        }
        assert_eq!(evaluated.get(), 1 + round);
        assert_eq!(rx.try_iter().count() + other_rx.try_iter().count(), 1);
    }
    // A closed channel's send is chosen: the message is made, and handed
    // back.
    assert!(rx.close());
    select! {
        send(tx, message(9)) -> res => assert_eq!(res, Err(SendError(9))),
    }
    assert_eq!(evaluated.get(), 12);

    fn counted<H>(count: &Cell<usize>, handle: H) -> H {
        count.set(count.get() + 1);
        handle
    }
    let handles = Cell::new(0);
    other_tx.send(10).unwrap();
    select! {
        recv(counted(&handles, &other_rx)) -> msg => assert_eq!(msg, Ok(10)),
        recv(counted(&handles, &rx)) -> msg => assert_eq!(msg, Err(RecvError)),
        send(counted(&handles, &tx), 11) -> res => assert_eq!(res, Err(SendError(11))),
    }
    assert_eq!(handles.get(), 3, "each handle once");
}

fn no_message() -> u32 {
    panic!("no message")
}

per_flavor!(all: a_message_that_panics_gives_back_what_the_send_held);

/// The message expression runs after the choice: if it panics, the send
/// that was chosen gives back what it held (the slot of a bounded channel,
/// the receiver waiting on a rendezvous), and the channel goes on.
fn a_message_that_panics_gives_back_what_the_send_held(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let room = make_room(&rx);
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        select! {
            send(tx, no_message()) -> _ => {}
        }
    }));
    assert!(panicked.is_err());
    assert_eq!(rx.len(), 0);
    if let Flavor::Bounded(cap) = f {
        for msg in 0..cap as u32 {
            assert_eq!(tx.try_send(msg), Ok(()), "every slot is free");
        }
        while rx.try_recv().is_ok() {}
    }
    select! {
        send(tx, 1) -> res => res.unwrap(),
        default => panic!("the send can go ahead: the receiver still waits, or there is room"),
    }
    assert_eq!(delivered(&rx, room), Ok(1));
}

// ===== handles =====

fn clone_of(rx: &Receiver<u32>) -> Receiver<u32> {
    rx.clone()
}

/// Handles given by value (a place), by reference (through any number of
/// `&`), and as temporaries (a clone, a function's result, a field, an
/// element, a box's content, a closure's result, a branch); a temporary
/// lives to the end of the select.
#[test]
#[allow(clippy::redundant_closure_call)] // a handle moved through a closure, on purpose
fn handles_by_value_by_reference_and_as_temporaries() {
    let (tx, rx) = tidings::unbounded::<u32>();
    select! { send(tx, 1) -> res => res.unwrap() }
    select! { recv(rx) -> msg => assert_eq!(msg, Ok(1)) }
    select! { send(&tx, 2) -> res => res.unwrap() }
    select! { recv(&&&rx) -> msg => assert_eq!(msg, Ok(2)) }
    select! { send(tx.clone(), 3) -> res => res.unwrap() }
    select! { recv(clone_of(&rx)) -> msg => assert_eq!(msg, Ok(3)) }
    let pair = (tx.clone(), rx.clone());
    select! { send(pair.0, 4) -> res => res.unwrap() }
    select! { recv(pair.1) -> msg => assert_eq!(msg, Ok(4)) }
    let boxed = (Box::new(tx.clone()), Box::new(rx.clone()));
    select! { send(*boxed.0, 5) -> res => res.unwrap() }
    select! { recv(*boxed.1) -> msg => assert_eq!(msg, Ok(5)) }
    let receivers = [rx.clone(), rx.clone()];
    tx.send(6).unwrap();
    select! { recv(receivers[1]) -> msg => assert_eq!(msg, Ok(6)) }
    let moved = tx.clone();
    select! { send((move || moved)(), 7) -> res => res.unwrap() }
    let (_idle_tx, idle_rx) = tidings::unbounded::<u32>();
    let use_idle = false;
    select! {
        recv(if use_idle { &idle_rx } else { &rx }) -> msg => assert_eq!(msg, Ok(7)),
        default => panic!("a message is ready"),
    }
    select! { recv(std::convert::identity(&rx)) -> _ => panic!("empty"), default => {} }
    // The whole tuple lives to the end of the select: the other half too.
    select! { send(tidings::unbounded::<u32>().0, 8) -> res => assert_eq!(res, Ok(())) }
    select! {
        recv(tidings::unbounded::<u32>().1) -> _ => panic!("a live sender, nothing sent"),
        default => {}
    }
    select! {
        recv({ let (_, rx) = tidings::unbounded::<u32>(); rx }) -> msg => assert_eq!(msg, Err(RecvError)),
    }
}

/// Bodies may move the same value in several arms (only one runs); the
/// result binding may shadow the handle's name, be `mut`, or be `_`; the
/// results have crossbeam's types; types are inferred from the arms.
#[test]
fn bodies_bindings_and_types() {
    let (tx, rx) = tidings::unbounded();
    let owned = String::from("moved");
    let got = select! {
        recv(rx) -> _ => owned,
        default => owned,
    };
    assert_eq!(got, "moved");
    select! { send(tx, 1) -> res => { let _: Result<(), SendError<u32>> = res; } }
    select! { recv(rx) -> res => { let _: Result<u32, RecvError> = res; } }
    tx.send(1).unwrap();
    select! {
        recv(rx) -> mut msg => {
            msg = msg.map(|m| m + 1);
            assert_eq!(msg, Ok(2));
        }
    }
    tx.send(3).unwrap();
    let r = &rx;
    select! { recv(r) -> r => assert_eq!(r, Ok(3)) }
    tx.send(4).unwrap();
    select! { recv(rx) -> _ => {} }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "taken by `_`");

    let (tx, rx) = tidings::unbounded();
    select! { send(tx, "inferred") -> _ => {} }
    assert_eq!(rx.recv(), Ok("inferred"));
}

/// Commas between arms are optional after a block body and required after
/// an expression body; a trailing comma is allowed; bodies may nest
/// selects.
#[test]
fn arms_parse_with_or_without_commas_and_nest() {
    let (tx, rx) = tidings::unbounded::<u32>();
    select! { recv(rx) -> _ => {} default => {} }
    select! { recv(rx) -> _ => {}, default => {}, }
    select! { recv(rx) -> _ => (), default => () }
    select! { recv(rx) -> _ => (), default => (), }
    select! { send(tx, 1) -> _ => {} }
    let got = select! {
        recv(rx) -> first => {
            tx.send(2).unwrap();
            select! {
                recv(rx) -> second => {
                    tx.send(3).unwrap();
                    select! {
                        recv(rx) -> third => [first, second, third],
                        default => panic!("3 was sent"),
                    }
                }
                default => panic!("2 was sent"),
            }
        }
        default => panic!("1 was sent"),
    };
    assert_eq!(got, [Ok(1), Ok(2), Ok(3)]);
}

// ===== fairness =====

/// `select!` runs each ready arm as often, receives and sends alike (on a
/// bounded channel, an unbounded one, and a rendezvous with a sender or a
/// receiver waiting), never one that cannot finish; and a timed
/// `select!` too (crossbeam's `fairness_recv`, `fairness_send`).
#[test]
fn select_runs_the_ready_arms_uniformly() {
    let n = trials();
    let (tx_a, rx_a) = tidings::bounded(n);
    let (tx_b, rx_b) = tidings::unbounded();
    let (tx_c, rx_c) = tidings::rendezvous::<usize>();
    let (tx_d, rx_d) = tidings::rendezvous::<usize>();
    let (_tx_idle, rx_idle) = tidings::unbounded::<usize>();
    for i in 0..n {
        tx_a.send(i).unwrap();
    }
    let mut hits = [0; 4];
    let mut waiting = make_ready(&tx_c, 0);
    let mut room = make_room(&rx_d);
    for i in 0..n {
        let timed = i % 2 == 0;
        let arm = if timed {
            select! {
                recv(rx_a) -> msg => { msg.unwrap(); 0 }
                recv(rx_idle) -> _ => panic!("nothing was sent"),
                send(tx_b, i) -> res => { res.unwrap(); 1 }
                recv(rx_c) -> msg => { msg.unwrap(); 2 }
                send(tx_d, i) -> res => { res.unwrap(); 3 }
                default(LONG) => panic!("four arms were ready"),
            }
        } else {
            select! {
                recv(rx_a) -> msg => { msg.unwrap(); 0 }
                recv(rx_idle) -> _ => panic!("nothing was sent"),
                send(tx_b, i) -> res => { res.unwrap(); 1 }
                recv(rx_c) -> msg => { msg.unwrap(); 2 }
                send(tx_d, i) -> res => { res.unwrap(); 3 }
            }
        };
        hits[arm] += 1;
        if arm == 2 {
            finish(waiting.take());
            waiting = make_ready(&tx_c, i);
        }
        if arm == 3 {
            assert_eq!(delivered(&rx_d, room.take()), Ok(i));
            room = make_room(&rx_d);
        }
    }
    assert_eq!(rx_b.len(), hits[1]);
    assert_uniform(&hits);
}

/// `select_biased!` always runs the first ready arm in the order written,
/// with or without `default`; with that one exhausted, the next
/// (crossbeam's `unfairness`, `unfairness_timeout`, `unfairness_try`).
#[test]
fn select_biased_runs_the_first_ready_arm() {
    let n = iters(300);
    let (_tx_idle, rx_idle) = tidings::unbounded::<usize>();
    let (tx_a, rx_a) = tidings::unbounded();
    let (tx_b, rx_b) = tidings::unbounded();
    let (tx_c, rx_c) = tidings::unbounded();
    for i in 0..n {
        tx_a.send(i).unwrap();
        tx_b.send(i).unwrap();
    }
    tx_c.send(0).unwrap();
    let mut hits = [0; 3];
    for round in 0..2 * n {
        let arm = match round % 3 {
            0 => select_biased! {
                recv(rx_idle) -> _ => panic!("nothing was sent"),
                recv(rx_a) -> _ => 0,
                recv(rx_b) -> _ => 1,
                recv(rx_c) -> _ => 2,
            },
            1 => select_biased! {
                recv(rx_idle) -> _ => panic!("nothing was sent"),
                recv(rx_a) -> _ => 0,
                recv(rx_b) -> _ => 1,
                recv(rx_c) -> _ => 2,
                default => panic!("three arms were ready"),
            },
            _ => select_biased! {
                recv(rx_idle) -> _ => panic!("nothing was sent"),
                recv(rx_a) -> _ => 0,
                recv(rx_b) -> _ => 1,
                recv(rx_c) -> _ => 2,
                default(LONG) => panic!("three arms were ready"),
            },
        };
        hits[arm] += 1;
        let expected = if round < n {
            [round + 1, 0, 0]
        } else {
            [n, round + 1 - n, 0]
        };
        assert_eq!(hits, expected);
    }
    // Sends alike: the first that can go ahead.
    let (stuck_tx, _stuck_rx) = tidings::rendezvous::<usize>();
    for i in 0..n {
        select_biased! {
            send(stuck_tx, i) -> _ => panic!("nobody receives"),
            send(tx_a, i) -> res => res.unwrap(),
            send(tx_b, i) -> _ => panic!("the send before could go ahead"),
        }
    }
    assert_eq!(rx_a.len(), n);
    assert_eq!(rx_b.len(), 0);
}

// ===== between threads =====

per_flavor!(all:
    receiving_from_a_thread_by_select,
    sending_to_a_thread_by_select,
    receiving_and_sending_by_select,
);

/// A thread sends on two channels in turn; a loop of `select!` receives
/// each message in order (crossbeam's `stress_recv`).
fn receiving_from_a_thread_by_select(f: Flavor) {
    let n = iters(500);
    let (tx1, rx1) = f.channel::<usize>();
    let (tx2, rx2) = f.channel::<usize>();
    let (step_tx, step_rx) = tidings::bounded::<()>(1);
    let peer = move || {
        for i in 0..n {
            let tx = if i % 2 == 0 { &tx1 } else { &tx2 };
            tx.send(i).unwrap();
            step_rx.recv_timeout(LONG).unwrap();
        }
    };
    let ((), ()) = concurrently(peer, || {
        for i in 0..n {
            select! {
                recv(rx1) -> msg => assert_eq!((msg, i % 2), (Ok(i), 0)),
                recv(rx2) -> msg => assert_eq!((msg, i % 2), (Ok(i), 1)),
                default(LONG) => panic!("the peer stopped"),
            }
            step_tx.send(()).unwrap();
        }
    });
}

/// A thread receives from two channels in turn; a loop of `select!` sends
/// to whichever it waits on (crossbeam's `stress_send`).
fn sending_to_a_thread_by_select(f: Flavor) {
    let n = iters(500);
    let (tx1, rx1) = f.channel::<usize>();
    let (tx2, rx2) = f.channel::<usize>();
    let (step_tx, step_rx) = tidings::bounded::<()>(1);
    let peer = move || {
        let mut got = Vec::new();
        for _ in 0..n {
            got.push(rx1.recv_timeout(LONG).unwrap());
            got.push(rx2.recv_timeout(LONG).unwrap());
            step_rx.recv_timeout(LONG).unwrap();
        }
        got
    };
    let (got, ()) = concurrently(peer, || {
        for i in 0..n {
            // One send on each channel a round, in either order.
            let mut first = None;
            for _ in 0..2 {
                let sent_on = if first == Some(1) {
                    select! {
                        send(tx2, i) -> res => { res.unwrap(); 2 }
                        default(LONG) => panic!("the peer stopped"),
                    }
                } else if first == Some(2) {
                    select! {
                        send(tx1, i) -> res => { res.unwrap(); 1 }
                        default(LONG) => panic!("the peer stopped"),
                    }
                } else {
                    select! {
                        send(tx1, i) -> res => { res.unwrap(); 1 }
                        send(tx2, i) -> res => { res.unwrap(); 2 }
                        default(LONG) => panic!("the peer stopped"),
                    }
                };
                first.get_or_insert(sent_on);
            }
            step_tx.send(()).unwrap();
        }
    });
    let expected: Vec<usize> = (0..n).flat_map(|i| [i, i]).collect();
    assert_eq!(got, expected);
}

/// A thread sends `i` on one channel and waits for `i` back on another; a
/// loop of `select!` of a receive and a send does both each round
/// (crossbeam's `stress_mixed`, `both_ready`).
fn receiving_and_sending_by_select(f: Flavor) {
    let n = iters(500);
    let (tx1, rx1) = f.channel::<usize>();
    let (tx2, rx2) = f.channel::<usize>();
    let peer = move || {
        for i in 0..n {
            tx1.send(i).unwrap();
            assert_eq!(rx2.recv_timeout(LONG), Ok(i));
        }
    };
    let ((), ()) = concurrently(peer, || {
        for i in 0..n {
            let mut received = false;
            let mut sent = false;
            while !(received && sent) {
                if received {
                    select! {
                        send(tx2, i) -> res => res.unwrap(),
                        default(LONG) => panic!("the peer stopped"),
                    }
                    sent = true;
                } else if sent {
                    select! {
                        recv(rx1) -> msg => assert_eq!(msg, Ok(i)),
                        default(LONG) => panic!("the peer stopped"),
                    }
                    received = true;
                } else {
                    select! {
                        recv(rx1) -> msg => {
                            assert_eq!(msg, Ok(i));
                            received = true;
                        }
                        send(tx2, i) -> res => {
                            res.unwrap();
                            sent = true;
                        }
                        default(LONG) => panic!("the peer stopped"),
                    }
                }
            }
        }
    });
}

/// One thread sends a message on the first channel, then selects over
/// both without waiting; another thread meanwhile sends on the second, then
/// takes the first's message if it can. At every moment of the select one
/// of the channels holds a message, so the select must find one: `select`
/// gives its arm's result, `None` if `default` ran (crossbeam's
/// `linearizable_default`, `linearizable_timeout`).
fn never_missed(
    f: Flavor,
    select: impl Fn(&Receiver<u32>, &Receiver<u32>) -> Option<Result<u32, RecvError>>,
) {
    let n = if cfg!(miri) { 100 } else { 20_000 };
    let (tx1, rx1) = f.channel::<u32>();
    let (tx2, rx2) = f.channel::<u32>();
    let (start_tx, start_rx) = tidings::rendezvous::<()>();
    let (end_tx, end_rx) = tidings::rendezvous::<()>();
    let other = || {
        // Until the selecting side is done, or failed (its handles gone).
        while start_rx.recv().is_ok() {
            tx2.send(1).unwrap();
            let _ = rx1.try_recv();
            if end_rx.recv().is_err() {
                break;
            }
        }
    };
    let (tx1, rx1, rx2) = (&tx1, &rx1, &rx2);
    let ((), ()) = concurrently(other, move || {
        for round in 0..n {
            start_tx.send(()).unwrap();
            tx1.send(1).unwrap();
            let got = select(rx1, rx2);
            assert_eq!(
                got,
                Some(Ok(1)),
                "round {round}: a message was there all along"
            );
            end_tx.send(()).unwrap();
            let _ = rx2.try_recv();
        }
    });
}

per_flavor!(buffered:
    a_message_there_all_along_is_never_missed_by_default,
    a_message_there_all_along_is_never_missed_by_a_zero_timeout,
);

fn a_message_there_all_along_is_never_missed_by_default(f: Flavor) {
    never_missed(f, |rx1, rx2| {
        select! {
            recv(rx1) -> msg => Some(msg),
            recv(rx2) -> msg => Some(msg),
            default => None,
        }
    });
}

fn a_message_there_all_along_is_never_missed_by_a_zero_timeout(f: Flavor) {
    never_missed(f, |rx1, rx2| {
        select! {
            recv(rx1) -> msg => Some(msg),
            recv(rx2) -> msg => Some(msg),
            default(Duration::ZERO) => None,
        }
    });
}

/// Channels sent through channels, each received with `select!` and the
/// next sent with it (crossbeam's `channel_through_channel`).
#[test]
fn channels_sent_through_channels() {
    type Link = Box<dyn std::any::Any + Send>;
    let n = iters(300);
    for f in [Flavor::Rendezvous, Flavor::Bounded(1), Flavor::Unbounded] {
        let (tx, rx) = f.channel::<Link>();
        let ((), ()) = concurrently(
            move || {
                let mut tx = tx;
                for _ in 0..n {
                    let (next_tx, next_rx) = f.channel::<Link>();
                    let link: Link = Box::new(next_rx);
                    select! {
                        send(tx, link) -> res => assert!(res.is_ok()),
                        default(LONG) => panic!("the receiver stopped"),
                    }
                    tx = next_tx;
                }
            },
            || {
                let mut rx = rx;
                for _ in 0..n {
                    rx = select! {
                        recv(rx) -> link => *link.unwrap().downcast::<Receiver<Link>>().unwrap(),
                        default(LONG) => panic!("the sender stopped"),
                    };
                }
            },
        );
    }
}

/// crossbeam's syntax variants: `default()` with empty parentheses, and a
/// trailing comma inside an operation.
#[test]
fn default_with_empty_parentheses_and_trailing_commas_inside_operations() {
    let (tx, rx) = tidings::bounded::<u8>(1);
    let got = tidings::select! {
        recv(rx,) -> _ => 1,
        default() => 2,
    };
    assert_eq!(got, 2);
    let got = tidings::select! {
        send(tx, 5,) -> sent => sent.map(|()| 3).unwrap_or(0),
        default(std::time::Duration::from_millis(1),) => 4,
    };
    assert_eq!(got, 3);
    assert_eq!(rx.try_recv(), Ok(5));
}

/// Handles behind a `Deref` newtype (crossbeam's `deref` test): the macro
/// takes them as the handles they deref to, for every kind.
#[test]
fn handles_behind_deref_newtypes() {
    use std::ops::Deref;

    struct Wrapped<H>(H);

    impl<H> Deref for Wrapped<H> {
        type Target = H;
        fn deref(&self) -> &H {
            &self.0
        }
    }

    let (tx, rx) = tidings::bounded::<i32>(1);
    let (tx, rx) = (Wrapped(tx), Wrapped(rx));
    select! {
        send(tx, 7) -> sent => sent.unwrap(),
        recv(rx) -> _ => unreachable!("empty"),
    }
    select! {
        send(tx, 8) -> _ => unreachable!("full"),
        recv(rx) -> got => assert_eq!(got, Ok(7)),
    }
    let (otx, orx) = tidings::oneshot::channel();
    let orx = Wrapped(orx);
    otx.send("once").unwrap();
    select! {
        recv(orx) -> got => assert_eq!(got, Ok("once")),
        default => unreachable!("sent"),
    }
    let (btx, brx) = tidings::broadcast::channel(1);
    let brx = Wrapped(brx);
    btx.send('b').unwrap();
    select! {
        recv(brx) -> got => assert_eq!(got, Ok('b')),
        default => unreachable!("sent"),
    }
}

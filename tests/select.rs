//! Integration tests of `tidings::Select`: crossbeam-channel's selection
//! API over mpmc channels of every flavor, from threads and from tasks.
//! What a select chooses (the ready operation, uniformly among several,
//! or the first for a biased one), every way to wait (blocking, `try_`,
//! `_timeout`, `_deadline`, the futures), the end of a channel while a
//! select waits, duplicate operations, `remove` and `Clone`, `ready`
//! (which takes nothing), what a dropped `SelectedOperation` or select
//! future gives back, and a handle that is not the operation's.
//!
//! Bodies that run on each flavor are written once, as `fn body(f:
//! Flavor)`, and run by [`per_flavor!`] as `body::rendezvous`,
//! `body::bounded_1` and `body::unbounded`. On a rendezvous, a message is
//! ready to receive when a sender waits, and a send may go ahead when a
//! receiver waits: the bodies make each so with a send or receive future
//! polled once ([`make_ready`], [`make_room`]). Tests never assert on
//! timing: a `pause()` only makes an interleaving likely, and where a lost
//! wakeup would hang a test the waiting side has a generous timeout. The
//! fairness tests count the choices of many selects and allow six
//! standard deviations either side of a fair share.

mod common;

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use futures::task::noop_waker_ref;
use futures::FutureExt;

use common::{
    after_pause, concurrently, iters, on_every_executor, pause, poll_with, value, Counted,
    DropCounter, WakeCounter,
};
use tidings::mpmc::{RecvFuture, SendFuture};
use tidings::{
    ReadyFuture, ReadyTimeoutError, Receiver, RecvError, Select, SelectFuture, SelectTimeoutError,
    SelectedOperation, SendError, Sender, TryReadyError, TryRecvError, TrySelectError,
    TrySendError,
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

/// A deadline a century away.
fn far() -> Instant {
    Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 100)
}

/// Makes `msg` ready to be received: buffered, or (a rendezvous or a full
/// channel) held by a send future that waits, polled once and returned to
/// be kept alive until the message is taken (then see [`finish`]).
fn make_ready<T>(tx: &Sender<T>, msg: T) -> Option<SendFuture<'_, T>> {
    match tx.try_send(msg) {
        Ok(()) => None,
        Err(TrySendError::Full(msg)) => {
            let mut fut = tx.send_async(msg);
            assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
            Some(fut)
        }
        Err(TrySendError::Disconnected(_)) => panic!("the channel is closed"),
    }
}

/// The message of [`make_ready`] was taken: its send future, if any, is
/// done.
fn finish<T>(waiting: Option<SendFuture<'_, T>>) {
    if let Some(mut fut) = waiting {
        let done = poll_with(&mut fut, noop_waker_ref());
        assert!(
            matches!(done, Poll::Ready(Ok(()))),
            "the waiting send is not done"
        );
    }
}

/// Makes room for a send on `rx`'s channel, if it has room: nothing for a
/// channel with a buffer; on a rendezvous, a receive future that waits
/// (polled once), returned to be kept alive: a select's send may go ahead
/// while it waits. What was sent is then [`delivered`].
fn make_room<T>(rx: &Receiver<T>) -> Option<RecvFuture<'_, T>> {
    if rx.capacity() != Some(0) {
        return None;
    }
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
    Some(fut)
}

/// What a send made possible by [`make_room`] delivered: the message the
/// waiting receive future got, or the one in the buffer.
fn delivered<T>(rx: &Receiver<T>, room: Option<RecvFuture<'_, T>>) -> Result<T, TryRecvError> {
    match room {
        Some(mut fut) => match poll_with(&mut fut, noop_waker_ref()) {
            Poll::Ready(got) => got.map_err(|RecvError| TryRecvError::Disconnected),
            Poll::Pending => Err(TryRecvError::Empty),
        },
        None => rx.try_recv(),
    }
}

/// The outcome of a send of a [`Counted`], with its value for the message.
fn sent(got: Result<(), SendError<Counted>>) -> Result<(), SendError<u64>> {
    got.map_err(|SendError(m)| SendError(m.value))
}

/// The text of a caught panic.
fn panic_text(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|text| text.to_string())
            .unwrap_or_default(),
    }
}

/// Runs `f` on a thread of its own and waits a while for it: `None` if it
/// had not returned by then (the thread is left to run). For a select that
/// a bug could keep from ever returning, so that the test fails instead of
/// hanging.
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

/// The ways to wait for a select: [`Wait::select`] and [`Wait::ready`] run
/// the select's form of each. `Try` gives up at once if nothing is ready;
/// `Timeout` and `Deadline` give up after a long while.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait {
    Try,
    Block,
    Timeout,
    Deadline,
    Async,
}

/// Every way to wait.
const WAITS: [Wait; 5] = [
    Wait::Try,
    Wait::Block,
    Wait::Timeout,
    Wait::Deadline,
    Wait::Async,
];

/// The ways that wait for an operation that is not ready yet.
const WAITING: [Wait; 4] = [Wait::Block, Wait::Timeout, Wait::Deadline, Wait::Async];

impl Wait {
    /// Selects this way: the operation, `None` if the wait gave up.
    fn select<'s>(self, sel: &'s mut Select<'_>) -> Option<SelectedOperation<'s>> {
        match self {
            Wait::Try => sel.try_select().ok(),
            Wait::Block => Some(sel.select()),
            Wait::Timeout => sel.select_timeout(LONG).ok(),
            Wait::Deadline => sel.select_deadline(far()).ok(),
            Wait::Async => Some(pollster::block_on(sel.select_async())),
        }
    }

    /// Waits this way until an operation is ready: its index, `None` if
    /// the wait gave up.
    fn ready(self, sel: &mut Select<'_>) -> Option<usize> {
        match self {
            Wait::Try => sel.try_ready().ok(),
            Wait::Block => Some(sel.ready()),
            Wait::Timeout => sel.ready_timeout(LONG).ok(),
            Wait::Deadline => sel.ready_deadline(far()).ok(),
            Wait::Async => Some(pollster::block_on(sel.ready_async())),
        }
    }
}

/// The select's wait as a future of an index: `select_async` (whose
/// operation, if one finishes, is dropped uncompleted) if `!ready`, else
/// `ready_async`.
fn wait_async<'s, 'a: 's>(
    sel: &'s mut Select<'a>,
    ready: bool,
) -> Pin<Box<dyn Future<Output = usize> + 's>> {
    if ready {
        Box::pin(sel.ready_async())
    } else {
        Box::pin(sel.select_async().map(|oper| oper.index()))
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

/// Checks the counts of how often each of `hits.len()` operations, all
/// ready all along, was chosen against a uniform choice: each within six
/// standard deviations of its fair share (and chosen at least once).
fn assert_uniform(hits: &[usize]) {
    let trials: usize = hits.iter().sum();
    let p = 1.0 / hits.len() as f64;
    let mean = trials as f64 * p;
    let slack = 6.0 * (trials as f64 * p * (1.0 - p)).sqrt();
    for (op, &hit) in hits.iter().enumerate() {
        let hit = hit as f64;
        assert!(
            hit >= 1.0 && hit >= mean - slack && hit <= mean + slack,
            "operation {op} was chosen {hit} times of {trials}, a fair share is {mean}: {hits:?}"
        );
    }
}

// ===== choosing =====

per_flavor!(all:
    select_takes_the_ready_receive,
    select_finishes_the_send_that_can_go_ahead,
    try_select_and_try_ready_do_not_wait,
);

/// Of two receives, the one with a message is chosen and `recv` hands the
/// message over; a sender that waited for it (a rendezvous) is done.
fn select_takes_the_ready_receive(f: Flavor) {
    let (tx1, rx1) = f.channel();
    let (tx2, rx2) = f.channel();
    let mut sel = Select::new();
    let first = sel.recv(&rx1);
    let second = sel.recv(&rx2);
    assert_eq!((first, second), (0, 1));
    for (tx, rx, index, msg) in [
        (&tx2, &rx2, second, 2),
        (&tx1, &rx1, first, 1),
        (&tx2, &rx2, second, 3),
    ] {
        let waiting = make_ready(tx, msg);
        let oper = sel.select();
        assert_eq!(oper.index(), index);
        assert_eq!(oper.recv(rx), Ok(msg));
        finish(waiting);
    }
    assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
}

/// Of two sends, the one that can go ahead is chosen and `send` delivers
/// the message; the other (on a rendezvous nobody receives from) sends
/// nothing.
fn select_finishes_the_send_that_can_go_ahead(f: Flavor) {
    let (stuck_tx, stuck_rx) = tidings::rendezvous::<u32>();
    let (tx, rx) = f.channel();
    let mut sel = Select::new();
    let stuck = sel.send(&stuck_tx);
    let open = sel.send(&tx);
    assert_eq!((stuck, open), (0, 1));
    for msg in 0..3 {
        let room = make_room(&rx);
        let oper = sel.select();
        assert_eq!(oper.index(), open);
        assert_eq!(oper.send(&tx, msg), Ok(()));
        assert_eq!(delivered(&rx, room), Ok(msg));
    }
    assert_eq!(stuck_rx.try_recv(), Err(TryRecvError::Empty));
}

/// `try_select` and `try_ready` never wait: nothing ready is an error;
/// something ready is taken (`try_ready` only names it).
fn try_select_and_try_ready_do_not_wait(f: Flavor) {
    let (tx, rx) = f.channel();
    let mut sel = Select::new();
    let index = sel.recv(&rx);
    assert_eq!(sel.try_select().err(), Some(TrySelectError));
    assert_eq!(sel.try_ready(), Err(TryReadyError));
    let waiting = make_ready(&tx, 5);
    assert_eq!(sel.try_ready(), Ok(index));
    assert_eq!(sel.try_ready(), Ok(index), "the ready took nothing");
    let oper = sel.try_select().expect("a message is ready");
    assert_eq!(oper.index(), index);
    assert_eq!(oper.recv(&rx), Ok(5));
    finish(waiting);
    assert_eq!(sel.try_select().err(), Some(TrySelectError));
    assert_eq!(sel.try_ready(), Err(TryReadyError));
}

/// A select without operations finds nothing, times out, and its futures
/// stay pending without waking anyone.
#[test]
fn a_select_without_operations_never_finishes() {
    for mut sel in [Select::new(), Select::new_biased()] {
        assert_eq!(sel.try_select().err(), Some(TrySelectError));
        assert_eq!(sel.select_timeout(SHORT).err(), Some(SelectTimeoutError));
        assert_eq!(
            sel.select_deadline(Instant::now() + SHORT).err(),
            Some(SelectTimeoutError)
        );
        assert_eq!(sel.try_ready(), Err(TryReadyError));
        assert_eq!(sel.ready_timeout(SHORT), Err(ReadyTimeoutError));
        assert_eq!(
            sel.ready_deadline(Instant::now() + SHORT),
            Err(ReadyTimeoutError)
        );
        let (counter, waker) = WakeCounter::new();
        let mut fut = sel.select_async();
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert!(poll_with(&mut fut, &waker).is_pending());
        drop(fut);
        let mut fut = sel.ready_async();
        assert!(poll_with(&mut fut, &waker).is_pending());
        drop(fut);
        assert_eq!(counter.wakes(), 0);
    }
}

#[test]
#[should_panic(expected = "the select has no operations")]
fn a_blocking_select_without_operations_panics() {
    let _ = Select::new().select();
}

#[test]
#[should_panic(expected = "the select has no operations")]
fn a_blocking_ready_whose_operations_were_all_removed_panics() {
    let (_tx, rx) = tidings::unbounded::<u8>();
    let mut sel = Select::new();
    let index = sel.recv(&rx);
    sel.remove(index);
    let _ = sel.ready();
}

/// Indices count up from 0 in the order the operations were added, and are
/// not reused after a `remove`; `Debug` shows how many operations are left.
#[test]
fn indices_count_up_and_debug_counts_the_operations() {
    let (tx, rx) = tidings::bounded::<u8>(1);
    let mut sel = Select::default();
    assert_eq!(
        format!("{sel:?}"),
        "Select { operations: 0, biased: false }"
    );
    assert_eq!([sel.recv(&rx), sel.send(&tx), sel.recv(&rx)], [0, 1, 2]);
    sel.remove(1);
    assert_eq!(
        format!("{sel:?}"),
        "Select { operations: 2, biased: false }"
    );
    assert_eq!(sel.send(&tx), 3, "indices are not reused");
    assert_eq!(
        format!("{:?}", Select::new_biased()),
        "Select { operations: 0, biased: true }"
    );
    // Only the send has room to go ahead.
    let oper = sel.select();
    assert_eq!(oper.index(), 3);
    assert!(format!("{oper:?}").starts_with("SelectedOperation { index: 3"));
    oper.send(&tx, 1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
}

// ===== the end of a channel =====

per_flavor!(all:
    a_disconnected_channel_is_ready_at_once,
    senders_dropped_while_a_thread_selects,
    close_while_a_thread_selects_a_receive,
);
per_flavor!(waiting:
    receivers_dropped_while_a_thread_selects_a_send,
    close_while_a_thread_selects_a_send,
);
per_flavor!(buffered:
    buffered_messages_come_before_the_end,
    a_selected_send_keeps_its_slot_through_a_close,
);

/// A receive from a channel whose senders are gone and a send on one whose
/// receivers are gone are ready at once, whichever way the select waits:
/// the receive gives `RecvError`, the send hands its message back.
fn a_disconnected_channel_is_ready_at_once(f: Flavor) {
    let (tx, rx) = f.channel::<i32>();
    let (tx2, rx2) = f.channel::<i32>();
    let (_idle_tx, idle_rx) = f.channel::<i32>();
    drop(tx);
    drop(rx2);
    let mut recvs = Select::new();
    recvs.recv(&idle_rx);
    let ended = recvs.recv(&rx);
    let mut sends = Select::new();
    sends.recv(&idle_rx);
    let closed = sends.send(&tx2);
    for wait in WAITS {
        assert_eq!(wait.ready(&mut recvs), Some(ended), "{wait:?}");
        let oper = wait.select(&mut recvs).expect("the end is ready");
        assert_eq!(oper.index(), ended);
        assert_eq!(oper.recv(&rx), Err(RecvError), "{wait:?}");
        assert_eq!(wait.ready(&mut sends), Some(closed), "{wait:?}");
        let oper = wait.select(&mut sends).expect("the end is ready");
        assert_eq!(oper.index(), closed);
        assert_eq!(oper.send(&tx2, 7), Err(SendError(7)), "{wait:?}");
    }
}

/// The last sender dropped while a thread waits in a select: the select
/// wakes with the end, whichever way it waits.
fn senders_dropped_while_a_thread_selects(f: Flavor) {
    for wait in WAITING {
        let (tx, rx) = f.channel::<i32>();
        let (_idle_tx, idle_rx) = f.channel::<i32>();
        let mut sel = Select::new();
        sel.recv(&idle_rx);
        let index = sel.recv(&rx);
        let ((), got) = concurrently(after_pause(move || drop(tx)), || {
            let oper = wait.select(&mut sel).expect("the end came");
            (oper.index(), oper.recv(&rx))
        });
        assert_eq!(got, (index, Err(RecvError)), "{wait:?}");
    }
}

/// A close, by a sender or by a receiver, while a thread waits in a select
/// to receive: the select wakes with the end, and sends fail from then on.
fn close_while_a_thread_selects_a_receive(f: Flavor) {
    for by_receiver in [false, true] {
        let (tx, rx) = f.channel::<i32>();
        let (closer_tx, closer_rx) = (tx.clone(), rx.clone());
        let mut sel = Select::new();
        let index = sel.recv(&rx);
        let close = move || {
            if by_receiver {
                closer_rx.close()
            } else {
                closer_tx.close()
            }
        };
        let (closed, got) = concurrently(after_pause(close), || {
            let oper = sel.select_timeout(LONG).expect("the end came");
            (oper.index(), oper.recv(&rx))
        });
        assert!(closed);
        assert_eq!(
            got,
            (index, Err(RecvError)),
            "closed by a receiver: {by_receiver}"
        );
        assert_eq!(tx.try_send(1), Err(TrySendError::Disconnected(1)));
    }
}

/// The last receiver dropped while a thread waits in a select to send (the
/// channel full, or a rendezvous with nobody receiving): the select wakes,
/// and `send` hands the message back.
fn receivers_dropped_while_a_thread_selects_a_send(f: Flavor) {
    for wait in WAITING {
        let drops = DropCounter::new();
        let (tx, rx) = f.channel::<Counted>();
        let mut buffered = 0;
        if f.buffers() {
            tx.try_send(drops.msg(0)).unwrap();
            buffered += 1;
        }
        let mut sel = Select::new();
        let index = sel.send(&tx);
        let ((), got) = concurrently(after_pause(move || drop(rx)), || {
            let oper = wait.select(&mut sel).expect("the end came");
            (oper.index(), sent(oper.send(&tx, drops.msg(9))))
        });
        assert_eq!(got, (index, Err(SendError(9))), "{wait:?}");
        assert_eq!(drops.drops(), buffered + 1, "every message dropped once");
    }
}

/// A close while a thread waits in a select to send: the select wakes, and
/// `send` hands the message back; a message buffered before the close is
/// still received, then the end.
fn close_while_a_thread_selects_a_send(f: Flavor) {
    for by_receiver in [false, true] {
        let (tx, rx) = f.channel::<i32>();
        if f.buffers() {
            tx.try_send(0).unwrap();
        }
        let (closer_tx, closer_rx) = (tx.clone(), rx.clone());
        let mut sel = Select::new();
        let index = sel.send(&tx);
        let close = move || {
            if by_receiver {
                closer_rx.close()
            } else {
                closer_tx.close()
            }
        };
        let (closed, got) = concurrently(after_pause(close), || {
            let oper = sel.select_timeout(LONG).expect("the end came");
            (oper.index(), oper.send(&tx, 9))
        });
        assert!(closed);
        assert_eq!(
            got,
            (index, Err(SendError(9))),
            "closed by a receiver: {by_receiver}"
        );
        if f.buffers() {
            assert_eq!(rx.try_recv(), Ok(0));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }
}

/// Messages buffered when the channel ends (senders dropped, or a close by
/// either side) are selected first, then the end; `ready` sees the end too.
fn buffered_messages_come_before_the_end(f: Flavor) {
    for end in 0..3 {
        let (tx, rx) = f.channel::<i32>();
        tx.send(1).unwrap();
        match end {
            0 => drop(tx),
            1 => assert!(rx.close()),
            _ => assert!(tx.close()),
        }
        let mut sel = Select::new();
        let index = sel.recv(&rx);
        assert_eq!(sel.select().recv(&rx), Ok(1), "end {end}");
        assert_eq!(sel.try_ready(), Ok(index));
        assert_eq!(sel.select().recv(&rx), Err(RecvError), "end {end}");
        assert_eq!(sel.select().recv(&rx), Err(RecvError), "end {end}");
    }
}

/// A send selected on a channel with a buffer holds its slot, as a permit
/// does: after a close, receivers wait for its message rather than see the
/// end, and get it before the end. Dropped instead, it lets them see the
/// end.
fn a_selected_send_keeps_its_slot_through_a_close(f: Flavor) {
    for deliver in [true, false] {
        let (tx, rx) = f.channel();
        let mut sel = Select::new();
        sel.send(&tx);
        let oper = sel.select();
        assert!(rx.close());
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "its message is due"
        );
        if deliver {
            assert_eq!(oper.send(&tx, 5), Ok(()));
            assert_eq!(rx.try_recv(), Ok(5));
        } else {
            drop(oper);
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }
}

/// On a rendezvous a selected send holds no slot: closed before its message
/// is given, the send hands it back, and the receive that waited sees the
/// end.
#[test]
fn a_selected_rendezvous_send_gets_its_message_back_after_a_close() {
    let (tx, rx) = tidings::rendezvous();
    let room = make_room(&rx);
    let mut sel = Select::new();
    sel.send(&tx);
    let oper = sel.select();
    assert!(rx.close());
    assert_eq!(oper.send(&tx, 5), Err(SendError(5)));
    assert_eq!(delivered(&rx, room), Err(TryRecvError::Disconnected));
}

// ===== timeouts and deadlines =====

per_flavor!(all:
    timeouts_expire_then_a_later_message_is_taken,
    a_past_deadline_still_takes_what_is_ready,
    huge_timeouts_and_far_deadlines_wait_for_the_message,
);
per_flavor!(waiting: a_send_times_out_then_gets_room);

/// Nothing comes: every timed form gives up. Then a thread sends: a timed
/// select takes the message, a timed ready names it (and leaves it).
fn timeouts_expire_then_a_later_message_is_taken(f: Flavor) {
    let (tx, rx) = f.channel::<i32>();
    let (_idle_tx, idle_rx) = f.channel::<i32>();
    let mut sel = Select::new();
    sel.recv(&idle_rx);
    let index = sel.recv(&rx);
    assert_eq!(sel.select_timeout(SHORT).err(), Some(SelectTimeoutError));
    assert_eq!(
        sel.select_deadline(Instant::now() + SHORT).err(),
        Some(SelectTimeoutError)
    );
    assert_eq!(sel.ready_timeout(SHORT), Err(ReadyTimeoutError));
    assert_eq!(
        sel.ready_deadline(Instant::now() + SHORT),
        Err(ReadyTimeoutError)
    );
    let (sent, got) = concurrently(after_pause(|| tx.send(1)), || {
        let oper = sel.select_timeout(LONG).expect("the message came");
        (oper.index(), oper.recv(&rx))
    });
    assert_eq!(sent, Ok(()));
    assert_eq!(got, (index, Ok(1)));
    let (sent, got) = concurrently(after_pause(|| tx.send(2)), || {
        let ready = sel.ready_deadline(Instant::now() + LONG);
        (ready, rx.recv_timeout(LONG))
    });
    assert_eq!(sent, Ok(()));
    assert_eq!(got, (Ok(index), Ok(2)));
}

/// A deadline already past, or a zero timeout, still takes (or names) what
/// is ready now, receive or send.
fn a_past_deadline_still_takes_what_is_ready(f: Flavor) {
    let (tx, rx) = f.channel::<i32>();
    let past = Instant::now();
    let mut recvs = Select::new();
    let r = recvs.recv(&rx);
    let waiting = make_ready(&tx, 1);
    assert_eq!(recvs.ready_deadline(past), Ok(r));
    assert_eq!(recvs.ready_timeout(Duration::ZERO), Ok(r));
    let oper = recvs.select_deadline(past).expect("a message is ready");
    assert_eq!(oper.recv(&rx), Ok(1));
    finish(waiting);
    let waiting = make_ready(&tx, 2);
    let oper = recvs
        .select_timeout(Duration::ZERO)
        .expect("a message is ready");
    assert_eq!(oper.recv(&rx), Ok(2));
    finish(waiting);

    let mut sends = Select::new();
    let s = sends.send(&tx);
    for (msg, zero_timeout) in [(3, false), (4, true)] {
        let room = make_room(&rx);
        assert_eq!(sends.ready_deadline(past), Ok(s));
        let oper = if zero_timeout {
            sends.select_timeout(Duration::ZERO)
        } else {
            sends.select_deadline(past)
        };
        let oper = oper.expect("the send can go ahead");
        assert_eq!(oper.send(&tx, msg), Ok(()));
        assert_eq!(delivered(&rx, room), Ok(msg));
    }
}

/// A timeout too large to represent, and a far deadline, wait for a message
/// from a thread.
fn huge_timeouts_and_far_deadlines_wait_for_the_message(f: Flavor) {
    let (tx, rx) = f.channel::<i32>();
    let mut sel = Select::new();
    let index = sel.recv(&rx);
    let (sent, got) = concurrently(after_pause(|| tx.send(1)), || {
        sel.select_timeout(Duration::MAX).map(|oper| oper.recv(&rx))
    });
    assert_eq!((sent, got), (Ok(()), Ok(Ok(1))));
    let (sent, got) = concurrently(after_pause(|| tx.send(2)), || {
        sel.select_deadline(far()).map(|oper| oper.recv(&rx))
    });
    assert_eq!((sent, got), (Ok(()), Ok(Ok(2))));
    let (sent, got) = concurrently(after_pause(|| tx.send(3)), || {
        (sel.ready_timeout(Duration::MAX), rx.recv())
    });
    assert_eq!((sent, got), (Ok(()), (Ok(index), Ok(3))));
    let (sent, got) = concurrently(after_pause(|| tx.send(4)), || {
        (sel.ready_deadline(far()), rx.recv())
    });
    assert_eq!((sent, got), (Ok(()), (Ok(index), Ok(4))));
}

/// A send with no room times out; then a thread takes a message (or, on a
/// rendezvous, waits for one), and a timed select sends.
fn a_send_times_out_then_gets_room(f: Flavor) {
    let (tx, rx) = f.channel::<i32>();
    if f.buffers() {
        tx.try_send(0).unwrap();
    }
    let mut sel = Select::new();
    let index = sel.send(&tx);
    assert_eq!(sel.select_timeout(SHORT).err(), Some(SelectTimeoutError));
    assert_eq!(sel.ready_timeout(SHORT), Err(ReadyTimeoutError));
    let (got, sent) = concurrently(after_pause(|| rx.recv_timeout(LONG)), || {
        let oper = sel.select_timeout(LONG).expect("room came");
        (oper.index(), oper.send(&tx, 1))
    });
    assert_eq!(sent, (index, Ok(())));
    if f.buffers() {
        assert_eq!(got, Ok(0));
        assert_eq!(rx.try_recv(), Ok(1));
    } else {
        assert_eq!(got, Ok(1), "the message went to the receiver that waited");
    }
}

per_flavor!(buffered:
    try_select_never_misses_a_message_there_all_along,
    zero_timeouts_and_try_ready_never_miss_a_message_there_all_along,
);

/// One thread sends a message on the first channel, then selects over
/// both without waiting; another thread meanwhile sends on the second, then
/// takes the first's message if it can. At every moment of the select one
/// of the channels holds a message, so the select must find one: `select`
/// tells whether it did (crossbeam's `linearizable_try`,
/// `linearizable_timeout`).
fn never_missed(f: Flavor, select: impl Fn(usize, &Receiver<u32>, &Receiver<u32>) -> bool) {
    let n = if cfg!(miri) { 60 } else { 20_000 };
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
            assert!(
                select(round, rx1, rx2),
                "round {round}: a message was there all along"
            );
            end_tx.send(()).unwrap();
            let _ = rx2.try_recv();
        }
    });
}

fn try_select_never_misses_a_message_there_all_along(f: Flavor) {
    never_missed(f, |_, rx1, rx2| {
        let mut sel = Select::new();
        sel.recv(rx1);
        sel.recv(rx2);
        let found = sel.try_select().map(|oper| {
            let rx = [rx1, rx2][oper.index()];
            oper.recv(rx)
        });
        found == Ok(Ok(1))
    });
}

fn zero_timeouts_and_try_ready_never_miss_a_message_there_all_along(f: Flavor) {
    never_missed(f, |round, rx1, rx2| {
        let mut sel = Select::new();
        sel.recv(rx1);
        sel.recv(rx2);
        match round % 3 {
            0 => {
                let found = sel.select_timeout(Duration::ZERO).map(|oper| {
                    let rx = [rx1, rx2][oper.index()];
                    oper.recv(rx)
                });
                found == Ok(Ok(1))
            }
            // (What `ready` names may be taken before anyone receives it.)
            1 => sel.ready_timeout(Duration::ZERO).is_ok(),
            _ => sel.try_ready().is_ok(),
        }
    });
}

// ===== duplicate operations =====

per_flavor!(all:
    two_receives_from_one_receiver_are_both_chosen,
    two_sends_on_one_sender_are_both_chosen,
);
per_flavor!(buffered: a_send_and_a_receive_on_one_channel);

/// Two receives from one receiver: either may be chosen (both are, over a
/// few selects), and each takes the next message.
fn two_receives_from_one_receiver_are_both_chosen(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let mut sel = Select::new();
    sel.recv(&rx);
    sel.recv(&rx);
    let mut hits = [0; 2];
    let mut next = 0;
    while hits.contains(&0) {
        assert!(next < 1000, "one receive is never chosen: {hits:?}");
        let waiting = make_ready(&tx, next);
        let oper = sel.select();
        hits[oper.index()] += 1;
        assert_eq!(oper.recv(&rx), Ok(next));
        finish(waiting);
        next += 1;
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// Two sends on one sender: either may be chosen (both are, over a few
/// selects), and each delivers its message.
fn two_sends_on_one_sender_are_both_chosen(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let mut sel = Select::new();
    sel.send(&tx);
    sel.send(&tx);
    let mut hits = [0; 2];
    let mut next = 0;
    while hits.contains(&0) {
        assert!(next < 1000, "one send is never chosen: {hits:?}");
        let room = make_room(&rx);
        let oper = sel.select();
        hits[oper.index()] += 1;
        assert_eq!(oper.send(&tx, next), Ok(()));
        assert_eq!(delivered(&rx, room), Ok(next));
        next += 1;
    }
}

/// A send and a receive on one channel with a buffer: the send while the
/// channel is empty, the receive while it is full, either in between; the
/// messages come out in the order they went in.
fn a_send_and_a_receive_on_one_channel(f: Flavor) {
    let (tx, rx) = f.channel::<usize>();
    let mut sel = Select::new();
    let send = sel.send(&tx);
    let recv = sel.recv(&rx);
    let mut queue = std::collections::VecDeque::new();
    let mut hits = [0; 2];
    for next in 0..iters(400) {
        let oper = sel.select();
        let index = oper.index();
        hits[index] += 1;
        if index == send {
            assert!(
                f == Flavor::Unbounded || queue.is_empty(),
                "a send was chosen on a full channel"
            );
            oper.send(&tx, next).unwrap();
            queue.push_back(next);
        } else {
            assert_eq!(index, recv);
            assert_eq!(
                oper.recv(&rx).ok(),
                queue.pop_front(),
                "an empty channel's receive chosen"
            );
        }
    }
    assert!(hits[send] > 0 && hits[recv] > 0, "{hits:?}");
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), Vec::from(queue));
}

/// A send and a receive on one rendezvous, and nobody else: the select must
/// not pair them with each other (it would hand its own message to itself),
/// so it waits and times out, as crossbeam's does.
#[test]
fn a_send_and_a_receive_on_one_rendezvous_do_not_pair_up_in_a_select() {
    let got = watchdog(|| {
        let (tx, rx) = tidings::rendezvous::<u8>();
        let mut sel = Select::new();
        sel.send(&tx);
        sel.recv(&rx);
        sel.select_timeout(SHORT).map(|oper| oper.index()).err()
    });
    assert_eq!(
        got,
        Some(Some(SelectTimeoutError)),
        "None: the select never returned"
    );
}

/// As above, for `ready`: the send is not ready for want of a receiver
/// other than the select's own receive.
#[test]
fn a_send_and_a_receive_on_one_rendezvous_are_not_ready_by_each_other() {
    let got = watchdog(|| {
        let (tx, rx) = tidings::rendezvous::<u8>();
        let mut sel = Select::new_biased();
        sel.send(&tx);
        sel.recv(&rx);
        sel.ready_timeout(SHORT)
    });
    assert_eq!(
        got,
        Some(Err(ReadyTimeoutError)),
        "None: the ready never returned; Some(Ok(0)): the send was ready by the select's own receive"
    );
}

// ===== selecting in loops =====

per_flavor!(all:
    one_select_reused_in_a_loop_loses_nothing,
    a_select_cloned_each_round_less_the_chosen_operation,
    producers_and_consumers_selecting_lose_nothing,
);

/// One select, reused for every message of two channels that a thread
/// fills, and for their ends (each operation removed once its channel
/// ended): each channel's messages come out all, in order.
fn one_select_reused_in_a_loop_loses_nothing(f: Flavor) {
    let n = iters(600);
    let (tx1, rx1) = f.channel::<usize>();
    let (tx2, rx2) = f.channel::<usize>();
    let produce = move || {
        for i in 0..n {
            let tx = if i % 3 == 0 { &tx1 } else { &tx2 };
            tx.send(i).unwrap();
        }
    };
    let ((), got) = concurrently(produce, || {
        let mut sel = Select::new();
        let ops = [sel.recv(&rx1), sel.recv(&rx2)];
        let mut got = [Vec::new(), Vec::new()];
        let mut ended = 0;
        while ended < 2 {
            let oper = sel.select();
            let index = oper.index();
            let which = ops.iter().position(|&op| op == index).unwrap();
            match oper.recv([&rx1, &rx2][which]) {
                Ok(msg) => got[which].push(msg),
                Err(RecvError) => {
                    sel.remove(index);
                    ended += 1;
                }
            }
        }
        got
    });
    let expected: Vec<usize> = (0..n).filter(|i| i % 3 == 0).collect();
    assert_eq!(got[0], expected);
    let expected: Vec<usize> = (0..n).filter(|i| i % 3 != 0).collect();
    assert_eq!(got[1], expected);
}

/// Rounds of a receive and a send with a thread (which sends `i`, then
/// receives `i` back): each round selects twice with a clone of one
/// select, removing the operation chosen first, so that both are done once
/// a round, in either order (crossbeam's `stress_mixed` and `reuse`).
fn a_select_cloned_each_round_less_the_chosen_operation(f: Flavor) {
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
        let mut base = Select::new();
        let recv = base.recv(&rx1);
        let send = base.send(&tx2);
        for i in 0..n {
            let mut sel = base.clone();
            for _ in 0..2 {
                let oper = sel.select_timeout(LONG).expect("the peer went on");
                let index = oper.index();
                if index == recv {
                    assert_eq!(oper.recv(&rx1), Ok(i));
                } else {
                    assert_eq!(index, send);
                    oper.send(&tx2, i).unwrap();
                }
                sel.remove(index);
            }
            assert_eq!(sel.try_select().err(), Some(TrySelectError), "both removed");
        }
    });
}

/// Two threads send by selecting over two channels, two threads receive by
/// selecting over both (dropping each operation once its channel ends):
/// every message is received exactly once.
fn producers_and_consumers_selecting_lose_nothing(f: Flavor) {
    let n = iters(500);
    let (tx1, rx1) = f.channel::<usize>();
    let (tx2, rx2) = f.channel::<usize>();
    let mut got: Vec<usize> = thread::scope(|s| {
        for p in 0..2 {
            let (tx1, tx2) = (tx1.clone(), tx2.clone());
            s.spawn(move || {
                let mut sel = Select::new();
                let first = sel.send(&tx1);
                sel.send(&tx2);
                for i in 0..n {
                    let oper = sel.select();
                    let tx = if oper.index() == first { &tx1 } else { &tx2 };
                    oper.send(tx, p * n + i).unwrap();
                }
            });
        }
        drop((tx1, tx2));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (rx1, rx2) = (rx1.clone(), rx2.clone());
                s.spawn(move || {
                    let mut sel = Select::new();
                    let first = sel.recv(&rx1);
                    let second = sel.recv(&rx2);
                    let mut got = Vec::new();
                    let mut ended = 0;
                    while ended < 2 {
                        let oper = sel.select();
                        let index = oper.index();
                        let rx = if index == first { &rx1 } else { &rx2 };
                        assert!(index == first || index == second);
                        match oper.recv(rx) {
                            Ok(msg) => got.push(msg),
                            Err(RecvError) => {
                                sel.remove(index);
                                ended += 1;
                            }
                        }
                    }
                    got
                })
            })
            .collect();
        consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    got.sort_unstable();
    assert_eq!(got, (0..2 * n).collect::<Vec<_>>());
}

// ===== remove =====

/// Removed operations are never chosen nor named ready, though their
/// channels hold messages, which stay there; the others keep their
/// indices, and a new operation gets a new one.
#[test]
fn removed_operations_are_never_chosen_and_indices_stay() {
    let n = iters(200);
    let channels: Vec<_> = (0..5).map(|_| tidings::unbounded::<usize>()).collect();
    for (c, (tx, _)) in channels.iter().enumerate() {
        for _ in 0..n {
            tx.send(c).unwrap();
        }
    }
    let mut sel = Select::new();
    for (c, (_, rx)) in channels.iter().take(4).enumerate() {
        assert_eq!(sel.recv(rx), c);
    }
    sel.remove(1);
    sel.remove(3);
    assert_eq!(sel.recv(&channels[4].1), 4);
    let mut hits = [0; 5];
    for _ in 0..n {
        let ready = sel.try_ready().unwrap();
        assert!(
            [0, 2, 4].contains(&ready),
            "removed operation {ready} named ready"
        );
        let oper = sel.select();
        let index = oper.index();
        assert_eq!(oper.recv(&channels[index].1), Ok(index));
        hits[index] += 1;
    }
    assert_eq!(
        hits[1] + hits[3],
        0,
        "a removed operation was chosen: {hits:?}"
    );
    assert_eq!(channels[1].1.len(), n);
    assert_eq!(channels[3].1.len(), n);
}

#[test]
#[should_panic(expected = "the operation with index 0 was removed already")]
fn removing_an_operation_twice_panics() {
    let (tx, rx) = tidings::unbounded::<u8>();
    let mut sel = Select::new();
    let index = sel.recv(&rx);
    sel.send(&tx);
    sel.remove(index);
    sel.remove(index);
}

#[test]
#[should_panic(expected = "no operation was added with index 2")]
fn removing_an_index_never_given_panics() {
    let (tx, rx) = tidings::unbounded::<u8>();
    let mut sel = Select::new();
    sel.recv(&rx);
    sel.send(&tx);
    sel.remove(2);
}

// ===== Clone, Send and Sync =====

/// A clone has the same operations, removed ones included, under the same
/// indices, and is biased if the original is; the two are independent
/// from then on.
#[test]
fn a_clone_has_the_same_operations_under_the_same_indices() {
    let channels: Vec<_> = (0..3).map(|_| tidings::unbounded::<usize>()).collect();
    for (c, (tx, _)) in channels.iter().enumerate() {
        tx.send(c).unwrap();
    }
    let mut sel = Select::new_biased();
    for (_, rx) in &channels {
        sel.recv(rx);
    }
    sel.remove(0);
    let mut copy = sel.clone();
    assert_eq!(copy.try_ready(), Ok(1), "biased, and 0 removed");
    copy.remove(1);
    assert_eq!(copy.try_ready(), Ok(2));
    assert_eq!(sel.try_ready(), Ok(1), "the original keeps its operations");
    let oper = copy.select();
    assert_eq!(oper.index(), 2);
    assert_eq!(oper.recv(&channels[2].1), Ok(2));
    assert_eq!(
        copy.recv(&channels[0].1),
        3,
        "new indices go on after the clone's"
    );
    assert_eq!(copy.try_ready(), Ok(3), "channel 0 has a message");
    assert_eq!(copy.select().recv(&channels[0].1), Ok(0));
    assert_eq!(copy.try_ready(), Err(TryReadyError));
    let oper = sel.select();
    assert_eq!(oper.index(), 1);
    assert_eq!(oper.recv(&channels[1].1), Ok(1));
}

per_flavor!(all: clones_of_one_shared_select_on_many_threads);

/// Threads each clone one select of a receive and a send on one channel,
/// shared by reference, and select once: they pair up, or send into the
/// buffer and receive from it; no thread receives its own message, and
/// every message sent is received or left in the channel (crossbeam's
/// `sync_and_clone` and `matching`).
fn clones_of_one_shared_select_on_many_threads(f: Flavor) {
    let done = watchdog(move || clones_on_many_threads(f));
    assert!(done.is_some(), "a select never returned");
}

fn clones_on_many_threads(f: Flavor) {
    let threads = if cfg!(miri) { 4 } else { 16 };
    let (tx, rx) = f.channel::<usize>();
    let mut sel = Select::new();
    let recv = sel.recv(&rx);
    let send = sel.send(&tx);
    let shared = &sel;
    let outcomes: Vec<Option<usize>> = thread::scope(|s| {
        let threads: Vec<_> = (0..threads)
            .map(|i| {
                let (tx, rx) = (&tx, &rx);
                s.spawn(move || {
                    let mut sel = shared.clone();
                    let oper = sel.select_timeout(LONG).expect("another thread came");
                    if oper.index() == recv {
                        let got = oper.recv(rx).unwrap();
                        assert_ne!(got, i, "a select received its own message");
                        Some(got)
                    } else {
                        assert_eq!(oper.index(), send);
                        oper.send(tx, i).unwrap();
                        None
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let received: Vec<usize> = outcomes.iter().flatten().copied().collect();
    let sent = outcomes.len() - received.len();
    let left = rx.try_iter().count();
    assert_eq!(sent, received.len() + left, "{outcomes:?}");
}

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

/// `Select` is `Clone + Send + Sync` (so are the errors), even over a
/// channel whose messages are `Send` but not `Sync`; its futures are
/// `Send`. A clone made from a shared reference sends on another thread.
#[test]
fn select_is_clone_send_and_sync() {
    assert_send_sync::<Select<'static>>();
    assert_send::<SelectFuture<'static, 'static>>();
    assert_send::<ReadyFuture<'static, 'static>>();
    assert_send_sync::<TrySelectError>();
    assert_send_sync::<SelectTimeoutError>();
    assert_send_sync::<TryReadyError>();
    assert_send_sync::<ReadyTimeoutError>();

    fn shared_clone<T: Clone + Send + Sync>(t: &T) -> T {
        t.clone()
    }
    let (tx, rx) = tidings::unbounded::<Cell<u8>>();
    let mut sel = Select::new();
    sel.recv(&rx);
    let send = sel.send(&tx);
    let mut copy = shared_clone(&sel);
    let tx = &tx;
    thread::scope(|s| {
        s.spawn(move || {
            let oper = copy.select();
            assert_eq!(oper.index(), send, "only the send is ready");
            oper.send(tx, Cell::new(7)).unwrap();
        });
    });
    assert_eq!(rx.try_recv().map(Cell::into_inner), Ok(7));
}

// ===== fairness =====

/// A fair select picks each ready receive as often, wherever it sits among
/// the operations, and never one that has nothing (crossbeam's
/// `fairness1`): of a bounded channel, an unbounded one and a rendezvous
/// with a sender waiting, with a receive of an empty channel among them.
#[test]
fn a_fair_select_picks_uniformly_among_the_ready_receives() {
    let n = trials();
    let (tx_a, rx_a) = tidings::bounded(n);
    let (tx_b, rx_b) = tidings::unbounded();
    let (tx_c, rx_c) = tidings::rendezvous();
    let (_tx_idle, rx_idle) = tidings::unbounded::<usize>();
    for i in 0..n {
        tx_a.send(i).unwrap();
        tx_b.send(i).unwrap();
    }
    let mut sel = Select::new();
    assert_eq!(
        [
            sel.recv(&rx_a),
            sel.recv(&rx_idle),
            sel.recv(&rx_b),
            sel.recv(&rx_c)
        ],
        [0, 1, 2, 3]
    );
    let mut hits = [0; 4];
    let mut next = [0; 4];
    let mut waiting = make_ready(&tx_c, 0);
    for _ in 0..n {
        let oper = sel.select();
        let index = oper.index();
        let rx = match index {
            0 => &rx_a,
            2 => &rx_b,
            3 => &rx_c,
            _ => panic!("the receive of an empty channel was chosen"),
        };
        assert_eq!(oper.recv(rx), Ok(next[index]));
        hits[index] += 1;
        next[index] += 1;
        if index == 3 {
            finish(waiting.take());
            waiting = make_ready(&tx_c, next[3]);
        }
    }
    assert_uniform(&[hits[0], hits[2], hits[3]]);
}

/// A fair select picks each send that can go ahead as often (crossbeam's
/// `fairness_send`): on a bounded channel with room, an unbounded one and
/// a rendezvous with a receiver waiting, with a send that cannot go ahead
/// among them.
#[test]
fn a_fair_select_picks_uniformly_among_the_sends_that_can_go_ahead() {
    let n = trials();
    let (tx_a, rx_a) = tidings::bounded(n);
    let (tx_b, rx_b) = tidings::unbounded();
    let (tx_c, rx_c) = tidings::rendezvous();
    let (tx_stuck, _rx_stuck) = tidings::rendezvous::<usize>();
    let mut sel = Select::new();
    assert_eq!(
        [
            sel.send(&tx_a),
            sel.send(&tx_b),
            sel.send(&tx_stuck),
            sel.send(&tx_c)
        ],
        [0, 1, 2, 3]
    );
    let mut hits = [0; 4];
    let mut room = make_room(&rx_c);
    for i in 0..n {
        let oper = sel.select();
        let index = oper.index();
        let tx = match index {
            0 => &tx_a,
            1 => &tx_b,
            3 => &tx_c,
            _ => panic!("a send that cannot go ahead was chosen"),
        };
        oper.send(tx, i).unwrap();
        hits[index] += 1;
        if index == 3 {
            assert_eq!(delivered(&rx_c, room.take()), Ok(i));
            room = make_room(&rx_c);
        }
    }
    assert_eq!(rx_a.len(), hits[0]);
    assert_eq!(rx_b.len(), hits[1]);
    assert_uniform(&[hits[0], hits[1], hits[3]]);
}

/// A fair `ready`, `select_async` and `ready_async` pick uniformly too.
#[test]
fn fair_ready_and_futures_pick_uniformly() {
    let n = trials();
    let channels: Vec<_> = (0..3).map(|_| tidings::unbounded::<usize>()).collect();
    for (tx, _) in &channels {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    }
    let mut sel = Select::new();
    for (_, rx) in &channels {
        sel.recv(rx);
    }
    // `ready` takes nothing: every receive stays ready.
    let mut hits = [0; 3];
    for _ in 0..n {
        hits[sel.ready()] += 1;
    }
    assert_uniform(&hits);
    let mut hits = [0; 3];
    for _ in 0..n {
        hits[pollster::block_on(sel.ready_async())] += 1;
    }
    assert_uniform(&hits);
    let mut hits = [0; 3];
    for _ in 0..n {
        let oper = pollster::block_on(sel.select_async());
        let index = oper.index();
        assert!(oper.recv(&channels[index].1).is_ok());
        hits[index] += 1;
    }
    assert_uniform(&hits);
}

/// A biased select always picks the first ready operation in the order
/// added, whichever way it waits; with that one exhausted, the next
/// (crossbeam's `unfairness`).
#[test]
fn a_biased_select_picks_the_first_ready_operation() {
    let n = iters(300);
    let (_tx_idle, rx_idle) = tidings::unbounded::<usize>();
    let (tx_a, rx_a) = tidings::unbounded();
    let (tx_b, rx_b) = tidings::unbounded();
    for i in 0..n {
        tx_a.send(i).unwrap();
        tx_b.send(i).unwrap();
    }
    let mut sel = Select::new_biased();
    sel.recv(&rx_idle);
    let a = sel.recv(&rx_a);
    let b = sel.recv(&rx_b);
    for (i, wait) in WAITS.iter().cycle().take(n).enumerate() {
        assert_eq!(wait.ready(&mut sel), Some(a), "{wait:?}");
        let oper = wait.select(&mut sel).expect("ready");
        assert_eq!(oper.index(), a, "{wait:?}");
        assert_eq!(oper.recv(&rx_a), Ok(i));
    }
    for (i, wait) in WAITS.iter().cycle().take(n).enumerate() {
        assert_eq!(wait.ready(&mut sel), Some(b), "{wait:?}");
        let oper = wait.select(&mut sel).expect("ready");
        assert_eq!(oper.index(), b, "{wait:?}");
        assert_eq!(oper.recv(&rx_b), Ok(i));
    }
    // Sends alike: the first that can go ahead.
    let (tx_stuck, _rx_stuck) = tidings::rendezvous::<usize>();
    let mut sel = Select::new_biased();
    sel.send(&tx_stuck);
    let a = sel.send(&tx_a);
    sel.send(&tx_b);
    for i in 0..n {
        let oper = sel.select();
        assert_eq!(oper.index(), a);
        oper.send(&tx_a, i).unwrap();
    }
    assert_eq!(rx_a.len(), n);
    assert_eq!(rx_b.len(), 0);
}

// ===== ready =====

per_flavor!(all: ready_takes_nothing, a_ready_that_returns_leaves_the_wake_for_a_waiting_receive);

/// `ready`, whichever way it waits, names the ready operation and takes
/// nothing: the message stays for whoever receives it (the sender of a
/// rendezvous still waits), and the room for whoever sends.
fn ready_takes_nothing(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let (_idle_tx, idle_rx) = f.channel::<u32>();
    let mut recvs = Select::new();
    recvs.recv(&idle_rx);
    let r = recvs.recv(&rx);
    let mut waiting = make_ready(&tx, 1);
    for wait in WAITS {
        assert_eq!(wait.ready(&mut recvs), Some(r), "{wait:?}");
    }
    if let Some(send) = &mut waiting {
        assert!(
            poll_with(send, noop_waker_ref()).is_pending(),
            "the sender still waits"
        );
    }
    assert_eq!(rx.try_recv(), Ok(1));
    finish(waiting);
    assert_eq!(recvs.try_ready(), Err(TryReadyError));

    let (stuck_tx, _stuck_rx) = tidings::rendezvous::<u32>();
    let mut sends = Select::new();
    sends.send(&stuck_tx);
    let s = sends.send(&tx);
    let mut room = make_room(&rx);
    for wait in WAITS {
        assert_eq!(wait.ready(&mut sends), Some(s), "{wait:?}");
    }
    if let Some(recv) = &mut room {
        assert!(
            poll_with(recv, noop_waker_ref()).is_pending(),
            "nothing was sent"
        );
    }
    assert_eq!(rx.len(), 0);
    if f.buffers() {
        // Bounded(1): the only slot is free for a plain send.
        assert_eq!(tx.try_send(2), Ok(()));
        assert_eq!(rx.try_recv(), Ok(2));
    } else {
        let oper = sends.select();
        assert_eq!(oper.index(), s, "the receiver still waits");
        oper.send(&tx, 2).unwrap();
        assert_eq!(delivered(&rx, room), Ok(2));
    }
}

/// A ready waiting on a full channel is first in line for the slot a
/// receive frees; it takes nothing, so when it returns the slot goes on to
/// the send waiting behind it. From a thread and from a task.
#[test]
fn a_waiting_ready_gives_back_the_slot_it_was_granted() {
    let (tx, rx) = tidings::bounded(1);
    tx.send(0).unwrap();
    let mut sel = Select::new();
    let index = sel.send(&tx);
    let (counter, waker) = WakeCounter::new();
    let mut ready = sel.ready_async();
    assert!(poll_with(&mut ready, &waker).is_pending());
    let mut send = tx.send_async(1);
    assert!(poll_with(&mut send, noop_waker_ref()).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut ready, &waker), Poll::Ready(index));
    drop(ready);
    assert_eq!(
        poll_with(&mut send, noop_waker_ref()),
        Poll::Ready(Ok(())),
        "the slot went on to the waiting send"
    );

    // A thread blocked in `ready` on the full channel: once a receive frees
    // the slot, it returns, and the slot is free for a plain send.
    let (ready_and_sent, got) = concurrently(
        || {
            let mut sel = Select::new();
            let index = sel.send(&tx);
            (sel.ready_timeout(LONG) == Ok(index), tx.try_send(2))
        },
        after_pause(|| rx.recv_timeout(LONG)),
    );
    assert_eq!(ready_and_sent, (true, Ok(())));
    assert_eq!(got, Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
}

/// A ready listed before a receive future is told of a message first; it
/// takes nothing, so the receive beside it must still be woken for the
/// message (crossbeam's `ready` only watches, it takes no notification
/// from a receiver). Else the future sleeps with a message in the channel.
fn a_ready_that_returns_leaves_the_wake_for_a_waiting_receive(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let mut sel = Select::new();
    let index = sel.recv(&rx);
    let mut ready = sel.ready_async();
    assert!(poll_with(&mut ready, noop_waker_ref()).is_pending());
    let (counter, waker) = WakeCounter::new();
    let mut recv = rx.recv_async();
    assert!(poll_with(&mut recv, &waker).is_pending());
    let waiting = make_ready(&tx, 1);
    assert_eq!(poll_with(&mut ready, noop_waker_ref()), Poll::Ready(index));
    drop(ready);
    assert_eq!(
        counter.wakes(),
        1,
        "the receive future was never woken, with a message in the channel"
    );
    assert_eq!(poll_with(&mut recv, &waker), Poll::Ready(Ok(1)));
    finish(waiting);
}

/// The same for a ready of a send on a rendezvous, listed before a select
/// future's send: a receiver that comes is told to the ready first; it
/// sends nothing, so the select beside it must still be told, or the
/// receiver and the select both wait for ever.
#[test]
fn a_ready_that_returns_leaves_the_waiting_receiver_for_a_waiting_send() {
    let (tx, rx) = tidings::rendezvous::<u32>();
    let mut readying = Select::new();
    let index = readying.send(&tx);
    let mut selecting = readying.clone();
    let mut ready = readying.ready_async();
    assert!(poll_with(&mut ready, noop_waker_ref()).is_pending());
    let (counter, waker) = WakeCounter::new();
    let mut select = selecting.select_async();
    assert!(poll_with(&mut select, &waker).is_pending());
    let room = make_room(&rx);
    assert_eq!(poll_with(&mut ready, noop_waker_ref()), Poll::Ready(index));
    drop(ready);
    assert_eq!(
        counter.wakes(),
        1,
        "the select was never told of the receiver that waits"
    );
    let Poll::Ready(oper) = poll_with(&mut select, &waker) else {
        panic!("the receiver still waits");
    };
    oper.send(&tx, 1).unwrap();
    assert_eq!(delivered(&rx, room), Ok(1));
}

// ===== a SelectedOperation dropped =====

per_flavor!(all:
    a_dropped_receive_puts_its_message_back_at_the_front,
    a_dropped_receive_wakes_a_waiting_receiver,
    a_dropped_send_gives_back_what_it_held,
);

/// A selected receive dropped uncompleted puts its message back at the
/// front of the channel, before the one behind it; nothing is dropped
/// until received. The sender it came from (a rendezvous) is done.
fn a_dropped_receive_puts_its_message_back_at_the_front(f: Flavor) {
    let drops = DropCounter::new();
    let (tx, rx) = f.channel::<Counted>();
    let first = make_ready(&tx, drops.msg(1));
    let second = make_ready(&tx, drops.msg(2));
    let mut sel = Select::new();
    sel.recv(&rx);
    let oper = sel.select();
    finish(first);
    drop(oper);
    assert_eq!(drops.drops(), 0, "put back, not dropped");
    assert_eq!(value(rx.try_recv()), Ok(1), "at the front");
    assert_eq!(value(rx.try_recv()), Ok(2));
    finish(second);
    assert_eq!(drops.drops(), 2);
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
}

/// The message a dropped receive puts back wakes a receive that waits for
/// it: a future, then a thread.
fn a_dropped_receive_wakes_a_waiting_receiver(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let mut sel = Select::new();
    sel.recv(&rx);

    let waiting = make_ready(&tx, 1);
    let oper = sel.select();
    finish(waiting);
    let (counter, waker) = WakeCounter::new();
    let mut recv = rx.recv_async();
    assert!(poll_with(&mut recv, &waker).is_pending());
    drop(oper);
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut recv, &waker), Poll::Ready(Ok(1)));

    let waiting = make_ready(&tx, 2);
    let oper = sel.select();
    finish(waiting);
    let (got, ()) = concurrently(
        || rx.recv_timeout(LONG),
        || {
            pause();
            drop(oper);
        },
    );
    assert_eq!(got, Ok(2));
}

/// A selected send dropped uncompleted sends nothing and gives back what it
/// held: the slot of a bounded channel (a plain send fills it), or, on a
/// rendezvous, the receiver that waited, who still waits (and a select
/// sends to it after all).
fn a_dropped_send_gives_back_what_it_held(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let room = make_room(&rx);
    let mut sel = Select::new();
    let index = sel.send(&tx);
    let oper = sel.select();
    if let Flavor::Bounded(_) = f {
        assert!(tx.is_full(), "the selected send holds the only slot");
        assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    }
    drop(oper);
    assert_eq!(rx.len(), 0);
    if f.buffers() {
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nothing was sent");
        assert_eq!(tx.try_send(1), Ok(()), "the slot is back");
        assert_eq!(rx.try_recv(), Ok(1));
    }
    assert_eq!(sel.try_ready(), Ok(index));
    let oper = sel.select();
    oper.send(&tx, 2).unwrap();
    assert_eq!(delivered(&rx, room), Ok(2));
}

/// A send selected by a future that waited on a full channel was granted
/// the freed slot ahead of a send waiting behind it; dropped uncompleted,
/// it passes the slot on to that send.
#[test]
fn a_dropped_send_passes_its_slot_to_the_next_waiting_sender() {
    let (tx, rx) = tidings::bounded(1);
    tx.send(0).unwrap();
    let mut sel = Select::new();
    sel.send(&tx);
    let (counter, waker) = WakeCounter::new();
    let mut select = sel.select_async();
    assert!(poll_with(&mut select, &waker).is_pending());
    let mut send = tx.send_async(1);
    assert!(poll_with(&mut send, noop_waker_ref()).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(counter.wakes(), 1);
    let Poll::Ready(oper) = poll_with(&mut select, &waker) else {
        panic!("the select was granted the slot");
    };
    assert!(
        poll_with(&mut send, noop_waker_ref()).is_pending(),
        "the slot is the select's"
    );
    drop(oper);
    assert_eq!(poll_with(&mut send, noop_waker_ref()), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(1));
}

// ===== a handle that is not the operation's =====

/// A named case of a test: what it does, and the code that does it.
type Case<'a> = (&'static str, Box<dyn FnOnce() + 'a>);

/// Completing an operation with a handle other than the one it was added
/// with panics: another channel's, another handle of the same channel, or
/// a handle of the other kind.
#[test]
fn completing_with_another_handle_panics() {
    let (tx, rx) = tidings::unbounded::<u8>();
    let (other_tx, other_rx) = tidings::unbounded::<u8>();
    let (rx_clone, tx_clone) = (rx.clone(), tx.clone());
    tx.send(1).unwrap();
    let mut recv = Select::new();
    recv.recv(&rx);
    let mut send = Select::new();
    send.send(&tx);
    let (recv, send) = (&recv, &send);
    let cases: [Case<'_>; 5] = [
        (
            "another channel's receiver",
            Box::new(|| {
                let _ = recv.clone().select().recv(&other_rx);
            }),
        ),
        (
            "another receiver of the channel",
            Box::new(|| {
                let _ = recv.clone().select().recv(&rx_clone);
            }),
        ),
        (
            "another channel's sender",
            Box::new(|| {
                let _ = send.clone().select().send(&other_tx, 2);
            }),
        ),
        (
            "another sender of the channel",
            Box::new(|| {
                let _ = send.clone().select().send(&tx_clone, 2);
            }),
        ),
        (
            "the channel's sender for a receive",
            Box::new(|| {
                let _ = recv.clone().select().send(&tx, 2);
            }),
        ),
    ];
    for (what, case) in cases {
        let text = panic_text(catch_unwind(AssertUnwindSafe(case)).expect_err(what));
        assert!(
            text.contains("not the one the selected operation was added with"),
            "{what}: {text}"
        );
    }
    assert_eq!(other_rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "each select dropped gave the message back"
    );
}

/// A wrong handle is the caller's bug, but the message the selected receive
/// took is not lost for it: a select that goes on, or the channel once the
/// select is gone, still has it.
#[test]
fn a_wrong_handle_loses_no_message() {
    let (tx, rx) = tidings::unbounded::<u8>();
    let other = rx.clone();
    tx.send(1).unwrap();
    let mut sel = Select::new();
    sel.recv(&rx);
    let panicked = catch_unwind(AssertUnwindSafe(|| sel.select().recv(&other)));
    assert!(panicked.is_err());
    tx.send(2).unwrap();
    let mut got = vec![sel.select().recv(&rx).unwrap()];
    drop(sel);
    got.extend(rx.try_iter());
    got.sort_unstable();
    assert_eq!(got, [1, 2], "message 1 was lost");
}

/// Likewise a selected send's slot is not kept by a wrong handle's panic:
/// the select that goes on can send, and so can a plain send.
#[test]
fn a_wrong_handle_keeps_no_slot() {
    let (tx, rx) = tidings::bounded::<u8>(1);
    let other = tx.clone();
    let mut sel = Select::new();
    sel.send(&tx);
    let panicked = catch_unwind(AssertUnwindSafe(|| sel.select().send(&other, 1)));
    assert!(panicked.is_err());
    assert_eq!(rx.len(), 0);
    let oper = sel.try_select();
    assert!(oper.is_ok(), "the empty channel has no room for the select");
    oper.unwrap().send(&tx, 2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.try_send(3), Ok(()));
}

// ===== futures =====

per_flavor!(all:
    select_async_and_ready_async_on_every_executor,
    select_async_between_tasks,
    a_select_future_is_woken_once_by_its_latest_waker,
    a_dropped_select_or_ready_future_leaves_the_message,
);

/// A task on each executor waits with `ready_async` and `select_async`
/// for the messages of a thread, then for their end; then it sends to that
/// thread by selecting, beside a send that cannot go ahead.
fn select_async_and_ready_async_on_every_executor(f: Flavor) {
    let n = if cfg!(miri) { 2 } else { 20 };
    on_every_executor(move |executor| async move {
        let (tx, rx) = f.channel::<u32>();
        let (back_tx, back_rx) = f.channel::<u32>();
        let peer = thread::spawn(move || {
            for i in 0..n {
                tx.send(i).unwrap();
            }
            drop(tx);
            let mut got = Vec::new();
            while let Ok(msg) = back_rx.recv_timeout(LONG) {
                got.push(msg);
            }
            got
        });
        let (_idle_tx, idle_rx) = f.channel::<u32>();
        let mut sel = Select::new();
        sel.recv(&idle_rx);
        let recv = sel.recv(&rx);
        let mut got = Vec::new();
        loop {
            assert_eq!(sel.ready_async().await, recv, "under {executor:?}");
            let oper = sel.select_async().await;
            assert_eq!(oper.index(), recv, "under {executor:?}");
            match oper.recv(&rx) {
                Ok(msg) => got.push(msg),
                Err(RecvError) => break,
            }
        }
        assert_eq!(got, (0..n).collect::<Vec<_>>(), "under {executor:?}");

        let (stuck_tx, _stuck_rx) = tidings::rendezvous::<u32>();
        let mut sel = Select::new();
        sel.send(&stuck_tx);
        let send = sel.send(&back_tx);
        for i in 0..n {
            let oper = sel.select_async().await;
            assert_eq!(oper.index(), send, "under {executor:?}");
            oper.send(&back_tx, i).unwrap();
        }
        drop(sel);
        drop(back_tx);
        assert_eq!(peer.join().unwrap(), (0..n).collect::<Vec<_>>());
    });
}

/// Tasks of one executor: a select receives what a task sends; a task
/// receives what a select sends; and two selects, one sending and one
/// receiving, meet.
fn select_async_between_tasks(f: Flavor) {
    let n = if cfg!(miri) { 3 } else { 50 };
    futures::executor::block_on(async {
        let (tx, rx) = f.channel::<u32>();
        let sender = async {
            for i in 0..n {
                tx.send_async(i).await.unwrap();
            }
        };
        let selecting_receiver = async {
            let mut sel = Select::new();
            sel.recv(&rx);
            for i in 0..n {
                assert_eq!(sel.select_async().await.recv(&rx), Ok(i));
            }
        };
        futures::future::join(sender, selecting_receiver).await;

        let selecting_sender = async {
            let mut sel = Select::new();
            sel.send(&tx);
            for i in 0..n {
                sel.select_async().await.send(&tx, i).unwrap();
            }
        };
        let receiver = async {
            for i in 0..n {
                assert_eq!(rx.recv_async().await, Ok(i));
            }
        };
        futures::future::join(selecting_sender, receiver).await;

        let selecting_sender = async {
            let mut sel = Select::new();
            sel.send(&tx);
            for i in 0..n {
                sel.select_async().await.send(&tx, i).unwrap();
            }
        };
        let selecting_receiver = async {
            let mut sel = Select::new();
            sel.recv(&rx);
            for i in 0..n {
                assert_eq!(sel.select_async().await.recv(&rx), Ok(i));
            }
        };
        futures::future::join(selecting_sender, selecting_receiver).await;
    });
}

/// A pending select future polled with a new waker wakes only that one,
/// once, for a message, and keeps no waker once it is done; the same for
/// a ready future.
fn a_select_future_is_woken_once_by_its_latest_waker(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let (_idle_tx, idle_rx) = f.channel::<u32>();
    let mut sel = Select::new();
    sel.recv(&idle_rx);
    let index = sel.recv(&rx);
    for ready in [false, true] {
        let (old, old_waker) = WakeCounter::new();
        let (new, new_waker) = WakeCounter::new();
        let mut fut = wait_async(&mut sel, ready);
        assert!(poll_with(&mut fut, &old_waker).is_pending());
        assert!(poll_with(&mut fut, &new_waker).is_pending());
        assert_eq!(Arc::strong_count(&old), 2, "the old waker was dropped");
        let waiting = make_ready(&tx, 1);
        assert_eq!((old.wakes(), new.wakes()), (0, 1), "ready: {ready}");
        assert_eq!(poll_with(&mut fut, &new_waker), Poll::Ready(index));
        drop(fut);
        assert_eq!(Arc::strong_count(&new), 2, "no waker is kept");
        // (A select's operation was dropped uncompleted: its message is
        // back; a ready left it.)
        assert_eq!(rx.try_recv(), Ok(1));
        finish(waiting);
    }
}

per_flavor!(all: the_end_wakes_a_waiting_select_future);

/// The end comes (the senders dropped, or a close by either side) while a
/// select future or a ready future waits to receive, or (the receivers
/// dropped, or a close) while one waits to send: it is woken once, and
/// finds the end.
fn the_end_wakes_a_waiting_select_future(f: Flavor) {
    for end in 0..3 {
        for ready in [false, true] {
            let what = format!("end {end}, ready: {ready}");
            let (tx, rx) = f.channel::<u32>();
            let closer = rx.clone();
            let mut sel = Select::new();
            let index = sel.recv(&rx);
            let (counter, waker) = WakeCounter::new();
            // (A select future checks the end it finds, and gives `END`.)
            let mut fut: Pin<Box<dyn Future<Output = usize>>> = if ready {
                Box::pin(sel.ready_async())
            } else {
                Box::pin(sel.select_async().map(|oper| {
                    assert_eq!(oper.recv(&rx), Err(RecvError));
                    END
                }))
            };
            assert!(poll_with(&mut fut, &waker).is_pending(), "{what}");
            match end {
                0 => drop(tx),
                1 => assert!(tx.close()),
                _ => assert!(closer.close()),
            }
            assert_eq!(counter.wakes(), 1, "{what}");
            let got = poll_with(&mut fut, &waker);
            assert_eq!(got, Poll::Ready(if ready { index } else { END }), "{what}");
            drop(fut);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected), "{what}");
        }
    }
    if f == Flavor::Unbounded {
        // (A send never waits there.)
        return;
    }
    for end in 0..3 {
        for ready in [false, true] {
            let what = format!("end {end}, ready: {ready}");
            let (tx, rx) = f.channel::<u32>();
            if f.buffers() {
                tx.send(0).unwrap();
            }
            let closer = tx.clone();
            let mut sel = Select::new();
            let index = sel.send(&tx);
            let (counter, waker) = WakeCounter::new();
            // (A select future checks the end it finds, and gives `END`.)
            let mut fut: Pin<Box<dyn Future<Output = usize>>> = if ready {
                Box::pin(sel.ready_async())
            } else {
                Box::pin(sel.select_async().map(|oper| {
                    assert_eq!(oper.send(&tx, 9), Err(SendError(9)));
                    END
                }))
            };
            assert!(poll_with(&mut fut, &waker).is_pending(), "{what}");
            match end {
                0 => drop(rx),
                1 => assert!(rx.close()),
                _ => assert!(closer.close()),
            }
            assert_eq!(counter.wakes(), 1, "{what}");
            let got = poll_with(&mut fut, &waker);
            assert_eq!(got, Poll::Ready(if ready { index } else { END }), "{what}");
            drop(fut);
            assert_eq!(tx.try_send(1), Err(TrySendError::Disconnected(1)), "{what}");
        }
    }
}

/// What the select futures of `the_end_wakes_a_waiting_select_future`
/// give once they checked the end.
const END: usize = usize::MAX;

/// A select future, and a ready future, dropped at each point of its life
/// (pending; woken by a message it never came back for) takes nothing and
/// keeps no wake: a receive future waiting beside it is woken and gets the
/// message.
fn a_dropped_select_or_ready_future_leaves_the_message(f: Flavor) {
    let (tx, rx) = f.channel::<u32>();
    let mut sel = Select::new();
    sel.recv(&rx);
    drop(sel.select_async());
    drop(sel.ready_async());
    for (msg, ready, woken) in [
        (1, false, false),
        (2, false, true),
        (3, true, false),
        (4, true, true),
    ] {
        let mut fut = wait_async(&mut sel, ready);
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        let (counter, waker) = WakeCounter::new();
        let mut recv = rx.recv_async();
        assert!(poll_with(&mut recv, &waker).is_pending());
        let waiting = if woken {
            let waiting = make_ready(&tx, msg);
            drop(fut);
            waiting
        } else {
            drop(fut);
            make_ready(&tx, msg)
        };
        let what = format!("ready: {ready}, woken: {woken}");
        assert_eq!(counter.wakes(), 1, "{what}");
        assert_eq!(poll_with(&mut recv, &waker), Poll::Ready(Ok(msg)), "{what}");
        finish(waiting);
    }
}

/// A select future waiting to send on a full channel, dropped at each point
/// of its life (pending; granted the slot a receive freed), keeps no slot:
/// the send waiting behind it fills it.
#[test]
fn a_dropped_select_future_passes_the_freed_slot_on() {
    let (tx, rx) = tidings::bounded(1);
    tx.send(0).unwrap();
    let mut sel = Select::new();
    sel.send(&tx);
    for (msg, woken) in [(1, false), (2, true)] {
        let mut fut = sel.select_async();
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        let (counter, waker) = WakeCounter::new();
        let mut send = tx.send_async(msg);
        assert!(poll_with(&mut send, &waker).is_pending());
        if woken {
            assert_eq!(rx.try_recv(), Ok(msg - 1));
            drop(fut);
        } else {
            drop(fut);
            assert_eq!(rx.try_recv(), Ok(msg - 1));
        }
        assert_eq!(counter.wakes(), 1, "woken: {woken}");
        assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));
        assert_eq!(rx.len(), 1);
    }
    assert_eq!(rx.try_recv(), Ok(2));
}

/// Select futures waiting to send on a rendezvous: the first is told when a
/// receiver waits; dropped (woken or not), it passes that on to the next,
/// which sends to the receiver. Then the same with a thread that waits: a
/// plain send still reaches it after the select future is gone.
#[test]
fn a_dropped_select_future_passes_the_waiting_receiver_on() {
    let (tx, rx) = tidings::rendezvous();
    let mut first = Select::new();
    first.send(&tx);
    let mut second = first.clone();
    for (msg, woken) in [(1, false), (2, true)] {
        let mut fut = Some(first.select_async());
        let (counter, waker) = WakeCounter::new();
        assert!(poll_with(fut.as_mut().unwrap(), &waker).is_pending());
        let (next_counter, next_waker) = WakeCounter::new();
        let mut next = second.select_async();
        assert!(poll_with(&mut next, &next_waker).is_pending());
        if !woken {
            drop(fut.take());
        }
        let room = make_room(&rx);
        if woken {
            assert_eq!(counter.wakes(), 1, "the first was told");
            drop(fut.take());
        }
        assert_eq!(next_counter.wakes(), 1, "woken: {woken}");
        let Poll::Ready(oper) = poll_with(&mut next, &next_waker) else {
            panic!("the receiver still waits; woken: {woken}");
        };
        oper.send(&tx, msg).unwrap();
        assert_eq!(delivered(&rx, room), Ok(msg));
    }

    let mut fut = first.select_async();
    let (counter, waker) = WakeCounter::new();
    assert!(poll_with(&mut fut, &waker).is_pending());
    let (got, sent) = concurrently(
        || rx.recv_timeout(LONG),
        || {
            // Until the receiving thread waits, and the select is told.
            let start = Instant::now();
            while counter.wakes() == 0 && start.elapsed() < LONG {
                thread::yield_now();
            }
            assert_eq!(counter.wakes(), 1);
            drop(fut);
            tx.send_timeout(3, LONG)
        },
    );
    assert_eq!((got, sent), (Ok(3), Ok(())));
}

/// A select future is fused: terminated once it gave its operation.
#[cfg(feature = "futures")]
#[test]
fn a_select_future_is_fused() {
    use futures::future::FusedFuture;

    let (tx, rx) = tidings::unbounded();
    let mut sel = Select::new();
    sel.recv(&rx);
    let mut fut = sel.select_async();
    assert!(!fut.is_terminated());
    assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
    assert!(!fut.is_terminated());
    tx.send(1).unwrap();
    let Poll::Ready(oper) = poll_with(&mut fut, noop_waker_ref()) else {
        panic!("a message is ready");
    };
    assert!(fut.is_terminated());
    assert_eq!(oper.recv(&rx), Ok(1));
}

// ===== rendezvous hand-over =====

/// A selected send on a rendezvous goes to the receiver that waited: a
/// blocked thread takes it at once; if the receiver (a future) gave up
/// meanwhile, the message waits in the channel for the next receiver.
#[test]
fn a_selected_rendezvous_send_goes_to_the_receiver_that_waits() {
    let (tx, rx) = tidings::rendezvous();
    let mut sel = Select::new();
    let index = sel.send(&tx);
    let (got, sent) = concurrently(after_pause(|| rx.recv_timeout(LONG)), || {
        let oper = sel.select_timeout(LONG).expect("a receiver came");
        (oper.index(), oper.send(&tx, 1))
    });
    assert_eq!((got, sent), (Ok(1), (index, Ok(()))));

    let room = make_room(&rx);
    let oper = sel.select();
    drop(room);
    assert_eq!(oper.send(&tx, 2), Ok(()));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

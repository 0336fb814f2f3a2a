//! Loom models of `watch`: a change racing a receiver's wait (`changed`,
//! and `wait_for`), the last sender's drop racing a wait, a modification
//! racing a borrow, the last receiver's drop racing a sender's `closed`,
//! one change waking two waiting receivers, a cancelled wait racing the
//! change meant for it, and the value's reader-writer lock
//! (`src/watch/value.rs`) under writers and a reader. Blocking calls run
//! on loom threads; async futures are polled by hand with counting test
//! wakers.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_watch`.
//!
//! The watched value is a [`Pair`] of two fields that every modification
//! changes together, with a [`Probe`] between the two writes (a loom atomic
//! that readers touch too, so loom switches threads there), so a reader
//! that could slip in between would see them differ (loom's cell tracking
//! would also report the overlapping accesses). Every model also checks, per
//! explored execution (see `loom_support`):
//!
//! * what each wait returned, the value each reader saw, and what the
//!   receivers' `has_changed` says afterwards;
//! * that no wake-up is lost: a blocked thread that is never woken is a
//!   loom deadlock, and a future is polled again only once its test waker
//!   has been woken (a wake that never comes makes loom give up on the
//!   spinning execution);
//! * that the test wakers are not leaked: every clone the channel keeps is
//!   a strong reference of the waker's `Arc`;
//! * that the channel's shared state is freed exactly once, and not used
//!   after that (the shared counting, poisoning global allocator: the
//!   value's alignment marks the allocation).
//!
//! The models in which three threads may be in one of the channel's spin
//! locks (the value's, the wait lists') or waiting for it at once explore
//! at most one preemption (`loom_support::model_bounded` says why); each
//! of them has a two-thread counterpart under the full bound.
//!
//! A thread that made a timed wait joins nothing (loom 0.7 lets a late
//! unpark break a `join`, tokio-rs/loom#249): the main thread, which never
//! waits on the channel in that model, does the joining. An untimed
//! blocking wait parks until the notification of the entry it listed
//! unparks it, so it leaves no late unpark behind for a later `join`.
//!
//! Everything below these docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]

mod loom_support;

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::thread;
use loom_support::{model, model_bounded, poll_with, TestWake};
use tidings::watch::{self, Receiver, Sender};
use tidings::{RecvError, RecvTimeoutError, SendError};

// ----- the value and helpers -----

/// The preemption bound of the models in which three threads may be in
/// one of the channel's spin locks or waiting for it at once; see
/// [`loom_support::model_bounded`] for why. Each of them has a two-thread
/// counterpart that runs under the full bound.
const THREE_WAY_PREEMPTIONS: usize = 1;

/// The watched value: two fields that every change sets together. Its
/// alignment is `loom_support::Msg`'s, so the counting allocator sees the
/// channel's shared state (which holds it) as a channel core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(align(256))]
struct Pair {
    a: u32,
    b: u32,
}

/// The value after `n` changes.
const fn pair(n: u32) -> Pair {
    Pair { a: n, b: n }
}

/// How many changes `value` has had; panics if it is torn (its fields
/// differ: a reader saw half a modification).
fn whole(value: Pair) -> u32 {
    assert_eq!(value.a, value.b, "a torn value: {value:?}");
    value.a
}

/// A loom atomic that a writer touches between the two halves of a change
/// and a reader touches while it holds a borrow: two accesses of threads
/// to one object, so loom explores a switch between them, that is, a
/// reader looking at the value while a writer is half-way through it (if
/// the lock let it). (A yield there would not do: loom lets a thread that
/// yields while it holds the lock and one that yields spinning for it
/// take turns for ever.)
#[derive(Clone)]
struct Probe(loom::sync::Arc<AtomicUsize>);

impl Probe {
    fn new() -> Self {
        Self(loom::sync::Arc::new(AtomicUsize::new(0)))
    }

    fn touch(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    /// One change, made in place in two halves with a touch between them.
    fn bump(&self, value: &mut Pair) {
        value.a += 1;
        self.touch();
        value.b += 1;
    }
}

type Tx = Sender<Pair>;
type Rx = Receiver<Pair>;

/// A task of the models: a test waker, and how many polls were made
/// with it.
///
/// A task is woken at most once per poll: a pending poll lists one entry,
/// which one notification takes off its list and wakes once
/// (`src/watch/shared.rs`), and a poll that registers its waker again in
/// an entry while a notifier is taking the old one wakes it itself in the
/// notifier's place (the waker slot's protocol). Wakes for nothing happen
/// (a wait that lists itself after a change it has seen, and before that
/// change's notification, is woken by it): a task polled again after a
/// wake may be pending again, as under any executor.
struct Task {
    waker: Arc<TestWake>,
    polls: usize,
}

impl Task {
    fn new() -> Self {
        Self {
            waker: TestWake::new(),
            polls: 0,
        }
    }

    /// Polls `fut` once.
    fn poll<F: Future + Unpin>(&mut self, fut: &mut F) -> Poll<F::Output> {
        self.polls += 1;
        poll_with(fut, &self.waker)
    }

    /// Polls `fut` once before the other side has done anything: it must
    /// be pending (`loom_support::register`).
    fn register<F: Future + Unpin>(&mut self, fut: &mut F) {
        assert!(
            self.poll(fut).is_pending(),
            "ready before the other side did anything"
        );
    }

    /// For a future [registered](Self::register) just before, and only
    /// then: waits for its wake, without polling it meanwhile, and polls
    /// it once more, which must be ready (one registration, one
    /// notification: the woken future has something to look at).
    fn woken_then_ready<F: Future + Unpin>(&mut self, fut: &mut F) -> F::Output {
        self.waker.wait(0);
        match self.poll(fut) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("woken, yet still pending"),
        }
    }

    /// Drives `fut` as an executor would (`loom_support::block_on`): polls
    /// it again only once the waker has been woken since the last poll.
    fn block_on<F: Future + Unpin>(&mut self, fut: &mut F) -> F::Output {
        loop {
            let seen = self.waker.wakes();
            match self.poll(fut) {
                Poll::Ready(out) => return out,
                Poll::Pending => self.waker.wait(seen),
            }
        }
    }

    /// Polls `fut`; if that is pending, waits for a wake and polls once
    /// more, which must be ready (`loom_support::poll_until_woken_once`):
    /// for a wait that only one notification of the model can end, and
    /// that has not seen it before this poll.
    fn poll_until_woken_once<F: Future + Unpin>(&mut self, fut: &mut F) -> F::Output {
        let seen = self.waker.wakes();
        match self.poll(fut) {
            Poll::Ready(out) => out,
            Poll::Pending => {
                self.waker.wait(seen);
                match self.poll(fut) {
                    Poll::Ready(out) => out,
                    Poll::Pending => panic!("woken, yet still pending"),
                }
            }
        }
    }

    /// Asserts, once every thread that could wake the task is joined and
    /// its futures are dropped, that it was woken at most once per poll,
    /// and that the channel kept no clone of its waker.
    fn assert_done(&self, name: &str) {
        assert!(
            self.waker.wakes() <= self.polls,
            "task {name}: {} polls, woken {} times",
            self.polls,
            self.waker.wakes()
        );
        TestWake::assert_released(&self.waker, name);
    }

    /// As [`assert_done`](Self::assert_done), for a task that registered
    /// once and then only waited for its wake
    /// ([`woken_then_ready`](Self::woken_then_ready)): woken exactly once.
    fn assert_woken_once(&self, name: &str) {
        assert_eq!(
            self.waker.wakes(),
            1,
            "task {name}: one registration, woken {} times",
            self.waker.wakes()
        );
        TestWake::assert_released(&self.waker, name);
    }
}

/// Waits for a change: blocking (`changed`) without `task`, else a
/// `changed_async` future driven by [`Task::block_on`].
fn changed_with(rx: &mut Rx, task: Option<&mut Task>) -> Result<(), RecvError> {
    match task {
        None => rx.changed(),
        Some(task) => task.block_on(&mut rx.changed_async()),
    }
}

/// A thread that sends `pair(n)`, which must succeed, and hands its
/// sender back (so the channel stays open).
fn sends(tx: Tx, n: u32) -> impl FnOnce() -> Tx + Send + 'static {
    move || {
        tx.send(pair(n)).expect("a receiver is alive");
        tx
    }
}

// ----- 1. a send vs a receiver's wait for a change -----

/// A thread sends while the main thread waits for a change: blocking
/// `changed`, or a `changed_async` future (task W) whose first poll, the
/// one that registers it, races the send; the send is the only
/// notification, so a future woken must then be ready. The wait ends
/// `Ok`, having marked the sent value seen, and it is the sent value that
/// a borrow finds. The channel stays open until the sender is dropped
/// after the join.
fn send_vs_changed(async_wait: bool) {
    model(move || {
        let (tx, mut rx) = watch::channel(pair(0));
        let mut w = async_wait.then(Task::new);
        let sender = thread::spawn(sends(tx, 1));
        let got = match &mut w {
            None => rx.changed(),
            Some(w) => w.poll_until_woken_once(&mut rx.changed_async()),
        };
        assert_eq!(got, Ok(()));
        {
            let value = rx.borrow();
            assert_eq!(*value, pair(1), "woken, yet the send is not seen");
            assert!(!value.has_changed(), "changed() marks the value seen");
        }
        assert_eq!(rx.has_changed(), Ok(false));
        let tx = sender.join().unwrap();
        assert!(!rx.is_closed());
        drop(tx);
        assert!(rx.is_closed());
        assert_eq!(rx.has_changed(), Err(RecvError));
        if let Some(w) = &w {
            w.assert_done("W");
        }
    });
}

#[test]
fn send_vs_blocking_changed() {
    send_vs_changed(false);
}

#[test]
fn send_vs_changed_async() {
    send_vs_changed(true);
}

/// A `changed_async` future is pending (registered by task A) before a
/// thread sends: A is woken exactly once, and the poll after the wake is
/// ready with the sent value seen.
#[test]
fn send_vs_registered_changed_async() {
    model(|| {
        let (tx, mut rx) = watch::channel(pair(0));
        let mut a = Task::new();
        let mut fut = rx.changed_async();
        a.register(&mut fut);
        let sender = thread::spawn(sends(tx, 1));
        assert_eq!(a.woken_then_ready(&mut fut), Ok(()));
        drop(fut);
        assert_eq!(*rx.borrow(), pair(1));
        assert_eq!(rx.has_changed(), Ok(false));
        drop(sender.join().unwrap());
        a.assert_woken_once("A");
    });
}

/// A thread sends while the main thread waits for a value that only the
/// send makes (`wait_for`, or `wait_for_async` driven by task W, its first
/// poll racing the send): it returns that value, borrowed and marked
/// seen.
fn send_vs_wait_for(async_wait: bool) {
    model(move || {
        let (tx, mut rx) = watch::channel(pair(0));
        let sender = thread::spawn(sends(tx, 1));
        let mut w = async_wait.then(Task::new);
        {
            let pred = |value: &Pair| whole(*value) == 1;
            let got = match &mut w {
                None => rx.wait_for(pred),
                Some(w) => w.poll_until_woken_once(&mut rx.wait_for_async(pred)),
            };
            let value = got.expect("a sender is alive");
            assert_eq!(*value, pair(1));
            assert!(value.has_changed(), "the value found was unseen");
        }
        assert_eq!(rx.has_changed(), Ok(false));
        drop(sender.join().unwrap());
        if let Some(w) = &w {
            w.assert_done("W");
        }
    });
}

#[test]
fn send_vs_blocking_wait_for() {
    send_vs_wait_for(false);
}

#[test]
fn send_vs_wait_for_async() {
    send_vs_wait_for(true);
}

// ----- 2. the last sender's drop vs a wait -----

/// A thread drops the last sender (after a send if `send_first`) while
/// the main thread waits for changes until the end (blocking, or
/// `changed_async` futures driven by tasks A and B): without the send the
/// wait ends `Err`; with it, `Ok` (the sent value seen, even when the
/// wait finds the end made already) and then `Err`. (A wait may be woken
/// for nothing: one that registers after the send's change, having seen
/// it, and before the send's notification, is woken by that; it looks
/// again and waits on. So the tasks are driven as an executor would.)
fn sender_drop_vs_changed(send_first: bool, async_wait: bool) {
    model(move || {
        let (tx, mut rx) = watch::channel(pair(0));
        let mut a = async_wait.then(Task::new);
        let mut b = async_wait.then(Task::new);
        let sender = thread::spawn(move || {
            if send_first {
                tx.send(pair(1)).expect("a receiver is alive");
            }
            drop(tx);
        });
        let first = changed_with(&mut rx, a.as_mut());
        if send_first {
            assert_eq!(
                first,
                Ok(()),
                "the send came first, yet only the end was seen"
            );
            assert_eq!(*rx.borrow(), pair(1));
            assert_eq!(changed_with(&mut rx, b.as_mut()), Err(RecvError));
        } else {
            assert_eq!(first, Err(RecvError));
        }
        assert!(rx.is_closed());
        assert_eq!(rx.has_changed(), Err(RecvError));
        assert_eq!(*rx.borrow(), pair(u32::from(send_first)));
        sender.join().unwrap();
        for (task, name) in [(&a, "A"), (&b, "B")] {
            if let Some(task) = task {
                task.assert_done(name);
            }
        }
    });
}

#[test]
fn sender_drop_vs_blocking_changed() {
    sender_drop_vs_changed(false, false);
}

#[test]
fn sender_drop_vs_changed_async() {
    sender_drop_vs_changed(false, true);
}

#[test]
fn send_then_sender_drop_vs_blocking_changed() {
    sender_drop_vs_changed(true, false);
}

#[test]
fn send_then_sender_drop_vs_changed_async() {
    sender_drop_vs_changed(true, true);
}

/// Two threads each drop one of two senders while the main thread blocks
/// in `changed`: only the last drop ends the channel, and the wait sees
/// the end whichever drop that is.
#[test]
fn last_of_two_sender_drops_vs_blocking_changed() {
    model_bounded(THREE_WAY_PREEMPTIONS, || {
        let (tx, mut rx) = watch::channel(pair(0));
        let tx2 = tx.clone();
        let first = thread::spawn(move || drop(tx));
        let second = thread::spawn(move || drop(tx2));
        assert_eq!(rx.changed(), Err(RecvError));
        assert!(rx.is_closed());
        first.join().unwrap();
        second.join().unwrap();
        assert_eq!(*rx.borrow(), pair(0));
    });
}

// ----- 3. send_modify vs borrow_and_update -----

/// A thread modifies the value in place (both fields, a probe between
/// them) while the main thread borrows it and marks it seen: it sees the
/// old or the new value whole, and the borrow's `has_changed` says which.
/// After that, `has_changed` says the change is seen exactly when the
/// borrow saw it; once the sender is joined, it is unseen exactly when
/// the borrow saw the old value.
#[test]
fn send_modify_vs_borrow_and_update() {
    model(|| {
        let probe = Probe::new();
        let (tx, mut rx) = watch::channel(pair(0));
        let writer = probe.clone();
        let sender = thread::spawn(move || {
            tx.send_modify(|value| writer.bump(value));
            tx
        });
        let (seen, flagged) = {
            let value = rx.borrow_and_update();
            probe.touch();
            (whole(*value), value.has_changed())
        };
        assert!(seen <= 1, "one change, yet {seen} seen");
        assert_eq!(flagged, seen == 1, "has_changed() does not match the value");
        if seen == 1 {
            assert_eq!(rx.has_changed(), Ok(false), "the change seen is unseen");
        }
        let tx = sender.join().unwrap();
        assert_eq!(rx.has_changed(), Ok(seen == 0));
        {
            let value = rx.borrow_and_update();
            assert_eq!(*value, pair(1));
            assert_eq!(value.has_changed(), seen == 0);
        }
        assert_eq!(rx.has_changed(), Ok(false));
        drop(tx);
    });
}

// ----- 4. the last receiver's drop vs a sender's closed -----

/// A thread drops the last receiver while the main thread waits for that
/// (blocking `closed`, or a `closed_async` future driven by task W, its
/// first poll racing the drop, the only notification): the wait ends, the
/// channel is closed, and a send then hands its value back.
fn receiver_drop_vs_closed(async_wait: bool) {
    model(move || {
        let (tx, rx) = watch::channel(pair(0));
        let mut w = async_wait.then(Task::new);
        let receiver = thread::spawn(move || drop(rx));
        match &mut w {
            None => tx.closed(),
            Some(w) => w.poll_until_woken_once(&mut tx.closed_async()),
        }
        assert!(tx.is_closed());
        assert_eq!(tx.receiver_count(), 0);
        assert_eq!(tx.send(pair(1)), Err(SendError(pair(1))));
        assert_eq!(*tx.borrow(), pair(0));
        receiver.join().unwrap();
        if let Some(w) = &w {
            w.assert_done("W");
        }
    });
}

#[test]
fn receiver_drop_vs_blocking_closed() {
    receiver_drop_vs_closed(false);
}

#[test]
fn receiver_drop_vs_closed_async() {
    receiver_drop_vs_closed(true);
}

/// A `closed_async` future is pending (task W) before a thread drops the
/// last receiver: W is woken exactly once.
#[test]
fn receiver_drop_vs_registered_closed_async() {
    model(|| {
        let (tx, rx) = watch::channel(pair(0));
        let mut w = Task::new();
        let mut fut = tx.closed_async();
        w.register(&mut fut);
        let receiver = thread::spawn(move || drop(rx));
        w.woken_then_ready(&mut fut);
        drop(fut);
        assert!(tx.is_closed());
        receiver.join().unwrap();
        w.assert_woken_once("W");
    });
}

// ----- 5. one send vs two waiting receivers -----

/// Two receivers wait for a change, one blocked in `changed` on a thread
/// of its own, one a `changed_async` future (pending with task A before
/// anything starts) on the main thread, while a third thread sends: both
/// are woken, and both find the sent value.
#[test]
fn send_vs_blocking_and_async_receivers() {
    model_bounded(THREE_WAY_PREEMPTIONS, || {
        let (tx, rx) = watch::channel(pair(0));
        let mut rx2 = rx.clone();
        let mut a = Task::new();
        let mut fut = rx2.changed_async();
        a.register(&mut fut);
        let blocked = thread::spawn(move || {
            let mut rx = rx;
            rx.changed().expect("a sender is alive");
            let value = *rx.borrow();
            (value, rx)
        });
        let sender = thread::spawn(sends(tx, 1));
        assert_eq!(a.woken_then_ready(&mut fut), Ok(()));
        drop(fut);
        assert_eq!(*rx2.borrow(), pair(1));
        let (value, rx) = blocked.join().unwrap();
        assert_eq!(value, pair(1), "woken, yet the send is not seen");
        assert_eq!(rx.has_changed(), Ok(false));
        assert_eq!(rx2.has_changed(), Ok(false));
        drop(sender.join().unwrap());
        a.assert_woken_once("A");
    });
}

/// As above, with the future's first poll (the one that registers it)
/// racing the send too, so both receivers race it: the send is the only
/// notification, so a future woken must then be ready.
#[test]
fn send_vs_blocking_and_racing_async_receivers() {
    model_bounded(THREE_WAY_PREEMPTIONS, || {
        let (tx, rx) = watch::channel(pair(0));
        let mut rx2 = rx.clone();
        let blocked = thread::spawn(move || {
            let mut rx = rx;
            rx.changed().expect("a sender is alive");
            let value = *rx.borrow();
            (value, rx)
        });
        let sender = thread::spawn(sends(tx, 1));
        let mut a = Task::new();
        assert_eq!(a.poll_until_woken_once(&mut rx2.changed_async()), Ok(()));
        assert_eq!(*rx2.borrow(), pair(1));
        let (value, rx) = blocked.join().unwrap();
        assert_eq!(value, pair(1), "woken, yet the send is not seen");
        assert_eq!(rx.has_changed(), Ok(false));
        assert_eq!(rx2.has_changed(), Ok(false));
        drop(sender.join().unwrap());
        a.assert_done("A");
    });
}

/// The two-thread counterpart: two `changed_async` futures of two
/// receivers, pending with tasks A and B, and a thread that sends: both
/// are woken once, and each future is then ready.
#[test]
fn send_vs_two_registered_changed_async() {
    model(|| {
        let (tx, mut rx) = watch::channel(pair(0));
        let mut rx2 = rx.clone();
        let (mut a, mut b) = (Task::new(), Task::new());
        let mut fut_a = rx.changed_async();
        let mut fut_b = rx2.changed_async();
        a.register(&mut fut_a);
        b.register(&mut fut_b);
        let sender = thread::spawn(sends(tx, 1));
        assert_eq!(a.woken_then_ready(&mut fut_a), Ok(()));
        assert_eq!(b.woken_then_ready(&mut fut_b), Ok(()));
        drop((fut_a, fut_b));
        assert_eq!(*rx.borrow(), pair(1));
        drop(sender.join().unwrap());
        a.assert_woken_once("A");
        b.assert_woken_once("B");
    });
}

// ----- 6. a cancelled wait vs a send -----

/// A `changed_async` future, pending with task A, is dropped while a
/// thread sends: A is woken at most once and its waker not kept, and the
/// change is not lost (the value is unseen: the future was dropped before
/// it returned). Then a second wait (task B, pending before a second send
/// starts) is woken by that send: the cancelled wait left nothing in the
/// way.
#[test]
fn cancelled_changed_async_vs_send() {
    model(|| {
        let (tx, mut rx) = watch::channel(pair(0));
        let mut a = Task::new();
        let mut fut = rx.changed_async();
        a.register(&mut fut);
        let sender = thread::spawn(sends(tx, 1));
        drop(fut);
        let tx = sender.join().unwrap();
        a.assert_done("A");
        assert_eq!(
            rx.has_changed(),
            Ok(true),
            "a cancelled wait lost the change"
        );
        assert_eq!(*rx.borrow_and_update(), pair(1));

        let mut b = Task::new();
        let mut fut = rx.changed_async();
        b.register(&mut fut);
        let sender = thread::spawn(sends(tx, 2));
        assert_eq!(b.woken_then_ready(&mut fut), Ok(()));
        drop(fut);
        assert_eq!(*rx.borrow(), pair(2));
        drop(sender.join().unwrap());
        b.assert_woken_once("B");
        a.assert_done("A");
    });
}

/// A zero `changed_timeout` on a thread of its own (polled once under
/// loom, then withdrawn: the blocking form of a cancelled wait) races a
/// send: it ends `Ok`, or times out and a blocking `changed` after it ends
/// `Ok`; either way the sent value is seen. The main thread only joins.
#[test]
fn changed_timeout_vs_send_then_changed() {
    model(|| {
        let (tx, mut rx) = watch::channel(pair(0));
        let sender = thread::spawn(sends(tx, 1));
        let receiver = thread::spawn(move || {
            match rx.changed_timeout(Duration::ZERO) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => {
                    rx.changed().expect("a sender is alive");
                }
                Err(RecvTimeoutError::Disconnected) => panic!("a sender is alive"),
            }
            assert_eq!(*rx.borrow(), pair(1));
            assert_eq!(rx.has_changed(), Ok(false));
            rx
        });
        let rx = receiver.join().unwrap();
        let tx = sender.join().unwrap();
        drop((tx, rx));
    });
}

// ----- 7. the value's lock: two writers and a reader -----

/// Two threads each make one change in place (`send_modify` through two
/// senders, a probe between the halves), while the main thread borrows
/// the value, looks at it twice with a probe between, and marks it seen:
/// both looks find the same value, whole (no writer gets in while the
/// borrow lives, nor the reader while a writer writes), with as many
/// changes as the borrow's `has_changed` implies; neither increment is
/// lost.
#[test]
fn value_lock_two_writers_and_a_reader() {
    model_bounded(THREE_WAY_PREEMPTIONS, || {
        let probe = Probe::new();
        let (tx, mut rx) = watch::channel(pair(0));
        let tx2 = tx.clone();
        let (p1, p2) = (probe.clone(), probe.clone());
        let first = thread::spawn(move || tx.send_modify(|value| p1.bump(value)));
        let second = thread::spawn(move || tx2.send_modify(|value| p2.bump(value)));
        let (seen, flagged) = {
            let value = rx.borrow_and_update();
            let before = *value;
            probe.touch();
            assert_eq!(*value, before, "the value changed under a borrow");
            (whole(before), value.has_changed())
        };
        assert!(seen <= 2, "two changes, yet {seen} seen");
        assert_eq!(flagged, seen > 0, "has_changed() does not match the value");
        first.join().unwrap();
        second.join().unwrap();
        let value = rx.borrow_and_update();
        assert_eq!(*value, pair(2), "an increment was lost");
        assert_eq!(value.has_changed(), seen < 2);
    });
}

/// A two-thread counterpart under the full bound: a thread makes one
/// change in place while the main thread makes one too and then borrows
/// the value: neither increment is lost, and no look is torn.
#[test]
fn value_lock_writer_vs_writer_then_reader() {
    model(|| {
        let probe = Probe::new();
        let (tx, rx) = watch::channel(pair(0));
        let tx2 = tx.clone();
        let writer = probe.clone();
        let other = thread::spawn(move || tx2.send_modify(|value| writer.bump(value)));
        tx.send_modify(|value| probe.bump(value));
        let seen = {
            let value = rx.borrow();
            probe.touch();
            whole(*value)
        };
        assert!((1..=2).contains(&seen), "{seen} changes seen after one");
        other.join().unwrap();
        assert_eq!(whole(*rx.borrow()), 2, "an increment was lost");
    });
}

/// The other two-thread counterpart: a thread makes one change in place
/// while the main thread holds a borrow across a probe: both looks of the
/// borrow find the same whole value, and the change is made once the
/// borrow is gone.
#[test]
fn value_lock_writer_vs_reader() {
    model(|| {
        let probe = Probe::new();
        let (tx, rx) = watch::channel(pair(0));
        let writer = probe.clone();
        let sender = thread::spawn(move || {
            tx.send_modify(|value| writer.bump(value));
            tx
        });
        let seen = {
            let value = rx.borrow();
            let before = *value;
            probe.touch();
            assert_eq!(*value, before, "the value changed under a borrow");
            whole(before)
        };
        assert!(seen <= 1);
        let tx = sender.join().unwrap();
        assert_eq!(*rx.borrow(), pair(1));
        drop(tx);
    });
}

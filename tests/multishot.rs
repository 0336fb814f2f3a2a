//! Integration tests of `tidings::multishot`, the reusable oneshot: every
//! ordering of send, poll and drop within a round, many rounds on one
//! allocation with recycled senders, blocking and async under every
//! executor, and cancellation of the receive future.

mod common;

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::{iters, on_every_executor, pause, Counted, DropCounter, WakeCounter, EXECUTORS};
use tidings::multishot::{self, Receiver, RecvFuture, Sender};
use tidings::{RecvError, RecvTimeoutError, SendError, TryRecvError};

/// Polls `fut` once with `waker`.
fn poll_with<T>(fut: &mut RecvFuture<'_, T>, waker: &Waker) -> Poll<Result<T, RecvError>> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// The value of a received message, for comparisons.
fn value<E>(got: Result<Counted, E>) -> Result<u64, E> {
    got.map(|m| m.value)
}

/// A future that is pending once (waking itself), then ready.
#[derive(Default)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

// ----- one round: every ordering of send, receive and drop -----

#[test]
fn send_then_try_recv_then_recycle() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    assert!(rx.sender().is_none(), "the first sender is alive");
    tx.send(drops.msg(1)).unwrap();
    assert!(rx.sender().is_none(), "its message waits");
    assert_eq!(drops.drops(), 0);
    assert_eq!(value(rx.try_recv()), Ok(1));
    assert_eq!(drops.drops(), 1);
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
    let tx = rx.sender().expect("the round is over");
    assert!(rx.sender().is_none(), "the recycled sender is alive");
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    tx.send(drops.msg(2)).unwrap();
    assert_eq!(value(rx.try_recv()), Ok(2));
    drop(rx);
    assert_eq!(drops.drops(), 2);
}

#[test]
fn try_recv_before_send_is_empty() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    tx.send(drops.msg(3)).unwrap();
    assert_eq!(value(rx.try_recv()), Ok(3));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn send_then_blocking_recv() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    tx.send(drops.msg(4)).unwrap();
    assert_eq!(value(rx.recv()), Ok(4));
    assert_eq!(drops.drops(), 1);
    // The round's message was received: the round is disconnected.
    assert_eq!(value(rx.recv()), Err(RecvError));
    assert_eq!(
        value(rx.recv_timeout(Duration::from_secs(10))),
        Err(RecvTimeoutError::Disconnected)
    );
}

#[test]
fn sender_dropped_ends_the_round() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel::<Counted>();
    drop(tx);
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
    assert_eq!(
        value(rx.recv_timeout(Duration::from_secs(10))),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(
        value(rx.recv_deadline(Instant::now() + Duration::from_secs(10))),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(value(rx.recv()), Err(RecvError));
    assert_eq!(
        value(futures::executor::block_on(rx.recv_async())),
        Err(RecvError)
    );
    let tx = rx.sender().expect("a dropped sender ends the round");
    assert!(!tx.is_closed());
    tx.send(drops.msg(5)).unwrap();
    assert_eq!(value(rx.recv()), Ok(5));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn receiver_dropped_before_send_returns_message() {
    let drops = DropCounter::new();
    let (tx, rx) = multishot::channel();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    let SendError(msg) = tx.send(drops.msg(6)).unwrap_err();
    assert_eq!(msg.value, 6);
    assert_eq!(drops.drops(), 0, "the message came back, not dropped");
    drop(msg);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn receiver_dropped_with_a_recycled_sender_alive() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    tx.send(drops.msg(7)).unwrap();
    assert_eq!(value(rx.recv()), Ok(7));
    let tx = rx.sender().unwrap();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    let SendError(msg) = tx.send(drops.msg(8)).unwrap_err();
    assert_eq!(msg.value, 8);
    assert_eq!(drops.drops(), 1);
    drop(msg);
    assert_eq!(drops.drops(), 2);
}

#[test]
fn receiver_dropped_with_a_message_waiting_drops_it_at_once() {
    let drops = DropCounter::new();
    let (tx, rx) = multishot::channel();
    tx.send(drops.msg(9)).unwrap();
    assert_eq!(drops.drops(), 0);
    drop(rx);
    assert_eq!(drops.drops(), 1);

    // The same in a later round.
    let (tx, mut rx) = multishot::channel();
    tx.send(drops.msg(10)).unwrap();
    assert_eq!(value(rx.try_recv()), Ok(10));
    let tx = rx.sender().unwrap();
    tx.send(drops.msg(11)).unwrap();
    assert_eq!(drops.drops(), 2);
    drop(rx);
    assert_eq!(drops.drops(), 3);
}

#[test]
fn both_dropped_without_message_in_either_order() {
    let (tx, rx) = multishot::channel::<Counted>();
    drop(rx);
    drop(tx);
    let (tx, rx) = multishot::channel::<Counted>();
    drop(tx);
    drop(rx);
    let (tx, mut rx) = multishot::channel::<Counted>();
    drop(tx);
    let tx = rx.sender().unwrap();
    drop(rx);
    drop(tx);
    let (tx, mut rx) = multishot::channel::<Counted>();
    drop(tx);
    let tx = rx.sender().unwrap();
    drop(tx);
    drop(rx);
}

#[test]
fn sender_is_recycled_only_once_the_round_is_over() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();

    // Alive and unsent: None, as often as asked.
    for _ in 0..3 {
        assert!(rx.sender().is_none());
    }
    // Sent, not received: None; the message is untouched.
    tx.send(drops.msg(12)).unwrap();
    for _ in 0..3 {
        assert!(rx.sender().is_none());
    }
    assert_eq!(drops.drops(), 0);
    assert_eq!(value(rx.try_recv()), Ok(12));
    // Received: Some, once.
    let tx = rx.sender().expect("received");
    assert!(rx.sender().is_none());
    // Dropped unsent: Some, once.
    drop(tx);
    let tx = rx.sender().expect("dropped");
    assert!(rx.sender().is_none());
    // Sent from another thread, received by blocking: Some.
    thread::scope(|s| {
        let msg = drops.msg(13);
        s.spawn(move || tx.send(msg).is_ok());
        assert_eq!(value(rx.recv()), Ok(13));
    });
    assert!(rx.sender().is_some());
    assert_eq!(drops.drops(), 2);
}

#[test]
fn sender_dropped_on_another_thread_ends_the_round() {
    let (tx, mut rx) = multishot::channel::<Counted>();
    thread::scope(|s| {
        s.spawn(move || {
            pause();
            drop(tx);
        });
        assert_eq!(value(rx.recv()), Err(RecvError));
    });
    assert!(rx.sender().is_some());
}

// ----- manual polling of the receive future -----

#[test]
fn send_before_first_poll() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel();
    tx.send(drops.msg(20)).unwrap();
    let mut fut = rx.recv_async();
    assert_eq!(poll_with(&mut fut, &waker).map(value), Poll::Ready(Ok(20)));
    // Polled again after completion: the round is disconnected.
    assert_eq!(
        poll_with(&mut fut, &waker).map(value),
        Poll::Ready(Err(RecvError))
    );
    drop(fut);
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 1);
    assert!(rx.sender().is_some());
}

#[test]
fn send_after_first_poll_wakes_once() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert_eq!(counter.wakes(), 0);
    tx.send(drops.msg(21)).unwrap();
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker).map(value), Poll::Ready(Ok(21)));
    drop(fut);
    assert_eq!(counter.wakes(), 1);
    assert_eq!(drops.drops(), 1);
    assert_eq!(Arc::strong_count(&counter), 2, "the waker leaked");
}

#[test]
fn sender_dropped_before_first_poll() {
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel::<u8>();
    drop(tx);
    let mut fut = rx.recv_async();
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Err(RecvError)));
    assert_eq!(counter.wakes(), 0);
}

#[test]
fn sender_dropped_after_first_poll_wakes() {
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel::<u8>();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(tx);
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Err(RecvError)));
    drop(fut);
    assert_eq!(Arc::strong_count(&counter), 2);
}

#[test]
fn receiver_dropped_after_poll_then_send_returns_message() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(fut);
    drop(rx);
    assert_eq!(Arc::strong_count(&counter), 2, "the waker was released");
    let SendError(msg) = tx.send(drops.msg(22)).unwrap_err();
    assert_eq!(msg.value, 22);
    assert_eq!(counter.wakes(), 0);
    drop(msg);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn cancelled_future_loses_nothing_and_releases_its_waker() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert_eq!(Arc::strong_count(&counter), 3, "one clone registered");
    drop(fut);
    assert_eq!(Arc::strong_count(&counter), 2, "withdrawn with the future");
    tx.send(drops.msg(23)).unwrap();
    assert_eq!(counter.wakes(), 0, "a withdrawn waker is not woken");
    assert_eq!(drops.drops(), 0);

    // A new receive finds the message.
    let (counter2, waker2) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert_eq!(poll_with(&mut fut, &waker2).map(value), Poll::Ready(Ok(23)));
    drop(fut);
    assert_eq!(drops.drops(), 1);
    assert_eq!(counter2.wakes(), 0);

    // The same with the blocking receive after a cancel, in a later round.
    let tx = rx.sender().unwrap();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(fut);
    assert_eq!(Arc::strong_count(&counter), 2);
    thread::scope(|s| {
        let msg = drops.msg(24);
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(value(rx.recv()), Ok(24));
    });
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 2);
}

#[test]
fn cancelled_future_then_sender_dropped() {
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel::<Counted>();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(fut);
    drop(tx);
    assert_eq!(counter.wakes(), 0);
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
    assert!(rx.sender().is_some());
    assert_eq!(Arc::strong_count(&counter), 2);
}

#[test]
fn unpolled_future_dropped_changes_nothing() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    drop(rx.recv_async());
    tx.send(drops.msg(25)).unwrap();
    drop(rx.recv_async());
    assert_eq!(drops.drops(), 0, "a dropped future takes nothing");
    assert_eq!(value(rx.try_recv()), Ok(25));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn new_waker_replaces_old_and_is_the_one_woken() {
    let (old_counter, old_waker) = WakeCounter::new();
    let (new_counter, new_waker) = WakeCounter::new();
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &old_waker).is_pending());
    assert!(poll_with(&mut fut, &new_waker).is_pending());
    assert_eq!(Arc::strong_count(&old_counter), 2);
    tx.send(drops.msg(26)).unwrap();
    assert_eq!(old_counter.wakes(), 0);
    assert_eq!(new_counter.wakes(), 1);
    assert_eq!(
        poll_with(&mut fut, &new_waker).map(value),
        Poll::Ready(Ok(26))
    );
    drop(fut);

    // Across futures: the second future's waker is the one woken.
    let tx = rx.sender().unwrap();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &old_waker).is_pending());
    drop(fut);
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &new_waker).is_pending());
    tx.send(drops.msg(27)).unwrap();
    assert_eq!(old_counter.wakes(), 0);
    assert_eq!(new_counter.wakes(), 2);
    assert_eq!(
        poll_with(&mut fut, &new_waker).map(value),
        Poll::Ready(Ok(27))
    );
    drop(fut);
    assert_eq!(drops.drops(), 2);
    assert_eq!(Arc::strong_count(&old_counter), 2);
    assert_eq!(Arc::strong_count(&new_counter), 2);
}

#[test]
fn same_waker_is_cloned_at_most_once() {
    let (counter, waker) = WakeCounter::new();
    let (_tx, mut rx) = multishot::channel::<u8>();
    let mut fut = rx.recv_async();
    for _ in 0..5 {
        assert!(poll_with(&mut fut, &waker).is_pending());
    }
    assert_eq!(Arc::strong_count(&counter), 3);
    drop(fut);
    assert_eq!(Arc::strong_count(&counter), 2);
    drop(rx);
}

#[test]
fn poll_then_timeout_then_await_on_one_receiver() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(fut);
    assert_eq!(
        value(rx.recv_timeout(Duration::from_millis(1))),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    thread::scope(|s| {
        let msg = drops.msg(28);
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(value(futures::executor::block_on(rx.recv_async())), Ok(28));
    });
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn cancel_races_with_a_send_on_another_thread() {
    let (tx, mut rx) = multishot::channel();
    let mut tx = Some(tx);
    for round in 0..iters(200) as u64 {
        let drops = DropCounter::new();
        let (counter, waker) = WakeCounter::new();
        let this_tx = tx.take().unwrap_or_else(|| rx.sender().unwrap());
        let mut fut = rx.recv_async();
        assert!(poll_with(&mut fut, &waker).is_pending());
        let msg = drops.msg(round);
        thread::scope(|s| {
            s.spawn(move || this_tx.send(msg).is_ok());
            drop(fut);
        });
        // Whichever won, the message is in the channel now.
        assert_eq!(value(rx.recv()), Ok(round));
        assert_eq!(drops.drops(), 1);
        assert!(counter.wakes() <= 1);
        assert_eq!(Arc::strong_count(&counter), 2, "the waker leaked");
    }
}

// ----- blocking -----

#[test]
fn send_from_thread_while_receiver_blocks() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut tx = Some(tx);
    let rounds = iters(100) as u64;
    for round in 0..rounds {
        let this_tx = tx.take().unwrap_or_else(|| rx.sender().unwrap());
        let msg = drops.msg(round);
        thread::scope(|s| {
            s.spawn(move || {
                if round % 4 == 0 {
                    pause();
                }
                this_tx.send(msg).is_ok()
            });
            assert_eq!(value(rx.recv()), Ok(round));
        });
    }
    assert_eq!(drops.drops(), rounds as usize);
}

#[test]
fn recv_timeout_expires_then_receives() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    assert_eq!(
        value(rx.recv_timeout(timeout)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(start.elapsed() >= timeout, "timed out early");
    tx.send(drops.msg(30)).unwrap();
    assert_eq!(value(rx.recv_timeout(timeout)), Ok(30));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn recv_deadline_expires_then_receives() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let deadline = Instant::now() + Duration::from_millis(20);
    assert_eq!(
        value(rx.recv_deadline(deadline)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(Instant::now() >= deadline, "timed out early");
    thread::scope(|s| {
        let msg = drops.msg(31);
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(value(rx.recv_deadline(far)), Ok(31));
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn recv_timeout_that_does_not_expire() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    thread::scope(|s| {
        let msg = drops.msg(32);
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(value(rx.recv_timeout(Duration::from_secs(60))), Ok(32));
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn zero_timeout_and_past_deadline_take_a_ready_message() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    assert_eq!(
        value(rx.recv_timeout(Duration::ZERO)),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(drops.msg(33)).unwrap();
    assert_eq!(value(rx.recv_timeout(Duration::ZERO)), Ok(33));

    let tx = rx.sender().unwrap();
    let past = Instant::now() - Duration::from_millis(5);
    assert_eq!(
        value(rx.recv_deadline(past)),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(drops.msg(34)).unwrap();
    assert_eq!(value(rx.recv_deadline(past)), Ok(34));
    assert_eq!(drops.drops(), 2);
}

#[test]
fn huge_timeout_and_far_deadline_wait_without_panicking() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    thread::scope(|s| {
        let msg = drops.msg(35);
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(value(rx.recv_timeout(Duration::MAX)), Ok(35));
    });

    let tx = rx.sender().unwrap();
    let far = Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 100);
    thread::scope(|s| {
        let msg = drops.msg(36);
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(value(rx.recv_deadline(far)), Ok(36));
    });

    let tx = rx.sender().unwrap();
    thread::scope(|s| {
        s.spawn(move || {
            pause();
            drop(tx);
        });
        assert_eq!(
            value(rx.recv_timeout(Duration::MAX)),
            Err(RecvTimeoutError::Disconnected)
        );
    });
    assert_eq!(drops.drops(), 2);
}

// ----- many rounds -----

#[test]
fn many_rounds_on_one_thread() {
    // Outcomes in turn: received by try_recv, by recv, by recv_async, the
    // sender dropped unsent, received after a timeout.
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut tx = Some(tx);
    let rounds = iters(500) as u64;
    let mut sent = 0;
    for round in 0..rounds {
        let this_tx = tx.take().unwrap_or_else(|| rx.sender().expect("over"));
        assert!(rx.sender().is_none());
        match round % 5 {
            0 => {
                this_tx.send(drops.msg(round)).unwrap();
                assert_eq!(value(rx.try_recv()), Ok(round));
            }
            1 => {
                this_tx.send(drops.msg(round)).unwrap();
                assert_eq!(value(rx.recv()), Ok(round));
            }
            2 => {
                this_tx.send(drops.msg(round)).unwrap();
                let got = futures::executor::block_on(rx.recv_async());
                assert_eq!(value(got), Ok(round));
            }
            3 => {
                drop(this_tx);
                assert_eq!(value(rx.recv()), Err(RecvError));
                continue;
            }
            _ => {
                assert_eq!(
                    value(rx.recv_timeout(Duration::ZERO)),
                    Err(RecvTimeoutError::Timeout)
                );
                this_tx.send(drops.msg(round)).unwrap();
                assert_eq!(value(rx.recv_timeout(Duration::ZERO)), Ok(round));
            }
        }
        sent += 1;
        assert_eq!(drops.drops(), sent);
    }
    drop(rx);
    assert_eq!(drops.drops(), sent);
}

#[test]
fn rounds_with_the_sender_on_a_worker_thread() {
    let drops = DropCounter::new();
    let rounds = iters(300) as u64;
    let (work_tx, work_rx) = mpsc::channel::<(u64, Sender<Counted>)>();
    let d = drops.clone();
    let worker = thread::spawn(move || {
        for (round, tx) in work_rx {
            if round % 7 == 6 {
                drop(tx);
            } else {
                assert!(tx.send(d.msg(round)).is_ok());
            }
        }
    });
    let (tx, mut rx) = multishot::channel();
    let mut tx = Some(tx);
    let mut sum = 0;
    let mut sent = 0;
    for round in 0..rounds {
        let this_tx = tx.take().unwrap_or_else(|| rx.sender().expect("over"));
        work_tx.send((round, this_tx)).unwrap();
        if round % 7 == 6 {
            assert_eq!(value(rx.recv()), Err(RecvError));
        } else {
            sum += rx.recv().unwrap().value;
            sent += 1;
        }
    }
    drop(work_tx);
    worker.join().unwrap();
    let expected: u64 = (0..rounds).filter(|r| r % 7 != 6).sum();
    assert_eq!(sum, expected);
    assert_eq!(drops.drops(), sent);
}

#[test]
fn rounds_with_the_sender_in_the_same_task() {
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let (tx, mut rx) = multishot::channel();
        let mut tx = Some(tx);
        let rounds = iters(100) as u64;
        for round in 0..rounds {
            let this_tx = tx.take().unwrap_or_else(|| rx.sender().expect("over"));
            let msg = drops.msg(round);
            let sender = async move {
                YieldOnce::default().await;
                this_tx.send(msg).is_ok()
            };
            let (sent, got) = futures::join!(sender, rx.recv_async());
            assert!(sent);
            assert_eq!(value(got), Ok(round), "under {executor:?}");
        }
        assert_eq!(drops.drops(), rounds as usize);
    });
}

#[test]
fn rounds_from_a_thread_to_a_task() {
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let (tx, mut rx) = multishot::channel();
        let mut tx = Some(tx);
        for round in 0..iters(100) as u64 {
            let this_tx = tx.take().unwrap_or_else(|| rx.sender().expect("over"));
            let msg = drops.msg(round);
            let sender = thread::spawn(move || {
                if round % 10 == 0 {
                    pause();
                }
                this_tx.send(msg).is_ok()
            });
            assert_eq!(
                value(rx.recv_async().await),
                Ok(round),
                "under {executor:?}"
            );
            assert!(sender.join().unwrap());
        }
        assert_eq!(drops.drops(), iters(100));
    });
}

#[test]
fn rounds_from_a_task_to_a_blocked_thread() {
    for executor in EXECUTORS {
        let drops = DropCounter::new();
        let rounds = 3;
        let (hand_tx, hand_rx) = mpsc::channel::<Sender<Counted>>();
        thread::scope(|s| {
            let (tx, mut rx) = multishot::channel();
            let receiver = s.spawn(move || {
                let mut got = Vec::new();
                hand_tx.send(tx).unwrap();
                got.push(value(rx.recv()));
                for _ in 1..rounds {
                    hand_tx.send(rx.sender().unwrap()).unwrap();
                    got.push(value(rx.recv()));
                }
                got
            });
            for round in 0..rounds {
                let tx = hand_rx.recv().unwrap();
                let msg = drops.msg(round);
                let sent = executor.run(async move {
                    pause();
                    tx.send(msg).is_ok()
                });
                assert!(sent);
            }
            assert_eq!(receiver.join().unwrap(), vec![Ok(0), Ok(1), Ok(2)]);
        });
        assert_eq!(drops.drops(), 3, "under {executor:?}");
    }
}

// ----- async, under every executor -----

#[test]
fn sender_dropped_while_task_waits() {
    on_every_executor(|executor| async move {
        let (tx, mut rx) = multishot::channel::<Counted>();
        let dropper = thread::spawn(move || {
            pause();
            drop(tx);
        });
        assert_eq!(
            value(rx.recv_async().await),
            Err(RecvError),
            "under {executor:?}"
        );
        dropper.join().unwrap();
        assert!(rx.sender().is_some());
    });
}

#[test]
fn cancelled_recv_async_under_every_executor() {
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let (tx, mut rx) = multishot::channel();
        // Polled once, pending, dropped: its registration is withdrawn.
        assert!(futures::poll!(rx.recv_async()).is_pending());
        let msg = drops.msg(40);
        let sender = thread::spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(value(rx.recv_async().await), Ok(40), "under {executor:?}");
        assert!(sender.join().unwrap());
        assert_eq!(drops.drops(), 1);

        // A message that arrives after the cancel waits for the next receive.
        let tx = rx.sender().unwrap();
        assert!(futures::poll!(rx.recv_async()).is_pending());
        tx.send(drops.msg(41)).unwrap();
        assert_eq!(drops.drops(), 1);
        assert_eq!(value(rx.try_recv()), Ok(41));
        assert_eq!(drops.drops(), 2);
    });
}

#[test]
fn recv_async_left_behind_in_a_select_loses_nothing() {
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let (tx, mut rx) = multishot::channel();
        let (other_tx, mut other_rx) = multishot::channel();
        other_tx.send(drops.msg(1)).unwrap();
        {
            let first = futures::future::select(rx.recv_async(), other_rx.recv_async()).await;
            match first {
                futures::future::Either::Right((Ok(msg), _)) => assert_eq!(msg.value, 1),
                _ => panic!("only the other channel had a message"),
            }
        }
        assert_eq!(drops.drops(), 1);
        assert!(tx.send(drops.msg(42)).is_ok());
        assert_eq!(drops.drops(), 1);
        assert_eq!(value(rx.recv_async().await), Ok(42), "under {executor:?}");
        assert_eq!(drops.drops(), 2);
    });
}

#[test]
fn tokio_select_cancels_and_reuses_the_receiver() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let drops = DropCounter::new();
        let (tx, mut rx) = multishot::channel();
        let mut tx = Some(tx);
        for round in 0..3 {
            let this_tx = tx.take().unwrap_or_else(|| rx.sender().unwrap());
            let (go_tx, go_rx) = tidings::oneshot::channel::<()>();
            go_tx.send(()).unwrap();
            tokio::select! {
                biased;
                _ = go_rx => {}
                _ = rx.recv_async() => panic!("nothing was sent"),
            }
            let msg = drops.msg(round);
            let sender = tokio::spawn(async move { this_tx.send(msg).is_ok() });
            assert_eq!(value(rx.recv_async().await), Ok(round));
            assert!(sender.await.unwrap());
        }
        assert_eq!(drops.drops(), 3);
    });
}

#[test]
fn receiver_moved_to_another_task_between_rounds() {
    for executor in EXECUTORS {
        let drops = DropCounter::new();
        let (tx, mut rx) = multishot::channel();
        let msg = drops.msg(43);
        // First task: receive one round, recycle, hand both on.
        let (rx, tx) = executor.run(async move {
            tx.send(msg).map_err(|_| "gone").unwrap();
            assert_eq!(value(rx.recv_async().await), Ok(43));
            let tx = rx.sender().unwrap();
            (rx, tx)
        });
        let msg = drops.msg(44);
        let sender = thread::spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        let mut rx: Receiver<Counted> = rx;
        let got = executor.run(async move { value(rx.recv_async().await) });
        assert_eq!(got, Ok(44), "under {executor:?}");
        assert!(sender.join().unwrap());
        assert_eq!(drops.drops(), 2);
    }
}

// ----- types -----

#[test]
fn zero_sized_messages() {
    let (tx, mut rx) = multishot::channel::<()>();
    tx.send(()).unwrap();
    assert_eq!(rx.recv(), Ok(()));
    for _ in 0..3 {
        let tx = rx.sender().unwrap();
        thread::scope(|s| {
            s.spawn(move || tx.send(()).is_ok());
            assert_eq!(rx.recv(), Ok(()));
        });
    }

    static ZST_DROPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    struct CountedZst;
    impl Drop for CountedZst {
        fn drop(&mut self) {
            ZST_DROPS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let (tx, mut rx) = multishot::channel();
    tx.send(CountedZst).map_err(|_| "gone").unwrap();
    assert!(rx.try_recv().is_ok());
    assert_eq!(ZST_DROPS.load(std::sync::atomic::Ordering::SeqCst), 1);
    rx.sender()
        .unwrap()
        .send(CountedZst)
        .map_err(|_| "gone")
        .unwrap();
    drop(rx);
    assert_eq!(ZST_DROPS.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn halves_and_future_are_debug() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    assert_eq!(format!("{tx:?}"), "Sender { is_closed: false }");
    assert_eq!(
        format!("{rx:?}"),
        "Receiver { has_message: false, is_closed: false }"
    );
    tx.send(drops.msg(1)).unwrap();
    assert_eq!(
        format!("{rx:?}"),
        "Receiver { has_message: true, is_closed: false }"
    );
    assert_eq!(format!("{:?}", rx.recv_async()), "RecvFuture { .. }");
    assert_eq!(value(rx.try_recv()), Ok(1));
    assert_eq!(drops.drops(), 1);
    assert_eq!(
        format!("{rx:?}"),
        "Receiver { has_message: false, is_closed: true }"
    );
    let tx = rx.sender().unwrap();
    assert_eq!(
        format!("{rx:?}"),
        "Receiver { has_message: false, is_closed: false }"
    );
    drop(rx);
    assert_eq!(format!("{tx:?}"), "Sender { is_closed: true }");
}

#[test]
fn message_type_need_not_be_debug_or_sync() {
    struct NotDebug(std::cell::Cell<u8>, #[allow(dead_code)] Counted);
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let msg = NotDebug(std::cell::Cell::new(3), drops.msg(3));
    assert!(thread::spawn(move || tx.send(msg).is_ok()).join().unwrap());
    assert_eq!(rx.recv().map(|m| m.0.get()).ok(), Some(3));
    assert_eq!(drops.drops(), 1);
}

/// Fails to compile if `$ty` implements `$trait` (two blanket impls make
/// the item ambiguous exactly when it does).
macro_rules! assert_not_impl {
    ($ty:ty: $trait:path) => {
        const _: fn() = || {
            trait AmbiguousIfImpl<A> {
                fn some_item() {}
            }
            impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
            impl<T: ?Sized + $trait> AmbiguousIfImpl<u8> for T {}
            let _ = <$ty as AmbiguousIfImpl<_>>::some_item;
        };
    };
}

assert_not_impl!(Receiver<u8>: Sync);
assert_not_impl!(Sender<std::rc::Rc<u8>>: Send);
assert_not_impl!(Receiver<std::rc::Rc<u8>>: Send);
assert_not_impl!(RecvFuture<'static, std::rc::Rc<u8>>: Send);

#[test]
fn handles_and_futures_are_send_and_unpin() {
    fn send_sync<T: Send + Sync>() {}
    fn send_unpin<T: Send + Unpin>() {}
    type NotSync = std::cell::Cell<u8>;
    send_sync::<Sender<NotSync>>();
    send_unpin::<Sender<NotSync>>();
    send_unpin::<Receiver<NotSync>>();
    send_unpin::<RecvFuture<'static, NotSync>>();
    fn future<F: Future<Output = Result<NotSync, RecvError>> + Send + Unpin>(_: F) {}
    let (_tx, mut rx) = multishot::channel::<NotSync>();
    future(rx.recv_async());
}

#[test]
fn send_and_receiver_drop_race() {
    for _ in 0..iters(200) {
        let drops = DropCounter::new();
        let (tx, mut rx) = multishot::channel();
        tx.send(drops.msg(50)).unwrap();
        assert_eq!(value(rx.try_recv()), Ok(50));
        let tx = rx.sender().unwrap();
        let msg = drops.msg(51);
        let t = thread::spawn(move || tx.send(msg).is_ok());
        drop(rx);
        t.join().unwrap();
        assert_eq!(drops.drops(), 2);
    }
}

#[test]
fn recycled_sender_and_receiver_dropped_at_once() {
    for _ in 0..iters(200) {
        let (tx, mut rx) = multishot::channel::<Box<u64>>();
        drop(tx);
        let tx = rx.sender().unwrap();
        let t = thread::spawn(move || drop(tx));
        drop(rx);
        t.join().unwrap();
    }
}

#[cfg(feature = "futures")]
#[test]
fn fused_future_reports_termination() {
    use futures::future::FusedFuture;
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    assert!(!rx.recv_async().is_terminated());
    tx.send(drops.msg(1)).unwrap();
    assert!(!rx.recv_async().is_terminated(), "a message is waiting");
    assert_eq!(value(futures::executor::block_on(rx.recv_async())), Ok(1));
    assert_eq!(drops.drops(), 1);
    assert!(rx.recv_async().is_terminated());
    let tx = rx.sender().unwrap();
    assert!(!rx.recv_async().is_terminated(), "a new round");
    drop(tx);
    assert!(rx.recv_async().is_terminated());
}

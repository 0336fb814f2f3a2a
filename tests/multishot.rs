//! Integration tests of `tidings::multishot`, the reusable oneshot: every
//! ordering of send, poll and drop within a round, many rounds on one
//! allocation with recycled senders, blocking and async under every
//! executor, and cancellation of the receive future. The bodies that the
//! other channel kinds run too are in `common::cases`; they take a borrowed
//! receiver (so the test can go on to the next round) or its `recv_async()`.

mod common;

use std::future::Future;
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use common::RoundEnd::{BlockOn, Recv, SenderDropped, TryRecv, ZeroTimeout};
use common::{
    after_pause, assert_not_impl, case_tests, cases, concurrently, iters, on_every_executor, pause,
    poll_with, receive_while_sent, value, Counted, CountedZst, DropCounter, WakeCounter, YieldOnce,
    EXECUTORS, ZST_DROPS,
};
use tidings::multishot::{self, Receiver, RecvFuture, Sender};
use tidings::{RecvError, RecvTimeoutError, TryRecvError};

/// Hands out the sender of each round in turn: the channel's first one,
/// then the recycled one, which is there because the last round is over.
fn senders<T>(first: Sender<T>) -> impl FnMut(&mut Receiver<T>) -> Sender<T> {
    let mut first = Some(first);
    move |rx| {
        first
            .take()
            .unwrap_or_else(|| rx.sender().expect("the last round is over"))
    }
}

/// Polls a new receive of `rx` once with `waker` (nothing was sent, so it
/// is pending and registers the waker), then drops it: a cancelled receive.
fn poll_once_then_cancel<T>(rx: &mut Receiver<T>, waker: &Waker) {
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, waker).is_pending());
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
    let (tx, mut rx) = multishot::channel();
    cases::try_recv_before_send_is_empty(&DropCounter::new(), (tx, &mut rx));
}

#[test]
fn send_then_blocking_recv() {
    let (tx, mut rx) = multishot::channel();
    cases::send_then_blocking_recv(&DropCounter::new(), (tx, &mut rx));
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
    let (tx, mut rx) = multishot::channel();
    cases::sender_dropped_before_recv((tx, &mut rx));
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
    cases::receiver_dropped_before_send_returns_message(&DropCounter::new(), multishot::channel());
}

#[test]
fn receiver_dropped_with_a_recycled_sender_alive() {
    let first = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    tx.send(first.msg(7)).unwrap();
    assert_eq!(value(rx.recv()), Ok(7));
    let recycled = rx.sender().unwrap();
    cases::receiver_dropped_before_send_returns_message(&DropCounter::new(), (recycled, rx));
    assert_eq!(first.drops(), 1);
}

#[test]
fn receiver_dropped_with_a_message_waiting_drops_it_at_once() {
    let drops = DropCounter::new();
    cases::receiver_dropped_after_send_drops_message_at_once(&drops, multishot::channel());

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
    for receiver_first in [true, false] {
        cases::halves_dropped_unsent(multishot::channel(), receiver_first);
        // The same with a recycled sender.
        let (tx, mut rx) = multishot::channel();
        drop(tx);
        cases::halves_dropped_unsent((rx.sender().unwrap(), rx), receiver_first);
    }
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
    let msg = drops.msg(13);
    let (sent, got) = concurrently(move || tx.send(msg).is_ok(), || value(rx.recv()));
    assert!(sent);
    assert_eq!(got, Ok(13));
    assert!(rx.sender().is_some());
    assert_eq!(drops.drops(), 2);
}

#[test]
fn sender_dropped_on_another_thread_ends_the_round() {
    let (tx, mut rx) = multishot::channel();
    cases::sender_dropped_while_receiver_blocks((tx, &mut rx));
    assert!(rx.sender().is_some());
}

// ----- manual polling of the receive future -----

case_tests! {
    setup: { let (tx, mut rx) = multishot::channel(); }
    halves: (tx, rx.recv_async());
    counted: [send_after_first_poll_wakes_once, panicking_waker_clone_leaves_the_receiver_usable]
    plain: [
        sender_dropped_before_first_poll, sender_dropped_after_first_poll_wakes,
        same_waker_is_cloned_at_most_once,
    ]
}

#[test]
fn send_before_first_poll() {
    let (tx, mut rx) = multishot::channel();
    cases::send_before_first_poll(&DropCounter::new(), (tx, rx.recv_async()));
    assert!(rx.sender().is_some());
}

#[test]
fn receiver_dropped_after_poll_then_send_returns_message() {
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel();
    poll_once_then_cancel(&mut rx, &waker);
    cases::receiver_dropped_before_send_returns_message(&DropCounter::new(), (tx, rx));
    assert_eq!(Arc::strong_count(&counter), 2, "the waker was released");
    assert_eq!(counter.wakes(), 0);
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
    poll_once_then_cancel(&mut rx, &waker);
    assert_eq!(Arc::strong_count(&counter), 2);
    let msg = drops.msg(24);
    let got = receive_while_sent(tx, msg, || value(rx.recv()));
    assert_eq!(got, Ok(24));
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 2);
}

#[test]
fn cancelled_future_then_sender_dropped() {
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel::<Counted>();
    poll_once_then_cancel(&mut rx, &waker);
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
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let [(old_counter, old_waker), (new_counter, new_waker)] =
        cases::new_waker_replaces_old_and_is_the_one_woken(&drops, (tx, rx.recv_async()));

    // Across futures: the second future's waker is the one woken.
    let tx = rx.sender().unwrap();
    poll_once_then_cancel(&mut rx, &old_waker);
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
fn poll_then_timeout_then_await_on_one_receiver() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = multishot::channel();
    poll_once_then_cancel(&mut rx, &waker);
    assert_eq!(
        value(rx.recv_timeout(Duration::from_millis(1))),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    let msg = drops.msg(28);
    let got = receive_while_sent(tx, msg, || {
        value(futures::executor::block_on(rx.recv_async()))
    });
    assert_eq!(got, Ok(28));
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn cancel_races_with_a_send_on_another_thread() {
    let (tx, mut rx) = multishot::channel();
    let mut next_sender = senders(tx);
    for round in 0..iters(200) as u64 {
        let drops = DropCounter::new();
        let (counter, waker) = WakeCounter::new();
        let tx = next_sender(&mut rx);
        let mut fut = rx.recv_async();
        assert!(poll_with(&mut fut, &waker).is_pending());
        let msg = drops.msg(round);
        concurrently(move || tx.send(msg).is_ok(), || drop(fut));
        // Whichever won, the message is in the channel now.
        assert_eq!(value(rx.recv()), Ok(round));
        assert_eq!(drops.drops(), 1);
        assert!(counter.wakes() <= 1);
        assert_eq!(Arc::strong_count(&counter), 2, "the waker leaked");
    }
}

// ----- blocking -----

case_tests! {
    setup: { let (tx, mut rx) = multishot::channel(); }
    halves: (tx, &mut rx);
    counted: [
        recv_timeout_expires_then_receives, recv_deadline_expires_then_receives,
        recv_timeout_that_does_not_expire,
    ]
}

#[test]
fn send_from_thread_while_receiver_blocks() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut next_sender = senders(tx);
    let rounds = iters(100) as u64;
    for round in 0..rounds {
        let tx = next_sender(&mut rx);
        let msg = drops.msg(round);
        cases::send_from_a_thread_while_receiver_blocks((tx, &mut rx), msg, round % 4 == 0);
    }
    assert_eq!(drops.drops(), rounds as usize);
}

#[test]
fn zero_timeout_and_past_deadline_take_a_ready_message() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    cases::zero_timeout_takes_a_ready_message((tx, &mut rx), drops.msg(33));
    let tx = rx.sender().unwrap();
    cases::past_deadline_takes_a_ready_message((tx, &mut rx), drops.msg(34));
    assert_eq!(drops.drops(), 2);
}

#[test]
fn huge_timeout_and_far_deadline_wait_without_panicking() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    cases::huge_timeout_waits_for_the_send((tx, &mut rx), drops.msg(35));
    let tx = rx.sender().unwrap();
    cases::far_deadline_waits_for_the_send((tx, &mut rx), drops.msg(36));
    let tx = rx.sender().unwrap();
    cases::huge_timeout_sees_the_sender_dropped((tx, &mut rx));
    assert_eq!(drops.drops(), 2);
}

// ----- many rounds -----

#[test]
fn many_rounds_on_one_thread() {
    // Outcomes in turn: received by try_recv, by recv, by recv_async, the
    // sender dropped unsent, received after a timeout.
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    let mut next_sender = senders(tx);
    let rounds = iters(500) as u64;
    let ends = [TryRecv, Recv, BlockOn, SenderDropped, ZeroTimeout];
    let mut sent = 0;
    for round in 0..rounds {
        let tx = next_sender(&mut rx);
        assert!(rx.sender().is_none());
        if ends[round as usize % ends.len()].end(&drops, round, tx, &mut rx) {
            sent += 1;
        }
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
    let mut next_sender = senders(tx);
    let mut sum = 0;
    let mut sent = 0;
    for round in 0..rounds {
        work_tx.send((round, next_sender(&mut rx))).unwrap();
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
        let mut next_sender = senders(tx);
        let rounds = iters(100) as u64;
        for round in 0..rounds {
            let tx = next_sender(&mut rx);
            let msg = drops.msg(round);
            let sender = async move {
                YieldOnce::default().await;
                tx.send(msg).is_ok()
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
        let mut next_sender = senders(tx);
        for round in 0..iters(100) as u64 {
            let tx = next_sender(&mut rx);
            let msg = drops.msg(round);
            let sender = thread::spawn(move || {
                if round % 10 == 0 {
                    pause();
                }
                tx.send(msg).is_ok()
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
        let (tx, mut rx) = multishot::channel();
        let receive_rounds = move || {
            let mut next_sender = senders(tx);
            (0..rounds)
                .map(|_| {
                    hand_tx.send(next_sender(&mut rx)).unwrap();
                    value(rx.recv())
                })
                .collect::<Vec<_>>()
        };
        let send_rounds = || {
            for round in 0..rounds {
                let tx = hand_rx.recv().unwrap();
                let msg = drops.msg(round);
                let sent = executor.run(async move {
                    pause();
                    tx.send(msg).is_ok()
                });
                assert!(sent);
            }
        };
        let (got, ()) = concurrently(receive_rounds, send_rounds);
        assert_eq!(got, vec![Ok(0), Ok(1), Ok(2)]);
        assert_eq!(drops.drops(), 3, "under {executor:?}");
    }
}

// ----- async, under every executor -----

#[test]
fn sender_dropped_while_task_waits() {
    on_every_executor(|executor| async move {
        let (tx, mut rx) = multishot::channel::<Counted>();
        let dropper = thread::spawn(after_pause(move || drop(tx)));
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
        let sender = thread::spawn(after_pause(move || tx.send(msg).is_ok()));
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
        let mut next_sender = senders(tx);
        for round in 0..3 {
            let tx = next_sender(&mut rx);
            let (go_tx, go_rx) = tidings::oneshot::channel::<()>();
            go_tx.send(()).unwrap();
            tokio::select! {
                biased;
                _ = go_rx => {}
                _ = rx.recv_async() => panic!("nothing was sent"),
            }
            let msg = drops.msg(round);
            let sender = tokio::spawn(async move { tx.send(msg).is_ok() });
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
        let mut rx: Receiver<Counted> = rx;
        let got = receive_while_sent(tx, msg, || {
            executor.run(async move { value(rx.recv_async().await) })
        });
        assert_eq!(got, Ok(44), "under {executor:?}");
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
        let (sent, got) = concurrently(move || tx.send(()).is_ok(), || rx.recv());
        assert!(sent);
        assert_eq!(got, Ok(()));
    }

    // A zero-sized message that counts its drops.
    let (tx, mut rx) = multishot::channel();
    tx.send(CountedZst).unwrap();
    assert!(rx.try_recv().is_ok());
    assert_eq!(ZST_DROPS.load(std::sync::atomic::Ordering::SeqCst), 1);
    rx.sender().unwrap().send(CountedZst).unwrap();
    drop(rx);
    assert_eq!(ZST_DROPS.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn halves_and_future_are_debug() {
    let drops = DropCounter::new();
    let (tx, mut rx) = multishot::channel();
    assert_eq!(format!("{:?}", rx.recv_async()), "RecvFuture { .. }");
    cases::halves_are_debug(&drops, (tx, &mut rx), ["Sender", "Receiver"]);
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
    let (tx, mut rx) = multishot::channel();
    cases::message_type_need_not_be_debug_or_sync(&DropCounter::new(), (tx, &mut rx));
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
        let first = DropCounter::new();
        let (tx, mut rx) = multishot::channel();
        tx.send(first.msg(50)).unwrap();
        assert_eq!(value(rx.try_recv()), Ok(50));
        // The race, in the round after.
        cases::send_and_receiver_drop_race(&DropCounter::new(), (rx.sender().unwrap(), rx));
        assert_eq!(first.drops(), 1);
    }
}

#[test]
fn recycled_sender_and_receiver_dropped_at_once() {
    for _ in 0..iters(200) {
        let (tx, mut rx) = multishot::channel();
        drop(tx);
        cases::halves_dropped_at_once((rx.sender().unwrap(), rx));
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

//! Integration tests of `tidings::oneshot::channel`: every ordering of the
//! two halves' moves, blocking and async, under every executor. The bodies
//! that the other channel kinds run too are in `common::cases`.

mod common;

use std::future::Future;
use std::thread;

use common::{
    case_tests, cases, concurrently, iters, on_every_executor, value, Counted, DropCounter,
    EXECUTORS,
};
use tidings::oneshot;
use tidings::RecvError;

// ----- synchronous orderings -----

case_tests! {
    halves: oneshot::channel();
    counted: [
        send_then_try_recv, try_recv_before_send_is_empty, send_then_blocking_recv,
        receiver_dropped_before_send_returns_message,
        receiver_dropped_after_send_drops_message_at_once,
    ]
    plain: [sender_dropped_before_recv]
}

// ----- blocking, with timeouts and other threads -----

case_tests! {
    halves: oneshot::channel();
    counted: [
        recv_timeout_expires_then_receives, recv_timeout_that_does_not_expire,
        repeated_timeouts_then_send_from_thread,
    ]
    plain: [sender_dropped_while_receiver_blocks]
}

#[test]
fn both_dropped_without_message() {
    cases::halves_dropped_unsent(oneshot::channel(), true);
    cases::halves_dropped_unsent(oneshot::channel(), false);
}

#[test]
fn send_from_thread_while_receiver_blocks() {
    for _ in 0..iters(100) {
        let drops = DropCounter::new();
        cases::send_from_a_thread_while_receiver_blocks(oneshot::channel(), drops.msg(6), false);
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn send_after_receiver_parked() {
    let drops = DropCounter::new();
    cases::send_from_a_thread_while_receiver_blocks(oneshot::channel(), drops.msg(7), true);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn zero_timeout_and_past_deadline_take_a_ready_message() {
    let drops = DropCounter::new();
    cases::zero_timeout_takes_a_ready_message(oneshot::channel(), drops.msg(10));
    cases::past_deadline_takes_a_ready_message(oneshot::channel(), drops.msg(11));
    assert_eq!(drops.drops(), 2);
}

#[test]
fn huge_timeout_and_far_deadline_wait_without_panicking() {
    let drops = DropCounter::new();
    cases::huge_timeout_waits_for_the_send(oneshot::channel(), drops.msg(12));
    cases::far_deadline_waits_for_the_send(oneshot::channel(), drops.msg(13));
    cases::huge_timeout_sees_the_sender_dropped(oneshot::channel());
    assert_eq!(drops.drops(), 2);
}

// ----- manual polling: every ordering against the first poll -----

case_tests! {
    halves: oneshot::channel();
    counted: [
        send_before_first_poll, send_after_first_poll_wakes_once,
        receiver_dropped_after_poll_then_send_returns_message,
        new_waker_replaces_old_and_is_the_one_woken, poll_then_timeout_then_await_on_one_receiver,
        panicking_waker_clone_leaves_the_receiver_usable,
        panicking_waker_drop_still_closes_the_receiver,
    ]
    plain: [
        sender_dropped_before_first_poll, sender_dropped_after_first_poll_wakes,
        same_waker_is_cloned_at_most_once,
    ]
}

// ----- async, under every executor -----

#[test]
fn task_to_task() {
    on_every_executor(|_| async {
        let drops = DropCounter::new();
        let (tx, rx) = oneshot::channel();
        let sender = async move { tx.send(drops.msg(30)).map_err(|_| "gone") };
        let (sent, got) = futures::join!(sender, rx);
        sent.unwrap();
        assert_eq!(value(got), Ok(30));
    });
}

#[test]
fn thread_to_task() {
    for executor in EXECUTORS {
        cases::thread_to_task(executor, &DropCounter::new(), oneshot::channel());
    }
}

#[test]
fn task_to_thread() {
    for executor in EXECUTORS {
        cases::task_to_thread(executor, &DropCounter::new(), oneshot::channel());
    }
}

#[test]
fn sender_dropped_while_task_waits() {
    for executor in EXECUTORS {
        cases::sender_dropped_while_task_waits(executor, oneshot::channel());
    }
}

#[test]
fn future_moved_to_another_task_between_polls() {
    for executor in EXECUTORS {
        let drops = DropCounter::new();
        cases::future_moved_to_another_task_between_polls(executor, &drops, oneshot::channel());
    }
}

#[test]
fn receiver_in_select_loses_nothing() {
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let (main, other) = (oneshot::channel(), oneshot::channel());
        cases::receiver_in_select_loses_nothing(executor, &drops, main, other).await;
    });
}

#[test]
fn tokio_select_cancels_and_reuses_receiver() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = oneshot::channel();
        let (go_tx, go_rx) = oneshot::channel::<()>();
        go_tx.send(()).unwrap();
        tokio::select! {
            biased;
            _ = go_rx => {}
            _ = &mut rx => panic!("nothing was sent"),
        }
        let sender = tokio::spawn(async move { tx.send(35u32).unwrap() });
        assert_eq!(rx.await, Ok(35));
        sender.await.unwrap();
    });
}

// ----- regressions from bugs other oneshots shipped -----

#[test]
fn polled_receiver_dropped_while_send_runs_on_another_thread() {
    for _ in 0..iters(200) {
        cases::polled_receiver_dropped_while_send_runs_on_another_thread(
            &DropCounter::new(),
            oneshot::channel(),
        );
    }
}

#[test]
fn receiver_dropped_while_sender_wakes_it() {
    // The receiving thread drops its receiver as soon as it is woken, so it
    // races with the tail of the sender's wake.
    for _ in 0..iters(200) {
        let drops = DropCounter::new();
        let (tx, rx) = oneshot::channel();
        let msg = drops.msg(41);
        let (got, sent) = concurrently(move || value(rx.recv()), || tx.send(msg).is_ok());
        assert!(sent, "the receiver drops only after receiving");
        assert_eq!(got, Ok(41));
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn sender_and_receiver_dropped_at_once() {
    for _ in 0..iters(200) {
        cases::halves_dropped_at_once(oneshot::channel());
    }
}

#[test]
fn send_and_receiver_drop_race() {
    for _ in 0..iters(200) {
        cases::send_and_receiver_drop_race(&DropCounter::new(), oneshot::channel());
    }
}

// ----- types -----

#[test]
fn zero_sized_messages() {
    let (tx, rx) = oneshot::channel::<()>();
    tx.send(()).unwrap();
    assert_eq!(rx.recv(), Ok(()));

    #[derive(Debug, PartialEq)]
    struct Zst;
    let (tx, rx) = oneshot::channel::<Zst>();
    let (sent, got) = concurrently(move || tx.send(Zst).is_ok(), || rx.recv());
    assert_eq!(got, Ok(Zst));
    assert!(sent);
}

#[test]
fn halves_are_debug() {
    let names = ["Sender", "Receiver"];
    cases::halves_are_debug(&DropCounter::new(), oneshot::channel(), names);
}

#[test]
fn message_type_need_not_be_debug_or_sync() {
    cases::message_type_need_not_be_debug_or_sync(&DropCounter::new(), oneshot::channel());
}

#[test]
fn handles_and_futures_are_send_and_unpin() {
    fn send_sync<T: Send + Sync>() {}
    fn send_unpin<T: Send + Unpin>() {}
    send_sync::<oneshot::Sender<std::cell::Cell<u8>>>();
    send_unpin::<oneshot::Receiver<std::cell::Cell<u8>>>();
    fn future<F: Future<Output = Result<u8, RecvError>> + Send + Unpin>(_: F) {}
    let (_tx, rx) = oneshot::channel::<u8>();
    future(rx);
}

#[test]
fn many_channels_across_threads() {
    // Many short-lived channels, each crossing threads in both directions.
    let drops = DropCounter::new();
    let n = iters(2_000) as u64;
    let (req_tx, req_rx) = std::sync::mpsc::channel::<(u64, oneshot::Sender<Counted>)>();
    let d = drops.clone();
    let server = thread::spawn(move || {
        for (value, reply) in req_rx {
            reply.send(d.msg(value * 2)).map_err(|_| "gone").unwrap();
        }
    });
    let mut sum = 0;
    for i in 0..n {
        let (tx, rx) = oneshot::channel();
        req_tx.send((i, tx)).unwrap();
        sum += rx.recv().unwrap().value;
    }
    drop(req_tx);
    server.join().unwrap();
    assert_eq!(sum, n * (n - 1));
    assert_eq!(drops.drops(), n as usize);
}

#[test]
fn panicking_message_drop_still_frees_the_channel() {
    // The channel's memory is freed all the same: miri checks for leaks at
    // the end of the run.
    cases::panicking_message_drop_reaches_the_caller(&DropCounter::new(), oneshot::channel());
}

#[cfg(feature = "futures")]
#[test]
fn fused_future_reports_termination() {
    use futures::future::FusedFuture;
    let (tx, mut rx) = oneshot::channel();
    assert!(!rx.is_terminated());
    tx.send(1u8).unwrap();
    assert!(!rx.is_terminated(), "a message is waiting");
    assert_eq!(futures::executor::block_on(&mut rx), Ok(1));
    assert!(rx.is_terminated());

    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(rx.is_terminated());
}

/// A message type far larger than a thread's stack: the channel's core
/// (whose cell has room for one whole message) is built in place on the
/// heap, never on the stack (a debug build used to build it on the stack
/// first and overflow it). No message is sent: making one would be the
/// caller's stack.
#[test]
fn a_huge_message_type_does_not_overflow_the_stack() {
    /// 32 MiB natively (a test thread's stack is 2 MiB); less under miri,
    /// which interprets every byte.
    #[cfg(not(miri))]
    const HUGE: usize = 32 << 20;
    #[cfg(miri)]
    const HUGE: usize = 64 << 10;
    let (tx, rx) = oneshot::channel::<[u8; HUGE]>();
    assert!(!tx.is_closed() && !rx.is_closed());
    drop(tx);
    assert!(rx.is_closed(), "the sender is gone");
    drop(rx);
    let (tx, rx) = oneshot::channel::<[u8; HUGE]>();
    drop(rx);
    assert!(tx.is_closed(), "the receiver is gone");
}

//! Integration tests of `tidings::oneshot::channel`: every ordering of the
//! two halves' moves, blocking and async, under every executor.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::{iters, on_every_executor, pause, DropCounter, WakeCounter};
use tidings::oneshot::{self, Receiver};
use tidings::{RecvError, RecvTimeoutError, SendError, TryRecvError};

/// Polls `rx` once with `waker`.
fn poll_with<T>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Result<T, RecvError>> {
    Pin::new(rx).poll(&mut Context::from_waker(waker))
}

// ----- synchronous orderings -----

#[test]
fn send_then_try_recv() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    assert!(!rx.has_message());
    tx.send(drops.msg(1)).unwrap();
    assert!(rx.has_message());
    assert!(!rx.is_closed());
    assert_eq!(rx.try_recv().unwrap().value, 1);
    assert_eq!(drops.drops(), 1);
    assert!(!rx.has_message());
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    drop(rx);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn try_recv_before_send_is_empty() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(drops.msg(2)).unwrap();
    assert_eq!(rx.try_recv().map(|m: common::Counted| m.value), Ok(2));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn send_then_blocking_recv() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    tx.send(drops.msg(3)).unwrap();
    assert_eq!(rx.recv().unwrap().value, 3);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn sender_dropped_before_recv() {
    let (tx, rx) = oneshot::channel::<u32>();
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(rx.recv(), Err(RecvError));
}

#[test]
fn receiver_dropped_before_send_returns_message() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    let SendError(msg) = tx.send(drops.msg(4)).unwrap_err();
    assert_eq!(msg.value, 4);
    assert_eq!(drops.drops(), 0, "the message came back, not dropped");
    drop(msg);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn receiver_dropped_after_send_drops_message_at_once() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    tx.send(drops.msg(5)).unwrap();
    assert_eq!(drops.drops(), 0);
    drop(rx);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn both_dropped_without_message() {
    let (tx, rx) = oneshot::channel::<String>();
    drop(rx);
    drop(tx);
    let (tx, rx) = oneshot::channel::<String>();
    drop(tx);
    drop(rx);
}

#[test]
fn send_from_thread_while_receiver_blocks() {
    for _ in 0..iters(100) {
        let drops = DropCounter::new();
        let (tx, rx) = oneshot::channel();
        let msg = drops.msg(6);
        let sender = thread::spawn(move || tx.send(msg).map_err(|_| "receiver gone"));
        assert_eq!(rx.recv().unwrap().value, 6);
        sender.join().unwrap().unwrap();
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn send_after_receiver_parked() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    let msg = drops.msg(7);
    let sender = thread::spawn(move || {
        pause();
        tx.send(msg).map_err(|_| "receiver gone")
    });
    assert_eq!(rx.recv().unwrap().value, 7);
    sender.join().unwrap().unwrap();
    assert_eq!(drops.drops(), 1);
}

#[test]
fn sender_dropped_while_receiver_blocks() {
    let (tx, rx) = oneshot::channel::<u8>();
    let dropper = thread::spawn(move || {
        pause();
        drop(tx);
    });
    assert_eq!(rx.recv(), Err(RecvError));
    dropper.join().unwrap();
}

#[test]
fn recv_timeout_expires_then_receives() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    assert_eq!(rx.recv_timeout(timeout), Err(RecvTimeoutError::Timeout));
    assert!(start.elapsed() >= timeout, "timed out early");
    // The receiver is still usable after a timeout.
    tx.send(drops.msg(8)).unwrap();
    assert_eq!(rx.recv_timeout(timeout).unwrap().value, 8);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn recv_timeout_that_does_not_expire() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    let msg = drops.msg(9);
    let sender = thread::spawn(move || {
        pause();
        tx.send(msg).map_err(|_| "receiver gone")
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(60)).unwrap().value, 9);
    sender.join().unwrap().unwrap();
    assert_eq!(drops.drops(), 1);
}

#[test]
fn zero_timeout_and_past_deadline_take_a_ready_message() {
    let (tx, rx) = oneshot::channel();
    assert_eq!(
        rx.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(10).unwrap();
    assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(10));

    let (tx, rx) = oneshot::channel();
    let past = Instant::now() - Duration::from_millis(5);
    assert_eq!(rx.recv_deadline(past), Err(RecvTimeoutError::Timeout));
    tx.send(11).unwrap();
    assert_eq!(rx.recv_deadline(past), Ok(11));
}

#[test]
fn huge_timeout_and_far_deadline_wait_without_panicking() {
    // Regression: `Instant::now() + Duration::MAX` overflows; it must mean
    // "wait forever", not panic.
    let (tx, rx) = oneshot::channel();
    let sender = thread::spawn(move || {
        pause();
        tx.send(12).unwrap();
    });
    assert_eq!(rx.recv_timeout(Duration::MAX), Ok(12));
    sender.join().unwrap();

    let (tx, rx) = oneshot::channel();
    let far = Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 100);
    let sender = thread::spawn(move || {
        pause();
        tx.send(13).unwrap();
    });
    assert_eq!(rx.recv_deadline(far), Ok(13));
    sender.join().unwrap();

    let (tx, rx) = oneshot::channel::<u8>();
    let dropper = thread::spawn(move || {
        pause();
        drop(tx);
    });
    assert_eq!(
        rx.recv_timeout(Duration::MAX),
        Err(RecvTimeoutError::Disconnected)
    );
    dropper.join().unwrap();
}

#[test]
fn repeated_timeouts_then_send_from_thread() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    for _ in 0..3 {
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(1)),
            Err(RecvTimeoutError::Timeout)
        );
    }
    let msg = drops.msg(14);
    let sender = thread::spawn(move || tx.send(msg).map_err(|_| "receiver gone"));
    assert_eq!(rx.recv().unwrap().value, 14);
    sender.join().unwrap().unwrap();
    assert_eq!(drops.drops(), 1);
}

// ----- manual polling: every ordering against the first poll -----

#[test]
fn send_before_first_poll() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = oneshot::channel();
    tx.send(drops.msg(20)).unwrap();
    match poll_with(&mut rx, &waker) {
        Poll::Ready(Ok(msg)) => assert_eq!(msg.value, 20),
        other => panic!("expected the message, got {other:?}"),
    }
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 1);
    // Polled again after completion: disconnected, not a panic.
    assert_eq!(poll_with(&mut rx, &waker), Poll::Ready(Err(RecvError)));
}

#[test]
fn send_after_first_poll_wakes_once() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_with(&mut rx, &waker).is_pending());
    assert!(poll_with(&mut rx, &waker).is_pending());
    assert_eq!(counter.wakes(), 0);
    tx.send(drops.msg(21)).unwrap();
    assert_eq!(counter.wakes(), 1);
    match poll_with(&mut rx, &waker) {
        Poll::Ready(Ok(msg)) => assert_eq!(msg.value, 21),
        other => panic!("expected the message, got {other:?}"),
    }
    assert_eq!(drops.drops(), 1);
    assert_eq!(counter.wakes(), 1);
}

#[test]
fn sender_dropped_before_first_poll() {
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert_eq!(poll_with(&mut rx, &waker), Poll::Ready(Err(RecvError)));
    assert_eq!(counter.wakes(), 0);
}

#[test]
fn sender_dropped_after_first_poll_wakes() {
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = oneshot::channel::<u8>();
    assert!(poll_with(&mut rx, &waker).is_pending());
    drop(tx);
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut rx, &waker), Poll::Ready(Err(RecvError)));
}

#[test]
fn receiver_dropped_after_poll_then_send_returns_message() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_with(&mut rx, &waker).is_pending());
    drop(rx);
    // The receiver's waker is released with the receiver, not kept.
    assert_eq!(Arc::strong_count(&counter), 2);
    let SendError(msg) = tx.send(drops.msg(22)).unwrap_err();
    assert_eq!(msg.value, 22);
    assert_eq!(counter.wakes(), 0);
    drop(msg);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn new_waker_replaces_old_and_is_the_one_woken() {
    let (old_counter, old_waker) = WakeCounter::new();
    let (new_counter, new_waker) = WakeCounter::new();
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_with(&mut rx, &old_waker).is_pending());
    assert!(poll_with(&mut rx, &new_waker).is_pending());
    // The old waker was dropped, not leaked: only our handle is left.
    assert_eq!(Arc::strong_count(&old_counter), 2);
    tx.send(23u8).unwrap();
    assert_eq!(old_counter.wakes(), 0);
    assert_eq!(new_counter.wakes(), 1);
    assert_eq!(poll_with(&mut rx, &new_waker), Poll::Ready(Ok(23)));
}

#[test]
fn same_waker_is_cloned_at_most_once() {
    let (counter, waker) = WakeCounter::new();
    let (_tx, mut rx) = oneshot::channel::<u8>();
    for _ in 0..5 {
        assert!(poll_with(&mut rx, &waker).is_pending());
    }
    // Our Arc, our `waker`, and exactly one clone inside the channel.
    assert_eq!(Arc::strong_count(&counter), 3);
    drop(rx);
    assert_eq!(Arc::strong_count(&counter), 2);
}

#[test]
fn poll_then_timeout_then_await_on_one_receiver() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_with(&mut rx, &waker).is_pending());
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1))
            .map(|m: common::Counted| m.value),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        rx.try_recv().map(|m: common::Counted| m.value),
        Err(TryRecvError::Empty)
    );
    let msg = drops.msg(24);
    let sender = thread::spawn(move || {
        pause();
        tx.send(msg).map_err(|_| "receiver gone")
    });
    let got = futures::executor::block_on(rx).unwrap();
    assert_eq!(got.value, 24);
    sender.join().unwrap().unwrap();
    // The first waker was replaced by the blocking call's; it never fired.
    assert_eq!(counter.wakes(), 0);
    drop(got);
    assert_eq!(drops.drops(), 1);
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
        assert_eq!(got.unwrap().value, 30);
    });
}

#[test]
fn thread_to_task() {
    on_every_executor(|_| async {
        let drops = DropCounter::new();
        let (tx, rx) = oneshot::channel();
        let msg = drops.msg(31);
        let sender = thread::spawn(move || {
            pause();
            tx.send(msg).map_err(|_| "receiver gone")
        });
        assert_eq!(rx.await.unwrap().value, 31);
        sender.join().unwrap().unwrap();
        assert_eq!(drops.drops(), 1);
    });
}

#[test]
fn task_to_thread() {
    for executor in common::EXECUTORS {
        let drops = DropCounter::new();
        let (tx, rx) = oneshot::channel();
        let receiver = thread::spawn(move || rx.recv().map(|m: common::Counted| m.value));
        let msg = drops.msg(32);
        executor.run(async move {
            pause();
            tx.send(msg).map_err(|_| "receiver gone").unwrap();
        });
        assert_eq!(receiver.join().unwrap(), Ok(32));
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn sender_dropped_while_task_waits() {
    on_every_executor(|_| async {
        let (tx, rx) = oneshot::channel::<u8>();
        let dropper = thread::spawn(move || {
            pause();
            drop(tx);
        });
        assert_eq!(rx.await, Err(RecvError));
        dropper.join().unwrap();
    });
}

#[test]
fn future_moved_to_another_task_between_polls() {
    for executor in common::EXECUTORS {
        let drops = DropCounter::new();
        let (tx, mut rx) = oneshot::channel();
        // First task: poll once (registers that task's waker), then give
        // the receiver away.
        #[allow(clippy::async_yields_async)] // the receiver is handed on, not awaited
        let rx = executor.run(async move {
            assert!(futures::poll!(&mut rx).is_pending());
            rx
        });
        let msg = drops.msg(33);
        let sender = thread::spawn(move || {
            pause();
            tx.send(msg).map_err(|_| "receiver gone")
        });
        // Second task, possibly on another executor thread: the send must
        // wake this one.
        let got = executor.run(async move { rx.await.map(|m: common::Counted| m.value) });
        assert_eq!(got, Ok(33));
        sender.join().unwrap().unwrap();
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn receiver_in_select_loses_nothing() {
    // A receiver polled inside a select and left behind is still good.
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let (tx, mut rx) = oneshot::channel();
        let (other_tx, other_rx) = oneshot::channel::<u8>();
        other_tx.send(1).unwrap();
        let first = futures::future::select(&mut rx, other_rx).await;
        assert!(matches!(first, futures::future::Either::Right((Ok(1), _))));
        tx.send(drops.msg(34)).map_err(|_| "gone").unwrap();
        assert_eq!(rx.await.unwrap().value, 34, "under {executor:?}");
        assert_eq!(drops.drops(), 1);
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
        let drops = DropCounter::new();
        let (counter, waker) = WakeCounter::new();
        let (tx, mut rx) = oneshot::channel();
        assert!(poll_with(&mut rx, &waker).is_pending());
        let msg = drops.msg(40);
        let sender = thread::spawn(move || match tx.send(msg) {
            Ok(()) => None,
            Err(SendError(msg)) => Some(msg.value),
        });
        drop(rx);
        let returned = sender.join().unwrap();
        // Either the message came back to the sender, or it was delivered
        // and dropped with the receiver: dropped exactly once either way.
        assert!(returned.is_none() || returned == Some(40));
        assert_eq!(drops.drops(), 1);
        assert!(counter.wakes() <= 1);
        assert_eq!(Arc::strong_count(&counter), 2, "the waker leaked");
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
        let receiver = thread::spawn(move || rx.recv().map(|m: common::Counted| m.value));
        let sent = tx.send(msg).is_ok();
        assert!(sent, "the receiver drops only after receiving");
        assert_eq!(receiver.join().unwrap(), Ok(41));
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn sender_and_receiver_dropped_at_once() {
    for _ in 0..iters(200) {
        let (tx, rx) = oneshot::channel::<Box<u64>>();
        let t = thread::spawn(move || drop(tx));
        drop(rx);
        t.join().unwrap();
    }
}

#[test]
fn send_and_receiver_drop_race() {
    for _ in 0..iters(200) {
        let drops = DropCounter::new();
        let (tx, rx) = oneshot::channel();
        let msg = drops.msg(42);
        let t = thread::spawn(move || tx.send(msg).is_ok());
        drop(rx);
        t.join().unwrap();
        assert_eq!(drops.drops(), 1);
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
    let t = thread::spawn(move || tx.send(Zst).is_ok());
    assert_eq!(rx.recv(), Ok(Zst));
    assert!(t.join().unwrap());
}

#[test]
fn halves_are_debug() {
    let (tx, rx) = oneshot::channel::<u8>();
    assert_eq!(format!("{tx:?}"), "Sender { is_closed: false }");
    assert_eq!(
        format!("{rx:?}"),
        "Receiver { has_message: false, is_closed: false }"
    );
    tx.send(1).unwrap();
    assert_eq!(
        format!("{rx:?}"),
        "Receiver { has_message: true, is_closed: false }"
    );
}

#[test]
fn message_type_need_not_be_debug_or_sync() {
    struct NotDebug(std::cell::Cell<u8>);
    let (tx, rx) = oneshot::channel();
    thread::spawn(move || {
        tx.send(NotDebug(std::cell::Cell::new(3)))
            .map_err(|_| ())
            .unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(rx.recv().map(|m| m.0.get()).ok(), Some(3));
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
    let (req_tx, req_rx) = std::sync::mpsc::channel::<(u64, oneshot::Sender<common::Counted>)>();
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
    // The receiver drops a message whose `Drop` panics: the panic reaches
    // the caller, and the channel's memory is still freed (miri checks for
    // leaks at the end of the run).
    struct Bomb(DropCounter);
    impl Drop for Bomb {
        fn drop(&mut self) {
            drop(self.0.msg(0));
            panic!("boom");
        }
    }
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    tx.send(Bomb(drops.clone())).map_err(|_| "gone").unwrap();
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rx)));
    assert!(dropped.is_err(), "the message's panic reaches the caller");
    assert_eq!(drops.drops(), 1, "the message was dropped exactly once");
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

/// A waker made by hand, so that its clone or its drop can panic.
#[allow(unsafe_code)] // a hand-made `RawWaker` needs it
mod hostile {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::{RawWaker, RawWakerVTable, Waker};

    #[derive(Default)]
    pub struct Flags {
        pub panic_on_clone: AtomicBool,
        pub panic_on_drop: AtomicBool,
        pub wakes: AtomicUsize,
    }

    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

    fn flags(data: *const ()) -> &'static Flags {
        // SAFETY: `data` is an `Arc<Flags>` pointer that the waker owns one count of; the test keeps another alive throughout.
        unsafe { &*(data as *const Flags) }
    }

    fn clone(data: *const ()) -> RawWaker {
        assert!(!flags(data).panic_on_clone.load(SeqCst), "clone panics");
        // SAFETY: `data` came from `Arc::into_raw` and is alive (we hold a count); the new waker owns the count added here.
        unsafe { Arc::increment_strong_count(data as *const Flags) };
        RawWaker::new(data, &VTABLE)
    }

    fn wake(data: *const ()) {
        wake_by_ref(data);
        drop_waker(data);
    }

    fn wake_by_ref(data: *const ()) {
        flags(data).wakes.fetch_add(1, SeqCst);
    }

    fn drop_waker(data: *const ()) {
        let panic = flags(data).panic_on_drop.load(SeqCst);
        // SAFETY: releases the one count this waker owned.
        unsafe { Arc::decrement_strong_count(data as *const Flags) };
        assert!(!panic, "drop panics");
    }

    pub fn waker(flags: &Arc<Flags>) -> Waker {
        let data = Arc::into_raw(flags.clone()) as *const ();
        // SAFETY: `data` owns one `Arc` count, and the vtable keeps the `RawWaker` contract: each clone adds a count, each drop or wake releases one.
        unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
    }
}

#[test]
fn panicking_waker_clone_leaves_the_receiver_usable() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let good = Arc::new(hostile::Flags::default());
    let bad = Arc::new(hostile::Flags::default());
    bad.panic_on_clone
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_with(&mut rx, &hostile::waker(&good)).is_pending());
    let bad_waker = hostile::waker(&bad);
    let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut rx, &bad_waker)));
    assert!(polled.is_err(), "the clone's panic reaches the poller");
    // A later poll registers normally, and the send wakes that waker.
    let (counter, waker) = WakeCounter::new();
    assert!(poll_with(&mut rx, &waker).is_pending());
    assert_eq!(counter.wakes(), 0, "registered, not woken at once");
    tx.send(50u8).unwrap();
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut rx, &waker), Poll::Ready(Ok(50)));
}

#[test]
fn panicking_waker_drop_still_closes_the_receiver() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let flags = Arc::new(hostile::Flags::default());
    let drops = DropCounter::new();
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_with(&mut rx, &hostile::waker(&flags)).is_pending());
    flags
        .panic_on_drop
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(rx)));
    assert!(dropped.is_err(), "the waker's panic reaches the caller");
    // The receiver is gone all the same: the send fails and hands back the
    // message, and the channel is freed (miri checks for leaks).
    assert!(tx.is_closed());
    let SendError(msg) = tx.send(drops.msg(51)).unwrap_err();
    assert_eq!(msg.value, 51);
    drop(msg);
    assert_eq!(drops.drops(), 1);
    assert_eq!(
        Arc::strong_count(&flags),
        1,
        "every waker clone was dropped"
    );
}

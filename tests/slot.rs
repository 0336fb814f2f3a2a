//! Integration tests of `tidings::oneshot::Slot`, the allocation-free
//! oneshot: every ordering of the two halves' moves, blocking and async
//! under every executor, reuse round after round, and the unsafe layer
//! (`put`, `take`, `sender`, `receiver`).
#![allow(unsafe_code)] // the unsafe layer of `Slot` is part of what is tested

mod common;

use std::future::Future;
use std::mem::{self, size_of};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::{iters, on_every_executor, pause, Counted, DropCounter, WakeCounter, EXECUTORS};
use tidings::oneshot::{Slot, SlotReceiver, SlotSender};
use tidings::{RecvError, RecvTimeoutError, SendError, TryRecvError};

/// Polls `rx` once with `waker`.
fn poll_with<T>(rx: &mut SlotReceiver<'_, T>, waker: &Waker) -> Poll<Result<T, RecvError>> {
    Pin::new(rx).poll(&mut Context::from_waker(waker))
}

/// Runs `f` with a slot on the heap that it may treat as `'static` (so its
/// halves can go into spawned threads and `'static` futures), then frees
/// the slot, dropping whatever it still holds.
///
/// # Safety
///
/// Every half split off the slot is dropped (or forgotten) before `f`
/// returns, and `f` keeps the reference nowhere that outlives it.
unsafe fn with_static_slot<T: 'static, R>(f: impl FnOnce(&'static mut Slot<T>) -> R) -> R {
    let raw = Box::into_raw(Box::new(Slot::new()));
    // SAFETY: `raw` is a live allocation nobody else knows of; the caller stops using the reference before we free it below.
    let out = f(unsafe { &mut *raw });
    // SAFETY: from `Box::into_raw` above; the reference handed to `f` is no longer used (the caller's contract).
    drop(unsafe { Box::from_raw(raw) });
    out
}

// ----- synchronous orderings -----

#[test]
fn send_then_try_recv() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    assert!(!rx.has_message());
    assert!(!tx.is_closed());
    tx.send(drops.msg(1)).unwrap();
    assert!(rx.has_message());
    assert!(!rx.is_closed());
    assert_eq!(rx.try_recv().unwrap().value, 1);
    assert_eq!(drops.drops(), 1);
    assert!(!rx.has_message());
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    drop(rx);
    assert!(slot.is_empty());
    drop(slot);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn try_recv_before_send_is_empty() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(!rx.is_closed());
    tx.send(drops.msg(2)).unwrap();
    assert_eq!(rx.try_recv().map(|m: Counted| m.value), Ok(2));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn send_then_blocking_recv() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    tx.send(drops.msg(3)).unwrap();
    assert_eq!(rx.recv().unwrap().value, 3);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn sender_dropped_before_recv() {
    let mut slot = Slot::<Counted>::new();
    let (tx, rx) = slot.split();
    drop(tx);
    assert!(rx.is_closed());
    assert!(!rx.has_message());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)).map(|m| m.value),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(
        rx.recv_deadline(Instant::now() + Duration::from_secs(10))
            .map(|m| m.value),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(rx.recv().map(|m| m.value), Err(RecvError));
}

#[test]
fn receiver_dropped_before_send_returns_message() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    let SendError(msg) = tx.send(drops.msg(4)).unwrap_err();
    assert_eq!(msg.value, 4);
    assert_eq!(drops.drops(), 0, "the message came back, not dropped");
    assert!(slot.is_empty(), "nothing was left in the slot");
    drop(msg);
    assert_eq!(drops.drops(), 1);
    drop(slot);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn receiver_dropped_after_send_drops_message_at_once_and_once() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    tx.send(drops.msg(5)).unwrap();
    assert_eq!(drops.drops(), 0);
    drop(rx);
    assert_eq!(drops.drops(), 1, "dropped with the receiver, at once");
    assert!(slot.is_empty());
    // Neither the next round nor the slot's own drop drops it again.
    let (tx, rx) = slot.split();
    drop((tx, rx));
    assert_eq!(drops.drops(), 1);
    drop(slot);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn both_dropped_without_message_in_either_order() {
    let drops = DropCounter::new();
    let mut slot = Slot::<Counted>::new();
    let (tx, rx) = slot.split();
    drop(rx);
    drop(tx);
    let (tx, rx) = slot.split();
    drop(tx);
    drop(rx);
    // The slot still works after both.
    let (tx, rx) = slot.split();
    tx.send(drops.msg(6)).unwrap();
    assert_eq!(rx.try_recv().map(|m| m.value), Ok(6));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn send_from_thread_while_receiver_blocks() {
    let mut slot = Slot::new();
    for round in 0..iters(100) as u64 {
        let drops = DropCounter::new();
        let (tx, rx) = slot.split();
        let msg = drops.msg(round);
        thread::scope(|s| {
            let sender = s.spawn(move || tx.send(msg).is_ok());
            assert_eq!(rx.recv().unwrap().value, round);
            assert!(sender.join().unwrap());
        });
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn send_after_receiver_parked() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    let msg = drops.msg(7);
    thread::scope(|s| {
        let sender = s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(rx.recv().unwrap().value, 7);
        assert!(sender.join().unwrap());
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn sender_dropped_while_receiver_blocks() {
    let mut slot = Slot::<Counted>::new();
    let (tx, rx) = slot.split();
    thread::scope(|s| {
        s.spawn(move || {
            pause();
            drop(tx);
        });
        assert_eq!(rx.recv().map(|m| m.value), Err(RecvError));
    });
}

#[test]
fn recv_timeout_expires_then_receives() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    assert_eq!(
        rx.recv_timeout(timeout).map(|m: Counted| m.value),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(start.elapsed() >= timeout, "timed out early");
    // The receiver is still usable after a timeout.
    tx.send(drops.msg(8)).unwrap();
    assert_eq!(rx.recv_timeout(timeout).unwrap().value, 8);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn recv_deadline_expires_then_receives() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    let deadline = Instant::now() + Duration::from_millis(20);
    assert_eq!(
        rx.recv_deadline(deadline).map(|m: Counted| m.value),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(Instant::now() >= deadline, "timed out early");
    thread::scope(|s| {
        let msg = drops.msg(9);
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(rx.recv_deadline(far).unwrap().value, 9);
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn recv_timeout_that_does_not_expire() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    let msg = drops.msg(10);
    thread::scope(|s| {
        let sender = s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(60)).unwrap().value, 10);
        assert!(sender.join().unwrap());
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn zero_timeout_and_past_deadline_take_a_ready_message() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();

    let (tx, rx) = slot.split();
    assert_eq!(
        rx.recv_timeout(Duration::ZERO).map(|m: Counted| m.value),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(drops.msg(11)).unwrap();
    assert_eq!(rx.recv_timeout(Duration::ZERO).map(|m| m.value), Ok(11));
    assert_eq!(drops.drops(), 1);
    drop(rx);

    let (tx, rx) = slot.split();
    let past = Instant::now() - Duration::from_millis(5);
    assert_eq!(
        rx.recv_deadline(past).map(|m: Counted| m.value),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(drops.msg(12)).unwrap();
    assert_eq!(rx.recv_deadline(past).map(|m| m.value), Ok(12));
    assert_eq!(drops.drops(), 2);
}

#[test]
fn huge_timeout_and_far_deadline_wait_without_panicking() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();

    let (tx, rx) = slot.split();
    let msg = drops.msg(13);
    thread::scope(|s| {
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(rx.recv_timeout(Duration::MAX).unwrap().value, 13);
    });
    drop(rx);

    let (tx, rx) = slot.split();
    let far = Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 100);
    let msg = drops.msg(14);
    thread::scope(|s| {
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        assert_eq!(rx.recv_deadline(far).unwrap().value, 14);
    });
    drop(rx);

    let (tx, rx) = slot.split();
    thread::scope(|s| {
        s.spawn(move || {
            pause();
            drop(tx);
        });
        assert_eq!(
            rx.recv_timeout(Duration::MAX).map(|m| m.value),
            Err(RecvTimeoutError::Disconnected)
        );
    });
    drop(rx);

    // A ready message is taken at once, too.
    let (tx, rx) = slot.split();
    tx.send(drops.msg(15)).unwrap();
    assert_eq!(rx.recv_timeout(Duration::MAX).map(|m| m.value), Ok(15));
    assert_eq!(drops.drops(), 3);
}

#[test]
fn repeated_timeouts_then_send_from_thread() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    for _ in 0..3 {
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(1))
                .map(|m: Counted| m.value),
            Err(RecvTimeoutError::Timeout)
        );
    }
    let msg = drops.msg(16);
    thread::scope(|s| {
        s.spawn(move || tx.send(msg).is_ok());
        assert_eq!(rx.recv().unwrap().value, 16);
    });
    assert_eq!(drops.drops(), 1);
}

// ----- manual polling: every ordering against the first poll -----

#[test]
fn send_before_first_poll() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let mut slot = Slot::new();
    let (tx, mut rx) = slot.split();
    tx.send(drops.msg(20)).unwrap();
    match poll_with(&mut rx, &waker) {
        Poll::Ready(Ok(msg)) => assert_eq!(msg.value, 20),
        other => panic!("expected the message, got {other:?}"),
    }
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 1);
    // Polled again after completion: disconnected, not a panic.
    assert_eq!(
        poll_with(&mut rx, &waker).map(|r| r.map(|m| m.value)),
        Poll::Ready(Err(RecvError))
    );
    assert_eq!(drops.drops(), 1);
}

#[test]
fn send_after_first_poll_wakes_once() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let mut slot = Slot::new();
    let (tx, mut rx) = slot.split();
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
    drop(rx);
    drop(slot);
    assert_eq!(Arc::strong_count(&counter), 2, "the waker leaked");
}

#[test]
fn sender_dropped_before_first_poll() {
    let (counter, waker) = WakeCounter::new();
    let mut slot = Slot::<u8>::new();
    let (tx, mut rx) = slot.split();
    drop(tx);
    assert_eq!(poll_with(&mut rx, &waker), Poll::Ready(Err(RecvError)));
    assert_eq!(counter.wakes(), 0);
}

#[test]
fn sender_dropped_after_first_poll_wakes() {
    let (counter, waker) = WakeCounter::new();
    let mut slot = Slot::<u8>::new();
    let (tx, mut rx) = slot.split();
    assert!(poll_with(&mut rx, &waker).is_pending());
    drop(tx);
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut rx, &waker), Poll::Ready(Err(RecvError)));
    assert_eq!(counter.wakes(), 1);
}

#[test]
fn receiver_dropped_after_poll_then_send_returns_message() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let mut slot = Slot::new();
    let (tx, mut rx) = slot.split();
    assert!(poll_with(&mut rx, &waker).is_pending());
    drop(rx);
    // The receiver's waker is released with the receiver, not kept.
    assert_eq!(Arc::strong_count(&counter), 2);
    let SendError(msg) = tx.send(drops.msg(22)).unwrap_err();
    assert_eq!(msg.value, 22);
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 0);
    drop(msg);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn new_waker_replaces_old_and_is_the_one_woken() {
    let (old_counter, old_waker) = WakeCounter::new();
    let (new_counter, new_waker) = WakeCounter::new();
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, mut rx) = slot.split();
    assert!(poll_with(&mut rx, &old_waker).is_pending());
    assert!(poll_with(&mut rx, &new_waker).is_pending());
    // The old waker was dropped, not leaked: only our handles are left.
    assert_eq!(Arc::strong_count(&old_counter), 2);
    tx.send(drops.msg(23)).unwrap();
    assert_eq!(old_counter.wakes(), 0);
    assert_eq!(new_counter.wakes(), 1);
    assert_eq!(
        poll_with(&mut rx, &new_waker).map(|r| r.map(|m| m.value)),
        Poll::Ready(Ok(23))
    );
    assert_eq!(drops.drops(), 1);
}

#[test]
fn same_waker_is_cloned_at_most_once() {
    let (counter, waker) = WakeCounter::new();
    let mut slot = Slot::<u8>::new();
    let (_tx, mut rx) = slot.split();
    for _ in 0..5 {
        assert!(poll_with(&mut rx, &waker).is_pending());
    }
    // Our Arc, our `waker`, and exactly one clone inside the slot.
    assert_eq!(Arc::strong_count(&counter), 3);
    drop(rx);
    assert_eq!(Arc::strong_count(&counter), 2);
}

#[test]
fn poll_then_timeout_then_await_on_one_receiver() {
    let drops = DropCounter::new();
    let (counter, waker) = WakeCounter::new();
    let mut slot = Slot::new();
    let (tx, mut rx) = slot.split();
    assert!(poll_with(&mut rx, &waker).is_pending());
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1))
            .map(|m: Counted| m.value),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        rx.try_recv().map(|m: Counted| m.value),
        Err(TryRecvError::Empty)
    );
    let msg = drops.msg(24);
    thread::scope(|s| {
        s.spawn(move || {
            pause();
            tx.send(msg).is_ok()
        });
        let got = futures::executor::block_on(&mut rx).unwrap();
        assert_eq!(got.value, 24);
    });
    // The first waker was replaced by the blocking call's; it never fired.
    assert_eq!(counter.wakes(), 0);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn stale_waker_of_a_forgotten_receiver_is_released() {
    // A receiver forgotten while it waits leaves its waker in the slot; the
    // next round's poll replaces it, and the slot's drop releases the last.
    let (old_counter, old_waker) = WakeCounter::new();
    let (new_counter, new_waker) = WakeCounter::new();
    let drops = DropCounter::new();
    let mut slot = Slot::new();

    let (tx, mut rx) = slot.split();
    assert!(poll_with(&mut rx, &old_waker).is_pending());
    mem::forget(rx);
    drop(tx); // wakes the forgotten receiver's waker, and takes it out
    assert_eq!(old_counter.wakes(), 1);
    assert_eq!(Arc::strong_count(&old_counter), 2);

    let (tx, mut rx) = slot.split();
    assert!(poll_with(&mut rx, &old_waker).is_pending());
    mem::forget(rx);
    mem::forget(tx); // nobody takes the waker out this time
    assert_eq!(Arc::strong_count(&old_counter), 3);

    let (tx, mut rx) = slot.split();
    assert!(poll_with(&mut rx, &new_waker).is_pending());
    assert_eq!(Arc::strong_count(&old_counter), 2, "replaced and dropped");
    tx.send(drops.msg(25)).unwrap();
    assert_eq!(old_counter.wakes(), 1);
    assert_eq!(new_counter.wakes(), 1);
    assert_eq!(
        poll_with(&mut rx, &new_waker).map(|r| r.map(|m| m.value)),
        Poll::Ready(Ok(25))
    );
    drop(rx);

    let (tx, mut rx) = slot.split();
    assert!(poll_with(&mut rx, &new_waker).is_pending());
    mem::forget(rx);
    mem::forget(tx);
    assert_eq!(Arc::strong_count(&new_counter), 3);
    drop(slot);
    assert_eq!(Arc::strong_count(&new_counter), 2, "released by the drop");
    assert_eq!(drops.drops(), 1);
}

// ----- async, under every executor -----

#[test]
fn task_to_task_within_one_future() {
    // The slot lives in the future itself; its halves borrow it.
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let mut slot = Slot::new();
        for round in 0..3 {
            let (tx, rx) = slot.split();
            let msg = drops.msg(round);
            let sender = async move {
                YieldOnce::default().await;
                tx.send(msg).is_ok()
            };
            let (sent, got) = futures::join!(sender, rx);
            assert!(sent);
            assert_eq!(got.unwrap().value, round, "under {executor:?}");
        }
        assert_eq!(drops.drops(), 3);
    });
}

#[test]
fn thread_to_task() {
    for executor in EXECUTORS {
        let drops = DropCounter::new();
        // SAFETY: both halves are dropped before the closure returns: the sending thread is joined and the task has run to completion.
        unsafe {
            with_static_slot(|slot| {
                let (tx, rx) = slot.split();
                let msg = drops.msg(30);
                let sender = thread::spawn(move || {
                    pause();
                    tx.send(msg).is_ok()
                });
                let got = executor.run(async move { rx.await.map(|m: Counted| m.value) });
                assert_eq!(got, Ok(30), "under {executor:?}");
                assert!(sender.join().unwrap());
            })
        };
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn task_to_thread() {
    for executor in EXECUTORS {
        let drops = DropCounter::new();
        // SAFETY: as in `thread_to_task`.
        unsafe {
            with_static_slot(|slot| {
                let (tx, rx) = slot.split();
                let receiver = thread::spawn(move || rx.recv().map(|m: Counted| m.value));
                let msg = drops.msg(31);
                let sent = executor.run(async move {
                    pause();
                    tx.send(msg).is_ok()
                });
                assert!(sent);
                assert_eq!(receiver.join().unwrap(), Ok(31), "under {executor:?}");
            })
        };
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn sender_dropped_while_task_waits() {
    for executor in EXECUTORS {
        // SAFETY: as in `thread_to_task`.
        unsafe {
            with_static_slot::<Counted, _>(|slot| {
                let (tx, rx) = slot.split();
                let dropper = thread::spawn(move || {
                    pause();
                    drop(tx);
                });
                let got = executor.run(async move { rx.await.map(|m| m.value) });
                assert_eq!(got, Err(RecvError), "under {executor:?}");
                dropper.join().unwrap();
            })
        };
    }
}

#[test]
fn future_moved_to_another_task_between_polls() {
    for executor in EXECUTORS {
        let drops = DropCounter::new();
        // SAFETY: as in `thread_to_task`.
        unsafe {
            with_static_slot(|slot| {
                let (tx, mut rx) = slot.split();
                // First task: poll once (registers that task's waker), then
                // give the receiver away.
                #[allow(clippy::async_yields_async)] // handed on, not awaited
                let rx = executor.run(async move {
                    assert!(futures::poll!(&mut rx).is_pending());
                    rx
                });
                let msg = drops.msg(32);
                let sender = thread::spawn(move || {
                    pause();
                    tx.send(msg).is_ok()
                });
                // Second task: the send must wake this one.
                let got = executor.run(async move { rx.await.map(|m: Counted| m.value) });
                assert_eq!(got, Ok(32), "under {executor:?}");
                assert!(sender.join().unwrap());
            })
        };
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn receiver_in_select_loses_nothing() {
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let mut slot = Slot::new();
        let mut other = Slot::new();
        let (tx, mut rx) = slot.split();
        let (other_tx, other_rx) = other.split();
        other_tx.send(drops.msg(1)).unwrap();
        let first = futures::future::select(&mut rx, other_rx).await;
        match first {
            futures::future::Either::Right((Ok(msg), _)) => assert_eq!(msg.value, 1),
            _ => panic!("only the other slot had a message"),
        }
        assert_eq!(drops.drops(), 1);
        assert!(tx.send(drops.msg(33)).is_ok());
        assert_eq!(rx.await.unwrap().value, 33, "under {executor:?}");
        assert_eq!(drops.drops(), 2);
    });
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

// ----- a `static` slot and the unsafe layer -----

#[test]
fn static_slot_is_made_in_const_context() {
    static SLOT: Slot<Counted> = Slot::new();
    const fn make() -> Slot<u64> {
        Slot::new()
    }
    static OTHER: Slot<u64> = make();
    assert!(SLOT.is_empty());
    assert!(OTHER.is_empty());
    let drops = DropCounter::new();
    // SAFETY: only this test uses SLOT; one thread, no halves: put starts nothing concurrently, and take is the only receiving side.
    unsafe {
        SLOT.put(drops.msg(40)).unwrap();
        assert!(!SLOT.is_empty());
        assert_eq!(SLOT.take().map(|m| m.value), Some(40));
    }
    assert!(SLOT.is_empty());
    assert_eq!(drops.drops(), 1);
}

#[test]
fn default_is_an_empty_slot() {
    let drops = DropCounter::new();
    let mut slot: Slot<Counted> = Slot::default();
    assert!(slot.is_empty());
    let (tx, rx) = slot.split();
    tx.send(drops.msg(41)).unwrap();
    assert_eq!(rx.recv().map(|m| m.value), Ok(41));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn put_and_take_alternate_for_many_rounds() {
    let drops = DropCounter::new();
    let slot = Slot::new();
    let rounds = iters(500) as u64;
    for round in 0..rounds {
        assert!(slot.is_empty());
        // SAFETY: one thread, no halves; each put is the first of its round (the slot is new, or the last take started a new round).
        unsafe { slot.put(drops.msg(round)) }
            .map_err(|_| "closed")
            .unwrap();
        assert!(!slot.is_empty());
        // SAFETY: no receiver half exists; only this thread takes.
        let got = unsafe { slot.take() }.expect("the message is there");
        assert_eq!(got.value, round);
        drop(got);
        assert_eq!(drops.drops(), round as usize + 1);
        // SAFETY: as above; a take on an empty slot takes nothing.
        assert!(unsafe { slot.take() }.is_none());
    }
    assert!(slot.is_empty());
    drop(slot);
    assert_eq!(drops.drops(), rounds as usize);
}

#[test]
fn take_on_an_empty_slot_returns_none() {
    let drops = DropCounter::new();
    let slot = Slot::<Counted>::new();
    for _ in 0..3 {
        // SAFETY: one thread, no halves.
        assert!(unsafe { slot.take() }.is_none());
        assert!(slot.is_empty());
    }
    // The empty takes did not spoil the round: a put still lands.
    // SAFETY: the round's first and only sending side.
    unsafe { slot.put(drops.msg(42)) }
        .map_err(|_| "closed")
        .unwrap();
    // SAFETY: one thread, no halves.
    assert_eq!(unsafe { slot.take() }.map(|m| m.value), Some(42));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn put_left_in_the_slot_is_dropped_with_it() {
    let drops = DropCounter::new();
    let slot = Slot::new();
    // SAFETY: the round's one sending side, on one thread.
    unsafe { slot.put(drops.msg(43)) }
        .map_err(|_| "closed")
        .unwrap();
    assert!(!slot.is_empty());
    assert_eq!(drops.drops(), 0);
    drop(slot);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn receiver_drops_a_message_left_from_an_earlier_round() {
    let drops = DropCounter::new();
    let slot = Slot::new();
    // SAFETY: the first round's one sending side.
    unsafe { slot.put(drops.msg(44)) }
        .map_err(|_| "closed")
        .unwrap();
    // SAFETY: the put has finished; no other receiving side exists.
    let rx = unsafe { slot.receiver() };
    assert_eq!(drops.drops(), 1, "the new round starts empty");
    assert!(slot.is_empty());
    assert_eq!(rx.try_recv().map(|m| m.value), Err(TryRecvError::Empty));
    // SAFETY: the new round's one sending side.
    unsafe { slot.put(drops.msg(45)) }
        .map_err(|_| "closed")
        .unwrap();
    assert_eq!(rx.try_recv().map(|m| m.value), Ok(45));
    assert_eq!(drops.drops(), 2);
}

#[test]
fn put_after_the_rounds_receiver_is_dropped_returns_the_message() {
    let drops = DropCounter::new();
    let slot = Slot::new();
    // SAFETY: a new round with one receiving side, on one thread.
    let rx = unsafe { slot.receiver() };
    drop(rx);
    // SAFETY: the round's one sending side.
    let SendError(msg) = unsafe { slot.put(drops.msg(46)) }.unwrap_err();
    assert_eq!(msg.value, 46);
    assert_eq!(drops.drops(), 0);
    assert!(slot.is_empty());
    drop(msg);
    drop(slot);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn unsafe_halves_behave_like_split_ones() {
    let drops = DropCounter::new();
    let slot = Slot::<Counted>::new();
    for round in 0..iters(100) as u64 {
        // SAFETY: the last round's halves are gone; one receiver, one sender per round.
        let (rx, tx) = unsafe { (slot.receiver(), slot.sender()) };
        if round % 2 == 0 {
            thread::scope(|s| {
                let msg = drops.msg(round);
                s.spawn(move || tx.send(msg).is_ok());
                assert_eq!(rx.recv().map(|m| m.value), Ok(round));
            });
        } else {
            drop(tx);
            assert!(rx.is_closed());
            assert_eq!(rx.recv().map(|m| m.value), Err(RecvError));
        }
    }
    assert_eq!(drops.drops(), iters(100).div_ceil(2));
}

#[test]
fn put_from_thread_while_task_awaits_receiver() {
    static SLOT: Slot<Counted> = Slot::new();
    let drops = DropCounter::new();
    let mut sent = 0;
    for executor in EXECUTORS {
        for round in 0..3 {
            // SAFETY: only this test uses SLOT; the last round's putter was joined and its receiver dropped, so nothing else touches it.
            let rx = unsafe { SLOT.receiver() };
            let msg = drops.msg(round);
            let putter = thread::spawn(move || {
                if round == 1 {
                    pause();
                }
                // SAFETY: this round's one sending side.
                unsafe { SLOT.put(msg) }.is_ok()
            });
            let got = executor.run(async move { rx.await.map(|m| m.value) });
            assert_eq!(got, Ok(round), "under {executor:?}");
            assert!(putter.join().unwrap());
            sent += 1;
            assert_eq!(drops.drops(), sent);
        }
    }
    assert!(SLOT.is_empty());
}

#[test]
fn put_from_task_while_thread_blocks_on_receiver() {
    static SLOT: Slot<Counted> = Slot::new();
    let drops = DropCounter::new();
    for executor in EXECUTORS {
        // SAFETY: only this test uses SLOT; the last round is over.
        let rx = unsafe { SLOT.receiver() };
        let receiver = thread::spawn(move || rx.recv().map(|m| m.value));
        let msg = drops.msg(47);
        let sent = executor.run(async move {
            pause();
            // SAFETY: this round's one sending side.
            unsafe { SLOT.put(msg) }.is_ok()
        });
        assert!(sent);
        assert_eq!(receiver.join().unwrap(), Ok(47), "under {executor:?}");
    }
    assert_eq!(drops.drops(), EXECUTORS.len());
}

#[test]
fn put_on_a_thread_while_take_polls() {
    // `take` may run concurrently with the sending side; the putter learns
    // that the round is over through a channel (a synchronizing hand-over).
    let slot = Slot::new();
    let drops = DropCounter::new();
    let rounds = iters(200) as u64;
    let (next_tx, next_rx) = mpsc::channel::<()>();
    thread::scope(|s| {
        let d = drops.clone();
        let slot = &slot;
        s.spawn(move || {
            for round in 0..rounds {
                // SAFETY: the last take (acknowledged through the channel) started this round; this is its one sending side.
                assert!(unsafe { slot.put(d.msg(round)) }.is_ok());
                if next_rx.recv().is_err() {
                    break;
                }
            }
        });
        for round in 0..rounds {
            let got = loop {
                // SAFETY: no receiver half exists; only this thread takes.
                if let Some(msg) = unsafe { slot.take() } {
                    break msg;
                }
                thread::yield_now();
            };
            assert_eq!(got.value, round);
            next_tx.send(()).unwrap();
        }
    });
    assert!(slot.is_empty());
    assert_eq!(drops.drops(), rounds as usize);
}

#[test]
fn put_again_once_is_empty_reports_the_take() {
    // A driver that waits for `is_empty()` before its next `put`: seeing
    // the slot empty after its own put means the taker took the message and
    // started a new round, so the next put may write the cell.
    //
    // Regression (caught by miri as a data race): `take` once published the
    // new round with a Relaxed store, so the putter's Acquire load that saw
    // it did not synchronize with the taker's read of the message cell, and
    // the next put's write of the cell raced with that read.
    let slot = Slot::new();
    let drops = DropCounter::new();
    let rounds = iters(200) as u64;
    thread::scope(|s| {
        let d = drops.clone();
        let slot = &slot;
        s.spawn(move || {
            for round in 0..rounds {
                while !slot.is_empty() {
                    thread::yield_now();
                }
                // SAFETY: the slot is empty again after our last put, so the take ended that round; this is the new round's one sending side.
                assert!(unsafe { slot.put(d.msg(round)) }.is_ok());
            }
        });
        for round in 0..rounds {
            let got = loop {
                // SAFETY: no receiver half exists; only this thread takes.
                if let Some(msg) = unsafe { slot.take() } {
                    break msg;
                }
                thread::yield_now();
            };
            assert_eq!(got.value, round);
        }
    });
    assert_eq!(drops.drops(), rounds as usize);
}

// ----- round after round -----

#[test]
fn rounds_via_split_across_threads() {
    let drops = DropCounter::new();
    let mut slot = Slot::<Counted>::new();
    let rounds = iters(200) as u64;
    let mut sum = 0;
    for round in 0..rounds {
        let (tx, rx) = slot.split();
        let msg = drops.msg(round);
        thread::scope(|s| {
            if round % 3 == 2 {
                s.spawn(move || drop((tx, msg)));
                assert_eq!(rx.recv().map(|m| m.value), Err(RecvError));
            } else {
                s.spawn(move || tx.send(msg).is_ok());
                sum += rx.recv().unwrap().value;
            }
        });
    }
    let expected: u64 = (0..rounds).filter(|r| r % 3 != 2).sum();
    assert_eq!(sum, expected);
    assert_eq!(drops.drops(), rounds as usize);
}

#[test]
fn forgotten_receiver_message_is_dropped_by_the_next_split() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    tx.send(drops.msg(50)).unwrap();
    mem::forget(rx);
    assert_eq!(drops.drops(), 0);
    assert!(!slot.is_empty());
    let (tx, rx) = slot.split();
    assert_eq!(drops.drops(), 1, "the leftover went with the new round");
    assert!(slot_is_empty_through(&rx));
    tx.send(drops.msg(51)).unwrap();
    assert_eq!(rx.try_recv().map(|m| m.value), Ok(51));
    drop(rx);
    drop(slot);
    assert_eq!(drops.drops(), 2);
}

/// A fresh round's receiver sees nothing: no message, sender not gone.
fn slot_is_empty_through<T>(rx: &SlotReceiver<'_, T>) -> bool {
    !rx.has_message() && !rx.is_closed() && matches!(rx.try_recv(), Err(TryRecvError::Empty))
}

#[test]
fn forgotten_receiver_message_is_dropped_by_the_slot() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    tx.send(drops.msg(52)).unwrap();
    mem::forget(rx);
    assert_eq!(drops.drops(), 0);
    drop(slot);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn forgotten_halves_do_not_spoil_the_next_round() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();

    // A forgotten sender: its round never ends, but the next split does.
    let (tx, rx) = slot.split();
    mem::forget(tx);
    assert_eq!(
        rx.try_recv().map(|m: Counted| m.value),
        Err(TryRecvError::Empty)
    );
    drop(rx);

    // A forgotten receiver that never got a message.
    let (tx, rx) = slot.split();
    mem::forget(rx);
    drop(tx);

    let (tx, rx) = slot.split();
    tx.send(drops.msg(53)).unwrap();
    assert_eq!(rx.recv().map(|m| m.value), Ok(53));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn leftover_of_every_kind_over_many_rounds() {
    // Round kinds: received, receiver dropped with the message, receiver
    // forgotten with the message, sender dropped, receiver dropped first.
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let rounds = iters(250);
    let mut received = 0;
    let mut returned = 0;
    for round in 0..rounds {
        let (tx, rx) = slot.split();
        let msg = drops.msg(round as u64);
        match round % 5 {
            0 => {
                tx.send(msg).unwrap();
                assert_eq!(rx.try_recv().map(|m| m.value), Ok(round as u64));
                received += 1;
            }
            1 => {
                tx.send(msg).unwrap();
                let before = drops.drops();
                drop(rx);
                assert_eq!(drops.drops(), before + 1);
            }
            2 => {
                tx.send(msg).unwrap();
                mem::forget(rx);
            }
            3 => {
                drop(tx);
                drop(msg);
                assert_eq!(
                    rx.try_recv().map(|m| m.value),
                    Err(TryRecvError::Disconnected)
                );
            }
            _ => {
                drop(rx);
                let SendError(msg) = tx.send(msg).unwrap_err();
                drop(msg);
                returned += 1;
            }
        }
    }
    let (tx, rx) = slot.split();
    drop((tx, rx));
    assert_eq!(drops.drops(), rounds, "each message dropped exactly once");
    assert!(received > 0 && returned > 0);
    drop(slot);
    assert_eq!(drops.drops(), rounds);
}

// ----- types and properties -----

#[test]
fn zero_sized_messages() {
    let mut slot = Slot::<()>::new();
    for _ in 0..3 {
        let (tx, rx) = slot.split();
        tx.send(()).unwrap();
        assert_eq!(rx.recv(), Ok(()));
    }

    #[derive(Debug, PartialEq)]
    struct Zst;
    let mut slot = Slot::<Zst>::new();
    let (tx, rx) = slot.split();
    thread::scope(|s| {
        s.spawn(move || tx.send(Zst).is_ok());
        assert_eq!(rx.recv(), Ok(Zst));
    });

    // A zero-sized message that counts its drops.
    static ZST_DROPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    struct CountedZst;
    impl Drop for CountedZst {
        fn drop(&mut self) {
            ZST_DROPS.fetch_add(1, SeqCst);
        }
    }
    assert_eq!(size_of::<CountedZst>(), 0);
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    tx.send(CountedZst).map_err(|_| "gone").unwrap();
    drop(rx);
    assert_eq!(ZST_DROPS.load(SeqCst), 1);
    let (tx, rx) = slot.split();
    tx.send(CountedZst).map_err(|_| "gone").unwrap();
    mem::forget(rx);
    drop(slot);
    assert_eq!(ZST_DROPS.load(SeqCst), 2);
}

#[test]
fn slot_and_halves_are_debug() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    assert_eq!(format!("{slot:?}"), "Slot { is_empty: true }");
    let (tx, rx) = slot.split();
    assert_eq!(format!("{tx:?}"), "SlotSender { is_closed: false }");
    assert_eq!(
        format!("{rx:?}"),
        "SlotReceiver { has_message: false, is_closed: false }"
    );
    tx.send(drops.msg(1)).unwrap();
    assert_eq!(
        format!("{rx:?}"),
        "SlotReceiver { has_message: true, is_closed: false }"
    );
    assert_eq!(rx.try_recv().map(|m| m.value), Ok(1));
    assert_eq!(
        format!("{rx:?}"),
        "SlotReceiver { has_message: false, is_closed: true }"
    );
    drop(rx);

    let (tx, rx) = slot.split();
    drop(rx);
    assert_eq!(format!("{tx:?}"), "SlotSender { is_closed: true }");
    drop(tx);

    let slot = Slot::new();
    // SAFETY: one thread, no halves.
    unsafe { slot.put(drops.msg(2)) }.unwrap();
    assert_eq!(format!("{slot:?}"), "Slot { is_empty: false }");
    assert_eq!(drops.drops(), 1);
    drop(slot);
    assert_eq!(drops.drops(), 2);
}

#[test]
fn message_type_need_not_be_debug_or_sync() {
    struct NotDebug(std::cell::Cell<u8>, #[allow(dead_code)] Counted);
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    thread::scope(|s| {
        let msg = NotDebug(std::cell::Cell::new(3), drops.msg(3));
        s.spawn(move || tx.send(msg).is_ok());
        assert_eq!(rx.recv().map(|m| m.0.get()).ok(), Some(3));
    });
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

assert_not_impl!(SlotReceiver<'static, u8>: Sync);
assert_not_impl!(Slot<std::rc::Rc<u8>>: Sync);
assert_not_impl!(Slot<std::rc::Rc<u8>>: Send);
assert_not_impl!(SlotSender<'static, std::rc::Rc<u8>>: Send);
assert_not_impl!(SlotReceiver<'static, std::rc::Rc<u8>>: Send);

#[test]
fn send_and_sync_exactly_where_sound() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    fn send_unpin<T: Send + Unpin>() {}
    type NotSync = std::cell::Cell<u8>;
    // `T: Send` is enough: the message only moves between threads.
    sync::<Slot<NotSync>>();
    send::<Slot<NotSync>>();
    send::<SlotSender<'static, NotSync>>();
    sync::<SlotSender<'static, NotSync>>();
    send_unpin::<SlotReceiver<'static, NotSync>>();
    fn future<F: Future<Output = Result<u8, RecvError>> + Send + Unpin>(_: F) {}
    let mut slot = Slot::new();
    let (_tx, rx) = slot.split();
    future(rx);
}

#[test]
fn slot_is_little_more_than_its_message() {
    fn check<T>() {
        let slot = size_of::<Slot<T>>();
        let bound = size_of::<T>() + 4 * size_of::<usize>();
        assert!(
            slot <= bound,
            "Slot<{}> is {slot} bytes, more than {bound}",
            std::any::type_name::<T>()
        );
    }
    check::<u8>();
    check::<u32>();
    check::<u64>();
    check::<[u8; 3]>();
    check::<[u64; 4]>();
    check::<u128>();
    check::<()>();
    // The halves are one reference each.
    assert_eq!(size_of::<SlotSender<'_, [u64; 4]>>(), size_of::<usize>());
    assert_eq!(size_of::<SlotReceiver<'_, [u64; 4]>>(), size_of::<usize>());
}

#[test]
fn send_and_receiver_drop_race() {
    let mut slot = Slot::new();
    for _ in 0..iters(200) {
        let drops = DropCounter::new();
        let (tx, rx) = slot.split();
        let msg = drops.msg(60);
        thread::scope(|s| {
            s.spawn(move || tx.send(msg).is_ok());
            drop(rx);
        });
        assert_eq!(drops.drops(), 1);
        assert!(slot.is_empty());
    }
}

#[test]
fn polled_receiver_dropped_while_send_runs_on_another_thread() {
    let mut slot = Slot::new();
    for _ in 0..iters(200) {
        let drops = DropCounter::new();
        let (counter, waker) = WakeCounter::new();
        let (tx, mut rx) = slot.split();
        assert!(poll_with(&mut rx, &waker).is_pending());
        let msg = drops.msg(61);
        thread::scope(|s| {
            let sender = s.spawn(move || match tx.send(msg) {
                Ok(()) => None,
                Err(SendError(msg)) => Some(msg.value),
            });
            drop(rx);
            let returned = sender.join().unwrap();
            assert!(returned.is_none() || returned == Some(61));
        });
        assert_eq!(drops.drops(), 1);
        assert!(counter.wakes() <= 1);
        assert_eq!(Arc::strong_count(&counter), 2, "the waker leaked");
    }
}

#[test]
fn sender_and_receiver_dropped_at_once() {
    let mut slot = Slot::<Counted>::new();
    for _ in 0..iters(200) {
        let (tx, rx) = slot.split();
        thread::scope(|s| {
            s.spawn(move || drop(tx));
            drop(rx);
        });
    }
    assert!(slot.is_empty());
}

#[test]
fn panicking_message_drop_leaves_the_slot_usable() {
    struct Bomb(DropCounter, Arc<AtomicBool>);
    impl Drop for Bomb {
        fn drop(&mut self) {
            drop(self.0.msg(0));
            if self.1.load(SeqCst) {
                panic!("boom");
            }
        }
    }
    let drops = DropCounter::new();
    let armed = Arc::new(AtomicBool::new(true));
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    tx.send(Bomb(drops.clone(), armed.clone()))
        .map_err(|_| "gone")
        .unwrap();
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rx)));
    assert!(dropped.is_err(), "the message's panic reaches the caller");
    assert_eq!(drops.drops(), 1, "the message was dropped exactly once");
    assert!(slot.is_empty());
    armed.store(false, SeqCst);
    let (tx, rx) = slot.split();
    assert_eq!(drops.drops(), 1, "not dropped again by the next round");
    tx.send(Bomb(drops.clone(), armed.clone()))
        .map_err(|_| "gone")
        .unwrap();
    assert!(rx.try_recv().is_ok());
    assert_eq!(drops.drops(), 2);
}

//! Integration tests of `tidings::oneshot::Slot`, the allocation-free
//! oneshot: every ordering of the two halves' moves, blocking and async
//! under every executor, reuse round after round, and the unsafe layer
//! (`put`, `take`, `sender`, `receiver`). The bodies that the other channel
//! kinds run too are in `common::cases`; the checks here add what the slot
//! has besides (its emptiness, its own drop, the next round).
#![allow(unsafe_code)] // the unsafe layer of `Slot` is part of what is tested

mod common;

use std::future::Future;
use std::mem::{self, size_of};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use common::{
    assert_not_impl, case_tests, cases, concurrently, iters, on_every_executor, pause, poll_with,
    value, Bomb, Counted, CountedZst, DropCounter, Runtime, WakeCounter, YieldOnce, EXECUTORS,
    ZST_DROPS,
};
use tidings::oneshot::{Slot, SlotReceiver, SlotSender};
use tidings::{RecvError, SendError, TryRecvError};

/// The halves of one round of a slot that they may treat as `'static`.
type StaticHalves = (SlotSender<'static, Counted>, SlotReceiver<'static, Counted>);

/// Runs `body` under every executor, each time on the halves of a new slot
/// on the heap that they may treat as `'static` (so that they can go into
/// spawned threads and `'static` futures); then frees the slot with
/// [`drop_empty_slot`].
///
/// # Safety
///
/// `body` drops (or forgets) both halves before it returns: it joins the
/// threads and runs to completion the tasks that it hands them to.
unsafe fn on_every_executor_with_a_static_slot(body: impl Fn(Runtime, &DropCounter, StaticHalves)) {
    for executor in EXECUTORS {
        let drops = DropCounter::new();
        let raw = Box::into_raw(Box::new(Slot::new()));
        // SAFETY: `raw` is a live allocation nobody else knows of, and the halves borrowed from it are gone before it is freed below (the caller's contract).
        body(executor, &drops, unsafe { &mut *raw }.split());
        // SAFETY: from `Box::into_raw` above; nothing borrows the slot any more (the caller's contract).
        drop_empty_slot(*unsafe { Box::from_raw(raw) }, &drops);
    }
}

/// Drops `slot`, whose last round is over, checking that nothing was left
/// in it and that its drop dropped no message again.
fn drop_empty_slot(slot: Slot<Counted>, drops: &DropCounter) {
    assert!(slot.is_empty(), "nothing was left in the slot");
    let dropped = drops.drops();
    drop(slot);
    assert_eq!(
        drops.drops(),
        dropped,
        "the slot's drop dropped a message again"
    );
}

/// Takes the slot's message, yielding until one is there.
///
/// # Safety
///
/// As for [`Slot::take`]: no receiver half of the slot exists, and no other
/// thread takes from it meanwhile.
unsafe fn take_when_put<T>(slot: &Slot<T>) -> T {
    loop {
        // SAFETY: the caller keeps `take`'s contract.
        if let Some(msg) = unsafe { slot.take() } {
            return msg;
        }
        thread::yield_now();
    }
}

// ----- synchronous orderings -----

case_tests! {
    halves: Slot::new().split();
    counted: [
        try_recv_before_send_is_empty, send_then_blocking_recv, recv_timeout_expires_then_receives,
        recv_deadline_expires_then_receives, recv_timeout_that_does_not_expire,
        repeated_timeouts_then_send_from_thread,
    ]
    plain: [sender_dropped_before_recv, sender_dropped_while_receiver_blocks]
}

#[test]
fn send_then_try_recv() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    cases::send_then_try_recv(&drops, slot.split());
    drop_empty_slot(slot, &drops);
}

#[test]
fn receiver_dropped_before_send_returns_message() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    cases::receiver_dropped_before_send_returns_message(&drops, slot.split());
    drop_empty_slot(slot, &drops);
}

#[test]
fn receiver_dropped_after_send_drops_message_at_once_and_once() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    cases::receiver_dropped_after_send_drops_message_at_once(&drops, slot.split());
    assert!(slot.is_empty());
    // Neither the next round nor the slot's own drop drops it again.
    drop(slot.split());
    assert_eq!(drops.drops(), 1);
    drop_empty_slot(slot, &drops);
}

#[test]
fn both_dropped_without_message_in_either_order() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    cases::halves_dropped_unsent(slot.split(), true);
    cases::halves_dropped_unsent(slot.split(), false);
    // The slot still works after both.
    let (tx, rx) = slot.split();
    tx.send(drops.msg(6)).unwrap();
    assert_eq!(value(rx.try_recv()), Ok(6));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn send_from_thread_while_receiver_blocks() {
    let mut slot = Slot::new();
    for round in 0..iters(100) as u64 {
        let drops = DropCounter::new();
        cases::send_from_a_thread_while_receiver_blocks(slot.split(), drops.msg(round), false);
        assert_eq!(drops.drops(), 1);
    }
}

#[test]
fn send_after_receiver_parked() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    cases::send_from_a_thread_while_receiver_blocks(slot.split(), drops.msg(7), true);
    assert_eq!(drops.drops(), 1);
}

#[test]
fn zero_timeout_and_past_deadline_take_a_ready_message() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    cases::zero_timeout_takes_a_ready_message(slot.split(), drops.msg(11));
    assert_eq!(drops.drops(), 1);
    cases::past_deadline_takes_a_ready_message(slot.split(), drops.msg(12));
    assert_eq!(drops.drops(), 2);
}

#[test]
fn huge_timeout_and_far_deadline_wait_without_panicking() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    cases::huge_timeout_waits_for_the_send(slot.split(), drops.msg(13));
    cases::far_deadline_waits_for_the_send(slot.split(), drops.msg(14));
    cases::huge_timeout_sees_the_sender_dropped(slot.split());
    // A ready message is taken at once, too.
    let (tx, rx) = slot.split();
    tx.send(drops.msg(15)).unwrap();
    assert_eq!(value(rx.recv_timeout(Duration::MAX)), Ok(15));
    assert_eq!(drops.drops(), 3);
}

// ----- manual polling: every ordering against the first poll -----

case_tests! {
    halves: Slot::new().split();
    counted: [
        send_before_first_poll, send_after_first_poll_wakes_once,
        receiver_dropped_after_poll_then_send_returns_message,
        new_waker_replaces_old_and_is_the_one_woken, poll_then_timeout_then_await_on_one_receiver,
        panicking_waker_clone_leaves_the_receiver_usable,
    ]
    plain: [
        sender_dropped_before_first_poll, sender_dropped_after_first_poll_wakes,
        same_waker_is_cloned_at_most_once,
    ]
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
        poll_with(&mut rx, &new_waker).map(value),
        std::task::Poll::Ready(Ok(25))
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
            assert_eq!(value(got), Ok(round), "under {executor:?}");
        }
        assert_eq!(drops.drops(), 3);
    });
}

#[test]
fn thread_to_task() {
    // SAFETY: the body joins its thread and completes its task, so both halves are gone when it returns.
    unsafe { on_every_executor_with_a_static_slot(cases::thread_to_task) };
}

#[test]
fn task_to_thread() {
    // SAFETY: the body joins its thread and completes its task, so both halves are gone when it returns.
    unsafe { on_every_executor_with_a_static_slot(cases::task_to_thread) };
}

#[test]
fn sender_dropped_while_task_waits() {
    let body = |executor, _: &_, halves| cases::sender_dropped_while_task_waits(executor, halves);
    // SAFETY: the body joins its thread and completes its task, so both halves are gone when it returns.
    unsafe { on_every_executor_with_a_static_slot(body) };
}

#[test]
fn future_moved_to_another_task_between_polls() {
    // SAFETY: the body joins its thread and completes both its tasks, so both halves are gone when it returns.
    unsafe {
        on_every_executor_with_a_static_slot(cases::future_moved_to_another_task_between_polls)
    };
}

#[test]
fn receiver_in_select_loses_nothing() {
    on_every_executor(|executor| async move {
        let drops = DropCounter::new();
        let (mut slot, mut other) = (Slot::new(), Slot::new());
        cases::receiver_in_select_loses_nothing(executor, &drops, slot.split(), other.split())
            .await;
    });
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
    assert_eq!(value(rx.recv()), Ok(41));
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
    drop_empty_slot(slot, &drops);
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
    unsafe { slot.put(drops.msg(42)) }.unwrap();
    // SAFETY: one thread, no halves.
    assert_eq!(unsafe { slot.take() }.map(|m| m.value), Some(42));
    assert_eq!(drops.drops(), 1);
}

#[test]
fn put_left_in_the_slot_is_dropped_with_it() {
    let drops = DropCounter::new();
    let slot = Slot::new();
    // SAFETY: the round's one sending side, on one thread.
    unsafe { slot.put(drops.msg(43)) }.unwrap();
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
    unsafe { slot.put(drops.msg(44)) }.unwrap();
    // SAFETY: the put has finished; no other receiving side exists.
    let rx = unsafe { slot.receiver() };
    assert_eq!(drops.drops(), 1, "the new round starts empty");
    assert!(slot.is_empty());
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    // SAFETY: the new round's one sending side.
    unsafe { slot.put(drops.msg(45)) }.unwrap();
    assert_eq!(value(rx.try_recv()), Ok(45));
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
    drop(msg);
    assert_eq!(drops.drops(), 1);
    drop_empty_slot(slot, &drops);
}

#[test]
fn unsafe_halves_behave_like_split_ones() {
    let drops = DropCounter::new();
    let slot = Slot::<Counted>::new();
    for round in 0..iters(100) as u64 {
        // SAFETY: the last round's halves are gone; one receiver, one sender per round.
        let (rx, tx) = unsafe { (slot.receiver(), slot.sender()) };
        if round % 2 == 0 {
            cases::send_from_a_thread_while_receiver_blocks((tx, rx), drops.msg(round), false);
        } else {
            cases::sender_dropped_before_recv((tx, rx));
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
            let got = executor.run(async move { value(rx.await) });
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
        let receiver = thread::spawn(move || value(rx.recv()));
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
            // SAFETY: no receiver half exists; only this thread takes.
            let got = unsafe { take_when_put(slot) };
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
            // SAFETY: no receiver half exists; only this thread takes.
            let got = unsafe { take_when_put(slot) };
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
        if round % 3 == 2 {
            let ((), got) = concurrently(move || drop((tx, msg)), || value(rx.recv()));
            assert_eq!(got, Err(RecvError));
        } else {
            let (sent, got) = concurrently(move || tx.send(msg).is_ok(), || rx.recv());
            assert!(sent);
            sum += got.unwrap().value;
        }
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
    assert_eq!(value(rx.try_recv()), Ok(51));
    drop(rx);
    assert_eq!(drops.drops(), 2);
    drop_empty_slot(slot, &drops);
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
    assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
    drop(rx);

    // A forgotten receiver that never got a message.
    let (tx, rx) = slot.split();
    mem::forget(rx);
    drop(tx);

    let (tx, rx) = slot.split();
    tx.send(drops.msg(53)).unwrap();
    assert_eq!(value(rx.recv()), Ok(53));
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
                assert_eq!(value(rx.try_recv()), Ok(round as u64));
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
                assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
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
    drop_empty_slot(slot, &drops);
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
    let (sent, got) = concurrently(move || tx.send(Zst).is_ok(), || rx.recv());
    assert!(sent);
    assert_eq!(got, Ok(Zst));

    // A zero-sized message that counts its drops.
    assert_eq!(size_of::<CountedZst>(), 0);
    let mut slot = Slot::new();
    let (tx, rx) = slot.split();
    tx.send(CountedZst).unwrap();
    drop(rx);
    assert_eq!(ZST_DROPS.load(SeqCst), 1);
    let (tx, rx) = slot.split();
    tx.send(CountedZst).unwrap();
    mem::forget(rx);
    drop(slot);
    assert_eq!(ZST_DROPS.load(SeqCst), 2);
}

#[test]
fn slot_and_halves_are_debug() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    assert_eq!(format!("{slot:?}"), "Slot { is_empty: true }");
    cases::halves_are_debug(&drops, slot.split(), ["SlotSender", "SlotReceiver"]);

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
    let mut slot = Slot::new();
    cases::message_type_need_not_be_debug_or_sync(&DropCounter::new(), slot.split());
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
        cases::send_and_receiver_drop_race(&DropCounter::new(), slot.split());
        assert!(slot.is_empty());
    }
}

#[test]
fn polled_receiver_dropped_while_send_runs_on_another_thread() {
    let mut slot = Slot::new();
    for _ in 0..iters(200) {
        cases::polled_receiver_dropped_while_send_runs_on_another_thread(
            &DropCounter::new(),
            slot.split(),
        );
    }
}

#[test]
fn sender_and_receiver_dropped_at_once() {
    let mut slot = Slot::new();
    for _ in 0..iters(200) {
        cases::halves_dropped_at_once(slot.split());
    }
    assert!(slot.is_empty());
}

#[test]
fn panicking_message_drop_leaves_the_slot_usable() {
    let drops = DropCounter::new();
    let mut slot = Slot::new();
    cases::panicking_message_drop_reaches_the_caller(&drops, slot.split());
    assert!(slot.is_empty());
    let (tx, rx) = slot.split();
    assert_eq!(drops.drops(), 1, "not dropped again by the next round");
    let dud = Bomb {
        drops: drops.clone(),
        armed: false,
    };
    tx.send(dud).map_err(|_| "gone").unwrap();
    assert!(rx.try_recv().is_ok());
    assert_eq!(drops.drops(), 2);
}

#[test]
fn panicking_waker_drop_still_closes_the_receiver() {
    let mut slot = Slot::new();
    cases::panicking_waker_drop_still_closes_the_receiver(&DropCounter::new(), slot.split());
    assert!(slot.is_empty());
}

/// `SlotReceiver` is a `FusedFuture` under the `futures` feature, as every
/// future of the crate: terminated once it has nothing more to give.
#[cfg(feature = "futures")]
#[test]
fn fused_future_reports_termination() {
    use futures::future::FusedFuture;
    let mut slot = Slot::new();
    let (tx, mut rx) = slot.split();
    assert!(!rx.is_terminated());
    tx.send(1u8).unwrap();
    assert!(!rx.is_terminated(), "a message is waiting");
    assert_eq!(futures::executor::block_on(&mut rx), Ok(1));
    assert!(rx.is_terminated());
    drop(rx);

    let (tx, rx) = slot.split();
    drop(tx);
    assert!(rx.is_terminated(), "the sender is gone without a message");
}

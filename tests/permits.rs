//! Permits on every mpmc flavor (`reserve` and its forms, `Permit`,
//! `PermitIterator`, `OwnedPermit`): who gets a freed slot and in what
//! order, what a dropped permit or a withdrawn reserve gives back, what a
//! close does to permits taken and reserves waiting, and drop counts.

mod common;

use std::panic::{RefUnwindSafe, UnwindSafe};
use std::task::Poll;
use std::time::Duration;

use common::{
    after_pause, concurrently, on_every_executor, pause, poll_with, value, DropCounter, WakeCounter,
};
use tidings::mpmc::{self, OwnedPermit, Permit, PermitIterator};
use tidings::{RecvError, SendError, SendTimeoutError, TryRecvError, TrySendError};

#[test]
fn a_permit_holds_its_slot_until_it_sends() {
    let (tx, rx) = mpmc::bounded(2);
    let permit = tx.try_reserve().unwrap();
    tx.try_send(1).unwrap();
    assert_eq!(
        tx.try_send(2),
        Err(TrySendError::Full(2)),
        "one slot is held"
    );
    assert_eq!(rx.len(), 1, "a permit is not a message");
    assert!(tx.is_full() && rx.is_full(), "but it holds a slot");
    permit.send(3);
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 3]);
    tx.try_send(4).unwrap();
    tx.try_send(5).unwrap();
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
}

#[test]
fn a_dropped_permit_gives_its_slot_back() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    drop(tx.try_reserve().unwrap());
    tx.try_send(1).unwrap();
    assert_eq!(rx.recv(), Ok(1));
    let permits = tx.try_reserve_many(1).unwrap();
    drop(permits);
    let owned = tx.clone().try_reserve_owned().unwrap();
    drop(owned);
    let tx2 = tx.clone().try_reserve_owned().unwrap().release();
    assert!(tx2.same_channel(&tx));
    tx.try_send(2).unwrap();
    assert_eq!(rx.recv(), Ok(2));
}

#[test]
fn a_dropped_permit_wakes_a_blocked_sender_with_its_message_in() {
    let (tx, rx) = mpmc::bounded(1);
    let permit = tx.reserve().unwrap();
    let (sent, ()) = concurrently(|| tx.send(5), after_pause(|| drop(permit)));
    assert_eq!(sent, Ok(()));
    assert_eq!(rx.recv(), Ok(5));
}

#[test]
fn a_blocked_reserve_gets_the_slot_a_receive_frees() {
    let (tx, rx) = mpmc::bounded(1);
    tx.send(1).unwrap();
    let ((), received) = concurrently(
        || {
            let permit = tx.reserve().unwrap();
            permit.send(2);
        },
        after_pause(|| rx.recv()),
    );
    assert_eq!(received, Ok(1));
    assert_eq!(rx.recv(), Ok(2));
}

#[test]
fn freed_slots_go_to_waiting_reserves_and_sends_in_the_order_they_came() {
    let (tx, rx) = mpmc::bounded(1);
    tx.try_send(0).unwrap();
    let (_counter, waker) = WakeCounter::new();
    let mut reserve = tx.reserve_async();
    assert!(poll_with(&mut reserve, &waker).is_pending());
    let mut send = tx.send_async(1);
    assert!(poll_with(&mut send, &waker).is_pending());
    let mut second = tx.reserve_async();
    assert!(poll_with(&mut second, &waker).is_pending());

    assert_eq!(rx.try_recv(), Ok(0));
    // The freed slot went to the first in line; nobody barges in.
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    assert!(poll_with(&mut send, &waker).is_pending());
    let Poll::Ready(Ok(permit)) = poll_with(&mut reserve, &waker) else {
        panic!("the first reserve was granted the slot");
    };
    permit.send(10);
    assert_eq!(rx.try_recv(), Ok(10));
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(1));
    let Poll::Ready(Ok(permit)) = poll_with(&mut second, &waker) else {
        panic!("then the second reserve");
    };
    drop(permit);
    tx.try_send(11).unwrap();
    assert_eq!(rx.try_recv(), Ok(11));
}

#[test]
fn one_freed_slot_wakes_one_waiter() {
    let (tx, rx) = mpmc::bounded(1);
    tx.try_send(0).unwrap();
    let counters: Vec<_> = (0..3).map(|_| WakeCounter::new()).collect();
    let mut reserves: Vec<_> = (0..3).map(|_| tx.reserve_async()).collect();
    for (reserve, (_, waker)) in reserves.iter_mut().zip(&counters) {
        assert!(poll_with(reserve, waker).is_pending());
    }
    assert_eq!(rx.try_recv(), Ok(0));
    let wakes: Vec<usize> = counters.iter().map(|(c, _)| c.wakes()).collect();
    assert_eq!(wakes, [1, 0, 0]);
}

#[test]
fn reserve_many_is_granted_slot_by_slot_first_in_line() {
    let (tx, rx) = mpmc::bounded(3);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    let (counter, waker) = WakeCounter::new();
    let mut many = tx.reserve_many_async(2);
    assert!(poll_with(&mut many, &waker).is_pending());
    let mut send = tx.send_async(7);
    assert!(poll_with(&mut send, &waker).is_pending());

    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(counter.wakes(), 0, "one slot of two: not woken yet");
    assert!(poll_with(&mut many, &waker).is_pending());
    assert_eq!(
        tx.try_send(8),
        Err(TrySendError::Full(8)),
        "the slot is held"
    );
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(counter.wakes(), 1);
    let Poll::Ready(Ok(permits)) = poll_with(&mut many, &waker) else {
        panic!("both slots granted");
    };
    assert_eq!(permits.len(), 2);
    assert!(
        poll_with(&mut send, &waker).is_pending(),
        "behind the reserve"
    );
    for (permit, msg) in permits.zip([20, 21]) {
        permit.send(msg);
    }
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [20, 21, 7]);
}

#[test]
fn a_dropped_reserve_many_gives_its_granted_slots_to_the_next_in_line() {
    let (tx, rx) = mpmc::bounded(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    let (_counter, waker) = WakeCounter::new();
    let mut many = tx.reserve_many_async(2);
    assert!(poll_with(&mut many, &waker).is_pending());
    let (send_counter, send_waker) = WakeCounter::new();
    let mut send = tx.send_async(5);
    assert!(poll_with(&mut send, &send_waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(poll_with(&mut send, &send_waker).is_pending());
    drop(many);
    assert_eq!(
        send_counter.wakes(),
        1,
        "the granted slot went on to the send"
    );
    assert_eq!(poll_with(&mut send, &send_waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 5]);
    assert_eq!(
        tx.try_reserve_many(2).unwrap().len(),
        2,
        "every slot is back"
    );
}

#[test]
fn a_reserve_that_times_out_gives_back_what_it_was_granted() {
    let (tx, rx) = mpmc::bounded(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    let (timed_out, received) = concurrently(
        || tx.reserve_many_timeout(2, Duration::from_millis(200)),
        after_pause(|| rx.recv()),
    );
    assert_eq!(received, Ok(0));
    assert_eq!(timed_out.unwrap_err(), SendTimeoutError::Timeout(()));
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(
        tx.try_reserve_many(2).unwrap().len(),
        2,
        "every slot is back"
    );
    let deadline = std::time::Instant::now();
    let full = tx.try_reserve_many(2).unwrap();
    assert_eq!(
        tx.reserve_deadline(deadline).unwrap_err(),
        SendTimeoutError::Timeout(())
    );
    drop(full);
}

#[test]
fn more_than_the_capacity_fails_at_once_and_zero_always_succeeds() {
    let (tx, _rx) = mpmc::bounded::<u8>(4);
    assert_eq!(tx.reserve_many(5).unwrap_err(), SendError(()));
    assert_eq!(tx.try_reserve_many(5).unwrap_err(), TrySendError::Full(()));
    assert_eq!(
        tx.reserve_many_timeout(5, Duration::from_secs(60))
            .unwrap_err(),
        SendTimeoutError::Disconnected(()),
        "no wait could end"
    );
    assert_eq!(
        pollster::block_on(tx.reserve_many_async(5)).unwrap_err(),
        SendError(())
    );
    let all = tx.try_reserve_many(4).unwrap();
    assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0, "full, but 0 fits");
    assert_eq!(tx.reserve_many(0).unwrap().len(), 0);
    assert_eq!(
        pollster::block_on(tx.reserve_many_async(0)).unwrap().len(),
        0
    );
    drop(all);
    tx.close();
    assert_eq!(
        tx.try_reserve_many(0).unwrap_err(),
        TrySendError::Disconnected(())
    );
}

#[test]
fn permits_taken_before_a_close_still_send_and_receivers_wait_for_them() {
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::bounded(4);
    tx.send(drops.msg(0)).unwrap();
    let permit = tx.reserve().unwrap();
    let mut permits = tx.reserve_many(2).unwrap();
    assert!(tx.close());
    assert_eq!(
        tx.try_reserve().unwrap_err(),
        TrySendError::Disconnected(())
    );
    assert_eq!(tx.reserve().unwrap_err(), SendError(()));
    assert_eq!(value(rx.recv()), Ok(0));
    assert_eq!(
        value(rx.try_recv()),
        Err(TryRecvError::Empty),
        "permits left"
    );
    permit.send(drops.msg(1));
    permits.next().unwrap().send(drops.msg(2));
    assert_eq!(value(rx.recv()), Ok(1));
    assert_eq!(value(rx.recv()), Ok(2));
    // A receiver blocked on the last permit sees the end when it goes.
    let (ended, ()) = concurrently(|| value(rx.recv()), after_pause(|| drop(permits)));
    assert_eq!(ended, Err(RecvError));
    assert_eq!(drops.drops(), 3);
}

#[test]
fn a_close_fails_waiting_reserves_and_takes_back_their_granted_slots() {
    let (tx, rx) = mpmc::bounded(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    let (counter, waker) = WakeCounter::new();
    let mut many = tx.reserve_many_async(2);
    assert!(poll_with(&mut many, &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0)); // one slot granted
    let (blocked, ()) = concurrently(|| tx.reserve(), after_pause(|| assert!(rx.close())));
    assert_eq!(blocked.unwrap_err(), SendError(()));
    assert_eq!(counter.wakes(), 1);
    assert!(matches!(
        poll_with(&mut many, &waker),
        Poll::Ready(Err(SendError(())))
    ));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Disconnected),
        "no permit is left: the granted slot was taken back"
    );
}

#[test]
fn an_owned_permit_keeps_the_channel_open() {
    let (tx, rx) = mpmc::bounded(1);
    let permit = tx.try_reserve_owned().unwrap();
    assert_eq!(rx.sender_count(), 1, "the permit holds the only sender");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let tx = std::thread::spawn(move || permit.send(1)).join().unwrap();
    assert_eq!(rx.recv(), Ok(1));
    let permit = tx.try_reserve_owned().unwrap();
    drop(permit);
    assert_eq!(rx.recv(), Err(RecvError), "dropped with its sender");
}

#[test]
fn try_reserve_owned_gives_the_sender_back() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    let held = tx.clone().try_reserve_owned().unwrap();
    let tx = match tx.try_reserve_owned() {
        Err(TrySendError::Full(tx)) => tx,
        other => panic!("expected Full, got {other:?}"),
    };
    drop(held);
    drop(rx);
    match tx.try_reserve_owned() {
        Err(TrySendError::Disconnected(tx)) => assert!(tx.is_disconnected()),
        other => panic!("expected Disconnected, got {other:?}"),
    }
}

#[test]
fn reserve_owned_timeout_gives_the_sender_back() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    let held = tx.clone().reserve_owned().unwrap();
    let tx = match tx.reserve_owned_timeout(Duration::from_millis(1)) {
        Err(SendTimeoutError::Timeout(tx)) => tx,
        other => panic!("expected Timeout, got {other:?}"),
    };
    let _tx = held.send(1);
    drop(rx);
    match tx.reserve_owned_deadline(std::time::Instant::now()) {
        Err(SendTimeoutError::Disconnected(tx)) => assert!(tx.is_disconnected()),
        other => panic!("expected Disconnected, got {other:?}"),
    }
}

#[test]
fn a_permit_of_a_channel_without_receivers_drops_its_message() {
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::bounded(2);
    let permit = tx.reserve().unwrap();
    let owned = tx.clone().reserve_owned().unwrap();
    drop(rx);
    permit.send(drops.msg(1));
    assert_eq!(drops.drops(), 1, "dropped at once, nobody can receive it");
    let _tx = owned.send(drops.msg(2));
    assert_eq!(drops.drops(), 2);
}

#[test]
fn an_unbounded_channel_grants_any_reserve_at_once() {
    let (tx, rx) = mpmc::unbounded();
    let permits = tx.try_reserve_many(1000).unwrap();
    let more = tx.reserve_many(1000).unwrap();
    tx.try_send(0).unwrap();
    for (i, permit) in permits.enumerate() {
        permit.send(i + 1);
    }
    drop(more);
    assert_eq!(rx.len(), 1001);
    assert_eq!(rx.try_iter().take(3).collect::<Vec<_>>(), [0, 1, 2]);
    let permit = pollster::block_on(tx.reserve_async()).unwrap();
    tx.close();
    permit.send(7);
    assert_eq!(rx.try_iter().last(), Some(7));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn a_rendezvous_has_no_slot_to_reserve() {
    let (tx, rx) = mpmc::rendezvous::<u8>();
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    assert_eq!(tx.reserve().unwrap_err(), SendError(()), "fails at once");
    assert_eq!(
        tx.reserve_timeout(Duration::from_secs(60)).unwrap_err(),
        SendTimeoutError::Disconnected(())
    );
    assert_eq!(
        pollster::block_on(tx.reserve_async()).unwrap_err(),
        SendError(())
    );
    assert!(matches!(
        tx.clone().try_reserve_owned(),
        Err(TrySendError::Full(_))
    ));
    assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0);
    // The channel works as before.
    let (sent, got) = concurrently(|| tx.send(1), after_pause(|| rx.recv()));
    assert_eq!((sent, got), (Ok(()), Ok(1)));
}

#[test]
fn senders_blocked_behind_permits_that_hold_every_slot_wait_for_them() {
    // Every slot is a permit's, the buffer is empty: a sender waits for a
    // slot rather than passing the permits through a blocked receiver.
    let (tx, rx) = mpmc::bounded(1);
    let permit = tx.reserve().unwrap();
    let (counter, waker) = WakeCounter::new();
    let mut send = tx.send_async(2);
    assert!(poll_with(&mut send, &waker).is_pending());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let (got, ()) = concurrently(
        || rx.recv(),
        after_pause(|| {
            assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)), "no barging");
            permit.send(1);
        }),
    );
    assert_eq!(got, Ok(1));
    assert_eq!(counter.wakes(), 1, "the slot freed by the receive");
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.recv(), Ok(2));
}

#[test]
fn force_send_evicts_nothing_when_permits_hold_every_slot() {
    let (tx, rx) = mpmc::bounded(2);
    let permits = tx.try_reserve_many(2).unwrap();
    assert!(
        rx.is_empty() && rx.is_full(),
        "every slot held, none filled"
    );
    assert_eq!(
        tx.force_send(1),
        Ok(Some(1)),
        "no room to make: it comes back"
    );
    drop(permits);
    tx.try_send(2).unwrap();
    let permit = tx.try_reserve().unwrap();
    assert_eq!(tx.force_send(3), Ok(Some(2)), "the oldest message goes");
    permit.send(4);
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3, 4]);
}

#[test]
fn permits_are_used_from_tasks_on_every_executor() {
    on_every_executor(|_| async {
        let (tx, rx) = mpmc::bounded::<u64>(2);
        let consumer = std::thread::spawn(move || rx.iter().sum::<u64>());
        for i in 0..100 {
            match i % 3 {
                0 => tx.reserve_async().await.unwrap().send(i),
                1 => {
                    let tx = tx.clone().reserve_owned_async().await.unwrap().send(i);
                    drop(tx);
                }
                _ => {
                    let mut permits = tx.reserve_many_async(2).await.unwrap();
                    permits.next().unwrap().send(i);
                }
            }
        }
        drop(tx);
        assert_eq!(consumer.join().unwrap(), (0..100).sum::<u64>());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owned_permits_move_to_other_tasks() {
    let (tx, rx) = mpmc::bounded::<u64>(4);
    let mut tasks = Vec::new();
    for i in 0..64u64 {
        let permit = tx.clone().reserve_owned_async().await.unwrap();
        tasks.push(tokio::spawn(async move {
            tokio::task::yield_now().await;
            drop(permit.send(i));
        }));
        if i % 4 == 3 {
            for _ in 0..4 {
                rx.recv_async().await.unwrap();
            }
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    drop(tx);
    assert_eq!(rx.recv_async().await, Err(RecvError));
}

#[test]
fn blocked_reserves_and_sends_from_many_threads_lose_nothing() {
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::bounded(2);
    let n = common::iters(2000) as u64;
    let sum = std::thread::scope(|s| {
        for t in 0..4u64 {
            let tx = tx.clone();
            let drops = drops.clone();
            s.spawn(move || {
                for i in 0..n {
                    let msg = drops.msg(t * n + i);
                    match i % 4 {
                        0 => tx.reserve().unwrap().send(msg),
                        1 => tx.send(msg).unwrap(),
                        2 => {
                            let mut permits = tx.reserve_many(2).unwrap();
                            permits.next().unwrap().send(msg);
                        }
                        _ => {
                            drop(tx.reserve().unwrap());
                            tx.send(msg).unwrap();
                        }
                    }
                }
            });
        }
        drop(tx);
        let mut sum = 0;
        for msg in rx.iter() {
            sum += msg.value;
        }
        sum
    });
    let all = 4 * n;
    assert_eq!(sum, all * (all - 1) / 2);
    assert_eq!(drops.drops() as u64, all);
}

#[test]
fn a_reserve_future_dropped_at_every_point_leaves_every_slot() {
    for drop_after in 0..4 {
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(0).unwrap();
        let (_counter, waker) = WakeCounter::new();
        let mut reserve = tx.reserve_async();
        let mut polls = 0;
        while polls < drop_after {
            if poll_with(&mut reserve, &waker).is_ready() {
                break;
            }
            polls += 1;
            if polls == 2 {
                assert_eq!(rx.try_recv(), Ok(0));
            }
        }
        drop(reserve);
        let _ = rx.try_recv();
        tx.try_send(9).unwrap();
        assert_eq!(rx.try_recv(), Ok(9), "drop after {drop_after} polls");
    }
}

#[test]
fn permits_are_debug_unwind_safe_send_and_sync_for_every_t() {
    fn check<P: std::fmt::Debug + UnwindSafe + RefUnwindSafe + Send + Sync>(_: &P) {}
    fn spawnable<F: std::future::Future + Send + 'static>(_: &F) {}
    // A `T` that is neither `UnwindSafe` nor `Debug`.
    struct Cellish(#[allow(dead_code)] std::cell::RefCell<u8>);
    let (tx, _rx) = mpmc::bounded::<Cellish>(4);
    let permit: Permit<'_, Cellish> = tx.try_reserve().unwrap();
    let permits: PermitIterator<'_, Cellish> = tx.try_reserve_many(2).unwrap();
    let owned: OwnedPermit<Cellish> = tx.clone().try_reserve_owned().unwrap();
    check(&permit);
    check(&permits);
    check(&owned);
    assert!(format!("{permit:?}").starts_with("Permit"));
    assert!(format!("{permits:?}").contains("remaining: 2"));
    assert!(format!("{owned:?}").starts_with("OwnedPermit"));
    let owned_future = tx.clone().reserve_owned_async();
    spawnable(&owned_future);
    assert!(format!("{:?}", tx.reserve_async()).starts_with("ReserveFuture"));
    assert!(format!("{:?}", tx.reserve_many_async(1)).starts_with("ReserveManyFuture"));
    drop(owned_future);
    pause();
}

#[test]
fn a_waiting_reserve_many_takes_the_free_slots_at_once() {
    // One slot free of two: the reserve takes it while it waits for the
    // second, which the next receive frees.
    let (tx, rx) = mpmc::bounded(2);
    tx.try_send(1).unwrap();
    let (counter, waker) = WakeCounter::new();
    let mut many = tx.reserve_many_async(2);
    assert!(poll_with(&mut many, &waker).is_pending());
    assert_eq!(
        tx.try_send(2),
        Err(TrySendError::Full(2)),
        "the free slot is held"
    );
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(counter.wakes(), 1);
    let Poll::Ready(Ok(permits)) = poll_with(&mut many, &waker) else {
        panic!("both slots granted");
    };
    assert_eq!(permits.len(), 2);
}

#[test]
fn an_unbounded_channel_refuses_permits_past_half_of_usize_max() {
    let (tx, rx) = mpmc::unbounded::<u8>();
    let half = tx.try_reserve_many(usize::MAX / 2).unwrap();
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    assert_eq!(tx.reserve().unwrap_err(), SendError(()), "fails at once");
    assert_eq!(
        pollster::block_on(tx.reserve_many_async(2)).unwrap_err(),
        SendError(())
    );
    assert_eq!(
        tx.try_reserve_many(usize::MAX).unwrap_err(),
        TrySendError::Full(())
    );
    tx.try_send(1).unwrap();
    drop(half);
    tx.try_reserve().unwrap().send(2);
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn a_bounded_channel_of_usize_max_reserves_every_slot() {
    let (tx, rx) = mpmc::bounded::<u8>(usize::MAX);
    let most = tx.try_reserve_many(usize::MAX - 1).unwrap();
    let last = tx.try_reserve().unwrap();
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    last.send(2);
    drop(most);
    tx.try_send(3).unwrap();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [2, 3]);
}

//! `force_send` on every mpmc flavor: what it evicts, what it hands back,
//! who it wakes, and that nothing is lost or doubled (drop counts), also
//! with senders waiting and receivers on other threads.

mod common;

use std::task::Poll;

use common::{after_pause, concurrently, poll_with, value, DropCounter, WakeCounter};
use tidings::{mpmc, RecvError, SendError};

#[test]
fn a_full_bounded_channel_evicts_its_oldest_message_in_order() {
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::bounded(3);
    for i in 0..3 {
        assert!(tx.force_send(drops.msg(i)).unwrap().is_none());
    }
    for i in 3..10 {
        let evicted = tx.force_send(drops.msg(i)).unwrap().expect("full");
        assert_eq!(evicted.value, i - 3, "the oldest goes first");
    }
    assert_eq!(drops.drops(), 7, "the evicted ones, dropped by the caller");
    let left: Vec<u64> = rx.try_iter().map(|m| m.value).collect();
    assert_eq!(left, [7, 8, 9]);
    assert_eq!(drops.drops(), 10);
}

#[test]
fn an_unbounded_channel_never_evicts() {
    let (tx, rx) = mpmc::unbounded();
    for i in 0..100 {
        assert_eq!(tx.force_send(i), Ok(None));
    }
    assert_eq!(rx.len(), 100);
}

#[test]
fn a_rendezvous_hands_the_message_to_a_blocked_receiver_or_back() {
    let (tx, rx) = mpmc::rendezvous();
    assert_eq!(tx.force_send(1), Ok(Some(1)), "nobody to take it");
    // A receive future waiting is not given it.
    let (_counter, waker) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert_eq!(tx.force_send(2), Ok(Some(2)));
    drop(fut);
    // A blocked receiving thread is.
    let (got, ()) = concurrently(
        || rx.recv(),
        after_pause(|| {
            // Retry until the receiver is blocked (a pause makes it likely;
            // every interleaving must still end with the message taken).
            let mut msg = 3;
            while let Some(back) = tx.force_send(msg).unwrap() {
                msg = back;
                std::thread::yield_now();
            }
        }),
    );
    assert_eq!(got, Ok(3));
}

#[test]
fn a_receiver_waiting_on_an_empty_channel_is_woken() {
    let (tx, rx) = mpmc::bounded(1);
    let (counter, waker) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert_eq!(tx.force_send(5), Ok(None));
    assert_eq!(counter.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(5)));
}

#[test]
fn waiting_senders_keep_waiting_and_come_after_the_forced_message() {
    let (tx, rx) = mpmc::bounded(1);
    tx.send(1).unwrap();
    let (counter, waker) = WakeCounter::new();
    let mut waiting = tx.send_async(2);
    assert!(poll_with(&mut waiting, &waker).is_pending());
    assert_eq!(tx.force_send(3), Ok(Some(1)));
    assert_eq!(counter.wakes(), 0, "the eviction made no room");
    assert_eq!(rx.recv(), Ok(3));
    assert_eq!(counter.wakes(), 1, "the receive moved 2 in");
    assert_eq!(poll_with(&mut waiting, &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.recv(), Ok(2));
}

#[test]
fn a_closed_channel_hands_the_message_back() {
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::bounded(1);
    tx.force_send(drops.msg(1)).unwrap();
    rx.close();
    let Err(SendError(back)) = tx.force_send(drops.msg(2)) else {
        panic!("sent on a closed channel");
    };
    assert_eq!(back.value, 2);
    assert_eq!(
        value(rx.recv()),
        Ok(1),
        "what was buffered is still received"
    );
    assert_eq!(rx.recv(), Err(RecvError));
    drop(back);
    assert_eq!(drops.drops(), 2);
}

#[test]
fn forced_sends_racing_receivers_lose_and_double_nothing() {
    let n = common::iters(10_000) as u64;
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::bounded(4);
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || {
                rx.iter()
                    .map(|m: common::Counted| m.value)
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    drop(rx);
    let mut evicted = Vec::new();
    for i in 0..n {
        if let Some(old) = tx.force_send(drops.msg(i)).unwrap() {
            evicted.push(old.value);
        }
    }
    drop(tx);
    let mut seen: Vec<u64> = evicted;
    for receiver in receivers {
        let got = receiver.join().unwrap();
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "each receiver in order"
        );
        seen.extend(got);
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..n).collect::<Vec<_>>(),
        "each message received or evicted, once"
    );
    assert_eq!(drops.drops(), n as usize);
}

//! A sender waiting for the other side to leave: `closed`,
//! `closed_timeout`, `closed_deadline` and `closed_async` on mpmc and
//! broadcast senders (watch's are in `tests/watch.rs`). Every way the
//! condition comes true (the last receiver dropped, `close` on either
//! side), from threads and tasks, with several waiters, wakers replaced
//! between polls, futures dropped while waiting, and broadcast's reopening
//! by `subscribe`.

mod common;

use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use common::{after_pause, concurrently, on_every_executor, poll_with, WakeCounter};
use tidings::{broadcast, mpmc};

/// A short timeout, for waits that must time out.
const SHORT: Duration = Duration::from_millis(5);

/// An mpmc channel of some flavor.
type Make = fn() -> (mpmc::Sender<u32>, mpmc::Receiver<u32>);

/// Every mpmc flavor, as a constructor.
fn flavors() -> [(&'static str, Make); 4] {
    [
        ("rendezvous", || mpmc::rendezvous()),
        ("bounded(1)", || mpmc::bounded(1)),
        ("bounded(8)", || mpmc::bounded(8)),
        ("unbounded", || mpmc::unbounded()),
    ]
}

#[test]
fn mpmc_closed_returns_once_the_last_receiver_is_dropped() {
    for (name, make) in flavors() {
        let (tx, rx) = make();
        let rx2 = rx.clone();
        assert!(!tx.closed_timeout(SHORT), "{name}: two receivers");
        drop(rx);
        assert!(!tx.closed_timeout(SHORT), "{name}: one receiver left");
        concurrently(after_pause(move || drop(rx2)), || tx.closed());
        assert!(tx.is_disconnected(), "{name}");
        assert!(tx.closed_timeout(Duration::ZERO), "{name}: at once now");
    }
}

#[test]
fn mpmc_closed_returns_when_either_side_closes() {
    for (name, make) in flavors() {
        // `Receiver::close`, with the receiver still alive.
        let (tx, rx) = make();
        concurrently(after_pause(|| assert!(rx.close())), || tx.closed());
        assert!(
            tx.closed_deadline(Instant::now()),
            "{name}: receiver closed"
        );
        drop(rx);

        // `Sender::close` by another sender.
        let (tx, _rx) = make();
        let tx2 = tx.clone();
        assert!(!tx.closed_timeout(SHORT), "{name}: still open");
        concurrently(after_pause(move || assert!(tx2.close())), || tx.closed());
        assert!(tx.closed_timeout(Duration::ZERO), "{name}: sender closed");
    }
}

#[test]
fn mpmc_closed_wakes_every_waiting_sender_thread_and_task() {
    for (name, make) in flavors() {
        let (tx, rx) = make();
        let waiters: Vec<_> = (0..3)
            .map(|i| {
                let tx = tx.clone();
                thread::spawn(move || {
                    if i == 0 {
                        tx.closed();
                    } else if i == 1 {
                        assert!(tx.closed_timeout(Duration::from_secs(60)));
                    } else {
                        pollster::block_on(tx.closed_async());
                    }
                })
            })
            .collect();
        common::pause();
        drop(rx);
        for waiter in waiters {
            waiter
                .join()
                .unwrap_or_else(|_| panic!("{name}: a waiter failed"));
        }
    }
}

#[test]
fn mpmc_closed_async_under_every_executor() {
    on_every_executor(|_| async {
        let (tx, rx) = mpmc::bounded::<u32>(1);
        let dropper = thread::spawn(after_pause(move || drop(rx)));
        tx.closed_async().await;
        assert!(tx.try_send(1).is_err());
        dropper.join().unwrap();
    });
}

#[test]
fn mpmc_closed_async_wakes_the_latest_waker_once() {
    let (tx, rx) = mpmc::unbounded::<u32>();
    let (first, first_waker) = WakeCounter::new();
    let (second, second_waker) = WakeCounter::new();
    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &first_waker).is_pending());
    assert!(poll_with(&mut fut, &second_waker).is_pending());
    drop(rx);
    assert_eq!((first.wakes(), second.wakes()), (0, 1));
    assert_eq!(poll_with(&mut fut, &second_waker), Poll::Ready(()));
}

#[test]
fn mpmc_a_dropped_closed_future_leaves_nothing_listed() {
    let (tx, rx) = mpmc::bounded::<u32>(2);
    let (counter, waker) = WakeCounter::new();
    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(fut);
    // Another wait works as before, and the dropped one is not woken.
    let (other, other_waker) = WakeCounter::new();
    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &other_waker).is_pending());
    // The channel still works meanwhile.
    tx.send(1).unwrap();
    assert_eq!(rx.recv(), Ok(1));
    drop(rx);
    assert_eq!((counter.wakes(), other.wakes()), (0, 1));
    assert_eq!(poll_with(&mut fut, &other_waker), Poll::Ready(()));
}

#[test]
fn mpmc_closed_is_ready_at_once_on_a_closed_channel() {
    let (tx, rx) = mpmc::unbounded::<u32>();
    drop(rx);
    let (counter, waker) = WakeCounter::new();
    assert_eq!(poll_with(&mut tx.closed_async(), &waker), Poll::Ready(()));
    assert_eq!(counter.wakes(), 0);
    tx.closed();
}

#[test]
fn broadcast_closed_returns_once_no_receiver_is_left_and_subscribe_reopens() {
    let (tx, rx) = broadcast::channel::<u32>(4);
    assert!(!tx.closed_timeout(SHORT));
    concurrently(after_pause(move || drop(rx)), || tx.closed());
    assert!(tx.closed_timeout(Duration::ZERO));
    // A new receiver: a send succeeds again, and so the wait waits again.
    let rx = tx.subscribe();
    assert!(!tx.closed_timeout(SHORT));
    tx.send(1).unwrap();
    let mut rx2 = rx.clone();
    assert_eq!(rx2.recv(), Ok(1));
    drop(rx);
    assert!(!tx.closed_timeout(SHORT), "one receiver left");
    drop(rx2);
    assert!(tx.closed_timeout(SHORT));
}

#[test]
fn broadcast_closed_returns_when_the_channel_closes() {
    let (tx, _rx) = broadcast::lagging::<u32>(2);
    let tx2 = tx.clone();
    concurrently(after_pause(move || assert!(tx2.close())), || tx.closed());
    assert!(tx.closed_deadline(Instant::now()));
}

#[test]
fn broadcast_closed_async_wakes_threads_and_tasks() {
    let (tx, rx) = broadcast::channel::<u32>(1);
    let waiters: Vec<_> = (0..2)
        .map(|i| {
            let tx = tx.clone();
            thread::spawn(move || {
                if i == 0 {
                    tx.closed();
                } else {
                    pollster::block_on(tx.closed_async());
                }
            })
        })
        .collect();
    common::pause();
    drop(rx);
    for waiter in waiters {
        waiter.join().unwrap();
    }
    on_every_executor(|_| async {
        let (tx, rx) = broadcast::channel::<u32>(1);
        let dropper = thread::spawn(after_pause(move || drop(rx)));
        tx.closed_async().await;
        dropper.join().unwrap();
    });
}

#[test]
fn broadcast_a_dropped_closed_future_leaves_nothing_listed() {
    let (tx, rx) = broadcast::channel::<u32>(1);
    let (counter, waker) = WakeCounter::new();
    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(fut);
    drop(rx);
    assert_eq!(counter.wakes(), 0);
    assert!(tx.closed_timeout(Duration::ZERO));
}

#[test]
fn closed_futures_are_send_and_debug() {
    fn send<T: Send>(_: &T) {}
    let (tx, _rx) = mpmc::bounded::<std::cell::Cell<u8>>(1);
    let fut = tx.closed_async();
    send(&fut);
    assert!(format!("{fut:?}").starts_with("ClosedFuture"));
    let (tx, _rx) = broadcast::channel::<u8>(1);
    let fut = tx.closed_async();
    send(&fut);
    assert!(format!("{fut:?}").starts_with("ClosedFuture"));
}

// ----- oneshot senders -----

#[test]
fn oneshot_closed_returns_once_the_receiver_is_dropped() {
    let (mut tx, rx) = tidings::oneshot::channel::<u32>();
    assert!(!tx.closed_timeout(SHORT));
    concurrently(after_pause(move || drop(rx)), || tx.closed());
    assert!(tx.is_closed());
    assert!(tx.closed_deadline(Instant::now()), "at once now");
    assert_eq!(tx.send(1), Err(tidings::SendError(1)));
}

#[test]
fn oneshot_closed_async_under_every_executor() {
    on_every_executor(|_| async {
        let (mut tx, rx) = tidings::oneshot::channel::<u32>();
        let dropper = thread::spawn(after_pause(move || drop(rx)));
        tx.closed_async().await;
        assert!(tx.is_closed());
        dropper.join().unwrap();
    });
}

#[test]
fn oneshot_closed_async_wakes_the_latest_waker_once_and_a_dropped_one_is_let_go() {
    let (mut tx, rx) = tidings::oneshot::channel::<u32>();
    let (first, first_waker) = WakeCounter::new();
    let (second, second_waker) = WakeCounter::new();
    {
        // Dropped while waiting: its waker is taken back.
        let mut fut = tx.closed_async();
        assert!(poll_with(&mut fut, &first_waker).is_pending());
    }
    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &first_waker).is_pending());
    assert!(poll_with(&mut fut, &second_waker).is_pending());
    drop(rx);
    assert_eq!((first.wakes(), second.wakes()), (0, 1));
    assert_eq!(poll_with(&mut fut, &second_waker), Poll::Ready(()));
    drop(fut);
    // The sender is only waiting: it can still send (and is told no).
    assert_eq!(tx.send(2), Err(tidings::SendError(2)));
}

#[test]
fn oneshot_a_message_sent_after_a_timed_out_wait_is_received() {
    let (mut tx, rx) = tidings::oneshot::channel::<u32>();
    assert!(!tx.closed_timeout(Duration::ZERO));
    tx.send(5).unwrap();
    assert_eq!(rx.recv(), Ok(5));
}

#[test]
fn oneshot_closed_races_the_receivers_drop_without_losing_the_wake() {
    for _ in 0..common::iters(500) {
        let (mut tx, rx) = tidings::oneshot::channel::<u32>();
        let (_, ()) = concurrently(move || drop(rx), || tx.closed());
        assert!(tx.is_closed());
    }
}

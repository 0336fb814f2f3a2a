//! Integration tests of `tidings::broadcast`: every receiver sees every
//! message; clone at most once per receiver, the last reader moves; both
//! policies (backpressure and lagging) with their waits and lags; closing
//! and disconnection; blocking and async on one channel; cancellation of
//! the futures; wakers (replaced, hostile); panicking clones and drops.
//!
//! Tests never assert on timing: a `pause()` only makes an interleaving
//! likely, and every interleaving must pass.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use futures::task::noop_waker_ref;

use common::{
    after_pause, assert_not_impl, concurrently, hostile, iters, on_every_executor, pause,
    poll_with, WakeCounter,
};
use tidings::broadcast::{
    self, Receiver, RecvError, RecvFuture, RecvTimeoutError, SendFuture, Sender, TryRecvError,
};
use tidings::{SendError, SendTimeoutError, TrySendError};

// ----- a message that counts its clones and drops -----

/// Counts the clones and drops of the [`Tracked`] messages it made.
#[derive(Clone, Debug, Default)]
struct Tally(Arc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    clones: AtomicUsize,
    drops: AtomicUsize,
    /// While set, cloning a message panics.
    clone_panics: AtomicBool,
}

impl Tally {
    fn new() -> Self {
        Self::default()
    }

    fn msg(&self, value: u64) -> Tracked {
        Tracked {
            value,
            tally: self.clone(),
        }
    }

    fn clones(&self) -> usize {
        self.0.clones.load(SeqCst)
    }

    fn drops(&self) -> usize {
        self.0.drops.load(SeqCst)
    }

    fn arm_clone_panic(&self, on: bool) {
        self.0.clone_panics.store(on, SeqCst);
    }
}

#[derive(Debug)]
struct Tracked {
    value: u64,
    tally: Tally,
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        assert!(!self.tally.0.clone_panics.load(SeqCst), "clone panics");
        self.tally.0.clones.fetch_add(1, SeqCst);
        Self {
            value: self.value,
            tally: self.tally.clone(),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.tally.0.drops.fetch_add(1, SeqCst);
    }
}

fn value<E>(got: Result<Tracked, E>) -> Result<u64, E> {
    got.map(|m| m.value)
}

// ----- policies -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    Backpressure,
    Lagging,
}

const POLICIES: [Policy; 2] = [Policy::Backpressure, Policy::Lagging];

fn make<T: Clone>(policy: Policy, cap: usize) -> (Sender<T>, Receiver<T>) {
    match policy {
        Policy::Backpressure => broadcast::channel(cap),
        Policy::Lagging => broadcast::lagging(cap),
    }
}

/// A deadline far away (a lost wakeup shows as a failure, not a hang).
fn far() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

// ----- every receiver, every message -----

#[test]
fn every_receiver_sees_every_message_in_order() {
    for policy in POLICIES {
        let (tx, mut rx1) = make(policy, 8);
        let mut rx2 = tx.subscribe();
        let mut rx3 = rx1.clone();
        for i in 0..5 {
            tx.send(i).unwrap();
        }
        for rx in [&mut rx1, &mut rx2, &mut rx3] {
            let got: Vec<u64> = (0..5).map(|_| rx.try_recv().unwrap()).collect();
            assert_eq!(got, [0, 1, 2, 3, 4], "{policy:?}");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    }
}

#[test]
fn each_message_is_cloned_once_per_receiver_and_moved_to_the_last() {
    for policy in POLICIES {
        let tally = Tally::new();
        let (tx, mut rx1) = make(policy, 4);
        let mut rx2 = tx.subscribe();
        let mut rx3 = tx.subscribe();
        tx.send(tally.msg(7)).unwrap();
        let a = rx1.try_recv().unwrap();
        let b = rx3.try_recv().unwrap();
        assert_eq!(tally.clones(), 2, "the first two readers clone");
        let c = rx2.try_recv().unwrap();
        assert_eq!(tally.clones(), 2, "the last reader moves it out");
        assert_eq!(tally.drops(), 0, "nothing dropped inside the channel");
        assert_eq!((a.value, b.value, c.value), (7, 7, 7));
        assert!(tx.is_empty());
        drop((a, b, c));
        assert_eq!(tally.drops(), 3, "two clones and the original");
    }
}

#[test]
fn a_single_receiver_never_clones() {
    for policy in POLICIES {
        let tally = Tally::new();
        let (tx, mut rx) = make(policy, 4);
        for i in 0..100 {
            tx.send(tally.msg(i)).unwrap();
            assert_eq!(value(rx.try_recv()), Ok(i));
        }
        assert_eq!(tally.clones(), 0);
        assert_eq!(tally.drops(), 100);
    }
}

#[test]
fn a_message_nobody_will_read_is_dropped_at_once() {
    for policy in POLICIES {
        let tally = Tally::new();
        let (tx, mut rx1) = make(policy, 4);
        let rx2 = tx.subscribe();
        tx.send(tally.msg(1)).unwrap();
        tx.send(tally.msg(2)).unwrap();
        assert_eq!(value(rx1.try_recv()), Ok(1));
        assert_eq!(tally.drops(), 1, "rx1's clone");
        // rx2 was the only one left to read message 1: dropping it drops
        // that message at once; message 2 is still rx1's.
        drop(rx2);
        assert_eq!(tally.drops(), 2, "{policy:?}: message 1, at once");
        assert_eq!(tx.len(), 1);
        drop(rx1);
        assert_eq!(tally.drops(), 3);
        assert_eq!(tx.len(), 0);
        assert_eq!(tally.clones(), 1);
    }
}

#[test]
fn last_receiver_dropped_drops_the_backlog_and_fails_sends() {
    for policy in POLICIES {
        let tally = Tally::new();
        let (tx, rx) = make(policy, 4);
        tx.send(tally.msg(1)).unwrap();
        tx.send(tally.msg(2)).unwrap();
        drop(rx);
        assert_eq!(tally.drops(), 2);
        assert!(tx.is_disconnected());
        let err = tx.send(tally.msg(3)).unwrap_err();
        assert_eq!(err.0.value, 3, "the message comes back");
        drop(err);
        assert!(matches!(
            tx.try_send(tally.msg(4)),
            Err(TrySendError::Disconnected(_))
        ));
        assert_eq!(tally.drops(), 4);
        assert_eq!(tally.clones(), 0);
    }
}

#[test]
fn subscribing_after_every_receiver_left_revives_the_channel() {
    let (tx, rx) = broadcast::channel(2);
    drop(rx);
    assert_eq!(tx.send(1), Err(SendError(1)));
    let mut rx = tx.subscribe();
    assert!(!tx.is_disconnected());
    tx.send(2).unwrap();
    assert_eq!(rx.recv(), Ok(2));
}

#[test]
fn subscribe_sees_only_later_messages_and_clone_starts_at_the_same_place() {
    for policy in POLICIES {
        let (tx, mut rx) = make(policy, 8);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        let mut late = tx.subscribe();
        assert_eq!(rx.try_recv(), Ok(1));
        let mut twin = rx.clone();
        tx.send(3).unwrap();
        assert_eq!(late.try_recv(), Ok(3));
        assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(twin.try_recv(), Ok(2));
        assert_eq!(twin.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(tx.len(), 0);
    }
}

#[test]
fn counts_lengths_and_capacity() {
    let (tx, mut rx) = broadcast::channel::<u8>(3);
    assert_eq!(
        (
            tx.capacity(),
            tx.len(),
            tx.receiver_count(),
            tx.sender_count()
        ),
        (3, 0, 1, 1)
    );
    let tx2 = tx.clone();
    let mut rx2 = tx.subscribe();
    assert_eq!((tx.sender_count(), tx2.receiver_count()), (2, 2));
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!((tx.len(), rx.len(), rx2.len()), (2, 2, 2));
    rx.try_recv().unwrap();
    assert_eq!((tx.len(), rx.len(), rx2.len()), (2, 1, 2));
    assert!(!rx.is_empty());
    rx2.try_recv().unwrap();
    assert_eq!((tx.len(), rx.len(), rx2.len()), (1, 1, 1));
    drop(tx2);
    assert_eq!(tx.sender_count(), 1);
    drop(rx2);
    assert_eq!(tx.receiver_count(), 1);
}

#[test]
#[should_panic(expected = "capacity of at least 1")]
fn capacity_zero_panics() {
    let _ = broadcast::channel::<u8>(0);
}

#[test]
#[should_panic(expected = "capacity of at least 1")]
fn lagging_capacity_zero_panics() {
    let _ = broadcast::lagging::<u8>(0);
}

#[test]
fn a_huge_capacity_allocates_nothing_up_front() {
    for policy in POLICIES {
        let (tx, mut rx) = make(policy, usize::MAX);
        assert_eq!(tx.capacity(), usize::MAX);
        for i in 0..100 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.len(), 100);
        assert_eq!(rx.iter().take(100).sum::<i32>(), (0..100).sum());
    }
}

#[test]
fn zero_sized_messages() {
    for policy in POLICIES {
        let (tx, mut rx) = make(policy, 2);
        let mut rx2 = tx.subscribe();
        tx.send(()).unwrap();
        tx.send(()).unwrap();
        assert_eq!(rx.try_recv(), Ok(()));
        assert_eq!(rx2.try_recv(), Ok(()));
        assert_eq!(rx.len(), 1);
    }
}

// ----- backpressure -----

#[test]
fn backpressure_waits_for_the_slowest_receiver() {
    let (tx, mut fast) = broadcast::channel(2);
    let mut slow = tx.subscribe();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(fast.try_recv(), Ok(1));
    assert_eq!(fast.try_recv(), Ok(2));
    assert_eq!(
        tx.try_send(3),
        Err(TrySendError::Full(3)),
        "the slow receiver still holds both"
    );
    assert_eq!(slow.try_recv(), Ok(1));
    tx.try_send(3).unwrap();
    assert_eq!(
        tx.send_timeout(4, Duration::ZERO),
        Err(SendTimeoutError::Timeout(4))
    );
    assert_eq!(slow.try_recv(), Ok(2));
    assert_eq!(slow.try_recv(), Ok(3));
    assert_eq!(fast.try_recv(), Ok(3));
}

#[test]
fn a_blocked_send_goes_in_when_the_slow_receiver_reads() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    let (sent, got) = concurrently(
        || tx.send_deadline(2, far()),
        after_pause(move || {
            let first = rx.recv();
            (first, rx.recv_deadline(far()))
        }),
    );
    assert_eq!(sent, Ok(()));
    assert_eq!(got, (Ok(1), Ok(2)));
}

#[test]
fn a_blocked_send_goes_in_when_the_slow_receiver_is_dropped() {
    let tally = Tally::new();
    let (tx, mut fast) = broadcast::channel(1);
    let slow = tx.subscribe();
    tx.send(tally.msg(1)).unwrap();
    assert_eq!(value(fast.try_recv()), Ok(1));
    let (sent, ()) = concurrently(
        || {
            tx.send_deadline(tally.msg(2), far())
                .map_err(|e| e.into_inner().value)
        },
        after_pause(move || drop(slow)),
    );
    assert_eq!(sent, Ok(()));
    assert_eq!(value(fast.try_recv()), Ok(2));
    assert_eq!(tally.drops(), 3);
    assert_eq!(tally.clones(), 1);
}

#[test]
fn a_blocked_send_fails_when_every_receiver_is_dropped() {
    let (tx, rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    let (sent, ()) = concurrently(|| tx.send_deadline(2, far()), after_pause(move || drop(rx)));
    assert_eq!(sent, Err(SendTimeoutError::Disconnected(2)));
}

#[test]
fn subscribing_while_a_sender_waits_does_not_deadlock() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    thread::scope(|s| {
        let sender = s.spawn(|| tx.send_deadline(2, far()));
        pause();
        let mut late = tx.subscribe();
        assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(late.recv_deadline(far()), Ok(2));
        assert_eq!(rx.recv_deadline(far()), Ok(2));
    });
}

#[test]
fn waiting_senders_go_in_in_their_order() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(0).unwrap();
    let waker = noop_waker_ref();
    let mut futs: Vec<_> = (1..=3).map(|i| tx.send_async(i)).collect();
    for fut in &mut futs {
        assert!(poll_with(fut, waker).is_pending());
    }
    let got: Vec<i32> = (0..4).map(|_| rx.try_recv().unwrap()).collect();
    assert_eq!(got, [0, 1, 2, 3]);
    for fut in &mut futs {
        assert_eq!(poll_with(fut, waker), Poll::Ready(Ok(())));
    }
}

#[test]
fn a_woken_send_future_never_polled_again_holds_up_nobody() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    let (wakes, waker) = WakeCounter::new();
    let mut fut = tx.send_async(2);
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(wakes.wakes(), 1);
    // The receiver moved the message in: it is there without another poll.
    assert_eq!(rx.try_recv(), Ok(2));
    drop(fut);
    tx.send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn a_pending_send_future_dropped_withdraws_its_message() {
    let tally = Tally::new();
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(tally.msg(1)).unwrap();
    let mut fut = tx.send_async(tally.msg(2));
    assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
    drop(fut);
    assert_eq!(tally.drops(), 1, "the withdrawn message is dropped");
    assert_eq!(value(rx.try_recv()), Ok(1));
    assert_eq!(value(rx.try_recv()).unwrap_err(), TryRecvError::Empty);
    assert_eq!(tally.drops(), 2);
}

#[test]
fn send_timeout_expires_with_the_message_back_then_succeeds() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    assert_eq!(
        tx.send_timeout(2, Duration::from_millis(5)),
        Err(SendTimeoutError::Timeout(2))
    );
    assert_eq!(
        tx.send_deadline(2, Instant::now() - Duration::from_millis(1)),
        Err(SendTimeoutError::Timeout(2))
    );
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(tx.send_timeout(2, Duration::ZERO), Ok(()));
    // A huge timeout waits (forever) for room: make some.
    let (sent, got) = concurrently(
        || tx.send_timeout(3, Duration::MAX),
        after_pause(|| rx.recv()),
    );
    assert_eq!((sent, got), (Ok(()), Ok(2)));
    assert_eq!(rx.recv(), Ok(3));
}

// ----- lagging -----

#[test]
fn lagging_overwrites_and_reports_the_lag_once() {
    let tally = Tally::new();
    let (tx, mut rx) = broadcast::lagging(3);
    for i in 0..10 {
        tx.send(tally.msg(i)).unwrap();
    }
    assert_eq!(tally.drops(), 7, "overwritten messages are dropped at once");
    assert_eq!(tx.len(), 3);
    assert_eq!(rx.len(), 3);
    assert_eq!(value(rx.try_recv()).unwrap_err(), TryRecvError::Lagged(7));
    assert_eq!(value(rx.try_recv()), Ok(7));
    assert_eq!(value(rx.try_recv()), Ok(8));
    assert_eq!(value(rx.try_recv()), Ok(9));
    assert_eq!(value(rx.try_recv()).unwrap_err(), TryRecvError::Empty);
    assert_eq!(tally.clones(), 0);
}

#[test]
fn lagging_sends_never_wait() {
    let (tx, mut rx) = broadcast::lagging(1);
    for i in 0..100 {
        assert_eq!(tx.try_send(i), Ok(()));
        tx.send_timeout(i, Duration::ZERO).unwrap();
    }
    assert_eq!(rx.recv(), Err(RecvError::Lagged(199)));
    assert_eq!(rx.recv(), Ok(99));
}

#[test]
fn only_the_slow_receiver_lags() {
    let (tx, mut fast) = broadcast::lagging(2);
    let mut slow = tx.subscribe();
    for i in 0..6 {
        tx.send(i).unwrap();
        assert_eq!(fast.recv(), Ok(i));
    }
    assert_eq!(
        slow.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Lagged(4))
    );
    assert_eq!(slow.recv_timeout(Duration::ZERO), Ok(4));
    assert_eq!(slow.recv_timeout(Duration::ZERO), Ok(5));
}

#[test]
fn a_clone_of_a_lagged_receiver_is_told_the_lag_too() {
    let (tx, mut rx) = broadcast::lagging(1);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let mut twin = rx.clone();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(twin.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(twin.try_recv(), Ok(2));
}

#[test]
fn lagged_async_receive_and_iter_skip() {
    let (tx, mut rx) = broadcast::lagging(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    pollster::block_on(async {
        assert_eq!(rx.recv_async().await, Err(RecvError::Lagged(3)));
        assert_eq!(rx.recv_async().await, Ok(3));
    });
    for i in 5..9 {
        tx.send(i).unwrap();
    }
    drop(tx);
    assert_eq!(rx.iter().collect::<Vec<_>>(), [7, 8], "iter skips the lag");
}

// ----- closing -----

#[test]
fn close_drains_then_disconnects_every_receiver() {
    for policy in POLICIES {
        let (tx, mut rx) = make(policy, 4);
        let mut rx2 = tx.subscribe();
        tx.send(1).unwrap();
        assert!(tx.close());
        assert!(!tx.close());
        assert!(tx.is_disconnected());
        assert_eq!(tx.send(2), Err(SendError(2)));
        assert_eq!(tx.try_send(2), Err(TrySendError::Disconnected(2)));
        for rx in [&mut rx, &mut rx2] {
            assert_eq!(rx.recv(), Ok(1));
            assert_eq!(rx.recv(), Err(RecvError::Disconnected));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(60)),
                Err(RecvTimeoutError::Disconnected)
            );
        }
        let mut late = tx.subscribe();
        assert_eq!(late.try_recv(), Err(TryRecvError::Disconnected));
    }
}

#[test]
fn last_sender_dropped_disconnects_after_the_backlog() {
    for policy in POLICIES {
        let (tx, mut rx) = make(policy, 4);
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "tx2 lives");
        drop(tx2);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }
}

#[test]
fn close_wakes_blocked_receivers_and_senders() {
    let (tx, mut rx) = broadcast::channel(1);
    let mut rx2 = tx.subscribe();
    tx.send(1).unwrap();
    assert_eq!(rx2.recv(), Ok(1));
    thread::scope(|s| {
        let waiting_rx = s.spawn(move || rx2.recv_deadline(far()));
        let waiting_tx = s.spawn(|| tx.send_deadline(2, far()));
        pause();
        tx.close();
        assert_eq!(
            waiting_rx.join().unwrap(),
            Err(RecvTimeoutError::Disconnected)
        );
        assert_eq!(
            waiting_tx.join().unwrap(),
            Err(SendTimeoutError::Disconnected(2))
        );
    });
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv(), Err(RecvError::Disconnected));
}

#[test]
fn last_sender_dropped_ends_a_waiting_task_on_every_executor() {
    on_every_executor(|_| async {
        let (tx, mut rx) = broadcast::channel::<u8>(2);
        let dropper = thread::spawn(after_pause(move || drop(tx)));
        assert_eq!(rx.recv_async().await, Err(RecvError::Disconnected));
        dropper.join().unwrap();
    });
}

// ----- timeouts -----

#[test]
fn recv_timeouts_expire_then_receive() {
    for policy in POLICIES {
        let (tx, mut rx) = make(policy, 2);
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(5)),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(
            rx.recv_deadline(Instant::now() - Duration::from_millis(1)),
            Err(RecvTimeoutError::Timeout)
        );
        tx.send(1).unwrap();
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(1));
        tx.send(2).unwrap();
        assert_eq!(
            rx.recv_deadline(Instant::now() - Duration::from_secs(1)),
            Ok(2)
        );
        let (sent, got) = concurrently(after_pause(|| tx.send(3)), || {
            rx.recv_timeout(Duration::MAX)
        });
        assert_eq!((sent, got), (Ok(()), Ok(3)));
    }
}

// ----- async -----

#[test]
fn send_async_and_recv_async_on_every_executor() {
    for policy in POLICIES {
        on_every_executor(move |_| async move {
            let (tx, mut rx) = make(policy, 2);
            let mut rx2 = tx.subscribe();
            tx.send_async(1).await.unwrap();
            tx.send_async(2).await.unwrap();
            assert_eq!(rx.recv_async().await, Ok(1));
            assert_eq!(rx2.recv_async().await, Ok(1));
            assert_eq!(rx.recv_async().await, Ok(2));
            assert_eq!(rx2.recv_async().await, Ok(2));
        });
    }
}

#[test]
fn threads_to_tasks_and_back_on_every_executor() {
    on_every_executor(|_| async {
        let n = iters(200) as u64;
        let (tx, mut rx) = broadcast::channel(4);
        let mut thread_rx = tx.subscribe();
        let (back_tx, mut back_rx) = broadcast::channel(4);
        let reader = thread::spawn(move || {
            let mut sum = 0;
            while let Ok(i) = thread_rx.recv() {
                sum += i;
                back_tx.send(i).unwrap();
            }
            sum
        });
        let writer = thread::spawn(move || {
            for i in 0..n {
                tx.send(i).unwrap();
            }
        });
        let mut sum = 0;
        let mut back = 0;
        for _ in 0..n {
            sum += rx.recv_async().await.unwrap();
            back += back_rx.recv_async().await.unwrap();
        }
        assert_eq!(rx.recv_async().await, Err(RecvError::Disconnected));
        writer.join().unwrap();
        let expect = n * (n - 1) / 2;
        assert_eq!(
            (sum, back, reader.join().unwrap()),
            (expect, expect, expect)
        );
    });
}

#[test]
fn a_blocked_thread_sender_is_released_by_task_receivers() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let n = iters(500) as u64;
    let (tx, mut rx1) = broadcast::channel(1);
    let mut rx2 = tx.subscribe();
    let sender = thread::spawn(move || (0..n).for_each(|i| tx.send(i).unwrap()));
    let sums = rt.block_on(async {
        let a = tokio::spawn(async move {
            let mut s = 0;
            while let Ok(i) = rx1.recv_async().await {
                s += i;
            }
            s
        });
        let b = tokio::spawn(async move {
            let mut s = 0;
            while let Ok(i) = rx2.recv_async().await {
                s += i;
            }
            s
        });
        (a.await.unwrap(), b.await.unwrap())
    });
    sender.join().unwrap();
    assert_eq!(sums, (n * (n - 1) / 2, n * (n - 1) / 2));
}

#[test]
fn a_recv_future_dropped_at_any_point_loses_nothing() {
    let (tx, mut rx) = broadcast::channel(2);
    // Dropped before its first poll.
    drop(rx.recv_async());
    // Dropped while pending.
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
    drop(fut);
    // Dropped after it was woken, before it was polled again.
    let (wakes, waker) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(1).unwrap();
    assert_eq!(wakes.wakes(), 1);
    drop(fut);
    assert_eq!(rx.try_recv(), Ok(1));
    // Nothing left listed: a send wakes nobody and still lands.
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn every_waiting_receiver_is_woken_by_one_message() {
    let (tx, mut rx1) = broadcast::channel(2);
    let mut rx2 = tx.subscribe();
    let (w1, waker1) = WakeCounter::new();
    let (w2, waker2) = WakeCounter::new();
    let mut f1 = rx1.recv_async();
    let mut f2 = rx2.recv_async();
    assert!(poll_with(&mut f1, &waker1).is_pending());
    assert!(poll_with(&mut f2, &waker2).is_pending());
    tx.send(5).unwrap();
    assert_eq!((w1.wakes(), w2.wakes()), (1, 1));
    assert_eq!(poll_with(&mut f1, &waker1), Poll::Ready(Ok(5)));
    assert_eq!(poll_with(&mut f2, &waker2), Poll::Ready(Ok(5)));
}

#[test]
fn a_recv_future_wakes_its_latest_waker_once() {
    let (tx, mut rx) = broadcast::channel(2);
    let (old, old_waker) = WakeCounter::new();
    let (new, new_waker) = WakeCounter::new();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &old_waker).is_pending());
    assert!(poll_with(&mut fut, &new_waker).is_pending());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!((old.wakes(), new.wakes()), (0, 1));
    assert_eq!(poll_with(&mut fut, &new_waker), Poll::Ready(Ok(1)));
}

#[test]
fn a_send_future_wakes_its_latest_waker() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    let (old, old_waker) = WakeCounter::new();
    let (new, new_waker) = WakeCounter::new();
    let mut fut = tx.send_async(2);
    assert!(poll_with(&mut fut, &old_waker).is_pending());
    assert!(poll_with(&mut fut, &new_waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!((old.wakes(), new.wakes()), (0, 1));
    assert_eq!(poll_with(&mut fut, &new_waker), Poll::Ready(Ok(())));
}

#[test]
fn a_waker_that_panics_when_woken_strands_no_other_receiver() {
    let (tx, mut rx1) = broadcast::channel(2);
    let mut rx2 = tx.subscribe();
    let flags = Arc::new(hostile::Flags::default());
    let bad = hostile::waker(&flags);
    let (good, good_waker) = WakeCounter::new();
    let mut f1 = rx1.recv_async();
    let mut f2 = rx2.recv_async();
    assert!(poll_with(&mut f1, &bad).is_pending());
    assert!(poll_with(&mut f2, &good_waker).is_pending());
    flags.panic_on_drop.store(true, SeqCst);
    let sent = catch_unwind(AssertUnwindSafe(|| tx.send(9)));
    assert!(sent.is_err(), "the waker's panic reaches the sender");
    flags.panic_on_drop.store(false, SeqCst);
    assert_eq!(good.wakes(), 1, "the other receiver was still woken");
    assert_eq!(poll_with(&mut f1, &good_waker), Poll::Ready(Ok(9)));
    assert_eq!(poll_with(&mut f2, &good_waker), Poll::Ready(Ok(9)));
    drop(bad);
}

#[test]
fn a_waker_that_panics_when_cloned_leaves_the_future_usable() {
    let (tx, mut rx) = broadcast::channel(1);
    let flags = Arc::new(hostile::Flags::default());
    let bad = hostile::waker(&flags);
    flags.panic_on_clone.store(true, SeqCst);
    {
        let mut fut = rx.recv_async();
        let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad)));
        assert!(polled.is_err());
        flags.panic_on_clone.store(false, SeqCst);
        assert!(poll_with(&mut fut, &bad).is_pending());
        tx.send(1).unwrap();
        assert_eq!(poll_with(&mut fut, &bad), Poll::Ready(Ok(1)));
    }
    tx.send(2).unwrap();
    flags.panic_on_clone.store(true, SeqCst);
    let mut fut = tx.send_async(3);
    let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad)));
    assert!(polled.is_err());
    flags.panic_on_clone.store(false, SeqCst);
    assert!(
        poll_with(&mut fut, &bad).is_pending(),
        "the message is kept"
    );
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(poll_with(&mut fut, &bad), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn futures_are_send_and_unpin_and_receivers_need_no_sync() {
    fn is_send<T: Send>() {}
    fn is_unpin<T: Unpin>() {}
    // `Cell` is Send but not Sync: a broadcast of it must still be Send.
    type C = std::cell::Cell<u8>;
    is_send::<Sender<C>>();
    is_send::<Receiver<C>>();
    is_send::<SendFuture<'static, C>>();
    is_send::<RecvFuture<'static, C>>();
    is_unpin::<SendFuture<'static, C>>();
    is_unpin::<RecvFuture<'static, C>>();
    assert_not_impl!(Receiver<std::rc::Rc<u8>>: Send);
    assert_not_impl!(Sender<std::rc::Rc<u8>>: Send);
}

// ----- panics in user code -----

#[test]
fn a_panicking_clone_undoes_the_read() {
    let tally = Tally::new();
    let (tx, mut rx1) = broadcast::channel(2);
    let mut rx2 = tx.subscribe();
    tx.send(tally.msg(1)).unwrap();
    tally.arm_clone_panic(true);
    let got = catch_unwind(AssertUnwindSafe(|| rx1.try_recv()));
    assert!(got.is_err(), "the clone's panic reaches the receiver");
    tally.arm_clone_panic(false);
    assert_eq!(rx1.len(), 1, "the read was undone");
    assert_eq!(value(rx1.try_recv()), Ok(1));
    assert_eq!(value(rx2.try_recv()), Ok(1));
    assert_eq!(tally.clones(), 1);
    assert_eq!(tally.drops(), 2);
    assert!(tx.is_empty());
}

#[test]
fn a_panicking_drop_of_an_overwritten_message_keeps_the_channel_sound() {
    #[derive(Clone)]
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.0 && !thread::panicking() {
                panic!("boom");
            }
        }
    }
    let (tx, mut rx) = broadcast::lagging(1);
    tx.send(Bomb(true)).unwrap();
    let sent = catch_unwind(AssertUnwindSafe(|| tx.send(Bomb(false))));
    assert!(sent.is_err(), "the drop's panic reaches the sender");
    // The new message went in before the old one was dropped.
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Lagged(1))));
    let got = rx.try_recv().map(|b| b.0);
    assert_eq!(got.ok(), Some(false));
    tx.send(Bomb(false)).unwrap();
    assert!(rx.try_recv().is_ok());
}

// ----- concurrency -----

#[test]
fn concurrent_readers_clone_once_each_and_lose_nothing() {
    let n = iters(2000) as u64;
    let readers = 4;
    let tally = Tally::new();
    let (tx, rx) = broadcast::channel::<Tracked>(8);
    let rxs: Vec<_> = (0..readers - 1)
        .map(|_| tx.subscribe())
        .chain([rx])
        .collect();
    let sums: Vec<u64> = thread::scope(|s| {
        let handles: Vec<_> = rxs
            .into_iter()
            .map(|mut rx| {
                s.spawn(move || {
                    let mut sum = 0;
                    let mut expect = 0;
                    while let Ok(msg) = rx.recv() {
                        assert_eq!(msg.value, expect, "in order, no gap");
                        expect += 1;
                        sum += msg.value;
                    }
                    sum
                })
            })
            .collect();
        for i in 0..n {
            tx.send(tally.msg(i)).unwrap();
        }
        drop(tx);
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(sums, vec![n * (n - 1) / 2; readers]);
    assert_eq!(tally.clones(), (readers - 1) * n as usize);
    assert_eq!(tally.drops(), readers * n as usize);
}

#[test]
fn lagging_readers_see_in_order_subsequences_with_exact_lags() {
    let n = iters(5000) as u64;
    let (tx, rx) = broadcast::lagging(4);
    let rxs: Vec<_> = [tx.subscribe(), tx.subscribe()]
        .into_iter()
        .chain([rx])
        .collect();
    thread::scope(|s| {
        let handles: Vec<_> = rxs
            .into_iter()
            .map(|mut rx| {
                s.spawn(move || {
                    let (mut got, mut missed, mut last) = (0u64, 0u64, None);
                    loop {
                        match rx.recv() {
                            Ok(i) => {
                                assert!(last < Some(i), "in order");
                                last = Some(i);
                                got += 1;
                            }
                            Err(RecvError::Lagged(k)) => missed += k,
                            Err(RecvError::Disconnected) => return (got, missed),
                        }
                    }
                })
            })
            .collect();
        for i in 0..n {
            tx.send(i).unwrap();
        }
        drop(tx);
        for h in handles {
            let (got, missed) = h.join().unwrap();
            assert_eq!(got + missed, n, "every message received or counted lost");
        }
    });
}

#[cfg(feature = "futures")]
mod stream {
    use futures::StreamExt;

    use super::*;

    #[test]
    fn the_stream_yields_messages_and_lags_then_ends() {
        let (tx, mut rx) = broadcast::lagging(2);
        for i in 0..4 {
            tx.send(i).unwrap();
        }
        drop(tx);
        pollster::block_on(async {
            let mut stream = rx.stream();
            let items: Vec<_> = (&mut stream).collect().await;
            assert_eq!(items, [Err(RecvError::Lagged(2)), Ok(2), Ok(3)]);
            assert!(futures::stream::FusedStream::is_terminated(&stream));
            assert_eq!(stream.next().await, None);
        });
    }

    #[test]
    fn a_dropped_stream_loses_nothing() {
        let (tx, mut rx) = broadcast::channel(2);
        {
            let mut stream = rx.stream();
            let mut next = stream.next();
            assert!(poll_with(&mut next, noop_waker_ref()).is_pending());
        }
        tx.send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1));
    }
}

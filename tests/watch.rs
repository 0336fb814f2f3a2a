//! Integration tests of `tidings::watch`: the latest value, seen by every
//! receiver. Every method of every handle, future and the stream; every
//! ordering of a send, a change, a wait and a drop (the unseen change made
//! just before the last sender goes is still reported first); `wait_for`'s
//! looks; timeouts and deadlines, zero and huge; the sender's waits for the
//! receivers to go; threads and tasks on one channel under every executor;
//! futures polled with a new waker, and dropped at every point; closures,
//! predicates and wakers that panic; the drops of the values; the handles'
//! auto traits and `Debug`.
//!
//! Tests never assert on timing: a `pause()` only makes an interleaving
//! likely, and every interleaving must pass. A blocking wait that a lost
//! wakeup would leave hanging waits until a far deadline instead, so that
//! the loss shows as a failure.

mod common;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc as std_mpsc, Arc};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use futures::task::noop_waker_ref;

use common::{
    after_pause, assert_not_impl, concurrently, hostile, iters, on_every_executor, pause,
    poll_with, DropCounter, WakeCounter,
};
use tidings::watch::{self, Changed, Closed, Receiver, Ref, Sender, WaitFor};
use tidings::{RecvError, RecvTimeoutError, SendError};

// ----- helpers -----

/// A deadline far away (a lost wakeup shows as a failure, not a hang).
fn far() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

/// A deadline that has passed.
fn past() -> Instant {
    Instant::now() - Duration::from_millis(1)
}

/// A short timeout, for waits that must time out.
const SHORT: Duration = Duration::from_millis(1);

/// The value of a borrow returned by a wait (dropping the borrow).
fn got<T: Copy, E>(r: Result<Ref<'_, T>, E>) -> Result<T, E> {
    r.map(|r| *r)
}

/// Whether a poll of a `wait_for_async` future is ready with the value.
fn ready_with<T: Copy + PartialEq>(poll: Poll<Result<Ref<'_, T>, RecvError>>, v: T) -> bool {
    matches!(poll.map(got), Poll::Ready(Ok(x)) if x == v)
}

/// Runs `f` on its own thread and returns what it returned, failing (not
/// hanging) if it has not returned within a minute: for a call that a
/// lock left held would block for ever.
fn finishes<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (done_tx, done_rx) = std_mpsc::channel();
    thread::spawn(move || {
        let _ = done_tx.send(f());
    });
    done_rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what}: still blocked after a minute"))
}

/// A tokio runtime with two worker threads.
fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

// ----- the value, seen and unseen -----

#[test]
fn a_new_channel_holds_its_value_seen_by_its_receiver() {
    let (tx, mut rx) = watch::channel(7);
    assert_eq!(*rx.borrow(), 7);
    assert!(!rx.borrow().has_changed());
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*tx.borrow(), 7);
    assert!(!tx.borrow().has_changed());
    let r = rx.borrow_and_update();
    assert_eq!(*r, 7);
    assert!(!r.has_changed());
    drop(r);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
    assert!(!tx.is_closed());
    assert!(!rx.is_closed());
    assert_eq!(
        rx.changed_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
}

#[test]
fn a_send_is_unseen_until_borrow_and_update() {
    let (tx, mut rx) = watch::channel(1);
    tx.send(2).unwrap();
    // `borrow` looks without marking the value seen.
    for _ in 0..2 {
        let r = rx.borrow();
        assert_eq!(*r, 2);
        assert!(r.has_changed());
    }
    assert_eq!(rx.has_changed(), Ok(true));
    assert!(!tx.borrow().has_changed(), "a sender's borrow never has");
    let r = rx.borrow_and_update();
    assert_eq!(*r, 2);
    assert!(r.has_changed(), "it was unseen when borrowed");
    drop(r);
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!rx.borrow().has_changed());
    assert!(!rx.borrow_and_update().has_changed());
    // Two borrows at once (no writer waits) share the value.
    let (a, b) = (rx.borrow(), tx.borrow());
    assert_eq!(*a + *b, 4);
}

#[test]
fn send_replace_returns_the_old_value() {
    let (tx, mut rx) = watch::channel(String::from("a"));
    assert_eq!(tx.send_replace("b".into()), "a");
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(*rx.borrow_and_update(), "b");
    assert_eq!(tx.send_replace("c".into()), "b");
    assert_eq!(*rx.borrow(), "c");
}

#[test]
fn send_modify_changes_in_place_and_send_if_modified_only_when_told() {
    let (tx, mut rx) = watch::channel(vec![1]);
    let (wakes, waker) = WakeCounter::new();
    let mut rx2 = rx.clone();
    let mut fut = rx2.changed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());

    tx.send_modify(|v| v.push(2));
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(*rx.borrow_and_update(), [1, 2]);
    drop(fut);

    // Modified but not said to be: the value is as the closure left it,
    // and nobody is told.
    let mut fut = rx2.changed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert!(!tx.send_if_modified(|v| {
        v.push(3);
        false
    }));
    assert_eq!(wakes.wakes(), 1, "no change, no wake");
    assert!(poll_with(&mut fut, &waker).is_pending());
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*rx.borrow(), [1, 2, 3]);

    assert!(tx.send_if_modified(|v| {
        v.push(4);
        true
    }));
    assert_eq!(wakes.wakes(), 2);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(*rx.borrow_and_update(), [1, 2, 3, 4]);
}

#[test]
fn send_without_receivers_gives_the_value_back_and_changes_nothing() {
    let drops = DropCounter::new();
    let (tx, rx) = watch::channel(drops.msg(0));
    let rx2 = rx.clone();
    drop(rx);
    drop(rx2);
    assert!(tx.is_closed());
    let SendError(back) = tx.send(drops.msg(1)).unwrap_err();
    assert_eq!(back.value, 1);
    assert_eq!(drops.drops(), 0, "neither the value nor the new one");
    assert_eq!(tx.borrow().value, 0);
    drop(back);
    assert_eq!(drops.drops(), 1);
    // No change either: a new receiver has seen the value, unchanged.
    let rx = tx.subscribe();
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(rx.borrow().value, 0);
}

#[test]
fn send_replace_and_send_modify_work_without_receivers() {
    let (tx, rx) = watch::channel(0);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send_replace(1), 0);
    tx.send_modify(|v| *v += 10);
    assert!(tx.send_if_modified(|v| {
        *v += 100;
        true
    }));
    assert!(!tx.send_if_modified(|_| false));
    assert_eq!(*tx.borrow(), 111);
    let mut rx = tx.subscribe();
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*rx.borrow_and_update(), 111);
}

#[test]
fn subscribe_reopens_a_channel_whose_receivers_all_left() {
    let (tx, rx) = watch::channel(0);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.receiver_count(), 0);
    assert!(tx.closed_timeout(Duration::ZERO));
    let mut rx = tx.subscribe();
    assert!(!tx.is_closed());
    assert_eq!(tx.receiver_count(), 1);
    assert!(!tx.closed_timeout(Duration::ZERO));
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(1).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(rx.changed(), Ok(()));
    assert_eq!(*rx.borrow(), 1);
}

#[test]
fn a_subscriber_has_seen_the_value_and_a_clone_what_its_original_saw() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    // rx has not seen 1; a subscriber has.
    let sub = tx.subscribe();
    assert_eq!(sub.has_changed(), Ok(false));
    assert!(!sub.borrow().has_changed());
    let mut unseen = rx.clone();
    assert_eq!(unseen.has_changed(), Ok(true));
    assert_eq!(unseen.changed_timeout(Duration::ZERO), Ok(()));
    // The clone's look is its own.
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(*rx.borrow_and_update(), 1);
    let mut seen = rx.clone();
    assert_eq!(seen.has_changed(), Ok(false));
    assert_eq!(
        seen.changed_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    // A clone of a receiver marked changed has it unseen too.
    rx.mark_changed();
    let marked = rx.clone();
    assert_eq!(marked.has_changed(), Ok(true));
    tx.send(2).unwrap();
    for r in [&sub, &unseen, &seen, &marked, &rx] {
        assert_eq!(r.has_changed(), Ok(true));
        assert_eq!(*r.borrow(), 2);
    }
}

#[test]
fn counts_and_same_channel() {
    let (tx, rx) = watch::channel(0);
    let (other_tx, other_rx) = watch::channel(0);
    let tx2 = tx.clone();
    let rx2 = rx.clone();
    let rx3 = tx2.subscribe();
    assert_eq!((tx.sender_count(), tx.receiver_count()), (2, 3));
    assert_eq!((tx2.sender_count(), tx2.receiver_count()), (2, 3));
    assert!(tx.same_channel(&tx2));
    assert!(tx.same_channel(&tx));
    assert!(!tx.same_channel(&other_tx));
    assert!(rx.same_channel(&rx2));
    assert!(rx.same_channel(&rx3));
    assert!(!rx.same_channel(&other_rx));
    drop(rx2);
    drop(tx2);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 2));
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
    assert!(rx3.is_closed());
    assert!(!other_rx.is_closed());
    assert_eq!((other_tx.sender_count(), other_tx.receiver_count()), (1, 1));
}

#[test]
fn mark_changed_and_mark_unchanged() {
    let (tx, mut rx) = watch::channel(5);
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true));
    assert!(rx.borrow().has_changed());
    assert_eq!(*rx.borrow(), 5, "the value is as it was");
    assert_eq!(rx.changed(), Ok(()));
    assert_eq!(rx.has_changed(), Ok(false));
    // Async too: ready at once.
    rx.mark_changed();
    assert_eq!(
        poll_with(&mut rx.changed_async(), noop_waker_ref()),
        Poll::Ready(Ok(()))
    );
    assert_eq!(rx.has_changed(), Ok(false));

    tx.send(6).unwrap();
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!rx.borrow().has_changed());
    assert_eq!(
        rx.changed_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(poll_with(&mut rx.changed_async(), noop_waker_ref()).is_pending());

    // Marking one receiver leaves its clones alone.
    let other = rx.clone();
    rx.mark_changed();
    assert_eq!(other.has_changed(), Ok(false));

    // After the end `has_changed` says only that, marked or not; marked
    // changed, `changed` reports one more change, marked unchanged, the
    // end at once.
    let mut closed = rx.clone();
    drop(tx);
    assert_eq!(rx.has_changed(), Err(RecvError), "unseen, but the end");
    assert!(rx.borrow().has_changed(), "the borrow still tells");
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Err(RecvError));
    assert!(!rx.borrow().has_changed());
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Err(RecvError));
    assert_eq!(rx.changed(), Ok(()));
    assert_eq!(rx.changed(), Err(RecvError));
    closed.mark_unchanged();
    assert_eq!(closed.changed(), Err(RecvError));
    closed.mark_changed();
    assert_eq!(
        poll_with(&mut closed.changed_async(), noop_waker_ref()),
        Poll::Ready(Ok(()))
    );
    assert_eq!(
        closed.changed_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(*closed.borrow(), 6);
}

// ----- orderings: a send, a wait -----

#[test]
fn a_send_before_the_wait_is_seen_at_once_by_every_form() {
    let (tx, mut rx) = watch::channel(0);
    let (wakes, waker) = WakeCounter::new();

    tx.send(1).unwrap();
    assert_eq!(rx.changed(), Ok(()));
    tx.send(2).unwrap();
    assert_eq!(rx.changed_timeout(Duration::ZERO), Ok(()));
    tx.send(3).unwrap();
    assert_eq!(rx.changed_deadline(past()), Ok(()));
    tx.send(4).unwrap();
    assert_eq!(
        poll_with(&mut rx.changed_async(), &waker),
        Poll::Ready(Ok(()))
    );
    tx.send(5).unwrap();
    assert_eq!(got(rx.wait_for(|v| *v == 5)), Ok(5));
    tx.send(6).unwrap();
    assert_eq!(got(rx.wait_for_timeout(|v| *v == 6, Duration::ZERO)), Ok(6));
    tx.send(7).unwrap();
    assert_eq!(got(rx.wait_for_deadline(|v| *v == 7, past())), Ok(7));
    tx.send(8).unwrap();
    assert!(ready_with(
        poll_with(&mut rx.wait_for_async(|v| *v == 8), &waker),
        8
    ));
    assert_eq!(wakes.wakes(), 0, "nothing waited");
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn many_sends_before_a_look_are_one_change() {
    let (tx, mut rx) = watch::channel(0);
    for i in 1..=10 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.changed(), Ok(()));
    assert_eq!(*rx.borrow(), 10);
    assert_eq!(
        rx.changed_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );

    // A waiting future is woken once, however many sends come.
    let (wakes, waker) = WakeCounter::new();
    let mut fut = rx.changed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(11).unwrap();
    tx.send_modify(|v| *v += 1);
    tx.send_replace(13);
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(())));
    drop(fut);
    assert_eq!(*rx.borrow_and_update(), 13);
    let mut fut = rx.changed_async();
    assert!(poll_with(&mut fut, &waker).is_pending(), "all seen");
}

#[test]
fn a_waiting_thread_is_woken_by_a_send() {
    let (tx, mut rx) = watch::channel(0);
    let (sent, waited) = concurrently(after_pause(|| tx.send(1)), || rx.changed_deadline(far()));
    assert_eq!((sent, waited), (Ok(()), Ok(())));
    assert_eq!(*rx.borrow_and_update(), 1);

    let (sent, waited) = concurrently(after_pause(|| tx.send(2)), || rx.changed());
    assert_eq!((sent, waited), (Ok(()), Ok(())));
    assert_eq!(*rx.borrow_and_update(), 2);

    let ((), seen) = concurrently(
        after_pause(|| {
            for i in 3..=6 {
                tx.send(i).unwrap();
            }
        }),
        || got(rx.wait_for_deadline(|v| *v == 6, far())),
    );
    assert_eq!(seen, Ok(6));
}

#[test]
fn a_waiting_task_is_woken_by_a_send_from_a_thread_on_every_executor() {
    on_every_executor(|executor| async move {
        let (tx, mut rx) = watch::channel(0u64);
        let tx = Arc::new(tx);
        let sender = {
            let tx = tx.clone();
            thread::spawn(after_pause(move || tx.send(1).unwrap()))
        };
        assert_eq!(rx.changed_async().await, Ok(()), "{executor:?}");
        assert_eq!(*rx.borrow_and_update(), 1);
        sender.join().unwrap();
        let sender = thread::spawn(after_pause(move || {
            for i in 2..=5 {
                tx.send(i).unwrap();
            }
        }));
        assert_eq!(got(rx.wait_for_async(|v| *v == 5).await), Ok(5));
        sender.join().unwrap();
        // The last sender went with the thread.
        assert_eq!(rx.changed_async().await, Err(RecvError), "{executor:?}");
    });
}

#[test]
fn a_waiting_thread_is_woken_by_a_send_from_a_task_on_every_executor() {
    on_every_executor(|executor| async move {
        let (tx, mut rx) = watch::channel(0u64);
        let waiter = thread::spawn(move || {
            let first = rx.changed_deadline(far());
            let value = *rx.borrow_and_update();
            let end = rx.changed_deadline(far());
            (first, value, end)
        });
        pause();
        tx.send(1).unwrap();
        drop(tx);
        let (first, value, end) = waiter.join().unwrap();
        assert_eq!(first, Ok(()), "{executor:?}");
        assert_eq!(value, 1);
        assert_eq!(end, Err(RecvTimeoutError::Disconnected));
    });
}

#[test]
fn a_waiting_task_is_woken_by_a_send_from_another_task() {
    for rt in [current_thread(), multi_thread()] {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0u64);
            let sender = tokio::spawn(async move {
                tokio::task::yield_now().await;
                tx.send(1).unwrap();
                tokio::task::yield_now().await;
                tx.send_modify(|v| *v += 1);
                tx
            });
            assert_eq!(rx.changed_async().await, Ok(()));
            assert!(*rx.borrow_and_update() >= 1);
            assert_eq!(got(rx.wait_for_async(|v| *v == 2).await), Ok(2));
            drop(sender.await.unwrap());
            assert_eq!(rx.changed_async().await, Err(RecvError));
        });
    }

    // Two tasks of one thread (futures' LocalPool).
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let (tx, mut rx) = watch::channel(0u64);
    let (back_tx, mut back_rx) = watch::channel(0u64);
    let n = iters(100) as u64;
    pool.spawner()
        .spawn_local(async move {
            while rx.changed_async().await.is_ok() {
                let v = *rx.borrow_and_update();
                back_tx.send(v).unwrap();
            }
        })
        .unwrap();
    pool.spawner()
        .spawn_local(async move {
            for i in 1..=n {
                tx.send(i).unwrap();
                assert_eq!(back_rx.changed_async().await, Ok(()));
                assert_eq!(*back_rx.borrow_and_update(), i);
            }
            drop(tx);
            assert_eq!(back_rx.changed_async().await, Err(RecvError));
        })
        .unwrap();
    pool.run();
}

// ----- orderings: the end -----

#[test]
fn the_last_sender_dropped_wakes_every_waiting_thread() {
    let (tx, rx) = watch::channel(0);
    let tx2 = tx.clone();
    let watcher = rx.clone();
    let (mut r1, mut r2, mut r3, mut r4) = (rx.clone(), rx.clone(), rx.clone(), rx);
    thread::scope(|s| {
        let waits = [
            s.spawn(move || r1.changed().map_err(|_| RecvTimeoutError::Disconnected)),
            s.spawn(move || r2.changed_deadline(far())),
            s.spawn(move || {
                r3.wait_for(|v| *v == 9)
                    .map(|_| ())
                    .map_err(|_| RecvTimeoutError::Disconnected)
            }),
            s.spawn(move || r4.wait_for_timeout(|v| *v == 9, Duration::MAX).map(|_| ())),
        ];
        pause();
        drop(tx2);
        assert!(!watcher.is_closed(), "one sender is left");
        pause();
        drop(tx);
        for wait in waits {
            assert_eq!(wait.join().unwrap(), Err(RecvTimeoutError::Disconnected));
        }
    });
    assert_eq!(watcher.has_changed(), Err(RecvError));
}

#[test]
fn the_last_sender_dropped_wakes_every_waiting_future_once() {
    let (tx, mut rx1) = watch::channel(0);
    let tx2 = tx.clone();
    let mut rx2 = rx1.clone();
    let mut rx3 = rx1.clone();
    let (w1, waker1) = WakeCounter::new();
    let (w2, waker2) = WakeCounter::new();
    let (w3, waker3) = WakeCounter::new();
    let mut f1 = rx1.changed_async();
    let mut f2 = rx2.wait_for_async(|v| *v == 9);
    let mut f3 = rx3.changed_async();
    assert!(poll_with(&mut f1, &waker1).is_pending());
    assert!(poll_with(&mut f2, &waker2).is_pending());
    assert!(poll_with(&mut f3, &waker3).is_pending());
    drop(tx2);
    assert_eq!((w1.wakes(), w2.wakes(), w3.wakes()), (0, 0, 0));
    assert!(poll_with(&mut f1, &waker1).is_pending());
    drop(tx);
    assert_eq!((w1.wakes(), w2.wakes(), w3.wakes()), (1, 1, 1));
    assert_eq!(poll_with(&mut f1, &waker1), Poll::Ready(Err(RecvError)));
    assert!(matches!(
        poll_with(&mut f2, &waker2),
        Poll::Ready(Err(RecvError))
    ));
    assert_eq!(poll_with(&mut f3, &waker3), Poll::Ready(Err(RecvError)));
    assert_eq!((w1.wakes(), w2.wakes(), w3.wakes()), (1, 1, 1));
}

#[test]
fn the_last_sender_dropped_ends_waiting_tasks_on_every_executor() {
    on_every_executor(|executor| async move {
        let (tx, mut rx) = watch::channel(0u8);
        let mut rx2 = rx.clone();
        let dropper = thread::spawn(after_pause(move || drop(tx)));
        assert_eq!(rx.changed_async().await, Err(RecvError), "{executor:?}");
        assert!(matches!(
            rx2.wait_for_async(|_| false).await,
            Err(RecvError)
        ));
        dropper.join().unwrap();
    });
}

#[test]
fn threads_and_tasks_waiting_together_all_see_the_end() {
    let rt = multi_thread();
    let (tx, rx) = watch::channel(0u64);
    let (mut t1, mut t2, mut a1, mut a2) = (rx.clone(), rx.clone(), rx.clone(), rx);
    let threads = [
        thread::spawn(move || t1.changed_deadline(far()).map(|_| 0)),
        thread::spawn(move || got(t2.wait_for_deadline(|v| *v > 1, far()))),
    ];
    let tasks = [
        rt.spawn(async move { a1.changed_async().await.map(|_| 0) }),
        rt.spawn(async move { got(a2.wait_for_async(|v| *v > 1).await) }),
    ];
    pause();
    drop(tx);
    for t in threads {
        assert_eq!(t.join().unwrap(), Err(RecvTimeoutError::Disconnected));
    }
    rt.block_on(async {
        for t in tasks {
            assert_eq!(t.await.unwrap(), Err(RecvError));
        }
    });
}

#[test]
fn a_change_made_just_before_the_end_is_reported_first() {
    // Each form of the wait, on a channel whose last change came just
    // before its last sender went: Ok first, then the end.
    #[allow(clippy::type_complexity)]
    let forms: [(&str, fn(&mut Receiver<u8>) -> Result<(), RecvTimeoutError>); 4] = [
        ("changed", |rx| {
            rx.changed().map_err(|_| RecvTimeoutError::Disconnected)
        }),
        ("changed_timeout", |rx| rx.changed_timeout(Duration::ZERO)),
        ("changed_deadline", |rx| rx.changed_deadline(past())),
        ("changed_async", |rx| {
            match poll_with(&mut rx.changed_async(), noop_waker_ref()) {
                Poll::Ready(r) => r.map_err(|_| RecvTimeoutError::Disconnected),
                Poll::Pending => panic!("a closed channel has nothing to wait for"),
            }
        }),
    ];
    for (name, wait) in forms {
        let (tx, mut rx) = watch::channel(0);
        tx.send(1).unwrap();
        drop(tx);
        assert!(rx.is_closed());
        // `has_changed` tells the end (tokio's rule), the borrow and the
        // wait the change.
        assert_eq!(rx.has_changed(), Err(RecvError), "{name}");
        assert!(rx.borrow().has_changed());
        assert_eq!(wait(&mut rx), Ok(()), "{name}: the change first");
        assert_eq!(*rx.borrow(), 1);
        assert_eq!(rx.has_changed(), Err(RecvError), "{name}");
        assert_eq!(
            wait(&mut rx),
            Err(RecvTimeoutError::Disconnected),
            "{name}: then the end"
        );
        assert_eq!(wait(&mut rx), Err(RecvTimeoutError::Disconnected));
    }

    // borrow_and_update marks it seen as well.
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    let mut before = rx.clone();
    let r = rx.borrow_and_update();
    assert!(r.has_changed());
    drop(r);
    assert!(!rx.borrow().has_changed());
    assert_eq!(rx.changed(), Err(RecvError));
    assert_eq!(
        before.changed(),
        Ok(()),
        "a clone made before keeps it unseen"
    );
    assert_eq!(before.changed(), Err(RecvError));

    // A thread waiting while the change and the end come at once.
    let (tx, mut rx) = watch::channel(0);
    let (sent, (first, value, end)) = concurrently(
        after_pause(move || {
            let sent = tx.send(1);
            drop(tx);
            sent
        }),
        || {
            let first = rx.changed_deadline(far());
            let value = *rx.borrow();
            (first, value, rx.changed_deadline(far()))
        },
    );
    assert_eq!(sent, Ok(()));
    assert_eq!(first, Ok(()));
    assert_eq!(value, 1);
    assert_eq!(end, Err(RecvTimeoutError::Disconnected));
}

#[test]
fn a_waiting_future_sees_a_change_made_just_before_the_end() {
    let (tx, mut rx) = watch::channel(0);
    let (wakes, waker) = WakeCounter::new();
    let mut fut = rx.changed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(
        wakes.wakes(),
        1,
        "woken by the send; the end finds it woken"
    );
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(())));
    drop(fut);
    assert_eq!(*rx.borrow(), 1);
    assert_eq!(
        poll_with(&mut rx.changed_async(), &waker),
        Poll::Ready(Err(RecvError))
    );
}

// ----- wait_for -----

#[test]
fn wait_for_looks_at_the_current_value_first() {
    let (tx, mut rx) = watch::channel(3);
    let mut looks = 0;
    let r = rx
        .wait_for(|v| {
            looks += 1;
            *v == 3
        })
        .unwrap();
    assert_eq!(*r, 3);
    assert!(!r.has_changed(), "seen before");
    drop(r);
    assert_eq!(looks, 1);

    tx.send(4).unwrap();
    let r = rx.wait_for(|v| *v == 4).unwrap();
    assert!(r.has_changed(), "unseen before");
    drop(r);
    assert_eq!(rx.has_changed(), Ok(false), "marked seen");
    // A seen value is looked at too, while the channel is open.
    assert_eq!(got(rx.wait_for(|v| *v == 4)), Ok(4));
    assert_eq!(got(rx.wait_for_timeout(|v| *v == 4, Duration::ZERO)), Ok(4));
    assert_eq!(got(rx.wait_for_deadline(|v| *v == 4, past())), Ok(4));
    let (wakes, waker) = WakeCounter::new();
    assert!(ready_with(
        poll_with(&mut rx.wait_for_async(|v| *v == 4), &waker),
        4
    ));
    assert_eq!(wakes.wakes(), 0);
}

#[test]
fn wait_for_looks_at_each_new_value_until_one_holds() {
    let (tx, mut rx) = watch::channel(0);
    let (wakes, waker) = WakeCounter::new();
    let mut looked = Vec::new();
    let mut fut = rx.wait_for_async(|v| {
        looked.push(*v);
        *v >= 3
    });
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(1).unwrap();
    assert_eq!(wakes.wakes(), 1);
    assert!(poll_with(&mut fut, &waker).is_pending());
    // Polled again without a change: no look.
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(2).unwrap();
    tx.send(3).unwrap();
    assert_eq!(wakes.wakes(), 2);
    let r = match poll_with(&mut fut, &waker) {
        Poll::Ready(Ok(r)) => r,
        other => panic!("{:?}", other.map(got)),
    };
    assert_eq!(*r, 3);
    assert!(r.has_changed());
    drop(r);
    drop(fut);
    assert_eq!(looked, [0, 1, 3], "2 was never the value when it looked");
    assert_eq!(rx.has_changed(), Ok(false));

    // Blocking: the values it looks at only grow, from the first it found.
    let n = iters(200);
    let mut looked = Vec::new();
    let ((), found) = concurrently(
        after_pause(|| {
            for i in 4..=n {
                tx.send(i).unwrap();
            }
        }),
        || {
            got(rx.wait_for_deadline(
                |v| {
                    looked.push(*v);
                    *v >= n / 2
                },
                far(),
            ))
        },
    );
    let found = found.unwrap();
    assert!(found >= n / 2);
    assert!(looked[0] >= 3, "the current value first: {looked:?}");
    assert_eq!(looked.last(), Some(&found));
    assert!(looked.windows(2).all(|w| w[0] < w[1]), "{looked:?}");
}

#[test]
fn wait_for_ends_once_closed_with_nothing_unchecked() {
    // Closed, the value seen before the call: each call looks at it once
    // (the current value first, seen or not: tokio's rule), then ends.
    let (tx, mut rx) = watch::channel(0);
    drop(tx);
    let mut looks = 0;
    let mut pred = |v: &i32| {
        looks += 1;
        *v == 1
    };
    assert_eq!(got(rx.wait_for(&mut pred)), Err(RecvError));
    assert_eq!(got(rx.wait_for(&mut pred)), Err(RecvError));
    assert!(matches!(
        rx.wait_for_timeout(&mut pred, SHORT),
        Err(RecvTimeoutError::Disconnected)
    ));
    assert!(matches!(
        rx.wait_for_deadline(&mut pred, far()),
        Err(RecvTimeoutError::Disconnected)
    ));
    assert!(matches!(
        poll_with(&mut rx.wait_for_async(&mut pred), noop_waker_ref()),
        Poll::Ready(Err(RecvError))
    ));
    assert_eq!(looks, 5, "one look a call");
    assert_eq!(got(rx.wait_for(|v| *v == 0)), Ok(0), "the seen value holds");
    assert_eq!(got(rx.wait_for_timeout(|v| *v == 0, SHORT)), Ok(0));
    assert!(ready_with(
        poll_with(&mut rx.wait_for_async(|v| *v == 0), noop_waker_ref()),
        0
    ));

    // Closed with an unseen value that does not hold: looked at once a
    // call too.
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    let mut looks = 0;
    let mut pred = |v: &i32| {
        looks += 1;
        *v == 2
    };
    assert_eq!(got(rx.wait_for(&mut pred)), Err(RecvError));
    assert_eq!(got(rx.wait_for(&mut pred)), Err(RecvError));
    assert_eq!(looks, 2);
    assert_eq!(rx.changed(), Err(RecvError), "1 was marked seen");
}

#[test]
fn wait_for_checks_a_final_value_sent_just_before_the_close() {
    // Already there when the wait starts.
    for form in ["wait_for", "wait_for_timeout", "wait_for_deadline", "async"] {
        let (tx, mut rx) = watch::channel(0);
        tx.send(5).unwrap();
        drop(tx);
        let pred = |v: &i32| *v == 5;
        let r = match form {
            "wait_for" => got(rx.wait_for(pred)).map_err(|_| RecvTimeoutError::Disconnected),
            "wait_for_timeout" => got(rx.wait_for_timeout(pred, Duration::ZERO)),
            "wait_for_deadline" => got(rx.wait_for_deadline(pred, past())),
            _ => match poll_with(&mut rx.wait_for_async(pred), noop_waker_ref()) {
                Poll::Ready(r) => got(r).map_err(|_| RecvTimeoutError::Disconnected),
                Poll::Pending => panic!("{form}: pending on a closed channel"),
            },
        };
        assert_eq!(r, Ok(5), "{form}");
        assert_eq!(rx.has_changed(), Err(RecvError));
    }

    // Sent and closed while a future waits: it looks at it, then ends.
    for holds in [false, true] {
        let (tx, mut rx) = watch::channel(0);
        let (wakes, waker) = WakeCounter::new();
        let mut looked = Vec::new();
        let mut fut = rx.wait_for_async(|v| {
            looked.push(*v);
            holds && *v == 5
        });
        assert!(poll_with(&mut fut, &waker).is_pending());
        tx.send(5).unwrap();
        drop(tx);
        assert_eq!(wakes.wakes(), 1);
        let r = poll_with(&mut fut, &waker).map(got);
        drop(fut);
        if holds {
            assert_eq!(r, Poll::Ready(Ok(5)));
        } else {
            assert_eq!(r, Poll::Ready(Err(RecvError)));
        }
        assert_eq!(looked, [0, 5]);
    }

    // Sent and closed while a thread waits.
    let (tx, mut rx) = watch::channel(0);
    let mut looked = Vec::new();
    let ((), r) = concurrently(
        after_pause(move || {
            tx.send(1).unwrap();
            drop(tx);
        }),
        || {
            got(rx.wait_for_deadline(
                |v| {
                    looked.push(*v);
                    *v == 9
                },
                far(),
            ))
        },
    );
    assert_eq!(r, Err(RecvTimeoutError::Disconnected));
    assert_eq!(looked.last(), Some(&1), "the last value was looked at");
    assert_eq!(looked.iter().filter(|v| **v == 1).count(), 1, "once");
}

// ----- timeouts -----

#[test]
fn zero_timeouts_take_what_is_ready_and_time_out_otherwise() {
    let (tx, mut rx) = watch::channel(0);
    assert_eq!(
        rx.changed_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(rx.changed_deadline(past()), Err(RecvTimeoutError::Timeout));
    assert!(matches!(
        rx.wait_for_timeout(|v| *v == 1, Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    ));
    assert!(matches!(
        rx.wait_for_deadline(|v| *v == 1, past()),
        Err(RecvTimeoutError::Timeout)
    ));
    assert!(!tx.closed_timeout(Duration::ZERO));
    assert!(!tx.closed_deadline(past()));

    tx.send(1).unwrap();
    assert_eq!(rx.changed_timeout(Duration::ZERO), Ok(()));
    tx.send(2).unwrap();
    assert_eq!(rx.changed_deadline(past()), Ok(()));
    tx.send(3).unwrap();
    assert_eq!(got(rx.wait_for_timeout(|v| *v == 3, Duration::ZERO)), Ok(3));

    let mut rx2 = rx.clone();
    drop(rx);
    tx.send(4).unwrap();
    drop(tx);
    assert_eq!(rx2.changed_timeout(Duration::ZERO), Ok(()));
    assert_eq!(
        rx2.changed_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(
        rx2.changed_deadline(past()),
        Err(RecvTimeoutError::Disconnected)
    );

    let (tx, rx) = watch::channel(0);
    drop(rx);
    assert!(tx.closed_timeout(Duration::ZERO));
    assert!(tx.closed_deadline(past()));
}

#[test]
fn a_huge_timeout_does_not_panic() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    assert_eq!(rx.changed_timeout(Duration::MAX), Ok(()));
    tx.send(2).unwrap();
    assert_eq!(got(rx.wait_for_timeout(|v| *v == 2, Duration::MAX)), Ok(2));
    // And waiting with it for a send to come.
    let (sent, waited) = concurrently(after_pause(|| tx.send(3)), || {
        rx.changed_timeout(Duration::MAX)
    });
    assert_eq!((sent, waited), (Ok(()), Ok(())));
    let (sent, seen) = concurrently(after_pause(|| tx.send(4)), || {
        got(rx.wait_for_timeout(|v| *v == 4, Duration::MAX))
    });
    assert_eq!((sent, seen), (Ok(()), Ok(4)));
    drop(rx);
    assert!(tx.closed_timeout(Duration::MAX));
    let rx = tx.subscribe();
    let ((), closed) = concurrently(after_pause(move || drop(rx)), || {
        tx.closed_timeout(Duration::MAX)
    });
    assert!(closed);
}

#[test]
fn timeouts_expire_then_the_waits_still_work() {
    let (tx, mut rx) = watch::channel(0);
    assert_eq!(rx.changed_timeout(SHORT), Err(RecvTimeoutError::Timeout));
    assert_eq!(
        rx.changed_deadline(Instant::now() + SHORT),
        Err(RecvTimeoutError::Timeout)
    );
    let mut looks = 0;
    let timed_out = rx.wait_for_timeout(
        |v| {
            looks += 1;
            *v == 1
        },
        SHORT,
    );
    assert!(matches!(timed_out, Err(RecvTimeoutError::Timeout)));
    drop(timed_out);
    assert_eq!(looks, 1);
    assert!(!tx.closed_timeout(SHORT));
    assert!(!tx.closed_deadline(Instant::now() + SHORT));

    // Nothing was left listed by the timed-out waits: a send wakes the one
    // waiting future once, and each wait then works.
    let mut other = rx.clone();
    let (wakes, waker) = WakeCounter::new();
    let mut fut = other.changed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(1).unwrap();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(())));
    drop(fut);
    assert_eq!(rx.changed_timeout(SHORT), Ok(()));
    tx.send(2).unwrap();
    assert_eq!(got(rx.wait_for_timeout(|v| *v == 2, SHORT)), Ok(2));
    drop(rx);
    drop(other);
    assert!(tx.closed_timeout(SHORT));
}

#[test]
fn wait_for_timeout_ends_at_its_deadline_while_changes_keep_coming() {
    // A writer sends as fast as it can until the wait is over (at most
    // `n` values, then it closes the channel). A wait that let changes
    // that fail its predicate keep it past its deadline would end only
    // with the close: `Disconnected`, not `Timeout`.
    let n = iters(2_000_000) as u64;
    let (tx, mut rx) = watch::channel(0u64);
    let done = AtomicBool::new(false);
    let done = &done;
    let (sent, (r, looks)) = concurrently(
        move || {
            let mut i = 0;
            while i < n && !done.load(SeqCst) {
                i += 1;
                tx.send(i).unwrap();
            }
            i
        },
        || {
            let mut looks = 0u64;
            let r = got(rx.wait_for_timeout(
                |_| {
                    looks += 1;
                    false
                },
                Duration::from_millis(10),
            ));
            done.store(true, SeqCst);
            (r, looks)
        },
    );
    assert_eq!(
        r,
        Err(RecvTimeoutError::Timeout),
        "{looks} looks, {sent} of {n} values sent"
    );
    // The deadline form too, with a deadline that has passed already:
    // one look, then the end of the wait (here the end of the channel).
    let mut looks = 0;
    let r = got(rx.wait_for_deadline(
        |_| {
            looks += 1;
            false
        },
        past(),
    ));
    assert_eq!((r, looks), (Err(RecvTimeoutError::Disconnected), 1));
}

// ----- the sender's waits for the receivers -----

#[test]
fn closed_returns_once_every_receiver_is_gone() {
    let (tx, rx) = watch::channel(0);
    let rx2 = rx.clone();
    let rx3 = tx.subscribe();
    assert!(!tx.closed_timeout(SHORT));
    let ((), ()) = concurrently(
        after_pause(move || {
            drop(rx);
            drop(rx2);
            pause();
            drop(rx3);
        }),
        || tx.closed(),
    );
    assert!(tx.is_closed());
    // At once, now.
    tx.closed();
    assert!(tx.closed_timeout(Duration::ZERO));
    assert!(tx.closed_deadline(past()));

    // The deadline form, waiting.
    let rx = tx.subscribe();
    let ((), closed) = concurrently(after_pause(move || drop(rx)), || tx.closed_deadline(far()));
    assert!(closed);

    // Every waiting sender is told.
    let rx = tx.subscribe();
    let tx2 = tx.clone();
    thread::scope(|s| {
        let a = s.spawn(|| tx.closed_deadline(far()));
        let b = s.spawn(|| {
            tx2.closed();
            true
        });
        pause();
        drop(rx);
        assert!(a.join().unwrap());
        assert!(b.join().unwrap());
    });
}

#[test]
fn closed_async_is_woken_by_the_last_receiver_only() {
    let (tx, rx) = watch::channel(0);
    let rx2 = rx.clone();
    let (wakes, waker) = WakeCounter::new();
    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(rx);
    assert_eq!(wakes.wakes(), 0);
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(rx2);
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(()));
    drop(fut);
    // Ready at once while none is left; pending again once one subscribes.
    assert_eq!(poll_with(&mut tx.closed_async(), &waker), Poll::Ready(()));
    let rx = tx.subscribe();
    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(rx);
    assert_eq!(wakes.wakes(), 2);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(()));
    // Sends and receivers' waits wake no sender waiting for the close.
    let rx = tx.subscribe();
    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(1).unwrap();
    drop(tx.clone());
    assert_eq!(wakes.wakes(), 2);
    assert!(poll_with(&mut fut, &waker).is_pending());
    drop(rx);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(()));
}

#[test]
fn closed_async_on_every_executor() {
    on_every_executor(|executor| async move {
        let (tx, rx) = watch::channel(0u8);
        let rx2 = tx.subscribe();
        let dropper = thread::spawn(after_pause(move || {
            drop(rx);
            drop(rx2);
        }));
        tx.closed_async().await;
        assert!(tx.is_closed(), "{executor:?}");
        dropper.join().unwrap();
    });
}

// ----- threads and tasks mixed -----

/// Checks that `values` never decrease, and end at `last`.
fn check_monotone(values: &[u64], last: u64, who: &str) {
    assert!(
        values.windows(2).all(|w| w[0] <= w[1]),
        "{who}: saw a value go back: {values:?}"
    );
    assert_eq!(values.last(), Some(&last), "{who}: the final value");
}

#[test]
fn threads_and_tasks_share_one_channel_on_every_executor() {
    on_every_executor(|executor| async move {
        let n = iters(300) as u64;
        let (tx, mut rx) = watch::channel(0u64);
        let mut thread_rx = rx.clone();
        let mut waiting_rx = rx.clone();
        let reader = thread::spawn(move || {
            let mut seen = Vec::new();
            while thread_rx.changed_deadline(far()).is_ok() {
                seen.push(*thread_rx.borrow_and_update());
            }
            seen
        });
        let waiter = thread::spawn(move || got(waiting_rx.wait_for_deadline(|v| *v == n, far())));
        let writer = thread::spawn(move || {
            for i in 1..=n {
                match i % 3 {
                    0 => tx.send(i).unwrap(),
                    1 => tx.send_modify(|v| *v = i),
                    _ => assert!(tx.send_if_modified(|v| {
                        *v = i;
                        true
                    })),
                }
            }
        });
        let mut seen = Vec::new();
        while rx.changed_async().await.is_ok() {
            seen.push(*rx.borrow_and_update());
        }
        writer.join().unwrap();
        check_monotone(&seen, n, &format!("{executor:?}: the task"));
        check_monotone(&reader.join().unwrap(), n, "the thread");
        assert_eq!(waiter.join().unwrap(), Ok(n));
    });
}

#[test]
fn tasks_write_and_threads_read_on_a_multi_thread_runtime() {
    let rt = multi_thread();
    let n = iters(300) as u64;
    let (tx, rx) = watch::channel(0u64);
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let mut rx = rx.clone();
            thread::spawn(move || {
                let mut seen = Vec::new();
                while rx.changed().is_ok() {
                    seen.push(*rx.borrow_and_update());
                }
                seen
            })
        })
        .collect();
    let mut task_rx = rx;
    let reader_task = rt.spawn(async move {
        let mut seen = Vec::new();
        while task_rx.changed_async().await.is_ok() {
            seen.push(*task_rx.borrow_and_update());
        }
        seen
    });
    rt.block_on(async move {
        let writer = tokio::spawn(async move {
            for i in 1..=n {
                tx.send_modify(|v| *v = i);
                if i % 16 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        });
        writer.await.unwrap();
        check_monotone(&reader_task.await.unwrap(), n, "the task");
    });
    for r in readers {
        check_monotone(&r.join().unwrap(), n, "a thread");
    }
}

// ----- futures: wakers -----

#[test]
fn a_future_wakes_only_its_latest_waker() {
    let (tx, mut rx) = watch::channel(0);
    let (old, old_waker) = WakeCounter::new();
    let (new, new_waker) = WakeCounter::new();

    let mut fut = rx.changed_async();
    assert!(poll_with(&mut fut, &old_waker).is_pending());
    assert!(poll_with(&mut fut, &new_waker).is_pending());
    assert_eq!(Arc::strong_count(&old), 2, "the old waker was let go");
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!((old.wakes(), new.wakes()), (0, 1));
    assert_eq!(poll_with(&mut fut, &new_waker), Poll::Ready(Ok(())));
    drop(fut);

    let mut fut = rx.wait_for_async(|v| *v == 3);
    assert!(poll_with(&mut fut, &old_waker).is_pending());
    assert!(poll_with(&mut fut, &new_waker).is_pending());
    tx.send(3).unwrap();
    assert_eq!((old.wakes(), new.wakes()), (0, 2));
    assert!(ready_with(poll_with(&mut fut, &new_waker), 3));
    drop(fut);

    let mut fut = tx.closed_async();
    assert!(poll_with(&mut fut, &old_waker).is_pending());
    assert!(poll_with(&mut fut, &new_waker).is_pending());
    drop(rx);
    assert_eq!((old.wakes(), new.wakes()), (0, 3));
    assert_eq!(poll_with(&mut fut, &new_waker), Poll::Ready(()));
    drop(fut);
    assert_eq!(Arc::strong_count(&old), 2);
    assert_eq!(Arc::strong_count(&new), 2, "no waker kept");
}

#[test]
fn polls_with_the_same_waker_keep_one_clone() {
    let (tx, mut rx) = watch::channel(0);
    let (counter, waker) = WakeCounter::new();
    {
        let mut fut = rx.changed_async();
        for _ in 0..5 {
            assert!(poll_with(&mut fut, &waker).is_pending());
        }
        // Ours, `waker`, and exactly one clone in the channel.
        assert_eq!(Arc::strong_count(&counter), 3);
    }
    assert_eq!(Arc::strong_count(&counter), 2);
    {
        let mut fut = rx.wait_for_async(|_| false);
        for _ in 0..5 {
            assert!(poll_with(&mut fut, &waker).is_pending());
        }
        assert_eq!(Arc::strong_count(&counter), 3);
    }
    {
        let mut fut = tx.closed_async();
        for _ in 0..5 {
            assert!(poll_with(&mut fut, &waker).is_pending());
        }
        assert_eq!(Arc::strong_count(&counter), 3);
    }
    assert_eq!(Arc::strong_count(&counter), 2);
    assert_eq!(counter.wakes(), 0);
}

#[test]
fn every_waiting_future_is_woken_by_one_change() {
    let (tx, rx) = watch::channel(0);
    let mut rxs: Vec<Receiver<i32>> = (0..6).map(|_| rx.clone()).collect();
    let counters: Vec<_> = (0..6).map(|_| WakeCounter::new()).collect();
    let mut futs: Vec<Changed<'_, i32>> = rxs.iter_mut().map(|rx| rx.changed_async()).collect();
    for (fut, (_, waker)) in futs.iter_mut().zip(&counters) {
        assert!(poll_with(fut, waker).is_pending());
    }
    tx.send(1).unwrap();
    for (fut, (counter, waker)) in futs.iter_mut().zip(&counters) {
        assert_eq!(counter.wakes(), 1);
        assert_eq!(poll_with(fut, waker), Poll::Ready(Ok(())));
    }
}

#[test]
fn a_waker_that_panics_when_cloned_leaves_the_future_usable() {
    let (tx, mut rx) = watch::channel(0);
    let flags = Arc::new(hostile::Flags::default());
    let bad = hostile::waker(&flags);
    let (good, good_waker) = WakeCounter::new();

    // On the first poll (the entry is made), then on a later one (the
    // waiting entry takes a new waker).
    for first in [true, false] {
        let mut fut = rx.changed_async();
        if !first {
            assert!(poll_with(&mut fut, &good_waker).is_pending());
        }
        flags.panic_on_clone.store(true, SeqCst);
        let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad)));
        flags.panic_on_clone.store(false, SeqCst);
        assert!(polled.is_err(), "the clone's panic reaches the poller");
        assert!(poll_with(&mut fut, &good_waker).is_pending());
        let before = good.wakes();
        tx.send_modify(|v| *v += 1);
        assert_eq!(good.wakes(), before + 1);
        assert_eq!(poll_with(&mut fut, &good_waker), Poll::Ready(Ok(())));
    }
    let mut fut = tx.closed_async();
    flags.panic_on_clone.store(true, SeqCst);
    let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad)));
    flags.panic_on_clone.store(false, SeqCst);
    assert!(polled.is_err());
    assert!(poll_with(&mut fut, &good_waker).is_pending());
    drop(rx);
    assert_eq!(poll_with(&mut fut, &good_waker), Poll::Ready(()));
    drop(fut);
    drop(bad);
    assert_eq!(Arc::strong_count(&flags), 1, "every clone was dropped");
}

// ----- futures: dropped at every point -----

/// Where a future is dropped.
#[derive(Clone, Copy, Debug)]
enum DropAt {
    BeforeFirstPoll,
    AfterPending,
    AfterWokenBeforeRepoll,
}

const DROP_POINTS: [DropAt; 3] = [
    DropAt::BeforeFirstPoll,
    DropAt::AfterPending,
    DropAt::AfterWokenBeforeRepoll,
];

#[test]
fn a_changed_future_dropped_at_any_point_loses_no_change() {
    for at in DROP_POINTS {
        let (tx, mut rx) = watch::channel(0);
        let mut other = rx.clone();
        let (wakes, waker) = WakeCounter::new();
        {
            let mut fut = rx.changed_async();
            match at {
                DropAt::BeforeFirstPoll => {}
                DropAt::AfterPending => assert!(poll_with(&mut fut, &waker).is_pending()),
                DropAt::AfterWokenBeforeRepoll => {
                    assert!(poll_with(&mut fut, &waker).is_pending());
                    tx.send(1).unwrap();
                    assert_eq!(wakes.wakes(), 1);
                }
            }
        }
        assert_eq!(Arc::strong_count(&wakes), 2, "{at:?}: the waker was let go");
        // Nothing of it is left listed: a send wakes the other waiter once,
        // and not the dropped future's waker.
        other.mark_unchanged();
        let (other_wakes, other_waker) = WakeCounter::new();
        let mut fut = other.changed_async();
        assert!(poll_with(&mut fut, &other_waker).is_pending());
        let woken = wakes.wakes();
        tx.send(2).unwrap();
        assert_eq!(wakes.wakes(), woken, "{at:?}: the dropped future's waker");
        assert_eq!(other_wakes.wakes(), 1, "{at:?}");
        assert_eq!(poll_with(&mut fut, &other_waker), Poll::Ready(Ok(())));
        drop(fut);
        // The change is still unseen by the receiver whose future went.
        assert_eq!(rx.has_changed(), Ok(true), "{at:?}");
        assert_eq!(rx.changed_timeout(Duration::ZERO), Ok(()), "{at:?}");
        assert_eq!(*rx.borrow(), 2);
        assert!(poll_with(&mut rx.changed_async(), noop_waker_ref()).is_pending());
    }
}

#[test]
fn a_wait_for_future_dropped_at_any_point_loses_no_change() {
    for at in DROP_POINTS {
        let (tx, mut rx) = watch::channel(0);
        let (wakes, waker) = WakeCounter::new();
        let mut looked = Vec::new();
        {
            let mut fut = rx.wait_for_async(|v| {
                looked.push(*v);
                *v == 9
            });
            match at {
                DropAt::BeforeFirstPoll => {}
                DropAt::AfterPending => assert!(poll_with(&mut fut, &waker).is_pending()),
                DropAt::AfterWokenBeforeRepoll => {
                    assert!(poll_with(&mut fut, &waker).is_pending());
                    tx.send(1).unwrap();
                    assert_eq!(wakes.wakes(), 1);
                }
            }
        }
        assert_eq!(Arc::strong_count(&wakes), 2, "{at:?}: the waker was let go");
        // It looked at the current value only if it was polled; a value
        // sent after its last look is unseen.
        match at {
            DropAt::BeforeFirstPoll => {
                assert!(looked.is_empty());
                assert_eq!(rx.has_changed(), Ok(false));
            }
            DropAt::AfterPending => {
                assert_eq!(looked, [0]);
                assert_eq!(rx.has_changed(), Ok(false));
            }
            DropAt::AfterWokenBeforeRepoll => {
                assert_eq!(looked, [0]);
                assert_eq!(rx.has_changed(), Ok(true), "1 was never looked at");
            }
        }
        let mut other = rx.clone();
        other.mark_unchanged();
        let (other_wakes, other_waker) = WakeCounter::new();
        let mut fut = other.wait_for_async(|v| *v == 2);
        assert!(poll_with(&mut fut, &other_waker).is_pending());
        let woken = wakes.wakes();
        tx.send(2).unwrap();
        assert_eq!(wakes.wakes(), woken, "{at:?}");
        assert_eq!(other_wakes.wakes(), 1, "{at:?}");
        assert!(ready_with(poll_with(&mut fut, &other_waker), 2));
        drop(fut);
        assert_eq!(rx.has_changed(), Ok(true));
        assert_eq!(got(rx.wait_for_timeout(|v| *v == 2, Duration::ZERO)), Ok(2));
    }
}

#[test]
fn a_closed_future_dropped_at_any_point_holds_up_nothing() {
    for at in DROP_POINTS {
        let (tx, rx) = watch::channel(0);
        let (wakes, waker) = WakeCounter::new();
        let rx = {
            let mut fut = tx.closed_async();
            match at {
                DropAt::BeforeFirstPoll => Some(rx),
                DropAt::AfterPending => {
                    assert!(poll_with(&mut fut, &waker).is_pending());
                    Some(rx)
                }
                DropAt::AfterWokenBeforeRepoll => {
                    assert!(poll_with(&mut fut, &waker).is_pending());
                    drop(rx);
                    assert_eq!(wakes.wakes(), 1);
                    None
                }
            }
        };
        assert_eq!(Arc::strong_count(&wakes), 2, "{at:?}: the waker was let go");
        let rx = rx.unwrap_or_else(|| tx.subscribe());
        let (other_wakes, other_waker) = WakeCounter::new();
        let mut fut = tx.closed_async();
        assert!(poll_with(&mut fut, &other_waker).is_pending());
        let woken = wakes.wakes();
        drop(rx);
        assert_eq!(wakes.wakes(), woken, "{at:?}");
        assert_eq!(other_wakes.wakes(), 1, "{at:?}");
        assert_eq!(poll_with(&mut fut, &other_waker), Poll::Ready(()));
    }
}

#[test]
fn a_future_moved_to_another_thread_between_polls_wakes_the_new_one() {
    let (tx, mut rx) = watch::channel(0u64);
    let (first, first_waker) = WakeCounter::new();
    let (second, second_waker) = WakeCounter::new();
    let mut fut = rx.changed_async();
    assert!(poll_with(&mut fut, &first_waker).is_pending());
    let (polled_tx, polled) = std_mpsc::channel();
    thread::scope(|s| {
        // Polled there with another waker, then awaited there.
        let there = s.spawn(move || {
            assert!(poll_with(&mut fut, &second_waker).is_pending());
            polled_tx.send(()).unwrap();
            pollster::block_on(fut)
        });
        polled.recv().unwrap();
        tx.send(1).unwrap();
        assert_eq!(there.join().unwrap(), Ok(()));
    });
    assert_eq!(first.wakes(), 0, "the first waker was replaced");
    assert!(second.wakes() <= 1);
    assert_eq!(Arc::strong_count(&first), 2, "and let go");
    assert_eq!(*rx.borrow(), 1);
}

// ----- user code that panics -----

#[test]
fn a_panicking_send_modify_is_no_change_and_wakes_nobody() {
    for if_modified in [false, true] {
        let (tx, mut rx) = watch::channel(vec![1]);
        let mut rx2 = rx.clone();
        let mut blocked = rx.clone();
        let (wakes, waker) = WakeCounter::new();
        let mut fut = rx2.changed_async();
        assert!(poll_with(&mut fut, &waker).is_pending());
        thread::scope(|s| {
            // A thread waits too; it must see only the real change below.
            let waiter = s.spawn(move || {
                let r = blocked.changed_deadline(far());
                (r, blocked.borrow().clone())
            });
            pause();
            let panicked = catch_unwind(AssertUnwindSafe(|| {
                if if_modified {
                    tx.send_if_modified(|v| {
                        v.push(2);
                        panic!("in the closure")
                    });
                } else {
                    tx.send_modify(|v| {
                        v.push(2);
                        panic!("in the closure")
                    });
                }
            }));
            assert!(panicked.is_err(), "the closure's panic reaches the sender");
            // The value as the closure left it, the lock free, no change.
            assert_eq!(*tx.borrow(), [1, 2]);
            assert_eq!(*rx.borrow(), [1, 2]);
            assert!(!rx.borrow().has_changed());
            assert_eq!(rx.has_changed(), Ok(false));
            assert_eq!(
                rx.changed_timeout(Duration::ZERO),
                Err(RecvTimeoutError::Timeout)
            );
            assert_eq!(wakes.wakes(), 0, "nobody woken");
            assert!(poll_with(&mut fut, &waker).is_pending());
            // The channel still works.
            pause();
            tx.send(vec![3]).unwrap();
            assert_eq!(wakes.wakes(), 1);
            assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(())));
            let (r, seen) = waiter.join().unwrap();
            assert_eq!(r, Ok(()));
            assert_eq!(seen, [3], "if_modified = {if_modified}: woken by the panic");
        });
        assert_eq!(rx.has_changed(), Ok(true));
        assert_eq!(*rx.borrow_and_update(), [3]);
        tx.send_modify(|v| v.push(4));
        assert_eq!(rx.changed(), Ok(()));
        assert_eq!(*rx.borrow(), [3, 4]);
    }
}

#[test]
fn a_panicking_wait_for_predicate_leaves_the_lock_free() {
    // Blocking.
    let (tx, mut rx) = watch::channel(0);
    let tx = Arc::new(tx);
    tx.send(1).unwrap();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        rx.wait_for(|_| panic!("in the predicate")).map(|_| ())
    }));
    assert!(
        panicked.is_err(),
        "the predicate's panic reaches the caller"
    );
    assert_eq!(
        rx.has_changed(),
        Ok(false),
        "the value it looked at is seen"
    );
    let sender = tx.clone();
    finishes("a send after the panic", move || sender.send(2).unwrap());
    assert_eq!(got(rx.wait_for_timeout(|v| *v == 2, Duration::ZERO)), Ok(2));
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        rx.wait_for_timeout(|_| panic!("in the predicate"), SHORT)
            .map(|_| ())
    }));
    assert!(panicked.is_err());
    let sender = tx.clone();
    finishes("a send after the panic", move || sender.send(3).unwrap());

    // Async, panicking on its second look (after a wait).
    let (wakes, waker) = WakeCounter::new();
    let mut looks = 0;
    let mut fut = rx.wait_for_async(|_| {
        looks += 1;
        assert!(looks < 2, "in the predicate");
        false
    });
    // (3 is unseen: the first look is at it.)
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(4).unwrap();
    assert_eq!(wakes.wakes(), 1);
    let panicked = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &waker).is_ready()));
    assert!(panicked.is_err());
    drop(fut);
    assert_eq!(rx.has_changed(), Ok(false), "4 was looked at");
    let sender = tx.clone();
    finishes("a send after the panic", move || sender.send(5).unwrap());
    assert_eq!(*rx.borrow_and_update(), 5);
    assert_eq!(*tx.borrow(), 5);
}

#[test]
fn a_waker_that_panics_when_woken_reaches_the_sender_after_the_change() {
    for bad_first in [true, false] {
        let (tx, mut rx1) = watch::channel(0);
        let mut rx2 = rx1.clone();
        let mut rx3 = rx1.clone();
        let mut blocked = rx1.clone();
        let idle = rx1.clone();
        let flags = Arc::new(hostile::Flags::default());
        let bad = hostile::waker(&flags);
        let (good, good_waker) = WakeCounter::new();
        let mut f1 = rx1.changed_async();
        let mut f2 = rx2.changed_async();
        let mut f3 = rx3.wait_for_async(|v| *v == 9);
        if bad_first {
            assert!(poll_with(&mut f1, &bad).is_pending());
        }
        assert!(poll_with(&mut f2, &good_waker).is_pending());
        assert!(poll_with(&mut f3, &good_waker).is_pending());
        if !bad_first {
            assert!(poll_with(&mut f1, &bad).is_pending());
        }
        thread::scope(|s| {
            let waiter = s.spawn(move || blocked.changed_deadline(far()));
            pause();
            flags.panic_on_drop.store(true, SeqCst);
            let sent = catch_unwind(AssertUnwindSafe(|| tx.send(9)));
            flags.panic_on_drop.store(false, SeqCst);
            assert!(sent.is_err(), "the waker's panic reaches the sender");
            assert_eq!(flags.wakes.load(SeqCst), 1);
            assert_eq!(*tx.borrow(), 9, "the change was made");
            assert_eq!(idle.has_changed(), Ok(true));
            assert_eq!(good.wakes(), 2, "bad_first = {bad_first}: the others woken");
            assert_eq!(waiter.join().unwrap(), Ok(()), "the thread woken");
        });
        assert_eq!(poll_with(&mut f1, &good_waker), Poll::Ready(Ok(())));
        assert_eq!(poll_with(&mut f2, &good_waker), Poll::Ready(Ok(())));
        assert!(ready_with(poll_with(&mut f3, &good_waker), 9));
        drop((f1, f2, f3));
        // The channel still works, and the last sender's drop with a bad
        // waker waiting still ends every wait.
        let mut f1 = rx1.changed_async();
        let mut f2 = rx2.changed_async();
        assert!(poll_with(&mut f1, &bad).is_pending());
        assert!(poll_with(&mut f2, &good_waker).is_pending());
        flags.panic_on_drop.store(true, SeqCst);
        let dropped = catch_unwind(AssertUnwindSafe(|| drop(tx)));
        flags.panic_on_drop.store(false, SeqCst);
        assert!(dropped.is_err());
        assert_eq!(good.wakes(), 3);
        assert_eq!(poll_with(&mut f1, &good_waker), Poll::Ready(Err(RecvError)));
        assert_eq!(poll_with(&mut f2, &good_waker), Poll::Ready(Err(RecvError)));
        drop((f1, f2));
        assert!(rx3.is_closed());
        drop(bad);
        assert_eq!(Arc::strong_count(&flags), 1, "every clone was dropped");
    }
}

#[test]
fn a_waker_that_panics_when_dropped_with_its_future_leaves_the_channel_working() {
    let (tx, mut rx) = watch::channel(0);
    let flags = Arc::new(hostile::Flags::default());
    let bad = hostile::waker(&flags);
    let mut fut = rx.changed_async();
    assert!(poll_with(&mut fut, &bad).is_pending());
    flags.panic_on_drop.store(true, SeqCst);
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(fut)));
    flags.panic_on_drop.store(false, SeqCst);
    assert!(dropped.is_err(), "the waker's panic reaches the caller");
    assert_eq!(Arc::strong_count(&flags), 2, "only `bad` is left");
    tx.send(1).unwrap();
    assert_eq!(flags.wakes.load(SeqCst), 0, "it is off the list");
    assert_eq!(rx.changed_timeout(Duration::ZERO), Ok(()));
    let (wakes, waker) = WakeCounter::new();
    let mut fut = rx.changed_async();
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.send(2).unwrap();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(Ok(())));
    drop(bad);
}

// ----- drops -----

#[test]
fn every_value_is_dropped_exactly_once() {
    let drops = DropCounter::new();
    let (tx, rx) = watch::channel(drops.msg(0));
    tx.send(drops.msg(1)).unwrap();
    assert_eq!(drops.drops(), 1, "the replaced initial value");
    let old = tx.send_replace(drops.msg(2));
    assert_eq!(old.value, 1);
    assert_eq!(drops.drops(), 1, "returned, not dropped");
    drop(old);
    assert_eq!(drops.drops(), 2);
    tx.send_modify(|v| *v = drops.msg(3));
    assert_eq!(drops.drops(), 3);
    assert!(!tx.send_if_modified(|v| {
        *v = drops.msg(4);
        false
    }));
    assert_eq!(drops.drops(), 4);
    assert_eq!(rx.borrow().value, 4);
    drop(rx);
    let SendError(back) = tx.send(drops.msg(5)).unwrap_err();
    assert_eq!(drops.drops(), 4);
    drop(back);
    assert_eq!(drops.drops(), 5);
    tx.send_replace(drops.msg(6));
    assert_eq!(drops.drops(), 6, "send_replace's old value, dropped by us");
    let rx = tx.subscribe();
    let rx2 = rx.clone();
    let tx2 = tx.clone();
    drop(tx);
    drop(tx2);
    assert_eq!(drops.drops(), 6, "the receivers keep the value");
    assert_eq!(rx.borrow().value, 6);
    drop(rx);
    assert_eq!(drops.drops(), 6);
    drop(rx2);
    assert_eq!(drops.drops(), 7, "the last handle drops it");
}

#[test]
fn the_value_goes_with_the_last_handle_whichever_it_is() {
    for sender_last in [false, true] {
        let drops = DropCounter::new();
        let (tx, rx) = watch::channel(drops.msg(0));
        let mut rx2 = rx.clone();
        // Futures and a stream leave nothing that keeps the value.
        drop(rx2.changed_async());
        let mut fut = rx2.changed_async();
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        drop(fut);
        if sender_last {
            drop(rx);
            drop(rx2);
            assert_eq!(drops.drops(), 0);
            drop(tx);
        } else {
            drop(tx);
            drop(rx);
            assert_eq!(drops.drops(), 0);
            drop(rx2);
        }
        assert_eq!(drops.drops(), 1, "sender_last = {sender_last}");
    }
}

// ----- types -----

#[test]
fn handles_and_futures_are_send_and_sync_for_send_and_sync_values() {
    fn is_send_sync<T: Send + Sync>() {}
    fn is_send<T: Send>() {}
    fn is_sync<T: Sync>() {}
    fn is_unpin<T: Unpin>() {}
    type Pred = fn(&String) -> bool;
    is_send_sync::<Sender<String>>();
    is_send_sync::<Receiver<String>>();
    is_sync::<Ref<'static, String>>();
    is_send::<Changed<'static, String>>();
    is_send::<WaitFor<'static, String, Pred>>();
    is_send::<Closed<'static, String>>();
    is_unpin::<Changed<'static, String>>();
    is_unpin::<WaitFor<'static, String, Pred>>();
    is_unpin::<Closed<'static, String>>();
    // A value that is Send but not Sync is shared by the receivers'
    // borrows on several threads: the handles must not be Send.
    assert_not_impl!(Sender<Cell<u8>>: Send);
    assert_not_impl!(Receiver<Cell<u8>>: Send);
    assert_not_impl!(Receiver<Cell<u8>>: Sync);
    assert_not_impl!(Sender<std::rc::Rc<u8>>: Send);
    assert_not_impl!(Receiver<std::rc::Rc<u8>>: Send);
    // Checked at run time too: handles cross threads.
    let (tx, rx) = watch::channel(String::from("a"));
    let rx = thread::spawn(move || {
        tx.send("b".into()).unwrap();
        rx
    })
    .join()
    .unwrap();
    assert_eq!(*rx.borrow(), "b");
}

#[test]
fn handles_and_futures_are_debug_without_a_debug_value() {
    struct Opaque(#[allow(dead_code)] u8);
    let (tx, mut rx) = watch::channel(Opaque(0));
    let tx_debug = format!("{tx:?}");
    assert!(tx_debug.starts_with("Sender"), "{tx_debug}");
    assert!(tx_debug.contains("receivers: 1"), "{tx_debug}");
    let rx_debug = format!("{rx:?}");
    assert!(rx_debug.starts_with("Receiver"), "{rx_debug}");
    {
        let fut = tx.closed_async();
        let debug = format!("{fut:?}");
        assert!(debug.starts_with("Closed"), "{debug}");
    }
    {
        let fut = rx.changed_async();
        let debug = format!("{fut:?}");
        assert!(debug.starts_with("Changed"), "{debug}");
    }
    {
        let fut = rx.wait_for_async(|_| true);
        let debug = format!("{fut:?}");
        assert!(debug.starts_with("WaitFor"), "{debug}");
    }
    // A borrow shows the value, when it has a Debug.
    let (_tx, rx) = watch::channel(vec![1, 2]);
    assert_eq!(format!("{:?}", rx.borrow()), "[1, 2]");
}

// ----- the `futures` feature -----

#[cfg(feature = "futures")]
mod fused {
    use futures::future::FusedFuture;

    use super::*;

    #[test]
    fn futures_are_terminated_once_they_returned() {
        let (tx, mut rx) = watch::channel(0);
        let mut fut = rx.changed_async();
        assert!(!fut.is_terminated());
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        assert!(!fut.is_terminated());
        tx.send(1).unwrap();
        assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(Ok(())));
        assert!(fut.is_terminated());
        drop(fut);

        let mut fut = rx.wait_for_async(|v| *v == 2);
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        assert!(!fut.is_terminated());
        tx.send(2).unwrap();
        assert!(ready_with(poll_with(&mut fut, noop_waker_ref()), 2));
        assert!(fut.is_terminated());
        drop(fut);

        let mut fut = tx.closed_async();
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        assert!(!fut.is_terminated());
        drop(rx);
        assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(()));
        assert!(fut.is_terminated());
    }

    #[test]
    fn a_future_ended_by_the_close_is_terminated() {
        let (tx, mut rx) = watch::channel(0);
        let mut fut = rx.changed_async();
        assert!(poll_with(&mut fut, noop_waker_ref()).is_pending());
        drop(tx);
        assert_eq!(
            poll_with(&mut fut, noop_waker_ref()),
            Poll::Ready(Err(RecvError))
        );
        assert!(fut.is_terminated());
    }
}

#[cfg(feature = "futures")]
mod stream {
    use futures::stream::FusedStream;
    use futures::StreamExt;
    use tidings::watch::ValueStream;

    use super::*;

    #[test]
    fn the_stream_yields_the_value_then_each_change_then_ends() {
        let (tx, mut rx) = watch::channel(0);
        pollster::block_on(async {
            let mut values = rx.stream();
            assert!(!values.is_terminated());
            assert_eq!(
                values.next().await,
                Some(0),
                "the current value, seen or not"
            );
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            assert_eq!(values.next().await, Some(2), "many changes, one item");
            tx.send_modify(|v| *v += 1);
            drop(tx);
            assert_eq!(values.next().await, Some(3), "the change before the end");
            assert_eq!(values.next().await, None);
            assert!(values.is_terminated());
            assert_eq!(values.next().await, None);
        });
        assert_eq!(rx.has_changed(), Err(RecvError));
    }

    #[test]
    fn the_first_item_marks_the_value_seen() {
        let (tx, mut rx) = watch::channel(0);
        tx.send(1).unwrap();
        {
            let mut values = rx.stream();
            assert_eq!(
                poll_with(&mut values.next(), noop_waker_ref()),
                Poll::Ready(Some(1))
            );
            assert!(poll_with(&mut values.next(), noop_waker_ref()).is_pending());
        }
        assert_eq!(rx.has_changed(), Ok(false));
        // On a closed channel: the value, then the end.
        drop(tx);
        let mut values = rx.stream();
        let items: Vec<_> = pollster::block_on((&mut values).collect());
        assert_eq!(items, [1]);
        assert!(values.is_terminated());
    }

    #[test]
    fn a_pending_stream_wakes_its_latest_waker() {
        let (tx, mut rx) = watch::channel(0);
        let (old, old_waker) = WakeCounter::new();
        let (new, new_waker) = WakeCounter::new();
        let mut values = rx.stream();
        assert_eq!(
            poll_with(&mut values.next(), &old_waker),
            Poll::Ready(Some(0))
        );
        assert!(poll_with(&mut values.next(), &old_waker).is_pending());
        assert!(poll_with(&mut values.next(), &new_waker).is_pending());
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert_eq!((old.wakes(), new.wakes()), (0, 1));
        assert_eq!(
            poll_with(&mut values.next(), &new_waker),
            Poll::Ready(Some(2))
        );
        drop(tx);
        assert_eq!(new.wakes(), 1, "nothing was waiting");
        assert_eq!(poll_with(&mut values.next(), &new_waker), Poll::Ready(None));
    }

    #[test]
    fn a_stream_dropped_at_any_point_loses_no_change() {
        for at in DROP_POINTS {
            let (tx, mut rx) = watch::channel(0);
            let (wakes, waker) = WakeCounter::new();
            {
                let mut values = rx.stream();
                assert_eq!(poll_with(&mut values.next(), &waker), Poll::Ready(Some(0)));
                match at {
                    DropAt::BeforeFirstPoll => {}
                    DropAt::AfterPending => {
                        assert!(poll_with(&mut values.next(), &waker).is_pending())
                    }
                    DropAt::AfterWokenBeforeRepoll => {
                        assert!(poll_with(&mut values.next(), &waker).is_pending());
                        tx.send(1).unwrap();
                        assert_eq!(wakes.wakes(), 1);
                    }
                }
            }
            assert_eq!(Arc::strong_count(&wakes), 2, "{at:?}: the waker was let go");
            tx.send(2).unwrap();
            assert_eq!(
                wakes.wakes(),
                usize::from(matches!(at, DropAt::AfterWokenBeforeRepoll))
            );
            assert_eq!(rx.has_changed(), Ok(true), "{at:?}");
            let mut values = rx.stream();
            assert_eq!(poll_with(&mut values.next(), &waker), Poll::Ready(Some(2)));
        }
    }

    #[test]
    fn a_panicking_clone_leaves_the_value_unseen() {
        #[derive(Debug)]
        struct Fragile {
            n: u64,
            armed: Arc<AtomicBool>,
        }
        impl Clone for Fragile {
            fn clone(&self) -> Self {
                assert!(!self.armed.load(SeqCst), "the clone panics");
                Self {
                    n: self.n,
                    armed: self.armed.clone(),
                }
            }
        }
        let armed = Arc::new(AtomicBool::new(false));
        let make = |n| Fragile {
            n,
            armed: armed.clone(),
        };
        let next_n = |values: &mut ValueStream<'_, Fragile>| {
            poll_with(&mut values.next(), noop_waker_ref()).map(|v| v.map(|f| f.n))
        };
        let panics = |values: &mut ValueStream<'_, Fragile>| {
            armed.store(true, SeqCst);
            let polled = catch_unwind(AssertUnwindSafe(|| next_n(values)));
            armed.store(false, SeqCst);
            polled.is_err()
        };
        let (tx, mut rx) = watch::channel(make(0));
        tx.send(make(1)).unwrap();
        {
            let mut values = rx.stream();
            // The first item: not given, not marked seen; given next time.
            assert!(panics(&mut values));
            assert_eq!(next_n(&mut values), Poll::Ready(Some(1)));
            // A later item too.
            tx.send(make(2)).unwrap();
            assert!(panics(&mut values));
            assert_eq!(next_n(&mut values), Poll::Ready(Some(2)));
            assert!(next_n(&mut values).is_pending());
            tx.send(make(3)).unwrap();
            assert!(panics(&mut values));
        }
        assert_eq!(rx.has_changed(), Ok(true), "3 was never given");
        assert_eq!(rx.borrow_and_update().n, 3);
        // At the end: the last change, after a panicking clone, then None.
        let mut values = rx.stream();
        assert_eq!(
            next_n(&mut values),
            Poll::Ready(Some(3)),
            "the current value first"
        );
        tx.send(make(4)).unwrap();
        drop(tx);
        assert!(panics(&mut values));
        assert!(!values.is_terminated());
        assert_eq!(next_n(&mut values), Poll::Ready(Some(4)));
        assert_eq!(next_n(&mut values), Poll::Ready(None));
        assert!(values.is_terminated());
    }

    #[test]
    fn a_stream_of_a_thread_writer_on_every_executor() {
        on_every_executor(|executor| async move {
            let n = iters(300) as u64;
            let (tx, mut rx) = watch::channel(0u64);
            let mut values = rx.stream();
            assert_eq!(values.next().await, Some(0), "{executor:?}");
            let writer = thread::spawn(move || {
                for i in 1..=n {
                    tx.send(i).unwrap();
                }
            });
            let items: Vec<u64> = values.collect().await;
            writer.join().unwrap();
            check_monotone(&items, n, &format!("{executor:?}"));
            assert!(items.windows(2).all(|w| w[0] < w[1]), "each item a change");
        });
    }

    #[test]
    fn the_stream_is_send_and_debug() {
        fn is_send<T: Send>() {}
        is_send::<ValueStream<'static, String>>();
        let (_tx, mut rx) = watch::channel(0);
        let values = rx.stream();
        let debug = format!("{values:?}");
        assert!(debug.starts_with("ValueStream"), "{debug}");
    }
}

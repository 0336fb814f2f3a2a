//! Integration tests of `select_async!` and `select_biased_async!`: the
//! `select!` arms awaited from a task, and futures as arms (`pattern =
//! future => body`). Which arm runs (uniformly among ready operations and
//! futures, or the first written for the biased form), `default` and its
//! timeout, cancellation (a dropped select leaves every message and passes
//! its wake on), a panicking future arm, bodies that await and return,
//! and a select that is `Send` (spawned on tokio's multi-thread runtime).
//!
//! The whole file is `#![forbid(unsafe_code)]`: the macros must expand to
//! safe code. Tests never assert on timing: a `pause()` only makes an
//! interleaving likely.
#![forbid(unsafe_code)]

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use futures::task::{noop_waker_ref, waker, ArcWake};
use std::pin::Pin;
use tidings::{select_async, select_biased_async, RecvError};

/// Messages per run (few under miri, which interprets every step).
const N: u32 = if cfg!(miri) { 20 } else { 1000 };

fn pause() {
    thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 10 }));
}

/// A waker that counts its wakes.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl ArcWake for Wakes {
    fn wake_by_ref(this: &Arc<Self>) {
        this.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Wakes {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls `fut` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(noop_waker_ref()))
}

fn flavors() -> [(tidings::Sender<u32>, tidings::Receiver<u32>); 3] {
    [
        tidings::rendezvous(),
        tidings::bounded(1),
        tidings::unbounded(),
    ]
}

#[test]
fn recv_arms_from_a_task_on_every_flavor() {
    for (tx1, rx1) in flavors() {
        let (tx2, rx2) = tidings::bounded(4);
        let sender = thread::spawn(move || {
            for i in 0..N {
                if i % 3 == 0 {
                    tx2.send(i).unwrap();
                } else {
                    tx1.send(i).unwrap();
                }
            }
        });
        let sum = pollster::block_on(async {
            // (A channel that ended stays ready with its end: the loop
            // goes on until both have.)
            let (mut sum, mut ended) = (0u64, [false; 2]);
            while ended != [true; 2] {
                select_async! {
                    recv(rx1) -> m => match m {
                        Ok(m) => sum += u64::from(m),
                        Err(RecvError) => ended[0] = true,
                    },
                    recv(rx2) -> m => match m {
                        Ok(m) => sum += u64::from(m),
                        Err(RecvError) => ended[1] = true,
                    },
                }
            }
            sum
        });
        sender.join().unwrap();
        assert_eq!(sum, u64::from(N) * u64::from(N - 1) / 2);
    }
}

#[test]
fn send_arms_wait_for_room_and_evaluate_the_message_only_when_chosen() {
    for (tx, rx) in flavors() {
        let full = tidings::bounded(1);
        full.0.send(0).unwrap();
        let made = AtomicUsize::new(0);
        let make = |v: u32| {
            made.fetch_add(1, Ordering::SeqCst);
            v
        };
        let receiver = thread::spawn(move || rx.iter().map(u64::from).sum::<u64>());
        pollster::block_on(async {
            for i in 0..N {
                select_async! {
                    send(tx, make(i)) -> res => res.unwrap(),
                    send(full.0, make(i)) -> _ => unreachable!("full"),
                }
            }
        });
        drop(tx);
        assert_eq!(
            receiver.join().unwrap(),
            u64::from(N) * u64::from(N - 1) / 2
        );
        assert_eq!(
            made.load(Ordering::SeqCst),
            N as usize,
            "one message per select"
        );
        assert_eq!(full.1.try_recv(), Ok(0));
    }
}

#[test]
fn future_arms_of_the_crate() {
    let (otx, mut orx) = tidings::oneshot::channel::<&str>();
    let (wtx, mut wrx) = tidings::watch::channel(0);
    let (tx, rx) = tidings::bounded::<u32>(1);
    let (btx, mut brx) = tidings::broadcast::channel::<char>(4);
    // Each event waits for the select to have taken the one before, so
    // exactly one arm is ready at a time.
    let (ack_tx, ack_rx) = tidings::unbounded::<()>();
    let sender = thread::spawn(move || {
        ack_rx.recv().unwrap();
        wtx.send(5).unwrap();
        ack_rx.recv().unwrap();
        btx.send('b').unwrap();
        ack_rx.recv().unwrap();
        otx.send("done").unwrap();
        // (Kept until the select is done: a sender gone ends its channel.)
        (wtx, btx)
    });
    let log = pollster::block_on(async {
        let mut log = Vec::new();
        loop {
            select_async! {
                changed = wrx.changed_async() => {
                    changed.unwrap();
                    // (`wrx` is borrowed by the arm's future until the
                    // select's end: read it after.)
                    log.push(String::from("watch"));
                }
                msg = brx.recv_async() => log.push(format!("broadcast {}", msg.unwrap())),
                permit = tx.reserve_async() => {
                    permit.unwrap().send(1);
                    log.push(String::from("reserved"));
                }
                msg = &mut orx => {
                    log.push(format!("oneshot {}", msg.unwrap()));
                    break;
                }
            }
            ack_tx.send(()).unwrap();
        }
        log
    });
    drop(sender.join().unwrap());
    assert_eq!(
        log,
        ["reserved", "watch", "broadcast b", "oneshot done"],
        "the permit at once (room for one), then each as it came"
    );
    assert_eq!(*wrx.borrow_and_update(), 5);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn default_runs_only_when_nothing_is_ready() {
    let (tx, rx) = tidings::unbounded::<u32>();
    let (_otx, mut orx) = tidings::oneshot::channel::<u32>();
    pollster::block_on(async {
        let got = select_async! {
            recv(rx) -> _ => "recv",
            _ = &mut orx => "oneshot",
            default => "default",
        };
        assert_eq!(got, "default");
        tx.send(1).unwrap();
        for _ in 0..10 {
            // A message in the channel throughout: never the default.
            let got = select_async! {
                recv(rx) -> m => { tx.send(m.unwrap()).unwrap(); "recv" }
                default => "default",
            };
            assert_eq!(got, "recv");
        }
        let ready = std::future::ready(7);
        let got = select_async! {
            v = ready => v,
            default => 0,
        };
        assert_eq!(got, 7, "a ready future is not the default");
    });
}

#[test]
fn default_with_a_timeout() {
    let (tx, rx) = tidings::unbounded::<u32>();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let got = select_async! {
            recv(rx) -> _ => "recv",
            default(Duration::from_millis(5)) => "timeout",
        };
        assert_eq!(got, "timeout");
        let sender = thread::spawn(move || {
            pause();
            tx.send(3).unwrap();
        });
        let got = select_async! {
            recv(rx) -> m => { assert_eq!(m, Ok(3)); "recv" }
            default(Duration::from_secs(60)) => "timeout",
        };
        assert_eq!(got, "recv");
        sender.join().unwrap();
    });
}

#[test]
fn biased_picks_the_first_written_among_ready_arms() {
    let (tx1, rx1) = tidings::unbounded();
    let (tx2, rx2) = tidings::unbounded();
    for i in 0..4 {
        tx1.send(i).unwrap();
        tx2.send(i).unwrap();
    }
    pollster::block_on(async {
        let got = select_biased_async! {
            recv(rx2) -> _ => 2,
            _ = rx1.recv_async() => 1,
        };
        assert_eq!(got, 2);
        let got = select_biased_async! {
            _ = rx1.recv_async() => 1,
            recv(rx2) -> _ => 2,
        };
        assert_eq!(got, 1);
        let got = select_biased_async! {
            _ = std::future::pending::<()>() => 0,
            _ = std::future::ready(()) => 3,
            recv(rx1) -> _ => 1,
        };
        assert_eq!(got, 3);
    });
}

#[test]
fn fair_among_operations_and_futures() {
    // Three arms always ready: two receives and a future. Each should run
    // a third of the time; 6 standard deviations either side.
    let trials: usize = if cfg!(miri) { 60 } else { 6000 };
    let (tx1, rx1) = tidings::unbounded();
    let (tx2, rx2) = tidings::unbounded();
    tx1.send(()).unwrap();
    tx2.send(()).unwrap();
    let mut counts = [0usize; 3];
    pollster::block_on(async {
        for _ in 0..trials {
            let arm = select_async! {
                recv(rx1) -> _ => { tx1.send(()).unwrap(); 0 }
                _ = std::future::ready(()) => 1,
                recv(rx2) -> _ => { tx2.send(()).unwrap(); 2 }
            };
            counts[arm] += 1;
        }
    });
    let mean = trials as f64 / 3.0;
    let sd = (trials as f64 * (1.0 / 3.0) * (2.0 / 3.0)).sqrt();
    for (arm, &count) in counts.iter().enumerate() {
        assert!(
            (count as f64 - mean).abs() <= 6.0 * sd,
            "arm {arm} ran {count} times of {trials}: {counts:?}"
        );
    }
}

#[test]
fn a_dropped_select_leaves_every_message_and_passes_its_wake_on() {
    for (tx, rx) in [tidings::bounded::<u32>(1), tidings::unbounded()] {
        let (_tx2, rx2) = tidings::unbounded::<u32>();
        let mut select = Box::pin(async {
            select_async! {
                recv(rx) -> m => m.unwrap(),
                recv(rx2) -> m => m.unwrap(),
            }
        });
        assert!(poll_once(&mut select).is_pending(), "listed");
        // Another receive waits behind the select.
        let wakes = Arc::new(Wakes::default());
        let behind_waker = waker(wakes.clone());
        let mut behind = pin!(rx.recv_async());
        assert!(behind
            .as_mut()
            .poll(&mut Context::from_waker(&behind_waker))
            .is_pending());
        // The send wakes the select (first in line), which is dropped
        // without being polled again: its wake goes on.
        tx.send(9).unwrap();
        drop(select);
        assert_eq!(wakes.count(), 1, "the receive behind was woken");
        assert_eq!(
            behind
                .as_mut()
                .poll(&mut Context::from_waker(&behind_waker)),
            Poll::Ready(Ok(9))
        );
    }
}

#[test]
fn a_dropped_select_releases_its_future_arms() {
    let (tx, rx) = tidings::bounded::<u32>(1);
    {
        let mut select = Box::pin(async {
            select_async! {
                permit = tx.reserve_async() => { permit.unwrap().send(1); }
                _ = std::future::pending::<()>() => {}
            }
        });
        // The permit is ready: the select finishes at its first poll.
        assert!(poll_once(&mut select).is_ready());
    }
    assert_eq!(rx.try_recv(), Ok(1));
    tx.send(2).unwrap();
    {
        let mut select = Box::pin(async {
            select_async! {
                permit = tx.reserve_async() => { permit.unwrap().send(3); }
            }
        });
        assert!(poll_once(&mut select).is_pending(), "full: waits for room");
    }
    // Dropped: its reserve waits no more, and the slot it would have had
    // is free for a plain send.
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.try_send(4), Ok(()));
    assert_eq!(rx.try_recv(), Ok(4));
}

/// A future that panics when polled.
struct Explodes;

impl Future for Explodes {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        panic!("boom")
    }
}

#[test]
fn a_panicking_future_arm_leaves_nothing_listed() {
    let (tx, rx) = tidings::unbounded::<u32>();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        pollster::block_on(async {
            select_async! {
                recv(rx) -> _ => {},
                _ = Explodes => {},
            }
        })
    }));
    assert!(panicked.is_err());
    // A receive after it is the first in line.
    let wakes = Arc::new(Wakes::default());
    let w = waker(wakes.clone());
    let mut recv = pin!(rx.recv_async());
    assert!(recv
        .as_mut()
        .poll(&mut Context::from_waker(&w))
        .is_pending());
    tx.send(5).unwrap();
    assert_eq!(wakes.count(), 1);
    assert_eq!(
        recv.as_mut().poll(&mut Context::from_waker(&w)),
        Poll::Ready(Ok(5))
    );
}

async fn first_even(rx: &tidings::Receiver<u32>, stop: &tidings::Receiver<()>) -> Option<u32> {
    loop {
        select_async! {
            recv(rx) -> m => {
                let m = m.ok()?;
                if m % 2 == 1 {
                    continue;
                }
                // A body may await.
                let (_, gone) = tidings::oneshot::channel::<()>();
                gone.await.unwrap_err();
                return Some(m);
            }
            _ = stop.recv_async() => break None,
        }
    }
}

#[test]
fn bodies_await_continue_break_and_return() {
    let (tx, rx) = tidings::unbounded();
    let (stop_tx, stop_rx) = tidings::unbounded();
    for m in [1, 3, 4] {
        tx.send(m).unwrap();
    }
    assert_eq!(pollster::block_on(first_even(&rx, &stop_rx)), Some(4));
    stop_tx.send(()).unwrap();
    assert_eq!(pollster::block_on(first_even(&rx, &stop_rx)), None);
    drop(tx);
    assert_eq!(
        pollster::block_on(first_even(&rx, &stop_rx)),
        None,
        "the end"
    );
}

#[test]
fn a_select_over_send_arms_and_futures_is_send() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = tidings::bounded::<u32>(2);
    let (out_tx, out_rx) = tidings::unbounded::<u32>();
    let (btx, brx) = tidings::broadcast::channel::<u32>(4);
    let consumer = rt.spawn(async move {
        let mut brx = brx;
        let mut total = 0;
        loop {
            select_async! {
                recv(rx) -> m => match m {
                    Ok(m) => total += m,
                    Err(_) => break,
                },
                m = brx.recv_async() => {
                    if let Ok(m) = m {
                        out_tx.send_async(m).await.unwrap();
                    }
                }
            }
        }
        total
    });
    rt.block_on(async {
        for i in 0..N {
            tx.send_async(i).await.unwrap();
        }
        btx.send(7).unwrap();
        assert_eq!(out_rx.recv_async().await, Ok(7));
        drop(tx);
        assert_eq!(consumer.await.unwrap(), N * (N - 1) / 2);
    });
}

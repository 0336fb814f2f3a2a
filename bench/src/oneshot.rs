//! One message per channel, and reusable oneshots. Each run is N rounds
//! of one message each (ns per message = ns per round).
//!
//! - `create+send+recv`: make a channel, send, receive, on one thread
//!   (tidings' heap oneshot and its `Slot`, the `oneshot` crate, tokio's
//!   oneshot with `blocking_recv`, futures-channel's with `try_recv`, as
//!   it has no blocking receive).
//! - `thread -> thread`: a worker thread sends, this thread waits in a
//!   blocking receive. The worker gets each round's sender through a
//!   `std::sync::mpsc` channel, the same for every implementation.
//! - `task -> task`: a spawned task sends, this task awaits the receiver,
//!   under a current-thread and a multi-thread tokio runtime.
//! - `recycle/...`: the same three with a reusable oneshot, whose receiver
//!   hands out the next round's sender without allocating
//!   (`tidings::multishot`, the `multishot` crate, which only awaits),
//!   against a new oneshot each round (tidings' and the `oneshot` crate's).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{Config, Impl, Runtime, Scenario};

const FAMILY: &str = "oneshot";

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let one_thread = cfg.messages(500_000);
    let thread_to_thread = cfg.messages(20_000);
    let task_to_task = cfg.messages(20_000);
    let mut out = vec![
        Scenario::new(FAMILY, "create+send+recv".into(), one_thread)
            .single_thread()
            .with(Impl::new("tidings", one_thread_run::<Tidings>))
            .with(Impl::new("tidings Slot", slot_one_thread))
            .with(Impl::new("oneshot", one_thread_run::<OneshotCrate>))
            .with(Impl::new("tokio", one_thread_run::<Tokio>))
            .with(Impl::new("futures-channel", one_thread_run::<Futures>)),
        Scenario::new(FAMILY, "thread -> thread".into(), thread_to_thread)
            .with(Impl::new("tidings", thread_to_thread_run::<Tidings>))
            .with(Impl::new("oneshot", thread_to_thread_run::<OneshotCrate>))
            .with(Impl::new("tokio", thread_to_thread_run::<Tokio>)),
    ];
    for rt in Runtime::ALL {
        out.push(
            Scenario::new(FAMILY, format!("task -> task/{}", rt.name()), task_to_task)
                .with(Impl::new("tidings", move |n| {
                    task_to_task_run::<Tidings>(rt, n)
                }))
                .with(Impl::new("oneshot", move |n| {
                    task_to_task_run::<OneshotCrate>(rt, n)
                }))
                .with(Impl::new("tokio", move |n| {
                    task_to_task_run::<Tokio>(rt, n)
                }))
                .with(Impl::new("futures-channel", move |n| {
                    task_to_task_run::<Futures>(rt, n)
                })),
        );
    }
    out.push(
        Scenario::new(FAMILY, "recycle/one thread".into(), one_thread)
            .single_thread()
            .with(Impl::new("tidings multishot", multishot_one_thread))
            .with(Impl::new("tidings oneshot", one_thread_run::<Tidings>))
            .with(Impl::new("multishot", multishot_crate_one_thread))
            .with(Impl::new("oneshot", one_thread_run::<OneshotCrate>)),
    );
    out.push(
        Scenario::new(FAMILY, "recycle/thread -> thread".into(), thread_to_thread)
            .with(Impl::new("tidings multishot", multishot_thread_to_thread))
            .with(Impl::new(
                "tidings oneshot",
                thread_to_thread_run::<Tidings>,
            ))
            .with(Impl::new("oneshot", thread_to_thread_run::<OneshotCrate>)),
    );
    for rt in Runtime::ALL {
        out.push(
            Scenario::new(
                FAMILY,
                format!("recycle/task -> task/{}", rt.name()),
                task_to_task,
            )
            .with(Impl::new("tidings multishot", move |n| {
                multishot_task_to_task(rt, n)
            }))
            .with(Impl::new("tidings oneshot", move |n| {
                task_to_task_run::<Tidings>(rt, n)
            }))
            .with(Impl::new("multishot", move |n| {
                multishot_crate_task_to_task(rt, n)
            }))
            .with(Impl::new("oneshot", move |n| {
                task_to_task_run::<OneshotCrate>(rt, n)
            })),
        );
    }
    out
}

/// A oneshot channel library, with `usize` messages.
trait Oneshot: 'static {
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn channel() -> (Self::Tx, Self::Rx);
    fn send(tx: Self::Tx, msg: usize);
    /// Receives a message already sent: a blocking receive where the
    /// library has one.
    fn recv_sent(rx: Self::Rx) -> usize;
    fn recv_async(rx: Self::Rx) -> impl Future<Output = usize> + Send;
}

/// A oneshot whose receiver can block a thread.
trait Blocking: Oneshot {
    fn recv(rx: Self::Rx) -> usize;
}

const CLOSED: &str = "the sender is gone";

struct Tidings;

impl Oneshot for Tidings {
    type Tx = tidings::oneshot::Sender<usize>;
    type Rx = tidings::oneshot::Receiver<usize>;
    fn channel() -> (Self::Tx, Self::Rx) {
        tidings::oneshot::channel()
    }
    fn send(tx: Self::Tx, msg: usize) {
        tx.send(msg).expect("the receiver is gone");
    }
    fn recv_sent(rx: Self::Rx) -> usize {
        Self::recv(rx)
    }
    async fn recv_async(rx: Self::Rx) -> usize {
        rx.await.expect(CLOSED)
    }
}

impl Blocking for Tidings {
    fn recv(rx: Self::Rx) -> usize {
        rx.recv().expect(CLOSED)
    }
}

struct OneshotCrate;

impl Oneshot for OneshotCrate {
    type Tx = oneshot::Sender<usize>;
    type Rx = oneshot::Receiver<usize>;
    fn channel() -> (Self::Tx, Self::Rx) {
        oneshot::channel()
    }
    fn send(tx: Self::Tx, msg: usize) {
        tx.send(msg).expect("the receiver is gone");
    }
    fn recv_sent(rx: Self::Rx) -> usize {
        Self::recv(rx)
    }
    async fn recv_async(rx: Self::Rx) -> usize {
        rx.await.expect(CLOSED)
    }
}

impl Blocking for OneshotCrate {
    fn recv(rx: Self::Rx) -> usize {
        rx.recv().expect(CLOSED)
    }
}

struct Tokio;

impl Oneshot for Tokio {
    type Tx = tokio::sync::oneshot::Sender<usize>;
    type Rx = tokio::sync::oneshot::Receiver<usize>;
    fn channel() -> (Self::Tx, Self::Rx) {
        tokio::sync::oneshot::channel()
    }
    fn send(tx: Self::Tx, msg: usize) {
        tx.send(msg).expect("the receiver is gone");
    }
    fn recv_sent(rx: Self::Rx) -> usize {
        Self::recv(rx)
    }
    async fn recv_async(rx: Self::Rx) -> usize {
        rx.await.expect(CLOSED)
    }
}

impl Blocking for Tokio {
    fn recv(rx: Self::Rx) -> usize {
        rx.blocking_recv().expect(CLOSED)
    }
}

struct Futures;

impl Oneshot for Futures {
    type Tx = futures_channel::oneshot::Sender<usize>;
    type Rx = futures_channel::oneshot::Receiver<usize>;
    fn channel() -> (Self::Tx, Self::Rx) {
        futures_channel::oneshot::channel()
    }
    fn send(tx: Self::Tx, msg: usize) {
        tx.send(msg).expect("the receiver is gone");
    }
    fn recv_sent(mut rx: Self::Rx) -> usize {
        rx.try_recv().expect(CLOSED).expect("the message was sent")
    }
    async fn recv_async(rx: Self::Rx) -> usize {
        rx.await.expect(CLOSED)
    }
}

/// Makes, sends on and receives from `n` channels, one after another.
fn one_thread_run<C: Oneshot>(n: usize) -> Duration {
    let start = Instant::now();
    for i in 0..n {
        let (tx, rx) = C::channel();
        C::send(tx, i);
        black_box(C::recv_sent(rx));
    }
    start.elapsed()
}

/// `n` rounds on one `Slot`, split anew each round.
fn slot_one_thread(n: usize) -> Duration {
    let start = Instant::now();
    let mut slot = tidings::oneshot::Slot::new();
    for i in 0..n {
        let (tx, rx) = slot.split();
        tx.send(i).expect("the receiver is gone");
        black_box(rx.recv().expect(CLOSED));
    }
    start.elapsed()
}

/// `n` rounds: a worker thread sends on each round's channel while this
/// thread blocks in its receive.
fn thread_to_thread_run<C: Blocking>(n: usize) -> Duration {
    let start = Instant::now();
    let (jobs, worker_jobs) = mpsc::sync_channel::<C::Tx>(1);
    let worker = worker(worker_jobs, C::send);
    for _ in 0..n {
        let (tx, rx) = C::channel();
        jobs.send(tx).expect("the worker is gone");
        black_box(C::recv(rx));
    }
    drop(jobs);
    worker.join().expect("the worker panicked");
    start.elapsed()
}

/// A thread that sends a message on each sender it gets.
fn worker<Tx: Send + 'static>(
    jobs: mpsc::Receiver<Tx>,
    send: fn(Tx, usize),
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for (i, tx) in jobs.into_iter().enumerate() {
            send(tx, i);
        }
    })
}

/// `n` rounds: a spawned task sends on each round's channel while this
/// task awaits the receiver.
fn task_to_task_run<C: Oneshot>(rt: Runtime, n: usize) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        for i in 0..n {
            let (tx, rx) = C::channel();
            tokio::spawn(async move { C::send(tx, i) });
            black_box(C::recv_async(rx).await);
        }
        start.elapsed()
    })
}

/// tidings' multishot: the first round's sender, then the receiver's.
fn multishot_rounds(
    n: usize,
    mut round: impl FnMut(
        tidings::multishot::Sender<usize>,
        &mut tidings::multishot::Receiver<usize>,
        usize,
    ),
) -> Duration {
    let start = Instant::now();
    let (first, mut rx) = tidings::multishot::channel();
    let mut first = Some(first);
    for i in 0..n {
        let tx = first
            .take()
            .or_else(|| rx.sender())
            .expect("the round is over");
        round(tx, &mut rx, i);
    }
    start.elapsed()
}

fn multishot_one_thread(n: usize) -> Duration {
    multishot_rounds(n, |tx, rx, i| {
        tx.send(i).expect("the receiver is gone");
        black_box(rx.recv().expect(CLOSED));
    })
}

fn multishot_thread_to_thread(n: usize) -> Duration {
    let (jobs, worker_jobs) = mpsc::sync_channel(1);
    let worker = worker(worker_jobs, |tx: tidings::multishot::Sender<usize>, i| {
        tx.send(i).expect("the receiver is gone");
    });
    let elapsed = multishot_rounds(n, |tx, rx, _| {
        jobs.send(tx).expect("the worker is gone");
        black_box(rx.recv().expect(CLOSED));
    });
    drop(jobs);
    worker.join().expect("the worker panicked");
    elapsed
}

fn multishot_task_to_task(rt: Runtime, n: usize) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let (first, mut rx) = tidings::multishot::channel();
        let mut first = Some(first);
        for i in 0..n {
            let tx = first
                .take()
                .or_else(|| rx.sender())
                .expect("the round is over");
            tokio::spawn(async move { tx.send(i).expect("the receiver is gone") });
            black_box(rx.recv_async().await.expect(CLOSED));
        }
        start.elapsed()
    })
}

/// The `multishot` crate only awaits: its receive future is polled once,
/// with a no-op waker, after the send.
fn multishot_crate_one_thread(n: usize) -> Duration {
    let start = Instant::now();
    let mut cx = Context::from_waker(Waker::noop());
    let mut rx = multishot::Receiver::new();
    for i in 0..n {
        rx.sender().expect("the round is over").send(i);
        match pin!(rx.recv()).poll(&mut cx) {
            Poll::Ready(msg) => black_box(msg.expect(CLOSED)),
            Poll::Pending => unreachable!("the message was sent"),
        };
    }
    start.elapsed()
}

fn multishot_crate_task_to_task(rt: Runtime, n: usize) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let mut rx = multishot::Receiver::new();
        for i in 0..n {
            let tx = rx.sender().expect("the round is over");
            tokio::spawn(async move { tx.send(i) });
            black_box(rx.recv().await.expect(CLOSED));
        }
        start.elapsed()
    })
}

//! watch: one value that a writer replaces and readers follow. 1 writer
//! and 4 readers; tidings' `watch` against tokio's `sync::watch`.
//!
//! A watch channel keeps the latest value only: a reader that looks less
//! often than the writer sends sees fewer values (many changes between
//! two looks are one change). So ns per value is the run's time over the
//! values *sent*: the writer's pace with 4 readers following it, each
//! waking on a change and reading the value. How many values each reader
//! sees depends on the scheduling (and may differ between the libraries
//! and from run to run); the `seq` scenario is the like-for-like one.
//!
//! The scenarios (the value is a `usize`, 0 at the start):
//!
//! - `seq/borrow`: one thread; each round sends the round's number and
//!   has each of the 4 receivers `borrow_and_update` it (each checks it
//!   is that number, and that the `Ref` says it changed): ns per round.
//!   Instruction counts apply.
//! - `current-thread/1x4/usize`, `multi-thread/1x4/usize`: a writer task
//!   sends 1 to N with `send`, calling `tokio::task::yield_now()` after
//!   each, so that the readers get to run between sends (on the
//!   current-thread runtime, after every send; without it, the writer
//!   would send all N before any reader ran). 4 reader tasks loop on
//!   `changed_async().await` (tokio: `changed().await`) and
//!   `borrow_and_update` until they read N. On the current-thread
//!   runtime every reader read every value, with both libraries, when
//!   this was written (the woken readers run before the yielding writer
//!   again); on the multi-thread one and with threads, readers skip some.
//! - `threads/1x4/usize`: the same with threads: a writer thread (with
//!   `std::thread::yield_now()` after each send) and 4 reader threads in
//!   blocking `changed()`. tokio's watch has no blocking wait, but its
//!   futures need no runtime: its entry, `tokio (block_on)`, waits on
//!   `changed()` from each thread with pollster's `block_on` (it parks
//!   the thread until the future's waker unparks it), as a thread without
//!   a runtime would.
//!
//! Each reader checks the values it reads: strictly increasing (a change
//! it waited for is a newer value), ending at N, and no `changed` fails
//! (the channel closes only after N is sent, and a closed channel still
//! reports an unseen value), so a broken run fails instead of producing a
//! fast number.

use std::future::Future;
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{Config, Impl, Runtime, Scenario};

const FAMILY: &str = "watch";

/// Readers per scenario.
const READERS: usize = 4;

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let rounds = cfg.messages(500_000);
    let values = cfg.messages(20_000);
    let mut out = vec![Scenario::new(FAMILY, "seq/borrow".into(), rounds)
        .single_thread()
        .with(Impl::new("tidings", seq::<Tidings>))
        .with(Impl::new("tokio", seq::<Tokio>))];
    for rt in Runtime::ALL {
        out.push(
            Scenario::new(FAMILY, format!("{}/1x{READERS}/usize", rt.name()), values)
                .with(Impl::new("tidings", move |n| tasks::<Tidings>(rt, n)))
                .with(Impl::new("tokio", move |n| tasks::<Tokio>(rt, n))),
        );
    }
    out.push(
        Scenario::new(FAMILY, format!("threads/1x{READERS}/usize"), values)
            .with(Impl::new("tidings", threads::<Tidings>))
            .with(Impl::new("tokio (block_on)", threads::<Tokio>)),
    );
    out
}

/// One thread: `n` rounds of a send and a `borrow_and_update` on each of
/// the [`READERS`] receivers.
fn seq<W: Watch>(n: usize) -> Duration {
    let start = Instant::now();
    let (tx, rxs) = channel::<W>();
    let mut rxs = rxs;
    for i in 1..=n {
        W::send(&tx, i);
        for rx in &mut rxs {
            let (value, changed) = W::borrow_and_update(rx);
            assert!(
                value == i && changed,
                "{}: read {value} (changed: {changed}) after sending {i}",
                W::NAME
            );
        }
    }
    start.elapsed()
}

/// A writer task sends 1 to `n`, yielding after each send; [`READERS`]
/// tasks follow the value until they read `n`.
fn tasks<W: Watch>(rt: Runtime, n: usize) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let (tx, rxs) = channel::<W>();
        let mut tasks: Vec<_> = rxs
            .into_iter()
            .map(|mut rx| {
                tokio::spawn(async move {
                    let mut reader = Reader::new(n);
                    while !reader.done() {
                        assert!(W::changed_async(&mut rx).await, "{}: {CLOSED}", W::NAME);
                        reader.see(W::borrow_and_update(&mut rx).0);
                    }
                    reader.finish(W::NAME);
                })
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            for i in 1..=n {
                W::send(&tx, i);
                tokio::task::yield_now().await;
            }
        }));
        for task in tasks {
            task.await.expect("a task panicked");
        }
        start.elapsed()
    })
}

/// A writer thread sends 1 to `n`, yielding after each send; [`READERS`]
/// threads follow the value, in blocking waits, until they read `n`.
fn threads<W: Watch>(n: usize) -> Duration {
    let start = Instant::now();
    let (tx, rxs) = channel::<W>();
    thread::scope(|s| {
        for mut rx in rxs {
            s.spawn(move || {
                let mut reader = Reader::new(n);
                while !reader.done() {
                    assert!(W::changed(&mut rx), "{}: {CLOSED}", W::NAME);
                    reader.see(W::borrow_and_update(&mut rx).0);
                }
                reader.finish(W::NAME);
            });
        }
        s.spawn(move || {
            for i in 1..=n {
                W::send(&tx, i);
                thread::yield_now();
            }
        });
    });
    start.elapsed()
}

/// A channel holding 0, and [`READERS`] receivers that have seen it.
fn channel<W: Watch>() -> (W::Tx, Vec<W::Rx>) {
    let (tx, rx) = W::new();
    let mut rxs: Vec<_> = (1..READERS).map(|_| W::subscribe(&tx)).collect();
    rxs.push(rx);
    (tx, rxs)
}

const CLOSED: &str = "changed failed before the last value was read";

/// One reader's account of a run, checked value by value.
struct Reader {
    /// The value the writer ends at.
    last: usize,
    /// The latest value read.
    value: usize,
}

impl Reader {
    fn new(last: usize) -> Self {
        Reader { last, value: 0 }
    }

    /// Checks a value read after a change: newer than the one before.
    #[inline]
    fn see(&mut self, value: usize) {
        assert!(
            value > self.value && value <= self.last,
            "read {value} after {} (the last is {})",
            self.value,
            self.last
        );
        self.value = value;
    }

    fn done(&self) -> bool {
        self.value == self.last
    }

    fn finish(self, name: &str) {
        assert_eq!(self.value, self.last, "{name}: a reader stopped early");
    }
}

/// A watch channel of `usize`, with blocking and async waits.
trait Watch: 'static {
    /// The implementation's name in the results.
    const NAME: &'static str;
    type Tx: Send + Sync + 'static;
    type Rx: Send + 'static;
    /// A channel holding 0, and a receiver that has seen it.
    fn new() -> (Self::Tx, Self::Rx);
    /// A receiver that has seen the current value.
    fn subscribe(tx: &Self::Tx) -> Self::Rx;
    /// Replaces the value (a receiver is left: panics otherwise).
    fn send(tx: &Self::Tx, value: usize);
    /// The value, marked seen, and whether it was unseen.
    fn borrow_and_update(rx: &mut Self::Rx) -> (usize, bool);
    /// Blocks until the value is unseen; false if the channel closed.
    fn changed(rx: &mut Self::Rx) -> bool;
    /// Waits until the value is unseen; false if the channel closed.
    fn changed_async(rx: &mut Self::Rx) -> impl Future<Output = bool> + Send + '_;
}

struct Tidings;

impl Watch for Tidings {
    const NAME: &'static str = "tidings";
    type Tx = tidings::watch::Sender<usize>;
    type Rx = tidings::watch::Receiver<usize>;
    fn new() -> (Self::Tx, Self::Rx) {
        tidings::watch::channel(0)
    }
    fn subscribe(tx: &Self::Tx) -> Self::Rx {
        tx.subscribe()
    }
    fn send(tx: &Self::Tx, value: usize) {
        tx.send(value).expect("tidings: no receiver left");
    }
    fn borrow_and_update(rx: &mut Self::Rx) -> (usize, bool) {
        let value = rx.borrow_and_update();
        (*value, value.has_changed())
    }
    fn changed(rx: &mut Self::Rx) -> bool {
        rx.changed().is_ok()
    }
    async fn changed_async(rx: &mut Self::Rx) -> bool {
        rx.changed_async().await.is_ok()
    }
}

/// `tokio::sync::watch`; its blocking wait is pollster's `block_on` over
/// `changed()`.
struct Tokio;

impl Watch for Tokio {
    const NAME: &'static str = "tokio";
    type Tx = tokio::sync::watch::Sender<usize>;
    type Rx = tokio::sync::watch::Receiver<usize>;
    fn new() -> (Self::Tx, Self::Rx) {
        tokio::sync::watch::channel(0)
    }
    fn subscribe(tx: &Self::Tx) -> Self::Rx {
        tx.subscribe()
    }
    fn send(tx: &Self::Tx, value: usize) {
        if tx.send(value).is_err() {
            panic!("tokio: no receiver left");
        }
    }
    fn borrow_and_update(rx: &mut Self::Rx) -> (usize, bool) {
        let value = rx.borrow_and_update();
        (*value, value.has_changed())
    }
    fn changed(rx: &mut Self::Rx) -> bool {
        pollster::block_on(rx.changed()).is_ok()
    }
    async fn changed_async(rx: &mut Self::Rx) -> bool {
        rx.changed().await.is_ok()
    }
}

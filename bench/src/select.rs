//! select (issue 15): one consumer waits on 4 bounded channels at once,
//! each fed by a producer of its own, and takes every message through a
//! select (never a plain receive).
//!
//! - `seq/4 channels/bounded(N)`: one thread sends N / 4 messages into
//!   each of 4 `bounded(N / 4)` channels, then receives the N with N
//!   selects. Every channel is ready at every select: the cost of a
//!   select that finds a message at once. Instruction counts apply.
//! - `threads/4 channels/bounded(64)`: 4 producer threads (one per
//!   channel, N / 4 messages each) and one consumer thread that selects
//!   N times: selects that find a message, and selects that block until
//!   a producer sends (and producers that block on a full channel until
//!   the consumer takes one).
//! - `current-thread/4 channels/bounded(64)`,
//!   `multi-thread/4 channels/bounded(64)`: the same with tokio tasks.
//!
//! The entries (each library's general channel, as in the other
//! families, except crossfire: its `spsc` type, the one a crossfire user
//! would pick for one producer and one consumer; its `Select` takes it):
//!
//! - `tidings select!`: the macro, one `recv` arm per channel, per message.
//! - `tidings Select`: one `Select` with the 4 receives, made once and
//!   reused: `select()`, then `recv` on the selected operation (in the
//!   task scenarios, `select_async().await`).
//! - `crossbeam select!` and `crossbeam Select`: crossbeam-channel's same
//!   two forms.
//! - `flume Selector`: a `flume::Selector` with 4 `recv`s per message
//!   (`wait` consumes it: it cannot be reused).
//! - `crossfire Select`: `crossfire::select::Select` (its default,
//!   round-robin) over 4 `crossfire::spsc::bounded_blocking` channels,
//!   made once and reused: `select()`, the receiver found with
//!   `result == rx` (crossfire's documented way), then `read_select`.
//!   Blocking only: crossfire has no async select (its `Multiplex`, which
//!   owns its channels, is blocking only too), and it sits out the task
//!   scenarios.
//! - `tidings select_async!` (tasks only): the async macro, one `recv`
//!   arm per channel, per message.
//! - `tokio select!` (tasks only): tokio's `select!` with one `recv()`
//!   branch per `tokio::sync::mpsc::channel(64)` receiver.
//!
//! flume's `Selector` is blocking only: flume sits out the task
//! scenarios too.
//!
//! Every producer keeps its sender until the consumer is done: a receive
//! from a closed channel is ready at once in every library (and would be
//! selected, with an error). Each run checks what the consumer got, per
//! channel: N / 4 messages with the sum of that channel's numbers
//! (producer `k` sends `k * N / 4 .. (k + 1) * N / 4`), so a message lost,
//! repeated or handed to the wrong arm fails the run.

use std::future::Future;
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{Config, Impl, Runtime, Scenario};

const FAMILY: &str = "select";

/// Channels, each with its own producer.
const CHANNELS: usize = 4;

/// The bound of each channel in the threads and tasks scenarios.
const CAP: usize = 64;

const CLOSED: &str = "a channel closed during a run";

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    let name = format!("seq/{CHANNELS} channels/bounded(N)");
    out.push(blocking_entries(
        Scenario::new(FAMILY, name, cfg.messages(200_000)).single_thread(),
        |run| run.seq,
    ));
    let name = format!("threads/{CHANNELS} channels/bounded({CAP})");
    out.push(blocking_entries(
        Scenario::new(FAMILY, name, cfg.messages(100_000)),
        |run| run.threads,
    ));
    for rt in Runtime::ALL {
        let name = format!("{}/{CHANNELS} channels/bounded({CAP})", rt.name());
        out.push(
            Scenario::new(FAMILY, name, cfg.messages(100_000))
                .with(Impl::new(<TidingsSelect as Async>::NAME, move |n| {
                    tasks::<TidingsSelect>(rt, n)
                }))
                .with(Impl::new(TidingsAsyncMacro::NAME, move |n| {
                    tasks::<TidingsAsyncMacro>(rt, n)
                }))
                .with(Impl::new(TokioSelect::NAME, move |n| {
                    tasks::<TokioSelect>(rt, n)
                })),
        );
    }
    out
}

/// A blocking entry: its name and its two runs, `seq` and `threads`.
struct Runs {
    name: &'static str,
    seq: fn(usize) -> Duration,
    threads: fn(usize) -> Duration,
}

impl Runs {
    fn of<L: Blocking>() -> Self {
        Runs {
            name: L::NAME,
            seq: seq::<L>,
            threads: threads::<L>,
        }
    }

    /// Every blocking entry.
    fn all() -> [Runs; 6] {
        [
            Runs::of::<TidingsMacro>(),
            Runs::of::<TidingsSelect>(),
            Runs::of::<CrossbeamMacro>(),
            Runs::of::<CrossbeamSelect>(),
            Runs::of::<FlumeSelector>(),
            Runs::of::<CrossfireSelect>(),
        ]
    }
}

/// `s` with every blocking entry, running what `pick` takes of its runs.
fn blocking_entries(mut s: Scenario, pick: fn(&Runs) -> fn(usize) -> Duration) -> Scenario {
    for runs in Runs::all() {
        s = s.with(Impl::new(runs.name, pick(&runs)));
    }
    s
}

/// What the consumer got: per channel, the messages and their sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    counts: [usize; CHANNELS],
    sums: [usize; CHANNELS],
}

impl Tally {
    #[inline(always)]
    fn add(&mut self, channel: usize, msg: usize) {
        self.counts[channel] += 1;
        self.sums[channel] = self.sums[channel].wrapping_add(msg);
    }

    /// What channel `k` of a run of `n` carries: `k * n / 4 .. (k + 1) *
    /// n / 4`, so that any `n` will do (the callgrind child's warm-up
    /// runs a tenth of its count), not only a multiple of 4.
    fn share(k: usize, n: usize) -> std::ops::Range<usize> {
        k * n / CHANNELS..(k + 1) * n / CHANNELS
    }

    /// A whole run's tally, for `n` messages.
    fn expected(n: usize) -> Tally {
        let mut t = Tally::default();
        for k in 0..CHANNELS {
            for i in Self::share(k, n) {
                t.add(k, i);
            }
        }
        t
    }

    fn check(self, name: &str, n: usize) {
        assert_eq!(
            self,
            Self::expected(n),
            "{name}: messages lost, repeated or selected from the wrong channel"
        );
    }
}

/// A library's channels and its select between threads.
pub trait Blocking {
    const NAME: &'static str;
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, msg: usize);
    /// `n` selects over `rxs`, each taking one message.
    fn consume(rxs: &[Self::Rx; CHANNELS], n: usize) -> Tally;
}

/// A library's channels and its select between tasks.
pub trait Async {
    const NAME: &'static str;
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, msg: usize) -> impl Future<Output = ()> + Send + '_;
    /// `n` selects over `rxs`, each taking one message.
    fn consume(rxs: [Self::Rx; CHANNELS], n: usize)
        -> impl Future<Output = Tally> + Send + 'static;
}

fn channels<Tx, Rx>(new: impl Fn() -> (Tx, Rx)) -> (Vec<Tx>, [Rx; CHANNELS]) {
    let (txs, rxs): (Vec<Tx>, Vec<Rx>) = (0..CHANNELS).map(|_| new()).unzip();
    let Ok(rxs) = rxs.try_into() else {
        unreachable!("CHANNELS receivers")
    };
    (txs, rxs)
}

/// One thread: `n / 4` messages into each of 4 `bounded(n / 4)` channels
/// (rounded up), then `n` selects.
pub fn seq<L: Blocking>(n: usize) -> Duration {
    let start = Instant::now();
    let (txs, rxs) = channels(|| L::channel(n.div_ceil(CHANNELS).max(1)));
    for (k, tx) in txs.iter().enumerate() {
        for i in Tally::share(k, n) {
            L::send(tx, i);
        }
    }
    let got = L::consume(&rxs, n);
    let elapsed = start.elapsed();
    got.check(L::NAME, n);
    elapsed
}

/// A producer thread per channel, `n / 4` messages each (its
/// [`share`](Tally::share)), and a consumer thread that selects `n`
/// times. Each producer hands its sender back when it is done: it is
/// dropped once the consumer is.
pub fn threads<L: Blocking>(n: usize) -> Duration {
    let start = Instant::now();
    let (txs, rxs) = channels(|| L::channel(CAP));
    let got = thread::scope(|s| {
        let producers: Vec<_> = txs
            .into_iter()
            .enumerate()
            .map(|(k, tx)| {
                s.spawn(move || {
                    for i in Tally::share(k, n) {
                        L::send(&tx, i);
                    }
                    tx
                })
            })
            .collect();
        let consumer = s.spawn(move || L::consume(&rxs, n));
        let got = consumer.join().expect("the consumer panicked");
        for p in producers {
            p.join().expect("a producer panicked");
        }
        got
    });
    let elapsed = start.elapsed();
    got.check(L::NAME, n);
    elapsed
}

/// [`threads`] with tokio tasks.
pub fn tasks<L: Async>(rt: Runtime, n: usize) -> Duration {
    let (elapsed, got) = rt.block_on(async {
        let start = Instant::now();
        let (txs, rxs) = channels(|| L::channel(CAP));
        let producers: Vec<_> = txs
            .into_iter()
            .enumerate()
            .map(|(k, tx)| {
                tokio::spawn(async move {
                    for i in Tally::share(k, n) {
                        L::send(&tx, i).await;
                    }
                    tx
                })
            })
            .collect();
        let consumer = tokio::spawn(L::consume(rxs, n));
        let got = consumer.await.expect("the consumer panicked");
        for p in producers {
            p.await.expect("a producer panicked");
        }
        (start.elapsed(), got)
    });
    got.check(L::NAME, n);
    elapsed
}

/// tidings' `select!`.
pub struct TidingsMacro;

impl Blocking for TidingsMacro {
    const NAME: &'static str = "tidings select!";
    type Tx = tidings::Sender<usize>;
    type Rx = tidings::Receiver<usize>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        tidings::bounded(cap)
    }
    fn send(tx: &Self::Tx, msg: usize) {
        tx.send(msg).expect(CLOSED);
    }
    fn consume([a, b, c, d]: &[Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut got = Tally::default();
        for _ in 0..n {
            let (k, msg) = tidings::select! {
                recv(a) -> msg => (0, msg),
                recv(b) -> msg => (1, msg),
                recv(c) -> msg => (2, msg),
                recv(d) -> msg => (3, msg),
            };
            got.add(k, msg.expect(CLOSED));
        }
        got
    }
}

/// tidings' `Select`, made once and reused.
pub struct TidingsSelect;

impl Blocking for TidingsSelect {
    const NAME: &'static str = "tidings Select";
    type Tx = tidings::Sender<usize>;
    type Rx = tidings::Receiver<usize>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        tidings::bounded(cap)
    }
    fn send(tx: &Self::Tx, msg: usize) {
        tx.send(msg).expect(CLOSED);
    }
    fn consume(rxs: &[Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut sel = tidings::Select::new();
        for rx in rxs {
            sel.recv(rx);
        }
        let mut got = Tally::default();
        for _ in 0..n {
            let oper = sel.select();
            let k = oper.index();
            got.add(k, oper.recv(&rxs[k]).expect(CLOSED));
        }
        got
    }
}

impl Async for TidingsSelect {
    const NAME: &'static str = "tidings Select";
    type Tx = tidings::Sender<usize>;
    type Rx = tidings::Receiver<usize>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        tidings::bounded(cap)
    }
    async fn send(tx: &Self::Tx, msg: usize) {
        tx.send_async(msg).await.expect(CLOSED);
    }
    async fn consume(rxs: [Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut sel = tidings::Select::new();
        for rx in &rxs {
            sel.recv(rx);
        }
        let mut got = Tally::default();
        for _ in 0..n {
            let oper = sel.select_async().await;
            let k = oper.index();
            got.add(k, oper.recv(&rxs[k]).expect(CLOSED));
        }
        got
    }
}

/// tidings' `select_async!`.
pub struct TidingsAsyncMacro;

impl Async for TidingsAsyncMacro {
    const NAME: &'static str = "tidings select_async!";
    type Tx = tidings::Sender<usize>;
    type Rx = tidings::Receiver<usize>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        tidings::bounded(cap)
    }
    async fn send(tx: &Self::Tx, msg: usize) {
        tx.send_async(msg).await.expect(CLOSED);
    }
    async fn consume([a, b, c, d]: [Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut got = Tally::default();
        for _ in 0..n {
            let (k, msg) = tidings::select_async! {
                recv(a) -> msg => (0, msg),
                recv(b) -> msg => (1, msg),
                recv(c) -> msg => (2, msg),
                recv(d) -> msg => (3, msg),
            };
            got.add(k, msg.expect(CLOSED));
        }
        got
    }
}

/// crossbeam-channel's `select!`.
pub struct CrossbeamMacro;

impl Blocking for CrossbeamMacro {
    const NAME: &'static str = "crossbeam select!";
    type Tx = crossbeam_channel::Sender<usize>;
    type Rx = crossbeam_channel::Receiver<usize>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(cap)
    }
    fn send(tx: &Self::Tx, msg: usize) {
        tx.send(msg).expect(CLOSED);
    }
    fn consume([a, b, c, d]: &[Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut got = Tally::default();
        for _ in 0..n {
            let (k, msg) = crossbeam_channel::select! {
                recv(a) -> msg => (0, msg),
                recv(b) -> msg => (1, msg),
                recv(c) -> msg => (2, msg),
                recv(d) -> msg => (3, msg),
            };
            got.add(k, msg.expect(CLOSED));
        }
        got
    }
}

/// crossbeam-channel's `Select`, made once and reused.
pub struct CrossbeamSelect;

impl Blocking for CrossbeamSelect {
    const NAME: &'static str = "crossbeam Select";
    type Tx = crossbeam_channel::Sender<usize>;
    type Rx = crossbeam_channel::Receiver<usize>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(cap)
    }
    fn send(tx: &Self::Tx, msg: usize) {
        tx.send(msg).expect(CLOSED);
    }
    fn consume(rxs: &[Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut sel = crossbeam_channel::Select::new();
        for rx in rxs {
            sel.recv(rx);
        }
        let mut got = Tally::default();
        for _ in 0..n {
            let oper = sel.select();
            let k = oper.index();
            got.add(k, oper.recv(&rxs[k]).expect(CLOSED));
        }
        got
    }
}

/// flume's `Selector`, one per message.
pub struct FlumeSelector;

impl Blocking for FlumeSelector {
    const NAME: &'static str = "flume Selector";
    type Tx = flume::Sender<usize>;
    type Rx = flume::Receiver<usize>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(cap)
    }
    fn send(tx: &Self::Tx, msg: usize) {
        tx.send(msg).expect(CLOSED);
    }
    fn consume([a, b, c, d]: &[Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut got = Tally::default();
        for _ in 0..n {
            let (k, msg) = flume::Selector::new()
                .recv(a, |msg| (0, msg))
                .recv(b, |msg| (1, msg))
                .recv(c, |msg| (2, msg))
                .recv(d, |msg| (3, msg))
                .wait();
            got.add(k, msg.expect(CLOSED));
        }
        got
    }
}

/// crossfire's `Select` over its `spsc` channels, made once and reused.
pub struct CrossfireSelect;

type CfSpsc = crossfire::spsc::Array<usize>;

impl Blocking for CrossfireSelect {
    const NAME: &'static str = "crossfire Select";
    type Tx = crossfire::Tx<CfSpsc>;
    type Rx = crossfire::Rx<CfSpsc>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        crossfire::spsc::bounded_blocking(cap)
    }
    fn send(tx: &Self::Tx, msg: usize) {
        tx.send(msg).expect(CLOSED);
    }
    fn consume(rxs: &[Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut sel = crossfire::select::Select::new();
        for rx in rxs {
            sel.add(rx);
        }
        let mut got = Tally::default();
        for _ in 0..n {
            let res = sel.select().expect(CLOSED);
            let k = rxs
                .iter()
                .position(|rx| res == *rx)
                .expect("a result from one of the receivers");
            got.add(k, rxs[k].read_select(res).expect(CLOSED));
        }
        got
    }
}

/// tokio's `select!` over its mpsc receivers (tasks only).
pub struct TokioSelect;

impl Async for TokioSelect {
    const NAME: &'static str = "tokio select!";
    type Tx = tokio::sync::mpsc::Sender<usize>;
    type Rx = tokio::sync::mpsc::Receiver<usize>;
    fn channel(cap: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(cap)
    }
    async fn send(tx: &Self::Tx, msg: usize) {
        tx.send(msg).await.expect(CLOSED);
    }
    async fn consume([mut a, mut b, mut c, mut d]: [Self::Rx; CHANNELS], n: usize) -> Tally {
        let mut got = Tally::default();
        for _ in 0..n {
            let (k, msg) = tokio::select! {
                msg = a.recv() => (0, msg),
                msg = b.recv() => (1, msg),
                msg = c.recv() => (2, msg),
                msg = d.recv() => (3, msg),
            };
            got.add(k, msg.expect(CLOSED));
        }
        got
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enough messages that producers fill their `bounded(64)` channels
    /// and the consumer blocks, and counts that 4 does not divide (the
    /// callgrind child's warm-up runs a tenth of its count): every entry
    /// still takes each message once, from its own channel (the checks
    /// inside the runs would panic).
    #[test]
    fn every_entry_takes_every_message_once() {
        for n in [1, 3, 10, 4_001] {
            every_entry(n);
        }
    }

    fn every_entry(n: usize) {
        for run in Runs::all() {
            (run.seq)(n);
            (run.threads)(n);
        }
        for rt in Runtime::ALL {
            tasks::<TidingsSelect>(rt, n);
            tasks::<TidingsAsyncMacro>(rt, n);
            tasks::<TokioSelect>(rt, n);
        }
    }

    /// The scenarios' names, and their entries: the 6 blocking ones in
    /// `seq` and `threads`, tidings and tokio in the task ones.
    #[test]
    fn the_entries() {
        let cfg = crate::parse(&[]).unwrap().unwrap().0;
        let all = scenarios(&cfg);
        let names = |s: &Scenario| s.impls.iter().map(|i| i.name).collect::<Vec<_>>();
        let full: Vec<String> = all.iter().map(Scenario::full_name).collect();
        assert_eq!(
            full,
            [
                "select/seq/4 channels/bounded(N)",
                "select/threads/4 channels/bounded(64)",
                "select/current-thread/4 channels/bounded(64)",
                "select/multi-thread/4 channels/bounded(64)",
            ]
        );
        let blocking = [
            "tidings select!",
            "tidings Select",
            "crossbeam select!",
            "crossbeam Select",
            "flume Selector",
            "crossfire Select",
        ];
        let asynchronous = ["tidings Select", "tidings select_async!", "tokio select!"];
        assert_eq!(names(&all[0]), blocking);
        assert_eq!(names(&all[1]), blocking);
        assert_eq!(names(&all[2]), asynchronous);
        assert_eq!(names(&all[3]), asynchronous);
        assert!(all[0].single_thread && !all[1].single_thread);
    }

    #[test]
    fn the_tally_catches_a_message_from_the_wrong_channel() {
        let n = 8;
        let mut good = Tally::default();
        let mut bad = Tally::default();
        for k in 0..CHANNELS {
            for i in Tally::share(k, n) {
                good.add(k, i);
                // Channel 0's first message counted as channel 1's, and
                // channel 1's first as channel 0's.
                let swapped = match (k, i) {
                    (0, 0) => 1,
                    (1, 2) => 0,
                    _ => k,
                };
                bad.add(swapped, i);
            }
        }
        assert_eq!(good, Tally::expected(n));
        assert_eq!(good.counts, bad.counts);
        assert_ne!(good, bad);
    }
}

//! mpmc between threads, every operation blocking.
//!
//! - `seq`: one thread sends N, then receives N. It needs room for N, so
//!   it runs only on `bounded(N)` and `unbounded` (the convention of
//!   rust-channel-benchmarks).
//! - `spsc`, `mpsc` (4 producers, 1 consumer), `mpmc` (4 and 4), on
//!   `rendezvous`, `bounded(1)`, `bounded(1000)` and `unbounded`.
//! - `16x16`, oversubscribed: 16 producers and 16 consumers, on
//!   `bounded(1)`, `bounded(64)` and `unbounded`. 32 threads are more than
//!   the cores of most machines that run this (many times a small VM's):
//!   the rows show whether a waiting thread parks or burns a time slice
//!   that a thread with work could have had. Every message is a distinct
//!   number, and each run checks the count and sums of what the consumers
//!   received: every message exactly once.
//!
//! Each with `usize` and 64-byte messages (`16x16`: `usize` only). Peers:
//! crossbeam-channel, flume, kanal, async-channel (`send_blocking` /
//! `recv_blocking`, no rendezvous), crossfire (no rendezvous; its `spsc`
//! type in `seq` and `spsc`, `mpsc` in `mpsc`, `mpmc` in `mpmc` and
//! `16x16`: see [`channels`](crate::channels)), std's mpsc and tokio's
//! mpsc (`blocking_send` / `blocking_recv`, no rendezvous); the last two
//! have one consumer, and sit out `mpmc` and `16x16`.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use crate::channels::{impls_for, *};
use crate::harness::{Config, Scenario};

const FAMILY: &str = "mpmc-blocking";

/// [`impls_for`] with every library that has blocking operations.
/// crossfire's types split by shape and flavor; each scenario takes one.
macro_rules! blocking_impls {
    ($flavor:expr, $producers:expr, $consumers:expr, |$c:ident| $run:expr) => {
        impls_for!(
            $flavor,
            $producers,
            $consumers,
            [
                Tidings,
                Crossbeam,
                Flume,
                Kanal,
                AsyncChannel,
                CrossfireSpscBounded,
                CrossfireSpscUnbounded,
                CrossfireMpscBounded,
                CrossfireMpscUnbounded,
                CrossfireBounded,
                CrossfireUnbounded,
                StdMpsc,
                Tokio
            ],
            |$c| $run
        )
    };
}

/// The shapes: name, producers, consumers.
const SHAPES: [(&str, usize, usize); 3] = [("spsc", 1, 1), ("mpsc", 4, 1), ("mpmc", 4, 4)];

const FLAVORS: [Flavor; 4] = [
    Flavor::Rendezvous,
    Flavor::Bounded(1),
    Flavor::Bounded(1000),
    Flavor::Unbounded,
];

/// The oversubscribed shape (producers, consumers) and its flavors.
const CROWD: (usize, usize) = (16, 16);
const CROWD_FLAVORS: [Flavor; 3] = [Flavor::Bounded(1), Flavor::Bounded(64), Flavor::Unbounded];

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    add::<usize>(cfg, &mut out);
    add_oversubscribed(cfg, &mut out);
    add::<Bytes64>(cfg, &mut out);
    out
}

fn add<T: Message>(cfg: &Config, out: &mut Vec<Scenario>) {
    for bounded in [true, false] {
        let label = if bounded { "bounded(N)" } else { "unbounded" };
        let name = format!("seq/{label}/{}", T::NAME);
        let mut s = Scenario::new(FAMILY, name, cfg.messages(200_000)).single_thread();
        // (Whoever offers `bounded(1)` offers `bounded(N)`.)
        let flavor = if bounded {
            Flavor::Bounded(1)
        } else {
            Flavor::Unbounded
        };
        s.impls = blocking_impls!(flavor, 1, 1, |C| move |n| seq::<C, T>(bounded, n));
        out.push(s);
    }
    for (shape, producers, consumers) in SHAPES {
        for flavor in FLAVORS {
            // A message that needs a handoff costs microseconds.
            let slow = matches!(flavor, Flavor::Rendezvous | Flavor::Bounded(1));
            let n = cfg.messages(if slow { 20_000 } else { 100_000 });
            let name = format!("{shape}/{flavor}/{}", T::NAME);
            let mut s = Scenario::new(FAMILY, name, n);
            s.impls = blocking_impls!(flavor, producers, consumers, |C| move |n| threads::<C, T>(
                flavor, producers, consumers, n
            ));
            out.push(s);
        }
    }
}

/// The `16x16` rows. Each run starts and joins 32 threads (a millisecond
/// or two on a small, busy machine), so the cheap flavors take more
/// messages than the other shapes' to amortize that: two million on
/// `unbounded` (some 15 to 50 ns a message on 2 cores). A `bounded(1)`
/// handoff among 32 threads costs microseconds (a context switch, or a
/// spent time slice): 20 000 keep a repetition of its slowest peer
/// (async-channel, near 17 us a message on 2 cores) about a third of a
/// second. In all, some 15 s of the default run.
fn add_oversubscribed(cfg: &Config, out: &mut Vec<Scenario>) {
    let (producers, consumers) = CROWD;
    for flavor in CROWD_FLAVORS {
        let n = cfg.messages(match flavor {
            Flavor::Bounded(1) => 20_000,
            Flavor::Unbounded => 2_000_000,
            _ => 200_000,
        });
        let name = format!("{producers}x{consumers}/{flavor}/usize");
        let mut s = Scenario::new(FAMILY, name, n);
        s.impls = blocking_impls!(flavor, producers, consumers, |C| move |n| checked::<C>(
            flavor, producers, consumers, n
        ));
        out.push(s);
    }
}

/// One thread sends `n` messages, then receives them, on a `bounded(n)`
/// or an unbounded channel.
pub fn seq<C: Blocking, T: Message>(bounded: bool, n: usize) -> Duration {
    let flavor = if bounded {
        Flavor::Bounded(n)
    } else {
        Flavor::Unbounded
    };
    let start = Instant::now();
    let (mut tx, mut rx) = C::new::<T>(flavor).expect("a supported flavor");
    for i in 0..n {
        C::send(&mut tx, T::new(i));
    }
    for _ in 0..n {
        black_box(C::recv(&mut rx));
    }
    start.elapsed()
}

/// `producers` threads send `n` messages in all, `consumers` threads
/// receive them, each an equal share.
pub fn threads<C: Blocking, T: Message>(
    flavor: Flavor,
    producers: usize,
    consumers: usize,
    n: usize,
) -> Duration {
    assert!(n.is_multiple_of(producers) && n.is_multiple_of(consumers));
    let start = Instant::now();
    let (tx, rx) = C::new::<T>(flavor).expect("a supported flavor");
    let senders = senders::<C, T>(tx, producers);
    let receivers = receivers::<C, T>(rx, consumers);
    thread::scope(|s| {
        for mut tx in senders {
            s.spawn(move || {
                for i in 0..n / producers {
                    C::send(&mut tx, T::new(i));
                }
            });
        }
        for mut rx in receivers {
            s.spawn(move || {
                for _ in 0..n / consumers {
                    black_box(C::recv(&mut rx));
                }
            });
        }
    });
    start.elapsed()
}

/// [`threads`] with `usize` messages, each a distinct number: producer
/// `k` sends `k * n / producers .. (k + 1) * n / producers`, and consumer
/// `k` receives as many as its own such range (over `consumers`) holds:
/// any `n` will do, not only a multiple of the thread counts. Once the run is timed, the
/// count, sum and sum of squares of what the consumers received must be
/// those of `0..n`: every message received exactly once.
pub fn checked<C: Blocking>(
    flavor: Flavor,
    producers: usize,
    consumers: usize,
    n: usize,
) -> Duration {
    let share = |k: usize, of: usize| k * n / of..(k + 1) * n / of;
    let start = Instant::now();
    let (tx, rx) = C::new::<usize>(flavor).expect("a supported flavor");
    let senders = senders::<C, usize>(tx, producers);
    let receivers = receivers::<C, usize>(rx, consumers);
    let received = thread::scope(|s| {
        for (p, mut tx) in senders.into_iter().enumerate() {
            let mine = share(p, producers);
            s.spawn(move || {
                for i in mine {
                    C::send(&mut tx, i);
                }
            });
        }
        let consumers: Vec<_> = receivers
            .into_iter()
            .enumerate()
            .map(|(c, mut rx)| {
                let count = share(c, consumers).len();
                s.spawn(move || {
                    let mut tally = Tally::default();
                    for _ in 0..count {
                        tally.add(C::recv(&mut rx));
                    }
                    tally
                })
            })
            .collect();
        consumers
            .into_iter()
            .map(|c| c.join().expect("a consumer panicked"))
            .fold(Tally::default(), Tally::merge)
    });
    let elapsed = start.elapsed();
    let mut expected = Tally::default();
    (0..n).for_each(|i| expected.add(i));
    assert_eq!(received, expected, "{}: messages lost or repeated", C::NAME);
    elapsed
}

/// Count, sum and sum of squares (wrapping) of the messages received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    count: usize,
    sum: usize,
    squares: usize,
}

impl Tally {
    #[inline(always)]
    fn add(&mut self, i: usize) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(i);
        self.squares = self.squares.wrapping_add(i.wrapping_mul(i));
    }

    fn merge(self, other: Tally) -> Tally {
        Tally {
            count: self.count + other.count,
            sum: self.sum.wrapping_add(other.sum),
            squares: self.squares.wrapping_add(other.squares),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A count the thread counts do not divide: the shares still cover
    /// `0..n` once (the check inside `checked` would panic otherwise).
    #[test]
    fn uneven_shares_deliver_every_message_once() {
        for n in [1, 8, 100, 1001] {
            checked::<Tidings>(Flavor::Bounded(1), 16, 16, n);
            checked::<Crossbeam>(Flavor::Unbounded, 16, 3, n);
        }
    }

    /// A repeat that keeps the count and the sum is caught by the squares.
    #[test]
    fn the_tally_catches_a_repeat() {
        let tally = |values: &[usize]| {
            let mut t = Tally::default();
            values.iter().for_each(|&i| t.add(i));
            t
        };
        let (good, bad) = (tally(&[0, 1, 2, 3]), tally(&[0, 0, 3, 3]));
        assert_eq!((good.count, good.sum), (bad.count, bad.sum));
        assert_ne!(good, bad);
        assert_eq!(tally(&[0, 1]).merge(tally(&[2, 3])), good);
    }
}

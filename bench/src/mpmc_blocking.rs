//! mpmc between threads, every operation blocking.
//!
//! - `seq`: one thread sends N, then receives N. It needs room for N, so
//!   it runs only on `bounded(N)` and `unbounded` (the convention of
//!   rust-channel-benchmarks).
//! - `spsc`, `mpsc` (4 producers, 1 consumer), `mpmc` (4 and 4), on
//!   `rendezvous`, `bounded(1)`, `bounded(1000)` and `unbounded`.
//!
//! Each with `usize` and 64-byte messages. Peers: crossbeam-channel, flume,
//! kanal, async-channel (`send_blocking` / `recv_blocking`, no
//! rendezvous), crossfire (no rendezvous; its `spsc` type in `seq` and
//! `spsc`, `mpsc` in `mpsc`, `mpmc` in `mpmc`: see
//! [`channels`](crate::channels)), std's mpsc and tokio's mpsc
//! (`blocking_send` / `blocking_recv`, no rendezvous); the last two have
//! one consumer.

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

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    add::<usize>(cfg, &mut out);
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

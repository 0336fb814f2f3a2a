//! mpmc between tokio tasks, every operation awaited, under a
//! current-thread and a multi-thread runtime.
//!
//! `spsc`, `mpsc` (4 producer tasks, 1 consumer task) and `mpmc` (4 and
//! 4) on `bounded(1)`, `bounded(1000)` and `unbounded`, with `usize`
//! messages. tidings (`send_async` / `recv_async`) against async-channel,
//! flume, kanal, crossfire (its `spsc` type in `spsc`, `mpsc` in `mpsc`,
//! `mpmc` in `mpmc`: see [`channels`](crate::channels)), and, with one
//! consumer only, tokio's mpsc and futures-channel's mpsc.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::channels::{impls_for, *};
use crate::harness::{Config, Runtime, Scenario};

const FAMILY: &str = "mpmc-async";

const SHAPES: [(&str, usize, usize); 3] = [("spsc", 1, 1), ("mpsc", 4, 1), ("mpmc", 4, 4)];

const FLAVORS: [Flavor; 3] = [Flavor::Bounded(1), Flavor::Bounded(1000), Flavor::Unbounded];

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    for rt in Runtime::ALL {
        for (shape, producers, consumers) in SHAPES {
            for flavor in FLAVORS {
                let slow = flavor == Flavor::Bounded(1);
                let n = cfg.messages(if slow { 20_000 } else { 100_000 });
                let name = format!("{}/{shape}/{flavor}", rt.name());
                let mut s = Scenario::new(FAMILY, name, n);
                s.impls = impls_for!(
                    flavor,
                    producers,
                    consumers,
                    [
                        Tidings,
                        AsyncChannel,
                        Flume,
                        Kanal,
                        CrossfireSpscBounded,
                        CrossfireSpscUnbounded,
                        CrossfireMpscBounded,
                        CrossfireMpscUnbounded,
                        CrossfireBounded,
                        CrossfireUnbounded,
                        Tokio,
                        Futures
                    ],
                    |C| move |n| tasks::<C>(rt, flavor, producers, consumers, n)
                );
                out.push(s);
            }
        }
    }
    out
}

/// `producers` tasks send `n` messages in all, `consumers` tasks receive
/// them, each an equal share.
pub fn tasks<C: Async>(
    rt: Runtime,
    flavor: Flavor,
    producers: usize,
    consumers: usize,
    n: usize,
) -> Duration {
    assert!(n.is_multiple_of(producers) && n.is_multiple_of(consumers));
    rt.block_on(async {
        let start = Instant::now();
        let (tx, rx) = C::new::<usize>(flavor).expect("a supported flavor");
        let senders = senders::<C, usize>(tx, producers);
        let receivers = receivers::<C, usize>(rx, consumers);
        let mut tasks = Vec::new();
        for mut tx in senders {
            tasks.push(tokio::spawn(async move {
                for i in 0..n / producers {
                    C::send_async(&mut tx, i).await;
                }
            }));
        }
        for mut rx in receivers {
            tasks.push(tokio::spawn(async move {
                for _ in 0..n / consumers {
                    black_box(C::recv_async(&mut rx).await);
                }
            }));
        }
        for task in tasks {
            task.await.expect("a task panicked");
        }
        start.elapsed()
    })
}

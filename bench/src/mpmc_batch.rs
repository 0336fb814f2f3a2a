//! Batch receives between tokio tasks: producer tasks send N messages in
//! all, one consumer task drains them with `recv_many(&mut buf, 64)`,
//! under a current-thread and a multi-thread runtime.
//!
//! `spsc` (1 producer task) and `mpsc` (4) on `bounded(1)`,
//! `bounded(1000)` and `unbounded`, with `usize` messages. tidings
//! (`send_async` / `recv_many_async`) against tokio's mpsc (`send` /
//! `recv_many`), the peer whose rules tidings' batch receives follow. Each
//! run checks that the consumer got exactly N messages with the right sum.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::channels::{impls_for, *};
use crate::harness::{Config, Runtime, Scenario};

const FAMILY: &str = "mpmc-batch";

const SHAPES: [(&str, usize); 2] = [("spsc", 1), ("mpsc", 4)];

const FLAVORS: [Flavor; 3] = [Flavor::Bounded(1), Flavor::Bounded(1000), Flavor::Unbounded];

/// The most messages one batch receive takes.
const LIMIT: usize = 64;

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    for rt in Runtime::ALL {
        for (shape, producers) in SHAPES {
            for flavor in FLAVORS {
                let slow = flavor == Flavor::Bounded(1);
                let n = cfg.messages(if slow { 20_000 } else { 100_000 });
                let name = format!("{}/recv_many/{shape}/{flavor}", rt.name());
                let mut s = Scenario::new(FAMILY, name, n);
                s.impls = impls_for!(flavor, producers, 1, [Tidings, Tokio], |C| move |n| {
                    drain::<C>(rt, flavor, producers, n)
                });
                out.push(s);
            }
        }
    }
    out
}

/// A library's batch receive: up to `limit` messages appended to `buf`,
/// waiting for one; 0 once the channel is closed and drained.
pub trait RecvMany: Async {
    fn recv_many<'a>(
        rx: &'a mut Self::Rx<usize>,
        buf: &'a mut Vec<usize>,
        limit: usize,
    ) -> impl Future<Output = usize> + Send + 'a;
}

impl RecvMany for Tidings {
    async fn recv_many<'a>(
        rx: &'a mut Self::Rx<usize>,
        buf: &'a mut Vec<usize>,
        limit: usize,
    ) -> usize {
        rx.recv_many_async(buf, limit).await
    }
}

impl RecvMany for Tokio {
    async fn recv_many<'a>(
        rx: &'a mut Self::Rx<usize>,
        buf: &'a mut Vec<usize>,
        limit: usize,
    ) -> usize {
        match rx {
            TokioRx::Bounded(rx) => rx.recv_many(buf, limit).await,
            TokioRx::Unbounded(rx) => rx.recv_many(buf, limit).await,
        }
    }
}

/// `producers` tasks send `n` messages in all (`0..n / producers` each)
/// and drop their senders; one consumer task takes batches of up to
/// [`LIMIT`] until the channel is closed and drained. Checks that it got
/// exactly `n` messages with the right sum.
pub fn drain<C: RecvMany>(rt: Runtime, flavor: Flavor, producers: usize, n: usize) -> Duration {
    assert!(n.is_multiple_of(producers));
    let per = n / producers;
    let (elapsed, (count, sum)) = rt.block_on(async {
        let start = Instant::now();
        let (tx, mut rx) = C::new::<usize>(flavor).expect("a supported flavor");
        let mut tasks = Vec::new();
        for mut tx in senders::<C, usize>(tx, producers) {
            tasks.push(tokio::spawn(async move {
                for i in 0..per {
                    C::send_async(&mut tx, i).await;
                }
            }));
        }
        let consumer = tokio::spawn(async move {
            let mut buf = Vec::with_capacity(LIMIT);
            let (mut count, mut sum) = (0, 0usize);
            loop {
                let got = C::recv_many(&mut rx, &mut buf, LIMIT).await;
                if got == 0 {
                    break (count, sum);
                }
                count += got;
                sum = buf.drain(..).fold(sum, usize::wrapping_add);
            }
        });
        for task in tasks {
            task.await.expect("a producer panicked");
        }
        let got = consumer.await.expect("the consumer panicked");
        (start.elapsed(), got)
    });
    assert_eq!(count, n, "{}: messages received", C::NAME);
    let expected = (per * per.saturating_sub(1) / 2).wrapping_mul(producers);
    assert_eq!(sum, expected, "{}: the sum of the messages", C::NAME);
    elapsed
}

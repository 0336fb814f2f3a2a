//! One channel between threads and tasks: producer threads (blocking
//! sends) to a consumer task (awaited receives), and back, producer tasks
//! to a consumer thread. The tasks run on a current-thread tokio runtime;
//! the threads are plain threads.
//!
//! 1 and 4 producers, 1 consumer, on `bounded(1)`, `bounded(1000)` and
//! `unbounded`, with `usize` messages: tidings against flume, kanal,
//! async-channel, crossfire (its `spsc` type for 1 producer, `mpsc` for 4;
//! the thread side's handles are its blocking ones, the task side's its
//! async ones, converted with `From`: see [`channels`](crate::channels))
//! and tokio's mpsc (`blocking_send` / `blocking_recv` on the thread
//! side).

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use crate::channels::{impls_for, *};
use crate::harness::{Config, Runtime, Scenario};

const FAMILY: &str = "mixed";

const FLAVORS: [Flavor; 3] = [Flavor::Bounded(1), Flavor::Bounded(1000), Flavor::Unbounded];

/// The peers of the mixed family (one consumer: crossfire's spsc and mpsc
/// types; no crossbeam or std, which cannot be awaited), written once for
/// both directions.
macro_rules! mixed_impls {
    ($flavor:expr, $producers:expr, |$c:ident| $run:expr) => {
        impls_for!(
            $flavor,
            $producers,
            1,
            [
                Tidings,
                Flume,
                Kanal,
                AsyncChannel,
                CrossfireSpscBounded,
                CrossfireSpscUnbounded,
                CrossfireMpscBounded,
                CrossfireMpscUnbounded,
                Tokio
            ],
            |$c| $run
        )
    };
}

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    for to_task in [true, false] {
        for producers in [1, 4] {
            for flavor in FLAVORS {
                // A handoff between worlds costs microseconds (and kanal's
                // blocking receive from tasks, hundreds of them).
                let slow = flavor == Flavor::Bounded(1);
                let n = cfg.messages(if slow { 2_000 } else { 100_000 });
                let (from, to) = if to_task {
                    ("thread", "task")
                } else {
                    ("task", "thread")
                };
                let plural = if producers > 1 { "s" } else { "" };
                let name = format!("{producers} {from}{plural} -> 1 {to}/{flavor}");
                let mut s = Scenario::new(FAMILY, name, n);
                s.impls = if to_task {
                    mixed_impls!(flavor, producers, |C| move |n| threads_to_task::<C>(
                        flavor, producers, n
                    ))
                } else {
                    mixed_impls!(flavor, producers, |C| move |n| tasks_to_thread::<C>(
                        flavor, producers, n
                    ))
                };
                out.push(s);
            }
        }
    }
    out
}

/// `producers` threads send `n` messages in all; one task receives them.
pub fn threads_to_task<C: Blocking + Async>(
    flavor: Flavor,
    producers: usize,
    n: usize,
) -> Duration {
    assert!(n.is_multiple_of(producers));
    Runtime::CurrentThread.block_on(async {
        let start = Instant::now();
        let (tx, mut rx) = C::new::<usize>(flavor).expect("a supported flavor");
        let threads: Vec<_> = senders::<C, usize>(tx, producers)
            .into_iter()
            .map(|mut tx| {
                thread::spawn(move || {
                    for i in 0..n / producers {
                        C::send(&mut tx, i);
                    }
                })
            })
            .collect();
        let consumer = tokio::spawn(async move {
            for _ in 0..n {
                black_box(C::recv_async(&mut rx).await);
            }
        });
        consumer.await.expect("the consumer panicked");
        // Every message is received: the producers are done.
        for t in threads {
            t.join().expect("a producer panicked");
        }
        start.elapsed()
    })
}

/// `producers` tasks send `n` messages in all; one thread receives them.
pub fn tasks_to_thread<C: Blocking + Async>(
    flavor: Flavor,
    producers: usize,
    n: usize,
) -> Duration {
    assert!(n.is_multiple_of(producers));
    Runtime::CurrentThread.block_on(async {
        let start = Instant::now();
        let (tx, mut rx) = C::new::<usize>(flavor).expect("a supported flavor");
        let consumer = thread::spawn(move || {
            for _ in 0..n {
                black_box(C::recv(&mut rx));
            }
        });
        let tasks: Vec<_> = senders::<C, usize>(tx, producers)
            .into_iter()
            .map(|mut tx| {
                tokio::spawn(async move {
                    for i in 0..n / producers {
                        C::send_async(&mut tx, i).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a producer panicked");
        }
        // Every message is sent: the consumer finishes without the tasks.
        consumer.join().expect("the consumer panicked");
        start.elapsed()
    })
}

//! Oversubscription: 32 threads on one mpmc channel, on a machine with
//! fewer cores (CI's has 2), for every flavor: 16 producers and 16
//! consumers, half of each calling the blocking API and half running the
//! async API on their own executor (`futures::executor::block_on`), with
//! some timed sends and receives among them. Threads that wait must not
//! starve the ones they wait for, so the run must finish; every message
//! carries an id, and the checks prove that each id was received exactly
//! once and that the counts and sums add up.
//!
//! Size: `TIDINGS_OVERSUBSCRIBED_MESSAGES` messages per flavor (default
//! 20,000; under miri 4 + 4 threads and 64 messages).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use futures::executor::block_on;
use tidings::mpmc::{self, Receiver, Sender};
use tidings::{RecvTimeoutError, SendTimeoutError};

fn messages() -> usize {
    match std::env::var("TIDINGS_OVERSUBSCRIBED_MESSAGES") {
        Ok(n) => n.trim().parse().expect("a number of messages"),
        Err(_) if cfg!(miri) => 64,
        Err(_) => 20_000,
    }
}

/// Producers and consumers (each).
fn side() -> usize {
    if cfg!(miri) {
        4
    } else {
        16
    }
}

/// What the consumers saw, shared.
struct Seen {
    ids: Vec<AtomicBool>,
    count: AtomicUsize,
    sum: AtomicU64,
}

impl Seen {
    fn new(n: usize) -> Self {
        Self {
            ids: (0..n).map(|_| AtomicBool::new(false)).collect(),
            count: AtomicUsize::new(0),
            sum: AtomicU64::new(0),
        }
    }

    fn record(&self, id: usize) {
        assert!(
            !self.ids[id].swap(true, SeqCst),
            "message {id} received twice"
        );
        self.count.fetch_add(1, SeqCst);
        self.sum.fetch_add(id as u64, SeqCst);
    }
}

/// Sends the ids `ids` from a thread: blocking sends, every fourth one
/// with a short timeout, retried until it goes through.
fn produce_blocking(tx: Sender<usize>, ids: impl Iterator<Item = usize>) {
    for id in ids {
        if id % 4 == 0 {
            let mut msg = id;
            loop {
                match tx.send_timeout(msg, Duration::from_micros(50)) {
                    Ok(()) => break,
                    Err(SendTimeoutError::Timeout(back)) => msg = back,
                    Err(SendTimeoutError::Disconnected(_)) => panic!("receivers are alive"),
                }
            }
        } else {
            tx.send(id).expect("receivers are alive");
        }
    }
}

/// Sends the ids `ids` from async code on this thread's own executor.
fn produce_async(tx: Sender<usize>, ids: impl Iterator<Item = usize>) {
    block_on(async move {
        for id in ids {
            tx.send_async(id).await.expect("receivers are alive");
        }
    });
}

/// Receives until the channel is closed and drained: blocking receives,
/// every third one with a short timeout.
fn consume_blocking(rx: Receiver<usize>, seen: &Seen) {
    let mut turn = 0u32;
    loop {
        turn += 1;
        let got = if turn % 3 == 0 {
            match rx.recv_timeout(Duration::from_micros(50)) {
                Ok(id) => Some(id),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => None,
            }
        } else {
            rx.recv().ok()
        };
        match got {
            Some(id) => seen.record(id),
            None => return,
        }
    }
}

/// Receives until the channel is closed and drained, from async code on
/// this thread's own executor.
fn consume_async(rx: Receiver<usize>, seen: &Seen) {
    block_on(async move {
        while let Ok(id) = rx.recv_async().await {
            seen.record(id);
        }
    });
}

fn oversubscribe(tx: Sender<usize>, rx: Receiver<usize>) {
    let n = messages();
    let side = side();
    let seen = Arc::new(Seen::new(n));
    // Everyone starts at once, so the threads really contend.
    let start = Arc::new(Barrier::new(2 * side));
    let mut workers = Vec::new();
    for p in 0..side {
        let (tx, start) = (tx.clone(), start.clone());
        // Producer p sends the ids p, p + side, p + 2 * side, ...
        let ids = (p..n).step_by(side);
        workers.push(thread::spawn(move || {
            start.wait();
            if p % 2 == 0 {
                produce_blocking(tx, ids);
            } else {
                produce_async(tx, ids);
            }
        }));
    }
    drop(tx);
    for c in 0..side {
        let (rx, start, seen) = (rx.clone(), start.clone(), seen.clone());
        workers.push(thread::spawn(move || {
            start.wait();
            if c % 2 == 0 {
                consume_blocking(rx, &seen);
            } else {
                consume_async(rx, &seen);
            }
        }));
    }
    drop(rx);
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    assert_eq!(seen.count.load(SeqCst), n, "every message received once");
    assert_eq!(seen.sum.load(SeqCst), (0..n as u64).sum::<u64>());
    let missing: Vec<usize> = (0..n).filter(|&id| !seen.ids[id].load(SeqCst)).collect();
    assert!(missing.is_empty(), "never received: {missing:?}");
}

#[test]
fn rendezvous() {
    let (tx, rx) = mpmc::rendezvous();
    oversubscribe(tx, rx);
}

#[test]
fn bounded_1() {
    let (tx, rx) = mpmc::bounded(1);
    oversubscribe(tx, rx);
}

#[test]
fn bounded_64() {
    let (tx, rx) = mpmc::bounded(64);
    oversubscribe(tx, rx);
}

#[test]
fn unbounded() {
    let (tx, rx) = mpmc::unbounded();
    oversubscribe(tx, rx);
}

//! Helpers shared by the integration tests: a message that counts its
//! drops, a waker that counts its wakes, and a way to run one async test
//! body under every executor the crate promises to work with.
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::Duration;

/// Scales an iteration count down under miri, which is slow.
pub fn iters(n: usize) -> usize {
    if cfg!(miri) {
        (n / 50).max(2)
    } else {
        n
    }
}

/// A short pause, to let another thread reach the point a test wants it at.
/// The tests never assert on timing: the pause only makes the interesting
/// interleaving likely, and every interleaving must pass.
pub fn pause() {
    std::thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 10 }));
}

/// Counts how many [`Counted`] messages it made were dropped.
#[derive(Clone, Debug, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A message carrying `value` whose drop this counter counts.
    pub fn msg(&self, value: u64) -> Counted {
        Counted {
            value,
            drops: self.0.clone(),
        }
    }

    pub fn drops(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// A message that counts its drop in the [`DropCounter`] that made it.
#[derive(Debug)]
pub struct Counted {
    pub value: u64,
    drops: Arc<AtomicUsize>,
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// A waker that counts how often it was woken.
#[derive(Debug, Default)]
pub struct WakeCounter {
    wakes: AtomicUsize,
}

impl WakeCounter {
    /// A new counter and a waker that counts into it.
    pub fn new() -> (Arc<Self>, Waker) {
        let counter = Arc::new(Self::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    pub fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }
}

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// The executors the crate promises to work under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    TokioCurrentThread,
    TokioMultiThread,
    AsyncExecutor,
    FuturesBlockOn,
    Pollster,
}

pub const EXECUTORS: [Runtime; 5] = [
    Runtime::TokioCurrentThread,
    Runtime::TokioMultiThread,
    Runtime::AsyncExecutor,
    Runtime::FuturesBlockOn,
    Runtime::Pollster,
];

impl Runtime {
    /// Runs `fut` to completion on this executor, as a spawned task where
    /// the executor has tasks, and returns its output.
    pub fn run<F>(self, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Runtime::TokioCurrentThread => tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(fut),
            Runtime::TokioMultiThread => {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
                    .unwrap();
                rt.block_on(async move { tokio::spawn(fut).await.unwrap() })
            }
            Runtime::AsyncExecutor => {
                let ex = async_executor::Executor::new();
                futures_lite::future::block_on(ex.run(ex.spawn(fut)))
            }
            Runtime::FuturesBlockOn => futures::executor::block_on(fut),
            Runtime::Pollster => pollster::block_on(fut),
        }
    }
}

/// Runs the test body that `make` builds once under every executor.
pub fn on_every_executor<F, Fut>(make: F)
where
    F: Fn(Runtime) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for executor in EXECUTORS {
        executor.run(make(executor));
    }
}

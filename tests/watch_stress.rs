//! Stress tests of `tidings::watch`.
//!
//! The main one: four writers (two threads, with `send`, `send_replace`,
//! `send_modify` and `send_if_modified`; two tokio tasks, with the same)
//! and eight readers from the start (four threads: `changed`,
//! `changed_timeout` with tiny timeouts, `wait_for`, and `has_changed` with
//! `borrow_and_update`, `borrow` and `changed_deadline`; four tokio tasks:
//! `changed_async`, `wait_for_async`, the stream (with the `futures`
//! feature), and futures cancelled after one poll or after a yield). The
//! value is a global counter that never decreases: every writer takes its
//! next number from one shared counter; the read-modify-write forms
//! (`send_modify`, `send_if_modified`) keep the larger of the value and
//! their number, under a shared lock that the replacing forms (`send`,
//! `send_replace`) take alone, so a number replaces the value only once
//! every smaller number is written (and `send_replace` checks that the value
//! it replaced was smaller). The value is eight copies of the number, so a
//! torn read shows. Each reader checks that what it sees never decreases
//! and, once the writers are done and their senders dropped, that it ended
//! at the final value (the last number) and then saw the end.
//!
//! Two smaller ones repeat the ends: the last sender dropped while threads
//! and tasks wait for a change (each sees the final value, then the end),
//! and the last receivers dropped on several threads while a thread and a
//! task wait for the close.
//!
//! Size: `TIDINGS_STRESS_WRITES` writes per writer (default 50,000; 8 under
//! miri). A reader that does not end within a minute of the writers'
//! end fails the test (a lost wakeup) instead of hanging it.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{mpsc as std_mpsc, Arc, RwLock};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use tidings::watch::{self, Receiver, Sender};
use tidings::RecvTimeoutError;

/// Writes per writer: `TIDINGS_STRESS_WRITES`, or a size that keeps a debug
/// `cargo test` (and miri) quick.
fn writes() -> u64 {
    match std::env::var("TIDINGS_STRESS_WRITES") {
        Ok(n) => n
            .trim()
            .replace('_', "")
            .parse()
            .expect("TIDINGS_STRESS_WRITES must be a number"),
        Err(_) if cfg!(miri) => 8,
        Err(_) => 50_000,
    }
}

/// Rounds of the smaller tests.
fn rounds() -> usize {
    if cfg!(miri) {
        2
    } else {
        300
    }
}

/// How long a reader may take to end once the writers are done.
const HANG: Duration = Duration::from_secs(60);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

// ----- the value -----

/// The watched value: eight copies of one number (a torn read shows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Value([u64; 8]);

impl Value {
    fn new(n: u64) -> Self {
        Self([n; 8])
    }

    /// The number, checked whole.
    fn n(&self) -> u64 {
        assert!(
            self.0.iter().all(|&x| x == self.0[0]),
            "a torn value: {self:?}"
        );
        self.0[0]
    }
}

// ----- the writers -----

/// What the writers share: the next number, and the lock that orders the
/// replacing writes after every read-modify-write of a smaller number.
struct Numbers {
    next: AtomicU64,
    order: RwLock<()>,
}

impl Numbers {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            next: AtomicU64::new(0),
            order: RwLock::new(()),
        })
    }

    /// Writes the next number, the `i`-th write of its writer, in one of
    /// the four ways.
    fn write(&self, tx: &Sender<Value>, i: u64) {
        match i % 5 {
            // Read-modify-writes, beside one another.
            0..=2 => {
                let _shared = self.order.read().unwrap();
                let n = self.next.fetch_add(1, SeqCst) + 1;
                if i % 5 == 0 {
                    tx.send_modify(|v| {
                        if n > v.n() {
                            *v = Value::new(n);
                        }
                    });
                } else {
                    tx.send_if_modified(|v| {
                        let newer = n > v.n();
                        if newer {
                            *v = Value::new(n);
                        }
                        newer
                    });
                }
            }
            // Replacements, alone: every smaller number is written.
            _ => {
                let _alone = self.order.write().unwrap();
                let n = self.next.fetch_add(1, SeqCst) + 1;
                if i % 5 == 3 {
                    tx.send(Value::new(n)).expect("the readers are there");
                } else {
                    let old = tx.send_replace(Value::new(n));
                    assert!(old.n() < n, "replaced {} by {n}", old.n());
                }
            }
        }
    }
}

// ----- the readers -----

/// What one reader saw: checks as it goes that the values never decrease.
#[derive(Debug)]
struct Seen {
    who: &'static str,
    last: u64,
    changes: u64,
}

impl Seen {
    fn new(who: &'static str) -> Self {
        Self {
            who,
            last: 0,
            changes: 0,
        }
    }

    fn saw(&mut self, n: u64) {
        assert!(
            n >= self.last,
            "{}: saw {n} after {}: the value went back",
            self.who,
            self.last
        );
        self.last = n;
        self.changes += 1;
    }

    /// Checks that the reader ended at the final value, and saw the end
    /// (`rx` reports it).
    fn check(&self, rx: &Receiver<Value>, last: u64) {
        assert_eq!(
            self.last, last,
            "{}: did not end at the final value",
            self.who
        );
        assert!(self.changes > 0, "{}: saw no change", self.who);
        assert_eq!(rx.borrow().n(), last);
        assert_eq!(
            rx.has_changed(),
            Err(tidings::RecvError),
            "{}: ended before the end",
            self.who
        );
    }
}

/// A thread reader: `changed`.
fn read_changed(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    let mut seen = Seen::new("thread: changed");
    while rx.changed().is_ok() {
        seen.saw(rx.borrow_and_update().n());
    }
    (seen, rx)
}

/// A thread reader: `changed_timeout` with tiny timeouts.
fn read_changed_timeout(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    let mut seen = Seen::new("thread: changed_timeout");
    let mut i = 0u32;
    loop {
        i += 1;
        let timeout = Duration::from_micros(u64::from(i % 4) * 50);
        match rx.changed_timeout(timeout) {
            Ok(()) => seen.saw(rx.borrow_and_update().n()),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return (seen, rx),
        }
    }
}

/// A thread reader: `wait_for` a number larger than the last it saw.
fn read_wait_for(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    let mut seen = Seen::new("thread: wait_for");
    loop {
        let last = seen.last;
        let n = match rx.wait_for(|v| v.n() > last) {
            Ok(r) => {
                assert!(r.has_changed(), "a larger number is a newer value");
                r.n()
            }
            Err(_) => break,
        };
        seen.saw(n);
    }
    (seen, rx)
}

/// A thread reader: `has_changed`, then `borrow_and_update`, a plain
/// `borrow`, or a short `changed_deadline`.
fn read_has_changed(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    let mut seen = Seen::new("thread: has_changed");
    let mut i = 0u32;
    loop {
        i += 1;
        match rx.has_changed() {
            Ok(true) if i % 3 == 0 => {
                // A look without marking it seen: not older either.
                let r = rx.borrow();
                assert!(r.has_changed());
                let n = r.n();
                drop(r);
                seen.saw(n);
                rx.mark_unchanged();
            }
            Ok(true) => {
                let r = rx.borrow_and_update();
                assert!(r.has_changed());
                let n = r.n();
                drop(r);
                seen.saw(n);
            }
            Ok(false) => match rx.changed_deadline(Instant::now() + Duration::from_micros(100)) {
                Ok(()) => seen.saw(rx.borrow_and_update().n()),
                Err(RecvTimeoutError::Timeout) => thread::yield_now(),
                Err(RecvTimeoutError::Disconnected) => return (seen, rx),
            },
            // The end: `has_changed` says only that (tokio's rule), and
            // `changed` still reports a last change once.
            Err(_) => {
                if rx.changed().is_ok() {
                    seen.saw(rx.borrow_and_update().n());
                }
                assert!(rx.changed().is_err());
                return (seen, rx);
            }
        }
    }
}

/// A task reader: `changed_async`.
async fn read_changed_async(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    let mut seen = Seen::new("task: changed_async");
    while rx.changed_async().await.is_ok() {
        seen.saw(rx.borrow_and_update().n());
    }
    (seen, rx)
}

/// A task reader: `wait_for_async` a number larger than the last it saw.
async fn read_wait_for_async(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    let mut seen = Seen::new("task: wait_for_async");
    loop {
        let last = seen.last;
        let n = match rx.wait_for_async(|v| v.n() > last).await {
            Ok(r) => {
                assert!(r.has_changed(), "a larger number is a newer value");
                r.n()
            }
            Err(_) => break,
        };
        seen.saw(n);
    }
    (seen, rx)
}

/// A task reader: the stream of values.
#[cfg(feature = "futures")]
async fn read_stream(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    use futures::StreamExt;
    let mut seen = Seen::new("task: stream");
    let mut values = rx.stream();
    while let Some(v) = values.next().await {
        seen.saw(v.n());
    }
    drop(values);
    (seen, rx)
}

/// Without the `futures` feature: `changed_async` with a plain `borrow`.
#[cfg(not(feature = "futures"))]
async fn read_stream(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    let mut seen = Seen::new("task: changed_async, borrow");
    while rx.changed_async().await.is_ok() {
        seen.saw(rx.borrow().n());
    }
    (seen, rx)
}

/// A task reader whose futures are often cancelled: polled once and
/// dropped, or polled once, left over a yield (perhaps woken meanwhile)
/// and dropped; every third wait is awaited to its end.
async fn read_cancelling(mut rx: Receiver<Value>) -> (Seen, Receiver<Value>) {
    let mut seen = Seen::new("task: cancelled futures");
    let mut i = 0u64;
    loop {
        i += 1;
        let last = seen.last;
        let got: Option<Result<u64, tidings::RecvError>> = match i % 4 {
            0 => {
                let mut fut = rx.changed_async();
                match poll_once(&mut fut).await {
                    Poll::Ready(r) => {
                        drop(fut);
                        Some(r.map(|()| rx.borrow_and_update().n()))
                    }
                    Poll::Pending => None,
                }
            }
            1 => {
                let mut fut = rx.wait_for_async(|v| v.n() > last);
                match poll_once(&mut fut).await {
                    Poll::Ready(r) => Some(r.map(|r| r.n())),
                    Poll::Pending => {
                        tokio::task::yield_now().await;
                        None
                    }
                }
            }
            2 => {
                let mut fut = rx.changed_async();
                match poll_once(&mut fut).await {
                    Poll::Ready(r) => {
                        drop(fut);
                        Some(r.map(|()| rx.borrow_and_update().n()))
                    }
                    Poll::Pending => {
                        tokio::task::yield_now().await;
                        None
                    }
                }
            }
            _ => Some(
                rx.changed_async()
                    .await
                    .map(|()| rx.borrow_and_update().n()),
            ),
        };
        match got {
            Some(Ok(n)) => seen.saw(n),
            Some(Err(_)) => return (seen, rx),
            None => tokio::task::yield_now().await,
        }
    }
}

/// Polls `fut` once, from inside a task.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    futures::poll!(fut)
}

/// Waits for the eight readers' results, failing on a reader that does
/// not end (a lost wakeup).
fn collect(
    results: &std_mpsc::Receiver<(Seen, Receiver<Value>)>,
    n: usize,
) -> Vec<(Seen, Receiver<Value>)> {
    (0..n)
        .map(|i| {
            results.recv_timeout(HANG).unwrap_or_else(|_| {
                panic!("{i} of {n} readers ended; the others hang (a lost wakeup?)")
            })
        })
        .collect()
}

#[test]
fn four_writers_and_eight_readers_see_a_value_that_never_decreases() {
    let per_writer = writes();
    let rt = runtime();
    let numbers = Numbers::new();
    let (tx, rx) = watch::channel(Value::new(0));
    let (results_tx, results) = std_mpsc::channel();

    // The readers, all before the first write.
    type ThreadReader = fn(Receiver<Value>) -> (Seen, Receiver<Value>);
    let thread_readers: [ThreadReader; 4] = [
        read_changed,
        read_changed_timeout,
        read_wait_for,
        read_has_changed,
    ];
    let reader_threads: Vec<_> = thread_readers
        .into_iter()
        .map(|read| {
            let rx = rx.clone();
            let results_tx = results_tx.clone();
            thread::spawn(move || results_tx.send(read(rx)).unwrap())
        })
        .collect();
    {
        let send = |results_tx: std_mpsc::Sender<_>, out| {
            let _ = results_tx.send(out);
        };
        let r = results_tx.clone();
        let rx1 = rx.clone();
        rt.spawn(async move { send(r, read_changed_async(rx1).await) });
        let r = results_tx.clone();
        let rx2 = rx.clone();
        rt.spawn(async move { send(r, read_wait_for_async(rx2).await) });
        let r = results_tx.clone();
        let rx3 = rx.clone();
        rt.spawn(async move { send(r, read_stream(rx3).await) });
        let r = results_tx;
        let rx4 = rx.clone();
        rt.spawn(async move { send(r, read_cancelling(rx4).await) });
    }
    drop(rx);

    // The writers.
    let writer_threads: Vec<_> = (0..2u64)
        .map(|w| {
            let (tx, numbers) = (tx.clone(), numbers.clone());
            thread::spawn(move || {
                for i in 0..per_writer {
                    numbers.write(&tx, i + w);
                    if i % 64 == 0 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let writer_tasks: Vec<_> = (2..4u64)
        .map(|w| {
            let (tx, numbers) = (tx.clone(), numbers.clone());
            rt.spawn(async move {
                for i in 0..per_writer {
                    numbers.write(&tx, i + w);
                    if i % 16 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    drop(tx);
    for w in writer_threads {
        w.join().unwrap();
    }
    rt.block_on(async {
        for w in writer_tasks {
            w.await.unwrap();
        }
    });
    let last = numbers.next.load(SeqCst);
    assert_eq!(last, 4 * per_writer);

    // Every reader ends at the last number, then sees the end.
    let seen = collect(&results, 8);
    for r in reader_threads {
        r.join().unwrap();
    }
    for (seen, rx) in &seen {
        seen.check(rx, last);
    }
}

#[test]
fn the_last_sender_dropped_while_threads_and_tasks_wait() {
    let rt = runtime();
    for round in 0..rounds() as u64 {
        let (tx, rx) = watch::channel(0u64);
        let tx2 = tx.clone();
        let (results_tx, results) = std_mpsc::channel::<(&str, u64)>();
        for how in 0..2 {
            let (mut rx, results_tx) = (rx.clone(), results_tx.clone());
            thread::spawn(move || {
                let mut last = 0;
                if how == 0 {
                    while rx.changed().is_ok() {
                        last = *rx.borrow_and_update();
                    }
                } else {
                    while let Ok(r) = rx.wait_for(|v| *v > last) {
                        last = *r;
                    }
                }
                results_tx.send(("thread", last)).unwrap();
            });
        }
        for how in 0..2 {
            let (mut rx, results_tx) = (rx.clone(), results_tx.clone());
            rt.spawn(async move {
                let mut last = 0;
                if how == 0 {
                    while rx.changed_async().await.is_ok() {
                        last = *rx.borrow_and_update();
                    }
                } else {
                    while let Ok(r) = rx.wait_for_async(|v| *v > last).await {
                        last = *r;
                    }
                }
                results_tx.send(("task", last)).unwrap();
            });
        }
        drop(results_tx);
        drop(rx);
        // The two senders race: each sends, then goes.
        let final_value = 2 + round;
        let other = thread::spawn(move || {
            tx2.send_modify(|v| *v = (*v).max(1));
        });
        tx.send_modify(|v| *v = (*v).max(final_value));
        other.join().unwrap();
        drop(tx);
        for _ in 0..4 {
            let (who, last) = results
                .recv_timeout(HANG)
                .unwrap_or_else(|_| panic!("round {round}: a waiter hangs"));
            assert_eq!(last, final_value, "round {round}: a {who}");
        }
    }
}

#[test]
fn the_last_receivers_dropped_while_a_thread_and_a_task_wait_for_the_close() {
    let rt = runtime();
    for round in 0..rounds() {
        let (tx, rx) = watch::channel(0u8);
        let mut receivers: Vec<_> = (0..3).map(|_| rx.clone()).collect();
        receivers.push(rx);
        let tx = Arc::new(tx);
        let waiter = {
            let tx = tx.clone();
            thread::spawn(move || tx.closed_deadline(Instant::now() + HANG))
        };
        let (done_tx, done) = std_mpsc::channel();
        let task = {
            let tx = tx.clone();
            rt.spawn(async move {
                tx.closed_async().await;
                done_tx.send(()).unwrap();
            })
        };
        let droppers: Vec<_> = receivers
            .into_iter()
            .map(|rx| {
                let tx = tx.clone();
                thread::spawn(move || {
                    // Sends go through until the last receiver is gone.
                    let _ = tx.send(1);
                    drop(rx);
                })
            })
            .collect();
        for d in droppers {
            d.join().unwrap();
        }
        assert!(waiter.join().unwrap(), "round {round}: the thread's wait");
        done.recv_timeout(HANG)
            .unwrap_or_else(|_| panic!("round {round}: the task's wait hangs"));
        rt.block_on(task).unwrap();
        assert!(tx.is_closed());
    }
}

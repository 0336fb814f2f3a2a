//! Stress tests of `tidings::broadcast`: two senders (a thread with blocking
//! `send`, timeouts and `try_send`; a tokio task with `send_async`, send
//! futures cancelled after a few polls or left after one) and four
//! receivers from the start (two threads with blocking `recv`, tiny
//! timeouts and `try_recv`; two tasks, on tokio and on an async-executor
//! thread, with `recv_async` futures cancelled after a few polls, or polled
//! once, left until woken and dropped), on both policies: backpressure
//! (`broadcast::channel`) and lagging (`broadcast::lagging`).
//!
//! Every message carries its sender and that sender's sequence number, and
//! counts its clones and drops (originals and clones apart). A send future
//! dropped before it completed either sent its message or withdrew it (and
//! dropped it, in the future's drop: that is how the sender tells); then
//! the sender makes that message again and sends it anew. Each receiver
//! keeps the list of what it got (messages and `Lagged(n)`), and its
//! position in the channel: the number of messages sent before the one it
//! reads next, that is messages received plus the lags it was told. The
//! checks at the end prove:
//!
//! - every original and every clone was dropped exactly once, each
//!   message was cloned once for each receiver that got a clone of it, and
//!   at most one receiver got the original (the last reader, which the
//!   channel moves it to); with backpressure and no receiver dropped early,
//!   exactly one did, so the clones add up to (receivers - 1) per message;
//! - every receiver saw each sender's messages in that sender's order, each
//!   at most once; with backpressure with no gap, from the first message
//!   sent after it subscribed to the last one (and the sums of the ids
//!   agree); lagging, its messages plus its lags add up to the messages
//!   sent from where it started;
//! - all receivers agree on the channel's order: the message a receiver
//!   read at a position (counted with its lags) is the one every other
//!   receiver read there, and with backpressure every position is filled
//!   once. So a wrong `Lagged(n)`, a lost or doubled message, or a reorder
//!   shows up.
//!
//! Variants: capacity 1 and larger; receivers dropped mid-stream, each
//! once it is the slowest (the only reader left of the messages held: with
//! backpressure the senders wait for it, and its drop alone must let them
//! in); receivers subscribed mid-stream (by the main thread
//! while the senders paused, from a known position; by the sender thread
//! while the other sender sends, from a position found at the end) and a
//! receiver cloned mid-stream.
//!
//! Lost wakeups show as hangs, and the traffic hides them (the next message
//! wakes everyone), so the senders stop now and then, together, until every
//! receiver has read every message sent so far ("rounds"): with nobody
//! sending, only the channel's own wakeups bring the receivers to the last
//! messages. A run in which nothing moves for a minute fails with what
//! every worker was doing.
//!
//! Size: `TIDINGS_STRESS_MESSAGES` messages per test, in total (half from
//! each sender; every receiver reads them all; default 100,000, 64 under
//! miri); the full-size run is 1,000,000 in release mode
//! (`TIDINGS_STRESS_MESSAGES=1000000 cargo test --release --all-features
//! --test broadcast_stress`, about 15 s on 2 cores). The tests that drop
//! receivers or subscribe mid-stream run half as many. The tests of
//! capacity 1 with backpressure run a quarter as many (an eighth with
//! receivers coming or going): there every message waits for the slowest
//! of four or more receivers, handed over one at a time (a few microseconds
//! each on a small machine). Never fewer than 16.
//! `TIDINGS_STRESS_SEED` fixes the seed of the random choices (the
//! interleaving of the threads stays up to the OS); a failing test prints
//! the seed it ran with. `TIDINGS_STRESS_STALL_SECS` sets how long a run
//! may go without progress before it is called hung (default 60).

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::panic::resume_unwind;
use std::pin::Pin;
use std::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering::SeqCst,
};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures::future::{poll_fn, select, Either};
use tidings::broadcast::{self, Receiver, RecvError, RecvTimeoutError, Sender, TryRecvError};
use tidings::{SendError, SendTimeoutError, TrySendError};

// ----- size, seed, policies -----

/// Messages per stress test: `TIDINGS_STRESS_MESSAGES`, or a size that
/// keeps a debug `cargo test` (and miri) quick.
fn messages() -> usize {
    match std::env::var("TIDINGS_STRESS_MESSAGES") {
        Ok(n) => n
            .trim()
            .replace('_', "")
            .parse()
            .expect("TIDINGS_STRESS_MESSAGES must be a number"),
        Err(_) if cfg!(miri) => 64,
        Err(_) => 100_000,
    }
}

/// The seed: `TIDINGS_STRESS_SEED`, or a random one.
fn seed() -> u64 {
    match std::env::var("TIDINGS_STRESS_SEED") {
        Ok(seed) => seed
            .trim()
            .parse()
            .expect("TIDINGS_STRESS_SEED must be a u64"),
        Err(_) => RandomState::new().build_hasher().finish(),
    }
}

/// How long the test waits without any progress before it calls the run
/// hung (a lost wakeup, a stranded message, a sender stuck on room that
/// never comes), and fails with what every worker was doing instead of
/// hanging CI. Not a timing assertion: progress is counted in messages,
/// and a minute without one is a hang.
fn stall_limit() -> Duration {
    let secs = std::env::var("TIDINGS_STRESS_STALL_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    /// `broadcast::channel(cap)`.
    Backpressure(usize),
    /// `broadcast::lagging(cap)`.
    Lagging(usize),
}

impl Policy {
    fn channel<T: Clone>(self) -> (Sender<T>, Receiver<T>) {
        match self {
            Policy::Backpressure(cap) => broadcast::channel(cap),
            Policy::Lagging(cap) => broadcast::lagging(cap),
        }
    }

    fn lagging(self) -> bool {
        matches!(self, Policy::Lagging(_))
    }

    fn cap(self) -> u64 {
        match self {
            Policy::Backpressure(cap) | Policy::Lagging(cap) => cap as u64,
        }
    }
}

/// What happens besides the six workers sending and reading to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Nothing: the four receivers read to the end.
    Drain,
    /// Receiver thread 1 and the async-executor receiver task drop their
    /// receivers after an eighth to a quarter of the messages; the senders
    /// must go on (with backpressure: the room held for them is freed).
    DropReceivers,
    /// Three more receivers: one subscribed by the main thread while the
    /// senders paused (it starts where they stopped), one subscribed by
    /// the sender thread while the other sender sends, one cloned from the
    /// tokio receiver task's receiver (it starts where that one is).
    Subscribe,
}

// ----- random choices -----

/// xorshift64*: small, deterministic, good enough for picking operations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        // splitmix64 of the seed and the stream, never zero.
        let mut z = seed ^ stream.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        (self.next() >> 32) % n
    }

    /// A number in `from..to` (`from` if the range is empty).
    fn between(&mut self, from: u64, to: u64) -> u64 {
        from + self.below((to - from).max(1))
    }

    /// A timeout short enough to run out now and then: 0 to 49 µs.
    fn tiny(&mut self) -> Duration {
        Duration::from_micros(self.below(50))
    }
}

/// A future that is pending `n` times (waking itself each time), then
/// ready: the other side of a `select` that cancels a send or a receive
/// after a random number of polls.
struct YieldNow(u64);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A waker that notes that it was woken, then wakes the task's own waker.
#[derive(Debug, Default)]
struct WokenFlag {
    woken: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl WokenFlag {
    /// Polls `fut` once with a waker that sets this flag and wakes the
    /// task of `cx`.
    fn poll_with<F: Future + Unpin>(
        self: &Arc<Self>,
        fut: &mut F,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        let waker = Waker::from(self.clone());
        Pin::new(fut).poll(&mut Context::from_waker(&waker))
    }

    fn is_set(&self) -> bool {
        self.woken.load(SeqCst)
    }

    /// Waits until the flag is set.
    async fn set(&self) {
        poll_fn(|cx| {
            *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
            if self.is_set() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

impl Wake for WokenFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, SeqCst);
        if let Some(task) = &*self.task.lock().unwrap_or_else(|e| e.into_inner()) {
            task.wake_by_ref();
        }
    }
}

// ----- workers -----

const SENDERS: usize = 2;

/// The workers, in the order of their indexes.
const WORKERS: [&str; 9] = [
    "sender thread",
    "sender task (tokio)",
    "receiver thread 0",
    "receiver thread 1",
    "receiver task (tokio)",
    "receiver task (async-executor)",
    "subscriber task (async-executor), subscribed while the senders paused",
    "subscriber thread, subscribed by the sender thread while the other sends",
    "clone thread, cloned from the tokio receiver task's receiver",
];
const SENDER_THREAD: usize = 0;
const SENDER_TASK: usize = 1;
const RX_THREAD_0: usize = 2;
const RX_THREAD_1: usize = 3;
const RX_TOKIO: usize = 4;
const RX_EXECUTOR: usize = 5;
const SUBSCRIBED_PAUSED: usize = 6;
const SUBSCRIBED_RACING: usize = 7;
const CLONED: usize = 8;

/// What each worker was doing last, for the report of a hung run.
const PHASES: [&str; 19] = [
    "not started",
    "send",
    "send_timeout",
    "send_deadline",
    "try_send",
    "send_async",
    "send_async in a select",
    "send_async polled once, then left",
    "recv",
    "recv_timeout",
    "recv_deadline",
    "try_recv",
    "recv_async",
    "recv_async in a select",
    "recv_async polled once, waiting to be woken",
    "dawdling",
    "waiting at the end of a round",
    "done",
    "waiting to be the slowest receiver, to drop its receiver",
];
const SEND: u8 = 1;
const SEND_TIMEOUT: u8 = 2;
const SEND_DEADLINE: u8 = 3;
const TRY_SEND: u8 = 4;
const SEND_ASYNC: u8 = 5;
const SEND_SELECT: u8 = 6;
const SEND_LEFT: u8 = 7;
const RECV: u8 = 8;
const RECV_TIMEOUT: u8 = 9;
const RECV_DEADLINE: u8 = 10;
const TRY_RECV: u8 = 11;
const RECV_ASYNC: u8 = 12;
const RECV_SELECT: u8 = 13;
const RECV_LEFT: u8 = 14;
const DAWDLE: u8 = 15;
const ROUND: u8 = 16;
const DONE: u8 = 17;
const LEAVE: u8 = 18;

/// A receiver position not known (yet).
const UNKNOWN: u64 = u64::MAX;
/// In a receiver's list of events: a lag of the low bits, not a message id.
const LAG: u64 = 1 << 63;

// ----- the ledger -----

/// What happened to the messages of one id (one sender's sequence number).
#[derive(Debug, Default)]
struct Record {
    /// Originals made: one, plus one per send future that was dropped with
    /// its message withdrawn (the sender then makes it again).
    made: AtomicU32,
    /// Originals dropped.
    original_drops: AtomicU32,
    /// Clones made.
    clones: AtomicU32,
    /// Clones dropped.
    clone_drops: AtomicU32,
    /// Receivers that got it (original or clone).
    receives: AtomicU32,
    /// Receivers that got the original (the last reader).
    original_receives: AtomicU32,
}

/// Shared by every worker and every message of one run.
#[derive(Debug)]
struct Ledger {
    policy: Policy,
    mode: Mode,
    seed: u64,
    /// Messages per sender; sender `s` sends sequence numbers
    /// `0..per_sender`, with the ids `s * per_sender + seq`.
    per_sender: u64,
    records: Box<[Record]>,
    made: AtomicU64,
    clones: AtomicU64,
    drops: AtomicU64,
    withdrawn: AtomicU64,
    /// Messages each sender has sent (its next sequence number).
    sent: [AtomicU64; SENDERS],
    /// Messages received, by every receiver together.
    received: AtomicU64,
    /// Messages missed (the sum of the `Lagged(n)`), by every receiver.
    lagged: AtomicU64,
    /// Each receiver's position (`UNKNOWN` if it started at an unknown one).
    positions: [AtomicU64; WORKERS.len()],
    /// Whether each receiver is there (the end of a round waits for it).
    live: [AtomicBool; WORKERS.len()],
    /// Senders that arrived at the end of the current round.
    arrived: AtomicUsize,
    /// Rounds over so far.
    rounds: AtomicU64,
    /// Senders that sent all their messages.
    senders_done: AtomicUsize,
    /// Tasks waiting for a round to end.
    waiting: Mutex<Vec<Waker>>,
    phases: [AtomicU8; WORKERS.len()],
    /// Workers made, and workers finished (dropped, also by a panic).
    spawned: AtomicUsize,
    finished: AtomicUsize,
    /// Threads spawned by workers (the racing subscriber, the clone).
    threads: Mutex<Vec<thread::JoinHandle<Report>>>,
    /// Whether a receiver was found past the messages sent (reported once).
    overshot: AtomicBool,
    errors: Mutex<Vec<String>>,
    error_count: AtomicUsize,
}

impl Ledger {
    fn new(policy: Policy, mode: Mode, seed: u64, per_sender: u64) -> Self {
        let ids = SENDERS * per_sender as usize;
        Self {
            policy,
            mode,
            seed,
            per_sender,
            records: (0..ids).map(|_| Record::default()).collect(),
            made: AtomicU64::new(0),
            clones: AtomicU64::new(0),
            drops: AtomicU64::new(0),
            withdrawn: AtomicU64::new(0),
            sent: Default::default(),
            received: AtomicU64::new(0),
            lagged: AtomicU64::new(0),
            positions: std::array::from_fn(|_| AtomicU64::new(UNKNOWN)),
            live: Default::default(),
            arrived: AtomicUsize::new(0),
            rounds: AtomicU64::new(0),
            senders_done: AtomicUsize::new(0),
            waiting: Mutex::new(Vec::new()),
            phases: Default::default(),
            spawned: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            threads: Mutex::new(Vec::new()),
            overshot: AtomicBool::new(false),
            errors: Mutex::new(Vec::new()),
            error_count: AtomicUsize::new(0),
        }
    }

    fn total(&self) -> u64 {
        SENDERS as u64 * self.per_sender
    }

    fn id(&self, sender: usize, seq: u64) -> usize {
        sender * self.per_sender as usize + seq as usize
    }

    /// Records a broken rule. Workers and message drops never panic (a
    /// panic inside the channel's code would muddle the report); the
    /// checks at the end fail with every error recorded.
    fn error(&self, what: String) {
        self.error_count.fetch_add(1, SeqCst);
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        if errors.len() < 20 {
            errors.push(what);
        }
    }

    fn sent_total(&self) -> u64 {
        self.sent.iter().map(|s| s.load(SeqCst)).sum()
    }

    /// Grows while the run moves.
    fn progress(&self) -> u64 {
        self.made.load(SeqCst) + self.received.load(SeqCst) + self.lagged.load(SeqCst)
    }

    /// A sender arrives at the end of a round; returns the round to wait
    /// out.
    fn arrive(&self) -> u64 {
        let round = self.rounds.load(SeqCst);
        self.arrived.fetch_add(1, SeqCst);
        round
    }

    /// Whether the round can end (asked by the main thread): every sender
    /// waits at its end and every receiver there is (of a known position)
    /// has read every message sent. With the senders waiting, nothing but
    /// the channel's own wakeups gets the receivers to the last messages,
    /// so a lost wakeup stops the run here, and the watchdog reports it.
    /// Returns the number of messages sent.
    fn round_can_end(&self) -> Option<u64> {
        if self.arrived.load(SeqCst) < SENDERS {
            return None;
        }
        let sent = self.sent_total();
        let mut behind = false;
        for (index, (position, live)) in self.positions.iter().zip(&self.live).enumerate() {
            let position = position.load(SeqCst);
            if !live.load(SeqCst) || position == UNKNOWN {
                continue;
            }
            behind |= position < sent;
            if position > sent && !self.overshot.swap(true, SeqCst) {
                // Its lags and messages add up to more than was sent.
                self.error(format!(
                    "{} is at position {position}, past the {sent} messages sent",
                    WORKERS[index]
                ));
            }
        }
        (!behind).then_some(sent)
    }

    fn end_round(&self) {
        self.arrived.store(0, SeqCst);
        self.rounds.fetch_add(1, SeqCst);
        let waiting = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()));
        for waker in waiting {
            waker.wake();
        }
    }

    fn wait_round_blocking(&self, round: u64) {
        while self.rounds.load(SeqCst) == round {
            thread::sleep(Duration::from_micros(100));
        }
    }

    fn wait_round(&self, round: u64) -> RoundOver<'_> {
        RoundOver {
            ledger: self,
            round,
        }
    }
}

/// The future of [`Ledger::wait_round`]: the main thread wakes it.
struct RoundOver<'a> {
    ledger: &'a Ledger,
    round: u64,
}

impl Future for RoundOver<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let over = || self.ledger.rounds.load(SeqCst) != self.round;
        if over() {
            return Poll::Ready(());
        }
        let mut waiting = self
            .ledger
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
            waiting.push(cx.waker().clone());
        }
        drop(waiting);
        if over() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Where the senders stop until every receiver has read every message
/// sent so far: after every `every` messages up to `upto`, and after their
/// last one.
#[derive(Clone, Copy, Debug)]
struct Rounds {
    every: u64,
    upto: u64,
}

impl Rounds {
    fn new(per_sender: u64) -> Self {
        // About 256 rounds.
        Self {
            every: (per_sender / 256).max(4),
            upto: per_sender,
        }
    }

    /// How many rounds end with messages still to send.
    fn midway(self) -> u64 {
        (self.upto - 1) / self.every
    }
}

// ----- messages -----

thread_local! {
    /// Set around the drop of a send future that did not complete: the id
    /// of its message.
    static WITHDRAWING: Cell<Option<usize>> = const { Cell::new(None) };
    /// Set when that message (the original) was dropped with the future:
    /// it was withdrawn, not sent. The future drops it on this thread, in
    /// its own drop; a sent message is never dropped there.
    static WITHDRAWN: Cell<bool> = const { Cell::new(false) };
}

/// Drops a send future that did not complete; returns whether its message
/// was withdrawn (dropped with it) rather than sent.
fn drop_send<F>(send: F, id: usize) -> bool {
    WITHDRAWING.with(|w| w.set(Some(id)));
    WITHDRAWN.with(|w| w.set(false));
    drop(send);
    WITHDRAWING.with(|w| w.set(None));
    WITHDRAWN.with(|w| w.replace(false))
}

/// A message: its sender and sequence number; it counts its clones and its
/// drops.
#[derive(Debug)]
struct Msg {
    sender: usize,
    seq: u64,
    /// Made by the sender (not a clone).
    original: bool,
    ledger: Arc<Ledger>,
}

impl Msg {
    fn id(&self) -> usize {
        self.ledger.id(self.sender, self.seq)
    }

    fn record(&self) -> &Record {
        &self.ledger.records[self.id()]
    }
}

impl Clone for Msg {
    fn clone(&self) -> Self {
        self.record().clones.fetch_add(1, SeqCst);
        self.ledger.clones.fetch_add(1, SeqCst);
        Self {
            sender: self.sender,
            seq: self.seq,
            original: false,
            ledger: self.ledger.clone(),
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if self.original {
            self.record().original_drops.fetch_add(1, SeqCst);
            let id = self.id();
            let withdrawing = WITHDRAWING.try_with(|w| w.get() == Some(id));
            if withdrawing == Ok(true) && WITHDRAWN.with(|w| w.replace(true)) {
                self.ledger.error(format!(
                    "message {id}: two originals dropped by one send future"
                ));
            }
        } else {
            self.record().clone_drops.fetch_add(1, SeqCst);
        }
        self.ledger.drops.fetch_add(1, SeqCst);
    }
}

// ----- workers -----

/// What one worker did, for the report.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    /// Senders: messages sent; receivers: messages received.
    messages: u64,
    /// Receivers: how many of those were clones (the rest were originals).
    clones: u64,
    /// Receivers: `Lagged(n)` errors, and the sum of their `n`.
    lags: u64,
    lagged: u64,
    /// Timeouts, and `try_` calls that found the channel full or empty.
    missed: u64,
    /// Send or receive futures dropped before they completed.
    cancelled: u64,
    /// Cancelled send futures whose message had gone in anyway.
    cancelled_but_sent: u64,
    /// Cancelled send futures whose message was withdrawn.
    withdrawn: u64,
    /// Receive futures dropped unpolled after they were woken.
    woken_then_dropped: u64,
}

/// What a receiver got, for the checks at the end.
#[derive(Debug, Default)]
struct Events {
    /// Where it started: the number of messages sent before its first
    /// (`None`: subscribed at a position not known; found at the end).
    offset: Option<u64>,
    /// Message ids, and lags (`LAG | n`), in the order it got them.
    list: Vec<u64>,
    /// Whether it read to the end (`Disconnected`).
    to_end: bool,
}

/// What a worker hands back.
#[derive(Debug)]
struct Report {
    index: usize,
    stats: Stats,
    events: Option<Events>,
}

/// One worker's view of the run: its ledger, its random choices, its
/// stats. Making one counts a worker; dropping it (also when the worker
/// panics) counts it as finished.
struct Worker {
    ledger: Arc<Ledger>,
    index: usize,
    rng: Rng,
    stats: Stats,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.phase(DONE);
        self.ledger.finished.fetch_add(1, SeqCst);
    }
}

impl Worker {
    fn new(ledger: &Arc<Ledger>, index: usize) -> Self {
        ledger.spawned.fetch_add(1, SeqCst);
        Self {
            ledger: ledger.clone(),
            index,
            rng: Rng::new(ledger.seed, index as u64),
            stats: Stats::default(),
        }
    }

    fn phase(&self, phase: u8) {
        self.ledger.phases[self.index].store(phase, SeqCst);
    }

    fn error(&self, what: &str) {
        self.ledger
            .error(format!("{}: {what}", WORKERS[self.index]));
    }
}

/// A sender's worker.
struct Producer {
    w: Worker,
    sender: usize,
    rounds: Rounds,
}

impl Producer {
    fn make(&mut self, seq: u64) -> Msg {
        let ledger = &self.w.ledger;
        ledger.records[ledger.id(self.sender, seq)]
            .made
            .fetch_add(1, SeqCst);
        ledger.made.fetch_add(1, SeqCst);
        Msg {
            sender: self.sender,
            seq,
            original: true,
            ledger: ledger.clone(),
        }
    }

    fn sent(&mut self, seq: u64) {
        self.w.stats.messages += 1;
        let before = self.w.ledger.sent[self.sender].swap(seq + 1, SeqCst);
        if before != seq {
            self.w
                .error(&format!("sent {seq} after {before} messages (test bug)"));
        }
    }

    /// A send future was dropped before it completed; returns whether its
    /// message went in anyway (else it was withdrawn and dropped).
    fn cancelled<F>(&mut self, send: F, id: usize) -> bool {
        self.w.stats.cancelled += 1;
        if drop_send(send, id) {
            self.w.stats.withdrawn += 1;
            self.w.ledger.withdrawn.fetch_add(1, SeqCst);
            false
        } else {
            self.w.stats.cancelled_but_sent += 1;
            true
        }
    }

    /// Every receiver is alive to the end in these runs, so a send never
    /// finds the channel disconnected; if one does, the sender stops.
    fn disconnected(&mut self, msg: Msg) {
        self.w.error(&format!(
            "a send of {}:{} failed as disconnected while receivers were alive",
            msg.sender, msg.seq
        ));
    }

    fn at_round_end(&self) -> bool {
        let sent = self.w.stats.messages;
        sent % self.rounds.every == 0 && sent <= self.rounds.upto
    }
}

fn sender_thread(
    tx: Sender<Msg>,
    mut p: Producer,
    subscribe_at: Option<u64>,
    lagging: bool,
) -> Report {
    'messages: for seq in 0..p.rounds.upto {
        if subscribe_at == Some(seq) {
            // A subscriber from a position not known: the other sender is
            // sending. It sees this sender's messages from `seq` on.
            let rx = tx.subscribe();
            let r = Reader::new(
                &p.w.ledger,
                SUBSCRIBED_RACING,
                None,
                [Some(seq), None],
                None,
                None,
            );
            let handle = thread::spawn(move || receiver_thread(rx, r));
            p.w.ledger
                .threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(handle);
        }
        let mut msg = p.make(seq);
        loop {
            let result = match p.w.rng.below(16) {
                0..=7 => {
                    p.w.phase(SEND);
                    tx.send(msg)
                        .map_err(|SendError(msg)| SendTimeoutError::Disconnected(msg))
                }
                8..=11 => {
                    p.w.phase(SEND_TIMEOUT);
                    let timeout = p.w.rng.tiny();
                    tx.send_timeout(msg, timeout)
                }
                12 => {
                    p.w.phase(SEND_DEADLINE);
                    let deadline = Instant::now() + p.w.rng.tiny();
                    tx.send_deadline(msg, deadline)
                }
                _ => {
                    p.w.phase(TRY_SEND);
                    tx.try_send(msg).map_err(|err| match err {
                        TrySendError::Full(msg) => SendTimeoutError::Timeout(msg),
                        TrySendError::Disconnected(msg) => SendTimeoutError::Disconnected(msg),
                    })
                }
            };
            match result {
                Ok(()) => break,
                Err(SendTimeoutError::Timeout(back)) => {
                    if lagging {
                        p.w.error("a send on a lagging channel found it full");
                    }
                    p.w.stats.missed += 1;
                    msg = back;
                    if p.w.rng.below(2) == 0 {
                        thread::yield_now();
                    }
                }
                Err(SendTimeoutError::Disconnected(back)) => {
                    p.disconnected(back);
                    break 'messages;
                }
            }
        }
        p.sent(seq);
        if p.at_round_end() {
            p.w.phase(ROUND);
            let round = p.w.ledger.arrive();
            p.w.ledger.wait_round_blocking(round);
        }
    }
    p.w.ledger.senders_done.fetch_add(1, SeqCst);
    p.w.phase(ROUND);
    let round = p.w.ledger.arrive();
    p.w.ledger.wait_round_blocking(round);
    drop(tx);
    Report {
        index: p.w.index,
        stats: p.w.stats,
        events: None,
    }
}

async fn sender_task(tx: Sender<Msg>, mut p: Producer, lagging: bool) -> Report {
    'messages: for seq in 0..p.rounds.upto {
        let mut msg = p.make(seq);
        loop {
            let id = msg.id();
            let result = match p.w.rng.below(16) {
                0..=6 => {
                    p.w.phase(SEND_ASYNC);
                    tx.send_async(msg).await
                }
                7..=10 => {
                    // Cancelled after 0 to 3 more polls, unless it completes
                    // first.
                    p.w.phase(SEND_SELECT);
                    let polls = p.w.rng.below(4);
                    match select(tx.send_async(msg), YieldNow(polls)).await {
                        Either::Left((result, _)) => result,
                        Either::Right(((), send)) => {
                            if p.cancelled(send, id) {
                                Ok(())
                            } else {
                                msg = p.make(seq);
                                continue;
                            }
                        }
                    }
                }
                11..=12 => {
                    // Polled once, then left alone for a while (a receiver
                    // may move its message in meanwhile) and dropped
                    // unpolled.
                    p.w.phase(SEND_LEFT);
                    let mut send = tx.send_async(msg);
                    match futures::poll!(&mut send) {
                        Poll::Ready(result) => result,
                        Poll::Pending => {
                            YieldNow(p.w.rng.below(8)).await;
                            if p.cancelled(send, id) {
                                Ok(())
                            } else {
                                msg = p.make(seq);
                                continue;
                            }
                        }
                    }
                }
                _ => {
                    p.w.phase(TRY_SEND);
                    match tx.try_send(msg) {
                        Ok(()) => Ok(()),
                        Err(TrySendError::Disconnected(back)) => Err(SendError(back)),
                        Err(TrySendError::Full(back)) => {
                            if lagging {
                                p.w.error("try_send on a lagging channel found it full");
                            }
                            p.w.stats.missed += 1;
                            msg = back;
                            YieldNow(1).await;
                            continue;
                        }
                    }
                }
            };
            match result {
                Ok(()) => break,
                Err(SendError(back)) => {
                    p.disconnected(back);
                    break 'messages;
                }
            }
        }
        p.sent(seq);
        if p.at_round_end() {
            p.w.phase(ROUND);
            let round = p.w.ledger.arrive();
            p.w.ledger.wait_round(round).await;
        }
        if p.w.rng.below(8) == 0 {
            YieldNow(1).await;
        }
    }
    p.w.ledger.senders_done.fetch_add(1, SeqCst);
    p.w.phase(ROUND);
    let round = p.w.ledger.arrive();
    p.w.ledger.wait_round(round).await;
    drop(tx);
    Report {
        index: p.w.index,
        stats: p.w.stats,
        events: None,
    }
}

/// A receiver's worker: what it got, and what it must get.
struct Reader {
    w: Worker,
    lagging: bool,
    events: Events,
    /// Its position less its offset: messages received plus lags.
    read: u64,
    /// The last sequence number it got from each sender.
    last: [Option<u64>; SENDERS],
    /// The first sequence number from each sender that was sent after it
    /// subscribed (where known): with backpressure the first it must get,
    /// lagging the least it may get.
    first: [Option<u64>; SENDERS],
    /// It drops its receiver once `read` reaches this (DropReceivers).
    leave_at: Option<u64>,
    /// It clones its receiver once `read` reaches this (Subscribe).
    clone_at: Option<u64>,
}

impl Reader {
    fn new(
        ledger: &Arc<Ledger>,
        index: usize,
        offset: Option<u64>,
        first: [Option<u64>; SENDERS],
        leave_at: Option<u64>,
        clone_at: Option<u64>,
    ) -> Self {
        let w = Worker::new(ledger, index);
        ledger.positions[index].store(offset.unwrap_or(UNKNOWN), SeqCst);
        ledger.live[index].store(true, SeqCst);
        Self {
            lagging: ledger.policy.lagging(),
            w,
            events: Events {
                offset,
                ..Events::default()
            },
            read: 0,
            last: [None; SENDERS],
            first,
            leave_at,
            clone_at,
        }
    }

    fn publish(&self) {
        if let Some(offset) = self.events.offset {
            self.w.ledger.positions[self.w.index].store(offset + self.read, SeqCst);
        }
    }

    fn message(&mut self, msg: Msg) {
        let (s, seq, id) = (msg.sender, msg.seq, msg.id());
        match (self.last[s], self.first[s]) {
            (Some(last), _) if seq <= last => self.w.error(&format!(
                "got {s}:{seq} after {s}:{last} (out of the sender's order, or twice)"
            )),
            (Some(last), _) if !self.lagging && seq != last + 1 => self.w.error(&format!(
                "got {s}:{seq} after {s}:{last}: missed {} messages with backpressure",
                seq - last - 1
            )),
            (None, Some(first)) if seq < first => self.w.error(&format!(
                "got {s}:{seq}, sent before it subscribed (the first it may get is {s}:{first})"
            )),
            (None, Some(first)) if !self.lagging && seq != first => self.w.error(&format!(
                "got {s}:{seq} first from sender {s}, with backpressure it must be {s}:{first}"
            )),
            _ => {}
        }
        self.last[s] = Some(seq);
        let record = msg.record();
        record.receives.fetch_add(1, SeqCst);
        if msg.original {
            record.original_receives.fetch_add(1, SeqCst);
        } else {
            self.w.stats.clones += 1;
        }
        self.w.stats.messages += 1;
        self.events.list.push(id as u64);
        self.read += 1;
        self.publish();
        self.w.ledger.received.fetch_add(1, SeqCst);
        drop(msg);
    }

    fn lagged(&mut self, missed: u64) {
        if !self.lagging {
            self.w
                .error(&format!("told Lagged({missed}) with backpressure"));
        }
        if missed == 0 {
            self.w.error("told Lagged(0)");
        }
        self.w.stats.lags += 1;
        self.w.stats.lagged += missed;
        self.events.list.push(LAG | missed);
        self.read += missed;
        self.publish();
        self.w.ledger.lagged.fetch_add(missed, SeqCst);
    }

    /// The receiver saw the end.
    fn disconnected(&mut self, rx: &mut Receiver<Msg>) {
        self.events.to_end = true;
        match rx.try_recv() {
            Err(TryRecvError::Disconnected) => {}
            Ok(msg) => {
                self.w
                    .error("a message was received after the channel reported disconnected");
                self.message(msg);
            }
            Err(other) => self.w.error(&format!(
                "try_recv() says {other:?} after a receive said disconnected"
            )),
        }
        if !rx.is_empty() {
            self.w.error(&format!(
                "disconnected, but len() is {} (not empty)",
                rx.len()
            ));
        }
        let total = self.w.ledger.total();
        if let Some(offset) = self.events.offset {
            if offset + self.read != total {
                self.w.error(&format!(
                    "read to the end at position {} (from {offset}: {} messages and {} \
                     lagged), but {total} messages were sent",
                    offset + self.read,
                    self.w.stats.messages,
                    self.w.stats.lagged,
                ));
            }
        }
        if !self.lagging {
            for (s, last) in self.last.iter().enumerate() {
                if *last != Some(self.w.ledger.per_sender - 1) {
                    self.w.error(&format!(
                        "with backpressure, the last it got from sender {s} is {last:?}, not \
                         {}",
                        self.w.ledger.per_sender - 1
                    ));
                }
            }
        }
    }

    fn leaving(&self) -> bool {
        self.leave_at.is_some_and(|at| self.read >= at)
    }

    /// Whether every other receiver is ahead of this one, as far as it
    /// can be: by the capacity, or to the last message sent. Then this one
    /// is the slowest, the only reader left of the messages held, and (with
    /// backpressure) the senders wait for it: dropping it must drop those
    /// messages and let the senders in, with no other receive to help.
    fn slowest(&self) -> bool {
        let Some(offset) = self.events.offset else {
            return true;
        };
        let ledger = &self.w.ledger;
        let me = offset + self.read;
        let ahead = (me + ledger.policy.cap()).min(ledger.sent_total());
        (ledger.positions.iter().zip(&ledger.live).enumerate()).all(|(index, (position, live))| {
            let position = position.load(SeqCst);
            index == self.w.index || !live.load(SeqCst) || position == UNKNOWN || position >= ahead
        })
    }

    /// How long a leaving receiver waits, at most, to be the slowest.
    const LEAVE_WAIT: Duration = Duration::from_millis(20);

    /// Clones `rx` into a new receiver thread, if it is time.
    fn maybe_clone(&mut self, rx: &Receiver<Msg>) {
        if !self.clone_at.is_some_and(|at| self.read >= at) {
            return;
        }
        self.clone_at = None;
        // It starts where this one is: the next sequence number of each
        // sender, where known, is the least it may get.
        let next = |s: usize| self.last[s].map(|last| last + 1).or(self.first[s]);
        let first = [next(0), next(1)];
        let offset = self.events.offset.map(|offset| offset + self.read);
        let clone = rx.clone();
        let r = Reader::new(&self.w.ledger, CLONED, offset, first, None, None);
        let handle = thread::spawn(move || receiver_thread(clone, r));
        self.w
            .ledger
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(handle);
    }

    /// Drops the receiver; the report.
    fn finish(mut self, rx: Receiver<Msg>) -> Report {
        self.w.ledger.live[self.w.index].store(false, SeqCst);
        drop(rx);
        Report {
            index: self.w.index,
            stats: self.w.stats,
            events: Some(std::mem::take(&mut self.events)),
        }
    }
}

fn receiver_thread(mut rx: Receiver<Msg>, mut r: Reader) -> Report {
    while !r.leaving() {
        r.maybe_clone(&rx);
        let got = match r.w.rng.below(16) {
            0..=7 => {
                r.w.phase(RECV);
                rx.recv().map_err(RecvTimeoutError::from)
            }
            8..=11 => {
                r.w.phase(RECV_TIMEOUT);
                let timeout = r.w.rng.tiny();
                rx.recv_timeout(timeout)
            }
            12 => {
                r.w.phase(RECV_DEADLINE);
                let deadline = Instant::now() + r.w.rng.tiny();
                rx.recv_deadline(deadline)
            }
            _ => {
                r.w.phase(TRY_RECV);
                match rx.try_recv() {
                    Ok(msg) => Ok(msg),
                    Err(TryRecvError::Lagged(missed)) => Err(RecvTimeoutError::Lagged(missed)),
                    Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
                    Err(TryRecvError::Empty) => {
                        r.w.stats.missed += 1;
                        thread::yield_now();
                        continue;
                    }
                }
            }
        };
        match got {
            Ok(msg) => r.message(msg),
            Err(RecvTimeoutError::Lagged(missed)) => r.lagged(missed),
            Err(RecvTimeoutError::Timeout) => r.w.stats.missed += 1,
            Err(RecvTimeoutError::Disconnected) => {
                r.disconnected(&mut rx);
                break;
            }
        }
        if r.leaving() {
            r.w.phase(LEAVE);
            let since = Instant::now();
            while !r.slowest() && since.elapsed() < Reader::LEAVE_WAIT {
                thread::sleep(Duration::from_micros(100));
            }
            break;
        }
        // Now and then a slow reader: the senders wait for it, or (lagging)
        // run ahead of it.
        if r.w.rng.below(128) == 0 {
            r.w.phase(DAWDLE);
            thread::sleep(Duration::from_micros(r.w.rng.below(100)));
        }
    }
    r.finish(rx)
}

async fn receiver_task(mut rx: Receiver<Msg>, mut r: Reader) -> Report {
    while !r.leaving() {
        r.maybe_clone(&rx);
        let got = match r.w.rng.below(16) {
            0..=6 => {
                r.w.phase(RECV_ASYNC);
                rx.recv_async().await
            }
            7..=11 => {
                // Cancelled after 0 to 3 more polls, unless it completes
                // first; a dropped receive future must not lose a message.
                r.w.phase(RECV_SELECT);
                let polls = r.w.rng.below(4);
                match select(rx.recv_async(), YieldNow(polls)).await {
                    Either::Left((got, _)) => got,
                    Either::Right(((), recv)) => {
                        drop(recv);
                        r.w.stats.cancelled += 1;
                        continue;
                    }
                }
            }
            12..=13 => {
                // Polled once, then left alone until it is woken (by the
                // next message, or the end) and dropped unpolled: the
                // message it was woken for must still be there.
                r.w.phase(RECV_LEFT);
                let mut recv = rx.recv_async();
                let woken = Arc::new(WokenFlag::default());
                let first = poll_fn(|cx| Poll::Ready(woken.poll_with(&mut recv, cx))).await;
                match first {
                    Poll::Ready(got) => got,
                    Poll::Pending => {
                        woken.set().await;
                        drop(recv);
                        r.w.stats.cancelled += 1;
                        r.w.stats.woken_then_dropped += 1;
                        continue;
                    }
                }
            }
            _ => {
                r.w.phase(TRY_RECV);
                match rx.try_recv() {
                    Ok(msg) => Ok(msg),
                    Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
                    Err(TryRecvError::Disconnected) => Err(RecvError::Disconnected),
                    Err(TryRecvError::Empty) => {
                        r.w.stats.missed += 1;
                        YieldNow(1).await;
                        continue;
                    }
                }
            }
        };
        match got {
            Ok(msg) => r.message(msg),
            Err(RecvError::Lagged(missed)) => r.lagged(missed),
            Err(RecvError::Disconnected) => {
                r.disconnected(&mut rx);
                break;
            }
        }
        if r.leaving() {
            r.w.phase(LEAVE);
            let since = Instant::now();
            while !r.slowest() && since.elapsed() < Reader::LEAVE_WAIT {
                YieldNow(1).await;
            }
            break;
        }
        if r.w.rng.below(64) == 0 {
            r.w.phase(DAWDLE);
            YieldNow(r.w.rng.below(16)).await;
        }
    }
    r.finish(rx)
}

// ----- a run -----

/// The outcome of a run.
#[derive(Debug, Default)]
struct Tally {
    /// Messages sent (per test: all of them).
    sent: u64,
    /// Originals made (sent, plus those withdrawn with a send future).
    made: u64,
    withdrawn: u64,
    clones: u64,
    /// Messages received, by every receiver together.
    received: u64,
    /// Messages received as originals (moved to the last reader).
    moved: u64,
    /// Messages missed (`Lagged`), by every receiver together.
    lagged: u64,
    receivers: usize,
}

/// Runs 2 senders and 4 receivers (7 in Subscribe mode) on one channel of
/// `policy` with `n` messages; checks everything, and returns the tally.
fn run(policy: Policy, mode: Mode, n: usize) -> Tally {
    assert!(n >= 16, "at least 16 messages");
    let seed = seed();
    let per_sender = (n / SENDERS) as u64;
    // Printed for a failing test (the harness shows a failing test's output).
    eprintln!("{policy:?} {mode:?}: {n} messages, TIDINGS_STRESS_SEED={seed}");
    let ledger = Arc::new(Ledger::new(policy, mode, seed, per_sender));
    let total = ledger.total();
    let rounds = Rounds::new(per_sender);
    let lagging = policy.lagging();

    let (tx, rx) = policy.channel::<Msg>();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let executor = Arc::new(async_executor::Executor::new());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let executor_thread = {
        let executor = executor.clone();
        thread::spawn(move || {
            futures_lite::future::block_on(executor.run(async move { stopped.await.ok() }))
        })
    };

    let mut choices = Rng::new(seed, 99);
    // DropReceivers: two receivers leave after an eighth to a quarter.
    let mut leave_at = |index: usize| {
        (mode == Mode::DropReceivers && (index == RX_THREAD_1 || index == RX_EXECUTOR))
            .then(|| choices.between(total / 8, total / 4).max(1))
    };
    let leave = [RX_THREAD_0, RX_THREAD_1, RX_TOKIO, RX_EXECUTOR].map(&mut leave_at);
    // Subscribe: the tokio receiver task clones its receiver somewhere in
    // the middle; the sender thread subscribes one at a third of its
    // messages; the main thread one at the middle round.
    let clone_at = (mode == Mode::Subscribe).then(|| choices.between(total / 4, total / 2));
    let racing_at = (mode == Mode::Subscribe).then_some(per_sender / 3);
    let paused_at = (mode == Mode::Subscribe).then_some(rounds.midway() / 2);

    // The receivers, from position 0.
    let from_start = |index: usize, leave_at: Option<u64>, clone_at: Option<u64>| {
        Reader::new(
            &ledger,
            index,
            Some(0),
            [Some(0); SENDERS],
            leave_at,
            clone_at,
        )
    };
    let receiver_threads = [(RX_THREAD_0, leave[0]), (RX_THREAD_1, leave[1])].map(|(i, leave)| {
        let (rx, r) = (rx.clone(), from_start(i, leave, None));
        thread::spawn(move || receiver_thread(rx, r))
    });
    let tokio_receiver = tokio.spawn(receiver_task(
        rx.clone(),
        from_start(RX_TOKIO, leave[2], clone_at),
    ));
    let mut executor_tasks =
        vec![executor.spawn(receiver_task(rx, from_start(RX_EXECUTOR, leave[3], None)))];

    // The senders.
    let producer = |index: usize, sender: usize| Producer {
        w: Worker::new(&ledger, index),
        sender,
        rounds,
    };
    let sender_thread = {
        let (tx, p) = (tx.clone(), producer(SENDER_THREAD, 0));
        thread::spawn(move || sender_thread(tx, p, racing_at, lagging))
    };
    let sender_task = tokio.spawn(sender_task(tx.clone(), producer(SENDER_TASK, 1), lagging));
    // The main thread keeps a sender only to subscribe with.
    let mut tx = paused_at.is_some().then_some(tx);

    // Wait for the workers, ending the rounds as the senders arrive at
    // their ends (and subscribing in the middle one).
    let limit = stall_limit();
    let mut progress = ledger.progress();
    let mut since = Instant::now();
    while ledger.finished.load(SeqCst) < ledger.spawned.load(SeqCst) {
        if let Some(sent) = ledger.round_can_end() {
            let round = ledger.rounds.load(SeqCst);
            if paused_at == Some(round) {
                if let Some(tx) = tx.take() {
                    // Every message sent so far is read: it starts at
                    // `sent`, with each sender's next message.
                    let rx = tx.subscribe();
                    let first = [0, 1].map(|s| Some(ledger.sent[s].load(SeqCst)));
                    let r = Reader::new(&ledger, SUBSCRIBED_PAUSED, Some(sent), first, None, None);
                    executor_tasks.push(executor.spawn(receiver_task(rx, r)));
                }
            }
            if ledger.senders_done.load(SeqCst) == SENDERS {
                // The last round: the senders drop theirs when it ends.
                drop(tx.take());
            }
            ledger.end_round();
        }
        thread::sleep(Duration::from_micros(200));
        let now = ledger.progress();
        if now != progress {
            progress = now;
            since = Instant::now();
        } else if !cfg!(miri) {
            // A run that broke a rule and stopped moving fails sooner.
            let limit = if ledger.error_count.load(SeqCst) > 0 {
                limit.min(Duration::from_secs(2))
            } else {
                limit
            };
            if since.elapsed() > limit {
                hung(&ledger, limit);
            }
        }
    }
    drop(tx);

    // A worker's panic is passed on as it was.
    let mut reports = Vec::new();
    let join = |t: thread::JoinHandle<Report>| t.join().unwrap_or_else(|e| resume_unwind(e));
    reports.extend(receiver_threads.map(join));
    reports.push(join(sender_thread));
    for task in [tokio_receiver, sender_task] {
        let report = tokio
            .block_on(task)
            .unwrap_or_else(|e| resume_unwind(e.into_panic()));
        reports.push(report);
    }
    let spawned = std::mem::take(&mut *ledger.threads.lock().unwrap_or_else(|e| e.into_inner()));
    reports.extend(spawned.into_iter().map(join));
    stop.send(()).unwrap();
    executor_thread.join().unwrap_or_else(|e| resume_unwind(e));
    reports.extend(
        executor_tasks
            .into_iter()
            .map(futures_lite::future::block_on),
    );
    drop(tokio);
    drop(executor);
    reports.sort_by_key(|r| r.index);

    let tally = check(&ledger, &reports);
    eprintln!("{policy:?} {mode:?}: {tally:?}");
    for report in &reports {
        eprintln!("  {}: {:?}", WORKERS[report.index], report.stats);
    }
    tally
}

/// Fails the run: nothing moved for `limit`.
fn hung(ledger: &Ledger, limit: Duration) -> ! {
    let count = if ledger.mode == Mode::Subscribe {
        WORKERS.len()
    } else {
        SUBSCRIBED_PAUSED
    };
    let workers: Vec<String> = (WORKERS.iter().zip(&ledger.phases).enumerate())
        .take(count)
        .map(|(index, (name, phase))| {
            let position = ledger.positions[index].load(SeqCst);
            let position = if index < SENDERS {
                format!(", sent {}", ledger.sent[index].load(SeqCst))
            } else if ledger.live[index].load(SeqCst) && position != UNKNOWN {
                format!(", at position {position}")
            } else {
                String::new()
            };
            format!("{name}: {}{position}", PHASES[phase.load(SeqCst) as usize])
        })
        .collect();
    let errors = ledger.errors.lock().unwrap_or_else(|e| e.into_inner());
    panic!(
        "{:?} {:?}: nothing moved for {limit:?} (hung): made {}, sent {}, received {}, \
         lagged {}, round {} (senders waiting at its end: {}, done: {}); workers: {workers:#?}; \
         errors ({}): {errors:#?}",
        ledger.policy,
        ledger.mode,
        ledger.made.load(SeqCst),
        ledger.sent_total(),
        ledger.received.load(SeqCst),
        ledger.lagged.load(SeqCst),
        ledger.rounds.load(SeqCst),
        ledger.arrived.load(SeqCst),
        ledger.senders_done.load(SeqCst),
        ledger.error_count.load(SeqCst),
    );
}

/// The channel's order, as the receivers saw it: the message at each
/// position, and the position of each message.
struct Order {
    total: u64,
    position_of: Vec<u64>,
    id_at: Vec<u64>,
    conflicts: Vec<String>,
}

impl Order {
    fn new(total: u64) -> Self {
        Self {
            total,
            position_of: vec![UNKNOWN; total as usize],
            id_at: vec![UNKNOWN; total as usize],
            conflicts: Vec::new(),
        }
    }

    /// Places the messages of a receiver that started at `offset`, noting
    /// each disagreement with the receivers placed before; returns the
    /// position it ended at.
    fn place(&mut self, index: usize, events: &Events, offset: u64) -> u64 {
        let total = self.total;
        let mut position = offset;
        for &event in &events.list {
            if event & LAG != 0 {
                position += event & !LAG;
                continue;
            }
            let id = event as usize;
            if position >= total {
                self.conflicts.push(format!(
                    "{}: {id} at position {position}, past the {total} messages sent",
                    WORKERS[index]
                ));
                break;
            }
            let at = &mut self.id_at[position as usize];
            let of = &mut self.position_of[id];
            if (*at != UNKNOWN && *at != id as u64) || (*of != UNKNOWN && *of != position) {
                self.conflicts.push(format!(
                    "{}: {id} at position {position}, where another receiver read {}; \
                     another read {id} at {}",
                    WORKERS[index],
                    if *at == UNKNOWN {
                        "nothing".into()
                    } else {
                        at.to_string()
                    },
                    if *of == UNKNOWN {
                        "no position".into()
                    } else {
                        of.to_string()
                    },
                ));
            }
            *at = id as u64;
            *of = position;
            position += 1;
        }
        position
    }
}

/// Checks the ledger and the receivers' events once every handle is gone.
fn check(ledger: &Ledger, reports: &[Report]) -> Tally {
    let context = format!("{:?} {:?}", ledger.policy, ledger.mode);
    let lagging = ledger.policy.lagging();
    let total = ledger.total();
    {
        let errors = ledger.errors.lock().unwrap_or_else(|e| e.into_inner());
        assert!(
            errors.is_empty(),
            "{context}: {} errors, the first ones: {errors:#?}",
            ledger.error_count.load(SeqCst)
        );
    }
    let mut tally = Tally {
        sent: ledger.sent_total(),
        ..Tally::default()
    };

    // The workers.
    let indexes: Vec<usize> = reports.iter().map(|r| r.index).collect();
    let expected: &[usize] = match ledger.mode {
        Mode::Drain | Mode::DropReceivers => &[0, 1, 2, 3, 4, 5],
        Mode::Subscribe => &[0, 1, 2, 3, 4, 5, 6, 7, 8],
    };
    assert_eq!(indexes, expected, "{context}: the workers that reported");
    assert_eq!(
        ledger.spawned.load(SeqCst),
        expected.len(),
        "{context}: workers made"
    );
    for (s, (sent, report)) in ledger.sent.iter().zip(reports).enumerate() {
        assert_eq!(
            (sent.load(SeqCst), report.stats.messages),
            (ledger.per_sender, ledger.per_sender),
            "{context}: sender {s} sent all its messages"
        );
    }

    // Every id's record: every original and every clone dropped once; each
    // receive a clone or the original; the original to one reader at most.
    let mut bad = Vec::new();
    let mut bad_count = 0;
    let backpressure_to_end = !lagging && ledger.mode != Mode::DropReceivers;
    for (id, record) in ledger.records.iter().enumerate() {
        let made = record.made.load(SeqCst);
        let original_drops = record.original_drops.load(SeqCst);
        let clones = record.clones.load(SeqCst);
        let clone_drops = record.clone_drops.load(SeqCst);
        let receives = record.receives.load(SeqCst);
        let moved = record.original_receives.load(SeqCst);
        tally.made += u64::from(made);
        tally.clones += u64::from(clones);
        tally.received += u64::from(receives);
        tally.moved += u64::from(moved);
        let ok = made >= 1
            && original_drops == made
            && clone_drops == clones
            && receives == clones + moved
            && moved <= 1
            && (!backpressure_to_end || moved == 1);
        if !ok {
            bad_count += 1;
            if bad.len() < 20 {
                bad.push(format!(
                    "id {id}: made {made}, originals dropped {original_drops}, clones {clones}, \
                     clones dropped {clone_drops}, received {receives}, of which the original \
                     {moved}"
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{context}: {bad_count} ids with a broken record (every original and every clone is \
         dropped exactly once, each receive gets a clone or the original, the original goes \
         to one reader at most{}): {bad:#?}",
        if backpressure_to_end {
            ", and with backpressure to the last reader"
        } else {
            ""
        }
    );
    tally.withdrawn = ledger.withdrawn.load(SeqCst);
    assert_eq!(ledger.made.load(SeqCst), tally.made, "{context}: made");
    assert_eq!(
        ledger.clones.load(SeqCst),
        tally.clones,
        "{context}: clones"
    );
    assert_eq!(
        ledger.drops.load(SeqCst),
        tally.made + tally.clones,
        "{context}: every original and every clone is dropped exactly once"
    );
    assert_eq!(
        tally.made,
        total + tally.withdrawn,
        "{context}: originals made: one per message, plus one per withdrawn send"
    );
    if lagging {
        assert_eq!(tally.withdrawn, 0, "{context}: a lagging send never waits");
    }

    // The receivers' events: each one's position of each message must
    // agree with everyone else's.
    let receivers: Vec<(usize, &Events, &Stats)> = (reports.iter())
        .filter_map(|r| r.events.as_ref().map(|e| (r.index, e, &r.stats)))
        .collect();
    tally.receivers = receivers.len();
    let mut order = Order::new(total);
    let mut ends = Vec::new();
    for &(index, events, stats) in &receivers {
        if let Some(offset) = events.offset {
            ends.push((index, offset, order.place(index, events, offset)));
        }
        let messages = events.list.iter().filter(|e| *e & LAG == 0).count() as u64;
        assert_eq!(messages, stats.messages, "{context}: {}", WORKERS[index]);
        tally.lagged += stats.lagged;
    }
    // A receiver subscribed at a position not known: it is where its
    // messages are in the others' order.
    for &(index, events, _) in &receivers {
        if events.offset.is_some() {
            continue;
        }
        let mut read = 0;
        let mut offset = None;
        for &event in &events.list {
            if event & LAG != 0 {
                read += event & !LAG;
            } else if order.position_of[event as usize] != UNKNOWN {
                let position = order.position_of[event as usize];
                assert!(
                    position >= read,
                    "{context}: {}: message {event}, read after {read} others, is at \
                     position {position}",
                    WORKERS[index]
                );
                offset = Some(position - read);
                break;
            } else {
                read += 1;
            }
        }
        match offset {
            Some(offset) => ends.push((index, offset, order.place(index, events, offset))),
            None => assert!(
                lagging || events.list.is_empty(),
                "{context}: {}: none of its messages was read by another receiver",
                WORKERS[index]
            ),
        }
    }
    let conflicts = &order.conflicts;
    assert!(
        conflicts.is_empty(),
        "{context}: receivers disagree on the channel's order ({} conflicts, the first \
         ones): {:#?}",
        conflicts.len(),
        &conflicts[..conflicts.len().min(20)]
    );
    for &(index, offset, end) in &ends {
        let (_, events, stats) = receivers.iter().find(|r| r.0 == index).unwrap();
        let name = WORKERS[index];
        if events.to_end {
            assert_eq!(
                end, total,
                "{context}: {name} read to the end: from position {offset}, {} messages and {} \
                 lagged must add up to the {total} messages sent",
                stats.messages, stats.lagged
            );
        } else {
            assert!(end <= total, "{context}: {name}");
        }
    }
    for &(index, events, stats) in &receivers {
        let name = WORKERS[index];
        let leaves =
            ledger.mode == Mode::DropReceivers && (index == RX_THREAD_1 || index == RX_EXECUTOR);
        assert_eq!(
            events.to_end, !leaves,
            "{context}: {name} read to the end (or left early)"
        );
        if !lagging {
            assert_eq!(stats.lags, 0, "{context}: {name}");
        }
        if !lagging && events.offset == Some(0) && events.to_end {
            // Everything, once: the count and the checksum.
            let sum: u64 = events.list.iter().sum();
            assert_eq!(
                (stats.messages, sum),
                (total, total * (total - 1) / 2),
                "{context}: {name} saw every message once (count, sum of the ids)"
            );
        }
    }
    if !lagging {
        // Every position holds one message, and every message one position.
        let unplaced = order.id_at.iter().filter(|id| **id == UNKNOWN).count();
        assert_eq!(
            unplaced, 0,
            "{context}: positions no receiver read, with backpressure"
        );
    }

    // Clones: one per receive that was not the original.
    let clones_received: u64 = receivers.iter().map(|r| r.2.clones).sum();
    let received: u64 = receivers.iter().map(|r| r.2.messages).sum();
    assert_eq!(
        (received, clones_received),
        (tally.received, tally.clones),
        "{context}: receives and clones, counted by the receivers and by the messages"
    );
    let from_start = 4;
    match (lagging, ledger.mode) {
        (false, Mode::Drain) => assert_eq!(
            tally.clones,
            (from_start - 1) * total,
            "{context}: with backpressure, each message is cloned for every receiver but \
             the last, which gets the original"
        ),
        (false, Mode::Subscribe) => assert_eq!(
            tally.clones,
            tally.received - total,
            "{context}: with backpressure, each message is cloned for every receiver but \
             the last, which gets the original"
        ),
        (true, Mode::Drain) => assert!(
            tally.clones <= (from_start - 1) * total,
            "{context}: {} clones of {total} messages with {from_start} receivers",
            tally.clones
        ),
        _ => assert!(tally.clones <= tally.received, "{context}"),
    }
    if !lagging {
        assert_eq!(tally.lagged, 0, "{context}");
    }
    tally
}

// ----- the tests -----

/// A share of [`messages`]: `messages() / div`, at least 16.
fn share(div: usize) -> usize {
    (messages() / div).max(16)
}

/// Fewer messages for the tests of capacity 1 with backpressure, where
/// every message waits for the slowest receiver (see the top of the file).
fn cap_1_messages() -> usize {
    share(4)
}

/// Fewer messages for the tests of receivers that come or go midway.
fn midway_messages() -> usize {
    share(2)
}

/// Both: receivers that come or go, at capacity 1 with backpressure.
fn cap_1_midway_messages() -> usize {
    share(8)
}

#[test]
fn backpressure_cap_1() {
    let n = cap_1_messages();
    let tally = run(Policy::Backpressure(1), Mode::Drain, n);
    assert_eq!(tally.received, 4 * tally.sent);
}

#[test]
fn backpressure_cap_64() {
    let tally = run(Policy::Backpressure(64), Mode::Drain, messages());
    assert_eq!(tally.received, 4 * tally.sent);
}

#[test]
fn lagging_cap_1() {
    let tally = run(Policy::Lagging(1), Mode::Drain, messages());
    assert_eq!(tally.received + tally.lagged, 4 * tally.sent);
}

#[test]
fn lagging_cap_64() {
    let tally = run(Policy::Lagging(64), Mode::Drain, messages());
    assert_eq!(tally.received + tally.lagged, 4 * tally.sent);
}

#[test]
fn backpressure_receivers_dropped_mid_stream_cap_1() {
    run(
        Policy::Backpressure(1),
        Mode::DropReceivers,
        cap_1_midway_messages(),
    );
}

#[test]
fn backpressure_receivers_dropped_mid_stream_cap_16() {
    run(
        Policy::Backpressure(16),
        Mode::DropReceivers,
        midway_messages(),
    );
}

#[test]
fn lagging_receivers_dropped_mid_stream_cap_4() {
    run(Policy::Lagging(4), Mode::DropReceivers, midway_messages());
}

#[test]
fn backpressure_subscribe_and_clone_mid_stream_cap_1() {
    let tally = run(
        Policy::Backpressure(1),
        Mode::Subscribe,
        cap_1_midway_messages(),
    );
    assert_eq!(tally.receivers, 7);
}

#[test]
fn backpressure_subscribe_and_clone_mid_stream_cap_64() {
    let tally = run(Policy::Backpressure(64), Mode::Subscribe, midway_messages());
    assert_eq!(tally.receivers, 7);
}

#[test]
fn lagging_subscribe_and_clone_mid_stream_cap_8() {
    let tally = run(Policy::Lagging(8), Mode::Subscribe, midway_messages());
    assert_eq!(tally.receivers, 7);
}

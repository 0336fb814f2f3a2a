//! Stress tests of `tidings::mpmc`: four producers and four consumers on one
//! channel, half of them OS threads (blocking calls, timeouts, `try_`) and
//! half async tasks (on a tokio multi-thread runtime and on an
//! async-executor thread), with random cancellation everywhere: tiny
//! timeouts, send and receive futures dropped after a random number of
//! polls. The consumers also take batches (`recv_many`, its timed and
//! `try_` forms, `recv_many_async` awaited, cancelled in a select or left
//! after one poll) with random limits (now and then 0) into buffers of
//! random capacity, checking tokio's buffer rule on every one; a batch's
//! messages count as received one by one. The producers now and then
//! send through a permit (`reserve_timeout` on threads, `reserve_async`
//! in tasks; not on a rendezvous, which has no slot). Every message carries a unique
//! id and records its own drop, so the checks at the end prove that
//! nothing was lost and nothing doubled: each message made was dropped
//! exactly once, and was either received exactly once or given up by its
//! producer (handed back by a timeout or a closed channel, or withdrawn
//! when its send future was dropped), never both; the sums of the ids on
//! each side add up to the sum of all ids.
//!
//! Lost wakeups show as hangs, not as losses, and the ordinary traffic of a
//! stress test hides them (the next message wakes someone who takes the
//! stranded one too). So in the runs that drain the channel the producers
//! stop now and then, all together, until every message sent so far is
//! received ("rounds"), and now and then a consumer sits out the rest of a
//! round right after it received, or after it dropped a receive future
//! that had been woken: with nobody sending and that consumer away, only
//! the channel's own wakeups bring the others to the last messages. A run
//! in which no message moves for a minute fails with what every worker was
//! doing and which messages are still in flight.
//!
//! Size: `TIDINGS_STRESS_MESSAGES` messages per flavor (default 100,000,
//! 160 under miri); `.ci/run` runs 1,000,000 in release mode.
//! `TIDINGS_STRESS_SEED` fixes the seed of the random choices (the
//! interleaving of the threads stays up to the OS); a failing test prints
//! the seed it ran with.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::ops::Range;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures::future::{poll_fn, select, Either};
use tidings::mpmc::{self, Receiver, Sender};
use tidings::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};

// ----- size, seed, flavors -----

/// Messages per stress test: `TIDINGS_STRESS_MESSAGES`, or a size that
/// keeps a debug `cargo test` (and miri) quick.
fn messages() -> usize {
    match std::env::var("TIDINGS_STRESS_MESSAGES") {
        Ok(n) => n
            .trim()
            .replace('_', "")
            .parse()
            .expect("TIDINGS_STRESS_MESSAGES must be a number"),
        Err(_) if cfg!(miri) => 160,
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
/// hung (a lost wakeup or a stranded message), and fails with what every
/// worker was doing instead of hanging CI. Not a timing assertion: progress
/// is counted in messages, and a minute without one is a hang.
fn stall_limit() -> Duration {
    let secs = std::env::var("TIDINGS_STRESS_STALL_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Bounded(usize),
    Unbounded,
    Rendezvous,
}

impl Flavor {
    fn channel<T>(self) -> (Sender<T>, Receiver<T>) {
        match self {
            Flavor::Bounded(cap) => mpmc::bounded(cap),
            Flavor::Unbounded => mpmc::unbounded(),
            Flavor::Rendezvous => mpmc::rendezvous(),
        }
    }

    fn capacity(self) -> Option<usize> {
        match self {
            Flavor::Bounded(cap) => Some(cap),
            Flavor::Unbounded => None,
            Flavor::Rendezvous => Some(0),
        }
    }
}

/// How a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Producers send all their messages, in rounds (see the top of the
    /// file), then drop their senders; the consumers drain the channel
    /// until it is disconnected.
    Drain,
    /// The first thread producer closes the channel halfway through its
    /// messages; every producer then gets its message back and stops,
    /// and the consumers drain what is buffered.
    Close,
    /// Each consumer drops its receiver after a small random number of
    /// messages, while the producers are still sending; the last one
    /// drops what is buffered, and the producers get their message back.
    DropReceivers,
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

    /// Waits until the flag is set, or round `round` is over.
    async fn or_round_over(&self, ledger: &Ledger, round: u64) {
        poll_fn(|cx| {
            *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
            if self.is_set() {
                return Poll::Ready(());
            }
            Pin::new(&mut ledger.wait_round(round, true)).poll(cx)
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

// ----- the ledger: what happened to every id -----

/// The id was handed to a producer, which made its message.
const CREATED: u8 = 1;
/// A consumer received it.
const RECEIVED: u8 = 2;
/// Its message was dropped.
const DROPPED: u8 = 4;
/// Its producer gave it up: it came back from a timeout or a closed
/// channel, or its send future was dropped before it was delivered.
const GAVE_UP: u8 = 8;

/// What each worker was doing last, for the report of a hung run.
const PHASES: [&str; 27] = [
    "starting",
    "send",
    "send_timeout",
    "send_deadline",
    "try_send",
    "send_async",
    "send_async in a select",
    "recv",
    "recv_timeout",
    "recv_deadline",
    "try_recv",
    "recv_async",
    "recv_async in a select",
    "yield",
    "close",
    "done",
    "send_async polled once, then left",
    "recv_async polled once, then left",
    "waiting at the end of a round",
    "sitting out until the round ends",
    "recv_many",
    "recv_many_timeout",
    "recv_many_deadline",
    "try_recv_many",
    "recv_many_async",
    "recv_many_async in a select",
    "recv_many_async polled once, then left",
];
const SEND: u8 = 1;
const SEND_TIMEOUT: u8 = 2;
const SEND_DEADLINE: u8 = 3;
const TRY_SEND: u8 = 4;
const SEND_ASYNC: u8 = 5;
const SEND_SELECT: u8 = 6;
const RECV: u8 = 7;
const RECV_TIMEOUT: u8 = 8;
const RECV_DEADLINE: u8 = 9;
const TRY_RECV: u8 = 10;
const RECV_ASYNC: u8 = 11;
const RECV_SELECT: u8 = 12;
const YIELD: u8 = 13;
const CLOSE: u8 = 14;
const DONE: u8 = 15;
const SEND_LEFT: u8 = 16;
const RECV_LEFT: u8 = 17;
const ROUND: u8 = 18;
const SIT_OUT: u8 = 19;
const RECV_MANY: u8 = 20;
const RECV_MANY_TIMEOUT: u8 = 21;
const RECV_MANY_DEADLINE: u8 = 22;
const TRY_RECV_MANY: u8 = 23;
const RECV_MANY_ASYNC: u8 = 24;
const RECV_MANY_SELECT: u8 = 25;
const RECV_MANY_LEFT: u8 = 26;

const PRODUCERS: usize = 4;

/// The workers, in the order of their indexes.
const WORKERS: [&str; 8] = [
    "producer thread 0",
    "producer thread 1",
    "producer task (tokio)",
    "producer task (async-executor)",
    "consumer thread 0",
    "consumer thread 1",
    "consumer task (tokio)",
    "consumer task (async-executor)",
];

/// Shared by every worker and every message of one run.
#[derive(Debug)]
struct Ledger {
    /// One `CREATED | RECEIVED | DROPPED | GAVE_UP` set per id.
    ids: Box<[AtomicU8]>,
    created: AtomicUsize,
    created_sum: AtomicU64,
    received: AtomicUsize,
    received_sum: AtomicU64,
    gave_up: AtomicUsize,
    gave_up_sum: AtomicU64,
    /// Sends that went through (or whose cancelled future had delivered).
    sent: AtomicUsize,
    drops: AtomicUsize,
    /// How many calls to `close` returned true.
    closed_by_call: AtomicUsize,
    finished: AtomicUsize,
    /// Producers that arrived at the end of the current round.
    arrived: AtomicUsize,
    /// Rounds over so far.
    rounds: AtomicU64,
    /// Producers that sent all their messages.
    producers_done: AtomicUsize,
    /// Set when the last round ended.
    no_more_rounds: AtomicBool,
    /// Tasks waiting for a round to end.
    waiting: Mutex<Vec<Waker>>,
    phases: [AtomicU8; 8],
    errors: Mutex<Vec<String>>,
    error_count: AtomicUsize,
}

impl Ledger {
    fn new(n: usize) -> Self {
        Self {
            ids: (0..n).map(|_| AtomicU8::new(0)).collect(),
            created: AtomicUsize::new(0),
            created_sum: AtomicU64::new(0),
            received: AtomicUsize::new(0),
            received_sum: AtomicU64::new(0),
            gave_up: AtomicUsize::new(0),
            gave_up_sum: AtomicU64::new(0),
            sent: AtomicUsize::new(0),
            drops: AtomicUsize::new(0),
            closed_by_call: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            arrived: AtomicUsize::new(0),
            rounds: AtomicU64::new(0),
            producers_done: AtomicUsize::new(0),
            no_more_rounds: AtomicBool::new(false),
            waiting: Mutex::new(Vec::new()),
            phases: Default::default(),
            errors: Mutex::new(Vec::new()),
            error_count: AtomicUsize::new(0),
        }
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

    fn mark(&self, id: u64, bit: u8) -> u8 {
        self.ids[id as usize].fetch_or(bit, SeqCst)
    }

    fn state(&self, id: u64) -> u8 {
        self.ids[id as usize].load(SeqCst)
    }

    /// Messages made plus messages received: grows while the run moves.
    fn progress(&self) -> usize {
        self.created.load(SeqCst) + self.received.load(SeqCst)
    }

    /// A producer arrives at the end of a round; returns the round to
    /// wait out.
    fn arrive(&self) -> u64 {
        let round = self.rounds.load(SeqCst);
        self.arrived.fetch_add(1, SeqCst);
        round
    }

    /// Ends the round if every producer waits at its end and every message
    /// sent is received (called by the test's main thread). With every
    /// producer waiting, nothing but the channel's own wakeups gets the
    /// consumers to the last message, so a lost wakeup or a stranded
    /// message stops the run here, and the watchdog reports it.
    fn try_end_round(&self) {
        if self.arrived.load(SeqCst) < PRODUCERS
            || self.received.load(SeqCst) != self.sent.load(SeqCst)
        {
            return;
        }
        if self.producers_done.load(SeqCst) == PRODUCERS {
            self.no_more_rounds.store(true, SeqCst);
        }
        self.arrived.store(0, SeqCst);
        self.rounds.fetch_add(1, SeqCst);
        let waiting = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()));
        for waker in waiting {
            waker.wake();
        }
    }

    /// Whether round `round` is over, or (`sitting_out`) no round will end
    /// any more.
    fn round_over(&self, round: u64, sitting_out: bool) -> bool {
        self.rounds.load(SeqCst) != round || (sitting_out && self.no_more_rounds.load(SeqCst))
    }

    /// Waits, blocking the thread, until [`round_over`](Self::round_over).
    fn wait_round_blocking(&self, round: u64, sitting_out: bool) {
        while !self.round_over(round, sitting_out) {
            thread::sleep(Duration::from_micros(100));
        }
    }

    /// Waits, as a task, until [`round_over`](Self::round_over).
    fn wait_round(&self, round: u64, sitting_out: bool) -> RoundOver<'_> {
        RoundOver {
            ledger: self,
            round,
            sitting_out,
        }
    }
}

/// The future of [`Ledger::wait_round`]: the main thread wakes it.
struct RoundOver<'a> {
    ledger: &'a Ledger,
    round: u64,
    sitting_out: bool,
}

impl Future for RoundOver<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let over = || self.ledger.round_over(self.round, self.sitting_out);
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

/// Where the producers stop, in Drain mode, until every message sent so
/// far is received: after every `every` messages up to `upto`, and after
/// their last one.
#[derive(Clone, Copy, Debug)]
struct Rounds {
    every: u64,
    upto: u64,
}

/// A message: a unique id, and a drop that the ledger records.
#[derive(Debug)]
struct Msg {
    id: u64,
    ledger: Arc<Ledger>,
}

impl Drop for Msg {
    fn drop(&mut self) {
        let before = self.ledger.mark(self.id, DROPPED);
        if before & DROPPED != 0 {
            self.ledger
                .error(format!("message {} dropped twice", self.id));
        }
        self.ledger.drops.fetch_add(1, SeqCst);
    }
}

// ----- workers -----

/// What one worker did, for the report.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    /// Producers: messages made; consumers: messages received.
    messages: u64,
    /// Producers: messages given up.
    gave_up: u64,
    /// Timeouts, and `try_` calls that found the channel full or empty.
    missed: u64,
    /// Send or receive futures dropped before they completed.
    cancelled: u64,
    /// Cancelled send futures whose message had been delivered anyway.
    cancelled_but_sent: u64,
    /// Receive futures dropped unpolled after they were woken.
    woken_then_dropped: u64,
    /// Whether the worker saw the channel disconnected.
    disconnected: bool,
    /// Consumers: batch receives made (whatever came of them).
    batch_calls: u64,
    /// Consumers: batch receives that took messages, and the most one took.
    batches: u64,
    largest_batch: u64,
}

/// A batch receive about to run: its limit, and its buffer's length and
/// capacity before it, for the checks of the buffer rule after it.
#[derive(Clone, Copy, Debug)]
struct Batch {
    limit: usize,
    len: usize,
    cap: usize,
}

/// How a batch receive came out, for the consumer's next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Batched {
    /// It took messages (recorded as received).
    Took,
    /// A `limit` of 0: it returned 0 at once.
    LimitZero,
    /// Nothing ready in time (`Empty` or `Timeout`).
    Nothing,
    /// The channel is closed and drained.
    Drained,
}

/// One worker's view of the run: its ledger, its random choices, its
/// stats. Dropping it (also when the worker panics) counts the worker as
/// finished.
struct Worker {
    ledger: Arc<Ledger>,
    index: usize,
    mode: Mode,
    rng: Rng,
    stats: Stats,
    rounds: Option<Rounds>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.phase(DONE);
        self.ledger.finished.fetch_add(1, SeqCst);
    }
}

impl Worker {
    fn phase(&self, phase: u8) {
        self.ledger.phases[self.index].store(phase, SeqCst);
    }

    fn error(&self, what: &str) {
        self.ledger
            .error(format!("{}: {what}", WORKERS[self.index]));
    }

    // -- producers --

    fn make(&mut self, id: u64) -> Msg {
        let before = self.ledger.mark(id, CREATED);
        if before != 0 {
            self.error(&format!("id {id} made twice"));
        }
        self.ledger.created.fetch_add(1, SeqCst);
        self.ledger.created_sum.fetch_add(id, SeqCst);
        self.stats.messages += 1;
        Msg {
            id,
            ledger: self.ledger.clone(),
        }
    }

    fn sent(&mut self) {
        self.ledger.sent.fetch_add(1, SeqCst);
    }

    /// The producer has its message back and drops it.
    fn give_up(&mut self, msg: Msg) {
        let before = self.ledger.mark(msg.id, GAVE_UP);
        if before != CREATED {
            self.error(&format!(
                "message {} handed back to its sender, but its record is {before:#06b} \
                 (it was received or dropped already: a duplicate)",
                msg.id
            ));
        }
        self.count_given_up(msg.id);
        drop(msg);
    }

    fn count_given_up(&mut self, id: u64) {
        self.ledger.gave_up.fetch_add(1, SeqCst);
        self.ledger.gave_up_sum.fetch_add(id, SeqCst);
        self.stats.gave_up += 1;
    }

    /// The send future of message `id` was dropped: its message was either
    /// withdrawn and dropped with the future, or delivered.
    fn cancelled_send(&mut self, id: u64) {
        self.stats.cancelled += 1;
        let state = self.ledger.state(id);
        if state & DROPPED != 0 && state & RECEIVED == 0 {
            self.ledger.mark(id, GAVE_UP);
            self.count_given_up(id);
        } else {
            self.stats.cancelled_but_sent += 1;
            self.sent();
        }
    }

    /// A send failed with the message back because the channel is closed.
    fn disconnected(&mut self, tx: &Sender<Msg>, msg: Msg) {
        self.stats.disconnected = true;
        if self.mode == Mode::Drain {
            self.error("a send failed as disconnected while every receiver was alive");
        }
        if !tx.is_disconnected() {
            self.error("a send failed as disconnected, but is_disconnected() is false");
        }
        self.phase(CLOSE);
        if tx.close() {
            self.error("close() returned true on a channel that was closed already");
        }
        self.give_up(msg);
    }

    /// The closing producer closes the channel once it has made
    /// `close_after` messages (Close mode only).
    fn maybe_close(&mut self, tx: &Sender<Msg>, close_after: Option<u64>) {
        if close_after == Some(self.stats.messages) {
            self.phase(CLOSE);
            if tx.close() {
                self.ledger.closed_by_call.fetch_add(1, SeqCst);
            } else {
                self.error("the first close() returned false");
            }
        }
    }

    /// Whether the producer stops at the end of a round after the message
    /// it just sent.
    fn at_round_end(&self) -> bool {
        self.rounds.is_some_and(|r| {
            let made = self.stats.messages;
            made % r.every == 0 && made <= r.upto
        })
    }

    fn end_round_blocking(&mut self) {
        self.phase(ROUND);
        let round = self.ledger.arrive();
        self.ledger.wait_round_blocking(round, false);
    }

    async fn end_round(&mut self) {
        self.phase(ROUND);
        let round = self.ledger.arrive();
        self.ledger.wait_round(round, false).await;
    }

    /// No messages left to send: the next round is the last.
    fn producer_done(&mut self) {
        self.ledger.producers_done.fetch_add(1, SeqCst);
    }

    // -- consumers --

    /// Whether this consumer now sits out until the round ends (Drain
    /// mode; never consumer thread 1, which is always there to drain the
    /// channel), with odds of 1 in `odds`; returns the round to sit out.
    /// Sitting out, a consumer does not come back by itself for a message
    /// it should have passed on: a receive that was woken and then gave up
    /// must pass the wake on, and a receive that moved a waiting sender's
    /// message into the buffer must wake a receiver for it.
    fn sit_out(&mut self, odds: u64) -> Option<u64> {
        let sits_out = self.mode == Mode::Drain && self.index != 5 && self.rng.below(odds) == 0;
        sits_out.then(|| {
            self.phase(SIT_OUT);
            self.ledger.rounds.load(SeqCst)
        })
    }

    /// A receive future was dropped before it completed (`woken`: after it
    /// was woken).
    async fn cancelled_recv(&mut self, woken: bool) {
        self.stats.cancelled += 1;
        if let Some(round) = self.sit_out(if woken { 2 } else { 64 }) {
            self.ledger.wait_round(round, true).await;
        }
    }

    fn received(&mut self, msg: Msg) {
        let before = self.ledger.mark(msg.id, RECEIVED);
        if before != CREATED {
            self.error(&format!(
                "message {} received, but its record is {before:#06b} \
                 (received twice, or received after being dropped or given up)",
                msg.id
            ));
        }
        self.ledger.received.fetch_add(1, SeqCst);
        self.ledger.received_sum.fetch_add(msg.id, SeqCst);
        self.stats.messages += 1;
    }

    /// A batch receive into `buf` begins: a random limit (1 to 16, now and
    /// then 0, never past the quota in DropReceivers mode) and, now and
    /// then, a new buffer of a random capacity (0: full, so the receive
    /// must reserve room for the limit first) instead of the worker's own
    /// (empty, with the capacity the last batch left).
    fn batch_start(&mut self, buf: &mut Vec<Msg>, quota: Option<u64>) -> Batch {
        self.stats.batch_calls += 1;
        let limit = if self.rng.below(32) == 0 {
            0
        } else {
            1 + self.rng.below(16)
        };
        let left = quota.map_or(u64::MAX, |quota| quota - self.stats.messages);
        if self.rng.below(4) == 0 {
            *buf = Vec::with_capacity(self.rng.below(8) as usize);
        }
        if !buf.is_empty() {
            self.error("a batch buffer was not emptied");
        }
        Batch {
            limit: limit.min(left) as usize,
            len: buf.len(),
            cap: buf.capacity(),
        }
    }

    /// A batch receive returned `got` (a count, `Timeout` for nothing in
    /// time, `Disconnected` for closed and drained): checks the rules (a
    /// limit of 0 returns 0 at once; otherwise 0 never; `buf` grew by the
    /// count, at most `limit`; spare capacity not grown and the count
    /// within it; a full `buf` reserved room for `limit`; nothing appended
    /// on an error) and records the messages as received.
    fn batch_done(
        &mut self,
        batch: Batch,
        buf: &mut Vec<Msg>,
        got: Result<usize, RecvTimeoutError>,
    ) -> Batched {
        let Batch { limit, len, cap } = batch;
        let n = *got.as_ref().unwrap_or(&0);
        if buf.len() != len + n {
            self.error(&format!(
                "a batch returned {got:?} but buf went from {len} to {} messages",
                buf.len()
            ));
        }
        if n > limit {
            self.error(&format!("a batch took {n} with a limit of {limit}"));
        }
        if limit == 0 {
            if got != Ok(0) {
                self.error(&format!("a batch with a limit of 0 returned {got:?}"));
            }
            if buf.capacity() != cap {
                self.error("a batch with a limit of 0 changed the capacity");
            }
        } else if got == Ok(0) {
            self.error("a batch returned Ok(0) with a limit above 0");
        } else if got.is_ok() && cap > len {
            if buf.capacity() != cap {
                self.error(&format!(
                    "a batch grew a buf with spare capacity ({len} of {cap}, then {})",
                    buf.capacity()
                ));
            }
            if n > cap - len {
                self.error(&format!("a batch took {n} into {} spare", cap - len));
            }
        } else if got.is_ok() && buf.capacity() < len + limit {
            self.error(&format!(
                "a batch into a full buf ({len} of {cap}) did not reserve room for {limit}"
            ));
        }
        for msg in buf.drain(..) {
            self.received(msg);
        }
        match got {
            Ok(0) => Batched::LimitZero,
            Ok(n) => {
                self.stats.batches += 1;
                self.stats.largest_batch = self.stats.largest_batch.max(n as u64);
                Batched::Took
            }
            Err(RecvTimeoutError::Timeout) => Batched::Nothing,
            Err(RecvTimeoutError::Disconnected) => Batched::Drained,
        }
    }

    /// A batch receive future was dropped before it returned: nothing
    /// left the channel into `buf`.
    fn batch_cancelled(&mut self, batch: Batch, buf: &mut Vec<Msg>) {
        if buf.len() != batch.len {
            self.error(&format!(
                "a dropped recv_many_async future left {} messages in buf",
                buf.len() - batch.len
            ));
            for msg in buf.drain(..) {
                self.received(msg);
            }
        }
    }

    /// A blocking batch receive of the kind `pick` picks (16 to 20).
    fn batch_thread(
        &mut self,
        rx: &Receiver<Msg>,
        buf: &mut Vec<Msg>,
        quota: Option<u64>,
        pick: u64,
    ) -> Batched {
        let batch = self.batch_start(buf, quota);
        let limit = batch.limit;
        let got = match pick {
            16..=17 => {
                self.phase(RECV_MANY);
                match rx.recv_many(buf, limit) {
                    0 if limit > 0 => Err(RecvTimeoutError::Disconnected),
                    n => Ok(n),
                }
            }
            18 => {
                self.phase(RECV_MANY_TIMEOUT);
                let timeout = self.rng.tiny();
                rx.recv_many_timeout(buf, limit, timeout)
            }
            19 => {
                self.phase(RECV_MANY_DEADLINE);
                let deadline = Instant::now() + self.rng.tiny();
                rx.recv_many_deadline(buf, limit, deadline)
            }
            _ => {
                self.phase(TRY_RECV_MANY);
                rx.try_recv_many(buf, limit).map_err(|err| match err {
                    TryRecvError::Empty => RecvTimeoutError::Timeout,
                    TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                })
            }
        };
        self.batch_done(batch, buf, got)
    }

    /// Whether this consumer has received its quota (DropReceivers mode).
    fn quota_done(&self, quota: Option<u64>) -> bool {
        quota.is_some_and(|quota| self.stats.messages >= quota)
    }

    /// The receive saw the channel closed and drained.
    fn drained(&mut self, rx: &Receiver<Msg>) {
        self.stats.disconnected = true;
        match rx.try_recv() {
            Err(TryRecvError::Disconnected) => {}
            Ok(msg) => {
                self.error("a message was received after the channel reported disconnected");
                self.received(msg);
            }
            Err(TryRecvError::Empty) => {
                self.error("try_recv() says empty after a receive said disconnected")
            }
        }
        if !rx.is_disconnected() {
            self.error("a receive said disconnected, but is_disconnected() is false");
        }
    }
}

fn producer_thread(
    tx: Sender<Msg>,
    mut w: Worker,
    ids: Range<u64>,
    close_after: Option<u64>,
) -> Stats {
    'messages: for id in ids {
        let mut msg = w.make(id);
        loop {
            let result = match w.rng.below(16) {
                // A permit, then its send (not on a rendezvous: no slot).
                7 if tx.capacity() != Some(0) => {
                    w.phase(SEND);
                    match tx.reserve_timeout(w.rng.tiny()) {
                        Ok(permit) => {
                            permit.send(msg);
                            Ok(())
                        }
                        Err(SendTimeoutError::Timeout(())) => Err(SendTimeoutError::Timeout(msg)),
                        Err(SendTimeoutError::Disconnected(())) => {
                            Err(SendTimeoutError::Disconnected(msg))
                        }
                    }
                }
                0..=7 => {
                    w.phase(SEND);
                    tx.send(msg)
                        .map_err(|SendError(msg)| SendTimeoutError::Disconnected(msg))
                }
                8..=11 => {
                    w.phase(SEND_TIMEOUT);
                    let timeout = w.rng.tiny();
                    tx.send_timeout(msg, timeout)
                }
                12 => {
                    w.phase(SEND_DEADLINE);
                    let deadline = Instant::now() + w.rng.tiny();
                    tx.send_deadline(msg, deadline)
                }
                _ => {
                    w.phase(TRY_SEND);
                    tx.try_send(msg).map_err(|err| match err {
                        TrySendError::Full(msg) => SendTimeoutError::Timeout(msg),
                        TrySendError::Disconnected(msg) => SendTimeoutError::Disconnected(msg),
                    })
                }
            };
            match result {
                Ok(()) => {
                    w.sent();
                    break;
                }
                Err(SendTimeoutError::Timeout(back)) => {
                    w.stats.missed += 1;
                    // Give up on one in four; retry the others.
                    if w.rng.below(4) == 0 {
                        w.give_up(back);
                        break;
                    }
                    msg = back;
                    if w.rng.below(2) == 0 {
                        w.phase(YIELD);
                        thread::yield_now();
                    }
                }
                Err(SendTimeoutError::Disconnected(back)) => {
                    w.disconnected(&tx, back);
                    break 'messages;
                }
            }
        }
        w.maybe_close(&tx, close_after);
        if w.at_round_end() {
            w.end_round_blocking();
        }
    }
    if w.rounds.is_some() {
        w.producer_done();
        w.end_round_blocking();
    }
    w.stats
}

async fn producer_task(
    tx: Sender<Msg>,
    mut w: Worker,
    ids: Range<u64>,
    close_after: Option<u64>,
) -> Stats {
    'messages: for id in ids {
        let mut msg = w.make(id);
        loop {
            let result = match w.rng.below(16) {
                // A permit, then its send (not on a rendezvous: no slot).
                6 if tx.capacity() != Some(0) => {
                    w.phase(SEND_ASYNC);
                    match tx.reserve_async().await {
                        Ok(permit) => {
                            permit.send(msg);
                            Ok(())
                        }
                        Err(SendError(())) => Err(SendError(msg)),
                    }
                }
                0..=6 => {
                    w.phase(SEND_ASYNC);
                    tx.send_async(msg).await
                }
                7..=11 => {
                    // Cancelled after 1 to 4 polls, unless it completes first.
                    w.phase(SEND_SELECT);
                    let polls = w.rng.below(4);
                    let id = msg.id;
                    match select(tx.send_async(msg), YieldNow(polls)).await {
                        Either::Left((result, _)) => result,
                        Either::Right(((), send)) => {
                            drop(send);
                            w.cancelled_send(id);
                            break;
                        }
                    }
                }
                12..=13 => {
                    // Polled once, then left alone for a while (a receiver
                    // may take its message meanwhile) and dropped unpolled.
                    w.phase(SEND_LEFT);
                    let id = msg.id;
                    let mut send = tx.send_async(msg);
                    match futures::poll!(&mut send) {
                        Poll::Ready(result) => result,
                        Poll::Pending => {
                            YieldNow(w.rng.below(4)).await;
                            drop(send);
                            w.cancelled_send(id);
                            break;
                        }
                    }
                }
                _ => {
                    w.phase(TRY_SEND);
                    match tx.try_send(msg) {
                        Ok(()) => Ok(()),
                        Err(TrySendError::Disconnected(back)) => Err(SendError(back)),
                        Err(TrySendError::Full(back)) => {
                            w.stats.missed += 1;
                            msg = back;
                            w.phase(YIELD);
                            YieldNow(1).await;
                            continue;
                        }
                    }
                }
            };
            match result {
                Ok(()) => {
                    w.sent();
                    break;
                }
                Err(SendError(back)) => {
                    w.disconnected(&tx, back);
                    break 'messages;
                }
            }
        }
        w.maybe_close(&tx, close_after);
        if w.at_round_end() {
            w.end_round().await;
        }
        if w.rng.below(8) == 0 {
            w.phase(YIELD);
            YieldNow(1).await;
        }
    }
    if w.rounds.is_some() {
        w.producer_done();
        w.end_round().await;
    }
    w.stats
}

fn consumer_thread(rx: Receiver<Msg>, mut w: Worker, quota: Option<u64>) -> Stats {
    let mut buf = Vec::new();
    while !w.quota_done(quota) {
        let got = match w.rng.below(21) {
            0..=7 => {
                w.phase(RECV);
                rx.recv()
                    .map_err(|RecvError| RecvTimeoutError::Disconnected)
            }
            8..=11 => {
                w.phase(RECV_TIMEOUT);
                let timeout = w.rng.tiny();
                rx.recv_timeout(timeout)
            }
            12 => {
                w.phase(RECV_DEADLINE);
                let deadline = Instant::now() + w.rng.tiny();
                rx.recv_deadline(deadline)
            }
            13..=15 => {
                w.phase(TRY_RECV);
                match rx.try_recv() {
                    Ok(msg) => Ok(msg),
                    Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
                    Err(TryRecvError::Empty) => {
                        w.stats.missed += 1;
                        w.phase(YIELD);
                        thread::yield_now();
                        continue;
                    }
                }
            }
            pick => match w.batch_thread(&rx, &mut buf, quota, pick) {
                Batched::Took => {
                    if let Some(round) = w.sit_out(64) {
                        w.ledger.wait_round_blocking(round, true);
                    }
                    continue;
                }
                Batched::LimitZero => continue,
                Batched::Nothing => Err(RecvTimeoutError::Timeout),
                Batched::Drained => Err(RecvTimeoutError::Disconnected),
            },
        };
        match got {
            Ok(msg) => {
                w.received(msg);
                if let Some(round) = w.sit_out(64) {
                    w.ledger.wait_round_blocking(round, true);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                w.stats.missed += 1;
                if let Some(round) = w.sit_out(64) {
                    w.ledger.wait_round_blocking(round, true);
                } else if w.rng.below(2) == 0 {
                    w.phase(YIELD);
                    thread::yield_now();
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                w.drained(&rx);
                break;
            }
        }
    }
    w.stats
}

async fn consumer_task(rx: Receiver<Msg>, mut w: Worker, quota: Option<u64>) -> Stats {
    let mut buf = Vec::new();
    while !w.quota_done(quota) {
        let got = match w.rng.below(21) {
            0..=6 => {
                w.phase(RECV_ASYNC);
                rx.recv_async().await
            }
            7..=11 => {
                // Cancelled after 1 to 4 polls, unless it completes first;
                // a dropped receive future must not lose a message.
                w.phase(RECV_SELECT);
                let polls = w.rng.below(4);
                match select(rx.recv_async(), YieldNow(polls)).await {
                    Either::Left((got, _)) => got,
                    Either::Right(((), recv)) => {
                        drop(recv);
                        w.cancelled_recv(false).await;
                        continue;
                    }
                }
            }
            12..=13 => {
                // Polled once, then left alone until it is woken (in Drain
                // mode: or until the round ends; else for a while) and
                // dropped unpolled: the wake it was given must pass on to
                // another receiver. (Waiting longest, it is first in line
                // for the last message of a round.)
                w.phase(RECV_LEFT);
                let mut recv = rx.recv_async();
                let woken = Arc::new(WokenFlag::default());
                let first = poll_fn(|cx| Poll::Ready(woken.poll_with(&mut recv, cx))).await;
                match first {
                    Poll::Ready(got) => got,
                    Poll::Pending => {
                        if w.mode == Mode::Drain {
                            let round = w.ledger.rounds.load(SeqCst);
                            woken.or_round_over(&w.ledger, round).await;
                        } else {
                            for _ in 0..w.rng.below(64) {
                                if woken.is_set() {
                                    break;
                                }
                                YieldNow(1).await;
                            }
                        }
                        drop(recv);
                        if woken.is_set() {
                            w.stats.woken_then_dropped += 1;
                        }
                        w.cancelled_recv(woken.is_set()).await;
                        continue;
                    }
                }
            }
            14..=15 => {
                w.phase(TRY_RECV);
                match rx.try_recv() {
                    Ok(msg) => Ok(msg),
                    Err(TryRecvError::Disconnected) => Err(RecvError),
                    Err(TryRecvError::Empty) => {
                        w.stats.missed += 1;
                        w.phase(YIELD);
                        YieldNow(1).await;
                        continue;
                    }
                }
            }
            pick => {
                let batch = w.batch_start(&mut buf, quota);
                let limit = batch.limit;
                let got = match pick {
                    16..=17 => {
                        w.phase(RECV_MANY_ASYNC);
                        match rx.recv_many_async(&mut buf, limit).await {
                            0 if limit > 0 => Err(RecvTimeoutError::Disconnected),
                            n => Ok(n),
                        }
                    }
                    18 => {
                        // Cancelled after 1 to 4 polls, unless it returns
                        // first: a dropped batch future takes nothing.
                        w.phase(RECV_MANY_SELECT);
                        let polls = w.rng.below(4);
                        let raced = {
                            let recv = rx.recv_many_async(&mut buf, limit);
                            match select(recv, YieldNow(polls)).await {
                                Either::Left((n, _)) => Some(n),
                                Either::Right(((), recv)) => {
                                    drop(recv);
                                    None
                                }
                            }
                        };
                        match raced {
                            Some(0) if limit > 0 => Err(RecvTimeoutError::Disconnected),
                            Some(n) => Ok(n),
                            None => {
                                w.batch_cancelled(batch, &mut buf);
                                w.cancelled_recv(false).await;
                                continue;
                            }
                        }
                    }
                    19 => {
                        // Polled once, then left alone until it is woken
                        // (or as `recv_async` above) and dropped unpolled:
                        // it took nothing, and passes its wake on.
                        w.phase(RECV_MANY_LEFT);
                        let mut recv = rx.recv_many_async(&mut buf, limit);
                        let woken = Arc::new(WokenFlag::default());
                        let first = poll_fn(|cx| Poll::Ready(woken.poll_with(&mut recv, cx))).await;
                        match first {
                            Poll::Ready(0) if limit > 0 => Err(RecvTimeoutError::Disconnected),
                            Poll::Ready(n) => Ok(n),
                            Poll::Pending => {
                                if w.mode == Mode::Drain {
                                    let round = w.ledger.rounds.load(SeqCst);
                                    woken.or_round_over(&w.ledger, round).await;
                                } else {
                                    for _ in 0..w.rng.below(64) {
                                        if woken.is_set() {
                                            break;
                                        }
                                        YieldNow(1).await;
                                    }
                                }
                                drop(recv);
                                if woken.is_set() {
                                    w.stats.woken_then_dropped += 1;
                                }
                                w.batch_cancelled(batch, &mut buf);
                                w.cancelled_recv(woken.is_set()).await;
                                continue;
                            }
                        }
                    }
                    _ => {
                        w.phase(TRY_RECV_MANY);
                        rx.try_recv_many(&mut buf, limit).map_err(|err| match err {
                            TryRecvError::Empty => RecvTimeoutError::Timeout,
                            TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                        })
                    }
                };
                match w.batch_done(batch, &mut buf, got) {
                    Batched::Took => {
                        if let Some(round) = w.sit_out(64) {
                            w.ledger.wait_round(round, true).await;
                        }
                        continue;
                    }
                    Batched::LimitZero => continue,
                    Batched::Nothing => {
                        w.stats.missed += 1;
                        w.phase(YIELD);
                        YieldNow(1).await;
                        continue;
                    }
                    Batched::Drained => Err(RecvError),
                }
            }
        };
        match got {
            Ok(msg) => {
                w.received(msg);
                if let Some(round) = w.sit_out(64) {
                    w.ledger.wait_round(round, true).await;
                }
            }
            Err(RecvError) => {
                w.drained(&rx);
                break;
            }
        }
    }
    w.stats
}

// ----- a run -----

/// The outcome of a run, from the ledger.
#[derive(Debug, Default)]
struct Tally {
    created: usize,
    received: usize,
    gave_up: usize,
    /// Dropped by the channel, neither received nor given up (the last
    /// receiver dropped them with the buffer).
    dropped_by_channel: usize,
}

/// Runs 4 producers and 4 consumers on one channel of `flavor` with `n`
/// ids; checks every id's record and the checksums, and returns the tally
/// and each worker's stats.
fn run(flavor: Flavor, mode: Mode, n: usize) -> (Tally, [Stats; 8]) {
    assert!(n >= 8, "at least 8 messages");
    let seed = seed();
    // Printed for a failing test (the harness shows a failing test's output).
    eprintln!("{flavor:?} {mode:?}: {n} messages, TIDINGS_STRESS_SEED={seed}");
    let ledger = Arc::new(Ledger::new(n));
    // Rounds (Drain mode): about 256 per producer.
    let rounds = (mode == Mode::Drain).then(|| {
        let upto = (n / PRODUCERS) as u64;
        Rounds {
            every: (upto / 256).max(4),
            upto,
        }
    });
    let worker = |index: usize| Worker {
        ledger: ledger.clone(),
        index,
        mode,
        rng: Rng::new(seed, index as u64),
        stats: Stats::default(),
        rounds,
    };
    // Producer p owns the ids p*n/4 .. (p+1)*n/4.
    let ids = |p: usize| (p * n / 4) as u64..((p + 1) * n / 4) as u64;
    // The first thread producer closes the channel halfway (Close mode).
    let close_after = |p: usize| (mode == Mode::Close && p == 0).then_some((n / 8) as u64);
    // Each consumer leaves after n/64 to n/32 messages (DropReceivers), so
    // the last receiver goes while the producers still have most of theirs.
    let mut quota_rng = Rng::new(seed, 99);
    let mut quota = || {
        (mode == Mode::DropReceivers).then(|| {
            let least = (n / 64).max(1) as u64;
            least + quota_rng.below(least)
        })
    };
    let quotas = [quota(), quota(), quota(), quota()];

    let (tx, rx) = flavor.channel::<Msg>();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let executor = Arc::new(async_executor::Executor::new());

    let producer_threads = [0, 1].map(|p| {
        let (tx, w) = (tx.clone(), worker(p));
        let (ids, close_after) = (ids(p), close_after(p));
        thread::spawn(move || producer_thread(tx, w, ids, close_after))
    });
    let consumer_threads = [0, 1].map(|c| {
        let (rx, w, quota) = (rx.clone(), worker(4 + c), quotas[c]);
        thread::spawn(move || consumer_thread(rx, w, quota))
    });
    let tokio_tasks = (
        tokio.spawn(producer_task(tx.clone(), worker(2), ids(2), close_after(2))),
        tokio.spawn(consumer_task(rx.clone(), worker(6), quotas[2])),
    );
    let executor_thread = {
        let producer = executor.spawn(producer_task(tx.clone(), worker(3), ids(3), close_after(3)));
        let consumer = executor.spawn(consumer_task(rx.clone(), worker(7), quotas[3]));
        let executor = executor.clone();
        thread::spawn(move || {
            futures_lite::future::block_on(
                executor.run(async move { (producer.await, consumer.await) }),
            )
        })
    };
    drop((tx, rx));

    wait_for_workers(&ledger, flavor, mode);

    // A worker's panic is passed on as it was.
    let join = |t: thread::JoinHandle<Stats>| t.join().unwrap_or_else(|e| resume_unwind(e));
    let [p0, p1] = producer_threads.map(join);
    let [c0, c1] = consumer_threads.map(join);
    let [p2, c2] = [tokio_tasks.0, tokio_tasks.1].map(|task| {
        tokio
            .block_on(task)
            .unwrap_or_else(|e| resume_unwind(e.into_panic()))
    });
    let (p3, c3) = executor_thread.join().unwrap_or_else(|e| resume_unwind(e));
    drop(tokio);
    drop(executor);
    let stats = [p0, p1, p2, p3, c0, c1, c2, c3];
    let tally = check(&ledger, flavor, mode, &stats, &quotas);
    eprintln!("{flavor:?} {mode:?}: {tally:?}");
    for (name, stats) in WORKERS.iter().zip(&stats) {
        eprintln!("  {name}: {stats:?}");
    }
    (tally, stats)
}

/// Waits until every worker is done, ending the rounds (Drain mode) as
/// the producers arrive at their ends; fails (instead of hanging) if no
/// message moves for [`stall_limit`] (not under miri, which reports a
/// deadlock itself).
fn wait_for_workers(ledger: &Ledger, flavor: Flavor, mode: Mode) {
    let limit = stall_limit();
    let mut progress = ledger.progress();
    let mut since = Instant::now();
    while ledger.finished.load(SeqCst) < WORKERS.len() {
        ledger.try_end_round();
        thread::sleep(Duration::from_micros(200));
        let now = ledger.progress();
        if now != progress {
            progress = now;
            since = Instant::now();
        } else if !cfg!(miri) && since.elapsed() > limit {
            let phases: Vec<String> = WORKERS
                .iter()
                .zip(&ledger.phases)
                .map(|(name, phase)| format!("{name}: {}", PHASES[phase.load(SeqCst) as usize]))
                .collect();
            // Made, but not received, dropped or given up: in the channel,
            // in a waiting send, or lost.
            let in_flight: Vec<usize> = (ledger.ids.iter().enumerate())
                .filter(|(_, state)| state.load(SeqCst) == CREATED)
                .map(|(id, _)| id)
                .collect();
            let errors = ledger.errors.lock().unwrap_or_else(|e| e.into_inner());
            panic!(
                "{flavor:?} {mode:?}: no message moved for {limit:?} (hung): made {}, \
                 received {}, given up {}, sent {}, dropped {}, round {} (producers \
                 waiting at its end: {}); {} messages in flight: {:?}; workers: {phases:#?}; \
                 errors: {errors:#?}",
                ledger.created.load(SeqCst),
                ledger.received.load(SeqCst),
                ledger.gave_up.load(SeqCst),
                ledger.sent.load(SeqCst),
                ledger.drops.load(SeqCst),
                ledger.rounds.load(SeqCst),
                ledger.arrived.load(SeqCst),
                in_flight.len(),
                &in_flight[..in_flight.len().min(10)],
            );
        }
    }
}

/// Checks the ledger once every handle is gone.
fn check(
    ledger: &Ledger,
    flavor: Flavor,
    mode: Mode,
    stats: &[Stats; 8],
    quotas: &[Option<u64>; 4],
) -> Tally {
    let context = format!("{flavor:?} {mode:?}");
    let errors = ledger.errors.lock().unwrap_or_else(|e| e.into_inner());
    assert!(
        errors.is_empty(),
        "{context}: {} errors, the first ones: {errors:#?}",
        ledger.error_count.load(SeqCst)
    );

    // Every id's record, and the sums of each kind.
    let mut tally = Tally::default();
    let (mut created_sum, mut received_sum, mut gave_up_sum) = (0u64, 0u64, 0u64);
    let mut bad = Vec::new();
    for (id, state) in ledger.ids.iter().enumerate() {
        let state = state.load(SeqCst);
        let id = id as u64;
        match state {
            0 => continue,
            s if s == CREATED | RECEIVED | DROPPED => {
                tally.received += 1;
                received_sum += id;
            }
            s if s == CREATED | GAVE_UP | DROPPED => {
                tally.gave_up += 1;
                gave_up_sum += id;
            }
            s if s == CREATED | DROPPED => tally.dropped_by_channel += 1,
            _ => bad.push((id, state)),
        }
        tally.created += 1;
        created_sum += id;
    }
    bad.truncate(20);
    assert!(
        bad.is_empty(),
        "{context}: ids with an impossible record (id, CREATED=1|RECEIVED=2|DROPPED=4|GAVE_UP=8): {bad:?}"
    );

    // The counters kept as it ran agree with the records.
    let counted = (
        ledger.created.load(SeqCst),
        ledger.received.load(SeqCst),
        ledger.gave_up.load(SeqCst),
    );
    assert_eq!(
        counted,
        (tally.created, tally.received, tally.gave_up),
        "{context}: made, received, given up"
    );
    assert_eq!(
        ledger.drops.load(SeqCst),
        tally.created,
        "{context}: every message made is dropped exactly once"
    );
    // The checksum: received ids and given-up ids (and those dropped with
    // the buffer) add up to the ids made.
    assert_eq!(ledger.created_sum.load(SeqCst), created_sum, "{context}");
    assert_eq!(ledger.received_sum.load(SeqCst), received_sum, "{context}");
    assert_eq!(ledger.gave_up_sum.load(SeqCst), gave_up_sum, "{context}");
    let dropped_sum = created_sum - received_sum - gave_up_sum;
    assert_eq!(
        tally.received + tally.gave_up + tally.dropped_by_channel,
        tally.created,
        "{context}"
    );
    let consumed: u64 = stats[4..].iter().map(|s| s.messages).sum();
    assert_eq!(
        consumed as usize, tally.received,
        "{context}: consumers' counts"
    );
    let made: u64 = stats[..4].iter().map(|s| s.messages).sum();
    assert_eq!(made as usize, tally.created, "{context}: producers' counts");
    let sent = ledger.sent.load(SeqCst);

    match mode {
        Mode::Drain | Mode::Close => {
            assert_eq!(
                (tally.dropped_by_channel, dropped_sum),
                (0, 0),
                "{context}: messages lost (dropped by the channel although \
                 the consumers drained it)"
            );
            assert_eq!(
                sent, tally.received,
                "{context}: every message sent is received exactly once"
            );
            assert!(
                stats[4..].iter().all(|s| s.disconnected),
                "{context}: every consumer drained the channel to the end"
            );
        }
        Mode::DropReceivers => {
            assert!(
                tally.received <= sent,
                "{context}: received {} of {sent} sent",
                tally.received
            );
            let quota: u64 = quotas.iter().map(|q| q.unwrap()).sum();
            assert!(
                tally.received as u64 <= quota,
                "{context}: consumers stop at their quota"
            );
            if let Some(cap) = flavor.capacity() {
                assert!(
                    tally.dropped_by_channel <= cap,
                    "{context}: {} messages dropped with a buffer of {cap}",
                    tally.dropped_by_channel
                );
            }
            // Dropped with the buffer: sent, never received.
            assert!(
                tally.dropped_by_channel <= sent - tally.received,
                "{context}"
            );
        }
    }
    match mode {
        Mode::Drain => {
            assert_eq!(
                tally.created,
                ledger.ids.len(),
                "{context}: every id was made"
            );
            assert!(
                stats[..4].iter().all(|s| !s.disconnected),
                "{context}: no send saw the channel closed"
            );
            assert_eq!(ledger.closed_by_call.load(SeqCst), 0, "{context}");
            // Each consumer picks a batch receive for about a quarter of
            // its turns: with this many messages, every one made some.
            if ledger.ids.len() >= 1000 {
                assert!(
                    stats[4..].iter().all(|s| s.batch_calls > 0),
                    "{context}: every consumer made batch receives"
                );
            }
        }
        Mode::Close => {
            assert_eq!(
                ledger.closed_by_call.load(SeqCst),
                1,
                "{context}: one close() closed the channel"
            );
            assert!(
                stats[0].disconnected,
                "{context}: the closing producer's next send failed"
            );
        }
        Mode::DropReceivers => {}
    }
    tally
}

// ----- the tests -----

fn stress(flavor: Flavor) {
    let n = messages();
    let (tally, _) = run(flavor, Mode::Drain, n);
    assert_eq!(tally.created, n);
}

#[test]
fn stress_bounded_1() {
    stress(Flavor::Bounded(1));
}

#[test]
fn stress_bounded_64() {
    stress(Flavor::Bounded(64));
}

#[test]
fn stress_unbounded() {
    stress(Flavor::Unbounded);
}

#[test]
fn stress_rendezvous() {
    stress(Flavor::Rendezvous);
}

/// A smaller run for the tests that stop midway.
fn midway_messages() -> usize {
    (messages() / 4).max(32)
}

#[test]
fn close_mid_stream_bounded_1() {
    run(Flavor::Bounded(1), Mode::Close, midway_messages());
}

#[test]
fn close_mid_stream_bounded_64() {
    run(Flavor::Bounded(64), Mode::Close, midway_messages());
}

#[test]
fn close_mid_stream_unbounded() {
    run(Flavor::Unbounded, Mode::Close, midway_messages());
}

#[test]
fn close_mid_stream_rendezvous() {
    run(Flavor::Rendezvous, Mode::Close, midway_messages());
}

#[test]
fn last_receiver_dropped_mid_stream_bounded_1() {
    run(Flavor::Bounded(1), Mode::DropReceivers, midway_messages());
}

#[test]
fn last_receiver_dropped_mid_stream_bounded_64() {
    run(Flavor::Bounded(64), Mode::DropReceivers, midway_messages());
}

#[test]
fn last_receiver_dropped_mid_stream_unbounded() {
    run(Flavor::Unbounded, Mode::DropReceivers, midway_messages());
}

#[test]
fn last_receiver_dropped_mid_stream_rendezvous() {
    run(Flavor::Rendezvous, Mode::DropReceivers, midway_messages());
}

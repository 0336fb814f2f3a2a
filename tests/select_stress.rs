//! Stress test of `tidings::Select` and the `select!` / `select_biased!`
//! macros: four mpmc channels of different flavors (`bounded(1)`,
//! `bounded(16)`, `unbounded`, `rendezvous`) and eight workers that all
//! select over them, four OS threads and four async tasks (two on a tokio
//! multi-thread runtime, two on an async-executor thread):
//!
//! - producer thread 0: plain blocking `send` on one channel, or `select!`
//!   / `select_biased!` send arms over two or three channels (now and then
//!   with `default` or `default(timeout)`, after which it tries again);
//! - producer thread 1: `Select::send` over a random set of the channels
//!   (one time in four the rendezvous alone), then `select`,
//!   `select_timeout` or `try_select` and `SelectedOperation::send`, or
//!   `ready` / `ready_timeout` and a `try_send` on the channel named; now
//!   and then it drops the selected operation without sending (the slot
//!   or the pairing it held goes back) and tries again;
//! - producer task (tokio): plain `send_async`, or `select_async` over sends
//!   on two channels, awaited or raced against a few yields (the select
//!   future dropped if the yields win), or `ready_async` and a `try_send`;
//! - producer task (async-executor): `select_async` over sends on a random
//!   set of the channels, polled once and then awaited, or left unpolled for
//!   a few yields and dropped; now and then the selected operation is
//!   dropped unsent;
//! - consumer thread 0: `select!` / `select_biased!` with a receive arm
//!   per channel (blocking, `default`, `default(timeout)`); it never sits
//!   a round out (see below), so that someone always drains;
//! - consumer thread 1: one `Select` with a receive per channel, `select`,
//!   `select_timeout` or `try_select`, or `ready` / `ready_timeout` and a
//!   `try_recv`; now and then it drops the selected operation without
//!   completing it (its message must go back to the front of its channel,
//!   for anyone to receive);
//! - consumer task (tokio): `select_async` awaited, or raced against a few
//!   yields and dropped when they win, or `ready_async` and a `try_recv`;
//! - consumer task (async-executor): `select_async` awaited, or polled once
//!   (with `futures::poll!`) and then awaited, or polled once, left
//!   unpolled for a few yields (a channel may pick it meanwhile) and
//!   dropped; now and then it drops the selected operation uncompleted.
//!
//! (Cancelled futures race against yields, not against a timer: the
//! crate's tokio dev-dependency has no `time` feature.)
//!
//! Every message carries a unique id and records in a ledger when it is
//! received and when it is dropped, so the checks at the end prove that
//! every message made was received exactly once (nothing lost, nothing
//! doubled: no message dropped unreceived, none received twice), and
//! dropped exactly once; the sums of the ids made and received both equal
//! `n (n - 1) / 2`; every channel carried messages; and every path
//! (selected operations dropped, futures cancelled, `ready`) was taken.
//!
//! Lost wakeups show as hangs, not as losses, and steady traffic hides
//! them. So the producers stop now and then, all together, until every
//! message sent so far is received ("rounds"), and now and then a worker
//! sits out the rest of a round right after it dropped something it was
//! given: a consumer after it dropped a selected receive (the message it
//! put back must wake another) or a select future (a notification it won
//! must be passed on), a producer after it dropped a selected send (the
//! slot it was granted, or the receiver it was paired with on the
//! rendezvous, must go to another sender waiting). With nobody else
//! sending and that worker away, only the channels' own wakeups bring the
//! others to the last messages. A run in which no message moves for a
//! minute (`TIDINGS_STRESS_STALL_SECS`) fails with what every worker was
//! doing and which messages are in flight, instead of hanging (under miri
//! too).
//!
//! Size: `TIDINGS_STRESS_MESSAGES` messages in total (default 1,000,000,
//! a few seconds in a debug build on 2 cores; 200 under miri).
//! `TIDINGS_STRESS_SEED` fixes the seed of the random choices (the
//! interleaving stays up to the OS); the test prints the seed it ran with.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::ops::Range;
use std::panic::resume_unwind;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures::future::{self, Either};
use tidings::{
    select, select_biased, Receiver, RecvError, Select, SelectedOperation, SendError, Sender,
    TryRecvError, TrySendError,
};

// ----- size, seed -----

/// Messages in all: `TIDINGS_STRESS_MESSAGES`, or 1,000,000 (200 under
/// miri).
fn messages() -> usize {
    match std::env::var("TIDINGS_STRESS_MESSAGES") {
        Ok(n) => n
            .trim()
            .replace('_', "")
            .parse()
            .expect("TIDINGS_STRESS_MESSAGES must be a number"),
        Err(_) if cfg!(miri) => 200,
        Err(_) => 1_000_000,
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
/// hung. Not a timing assertion: progress is counted in messages, and a
/// minute without one is a hang.
fn stall_limit() -> Duration {
    let secs = std::env::var("TIDINGS_STRESS_STALL_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

// ----- the channels -----

const CHANNELS: usize = 4;

/// The flavors of the four channels, in order.
const FLAVORS: [&str; CHANNELS] = ["bounded(1)", "bounded(16)", "unbounded", "rendezvous"];

/// The index of the rendezvous channel.
const RENDEZVOUS: usize = 3;

type Senders = [Sender<Msg>; CHANNELS];
type Receivers = [Receiver<Msg>; CHANNELS];

fn channels() -> (Senders, Receivers) {
    let (t0, r0) = tidings::bounded(1);
    let (t1, r1) = tidings::bounded(16);
    let (t2, r2) = tidings::unbounded();
    let (t3, r3) = tidings::rendezvous();
    ([t0, t1, t2, t3], [r0, r1, r2, r3])
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

    /// A channel.
    fn channel(&mut self) -> usize {
        self.below(CHANNELS as u64) as usize
    }

    /// Two different channels.
    fn two_channels(&mut self) -> (usize, usize) {
        let a = self.channel();
        let b = (a + 1 + self.below(CHANNELS as u64 - 1) as usize) % CHANNELS;
        (a, b)
    }

    /// A non-empty set of channels, as a bit mask.
    fn some_channels(&mut self) -> u8 {
        1 + self.below((1 << CHANNELS) - 1) as u8
    }

    /// A timeout short enough to run out now and then: 0 to 49 µs.
    fn tiny(&mut self) -> Duration {
        Duration::from_micros(self.below(50))
    }
}

/// A future that is pending `n` times (waking itself each time), then
/// ready: the other side of a race that cancels a select future, or the
/// time a polled select future is left alone before it is dropped.
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

// ----- the ledger: what happened to every id -----

/// The id was handed to a producer, which made its message.
const CREATED: u8 = 1;
/// A consumer received it.
const RECEIVED: u8 = 2;
/// Its message was dropped.
const DROPPED: u8 = 4;

/// What a worker is doing, for the report of a hung run.
#[derive(Clone, Copy, Debug)]
#[repr(u8)]
enum Phase {
    /// Where every worker starts (the phases' initial 0).
    #[allow(dead_code)]
    Starting,
    Send,
    SendAsync,
    SelectSendMacro,
    SelectSendMacroDefault,
    SelectSend,
    SelectSendTimeout,
    TrySelectSend,
    SelectAsyncSend,
    SelectAsyncSendRaced,
    SelectAsyncSendLeft,
    SelectRecvMacro,
    SelectRecvMacroDefault,
    SelectRecv,
    SelectRecvTimeout,
    TrySelectRecv,
    SelectAsyncRecv,
    SelectAsyncRecvRaced,
    SelectAsyncRecvLeft,
    ReadySend,
    ReadyAsyncSend,
    ReadyRecv,
    ReadyAsyncRecv,
    Yield,
    RoundEnd,
    SittingOut,
    Done,
}

const PHASES: [&str; 27] = [
    "starting",
    "send",
    "send_async",
    "select! send",
    "select! send with default",
    "Select::select (sends)",
    "Select::select_timeout (sends)",
    "Select::try_select (sends)",
    "select_async (sends)",
    "select_async (sends) raced against yields",
    "select_async (sends) polled once, then left",
    "select! recv",
    "select! recv with default",
    "Select::select (receives)",
    "Select::select_timeout (receives)",
    "Select::try_select (receives)",
    "select_async (receives)",
    "select_async (receives) raced against yields",
    "select_async (receives) polled once, then left",
    "Select::ready / ready_timeout (sends), then try_send",
    "ready_async (sends), then try_send",
    "Select::ready / ready_timeout (receives), then try_recv",
    "ready_async (receives), then try_recv",
    "yield",
    "waiting at the end of a round",
    "sitting out until the round ends",
    "done",
];

const PRODUCERS: usize = 4;

/// The workers, in the order of their indexes.
const WORKERS: [&str; 8] = [
    "producer thread 0 (send, select!)",
    "producer thread 1 (Select::send)",
    "producer task (tokio: send_async, select_async raced)",
    "producer task (async-executor: select_async polled once)",
    "consumer thread 0 (select!)",
    "consumer thread 1 (Select, drops selected operations)",
    "consumer task (tokio: select_async raced)",
    "consumer task (async-executor: select_async polled once)",
];

/// The consumer that never sits a round out.
const ALWAYS_THERE: usize = 4;

/// Shared by every worker and every message of one run.
#[derive(Debug)]
struct Ledger {
    /// One `CREATED | RECEIVED | DROPPED` set per id.
    ids: Box<[AtomicU8]>,
    created: AtomicUsize,
    created_sum: AtomicU64,
    received: AtomicUsize,
    received_sum: AtomicU64,
    /// Received, by channel.
    by_channel: [AtomicUsize; CHANNELS],
    /// Sends that went through.
    sent: AtomicUsize,
    drops: AtomicUsize,
    finished: AtomicUsize,
    /// Producers that arrived at the end of the current round.
    arrived: AtomicUsize,
    /// Rounds over so far.
    rounds: AtomicU64,
    /// Producers that sent all their messages.
    producers_done: AtomicUsize,
    /// Producers past their last round (gone: the rounds go on without
    /// them).
    producers_left: AtomicUsize,
    /// Set when the last round ended.
    no_more_rounds: AtomicBool,
    /// Tasks waiting for a round to end.
    waiting: Mutex<Vec<Waker>>,
    phases: [AtomicU8; 8],
    /// The channels each worker's current operation is over (a bit mask),
    /// for the report of a hung run.
    sets: [AtomicU8; 8],
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
            by_channel: Default::default(),
            sent: AtomicUsize::new(0),
            drops: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            arrived: AtomicUsize::new(0),
            rounds: AtomicU64::new(0),
            producers_done: AtomicUsize::new(0),
            producers_left: AtomicUsize::new(0),
            no_more_rounds: AtomicBool::new(false),
            waiting: Mutex::new(Vec::new()),
            phases: Default::default(),
            sets: Default::default(),
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

    /// Ends the round if every producer still there waits at its end and
    /// every message sent is received (called by the test's main thread).
    /// With every producer waiting, nothing but the channels' own wakeups
    /// gets the consumers to the last messages. (A producer that sat a
    /// round out after dropping a selected send arrives at more round ends
    /// than the others, so it may go on alone after they left.)
    fn try_end_round(&self) {
        let there = PRODUCERS - self.producers_left.load(SeqCst);
        if there == 0
            || self.arrived.load(SeqCst) < there
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
        } else if before & RECEIVED == 0 {
            self.ledger.error(format!(
                "message {} dropped without being received (lost in a channel, a select \
                 or a selected operation)",
                self.id
            ));
        }
        self.ledger.drops.fetch_add(1, SeqCst);
    }
}

// ----- workers -----

/// What one worker did, for the report and the coverage checks.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    /// Producers: messages made; consumers: messages received.
    messages: u64,
    /// Operations completed through a select (sends or receives; a
    /// `ready` and then a `try_send` or `try_recv` included).
    selected: u64,
    /// Producers: plain sends (`send`, `send_async`).
    plain: u64,
    /// Timeouts, and `default` arms or `try_select`s that found nothing.
    missed: u64,
    /// Select futures dropped before they finished.
    cancelled: u64,
    /// Selected operations dropped without being completed.
    dropped_ops: u64,
    /// Rounds sat out (the consumers, and the producers that drop
    /// selected sends).
    sat_out: u64,
    /// Consumers: channels seen disconnected.
    disconnected: u64,
    /// Operations completed by a `try_send` or `try_recv` on the channel
    /// that a `ready` named.
    ready: u64,
}

/// Where the producers stop until every message sent so far is received:
/// after every `every` messages, and after their last one.
#[derive(Clone, Copy, Debug)]
struct Rounds {
    every: u64,
}

/// What a consumer did just before it considers sitting a round out.
#[derive(Clone, Copy, Debug)]
enum After {
    /// It received a message.
    Received,
    /// It dropped a selected operation uncompleted.
    DroppedOp,
    /// It dropped a select future unfinished.
    Cancelled,
}

/// One worker's view of the run. Dropping it (also when the worker
/// panics) counts the worker as finished.
struct Worker {
    ledger: Arc<Ledger>,
    index: usize,
    rng: Rng,
    stats: Stats,
    rounds: Rounds,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.phase(Phase::Done);
        self.ledger.finished.fetch_add(1, SeqCst);
    }
}

impl Worker {
    /// The worker's next operations are over the channels of `mask`.
    fn over(&self, mask: u8) {
        self.ledger.sets[self.index].store(mask, SeqCst);
    }

    fn phase(&self, phase: Phase) {
        self.ledger.phases[self.index].store(phase as u8, SeqCst);
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

    /// Records a send's result (`selected`: through a select). A failed
    /// send is an error: every receiver lives until every sender is gone.
    fn sent(&mut self, result: Result<(), SendError<Msg>>, selected: bool) {
        match result {
            Ok(()) => {
                self.ledger.sent.fetch_add(1, SeqCst);
                if selected {
                    self.stats.selected += 1;
                } else {
                    self.stats.plain += 1;
                }
            }
            Err(SendError(msg)) => {
                // Every receiver lives until every sender is gone.
                self.error(&format!(
                    "the send of message {} failed as disconnected while every \
                     receiver was alive",
                    msg.id
                ));
                // Counted as received, so that its drop is not a second error.
                self.ledger.mark(msg.id, RECEIVED);
            }
        }
    }

    /// Whether the producer stops at the end of a round after the message
    /// it just sent.
    fn at_round_end(&self) -> bool {
        self.stats.messages % self.rounds.every == 0
    }

    fn end_round_blocking(&mut self) {
        self.phase(Phase::RoundEnd);
        let round = self.ledger.arrive();
        self.ledger.wait_round_blocking(round, false);
    }

    async fn end_round(&mut self) {
        self.phase(Phase::RoundEnd);
        let round = self.ledger.arrive();
        self.ledger.wait_round(round, false).await;
    }

    /// No messages left to send: the producer waits out one last round
    /// (every message it sent is received), and leaves.
    fn last_round_blocking(&mut self) {
        self.ledger.producers_done.fetch_add(1, SeqCst);
        self.end_round_blocking();
        self.ledger.producers_left.fetch_add(1, SeqCst);
    }

    async fn last_round(&mut self) {
        self.ledger.producers_done.fetch_add(1, SeqCst);
        self.end_round().await;
        self.ledger.producers_left.fetch_add(1, SeqCst);
    }

    /// Whether the producer now sits out until the round ends, after it
    /// dropped a selected send on channel `chan` unsent (it arrives at the
    /// round's end with its message, and tries again after). Sitting out, it
    /// does not come back by itself for the slot or the pairing it dropped:
    /// that must go to the next sender waiting. The odds: 1 in 4 on the
    /// rendezvous (a pairing dropped is rarer), 1 in `every` / 4 on the
    /// others (about one round in two).
    fn sit_out_producer(&mut self, chan: usize) -> Option<u64> {
        let odds = if chan == RENDEZVOUS {
            4
        } else {
            (self.rounds.every / 4).max(2)
        };
        (self.rng.below(odds) == 0).then(|| {
            self.stats.sat_out += 1;
            self.phase(Phase::SittingOut);
            self.ledger.arrive()
        })
    }

    fn sit_out_producer_blocking(&mut self, chan: usize) {
        if let Some(round) = self.sit_out_producer(chan) {
            self.ledger.wait_round_blocking(round, false);
        }
    }

    async fn sit_out_producer_async(&mut self, chan: usize) {
        if let Some(round) = self.sit_out_producer(chan) {
            self.ledger.wait_round(round, false).await;
        }
    }

    /// A random set of channels for a select's sends, as a bit mask: the
    /// rendezvous alone one time in four (a send that only a receiver
    /// coming can finish), else any non-empty set.
    fn send_set(&mut self) -> u8 {
        if self.rng.below(4) == 0 {
            1 << RENDEZVOUS
        } else {
            self.rng.some_channels()
        }
    }

    // -- consumers --

    /// `msg` arrived from channel `chan`; it is dropped here.
    fn received(&mut self, msg: Msg, chan: usize, selected: bool) {
        let before = self.ledger.mark(msg.id, RECEIVED);
        if before != CREATED {
            self.error(&format!(
                "message {} received from {}, but its record is {before:#05b} \
                 (received twice, or received after being dropped)",
                msg.id, FLAVORS[chan]
            ));
        }
        self.ledger.received.fetch_add(1, SeqCst);
        self.ledger.received_sum.fetch_add(msg.id, SeqCst);
        self.ledger.by_channel[chan].fetch_add(1, SeqCst);
        self.stats.messages += 1;
        if selected {
            self.stats.selected += 1;
        }
    }

    /// Whether this consumer now sits out until the round ends (never the
    /// one that is always there), after `what`; returns the round to sit
    /// out. Sitting out, a consumer does not come back by itself for a
    /// message it should have passed on. The odds: 1 in 4 × `every` after
    /// a message (about one round in four); 1 in `every` / 4 after a
    /// dropped selected operation (about one round in two, for the one that
    /// drops one in eight); 1 in 16 after a dropped select future (those
    /// come mostly at the ends of rounds, when the channels run dry). So
    /// the consumers are all there for most of each round.
    fn sit_out(&mut self, what: After) -> Option<u64> {
        let every = self.rounds.every;
        let odds = match what {
            After::Received => 4 * every,
            After::DroppedOp => (every / 4).max(2),
            After::Cancelled => 16,
        };
        let sits_out = self.index != ALWAYS_THERE && self.rng.below(odds) == 0;
        sits_out.then(|| {
            self.stats.sat_out += 1;
            self.phase(Phase::SittingOut);
            self.ledger.rounds.load(SeqCst)
        })
    }

    fn sit_out_blocking(&mut self, what: After) {
        if let Some(round) = self.sit_out(what) {
            self.ledger.wait_round_blocking(round, true);
        }
    }

    async fn sit_out_async(&mut self, what: After) {
        if let Some(round) = self.sit_out(what) {
            self.ledger.wait_round(round, true).await;
        }
    }
}

/// Which channel a selected operation's index stands for.
fn channel_of(indexes: &[usize], index: usize) -> usize {
    indexes
        .iter()
        .position(|&i| i == index)
        .expect("the index of an operation added")
}

/// What came of one select of a consumer.
enum Got {
    /// The receive on channel `.0` gave `.1`.
    Recv(usize, Result<Msg, RecvError>),
    /// The selected operation was dropped uncompleted: its message (if it
    /// took one) went back to the front of its channel.
    DroppedOp,
    /// Nothing in time, or the select future was dropped unfinished.
    Nothing,
}

/// Completes a consumer's selected receive, or (`drop_it`) drops it.
/// (A `SelectedOperation` is not `Send`: the tasks finish it before their
/// next `.await`.)
fn finish_recv(
    rx: &Receivers,
    indexes: &[usize; CHANNELS],
    oper: SelectedOperation<'_>,
    drop_it: bool,
) -> Got {
    if drop_it {
        drop(oper);
        return Got::DroppedOp;
    }
    let c = channel_of(indexes, oper.index());
    Got::Recv(c, oper.recv(&rx[c]))
}

/// Completes a producer's selected send with the message in `msg`, or
/// (`drop_it`) drops it unsent; returns the channel of a send dropped.
fn finish_send(
    w: &mut Worker,
    tx: &Senders,
    indexes: &[usize; CHANNELS],
    oper: SelectedOperation<'_>,
    msg: &mut Option<Msg>,
    drop_it: bool,
) -> Option<usize> {
    let c = channel_of(indexes, oper.index());
    if drop_it {
        // Not completed: the slot (or the pairing) goes back.
        drop(oper);
        w.stats.dropped_ops += 1;
        return Some(c);
    }
    let msg = msg.take().expect("the message is there until sent");
    w.sent(oper.send(&tx[c], msg), true);
    None
}

/// A `try_recv` on channel `c`, which a `ready` named (crossbeam's
/// idiom): another consumer may have taken its message meanwhile.
fn try_recv_ready(w: &mut Worker, rx: &Receivers, c: usize) -> Got {
    match rx[c].try_recv() {
        Ok(msg) => {
            w.stats.ready += 1;
            Got::Recv(c, Ok(msg))
        }
        Err(TryRecvError::Disconnected) => Got::Recv(c, Err(RecvError)),
        Err(TryRecvError::Empty) => Got::Nothing,
    }
}

/// A `try_send` of `msg` on channel `c`, which a `ready` named: another
/// producer may have taken the room meanwhile (then the message is back).
/// (On the rendezvous a `ready` also names a receiver waiting in a select,
/// which a `try_send` does not reach: the producer tries again.)
fn try_send_ready(w: &mut Worker, tx: &Senders, c: usize, msg: Msg) -> Result<(), Msg> {
    match tx[c].try_send(msg) {
        Ok(()) => {
            w.stats.ready += 1;
            w.sent(Ok(()), true);
            Ok(())
        }
        Err(TrySendError::Disconnected(msg)) => {
            w.sent(Err(SendError(msg)), true);
            Ok(())
        }
        Err(TrySendError::Full(msg)) => Err(msg),
    }
}

// ----- producers -----

/// Plain `send`, or `select!` / `select_biased!` send arms over two or
/// three channels.
fn producer_thread_0(tx: Senders, mut w: Worker, ids: Range<u64>) -> Stats {
    for id in ids {
        let mut msg = w.make(id);
        loop {
            let (a, b) = w.rng.two_channels();
            let c = (b + 1 + w.rng.below(2) as usize) % CHANNELS;
            let c = if c == a { (c + 1) % CHANNELS } else { c };
            // Ok: sent (or failed, recorded); Err: try again with it.
            let result = match w.rng.below(16) {
                0..=3 => {
                    w.phase(Phase::Send);
                    w.over(1 << a);
                    w.sent(tx[a].send(msg), false);
                    Ok(())
                }
                4..=9 => {
                    w.phase(Phase::SelectSendMacro);
                    w.over(1 << a | 1 << b);
                    let result = select! {
                        send(tx[a], msg) -> res => res,
                        send(tx[b], msg) -> res => res,
                    };
                    w.sent(result, true);
                    Ok(())
                }
                10 => {
                    w.phase(Phase::SelectSendMacro);
                    w.over(1 << a | 1 << b | 1 << c);
                    let result = select_biased! {
                        send(tx[a], msg) -> res => res,
                        send(tx[b], msg) -> res => res,
                        send(tx[c], msg) -> res => res,
                    };
                    w.sent(result, true);
                    Ok(())
                }
                11..=13 => {
                    w.phase(Phase::SelectSendMacroDefault);
                    w.over(1 << a | 1 << b | 1 << c);
                    let timeout = w.rng.tiny();
                    select! {
                        send(tx[a], msg) -> res => Ok(res),
                        send(tx[b], msg) -> res => Ok(res),
                        send(tx[c], msg) -> res => Ok(res),
                        default(timeout) => Err(msg),
                    }
                    .map(|res| w.sent(res, true))
                }
                _ => {
                    w.phase(Phase::SelectSendMacroDefault);
                    w.over(1 << a | 1 << b);
                    select! {
                        send(tx[a], msg) -> res => Ok(res),
                        send(tx[b], msg) -> res => Ok(res),
                        default => Err(msg),
                    }
                    .map(|res| w.sent(res, true))
                }
            };
            match result {
                Ok(()) => break,
                Err(back) => {
                    w.stats.missed += 1;
                    msg = back;
                    w.phase(Phase::Yield);
                    thread::yield_now();
                }
            }
        }
        if w.at_round_end() {
            w.end_round_blocking();
        }
    }
    w.last_round_blocking();
    w.stats
}

/// `Select::send` over a random set of channels: `select`,
/// `select_timeout` or `try_select`, then `SelectedOperation::send`, or
/// the selected operation dropped unsent (another try, maybe after sitting
/// the round out); or `ready` / `ready_timeout`, then a `try_send`.
fn producer_thread_1(tx: Senders, mut w: Worker, ids: Range<u64>) -> Stats {
    for id in ids {
        let mut msg = w.make(id);
        loop {
            let set = w.send_set();
            w.over(set);
            let mut sel = if w.rng.below(4) == 0 {
                Select::new_biased()
            } else {
                Select::new()
            };
            let mut indexes = [usize::MAX; CHANNELS];
            for (c, tx) in tx.iter().enumerate() {
                if set & (1 << c) != 0 {
                    indexes[c] = sel.send(tx);
                }
            }
            let oper = match w.rng.below(10) {
                0..=4 => {
                    w.phase(Phase::SelectSend);
                    Some(sel.select())
                }
                5..=6 => {
                    w.phase(Phase::SelectSendTimeout);
                    let timeout = w.rng.tiny();
                    sel.select_timeout(timeout).ok()
                }
                7 => {
                    w.phase(Phase::TrySelectSend);
                    sel.try_select().ok()
                }
                pick => {
                    w.phase(Phase::ReadySend);
                    let index = if pick == 8 {
                        Some(sel.ready())
                    } else {
                        let timeout = w.rng.tiny();
                        sel.ready_timeout(timeout).ok()
                    };
                    if let Some(index) = index {
                        match try_send_ready(&mut w, &tx, channel_of(&indexes, index), msg) {
                            Ok(()) => break,
                            Err(back) => msg = back,
                        }
                    }
                    None
                }
            };
            let Some(oper) = oper else {
                w.stats.missed += 1;
                w.phase(Phase::Yield);
                thread::yield_now();
                continue;
            };
            let c = channel_of(&indexes, oper.index());
            if w.rng.below(8) == 0 {
                // Not completed: the slot (or the pairing) goes back.
                drop(oper);
                w.stats.dropped_ops += 1;
                w.sit_out_producer_blocking(c);
                continue;
            }
            w.sent(oper.send(&tx[c], msg), true);
            break;
        }
        if w.at_round_end() {
            w.end_round_blocking();
        }
    }
    w.last_round_blocking();
    w.stats
}

/// Plain `send_async`, or `select_async` over sends on two channels,
/// awaited or raced against a few yields, or `ready_async` over them and
/// a `try_send`.
async fn producer_task_tokio(tx: Senders, mut w: Worker, ids: Range<u64>) -> Stats {
    for id in ids {
        let mut msg = w.make(id);
        loop {
            let (a, b) = w.rng.two_channels();
            w.over(1 << a | 1 << b);
            match w.rng.below(8) {
                0..=2 => {
                    w.phase(Phase::SendAsync);
                    w.over(1 << a);
                    let result = tx[a].send_async(msg).await;
                    w.sent(result, false);
                    break;
                }
                pick => {
                    let mut sel = Select::new();
                    let indexes = [sel.send(&tx[a]), sel.send(&tx[b])];
                    if pick == 3 {
                        w.phase(Phase::ReadyAsyncSend);
                        let c = [a, b][channel_of(&indexes, sel.ready_async().await)];
                        match try_send_ready(&mut w, &tx, c, msg) {
                            Ok(()) => break,
                            Err(back) => {
                                msg = back;
                                w.stats.missed += 1;
                                w.phase(Phase::Yield);
                                YieldNow(1).await;
                                continue;
                            }
                        }
                    }
                    let oper = if pick <= 5 {
                        w.phase(Phase::SelectAsyncSend);
                        Some(sel.select_async().await)
                    } else {
                        w.phase(Phase::SelectAsyncSendRaced);
                        let yields = YieldNow(w.rng.below(4));
                        let select = pin!(sel.select_async());
                        match future::select(select, yields).await {
                            Either::Left((oper, _)) => Some(oper),
                            Either::Right(((), _)) => None,
                        }
                    };
                    let Some(oper) = oper else {
                        // The select future is dropped: it held nothing.
                        w.stats.cancelled += 1;
                        continue;
                    };
                    let c = [a, b][channel_of(&indexes, oper.index())];
                    let result = oper.send(&tx[c], msg);
                    w.sent(result, true);
                    break;
                }
            }
        }
        if w.at_round_end() {
            w.end_round().await;
        }
        if w.rng.below(8) == 0 {
            w.phase(Phase::Yield);
            YieldNow(1).await;
        }
    }
    w.last_round().await;
    w.stats
}

/// `select_async` over sends on a random set of channels: awaited, polled
/// once and then awaited, or polled once, left for a few yields and
/// dropped; now and then the selected operation is dropped unsent.
async fn producer_task_executor(tx: Senders, mut w: Worker, ids: Range<u64>) -> Stats {
    for id in ids {
        let mut msg = Some(w.make(id));
        while msg.is_some() {
            let set = w.send_set();
            w.over(set);
            let pick = w.rng.below(8);
            let drop_it = w.rng.below(8) == 0;
            let yields = w.rng.below(4);
            let mut sel = Select::new();
            let mut indexes = [usize::MAX; CHANNELS];
            for (c, tx) in tx.iter().enumerate() {
                if set & (1 << c) != 0 {
                    indexes[c] = sel.send(tx);
                }
            }
            let dropped = if pick <= 3 {
                w.phase(Phase::SelectAsyncSend);
                let oper = sel.select_async().await;
                finish_send(&mut w, &tx, &indexes, oper, &mut msg, drop_it)
            } else {
                w.phase(Phase::SelectAsyncSendLeft);
                let mut select = pin!(sel.select_async());
                let polled = match futures::poll!(select.as_mut()) {
                    Poll::Ready(oper) => {
                        Some(finish_send(&mut w, &tx, &indexes, oper, &mut msg, drop_it))
                    }
                    Poll::Pending => None,
                };
                match polled {
                    Some(dropped) => dropped,
                    None if pick >= 6 => {
                        // Left unpolled (a channel may pick it meanwhile),
                        // then dropped: it held nothing.
                        YieldNow(yields).await;
                        w.stats.cancelled += 1;
                        None
                    }
                    None => {
                        let oper = select.await;
                        finish_send(&mut w, &tx, &indexes, oper, &mut msg, drop_it)
                    }
                }
            };
            if let Some(c) = dropped {
                w.sit_out_producer_async(c).await;
            }
        }
        if w.at_round_end() {
            w.end_round().await;
        }
    }
    w.last_round().await;
    w.stats
}

// ----- consumers -----

/// `select!` / `select_biased!` with a receive arm per live channel
/// (a disconnected one replaced by a channel that never delivers):
/// blocking, `default` or `default(timeout)`. Never sits out.
fn consumer_thread_0(rx: Receivers, mut w: Worker) -> Stats {
    let (_never_tx, never) = tidings::unbounded::<Msg>();
    let mut live = [true; CHANNELS];
    while live.contains(&true) {
        w.over((0..CHANNELS).filter(|&c| live[c]).map(|c| 1 << c).sum());
        let r = |c: usize| if live[c] { &rx[c] } else { &never };
        // The channel and what its receive gave; `None`: nothing in time.
        let got: Option<(usize, Result<Msg, RecvError>)> = match w.rng.below(8) {
            0..=4 => {
                w.phase(Phase::SelectRecvMacro);
                Some(select! {
                    recv(r(0)) -> got => (0, got),
                    recv(r(1)) -> got => (1, got),
                    recv(r(2)) -> got => (2, got),
                    recv(r(3)) -> got => (3, got),
                })
            }
            5 => {
                w.phase(Phase::SelectRecvMacro);
                Some(select_biased! {
                    recv(r(3)) -> got => (3, got),
                    recv(r(2)) -> got => (2, got),
                    recv(r(1)) -> got => (1, got),
                    recv(r(0)) -> got => (0, got),
                })
            }
            6 => {
                w.phase(Phase::SelectRecvMacroDefault);
                let timeout = w.rng.tiny();
                select! {
                    recv(r(0)) -> got => Some((0, got)),
                    recv(r(1)) -> got => Some((1, got)),
                    recv(r(2)) -> got => Some((2, got)),
                    recv(r(3)) -> got => Some((3, got)),
                    default(timeout) => None,
                }
            }
            _ => {
                w.phase(Phase::SelectRecvMacroDefault);
                select! {
                    recv(r(0)) -> got => Some((0, got)),
                    recv(r(1)) -> got => Some((1, got)),
                    recv(r(2)) -> got => Some((2, got)),
                    recv(r(3)) -> got => Some((3, got)),
                    default => None,
                }
            }
        };
        match got {
            Some((c, Ok(msg))) => w.received(msg, c, true),
            Some((c, Err(RecvError))) => {
                w.stats.disconnected += 1;
                live[c] = false;
            }
            None => {
                w.stats.missed += 1;
                w.phase(Phase::Yield);
                thread::yield_now();
            }
        }
    }
    w.stats
}

/// One `Select` with a receive per channel: `select`, `select_timeout` or
/// `try_select`, or `ready` / `ready_timeout` and a `try_recv`; now and
/// then the selected operation is dropped uncompleted (its message goes
/// back), and then, now and then, the consumer sits the round out.
fn consumer_thread_1(rx: Receivers, mut w: Worker) -> Stats {
    let mut sel = Select::new();
    let indexes = [
        sel.recv(&rx[0]),
        sel.recv(&rx[1]),
        sel.recv(&rx[2]),
        sel.recv(&rx[3]),
    ];
    let mut live: u8 = (1 << CHANNELS) - 1;
    w.over(live);
    while live > 0 {
        let drop_it = w.rng.below(8) == 0;
        let got = match w.rng.below(10) {
            0..=4 => {
                w.phase(Phase::SelectRecv);
                finish_recv(&rx, &indexes, sel.select(), drop_it)
            }
            8 => {
                w.phase(Phase::ReadyRecv);
                let c = channel_of(&indexes, sel.ready());
                try_recv_ready(&mut w, &rx, c)
            }
            9 => {
                w.phase(Phase::ReadyRecv);
                let timeout = w.rng.tiny();
                match sel.ready_timeout(timeout) {
                    Ok(index) => try_recv_ready(&mut w, &rx, channel_of(&indexes, index)),
                    Err(_) => Got::Nothing,
                }
            }
            5..=6 => {
                w.phase(Phase::SelectRecvTimeout);
                let timeout = w.rng.tiny();
                match sel.select_timeout(timeout) {
                    Ok(oper) => finish_recv(&rx, &indexes, oper, drop_it),
                    Err(_) => Got::Nothing,
                }
            }
            _ => {
                w.phase(Phase::TrySelectRecv);
                match sel.try_select() {
                    Ok(oper) => finish_recv(&rx, &indexes, oper, drop_it),
                    Err(_) => Got::Nothing,
                }
            }
        };
        match got {
            Got::Recv(c, Ok(msg)) => {
                w.received(msg, c, true);
                w.sit_out_blocking(After::Received);
            }
            Got::Recv(c, Err(RecvError)) => {
                w.stats.disconnected += 1;
                sel.remove(indexes[c]);
                live &= !(1 << c);
                w.over(live);
            }
            Got::DroppedOp => {
                // Its message went back to the front: another consumer
                // must be told of it if this one sits out.
                w.stats.dropped_ops += 1;
                w.sit_out_blocking(After::DroppedOp);
            }
            Got::Nothing => {
                w.stats.missed += 1;
                w.phase(Phase::Yield);
                thread::yield_now();
            }
        }
    }
    w.stats
}

/// One `Select` with a receive per channel: `select_async` awaited, or
/// raced against a few yields (dropped if they win, and then, now and
/// then, the consumer sits the round out), or `ready_async` and a
/// `try_recv`.
async fn consumer_task_tokio(rx: Receivers, mut w: Worker) -> Stats {
    let mut sel = Select::new();
    let indexes = [
        sel.recv(&rx[0]),
        sel.recv(&rx[1]),
        sel.recv(&rx[2]),
        sel.recv(&rx[3]),
    ];
    let mut live: u8 = (1 << CHANNELS) - 1;
    w.over(live);
    while live > 0 {
        let pick = w.rng.below(8);
        let got = if pick <= 3 {
            w.phase(Phase::SelectAsyncRecv);
            let oper = sel.select_async().await;
            finish_recv(&rx, &indexes, oper, false)
        } else if pick == 4 {
            w.phase(Phase::ReadyAsyncRecv);
            let c = channel_of(&indexes, sel.ready_async().await);
            match try_recv_ready(&mut w, &rx, c) {
                Got::Nothing => {
                    // Taken by another consumer meanwhile.
                    w.stats.missed += 1;
                    continue;
                }
                got => got,
            }
        } else {
            w.phase(Phase::SelectAsyncRecvRaced);
            let yields = YieldNow(w.rng.below(4));
            let select = pin!(sel.select_async());
            match future::select(select, yields).await {
                Either::Left((oper, _)) => finish_recv(&rx, &indexes, oper, false),
                Either::Right(((), _)) => Got::Nothing,
            }
        };
        match got {
            Got::Recv(c, Ok(msg)) => {
                w.received(msg, c, true);
                w.sit_out_async(After::Received).await;
            }
            Got::Recv(c, Err(RecvError)) => {
                w.stats.disconnected += 1;
                sel.remove(indexes[c]);
                live &= !(1 << c);
                w.over(live);
            }
            Got::DroppedOp => unreachable!("this consumer completes what it selects"),
            Got::Nothing => {
                // The select future is dropped: it took nothing, and passed
                // on any notification it had won.
                w.stats.cancelled += 1;
                w.sit_out_async(After::Cancelled).await;
            }
        }
    }
    w.stats
}

/// One `Select` with a receive per channel: `select_async` awaited, or
/// polled once (`futures::poll!`) and then awaited, or polled once, left
/// unpolled for a few yields and dropped (then, now and then, the consumer
/// sits the round out); now and then the selected operation is dropped
/// uncompleted.
async fn consumer_task_executor(rx: Receivers, mut w: Worker) -> Stats {
    let mut sel = Select::new();
    let indexes = [
        sel.recv(&rx[0]),
        sel.recv(&rx[1]),
        sel.recv(&rx[2]),
        sel.recv(&rx[3]),
    ];
    let mut live: u8 = (1 << CHANNELS) - 1;
    w.over(live);
    while live > 0 {
        let pick = w.rng.below(8);
        let drop_it = w.rng.below(16) == 0;
        let yields = w.rng.below(4);
        let got = if pick <= 3 {
            w.phase(Phase::SelectAsyncRecv);
            let oper = sel.select_async().await;
            finish_recv(&rx, &indexes, oper, drop_it)
        } else {
            w.phase(Phase::SelectAsyncRecvLeft);
            let mut select = pin!(sel.select_async());
            let polled = match futures::poll!(select.as_mut()) {
                Poll::Ready(oper) => Some(finish_recv(&rx, &indexes, oper, drop_it)),
                Poll::Pending => None,
            };
            match polled {
                Some(got) => got,
                None if pick >= 6 => {
                    // Left unpolled (a channel may pick it meanwhile), then
                    // dropped.
                    YieldNow(yields).await;
                    w.stats.cancelled += 1;
                    Got::Nothing
                }
                None => finish_recv(&rx, &indexes, select.await, drop_it),
            }
        };
        match got {
            Got::Recv(c, Ok(msg)) => {
                w.received(msg, c, true);
                w.sit_out_async(After::Received).await;
            }
            Got::Recv(c, Err(RecvError)) => {
                w.stats.disconnected += 1;
                sel.remove(indexes[c]);
                live &= !(1 << c);
                w.over(live);
            }
            Got::DroppedOp => {
                w.stats.dropped_ops += 1;
                w.sit_out_async(After::DroppedOp).await;
            }
            Got::Nothing => w.sit_out_async(After::Cancelled).await,
        }
    }
    w.stats
}

// ----- a run -----

/// Runs the eight workers over the four channels with `n` messages;
/// checks every id's record, the checksums and the coverage.
fn run(n: usize) {
    assert!(n >= 8, "at least 8 messages");
    let seed = seed();
    // Printed for a failing test (the harness shows a failing test's output).
    eprintln!("select stress: {n} messages, TIDINGS_STRESS_SEED={seed}");
    let ledger = Arc::new(Ledger::new(n));
    // About 256 rounds (more with the producers sitting out).
    let rounds = Rounds {
        every: ((n / PRODUCERS / 256) as u64).max(4),
    };
    let worker = |index: usize| Worker {
        ledger: ledger.clone(),
        index,
        rng: Rng::new(seed, index as u64),
        stats: Stats::default(),
        rounds,
    };
    // Producer p owns the ids p*n/4 .. (p+1)*n/4.
    let ids = |p: usize| (p * n / PRODUCERS) as u64..((p + 1) * n / PRODUCERS) as u64;

    let (tx, rx) = channels();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let executor = Arc::new(async_executor::Executor::new());

    let producer_threads = [
        {
            let (tx, w, ids) = (tx.clone(), worker(0), ids(0));
            thread::spawn(move || producer_thread_0(tx, w, ids))
        },
        {
            let (tx, w, ids) = (tx.clone(), worker(1), ids(1));
            thread::spawn(move || producer_thread_1(tx, w, ids))
        },
    ];
    let consumer_threads = [
        {
            let (rx, w) = (rx.clone(), worker(4));
            thread::spawn(move || consumer_thread_0(rx, w))
        },
        {
            let (rx, w) = (rx.clone(), worker(5));
            thread::spawn(move || consumer_thread_1(rx, w))
        },
    ];
    let tokio_tasks = (
        tokio.spawn(producer_task_tokio(tx.clone(), worker(2), ids(2))),
        tokio.spawn(consumer_task_tokio(rx.clone(), worker(6))),
    );
    let executor_thread = {
        let producer = executor.spawn(producer_task_executor(tx.clone(), worker(3), ids(3)));
        let consumer = executor.spawn(consumer_task_executor(rx.clone(), worker(7)));
        let executor = executor.clone();
        thread::spawn(move || {
            futures_lite::future::block_on(
                executor.run(async move { (producer.await, consumer.await) }),
            )
        })
    };
    drop(tx);
    // Kept for the report of a hung run only (it never receives).
    let probe = rx;

    let start = Instant::now();
    wait_for_workers(&ledger, &probe);
    eprintln!("  workers done in {:?}", start.elapsed());

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
    // The last receivers: a message left in a channel is dropped here, and
    // recorded as lost.
    drop(probe);
    let stats = [p0, p1, p2, p3, c0, c1, c2, c3];
    for (name, stats) in WORKERS.iter().zip(&stats) {
        eprintln!("  {name}: {stats:?}");
    }
    check(&ledger, n, &stats);
}

/// Waits until every worker is done, ending the rounds as the producers
/// arrive at their ends; fails (instead of hanging) if no message moves
/// for [`stall_limit`]. (Under miri too: the workers that wait for a round
/// sleep and poll, which miri does not see as a deadlock.)
fn wait_for_workers(ledger: &Ledger, probe: &Receivers) {
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
        } else if since.elapsed() > limit {
            let phases: Vec<String> = (0..WORKERS.len())
                .map(|i| {
                    let phase = PHASES[ledger.phases[i].load(SeqCst) as usize];
                    let set = ledger.sets[i].load(SeqCst);
                    let over: Vec<&str> = (0..CHANNELS)
                        .filter(|&c| set & (1 << c) != 0)
                        .map(|c| FLAVORS[c])
                        .collect();
                    format!("{}: {phase}, over {over:?}", WORKERS[i])
                })
                .collect();
            // What each channel holds (a bounded channel full though empty:
            // its slots are held).
            let channels: Vec<String> = (0..CHANNELS)
                .map(|c| {
                    let rx = &probe[c];
                    format!("{}: len {}, full {}", FLAVORS[c], rx.len(), rx.is_full())
                })
                .collect();
            // Made, but not received: in a channel, in a waiting send, or
            // lost.
            let in_flight: Vec<usize> = (ledger.ids.iter().enumerate())
                .filter(|(_, state)| state.load(SeqCst) == CREATED)
                .map(|(id, _)| id)
                .collect();
            let errors = ledger.errors.lock().unwrap_or_else(|e| e.into_inner());
            panic!(
                "no message moved for {limit:?} (hung): made {}, received {}, sent {}, \
                 dropped {}, round {} (producers waiting at its end: {}); {} messages \
                 in flight: {:?}; workers: {phases:#?}; channels: {channels:#?}; \
                 errors: {errors:#?}",
                ledger.created.load(SeqCst),
                ledger.received.load(SeqCst),
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
fn check(ledger: &Ledger, n: usize, stats: &[Stats; 8]) {
    let errors = ledger.errors.lock().unwrap_or_else(|e| e.into_inner());
    assert!(
        errors.is_empty(),
        "{} errors, the first ones: {errors:#?}",
        ledger.error_count.load(SeqCst)
    );

    // Every id made, received once and dropped once.
    let mut bad = Vec::new();
    let mut received_sum = 0u64;
    for (id, state) in ledger.ids.iter().enumerate() {
        let state = state.load(SeqCst);
        if state == CREATED | RECEIVED | DROPPED {
            received_sum += id as u64;
        } else {
            bad.push((id, state));
        }
    }
    let bad_count = bad.len();
    bad.truncate(20);
    assert!(
        bad.is_empty(),
        "{bad_count} ids not made, received and dropped exactly once \
         (id, CREATED=1|RECEIVED=2|DROPPED=4): {bad:?}"
    );

    // The counters kept as it ran agree, and so do the checksums.
    let all = (n as u64) * (n as u64 - 1) / 2;
    assert_eq!(received_sum, all);
    assert_eq!(ledger.created.load(SeqCst), n, "messages made");
    assert_eq!(ledger.created_sum.load(SeqCst), all, "checksum of made");
    assert_eq!(ledger.sent.load(SeqCst), n, "every message sent once");
    assert_eq!(
        ledger.received.load(SeqCst),
        n,
        "every message received once"
    );
    assert_eq!(
        ledger.received_sum.load(SeqCst),
        all,
        "checksum of received"
    );
    assert_eq!(ledger.drops.load(SeqCst), n, "every message dropped once");
    let by_channel: Vec<usize> = ledger.by_channel.iter().map(|c| c.load(SeqCst)).collect();
    eprintln!("  received by channel ({FLAVORS:?}): {by_channel:?}");
    assert_eq!(by_channel.iter().sum::<usize>(), n);
    let made: u64 = stats[..PRODUCERS].iter().map(|s| s.messages).sum();
    assert_eq!(made as usize, n, "producers' counts");
    let consumed: u64 = stats[PRODUCERS..].iter().map(|s| s.messages).sum();
    assert_eq!(consumed as usize, n, "consumers' counts");
    for (name, s) in WORKERS.iter().zip(&stats[PRODUCERS..]) {
        assert_eq!(
            s.disconnected, CHANNELS as u64,
            "{name}: saw every channel disconnected at the end"
        );
    }

    // Coverage: with this many messages, every path was taken (each is
    // picked at random often enough that missing it is out of the
    // question, whatever the interleaving).
    if n >= 100_000 {
        assert!(
            by_channel.iter().all(|&c| c > 0),
            "every channel carried messages: {by_channel:?}"
        );
        let [p0, p1, p2, p3, c0, c1, c2, c3] = stats;
        let took = |s: &Stats| (s.selected, s.dropped_ops, s.cancelled, s.ready);
        assert!(p0.plain > 0 && p0.selected > 0, "{}", WORKERS[0]);
        assert!(
            p1.dropped_ops > 0 && p1.ready > 0,
            "{}: {:?}",
            WORKERS[1],
            took(p1)
        );
        assert!(
            p2.plain > 0 && p2.cancelled > 0 && p2.ready > 0,
            "{}: {:?}",
            WORKERS[2],
            took(p2)
        );
        assert!(
            p3.dropped_ops > 0 && p3.cancelled > 0,
            "{}: {:?}",
            WORKERS[3],
            took(p3)
        );
        assert!(c0.selected > 0, "{}", WORKERS[4]);
        assert!(
            c1.dropped_ops > 0 && c1.ready > 0,
            "{}: {:?}",
            WORKERS[5],
            took(c1)
        );
        assert!(
            c2.cancelled > 0 && c2.ready > 0,
            "{}: {:?}",
            WORKERS[6],
            took(c2)
        );
        assert!(
            c3.dropped_ops > 0 && c3.cancelled > 0,
            "{}: {:?}",
            WORKERS[7],
            took(c3)
        );
        let sat_out = |s: &[Stats]| s.iter().filter(|s| s.sat_out > 0).count();
        assert_eq!(
            sat_out(&stats[..PRODUCERS]),
            2,
            "the producers that drop sends sat out"
        );
        assert_eq!(
            sat_out(&stats[PRODUCERS..]),
            3,
            "every consumer but one sat out"
        );
    }
}

// ----- the test -----

#[test]
fn select_stress() {
    run(messages());
}

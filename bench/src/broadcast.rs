//! broadcast: every receiver sees every message. 1 sender and 1 or 4
//! receivers; ns per message is the run's time over the messages *sent*.
//!
//! Two policies for a full channel (the slowest receiver `cap` messages
//! behind):
//!
//! - `backpressure(cap)`: the send waits. tidings' `broadcast::channel`
//!   against async-broadcast (which waits on full by default). tokio's
//!   broadcast has no such mode.
//! - `lagging(cap)`: the send overwrites the oldest message and a receiver
//!   that missed it is told how many it missed. tidings'
//!   `broadcast::lagging` against tokio's `sync::broadcast` and
//!   async-broadcast with `set_overflow(true)`. Here a receiver reads what
//!   it keeps up with and is told how much it missed: the time per
//!   message sent is the sender's pace with 4 receivers reading alongside
//!   it. How much they read differs between libraries and from run to run
//!   (a library whose receivers fall further behind does less work), so
//!   these are not like for like; the `seq` scenarios compare the lagging
//!   channels where nothing is lost.
//!
//! The scenarios:
//!
//! - `seq/1xR/1024/T`: one thread sends 1024 messages (a full channel),
//!   then each of the R receivers reads them, in turn, until N are sent
//!   and read (`try_send` / `try_recv`; tokio's lagging channel never
//!   lags here, so it runs too, and so does tidings' lagging one, as
//!   `tidings lagging`). Instruction counts apply.
//! - `threads/1xR/POLICY/T`: 1 sender thread, R receiver threads, every
//!   operation blocking. async-broadcast's `broadcast_blocking` /
//!   `recv_blocking` (its futures, waited on by event-listener) and
//!   tokio's `send` (which never waits) / `blocking_recv`.
//! - `multi-thread/1xR/POLICY/T`: 1 sender task and R receiver tasks on
//!   tokio's multi-thread runtime, every operation awaited
//!   (async-broadcast's unboxed `broadcast_direct` / `recv_direct`; tokio's
//!   `send` is not async); `current-thread/1x4/backpressure(16)/usize`
//!   too (a lagging sender would run to the end before any receiver on
//!   one thread).
//!
//! Messages are `usize`, or 64 bytes (a copy per receiver but the last,
//! which moves it out in tidings and async-broadcast; tokio clones for
//! every receiver). Each receiver checks every message it gets: the
//! `i`th message carries `i`, a lag of `k` skips exactly `k`, and the
//! positions add up to N (nothing lost under backpressure), so a broken
//! run fails instead of producing a fast number.

use std::fmt;
use std::future::Future;
use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{Config, Impl, Runtime, Scenario};

const FAMILY: &str = "broadcast";

/// The [`Impl`]s of one scenario: for each library in the list that has
/// `policy`, `run` with the type `B` standing for that library.
macro_rules! impls {
    ($policy:expr, [$($lib:ident),*], |$b:ident| $run:expr) => {{
        let mut impls = Vec::new();
        $(
            if <$lib as Broadcast>::supports($policy) {
                type $b = $lib;
                impls.push(Impl::new(<$lib as Broadcast>::NAME, $run));
            }
        )*
        impls
    }};
}

/// Messages sent per burst in the `seq` scenarios (their capacity).
const BURST: usize = 1024;

pub fn scenarios(cfg: &Config) -> Vec<Scenario> {
    let mut out = Vec::new();
    for receivers in [1, 4] {
        add_seq::<usize>(cfg, receivers, &mut out);
    }
    add_seq::<Bytes64>(cfg, 4, &mut out);

    // (receivers, policy, 64-byte messages too)
    let shapes = [
        (1, Policy::Backpressure(16), false),
        (4, Policy::Backpressure(16), false),
        (4, Policy::Backpressure(1024), true),
        (4, Policy::Lagging(16), false),
        (4, Policy::Lagging(1024), true),
    ];
    for (receivers, policy, both) in shapes {
        add_threads::<usize>(cfg, receivers, policy, &mut out);
        if both {
            add_threads::<Bytes64>(cfg, receivers, policy, &mut out);
        }
    }
    for (receivers, policy, both) in shapes {
        add_tasks::<usize>(cfg, Runtime::MultiThread, receivers, policy, &mut out);
        if both {
            add_tasks::<Bytes64>(cfg, Runtime::MultiThread, receivers, policy, &mut out);
        }
    }
    add_tasks::<usize>(
        cfg,
        Runtime::CurrentThread,
        4,
        Policy::Backpressure(16),
        &mut out,
    );
    out
}

fn add_seq<T: Msg>(cfg: &Config, receivers: usize, out: &mut Vec<Scenario>) {
    let name = format!("seq/1x{receivers}/{BURST}/{}", T::NAME);
    let s = Scenario::new(FAMILY, name, cfg.messages(200_000))
        .single_thread()
        .with(Impl::new("tidings", move |n| {
            seq::<Tidings, T>(false, receivers, n)
        }))
        .with(Impl::new("tidings lagging", move |n| {
            seq::<Tidings, T>(true, receivers, n)
        }))
        .with(Impl::new("async-broadcast", move |n| {
            seq::<AsyncBroadcast, T>(false, receivers, n)
        }))
        .with(Impl::new("tokio", move |n| {
            seq::<Tokio, T>(true, receivers, n)
        }));
    out.push(s);
}

fn add_threads<T: Msg>(cfg: &Config, receivers: usize, policy: Policy, out: &mut Vec<Scenario>) {
    let name = format!("threads/1x{receivers}/{policy}/{}", T::NAME);
    let mut s = Scenario::new(FAMILY, name, cfg.messages(messages(policy)));
    s.impls = impls!(policy, [Tidings, AsyncBroadcast, Tokio], |B| move |n| {
        threads::<B, T>(policy, receivers, n)
    });
    out.push(s);
}

fn add_tasks<T: Msg>(
    cfg: &Config,
    rt: Runtime,
    receivers: usize,
    policy: Policy,
    out: &mut Vec<Scenario>,
) {
    let name = format!("{}/1x{receivers}/{policy}/{}", rt.name(), T::NAME);
    let mut s = Scenario::new(FAMILY, name, cfg.messages(messages(policy)));
    s.impls = impls!(policy, [Tidings, AsyncBroadcast, Tokio], |B| move |n| {
        tasks::<B, T>(rt, policy, receivers, n)
    });
    out.push(s);
}

/// Default messages per run: a small backpressure channel hands off
/// between threads every few messages, which costs microseconds.
fn messages(policy: Policy) -> usize {
    match policy {
        Policy::Backpressure(cap) if cap < 100 => 20_000,
        _ => 100_000,
    }
}

/// One thread: bursts of [`BURST`] sends, each followed by every receiver
/// reading the burst, until `n` messages are sent and read.
fn seq<B: Broadcast, T: Msg>(lagging: bool, receivers: usize, n: usize) -> Duration {
    let policy = if lagging {
        Policy::Lagging(BURST)
    } else {
        Policy::Backpressure(BURST)
    };
    let start = Instant::now();
    let (tx, rx) = B::new::<T>(policy);
    let mut rxs = subscribe::<B, T>(&tx, rx, receivers);
    let mut tallies: Vec<Tally> = (0..receivers).map(|_| Tally::new(policy)).collect();
    let mut sent = 0;
    while sent < n {
        let burst = BURST.min(n - sent);
        for i in sent..sent + burst {
            B::try_send(&tx, T::new(i));
        }
        sent += burst;
        for (rx, tally) in rxs.iter_mut().zip(&mut tallies) {
            for _ in 0..burst {
                assert!(tally.see(B::try_recv(rx)), "{}: closed early", B::NAME);
            }
        }
    }
    drop(tx);
    for (rx, mut tally) in rxs.iter_mut().zip(tallies) {
        assert!(
            !tally.see(B::try_recv(rx)),
            "{}: a message too many",
            B::NAME
        );
        tally.finish(B::NAME, n);
    }
    start.elapsed()
}

/// 1 sender thread sends `n` messages; `receivers` threads read until the
/// channel closes.
fn threads<B: Broadcast, T: Msg>(policy: Policy, receivers: usize, n: usize) -> Duration {
    let start = Instant::now();
    let (tx, rx) = B::new::<T>(policy);
    let rxs = subscribe::<B, T>(&tx, rx, receivers);
    thread::scope(|s| {
        for mut rx in rxs {
            s.spawn(move || {
                let mut tally = Tally::new(policy);
                while tally.see(B::recv(&mut rx)) {}
                tally.finish(B::NAME, n);
            });
        }
        s.spawn(move || {
            for i in 0..n {
                B::send(&tx, T::new(i));
            }
        });
    });
    start.elapsed()
}

/// 1 sender task sends `n` messages; `receivers` tasks read until the
/// channel closes.
fn tasks<B: Broadcast, T: Msg>(
    rt: Runtime,
    policy: Policy,
    receivers: usize,
    n: usize,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let (tx, rx) = B::new::<T>(policy);
        let rxs = subscribe::<B, T>(&tx, rx, receivers);
        let mut tasks: Vec<_> = rxs
            .into_iter()
            .map(|mut rx| {
                tokio::spawn(async move {
                    let mut tally = Tally::new(policy);
                    while tally.see(B::recv_async(&mut rx).await) {}
                    tally.finish(B::NAME, n);
                })
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            for i in 0..n {
                B::send_async(&tx, T::new(i)).await;
            }
        }));
        for task in tasks {
            task.await.expect("a task panicked");
        }
        start.elapsed()
    })
}

/// `rx` and `receivers - 1` more, all at the start of the channel.
fn subscribe<B: Broadcast, T: Msg>(tx: &B::Tx<T>, rx: B::Rx<T>, receivers: usize) -> Vec<B::Rx<T>> {
    let mut rxs: Vec<_> = (1..receivers).map(|_| B::subscribe(tx)).collect();
    rxs.push(rx);
    rxs
}

/// One receiver's account of a run, checked message by message.
struct Tally {
    lagging: bool,
    /// The index of the next message this receiver should get.
    next: usize,
}

impl Tally {
    fn new(policy: Policy) -> Self {
        Tally {
            lagging: matches!(policy, Policy::Lagging(_)),
            next: 0,
        }
    }

    /// Checks what a receive got; false at the end of the channel.
    #[inline]
    fn see<T: Msg>(&mut self, got: Got<T>) -> bool {
        match got {
            Got::Msg(msg) => {
                let i = black_box(&msg).index();
                assert_eq!(i, self.next, "message {i} out of place");
                self.next += 1;
                true
            }
            Got::Lagged(missed) => {
                assert!(self.lagging, "a backpressure channel lost messages");
                self.next += usize::try_from(missed).expect("a lag fits in usize");
                true
            }
            Got::Closed => false,
        }
    }

    /// The messages received and missed add up to those sent.
    fn finish(self, name: &str, n: usize) {
        assert_eq!(
            self.next, n,
            "{name}: a receiver got to message {} of {n}",
            self.next
        );
    }
}

/// A message type whose value says which message it is.
trait Msg: Clone + Send + Sync + Unpin + 'static {
    /// Its name in scenario names.
    const NAME: &'static str;
    /// The `i`th message of a run.
    fn new(i: usize) -> Self;
    /// Which message this is.
    fn index(&self) -> usize;
}

impl Msg for usize {
    const NAME: &'static str = "usize";
    fn new(i: usize) -> Self {
        i
    }
    fn index(&self) -> usize {
        *self
    }
}

/// A 64-byte message, to see what a copy per receiver costs.
#[derive(Clone, Copy, Debug)]
struct Bytes64([u64; 8]);

impl Msg for Bytes64 {
    const NAME: &'static str = "64B";
    fn new(i: usize) -> Self {
        Bytes64([i as u64; 8])
    }
    fn index(&self) -> usize {
        self.0[0] as usize
    }
}

/// What a full channel does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    /// The send waits.
    Backpressure(usize),
    /// The send overwrites the oldest message.
    Lagging(usize),
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Backpressure(cap) => write!(f, "backpressure({cap})"),
            Policy::Lagging(cap) => write!(f, "lagging({cap})"),
        }
    }
}

/// What a receive got.
enum Got<T> {
    Msg(T),
    /// This many messages were overwritten before the receiver read them.
    Lagged(u64),
    /// Closed, and everything read.
    Closed,
}

const CLOSED: &str = "the channel closed during a run";

/// A broadcast channel library, blocking and async (all three have both).
trait Broadcast: 'static {
    /// The implementation's name in the results.
    const NAME: &'static str;
    type Tx<T: Msg>: Send + Sync + 'static;
    type Rx<T: Msg>: Send + 'static;
    /// Whether the library has this policy.
    fn supports(policy: Policy) -> bool;
    /// A new channel (of a supported policy) and its first receiver.
    fn new<T: Msg>(policy: Policy) -> (Self::Tx<T>, Self::Rx<T>);
    /// A receiver of what is sent from now on.
    fn subscribe<T: Msg>(tx: &Self::Tx<T>) -> Self::Rx<T>;
    /// A send that finds room (or overwrites).
    fn try_send<T: Msg>(tx: &Self::Tx<T>, msg: T);
    /// A receive that finds a message (or a lag, or the end).
    fn try_recv<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T>;
    fn send<T: Msg>(tx: &Self::Tx<T>, msg: T);
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T>;
    fn send_async<T: Msg>(tx: &Self::Tx<T>, msg: T) -> impl Future<Output = ()> + Send + '_;
    fn recv_async<T: Msg>(rx: &mut Self::Rx<T>) -> impl Future<Output = Got<T>> + Send + '_;
}

struct Tidings;

impl Tidings {
    fn got<T>(got: Result<T, tidings::broadcast::RecvError>) -> Got<T> {
        use tidings::broadcast::RecvError;
        match got {
            Ok(msg) => Got::Msg(msg),
            Err(RecvError::Lagged(missed)) => Got::Lagged(missed),
            Err(RecvError::Disconnected) => Got::Closed,
        }
    }
}

impl Broadcast for Tidings {
    const NAME: &'static str = "tidings";
    type Tx<T: Msg> = tidings::broadcast::Sender<T>;
    type Rx<T: Msg> = tidings::broadcast::Receiver<T>;
    fn supports(_: Policy) -> bool {
        true
    }
    fn new<T: Msg>(policy: Policy) -> (Self::Tx<T>, Self::Rx<T>) {
        match policy {
            Policy::Backpressure(cap) => tidings::broadcast::channel(cap),
            Policy::Lagging(cap) => tidings::broadcast::lagging(cap),
        }
    }
    fn subscribe<T: Msg>(tx: &Self::Tx<T>) -> Self::Rx<T> {
        tx.subscribe()
    }
    fn try_send<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        if tx.try_send(msg).is_err() {
            panic!("tidings: a send found no room");
        }
    }
    fn try_recv<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        use tidings::broadcast::TryRecvError;
        match rx.try_recv() {
            Ok(msg) => Got::Msg(msg),
            Err(TryRecvError::Lagged(missed)) => Got::Lagged(missed),
            Err(TryRecvError::Disconnected) => Got::Closed,
            Err(TryRecvError::Empty) => panic!("tidings: a receive found nothing"),
        }
    }
    fn send<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        tx.send(msg).expect(CLOSED);
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        Self::got(rx.recv())
    }
    async fn send_async<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        tx.send_async(msg).await.expect(CLOSED)
    }
    async fn recv_async<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        Self::got(rx.recv_async().await)
    }
}

/// async-broadcast: a `Mutex` over a `VecDeque`, event-listener for the
/// waits; overflow mode (`set_overflow(true)`) for lagging.
struct AsyncBroadcast;

impl AsyncBroadcast {
    fn got<T>(got: Result<T, async_broadcast::RecvError>) -> Got<T> {
        use async_broadcast::RecvError;
        match got {
            Ok(msg) => Got::Msg(msg),
            Err(RecvError::Overflowed(missed)) => Got::Lagged(missed),
            Err(RecvError::Closed) => Got::Closed,
        }
    }
}

impl Broadcast for AsyncBroadcast {
    const NAME: &'static str = "async-broadcast";
    type Tx<T: Msg> = async_broadcast::Sender<T>;
    type Rx<T: Msg> = async_broadcast::Receiver<T>;
    fn supports(_: Policy) -> bool {
        true
    }
    fn new<T: Msg>(policy: Policy) -> (Self::Tx<T>, Self::Rx<T>) {
        match policy {
            Policy::Backpressure(cap) => async_broadcast::broadcast(cap),
            Policy::Lagging(cap) => {
                let (mut tx, rx) = async_broadcast::broadcast(cap);
                tx.set_overflow(true);
                (tx, rx)
            }
        }
    }
    fn subscribe<T: Msg>(tx: &Self::Tx<T>) -> Self::Rx<T> {
        tx.new_receiver()
    }
    fn try_send<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        if tx.try_broadcast(msg).is_err() {
            panic!("async-broadcast: a send found no room");
        }
    }
    fn try_recv<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        use async_broadcast::TryRecvError;
        match rx.try_recv() {
            Ok(msg) => Got::Msg(msg),
            Err(TryRecvError::Overflowed(missed)) => Got::Lagged(missed),
            Err(TryRecvError::Closed) => Got::Closed,
            Err(TryRecvError::Empty) => panic!("async-broadcast: a receive found nothing"),
        }
    }
    fn send<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        tx.broadcast_blocking(msg).expect(CLOSED);
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        Self::got(rx.recv_blocking())
    }
    async fn send_async<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        tx.broadcast_direct(msg).await.expect(CLOSED);
    }
    async fn recv_async<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        Self::got(rx.recv_direct().await)
    }
}

/// `tokio::sync::broadcast`: lagging only (a send never waits; capacity
/// rounded up to a power of two, which 16 and 1024 are); it clones a
/// message for every receiver, the last one too.
struct Tokio;

impl Tokio {
    fn got<T>(got: Result<T, tokio::sync::broadcast::error::RecvError>) -> Got<T> {
        use tokio::sync::broadcast::error::RecvError;
        match got {
            Ok(msg) => Got::Msg(msg),
            Err(RecvError::Lagged(missed)) => Got::Lagged(missed),
            Err(RecvError::Closed) => Got::Closed,
        }
    }
}

impl Broadcast for Tokio {
    const NAME: &'static str = "tokio";
    type Tx<T: Msg> = tokio::sync::broadcast::Sender<T>;
    type Rx<T: Msg> = tokio::sync::broadcast::Receiver<T>;
    fn supports(policy: Policy) -> bool {
        matches!(policy, Policy::Lagging(_))
    }
    fn new<T: Msg>(policy: Policy) -> (Self::Tx<T>, Self::Rx<T>) {
        match policy {
            Policy::Lagging(cap) => tokio::sync::broadcast::channel(cap),
            Policy::Backpressure(_) => unreachable!("tokio's broadcast never waits"),
        }
    }
    fn subscribe<T: Msg>(tx: &Self::Tx<T>) -> Self::Rx<T> {
        tx.subscribe()
    }
    fn try_send<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        Self::send(tx, msg);
    }
    fn try_recv<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        use tokio::sync::broadcast::error::TryRecvError;
        match rx.try_recv() {
            Ok(msg) => Got::Msg(msg),
            Err(TryRecvError::Lagged(missed)) => Got::Lagged(missed),
            Err(TryRecvError::Closed) => Got::Closed,
            Err(TryRecvError::Empty) => panic!("tokio: a receive found nothing"),
        }
    }
    fn send<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        if tx.send(msg).is_err() {
            panic!("tokio: no receiver left");
        }
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        Self::got(rx.blocking_recv())
    }
    async fn send_async<T: Msg>(tx: &Self::Tx<T>, msg: T) {
        Self::send(tx, msg);
    }
    async fn recv_async<T: Msg>(rx: &mut Self::Rx<T>) -> Got<T> {
        Self::got(rx.recv().await)
    }
}

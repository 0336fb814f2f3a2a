//! Helpers shared by the integration tests: a message that counts its
//! drops, wakers that count their wakes (and one whose clone or drop
//! panics), a way to run one async test body under every executor the crate
//! promises to work with, and the test bodies that more than one channel
//! kind runs ([`cases`]), written once against the small [`Tx`] and [`Rx`]
//! traits that every kind's halves implement.
#![allow(dead_code)]

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use tidings::oneshot::{self, SlotReceiver, SlotSender};
use tidings::{multishot, RecvError, RecvTimeoutError, SendError, TryRecvError};

// ----- time and threads -----

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
    thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 10 }));
}

/// `f`, run after a [`pause`]: for the other side of [`concurrently`], so
/// that this side is likely waiting already when it runs.
pub fn after_pause<R>(f: impl FnOnce() -> R + Send) -> impl FnOnce() -> R + Send {
    move || {
        pause();
        f()
    }
}

/// Runs `there` on a second (scoped) thread while this thread runs `here`,
/// and returns both results once the second thread is joined.
pub fn concurrently<A: Send, B>(
    there: impl FnOnce() -> A + Send,
    here: impl FnOnce() -> B,
) -> (A, B) {
    thread::scope(|s| {
        let there = s.spawn(there);
        let here = here();
        (there.join().unwrap(), here)
    })
}

/// Runs `receive` on this thread while a second thread sends `msg` through
/// `tx` after a [`pause`] (so that `receive` is likely waiting by then);
/// checks that the send went through, and returns what `receive` returned.
pub fn receive_while_sent<T: Send, R>(tx: impl Tx<T>, msg: T, receive: impl FnOnce() -> R) -> R {
    let (sent, got) = concurrently(after_pause(move || tx.send(msg).is_ok()), receive);
    assert!(sent, "the send failed");
    got
}

// ----- messages -----

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

/// The value of a received message (dropping the message), for comparisons:
/// `value(rx.recv())`, or `poll.map(value)` for a polled receive.
pub fn value<E>(got: Result<Counted, E>) -> Result<u64, E> {
    got.map(|m| m.value)
}

/// How many [`CountedZst`]s were dropped in this test binary.
pub static ZST_DROPS: AtomicUsize = AtomicUsize::new(0);

/// A zero-sized message that counts its drops in [`ZST_DROPS`] (it has no
/// room for a counter of its own): use it in one test per binary only.
#[derive(Debug)]
pub struct CountedZst;

impl Drop for CountedZst {
    fn drop(&mut self) {
        ZST_DROPS.fetch_add(1, SeqCst);
    }
}

/// A message that counts its drop in its [`DropCounter`] and then, if
/// `armed`, panics.
pub struct Bomb {
    pub drops: DropCounter,
    pub armed: bool,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        drop(self.drops.msg(0));
        if self.armed {
            panic!("boom");
        }
    }
}

/// A message that is neither `Debug` nor `Sync` (and counts its drop).
pub struct NotDebug(pub std::cell::Cell<u8>, pub Counted);

// ----- wakers and polling -----

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

/// Polls `fut` once with `waker`.
pub fn poll_with<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// A future that is pending once (waking itself), then ready.
#[derive(Debug, Default)]
pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A waker made by hand, so that its clone or its drop can panic.
#[allow(unsafe_code)] // a hand-made `RawWaker` needs it
pub mod hostile {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::{RawWaker, RawWakerVTable, Waker};

    /// What the wakers made from these flags do; the test keeps one `Arc`
    /// of them, and each waker owns one more.
    #[derive(Debug, Default)]
    pub struct Flags {
        pub panic_on_clone: AtomicBool,
        pub panic_on_drop: AtomicBool,
        pub wakes: AtomicUsize,
    }

    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

    fn flags(data: *const ()) -> &'static Flags {
        // SAFETY: `data` is an `Arc<Flags>` pointer that the waker owns one count of; the test keeps another alive throughout.
        unsafe { &*(data as *const Flags) }
    }

    fn clone(data: *const ()) -> RawWaker {
        assert!(!flags(data).panic_on_clone.load(SeqCst), "clone panics");
        // SAFETY: `data` came from `Arc::into_raw` and is alive (we hold a count); the new waker owns the count added here.
        unsafe { Arc::increment_strong_count(data as *const Flags) };
        RawWaker::new(data, &VTABLE)
    }

    fn wake(data: *const ()) {
        wake_by_ref(data);
        drop_waker(data);
    }

    fn wake_by_ref(data: *const ()) {
        flags(data).wakes.fetch_add(1, SeqCst);
    }

    fn drop_waker(data: *const ()) {
        let panic = flags(data).panic_on_drop.load(SeqCst);
        // SAFETY: releases the one count this waker owned.
        unsafe { Arc::decrement_strong_count(data as *const Flags) };
        assert!(!panic, "drop panics");
    }

    /// A waker that obeys `flags`, and owns one count of them.
    pub fn waker(flags: &Arc<Flags>) -> Waker {
        let data = Arc::into_raw(flags.clone()) as *const ();
        // SAFETY: `data` owns one `Arc` count, and the vtable keeps the `RawWaker` contract: each clone adds a count, each drop or wake releases one.
        unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
    }
}

/// Hostile parts that panic on their n-th call: a waker whose clone,
/// wake or drop, and a message whose `Clone` or `Drop`, is user code that
/// may panic wherever the crate runs it. One fuse per test thread counts
/// every such call ([`tick`]) and fires on the n-th; [`sweep`] runs a
/// scenario once for every n it reaches, and checks afterwards that every
/// message was dropped exactly once (received or not), that no message was
/// received twice, that no waker was leaked, and (with the counting
/// allocator of the calling test binary) that nothing else was.
#[allow(unsafe_code)] // a hand-made `RawWaker` needs it
pub mod fuse {
    use std::cell::Cell;
    use std::collections::HashMap;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::{Arc, Mutex, Once};
    use std::task::{RawWaker, RawWakerVTable, Waker};

    std::thread_local! {
        /// Hostile calls made on this thread since the fuse was armed.
        static CALLS: Cell<usize> = const { Cell::new(0) };
        /// The call that panics (1-based); 0: none.
        static AT: Cell<usize> = const { Cell::new(0) };
        /// Fuse wakers alive on this thread.
        static WAKERS: Cell<isize> = const { Cell::new(0) };
    }

    /// The payload of a fuse's panic (zero-sized: panicking allocates
    /// nothing that a leak check would see).
    #[derive(Debug)]
    pub struct Blown;

    /// Counts a hostile call; panics if it is the one the fuse is set for.
    pub fn tick() {
        let n = CALLS.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        if n == AT.with(Cell::get) {
            std::panic::panic_any(Blown);
        }
    }

    /// Resets the count; the `at`-th call from now panics (0: none).
    pub fn arm(at: usize) {
        CALLS.with(|c| c.set(0));
        AT.with(|a| a.set(at));
    }

    /// Disarms the fuse; returns the calls counted since it was armed.
    pub fn disarm() -> usize {
        AT.with(|a| a.set(0));
        CALLS.with(Cell::get)
    }

    /// Runs `f` with the fuse off and its count left as it was: for the
    /// checks between a scenario's steps, which are not part of it.
    pub fn unhooked<R>(f: impl FnOnce() -> R) -> R {
        let (calls, at) = (CALLS.with(Cell::get), AT.with(Cell::get));
        AT.with(|a| a.set(0));
        let out = f();
        CALLS.with(|c| c.set(calls));
        AT.with(|a| a.set(at));
        out
    }

    /// Runs `f`; a panic (the fuse's, or a crate assertion's, which the
    /// sweep then reports) is caught and `None` returned.
    pub fn step<R>(f: impl FnOnce() -> R) -> Option<R> {
        quiet();
        catch_unwind(AssertUnwindSafe(f)).ok()
    }

    /// Keeps the fuse's panics off the test output (others are printed).
    fn quiet() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let default = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !info.payload().is::<Blown>() {
                    default(info);
                }
            }));
        });
    }

    // ----- the waker -----

    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

    fn clone(_: *const ()) -> RawWaker {
        tick();
        WAKERS.with(|w| w.set(w.get() + 1));
        RawWaker::new(std::ptr::null(), &VTABLE)
    }

    /// A wake that consumes the waker: one hostile call, and the waker
    /// is gone whether it panics or not.
    fn wake(_: *const ()) {
        WAKERS.with(|w| w.set(w.get() - 1));
        tick();
    }

    fn wake_by_ref(_: *const ()) {
        tick();
    }

    fn drop_waker(_: *const ()) {
        // Gone first: a drop that panics still drops.
        WAKERS.with(|w| w.set(w.get() - 1));
        tick();
    }

    /// A waker whose clone, wake and drop are hostile calls. It wakes
    /// nobody: the scenarios poll by hand.
    pub fn waker() -> Waker {
        WAKERS.with(|w| w.set(w.get() + 1));
        // SAFETY: the vtable keeps the `RawWaker` contract (the data pointer is unused; clones and drops are only counted).
        unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
    }

    /// Fuse wakers alive on this thread.
    pub fn live_wakers() -> isize {
        WAKERS.with(Cell::get)
    }

    // ----- the message -----

    /// What became of the messages of one run.
    #[derive(Debug, Default)]
    pub struct Ledger {
        /// By id: objects made (the message and its clones), objects
        /// dropped, and receipts (by receiver name).
        entries: Mutex<HashMap<u64, Entry>>,
    }

    #[derive(Debug, Default)]
    struct Entry {
        made: usize,
        dropped: usize,
        received: Vec<&'static str>,
    }

    impl Ledger {
        pub fn new() -> Arc<Self> {
            Arc::default()
        }

        /// A new message `id`, whose clone and drop are hostile calls.
        pub fn msg(self: &Arc<Self>, id: u64) -> Tracked {
            self.entries.lock().unwrap().entry(id).or_default().made += 1;
            Tracked {
                id,
                ledger: self.clone(),
            }
        }

        /// `by` received `msg`; it is dropped here (a hostile call).
        pub fn received(&self, by: &'static str, msg: Tracked) {
            let mut entries = self.entries.lock().unwrap();
            entries.entry(msg.id).or_default().received.push(by);
            drop(entries);
            drop(msg);
        }

        /// Receipts of message `id`.
        pub fn receipts(&self, id: u64) -> usize {
            let entries = self.entries.lock().unwrap();
            entries.get(&id).map_or(0, |e| e.received.len())
        }

        /// Every object made was dropped exactly once, and no receiver got
        /// a message twice.
        pub fn check(&self, what: &str) {
            let entries = self.entries.lock().unwrap();
            for (id, e) in entries.iter() {
                assert_eq!(
                    e.made, e.dropped,
                    "{what}: message {id}: {} made, {} dropped",
                    e.made, e.dropped
                );
                let mut by = e.received.clone();
                by.sort_unstable();
                by.dedup();
                assert_eq!(
                    by.len(),
                    e.received.len(),
                    "{what}: message {id} received twice: {:?}",
                    e.received
                );
            }
        }
    }

    /// A message of a [`Ledger`]: its `Clone` and `Drop` are hostile calls
    /// (a drop that panics has dropped all the same).
    #[derive(Debug)]
    pub struct Tracked {
        pub id: u64,
        ledger: Arc<Ledger>,
    }

    impl Clone for Tracked {
        fn clone(&self) -> Self {
            tick();
            self.ledger.msg(self.id)
        }
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            if let Ok(mut entries) = self.ledger.entries.lock() {
                entries.entry(self.id).or_default().dropped += 1;
            }
            tick();
        }
    }

    /// Runs `scenario` with the fuse disarmed, counting its hostile calls,
    /// then once for each of them with the fuse set to fire there. After
    /// each run: the ledger's check, no fuse waker alive, and `leaked()`
    /// (bytes the run left allocated, from the test binary's counting
    /// allocator) zero. Returns how many runs there were.
    pub fn sweep(
        name: &str,
        mut measure: impl FnMut(&mut dyn FnMut()) -> isize,
        scenario: impl Fn(&Arc<Ledger>),
    ) -> usize {
        quiet();
        let mut run = |at: usize| -> usize {
            let wakers = live_wakers();
            let mut calls = 0;
            let leaked = measure(&mut || {
                let ledger = Ledger::new();
                arm(at);
                scenario(&ledger);
                calls = disarm();
                ledger.check(&format!("{name}, fuse at call {at} of {calls}"));
            });
            let what = format!("{name}, fuse at call {at} of {calls}");
            assert_eq!(live_wakers(), wakers, "{what}: a waker leaked");
            assert_eq!(leaked, 0, "{what}: {leaked} bytes leaked");
            calls
        };
        let calls = run(0);
        assert!(calls > 0, "{name}: the scenario runs no hostile code");
        for at in 1..=calls {
            run(at);
        }
        calls + 1
    }
}

// ----- executors -----

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

// ----- types -----

/// Fails to compile if `$ty` implements `$trait` (two blanket impls make
/// the item ambiguous exactly when it does).
#[allow(unused_macros)] // not every test binary checks a negative impl
macro_rules! assert_not_impl {
    ($ty:ty: $trait:path) => {
        const _: fn() = || {
            trait AmbiguousIfImpl<A> {
                fn some_item() {}
            }
            impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
            impl<T: ?Sized + $trait> AmbiguousIfImpl<u8> for T {}
            let _ = <$ty as AmbiguousIfImpl<_>>::some_item;
        };
    };
}
#[allow(unused_imports)]
pub(crate) use assert_not_impl;

// ----- one round's halves, whatever the channel kind -----

/// The sending half of one round: a oneshot [`Sender`](oneshot::Sender), a
/// [`SlotSender`] or a [`multishot::Sender`].
pub trait Tx<T>: Send {
    fn send(self, msg: T) -> Result<(), SendError<T>>;
    fn is_closed(&self) -> bool;
}

/// The receiving half of one round: a oneshot
/// [`Receiver`](oneshot::Receiver), a [`SlotReceiver`], or a borrowed
/// [`multishot::Receiver`] (borrowed, so that the test can go on with the
/// next round once the body is done with this one).
pub trait Rx<T> {
    fn try_recv(&mut self) -> Result<T, TryRecvError>;
    fn recv(self) -> Result<T, RecvError>;
    fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError>;
    fn recv_deadline(&mut self, deadline: Instant) -> Result<T, RecvTimeoutError>;
    fn has_message(&self) -> bool;
    fn is_closed(&self) -> bool;
}

/// Implements [`Tx`] for a sender type (and [`Rx`] for a receiver type) by
/// the halves' own methods of the same names; `[..]` holds the generics.
macro_rules! impl_halves {
    ([$($g:tt)*] $tx:ty) => {
        impl<$($g)*> Tx<T> for $tx where T: Send {
            fn send(self, msg: T) -> Result<(), SendError<T>> {
                <$tx>::send(self, msg)
            }
            fn is_closed(&self) -> bool {
                <$tx>::is_closed(self)
            }
        }
    };
    ([$($g:tt)*] $tx:ty, $rx:ty) => {
        impl_halves!([$($g)*] $tx);
        impl<$($g)*> Rx<T> for $rx {
            fn try_recv(&mut self) -> Result<T, TryRecvError> {
                <$rx>::try_recv(self)
            }
            fn recv(self) -> Result<T, RecvError> {
                <$rx>::recv(self)
            }
            fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError> {
                <$rx>::recv_timeout(self, timeout)
            }
            fn recv_deadline(&mut self, deadline: Instant) -> Result<T, RecvTimeoutError> {
                <$rx>::recv_deadline(self, deadline)
            }
            fn has_message(&self) -> bool {
                <$rx>::has_message(self)
            }
            fn is_closed(&self) -> bool {
                <$rx>::is_closed(self)
            }
        }
    };
}

impl_halves!([T] oneshot::Sender<T>, oneshot::Receiver<T>);
impl_halves!(['a, T] SlotSender<'a, T>, SlotReceiver<'a, T>);
impl_halves!([T] multishot::Sender<T>);

impl<T> Rx<T> for &mut multishot::Receiver<T> {
    fn try_recv(&mut self) -> Result<T, TryRecvError> {
        multishot::Receiver::try_recv(self)
    }
    fn recv(self) -> Result<T, RecvError> {
        multishot::Receiver::recv(self)
    }
    fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        multishot::Receiver::recv_timeout(self, timeout)
    }
    fn recv_deadline(&mut self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        multishot::Receiver::recv_deadline(self, deadline)
    }
    fn has_message(&self) -> bool {
        multishot::Receiver::has_message(self)
    }
    fn is_closed(&self) -> bool {
        multishot::Receiver::is_closed(self)
    }
}

/// A receive in progress that can be polled: a oneshot receiver or slot
/// receiver itself, or a multishot receiver's `recv_async()` future.
pub trait RecvFut<T>: Future<Output = Result<T, RecvError>> + Unpin {}

impl<T, F: Future<Output = Result<T, RecvError>> + Unpin> RecvFut<T> for F {}

/// A way that a multishot round ends, for the tests that run many rounds
/// on one channel.
#[derive(Clone, Copy, Debug)]
pub enum RoundEnd {
    /// The message is sent, then taken by `try_recv`.
    TryRecv,
    /// The message is sent, then taken by `recv`.
    Recv,
    /// The message is sent, then taken by `recv_async` under `block_on`.
    BlockOn,
    /// A poll of `recv_async` with a waker that does nothing (and never
    /// allocates) is pending; the message is sent, and the next poll takes it.
    Poll,
    /// A receive with a zero timeout times out; the message is sent, and
    /// a receive with a zero timeout takes it.
    ZeroTimeout,
    /// As `ZeroTimeout`, but a receive that may wait ten seconds takes it.
    Timeout,
    /// The sender is dropped unsent, and the receive sees the round end.
    SenderDropped,
}

impl RoundEnd {
    /// Ends the round of `rx` whose sender is `tx` this way, with a message
    /// from `drops` carrying `round`; returns whether it sent one.
    pub fn end(
        self,
        drops: &DropCounter,
        round: u64,
        tx: multishot::Sender<Counted>,
        rx: &mut multishot::Receiver<Counted>,
    ) -> bool {
        let waker = futures::task::noop_waker_ref();
        match self {
            Self::TryRecv | Self::Recv | Self::BlockOn => {
                tx.send(drops.msg(round)).unwrap();
                let got = match self {
                    Self::TryRecv => rx.try_recv().ok(),
                    Self::Recv => rx.recv().ok(),
                    _ => futures::executor::block_on(rx.recv_async()).ok(),
                };
                assert_eq!(got.map(|m| m.value), Some(round), "{self:?}");
            }
            Self::Poll => {
                let mut fut = rx.recv_async();
                assert!(poll_with(&mut fut, waker).is_pending());
                tx.send(drops.msg(round)).unwrap();
                assert_eq!(
                    poll_with(&mut fut, waker).map(value),
                    Poll::Ready(Ok(round))
                );
            }
            Self::ZeroTimeout => {
                cases::zero_timeout_takes_a_ready_message((tx, rx), drops.msg(round))
            }
            Self::Timeout => {
                assert_eq!(
                    value(rx.recv_timeout(Duration::ZERO)),
                    Err(RecvTimeoutError::Timeout)
                );
                tx.send(drops.msg(round)).unwrap();
                assert_eq!(value(rx.recv_timeout(Duration::from_secs(10))), Ok(round));
            }
            Self::SenderDropped => {
                drop(tx);
                assert_eq!(value(rx.recv()), Err(RecvError));
                return false;
            }
        }
        true
    }
}

// ----- test bodies -----

/// Defines one `#[test]` for each listed body of [`cases`], named after it,
/// that runs the body on one new round's halves: the value of `halves`,
/// after the statements in the optional `setup` block (which may bind what
/// `halves` borrows). The bodies listed under `counted` take a fresh
/// [`DropCounter`] first; those under `plain` take the halves only.
///
/// ```ignore
/// case_tests! {
///     setup: { let (tx, mut rx) = multishot::channel(); }
///     halves: (tx, &mut rx);
///     counted: [try_recv_before_send_is_empty, send_then_blocking_recv]
///     plain: [sender_dropped_before_recv]
/// }
/// ```
#[allow(unused_macros)] // not every test binary runs the shared bodies
macro_rules! case_tests {
    (halves: $halves:expr; $($kind:ident: [$($name:ident),* $(,)?])*) => {
        $crate::common::case_tests! { setup: {} halves: $halves; $($kind: [$($name),*])* }
    };
    (setup: $setup:tt halves: $halves:expr; $($kind:ident: [$($name:ident),* $(,)?])*) => {
        $($($crate::common::case_tests!(@test $kind $name $setup $halves);)*)*
    };
    (@test counted $name:ident { $($setup:tt)* } $halves:expr) => {
        #[test]
        fn $name() {
            $($setup)*
            $crate::common::cases::$name(&$crate::common::DropCounter::new(), $halves);
        }
    };
    (@test plain $name:ident { $($setup:tt)* } $halves:expr) => {
        #[test]
        fn $name() {
            $($setup)*
            $crate::common::cases::$name($halves);
        }
    };
}
#[allow(unused_imports)]
pub(crate) use case_tests;

/// Test bodies that more than one channel kind runs, each on the halves of
/// one round; the kinds' test files add what is particular to a kind.
///
/// A body that checks drops as it goes takes a fresh [`DropCounter`] for
/// the messages it makes; one that the tests run round after round on a
/// shared counter (or that checks no drops) takes the message to send
/// instead, and leaves the drop counts to its caller.
pub mod cases {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use futures::future::{select, Either};

    use super::*;

    // ----- synchronous orderings -----

    /// A message sent before `try_recv` is taken once; then the round is over.
    pub fn send_then_try_recv(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
    ) {
        assert!(!rx.has_message());
        assert!(!tx.is_closed());
        tx.send(drops.msg(1)).unwrap();
        assert!(rx.has_message());
        assert!(!rx.is_closed());
        assert_eq!(value(rx.try_recv()), Ok(1));
        assert_eq!(drops.drops(), 1);
        assert!(!rx.has_message());
        assert!(rx.is_closed());
        assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
        drop(rx);
        assert_eq!(drops.drops(), 1);
    }

    /// `try_recv` before the send finds nothing and leaves the round open.
    pub fn try_recv_before_send_is_empty(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
    ) {
        assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
        assert!(!rx.is_closed());
        tx.send(drops.msg(2)).unwrap();
        assert_eq!(value(rx.try_recv()), Ok(2));
        assert_eq!(drops.drops(), 1);
    }

    /// A message sent before `recv` is received at once.
    pub fn send_then_blocking_recv(
        drops: &DropCounter,
        (tx, rx): (impl Tx<Counted>, impl Rx<Counted>),
    ) {
        tx.send(drops.msg(3)).unwrap();
        assert_eq!(value(rx.recv()), Ok(3));
        assert_eq!(drops.drops(), 1);
    }

    /// Every kind of receive sees the round end when its sender is dropped
    /// unsent.
    pub fn sender_dropped_before_recv((tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>)) {
        drop(tx);
        assert!(rx.is_closed());
        assert!(!rx.has_message());
        assert_eq!(value(rx.try_recv()), Err(TryRecvError::Disconnected));
        assert_eq!(
            value(rx.recv_timeout(Duration::from_secs(10))),
            Err(RecvTimeoutError::Disconnected)
        );
        assert_eq!(
            value(rx.recv_deadline(Instant::now() + Duration::from_secs(10))),
            Err(RecvTimeoutError::Disconnected)
        );
        assert_eq!(value(rx.recv()), Err(RecvError));
    }

    /// A send after the receiver is gone hands the message back.
    pub fn receiver_dropped_before_send_returns_message(
        drops: &DropCounter,
        (tx, rx): (impl Tx<Counted>, impl Sized),
    ) {
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
        let SendError(msg) = tx.send(drops.msg(4)).unwrap_err();
        assert_eq!(msg.value, 4);
        assert_eq!(drops.drops(), 0, "the message came back, not dropped");
        drop(msg);
        assert_eq!(drops.drops(), 1);
    }

    /// A message nobody received is dropped with the receiver, at once.
    pub fn receiver_dropped_after_send_drops_message_at_once(
        drops: &DropCounter,
        (tx, rx): (impl Tx<Counted>, impl Sized),
    ) {
        tx.send(drops.msg(5)).unwrap();
        assert_eq!(drops.drops(), 0);
        drop(rx);
        assert_eq!(drops.drops(), 1, "dropped with the receiver, at once");
    }

    /// `recv` waits for `msg`, sent from another thread: after a pause
    /// (when the receiver has likely parked) if `pause_first`.
    pub fn send_from_a_thread_while_receiver_blocks(
        (tx, rx): (impl Tx<Counted>, impl Rx<Counted>),
        msg: Counted,
        pause_first: bool,
    ) {
        let expected = msg.value;
        let (sent, got) = concurrently(
            move || {
                if pause_first {
                    pause();
                }
                tx.send(msg).is_ok()
            },
            || value(rx.recv()),
        );
        assert!(sent);
        assert_eq!(got, Ok(expected));
    }

    /// `recv` sees the round end when the sender is dropped on another
    /// thread while it waits.
    pub fn sender_dropped_while_receiver_blocks((tx, rx): (impl Tx<Counted>, impl Rx<Counted>)) {
        let ((), got) = concurrently(after_pause(move || drop(tx)), || value(rx.recv()));
        assert_eq!(got, Err(RecvError));
    }

    /// A timeout that expires leaves the receiver usable.
    pub fn recv_timeout_expires_then_receives(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
    ) {
        let timeout = Duration::from_millis(20);
        let start = Instant::now();
        assert_eq!(
            value(rx.recv_timeout(timeout)),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(start.elapsed() >= timeout, "timed out early");
        // The receiver is still usable after a timeout.
        tx.send(drops.msg(8)).unwrap();
        assert_eq!(value(rx.recv_timeout(timeout)), Ok(8));
        assert_eq!(drops.drops(), 1);
    }

    /// A deadline that passes leaves the receiver usable.
    pub fn recv_deadline_expires_then_receives(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
    ) {
        let deadline = Instant::now() + Duration::from_millis(20);
        assert_eq!(
            value(rx.recv_deadline(deadline)),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(Instant::now() >= deadline, "timed out early");
        let msg = drops.msg(9);
        let far = Instant::now() + Duration::from_secs(60);
        let got = receive_while_sent(tx, msg, || value(rx.recv_deadline(far)));
        assert_eq!(got, Ok(9));
        assert_eq!(drops.drops(), 1);
    }

    /// A send from another thread ends a long `recv_timeout` early.
    pub fn recv_timeout_that_does_not_expire(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
    ) {
        let msg = drops.msg(10);
        let got = receive_while_sent(tx, msg, || value(rx.recv_timeout(Duration::from_secs(60))));
        assert_eq!(got, Ok(10));
        assert_eq!(drops.drops(), 1);
    }

    /// A zero timeout times out on an empty round and takes a ready message.
    pub fn zero_timeout_takes_a_ready_message(
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
        msg: Counted,
    ) {
        let expected = msg.value;
        assert_eq!(
            value(rx.recv_timeout(Duration::ZERO)),
            Err(RecvTimeoutError::Timeout)
        );
        tx.send(msg).unwrap();
        assert_eq!(value(rx.recv_timeout(Duration::ZERO)), Ok(expected));
    }

    /// A deadline in the past times out on an empty round and takes a ready
    /// message.
    pub fn past_deadline_takes_a_ready_message(
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
        msg: Counted,
    ) {
        let expected = msg.value;
        let past = Instant::now() - Duration::from_millis(5);
        assert_eq!(
            value(rx.recv_deadline(past)),
            Err(RecvTimeoutError::Timeout)
        );
        tx.send(msg).unwrap();
        assert_eq!(value(rx.recv_deadline(past)), Ok(expected));
    }

    /// Regression: `Instant::now() + Duration::MAX` overflows; a timeout
    /// that large must mean "wait forever", not panic.
    pub fn huge_timeout_waits_for_the_send(
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
        msg: Counted,
    ) {
        let expected = msg.value;
        let got = receive_while_sent(tx, msg, || value(rx.recv_timeout(Duration::MAX)));
        assert_eq!(got, Ok(expected));
    }

    /// A deadline a century away waits for the send.
    pub fn far_deadline_waits_for_the_send(
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
        msg: Counted,
    ) {
        let expected = msg.value;
        let far = Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 100);
        let got = receive_while_sent(tx, msg, || value(rx.recv_deadline(far)));
        assert_eq!(got, Ok(expected));
    }

    /// A receive with a huge timeout sees the sender dropped.
    pub fn huge_timeout_sees_the_sender_dropped(
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
    ) {
        let ((), got) = concurrently(after_pause(move || drop(tx)), || {
            value(rx.recv_timeout(Duration::MAX))
        });
        assert_eq!(got, Err(RecvTimeoutError::Disconnected));
    }

    /// Timeouts one after another, then a send from another thread.
    pub fn repeated_timeouts_then_send_from_thread(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted>),
    ) {
        for _ in 0..3 {
            assert_eq!(
                value(rx.recv_timeout(Duration::from_millis(1))),
                Err(RecvTimeoutError::Timeout)
            );
        }
        let msg = drops.msg(14);
        let (sent, got) = concurrently(move || tx.send(msg).is_ok(), || value(rx.recv()));
        assert!(sent);
        assert_eq!(got, Ok(14));
        assert_eq!(drops.drops(), 1);
    }

    // ----- manual polling: every ordering against the first poll -----

    /// A message sent before the first poll is ready at once.
    pub fn send_before_first_poll(
        drops: &DropCounter,
        (tx, mut fut): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let (counter, waker) = WakeCounter::new();
        tx.send(drops.msg(20)).unwrap();
        assert_eq!(poll_with(&mut fut, &waker).map(value), Poll::Ready(Ok(20)));
        assert_eq!(counter.wakes(), 0);
        assert_eq!(drops.drops(), 1);
        // Polled again after completion: disconnected, not a panic.
        assert_eq!(
            poll_with(&mut fut, &waker).map(value),
            Poll::Ready(Err(RecvError))
        );
        drop(fut);
        assert_eq!(counter.wakes(), 0);
        assert_eq!(drops.drops(), 1);
    }

    /// A send after the first poll wakes the registered waker once.
    pub fn send_after_first_poll_wakes_once(
        drops: &DropCounter,
        (tx, mut fut): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let (counter, waker) = WakeCounter::new();
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert_eq!(counter.wakes(), 0);
        tx.send(drops.msg(21)).unwrap();
        assert_eq!(counter.wakes(), 1);
        assert_eq!(poll_with(&mut fut, &waker).map(value), Poll::Ready(Ok(21)));
        assert_eq!(drops.drops(), 1);
        assert_eq!(counter.wakes(), 1);
        drop(fut);
        assert_eq!(Arc::strong_count(&counter), 2, "the waker leaked");
    }

    /// A sender dropped before the first poll: disconnected, nobody woken.
    pub fn sender_dropped_before_first_poll(
        (tx, mut fut): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let (counter, waker) = WakeCounter::new();
        drop(tx);
        assert_eq!(
            poll_with(&mut fut, &waker).map(value),
            Poll::Ready(Err(RecvError))
        );
        assert_eq!(counter.wakes(), 0);
    }

    /// A sender dropped after the first poll wakes the waker once.
    pub fn sender_dropped_after_first_poll_wakes(
        (tx, mut fut): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let (counter, waker) = WakeCounter::new();
        assert!(poll_with(&mut fut, &waker).is_pending());
        drop(tx);
        assert_eq!(counter.wakes(), 1);
        assert_eq!(
            poll_with(&mut fut, &waker).map(value),
            Poll::Ready(Err(RecvError))
        );
        assert_eq!(counter.wakes(), 1);
        drop(fut);
        assert_eq!(Arc::strong_count(&counter), 2);
    }

    /// A polled receiver dropped: its waker goes with it, and the send
    /// hands the message back without waking anyone.
    pub fn receiver_dropped_after_poll_then_send_returns_message(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let (counter, waker) = WakeCounter::new();
        assert!(poll_with(&mut rx, &waker).is_pending());
        drop(rx);
        // The receiver's waker is released with the receiver, not kept.
        assert_eq!(Arc::strong_count(&counter), 2);
        let SendError(msg) = tx.send(drops.msg(22)).unwrap_err();
        assert_eq!(msg.value, 22);
        assert_eq!(counter.wakes(), 0);
        assert_eq!(drops.drops(), 0);
        drop(msg);
        assert_eq!(drops.drops(), 1);
    }

    /// A poll with a new waker replaces (and drops) the old one, and the
    /// send wakes only the new one. Returns the old and the new waker with
    /// their counters, for a test that goes on with them.
    pub fn new_waker_replaces_old_and_is_the_one_woken(
        drops: &DropCounter,
        (tx, mut fut): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) -> [(Arc<WakeCounter>, Waker); 2] {
        let (old_counter, old_waker) = WakeCounter::new();
        let (new_counter, new_waker) = WakeCounter::new();
        assert!(poll_with(&mut fut, &old_waker).is_pending());
        assert!(poll_with(&mut fut, &new_waker).is_pending());
        // The old waker was dropped, not leaked: only our handles are left.
        assert_eq!(Arc::strong_count(&old_counter), 2);
        tx.send(drops.msg(23)).unwrap();
        assert_eq!(old_counter.wakes(), 0);
        assert_eq!(new_counter.wakes(), 1);
        assert_eq!(
            poll_with(&mut fut, &new_waker).map(value),
            Poll::Ready(Ok(23))
        );
        assert_eq!(drops.drops(), 1);
        [(old_counter, old_waker), (new_counter, new_waker)]
    }

    /// Polls with the same waker keep one clone of it, not one a poll.
    pub fn same_waker_is_cloned_at_most_once(
        (_tx, mut fut): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let (counter, waker) = WakeCounter::new();
        for _ in 0..5 {
            assert!(poll_with(&mut fut, &waker).is_pending());
        }
        // Our Arc, our `waker`, and exactly one clone inside the channel.
        assert_eq!(Arc::strong_count(&counter), 3);
        drop(fut);
        assert_eq!(Arc::strong_count(&counter), 2);
    }

    /// One receiver polled, then timed out, then awaited by a blocking
    /// executor: the first waker is replaced and never fires.
    pub fn poll_then_timeout_then_await_on_one_receiver(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl Rx<Counted> + RecvFut<Counted>),
    ) {
        let (counter, waker) = WakeCounter::new();
        assert!(poll_with(&mut rx, &waker).is_pending());
        assert_eq!(
            value(rx.recv_timeout(Duration::from_millis(1))),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(value(rx.try_recv()), Err(TryRecvError::Empty));
        let msg = drops.msg(24);
        let got = receive_while_sent(tx, msg, || value(futures::executor::block_on(&mut rx)));
        assert_eq!(got, Ok(24));
        // The first waker was replaced by the blocking call's; it never fired.
        assert_eq!(counter.wakes(), 0);
        assert_eq!(drops.drops(), 1);
    }

    // ----- async, under one executor -----

    /// A task awaits the receiver while a thread sends.
    pub fn thread_to_task(
        executor: Runtime,
        drops: &DropCounter,
        (tx, rx): (impl Tx<Counted>, impl RecvFut<Counted> + Send + 'static),
    ) {
        let msg = drops.msg(30);
        let got = receive_while_sent(tx, msg, || executor.run(async move { value(rx.await) }));
        assert_eq!(got, Ok(30), "under {executor:?}");
        assert_eq!(drops.drops(), 1);
    }

    /// A thread blocks in `recv` while a task sends.
    pub fn task_to_thread(
        executor: Runtime,
        drops: &DropCounter,
        (tx, rx): (impl Tx<Counted> + 'static, impl Rx<Counted> + Send),
    ) {
        let msg = drops.msg(31);
        let (got, sent) = concurrently(
            move || value(rx.recv()),
            || {
                executor.run(async move {
                    pause();
                    tx.send(msg).is_ok()
                })
            },
        );
        assert!(sent);
        assert_eq!(got, Ok(31), "under {executor:?}");
        assert_eq!(drops.drops(), 1);
    }

    /// A task awaiting the receiver sees the sender dropped on a thread.
    pub fn sender_dropped_while_task_waits(
        executor: Runtime,
        (tx, rx): (impl Tx<Counted>, impl RecvFut<Counted> + Send + 'static),
    ) {
        let ((), got) = concurrently(after_pause(move || drop(tx)), || {
            executor.run(async move { value(rx.await) })
        });
        assert_eq!(got, Err(RecvError), "under {executor:?}");
    }

    /// A receiver polled by one task and then awaited by another: the send
    /// wakes the second.
    pub fn future_moved_to_another_task_between_polls(
        executor: Runtime,
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl RecvFut<Counted> + Send + 'static),
    ) {
        // First task: poll once (registers that task's waker), then give the
        // receiver away.
        #[allow(clippy::async_yields_async)] // the receiver is handed on, not awaited
        let rx = executor.run(async move {
            assert!(futures::poll!(&mut rx).is_pending());
            rx
        });
        let msg = drops.msg(32);
        // Second task, possibly on another executor thread: the send must
        // wake this one.
        let got = receive_while_sent(tx, msg, || executor.run(async move { value(rx.await) }));
        assert_eq!(got, Ok(32), "under {executor:?}");
        assert_eq!(drops.drops(), 1);
    }

    /// A receiver polled inside a select and left behind is still good.
    pub async fn receiver_in_select_loses_nothing(
        executor: Runtime,
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl RecvFut<Counted>),
        (other_tx, other_rx): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        other_tx.send(drops.msg(1)).unwrap();
        match select(&mut rx, other_rx).await {
            Either::Right((Ok(msg), _)) => assert_eq!(msg.value, 1),
            _ => panic!("only the other channel had a message"),
        }
        assert_eq!(drops.drops(), 1);
        assert!(tx.send(drops.msg(33)).is_ok());
        assert_eq!(value(rx.await), Ok(33), "under {executor:?}");
        assert_eq!(drops.drops(), 2);
    }

    // ----- races and regressions from bugs other oneshots shipped -----

    /// A polled receiver dropped while a send runs on another thread:
    /// either the message comes back to the sender, or it is delivered and
    /// dropped with the receiver; dropped exactly once either way, and the
    /// waker is not leaked.
    pub fn polled_receiver_dropped_while_send_runs_on_another_thread(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let (counter, waker) = WakeCounter::new();
        assert!(poll_with(&mut rx, &waker).is_pending());
        let msg = drops.msg(40);
        let (returned, ()) = concurrently(
            move || match tx.send(msg) {
                Ok(()) => None,
                Err(SendError(msg)) => Some(msg.value),
            },
            || drop(rx),
        );
        assert!(returned.is_none() || returned == Some(40));
        assert_eq!(drops.drops(), 1);
        assert!(counter.wakes() <= 1);
        assert_eq!(Arc::strong_count(&counter), 2, "the waker leaked");
    }

    /// A send on another thread races the receiver's drop: the message is
    /// dropped exactly once.
    pub fn send_and_receiver_drop_race(
        drops: &DropCounter,
        (tx, rx): (impl Tx<Counted>, impl Sized),
    ) {
        let msg = drops.msg(42);
        concurrently(move || tx.send(msg).is_ok(), || drop(rx));
        assert_eq!(drops.drops(), 1);
    }

    /// A round's halves dropped without a message: the receiver first, or
    /// the sender first.
    pub fn halves_dropped_unsent((tx, rx): (impl Tx<Counted>, impl Sized), receiver_first: bool) {
        if receiver_first {
            drop(rx);
            drop(tx);
        } else {
            drop(tx);
            drop(rx);
        }
    }

    /// The halves dropped at once on two threads.
    pub fn halves_dropped_at_once((tx, rx): (impl Tx<Counted>, impl Sized)) {
        concurrently(move || drop(tx), || drop(rx));
    }

    /// The halves' `Debug` output: the type's name and its flags, through
    /// a round from new to received.
    pub fn halves_are_debug(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted> + fmt::Debug, impl Rx<Counted> + fmt::Debug),
        [sender, receiver]: [&str; 2],
    ) {
        let shows = |has_message, is_closed| {
            format!("{receiver} {{ has_message: {has_message}, is_closed: {is_closed} }}")
        };
        assert_eq!(
            format!("{tx:?}"),
            format!("{sender} {{ is_closed: false }}")
        );
        assert_eq!(format!("{rx:?}"), shows(false, false));
        tx.send(drops.msg(1)).unwrap();
        assert_eq!(format!("{rx:?}"), shows(true, false));
        assert_eq!(value(rx.try_recv()), Ok(1));
        assert_eq!(drops.drops(), 1);
        assert_eq!(format!("{rx:?}"), shows(false, true));
    }

    /// A message that is neither `Debug` nor `Sync` crosses threads.
    pub fn message_type_need_not_be_debug_or_sync(
        drops: &DropCounter,
        (tx, rx): (impl Tx<NotDebug>, impl Rx<NotDebug>),
    ) {
        let msg = NotDebug(std::cell::Cell::new(3), drops.msg(3));
        let (sent, got) = concurrently(move || tx.send(msg).is_ok(), || rx.recv());
        assert!(sent);
        assert_eq!(got.map(|m| m.0.get()).ok(), Some(3));
        assert_eq!(drops.drops(), 1);
    }

    /// The receiver drops a message whose `Drop` panics: the panic reaches
    /// the caller, and the message was dropped exactly once.
    pub fn panicking_message_drop_reaches_the_caller(
        drops: &DropCounter,
        (tx, rx): (impl Tx<Bomb>, impl Sized),
    ) {
        let bomb = Bomb {
            drops: drops.clone(),
            armed: true,
        };
        tx.send(bomb).map_err(|_| "gone").unwrap();
        let dropped = catch_unwind(AssertUnwindSafe(|| drop(rx)));
        assert!(dropped.is_err(), "the message's panic reaches the caller");
        assert_eq!(drops.drops(), 1, "the message was dropped exactly once");
    }

    /// A poll whose waker clone panics leaves the receive usable: a later
    /// poll registers normally, and the send wakes that waker.
    pub fn panicking_waker_clone_leaves_the_receiver_usable(
        drops: &DropCounter,
        (tx, mut fut): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let good = Arc::new(hostile::Flags::default());
        let bad = Arc::new(hostile::Flags::default());
        bad.panic_on_clone.store(true, SeqCst);
        assert!(poll_with(&mut fut, &hostile::waker(&good)).is_pending());
        let bad_waker = hostile::waker(&bad);
        let polled = catch_unwind(AssertUnwindSafe(|| poll_with(&mut fut, &bad_waker)));
        assert!(polled.is_err(), "the clone's panic reaches the poller");
        // A later poll registers normally, and the send wakes that waker.
        let (counter, waker) = WakeCounter::new();
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert_eq!(counter.wakes(), 0, "registered, not woken at once");
        tx.send(drops.msg(50)).unwrap();
        assert_eq!(counter.wakes(), 1);
        assert_eq!(poll_with(&mut fut, &waker).map(value), Poll::Ready(Ok(50)));
        assert_eq!(drops.drops(), 1);
    }

    /// A receiver whose registered waker panics when dropped is closed all
    /// the same: the send hands back the message, and the channel is freed
    /// (miri checks for leaks).
    pub fn panicking_waker_drop_still_closes_the_receiver(
        drops: &DropCounter,
        (tx, mut rx): (impl Tx<Counted>, impl RecvFut<Counted>),
    ) {
        let flags = Arc::new(hostile::Flags::default());
        assert!(poll_with(&mut rx, &hostile::waker(&flags)).is_pending());
        flags.panic_on_drop.store(true, SeqCst);
        let dropped = catch_unwind(AssertUnwindSafe(|| drop(rx)));
        assert!(dropped.is_err(), "the waker's panic reaches the caller");
        assert!(tx.is_closed());
        let SendError(msg) = tx.send(drops.msg(51)).unwrap_err();
        assert_eq!(msg.value, 51);
        drop(msg);
        assert_eq!(drops.drops(), 1);
        assert_eq!(
            Arc::strong_count(&flags),
            1,
            "every waker clone was dropped"
        );
    }
}

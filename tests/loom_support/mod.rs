//! What the loom models share: a global allocator that checks the channel's
//! heap core, a drop-counting message, counting test wakers and the
//! executor-like helpers that drive a future with them.
//!
//! Every loom test file says `mod loom_support;` below its
//! `#![cfg(tidings_loom)]`, so without the cfg this module is not compiled
//! at all; with it, each test binary gets exactly one
//! [`#[global_allocator]`](ALLOC), the one defined here.
//!
//! * The message type has an alignment nothing else here allocates with,
//!   so the counting allocator ([`CoreCountingAlloc`]) knows which
//!   allocations hold messages: the channel cores (and a `Box`ed `Slot`).
//!   [`model`] checks after every explored execution that each of them was
//!   freed exactly once. A freed one is poisoned and kept from being reused
//!   until the execution ends, so a use after free trips loom's object
//!   lookup (a poisoned index) instead of passing silently.
//! * Each message counts its drops ([`Tally`]), afresh in every execution;
//!   a second drop panics at once.
//! * The test wakers ([`TestWake`]) are `Arc`s of a `Wake` type, so every
//!   clone a channel keeps is a strong reference, and their wakes are
//!   counted in a loom atomic.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::AtomicUsize;
use loom::thread;
use tidings::oneshot::{self, SlotReceiver, SlotSender};
use tidings::{multishot, SendError, TryRecvError};

// ----- core leak / double-free / use-after-free detection -----

/// The alignment of [`Msg`], and so of every channel core (or slot) that
/// holds one. Nothing else in these tests allocates with it.
const CORE_ALIGN: usize = 256;

/// Written over a channel core as it is freed.
const POISON: u8 = 0xA5;

thread_local! {
    /// Live allocations with [`CORE_ALIGN`] made on this OS thread. loom
    /// runs every modelled thread of a model on the OS thread of the test
    /// (as coroutines), and tests running in parallel each have their own
    /// OS thread, so this counts exactly the cores of the running model.
    static LIVE_CORES: Cell<isize> = const { Cell::new(0) };

    /// Cores freed during the running execution, poisoned and not yet given
    /// back to the system, so that nothing else can be allocated there.
    static QUARANTINE: RefCell<Vec<(usize, Layout)>> = const { RefCell::new(Vec::new()) };
}

fn count_core(layout: Layout, delta: isize) {
    if layout.align() == CORE_ALIGN {
        // During thread teardown the count is gone; nothing to check then.
        let _ = LIVE_CORES.try_with(|live| live.set(live.get() + delta));
    }
}

/// The channel cores alive on this thread.
pub fn live_cores() -> isize {
    LIVE_CORES.with(Cell::get)
}

/// Gives the quarantined cores back to the system.
#[allow(unsafe_code)]
fn release_quarantine() {
    for (addr, layout) in QUARANTINE.with(|q| std::mem::take(&mut *q.borrow_mut())) {
        // SAFETY: `dealloc` quarantined this block instead of giving it back; it came from `System` with this layout, and it is taken out of the quarantine (so given back) once.
        unsafe { System.dealloc(addr as *mut u8, layout) };
    }
}

/// The system allocator, counting the allocations made with [`CORE_ALIGN`]
/// and, when they are freed, poisoning and quarantining them.
pub struct CoreCountingAlloc;

#[allow(unsafe_code)]
// SAFETY: every method hands its arguments to `System`, which upholds the `GlobalAlloc` contract; the only additions are thread-local bookkeeping that never reenters itself (its own allocations do not have `CORE_ALIGN`), and overwriting a block that the caller is giving back before it is given back, possibly later (`release_quarantine`).
unsafe impl GlobalAlloc for CoreCountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which we forward.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count_core(layout, 1);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count_core(layout, 1);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() == CORE_ALIGN {
            count_core(layout, -1);
            // SAFETY: the caller owns the block `ptr` of `layout.size()` bytes, allocated by us, and gives it to us now.
            unsafe { ptr.write_bytes(POISON, layout.size()) };
            let kept = QUARANTINE
                .try_with(|q| match q.try_borrow_mut() {
                    Ok(mut q) => {
                        q.push((ptr as usize, layout));
                        true
                    }
                    Err(_) => false,
                })
                .unwrap_or(false);
            if kept {
                return;
            }
        }
        // SAFETY: the caller upholds `dealloc`'s contract, which we forward.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc keeps exactly one block alive (the old one on failure),
        // so the count does not change.
        // SAFETY: the caller upholds `realloc`'s contract, which we forward.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: CoreCountingAlloc = CoreCountingAlloc;

/// `loom::model`, plus a check after every explored execution that the
/// execution freed every channel core it made, and none twice.
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    loom::model(checked(f));
}

/// As [`model`], exploring at most `preemptions` preemptions per execution
/// (fewer if `LOOM_MAX_PREEMPTIONS` says so); switches at yields and parks
/// are still all explored. (`LOOM_LOG` does not apply: only
/// `loom::model` installs loom's log.)
///
/// For models with three threads that may all be in one spin lock's
/// critical section or waiting for it at once (the mpmc channel's lock):
/// once the holder is preempted, the two waiters may yield to each other
/// for ever, and since a switch away from a yielding thread costs no
/// preemption, loom explores that unfair schedule until it gives up
/// ("Model exceeded maximum number of branches"). A lower bound keeps it
/// from getting there.
pub fn model_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(
        builder
            .preemption_bound
            .map_or(preemptions, |env| env.min(preemptions)),
    );
    builder.check(checked(f));
}

/// `f`, followed by the core check of [`model`].
fn checked(f: impl Fn() + Sync + Send + 'static) -> impl Fn() + Sync + Send + 'static {
    move || {
        let before = live_cores();
        f();
        assert_eq!(
            live_cores(),
            before,
            "a channel core was leaked (> 0) or freed twice (< 0)"
        );
        release_quarantine();
    }
}

// ----- messages -----

/// A message that counts its drops; a second drop of the same message (its
/// bits read out twice) panics. Its alignment marks the channel's core for
/// [`CoreCountingAlloc`].
#[derive(Debug)]
#[repr(align(256))]
pub struct Msg {
    value: u32,
    drops: Arc<StdAtomicUsize>,
}

impl Drop for Msg {
    fn drop(&mut self) {
        if self.drops.fetch_add(1, SeqCst) != 0 {
            // Its `Arc` is being released a second time too: add back the
            // reference this drop is about to release, so the counter stays
            // valid for the model to report on, and fail here.
            std::mem::forget(self.drops.clone());
            panic!("message {} was dropped twice", self.value);
        }
    }
}

impl Msg {
    /// The value the message was made with (its [`Tally`]'s).
    pub fn value(&self) -> u32 {
        self.value
    }
}

/// The sending half of each of the crate's channels, as the models use it.
// The error is as large as the message, whose alignment is the point.
#[allow(clippy::result_large_err)]
pub trait TestSender: Send + 'static {
    fn send(self, msg: Msg) -> Result<(), SendError<Msg>>;
    fn is_closed(&self) -> bool;
}

macro_rules! test_senders {
    ($($sender:ty),*) => {$(
        impl TestSender for $sender {
            fn send(self, msg: Msg) -> Result<(), SendError<Msg>> {
                <$sender>::send(self, msg)
            }

            fn is_closed(&self) -> bool {
                <$sender>::is_closed(self)
            }
        }
    )*};
}

test_senders!(
    oneshot::Sender<Msg>,
    SlotSender<'static, Msg>,
    multishot::Sender<Msg>
);

/// An mpmc sender sends by reference; as a [`TestSender`] it is dropped
/// right after its send, so it is the one that closes the channel if it is
/// the last sender.
impl TestSender for tidings::mpmc::Sender<Msg> {
    fn send(self, msg: Msg) -> Result<(), SendError<Msg>> {
        tidings::mpmc::Sender::send(&self, msg)
    }

    fn is_closed(&self) -> bool {
        self.is_disconnected()
    }
}

/// The drop counter of one message of one execution. Made afresh inside
/// every execution, and [`msg`](Self::msg) called once per tally.
#[derive(Clone)]
pub struct Tally {
    value: u32,
    drops: Arc<StdAtomicUsize>,
}

impl Tally {
    pub fn new(value: u32) -> Self {
        Self {
            value,
            drops: Arc::new(StdAtomicUsize::new(0)),
        }
    }

    /// The message itself; made once per tally.
    pub fn msg(&self) -> Msg {
        Msg {
            value: self.value,
            drops: self.drops.clone(),
        }
    }

    pub fn drops(&self) -> usize {
        self.drops.load(SeqCst)
    }

    /// Asserts that the message was dropped exactly once by now.
    pub fn assert_dropped_once(&self) {
        assert_eq!(
            self.drops(),
            1,
            "message {} was not dropped exactly once",
            self.value
        );
    }

    /// Asserts that the message was not dropped yet.
    pub fn assert_alive(&self) {
        assert_eq!(self.drops(), 0, "message {} was dropped early", self.value);
    }

    /// Checks that `msg` is this message, and drops it.
    pub fn received(&self, msg: Msg) {
        assert_eq!(msg.value, self.value, "received the wrong message");
    }

    /// Checks that `got` is this message, and drops it.
    pub fn expect<E: std::fmt::Debug>(&self, got: Result<Msg, E>) {
        match got {
            Ok(msg) => self.received(msg),
            Err(err) => panic!("expected message {}, got {err:?}", self.value),
        }
    }

    /// What a send that may find the receiver gone must do: succeed, or
    /// hand this very message back, undropped (it is dropped here then).
    /// Returns whether it was sent.
    #[allow(clippy::result_large_err)]
    pub fn sent_or_returned(&self, result: Result<(), SendError<Msg>>) -> bool {
        match result {
            Ok(()) => true,
            Err(SendError(msg)) => {
                assert_eq!(msg.value, self.value, "a send returned the wrong message");
                self.assert_alive();
                false
            }
        }
    }

    /// A sender thread: sends this message with `tx`, which must succeed.
    pub fn send_ok(&self, tx: impl TestSender) -> impl FnOnce() + Send + 'static {
        let tally = self.clone();
        move || {
            if tx.send(tally.msg()).is_err() {
                panic!("the receiver is alive, yet the send failed");
            }
        }
    }

    /// A sender thread whose receiver may be gone: sends this message, and
    /// checks that a failed send hands it back undropped.
    pub fn send_maybe(&self, tx: impl TestSender) -> impl FnOnce() + Send + 'static {
        let tally = self.clone();
        move || {
            tally.sent_or_returned(tx.send(tally.msg()));
        }
    }

    /// As [`send_maybe`](Self::send_maybe), asking `is_closed` first: the
    /// receiver's going is final, so once the sender sees it, a send must
    /// fail.
    pub fn is_closed_then_send(&self, tx: impl TestSender) -> impl FnOnce() + Send + 'static {
        let tally = self.clone();
        move || {
            let closed = tx.is_closed();
            let sent = tally.sent_or_returned(tx.send(tally.msg()));
            assert!(!(closed && sent), "a send succeeded after is_closed()");
        }
    }
}

// ----- cloneable messages (broadcast) -----

/// What the copies of one [`CloneMsg`] share: how many clones were made,
/// and which copies were dropped.
#[derive(Debug, Default)]
struct Copies {
    /// Whether the original was made ([`CloneTally::msg`] is called once).
    made: std::sync::atomic::AtomicBool,
    /// Clones made so far; copy `n` (n ≥ 1) is the `n`-th, copy 0 the
    /// original.
    clones: StdAtomicUsize,
    /// Bit `n` set: copy `n` was dropped.
    dropped: std::sync::atomic::AtomicU64,
}

/// A message that can be cloned, for channels that hand every receiver a
/// copy (`broadcast`). Every copy, the original and each clone, counts its
/// own drop ([`CloneTally`]); a second drop of one copy panics at once. Its
/// alignment is [`Msg`]'s, so the counting allocator sees whatever holds
/// one (a broadcast slot, a waiter entry) as a channel core.
///
/// Its counters are std atomics, outside the model: loom runs the threads
/// of an execution one at a time on one OS thread, and the models read
/// them only after joining the threads that copy and drop messages.
#[derive(Debug)]
#[repr(align(256))]
pub struct CloneMsg {
    value: u32,
    copy: u32,
    copies: Arc<Copies>,
}

impl CloneMsg {
    /// The value the message was made with (its [`CloneTally`]'s).
    pub fn value(&self) -> u32 {
        self.value
    }
}

impl Clone for CloneMsg {
    fn clone(&self) -> Self {
        let copy = self.copies.clones.fetch_add(1, SeqCst) + 1;
        assert!(
            copy < 64,
            "message {} cloned too often to track",
            self.value
        );
        Self {
            value: self.value,
            copy: copy as u32,
            copies: self.copies.clone(),
        }
    }
}

impl Drop for CloneMsg {
    fn drop(&mut self) {
        let bit = 1u64 << self.copy;
        if self.copies.dropped.fetch_or(bit, SeqCst) & bit != 0 {
            // As in `Msg`'s drop: keep the shared counters valid, and fail.
            std::mem::forget(self.copies.clone());
            panic!(
                "copy {} of message {} was dropped twice",
                self.copy, self.value
            );
        }
    }
}

/// The clone and drop counters of one [`CloneMsg`] of one execution. Made
/// afresh inside every execution, and [`msg`](Self::msg) called once per
/// tally.
#[derive(Clone, Debug)]
pub struct CloneTally {
    value: u32,
    copies: Arc<Copies>,
}

impl CloneTally {
    pub fn new(value: u32) -> Self {
        Self {
            value,
            copies: Arc::new(Copies::default()),
        }
    }

    /// The original message; made once per tally.
    pub fn msg(&self) -> CloneMsg {
        assert!(
            !self.copies.made.swap(true, SeqCst),
            "message {} made twice",
            self.value
        );
        CloneMsg {
            value: self.value,
            copy: 0,
            copies: self.copies.clone(),
        }
    }

    /// How many clones of the message were made.
    pub fn clones(&self) -> usize {
        self.copies.clones.load(SeqCst)
    }

    /// How many of its copies were dropped.
    pub fn drops(&self) -> usize {
        self.copies.dropped.load(SeqCst).count_ones() as usize
    }

    /// Asserts that no copy was dropped yet.
    pub fn assert_alive(&self) {
        assert_eq!(
            self.drops(),
            0,
            "a copy of message {} was dropped early",
            self.value
        );
    }

    /// Asserts that every copy made (the original and each clone) was
    /// dropped, each exactly once (a second drop panics where it happens).
    pub fn assert_all_dropped(&self) {
        let copies = self.clones() + 1;
        let all = if copies >= 64 {
            u64::MAX
        } else {
            (1u64 << copies) - 1
        };
        assert_eq!(
            self.copies.dropped.load(SeqCst),
            all,
            "message {}: {} copies made, dropped bits {:#b}",
            self.value,
            copies,
            self.copies.dropped.load(SeqCst)
        );
    }

    /// Asserts that exactly `clones` clones were made, and that every copy
    /// was dropped once.
    pub fn assert_cloned_and_dropped(&self, clones: usize) {
        assert_eq!(
            self.clones(),
            clones,
            "message {} cloned {} times, not {clones}",
            self.value,
            self.clones()
        );
        self.assert_all_dropped();
    }

    /// Checks that `msg` is a copy of this message, and drops it.
    pub fn received(&self, msg: CloneMsg) {
        assert_eq!(msg.value, self.value, "received the wrong message");
    }

    /// Checks that `got` is a copy of this message, and drops it.
    pub fn expect<E: std::fmt::Debug>(&self, got: Result<CloneMsg, E>) {
        match got {
            Ok(msg) => self.received(msg),
            Err(err) => panic!("expected message {}, got {err:?}", self.value),
        }
    }

    /// Checks that `msg`, which a failed send handed back, is this very
    /// message (the original, no copy of it dropped), and drops it.
    pub fn returned(&self, msg: CloneMsg) {
        assert_eq!(msg.value, self.value, "a send returned the wrong message");
        assert_eq!(msg.copy, 0, "a send returned a clone, not its message");
        self.assert_alive();
    }

    /// What a send that may fail must do: succeed, or hand the very
    /// message back ([`returned`](Self::returned)). Returns whether it was
    /// sent.
    #[allow(clippy::result_large_err)]
    pub fn sent_or_returned(&self, result: Result<(), SendError<CloneMsg>>) -> bool {
        match result {
            Ok(()) => true,
            Err(SendError(msg)) => {
                self.returned(msg);
                false
            }
        }
    }
}

// ----- the test waker -----

/// A waker that counts its wakes, in a loom atomic so the count is part of
/// the model. Its clones and drops are counted by the `Arc`'s strong count.
///
/// It does not unpark anyone: a waiting thread spins with
/// `loom::thread::yield_now` until the count moves ([`TestWake::wait`]), and
/// a wake that never comes makes loom give up on the spinning execution,
/// which fails the test. (An unparking waker would be more faithful, but a
/// late wake of a thread that already stopped waiting is legal on std,
/// where it leaves an unpark token, whereas in loom 0.7 it breaks a
/// `JoinHandle::join` that thread is blocked in: tokio-rs/loom#249.)
pub struct TestWake {
    wakes: AtomicUsize,
}

impl TestWake {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            wakes: AtomicUsize::new(0),
        })
    }

    pub fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }

    /// Waits until the waker has been woken more than `seen` times.
    pub fn wait(&self, seen: usize) {
        while self.wakes() == seen {
            thread::yield_now();
        }
    }

    /// The clones of `this` kept anywhere but in the test's own handle.
    pub fn clones(this: &Arc<Self>) -> usize {
        Arc::strong_count(this) - 1
    }

    /// Asserts that at most one clone of the waker is kept (a channel may
    /// keep the last waker registered until the next poll replaces it), and
    /// that it was woken at most once.
    pub fn assert_bounded(this: &Arc<Self>, name: &str) {
        assert!(Self::clones(this) <= 1, "waker {name} kept twice");
        assert!(
            this.wakes() <= 1,
            "waker {name} woken {} times",
            this.wakes()
        );
    }

    /// Asserts that no clone of the waker is left anywhere but `this`.
    pub fn assert_released(this: &Arc<Self>, name: &str) {
        assert_eq!(Self::clones(this), 0, "waker {name} was leaked");
    }
}

impl Wake for TestWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// Polls `fut` once with `waker`.
pub fn poll_with<F: Future + Unpin>(fut: &mut F, waker: &Arc<TestWake>) -> Poll<F::Output> {
    let waker = Waker::from(waker.clone());
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Polls `fut` once with `waker` before the other side has done anything,
/// so it is pending and leaves the waker with the channel.
pub fn register<F: Future + Unpin>(fut: &mut F, waker: &Arc<TestWake>) {
    assert!(
        poll_with(fut, waker).is_pending(),
        "ready before the other side did anything"
    );
}

/// Drives `fut` as an executor would: polls it with `waker`, and polls it
/// again only once that waker has been woken.
pub fn block_on<F: Future + Unpin>(fut: &mut F, waker: &Arc<TestWake>) -> F::Output {
    loop {
        let seen = waker.wakes();
        match poll_with(fut, waker) {
            Poll::Ready(out) => return out,
            Poll::Pending => waker.wait(seen),
        }
    }
}

/// Polls `fut` with `waker`, which was never woken; if that poll is
/// pending, waits until the waker is woken, and polls once more, which must
/// be ready.
pub fn poll_until_woken_once<F: Future + Unpin>(fut: &mut F, waker: &Arc<TestWake>) -> F::Output {
    match poll_with(fut, waker) {
        Poll::Ready(out) => out,
        Poll::Pending => {
            waker.wait(0);
            match poll_with(fut, waker) {
                Poll::Ready(out) => out,
                Poll::Pending => panic!("woken, yet still pending"),
            }
        }
    }
}

/// Calls `try_recv` until it returns the message, yielding while it is
/// `Empty`; it must never be `Disconnected`: the sender is sending.
pub fn try_recv_spinning(mut try_recv: impl FnMut() -> Result<Msg, TryRecvError>) -> Msg {
    loop {
        match try_recv() {
            Ok(msg) => return msg,
            Err(TryRecvError::Empty) => thread::yield_now(),
            Err(TryRecvError::Disconnected) => panic!("a sending sender reported gone"),
        }
    }
}

/// The receiving half of each of the oneshot channels, which can say
/// whether the message is there before taking it.
pub trait Announces {
    fn has_message(&self) -> bool;
    fn try_recv(&self) -> Result<Msg, TryRecvError>;
}

macro_rules! announces {
    ($($receiver:ty),*) => {$(
        impl Announces for $receiver {
            fn has_message(&self) -> bool {
                <$receiver>::has_message(self)
            }

            fn try_recv(&self) -> Result<Msg, TryRecvError> {
                <$receiver>::try_recv(self)
            }
        }
    )*};
}

announces!(oneshot::Receiver<Msg>, SlotReceiver<'static, Msg>);

/// [`try_recv_spinning`] racing the send, checking also that whenever
/// `has_message` says so, the message is there to take. `if_empty` runs
/// after each `Empty`.
pub fn try_recv_announced(rx: &impl Announces, if_empty: impl Fn()) -> Msg {
    try_recv_spinning(|| {
        let announced = rx.has_message();
        let got = rx.try_recv();
        if matches!(got, Err(TryRecvError::Empty)) {
            assert!(!announced, "has_message(), yet try_recv() is empty");
            if_empty();
        }
        got
    })
}

/// Runs `sender` and `receiver` on two threads of their own, joins both and
/// returns what `receiver` returned; the main thread never waits on the
/// channel.
///
/// A timed receive stops waiting while the other side may still be about
/// to wake it. On std that late unpark is harmless (it leaves a token for a
/// later park), but loom 0.7 lets it break a `JoinHandle::join` the woken
/// thread is blocked in (tokio-rs/loom#249). So the thread that made the
/// timed receive joins nothing; the main thread, which no one ever wakes,
/// does the joining.
pub fn on_own_threads<R: 'static>(
    sender: impl FnOnce() + Send + 'static,
    receiver: impl FnOnce() -> R + Send + 'static,
) -> R {
    let sender = thread::spawn(sender);
    let receiver = thread::spawn(receiver);
    let out = receiver.join().unwrap();
    sender.join().unwrap();
    out
}

// ----- hostile wakers -----

/// The payload of a hostile waker's panic.
#[derive(Debug)]
pub struct HostilePanic;

/// A waker whose last drop panics: the user code that runs where a channel
/// lets go of a waiter's waker. It wakes nobody.
pub struct PanicOnDrop;

impl Wake for PanicOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            std::panic::panic_any(HostilePanic);
        }
    }
}

/// A waker whose wake panics: the user code that runs where a channel
/// wakes a waiter.
pub struct PanicOnWake;

impl Wake for PanicOnWake {
    fn wake(self: Arc<Self>) {
        std::panic::panic_any(HostilePanic);
    }
}

/// Polls `fut` once with `waker` (any waker, hostile ones included).
pub fn poll_once<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// Runs `f`, catching a panic (`None`); a hostile waker's panics are kept
/// off the output.
pub fn catch<R>(f: impl FnOnce() -> R) -> Option<R> {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<HostilePanic>() {
                default(info);
            }
        }));
    });
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

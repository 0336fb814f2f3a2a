//! Loom models of every racing pair of `oneshot`.
//!
//! The models use loom 0.7 without its `futures` feature, so async receives
//! are driven by this file's own [`block_on`] and test wakers.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_oneshot`.
//!
//! Under the cfg every atomic, cell and park of the crate is loom's, so each
//! model below explores the interleavings of the real channel code. Every
//! model also checks, per explored execution:
//!
//! * that each message is dropped exactly once (a drop-counting message,
//!   whose counter is made afresh in every execution);
//! * that the test wakers are neither leaked nor dropped too often: they are
//!   `Arc`s of a `Wake` type, so every clone the channel keeps is a strong
//!   reference, and at the end the test's own handle must be the only one;
//! * that the channel's heap core is freed exactly once, and not used after
//!   it is freed: the message type has an alignment nothing else here
//!   allocates with, so a counting global allocator knows which allocations
//!   are channel cores (see [`CoreCountingAlloc`]). It poisons a freed core
//!   and keeps it from being reused until the execution ends, so a use after
//!   free trips loom's object lookup (a poisoned index) instead of passing
//!   silently.
//!
//! Everything below the crate docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use loom::sync::atomic::AtomicUsize;
use loom::thread;
use tidings::oneshot::{self, Receiver, Sender};
use tidings::{RecvError, RecvTimeoutError, SendError, TryRecvError};

// ----- core leak / double-free detection -----

/// The alignment of [`Msg`], and so of every `Core<Msg>` the channel boxes.
/// Nothing else in these tests allocates with it.
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

fn live_cores() -> isize {
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
struct CoreCountingAlloc;

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
fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    loom::model(move || {
        let before = live_cores();
        f();
        assert_eq!(
            live_cores(),
            before,
            "a channel core was leaked (> 0) or freed twice (< 0)"
        );
        release_quarantine();
    });
}

// ----- the message -----

/// A message that counts its drops. Its alignment marks the channel's core
/// for [`CoreCountingAlloc`].
#[repr(align(256))]
struct Msg {
    value: u32,
    drops: Arc<StdAtomicUsize>,
}

impl Drop for Msg {
    fn drop(&mut self) {
        // Every model makes one message per execution, so any drop but the
        // first is of a message dropped already (its bits read out twice).
        if self.drops.fetch_add(1, SeqCst) != 0 {
            // Its `Arc` is being released a second time too: add back the
            // reference this drop is about to release, so the counter stays
            // valid for the model to report on, and fail here.
            std::mem::forget(self.drops.clone());
            panic!("a message was dropped twice");
        }
    }
}

/// Makes the one [`Msg`] of a model execution and counts its drops. Made
/// afresh inside every execution.
struct Drops(Arc<StdAtomicUsize>);

impl Drops {
    fn new() -> Self {
        Self(Arc::new(StdAtomicUsize::new(0)))
    }

    fn msg(&self, value: u32) -> Msg {
        Msg {
            value,
            drops: self.0.clone(),
        }
    }

    fn count(&self) -> usize {
        self.0.load(SeqCst)
    }
}

const VALUE: u32 = 0x5EED;

/// Sends a fresh message carrying [`VALUE`].
// The error is as large as the message, whose alignment is the point.
#[allow(clippy::result_large_err)]
fn send(tx: Sender<Msg>, drops: &Drops) -> Result<(), SendError<Msg>> {
    tx.send(drops.msg(VALUE))
}

/// Checks that `got` is the message that was sent, and drops it.
fn expect_msg<E: std::fmt::Debug>(got: Result<Msg, E>) {
    match got {
        Ok(msg) => assert_eq!(msg.value, VALUE),
        Err(err) => panic!("expected the message, got {err:?}"),
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
struct TestWake {
    wakes: AtomicUsize,
}

impl TestWake {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            wakes: AtomicUsize::new(0),
        })
    }

    fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }

    /// Waits until the waker has been woken more than `seen` times.
    fn wait(&self, seen: usize) {
        while self.wakes() == seen {
            thread::yield_now();
        }
    }

    /// Asserts that no clone of the waker is left anywhere but `this`.
    fn assert_no_clones_left(this: &Arc<Self>, name: &str) {
        assert_eq!(
            Arc::strong_count(this),
            1,
            "waker {name} was leaked (> 1) or dropped too often (< 1)"
        );
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

/// Polls the receiver once with `waker`.
fn poll_with(rx: &mut Receiver<Msg>, waker: &Arc<TestWake>) -> Poll<Result<Msg, RecvError>> {
    let waker = Waker::from(waker.clone());
    Pin::new(rx).poll(&mut Context::from_waker(&waker))
}

/// Polls a fresh receiver once with `waker`, before the other side has
/// done anything, so the waker is left in the channel.
fn register(rx: &mut Receiver<Msg>, waker: &Arc<TestWake>) {
    assert!(
        poll_with(rx, waker).is_pending(),
        "nothing was sent, yet the receiver is ready"
    );
}

/// Drives the receiver as an executor would: polls it with a test waker,
/// and waits until that waker is woken before polling again. The waker must
/// be gone with the receiver.
fn block_on(mut rx: Receiver<Msg>) -> Result<Msg, RecvError> {
    let waker = TestWake::new();
    let out = loop {
        let seen = waker.wakes();
        match poll_with(&mut rx, &waker) {
            Poll::Ready(out) => break out,
            Poll::Pending => waker.wait(seen),
        }
    };
    drop(rx);
    TestWake::assert_no_clones_left(&waker, "of block_on");
    out
}

// ----- 1. send vs receiver drop -----

/// The receiver is dropped (never polled) while the message is sent: the
/// message is either handed back in `SendError` or dropped with the
/// receiver, exactly once either way.
#[test]
fn send_vs_receiver_drop() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            let drops = Drops(counter);
            // CLOSED is final: once the sender sees it, a send must fail.
            let closed = tx.is_closed();
            match send(tx, &drops) {
                Ok(()) => assert!(!closed, "send succeeded after is_closed()"),
                Err(SendError(msg)) => {
                    assert_eq!(msg.value, VALUE);
                    assert_eq!(drops.count(), 0, "a returned message was dropped");
                }
            }
        });
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.count(), 1, "the message was not dropped exactly once");
    });
}

// ----- 2. send vs poll -----

/// An async receive (polled by [`block_on`]) races the send: it gets the message.
#[test]
fn send_vs_await() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            send(tx, &Drops(counter))
                .map_err(|_| "receiver gone")
                .unwrap();
        });
        expect_msg(block_on(rx));
        sender.join().unwrap();
        assert_eq!(drops.count(), 1);
    });
}

/// `try_recv` in a loop races the send: it sees `Empty` (and the channel
/// open, with no message) until it gets the message, never `Disconnected`;
/// whenever `has_message` says so, the message is there to take.
#[test]
fn send_vs_try_recv() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            send(tx, &Drops(counter))
                .map_err(|_| "receiver gone")
                .unwrap();
        });
        loop {
            let announced = rx.has_message();
            match rx.try_recv() {
                Ok(msg) => {
                    assert_eq!(msg.value, VALUE);
                    break;
                }
                Err(TryRecvError::Empty) => {
                    assert!(!announced, "has_message() but try_recv() is empty");
                    assert!(!rx.is_closed());
                    thread::yield_now();
                }
                Err(TryRecvError::Disconnected) => panic!("a sending sender reported gone"),
            }
        }
        assert!(rx.is_closed());
        sender.join().unwrap();
        assert_eq!(drops.count(), 1);
    });
}

/// The sender spins on `is_closed` while the receiver is dropped: it sees
/// the receiver go, and the send after that fails with the message back.
#[test]
fn is_closed_vs_receiver_drop() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            let drops = Drops(counter);
            while !tx.is_closed() {
                thread::yield_now();
            }
            match send(tx, &drops) {
                Ok(()) => panic!("sent after is_closed()"),
                Err(SendError(msg)) => assert_eq!(msg.value, VALUE),
            }
        });
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.count(), 1);
    });
}

// ----- 3. send vs recv_timeout expiry -----

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
fn on_own_threads<R: 'static>(
    sender: impl FnOnce() + Send + 'static,
    receiver: impl FnOnce() -> R + Send + 'static,
) -> R {
    let sender = thread::spawn(sender);
    let receiver = thread::spawn(receiver);
    let out = receiver.join().unwrap();
    sender.join().unwrap();
    out
}

/// The sending side of the timeout models: the receiver is alive
/// throughout, so the send succeeds.
fn sender_thread(tx: Sender<Msg>, drops: &Drops) -> impl FnOnce() + Send + 'static {
    let counter = drops.0.clone();
    move || {
        send(tx, &Drops(counter))
            .map_err(|_| "receiver gone")
            .unwrap();
    }
}

/// A zero `recv_timeout` racing the send. It returns the message or
/// `Timeout`, never `Disconnected`: the sender is sending. Returns whether
/// it got the message.
fn recv_timeout_vs_send(rx: &Receiver<Msg>) -> bool {
    match rx.recv_timeout(Duration::ZERO) {
        Ok(msg) => {
            assert_eq!(msg.value, VALUE);
            true
        }
        Err(RecvTimeoutError::Timeout) => false,
        Err(RecvTimeoutError::Disconnected) => panic!("a sending sender reported gone"),
    }
}

/// A zero `recv_timeout` races the send; after a timeout the message is
/// still there for `try_recv` once the sender is done.
#[test]
fn send_vs_recv_timeout_then_try_recv() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        let (rx, got) = on_own_threads(sender_thread(tx, &drops), move || {
            let got = recv_timeout_vs_send(&rx);
            (rx, got)
        });
        if got {
            assert_eq!(drops.count(), 1);
            assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        } else {
            assert_eq!(drops.count(), 0, "the message was lost on timeout");
            assert!(rx.has_message());
            expect_msg(rx.try_recv());
        }
        assert!(rx.is_closed());
        drop(rx);
        assert_eq!(drops.count(), 1);
    });
}

/// After a timeout the receiver is dropped, possibly while the send is
/// still going: the message is dropped exactly once, with the receiver or
/// at once if it was received.
#[test]
fn send_vs_recv_timeout_then_drop() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        let counter = drops.0.clone();
        let sender = move || {
            let drops = Drops(counter);
            if let Err(SendError(msg)) = send(tx, &drops) {
                assert_eq!(msg.value, VALUE);
                assert_eq!(drops.count(), 0, "a returned message was dropped");
            }
        };
        let counter = drops.0.clone();
        on_own_threads(sender, move || {
            let drops = Drops(counter);
            if recv_timeout_vs_send(&rx) {
                assert_eq!(drops.count(), 1);
            }
            drop(rx);
        });
        assert_eq!(drops.count(), 1, "the message was not dropped exactly once");
    });
}

/// After a timeout that may have withdrawn the waker while the send took
/// it, a blocking `recv`, still racing the send, gets the message.
#[test]
fn send_vs_recv_timeout_then_recv() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        on_own_threads(sender_thread(tx, &drops), move || {
            if !recv_timeout_vs_send(&rx) {
                expect_msg(rx.recv());
            }
        });
        assert_eq!(drops.count(), 1);
    });
}

// ----- 4. sender drop vs receive -----

/// The sender is dropped unsent while the receiver is awaited: `RecvError`.
#[test]
fn sender_drop_vs_await() {
    model(|| {
        let (tx, rx) = oneshot::channel::<Msg>();
        let sender = thread::spawn(move || drop(tx));
        assert!(matches!(block_on(rx), Err(RecvError)));
        sender.join().unwrap();
    });
}

/// `try_recv` in a loop races the sender's drop: `Empty` until
/// `Disconnected`, never a message.
#[test]
fn sender_drop_vs_try_recv() {
    model(|| {
        let (tx, rx) = oneshot::channel::<Msg>();
        let sender = thread::spawn(move || drop(tx));
        loop {
            match rx.try_recv() {
                Ok(_) => panic!("received a message that was never sent"),
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Disconnected) => break,
            }
        }
        assert!(rx.is_closed());
        assert!(!rx.has_message());
        sender.join().unwrap();
    });
}

/// The sender is dropped unsent while a thread blocks in `recv`:
/// `RecvError` (a hang would be a loom deadlock).
#[test]
fn sender_drop_vs_blocking_recv() {
    model(|| {
        let (tx, rx) = oneshot::channel::<Msg>();
        let sender = thread::spawn(move || drop(tx));
        assert!(matches!(rx.recv(), Err(RecvError)));
        sender.join().unwrap();
    });
}

/// The sender is dropped unsent while an expired deadline receive runs (on
/// a thread of its own, see [`on_own_threads`]): `Timeout` or
/// `Disconnected`, and `Disconnected` once the sender is gone.
#[test]
fn sender_drop_vs_recv_deadline() {
    model(|| {
        let (tx, rx) = oneshot::channel::<Msg>();
        let rx = on_own_threads(
            move || drop(tx),
            move || {
                match rx.recv_deadline(Instant::now()) {
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
                    Ok(_) => panic!("received a message that was never sent"),
                }
                rx
            },
        );
        assert!(rx.is_closed());
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        assert!(matches!(rx.recv(), Err(RecvError)));
    });
}

// ----- 5. waker replacement vs send / sender drop -----

/// The receiver is polled with waker A (pending), then polled again with
/// waker B while the other side finishes on another thread. If the second
/// poll is pending, B must be woken, and a third poll is ready. Neither
/// waker is woken twice, none of their clones is left behind, and
/// `messages` messages (the one sent, or none) were dropped.
fn waker_replacement(
    finish: fn(Sender<Msg>, Drops),
    expect: fn(Result<Msg, RecvError>),
    messages: usize,
) {
    model(move || {
        let drops = Drops::new();
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let a = TestWake::new();
        let b = TestWake::new();
        register(&mut rx, &a);

        let counter = drops.0.clone();
        let sender = thread::spawn(move || finish(tx, Drops(counter)));

        let out = match poll_with(&mut rx, &b) {
            Poll::Ready(out) => out,
            Poll::Pending => {
                b.wait(0);
                match poll_with(&mut rx, &b) {
                    Poll::Ready(out) => out,
                    Poll::Pending => panic!("woken, but the receiver is still pending"),
                }
            }
        };
        expect(out);
        sender.join().unwrap();
        assert!(a.wakes() <= 1, "waker A woken {} times", a.wakes());
        assert!(b.wakes() <= 1, "waker B woken {} times", b.wakes());
        drop(rx);
        TestWake::assert_no_clones_left(&a, "A");
        TestWake::assert_no_clones_left(&b, "B");
        assert_eq!(drops.count(), messages);
    });
}

#[test]
fn waker_replacement_vs_send() {
    waker_replacement(
        |tx, drops| {
            send(tx, &drops).map_err(|_| "receiver gone").unwrap();
        },
        expect_msg,
        1,
    );
}

#[test]
fn waker_replacement_vs_sender_drop() {
    waker_replacement(
        |tx, _drops| drop(tx),
        |out| {
            assert!(matches!(out, Err(RecvError)));
        },
        0,
    );
}

// ----- 6. polled receiver dropped vs send; blocking recv vs send -----

/// A receiver whose waker is in the channel is dropped while the send runs
/// on another thread (the use-after-free pattern of other oneshots: the
/// sender must not touch the channel, nor the waker, after the receiver
/// may have freed it).
#[test]
fn send_vs_polled_receiver_drop() {
    model(|| {
        let drops = Drops::new();
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let a = TestWake::new();
        register(&mut rx, &a);
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            let drops = Drops(counter);
            if let Err(SendError(msg)) = send(tx, &drops) {
                assert_eq!(msg.value, VALUE);
                assert_eq!(drops.count(), 0, "a returned message was dropped");
            }
        });
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.count(), 1, "the message was not dropped exactly once");
        assert!(a.wakes() <= 1);
        TestWake::assert_no_clones_left(&a, "A");
    });
}

/// A thread blocked in `recv` gets the message sent by another.
#[test]
fn send_vs_blocking_recv() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            send(tx, &Drops(counter))
                .map_err(|_| "receiver gone")
                .unwrap();
        });
        expect_msg(rx.recv());
        sender.join().unwrap();
        assert_eq!(drops.count(), 1);
    });
}

// ----- 7. sender drop vs receiver drop -----

/// Both halves are dropped at once, each on its own thread: the core is
/// freed exactly once (checked by [`model`]).
#[test]
fn sender_drop_vs_receiver_drop() {
    model(|| {
        let (tx, rx) = oneshot::channel::<Msg>();
        let sender = thread::spawn(move || drop(tx));
        drop(rx);
        sender.join().unwrap();
    });
}

/// As above, with the receiver's waker in the channel: the waker is dropped
/// exactly once, whichever side takes it.
#[test]
fn sender_drop_vs_polled_receiver_drop() {
    model(|| {
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let a = TestWake::new();
        register(&mut rx, &a);
        let sender = thread::spawn(move || drop(tx));
        drop(rx);
        sender.join().unwrap();
        assert!(a.wakes() <= 1);
        TestWake::assert_no_clones_left(&a, "A");
    });
}

// ----- the checks themselves -----

/// The core counting that [`model`] relies on sees channel cores at all
/// (otherwise its leak check would pass vacuously).
#[test]
fn core_counting_sees_the_channel() {
    model(|| {
        let before = live_cores();
        let (tx, rx) = oneshot::channel::<Msg>();
        assert_eq!(live_cores(), before + 1);
        drop(tx);
        assert_eq!(live_cores(), before + 1);
        drop(rx);
        assert_eq!(live_cores(), before);
    });
}

#![cfg(tidings_loom)]
//! Loom models of every racing pair of `oneshot`.
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
//! * that the channel's heap core is freed exactly once: the message type
//!   has an alignment nothing else here allocates with, so a counting global
//!   allocator knows which allocations are channel cores (see
//!   [`CoreCountingAlloc`]); it also poisons a freed core, so a use after
//!   free trips loom's object lookup instead of passing silently.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
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

/// The system allocator, counting (and, when freed, poisoning) the
/// allocations made with [`CORE_ALIGN`].
struct CoreCountingAlloc;

#[allow(unsafe_code)]
// SAFETY: every method hands its arguments to `System`, which upholds the
// `GlobalAlloc` contract; the only additions are a thread-local counter
// (const-initialized, so it never allocates) and overwriting a block that
// the caller is giving back, before it is given back.
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
            // SAFETY: the caller owns the block `ptr` of `layout.size()`
            // bytes, allocated by us, until the `dealloc` below.
            unsafe { ptr.write_bytes(POISON, layout.size()) };
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
        self.drops.fetch_add(1, SeqCst);
    }
}

/// Makes [`Msg`]s and counts how many of them were dropped. Made afresh
/// inside every model execution.
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

/// A waker that counts its wakes (in a loom atomic, so the count is part of
/// the model) and unparks the loom thread that made it. Its clones and drops
/// are counted by the `Arc`'s strong count.
struct TestWake {
    wakes: AtomicUsize,
    thread: thread::Thread,
}

impl TestWake {
    /// A waker for the current loom thread.
    fn new() -> Arc<Self> {
        Arc::new(Self {
            wakes: AtomicUsize::new(0),
            thread: thread::current(),
        })
    }

    fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }

    /// Parks the current thread (the one that made this waker) until it has
    /// been woken at least once. A wake that never comes is a loom deadlock.
    fn wait(&self) {
        while self.wakes() == 0 {
            thread::park();
        }
    }

    /// Asserts that no clone of the waker is left anywhere but `this`.
    fn assert_no_clones_left(this: &Arc<Self>, name: &str) {
        assert_eq!(
            Arc::strong_count(this),
            1,
            "waker {name} was leaked (> 1) or dropped too often"
        );
    }
}

impl Wake for TestWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
        self.thread.unpark();
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

/// An async receive (loom's `block_on`) races the send: it gets the message.
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
        expect_msg(loom::future::block_on(rx));
        sender.join().unwrap();
        assert_eq!(drops.count(), 1);
    });
}

// ----- 3. send vs recv_timeout expiry -----

/// The receive that `recv_timeout` returned, with the send still racing.
/// `Timeout` must leave the receiver waiting for the message; a message
/// that was there at the poll must be returned (never `Disconnected`).
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
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            send(tx, &Drops(counter))
                .map_err(|_| "receiver gone")
                .unwrap();
        });
        let got = recv_timeout_vs_send(&rx);
        sender.join().unwrap();
        if got {
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

/// As above, but after a timeout the receiver is dropped, possibly while
/// the send is still going: the message is dropped exactly once, or handed
/// back to the sender.
#[test]
fn send_vs_recv_timeout_then_drop() {
    model(|| {
        let drops = Drops::new();
        let (tx, rx) = oneshot::channel::<Msg>();
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            let drops = Drops(counter);
            if let Err(SendError(msg)) = send(tx, &drops) {
                assert_eq!(msg.value, VALUE);
                assert_eq!(drops.count(), 0);
            }
        });
        let got = recv_timeout_vs_send(&rx);
        if got {
            assert_eq!(drops.count(), 1);
        }
        drop(rx);
        sender.join().unwrap();
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
        let counter = drops.0.clone();
        let sender = thread::spawn(move || {
            send(tx, &Drops(counter))
                .map_err(|_| "receiver gone")
                .unwrap();
        });
        if !recv_timeout_vs_send(&rx) {
            expect_msg(rx.recv());
        }
        sender.join().unwrap();
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
        assert!(matches!(loom::future::block_on(rx), Err(RecvError)));
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

/// The sender is dropped unsent while a deadline receive (already expired)
/// runs: `Timeout` or `Disconnected`, and `Disconnected` once the sender is
/// gone.
#[test]
fn sender_drop_vs_recv_deadline() {
    model(|| {
        let (tx, rx) = oneshot::channel::<Msg>();
        let sender = thread::spawn(move || drop(tx));
        match rx.recv_deadline(Instant::now()) {
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
            Ok(_) => panic!("received a message that was never sent"),
        }
        sender.join().unwrap();
        assert!(rx.is_closed());
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        assert!(matches!(rx.recv(), Err(RecvError)));
    });
}

// ----- 5. waker replacement vs send / sender drop -----

/// The receiver is polled with waker A (pending), then polled again with
/// waker B while the other side finishes on another thread. If the second
/// poll is pending, B must be woken, and a third poll is ready. Neither
/// waker is woken twice, and none of their clones is left behind.
fn waker_replacement(finish: fn(Sender<Msg>, Drops), expect: fn(Result<Msg, RecvError>)) {
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
                b.wait();
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
        assert!(drops.count() <= 1);
    });
}

#[test]
fn waker_replacement_vs_send() {
    waker_replacement(
        |tx, drops| {
            send(tx, &drops).map_err(|_| "receiver gone").unwrap();
        },
        expect_msg,
    );
}

#[test]
fn waker_replacement_vs_sender_drop() {
    waker_replacement(
        |tx, _drops| drop(tx),
        |out| {
            assert!(matches!(out, Err(RecvError)));
        },
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

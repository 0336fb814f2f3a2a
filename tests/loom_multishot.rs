//! Loom models of `multishot`: a receive racing the send, the receiver
//! recycling the sender while the last round's sender finishes on another
//! thread, rounds in a row, the receiver dropped during a send, and a
//! receive future cancelled during a send.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_multishot`.
//!
//! Every model checks, per explored execution:
//!
//! * that each message is dropped exactly once (each has a drop counter of
//!   its own, made afresh in every execution; a second drop panics);
//! * that no waker is leaked: the test wakers are `Arc`s of a `Wake` type,
//!   so every clone the channel keeps is a strong reference; the channel
//!   may keep the last one registered until the next poll replaces it,
//!   and none once the receiver is gone;
//! * that the channel's one allocation is freed exactly once and not used
//!   after that: the message type has an alignment nothing else here
//!   allocates with, so the global allocator below recognizes channel
//!   allocations ([`CoreAlloc`]); it counts them, and poisons a freed one
//!   and keeps it out of circulation until the execution ends, so that a
//!   use after free reads garbage handles, which loom rejects.
//!
//! Everything below these docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize as StdAtomicUsize;
use std::sync::atomic::Ordering::{Acquire, Release, SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use loom::sync::atomic::{AtomicBool, AtomicUsize};
use loom::thread;
use tidings::multishot::{self, Receiver, Sender};
use tidings::{RecvError, RecvTimeoutError, SendError, TryRecvError};

// ----- the channel's allocation -----

/// The alignment of [`Msg`], so of the channel's allocation, and of
/// nothing else these tests allocate.
const CORE_ALIGN: usize = 256;

/// Written over a channel allocation when it is freed.
const FREED: u8 = 0xD7;

thread_local! {
    /// Channel allocations alive, made on this OS thread. loom runs all
    /// the modelled threads of a model on the test's OS thread, and the
    /// tests running in parallel each on their own, so this counts the
    /// allocations of the running model only.
    static LIVE: Cell<isize> = const { Cell::new(0) };

    /// Channel allocations freed in the running execution: poisoned, and
    /// kept from the system until the execution ends.
    static HELD: RefCell<Vec<(usize, Layout)>> = const { RefCell::new(Vec::new()) };
}

fn live_allocations() -> isize {
    LIVE.with(Cell::get)
}

fn add_live(delta: isize) {
    // Nothing to count during thread-local teardown.
    let _ = LIVE.try_with(|live| live.set(live.get() + delta));
}

/// Hands the held allocations back to the system.
#[allow(unsafe_code)]
fn release_held() {
    let held = HELD.with(|held| std::mem::take(&mut *held.borrow_mut()));
    for (addr, layout) in held {
        // SAFETY: `CoreAlloc::dealloc` held this block back; it came from
        // `System` with `layout`, and leaves `HELD` (so is freed) once.
        unsafe { System.dealloc(addr as *mut u8, layout) };
    }
}

/// The system allocator, counting, poisoning and holding back the
/// allocations with [`CORE_ALIGN`].
struct CoreAlloc;

#[allow(unsafe_code)]
// SAFETY: allocation is `System`'s, with the caller's layout. The only
// additions are thread-local counting (whose own allocations never have
// `CORE_ALIGN`, so it never reenters itself), and, on `dealloc`, writing
// over a block the caller gives up before giving it back to `System`,
// possibly later (`release_held`).
unsafe impl GlobalAlloc for CoreAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && layout.align() == CORE_ALIGN {
            add_live(1);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() == CORE_ALIGN {
            add_live(-1);
            // SAFETY: the caller gives us the block `ptr`, `layout.size()`
            // bytes that we allocated; no one uses it any more.
            unsafe { ptr.write_bytes(FREED, layout.size()) };
            let held = HELD
                .try_with(|held| {
                    held.try_borrow_mut()
                        .map(|mut held| held.push((ptr as usize, layout)))
                        .is_ok()
                })
                .unwrap_or(false);
            if held {
                return;
            }
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CoreAlloc = CoreAlloc;

/// `loom::model`, checking after every execution that it freed each
/// channel allocation it made, and none twice.
fn model(f: impl Fn() + Sync + Send + 'static) {
    loom::model(move || {
        let before = live_allocations();
        f();
        assert_eq!(
            live_allocations(),
            before,
            "the channel was leaked (> 0) or freed twice (< 0)"
        );
        release_held();
    });
}

// ----- messages -----

/// A message that counts its drops; a second drop of the same message
/// panics. Its alignment marks the channel's allocation for [`CoreAlloc`].
#[derive(Debug)]
#[repr(align(256))]
struct Msg {
    value: u32,
    drops: Arc<StdAtomicUsize>,
}

impl Drop for Msg {
    fn drop(&mut self) {
        if self.drops.fetch_add(1, SeqCst) != 0 {
            // This `Arc` is being released a second time too: keep the
            // counter alive for the report, and fail here.
            std::mem::forget(self.drops.clone());
            panic!("message {} was dropped twice", self.value);
        }
    }
}

/// The drop counter of one message of one execution.
#[derive(Clone)]
struct Tally {
    value: u32,
    drops: Arc<StdAtomicUsize>,
}

impl Tally {
    fn new(value: u32) -> Self {
        Self {
            value,
            drops: Arc::new(StdAtomicUsize::new(0)),
        }
    }

    /// The message itself; made once per tally.
    fn msg(&self) -> Msg {
        Msg {
            value: self.value,
            drops: self.drops.clone(),
        }
    }

    fn drops(&self) -> usize {
        self.drops.load(SeqCst)
    }

    fn assert_dropped_once(&self) {
        assert_eq!(
            self.drops(),
            1,
            "message {} was not dropped exactly once",
            self.value
        );
    }

    fn assert_alive(&self) {
        assert_eq!(self.drops(), 0, "message {} was dropped early", self.value);
    }

    /// Checks that `got` is this message, and drops it.
    fn expect<E: std::fmt::Debug>(&self, got: Result<Msg, E>) {
        match got {
            Ok(msg) => assert_eq!(msg.value, self.value, "received the wrong message"),
            Err(err) => panic!("expected message {}, got {err:?}", self.value),
        }
    }

    /// A sender thread: sends this message with `tx`, which must succeed.
    fn send_ok(&self, tx: Sender<Msg>) -> impl FnOnce() + Send + 'static {
        let tally = self.clone();
        move || {
            if tx.send(tally.msg()).is_err() {
                panic!("the receiver is alive, yet the send failed");
            }
        }
    }

    /// A sender thread whose receiver may be gone: sends this message, and
    /// checks that a failed send hands it back undropped.
    fn send_maybe(&self, tx: Sender<Msg>) -> impl FnOnce() + Send + 'static {
        let tally = self.clone();
        move || {
            let closed = tx.is_closed();
            match tx.send(tally.msg()) {
                Ok(()) => assert!(!closed, "a send succeeded after is_closed()"),
                Err(SendError(msg)) => {
                    assert_eq!(msg.value, tally.value, "a send returned the wrong message");
                    tally.assert_alive();
                }
            }
        }
    }
}

// ----- the test waker -----

/// A waker that counts its wakes in a loom atomic. It unparks nobody: a
/// waiting thread yields until the count moves ([`TestWake::wait`]), so a
/// lost wake-up makes loom give up on the spinning execution, failing the
/// model. (An unparking waker can leave a late unpark that loom 0.7 lets
/// break a `join`: tokio-rs/loom#249.)
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

    /// The clones of `this` kept anywhere but in the test's own handle.
    fn clones(this: &Arc<Self>) -> usize {
        Arc::strong_count(this) - 1
    }

    /// At most one clone kept (the channel's last registered waker), and
    /// at most one wake.
    fn assert_bounded(this: &Arc<Self>, name: &str) {
        assert!(Self::clones(this) <= 1, "waker {name} kept twice");
        assert!(
            this.wakes() <= 1,
            "waker {name} woken {} times",
            this.wakes()
        );
    }

    fn assert_released(this: &Arc<Self>, name: &str) {
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
fn poll_with<F: Future + Unpin>(fut: &mut F, waker: &Arc<TestWake>) -> Poll<F::Output> {
    let waker = Waker::from(waker.clone());
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Awaits this round's message as an executor would: polls a receive
/// future with `waker`, and again only once that waker is woken.
fn recv_async(rx: &mut Receiver<Msg>, waker: &Arc<TestWake>) -> Result<Msg, RecvError> {
    let mut fut = rx.recv_async();
    loop {
        let seen = waker.wakes();
        match poll_with(&mut fut, waker) {
            Poll::Ready(out) => return out,
            Poll::Pending => waker.wait(seen),
        }
    }
}

/// Runs `sender` and `receiver` on threads of their own and returns what
/// `receiver` returned, once both are joined. For timed receives: the
/// thread that stopped waiting may still get a late unpark, which loom 0.7
/// lets break a `join` it is blocked in (tokio-rs/loom#249), so that
/// thread joins nothing, and the main thread, whom nobody wakes, joins.
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

// ----- send vs receive -----

/// An awaited receive races the send: it gets the message, and the round
/// is over.
#[test]
fn send_vs_await() {
    model(|| {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel();
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(recv_async(&mut rx, &a));
        m.assert_dropped_once();
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        sender.join().unwrap();
        assert!(rx.sender().is_some(), "the round is over");
        TestWake::assert_bounded(&a, "A");
        drop(rx);
        TestWake::assert_released(&a, "A");
    });
}

/// A thread blocked in `recv` gets the message sent by another.
#[test]
fn send_vs_blocking_recv() {
    model(|| {
        let m = Tally::new(1);
        let (tx, mut rx) = multishot::channel();
        let sender = thread::spawn(m.send_ok(tx));
        m.expect(rx.recv());
        sender.join().unwrap();
        m.assert_dropped_once();
        assert!(rx.sender().is_some(), "the round is over");
    });
}

/// A zero `recv_timeout` races the send (on a thread of its own, see
/// [`on_own_threads`]); after a timeout, which withdraws its waiter
/// possibly while the send takes it, a blocking `recv` gets the message.
#[test]
fn send_vs_recv_timeout_then_recv() {
    model(|| {
        let m = Tally::new(1);
        let (tx, mut rx) = multishot::channel();
        let tally = m.clone();
        let mut rx = on_own_threads(m.send_ok(tx), move || {
            match rx.recv_timeout(Duration::ZERO) {
                Ok(msg) => tally.expect::<()>(Ok(msg)),
                Err(RecvTimeoutError::Timeout) => tally.expect(rx.recv()),
                Err(RecvTimeoutError::Disconnected) => panic!("a sending sender reported gone"),
            }
            rx
        });
        m.assert_dropped_once();
        assert!(rx.sender().is_some(), "the round is over");
    });
}

/// The sender is dropped unsent while an expired `recv_deadline` runs:
/// `Timeout` or `Disconnected`; once the sender is gone the round is over
/// and the sender is recycled.
#[test]
fn sender_drop_vs_recv_deadline() {
    model(|| {
        let (tx, mut rx) = multishot::channel::<Msg>();
        let mut rx = on_own_threads(
            move || drop(tx),
            move || {
                match rx.recv_deadline(Instant::now()) {
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
                    Ok(msg) => panic!("received {msg:?}, which was never sent"),
                }
                rx
            },
        );
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        assert!(rx.sender().is_some(), "the round is over");
    });
}

// ----- recycling -----

/// The receiver's future is polled (waker A registered), then dropped,
/// while the first round's sender is dropped on another thread; the
/// receiver then asks for the next sender until it gets one. It must get
/// `None` while that sender is alive and `Some` once its drop has returned;
/// while the new sender lives, no other is handed out. The new round then
/// works: a send from another thread is awaited with waker B.
#[test]
fn recycle_vs_late_sender_drop() {
    model(|| {
        let m = Tally::new(2);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, mut rx) = multishot::channel();
        let dropping = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicBool::new(false));

        let mut fut = rx.recv_async();
        assert!(
            poll_with(&mut fut, &a).is_pending(),
            "ready before the drop"
        );
        let old = {
            let (dropping, dropped) = (dropping.clone(), dropped.clone());
            thread::spawn(move || {
                dropping.store(true, Release);
                drop(tx);
                dropped.store(true, Release);
            })
        };
        drop(fut);

        let tx = loop {
            let was_dropped = dropped.load(Acquire);
            match rx.sender() {
                Some(tx) => {
                    assert!(dropping.load(Acquire), "recycled a sender still alive");
                    break tx;
                }
                None => {
                    assert!(!was_dropped, "the sender is gone, yet no recycling");
                    thread::yield_now();
                }
            }
        };
        assert!(rx.sender().is_none(), "two senders alive at once");
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));

        let new = thread::spawn(m.send_ok(tx));
        m.expect(recv_async(&mut rx, &b));
        old.join().unwrap();
        new.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
        TestWake::assert_bounded(&b, "B");
        drop(rx);
        TestWake::assert_released(&b, "B");
    });
}

/// The first round's sender sends on another thread while the receiver
/// alternates `sender()` and `try_recv`: no sender while the message is on
/// its way or waiting, one as soon as it is received. The next round runs
/// on this thread.
#[test]
fn recycle_vs_late_send() {
    model(|| {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let (tx, mut rx) = multishot::channel();
        let old = thread::spawn(m1.send_ok(tx));
        loop {
            assert!(
                rx.sender().is_none(),
                "recycled before the message was received"
            );
            match rx.try_recv() {
                Ok(msg) => {
                    m1.expect::<()>(Ok(msg));
                    break;
                }
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Disconnected) => panic!("a sending sender reported gone"),
            }
        }
        m1.assert_dropped_once();
        let tx = rx
            .sender()
            .expect("the message was received: the round is over");
        tx.send(m2.msg()).unwrap();
        assert!(rx.sender().is_none(), "recycled while a message waits");
        m2.expect(rx.try_recv());
        old.join().unwrap();
        assert!(rx.sender().is_some());
    });
}

/// Two full rounds, each with its sender on a thread of its own: the first
/// awaited, the second received by a blocking `recv`. The second round
/// starts as soon as the first message is received, while the first
/// sender's thread may still be finishing (waking waker A).
#[test]
fn two_rounds_with_senders_on_other_threads() {
    model(|| {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel();
        let first = thread::spawn(m1.send_ok(tx));
        m1.expect(recv_async(&mut rx, &a));
        m1.assert_dropped_once();

        let tx = rx
            .sender()
            .expect("the message was received: the round is over");
        let second = thread::spawn(m2.send_ok(tx));
        m2.expect(rx.recv());
        m2.assert_dropped_once();

        first.join().unwrap();
        second.join().unwrap();
        TestWake::assert_bounded(&a, "A");
        assert!(rx.sender().is_some(), "the second round is over");
        drop(rx);
        TestWake::assert_released(&a, "A");
    });
}

// ----- receiver drop vs sender -----

/// The receiver is dropped while the first round's message is sent: the
/// message comes back or is dropped with the channel, once, and the
/// allocation is freed once (checked by [`model`]).
#[test]
fn receiver_drop_vs_send() {
    model(|| {
        let m = Tally::new(1);
        let (tx, rx) = multishot::channel();
        let sender = thread::spawn(m.send_maybe(tx));
        drop(rx);
        sender.join().unwrap();
        m.assert_dropped_once();
    });
}

/// As above in a recycled round, after a cancelled receive: the receiver
/// polls (waker A), drops its future and drops itself while the recycled
/// sender sends on another thread.
#[test]
fn receiver_drop_vs_send_in_recycled_round() {
    model(|| {
        let m1 = Tally::new(1);
        let m2 = Tally::new(2);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel();
        tx.send(m1.msg()).unwrap();
        m1.expect(rx.try_recv());
        let tx = rx.sender().expect("the round is over");

        let mut fut = rx.recv_async();
        assert!(
            poll_with(&mut fut, &a).is_pending(),
            "ready before the send"
        );
        let sender = thread::spawn(m2.send_maybe(tx));
        drop(fut);
        drop(rx);
        sender.join().unwrap();
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
    });
}

/// The last round's sender and the receiver are dropped at once: the
/// allocation is freed once.
#[test]
fn receiver_drop_vs_sender_drop() {
    model(|| {
        let (tx, mut rx) = multishot::channel::<Msg>();
        drop(tx);
        let tx = rx.sender().expect("the round is over");
        let sender = thread::spawn(move || drop(tx));
        drop(rx);
        sender.join().unwrap();
    });
}

// ----- cancelled receive vs send -----

/// A receive future, pending with waker A, is dropped while the message is
/// sent: the message is not lost (`try_recv` gets it once the sender is
/// done), and A is not kept by the channel.
#[test]
fn cancelled_recv_vs_send_then_try_recv() {
    model(|| {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel();
        let mut fut = rx.recv_async();
        assert!(
            poll_with(&mut fut, &a).is_pending(),
            "ready before the send"
        );
        let sender = thread::spawn(m.send_ok(tx));
        drop(fut);
        sender.join().unwrap();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
        m.assert_alive();
        m.expect(rx.try_recv());
        assert!(rx.sender().is_some(), "the round is over");
    });
}

/// As above, but the message is received by a blocking `recv` that still
/// races the send.
#[test]
fn cancelled_recv_vs_send_then_recv() {
    model(|| {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel();
        let mut fut = rx.recv_async();
        assert!(
            poll_with(&mut fut, &a).is_pending(),
            "ready before the send"
        );
        let sender = thread::spawn(m.send_ok(tx));
        drop(fut);
        m.expect(rx.recv());
        sender.join().unwrap();
        m.assert_dropped_once();
        assert!(a.wakes() <= 1);
        TestWake::assert_released(&a, "A");
    });
}

/// A receive future, pending with waker A, is dropped before the send
/// starts: A is withdrawn at once (never woken, no clone kept), and the
/// message sent afterwards on another thread is received by `try_recv`.
#[test]
fn cancelled_recv_then_send() {
    model(|| {
        let m = Tally::new(1);
        let a = TestWake::new();
        let (tx, mut rx) = multishot::channel();
        let mut fut = rx.recv_async();
        assert!(
            poll_with(&mut fut, &a).is_pending(),
            "ready before the send"
        );
        drop(fut);
        TestWake::assert_released(&a, "A");
        let sender = thread::spawn(m.send_ok(tx));
        loop {
            match rx.try_recv() {
                Ok(msg) => break m.expect::<()>(Ok(msg)),
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Disconnected) => panic!("a sending sender reported gone"),
            }
        }
        sender.join().unwrap();
        assert_eq!(a.wakes(), 0, "a withdrawn waker was woken");
        TestWake::assert_released(&a, "A");
        m.assert_dropped_once();
    });
}

// ----- the checks themselves -----

/// The counting allocator sees the channel's allocation (else the leak
/// check of [`model`] would pass vacuously), and recycling allocates
/// nothing.
#[test]
fn allocation_counting_sees_the_channel() {
    model(|| {
        let before = live_allocations();
        let (tx, mut rx) = multishot::channel::<Msg>();
        assert_eq!(live_allocations(), before + 1);
        drop(tx);
        let tx = rx.sender().expect("the round is over");
        assert_eq!(live_allocations(), before + 1);
        drop(rx);
        assert_eq!(live_allocations(), before + 1, "freed while a sender lives");
        drop(tx);
        assert_eq!(live_allocations(), before);
    });
}

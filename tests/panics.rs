//! The panic paths: user code (a waker's clone, wake or drop; a message's
//! clone or drop) that panics wherever the crate runs it.
//!
//! Two parts:
//! - regression tests, one per defect found by trying the crate as a
//!   hostile user would (each failed, or hung, before its fix; the
//!   oneshot receiver's drop racing a send is a loom model,
//!   `tests/loom_oneshot.rs`, as no test with real threads hits its window);
//! - sweeps: for every operation of every kind that runs such code, a
//!   scenario is run once for every hostile call it makes, with that call
//!   panicking (`common::fuse`). After each run: every message (and every
//!   clone of one) was dropped exactly once, none was received twice, no
//!   waker was leaked, nothing stayed allocated (this binary's counting
//!   allocator), messages that were inside the channel were received, and
//!   the channel still works.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc as std_mpsc, Arc};
use std::task::Poll;
use std::thread;
use std::time::Duration;

mod common;
mod counting;

use common::fuse::{self, step, sweep, Ledger, Tracked};
use common::{hostile, poll_with, DropCounter};
use futures::task::noop_waker_ref;
use tidings::{broadcast, mpmc, multishot, oneshot, TryRecvError};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// Bytes `f` left allocated on this thread. (The thread's cached waker
/// for blocking calls is made first: it stays, once per thread.)
fn measure(f: &mut dyn FnMut()) -> isize {
    let mut slot = oneshot::Slot::<u8>::new();
    let (_tx, rx) = slot.split();
    // Not a zero timeout: that gives up without waiting (no waker).
    let _ = rx.recv_timeout(Duration::from_millis(1));
    counting::left_allocated(f)
}

/// A future a scenario polls: once it completed, or its poll panicked
/// (after which it may be complete: a send whose wake panicked has
/// delivered its message, and a future polled after it completed panics),
/// it is only dropped, never polled again.
struct Fut<F> {
    fut: F,
    done: bool,
}

impl<F: Future + Unpin> Fut<F> {
    fn new(fut: F) -> Self {
        Self { fut, done: false }
    }

    fn poll(&mut self, waker: &std::task::Waker) -> Option<Poll<F::Output>> {
        if self.done {
            return None;
        }
        let polled = step(|| poll_with(&mut self.fut, waker));
        self.done = !matches!(polled, Some(Poll::Pending));
        polled
    }
}

/// Polls `fut` once with a plain waker, ignoring a panic.
fn poll_plain<F: Future + Unpin>(fut: &mut Fut<F>) -> Option<Poll<F::Output>> {
    fut.poll(noop_waker_ref())
}

/// Polls `fut` once with a fresh fuse waker (its clone and drop are
/// hostile calls), ignoring a panic.
fn poll_hostile<F: Future + Unpin>(fut: &mut Fut<F>) {
    let waker = fuse::waker();
    fut.poll(&waker);
    step(move || drop(waker));
}

// ===== regression tests =====

/// A message whose `Clone` blocks until told: the test holds a clone of
/// it in progress on one thread while other receivers act.
#[derive(Debug)]
struct SlowClone {
    /// Set once the clone may finish.
    release: Arc<AtomicBool>,
    /// Told when a clone starts.
    started: std_mpsc::SyncSender<()>,
}

impl Clone for SlowClone {
    fn clone(&self) -> Self {
        let _ = self.started.try_send(());
        while !self.release.load(SeqCst) {
            thread::yield_now();
        }
        Self {
            release: self.release.clone(),
            started: self.started.clone(),
        }
    }
}

/// Three receivers of one message; one of them starts cloning it on a
/// thread and is kept there (its `Clone` waits) while `check` runs with
/// the other two; then the clone is let go.
fn while_a_clone_runs(check: impl FnOnce(&mut broadcast::Receiver<SlowClone>, &AtomicBool)) {
    let release = Arc::new(AtomicBool::new(false));
    let (started, clone_started) = std_mpsc::sync_channel(8);
    let (tx, mut cloner) = broadcast::channel(4);
    let mut other = cloner.clone();
    let mut third = cloner.clone();
    tx.send(SlowClone {
        release: release.clone(),
        started,
    })
    .unwrap();
    thread::scope(|s| {
        let cloning = s.spawn(move || cloner.try_recv().map(drop));
        clone_started.recv().unwrap();
        check(&mut other, &release);
        release.store(true, SeqCst);
        assert!(cloning.join().unwrap().is_ok());
    });
    // Once the clone is done, both read it (one clones, one moves).
    assert!(other.try_recv().is_ok());
    assert!(third.try_recv().is_ok());
}

/// Defect: `try_recv` spun while another receiver cloned the same
/// message; a `Clone` that waits for the caller deadlocked it. Now it finds
/// nothing to read yet.
#[test]
fn broadcast_try_recv_never_waits_on_another_receivers_clone() {
    while_a_clone_runs(|other, release| {
        assert!(matches!(
            other.try_recv(),
            Err(broadcast::TryRecvError::Empty)
        ));
        assert!(!release.load(SeqCst), "returned while the clone ran");
    });
}

/// Defect: a timed receive spun past its deadline while another receiver
/// cloned the message. Now it times out while the clone still runs.
#[test]
fn broadcast_recv_timeout_honours_its_deadline_during_another_receivers_clone() {
    while_a_clone_runs(|other, release| {
        assert!(matches!(
            other.recv_timeout(Duration::from_millis(5)),
            Err(broadcast::RecvTimeoutError::Timeout)
        ));
        assert!(!release.load(SeqCst), "timed out while the clone ran");
    });
}

/// Defect: a receive future busy-waited inside its poll. Now it registers
/// and returns `Pending`, and the cloner wakes it when done.
#[test]
fn broadcast_recv_async_waits_for_another_receivers_clone_without_spinning() {
    let (waker_count, waker) = common::WakeCounter::new();
    let release = Arc::new(AtomicBool::new(false));
    let (started, clone_started) = std_mpsc::sync_channel(8);
    let (tx, mut cloner) = broadcast::channel(4);
    let mut other = cloner.clone();
    let _third = cloner.clone();
    tx.send(SlowClone {
        release: release.clone(),
        started,
    })
    .unwrap();
    thread::scope(|s| {
        let cloning = s.spawn(move || cloner.try_recv().map(drop));
        clone_started.recv().unwrap();
        let mut fut = other.recv_async();
        assert!(poll_with(&mut fut, &waker).is_pending());
        assert!(!release.load(SeqCst), "pending while the clone ran");
        release.store(true, SeqCst);
        assert!(cloning.join().unwrap().is_ok());
        assert_eq!(
            waker_count.wakes(),
            1,
            "the cloner woke the waiting receiver"
        );
        assert!(matches!(poll_with(&mut fut, &waker), Poll::Ready(Ok(_))));
    });
}

/// A [`SlowClone`] whose original's drop panics (its clones' do not).
#[derive(Debug)]
struct SlowCloneBomb {
    slow: SlowClone,
    armed: bool,
}

impl Clone for SlowCloneBomb {
    fn clone(&self) -> Self {
        Self {
            slow: self.slow.clone(),
            armed: false,
        }
    }
}

impl Drop for SlowCloneBomb {
    fn drop(&mut self) {
        if self.armed && !thread::panicking() {
            panic!("the overwritten message's drop panics");
        }
    }
}

/// Found by the audit: a lagging send overwrote a message while a
/// receiver cloned it, and the cloner, holding the last reference to the
/// overwritten slot, dropped it after its clone was made; that drop
/// panicked and the clone was lost with the unwinding. Now the receiver
/// keeps the clone for its next receive.
#[test]
fn broadcast_clone_kept_when_dropping_an_overwritten_message_panics() {
    let release = Arc::new(AtomicBool::new(false));
    let (started, clone_started) = std_mpsc::sync_channel(8);
    let (tx, mut rx1) = broadcast::lagging(1);
    let mut rx2 = rx1.clone();
    let slow = |started| SlowClone {
        release: release.clone(),
        started,
    };
    tx.send(SlowCloneBomb {
        slow: slow(started.clone()),
        armed: true,
    })
    .unwrap();
    let mut rx1 = thread::scope(|s| {
        let cloning = s.spawn(move || {
            let first = catch_unwind(AssertUnwindSafe(|| rx1.try_recv().map(|m| m.armed)));
            (first.is_err(), rx1)
        });
        clone_started.recv().unwrap();
        // Overwrites the message being cloned: its slot leaves the ring
        // with the cloner.
        tx.send(SlowCloneBomb {
            slow: slow(started),
            armed: false,
        })
        .unwrap();
        release.store(true, SeqCst);
        let (panicked, rx1) = cloning.join().unwrap();
        assert!(panicked, "dropping the overwritten message panicked");
        rx1
    });
    assert!(
        matches!(rx1.try_recv(), Ok(SlowCloneBomb { armed: false, .. })),
        "the clone was kept"
    );
    assert!(rx1.try_recv().is_ok(), "then the message that overwrote it");
    assert!(matches!(
        rx2.try_recv(),
        Err(broadcast::TryRecvError::Lagged(1))
    ));
    assert!(rx2.try_recv().is_ok());
}

/// Defect: a blocking rendezvous send whose wake of the receiver panicked
/// left its entry listed: the call failed, yet a later receive got the
/// message. Now the entry is withdrawn as the call unwinds.
#[test]
fn mpmc_blocking_send_that_panics_does_not_deliver_later() {
    let drops = DropCounter::new();
    let flags = Arc::new(hostile::Flags::default());
    let (tx, rx) = mpmc::rendezvous();
    let mut fut = rx.recv_async();
    assert!(poll_with(&mut fut, &hostile::waker(&flags)).is_pending());
    flags.panic_on_drop.store(true, SeqCst); // waking it drops it
    let sent = catch_unwind(AssertUnwindSafe(|| {
        tx.send_timeout(drops.msg(1), Duration::from_secs(60))
    }));
    assert!(sent.is_err(), "the wake panicked");
    drop(fut);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "not delivered");
    assert_eq!(drops.drops(), 1, "dropped as the send unwound");
}

/// Defect: a receive that took a message and then panicked waking a
/// waiting sender lost the message. Now it stays in the channel.
#[test]
fn mpmc_receive_whose_wake_panics_keeps_the_message() {
    let drops = DropCounter::new();
    let flags = Arc::new(hostile::Flags::default());
    let (tx, rx) = mpmc::bounded(1);
    tx.send(drops.msg(1)).unwrap();
    let mut fut = tx.send_async(drops.msg(2));
    assert!(poll_with(&mut fut, &hostile::waker(&flags)).is_pending());
    flags.panic_on_drop.store(true, SeqCst);
    assert!(catch_unwind(AssertUnwindSafe(|| rx.try_recv())).is_err());
    assert_eq!(drops.drops(), 0, "nothing dropped");
    // Both are held (one over the capacity, until received): still full.
    assert_eq!(rx.len(), 2);
    assert!(matches!(
        tx.try_send(drops.msg(3)),
        Err(tidings::TrySendError::Full(_))
    ));
    assert_eq!(rx.try_recv().map(|m| m.value), Ok(1), "first is kept");
    assert_eq!(rx.try_recv().map(|m| m.value), Ok(2), "second moved in");
    assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(Ok(())));
}

/// The same in a broadcast: the receiver keeps the message it read.
#[test]
fn broadcast_receive_whose_wake_panics_keeps_the_message() {
    let flags = Arc::new(hostile::Flags::default());
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    let mut fut = tx.send_async(2);
    assert!(poll_with(&mut fut, &hostile::waker(&flags)).is_pending());
    flags.panic_on_drop.store(true, SeqCst);
    assert!(catch_unwind(AssertUnwindSafe(|| rx.try_recv())).is_err());
    assert_eq!(rx.len(), 2, "the kept message and the one let in");
    assert_eq!(rx.try_recv(), Ok(1), "first is kept");
    assert_eq!(rx.try_recv(), Ok(2), "second let in");
    assert_eq!(poll_with(&mut fut, noop_waker_ref()), Poll::Ready(Ok(())));
}

// ===== sweeps: mpmc =====

type Make = fn() -> (mpmc::Sender<Tracked>, mpmc::Receiver<Tracked>);

const BOUNDED_1: (&str, Make) = ("bounded(1)", || mpmc::bounded(1));
const UNBOUNDED: (&str, Make) = ("unbounded", mpmc::unbounded);
const RENDEZVOUS: (&str, Make) = ("rendezvous", mpmc::rendezvous);

/// Runs `f` until a run of it does not panic (the fuse fires once).
fn until_done<R>(mut f: impl FnMut() -> R) -> R {
    loop {
        if let Some(out) = step(&mut f) {
            return out;
        }
    }
}

/// Receives until the channel is empty (a receive that panics is tried
/// again), recording what came.
fn drain_mpmc(rx: &mpmc::Receiver<Tracked>, ledger: &Ledger) {
    while let Ok(msg) = until_done(|| rx.try_recv()) {
        step(|| ledger.received("rx", msg));
    }
}

/// A send and a receive go through (with the fuse off: this is the
/// check, not the scenario).
fn mpmc_still_works(
    tx: &mpmc::Sender<Tracked>,
    rx: &mpmc::Receiver<Tracked>,
    ledger: &Arc<Ledger>,
) {
    fuse::unhooked(|| {
        let mut send = tx.send_async(ledger.msg(99));
        let first = poll_with(&mut send, noop_waker_ref());
        let got = rx.try_recv().expect("the channel still works");
        assert_eq!(got.id, 99);
        ledger.received("check", got);
        if first.is_pending() {
            // A rendezvous: the send waited for the receive.
            assert!(matches!(
                poll_with(&mut send, noop_waker_ref()),
                Poll::Ready(Ok(()))
            ));
        } else {
            assert!(matches!(first, Poll::Ready(Ok(()))));
        }
    });
}

/// How a receive is made in a sweep.
#[derive(Clone, Copy, Debug)]
enum RecvBy {
    Try,
    Timeout,
    Async,
    Drain,
}

fn mpmc_receive(by: RecvBy, rx: &mpmc::Receiver<Tracked>, ledger: &Ledger) {
    match by {
        RecvBy::Try => step(|| rx.try_recv().map(|m| ledger.received("rx", m))),
        RecvBy::Timeout => step(|| {
            rx.recv_timeout(Duration::ZERO)
                .map(|m| ledger.received("rx", m))
                .map_err(drop)
        })
        .map(|_| Ok(())),
        RecvBy::Async => step(|| {
            let mut fut = rx.recv_async();
            if let Poll::Ready(Ok(m)) = poll_with(&mut fut, noop_waker_ref()) {
                ledger.received("rx", m);
            }
        })
        .map(Ok),
        RecvBy::Drain => step(|| {
            for m in rx.drain() {
                ledger.received("rx", m);
            }
        })
        .map(Ok),
    };
}

/// A receive takes the buffered message (bounded) or a waiting sender's
/// (rendezvous) and wakes that waiting sender, whose waker is hostile.
#[test]
fn sweep_mpmc_receive_wakes_a_waiting_sender() {
    for (name, make) in [BOUNDED_1, RENDEZVOUS] {
        for by in [RecvBy::Try, RecvBy::Timeout, RecvBy::Async, RecvBy::Drain] {
            if name == "rendezvous" && matches!(by, RecvBy::Drain) {
                continue; // nothing is buffered in a rendezvous
            }
            sweep(&format!("mpmc {name} {by:?}"), measure, |ledger| {
                let (tx, rx) = make();
                let buffered = name != "rendezvous";
                if buffered {
                    tx.try_send(ledger.msg(0)).unwrap();
                }
                let mut waiting = Fut::new(tx.send_async(ledger.msg(1)));
                poll_hostile(&mut waiting);
                mpmc_receive(by, &rx, ledger);
                poll_plain(&mut waiting);
                step(|| drop(waiting));
                drain_mpmc(&rx, ledger);
                if buffered {
                    assert_eq!(ledger.receipts(0), 1, "the buffered message was lost");
                }
                mpmc_still_works(&tx, &rx, ledger);
                step(|| drop((tx, rx)));
            });
        }
    }
}

/// How a send is made in a sweep.
#[derive(Clone, Copy, Debug)]
enum SendBy {
    Try,
    Timeout,
    Async,
}

/// A send wakes a waiting receive future, whose waker is hostile.
#[test]
fn sweep_mpmc_send_wakes_a_waiting_receiver() {
    for (name, make) in [BOUNDED_1, UNBOUNDED, RENDEZVOUS] {
        for by in [SendBy::Try, SendBy::Timeout, SendBy::Async] {
            sweep(&format!("mpmc {name} {by:?}"), measure, |ledger| {
                let (tx, rx) = make();
                let mut waiting = Fut::new(rx.recv_async());
                poll_hostile(&mut waiting);
                // Whether the send said it went through (a panic: unknown).
                let mut sent = None;
                let mut send_fut = None;
                match by {
                    SendBy::Try => sent = step(|| tx.try_send(ledger.msg(0)).is_ok()),
                    SendBy::Timeout => {
                        sent = step(|| {
                            tx.send_timeout(ledger.msg(0), Duration::from_millis(1))
                                .is_ok()
                        })
                    }
                    SendBy::Async => {
                        let mut fut = Fut::new(tx.send_async(ledger.msg(0)));
                        poll_plain(&mut fut);
                        send_fut = Some(fut);
                    }
                }
                if let Some(Poll::Ready(Ok(m))) = poll_plain(&mut waiting) {
                    step(|| ledger.received("rx", m));
                }
                step(|| drop(waiting));
                if let Some(mut fut) = send_fut.take() {
                    poll_plain(&mut fut);
                    step(|| drop(fut));
                }
                drop(send_fut);
                drain_mpmc(&rx, ledger);
                let received = ledger.receipts(0);
                if name != "rendezvous" && !matches!(by, SendBy::Async) {
                    // Pushed into the buffer before anyone was woken.
                    assert_eq!(received, 1, "a buffered message was lost");
                }
                if sent == Some(false)
                    || (name == "rendezvous" && sent.is_none() && !matches!(by, SendBy::Async))
                {
                    assert_eq!(received, 0, "a failed send delivered its message");
                }
                mpmc_still_works(&tx, &rx, ledger);
                step(|| drop((tx, rx)));
            });
        }
    }
}

/// Closing wakes a waiting sender (bounded) or receiver (unbounded) with
/// a hostile waker; the sender's message comes back.
#[test]
fn sweep_mpmc_close_wakes_the_waiters() {
    for (name, make) in [BOUNDED_1, UNBOUNDED] {
        sweep(&format!("mpmc close {name}"), measure, |ledger| {
            let (tx, rx) = make();
            let mut recv = Fut::new(rx.recv_async());
            let mut send = None;
            if name == "bounded(1)" {
                tx.try_send(ledger.msg(0)).unwrap();
                let mut fut = Fut::new(tx.send_async(ledger.msg(1)));
                poll_hostile(&mut fut);
                send = Some(fut);
            } else {
                poll_hostile(&mut recv);
            }
            step(|| rx.close());
            if let Some(mut fut) = send.take() {
                if let Some(Poll::Ready(Err(tidings::SendError(m)))) = poll_plain(&mut fut) {
                    step(|| drop(m));
                }
                step(|| drop(fut));
            }
            drop(send);
            poll_plain(&mut recv).map(|p| p.map(|r| r.map(|m| step(|| ledger.received("rx", m)))));
            step(|| drop(recv));
            drain_mpmc(&rx, ledger);
            if name == "bounded(1)" {
                assert_eq!(ledger.receipts(0), 1, "the buffered message was lost");
            }
            assert!(rx.is_disconnected());
            step(|| drop((tx, rx)));
        });
    }
}

/// The last receiver goes with messages buffered whose drop is hostile;
/// a waiting sender's message comes back.
#[test]
fn sweep_mpmc_last_receiver_drops_the_buffer() {
    for (name, make) in [BOUNDED_1, UNBOUNDED] {
        sweep(&format!("mpmc receiver drop {name}"), measure, |ledger| {
            let (tx, rx) = make();
            tx.try_send(ledger.msg(0)).unwrap();
            if name == "unbounded" {
                tx.try_send(ledger.msg(1)).unwrap();
                tx.try_send(ledger.msg(2)).unwrap();
            }
            let mut waiting = Fut::new(tx.send_async(ledger.msg(3)));
            poll_hostile(&mut waiting);
            step(|| drop(rx));
            poll_plain(&mut waiting).map(|p| p.map(|r| r.map_err(|e| step(|| drop(e)))));
            step(|| drop(waiting));
            match step(|| tx.try_send(ledger.msg(4))) {
                Some(Err(e)) => {
                    step(|| drop(e));
                }
                Some(Ok(())) => panic!("sent with no receiver"),
                None => {}
            }
            step(|| drop(tx));
        });
    }
}

/// A receive future polled twice with different hostile wakers (the
/// first is dropped as it is replaced), then woken by a send.
#[test]
fn sweep_mpmc_replaced_waker() {
    for (name, make) in [BOUNDED_1, UNBOUNDED] {
        sweep(&format!("mpmc replaced waker {name}"), measure, |ledger| {
            let (tx, rx) = make();
            let mut waiting = Fut::new(rx.recv_async());
            poll_hostile(&mut waiting);
            poll_hostile(&mut waiting);
            step(|| tx.try_send(ledger.msg(0)));
            if let Some(Poll::Ready(Ok(m))) = poll_plain(&mut waiting) {
                step(|| ledger.received("rx", m));
            }
            step(|| drop(waiting));
            drain_mpmc(&rx, ledger);
            assert_eq!(ledger.receipts(0), 1, "the sent message was lost");
            mpmc_still_works(&tx, &rx, ledger);
            step(|| drop((tx, rx)));
        });
    }
}

/// Permits: a waiting reserve (hostile waker) is granted the slot a
/// receive frees, then sends with its permit or drops it; and a permit
/// sends to a waiting receive future (hostile waker). Whatever panics,
/// no slot is left held: the channel still takes a send afterwards.
#[test]
fn sweep_mpmc_permits() {
    for by in [RecvBy::Try, RecvBy::Async, RecvBy::Drain] {
        for use_it in [true, false] {
            let name = format!("mpmc permit {by:?} use {use_it}");
            sweep(&name, measure, |ledger| {
                let (tx, rx) = mpmc::bounded(1);
                tx.try_send(ledger.msg(0)).unwrap();
                let mut reserve = Fut::new(tx.reserve_async());
                poll_hostile(&mut reserve);
                mpmc_receive(by, &rx, ledger);
                if let Some(Poll::Ready(Ok(permit))) = poll_plain(&mut reserve) {
                    if use_it {
                        step(|| permit.send(ledger.msg(1)));
                    } else {
                        step(|| drop(permit));
                    }
                }
                step(|| drop(reserve));
                drain_mpmc(&rx, ledger);
                assert_eq!(ledger.receipts(0), 1, "the buffered message was lost");

                let mut waiting = Fut::new(rx.recv_async());
                poll_hostile(&mut waiting);
                if let Some(Ok(permit)) = step(|| tx.try_reserve()) {
                    step(|| permit.send(ledger.msg(2)));
                }
                if let Some(Poll::Ready(Ok(m))) = poll_plain(&mut waiting) {
                    step(|| ledger.received("rx", m));
                }
                step(|| drop(waiting));
                drain_mpmc(&rx, ledger);
                mpmc_still_works(&tx, &rx, ledger);
                step(|| drop((tx, rx)));
            });
        }
    }
}

// ===== sweeps: broadcast =====

/// Reads until `rx` is empty (a read that panics is tried again),
/// recording what came under `name`.
fn drain_broadcast(rx: &mut broadcast::Receiver<Tracked>, name: &'static str, ledger: &Ledger) {
    loop {
        match until_done(|| rx.try_recv()) {
            Ok(msg) => {
                step(|| ledger.received(name, msg));
            }
            Err(broadcast::TryRecvError::Lagged(_)) => {}
            Err(_) => return,
        }
    }
}

fn broadcast_still_works(
    tx: &broadcast::Sender<Tracked>,
    rxs: &mut [&mut broadcast::Receiver<Tracked>],
    ledger: &Arc<Ledger>,
) {
    fuse::unhooked(|| {
        tx.try_send(ledger.msg(99))
            .expect("the channel still works");
        for rx in rxs {
            let got = rx.try_recv().expect("the channel still works");
            assert_eq!(got.id, 99);
            drop(got);
        }
    });
}

/// A receive lets a waiting sender (hostile waker) in.
#[test]
fn sweep_broadcast_receive_lets_a_waiting_sender_in() {
    for by in [RecvBy::Try, RecvBy::Timeout, RecvBy::Async] {
        sweep(&format!("broadcast {by:?}"), measure, |ledger| {
            let (tx, mut rx) = broadcast::channel(1);
            tx.try_send(ledger.msg(0)).unwrap();
            let mut waiting = Fut::new(tx.send_async(ledger.msg(1)));
            poll_hostile(&mut waiting);
            let got = match by {
                RecvBy::Try => step(|| rx.try_recv().ok()),
                RecvBy::Timeout => step(|| rx.recv_timeout(Duration::ZERO).ok()),
                _ => step(|| match poll_with(&mut rx.recv_async(), noop_waker_ref()) {
                    Poll::Ready(Ok(m)) => Some(m),
                    _ => None,
                }),
            };
            if let Some(Some(m)) = got {
                step(|| ledger.received("rx", m));
            }
            poll_plain(&mut waiting);
            step(|| drop(waiting));
            drain_broadcast(&mut rx, "rx", ledger);
            assert_eq!(ledger.receipts(0), 1, "the message read was lost");
            broadcast_still_works(&tx, &mut [&mut rx], ledger);
            step(|| drop((tx, rx)));
        });
    }
}

/// A send wakes two waiting receivers (hostile wakers); both read the
/// message, one by a clone (hostile), one by a move.
#[test]
fn sweep_broadcast_send_wakes_waiting_receivers() {
    for by in [SendBy::Try, SendBy::Timeout, SendBy::Async] {
        sweep(&format!("broadcast send {by:?}"), measure, |ledger| {
            let (tx, mut rx1) = broadcast::channel(2);
            let mut rx2 = rx1.clone();
            let mut f1 = Fut::new(rx1.recv_async());
            poll_hostile(&mut f1);
            let mut f2 = Fut::new(rx2.recv_async());
            poll_hostile(&mut f2);
            match by {
                SendBy::Try => drop(step(|| tx.try_send(ledger.msg(0)).is_ok())),
                SendBy::Timeout => drop(step(|| {
                    tx.send_timeout(ledger.msg(0), Duration::ZERO).is_ok()
                })),
                SendBy::Async => {
                    let mut fut = Fut::new(tx.send_async(ledger.msg(0)));
                    poll_plain(&mut fut);
                    step(|| drop(fut));
                }
            }
            if let Some(Poll::Ready(Ok(m))) = poll_plain(&mut f1) {
                step(|| ledger.received("rx1", m));
            }
            if let Some(Poll::Ready(Ok(m))) = poll_plain(&mut f2) {
                step(|| ledger.received("rx2", m));
            }
            step(|| drop((f1, f2)));
            drain_broadcast(&mut rx1, "rx1", ledger);
            drain_broadcast(&mut rx2, "rx2", ledger);
            assert_eq!(ledger.receipts(0), 2, "a receiver missed the message");
            broadcast_still_works(&tx, &mut [&mut rx1, &mut rx2], ledger);
            step(|| drop((tx, rx1, rx2)));
        });
    }
}

/// Three receivers read two messages: clones (hostile) and a move each.
#[test]
fn sweep_broadcast_clones() {
    sweep("broadcast clones", measure, |ledger| {
        let (tx, mut rx1) = broadcast::channel(4);
        let mut rx2 = rx1.clone();
        let mut rx3 = rx1.clone();
        tx.try_send(ledger.msg(0)).unwrap();
        tx.try_send(ledger.msg(1)).unwrap();
        drain_broadcast(&mut rx1, "rx1", ledger);
        drain_broadcast(&mut rx2, "rx2", ledger);
        // A clone of a receiver that keeps a message clones it too.
        let mut rx4 = step(|| rx3.clone());
        drain_broadcast(&mut rx3, "rx3", ledger);
        if let Some(rx4) = &mut rx4 {
            drain_broadcast(rx4, "rx4", ledger);
        }
        assert_eq!(ledger.receipts(0), 3 + usize::from(rx4.is_some()));
        assert_eq!(ledger.receipts(1), 3 + usize::from(rx4.is_some()));
        broadcast_still_works(&tx, &mut [&mut rx1, &mut rx2, &mut rx3], ledger);
        step(|| drop((tx, rx1, rx2, rx3, rx4)));
    });
}

/// A lagging send overwrites a message whose drop is hostile; receivers
/// dropped with messages left to read drop them.
#[test]
fn sweep_broadcast_overwrites_and_receiver_drops() {
    sweep("broadcast lagging", measure, |ledger| {
        let (tx, mut rx1) = broadcast::lagging(1);
        let rx2 = rx1.clone();
        tx.try_send(ledger.msg(0)).unwrap();
        step(|| tx.try_send(ledger.msg(1)));
        step(|| drop(rx2));
        drain_broadcast(&mut rx1, "rx1", ledger);
        assert_eq!(ledger.receipts(1), 1, "the last message was lost");
        broadcast_still_works(&tx, &mut [&mut rx1], ledger);
        step(|| drop((tx, rx1)));
    });
}

// ===== sweeps: oneshot, Slot, multishot =====

/// A receive future polled with a hostile waker, then the sender sends
/// (or drops), then the receiver takes what came, or is dropped.
fn oneshot_round<R>(
    ledger: &Arc<Ledger>,
    sends: bool,
    receives: bool,
    tx: impl FnOnce(Tracked) -> Result<(), tidings::SendError<Tracked>>,
    drop_tx: impl FnOnce(),
    rx: &mut Fut<R>,
    try_recv: impl Fn(&mut R) -> Result<Tracked, TryRecvError>,
) where
    R: Future + Unpin,
{
    poll_hostile(rx);
    if sends {
        if let Some(Err(e)) = step(|| tx(ledger.msg(0))) {
            step(|| drop(e));
        }
        drop(drop_tx);
    } else {
        step(drop_tx);
    }
    if receives {
        if let Ok(m) = until_done(|| try_recv(&mut rx.fut)) {
            step(|| ledger.received("rx", m));
        }
        if sends {
            assert_eq!(ledger.receipts(0), 1, "the sent message was lost");
        }
    }
}

#[test]
fn sweep_oneshot() {
    for (sends, receives) in [(true, true), (true, false), (false, true), (false, false)] {
        sweep(
            &format!("oneshot sends {sends} receives {receives}"),
            measure,
            |ledger| {
                let (tx, rx) = oneshot::channel::<Tracked>();
                let mut rx = Fut::new(rx);
                let tx = std::cell::Cell::new(Some(tx));
                oneshot_round(
                    ledger,
                    sends,
                    receives,
                    |m| tx.take().unwrap().send(m),
                    || drop(tx.take()),
                    &mut rx,
                    |rx| rx.try_recv(),
                );
                step(|| drop(rx));
            },
        );
    }
}

/// The consuming `recv` of a message already there frees the core at
/// once (`Core::free_taken`): a waker a forgotten `closed_async` future
/// left in the core is dropped there, and its drop may panic. The memory
/// is freed and the message dropped all the same.
#[test]
fn sweep_oneshot_consuming_recv_with_a_waker_left_behind() {
    sweep("oneshot consuming recv", measure, |ledger| {
        let (mut tx, rx) = oneshot::channel::<Tracked>();
        let mut closed = Fut::new(tx.closed_async());
        poll_hostile(&mut closed);
        // Forgotten, not dropped: its waker stays in the core.
        std::mem::forget(closed);
        if let Some(Err(e)) = step(|| tx.send(ledger.msg(0))) {
            step(|| drop(e));
        }
        if let Some(Ok(m)) = step(|| rx.recv()) {
            step(|| ledger.received("rx", m));
        }
    });
}

#[test]
fn sweep_slot() {
    for (sends, receives) in [(true, true), (true, false), (false, true), (false, false)] {
        sweep(
            &format!("slot sends {sends} receives {receives}"),
            measure,
            |ledger| {
                let mut slot = oneshot::Slot::<Tracked>::new();
                {
                    let (tx, rx) = slot.split();
                    let mut rx = Fut::new(rx);
                    let tx = std::cell::Cell::new(Some(tx));
                    oneshot_round(
                        ledger,
                        sends,
                        receives,
                        |m| tx.take().unwrap().send(m),
                        || drop(tx.take()),
                        &mut rx,
                        |rx| rx.try_recv(),
                    );
                    step(|| drop(rx));
                }
                // The slot is reusable, and empty unless a message was left.
                fuse::unhooked(|| {
                    let (tx, rx) = slot.split();
                    tx.send(ledger.msg(99)).unwrap();
                    ledger.received("check", rx.try_recv().unwrap());
                });
                step(|| drop(slot));
            },
        );
    }
}

#[test]
fn sweep_multishot() {
    for (sends, receives) in [(true, true), (true, false), (false, true)] {
        sweep(
            &format!("multishot sends {sends} receives {receives}"),
            measure,
            |ledger| {
                let (tx, mut rx) = multishot::channel::<Tracked>();
                let tx = std::cell::Cell::new(Some(tx));
                {
                    let mut fut = Fut::new(rx.recv_async());
                    poll_hostile(&mut fut);
                    step(|| drop(fut));
                }
                let mut fut = Fut::new(rx.recv_async());
                oneshot_round(
                    ledger,
                    sends,
                    false,
                    |m| tx.take().unwrap().send(m),
                    || drop(tx.take()),
                    &mut fut,
                    |_| Err(TryRecvError::Empty),
                );
                if let Some(Poll::Ready(Ok(m))) = poll_plain(&mut fut) {
                    step(|| ledger.received("rx", m));
                }
                step(|| drop(fut));
                if receives {
                    if let Ok(m) = until_done(|| rx.try_recv()) {
                        step(|| ledger.received("rx", m));
                    }
                    if sends {
                        assert_eq!(ledger.receipts(0), 1, "the sent message was lost");
                    }
                }
                // The next round works.
                fuse::unhooked(|| {
                    // A message left unreceived ends the round once taken.
                    if let Ok(m) = rx.try_recv() {
                        ledger.received("rx", m);
                    }
                    let tx = rx.sender().expect("the round is over");
                    tx.send(ledger.msg(99)).unwrap();
                    ledger.received("check", rx.try_recv().unwrap());
                });
                step(|| drop(rx));
            },
        );
    }
}

// ===== sweeps: streams and sinks =====

/// A `Stream` over a receiver waits with a hostile waker; a `Sink` (whose
/// first message fills the channel, so the second waits, also with a
/// hostile waker) sends to it; the stream then reads everything.
#[cfg(feature = "futures")]
#[test]
fn sweep_mpmc_stream_and_sink() {
    use futures::sink::Sink;
    use futures::stream::Stream;
    use std::pin::Pin;
    use std::task::Context;

    for (name, make) in [BOUNDED_1, UNBOUNDED] {
        sweep(&format!("mpmc stream and sink {name}"), measure, |ledger| {
            let (tx, rx) = make();
            let mut stream = rx.stream();
            let waker = fuse::waker();
            step(|| Pin::new(&mut stream).poll_next(&mut Context::from_waker(&waker)));
            let mut sink = tx.sink();
            for id in 0..2 {
                let ready = step(|| {
                    let mut cx = Context::from_waker(&waker);
                    match Pin::new(&mut sink).poll_ready(&mut cx) {
                        Poll::Ready(Ok(())) => {
                            Pin::new(&mut sink).start_send(ledger.msg(id)).is_ok()
                        }
                        _ => false,
                    }
                });
                if ready != Some(true) {
                    break;
                }
            }
            step(|| Pin::new(&mut sink).poll_flush(&mut Context::from_waker(&waker)));
            step(move || drop(waker));
            // Read what came, with a plain waker, until nothing is ready.
            loop {
                let next = step(|| {
                    Pin::new(&mut stream).poll_next(&mut Context::from_waker(noop_waker_ref()))
                });
                match next {
                    Some(Poll::Ready(Some(m))) => {
                        step(|| ledger.received("rx", m));
                    }
                    Some(Poll::Ready(None)) | Some(Poll::Pending) => {
                        // The sink may still hold the second message.
                        let flushed = step(|| {
                            Pin::new(&mut sink)
                                .poll_flush(&mut Context::from_waker(noop_waker_ref()))
                        });
                        if !matches!(flushed, Some(Poll::Pending)) {
                            break;
                        }
                    }
                    None => {}
                }
            }
            drain_mpmc(&rx, ledger);
            assert_eq!(ledger.receipts(0), 1, "the first message was lost");
            step(|| drop((sink, stream)));
            mpmc_still_works(&tx, &rx, ledger);
            step(|| drop((tx, rx)));
        });
    }
}

/// A broadcast receiver's `Stream` waits with a hostile waker while a
/// send wakes it; a second receiver makes the read a clone.
#[cfg(feature = "futures")]
#[test]
fn sweep_broadcast_stream() {
    use futures::stream::Stream;
    use std::pin::Pin;
    use std::task::Context;

    sweep("broadcast stream", measure, |ledger| {
        let (tx, mut rx1) = broadcast::channel(2);
        let mut rx2 = rx1.clone();
        {
            let mut stream = rx1.stream();
            let waker = fuse::waker();
            step(|| Pin::new(&mut stream).poll_next(&mut Context::from_waker(&waker)));
            step(|| tx.try_send(ledger.msg(0)));
            step(move || drop(waker));
            loop {
                let next = step(|| {
                    Pin::new(&mut stream).poll_next(&mut Context::from_waker(noop_waker_ref()))
                });
                match next {
                    Some(Poll::Ready(Some(Ok(m)))) => {
                        step(|| ledger.received("rx1", m));
                    }
                    None => {}
                    _ => break,
                }
            }
            step(|| drop(stream));
        }
        drain_broadcast(&mut rx1, "rx1", ledger);
        drain_broadcast(&mut rx2, "rx2", ledger);
        assert_eq!(ledger.receipts(0), 2, "a receiver missed the message");
        broadcast_still_works(&tx, &mut [&mut rx1, &mut rx2], ledger);
        step(|| drop((tx, rx1, rx2)));
    });
}

/// A select future woken through its claim, whose waker's drop panics
/// when the select lets go of it: the wake it took is passed on while
/// the panic unwinds, so the receive future waiting behind it gets the
/// message; nothing is lost or left listed.
#[test]
fn select_waker_drop_panic_passes_the_wake_on() {
    for flavor in 0..3 {
        let (tx, rx) = match flavor {
            0 => tidings::bounded::<common::Counted>(1),
            1 => tidings::unbounded(),
            _ => tidings::rendezvous(),
        };
        let drops = DropCounter::new();
        let flags = Arc::new(hostile::Flags::default());
        let hostile_waker = hostile::waker(&flags);
        let mut sel = tidings::Select::new();
        sel.recv(&rx);
        let mut select = Box::pin(sel.select_async());
        assert!(poll_with(&mut select, &hostile_waker).is_pending());
        let (behind, behind_waker) = common::WakeCounter::new();
        let mut recv = Box::pin(rx.recv_async());
        assert!(poll_with(&mut recv, &behind_waker).is_pending());
        let sender = std::thread::spawn({
            let drops = drops.clone();
            move || tx.send(drops.msg(7)).unwrap()
        });
        // The select's entry was listed first: it is woken, and the waker
        // the sender's thread woke is gone (the test's flags and
        // `hostile_waker` alone hold the flags) before its drops panic.
        while flags.wakes.load(SeqCst) == 0 && behind.wakes() == 0 {
            std::thread::yield_now();
        }
        if flags.wakes.load(SeqCst) > 0 {
            while Arc::strong_count(&flags) > 2 {
                std::thread::yield_now();
            }
            flags.panic_on_drop.store(true, SeqCst);
            let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = poll_with(&mut select, &hostile_waker);
            }));
            assert!(polled.is_err(), "the waker's drop panicked");
            flags.panic_on_drop.store(false, SeqCst);
            drop(select);
            assert_eq!(behind.wakes(), 1, "flavor {flavor}: the wake was passed on");
        } else {
            drop(select);
        }
        let got = loop {
            if let std::task::Poll::Ready(got) = poll_with(&mut recv, &behind_waker) {
                break got;
            }
            std::thread::yield_now();
        };
        assert_eq!(common::value(got), Ok(7));
        sender.join().unwrap();
        drop(hostile_waker);
        drop(recv);
        drop(sel);
        assert_eq!(
            drops.drops(),
            1,
            "flavor {flavor}: the message was dropped once"
        );
    }
}

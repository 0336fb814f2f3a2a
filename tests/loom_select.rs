//! Loom models of the select (`src/select/`, `src/mpmc/select.rs`,
//! `src/wait/claim.rs`): one wait listed in several channels at once, and
//! claimed by exactly one of them. Each model runs the blocking
//! [`Select::select`], the [`select!`] macro and, where it makes sense, the
//! future of [`Select::select_async`] polled by hand with counting test
//! wakers.
//!
//! Run with
//! `RUSTFLAGS="--cfg tidings_loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_select`.
//!
//! The racing pairs, and what each model checks:
//!
//! 1. Two channels racing to complete one select: two threads each send
//!    one message on their own channel while a select waits on a receive
//!    from each. Each select call takes exactly one message, the one of
//!    the channel whose index it reports; two calls take both, each once.
//! 2. A select racing a close: a receive vs a send and the last sender's
//!    drop (or `close()`): the select takes the message, then the end,
//!    and never the idle channel it also waits on; a send on a full
//!    `bounded(1)` (or a rendezvous) vs the receiver's drop or `close()`,
//!    after a receive or not: the select ends with the slot (or the
//!    waiting receiver) or with the end, and the message is received, or
//!    handed back, or dropped with the channel, exactly once.
//! 3. A select racing its cancellation: a select future polled once, then
//!    dropped while a thread sends: the message stays in the channel, and
//!    nothing stays listed. The wake a dropped select future was given is
//!    passed on to a receive future waiting behind it (woken exactly once,
//!    it gets the message), whether the select was woken before its drop
//!    or the send races the drop; a thread blocked in `recv` beside the
//!    select gets the message whatever the race.
//! 4. A select racing its timeout: `select_timeout`, `ready_timeout` and
//!    `select!`'s `default(timeout)`, with a zero timeout, vs a send: the
//!    select takes the message (or says its receive is ready, and the
//!    message is there to take), or it times out holding nothing and the
//!    message is still in the channel, for a `recv` made while the select
//!    is still alive (a blocked select may be handed a message: its
//!    operations would give it back only when dropped). And a timed
//!    select's send on a full `bounded(1)` vs the receive that frees the
//!    slot: it sends, or it times out holding nothing (a blocking `send`
//!    then gets the slot, the select still alive).
//! 5. A rendezvous send chosen by a select while two threads wait in
//!    `recv`: exactly one of them gets the select's message; the other is
//!    released by a second message or by the close.
//! 6. A select's send on a full `bounded(1)` (a reserve of one slot) vs
//!    the receive that frees the slot: the select wins it and its message
//!    arrives after the one received; a selected send dropped without
//!    sending, or a select future dropped while the slot is granted to
//!    it, gives the slot back (a `try_send` then succeeds, and the one
//!    slot is never counted twice; a sender blocked behind the select
//!    gets it).
//!
//! 7. A future arm racing a channel in `select_async!`: the select
//!    waits on a receive from one channel and on another channel's
//!    `recv_async()` as a future arm, while a thread sends on each: it
//!    finishes with exactly one of the messages, the other stays in its
//!    channel (a future arm that finished while the select listed again
//!    wins over the claim a channel won meanwhile, whose wake is passed
//!    on).
//! 8. A fair select passing a busy channel over: one channel holds a
//!    message while a thread sends on the other, whose lock the select
//!    may find held: it takes one of the two, the other stays in its
//!    channel.
//!
//! Every model also checks, per explored execution (see `loom_support`):
//!
//! * that each message is received, handed back or dropped exactly once
//!   (a drop-counting message whose counter is made afresh in every
//!   execution; a second drop panics at once);
//! * that no wake-up is lost: a blocked thread that is never woken is a
//!   loom deadlock, and a future is polled again only once its test waker
//!   has been woken (a wake that never comes makes loom give up on the
//!   spinning execution);
//! * that the test wakers are not leaked (every clone a channel or a
//!   select's claim keeps is a strong reference of the waker's `Arc`),
//!   and that the claim (a loom `Arc`) is freed;
//! * that every allocation that holds messages (a buffer, every waiter
//!   entry, a select's entries included) is freed exactly once, and not
//!   used after that (the counting, poisoning global allocator: the
//!   message type's alignment marks them).
//!
//! Where only selects wait on a channel, the models also check that
//! nothing is left listed once the selects are over: the allocations that
//! hold messages are counted before the race and after it, each time with
//! every channel settled ([`settle`]: its spare entries and its unbounded
//! ring made), so that the count does not depend on the way the race went; an
//! entry left in a wait list is one allocation too many.
//!
//! The models in which three threads may contend for one channel's lock
//! at once explore at most one preemption (`loom_support::model_bounded`
//! says why): a select beside a thread blocked in `recv`, a rendezvous
//! send beside two, a slot passed on to a blocked sender. Each has a
//! two-thread counterpart under the full bound. Model 1 has three threads
//! too, but each channel's lock is taken by two of them only: it runs
//! under the full bound.
//!
//! One loom limitation shapes model 1: loom 0.7.2's `yield_now` drops a
//! pending unpark token (std keeps it for the next `park`), so a blocking
//! select woken through one channel while it spins for another channel's
//! lock (a yield under loom) may park for ever under loom though never on
//! std. Its blocking forms therefore run where that lock's holder always
//! makes a message ready (`bounded(1)`, `unbounded()`); see
//! [`two_sends_vs_select`].
//!
//! loom has no clock (see `tests/loom_mpmc.rs`, section 7): every timeout
//! here is zero, so under loom a timed select polls once (listing its
//! entries, `wait::block::run`), finds its deadline passed and gives up,
//! racing the other side at exactly the point that matters. A thread that
//! made a timed select joins nothing (loom 0.7 lets a late unpark break a
//! `join`, tokio-rs/loom#249): the main thread does the joining.
//!
//! Everything below these docs is behind `--cfg tidings_loom`; the docs
//! come first because a false crate-level `cfg` strips every attribute after
//! it, and a normal build would then find the (empty) crate undocumented.
#![cfg(tidings_loom)]

mod loom_support;

use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use loom::thread;
use loom_support::{
    block_on, live_cores, model, model_bounded, poll_until_woken_once, poll_with, register, Msg,
    Tally, TestWake,
};
use tidings::mpmc::{self, Receiver, Sender};
use tidings::{
    select, select_biased_async, RecvError, Select, SelectedOperation, TryRecvError, TrySendError,
};

// ----- flavors, forms and helpers -----

/// The preemption bound of the models in which three threads may be in
/// one channel's lock or waiting for it at once; see
/// [`loom_support::model_bounded`] for why. Each of them has a two-thread
/// counterpart that runs under the full bound.
const THREE_WAY_PREEMPTIONS: usize = 1;

/// The flavors the models run on; `Bounded` has capacity 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Bounded,
    Unbounded,
    Rendezvous,
}

use Flavor::{Bounded, Rendezvous, Unbounded};

fn channel(flavor: Flavor) -> (Sender<Msg>, Receiver<Msg>) {
    match flavor {
        Bounded => mpmc::bounded(1),
        Unbounded => mpmc::unbounded(),
        Rendezvous => mpmc::rendezvous(),
    }
}

/// How a model selects: [`Select::select`] (or its timed form), the
/// [`select!`] macro, or the future of [`Select::select_async`] driven by
/// hand with a test waker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Blocking,
    Macro,
    Async,
}

use Form::{Async, Blocking, Macro};

/// One `#[test]` per set of arguments for a model.
macro_rules! models {
    ($model:ident: $($test:ident => ($($arg:expr),*)),+ $(,)?) => {$(
        #[test]
        fn $test() {
            $model($($arg),*)
        }
    )+};
}

/// A receive's outcome: the message's value (the message is dropped), or
/// `None` for the end of the channel.
fn value(got: Result<Msg, RecvError>) -> Option<u32> {
    got.ok().map(|msg| msg.value())
}

/// Fills the receivers' spare entry of each channel (which must be empty,
/// with nobody waiting): a receive future that waits, then is dropped,
/// leaves its entry there, whether the spare held one before (the future
/// takes it) or not.
fn fill_spare(rxs: &[&Receiver<Msg>]) {
    let z = TestWake::new();
    for rx in rxs {
        register(&mut rx.recv_async(), &z);
    }
    TestWake::assert_released(&z, "Z");
}

/// Settles a channel of `flavor` (empty, nobody waiting) into the state
/// in which the models count what is alive ([`live_cores`]): the
/// receivers' spare entry filled ([`fill_spare`]); for an unbounded
/// channel, its ring allocated (a message sent and received: a drained
/// ring keeps its 32 slots); for a
/// rendezvous, its senders' spare entry filled (a send future that waits,
/// then is dropped with its message). (The bounded ring is made with the
/// channel.) From a settled state, a race that ends with the channel
/// empty and nobody waiting leaves the count as it was, whichever way it
/// went (a message handed off or buffered, a select's entries kept as
/// spares or not): anything more was left behind, an entry still listed.
fn settle(flavor: Flavor, tx: &Sender<Msg>, rx: &Receiver<Msg>) {
    let warm = Tally::new(0);
    match flavor {
        Bounded => {}
        Unbounded => {
            tx.send(warm.msg()).unwrap();
            warm.expect(rx.try_recv());
        }
        Rendezvous => {
            let z = TestWake::new();
            register(&mut tx.send_async(warm.msg()), &z);
            TestWake::assert_released(&z, "Z");
        }
    }
    if flavor != Bounded {
        warm.assert_dropped_once();
    }
    fill_spare(&[rx]);
}

/// Completes a select over a receive from `rx1` (added as `r1`) and one
/// from `rx2` (`r2`): which channel the select reports (1 or 2), and what
/// the receive of that channel gave.
fn complete_recv(
    oper: SelectedOperation<'_>,
    (r1, r2): (usize, usize),
    rx1: &Receiver<Msg>,
    rx2: &Receiver<Msg>,
) -> (u32, Option<u32>) {
    match oper.index() {
        i if i == r1 => (1, value(oper.recv(rx1))),
        i if i == r2 => (2, value(oper.recv(rx2))),
        i => panic!("selected operation {i}, which was never added"),
    }
}

/// One select over a receive from `rx1` and one from `rx2`, in `form`
/// (the future driven with waker `w`): which channel it chose (1 or 2),
/// and what that receive gave.
fn select_recv(
    form: Form,
    rx1: &Receiver<Msg>,
    rx2: &Receiver<Msg>,
    w: &Arc<TestWake>,
) -> (u32, Option<u32>) {
    if form == Macro {
        return select! {
            recv(rx1) -> got => (1, value(got)),
            recv(rx2) -> got => (2, value(got)),
        };
    }
    let mut sel = Select::new();
    let ops = (sel.recv(rx1), sel.recv(rx2));
    let oper = match form {
        Async => block_on(&mut sel.select_async(), w),
        _ => sel.select(),
    };
    complete_recv(oper, ops, rx1, rx2)
}

/// One select over a send on `tx`, in `form` (the future driven with
/// waker `w`), sending `tally`'s message once chosen (the macro evaluates
/// it only then): whether it was sent; a message handed back (the
/// channel closed) is checked to be this one, undropped, and dropped.
fn select_send(form: Form, tx: &Sender<Msg>, tally: &Tally, w: &Arc<TestWake>) -> bool {
    let result = match form {
        Macro => select! {
            send(tx, tally.msg()) -> res => res,
        },
        _ => {
            let mut sel = Select::new();
            let op = sel.send(tx);
            let oper = match form {
                Async => block_on(&mut sel.select_async(), w),
                _ => sel.select(),
            };
            assert_eq!(oper.index(), op, "the only operation");
            oper.send(tx, tally.msg())
        }
    };
    tally.sent_or_returned(result)
}

// ----- 1. two channels racing to complete one select -----

/// Two threads each send one message, m1 on channel 1 and m2 on channel
/// 2, while the main thread selects twice over a receive from each (in
/// `form`; the future's first poll comes before the sends, so it waits
/// listed in both channels). Each select takes one message, the one of
/// the channel it reports; together they take both, once each. Clones of
/// the senders stay alive, so no close is ever selected. Once both
/// selects are over nothing is listed: the channels, settled again,
/// hold what they held before ([`settle`]).
///
/// Each wait has a waker of its own: W1 for the first, W2 for the second.
/// The future's first wait registers twice (its first poll, then the poll
/// that waits for the wake), and a registration that meets the winner
/// taking the waker wakes itself as well (the `WakerSlot` protocol): W1
/// is woken at most twice; W2, registered once per wait, at most once.
///
/// The blocking forms run on `bounded(1)` and `unbounded()` only. On a
/// rendezvous, a blocking select whose first entry was won (the winner
/// unparks it) while it spins for the second channel's lock (held by the
/// other sender, whose `try_send` makes nothing ready) yields, and loom
/// 0.7.2's `yield_now` overwrites the pending unpark token
/// (`Runnable { unparked: true }` becomes `Yield`, then
/// `Runnable { unparked: false }`): the select then lists its second
/// entry and parks for ever, a deadlock std cannot have (its token
/// survives a yield). On the other two flavors the other sender holds its
/// channel's lock only to make its message ready, so the select lists
/// nothing more and does not park.
/// The future's wait (a test waker, no park) runs on all three flavors.
///
/// The blocking selects run on a thread of their own, which the main
/// thread joins. A sender that won the first select's claim unparks the
/// selecting thread after unlocking, and the select may have taken its
/// message already (its listing found the claim decided): the unpark
/// then comes after the select, a token no park takes, and loom 0.7 lets
/// such a token break a later `join` on that thread
/// (tokio-rs/loom#249), where std's join is not touched by it. (While
/// every select waited for each channel's lock in turn, the second
/// select's wait for the sender's lock, a yield under loom, dropped that
/// token; a fair select now passes the sender's busy channel over.)
fn two_sends_vs_select(flavor: Flavor, form: Form) {
    model(move || {
        let (m1, m2) = (Tally::new(1), Tally::new(2));
        let (w1, w2) = (TestWake::new(), TestWake::new());
        let (tx1, rx1) = channel(flavor);
        let (tx2, rx2) = channel(flavor);
        settle(flavor, &tx1, &rx1);
        settle(flavor, &tx2, &rx2);
        let before = live_cores();
        let spawn_senders = || {
            (
                thread::spawn(m1.send_ok(tx1.clone())),
                thread::spawn(m2.send_ok(tx2.clone())),
            )
        };
        let (first, second, senders) = if form == Async {
            let mut sel = Select::new();
            let ops = (sel.recv(&rx1), sel.recv(&rx2));
            let mut fut = sel.select_async();
            register(&mut fut, &w1);
            let senders = spawn_senders();
            let oper = poll_until_woken_once(&mut fut, &w1);
            let first = complete_recv(oper, ops, &rx1, &rx2);
            drop(fut);
            drop(sel);
            (first, select_recv(form, &rx1, &rx2, &w2), senders)
        } else {
            // The blocking selects run on a thread that the main thread
            // joins (see the docs above: a late unpark).
            let senders = spawn_senders();
            let (rx1, rx2, w1, w2) = (rx1.clone(), rx2.clone(), w1.clone(), w2.clone());
            let selector = thread::spawn(move || {
                let first = select_recv(form, &rx1, &rx2, &w1);
                (first, select_recv(form, &rx1, &rx2, &w2))
            });
            let (first, second) = selector.join().unwrap();
            (first, second, senders)
        };
        senders.0.join().unwrap();
        senders.1.join().unwrap();
        for (channel, got) in [first, second] {
            assert_eq!(
                got,
                Some(channel),
                "the selected index and the message disagree"
            );
        }
        assert_ne!(first.0, second.0, "one channel selected twice");
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        settle(flavor, &tx1, &rx1);
        settle(flavor, &tx2, &rx2);
        assert_eq!(live_cores(), before, "a select's entry was left listed");
        assert!(w1.wakes() <= 2, "W1 woken {} times", w1.wakes());
        assert!(w2.wakes() <= 1, "W2 woken {} times", w2.wakes());
        drop((tx1, rx1, tx2, rx2));
        TestWake::assert_released(&w1, "W1");
        TestWake::assert_released(&w2, "W2");
    });
}

models!(two_sends_vs_select:
    two_sends_vs_select_bounded => (Bounded, Blocking),
    two_sends_vs_select_unbounded => (Unbounded, Blocking),
    two_sends_vs_select_macro_bounded => (Bounded, Macro),
    two_sends_vs_select_macro_unbounded => (Unbounded, Macro),
    two_sends_vs_select_async_bounded => (Bounded, Async),
    two_sends_vs_select_async_unbounded => (Unbounded, Async),
    two_sends_vs_select_async_rendezvous => (Rendezvous, Async),
);

// ----- 2. a select racing a close -----

/// How the channel a select waits on comes to its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Its last sender (or receiver) is dropped.
    Drop,
    /// `close()` is called, while the handle (and, for a receive, a
    /// clone the main thread keeps) stays alive.
    Close,
}

/// A thread sends m1 on a channel, then ends it (`end`), while the main
/// thread selects in a loop over a receive from it and from an idle
/// channel (whose sender it keeps): the selects take m1, then the end,
/// and never choose the idle channel.
fn recv_vs_send_and_close(flavor: Flavor, end: End, form: Form) {
    model(move || {
        let m1 = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let (idle_tx, idle_rx) = channel(flavor);
        let kept_tx = (end == End::Close).then(|| tx.clone());
        let tally = m1.clone();
        let sender = thread::spawn(move || {
            tx.send(tally.msg()).unwrap();
            match end {
                End::Drop => drop(tx),
                End::Close => assert!(tx.close(), "closed once"),
            }
        });
        let mut got = Vec::new();
        loop {
            // A waker per wait, registered once: woken at most once.
            let w = TestWake::new();
            let (channel, v) = select_recv(form, &rx, &idle_rx, &w);
            assert!(w.wakes() <= 1, "one wait, woken {} times", w.wakes());
            TestWake::assert_released(&w, "W");
            assert_eq!(channel, 1, "the idle channel was selected");
            match v {
                Some(v) => got.push(v),
                None => break,
            }
        }
        sender.join().unwrap();
        assert_eq!(got, [1], "m1 once, then the end");
        m1.assert_dropped_once();
        drop((kept_tx, rx, idle_tx, idle_rx));
    });
}

models!(recv_vs_send_and_close:
    recv_vs_send_and_drop_unbounded => (Unbounded, End::Drop, Blocking),
    recv_vs_send_and_drop_rendezvous => (Rendezvous, End::Drop, Blocking),
    recv_vs_send_and_close_bounded => (Bounded, End::Close, Blocking),
    recv_vs_send_and_close_macro_unbounded => (Unbounded, End::Close, Macro),
    recv_vs_send_and_drop_async_bounded => (Bounded, End::Drop, Async),
    recv_vs_send_and_close_async_rendezvous => (Rendezvous, End::Close, Async),
);

/// The main thread selects a send of m1 on a full channel (`bounded(1)`
/// holding m0, or a rendezvous with no receiver waiting), in `form`,
/// while another thread ends the channel from the receiving side (`end`),
/// after receiving once if `receive_first`. The select ends with the end
/// (m1 handed back), or with the slot the receive freed (the rendezvous:
/// the receiver waiting), never waits for ever; m1 is received, handed
/// back, or dropped with the channel, exactly once. Without a receive
/// nothing ever frees room: m1 must come back. After a `close()` the
/// receiver drains what is buffered, then sees the end.
fn send_vs_receiver_end(flavor: Flavor, end: End, receive_first: bool, form: Form) {
    model(move || {
        let (m0, m1) = (Tally::new(0), Tally::new(1));
        let w = TestWake::new();
        let (tx, rx) = channel(flavor);
        if flavor == Bounded {
            tx.try_send(m0.msg()).unwrap();
        }
        let receiver = thread::spawn(move || {
            let got = receive_first.then(|| value(rx.recv()));
            match end {
                End::Drop => {
                    drop(rx);
                    (got, None)
                }
                End::Close => {
                    assert!(rx.close(), "closed once");
                    (got, Some(rx))
                }
            }
        });
        let sent = select_send(form, &tx, &m1, &w);
        let (got, rx) = receiver.join().unwrap();
        let mut received: Vec<u32> = got.flatten().into_iter().collect();
        if let Some(rx) = rx {
            loop {
                match rx.try_recv() {
                    Ok(msg) => received.push(msg.value()),
                    Err(TryRecvError::Disconnected) => break,
                    Err(TryRecvError::Empty) => panic!("a closed channel reported empty"),
                }
            }
        }
        match (flavor, receive_first) {
            (_, false) => assert!(!sent, "sent with no room ever made"),
            // The receive took the message the select was paired for.
            (Rendezvous, true) => assert!(sent, "paired, yet the send failed"),
            (_, true) => {}
        }
        let mut expected = Vec::new();
        if flavor == Bounded && (receive_first || end == End::Close) {
            expected.push(0);
        }
        // m1 is received only through a `recv` before the end (a
        // rendezvous pairs it with that receive), or in the drain after a
        // `close` (a bounded select granted the slot before it): a slot
        // granted before a drop sends m1 into a channel that drops it.
        if sent && (flavor == Rendezvous || end == End::Close) {
            expected.push(1);
        }
        assert_eq!(received, expected, "sent: {sent}");
        if flavor == Bounded {
            m0.assert_dropped_once();
        }
        m1.assert_dropped_once();
        assert!(w.wakes() <= 1, "one wait, woken {} times", w.wakes());
        drop(tx);
        TestWake::assert_released(&w, "W");
    });
}

models!(send_vs_receiver_end:
    send_vs_receiver_drop_bounded_full => (Bounded, End::Drop, false, Blocking),
    send_vs_recv_then_drop_bounded_full => (Bounded, End::Drop, true, Blocking),
    send_vs_recv_then_close_bounded_full => (Bounded, End::Close, true, Blocking),
    send_vs_receiver_close_macro_bounded_full => (Bounded, End::Close, false, Macro),
    send_vs_recv_then_drop_async_bounded_full => (Bounded, End::Drop, true, Async),
    send_vs_receiver_drop_rendezvous => (Rendezvous, End::Drop, false, Blocking),
    send_vs_recv_then_drop_rendezvous => (Rendezvous, End::Drop, true, Blocking),
    send_vs_recv_then_close_macro_rendezvous => (Rendezvous, End::Close, true, Macro),
    send_vs_recv_then_drop_async_rendezvous => (Rendezvous, End::Drop, true, Async),
);

// ----- 3. a select racing its cancellation -----

/// A select future over a receive from a channel and from an idle one is
/// polled once (pending, waker A), then dropped while another thread
/// sends m1 (a clone of the sender stays alive): m1 stays in the channel,
/// for the `try_recv` after the sender is joined (a rendezvous: for the
/// `recv` the sender waits for). Whether the send's wake went to the
/// future or not, nothing is left listed (checked where only the select
/// waits: not on a rendezvous, whose sender and last `recv` may wait
/// too), and A is woken at most once.
fn cancelled_select_vs_send(flavor: Flavor) {
    model(move || {
        let m1 = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        let (idle_tx, idle_rx) = channel(flavor);
        let mut sel = Select::new();
        sel.recv(&rx);
        sel.recv(&idle_rx);
        // (The select's receives are counted too: each keeps its outcome,
        // a message, in its boxed operation.)
        settle(flavor, &tx, &rx);
        settle(flavor, &idle_tx, &idle_rx);
        let before = live_cores();
        let mut fut = sel.select_async();
        register(&mut fut, &a);
        let sender = thread::spawn(m1.send_ok(tx.clone()));
        drop(fut);
        if flavor == Rendezvous {
            m1.expect(rx.recv());
            sender.join().unwrap();
        } else {
            sender.join().unwrap();
            m1.expect(rx.try_recv());
            // Only the select waited: nothing of it is left listed.
            settle(flavor, &tx, &rx);
            settle(flavor, &idle_tx, &idle_rx);
            assert_eq!(live_cores(), before, "a select's entry was left listed");
        }
        m1.assert_dropped_once();
        assert!(a.wakes() <= 1, "woken {} times", a.wakes());
        drop(sel);
        TestWake::assert_released(&a, "A");
        drop((tx, rx, idle_tx, idle_rx));
    });
}

models!(cancelled_select_vs_send:
    cancelled_select_vs_send_bounded => (Bounded),
    cancelled_select_vs_send_unbounded => (Unbounded),
    cancelled_select_vs_send_rendezvous => (Rendezvous),
);

/// A select future over a receive (waker A) waits first in line, a plain
/// receive future (waker B) second; another thread sends m1 (a clone of
/// the sender stays alive). The send wakes A, only A; the select future
/// is then dropped unpolled: it must pass the wake on, so B is woken, and
/// its next poll gets m1.
fn woken_select_future_dropped_passes_on(flavor: Flavor) {
    model(move || {
        let m1 = Tally::new(1);
        let a = TestWake::new();
        let b = TestWake::new();
        let (tx, rx) = channel(flavor);
        let (idle_tx, idle_rx) = channel(flavor);
        let mut sel = Select::new();
        sel.recv(&rx);
        sel.recv(&idle_rx);
        let mut first = sel.select_async();
        register(&mut first, &a);
        let mut second = rx.recv_async();
        register(&mut second, &b);
        let sender = thread::spawn(m1.send_ok(tx.clone()));
        a.wait(0);
        assert_eq!(b.wakes(), 0, "one message woke two receivers");
        drop(first);
        assert_eq!(b.wakes(), 1, "the dropped select's wake was not passed on");
        match poll_with(&mut second, &b) {
            Poll::Ready(got) => m1.expect(got),
            Poll::Pending => panic!("woken by the pass-on, yet pending"),
        }
        drop(second);
        sender.join().unwrap();
        m1.assert_dropped_once();
        assert_eq!(a.wakes(), 1);
        drop(sel);
        drop((tx, rx, idle_tx, idle_rx));
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
    });
}

models!(woken_select_future_dropped_passes_on:
    woken_select_future_dropped_passes_on_bounded => (Bounded),
    woken_select_future_dropped_passes_on_unbounded => (Unbounded),
    woken_select_future_dropped_passes_on_rendezvous => (Rendezvous),
);

/// A select future over a receive (waker A) waits first in line; a thread
/// then blocks in `recv` on a clone of the receiver, and another thread
/// sends m1 while the future is dropped. Whether the send's wake went to
/// the select or not, the blocked thread must get m1. A sender stays
/// alive throughout. (A blocked thread takes a hand-off: once it is
/// listed, m1 goes to it past the select's entry, so here the select is
/// woken only by a message the thread then finds itself; the pass-on is
/// needed, and checked, with a receive future instead: next model.)
fn cancelled_select_vs_send_passes_on_to_thread(flavor: Flavor) {
    model_bounded(THREE_WAY_PREEMPTIONS, move || {
        let m1 = Tally::new(1);
        let a = TestWake::new();
        let (tx, rx) = channel(flavor);
        let mut sel = Select::new();
        sel.recv(&rx);
        let mut fut = sel.select_async();
        register(&mut fut, &a);
        let rx2 = rx.clone();
        let tally = m1.clone();
        let receiver = thread::spawn(move || tally.expect(rx2.recv()));
        let sender = thread::spawn(m1.send_ok(tx.clone()));
        drop(fut);
        receiver.join().unwrap();
        sender.join().unwrap();
        m1.assert_dropped_once();
        assert!(a.wakes() <= 1, "woken {} times", a.wakes());
        drop(sel);
        TestWake::assert_released(&a, "A");
        drop((tx, rx));
    });
}

models!(cancelled_select_vs_send_passes_on_to_thread:
    cancelled_select_vs_send_passes_on_to_thread_bounded => (Bounded),
    cancelled_select_vs_send_passes_on_to_thread_unbounded => (Unbounded),
    cancelled_select_vs_send_passes_on_to_thread_rendezvous => (Rendezvous),
);

/// The same race with a receive future (waker B) as the other receiver,
/// which takes no hand-off: the select future (waker A) waits first in
/// line, B second, and the select future is dropped while another thread
/// sends m1 (a clone of the sender stays alive). Whether the send found
/// the select's entry first (and woke only the select, which must pass
/// the wake on when dropped) or found it gone, B is woken exactly once,
/// and only then polled: it gets m1. (Polled before its wake, a listed
/// receive future takes what is ready: that would hide a lost pass-on.)
fn cancelled_select_vs_send_passes_on_to_future(flavor: Flavor) {
    model(move || {
        let m1 = Tally::new(1);
        let (a, b) = (TestWake::new(), TestWake::new());
        let (tx, rx) = channel(flavor);
        let mut sel = Select::new();
        sel.recv(&rx);
        let mut first = sel.select_async();
        register(&mut first, &a);
        let mut second = rx.recv_async();
        register(&mut second, &b);
        let sender = thread::spawn(m1.send_ok(tx.clone()));
        drop(first);
        b.wait(0);
        match poll_with(&mut second, &b) {
            Poll::Ready(got) => m1.expect(got),
            Poll::Pending => panic!("woken, yet pending"),
        }
        drop(second);
        sender.join().unwrap();
        m1.assert_dropped_once();
        assert!(a.wakes() <= 1, "A woken {} times", a.wakes());
        assert_eq!(b.wakes(), 1, "B woken {} times", b.wakes());
        drop(sel);
        TestWake::assert_released(&a, "A");
        TestWake::assert_released(&b, "B");
        drop((tx, rx));
    });
}

models!(cancelled_select_vs_send_passes_on_to_future:
    cancelled_select_vs_send_passes_on_to_future_bounded => (Bounded),
    cancelled_select_vs_send_passes_on_to_future_unbounded => (Unbounded),
    cancelled_select_vs_send_passes_on_to_future_rendezvous => (Rendezvous),
);

// ----- 4. a select racing its timeout -----

/// How a timed select waits (all with a zero timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timed {
    /// `Select::select_timeout`.
    Select,
    /// `Select::ready_timeout`, then a `try_recv`.
    Ready,
    /// `select!` with a `default(timeout)` arm.
    Macro,
}

/// A thread sends m1 (a clone of the sender stays alive) while another
/// makes a timed select over a receive from the channel and from an idle
/// one (`timed`, zero timeout): the select takes m1 (or says the receive
/// is ready, and m1 is there for a `try_recv`), or it times out holding
/// nothing and m1 is still in the channel, for a `recv` made while the
/// select is still alive (a blocked thread's select may be handed m1: its
/// operations would give it back only when dropped). The idle channel is
/// never chosen.
fn timed_select_vs_send(flavor: Flavor, timed: Timed) {
    model(move || {
        let m1 = Tally::new(1);
        let (tx, rx) = channel(flavor);
        let tally = m1.clone();
        let sender = thread::spawn(m1.send_ok(tx.clone()));
        let selector = thread::spawn(move || {
            let (idle_tx, idle_rx) = channel(flavor);
            // What the select gave; `None`: timed out, and m1 is to come.
            let check = |got: Option<(u32, Option<u32>)>| match got {
                Some(got) => assert_eq!(got, (1, Some(1)), "selected the wrong operation"),
                None => tally.expect(rx.recv()),
            };
            match timed {
                Timed::Select => {
                    let mut sel = Select::new();
                    let ops = (sel.recv(&rx), sel.recv(&idle_rx));
                    let got = sel
                        .select_timeout(Duration::ZERO)
                        .ok()
                        .map(|oper| complete_recv(oper, ops, &rx, &idle_rx));
                    check(got);
                    drop(sel);
                }
                Timed::Ready => {
                    let mut sel = Select::new();
                    let op = sel.recv(&rx);
                    sel.recv(&idle_rx);
                    let got = sel.ready_timeout(Duration::ZERO).ok().map(|index| {
                        assert_eq!(index, op, "the idle channel was ready");
                        match rx.try_recv() {
                            Ok(msg) => (1, Some(msg.value())),
                            Err(err) => panic!("ready, yet try_recv says {err:?}"),
                        }
                    });
                    check(got);
                    drop(sel);
                }
                Timed::Macro => select! {
                    recv(rx) -> got => check(Some((1, value(got)))),
                    recv(idle_rx) -> got => check(Some((2, value(got)))),
                    default(Duration::ZERO) => check(None),
                },
            }
            drop((idle_tx, idle_rx));
        });
        selector.join().unwrap();
        sender.join().unwrap();
        m1.assert_dropped_once();
        drop(tx);
    });
}

models!(timed_select_vs_send:
    select_timeout_vs_send_bounded => (Bounded, Timed::Select),
    select_timeout_vs_send_unbounded => (Unbounded, Timed::Select),
    select_timeout_vs_send_rendezvous => (Rendezvous, Timed::Select),
    ready_timeout_vs_send_unbounded => (Unbounded, Timed::Ready),
    ready_timeout_vs_send_rendezvous => (Rendezvous, Timed::Ready),
    select_macro_default_timeout_vs_send_rendezvous => (Rendezvous, Timed::Macro),
);

/// A `bounded(1)` channel holds m0; one thread receives it (freeing the
/// slot, which may be granted to the select's waiting reserve) while
/// another makes a timed select over a send (zero timeout, `timed`: the
/// select, or the macro's `default(timeout)` arm): the select wins the
/// slot and sends m1, or it times out holding nothing. After a
/// `select_timeout` that timed out, the thread sends m1 with a blocking
/// `send` while the `Select` is still alive (its operations give back
/// what they hold only when dropped): a slot kept at the deadline would
/// leave that send waiting for ever. m0 and m1 are received in order,
/// once each.
// (A send's error holds the message, whose alignment is the point.)
#[allow(clippy::result_large_err)]
fn timed_select_send_vs_recv(timed: Timed) {
    model(move || {
        let (m0, m1) = (Tally::new(0), Tally::new(1));
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(m0.msg()).unwrap();
        let receiver = thread::spawn(move || (value(rx.recv()), rx));
        let tally = m1.clone();
        let selector = thread::spawn(move || {
            let sent = match timed {
                Timed::Macro => select! {
                    send(tx, tally.msg()) -> res => res,
                    default(Duration::ZERO) => tx.send(tally.msg()),
                },
                _ => {
                    let mut sel = Select::new();
                    let op = sel.send(&tx);
                    let selected = sel.select_timeout(Duration::ZERO).map(|oper| {
                        assert_eq!(oper.index(), op);
                        oper.send(&tx, tally.msg())
                    });
                    match selected {
                        Ok(sent) => sent,
                        Err(_) => {
                            // (The select still alive.)
                            let sent = tx.send(tally.msg());
                            drop(sel);
                            sent
                        }
                    }
                }
            };
            assert!(tally.sent_or_returned(sent), "the receiver is alive");
            tx
        });
        let (got, rx) = receiver.join().unwrap();
        let tx = selector.join().unwrap();
        assert_eq!(got, Some(0));
        m1.expect(rx.try_recv());
        m0.assert_dropped_once();
        m1.assert_dropped_once();
        drop((tx, rx));
    });
}

models!(timed_select_send_vs_recv:
    select_timeout_send_vs_recv_bounded_full => (Timed::Select),
    select_macro_default_timeout_send_vs_recv_bounded_full => (Timed::Macro),
);

// ----- 5. a rendezvous send chosen while two receivers wait -----

/// How the receiver that did not get the select's message is released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Release {
    /// A second message, sent with a plain `send`.
    Send,
    /// The last sender's drop.
    Close,
}

/// Two threads wait in `recv` on a rendezvous while the main thread
/// selects a send on it (in `form`) and gives m1 once chosen: exactly one
/// of the two receivers gets m1; the other is released by m2 or by the
/// close, and nothing is lost.
fn rendezvous_select_send_vs_two_receivers(form: Form, release: Release) {
    model_bounded(THREE_WAY_PREEMPTIONS, move || {
        let (m1, m2) = (Tally::new(1), Tally::new(2));
        let w = TestWake::new();
        let (tx, rx) = mpmc::rendezvous::<Msg>();
        let receivers = [rx.clone(), rx].map(|rx| thread::spawn(move || value(rx.recv())));
        assert!(select_send(form, &tx, &m1, &w), "paired, yet not sent");
        match release {
            Release::Send => tx.send(m2.msg()).unwrap(),
            Release::Close => drop(tx),
        }
        let mut got = receivers.map(|receiver| receiver.join().unwrap());
        got.sort_unstable();
        match release {
            Release::Send => {
                assert_eq!(got, [Some(1), Some(2)], "each message once");
                m2.assert_dropped_once();
            }
            Release::Close => assert_eq!(got, [None, Some(1)], "m1 once, then the end"),
        }
        m1.assert_dropped_once();
        assert!(w.wakes() <= 1, "one wait, woken {} times", w.wakes());
        TestWake::assert_released(&w, "W");
    });
}

models!(rendezvous_select_send_vs_two_receivers:
    rendezvous_select_send_vs_two_receivers_then_send => (Blocking, Release::Send),
    rendezvous_select_send_vs_two_receivers_then_close => (Blocking, Release::Close),
    rendezvous_select_send_macro_vs_two_receivers_then_close => (Macro, Release::Close),
    rendezvous_select_send_async_vs_two_receivers_then_send => (Async, Release::Send),
);

/// The two-thread counterpart of the model above: one thread waits in
/// `recv` while the main thread selects a send (in `form`); the thread
/// gets m1, then the end.
fn rendezvous_select_send_vs_receiver(form: Form) {
    model(move || {
        let m1 = Tally::new(1);
        let w = TestWake::new();
        let (tx, rx) = mpmc::rendezvous::<Msg>();
        let receiver = thread::spawn(move || [value(rx.recv()), value(rx.recv())]);
        assert!(select_send(form, &tx, &m1, &w), "paired, yet not sent");
        drop(tx);
        assert_eq!(receiver.join().unwrap(), [Some(1), None]);
        m1.assert_dropped_once();
        assert!(w.wakes() <= 1, "one wait, woken {} times", w.wakes());
        TestWake::assert_released(&w, "W");
    });
}

models!(rendezvous_select_send_vs_receiver:
    rendezvous_select_send_vs_receiver_blocking => (Blocking),
    rendezvous_select_send_vs_receiver_macro => (Macro),
    rendezvous_select_send_vs_receiver_async => (Async),
);

// ----- 6. a select's send vs the receive that frees its slot -----

/// A `bounded(1)` channel holds m0; the main thread selects a send (in
/// `form`: a reserve of one slot, waiting) while another thread receives
/// twice: the select wins the slot the first receive frees, and m1
/// arrives, after m0.
fn select_send_vs_recv_frees_slot(form: Form) {
    model(move || {
        let (m0, m1) = (Tally::new(0), Tally::new(1));
        let w = TestWake::new();
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(m0.msg()).unwrap();
        let receiver = thread::spawn(move || [value(rx.recv()), value(rx.recv())]);
        assert!(select_send(form, &tx, &m1, &w), "the receiver is alive");
        assert_eq!(receiver.join().unwrap(), [Some(0), Some(1)]);
        m0.assert_dropped_once();
        m1.assert_dropped_once();
        assert!(w.wakes() <= 1, "one wait, woken {} times", w.wakes());
        drop(tx);
        TestWake::assert_released(&w, "W");
    });
}

models!(select_send_vs_recv_frees_slot:
    select_send_vs_recv_frees_slot_blocking => (Blocking),
    select_send_vs_recv_frees_slot_macro => (Macro),
    select_send_vs_recv_frees_slot_async => (Async),
);

/// As above, but the selected send is dropped without sending, while the
/// other thread receives once: the slot it held goes back, so a
/// `try_send` of m1 succeeds afterwards, and only one (the channel is
/// full after it).
fn dropped_selected_send_gives_slot_back(form: Form) {
    model(move || {
        let (m0, m1, m2) = (Tally::new(0), Tally::new(1), Tally::new(2));
        let w = TestWake::new();
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(m0.msg()).unwrap();
        let receiver = thread::spawn(move || (value(rx.recv()), rx));
        {
            let mut sel = Select::new();
            let op = sel.send(&tx);
            let oper = match form {
                Async => block_on(&mut sel.select_async(), &w),
                _ => sel.select(),
            };
            assert_eq!(oper.index(), op);
            drop(oper);
        }
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, Some(0));
        assert!(tx.try_send(m1.msg()).is_ok(), "the slot was not given back");
        match tx.try_send(m2.msg()) {
            Err(TrySendError::Full(msg)) => m2.received(msg),
            other => panic!("one slot, counted twice: {other:?}"),
        }
        m1.expect(rx.try_recv());
        m0.assert_dropped_once();
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        assert!(w.wakes() <= 1, "one wait, woken {} times", w.wakes());
        drop((tx, rx));
        TestWake::assert_released(&w, "W");
    });
}

models!(dropped_selected_send_gives_slot_back:
    dropped_selected_send_gives_slot_back_blocking => (Blocking),
    dropped_selected_send_gives_slot_back_async => (Async),
);

/// A select future over a send on a full `bounded(1)` (waker A) is polled
/// once (pending: a reserve listed), then dropped while another thread
/// receives m0, which may grant it the slot meanwhile: whatever it was
/// granted goes back, so a `try_send` of m1 succeeds afterwards.
#[test]
fn cancelled_select_send_vs_recv_bounded_full() {
    model(move || {
        let (m0, m1) = (Tally::new(0), Tally::new(1));
        let a = TestWake::new();
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(m0.msg()).unwrap();
        let mut sel = Select::new();
        sel.send(&tx);
        let mut fut = sel.select_async();
        register(&mut fut, &a);
        let receiver = thread::spawn(move || (value(rx.recv()), rx));
        drop(fut);
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, Some(0));
        assert!(tx.try_send(m1.msg()).is_ok(), "the slot was not given back");
        m1.expect(rx.try_recv());
        m0.assert_dropped_once();
        m1.assert_dropped_once();
        assert!(a.wakes() <= 1, "woken {} times", a.wakes());
        drop(sel);
        TestWake::assert_released(&a, "A");
        drop((tx, rx));
    });
}

/// A select future over a send on a full `bounded(1)` (waker A) waits
/// first in line, a thread blocked sending m2 second; another thread
/// receives until the end. The receive of m0 grants the select the slot;
/// the selected send is then dropped without sending: the slot goes to
/// the blocked sender, whose m2 arrives after m0 (no deadlock).
#[test]
fn dropped_selected_send_passes_slot_to_sender_bounded_full() {
    model_bounded(THREE_WAY_PREEMPTIONS, move || {
        let (m0, m2) = (Tally::new(0), Tally::new(2));
        let a = TestWake::new();
        let (tx, rx) = mpmc::bounded(1);
        tx.try_send(m0.msg()).unwrap();
        let mut sel = Select::new();
        let op = sel.send(&tx);
        let mut fut = sel.select_async();
        register(&mut fut, &a);
        let sender = thread::spawn(m2.send_ok(tx.clone()));
        let receiver = thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(v) = value(rx.recv()) {
                got.push(v);
            }
            got
        });
        let oper = poll_until_woken_once(&mut fut, &a);
        assert_eq!(oper.index(), op);
        drop(oper);
        drop(fut);
        drop(sel);
        sender.join().unwrap();
        drop(tx);
        assert_eq!(receiver.join().unwrap(), [0, 2]);
        m0.assert_dropped_once();
        m2.assert_dropped_once();
        assert_eq!(a.wakes(), 1);
        TestWake::assert_released(&a, "A");
    });
}

// ----- 7. a future arm racing a channel in `select_async!` -----

/// Two threads send m1 on one channel and m2 on another while a task's
/// `select_biased_async!` waits on a `recv` arm of the first and a future
/// arm (`rx2.recv_async()`) of the second, in either order: the future
/// arm wakes the task without the select's claim, and may finish while
/// the select lists again with the first channel's claim already won.
/// The select finishes with exactly one message, the one of the arm it
/// reports; the other is still in its channel; every message is dropped
/// once, and the task's waker is released.
fn future_arm_vs_channel(flavor: Flavor, future_first: bool) {
    model(move || {
        let (m1, m2) = (Tally::new(1), Tally::new(2));
        let w = TestWake::new();
        let (tx1, rx1) = channel(flavor);
        let (tx2, rx2) = channel(flavor);
        settle(flavor, &tx1, &rx1);
        settle(flavor, &tx2, &rx2);
        let (which, got) = {
            let mut fut = Box::pin(async {
                if future_first {
                    select_biased_async! {
                        m = rx2.recv_async() => (2, value(m)),
                        recv(rx1) -> m => (1, value(m)),
                    }
                } else {
                    select_biased_async! {
                        recv(rx1) -> m => (1, value(m)),
                        m = rx2.recv_async() => (2, value(m)),
                    }
                }
            });
            register(&mut fut, &w);
            let senders = (
                thread::spawn(m1.send_ok(tx1.clone())),
                thread::spawn(m2.send_ok(tx2.clone())),
            );
            let got = block_on(&mut fut, &w);
            drop(fut);
            let other = if got.0 == 1 { rx2.recv() } else { rx1.recv() };
            assert_eq!(value(other), Some(3 - got.0), "the other message was lost");
            senders.0.join().unwrap();
            senders.1.join().unwrap();
            got
        };
        assert_eq!(
            got,
            Some(which),
            "the selected arm and the message disagree"
        );
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        drop((tx1, rx1, tx2, rx2));
        TestWake::assert_released(&w, "W");
    });
}

models!(future_arm_vs_channel:
    future_arm_vs_channel_bounded => (Bounded, false),
    future_arm_vs_channel_bounded_future_first => (Bounded, true),
    future_arm_vs_channel_unbounded => (Unbounded, false),
    future_arm_vs_channel_unbounded_future_first => (Unbounded, true),
    future_arm_vs_channel_rendezvous => (Rendezvous, false),
    future_arm_vs_channel_rendezvous_future_first => (Rendezvous, true),
);

// ----- 8. a fair select passing a busy channel over -----

/// One channel holds a message (sent before the race: m1 on channel 1 if
/// `prefilled` is 1, m2 on channel 2 if it is 2) while a thread sends the
/// other message on the other channel and the main thread selects (fair,
/// in `form`) over a receive from each. A fair select tries a channel
/// whose lock another thread holds after the others
/// (`Selection::try_once`): it may find the sender's channel busy and take
/// the message already there without waiting for the lock, or come back
/// to the busy channel and take the message sent there. Either way it
/// takes exactly one message, the one of the channel it reports; the
/// other is then received from its channel, and each is dropped once.
/// (Under loom a select's random order is the same in every execution:
/// of the two `prefilled` variants, one tries the sender's channel
/// first, and there meets its lock taken. A select that comes back to a
/// busy channel, its other channel empty, is in model 1.)
fn select_passes_busy_channel(flavor: Flavor, form: Form, prefilled: u32) {
    model(move || {
        let (m1, m2) = (Tally::new(1), Tally::new(2));
        let w = TestWake::new();
        let (tx1, rx1) = channel(flavor);
        let (tx2, rx2) = channel(flavor);
        let sender = if prefilled == 1 {
            tx1.send(m1.msg()).unwrap();
            thread::spawn(m2.send_ok(tx2.clone()))
        } else {
            tx2.send(m2.msg()).unwrap();
            thread::spawn(m1.send_ok(tx1.clone()))
        };
        let (which, got) = select_recv(form, &rx1, &rx2, &w);
        assert_eq!(
            got,
            Some(which),
            "the selected index and the message disagree"
        );
        let other = if which == 1 { rx2.recv() } else { rx1.recv() };
        assert_eq!(value(other), Some(3 - which), "the other message was lost");
        sender.join().unwrap();
        m1.assert_dropped_once();
        m2.assert_dropped_once();
        drop((tx1, rx1, tx2, rx2));
        TestWake::assert_released(&w, "W");
    });
}

models!(select_passes_busy_channel:
    select_passes_busy_channel_bounded_1 => (Bounded, Blocking, 1),
    select_passes_busy_channel_bounded_2 => (Bounded, Blocking, 2),
    select_passes_busy_channel_unbounded_1 => (Unbounded, Blocking, 1),
    select_passes_busy_channel_unbounded_2 => (Unbounded, Blocking, 2),
    select_passes_busy_channel_macro_bounded_1 => (Bounded, Macro, 1),
    select_passes_busy_channel_macro_bounded_2 => (Bounded, Macro, 2),
    select_passes_busy_channel_async_unbounded_1 => (Unbounded, Async, 1),
    select_passes_busy_channel_async_unbounded_2 => (Unbounded, Async, 2),
);

// ----- the checks themselves -----

/// The counting allocator sees a select's entries (else the "nothing left
/// listed" checks would pass vacuously): a select waiting on two fresh
/// unbounded channels holds one new entry in each; once its future is
/// dropped, [`fill_spare`] leaves exactly one entry per channel, whether
/// the select's entries were dropped or kept as the spares. A select's
/// receive operation is counted too: it keeps room for the message it
/// takes.
#[test]
fn allocation_counting_sees_select_entries() {
    model(|| {
        let start = live_cores();
        let (tx1, rx1) = mpmc::unbounded::<Msg>();
        let (tx2, rx2) = mpmc::unbounded::<Msg>();
        assert_eq!(live_cores(), start, "an unbounded channel allocates lazily");
        let a = TestWake::new();
        let mut sel = Select::new();
        sel.recv(&rx1);
        sel.recv(&rx2);
        let before = live_cores();
        assert_eq!(
            before,
            start + 2,
            "a select's receive keeps a message's room"
        );
        let mut fut = sel.select_async();
        register(&mut fut, &a);
        assert_eq!(live_cores(), before + 2, "an entry in each channel");
        drop(fut);
        fill_spare(&[&rx1, &rx2]);
        assert_eq!(live_cores(), before + 2, "one spare entry per channel");
        // Spares filled, a select's wait leaves the count as it was.
        let mut fut = sel.select_async();
        register(&mut fut, &a);
        drop(fut);
        fill_spare(&[&rx1, &rx2]);
        assert_eq!(live_cores(), before + 2, "one spare entry per channel");
        drop(sel);
        assert_eq!(live_cores(), start + 2, "the spares");
        drop((tx1, rx1, tx2, rx2));
        TestWake::assert_released(&a, "A");
    });
}

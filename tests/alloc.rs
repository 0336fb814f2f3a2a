//! Allocation counts, with a counting global allocator (its own test
//! binary, so no other test's allocations are counted).
#![allow(unsafe_code)] // `Slot::put` and `Slot::take` are unsafe

use std::task::Poll;
use std::time::Duration;

mod common;
mod counting;

use common::{poll_with, value, DropCounter, RoundEnd};
use counting::{allocations, left_allocated};
use futures::task::noop_waker_ref;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

#[test]
fn channel_makes_exactly_one_allocation() {
    let n = allocations(|| {
        let (tx, rx) = tidings::oneshot::channel::<[u64; 4]>();
        tx.send([1, 2, 3, 4]).unwrap();
        assert_eq!(rx.try_recv(), Ok([1, 2, 3, 4]));
    });
    assert_eq!(n, 1);

    let n = allocations(|| {
        let (tx, rx) = tidings::oneshot::channel::<()>();
        drop(tx);
        drop(rx);
    });
    assert_eq!(n, 1, "zero-sized messages too");
}

#[test]
fn blocking_receive_allocates_nothing_after_the_first() {
    // The thread's waker is made once per thread and cached.
    let (_tx, rx) = tidings::oneshot::channel::<u8>();
    let _ = rx.recv_timeout(Duration::from_millis(1));
    let n = allocations(|| {
        for _ in 0..3 {
            let (tx, rx) = tidings::oneshot::channel::<u8>();
            assert!(rx.recv_timeout(Duration::from_millis(1)).is_err());
            tx.send(1).unwrap();
            assert_eq!(rx.recv(), Ok(1));
        }
    });
    assert_eq!(n, 3, "one allocation per channel, none per wait");
}

/// Makes this thread's cached waker for blocking receives (one allocation,
/// once per thread), so that the counted code below does not pay for it.
fn warm_up_thread_waker() {
    let mut slot = tidings::oneshot::Slot::<u8>::new();
    let (_tx, rx) = slot.split();
    // Not a zero timeout: that gives up without waiting (no waker).
    let _ = rx.recv_timeout(Duration::from_millis(1));
}

#[test]
fn multishot_channel_allocates_once_for_its_whole_life() {
    let drops = DropCounter::new();
    warm_up_thread_waker();
    let rounds = 100;
    let n = allocations(|| {
        let (tx, mut rx) = tidings::multishot::channel();
        tx.send(drops.msg(0)).unwrap();
        assert_eq!(value(rx.recv()), Ok(0));
        // Each way a round can end, in turn (the poll's waker never allocates).
        let ends = [
            RoundEnd::TryRecv,
            RoundEnd::Recv,
            RoundEnd::Timeout,
            RoundEnd::Poll,
            RoundEnd::SenderDropped,
        ];
        for round in 1..rounds {
            let tx = rx.sender().expect("the last round is over");
            assert!(rx.sender().is_none());
            ends[round as usize % ends.len()].end(&drops, round, tx, &mut rx);
        }
        // The last round's message is left for the receiver's drop.
        rx.sender().unwrap().send(drops.msg(rounds)).unwrap();
        drop(rx);
    });
    assert_eq!(n, 1, "one allocation for {rounds} rounds");
    let sent = (0..=rounds).filter(|r| r % 5 != 4).count();
    assert_eq!(drops.drops(), sent);
}

#[test]
fn slot_rounds_allocate_nothing() {
    use tidings::oneshot::Slot;
    let drops = DropCounter::new();
    warm_up_thread_waker();
    let n = allocations(|| {
        let mut slot = Slot::new();
        for round in 0..10 {
            let (tx, rx) = slot.split();
            tx.send(drops.msg(round)).unwrap();
            assert_eq!(value(rx.recv()), Ok(round));
        }

        let (tx, rx) = slot.split();
        assert!(rx.try_recv().is_err());
        tx.send(drops.msg(10)).unwrap();
        assert_eq!(value(rx.try_recv()), Ok(10));
        drop(rx);

        let (tx, rx) = slot.split();
        assert!(rx.recv_timeout(Duration::from_millis(1)).is_err());
        tx.send(drops.msg(11)).unwrap();
        drop(rx); // drops the message

        let (tx, mut rx) = slot.split();
        assert!(poll_with(&mut rx, noop_waker_ref()).is_pending());
        tx.send(drops.msg(12)).unwrap();
        let got = poll_with(&mut rx, noop_waker_ref()).map(value);
        assert_eq!(got, Poll::Ready(Ok(12)));
        drop(rx);

        let (tx, rx) = slot.split();
        drop(tx);
        assert!(rx.recv().is_err());

        drop(slot);

        // The unsafe layer, on a fresh slot (the one above ended its last
        // round with its receiver gone, so a `put` there would bounce).
        let slot = Slot::new();
        // SAFETY: one thread and no halves: each put is its round's one sending side, and take is the only receiving side.
        unsafe {
            slot.put(drops.msg(13)).unwrap();
            assert_eq!(slot.take().map(|m| m.value), Some(13));
            slot.put(drops.msg(14)).unwrap();
        }
        drop(slot);
    });
    assert_eq!(n, 0, "a slot never allocates");
    assert_eq!(drops.drops(), 15);
}

#[test]
fn mpmc_channels_allocate_nothing_per_message() {
    type Make = fn() -> (tidings::Sender<u64>, tidings::Receiver<u64>);
    let flavors: [(&str, Make); 2] = [
        ("bounded(8)", || tidings::bounded(8)),
        ("unbounded", tidings::unbounded),
    ];
    for (name, make) in flavors {
        let (tx, rx) = make();
        // Warm up: the first messages allocate the buffer (a block).
        for round in 0..2 {
            tx.send(round).unwrap();
            assert_eq!(rx.recv(), Ok(round));
        }
        let n = allocations(|| {
            for i in 0..1000 {
                tx.send(i).unwrap();
                tx.try_send(i + 1).unwrap();
                assert_eq!(rx.recv(), Ok(i));
                assert_eq!(rx.try_recv(), Ok(i + 1));
            }
        });
        assert_eq!(
            n, 0,
            "{name}: steady sending and receiving allocates nothing"
        );
    }
}

#[test]
fn unbounded_grows_by_doubling() {
    let (tx, rx) = tidings::unbounded::<u64>();
    let n = allocations(|| {
        for i in 0..4096 {
            tx.send(i).unwrap();
        }
    });
    // 32 slots at the first push, then 64, 128, ... 4096.
    assert_eq!(n, 8, "{n} allocations for 4096 messages");
    let n = allocations(|| {
        for i in 0..4096 {
            assert_eq!(rx.try_recv(), Ok(i));
            tx.send(i).unwrap();
        }
    });
    assert_eq!(n, 0, "a ring in steady use allocates nothing");
    assert_eq!(rx.try_iter().count(), 4096);
}

#[test]
fn unbounded_gives_a_burst_back_once_drained() {
    let (tx, rx) = tidings::unbounded::<[u64; 4]>();
    let burst = common::iters(100_000);
    let kept = left_allocated(|| {
        for i in 0..burst as u64 {
            tx.send([i; 4]).unwrap();
        }
        assert_eq!(rx.len(), burst);
        for i in 0..burst as u64 {
            assert_eq!(rx.try_recv(), Ok([i; 4]));
        }
    });
    // What may stay: the 32 slots (of 32 bytes) that a drained ring keeps.
    assert!(kept <= 32 * 32, "{kept} bytes kept after the burst drained");
}

#[test]
fn bounded_grows_its_ring_up_to_its_capacity_only() {
    let mut rx = None;
    let kept = left_allocated(|| {
        let (tx, receiver) = tidings::bounded::<[u8; 1024]>(100);
        for _ in 0..100 {
            tx.try_send([7; 1024]).unwrap();
        }
        rx = Some(receiver);
    });
    // Room for exactly 100 messages (not the 128 that doubling reaches),
    // plus the channel's small shared state.
    assert!(
        (100 * 1024..101 * 1024).contains(&kept),
        "{kept} bytes for a full ring of 100 1-KiB messages"
    );
    assert_eq!(rx.unwrap().try_iter().count(), 100);
}

#[test]
fn broadcast_allocates_nothing_per_message_once_its_slots_exist() {
    for lagging in [false, true] {
        let (tx, mut rx) = if lagging {
            tidings::broadcast::lagging::<u64>(4)
        } else {
            tidings::broadcast::channel::<u64>(4)
        };
        let mut rx2 = tx.subscribe();
        // Warm up: the first messages allocate their slots (one each, up
        // to the capacity), kept for reuse.
        for round in 0..4 {
            tx.send(round).unwrap();
        }
        for round in 0..4 {
            assert_eq!((rx.recv(), rx2.recv()), (Ok(round), Ok(round)));
        }
        let n = allocations(|| {
            for i in 0..1000 {
                tx.send(i).unwrap();
                tx.try_send(i + 1).unwrap();
                assert_eq!(rx.recv(), Ok(i));
                assert_eq!(rx2.try_recv(), Ok(i));
                assert_eq!(rx2.recv(), Ok(i + 1));
                assert_eq!(rx.try_recv(), Ok(i + 1));
            }
            if lagging {
                // Overwriting reuses the slot it frees.
                for i in 0..100 {
                    tx.send(i).unwrap();
                }
            }
        });
        assert_eq!(
            n, 0,
            "lagging = {lagging}: steady sending and receiving allocates nothing"
        );
    }
}

#[test]
fn broadcast_slots_never_outnumber_the_capacity() {
    let (tx, mut rx) = tidings::broadcast::lagging::<[u64; 16]>(8);
    let kept = left_allocated(|| {
        for i in 0..1000 {
            tx.send([i; 16]).unwrap();
        }
        assert_eq!(rx.recv(), Err(tidings::broadcast::RecvError::Lagged(992)));
    });
    // 8 slots of a 128-byte message (with their marks), and the ring.
    assert!(kept <= 8 * (128 + 16 + 8) + 1024, "{kept} bytes kept");
    drop(tx);
}

/// The waits of the allocation tests below, per thread or per task (fewer
/// under miri, which interprets every one).
const WAITS: u64 = if cfg!(miri) { 20 } else { 10_000 };
/// Round trips (or sends) before the threads count, some with a sleep
/// that makes the other side wait.
const WARM_UP: u64 = 9;

type MakeMpmc = fn() -> (tidings::Sender<u64>, tidings::Receiver<u64>);

/// Every mpmc flavor with a capacity a wait is likely on.
const WAITING_FLAVORS: [(&str, MakeMpmc); 3] = [
    ("rendezvous", tidings::rendezvous),
    ("bounded(1)", || tidings::bounded(1)),
    ("unbounded", tidings::unbounded),
];

/// Makes what a channel allocates once, whatever the timing of the
/// threads that use it next: its buffer (a message through it), and on
/// each side that can wait, the wait list's room and the spare entry (a
/// receive, and a send into a full channel, that wait and time out).
fn warm_up_channel(tx: &tidings::Sender<u64>, rx: &tidings::Receiver<u64>) {
    warm_up_thread_waker();
    if tx.try_send(0).is_ok() {
        assert_eq!(rx.try_recv(), Ok(0));
    }
    // A wait that surely lists itself: a future polled once (a blocking
    // wait with a short timeout may give up before it lists, when the
    // deadline passes first, as it can under miri: the list would then
    // grow its room during the counted rounds).
    let mut recv = rx.recv_async();
    assert!(
        poll_with(&mut recv, noop_waker_ref()).is_pending(),
        "nothing to receive"
    );
    drop(recv);
    // Full after at most a few messages, unless unbounded (whose sends
    // never wait).
    if (1..4).any(|i| tx.try_send(i).is_err()) {
        let mut send = tx.send_async(9);
        assert!(
            poll_with(&mut send, noop_waker_ref()).is_pending(),
            "no room"
        );
        drop(send);
    }
    while rx.try_recv().is_ok() {}
}

/// Two threads pass a message back and forth over two channels of one
/// flavor: each receive (and each send, on a rendezvous) waits for the
/// other thread. After the channels' one-time allocations
/// ([`warm_up_channel`]) and a few round trips in which each side waits
/// at least once (a sleep on the other side), each thread counts its
/// allocations over `WAITS` more round trips.
fn blocking_ping_pong(make: MakeMpmc) -> (usize, usize) {
    let nap = || std::thread::sleep(Duration::from_millis(2));
    let ((ping_tx, ping_rx), (pong_tx, pong_rx)) = (make(), make());
    warm_up_channel(&ping_tx, &ping_rx);
    warm_up_channel(&pong_tx, &pong_rx);
    let echo = std::thread::spawn(move || {
        warm_up_thread_waker();
        let echo = || pong_tx.send(ping_rx.recv().unwrap()).unwrap();
        for round in 0..WARM_UP {
            if round % 3 == 1 {
                nap(); // `ping` sends and `pong` receives wait
            }
            echo();
        }
        allocations(|| (0..WAITS).for_each(|_| echo()))
    });
    warm_up_thread_waker();
    let round = |i| {
        ping_tx.send(i).unwrap();
        assert_eq!(pong_rx.recv(), Ok(i));
    };
    for i in 0..WARM_UP {
        match i % 3 {
            0 => nap(), // `ping` receives wait
            2 => {
                // `pong` sends wait (on a rendezvous)
                ping_tx.send(i).unwrap();
                nap();
                assert_eq!(pong_rx.recv(), Ok(i));
                continue;
            }
            _ => {}
        }
        round(i);
    }
    let here = allocations(|| (WARM_UP..WAITS + WARM_UP).for_each(round));
    (here, echo.join().unwrap())
}

#[test]
fn blocking_waits_allocate_nothing() {
    for (name, make) in WAITING_FLAVORS {
        let (here, there) = blocking_ping_pong(make);
        assert_eq!((here, there), (0, 0), "{name}: {WAITS} round trips");
    }
}

#[test]
fn blocking_sends_that_wait_allocate_nothing() {
    for (name, make) in [WAITING_FLAVORS[0], WAITING_FLAVORS[1]] {
        let (tx, rx) = make();
        warm_up_channel(&tx, &rx);
        let receiver = std::thread::spawn(move || {
            warm_up_thread_waker();
            // Receives slowly: the sender keeps finding no room.
            std::thread::sleep(Duration::from_millis(2));
            let mut sum = 0;
            for _ in 0..WAITS + 10 {
                std::thread::yield_now();
                sum += rx.recv().unwrap();
            }
            sum
        });
        warm_up_thread_waker();
        // The receiver sleeps before its first receive: these wait.
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        let n = allocations(|| {
            for i in 10..WAITS + 10 {
                tx.send(i).unwrap();
            }
        });
        assert_eq!(receiver.join().unwrap(), (0..WAITS + 10).sum::<u64>());
        assert_eq!(n, 0, "{name}: {WAITS} blocking sends");
    }
}

/// The async form of [`blocking_ping_pong`]: two tasks on one thread
/// (`futures`' `LocalPool`, spawned before counting), `rounds` round
/// trips. Returns the allocations of running them.
fn async_ping_pong(make: MakeMpmc, rounds: u64) -> usize {
    use futures::task::LocalSpawnExt;
    let ((ping_tx, ping_rx), (pong_tx, pong_rx)) = (make(), make());
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    spawner
        .spawn_local(async move {
            for _ in 0..rounds {
                let msg = ping_rx.recv_async().await.unwrap();
                pong_tx.send_async(msg).await.unwrap();
            }
        })
        .unwrap();
    spawner
        .spawn_local(async move {
            for i in 0..rounds {
                ping_tx.send_async(i).await.unwrap();
                assert_eq!(pong_rx.recv_async().await, Ok(i));
            }
        })
        .unwrap();
    allocations(|| pool.run())
}

#[test]
fn async_waits_allocate_nothing() {
    for (name, make) in WAITING_FLAVORS {
        // Each run makes its own channels and executor: what the first
        // waits of a run allocate (the spare entries, the executor's own),
        // 10 round trips allocate as well as 10,000.
        let short = async_ping_pong(make, 10);
        let long = async_ping_pong(make, WAITS);
        assert!(
            long <= short,
            "{name}: {WAITS} round trips cost {long} allocations, 10 cost {short}"
        );
    }
}

#[test]
fn async_sends_that_wait_allocate_nothing() {
    use futures::task::LocalSpawnExt;
    for (name, make) in [WAITING_FLAVORS[0], WAITING_FLAVORS[1]] {
        let run = |msgs: u64| {
            let (tx, rx) = make();
            let mut pool = futures::executor::LocalPool::new();
            let spawner = pool.spawner();
            // The sender runs first and fills the channel; each of its
            // sends then waits for the receiver's next turn.
            spawner
                .spawn_local(async move {
                    for i in 0..msgs {
                        tx.send_async(i).await.unwrap();
                    }
                })
                .unwrap();
            spawner
                .spawn_local(async move {
                    for i in 0..msgs {
                        assert_eq!(rx.recv_async().await, Ok(i));
                    }
                })
                .unwrap();
            allocations(|| pool.run())
        };
        let short = run(10);
        let long = run(WAITS);
        assert!(
            long <= short,
            "{name}: {WAITS} sends cost {long} allocations, 10 cost {short}"
        );
    }
}

// ----- watch -----

/// Makes what a watch channel allocates once, whatever the timing of the
/// threads that use it next: the spare entry of its receivers' waits and
/// the room of their wait list (a wait that lists itself and times out).
fn warm_up_watch(rx: &mut tidings::watch::Receiver<u64>) {
    warm_up_thread_waker();
    // A wait that surely lists itself (see `warm_up_channel`).
    let mut changed = rx.changed_async();
    assert!(
        poll_with(&mut changed, noop_waker_ref()).is_pending(),
        "nothing changed"
    );
    drop(changed);
}

/// Two threads pass a number back and forth over two watch channels: each
/// `changed` (and, on the echo's side, every other round a `wait_for`)
/// waits for the other thread. After the channels' one-time allocations
/// ([`warm_up_watch`]) and a few round trips in which each side waits at
/// least once (a sleep on the other side), each thread counts its
/// allocations over `WAITS` more round trips.
#[test]
fn watch_blocking_waits_allocate_nothing() {
    use tidings::watch;
    let nap = || std::thread::sleep(Duration::from_millis(2));
    let (ping_tx, mut ping_rx) = watch::channel(0u64);
    let (pong_tx, mut pong_rx) = watch::channel(0u64);
    warm_up_watch(&mut ping_rx);
    warm_up_watch(&mut pong_rx);
    let echo = std::thread::spawn(move || {
        warm_up_thread_waker();
        let mut round = 0u64;
        let mut echo = || {
            round += 1;
            let got = if round % 2 == 0 {
                ping_rx.changed().unwrap();
                *ping_rx.borrow_and_update()
            } else {
                *ping_rx.wait_for(|v| *v == round).unwrap()
            };
            assert_eq!(got, round);
            pong_tx.send(got).unwrap();
        };
        for i in 0..WARM_UP {
            if i % 3 == 1 {
                nap(); // `ping` waits here, and `pong` waits there
            }
            echo();
        }
        allocations(|| (0..WAITS).for_each(|_| echo()))
    });
    warm_up_thread_waker();
    let mut round = |i: u64| {
        ping_tx.send(i).unwrap();
        pong_rx.changed().unwrap();
        assert_eq!(*pong_rx.borrow_and_update(), i);
    };
    for i in 1..=WARM_UP {
        if i % 3 == 0 {
            nap(); // `ping` waits there
        }
        round(i);
    }
    let here = allocations(|| (WARM_UP + 1..=WARM_UP + WAITS).for_each(&mut round));
    let there = echo.join().unwrap();
    assert_eq!((here, there), (0, 0), "{WAITS} round trips");
}

/// The async form: two tasks on one thread (`futures`' `LocalPool`,
/// spawned before counting), `rounds` round trips through `changed_async`
/// waits (and `wait_for_async` on the echo's side, every other round).
/// Returns the allocations of running them.
fn watch_async_ping_pong(rounds: u64) -> usize {
    use futures::task::LocalSpawnExt;
    use tidings::watch;
    let (ping_tx, mut ping_rx) = watch::channel(0u64);
    let (pong_tx, mut pong_rx) = watch::channel(0u64);
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    spawner
        .spawn_local(async move {
            for round in 1..=rounds {
                let got = if round % 2 == 0 {
                    ping_rx.changed_async().await.unwrap();
                    *ping_rx.borrow_and_update()
                } else {
                    *ping_rx.wait_for_async(|v| *v == round).await.unwrap()
                };
                assert_eq!(got, round);
                pong_tx.send(got).unwrap();
            }
        })
        .unwrap();
    spawner
        .spawn_local(async move {
            for i in 1..=rounds {
                ping_tx.send(i).unwrap();
                pong_rx.changed_async().await.unwrap();
                assert_eq!(*pong_rx.borrow_and_update(), i);
            }
        })
        .unwrap();
    allocations(|| pool.run())
}

#[test]
fn watch_async_waits_allocate_nothing() {
    // Each run makes its own channels and executor: what the first waits
    // of a run allocate (the spare entries, the list's room, the
    // executor's own), 10 round trips allocate as well as 10,000.
    let short = watch_async_ping_pong(10);
    let long = watch_async_ping_pong(WAITS);
    assert!(
        long <= short,
        "{WAITS} round trips cost {long} allocations, 10 cost {short}"
    );
}

/// Readers on one watch channel, each waiting for every change: a writer
/// sends a number, and waits until each reader has sent it back on its
/// own channel. Each reader's waits use its own spare entry, so once each
/// has waited (a `changed_async` polled once, before the first
/// send), neither the readers nor the writer allocate.
#[test]
fn watch_waits_of_several_receivers_allocate_nothing() {
    use tidings::watch;
    const READERS: usize = 3;
    let (tx, rx) = watch::channel(0u64);
    let mut acks = Vec::new();
    let warm = std::sync::Arc::new(std::sync::Barrier::new(READERS + 1));
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let mut rx = rx.clone();
            let (ack_tx, mut ack_rx) = watch::channel(0u64);
            warm_up_watch(&mut ack_rx);
            acks.push(ack_rx);
            let warm = warm.clone();
            std::thread::spawn(move || {
                warm_up_watch(&mut rx);
                warm.wait();
                let mut echo = || {
                    rx.changed().unwrap();
                    let got = *rx.borrow_and_update();
                    ack_tx.send(got).unwrap();
                };
                for _ in 0..WARM_UP {
                    echo();
                }
                allocations(|| (0..WAITS).for_each(|_| echo()))
            })
        })
        .collect();
    drop(rx);
    warm_up_thread_waker();
    // Each reader has waited once before the first send.
    warm.wait();
    let mut round = |i: u64| {
        tx.send(i).unwrap();
        for ack in &mut acks {
            assert_eq!(*ack.wait_for(|v| *v == i).unwrap(), i);
        }
    };
    for i in 1..=WARM_UP {
        if i % 3 == 0 {
            // Every reader waits (the wait list's room for all of them).
            std::thread::sleep(Duration::from_millis(2));
        }
        round(i);
    }
    let here = allocations(|| (WARM_UP + 1..=WARM_UP + WAITS).for_each(&mut round));
    let there: Vec<usize> = readers.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(here, 0, "the writer, {WAITS} rounds");
    assert_eq!(there, [0; READERS], "the readers, {WAITS} rounds each");
}

/// The async form: a writer task and three reader tasks on one thread.
fn watch_async_readers(rounds: u64) -> usize {
    use futures::task::LocalSpawnExt;
    use tidings::watch;
    let (tx, rx) = watch::channel(0u64);
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    let mut acks = Vec::new();
    for _ in 0..3 {
        let mut rx = rx.clone();
        let (ack_tx, ack_rx) = watch::channel(0u64);
        acks.push(ack_rx);
        spawner
            .spawn_local(async move {
                while rx.changed_async().await.is_ok() {
                    let got = *rx.borrow_and_update();
                    ack_tx.send(got).unwrap();
                }
            })
            .unwrap();
    }
    drop(rx);
    spawner
        .spawn_local(async move {
            for i in 1..=rounds {
                tx.send(i).unwrap();
                for ack in &mut acks {
                    assert_eq!(*ack.wait_for_async(|v| *v == i).await.unwrap(), i);
                }
            }
        })
        .unwrap();
    allocations(|| pool.run())
}

#[test]
fn watch_async_waits_of_several_receivers_allocate_nothing() {
    let short = watch_async_readers(10);
    let long = watch_async_readers(WAITS);
    assert!(
        long <= short,
        "{WAITS} rounds cost {long} allocations, 10 cost {short}"
    );
}

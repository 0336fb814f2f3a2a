//! A short printed tour of tidings: a thread sends to a task, a task sends
//! to a thread, a receive times out, a sender hangs up (the oneshot
//! channel), then a queue that threads and tasks share (mpmc), then a
//! broadcast that a thread and a task both read in full, then a watched
//! value that a thread and a task wait on.
//!
//! Run it with `cargo run --example tour`.

use std::thread;
use std::time::Duration;

use tidings::{oneshot, RecvError, RecvTimeoutError};

fn main() {
    // 1. A thread sends to an async task. The receiver is itself a future,
    //    so the task simply awaits it; any executor works (pollster here).
    let (tx, rx) = oneshot::channel();
    let worker = thread::spawn(move || {
        tx.send("hello from a thread").unwrap();
    });
    let got = pollster::block_on(async {
        let got = rx.await;
        println!("thread -> task: {got:?}");
        got
    });
    assert_eq!(got, Ok("hello from a thread"));
    worker.join().unwrap();

    // 2. A task sends to a thread that blocks on `recv`.
    let (tx, rx) = oneshot::channel();
    let waiter = thread::spawn(move || rx.recv());
    pollster::block_on(async move {
        tx.send(6 * 7).unwrap();
    });
    let got = waiter.join().unwrap();
    println!("task -> thread: {got:?}");
    assert_eq!(got, Ok(42));

    // 3. A receive that times out, then succeeds on the same receiver.
    let (tx, rx) = oneshot::channel();
    let first = rx.recv_timeout(Duration::from_millis(50));
    println!("nothing sent yet: {first:?}");
    assert_eq!(first, Err(RecvTimeoutError::Timeout));
    tx.send('!').unwrap();
    let second = rx.recv_timeout(Duration::from_millis(50));
    println!("after the send: {second:?}");
    assert_eq!(second, Ok('!'));

    // 4. A sender that hangs up without sending wakes the receiver with an
    //    error instead of leaving it waiting forever.
    let (tx, rx) = oneshot::channel::<String>();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        drop(tx);
    });
    let got = rx.recv();
    println!("sender dropped: {got:?}");
    assert_eq!(got, Err(RecvError));

    // 5. A queue shared by threads and a task: two threads produce into a
    //    bounded channel (blocking while it is full), a task consumes; then
    //    the task produces and two threads consume. Same channel type.
    let (tx, rx) = tidings::bounded(4);
    let producers: Vec<_> = (0..2u64)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..50 {
                    tx.send(p * 1000 + i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let (count, sum) = pollster::block_on(async {
        let (mut count, mut sum) = (0, 0);
        while let Ok(n) = rx.recv_async().await {
            count += 1;
            sum += n;
        }
        (count, sum)
    });
    println!("threads -> task over a bounded(4) queue: {count} messages");
    assert_eq!((count, sum), (100, 1000 * 50 + 2 * (0..50).sum::<u64>()));
    for p in producers {
        p.join().unwrap();
    }

    // Two threads share the task's jobs: each takes one job per round and
    // then waits at a barrier for the other, so neither can take a second
    // job before the other took one, whatever the scheduler does.
    let (tx, rx) = tidings::unbounded();
    let round = std::sync::Arc::new(std::sync::Barrier::new(2));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let (rx, round) = (rx.clone(), round.clone());
            thread::spawn(move || {
                let mut taken = 0;
                while rx.recv().is_ok() {
                    taken += 1;
                    round.wait();
                }
                taken
            })
        })
        .collect();
    drop(rx);
    pollster::block_on(async move {
        for i in 0..100 {
            tx.send_async(i).await.unwrap();
        }
    });
    let counts: Vec<usize> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    println!("task -> two threads over an unbounded queue: {counts:?} messages each");
    assert_eq!(counts, [50, 50]);

    // 6. A broadcast: every receiver sees every message. A thread and a
    //    task each read all of them; the sender waits while the slower one
    //    is 4 messages behind (a `lagging` channel would overwrite instead).
    let (tx, mut rx) = tidings::broadcast::channel(4);
    let mut task_rx = tx.subscribe();
    let reader = thread::spawn(move || rx.iter().sum::<u64>());
    let task = thread::spawn(move || {
        pollster::block_on(async move {
            let mut sum = 0;
            while let Ok(n) = task_rx.recv_async().await {
                sum += n;
            }
            sum
        })
    });
    for i in 0..100 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let sums = (reader.join().unwrap(), task.join().unwrap());
    println!("one sender -> a thread and a task over broadcast(4): sums {sums:?}");
    assert_eq!(sums, (4950, 4950));

    // 7. A watched value: not a queue, the latest value. A thread waits
    //    for a change it has not seen, a task for a value it wants; many
    //    changes between two looks are one.
    let (tx, mut rx) = tidings::watch::channel(0_u32);
    let mut task_rx = tx.subscribe();
    let watcher = thread::spawn(move || {
        rx.changed().unwrap();
        *rx.borrow_and_update()
    });
    let task = thread::spawn(move || {
        pollster::block_on(async move { *task_rx.wait_for_async(|v| *v == 3).await.unwrap() })
    });
    for v in 1..=3 {
        tx.send(v).unwrap();
    }
    let (seen, wanted) = (watcher.join().unwrap(), task.join().unwrap());
    println!("a thread saw the value change to {seen}; a task waited for {wanted}");
    assert!((1..=3).contains(&seen));
    assert_eq!(wanted, 3);

    println!("tour complete");
}

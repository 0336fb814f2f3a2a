//! A short printed tour of tidings' oneshot channel: a thread sends to a
//! task, a task sends to a thread, a receive times out, a sender hangs up.
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

    println!("tour complete");
}

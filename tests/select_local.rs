//! `LocalSelect`: a `Select` that stays on its thread and so also holds
//! the receives of broadcast, oneshot and multishot receivers (not `Send`,
//! not `Sync`), from a thread and from a task.
use std::thread;
use std::time::Duration;
use tidings::broadcast::RecvError as BroadcastRecvError;
use tidings::{LocalSelect, RecvError, Select};

/// A short wait, so that the other side is likely to act while the
/// select sleeps (the outcome does not depend on it).
fn pause() {
    thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 10 }));
}

#[test]
fn broadcast_lag_is_the_selected_result_and_nothing_is_lost() {
    let (tx, mut rx) = tidings::broadcast::lagging(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    let (_mtx, mrx) = tidings::unbounded::<i32>();
    let mut sel = LocalSelect::new_local();
    let news = sel.recv(&rx);
    sel.recv(&mrx);
    let mut got = Vec::new();
    for _ in 0..3 {
        let oper = sel.select();
        assert_eq!(oper.index(), news);
        got.push(oper.recv(&rx));
    }
    assert_eq!(got, [Err(BroadcastRecvError::Lagged(3)), Ok(3), Ok(4)]);
    assert!(sel.try_select().is_err(), "all taken");
    drop(sel);
    assert!(rx.try_recv().is_err());
}

#[test]
fn broadcast_message_of_a_dropped_operation_goes_back() {
    let (tx, mut rx) = tidings::broadcast::channel(4);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let mut sel = Select::new_local();
    sel.recv(&rx);
    drop(sel.select());
    assert_eq!(sel.select().recv(&rx), Ok(1), "the select gets it again");
    drop(sel.select());
    drop(sel);
    assert_eq!(rx.try_recv(), Ok(2), "and so does a plain receive");
}

#[test]
fn oneshot_ready_takes_nothing() {
    let (tx, rx) = tidings::oneshot::channel();
    let (_mtx, mrx) = tidings::unbounded::<u8>();
    let mut sel = Select::new_local();
    sel.recv(&mrx);
    let once = sel.recv(&rx);
    assert!(sel.try_ready().is_err());
    let sender = thread::spawn(move || {
        pause();
        tx.send(7).unwrap();
    });
    // Waits, listed in the oneshot's core, until the send.
    assert_eq!(sel.ready(), once);
    assert_eq!(sel.try_ready(), Ok(once));
    sender.join().unwrap();
    drop(sel);
    assert_eq!(rx.try_recv(), Ok(7), "ready left the message");
}

#[test]
fn oneshot_message_found_while_listing_is_selected() {
    // The send lands while the select lists its operations (or after it
    // sleeps): either way the select finishes with the message.
    for _ in 0..if cfg!(miri) { 5 } else { 200 } {
        let (tx, rx) = tidings::oneshot::channel();
        let (_mtx, mrx) = tidings::bounded::<u8>(1);
        let mut sel = Select::new_local();
        sel.recv(&mrx);
        let once = sel.recv(&rx);
        let sender = thread::spawn(move || tx.send(3).unwrap());
        let oper = sel.select();
        assert_eq!(oper.index(), once);
        assert_eq!(oper.recv(&rx), Ok(3));
        sender.join().unwrap();
    }
}

#[test]
fn oneshot_sender_leaving_is_the_end() {
    let (tx, rx) = tidings::oneshot::channel::<u8>();
    let mut sel = Select::new_local();
    sel.recv(&rx);
    let sender = thread::spawn(move || {
        pause();
        drop(tx);
    });
    assert_eq!(sel.select().recv(&rx), Err(RecvError));
    sender.join().unwrap();
}

#[test]
fn oneshot_message_of_a_dropped_operation_stays_with_the_select() {
    let (tx, rx) = tidings::oneshot::channel();
    tx.send(String::from("kept")).unwrap();
    let mut sel = Select::new_local();
    sel.recv(&rx);
    drop(sel.select());
    // It cannot go back into the oneshot: the operation keeps it and its
    // next select finishes with it.
    assert_eq!(sel.try_ready(), Ok(0));
    assert_eq!(sel.select().recv(&rx).as_deref(), Ok("kept"));
    assert!(
        sel.try_select().unwrap().recv(&rx).is_err(),
        "received once"
    );
}

#[test]
fn multishot_round_in_a_local_select() {
    let (tx, rx) = tidings::multishot::channel();
    let (mtx, mrx) = tidings::unbounded();
    let mut sel = Select::new_local_biased();
    let shot = sel.recv(&rx);
    let queue = sel.recv(&mrx);
    mtx.send(1).unwrap();
    let oper = sel.select();
    assert_eq!(oper.index(), queue);
    assert_eq!(oper.recv(&mrx), Ok(1));
    let sender = thread::spawn(move || {
        pause();
        tx.send(2).unwrap();
    });
    let oper = sel.select_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(oper.index(), shot);
    assert_eq!(oper.recv(&rx), Ok(2));
    sender.join().unwrap();
}

#[test]
fn clone_keeps_every_kind() {
    let (btx, brx) = tidings::broadcast::channel(4);
    let (otx, orx) = tidings::oneshot::channel();
    let mut sel = Select::new_local();
    sel.recv(&brx);
    let once = sel.recv(&orx);
    let mut copy = sel.clone();
    otx.send('o').unwrap();
    let oper = copy.select();
    assert_eq!(oper.index(), once);
    assert_eq!(oper.recv(&orx), Ok('o'));
    // (The oneshot is done: its receive in `sel` would be ready too.)
    sel.remove(once);
    btx.send('b').unwrap();
    assert_eq!(sel.select().recv(&brx), Ok('b'));
}

#[test]
fn timeouts_and_deadlines() {
    let (_btx, brx) = tidings::broadcast::channel::<u8>(1);
    let (_otx, orx) = tidings::oneshot::channel::<u8>();
    let tick = tidings::after(Duration::from_millis(5));
    let mut sel = Select::new_local();
    sel.recv(&brx);
    sel.recv(&orx);
    assert!(sel.select_timeout(Duration::from_millis(5)).is_err());
    assert!(sel.ready_timeout(Duration::ZERO).is_err());
    let timer = sel.recv(&tick);
    let oper = sel.select();
    assert_eq!(oper.index(), timer);
    assert!(oper.recv(&tick).is_ok());
}

#[test]
fn async_select_over_every_kind() {
    let (btx, brx) = tidings::broadcast::channel(4);
    let (otx, orx) = tidings::oneshot::channel();
    let (mtx, mrx) = tidings::bounded(1);
    let sender = thread::spawn(move || {
        pause();
        mtx.send(1).unwrap();
        pause();
        btx.send(2).unwrap();
        pause();
        otx.send(3).unwrap();
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let sum = rt.block_on(async {
        let mut sel = Select::new_local();
        let b = sel.recv(&brx);
        let o = sel.recv(&orx);
        let m = sel.recv(&mrx);
        let mut sum = 0;
        let mut done = [false; 3];
        while !done.iter().all(|&d| d) {
            let oper = sel.select_async().await;
            let i = oper.index();
            let got = match i {
                i if i == b => oper.recv(&brx).map_err(drop),
                i if i == o => oper.recv(&orx).map_err(drop),
                i if i == m => oper.recv(&mrx).map_err(drop),
                _ => unreachable!(),
            };
            if let Ok(v) = got {
                sum += v;
                done[i] = true;
                sel.remove(i);
            }
        }
        sum
    });
    sender.join().unwrap();
    assert_eq!(sum, 6);
}

#[test]
fn async_ready_over_a_oneshot_takes_nothing() {
    let (tx, rx) = tidings::oneshot::channel();
    let sender = thread::spawn(move || {
        pause();
        tx.send(9).unwrap();
    });
    let mut sel = Select::new_local();
    sel.recv(&rx);
    assert_eq!(pollster::block_on(sel.ready_async()), 0);
    sender.join().unwrap();
    drop(sel);
    assert_eq!(pollster::block_on(rx), Ok(9));
}

//! Quick checks of the select and the timers, threads and tasks.
use std::thread;
use std::time::Duration;
use tidings::{select, Select};

/// Messages per run (few under miri, which interprets every step).
const N: u32 = if cfg!(miri) { 30 } else { 1000 };

#[test]
fn smoke_threads() {
    for flavor in 0..3 {
        let (tx1, rx1) = match flavor {
            0 => tidings::bounded(1),
            1 => tidings::unbounded(),
            _ => tidings::rendezvous(),
        };
        let (tx2, rx2) = match flavor {
            0 => tidings::bounded(1),
            1 => tidings::unbounded(),
            _ => tidings::rendezvous(),
        };
        let h = thread::spawn(move || {
            for i in 0..N {
                if i % 2 == 0 {
                    tx1.send(i).unwrap()
                } else {
                    tx2.send(i).unwrap()
                }
            }
        });
        let mut sum = 0u64;
        let mut n = 0;
        while n < N {
            select! {
                recv(rx1) -> m => { if let Ok(m) = m { sum += u64::from(m); n += 1; } },
                recv(rx2) -> m => { if let Ok(m) = m { sum += u64::from(m); n += 1; } },
            }
        }
        h.join().unwrap();
        assert_eq!(sum, u64::from(N) * u64::from(N - 1) / 2, "flavor {flavor}");
    }
}

#[test]
fn smoke_send_select_threads() {
    for flavor in 0..3 {
        let (tx1, rx1) = match flavor {
            0 => tidings::bounded(1),
            1 => tidings::unbounded(),
            _ => tidings::rendezvous(),
        };
        let (tx2, rx2) = match flavor {
            0 => tidings::bounded(1),
            1 => tidings::unbounded(),
            _ => tidings::rendezvous(),
        };
        let c1 = thread::spawn(move || rx1.iter().map(u64::from).sum::<u64>());
        let c2 = thread::spawn(move || rx2.iter().map(u64::from).sum::<u64>());
        for i in 0..N {
            let mut sel = Select::new();
            let a = sel.send(&tx1);
            let b = sel.send(&tx2);
            let oper = sel.select();
            if oper.index() == a {
                oper.send(&tx1, i).unwrap()
            } else {
                assert_eq!(oper.index(), b);
                oper.send(&tx2, i).unwrap()
            }
        }
        drop((tx1, tx2));
        let total = c1.join().unwrap() + c2.join().unwrap();
        assert_eq!(
            total,
            u64::from(N) * u64::from(N - 1) / 2,
            "flavor {flavor}"
        );
    }
}

#[test]
fn smoke_async() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        for flavor in 0..3 {
            let (tx1, rx1) = match flavor {
                0 => tidings::bounded(1),
                1 => tidings::unbounded(),
                _ => tidings::rendezvous(),
            };
            let (tx2, rx2) = match flavor {
                0 => tidings::bounded(1),
                1 => tidings::unbounded(),
                _ => tidings::rendezvous(),
            };
            let p = tokio::spawn(async move {
                for i in 0..N {
                    if i % 3 == 0 {
                        tx1.send_async(i).await.unwrap()
                    } else {
                        tx2.send_async(i).await.unwrap()
                    }
                }
            });
            let mut sel = Select::new();
            sel.recv(&rx1);
            sel.recv(&rx2);
            let mut sum = 0u64;
            let mut n = 0;
            while n < N {
                let oper = sel.select_async().await;
                let got = if oper.index() == 0 {
                    oper.recv(&rx1)
                } else {
                    oper.recv(&rx2)
                };
                if let Ok(m) = got {
                    sum += u64::from(m);
                    n += 1;
                }
            }
            p.await.unwrap();
            assert_eq!(sum, u64::from(N) * u64::from(N - 1) / 2, "flavor {flavor}");
        }
    });
}

#[test]
fn smoke_timeout_default() {
    let (_tx, rx) = tidings::unbounded::<u8>();
    let r = select! { recv(rx) -> _ => 1, default(Duration::from_millis(10)) => 2 };
    assert_eq!(r, 2);
    let r = select! { recv(rx) -> _ => 1, default => 3 };
    assert_eq!(r, 3);
}

#[test]
fn smoke_timers() {
    use std::time::Instant;
    let start = Instant::now();
    let t = tidings::after(Duration::from_millis(20));
    let (_tx, rx) = tidings::unbounded::<u8>();
    let r = select! { recv(rx) -> _ => None, recv(t) -> at => Some(at.unwrap()) };
    assert!(r.unwrap() >= start + Duration::from_millis(20));
    let ticker = tidings::tick(Duration::from_millis(5));
    let mut last = start;
    for _ in 0..3 {
        let at = ticker.recv().unwrap();
        assert!(at > last);
        last = at;
    }
    // async
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let t = tidings::after(Duration::from_millis(10));
        let at = t.recv_async().await.unwrap();
        assert!(at <= Instant::now());
        let t = tidings::after(Duration::from_millis(10));
        let mut sel = Select::new();
        sel.recv(&rx);
        sel.recv(&t);
        let oper = sel.select_async().await;
        assert_eq!(oper.index(), 1);
        assert!(oper.recv(&t).is_ok());
    });
    let n = tidings::never::<u8>();
    assert!(n.is_full());
    assert_eq!(n.capacity(), Some(0));
    assert!(n.recv_timeout(Duration::from_millis(5)).is_err());
}

#[test]
fn a_select_does_not_pair_with_itself_on_a_rendezvous() {
    let (tx, rx) = tidings::rendezvous::<u8>();
    for _ in 0..3 {
        let r = select! {
            recv(rx) -> _ => 1,
            send(tx, 5) -> _ => 2,
            default(Duration::from_millis(20)) => 3,
        };
        assert_eq!(r, 3);
        let mut sel = Select::new();
        sel.send(&tx);
        sel.recv(&rx);
        assert!(sel.select_timeout(Duration::from_millis(20)).is_err());
    }
    // With a receiver on another thread, the send pairs with it.
    let h = thread::spawn(move || rx.recv());
    let r = select! { send(tx, 9) -> res => res.is_ok() };
    assert!(r);
    assert_eq!(h.join().unwrap(), Ok(9));
}

#[test]
fn oneshot_and_multishot_in_a_select() {
    for delay in [false, true] {
        let (otx, orx) = tidings::oneshot::channel::<u32>();
        let (_tx, rx) = tidings::unbounded::<u32>();
        let h = thread::spawn(move || {
            if delay {
                thread::sleep(Duration::from_millis(5));
            }
            otx.send(7).unwrap();
        });
        let got = select! {
            recv(rx) -> _ => None,
            recv(orx) -> msg => Some(msg),
        };
        assert_eq!(got, Some(Ok(7)));
        h.join().unwrap();
        // Received already: the end.
        let again = select! { recv(orx) -> msg => msg };
        assert!(again.is_err());
    }
    let (mtx, mut mrx) = tidings::multishot::channel::<u32>();
    let h = thread::spawn(move || mtx.send(3).unwrap());
    let got = select! { recv(mrx) -> msg => msg };
    assert_eq!(got, Ok(3));
    h.join().unwrap();
    let mtx = mrx.sender().expect("a new round");
    mtx.send(4).unwrap();
    assert_eq!(select! { recv(mrx) -> msg => msg }, Ok(4));
    // A sender dropped unsent: the end.
    let (otx, orx) = tidings::oneshot::channel::<u32>();
    let h = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        drop(otx)
    });
    assert!(select! { recv(orx) -> msg => msg }.is_err());
    h.join().unwrap();
    // Timeout with nothing sent, then the value.
    let (otx, orx) = tidings::oneshot::channel::<u32>();
    assert_eq!(
        select! { recv(orx) -> _ => 1, default(Duration::from_millis(5)) => 2 },
        2
    );
    otx.send(1).unwrap();
    assert_eq!(
        select! { recv(orx) -> m => m.unwrap(), default(Duration::from_millis(5)) => 2 },
        1
    );
}

#[test]
fn broadcast_in_a_select() {
    use tidings::broadcast;
    let (btx, brx) = broadcast::channel::<u32>(4);
    let (_tx, rx) = tidings::unbounded::<u32>();
    let h = thread::spawn(move || {
        for i in 0..N {
            btx.send(i).unwrap();
        }
    });
    let mut got = Vec::new();
    loop {
        let r = select! {
            recv(rx) -> _ => unreachable!(),
            recv(brx) -> m => m,
        };
        match r {
            Ok(m) => got.push(m),
            Err(broadcast::RecvError::Disconnected) => break,
            Err(e) => panic!("{e:?}"),
        }
    }
    h.join().unwrap();
    assert_eq!(got, (0..N).collect::<Vec<_>>());
    // A lag is the selected operation's result.
    let (btx, brx) = broadcast::lagging::<u32>(2);
    for i in 0..5 {
        btx.send(i).unwrap();
    }
    assert_eq!(
        select! { recv(brx) -> m => m },
        Err(broadcast::RecvError::Lagged(3))
    );
    assert_eq!(select! { recv(brx) -> m => m }, Ok(3));
    assert_eq!(select! { recv(brx) -> m => m, default => Ok(99) }, Ok(4));
    assert_eq!(select! { recv(brx) -> m => m, default => Ok(99) }, Ok(99));
}

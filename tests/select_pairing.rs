//! A rendezvous's receiver waiting while several selects wait to send:
//! the one told of it that does not send (it drops its selected operation,
//! or only asked `ready`) passes it on to the next, so no select sleeps
//! beside a waiting receiver; and a `try_send` reaches a thread waiting in
//! a select, as it reaches one blocked in `recv`. (Found by the select
//! stress test; deterministic, hand-polled futures, no sleeps.)
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use tidings::Select;

#[derive(Default)]
struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}
fn waker() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count::default());
    (c.clone(), Waker::from(c))
}

#[test]
fn dropped_paired_send_strands_next_sender() {
    let (tx, rx) = tidings::rendezvous::<u32>();
    let (w1, k1) = waker();
    let (w2, k2) = waker();
    let (_wr, kr) = waker();
    let (mut sel1, mut sel2, mut selr) = (Select::new(), Select::new(), Select::new());
    sel1.send(&tx);
    sel2.send(&tx);
    selr.recv(&rx);
    let mut s1 = pin!(sel1.select_async());
    let mut s2 = pin!(sel2.select_async());
    let mut r = pin!(selr.select_async());

    // S1 then S2 wait for a receiver (listed in that order).
    assert!(s1.as_mut().poll(&mut Context::from_waker(&k1)).is_pending());
    assert!(s2.as_mut().poll(&mut Context::from_waker(&k2)).is_pending());
    // R waits for a message; listing, it tells S1 (the first).
    assert!(r.as_mut().poll(&mut Context::from_waker(&kr)).is_pending());
    assert_eq!((w1.0.load(SeqCst), w2.0.load(SeqCst)), (1, 0));
    // S1 is selected (paired with R), and walks away without sending.
    match s1.as_mut().poll(&mut Context::from_waker(&k1)) {
        Poll::Ready(oper) => drop(oper),
        Poll::Pending => panic!("S1 was told"),
    }
    // R still waits, so S2 should be told now.
    assert_eq!(w2.0.load(SeqCst), 1, "S2 never woken: R waits, S2 waits");
}

#[test]
fn ready_paired_send_strands_next_sender() {
    let (tx, rx) = tidings::rendezvous::<u32>();
    let (w1, k1) = waker();
    let (w2, k2) = waker();
    let (_wr, kr) = waker();
    let (mut sel1, mut sel2, mut selr) = (Select::new(), Select::new(), Select::new());
    sel1.send(&tx);
    sel2.send(&tx);
    selr.recv(&rx);
    let mut s1 = pin!(sel1.ready_async());
    let mut s2 = pin!(sel2.select_async());
    let mut r = pin!(selr.select_async());

    assert!(s1.as_mut().poll(&mut Context::from_waker(&k1)).is_pending());
    assert!(s2.as_mut().poll(&mut Context::from_waker(&k2)).is_pending());
    assert!(r.as_mut().poll(&mut Context::from_waker(&kr)).is_pending());
    assert_eq!((w1.0.load(SeqCst), w2.0.load(SeqCst)), (1, 0));
    // S1's ready_async says the send is ready; its owner does not send.
    assert_eq!(
        s1.as_mut().poll(&mut Context::from_waker(&k1)),
        Poll::Ready(0)
    );
    assert_eq!(w2.0.load(SeqCst), 1, "S2 never woken: R waits, S2 waits");
}

/// Reference: the same with a bounded(1) channel whose one slot is taken
/// and freed: S1 is granted the slot, drops it unsent, and S2 gets it.
#[test]
fn bounded_dropped_slot_goes_to_next_sender() {
    let (tx, rx) = tidings::bounded::<u32>(1);
    tx.send(0).unwrap();
    let (_w1, k1) = waker();
    let (w2, k2) = waker();
    let (mut sel1, mut sel2) = (Select::new(), Select::new());
    sel1.send(&tx);
    sel2.send(&tx);
    let mut s1 = pin!(sel1.select_async());
    let mut s2 = pin!(sel2.select_async());
    assert!(s1.as_mut().poll(&mut Context::from_waker(&k1)).is_pending());
    assert!(s2.as_mut().poll(&mut Context::from_waker(&k2)).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    match s1.as_mut().poll(&mut Context::from_waker(&k1)) {
        Poll::Ready(oper) => drop(oper),
        Poll::Pending => panic!("S1 was granted the slot"),
    }
    assert_eq!(w2.0.load(SeqCst), 1, "S2 woken for the slot");
}

#[test]
fn a_try_send_reaches_a_thread_waiting_in_a_select() {
    for flavor in 0..2 {
        let (tx, rx) = if flavor == 0 {
            tidings::rendezvous::<u32>()
        } else {
            tidings::bounded::<u32>(1)
        };
        let (_keep, other) = tidings::unbounded::<u32>();
        let receiver = thread::spawn(move || {
            tidings::select! {
                recv(rx) -> msg => msg,
                recv(other) -> _ => unreachable!("nothing sent there"),
            }
        });
        if flavor == 0 {
            // Until the receiver is listed: a send would then pair with it.
            let mut sel = Select::new();
            sel.send(&tx);
            while sel.try_ready().is_err() {
                thread::yield_now();
            }
        }
        assert_eq!(tx.try_send(7), Ok(()), "flavor {flavor}");
        assert_eq!(receiver.join().unwrap(), Ok(7));
    }
}

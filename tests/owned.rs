//! Owned futures (`Sender::into_send_async`, `Receiver::into_recv_async`)
//! and giving a send up with its message (`into_inner` of both send
//! futures), on mpmc and broadcast: spawned on executors that need
//! `'static` futures, every state `into_inner` can find a send in, and
//! drop counts.

mod common;

use std::task::Poll;

use common::{on_every_executor, poll_with, value, DropCounter, WakeCounter};
use tidings::{broadcast, mpmc, RecvError, SendError};

#[test]
fn owned_futures_are_spawned_on_every_executor() {
    on_every_executor(|_| async {
        let (tx, rx) = mpmc::bounded::<u32>(1);
        // Spawned threads and tasks need `'static` futures.
        let receiving = std::thread::spawn({
            let rx = rx.clone();
            move || pollster::block_on(rx.into_recv_async())
        });
        tx.clone().into_send_async(7).await.unwrap();
        assert_eq!(receiving.join().unwrap(), Ok(7));
        drop(tx);
        assert_eq!(rx.into_recv_async().await, Err(RecvError));
    });
}

#[test]
fn an_owned_send_future_keeps_the_channel_open_while_it_lives() {
    let (tx, rx) = mpmc::bounded::<u32>(1);
    tx.send(1).unwrap();
    let mut send = tx.into_send_async(2);
    let (_counter, waker) = WakeCounter::new();
    assert!(poll_with(&mut send, &waker).is_pending());
    assert_eq!(rx.sender_count(), 1, "the future holds the only sender");
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));
    drop(send);
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(rx.recv(), Err(RecvError), "the last sender went with it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owned_futures_run_as_tokio_tasks() {
    let (tx, rx) = mpmc::unbounded::<u64>();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            tokio::spawn(async move {
                let mut sum = 0;
                while let Ok(v) = rx.clone().into_recv_async().await {
                    sum += v;
                }
                sum
            })
        })
        .collect();
    drop(rx);
    let producers: Vec<_> = (0..4u64)
        .map(|p| tokio::spawn(tx.clone().into_send_async(p)))
        .collect();
    drop(tx);
    for producer in producers {
        producer.await.unwrap().unwrap();
    }
    let mut total = 0;
    for consumer in consumers {
        total += consumer.await.unwrap();
    }
    assert_eq!(total, 6);
}

#[test]
fn into_inner_of_a_send_never_polled_gives_the_message_back() {
    let (tx, rx) = mpmc::unbounded::<u32>();
    assert_eq!(tx.send_async(1).into_inner(), Some(1));
    assert_eq!(tx.clone().into_send_async(2).into_inner(), Some(2));
    assert!(rx.try_recv().is_err(), "nothing was sent");
}

#[test]
fn into_inner_of_a_waiting_send_withdraws_it() {
    let drops = DropCounter::new();
    let (tx, rx) = mpmc::bounded(1);
    tx.send(drops.msg(1)).unwrap();
    let (_counter, waker) = WakeCounter::new();
    let mut send = tx.send_async(drops.msg(2));
    assert!(poll_with(&mut send, &waker).is_pending());
    let back = send.into_inner().expect("withdrawn");
    assert_eq!(back.value, 2);
    assert_eq!(value(rx.try_recv()), Ok(1));
    assert!(rx.try_recv().is_err(), "2 was withdrawn, not delivered");
    drop(back);
    assert_eq!(drops.drops(), 2);
}

#[test]
fn into_inner_after_a_receiver_took_the_message_is_none() {
    for rendezvous in [false, true] {
        let (tx, rx) = if rendezvous {
            mpmc::rendezvous()
        } else {
            mpmc::bounded(1)
        };
        if !rendezvous {
            tx.send(0).unwrap();
        }
        let (_counter, waker) = WakeCounter::new();
        let mut send = tx.send_async(2);
        assert!(poll_with(&mut send, &waker).is_pending());
        if rendezvous {
            assert_eq!(rx.try_recv(), Ok(2), "taken from the waiting sender");
        } else {
            assert_eq!(rx.recv(), Ok(0), "and 2 moves in behind it");
        }
        assert_eq!(
            send.into_inner(),
            None,
            "delivered (rendezvous: {rendezvous})"
        );
        if !rendezvous {
            assert_eq!(rx.recv(), Ok(2));
        }
    }
}

#[test]
fn into_inner_after_the_channel_closed_under_a_waiting_send_gives_it_back() {
    let (tx, rx) = mpmc::bounded(1);
    tx.send(1).unwrap();
    let (_counter, waker) = WakeCounter::new();
    let mut send = tx.send_async(2);
    assert!(poll_with(&mut send, &waker).is_pending());
    drop(rx);
    assert_eq!(send.into_inner(), Some(2));
}

#[test]
fn into_inner_after_completion_is_none() {
    let (tx, rx) = mpmc::unbounded::<u32>();
    let (_counter, waker) = WakeCounter::new();
    let mut send = tx.send_async(1);
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));
    assert_eq!(send.into_inner(), None);
    drop(rx);
    let mut send = tx.send_async(2);
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Err(SendError(2))));
    assert_eq!(
        send.into_inner(),
        None,
        "the message came back in the output"
    );
}

#[test]
fn broadcast_send_futures_give_an_undelivered_message_back_too() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(String::from("one")).unwrap();
    let (_counter, waker) = WakeCounter::new();
    let mut send = tx.clone().into_send_async(String::from("two"));
    assert!(poll_with(&mut send, &waker).is_pending());
    assert_eq!(send.into_inner().as_deref(), Some("two"), "withdrawn");
    assert_eq!(rx.try_recv().as_deref(), Ok("one"));
    assert!(rx.try_recv().is_err(), "two was not delivered");
}

#[test]
fn owned_futures_are_send_static_and_debug() {
    fn spawnable<F: std::future::Future + Send + 'static>(_: &F) {}
    let (tx, rx) = mpmc::unbounded::<std::cell::Cell<u8>>();
    let send = tx.into_send_async(std::cell::Cell::new(1));
    let recv = rx.into_recv_async();
    spawnable(&send);
    spawnable(&recv);
    assert!(format!("{send:?}").starts_with("OwnedSendFuture"));
    assert!(format!("{recv:?}").starts_with("OwnedRecvFuture"));
    let (tx, _rx) = broadcast::channel::<u8>(1);
    let send = tx.into_send_async(1);
    spawnable(&send);
    assert!(format!("{send:?}").starts_with("OwnedSendFuture"));
}

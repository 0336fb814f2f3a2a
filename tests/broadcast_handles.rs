//! broadcast's handles beyond sending and receiving: `resubscribe` (also
//! after a lag), weak senders and their counts, `same_channel`,
//! `Receiver::is_closed`, and the owned stream (`into_stream`, whose
//! items tell a lagging receiver what it missed).

use tidings::broadcast::{self, RecvError, TryRecvError};

#[test]
fn resubscribe_starts_at_the_tail_even_after_a_lag() {
    let (tx, mut rx) = broadcast::lagging(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    let mut fresh = rx.resubscribe();
    assert_eq!(
        fresh.try_recv(),
        Err(TryRecvError::Empty),
        "nothing new yet"
    );
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Lagged(3)),
        "the old one lagged"
    );
    assert_eq!(rx.try_recv(), Ok(3));
    tx.send(5).unwrap();
    assert_eq!(fresh.try_recv(), Ok(5));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(tx.receiver_count(), 2);
}

#[test]
fn a_weak_sender_neither_keeps_the_channel_open_nor_counts_as_a_sender() {
    let (tx, mut rx) = broadcast::channel(4);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 2));
    assert_eq!(tx.sender_count(), 1);
    let upgraded = weak.upgrade().expect("a sender lives");
    assert_eq!(weak.strong_count(), 2);
    upgraded.send(1).unwrap();
    drop((tx, upgraded));
    assert_eq!(weak.strong_count(), 0);
    assert!(weak.upgrade().is_none(), "closed for good");
    assert!(rx.is_closed());
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv(), Err(RecvError::Disconnected));
    drop(weak2);
    assert_eq!(weak.weak_count(), 1);
}

#[test]
fn is_closed_and_same_channel() {
    let (tx, rx) = broadcast::channel::<u8>(1);
    let (other, other_rx) = broadcast::channel::<u8>(1);
    assert!(tx.same_channel(&tx.clone()) && !tx.same_channel(&other));
    assert!(rx.same_channel(&tx.subscribe()) && !rx.same_channel(&other_rx));
    assert!(!rx.is_closed());
    assert!(tx.close());
    assert!(rx.is_closed());
}

#[test]
#[cfg(feature = "futures")]
fn the_owned_stream_is_spawnable_and_reports_lags() {
    use futures::StreamExt;
    let (tx, rx) = broadcast::lagging(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    let late = tx.subscribe();
    drop(tx);
    let reader = rt.spawn(rx.into_stream().collect::<Vec<_>>());
    let late = rt.spawn(late.into_stream().collect::<Vec<_>>());
    let got = rt.block_on(reader).unwrap();
    assert_eq!(got, [Err(RecvError::Lagged(2)), Ok(2), Ok(3)]);
    assert_eq!(rt.block_on(late).unwrap(), []);
}

#[test]
fn weak_senders_and_owned_streams_are_send_sync_unpin_and_debug() {
    fn check<X: Send + Sync + Unpin + std::fmt::Debug>(_: &X) {}
    let (tx, rx) = broadcast::channel::<u8>(1);
    let weak = tx.downgrade();
    check(&weak);
    assert!(format!("{weak:?}").starts_with("WeakSender"));
    #[cfg(feature = "futures")]
    {
        let stream = rx.into_stream();
        fn unpin_send<X: Send + Unpin + 'static>(_: &X) {}
        unpin_send(&stream);
    }
    #[cfg(not(feature = "futures"))]
    drop(rx);
}

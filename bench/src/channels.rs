//! The mpmc channels under test, behind one small interface so that each
//! scenario is written once and run for every library that offers it.
//!
//! [`Channel`] makes a channel of a [`Flavor`]; [`Blocking`] and [`Async`]
//! are its thread and task operations. A library implements the traits it
//! supports (crossbeam has no async side, futures-channel no blocking side)
//! and answers `None` for the flavors it lacks.

use std::fmt;
use std::future::Future;

use futures_util::{SinkExt, StreamExt};

/// A message type: `usize` or a 64-byte block.
pub trait Message: Copy + fmt::Debug + Send + Unpin + 'static {
    /// Its name in scenario names.
    const NAME: &'static str;
    /// The `i`th message of a run.
    fn new(i: usize) -> Self;
}

impl Message for usize {
    const NAME: &'static str = "usize";
    fn new(i: usize) -> Self {
        i
    }
}

/// A 64-byte message, to see what moving a larger value costs.
#[derive(Clone, Copy, Debug)]
pub struct Bytes64(#[allow(dead_code)] [u64; 8]);

impl Message for Bytes64 {
    const NAME: &'static str = "64B";
    fn new(i: usize) -> Self {
        Bytes64([i as u64; 8])
    }
}

/// The kind of buffer a channel has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Capacity 0: a send completes when a receiver takes the message.
    Rendezvous,
    /// At most this many messages buffered.
    Bounded(usize),
    /// No bound.
    Unbounded,
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flavor::Rendezvous => f.write_str("rendezvous"),
            Flavor::Bounded(cap) => write!(f, "bounded({cap})"),
            Flavor::Unbounded => f.write_str("unbounded"),
        }
    }
}

/// A channel library: how to make a channel and its halves' types.
pub trait Channel: 'static {
    /// The implementation's name in the results.
    const NAME: &'static str;
    /// The sending half (cloned for more producers).
    type Tx<T: Message>: Clone + Send + 'static;
    /// The receiving half.
    type Rx<T: Message>: Send + 'static;
    /// A new channel, or `None` if the library has no such flavor.
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)>;
    /// Another receiver on the same channel, or `None` for a
    /// single-consumer channel.
    fn clone_rx<T: Message>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>>;
}

/// The blocking operations: they park the thread while they cannot finish.
pub trait Blocking: Channel {
    fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T);
    fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T;
}

/// The async operations, awaited in tokio tasks.
pub trait Async: Channel {
    fn send_async<T: Message>(tx: &mut Self::Tx<T>, msg: T)
        -> impl Future<Output = ()> + Send + '_;
    fn recv_async<T: Message>(rx: &mut Self::Rx<T>) -> impl Future<Output = T> + Send + '_;
}

/// Whether `C` offers `flavor` with this many consumers.
pub fn supports<C: Channel>(flavor: Flavor, consumers: usize) -> bool {
    match C::new::<usize>(flavor) {
        Some((_tx, rx)) => consumers == 1 || C::clone_rx(&rx).is_some(),
        None => false,
    }
}

/// The [`Impl`](crate::harness::Impl)s of one scenario: for each library
/// in the list that offers `flavor` with `consumers` receivers, `run`
/// with the type `C` standing for that library.
macro_rules! impls_for {
    ($flavor:expr, $consumers:expr, [$($lib:ident),*], |$c:ident| $run:expr) => {{
        let mut impls = Vec::new();
        $(
            if $crate::channels::supports::<$lib>($flavor, $consumers) {
                type $c = $lib;
                impls.push($crate::harness::Impl::new(<$lib as $crate::channels::Channel>::NAME, $run));
            }
        )*
        impls
    }};
}
pub(crate) use impls_for;

const CLOSED: &str = "the channel closed during a run";

pub struct Tidings;

impl Channel for Tidings {
    const NAME: &'static str = "tidings";
    type Tx<T: Message> = tidings::Sender<T>;
    type Rx<T: Message> = tidings::Receiver<T>;
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match flavor {
            Flavor::Rendezvous => tidings::rendezvous(),
            Flavor::Bounded(cap) => tidings::bounded(cap),
            Flavor::Unbounded => tidings::unbounded(),
        })
    }
    fn clone_rx<T: Message>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
}

impl Blocking for Tidings {
    fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.send(msg).expect(CLOSED);
    }
    fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv().expect(CLOSED)
    }
}

impl Async for Tidings {
    async fn send_async<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.send_async(msg).await.expect(CLOSED)
    }
    async fn recv_async<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv_async().await.expect(CLOSED)
    }
}

pub struct Crossbeam;

impl Channel for Crossbeam {
    const NAME: &'static str = "crossbeam-channel";
    type Tx<T: Message> = crossbeam_channel::Sender<T>;
    type Rx<T: Message> = crossbeam_channel::Receiver<T>;
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match flavor {
            Flavor::Rendezvous => crossbeam_channel::bounded(0),
            Flavor::Bounded(cap) => crossbeam_channel::bounded(cap),
            Flavor::Unbounded => crossbeam_channel::unbounded(),
        })
    }
    fn clone_rx<T: Message>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
}

impl Blocking for Crossbeam {
    fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.send(msg).expect(CLOSED);
    }
    fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv().expect(CLOSED)
    }
}

pub struct Flume;

impl Channel for Flume {
    const NAME: &'static str = "flume";
    type Tx<T: Message> = flume::Sender<T>;
    type Rx<T: Message> = flume::Receiver<T>;
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match flavor {
            Flavor::Rendezvous => flume::bounded(0),
            Flavor::Bounded(cap) => flume::bounded(cap),
            Flavor::Unbounded => flume::unbounded(),
        })
    }
    fn clone_rx<T: Message>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
}

impl Blocking for Flume {
    fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.send(msg).expect(CLOSED);
    }
    fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv().expect(CLOSED)
    }
}

impl Async for Flume {
    async fn send_async<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.send_async(msg).await.expect(CLOSED)
    }
    async fn recv_async<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv_async().await.expect(CLOSED)
    }
}

/// kanal's sync and async halves are views of one channel: the sync ones
/// are kept and `as_async` lends the async view.
pub struct Kanal;

impl Channel for Kanal {
    const NAME: &'static str = "kanal";
    type Tx<T: Message> = kanal::Sender<T>;
    type Rx<T: Message> = kanal::Receiver<T>;
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match flavor {
            Flavor::Rendezvous => kanal::bounded(0),
            Flavor::Bounded(cap) => kanal::bounded(cap),
            Flavor::Unbounded => kanal::unbounded(),
        })
    }
    fn clone_rx<T: Message>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
}

impl Blocking for Kanal {
    fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.send(msg).expect(CLOSED);
    }
    fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv().expect(CLOSED)
    }
}

impl Async for Kanal {
    async fn send_async<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.as_async().send(msg).await.expect(CLOSED)
    }
    async fn recv_async<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.as_async().recv().await.expect(CLOSED)
    }
}

/// async-channel has no rendezvous flavor (`bounded(0)` panics).
pub struct AsyncChannel;

impl Channel for AsyncChannel {
    const NAME: &'static str = "async-channel";
    type Tx<T: Message> = async_channel::Sender<T>;
    type Rx<T: Message> = async_channel::Receiver<T>;
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match flavor {
            Flavor::Rendezvous => None,
            Flavor::Bounded(cap) => Some(async_channel::bounded(cap)),
            Flavor::Unbounded => Some(async_channel::unbounded()),
        }
    }
    fn clone_rx<T: Message>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
}

impl Blocking for AsyncChannel {
    fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.send_blocking(msg).expect(CLOSED);
    }
    fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv_blocking().expect(CLOSED)
    }
}

impl Async for AsyncChannel {
    async fn send_async<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        tx.send(msg).await.expect(CLOSED)
    }
    async fn recv_async<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv().await.expect(CLOSED)
    }
}

/// `std::sync::mpsc`: `sync_channel(n)` (0 is a rendezvous) or
/// `channel()`; a single consumer.
pub struct StdMpsc;

pub enum StdTx<T> {
    Bounded(std::sync::mpsc::SyncSender<T>),
    Unbounded(std::sync::mpsc::Sender<T>),
}

impl<T> Clone for StdTx<T> {
    fn clone(&self) -> Self {
        match self {
            StdTx::Bounded(tx) => StdTx::Bounded(tx.clone()),
            StdTx::Unbounded(tx) => StdTx::Unbounded(tx.clone()),
        }
    }
}

impl Channel for StdMpsc {
    const NAME: &'static str = "std mpsc";
    type Tx<T: Message> = StdTx<T>;
    type Rx<T: Message> = std::sync::mpsc::Receiver<T>;
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match flavor {
            Flavor::Rendezvous | Flavor::Bounded(_) => {
                let cap = if let Flavor::Bounded(cap) = flavor {
                    cap
                } else {
                    0
                };
                let (tx, rx) = std::sync::mpsc::sync_channel(cap);
                (StdTx::Bounded(tx), rx)
            }
            Flavor::Unbounded => {
                let (tx, rx) = std::sync::mpsc::channel();
                (StdTx::Unbounded(tx), rx)
            }
        })
    }
    fn clone_rx<T: Message>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
}

impl Blocking for StdMpsc {
    fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        match tx {
            StdTx::Bounded(tx) => tx.send(msg).expect(CLOSED),
            StdTx::Unbounded(tx) => tx.send(msg).expect(CLOSED),
        }
    }
    fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T {
        rx.recv().expect(CLOSED)
    }
}

/// `tokio::sync::mpsc`: a single consumer, no rendezvous; its blocking
/// operations (`blocking_send`, `blocking_recv`) work on plain threads.
pub struct Tokio;

pub enum TokioTx<T> {
    Bounded(tokio::sync::mpsc::Sender<T>),
    Unbounded(tokio::sync::mpsc::UnboundedSender<T>),
}

pub enum TokioRx<T> {
    Bounded(tokio::sync::mpsc::Receiver<T>),
    Unbounded(tokio::sync::mpsc::UnboundedReceiver<T>),
}

impl<T> Clone for TokioTx<T> {
    fn clone(&self) -> Self {
        match self {
            TokioTx::Bounded(tx) => TokioTx::Bounded(tx.clone()),
            TokioTx::Unbounded(tx) => TokioTx::Unbounded(tx.clone()),
        }
    }
}

impl Channel for Tokio {
    const NAME: &'static str = "tokio";
    type Tx<T: Message> = TokioTx<T>;
    type Rx<T: Message> = TokioRx<T>;
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match flavor {
            Flavor::Rendezvous => None,
            Flavor::Bounded(cap) => {
                let (tx, rx) = tokio::sync::mpsc::channel(cap);
                Some((TokioTx::Bounded(tx), TokioRx::Bounded(rx)))
            }
            Flavor::Unbounded => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                Some((TokioTx::Unbounded(tx), TokioRx::Unbounded(rx)))
            }
        }
    }
    fn clone_rx<T: Message>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
}

impl Blocking for Tokio {
    fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        match tx {
            TokioTx::Bounded(tx) => tx.blocking_send(msg).expect(CLOSED),
            TokioTx::Unbounded(tx) => tx.send(msg).expect(CLOSED),
        }
    }
    fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T {
        match rx {
            TokioRx::Bounded(rx) => rx.blocking_recv().expect(CLOSED),
            TokioRx::Unbounded(rx) => rx.blocking_recv().expect(CLOSED),
        }
    }
}

impl Async for Tokio {
    async fn send_async<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        match tx {
            TokioTx::Bounded(tx) => tx.send(msg).await.expect(CLOSED),
            TokioTx::Unbounded(tx) => tx.send(msg).expect(CLOSED),
        }
    }
    async fn recv_async<T: Message>(rx: &mut Self::Rx<T>) -> T {
        match rx {
            TokioRx::Bounded(rx) => rx.recv().await.expect(CLOSED),
            TokioRx::Unbounded(rx) => rx.recv().await.expect(CLOSED),
        }
    }
}

/// `futures_channel::mpsc`: async only, a single consumer. Its
/// `channel(n)` holds n messages plus one per sender; with no sender slack
/// there is no rendezvous.
pub struct Futures;

pub enum FuturesTx<T> {
    Bounded(futures_channel::mpsc::Sender<T>),
    Unbounded(futures_channel::mpsc::UnboundedSender<T>),
}

pub enum FuturesRx<T> {
    Bounded(futures_channel::mpsc::Receiver<T>),
    Unbounded(futures_channel::mpsc::UnboundedReceiver<T>),
}

impl<T> Clone for FuturesTx<T> {
    fn clone(&self) -> Self {
        match self {
            FuturesTx::Bounded(tx) => FuturesTx::Bounded(tx.clone()),
            FuturesTx::Unbounded(tx) => FuturesTx::Unbounded(tx.clone()),
        }
    }
}

impl Channel for Futures {
    const NAME: &'static str = "futures-channel";
    type Tx<T: Message> = FuturesTx<T>;
    type Rx<T: Message> = FuturesRx<T>;
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match flavor {
            Flavor::Rendezvous => None,
            Flavor::Bounded(cap) => {
                let (tx, rx) = futures_channel::mpsc::channel(cap);
                Some((FuturesTx::Bounded(tx), FuturesRx::Bounded(rx)))
            }
            Flavor::Unbounded => {
                let (tx, rx) = futures_channel::mpsc::unbounded();
                Some((FuturesTx::Unbounded(tx), FuturesRx::Unbounded(rx)))
            }
        }
    }
    fn clone_rx<T: Message>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
}

impl Async for Futures {
    async fn send_async<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
        match tx {
            FuturesTx::Bounded(tx) => tx.send(msg).await.expect(CLOSED),
            FuturesTx::Unbounded(tx) => tx.unbounded_send(msg).expect(CLOSED),
        }
    }
    async fn recv_async<T: Message>(rx: &mut Self::Rx<T>) -> T {
        match rx {
            FuturesRx::Bounded(rx) => rx.next().await.expect(CLOSED),
            FuturesRx::Unbounded(rx) => rx.next().await.expect(CLOSED),
        }
    }
}

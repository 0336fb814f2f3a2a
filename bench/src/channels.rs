//! The mpmc channels under test, behind one small interface so that each
//! scenario is written once and run for every library that offers it.
//!
//! [`Channel`] makes a channel of a [`Flavor`]; [`Blocking`] and [`Async`]
//! are its thread and task operations. A library implements the traits it
//! supports (crossbeam has no async side, futures-channel no blocking side)
//! and answers `None` for the flavors it lacks.
//!
//! The peers: crossbeam-channel, flume, kanal, async-channel, crossfire,
//! std's mpsc, tokio's mpsc and futures-channel's mpsc. Each runs its
//! general channel (mpmc, or mpsc where that is all the library has),
//! except crossfire, which has a type per shape: it runs `spsc` in the
//! one-producer one-consumer scenarios, `mpsc` in the many-to-one ones and
//! `mpmc` where there are several consumers, the type a crossfire user
//! would pick, and its rows say which (`crossfire spsc`, `crossfire mpsc`,
//! `crossfire`).

use std::fmt;
use std::future::Future;
use std::mem;

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
    /// The sending half.
    type Tx<T: Message>: Send + 'static;
    /// The receiving half.
    type Rx<T: Message>: Send + 'static;
    /// A new channel, or `None` if the library has no such flavor.
    fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)>;
    /// Another sender on the same channel, or `None` for a
    /// single-producer channel.
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>>;
    /// Another receiver on the same channel, or `None` for a
    /// single-consumer channel.
    fn clone_rx<T: Message>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>>;
    /// Whether this entry takes part in a scenario with this many
    /// producers and consumers, among those its handles allow: every one
    /// but for crossfire's types, each of which takes its own shape.
    fn enters(_producers: usize, _consumers: usize) -> bool {
        true
    }
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

/// Whether `C` offers `flavor` with this many producers and consumers.
pub fn supports<C: Channel>(flavor: Flavor, producers: usize, consumers: usize) -> bool {
    match C::new::<usize>(flavor) {
        Some((tx, rx)) => {
            C::enters(producers, consumers)
                && (producers == 1 || C::clone_tx(&tx).is_some())
                && (consumers == 1 || C::clone_rx(&rx).is_some())
        }
        None => false,
    }
}

/// `n` senders: `tx` and `n - 1` clones of it.
pub fn senders<C: Channel, T: Message>(tx: C::Tx<T>, n: usize) -> Vec<C::Tx<T>> {
    let mut all: Vec<_> = (1..n)
        .map(|_| C::clone_tx(&tx).expect("a multi-producer channel"))
        .collect();
    all.push(tx);
    all
}

/// `n` receivers: `rx` and `n - 1` clones of it.
pub fn receivers<C: Channel, T: Message>(rx: C::Rx<T>, n: usize) -> Vec<C::Rx<T>> {
    let mut all: Vec<_> = (1..n)
        .map(|_| C::clone_rx(&rx).expect("a multi-consumer channel"))
        .collect();
    all.push(rx);
    all
}

/// The [`Impl`](crate::harness::Impl)s of one scenario: for each library
/// in the list that offers `flavor` with `producers` senders and
/// `consumers` receivers, `run` with the type `C` standing for that
/// library.
macro_rules! impls_for {
    ($flavor:expr, $producers:expr, $consumers:expr, [$($lib:ident),*], |$c:ident| $run:expr) => {{
        let mut impls = Vec::new();
        $(
            if $crate::channels::supports::<$lib>($flavor, $producers, $consumers) {
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
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
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
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
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
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
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
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
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
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
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

/// crossfire: a lockless channel derived from crossbeam's, with a module,
/// and its own code, per shape: `spsc`, `mpsc` and `mpmc`. It has no
/// rendezvous (its `bounded(0)` is a `bounded(1)`): it sits out those rows.
///
/// Its handles carry their context in their type (`Tx` / `MTx` block,
/// `AsyncTx` / `MAsyncTx` await, and the same for receivers), and each
/// turns into its counterpart by value (`From`: an `Arc` cloned). A bench
/// handle holds either form and takes the one its first operation needs:
/// one conversion per handle and run, then a check of the form per
/// operation (under callgrind, about 5 instructions per message in `seq`
/// over bare crossfire handles). The thread <-> task scenarios get their
/// halves the way crossfire's docs show: one side converted to the
/// other's context.
pub enum CfHandle<B, A> {
    Blocking(B),
    Async(A),
    /// Only while a conversion moves the handle.
    Converting,
}

impl<B, A> CfHandle<B, A>
where
    B: From<A>,
    A: From<B>,
{
    #[inline(always)]
    fn blocking(&mut self) -> &B {
        match self {
            CfHandle::Blocking(b) => b,
            _ => self.become_blocking(),
        }
    }

    #[inline(always)]
    fn asynchronous(&mut self) -> &A {
        match self {
            CfHandle::Async(a) => a,
            _ => self.become_async(),
        }
    }

    #[cold]
    fn become_blocking(&mut self) -> &B {
        if let CfHandle::Async(a) = mem::replace(self, CfHandle::Converting) {
            *self = CfHandle::Blocking(B::from(a));
        }
        match self {
            CfHandle::Blocking(b) => b,
            _ => unreachable!("a crossfire handle lost in a conversion"),
        }
    }

    #[cold]
    fn become_async(&mut self) -> &A {
        if let CfHandle::Blocking(b) = mem::replace(self, CfHandle::Converting) {
            *self = CfHandle::Async(A::from(b));
        }
        match self {
            CfHandle::Async(a) => a,
            _ => unreachable!("a crossfire handle lost in a conversion"),
        }
    }
}

/// A crossfire handle's clone, or `None` for a single-producer or
/// single-consumer end (`Tx`, `AsyncTx`, `Rx`, `AsyncRx`).
pub trait CfClone: Sized {
    fn cf_clone(&self) -> Option<Self>;
}

impl<B: CfClone, A: CfClone> CfClone for CfHandle<B, A> {
    fn cf_clone(&self) -> Option<Self> {
        match self {
            CfHandle::Blocking(b) => b.cf_clone().map(CfHandle::Blocking),
            CfHandle::Async(a) => a.cf_clone().map(CfHandle::Async),
            CfHandle::Converting => unreachable!("a crossfire handle lost in a conversion"),
        }
    }
}

macro_rules! cf_clone {
    (clone: $($multi:ident),*; no clone: $($single:ident),*) => {
        $(impl<F: crossfire::flavor::Flavor> CfClone for crossfire::$multi<F> {
            fn cf_clone(&self) -> Option<Self> {
                Some(self.clone())
            }
        })*
        $(impl<F: crossfire::flavor::Flavor> CfClone for crossfire::$single<F> {
            fn cf_clone(&self) -> Option<Self> {
                None
            }
        })*
    };
}
cf_clone!(clone: MTx, MAsyncTx, MRx, MAsyncRx; no clone: Tx, AsyncTx, Rx, AsyncRx);

/// A crossfire sender as the bench drives it. A bounded channel's is a
/// [`CfHandle`]; an unbounded channel's is the blocking `Tx` / `MTx`
/// alone, in tasks too, as crossfire's `unbounded_async` hands it out (a
/// send on an unbounded channel never waits).
pub trait CfSender<T>: CfClone + Send + 'static {
    fn send(&mut self, msg: T);
    fn send_async(&mut self, msg: T) -> impl Future<Output = ()> + Send + '_;
}

/// A crossfire receiver (a [`CfHandle`]) as the bench drives it.
pub trait CfReceiver<T>: CfClone + Send + 'static {
    fn recv(&mut self) -> T;
    fn recv_async(&mut self) -> impl Future<Output = T> + Send + '_;
}

macro_rules! cf_ops {
    (senders: $($tx:ident / $atx:ident),*; receivers: $($rx:ident / $arx:ident),*) => {
        $(impl<T: Message, F: crossfire::flavor::Flavor<Item = T>> CfSender<T>
            for CfHandle<crossfire::$tx<F>, crossfire::$atx<F>>
        {
            #[inline(always)]
            fn send(&mut self, msg: T) {
                crossfire::Tx::send(self.blocking(), msg).expect(CLOSED)
            }
            #[inline(always)]
            async fn send_async(&mut self, msg: T) {
                let send = crossfire::AsyncTx::send(self.asynchronous(), msg);
                send.await.expect(CLOSED)
            }
        })*
        $(impl<T: Message, F: crossfire::flavor::Flavor<Item = T>> CfSender<T> for crossfire::$tx<F> {
            #[inline(always)]
            fn send(&mut self, msg: T) {
                crossfire::Tx::send(self, msg).expect(CLOSED)
            }
            #[inline(always)]
            async fn send_async(&mut self, msg: T) {
                crossfire::Tx::send(self, msg).expect(CLOSED)
            }
        })*
        $(impl<T: Message, F: crossfire::flavor::Flavor<Item = T>> CfReceiver<T>
            for CfHandle<crossfire::$rx<F>, crossfire::$arx<F>>
        {
            #[inline(always)]
            fn recv(&mut self) -> T {
                crossfire::Rx::recv(self.blocking()).expect(CLOSED)
            }
            #[inline(always)]
            async fn recv_async(&mut self) -> T {
                let recv = crossfire::AsyncRx::recv(self.asynchronous());
                recv.await.expect(CLOSED)
            }
        })*
    };
}
cf_ops!(senders: Tx / AsyncTx, MTx / MAsyncTx; receivers: Rx / AsyncRx, MRx / MAsyncRx);

/// One of crossfire's channel types: a `Channel` that enters the scenarios
/// of one shape, with one flavor (bounded or unbounded, so that no
/// operation pays for a match on it).
macro_rules! crossfire {
    (
        $(#[$doc:meta])*
        $ty:ident = $name:literal, enters($p:ident, $c:ident) = $enters:expr,
        $flavor:pat => ($tx:ty, $rx:ty) = $new:expr
    ) => {
        $(#[$doc])*
        pub struct $ty;

        impl Channel for $ty {
            const NAME: &'static str = $name;
            type Tx<T: Message> = $tx;
            type Rx<T: Message> = $rx;
            fn new<T: Message>(flavor: Flavor) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
                match flavor {
                    $flavor => Some($new),
                    _ => None,
                }
            }
            fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
                tx.cf_clone()
            }
            fn clone_rx<T: Message>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
                rx.cf_clone()
            }
            fn enters($p: usize, $c: usize) -> bool {
                $enters
            }
        }

        impl Blocking for $ty {
            fn send<T: Message>(tx: &mut Self::Tx<T>, msg: T) {
                CfSender::send(tx, msg)
            }
            fn recv<T: Message>(rx: &mut Self::Rx<T>) -> T {
                CfReceiver::recv(rx)
            }
        }

        impl Async for $ty {
            fn send_async<T: Message>(
                tx: &mut Self::Tx<T>,
                msg: T,
            ) -> impl Future<Output = ()> + Send + '_ {
                CfSender::send_async(tx, msg)
            }
            fn recv_async<T: Message>(rx: &mut Self::Rx<T>) -> impl Future<Output = T> + Send + '_ {
                CfReceiver::recv_async(rx)
            }
        }
    };
}

/// A new channel's halves, both blocking to begin with.
fn cf_blocking<B, A, R, AR>((tx, rx): (B, R)) -> (CfHandle<B, A>, CfHandle<R, AR>) {
    (CfHandle::Blocking(tx), CfHandle::Blocking(rx))
}

/// The single-producer end (`Tx` / `AsyncTx`) and the multi-producer one.
type CfTx<F> = CfHandle<crossfire::Tx<F>, crossfire::AsyncTx<F>>;
type CfMTx<F> = CfHandle<crossfire::MTx<F>, crossfire::MAsyncTx<F>>;
/// The single-consumer end (`Rx` / `AsyncRx`) and the multi-consumer one.
type CfRx<F> = CfHandle<crossfire::Rx<F>, crossfire::AsyncRx<F>>;
type CfMRx<F> = CfHandle<crossfire::MRx<F>, crossfire::MAsyncRx<F>>;

crossfire! {
    /// `crossfire::spsc::bounded_blocking`: one producer, one consumer (the
    /// `spsc` shapes, `seq`, and one thread or task to one).
    CrossfireSpscBounded = "crossfire spsc", enters(p, c) = p == 1 && c == 1,
    Flavor::Bounded(cap) => (CfTx<crossfire::spsc::Array<T>>, CfRx<crossfire::spsc::Array<T>>)
        = cf_blocking(crossfire::spsc::bounded_blocking(cap))
}

crossfire! {
    /// `crossfire::spsc::unbounded_blocking`.
    CrossfireSpscUnbounded = "crossfire spsc", enters(p, c) = p == 1 && c == 1,
    Flavor::Unbounded => (crossfire::Tx<crossfire::spsc::List<T>>, CfRx<crossfire::spsc::List<T>>)
        = {
            let (tx, rx) = crossfire::spsc::unbounded_blocking();
            (tx, CfHandle::Blocking(rx))
        }
}

crossfire! {
    /// `crossfire::mpsc::bounded_blocking`: several producers, one consumer.
    CrossfireMpscBounded = "crossfire mpsc", enters(p, c) = p > 1 && c == 1,
    Flavor::Bounded(cap) => (CfMTx<crossfire::mpsc::Array<T>>, CfRx<crossfire::mpsc::Array<T>>)
        = cf_blocking(crossfire::mpsc::bounded_blocking(cap))
}

crossfire! {
    /// `crossfire::mpsc::unbounded_blocking`.
    CrossfireMpscUnbounded = "crossfire mpsc", enters(p, c) = p > 1 && c == 1,
    Flavor::Unbounded => (crossfire::MTx<crossfire::mpsc::List<T>>, CfRx<crossfire::mpsc::List<T>>)
        = {
            let (tx, rx) = crossfire::mpsc::unbounded_blocking();
            (tx, CfHandle::Blocking(rx))
        }
}

crossfire! {
    /// `crossfire::mpmc::bounded_blocking`: several consumers.
    CrossfireBounded = "crossfire", enters(_p, c) = c > 1,
    Flavor::Bounded(cap) => (CfMTx<crossfire::mpmc::Array<T>>, CfMRx<crossfire::mpmc::Array<T>>)
        = cf_blocking(crossfire::mpmc::bounded_blocking(cap))
}

crossfire! {
    /// `crossfire::mpmc::unbounded_blocking`.
    CrossfireUnbounded = "crossfire", enters(_p, c) = c > 1,
    Flavor::Unbounded => (crossfire::MTx<crossfire::mpmc::List<T>>, CfMRx<crossfire::mpmc::List<T>>)
        = {
            let (tx, rx) = crossfire::mpmc::unbounded_blocking();
            (tx, CfHandle::Blocking(rx))
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
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
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
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
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
    fn clone_tx<T: Message>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
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

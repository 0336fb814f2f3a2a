//! Channels for threads and async tasks alike.
//!
//! Every operation that can wait comes in a blocking form and an async
//! form, on the same channel: a message can go from a thread to a task,
//! from a task to a thread, between threads or between tasks. The futures
//! depend on no runtime, and the crate has no mandatory dependency.
//!
//! # Hello, world
//!
//! ```
//! let (tx, rx) = tidings::oneshot::channel();
//! std::thread::spawn(move || tx.send("Hello, world!").unwrap());
//! // Block this thread on it, or `.await` it in a task: both work.
//! assert_eq!(rx.recv(), Ok("Hello, world!"));
//! ```
//!
//! # Which channel?
//!
//! | you need | use | status |
//! |---|---|---|
//! | one reply, one sender, one receiver | [`oneshot::channel`] (`alloc`) | available |
//! | one reply without any allocation, `no_std` | [`oneshot::Slot`] | available |
//! | one reply per round, reusing the allocation | [`multishot`] (`alloc`) | available |
//! | a queue, many senders and receivers | [`mpmc::bounded`], [`mpmc::unbounded`], [`mpmc::rendezvous`] (`alloc`) | available |
//! | every receiver sees every message, with backpressure or lagging | [`broadcast::channel`], [`broadcast::lagging`] (`alloc`) | available |
//!
//! # Features
//!
//! | feature | default | gives |
//! |---|---|---|
//! | `std` | yes | blocking operations, `_timeout` / `_deadline` variants, `std::error::Error`; implies `alloc` |
//! | `alloc` | via `std` | the heap-allocated channels in `no_std` builds (async operations only) |
//! | `futures` | no | `Stream` / `FusedStream` for mpmc and broadcast receivers, `Sink` for mpmc senders, `FusedFuture` for the futures |
//! | `portable-atomic` | no | atomics from `portable-atomic`, for targets without compare-and-swap |
//!
//! With no features at all the crate is `#![no_std]` without an allocator
//! and still offers [`oneshot::Slot`].
//!
//! # Sync and async
//!
//! Names follow std and crossbeam: `recv` blocks the thread, `try_recv`
//! never waits, `recv_timeout` / `recv_deadline` block at most so long, and
//! the async form is a future (`oneshot::Receiver` is one itself). A
//! blocking call parks the thread; never call one from an async task, where
//! it would block the executor: `.await` instead.
//!
//! # Send happens-before receive
//!
//! Everything a thread or task did before sending a message is visible to
//! whoever receives it, after the receive returns.
//!
//! # When user code panics
//!
//! A waker (its clone, wake or drop) and a message (its `Clone`, its
//! `Drop`) are user code that an operation may run. If it panics, the
//! panic reaches the caller of that operation, and the channel stays whole:
//! every message is still received exactly once or dropped exactly once,
//! nothing leaks, and the channel goes on working. A receive that took a
//! message before the panic keeps it in the channel for the next receive;
//! a send that unwinds while it waits is withdrawn, its message dropped.
//! Each kind's module docs say the details.
// The links of the table above: to the items, or, in a build without
// them, to the feature table that says how to get them.
#![cfg_attr(
    feature = "alloc",
    doc = "",
    doc = "[`oneshot::channel`]: oneshot::channel\n[`multishot`]: multishot\n[`mpmc::bounded`]: fn@mpmc::bounded\n[`mpmc::unbounded`]: fn@mpmc::unbounded\n[`mpmc::rendezvous`]: fn@mpmc::rendezvous\n[`broadcast::channel`]: broadcast::channel\n[`broadcast::lagging`]: broadcast::lagging"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "",
    doc = "[`oneshot::channel`]: crate#features\n[`multishot`]: crate#features\n[`mpmc::bounded`]: crate#features\n[`mpmc::unbounded`]: crate#features\n[`mpmc::rendezvous`]: crate#features\n[`broadcast::channel`]: crate#features\n[`broadcast::lagging`]: crate#features"
)]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod loom;
#[cfg(feature = "alloc")]
mod queue;
mod wait;

#[cfg(feature = "alloc")]
pub mod broadcast;
pub mod error;
#[cfg(feature = "alloc")]
pub mod mpmc;
// Beside the oneshot whose core it reuses; a kind of its own to users.
#[cfg(feature = "alloc")]
#[path = "oneshot/multishot.rs"]
pub mod multishot;
pub mod oneshot;

pub use error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
#[cfg(feature = "alloc")]
pub use mpmc::{bounded, rendezvous, unbounded, Receiver, Sender, WeakSender};

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

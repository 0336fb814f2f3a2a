//! A `oneshot::Slot` used the way an embedded driver uses it: no heap, a
//! `static` slot, an interrupt handler that completes a transfer, and a
//! task that awaits it, driven by a minimal executor.
//!
//! On a microcontroller the "interrupt" is a real interrupt handler and the
//! executor sleeps with `wfi`; here a thread stands in for the interrupt
//! and the executor parks. The slot and the driver code would be the same.
//!
//! Run it with `cargo run --example embedded`.
#![allow(unsafe_code)] // a driver that tracks ownership itself uses the slot's unsafe layer

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

use tidings::oneshot::Slot;

/// Where the interrupt handler leaves the result of a transfer.
static TRANSFER_DONE: Slot<u32> = Slot::new();

/// Set while a transfer's interrupt is still to come. The handler clears it
/// (Release) after its `put` returned, so a driver that reads it cleared
/// (Acquire) knows the last round's sending side is done.
static IRQ_PENDING: AtomicBool = AtomicBool::new(false);

/// The "interrupt handler": the peripheral finished, so complete the
/// transfer that the driver started.
fn on_transfer_complete(bytes: u32) {
    // SAFETY: the driver starts one transfer at a time (`transfer` takes `&mut self`), and this handler runs once per transfer: it is the round's one sending side.
    let delivered = unsafe { TRANSFER_DONE.put(bytes) };
    // A driver whose caller gave up (dropped the future) gets its result back.
    if let Err(unclaimed) = delivered {
        println!("  interrupt: nobody waits for {} bytes", unclaimed.0);
    }
    IRQ_PENDING.store(false, Ordering::Release);
}

/// Starts the "hardware": it raises the interrupt a little later.
fn start_peripheral(len: u32) {
    IRQ_PENDING.store(true, Ordering::Relaxed);
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        on_transfer_complete(len);
    });
}

/// The driver. `&mut self` on `transfer` means one transfer is started at
/// a time; a transfer whose future was dropped may still have its interrupt
/// coming, so the next one first waits for it (a real driver might abort
/// the peripheral instead). Together these make the unsafe slot calls sound.
struct Dma {
    done: &'static Slot<u32>,
}

impl Dma {
    async fn transfer(&mut self, len: u32) -> u32 {
        while IRQ_PENDING.load(Ordering::Acquire) {
            std::hint::spin_loop();
        }
        // SAFETY: the last round's sending side (the interrupt) is done and that happens-before this (IRQ_PENDING, Release/Acquire); `&mut self` makes this the only receiving side.
        let done = unsafe { self.done.receiver() };
        start_peripheral(len);
        done.await.expect("the interrupt handler always completes")
    }
}

// ----- a minimal executor: one future, no allocation -----

/// The thread to wake; set once by `block_on`.
static EXECUTOR: OnceLock<Thread> = OnceLock::new();
/// Set by the waker, cleared by the executor ("an event is pending").
static WOKEN: AtomicBool = AtomicBool::new(false);

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop_waker);

fn clone(_: *const ()) -> RawWaker {
    RawWaker::new(std::ptr::null(), &VTABLE)
}

fn wake(_: *const ()) {
    WOKEN.store(true, Ordering::Release);
    if let Some(thread) = EXECUTOR.get() {
        thread.unpark();
    }
}

fn drop_waker(_: *const ()) {}

/// Polls `fut` to completion, sleeping between polls until woken (where a
/// microcontroller would execute `wfi`).
fn block_on<F: Future>(fut: F) -> F::Output {
    EXECUTOR.get_or_init(thread::current);
    // SAFETY: the vtable's functions ignore the data pointer, and all of them are safe to call from any thread any number of times.
    let waker = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) };
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        while !WOKEN.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}

fn main() {
    let mut dma = Dma {
        done: &TRANSFER_DONE,
    };
    // A transfer given up on: its future is polled once, then dropped. Its
    // interrupt still comes and finds nobody waiting.
    {
        let mut cancelled = pin!(dma.transfer(8));
        let waker = futures::task::noop_waker();
        let polled = cancelled.as_mut().poll(&mut Context::from_waker(&waker));
        assert!(polled.is_pending());
    }

    for len in [16, 64, 256] {
        let bytes = block_on(dma.transfer(len));
        println!("transfer of {len} bytes complete: {bytes} bytes moved");
        assert_eq!(bytes, len);
    }
    assert!(TRANSFER_DONE.is_empty());
    println!("embedded example complete");
}

//! Micro-benchmarks of tidings' single-thread fast paths, with divan:
//!
//! ```text
//! cargo bench -p tidings-bench
//! ```
//!
//! One round each: a oneshot made, sent on and received from; a `Slot`
//! split, sent on and received from; a `multishot` sender recycled, sent
//! on and received from; an mpmc `try_send` + `try_recv` per flavor (a
//! rendezvous channel has no buffer, so its `try_send` needs a blocked
//! receiver and is left out). The `oneshot` crate, crossbeam-channel and
//! crossfire (its mpmc channel, like tidings') run the same rounds for
//! reference.

use divan::{black_box, Bencher};

fn main() {
    // As crossfire's docs advise at start-up (it matters on one core).
    crossfire::detect_backoff_cfg();
    divan::main();
}

mod oneshot {
    use super::*;

    #[divan::bench]
    fn create_send_try_recv() -> usize {
        let (tx, rx) = tidings::oneshot::channel();
        tx.send(black_box(1)).unwrap();
        rx.try_recv().unwrap()
    }

    #[divan::bench]
    fn slot_round(bencher: Bencher) {
        let mut slot = tidings::oneshot::Slot::new();
        bencher.bench_local(|| {
            let (tx, rx) = slot.split();
            tx.send(black_box(1usize)).unwrap();
            rx.try_recv().unwrap()
        });
    }

    #[divan::bench]
    fn multishot_round(bencher: Bencher) {
        let (tx, mut rx) = tidings::multishot::channel();
        tx.send(0usize).unwrap();
        rx.try_recv().unwrap();
        bencher.bench_local(|| {
            let tx = rx.sender().unwrap();
            tx.send(black_box(1)).unwrap();
            rx.try_recv().unwrap()
        });
    }

    /// For reference: the `oneshot` crate.
    #[divan::bench]
    fn oneshot_crate_create_send_try_recv() -> usize {
        let (tx, rx) = ::oneshot::channel();
        tx.send(black_box(1)).unwrap();
        rx.try_recv().unwrap()
    }
}

mod mpmc {
    use super::*;

    const FLAVORS: [&str; 3] = ["bounded(1)", "bounded(1000)", "unbounded"];

    #[divan::bench(args = FLAVORS)]
    fn try_send_try_recv(bencher: Bencher, flavor: &str) {
        let (tx, rx) = match flavor {
            "bounded(1)" => tidings::bounded(1),
            "bounded(1000)" => tidings::bounded(1000),
            _ => tidings::unbounded(),
        };
        bencher.bench_local(|| {
            tx.try_send(black_box(1usize)).unwrap();
            rx.try_recv().unwrap()
        });
    }

    /// For reference: crossbeam-channel.
    #[divan::bench(args = FLAVORS)]
    fn crossbeam_try_send_try_recv(bencher: Bencher, flavor: &str) {
        let (tx, rx) = match flavor {
            "bounded(1)" => crossbeam_channel::bounded(1),
            "bounded(1000)" => crossbeam_channel::bounded(1000),
            _ => crossbeam_channel::unbounded(),
        };
        bencher.bench_local(|| {
            tx.try_send(black_box(1usize)).unwrap();
            rx.try_recv().unwrap()
        });
    }

    /// For reference: crossfire's mpmc channel (bounded and unbounded are
    /// different types there).
    #[divan::bench(args = FLAVORS)]
    fn crossfire_try_send_try_recv(bencher: Bencher, flavor: &str) {
        if flavor == "unbounded" {
            let (tx, rx) = crossfire::mpmc::unbounded_blocking();
            bencher.bench_local(|| {
                tx.try_send(black_box(1usize)).unwrap();
                rx.try_recv().unwrap()
            });
        } else {
            let cap = if flavor == "bounded(1)" { 1 } else { 1000 };
            let (tx, rx) = crossfire::mpmc::bounded_blocking(cap);
            bencher.bench_local(|| {
                tx.try_send(black_box(1usize)).unwrap();
                rx.try_recv().unwrap()
            });
        }
    }
}

//! Allocation counts, with a counting global allocator (its own test
//! binary, so no other test's allocations are counted).
#![allow(unsafe_code)] // a global allocator cannot be written without it

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

/// Counts the allocations made by the current thread while `COUNTING` is set.
struct Counting;

std::thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counting touches only const-initialized thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNTING.try_with(|on| {
            if on.get() {
                ALLOCS.with(|n| n.set(n.get() + 1));
            }
        });
        // SAFETY: forwarded with the caller's own contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's own contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The number of allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    ALLOCS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCS.with(|n| n.get())
}

#[test]
fn channel_makes_exactly_one_allocation() {
    let n = allocations(|| {
        let (tx, rx) = tidings::oneshot::channel::<[u64; 4]>();
        tx.send([1, 2, 3, 4]).unwrap();
        assert_eq!(rx.try_recv(), Ok([1, 2, 3, 4]));
    });
    assert_eq!(n, 1);

    let n = allocations(|| {
        let (tx, rx) = tidings::oneshot::channel::<()>();
        drop(tx);
        drop(rx);
    });
    assert_eq!(n, 1, "zero-sized messages too");
}

#[test]
fn blocking_receive_allocates_nothing_after_the_first() {
    // The thread's waker is made once per thread and cached.
    let (_tx, rx) = tidings::oneshot::channel::<u8>();
    let _ = rx.recv_timeout(Duration::from_millis(1));
    let n = allocations(|| {
        for _ in 0..3 {
            let (tx, rx) = tidings::oneshot::channel::<u8>();
            assert!(rx.recv_timeout(Duration::from_millis(1)).is_err());
            tx.send(1).unwrap();
            assert_eq!(rx.recv(), Ok(1));
        }
    });
    assert_eq!(n, 3, "one allocation per channel, none per wait");
}

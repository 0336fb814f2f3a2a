//! A counting global allocator for the test binaries that count
//! allocations (each declares it as its `#[global_allocator]`, so no other
//! binary's allocations are counted). It counts, per thread, the
//! allocations made and the bytes left allocated while counting is on.
#![allow(unsafe_code)] // a global allocator cannot be written without it
#![allow(dead_code)] // each binary uses part of it

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts the allocations made by the current thread while counting.
pub struct Counting;

std::thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated minus bytes freed on this thread while counting.
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counting touches only const-initialized thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNTING.try_with(|on| {
            if on.get() {
                ALLOCS.with(|n| n.set(n.get() + 1));
                LIVE.with(|n| n.set(n.get() + layout.size() as isize));
            }
        });
        // SAFETY: forwarded with the caller's own contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = COUNTING.try_with(|on| {
            if on.get() {
                LIVE.with(|n| n.set(n.get() - layout.size() as isize));
            }
        });
        // SAFETY: forwarded with the caller's own contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// The number of allocations `f` makes on this thread.
pub fn allocations(f: impl FnOnce()) -> usize {
    ALLOCS.with(|n| n.set(0));
    LIVE.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCS.with(|n| n.get())
}

/// The bytes that `f` left allocated on this thread (allocated minus
/// freed while it ran).
pub fn left_allocated(f: impl FnOnce()) -> isize {
    allocations(f);
    LIVE.with(|n| n.get())
}

//! The counting global allocator behind every zero-allocation test (`*_no_alloc.rs`,
//! `sign_alloc.rs`). Include it with `#[path = "support/counting_alloc.rs"] mod counting_alloc;`:
//! it installs itself as the test binary's global allocator.
//!
//! It counts only allocations made by the measuring thread while measurement is on, so tests
//! running in parallel in the same binary never disturb each other.

#![allow(dead_code)] // each test binary uses the part of this API it needs

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAlloc;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: thread-locals may already be gone while a thread shuts down.
    let _ = MEASURING.try_with(|m| {
        if m.get() {
            let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded unchanged to `System`; counting touches only const-initialised
// thread-locals of `Cell`s, which never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Starts counting this thread's allocations, from zero.
pub(crate) fn start() {
    ALLOCATIONS.with(|a| a.set(0));
    MEASURING.with(|m| m.set(true));
}

/// Pauses counting (the count is kept; `resume` continues it).
pub(crate) fn pause() {
    MEASURING.with(|m| m.set(false));
}

/// Continues counting after `pause`.
pub(crate) fn resume() {
    MEASURING.with(|m| m.set(true));
}

/// Stops counting and returns this thread's allocations since `start`.
pub(crate) fn stop() -> u64 {
    MEASURING.with(|m| m.set(false));
    ALLOCATIONS.with(Cell::get)
}

/// Allocations made by this thread while running `f`.
pub(crate) fn allocations_during(f: impl FnOnce()) -> u64 {
    start();
    f();
    stop()
}

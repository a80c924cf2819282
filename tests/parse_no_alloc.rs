//! Zero heap allocations per frame in steady state, proven with a counting allocator.
//!
//! Only allocations made by the test's own thread while it is measuring are counted, so the
//! test harness's threads cannot disturb the count.

mod parse_support;

use hlmm::types::events::{Channel, FeedEvent};
use hlmm::wire::FeedParser;
use parse_support::{fixture, parser};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::allocations_during;

/// Parses `frame` `n` times from a preallocated buffer (re-copied each time, since parsing
/// overwrites it); returns the number of events seen.
fn parse_repeatedly(p: &mut FeedParser, frame: &[u8], buf: &mut [u8], n: usize) -> usize {
    let mut events = 0;
    for _ in 0..n {
        buf.copy_from_slice(frame);
        let result = p.parse(buf, &mut |e: FeedEvent| {
            std::hint::black_box(&e);
            events += 1;
        });
        assert!(result.is_ok(), "{result:?}");
    }
    events
}

fn assert_steady_state_allocates_nothing(name: &str, channel: Channel) {
    let frame = fixture(name);
    let mut buf = frame.clone();
    let mut p = parser();
    parse_repeatedly(&mut p, &frame, &mut buf, 3);
    let mut events = 0;
    let allocations =
        allocations_during(|| events = parse_repeatedly(&mut p, &frame, &mut buf, 1_000));
    assert_eq!(allocations, 0, "{name}: {allocations} allocations in 1000 frames");
    assert!(events >= 1_000, "{name}: only {events} events");
    assert_eq!(p.counters().frames[channel.index()], 1_003);
}

#[test]
fn a_full_depth_book_frame_allocates_nothing_after_warm_up() {
    assert_steady_state_allocates_nothing("l2book_btc_20.json", Channel::L2Book);
}

#[test]
fn a_trades_frame_allocates_nothing_after_warm_up() {
    assert_steady_state_allocates_nothing("trades_sol.json", Channel::Trades);
}

#[test]
fn user_fills_and_mids_allocate_nothing_after_warm_up() {
    assert_steady_state_allocates_nothing("user_fills_snapshot.json", Channel::UserFills);
    assert_steady_state_allocates_nothing("all_mids.json", Channel::AllMids);
    assert_steady_state_allocates_nothing("order_updates.json", Channel::OrderUpdates);
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the guard: a test that can never fail proves nothing.
    let n = allocations_during(|| {
        std::hint::black_box(vec![1u8; 64]);
    });
    assert_eq!(n, 1);
}

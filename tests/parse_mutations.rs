//! Random damage to real frames never panics the parser, and a rejected frame never emits an
//! event.

mod parse_support;

use parse_support::{fixture, parse, parser, JSON_FIXTURES};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Damage {
    /// Overwrite the byte at (position mod len).
    Set(usize, u8),
    /// Remove the byte at (position mod len).
    Delete(usize),
    /// Insert a byte before (position mod len).
    Insert(usize, u8),
    /// Swap two bytes.
    Swap(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    // Bytes biased towards JSON's own syntax, where damage is most interesting.
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]\",:-.0123456789eE \\nulltruefalse".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(p, b)| Damage::Set(p, b)),
        any::<usize>().prop_map(Damage::Delete),
        (any::<usize>(), byte).prop_map(|(p, b)| Damage::Insert(p, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::Swap(a, b)),
    ]
}

fn apply(frame: &mut Vec<u8>, d: &Damage) {
    if frame.is_empty() {
        return;
    }
    let at = |p: usize| p % frame.len();
    match *d {
        Damage::Set(p, b) => {
            let i = at(p);
            frame[i] = b;
        }
        Damage::Delete(p) => {
            let i = at(p);
            frame.remove(i);
        }
        Damage::Insert(p, b) => {
            let i = at(p);
            frame.insert(i, b);
        }
        Damage::Swap(a, b) => {
            let (i, j) = (at(a), at(b));
            frame.swap(i, j);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4_000, ..ProptestConfig::default() })]

    #[test]
    fn damaged_frames_never_panic_and_rejected_ones_emit_nothing(
        which in 0..JSON_FIXTURES.len(),
        damages in prop::collection::vec(damage(), 1..8),
    ) {
        let mut frame = fixture(JSON_FIXTURES[which]);
        for d in &damages {
            apply(&mut frame, d);
        }
        let mut p = parser();
        let (result, events) = parse(&mut p, &frame);
        if result.is_err() {
            prop_assert!(events.is_empty(), "rejected frame emitted {:?}", events);
        }
        let c = p.counters();
        let frames: u64 = c.frames.iter().sum();
        prop_assert_eq!(frames + c.bad_frames_total() + c.text_frames, 1);
        // The same parser still reads an intact frame.
        prop_assert!(parse(&mut p, &fixture("l2book_btc.json")).0.is_ok());
    }
}

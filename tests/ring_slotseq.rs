//! Correctness of the slot-sequence SPSC ring that `benches/ring.rs` measures against rtrb
//! (`perf/ring.md`): a contender that loses or reorders values would make the comparison
//! meaningless.

#[path = "../benches/ring/slotseq.rs"]
mod slotseq;

#[test]
fn holds_exactly_the_capacity_asked_for() {
    let (mut tx, mut rx) = slotseq::channel::<u32>(3);
    assert_eq!((tx.capacity(), rx.capacity()), (3, 3));
    assert!(rx.is_empty());
    assert_eq!(rx.pop(), None);
    assert_eq!(tx.push(1), Ok(()));
    assert_eq!(tx.push(2), Ok(()));
    assert_eq!(tx.push(3), Ok(()));
    assert_eq!(tx.push(4), Err(4));
    assert_eq!((tx.len(), rx.len()), (3, 3));
    assert_eq!(rx.pop(), Some(1));
    assert_eq!((tx.len(), rx.len()), (2, 2));
    assert_eq!(tx.push(4), Ok(()));
    assert_eq!(tx.push(5), Err(5));
    assert_eq!([rx.pop(), rx.pop(), rx.pop(), rx.pop()], [Some(2), Some(3), Some(4), None]);
    assert!(rx.is_empty());
    assert_eq!((tx.len(), rx.len()), (0, 0));
}

#[test]
fn a_power_of_two_capacity_uses_every_slot() {
    let (mut tx, mut rx) = slotseq::channel::<u8>(4);
    for round in 0..50u8 {
        for i in 0..4 {
            assert_eq!(tx.push(round.wrapping_mul(4).wrapping_add(i)), Ok(()));
        }
        assert_eq!(tx.push(0), Err(0));
        assert_eq!(rx.len(), 4);
        for i in 0..4 {
            assert_eq!(rx.pop(), Some(round.wrapping_mul(4).wrapping_add(i)));
        }
        assert_eq!(rx.pop(), None);
    }
}

#[test]
fn a_capacity_of_one_alternates() {
    let (mut tx, mut rx) = slotseq::channel::<u64>(1);
    for i in 0..1000 {
        assert_eq!(tx.push(i), Ok(()));
        assert_eq!(tx.push(i + 1), Err(i + 1));
        assert!(!rx.is_empty());
        assert_eq!(rx.pop(), Some(i));
        assert_eq!(rx.pop(), None);
    }
}

#[test]
fn wraps_around_many_times_in_order() {
    let (mut tx, mut rx) = slotseq::channel::<u64>(5);
    let mut next = 0;
    for i in 0..100_000u64 {
        while tx.push(i).is_err() {
            assert_eq!(rx.pop(), Some(next));
            next += 1;
        }
    }
    while let Some(v) = rx.pop() {
        assert_eq!(v, next);
        next += 1;
    }
    assert_eq!(next, 100_000);
}

#[test]
#[should_panic(expected = "at least 1")]
fn zero_capacity_is_refused() {
    let _ = slotseq::channel::<u8>(0);
}

/// A value that fills a whole slot line with the stamp, and one spanning many lines.
fn threaded<const N: usize>(capacity: usize, count: u64) {
    let (mut tx, mut rx) = slotseq::channel::<[u64; N]>(capacity);
    let producer = std::thread::spawn(move || {
        for i in 0..count {
            let mut v = [0u64; N];
            for (k, w) in v.iter_mut().enumerate() {
                *w = i.wrapping_mul(31).wrapping_add(k as u64);
            }
            while tx.push(v).is_err() {
                std::hint::spin_loop();
            }
        }
    });
    let mut next = 0;
    while next < count {
        match rx.pop() {
            Some(v) => {
                for (k, w) in v.iter().enumerate() {
                    assert_eq!(*w, next.wrapping_mul(31).wrapping_add(k as u64), "value {next}");
                }
                next += 1;
            }
            None => std::hint::spin_loop(),
        }
    }
    producer.join().expect("producer thread panicked");
    assert_eq!(rx.pop(), None);
}

#[test]
fn a_consumer_thread_sees_every_56_byte_value_in_order() {
    threaded::<7>(64, 300_000);
}

#[test]
fn a_consumer_thread_sees_every_large_value_whole_and_in_order() {
    threaded::<128>(8, 50_000);
}

#[test]
fn a_tiny_ring_between_threads_stays_in_order() {
    threaded::<1>(1, 100_000);
    threaded::<3>(3, 100_000);
}

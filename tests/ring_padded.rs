//! Correctness of the padded SPSC ring that `benches/ring.rs` measures against the engine's ring.
//! It is not part of the engine (it lost, see `perf/ring.md`), but a bench contender that loses
//! or reorders values would make the comparison meaningless.

#[path = "../benches/ring/padded.rs"]
mod padded;

#[test]
fn holds_exactly_the_capacity_asked_for() {
    let (mut tx, mut rx) = padded::channel::<u32>(3);
    assert_eq!(tx.push(1), Ok(()));
    assert_eq!(tx.push(2), Ok(()));
    assert_eq!(tx.push(3), Ok(()));
    assert_eq!(tx.push(4), Err(4));
    assert_eq!(rx.pop(), Some(1));
    assert_eq!(tx.push(4), Ok(()));
    assert_eq!(tx.push(5), Err(5));
    assert_eq!([rx.pop(), rx.pop(), rx.pop(), rx.pop()], [Some(2), Some(3), Some(4), None]);
}

#[test]
fn wraps_around_many_times_in_order() {
    let (mut tx, mut rx) = padded::channel::<u64>(5);
    let mut next = 0;
    for i in 0..10_000u64 {
        while tx.push(i).is_err() {
            assert_eq!(rx.pop(), Some(next));
            next += 1;
        }
    }
    while let Some(v) = rx.pop() {
        assert_eq!(v, next);
        next += 1;
    }
    assert_eq!(next, 10_000);
}

#[test]
fn a_consumer_thread_sees_every_value_in_order() {
    const N: u64 = 200_000;
    let (mut tx, mut rx) = padded::channel::<[u64; 4]>(64);
    let producer = std::thread::spawn(move || {
        for i in 0..N {
            while tx.push([i, i + 1, i + 2, i + 3]).is_err() {
                std::thread::yield_now();
            }
        }
    });
    let mut next = 0;
    while next < N {
        match rx.pop() {
            Some(v) => {
                assert_eq!(v, [next, next + 1, next + 2, next + 3]);
                next += 1;
            }
            None => std::thread::yield_now(),
        }
    }
    producer.join().expect("producer thread panicked");
    assert_eq!(rx.pop(), None);
}

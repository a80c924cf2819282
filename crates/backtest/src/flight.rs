//! backtest::flight: commands between the core and the venue, ordered by the simulated time
//! they next act at (the exchange acting on one, or its reply reaching the core), ties by the
//! order they were issued, so a run is deterministic.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use hlmm_types::commands::Command;
use hlmm_types::outcome::OutcomeEvent;

/// A command between the core and the exchange.
#[derive(Debug)]
pub(crate) enum Flight {
    /// The exchange acts on it now; its reply reaches the core at `reply_at`.
    Act { cmd: Command, reply_at: u64 },
    /// The reply reaches the core.
    Reply(OutcomeEvent),
}

#[derive(Debug)]
struct InFlight {
    at: u64,
    seq: u64,
    what: Flight,
}

impl PartialEq for InFlight {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for InFlight {}
impl PartialOrd for InFlight {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for InFlight {
    /// Reversed: the heap pops the earliest first, then the first issued.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The commands in flight.
#[derive(Debug, Default)]
pub(crate) struct Flights {
    heap: BinaryHeap<InFlight>,
    seq: u64,
}

impl Flights {
    /// `what` happens at `at` (ns).
    pub(crate) fn push(&mut self, at: u64, what: Flight) {
        self.seq += 1;
        self.heap.push(InFlight { at, seq: self.seq, what });
    }

    /// When the next one happens.
    pub(crate) fn next_at(&self) -> Option<u64> {
        self.heap.peek().map(|f| f.at)
    }

    /// The next one.
    pub(crate) fn pop(&mut self) -> Option<Flight> {
        self.heap.pop().map(|f| f.what)
    }
}

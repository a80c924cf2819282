//! backtest::flight: commands between the core and the venue, ordered by the simulated time
//! they next act at (the exchange acting on one, or its reply reaching the core), ties by the
//! order they were issued, so a run is deterministic.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use hlmm_types::commands::Command;
use hlmm_types::outcome::OutcomeEvent;
use hlmm_types::AssetId;

use crate::latency::LatencySampler;
use crate::report::RunCounters;

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

/// Sends what the core issued at `t`: each command draws its own round trip. `quoted` hears
/// the asset of every place and modify (the first quote's time is taken from it).
pub(crate) fn send_all(
    out: &mut Vec<Command>,
    t: u64,
    latency: &mut LatencySampler,
    flights: &mut Flights,
    counters: &mut RunCounters,
    mut quoted: impl FnMut(AssetId),
) {
    for cmd in out.drain(..) {
        counters.commands += 1;
        if let Command::Place(r) | Command::Modify { new: r, .. } = &cmd {
            quoted(r.asset);
        }
        let (act_after, reply_after) = latency.order_ns();
        flights.push(t + act_after, Flight::Act { cmd, reply_at: t + reply_after });
    }
}

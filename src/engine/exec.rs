//! The execution thread: a tokio runtime that turns intents into venue actions and reports
//! every outcome back to the quote thread.
//!
//! It polls the intent ring without parking (a parked consumer costs microseconds to wake): a
//! loop that drains the ring, then yields to the runtime so socket I/O progresses, then spins
//! or yields per the idle policy. Intents are gathered into a batch per block window and handed
//! to an [`OrderGateway`] ([`crate::venue::gateway`]): the venue-specific part (signing,
//! WebSocket `post`, REST fallback). Every command ends in exactly one
//! [`CommandOutcome`](crate::types::outcome::CommandOutcome), which goes back on the lossless
//! outcome ring.
//!
//! Never does: drop an intent (a full outcome ring is counted as a fault), block the quote
//! thread, or log on the send path.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::idle::Idler;
use super::side::Heartbeats;
use crate::msg::{ExecReport, Intent};
use crate::ring::{Delivery, LosslessRx, LosslessTx};
use crate::runtime::{Phase, SharedClock, Shutdown};
use crate::telemetry::{Counter, Counters};
use crate::types::outcome::OutcomeEvent;
use crate::types::Nanos;
use crate::venue::gateway::OrderGateway;

/// Settings of the exec thread.
#[derive(Debug, Clone, Copy)]
pub struct ExecSettings {
    /// How long the first intent of a batch waits for more before the batch goes out. The
    /// venue builds a block about every 0.1–0.5 s and advises batching about every 0.1 s;
    /// we keep it much shorter than a block so latency stays low while bursts still batch.
    pub batch_window: Duration,
    /// Most commands in one batch.
    pub max_batch: usize,
}

/// The exec thread's ring ends.
#[derive(Debug)]
pub struct ExecRings {
    /// Intents from the quote thread.
    pub intents: LosslessRx<Intent>,
    /// Outcomes (and resolved ambiguities) back to the quote thread.
    pub outcomes: LosslessTx<ExecReport>,
}

/// Shared state the exec thread reports into.
#[derive(Debug, Clone)]
pub struct ExecShared {
    /// Engine counters.
    pub counters: Arc<Counters>,
    /// Loop heartbeats for the watchdog.
    pub heartbeats: Arc<Heartbeats>,
    /// Shutdown state.
    pub shutdown: Shutdown,
    /// The clock: batch windows are measured on its monotonic time.
    pub clock: SharedClock,
}

/// Runs the exec loop on a current-thread runtime until shutdown reaches [`Phase::DrainExec`]
/// and the intent ring is empty; then moves shutdown to [`Phase::Done`].
pub fn run(
    settings: ExecSettings,
    mut gateway: Box<dyn OrderGateway>,
    mut rings: ExecRings,
    shared: ExecShared,
    mut idler: Idler,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "Exec thread cannot build its runtime");
            shared.shutdown.request();
            shared.shutdown.advance(Phase::Done);
            return;
        }
    };
    tracing::info!(gateway = gateway.name(), "Exec thread started");
    runtime.block_on(exec_loop(settings, gateway.as_mut(), &mut rings, &shared, &mut idler));
    shared.shutdown.advance(Phase::Done);
}

/// The loop itself: reports in, intents gathered into a batch per window, the batch sent; at
/// [`Phase::DrainExec`] with nothing left, the gateway's drain, then return.
async fn exec_loop(
    settings: ExecSettings,
    gateway: &mut dyn OrderGateway,
    rings: &mut ExecRings,
    shared: &ExecShared,
    idler: &mut Idler,
) {
    let mut batch = Batch::new(settings);
    let mut outcomes: Vec<OutcomeEvent> = Vec::with_capacity(settings.max_batch);
    let mut reports: Vec<ExecReport> = Vec::with_capacity(64);
    loop {
        Heartbeats::beat(&shared.heartbeats.exec);
        rings.outcomes.flush();
        gateway.poll_reports(&mut reports);
        for report in reports.drain(..) {
            push_report(&mut rings.outcomes, shared, report);
        }
        let got = batch.gather(&mut rings.intents, &shared.clock);
        let draining = shared.shutdown.reached(Phase::DrainExec);
        if batch.ready(&shared.clock, draining) {
            outcomes.clear();
            // The reply may take up to the gateway's timeout: keep the heartbeat going
            // meanwhile, so the watchdog does not take a slow venue for a stalled loop.
            beating(&shared.heartbeats, gateway.submit(&batch.intents, &mut outcomes)).await;
            for outcome in outcomes.drain(..) {
                push_report(&mut rings.outcomes, shared, ExecReport::Outcome(outcome));
            }
            shared.counters.add(Counter::IntentsSent, batch.intents.len() as u64);
            batch.clear();
            continue;
        }
        if draining && batch.intents.is_empty() && rings.intents.is_empty() {
            beating(&shared.heartbeats, gateway.drain()).await;
            return;
        }
        if got {
            idler.reset();
        } else {
            // Let the runtime drive sockets and timers, then wait per policy.
            tokio::task::yield_now().await;
            idler.idle();
        }
    }
}

/// The intents gathered for the next submit, and when the first of them arrived.
struct Batch {
    settings: ExecSettings,
    intents: Vec<Intent>,
    /// Monotonic time of the batch's first intent; `None` while empty.
    started: Option<Nanos>,
}

impl Batch {
    fn new(settings: ExecSettings) -> Self {
        Self { settings, intents: Vec::with_capacity(settings.max_batch), started: None }
    }

    /// Moves waiting intents into the batch, up to its size. Returns whether any came.
    fn gather(&mut self, ring: &mut LosslessRx<Intent>, clock: &SharedClock) -> bool {
        let mut got = false;
        while self.intents.len() < self.settings.max_batch {
            let Some(intent) = ring.pop() else { break };
            if self.intents.is_empty() {
                self.started = Some(clock.monotonic());
            }
            self.intents.push(intent);
            got = true;
        }
        got
    }

    /// Whether the batch goes out now: its window has passed, it is full, or exec is draining.
    fn ready(&self, clock: &SharedClock, draining: bool) -> bool {
        let window_ns = self.settings.batch_window.as_nanos() as u64;
        let due = self.started.is_some_and(|t| clock.monotonic().saturating_since(t) >= window_ns);
        !self.intents.is_empty()
            && (due || self.intents.len() == self.settings.max_batch || draining)
    }

    fn clear(&mut self) {
        self.intents.clear();
        self.started = None;
    }
}

/// Awaits `work`, beating the exec heartbeat every [`HEARTBEAT_WHILE_SENDING`] meanwhile.
async fn beating(heartbeats: &Heartbeats, work: impl Future<Output = ()>) {
    tokio::pin!(work);
    loop {
        tokio::select! {
            biased;
            () = &mut work => return,
            () = tokio::time::sleep(HEARTBEAT_WHILE_SENDING) => Heartbeats::beat(&heartbeats.exec),
        }
    }
}

/// How often the exec heartbeat beats while a batch awaits its replies.
const HEARTBEAT_WHILE_SENDING: Duration = Duration::from_millis(100);

fn push_report(ring: &mut LosslessTx<ExecReport>, shared: &ExecShared, report: ExecReport) {
    if ring.push_or_spill(report) != Delivery::Ring {
        // Kept in the spill buffer, delivered first once the quote thread catches up; the
        // quote thread halts on this counter.
        shared.counters.incr(Counter::LosslessRingFull);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::ManualClock;
    use crate::types::commands::Command;

    #[test]
    fn a_batch_goes_out_once_its_window_has_passed_on_the_injected_clock() {
        let manual = ManualClock::new(Nanos(1_700_000_000_000_000_000));
        let clock = manual.shared();
        let settings = ExecSettings { batch_window: Duration::from_millis(2), max_batch: 4 };
        let (mut tx, mut rx) = crate::ring::lossless(8);
        let cancel = Command::CancelAll { asset: None };
        tx.push(Intent { command: cancel, frame_recv: Nanos(0), decided: Nanos(0) })
            .expect("room in the ring");
        let mut batch = Batch::new(settings);
        assert!(batch.gather(&mut rx, &clock));
        assert!(!batch.ready(&clock, false), "the window has not passed");
        assert!(batch.ready(&clock, true), "draining sends at once");
        manual.advance(Duration::from_millis(2));
        assert!(batch.ready(&clock, false), "the window has passed");
        batch.clear();
        assert!(!batch.ready(&clock, true), "an empty batch never goes out");
    }
}

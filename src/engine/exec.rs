//! The execution thread: a tokio runtime that turns intents into venue actions and reports
//! every outcome back to the quote thread.
//!
//! It polls the intent ring without parking (a parked consumer costs microseconds to wake): a
//! loop that drains the ring, then yields to the runtime so socket I/O progresses, then spins
//! or yields per the idle policy. Intents are gathered into a batch per block window and handed
//! to an [`OrderGateway`]: the venue-specific part (signing, WebSocket `post`, REST fallback).
//! Every command ends in exactly one [`CommandOutcome`], which goes back on the lossless
//! outcome ring.
//!
//! Never does: drop an intent (a full outcome ring is counted as a fault), block the quote
//! thread, or log on the send path.

use std::sync::Arc;
use std::time::Duration;

use super::clock::wall_now;
use super::idle::Idler;
use super::quote::Intent;
use super::shutdown::{Phase, Shutdown};
use super::side::Heartbeats;
use crate::ring::{LosslessRx, LosslessTx};
use crate::telemetry::{Counter, Counters};
use crate::types::commands::Command;
use crate::types::events::OrderUpdate;
use crate::types::outcome::{CommandOutcome, NotSentReason, OutcomeEvent};
use crate::types::{AssetId, Cloid};

/// What the exec thread reports to the quote thread over the lossless outcome ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecReport {
    /// The outcome of one command (exactly one per command).
    Outcome(OutcomeEvent),
    /// What the venue said about an order whose action was ambiguous (`orderStatus` by cloid):
    /// applied like an `orderUpdates` item.
    Update(OrderUpdate),
    /// An ambiguous action can no longer land: its `expiresAfter` passed and the venue does
    /// not know the cloid.
    NeverLanded {
        /// The instrument.
        asset: AssetId,
        /// The order (a placement's, or a modify's new leg's).
        cloid: Cloid,
    },
}

/// The venue side of execution: sends a batch of commands and reports one outcome per command.
///
/// Implementations own their sockets and signer. Every command ends in exactly one outcome:
/// `Accepted`, `Rejected`, `NotSent` (nothing left the process) or `Ambiguous` (sent, answer
/// unknown). An outcome is either pushed by `submit` or reported later by
/// [`poll_reports`](Self::poll_reports) (a gateway that keeps several actions in flight answers
/// when each reply arrives).
pub trait OrderGateway: Send {
    /// A short name for logs (`"sim-paper"`, `"hyperliquid"`, …).
    fn name(&self) -> &'static str;

    /// Sends `batch`; pushes into `out` the outcomes known by the time it returns.
    fn submit<'a>(
        &'a mut self,
        batch: &'a [Intent],
        out: &'a mut Vec<OutcomeEvent>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

    /// Reports since the last call (outcomes of earlier batches, ambiguity resolution),
    /// pushed into `out`. Called by the exec loop on every turn; must not block.
    fn poll_reports(&mut self, _out: &mut Vec<ExecReport>) {}

    /// Called once at shutdown, after the last batch: make sure no order of ours rests
    /// (bounded in time). The default does nothing.
    fn drain<'a>(
        &'a mut self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }
}

/// A gateway with no venue behind it: every command is `NotSent(NoConnection)`. The engine uses
/// it when no venue connection is configured, so the core sees honest outcomes.
#[derive(Debug, Default)]
pub struct DisconnectedGateway;

impl OrderGateway for DisconnectedGateway {
    fn name(&self) -> &'static str {
        "disconnected"
    }

    fn submit<'a>(
        &'a mut self,
        batch: &'a [Intent],
        out: &'a mut Vec<OutcomeEvent>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            for intent in batch {
                out.push(outcome_for(
                    &intent.command,
                    CommandOutcome::NotSent(NotSentReason::NoConnection),
                ));
            }
        })
    }
}

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
    runtime.block_on(async {
        let mut batch: Vec<Intent> = Vec::with_capacity(settings.max_batch);
        let mut outcomes: Vec<OutcomeEvent> = Vec::with_capacity(settings.max_batch);
        let mut reports: Vec<ExecReport> = Vec::with_capacity(64);
        let window_ns = settings.batch_window.as_nanos() as u64;
        let mut batch_started = None;
        loop {
            Heartbeats::beat(&shared.heartbeats.exec);
            gateway.poll_reports(&mut reports);
            for report in reports.drain(..) {
                push_report(&mut rings.outcomes, &shared, report);
            }
            let mut got = false;
            while batch.len() < settings.max_batch {
                let Some(intent) = rings.intents.pop() else { break };
                if batch.is_empty() {
                    batch_started = Some(wall_now());
                }
                batch.push(intent);
                got = true;
            }
            let due = batch_started.is_some_and(|t| wall_now().saturating_since(t) >= window_ns);
            let draining = shared.shutdown.reached(Phase::DrainExec);
            if !batch.is_empty() && (due || batch.len() == settings.max_batch || draining) {
                outcomes.clear();
                {
                    // The reply may take up to the gateway's timeout: keep the heartbeat going
                    // meanwhile, so the watchdog does not take a slow venue for a stalled loop.
                    let send = gateway.submit(&batch, &mut outcomes);
                    tokio::pin!(send);
                    loop {
                        tokio::select! {
                            () = &mut send => break,
                            () = tokio::time::sleep(HEARTBEAT_WHILE_SENDING) => {
                                Heartbeats::beat(&shared.heartbeats.exec);
                            }
                        }
                    }
                }
                for outcome in outcomes.drain(..) {
                    push_report(&mut rings.outcomes, &shared, ExecReport::Outcome(outcome));
                }
                shared.counters.add(Counter::IntentsSent, batch.len() as u64);
                batch.clear();
                batch_started = None;
                continue;
            }
            if draining && batch.is_empty() && rings.intents.is_empty() {
                let drain = gateway.drain();
                tokio::pin!(drain);
                loop {
                    tokio::select! {
                        () = &mut drain => break,
                        () = tokio::time::sleep(HEARTBEAT_WHILE_SENDING) => {
                            Heartbeats::beat(&shared.heartbeats.exec);
                        }
                    }
                }
                break;
            }
            if got {
                idler.reset();
            } else {
                // Let the runtime drive sockets and timers, then wait per policy.
                tokio::task::yield_now().await;
                idler.idle();
            }
        }
    });
    shared.shutdown.advance(Phase::Done);
}

/// How often the exec heartbeat beats while a batch awaits its replies.
const HEARTBEAT_WHILE_SENDING: Duration = Duration::from_millis(100);

fn push_report(ring: &mut LosslessTx<ExecReport>, shared: &ExecShared, report: ExecReport) {
    if ring.push(report).is_err() {
        shared.counters.incr(Counter::LosslessRingFull);
    }
}

/// The outcome event answering `command`: keyed by the order's cloid (for a modify, the old
/// leg's, as the order manager expects). A `CancelAll` has no single order; its outcome carries
/// the default cloid and the order manager treats it as a sweep.
pub fn outcome_for(command: &Command, outcome: CommandOutcome) -> OutcomeEvent {
    let cloid = match command {
        Command::Place(req) => req.cloid,
        Command::Modify { cloid, .. } | Command::Cancel { cloid, .. } => *cloid,
        Command::CancelAll { .. } => Cloid::default(),
    };
    OutcomeEvent::new(command.asset().unwrap_or_default(), cloid, command.kind(), outcome)
}

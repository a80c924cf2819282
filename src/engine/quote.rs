//! The quoting thread: pinned, busy-polling, drives the pure core.
//!
//! Each loop iteration drains, in order of importance: the user-stream ring (fills, order
//! updates: lossless), the outcome ring from exec (lossless), the config ring from the side
//! thread (lossless), then the market-data ring (conflating). Every input becomes one
//! `core.on_event(event, now, &mut commands)` call; the commands go to the exec ring stamped
//! with the receive time of the frame that caused them, so exec can measure frame → intent.
//!
//! Never does, in steady state: allocate (the command buffer is preallocated), lock, log, or
//! make a syscall (the system clock is the vDSO). When its input is empty it waits per the
//! [`IdlePolicy`](super::idle::IdlePolicy); only then does it run timers and publish histograms.
//!
//! Snapshots for the side thread (positions, risk state, config confirmations: one
//! [`AssetSnapshot`] per coin into a conflating ring) are published while idle every
//! [`SNAPSHOT_INTERVAL_NS`], and right after a fill batch or a config event once its intents are
//! pushed: never between a frame and its intents, and a full ring only conflates.
//!
//! A full lossless output ring is a fault: the core is killed (cancel everything, halt), the
//! fault is counted, and quoting stays halted until an operator resumes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::health::FeedHealth;
use super::idle::Idler;
use super::reconciler::ReconcileLink;
use super::side::Heartbeats;
use crate::core::orders::BudgetPressure;
use crate::core::venue_sync::ReconcileKind;
use crate::core::{CoreEvent, QuotingCore};
use crate::msg::{
    Activity, AssetSnapshot, ExecReport, Intent, Stamped, SNAPSHOT_INTERVAL_NS,
    SNAPSHOT_OPEN_ORDERS,
};
use crate::ring::{ConflatingRx, ConflatingTx, Delivery, LosslessRx, LosslessTx};
use crate::runtime::{Clock, Phase, Shutdown, SystemClock};
use crate::telemetry::{Counter, Counters, SharedStageHistograms, Stage, StageRecorder};
use crate::types::commands::Command;
use crate::types::events::{FeedEvent, OrderUpdateBatch};
use crate::types::{AssetId, Nanos};
use crate::venue::exec::GatewayStats;

/// Preallocated room for the commands of one event. Ten coins re-quoting both sides with
/// cancel + place is 40 commands; a kill switch over many coins is more, so leave headroom.
const COMMAND_CAPACITY: usize = 512;

/// How often timers run while idle, ns.
const TIMER_INTERVAL_NS: u64 = 10_000_000;

/// The quote thread's ring ends.
#[derive(Debug)]
pub struct QuoteRings {
    /// Market data from the feed (conflating).
    pub md: ConflatingRx<Stamped>,
    /// User stream from the feed (lossless).
    pub user: LosslessRx<Stamped>,
    /// Outcomes and venue-resolved facts from exec (lossless).
    pub outcomes: LosslessRx<ExecReport>,
    /// Control from the side thread: config updates, kill, resume (lossless).
    pub control: LosslessRx<CoreEvent>,
    /// Intents to exec (lossless).
    pub intents: LosslessTx<Intent>,
    /// Snapshots to the side thread (conflating, keyed by the coin's dense index).
    pub snapshots: ConflatingTx<AssetSnapshot>,
    /// The operator's history to the side thread (a full ring drops, counted).
    pub activity: LosslessTx<Activity>,
    /// Venue snapshots from the reconciler and reports back; `None` without an account.
    pub reconcile: Option<ReconcileLink>,
}

/// What the quote loop tracks for its snapshots: preallocated per coin at start.
#[derive(Debug)]
struct SnapshotState {
    /// The core's assets, in dense-index order (the snapshot ring's keys).
    assets: Box<[AssetId]>,
    /// Config events applied / refused per coin.
    applied: Box<[u64]>,
    refused: Box<[u64]>,
    /// Fill batches processed since start.
    fills: u64,
    /// A fill or config event since the last publish.
    due: bool,
    /// When snapshots were last published.
    last: Nanos,
}

/// Shared state the quote thread reads and reports into.
#[derive(Debug, Clone)]
pub struct QuoteShared<C = SystemClock> {
    /// Engine counters.
    pub counters: Arc<Counters>,
    /// Where histograms are published while idle.
    pub histograms: Arc<SharedStageHistograms>,
    /// Feed health (connection state).
    pub health: Arc<FeedHealth>,
    /// Loop heartbeats for the watchdog.
    pub heartbeats: Arc<Heartbeats>,
    /// Set by the side thread's watchdog when a loop stalls.
    pub stalled: Arc<AtomicBool>,
    /// Shutdown state.
    pub shutdown: Shutdown,
    /// The order gateway's gauges (rate-budget pressure); `None` without one.
    pub gateway: Option<Arc<GatewayStats>>,
    /// The clock every `now` comes from: a type parameter, so reading it costs no indirect
    /// call per frame.
    pub clock: C,
}

/// The quoting loop.
#[derive(Debug)]
pub struct QuoteLoop<C = SystemClock> {
    core: QuotingCore,
    rings: QuoteRings,
    shared: QuoteShared<C>,
    idler: Idler,
    recorder: StageRecorder,
    commands: Vec<Command>,
    /// Whether the feed was connected at the last check: a drop is told to the core at once.
    feed_connected: bool,
    /// Last lossless-ring-full count seen; a rise halts quoting.
    lossless_full_seen: u64,
    /// When timers last ran.
    last_timer: Nanos,
    /// The budget pressure last handed to the core (`BudgetPressure as u8`).
    pressure_seen: u8,
    snap: SnapshotState,
}

impl<C: Clock> QuoteLoop<C> {
    /// A quote loop around `core`, whose assets in dense-index order are `assets`.
    pub fn new(
        core: QuotingCore,
        assets: &[AssetId],
        rings: QuoteRings,
        shared: QuoteShared<C>,
        idler: Idler,
    ) -> Self {
        let snap = SnapshotState {
            assets: assets.into(),
            applied: vec![0; assets.len()].into_boxed_slice(),
            refused: vec![0; assets.len()].into_boxed_slice(),
            fills: 0,
            due: true,
            last: Nanos(0),
        };
        let recorder = StageRecorder::new(&shared.histograms);
        Self {
            snap,
            core,
            rings,
            shared,
            idler,
            recorder,
            commands: Vec::with_capacity(COMMAND_CAPACITY),
            feed_connected: false,
            lossless_full_seen: 0,
            last_timer: Nanos(0),
            pressure_seen: 0,
        }
    }

    /// Runs until shutdown reaches [`Phase::DrainQuote`] and every input ring is empty; then
    /// cancels everything through the core, and moves the shutdown to [`Phase::DrainExec`].
    pub fn run(mut self) -> QuotingCore {
        loop {
            Heartbeats::beat(&self.shared.heartbeats.quote);
            let worked = self.poll_once();
            if worked {
                if self.snap.due {
                    // After the burst's intents are pushed: off the frame → intent path.
                    self.publish_snapshots(self.shared.clock.now());
                }
                self.idler.reset();
                continue;
            }
            if self.shared.shutdown.reached(Phase::DrainQuote) {
                break;
            }
            self.idle_work();
            self.idler.idle();
        }
        // Drained: the last act of the core is to pull every quote.
        let now = self.shared.clock.now();
        self.decide(&CoreEvent::Kill, now, Nanos(0));
        self.publish_snapshots(now);
        // The last interval must reach the report: if the side thread has not merged the
        // previous hand-over yet, merge it here (shutdown, not the hot path) and retry.
        if !self.recorder.publish() {
            let _ = self.shared.histograms.snapshot();
            let _ = self.recorder.publish();
        }
        self.shared.shutdown.advance(Phase::DrainExec);
        self.core
    }

    /// Drains what is waiting, most important first. Returns whether anything was processed.
    fn poll_once(&mut self) -> bool {
        let mut worked = false;
        while let Some(msg) = self.rings.user.pop() {
            self.on_feed(msg);
            worked = true;
        }
        while let Some(report) = self.rings.outcomes.pop() {
            self.on_exec_report(report);
            worked = true;
        }
        while let Some(control) = self.rings.control.pop() {
            let applied = self.decide(&control, self.shared.clock.now(), Nanos(0));
            if let CoreEvent::Config { asset, .. } = control {
                self.on_config(asset, applied);
            }
            worked = true;
        }
        // One market-data message per iteration, so lossless input is never starved behind a
        // burst of books.
        if let Some(msg) = self.rings.md.pop() {
            self.on_feed(msg);
            worked = true;
        }
        worked
    }

    fn on_exec_report(&mut self, report: ExecReport) {
        let now = self.shared.clock.now();
        match report {
            ExecReport::Outcome(outcome) => {
                self.decide(&CoreEvent::Outcome(outcome), now, Nanos(0));
                self.record(Activity::Outcome { outcome, at: now });
            }
            ExecReport::Update(update) => {
                // What `orderStatus` said about an ambiguous order: the same as a stream update.
                let mut batch = OrderUpdateBatch::default();
                let _ = batch.push(update);
                self.decide(&CoreEvent::Feed(FeedEvent::OrderUpdates(batch)), now, Nanos(0));
            }
            ExecReport::NeverLanded { asset, cloid } => {
                let _ = self.core.orders_mut().on_expiry_passed(asset, cloid, now);
                // The side is free again: let the quotes follow.
                self.commands.clear();
                self.core.on_timer(now, &mut self.commands);
                self.send_commands(now, Nanos(0));
            }
        }
    }

    /// The hot path: a feed event in, intents out.
    #[inline]
    fn on_feed(&mut self, msg: Stamped) {
        let now = self.shared.clock.now();
        self.recorder.record(Stage::RingWait, now.saturating_since(msg.parsed));
        if let FeedEvent::Fills(batch) = &msg.event {
            self.shared.counters.add(Counter::UserFills, batch.fills.len() as u64);
        }
        self.decide(&CoreEvent::Feed(msg.event), now, msg.recv);
        if let FeedEvent::Fills(batch) = &msg.event {
            // After the fills' intents are pushed: the history never delays the reaction.
            for &fill in batch.fills.as_slice() {
                self.record(Activity::Fill(fill));
            }
            self.snap.fills += 1;
            self.snap.due = true;
        }
    }

    /// One record for the side thread's history; a full ring drops it (counted): the history
    /// is the operator's, the trading state never depends on it.
    #[inline]
    fn record(&mut self, activity: Activity) {
        if self.rings.activity.push(activity).is_err() {
            self.shared.counters.incr(Counter::ActivityDropped);
        }
    }

    /// Returns whether the core accepted the event.
    fn decide(&mut self, event: &CoreEvent, now: Nanos, frame_recv: Nanos) -> bool {
        self.commands.clear();
        // A refused event (unknown asset, rejected config) changed nothing; the core counts
        // it, and the side thread reports the counters.
        let accepted = self.core.on_event(event, now, &mut self.commands).is_ok();
        self.send_commands(now, frame_recv);
        accepted
    }

    fn on_config(&mut self, asset: AssetId, applied: bool) {
        if let Some(i) = self.snap.assets.iter().position(|&a| a == asset) {
            let count = if applied { &mut self.snap.applied[i] } else { &mut self.snap.refused[i] };
            *count += 1;
        }
        self.snap.due = true;
    }

    /// One snapshot per coin into the conflating ring: copies, no allocation, never blocks.
    fn publish_snapshots(&mut self, now: Nanos) {
        self.snap.due = false;
        self.snap.last = now;
        while let Some(transition) = self.core.pop_audit() {
            self.record(Activity::Audit(transition));
        }
        for (index, &asset) in self.snap.assets.iter().enumerate() {
            let (Some(position), Some((state, reason))) =
                (self.core.position(asset), self.core.state(asset))
            else {
                continue;
            };
            let mut snapshot = AssetSnapshot {
                index,
                asset,
                position,
                state,
                reason,
                fills: self.snap.fills,
                configs_applied: self.snap.applied[index],
                configs_refused: self.snap.refused[index],
                quotes_sent: self.core.quotes_sent(asset).unwrap_or(0),
                open_orders: [None; SNAPSHOT_OPEN_ORDERS],
                open_total: 0,
                taken: now,
            };
            for order in self.core.orders().open_orders(asset) {
                if let Some(slot) = snapshot.open_orders.get_mut(usize::from(snapshot.open_total)) {
                    *slot = Some(*order);
                }
                snapshot.open_total = snapshot.open_total.saturating_add(1);
            }
            self.rings.snapshots.push(index, snapshot);
        }
    }

    fn send_commands(&mut self, now: Nanos, frame_recv: Nanos) {
        if self.commands.is_empty() {
            return;
        }
        let decided = self.shared.clock.now();
        self.recorder.record(Stage::Decide, decided.saturating_since(now));
        let mut overflow = false;
        for &command in &self.commands {
            let intent = Intent { command, frame_recv, decided };
            // A full ring spills, in order, rather than dropping the rest of the batch.
            overflow |= self.rings.intents.push_or_spill(intent) != Delivery::Ring;
        }
        let pushed = self.shared.clock.now();
        self.recorder.record(Stage::IntentPush, pushed.saturating_since(decided));
        if frame_recv.0 != 0 {
            self.recorder.record(Stage::FrameToIntent, pushed.saturating_since(frame_recv));
        }
        if overflow {
            // The exec ring is lossless: an intent that does not fit is a fault (halt), kept in
            // the spill buffer and sent once exec catches up.
            self.shared.counters.incr(Counter::LosslessRingFull);
        }
        // The span is closed: now the operator's copy of what went out.
        for i in 0..self.commands.len() {
            let command = self.commands[i];
            self.record(Activity::Sent { command, at: decided });
        }
    }

    /// Applies a venue snapshot from the reconciler, if one is waiting (every 30–60 s). The
    /// snapshot was allocated by the reconciler and is freed here: rare, and never between a
    /// frame and its intents.
    fn reconcile_if_due(&mut self, now: Nanos) {
        let Some(snapshot) = self.rings.reconcile.as_mut().and_then(|l| l.snapshots.pop().ok())
        else {
            return;
        };
        self.commands.clear();
        let report =
            self.core.reconcile(&snapshot, ReconcileKind::Periodic, now, &mut self.commands);
        self.send_commands(now, Nanos(0));
        if let Some(link) = self.rings.reconcile.as_mut() {
            link.agreed.store(report.agreed(), Ordering::Relaxed);
            // A full report ring only loses a log line; the core has applied the corrections.
            let _ = link.reports.push(report);
        }
        self.snap.due = true;
    }

    /// Work that must never delay a frame: runs only when the input rings were empty.
    fn idle_work(&mut self) {
        let now = self.shared.clock.now();
        let connected = self.shared.health.is_connected();
        if connected != self.feed_connected {
            self.feed_connected = connected;
            if !connected {
                // Every book from the dropped socket is invalid at once (fault case 1).
                self.decide(&CoreEvent::FeedDisconnected, now, Nanos(0));
            }
        }
        self.rings.intents.flush();
        let full = self.shared.counters.get(Counter::LosslessRingFull);
        if full != self.lossless_full_seen {
            self.lossless_full_seen = full;
            // A lossless ring overflowed somewhere: fills or intents may be missing. Halt and
            // cancel; an operator must resume after reconciliation.
            self.decide(&CoreEvent::Kill, now, Nanos(0));
        }
        if self.shared.stalled.load(Ordering::Relaxed) {
            self.decide(&CoreEvent::Kill, now, Nanos(0));
        }
        self.reconcile_if_due(now);
        let pressure =
            self.shared.gateway.as_ref().map_or(0, |g| g.pressure.load(Ordering::Relaxed));
        if pressure != self.pressure_seen {
            self.pressure_seen = pressure;
            self.decide(
                &CoreEvent::BudgetPressure(BudgetPressure::from_u8(pressure)),
                now,
                Nanos(0),
            );
        }
        if now.saturating_since(self.last_timer) >= TIMER_INTERVAL_NS {
            self.last_timer = now;
            self.commands.clear();
            self.core.on_timer(now, &mut self.commands);
            self.send_commands(now, Nanos(0));
            self.recorder.publish();
        }
        if self.snap.due || now.saturating_since(self.snap.last) >= SNAPSHOT_INTERVAL_NS {
            self.publish_snapshots(now);
        } else {
            self.rings.snapshots.flush();
        }
    }
}

//! The one interface the gateway reads and commands through. The engine implements it over
//! the side thread's view (`hlmm::operator`); a standalone multi-instance gateway can implement
//! it over Redis. The gateway never touches an engine thread or ring directly.
//!
//! Reads are synchronous and must be cheap and non-blocking (a copy out of a view the owner
//! refreshes); control is asynchronous: the request is queued and the answer arrives on a
//! oneshot channel once the owner (the side thread) has decided.

use tokio::sync::{broadcast, oneshot};

use crate::model::{
    ConfigView, ControlOutcome, ControlRequest, FillEntry, Latency, Orders, PositionUpdate, Risk,
    Status, SymbolConfigView, Symbols,
};

/// Something the engine reports as it happens (the rest of the stream is periodic).
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// One of our fills, as the venue reported it.
    Fill(FillEntry),
    /// A coin's config changed (accepted patch).
    Config(SymbolConfigView),
    /// A coin's risk state changed.
    RiskChanged,
}

/// The control queue is gone or full: the engine is stopping or not keeping up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the engine cannot take control requests now")]
pub struct Unavailable;

/// One metric sample: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Label pairs.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

/// One metric family.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// Name, without the `hlmm_` prefix the exporter adds.
    pub name: &'static str,
    /// Help text.
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: FamilyKind,
    /// The samples.
    pub samples: Vec<Sample>,
}

/// The Prometheus type of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyKind {
    /// Monotonic since start.
    Counter,
    /// Goes up and down.
    Gauge,
}

/// What `/metrics` exports: counters and gauges from the source, stage latency histograms
/// from [`DataSource::latency`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsSnapshot {
    /// Counter and gauge families.
    pub families: Vec<Family>,
}

/// Everything the gateway serves.
pub trait DataSource: Send + Sync + 'static {
    /// Venue, connection, rate budget, dead-man, Redis.
    fn status(&self) -> Status;
    /// Positions and PnL.
    fn positions(&self) -> PositionUpdate;
    /// Open orders, recent history, execution metrics.
    fn orders(&self) -> Orders;
    /// Up to `limit` recent fills, newest first.
    fn fills(&self, limit: usize) -> Vec<FillEntry>;
    /// Risk state, limits and audit.
    fn risk(&self) -> Risk;
    /// Per-symbol config with versions and field rules.
    fn config(&self) -> ConfigView;
    /// Per-stage latency with histogram buckets.
    fn latency(&self) -> Latency;
    /// The scanner.
    fn symbols(&self) -> Symbols;
    /// Counters and gauges for `/metrics`.
    fn metrics(&self) -> MetricsSnapshot;
    /// Events as they happen (fills, config changes, risk changes). A receiver that lags is
    /// told so by the channel.
    fn subscribe(&self) -> broadcast::Receiver<LiveEvent>;
    /// Queues a control request; the answer arrives on the returned channel.
    fn control(
        &self,
        request: ControlRequest,
    ) -> Result<oneshot::Receiver<ControlOutcome>, Unavailable>;
}

//! [`OperatorHub`]: the engine's [`DataSource`] for the API gateway. The side thread publishes
//! the documents into it ([`OperatorHub::publish`]) and live events through it; the gateway's
//! control calls wait in a bounded queue ([`OperatorInbox`]) that the side thread drains each
//! tick. The gateway thread never touches a ring or the config: only this.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use hlmm_api::model::{
    ConfigView, ControlOutcome, ControlRequest, FillEntry, Latency, Orders, PositionUpdate, Risk,
    Status, Symbols,
};
use hlmm_api::{DataSource, LiveEvent, MetricsSnapshot, Unavailable};
use parking_lot::RwLock;
use tokio::sync::{broadcast, oneshot};

/// Control calls waiting for the side thread, at most. Control calls are rate-limited per
/// token; a full queue means the side thread is stuck, and the caller is told so.
const INBOX_CAPACITY: usize = 64;
/// Live events buffered for the gateway's hub.
const LIVE_CAPACITY: usize = 1_024;

/// Everything the side thread publishes for the gateway, replaced as a whole.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// `GET /status`.
    pub status: Status,
    /// `GET /positions`.
    pub positions: PositionUpdate,
    /// `GET /orders`.
    pub orders: Orders,
    /// Recent fills, newest first.
    pub fills: Vec<FillEntry>,
    /// `GET /risk`.
    pub risk: Risk,
    /// `GET /config`.
    pub config: ConfigView,
    /// `GET /latency`.
    pub latency: Latency,
    /// `GET /symbols`.
    pub symbols: Symbols,
    /// `/metrics`.
    pub metrics: MetricsSnapshot,
}

/// One queued control call and where its answer goes.
pub type ControlCall = (ControlRequest, oneshot::Sender<ControlOutcome>);

/// The shared half: the gateway reads it, the side thread writes it.
#[derive(Debug)]
pub struct OperatorHub {
    published: RwLock<Published>,
    live: broadcast::Sender<LiveEvent>,
    inbox: SyncSender<ControlCall>,
}

/// The side thread's half: the control calls to answer.
#[derive(Debug)]
pub struct OperatorInbox {
    rx: Receiver<ControlCall>,
}

impl OperatorInbox {
    /// The next waiting call, if any.
    pub fn next(&self) -> Option<ControlCall> {
        self.rx.try_recv().ok()
    }
}

impl OperatorHub {
    /// A hub and the side thread's inbox.
    pub fn new() -> (Arc<Self>, OperatorInbox) {
        let (tx, rx) = sync_channel(INBOX_CAPACITY);
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        let hub = Self { published: RwLock::new(Published::default()), live, inbox: tx };
        (Arc::new(hub), OperatorInbox { rx })
    }

    /// Replaces what the gateway serves.
    pub fn publish(&self, published: Published) {
        *self.published.write() = published;
    }

    /// Applies `f` to what the gateway serves (a partial refresh).
    pub fn update(&self, f: impl FnOnce(&mut Published)) {
        f(&mut self.published.write());
    }

    /// Tells stream clients about an event now (dropped when nobody listens).
    pub fn announce(&self, event: LiveEvent) {
        let _ = self.live.send(event);
    }

    fn read<T>(&self, f: impl FnOnce(&Published) -> T) -> T {
        f(&self.published.read())
    }
}

impl DataSource for OperatorHub {
    fn status(&self) -> Status {
        self.read(|p| p.status.clone())
    }

    fn positions(&self) -> PositionUpdate {
        self.read(|p| p.positions.clone())
    }

    fn orders(&self) -> Orders {
        self.read(|p| p.orders.clone())
    }

    fn fills(&self, limit: usize) -> Vec<FillEntry> {
        self.read(|p| p.fills.iter().take(limit).cloned().collect())
    }

    fn risk(&self) -> Risk {
        self.read(|p| p.risk.clone())
    }

    fn config(&self) -> ConfigView {
        self.read(|p| p.config.clone())
    }

    fn latency(&self) -> Latency {
        self.read(|p| p.latency.clone())
    }

    fn symbols(&self) -> Symbols {
        self.read(|p| p.symbols.clone())
    }

    fn metrics(&self) -> MetricsSnapshot {
        self.read(|p| p.metrics.clone())
    }

    fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.live.subscribe()
    }

    fn control(
        &self,
        request: ControlRequest,
    ) -> Result<oneshot::Receiver<ControlOutcome>, Unavailable> {
        let (tx, rx) = oneshot::channel();
        self.inbox.try_send((request, tx)).map_err(|_| Unavailable)?;
        Ok(rx)
    }
}

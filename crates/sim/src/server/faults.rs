//! The live fault knobs of one running simulator: the pure [`FaultState`] behind a short lock,
//! read against tokio's clock, and the drop commands broadcast to the WS connections.
//!
//! One [`Faults`] per simulator, shared by the HTTP handlers, the WS connections, the action
//! handler and the block task. The lock is never held across an await; when the venue lock is
//! held too, it is taken second. Writers poll [`Faults::version`] (an atomic) and re-read their
//! frame knobs only when it moved.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, MutexGuard};
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::faults::{
    ActionFaults, DropTarget, FaultConfig, FaultState, FaultUpdate, FrameFaults, HttpFault,
    Maintenance,
};

/// The fault knobs of a running simulator.
#[derive(Debug)]
pub struct Faults {
    state: Mutex<FaultState>,
    /// Bumped on every change, so hot paths can skip the lock when nothing moved.
    version: AtomicU64,
    drops: broadcast::Sender<DropTarget>,
    /// The origin of the fault clock (tokio's, so paused test time moves it).
    origin: Instant,
}

impl Faults {
    /// Fault state starting from `cfg`.
    pub fn new(cfg: FaultConfig) -> Self {
        let (drops, _) = broadcast::channel(64);
        Self {
            state: Mutex::new(FaultState::new(cfg)),
            version: AtomicU64::new(1),
            drops,
            origin: Instant::now(),
        }
    }

    /// The fault clock: ms since this object was made.
    fn now_ms(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64
    }

    /// The standing knobs.
    pub fn config(&self) -> FaultConfig {
        self.state.lock().config().clone()
    }

    /// Applies a partial update now (one-shot commands included).
    pub fn apply(&self, u: FaultUpdate) {
        let drops = self.state.lock().apply(u, self.now_ms());
        self.version.fetch_add(1, Ordering::Release);
        if let Some(t) = drops {
            self.drop_connections(t);
        }
    }

    /// Closes WS connections now (no close frame: the venue drops without announcement).
    pub fn drop_connections(&self, target: DropTarget) {
        // No receiver means no connection: nothing to drop.
        let _ = self.drops.send(target);
    }

    /// Starts a maintenance now: every connection dropped, requests refused for `outage_ms`,
    /// then post-only for `post_only_ms`.
    pub fn start_maintenance(&self, m: Maintenance) {
        self.apply(FaultUpdate { maintenance: Some(m), ..FaultUpdate::default() });
    }

    /// Subscribes a connection to drop commands.
    pub fn drop_commands(&self) -> broadcast::Receiver<DropTarget> {
        self.drops.subscribe()
    }

    /// Whether the `channel` stream of `coin` is stalled.
    pub fn is_stalled(&self, channel: &str, coin: Option<&str>) -> bool {
        self.state.lock().is_stalled(channel, coin)
    }

    /// The frame knobs, for a connection's writer.
    pub fn frame_faults(&self) -> FrameFaults {
        self.state.lock().frame_faults()
    }

    /// A counter that changes on every update; a writer re-reads [`Self::frame_faults`] only
    /// when it moved.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Whether a new connection or request must be refused now (maintenance outage).
    pub fn refusing(&self) -> bool {
        self.state.lock().refusing(self.now_ms())
    }

    /// Takes the HTTP fault for this request, if any (each call spends one).
    pub fn take_http_fault(&self) -> Option<HttpFault> {
        self.state.lock().take_http_fault(self.now_ms())
    }

    /// Whether the post-only window is open now.
    pub fn post_only(&self) -> bool {
        self.state.lock().post_only(self.now_ms())
    }

    /// The action-level faults for one arriving action (spends one `drop_action_responses_next`).
    pub fn take_action_faults(&self) -> ActionFaults {
        self.state.lock().take_action_faults()
    }

    /// The fault state locked, with the fault clock's now, for the order gate of one action.
    pub(super) fn lock_now(&self) -> (MutexGuard<'_, FaultState>, u64) {
        (self.state.lock(), self.now_ms())
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(FaultConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn maintenance_refuses_then_opens_a_post_only_window_on_tokios_clock() {
        let f = Faults::default();
        let mut drops = f.drop_commands();
        f.start_maintenance(Maintenance { outage_ms: 1_000, post_only_ms: 5_000 });
        assert_eq!(drops.try_recv().ok(), Some(DropTarget::All));
        assert_eq!(f.take_http_fault(), Some(HttpFault::Maintenance));
        tokio::time::advance(Duration::from_millis(1_500)).await;
        assert_eq!(f.take_http_fault(), None);
        assert!(f.post_only());
        tokio::time::advance(Duration::from_millis(5_000)).await;
        assert!(!f.post_only());
    }
}

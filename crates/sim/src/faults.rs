//! sim::faults: the simulator's fault knobs (`fault-cases.md`).
//!
//! One [`Faults`] object per simulator, shared by the HTTP handlers, the WS connections and the
//! block task. Knobs are set from the config ([`FaultConfig`]), from `POST /control/faults`
//! ([`FaultUpdate`]) or directly by tests through [`crate::handle::SimHandle::faults`].
//!
//! | knob | effect |
//! |---|---|
//! | `drop_connections` | closes one WS connection or all, without a close frame |
//! | `stall` | a stream stops pushing (per channel and/or coin); the socket stays open, pongs go on |
//! | `frame_delay_ms` | every data frame waits this long before it is written |
//! | `duplicate_every`, `reorder_every`, `malformed_every` | every n-th data frame is sent twice, swapped with the next, or truncated |
//! | `http_429_next`, `http_5xx_next` | the next k `/info` or `/exchange` requests get 429 or 5xx |
//! | `maintenance` | drops every connection, refuses new ones for `outage_ms`, then flags a post-only window |
//! | `drop_action_responses_next`, `reject_next_orders` | action-level: the next k actions are applied without a reply; the next k new orders are rejected with `reject_error` |
//!
//! Runs on the simulator's runtime. Reads are a short uncontended lock or an atomic; never held
//! across an await.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::time::Instant;

/// Which WS connections to drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropTarget {
    /// Every open connection.
    All,
    /// One connection by its id (listed by `GET /control/faults`).
    Conn(u64),
}

/// A stream to stall: a field left out matches everything (`{}` stalls every stream).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StallRule {
    /// Channel name (`l2Book`, `bbo`, `trades`, `allMids`, `activeAssetCtx`), or all.
    #[serde(default)]
    pub channel: Option<String>,
    /// Coin name, or all.
    #[serde(default)]
    pub coin: Option<String>,
}

impl StallRule {
    fn matches(&self, channel: &str, coin: Option<&str>) -> bool {
        self.channel.as_deref().is_none_or(|c| c == channel)
            && self.coin.as_deref().is_none_or(|c| Some(c) == coin)
    }
}

/// The standing knobs (everything but the one-shot commands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultConfig {
    /// Stalled streams.
    pub stall: Vec<StallRule>,
    /// Delay before every data frame, ms (0 = off).
    pub frame_delay_ms: u64,
    /// Every n-th data frame of a connection is sent twice (0 = off).
    pub duplicate_every: u32,
    /// Every n-th data frame is held back and sent after the next one (0 = off).
    pub reorder_every: u32,
    /// Every n-th data frame is cut in half, so it is not valid JSON (0 = off).
    pub malformed_every: u32,
    /// HTTP status used by `http_5xx_next`.
    pub http_5xx_status: u16,
    /// Action-level: the post-only window of a maintenance is open (only ALO orders accepted).
    pub post_only: bool,
    /// Action-level: the error text `reject_next_orders` answers with.
    pub reject_error: String,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            stall: Vec::new(),
            frame_delay_ms: 0,
            duplicate_every: 0,
            reorder_every: 0,
            malformed_every: 0,
            http_5xx_status: 502,
            post_only: false,
            reject_error: "Insufficient margin to place order.".into(),
        }
    }
}

/// A maintenance: disconnect everyone, refuse for a while, then a post-only window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    /// How long new connections and HTTP requests get 503, ms.
    pub outage_ms: u64,
    /// How long the post-only window lasts after the outage, ms.
    pub post_only_ms: u64,
}

/// A partial update from `POST /control/faults`: fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultUpdate {
    /// Replaces the stalled streams (`[]` un-stalls everything).
    pub stall: Option<Vec<StallRule>>,
    /// See [`FaultConfig::frame_delay_ms`].
    pub frame_delay_ms: Option<u64>,
    /// See [`FaultConfig::duplicate_every`].
    pub duplicate_every: Option<u32>,
    /// See [`FaultConfig::reorder_every`].
    pub reorder_every: Option<u32>,
    /// See [`FaultConfig::malformed_every`].
    pub malformed_every: Option<u32>,
    /// See [`FaultConfig::http_5xx_status`].
    pub http_5xx_status: Option<u16>,
    /// See [`FaultConfig::post_only`].
    pub post_only: Option<bool>,
    /// See [`FaultConfig::reject_error`].
    pub reject_error: Option<String>,
    /// The next k HTTP requests get 429.
    pub http_429_next: Option<u32>,
    /// The next k HTTP requests get `http_5xx_status`.
    pub http_5xx_next: Option<u32>,
    /// The next k actions are applied but their responses dropped.
    pub drop_action_responses_next: Option<u32>,
    /// The next k orders are rejected with `reject_error`.
    pub reject_next_orders: Option<u32>,
    /// One-shot: drop connections now.
    pub drop_connections: Option<DropTarget>,
    /// One-shot: start a maintenance now.
    pub maintenance: Option<Maintenance>,
    /// Clears every knob first.
    pub reset: bool,
}

/// Per-frame knobs, copied out for the writer of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameFaults {
    /// Delay before a data frame.
    pub delay: Duration,
    /// See [`FaultConfig::duplicate_every`].
    pub duplicate_every: u32,
    /// See [`FaultConfig::reorder_every`].
    pub reorder_every: u32,
    /// See [`FaultConfig::malformed_every`].
    pub malformed_every: u32,
}

impl FrameFaults {
    /// `true` when no frame knob is on.
    pub fn is_clear(&self) -> bool {
        *self == Self::default()
    }
}

/// What the action handler sees of the faults when an action arrives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionFaults {
    /// Post-only window: reject every order that is not ALO.
    pub post_only: bool,
    /// Apply this action but drop its response (one of the `drop_action_responses_next`).
    pub drop_response: bool,
}

/// An HTTP fault to answer with instead of handling the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpFault {
    /// 429 Too Many Requests.
    TooManyRequests,
    /// A 5xx with this status.
    ServerError(u16),
    /// 503 during a maintenance outage.
    Maintenance,
}

impl HttpFault {
    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            Self::TooManyRequests => 429,
            Self::ServerError(s) => s,
            Self::Maintenance => 503,
        }
    }
}

/// The live fault state of one simulator.
#[derive(Debug)]
pub struct Faults {
    cfg: RwLock<FaultConfig>,
    /// Bumped on every change, so hot paths can skip the lock when nothing is set.
    version: AtomicU64,
    http_429_left: AtomicU32,
    http_5xx_left: AtomicU32,
    drop_responses_left: AtomicU32,
    reject_orders_left: AtomicU32,
    /// Refuse connections and requests until then (maintenance outage).
    refuse_until: RwLock<Option<Instant>>,
    /// Post-only until then (maintenance window), besides `cfg.post_only`.
    post_only_until: RwLock<Option<Instant>>,
    drops: broadcast::Sender<DropTarget>,
}

impl Faults {
    /// Fault state starting from `cfg`.
    pub fn new(cfg: FaultConfig) -> Self {
        let (drops, _) = broadcast::channel(64);
        Self {
            cfg: RwLock::new(cfg),
            version: AtomicU64::new(1),
            http_429_left: AtomicU32::new(0),
            http_5xx_left: AtomicU32::new(0),
            drop_responses_left: AtomicU32::new(0),
            reject_orders_left: AtomicU32::new(0),
            refuse_until: RwLock::new(None),
            post_only_until: RwLock::new(None),
            drops,
        }
    }

    /// The standing knobs.
    pub fn config(&self) -> FaultConfig {
        self.cfg.read().clone()
    }

    /// Applies a partial update (one-shot commands included).
    pub fn apply(&self, u: FaultUpdate) {
        {
            let mut cfg = self.cfg.write();
            if u.reset {
                *cfg = FaultConfig::default();
                for c in [
                    &self.http_429_left,
                    &self.http_5xx_left,
                    &self.drop_responses_left,
                    &self.reject_orders_left,
                ] {
                    c.store(0, Ordering::Relaxed);
                }
                *self.refuse_until.write() = None;
                *self.post_only_until.write() = None;
            }
            if let Some(v) = u.stall {
                cfg.stall = v;
            }
            if let Some(v) = u.frame_delay_ms {
                cfg.frame_delay_ms = v;
            }
            if let Some(v) = u.duplicate_every {
                cfg.duplicate_every = v;
            }
            if let Some(v) = u.reorder_every {
                cfg.reorder_every = v;
            }
            if let Some(v) = u.malformed_every {
                cfg.malformed_every = v;
            }
            if let Some(v) = u.http_5xx_status {
                cfg.http_5xx_status = v;
            }
            if let Some(v) = u.post_only {
                cfg.post_only = v;
            }
            if let Some(v) = u.reject_error {
                cfg.reject_error = v;
            }
        }
        let counters = [
            (u.http_429_next, &self.http_429_left),
            (u.http_5xx_next, &self.http_5xx_left),
            (u.drop_action_responses_next, &self.drop_responses_left),
            (u.reject_next_orders, &self.reject_orders_left),
        ];
        for (v, c) in counters {
            if let Some(v) = v {
                c.store(v, Ordering::Relaxed);
            }
        }
        self.version.fetch_add(1, Ordering::Release);
        if let Some(m) = u.maintenance {
            self.start_maintenance(m);
        }
        if let Some(t) = u.drop_connections {
            self.drop_connections(t);
        }
    }

    /// Closes WS connections now (no close frame: the venue drops without announcement).
    pub fn drop_connections(&self, target: DropTarget) {
        // No receiver means no connection: nothing to drop.
        let _ = self.drops.send(target);
    }

    /// Starts a maintenance: every connection dropped, requests refused for `outage_ms`, then
    /// post-only for `post_only_ms`.
    pub fn start_maintenance(&self, m: Maintenance) {
        let now = Instant::now();
        let outage_end = now + Duration::from_millis(m.outage_ms);
        *self.refuse_until.write() = Some(outage_end);
        *self.post_only_until.write() = Some(outage_end + Duration::from_millis(m.post_only_ms));
        self.version.fetch_add(1, Ordering::Release);
        self.drop_connections(DropTarget::All);
    }

    /// Subscribes a connection to drop commands.
    pub fn drop_commands(&self) -> broadcast::Receiver<DropTarget> {
        self.drops.subscribe()
    }

    /// Whether the `channel` stream of `coin` is stalled.
    pub fn is_stalled(&self, channel: &str, coin: Option<&str>) -> bool {
        let cfg = self.cfg.read();
        !cfg.stall.is_empty() && cfg.stall.iter().any(|r| r.matches(channel, coin))
    }

    /// The frame knobs, for a connection's writer.
    pub fn frame_faults(&self) -> FrameFaults {
        let cfg = self.cfg.read();
        FrameFaults {
            delay: Duration::from_millis(cfg.frame_delay_ms),
            duplicate_every: cfg.duplicate_every,
            reorder_every: cfg.reorder_every,
            malformed_every: cfg.malformed_every,
        }
    }

    /// A counter that changes on every update; a writer re-reads [`Self::frame_faults`] only
    /// when it moved.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Whether a new connection or request must be refused (maintenance outage).
    pub fn refusing(&self) -> bool {
        self.refuse_until.read().is_some_and(|t| Instant::now() < t)
    }

    /// Takes the HTTP fault for this request, if any (each call spends one).
    pub fn take_http_fault(&self) -> Option<HttpFault> {
        if self.refusing() {
            return Some(HttpFault::Maintenance);
        }
        if take_one(&self.http_429_left) {
            return Some(HttpFault::TooManyRequests);
        }
        if take_one(&self.http_5xx_left) {
            return Some(HttpFault::ServerError(self.cfg.read().http_5xx_status));
        }
        None
    }

    /// Whether the post-only window is open.
    pub fn post_only(&self) -> bool {
        self.cfg.read().post_only || self.post_only_until.read().is_some_and(|t| Instant::now() < t)
    }

    /// The action-level faults for one arriving action (spends one `drop_action_responses_next`).
    pub fn take_action_faults(&self) -> ActionFaults {
        let drop_response = take_one(&self.drop_responses_left);
        ActionFaults { post_only: self.post_only(), drop_response }
    }

    /// Spends up to `n` of the `reject_next_orders` counter for an action carrying `n` new
    /// orders: its first `k` orders are rejected with the returned text.
    pub fn take_order_rejects(&self, n: usize) -> (usize, String) {
        let mut k = 0;
        while k < n && take_one(&self.reject_orders_left) {
            k += 1;
        }
        let text = if k > 0 { self.cfg.read().reject_error.clone() } else { String::new() };
        (k, text)
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(FaultConfig::default())
    }
}

/// Decrements `c` if positive; `true` if it did.
fn take_one(c: &AtomicU32) -> bool {
    c.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| v.checked_sub(1)).is_ok()
}

#[cfg(test)]
mod tests;

//! sim::faults: the simulator's fault knobs (`fault-cases.md`) and their state.
//!
//! [`FaultState`] is pure: plain counters and windows, every time-dependent call takes `now_ms`
//! (any monotonic millisecond clock, the same for every call: the server's tokio clock, or a
//! backtest's simulated time), no locks, no runtime. The server shares one behind a lock
//! (`crate::server::Faults`), which reads the clock and broadcasts the drop commands to the
//! WS connections; a fault drill drives a [`FaultState`] directly in simulated time. Knobs are
//! set from the config ([`FaultConfig`]), from `POST /control/faults` ([`FaultUpdate`]) or by
//! tests through `SimHandle::faults` (feature `server`).
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

use std::time::Duration;

use serde::{Deserialize, Serialize};

use hlmm_types::commands::Tif;

/// An order refused during the post-only window after a maintenance. Not a venue string (the
/// venue's text is unknown to us).
pub const POST_ONLY_WINDOW: &str =
    "simulator: only post-only (Alo) orders are accepted during the post-maintenance window";

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

/// The fault state of one simulator: the standing knobs, the one-shot counters and the
/// maintenance windows (ms of the caller's clock).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FaultState {
    cfg: FaultConfig,
    http_429_left: u32,
    http_5xx_left: u32,
    drop_responses_left: u32,
    reject_orders_left: u32,
    /// Refuse connections and requests until then (maintenance outage).
    refuse_until_ms: Option<u64>,
    /// Post-only until then (maintenance window), besides `cfg.post_only`.
    post_only_until_ms: Option<u64>,
}

impl FaultState {
    /// Fault state starting from `cfg`.
    pub fn new(cfg: FaultConfig) -> Self {
        Self { cfg, ..Self::default() }
    }

    /// The standing knobs.
    pub fn config(&self) -> &FaultConfig {
        &self.cfg
    }

    /// Applies a partial update at `now_ms` (one-shot commands included). Returns the WS
    /// connections to drop now, if any (a maintenance drops them all).
    pub fn apply(&mut self, u: FaultUpdate, now_ms: u64) -> Option<DropTarget> {
        if u.reset {
            *self = Self::default();
        }
        let cfg = &mut self.cfg;
        set(&mut cfg.stall, u.stall);
        set(&mut cfg.frame_delay_ms, u.frame_delay_ms);
        set(&mut cfg.duplicate_every, u.duplicate_every);
        set(&mut cfg.reorder_every, u.reorder_every);
        set(&mut cfg.malformed_every, u.malformed_every);
        set(&mut cfg.http_5xx_status, u.http_5xx_status);
        set(&mut cfg.post_only, u.post_only);
        set(&mut cfg.reject_error, u.reject_error);
        set(&mut self.http_429_left, u.http_429_next);
        set(&mut self.http_5xx_left, u.http_5xx_next);
        set(&mut self.drop_responses_left, u.drop_action_responses_next);
        set(&mut self.reject_orders_left, u.reject_next_orders);
        match u.maintenance {
            Some(m) => {
                self.start_maintenance(m, now_ms);
                Some(DropTarget::All)
            }
            None => u.drop_connections,
        }
    }

    /// Starts a maintenance at `now_ms`: requests refused for `outage_ms`, then post-only for
    /// `post_only_ms`. The caller drops every connection.
    pub fn start_maintenance(&mut self, m: Maintenance, now_ms: u64) {
        let outage_end = now_ms.saturating_add(m.outage_ms);
        self.refuse_until_ms = Some(outage_end);
        self.post_only_until_ms = Some(outage_end.saturating_add(m.post_only_ms));
    }

    /// Whether the `channel` stream of `coin` is stalled.
    pub fn is_stalled(&self, channel: &str, coin: Option<&str>) -> bool {
        self.cfg.stall.iter().any(|r| r.matches(channel, coin))
    }

    /// The frame knobs, for a connection's writer.
    pub fn frame_faults(&self) -> FrameFaults {
        FrameFaults {
            delay: Duration::from_millis(self.cfg.frame_delay_ms),
            duplicate_every: self.cfg.duplicate_every,
            reorder_every: self.cfg.reorder_every,
            malformed_every: self.cfg.malformed_every,
        }
    }

    /// Whether a new connection or request must be refused at `now_ms` (maintenance outage).
    pub fn refusing(&self, now_ms: u64) -> bool {
        self.refuse_until_ms.is_some_and(|t| now_ms < t)
    }

    /// Takes the HTTP fault for a request arriving at `now_ms`, if any (each call spends one).
    pub fn take_http_fault(&mut self, now_ms: u64) -> Option<HttpFault> {
        if self.refusing(now_ms) {
            return Some(HttpFault::Maintenance);
        }
        if take_one(&mut self.http_429_left) {
            return Some(HttpFault::TooManyRequests);
        }
        if take_one(&mut self.http_5xx_left) {
            return Some(HttpFault::ServerError(self.cfg.http_5xx_status));
        }
        None
    }

    /// Whether the post-only window is open at `now_ms`.
    pub fn post_only(&self, now_ms: u64) -> bool {
        self.cfg.post_only || self.post_only_until_ms.is_some_and(|t| now_ms < t)
    }

    /// The action-level faults for one arriving action (spends one
    /// `drop_action_responses_next`).
    pub fn take_action_faults(&mut self) -> ActionFaults {
        ActionFaults { drop_response: take_one(&mut self.drop_responses_left) }
    }

    /// The gate the new orders of an action executed at `now_ms` pass: the post-only window
    /// and the `reject_next_orders` counter, spent one per order that reaches it.
    pub fn order_gate(&mut self, now_ms: u64) -> OrderGate<'_> {
        OrderGate {
            post_only: self.post_only(now_ms),
            rejects_left: Some(&mut self.reject_orders_left),
            reject_text: &self.cfg.reject_error,
        }
    }
}

/// The order-level faults one action meets (from [`FaultState::order_gate`]).
#[derive(Debug)]
pub struct OrderGate<'a> {
    post_only: bool,
    rejects_left: Option<&'a mut u32>,
    reject_text: &'a str,
}

impl OrderGate<'_> {
    /// A gate that lets every order through (no faults).
    pub fn open() -> OrderGate<'static> {
        OrderGate { post_only: false, rejects_left: None, reject_text: "" }
    }

    /// Checks one new order with time in force `tif`; `forced_alo` is a modify's replacement
    /// without `a`, which rests as ALO whatever its tif. `Err` is the order's error text.
    pub fn check(&mut self, tif: Tif, forced_alo: bool) -> Result<(), String> {
        if self.rejects_left.as_deref_mut().is_some_and(take_one) {
            return Err(self.reject_text.to_owned());
        }
        if self.post_only && tif != Tif::Alo && !forced_alo {
            return Err(POST_ONLY_WINDOW.to_owned());
        }
        Ok(())
    }
}

/// Overwrites `slot` when the update carries a value.
fn set<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}

/// Decrements `c` if positive; `true` if it did.
fn take_one(c: &mut u32) -> bool {
    match c.checked_sub(1) {
        Some(v) => {
            *c = v;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;

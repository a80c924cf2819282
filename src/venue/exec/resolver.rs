//! The resolver: a task on the exec runtime that asks `orderStatus` by cloid about every
//! ambiguous action that is due, off the send path, and reports what it learns as a synthetic
//! order update (or "never landed", once `expiresAfter` has passed and the venue does not know
//! the cloid). It also reads the address budget back from `userRateLimit`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::budget::RateBudget;
use super::{spec_in, wire_str, GatewayStats, HyperliquidGateway, Pending};
use crate::msg::ExecReport;
use crate::runtime::{Clock, SharedClock};
use crate::types::commands::CommandKind;
use crate::types::events::{OrderStatus, OrderUpdate};
use crate::types::{Cloid, InstrumentSpec, Nanos, Oid, Side, Sz};
use crate::venue::info::InfoClient;

/// Margin after `expiresAfter` before "unknown" is trusted: venue block time and our clock
/// may differ by this much.
const EXPIRY_MARGIN_MS: u64 = 1_000;

impl HyperliquidGateway {
    /// Starts the resolver task on the current runtime; it ends when the gateway is dropped.
    pub(super) fn spawn_resolver(&self) {
        tokio::spawn(resolver_task(Resolver {
            info: self.info.clone(),
            account: wire_str(&self.cfg.account.to_wire()),
            pending: Arc::clone(&self.pending),
            tx: self.reports_tx.clone(),
            specs: self.specs.clone(),
            interval: self.cfg.resolve_interval,
            budget: Arc::clone(&self.budget),
            rate_limit_poll: self.cfg.rate_limit_poll,
            give_up_ms: self.cfg.resolve_give_up.as_millis() as u64,
            stats: Arc::clone(&self.stats),
            clock: Arc::clone(&self.cfg.clock),
        }));
    }
}

/// The resolver task's state.
struct Resolver {
    info: InfoClient,
    account: String,
    pending: Arc<Mutex<Vec<Pending>>>,
    tx: mpsc::UnboundedSender<ExecReport>,
    specs: Vec<InstrumentSpec>,
    interval: Duration,
    budget: Arc<Mutex<RateBudget>>,
    rate_limit_poll: Duration,
    give_up_ms: u64,
    stats: Arc<GatewayStats>,
    clock: SharedClock,
}

/// `userRateLimit` (the fields the budget needs).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserRateLimit {
    n_requests_used: u64,
    n_requests_cap: u64,
}

/// What `orderStatus` said about a cloid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAnswer {
    /// The venue knows the order: its current state, as an order update.
    Known(OrderUpdate),
    /// `unknownOid`.
    Unknown,
}

/// Parses an `orderStatus` reply for `cloid` on `spec`; `None` if malformed.
pub fn parse_order_status(v: &Value, spec: &InstrumentSpec, cloid: Cloid) -> Option<StatusAnswer> {
    match v.get("status").and_then(Value::as_str)? {
        "unknownOid" => Some(StatusAnswer::Unknown),
        "order" => {
            let wrapper = v.get("order")?;
            let o = wrapper.get("order")?;
            let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::as_bytes);
            let status = OrderStatus::from_wire(wrapper.get("status")?.as_str()?.as_bytes());
            let sz = text("sz").and_then(|t| spec.parse_sz(t).ok()).unwrap_or(Sz(0));
            Some(StatusAnswer::Known(OrderUpdate {
                asset: spec.asset,
                side: text("side").and_then(Side::from_wire)?,
                limit_px: text("limitPx").and_then(|t| spec.parse_px(t).ok()).unwrap_or_default(),
                sz,
                orig_sz: text("origSz").and_then(|t| spec.parse_sz(t).ok()).unwrap_or(sz),
                oid: Oid(o.get("oid").and_then(Value::as_u64)?),
                cloid: Some(cloid),
                timestamp: Nanos::from_millis(
                    o.get("timestamp").and_then(Value::as_u64).unwrap_or(0),
                ),
                status,
                status_time: Nanos::from_millis(
                    wrapper.get("statusTimestamp").and_then(Value::as_u64).unwrap_or(0),
                ),
            }))
        }
        _ => None,
    }
}

/// Asks `orderStatus` about every ambiguous action that is due, until the gateway is dropped.
async fn resolver_task(r: Resolver) {
    let mut interval = tokio::time::interval(r.interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_rate_poll_ms = 0;
    loop {
        interval.tick().await;
        if r.tx.is_closed() {
            return;
        }
        let now_ms = r.clock.now().as_millis();
        if now_ms >= next_rate_poll_ms {
            next_rate_poll_ms = now_ms + r.rate_limit_poll.as_millis() as u64;
            let body = serde_json::json!({"type": "userRateLimit", "user": r.account});
            r.budget.lock().spend(now_ms, 20.0);
            match r.info.post::<UserRateLimit>("userRateLimit", &body).await {
                Ok(l) => r.budget.lock().sync_address(l.n_requests_used, l.n_requests_cap),
                Err(e) => tracing::debug!(error = %e, "userRateLimit failed"),
            }
        }
        let due: Vec<Pending> = std::mem::take(&mut *r.pending.lock());
        if due.is_empty() {
            continue;
        }
        let mut keep = Vec::new();
        for p in due {
            if !resolve_one(&r, &p).await {
                let now_ms = r.clock.now().as_millis();
                if now_ms.saturating_sub(p.since_ms) > r.give_up_ms {
                    r.stats.unresolved.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        cloid = %wire_str(&p.cloid.to_wire()),
                        "Ambiguous action still unresolved; left to reconciliation"
                    );
                } else {
                    keep.push(p);
                }
            }
        }
        r.pending.lock().extend(keep);
    }
}

/// One `orderStatus` query; `true` when `p` is settled (reported or nothing to report).
async fn resolve_one(r: &Resolver, p: &Pending) -> bool {
    let Some(spec) = spec_in(&r.specs, p.asset) else { return true };
    r.budget.lock().spend(r.clock.now().as_millis(), 2.0);
    let body = serde_json::json!({
        "type": "orderStatus",
        "user": r.account,
        "oid": wire_str(&p.cloid.to_wire()),
    });
    let Ok(v) = r.info.post::<Value>("orderStatus", &body).await else { return false };
    let Some(answer) = parse_order_status(&v, &spec, p.cloid) else { return false };
    let expired = r.clock.now().as_millis() > p.expires_ms + EXPIRY_MARGIN_MS;
    let report = match (p.kind, answer) {
        // A cancel: only a terminal state says something the order manager can use; an order
        // still open after the cancel expired means the cancel never landed, and the manager
        // re-sends cancels on its own timer.
        (CommandKind::Cancel, StatusAnswer::Known(u)) if u.status.is_terminal() => {
            Some(ExecReport::Update(u))
        }
        (CommandKind::Cancel, _) => return expired,
        (_, StatusAnswer::Known(u)) => Some(ExecReport::Update(u)),
        (_, StatusAnswer::Unknown) if expired => {
            Some(ExecReport::NeverLanded { asset: p.asset, cloid: p.cloid })
        }
        (_, StatusAnswer::Unknown) => None,
    };
    match report {
        Some(rep) => {
            r.stats.resolved.fetch_add(1, Ordering::Relaxed);
            let _ = r.tx.send(rep);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;

//! The documents the gateway serves, built by the side thread from what it holds: the quote
//! thread's snapshots ([`PositionBook`]), the [`Ledger`], the [`ConfigDesk`], the counters,
//! the stage histograms and the order gateway's gauges.

use std::sync::atomic::Ordering;

use hlmm_api::model::{
    Bucket, CoinRisk, ConfigView, ControlAudit, DeadMan, FieldRule, Latency, LimitUsage,
    OpenOrderEntry, Orders, RankedSymbol, RateBudgetUsage, RedisStatus, Risk, StageLatency, Status,
    SymbolConfigView, Symbols,
};
use hlmm_api::source::{Family, FamilyKind, Sample};
use hlmm_api::MetricsSnapshot;

use super::hub::Published;
use super::ledger::{side_name, Ledger, FILLS};
use crate::core::orders::{BudgetPressure, OrderState};
use crate::core::params::rules::{Bound, Field};
use crate::core::risk::TradingState;
use crate::msg::AssetSnapshot;
use crate::sync::schema::SymbolMetrics;
use crate::sync::{ConfigDesk, PositionBook, SyncStatus};
use crate::telemetry::{CountersSnapshot, SharedStageHistograms, Stage};
use crate::types::{InstrumentSpec, Nanos};
use crate::venue::exec::{GatewayStats, DEAD_MAN_ARMED, DEAD_MAN_OFF, DEAD_MAN_REFUSED};

/// Upper bounds of the latency buckets, ns: 250 ns to 100 ms, roughly doubling.
pub const BUCKET_BOUNDS_NS: [u64; 20] = [
    250,
    500,
    1_000,
    2_000,
    3_000,
    5_000,
    7_500,
    10_000,
    15_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    50_000_000,
    100_000_000,
];

/// Order records the gateway keeps for `GET /orders`.
const HISTORY_SERVED: usize = 200;

/// Everything a refresh reads.
#[derive(Debug)]
pub struct ViewInputs<'a> {
    /// Wall time now.
    pub now: Nanos,
    /// Seconds since the engine started.
    pub uptime_s: f64,
    /// `sim`, `testnet`, …
    pub venue: &'a str,
    /// This engine's id.
    pub instance: &'a str,
    /// The feed is connected.
    pub connected: bool,
    /// The operator's kill switch is on.
    pub killed: bool,
    /// The quote thread's latest snapshots.
    pub book: &'a PositionBook,
    /// The config service.
    pub desk: &'a ConfigDesk,
    /// The order history.
    pub ledger: &'a Ledger,
    /// Operator actions, oldest first.
    pub control_audit: &'a [ControlAudit],
    /// Engine counters.
    pub counters: CountersSnapshot,
    /// Stage histograms (merged by the side thread).
    pub histograms: &'a SharedStageHistograms,
    /// The order gateway's gauges.
    pub gateway: Option<&'a GatewayStats>,
    /// Redis, when configured.
    pub redis: Option<SyncStatus>,
    /// The scanner's last ranking and selection, when Redis runs it.
    pub scanner: Option<(&'a [SymbolMetrics], &'a [String])>,
    /// Sequence number of this refresh.
    pub seq: u64,
}

/// Builds every document.
pub fn build(i: &ViewInputs<'_>) -> Published {
    let positions = i.book.position_update(i.seq, i.now, "interval", |c| i.desk.applied_version(c));
    let latency = latency(i.histograms);
    let status = status(i);
    let metrics = metrics(i, &status);
    Published {
        orders: orders(i),
        fills: i.ledger.fills(FILLS),
        risk: risk(i),
        config: config(i.desk),
        symbols: symbols(i),
        positions,
        latency,
        status,
        metrics,
    }
}

fn status(i: &ViewInputs<'_>) -> Status {
    let quoting = i.book.iter().any(|(_, s)| s.is_some_and(|s| s.state != TradingState::Halted));
    let rate_budget = i.gateway.map_or_else(RateBudgetUsage::default, |g| {
        let headroom = g.address_headroom.load(Ordering::Relaxed);
        RateBudgetUsage {
            pressure: format!("{:?}", BudgetPressure::from_u8(g.pressure.load(Ordering::Relaxed))),
            ip_weight_left: g.ip_tokens.load(Ordering::Relaxed),
            address_headroom: (headroom != u64::MAX).then_some(headroom),
            throttled: g.throttled.load(Ordering::Relaxed),
        }
    });
    Status {
        venue: i.venue.to_owned(),
        instance: i.instance.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_s: i.uptime_s,
        connected: i.connected,
        quoting,
        killed: i.killed,
        rate_budget,
        dead_man: dead_man(i.gateway),
        redis: RedisStatus {
            enabled: i.redis.is_some(),
            connected: i.redis.is_some_and(|r| !r.config_source_stale),
        },
    }
}

fn dead_man(gateway: Option<&GatewayStats>) -> DeadMan {
    let code = gateway.map_or(DEAD_MAN_OFF, |g| g.dead_man.load(Ordering::Relaxed));
    let state = match code {
        DEAD_MAN_ARMED => "armed",
        DEAD_MAN_REFUSED => "refused",
        _ => "off",
    };
    DeadMan { armed: code == DEAD_MAN_ARMED, state: state.to_owned() }
}

fn orders(i: &ViewInputs<'_>) -> Orders {
    let mut open = Vec::new();
    for (spec, snap) in i.book.iter() {
        let Some(snap) = snap else { continue };
        for o in snap.open_orders.iter().flatten() {
            open.push(OpenOrderEntry {
                symbol: spec.coin.as_str().to_owned(),
                side: side_name(o.side).to_owned(),
                price: spec.px_to_f64(o.px),
                size: spec.sz_to_f64(o.remaining()),
                cloid: o.cloid.to_string(),
                oid: o.oid.map(|oid| oid.0),
                status: order_status(&o.state).to_owned(),
                placed_ms: o.placed_at.0 / 1_000_000,
            });
        }
    }
    let mut metrics = i.ledger.metrics();
    metrics.rate_budget_used = i.gateway.map_or(0.0, |g| {
        let headroom = g.address_headroom.load(Ordering::Relaxed);
        let sent = g.actions.load(Ordering::Relaxed) as f64;
        if headroom == u64::MAX || sent + headroom as f64 == 0.0 {
            0.0
        } else {
            sent / (sent + headroom as f64)
        }
    });
    Orders { open, history: i.ledger.history(HISTORY_SERVED), metrics }
}

fn risk(i: &ViewInputs<'_>) -> Risk {
    let config = i.desk.config();
    let coins = i
        .book
        .iter()
        .map(|(spec, snap)| {
            let coin = spec.coin.as_str();
            let p = snap.map(|s| s.position).unwrap_or_default();
            let notional = p.notional.to_f64();
            let limits = config.symbol_params(coin).map_or_else(Vec::new, |c| {
                vec![
                    usage("long", notional.max(0.0), c.max_long_usd),
                    usage("short", (-notional).max(0.0), c.max_short_usd),
                    usage("daily_loss", (-p.daily_pnl.to_f64()).max(0.0), c.daily_pnl_stop_loss),
                ]
            });
            CoinRisk {
                symbol: coin.to_owned(),
                state: snap.map_or_else(|| "Unknown".into(), |s| format!("{:?}", s.state)),
                reason: snap.map_or_else(|| "Unknown".into(), |s| format!("{:?}", s.reason)),
                limits,
            }
        })
        .collect();
    Risk {
        coins,
        audit: i.ledger.audit(),
        control_audit: i.control_audit.iter().rev().cloned().collect(),
    }
}

fn usage(name: &str, used: f64, limit: f64) -> LimitUsage {
    // `+ 0.0` turns a negative zero (a flat short side) into 0, so no one reads "-0".
    LimitUsage { name: name.to_owned(), used: used + 0.0, limit, unit: "USD".to_owned() }
}

/// An order's lifecycle state as the API names it (`docs/api.md`): snake case, no fields.
fn order_status(state: &OrderState) -> &'static str {
    match state {
        OrderState::PendingNew => "pending_new",
        OrderState::OpenPendingAck { .. } => "open_pending_ack",
        OrderState::NewAmbiguous => "new_ambiguous",
        OrderState::Open { .. } => "open",
        OrderState::PendingCancel { .. } => "pending_cancel",
        OrderState::CancelAmbiguous { .. } => "cancel_ambiguous",
        OrderState::PendingModify { .. } => "pending_modify",
        OrderState::ModifyAmbiguous { .. } => "modify_ambiguous",
        OrderState::Filled => "filled",
        OrderState::Canceled => "canceled",
        OrderState::Rejected(_) => "rejected",
        OrderState::NotPlaced => "not_placed",
    }
}

/// Every quoted coin's config at its version, and every field's rule.
pub fn config(desk: &ConfigDesk) -> ConfigView {
    let symbols = desk
        .coins()
        .filter_map(|coin| {
            let params = desk.config().symbol_params(coin)?;
            let serde_json::Value::Object(config) = serde_json::to_value(params).ok()? else {
                return None;
            };
            Some(SymbolConfigView { symbol: coin.to_owned(), version: desk.version(coin), config })
        })
        .collect();
    let fields = Field::all()
        .map(|f| {
            let r = f.rule();
            FieldRule {
                name: r.name.to_owned(),
                unit: r.unit.as_str().to_owned(),
                rule: describe(r),
            }
        })
        .collect();
    ConfigView { symbols, fields }
}

/// A rule as a person reads it: `> 0 and ≤ 10000 (0 = off)`.
fn describe(r: &crate::core::params::rules::Rule) -> String {
    let low = match r.min {
        Bound::Inclusive(v) => Some(format!(">= {v}")),
        Bound::Exclusive(v) => Some(format!("> {v}")),
        Bound::Unbounded => None,
    };
    let high = match r.max {
        Bound::Inclusive(v) => Some(format!("<= {v}")),
        Bound::Exclusive(v) => Some(format!("< {v}")),
        Bound::Unbounded => None,
    };
    let mut text = match (low, high) {
        (Some(l), Some(h)) => format!("{l} and {h}"),
        (Some(b), None) | (None, Some(b)) => b,
        (None, None) => "any".to_owned(),
    };
    if r.zero_disables {
        text.push_str(" (0 = off)");
    }
    text
}

fn latency(h: &SharedStageHistograms) -> Latency {
    let summary = h.snapshot();
    let buckets = h.buckets(&BUCKET_BOUNDS_NS);
    let stages = Stage::ALL
        .iter()
        .map(|&stage| {
            let s = summary.get(stage);
            StageLatency {
                stage: stage.name().to_owned(),
                count: s.count,
                p50_ns: s.p50_ns,
                p90_ns: s.p90_ns,
                p99_ns: s.p99_ns,
                p999_ns: s.p999_ns,
                max_ns: s.max_ns,
                buckets: BUCKET_BOUNDS_NS
                    .iter()
                    .zip(&buckets[stage as usize])
                    .map(|(&le_ns, &count)| Bucket { le_ns, count })
                    .collect(),
            }
        })
        .collect();
    Latency { stages }
}

fn symbols(i: &ViewInputs<'_>) -> Symbols {
    let quoted = i.desk.coins().map(str::to_owned).collect();
    let Some((ranked, selected)) = i.scanner else {
        return Symbols { enabled: false, quoted, ..Symbols::default() };
    };
    Symbols {
        enabled: true,
        quoted,
        selected: selected.to_vec(),
        ranked: ranked
            .iter()
            .map(|m| RankedSymbol {
                symbol: m.symbol.clone(),
                volume_24h: m.volume_24h,
                open_interest: m.open_interest,
                is_active: m.is_active,
            })
            .collect(),
    }
}

fn family(
    name: &'static str,
    help: &'static str,
    kind: FamilyKind,
    samples: Vec<Sample>,
) -> Family {
    Family { name, help, kind, samples }
}

fn one(value: f64) -> Vec<Sample> {
    vec![Sample { labels: Vec::new(), value }]
}

fn per_coin(
    i: &ViewInputs<'_>,
    value: impl Fn(&InstrumentSpec, &AssetSnapshot) -> f64,
) -> Vec<Sample> {
    i.book
        .iter()
        .filter_map(|(spec, s)| {
            s.map(|s| Sample {
                labels: vec![("coin".to_owned(), spec.coin.as_str().to_owned())],
                value: value(spec, s),
            })
        })
        .collect()
}

fn metrics(i: &ViewInputs<'_>, status: &Status) -> MetricsSnapshot {
    let mut families = counter_families(i);
    families.extend(coin_families(i));
    families.extend(status_families(status));
    let rejected = i
        .ledger
        .rejected()
        .iter()
        .map(|(class, n)| Sample {
            labels: vec![("class".to_owned(), class.clone())],
            value: *n as f64,
        })
        .collect();
    families.push(family(
        "orders_rejected",
        "Orders the venue rejected, by class",
        FamilyKind::Counter,
        rejected,
    ));
    MetricsSnapshot { families }
}

/// The engine's counters, as Prometheus counters.
fn counter_families(i: &ViewInputs<'_>) -> Vec<Family> {
    use FamilyKind::Counter;
    let c = &i.counters;
    vec![
        family("frames", "WebSocket frames received", Counter, one(c.frames as f64)),
        family("bad_frames", "Frames that failed to parse", Counter, one(c.bad_frames as f64)),
        family("reconnects", "WebSocket reconnects", Counter, one(c.reconnects as f64)),
        family(
            "intents_sent",
            "Intents handed to the venue gateway",
            Counter,
            one(c.intents_sent as f64),
        ),
        family(
            "user_fills",
            "Our fills received (replays included)",
            Counter,
            one(c.user_fills as f64),
        ),
        family(
            "lossless_ring_full",
            "Pushes refused by a full lossless ring",
            Counter,
            one(c.lossless_ring_full as f64),
        ),
        family(
            "activity_dropped",
            "Operator history records dropped",
            Counter,
            one(c.activity_dropped as f64),
        ),
    ]
}

/// Per-coin position, PnL and risk state gauges.
fn coin_families(i: &ViewInputs<'_>) -> Vec<Family> {
    use FamilyKind::Gauge;
    let state_code = |_: &InstrumentSpec, s: &AssetSnapshot| match s.state {
        TradingState::Active => 0.0,
        TradingState::Reducing => 1.0,
        TradingState::Halted => 2.0,
    };
    vec![
        family(
            "position_size",
            "Signed position, coins",
            Gauge,
            per_coin(i, |spec, s| spec.sz_to_f64(s.position.size)),
        ),
        family(
            "position_notional_usd",
            "Signed notional at the mark, USD",
            Gauge,
            per_coin(i, |_, s| s.position.notional.to_f64()),
        ),
        family(
            "pnl_realized_usd",
            "Realised PnL since start, USD",
            Gauge,
            per_coin(i, |_, s| s.position.realised.to_f64()),
        ),
        family(
            "pnl_unrealized_usd",
            "Unrealised PnL, USD",
            Gauge,
            per_coin(i, |_, s| s.position.unrealised.to_f64()),
        ),
        family(
            "pnl_daily_usd",
            "PnL since 00:00 UTC, USD",
            Gauge,
            per_coin(i, |_, s| s.position.daily_pnl.to_f64()),
        ),
        family(
            "risk_state",
            "Trading state: 0 active, 1 reducing, 2 halted",
            Gauge,
            per_coin(i, state_code),
        ),
    ]
}

/// Connection, kill switch, rate budget and Redis, from the status document.
fn status_families(status: &Status) -> Vec<Family> {
    use FamilyKind::{Counter, Gauge};
    vec![
        family(
            "connected",
            "The feed is connected (1) or not (0)",
            Gauge,
            one(f64::from(u8::from(status.connected))),
        ),
        family(
            "killed",
            "The operator's kill switch is on (1)",
            Gauge,
            one(f64::from(u8::from(status.killed))),
        ),
        family(
            "rate_budget_ip_weight_left",
            "IP weight left this minute",
            Gauge,
            one(status.rate_budget.ip_weight_left as f64),
        ),
        family(
            "rate_budget_throttled",
            "Sends refused by the venue's rate limit",
            Counter,
            one(status.rate_budget.throttled as f64),
        ),
        family(
            "redis_connected",
            "Redis connected (1), down (0); absent without Redis",
            Gauge,
            if status.redis.enabled {
                one(f64::from(u8::from(status.redis.connected)))
            } else {
                Vec::new()
            },
        ),
    ]
}

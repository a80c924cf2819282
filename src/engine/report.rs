//! The run summary: per coin (quotes sent, fills, position, PnL, risk state), total PnL, the
//! stage latency percentiles and the counters. The side thread prints it as a compact table every
//! `telemetry.summary_interval_ms`; at the end, `hlmm run` prints it once more and `--report
//! FILE` writes it as JSON ([`Summary`] serialises to the documented shape).
//!
//! Built from copies ([`AssetSnapshot`], [`StageSummary`], [`CountersSnapshot`]); formatting
//! allocates, so it runs on the side thread or after the engine stopped, never on the hot path.

use std::fmt::Write as _;

use serde::Serialize;

use crate::core::risk::{Reason, TradingState};
use crate::msg::AssetSnapshot;
use crate::telemetry::{CountersSnapshot, Stage, StageStats, StageSummary};
use crate::types::{InstrumentSpec, Nanos};

/// One coin's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoinSummary {
    /// The coin.
    pub coin: String,
    /// Place and modify actions sent for it (each is one quote on the wire).
    pub quotes_sent: u64,
    /// Fills counted.
    pub fills: u64,
    /// Signed position, lots.
    pub position_lots: i64,
    /// Signed position, coins.
    pub position: f64,
    /// Position notional at the mark, USD (long positive).
    pub notional_usd: f64,
    /// Realised + unrealised − fees + funding since start, USD.
    pub pnl_usd: f64,
    /// Realised PnL since start, before fees, USD.
    pub realised_usd: f64,
    /// Unrealised PnL at the mark, USD.
    pub unrealised_usd: f64,
    /// Fees paid (negative: rebates earned), USD.
    pub fees_usd: f64,
    /// Funding received (negative: paid), USD.
    pub funding_usd: f64,
    /// `Active`, `Reducing` or `Halted`.
    pub risk_state: String,
    /// Why.
    pub reason: String,
    /// The venue's position after shutdown, lots (final report only, when the venue answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue_position_lots: Option<i64>,
}

impl CoinSummary {
    /// The line for `spec` from the quote thread's snapshot of it.
    pub fn from_snapshot(spec: &InstrumentSpec, s: &AssetSnapshot) -> Self {
        let p = &s.position;
        let pnl = p.realised + p.unrealised - p.fees + p.funding;
        Self {
            coin: spec.coin.as_str().to_owned(),
            quotes_sent: s.quotes_sent,
            fills: p.fills,
            position_lots: p.size.0,
            position: spec.sz_to_f64(p.size),
            notional_usd: p.notional.to_f64(),
            pnl_usd: pnl.to_f64(),
            realised_usd: p.realised.to_f64(),
            unrealised_usd: p.unrealised.to_f64(),
            fees_usd: p.fees.to_f64(),
            funding_usd: p.funding.to_f64(),
            risk_state: state_name(s.state).to_owned(),
            reason: format!("{:?}", s.reason),
            venue_position_lots: None,
        }
    }
}

/// A stage's percentiles, in µs for people and ns in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StageLine {
    /// The stage's name ([`Stage::name`]).
    pub stage: &'static str,
    /// Its numbers.
    #[serde(flatten)]
    pub stats: StageStats,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Seconds since the engine started.
    pub elapsed_s: f64,
    /// One line per quoted coin, in config order.
    pub coins: Vec<CoinSummary>,
    /// Σ of the coins' PnL, USD.
    pub total_pnl_usd: f64,
    /// Per stage, frame received → intent in the exec ring; `frame_to_intent` is the whole span.
    pub stages: Vec<StageLine>,
    /// Engine counters.
    pub counters: CountersSnapshot,
    /// Open orders of the account after shutdown (final report only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue_open_orders: Option<usize>,
}

impl Summary {
    /// A summary of `coins` with the stage and counter copies.
    pub fn new(
        elapsed_s: f64,
        coins: Vec<CoinSummary>,
        stages: &StageSummary,
        counters: CountersSnapshot,
    ) -> Self {
        let total_pnl_usd = coins.iter().map(|c| c.pnl_usd).sum();
        let stages = Stage::ALL
            .iter()
            .map(|&s| StageLine { stage: s.name(), stats: *stages.get(s) })
            .collect();
        Self { elapsed_s, coins, total_pnl_usd, stages, counters, venue_open_orders: None }
    }

    /// The compact terminal table.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "── hlmm {:>7.0}s ── frames {} · intents {} · fills {} · reconnects {} · bad frames {}",
            self.elapsed_s,
            self.counters.frames,
            self.counters.intents_sent,
            self.counters.user_fills,
            self.counters.reconnects,
            self.counters.bad_frames,
        );
        let _ = writeln!(
            out,
            "{:<8} {:>7} {:>6} {:>14} {:>11} {:>10}  {:<9} reason",
            "coin", "quotes", "fills", "position", "notional$", "pnl$", "state"
        );
        for c in &self.coins {
            let _ = writeln!(
                out,
                "{:<8} {:>7} {:>6} {:>14} {:>11.2} {:>10.2}  {:<9} {}",
                c.coin,
                c.quotes_sent,
                c.fills,
                format_position(c.position),
                c.notional_usd,
                c.pnl_usd,
                c.risk_state,
                c.reason
            );
        }
        let _ = writeln!(out, "{:<8} {:>56.2}", "total", self.total_pnl_usd);
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9}   (µs)",
            "stage", "count", "p50", "p99", "p99.9", "max"
        );
        for line in &self.stages {
            let s = &line.stats;
            let us = |ns: u64| ns as f64 / 1_000.0;
            let _ = writeln!(
                out,
                "{:<16} {:>9} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
                line.stage,
                s.count,
                us(s.p50_ns),
                us(s.p99_ns),
                us(s.p999_ns),
                us(s.max_ns)
            );
        }
        out
    }
}

fn format_position(p: f64) -> String {
    format!("{p:+.6}").trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The state's name as operators read it.
pub fn state_name(s: TradingState) -> &'static str {
    match s {
        TradingState::Active => "Active",
        TradingState::Reducing => "Reducing",
        TradingState::Halted => "Halted",
    }
}

/// A snapshot for a coin the quote thread has not published yet: flat, halted at startup.
pub fn startup_snapshot(index: usize, spec: &InstrumentSpec) -> AssetSnapshot {
    AssetSnapshot {
        index,
        asset: spec.asset,
        position: Default::default(),
        state: TradingState::Halted,
        reason: Reason::Startup,
        fills: 0,
        configs_applied: 0,
        configs_refused: 0,
        quotes_sent: 0,
        open_orders: [None; crate::msg::SNAPSHOT_OPEN_ORDERS],
        open_total: 0,
        taken: Nanos(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::positions::PositionSnapshot;
    use crate::types::{AssetId, Coin, Sz, Usd};

    #[test]
    fn the_table_and_the_json_carry_every_coin_total_and_stage() {
        let spec = InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4);
        let mut snap = startup_snapshot(0, &spec);
        snap.quotes_sent = 12;
        snap.state = TradingState::Active;
        snap.reason = Reason::Clear;
        snap.position = PositionSnapshot {
            size: Sz(-2500),
            realised: Usd(3_000_000),
            fees: Usd(-500_000),
            fills: 3,
            ..PositionSnapshot::default()
        };
        let coin = CoinSummary::from_snapshot(&spec, &snap);
        assert_eq!(coin.pnl_usd, 3.5);
        assert_eq!(coin.position, -0.25);
        let summary =
            Summary::new(10.0, vec![coin], &StageSummary::default(), CountersSnapshot::default());
        let table = summary.render();
        assert!(table.contains("ETH") && table.contains("-0.25") && table.contains("Active"));
        assert!(table.contains("frame_to_intent"));
        let json = serde_json::to_value(&summary).expect("serialises");
        assert_eq!(json["coins"][0]["quotes_sent"], 12);
        assert_eq!(json["coins"][0]["fills"], 3);
        assert_eq!(json["total_pnl_usd"], 3.5);
        assert_eq!(json["stages"][5]["stage"], "frame_to_intent");
        assert!(json["stages"][5]["p99_ns"].is_u64());
        assert!(json["counters"]["frames"].is_u64());
    }
}

//! What the core reports besides commands, for telemetry: counters, model numbers, totals.

use crate::strategy::HalfSpread;
use hlmm_types::Usd;

/// Counters of unusual inputs; monotonic, exported by telemetry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreCounters {
    /// Events for assets this core does not trade.
    pub unknown_asset_events: u64,
    /// Book and bbo updates dropped as not newer than the book.
    pub books_dropped: u64,
    /// Fills ignored as duplicates (by tid).
    pub duplicate_fills: u64,
    /// Configs rejected.
    pub configs_rejected: u64,
    /// Liquidation events involving us.
    pub liquidations: u64,
    /// Flattening IOCs sent.
    pub flatten_iocs: u64,
    /// Fills already counted in the venue snapshot a position was taken from (startup replay).
    pub fills_in_venue_snapshot: u64,
}

/// The model's last numbers for one symbol, for telemetry.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ModelSnapshot {
    /// Fair value, USDC.
    pub fair: Option<f64>,
    /// Volatility used, fraction per √second.
    pub sigma: Option<f64>,
    /// Observed full-size fills per day.
    pub fills_per_day: f64,
    /// Half-spread and its terms, when the last decision quoted two-sided.
    pub half_spread: Option<HalfSpread>,
}

/// Totals over every symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Sum of long notionals at the mark, USD.
    pub long_usd: Usd,
    /// Sum of short notionals at the mark, USD (positive).
    pub short_usd: Usd,
    /// Realised PnL since start, USD.
    pub realised: Usd,
    /// Unrealised PnL, USD.
    pub unrealised: Usd,
    /// PnL since 00:00 UTC, USD.
    pub daily_pnl: Usd,
}

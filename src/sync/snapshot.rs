//! The side thread's view of the quote thread's snapshots ([`AssetSnapshot`], one per coin from
//! the snapshot ring), and the design document's position update built from it.
//!
//! [`PositionBook`] lives on the side thread and allocates freely.

use crate::msg::AssetSnapshot;
use crate::types::{InstrumentSpec, Nanos};

use super::schema::{PositionEntry, PositionUpdate};

/// The side thread's latest snapshot of every coin.
#[derive(Debug, Clone)]
pub struct PositionBook {
    instruments: Vec<InstrumentSpec>,
    latest: Vec<Option<AssetSnapshot>>,
    fills: u64,
}

impl PositionBook {
    /// A book over `instruments` (in dense-index order).
    pub fn new(instruments: Vec<InstrumentSpec>) -> Self {
        let latest = vec![None; instruments.len()];
        Self { instruments, latest, fills: 0 }
    }

    /// Takes a snapshot in.
    pub fn update(&mut self, s: AssetSnapshot) {
        self.fills = self.fills.max(s.fills);
        if let Some(slot) = self.latest.get_mut(s.index) {
            *slot = Some(s);
        }
    }

    /// Fill batches seen by the quote thread, as of the latest snapshot.
    pub const fn fills(&self) -> u64 {
        self.fills
    }

    /// The instruments.
    pub fn instruments(&self) -> &[InstrumentSpec] {
        &self.instruments
    }

    /// Every coin's latest snapshot, with its instrument.
    pub fn iter(&self) -> impl Iterator<Item = (&InstrumentSpec, Option<&AssetSnapshot>)> {
        self.instruments.iter().zip(self.latest.iter().map(Option::as_ref))
    }

    /// The design document's position update. `version_of(coin)` is the config version in
    /// force for the coin.
    pub fn position_update(
        &self,
        seq: u64,
        now: Nanos,
        reason: &str,
        version_of: impl Fn(&str) -> u64,
    ) -> PositionUpdate {
        let mut positions = Vec::with_capacity(self.instruments.len());
        let (mut long, mut short, mut realised, mut unrealised, mut daily) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        for (spec, snap) in self.iter() {
            let p = snap.map(|s| s.position).unwrap_or_default();
            let notional = p.notional.to_f64();
            if notional > 0.0 {
                long += notional;
            } else {
                short -= notional;
            }
            realised += p.realised.to_f64();
            unrealised += p.unrealised.to_f64();
            daily += p.daily_pnl.to_f64();
            let coin = spec.coin.as_str();
            positions.push(PositionEntry {
                symbol: coin.to_owned(),
                size: spec.sz_to_f64(p.size),
                entry_price: p.avg_entry.map_or(0.0, |px| spec.px_to_f64(px)),
                current_price: p.mark.map_or(0.0, |px| spec.px_to_f64(px)),
                unrealized_pnl: p.unrealised.to_f64(),
                notional_usd: notional.abs(),
                realized_pnl: p.realised.to_f64(),
                fees: p.fees.to_f64(),
                funding: p.funding.to_f64(),
                daily_pnl: p.daily_pnl.to_f64(),
                risk_state: snap.map_or_else(|| "Unknown".to_owned(), |s| format!("{:?}", s.state)),
                risk_reason: snap
                    .map_or_else(|| "Unknown".to_owned(), |s| format!("{:?}", s.reason)),
                config_version: version_of(coin),
            });
        }
        PositionUpdate {
            timestamp: now.0 / 1_000_000_000,
            positions,
            total_pnl: realised + unrealised,
            total_long_exposure: long,
            total_short_exposure: short,
            seq,
            timestamp_ms: now.0 / 1_000_000,
            total_realized_pnl: realised,
            total_unrealized_pnl: unrealised,
            total_daily_pnl: daily,
            reason: reason.to_owned(),
        }
    }
}

//! Fair value per coin from the book (the mid or the microprice, as configured), leaned by
//! the recent taker flow ([`TakerFlow`]) when `flow_skew_bps` is set.
//!
//! # Taker flow
//!
//! Takers who know where the price goes trade that way first, so the share of recent taker
//! volume that bought, `I = (buys − sells) / (buys + sells) ∈ [−1, 1]` (each an exponentially
//! decayed notional with half-life `flow_halflife_ms`), leads the mid. The fair value is moved
//! by `flow_skew_bps × I` basis points: after one-sided buying both quotes rise, so the ask is
//! further from the buyers and the bid closer to where the price is going.
//!
//! Runs on the quote thread for every book change. Model values are `f64` in USDC; they cross
//! into integer ticks only in `strategy`, through `InstrumentSpec::bid_from_f64` /
//! `ask_from_f64`. Never allocates.

use super::book::Book;
use super::params::FairValueModel;
use hlmm_types::events::Trade;
use hlmm_types::{InstrumentSpec, Nanos, Side};

/// The fair value in USDC under `model`, or `None` when the book has no valid touch (one-sided,
/// crossed or empty): no fair value, no quotes.
pub fn fair_value(book: &Book, spec: &InstrumentSpec, model: FairValueModel) -> Option<f64> {
    match model {
        FairValueModel::Mid => book.mid_f64(spec),
        FairValueModel::Microprice => book.microprice_f64(spec),
    }
}

/// `fair` leaned by the flow imbalance `imbalance ∈ [−1, 1]` at `flow_skew_bps`.
pub fn with_flow(fair: f64, imbalance: f64, flow_skew_bps: f64) -> f64 {
    fair * (1.0 + flow_skew_bps * 1e-4 * imbalance.clamp(-1.0, 1.0))
}

/// Exponentially decayed taker notional per side (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct TakerFlow {
    /// Decayed bought and sold notional at `at`, USD.
    buys: f64,
    sells: f64,
    at: Nanos,
}

impl TakerFlow {
    fn decay(&mut self, now: Nanos, half_life_ns: u64) {
        if now.0 > self.at.0 {
            let tau = half_life_ns.max(1) as f64 / std::f64::consts::LN_2;
            let k = (-((now.0 - self.at.0) as f64) / tau).exp();
            self.buys *= k;
            self.sells *= k;
            self.at = now;
        }
    }

    /// One public trade (`side`: the aggressor's), at `now`.
    pub fn on_trade(&mut self, t: &Trade, spec: &InstrumentSpec, now: Nanos, half_life_ns: u64) {
        self.decay(now, half_life_ns);
        let notional = spec.px_to_f64(t.px) * spec.sz_to_f64(t.sz);
        match t.side {
            Side::Bid => self.buys += notional,
            Side::Ask => self.sells += notional,
        }
    }

    /// `I ∈ [−1, 1]` at `now`; `0` with no flow.
    pub fn imbalance(&self, now: Nanos, half_life_ns: u64) -> f64 {
        let mut f = *self;
        f.decay(now, half_life_ns);
        let total = f.buys + f.sells;
        if total > 0.0 {
            (f.buys - f.sells) / total
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hlmm_types::{AssetId, Coin, Px, Sz};

    const SEC: u64 = 1_000_000_000;

    fn trade(side: Side, lots: i64) -> Trade {
        Trade { asset: AssetId(0), side, px: Px(1_000_000), sz: Sz(lots), ..Trade::default() }
    }

    #[test]
    fn one_sided_buying_gives_an_imbalance_of_one_and_lifts_the_fair_value() {
        let spec = InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5);
        let mut f = TakerFlow::default();
        f.on_trade(&trade(Side::Bid, 100), &spec, Nanos(SEC), 10 * SEC);
        assert_eq!(f.imbalance(Nanos(SEC), 10 * SEC), 1.0);
        assert!((with_flow(100.0, 1.0, 2.0) - 100.02).abs() < 1e-12);
    }

    #[test]
    fn balanced_flow_is_neutral_and_old_flow_fades() {
        let spec = InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5);
        let mut f = TakerFlow::default();
        f.on_trade(&trade(Side::Bid, 100), &spec, Nanos(SEC), 10 * SEC);
        f.on_trade(&trade(Side::Ask, 100), &spec, Nanos(SEC), 10 * SEC);
        assert_eq!(f.imbalance(Nanos(SEC), 10 * SEC), 0.0);
        // A sell one half-life after a buy of the same size weighs twice as much.
        let mut f = TakerFlow::default();
        f.on_trade(&trade(Side::Bid, 100), &spec, Nanos(SEC), 10 * SEC);
        f.on_trade(&trade(Side::Ask, 100), &spec, Nanos(11 * SEC), 10 * SEC);
        let i = f.imbalance(Nanos(11 * SEC), 10 * SEC);
        assert!((i - (0.5 - 1.0) / 1.5).abs() < 1e-9, "{i}");
        assert_eq!(TakerFlow::default().imbalance(Nanos(SEC), SEC), 0.0, "no flow: neutral");
    }
}

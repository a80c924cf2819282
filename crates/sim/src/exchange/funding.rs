//! Funding: premium samples, the venue's rate formula, and hourly settlement on every open
//! position.

use super::{Exchange, ExchangeError};
use crate::accounts::{mul_rate, raw_to_usd};
use crate::actions::{FundingPayment, SimEvent};
use hlmm_types::{AssetId, Nanos, Rate};

impl Exchange {
    /// The hourly funding rate from an average premium (hyperliquid.md §9):
    /// `F = P + clamp(0.0001 − P, −0.0005, 0.0005)` per 8 h, paid hourly as `F / 8`, capped at
    /// 4 % per hour.
    pub fn funding_rate_from_premium(avg_premium: Rate) -> Rate {
        let p = avg_premium.0;
        let f = p + (100_000_000 - p).clamp(-500_000_000, 500_000_000);
        Rate((f / 8).clamp(-40_000_000_000, 40_000_000_000))
    }

    /// Records one premium sample (every 5 s on the venue) for `asset`.
    pub fn sample_premium(&mut self, asset: AssetId, premium: Rate) -> Result<(), ExchangeError> {
        let m = self.market(asset)?;
        self.premiums[m].0 = self.premiums[m].0.saturating_add(premium.0);
        self.premiums[m].1 += 1;
        Ok(())
    }

    /// Settles funding from the premiums sampled since the last settlement (none: the base
    /// rate) and returns the rate applied.
    pub fn settle_funding_from_premiums(
        &mut self,
        asset: AssetId,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> Result<Rate, ExchangeError> {
        let m = self.market(asset)?;
        let (sum, n) = self.premiums[m];
        self.premiums[m] = (0, 0);
        let avg = if n == 0 { Rate::ZERO } else { Rate(sum / i64::from(n)) };
        let rate = Self::funding_rate_from_premium(avg);
        self.settle_funding(asset, rate, now, events)?;
        Ok(rate)
    }

    /// Pays funding at `rate` on every open position in `asset`:
    /// `payment = szi · oraclePx · rate`, positive rate: longs pay shorts.
    pub fn settle_funding(
        &mut self,
        asset: AssetId,
        rate: Rate,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> Result<(), ExchangeError> {
        let m = self.market(asset)?;
        let cfg = self.assets[m];
        for acct in &mut self.accounts {
            let pos = &mut acct.positions[m];
            if pos.szi.0 == 0 {
                continue;
            }
            let value = raw_to_usd(&cfg.spec, pos.value_raw(cfg.oracle_px));
            let payment = mul_rate(value, rate);
            acct.balance = acct.balance - payment;
            let cf = &mut pos.cum_funding;
            cf.all_time = cf.all_time + payment;
            cf.since_open = cf.since_open + payment;
            cf.since_change = cf.since_change + payment;
            let funding =
                FundingPayment { spec: cfg.spec, time: now, usdc: -payment, szi: pos.szi, rate };
            events.push(SimEvent::Funding { user: acct.address, funding });
        }
        Ok(())
    }
}

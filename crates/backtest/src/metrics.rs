//! backtest::metrics: what a run measures, per coin, as it happens.
//!
//! Everything comes from the venue's side: our fills as the exchange made them, the book's
//! mid after every block, our resting orders from the venue's order updates. The core's own
//! accounting is not consulted, so the report checks the strategy rather than repeating it.
//!
//! - **PnL** (USD): average-cost realised PnL, unrealised at the mid, fees paid, rebates,
//!   funding; `total = realised + unrealised − fees + rebates + funding`.
//! - **Markouts** (bp, per fill): `side · (mid(t + h) − fill px) / fill px · 10⁴` at
//!   h = 1 s, 10 s, 60 s. Positive: the fill was worth its price `h` later (spread earned and
//!   kept); negative: adverse selection took more than the spread.
//! - **Inventory** (USD): time-weighted mean and max of |position × mid|.
//! - **Drawdown** (USD): largest fall of the PnL from a running peak, block by block.
//! - **Sharpe**: of hourly PnL changes, annualised (× √8760); `None` under two hours.
//! - **Quote uptime**: share of the time since the coin's first book with a bid and an ask of
//!   ours resting on the venue.

use std::collections::VecDeque;

use hlmm_sim::actions::FillRecord;
use hlmm_types::{InstrumentSpec, Side};

/// Markout horizons, seconds.
pub const MARKOUT_HORIZONS_S: [u64; 3] = [1, 10, 60];
pub(crate) const NS_PER_S: u64 = 1_000_000_000;
const NS_PER_HOUR: u64 = 3_600 * NS_PER_S;
const HOURS_PER_YEAR: f64 = 8_760.0;

/// One fill waiting for its markout: (due, side sign, fill price).
type PendingMarkout = (u64, f64, f64);

/// One coin's running figures.
#[derive(Debug)]
pub(crate) struct CoinMetrics {
    pub(crate) spec: InstrumentSpec,
    pub(crate) fills: u64,
    pub(crate) maker_fills: u64,
    pub(crate) volume_usd: f64,
    /// Position, coins (signed), and its average entry price, USD.
    pub(crate) pos: f64,
    pub(crate) avg_entry: f64,
    pub(crate) realised: f64,
    pub(crate) fees: f64,
    pub(crate) rebates: f64,
    pub(crate) funding: f64,
    pub(crate) mid: Option<f64>,
    pub(crate) markout_sum: [f64; 3],
    pub(crate) markout_n: [u64; 3],
    pub(crate) pending: [VecDeque<PendingMarkout>; 3],
    /// ∫ |position × mid| dt, USD·ns.
    pub(crate) inventory_integral: f64,
    pub(crate) inventory_max: f64,
    pub(crate) last_sample: Option<u64>,
    /// Our resting orders on the venue, per side.
    pub(crate) resting_bids: u32,
    pub(crate) resting_asks: u32,
    pub(crate) two_sided_ns: u64,
    pub(crate) first_book_ns: Option<u64>,
    pub(crate) first_quote_ns: Option<u64>,
    pub(crate) peak: f64,
    pub(crate) max_drawdown: f64,
    /// PnL at each hour boundary.
    pub(crate) hourly: Vec<f64>,
}

impl CoinMetrics {
    pub(crate) fn new(spec: InstrumentSpec) -> Self {
        Self {
            spec,
            fills: 0,
            maker_fills: 0,
            volume_usd: 0.0,
            pos: 0.0,
            avg_entry: 0.0,
            realised: 0.0,
            fees: 0.0,
            rebates: 0.0,
            funding: 0.0,
            mid: None,
            markout_sum: [0.0; 3],
            markout_n: [0; 3],
            pending: Default::default(),
            inventory_integral: 0.0,
            inventory_max: 0.0,
            last_sample: None,
            resting_bids: 0,
            resting_asks: 0,
            two_sided_ns: 0,
            first_book_ns: None,
            first_quote_ns: None,
            peak: 0.0,
            max_drawdown: 0.0,
            hourly: vec![0.0],
        }
    }

    /// One of our fills.
    pub(crate) fn on_fill(&mut self, f: &FillRecord) {
        let qty = self.spec.sz_to_f64(f.sz);
        let px = self.spec.px_to_f64(f.px);
        let sign = if f.side == Side::Bid { 1.0 } else { -1.0 };
        self.fills += 1;
        if !f.crossed {
            self.maker_fills += 1;
        }
        self.volume_usd += qty * px;
        let fee = f.fee.to_f64();
        if fee >= 0.0 {
            self.fees += fee;
        } else {
            self.rebates -= fee;
        }
        let q = sign * qty;
        if self.pos == 0.0 || self.pos.signum() == sign {
            let held = self.pos.abs();
            self.avg_entry = (self.avg_entry * held + px * qty) / (held + qty);
            self.pos += q;
        } else {
            let closing = qty.min(self.pos.abs());
            self.realised += closing * (px - self.avg_entry) * self.pos.signum();
            self.pos += q;
            if qty > closing {
                self.avg_entry = px;
            } else if self.pos.abs() < 1e-12 {
                self.pos = 0.0;
                self.avg_entry = 0.0;
            }
        }
        for (h, queue) in MARKOUT_HORIZONS_S.iter().zip(&mut self.pending) {
            queue.push_back((f.time.0 + h * NS_PER_S, sign, px));
        }
    }

    /// A funding payment, USD (positive: received).
    pub(crate) fn on_funding(&mut self, usdc: f64) {
        self.funding += usdc;
    }

    /// After a block at `now` with the book's mid (USD).
    pub(crate) fn on_block(&mut self, now: u64, mid: Option<f64>) {
        if let Some(m) = mid {
            self.mid = Some(m);
        }
        let Some(mid) = self.mid else { return };
        for (i, queue) in self.pending.iter_mut().enumerate() {
            while queue.front().is_some_and(|p| p.0 <= now) {
                let Some((_, sign, px)) = queue.pop_front() else { break };
                self.markout_sum[i] += sign * (mid - px) / px * 1e4;
                self.markout_n[i] += 1;
            }
        }
        let inventory = (self.pos * mid).abs();
        if let Some(last) = self.last_sample {
            let dt = now.saturating_sub(last);
            self.inventory_integral += inventory * dt as f64;
            if self.resting_bids > 0 && self.resting_asks > 0 {
                self.two_sided_ns += dt;
            }
        }
        self.last_sample = Some(now);
        self.inventory_max = self.inventory_max.max(inventory);
        let pnl = self.pnl();
        self.peak = self.peak.max(pnl);
        self.max_drawdown = self.max_drawdown.max(self.peak - pnl);
    }

    /// At an hour boundary.
    pub(crate) fn on_hour(&mut self) {
        self.hourly.push(self.pnl());
    }

    pub(crate) fn unrealised(&self) -> f64 {
        self.mid.map_or(0.0, |m| self.pos * (m - self.avg_entry))
    }

    /// PnL so far, USD.
    pub(crate) fn pnl(&self) -> f64 {
        self.realised + self.unrealised() - self.fees + self.rebates + self.funding
    }

    /// Signed position notional at the mid, USD.
    pub(crate) fn inventory_usd(&self) -> f64 {
        self.mid.map_or(0.0, |m| self.pos * m)
    }

    pub(crate) fn markout_sums(&self) -> ([f64; 3], [u64; 3]) {
        (self.markout_sum, self.markout_n)
    }

    pub(crate) fn hourly(&self) -> &[f64] {
        &self.hourly
    }

    pub(crate) fn maker_fills(&self) -> u64 {
        self.maker_fills
    }
}

/// Nanoseconds in an hour.
pub(crate) const HOUR_NS: u64 = NS_PER_HOUR;

/// `a / b`, 0 when `b` is 0.
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// PnL per $1M traded.
pub(crate) fn per_million(pnl: f64, volume: f64) -> f64 {
    ratio(pnl * 1e6, volume)
}

/// Annualised Sharpe of the hourly changes of `marks` (PnL at each hour boundary).
pub(crate) fn sharpe(marks: &[f64]) -> Option<f64> {
    let diffs: Vec<f64> = marks.windows(2).map(|w| w[1] - w[0]).collect();
    if diffs.len() < 2 {
        return None;
    }
    let n = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / n;
    let var = diffs.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / (n - 1.0);
    (var > 0.0).then(|| mean / var.sqrt() * HOURS_PER_YEAR.sqrt())
}

/// Max drawdown of a PnL path (the running figure of [`CoinMetrics::on_block`], for tests).
#[cfg(test)]
pub(crate) fn max_drawdown(path: impl IntoIterator<Item = f64>) -> f64 {
    let mut peak = 0.0f64;
    let mut dd = 0.0f64;
    for p in path {
        peak = peak.max(p);
        dd = dd.max(peak - p);
    }
    dd
}

#[cfg(test)]
mod tests;

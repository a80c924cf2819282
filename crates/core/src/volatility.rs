//! Volatility per coin, from mid prices: an EWMA of squared log-returns per unit time, and an
//! average true range over 1-minute bars. Both always run; `SymbolParams::vol_estimator`
//! chooses which one feeds the spread, so a hot switch needs no new warm-up.
//!
//! Units: every estimate is `σ` as a fraction of price per √second, so the spread's volatility
//! term is `k · σ · √horizon_s` whatever the estimator.
//!
//! Warm-up is honest: an estimator reports nothing until it has `vol_warmup_samples` returns
//! (EWMA) or `atr_bars` complete bars (ATR); until then the configured `vol_prior` is used, or,
//! without a prior, the coin is not quoted.
//!
//! Times are the book's venue times (block times), so a replay gives the same numbers. Runs on
//! the quote thread; plain arithmetic, no allocation.

use super::params::{SymbolParams, VolEstimator, NANOS_PER_SEC};
use hlmm_types::Nanos;

/// `E[high − low] = σ √T · √(8/π)` for Brownian motion over `T`: converts an average 1-minute
/// range (as a fraction of price) into `σ` per √second.
const RANGE_TO_SIGMA_PER_MINUTE: f64 = 1.595_769_121_605_730_7; // √(8/π)
const SECONDS_PER_BAR: f64 = 60.0;
const NANOS_PER_BAR: u64 = 60 * NANOS_PER_SEC;

/// Exponentially weighted variance of mid log-returns, per second.
#[derive(Debug, Clone, Copy, Default)]
pub struct EwmaVol {
    /// Variance rate: squared log-return per second (`σ²`).
    var_rate: f64,
    /// `ln(mid)` and venue time of the previous sample.
    last: Option<(f64, Nanos)>,
    /// Returns seen.
    samples: u32,
}

impl EwmaVol {
    /// Adds a mid observed at venue time `t`. A return over `dt` contributes `r² / dt` with
    /// weight `1 − exp(−dt / τ)`, `τ = half_life / ln 2`, so irregular sampling (books arrive
    /// per block, not per clock tick) is weighted by the time it covers. Unchanged mids count:
    /// a zero return is information.
    pub fn update(&mut self, mid: f64, t: Nanos, half_life_ns: u64) {
        if !(mid.is_finite() && mid > 0.0) {
            return;
        }
        let ln = mid.ln();
        match self.last {
            Some((prev, pt)) if t > pt => {
                let dt = (t.0 - pt.0) as f64 / NANOS_PER_SEC as f64;
                let r = ln - prev;
                let tau = half_life_ns as f64 / NANOS_PER_SEC as f64 / std::f64::consts::LN_2;
                let w = 1.0 - (-dt / tau).exp();
                let sample = r * r / dt;
                self.var_rate = if self.samples == 0 {
                    sample
                } else {
                    self.var_rate + w * (sample - self.var_rate)
                };
                self.samples = self.samples.saturating_add(1);
                self.last = Some((ln, t));
            }
            Some(_) => {}
            None => self.last = Some((ln, t)),
        }
    }

    /// `σ` per √second once `warmup` returns were seen.
    pub fn sigma(&self, warmup: u32) -> Option<f64> {
        (self.samples >= warmup).then(|| self.var_rate.sqrt())
    }

    /// Returns seen so far.
    pub fn samples(&self) -> u32 {
        self.samples
    }
}

/// Average true range over 1-minute bars of the mid (Wilder smoothing), as a fraction of the
/// last close.
#[derive(Debug, Clone, Copy, Default)]
pub struct AtrVol {
    /// The bar being built: (minute index since the epoch, high, low, close).
    bar: Option<(u64, f64, f64, f64)>,
    /// Close of the last completed bar.
    prev_close: Option<f64>,
    /// Average true range as a fraction of price.
    atr: f64,
    /// Completed bars.
    bars: u32,
}

impl AtrVol {
    /// Adds a mid at venue time `t`. A bar completes when the first mid of a later minute
    /// arrives; minutes without any mid produce no bar (the gap shows up in the next true
    /// range through the previous close).
    pub fn update(&mut self, mid: f64, t: Nanos, period: u32) {
        if !(mid.is_finite() && mid > 0.0) {
            return;
        }
        let minute = t.0 / NANOS_PER_BAR;
        match self.bar {
            Some((m, hi, lo, close)) if minute > m => {
                self.close_bar(hi, lo, close, period);
                self.bar = Some((minute, mid, mid, mid));
            }
            Some((m, hi, lo, _)) if minute == m => {
                self.bar = Some((m, hi.max(mid), lo.min(mid), mid))
            }
            Some(_) => {}
            None => self.bar = Some((minute, mid, mid, mid)),
        }
    }

    fn close_bar(&mut self, hi: f64, lo: f64, close: f64, period: u32) {
        let range = match self.prev_close {
            Some(pc) => (hi - lo).max((hi - pc).abs()).max((lo - pc).abs()),
            None => hi - lo,
        };
        let tr = range / close;
        let n = f64::from(period.max(1));
        self.bars = self.bars.saturating_add(1);
        // A simple mean over the first `period` bars, Wilder's recursion after.
        let k = f64::from(self.bars).min(n);
        self.atr += (tr - self.atr) / k;
        self.prev_close = Some(close);
    }

    /// `σ` per √second once `period` bars are complete.
    pub fn sigma(&self, period: u32) -> Option<f64> {
        (self.bars >= period.max(1))
            .then(|| self.atr / (RANGE_TO_SIGMA_PER_MINUTE * SECONDS_PER_BAR.sqrt()))
    }

    /// Completed bars so far.
    pub fn bars(&self) -> u32 {
        self.bars
    }
}

/// Short-horizon returns the breaker needs before it may trip.
const BREAKER_WARMUP: u32 = 10;
/// The breaker resets once the short volatility is under this share of its trip level.
const BREAKER_RESET: f64 = 0.7;

/// Both estimators for one coin, and the volatility circuit breaker's short-horizon EWMA.
#[derive(Debug, Clone, Copy, Default)]
pub struct Volatility {
    /// The EWMA estimator.
    pub ewma: EwmaVol,
    /// The ATR estimator.
    pub atr: AtrVol,
    /// Short-horizon EWMA (`vol_breaker_halflife_ms`).
    pub short: EwmaVol,
    /// The breaker has tripped and not yet reset.
    tripped: bool,
}

impl Volatility {
    /// Feeds a mid at venue time `t` to the estimators, then moves the breaker: it trips when
    /// the short-horizon σ exceeds `vol_breaker_ratio` × the spread's σ, and resets when it is
    /// back under [`BREAKER_RESET`] of that (hysteresis, so it does not flicker).
    pub fn update(&mut self, mid: f64, t: Nanos, p: &SymbolParams) {
        self.ewma.update(mid, t, p.ewma_half_life);
        self.atr.update(mid, t, p.atr_bars);
        self.short.update(mid, t, p.vol_breaker_half_life);
        let (Some(short), Some(long)) = (self.short.sigma(BREAKER_WARMUP), self.sigma(p)) else {
            return;
        };
        let limit = p.vol_breaker_ratio * long;
        if p.vol_breaker_ratio <= 0.0 {
            self.tripped = false;
        } else if short > limit {
            self.tripped = true;
        } else if short < BREAKER_RESET * limit {
            self.tripped = false;
        }
    }

    /// `true` while the circuit breaker holds two-sided quoting.
    pub fn breaker_tripped(&self) -> bool {
        self.tripped
    }

    /// The `σ` per √second the spread uses: the configured estimator once warm, else the prior,
    /// else `None` (do not quote).
    pub fn sigma(&self, p: &SymbolParams) -> Option<f64> {
        let warm = match p.vol_estimator {
            VolEstimator::Ewma => self.ewma.sigma(p.vol_warmup_samples),
            VolEstimator::Atr => self.atr.sigma(p.atr_bars),
        };
        warm.or(p.vol_prior)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = NANOS_PER_SEC;

    #[test]
    fn the_breaker_trips_on_a_volatility_burst_and_resets_once_calm() {
        let p = SymbolParams {
            vol_breaker_ratio: 3.0,
            vol_breaker_half_life: 5 * SEC,
            vol_prior: Some(1e-4),
            ..SymbolParams::default()
        };
        let mut v = Volatility::default();
        let mut mid = 100.0;
        let mut t = 0;
        // Calm: ±0.5 bp a second, under the 1 bp/√s prior.
        for k in 0..60 {
            t += SEC;
            mid *= if k % 2 == 0 { 1.000_05 } else { 1.0 / 1.000_05 };
            v.update(mid, Nanos(t), &p);
        }
        assert!(!v.breaker_tripped(), "calm");
        // A burst: ±20 bp a second.
        for k in 0..10 {
            t += SEC;
            mid *= if k % 2 == 0 { 1.002 } else { 1.0 / 1.002 };
            v.update(mid, Nanos(t), &p);
        }
        assert!(v.breaker_tripped(), "burst");
        // Calm again, long enough for the 5 s half-life to forget the burst.
        for k in 0..120 {
            t += SEC;
            mid *= if k % 2 == 0 { 1.000_05 } else { 1.0 / 1.000_05 };
            v.update(mid, Nanos(t), &p);
        }
        assert!(!v.breaker_tripped(), "reset by rule");
        let off = SymbolParams { vol_breaker_ratio: 0.0, ..p };
        let mut v = Volatility::default();
        for k in 0..40 {
            mid *= if k % 2 == 0 { 1.002 } else { 1.0 / 1.002 };
            v.update(mid, Nanos((k + 1) * SEC), &off);
        }
        assert!(!v.breaker_tripped(), "ratio 0: off");
    }

    #[test]
    fn ewma_of_a_constant_return_rate_recovers_sigma() {
        // Alternating ±r every second: r² per second is the variance rate.
        let mut v = EwmaVol::default();
        let r: f64 = 0.001;
        let mut ln = 100f64.ln();
        for i in 0..1_000u64 {
            ln += if i % 2 == 0 { r } else { -r };
            v.update(ln.exp(), Nanos(i * SEC), 60 * SEC);
        }
        let sigma = v.sigma(10).expect("warm");
        assert!((sigma - r).abs() / r < 1e-6, "sigma {sigma}");
    }

    #[test]
    fn estimators_report_nothing_before_warm_up() {
        let mut vol = Volatility::default();
        let p = SymbolParams {
            vol_warmup_samples: 5,
            atr_bars: 3,
            vol_prior: None,
            ..SymbolParams::default()
        };
        for i in 0..5u64 {
            vol.update(100.0 + i as f64, Nanos(i * SEC), &p);
            assert_eq!(vol.sigma(&p), None, "sample {i}");
        }
        vol.update(101.0, Nanos(5 * SEC), &p);
        assert!(vol.sigma(&p).is_some());
        let atr = SymbolParams { vol_estimator: VolEstimator::Atr, ..p };
        assert_eq!(vol.sigma(&atr), None, "no bar has completed");
        assert_eq!(vol.sigma(&SymbolParams { vol_prior: Some(1e-4), ..atr }), Some(1e-4));
    }

    #[test]
    fn atr_counts_true_range_across_gaps() {
        let mut a = AtrVol::default();
        let min = 60 * SEC;
        // Bar 0: 100..101, close 101. Bar 1 (after an empty minute): gaps to 105..106.
        a.update(100.0, Nanos(0), 2);
        a.update(101.0, Nanos(30 * SEC), 2);
        a.update(105.0, Nanos(2 * min), 2);
        a.update(106.0, Nanos(2 * min + SEC), 2);
        a.update(106.0, Nanos(3 * min), 2);
        assert_eq!(a.bars(), 2);
        let tr0 = 1.0 / 101.0;
        let tr1 = (106.0 - 101.0) / 106.0;
        let expected = (tr0 + tr1) / 2.0 / (RANGE_TO_SIGMA_PER_MINUTE * 60f64.sqrt());
        let got = a.sigma(2).expect("warm");
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    }

    #[test]
    fn out_of_order_samples_are_ignored() {
        let mut v = EwmaVol::default();
        v.update(100.0, Nanos(10 * SEC), SEC);
        v.update(200.0, Nanos(5 * SEC), SEC);
        v.update(100.0, Nanos(10 * SEC), SEC);
        assert_eq!(v.samples(), 0);
    }
}

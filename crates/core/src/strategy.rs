//! Quote prices and sizes: half-spread from volatility and target return, inventory skew,
//! sizes from `notional_per_side`.
//!
//! # The half-spread
//!
//! As a fraction `h` of the fair value `F` (so `bid ≈ r·(1 − h)`, `ask ≈ r·(1 + h)` around the
//! reservation price `r`), the largest of:
//!
//! - **tick**: `tick_at(F) / F`, the venue's grid step; a quote cannot be closer.
//! - **floor**: `max(min_half_spread_bps, maker_fee_bps + edge_bps) / 10⁴`: never inside the
//!   account's own maker fee, plus the edge asked for on top of it.
//! - **volatility**: `vol_k · σ · √(vol_horizon in s)`, with `σ` the mid's volatility as a
//!   fraction per √second (`volatility`). The price moves about `σ√T` while a quote rests for
//!   `T`; quoting inside that gives the edge away to the next move.
//! - **return**: the edge per fill needed to earn `daily_return_bps` of the deployed notional
//!   per day at the fill rate observed online. With `N = notional_per_side`, deployed notional
//!   `D = 2N` (one quote per side), target per day `R = daily_return_bps / 10⁴ · D` USD, and
//!   `n` = observed fills per day counted in full-size fills (filled notional per day ÷ `N`),
//!   each full-size fill must earn `R / n` USD, which is `h·N` at a half-spread `h`:
//!   `h_return = R / (n·N) = 2 · daily_return_bps / 10⁴ / n` (dimensionless).
//!   `n` comes from [`FillRate`] and is floored at `fills_per_day_floor`; the term is capped at
//!   `max_half_spread_bps`. The cap matters: fewer fills widen the spread, which brings fewer
//!   fills; without the cap and floor that loop has no fixed point.
//!
//! # Skew
//!
//! `q = position notional / its limit` (long against `max_long_usd`, short against
//! `max_short_usd`), clamped to `[−1, 1]`. The reservation price is
//! `r = F · (1 − inventory_skew · q · h)`: a long position lowers both quotes (sell sooner, buy
//! less eagerly), a short one raises them.
//!
//! # Crossing into ticks and lots
//!
//! `bid_from_f64` rounds down and `ask_from_f64` rounds up onto the venue's price grid: the
//! only place where the model's `f64` becomes a [`Px`]. Quotes are then kept behind the
//! opposite touch (post-only would be rejected otherwise). Sizes are `notional_per_side /
//! price`, rounded down to lots; an order below the venue's $10 minimum is not quoted at all.
//!
//! Runs on the quote thread per book change. Plain arithmetic; no allocation, no clock.

use super::params::{SymbolParams, NANOS_PER_SEC};
use hlmm_types::events::Level;
use hlmm_types::{InstrumentSpec, Nanos, Px, Sz, Usd};

const SECONDS_PER_DAY: f64 = 86_400.0;
const BPS: f64 = 1e-4;

/// The half-spread and the terms it is the largest of, all as fractions of the fair value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HalfSpread {
    /// The half-spread used: the largest term.
    pub total: f64,
    /// The venue tick.
    pub tick: f64,
    /// The floor: the configured one, or the maker fee plus the edge if higher.
    pub floor: f64,
    /// `k · σ · √horizon`.
    pub vol: f64,
    /// The return term, after its cap.
    pub ret: f64,
}

/// Computes the half-spread (see the module docs for the formula and units).
///
/// - `sigma`: volatility, fraction per √second.
/// - `fills_per_day`: observed fill rate, full-size fills per day.
/// - `tick_frac`: the venue tick at the fair value, as a fraction of it.
pub fn half_spread(p: &SymbolParams, sigma: f64, fills_per_day: f64, tick_frac: f64) -> HalfSpread {
    let floor = p.min_half_spread_bps.max(p.maker_fee_bps + p.edge_bps) * BPS;
    let horizon_s = p.vol_horizon as f64 / NANOS_PER_SEC as f64;
    let vol = p.vol_k * sigma * horizon_s.sqrt();
    let n = fills_per_day.max(p.fills_per_day_floor);
    let ret = (2.0 * f64::from(p.daily_return_bps) * BPS / n).min(p.max_half_spread_bps * BPS);
    let total = tick_frac.max(floor).max(vol).max(ret);
    HalfSpread { total, tick: tick_frac, floor, vol, ret }
}

/// The observed fill rate: filled notional per unit time, exponentially weighted, in
/// full-size fills (`notional_per_side`) per day.
///
/// Each fill adds `x / τ` to a decaying rate (`x` = its notional ÷ `notional_per_side`,
/// `τ = half_life / ln 2`), so the rate reads "full-size fills per second over roughly the last
/// τ". It starts at `fills_per_day_prior`; without fills that prior decays away and the floor
/// takes over.
#[derive(Debug, Clone, Copy)]
pub struct FillRate {
    /// Full-size fills per second at `at`.
    per_sec: f64,
    /// When `per_sec` was last brought up to date.
    at: Nanos,
}

impl FillRate {
    /// A rate starting at the prior.
    pub fn new(p: &SymbolParams, now: Nanos) -> Self {
        Self { per_sec: p.fills_per_day_prior / SECONDS_PER_DAY, at: now }
    }

    fn decayed(&self, now: Nanos, half_life_ns: u64) -> f64 {
        let dt = now.saturating_since(self.at) as f64;
        let tau = half_life_ns as f64 / std::f64::consts::LN_2;
        self.per_sec * (-dt / tau).exp()
    }

    /// Records a fill of `notional` at `now`.
    pub fn on_fill(&mut self, notional: Usd, now: Nanos, p: &SymbolParams) {
        let x = notional.to_f64() / p.notional_per_side.to_f64().max(1e-9);
        let tau_s = p.fill_rate_half_life as f64 / NANOS_PER_SEC as f64 / std::f64::consts::LN_2;
        self.per_sec = self.decayed(now, p.fill_rate_half_life) + x / tau_s;
        self.at = self.at.max(now);
    }

    /// Full-size fills per day at `now` (before the floor).
    pub fn per_day(&self, now: Nanos, p: &SymbolParams) -> f64 {
        self.decayed(now, p.fill_rate_half_life) * SECONDS_PER_DAY
    }
}

/// `q`: the position's signed share of its limit, in `[−1, 1]`. `position_usd` is signed
/// (long positive).
pub fn inventory_ratio(position_usd: Usd, p: &SymbolParams) -> f64 {
    let (pos, limit) = if position_usd.0 >= 0 {
        (position_usd.0, p.max_long_usd.0)
    } else {
        (position_usd.0, p.max_short_usd.0)
    };
    if pos == 0 {
        0.0
    } else if limit <= 0 {
        pos.signum() as f64
    } else {
        (pos as f64 / limit as f64).clamp(-1.0, 1.0)
    }
}

/// Model bid and ask in USDC, before rounding: `r·(1 ∓ h)`, `r = F·(1 − skew·q·h)`.
pub fn model_prices(fair: f64, h: f64, q: f64, skew: f64) -> (f64, f64) {
    let r = fair * (1.0 - skew * q * h);
    (r * (1.0 - h), r * (1.0 + h))
}

/// One side's price on the venue grid, kept strictly behind the opposite touch so a post-only
/// order rests. `None` when the model price is not a valid positive number.
pub fn bid_on_grid(spec: &InstrumentSpec, model: f64, best_ask: Option<Level>) -> Option<Px> {
    let px = spec.bid_from_f64(model)?;
    let px = match best_ask {
        Some(a) => px.min(spec.round_bid(Px(a.px.0 - 1))),
        None => px,
    };
    (px.0 > 0).then_some(px)
}

/// See [`bid_on_grid`]; the ask rounds up and stays above the best bid.
pub fn ask_on_grid(spec: &InstrumentSpec, model: f64, best_bid: Option<Level>) -> Option<Px> {
    let px = spec.ask_from_f64(model)?;
    Some(match best_bid {
        Some(b) => px.max(spec.round_ask(Px(b.px.0 + 1))),
        None => px,
    })
}

/// `|sz| × px` in USD, exactly as [`InstrumentSpec::notional`] computes it (truncated to the
/// micro-dollar), without its 128-bit division in the common case: for perps one tick times
/// one lot is exactly one micro-dollar (`D + szDecimals = 6`), so the product is the answer
/// whenever it fits in 64 bits.
#[inline]
pub fn notional(spec: &InstrumentSpec, px: Px, sz: Sz) -> Usd {
    if u16::from(spec.px_decimals()) + u16::from(spec.sz_decimals) == 6 {
        if let Some(v) = px.0.checked_mul(sz.0.abs()) {
            return Usd(v);
        }
    }
    spec.notional(px, sz)
}

/// The size worth `notional` at `px`, rounded down to lots; `None` if it is below the venue's
/// $10 minimum order value (quote nothing rather than an invalid order).
pub fn size_for(spec: &InstrumentSpec, px: Px, notional: Usd) -> Option<Sz> {
    let per_lot = self::notional(spec, px, Sz(1)).0;
    if per_lot <= 0 || notional.0 <= 0 {
        return None;
    }
    valid_size(spec, px, Sz(notional.0 / per_lot))
}

/// `sz` if it is a valid order size at `px` (positive, at least $10), else `None`.
pub fn valid_size(spec: &InstrumentSpec, px: Px, sz: Sz) -> Option<Sz> {
    (sz.0 > 0 && notional(spec, px, sz) >= Usd::MIN_ORDER_VALUE).then_some(sz)
}

/// A two-sided quote before risk: prices on the grid and full sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TwoSided {
    /// Bid price and size.
    pub bid: Option<(Px, Sz)>,
    /// Ask price and size.
    pub ask: Option<(Px, Sz)>,
}

/// Everything a market-making quote depends on, gathered by the caller.
#[derive(Debug, Clone, Copy)]
pub struct QuoteInputs {
    /// Fair value, USDC.
    pub fair: f64,
    /// Volatility, fraction per √second.
    pub sigma: f64,
    /// Observed full-size fills per day.
    pub fills_per_day: f64,
    /// Signed position notional at the mark, USD.
    pub position_usd: Usd,
    /// Best bid and ask of the book.
    pub touch: (Level, Level),
}

/// The market-making quote: prices from fair value, spread and skew, sizes from
/// `notional_per_side`. Limits and trading state are applied afterwards by `risk`.
pub fn two_sided(
    spec: &InstrumentSpec,
    p: &SymbolParams,
    i: &QuoteInputs,
) -> (TwoSided, HalfSpread) {
    let fair_px = Px((i.fair * 10f64.powi(i32::from(spec.px_decimals()))) as i64);
    let tick_frac = spec.px_to_f64(Px(spec.tick_at(fair_px))) / i.fair;
    let hs = half_spread(p, i.sigma, i.fills_per_day, tick_frac);
    let q = inventory_ratio(i.position_usd, p);
    let (bid_m, ask_m) = model_prices(i.fair, hs.total, q, p.inventory_skew);
    let bid = bid_on_grid(spec, bid_m, Some(i.touch.1))
        .and_then(|px| size_for(spec, px, p.notional_per_side).map(|sz| (px, sz)));
    let ask = ask_on_grid(spec, ask_m, Some(i.touch.0))
        .and_then(|px| size_for(spec, px, p.notional_per_side).map(|sz| (px, sz)));
    (TwoSided { bid, ask }, hs)
}

#[cfg(test)]
mod tests;

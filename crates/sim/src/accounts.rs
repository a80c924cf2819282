//! Simulator accounts: addresses, cross-margin positions, fees, funding, liquidation price.
//!
//! Pure bookkeeping used by [`crate::exchange::Exchange`]: integer arithmetic on
//! [`Px`] ticks, [`Sz`] lots and [`Usd`] micro-dollars. It runs inside the simulator's state
//! machine (whatever thread owns the `Exchange`) and never does I/O, reads a clock or logs.
//!
//! Money model (cross margin, one-way positions, as `clearinghouseState` reports it):
//! - `balance` is the USDC collateral: deposits + closed PnL − fees − funding paid.
//! - account value = `balance` + Σ unrealised PnL at the mark price.
//! - margin used by a position = |szi| · mark / leverage; maintenance margin uses
//!   `2 · maxLeverage` (the venue's maintenance margin is half the initial margin at max
//!   leverage).
//! - An order is accepted when, per asset, the worst exposure if every resting order on one
//!   side filled (`max(|P|, |P + bids|, |P − asks|)`, position at mark, orders at their limit
//!   price), divided by the leverage and summed over assets, stays within the account value.

#![forbid(unsafe_code)]

use std::collections::{HashMap, VecDeque};

use crate::actions::{FillRecord, OrderUpdateRecord};
use hlmm_types::decimal::pow10;
pub use hlmm_types::Address;
use hlmm_types::{Cloid, InstrumentSpec, Nanos, Oid, Px, Rate, Side, Sz, Usd};

/// Maker and taker fee rates, in [`Rate`] units (`10^-12`) of the notional. A negative maker
/// rate is a rebate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeSchedule {
    /// Rate charged to the aggressor.
    pub taker: Rate,
    /// Rate charged to the resting order (negative: rebate).
    pub maker: Rate,
}

impl FeeSchedule {
    /// Perps tier 0: taker 0.045 %, maker 0.015 % (hyperliquid.md §9).
    pub const TIER_0: Self = Self { taker: Rate(450_000_000), maker: Rate(150_000_000) };

    /// The fee on `notional`, rounded to the nearest micro-dollar (half away from zero).
    /// Positive: paid; negative: rebate.
    pub fn fee(&self, notional: Usd, crossed: bool) -> Usd {
        mul_rate(notional, if crossed { self.taker } else { self.maker })
    }
}

/// `usd · rate`, rounded to the nearest micro-dollar, half away from zero.
pub fn mul_rate(usd: Usd, rate: Rate) -> Usd {
    let p = i128::from(usd.0) * i128::from(rate.0);
    let unit = 1_000_000_000_000i128;
    let q = (p.abs() + unit / 2) / unit;
    Usd(clamp_i64(if p < 0 { -q } else { q }))
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Converts a raw product of ticks and lots (`Px · Sz`) into USD, truncating toward zero.
/// For perps the product is already in micro-dollars (`D + szDecimals = 6`).
pub fn raw_to_usd(spec: &InstrumentSpec, raw: i128) -> Usd {
    let scale = i32::from(spec.px_decimals()) + i32::from(spec.sz_decimals) - 6;
    let micros = if scale >= 0 {
        raw / i128::from(pow10(scale as u8))
    } else {
        raw * i128::from(pow10((-scale) as u8))
    };
    Usd(clamp_i64(micros))
}

/// The venue's `dir` field of a fill: what the fill did to the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// From flat or long, buying.
    OpenLong,
    /// From flat or short, selling.
    OpenShort,
    /// Selling out of (part of) a long.
    CloseLong,
    /// Buying back (part of) a short.
    CloseShort,
    /// Selling through zero.
    LongToShort,
    /// Buying through zero.
    ShortToLong,
}

impl Dir {
    /// The venue's text.
    pub const fn as_wire(self) -> &'static str {
        match self {
            Self::OpenLong => "Open Long",
            Self::OpenShort => "Open Short",
            Self::CloseLong => "Close Long",
            Self::CloseShort => "Close Short",
            Self::LongToShort => "Long > Short",
            Self::ShortToLong => "Short > Long",
        }
    }
}

/// Funding totals of one position, in USD; positive means paid by the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CumFunding {
    /// Since the account first held the asset.
    pub all_time: Usd,
    /// Since the position was opened from flat (or flipped).
    pub since_open: Usd,
    /// Since the position size last changed.
    pub since_change: Usd,
}

/// One account's state in one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionState {
    /// Signed size in lots: positive long, negative short.
    pub szi: Sz,
    /// Σ entry price × lots of the open position (ticks · lots, always ≥ 0); the average
    /// entry price is `entry_raw / |szi|`. Kept exact so closed PnL never drifts.
    pub entry_raw: i128,
    /// Leverage for this asset (1..=maxLeverage).
    pub leverage: u32,
    /// Cross (true) or isolated; the simulator margins both as cross and only reports it.
    pub is_cross: bool,
    /// Funding paid on this asset.
    pub cum_funding: CumFunding,
    /// Σ limit price × remaining lots of this account's resting bids (ticks · lots).
    pub bid_raw: i128,
    /// Σ limit price × remaining lots of this account's resting asks (ticks · lots).
    pub ask_raw: i128,
    /// Resting reduce-only orders on this asset: when non-zero, every position change
    /// re-checks them (the venue cancels them as `reduceOnlyCanceled`).
    pub reduce_only_orders: u32,
}

impl PositionState {
    /// A flat position at `leverage`.
    pub fn flat(leverage: u32) -> Self {
        Self {
            szi: Sz::ZERO,
            entry_raw: 0,
            leverage,
            is_cross: true,
            cum_funding: CumFunding::default(),
            bid_raw: 0,
            ask_raw: 0,
            reduce_only_orders: 0,
        }
    }

    /// The average entry price in ticks, rounded to nearest; `None` when flat.
    pub fn entry_px(&self) -> Option<Px> {
        let n = i128::from(self.szi.0.abs());
        (n > 0).then(|| Px(clamp_i64((self.entry_raw + n / 2) / n)))
    }

    /// Applies a fill of `sz` lots at `px` on `side` and returns what it did. Closed PnL is in
    /// raw ticks · lots (convert with [`raw_to_usd`]).
    pub fn apply_fill(&mut self, side: Side, px: Px, sz: Sz) -> FillEffect {
        let start = self.szi;
        let signed = side.sign() * sz.0;
        let held = start.0.abs();
        let reducing = start.0 != 0 && (start.0 > 0) != (signed > 0);
        let mut closed_raw = 0i128;
        let dir;
        if reducing {
            let closed = sz.0.min(held);
            let entry_part = self.entry_raw * i128::from(closed) / i128::from(held);
            let exit = i128::from(px.0) * i128::from(closed);
            closed_raw = if start.0 > 0 { exit - entry_part } else { entry_part - exit };
            self.entry_raw -= entry_part;
            let rest = sz.0 - closed;
            if rest > 0 {
                self.entry_raw = i128::from(px.0) * i128::from(rest);
                self.cum_funding.since_open = Usd::ZERO;
                dir = if start.0 > 0 { Dir::LongToShort } else { Dir::ShortToLong };
            } else {
                dir = if start.0 > 0 { Dir::CloseLong } else { Dir::CloseShort };
            }
        } else {
            if start.0 == 0 {
                self.cum_funding.since_open = Usd::ZERO;
            }
            self.entry_raw += i128::from(px.0) * i128::from(sz.0);
            dir = if side.is_buy() { Dir::OpenLong } else { Dir::OpenShort };
        }
        self.szi = Sz(start.0 + signed);
        if self.szi.0 == 0 {
            self.entry_raw = 0;
        }
        self.cum_funding.since_change = Usd::ZERO;
        FillEffect { start, closed_raw, dir }
    }

    /// Signed position value at `mark` (ticks · lots).
    pub fn value_raw(&self, mark: Px) -> i128 {
        i128::from(self.szi.0) * i128::from(mark.0)
    }

    /// Unrealised PnL at `mark` (ticks · lots).
    pub fn upnl_raw(&self, mark: Px) -> i128 {
        let entry_signed = if self.szi.0 < 0 { -self.entry_raw } else { self.entry_raw };
        self.value_raw(mark) - entry_signed
    }

    /// Worst notional exposure (ticks · lots) if all resting orders on one side filled, with
    /// `extra` raw notional added to `extra_side`.
    fn worst_exposure_raw(&self, mark: Px, extra: Option<(Side, i128)>) -> i128 {
        let p = self.value_raw(mark);
        let (mut bids, mut asks) = (self.bid_raw, self.ask_raw);
        match extra {
            Some((Side::Bid, n)) => bids += n,
            Some((Side::Ask, n)) => asks += n,
            None => {}
        }
        p.abs().max((p + bids).abs()).max((p - asks).abs())
    }
}

/// What a fill did to a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillEffect {
    /// `szi` before the fill (the fill's `startPosition`).
    pub start: Sz,
    /// Closed PnL in ticks · lots (before fees).
    pub closed_raw: i128,
    /// The fill's `dir`.
    pub dir: Dir,
}

/// An asset's static description and current reference prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetConfig {
    /// Scales and price rules.
    pub spec: InstrumentSpec,
    /// The venue's `maxLeverage`.
    pub max_leverage: u32,
    /// Mark price (PnL, margin), in ticks; set by the market generator.
    pub mark_px: Px,
    /// Oracle price (funding), in ticks.
    pub oracle_px: Px,
}

/// Dead-man's-switch state of an account (`scheduleCancel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScheduledCancel {
    /// When all open orders are cancelled, if armed.
    pub at: Option<Nanos>,
    /// The UTC day (ms since epoch / 86 400 000) that `triggers` counts.
    pub day: u64,
    /// Triggers fired on `day`.
    pub triggers: u32,
}

/// One account: collateral, positions per asset, order counters, fill log.
#[derive(Debug, Clone)]
pub struct Account {
    /// The account's address.
    pub address: Address,
    /// USDC collateral, micro-dollars: deposits + closed PnL − fees − funding paid.
    pub balance: Usd,
    /// Per asset, indexed like the exchange's asset list.
    pub positions: Vec<PositionState>,
    /// A fee override; `None` uses the exchange's schedule.
    pub fees: Option<FeeSchedule>,
    /// A house (market-generator) account: no margin check, no open-order cap.
    pub house: bool,
    /// Cumulative traded notional (both sides), micro-dollars; gates `scheduleCancel` and
    /// raises the open-order cap.
    pub cum_volume: Usd,
    /// Resting orders across all assets.
    pub open_orders: u32,
    /// Resting orders by cloid: (asset index, oid).
    pub cloids: HashMap<Cloid, (usize, Oid)>,
    /// Dead-man's switch.
    pub scheduled_cancel: ScheduledCancel,
    /// The most recent fills, oldest first, bounded by the exchange's `fill_log_cap`.
    pub fills: VecDeque<FillRecord>,
    /// The most recent terminal order updates (for `orderStatus`), bounded.
    pub history: VecDeque<OrderUpdateRecord>,
}

impl Account {
    /// A new account with `balance` and flat positions in `n_assets` assets.
    pub fn new(address: Address, balance: Usd, leverages: impl Iterator<Item = u32>) -> Self {
        Self {
            address,
            balance,
            positions: leverages.map(PositionState::flat).collect(),
            fees: None,
            house: false,
            cum_volume: Usd::ZERO,
            open_orders: 0,
            cloids: HashMap::new(),
            scheduled_cancel: ScheduledCancel::default(),
            fills: VecDeque::new(),
            history: VecDeque::new(),
        }
    }

    /// Account value: balance + Σ unrealised PnL at mark.
    pub fn account_value(&self, assets: &[AssetConfig]) -> Usd {
        let upnl: i64 = self
            .positions
            .iter()
            .zip(assets)
            .filter(|(p, _)| p.szi.0 != 0)
            .map(|(p, a)| raw_to_usd(&a.spec, p.upnl_raw(a.mark_px)).0)
            .sum();
        self.balance + Usd(upnl)
    }

    /// Initial margin of positions only: Σ |szi| · mark / leverage (`totalMarginUsed`).
    pub fn position_margin(&self, assets: &[AssetConfig]) -> Usd {
        Usd(self
            .positions
            .iter()
            .zip(assets)
            .filter(|(p, _)| p.szi.0 != 0)
            .map(|(p, a)| position_margin(p, a).0)
            .sum())
    }

    /// Maintenance margin: Σ |szi| · mark / (2 · maxLeverage).
    pub fn maintenance_margin(&self, assets: &[AssetConfig]) -> Usd {
        Usd(self
            .positions
            .iter()
            .zip(assets)
            .filter(|(p, _)| p.szi.0 != 0)
            .map(|(p, a)| {
                let v = p.value_raw(a.mark_px).abs() / i128::from(2 * a.max_leverage.max(1));
                raw_to_usd(&a.spec, v).0
            })
            .sum())
    }

    /// Initial margin of positions and resting orders, optionally with one more order of
    /// `raw` notional (ticks · lots) on `side` of asset `extra.0`.
    pub fn margin_required(
        &self,
        assets: &[AssetConfig],
        extra: Option<(usize, Side, i128)>,
    ) -> Usd {
        let mut total = 0i64;
        for (i, (p, a)) in self.positions.iter().zip(assets).enumerate() {
            let e = extra.filter(|x| x.0 == i).map(|x| (x.1, x.2));
            if p.szi.0 == 0 && p.bid_raw == 0 && p.ask_raw == 0 && e.is_none() {
                continue;
            }
            let worst = p.worst_exposure_raw(a.mark_px, e);
            total += raw_to_usd(&a.spec, worst / i128::from(p.leverage.max(1))).0;
        }
        Usd(total)
    }

    /// The cross liquidation price of the position in asset `i`, in ticks; `None` when flat or
    /// when the account could lose the whole position value without liquidation.
    ///
    /// The venue's formula: `liq = price − side · margin_available / |szi| / (1 − l · side)`
    /// with `l = 1 / (2 · maxLeverage)` and `margin_available = account value − maintenance
    /// margin` (cross). `price` is the mark here.
    pub fn liquidation_px(&self, assets: &[AssetConfig], i: usize) -> Option<Px> {
        let (p, a) = (self.positions.get(i)?, assets.get(i)?);
        if p.szi.0 == 0 {
            return None;
        }
        let avail = i128::from((self.account_value(assets) - self.maintenance_margin(assets)).0);
        let side = i128::from(p.szi.0.signum());
        let m2 = i128::from(2 * a.max_leverage.max(1));
        // avail (micro-USD) / lots is ticks · 10^-(D + szDecimals − 6).
        let scale = i32::from(a.spec.px_decimals()) + i32::from(a.spec.sz_decimals) - 6;
        let avail_ticks = if scale >= 0 {
            avail * i128::from(pow10(scale as u8))
        } else {
            avail / i128::from(pow10((-scale) as u8))
        };
        let lots = i128::from(p.szi.0.abs());
        let shift = side * avail_ticks * m2 / (lots * (m2 - side));
        let liq = i128::from(a.mark_px.0) - shift;
        (liq > 0 && liq < i128::from(i64::MAX)).then_some(Px(liq as i64))
    }

    /// Withdrawable: account value − initial margin of positions, at least zero.
    pub fn withdrawable(&self, assets: &[AssetConfig]) -> Usd {
        let w = self.account_value(assets) - self.position_margin(assets);
        if w.0 < 0 {
            Usd::ZERO
        } else {
            w
        }
    }
}

/// Initial margin of one position at mark.
pub fn position_margin(p: &PositionState, a: &AssetConfig) -> Usd {
    raw_to_usd(&a.spec, p.value_raw(a.mark_px).abs() / i128::from(p.leverage.max(1)))
}

#[cfg(test)]
mod tests;

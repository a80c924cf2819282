//! sim::market: the simulator's synthetic markets.
//!
//! A pure generator: [`Market::step`] takes the block time and advances every coin by one
//! block. Per coin it runs
//! - a mid price with stochastic volatility (log-volatility mean-reverting to the coin's level)
//!   and rare Poisson jumps;
//! - house makers that keep a ladder of [`LADDER_DEPTH`] levels per side around the mid, on the
//!   venue's price grid (`InstrumentSpec::round_bid` / `round_ask`), refreshing sizes from block
//!   to block but keeping most of a level that is still at the same price; deeper in the book
//!   some grid prices are left empty, and which ones is a fixed function of the price (per
//!   coin and seed), so a ladder that moves by a few ticks keeps its other prices and the
//!   venue re-quotes only the levels that moved;
//! - Poisson house takers whose rate and size differ per coin, so day volume and open interest
//!   differ and a scanner has something to rank;
//! - an oracle (a slow average of the mid with a per-coin basis), a mark, hourly funding from
//!   the averaged premium, a rolling 24 h volume and open interest.
//!
//! Listings and delistings are scheduled by time since the first block.
//!
//! Makers and takers reach the book through the [`FlowVenue`] seam. [`LocalBooks`] is the
//! generator's own book; the matching engine can implement the same trait and receive the
//! house flow as orders of house accounts.
//!
//! Submodules: `params` (coin parameters, the built-in universe, the schedule), `flow` (the
//! [`FlowVenue`] seam and [`LocalBooks`]), `dynamics` (prices, ladders, takers, statistics,
//! funding).
//!
//! Runs on the simulator's block task. Pure: no clock (time is the `now` argument), no I/O, no
//! logging; randomness comes from per-coin seeded ChaCha generators, so a seed fixes every
//! path; in steady state a block allocates nothing (buffers are reused).

#![forbid(unsafe_code)]

mod dynamics;
mod flow;
mod params;

use std::fmt;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

pub use flow::{FlowVenue, LocalBooks};
pub use params::{default_coins, CoinParams, InformedFlow, MarketError, ScheduledChange};

use crate::accounts::Address;
use dynamics::{
    build_ladder, evolve_mid, fnv1a, mix64, run_takers, seed_funding_history, update_stats,
};
use hlmm_types::events::{Level, MAX_BOOK_LEVELS};
use hlmm_types::{AssetId, Coin, InstrumentSpec, Nanos, Px, Rate, Side, Sz, Tid, Usd};
use params::validate;

/// Levels the house makers keep per side. Takers may eat at most
/// `LADDER_DEPTH - MAX_BOOK_LEVELS` levels of a side per block, so a published side always has
/// [`MAX_BOOK_LEVELS`] levels.
pub const LADDER_DEPTH: usize = MAX_BOOK_LEVELS + 8;

/// Most levels one taker order sweeps.
pub const MAX_SWEEP_LEVELS: usize = 3;

/// The house maker's address (`users[…]` of trades), `0x` + 40 hex.
pub const HOUSE_MAKER: &str = "0x00000000000000000000000000000000000000a1";
/// The house taker's address.
pub const HOUSE_TAKER: &str = "0x00000000000000000000000000000000000000a2";
/// [`HOUSE_MAKER`] as an address.
pub const HOUSE_MAKER_ADDR: Address = house_address(0xa1);
/// [`HOUSE_TAKER`] as an address.
pub const HOUSE_TAKER_ADDR: Address = house_address(0xa2);

const fn house_address(last: u8) -> Address {
    let mut b = [0u8; 20];
    b[19] = last;
    Address(b)
}

const SECONDS_PER_YEAR: f64 = 31_536_000.0;
const NS_PER_S: f64 = 1e9;
const MS_PER_HOUR: u64 = 3_600_000;
/// 24 h of volume in 15-minute buckets.
const VOLUME_BUCKETS: usize = 96;
const MS_PER_BUCKET: u64 = 900_000;
/// Funding records kept per coin (30 days of hourly records).
const FUNDING_HISTORY_CAP: usize = 720;
/// The venue's base hourly funding (interest) rate: 0.01 % per 8 h.
const BASE_INTEREST_8H: f64 = 0.0001;

/// One trade, as the `trades` channel prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradePrint {
    /// The instrument.
    pub asset: AssetId,
    /// The aggressor's side.
    pub side: Side,
    /// Price, in the instrument's ticks.
    pub px: Px,
    /// Size, in lots.
    pub sz: Sz,
    /// Trade id, 50 bits, unique per coin.
    pub tid: Tid,
    /// A synthetic transaction hash (32 bytes).
    pub hash: [u8; 32],
    /// The buyer (`users[0]`).
    pub buyer: Address,
    /// The seller (`users[1]`).
    pub seller: Address,
}

/// One coin's asset context after a block (`activeAssetCtx`, `metaAndAssetCtxs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CoinCtx {
    /// Notional traded over the last 24 h, USD.
    pub day_ntl_vlm: Usd,
    /// Coins traded over the last 24 h, lots.
    pub day_base_vlm: Sz,
    /// Mid 24 h ago, in ticks.
    pub prev_day_px: Px,
    /// Mark price, in ticks.
    pub mark_px: Px,
    /// Book mid, in ticks; `None` when a side is empty.
    pub mid_px: Option<Px>,
    /// Oracle price, in ticks.
    pub oracle_px: Px,
    /// Predicted hourly funding rate.
    pub funding: Rate,
    /// Current premium ((mid − oracle) / oracle).
    pub premium: Rate,
    /// Open interest, lots.
    pub open_interest: Sz,
    /// Impact bid and ask prices, in ticks (the best levels); `None` when a side is empty.
    pub impact_pxs: Option<(Px, Px)>,
}

/// One hourly funding record (`fundingHistory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundingRecord {
    /// The hour it was paid, ms since the epoch.
    pub time_ms: u64,
    /// Hourly rate.
    pub rate: Rate,
    /// Average premium over the hour.
    pub premium: Rate,
}

/// One coin's state.
struct CoinState {
    params: CoinParams,
    spec: InstrumentSpec,
    rng: ChaCha8Rng,
    /// Draws whether a taker is informed: a stream of its own, so the informed share changes
    /// no other random path.
    informed_rng: ChaCha8Rng,
    delisted: bool,
    /// Mid, USDC.
    mid: f64,
    /// The latent fair value the mid follows ([`InformedFlow`]), USDC; equal to the mid when
    /// the mid does not lag.
    fair: f64,
    /// Natural log of the current annualised volatility.
    log_vol: f64,
    /// Oracle's slow average of the mid, USDC.
    oracle_avg: f64,
    /// Per-coin basis between the book and the oracle (fraction), mean-reverting.
    basis: f64,
    /// Open interest, coins.
    oi: f64,
    /// USD volume per 15-minute bucket, and coins.
    vol_usd: [f64; VOLUME_BUCKETS],
    vol_base: [f64; VOLUME_BUCKETS],
    /// Mid at the start of each bucket, USDC (for `prevDayPx`).
    px_at_bucket: [f64; VOLUME_BUCKETS],
    /// Index of the bucket in use: `ms / MS_PER_BUCKET`.
    bucket: u64,
    premium_sum: f64,
    premium_n: u64,
    hour: u64,
    funding_history: Vec<FundingRecord>,
    trades: Vec<TradePrint>,
    ctx: CoinCtx,
    prev_bbo: (Option<Level>, Option<Level>),
    bbo_changed: bool,
    /// Keys the deep-book holes: a grid price is left empty when its hash under this key falls
    /// below [`HOLE_THRESHOLD`].
    hole_key: u64,
}

impl fmt::Debug for CoinState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoinState")
            .field("coin", &self.params.name)
            .field("mid", &self.mid)
            .field("delisted", &self.delisted)
            .finish_non_exhaustive()
    }
}

/// The whole synthetic market: every coin, the schedule, and the venue the flow trades on.
#[derive(Debug)]
pub struct Market<V: FlowVenue = LocalBooks> {
    seed: u64,
    coins: Vec<CoinState>,
    venue: V,
    /// The informed takers and the mid's lag, for every coin.
    informed: InformedFlow,
    /// Pending listings and delistings, sorted by time (latest first, popped from the end).
    schedule: Vec<ScheduledChange>,
    /// Time of the first block; `None` before it.
    start: Option<Nanos>,
    last: Option<Nanos>,
    /// Changes whenever the universe changes (listing, delisting), so `meta` can be cached.
    meta_version: u64,
    block: u64,
    /// Scratch ladders reused every block.
    scratch_bids: Vec<Level>,
    scratch_asks: Vec<Level>,
}

/// A read-only view of one coin after a block.
#[derive(Debug, Clone, Copy)]
pub struct CoinView<'a> {
    /// Name, decimals, asset id.
    pub spec: &'a InstrumentSpec,
    /// Generator parameters.
    pub params: &'a CoinParams,
    /// `true` once delisted.
    pub delisted: bool,
    /// Bids, highest first (all resting levels; publish at most 20).
    pub bids: &'a [Level],
    /// Asks, lowest first.
    pub asks: &'a [Level],
    /// Trades of the last block.
    pub trades: &'a [TradePrint],
    /// Asset context after the last block.
    pub ctx: &'a CoinCtx,
    /// `true` when the best bid or ask (price or size) changed in the last block.
    pub bbo_changed: bool,
    /// Hourly funding records, oldest first.
    pub funding_history: &'a [FundingRecord],
}

impl Market<LocalBooks> {
    /// A market of `coins` with its own books, the random paths fixed by `seed`.
    pub fn new(
        seed: u64,
        coins: Vec<CoinParams>,
        schedule: Vec<ScheduledChange>,
    ) -> Result<Self, MarketError> {
        Self::with_venue(seed, coins, schedule, LocalBooks::default())
    }
}

impl<V: FlowVenue> Market<V> {
    /// A market whose flow trades on `venue`.
    pub fn with_venue(
        seed: u64,
        coins: Vec<CoinParams>,
        mut schedule: Vec<ScheduledChange>,
        venue: V,
    ) -> Result<Self, MarketError> {
        let mut names: Vec<&str> = coins.iter().map(|c| c.name.as_str()).collect();
        for change in &schedule {
            match change {
                ScheduledChange::List { coin, .. } => {
                    validate(coin)?;
                    names.push(&coin.name);
                }
                ScheduledChange::Delist { .. } => {}
            }
        }
        let mut sorted = names.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(MarketError::Duplicate(w[0].to_owned()));
        }
        for change in &schedule {
            if let ScheduledChange::Delist { coin, .. } = change {
                if !names.contains(&coin.as_str()) {
                    return Err(MarketError::UnknownDelisting(coin.clone()));
                }
            }
        }
        // Latest first, so due changes pop from the end; reversing before the stable sort
        // makes changes with equal times pop in the order they were given.
        schedule.reverse();
        schedule.sort_by_key(|c| std::cmp::Reverse(c.at_ms()));
        let mut market = Self {
            seed,
            coins: Vec::with_capacity(coins.len()),
            venue,
            informed: InformedFlow::NONE,
            schedule,
            start: None,
            last: None,
            meta_version: 0,
            block: 0,
            scratch_bids: Vec::with_capacity(LADDER_DEPTH),
            scratch_asks: Vec::with_capacity(LADDER_DEPTH),
        };
        for params in coins {
            market.list(params)?;
        }
        Ok(market)
    }

    fn list(&mut self, params: CoinParams) -> Result<(), MarketError> {
        validate(&params)?;
        let coin = Coin::new(params.name.as_bytes())
            .map_err(|_| MarketError::BadName(params.name.clone()))?;
        let asset = AssetId(self.coins.len() as u32);
        let spec = InstrumentSpec::perp(asset, coin, params.sz_decimals);
        let coin_seed = self.seed ^ fnv1a(params.name.as_bytes());
        let mut rng = ChaCha8Rng::seed_from_u64(coin_seed);
        let mut px_at_bucket = [params.px; VOLUME_BUCKETS];
        // A day of history walked backwards from the starting mid, so `prevDayPx` and the
        // 24 h change mean something from the first block.
        let hourly = params.vol / (SECONDS_PER_YEAR / 900.0).sqrt();
        let mut p = params.px;
        for slot in px_at_bucket.iter_mut().rev() {
            *slot = p;
            p *= (hourly * rng.sample::<f64, _>(StandardNormal)).exp();
        }
        // Warm volume buckets at the expected taker flow (log-normal mean = median·e^½).
        let mean_usd = params.taker_usd * 0.5f64.exp();
        let mut vol_usd = [0.0; VOLUME_BUCKETS];
        let mut vol_base = [0.0; VOLUME_BUCKETS];
        for (i, (u, b)) in vol_usd.iter_mut().zip(vol_base.iter_mut()).enumerate() {
            let noise = (0.3 * rng.sample::<f64, _>(StandardNormal)).exp();
            *u = params.taker_rate * mean_usd * (MS_PER_BUCKET as f64 / 1e3) * noise;
            *b = *u / px_at_bucket[i];
        }
        let basis = 0.0002 * rng.sample::<f64, _>(StandardNormal);
        let state = CoinState {
            spec,
            log_vol: params.vol.ln(),
            mid: params.px,
            fair: params.px,
            oracle_avg: params.px,
            basis,
            oi: params.oi_usd / params.px,
            vol_usd,
            vol_base,
            px_at_bucket,
            bucket: 0,
            premium_sum: 0.0,
            premium_n: 0,
            hour: 0,
            funding_history: Vec::with_capacity(FUNDING_HISTORY_CAP),
            trades: Vec::with_capacity(64),
            ctx: CoinCtx::default(),
            prev_bbo: (None, None),
            bbo_changed: false,
            hole_key: mix64(coin_seed ^ 0x686f_6c65),
            delisted: false,
            rng,
            informed_rng: ChaCha8Rng::seed_from_u64(mix64(coin_seed ^ 0x696e_666f)),
            params,
        };
        self.venue.add_asset(asset, spec, &state.params);
        self.coins.push(state);
        self.meta_version += 1;
        Ok(())
    }

    /// Sets the informed takers and the mid's lag for every coin (before the first block;
    /// the built market is uninformed, [`InformedFlow::NONE`]).
    pub fn set_informed_flow(&mut self, informed: InformedFlow) -> Result<(), MarketError> {
        informed.validate()?;
        self.informed = informed;
        Ok(())
    }

    /// The informed takers and the mid's lag.
    pub fn informed_flow(&self) -> InformedFlow {
        self.informed
    }

    /// Advances every coin by one block ending at `now`. The first call fixes the start of
    /// the schedule and builds the books; later calls move them by the time elapsed (a call
    /// with a time not after the previous one moves nothing but still refreshes the books).
    pub fn step(&mut self, now: Nanos) {
        let start = *self.start.get_or_insert(now);
        let dt = self.last.map_or(0.0, |l| now.saturating_since(l) as f64 / NS_PER_S).min(60.0);
        let first = self.last.is_none();
        self.last = Some(now);
        self.block += 1;
        let since_ms = now.saturating_since(start) / Nanos::PER_MS;
        while self.schedule.last().is_some_and(|c| c.at_ms() <= since_ms) {
            let Some(change) = self.schedule.pop() else { break };
            match change {
                // Validated when the market was built, so listing cannot fail here; a failure
                // would only skip the coin.
                ScheduledChange::List { coin, .. } => {
                    let _ = self.list(coin);
                }
                ScheduledChange::Delist { coin, .. } => {
                    if let Some(c) = self.coins.iter_mut().find(|c| c.params.name == coin) {
                        if !c.delisted {
                            c.delisted = true;
                            self.venue.clear(c.spec.asset, now);
                            self.meta_version += 1;
                        }
                    }
                }
            }
        }
        let now_ms = now.as_millis();
        for i in 0..self.coins.len() {
            self.step_coin(i, dt, first, now, now_ms);
        }
    }

    fn step_coin(&mut self, i: usize, dt: f64, first: bool, now: Nanos, now_ms: u64) {
        let c = &mut self.coins[i];
        c.trades.clear();
        let asset = c.spec.asset;
        self.venue.drain_trades(asset, &mut c.trades);
        if c.delisted {
            c.ctx.mid_px = None;
            c.ctx.impact_pxs = None;
            c.bbo_changed = c.prev_bbo != (None, None);
            c.prev_bbo = (None, None);
            return;
        }
        if first {
            c.bucket = now_ms / MS_PER_BUCKET;
            c.hour = now_ms / MS_PER_HOUR;
            seed_funding_history(c, now_ms);
        }
        evolve_mid(c, dt, self.informed.lead_ms);
        build_ladder(c, &self.venue, &mut self.scratch_bids, &mut self.scratch_asks);
        self.venue.quote_ladder(asset, &self.scratch_bids, &self.scratch_asks, now);
        run_takers(c, &mut self.venue, dt, self.informed.share, now);
        update_stats(c, &self.venue, dt, now_ms);
    }

    /// Every coin ever listed, in asset-id order (delisted ones included).
    pub fn coins(&self) -> impl ExactSizeIterator<Item = CoinView<'_>> + '_ {
        self.coins.iter().map(|c| self.view_of(c))
    }

    /// One coin by asset id.
    pub fn coin(&self, asset: AssetId) -> Option<CoinView<'_>> {
        self.coins.get(asset.0 as usize).map(|c| self.view_of(c))
    }

    /// One coin by name.
    pub fn coin_by_name(&self, name: &str) -> Option<CoinView<'_>> {
        self.coins.iter().find(|c| c.params.name == name).map(|c| self.view_of(c))
    }

    fn view_of<'a>(&'a self, c: &'a CoinState) -> CoinView<'a> {
        CoinView {
            spec: &c.spec,
            params: &c.params,
            delisted: c.delisted,
            bids: self.venue.side(c.spec.asset, Side::Bid),
            asks: self.venue.side(c.spec.asset, Side::Ask),
            trades: &c.trades,
            ctx: &c.ctx,
            bbo_changed: c.bbo_changed,
            funding_history: &c.funding_history,
        }
    }

    /// Bumped whenever the universe changes; `meta` may be cached while it stays.
    pub fn meta_version(&self) -> u64 {
        self.meta_version
    }

    /// Blocks stepped so far.
    pub fn blocks(&self) -> u64 {
        self.block
    }

    /// The venue the flow trades on.
    pub fn venue(&self) -> &V {
        &self.venue
    }

    /// The venue the flow trades on, to act on it between blocks (users' actions).
    pub fn venue_mut(&mut self) -> &mut V {
        &mut self.venue
    }
}

#[cfg(test)]
mod tests;

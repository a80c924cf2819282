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
//! Runs on the simulator's block task. Pure: no clock (time is the `now` argument), no I/O, no
//! logging; randomness comes from per-coin seeded ChaCha generators, so a seed fixes every
//! path; in steady state a block allocates nothing (buffers are reused).

#![forbid(unsafe_code)]

use std::fmt;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::Deserialize;

use crate::accounts::Address;
use hlmm_types::events::{Level, MAX_BOOK_LEVELS};
use hlmm_types::{AssetId, Coin, InstrumentSpec, Nanos, Px, Rate, Side, Sz, Tid, Usd};

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

/// Parameters of one synthetic perpetual. Prices in USDC, sizes in USD notional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoinParams {
    /// The coin name as the venue spells it (`BTC`, `kPEPE`).
    pub name: String,
    /// The venue's `szDecimals` (a lot is `10^-szDecimals` coins).
    pub sz_decimals: u8,
    /// `maxLeverage` in `meta`.
    pub max_leverage: u32,
    /// Starting mid, USDC.
    pub px: f64,
    /// Long-run annualised volatility of the mid (0.6 = 60 %).
    pub vol: f64,
    /// Mean taker orders per second.
    pub taker_rate: f64,
    /// Median taker order value, USD (log-normal around it).
    pub taker_usd: f64,
    /// Median size of one maker level, USD.
    pub level_usd: f64,
    /// The makers' half spread around the mid, basis points (at least one tick is kept).
    pub half_spread_bps: f64,
    /// Starting open interest, USD.
    pub oi_usd: f64,
}

impl CoinParams {
    #[allow(clippy::too_many_arguments)]
    fn builtin(
        name: &str,
        sz_decimals: u8,
        max_leverage: u32,
        px: f64,
        vol: f64,
        taker_rate: f64,
        taker_usd: f64,
        level_usd: f64,
        half_spread_bps: f64,
        oi_usd: f64,
    ) -> Self {
        Self {
            name: name.to_owned(),
            sz_decimals,
            max_leverage,
            px,
            vol,
            taker_rate,
            taker_usd,
            level_usd,
            half_spread_bps,
            oi_usd,
        }
    }
}

/// The built-in universe: the venue's largest perps with their `szDecimals`, leverage and
/// price levels, in the venue's universe order for the first few (BTC = 0, ETH = 1).
pub fn default_coins() -> Vec<CoinParams> {
    type P = CoinParams;
    vec![
        P::builtin("BTC", 5, 40, 97_000.0, 0.55, 6.0, 15_000.0, 150_000.0, 0.1, 2.5e9),
        P::builtin("ETH", 4, 25, 3_400.0, 0.70, 5.0, 9_000.0, 90_000.0, 0.15, 1.2e9),
        P::builtin("SOL", 2, 20, 180.0, 0.90, 4.0, 4_000.0, 40_000.0, 0.3, 5.0e8),
        P::builtin("XRP", 0, 20, 2.3, 0.95, 2.5, 2_500.0, 25_000.0, 0.5, 2.5e8),
        P::builtin("DOGE", 0, 20, 0.32, 1.0, 2.0, 2_000.0, 20_000.0, 0.6, 1.5e8),
        P::builtin("AVAX", 2, 10, 35.0, 1.0, 1.0, 1_500.0, 10_000.0, 0.8, 6.0e7),
        P::builtin("LINK", 1, 10, 22.0, 0.95, 1.0, 1_200.0, 10_000.0, 0.8, 5.0e7),
        P::builtin("SUI", 1, 10, 3.8, 1.1, 1.5, 1_800.0, 12_000.0, 0.8, 9.0e7),
        P::builtin("ARB", 1, 10, 0.75, 1.1, 0.6, 900.0, 6_000.0, 1.2, 3.0e7),
        P::builtin("HYPE", 2, 10, 25.0, 1.1, 3.5, 5_000.0, 35_000.0, 0.4, 6.0e8),
        P::builtin("BNB", 3, 10, 650.0, 0.6, 0.5, 1_500.0, 12_000.0, 0.6, 4.0e7),
        P::builtin("LTC", 2, 10, 100.0, 0.8, 0.5, 1_000.0, 8_000.0, 0.8, 3.0e7),
        P::builtin("kPEPE", 0, 10, 0.0125, 1.3, 1.2, 1_500.0, 10_000.0, 1.0, 8.0e7),
        P::builtin("WIF", 0, 10, 0.9, 1.3, 0.8, 1_000.0, 8_000.0, 1.0, 4.0e7),
    ]
}

/// A listing or delisting at a time after the first block.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case", tag = "kind")]
pub enum ScheduledChange {
    /// A new perp appears in `meta` (appended: its asset id is the next index).
    List {
        /// Milliseconds after the first block.
        at_ms: u64,
        /// The new coin.
        coin: CoinParams,
    },
    /// A perp is delisted: `isDelisted: true` in `meta`, its book empties, no more trades.
    Delist {
        /// Milliseconds after the first block.
        at_ms: u64,
        /// The coin's name.
        coin: String,
    },
}

impl ScheduledChange {
    fn at_ms(&self) -> u64 {
        match self {
            Self::List { at_ms, .. } | Self::Delist { at_ms, .. } => *at_ms,
        }
    }
}

/// Why a market could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarketError {
    /// A coin name the venue could not carry (empty or too long).
    #[error("coin {0:?}: name must be 1 to 23 bytes")]
    BadName(String),
    /// Two coins with the same name.
    #[error("coin {0}: listed twice")]
    Duplicate(String),
    /// A parameter out of its range.
    #[error("coin {coin}: {field} = {value}: {rule}")]
    BadParam {
        /// The coin.
        coin: String,
        /// The field.
        field: &'static str,
        /// Its value.
        value: f64,
        /// The rule it broke.
        rule: &'static str,
    },
    /// A delisting of a coin that is not in the universe or its schedule.
    #[error("delisting of unknown coin {0}")]
    UnknownDelisting(String),
}

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

/// Where the house makers and takers trade. [`LocalBooks`] is the generator's own book;
/// [`crate::venue::ExchangeVenue`] sends the flow to the matching engine as house-account
/// orders, where it meets the users' orders.
pub trait FlowVenue {
    /// Adds an empty book for a newly listed asset (`asset` is the next index).
    fn add_asset(&mut self, asset: AssetId, spec: InstrumentSpec, params: &CoinParams);

    /// Replaces the house makers' resting ladder of `asset`: `bids` highest first, `asks`
    /// lowest first, every price on the grid, every bid below every ask.
    fn quote_ladder(&mut self, asset: AssetId, bids: &[Level], asks: &[Level], now: Nanos);

    /// Removes every resting level of `asset` (delisting).
    fn clear(&mut self, asset: AssetId, now: Nanos);

    /// A house taker's IOC order: buys (`Side::Bid`) or sells up to `sz` lots, sweeping at
    /// most `max_levels` levels; appends one print per level touched to `out`.
    fn take(
        &mut self,
        asset: AssetId,
        side: Side,
        sz: Sz,
        max_levels: usize,
        now: Nanos,
        out: &mut Vec<TradePrint>,
    );

    /// One side of `asset`'s book, best first.
    fn side(&self, asset: AssetId, side: Side) -> &[Level];

    /// One side of the house makers' own ladder, best first (what they keep from block to
    /// block). Without other traders it is the whole book.
    fn house_side(&self, asset: AssetId, side: Side) -> &[Level] {
        self.side(asset, side)
    }

    /// Appends the trades of `asset` made since the last block by other traders (users'
    /// actions), so the block prints them with the house flow.
    fn drain_trades(&mut self, _asset: AssetId, _out: &mut Vec<TradePrint>) {}
}

/// The generator's own books: one ladder per side per asset.
#[derive(Debug, Default, Clone)]
pub struct LocalBooks {
    books: Vec<LocalBook>,
}

#[derive(Debug, Default, Clone)]
struct LocalBook {
    bids: Vec<Level>,
    asks: Vec<Level>,
    /// Trade ids are a per-asset counter mixed into 50 bits.
    next_trade: u64,
}

impl FlowVenue for LocalBooks {
    fn add_asset(&mut self, asset: AssetId, _spec: InstrumentSpec, _params: &CoinParams) {
        let i = asset.0 as usize;
        if self.books.len() <= i {
            self.books.resize_with(i + 1, LocalBook::default);
        }
        self.books[i].bids.reserve(LADDER_DEPTH);
        self.books[i].asks.reserve(LADDER_DEPTH);
    }

    fn quote_ladder(&mut self, asset: AssetId, bids: &[Level], asks: &[Level], _now: Nanos) {
        if let Some(b) = self.books.get_mut(asset.0 as usize) {
            b.bids.clear();
            b.bids.extend_from_slice(bids);
            b.asks.clear();
            b.asks.extend_from_slice(asks);
        }
    }

    fn clear(&mut self, asset: AssetId, _now: Nanos) {
        if let Some(b) = self.books.get_mut(asset.0 as usize) {
            b.bids.clear();
            b.asks.clear();
        }
    }

    fn take(
        &mut self,
        asset: AssetId,
        side: Side,
        sz: Sz,
        max_levels: usize,
        _now: Nanos,
        out: &mut Vec<TradePrint>,
    ) {
        let Some(book) = self.books.get_mut(asset.0 as usize) else { return };
        let resting = match side {
            Side::Bid => &mut book.asks,
            Side::Ask => &mut book.bids,
        };
        let mut left = sz.0;
        let mut emptied = 0;
        for level in resting.iter_mut().take(max_levels) {
            if left <= 0 {
                break;
            }
            let fill = left.min(level.sz.0);
            left -= fill;
            level.sz.0 -= fill;
            book.next_trade += 1;
            let key = mix64((u64::from(asset.0) << 40) ^ book.next_trade);
            out.push(TradePrint {
                asset,
                side,
                px: level.px,
                sz: Sz(fill),
                tid: Tid(key & ((1 << 50) - 1)),
                hash: hash32(key),
                // The house taker is the aggressor.
                buyer: if side == Side::Bid { HOUSE_TAKER_ADDR } else { HOUSE_MAKER_ADDR },
                seller: if side == Side::Bid { HOUSE_MAKER_ADDR } else { HOUSE_TAKER_ADDR },
            });
            if level.sz.0 == 0 {
                emptied += 1;
            } else {
                // The maker's orders at this level shrink; keep at least one order counted.
                level.n = level.n.max(1);
            }
        }
        resting.drain(..emptied);
    }

    fn side(&self, asset: AssetId, side: Side) -> &[Level] {
        match self.books.get(asset.0 as usize) {
            Some(b) => match side {
                Side::Bid => &b.bids,
                Side::Ask => &b.asks,
            },
            None => &[],
        }
    }
}

/// One coin's state.
struct CoinState {
    params: CoinParams,
    spec: InstrumentSpec,
    rng: ChaCha8Rng,
    delisted: bool,
    /// Mid, USDC.
    mid: f64,
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
            params,
        };
        self.venue.add_asset(asset, spec, &state.params);
        self.coins.push(state);
        self.meta_version += 1;
        Ok(())
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
        evolve_mid(c, dt);
        build_ladder(c, &self.venue, &mut self.scratch_bids, &mut self.scratch_asks);
        self.venue.quote_ladder(asset, &self.scratch_bids, &self.scratch_asks, now);
        run_takers(c, &mut self.venue, dt, now);
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

fn validate(p: &CoinParams) -> Result<(), MarketError> {
    if p.name.is_empty() || p.name.len() > Coin::MAX_LEN {
        return Err(MarketError::BadName(p.name.clone()));
    }
    let checks: [(&'static str, f64, bool, &'static str); 7] = [
        ("px", p.px, p.px > 0.0 && p.px < 1e9, "must be a positive price below 1e9"),
        ("vol", p.vol, p.vol > 0.0 && p.vol < 20.0, "must be in (0, 20)"),
        (
            "taker_rate",
            p.taker_rate,
            p.taker_rate >= 0.0 && p.taker_rate < 1e4,
            "must be in [0, 1e4)",
        ),
        ("taker_usd", p.taker_usd, p.taker_usd > 0.0, "must be positive"),
        ("level_usd", p.level_usd, p.level_usd > 0.0, "must be positive"),
        ("half_spread_bps", p.half_spread_bps, p.half_spread_bps >= 0.0, "must not be negative"),
        ("oi_usd", p.oi_usd, p.oi_usd >= 0.0, "must not be negative"),
    ];
    for (field, value, ok, rule) in checks {
        if !ok || !value.is_finite() {
            return Err(MarketError::BadParam { coin: p.name.clone(), field, value, rule });
        }
    }
    if p.sz_decimals > 5 {
        return Err(MarketError::BadParam {
            coin: p.name.clone(),
            field: "sz_decimals",
            value: f64::from(p.sz_decimals),
            rule: "perps have at most 5",
        });
    }
    Ok(())
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// A deep grid price is empty when its 64-bit hash is below this: 15 % of prices.
const HOLE_THRESHOLD: u64 = (u64::MAX / 100) * 15;

/// Most consecutive empty prices skipped, so a ladder always reaches its depth.
const MAX_HOLE_RUN: usize = 3;

/// Whether the makers leave `px` empty on `side` (below the top 3 levels): a fixed function of
/// the price, so holes stay put while the ladder moves around them.
fn is_hole(key: u64, side: Side, px: Px) -> bool {
    let side_bit = if side == Side::Bid { 0 } else { 1 << 63 };
    mix64(key ^ side_bit ^ px.0 as u64) < HOLE_THRESHOLD
}

/// A Poisson draw by Knuth's method; `lambda` per block is small (a few at most).
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    let limit = (-lambda.min(30.0)).exp();
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > limit && k < 200 {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

fn evolve_mid(c: &mut CoinState, dt: f64) {
    if dt <= 0.0 {
        return;
    }
    // Log-volatility mean-reverts to the coin's level over ~10 minutes, with vol-of-vol 1.5
    // per sqrt(hour): calm and busy stretches alternate.
    let kappa = 1.0 / 600.0;
    let xi = 1.5 / 3600f64.sqrt();
    let target = c.params.vol.ln();
    c.log_vol += kappa * (target - c.log_vol) * dt + xi * dt.sqrt() * normal(&mut c.rng);
    c.log_vol = c.log_vol.clamp(target - 2.0, target + 2.0);
    let sigma = c.log_vol.exp() / SECONDS_PER_YEAR.sqrt();
    let mut dlog = -0.5 * sigma * sigma * dt + sigma * dt.sqrt() * normal(&mut c.rng);
    // Jumps: about one per half hour, 0.3 % typical size.
    for _ in 0..poisson(&mut c.rng, dt / 1800.0) {
        dlog += 0.003 * normal(&mut c.rng);
    }
    c.mid *= dlog.exp();
    // The oracle follows the mid over ~20 s; the basis wanders around zero over ~an hour.
    let a = (dt / 20.0).min(1.0);
    c.oracle_avg += a * (c.mid - c.oracle_avg);
    let b = (dt / 3600.0).min(1.0);
    c.basis += -b * c.basis + 0.0002 * (2.0 * b).sqrt() * normal(&mut c.rng);
}

/// The largest valid price strictly below `px`.
fn next_down(spec: &InstrumentSpec, px: Px) -> Px {
    spec.round_bid(Px(px.0 - 1))
}

/// The smallest valid price strictly above `px`.
fn next_up(spec: &InstrumentSpec, px: Px) -> Px {
    spec.round_ask(Px(px.0 + 1))
}

fn build_ladder<V: FlowVenue>(
    c: &mut CoinState,
    venue: &V,
    bids: &mut Vec<Level>,
    asks: &mut Vec<Level>,
) {
    let spec = c.spec;
    let hs = c.params.half_spread_bps * 1e-4;
    let Some(mut bid) = spec.bid_from_f64(c.mid * (1.0 - hs)) else {
        bids.clear();
        asks.clear();
        return;
    };
    let mut ask = spec.ask_from_f64(c.mid * (1.0 + hs)).unwrap_or_else(|| next_up(&spec, bid));
    if ask <= bid {
        ask = next_up(&spec, bid);
    }
    let old_bids = venue.house_side(spec.asset, Side::Bid);
    let old_asks = venue.house_side(spec.asset, Side::Ask);
    bids.clear();
    asks.clear();
    // Both the old and the new ladder are sorted best first: one cursor into the old one.
    let mut k = 0;
    for i in 0..LADDER_DEPTH {
        if bid.0 <= 0 {
            break;
        }
        while k < old_bids.len() && old_bids[k].px > bid {
            k += 1;
        }
        let old = old_bids.get(k).filter(|l| l.px == bid).copied();
        bids.push(maker_level(c, &spec, bid, i, old));
        bid = next_down(&spec, bid);
        // Deeper in the book some prices are left empty, as on the venue.
        let mut run = 0;
        while i >= 3 && run < MAX_HOLE_RUN && bid.0 > 0 && is_hole(c.hole_key, Side::Bid, bid) {
            bid = next_down(&spec, bid);
            run += 1;
        }
    }
    let mut k = 0;
    for i in 0..LADDER_DEPTH {
        while k < old_asks.len() && old_asks[k].px < ask {
            k += 1;
        }
        let old = old_asks.get(k).filter(|l| l.px == ask).copied();
        asks.push(maker_level(c, &spec, ask, i, old));
        ask = next_up(&spec, ask);
        let mut run = 0;
        while i >= 3 && run < MAX_HOLE_RUN && is_hole(c.hole_key, Side::Ask, ask) {
            ask = next_up(&spec, ask);
            run += 1;
        }
    }
}

/// The maker's level `i` (0 = best) at `px`, given the level it kept at that price (`old`):
/// most of a level still at the same price stays; otherwise a fresh log-normal size that grows
/// with depth.
fn maker_level(
    c: &mut CoinState,
    spec: &InstrumentSpec,
    px: Px,
    i: usize,
    old: Option<Level>,
) -> Level {
    if let Some(l) = old {
        if c.rng.random_bool(0.8) {
            return l;
        }
    }
    let usd = c.params.level_usd * (1.0 + 0.08 * i as f64) * (0.6 * normal(&mut c.rng)).exp();
    let sz = spec.sz_from_f64_down(usd / c.mid).map_or(Sz(1), |s| Sz(s.0.max(1)));
    let n = c.rng.random_range(1..=6u32);
    Level { px, sz, n }
}

fn run_takers<V: FlowVenue>(c: &mut CoinState, venue: &mut V, dt: f64, now: Nanos) {
    let asset = c.spec.asset;
    let spare = |venue: &V, side: Side| {
        venue.side(asset, side.opposite()).len().saturating_sub(MAX_BOOK_LEVELS)
    };
    for _ in 0..poisson(&mut c.rng, c.params.taker_rate * dt) {
        let side = if c.rng.random_bool(0.5) { Side::Bid } else { Side::Ask };
        // Never eat into the 20 published levels: the ladder is refilled next block.
        let max_levels = spare(venue, side).min(MAX_SWEEP_LEVELS);
        if max_levels == 0 {
            continue;
        }
        let usd = c.params.taker_usd * normal(&mut c.rng).exp();
        let Some(sz) = c.spec.sz_from_f64_down(usd / c.mid) else { continue };
        if sz.0 <= 0 {
            continue;
        }
        venue.take(asset, side, sz, max_levels, now, &mut c.trades);
    }
}

fn update_stats<V: FlowVenue>(c: &mut CoinState, venue: &V, dt: f64, now_ms: u64) {
    let spec = c.spec;
    let bucket = now_ms / MS_PER_BUCKET;
    while c.bucket < bucket {
        c.bucket += 1;
        let slot = (c.bucket % VOLUME_BUCKETS as u64) as usize;
        c.vol_usd[slot] = 0.0;
        c.vol_base[slot] = 0.0;
        c.px_at_bucket[slot] = c.mid;
    }
    let slot = (c.bucket % VOLUME_BUCKETS as u64) as usize;
    for t in &c.trades {
        let coins = spec.sz_to_f64(t.sz);
        c.vol_usd[slot] += coins * spec.px_to_f64(t.px);
        c.vol_base[slot] += coins;
        // Half the trades open positions, half close them; open interest stays near its start.
        let target = c.params.oi_usd / c.mid;
        let opens = c.rng.random_bool(if c.oi < target { 0.55 } else { 0.45 });
        c.oi = if opens { c.oi + coins } else { (c.oi - coins).max(0.0) };
    }
    let best_bid = venue.side(spec.asset, Side::Bid).first().copied();
    let best_ask = venue.side(spec.asset, Side::Ask).first().copied();
    c.bbo_changed = (best_bid, best_ask) != c.prev_bbo;
    c.prev_bbo = (best_bid, best_ask);
    let oracle = c.oracle_avg * (1.0 - c.basis);
    let book_mid = match (best_bid, best_ask) {
        (Some(b), Some(a)) => Some(Px((b.px.0 + a.px.0) / 2)),
        _ => None,
    };
    let mid_f = book_mid.map_or(c.mid, |m| spec.px_to_f64(m));
    let premium = (mid_f - oracle) / oracle;
    if dt > 0.0 {
        c.premium_sum += premium;
        c.premium_n += 1;
    }
    let avg_premium = if c.premium_n > 0 { c.premium_sum / c.premium_n as f64 } else { premium };
    let funding = funding_8h(avg_premium) / 8.0;
    let hour = now_ms / MS_PER_HOUR;
    if hour > c.hour {
        c.hour = hour;
        push_funding(
            c,
            FundingRecord {
                time_ms: hour * MS_PER_HOUR,
                rate: rate(funding),
                premium: rate(avg_premium),
            },
        );
        c.premium_sum = 0.0;
        c.premium_n = 0;
    }
    let oracle_px = to_px(&spec, oracle);
    let mark = match (best_bid, best_ask) {
        (Some(b), Some(a)) => median3(oracle_px, b.px, a.px),
        _ => oracle_px,
    };
    let day_usd: f64 = c.vol_usd.iter().sum();
    let day_base: f64 = c.vol_base.iter().sum();
    let prev_slot = ((c.bucket + 1) % VOLUME_BUCKETS as u64) as usize;
    c.ctx = CoinCtx {
        day_ntl_vlm: Usd::from_f64(day_usd).unwrap_or_default(),
        day_base_vlm: spec.sz_from_f64_down(day_base).unwrap_or_default(),
        prev_day_px: to_px(&spec, c.px_at_bucket[prev_slot]),
        mark_px: mark,
        mid_px: book_mid,
        oracle_px,
        funding: rate(funding),
        premium: rate(premium),
        open_interest: spec.sz_from_f64_down(c.oi).unwrap_or_default(),
        impact_pxs: best_bid.zip(best_ask).map(|(b, a)| (b.px, a.px)),
    };
}

/// The venue's 8 h funding from an average premium: `p + clamp(0.0001 − p, ±0.0005)`, capped
/// at 4 %/h.
fn funding_8h(avg_premium: f64) -> f64 {
    let f = avg_premium + (BASE_INTEREST_8H - avg_premium).clamp(-0.0005, 0.0005);
    f.clamp(-0.32, 0.32)
}

fn seed_funding_history(c: &mut CoinState, now_ms: u64) {
    let hour = now_ms / MS_PER_HOUR;
    for h in (1..=24u64).rev() {
        let premium = c.basis + 0.0001 * normal(&mut c.rng);
        push_funding(
            c,
            FundingRecord {
                time_ms: hour.saturating_sub(h) * MS_PER_HOUR,
                rate: rate(funding_8h(premium) / 8.0),
                premium: rate(premium),
            },
        );
    }
}

fn push_funding(c: &mut CoinState, r: FundingRecord) {
    if c.funding_history.len() == FUNDING_HISTORY_CAP {
        c.funding_history.remove(0);
    }
    c.funding_history.push(r);
}

fn rate(x: f64) -> Rate {
    Rate((x * 1e12).round() as i64)
}

/// A context price (not an order price): nearest unit of the price scale, at least one.
fn to_px(spec: &InstrumentSpec, usd: f64) -> Px {
    let scale = 10f64.powi(i32::from(spec.px_decimals()));
    Px(((usd * scale).round() as i64).max(1))
}

fn median3(a: Px, b: Px, c: Px) -> Px {
    a.max(b).min(a.min(b).max(c))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// SplitMix64 finaliser: spreads a counter over 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn hash32(key: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut k = key;
    for chunk in out.chunks_exact_mut(8) {
        k = mix64(k);
        chunk.copy_from_slice(&k.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests;

//! What a market is made of: each coin's parameters, the built-in universe, the schedule of
//! listings and delistings, and their validation.

use serde::Deserialize;

use hlmm_types::Coin;

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

/// Informed takers, for every coin: adverse selection that a quoter can lose to.
///
/// Each coin's book mid lags a latent fair value by about `lead_ms`: the diffusion (and the
/// jumps) move the fair value, and the mid closes the gap exponentially with that time
/// constant. A share `share` of the house takers know the fair value and trade towards it
/// (buy when it is above the mid), so they trade in the direction of the move that follows;
/// the others pick a side at random. `share = 0` or `lead_ms = 0` is the uninformed market of
/// earlier versions, with the same random paths.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InformedFlow {
    /// Share of house takers that are informed, in `[0, 1]`.
    pub share: f64,
    /// Time constant with which the mid follows the fair value, ms.
    pub lead_ms: u64,
}

impl Default for InformedFlow {
    /// The calibrated market (`docs/strategy.md`, "Calibration"): a quoter inside the maker
    /// fee loses, as on the venue.
    fn default() -> Self {
        Self { share: 0.3, lead_ms: 5_000 }
    }
}

impl InformedFlow {
    /// No informed takers, no lag: the uninformed market.
    pub const NONE: Self = Self { share: 0.0, lead_ms: 0 };

    /// `Err` names the field and the rule it breaks.
    pub fn validate(&self) -> Result<(), MarketError> {
        if !(0.0..=1.0).contains(&self.share) {
            return Err(MarketError::BadParam {
                coin: "*".to_owned(),
                field: "informed.share",
                value: self.share,
                rule: "must be in [0, 1]",
            });
        }
        Ok(())
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
    pub(super) fn at_ms(&self) -> u64 {
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

pub(super) fn validate(p: &CoinParams) -> Result<(), MarketError> {
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

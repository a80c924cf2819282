//! Order validation rules and the venue's exact rejection strings (hyperliquid.md §4).
//!
//! The static rules (tick, lot, $10 minimum) need only the instrument; the stateful ones
//! (post-only crossing, reduce-only, margin, open-order cap) are decided by the exchange, which
//! reports them with the same [`OrderRejection`] so every string lives here.

use hlmm_types::{DecimalStr, InstrumentSpec, Px, Sz};

/// Why an order was refused, with the venue's per-order error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRejection {
    /// Not on the price grid (5 significant figures, `MAX_DECIMALS − szDecimals`).
    Tick,
    /// More size decimals than `szDecimals`, or a zero size.
    InvalidSize,
    /// Below $10 at the limit price.
    MinTradeNtl,
    /// A post-only order would have crossed; carries the book's best bid and ask.
    BadAloPx {
        /// Best bid, in ticks.
        bid: Option<Px>,
        /// Best ask, in ticks.
        ask: Option<Px>,
        /// The asset's price decimals, to format them.
        px_decimals: u8,
    },
    /// An IOC order found nothing to trade against.
    IocCancel,
    /// A reduce-only order would open or increase a position.
    ReduceOnly,
    /// Not enough account value for the order's initial margin.
    PerpMargin,
    /// The account already has its maximum number of resting orders.
    TooManyOpenOrders,
    /// The asset id is not listed.
    UnknownAsset,
}

impl OrderRejection {
    /// The per-order `error` string exactly as the venue sends it.
    ///
    /// `TooManyOpenOrders` and `UnknownAsset` are **not** venue-documented strings (the venue's
    /// text for them is unknown to us); every other string is from the venue's
    /// `error-responses` page or observed replies.
    pub fn message(&self) -> String {
        match self {
            Self::Tick => "Price must be divisible by tick size.".to_owned(),
            Self::InvalidSize => "Order has invalid size.".to_owned(),
            Self::MinTradeNtl => "Order must have minimum value of $10.".to_owned(),
            Self::BadAloPx { bid, ask, px_decimals } => {
                let fmt = |p: Px| DecimalStr::new(p.0, *px_decimals).as_str().to_owned();
                // Observed: `bbo was 2440.1@2440.2.`, and `bbo was 63000.` with one side empty.
                let bbo = match (bid, ask) {
                    (Some(b), Some(a)) => format!("{}@{}", fmt(*b), fmt(*a)),
                    (Some(p), None) | (None, Some(p)) => fmt(*p),
                    (None, None) => String::new(),
                };
                format!("Post only order would have immediately matched, bbo was {bbo}.")
            }
            Self::IocCancel => {
                "Order could not immediately match against any resting orders.".to_owned()
            }
            Self::ReduceOnly => "Reduce only order would increase position.".to_owned(),
            Self::PerpMargin => "Insufficient margin to place order.".to_owned(),
            Self::TooManyOpenOrders => "Too many open orders.".to_owned(),
            Self::UnknownAsset => "Invalid asset.".to_owned(),
        }
    }

    /// The `orderStatus` name of the rejection (`tickRejected`, `badAloPxRejected`, …).
    pub const fn status_name(&self) -> &'static str {
        match self {
            Self::Tick => "tickRejected",
            Self::InvalidSize => "invalidSizeRejected",
            Self::MinTradeNtl => "minTradeNtlRejected",
            Self::BadAloPx { .. } => "badAloPxRejected",
            Self::IocCancel => "iocCancelRejected",
            Self::ReduceOnly => "reduceOnlyRejected",
            Self::PerpMargin => "perpMarginRejected",
            Self::TooManyOpenOrders => "tooManyOpenOrdersRejected",
            Self::UnknownAsset => "invalidAssetRejected",
        }
    }
}

/// Parses an order's `p` string for the server: a price with more decimals than the asset
/// allows is the venue's tick error, not a malformed request.
pub fn parse_order_px(spec: &InstrumentSpec, text: &[u8]) -> Result<Px, OrderRejection> {
    spec.parse_px(text).map_err(|_| OrderRejection::Tick)
}

/// Parses an order's `s` string for the server: more decimals than `szDecimals` is the venue's
/// invalid-size error.
pub fn parse_order_sz(spec: &InstrumentSpec, text: &[u8]) -> Result<Sz, OrderRejection> {
    spec.parse_sz(text).map_err(|_| OrderRejection::InvalidSize)
}

/// The rules that need only the instrument: price on the grid, positive size, $10 minimum.
/// Reduce-only orders are exempt from the minimum (closing a small position must be possible;
/// the venue's exact rule for them is uncertain, hyperliquid.md §6).
pub fn check_static(
    spec: &InstrumentSpec,
    px: Px,
    sz: Sz,
    reduce_only: bool,
) -> Result<(), OrderRejection> {
    if !spec.is_valid_px(px) {
        return Err(OrderRejection::Tick);
    }
    if sz.0 <= 0 {
        return Err(OrderRejection::InvalidSize);
    }
    if !reduce_only && !spec.meets_min_notional(px, sz) {
        return Err(OrderRejection::MinTradeNtl);
    }
    Ok(())
}

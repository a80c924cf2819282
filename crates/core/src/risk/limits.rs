//! Position limits: how much of a new quote fits under `max_long_usd` / `max_short_usd`.

use crate::params::SymbolParams;
use crate::strategy::notional;
use hlmm_types::{InstrumentSpec, Px, Side, Sz, Usd};

/// The largest size of a new order on `side` at `px` that keeps the position within its limit,
/// capped at `want`; zero when at or past the limit.
///
/// Counted: the position at the mark (`position_usd`, signed, long positive), every other live
/// or in-flight order on that side (`other`, lots, valued at `px`) and the new order itself
/// (valued at `px`). Long: `position_usd + (other + sz) × px ≤ max_long_usd`; short:
/// `−position_usd + (other + sz) × px ≤ max_short_usd`. Integer arithmetic: the headroom in
/// micro-dollars divided by the value of one lot, rounded down.
pub fn clip_to_limit(
    spec: &InstrumentSpec,
    side: Side,
    px: Px,
    want: Sz,
    position_usd: Usd,
    other: Sz,
    p: &SymbolParams,
) -> Sz {
    let per_lot = notional(spec, px, Sz(1)).0;
    if per_lot <= 0 {
        return Sz::ZERO;
    }
    let (limit, toward) = match side {
        Side::Bid => (p.max_long_usd.0, position_usd.0),
        Side::Ask => (p.max_short_usd.0, -position_usd.0),
    };
    let room = limit.max(0).saturating_sub(toward);
    if room <= 0 {
        return Sz::ZERO;
    }
    let headroom = room / per_lot - other.0.max(0);
    Sz(want.0.min(headroom).max(0))
}

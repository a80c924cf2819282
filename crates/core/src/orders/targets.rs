//! What the strategy asks of the order manager ([`Targets`]) and how eagerly it re-quotes
//! ([`RequotePolicy`], slowed down by [`BudgetPressure`]).

use hlmm_types::commands::Tif;
use hlmm_types::{Px, Side, Sz};

/// Default for [`RequotePolicy::cancel_retry_ns`]: 10 s, above a typical `expiresAfter`.
pub const DEFAULT_CANCEL_RETRY_NS: u64 = 10_000_000_000;

/// One desired quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteTarget {
    /// Limit price, in ticks; must be on the venue's grid (else the side is treated as having no
    /// target, and counted).
    pub px: Px,
    /// Size, in lots; positive.
    pub sz: Sz,
    /// Send reduce-only.
    pub reduce_only: bool,
    /// Time in force (quotes: `Alo`). An `Ioc` target is sent whenever its side has no live
    /// order, so the caller clears it once the hedge is done.
    pub tif: Tif,
}

/// The desired quotes of one asset: at most one level per side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Targets {
    /// Desired bid, or `None` for no bid (an existing bid is cancelled).
    pub bid: Option<QuoteTarget>,
    /// Desired ask, or `None` for no ask.
    pub ask: Option<QuoteTarget>,
}

impl Targets {
    /// No quotes on either side.
    pub const NONE: Self = Self { bid: None, ask: None };

    /// The target of `side`.
    pub const fn get(&self, side: Side) -> Option<QuoteTarget> {
        match side {
            Side::Bid => self.bid,
            Side::Ask => self.ask,
        }
    }
}

/// How close the exec thread's rate budget is to throttling us (`fault-cases.md` case 5). The
/// core re-quotes less as it rises, so the venue never has to throttle; cancels are never held
/// back (the budget keeps their room).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum BudgetPressure {
    /// Plenty left: re-quote per the symbol's parameters.
    #[default]
    Normal,
    /// Running low: quotes tolerate 4× the price drift and refresh 4× less often, and a
    /// resting size within 10 % of its target is kept.
    Low,
    /// Nearly spent (or backing off after a 429): 16×, and within 25 %.
    Critical,
}

impl BudgetPressure {
    /// The factor applied to the re-quote tolerance and the forced-refresh interval.
    pub const fn slowdown(self) -> i64 {
        match self {
            Self::Normal => 1,
            Self::Low => 4,
            Self::Critical => 16,
        }
    }

    /// From its wire/atomic form (`as u8`); unknown values read as `Critical` (fail safe).
    #[inline]
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Normal,
            1 => Self::Low,
            _ => Self::Critical,
        }
    }

    /// This policy, slowed down for the pressure.
    pub const fn apply(self, p: RequotePolicy) -> RequotePolicy {
        let k = self.slowdown();
        let size_slack_bp = match self {
            Self::Normal => p.size_slack_bp,
            Self::Low => 1_000,
            Self::Critical => 2_500,
        };
        RequotePolicy {
            tolerance_ticks: p.tolerance_ticks.saturating_mul(k),
            force_refresh_ns: p.force_refresh_ns.saturating_mul(k as u64),
            size_slack_bp,
            ..p
        }
    }
}

/// When a live quote is kept and how it is re-quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequotePolicy {
    /// A resting quote within this many ticks (at the target price's tick size) of its target,
    /// with the same size, tif and reduce-only flag, is kept (its queue place is worth more).
    pub tolerance_ticks: i64,
    /// A quote placed at least this long ago (ns) is re-quoted even if within tolerance
    /// (`force_quote_refresh_interval`). `0` = never.
    pub force_refresh_ns: u64,
    /// Re-quote with one `Modify` (batchModify) rather than `Cancel` + `Place`. IOC targets are
    /// always cancel + place (a modify's new leg must be ALO or GTC).
    pub prefer_modify: bool,
    /// After an ambiguous cancel, `sync` re-sends the cancel once this long (ns) has passed.
    /// Set it at least to the actions' `expiresAfter`, so the first cancel can no longer land.
    pub cancel_retry_ns: u64,
    /// A resting quote whose size is within this much of its target (basis points of the
    /// target) is kept. `0` = sizes must match. Only budget pressure sets it: a kept quote may
    /// then exceed a limit-clipped target by at most this fraction of one quote.
    pub size_slack_bp: u32,
}

impl RequotePolicy {
    /// A policy with [`DEFAULT_CANCEL_RETRY_NS`].
    pub const fn new(tolerance_ticks: i64, force_refresh_ns: u64, prefer_modify: bool) -> Self {
        Self {
            tolerance_ticks,
            force_refresh_ns,
            prefer_modify,
            cancel_retry_ns: DEFAULT_CANCEL_RETRY_NS,
            size_slack_bp: 0,
        }
    }
}

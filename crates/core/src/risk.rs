//! Risk: one trading state machine per symbol, position limits, daily and trailing stops.
//!
//! # States
//!
//! - `Active`: two-sided market making, sizes clipped to the position limits.
//! - `Reducing` (hedge-only): only the side that reduces the position is quoted, reduce-only;
//!   nothing when flat. While *flattening* (after a stop), the reducing quote rests at the
//!   touch and a reduce-only IOC follows every `flatten_ioc_after`.
//! - `Halted`: nothing is quoted; every resting quote of the symbol is cancelled. Cancels are
//!   always allowed.
//!
//! # What puts a symbol where (highest priority first)
//!
//! | condition | state | ends when |
//! |---|---|---|
//! | kill switch | Halted (`Kill`) | an explicit resume |
//! | operator halt of the symbol | Halted (`OperatorHalt`) | the operator resumes the symbol |
//! | not started (startup) | Halted (`Startup`) | the engine's first resume, after reconciliation |
//! | no fresh book within `stale_book_after` | Halted (`StaleBook`) | a fresh book |
//! | a tick or lot reject (our bug) | Halted (`RejectHalt`) | a resume |
//! | a stop fired and a position remains | Reducing, flattening (`TrailingStop`, `DailyStop`, `GlobalDailyStop`) | flat, or below the venue's minimum order value (or, for daily stops, the UTC day ends) |
//! | daily PnL ≤ `−daily_pnl_stop_loss`, flat | Halted (`DailyStop`) | 00:00 UTC |
//! | global daily PnL ≤ `−global_daily_pnl_stop_loss`, flat | Halted (`GlobalDailyStop`) | 00:00 UTC |
//! | unrealised PnL ≥ `trailing_take_profit` × notional | Reducing (`TakeProfit`) | flat |
//! | a margin or max-position reject | Reducing (`RejectReduce`) | flat |
//! | `hedge_only_mode` configured | Reducing (`HedgeOnlyConfig`) | config clears it |
//! | none of the above | Active (`Clear`) | |
//!
//! - **Daily stop**: PnL since 00:00 UTC (realised + unrealised − fees + funding, from
//!   `positions`) at or below `−daily_pnl_stop_loss` latches the stop for the rest of the UTC
//!   day: flatten, then halt. The global stop does the same for every symbol on the sum.
//! - **Trailing stop**: `peak` is the highest unrealised PnL seen since the position opened
//!   (or flipped). When `peak − upnl > trailing_stop_loss × notional` (notional at the mark), the
//!   position is exited (flattened); once flat the symbol returns to `Active`.
//! - **Trailing take profit**: once `upnl ≥ trailing_take_profit × notional`, stop adding:
//!   hedge-only, unwinding passively at the model's reducing price while the trailing stop
//!   protects the peak.
//! - **Limits**: no quote may take the position past `max_long_usd` / `max_short_usd`, counting
//!   the position, every other live or in-flight order on that side, and the quote itself,
//!   valued at the quote's price ([`clip_to_limit`]). At the limit only the reducing side is
//!   quoted.
//!
//! Every change of state (or of the reason for it) is recorded as a [`Transition`] in an
//! [`AuditRing`]: a bounded ring of `Copy` records that the quote thread drains and forwards to
//! the side thread. The ring never allocates; when full, the oldest record is overwritten and
//! counted.
//!
//! Runs on the quote thread. No clock (`now` is an argument), no allocation, no logging.
//!
//! Where things are: the per-symbol state machine ([`SymbolRisk`]) here; the states, their
//! table and reasons in `state`; the audit ring in `audit`; [`clip_to_limit`] in `limits`.

mod audit;
mod limits;
mod state;

use super::params::SymbolParams;
use hlmm_types::{AssetId, Nanos, Sz, Usd};

pub use self::audit::{AuditRing, Transition};
pub use self::limits::clip_to_limit;
pub use self::state::{InvalidRiskTransition, Reason, TradingState};

/// Nanoseconds in a UTC day; the Unix epoch starts at 00:00 UTC.
pub const NANOS_PER_DAY: u64 = 86_400 * 1_000_000_000;

/// The UTC day index of `t` (days since the epoch).
pub const fn utc_day(t: Nanos) -> u64 {
    t.0 / NANOS_PER_DAY
}

/// A position exit in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exit {
    /// Which stop started it.
    reason: Reason,
    /// When it started.
    since: Nanos,
    /// When the last flattening IOC was sent.
    last_ioc: Option<Nanos>,
}

/// What the symbol may quote now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteMode {
    /// Nothing: cancel every quote.
    Nothing,
    /// Two-sided market making within limits.
    TwoSided,
    /// The reducing side only, reduce-only, at the model price.
    ReduceOnly,
    /// Flattening: the reducing side, reduce-only, at the touch; `ioc` when an IOC is due.
    Flatten {
        /// Send a reduce-only IOC through the book now.
        ioc: bool,
    },
}

/// What risk needs to know about a symbol at one moment.
#[derive(Debug, Clone, Copy)]
pub struct RiskInputs {
    /// The event's time.
    pub now: Nanos,
    /// Signed position, lots.
    pub position: Sz,
    /// Absolute position notional at the mark, USD.
    pub notional: Usd,
    /// Unrealised PnL at the mark, USD.
    pub upnl: Usd,
    /// PnL since 00:00 UTC (realised + unrealised − fees + funding), USD.
    pub daily_pnl: Usd,
    /// A book arrived within `stale_book_after`.
    pub book_fresh: bool,
    /// The kill switch is on.
    pub kill: bool,
    /// An operator halted this symbol.
    pub operator_halt: bool,
    /// The engine has not resumed since startup.
    pub startup: bool,
    /// The global daily stop fired today.
    pub global_stop: bool,
    /// A tick or lot reject since the last resume.
    pub reject_halt: bool,
    /// A margin or max-position reject while the current position is open.
    pub reject_reduce: bool,
    /// Reconciliation found a position mismatch not yet cleared by an agreeing one.
    pub reconcile_mismatch: bool,
}

/// One symbol's risk state.
#[derive(Debug, Clone, Copy)]
pub struct SymbolRisk {
    /// The symbol.
    asset: AssetId,
    /// Current state.
    state: TradingState,
    /// Why.
    reason: Reason,
    /// UTC day on which the symbol's daily stop fired, if it did.
    day_stop: Option<u64>,
    /// An exit in progress.
    exit: Option<Exit>,
    /// The take profit was reached for the current position.
    take_profit: bool,
    /// Highest unrealised PnL since the position opened; `None` when flat.
    peak_upnl: Option<Usd>,
    /// Sign of the position at the last evaluation (-1, 0, 1), to see opens and flips.
    side: i64,
}

impl SymbolRisk {
    /// A symbol at startup: halted until resumed.
    pub fn new(asset: AssetId) -> Self {
        Self {
            asset,
            state: TradingState::Halted,
            reason: Reason::Startup,
            day_stop: None,
            exit: None,
            take_profit: false,
            peak_upnl: None,
            side: 0,
        }
    }

    /// Current state.
    pub fn state(&self) -> TradingState {
        self.state
    }

    /// Why it is in that state.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// Highest unrealised PnL since the position opened.
    pub fn peak_upnl(&self) -> Option<Usd> {
        self.peak_upnl
    }

    /// Brings the state up to date with `i`; records a transition if it changed. Call after
    /// every event that touches the symbol and on every timer; extra calls are no-ops.
    pub fn evaluate(&mut self, i: &RiskInputs, p: &SymbolParams, audit: &mut AuditRing) {
        let today = utc_day(i.now);
        // A position worth less than the venue's smallest order cannot be reduced by one (a
        // reduce-only order would be refused as below the minimum value), so it counts as
        // flat: a stop on such dust would hold the symbol in `Reducing` for ever. Two-sided
        // quoting trades it away.
        let side = if i.notional < Usd::MIN_ORDER_VALUE { 0 } else { i.position.0.signum() };
        if side != self.side {
            // Opened, flipped or closed: trailing state belongs to the old position.
            self.peak_upnl = None;
            self.take_profit = false;
            self.side = side;
        }
        if self.day_stop.is_some_and(|d| d != today) {
            self.day_stop = None;
        }
        if side == 0 {
            self.exit = None;
        } else {
            let peak = self.peak_upnl.map_or(i.upnl, |pk| pk.max(i.upnl));
            self.peak_upnl = Some(peak);
            let notional = i.notional.to_f64();
            if p.trailing_stop_loss > 0.0
                && (peak - i.upnl).to_f64() > p.trailing_stop_loss * notional
            {
                self.start_exit(Reason::TrailingStop, i.now);
            }
            if p.trailing_take_profit > 0.0 && i.upnl.to_f64() >= p.trailing_take_profit * notional
            {
                self.take_profit = true;
            }
        }
        if self.exit.is_some_and(|e| {
            e.reason != Reason::TrailingStop && self.day_stop.is_none() && !i.global_stop
        }) {
            // A daily-stop exit ends with its UTC day.
            self.exit = None;
        }
        if i.daily_pnl.0 <= -p.daily_pnl_stop_loss.0 {
            self.day_stop = Some(today);
        }
        if side != 0 {
            if self.day_stop.is_some() {
                self.start_exit(Reason::DailyStop, i.now);
            } else if i.global_stop {
                self.start_exit(Reason::GlobalDailyStop, i.now);
            }
        }
        let (state, reason) = self.required(i, p);
        self.move_to(state, reason, i.now, audit);
    }

    fn start_exit(&mut self, reason: Reason, now: Nanos) {
        if self.exit.is_none() {
            self.exit = Some(Exit { reason, since: now, last_ioc: None });
        }
    }

    fn required(&self, i: &RiskInputs, p: &SymbolParams) -> (TradingState, Reason) {
        use TradingState::{Active, Halted, Reducing};
        if i.kill {
            (Halted, Reason::Kill)
        } else if i.operator_halt {
            (Halted, Reason::OperatorHalt)
        } else if i.startup {
            (Halted, Reason::Startup)
        } else if !i.book_fresh {
            (Halted, Reason::StaleBook)
        } else if i.reject_halt {
            (Halted, Reason::RejectHalt)
        } else if let Some(e) = self.exit {
            (Reducing, e.reason)
        } else if self.day_stop.is_some() {
            (Halted, Reason::DailyStop)
        } else if i.global_stop {
            (Halted, Reason::GlobalDailyStop)
        } else if self.take_profit {
            (Reducing, Reason::TakeProfit)
        } else if i.reject_reduce {
            (Reducing, Reason::RejectReduce)
        } else if i.reconcile_mismatch {
            (Reducing, Reason::ReconcileMismatch)
        } else if p.hedge_only_mode {
            (Reducing, Reason::HedgeOnlyConfig)
        } else {
            (Active, Reason::Clear)
        }
    }

    fn move_to(&mut self, to: TradingState, reason: Reason, now: Nanos, audit: &mut AuditRing) {
        if to == self.state && reason == self.reason {
            return;
        }
        let from = self.state;
        if to != from {
            // The table allows every move between different states; a refusal would be a bug
            // in `required`, and staying put is the safe answer for a pure core.
            match from.transition(to) {
                Ok(s) => self.state = s,
                Err(_) => return,
            }
        }
        self.reason = reason;
        audit.push(Transition { asset: self.asset, from, to, reason, time: now });
    }

    /// What may be quoted now.
    pub fn mode(&self, now: Nanos, p: &SymbolParams) -> QuoteMode {
        match (self.state, self.exit) {
            (TradingState::Halted, _) => QuoteMode::Nothing,
            (TradingState::Active, _) => QuoteMode::TwoSided,
            (TradingState::Reducing, Some(e)) => {
                let after = p.flatten_ioc_after;
                let started_long_ago = now.saturating_since(e.since) >= after;
                let last_long_ago = e.last_ioc.is_none_or(|t| now.saturating_since(t) >= after);
                QuoteMode::Flatten { ioc: started_long_ago && last_long_ago }
            }
            (TradingState::Reducing, None) => QuoteMode::ReduceOnly,
        }
    }

    /// Records that a flattening IOC was sent at `now` (the next one is due a full
    /// `flatten_ioc_after` later).
    pub fn ioc_sent(&mut self, now: Nanos) {
        if let Some(e) = self.exit.as_mut() {
            e.last_ioc = Some(now);
        }
    }
}

#[cfg(test)]
mod tests;

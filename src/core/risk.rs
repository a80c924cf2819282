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
//! | not started (startup) | Halted (`Startup`) | the engine's first resume, after reconciliation |
//! | no fresh book within `stale_book_after` | Halted (`StaleBook`) | a fresh book |
//! | a tick or lot reject (our bug) | Halted (`RejectHalt`) | a resume |
//! | a stop fired and a position remains | Reducing, flattening (`TrailingStop`, `DailyStop`, `GlobalDailyStop`) | flat (or, for daily stops, the UTC day ends) |
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

use super::params::SymbolParams;
use crate::types::{AssetId, InstrumentSpec, Nanos, Px, Side, Sz, Usd};

/// Nanoseconds in a UTC day; the Unix epoch starts at 00:00 UTC.
pub const NANOS_PER_DAY: u64 = 86_400 * 1_000_000_000;

/// The UTC day index of `t` (days since the epoch).
pub const fn utc_day(t: Nanos) -> u64 {
    t.0 / NANOS_PER_DAY
}

/// A symbol's trading state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TradingState {
    /// Two-sided quoting within limits.
    Active,
    /// Hedge-only: only reduce-only quotes on the side that reduces the position.
    Reducing,
    /// Nothing but cancels.
    Halted,
}

/// A transition that the table does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid trading-state transition from {from:?} to {to:?}")]
pub struct InvalidTransition {
    /// The state it was in.
    pub from: TradingState,
    /// The state asked for.
    pub to: TradingState,
}

impl TradingState {
    /// The transition table. Every move between different states is allowed (risk can both
    /// escalate and relax in one step, e.g. a kill from `Active` or a resume into `Active`);
    /// staying put is not a transition.
    pub fn transition(self, to: Self) -> Result<Self, InvalidTransition> {
        use TradingState::{Active, Halted, Reducing};
        match (self, to) {
            (Active, Reducing)
            | (Active, Halted)
            | (Reducing, Halted)
            | (Reducing, Active)
            | (Halted, Reducing)
            | (Halted, Active) => Ok(to),
            (Active, Active) | (Reducing, Reducing) | (Halted, Halted) => {
                Err(InvalidTransition { from: self, to })
            }
        }
    }
}

/// Why a symbol is in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Nothing restricts quoting.
    Clear,
    /// `hedge_only_mode` is configured.
    HedgeOnlyConfig,
    /// The trailing take profit was reached.
    TakeProfit,
    /// The trailing stop fired.
    TrailingStop,
    /// The symbol's daily PnL stop fired.
    DailyStop,
    /// The global daily PnL stop fired.
    GlobalDailyStop,
    /// No fresh book.
    StaleBook,
    /// The kill switch.
    Kill,
    /// Not yet resumed after startup.
    Startup,
    /// The venue refused an order for a tick or lot error: our rounding or metadata is wrong
    /// (`fault-cases.md` case 7). Halted until resumed.
    RejectHalt,
    /// The venue refused an order for margin or maximum position: reduce until flat.
    RejectReduce,
    /// Reconciliation found our position differs from the venue's (twice in a row): the
    /// venue's size was adopted, and the symbol reduces until a reconciliation agrees again.
    ReconcileMismatch,
}

/// One audit record: a symbol changed state (or the reason for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The symbol.
    pub asset: AssetId,
    /// State before.
    pub from: TradingState,
    /// State after.
    pub to: TradingState,
    /// Why.
    pub reason: Reason,
    /// When (`now` of the event that caused it), ns since the epoch.
    pub time: Nanos,
}

/// A bounded ring of [`Transition`]s, oldest overwritten when full.
#[derive(Debug, Clone)]
pub struct AuditRing {
    /// Fixed storage, allocated once at construction.
    slots: Box<[Option<Transition>]>,
    /// Index of the oldest record.
    head: usize,
    /// Records held.
    len: usize,
    /// Records overwritten before they were drained.
    overwritten: u64,
}

impl AuditRing {
    /// A ring holding up to `capacity` records (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: vec![None; capacity.max(1)].into_boxed_slice(),
            head: 0,
            len: 0,
            overwritten: 0,
        }
    }

    /// Appends a record, overwriting the oldest when full.
    pub fn push(&mut self, t: Transition) {
        let cap = self.slots.len();
        let tail = (self.head + self.len) % cap;
        self.slots[tail] = Some(t);
        if self.len == cap {
            self.head = (self.head + 1) % cap;
            self.overwritten += 1;
        } else {
            self.len += 1;
        }
    }

    /// Removes and returns the oldest record.
    pub fn pop(&mut self) -> Option<Transition> {
        if self.len == 0 {
            return None;
        }
        let t = self.slots[self.head].take();
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        t
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Records lost because the ring was full.
    pub fn overwritten(&self) -> u64 {
        self.overwritten
    }
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
        let side = i.position.0.signum();
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
    let per_lot = super::strategy::notional(spec, px, Sz(1)).0;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Coin;

    const SEC: u64 = 1_000_000_000;

    fn inputs(now: u64) -> RiskInputs {
        RiskInputs {
            now: Nanos(now),
            position: Sz::ZERO,
            notional: Usd::ZERO,
            upnl: Usd::ZERO,
            daily_pnl: Usd::ZERO,
            book_fresh: true,
            kill: false,
            startup: false,
            global_stop: false,
            reject_halt: false,
            reject_reduce: false,
            reconcile_mismatch: false,
        }
    }

    fn long(now: u64, notional: i64, upnl: i64) -> RiskInputs {
        RiskInputs {
            position: Sz(10),
            notional: Usd::from_dollars(notional),
            upnl: Usd::from_dollars(upnl),
            ..inputs(now)
        }
    }

    fn eval(r: &mut SymbolRisk, i: RiskInputs, p: &SymbolParams) -> (TradingState, Reason) {
        let mut audit = AuditRing::new(8);
        r.evaluate(&i, p, &mut audit);
        (r.state(), r.reason())
    }

    #[test]
    fn every_move_between_different_states_is_a_transition_and_staying_is_not() {
        use TradingState::{Active, Halted, Reducing};
        let all = [Active, Reducing, Halted];
        for from in all {
            for to in all {
                assert_eq!(from.transition(to).is_ok(), from != to, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn state_follows_the_highest_priority_condition() {
        struct Case {
            name: &'static str,
            edit: fn(&mut RiskInputs, &mut SymbolParams),
            want: (TradingState, Reason),
        }
        let cases = [
            Case {
                name: "nothing set is active",
                edit: |_, _| {},
                want: (TradingState::Active, Reason::Clear),
            },
            Case {
                name: "hedge-only config reduces",
                edit: |_, p| p.hedge_only_mode = true,
                want: (TradingState::Reducing, Reason::HedgeOnlyConfig),
            },
            Case {
                name: "stale book halts even in hedge-only",
                edit: |i, p| {
                    i.book_fresh = false;
                    p.hedge_only_mode = true;
                },
                want: (TradingState::Halted, Reason::StaleBook),
            },
            Case {
                name: "kill beats everything",
                edit: |i, _| {
                    i.kill = true;
                    i.book_fresh = false;
                    i.startup = true;
                },
                want: (TradingState::Halted, Reason::Kill),
            },
            Case {
                name: "startup halts until resumed",
                edit: |i, _| i.startup = true,
                want: (TradingState::Halted, Reason::Startup),
            },
            Case {
                name: "flat at the daily stop halts",
                edit: |i, _| i.daily_pnl = Usd::from_dollars(-100),
                want: (TradingState::Halted, Reason::DailyStop),
            },
            Case {
                name: "global stop with a position flattens",
                edit: |i, _| {
                    *i = long(i.now.0, 1_000, 0);
                    i.global_stop = true;
                },
                want: (TradingState::Reducing, Reason::GlobalDailyStop),
            },
        ];
        for c in cases {
            let mut i = inputs(SEC);
            let mut p = SymbolParams::default();
            (c.edit)(&mut i, &mut p);
            let mut r = SymbolRisk::new(AssetId(1));
            assert_eq!(eval(&mut r, i, &p), c.want, "{}", c.name);
        }
    }

    #[test]
    fn hedge_only_when_flat_quotes_nothing_but_is_not_halted() {
        let p = SymbolParams { hedge_only_mode: true, ..SymbolParams::default() };
        let mut r = SymbolRisk::new(AssetId(1));
        eval(&mut r, inputs(SEC), &p);
        assert_eq!(r.mode(Nanos(SEC), &p), QuoteMode::ReduceOnly);
    }

    #[test]
    fn daily_stop_halts_until_the_next_utc_day() {
        let p = SymbolParams::default();
        let mut r = SymbolRisk::new(AssetId(1));
        let day = NANOS_PER_DAY;
        let t0 = 10 * day + 3_600 * SEC;
        // Loss reaches the limit with a position: flatten first.
        let mut i = long(t0, 1_000, -100);
        i.daily_pnl = Usd::from_dollars(-100);
        assert_eq!(eval(&mut r, i, &p), (TradingState::Reducing, Reason::DailyStop));
        // Flat, PnL recovered (it does not matter): halted for the rest of the day.
        let i = RiskInputs { daily_pnl: Usd::from_dollars(50), ..inputs(t0 + SEC) };
        assert_eq!(eval(&mut r, i, &p), (TradingState::Halted, Reason::DailyStop));
        let i = RiskInputs { daily_pnl: Usd::ZERO, ..inputs(11 * day - 1) };
        assert_eq!(eval(&mut r, i, &p), (TradingState::Halted, Reason::DailyStop));
        // 00:00 UTC.
        assert_eq!(eval(&mut r, inputs(11 * day), &p), (TradingState::Active, Reason::Clear));
    }

    #[test]
    fn trailing_stop_exits_after_a_retrace_of_more_than_trailing_stop_loss_from_the_peak() {
        // 2 % of a $1000 position is $20.
        let p = SymbolParams {
            trailing_stop_loss: 0.02,
            trailing_take_profit: 0.0,
            ..SymbolParams::default()
        };
        let cases: [(&str, &[i64], Reason); 4] = [
            ("rising PnL never exits", &[0, 10, 30, 50], Reason::Clear),
            ("a retrace of exactly 2 % stays", &[0, 30, 10], Reason::Clear),
            ("a retrace of more than 2 % exits", &[0, 30, 9], Reason::TrailingStop),
            ("a loss of more than 2 % from open exits", &[0, -21], Reason::TrailingStop),
        ];
        for (name, path, want) in cases {
            let mut r = SymbolRisk::new(AssetId(1));
            let mut last = (TradingState::Halted, Reason::Startup);
            for (k, &u) in path.iter().enumerate() {
                last = eval(&mut r, long(SEC * (k as u64 + 1), 1_000, u), &p);
            }
            assert_eq!(last.1, want, "{name}");
        }
        // The exit ends once flat.
        let mut r = SymbolRisk::new(AssetId(1));
        eval(&mut r, long(SEC, 1_000, 0), &p);
        eval(&mut r, long(2 * SEC, 1_000, -25), &p);
        assert_eq!(r.mode(Nanos(2 * SEC), &p), QuoteMode::Flatten { ioc: false });
        assert_eq!(eval(&mut r, inputs(3 * SEC), &p), (TradingState::Active, Reason::Clear));
    }

    #[test]
    fn take_profit_stops_adding_until_flat() {
        let p = SymbolParams {
            trailing_take_profit: 0.05,
            trailing_stop_loss: 0.5,
            ..SymbolParams::default()
        };
        let mut r = SymbolRisk::new(AssetId(1));
        assert_eq!(eval(&mut r, long(SEC, 1_000, 49), &p).0, TradingState::Active);
        assert_eq!(
            eval(&mut r, long(2 * SEC, 1_000, 50), &p),
            (TradingState::Reducing, Reason::TakeProfit)
        );
        assert_eq!(r.mode(Nanos(2 * SEC), &p), QuoteMode::ReduceOnly);
        // Still reducing after PnL eases, until the position is closed.
        assert_eq!(eval(&mut r, long(3 * SEC, 1_000, 40), &p).0, TradingState::Reducing);
        assert_eq!(eval(&mut r, inputs(4 * SEC), &p).0, TradingState::Active);
    }

    #[test]
    fn flattening_sends_an_ioc_after_the_timeout_and_then_every_timeout() {
        let p = SymbolParams { flatten_ioc_after: 10 * SEC, ..SymbolParams::default() };
        let mut r = SymbolRisk::new(AssetId(1));
        let mut i = long(SEC, 1_000, 0);
        i.daily_pnl = Usd::from_dollars(-200);
        eval(&mut r, i, &p);
        assert_eq!(r.mode(Nanos(10 * SEC), &p), QuoteMode::Flatten { ioc: false });
        assert_eq!(r.mode(Nanos(11 * SEC), &p), QuoteMode::Flatten { ioc: true });
        r.ioc_sent(Nanos(11 * SEC));
        assert_eq!(r.mode(Nanos(12 * SEC), &p), QuoteMode::Flatten { ioc: false });
        assert_eq!(r.mode(Nanos(21 * SEC), &p), QuoteMode::Flatten { ioc: true });
    }

    #[test]
    fn every_change_is_audited_with_from_to_reason_and_time() {
        let p = SymbolParams::default();
        let mut r = SymbolRisk::new(AssetId(7));
        let mut audit = AuditRing::new(8);
        r.evaluate(&inputs(SEC), &p, &mut audit);
        r.evaluate(&inputs(2 * SEC), &p, &mut audit);
        r.evaluate(&RiskInputs { kill: true, ..inputs(3 * SEC) }, &p, &mut audit);
        let got: Vec<Transition> = std::iter::from_fn(|| audit.pop()).collect();
        assert_eq!(
            got,
            [
                Transition {
                    asset: AssetId(7),
                    from: TradingState::Halted,
                    to: TradingState::Active,
                    reason: Reason::Clear,
                    time: Nanos(SEC)
                },
                Transition {
                    asset: AssetId(7),
                    from: TradingState::Active,
                    to: TradingState::Halted,
                    reason: Reason::Kill,
                    time: Nanos(3 * SEC)
                },
            ]
        );
    }

    #[test]
    fn audit_ring_overwrites_the_oldest_and_counts_it() {
        let mut ring = AuditRing::new(2);
        let t = |s| Transition {
            asset: AssetId(0),
            from: TradingState::Halted,
            to: TradingState::Active,
            reason: Reason::Clear,
            time: Nanos(s),
        };
        for s in 1..=3 {
            ring.push(t(s));
        }
        assert_eq!(ring.overwritten(), 1);
        assert_eq!(ring.pop().map(|x| x.time), Some(Nanos(2)));
        assert_eq!(ring.pop().map(|x| x.time), Some(Nanos(3)));
        assert_eq!(ring.pop(), None);
    }

    #[test]
    fn limits_count_position_and_other_orders() {
        let spec = InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4);
        let p = SymbolParams {
            max_long_usd: Usd::from_dollars(1_000),
            max_short_usd: Usd::from_dollars(500),
            ..SymbolParams::default()
        };
        let px = Px(200_000); // $2000: a lot is $0.20, $1000 is 5000 lots
                              // (name, side, position in dollars at the mark, other lots, wanted lots, allowed lots)
        let cases: [(&str, Side, i64, i64, i64, i64); 7] = [
            ("flat, full bid fits", Side::Bid, 0, 0, 1_000, 1_000),
            ("long near the limit clips the bid", Side::Bid, 900, 0, 1_000, 500),
            ("in-flight bids count", Side::Bid, 800, 800, 1_000, 200),
            ("at the long limit no bid", Side::Bid, 1_000, 0, 1_000, 0),
            ("past the limit no bid", Side::Bid, 1_200, 0, 1_000, 0),
            (
                "long position leaves room to sell through to the short limit",
                Side::Ask,
                200,
                0,
                9_000,
                3_500,
            ),
            ("short at its limit no ask", Side::Ask, -500, 0, 1_000, 0),
        ];
        for (name, side, pos, other, want, got) in cases {
            let pos = Usd::from_dollars(pos);
            assert_eq!(
                clip_to_limit(&spec, side, px, Sz(want), pos, Sz(other), &p),
                Sz(got),
                "{name}"
            );
        }
    }
}

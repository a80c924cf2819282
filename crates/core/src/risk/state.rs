//! The trading state of a symbol, its transition table, and the reasons for it.

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
pub struct InvalidRiskTransition {
    /// The state it was in.
    pub from: TradingState,
    /// The state asked for.
    pub to: TradingState,
}

impl TradingState {
    /// The transition table. Every move between different states is allowed (risk can both
    /// escalate and relax in one step, e.g. a kill from `Active` or a resume into `Active`);
    /// staying put is not a transition.
    pub fn transition(self, to: Self) -> Result<Self, InvalidRiskTransition> {
        use TradingState::{Active, Halted, Reducing};
        match (self, to) {
            (Active, Reducing)
            | (Active, Halted)
            | (Reducing, Halted)
            | (Reducing, Active)
            | (Halted, Reducing)
            | (Halted, Active) => Ok(to),
            (Active, Active) | (Reducing, Reducing) | (Halted, Halted) => {
                Err(InvalidRiskTransition { from: self, to })
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
    /// An operator halted this symbol (API or control channel). Halted until the operator
    /// resumes it.
    OperatorHalt,
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

//! What the quote thread feeds the core ([`CoreEvent`]) and why the core may refuse an event
//! ([`CoreError`]).

use crate::orders::BudgetPressure;
use crate::params::{ParamErrors, SymbolParams};
use hlmm_types::events::FeedEvent;
use hlmm_types::outcome::OutcomeEvent;
use hlmm_types::{AssetId, Coin};

/// Everything the quote thread feeds the core.
// `Feed` carries a whole book (about 1 KiB) inline, like the feed ring's messages: events are
// passed by reference and copied only through fixed-size rings, never boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy)]
pub enum CoreEvent {
    /// Market data or user-stream data from the feed thread.
    Feed(FeedEvent),
    /// The outcome of one of our commands, from the exec thread.
    Outcome(OutcomeEvent),
    /// A new parameter set for one symbol, from the side thread. Validated as a whole and
    /// applied at once, or rejected with every reason and nothing changed.
    Config {
        /// The symbol.
        asset: AssetId,
        /// Its new parameters.
        params: SymbolParams,
    },
    /// The kill switch: halt every symbol and cancel everything. Only [`CoreEvent::Resume`]
    /// ends it.
    Kill,
    /// The feed's socket dropped: every book is stale at once, so every symbol's quotes are
    /// pulled now rather than when the staleness timeout expires (fault case 1). Quoting
    /// resumes per symbol with its next fresh book.
    FeedDisconnected,
    /// Lift the kill switch, or start trading after startup reconciliation succeeded. Each
    /// symbol still needs a fresh book (and, to quote two-sided, a warm estimator).
    Resume,
    /// An operator halts one symbol: its quotes are cancelled and it stays Halted
    /// (`OperatorHalt`) until [`CoreEvent::ResumeSymbol`], whatever the kill switch does.
    HaltSymbol(AssetId),
    /// Lifts an operator halt of one symbol; its other conditions still apply.
    ResumeSymbol(AssetId),
    /// The rate budget's pressure changed (from the exec thread's gauge): re-quoting slows
    /// down as it rises, before the venue would throttle.
    BudgetPressure(BudgetPressure),
}

/// Errors the core reports to its caller. None is fatal to the core: the event is dropped
/// and nothing changed.
// `ConfigRejected` holds every reason inline (see `ParamErrors`): rare, and never allocating.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum CoreError {
    /// A config for a symbol the core does not trade.
    #[error("asset {0}: not traded by this core")]
    UnknownAsset(u32),
    /// A config that failed validation.
    #[error("symbol {coin}: {errors}")]
    ConfigRejected {
        /// The symbol.
        coin: Coin,
        /// Every reason.
        errors: ParamErrors,
    },
    /// `new` was given a different number of instruments and parameter sets.
    #[error("{instruments} instruments but {params} parameter sets")]
    CountMismatch {
        /// Instruments given.
        instruments: usize,
        /// Parameter sets given.
        params: usize,
    },
    /// `new` was given the same asset twice.
    #[error("asset {0}: listed twice")]
    DuplicateAsset(u32),
}

impl CoreError {
    /// Always `false`: a rejected event leaves the core as it was (see [`CoreError`]).
    pub const fn is_fatal(&self) -> bool {
        false
    }
}

//! One symbol's state inside the core: its book, model, position, risk and reject latches.

use crate::book::Book;
use crate::fair_value::TakerFlow;
use crate::params::SymbolParams;
use crate::positions::Position;
use crate::report::ModelSnapshot;
use crate::risk::SymbolRisk;
use crate::send_backoff::SendBackoff;
use crate::strategy::FillRate;
use crate::volatility::Volatility;
use hlmm_types::{InstrumentSpec, Nanos};

/// Venue rejects that changed what a symbol may do (`fault-cases.md` case 7).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RejectLatches {
    /// Margin or max-position reject: reduce until flat.
    pub(crate) reduce: bool,
    /// Tick or lot reject (our rounding or metadata is wrong): halt until resumed.
    pub(crate) halt: bool,
}

/// One symbol's state.
#[derive(Debug, Clone)]
pub(crate) struct Symbol {
    pub(crate) spec: InstrumentSpec,
    pub(crate) params: SymbolParams,
    pub(crate) book: Book,
    pub(crate) vol: Volatility,
    pub(crate) fill_rate: FillRate,
    /// Recent public taker flow (for `flow_skew_bps`).
    pub(crate) flow: TakerFlow,
    pub(crate) position: Position,
    pub(crate) risk: SymbolRisk,
    pub(crate) rejects: RejectLatches,
    /// Reconciliation found a position mismatch; cleared by the next agreeing one.
    pub(crate) reconcile_mismatch: bool,
    /// An operator halted this symbol ([`crate::CoreEvent::HaltSymbol`]).
    pub(crate) operator_halt: bool,
    /// Place and modify commands sent for this coin (each is one quote on the wire).
    pub(crate) quotes_sent: u64,
    pub(crate) model: ModelSnapshot,
    /// Pauses new quotes after the gateway could not send one.
    pub(crate) send_backoff: SendBackoff,
}

impl Symbol {
    /// A fresh symbol: empty book, cold estimators, flat position, `Halted` until resumed.
    pub(crate) fn new(spec: InstrumentSpec, params: SymbolParams, now: Nanos) -> Self {
        Self {
            spec,
            params,
            book: Book::new(),
            vol: Volatility::default(),
            fill_rate: FillRate::new(&params, now),
            flow: TakerFlow::default(),
            position: Position::new(spec, now),
            risk: SymbolRisk::new(spec.asset),
            rejects: RejectLatches::default(),
            reconcile_mismatch: false,
            operator_halt: false,
            quotes_sent: 0,
            model: ModelSnapshot::default(),
            send_backoff: SendBackoff::default(),
        }
    }
}

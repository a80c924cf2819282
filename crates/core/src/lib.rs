//! core: the pure, synchronous decision core, run by the quote thread.
//!
//! It takes events and `now: Nanos` as arguments and pushes commands into caller-owned
//! buffers. It never does I/O, reads a clock, logs, spawns threads or allocates in steady state;
//! the same code runs live, against the simulator, in replays and in benches.
//!
//! The quote thread calls exactly two functions of [`QuotingCore`]:
//! [`QuotingCore::on_event`] for every event from its rings, and [`QuotingCore::on_timer`]
//! periodically (staleness, flatten timeouts, the UTC day roll). Both push the commands to send
//! into `out`, a buffer the caller preallocates and drains into the exec ring.
//!
//! Quote side: [`book`] (L2 book per coin), [`fair_value`] (mid, microprice), [`volatility`]
//! (EWMA, ATR), [`strategy`] (spread, skew, sizes), [`risk`] (the per-symbol trading state
//! machine, limits, stops), [`positions`] (fills-driven PnL), [`params`] (per-symbol
//! parameters and their validation).
//!
//! Order side: [`hlmm_types::commands`] (what the core asks the exec thread to do),
//! [`hlmm_types::outcome`] (what exec reports back), [`hlmm_types::cloid`] (deterministic client
//! order ids), [`orders`] (the order state machine and the order manager), [`reconcile`] (local
//! state vs a venue snapshot) and [`venue_sync`] (what the core does with its corrections).
//!
//! Inside [`QuotingCore`]: this file holds the struct, its constructor, the two entry points and
//! the read-only accessors; `event` and `report` the types it takes and reports
//! ([`CoreEvent`], [`CoreError`], [`CoreCounters`], [`ModelSnapshot`], [`Totals`]); `symbol` one
//! symbol's state; `dispatch` the per-event work behind [`QuotingCore::on_event`]; `refresh`
//! re-quoting a symbol (risk, its targets per [`risk::QuoteMode`], order sync). `correction` holds the types reconciliation hands the order manager, so
//! that [`orders`] does not depend on [`reconcile`].
#![forbid(unsafe_code)]

pub mod book;
mod correction;
mod dispatch;
mod event;
pub mod fair_value;
pub mod orders;
pub mod params;
pub mod positions;
pub mod reconcile;
mod refresh;
mod report;
pub mod risk;
mod send_backoff;
pub mod strategy;
mod symbol;
pub mod venue_sync;
pub mod volatility;

use hlmm_types::commands::Command;
use hlmm_types::{AssetId, InstrumentSpec, Nanos};
use orders::{BudgetPressure, OrderManager};
use params::{GlobalParams, SymbolParams};
use positions::PositionSnapshot;
use risk::{utc_day, AuditRing, Reason, TradingState, Transition};
use symbol::Symbol;

pub use event::{CoreError, CoreEvent};
pub use report::{CoreCounters, ModelSnapshot, Totals};

/// Audit records kept until the quote thread drains them.
pub const AUDIT_CAPACITY: usize = 1_024;

/// The quoting core: every symbol's book, model, position and risk, and the order manager.
#[derive(Debug)]
pub struct QuotingCore {
    /// Symbols, sorted by asset id (looked up by binary search).
    symbols: Vec<Symbol>,
    /// Our orders.
    orders: OrderManager,
    /// Cross-symbol parameters.
    global: GlobalParams,
    /// State transitions not yet drained.
    audit: AuditRing,
    /// The kill switch is on.
    kill: bool,
    /// Resumed at least once since construction (fail closed until then).
    started: bool,
    /// UTC day on which the global daily stop fired.
    global_stop_day: Option<u64>,
    /// UTC day of the last event, to roll positions at 00:00 UTC.
    day: u64,
    /// When `OrderManager::cancel_all` last ran (the kill switch). Every order placed up to then
    /// is being cancelled, so none of them is the quote a new target replaces.
    cancel_all_at: Option<Nanos>,
    /// The exec thread's rate-budget pressure: scales the re-quote policy.
    pressure: BudgetPressure,
    counters: CoreCounters,
}

impl QuotingCore {
    /// A core for `instruments`, with `params[i]` for `instruments[i]`. Every symbol starts
    /// `Halted` (reason `Startup`) until the first [`CoreEvent::Resume`]. Allocates everything
    /// it will use.
    #[allow(clippy::result_large_err)] // see `CoreError`
    pub fn new(
        instruments: &[InstrumentSpec],
        params: &[SymbolParams],
        global: GlobalParams,
        now: Nanos,
    ) -> Result<Self, CoreError> {
        if instruments.len() != params.len() {
            return Err(CoreError::CountMismatch {
                instruments: instruments.len(),
                params: params.len(),
            });
        }
        let mut symbols = Vec::with_capacity(instruments.len());
        for (spec, p) in instruments.iter().zip(params) {
            p.validate().map_err(|errors| CoreError::ConfigRejected { coin: spec.coin, errors })?;
            symbols.push(Symbol::new(*spec, *p, now));
        }
        symbols.sort_by_key(|s| s.spec.asset);
        if let Some(w) = symbols.windows(2).find(|w| w[0].spec.asset == w[1].spec.asset) {
            return Err(CoreError::DuplicateAsset(w[0].spec.asset.0));
        }
        let orders = OrderManager::new(global.cloid_prefix, global.run_id, symbols.len().max(1));
        Ok(Self {
            symbols,
            orders,
            global,
            audit: AuditRing::new(AUDIT_CAPACITY),
            kill: false,
            started: false,
            global_stop_day: None,
            day: utc_day(now),
            cancel_all_at: None,
            pressure: BudgetPressure::Normal,
            counters: CoreCounters::default(),
        })
    }

    /// Handles one event and pushes the commands it calls for into `out` (which should have
    /// spare capacity: a full buffer is counted by the order manager, never grown). An `Err`
    /// means the event was refused and nothing changed.
    #[allow(clippy::result_large_err)] // see `CoreError`
    pub fn on_event(
        &mut self,
        ev: &CoreEvent,
        now: Nanos,
        out: &mut Vec<Command>,
    ) -> Result<(), CoreError> {
        self.roll_day(now);
        match ev {
            CoreEvent::Feed(f) => self.on_feed(f, now, out),
            CoreEvent::Outcome(o) => self.on_outcome(o, now, out),
            CoreEvent::Config { asset, params } => {
                return self.apply_config(*asset, params, now, out)
            }
            CoreEvent::FeedDisconnected => {
                for symbol in &mut self.symbols {
                    symbol.book.invalidate();
                }
                self.refresh_all(now, out);
            }
            CoreEvent::Kill => {
                self.kill = true;
                self.orders.cancel_all(None, now, out);
                self.cancel_all_at = Some(now);
                self.refresh_all(now, out);
            }
            CoreEvent::HaltSymbol(asset) | CoreEvent::ResumeSymbol(asset) => {
                let halt = matches!(ev, CoreEvent::HaltSymbol(_));
                let Some(i) = self.known(*asset) else {
                    return Err(CoreError::UnknownAsset(asset.0));
                };
                self.symbols[i].operator_halt = halt;
                self.refresh_all(now, out);
            }
            CoreEvent::BudgetPressure(p) => self.pressure = *p,
            CoreEvent::Resume => {
                self.kill = false;
                self.started = true;
                for s in &mut self.symbols {
                    s.rejects.halt = false;
                }
                self.refresh_all(now, out);
            }
        }
        Ok(())
    }

    /// Periodic work: book staleness, flatten timeouts, the day roll and the global stop. Call
    /// every few milliseconds of quiet; extra calls are cheap.
    pub fn on_timer(&mut self, now: Nanos, out: &mut Vec<Command>) {
        self.roll_day(now);
        self.refresh_all(now, out);
    }

    /// The oldest audit record not yet drained (the quote thread forwards these to the side
    /// thread).
    #[inline]
    pub fn pop_audit(&mut self) -> Option<Transition> {
        self.audit.pop()
    }

    /// Audit records lost because nobody drained the ring in time.
    #[inline]
    pub fn audit_overwritten(&self) -> u64 {
        self.audit.overwritten()
    }

    /// A symbol's trading state and the reason for it.
    #[inline]
    pub fn state(&self, asset: AssetId) -> Option<(TradingState, Reason)> {
        self.symbol(asset).map(|s| (s.risk.state(), s.risk.reason()))
    }

    /// A symbol's position numbers.
    #[inline]
    pub fn position(&self, asset: AssetId) -> Option<PositionSnapshot> {
        self.symbol(asset).map(|s| s.position.snapshot())
    }

    /// Place and modify commands the core has issued for a symbol (its quotes on the wire).
    #[inline]
    pub fn quotes_sent(&self, asset: AssetId) -> Option<u64> {
        self.symbol(asset).map(|s| s.quotes_sent)
    }

    /// The rate-budget pressure the core re-quotes under.
    #[inline]
    pub fn budget_pressure(&self) -> BudgetPressure {
        self.pressure
    }

    /// Whether a symbol is reducing for a reconciliation mismatch.
    #[inline]
    pub fn reconcile_mismatch(&self, asset: AssetId) -> Option<bool> {
        self.symbol(asset).map(|s| s.reconcile_mismatch)
    }

    /// A symbol's model numbers.
    #[inline]
    pub fn model(&self, asset: AssetId) -> Option<ModelSnapshot> {
        self.symbol(asset).map(|s| s.model)
    }

    /// A symbol's current parameters.
    #[inline]
    pub fn params(&self, asset: AssetId) -> Option<&SymbolParams> {
        self.symbol(asset).map(|s| &s.params)
    }

    /// Totals over every symbol.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in &self.symbols {
            let n = s.position.notional();
            if n.0 > 0 {
                t.long_usd = t.long_usd + n;
            } else {
                t.short_usd = t.short_usd - n;
            }
            t.realised = t.realised + s.position.realised();
            t.unrealised = t.unrealised + s.position.unrealised();
            t.daily_pnl = t.daily_pnl + s.position.daily_pnl();
        }
        t
    }

    /// Counters.
    #[inline]
    pub fn counters(&self) -> &CoreCounters {
        &self.counters
    }

    /// The order manager (read-only: open orders, stats, exposure).
    #[inline]
    pub fn orders(&self) -> &OrderManager {
        &self.orders
    }

    /// The order manager, for reconciliation corrections and expiry resolution. Call
    /// [`Self::on_timer`] afterwards so the quotes follow.
    #[inline]
    pub fn orders_mut(&mut self) -> &mut OrderManager {
        &mut self.orders
    }

    /// Global parameters.
    #[inline]
    pub fn global(&self) -> &GlobalParams {
        &self.global
    }

    fn index(&self, asset: AssetId) -> Option<usize> {
        self.symbols.binary_search_by_key(&asset, |s| s.spec.asset).ok()
    }

    fn symbol(&self, asset: AssetId) -> Option<&Symbol> {
        self.index(asset).map(|i| &self.symbols[i])
    }

    fn known(&mut self, asset: AssetId) -> Option<usize> {
        let i = self.index(asset);
        if i.is_none() {
            self.counters.unknown_asset_events += 1;
        }
        i
    }
}

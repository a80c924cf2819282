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
//! Order side: [`commands`] (what the core asks the exec thread to do), [`outcome`] (what exec
//! reports back), [`cloid`] (deterministic client order ids), [`orders`] (the order state
//! machine and the order manager), [`reconcile`] (local state vs a venue snapshot).
#![forbid(unsafe_code)]

pub mod book;
pub mod fair_value;
pub mod orders;
pub mod params;
pub mod positions;
pub mod reconcile;
pub mod risk;
pub mod strategy;
pub mod venue_sync;
pub mod volatility;

use book::{Book, BookUpdate};
use hlmm_types::commands::{Command, Tif};
use hlmm_types::outcome::{CommandOutcome, OutcomeEvent};
use orders::{OrderManager, QuoteTarget, RequotePolicy, Targets};
use params::{GlobalParams, ParamErrors, SymbolParams};
use positions::{FillApplied, Position, PositionSnapshot};
use risk::{
    utc_day, AuditRing, QuoteMode, Reason, RiskInputs, SymbolRisk, TradingState, Transition,
};
use strategy::{FillRate, HalfSpread, QuoteInputs};
use volatility::Volatility;

use hlmm_types::events::{FeedEvent, Fill, Level};
use hlmm_types::{AssetId, Coin, InstrumentSpec, Nanos, Px, Side, Sz, Usd};

/// Audit records kept until the quote thread drains them.
pub const AUDIT_CAPACITY: usize = 1_024;

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
    /// The rate budget's pressure changed (from the exec thread's gauge): re-quoting slows
    /// down as it rises, before the venue would throttle.
    BudgetPressure(orders::BudgetPressure),
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

/// Counters of unusual inputs; monotonic, exported by telemetry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreCounters {
    /// Events for assets this core does not trade.
    pub unknown_asset_events: u64,
    /// Book and bbo updates dropped as not newer than the book.
    pub books_dropped: u64,
    /// Fills ignored as duplicates (by tid).
    pub duplicate_fills: u64,
    /// Configs rejected.
    pub configs_rejected: u64,
    /// Liquidation events involving us.
    pub liquidations: u64,
    /// Flattening IOCs sent.
    pub flatten_iocs: u64,
    /// Fills already counted in the venue snapshot a position was taken from (startup replay).
    pub fills_in_venue_snapshot: u64,
}

/// The model's last numbers for one symbol, for telemetry.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ModelSnapshot {
    /// Fair value, USDC.
    pub fair: Option<f64>,
    /// Volatility used, fraction per √second.
    pub sigma: Option<f64>,
    /// Observed full-size fills per day.
    pub fills_per_day: f64,
    /// Half-spread and its terms, when the last decision quoted two-sided.
    pub half_spread: Option<HalfSpread>,
}

/// Totals over every symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Sum of long notionals at the mark, USD.
    pub long_usd: Usd,
    /// Sum of short notionals at the mark, USD (positive).
    pub short_usd: Usd,
    /// Realised PnL since start, USD.
    pub realised: Usd,
    /// Unrealised PnL, USD.
    pub unrealised: Usd,
    /// PnL since 00:00 UTC, USD.
    pub daily_pnl: Usd,
}

/// Venue rejects that changed what a symbol may do (`fault-cases.md` case 7).
#[derive(Debug, Clone, Copy, Default)]
struct RejectLatches {
    /// Margin or max-position reject: reduce until flat.
    reduce: bool,
    /// Tick or lot reject (our rounding or metadata is wrong): halt until resumed.
    halt: bool,
}

/// One symbol's state.
#[derive(Debug, Clone)]
struct Symbol {
    spec: InstrumentSpec,
    params: SymbolParams,
    book: Book,
    vol: Volatility,
    fill_rate: FillRate,
    position: Position,
    risk: SymbolRisk,
    rejects: RejectLatches,
    /// Reconciliation found a position mismatch; cleared by the next agreeing one.
    reconcile_mismatch: bool,
    /// Place and modify commands sent for this coin (each is one quote on the wire).
    quotes_sent: u64,
    model: ModelSnapshot,
}

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
    pressure: orders::BudgetPressure,
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
            symbols.push(Symbol {
                spec: *spec,
                params: *p,
                book: Book::new(),
                vol: Volatility::default(),
                fill_rate: FillRate::new(p, now),
                position: Position::new(*spec, now),
                risk: SymbolRisk::new(spec.asset),
                rejects: RejectLatches::default(),
                reconcile_mismatch: false,
                quotes_sent: 0,
                model: ModelSnapshot::default(),
            });
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
            pressure: orders::BudgetPressure::Normal,
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
    pub fn pop_audit(&mut self) -> Option<Transition> {
        self.audit.pop()
    }

    /// Audit records lost because nobody drained the ring in time.
    pub fn audit_overwritten(&self) -> u64 {
        self.audit.overwritten()
    }

    /// A symbol's trading state and the reason for it.
    pub fn state(&self, asset: AssetId) -> Option<(TradingState, Reason)> {
        self.symbol(asset).map(|s| (s.risk.state(), s.risk.reason()))
    }

    /// A symbol's position numbers.
    pub fn position(&self, asset: AssetId) -> Option<PositionSnapshot> {
        self.symbol(asset).map(|s| s.position.snapshot())
    }

    /// Place and modify commands the core has issued for a symbol (its quotes on the wire).
    pub fn quotes_sent(&self, asset: AssetId) -> Option<u64> {
        self.symbol(asset).map(|s| s.quotes_sent)
    }

    /// The rate-budget pressure the core re-quotes under.
    pub fn budget_pressure(&self) -> orders::BudgetPressure {
        self.pressure
    }

    /// Whether a symbol is reducing for a reconciliation mismatch.
    pub fn reconcile_mismatch(&self, asset: AssetId) -> Option<bool> {
        self.symbol(asset).map(|s| s.reconcile_mismatch)
    }

    /// A symbol's model numbers.
    pub fn model(&self, asset: AssetId) -> Option<ModelSnapshot> {
        self.symbol(asset).map(|s| s.model)
    }

    /// A symbol's current parameters.
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
    pub fn counters(&self) -> &CoreCounters {
        &self.counters
    }

    /// The order manager (read-only: open orders, stats, exposure).
    pub fn orders(&self) -> &OrderManager {
        &self.orders
    }

    /// The order manager, for reconciliation corrections and expiry resolution. Call
    /// [`Self::on_timer`] afterwards so the quotes follow.
    pub fn orders_mut(&mut self) -> &mut OrderManager {
        &mut self.orders
    }

    /// Global parameters.
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

    fn roll_day(&mut self, now: Nanos) {
        let today = utc_day(now);
        if today != self.day {
            self.day = today;
            for s in &mut self.symbols {
                s.position.roll_day(now);
            }
        }
    }

    fn on_feed(&mut self, f: &FeedEvent, now: Nanos, out: &mut Vec<Command>) {
        match f {
            FeedEvent::Book(b) => {
                if let Some(i) = self.known(b.asset) {
                    let u = self.symbols[i].book.apply_snapshot(b, now);
                    self.after_book(i, u, now, out);
                }
            }
            FeedEvent::Bbo(b) => {
                if let Some(i) = self.known(b.asset) {
                    let u = self.symbols[i].book.apply_bbo(b, now);
                    self.after_book(i, u, now, out);
                }
            }
            FeedEvent::Fills(batch) => {
                for fill in batch.fills.as_slice() {
                    self.on_fill(fill, now);
                }
                // Each touched symbol re-quotes once, after all of its fills.
                let fills = batch.fills.as_slice();
                for (k, fill) in fills.iter().enumerate() {
                    if fills[..k].iter().all(|g| g.asset != fill.asset) {
                        if let Some(i) = self.index(fill.asset) {
                            self.refresh(i, now, out);
                        }
                    }
                }
            }
            FeedEvent::OrderUpdates(batch) => {
                let ups = batch.as_slice();
                for u in ups {
                    self.orders.on_order_update(u, now);
                }
                for (k, u) in ups.iter().enumerate() {
                    if ups[..k].iter().all(|g| g.asset != u.asset) {
                        if let Some(i) = self.known(u.asset) {
                            self.refresh(i, now, out);
                        }
                    }
                }
            }
            FeedEvent::Funding(fu) => {
                if let Some(i) = self.known(fu.asset) {
                    self.symbols[i].position.on_funding(fu);
                    self.refresh(i, now, out);
                }
            }
            FeedEvent::Liquidation(_) => self.counters.liquidations += 1,
            // Order updates for these cancels follow on `orderUpdates`; the timer re-quotes.
            FeedEvent::NonUserCancels(_)
            | FeedEvent::Trades(_)
            | FeedEvent::Mids(_)
            | FeedEvent::AssetCtx(_)
            | FeedEvent::Subscribed { .. }
            | FeedEvent::Pong
            | FeedEvent::PostReply { .. }
            | FeedEvent::VenueError(_)
            // Activity on a coin we do not manage: the feed counts it for reconciliation.
            | FeedEvent::UnknownCoinUserData { .. } => {}
        }
    }

    fn after_book(&mut self, i: usize, u: BookUpdate, now: Nanos, out: &mut Vec<Command>) {
        match u {
            BookUpdate::Applied => {
                let s = &mut self.symbols[i];
                if let Some(mid) = s.book.mid_f64(&s.spec) {
                    s.vol.update(mid, s.book.venue_time(), &s.params);
                }
                if let Some(m) = s.book.mid_px() {
                    s.position.set_mark(m);
                }
            }
            BookUpdate::Dropped => self.counters.books_dropped += 1,
        }
        self.refresh(i, now, out);
    }

    fn on_fill(&mut self, fill: &Fill, now: Nanos) {
        let Some(i) = self.known(fill.asset) else { return };
        let s = &mut self.symbols[i];
        match s.position.on_fill(fill) {
            FillApplied::New(notional) => {
                s.fill_rate.on_fill(notional, now, &s.params);
                // The order manager only sees fills the position counted: it keeps a shorter
                // memory of tids, and a fill must move the order and the position together.
                self.orders.on_fill(fill, now);
            }
            FillApplied::Duplicate => self.counters.duplicate_fills += 1,
            FillApplied::InVenueSnapshot => self.counters.fills_in_venue_snapshot += 1,
        }
    }

    fn on_outcome(&mut self, o: &OutcomeEvent, now: Nanos, out: &mut Vec<Command>) {
        self.orders.on_outcome(o, now);
        let Some(i) = self.known(o.asset) else { return };
        if let CommandOutcome::Rejected(r) = o.outcome {
            let s = &mut self.symbols[i];
            s.rejects.reduce |= r.wants_reducing();
            s.rejects.halt |= r.is_our_bug();
        }
        self.refresh(i, now, out);
    }

    #[allow(clippy::result_large_err)] // see `CoreError`
    fn apply_config(
        &mut self,
        asset: AssetId,
        params: &SymbolParams,
        now: Nanos,
        out: &mut Vec<Command>,
    ) -> Result<(), CoreError> {
        let Some(i) = self.known(asset) else {
            self.counters.configs_rejected += 1;
            return Err(CoreError::UnknownAsset(asset.0));
        };
        if let Err(errors) = params.validate() {
            self.counters.configs_rejected += 1;
            return Err(CoreError::ConfigRejected { coin: self.symbols[i].spec.coin, errors });
        }
        self.symbols[i].params = *params;
        // Limits and modes are re-checked at once, not at the next market event.
        self.refresh(i, now, out);
        Ok(())
    }

    fn refresh_all(&mut self, now: Nanos, out: &mut Vec<Command>) {
        for i in 0..self.symbols.len() {
            self.refresh(i, now, out);
        }
    }

    /// Whether the global daily stop is in force today; fires it if the summed daily PnL has
    /// reached the limit.
    fn global_stop(&mut self, now: Nanos) -> bool {
        let today = utc_day(now);
        let limit = self.global.global_daily_pnl_stop_loss;
        if self.global_stop_day != Some(today) && limit.0 > 0 {
            let pnl: i64 = self.symbols.iter().map(|s| s.position.daily_pnl().0).sum();
            if pnl <= -limit.0 {
                self.global_stop_day = Some(today);
            }
        }
        self.global_stop_day == Some(today)
    }

    /// Re-evaluates risk for symbol `i`, computes its targets and syncs its orders.
    fn refresh(&mut self, i: usize, now: Nanos, out: &mut Vec<Command>) {
        let global_was = self.global_stop_day == Some(utc_day(now));
        let global_stop = self.global_stop(now);
        if global_stop && !global_was {
            // A newly fired global stop concerns every symbol, not only this one.
            for j in (0..self.symbols.len()).filter(|&j| j != i) {
                self.refresh_one(j, now, true, out);
            }
        }
        self.refresh_one(i, now, global_stop, out);
    }

    fn refresh_one(&mut self, i: usize, now: Nanos, global_stop: bool, out: &mut Vec<Command>) {
        let s = &mut self.symbols[i];
        if s.position.size().0 == 0 {
            s.rejects.reduce = false;
        }
        let inputs = RiskInputs {
            now,
            position: s.position.size(),
            notional: s.position.notional().abs(),
            upnl: s.position.unrealised(),
            daily_pnl: s.position.daily_pnl(),
            book_fresh: s.book.is_fresh(now, s.params.stale_book_after),
            kill: self.kill,
            startup: !self.started,
            global_stop,
            reject_halt: s.rejects.halt,
            reject_reduce: s.rejects.reduce,
            reconcile_mismatch: s.reconcile_mismatch,
        };
        let p = s.params;
        s.risk.evaluate(&inputs, &p, &mut self.audit);
        let mode = s.risk.mode(now, &p);
        let targets = self.targets(i, mode, now);
        let s = &self.symbols[i];
        let policy = self.pressure.apply(RequotePolicy::new(
            p.requote_tolerance_ticks,
            p.force_quote_refresh_interval,
            p.prefer_modify,
        ));
        let before = out.len();
        self.orders.sync(&s.spec, &targets, &policy, now, out);
        let asset = s.spec.asset;
        let sent = &out[before..];
        let ioc_sent = sent
            .iter()
            .any(|c| matches!(c, Command::Place(r) if r.asset == asset && r.tif == Tif::Ioc));
        let quotes =
            sent.iter().filter(|c| matches!(c, Command::Place(_) | Command::Modify { .. })).count();
        self.symbols[i].quotes_sent += quotes as u64;
        if ioc_sent {
            self.symbols[i].risk.ioc_sent(now);
            self.counters.flatten_iocs += 1;
        }
    }

    /// The targets of symbol `i` in `mode`.
    fn targets(&mut self, i: usize, mode: QuoteMode, now: Nanos) -> Targets {
        let (bid_other, ask_other) = self.other_exposure(i);
        let s = &mut self.symbols[i];
        let p = s.params;
        let spec = s.spec;
        let touch = s.book.touch();
        let fair = fair_value::fair_value(&s.book, &spec, p.fair_value);
        let sigma = s.vol.sigma(&p);
        let fills_per_day = s.fill_rate.per_day(now, &p);
        s.model = ModelSnapshot { fair, sigma, fills_per_day, half_spread: None };
        let position = s.position.size();
        let position_usd = s.position.notional();
        let Some(touch) = touch else { return Targets::NONE };
        let reducing_side = match position.0.signum() {
            1 => Some(Side::Ask),
            -1 => Some(Side::Bid),
            _ => None,
        };
        let model = match (fair, sigma) {
            (Some(fair), Some(sigma)) => {
                let inputs = QuoteInputs { fair, sigma, fills_per_day, position_usd, touch };
                let (q, hs) = strategy::two_sided(&spec, &p, &inputs);
                s.model.half_spread = Some(hs);
                Some(q)
            }
            _ => None,
        };
        match mode {
            QuoteMode::Nothing => Targets::NONE,
            QuoteMode::TwoSided => {
                let Some(q) = model else { return Targets::NONE };
                let clip = |side, quote: Option<(Px, Sz)>, other| {
                    let (px, sz) = quote?;
                    let sz = risk::clip_to_limit(&spec, side, px, sz, position_usd, other, &p);
                    strategy::valid_size(&spec, px, sz).map(|sz| alo(px, sz, false))
                };
                Targets {
                    bid: clip(Side::Bid, q.bid, bid_other),
                    ask: clip(Side::Ask, q.ask, ask_other),
                }
            }
            QuoteMode::ReduceOnly => {
                let Some(side) = reducing_side else { return Targets::NONE };
                // The model's price for that side when warm, else join the touch.
                let px = match (side, model) {
                    (Side::Bid, Some(q)) => q.bid.map(|b| b.0),
                    (Side::Ask, Some(q)) => q.ask.map(|a| a.0),
                    (Side::Bid, None) => Some(touch.0.px),
                    (Side::Ask, None) => Some(touch.1.px),
                };
                let Some(px) = px else { return Targets::NONE };
                let full = strategy::size_for(&spec, px, p.notional_per_side).unwrap_or(Sz::ZERO);
                let sz = Sz(full.0.min(position.0.abs()));
                one_side(side, strategy::valid_size(&spec, px, sz).map(|sz| alo(px, sz, true)))
            }
            QuoteMode::Flatten { ioc } => {
                let Some(side) = reducing_side else { return Targets::NONE };
                let sz = position.abs();
                let target = if ioc {
                    ioc_price(&spec, side, touch, p.flatten_ioc_slippage_bps).and_then(|px| {
                        strategy::valid_size(&spec, px, sz).map(|sz| QuoteTarget {
                            px,
                            sz,
                            reduce_only: true,
                            tif: Tif::Ioc,
                        })
                    })
                } else {
                    let px = match side {
                        Side::Bid => touch.0.px,
                        Side::Ask => touch.1.px,
                    };
                    strategy::valid_size(&spec, px, sz).map(|sz| alo(px, sz, true))
                };
                one_side(side, target)
            }
        }
    }

    /// Live and in-flight exposure per side of symbol `i`, not counting the one quote per side
    /// that the next `sync` keeps or replaces (its replacement is what is being sized). Both
    /// legs of an in-flight modify, orders being cancelled, orders marked by the kill switch and
    /// ambiguous placements all count.
    ///
    /// The replaced quote is found as the order manager picks it: the newest live order of the
    /// side that is not on its way out. Orders placed before the last kill switch are on their
    /// way out even while their placement is still in flight (the manager marks them), so they
    /// are never taken for it; at worst a real quote is counted twice, which only shrinks the
    /// target.
    fn other_exposure(&self, i: usize) -> (Sz, Sz) {
        let asset = self.symbols[i].spec.asset;
        let (bid, ask) = self.orders.pending_exposure(asset);
        let marked_until = self.cancel_all_at;
        let quote = |side: Side| {
            self.orders
                .open_orders(asset)
                .filter(|v| v.side == side && !v.state.is_leaving())
                .filter(|v| marked_until.is_none_or(|t| v.placed_at > t))
                .max_by_key(|v| v.placed_at)
                .map_or(0, |v| v.remaining().0)
        };
        (Sz((bid.0 - quote(Side::Bid)).max(0)), Sz((ask.0 - quote(Side::Ask)).max(0)))
    }
}

fn alo(px: Px, sz: Sz, reduce_only: bool) -> QuoteTarget {
    QuoteTarget { px, sz, reduce_only, tif: Tif::Alo }
}

fn one_side(side: Side, t: Option<QuoteTarget>) -> Targets {
    match side {
        Side::Bid => Targets { bid: t, ask: None },
        Side::Ask => Targets { bid: None, ask: t },
    }
}

/// A flattening IOC's limit: through the opposite touch by `slippage_bps`. A buy rounds up and
/// a sell rounds down, both away from the touch, so the order is at least as aggressive as the
/// model price.
fn ioc_price(
    spec: &InstrumentSpec,
    side: Side,
    touch: (Level, Level),
    slippage_bps: f64,
) -> Option<Px> {
    let slip = slippage_bps * 1e-4;
    match side {
        Side::Bid => spec.ask_from_f64(spec.px_to_f64(touch.1.px) * (1.0 + slip)),
        Side::Ask => spec.bid_from_f64(spec.px_to_f64(touch.0.px) * (1.0 - slip)),
    }
}

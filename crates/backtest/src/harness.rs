//! backtest::harness: the pair — the real [`QuotingCore`] against the simulator's pure venue
//! ([`VenueState`]), in one thread, in simulated time.
//!
//! Time advances from event to event; nothing reads a clock or opens a socket. The events,
//! in the order they are taken at equal times:
//! 1. **block** (every `block_ms`): the market generator's flow and the exchange's timers run;
//!    each quoted coin's book and trades reach the core `feed_ms` later, our fills, order
//!    updates and funding too (the user stream); the metrics take the new mids.
//! 2. **feed**: a book or a user event arrives in the core.
//! 3. **in flight**: a command the core issued reaches the exchange (it acts), or its reply
//!    reaches the core as the outcome the exec thread would report. Each command draws its
//!    own round trip from the [`LatencyModel`](crate::LatencyModel), so quotes can be stale
//!    when a taker arrives, as in life.
//! 4. **timer** (every `timer_ms`): the core's periodic work.
//!
//! Same spec, same seed: the same sequence of events, the same report.

use std::collections::{BTreeMap, VecDeque};

use hlmm_core::params::GlobalParams;
use hlmm_core::{CoreEvent, QuotingCore};
use hlmm_sim::accounts::Address;
use hlmm_sim::actions::{ExchangeAction, SimEvent};
use hlmm_sim::exchange::Exchange;
use hlmm_sim::market::Market;
use hlmm_sim::rules::budgets::DEFAULT_REQUEST_BUDGET;
use hlmm_sim::rules::VenueRules;
use hlmm_sim::state::VenueState;
use hlmm_sim::venue::ExchangeVenue;
use hlmm_types::commands::Command;
use hlmm_types::events::{FeedEvent, FillBatch, OrderUpdateBatch};
use hlmm_types::{AssetId, InstrumentSpec, Nanos, Oid, Side, Usd};
use hlmm_wire::action::{CancelAction, CancelWire};

use crate::convert::{
    action_of, fill_of, funding_of, is_terminal, order_update_of, outcome_of, published,
};
use crate::flight::{send_all, Flight, Flights};
use crate::latency::LatencySampler;
use crate::metrics::CoinMetrics;
use crate::report::{Report, RunCounters, RunFigures};
use crate::spec::BacktestSpec;
use crate::BacktestError;

/// Our account on the simulated venue.
pub const BACKTEST_ACCOUNT: Address =
    Address([0xb7, 0xac, 0x7e, 0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]);
/// Cloid prefix of the backtest's orders ("hlmm" in ASCII, as live).
const CLOID_PREFIX: u32 = u32::from_be_bytes(*b"hlmm");
/// Commands the core may issue in one call.
const COMMAND_BUFFER: usize = 512;

/// What the next step of the run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Block,
    Feed,
    Flight,
    Timer,
}

/// The core and the venue, and the clock between them.
#[derive(Debug)]
pub struct Pair {
    venue: VenueState,
    core: QuotingCore,
    latency: LatencySampler,
    /// Per quoted coin, indexed by asset id (the venue lists only the quoted coins, in order).
    coins: Vec<CoinMetrics>,
    names: Vec<String>,
    /// Our resting orders on the venue: side and coin index.
    resting: BTreeMap<Oid, (usize, Side)>,
    feed: VecDeque<(u64, CoreEvent)>,
    flights: Flights,
    out: Vec<Command>,
    events: Vec<SimEvent>,
    start: u64,
    now: u64,
    next_block: u64,
    next_timer: u64,
    block_ns: u64,
    timer_ns: u64,
    counters: RunCounters,
    figures: RunFigures,
    spec: BacktestSpec,
}

impl Pair {
    /// A venue listing the spec's coins, our account funded, and a core started on them
    /// (resumed, as after a clean startup reconciliation); the first block is stepped.
    pub fn new(spec: &BacktestSpec) -> Result<Self, BacktestError> {
        spec.validate()?;
        let start = spec.start_ms * 1_000_000;
        let venue = venue_for(spec)?;
        let instruments: Vec<InstrumentSpec> = venue.market().coins().map(|c| *c.spec).collect();
        let params: Vec<_> = spec.coins.iter().map(|c| c.params).collect();
        let global = GlobalParams {
            global_daily_pnl_stop_loss: Usd::ZERO,
            cloid_prefix: CLOID_PREFIX,
            run_id: 0,
        };
        let core = QuotingCore::new(&instruments, &params, global, Nanos(start))
            .map_err(|e| BacktestError::Core(e.to_string()))?;
        let span = spec.span_ns();
        let block_ns = spec.block_ms * 1_000_000;
        let names: Vec<String> = spec.coins.iter().map(|c| c.market.name.clone()).collect();
        let mut pair = Self {
            venue,
            core,
            latency: LatencySampler::new(&spec.latency, spec.seed),
            coins: instruments.iter().map(|s| CoinMetrics::new(*s)).collect(),
            names: names.clone(),
            resting: BTreeMap::new(),
            feed: VecDeque::with_capacity(1_024),
            flights: Flights::default(),
            out: Vec::with_capacity(COMMAND_BUFFER),
            events: Vec::with_capacity(256),
            start,
            now: start,
            next_block: start + block_ns,
            next_timer: start + spec.timer_ms * 1_000_000,
            block_ns,
            timer_ns: spec.timer_ms * 1_000_000,
            counters: RunCounters::default(),
            figures: RunFigures::new(&names, start, span, spec.curve_points, block_ns),
            spec: spec.clone(),
        };
        pair.core_event(&CoreEvent::Resume, start);
        pair.after_block(start);
        Ok(pair)
    }

    /// Runs the whole spec and returns its report; `progress` hears the share done (0..=1)
    /// about every simulated minute.
    pub fn run(mut self, mut progress: impl FnMut(f64)) -> Report {
        let end = self.start + self.spec.span_ns();
        let minute = 60_000_000_000;
        let mut next_progress = self.start + minute;
        while let Some((t, next)) = self.next_step() {
            if t > end {
                break;
            }
            self.step(t, next);
            if t >= next_progress {
                progress((t - self.start) as f64 / (end - self.start) as f64);
                next_progress += minute;
            }
        }
        progress(1.0);
        self.report(end)
    }

    /// Runs until simulated time `until` (ns since the epoch), inclusive.
    pub fn run_until(&mut self, until: u64) {
        while let Some((t, next)) = self.next_step() {
            if t > until {
                break;
            }
            self.step(t, next);
        }
    }

    /// The core, for inspection.
    pub fn core(&self) -> &QuotingCore {
        &self.core
    }

    /// The venue, for inspection.
    pub fn venue(&self) -> &VenueState {
        &self.venue
    }

    /// Simulated time, ns since the epoch.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Time of the first block, ns since the epoch.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The report as of now.
    pub fn report(&self, end: u64) -> Report {
        Report::build(
            &self.spec,
            &self.names,
            &self.coins,
            &self.figures,
            self.counters.clone(),
            end,
        )
    }

    fn next_step(&self) -> Option<(u64, Next)> {
        let mut best = (self.next_block, Next::Block);
        let mut consider = |t: Option<u64>, n: Next| {
            if let Some(t) = t {
                if t < best.0 {
                    best = (t, n);
                }
            }
        };
        consider(self.feed.front().map(|f| f.0), Next::Feed);
        consider(self.flights.next_at(), Next::Flight);
        consider(Some(self.next_timer), Next::Timer);
        Some(best)
    }

    fn step(&mut self, t: u64, next: Next) {
        self.now = t;
        match next {
            Next::Block => {
                self.venue.step(Nanos(t));
                self.counters.blocks += 1;
                self.next_block += self.block_ns;
                self.after_block(t);
            }
            Next::Feed => {
                if let Some((_, ev)) = self.feed.pop_front() {
                    if let CoreEvent::Feed(FeedEvent::Book(b)) = &ev {
                        if let Some(m) = self.coins.get_mut(b.asset.0 as usize) {
                            m.first_book_ns.get_or_insert(t);
                        }
                    }
                    self.core_event(&ev, t);
                }
            }
            Next::Flight => {
                if let Some(what) = self.flights.pop() {
                    match what {
                        Flight::Act { cmd, reply_at } => self.act(&cmd, reply_at, t),
                        Flight::Reply(o) => self.core_event(&CoreEvent::Outcome(o), t),
                    }
                }
            }
            Next::Timer => {
                self.core.on_timer(Nanos(t), &mut self.out);
                self.next_timer += self.timer_ns;
                self.dispatch(t);
            }
        }
    }

    /// After a block at `t`: publish the books, route user events, update the metrics.
    fn after_block(&mut self, t: u64) {
        let deliver = t + self.latency.feed_ns();
        for i in 0..self.coins.len() {
            let Some(view) = self.venue.market().coin(AssetId(i as u32)) else { continue };
            let feed = &mut self.feed;
            published(&view, t, |ev| feed.push_back((deliver, CoreEvent::Feed(ev))));
        }
        self.collect_user_events(t);
        for (i, m) in self.coins.iter_mut().enumerate() {
            let mid = self
                .venue
                .market()
                .coin(AssetId(i as u32))
                .and_then(|v| v.ctx.mid_px)
                .map(|p| m.spec.px_to_f64(p));
            m.on_block(t, mid);
        }
        self.figures.after_book(t, &mut self.coins);
    }

    /// The exchange acts on `cmd` at `t`; its outcome reaches the core at `reply_at`.
    fn act(&mut self, cmd: &Command, reply_at: u64, t: u64) {
        match action_of(cmd) {
            Some(action) => {
                let resp = self.venue.apply(BACKTEST_ACCOUNT, &action, Nanos(t));
                let spec = cmd.asset().and_then(|a| self.coins.get(a.0 as usize)).map(|m| m.spec);
                if let Some(outcome) = spec.and_then(|s| outcome_of(cmd, &resp, &s)) {
                    self.counters.count(&outcome.outcome);
                    self.push_flight(reply_at, Flight::Reply(outcome));
                }
            }
            None => {
                // CancelAll: the exec thread's sweep, one cancel per open order of ours.
                let asset = cmd.asset();
                let cancels: Vec<CancelWire> = self
                    .venue
                    .exchange()
                    .open_orders(BACKTEST_ACCOUNT)
                    .iter()
                    .filter(|o| asset.is_none_or(|a| a == o.spec.asset))
                    .map(|o| CancelWire { asset: o.spec.asset, oid: o.oid })
                    .collect();
                if !cancels.is_empty() {
                    let action = ExchangeAction::Cancel(CancelAction { cancels, fast: false });
                    let _ = self.venue.apply(BACKTEST_ACCOUNT, &action, Nanos(t));
                }
            }
        }
        self.collect_user_events(t);
    }

    /// Our fills, order updates and funding since the last call: into the metrics now, into
    /// the core after the feed delay.
    fn collect_user_events(&mut self, t: u64) {
        let deliver = t + self.latency.feed_ns();
        self.events.clear();
        self.venue.take_user_events(&mut self.events);
        for ev in self.events.drain(..) {
            let core_ev = match ev {
                SimEvent::Fill { user, fill } if user == BACKTEST_ACCOUNT => {
                    if let Some(m) = self.coins.get_mut(fill.spec.asset.0 as usize) {
                        m.on_fill(&fill);
                    }
                    let mut batch = FillBatch::default();
                    let _ = batch.fills.push(fill_of(&fill));
                    FeedEvent::Fills(batch)
                }
                SimEvent::OrderUpdate { user, update } if user == BACKTEST_ACCOUNT => {
                    let i = update.spec.asset.0 as usize;
                    if is_terminal(update.status) {
                        if let Some((coin, side)) = self.resting.remove(&update.oid) {
                            if let Some(m) = self.coins.get_mut(coin) {
                                dec_side(m, side);
                            }
                        }
                    } else if let std::collections::btree_map::Entry::Vacant(e) =
                        self.resting.entry(update.oid)
                    {
                        e.insert((i, update.side));
                        if let Some(m) = self.coins.get_mut(i) {
                            match update.side {
                                Side::Bid => m.resting_bids += 1,
                                Side::Ask => m.resting_asks += 1,
                            }
                        }
                    }
                    let mut batch = OrderUpdateBatch::default();
                    let _ = batch.push(order_update_of(&update));
                    FeedEvent::OrderUpdates(batch)
                }
                SimEvent::Funding { user, funding } if user == BACKTEST_ACCOUNT => {
                    if let Some(m) = self.coins.get_mut(funding.spec.asset.0 as usize) {
                        m.on_funding(funding.usdc.to_f64());
                    }
                    FeedEvent::Funding(funding_of(&funding))
                }
                _ => continue,
            };
            self.feed.push_back((deliver, CoreEvent::Feed(core_ev)));
        }
    }

    fn core_event(&mut self, ev: &CoreEvent, t: u64) {
        if self.core.on_event(ev, Nanos(t), &mut self.out).is_err() {
            self.counters.core_errors += 1;
        }
        self.dispatch(t);
    }

    /// Sends what the core issued: each command draws its round trip.
    fn dispatch(&mut self, t: u64) {
        let coins = &mut self.coins;
        send_all(&mut self.out, t, &mut self.latency, &mut self.flights, &mut self.counters, |a| {
            if let Some(m) = coins.get_mut(a.0 as usize) {
                m.first_quote_ns.get_or_insert(t);
            }
        });
    }

    fn push_flight(&mut self, at: u64, what: Flight) {
        self.flights.push(at, what);
    }
}

/// The simulated venue of `spec`: its coins listed, our account funded, the first block
/// stepped at the spec's start.
pub(crate) fn venue_for(spec: &BacktestSpec) -> Result<VenueState, BacktestError> {
    let coins: Vec<_> = spec.coins.iter().map(|c| c.market.clone()).collect();
    let mut exchange = Exchange::new(Default::default());
    let balance = Usd::from_f64(spec.balance_usd)
        .ok_or(BacktestError::Field { field: "balance_usd", reason: "out of range" })?;
    exchange.deposit(BACKTEST_ACCOUNT, balance);
    let mut market = Market::with_venue(spec.seed, coins, Vec::new(), ExchangeVenue::new(exchange))
        .map_err(|e| BacktestError::Market(e.to_string()))?;
    market.set_informed_flow(spec.informed).map_err(|e| BacktestError::Market(e.to_string()))?;
    let rules = VenueRules::new(DEFAULT_REQUEST_BUDGET, []);
    Ok(VenueState::new(market, rules, Nanos(spec.start_ms * 1_000_000)))
}

fn dec_side(m: &mut CoinMetrics, side: Side) {
    match side {
        Side::Bid => m.resting_bids = m.resting_bids.saturating_sub(1),
        Side::Ask => m.resting_asks = m.resting_asks.saturating_sub(1),
    }
}

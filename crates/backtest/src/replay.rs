//! backtest::replay: the core against recorded market data ([`crate::tape`]).
//!
//! The recorded books and trades reach the core at their receive times, as they reached the
//! recording engine. Our orders are virtual: they do not move the recorded market, and they
//! fill as the [`crate::queue`] model says, against what the tape shows:
//! - a trade at our price reaches us once the queue ahead of us is consumed;
//! - a trade through our price (a buyer paying more than our ask) would have hit us first: we
//!   fill up to its size;
//! - a book whose touch crosses our price (best bid at or above our ask) means the market
//!   traded through us: we fill in full, at our price.
//!
//! Commands take the same latency-model round trip as in the pair harness; a post-only order
//! that would cross the recorded touch when it arrives is refused, as the venue refuses it. A
//! flattening IOC takes the recorded touch (up to its size) and pays the taker fee. Our fills
//! and order updates reach the core `feed_ms` after they happen. Fees are the venue's tier 0
//! (maker 1.5 bp, taker 4.5 bp). The figures are [`crate::metrics`]'.

use std::collections::{BTreeMap, VecDeque};

use hlmm_core::params::{GlobalParams, SymbolParams};
use hlmm_core::{CoreEvent, QuotingCore};
use hlmm_sim::accounts::Dir;
use hlmm_sim::actions::FillRecord;
use hlmm_types::commands::{Command, CommandKind, OrderRequest, Tif};
use hlmm_types::events::{
    BookSnapshot, FeedEvent, Fill, FillBatch, OrderStatus, OrderUpdate, OrderUpdateBatch, Trade,
};
use hlmm_types::outcome::{Accepted, AcceptedStatus, CommandOutcome, OutcomeEvent, RejectReason};
use hlmm_types::{AssetId, Cloid, InstrumentSpec, Nanos, Oid, Px, Side, Sz, Tid, Usd};

use crate::flight::{send_all, Flight, Flights};
use crate::latency::{LatencyModel, LatencySampler};
use crate::metrics::CoinMetrics;
use crate::queue::QueuePosition;
use crate::report::{Report, RunCounters, RunFigures};
use crate::spec::BacktestSpec;
use crate::tape::Tape;
use crate::BacktestError;

/// The venue's tier-0 fees, as fractions of notional.
const MAKER_FEE: f64 = 0.000_15;
const TAKER_FEE: f64 = 0.000_45;
const CLOID_PREFIX: u32 = u32::from_be_bytes(*b"hlmm");

/// One of our virtual resting orders.
#[derive(Debug, Clone, Copy)]
struct VirtualOrder {
    coin: usize,
    side: Side,
    px: Px,
    orig: Sz,
    left: Sz,
    cloid: Cloid,
    placed: Nanos,
    queue: QueuePosition,
}

/// The core against a tape.
#[derive(Debug)]
pub struct Replay {
    core: QuotingCore,
    tape: Tape,
    cursor: usize,
    specs: Vec<InstrumentSpec>,
    coins: Vec<CoinMetrics>,
    names: Vec<String>,
    books: Vec<Option<BookSnapshot>>,
    orders: BTreeMap<Oid, VirtualOrder>,
    next_oid: u64,
    next_tid: u64,
    positions: Vec<Sz>,
    latency: LatencySampler,
    user: VecDeque<(u64, CoreEvent)>,
    flights: Flights,
    out: Vec<Command>,
    timer_ns: u64,
    next_timer: u64,
    end: u64,
    figures: RunFigures,
    counters: RunCounters,
    spec: BacktestSpec,
}

impl Replay {
    /// A replay of `tape` quoting each coin of `params` (by name; every quoted coin must be on
    /// the tape) with `latency`.
    pub fn new(
        tape: Tape,
        params: &[(String, SymbolParams)],
        latency: LatencyModel,
        seed: u64,
    ) -> Result<Self, BacktestError> {
        latency.validate()?;
        let first = tape
            .events
            .first()
            .map(|e| e.0 .0)
            .ok_or(BacktestError::Field { field: "data", reason: "the tape holds no event" })?;
        let last = tape.events.last().map_or(first, |e| e.0 .0);
        let mut specs = Vec::new();
        for (name, _) in params {
            let coin =
                tape.meta.coins.iter().find(|c| &c.name == name).ok_or_else(|| {
                    BacktestError::UnknownCoin(format!("{name} (not on the tape)"))
                })?;
            let spec = coin.spec().map_err(|e| BacktestError::Market(e.to_string()))?;
            specs.push(spec);
        }
        let global = GlobalParams {
            global_daily_pnl_stop_loss: Usd::ZERO,
            cloid_prefix: CLOID_PREFIX,
            run_id: 0,
        };
        let ps: Vec<SymbolParams> = params.iter().map(|p| p.1).collect();
        let core = QuotingCore::new(&specs, &ps, global, Nanos(first))
            .map_err(|e| BacktestError::Core(e.to_string()))?;
        let hours = ((last - first) as f64 / 3_600e9).max(1e-9);
        // The spec only names the run in the report (seed, span, latency); the market is the tape.
        let mut spec = BacktestSpec::new(seed, hours, Vec::new());
        spec.latency = latency;
        spec.informed = hlmm_sim::market::InformedFlow::NONE;
        let n = specs.len();
        let names = params.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
        let figures = RunFigures::new(&names, first, last - first, spec.curve_points, 1);
        let mut replay = Self {
            core,
            cursor: 0,
            coins: specs.iter().map(|s| CoinMetrics::new(*s)).collect(),
            names,
            books: vec![None; n],
            orders: BTreeMap::new(),
            next_oid: 1,
            next_tid: 1,
            positions: vec![Sz(0); n],
            latency: LatencySampler::new(&latency, seed),
            user: VecDeque::new(),
            flights: Flights::default(),
            out: Vec::with_capacity(512),
            timer_ns: spec.timer_ms * 1_000_000,
            next_timer: first + spec.timer_ms * 1_000_000,
            end: last,
            figures,
            counters: RunCounters::default(),
            specs,
            tape,
            spec,
        };
        replay.core_event(&CoreEvent::Resume, first);
        Ok(replay)
    }

    /// Runs the whole tape and returns the report.
    pub fn run(mut self) -> Report {
        loop {
            let tape_t = self.tape.events.get(self.cursor).map(|e| e.0 .0);
            let user_t = self.user.front().map(|u| u.0);
            let flight_t = self.flights.next_at();
            let Some(t) = [tape_t, user_t, flight_t].into_iter().flatten().min() else { break };
            if self.next_timer <= t && self.next_timer <= self.end {
                let now = self.next_timer;
                self.next_timer += self.timer_ns;
                self.core.on_timer(Nanos(now), &mut self.out);
                self.dispatch(now);
                continue;
            }
            if tape_t == Some(t) {
                let (_, ev) = self.tape.events[self.cursor];
                self.cursor += 1;
                self.on_market(&ev, t);
            } else if user_t == Some(t) {
                if let Some((_, ev)) = self.user.pop_front() {
                    self.core_event(&ev, t);
                }
            } else if let Some(what) = self.flights.pop() {
                match what {
                    Flight::Act { cmd, reply_at } => self.act(&cmd, reply_at, t),
                    Flight::Reply(o) => self.core_event(&CoreEvent::Outcome(o), t),
                }
            }
        }
        let mut report = Report::build(
            &self.spec,
            &self.names,
            &self.coins,
            &self.figures,
            self.counters.clone(),
            self.end,
        );
        report.data = Some(self.tape.meta.source.clone());
        report
    }

    fn index(&self, asset: AssetId) -> Option<usize> {
        self.specs.iter().position(|s| s.asset == asset)
    }

    /// A recorded event at `t`: our virtual orders first, then the core.
    fn on_market(&mut self, ev: &FeedEvent, t: u64) {
        match ev {
            FeedEvent::Book(b) => {
                let Some(i) = self.index(b.asset) else { return };
                self.books[i] = Some(*b);
                self.on_book(i, b, t);
                let mid = match (b.bids.as_slice().first(), b.asks.as_slice().first()) {
                    (Some(bid), Some(ask)) => Some(
                        (self.specs[i].px_to_f64(bid.px) + self.specs[i].px_to_f64(ask.px)) / 2.0,
                    ),
                    _ => None,
                };
                self.coins[i].first_book_ns.get_or_insert(t);
                self.coins[i].on_block(t, mid);
                self.figures.after_book(t, &mut self.coins);
            }
            FeedEvent::Trades(batch) => {
                for tr in batch.as_slice() {
                    if let Some(i) = self.index(tr.asset) {
                        self.on_trade(i, tr, t);
                    }
                }
            }
            _ => {}
        }
        self.core_event(&CoreEvent::Feed(*ev), t);
    }

    /// The queue at each of our prices follows the level; a touch through our price fills us.
    fn on_book(&mut self, i: usize, b: &BookSnapshot, t: u64) {
        let best_bid = b.bids.as_slice().first().map(|l| l.px);
        let best_ask = b.asks.as_slice().first().map(|l| l.px);
        let ids: Vec<Oid> =
            self.orders.iter().filter(|(_, o)| o.coin == i).map(|(k, _)| *k).collect();
        for oid in ids {
            let Some(o) = self.orders.get_mut(&oid) else { continue };
            let crossed = match o.side {
                Side::Bid => best_ask.is_some_and(|a| a <= o.px),
                Side::Ask => best_bid.is_some_and(|b| b >= o.px),
            };
            if crossed {
                let (lots, px) = (o.left, o.px);
                self.fill(oid, lots, px, false, t);
                continue;
            }
            let levels = if o.side == Side::Bid { b.bids.as_slice() } else { b.asks.as_slice() };
            let level = levels.iter().find(|l| l.px == o.px).map_or(0, |l| l.sz.0);
            o.queue.on_level(level);
        }
    }

    /// A recorded trade: the resting side is the aggressor's opposite.
    fn on_trade(&mut self, i: usize, tr: &Trade, t: u64) {
        let resting = tr.side.opposite();
        let ids: Vec<Oid> = self
            .orders
            .iter()
            .filter(|(_, o)| o.coin == i && o.side == resting)
            .map(|(k, _)| *k)
            .collect();
        let mut left = tr.sz.0;
        for oid in ids {
            if left <= 0 {
                break;
            }
            let Some(o) = self.orders.get_mut(&oid) else { continue };
            let better = match resting {
                Side::Bid => o.px > tr.px,
                Side::Ask => o.px < tr.px,
            };
            let reach = if better {
                left
            } else if o.px == tr.px {
                o.queue.on_trade(left)
            } else {
                0
            };
            let lots = reach.min(o.left.0);
            if lots > 0 {
                let px = o.px;
                left -= lots;
                self.fill(oid, Sz(lots), px, false, t);
            }
        }
    }

    /// `lots` of order `oid` fill at `px`: position, metrics, and the user stream.
    fn fill(&mut self, oid: Oid, lots: Sz, px: Px, crossed: bool, t: u64) {
        let Some(o) = self.orders.get_mut(&oid) else { return };
        let lots = Sz(lots.0.min(o.left.0));
        if lots.0 <= 0 {
            return;
        }
        o.left = Sz(o.left.0 - lots.0);
        let o = *o;
        if o.left.0 == 0 {
            self.orders.remove(&oid);
        }
        let spec = self.specs[o.coin];
        let notional = spec.px_to_f64(px) * spec.sz_to_f64(lots);
        let fee = Usd::from_f64(notional * if crossed { TAKER_FEE } else { MAKER_FEE })
            .unwrap_or_default();
        let start = self.positions[o.coin];
        let signed = if o.side == Side::Bid { lots.0 } else { -lots.0 };
        self.positions[o.coin] = Sz(start.0 + signed);
        let tid = Tid(self.next_tid);
        self.next_tid += 1;
        let record = FillRecord {
            spec,
            px,
            sz: lots,
            side: o.side,
            time: Nanos(t),
            start_position: start,
            dir: if o.side == Side::Bid { Dir::OpenLong } else { Dir::OpenShort },
            closed_pnl: Usd::ZERO,
            hash: Default::default(),
            oid,
            crossed,
            fee,
            tid,
            cloid: Some(o.cloid),
        };
        self.coins[o.coin].on_fill(&record);
        let mut batch = FillBatch::default();
        let _ = batch.fills.push(Fill {
            asset: spec.asset,
            side: o.side,
            px,
            sz: lots,
            time: Nanos(t),
            start_position: start,
            closed_pnl: Usd::ZERO,
            fee,
            oid,
            tid,
            hash: Default::default(),
            cloid: Some(o.cloid),
            crossed,
            liquidation: false,
        });
        let deliver = t + self.latency.feed_ns();
        self.user.push_back((deliver, CoreEvent::Feed(FeedEvent::Fills(batch))));
        let status = if o.left.0 == 0 { OrderStatus::Filled } else { OrderStatus::Open };
        self.update(&o, oid, status, t);
    }

    /// An order update on the user stream; a terminal one takes the order off its side.
    fn update(&mut self, o: &VirtualOrder, oid: Oid, status: OrderStatus, t: u64) {
        if status.is_terminal() {
            let m = &mut self.coins[o.coin];
            match o.side {
                Side::Bid => m.resting_bids = m.resting_bids.saturating_sub(1),
                Side::Ask => m.resting_asks = m.resting_asks.saturating_sub(1),
            }
        }
        let mut batch = OrderUpdateBatch::default();
        let _ = batch.push(OrderUpdate {
            asset: self.specs[o.coin].asset,
            side: o.side,
            limit_px: o.px,
            sz: o.left,
            orig_sz: o.orig,
            oid,
            cloid: Some(o.cloid),
            timestamp: o.placed,
            status,
            status_time: Nanos(t),
        });
        let deliver = t + self.latency.feed_ns();
        self.user.push_back((deliver, CoreEvent::Feed(FeedEvent::OrderUpdates(batch))));
    }

    /// The venue acts on `cmd` at `t`.
    fn act(&mut self, cmd: &Command, reply_at: u64, t: u64) {
        let outcome = match cmd {
            Command::Place(r) => {
                let o = self.place(r, t);
                Some(OutcomeEvent::new(r.asset, r.cloid, CommandKind::Place, o))
            }
            Command::Modify { asset, cloid, oid, new } => {
                let old =
                    oid.filter(|o| self.orders.contains_key(o)).or_else(|| self.by_cloid(*cloid));
                let mut ev = match old {
                    Some(old) => {
                        self.cancel(old, t);
                        let o = self.place(new, t);
                        let mut ev = OutcomeEvent::new(*asset, *cloid, CommandKind::Modify, o);
                        ev.modify_old_leg_canceled = matches!(o, CommandOutcome::Rejected(_));
                        ev
                    }
                    None => {
                        let mut ev = OutcomeEvent::new(
                            *asset,
                            *cloid,
                            CommandKind::Modify,
                            CommandOutcome::Rejected(RejectReason::ModifyOfCanceledOrFilled),
                        );
                        ev.modify_old_leg_canceled = true;
                        ev
                    }
                };
                if let CommandOutcome::Accepted(_) = ev.outcome {
                    ev.modify_old_leg_canceled = false;
                }
                Some(ev)
            }
            Command::Cancel { asset, cloid } => {
                let o = match self.by_cloid(*cloid) {
                    Some(oid) => {
                        self.cancel(oid, t);
                        CommandOutcome::Accepted(Accepted {
                            oid: None,
                            status: AcceptedStatus::Canceled,
                        })
                    }
                    None => CommandOutcome::Rejected(RejectReason::CancelUnknownOrder),
                };
                Some(OutcomeEvent::new(*asset, *cloid, CommandKind::Cancel, o))
            }
            Command::CancelAll { asset } => {
                let ids: Vec<Oid> = self
                    .orders
                    .iter()
                    .filter(|(_, o)| asset.is_none_or(|a| self.specs[o.coin].asset == a))
                    .map(|(k, _)| *k)
                    .collect();
                for oid in ids {
                    self.cancel(oid, t);
                }
                None
            }
        };
        if let Some(o) = outcome {
            self.counters.count(&o.outcome);
            self.flights.push(reply_at, Flight::Reply(o));
        }
    }

    fn by_cloid(&self, cloid: Cloid) -> Option<Oid> {
        self.orders.iter().find(|(_, o)| o.cloid == cloid).map(|(k, _)| *k)
    }

    fn cancel(&mut self, oid: Oid, t: u64) {
        if let Some(o) = self.orders.remove(&oid) {
            self.update(&o, oid, OrderStatus::Canceled, t);
        }
    }

    /// A new order against the recorded touch.
    fn place(&mut self, r: &OrderRequest, t: u64) -> CommandOutcome {
        let Some(i) = self.index(r.asset) else {
            return CommandOutcome::Rejected(RejectReason::Other);
        };
        let Some(book) = self.books[i] else {
            return CommandOutcome::Rejected(RejectReason::NoLiquidity);
        };
        let (bid, ask) = (book.bids.as_slice().first(), book.asks.as_slice().first());
        let crosses = match r.side {
            Side::Bid => ask.is_some_and(|a| r.px >= a.px),
            Side::Ask => bid.is_some_and(|b| r.px <= b.px),
        };
        let oid = Oid(self.next_oid);
        self.next_oid += 1;
        let order = VirtualOrder {
            coin: i,
            side: r.side,
            px: r.px,
            orig: r.sz,
            left: r.sz,
            cloid: r.cloid,
            placed: Nanos(t),
            queue: QueuePosition::join(0),
        };
        match r.tif {
            Tif::Alo if crosses => {
                let bbo = bid.zip(ask).map(|(b, a)| (b.px, a.px));
                CommandOutcome::Rejected(RejectReason::AloWouldCross { bbo })
            }
            Tif::Ioc => {
                let touch = if r.side == Side::Bid { ask } else { bid };
                let Some(touch) = touch.filter(|_| crosses) else {
                    return CommandOutcome::Rejected(RejectReason::IocNoMatch);
                };
                let lots = Sz(r.sz.0.min(touch.sz.0));
                self.orders.insert(oid, order);
                self.fill(oid, lots, touch.px, true, t);
                self.orders.remove(&oid);
                CommandOutcome::Accepted(Accepted {
                    oid: Some(oid),
                    status: AcceptedStatus::Filled { total_sz: lots, avg_px: touch.px },
                })
            }
            _ => {
                let levels =
                    if r.side == Side::Bid { book.bids.as_slice() } else { book.asks.as_slice() };
                let level = levels.iter().find(|l| l.px == r.px).map_or(0, |l| l.sz.0);
                let order = VirtualOrder { queue: QueuePosition::join(level), ..order };
                self.orders.insert(oid, order);
                match r.side {
                    Side::Bid => self.coins[i].resting_bids += 1,
                    Side::Ask => self.coins[i].resting_asks += 1,
                }
                self.update(&order, oid, OrderStatus::Open, t);
                CommandOutcome::Accepted(Accepted {
                    oid: Some(oid),
                    status: AcceptedStatus::Resting,
                })
            }
        }
    }

    fn core_event(&mut self, ev: &CoreEvent, t: u64) {
        if self.core.on_event(ev, Nanos(t), &mut self.out).is_err() {
            self.counters.core_errors += 1;
        }
        self.dispatch(t);
    }

    fn dispatch(&mut self, t: u64) {
        let (coins, specs) = (&mut self.coins, &self.specs);
        send_all(&mut self.out, t, &mut self.latency, &mut self.flights, &mut self.counters, |a| {
            if let Some(i) = specs.iter().position(|s| s.asset == a) {
                coins[i].first_quote_ns.get_or_insert(t);
            }
        });
    }
}

//! sim::state: the whole simulated venue in one value, driven with explicit times.
//!
//! [`VenueState`] is the market generator trading on the exchange ([`SimMarket`]) plus the
//! venue rules ([`VenueRules`]): [`VenueState::step`] runs one block at `now` (the generator's
//! flow, timers, mark and oracle prices, hourly funding), [`VenueState::submit`] one parsed,
//! signer-recovered `/exchange` body. The server keeps one behind its venue lock and feeds it
//! the clock; a backtest or a fault drill owns one and feeds it simulated time.
//!
//! Pure: no I/O, no clock, no runtime.

use crate::accounts::Address;
use crate::actions::{ExchangeAction, ExchangeResponse, SimEvent};
use crate::exchange::Exchange;
use crate::faults::OrderGate;
use crate::market::Market;
use crate::rules::body::ReceivedBody;
use crate::rules::VenueRules;
use crate::venue::ExchangeVenue;
use hlmm_types::{AssetId, Nanos, Px, Rate};

/// The simulator's market: the generator trading on the matching engine.
pub type SimMarket = Market<ExchangeVenue>;

/// One coin after a block, for the exchange: (asset, mark, oracle, latest funding record as
/// (time ms, hourly rate)).
type BlockPrices = (AssetId, Px, Px, Option<(u64, Rate)>);

/// The market with its exchange, the time of its last block, and the venue rules.
#[derive(Debug)]
pub struct VenueState {
    market: SimMarket,
    rules: VenueRules,
    /// Block time of the last step, ms.
    time_ms: u64,
    /// Per asset id: time of the last funding record paid, ms.
    funding_seen: Vec<Option<u64>>,
    /// Per-block scratch.
    block_scratch: Vec<BlockPrices>,
}

impl VenueState {
    /// A venue over `market` under `rules`, its first block stepped at `now` so every query
    /// has a book.
    pub fn new(market: SimMarket, rules: VenueRules, now: Nanos) -> Self {
        let mut s =
            Self { market, rules, time_ms: 0, funding_seen: Vec::new(), block_scratch: Vec::new() };
        s.step(now);
        s
    }

    /// Runs one block at `now`: the generator's flow, then the exchange's timers, prices, and
    /// funding when the generator paid a new hourly rate.
    pub fn step(&mut self, now: Nanos) {
        self.market.step(now);
        self.time_ms = now.as_millis();
        self.after_block(now);
    }

    /// Admits and executes one parsed body at `now` ([`VenueRules::submit`]).
    pub fn submit(
        &mut self,
        body: &ReceivedBody,
        signers: &[Address],
        gate: &mut OrderGate<'_>,
        now: Nanos,
    ) -> ExchangeResponse {
        self.rules.submit(self.market.venue_mut(), body, signers, gate, now)
    }

    /// Executes an already-resolved action of `user` at `now`, without the venue rules
    /// (signature, nonce, budgets): for a harness that drives the exchange with typed orders
    /// in simulated time. Its trades print with the next block, as a submitted body's do.
    pub fn apply(
        &mut self,
        user: Address,
        action: &ExchangeAction,
        now: Nanos,
    ) -> ExchangeResponse {
        self.market.venue_mut().apply(user, action, now)
    }

    /// Moves the users' pending events (in the order they happened) into `out`.
    pub fn take_user_events(&mut self, out: &mut Vec<SimEvent>) {
        self.market.venue_mut().take_user_events(out);
    }

    /// The market.
    pub fn market(&self) -> &SimMarket {
        &self.market
    }

    /// The exchange.
    pub fn exchange(&self) -> &Exchange {
        self.market.venue().exchange()
    }

    /// The exchange, for setup and inspection (actions go through [`Self::submit`]).
    pub fn exchange_mut(&mut self) -> &mut Exchange {
        self.market.venue_mut().exchange_mut()
    }

    /// The venue rules.
    pub fn rules(&self) -> &VenueRules {
        &self.rules
    }

    /// Block time of the last step, ms.
    pub fn time_ms(&self) -> u64 {
        self.time_ms
    }

    /// After a block: timers, mark and oracle prices, and funding when the generator paid a
    /// new hourly rate.
    fn after_block(&mut self, now: Nanos) {
        let mut scratch = std::mem::take(&mut self.block_scratch);
        scratch.clear();
        for c in self.market.coins().filter(|c| !c.delisted) {
            let funding = c.funding_history.last().map(|r| (r.time_ms, r.rate));
            scratch.push((c.spec.asset, c.ctx.mark_px, c.ctx.oracle_px, funding));
        }
        let venue = self.market.venue_mut();
        venue.on_time(now);
        for &(asset, mark, oracle, funding) in &scratch {
            venue.set_prices(asset, mark, oracle);
            let i = asset.0 as usize;
            if self.funding_seen.len() <= i {
                self.funding_seen.resize(i + 1, None);
            }
            let Some((t, rate)) = funding else { continue };
            match self.funding_seen[i] {
                // The generator's seeded history is not paid.
                None => self.funding_seen[i] = Some(t),
                Some(seen) if t > seen => {
                    venue.settle_funding(asset, rate, now);
                    self.funding_seen[i] = Some(t);
                }
                Some(_) => {}
            }
        }
        self.block_scratch = scratch;
    }
}

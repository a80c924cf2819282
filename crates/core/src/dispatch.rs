//! The per-event work behind [`QuotingCore::on_event`]: books, fills, order updates, funding,
//! outcomes and configs each update their symbol, then re-quote it ([`crate::refresh`]).

use crate::book::BookUpdate;
use crate::event::CoreError;
use crate::params::SymbolParams;
use crate::positions::FillApplied;
use crate::risk::utc_day;
use crate::QuotingCore;
use hlmm_types::commands::Command;
use hlmm_types::events::{FeedEvent, Fill};
use hlmm_types::outcome::{CommandOutcome, OutcomeEvent};
use hlmm_types::{AssetId, Nanos};

impl QuotingCore {
    pub(crate) fn roll_day(&mut self, now: Nanos) {
        let today = utc_day(now);
        if today != self.day {
            self.day = today;
            for s in &mut self.symbols {
                s.position.roll_day(now);
            }
        }
    }

    pub(crate) fn on_feed(&mut self, f: &FeedEvent, now: Nanos, out: &mut Vec<Command>) {
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
            // The flow leans the next quote; the next book re-quotes (no refresh per trade).
            FeedEvent::Trades(batch) => {
                for t in batch.as_slice() {
                    if let Some(i) = self.known(t.asset) {
                        let s = &mut self.symbols[i];
                        let half_life = s.params.flow_half_life;
                        s.flow.on_trade(t, &s.spec, now, half_life);
                    }
                }
            }
            // Order updates for these cancels follow on `orderUpdates`; the timer re-quotes.
            FeedEvent::NonUserCancels(_)
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

    pub(crate) fn on_outcome(&mut self, o: &OutcomeEvent, now: Nanos, out: &mut Vec<Command>) {
        self.orders.on_outcome(o, now);
        let Some(i) = self.known(o.asset) else { return };
        self.symbols[i].send_backoff.on_outcome(&o.outcome, now);
        if let CommandOutcome::Rejected(r) = o.outcome {
            let s = &mut self.symbols[i];
            s.rejects.reduce |= r.wants_reducing();
            s.rejects.halt |= r.is_our_bug();
        }
        self.refresh(i, now, out);
    }

    #[allow(clippy::result_large_err)] // see `CoreError`
    pub(crate) fn apply_config(
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
}

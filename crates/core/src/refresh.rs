//! Re-quoting one symbol: risk re-evaluated, its targets computed for the risk's quote mode and
//! its orders synced. Runs after every event that touches the symbol and on every timer.

use crate::fair_value;
use crate::orders::{QuoteTarget, RequotePolicy, Targets};
use crate::report::ModelSnapshot;
use crate::risk::{self, utc_day, QuoteMode, RiskInputs};
use crate::strategy::{self, QuoteInputs};
use crate::symbol::Symbol;
use crate::QuotingCore;
use hlmm_types::commands::{Command, Tif};
use hlmm_types::events::Level;
use hlmm_types::{InstrumentSpec, Nanos, Px, Side, Sz};

impl QuotingCore {
    pub(crate) fn refresh_all(&mut self, now: Nanos, out: &mut Vec<Command>) {
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
    pub(crate) fn refresh(&mut self, i: usize, now: Nanos, out: &mut Vec<Command>) {
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
            operator_halt: s.operator_halt,
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
        // Backing off after a refused send: nothing new, but a symbol with nothing to quote
        // still cancels (cancels are always allowed).
        if s.send_backoff.holds(now) && mode != QuoteMode::Nothing {
            return;
        }
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
        let fair = leaned_fair(s, now);
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
            // The volatility circuit breaker holds two-sided quotes (reducing ones still go).
            QuoteMode::TwoSided if p.vol_breaker_ratio > 0.0 && s.vol.breaker_tripped() => {
                Targets::NONE
            }
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

/// The symbol's fair value from its book, leaned by the taker flow when `flow_skew_bps` is set.
fn leaned_fair(s: &Symbol, now: Nanos) -> Option<f64> {
    let p = &s.params;
    let fair = fair_value::fair_value(&s.book, &s.spec, p.fair_value)?;
    Some(if p.flow_skew_bps > 0.0 {
        fair_value::with_flow(fair, s.flow.imbalance(now, p.flow_half_life), p.flow_skew_bps)
    } else {
        fair
    })
}

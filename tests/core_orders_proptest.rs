//! Property test: the order manager against a small venue model, with random interleavings of
//! placements, acks, rejects, partial and full fills, cancels, cancel rejects, ambiguous and
//! lost actions, fills after cancels, modifies (both update orders) and duplicate fills.
//!
//! Invariants: no panic; never two actions in flight for one order; no refused transition for
//! any sequence the venue can produce; every fill of a tracked order is applied exactly once
//! and a repeated tid is flagged; after everything is delivered, local live orders equal the
//! venue's resting orders (ambiguous placements aside) and each order's filled size equals the
//! venue's.

use hlmm::core::orders::{
    FillDisposition, OrderManager, OrderState, QuoteTarget, RequotePolicy, Targets,
};
use hlmm::types::commands::{Command, CommandKind, Tif};
use hlmm::types::events::{Fill, OrderStatus, OrderUpdate};
use hlmm::types::outcome::{
    Accepted, AcceptedStatus, AmbiguousReason, CommandOutcome, NotSentReason, OutcomeEvent,
    RejectReason,
};
use hlmm::types::{AssetId, Cloid, Coin, InstrumentSpec, Nanos, Oid, Px, Side, Sz, Tid};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const ASSET: AssetId = AssetId(3);

/// How the venue and transport treat one command.
#[derive(Debug, Clone, Copy)]
enum Fate {
    /// Applied, normal reply.
    Normal,
    /// Applied, reply lost (timeout after sending).
    AppliedAmbiguous,
    /// Never reached the venue, and exec cannot tell (ambiguous).
    Lost,
    /// Failed before sending.
    NotSent,
    /// Whole-action reject (rate limit): nothing applied.
    Rejected,
    /// A place would cross: ALO reject (only for places and modifies' new legs).
    AloCross,
}

#[derive(Debug, Clone)]
enum Op {
    Sync { bid: Option<u8>, ask: Option<u8>, modify: bool },
    CancelAll,
    Process { idx: usize, fate: Fate },
    Taker { idx: usize, sz: i64 },
    DeliverOutcome(usize),
    DeliverUpdate(usize),
    DeliverFill(usize),
    RedeliverFill(usize),
    Expire(usize),
    Advance(u64),
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        6 => Just(Fate::Normal),
        1 => Just(Fate::AppliedAmbiguous),
        1 => Just(Fate::Lost),
        1 => Just(Fate::NotSent),
        1 => Just(Fate::Rejected),
        1 => Just(Fate::AloCross),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (prop::option::weighted(0.8, 0u8..4), prop::option::weighted(0.8, 0u8..4), prop::bool::weighted(0.7))
            .prop_map(|(bid, ask, modify)| Op::Sync { bid, ask, modify }),
        1 => Just(Op::CancelAll),
        4 => (any::<usize>(), fate()).prop_map(|(idx, fate)| Op::Process { idx, fate }),
        2 => (any::<usize>(), 1i64..150).prop_map(|(idx, sz)| Op::Taker { idx, sz }),
        3 => any::<usize>().prop_map(Op::DeliverOutcome),
        3 => any::<usize>().prop_map(Op::DeliverUpdate),
        3 => any::<usize>().prop_map(Op::DeliverFill),
        1 => any::<usize>().prop_map(Op::RedeliverFill),
        1 => any::<usize>().prop_map(Op::Expire),
        1 => (1u64..20_000).prop_map(Op::Advance),
    ]
}

#[derive(Debug, Clone, Copy)]
struct Resting {
    oid: Oid,
    side: Side,
    remaining: i64,
}

struct World {
    om: OrderManager,
    spec: InstrumentSpec,
    now: Nanos,
    out: Vec<Command>,
    /// Commands sent by the manager, not yet processed by the venue.
    inflight: Vec<Command>,
    /// Cloids with a command whose outcome the manager has not seen yet.
    outstanding: HashSet<Cloid>,
    outcomes: Vec<OutcomeEvent>,
    updates: Vec<OrderUpdate>,
    fills: Vec<Fill>,
    delivered_fills: Vec<Fill>,
    /// Venue: resting orders by cloid.
    book: HashMap<Cloid, Resting>,
    /// Venue: filled size per cloid.
    venue_filled: HashMap<Cloid, i64>,
    /// Cloids whose ambiguous placement never landed, eligible for expiry once the outcome
    /// was delivered.
    never_landed: Vec<Cloid>,
    /// Old leg → new leg of every modify sent.
    sent_modifies: HashMap<Cloid, Cloid>,
    next_oid: u64,
    next_tid: u64,
}

impl World {
    fn new() -> Self {
        Self {
            om: OrderManager::new(0x77, 9, 2),
            spec: InstrumentSpec::perp(ASSET, Coin::new(b"SOL").expect("coin"), 2),
            now: Nanos(1_000_000_000),
            out: Vec::with_capacity(64),
            inflight: Vec::new(),
            outstanding: HashSet::new(),
            outcomes: Vec::new(),
            updates: Vec::new(),
            fills: Vec::new(),
            delivered_fills: Vec::new(),
            book: HashMap::new(),
            venue_filled: HashMap::new(),
            never_landed: Vec::new(),
            sent_modifies: HashMap::new(),
            next_oid: 1000,
            next_tid: 1,
        }
    }

    fn take_commands(&mut self) -> Result<(), TestCaseError> {
        let cmds: Vec<Command> = self.out.drain(..).collect();
        for c in cmds {
            let cloids = match c {
                Command::Place(r) => vec![r.cloid],
                Command::Modify { cloid, new, .. } => {
                    self.sent_modifies.insert(cloid, new.cloid);
                    vec![cloid, new.cloid]
                }
                Command::Cancel { cloid, .. } => vec![cloid],
                Command::CancelAll { .. } => continue,
            };
            for cl in &cloids {
                let state = self.om.order(ASSET, *cl).map(|v| v.state);
                prop_assert!(
                    self.outstanding.insert(*cl),
                    "second action in flight for {:?} ({:?}): {:?}",
                    cl,
                    state,
                    c
                );
            }
            self.inflight.push(c);
        }
        Ok(())
    }

    fn update(&mut self, cloid: Cloid, oid: Oid, side: Side, status: OrderStatus) {
        self.updates.push(OrderUpdate {
            asset: ASSET,
            side,
            oid,
            cloid: Some(cloid),
            status,
            ..OrderUpdate::default()
        });
    }

    fn rest(&mut self, cloid: Cloid, side: Side, sz: Sz) -> Oid {
        self.next_oid += 1;
        let oid = Oid(self.next_oid);
        self.book.insert(cloid, Resting { oid, side, remaining: sz.0 });
        self.update(cloid, oid, side, OrderStatus::Open);
        oid
    }

    fn cancel_at_venue(&mut self, cloid: Cloid) -> bool {
        match self.book.remove(&cloid) {
            Some(r) => {
                self.update(cloid, r.oid, r.side, OrderStatus::Canceled);
                true
            }
            None => false,
        }
    }

    fn process(&mut self, idx: usize, fate: Fate) {
        if self.inflight.is_empty() {
            return;
        }
        let cmd = self.inflight.remove(idx % self.inflight.len());
        let (cloid, kind) = match cmd {
            Command::Place(r) => (r.cloid, CommandKind::Place),
            Command::Modify { cloid, .. } => (cloid, CommandKind::Modify),
            Command::Cancel { cloid, .. } => (cloid, CommandKind::Cancel),
            Command::CancelAll { .. } => return,
        };
        let mut ev = OutcomeEvent::new(
            ASSET,
            cloid,
            kind,
            CommandOutcome::NotSent(NotSentReason::Throttled),
        );
        let applies = matches!(fate, Fate::Normal | Fate::AppliedAmbiguous | Fate::AloCross);
        ev.outcome = match fate {
            Fate::NotSent => CommandOutcome::NotSent(NotSentReason::NoConnection),
            Fate::Rejected => CommandOutcome::Rejected(RejectReason::RateLimited),
            Fate::Lost => {
                match cmd {
                    Command::Place(r) => self.never_landed.push(r.cloid),
                    Command::Modify { new, .. } => self.never_landed.push(new.cloid),
                    _ => {}
                }
                CommandOutcome::Ambiguous(AmbiguousReason::Timeout)
            }
            _ => CommandOutcome::NotSent(NotSentReason::Signing),
        };
        if applies {
            let alo_reject = CommandOutcome::Rejected(RejectReason::AloWouldCross { bbo: None });
            let real = match cmd {
                Command::Place(r) if matches!(fate, Fate::AloCross) => {
                    self.next_oid += 1;
                    self.update(r.cloid, Oid(self.next_oid), r.side, OrderStatus::Rejected);
                    alo_reject
                }
                Command::Place(r) => {
                    let oid = self.rest(r.cloid, r.side, r.sz);
                    CommandOutcome::Accepted(Accepted {
                        oid: Some(oid),
                        status: AcceptedStatus::Resting,
                    })
                }
                Command::Cancel { cloid, .. } => {
                    if self.cancel_at_venue(cloid) {
                        CommandOutcome::Accepted(Accepted {
                            oid: None,
                            status: AcceptedStatus::Canceled,
                        })
                    } else {
                        CommandOutcome::Rejected(RejectReason::CancelUnknownOrder)
                    }
                }
                Command::Modify { cloid, new, .. } => {
                    if !self.cancel_at_venue(cloid) {
                        ev.modify_old_leg_canceled = true;
                        CommandOutcome::Rejected(RejectReason::ModifyOfCanceledOrFilled)
                    } else if matches!(fate, Fate::AloCross) {
                        ev.modify_old_leg_canceled = true;
                        alo_reject
                    } else {
                        let oid = self.rest(new.cloid, new.side, new.sz);
                        CommandOutcome::Accepted(Accepted {
                            oid: Some(oid),
                            status: AcceptedStatus::Resting,
                        })
                    }
                }
                Command::CancelAll { .. } => return,
            };
            ev.outcome = if matches!(fate, Fate::AppliedAmbiguous) {
                ev.modify_old_leg_canceled = false;
                CommandOutcome::Ambiguous(AmbiguousReason::ServerError)
            } else {
                real
            };
        }
        self.outcomes.push(ev);
    }

    fn taker(&mut self, idx: usize, sz: i64) {
        let mut keys: Vec<Cloid> = self.book.keys().copied().collect();
        if keys.is_empty() {
            return;
        }
        keys.sort();
        let cloid = keys[idx % keys.len()];
        let Some(r) = self.book.get_mut(&cloid) else { return };
        let n = sz.min(r.remaining);
        r.remaining -= n;
        let r = *r;
        self.next_tid += 1;
        self.fills.push(Fill {
            asset: ASSET,
            side: r.side,
            sz: Sz(n),
            oid: r.oid,
            tid: Tid(self.next_tid),
            cloid: Some(cloid),
            ..Fill::default()
        });
        *self.venue_filled.entry(cloid).or_default() += n;
        if r.remaining == 0 {
            self.book.remove(&cloid);
            self.update(cloid, r.oid, r.side, OrderStatus::Filled);
        }
    }

    fn deliver_fill(&mut self, f: Fill, repeat: bool) -> Result<(), TestCaseError> {
        let tracked = f.cloid.is_some_and(|c| self.om.order(ASSET, c).is_some());
        let d = self.om.on_fill(&f, self.now);
        if repeat {
            prop_assert_eq!(d, FillDisposition::Duplicate, "a repeated tid is flagged");
        } else if tracked {
            let ok = matches!(d, FillDisposition::Applied { cloid, sz, .. } if Some(cloid) == f.cloid && sz == f.sz);
            prop_assert!(ok, "fill of a tracked order applied once: {:?}", d);
            self.delivered_fills.push(f);
        } else {
            prop_assert_eq!(d, FillDisposition::UnknownOrder);
            self.delivered_fills.push(f);
        }
        Ok(())
    }

    fn step(&mut self, op: Op) -> Result<(), TestCaseError> {
        let px = |i: u8, side: Side| match side {
            // SOL, szDecimals 2: prices in 10^-4, tick 0.01 (100) around $100.
            Side::Bid => Px(1_000_000 - 100 * i64::from(i)),
            Side::Ask => Px(1_010_000 + 100 * i64::from(i)),
        };
        match op {
            Op::Sync { bid, ask, modify } => {
                let t = |i: Option<u8>, s| {
                    i.map(|i| QuoteTarget {
                        px: px(i, s),
                        sz: Sz(100),
                        reduce_only: false,
                        tif: Tif::Alo,
                    })
                };
                let targets = Targets { bid: t(bid, Side::Bid), ask: t(ask, Side::Ask) };
                let policy = RequotePolicy::new(0, 5_000_000_000, modify);
                self.om.sync(&self.spec, &targets, &policy, self.now, &mut self.out);
                self.take_commands()?;
            }
            Op::CancelAll => {
                self.om.cancel_all(Some(ASSET), self.now, &mut self.out);
                self.take_commands()?;
            }
            Op::Process { idx, fate } => self.process(idx, fate),
            Op::Taker { idx, sz } => self.taker(idx, sz),
            Op::DeliverOutcome(i) if !self.outcomes.is_empty() => {
                let ev = self.outcomes.remove(i % self.outcomes.len());
                self.outstanding.remove(&ev.cloid);
                if ev.command == CommandKind::Modify {
                    if let Some(n) = self.modify_new_leg(ev.cloid) {
                        self.outstanding.remove(&n);
                    }
                }
                self.om.on_outcome(&ev, self.now);
            }
            Op::DeliverUpdate(i) if !self.updates.is_empty() => {
                let u = self.updates.remove(i % self.updates.len());
                self.om.on_order_update(&u, self.now);
            }
            Op::DeliverFill(i) if !self.fills.is_empty() => {
                let f = self.fills.remove(i % self.fills.len());
                self.deliver_fill(f, false)?;
            }
            Op::RedeliverFill(i) if !self.delivered_fills.is_empty() => {
                let f = self.delivered_fills[i % self.delivered_fills.len()];
                self.deliver_fill(f, true)?;
            }
            Op::Expire(i) if !self.never_landed.is_empty() => {
                let cloid = self.never_landed[i % self.never_landed.len()];
                if !self.outstanding.contains(&cloid) {
                    self.never_landed.retain(|c| *c != cloid);
                    self.om.on_expiry_passed(ASSET, cloid, self.now);
                }
            }
            Op::Advance(ms) => self.now = Nanos(self.now.0 + ms * 1_000_000),
            _ => {}
        }
        Ok(())
    }

    fn modify_new_leg(&self, old: Cloid) -> Option<Cloid> {
        self.sent_modifies.get(&old).copied()
    }

    /// Processes and delivers everything still queued, normally and in order.
    fn drain(&mut self) -> Result<(), TestCaseError> {
        while !self.inflight.is_empty() {
            self.process(0, Fate::Normal);
        }
        while !self.outcomes.is_empty() {
            self.step(Op::DeliverOutcome(0))?;
        }
        while !self.updates.is_empty() {
            self.step(Op::DeliverUpdate(0))?;
        }
        while !self.fills.is_empty() {
            self.step(Op::DeliverFill(0))?;
        }
        Ok(())
    }

    fn check_final(&self) -> Result<(), TestCaseError> {
        prop_assert_eq!(
            self.om.stats().invalid_transitions,
            0,
            "the venue never produces a refused sequence"
        );
        for (cloid, r) in &self.book {
            let v = self.om.order(ASSET, *cloid);
            prop_assert!(
                v.is_some_and(|v| !v.state.is_terminal() && v.oid == Some(r.oid)),
                "resting at the venue but not live locally: {:?} {:?}",
                cloid,
                v
            );
        }
        for v in self.om.open_orders(ASSET) {
            let at_venue = self.book.get(&v.cloid).map(|r| r.oid);
            match v.state.oid() {
                Some(oid) => prop_assert_eq!(at_venue, Some(oid), "live locally: {:?}", v),
                None => prop_assert!(
                    at_venue.is_none() && v.state.is_unresolved_placement(),
                    "unconfirmed locally but resting: {:?}",
                    v
                ),
            }
            prop_assert!(!v.state.has_action_in_flight(), "everything was delivered: {:?}", v);
        }
        for (cloid, filled) in &self.venue_filled {
            if let Some(v) = self.om.order(ASSET, *cloid) {
                prop_assert_eq!(v.filled, Sz(*filled), "filled size of {:?}", cloid);
            }
        }
        let (bid, ask) = self.om.pending_exposure(ASSET);
        let venue_bid: i64 =
            self.book.values().filter(|r| r.side == Side::Bid).map(|r| r.remaining).sum();
        let venue_ask: i64 =
            self.book.values().filter(|r| r.side == Side::Ask).map(|r| r.remaining).sum();
        prop_assert!(bid.0 >= venue_bid && ask.0 >= venue_ask, "exposure covers what rests");
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_never_panic_never_lose_a_fill_and_keep_one_action_in_flight(
        ops in prop::collection::vec(op(), 1..120)
    ) {
        let mut w = World::new();
        for op in ops {
            w.step(op)?;
        }
        w.drain()?;
        w.check_final()?;
        prop_assert_eq!(w.om.stats().invalid_targets, 0);
    }
}

#[test]
fn a_state_is_never_left_pending_after_everything_is_delivered() {
    // A fixed story through the same model: place, modify lost, expiry, fill after cancel.
    let mut w = World::new();
    let story = [
        Op::Sync { bid: Some(0), ask: Some(0), modify: true },
        Op::Process { idx: 0, fate: Fate::Normal },
        Op::Process { idx: 0, fate: Fate::Normal },
        Op::DeliverOutcome(0),
        Op::DeliverOutcome(0),
        Op::Sync { bid: Some(1), ask: Some(0), modify: true },
        Op::Process { idx: 0, fate: Fate::Lost },
        Op::DeliverOutcome(0),
        Op::Expire(0),
        Op::Taker { idx: 0, sz: 30 },
        Op::CancelAll,
        Op::Taker { idx: 0, sz: 30 },
        Op::Process { idx: 0, fate: Fate::Normal },
    ];
    for op in story {
        w.step(op).expect("step");
    }
    w.drain().expect("drain");
    w.check_final().expect("final");
    assert!(w.om.open_orders(ASSET).all(|v| !matches!(v.state, OrderState::PendingNew)));
}

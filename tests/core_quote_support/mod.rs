//! A step-by-step harness around `QuotingCore`: a simulated clock, books built from two
//! prices, and an exec stand-in that acknowledges commands. Shared by the `core_quote_*` tests.
#![allow(dead_code, unreachable_pub, clippy::result_large_err)]

use hlmm::core::params::{GlobalParams, SymbolParams};
use hlmm::core::{CoreError, CoreEvent, QuotingCore};
use hlmm::types::commands::{Command, CommandKind, OrderRequest};
use hlmm::types::events::{BookSnapshot, FeedEvent, Fill, FillBatch, Level};
use hlmm::types::outcome::{Accepted, AcceptedStatus, CommandOutcome, OutcomeEvent};
use hlmm::types::{AssetId, Coin, InstrumentSpec, Nanos, Oid, Px, Side, Sz, Tid, Usd};

pub const MS: u64 = 1_000_000;
pub const SEC: u64 = 1_000_000_000;
pub const DAY: u64 = 86_400 * SEC;

/// 2026-03-02 10:00 UTC, a plain start time.
pub const START: u64 = 20_514 * DAY + 10 * 3_600 * SEC;

/// ETH-like: szDecimals 4, prices in cents (D = 2), a 0.1 tick near $2000.
pub fn eth(asset: u32) -> InstrumentSpec {
    InstrumentSpec::perp(
        AssetId(asset),
        Coin::new(format!("C{asset}").as_bytes()).expect("coin"),
        4,
    )
}

/// Parameters that quote at once (a volatility prior) with round numbers.
pub fn params() -> SymbolParams {
    SymbolParams {
        vol_prior: Some(1e-4),
        notional_per_side: Usd::from_dollars(1_000),
        max_long_usd: Usd::from_dollars(10_000),
        max_short_usd: Usd::from_dollars(10_000),
        trailing_take_profit: 0.0,
        trailing_stop_loss: 0.0,
        force_quote_refresh_interval: 0,
        ..SymbolParams::default()
    }
}

pub fn global() -> GlobalParams {
    GlobalParams { global_daily_pnl_stop_loss: Usd::ZERO, cloid_prefix: 0x1e6, run_id: 7 }
}

pub struct Harness {
    pub core: QuotingCore,
    pub now: Nanos,
    pub out: Vec<Command>,
    pub assets: Vec<AssetId>,
    /// Acknowledge every command at once (the exec thread answers before the next event).
    pub auto_ack: bool,
    book_ms: u64,
    next_oid: u64,
    next_tid: u64,
}

impl Harness {
    /// One asset (id 1) with `p`, already resumed (startup reconciliation "succeeded").
    pub fn new(p: SymbolParams) -> Self {
        Self::with(&[p], global())
    }

    /// Assets 1..=n with the given parameters, resumed.
    pub fn with(ps: &[SymbolParams], g: GlobalParams) -> Self {
        let specs: Vec<InstrumentSpec> = (1..=ps.len() as u32).map(eth).collect();
        let now = Nanos(START);
        let core = QuotingCore::new(&specs, ps, g, now).expect("valid core");
        let mut h = Self {
            core,
            now,
            out: Vec::with_capacity(256),
            assets: specs.iter().map(|s| s.asset).collect(),
            auto_ack: false,
            book_ms: START / MS,
            next_oid: 1,
            next_tid: 1,
        };
        h.send(CoreEvent::Resume).expect("resume");
        h
    }

    /// Sends one event at the current time; returns the commands it produced.
    pub fn send(&mut self, ev: CoreEvent) -> Result<Vec<Command>, CoreError> {
        self.out.clear();
        self.core.on_event(&ev, self.now, &mut self.out)?;
        let cmds = self.out.clone();
        if self.auto_ack {
            self.ack(&cmds);
        }
        Ok(cmds)
    }

    pub fn advance(&mut self, ns: u64) {
        self.now = Nanos(self.now.0 + ns);
    }

    pub fn timer(&mut self) -> Vec<Command> {
        self.out.clear();
        self.core.on_timer(self.now, &mut self.out);
        let cmds = self.out.clone();
        if self.auto_ack {
            self.ack(&cmds);
        }
        cmds
    }

    /// Advances 100 ms and sends a book with best bid/ask in cents and 10 ETH a side.
    pub fn book_on(&mut self, asset: u32, bid: i64, ask: i64) -> Vec<Command> {
        self.advance(100 * MS);
        self.book_ms = self.book_ms.max(self.now.0 / MS);
        let mut s = BookSnapshot {
            asset: AssetId(asset),
            time: Nanos::from_millis(self.book_ms),
            ..Default::default()
        };
        let _ = s.bids.push(Level { px: Px(bid), sz: Sz(100_000), n: 3 });
        let _ = s.asks.push(Level { px: Px(ask), sz: Sz(100_000), n: 3 });
        self.send(CoreEvent::Feed(FeedEvent::Book(s))).expect("book")
    }

    pub fn book(&mut self, bid: i64, ask: i64) -> Vec<Command> {
        self.book_on(1, bid, ask)
    }

    /// The exec thread's answer to every command in `cmds`: placements rest, cancels succeed.
    pub fn ack(&mut self, cmds: &[Command]) -> Vec<Command> {
        let mut produced = Vec::new();
        for c in cmds {
            let ev = match *c {
                Command::Place(r) => {
                    Some(self.accepted(r.asset, r.cloid, CommandKind::Place, r.tif))
                }
                Command::Modify { asset, cloid, new, .. } => {
                    Some(self.accepted(asset, cloid, CommandKind::Modify, new.tif))
                }
                Command::Cancel { asset, cloid } => Some(OutcomeEvent::new(
                    asset,
                    cloid,
                    CommandKind::Cancel,
                    CommandOutcome::Accepted(Accepted {
                        oid: None,
                        status: AcceptedStatus::Canceled,
                    }),
                )),
                Command::CancelAll { .. } => None,
            };
            if let Some(ev) = ev {
                produced.extend(self.send(CoreEvent::Outcome(ev)).expect("outcome"));
            }
        }
        produced
    }

    fn accepted(
        &mut self,
        asset: AssetId,
        cloid: hlmm::types::Cloid,
        kind: CommandKind,
        tif: hlmm::types::commands::Tif,
    ) -> OutcomeEvent {
        let oid = Oid(self.next_oid);
        self.next_oid += 1;
        // An IOC that did not fill is cancelled at once; tests fill IOCs explicitly.
        let status = if tif == hlmm::types::commands::Tif::Ioc {
            AcceptedStatus::Canceled
        } else {
            AcceptedStatus::Resting
        };
        OutcomeEvent::new(
            asset,
            cloid,
            kind,
            CommandOutcome::Accepted(Accepted { oid: Some(oid), status }),
        )
    }

    /// Acks until quiet (acks can lead to follow-up commands).
    pub fn settle(&mut self, mut cmds: Vec<Command>) {
        for _ in 0..8 {
            if cmds.is_empty() {
                return;
            }
            cmds = self.ack(&cmds);
        }
    }

    /// A fill of ours (a fresh tid unless given).
    pub fn fill_with(
        &mut self,
        asset: u32,
        side: Side,
        px: i64,
        sz: i64,
        tid: Option<u64>,
    ) -> Vec<Command> {
        let tid = tid.unwrap_or_else(|| {
            self.next_tid += 1;
            self.next_tid
        });
        let mut batch = FillBatch::default();
        let _ = batch.fills.push(Fill {
            asset: AssetId(asset),
            side,
            px: Px(px),
            sz: Sz(sz),
            time: self.now,
            tid: Tid(tid),
            oid: Oid(999_999),
            ..Fill::default()
        });
        self.send(CoreEvent::Feed(FeedEvent::Fills(batch))).expect("fills")
    }

    pub fn fill(&mut self, side: Side, px: i64, sz: i64) -> Vec<Command> {
        self.fill_with(1, side, px, sz, None)
    }
}

/// The new orders among `cmds` (placements and the new legs of modifies).
pub fn new_orders(cmds: &[Command]) -> Vec<OrderRequest> {
    cmds.iter()
        .filter_map(|c| match *c {
            Command::Place(r) => Some(r),
            Command::Modify { new, .. } => Some(new),
            _ => None,
        })
        .collect()
}

pub fn on_side(cmds: &[Command], side: Side) -> Option<OrderRequest> {
    new_orders(cmds).into_iter().find(|r| r.side == side)
}

pub fn cancels(cmds: &[Command]) -> usize {
    cmds.iter().filter(|c| matches!(c, Command::Cancel { .. })).count()
}

//! [`Ledger`]: the side thread's record of what the quote thread did, built from its
//! [`Activity`] ring: recent orders with their outcomes, fills (each `(oid, tid)` once), the
//! risk audit trail and execution counts. Bounded everywhere; allocation is fine here (side
//! thread only).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use hlmm_api::model::{ExecutionMetrics, FillEntry, OrderRecord, RiskAudit};

use crate::msg::Activity;
use crate::types::commands::{Command, OrderRequest};
use crate::types::outcome::{AcceptedStatus, CommandOutcome, OutcomeEvent};
use crate::types::{AssetId, Cloid, InstrumentSpec, Nanos, Side};

/// Recent order records kept.
pub const HISTORY: usize = 500;
/// Recent fills kept.
pub const FILLS: usize = 1_000;
/// Risk audit records kept.
pub const AUDIT: usize = 500;
/// Commands waiting for their outcome, at most (older ones are recorded as `unknown`).
const PENDING: usize = 4_096;
/// Fill identities remembered for de-duplication (snapshot replays after a reconnect).
const SEEN_FILLS: usize = 20_000;

/// What the quote thread did, as the operator reads it.
#[derive(Debug)]
pub struct Ledger {
    specs: HashMap<AssetId, InstrumentSpec>,
    pending: HashMap<Cloid, OrderRecord>,
    pending_order: VecDeque<Cloid>,
    history: VecDeque<OrderRecord>,
    fills: VecDeque<FillEntry>,
    seen: HashSet<(u64, u64)>,
    seen_order: VecDeque<(u64, u64)>,
    audit: VecDeque<RiskAudit>,
    counts: ExecutionMetrics,
}

/// What one activity record changed, for the live stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Noted {
    /// Nothing the stream reports at once.
    Quiet,
    /// A new fill.
    Fill(FillEntry),
    /// A coin's risk state changed.
    RiskChanged,
}

impl Ledger {
    /// A ledger for the quoted instruments.
    pub fn new(instruments: &[InstrumentSpec]) -> Self {
        Self {
            specs: instruments.iter().map(|s| (s.asset, *s)).collect(),
            pending: HashMap::new(),
            pending_order: VecDeque::new(),
            history: VecDeque::new(),
            fills: VecDeque::new(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            audit: VecDeque::new(),
            counts: ExecutionMetrics::default(),
        }
    }

    /// Takes one record in.
    pub fn on_activity(&mut self, activity: &Activity) -> Noted {
        match *activity {
            Activity::Sent { command, at } => {
                self.on_sent(&command, at);
                Noted::Quiet
            }
            Activity::Outcome { outcome, at } => {
                self.on_outcome(&outcome, at);
                Noted::Quiet
            }
            Activity::Fill(fill) => self.on_fill(&fill).map_or(Noted::Quiet, Noted::Fill),
            Activity::Audit(t) => {
                let record = RiskAudit {
                    time_ms: t.time.0 / 1_000_000,
                    symbol: self.coin(t.asset),
                    from: format!("{:?}", t.from),
                    to: format!("{:?}", t.to),
                    reason: format!("{:?}", t.reason),
                };
                push_bounded(&mut self.audit, record, AUDIT);
                Noted::RiskChanged
            }
        }
    }

    fn coin(&self, asset: AssetId) -> String {
        self.specs.get(&asset).map_or_else(|| format!("@{}", asset.0), |s| s.coin.as_str().into())
    }

    fn record_of(
        &self,
        action: &str,
        cloid: Cloid,
        asset: AssetId,
        order: Option<&OrderRequest>,
    ) -> OrderRecord {
        let spec = self.specs.get(&asset);
        OrderRecord {
            time_ms: 0,
            symbol: self.coin(asset),
            action: action.to_owned(),
            side: order.map(|o| side_name(o.side).to_owned()),
            price: order.and_then(|o| spec.map(|s| s.px_to_f64(o.px))),
            size: order.and_then(|o| spec.map(|s| s.sz_to_f64(o.sz))),
            cloid: cloid.to_string(),
            outcome: "pending".to_owned(),
            class: None,
        }
    }

    fn on_sent(&mut self, command: &Command, at: Nanos) {
        let (key, record) = match command {
            Command::Place(o) => {
                self.counts.placed += 1;
                (o.cloid, self.record_of("place", o.cloid, o.asset, Some(o)))
            }
            Command::Modify { asset, cloid, new, .. } => {
                self.counts.modified += 1;
                (*cloid, self.record_of("modify", new.cloid, *asset, Some(new)))
            }
            Command::Cancel { asset, cloid } => {
                self.counts.cancelled += 1;
                (*cloid, self.record_of("cancel", *cloid, *asset, None))
            }
            Command::CancelAll { .. } => return,
        };
        let mut record = record;
        record.time_ms = at.0 / 1_000_000;
        if self.pending.len() >= PENDING {
            if let Some(old) = self.pending_order.pop_front().and_then(|c| self.pending.remove(&c))
            {
                self.finish(old, "unknown", None);
            }
        }
        if self.pending.insert(key, record).is_none() {
            self.pending_order.push_back(key);
        }
    }

    fn on_outcome(&mut self, o: &OutcomeEvent, at: Nanos) {
        let Some(mut record) = self.pending.remove(&o.cloid) else { return };
        self.pending_order.retain(|c| *c != o.cloid);
        record.time_ms = at.0 / 1_000_000;
        let (outcome, class) = match o.outcome {
            CommandOutcome::Accepted(a) => (
                match (record.action.as_str(), a.status) {
                    ("cancel", _) | (_, AcceptedStatus::Canceled) => "cancelled",
                    ("modify", AcceptedStatus::Resting) => "modified",
                    (_, AcceptedStatus::Filled { .. }) => "filled",
                    (_, AcceptedStatus::Resting) => "resting",
                    _ => "accepted",
                },
                None,
            ),
            CommandOutcome::Rejected(r) => ("rejected", Some(class_name(&format!("{r:?}")))),
            CommandOutcome::NotSent(r) => ("not_sent", Some(class_name(&format!("{r:?}")))),
            CommandOutcome::Ambiguous(r) => ("unknown", Some(class_name(&format!("{r:?}")))),
        };
        if let Some(class) = &class {
            if outcome == "rejected" {
                *self.counts.rejected.entry(class.clone()).or_default() += 1;
            }
        }
        self.finish(record, outcome, class);
    }

    fn finish(&mut self, mut record: OrderRecord, outcome: &str, class: Option<String>) {
        record.outcome = outcome.to_owned();
        record.class = class;
        push_bounded(&mut self.history, record, HISTORY);
    }

    fn on_fill(&mut self, f: &crate::types::events::Fill) -> Option<FillEntry> {
        let id = (f.oid.0, f.tid.0);
        if !self.seen.insert(id) {
            return None;
        }
        self.seen_order.push_back(id);
        if self.seen_order.len() > SEEN_FILLS {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        let spec = self.specs.get(&f.asset)?;
        let fill = FillEntry {
            time_ms: f.time.0 / 1_000_000,
            symbol: spec.coin.as_str().to_owned(),
            side: side_name(f.side).to_owned(),
            price: spec.px_to_f64(f.px),
            size: spec.sz_to_f64(f.sz),
            fee: f.fee.to_f64(),
            tid: f.tid.0,
            oid: f.oid.0,
            crossed: f.crossed,
        };
        self.counts.filled += 1;
        push_bounded(&mut self.fills, fill.clone(), FILLS);
        Some(fill)
    }

    /// Up to `n` recent order records, newest first.
    pub fn history(&self, n: usize) -> Vec<OrderRecord> {
        self.history.iter().rev().take(n).cloned().collect()
    }

    /// Up to `n` recent fills, newest first.
    pub fn fills(&self, n: usize) -> Vec<FillEntry> {
        self.fills.iter().rev().take(n).cloned().collect()
    }

    /// The risk audit trail, newest first.
    pub fn audit(&self) -> Vec<RiskAudit> {
        self.audit.iter().rev().cloned().collect()
    }

    /// Execution counts since start (`rate_budget_used` is the caller's).
    pub fn metrics(&self) -> ExecutionMetrics {
        let mut m = self.counts.clone();
        m.fill_rate = if m.placed == 0 { 0.0 } else { m.filled as f64 / m.placed as f64 };
        m
    }

    /// Rejections by class since start.
    pub fn rejected(&self) -> &BTreeMap<String, u64> {
        &self.counts.rejected
    }
}

fn push_bounded<T>(q: &mut VecDeque<T>, item: T, cap: usize) {
    if q.len() == cap {
        q.pop_front();
    }
    q.push_back(item);
}

/// `Bid` / `Ask`.
pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Bid => "Bid",
        Side::Ask => "Ask",
    }
}

/// The variant of a reason's `Debug` text, in snake case: `AloWouldCross { .. }` →
/// `alo_would_cross`.
fn class_name(debug: &str) -> String {
    let variant = debug.split(|c: char| !c.is_alphanumeric()).next().unwrap_or(debug);
    let mut out = String::with_capacity(variant.len() + 4);
    for (i, c) in variant.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
#[path = "ledger/tests.rs"]
mod tests;

//! [`Station`]: the side thread's operator duties. It drains the quote thread's activity ring
//! into the [`Ledger`], answers the gateway's control calls (kill, resume, per-symbol halt,
//! hedge-only, config patches through the one [`ConfigDesk`]), queues the resulting core
//! events for the control ring, and refreshes what the gateway serves.

use std::collections::VecDeque;
use std::sync::Arc;

use hlmm_api::model::{
    ConfigPatched, ControlAction, ControlAudit, ControlOutcome, ControlRequest, Refusal,
};
use hlmm_api::LiveEvent;

use super::hub::{OperatorHub, OperatorInbox};
use super::ledger::{Ledger, Noted, FILLS};
use super::view::{self, ViewInputs};
use crate::core::CoreEvent;
use crate::msg::Activity;
use crate::ring::{LosslessRx, LosslessTx};
use crate::sync::schema::ConfigSource;
use crate::sync::{ConfigDesk, PositionBook, RedisSync};
use crate::types::{InstrumentSpec, Nanos};

/// Operator actions kept for `GET /risk`.
const CONTROL_AUDIT: usize = 200;

/// What answering a control call may touch.
#[derive(Debug)]
pub struct CallContext<'a> {
    /// Wall time now.
    pub now: Nanos,
    /// The config service.
    pub desk: &'a mut ConfigDesk,
    /// Redis, for the key and the ack of a config change.
    pub redis: Option<&'a mut RedisSync>,
    /// The startup gate has opened (quoting was enabled once).
    pub gate_open: bool,
    /// The latest snapshots (for the audit's old state).
    pub book: &'a PositionBook,
}

/// The side thread's operator state.
#[derive(Debug)]
pub struct Station {
    hub: Arc<OperatorHub>,
    inbox: OperatorInbox,
    activity: LosslessRx<Activity>,
    ledger: Ledger,
    control_audit: Vec<ControlAudit>,
    /// Core events of operator actions waiting for room in the control ring, in order.
    ops: VecDeque<CoreEvent>,
    /// Decided control calls, answered after the next publish.
    answers: Vec<(tokio::sync::oneshot::Sender<ControlOutcome>, ControlOutcome)>,
    /// Stream events of those calls, announced after the next publish too.
    deferred: Vec<LiveEvent>,
    killed: bool,
    seq: u64,
}

impl Station {
    /// A station serving `hub`, answering `inbox`, reading `activity`.
    pub fn new(
        hub: Arc<OperatorHub>,
        inbox: OperatorInbox,
        activity: LosslessRx<Activity>,
        instruments: &[InstrumentSpec],
    ) -> Self {
        Self {
            hub,
            inbox,
            activity,
            ledger: Ledger::new(instruments),
            control_audit: Vec::new(),
            ops: VecDeque::new(),
            answers: Vec::new(),
            deferred: Vec::new(),
            killed: false,
            seq: 0,
        }
    }

    /// The operator's kill switch is on: the startup gate must not resume quoting.
    pub fn killed(&self) -> bool {
        self.killed
    }

    /// Takes every waiting activity record; fills and risk changes go to the stream at once.
    pub fn drain_activity(&mut self) {
        while let Some(activity) = self.activity.pop() {
            match self.ledger.on_activity(&activity) {
                Noted::Quiet => {}
                Noted::Fill(fill) => {
                    // `GET /fills` lists it as soon as the stream has announced it, not only
                    // after the next full refresh.
                    self.hub.update(|p| {
                        p.fills.insert(0, fill.clone());
                        p.fills.truncate(FILLS);
                    });
                    self.hub.announce(LiveEvent::Fill(fill));
                }
                Noted::RiskChanged => self.hub.announce(LiveEvent::RiskChanged),
            }
        }
    }

    /// Decides every waiting control call; returns how many there were. The answers and their
    /// stream events wait for [`Station::deliver_answers`], which the caller runs after
    /// republishing, so a read that follows either already sees the effect (the new version,
    /// the audit record).
    pub fn answer_calls(&mut self, ctx: &mut CallContext<'_>) -> usize {
        let mut answered = 0;
        while let Some((request, reply)) = self.inbox.next() {
            let outcome = self.decide(request, ctx);
            self.answers.push((reply, outcome));
            answered += 1;
        }
        answered
    }

    /// Sends the answers [`Station::answer_calls`] decided, and their stream events.
    pub fn deliver_answers(&mut self) {
        for (reply, outcome) in self.answers.drain(..) {
            // The caller may have timed out and gone: nothing to tell then.
            let _ = reply.send(outcome);
        }
        for event in self.deferred.drain(..) {
            self.hub.announce(event);
        }
    }

    /// Pushes queued operator events into the control ring while it has room.
    pub fn push_control(&mut self, control: &mut LosslessTx<CoreEvent>) {
        while let Some(event) = self.ops.pop_front() {
            if control.push(event).is_err() {
                self.ops.push_front(event);
                return;
            }
        }
    }

    /// The order history.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Operator actions, oldest first.
    pub fn control_audit(&self) -> &[ControlAudit] {
        &self.control_audit
    }

    /// The sequence number of the next refresh.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Replaces what the gateway serves with documents built from [`ViewInputs`].
    pub fn publish(&self, inputs: &ViewInputs<'_>) {
        self.hub.publish(view::build(inputs));
    }

    fn decide(&mut self, request: ControlRequest, ctx: &mut CallContext<'_>) -> ControlOutcome {
        let ControlRequest { token_id, action } = request;
        let target = action.target().to_owned();
        let name = action.name();
        let state_of = |coin: &str| {
            ctx.book
                .iter()
                .find(|(s, _)| s.coin.as_str() == coin)
                .and_then(|(_, snap)| snap.map(|s| format!("{:?}", s.state)))
                .unwrap_or_else(|| "Unknown".to_owned())
        };
        let (outcome, old, new) = match action {
            ControlAction::Kill => {
                let old = if self.killed { "killed" } else { "running" };
                self.killed = true;
                self.ops.push_back(CoreEvent::Kill);
                (ControlOutcome::Accepted, old.to_owned(), "killed".to_owned())
            }
            ControlAction::Resume => {
                let old = if self.killed { "killed" } else { "running" };
                self.killed = false;
                // Before the startup gate opened, the gate resumes (fail closed: never quote
                // unreconciled); an operator resume only lifts the kill.
                if ctx.gate_open {
                    self.ops.push_back(CoreEvent::Resume);
                }
                (ControlOutcome::Accepted, old.to_owned(), "running".to_owned())
            }
            ControlAction::Halt(coin) | ControlAction::ResumeSymbol(coin)
                if ctx.desk.asset(&coin).is_none() =>
            {
                (
                    ControlOutcome::Refused(Refusal::UnknownSymbol(coin)),
                    String::new(),
                    String::new(),
                )
            }
            ControlAction::Halt(coin) => {
                let asset = ctx.desk.asset(&coin).unwrap_or_default();
                self.ops.push_back(CoreEvent::HaltSymbol(asset));
                (ControlOutcome::Accepted, state_of(&coin), "Halted".to_owned())
            }
            ControlAction::ResumeSymbol(coin) => {
                let asset = ctx.desk.asset(&coin).unwrap_or_default();
                self.ops.push_back(CoreEvent::ResumeSymbol(asset));
                (ControlOutcome::Accepted, state_of(&coin), "resumed".to_owned())
            }
            ControlAction::HedgeOnly(coin) => {
                let mut patch = serde_json::Map::new();
                patch.insert("hedge_only_mode".to_owned(), true.into());
                self.patch(coin, patch, ctx)
            }
            ControlAction::PatchConfig { symbol, patch } => self.patch(symbol, patch, ctx),
        };
        let result = match &outcome {
            ControlOutcome::Accepted | ControlOutcome::Patched(_) => "accepted".to_owned(),
            ControlOutcome::Refused(Refusal::UnknownSymbol(c)) => {
                format!("refused: unknown symbol {c}")
            }
            ControlOutcome::Refused(Refusal::Invalid(e)) => {
                format!("refused: {} field error(s)", e.len())
            }
        };
        tracing::info!(token_id, action = name, target, old, new, result, "Operator action");
        if self.control_audit.len() == CONTROL_AUDIT {
            self.control_audit.remove(0);
        }
        self.control_audit.push(ControlAudit {
            time_ms: ctx.now.0 / 1_000_000,
            token_id,
            action: name.to_owned(),
            target,
            old,
            new,
            result,
        });
        self.deferred.push(LiveEvent::RiskChanged);
        outcome
    }

    /// A config patch through the same path as an `mm_config` message: validation, version,
    /// key and ack (with Redis on), then the core.
    fn patch(
        &mut self,
        symbol: String,
        mut patch: serde_json::Map<String, serde_json::Value>,
        ctx: &mut CallContext<'_>,
    ) -> (ControlOutcome, String, String) {
        if ctx.desk.asset(&symbol).is_none() {
            return (
                ControlOutcome::Refused(Refusal::UnknownSymbol(symbol)),
                String::new(),
                String::new(),
            );
        }
        let old = ctx.desk.version(&symbol).to_string();
        patch.insert("symbol".to_owned(), symbol.clone().into());
        let now_s = ctx.now.0 / 1_000_000_000;
        let decision = ctx.desk.service().on_patch(patch.into(), ConfigSource::Api, now_s);
        let (ack, store) = ctx.desk.take(decision);
        if let Some(redis) = ctx.redis.as_deref_mut() {
            redis.publish_decision(ctx.now, &ack, store.as_ref());
        }
        if !ack.accepted {
            return (ControlOutcome::Refused(Refusal::Invalid(ack.errors)), old.clone(), old);
        }
        let version = ack.version.unwrap_or(0);
        if let Some(view) = view::config(ctx.desk).symbols.into_iter().find(|s| s.symbol == symbol)
        {
            self.deferred.push(LiveEvent::Config(view));
        }
        let patched = ConfigPatched { symbol, version, changes: ack.changes };
        (ControlOutcome::Patched(patched), old, version.to_string())
    }
}

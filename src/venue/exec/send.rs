//! One signed action on its way: a task on the exec runtime sends it, awaits its reply (or its
//! absence) and reports exactly one outcome per command through the gateway's report channel.
//! An ambiguous outcome is handed to the resolver ([`super::resolver`]), never re-sent.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::mpsc;

use super::budget::RateBudget;
use super::plan::ActionKind;
use super::reply::{self, ElementKind, Reply};
use super::transport::Transport;
use super::{GatewayStats, HyperliquidGateway, Pending};
use crate::msg::{ExecReport, Intent};
use crate::runtime::{Clock, SharedClock};
use crate::types::commands::Command;
use crate::types::outcome::{AmbiguousReason, CommandOutcome};
use crate::types::InstrumentSpec;
use crate::venue::gateway::outcome_for;
use crate::wire::nonce::NonceSource;

/// One signed action on its way: sent, awaited and answered by its own task.
pub(super) struct SendJob {
    pub(super) elem: ElementKind,
    /// The commands of the action's elements, in element order.
    pub(super) commands: Vec<Command>,
    /// Their instruments, in the same order.
    pub(super) specs: Vec<InstrumentSpec>,
    pub(super) body: Vec<u8>,
    pub(super) expires_ms: u64,
    pub(super) sent_ms: u64,
    pub(super) timeout: Duration,
    pub(super) transport: Transport,
    pub(super) tx: mpsc::UnboundedSender<ExecReport>,
    pub(super) pending: Arc<Mutex<Vec<Pending>>>,
    pub(super) stats: Arc<GatewayStats>,
    pub(super) budget: Arc<Mutex<RateBudget>>,
    pub(super) nonces: Arc<NonceSource>,
    pub(super) clock: SharedClock,
}

impl HyperliquidGateway {
    /// The task for one signed action: its commands are `batch[i]` for `i` in `idx`; `times`
    /// is (sent, `expiresAfter`), ms.
    pub(super) fn send_job(
        &self,
        kind: ActionKind,
        idx: &[usize],
        batch: &[Intent],
        body: Vec<u8>,
        times: (u64, u64),
    ) -> SendJob {
        let (sent_ms, expires_ms) = times;
        SendJob {
            elem: match kind {
                ActionKind::AloOrders | ActionKind::TakerOrders => ElementKind::Order,
                ActionKind::Modifies => ElementKind::Modify,
                ActionKind::Cancels => ElementKind::Cancel,
            },
            commands: idx.iter().map(|&i| batch[i].command).collect(),
            specs: idx
                .iter()
                .filter_map(|&i| batch[i].command.asset().and_then(|a| self.spec(a)))
                .collect(),
            body,
            expires_ms,
            sent_ms,
            timeout: self.cfg.reply_timeout,
            transport: self.transport.clone(),
            tx: self.reports_tx.clone(),
            pending: Arc::clone(&self.pending),
            stats: Arc::clone(&self.stats),
            budget: Arc::clone(&self.budget),
            nonces: Arc::clone(&self.nonces),
            clock: Arc::clone(&self.cfg.clock),
        }
    }
}

/// Whether a reply is the venue's IP limit (HTTP 429, or a WS post error carrying it).
fn is_http_429(reply: &Reply) -> bool {
    match reply {
        Reply::Http { status, .. } => *status == 429,
        Reply::PostError(text) => text.starts_with("429"),
        _ => false,
    }
}

impl SendJob {
    pub(super) async fn run(self) {
        let reply = self.transport.send(&self.body, self.timeout).await;
        if is_http_429(&reply) {
            self.budget.lock().on_http_429(self.clock.now().as_millis());
        }
        if let Some(floor) = reply::nonce_floor(&reply) {
            // The elements are `Rejected(Nonce)` below and the quote thread re-quotes them; this
            // makes the re-quote's nonce clear the venue's floor instead of failing again.
            self.nonces.fast_forward(floor);
            self.stats.nonce_resyncs.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                floor,
                "venue refused a nonce; counter moved above its floor (is another client \
                 signing with this agent key, or did the clock step back?)"
            );
        }
        let mut outcomes = Vec::with_capacity(self.commands.len());
        reply::outcomes(self.elem, &self.specs, &reply, &mut outcomes);
        for (i, command) in self.commands.iter().enumerate() {
            // `outcomes` has one entry per element; a command whose asset vanished from the
            // table (never, in practice) is left ambiguous rather than unanswered.
            let (outcome, old_gone) = outcomes
                .get(i)
                .copied()
                .unwrap_or((CommandOutcome::Ambiguous(AmbiguousReason::UnparsableReply), false));
            if matches!(outcome, CommandOutcome::Ambiguous(_)) {
                self.track_ambiguous(command);
            }
            let mut ev = outcome_for(command, outcome);
            ev.modify_old_leg_canceled = old_gone;
            // The receiver is gone only when the gateway is: nobody is left to tell.
            let _ = self.tx.send(ExecReport::Outcome(ev));
        }
    }

    fn track_ambiguous(&self, command: &Command) {
        let (asset, cloid) = match *command {
            Command::Place(r) => (r.asset, r.cloid),
            Command::Modify { asset, new, .. } => (asset, new.cloid),
            Command::Cancel { asset, cloid } => (asset, cloid),
            Command::CancelAll { .. } => return,
        };
        self.stats.ambiguous.fetch_add(1, Ordering::Relaxed);
        self.pending.lock().push(Pending {
            asset,
            cloid,
            kind: command.kind(),
            expires_ms: self.expires_ms,
            since_ms: self.sent_ms,
        });
    }
}

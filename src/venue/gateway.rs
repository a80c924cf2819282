//! The order gateway seam: what the exec thread hands intents to, and what answers them.
//!
//! [`OrderGateway`] is implemented by the Hyperliquid gateway ([`super::exec`]) and by
//! [`DisconnectedGateway`] (no venue: every command `NotSent`); tests implement it to script a
//! venue. It lives here, below the exec thread that drives it, so the gateways never import the
//! engine: intents and reports are ring messages from [`crate::msg`].

use std::future::Future;
use std::pin::Pin;

use crate::msg::{ExecReport, Intent};
use crate::types::commands::Command;
use crate::types::outcome::{CommandOutcome, NotSentReason, OutcomeEvent};
use crate::types::Cloid;

/// The venue side of execution: sends a batch of commands and reports one outcome per command.
///
/// Implementations own their sockets and signer. Every command ends in exactly one outcome:
/// `Accepted`, `Rejected`, `NotSent` (nothing left the process) or `Ambiguous` (sent, answer
/// unknown). An outcome is either pushed by `submit` or reported later by
/// [`poll_reports`](Self::poll_reports) (a gateway that keeps several actions in flight answers
/// when each reply arrives).
pub trait OrderGateway: Send {
    /// A short name for logs (`"sim-paper"`, `"hyperliquid"`, …).
    fn name(&self) -> &'static str;

    /// Sends `batch`; pushes into `out` the outcomes known by the time it returns.
    fn submit<'a>(
        &'a mut self,
        batch: &'a [Intent],
        out: &'a mut Vec<OutcomeEvent>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

    /// Reports since the last call (outcomes of earlier batches, ambiguity resolution),
    /// pushed into `out`. Called by the exec loop on every turn; must not block.
    fn poll_reports(&mut self, _out: &mut Vec<ExecReport>) {}

    /// Called once at shutdown, after the last batch: make sure no order of ours rests
    /// (bounded in time). The default does nothing.
    fn drain<'a>(&'a mut self) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }
}

/// A gateway with no venue behind it: every command is `NotSent(NoConnection)`. The engine uses
/// it when no venue connection is configured, so the core sees honest outcomes.
#[derive(Debug, Default)]
pub struct DisconnectedGateway;

impl OrderGateway for DisconnectedGateway {
    fn name(&self) -> &'static str {
        "disconnected"
    }

    fn submit<'a>(
        &'a mut self,
        batch: &'a [Intent],
        out: &'a mut Vec<OutcomeEvent>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            for intent in batch {
                out.push(outcome_for(
                    &intent.command,
                    CommandOutcome::NotSent(NotSentReason::NoConnection),
                ));
            }
        })
    }
}

/// The outcome event answering `command`: keyed by the order's cloid (for a modify, the old
/// leg's, as the order manager expects). A `CancelAll` has no single order; its outcome carries
/// the default cloid and the order manager treats it as a sweep.
pub fn outcome_for(command: &Command, outcome: CommandOutcome) -> OutcomeEvent {
    let cloid = match command {
        Command::Place(req) => req.cloid,
        Command::Modify { cloid, .. } | Command::Cancel { cloid, .. } => *cloid,
        Command::CancelAll { .. } => Cloid::default(),
    };
    OutcomeEvent::new(command.asset().unwrap_or_default(), cloid, command.kind(), outcome)
}

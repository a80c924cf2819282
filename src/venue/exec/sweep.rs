//! Sweeps: cancel every open order of ours (by cloid prefix) that the venue lists in
//! `openOrders`, for a `CancelAll` command and at shutdown (repeated until none is left or the
//! time is up).
//!
//! Runs on the exec thread; awaited by the batch or the drain that asked for it.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::reply::{self, ElementKind, Reply};
use super::{wire_str, HyperliquidGateway};
use crate::runtime::Clock;
use crate::types::cloid;
use crate::types::outcome::{
    Accepted, AcceptedStatus, AmbiguousReason, CommandOutcome, NotSentReason,
};
use crate::types::{AssetId, Cloid};
use crate::wire::action::{ActionRef, CancelByCloidWire};

impl HyperliquidGateway {
    /// Cancels every open order of ours (on `asset`, or all), as the venue lists them in
    /// `openOrders`; with a non-zero `within`, repeats until none is left or the time is up.
    /// `Accepted(Canceled)` once a pass found nothing left (or its cancel went through when
    /// `within` is zero).
    pub(super) async fn sweep(
        &mut self,
        asset: Option<AssetId>,
        within: Duration,
    ) -> CommandOutcome {
        self.start();
        let clock = Arc::clone(&self.cfg.clock);
        let deadline = clock.monotonic().0.saturating_add(within.as_nanos() as u64);
        let account = wire_str(&self.cfg.account.to_wire());
        let mut last = CommandOutcome::Ambiguous(AmbiguousReason::Timeout);
        loop {
            let body = serde_json::json!({"type": "openOrders", "user": account});
            let open: Vec<OpenOrder> = match self.info.post("openOrders", &body).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "Sweep: openOrders failed");
                    return CommandOutcome::NotSent(NotSentReason::NoConnection);
                }
            };
            let cancels: Vec<CancelByCloidWire> = open
                .iter()
                .filter_map(|o| {
                    let spec = self.specs.iter().find(|s| s.coin.as_str() == o.coin)?;
                    let cloid = Cloid::parse(o.cloid.as_deref()?.as_bytes()).ok()?;
                    let ours = self.cfg.cloid_prefix.is_none_or(|p| cloid::is_ours(cloid, p));
                    (ours && asset.is_none_or(|a| a == spec.asset))
                        .then_some(CancelByCloidWire { asset: spec.asset, cloid })
                })
                .collect();
            if cancels.is_empty() {
                return CommandOutcome::Accepted(Accepted {
                    oid: None,
                    status: AcceptedStatus::Canceled,
                });
            }
            let action = ActionRef::CancelByCloid { cancels: &cancels, fast: false };
            let mut body = Vec::with_capacity(256 + 96 * cancels.len());
            let now_ms = clock.now().as_millis();
            if self.sign_into(action, now_ms, &mut body).is_none() {
                return CommandOutcome::NotSent(NotSentReason::Signing);
            }
            let reply = self.transport.send(&body, self.cfg.reply_timeout).await;
            self.stats.swept.fetch_add(cancels.len() as u64, Ordering::Relaxed);
            last = match reply {
                Reply::Body(_) => CommandOutcome::Accepted(Accepted {
                    oid: None,
                    status: AcceptedStatus::Canceled,
                }),
                other => {
                    let mut o = Vec::with_capacity(1);
                    let spec = self.specs.first().copied();
                    reply::outcomes(
                        ElementKind::Cancel,
                        &spec.into_iter().collect::<Vec<_>>(),
                        &other,
                        &mut o,
                    );
                    o.first().map_or(last, |x| x.0)
                }
            };
            if clock.monotonic().0 >= deadline {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// One `openOrders` entry (the fields a sweep needs).
#[derive(Debug, Deserialize)]
struct OpenOrder {
    coin: String,
    #[serde(default)]
    cloid: Option<String>,
}

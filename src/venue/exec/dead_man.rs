//! The venue-side dead-man's switch (`scheduleCancel`): armed at `now + dead_man` and pushed
//! out every quarter of that while the exec loop turns, so the venue cancels every order of ours
//! if the process dies. New accounts are refused until $1 000 000 traded; then the gateway logs
//! once that it relies on `expiresAfter` and the local watchdog, and goes on.
//!
//! Runs on the exec thread; the send runs as a task, never awaited by the loop.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::Value;

use super::reply::Reply;
use super::{HyperliquidGateway, DEAD_MAN_ARMED, DEAD_MAN_REFUSED};
use crate::runtime::Clock;
use crate::wire::action::ActionRef;

impl HyperliquidGateway {
    /// Signs a `scheduleCancel` (`time` ms, or `None` to clear) and its body.
    pub(super) fn sign_schedule_cancel(&mut self, time: Option<u64>) -> Option<Vec<u8>> {
        let mut body = Vec::with_capacity(256);
        let action = ActionRef::ScheduleCancel { time };
        self.sign_into(action, self.cfg.clock.now().as_millis(), &mut body)?;
        Some(body)
    }

    pub(super) async fn schedule_cancel(&mut self, time: Option<u64>) -> Option<Reply> {
        let body = self.sign_schedule_cancel(time)?;
        Some(self.transport.send(&body, self.cfg.reply_timeout).await)
    }

    /// Arms or pushes out the dead-man's switch when due (from the exec loop; never waits: the
    /// send runs as a task). Stops for good once the venue refuses it.
    pub(super) fn tend_dead_man(&mut self) {
        let Some(lead) = self.cfg.dead_man else { return };
        if self.stats.dead_man.load(Ordering::Relaxed) == DEAD_MAN_REFUSED
            || tokio::runtime::Handle::try_current().is_err()
        {
            return;
        }
        let now_ms = self.cfg.clock.now().as_millis();
        if now_ms < self.dead_man_next_ms {
            return;
        }
        let lead_ms = lead.as_millis() as u64;
        self.dead_man_next_ms = now_ms + (lead_ms / 4).max(1_000);
        if !self.budget.lock().admit(now_ms, 1, false) {
            return;
        }
        let Some(body) = self.sign_schedule_cancel(Some(now_ms + lead_ms)) else { return };
        let transport = self.transport.clone();
        let stats = Arc::clone(&self.stats);
        let timeout = self.cfg.reply_timeout;
        tokio::spawn(async move {
            let reply = transport.send(&body, timeout).await;
            let verdict = match &reply {
                Reply::Body(b) => serde_json::from_slice::<Value>(b).ok().map(|v| {
                    let ok = v.get("status").and_then(Value::as_str) == Some("ok");
                    let msg = v.get("response").and_then(Value::as_str).unwrap_or("").to_owned();
                    (ok, msg)
                }),
                _ => None,
            };
            match verdict {
                Some((true, _)) => {
                    if stats.dead_man.swap(DEAD_MAN_ARMED, Ordering::Relaxed) != DEAD_MAN_ARMED {
                        tracing::info!(
                            lead_s = lead.as_secs(),
                            "Dead-man's switch armed (scheduleCancel)"
                        );
                    }
                }
                Some((false, msg)) if msg.starts_with("Cannot set scheduled cancel time") => {
                    stats.dead_man.store(DEAD_MAN_REFUSED, Ordering::Relaxed);
                    tracing::warn!(
                        venue = %msg,
                        "Dead-man's switch refused by the venue: relying on expiresAfter and the local watchdog"
                    );
                }
                // Anything else (rate limit, transport): tried again at the next push.
                _ => tracing::debug!(reply = ?reply, "scheduleCancel not confirmed"),
            }
        });
    }
}

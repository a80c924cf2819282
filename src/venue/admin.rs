//! Signed administrative actions sent over REST at startup: `updateLeverage` per coin, and
//! `cancelByCloid` for orders of ours on coins this run does not quote.
//!
//! Same signer and nonce source as the order gateway (so nonces stay strictly increasing across
//! both), built before it and handed over afterwards ([`AdminClient::into_signer`]). Runs on the
//! main thread before the engine threads start; never on the hot path.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::runtime::SharedClock;
use crate::types::{AssetId, Cloid};
use crate::wire::action::{ActionRef, CancelByCloidWire, UpdateLeverageAction};
use crate::wire::nonce::NonceSource;
use crate::wire::sign::{write_exchange_body, L1Signer};

/// How long an admin action stays valid at the venue (`expiresAfter`), ms: a late one is
/// refused, never applied twice.
const EXPIRES_AFTER_MS: u64 = 10_000;

/// Why an admin action failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request did not complete.
    #[error("{action}: request failed: {reason}")]
    Http {
        /// The action.
        action: &'static str,
        /// What happened.
        reason: String,
    },
    /// Signing failed (a key the curve refuses).
    #[error("{action}: cannot sign: {reason}")]
    Sign {
        /// The action.
        action: &'static str,
        /// What happened.
        reason: String,
    },
    /// The venue answered with an error.
    #[error("{action}: refused by the venue: {message}")]
    Refused {
        /// The action.
        action: &'static str,
        /// The venue's words.
        message: String,
    },
}

/// A signer for startup actions.
#[derive(Debug)]
pub struct AdminClient {
    http: reqwest::Client,
    exchange_url: String,
    signer: L1Signer,
    nonces: Arc<NonceSource>,
    body: Vec<u8>,
    /// Nonces and `expiresAfter` come from its wall time.
    clock: SharedClock,
}

impl AdminClient {
    /// A client posting to `exchange_url`, signing with `signer` and nonces from `nonces`, at
    /// the times `clock` tells.
    pub fn new(
        exchange_url: impl Into<String>,
        signer: L1Signer,
        nonces: Arc<NonceSource>,
        timeout: Duration,
        clock: SharedClock,
    ) -> Result<Self, AdminError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| AdminError::Http { action: "client", reason: e.to_string() })?;
        Ok(Self {
            http,
            exchange_url: exchange_url.into(),
            signer,
            nonces,
            body: Vec::new(),
            clock,
        })
    }

    /// Gives the signer back (to the order gateway).
    pub fn into_signer(self) -> L1Signer {
        self.signer
    }

    /// `updateLeverage`: cross (or isolated) margin at `leverage`× for `asset`.
    pub async fn set_leverage(
        &mut self,
        asset: AssetId,
        leverage: u32,
        is_cross: bool,
    ) -> Result<(), AdminError> {
        let action = ActionRef::UpdateLeverage(UpdateLeverageAction { asset, is_cross, leverage });
        let reply = self.send("updateLeverage", action).await?;
        ok_or_refused("updateLeverage", &reply).map(|_| ())
    }

    /// `cancelByCloid` for `orders`; per order, `Ok` or the venue's error text.
    pub async fn cancel_by_cloid(
        &mut self,
        orders: &[(AssetId, Cloid)],
    ) -> Result<Vec<Result<(), String>>, AdminError> {
        let cancels: Vec<CancelByCloidWire> =
            orders.iter().map(|&(asset, cloid)| CancelByCloidWire { asset, cloid }).collect();
        let reply = self
            .send("cancelByCloid", ActionRef::CancelByCloid { cancels: &cancels, fast: false })
            .await?;
        let response = ok_or_refused("cancelByCloid", &reply)?;
        let statuses = response
            .pointer("/data/statuses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(statuses
            .iter()
            .map(|s| match s.get("error").and_then(Value::as_str) {
                Some(e) => Err(e.to_owned()),
                None => Ok(()),
            })
            .collect())
    }

    async fn send(
        &mut self,
        name: &'static str,
        action: ActionRef<'_>,
    ) -> Result<Value, AdminError> {
        let now_ms = self.clock.now().as_millis();
        let nonce = self.nonces.next(now_ms);
        let expires = Some(now_ms + EXPIRES_AFTER_MS);
        let sig = self
            .signer
            .sign(action, nonce, None, expires)
            .map_err(|e| AdminError::Sign { action: name, reason: e.to_string() })?;
        self.body.clear();
        write_exchange_body(&mut self.body, action, nonce, &sig, None, expires);
        let reply = self
            .http
            .post(&self.exchange_url)
            .header("content-type", "application/json")
            .body(self.body.clone())
            .send()
            .await
            .map_err(|e| AdminError::Http { action: name, reason: e.to_string() })?;
        let status = reply.status();
        let bytes = reply
            .bytes()
            .await
            .map_err(|e| AdminError::Http { action: name, reason: e.to_string() })?;
        if !status.is_success() {
            return Err(AdminError::Http {
                action: name,
                reason: format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes)),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| AdminError::Http {
            action: name,
            reason: format!("reply is not JSON: {e}"),
        })
    }
}

/// `{"status":"ok","response":…}` → the response; `{"status":"err","response":"…"}` → refused.
fn ok_or_refused(action: &'static str, reply: &Value) -> Result<Value, AdminError> {
    match reply.get("status").and_then(Value::as_str) {
        Some("ok") => Ok(reply.get("response").cloned().unwrap_or(Value::Null)),
        _ => Err(AdminError::Refused {
            action,
            message: reply
                .get("response")
                .and_then(Value::as_str)
                .map_or_else(|| reply.to_string(), str::to_owned),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venue_errors_are_refusals_with_the_venues_words() {
        let r = serde_json::json!({"status": "err", "response": "Invalid leverage value"});
        let e = ok_or_refused("updateLeverage", &r).expect_err("refused");
        assert_eq!(e.to_string(), "updateLeverage: refused by the venue: Invalid leverage value");
        let ok = serde_json::json!({"status": "ok", "response": {"type": "default"}});
        assert!(ok_or_refused("updateLeverage", &ok).is_ok());
    }
}

//! The `/exchange` request body: written by the exec thread, read back by the simulator.

use serde::Deserialize;

use super::digest::Chain;
use super::recover::{recover_agent, RecoverError};
use super::signature::Signature;
use crate::action::{write_u64, Action, ActionRef};
use hlmm_types::Address;

/// Appends the `/exchange` request body:
/// `{"action":{…},"nonce":n,"signature":{…},"vaultAddress":null|"0x…"[,"expiresAfter":n]}`.
/// `vaultAddress` is always present (null when absent) as both SDKs send it; `expiresAfter` only
/// when set.
pub fn write_exchange_body(
    out: &mut Vec<u8>,
    action: ActionRef<'_>,
    nonce: u64,
    sig: &Signature,
    vault: Option<Address>,
    expires_after: Option<u64>,
) {
    out.extend_from_slice(b"{\"action\":");
    action.write_json(out);
    out.extend_from_slice(b",\"nonce\":");
    write_u64(out, nonce);
    out.extend_from_slice(b",\"signature\":");
    sig.write_json(out);
    out.extend_from_slice(b",\"vaultAddress\":");
    match vault {
        None => out.extend_from_slice(b"null"),
        Some(v) => {
            out.push(b'"');
            out.extend_from_slice(&v.to_wire());
            out.push(b'"');
        }
    }
    if let Some(t) = expires_after {
        out.extend_from_slice(b",\"expiresAfter\":");
        write_u64(out, t);
    }
    out.push(b'}');
}

/// A received `/exchange` body (keys in any order; `vaultAddress`/`expiresAfter` may be absent
/// or null), for the simulator.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRequest {
    /// The action.
    pub action: Action,
    /// The nonce (ms-based, per signer).
    pub nonce: u64,
    /// The signature.
    pub signature: Signature,
    /// Sub-account or vault the action is for.
    #[serde(default)]
    pub vault_address: Option<Address>,
    /// Reject after this time, ms since the epoch.
    #[serde(default)]
    pub expires_after: Option<u64>,
}

impl ExchangeRequest {
    /// The signer of this request for `chain` (the simulator uses [`Chain::Testnet`], as the
    /// SDK signs `source "b"` for any non-mainnet URL). `scratch` is reused for the encoding.
    pub fn recover_signer(
        &self,
        chain: Chain,
        scratch: &mut Vec<u8>,
    ) -> Result<Address, RecoverError> {
        recover_agent(
            self.action.as_ref(),
            self.nonce,
            self.vault_address,
            self.expires_after,
            chain,
            &self.signature,
            scratch,
        )
    }
}

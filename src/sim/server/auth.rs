//! Who signed an `/exchange` body (hyperliquid.md §3.3).
//!
//! [`Authenticator`] recovers the signing address from a parsed body; the action handler then
//! maps it to an account (itself, or the account that approved it as an agent) and checks the
//! nonce per signer. A bad signature recovers some other address, which is then an unknown
//! user: the venue's `User or API Wallet 0x… does not exist.`.
//!
//! The production verifier (canonical msgpack re-encoding, `action_hash` with
//! nonce/vault/expiresAfter, EIP-712 `Agent` digest with source `"b"` then `"a"`, ecrecover)
//! comes from the `signer` branch (`crate::wire::sign`); until it is merged
//! [`SignatureUnavailable`] refuses every action. Tests plug in their own authenticator
//! through [`crate::sim::SimHandle::start_with_auth`]; there is no bypass in this module.
//!
//! Runs on a request task; must not block for long (one signature recovery).

use super::body::ExchangeBody;
use crate::sim::accounts::Address;

/// Recovers the signer of an action.
pub trait Authenticator: Send + Sync + 'static {
    /// The address that signed `body`, or the venue's whole-action error text.
    fn signer(&self, body: &ExchangeBody) -> Result<Address, String>;
}

/// The whole-action error while no signature verifier is built in.
pub const SIGNATURE_UNAVAILABLE: &str =
    "simulator: signature verification is not available in this build";

/// Refuses every action: the default until the signer is merged.
#[derive(Debug, Default, Clone, Copy)]
pub struct SignatureUnavailable;

impl Authenticator for SignatureUnavailable {
    fn signer(&self, _body: &ExchangeBody) -> Result<Address, String> {
        Err(SIGNATURE_UNAVAILABLE.to_owned())
    }
}

/// The authenticator a simulator uses when none is given.
pub fn default_authenticator() -> std::sync::Arc<dyn Authenticator> {
    std::sync::Arc::new(SignatureUnavailable)
}

/// The venue's text for a signer that is neither an account nor an approved agent.
pub fn unknown_signer(signer: &Address) -> String {
    format!("User or API Wallet {signer} does not exist.")
}

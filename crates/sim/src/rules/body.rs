//! The `/exchange` body, parsed once into the types that are signed (hyperliquid.md §3.2, §4).
//!
//! `{action, nonce, signature:{r,s,v}, vaultAddress, expiresAfter?}`. An L1 action parses
//! straight into [`hlmm_wire::sign::ExchangeRequest`] (its action an
//! [`hlmm_wire::action::Action`], the value the signature is checked against and the value the
//! simulator executes); a user-signed `approveAgent` into a [`UserSignedBody`]. Keys may come
//! in any order (the Rust SDK sends them sorted): the parse is by name, and the signature is
//! checked over the canonical re-encoding of the parsed action, never over the received bytes.
//!
//! A missing or mistyped field, an unknown field, an unknown action `type`, a bad tif or cloid is
//! the venue's HTTP 422 ([`RequestError::Malformed`]); a known action the simulator does not
//! execute is a whole-action error. Per-order problems (a price off the grid, an unknown asset, a
//! trigger order) are not parse errors: they become that order's `{"error": …}` status, as on
//! the venue (the `resolve` submodule).
//!
//! Pure: no I/O, no clock.

use serde::Deserialize;

use hlmm_types::Address;
use hlmm_wire::action::Action;
use hlmm_wire::sign::{ExchangeRequest, Signature};

/// Why a request was refused before it reached the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Malformed (or not re-encodable for its signature): HTTP 422 with the venue's
    /// `Failed to deserialize the JSON body into the target type`.
    Malformed,
    /// Well formed but refused as a whole: `{"status":"err","response":<text>}`.
    Refused(String),
}

/// A parsed `/exchange` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedBody {
    /// An L1 action, signed through the `Agent` digest by an agent or the account itself.
    L1(ExchangeRequest),
    /// A user-signed action (`approveAgent`), signed by the account in its own EIP-712 domain.
    UserSigned(UserSignedBody),
}

/// A body whose action is user-signed (hyperliquid.md §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSignedBody {
    /// The action.
    pub action: UserSignedAction,
    /// The nonce (the action carries it too).
    pub nonce: u64,
    /// The signature.
    pub signature: Signature,
    /// Sub-account or vault acted for (`null` or absent: the signer's account).
    #[serde(default)]
    pub vault_address: Option<Address>,
    /// Reject the action after this time, ms (`null` or absent: never).
    #[serde(default)]
    pub expires_after: Option<u64>,
}

/// The user-signed actions the simulator executes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum UserSignedAction {
    /// `approveAgent`.
    ApproveAgent(ApproveAgent),
}

/// The fields of `approveAgent`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApproveAgent {
    /// `"Mainnet"` or `"Testnet"`.
    pub hyperliquid_chain: String,
    /// The EIP-712 domain's chain id, hex (`"0x66eee"`).
    pub signature_chain_id: String,
    /// The agent approved.
    pub agent_address: Address,
    /// Named agent (absent or null: the unnamed one).
    #[serde(default)]
    pub agent_name: Option<String>,
    /// The nonce signed inside the action.
    pub nonce: u64,
}

/// Action types the venue has but the simulator does not execute: answered with a
/// whole-action error instead of 422.
const UNSUPPORTED: &[&str] = &[
    "updateIsolatedMargin",
    "reserveRequestWeight",
    "usdClassTransfer",
    "usdSend",
    "withdraw3",
    "spotSend",
    "approveBuilderFee",
    "twapOrder",
    "twapCancel",
    "vaultTransfer",
    "subAccountTransfer",
    "createSubAccount",
    "setReferrer",
    "evmUserModify",
];

/// A well-formed body whose action is only named, to tell a known-but-unsupported action from
/// a malformed one (read only when both real parses failed).
#[derive(Deserialize)]
struct Probe {
    action: ProbeAction,
    #[serde(rename = "nonce")]
    _nonce: u64,
    #[serde(rename = "signature")]
    _signature: Signature,
}

#[derive(Deserialize)]
struct ProbeAction {
    #[serde(rename = "type")]
    kind: String,
}

impl ReceivedBody {
    /// Parses a body. An L1 action (every order, cancel and modify) is read once, straight
    /// into the signed wire types; the other shapes are tried only when that fails.
    pub fn parse(bytes: &[u8]) -> Result<Self, RequestError> {
        if let Ok(r) = serde_json::from_slice::<ExchangeRequest>(bytes) {
            return Ok(Self::L1(r));
        }
        if let Ok(u) = serde_json::from_slice::<UserSignedBody>(bytes) {
            return Ok(Self::UserSigned(u));
        }
        match serde_json::from_slice::<Probe>(bytes) {
            Ok(p) if UNSUPPORTED.contains(&p.action.kind.as_str()) => Err(RequestError::Refused(
                format!("simulator: action {} is not supported", p.action.kind),
            )),
            _ => Err(RequestError::Malformed),
        }
    }

    /// The nonce.
    pub fn nonce(&self) -> u64 {
        match self {
            Self::L1(r) => r.nonce,
            Self::UserSigned(u) => u.nonce,
        }
    }

    /// `vaultAddress`.
    pub fn vault_address(&self) -> Option<Address> {
        match self {
            Self::L1(r) => r.vault_address,
            Self::UserSigned(u) => u.vault_address,
        }
    }

    /// `expiresAfter`, ms.
    pub fn expires_after(&self) -> Option<u64> {
        match self {
            Self::L1(r) => r.expires_after,
            Self::UserSigned(u) => u.expires_after,
        }
    }

    /// The length of the action's batch (orders, cancels or modifies; 1 for other actions),
    /// for the per-IP weight.
    pub fn batch_len(&self) -> usize {
        match self {
            Self::L1(r) => match &r.action {
                Action::Order(a) => a.orders.len(),
                Action::Cancel(a) => a.cancels.len(),
                Action::CancelByCloid(a) => a.cancels.len(),
                Action::BatchModify(a) => a.modifies.len(),
                _ => 1,
            },
            Self::UserSigned(_) => 1,
        }
    }

    /// Requests the action counts against the address budget (a batch of n counts n, at least
    /// 1), and whether it is a cancel (cancels get headroom).
    pub fn weight(&self) -> (u64, bool) {
        let is_cancel = matches!(
            self,
            Self::L1(ExchangeRequest { action: Action::Cancel(_) | Action::CancelByCloid(_), .. })
        );
        (self.batch_len().max(1) as u64, is_cancel)
    }
}

#[cfg(test)]
mod tests;

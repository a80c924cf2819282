//! L1 action signing and signer recovery (hyperliquid.md §3.1–§3.3).
//!
//! ```text
//! connectionId = keccak256(msgpack(action) ‖ nonce u64 BE ‖ 0x00 | 0x01 ‖ vault[20]
//!                          ‖ [0x00 ‖ expiresAfter u64 BE])
//! digest       = keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(Agent{source, connectionId}))
//! ```
//! with the EIP-712 domain `{name "Exchange", version "1", chainId 1337, verifyingContract 0x0}`,
//! `Agent(string source,bytes32 connectionId)`, and `source` `"a"` on mainnet, `"b"` elsewhere.
//!
//! Users: the exec thread signs with [`L1Signer`] (one reused buffer, no allocation after
//! warm-up); the simulator authenticates `/exchange` with [`ExchangeRequest::recover_signer`] or
//! [`recover_agent`]. secp256k1 is libsecp256k1 (the `secp256k1` crate 0.33: deterministic,
//! low-S) with a context owned by the key and RFC 6979 nonces from [`crate`]'s `rfc6979`
//! module, chosen by benchmark over the pure-Rust `k256` that the SDK signs with
//! (`perf/sign.md`).
//!
//! Where things are: signing ([`sign_l1_action`], [`L1Signer`]) here; what is signed
//! ([`action_hash`], [`agent_digest`], [`l1_digest`], [`Chain`]) in `digest`; the [`Signature`]
//! and its JSON form in `signature`; [`recover_signer`] and [`recover_agent`] in `recover`; the
//! `/exchange` body ([`write_exchange_body`], [`ExchangeRequest`]) in `exchange`.
//!
//! Never logs; never formats the key; never reads a clock (nonces come from
//! [`crate::nonce`]).

mod digest;
mod exchange;
mod recover;
mod signature;

use secp256k1::ecdsa::RecoveryId;

use crate::action::ActionRef;
use crate::keys::AgentKey;
use hlmm_types::Address;

pub use self::digest::{action_hash, agent_digest, l1_digest, Chain};
pub use self::exchange::{write_exchange_body, ExchangeRequest};
pub use self::recover::{recover_agent, recover_signer, RecoverError};
pub use self::signature::Signature;

/// Signing failed. Unreachable with libsecp256k1 (RFC6979 retries until the nonce is valid);
/// kept so callers handle a failed signature as a failed send, whatever the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The secp256k1 library refused to sign.
    #[error("secp256k1 signing failed")]
    Ecdsa,
}

/// Signs a 32-byte digest (from [`agent_digest`] / [`l1_digest`]) with the agent key:
/// RFC6979 nonce, low-S, `v = 27 + recovery id`, as ethers' `LocalWallet::sign_hash` (the SDK).
/// No allocation. libsecp256k1 cannot fail here (its RFC6979 retries until the nonce is
/// valid); the `Result` stays so the caller's error path does not depend on the library.
pub fn sign_l1_action(key: &AgentKey, digest: &[u8; 32]) -> Result<Signature, SignError> {
    let (rec, rs) = key.sign_digest(digest).ok_or(SignError::Ecdsa)?.serialize_compact();
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(&rs[..32]);
    s.copy_from_slice(&rs[32..]);
    // Ids 2 and 3 (x(R) ≥ the group order) occur with probability ~2⁻¹²⁸; ethers would send
    // 29/30 as well, so we stay byte-identical rather than reject.
    let v = match rec {
        RecoveryId::Zero => 27,
        RecoveryId::One => 28,
        RecoveryId::Two => 29,
        RecoveryId::Three => 30,
    };
    Ok(Signature { r, s, v })
}

/// The exec thread's signer: the agent key, the chain, and the reused encoding buffer.
#[derive(Debug)]
pub struct L1Signer {
    /// The agent key; never leaves this struct.
    key: AgentKey,
    /// Selects `source` "a"/"b".
    chain: Chain,
    /// The last action's canonical msgpack; grows to the largest batch once, then is reused.
    buf: Vec<u8>,
}

impl L1Signer {
    /// A signer with a 4 KiB buffer (a 40-order batch encodes to about 2.5 KiB).
    pub fn new(key: AgentKey, chain: Chain) -> Self {
        Self { key, chain, buf: Vec::with_capacity(4096) }
    }

    /// The address the venue will recover.
    pub fn address(&self) -> Address {
        self.key.address()
    }

    /// The chain it signs for.
    pub fn chain(&self) -> Chain {
        self.chain
    }

    /// Signs `action` with `nonce` (from the signer's [`crate::nonce::NonceSource`]),
    /// an optional vault / sub-account address and an optional `expiresAfter` (ms).
    pub fn sign(
        &mut self,
        action: ActionRef<'_>,
        nonce: u64,
        vault: Option<Address>,
        expires_after: Option<u64>,
    ) -> Result<Signature, SignError> {
        let digest = l1_digest(action, nonce, vault, expires_after, self.chain, &mut self.buf);
        sign_l1_action(&self.key, &digest)
    }

    /// The canonical msgpack of the last signed action (for tests and diagnostics).
    pub fn last_msgpack(&self) -> &[u8] {
        &self.buf
    }
}

#[cfg(test)]
mod tests;

//! Who signed an `/exchange` body (hyperliquid.md §3.3).
//!
//! [`Authenticator`] recovers the signing address of an L1 body, [`approve_agent_signer`] that of
//! a user-signed `approveAgent`, both over the already-parsed wire action ([`super::body`]); the
//! rules then map it to an account (itself, or the account that approved it as an agent) and
//! check the nonce per signer. A bad signature recovers some other address, which is then an unknown
//! user: the venue's `User or API Wallet 0x… does not exist.`.
//!
//! [`SignatureVerifier`] is the production check, built on [`hlmm_wire::sign`] and
//! [`hlmm_wire::action`]. Tests may plug in their own authenticator through
//! `SimHandle::start_with_auth` (feature `server`); there is no bypass in this module.
//!
//! Pure (no I/O, no clock); the server runs it on a request task, outside the venue lock: one
//! signature recovery per signing domain tried.

use std::sync::Arc;

use sha3::{Digest, Keccak256};

use super::body::{ApproveAgent, ReceivedBody, RequestError, UserSignedAction};
use hlmm_types::Address;
use hlmm_wire::sign::{recover_agent, recover_signer, Chain, ExchangeRequest, Signature};

/// Recovers the signer of an L1 action.
pub trait Authenticator: Send + Sync + 'static {
    /// The addresses that may have signed `body`, most likely first (one per signing domain
    /// tried). The rules act for the first that is an account or an approved agent; when none
    /// is, the venue's unknown-signer error names the first.
    fn signers(&self, body: &ExchangeRequest) -> Result<Vec<Address>, RequestError>;
}

/// The venue's check (hyperliquid.md §3.3): re-encode the parsed action canonically with the
/// received number strings, hash with nonce/vault/`expiresAfter`, build the EIP-712 `Agent`
/// digest with source `"b"` (what the SDKs sign for any non-mainnet URL) and, unless
/// `testnet_only`, also `"a"`, and recover the secp256k1 signer of each.
#[derive(Debug, Default, Clone, Copy)]
pub struct SignatureVerifier {
    /// Try source `"b"` only.
    pub testnet_only: bool,
}

impl Authenticator for SignatureVerifier {
    fn signers(&self, body: &ExchangeRequest) -> Result<Vec<Address>, RequestError> {
        let chains: &[Chain] =
            if self.testnet_only { &[Chain::Testnet] } else { &[Chain::Testnet, Chain::Mainnet] };
        let mut scratch = Vec::with_capacity(256);
        let mut out = Vec::with_capacity(chains.len());
        for &chain in chains {
            scratch.clear();
            // A signature that recovers no key at all names nobody; with any key it names the
            // address that key belongs to, which is then checked against the accounts.
            if let Ok(a) = recover_agent(
                body.action.as_ref(),
                body.nonce,
                body.vault_address,
                body.expires_after,
                chain,
                &body.signature,
                &mut scratch,
            ) {
                out.push(a);
            }
        }
        if out.is_empty() {
            // Same text as an unknown signer: the venue does not say why a signature fails.
            return Err(RequestError::Refused(unknown_signer(&Address::default())));
        }
        Ok(out)
    }
}

/// The possible signers of any parsed body: an L1 action's through `auth`, a user-signed
/// action's from its own EIP-712 digest.
pub fn signers(
    auth: &dyn Authenticator,
    body: &ReceivedBody,
) -> Result<Vec<Address>, RequestError> {
    match body {
        ReceivedBody::L1(r) => auth.signers(r),
        ReceivedBody::UserSigned(u) => match &u.action {
            UserSignedAction::ApproveAgent(a) => {
                approve_agent_signer(a, &u.signature).map(|s| vec![s])
            }
        },
    }
}

/// The authenticator a simulator uses when none is given: [`SignatureVerifier`] with both
/// sources.
pub fn default_authenticator() -> Arc<dyn Authenticator> {
    Arc::new(SignatureVerifier::default())
}

/// The signer of a user-signed `approveAgent` (hyperliquid.md §3.4): EIP-712 over
/// `HyperliquidTransaction:ApproveAgent(string hyperliquidChain,address agentAddress,string
/// agentName,uint64 nonce)` in the domain `{name "HyperliquidSignTransaction", version "1",
/// chainId = signatureChainId, verifyingContract 0x0}`; an unnamed agent signs `agentName ""`.
pub fn approve_agent_signer(a: &ApproveAgent, sig: &Signature) -> Result<Address, RequestError> {
    let chain_id = a
        .signature_chain_id
        .strip_prefix("0x")
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or(RequestError::Malformed)?;
    let domain_type = keccak(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    );
    let mut domain = Vec::with_capacity(5 * 32);
    domain.extend_from_slice(&domain_type);
    domain.extend_from_slice(&keccak(b"HyperliquidSignTransaction"));
    domain.extend_from_slice(&keccak(b"1"));
    domain.extend_from_slice(&word(chain_id));
    domain.extend_from_slice(&[0u8; 32]);
    let type_hash = keccak(
        b"HyperliquidTransaction:ApproveAgent(string hyperliquidChain,address agentAddress,string agentName,uint64 nonce)",
    );
    let mut agent = [0u8; 32];
    agent[12..].copy_from_slice(&a.agent_address.0);
    let mut data = Vec::with_capacity(5 * 32);
    data.extend_from_slice(&type_hash);
    data.extend_from_slice(&keccak(a.hyperliquid_chain.as_bytes()));
    data.extend_from_slice(&agent);
    data.extend_from_slice(&keccak(a.agent_name.as_deref().unwrap_or_default().as_bytes()));
    data.extend_from_slice(&word(a.nonce));
    let mut msg = Vec::with_capacity(66);
    msg.extend_from_slice(&[0x19, 0x01]);
    msg.extend_from_slice(&keccak(&domain));
    msg.extend_from_slice(&keccak(&data));
    let digest = keccak(&msg);
    recover_signer(&digest, sig)
        .map_err(|_| RequestError::Refused(unknown_signer(&Address::default())))
}

fn keccak(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// A `uint` as a 32-byte big-endian ABI word.
fn word(v: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

/// The venue's text for a signer that is neither an account nor an approved agent.
pub fn unknown_signer(signer: &Address) -> String {
    format!("User or API Wallet {signer} does not exist.")
}

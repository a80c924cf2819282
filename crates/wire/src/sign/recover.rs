//! Signer recovery: which address signed a digest (the simulator authenticates with it).

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::Message;

use super::digest::{l1_digest, Chain};
use super::signature::Signature;
use crate::action::ActionRef;
use crate::keys::address_of_pubkey;
use hlmm_types::Address;

/// No signer could be recovered: the request is unauthenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecoverError {
    /// `v` is not 27 or 28.
    #[error("signature v = {0}: not 27 or 28")]
    BadV(u8),
    /// `r` or `s` is zero or not below the curve order.
    #[error("signature r or s out of range")]
    BadScalar,
    /// No public key satisfies the signature for this digest.
    #[error("no public key recovers from this signature")]
    NoKey,
}

/// The secp256k1 group order n, halved (rounded down), big-endian: `s` above this is "high-S".
pub(super) const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// The address whose key produced `sig` over `digest`. A signature over any other digest
/// recovers some other address (or none), never an error that names the difference.
/// High-S signatures are refused ([`RecoverError::NoKey`]), as ethers/k256 verification and
/// our signer produce only low-S: `(r, n − s, v ^ 1)` would otherwise recover the same signer.
pub fn recover_signer(digest: &[u8; 32], sig: &Signature) -> Result<Address, RecoverError> {
    let rec = match sig.v {
        27 => RecoveryId::Zero,
        28 => RecoveryId::One,
        v => return Err(RecoverError::BadV(v)),
    };
    if sig.r == [0u8; 32] || sig.s == [0u8; 32] {
        return Err(RecoverError::BadScalar);
    }
    let mut rs = [0u8; 64];
    rs[..32].copy_from_slice(&sig.r);
    rs[32..].copy_from_slice(&sig.s);
    // Rejects r or s not below the group order.
    let ecdsa =
        RecoverableSignature::from_compact(&rs, rec).map_err(|_| RecoverError::BadScalar)?;
    // Big-endian byte order compares as the integers do.
    if sig.s > HALF_ORDER {
        return Err(RecoverError::NoKey);
    }
    // Recovery needs no secret: libsecp256k1's per-thread context (built on a thread's first
    // use, one allocation; the precomputed tables are static), never re-randomised here.
    let key =
        ecdsa.recover_ecdsa(Message::from_digest(*digest)).map_err(|_| RecoverError::NoKey)?;
    Ok(address_of_pubkey(&key.serialize_uncompressed()))
}

/// The simulator's check in one call: re-encode `action` canonically (into `scratch`), hash
/// with `nonce`/`vault`/`expires_after`, digest for `chain` and recover the signer.
pub fn recover_agent(
    action: ActionRef<'_>,
    nonce: u64,
    vault: Option<Address>,
    expires_after: Option<u64>,
    chain: Chain,
    sig: &Signature,
    scratch: &mut Vec<u8>,
) -> Result<Address, RecoverError> {
    recover_signer(&l1_digest(action, nonce, vault, expires_after, chain, scratch), sig)
}

//! What is signed: the connection id (`action_hash`) and the EIP-712 `Agent` digest over it.

use std::sync::LazyLock;

use sha3::{Digest, Keccak256};

use crate::action::ActionRef;
use hlmm_types::Address;

/// Which chain the signature is for; it selects the `source` field of the `Agent` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chain {
    /// Mainnet: `source = "a"`.
    Mainnet,
    /// Testnet, the simulator and anything else: `source = "b"`.
    Testnet,
}

impl Chain {
    /// The `Agent.source` value.
    pub const fn source(self) -> &'static str {
        match self {
            Self::Mainnet => "a",
            Self::Testnet => "b",
        }
    }
}

/// The connection id: keccak256 of the action's canonical msgpack, the nonce, the vault marker
/// and, only when set, `expiresAfter` (ms since the epoch). Hashes incrementally: no copy.
pub fn action_hash(
    msgpack: &[u8],
    nonce: u64,
    vault: Option<Address>,
    expires_after: Option<u64>,
) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(msgpack);
    h.update(nonce.to_be_bytes());
    match vault {
        None => h.update([0u8]),
        Some(v) => {
            h.update([1u8]);
            h.update(v.0);
        }
    }
    if let Some(t) = expires_after {
        h.update([0u8]);
        h.update(t.to_be_bytes());
    }
    h.finalize().into()
}

pub(super) fn keccak(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// `keccak256` of the domain type, computed once.
static DOMAIN_SEPARATOR: LazyLock<[u8; 32]> = LazyLock::new(|| {
    let mut enc = [0u8; 5 * 32];
    enc[..32].copy_from_slice(&keccak(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    ));
    enc[32..64].copy_from_slice(&keccak(b"Exchange"));
    enc[64..96].copy_from_slice(&keccak(b"1"));
    enc[96..128][30..].copy_from_slice(&1337u16.to_be_bytes());
    // verifyingContract = 0x0: the last word stays zero.
    keccak(&enc)
});

/// `typeHash(Agent)` and `keccak256(source)` for "a" and "b", computed once.
static AGENT_HASHES: LazyLock<[[u8; 32]; 3]> = LazyLock::new(|| {
    [keccak(b"Agent(string source,bytes32 connectionId)"), keccak(b"a"), keccak(b"b")]
});

/// The EIP-712 digest of `Agent{source, connectionId}` that the signature signs.
pub fn agent_digest(connection_id: &[u8; 32], chain: Chain) -> [u8; 32] {
    let [type_hash, source_a, source_b] = &*AGENT_HASHES;
    let mut st = [0u8; 96];
    st[..32].copy_from_slice(type_hash);
    st[32..64].copy_from_slice(match chain {
        Chain::Mainnet => source_a,
        Chain::Testnet => source_b,
    });
    st[64..].copy_from_slice(connection_id);
    let mut msg = [0u8; 66];
    msg[0] = 0x19;
    msg[1] = 0x01;
    msg[2..34].copy_from_slice(&*DOMAIN_SEPARATOR);
    msg[34..].copy_from_slice(&keccak(&st));
    keccak(&msg)
}

/// The digest to sign for `action`: encodes it into `scratch` (cleared first, reused), then
/// [`action_hash`] and [`agent_digest`].
pub fn l1_digest(
    action: ActionRef<'_>,
    nonce: u64,
    vault: Option<Address>,
    expires_after: Option<u64>,
    chain: Chain,
    scratch: &mut Vec<u8>,
) -> [u8; 32] {
    scratch.clear();
    action.write_msgpack(scratch);
    agent_digest(&action_hash(scratch, nonce, vault, expires_after), chain)
}

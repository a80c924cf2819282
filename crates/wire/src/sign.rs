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
//! Never logs; never formats the key; never reads a clock (nonces come from
//! [`crate::nonce`]).

use std::fmt;
use std::sync::LazyLock;

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::Message;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use sha3::{Digest, Keccak256};

use crate::action::{write_u64, Action, ActionRef};
use crate::keys::{address_of_pubkey, AgentKey};
use hlmm_types::hex::{decode as decode_hex, encode as encode_hex};
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

fn keccak(data: &[u8]) -> [u8; 32] {
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

/// A recoverable secp256k1 signature, low-S, as the venue takes it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature {
    /// `r`, 32 bytes big-endian.
    pub r: [u8; 32],
    /// `s`, 32 bytes big-endian.
    pub s: [u8; 32],
    /// Recovery id + 27: 27 or 28.
    pub v: u8,
}

impl Signature {
    /// `r ‖ s ‖ v` (65 bytes), the Ethereum byte form.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r);
        out[32..64].copy_from_slice(&self.s);
        out[64] = self.v;
        out
    }

    /// Appends `{"r":"0x…","s":"0x…","v":27}` with `r`/`s` as minimal hex (no leading zero
    /// digits, `"0x0"` for zero): what the SDK's ethers `U256` serialisation emits.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"r\":\"");
        out.extend_from_slice(minimal_hex(&self.r).as_bytes());
        out.extend_from_slice(b"\",\"s\":\"");
        out.extend_from_slice(minimal_hex(&self.s).as_bytes());
        out.extend_from_slice(b"\",\"v\":");
        write_u64(out, u64::from(self.v));
        out.push(b'}');
    }
}

/// `0x` + hex of a 32-byte big-endian integer without leading zero digits, on the stack.
struct MinimalHex {
    buf: [u8; 66],
    len: usize,
}

impl MinimalHex {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    fn as_str(&self) -> &str {
        // "0x" and hex digits only.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

fn minimal_hex(word: &[u8; 32]) -> MinimalHex {
    let mut full = [0u8; 64];
    encode_hex(word, &mut full);
    let first = full.iter().position(|&c| c != b'0').unwrap_or(63);
    let digits = &full[first..];
    let mut buf = [0u8; 66];
    buf[0] = b'0';
    buf[1] = b'x';
    buf[2..2 + digits.len()].copy_from_slice(digits);
    MinimalHex { buf, len: 2 + digits.len() }
}

/// Parses `0x` + 1 to 64 hex digits (minimal or zero-padded) into a big-endian 32-byte word.
fn parse_word(s: &str) -> Option<[u8; 32]> {
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?.as_bytes();
    if hex.is_empty() || hex.len() > 64 {
        return None;
    }
    let mut padded = [b'0'; 64];
    padded[64 - hex.len()..].copy_from_slice(hex);
    let mut out = [0u8; 32];
    decode_hex(&padded, &mut out)?;
    Some(out)
}

impl fmt::Display for Signature {
    /// `r ‖ s ‖ v` as 130 lower-case hex digits without `0x`, like ethers' `Signature`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hex = [0u8; 130];
        encode_hex(&self.to_bytes(), &mut hex);
        f.write_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = ser.serialize_struct("Signature", 3)?;
        st.serialize_field("r", minimal_hex(&self.r).as_str())?;
        st.serialize_field("s", minimal_hex(&self.s).as_str())?;
        st.serialize_field("v", &self.v)?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            r: Word,
            s: Word,
            v: u8,
        }
        let raw = Raw::deserialize(d)?;
        if raw.v != 27 && raw.v != 28 {
            return Err(de::Error::custom(format_args!("signature v = {}: not 27 or 28", raw.v)));
        }
        Ok(Self { r: raw.r.0, s: raw.s.0, v: raw.v })
    }
}

/// A 32-byte word from `0x` + 1..=64 hex digits.
struct Word([u8; 32]);

impl<'de> Deserialize<'de> for Word {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Word;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("0x + 1 to 64 hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Word, E> {
                parse_word(s)
                    .map(Word)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_str(V)
    }
}

/// Signing failed. Unreachable with libsecp256k1 (RFC6979 retries until the nonce is valid);
/// kept so callers handle a failed signature as a failed send, whatever the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The secp256k1 library refused to sign.
    #[error("secp256k1 signing failed")]
    Ecdsa,
}

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

/// The secp256k1 group order n, halved (rounded down), big-endian: `s` above this is "high-S".
const HALF_ORDER: [u8; 32] = [
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

#[cfg(test)]
mod tests;

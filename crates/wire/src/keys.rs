//! The agent (API wallet) key and Ethereum addresses (fault-cases.md "Security rules").
//!
//! [`AgentKey`] is loaded once at startup from a secret file or, as a fallback, an environment
//! variable, validated as 32 bytes of hex with errors that never echo the value, and wiped from
//! memory on drop. It prints as `***redacted***` and is not `Clone`, so it exists once.
//! The exec thread owns it (inside [`crate::sign::L1Signer`]); nothing else needs it.
//!
//! Must never: log, format, serialise or copy the secret; keep it in a `String` that is not
//! wiped; put it in an error message.

use std::fmt;
use std::path::Path;

use secp256k1::ecdsa::RecoverableSignature;
use secp256k1::ffi::{self, CPtr};
use secp256k1::{PublicKey, Secp256k1, SecretKey, SignOnly};
use sha3::{Digest, Keccak256};
use zeroize::{Zeroize, Zeroizing};

use crate::rfc6979;
use hlmm_types::hex::decode as decode_hex;
use hlmm_types::Address;

/// The address of an uncompressed secp256k1 public key (`0x04 ‖ X ‖ Y`, 65 bytes): the last 20
/// bytes of `keccak256(X ‖ Y)`.
pub fn address_of_pubkey(pubkey: &[u8; 65]) -> Address {
    let hash: [u8; 32] = Keccak256::digest(&pubkey[1..]).into();
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash[12..]);
    Address(out)
}

/// Why a key could not be loaded. No variant carries any part of the secret.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The secret file could not be read.
    #[error("agent key file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error (its message never contains file content).
        source: std::io::Error,
    },
    /// The environment variable is not set.
    #[error("agent key env var {name} is not set")]
    EnvMissing {
        /// The variable's name.
        name: String,
    },
    /// The environment variable is not valid Unicode.
    #[error("agent key env var {name} is not valid unicode")]
    EnvNotUnicode {
        /// The variable's name.
        name: String,
    },
    /// Not 64 hex digits (after trimming whitespace and an optional `0x`).
    #[error("agent key is not 32 bytes of hex (expected 64 hex digits, optionally 0x-prefixed)")]
    BadFormat,
    /// 32 bytes, but zero or not below the curve order.
    #[error("agent key is not a valid secp256k1 secret key")]
    NotOnCurve,
}

/// The agent (API wallet) private key. Zeroized on drop; prints `***redacted***`.
pub struct AgentKey {
    /// The secret scalar, validated once at load (not zero, below the curve order).
    /// libsecp256k1's `SecretKey` is `Copy` and does not wipe itself: [`Drop`] below wipes this
    /// copy with a volatile write, and nothing in this crate copies it out. Kept (rather than
    /// rebuilt per signature from wiped bytes) because rebuilding re-validates the scalar on
    /// every signature for no gain: either way the bytes live in this struct.
    secret: SecretKey,
    /// The libsecp256k1 signing context this key signs with, owned here and blinded once at
    /// load ([`blinded_context`]). Not re-randomised per signature: that is what made the
    /// crate's newer global-context API twice as slow (perf/sign.md).
    ctx: Secp256k1<SignOnly>,
    /// Derived once at load: the address the venue recovers from our signatures.
    address: Address,
}

impl AgentKey {
    /// Parses 64 hex digits, with or without `0x`, surrounding whitespace trimmed.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let t = text.trim();
        let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
        let mut bytes = Zeroizing::new([0u8; 32]);
        decode_hex(hex.as_bytes(), &mut bytes[..]).ok_or(KeyError::BadFormat)?;
        Self::from_bytes(&bytes)
    }

    /// From the raw 32 secret bytes (big-endian scalar).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let secret = SecretKey::from_secret_bytes(*bytes).map_err(|_| KeyError::NotOnCurve)?;
        let ctx = blinded_context(&secret);
        let address =
            address_of_pubkey(&PublicKey::from_secret_key(&secret).serialize_uncompressed());
        Ok(Self { secret, ctx, address })
    }

    /// Reads the key from a secret file (compose `secrets:`); whitespace and `0x` allowed.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map(Zeroizing::new)
            .map_err(|source| KeyError::Read { path: path.display().to_string(), source })?;
        Self::from_hex(&text)
    }

    /// Reads the key from an environment variable: the fallback when no secret file exists.
    pub fn from_env(name: &str) -> Result<Self, KeyError> {
        let text = std::env::var(name).map(Zeroizing::new).map_err(|e| match e {
            std::env::VarError::NotPresent => KeyError::EnvMissing { name: name.to_owned() },
            std::env::VarError::NotUnicode(raw) => {
                // The raw value is (probably) the secret: wipe it before dropping.
                let mut bytes = raw.into_encoded_bytes();
                bytes.zeroize();
                KeyError::EnvNotUnicode { name: name.to_owned() }
            }
        })?;
        Self::from_hex(&text)
    }

    /// The signer address the venue recovers (the agent's, not the trading account's).
    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte digest: RFC 6979 nonce ([`crate::rfc6979`]), low-S, recoverable.
    /// For [`crate::sign`] only. `None` if libsecp256k1 refused, which with a valid key
    /// and our nonce function does not happen. No allocation.
    pub(crate) fn sign_digest(&self, digest: &[u8; 32]) -> Option<RecoverableSignature> {
        let mut sig = ffi::recovery::RecoverableSignature::new();
        // SAFETY: the context is a live signing context owned by `self`; `digest` and the
        // secret key each point to 32 readable bytes; `sig` is a valid out-parameter; the nonce
        // function keeps libsecp256k1's nonce-function contract (see its docs) and gets no data.
        let ok = unsafe {
            ffi::recovery::secp256k1_ecdsa_sign_recoverable(
                self.ctx.ctx().as_ptr(),
                &mut sig,
                digest.as_ptr(),
                self.secret.as_c_ptr(),
                Some(rfc6979::nonce_function),
                std::ptr::null(),
            )
        };
        (ok == 1).then(|| RecoverableSignature::from(sig))
    }
}

impl Drop for AgentKey {
    fn drop(&mut self) {
        // Volatile overwrite of the scalar (the zeroize crate's technique; `SecretKey` has no
        // `Zeroize` impl). The context holds no secret: its blinding is random, not key-derived,
        // unless /dev/urandom was unreadable (see `blinded_context`); libsecp256k1 clears it on
        // free in either case.
        self.secret.non_secure_erase();
    }
}

// The only secret field, `secret`, is wiped by the `Drop` above.
impl zeroize::ZeroizeOnDrop for AgentKey {}

/// A signing context blinded once with 32 bytes from /dev/urandom (side-channel hardening of
/// the fixed-base multiplication). Blinding does not change signatures: RFC6979 nonces depend
/// only on the key and the digest, so signing stays deterministic and byte-identical to the
/// SDK. Without /dev/urandom the seed is keccak256 of a domain tag and the secret: still
/// unknown to an attacker, only the same on every start.
fn blinded_context(secret: &SecretKey) -> Secp256k1<SignOnly> {
    use std::io::Read;
    let mut ctx = Secp256k1::signing_only();
    let mut seed = Zeroizing::new([0u8; 32]);
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut seed[..]));
    if read.is_err() {
        let mut h = Keccak256::new();
        h.update(b"hlmm agent key context blinding");
        h.update(Zeroizing::new(secret.to_secret_bytes()).as_slice());
        seed.copy_from_slice(&h.finalize());
    }
    ctx.seeded_randomize(&seed);
    ctx
}

impl fmt::Debug for AgentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***redacted***")
    }
}

impl fmt::Display for AgentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***redacted***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Hyperliquid SDK's published test key (not a real wallet).
    const SDK_KEY: &str = "e908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

    #[test]
    fn key_text_is_accepted_with_or_without_prefix_and_whitespace() {
        let plain = AgentKey::from_hex(SDK_KEY).expect("plain");
        for text in [
            format!("0x{SDK_KEY}"),
            format!("  {SDK_KEY}\n"),
            format!("\t0x{}\r\n", SDK_KEY.to_uppercase()),
        ] {
            let k = AgentKey::from_hex(&text).expect("variant");
            assert_eq!(k.address(), plain.address(), "{text:?}");
        }
    }

    #[test]
    fn bad_key_text_is_rejected_without_echoing_it() {
        struct Case {
            name: &'static str,
            text: String,
        }
        let cases = [
            Case { name: "one digit short", text: SDK_KEY[1..].to_owned() },
            Case { name: "one digit long", text: format!("{SDK_KEY}0") },
            Case { name: "non-hex digit", text: format!("{}g", &SDK_KEY[1..]) },
            Case {
                name: "inner whitespace",
                text: format!("{} {}", &SDK_KEY[..32], &SDK_KEY[32..]),
            },
            Case { name: "zero scalar", text: "0".repeat(64) },
            Case { name: "above the curve order", text: "f".repeat(64) },
        ];
        for case in cases {
            let err = AgentKey::from_hex(&case.text).expect_err(case.name);
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(&case.text), "{}: error echoes the input", case.name);
            assert!(!shown.contains(&SDK_KEY[..16]), "{}: error echoes key digits", case.name);
        }
    }

    #[test]
    fn key_formats_as_redacted_alone_and_inside_a_struct() {
        #[derive(Debug)]
        #[allow(dead_code)] // read only through Debug
        struct Holder {
            key: AgentKey,
            label: &'static str,
        }
        let key = AgentKey::from_hex(SDK_KEY).expect("key");
        let mut bytes = [0u8; 32];
        decode_hex(SDK_KEY.as_bytes(), &mut bytes).expect("hex");
        let byte_list = format!("{bytes:?}");
        let holder = Holder { key, label: "exec" };
        for shown in [
            format!("{:?}", holder.key),
            format!("{}", holder.key),
            format!("{holder:?}"),
            format!("{holder:#?}"),
        ] {
            assert!(shown.contains("***redacted***"), "{shown}");
            assert!(!shown.to_lowercase().contains(SDK_KEY), "hex leaked: {shown}");
            assert!(!shown.contains(&byte_list[1..byte_list.len() - 1]), "bytes leaked: {shown}");
        }
    }

    #[test]
    fn sdk_key_derives_the_sdk_wallet_address() {
        // ethers `LocalWallet::address()` of the same key; tests/sign_sdk_vectors.rs checks
        // it against the SDK's wallet directly.
        let key = AgentKey::from_hex(SDK_KEY).expect("key");
        assert_eq!(key.address().to_string(), "0xcd49bbac6e85fdeb167eb7ca41a945d2b8758f6f");
    }

    #[test]
    fn the_secret_scalar_is_wiped_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        // A marker only: the wipe itself is `AgentKey`'s `Drop` (libsecp256k1's `SecretKey`
        // does not wipe itself).
        wiped_on_drop::<AgentKey>();
    }

    #[test]
    fn address_parses_any_case_and_displays_lower_case() {
        let lower = "0x0d1d9635d0640821d15e323ac8adadfa9c111414";
        let mixed = "0x0D1d9635D0640821d15e323ac8AdADfA9c111414";
        let a: Address = mixed.parse().expect("mixed");
        assert_eq!(a, lower.parse().expect("lower"));
        assert_eq!(a.to_string(), lower);
        assert_eq!(format!("{a:?}"), format!("Address({lower})"));
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for s in [
            "",
            "0x",
            "0d1d9635d0640821d15e323ac8adadfa9c111414",
            "0x0d1d",
            "0xzz1d9635d0640821d15e323ac8adadfa9c111414",
        ] {
            assert!(Address::parse(s.as_bytes()).is_err(), "{s:?}");
        }
    }

    #[test]
    fn key_loads_from_a_file_and_from_env() {
        let dir = std::env::temp_dir().join(format!("hlmm-key-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("agent_key");
        std::fs::write(&path, format!("0x{SDK_KEY}\n")).expect("write");
        let from_file = AgentKey::from_file(&path).expect("file");
        std::fs::remove_file(&path).expect("cleanup");
        let missing = AgentKey::from_file(&path).expect_err("gone");
        assert!(matches!(missing, KeyError::Read { .. }));

        let var = format!("HLMM_TEST_AGENT_KEY_{}", std::process::id());
        assert!(matches!(AgentKey::from_env(&var), Err(KeyError::EnvMissing { .. })));
        std::env::set_var(&var, SDK_KEY);
        let from_env = AgentKey::from_env(&var).expect("env");
        std::env::remove_var(&var);
        assert_eq!(from_file.address(), from_env.address());
    }
}

//! Our RFC 6979 nonces (src/wire/rfc6979.rs, SHA-256 in Rust with the CPU's SHA extensions)
//! give exactly the signatures libsecp256k1's own `nonce_function_rfc6979` gives: the same
//! key and digest sign to the same `r`, `s` and `v`, for random keys and digests and for the
//! edge digests (zero, all ones, at and around the group order, which the DRBG reduces).

use hlmm::wire::keys::AgentKey;
use hlmm::wire::sign::sign_l1_action;
use proptest::prelude::*;
use secp256k1::ecdsa::RecoverableSignature;
use secp256k1::{Message, SecretKey};

/// The signature libsecp256k1 makes with its built-in RFC 6979 nonce function, as `(r, s, v)`.
fn libsecp_reference(secret: &[u8; 32], digest: &[u8; 32]) -> ([u8; 32], [u8; 32], u8) {
    let sk = SecretKey::from_secret_bytes(*secret).expect("valid test key");
    let (rec, rs) =
        RecoverableSignature::sign_ecdsa_recoverable(Message::from_digest(*digest), &sk)
            .serialize_compact();
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(&rs[..32]);
    s.copy_from_slice(&rs[32..]);
    (r, s, 27 + rec.to_u8())
}

fn ours(secret: &[u8; 32], digest: &[u8; 32]) -> ([u8; 32], [u8; 32], u8) {
    let key = AgentKey::from_bytes(secret).expect("valid test key");
    let sig = sign_l1_action(&key, digest).expect("signs");
    (sig.r, sig.s, sig.v)
}

const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

#[test]
fn edge_digests_sign_exactly_as_libsecp256k1_does() {
    let mut just_below = ORDER;
    just_below[31] -= 1;
    let mut just_above = ORDER;
    just_above[31] += 1;
    let cases: [(&str, [u8; 32]); 6] = [
        ("zero digest", [0u8; 32]),
        ("all-ones digest (above the order)", [0xff; 32]),
        ("digest equal to the order (reduces to zero)", ORDER),
        ("digest one below the order", just_below),
        ("digest one above the order", just_above),
        ("digest of ones", [0x01; 32]),
    ];
    for key in [[0x01u8; 32], [0x42; 32], [0x7f; 32]] {
        for (name, digest) in &cases {
            assert_eq!(ours(&key, digest), libsecp_reference(&key, digest), "{name}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn random_keys_and_digests_sign_exactly_as_libsecp256k1_does(
        key in any::<[u8; 32]>(), digest in any::<[u8; 32]>()
    ) {
        // A random 32-byte string is a valid key unless it is zero or not below the order.
        prop_assume!(SecretKey::from_secret_bytes(key).is_ok());
        prop_assert_eq!(ours(&key, &digest), libsecp_reference(&key, &digest));
    }
}

use super::digest::keccak;
use super::recover::HALF_ORDER;
use super::signature::{minimal_hex, parse_word};
use super::*;
use hlmm_types::hex::encode as encode_hex;

#[test]
fn minimal_hex_drops_leading_zero_digits_only() {
    let mut w = [0u8; 32];
    assert_eq!(minimal_hex(&w).as_str(), "0x0");
    w[31] = 0x0a;
    assert_eq!(minimal_hex(&w).as_str(), "0xa");
    w[0] = 0x01;
    assert_eq!(minimal_hex(&w).as_str(), format!("0x1{}0a", "0".repeat(60)));
    w[0] = 0xf0;
    assert_eq!(minimal_hex(&w).as_str().len(), 66);
}

#[test]
fn words_parse_minimal_and_padded() {
    let mut want = [0u8; 32];
    want[31] = 0xab;
    want[30] = 0x0c;
    assert_eq!(parse_word("0xcab"), Some(want));
    assert_eq!(parse_word(&format!("0x{}cab", "0".repeat(61))), Some(want));
    assert_eq!(parse_word("0x"), None);
    assert_eq!(parse_word("cab"), None);
    assert_eq!(parse_word(&format!("0x1{}", "0".repeat(64))), None);
    assert_eq!(parse_word("0xzz"), None);
}

/// n − x for the secp256k1 group order n, big-endian (x < n).
fn order_minus(x: &[u8; 32]) -> [u8; 32] {
    const ORDER: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36,
        0x41, 0x41,
    ];
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(ORDER[i]) - i16::from(x[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

#[test]
fn half_order_is_the_order_halved() {
    // n − n/2 = n/2 + 1 (n is odd).
    let mut plus_one = HALF_ORDER;
    plus_one[31] += 1;
    assert_eq!(order_minus(&HALF_ORDER), plus_one);
}

#[test]
fn recovery_refuses_high_s_out_of_range_and_bad_v() {
    let key = AgentKey::from_bytes(&[0x42; 32]).expect("key");
    for seed in 0u8..16 {
        let digest = [seed.wrapping_mul(29).wrapping_add(3); 32];
        let sig = sign_l1_action(&key, &digest).expect("sign");
        assert!(sig.s <= HALF_ORDER, "our signer emits low-S only");
        assert_eq!(recover_signer(&digest, &sig), Ok(key.address()));
        // The malleated twin (r, n − s, flipped v) names the same key; refused, as k256's
        // verification (and so the SDK's) refuses it.
        let twin = Signature { r: sig.r, s: order_minus(&sig.s), v: 55 - sig.v };
        assert_eq!(recover_signer(&digest, &twin), Err(RecoverError::NoKey));
        assert_eq!(
            recover_signer(&digest, &Signature { r: [0; 32], ..sig }),
            Err(RecoverError::BadScalar)
        );
        assert_eq!(
            recover_signer(&digest, &Signature { s: [0; 32], ..sig }),
            Err(RecoverError::BadScalar)
        );
        assert_eq!(
            recover_signer(&digest, &Signature { r: [0xff; 32], ..sig }),
            Err(RecoverError::BadScalar)
        );
        assert_eq!(
            recover_signer(&digest, &Signature { v: 29, ..sig }),
            Err(RecoverError::BadV(29))
        );
    }
}

#[test]
fn domain_separator_matches_its_definition_in_hex() {
    // keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    // is the well-known 0x8b73c3c6…; checked so a typo in the type string cannot pass.
    let type_hash = keccak(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    );
    let mut hex = [0u8; 64];
    encode_hex(&type_hash, &mut hex);
    assert_eq!(
        std::str::from_utf8(&hex).expect("hex"),
        "8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f"
    );
}

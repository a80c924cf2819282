//! RFC 6979 deterministic ECDSA nonces, computed in Rust and handed to libsecp256k1 through its
//! nonce-function hook ([`nonce_function`]), for [`crate::sign`].
//!
//! Why not libsecp256k1's own `nonce_function_rfc6979`: its HMAC-SHA256 DRBG runs 22 SHA-256
//! compressions in portable C, about 6 µs of a 25 µs signature on this machine (perf/sign.md).
//! The `sha2` crate uses the CPU's SHA extensions when it has them (detected at run time, with
//! a portable fallback), which takes most of that away. The signature itself (the fixed-base
//! multiplication, the inversion, low-S) stays libsecp256k1's, constant-time and blinded.
//!
//! Byte-identical by construction to libsecp256k1's function when it gets no extra data and no
//! algorithm tag, which is how we and ethers (the SDK) sign: the DRBG is seeded with
//! `key ‖ (digest mod n)` (RFC 6979 §3.2 d–g), and attempt `i` (a retry after a nonce that is
//! zero or not below n, probability ~2⁻¹²⁸) is the `i`-th 32-byte output, with the DRBG's
//! `K = HMAC(K, V ‖ 0x00); V = HMAC(K, V)` step between outputs (§3.2 h.3). The tests compare
//! the two functions over many keys and digests, and the SDK vectors pin the whole signature.
//!
//! Nothing here allocates; `K`, `V` and the key copy are wiped before returning.

use std::ffi::{c_int, c_uchar, c_uint, c_void};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

type HmacSha256 = Hmac<Sha256>;

/// The secp256k1 group order n, big-endian.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// HMAC-SHA256 of the concatenation of `parts` under `key` (32 bytes).
fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> Option<[u8; 32]> {
    // HMAC takes keys of any length, so this never fails; the `Option` keeps a library change
    // from turning into a panic inside a callback that C code called.
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    for part in parts {
        mac.update(part);
    }
    Some(mac.finalize().into_bytes().into())
}

/// `digest mod n`, as libsecp256k1 reduces the message before seeding the DRBG
/// (`bits2octets`, RFC 6979 §2.3.4). A 32-byte value is below 2n, so one subtraction is enough.
fn reduce_mod_order(digest: &[u8; 32]) -> [u8; 32] {
    if digest < &ORDER {
        return *digest;
    }
    let mut out = [0u8; 32];
    let mut borrow = 0u16;
    for i in (0..32).rev() {
        let d = u16::from(digest[i]);
        let o = u16::from(ORDER[i]) + borrow;
        borrow = u16::from(d < o);
        // Both operands are below 0x200, so the wrapped difference fits a byte after `as`.
        out[i] = (d + (borrow << 8) - o) as u8;
    }
    out
}

/// The RFC 6979 nonce for `secret` and `digest`, the `attempt`-th output of the DRBG
/// (0 for the first). `None` only if HMAC refused its key, which it never does.
pub(crate) fn nonce(secret: &[u8; 32], digest: &[u8; 32], attempt: u32) -> Option<[u8; 32]> {
    let msg = reduce_mod_order(digest);
    let mut k = [0u8; 32];
    let mut v = [1u8; 32];
    let result = (|| {
        // §3.2 d–g: seed with key ‖ message, twice (0x00 then 0x01 separators).
        k = hmac(&k, &[&v, &[0x00], secret, &msg])?;
        v = hmac(&k, &[&v])?;
        k = hmac(&k, &[&v, &[0x01], secret, &msg])?;
        v = hmac(&k, &[&v])?;
        // §3.2 h: one output per attempt, re-keying between outputs.
        for i in 0..=attempt {
            if i > 0 {
                k = hmac(&k, &[&v, &[0x00]])?;
                v = hmac(&k, &[&v])?;
            }
            v = hmac(&k, &[&v])?;
        }
        Some(v)
    })();
    k.zeroize();
    v.zeroize();
    result
}

/// libsecp256k1's `secp256k1_nonce_function` signature, computing [`nonce`].
///
/// Returns 0 (libsecp256k1 then fails the signature, which [`crate::sign`] reports) if
/// called with extra data or an algorithm tag: we never pass them, and ignoring them would
/// silently produce nonces that differ from libsecp256k1's.
///
/// # Safety
///
/// libsecp256k1's nonce-function contract: `nonce32` points to 32 writable bytes, `msg32` and
/// `key32` to 32 readable bytes each, all valid for the duration of the call.
pub(crate) unsafe extern "C" fn nonce_function(
    nonce32: *mut c_uchar,
    msg32: *const c_uchar,
    key32: *const c_uchar,
    algo16: *const c_uchar,
    data: *mut c_void,
    attempt: c_uint,
) -> c_int {
    if nonce32.is_null() || msg32.is_null() || key32.is_null() {
        return 0;
    }
    if !algo16.is_null() || !data.is_null() {
        return 0;
    }
    // SAFETY: non-null, and per the contract above each points to 32 bytes valid for this
    // call; `[u8; 32]` has alignment 1, and libsecp256k1 does not touch them meanwhile.
    let (msg, key, out) = unsafe {
        (&*msg32.cast::<[u8; 32]>(), &*key32.cast::<[u8; 32]>(), &mut *nonce32.cast::<[u8; 32]>())
    };
    match nonce(key, msg, attempt) {
        Some(mut n) => {
            out.copy_from_slice(&n);
            n.zeroize();
            1
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6979 A.2.5 is for P-256, so it cannot pin secp256k1 nonces; the equality with
    /// libsecp256k1's own function (tests/sign_nonce.rs) and the SDK vectors do that. This
    /// pins the reduction, the one piece with arithmetic of its own.
    #[test]
    fn digests_at_or_above_the_order_are_reduced_once() {
        let below = {
            let mut b = ORDER;
            b[31] -= 1;
            b
        };
        assert_eq!(reduce_mod_order(&below), below);
        assert_eq!(reduce_mod_order(&ORDER), [0u8; 32]);
        let mut one_more = [0u8; 32];
        one_more[31] = 1;
        let mut above = ORDER;
        above[31] += 1;
        assert_eq!(reduce_mod_order(&above), one_more);
        // 2^256 - 1 - n = 0x014551231950b75fc4402da1732fc9bebe.
        let max = reduce_mod_order(&[0xff; 32]);
        assert_eq!(&max[..15], &[0u8; 15]);
        assert_eq!(
            &max[15..],
            &[
                0x01, 0x45, 0x51, 0x23, 0x19, 0x50, 0xb7, 0x5f, 0xc4, 0x40, 0x2d, 0xa1, 0x73, 0x2f,
                0xc9, 0xbe, 0xbe
            ]
        );
    }

    #[test]
    fn the_callback_refuses_extra_data_and_algorithm_tags() {
        let key = [7u8; 32];
        let msg = [9u8; 32];
        let mut out = [0u8; 32];
        let tag = [1u8; 16];
        let mut extra = [2u8; 32];
        let mut call = |algo16: *const u8, data: *mut c_void| {
            // SAFETY: `out`, `msg` and `key` are live local arrays of 32 bytes; `algo16` and
            // `data` are null or point to live local arrays of 16 and 32 bytes.
            unsafe { nonce_function(out.as_mut_ptr(), msg.as_ptr(), key.as_ptr(), algo16, data, 0) }
        };
        assert_eq!(call(tag.as_ptr(), std::ptr::null_mut()), 0, "algorithm tag");
        assert_eq!(call(std::ptr::null(), extra.as_mut_ptr().cast()), 0, "extra data");
        assert_eq!(call(std::ptr::null(), std::ptr::null_mut()), 1, "plain RFC 6979");
        assert_eq!(Some(out), nonce(&key, &msg, 0));
    }
}

//! Hex digits as the venue writes them: the one decoder and encoder for addresses, client order
//! ids, transaction hashes and keys. Lower case out; either case in.

/// The value of one hex digit, either case; `None` for anything else.
#[inline]
pub fn digit_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes exactly `out.len()` bytes of hex; `None` on a wrong length or a non-hex digit.
pub fn decode(hex: &[u8], out: &mut [u8]) -> Option<()> {
    if hex.len() != out.len() * 2 {
        return None;
    }
    for (slot, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *slot = (digit_value(pair[0])? << 4) | digit_value(pair[1])?;
    }
    Some(())
}

/// Writes `bytes` as lower-case hex into `out` (`out.len() == 2 * bytes.len()`).
pub fn encode(bytes: &[u8], out: &mut [u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 0xf)];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_takes_either_case_and_refuses_bad_lengths_and_digits() {
        let mut out = [0u8; 2];
        assert_eq!(decode(b"aBcD", &mut out), Some(()));
        assert_eq!(out, [0xab, 0xcd]);
        assert_eq!(decode(b"abc", &mut out), None);
        assert_eq!(decode(b"abcg", &mut out), None);
    }

    #[test]
    fn encode_writes_lower_case() {
        let mut out = [0u8; 4];
        encode(&[0xAB, 0x01], &mut out);
        assert_eq!(&out, b"ab01");
    }
}

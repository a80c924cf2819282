//! Nonce rules of `/exchange` (hyperliquid.md §7), per signer.
//!
//! The venue keeps the 100 highest nonces of each signer; a new nonce must be unused, greater
//! than the smallest kept one once 100 are kept, and lie in `(T − 2 days, T + 1 day)`, `T` the
//! block time in ms. Rejections use the observed texts (`Invalid nonce: duplicate nonce <n>`,
//! `… nonce too low <n> < <min>`, `… nonce too high <n> > <max>`), where `<min>`/`<max>` are the
//! smallest and largest nonce that would have been accepted.
//!
//! Pure bookkeeping: no clock (`now_ms` is an argument), no I/O.

use std::collections::{BTreeSet, HashMap};

use hlmm_types::Address;

/// Nonces kept per signer.
pub const KEPT_NONCES: usize = 100;
/// How far back a nonce may be, ms (2 days).
pub const MAX_AGE_MS: u64 = 2 * 86_400_000;
/// How far ahead a nonce may be, ms (1 day).
pub const MAX_LEAD_MS: u64 = 86_400_000;

/// The nonces of every signer seen.
#[derive(Debug, Default, Clone)]
pub struct NonceBook {
    signers: HashMap<Address, BTreeSet<u64>>,
}

impl NonceBook {
    /// Checks `nonce` of `signer` at venue time `now_ms` without using it; `Err` is the venue's
    /// whole-action error text.
    pub fn check(&self, signer: &Address, nonce: u64, now_ms: u64) -> Result<(), String> {
        let lowest_ok = now_ms.saturating_sub(MAX_AGE_MS).saturating_add(1);
        let highest_ok = now_ms.saturating_add(MAX_LEAD_MS).saturating_sub(1);
        if nonce > highest_ok {
            return Err(format!("Invalid nonce: nonce too high {nonce} > {highest_ok}"));
        }
        if nonce < lowest_ok {
            return Err(format!("Invalid nonce: nonce too low {nonce} < {lowest_ok}"));
        }
        let Some(kept) = self.signers.get(signer) else { return Ok(()) };
        if kept.contains(&nonce) {
            return Err(format!("Invalid nonce: duplicate nonce {nonce}"));
        }
        match kept.first() {
            Some(&min) if kept.len() >= KEPT_NONCES && nonce < min => {
                Err(format!("Invalid nonce: nonce too low {nonce} < {min}"))
            }
            _ => Ok(()),
        }
    }

    /// Marks `nonce` used by `signer` (after [`Self::check`] passed), dropping the smallest
    /// kept nonce beyond [`KEPT_NONCES`].
    pub fn record(&mut self, signer: Address, nonce: u64) {
        let kept = self.signers.entry(signer).or_default();
        kept.insert(nonce);
        while kept.len() > KEPT_NONCES {
            kept.pop_first();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_760_000_000_000;

    fn signer() -> Address {
        Address::from_low_u64(7)
    }

    #[test]
    fn nonces_are_checked_against_the_window_and_the_kept_set() {
        let mut book = NonceBook::default();
        book.record(signer(), NOW);
        let hi = NOW + MAX_LEAD_MS;
        let lo = NOW - MAX_AGE_MS;
        let cases: [(u64, Result<(), String>); 6] = [
            (NOW + 1, Ok(())),
            (NOW, Err(format!("Invalid nonce: duplicate nonce {NOW}"))),
            (hi, Err(format!("Invalid nonce: nonce too high {hi} > {}", hi - 1))),
            (hi - 1, Ok(())),
            (lo, Err(format!("Invalid nonce: nonce too low {lo} < {}", lo + 1))),
            (lo + 1, Ok(())),
        ];
        for (nonce, want) in cases {
            assert_eq!(book.check(&signer(), nonce, NOW), want, "nonce {nonce}");
        }
    }

    #[test]
    fn once_a_hundred_are_kept_a_nonce_must_beat_the_smallest() {
        let mut book = NonceBook::default();
        for i in 0..=KEPT_NONCES as u64 {
            book.record(signer(), NOW + 10 * i);
        }
        // NOW was dropped as the 101st arrived; the smallest kept is NOW + 10.
        let low = NOW + 5;
        assert_eq!(
            book.check(&signer(), low, NOW),
            Err(format!("Invalid nonce: nonce too low {low} < {}", NOW + 10))
        );
        assert_eq!(book.check(&signer(), NOW + 11, NOW), Ok(()));
        assert_eq!(book.check(&Address::from_low_u64(8), low, NOW), Ok(()), "per signer");
    }
}

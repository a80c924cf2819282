//! The per-address request budget of `/exchange` actions (hyperliquid.md §8).
//!
//! 10 000 requests (configurable) + 1 per USDC traded; a batch of n counts n; cancels may go
//! on up to `min(cap + 100 000, 2·cap)`. Past the cap one request per 10 s still passes.
//! Refusal text (observed): `Too many cumulative requests sent (<used> > <cap>) for cumulative
//! volume traded $<vol>.`, where `<used>` counts the refused request.
//!
//! Pure bookkeeping: `now_ms` is an argument. The per-IP HTTP weight and the WebSocket limits
//! are the server's (`crate::server::limits`, `crate::server::ws_limits`).

use std::collections::HashMap;

use hlmm_types::{Address, DecimalStr, Usd};

/// The venue's base request budget per address.
pub const DEFAULT_REQUEST_BUDGET: u64 = 10_000;
/// Past the cap, one request per this interval still passes, ms.
const EXHAUSTED_INTERVAL_MS: u64 = 10_000;
/// Extra room for cancels beyond the cap (bounded by doubling the cap).
const CANCEL_HEADROOM: u64 = 100_000;

#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    used: u64,
    last_ms: u64,
}

/// Per-address action budgets.
#[derive(Debug, Clone)]
pub struct RequestBudgets {
    base: u64,
    by_address: HashMap<Address, Usage>,
}

impl RequestBudgets {
    /// Budgets of `base` requests plus one per USDC traded.
    pub fn new(base: u64) -> Self {
        Self { base, by_address: HashMap::new() }
    }

    /// The cap of an address that traded `volume`.
    pub fn cap(&self, volume: Usd) -> u64 {
        self.base + u64::try_from(volume.0 / Usd::ONE.0).unwrap_or(0)
    }

    /// Requests used so far by `user`.
    pub fn used(&self, user: &Address) -> u64 {
        self.by_address.get(user).map_or(0, |u| u.used)
    }

    /// Spends `n` requests of `user` (who traded `volume`), or refuses with the venue's text.
    pub fn spend(
        &mut self,
        user: Address,
        n: u64,
        is_cancel: bool,
        volume: Usd,
        now_ms: u64,
    ) -> Result<(), String> {
        let base_cap = self.cap(volume);
        let cap = if is_cancel { (base_cap + CANCEL_HEADROOM).min(2 * base_cap) } else { base_cap };
        let u = self.by_address.entry(user).or_default();
        let after = u.used + n;
        let trickle = u.used > 0 && now_ms.saturating_sub(u.last_ms) >= EXHAUSTED_INTERVAL_MS;
        if after > cap && !trickle {
            // Whole dollars and cents, trailing zeros dropped, as the venue prints floats.
            let vol = DecimalStr::new(volume.0 / (Usd::ONE.0 / 100), 2);
            return Err(format!(
                "Too many cumulative requests sent ({after} > {cap}) for cumulative volume traded ${}.",
                vol.as_str()
            ));
        }
        u.used = after;
        u.last_ms = now_ms;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_760_000_000_000;

    #[test]
    fn a_budget_counts_batches_and_refuses_with_the_venue_text() {
        let mut b = RequestBudgets::new(3);
        let u = Address::from_low_u64(1);
        assert_eq!(b.spend(u, 2, false, Usd::ZERO, NOW), Ok(()));
        assert_eq!(
            b.spend(u, 2, false, Usd::ZERO, NOW + 1),
            Err("Too many cumulative requests sent (4 > 3) for cumulative volume traded $0.".into())
        );
        assert_eq!(b.spend(u, 1, false, Usd::ZERO, NOW + 2), Ok(()));
        assert_eq!(b.used(&u), 3);
        // Cancels get headroom: min(cap + 100000, 2·cap) = 6.
        assert_eq!(b.spend(u, 3, true, Usd::ZERO, NOW + 3), Ok(()));
        assert!(b.spend(u, 1, true, Usd::ZERO, NOW + 4).is_err());
        // Exhausted: one request per 10 s still passes.
        assert_eq!(b.spend(u, 1, false, Usd::ZERO, NOW + 4 + 10_000), Ok(()));
    }

    #[test]
    fn volume_raises_the_cap_one_request_per_dollar() {
        let b = RequestBudgets::new(10_000);
        assert_eq!(b.cap(Usd::from_dollars(2_500)), 12_500);
    }
}

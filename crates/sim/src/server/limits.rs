//! Rate limits (hyperliquid.md §8): the per-address request budget of actions and the per-IP
//! request weight.
//!
//! - Per address: 10 000 requests (configurable) + 1 per USDC traded; a batch of n counts n;
//!   cancels may go on up to `min(cap + 100 000, 2·cap)`. Past the cap one request per 10 s
//!   still passes. Refusal text (observed): `Too many cumulative requests sent (<used> > <cap>)
//!   for cumulative volume traded $<vol>.`, where `<used>` counts the refused request.
//! - Per IP: 1200 weight per minute (configurable), in fixed one-minute windows; HTTP 429.
//!
//! Pure bookkeeping: `now_ms` is an argument. The address budget lives under the venue lock,
//! the IP counters under their own short lock. The WebSocket limits per IP are in
//! [`super::ws_limits`].

use std::collections::HashMap;
use std::net::IpAddr;

use crate::accounts::Address;
use hlmm_types::{DecimalStr, Usd};

/// The venue's base request budget per address.
pub const DEFAULT_REQUEST_BUDGET: u64 = 10_000;
/// The venue's IP weight per minute.
pub const DEFAULT_IP_WEIGHT_PER_MINUTE: u32 = 1200;
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

/// Per-IP weight in one-minute windows.
#[derive(Debug, Clone)]
pub struct IpWeights {
    per_minute: u32,
    by_ip: HashMap<IpAddr, (u64, u32)>,
}

impl IpWeights {
    /// `per_minute` weight per IP (0 = unlimited).
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, by_ip: HashMap::new() }
    }

    /// Spends `weight` of `ip` at `now_ms`; `false` when the minute's budget is exhausted
    /// (the request is then not counted).
    pub fn spend(&mut self, ip: IpAddr, weight: u32, now_ms: u64) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let minute = now_ms / 60_000;
        let e = self.by_ip.entry(ip).or_insert((minute, 0));
        if e.0 != minute {
            *e = (minute, 0);
        }
        if e.1 + weight > self.per_minute {
            return false;
        }
        e.1 += weight;
        true
    }
}

/// The IP weight of an `/info` request of this `type` (§8).
pub fn info_weight(kind: &str) -> u32 {
    match kind {
        "l2Book"
        | "allMids"
        | "clearinghouseState"
        | "orderStatus"
        | "spotClearinghouseState"
        | "exchangeStatus" => 2,
        "userRole" => 60,
        _ => 20,
    }
}

/// The IP weight of an `/exchange` request carrying a batch of `n`.
pub fn exchange_weight(n: usize) -> u32 {
    1 + (n / 40) as u32
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

    #[test]
    fn ip_weight_resets_every_minute() {
        let mut w = IpWeights::new(10);
        let ip = IpAddr::from([127, 0, 0, 1]);
        assert!(w.spend(ip, 6, NOW));
        assert!(!w.spend(ip, 6, NOW));
        assert!(w.spend(ip, 4, NOW));
        assert!(w.spend(ip, 6, NOW + 60_000));
        assert_eq!((info_weight("l2Book"), info_weight("meta"), exchange_weight(80)), (2, 20, 3));
    }
}

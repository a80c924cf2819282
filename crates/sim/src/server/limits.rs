//! The per-IP HTTP request weight (hyperliquid.md §8): 1200 weight per minute (configurable),
//! in fixed one-minute windows; HTTP 429.
//!
//! Bookkeeping with `now_ms` as an argument, under its own short lock. The per-address request
//! budget of actions is a venue rule ([`crate::rules::budgets`]); the WebSocket limits per IP
//! are in [`super::ws_limits`].

use std::collections::HashMap;
use std::net::IpAddr;

/// The venue's IP weight per minute.
pub const DEFAULT_IP_WEIGHT_PER_MINUTE: u32 = 1200;

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

//! The client-side rate budget (`fault-cases.md` case 5, `hyperliquid.md` §8).
//!
//! Two limits, both checked before an action is signed:
//! - **IP weight**: a token bucket of 1200 per minute; an `/exchange` action weighs
//!   `1 + floor(n / 40)`. A slice of the bucket is kept for cancels, so pulling quotes never
//!   waits behind placing them.
//! - **Address budget**: requests used vs the cap (10 000 + 1 per USDC traded; a batch of n
//!   counts n), read back from `userRateLimit` and counted locally in between. Near the cap,
//!   placements and modifies stop (they come back `NotSent(Throttled)`, so nothing reaches the
//!   venue to be refused) while cancels go on up to the venue's own cancel allowance,
//!   `min(cap + 100 000, 2 · cap)`.
//!
//! Pure: the caller passes `now_ms`; no clock, no I/O. Runs on the exec thread.

use crate::core::orders::BudgetPressure;

/// The venue's IP weight per minute.
pub const IP_WEIGHT_PER_MINUTE: f64 = 1_200.0;

/// Budget settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetConfig {
    /// IP weight per minute (venue: 1200).
    pub ip_weight_per_minute: f64,
    /// IP weight kept for cancels: other actions may not take the bucket below this.
    pub ip_cancel_reserve: f64,
    /// Address requests kept below the cap for cancels: placements stop this far before it.
    pub address_cancel_reserve: u64,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self {
            ip_weight_per_minute: IP_WEIGHT_PER_MINUTE,
            ip_cancel_reserve: 120.0,
            address_cancel_reserve: 200,
        }
    }
}

/// The rate budget of one process (IP) and account (address).
#[derive(Debug, Clone)]
pub struct RateBudget {
    cfg: BudgetConfig,
    /// IP weight available now.
    tokens: f64,
    /// When `tokens` was last refilled, ms.
    last_ms: u64,
    /// Address requests used (venue count at the last sync, plus ours since).
    used: u64,
    /// Address request cap (venue's at the last sync); `None` until the first sync.
    cap: Option<u64>,
    /// Actions refused locally.
    throttled: u64,
    /// Until then (ms) only cancels go: the backoff after a 429.
    cooldown_until_ms: u64,
    /// The current backoff after a 429, ms (doubles per 429 inside a cooldown, up to a minute).
    cooldown_ms: u64,
}

/// First backoff after a 429, ms.
const COOLDOWN_MIN_MS: u64 = 1_000;
/// Longest backoff after repeated 429s: the venue's window is a minute.
const COOLDOWN_MAX_MS: u64 = 60_000;

impl RateBudget {
    /// A full bucket at `now_ms`, address budget unknown (not enforced until synced).
    pub fn new(cfg: BudgetConfig, now_ms: u64) -> Self {
        Self {
            cfg,
            tokens: cfg.ip_weight_per_minute,
            last_ms: now_ms,
            used: 0,
            cap: None,
            throttled: 0,
            cooldown_until_ms: 0,
            cooldown_ms: COOLDOWN_MIN_MS,
        }
    }

    /// The IP weight of an `/exchange` action of `n` elements.
    pub const fn action_weight(n: usize) -> f64 {
        (1 + n / 40) as f64
    }

    fn refill(&mut self, now_ms: u64) {
        let dt = now_ms.saturating_sub(self.last_ms) as f64;
        self.last_ms = self.last_ms.max(now_ms);
        let per_ms = self.cfg.ip_weight_per_minute / 60_000.0;
        self.tokens = (self.tokens + dt * per_ms).min(self.cfg.ip_weight_per_minute);
    }

    /// Whether an action of `n` elements may go now; if so, it is counted. Cancels may use the
    /// reserves; nothing else may.
    pub fn admit(&mut self, now_ms: u64, n: usize, is_cancel: bool) -> bool {
        self.refill(now_ms);
        let weight = Self::action_weight(n);
        let floor = if is_cancel { 0.0 } else { self.cfg.ip_cancel_reserve };
        let cooling = !is_cancel && now_ms < self.cooldown_until_ms;
        let ip_ok = self.tokens - weight >= floor && !cooling;
        let addr_ok = match self.cap {
            None => true,
            Some(cap) if is_cancel => {
                self.used + n as u64 <= cap.saturating_add(100_000).min(cap.saturating_mul(2))
            }
            Some(cap) => {
                self.used + n as u64 <= cap.saturating_sub(self.cfg.address_cancel_reserve)
            }
        };
        if ip_ok && addr_ok {
            self.tokens -= weight;
            self.used += n as u64;
            true
        } else {
            self.throttled += 1;
            false
        }
    }

    /// Takes `weight` from the bucket without admission (an `/info` request).
    pub fn spend(&mut self, now_ms: u64, weight: f64) {
        self.refill(now_ms);
        self.tokens = (self.tokens - weight).max(0.0);
    }

    /// The venue answered 429: its view of our IP weight is exhausted. Placements back off
    /// (1 s, doubling per 429 while backing off, up to a minute) and the bucket drops to the
    /// cancel reserve, so cancels still go.
    pub fn on_http_429(&mut self, now_ms: u64) {
        self.refill(now_ms);
        self.tokens = self.tokens.min(self.cfg.ip_cancel_reserve);
        self.cooldown_ms = if now_ms < self.cooldown_until_ms {
            (self.cooldown_ms * 2).min(COOLDOWN_MAX_MS)
        } else {
            COOLDOWN_MIN_MS
        };
        self.cooldown_until_ms = now_ms + self.cooldown_ms;
    }

    /// The venue's address counters (`userRateLimit`: `nRequestsUsed`, `nRequestsCap`).
    pub fn sync_address(&mut self, used: u64, cap: u64) {
        self.used = used;
        self.cap = Some(cap);
    }

    /// Address requests left before placements stop; `None` before the first sync.
    pub fn address_headroom(&self) -> Option<u64> {
        self.cap.map(|cap| {
            cap.saturating_sub(self.cfg.address_cancel_reserve).saturating_sub(self.used)
        })
    }

    /// Actions refused locally so far.
    pub const fn throttled(&self) -> u64 {
        self.throttled
    }

    /// IP weight available at `now_ms`.
    pub fn ip_tokens(&mut self, now_ms: u64) -> f64 {
        self.refill(now_ms);
        self.tokens
    }

    /// How close to throttling: `Critical` below 15 % of the IP bucket, under 500 address
    /// requests of headroom, or in a 429 backoff; `Low` below 40 % or 2 000 requests. The
    /// thresholds leave the core time to slow down before placements are refused.
    pub fn pressure(&mut self, now_ms: u64) -> BudgetPressure {
        let ip = self.ip_tokens(now_ms) / self.cfg.ip_weight_per_minute;
        let headroom = self.address_headroom();
        if now_ms < self.cooldown_until_ms || ip < 0.15 || headroom.is_some_and(|h| h < 500) {
            BudgetPressure::Critical
        } else if ip < 0.40 || headroom.is_some_and(|h| h < 2_000) {
            BudgetPressure::Low
        } else {
            BudgetPressure::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ip_bucket_keeps_a_reserve_for_cancels_and_refills_over_time() {
        let cfg = BudgetConfig {
            ip_weight_per_minute: 10.0,
            ip_cancel_reserve: 3.0,
            address_cancel_reserve: 0,
        };
        let mut b = RateBudget::new(cfg, 0);
        let placed = (0..20).filter(|_| b.admit(0, 1, false)).count();
        assert_eq!(placed, 7, "10 tokens, 3 kept for cancels");
        assert!(
            b.admit(0, 1, true) && b.admit(0, 1, true) && b.admit(0, 1, true),
            "cancels use the reserve"
        );
        assert!(!b.admit(0, 1, true), "but not beyond the bucket");
        assert!(b.admit(60_000, 1, false), "a minute later the bucket is full again");
        assert_eq!(b.throttled(), 14);
    }

    #[test]
    fn a_big_batch_weighs_more_and_a_429_backs_off_placements_but_not_cancels() {
        assert_eq!(RateBudget::action_weight(39), 1.0);
        assert_eq!(RateBudget::action_weight(40), 2.0);
        let mut b = RateBudget::new(BudgetConfig::default(), 0);
        b.on_http_429(0);
        assert!(!b.admit(0, 1, false), "placements back off");
        assert!(b.admit(0, 1, true), "cancels keep the reserve");
        assert!(!b.admit(999, 1, false));
        assert!(b.admit(2_000, 1, false), "after the backoff, and the refill above the reserve");
        b.on_http_429(2_000);
        b.on_http_429(2_100);
        assert!(!b.admit(3_500, 1, false), "a second 429 while backing off doubles it");
        assert!(b.admit(4_200, 1, false));
    }

    #[test]
    fn placements_stop_before_the_address_cap_and_cancels_go_on() {
        let cfg = BudgetConfig { address_cancel_reserve: 5, ..BudgetConfig::default() };
        let mut b = RateBudget::new(cfg, 0);
        assert!(b.admit(0, 50, false), "not enforced before the first sync");
        b.sync_address(90, 100);
        assert_eq!(b.address_headroom(), Some(5));
        assert!(b.admit(0, 5, false));
        assert!(!b.admit(0, 1, false), "placements stop 5 before the cap");
        assert!(b.admit(0, 20, true), "cancels go on past the cap, up to 2x");
        assert!(!b.admit(0, 200, true), "not beyond the venue's cancel allowance");
    }

    #[test]
    fn pressure_rises_as_the_budget_runs_down_and_after_a_429() {
        let mut b = RateBudget::new(BudgetConfig::default(), 0);
        assert_eq!(b.pressure(0), BudgetPressure::Normal);
        b.sync_address(0, 10_000);
        assert_eq!(b.pressure(0), BudgetPressure::Normal);
        b.sync_address(8_500, 10_000); // 1 300 left above the cancel reserve
        assert_eq!(b.pressure(0), BudgetPressure::Low);
        b.sync_address(9_400, 10_000);
        assert_eq!(b.pressure(0), BudgetPressure::Critical);
        let mut b = RateBudget::new(BudgetConfig::default(), 0);
        b.spend(0, 800.0); // a third of the minute's weight left
        assert_eq!(b.pressure(0), BudgetPressure::Low);
        let mut b = RateBudget::new(BudgetConfig::default(), 0);
        b.on_http_429(0);
        assert_eq!(b.pressure(1), BudgetPressure::Critical);
        assert_eq!(b.pressure(120_000), BudgetPressure::Normal, "after the backoff, refilled");
    }
}

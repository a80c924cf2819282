//! backtest::latency: the venue's delays between the core and the exchange.
//!
//! Three delays, in simulated time:
//! - **feed**: from a block (or an action's effect) on the venue to the event in the core:
//!   the book, the trades and our user events. Constant, so the feed keeps its order.
//! - **order round trip**: from the core's command to its reply, log-normal with the venue's
//!   published figures (median 0.2 s, p99 0.9 s by default). The exchange acts on the command
//!   `reply_ms` before the reply arrives, so a quote is still live (and can be hit) for most
//!   of the round trip of the cancel that pulls it, as on the venue.
//! - the **block cadence** is the venue's own (`block_ms` of the spec).
//!
//! Draws come from a ChaCha stream of their own, so the same seed gives the same delays.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::BacktestError;

/// The standard normal's 99th percentile.
const Z_P99: f64 = 2.326_347_874;
const NS_PER_MS: f64 = 1e6;

/// The latency model (`[backtest.latency]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LatencyModel {
    /// From the venue to the core (books, trades, user events), ms.
    pub feed_ms: f64,
    /// Order round trip (command to reply), median, ms. Venue: about 200.
    pub order_rtt_median_ms: f64,
    /// Order round trip, 99th percentile, ms. Venue: about 900.
    pub order_rtt_p99_ms: f64,
    /// The end of a round trip after the exchange acted (the reply's way back), ms.
    pub reply_ms: f64,
}

impl Default for LatencyModel {
    fn default() -> Self {
        Self { feed_ms: 10.0, order_rtt_median_ms: 200.0, order_rtt_p99_ms: 900.0, reply_ms: 5.0 }
    }
}

impl LatencyModel {
    /// No delay at all: every command acts at once (unit tests of the harness itself).
    pub const ZERO: Self =
        Self { feed_ms: 0.0, order_rtt_median_ms: 0.0, order_rtt_p99_ms: 0.0, reply_ms: 0.0 };

    /// `Err` names the field and the rule.
    pub fn validate(&self) -> Result<(), BacktestError> {
        let fields = [
            ("latency.feed_ms", self.feed_ms),
            ("latency.order_rtt_median_ms", self.order_rtt_median_ms),
            ("latency.order_rtt_p99_ms", self.order_rtt_p99_ms),
            ("latency.reply_ms", self.reply_ms),
        ];
        for (field, v) in fields {
            if !(v.is_finite() && (0.0..=60_000.0).contains(&v)) {
                return Err(BacktestError::Field { field, reason: "must be in [0, 60000] ms" });
            }
        }
        if self.order_rtt_p99_ms < self.order_rtt_median_ms {
            return Err(BacktestError::Field {
                field: "latency.order_rtt_p99_ms",
                reason: "must not be below order_rtt_median_ms",
            });
        }
        Ok(())
    }
}

/// Draws delays from a [`LatencyModel`], in nanoseconds.
#[derive(Debug)]
pub(crate) struct LatencySampler {
    feed_ns: u64,
    reply_ns: u64,
    /// Log-normal of the round trip: `ln(median ms)` and its σ.
    mu: f64,
    sigma: f64,
    zero_rtt: bool,
    rng: ChaCha8Rng,
}

impl LatencySampler {
    pub(crate) fn new(model: &LatencyModel, seed: u64) -> Self {
        let zero_rtt = model.order_rtt_median_ms <= 0.0;
        let (mu, sigma) = if zero_rtt {
            (0.0, 0.0)
        } else {
            let ratio = model.order_rtt_p99_ms / model.order_rtt_median_ms;
            (model.order_rtt_median_ms.ln(), ratio.ln() / Z_P99)
        };
        Self {
            feed_ns: (model.feed_ms * NS_PER_MS) as u64,
            reply_ns: (model.reply_ms * NS_PER_MS) as u64,
            mu,
            sigma,
            zero_rtt,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6c61_7465_6e63_7921),
        }
    }

    /// Venue to core.
    pub(crate) fn feed_ns(&self) -> u64 {
        self.feed_ns
    }

    /// One command: (after how long the exchange acts, after how long the reply arrives),
    /// both from the moment the core issued it.
    pub(crate) fn order_ns(&mut self) -> (u64, u64) {
        if self.zero_rtt {
            return (0, self.reply_ns);
        }
        let z: f64 = self.rng.sample(StandardNormal);
        let rtt_ns = ((self.mu + self.sigma * z).exp() * NS_PER_MS) as u64;
        let rtt_ns = rtt_ns.max(self.reply_ns);
        (rtt_ns - self.reply_ns, rtt_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_have_the_configured_median_and_p99() {
        let mut s = LatencySampler::new(&LatencyModel::default(), 7);
        let mut rtts: Vec<u64> = (0..20_000).map(|_| s.order_ns().1).collect();
        rtts.sort_unstable();
        let ms = |i: usize| rtts[i] as f64 / NS_PER_MS;
        assert!((ms(10_000) - 200.0).abs() < 10.0, "median {}", ms(10_000));
        assert!((ms(19_800) - 900.0).abs() < 90.0, "p99 {}", ms(19_800));
    }

    #[test]
    fn the_exchange_acts_before_the_reply_arrives() {
        let mut s = LatencySampler::new(&LatencyModel::default(), 7);
        for _ in 0..1_000 {
            let (act, reply) = s.order_ns();
            assert_eq!(reply - act, 5_000_000);
        }
    }

    #[test]
    fn a_p99_below_the_median_is_refused_by_name() {
        let m = LatencyModel { order_rtt_p99_ms: 100.0, ..LatencyModel::default() };
        let e = m.validate().expect_err("p99 < median");
        assert!(e.to_string().contains("latency.order_rtt_p99_ms"), "{e}");
    }
}

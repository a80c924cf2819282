//! backtest::queue: where one of our resting orders stands in its price level's queue, when
//! it is replayed against recorded data that does not contain it.
//!
//! In the manner of hftbacktest's probabilistic queue models: an order joins at the back of
//! its level (everything resting there is ahead of it). A trade at its price consumes the
//! queue ahead first and fills the order only with what is left over. A level that shrinks
//! without a trade lost cancels, which may come from ahead or behind: the share taken from
//! ahead is `ahead / level` (the linear model, `f(x) = x`), so an order near the front keeps
//! its place and one at the back moves up fast. Growth joins behind. Sizes are lots; the
//! expected values are kept as `f64`, so the model is deterministic.

/// One order's place in its level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueuePosition {
    /// Lots ahead of us.
    ahead: f64,
    /// The level's size (without us) as last seen, lots.
    level: f64,
}

impl QueuePosition {
    /// Joining a level that holds `level` lots (0: a new level, we are first).
    pub fn join(level: i64) -> Self {
        let level = level.max(0) as f64;
        Self { ahead: level, level }
    }

    /// Lots ahead of us.
    pub fn ahead(&self) -> f64 {
        self.ahead
    }

    /// A trade of `lots` at our price: returns the lots that reach us.
    pub fn on_trade(&mut self, lots: i64) -> i64 {
        let lots = lots.max(0) as f64;
        let consumed = lots.min(self.ahead);
        self.ahead -= consumed;
        self.level = (self.level - consumed).max(0.0);
        (lots - consumed).floor() as i64
    }

    /// The level now holds `level` lots (a new book): a fall is cancels, shared with the
    /// queue behind us in proportion; a rise joined behind us.
    pub fn on_level(&mut self, level: i64) {
        let now = level.max(0) as f64;
        if now < self.level && self.level > 0.0 {
            let cancelled = self.level - now;
            self.ahead -= cancelled * self.ahead / self.level;
        }
        self.level = now;
        self.ahead = self.ahead.clamp(0.0, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trade_fills_us_only_once_the_queue_ahead_is_consumed() {
        // (name, level when we joined, trades at our price, lots that reach us per trade)
        let cases: [(&str, i64, &[i64], &[i64]); 4] = [
            ("first at a new level: filled at once", 0, &[3], &[3]),
            ("behind 10 lots: a 4-lot trade does not reach us", 10, &[4], &[0]),
            ("the trade that empties the queue fills the rest", 10, &[4, 8], &[0, 2]),
            ("an exact sweep of the queue leaves us untouched", 10, &[10, 1], &[0, 1]),
        ];
        for (name, level, trades, want) in cases {
            let mut q = QueuePosition::join(level);
            let got: Vec<i64> = trades.iter().map(|&t| q.on_trade(t)).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn cancels_move_us_up_in_proportion_to_the_queue_ahead() {
        let mut q = QueuePosition::join(10);
        // Half the level is cancelled: half of it was ahead of us (we are at the back, all
        // 10 lots are ahead, so all 5 came from ahead).
        q.on_level(5);
        assert_eq!(q.ahead(), 5.0);
        // Growth joins behind us.
        q.on_level(15);
        assert_eq!(q.ahead(), 5.0);
        // Now a third of the level is ahead: a 6-lot fall takes 2 from ahead.
        q.on_level(9);
        assert!((q.ahead() - 3.0).abs() < 1e-9, "{}", q.ahead());
        // The level vanishes: nothing can be ahead of us.
        q.on_level(0);
        assert_eq!(q.ahead(), 0.0);
    }
}

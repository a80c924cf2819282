//! A fixed-size L2 book per coin: integer ticks and lots, at most 20 levels per side.
//!
//! Fed by `l2Book` snapshots (each push is the whole book) and `bbo` updates (top of book only),
//! on the quote thread. Frames whose venue time is not newer than what was applied are dropped
//! (`fault-cases.md` case 3), so the book never goes backwards. The receive time (`now` at
//! apply) is kept separately from the venue time: staleness is judged on what we received, not
//! on the venue's clock.
//!
//! Never allocates, never panics on venue input (a crossed or one-sided book simply has no
//! mid).

use hlmm_types::events::{Bbo, BookSide, BookSnapshot, Level, MAX_BOOK_LEVELS};
use hlmm_types::{InstrumentSpec, Nanos, Px, Sz};

/// What happened to an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookUpdate {
    /// The book changed to this update.
    Applied,
    /// The update was no newer than the book (duplicate or out of order) and was dropped.
    Dropped,
}

/// One coin's book.
#[derive(Debug, Clone, Copy)]
pub struct Book {
    /// Bids, highest first.
    bids: BookSide,
    /// Asks, lowest first.
    asks: BookSide,
    /// Venue time of the last applied `l2Book`.
    book_time: Nanos,
    /// Venue time of the last applied `bbo`.
    bbo_time: Nanos,
    /// Receive time (`now`) of the last update that was applied or repeated the current venue
    /// time (a repeat still proves the stream alive); `None` before the first.
    last_seen: Option<Nanos>,
}

impl Default for Book {
    fn default() -> Self {
        Self::new()
    }
}

impl Book {
    /// An empty book with nothing received.
    pub fn new() -> Self {
        Self {
            bids: BookSide::default(),
            asks: BookSide::default(),
            book_time: Nanos(0),
            bbo_time: Nanos(0),
            last_seen: None,
        }
    }

    /// Venue time of the newest applied update.
    pub fn venue_time(&self) -> Nanos {
        self.book_time.max(self.bbo_time)
    }

    /// Receive time of the newest update, if any arrived.
    pub fn last_seen(&self) -> Option<Nanos> {
        self.last_seen
    }

    /// Whether an update arrived within `max_age_ns` of `now`.
    pub fn is_fresh(&self, now: Nanos, max_age_ns: u64) -> bool {
        self.last_seen.is_some_and(|t| now.saturating_since(t) <= max_age_ns)
    }

    /// Applies a full snapshot unless it is not newer than the book.
    pub fn apply_snapshot(&mut self, s: &BookSnapshot, now: Nanos) -> BookUpdate {
        let latest = self.venue_time();
        if s.time > self.book_time && s.time >= self.bbo_time {
            self.bids = s.bids;
            self.asks = s.asks;
            self.book_time = s.time;
            self.last_seen = Some(now);
            BookUpdate::Applied
        } else {
            if s.time == latest {
                self.last_seen = Some(now);
            }
            BookUpdate::Dropped
        }
    }

    /// Applies a top-of-book update unless it is not newer than the book. Deeper levels that the
    /// new top crosses or equals are removed; the rest stay as they were (they are refreshed by
    /// the next snapshot).
    pub fn apply_bbo(&mut self, b: &Bbo, now: Nanos) -> BookUpdate {
        let latest = self.venue_time();
        if b.time > latest {
            set_top(&mut self.bids, b.bid, |level, top| level.px >= top.px);
            set_top(&mut self.asks, b.ask, |level, top| level.px <= top.px);
            self.bbo_time = b.time;
            self.last_seen = Some(now);
            BookUpdate::Applied
        } else {
            if b.time == latest {
                self.last_seen = Some(now);
            }
            BookUpdate::Dropped
        }
    }

    /// Forgets the book (a disconnect: the data is no longer trusted).
    pub fn invalidate(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.last_seen = None;
    }

    /// Best bid.
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.as_slice().first().copied()
    }

    /// Best ask.
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.as_slice().first().copied()
    }

    /// Bids, best first.
    pub fn bids(&self) -> &[Level] {
        self.bids.as_slice()
    }

    /// Asks, best first.
    pub fn asks(&self) -> &[Level] {
        self.asks.as_slice()
    }

    /// Best bid and ask if both exist and the book is not crossed or locked.
    pub fn touch(&self) -> Option<(Level, Level)> {
        let (b, a) = (self.best_bid()?, self.best_ask()?);
        (b.px < a.px && b.px.0 > 0).then_some((b, a))
    }

    /// Mid in ticks, rounded down (for marking positions; may be off the order grid).
    pub fn mid_px(&self) -> Option<Px> {
        self.touch().map(|(b, a)| Px(b.px.0 + (a.px.0 - b.px.0) / 2))
    }

    /// Mid in USDC, for the model.
    pub fn mid_f64(&self, spec: &InstrumentSpec) -> Option<f64> {
        self.touch().map(|(b, a)| 0.5 * (spec.px_to_f64(b.px) + spec.px_to_f64(a.px)))
    }

    /// Microprice in USDC: `(bid · ask_sz + ask · bid_sz) / (bid_sz + ask_sz)`; the mid when
    /// both sizes are zero.
    pub fn microprice_f64(&self, spec: &InstrumentSpec) -> Option<f64> {
        let (b, a) = self.touch()?;
        let (bp, ap) = (spec.px_to_f64(b.px), spec.px_to_f64(a.px));
        let (bs, as_) = (sz_f64(b.sz), sz_f64(a.sz));
        let total = bs + as_;
        Some(if total > 0.0 { (bp * as_ + ap * bs) / total } else { 0.5 * (bp + ap) })
    }
}

fn sz_f64(sz: Sz) -> f64 {
    sz.0.max(0) as f64
}

/// Puts `top` first on `side`, removing levels it supersedes; `None` empties the side (the
/// venue reports that side as empty).
fn set_top(side: &mut BookSide, top: Option<Level>, superseded: fn(&Level, &Level) -> bool) {
    let Some(top) = top else {
        side.clear();
        return;
    };
    let mut next = BookSide::default();
    // The new top always fits; keep as many of the remaining levels as capacity allows.
    let _ = next.push(top);
    for level in side.as_slice().iter().filter(|l| !superseded(l, &top)) {
        if next.len() == MAX_BOOK_LEVELS {
            break;
        }
        let _ = next.push(*level);
    }
    *side = next;
}

#[cfg(test)]
mod tests {
    use super::*;
    use hlmm_types::{AssetId, Coin};

    fn level(px: i64, sz: i64) -> Level {
        Level { px: Px(px), sz: Sz(sz), n: 1 }
    }

    fn snapshot(time_ms: u64, bids: &[(i64, i64)], asks: &[(i64, i64)]) -> BookSnapshot {
        let mut s = BookSnapshot {
            asset: AssetId(0),
            time: Nanos::from_millis(time_ms),
            ..Default::default()
        };
        for &(p, q) in bids {
            let _ = s.bids.push(level(p, q));
        }
        for &(p, q) in asks {
            let _ = s.asks.push(level(p, q));
        }
        s
    }

    fn spec() -> InstrumentSpec {
        InstrumentSpec::perp(AssetId(0), Coin::new(b"ETH").expect("coin"), 4)
    }

    #[test]
    fn older_or_equal_snapshots_are_dropped() {
        let mut book = Book::new();
        assert_eq!(
            book.apply_snapshot(&snapshot(2, &[(100, 1)], &[(102, 1)]), Nanos(10)),
            BookUpdate::Applied
        );
        assert_eq!(
            book.apply_snapshot(&snapshot(1, &[(90, 1)], &[(92, 1)]), Nanos(11)),
            BookUpdate::Dropped
        );
        assert_eq!(
            book.apply_snapshot(&snapshot(2, &[(90, 1)], &[(92, 1)]), Nanos(12)),
            BookUpdate::Dropped
        );
        assert_eq!(book.best_bid().map(|l| l.px), Some(Px(100)));
        // The duplicate still proves the stream alive.
        assert_eq!(book.last_seen(), Some(Nanos(12)));
    }

    #[test]
    fn bbo_replaces_the_top_and_drops_superseded_levels() {
        let mut book = Book::new();
        book.apply_snapshot(
            &snapshot(1, &[(100, 1), (99, 1), (98, 1)], &[(102, 1), (103, 1)]),
            Nanos(1),
        );
        let bbo = Bbo {
            asset: AssetId(0),
            time: Nanos::from_millis(2),
            bid: Some(level(99, 5)),
            ask: Some(level(101, 2)),
        };
        assert_eq!(book.apply_bbo(&bbo, Nanos(2)), BookUpdate::Applied);
        let bids: Vec<i64> = book.bids().iter().map(|l| l.px.0).collect();
        let asks: Vec<i64> = book.asks().iter().map(|l| l.px.0).collect();
        assert_eq!(bids, [99, 98]);
        assert_eq!(asks, [101, 102, 103]);
        assert_eq!(book.best_bid().map(|l| l.sz), Some(Sz(5)));
        // A snapshot older than the bbo is dropped.
        assert_eq!(
            book.apply_snapshot(&snapshot(1, &[(1, 1)], &[(2, 1)]), Nanos(3)),
            BookUpdate::Dropped
        );
    }

    #[test]
    fn crossed_or_one_sided_books_have_no_mid() {
        let mut book = Book::new();
        book.apply_snapshot(&snapshot(1, &[(102, 1)], &[(101, 1)]), Nanos(1));
        assert_eq!(book.mid_px(), None);
        book.apply_snapshot(&snapshot(2, &[(100, 1)], &[]), Nanos(2));
        assert_eq!(book.mid_f64(&spec()), None);
    }

    #[test]
    fn microprice_leans_towards_the_thinner_side() {
        let mut book = Book::new();
        // Much more size on the bid: the price is more likely to tick up.
        book.apply_snapshot(&snapshot(1, &[(200_000, 90)], &[(200_010, 10)]), Nanos(1));
        let s = spec();
        let mid = book.mid_f64(&s).expect("mid");
        let micro = book.microprice_f64(&s).expect("microprice");
        assert!(micro > mid, "micro {micro} mid {mid}");
        assert!((micro - 2000.09).abs() < 1e-9);
    }

    #[test]
    fn freshness_is_judged_on_receive_time() {
        let mut book = Book::new();
        assert!(!book.is_fresh(Nanos(0), 10));
        book.apply_snapshot(&snapshot(1, &[(100, 1)], &[(102, 1)]), Nanos(100));
        assert!(book.is_fresh(Nanos(110), 10));
        assert!(!book.is_fresh(Nanos(111), 10));
    }
}

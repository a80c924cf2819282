//! Per-stream liveness: when each stream last delivered data, and which are stale.
//!
//! A socket can stay open while a stream goes silent (fault case 2), so staleness is measured
//! per stream from receive times, not from the socket state. The feed thread writes (one
//! relaxed store per event); the quote and side threads read. Plain atomics: no locks.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::types::Nanos;

/// Liveness of every stream the feed handles: one per quoted asset (its book), plus the user
/// stream.
#[derive(Debug)]
pub struct FeedHealth {
    /// Last receive time per stream, ns since the epoch; 0 = never.
    last_recv_ns: Box<[AtomicU64]>,
    /// Stale flag per stream, as last evaluated by [`FeedHealth::evaluate`].
    stale: Box<[AtomicBool]>,
    /// Whether the socket is currently connected and subscribed.
    connected: AtomicBool,
}

/// Which stream: a quoted asset's market data (by its dense index), or the user stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Market data of the asset at this dense index (position in the instrument table).
    Market(usize),
    /// The user stream (fills, order updates, user events).
    User,
}

impl FeedHealth {
    /// Health for `assets` market-data streams and one user stream; everything starts stale
    /// (fail closed: nothing is fresh until data arrived).
    pub fn new(assets: usize) -> Self {
        let n = assets + 1;
        Self {
            last_recv_ns: (0..n).map(|_| AtomicU64::new(0)).collect(),
            stale: (0..n).map(|_| AtomicBool::new(true)).collect(),
            connected: AtomicBool::new(false),
        }
    }

    fn slot(&self, stream: Stream) -> Option<usize> {
        match stream {
            Stream::Market(i) if i + 1 < self.last_recv_ns.len() => Some(i),
            Stream::Market(_) => None,
            Stream::User => Some(self.last_recv_ns.len() - 1),
        }
    }

    /// Records that `stream` delivered data at `now`. Relaxed: readers only need an eventually
    /// visible, monotone-enough timestamp, not ordering with other memory.
    #[inline]
    pub fn touch(&self, stream: Stream, now: Nanos) {
        if let Some(i) = self.slot(stream) {
            self.last_recv_ns[i].store(now.0, Ordering::Relaxed);
        }
    }

    /// When `stream` last delivered data (`None`: never).
    pub fn last_recv(&self, stream: Stream) -> Option<Nanos> {
        let v = self.slot(stream).map(|i| self.last_recv_ns[i].load(Ordering::Relaxed))?;
        (v != 0).then_some(Nanos(v))
    }

    /// Re-evaluates every stale flag at `now`: a market stream is stale after `market_after_ns`
    /// without data, the user stream after `user_after_ns`. Returns how many streams became
    /// stale in this call (for the counter).
    pub fn evaluate(&self, now: Nanos, market_after_ns: u64, user_after_ns: u64) -> u64 {
        let user = self.last_recv_ns.len() - 1;
        let mut newly_stale = 0;
        for (i, last) in self.last_recv_ns.iter().enumerate() {
            let limit = if i == user { user_after_ns } else { market_after_ns };
            let last = last.load(Ordering::Relaxed);
            let stale = last == 0 || now.0.saturating_sub(last) > limit;
            let was = self.stale[i].swap(stale, Ordering::Relaxed);
            if stale && !was {
                newly_stale += 1;
            }
        }
        newly_stale
    }

    /// Whether `stream` was stale at the last evaluation (unknown streams are stale).
    pub fn is_stale(&self, stream: Stream) -> bool {
        self.slot(stream).is_none_or(|i| self.stale[i].load(Ordering::Relaxed))
    }

    /// Marks every stream stale at once (the socket dropped: every book from it is invalid).
    pub fn mark_all_stale(&self) {
        for s in self.stale.iter() {
            s.store(true, Ordering::Relaxed);
        }
    }

    /// Sets the connection flag.
    pub fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Relaxed);
    }

    /// Whether the socket is connected and subscribed.
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// Number of market-data streams.
    pub fn market_streams(&self) -> usize {
        self.last_recv_ns.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn streams_start_stale_until_data_arrives() {
        let h = FeedHealth::new(2);
        assert!(h.is_stale(Stream::Market(0)));
        h.touch(Stream::Market(0), Nanos(1_000 * MS));
        h.evaluate(Nanos(1_001 * MS), 3_000 * MS, 10_000 * MS);
        assert!(!h.is_stale(Stream::Market(0)));
        assert!(h.is_stale(Stream::Market(1)), "a stream that never spoke stays stale");
    }

    #[test]
    fn a_silent_stream_goes_stale_alone() {
        let h = FeedHealth::new(2);
        h.touch(Stream::Market(0), Nanos(1_000 * MS));
        h.touch(Stream::Market(1), Nanos(1_000 * MS));
        h.touch(Stream::User, Nanos(1_000 * MS));
        h.evaluate(Nanos(2_000 * MS), 3_000 * MS, 10_000 * MS);
        h.touch(Stream::Market(1), Nanos(4_500 * MS));
        h.touch(Stream::User, Nanos(4_500 * MS));
        let newly = h.evaluate(Nanos(5_000 * MS), 3_000 * MS, 10_000 * MS);
        assert_eq!(newly, 1);
        assert!(h.is_stale(Stream::Market(0)));
        assert!(!h.is_stale(Stream::Market(1)));
        assert!(!h.is_stale(Stream::User));
    }

    #[test]
    fn unknown_streams_are_stale_and_ignored() {
        let h = FeedHealth::new(1);
        h.touch(Stream::Market(9), Nanos(1));
        assert!(h.is_stale(Stream::Market(9)));
        assert_eq!(h.last_recv(Stream::Market(9)), None);
    }
}

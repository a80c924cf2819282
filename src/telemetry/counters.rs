//! Health counters shared by every thread: frames, bad frames, conflations, reconnects, halts.
//!
//! One [`Counters`] lives in an `Arc`. The feed, quote and exec threads add to it on their paths
//! (one uncontended atomic add, no allocation, no lock, no syscall); the side thread reads a
//! [`CountersSnapshot`] for logs and metrics. It must never be used to pass data between threads:
//! it is statistics only.
//!
//! Every access is `Ordering::Relaxed`. Each counter is an independent tally: no thread reads a
//! counter to decide whether some other memory is ready, so no ordering with other memory is
//! needed, and a relaxed read-modify-write still never loses an increment. Stronger orderings
//! would only add fences (on weakly ordered CPUs) for nothing. The price, stated once: a snapshot
//! reads the counters one by one, so it is not a consistent cut across them.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::types::events::Channel;

/// A health counter. Every one counts events since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Counter {
    /// WebSocket frames received (feed).
    Frames,
    /// Frames that failed to parse, on any channel (feed); see also
    /// [`Counters::bad_frames_on`].
    BadFrames,
    /// Frames on a channel we do not know (feed).
    UnknownChannels,
    /// Book updates overwritten in the market-data ring before the quote thread took them.
    /// Mirrored from `ConflatingTx::conflated` by [`Counters::set_conflated_books`].
    ConflatedBooks,
    /// WebSocket reconnects (feed, exec).
    Reconnects,
    /// Pushes refused by a full lossless ring; each one halted quoting (any thread).
    LosslessRingFull,
    /// Streams or coins flagged stale (feed, quote).
    StaleFlags,
    /// Subscriptions acknowledged by the venue (feed).
    Subscriptions,
    /// Intents handed to the venue gateway by the exec thread.
    IntentsSent,
    /// Our fills received on the user stream (quote), snapshot replays included.
    UserFills,
    /// Activity records (the operator's history) dropped because the side thread was behind
    /// (quote). Trading is unaffected.
    ActivityDropped,
}

impl Counter {
    /// Number of counters.
    pub const COUNT: usize = 11;

    /// Every counter, in index order.
    pub const ALL: [Self; Self::COUNT] = [
        Self::Frames,
        Self::BadFrames,
        Self::UnknownChannels,
        Self::ConflatedBooks,
        Self::Reconnects,
        Self::LosslessRingFull,
        Self::StaleFlags,
        Self::Subscriptions,
        Self::IntentsSent,
        Self::UserFills,
        Self::ActivityDropped,
    ];

    const fn index(self) -> usize {
        self as usize
    }
}

/// The health counters. Share it by `Arc`.
#[derive(Debug, Default)]
pub struct Counters {
    /// Indexed by `Counter::index`; each a count of events since start.
    counts: [AtomicU64; Counter::COUNT],
    /// Bad frames per channel, indexed by `Channel::index`; they sum to `Counter::BadFrames`.
    bad_frames_by_channel: [AtomicU64; Channel::COUNT],
}

impl Counters {
    /// All counters at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one to `counter`.
    #[inline]
    pub fn incr(&self, counter: Counter) {
        self.add(counter, 1);
    }

    /// Adds `n` to `counter`.
    #[inline]
    pub fn add(&self, counter: Counter, n: u64) {
        self.counts[counter.index()].fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a frame on `channel` that failed to parse (in `Counter::BadFrames` too).
    #[inline]
    pub fn bad_frame(&self, channel: Channel) {
        self.bad_frames_by_channel[channel.index()].fetch_add(1, Ordering::Relaxed);
        self.incr(Counter::BadFrames);
    }

    /// Copies the market-data ring's conflation total (`ConflatingTx::conflated`) into
    /// `Counter::ConflatedBooks`. The feed thread calls it when idle; the ring keeps the
    /// authoritative count, so this can lag by one idle period but never goes backwards.
    pub fn set_conflated_books(&self, total: u64) {
        self.counts[Counter::ConflatedBooks.index()].fetch_max(total, Ordering::Relaxed);
    }

    /// The current value of `counter`.
    pub fn get(&self, counter: Counter) -> u64 {
        self.counts[counter.index()].load(Ordering::Relaxed)
    }

    /// Frames on `channel` that failed to parse.
    pub fn bad_frames_on(&self, channel: Channel) -> u64 {
        self.bad_frames_by_channel[channel.index()].load(Ordering::Relaxed)
    }

    /// Every counter now, as plain data (read one by one, not as one atomic cut).
    pub fn snapshot(&self) -> CountersSnapshot {
        CountersSnapshot {
            frames: self.get(Counter::Frames),
            bad_frames: self.get(Counter::BadFrames),
            unknown_channels: self.get(Counter::UnknownChannels),
            conflated_books: self.get(Counter::ConflatedBooks),
            reconnects: self.get(Counter::Reconnects),
            lossless_ring_full: self.get(Counter::LosslessRingFull),
            stale_flags: self.get(Counter::StaleFlags),
            subscriptions: self.get(Counter::Subscriptions),
            intents_sent: self.get(Counter::IntentsSent),
            user_fills: self.get(Counter::UserFills),
            activity_dropped: self.get(Counter::ActivityDropped),
            bad_frames_by_channel: ChannelCounts(Channel::ALL.map(|c| self.bad_frames_on(c))),
        }
    }
}

/// The counters at one moment, for logs and metrics. Each field counts events since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CountersSnapshot {
    /// [`Counter::Frames`].
    pub frames: u64,
    /// [`Counter::BadFrames`].
    pub bad_frames: u64,
    /// [`Counter::UnknownChannels`].
    pub unknown_channels: u64,
    /// [`Counter::ConflatedBooks`].
    pub conflated_books: u64,
    /// [`Counter::Reconnects`].
    pub reconnects: u64,
    /// [`Counter::LosslessRingFull`].
    pub lossless_ring_full: u64,
    /// [`Counter::StaleFlags`].
    pub stale_flags: u64,
    /// [`Counter::Subscriptions`].
    pub subscriptions: u64,
    /// [`Counter::IntentsSent`].
    pub intents_sent: u64,
    /// [`Counter::UserFills`].
    pub user_fills: u64,
    /// [`Counter::ActivityDropped`].
    pub activity_dropped: u64,
    /// Bad frames per channel.
    pub bad_frames_by_channel: ChannelCounts,
}

/// A count per channel; serializes as a map from the venue's channel name to the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelCounts(pub [u64; Channel::COUNT]);

impl ChannelCounts {
    /// The count for `channel`.
    pub const fn get(&self, channel: Channel) -> u64 {
        self.0[channel.index()]
    }
}

impl Serialize for ChannelCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Channel::COUNT))?;
        for channel in Channel::ALL {
            map.serialize_entry(channel.name(), &self.get(channel))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn each_counter_counts_on_its_own() {
        let counters = Counters::new();
        for (n, counter) in (1u64..).zip(Counter::ALL) {
            counters.add(counter, n);
        }
        counters.incr(Counter::Frames);
        let s = counters.snapshot();
        assert_eq!(
            [
                s.frames,
                s.bad_frames,
                s.unknown_channels,
                s.conflated_books,
                s.reconnects,
                s.lossless_ring_full,
                s.stale_flags,
                s.subscriptions,
            ],
            [2, 2, 3, 4, 5, 6, 7, 8]
        );
    }

    #[test]
    fn a_bad_frame_counts_for_its_channel_and_the_total() {
        let counters = Counters::new();
        counters.bad_frame(Channel::L2Book);
        counters.bad_frame(Channel::L2Book);
        counters.bad_frame(Channel::UserFills);
        let s = counters.snapshot();
        assert_eq!(s.bad_frames, 3);
        assert_eq!(s.bad_frames_by_channel.get(Channel::L2Book), 2);
        assert_eq!(s.bad_frames_by_channel.get(Channel::UserFills), 1);
        assert_eq!(s.bad_frames_by_channel.get(Channel::Bbo), 0);
    }

    #[test]
    fn the_conflated_books_mirror_never_goes_backwards() {
        let counters = Counters::new();
        counters.set_conflated_books(7);
        counters.set_conflated_books(5);
        assert_eq!(counters.get(Counter::ConflatedBooks), 7);
    }

    #[test]
    fn increments_from_several_threads_are_all_counted() {
        let counters = Arc::new(Counters::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let counters = Arc::clone(&counters);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        counters.incr(Counter::Frames);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("counting thread panicked");
        }
        assert_eq!(counters.get(Counter::Frames), 40_000);
    }

    #[test]
    fn snapshot_serializes_bad_frames_by_venue_channel_name() {
        let counters = Counters::new();
        counters.bad_frame(Channel::OrderUpdates);
        let json = serde_json::to_value(counters.snapshot()).expect("plain data serializes");
        assert_eq!(json["bad_frames"], 1);
        assert_eq!(json["bad_frames_by_channel"]["orderUpdates"], 1);
        assert_eq!(json["bad_frames_by_channel"]["l2Book"], 0);
    }
}

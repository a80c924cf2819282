//! The bounded buffer of position updates waiting for Redis.
//!
//! Side thread only. Updates are kept in order while Redis is unreachable and flushed in that
//! order on reconnect; when the bound is reached the oldest is dropped and counted, so memory
//! stays bounded however long Redis is down (`fault-cases.md` §10).

use std::collections::VecDeque;

/// A bounded FIFO of serialized updates that drops its oldest entry when full.
#[derive(Debug, Clone)]
pub struct Outbox {
    entries: VecDeque<String>,
    capacity: usize,
    dropped: u64,
}

impl Outbox {
    /// An empty outbox holding at most `capacity` (at least 1) entries.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self { entries: VecDeque::with_capacity(capacity.min(4_096)), capacity, dropped: 0 }
    }

    /// Appends `entry`; drops (and counts) the oldest one if full.
    pub fn push(&mut self, entry: String) {
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    /// The oldest entry.
    pub fn front(&self) -> Option<&str> {
        self.entries.front().map(String::as_str)
    }

    /// Removes the oldest entry (after it was published).
    pub fn pop_front(&mut self) -> Option<String> {
        self.entries.pop_front()
    }

    /// Entries waiting.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries dropped since start because the outbox was full.
    pub const fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_drops_the_oldest_when_full() {
        let mut o = Outbox::new(3);
        for i in 0..5 {
            o.push(i.to_string());
        }
        assert_eq!((o.len(), o.dropped()), (3, 2));
        let drained: Vec<String> = std::iter::from_fn(|| o.pop_front()).collect();
        assert_eq!(drained, ["2", "3", "4"]);
        assert!(o.is_empty());
    }
}

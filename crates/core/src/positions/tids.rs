//! The memory of recent trade ids that makes each fill count once ([`TidSet`]).

use hlmm_types::Tid;

/// Recent trade ids of one coin: a bounded FIFO plus an open-addressing hash set, both sized
/// once at construction.
///
/// Why a bounded window is enough: a fill arrives at most twice live (on `userFills` and on
/// `user` events), and a reconnect replays it in the `userFills` snapshot, which holds the
/// account's most recent fills (at most 2 000 per the venue's `userFills` limit, over all
/// coins). A duplicate therefore always arrives within the last 2 000 fills of its coin. The
/// default window is [`TidSet::DEFAULT_CAPACITY`] = 4 096 per coin: twice that, so even a
/// burst of new fills between a fill and its replay does not push it out.
#[derive(Debug, Clone)]
pub struct TidSet {
    /// Tids in arrival order (ring); `fifo_head` is the oldest.
    fifo: Box<[u64]>,
    fifo_head: usize,
    fifo_len: usize,
    /// Linear-probing table of `tid + 1` (0 = empty), twice the window: load ≤ 1/2.
    table: Box<[u64]>,
    mask: usize,
}

impl TidSet {
    /// Trade ids remembered per coin by default.
    pub const DEFAULT_CAPACITY: usize = 4_096;

    /// A set remembering the last `capacity` tids (rounded up to a power of two).
    pub fn new(capacity: usize) -> Self {
        let cap = capacity.max(2).next_power_of_two();
        Self {
            fifo: vec![0; cap].into_boxed_slice(),
            fifo_head: 0,
            fifo_len: 0,
            table: vec![0; cap * 2].into_boxed_slice(),
            mask: cap * 2 - 1,
        }
    }

    fn slot(&self, key: u64) -> usize {
        // Fibonacci hashing: tids are already hashes, but spread them anyway.
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask
    }

    fn find(&self, key: u64) -> Result<usize, usize> {
        let mut i = self.slot(key);
        loop {
            match self.table[i] {
                0 => return Err(i),
                k if k == key => return Ok(i),
                _ => i = (i + 1) & self.mask,
            }
        }
    }

    /// Whether `tid` is remembered.
    pub fn contains(&self, tid: Tid) -> bool {
        self.find(tid.0.wrapping_add(1)).is_ok()
    }

    /// Remembers `tid`; returns `false` if it was already there (a duplicate). Forgets the
    /// oldest tid when the window is full.
    pub fn insert(&mut self, tid: Tid) -> bool {
        let key = tid.0.wrapping_add(1);
        let Err(empty) = self.find(key) else { return false };
        if self.fifo_len == self.fifo.len() {
            let oldest = self.fifo[self.fifo_head];
            self.remove(oldest);
            self.fifo_head = (self.fifo_head + 1) % self.fifo.len();
            self.fifo_len -= 1;
            // The removal may have shifted entries: look for the free slot again.
            return self.insert_fresh(key);
        }
        self.table[empty] = key;
        self.push_fifo(key);
        true
    }

    fn insert_fresh(&mut self, key: u64) -> bool {
        match self.find(key) {
            Ok(_) => false,
            Err(i) => {
                self.table[i] = key;
                self.push_fifo(key);
                true
            }
        }
    }

    fn push_fifo(&mut self, key: u64) {
        let tail = (self.fifo_head + self.fifo_len) % self.fifo.len();
        self.fifo[tail] = key;
        self.fifo_len += 1;
    }

    /// Backward-shift deletion: keeps every probe chain unbroken without tombstones.
    fn remove(&mut self, key: u64) {
        let Ok(mut hole) = self.find(key) else { return };
        let mut i = hole;
        loop {
            i = (i + 1) & self.mask;
            let k = self.table[i];
            if k == 0 {
                break;
            }
            let home = self.slot(k);
            // Move `k` into the hole if its home is not in the cyclic range (hole, i].
            let between =
                if hole <= i { hole < home && home <= i } else { hole < home || home <= i };
            if !between {
                self.table[hole] = k;
                hole = i;
            }
        }
        self.table[hole] = 0;
    }
}

//! The instruments the parser converts: coin name to [`InstrumentSpec`], built once.

use hlmm_types::InstrumentSpec;

/// Coin name → instrument, built once; lookups allocate nothing.
#[derive(Debug, Clone, Default)]
pub struct InstrumentTable {
    /// Sorted by coin bytes for binary search; the first spec given for a coin wins.
    specs: Vec<InstrumentSpec>,
}

impl InstrumentTable {
    /// The table of `instruments`. If a coin appears twice, the first entry is kept.
    pub fn new(instruments: &[InstrumentSpec]) -> Self {
        let mut specs = instruments.to_vec();
        // Stable sort: among equal coins the first given stays first and survives the dedup.
        specs.sort_by(|a, b| a.coin.as_bytes().cmp(b.coin.as_bytes()));
        specs.dedup_by(|later, first| later.coin == first.coin);
        Self { specs }
    }

    /// The instrument named `coin`, as the venue spells it.
    #[inline]
    pub fn get(&self, coin: &[u8]) -> Option<&InstrumentSpec> {
        self.specs
            .binary_search_by(|s| s.coin.as_bytes().cmp(coin))
            .ok()
            .and_then(|i| self.specs.get(i))
    }

    /// Number of instruments.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// `true` when there are none.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }
}

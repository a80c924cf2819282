//! Positions from fills: size, average entry, realised and unrealised PnL, fees, funding and
//! PnL since 00:00 UTC, per coin, in fixed point.
//!
//! **Only fills move a position** (`fault-cases.md`: never order states), and each fill counts
//! once: fills are deduplicated by trade id per coin ([`TidSet`]). Amounts are integers: sizes
//! in lots, prices in ticks, cost and realised PnL in exact `ticks × lots` (`i128`), USD in
//! micro-dollars. No `f64` anywhere here.
//!
//! Accounting: `cost` is the signed sum of `lots × price` of the open position. A fill in the
//! direction of the position (or from flat) adds to it; a fill against it closes
//! `min(|fill|, |position|)` lots at the average entry, realising
//! `sign(position) · closed · px − cost · closed / |position|`; any remainder opens a new
//! position at the fill price (a flip). The integer division leaves its remainder in `cost`,
//! so `realised + unrealised` always equals the exact cash result `size · mark − Σ signed fills`
//! — nothing leaks.
//!
//! Runs on the quote thread. No clock (`now` is an argument), no allocation after construction.

mod tids;

use super::risk::utc_day;
use hlmm_types::events::{Fill, Funding};
use hlmm_types::{InstrumentSpec, Nanos, Px, Sz, Usd};

pub use self::tids::TidSet;

/// What a fill did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillApplied {
    /// Counted; the fill's notional at its price, USD.
    New(Usd),
    /// Already counted (same tid): ignored.
    Duplicate,
    /// Stamped at or before the venue snapshot the size was taken from: already in it.
    InVenueSnapshot,
}

/// A read-only copy of a position's numbers, for the side thread (`Copy`, no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PositionSnapshot {
    /// Signed size, lots.
    pub size: Sz,
    /// Average entry price, ticks (rounded to the nearest); `None` when flat.
    pub avg_entry: Option<Px>,
    /// Mark price used, ticks.
    pub mark: Option<Px>,
    /// Realised PnL since start, USD (before fees).
    pub realised: Usd,
    /// Unrealised PnL at the mark, USD.
    pub unrealised: Usd,
    /// Fees paid since start, USD; negative = net rebates.
    pub fees: Usd,
    /// Funding received since start, USD; negative = paid.
    pub funding: Usd,
    /// Signed notional at the mark, USD (long positive).
    pub notional: Usd,
    /// PnL since 00:00 UTC: realised + unrealised − fees + funding, USD.
    pub daily_pnl: Usd,
    /// Fills counted since start (duplicates and snapshot replays excluded).
    pub fills: u64,
}

/// One coin's position.
#[derive(Debug, Clone)]
pub struct Position {
    /// Scales.
    spec: InstrumentSpec,
    /// Signed size, lots (long positive).
    size: Sz,
    /// Signed `Σ lots × ticks` of the open position.
    cost: i128,
    /// Realised PnL since start, `ticks × lots`.
    realised: i128,
    /// Fees since start (positive paid).
    fees: Usd,
    /// Funding since start (positive received).
    funding: Usd,
    /// Mark price, ticks.
    mark: Option<Px>,
    /// Venue time of the last funding payment applied (funding is deduplicated by time).
    last_funding: Nanos,
    /// UTC day the baselines belong to.
    day: u64,
    /// Values at 00:00 UTC of `day`: realised (ticks × lots), unrealised (USD), fees, funding.
    day_start: (i128, Usd, Usd, Usd),
    /// Trade ids seen.
    tids: TidSet,
    /// Fills counted.
    fills: u64,
    /// Duplicate fills ignored.
    duplicates: u64,
    /// Fills whose `start_position` disagreed with ours (a sign that reconciliation is due).
    start_mismatches: u64,
    /// Venue time the size was last taken from a venue snapshot ([`Position::reset_to_venue`]):
    /// fills at or before it are already in that size. `Nanos(0)` = never.
    venue_as_of: Nanos,
    /// The last [`RECENT_FILLS`] fills applied, as (venue time, signed lots), so a snapshot
    /// taken at venue time `t` can be compared with our size at `t` ([`Position::size_at`]).
    recent: [(Nanos, i64); RECENT_FILLS],
    /// Next slot of `recent`.
    recent_next: usize,
}

/// Fills remembered for [`Position::size_at`]: a reconciliation snapshot is at most a few
/// seconds old, and a coin does not fill 64 times in that time at our sizes.
pub const RECENT_FILLS: usize = 64;

impl Position {
    /// A flat position starting its day at `now`.
    pub fn new(spec: InstrumentSpec, now: Nanos) -> Self {
        Self::with_tid_window(spec, now, TidSet::DEFAULT_CAPACITY)
    }

    /// As [`Position::new`] with a chosen dedup window.
    pub fn with_tid_window(spec: InstrumentSpec, now: Nanos, window: usize) -> Self {
        Self {
            spec,
            size: Sz::ZERO,
            cost: 0,
            realised: 0,
            fees: Usd::ZERO,
            funding: Usd::ZERO,
            mark: None,
            last_funding: Nanos(0),
            day: utc_day(now),
            day_start: (0, Usd::ZERO, Usd::ZERO, Usd::ZERO),
            tids: TidSet::new(window),
            fills: 0,
            duplicates: 0,
            start_mismatches: 0,
            venue_as_of: Nanos(0),
            recent: [(Nanos(0), 0); RECENT_FILLS],
            recent_next: 0,
        }
    }

    /// Takes the venue's size (`szi`) and entry price as the truth as of venue time `as_of`:
    /// at startup, and when reconciliation finds a mismatch. Realised PnL, fees and funding are
    /// kept. A later fill stamped at or before `as_of` is already in this size and is only
    /// remembered (its tid), not applied; fills already applied and stamped after `as_of` are
    /// not in the venue's size and stay on top of it.
    pub fn reset_to_venue(&mut self, venue_size: Sz, entry: Option<Px>, as_of: Nanos) {
        let since: i64 = self.recent.iter().filter(|r| r.0 > as_of).map(|r| r.1).sum();
        let size = Sz(venue_size.0 + since);
        self.size = size;
        // Without an entry price (a flat venue position, or a venue that did not say), the
        // position's cost is marked at the entry we had, else at zero PnL from the mark.
        let px = entry.or(self.avg_entry()).or(self.mark).map_or(0, |p| i128::from(p.0));
        self.cost = i128::from(size.0) * px;
        self.venue_as_of = as_of;
    }

    /// Our signed size as it was at venue time `t`: the current size minus the remembered fills
    /// stamped after `t`. `None` if a fill after `t` may have left the memory (more than
    /// [`RECENT_FILLS`] since), so the answer is unknown.
    pub fn size_at(&self, t: Nanos) -> Option<Sz> {
        let mut size = self.size.0;
        let mut after = 0usize;
        for &(time, lots) in &self.recent {
            if time > t {
                size -= lots;
                after += 1;
            }
        }
        // Every remembered fill is after `t`: an older one, also after `t`, may be forgotten.
        (after < RECENT_FILLS || self.fills < RECENT_FILLS as u64).then_some(Sz(size))
    }

    /// `ticks × lots` to USD micro-dollars (exact for perps, where `D + szDecimals = 6`).
    fn usd(&self, raw: i128) -> Usd {
        let scale = i32::from(self.spec.px_decimals()) + i32::from(self.spec.sz_decimals) - 6;
        if scale == 0 {
            // Perps: already micro-dollars; no 128-bit division on the per-event path.
            return Usd(raw.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64);
        }
        let v = if scale >= 0 {
            raw / 10i128.pow(scale as u32)
        } else {
            raw * 10i128.pow((-scale) as u32)
        };
        Usd(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    /// Applies a fill unless its tid was already counted.
    pub fn on_fill(&mut self, f: &Fill) -> FillApplied {
        if !self.tids.insert(f.tid) {
            self.duplicates += 1;
            return FillApplied::Duplicate;
        }
        if self.venue_as_of.0 > 0 && f.time <= self.venue_as_of {
            // Already in the size taken from the venue (startup replay, reconnect snapshot).
            return FillApplied::InVenueSnapshot;
        }
        if f.start_position != self.size {
            self.start_mismatches += 1;
        }
        let qty = i128::from(f.sz.0.max(0));
        let px = i128::from(f.px.0);
        let signed = i128::from(f.side.sign()) * qty;
        self.recent[self.recent_next] = (f.time, signed as i64);
        self.recent_next = (self.recent_next + 1) % RECENT_FILLS;
        let size = i128::from(self.size.0);
        if size == 0 || size.signum() == signed.signum() {
            self.cost += signed * px;
            self.size = Sz((size + signed) as i64);
        } else {
            let closed = qty.min(size.abs());
            let removed = self.cost * closed / size.abs();
            self.realised += size.signum() * closed * px - removed;
            self.cost -= removed;
            let left = size - size.signum() * closed;
            let opened = qty - closed;
            if opened > 0 {
                self.cost = signed.signum() * opened * px;
                self.size = Sz((signed.signum() * opened) as i64);
            } else {
                self.size = Sz(left as i64);
            }
        }
        self.fees = self.fees + f.fee;
        self.fills += 1;
        FillApplied::New(super::strategy::notional(&self.spec, f.px, f.sz))
    }

    /// Applies a funding payment unless one at the same or a later venue time was applied.
    pub fn on_funding(&mut self, f: &Funding) -> bool {
        if f.time <= self.last_funding {
            return false;
        }
        self.last_funding = f.time;
        self.funding = self.funding + f.usdc;
        true
    }

    /// Sets the mark price (ticks) used for unrealised PnL and notional.
    pub fn set_mark(&mut self, px: Px) {
        self.mark = Some(px);
    }

    /// Starts a new UTC day if `now` is past 00:00 UTC of the next one: today's PnL is measured
    /// from the values at that moment. Call before applying any event at `now`.
    pub fn roll_day(&mut self, now: Nanos) {
        let today = utc_day(now);
        if today != self.day {
            self.day = today;
            self.day_start = (self.realised, self.unrealised(), self.fees, self.funding);
        }
    }

    /// Signed size, lots.
    pub fn size(&self) -> Sz {
        self.size
    }

    /// Unrealised PnL at the mark (zero without a mark).
    pub fn unrealised(&self) -> Usd {
        match self.mark {
            Some(m) if self.size.0 != 0 => {
                self.usd(i128::from(self.size.0) * i128::from(m.0) - self.cost)
            }
            _ => Usd::ZERO,
        }
    }

    /// Realised PnL since start, before fees.
    pub fn realised(&self) -> Usd {
        self.usd(self.realised)
    }

    /// Signed notional at the mark (long positive).
    pub fn notional(&self) -> Usd {
        match self.mark {
            Some(m) => {
                let n = super::strategy::notional(&self.spec, m, self.size);
                if self.size.0 < 0 {
                    -n
                } else {
                    n
                }
            }
            None => Usd::ZERO,
        }
    }

    /// Average entry price rounded to the nearest tick; `None` when flat.
    pub fn avg_entry(&self) -> Option<Px> {
        let size = i128::from(self.size.0);
        if size == 0 {
            return None;
        }
        let num = self.cost * 2 + size;
        Some(Px((num / (2 * size)) as i64))
    }

    /// PnL since 00:00 UTC: realised + unrealised − fees + funding, each as a change since the
    /// day started.
    pub fn daily_pnl(&self) -> Usd {
        let (r0, u0, f0, fu0) = self.day_start;
        self.usd(self.realised - r0) + (self.unrealised() - u0) - (self.fees - f0)
            + (self.funding - fu0)
    }

    /// Fills counted and duplicates ignored.
    pub fn fill_counts(&self) -> (u64, u64) {
        (self.fills, self.duplicates)
    }

    /// Fills whose venue `start_position` disagreed with the local size.
    pub fn start_mismatches(&self) -> u64 {
        self.start_mismatches
    }

    /// A copy of the numbers.
    pub fn snapshot(&self) -> PositionSnapshot {
        PositionSnapshot {
            size: self.size,
            avg_entry: self.avg_entry(),
            mark: self.mark,
            realised: self.realised(),
            unrealised: self.unrealised(),
            fees: self.fees,
            funding: self.funding,
            notional: self.notional(),
            daily_pnl: self.daily_pnl(),
            fills: self.fills,
        }
    }

    /// Exact cash result `size · mark − Σ signed fills` minus `realised + unrealised`, in
    /// `ticks × lots`; always zero (the accounting invariant; for tests).
    pub fn accounting_residual(&self, cash_flows: i128) -> i128 {
        let m = i128::from(self.mark.map_or(0, |m| m.0));
        let value = i128::from(self.size.0) * m + cash_flows;
        let upnl = i128::from(self.size.0) * m - self.cost;
        value - (self.realised + upnl)
    }
}

#[cfg(test)]
mod tests;

//! One coin's dynamics per block: the mid (stochastic volatility and jumps), the house makers'
//! ladder, the Poisson takers, the rolling statistics and the hourly funding.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::{
    CoinCtx, CoinState, FlowVenue, FundingRecord, BASE_INTEREST_8H, FUNDING_HISTORY_CAP,
    LADDER_DEPTH, MAX_SWEEP_LEVELS, MS_PER_BUCKET, MS_PER_HOUR, SECONDS_PER_YEAR, VOLUME_BUCKETS,
};
use hlmm_types::events::{Level, MAX_BOOK_LEVELS};
use hlmm_types::{InstrumentSpec, Nanos, Px, Rate, Side, Sz, Usd};

pub(super) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// A deep grid price is empty when its 64-bit hash is below this: 15 % of prices.
const HOLE_THRESHOLD: u64 = (u64::MAX / 100) * 15;

/// Most consecutive empty prices skipped, so a ladder always reaches its depth.
const MAX_HOLE_RUN: usize = 3;

/// Whether the makers leave `px` empty on `side` (below the top 3 levels): a fixed function of
/// the price, so holes stay put while the ladder moves around them.
pub(super) fn is_hole(key: u64, side: Side, px: Px) -> bool {
    let side_bit = if side == Side::Bid { 0 } else { 1 << 63 };
    mix64(key ^ side_bit ^ px.0 as u64) < HOLE_THRESHOLD
}

/// A Poisson draw by Knuth's method; `lambda` per block is small (a few at most).
pub(super) fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    let limit = (-lambda.min(30.0)).exp();
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > limit && k < 200 {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// Moves the fair value by one block of the diffusion and its jumps, then the mid towards it
/// with time constant `lead_ms` (`0`: the mid is the fair value).
pub(super) fn evolve_mid(c: &mut CoinState, dt: f64, lead_ms: u64) {
    if dt <= 0.0 {
        return;
    }
    // Log-volatility mean-reverts to the coin's level over ~10 minutes, with vol-of-vol 1.5
    // per sqrt(hour): calm and busy stretches alternate.
    let kappa = 1.0 / 600.0;
    let xi = 1.5 / 3600f64.sqrt();
    let target = c.params.vol.ln();
    c.log_vol += kappa * (target - c.log_vol) * dt + xi * dt.sqrt() * normal(&mut c.rng);
    c.log_vol = c.log_vol.clamp(target - 2.0, target + 2.0);
    let sigma = c.log_vol.exp() / SECONDS_PER_YEAR.sqrt();
    let mut dlog = -0.5 * sigma * sigma * dt + sigma * dt.sqrt() * normal(&mut c.rng);
    // Jumps: about one per half hour, 0.3 % typical size.
    for _ in 0..poisson(&mut c.rng, dt / 1800.0) {
        dlog += 0.003 * normal(&mut c.rng);
    }
    c.fair *= dlog.exp();
    if lead_ms == 0 {
        c.mid = c.fair;
    } else {
        let lead_s = lead_ms as f64 / 1e3;
        c.mid += (c.fair - c.mid) * (1.0 - (-dt / lead_s).exp());
    }
    // The oracle follows the mid over ~20 s; the basis wanders around zero over ~an hour.
    let a = (dt / 20.0).min(1.0);
    c.oracle_avg += a * (c.mid - c.oracle_avg);
    let b = (dt / 3600.0).min(1.0);
    c.basis += -b * c.basis + 0.0002 * (2.0 * b).sqrt() * normal(&mut c.rng);
}

/// The largest valid price strictly below `px`.
pub(super) fn next_down(spec: &InstrumentSpec, px: Px) -> Px {
    spec.round_bid(Px(px.0 - 1))
}

/// The smallest valid price strictly above `px`.
pub(super) fn next_up(spec: &InstrumentSpec, px: Px) -> Px {
    spec.round_ask(Px(px.0 + 1))
}

pub(super) fn build_ladder<V: FlowVenue>(
    c: &mut CoinState,
    venue: &V,
    bids: &mut Vec<Level>,
    asks: &mut Vec<Level>,
) {
    let spec = c.spec;
    let hs = c.params.half_spread_bps * 1e-4;
    let Some(mut bid) = spec.bid_from_f64(c.mid * (1.0 - hs)) else {
        bids.clear();
        asks.clear();
        return;
    };
    let mut ask = spec.ask_from_f64(c.mid * (1.0 + hs)).unwrap_or_else(|| next_up(&spec, bid));
    if ask <= bid {
        ask = next_up(&spec, bid);
    }
    let old_bids = venue.house_side(spec.asset, Side::Bid);
    let old_asks = venue.house_side(spec.asset, Side::Ask);
    bids.clear();
    asks.clear();
    // Both the old and the new ladder are sorted best first: one cursor into the old one.
    let mut k = 0;
    for i in 0..LADDER_DEPTH {
        if bid.0 <= 0 {
            break;
        }
        while k < old_bids.len() && old_bids[k].px > bid {
            k += 1;
        }
        let old = old_bids.get(k).filter(|l| l.px == bid).copied();
        bids.push(maker_level(c, &spec, bid, i, old));
        bid = next_down(&spec, bid);
        // Deeper in the book some prices are left empty, as on the venue.
        let mut run = 0;
        while i >= 3 && run < MAX_HOLE_RUN && bid.0 > 0 && is_hole(c.hole_key, Side::Bid, bid) {
            bid = next_down(&spec, bid);
            run += 1;
        }
    }
    let mut k = 0;
    for i in 0..LADDER_DEPTH {
        while k < old_asks.len() && old_asks[k].px < ask {
            k += 1;
        }
        let old = old_asks.get(k).filter(|l| l.px == ask).copied();
        asks.push(maker_level(c, &spec, ask, i, old));
        ask = next_up(&spec, ask);
        let mut run = 0;
        while i >= 3 && run < MAX_HOLE_RUN && is_hole(c.hole_key, Side::Ask, ask) {
            ask = next_up(&spec, ask);
            run += 1;
        }
    }
}

/// The maker's level `i` (0 = best) at `px`, given the level it kept at that price (`old`):
/// most of a level still at the same price stays; otherwise a fresh log-normal size that grows
/// with depth.
pub(super) fn maker_level(
    c: &mut CoinState,
    spec: &InstrumentSpec,
    px: Px,
    i: usize,
    old: Option<Level>,
) -> Level {
    if let Some(l) = old {
        if c.rng.random_bool(0.8) {
            return l;
        }
    }
    let usd = c.params.level_usd * (1.0 + 0.08 * i as f64) * (0.6 * normal(&mut c.rng)).exp();
    let sz = spec.sz_from_f64_down(usd / c.mid).map_or(Sz(1), |s| Sz(s.0.max(1)));
    let n = c.rng.random_range(1..=6u32);
    Level { px, sz, n }
}

/// The house takers of one block. A share `informed` of them trade towards the fair value
/// (see [`super::InformedFlow`]); the side the others draw is drawn for every taker, so the
/// main random stream is the same whatever the share.
pub(super) fn run_takers<V: FlowVenue>(
    c: &mut CoinState,
    venue: &mut V,
    dt: f64,
    informed: f64,
    now: Nanos,
) {
    let asset = c.spec.asset;
    let spare = |venue: &V, side: Side| {
        venue.side(asset, side.opposite()).len().saturating_sub(MAX_BOOK_LEVELS)
    };
    for _ in 0..poisson(&mut c.rng, c.params.taker_rate * dt) {
        let mut side = if c.rng.random_bool(0.5) { Side::Bid } else { Side::Ask };
        if informed > 0.0 && c.fair != c.mid && c.informed_rng.random_bool(informed) {
            side = if c.fair > c.mid { Side::Bid } else { Side::Ask };
        }
        // Never eat into the 20 published levels: the ladder is refilled next block.
        let max_levels = spare(venue, side).min(MAX_SWEEP_LEVELS);
        if max_levels == 0 {
            continue;
        }
        let usd = c.params.taker_usd * normal(&mut c.rng).exp();
        let Some(sz) = c.spec.sz_from_f64_down(usd / c.mid) else { continue };
        if sz.0 <= 0 {
            continue;
        }
        venue.take(asset, side, sz, max_levels, now, &mut c.trades);
    }
}

pub(super) fn update_stats<V: FlowVenue>(c: &mut CoinState, venue: &V, dt: f64, now_ms: u64) {
    let spec = c.spec;
    let bucket = now_ms / MS_PER_BUCKET;
    while c.bucket < bucket {
        c.bucket += 1;
        let slot = (c.bucket % VOLUME_BUCKETS as u64) as usize;
        c.vol_usd[slot] = 0.0;
        c.vol_base[slot] = 0.0;
        c.px_at_bucket[slot] = c.mid;
    }
    let slot = (c.bucket % VOLUME_BUCKETS as u64) as usize;
    for t in &c.trades {
        let coins = spec.sz_to_f64(t.sz);
        c.vol_usd[slot] += coins * spec.px_to_f64(t.px);
        c.vol_base[slot] += coins;
        // Half the trades open positions, half close them; open interest stays near its start.
        let target = c.params.oi_usd / c.mid;
        let opens = c.rng.random_bool(if c.oi < target { 0.55 } else { 0.45 });
        c.oi = if opens { c.oi + coins } else { (c.oi - coins).max(0.0) };
    }
    let best_bid = venue.side(spec.asset, Side::Bid).first().copied();
    let best_ask = venue.side(spec.asset, Side::Ask).first().copied();
    c.bbo_changed = (best_bid, best_ask) != c.prev_bbo;
    c.prev_bbo = (best_bid, best_ask);
    let oracle = c.oracle_avg * (1.0 - c.basis);
    let book_mid = match (best_bid, best_ask) {
        (Some(b), Some(a)) => Some(Px((b.px.0 + a.px.0) / 2)),
        _ => None,
    };
    let mid_f = book_mid.map_or(c.mid, |m| spec.px_to_f64(m));
    let premium = (mid_f - oracle) / oracle;
    if dt > 0.0 {
        c.premium_sum += premium;
        c.premium_n += 1;
    }
    let avg_premium = if c.premium_n > 0 { c.premium_sum / c.premium_n as f64 } else { premium };
    let funding = funding_8h(avg_premium) / 8.0;
    let hour = now_ms / MS_PER_HOUR;
    if hour > c.hour {
        c.hour = hour;
        push_funding(
            c,
            FundingRecord {
                time_ms: hour * MS_PER_HOUR,
                rate: rate(funding),
                premium: rate(avg_premium),
            },
        );
        c.premium_sum = 0.0;
        c.premium_n = 0;
    }
    let oracle_px = to_px(&spec, oracle);
    let mark = match (best_bid, best_ask) {
        (Some(b), Some(a)) => median3(oracle_px, b.px, a.px),
        _ => oracle_px,
    };
    let day_usd: f64 = c.vol_usd.iter().sum();
    let day_base: f64 = c.vol_base.iter().sum();
    let prev_slot = ((c.bucket + 1) % VOLUME_BUCKETS as u64) as usize;
    c.ctx = CoinCtx {
        day_ntl_vlm: Usd::from_f64(day_usd).unwrap_or_default(),
        day_base_vlm: spec.sz_from_f64_down(day_base).unwrap_or_default(),
        prev_day_px: to_px(&spec, c.px_at_bucket[prev_slot]),
        mark_px: mark,
        mid_px: book_mid,
        oracle_px,
        funding: rate(funding),
        premium: rate(premium),
        open_interest: spec.sz_from_f64_down(c.oi).unwrap_or_default(),
        impact_pxs: best_bid.zip(best_ask).map(|(b, a)| (b.px, a.px)),
    };
}

/// The venue's 8 h funding from an average premium: `p + clamp(0.0001 − p, ±0.0005)`, capped
/// at 4 %/h.
pub(super) fn funding_8h(avg_premium: f64) -> f64 {
    let f = avg_premium + (BASE_INTEREST_8H - avg_premium).clamp(-0.0005, 0.0005);
    f.clamp(-0.32, 0.32)
}

pub(super) fn seed_funding_history(c: &mut CoinState, now_ms: u64) {
    let hour = now_ms / MS_PER_HOUR;
    for h in (1..=24u64).rev() {
        let premium = c.basis + 0.0001 * normal(&mut c.rng);
        push_funding(
            c,
            FundingRecord {
                time_ms: hour.saturating_sub(h) * MS_PER_HOUR,
                rate: rate(funding_8h(premium) / 8.0),
                premium: rate(premium),
            },
        );
    }
}

pub(super) fn push_funding(c: &mut CoinState, r: FundingRecord) {
    if c.funding_history.len() == FUNDING_HISTORY_CAP {
        c.funding_history.remove(0);
    }
    c.funding_history.push(r);
}

pub(super) fn rate(x: f64) -> Rate {
    Rate((x * 1e12).round() as i64)
}

/// A context price (not an order price): nearest unit of the price scale, at least one.
pub(super) fn to_px(spec: &InstrumentSpec, usd: f64) -> Px {
    let scale = 10f64.powi(i32::from(spec.px_decimals()));
    Px(((usd * scale).round() as i64).max(1))
}

pub(super) fn median3(a: Px, b: Px, c: Px) -> Px {
    a.max(b).min(a.min(b).max(c))
}

pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// SplitMix64 finaliser: spreads a counter over 64 bits.
pub(super) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(super) fn hash32(key: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut k = key;
    for chunk in out.chunks_exact_mut(8) {
        k = mix64(k);
        chunk.copy_from_slice(&k.to_be_bytes());
    }
    out
}

use super::dynamics::funding_8h;
use super::*;

const T0: Nanos = Nanos(1_760_000_000_000_000_000);
const BLOCK: u64 = 500_000_000;

fn run(seed: u64, blocks: u64) -> Market {
    let mut m = Market::new(seed, default_coins(), Vec::new()).expect("valid market");
    for b in 0..blocks {
        m.step(Nanos(T0.0 + b * BLOCK));
    }
    m
}

type Fingerprint = (String, Vec<Level>, Vec<Level>, usize, CoinCtx);

fn fingerprint(m: &Market) -> Vec<Fingerprint> {
    m.coins()
        .map(|c| (c.params.name.clone(), c.bids.to_vec(), c.asks.to_vec(), c.trades.len(), *c.ctx))
        .collect()
}

#[test]
fn same_seed_gives_the_same_market() {
    assert_eq!(fingerprint(&run(7, 300)), fingerprint(&run(7, 300)));
}

#[test]
fn different_seeds_give_different_markets() {
    assert_ne!(fingerprint(&run(7, 50)), fingerprint(&run(8, 50)));
}

#[test]
fn every_book_stays_uncrossed_on_the_grid_with_twenty_levels_a_side() {
    let mut m = Market::new(3, default_coins(), Vec::new()).expect("valid market");
    for b in 0..2_000 {
        m.step(Nanos(T0.0 + b * BLOCK));
        for c in m.coins() {
            let name = &c.params.name;
            assert!(c.bids.len() >= MAX_BOOK_LEVELS, "{name}: {} bids", c.bids.len());
            assert!(c.asks.len() >= MAX_BOOK_LEVELS, "{name}: {} asks", c.asks.len());
            assert!(c.bids[0].px < c.asks[0].px, "{name}: crossed at block {b}");
            for l in c.bids.iter().chain(c.asks) {
                assert!(c.spec.is_valid_px(l.px), "{name}: {:?} off the grid", l.px);
                assert!(l.sz.0 > 0 && l.n > 0, "{name}: empty level {l:?}");
            }
            assert!(c.bids.windows(2).all(|w| w[0].px > w[1].px), "{name}: bids not sorted");
            assert!(c.asks.windows(2).all(|w| w[0].px < w[1].px), "{name}: asks not sorted");
        }
    }
}

#[test]
fn prices_stay_near_their_venue_levels() {
    let m = run(11, 200);
    for c in m.coins() {
        let mid = c.spec.px_to_f64(c.ctx.mid_px.expect("two-sided book"));
        let ratio = mid / c.params.px;
        assert!((0.9..1.1).contains(&ratio), "{}: mid {mid} vs {}", c.params.name, c.params.px);
    }
}

#[test]
fn takers_trade_and_volumes_differ_across_coins() {
    let m = run(5, 600);
    let mut vols: Vec<i64> = m.coins().map(|c| c.ctx.day_ntl_vlm.0).collect();
    let btc = m.coin_by_name("BTC").expect("BTC listed");
    let ltc = m.coin_by_name("LTC").expect("LTC listed");
    assert!(btc.ctx.day_ntl_vlm.0 > 10 * ltc.ctx.day_ntl_vlm.0);
    assert!(btc.ctx.open_interest.0 > 0);
    vols.sort_unstable();
    vols.dedup();
    assert_eq!(vols.len(), m.coins().len(), "every coin has its own volume");
}

#[test]
fn trades_print_at_resting_prices_with_unique_ids() {
    let mut m = Market::new(9, default_coins(), Vec::new()).expect("valid market");
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for b in 0..400 {
        m.step(Nanos(T0.0 + b * BLOCK));
        for c in m.coins() {
            for t in c.trades {
                assert!(c.spec.is_valid_px(t.px));
                assert!(t.sz.0 > 0);
                assert!(t.tid.0 < 1 << 50);
                assert!(seen.insert((t.asset, t.tid)), "duplicate tid {:?}", t.tid);
                total += 1;
            }
        }
    }
    assert!(total > 100, "only {total} trades");
}

#[test]
fn a_scheduled_listing_appears_and_a_delisting_empties_the_book() {
    let mut extra = default_coins()[2].clone();
    extra.name = "NEWCOIN".into();
    let schedule = vec![
        ScheduledChange::Delist { at_ms: 2_000, coin: "LTC".into() },
        ScheduledChange::List { at_ms: 1_000, coin: extra },
    ];
    let mut m = Market::new(1, default_coins(), schedule).expect("valid market");
    m.step(T0);
    let v0 = m.meta_version();
    assert!(m.coin_by_name("NEWCOIN").is_none());
    m.step(Nanos(T0.0 + 1_000_000_000));
    let listed = m.coin_by_name("NEWCOIN").expect("listed after 1 s");
    assert_eq!(listed.spec.asset, AssetId(default_coins().len() as u32));
    assert!(listed.bids.len() >= MAX_BOOK_LEVELS);
    assert!(m.meta_version() > v0);
    m.step(Nanos(T0.0 + 2_000_000_000));
    let ltc = m.coin_by_name("LTC").expect("still in the universe");
    assert!(ltc.delisted && ltc.bids.is_empty() && ltc.asks.is_empty());
    assert!(ltc.ctx.mid_px.is_none());
}

#[test]
fn bad_schedules_and_params_are_refused() {
    let mut dup = default_coins();
    dup.push(dup[0].clone());
    assert_eq!(Market::new(1, dup, vec![]).err(), Some(MarketError::Duplicate("BTC".into())));
    let ghost = vec![ScheduledChange::Delist { at_ms: 1, coin: "NOPE".into() }];
    assert!(matches!(
        Market::new(1, default_coins(), ghost),
        Err(MarketError::UnknownDelisting(_))
    ));
    let mut bad = default_coins();
    bad[0].px = -1.0;
    assert!(matches!(Market::new(1, bad, vec![]), Err(MarketError::BadParam { .. })));
}

#[test]
fn funding_is_the_base_rate_at_zero_premium_and_history_starts_a_day_back() {
    assert!((funding_8h(0.0) / 8.0 - 0.0000125).abs() < 1e-12);
    let m = run(2, 3);
    let btc = m.coin_by_name("BTC").expect("BTC listed");
    assert_eq!(btc.funding_history.len(), 24);
    assert!(btc.funding_history.windows(2).all(|w| w[0].time_ms < w[1].time_ms));
}

#[test]
fn local_book_sweeps_at_most_the_allowed_levels() {
    let spec = InstrumentSpec::perp(AssetId(0), Coin::new(b"X").expect("coin"), 2);
    let mut v = LocalBooks::default();
    v.add_asset(AssetId(0), spec, &default_coins()[0]);
    let asks: Vec<Level> =
        (0..5).map(|i| Level { px: Px(1000 + i * 10), sz: Sz(5), n: 1 }).collect();
    v.quote_ladder(AssetId(0), &[], &asks, T0);
    let mut out = Vec::new();
    v.take(AssetId(0), Side::Bid, Sz(100), 2, T0, &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(out.iter().map(|t| t.sz.0).sum::<i64>(), 10);
    assert_eq!(v.side(AssetId(0), Side::Ask).len(), 3);
    assert_eq!(v.side(AssetId(0), Side::Ask)[0].px, Px(1020));
}

mod property_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        #[test]
        fn any_seed_and_cadence_keeps_books_uncrossed_and_full(
            seed in any::<u64>(),
            block_ms in 1u64..5_000,
        ) {
            let mut m = Market::new(seed, default_coins(), Vec::new()).expect("valid market");
            for b in 0..150 {
                m.step(Nanos(T0.0 + b * block_ms * 1_000_000));
                for c in m.coins() {
                    prop_assert!(c.bids.len() >= MAX_BOOK_LEVELS);
                    prop_assert!(c.asks.len() >= MAX_BOOK_LEVELS);
                    prop_assert!(c.bids[0].px < c.asks[0].px);
                    prop_assert!(c.bids.iter().chain(c.asks).all(|l| c.spec.is_valid_px(l.px)));
                }
            }
        }
    }
}

//! The running figures, one at a time.

use super::*;
use crate::report::CoinReport;
use hlmm_sim::accounts::Dir;
use hlmm_types::{AssetId, Coin, Nanos, Sz, Usd};

fn spec() -> InstrumentSpec {
    InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("name"), 5)
}

fn fill(side: Side, px: i64, lots: i64, t_s: u64, fee_usd: f64) -> FillRecord {
    let spec = spec();
    let px = spec.parse_px(px.to_string().as_bytes()).expect("px");
    FillRecord {
        spec,
        px,
        sz: Sz(lots),
        side,
        time: Nanos(t_s * NS_PER_S),
        start_position: Sz(0),
        dir: if side == Side::Bid { Dir::OpenLong } else { Dir::OpenShort },
        closed_pnl: Usd(0),
        hash: Default::default(),
        oid: Default::default(),
        crossed: false,
        fee: Usd::from_f64(fee_usd).expect("fee"),
        tid: Default::default(),
        cloid: None,
    }
}

#[test]
fn a_round_trip_realises_the_spread_minus_fees() {
    let mut m = CoinMetrics::new(spec());
    // Buy 0.01 BTC at 100 000, sell it at 100 010: +$0.10, minus $0.30 of fees.
    m.on_fill(&fill(Side::Bid, 100_000, 1_000, 0, 0.15));
    m.on_fill(&fill(Side::Ask, 100_010, 1_000, 1, 0.15));
    m.on_block(2 * NS_PER_S, Some(100_005.0));
    let r = CoinReport::of(&m, 2 * NS_PER_S);
    assert!((r.pnl_usd.realised - 0.10).abs() < 1e-9, "{:?}", r.pnl_usd);
    assert!((r.pnl_usd.total - (0.10 - 0.30)).abs() < 1e-9, "{:?}", r.pnl_usd);
    assert_eq!(r.fills, 2);
    assert!((r.volume_usd - 2_000.1).abs() < 1e-6);
}

#[test]
fn markouts_measure_the_mid_after_the_fill_against_the_fill_price() {
    let mut m = CoinMetrics::new(spec());
    m.on_fill(&fill(Side::Bid, 100_000, 1_000, 0, 0.0));
    // The mid falls 10 bp within a second: the buy is marked −10 bp at 1 s.
    m.on_block(NS_PER_S, Some(99_900.0));
    let r = CoinReport::of(&m, NS_PER_S);
    let one = r.markout_bps.s1.expect("1 s markout due");
    assert!((one + 10.0).abs() < 1e-9, "{one}");
    assert_eq!(r.markout_bps.s10, None, "10 s not yet due");
}

#[test]
fn a_rebate_adds_to_pnl_and_a_fee_subtracts() {
    let mut m = CoinMetrics::new(spec());
    m.on_fill(&fill(Side::Bid, 100_000, 1_000, 0, -0.02));
    m.on_block(1, Some(100_000.0));
    let r = CoinReport::of(&m, 1);
    assert!((r.pnl_usd.rebates - 0.02).abs() < 1e-9);
    assert!((r.pnl_usd.total - 0.02).abs() < 1e-9);
}

#[test]
fn a_position_that_flips_realises_the_closed_part_and_reopens_at_the_fill_price() {
    let mut m = CoinMetrics::new(spec());
    m.on_fill(&fill(Side::Bid, 100_000, 1_000, 0, 0.0));
    // Sell 0.02 at 100 100: closes 0.01 (+$1), opens 0.01 short at 100 100.
    m.on_fill(&fill(Side::Ask, 100_100, 2_000, 1, 0.0));
    m.on_block(2 * NS_PER_S, Some(100_000.0));
    let r = CoinReport::of(&m, 2 * NS_PER_S);
    assert!((r.pnl_usd.realised - 1.0).abs() < 1e-9, "{:?}", r.pnl_usd);
    assert!((r.pnl_usd.unrealised - 1.0).abs() < 1e-9, "short 0.01 from 100 100 at 100 000");
}

#[test]
fn drawdown_is_the_largest_fall_from_a_peak() {
    assert_eq!(max_drawdown([0.0, 5.0, 2.0, 7.0, 1.0, 3.0]), 6.0);
    assert_eq!(max_drawdown([0.0, 1.0, 2.0]), 0.0);
}

#[test]
fn sharpe_needs_two_hourly_changes_and_some_variance() {
    assert_eq!(sharpe(&[0.0, 1.0]), None);
    assert_eq!(sharpe(&[0.0, 1.0, 2.0]), None, "no variance");
    let s = sharpe(&[0.0, 1.0, 3.0, 4.0]).expect("three changes");
    assert!(s > 0.0);
}

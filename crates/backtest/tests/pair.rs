//! The pair harness as a whole: determinism, what the figures mean, and the market's
//! informed flow seen through markouts. Short horizons in simulated time; no wall clock.

use hlmm_backtest::{run, BacktestSpec, LatencyModel, Pair, QuotedCoin};
use hlmm_core::params::SymbolParams;
use hlmm_sim::market::InformedFlow;
use hlmm_types::{AssetId, Usd};

const NS_PER_S: u64 = 1_000_000_000;

/// A fixed-spread quoter (the SDK example's shape): no volatility or return term, no skew,
/// quoting from the first book (a prior in place of the warm-up).
fn fixed_spread(half_spread_bps: f64) -> SymbolParams {
    SymbolParams {
        vol_k: 0.0,
        daily_return_bps: 0,
        inventory_skew: 0.0,
        vol_prior: Some(1e-4),
        min_half_spread_bps: half_spread_bps,
        notional_per_side: Usd::from_dollars(500),
        max_long_usd: Usd::from_dollars(5_000),
        max_short_usd: Usd::from_dollars(5_000),
        ..SymbolParams::DEFAULT
    }
}

fn spec(seed: u64, hours: f64, params: SymbolParams, coins: &[&str]) -> BacktestSpec {
    let coins =
        coins.iter().map(|c| QuotedCoin::builtin(c, params).expect("a simulator coin")).collect();
    BacktestSpec::new(seed, hours, coins)
}

#[test]
fn the_same_seed_gives_byte_identical_reports() {
    let s = spec(7, 0.5, fixed_spread(1.0), &["BTC", "SOL"]);
    let a = run(&s, |_| {}).expect("runs").to_json();
    let b = run(&s, |_| {}).expect("runs").to_json();
    assert!(a.contains("\"fills\""), "a report");
    assert_eq!(a, b);
    let fills: u64 = serde_json::from_str::<serde_json::Value>(&a).expect("json")["total"]["fills"]
        .as_u64()
        .expect("fills");
    assert!(fills > 0, "the comparison is about a run that traded");
}

#[test]
fn another_seed_gives_another_market() {
    let a = run(&spec(7, 0.25, fixed_spread(1.0), &["BTC"]), |_| {}).expect("runs");
    let b = run(&spec(8, 0.25, fixed_spread(1.0), &["BTC"]), |_| {}).expect("runs");
    assert_ne!(a.curve.pnl_usd, b.curve.pnl_usd);
}

#[test]
fn every_fill_the_venue_made_is_in_the_report_once() {
    let s = spec(3, 0.5, fixed_spread(1.0), &["BTC", "ETH"]);
    let mut pair = Pair::new(&s).expect("pair");
    let end = pair.start() + 1_800 * NS_PER_S;
    pair.run_until(end);
    let report = pair.report(end);
    let venue_fills =
        pair.venue().exchange().user_fills(hlmm_backtest::BACKTEST_ACCOUNT).count() as u64;
    assert!(venue_fills > 0);
    assert_eq!(report.total.fills, venue_fills);
    // And the core counted the same fills.
    let core_fills: u64 =
        (0..2).filter_map(|a| pair.core().position(AssetId(a))).map(|p| p.fills).sum();
    assert_eq!(core_fills, venue_fills);
}

#[test]
fn pnl_parts_add_up_and_fees_are_charged_on_every_maker_fill() {
    let r = run(&spec(5, 1.0, fixed_spread(1.0), &["SOL"]), |_| {}).expect("runs");
    let p = r.total.pnl_usd;
    assert!(r.total.fills > 0);
    let sum = p.realised + p.unrealised - p.fees + p.rebates + p.funding;
    assert!((sum - p.total).abs() < 1e-4, "{p:?}");
    // Tier 0 charges makers 1.5 bp: fees ≈ 1.5e-4 × volume.
    let expected = r.total.volume_usd * 1.5e-4;
    assert!((p.fees - expected).abs() < expected * 0.05 + 0.01, "{} vs {expected}", p.fees);
}

#[test]
fn informed_takers_make_markouts_worse() {
    let markout = |informed: InformedFlow| {
        let mut s = spec(11, 2.0, fixed_spread(1.0), &["BTC", "ETH", "SOL"]);
        s.informed = informed;
        let r = run(&s, |_| {}).expect("runs");
        assert!(r.total.fills > 100, "enough fills to compare: {}", r.total.fills);
        r.total.markout_bps.s10.expect("10 s markouts")
    };
    let uninformed = markout(InformedFlow::NONE);
    let informed = markout(InformedFlow { share: 0.5, lead_ms: 10_000 });
    assert!(informed < uninformed - 0.5, "informed {informed} bp vs uninformed {uninformed} bp");
}

#[test]
fn with_a_volatility_prior_the_first_quote_comes_within_ten_seconds_of_the_first_books() {
    let r = run(&spec(1, 0.1, fixed_spread(2.0), &["BTC", "ETH"]), |_| {}).expect("runs");
    let first = r.total.first_quote_s.expect("both coins quoted");
    assert!(first <= 10.0, "first quote {first} s after the first books");
}

#[test]
fn without_a_prior_the_core_waits_for_its_estimator() {
    let params = SymbolParams { vol_prior: None, ..fixed_spread(2.0) };
    let r = run(&spec(1, 0.1, params, &["BTC"]), |_| {}).expect("runs");
    let first = r.total.first_quote_s.expect("quoted within 6 minutes");
    assert!(first > 10.0, "the estimator's warm-up holds the first quote: {first} s");
}

#[test]
fn an_order_reaches_the_venue_one_round_trip_after_the_core_sent_it() {
    // A round trip of exactly one second (median = p99): the exchange acts 995 ms after the
    // command (the reply takes the last 5 ms).
    let mut s = spec(1, 1.0, fixed_spread(2.0), &["BTC"]);
    s.latency = LatencyModel {
        order_rtt_median_ms: 1_000.0,
        order_rtt_p99_ms: 1_000.0,
        ..LatencyModel::default()
    };
    let mut pair = Pair::new(&s).expect("pair");
    let step = 10_000_000;
    let mut t = pair.start();
    while pair.core().quotes_sent(AssetId(0)).unwrap_or(0) == 0 {
        t += step;
        assert!(t < pair.start() + 60 * NS_PER_S, "no quote within a minute");
        pair.run_until(t);
    }
    let open = |p: &Pair| p.venue().exchange().open_orders(hlmm_backtest::BACKTEST_ACCOUNT).len();
    pair.run_until(t + 980_000_000 - step);
    assert_eq!(open(&pair), 0, "still on its way");
    pair.run_until(t + 1_000_000_000);
    assert!(open(&pair) > 0, "resting once the round trip's outbound part is over");
}

#[test]
fn a_spec_with_a_bad_field_is_refused_by_name() {
    let mut s = spec(1, 1.0, fixed_spread(1.0), &["BTC"]);
    s.hours = -1.0;
    let e = Pair::new(&s).expect_err("negative hours");
    assert!(e.to_string().starts_with("hours:"), "{e}");
    let e = QuotedCoin::builtin("NOPE", fixed_spread(1.0)).expect_err("unknown coin");
    assert!(e.to_string().contains("NOPE"), "{e}");
}

//! Replaying a recorded tape: the shipped sample (`tests/fixtures/tape-sim`, three minutes of
//! BTC recorded from the simulator with `hlmm record --hours 0.05 --coins BTC --seed 3`).

use std::path::PathBuf;

use hlmm_backtest::replay::Replay;
use hlmm_backtest::tape::Tape;
use hlmm_backtest::LatencyModel;
use hlmm_core::params::SymbolParams;
use hlmm_types::Usd;

fn sample() -> Tape {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tape-sim");
    Tape::read(&dir).expect("the shipped sample reads")
}

/// A quoter that joins the touch (a floor under one tick), quoting from the first book.
fn at_the_touch() -> SymbolParams {
    SymbolParams {
        vol_k: 0.0,
        daily_return_bps: 0,
        inventory_skew: 0.0,
        vol_prior: Some(1e-4),
        min_half_spread_bps: 0.01,
        maker_fee_bps: 0.0,
        notional_per_side: Usd::from_dollars(1_000),
        ..SymbolParams::DEFAULT
    }
}

fn replay(params: SymbolParams) -> hlmm_backtest::Report {
    Replay::new(sample(), &[("BTC".to_owned(), params)], LatencyModel::default(), 1)
        .expect("replay")
        .run()
}

#[test]
fn the_sample_is_three_minutes_of_btc_books_and_trades() {
    let tape = sample();
    assert_eq!(tape.meta.coins.len(), 1);
    assert_eq!(tape.meta.coins[0].name, "BTC");
    let books = tape
        .events
        .iter()
        .filter(|e| matches!(e.1, hlmm_types::events::FeedEvent::Book(_)))
        .count();
    assert_eq!(books, 361, "a book every 500 ms block for 180 s, both ends included");
    let span = tape.events.last().expect("events").0 .0 - tape.events[0].0 .0;
    assert_eq!(span, 180_000_000_000);
}

#[test]
fn replaying_the_sample_twice_gives_the_same_report() {
    let a = replay(at_the_touch()).to_json();
    let b = replay(at_the_touch()).to_json();
    assert_eq!(a, b);
    assert!(a.contains("hlmm simulator, seed 3"), "the report names its data");
}

#[test]
fn a_quoter_at_the_touch_is_filled_by_the_recorded_trades() {
    let r = replay(at_the_touch());
    assert!(r.total.fills > 0, "fills at the touch over three minutes of takers");
    assert!(r.total.maker_share > 0.99, "every fill is a maker fill");
    assert!(r.total.first_quote_s.is_some_and(|s| s < 10.0), "quotes from the first book");
    assert!(r.run.commands > 0);
}

#[test]
fn a_quoter_far_from_the_touch_is_never_filled() {
    let far =
        SymbolParams { min_half_spread_bps: 200.0, max_half_spread_bps: 300.0, ..at_the_touch() };
    let r = replay(far);
    assert!(r.run.commands > 0, "it quotes");
    assert_eq!(r.total.fills, 0, "2 % away: no recorded trade reaches it");
}

#[test]
fn a_coin_that_is_not_on_the_tape_is_refused_by_name() {
    let e =
        Replay::new(sample(), &[("ETH".to_owned(), at_the_touch())], LatencyModel::default(), 1)
            .expect_err("ETH is not recorded");
    assert!(e.to_string().contains("ETH"), "{e}");
}

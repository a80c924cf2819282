use super::*;

#[test]
fn defaults_are_valid() {
    assert_eq!(SymbolParams::default().validate(), Ok(()));
}

#[test]
fn validation_reports_every_error_with_its_field_and_value() {
    struct Case {
        name: &'static str,
        edit: fn(&mut SymbolParams),
        message: &'static str,
    }
    let cases = [
        Case {
            name: "notional below ten dollars",
            edit: |p| p.notional_per_side = Usd::from_dollars(5),
            message: "notional_per_side = 5: below the $10 minimum order value",
        },
        Case {
            name: "zero daily stop",
            edit: |p| p.daily_pnl_stop_loss = Usd::ZERO,
            message:
                "daily_pnl_stop_loss = 0: must be > 0 (a loss limit in usd, written as a positive \
                      number)",
        },
        Case {
            name: "negative long limit",
            edit: |p| p.max_long_usd = Usd::from_dollars(-1),
            message: "max_long_usd = -1: must not be negative",
        },
        Case {
            name: "trailing stop of 100 %",
            edit: |p| p.trailing_stop_loss = 1.0,
            message:
                "trailing_stop_loss = 1: must be in [0, 1), a fraction of position notional (0.02 \
                      = 2 %); 0 disables it",
        },
        Case {
            name: "take profit NaN",
            edit: |p| p.trailing_take_profit = f64::NAN,
            message: "trailing_take_profit = NaN: must be a finite number",
        },
        Case {
            name: "negative k",
            edit: |p| p.vol_k = -1.0,
            message: "vol_k = -1: must be in 0..=100",
        },
        Case {
            name: "non-positive prior",
            edit: |p| p.vol_prior = Some(0.0),
            message: "vol_prior = 0: must be > 0 (no prior is None, not Some(0))",
        },
        Case {
            name: "zero stale age",
            edit: |p| p.stale_book_after = 0,
            message: "stale_book_after: must not be zero",
        },
        Case {
            name: "floor above cap",
            edit: |p| p.min_half_spread_bps = 100.0,
            message: "min_half_spread_bps = 100: must be <= max_half_spread_bps (50)",
        },
        Case {
            name: "negative tolerance",
            edit: |p| p.requote_tolerance_ticks = -2,
            message: "requote_tolerance_ticks = -2: must not be negative",
        },
    ];
    for case in cases {
        let mut p = SymbolParams::default();
        (case.edit)(&mut p);
        let errs = p.validate().expect_err(case.name);
        assert_eq!(errs.len(), 1, "{}: {errs}", case.name);
        assert_eq!(errs.to_string(), case.message, "{}", case.name);
    }
}

#[test]
fn all_errors_are_reported_together() {
    let p = SymbolParams {
        notional_per_side: Usd::from_dollars(1),
        vol_horizon: 0,
        atr_bars: 0,
        ..SymbolParams::default()
    };
    let errs = p.validate().expect_err("three errors");
    assert_eq!(errs.len(), 3, "{errs}");
}

#[test]
fn zero_disables_the_trailing_exits_and_the_forced_refresh() {
    let p = SymbolParams {
        trailing_take_profit: 0.0,
        trailing_stop_loss: 0.0,
        force_quote_refresh_interval: 0,
        ..SymbolParams::default()
    };
    assert_eq!(p.validate(), Ok(()));
}

#[test]
fn durations_are_checked_in_the_rules_milliseconds() {
    // 99.999999 ms: below the 100 ms floor of the file's force_quote_refresh_interval.
    let p = SymbolParams { force_quote_refresh_interval: 99_999_999, ..SymbolParams::default() };
    let errs = p.validate().expect_err("below 100 ms");
    assert_eq!(
        errs.to_string(),
        "force_quote_refresh_interval = 99.999999: must be in 100..=86400000 ms, or 0 to never \
         force a refresh (faster than one batch per block window only spends the action budget)"
    );
    let ok =
        SymbolParams { force_quote_refresh_interval: 100 * 1_000_000, ..SymbolParams::default() };
    assert_eq!(ok.validate(), Ok(()));
}

#[test]
fn a_range_the_core_accepts_is_one_the_rules_state() {
    let p = SymbolParams { trailing_take_profit: 2.0, ..SymbolParams::default() };
    let errs = p.validate().expect_err("200 % of notional is not a fraction");
    let Some(ParamError::Rule(v)) = errs.iter().next().copied() else { panic!("{errs:?}") };
    assert_eq!((v.field, v.value), (Field::TrailingTakeProfit, 2.0));
}

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
            message: "daily_pnl_stop_loss = 0: must be a positive USD amount",
        },
        Case {
            name: "negative long limit",
            edit: |p| p.max_long_usd = Usd::from_dollars(-1),
            message: "max_long_usd = -1: must not be negative",
        },
        Case {
            name: "trailing stop of 100 %",
            edit: |p| p.trailing_stop_loss = 1.0,
            message: "trailing_stop_loss = 1: must be a fraction in [0, 1)",
        },
        Case {
            name: "take profit NaN",
            edit: |p| p.trailing_take_profit = f64::NAN,
            message: "trailing_take_profit = NaN: must be a fraction in [0, 1)",
        },
        Case {
            name: "negative k",
            edit: |p| p.vol_k = -1.0,
            message: "vol_k = -1: must be finite and not negative",
        },
        Case {
            name: "non-positive prior",
            edit: |p| p.vol_prior = Some(0.0),
            message: "vol_prior = 0: must be finite and positive",
        },
        Case {
            name: "zero stale age",
            edit: |p| p.stale_book_after = 0,
            message: "stale_book_after: must not be zero",
        },
        Case {
            name: "floor above cap",
            edit: |p| p.min_half_spread_bps = 100.0,
            message: "min_half_spread_bps = 100: above max_half_spread_bps = 50",
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

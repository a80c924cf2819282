use super::*;

fn violations(value_of: impl Fn(Field) -> f64) -> Vec<Violation> {
    let mut out = Vec::new();
    check(value_of, |v| out.push(v));
    out
}

/// A value inside every rule's range, for the fields a case does not set.
fn inside(field: Field) -> f64 {
    let rule = field.rule();
    match (rule.min, rule.max) {
        (Inclusive(lo), _) => lo,
        (Exclusive(lo), Inclusive(hi) | Exclusive(hi)) => (lo + hi) / 2.0,
        (Exclusive(lo), Unbounded) => lo + 1.0,
        (Unbounded, _) => 0.0,
    }
}

#[test]
fn every_field_has_its_rule_and_its_name() {
    assert_eq!(Field::all().count(), Field::COUNT);
    for field in Field::all() {
        assert_eq!(field.rule().field, field);
        assert_eq!(Field::from_name(field.name()), Some(field), "{field}");
    }
    assert_eq!(Field::from_name("hedge_only_mode"), None, "booleans have no rule");
}

#[test]
fn every_rule_text_names_its_finite_bounds() {
    for rule in &RULES {
        for (bound, text) in [(rule.min, rule.below), (rule.max, rule.above)] {
            let (Inclusive(b) | Exclusive(b)) = bound else { continue };
            let plain = b.to_string();
            let short = format!("{b:e}");
            let not_negative = b == 0.0 && bound == Inclusive(0.0) && text.contains("negative");
            assert!(
                text.contains(&plain) || text.contains(&short) || not_negative,
                "{}: {text:?} does not mention the bound {b}",
                rule.name
            );
        }
        if rule.zero_disables {
            assert!(rule.below.contains(" 0 "), "{}: say what 0 means", rule.name);
        }
    }
}

#[test]
fn a_value_inside_every_range_passes() {
    assert_eq!(violations(inside), []);
}

#[test]
fn bounds_are_inclusive_or_exclusive_as_written() {
    let cases = [
        (Field::TrailingTakeProfit, 0.0, true),
        (Field::TrailingTakeProfit, 0.999, true),
        (Field::TrailingTakeProfit, 1.0, false),
        (Field::TrailingTakeProfit, -0.01, false),
        (Field::MinHalfSpreadBps, 0.0, false),
        (Field::MinHalfSpreadBps, 1_000.0, true),
        (Field::MinHalfSpreadBps, 1_000.001, false),
        (Field::ForceQuoteRefreshInterval, 0.0, true),
        (Field::ForceQuoteRefreshInterval, 99.0, false),
        (Field::ForceQuoteRefreshInterval, 100.0, true),
        (Field::VolPrior, 0.0, true),
        (Field::VolPrior, -1e-4, false),
        (Field::VolWarmupSamples, f64::from(u32::MAX), true),
        (Field::DailyPnlStopLoss, 0.000_001, true),
        // Below half a micro-dollar: 0 in the core, so refused here too.
        (Field::DailyPnlStopLoss, 0.000_000_4, false),
        (Field::NotionalPerSide, 9.999_999_7, true),
        (Field::NotionalPerSide, 9.999_99, false),
    ];
    for (field, value, ok) in cases {
        assert_eq!(field.rule().check(value).is_ok(), ok, "{field} = {value}");
    }
}

#[test]
fn non_finite_values_are_refused_by_every_rule() {
    for rule in &RULES {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(rule.check(v), Err(Broken::NotFinite), "{} = {v}", rule.name);
        }
    }
}

#[test]
fn violations_display_field_value_and_rule() {
    let shown: Vec<String> = violations(|f| match f {
        Field::TrailingTakeProfit => 2.0,
        Field::NotionalPerSide => 5.0,
        Field::VolK => f64::NAN,
        f => inside(f),
    })
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        shown,
        [
            "notional_per_side = 5: below the $10 minimum order value",
            "trailing_take_profit = 2: must be in [0, 1), a fraction of position notional \
             (0.05 = 5 %); 0 disables it",
            "vol_k = NaN: must be a finite number",
        ]
    );
}

#[test]
fn a_cross_field_rule_is_checked_only_when_both_fields_are_valid() {
    let floor_above_cap = |min: f64, max: f64| {
        violations(|f| match f {
            Field::MinHalfSpreadBps => min,
            Field::MaxHalfSpreadBps => max,
            f => inside(f),
        })
    };
    let v = floor_above_cap(100.0, 50.0);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].to_string(), "min_half_spread_bps = 100: must be <= max_half_spread_bps (50)");
    assert_eq!(v[0].other_field(), Some(Field::MaxHalfSpreadBps));
    assert_eq!(floor_above_cap(50.0, 50.0), []);
    let bad_cap = floor_above_cap(100.0, -1.0);
    assert_eq!(bad_cap.len(), 1, "only the cap's own rule: {bad_cap:?}");
    assert_eq!(bad_cap[0].field, Field::MaxHalfSpreadBps);
}

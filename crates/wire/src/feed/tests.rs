use super::fields::parse_nearest;
use super::*;
use hlmm_types::events::VenueErrorKind;
use hlmm_types::DecimalError;

#[test]
fn reference_prices_round_half_up_to_the_scale() {
    let cases: [(&str, &str, u8, Result<i64, DecimalError>); 7] = [
        ("exact stays exact", "97012.5", 1, Ok(970_125)),
        ("one extra digit below five rounds down", "1.23454", 4, Ok(12_345)),
        ("one extra digit of five rounds up", "1.23455", 4, Ok(12_346)),
        ("several extra digits", "14.3216999", 4, Ok(143_217)),
        ("negative rounds away from zero", "-0.05", 1, Ok(-1)),
        ("no dot is an integer", "97012", 1, Ok(970_120)),
        ("garbage after the scale is still an error", "1.2345x", 2, Err(DecimalError::InvalidChar)),
    ];
    for (name, text, scale, want) in cases {
        assert_eq!(parse_nearest(text.as_bytes(), scale), want, "{name}");
    }
}

#[test]
fn venue_errors_are_classified_by_prefix() {
    let cases: [(&str, VenueErrorKind); 6] = [
        (
            r#"Already subscribed: {"type":"l2Book","coin":"BTC"}"#,
            VenueErrorKind::AlreadySubscribed,
        ),
        ("Cannot track more than 10 total users.", VenueErrorKind::TooManyUsers),
        ("Cannot subscribe to more than 1000 channels.", VenueErrorKind::TooManyChannels),
        ("Cannot send more than 2000 messages per minute.", VenueErrorKind::TooManyMessages),
        ("too many pending post requests id=42", VenueErrorKind::TooManyPendingPosts),
        ("Something new", VenueErrorKind::Other),
    ];
    for (text, kind) in cases {
        assert_eq!(venue_error_kind(text.as_bytes()), kind, "{text}");
    }
}

#[test]
fn instrument_table_keeps_the_first_spec_of_a_coin() {
    use hlmm_types::{AssetId, Coin};
    let coin = |n: &str| Coin::new(n.as_bytes()).expect("coin");
    let t = InstrumentTable::new(&[
        InstrumentSpec::perp(AssetId(5), coin("SOL"), 2),
        InstrumentSpec::perp(AssetId(0), coin("BTC"), 5),
        InstrumentSpec::perp(AssetId(99), coin("SOL"), 1),
    ]);
    assert_eq!(t.len(), 2);
    assert_eq!(t.get(b"SOL").map(|s| s.asset), Some(AssetId(5)));
    assert_eq!(t.get(b"BTC").map(|s| s.asset), Some(AssetId(0)));
    assert_eq!(t.get(b"ETH"), None);
}

use super::market::push_num;
use super::*;
use hlmm_types::{AssetId, Coin, DecimalStr, InstrumentSpec, Px, Rate};

#[test]
fn whole_numbers_carry_a_point_zero_like_the_venue() {
    let btc = InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5);
    let cases = [(970_000, "\"97000.0\""), (970_005, "\"97000.5\"")];
    for (ticks, want) in cases {
        assert_eq!(serde_json::to_string(&px(&btc, Px(ticks))).expect("json"), want);
    }
    assert_eq!(serde_json::to_string(&rate(Rate(12_500_000))).expect("json"), "\"0.0000125\"");
}

#[test]
fn the_direct_number_writer_matches_num() {
    let values = [0i64, 1, 5, 10, 97_000, 970_005, 123_456_789, -42, -1_000, i64::MAX, i64::MIN];
    for scale in 0..=6u8 {
        for v in values {
            let mut out = Vec::new();
            push_num(&mut out, v, scale);
            let want = serde_json::to_string(&Num(DecimalStr::new(v, scale))).expect("json");
            assert_eq!(format!("\"{}\"", String::from_utf8(out).expect("ascii")), want);
        }
    }
}

#[test]
fn the_direct_l2book_writer_matches_serde_byte_for_byte() {
    use crate::market::{default_coins, Market};
    let mut m = Market::new(3, default_coins(), Vec::new()).expect("market");
    let mut out = Vec::new();
    for b in 0..20u64 {
        let t = 1_760_000_000_000 + b * 500;
        m.step(hlmm_types::Nanos(t * 1_000_000));
        for c in m.coins() {
            out.clear();
            write_l2book_frame(&mut out, &c, t);
            let want = serde_json::to_string(&Envelope {
                channel: "l2Book",
                data: BookJson { coin: &c, time: t },
            })
            .expect("json");
            assert_eq!(std::str::from_utf8(&out).expect("ascii"), want);
        }
    }
}

#[test]
fn order_status_answers_have_the_venue_tags() {
    let unknown = serde_json::to_value(OrderStatusReply::UnknownOid).expect("json");
    assert_eq!(unknown, serde_json::json!({"status": "unknownOid"}));
}

#[test]
fn user_events_carry_exactly_one_key() {
    let v = serde_json::to_value(UserEvent::NonUserCancel(vec![])).expect("json");
    assert_eq!(v, serde_json::json!({"nonUserCancel": []}));
}

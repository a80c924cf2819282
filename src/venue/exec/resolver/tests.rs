use super::*;
use crate::types::{AssetId, Coin, Px};

#[test]
fn order_status_answers_become_updates_or_unknown() {
    let spec = InstrumentSpec::perp(AssetId(3), Coin::new(b"ETH").expect("coin"), 4);
    let cloid = Cloid(0xabc);
    let known = serde_json::json!({"status":"order","order":{"order":{
            "coin":"ETH","side":"B","limitPx":"2000.5","sz":"0.1","oid":42,"timestamp":1,
            "origSz":"0.2","cloid":"0x00000000000000000000000000000abc"},
            "status":"open","statusTimestamp":2}});
    let Some(StatusAnswer::Known(u)) = parse_order_status(&known, &spec, cloid) else {
        panic!("known order");
    };
    assert_eq!(
        (u.asset, u.oid, u.status, u.side),
        (AssetId(3), Oid(42), OrderStatus::Open, Side::Bid)
    );
    assert_eq!((u.sz, u.orig_sz, u.limit_px), (Sz(1_000), Sz(2_000), Px(200_050)));
    assert_eq!(u.cloid, Some(cloid));
    let unknown = serde_json::json!({"status":"unknownOid"});
    assert_eq!(parse_order_status(&unknown, &spec, cloid), Some(StatusAnswer::Unknown));
    assert_eq!(parse_order_status(&serde_json::json!({}), &spec, cloid), None);
}

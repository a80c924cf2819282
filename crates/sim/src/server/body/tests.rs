use super::*;
use hlmm_types::Coin;

fn eth(a: AssetId) -> Option<InstrumentSpec> {
    (a == AssetId(1)).then(|| InstrumentSpec::perp(a, Coin::new(b"ETH").expect("coin"), 4))
}

#[test]
fn sorted_and_canonical_key_orders_parse_alike() {
    let sorted = r#"{"grouping":"na","orders":[{"a":1,"b":true,"c":"0x000000000000000000000000000000ff","p":"1890.1","r":false,"s":"0.0123","t":{"limit":{"tif":"Alo"}}}],"type":"order"}"#;
    let canonical = r#"{"type":"order","orders":[{"a":1,"b":true,"p":"1890.1","s":"0.0123","r":false,"t":{"limit":{"tif":"Alo"}},"c":"0x000000000000000000000000000000ff"}],"grouping":"na"}"#;
    for text in [sorted, canonical] {
        let v: Value = serde_json::from_str(text).expect("json");
        let WireAction::Order { orders, .. } = WireAction::parse(&v).expect("parses") else {
            panic!("not an order: {text}");
        };
        let o = order_request(&orders[0], eth).expect("valid order");
        assert_eq!((o.tif, o.cloid, o.is_buy), (Tif::Alo, Some(Cloid(0xff)), true));
    }
}

#[test]
fn malformed_actions_are_422_and_known_unsupported_ones_are_refused() {
    let cases = [
        (r#"{"type":"order","orders":[]}"#, BodyError::Malformed),
        (r#"{"type":"nope"}"#, BodyError::Malformed),
        (
            r#"{"type":"cancelByCloid","cancels":[{"asset":1,"cloid":"0x12"}]}"#,
            BodyError::Malformed,
        ),
        (
            r#"{"type":"order","orders":[{"a":1,"b":true,"p":"1","s":"1","r":false,"t":{"limit":{"tif":"Day"}}}],"grouping":"na"}"#,
            BodyError::Malformed,
        ),
        (
            r#"{"type":"usdSend","destination":"0x0"}"#,
            BodyError::Refused("simulator: action usdSend is not supported".into()),
        ),
    ];
    for (text, want) in cases {
        let v: Value = serde_json::from_str(text).expect("json");
        assert_eq!(WireAction::parse(&v).err(), Some(want), "{text}");
    }
}

#[test]
fn per_order_problems_are_statuses_not_parse_errors() {
    let order = |a: u32, p: &str| WireOrder {
        a,
        b: true,
        p: p.into(),
        s: "0.01".into(),
        r: false,
        t: WireOrderType::Limit { tif: WireTif::Gtc },
        c: None,
    };
    assert_eq!(order_request(&order(9, "1"), eth).err().as_deref(), Some("Invalid asset."));
    assert_eq!(
        order_request(&order(1, "1890.123"), eth).err().as_deref(),
        Some("Price must be divisible by tick size.")
    );
}

#[test]
fn bodies_need_every_field_and_take_null_optionals() {
    let ok = r#"{"action":{"type":"noop"},"nonce":5,"signature":{"r":"0x1","s":"0x2","v":27},"vaultAddress":null,"expiresAfter":null}"#;
    let body: ExchangeBody = serde_json::from_str(ok).expect("valid body");
    let (r, _) = body.signature.rs_bytes().expect("hex");
    assert_eq!(r[31], 1);
    assert!(
        serde_json::from_str::<ExchangeBody>(r#"{"action":{"type":"noop"},"nonce":5}"#).is_err()
    );
}

use super::sink::{Msgpack, Sink};
use super::*;
use hlmm_types::{Address, AssetId, Cloid, Coin, InstrumentSpec, Oid, Px, Side, Sz};

fn msgpack(f: impl FnOnce(&mut Msgpack<'_>)) -> Vec<u8> {
    let mut out = Vec::new();
    f(&mut Msgpack(&mut out));
    out
}

fn json(a: ActionRef<'_>) -> String {
    let mut out = Vec::new();
    a.write_json(&mut out);
    String::from_utf8(out).expect("utf8")
}

fn order(cloid: Option<Cloid>) -> OrderWire {
    OrderWire {
        asset: AssetId(1),
        is_buy: true,
        px: WireNum::new("1890.1").expect("px"),
        sz: WireNum::new("0.0123").expect("sz"),
        reduce_only: false,
        order_type: OrderType::Limit(Limit { tif: Tif::Alo }),
        cloid,
    }
}

#[test]
fn integers_take_their_smallest_msgpack_form() {
    let cases: [(u64, &[u8]); 10] = [
        (0, &[0x00]),
        (127, &[0x7f]),
        (128, &[0xcc, 0x80]),
        (255, &[0xcc, 0xff]),
        (256, &[0xcd, 0x01, 0x00]),
        (65_535, &[0xcd, 0xff, 0xff]),
        (65_536, &[0xce, 0x00, 0x01, 0x00, 0x00]),
        (u64::from(u32::MAX), &[0xce, 0xff, 0xff, 0xff, 0xff]),
        (1 << 32, &[0xcf, 0, 0, 0, 1, 0, 0, 0, 0]),
        (u64::MAX, &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ];
    for (v, want) in cases {
        assert_eq!(msgpack(|w| w.uint(v)), want, "{v}");
    }
}

#[test]
fn string_and_container_lengths_pick_the_msgpack_form_by_size() {
    let s31 = [b'x'; 31];
    let s32 = [b'x'; 32];
    let s256 = [b'x'; 256];
    assert_eq!(msgpack(|w| w.str(&s31))[0], 0xbf);
    assert_eq!(msgpack(|w| w.str(&s32))[..2], [0xd9, 32]);
    assert_eq!(msgpack(|w| w.str(&s256))[..3], [0xda, 0x01, 0x00]);
    assert_eq!(msgpack(|w| w.array(15)), [0x9f]);
    assert_eq!(msgpack(|w| w.array(16)), [0xdc, 0x00, 0x10]);
    assert_eq!(msgpack(|w| w.array(70_000)), [0xdd, 0x00, 0x01, 0x11, 0x70]);
    assert_eq!(msgpack(|w| w.map(15)), [0x8f]);
    assert_eq!(msgpack(|w| w.map(16)), [0xde, 0x00, 0x10]);
}

#[test]
fn noop_encodes_as_a_one_entry_map() {
    let mut out = Vec::new();
    ActionRef::Noop.write_msgpack(&mut out);
    assert_eq!(out, b"\x81\xa4type\xa4noop");
    assert_eq!(json(ActionRef::Noop), r#"{"type":"noop"}"#);
}

#[test]
fn actions_write_json_in_the_venues_key_order() {
    let orders = [order(Some(Cloid(0x1e60_610f_0b3d_4205_97c8_8c1f_ed2a_d5ee)))];
    let cancels = [CancelWire { asset: AssetId(1), oid: Oid(82_382) }];
    let by_cloid = [CancelByCloidWire { asset: AssetId(2), cloid: Cloid(1) }];
    let modify =
        ModifyAction { oid: OrderRef::Cloid(Cloid(2)), order: order(None), always_place: true };
    let modifies = [ModifyWire { oid: OrderRef::Oid(Oid(7)), order: order(None) }];
    let builder = Builder { address: Address([0xab; 20]), fee_tenth_bps: 10 };
    let o = r#"{"a":1,"b":true,"p":"1890.1","s":"0.0123","r":false,"t":{"limit":{"tif":"Alo"}}}"#;
    let cases: [(&str, ActionRef<'_>, String); 12] = [
            (
                "order with cloid",
                ActionRef::Order { orders: &orders, grouping: Grouping::Na, builder: None },
                r#"{"type":"order","orders":[{"a":1,"b":true,"p":"1890.1","s":"0.0123","r":false,"t":{"limit":{"tif":"Alo"}},"c":"0x1e60610f0b3d420597c88c1fed2ad5ee"}],"grouping":"na"}"#.to_owned(),
            ),
            (
                "order with builder",
                ActionRef::Order { orders: &orders[..0], grouping: Grouping::NormalTpsl, builder: Some(builder) },
                format!(r#"{{"type":"order","orders":[],"grouping":"normalTpsl","builder":{{"b":"0x{}","f":10}}}}"#, "ab".repeat(20)),
            ),
            (
                "cancel without f",
                ActionRef::Cancel { cancels: &cancels, fast: false },
                r#"{"type":"cancel","cancels":[{"a":1,"o":82382}]}"#.to_owned(),
            ),
            (
                "cancel with f",
                ActionRef::Cancel { cancels: &cancels, fast: true },
                r#"{"type":"cancel","cancels":[{"a":1,"o":82382}],"f":true}"#.to_owned(),
            ),
            (
                "cancel by cloid",
                ActionRef::CancelByCloid { cancels: &by_cloid, fast: false },
                r#"{"type":"cancelByCloid","cancels":[{"asset":2,"cloid":"0x00000000000000000000000000000001"}]}"#.to_owned(),
            ),
            (
                "cancel by cloid with f",
                ActionRef::CancelByCloid { cancels: &by_cloid, fast: true },
                r#"{"type":"cancelByCloid","cancels":[{"asset":2,"cloid":"0x00000000000000000000000000000001"}],"f":true}"#.to_owned(),
            ),
            (
                "modify by cloid with a",
                ActionRef::Modify(&modify),
                format!(r#"{{"type":"modify","oid":"0x00000000000000000000000000000002","order":{o},"a":true}}"#),
            ),
            (
                "batch modify without a",
                ActionRef::BatchModify { modifies: &modifies, always_place: false },
                format!(r#"{{"type":"batchModify","modifies":[{{"oid":7,"order":{o}}}]}}"#),
            ),
            (
                "batch modify with a",
                ActionRef::BatchModify { modifies: &modifies, always_place: true },
                format!(r#"{{"type":"batchModify","modifies":[{{"oid":7,"order":{o}}}],"a":true}}"#),
            ),
            (
                "schedule cancel with time",
                ActionRef::ScheduleCancel { time: Some(1_700_000_000_000) },
                r#"{"type":"scheduleCancel","time":1700000000000}"#.to_owned(),
            ),
            (
                "schedule cancel clearing",
                ActionRef::ScheduleCancel { time: None },
                r#"{"type":"scheduleCancel"}"#.to_owned(),
            ),
            (
                "update leverage",
                ActionRef::UpdateLeverage(UpdateLeverageAction { asset: AssetId(3), is_cross: true, leverage: 5 }),
                r#"{"type":"updateLeverage","asset":3,"isCross":true,"leverage":5}"#.to_owned(),
            ),
        ];
    for (name, action, want) in cases {
        let got = json(action);
        assert_eq!(got, want, "{name}");
        let parsed: Action = serde_json::from_str(&got).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(parsed.as_ref(), action, "{name}: JSON round trip");
    }
}

#[test]
fn msgpack_and_json_come_from_the_same_traversal() {
    // Same keys, same order: decoding the msgpack by hand would be a second encoder, so
    // instead check that every JSON key appears in the msgpack in the same sequence.
    let orders = [order(Some(Cloid(3)))];
    let a = ActionRef::Order { orders: &orders, grouping: Grouping::Na, builder: None };
    let mut mp = Vec::new();
    a.write_msgpack(&mut mp);
    let mut at = 0;
    for key in [
        "type", "order", "orders", "a", "b", "p", "1890.1", "s", "0.0123", "r", "t", "limit",
        "tif", "Alo", "c", "grouping", "na",
    ] {
        let pos = mp[at..].windows(key.len()).position(|w| w == key.as_bytes());
        let pos = pos.unwrap_or_else(|| panic!("{key} missing or out of order"));
        at += pos + key.len();
    }
}

#[test]
fn parsing_accepts_any_key_order() {
    let sorted = r#"{"grouping":"na","orders":[{"a":1,"b":true,"c":"0x1E60610F0B3D420597C88C1FED2AD5EE","p":"1890.1","r":false,"s":"0.0123","t":{"limit":{"tif":"Alo"}}}],"type":"order"}"#;
    let parsed: Action = serde_json::from_str(sorted).expect("sorted keys");
    let want = order(Some(Cloid(0x1e60_610f_0b3d_4205_97c8_8c1f_ed2a_d5ee)));
    assert_eq!(
        parsed,
        Action::Order(OrderAction { orders: vec![want], grouping: Grouping::Na, builder: None })
    );
    let cancel: Action =
        serde_json::from_str(r#"{"f":true,"cancels":[{"o":5,"a":0}],"type":"cancel"}"#)
            .expect("cancel");
    assert_eq!(
        cancel,
        Action::Cancel(CancelAction {
            cancels: vec![CancelWire { asset: AssetId(0), oid: Oid(5) }],
            fast: true
        })
    );
}

#[test]
fn parsing_rejects_what_would_change_the_hash_if_dropped() {
    let cases = [
        ("unknown action field", r#"{"type":"cancel","cancels":[],"x":1}"#),
        (
            "unknown order field",
            r#"{"type":"order","orders":[{"a":1,"b":true,"p":"1","s":"1","r":false,"t":{"limit":{"tif":"Alo"}},"z":0}],"grouping":"na"}"#,
        ),
        (
            "unknown tif",
            r#"{"type":"order","orders":[{"a":1,"b":true,"p":"1","s":"1","r":false,"t":{"limit":{"tif":"Fok"}}}],"grouping":"na"}"#,
        ),
        ("unknown grouping", r#"{"type":"order","orders":[],"grouping":{"p":1}}"#),
        ("unknown type", r#"{"type":"usdSend"}"#),
        (
            "price as a number",
            r#"{"type":"order","orders":[{"a":1,"b":true,"p":1890.1,"s":"1","r":false,"t":{"limit":{"tif":"Alo"}}}],"grouping":"na"}"#,
        ),
        ("short cloid", r#"{"type":"cancelByCloid","cancels":[{"asset":1,"cloid":"0x01"}]}"#),
        (
            "negative oid",
            r#"{"type":"modify","oid":-1,"order":{"a":1,"b":true,"p":"1","s":"1","r":false,"t":{"limit":{"tif":"Alo"}}}}"#,
        ),
        (
            "overlong price text",
            r#"{"type":"order","orders":[{"a":1,"b":true,"p":"1.00000000000000000000000000000000000000001","s":"1","r":false,"t":{"limit":{"tif":"Alo"}}}],"grouping":"na"}"#,
        ),
    ];
    for (name, text) in cases {
        assert!(serde_json::from_str::<Action>(text).is_err(), "{name} was accepted");
    }
}

#[test]
fn modify_oid_is_an_integer_or_a_cloid() {
    let o = r#"{"a":1,"b":true,"p":"1","s":"1","r":false,"t":{"limit":{"tif":"Gtc"}}}"#;
    let by_oid: Action =
        serde_json::from_str(&format!(r#"{{"type":"modify","oid":42,"order":{o}}}"#)).expect("oid");
    let by_cloid: Action = serde_json::from_str(&format!(
        r#"{{"type":"modify","oid":"0x0000000000000000000000000000002a","order":{o},"a":true}}"#
    ))
    .expect("cloid");
    assert!(matches!(
        by_oid,
        Action::Modify(ModifyAction { oid: OrderRef::Oid(Oid(42)), always_place: false, .. })
    ));
    assert!(matches!(
        by_cloid,
        Action::Modify(ModifyAction { oid: OrderRef::Cloid(Cloid(42)), always_place: true, .. })
    ));
}

#[test]
fn orders_built_from_integer_px_and_sz_carry_the_venue_text() {
    let eth = InstrumentSpec::perp(AssetId(4), Coin::new(b"ETH").expect("coin"), 4);
    let o = OrderWire::limit(&eth, Side::Ask, Px(189_230), Sz(123), Tif::Alo, true, None);
    assert_eq!(
        (o.asset, o.is_buy, o.px.as_str(), o.sz.as_str()),
        (AssetId(4), false, "1892.3", "0.0123")
    );
    let t = OrderWire::trigger(
        &eth,
        Side::Bid,
        Px(200_000),
        Sz(10_000),
        Px(190_000),
        true,
        Tpsl::Sl,
        true,
        None,
    );
    assert_eq!(t.px.as_str(), "2000");
    assert_eq!(t.sz.as_str(), "1");
    assert!(
        matches!(t.order_type, OrderType::Trigger(Trigger { trigger_px, .. }) if trigger_px.as_str() == "1900")
    );
}

#[test]
fn wire_numbers_are_kept_verbatim_up_to_the_cap() {
    assert_eq!(WireNum::new("2000.0").expect("kept").as_str(), "2000.0");
    assert!(WireNum::new(&"9".repeat(WIRE_NUM_CAP)).is_ok());
    assert_eq!(
        WireNum::new(&"9".repeat(WIRE_NUM_CAP + 1)),
        Err(ActionError::NumTooLong { len: WIRE_NUM_CAP + 1 })
    );
}

#[test]
fn json_escapes_quotes_and_control_characters_in_verbatim_text() {
    let mut o = order(None);
    o.px = WireNum::new("1\"2\\3\n").expect("odd text");
    let orders = [o];
    let text = json(ActionRef::Order { orders: &orders, grouping: Grouping::Na, builder: None });
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid json");
    assert_eq!(v["orders"][0]["p"], "1\"2\\3\n");
}

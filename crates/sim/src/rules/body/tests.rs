use super::*;
use hlmm_types::commands::Tif;
use hlmm_types::Cloid;
use hlmm_wire::action::OrderType;

fn body(action: &str) -> String {
    format!(
        r#"{{"action":{action},"nonce":5,"signature":{{"r":"0x1","s":"0x2","v":27}},"vaultAddress":null}}"#
    )
}

#[test]
fn sorted_and_canonical_key_orders_parse_alike() {
    let sorted = r#"{"grouping":"na","orders":[{"a":1,"b":true,"c":"0x000000000000000000000000000000ff","p":"1890.1","r":false,"s":"0.0123","t":{"limit":{"tif":"Alo"}}}],"type":"order"}"#;
    let canonical = r#"{"type":"order","orders":[{"a":1,"b":true,"p":"1890.1","s":"0.0123","r":false,"t":{"limit":{"tif":"Alo"}},"c":"0x000000000000000000000000000000ff"}],"grouping":"na"}"#;
    let parsed: Vec<_> = [sorted, canonical]
        .iter()
        .map(|a| ReceivedBody::parse(body(a).as_bytes()).expect("parses"))
        .collect();
    assert_eq!(parsed[0], parsed[1]);
    let ReceivedBody::L1(ExchangeRequest { action: Action::Order(o), .. }) = &parsed[0] else {
        panic!("not an order: {:?}", parsed[0]);
    };
    let w = &o.orders[0];
    assert_eq!((w.px.as_str(), w.cloid, w.is_buy), ("1890.1", Some(Cloid(0xff)), true));
    assert!(matches!(w.order_type, OrderType::Limit(l) if l.tif == Tif::Alo));
}

#[test]
fn malformed_actions_are_422_and_known_unsupported_ones_are_refused() {
    let cases = [
        (r#"{"type":"order","orders":[]}"#, RequestError::Malformed),
        (r#"{"type":"nope"}"#, RequestError::Malformed),
        (
            r#"{"type":"cancelByCloid","cancels":[{"asset":1,"cloid":"0x12"}]}"#,
            RequestError::Malformed,
        ),
        (
            r#"{"type":"order","orders":[{"a":1,"b":true,"p":"1","s":"1","r":false,"t":{"limit":{"tif":"Day"}}}],"grouping":"na"}"#,
            RequestError::Malformed,
        ),
        (
            r#"{"type":"usdSend","destination":"0x0"}"#,
            RequestError::Refused("simulator: action usdSend is not supported".into()),
        ),
    ];
    for (action, want) in cases {
        assert_eq!(ReceivedBody::parse(body(action).as_bytes()).err(), Some(want), "{action}");
    }
}

#[test]
fn bodies_need_every_field_and_take_null_optionals() {
    let ok = r#"{"action":{"type":"noop"},"nonce":5,"signature":{"r":"0x1","s":"0x2","v":27},"vaultAddress":null,"expiresAfter":null}"#;
    let ReceivedBody::L1(r) = ReceivedBody::parse(ok.as_bytes()).expect("valid body") else {
        panic!("not L1");
    };
    assert_eq!((r.signature.r[31], r.signature.s[31], r.nonce), (1, 2, 5));
    let missing = r#"{"action":{"type":"usdSend"},"nonce":5}"#;
    assert_eq!(ReceivedBody::parse(missing.as_bytes()), Err(RequestError::Malformed));
}

#[test]
fn approve_agent_is_a_user_signed_body() {
    let action = r#"{"type":"approveAgent","hyperliquidChain":"Testnet","signatureChainId":"0x66eee","agentAddress":"0x00000000000000000000000000000000000000a7","agentName":null,"nonce":5}"#;
    let parsed = ReceivedBody::parse(body(action).as_bytes()).expect("parses");
    let ReceivedBody::UserSigned(u) = &parsed else { panic!("not user-signed: {parsed:?}") };
    let UserSignedAction::ApproveAgent(a) = &u.action;
    assert_eq!((a.agent_address, a.agent_name.as_deref()), (Address::from_low_u64(0xa7), None));
    assert_eq!((parsed.weight(), parsed.batch_len()), ((1, false), 1));
}

#[test]
fn weights_count_the_batch_and_mark_cancels() {
    let cancels = r#"{"type":"cancel","cancels":[{"a":1,"o":2},{"a":1,"o":3}]}"#;
    let parsed = ReceivedBody::parse(body(cancels).as_bytes()).expect("parses");
    assert_eq!((parsed.weight(), parsed.batch_len()), ((2, true), 2));
    let noop = ReceivedBody::parse(body(r#"{"type":"noop"}"#).as_bytes()).expect("parses");
    assert_eq!(noop.weight(), (1, false));
}

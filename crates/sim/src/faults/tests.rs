use super::*;

const NOW: u64 = 1_760_000_000_000;

fn state(u: FaultUpdate) -> FaultState {
    let mut f = FaultState::default();
    assert_eq!(f.apply(u, NOW), None);
    f
}

#[test]
fn http_faults_are_spent_one_per_request() {
    let mut f =
        state(FaultUpdate { http_429_next: Some(2), http_5xx_next: Some(1), ..Default::default() });
    let got: Vec<_> = (0..4).map(|_| f.take_http_fault(NOW)).collect();
    assert_eq!(
        got,
        [
            Some(HttpFault::TooManyRequests),
            Some(HttpFault::TooManyRequests),
            Some(HttpFault::ServerError(502)),
            None
        ]
    );
}

#[test]
fn stall_rules_match_by_channel_and_coin() {
    let rule = StallRule { channel: Some("l2Book".into()), coin: Some("BTC".into()) };
    let mut f = state(FaultUpdate { stall: Some(vec![rule]), ..Default::default() });
    assert!(f.is_stalled("l2Book", Some("BTC")));
    assert!(!f.is_stalled("l2Book", Some("ETH")));
    assert!(!f.is_stalled("trades", Some("BTC")));
    f.apply(FaultUpdate { stall: Some(vec![StallRule::default()]), ..Default::default() }, NOW);
    assert!(f.is_stalled("allMids", None));
    f.apply(FaultUpdate { reset: true, ..Default::default() }, NOW);
    assert!(!f.is_stalled("allMids", None));
}

#[test]
fn action_faults_spend_their_counters() {
    let mut f = state(FaultUpdate {
        reject_next_orders: Some(1),
        drop_action_responses_next: Some(1),
        reject_error: Some("Order price too far from oracle".into()),
        ..Default::default()
    });
    assert!(f.take_action_faults().drop_response);
    let mut gate = f.order_gate(NOW);
    assert_eq!(gate.check(Tif::Gtc, false), Err("Order price too far from oracle".into()));
    assert_eq!(gate.check(Tif::Gtc, false), Ok(()));
    assert_eq!(f.take_action_faults(), ActionFaults::default());
    assert_eq!(f.order_gate(NOW).check(Tif::Ioc, false), Ok(()));
}

#[test]
fn the_post_only_knob_refuses_every_order_but_alo_and_forced_alo_replacements() {
    let mut f = state(FaultUpdate { post_only: Some(true), ..Default::default() });
    let mut gate = f.order_gate(NOW);
    assert_eq!(gate.check(Tif::Gtc, false), Err(POST_ONLY_WINDOW.into()));
    assert_eq!(gate.check(Tif::Alo, false), Ok(()));
    assert_eq!(gate.check(Tif::Gtc, true), Ok(()));
    assert_eq!(OrderGate::open().check(Tif::Ioc, false), Ok(()));
}

#[test]
fn unknown_knobs_are_refused() {
    assert!(serde_json::from_str::<FaultUpdate>(r#"{"stal": []}"#).is_err());
    let ok: FaultUpdate =
        serde_json::from_str(r#"{"drop_connections": "all", "stall": [{"coin": "BTC"}]}"#)
            .expect("valid update");
    assert_eq!(ok.drop_connections, Some(DropTarget::All));
    assert_eq!(FaultState::default().apply(ok, NOW), Some(DropTarget::All));
}

#[test]
fn maintenance_refuses_then_opens_a_post_only_window_in_the_callers_time() {
    let mut f = FaultState::default();
    let m = Maintenance { outage_ms: 1_000, post_only_ms: 5_000 };
    let drops = f.apply(FaultUpdate { maintenance: Some(m), ..Default::default() }, NOW);
    assert_eq!(drops, Some(DropTarget::All));
    assert_eq!(f.take_http_fault(NOW + 999), Some(HttpFault::Maintenance));
    assert!(f.refusing(NOW + 999));
    assert_eq!(f.take_http_fault(NOW + 1_500), None);
    assert!(f.post_only(NOW + 1_500));
    assert!(f.post_only(NOW + 5_999));
    assert!(!f.post_only(NOW + 6_000));
    assert!(!f.refusing(NOW + 6_000));
}

use super::*;

#[test]
fn http_faults_are_spent_one_per_request() {
    let f = Faults::default();
    f.apply(FaultUpdate { http_429_next: Some(2), http_5xx_next: Some(1), ..Default::default() });
    let got: Vec<_> = (0..4).map(|_| f.take_http_fault()).collect();
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
    let f = Faults::default();
    let rule = StallRule { channel: Some("l2Book".into()), coin: Some("BTC".into()) };
    f.apply(FaultUpdate { stall: Some(vec![rule]), ..Default::default() });
    assert!(f.is_stalled("l2Book", Some("BTC")));
    assert!(!f.is_stalled("l2Book", Some("ETH")));
    assert!(!f.is_stalled("trades", Some("BTC")));
    f.apply(FaultUpdate { stall: Some(vec![StallRule::default()]), ..Default::default() });
    assert!(f.is_stalled("allMids", None));
    f.apply(FaultUpdate { reset: true, ..Default::default() });
    assert!(!f.is_stalled("allMids", None));
}

#[test]
fn action_faults_spend_their_counters() {
    let f = Faults::default();
    f.apply(FaultUpdate {
        reject_next_orders: Some(1),
        drop_action_responses_next: Some(1),
        reject_error: Some("Order price too far from oracle".into()),
        ..Default::default()
    });
    let first = f.take_action_faults();
    assert!(first.drop_response);
    assert_eq!(f.take_order_rejects(3), (1, "Order price too far from oracle".into()));
    assert_eq!(f.take_action_faults(), ActionFaults::default());
    assert_eq!(f.take_order_rejects(3).0, 0);
}

#[test]
fn unknown_knobs_are_refused() {
    assert!(serde_json::from_str::<FaultUpdate>(r#"{"stal": []}"#).is_err());
    let ok: FaultUpdate =
        serde_json::from_str(r#"{"drop_connections": "all", "stall": [{"coin": "BTC"}]}"#)
            .expect("valid update");
    assert_eq!(ok.drop_connections, Some(DropTarget::All));
}

#[tokio::test(start_paused = true)]
async fn maintenance_refuses_then_opens_a_post_only_window() {
    let f = Faults::default();
    let mut drops = f.drop_commands();
    f.start_maintenance(Maintenance { outage_ms: 1_000, post_only_ms: 5_000 });
    assert_eq!(drops.try_recv().ok(), Some(DropTarget::All));
    assert_eq!(f.take_http_fault(), Some(HttpFault::Maintenance));
    tokio::time::advance(Duration::from_millis(1_500)).await;
    assert_eq!(f.take_http_fault(), None);
    assert!(f.post_only());
    tokio::time::advance(Duration::from_millis(5_000)).await;
    assert!(!f.post_only());
}

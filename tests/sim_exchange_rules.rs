//! `/exchange` rules on the exchange-backed simulator: strict parsing, signer → account,
//! nonces, `expiresAfter`, the action-level fault knobs and the rate limits, with the venue's
//! exact strings.

mod sim_exchange_util;
mod sim_server_util;

use std::time::Duration;

use hlmm::sim::faults::FaultUpdate;
use hlmm::sim::faults::POST_ONLY_WINDOW;
use hlmm::sim::handle::AgentEntry;
use hlmm::sim::SimConfig;
use serde_json::{json, Value};
use sim_exchange_util::{
    act, act_as, addr, body, btc_bbo, config, nonce, order, orders, post_within, start, status,
    STRANGER, T0, USER,
};
use sim_server_util::{info, post};

fn far_bid(sim: &hlmm::sim::SimHandle, below: f64) -> String {
    let (bid, _) = btc_bbo(sim.addr());
    format!("{}", (bid - below).round())
}

fn exchange(sim: &hlmm::sim::SimHandle, text: &str) -> (u16, String) {
    post(sim.addr(), "/exchange", text)
}

fn err_text(reply: &Value) -> &str {
    assert_eq!(reply["status"], "err", "{reply}");
    reply["response"].as_str().unwrap_or_else(|| panic!("{reply}"))
}

#[test]
fn malformed_bodies_are_422_with_the_venue_text() {
    let sim = start(config());
    let good_action = orders(vec![order(0, true, "1000", "0.01", "Gtc", None)]);
    let cases = [
        ("not JSON", "{".to_owned()),
        (
            "no nonce",
            json!({"action": good_action, "signature": {"r": USER, "s": "0x1", "v": 27}})
                .to_string(),
        ),
        ("no signature", json!({"action": good_action, "nonce": 1}).to_string()),
        ("unknown action", body(USER, json!({"type": "frobnicate"}), nonce())),
        ("bad tif", body(USER, orders(vec![order(0, true, "1000", "0.01", "Day", None)]), nonce())),
        (
            "short cloid",
            body(USER, orders(vec![order(0, true, "1000", "0.01", "Gtc", Some("0x12"))]), nonce()),
        ),
        (
            "nonce as text",
            body(USER, good_action.clone(), 0).replace("\"nonce\":0", "\"nonce\":\"0\""),
        ),
    ];
    for (what, text) in cases {
        let (status, reply) = exchange(&sim, &text);
        assert_eq!(
            (status, reply.as_str()),
            (422, "Failed to deserialize the JSON body into the target type"),
            "{what}: {text}"
        );
    }
}

#[test]
fn nonces_are_refused_with_the_exact_strings() {
    let sim = start(config());
    let n = nonce();
    let noop = json!({"type": "noop"});
    let send = |n: u64| -> Value {
        serde_json::from_str(&exchange(&sim, &body(USER, noop.clone(), n)).1).expect("json")
    };
    assert_eq!(send(n), json!({"status": "ok", "response": {"type": "default"}}));
    assert_eq!(err_text(&send(n)), format!("Invalid nonce: duplicate nonce {n}"));
    let high = T0 + 2 * 86_400_000;
    assert!(err_text(&send(high)).starts_with(&format!("Invalid nonce: nonce too high {high} > ")));
    let low = T0 - 3 * 86_400_000;
    assert!(err_text(&send(low)).starts_with(&format!("Invalid nonce: nonce too low {low} < ")));
    // Once 100 are kept, a nonce must beat the smallest of them.
    let base = nonce();
    for i in 0..100 {
        send(base + 1000 + i);
    }
    let smallest = base + 1000;
    assert_eq!(
        err_text(&send(base + 500)),
        format!("Invalid nonce: nonce too low {} < {smallest}", base + 500)
    );
}

#[test]
fn an_expired_action_is_refused_and_changes_nothing() {
    let sim = start(config());
    let px = far_bid(&sim, 500.0);
    let mut v: Value = serde_json::from_str(&body(
        USER,
        orders(vec![order(0, true, &px, "0.001", "Gtc", None)]),
        nonce(),
    ))
    .expect("json");
    v["expiresAfter"] = json!(T0 - 1);
    let reply: Value = serde_json::from_str(&exchange(&sim, &v.to_string()).1).expect("json");
    assert!(err_text(&reply).starts_with("Action already expired"), "{reply}");
    assert_eq!(
        info(sim.addr(), &json!({"type": "openOrders", "user": USER}).to_string()),
        json!([])
    );
    // A future expiresAfter (and a null one, as the Python SDK sends) passes.
    v["expiresAfter"] = json!(T0 + 86_400_000);
    v["nonce"] = json!(nonce());
    let reply: Value = serde_json::from_str(&exchange(&sim, &v.to_string()).1).expect("json");
    assert!(status(&reply, 0)["resting"].is_object(), "{reply}");
}

#[test]
fn signers_act_for_their_account_or_as_approved_agents_and_strangers_do_not_exist() {
    const AGENT: &str = "0x00000000000000000000000000000000000000d1";
    let cfg = SimConfig {
        agents: vec![AgentEntry { agent: addr(AGENT), account: addr(USER) }],
        ..config()
    };
    let sim = start(cfg);
    let reply = act_as(&sim, STRANGER, json!({"type": "noop"}));
    assert_eq!(
        reply,
        json!({"status": "err", "response": format!("User or API Wallet {STRANGER} does not exist.")})
    );
    let px = far_bid(&sim, 500.0);
    let reply = act_as(&sim, AGENT, orders(vec![order(0, true, &px, "0.001", "Gtc", None)]));
    let oid = status(&reply, 0)["resting"]["oid"].as_u64().unwrap_or_else(|| panic!("{reply}"));
    let open = info(sim.addr(), &json!({"type": "openOrders", "user": USER}).to_string());
    assert_eq!(open[0]["oid"].as_u64(), Some(oid), "the agent's order is the account's");
    let agent_view = info(sim.addr(), &json!({"type": "openOrders", "user": AGENT}).to_string());
    assert_eq!(agent_view, json!([]), "querying the agent's address shows nothing");
}

#[test]
fn a_dropped_response_still_applies_the_action_and_order_status_finds_it() {
    let cfg = SimConfig { drop_response_after_ms: 2_000, ..config() };
    let sim = start(cfg);
    sim.faults().apply(FaultUpdate { drop_action_responses_next: Some(1), ..Default::default() });
    let cloid = "0x000000000000000000000000000d0d0d";
    let px = far_bid(&sim, 500.0);
    let text = body(USER, orders(vec![order(0, true, &px, "0.001", "Gtc", Some(cloid))]), nonce());
    assert_eq!(post_within(sim.addr(), "/exchange", &text, Duration::from_millis(300)), None);
    let st =
        info(sim.addr(), &json!({"type": "orderStatus", "user": USER, "oid": cloid}).to_string());
    assert_eq!(st["order"]["status"], "open", "{st}");
    // The knob is spent: the next action answers.
    assert_eq!(act(&sim, json!({"type": "noop"}))["status"], "ok");
}

#[test]
fn reject_next_orders_refuses_exactly_that_many_orders() {
    let sim = start(config());
    sim.faults().apply(FaultUpdate {
        reject_next_orders: Some(2),
        reject_error: Some("Order price too far from oracle".into()),
        ..Default::default()
    });
    let px = far_bid(&sim, 500.0);
    let batch = (0..3).map(|_| order(0, true, &px, "0.001", "Gtc", None)).collect();
    let reply = act(&sim, orders(batch));
    for i in 0..2 {
        assert_eq!(
            status(&reply, i),
            &json!({"error": "Order price too far from oracle"}),
            "{reply}"
        );
    }
    assert!(status(&reply, 2)["resting"].is_object(), "{reply}");
    let again = act(&sim, orders(vec![order(0, true, &px, "0.001", "Gtc", None)]));
    assert!(status(&again, 0)["resting"].is_object(), "{again}");
}

#[test]
fn the_post_only_window_refuses_gtc_and_ioc_and_accepts_alo() {
    let sim = start(config());
    sim.faults().apply(FaultUpdate { post_only: Some(true), ..Default::default() });
    let px = far_bid(&sim, 500.0);
    let reply = act(
        &sim,
        orders(vec![
            order(0, true, &px, "0.001", "Gtc", None),
            order(0, true, &px, "0.001", "Ioc", None),
            order(0, true, &px, "0.001", "Alo", None),
        ]),
    );
    assert_eq!(status(&reply, 0), &json!({"error": POST_ONLY_WINDOW}), "{reply}");
    assert_eq!(status(&reply, 1), &json!({"error": POST_ONLY_WINDOW}));
    assert!(status(&reply, 2)["resting"].is_object(), "{reply}");
}

#[test]
fn a_tiny_request_budget_is_exhausted_with_the_venue_text_and_cancels_still_pass() {
    let sim = start(SimConfig { request_budget: 3, ..config() });
    let px = far_bid(&sim, 500.0);
    let mut oids = Vec::new();
    for _ in 0..3 {
        let r = act(&sim, orders(vec![order(0, true, &px, "0.001", "Alo", None)]));
        oids.push(status(&r, 0)["resting"]["oid"].as_u64().unwrap_or_else(|| panic!("{r}")));
    }
    let refused = act(&sim, orders(vec![order(0, true, &px, "0.001", "Alo", None)]));
    assert_eq!(
        err_text(&refused),
        "Too many cumulative requests sent (4 > 3) for cumulative volume traded $0."
    );
    // Cancels may go on to min(cap + 100000, 2·cap) = 6: a batch of two counts two.
    let cancels: Vec<Value> = oids[..2].iter().map(|o| json!({"a": 0, "o": o})).collect();
    let reply = act(&sim, json!({"cancels": cancels, "type": "cancel"}));
    assert_eq!(reply["response"]["data"]["statuses"], json!(["success", "success"]), "{reply}");
    let limit = info(sim.addr(), &json!({"type": "userRateLimit", "user": USER}).to_string());
    assert_eq!(
        (limit["nRequestsUsed"].as_u64(), limit["nRequestsCap"].as_u64()),
        (Some(5), Some(3))
    );
    assert_eq!(limit["cumVlm"], "0.0");
}

#[test]
fn ip_weight_beyond_the_minute_budget_is_http_429() {
    let sim = start(SimConfig { ip_weight_per_minute: 10, ..config() });
    let l2 = r#"{"type":"l2Book","coin":"BTC"}"#;
    let codes: Vec<u16> = (0..6).map(|_| post(sim.addr(), "/info", l2).0).collect();
    assert_eq!(codes, [200, 200, 200, 200, 200, 429]);
    let (code, _) = exchange(&sim, &body(USER, json!({"type": "noop"}), nonce()));
    assert_eq!(code, 429);
}

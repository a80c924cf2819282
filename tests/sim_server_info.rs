//! `/info` and `/exchange` of the simulator, field by field against `hyperliquid.md` §5 and §11.

mod sim_server_util;

use hlmm::sim::faults::FaultUpdate;
use hlmm::sim::market::{default_coins, ScheduledChange};
use hlmm::sim::{SimConfig, SimHandle};
use hlmm::types::{AssetId, Coin, InstrumentSpec};
use serde_json::{json, Value};
use sim_server_util::{info, post};

const USER: &str = "0x0000000000000000000000000000000000001234";

fn start() -> SimHandle {
    SimHandle::start(SimConfig::ephemeral()).expect("simulator starts")
}

fn is_decimal(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty() && s.parse::<f64>().is_ok())
}

fn assert_decimals(obj: &Value, fields: &[&str], what: &str) {
    for f in fields {
        assert!(is_decimal(&obj[f]), "{what}.{f} must be a decimal string: {}", obj[f]);
    }
}

fn spec_of(meta: &Value, coin: &str) -> InstrumentSpec {
    let universe = meta["universe"].as_array().expect("universe");
    let (i, entry) =
        universe.iter().enumerate().find(|(_, e)| e["name"] == coin).expect("coin in universe");
    let szd = entry["szDecimals"].as_u64().expect("szDecimals") as u8;
    InstrumentSpec::perp(AssetId(i as u32), Coin::new(coin.as_bytes()).expect("coin"), szd)
}

#[test]
fn meta_lists_the_universe_with_decimals_leverage_and_margin_tables() {
    let sim = start();
    let meta = info(sim.addr(), r#"{"type":"meta"}"#);
    let universe = meta["universe"].as_array().expect("universe array");
    assert!(universe.len() >= 12);
    assert_eq!(universe[0]["name"], "BTC", "BTC is asset 0 as on mainnet");
    for (entry, want) in universe.iter().zip(default_coins()) {
        assert_eq!(entry["name"], want.name.as_str());
        assert_eq!(entry["szDecimals"], want.sz_decimals);
        assert_eq!(entry["maxLeverage"], want.max_leverage);
    }
    let names: Vec<&str> = universe.iter().filter_map(|e| e["name"].as_str()).collect();
    for coin in ["BTC", "ETH", "SOL", "XRP", "DOGE", "AVAX", "LINK", "SUI", "ARB", "HYPE", "BNB"] {
        assert!(names.contains(&coin), "{coin} listed");
    }
    let tables = meta["marginTables"].as_array().expect("marginTables");
    assert!(!tables.is_empty());
    assert!(tables[0][1]["marginTiers"].is_array());
    // The Python SDK asks with an empty dex.
    assert_eq!(info(sim.addr(), r#"{"type":"meta","dex":""}"#), meta);
}

#[test]
fn spot_meta_always_answers_and_token_ids_are_32_hex_digits() {
    let sim = start();
    let spot = info(sim.addr(), r#"{"type":"spotMeta"}"#);
    assert!(spot["universe"].is_array());
    for token in spot["tokens"].as_array().expect("tokens") {
        let id = token["tokenId"].as_str().expect("tokenId");
        assert!(id.len() == 34 && id.starts_with("0x"), "{id}");
        assert!(id[2..].chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        for f in ["szDecimals", "weiDecimals", "index"] {
            assert!(token[f].is_u64(), "token {f}");
        }
        assert!(token["name"].is_string() && token["isCanonical"].is_boolean());
    }
}

#[test]
fn meta_and_asset_ctxs_pairs_each_coin_with_a_context_of_decimal_strings() {
    let sim = start();
    let v = info(sim.addr(), r#"{"type":"metaAndAssetCtxs"}"#);
    let universe = v[0]["universe"].as_array().expect("meta first");
    let ctxs = v[1].as_array().expect("contexts second");
    assert_eq!(universe.len(), ctxs.len(), "ctx i belongs to universe i");
    for (meta, ctx) in universe.iter().zip(ctxs) {
        let what = format!("{} ctx", meta["name"]);
        assert_decimals(
            ctx,
            &[
                "dayNtlVlm",
                "funding",
                "markPx",
                "openInterest",
                "oraclePx",
                "prevDayPx",
                "dayBaseVlm",
            ],
            &what,
        );
        assert!(is_decimal(&ctx["midPx"]) || ctx["midPx"].is_null(), "{what}.midPx");
        assert!(is_decimal(&ctx["premium"]) || ctx["premium"].is_null(), "{what}.premium");
        let impact = &ctx["impactPxs"];
        assert!(impact.is_null() || impact.as_array().is_some_and(|a| a.len() == 2), "{what}");
    }
    let vlm = |i: usize| ctxs[i]["dayNtlVlm"].as_str().and_then(|s| s.parse::<f64>().ok());
    assert_ne!(vlm(0), vlm(1), "coins have their own volumes");
}

#[test]
fn l2_book_has_at_most_twenty_levels_a_side_on_the_price_grid() {
    let sim = start();
    let meta = info(sim.addr(), r#"{"type":"meta"}"#);
    for coin in ["BTC", "ETH", "kPEPE", "DOGE"] {
        let spec = spec_of(&meta, coin);
        // nSigFigs is accepted (and ignored) like the SDK's and the venue's parameter.
        let book = info(
            sim.addr(),
            &json!({"type": "l2Book", "coin": coin, "nSigFigs": null}).to_string(),
        );
        assert_eq!(book["coin"], coin);
        assert!(book["time"].is_u64());
        let levels = book["levels"].as_array().expect("levels");
        assert_eq!(levels.len(), 2);
        let mut best = Vec::new();
        for side in levels {
            let side = side.as_array().expect("side");
            assert!(!side.is_empty() && side.len() <= 20, "{coin}: {} levels", side.len());
            for l in side {
                let px = spec.parse_px(l["px"].as_str().expect("px").as_bytes()).expect("px");
                assert!(spec.is_valid_px(px), "{coin} {px:?} off the grid");
                assert!(spec.parse_sz(l["sz"].as_str().expect("sz").as_bytes()).is_ok());
                assert!(l["n"].as_u64().is_some_and(|n| n > 0));
            }
            best.push(spec.parse_px(side[0]["px"].as_str().expect("px").as_bytes()).expect("px"));
        }
        assert!(best[0] < best[1], "{coin}: best bid below best ask");
    }
    assert_eq!(info(sim.addr(), r#"{"type":"l2Book","coin":"NOPE"}"#), Value::Null);
}

#[test]
fn all_mids_has_a_price_string_for_every_coin() {
    let sim = start();
    let meta = info(sim.addr(), r#"{"type":"meta"}"#);
    let mids = info(sim.addr(), r#"{"type":"allMids"}"#);
    for entry in meta["universe"].as_array().expect("universe") {
        let name = entry["name"].as_str().expect("name");
        assert!(is_decimal(&mids[name]), "{name} mid {}", mids[name]);
    }
}

#[test]
fn funding_history_accepts_a_null_end_time_and_answers_hourly_records() {
    let sim = start();
    let v =
        info(sim.addr(), r#"{"type":"fundingHistory","coin":"ETH","startTime":0,"endTime":null}"#);
    let items = v.as_array().expect("array");
    assert!(items.len() >= 24, "a day of history");
    for item in items {
        assert_eq!(item["coin"], "ETH");
        assert_decimals(item, &["fundingRate", "premium"], "funding");
        assert!(item["time"].is_u64());
    }
}

#[test]
fn clearinghouse_state_of_an_empty_account_has_every_field() {
    let sim = start();
    let v = info(sim.addr(), &json!({"type": "clearinghouseState", "user": USER}).to_string());
    assert_eq!(v["assetPositions"], json!([]));
    for summary in ["marginSummary", "crossMarginSummary"] {
        assert_decimals(
            &v[summary],
            &["accountValue", "totalNtlPos", "totalRawUsd", "totalMarginUsed"],
            summary,
        );
    }
    assert_decimals(&v, &["crossMaintenanceMarginUsed", "withdrawable"], "clearinghouseState");
    assert!(v["time"].is_u64());
}

#[test]
fn account_lists_of_an_empty_account_are_empty_arrays() {
    let sim = start();
    let cases = [
        json!({"type": "openOrders", "user": USER}),
        json!({"type": "frontendOpenOrders", "user": USER}),
        json!({"type": "userFills", "user": USER}),
        json!({"type": "userFills", "user": USER, "aggregateByTime": true}),
        json!({"type": "userFillsByTime", "user": USER, "startTime": 0}),
        json!({"type": "userFillsByTime", "user": USER, "startTime": 0, "endTime": null}),
    ];
    for req in cases {
        assert_eq!(info(sim.addr(), &req.to_string()), json!([]), "{req}");
    }
}

#[test]
fn order_status_of_an_unknown_oid_or_cloid_is_unknown_oid() {
    let sim = start();
    let cases = [json!(12345), json!("0x1e600000000000000000000000000001")];
    for oid in cases {
        let req = json!({"type": "orderStatus", "user": USER, "oid": oid});
        assert_eq!(info(sim.addr(), &req.to_string()), json!({"status": "unknownOid"}));
    }
}

#[test]
fn user_rate_limit_has_the_fresh_cap() {
    let sim = start();
    let v = info(sim.addr(), &json!({"type": "userRateLimit", "user": USER}).to_string());
    assert!(is_decimal(&v["cumVlm"]));
    for f in ["nRequestsUsed", "nRequestsCap", "nRequestsSurplus"] {
        assert!(v[f].is_u64(), "{f}");
    }
    assert_eq!(v["nRequestsCap"], 10_000);
}

#[test]
fn malformed_requests_are_422_with_the_venue_text() {
    let sim = start();
    let cases = [
        ("not JSON", "{\"type\":"),
        ("empty body", ""),
        ("unknown type", r#"{"type":"nope"}"#),
        ("missing field", r#"{"type":"l2Book"}"#),
        ("bad address", r#"{"type":"openOrders","user":"0x12"}"#),
        ("bad cloid", &format!(r#"{{"type":"orderStatus","user":"{USER}","oid":"0x12"}}"#)),
    ];
    for (name, body) in cases {
        let (status, text) = post(sim.addr(), "/info", body);
        assert_eq!(status, 422, "{name}");
        assert_eq!(text, "Failed to deserialize the JSON body into the target type", "{name}");
    }
    let (status, _) = post(sim.addr(), "/exchange", "{oops");
    assert_eq!(status, 422);
}

#[test]
fn exchange_answers_a_whole_action_error_until_auth_lands() {
    let sim = start();
    let body = json!({"action": {"type": "noop"}, "nonce": 1, "signature": {"r": "0x1", "s": "0x1", "v": 27}});
    let (status, text) = post(sim.addr(), "/exchange", &body.to_string());
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["status"], "err");
    assert!(v["response"].is_string());
}

#[test]
fn http_429_and_5xx_knobs_answer_the_next_k_requests() {
    let sim = start();
    let (status, _) = post(
        sim.addr(),
        "/control/faults",
        r#"{"http_429_next": 2, "http_5xx_next": 1, "http_5xx_status": 503}"#,
    );
    assert_eq!(status, 200);
    let statuses: Vec<u16> =
        (0..4).map(|_| post(sim.addr(), "/info", r#"{"type":"allMids"}"#).0).collect();
    assert_eq!(statuses, [429, 429, 503, 200]);
    sim.faults().apply(FaultUpdate { http_5xx_next: Some(1), ..FaultUpdate::default() });
    assert_eq!(post(sim.addr(), "/exchange", "{}").0, 503);
}

#[test]
fn unknown_fault_knobs_are_refused_by_the_control_endpoint() {
    let sim = start();
    let (status, text) = post(sim.addr(), "/control/faults", r#"{"http_429_nxt": 1}"#);
    assert_eq!(status, 422, "{text}");
}

#[test]
fn a_scheduled_listing_appears_in_meta_and_a_delisting_is_flagged() {
    let mut coin = default_coins()[2].clone();
    coin.name = "NEWCOIN".into();
    let cfg = SimConfig {
        block_interval_ms: 20,
        schedule: vec![
            ScheduledChange::List { at_ms: 100, coin },
            ScheduledChange::Delist { at_ms: 100, coin: "LTC".into() },
        ],
        ..SimConfig::ephemeral()
    };
    let sim = SimHandle::start(cfg).expect("simulator starts");
    let listed = |meta: &Value| {
        meta["universe"].as_array().expect("universe").iter().any(|e| e["name"] == "NEWCOIN")
    };
    let mut meta = info(sim.addr(), r#"{"type":"meta"}"#);
    for _ in 0..500 {
        if listed(&meta) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        meta = info(sim.addr(), r#"{"type":"meta"}"#);
    }
    assert!(listed(&meta), "NEWCOIN never listed");
    let universe = meta["universe"].as_array().expect("universe");
    let ltc = universe.iter().find(|e| e["name"] == "LTC").expect("LTC stays in the universe");
    assert_eq!(ltc["isDelisted"], true);
    let book = info(sim.addr(), r#"{"type":"l2Book","coin":"NEWCOIN"}"#);
    assert_eq!(book["levels"][0].as_array().map(Vec::len), Some(20));
}

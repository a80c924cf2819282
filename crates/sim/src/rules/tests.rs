//! The venue rules driven in simulated time: no server, no runtime, explicit `now`.

use super::*;
use crate::accounts::AssetConfig;
use crate::actions::OrderStatusResp;
use crate::exchange::ExchangeConfig;
use crate::faults::{FaultState, FaultUpdate, Maintenance, POST_ONLY_WINDOW};
use hlmm_types::{AssetId, Coin, InstrumentSpec, Px};

/// 2025-10-09T08:53:20Z, ms.
const T0_MS: u64 = 1_760_000_000_000;
const USER: Address = Address([0xb1; 20]);
const AGENT: Address = Address([0xa7; 20]);
const AGENT_OF_NOBODY: Address = Address([0xa9; 20]);

fn at(ms: u64) -> Nanos {
    Nanos::from_millis(ms)
}

fn venue() -> ExchangeVenue {
    let mut ex = Exchange::new(ExchangeConfig::default());
    let spec = InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5);
    let px = Px(500_000);
    ex.add_asset(AssetConfig { spec, max_leverage: 40, mark_px: px, oracle_px: px })
        .expect("new asset");
    ex.deposit(USER, Usd::from_dollars(100_000));
    ExchangeVenue::new(ex)
}

fn body(action: &str, nonce: u64, extra: &str) -> ReceivedBody {
    let text = format!(
        r#"{{"action":{action},"nonce":{nonce},"signature":{{"r":"0x1","s":"0x1","v":27}},"vaultAddress":null{extra}}}"#
    );
    ReceivedBody::parse(text.as_bytes()).expect("a valid body")
}

fn bid(tif: &str) -> String {
    format!(
        r#"{{"type":"order","grouping":"na","orders":[{{"a":0,"b":true,"p":"49000.0","s":"0.001","r":false,"t":{{"limit":{{"tif":"{tif}"}}}}}}]}}"#
    )
}

/// Submits with no faults.
fn submit(
    rules: &mut VenueRules,
    v: &mut ExchangeVenue,
    b: &ReceivedBody,
    signer: Address,
    now_ms: u64,
) -> ExchangeResponse {
    rules.submit(v, b, &[signer], &mut OrderGate::open(), at(now_ms))
}

fn err(text: &str) -> ExchangeResponse {
    ExchangeResponse::Err(text.to_owned())
}

#[test]
fn nonces_are_per_signer_and_checked_against_the_callers_time() {
    let (mut rules, mut v) = (VenueRules::new(10_000, []), venue());
    let noop = |n| body(r#"{"type":"noop"}"#, n, "");
    assert_eq!(submit(&mut rules, &mut v, &noop(T0_MS), USER, T0_MS), ExchangeResponse::Default);
    assert_eq!(
        submit(&mut rules, &mut v, &noop(T0_MS), USER, T0_MS + 1),
        err(&format!("Invalid nonce: duplicate nonce {T0_MS}"))
    );
    // Two days later a nonce of then is too old, whoever signs it.
    let later = T0_MS + 2 * 86_400_000;
    assert_eq!(
        submit(&mut rules, &mut v, &noop(T0_MS), AGENT_OF_NOBODY, later),
        err(&format!("User or API Wallet {AGENT_OF_NOBODY} does not exist."))
    );
    assert_eq!(
        submit(&mut rules, &mut v, &noop(T0_MS), USER, later),
        err(&format!("Invalid nonce: nonce too low {T0_MS} < {}", T0_MS + 1))
    );
}

#[test]
fn a_stale_expires_after_is_refused_and_costs_five_times_its_weight() {
    let (mut rules, mut v) = (VenueRules::new(10_000, []), venue());
    let stale = body(r#"{"type":"noop"}"#, T0_MS, &format!(r#","expiresAfter":{}"#, T0_MS - 1));
    assert_eq!(
        submit(&mut rules, &mut v, &stale, USER, T0_MS),
        err(&format!("{EXPIRED_PREFIX}: {} < {T0_MS}", T0_MS - 1))
    );
    assert_eq!(rules.budgets().used(&USER), 5);
    // The nonce was not used: the same one goes through before its expiry.
    let fresh = body(r#"{"type":"noop"}"#, T0_MS, &format!(r#","expiresAfter":{}"#, T0_MS + 1));
    assert_eq!(submit(&mut rules, &mut v, &fresh, USER, T0_MS), ExchangeResponse::Default);
}

#[test]
fn signers_map_to_accounts_or_the_agents_accounts_and_vaults_are_refused() {
    let (mut rules, mut v) = (VenueRules::new(10_000, [(AGENT, USER)]), venue());
    let stranger = Address([0xc1; 20]);
    let noop = |n| body(r#"{"type":"noop"}"#, n, "");
    assert_eq!(
        rules.submit(&mut v, &noop(T0_MS), &[stranger, AGENT], &mut OrderGate::open(), at(T0_MS)),
        ExchangeResponse::Default,
        "the first candidate that is an account or an agent acts"
    );
    assert_eq!(
        submit(&mut rules, &mut v, &noop(T0_MS + 1), stranger, T0_MS),
        err(&format!("User or API Wallet {stranger} does not exist."))
    );
    let vault = format!(
        r#"{{"action":{{"type":"noop"}},"nonce":{},"signature":{{"r":"0x1","s":"0x1","v":27}},"vaultAddress":"{USER}"}}"#,
        T0_MS + 2
    );
    let vault = ReceivedBody::parse(vault.as_bytes()).expect("valid");
    assert_eq!(submit(&mut rules, &mut v, &vault, USER, T0_MS), err(VAULT_UNSUPPORTED));
}

#[test]
fn approve_agent_must_be_signed_by_the_account_and_replaces_the_unnamed_agent() {
    let (mut rules, mut v) = (VenueRules::new(10_000, []), venue());
    let approve = |agent: Address, n: u64| {
        let action = format!(
            r#"{{"type":"approveAgent","hyperliquidChain":"Testnet","signatureChainId":"0x66eee","agentAddress":"{agent}","nonce":{n}}}"#
        );
        body(&action, n, "")
    };
    assert_eq!(
        submit(&mut rules, &mut v, &approve(AGENT, T0_MS), USER, T0_MS),
        ExchangeResponse::Default
    );
    assert_eq!(rules.account_of(v.exchange(), AGENT), Some(USER));
    // An agent cannot approve another.
    let other = Address([0xa8; 20]);
    assert_eq!(
        submit(&mut rules, &mut v, &approve(other, T0_MS + 1), AGENT, T0_MS),
        err(&format!("User or API Wallet {AGENT} does not exist."))
    );
    submit(&mut rules, &mut v, &approve(other, T0_MS + 2), USER, T0_MS);
    assert_eq!(rules.account_of(v.exchange(), AGENT), None, "pruned on re-registration");
    assert_eq!(rules.account_of(v.exchange(), other), Some(USER));
}

#[test]
fn a_maintenance_window_in_simulated_time_lets_only_alo_orders_through() {
    let (mut rules, mut v) = (VenueRules::new(10_000, []), venue());
    let mut faults = FaultState::default();
    let m = Maintenance { outage_ms: 1_000, post_only_ms: 5_000 };
    faults.apply(FaultUpdate { maintenance: Some(m), ..FaultUpdate::default() }, T0_MS);
    let mut send = |tif: &str, nonce: u64, now_ms: u64| {
        let mut gate = faults.order_gate(now_ms);
        match rules.submit(&mut v, &body(&bid(tif), nonce, ""), &[USER], &mut gate, at(now_ms)) {
            ExchangeResponse::Order(mut s) => s.remove(0),
            other => panic!("not an order reply: {other:?}"),
        }
    };
    let in_window = T0_MS + 2_000;
    assert_eq!(send("Gtc", T0_MS, in_window), OrderStatusResp::Error(POST_ONLY_WINDOW.into()));
    assert!(matches!(send("Alo", T0_MS + 1, in_window), OrderStatusResp::Resting { .. }));
    assert!(matches!(send("Gtc", T0_MS + 2, T0_MS + 6_000), OrderStatusResp::Resting { .. }));
}

#[test]
fn only_grouping_na_is_executed() {
    let (mut rules, mut v) = (VenueRules::new(10_000, []), venue());
    let tpsl = bid("Gtc").replace(r#""grouping":"na""#, r#""grouping":"normalTpsl""#);
    assert_eq!(
        submit(&mut rules, &mut v, &body(&tpsl, T0_MS, ""), USER, T0_MS),
        err(GROUPING_UNSUPPORTED)
    );
}

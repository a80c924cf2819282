//! Signed `/exchange` actions on the exchange-backed simulator with the production verifier:
//! EIP-712 `Agent` signatures over the canonical re-encoding, keys in any order.

mod sim_exchange_util;
mod sim_server_util;

use std::sync::Arc;

use hlmm::sim::handle::{AgentEntry, FundAccount};
use hlmm::sim::rules::auth::SignatureVerifier;
use hlmm::sim::{SimConfig, SimHandle};
use hlmm::wire::action::Action;
use hlmm::wire::keys::AgentKey;
use hlmm::wire::sign::{Chain, L1Signer};
use serde_json::{json, Value};
use sim_exchange_util::{addr, btc_bbo, config, nonce, order, orders, status};
use sim_server_util::{info, post};

const ACCOUNT_KEY: &str = "0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const AGENT_KEY: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";
const STRANGER_KEY: &str = "0x2222222222222222222222222222222222222222222222222222222222222222";
const NEW_AGENT_KEY: &str = "0x3333333333333333333333333333333333333333333333333333333333333333";

fn key(hex: &str) -> AgentKey {
    AgentKey::from_hex(hex).expect("valid key")
}

fn address_of(hex: &str) -> String {
    key(hex).address().to_string()
}

/// A body for `action` (sent as serde_json writes it: keys sorted, as the Rust SDK does),
/// signed by `signer_hex` for `chain`.
fn signed(signer_hex: &str, chain: Chain, action: &Value, nonce: u64) -> Value {
    let typed: Action = serde_json::from_value(action.clone()).expect("a signable action");
    let mut signer = L1Signer::new(key(signer_hex), chain);
    let sig = signer.sign(typed.as_ref(), nonce, None, None).expect("signs");
    let mut sig_json = Vec::new();
    sig.write_json(&mut sig_json);
    let sig: Value = serde_json::from_slice(&sig_json).expect("signature JSON");
    json!({"action": action, "nonce": nonce, "signature": sig, "vaultAddress": null})
}

fn send(sim: &SimHandle, body: &Value) -> Value {
    let (code, text) = post(sim.addr(), "/exchange", &body.to_string());
    assert_eq!(code, 200, "{text}");
    serde_json::from_str(&text).expect("JSON reply")
}

fn start() -> SimHandle {
    let account = address_of(ACCOUNT_KEY);
    let cfg = SimConfig {
        fund: vec![FundAccount { address: addr(&account), usdc: 1_000_000.0 }],
        agents: vec![AgentEntry { agent: addr(&address_of(AGENT_KEY)), account: addr(&account) }],
        ..config()
    };
    SimHandle::start_with_auth(cfg, Arc::new(SignatureVerifier::default())).expect("starts")
}

fn resting_bid(sim: &SimHandle) -> Value {
    let (bid, _) = btc_bbo(sim.addr());
    orders(vec![order(0, true, &format!("{}", (bid - 500.0).round()), "0.001", "Gtc", None)])
}

fn open_orders(sim: &SimHandle, user: &str) -> Value {
    info(sim.addr(), &json!({"type": "openOrders", "user": user}).to_string())
}

#[test]
fn a_correctly_signed_action_is_accepted_for_either_source() {
    let sim = start();
    for chain in [Chain::Testnet, Chain::Mainnet] {
        let reply = send(&sim, &signed(ACCOUNT_KEY, chain, &resting_bid(&sim), nonce()));
        assert!(status(&reply, 0)["resting"].is_object(), "{chain:?}: {reply}");
    }
    assert_eq!(open_orders(&sim, &address_of(ACCOUNT_KEY)).as_array().map(Vec::len), Some(2));
}

#[test]
fn an_approved_agent_signs_for_its_account() {
    let sim = start();
    let reply = send(&sim, &signed(AGENT_KEY, Chain::Testnet, &resting_bid(&sim), nonce()));
    let oid = status(&reply, 0)["resting"]["oid"].as_u64().unwrap_or_else(|| panic!("{reply}"));
    assert_eq!(open_orders(&sim, &address_of(ACCOUNT_KEY))[0]["oid"].as_u64(), Some(oid));
}

#[test]
fn an_action_signed_by_an_unknown_key_names_that_wallet() {
    let sim = start();
    let reply =
        send(&sim, &signed(STRANGER_KEY, Chain::Testnet, &json!({"type": "noop"}), nonce()));
    let who = address_of(STRANGER_KEY);
    assert_eq!(
        reply,
        json!({"status": "err", "response": format!("User or API Wallet {who} does not exist.")})
    );
}

#[test]
fn a_tampered_body_recovers_another_signer_and_is_refused() {
    let sim = start();
    let action = resting_bid(&sim);
    let mut body = signed(ACCOUNT_KEY, Chain::Testnet, &action, nonce());
    body["action"]["orders"][0]["s"] = json!("0.002");
    let reply = send(&sim, &body);
    let text = reply["response"].as_str().unwrap_or_else(|| panic!("{reply}"));
    assert!(
        text.starts_with("User or API Wallet 0x") && text.ends_with(" does not exist."),
        "{text}"
    );
    assert!(!text.contains(&address_of(ACCOUNT_KEY)), "{text}");
    assert_eq!(open_orders(&sim, &address_of(ACCOUNT_KEY)), json!([]));
    // The untampered body still passes.
    body["action"] = action;
    assert!(status(&send(&sim, &body), 0)["resting"].is_object());
}

#[test]
fn a_body_the_canonical_encoding_cannot_carry_is_422() {
    let sim = start();
    let mut body = signed(ACCOUNT_KEY, Chain::Testnet, &resting_bid(&sim), nonce());
    body["action"]["orders"][0]["x"] = json!(1);
    let (code, text) = post(sim.addr(), "/exchange", &body.to_string());
    assert_eq!(
        (code, text.as_str()),
        (422, "Failed to deserialize the JSON body into the target type")
    );
}

/// `approveAgent` as the SDK 0.6.0 builds and signs it (its public `ApproveAgent` type and
/// EIP-712 impl, signed with ethers): an independent oracle for the simulator's digest.
fn sdk_approve_agent(signer_hex: &str, agent: &str, nonce: u64) -> Value {
    use ethers::signers::LocalWallet;
    use ethers::types::transaction::eip712::Eip712;
    use ethers::types::{H160, H256};
    let approve = hyperliquid_rust_sdk::ApproveAgent {
        signature_chain_id: 421_614u64.into(),
        hyperliquid_chain: "Testnet".into(),
        agent_address: agent.parse::<H160>().expect("agent address"),
        agent_name: None,
        nonce,
    };
    let digest = approve.encode_eip712().expect("eip712");
    let wallet: LocalWallet = signer_hex.trim_start_matches("0x").parse().expect("wallet");
    let sig = wallet.sign_hash(H256(digest)).expect("signs");
    let action = serde_json::to_value(hyperliquid_rust_sdk::Actions::ApproveAgent(approve))
        .expect("action JSON");
    json!({
        "action": action,
        "nonce": nonce,
        "signature": {"r": format!("{:#x}", sig.r), "s": format!("{:#x}", sig.s), "v": sig.v},
        "vaultAddress": null,
    })
}

#[test]
fn approve_agent_signed_by_the_account_lets_the_new_agent_trade_for_it() {
    let sim = start();
    let agent = address_of(NEW_AGENT_KEY);
    let before = send(&sim, &signed(NEW_AGENT_KEY, Chain::Testnet, &resting_bid(&sim), nonce()));
    assert_eq!(before["response"], format!("User or API Wallet {agent} does not exist."));

    let reply = send(&sim, &sdk_approve_agent(ACCOUNT_KEY, &agent, nonce()));
    assert_eq!(reply, json!({"status": "ok", "response": {"type": "default"}}));
    let order = send(&sim, &signed(NEW_AGENT_KEY, Chain::Testnet, &resting_bid(&sim), nonce()));
    let oid = status(&order, 0)["resting"]["oid"].as_u64().unwrap_or_else(|| panic!("{order}"));
    assert_eq!(open_orders(&sim, &address_of(ACCOUNT_KEY))[0]["oid"].as_u64(), Some(oid));

    // Only an account may approve: an agent signing approveAgent is an unknown user.
    let by_agent = send(&sim, &sdk_approve_agent(AGENT_KEY, &address_of(STRANGER_KEY), nonce()));
    let who = address_of(AGENT_KEY);
    assert_eq!(by_agent["response"], format!("User or API Wallet {who} does not exist."));

    // A new unnamed agent replaces the previous unnamed one.
    let reply = send(&sim, &sdk_approve_agent(ACCOUNT_KEY, &address_of(STRANGER_KEY), nonce()));
    assert_eq!(reply["status"], "ok");
    let old = send(&sim, &signed(NEW_AGENT_KEY, Chain::Testnet, &json!({"type": "noop"}), nonce()));
    assert_eq!(old["response"], format!("User or API Wallet {agent} does not exist."));
}

//! Helpers shared by the `sim_exchange_*` integration tests: an exchange-backed simulator on
//! an ephemeral port with a funded user, `/exchange` bodies, and a test-only authenticator.
//!
//! [`TrustSignatureR`] exists only in this test crate: it takes the signer from the
//! signature's `r` field (`0x` + 40 hex), so tests can act as any address before the real
//! verifier is merged. The library has no such bypass.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hlmm::sim::accounts::Address;
use hlmm::sim::handle::FundAccount;
use hlmm::sim::rules::auth::Authenticator;
use hlmm::sim::rules::body::RequestError;
use hlmm::sim::{SimConfig, SimHandle};
use hlmm::wire::sign::ExchangeRequest;
use serde_json::{json, Value};

use crate::sim_server_util::{info, post};

/// Venue time of the first block.
pub const T0: u64 = 1_760_000_000_000;
/// The funded user.
pub const USER: &str = "0x00000000000000000000000000000000000000b1";
/// An address with no account.
pub const STRANGER: &str = "0x00000000000000000000000000000000000000c1";

/// Test-only: the signer is whatever address `signature.r` spells (its low 20 bytes).
#[derive(Debug)]
pub struct TrustSignatureR;

impl Authenticator for TrustSignatureR {
    fn signers(&self, body: &ExchangeRequest) -> Result<Vec<Address>, RequestError> {
        let mut a = [0u8; 20];
        a.copy_from_slice(&body.signature.r[12..]);
        Ok(vec![Address(a)])
    }
}

/// The base test config: fast blocks, fixed start time, `USER` funded with $1M.
pub fn config() -> SimConfig {
    SimConfig {
        block_interval_ms: 20,
        start_time_ms: Some(T0),
        fund: vec![FundAccount { address: addr(USER), usdc: 1_000_000.0 }],
        ..SimConfig::ephemeral()
    }
}

pub fn start(cfg: SimConfig) -> SimHandle {
    SimHandle::start_with_auth(cfg, Arc::new(TrustSignatureR)).expect("simulator starts")
}

static NONCE: AtomicU64 = AtomicU64::new(T0);

/// A fresh nonce near the venue's start time.
pub fn nonce() -> u64 {
    NONCE.fetch_add(1, Ordering::Relaxed)
}

/// An `/exchange` body signed (for [`TrustSignatureR`]) by `signer`.
pub fn body(signer: &str, action: Value, nonce: u64) -> String {
    json!({
        "action": action,
        "nonce": nonce,
        "signature": {"r": signer, "s": "0x1", "v": 27},
        "vaultAddress": null,
    })
    .to_string()
}

/// Posts `action` for `USER` with a fresh nonce; the JSON reply.
pub fn act(sim: &SimHandle, action: Value) -> Value {
    act_as(sim, USER, action)
}

pub fn act_as(sim: &SimHandle, signer: &str, action: Value) -> Value {
    let (status, text) = post(sim.addr(), "/exchange", &body(signer, action, nonce()));
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A limit order in the SDK's sorted key order.
pub fn order(asset: u32, buy: bool, px: &str, sz: &str, tif: &str, cloid: Option<&str>) -> Value {
    let mut o =
        json!({"a": asset, "b": buy, "p": px, "r": false, "s": sz, "t": {"limit": {"tif": tif}}});
    if let Some(c) = cloid {
        o["c"] = json!(c);
    }
    o
}

pub fn orders(list: Vec<Value>) -> Value {
    json!({"grouping": "na", "orders": list, "type": "order"})
}

/// The `i`-th status of an order reply.
pub fn status(reply: &Value, i: usize) -> &Value {
    &reply["response"]["data"]["statuses"][i]
}

/// BTC's best bid and ask from `/info l2Book`.
pub fn btc_bbo(addr: SocketAddr) -> (f64, f64) {
    let book = info(addr, r#"{"type":"l2Book","coin":"BTC"}"#);
    let px = |side: usize| -> f64 {
        book["levels"][side][0]["px"].as_str().expect("a level").parse().expect("a number")
    };
    (px(0), px(1))
}

/// `POST` that gives up after `wait`: `None` when no reply came in time.
pub fn post_within(addr: SocketAddr, path: &str, body: &str, wait: Duration) -> Option<u16> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(wait)).expect("timeout");
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send");
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(n) if n > 12 => std::str::from_utf8(&buf[9..12]).ok()?.parse().ok(),
        _ => None,
    }
}

pub fn addr(s: &str) -> Address {
    Address::parse(s.as_bytes()).expect("address")
}

/// Config tweaks.
pub trait SimConfigExt {
    fn with_state(self, file: std::path::PathBuf) -> Self;
}

impl SimConfigExt for SimConfig {
    fn with_state(self, file: std::path::PathBuf) -> Self {
        Self { state_file: Some(file), ..self }
    }
}

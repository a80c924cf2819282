//! The Hyperliquid Rust SDK 0.6.0 signing path, rebuilt from its public pieces: its
//! `Actions::hash` and `sign_l1_action` are `pub(crate)`, but `Actions` is public and
//! serde-(de)serialisable, and the rest is ethers 2.0.14 and rmp-serde, the versions it uses.
//! These functions repeat the SDK's code paths (`src/exchange/exchange_client.rs`
//! `Actions::hash`, `src/signature/create_signature.rs` `sign_l1_action`,
//! `src/signature/agent.rs` `l1::Agent`) so our output can be compared with the SDK's.
//! Shared by `tests/sign_sdk_vectors.rs` and `benches/sign.rs`.

#![allow(dead_code, unreachable_pub)]

use ethers::contract::{Eip712, EthAbiType};
use ethers::signers::LocalWallet;
use ethers::types::transaction::eip712::Eip712 as Eip712Trait;
use ethers::types::{Signature, H160, H256};
use hyperliquid_rust_sdk::Actions;

/// The SDK's published test key (not a real wallet).
pub const KEY_HEX: &str = "e908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

/// The nonce of every SDK test vector.
pub const VECTOR_NONCE: u64 = 1_583_838;

/// Same definition as the SDK's `signature::agent::l1::Agent`.
#[derive(Debug, Clone, Eip712, EthAbiType)]
#[eip712(
    name = "Exchange",
    version = "1",
    chain_id = 1337,
    verifying_contract = "0x0000000000000000000000000000000000000000"
)]
pub struct Agent {
    pub source: String,
    pub connection_id: H256,
}

pub fn wallet() -> LocalWallet {
    KEY_HEX.parse().expect("sdk key")
}

/// `Actions::hash`: rmp-serde named encoding, nonce BE, vault marker.
pub fn sdk_connection_id(action: &Actions, nonce: u64, vault: Option<H160>) -> H256 {
    let mut bytes = rmp_serde::to_vec_named(action).expect("rmp");
    bytes.extend(nonce.to_be_bytes());
    match vault {
        Some(v) => {
            bytes.push(1);
            bytes.extend(v.to_fixed_bytes());
        }
        None => bytes.push(0),
    }
    H256(ethers::utils::keccak256(bytes))
}

/// The SDK's msgpack bytes of an action.
pub fn sdk_msgpack(action: &Actions) -> Vec<u8> {
    rmp_serde::to_vec_named(action).expect("rmp")
}

/// The digest `sign_l1_action` signs: EIP-712 of `Agent{source, connectionId}` via ethers.
pub fn sdk_digest(connection_id: H256, is_mainnet: bool) -> [u8; 32] {
    let agent = Agent { source: if is_mainnet { "a" } else { "b" }.to_string(), connection_id };
    agent.encode_eip712().expect("eip712")
}

/// `sign_l1_action`: EIP-712 `Agent{source, connectionId}`, k256 RFC6979 over the digest.
pub fn sdk_sign(wallet: &LocalWallet, connection_id: H256, is_mainnet: bool) -> Signature {
    wallet.sign_hash(H256(sdk_digest(connection_id, is_mainnet))).expect("sign")
}

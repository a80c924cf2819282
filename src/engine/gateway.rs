//! Choosing and building the order gateway at startup, and the venue snapshot at the end.
//!
//! - venue `sim`: a fresh paper agent key and paper account are made at start, the simulator
//!   funds the account (`venue.paper_balance_usd`) and approves the agent, so paper trading
//!   goes through exactly the same signed path as testnet and mainnet.
//! - `local`, `testnet`, `mainnet`: the agent key from `venue.agent_key_file` /
//!   `agent_key_env`, the account from `venue.account_address`. Without both, `local` runs with
//!   the [`DisconnectedGateway`](super::exec::DisconnectedGateway) (market data only); testnet
//!   and mainnet refuse to start.
//!
//! Runs at startup and shutdown on the main thread. Never logs the key.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::config::{AgentKeySource, Config, VenueKind};
use crate::types::Address;
use crate::types::{AssetId, InstrumentSpec, Sz};
use crate::venue::exec::{GatewayConfig, HyperliquidGateway};
use crate::venue::info::InfoClient;
use crate::wire::keys::AgentKey;
use crate::wire::nonce::NonceSource;
use crate::wire::sign::{Chain, L1Signer};

use super::params::CLOID_PREFIX;
use super::EngineError;

/// Who trades: the signing key and the account it acts for.
#[derive(Debug)]
pub struct Identity {
    /// The agent (API wallet) key.
    pub key: AgentKey,
    /// The trading account.
    pub account: Address,
}

/// A fresh paper identity: a random agent key and a random account address (paper only: the
/// simulator funds the account and approves the agent at start).
pub fn paper_identity() -> Result<Identity, EngineError> {
    let fail = |e: String| EngineError::Venue(format!("paper identity: {e}"));
    for _ in 0..8 {
        let mut bytes = zeroize::Zeroizing::new([0u8; 52]);
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes[..]))
            .map_err(|e| fail(e.to_string()))?;
        let mut secret = zeroize::Zeroizing::new([0u8; 32]);
        secret.copy_from_slice(&bytes[..32]);
        // A random 32-byte string is a valid key except with negligible probability; retry.
        let Ok(key) = AgentKey::from_bytes(&secret) else { continue };
        let mut account = [0u8; 20];
        account.copy_from_slice(&bytes[32..]);
        return Ok(Identity { key, account: Address(account) });
    }
    Err(fail("no valid key drawn".to_owned()))
}

/// The configured identity for a networked venue; `Ok(None)` when none is configured.
pub fn configured_identity(config: &Config) -> Result<Option<Identity>, EngineError> {
    let venue = &config.venue;
    let (Some(source), Some(account)) =
        (venue.agent_key_source(), venue.account_address.as_deref())
    else {
        return Ok(None);
    };
    let key = match source {
        AgentKeySource::File(path) => AgentKey::from_file(path),
        AgentKeySource::Env(var) => AgentKey::from_env(var),
    }
    .map_err(|e| EngineError::Venue(format!("agent key: {e}")))?;
    let account = Address::parse(account.as_bytes())
        .map_err(|e| EngineError::Venue(format!("venue.account_address: {e}")))?;
    Ok(Some(Identity { key, account }))
}

/// The signing chain of a venue kind: only mainnet signs with source `"a"`.
pub fn chain_of(kind: VenueKind) -> Chain {
    if kind == VenueKind::Mainnet {
        Chain::Mainnet
    } else {
        Chain::Testnet
    }
}

/// `0x…` lower-case text of an address.
pub fn address_text(a: Address) -> String {
    String::from_utf8_lossy(&a.to_wire()).into_owned()
}

/// Builds the Hyperliquid gateway for `account`, signing with `signer` (handed on from
/// startup, with the nonce source startup used, so nonces keep increasing).
pub fn build_gateway(
    config: &Config,
    signer: L1Signer,
    nonces: Arc<NonceSource>,
    account: Address,
    urls: (&str, &str, &str),
    instruments: &[InstrumentSpec],
) -> Result<HyperliquidGateway, EngineError> {
    let (exchange_url, info_url, ws_url) = urls;
    let chain = chain_of(config.venue.kind);
    tracing::info!(
        agent = %address_text(signer.address()),
        account = %address_text(account),
        chain = chain.source(),
        "Order gateway: signed actions over WS post, REST fallback"
    );
    let mut cfg = GatewayConfig::new(
        exchange_url.to_owned(),
        info_url.to_owned(),
        Some(ws_url.to_owned()),
        account,
        chain,
    );
    cfg.cloid_prefix = Some(CLOID_PREFIX);
    HyperliquidGateway::new(cfg, signer, nonces, instruments)
        .map_err(|e| EngineError::Venue(e.to_string()))
}

/// What the venue holds for our account at the end of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VenueSnapshot {
    /// Signed position per quoted asset, lots, as `clearinghouseState` reports it (flat assets
    /// included as zero).
    pub positions: Vec<(AssetId, Sz)>,
    /// Open orders of the account (`openOrders`), any coin.
    pub open_orders: usize,
}

#[derive(Debug, Deserialize)]
struct Chs {
    #[serde(rename = "assetPositions", default)]
    asset_positions: Vec<AssetPosition>,
}

#[derive(Debug, Deserialize)]
struct AssetPosition {
    position: PositionWire,
}

#[derive(Debug, Deserialize)]
struct PositionWire {
    coin: String,
    szi: String,
}

/// A signed size (`szi`: `"-0.0103"`) in lots; `parse_sz` takes only magnitudes.
fn parse_signed_sz(spec: &InstrumentSpec, text: &str) -> Result<Sz, crate::types::DecimalError> {
    match text.strip_prefix('-') {
        Some(magnitude) => spec.parse_sz(magnitude.as_bytes()).map(|s| Sz(-s.0)),
        None => spec.parse_sz(text.as_bytes()),
    }
}

/// Reads `clearinghouseState` and `openOrders` for `account`.
pub fn venue_snapshot(
    info_url: &str,
    account: Address,
    instruments: &[InstrumentSpec],
) -> Result<VenueSnapshot, EngineError> {
    let err = |e: String| EngineError::Venue(format!("snapshot: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| err(e.to_string()))?;
    let info =
        InfoClient::new(info_url, Duration::from_secs(10)).map_err(|e| err(e.to_string()))?;
    let user = address_text(account);
    let chs: Chs = runtime
        .block_on(info.post(
            "clearinghouseState",
            &serde_json::json!({"type": "clearinghouseState", "user": user}),
        ))
        .map_err(|e| err(e.to_string()))?;
    let open: Vec<serde_json::Value> = runtime
        .block_on(info.post("openOrders", &serde_json::json!({"type": "openOrders", "user": user})))
        .map_err(|e| err(e.to_string()))?;
    let mut positions = Vec::with_capacity(instruments.len());
    for spec in instruments {
        let szi = chs
            .asset_positions
            .iter()
            .find(|p| p.position.coin == spec.coin.as_str())
            .map(|p| parse_signed_sz(spec, &p.position.szi))
            .transpose()
            .map_err(|e| err(format!("{}: szi: {e}", spec.coin.as_str())))?
            .unwrap_or(Sz(0));
        positions.push((spec.asset, szi));
    }
    Ok(VenueSnapshot { positions, open_orders: open.len() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Coin;

    #[test]
    fn signed_sizes_parse_both_ways() {
        let spec = InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5);
        assert_eq!(parse_signed_sz(&spec, "-0.00103"), Ok(Sz(-103)));
        assert_eq!(parse_signed_sz(&spec, "0.00103"), Ok(Sz(103)));
        assert!(parse_signed_sz(&spec, "--1").is_err());
    }
}

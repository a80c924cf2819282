//! Who trades and through what: the identity (agent key and account) and the order gateway,
//! chosen and built at startup.
//!
//! - venue `sim`: a fresh paper agent key and paper account are made at start, the simulator
//!   funds the account (`venue.paper_balance_usd`) and approves the agent, so paper trading
//!   goes through exactly the same signed path as testnet and mainnet.
//! - `local`, `testnet`, `mainnet`: the agent key from `venue.agent_key_file` /
//!   `agent_key_env`, the account from `venue.account_address`. Without both, `local` runs with
//!   the [`DisconnectedGateway`](crate::venue::gateway::DisconnectedGateway) (market data
//!   only); testnet and mainnet refuse to start.
//!
//! Runs at startup on the main thread. Never logs the key.

use std::io::Read;
use std::sync::Arc;

use crate::config::{AgentKeySource, Config, VenueKind};
use crate::runtime::SharedClock;
use crate::types::{Address, InstrumentSpec};
use crate::venue::exec::{GatewayConfig, HyperliquidGateway};
use crate::wire::keys::AgentKey;
use crate::wire::nonce::NonceSource;
use crate::wire::sign::{Chain, L1Signer};

use super::error::EngineError;
use super::params::CLOID_PREFIX;

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
    let (source, account) =
        match (venue.agent_key_source(), venue.account_address.as_deref()) {
            (None, None) => return Ok(None),
            (Some(source), Some(account)) => (source, account),
            // Half an identity would leave the core quoting into a gateway that refuses every
            // order: say what is missing instead.
            (Some(_), None) => return Err(EngineError::Venue(
                "an agent key is configured but no trading account: set venue.account_address, \
                 HLMM_ACCOUNT_ADDRESS or --account (the account the agent wallet trades for; \
                 the key's own address is the agent, not the account)"
                    .to_owned(),
            )),
            (None, Some(_)) => {
                return Err(EngineError::Venue(
                    "venue.account_address is set but no agent key: set venue.agent_key_file, \
                 HLMM_AGENT_KEY_FILE, --key-file or HLMM_AGENT_KEY"
                        .to_owned(),
                ))
            }
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
/// startup, with the nonce source startup used, so nonces keep increasing), on `clock`.
pub fn build_gateway(
    config: &Config,
    signer: L1Signer,
    nonces: Arc<NonceSource>,
    account: Address,
    urls: (&str, &str, &str),
    instruments: &[InstrumentSpec],
    clock: &SharedClock,
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
    cfg.clock = Arc::clone(clock);
    HyperliquidGateway::new(cfg, signer, nonces, instruments)
        .map_err(|e| EngineError::Venue(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::VenueKind;

    fn local() -> Config {
        let mut config = Config::default();
        config.venue.kind = VenueKind::Local;
        config.venue.info_url = Some("http://127.0.0.1:3001/info".to_owned());
        config
    }

    #[test]
    fn half_an_identity_is_an_error_that_names_what_is_missing() {
        let key_only = Config {
            venue: crate::config::VenueConfig {
                agent_key_file: Some("/nonexistent/agent.key".into()),
                ..local().venue
            },
            ..local()
        };
        let account_only = Config {
            venue: crate::config::VenueConfig {
                account_address: Some(format!("0x{}", "ab".repeat(20))),
                ..local().venue
            },
            ..local()
        };
        let cases = [(key_only, "venue.account_address"), (account_only, "no agent key")];
        for (config, names) in cases {
            let Err(e) = configured_identity(&config) else { panic!("{names}: accepted") };
            assert!(e.to_string().contains(names), "{e}");
        }
        assert!(matches!(configured_identity(&local()), Ok(None)), "neither: market data only");
    }
}

//! `[venue]`: where orders go and who trades.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which venue the engine trades on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    /// The built-in simulator, started in-process: paper trading with no network.
    #[default]
    Sim,
    /// An external simulator or node, reached at `info_url` / `ws_url`.
    Local,
    /// Hyperliquid testnet. Needs an account address and an agent key.
    Testnet,
    /// Hyperliquid mainnet: real money. Needs an account address and an agent key.
    Mainnet,
}

impl VenueKind {
    /// Every kind, in the order help texts list them.
    pub const ALL: [Self; 4] = [Self::Sim, Self::Local, Self::Testnet, Self::Mainnet];
    /// The names accepted in the file, `HLMM_VENUE` and `--venue`.
    pub const NAMES: [&'static str; 4] = ["sim", "local", "testnet", "mainnet"];

    /// The name used in the file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sim => "sim",
            Self::Local => "local",
            Self::Testnet => "testnet",
            Self::Mainnet => "mainnet",
        }
    }

    /// Testnet and mainnet: real Hyperliquid, which needs an account and a signing key.
    pub fn is_hyperliquid(self) -> bool {
        matches!(self, Self::Testnet | Self::Mainnet)
    }

    /// The venue's own endpoints; `None` for the in-process simulator, whose port is chosen at
    /// startup.
    fn default_endpoints(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Sim => None,
            // Where `hlmm sim` and the SDK's `BaseUrl::Localhost` listen.
            Self::Local => Some(("http://127.0.0.1:3001/info", "ws://127.0.0.1:3001/ws")),
            Self::Testnet => Some((
                "https://api.hyperliquid-testnet.xyz/info",
                "wss://api.hyperliquid-testnet.xyz/ws",
            )),
            Self::Mainnet => {
                Some(("https://api.hyperliquid.xyz/info", "wss://api.hyperliquid.xyz/ws"))
            }
        }
    }
}

impl fmt::Display for VenueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VenueKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("expected one of {}", Self::NAMES.join(", ")))
    }
}

/// `[venue]`: the venue, its endpoints, the trading account and where the agent key comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VenueConfig {
    /// `sim` | `local` | `testnet` | `mainnet`. Default `sim`.
    pub kind: VenueKind,
    /// Full URL of the REST `/info` endpoint; `/exchange` is derived by replacing the final
    /// `/info`. Overrides the venue's own (`local`: `http://127.0.0.1:3001/info`). Not used by
    /// `sim`. `http://` or `https://`; `https://` for testnet and mainnet.
    pub info_url: Option<String>,
    /// Full URL of the WebSocket endpoint (market data, user stream, `post`). Overrides the
    /// venue's own (`local`: `ws://127.0.0.1:3001/ws`). Not used by `sim`. `ws://` or `wss://`;
    /// `wss://` for testnet and mainnet.
    pub ws_url: Option<String>,
    /// The trading account (master or sub-account), `0x` + 40 hex digits, stored lower-cased.
    /// Queries and user streams use it, never the agent's address. Required for testnet and
    /// mainnet; no default.
    pub account_address: Option<String>,
    /// Path of a file holding the agent (API wallet) private key, e.g. a compose secret at
    /// `/run/secrets/hlmm_agent_key`. Preferred over `agent_key_env`; set one, not both.
    pub agent_key_file: Option<PathBuf>,
    /// Name of an environment variable holding the agent key, e.g. `HLMM_AGENT_KEY`. Only the
    /// name lives here. Set automatically to `HLMM_AGENT_KEY` when that variable is present and
    /// no source is configured.
    pub agent_key_env: Option<String>,
    /// `sim` only: where the in-process simulator listens. Default `127.0.0.1:0` (loopback, an
    /// ephemeral port); never expose it beyond loopback without a reason.
    pub listen: SocketAddr,
    /// `sim` only: seed of the simulator's market generator, so paper runs repeat. Default 1.
    pub seed: u64,
    /// `sim` only: starting USDC balance of the paper account, in USD. Default 100 000.
    pub paper_balance_usd: f64,
    /// Leverage set on every quoted coin at startup (`updateLeverage`, cross margin), times;
    /// capped at each coin's `maxLeverage` with a warning. 1..=50. Default 3.
    pub leverage: u32,
    /// How often positions and open orders are reconciled with the venue while running, ms. A
    /// mismatch moves the coin to `Reducing` and is reported. 5 000..=3 600 000. Default 30 000.
    pub reconcile_interval_ms: u64,
    /// Largest difference between our clock and the venue's accepted at startup, ms. Every
    /// action carries `expiresAfter` = our clock + a few seconds, and nonces are our clock in
    /// ms: a clock behind the venue's by more than that makes every action expire on arrival.
    /// 100..=60 000. Default 2 000.
    pub max_clock_skew_ms: u64,
    /// Required (or `--i-understand-this-is-mainnet`) to start on mainnet, which trades real
    /// money. Default `false`.
    pub i_understand_this_is_mainnet: bool,
}

impl Default for VenueConfig {
    fn default() -> Self {
        Self {
            kind: VenueKind::Sim,
            info_url: None,
            ws_url: None,
            account_address: None,
            agent_key_file: None,
            agent_key_env: None,
            listen: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)),
            seed: 1,
            paper_balance_usd: 100_000.0,
            leverage: 3,
            reconcile_interval_ms: 30_000,
            max_clock_skew_ms: 2_000,
            i_understand_this_is_mainnet: false,
        }
    }
}

/// Where the agent key is read from. Holds a path or a variable name, never the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentKeySource<'a> {
    /// A file whose content is the key.
    File(&'a Path),
    /// An environment variable whose value is the key.
    Env(&'a str),
}

/// The URLs of a venue that is reached over the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// REST `/info`.
    pub info: String,
    /// REST `/exchange`.
    pub exchange: String,
    /// WebSocket.
    pub ws: String,
}

impl VenueConfig {
    /// The configured key source: the file if set, else the environment variable.
    pub fn agent_key_source(&self) -> Option<AgentKeySource<'_>> {
        match (&self.agent_key_file, &self.agent_key_env) {
            (Some(path), _) => Some(AgentKeySource::File(path)),
            (None, Some(var)) => Some(AgentKeySource::Env(var)),
            (None, None) => None,
        }
    }

    /// The endpoints to connect to: overrides first, else the venue's own. `None` for `sim`.
    /// Meaningful on a validated config (`info_url` then ends in `/info`).
    pub fn endpoints(&self) -> Option<Endpoints> {
        let (info, ws) = self.kind.default_endpoints()?;
        let info = self.info_url.clone().unwrap_or_else(|| info.to_owned());
        let base = info.strip_suffix("/info").unwrap_or(&info);
        let exchange = format!("{base}/exchange");
        let ws = self.ws_url.clone().unwrap_or_else(|| ws.to_owned());
        Some(Endpoints { info, exchange, ws })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_url_is_derived_from_the_info_url() {
        let venue = VenueConfig {
            kind: VenueKind::Local,
            info_url: Some("http://10.0.0.5:3001/info".into()),
            ..VenueConfig::default()
        };
        let endpoints = venue.endpoints().expect("local has endpoints");
        assert_eq!(endpoints.exchange, "http://10.0.0.5:3001/exchange");
        assert_eq!(endpoints.ws, "ws://127.0.0.1:3001/ws");
    }

    #[test]
    fn mainnet_endpoints_are_the_venue_defaults() {
        let venue = VenueConfig { kind: VenueKind::Mainnet, ..VenueConfig::default() };
        let endpoints = venue.endpoints().expect("mainnet has endpoints");
        assert_eq!(endpoints.info, "https://api.hyperliquid.xyz/info");
        assert_eq!(endpoints.exchange, "https://api.hyperliquid.xyz/exchange");
        assert_eq!(endpoints.ws, "wss://api.hyperliquid.xyz/ws");
        assert_eq!(VenueConfig::default().endpoints(), None);
    }

    #[test]
    fn venue_kind_names_round_trip() {
        for (kind, name) in VenueKind::ALL.into_iter().zip(VenueKind::NAMES) {
            assert_eq!(kind.as_str(), name);
            assert_eq!(name.parse::<VenueKind>(), Ok(kind));
        }
        assert_eq!(
            "prod".parse::<VenueKind>(),
            Err("expected one of sim, local, testnet, mainnet".to_owned())
        );
    }
}

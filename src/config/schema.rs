//! [`Config`]: the whole configuration document of one engine process, section by section.
//! Loading, environment overrides and validation live in the parent module and its siblings;
//! they import this type, and this file imports only the sections it is made of.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::api::ApiConfig;
use super::caps::CapsConfig;
use super::redis::RedisConfig;
use super::sections::{FeedConfig, TelemetryConfig, ThreadsConfig};
use super::symbol::{SymbolConfig, SymbolOverrides};
use super::venue::VenueConfig;

/// The coins `Config::default()` quotes: ten liquid perpetuals that exist on mainnet, testnet
/// and the simulator.
pub const DEFAULT_COINS: [&str; 10] =
    ["BTC", "ETH", "SOL", "XRP", "DOGE", "AVAX", "LINK", "SUI", "ARB", "HYPE"];

/// The whole configuration of one engine process.
///
/// Built from a TOML file (every section optional except `[symbols]`), then environment
/// overrides, then checked by [`Config::validate`]. `Config::default()` is the paper-trading setup:
/// the in-process simulator quoting [`DEFAULT_COINS`] with the built-in per-symbol defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where orders go: the simulator, an external node, testnet or mainnet.
    #[serde(default)]
    pub venue: VenueConfig,
    /// Core pinning, priorities and the polling policy of the engine's threads.
    #[serde(default)]
    pub threads: ThreadsConfig,
    /// WebSocket feed: heartbeats, staleness, reconnect backoff, ring sizes, book depth.
    #[serde(default)]
    pub feed: FeedConfig,
    /// Logging format and the periodic summary.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// Optional Redis sync (config hot reload, position updates, metrics) and symbol scanner.
    #[serde(default)]
    pub redis: RedisConfig,
    /// Optional operator API gateway and dashboard.
    #[serde(default)]
    pub api: ApiConfig,
    /// Hard caps on the limits a runtime patch may set.
    #[serde(default)]
    pub caps: CapsConfig,
    /// Per-symbol parameters used where a `[symbols.<COIN>]` table leaves a field out. A field
    /// missing here falls back to the built-in default ([`SymbolConfig::default`]).
    #[serde(default)]
    pub defaults: SymbolConfig,
    /// The coins to quote, keyed by Hyperliquid coin name (`BTC`, `kPEPE`, HIP-3 `xyz:XYZ100`),
    /// each with the fields it overrides. A file must list at least one: there is no implicit set.
    #[serde(default)]
    pub symbols: BTreeMap<String, SymbolOverrides>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            venue: VenueConfig::default(),
            threads: ThreadsConfig::default(),
            feed: FeedConfig::default(),
            telemetry: TelemetryConfig::default(),
            redis: RedisConfig::default(),
            api: ApiConfig::default(),
            caps: CapsConfig::default(),
            defaults: SymbolConfig::default(),
            symbols: DEFAULT_COINS
                .iter()
                .map(|coin| ((*coin).to_owned(), SymbolOverrides::default()))
                .collect(),
        }
    }
}

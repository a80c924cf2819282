//! The JSON documents hlmm writes to and reads from Redis.
//!
//! Field names and meanings of the design document's schemas (`Symbol Metrics`, `Position
//! Updates Channel`, `Config Channel`) are the user's contract: they are never renamed. Extra
//! fields are added after them and documented here. Times named `timestamp` / `last_updated`
//! are Unix seconds, as in the design document; `*_ms` fields carry milliseconds.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, SymbolConfigPatch};

/// The position documents and config field errors are the operator API's too: one type each,
/// defined with the API's model.
pub use hlmm_api::model::{FieldChange, FieldError as AckError, PositionEntry, PositionUpdate};

/// Pub/sub channel the operator publishes per-symbol config patches on.
pub const CONFIG_CHANNEL: &str = "mm_config";
/// Pub/sub channel every `mm_config` message is acknowledged on.
pub const CONFIG_ACK_CHANNEL: &str = "mm_config_ack";
/// Prefix of the per-symbol accepted-config keys: `mm:config:<SYM>`.
pub const CONFIG_KEY_PREFIX: &str = "mm:config:";
/// Stream and pub/sub channel of position updates (same name for both, as in the design).
pub const POSITION_UPDATES: &str = "mm_position_updates";
/// Key holding the scanner's [`SymbolMetricsDoc`].
pub const SYMBOL_METRICS_KEY: &str = "mm_symbol_metrics";
/// Key holding the scanner's current selection ([`SelectionDoc`]).
pub const SYMBOL_SELECTION_KEY: &str = "mm_symbol_selection";
/// Pub/sub channel of scanner events ([`ScannerEvent`]).
pub const SYMBOL_EVENTS_CHANNEL: &str = "mm_symbol_events";
/// Key holding the engine metrics JSON, rewritten every `metrics_interval_ms`.
pub const METRICS_KEY: &str = "mm_metrics";

/// The key of `symbol`'s accepted config.
pub fn config_key(symbol: &str) -> String {
    format!("{CONFIG_KEY_PREFIX}{symbol}")
}

/// One perp as the scanner saw it (design document: `SymbolMetrics`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbolMetrics {
    /// Coin name.
    pub symbol: String,
    /// Notional traded over the last 24 h, USD (`dayNtlVlm`).
    pub volume_24h: f64,
    /// Open interest, USD at the mark price (`openInterest` × `markPx`).
    pub open_interest: f64,
    /// Listed and not delisted.
    pub is_active: bool,
    /// When the scan ran, Unix seconds.
    pub last_updated: u64,
}

/// The `mm_symbol_metrics` document (design document: `{"symbols": [...]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbolMetricsDoc {
    /// Every perp of the universe, by 24 h volume, largest first.
    pub symbols: Vec<SymbolMetrics>,
}

/// The `mm_symbol_selection` document: the scanner's current top-N.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionDoc {
    /// Selected coins, by 24 h volume, largest first.
    pub symbols: Vec<String>,
    /// Selected coins this engine cannot quote without a restart (not in its instrument set).
    pub needs_restart: Vec<String>,
    /// When the scan ran, Unix seconds.
    pub timestamp: u64,
}

/// What a scanner event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScannerEventKind {
    /// A perp appeared in the universe since the previous scan.
    Listed,
    /// A perp was delisted (or left the universe) since the previous scan.
    Delisted,
    /// A perp entered the selection.
    Selected,
    /// A perp left the selection.
    Deselected,
}

/// One `mm_symbol_events` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScannerEvent {
    /// What happened.
    pub event: ScannerEventKind,
    /// The coin.
    pub symbol: String,
    /// Whether this engine quotes the coin (it is in the instrument set built at startup).
    pub quoted_by_engine: bool,
    /// When the scan ran, Unix seconds.
    pub timestamp: u64,
}

/// Where a config came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSource {
    /// A message on `mm_config`.
    Channel,
    /// The `mm:config:<SYM>` key, read at start or after a reconnect.
    Key,
    /// Extra: the operator API (`PATCH /api/v1/config/{symbol}`).
    Api,
}

impl From<&ConfigError> for AckError {
    fn from(e: &ConfigError) -> Self {
        Self { field: Some(e.field.clone()), value: Some(e.value.clone()), rule: e.rule.clone() }
    }
}

/// The `mm_config_ack` message: one per `mm_config` message (and per key applied or refused
/// at a resync).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigAck {
    /// The symbol, when the message named one.
    pub symbol: Option<String>,
    /// Applied (queued to the quote thread) or refused.
    pub accepted: bool,
    /// The symbol's config version after this message (accepted), or still in force (refused).
    pub version: Option<u64>,
    /// Channel message or key.
    pub source: ConfigSource,
    /// Every reason, when refused.
    pub errors: Vec<AckError>,
    /// What changed, old → new, when accepted.
    pub changes: Vec<FieldChange>,
    /// Unix seconds.
    pub timestamp: u64,
}

/// The value of `mm:config:<SYM>`: the symbol's whole accepted config in the `mm_config`
/// schema, with its version. Operators may write it too (with a higher version); the engine
/// applies it at start and after every reconnect, after the same validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredConfig {
    /// Per-symbol version, +1 per accepted change.
    pub version: u64,
    /// When it was accepted, Unix seconds.
    #[serde(default)]
    pub updated_at: u64,
    /// Every field, `mm_config` schema.
    pub config: SymbolConfigPatch,
}

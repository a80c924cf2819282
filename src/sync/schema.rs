//! The JSON documents hlmm writes to and reads from Redis.
//!
//! Field names and meanings of the design document's schemas (`Symbol Metrics`, `Position
//! Updates Channel`, `Config Channel`) are the user's contract: they are never renamed. Extra
//! fields are added after them and documented here. Times named `timestamp` / `last_updated`
//! are Unix seconds, as in the design document; `*_ms` fields carry milliseconds.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, SymbolConfigPatch};

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

/// One position (design document: `Position`), with extra fields after the contract's six.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionEntry {
    /// Coin name.
    pub symbol: String,
    /// Signed size, coins (long positive).
    pub size: f64,
    /// Average entry price, USDC; 0 when flat.
    pub entry_price: f64,
    /// Mark price used, USDC; 0 before the first book.
    pub current_price: f64,
    /// Unrealised PnL at `current_price`, USD.
    pub unrealized_pnl: f64,
    /// Absolute notional at `current_price`, USD.
    pub notional_usd: f64,
    /// Extra: realised PnL since start, before fees, USD.
    pub realized_pnl: f64,
    /// Extra: fees paid since start, USD (negative = rebates).
    pub fees: f64,
    /// Extra: funding received since start, USD (negative = paid).
    pub funding: f64,
    /// Extra: PnL since 00:00 UTC (realised + unrealised − fees + funding), USD.
    pub daily_pnl: f64,
    /// Extra: trading state, `Active` / `Reducing` / `Halted`.
    pub risk_state: String,
    /// Extra: why the state is what it is (`Clear`, `DailyStop`, `StaleBook`, …).
    pub risk_reason: String,
    /// Extra: the accepted config version in force in the core (0 = the file's).
    pub config_version: u64,
}

/// One position update (design document: `Position Updates Channel`), published on the
/// `mm_position_updates` channel and appended to the stream of the same name (field `data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionUpdate {
    /// Unix seconds.
    pub timestamp: u64,
    /// Every quoted coin.
    pub positions: Vec<PositionEntry>,
    /// Realised + unrealised PnL since start, before fees, USD.
    pub total_pnl: f64,
    /// Sum of long notionals, USD.
    pub total_long_exposure: f64,
    /// Sum of short notionals, USD (positive).
    pub total_short_exposure: f64,
    /// Extra: sequence number, +1 per update since start; gaps mean dropped updates.
    pub seq: u64,
    /// Extra: milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// Extra: realised PnL since start, USD.
    pub total_realized_pnl: f64,
    /// Extra: unrealised PnL, USD.
    pub total_unrealized_pnl: f64,
    /// Extra: PnL since 00:00 UTC over every coin, USD.
    pub total_daily_pnl: f64,
    /// Extra: why it was published: `interval` or `fill`.
    pub reason: String,
}

/// Where a config came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSource {
    /// A message on `mm_config`.
    Channel,
    /// The `mm:config:<SYM>` key, read at start or after a reconnect.
    Key,
}

/// One reason a config was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckError {
    /// The field, when one is to blame (`notional_per_side`, `symbol`, …).
    pub field: Option<String>,
    /// Its value as received.
    pub value: Option<String>,
    /// The rule it breaks, or the parser's message.
    pub rule: String,
}

impl From<&ConfigError> for AckError {
    fn from(e: &ConfigError) -> Self {
        Self { field: Some(e.field.clone()), value: Some(e.value.clone()), rule: e.rule.clone() }
    }
}

/// A field a config changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Value before.
    pub old: serde_json::Value,
    /// Value after.
    pub new: serde_json::Value,
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

//! The JSON documents of the operator API (`docs/api.md`), shared by the gateway, the engine's
//! data source and the Redis sync (the position update is the design document's contract and
//! is published on Redis unchanged).
//!
//! Units: prices and sizes are decimals in the venue's units (USD, coins); times are Unix
//! milliseconds (`*_ms`) unless a field says seconds; latencies are nanoseconds (`*_ns`).

use serde::{Deserialize, Serialize};

/// `GET /api/v1/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Status {
    /// `sim`, `testnet` or `mainnet`.
    pub venue: String,
    /// This engine's instance id.
    pub instance: String,
    /// hlmm's version.
    pub version: String,
    /// Seconds since the engine started.
    pub uptime_s: f64,
    /// The feed's WebSocket is connected.
    pub connected: bool,
    /// At least one coin is quoting (not Halted).
    pub quoting: bool,
    /// The kill switch is on.
    pub killed: bool,
    /// The order gateway's rate budget.
    pub rate_budget: RateBudgetUsage,
    /// The dead-man's switch (`scheduleCancel`).
    pub dead_man: DeadMan,
    /// The Redis side channel.
    pub redis: RedisStatus,
}

/// The rate budget as the order gateway sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RateBudgetUsage {
    /// `Normal`, `Elevated`, `Critical`.
    pub pressure: String,
    /// IP weight left in the current minute.
    pub ip_weight_left: u64,
    /// Address-based requests left; `None` before the venue said.
    pub address_headroom: Option<u64>,
    /// Sends refused by the venue's rate limit since start.
    pub throttled: u64,
}

/// The dead-man's switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DeadMan {
    /// A `scheduleCancel` is armed at the venue.
    pub armed: bool,
    /// `armed`, `off` (not armed yet, or no gateway) or `refused` (the venue refuses
    /// `scheduleCancel` for this account, a volume gate: `expiresAfter` and the local watchdog
    /// protect instead).
    pub state: String,
}

/// The Redis side channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RedisStatus {
    /// Redis is configured.
    pub enabled: bool,
    /// Connected now.
    pub connected: bool,
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

/// One position update (design document: `Position Updates Channel`): `GET /api/v1/positions`,
/// the stream's `positions` message, and what the Redis sync publishes on
/// `mm_position_updates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
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

/// `GET /api/v1/orders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Orders {
    /// Our orders resting or in flight now.
    pub open: Vec<OpenOrderEntry>,
    /// Recent order actions with their outcomes, newest first (bounded).
    pub history: Vec<OrderRecord>,
    /// Execution metrics since start.
    pub metrics: ExecutionMetrics,
}

/// One of our open orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenOrderEntry {
    /// Coin.
    pub symbol: String,
    /// `Bid` or `Ask`.
    pub side: String,
    /// Limit price, USD.
    pub price: f64,
    /// Size left, coins.
    pub size: f64,
    /// Our client order id, `0x` + 32 hex digits.
    pub cloid: String,
    /// The venue's order id, once known.
    pub oid: Option<u64>,
    /// The order's lifecycle state: `pending_new`, `open`, `pending_modify`, `pending_cancel`,
    /// `open_pending_ack`, or an `*_ambiguous` state while the venue's answer is unknown.
    pub status: String,
    /// When the place (or the modify) was sent, Unix ms.
    pub placed_ms: u64,
}

/// One order action and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// When the outcome was known.
    pub time_ms: u64,
    /// Coin.
    pub symbol: String,
    /// `place`, `modify`, `cancel`.
    pub action: String,
    /// `Bid`/`Ask`, when known.
    pub side: Option<String>,
    /// Limit price, USD, when a placement.
    pub price: Option<f64>,
    /// Size, coins, when a placement.
    pub size: Option<f64>,
    /// Client order id.
    pub cloid: String,
    /// `resting`, `filled`, `cancelled`, `rejected`, `modified`, `unknown`.
    pub outcome: String,
    /// The rejection class, when rejected.
    pub class: Option<String>,
}

/// Execution metrics since start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ExecutionMetrics {
    /// Placements sent.
    pub placed: u64,
    /// Modifies sent.
    pub modified: u64,
    /// Cancels sent.
    pub cancelled: u64,
    /// Fills received.
    pub filled: u64,
    /// `filled / placed` (0 before the first placement).
    pub fill_rate: f64,
    /// Rejections by class.
    pub rejected: std::collections::BTreeMap<String, u64>,
    /// Share of the address budget used, 0–1.
    pub rate_budget_used: f64,
}

/// One fill of ours (`GET /api/v1/fills`, the stream's `fill` message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FillEntry {
    /// The venue's fill time.
    pub time_ms: u64,
    /// Coin.
    pub symbol: String,
    /// Our side: `Bid` bought, `Ask` sold.
    pub side: String,
    /// Price, USD.
    pub price: f64,
    /// Size, coins.
    pub size: f64,
    /// Fee paid, USD (negative = rebate).
    pub fee: f64,
    /// The venue's trade id (with `oid`, the fill's identity).
    pub tid: u64,
    /// The venue's order id.
    pub oid: u64,
    /// We took liquidity.
    pub crossed: bool,
}

/// `GET /api/v1/fills`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Fills {
    /// Newest first.
    pub fills: Vec<FillEntry>,
}

/// `GET /api/v1/risk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Risk {
    /// Per coin.
    pub coins: Vec<CoinRisk>,
    /// The core's state changes, newest first (bounded).
    pub audit: Vec<RiskAudit>,
    /// Operator actions, newest first (bounded).
    pub control_audit: Vec<ControlAudit>,
}

/// One coin's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoinRisk {
    /// Coin.
    pub symbol: String,
    /// `Active`, `Reducing`, `Halted`.
    pub state: String,
    /// Why.
    pub reason: String,
    /// Limit usage.
    pub limits: Vec<LimitUsage>,
}

/// How much of one limit is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitUsage {
    /// `long`, `short`, `daily_loss`, `global_daily_loss`.
    pub name: String,
    /// Used, in `unit`.
    pub used: f64,
    /// The limit, in `unit`.
    pub limit: f64,
    /// `USD`, …
    pub unit: String,
}

/// One state change of the core's risk state machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskAudit {
    /// When.
    pub time_ms: u64,
    /// Coin.
    pub symbol: String,
    /// State before.
    pub from: String,
    /// State after.
    pub to: String,
    /// Why.
    pub reason: String,
}

/// One operator action (API or Redis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlAudit {
    /// When.
    pub time_ms: u64,
    /// Who: the token's id (`mm_config` for a Redis message).
    pub token_id: String,
    /// `kill`, `resume`, `halt`, `resume_symbol`, `hedge_only`, `config`.
    pub action: String,
    /// `all` or the coin.
    pub target: String,
    /// Before (state or config version).
    pub old: String,
    /// After.
    pub new: String,
    /// `accepted` or the reason it was refused.
    pub result: String,
}

/// `GET /api/v1/config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ConfigView {
    /// Per quoted coin.
    pub symbols: Vec<SymbolConfigView>,
    /// Every per-symbol field with its unit and rule.
    pub fields: Vec<FieldRule>,
}

/// One coin's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolConfigView {
    /// Coin.
    pub symbol: String,
    /// Accepted version (0 = the file's).
    pub version: u64,
    /// Every field, `mm_config` schema.
    pub config: serde_json::Map<String, serde_json::Value>,
}

/// One per-symbol field's rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldRule {
    /// Field name.
    pub name: String,
    /// Unit (`USD`, `bps`, `ms`, `fraction`, …), empty for flags and names.
    pub unit: String,
    /// The range or set of values accepted.
    pub rule: String,
}

/// One reason a request was refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field, when one is to blame.
    pub field: Option<String>,
    /// Its value as received.
    pub value: Option<String>,
    /// The rule it breaks, or the parser's message.
    pub rule: String,
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

/// An accepted config patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigPatched {
    /// Coin.
    pub symbol: String,
    /// The new version.
    pub version: u64,
    /// What changed.
    pub changes: Vec<FieldChange>,
}

/// `GET /api/v1/latency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Latency {
    /// Per stage, in pipeline order.
    pub stages: Vec<StageLatency>,
}

/// One stage's latency since start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StageLatency {
    /// `parse`, `feed_to_ring`, `ring_wait`, `decide`, `intent_push`, `frame_to_intent`.
    pub stage: String,
    /// Samples.
    pub count: u64,
    /// Median, ns.
    pub p50_ns: u64,
    /// 90th percentile, ns.
    pub p90_ns: u64,
    /// 99th percentile, ns.
    pub p99_ns: u64,
    /// 99.9th percentile, ns.
    pub p999_ns: u64,
    /// Largest, ns.
    pub max_ns: u64,
    /// Cumulative counts at bucket bounds (Prometheus style: `count` of samples ≤ `le_ns`).
    pub buckets: Vec<Bucket>,
}

/// One cumulative histogram bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// Upper bound, ns.
    pub le_ns: u64,
    /// Samples at or below it.
    pub count: u64,
}

/// `GET /api/v1/symbols`: the scanner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Symbols {
    /// The scanner runs (it needs Redis).
    pub enabled: bool,
    /// The coins this engine quotes.
    pub quoted: Vec<String>,
    /// The scanner's current selection.
    pub selected: Vec<String>,
    /// Every perp the last scan saw, by 24 h volume, largest first.
    pub ranked: Vec<RankedSymbol>,
}

/// One perp as the scanner saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedSymbol {
    /// Coin.
    pub symbol: String,
    /// 24 h notional volume, USD.
    pub volume_24h: f64,
    /// Open interest, USD.
    pub open_interest: f64,
    /// Listed and trading.
    pub is_active: bool,
}

/// What a control call asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlAction {
    /// Every coin Halted, every order cancelled.
    Kill,
    /// Lift the kill switch.
    Resume,
    /// One coin Halted.
    Halt(String),
    /// Lift one coin's operator halt.
    ResumeSymbol(String),
    /// One coin hedge-only (a config change of `hedge_only_mode`).
    HedgeOnly(String),
    /// A partial per-symbol config (`mm_config` schema, without `symbol`).
    PatchConfig {
        /// Coin.
        symbol: String,
        /// The fields to change.
        patch: serde_json::Map<String, serde_json::Value>,
    },
}

impl ControlAction {
    /// The audit name of the action.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Kill => "kill",
            Self::Resume => "resume",
            Self::Halt(_) => "halt",
            Self::ResumeSymbol(_) => "resume_symbol",
            Self::HedgeOnly(_) => "hedge_only",
            Self::PatchConfig { .. } => "config",
        }
    }

    /// `all` or the coin.
    pub fn target(&self) -> &str {
        match self {
            Self::Kill | Self::Resume => "all",
            Self::Halt(s) | Self::ResumeSymbol(s) | Self::HedgeOnly(s) => s,
            Self::PatchConfig { symbol, .. } => symbol,
        }
    }
}

/// A control call, with who made it.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlRequest {
    /// The caller's token id (for the audit record).
    pub token_id: String,
    /// What to do.
    pub action: ControlAction,
}

/// What the engine made of a control call.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlOutcome {
    /// Done (kill, resume, halt): queued to the quote thread.
    Accepted,
    /// A config patch was accepted.
    Patched(ConfigPatched),
    /// Refused: nothing changed.
    Refused(Refusal),
}

/// Why a control call was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The coin is not quoted by this engine.
    UnknownSymbol(String),
    /// The patch breaks these rules.
    Invalid(Vec<FieldError>),
}

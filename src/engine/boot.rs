//! Before the threads and after them: the venue to connect to (starting the built-in simulator
//! for venue `sim`), the instruments to quote, the core, the account's startup and the order
//! gateway; and the account's state once everything has stopped.
//!
//! Runs on the main thread; may block and log.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, VenueKind};
use crate::core::params::SymbolParams;
use crate::core::QuotingCore;
use crate::msg::AssetIndex;
use crate::runtime::{Clock, SharedClock};
#[cfg(feature = "sim")]
use crate::sim::handle::{AgentEntry, FundAccount};
#[cfg(feature = "sim")]
use crate::sim::{SimConfig, SimHandle};
use crate::types::commands::Command;
use crate::types::{Address, InstrumentSpec, Nanos};
use crate::venue::account::{self, AccountSnapshot};
use crate::venue::exec::GatewayStats;
use crate::venue::gateway::{DisconnectedGateway, OrderGateway};
use crate::venue::info::InfoClient;

use super::error::EngineError;
use super::gateway::{self, Identity};
use super::params;
use super::startup::{self, Listed};

/// Timeout of the requests made here.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the engine connects, and who trades there.
pub(super) struct VenueTarget {
    /// The in-process simulator, kept alive for the run (venue `sim`).
    #[cfg(feature = "sim")]
    sim: Option<SimHandle>,
    pub(super) info_url: String,
    pub(super) exchange_url: String,
    pub(super) ws_url: String,
    /// The signing key and account; `None` = no order gateway (market data only).
    identity: Option<Identity>,
}

impl VenueTarget {
    /// Stops the built-in simulator, if this run started one.
    pub(super) fn stop(self) {
        #[cfg(feature = "sim")]
        if let Some(sim) = self.sim {
            if let Err(e) = sim.shutdown() {
                tracing::warn!(error = %e, "Simulator shutdown reported an error");
            }
        }
    }
}

/// Paper trading goes through the same signed path: a fresh agent and account, funded and
/// approved by the in-process simulator at start.
#[cfg(feature = "sim")]
fn start_builtin_sim(config: &Config) -> Result<VenueTarget, EngineError> {
    let identity = gateway::paper_identity()?;
    let account = identity.account;
    let sim_config = SimConfig {
        listen: config.venue.listen,
        seed: config.venue.seed,
        fund: vec![FundAccount { address: account, usdc: config.venue.paper_balance_usd }],
        agents: vec![AgentEntry { agent: identity.key.address(), account }],
        ..SimConfig::ephemeral()
    };
    let sim = SimHandle::start(sim_config).map_err(|e| EngineError::Simulator(e.to_string()))?;
    tracing::info!(
        addr = %sim.addr(),
        seed = config.venue.seed,
        account = %gateway::address_text(identity.account),
        "Built-in simulator started with a paper account"
    );
    Ok(VenueTarget {
        info_url: sim.info_url(),
        exchange_url: sim.exchange_url(),
        ws_url: sim.ws_url(),
        sim: Some(sim),
        identity: Some(identity),
    })
}

/// A live-only build (without the `sim` feature) has no simulator to start.
#[cfg(not(feature = "sim"))]
fn start_builtin_sim(_config: &Config) -> Result<VenueTarget, EngineError> {
    Err(EngineError::Simulator(
        "venue sim: this build has no simulator (built without the `sim` feature)".to_owned(),
    ))
}

/// The venue of `config`: the built-in simulator, or the configured endpoints and identity.
pub(super) fn start_venue(config: &Config) -> Result<VenueTarget, EngineError> {
    if config.venue.kind == VenueKind::Sim {
        return start_builtin_sim(config);
    }
    let endpoints = config
        .venue
        .endpoints()
        .ok_or_else(|| EngineError::Venue("no endpoints for this venue kind".to_owned()))?;
    let identity = gateway::configured_identity(config)?;
    if identity.is_none() {
        if config.venue.kind.is_hyperliquid() {
            return Err(EngineError::Venue(
                "testnet and mainnet need venue.account_address and an agent key".to_owned(),
            ));
        }
        tracing::warn!("No account or agent key configured: market data only, no orders");
    }
    Ok(VenueTarget {
        #[cfg(feature = "sim")]
        sim: None,
        info_url: endpoints.info,
        exchange_url: endpoints.exchange,
        ws_url: endpoints.ws,
        identity,
    })
}

/// What the run quotes: the configured, enabled coins in config order, and what the venue lists.
pub(super) struct Market {
    /// The quoted instruments (the core's dense-index order).
    pub(super) instruments: Vec<InstrumentSpec>,
    /// Their core parameters, in the same order.
    pub(super) params: Vec<SymbolParams>,
    /// Every coin the venue lists.
    pub(super) listed: Vec<Listed>,
}

/// Loads the instrument table from the venue and picks the configured, enabled coins, in
/// config order, with their core parameters (`vol_prior`, if given, for every coin).
pub(super) fn load_market(
    config: &Config,
    info_url: &str,
    vol_prior: Option<f64>,
) -> Result<Market, EngineError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| EngineError::Venue(e.to_string()))?;
    let info = InfoClient::new(info_url, REQUEST_TIMEOUT)
        .map_err(|e| EngineError::Venue(e.to_string()))?;
    let meta = runtime.block_on(info.meta()).map_err(|e| EngineError::Venue(e.to_string()))?;
    let listed: Vec<Listed> = meta
        .instruments()
        .into_iter()
        .map(|spec| Listed {
            spec,
            max_leverage: meta.universe.get(spec.asset.0 as usize).map_or(0, |u| u.max_leverage),
        })
        .collect();
    let mut instruments = Vec::new();
    let mut params = Vec::new();
    for (coin, symbol) in config.resolved_symbols() {
        if !symbol.enabled {
            continue;
        }
        let spec = listed
            .iter()
            .find(|l| l.spec.coin.as_str() == coin)
            .ok_or_else(|| EngineError::UnknownSymbol(coin.to_owned()))?;
        instruments.push(spec.spec);
        params.push(symbol.core_params(&config.feed));
    }
    if instruments.len() > AssetIndex::MAX_ASSET_ID as usize {
        return Err(EngineError::Config("too many symbols".to_owned()));
    }
    if let Some(prior) = vol_prior {
        for p in &mut params {
            p.vol_prior = Some(prior);
        }
    }
    tracing::info!(
        coins = %instruments.iter().map(|s| s.coin.as_str()).collect::<Vec<_>>().join(","),
        venue = config.venue.kind.as_str(),
        "Instruments loaded"
    );
    Ok(Market { instruments, params, listed })
}

/// The core for `market`, halted until the startup gate opens.
pub(super) fn new_core(market: &Market, now: Nanos) -> Result<QuotingCore, EngineError> {
    let global = params::global_params(now);
    QuotingCore::new(&market.instruments, &market.params, global, now)
        .map_err(|e| EngineError::Core(e.to_string()))
}

/// The order path of a run, as startup left it.
pub(super) struct Orders {
    /// The gateway the exec thread drives.
    pub(super) gateway: Box<dyn OrderGateway>,
    /// Its gauges (rate-budget pressure, dead-man's switch); `None` without a venue account.
    pub(super) stats: Option<Arc<GatewayStats>>,
    /// The trading account; `None` = market data only.
    pub(super) account: Option<Address>,
    /// Commands the startup reconciliation issued, sent before anything else.
    pub(super) startup_commands: Vec<Command>,
    /// Whether the core agreed with the venue after startup.
    pub(super) agreed: bool,
}

/// With an identity: leverage, the account's snapshot and the startup reconciliation (the
/// core stays halted), then the Hyperliquid gateway. Without one: the disconnected gateway.
pub(super) fn prepare_orders(
    config: &Config,
    venue: &mut VenueTarget,
    market: &Market,
    core: &mut QuotingCore,
    clock: &SharedClock,
) -> Result<Orders, EngineError> {
    let Some(identity) = venue.identity.take() else {
        return Ok(Orders {
            gateway: Box::new(DisconnectedGateway),
            stats: None,
            account: None,
            startup_commands: Vec::new(),
            agreed: true,
        });
    };
    let outcome = startup::prepare_account(
        config,
        identity,
        (&venue.exchange_url, &venue.info_url),
        &market.listed,
        &market.instruments,
        core,
        clock,
    )?;
    let agreed = outcome.agreed();
    let gw = gateway::build_gateway(
        config,
        outcome.signer,
        outcome.nonces,
        outcome.account,
        (&venue.exchange_url, &venue.info_url, &venue.ws_url),
        &market.instruments,
        clock,
    )?;
    Ok(Orders {
        stats: Some(gw.stats()),
        gateway: Box::new(gw),
        account: Some(outcome.account),
        startup_commands: outcome.commands,
        agreed,
    })
}

/// What the venue holds for `account` after shutdown (`None`, logged, if it did not answer).
pub(super) fn final_account(
    info_url: &str,
    account: Address,
    instruments: &[InstrumentSpec],
    clock: &SharedClock,
) -> Option<AccountSnapshot> {
    let fetched = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|runtime| {
            let info = InfoClient::new(info_url, REQUEST_TIMEOUT).map_err(|e| e.to_string())?;
            runtime
                .block_on(account::fetch(&info, account, instruments, clock.now()))
                .map_err(|e| e.to_string())
        });
    match fetched {
        Ok(s) => {
            tracing::info!(
                open_orders = s.open_order_count(),
                positions = ?s.venue.positions,
                "Venue state after shutdown"
            );
            Some(s)
        }
        Err(e) => {
            tracing::warn!(error = %e, "Venue state after shutdown unknown");
            None
        }
    }
}

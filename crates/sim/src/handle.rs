//! sim::handle: starting the simulator from sync code ([`SimHandle`]) or async code
//! ([`run_standalone`]), and its configuration ([`SimConfig`]).
//!
//! A [`SimHandle`] owns a thread running a current-thread tokio runtime with the server and the
//! block task; the caller (`hlmm run`, a test, a bench) keeps its own threads. Dropping the
//! handle shuts the simulator down (and writes `state_file`, if set).
//!
//! By default the simulator is a working venue: the generator's flow and the users' actions
//! trade on one exchange, actions are verified by
//! [`crate::rules::auth::SignatureVerifier`], accounts come from `fund` (or the state
//! file) and agents from `agents` or `approveAgent`.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::accounts::Address;
use crate::exchange::{Exchange, ExchangeConfig};
use crate::faults::FaultConfig;
use crate::market::{
    default_coins, CoinParams, InformedFlow, Market, MarketError, ScheduledChange,
};
use crate::rules::auth::{default_authenticator, Authenticator};
use crate::rules::budgets::DEFAULT_REQUEST_BUDGET;
use crate::server::limits::DEFAULT_IP_WEIGHT_PER_MINUTE;
use crate::server::ws_limits::WsLimits;
use crate::server::{
    self, ExchangeOptions, Faults, ServerOptions, Services, SimServer, UserEvents,
};
use crate::state::SimMarket;
use crate::venue::ExchangeVenue;
use hlmm_types::Usd;

/// The paper account's starting balance when the caller funds one (`venue.paper_balance_usd`).
pub const PAPER_BALANCE_USD: f64 = 100_000.0;

/// An account credited at start: `{address = "0x…", usdc = 100000.0}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundAccount {
    /// The account.
    pub address: Address,
    /// USDC credited, USD.
    pub usdc: f64,
}

/// A pre-approved API wallet: `{agent = "0x…", account = "0x…"}`; actions it signs act for
/// `account`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentEntry {
    /// The agent (signing) address.
    pub agent: Address,
    /// The account it trades for.
    pub account: Address,
}

/// The simulator's configuration (`[sim]` in the config file, `hlmm sim` flags).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Listen address. The default, `127.0.0.1:3001`, is the SDK's `BaseUrl::Localhost`;
    /// port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// Seed of every random path.
    pub seed: u64,
    /// Time between blocks, ms (venue: about 500).
    pub block_interval_ms: u64,
    /// Built-in coins to list, by name; empty = all of them.
    pub coins: Vec<String>,
    /// Coins besides the built-in ones.
    pub extra_coins: Vec<CoinParams>,
    /// Scheduled listings and delistings.
    pub schedule: Vec<ScheduledChange>,
    /// Informed takers and the mid's lag (`[informed]`: `share`, `lead_ms`); the default is
    /// the calibrated market, `{share = 0, lead_ms = 0}` the uninformed one.
    pub informed: InformedFlow,
    /// Step blocks back to back instead of on the timer (benches).
    pub fast: bool,
    /// Close a WS connection silent for this long, ms (venue: 60 000).
    pub idle_timeout_ms: u64,
    /// Most WS `post` requests in flight per connection (venue: 100).
    pub max_posts_in_flight: usize,
    /// Frames queued per WS connection before its market data is dropped.
    pub outbox_frames: usize,
    /// Venue time of the first block, ms since the epoch; unset = the wall clock.
    pub start_time_ms: Option<u64>,
    /// Fault knobs set from the start.
    pub faults: FaultConfig,
    /// Accounts credited at start (after a state file is loaded, only those it lacks).
    pub fund: Vec<FundAccount>,
    /// Pre-approved agents.
    pub agents: Vec<AgentEntry>,
    /// Exchange state: loaded at start if the file exists, written at shutdown.
    pub state_file: Option<PathBuf>,
    /// Base request budget per address (venue: 10 000), plus one per USDC traded.
    pub request_budget: u64,
    /// HTTP request weight per IP per minute (venue: 1200); 0 = unlimited.
    pub ip_weight_per_minute: u32,
    /// WebSocket limits per IP (`[ws_limits]`: `connections` 10, `new_connections_per_minute`
    /// 30, `subscriptions` 1000, `users` 10, `messages_per_minute` 2000; 0 = unlimited).
    pub ws_limits: WsLimits,
    /// How long an HTTP action whose response is dropped (fault) hangs before its 504, ms.
    pub drop_response_after_ms: u64,
    /// Traded volume (USD) an account needs before `scheduleCancel` is accepted; the venue
    /// refuses it below $1 000 000. Tests of the dead-man's switch set 0.
    pub schedule_cancel_min_volume_usd: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        let opts = ServerOptions::default();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3001)),
            seed: 1,
            block_interval_ms: opts.block_interval.as_millis() as u64,
            coins: Vec::new(),
            extra_coins: Vec::new(),
            schedule: Vec::new(),
            informed: InformedFlow::default(),
            fast: false,
            idle_timeout_ms: opts.idle_timeout.as_millis() as u64,
            max_posts_in_flight: opts.max_posts_in_flight,
            outbox_frames: opts.outbox_frames,
            start_time_ms: None,
            faults: FaultConfig::default(),
            fund: Vec::new(),
            agents: Vec::new(),
            state_file: None,
            request_budget: DEFAULT_REQUEST_BUDGET,
            ip_weight_per_minute: DEFAULT_IP_WEIGHT_PER_MINUTE,
            ws_limits: WsLimits::default(),
            drop_response_after_ms: 30_000,
            schedule_cancel_min_volume_usd: 1_000_000.0,
        }
    }
}

impl SimConfig {
    /// A config for tests: an ephemeral loopback port, everything else default.
    pub fn ephemeral() -> Self {
        Self { listen: SocketAddr::from(([127, 0, 0, 1], 0)), ..Self::default() }
    }

    /// The exchange at start: the state file's if it exists, else empty; then `fund`
    /// credits the accounts it does not have yet.
    pub fn exchange(&self) -> Result<Exchange, SimError> {
        let mut ex = match &self.state_file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| SimError::State(format!("{}: {e}", path.display())))?;
                Exchange::restore_json(&text)
                    .map_err(|e| SimError::State(format!("{}: {e}", path.display())))?
            }
            _ => {
                let min_volume = Usd::from_f64(self.schedule_cancel_min_volume_usd)
                    .filter(|u| u.0 >= 0)
                    .ok_or(SimError::Config(
                        "schedule_cancel_min_volume_usd must be a non-negative amount",
                    ))?;
                Exchange::new(ExchangeConfig {
                    schedule_cancel_min_volume: min_volume,
                    ..ExchangeConfig::default()
                })
            }
        };
        for f in &self.fund {
            if ex.account(f.address).is_some() {
                continue;
            }
            let usd = Usd::from_f64(f.usdc)
                .filter(|u| u.0 >= 0)
                .ok_or(SimError::Config("fund: usdc must be a non-negative amount"))?;
            ex.deposit(f.address, usd);
        }
        Ok(ex)
    }

    /// The exchange-backed services' options.
    pub fn exchange_options(&self) -> ExchangeOptions {
        ExchangeOptions {
            request_budget: self.request_budget,
            agents: self.agents.iter().map(|a| (a.agent, a.account)).collect(),
            drop_response_after: Duration::from_millis(self.drop_response_after_ms),
        }
    }

    /// The market this config describes, trading on the exchange ([`Self::exchange`]).
    pub fn market(&self) -> Result<SimMarket, SimError> {
        let builtin = default_coins();
        let mut coins: Vec<CoinParams> = if self.coins.is_empty() {
            builtin
        } else {
            let mut picked = Vec::with_capacity(self.coins.len());
            for name in &self.coins {
                let c = builtin.iter().find(|c| &c.name == name);
                picked.push(c.cloned().ok_or_else(|| SimError::UnknownCoin(name.clone()))?);
            }
            picked
        };
        coins.extend(self.extra_coins.iter().cloned());
        let venue = ExchangeVenue::new(self.exchange()?);
        let mut market = Market::with_venue(self.seed, coins, self.schedule.clone(), venue)?;
        market.set_informed_flow(self.informed)?;
        Ok(market)
    }

    /// The server knobs.
    pub fn server_options(&self) -> Result<ServerOptions, SimError> {
        if self.block_interval_ms == 0 && !self.fast {
            return Err(SimError::Config("block_interval_ms = 0: must be positive unless fast"));
        }
        if self.idle_timeout_ms == 0 {
            return Err(SimError::Config("idle_timeout_ms = 0: must be positive"));
        }
        if self.max_posts_in_flight == 0 {
            return Err(SimError::Config("max_posts_in_flight = 0: must be positive"));
        }
        Ok(ServerOptions {
            block_interval: Duration::from_millis(self.block_interval_ms),
            fast: self.fast,
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            max_posts_in_flight: self.max_posts_in_flight,
            outbox_frames: self.outbox_frames,
            start_time_ms: self.start_time_ms,
            ip_weight_per_minute: self.ip_weight_per_minute,
            ws_limits: self.ws_limits,
        })
    }
}

/// Why the simulator could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The market parameters are invalid.
    #[error("sim market: {0}")]
    Market(#[from] MarketError),
    /// A coin in `coins` that is not built in.
    #[error("sim coins: {0:?} is not a built-in coin (add it to extra_coins)")]
    UnknownCoin(String),
    /// Another config error.
    #[error("sim config: {0}")]
    Config(&'static str),
    /// The state file could not be read, parsed or written.
    #[error("sim state file {0}")]
    State(String),
    /// Binding the listen address failed.
    #[error("sim listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The runtime could not be built or the server failed.
    #[error("sim runtime: {0}")]
    Io(#[from] std::io::Error),
    /// The simulator thread ended before it was ready, or panicked.
    #[error("sim thread ended unexpectedly")]
    ThreadDied,
}

/// Binds `config.listen` and serves until `shutdown` completes, on the caller's runtime (the
/// entry point of `hlmm sim`).
pub async fn run_standalone(
    config: SimConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimError> {
    let (listener, server) = bind(&config, Backend::Exchange(default_authenticator())).await?;
    tracing::info!(addr = %listener.local_addr()?, seed = config.seed, "Simulator listening");
    server::serve(listener, server.clone(), shutdown).await?;
    dump_state(&config, &server)
}

/// What answers account queries and actions.
enum Backend {
    /// The exchange, actions authenticated by this.
    Exchange(Arc<dyn Authenticator>),
    /// Stand-ins (tests).
    Services(Services),
}

async fn bind(config: &SimConfig, backend: Backend) -> Result<(TcpListener, SimServer), SimError> {
    let market = config.market()?;
    let opts = config.server_options()?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let faults = Arc::new(Faults::new(config.faults.clone()));
    let server = match backend {
        Backend::Exchange(auth) => {
            SimServer::exchange_backed(market, opts, faults, &config.exchange_options(), auth)
        }
        Backend::Services(s) => SimServer::new(market, opts, faults, s),
    };
    Ok((listener, server))
}

/// Writes the exchange's state to `config.state_file` (through a temporary file, so a crash
/// mid-write leaves the old state).
fn dump_state(config: &SimConfig, server: &SimServer) -> Result<(), SimError> {
    let Some(path) = &config.state_file else { return Ok(()) };
    let tmp = path.with_extension("tmp");
    let err = |p: &Path, e: std::io::Error| SimError::State(format!("{}: {e}", p.display()));
    std::fs::write(&tmp, server.exchange_snapshot_json()).map_err(|e| err(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| err(path, e))
}

/// A running simulator on its own thread. Dropping it shuts the simulator down.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    faults: Arc<Faults>,
    user_events: UserEvents,
    server: SimServer,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), SimError>>>,
}

impl SimHandle {
    /// Starts a simulator backed by the exchange, actions verified by the default
    /// authenticator.
    pub fn start(config: SimConfig) -> Result<Self, SimError> {
        Self::start_backend(config, Backend::Exchange(default_authenticator()))
    }

    /// Starts a simulator backed by the exchange, actions authenticated by `auth`.
    pub fn start_with_auth(
        config: SimConfig,
        auth: Arc<dyn Authenticator>,
    ) -> Result<Self, SimError> {
        Self::start_backend(config, Backend::Exchange(auth))
    }

    /// Starts a simulator whose account queries and actions go to `services` (stand-ins).
    pub fn start_with(config: SimConfig, services: Services) -> Result<Self, SimError> {
        Self::start_backend(config, Backend::Services(services))
    }

    fn start_backend(config: SimConfig, backend: Backend) -> Result<Self, SimError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("hlmm-sim".into()).spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async move {
                let (listener, server) = match bind(&config, backend).await {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return Ok(());
                    }
                };
                let _ = ready_tx.send(
                    listener.local_addr().map(|a| (a, server.clone())).map_err(SimError::from),
                );
                let shutdown = async move {
                    // A dropped sender also stops the server.
                    let _ = stop_rx.await;
                };
                server::serve(listener, server.clone(), shutdown).await?;
                dump_state(&config, &server)
            })
        })?;
        match ready_rx.recv() {
            Ok(Ok((addr, server))) => Ok(Self {
                addr,
                faults: server.faults(),
                user_events: server.user_events(),
                server,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => match thread.join() {
                Ok(Err(e)) => Err(e),
                _ => Err(SimError::ThreadDied),
            },
        }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: what to put in the SDK's `http_client.base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://<addr>/info`.
    pub fn info_url(&self) -> String {
        format!("http://{}/info", self.addr)
    }

    /// `http://<addr>/exchange`.
    pub fn exchange_url(&self) -> String {
        format!("http://{}/exchange", self.addr)
    }

    /// `ws://<addr>/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The fault knobs.
    pub fn faults(&self) -> Arc<Faults> {
        Arc::clone(&self.faults)
    }

    /// Where an exchange publishes user-channel events.
    pub fn user_events(&self) -> UserEvents {
        self.user_events.clone()
    }

    /// Ids of the open WS connections.
    pub fn connections(&self) -> Vec<u64> {
        self.server.connections()
    }

    /// Market frames dropped because a client's queue was full.
    pub fn frames_dropped(&self) -> u64 {
        self.server.frames_dropped()
    }

    /// Runs `f` on the exchange under the venue lock (setup and inspection).
    pub fn with_exchange<T>(&self, f: impl FnOnce(&mut Exchange) -> T) -> T {
        self.server.with_exchange(f)
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) -> Result<(), SimError> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), SimError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(e),
            Some(Err(_)) => Err(SimError::ThreadDied),
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        // Errors at teardown have nowhere to go; `shutdown` reports them.
        let _ = self.stop_and_join();
    }
}

#[cfg(test)]
mod tests;

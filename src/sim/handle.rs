//! sim::handle: starting the simulator from sync code ([`SimHandle`]) or async code
//! ([`run_standalone`]), and its configuration ([`SimConfig`]).
//!
//! A [`SimHandle`] owns a thread running a current-thread tokio runtime with the server and the
//! block task; the caller (`hlmm run`, a test, a bench) keeps its own threads. Dropping the
//! handle shuts the simulator down.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::sim::faults::{FaultConfig, Faults};
use crate::sim::market::{default_coins, CoinParams, Market, MarketError, ScheduledChange};
use crate::sim::server::{self, ServerOptions, Services, SimServer, UserEvents};

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
            fast: false,
            idle_timeout_ms: opts.idle_timeout.as_millis() as u64,
            max_posts_in_flight: opts.max_posts_in_flight,
            outbox_frames: opts.outbox_frames,
            start_time_ms: None,
            faults: FaultConfig::default(),
        }
    }
}

impl SimConfig {
    /// A config for tests: an ephemeral loopback port, everything else default.
    pub fn ephemeral() -> Self {
        Self { listen: SocketAddr::from(([127, 0, 0, 1], 0)), ..Self::default() }
    }

    /// The market this config describes.
    pub fn market(&self) -> Result<Market, SimError> {
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
        Ok(Market::new(self.seed, coins, self.schedule.clone())?)
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
    let (listener, server) = bind(&config, Services::default()).await?;
    tracing::info!(addr = %listener.local_addr()?, seed = config.seed, "Simulator listening");
    server::serve(listener, server, shutdown).await?;
    Ok(())
}

async fn bind(
    config: &SimConfig,
    services: Services,
) -> Result<(TcpListener, SimServer), SimError> {
    let market = config.market()?;
    let opts = config.server_options()?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let faults = Arc::new(Faults::new(config.faults.clone()));
    Ok((listener, SimServer::new(market, opts, faults, services)))
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
    /// Starts a simulator with empty accounts and no action handler.
    pub fn start(config: SimConfig) -> Result<Self, SimError> {
        Self::start_with(config, Services::default())
    }

    /// Starts a simulator with the given account view and action handler.
    pub fn start_with(config: SimConfig, services: Services) -> Result<Self, SimError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("hlmm-sim".into()).spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async move {
                let (listener, server) = match bind(&config, services).await {
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
                server::serve(listener, server, shutdown).await?;
                Ok(())
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
mod tests {
    use super::*;

    #[test]
    fn config_rejects_unknown_fields_and_coins() {
        assert!(toml::from_str::<SimConfig>("sede = 3").is_err());
        let cfg: SimConfig =
            toml::from_str("seed = 3\ncoins = [\"BTC\", \"NOPE\"]").expect("parses");
        assert!(matches!(cfg.market(), Err(SimError::UnknownCoin(c)) if c == "NOPE"));
    }

    #[test]
    fn default_config_is_the_sdk_localhost_with_venue_timings() {
        let cfg = SimConfig::default();
        assert_eq!(cfg.listen.to_string(), "127.0.0.1:3001");
        assert_eq!(cfg.idle_timeout_ms, 60_000);
        assert_eq!(cfg.block_interval_ms, 500);
        assert_eq!(cfg.max_posts_in_flight, 100);
    }

    #[test]
    fn schedule_parses_from_toml() {
        let text = r#"
            [[schedule]]
            kind = "delist"
            at_ms = 5000
            coin = "LTC"
        "#;
        let cfg: SimConfig = toml::from_str(text).expect("parses");
        assert!(cfg.market().is_ok());
    }

    #[test]
    fn a_busy_port_is_a_bind_error() {
        let first = SimHandle::start(SimConfig::ephemeral()).expect("starts");
        let cfg = SimConfig { listen: first.addr(), ..SimConfig::default() };
        assert!(matches!(SimHandle::start(cfg), Err(SimError::Bind { .. })));
        first.shutdown().expect("clean shutdown");
    }
}

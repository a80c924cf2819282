//! sim::server: the simulator's network face, a local Hyperliquid on one loopback address.
//!
//! - `POST /info`: market queries from the generator, account queries through
//!   [`seams::AccountView`] (`info` module).
//! - `POST /exchange`: handed to [`seams::ActionHandler`] (signature checks and the matching
//!   engine plug in there).
//! - `GET /ws`: subscriptions, pings, `post` requests (`ws` module); market channels are
//!   fanned out once per block, each frame serialised once and shared by every subscriber
//!   (`feed` module).
//! - `GET|POST /control/faults`: the fault knobs ([`crate::sim::faults`]).
//!
//! Runs on the simulator's own tokio runtime (see [`crate::sim::handle`]), or on the caller's
//! with [`serve`]. Never blocks a handler on the market lock for longer than one block's work;
//! never lets one slow WS client hold up the others (their market frames are dropped and
//! counted instead).

pub mod seams;
pub mod shapes;

mod control;
mod feed;
mod info;
mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::time::Instant;

pub use feed::UserEvents;

use crate::sim::faults::{DropTarget, Faults};
use crate::sim::market::Market;
use crate::types::Nanos;
use seams::{AccountView, ActionHandler, ActionReply, ActionRequest, ActionSource};

/// The body the venue answers malformed JSON with (HTTP 422).
pub const DESERIALIZE_ERROR: &str = "Failed to deserialize the JSON body into the target type";

/// The first text frame of every WS connection (not JSON).
pub const WELCOME: &str = "Websocket connection established.";

/// The pieces built elsewhere that the server talks to.
#[derive(Clone)]
pub struct Services {
    /// Account queries.
    pub accounts: Arc<dyn AccountView>,
    /// `/exchange` and WS action posts.
    pub actions: Arc<dyn ActionHandler>,
}

impl Default for Services {
    fn default() -> Self {
        Self { accounts: Arc::new(seams::EmptyAccounts), actions: Arc::new(seams::NoActions) }
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

/// Server knobs (from [`crate::sim::SimConfig`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerOptions {
    /// Time between blocks.
    pub block_interval: Duration,
    /// Step blocks back to back (yielding between them) instead of on a timer: for benches.
    pub fast: bool,
    /// A WS connection that sends nothing for this long is closed (venue: 60 s).
    pub idle_timeout: Duration,
    /// Most WS `post` requests in flight per connection (venue: 100).
    pub max_posts_in_flight: usize,
    /// Frames queued per WS connection before market data is dropped for it.
    pub outbox_frames: usize,
    /// Venue time of the first block, ms since the epoch; `None` = the wall clock at start.
    pub start_time_ms: Option<u64>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            block_interval: Duration::from_millis(500),
            fast: false,
            idle_timeout: Duration::from_secs(60),
            max_posts_in_flight: 100,
            outbox_frames: 4096,
            start_time_ms: None,
        }
    }
}

/// Venue time: a fixed epoch offset plus tokio's clock, so paused test time moves it too.
#[derive(Debug, Clone, Copy)]
struct SimClock {
    start_ms: u64,
    start: Instant,
}

impl SimClock {
    fn new(start_ms: Option<u64>) -> Self {
        let start_ms = start_ms.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64)
        });
        Self { start_ms, start: Instant::now() }
    }

    fn now(&self) -> Nanos {
        let elapsed = self.start.elapsed().as_nanos() as u64;
        Nanos(self.start_ms.saturating_mul(Nanos::PER_MS).saturating_add(elapsed))
    }

    fn now_ms(&self) -> u64 {
        self.now().as_millis()
    }
}

/// The market and the time of its last block.
#[derive(Debug)]
struct MarketCell {
    market: Market,
    /// Block time of the last step, ms.
    time_ms: u64,
}

struct Shared {
    market: Mutex<MarketCell>,
    clock: SimClock,
    faults: Arc<Faults>,
    services: Services,
    hub: Arc<feed::Hub>,
    opts: ServerOptions,
    next_conn: AtomicU64,
    /// Open WS connections by id (for `drop_connections` targets).
    conns: Mutex<std::collections::BTreeSet<u64>>,
}

/// A simulator server: cheap to clone, shared by every handler.
#[derive(Clone)]
pub struct SimServer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer").field("opts", &self.shared.opts).finish_non_exhaustive()
    }
}

impl SimServer {
    /// A server over `market`. Call inside a tokio runtime (the clock starts here); the first
    /// block is stepped at once so every query has a book.
    pub fn new(
        mut market: Market,
        opts: ServerOptions,
        faults: Arc<Faults>,
        services: Services,
    ) -> Self {
        let clock = SimClock::new(opts.start_time_ms);
        let now = clock.now();
        market.step(now);
        let shared = Shared {
            market: Mutex::new(MarketCell { market, time_ms: now.as_millis() }),
            clock,
            faults,
            services,
            hub: Arc::new(feed::Hub::default()),
            opts,
            next_conn: AtomicU64::new(1),
            conns: Mutex::default(),
        };
        Self { shared: Arc::new(shared) }
    }

    /// The fault knobs.
    pub fn faults(&self) -> Arc<Faults> {
        Arc::clone(&self.shared.faults)
    }

    /// Where the exchange publishes user-channel events.
    pub fn user_events(&self) -> UserEvents {
        UserEvents::new(Arc::clone(&self.shared.hub))
    }

    /// Market frames dropped because a client's queue was full.
    pub fn frames_dropped(&self) -> u64 {
        self.shared.hub.dropped()
    }

    /// Ids of the open WS connections.
    pub fn connections(&self) -> Vec<u64> {
        self.shared.conns.lock().iter().copied().collect()
    }

    /// The HTTP and WS routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/info", post(info_route))
            .route("/exchange", post(exchange_route))
            .route("/ws", get(ws::upgrade))
            .route("/control/faults", get(control::get_faults).post(control::post_faults))
            .with_state(self.clone())
    }
}

/// Serves `server` on `listener` and steps blocks until `shutdown` completes; then drops every
/// WS connection and returns.
pub async fn serve(
    listener: TcpListener,
    server: SimServer,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let blocks = tokio::spawn(feed::block_loop(Arc::clone(&server.shared)));
    let app = server.router();
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    blocks.abort();
    server.shared.faults.drop_connections(DropTarget::All);
    result
}

/// The local address `listener` is bound to, for logs and handles.
pub fn local_addr(listener: &TcpListener) -> std::io::Result<SocketAddr> {
    listener.local_addr()
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn fault_response(f: crate::sim::faults::HttpFault) -> Response {
    let status = StatusCode::from_u16(f.status()).unwrap_or(StatusCode::BAD_GATEWAY);
    (status, status.canonical_reason().unwrap_or("error")).into_response()
}

fn deserialize_error() -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, DESERIALIZE_ERROR).into_response()
}

async fn info_route(State(server): State<SimServer>, body: Bytes) -> Response {
    if let Some(f) = server.shared.faults.take_http_fault() {
        return fault_response(f);
    }
    match info::answer(&server.shared, &body) {
        Ok((_, json)) => json_response(StatusCode::OK, json),
        Err(info::InfoError::Deserialize) => deserialize_error(),
    }
}

async fn exchange_route(State(server): State<SimServer>, body: Bytes) -> Response {
    let shared = &server.shared;
    if let Some(f) = shared.faults.take_http_fault() {
        return fault_response(f);
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
        return deserialize_error();
    }
    let req = ActionRequest {
        body,
        source: ActionSource::Http,
        now_ms: shared.clock.now_ms(),
        faults: shared.faults.take_action_faults(),
    };
    match shared.services.actions.handle(req).await {
        ActionReply::Json { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            json_response(status, serde_json::to_vec(&body).unwrap_or_default())
        }
        ActionReply::Dropped { after } => {
            tokio::time::sleep(after).await;
            (StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout").into_response()
        }
    }
}

impl Shared {
    fn conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }
}

//! sim::server: the simulator's network face, a local Hyperliquid on one loopback address.
//!
//! - `POST /info`: market queries from the generator, account queries through
//!   [`seams::AccountView`] (`info` module).
//! - `POST /exchange`: handed to [`seams::ActionHandler`].
//! - [`SimServer::exchange_backed`] wires both seams to the pure venue (`backend` module): a
//!   [`VenueState`] (the generator's house flow and the users' actions on one exchange, under
//!   the venue rules of [`crate::rules`]), actions authenticated by an [`Authenticator`]; the
//!   server adds the per-IP weight ([`limits`] → HTTP 429).
//! - `GET /ws`: subscriptions, pings, `post` requests (`ws` module); market channels are
//!   fanned out once per block, each frame serialised once and shared by every subscriber
//!   (`feed` module). The venue's per-IP WebSocket limits ([`ws_limits`]: connections, new
//!   connections, subscriptions, users, messages per minute) refuse upgrades with HTTP 429 and
//!   requests with the venue's `error` frames.
//! - `GET|POST /control/faults`: the fault knobs ([`Faults`] over [`crate::faults`]).
//!
//! Thin: the server reads the clock, parses each `/exchange` body once
//! ([`ReceivedBody::parse`]), recovers its signers outside the lock, and hands body, signers
//! and time to [`VenueState::submit`]; blocks are [`VenueState::step`] at the clock's time.
//! Every venue rule lives in the pure part.
//!
//! Runs on the simulator's own tokio runtime (see [`crate::handle`]), or on the caller's
//! with [`serve`]. One lock (the venue cell: generator, exchange, venue rules) serialises
//! blocks and actions; it is held for one block or one action, never across an await. Never
//! lets one slow WS client hold up the others (their market frames are dropped and counted
//! instead).

pub mod limits;
pub mod seams;
pub mod shapes;
pub mod ws_limits;

mod backend;
mod control;
mod convert;
mod faults;
mod feed;
mod info;
mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::time::Instant;

pub use faults::Faults;
pub use feed::UserEvents;

use crate::accounts::Address;
use crate::actions::SimEvent;
use crate::faults::DropTarget;
use crate::rules::auth::Authenticator;
use crate::rules::body::{ReceivedBody, RequestError};
use crate::rules::budgets::DEFAULT_REQUEST_BUDGET;
use crate::rules::VenueRules;
use crate::state::{SimMarket, VenueState};
use hlmm_types::Nanos;
use limits::IpWeights;
use seams::{AccountView, ActionHandler, ActionReply, ActionRequest, ActionSource};
use ws_limits::{WsIps, WsLimits};

/// Largest request body read, bytes.
const MAX_BODY: usize = 1 << 20;

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

/// Server knobs (from [`crate::SimConfig`]).
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
    /// HTTP request weight per client IP per minute (venue: 1200); 0 = unlimited.
    pub ip_weight_per_minute: u32,
    /// WebSocket limits per client IP (venue: 10 connections, 30 new per minute, 1000
    /// subscriptions, 10 users, 2000 messages per minute).
    pub ws_limits: WsLimits,
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
            ip_weight_per_minute: limits::DEFAULT_IP_WEIGHT_PER_MINUTE,
            ws_limits: WsLimits::default(),
        }
    }
}

/// What the exchange-backed services need besides the market.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeOptions {
    /// Base request budget per address (venue: 10 000), plus one per USDC traded.
    pub request_budget: u64,
    /// Approved agents: (agent, account).
    pub agents: Vec<(Address, Address)>,
    /// How long an HTTP request whose response is dropped (fault) hangs before its 504.
    pub drop_response_after: Duration,
}

impl Default for ExchangeOptions {
    fn default() -> Self {
        Self {
            request_budget: DEFAULT_REQUEST_BUDGET,
            agents: Vec::new(),
            drop_response_after: Duration::from_secs(30),
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

/// What the venue lock guards: the pure venue and the buffer its users' events are published
/// from.
#[derive(Debug)]
struct VenueCell {
    state: VenueState,
    /// Users' events waiting to be published (reused).
    events: Vec<SimEvent>,
}

struct Shared {
    venue: Mutex<VenueCell>,
    /// Per-IP request weight (its own short lock, taken without the venue lock).
    ip_weights: Mutex<IpWeights>,
    /// Per-IP WebSocket counts (their own short lock, taken without the venue lock).
    ws_ips: Mutex<WsIps>,
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
    /// A server over `market` whose account queries and actions go to `services` (tests that
    /// stand in for the exchange). Call inside a tokio runtime (the clock starts here); the
    /// first block is stepped at once so every query has a book.
    pub fn new(
        market: SimMarket,
        opts: ServerOptions,
        faults: Arc<Faults>,
        services: Services,
    ) -> Self {
        Self::build(market, opts, faults, &ExchangeOptions::default(), |_| services)
    }

    /// A server whose account queries and actions are answered by the exchange inside
    /// `market`, actions authenticated by `auth`.
    pub fn exchange_backed(
        market: SimMarket,
        opts: ServerOptions,
        faults: Arc<Faults>,
        xopts: &ExchangeOptions,
        auth: Arc<dyn Authenticator>,
    ) -> Self {
        let drop_after = xopts.drop_response_after;
        Self::build(market, opts, faults, xopts, move |shared| Services {
            accounts: Arc::new(backend::ExchangeAccounts { shared: shared.clone() }),
            actions: Arc::new(backend::ExchangeActions { shared, auth, drop_after }),
        })
    }

    fn build(
        market: SimMarket,
        opts: ServerOptions,
        faults: Arc<Faults>,
        xopts: &ExchangeOptions,
        services: impl FnOnce(Weak<Shared>) -> Services,
    ) -> Self {
        let clock = SimClock::new(opts.start_time_ms);
        let rules = VenueRules::new(xopts.request_budget, xopts.agents.iter().copied());
        let state = VenueState::new(market, rules, clock.now());
        let shared = Arc::new_cyclic(|weak| Shared {
            venue: Mutex::new(VenueCell { state, events: Vec::new() }),
            ip_weights: Mutex::new(IpWeights::new(opts.ip_weight_per_minute)),
            ws_ips: Mutex::new(WsIps::new(opts.ws_limits)),
            clock,
            faults,
            services: services(weak.clone()),
            hub: Arc::new(feed::Hub::default()),
            opts,
            next_conn: AtomicU64::new(1),
            conns: Mutex::default(),
        });
        Self { shared }
    }

    /// The exchange's state as snapshot JSON (`hlmm sim` state file).
    pub fn exchange_snapshot_json(&self) -> String {
        self.shared.venue.lock().state.exchange().snapshot_json()
    }

    /// Runs `f` on the exchange under the venue lock (setup and inspection in tests).
    pub fn with_exchange<T>(&self, f: impl FnOnce(&mut crate::exchange::Exchange) -> T) -> T {
        f(self.shared.venue.lock().state.exchange_mut())
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
    let app = server.router().into_make_service_with_connect_info::<SocketAddr>();
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

fn fault_response(f: crate::faults::HttpFault) -> Response {
    let status = StatusCode::from_u16(f.status()).unwrap_or(StatusCode::BAD_GATEWAY);
    (status, status.canonical_reason().unwrap_or("error")).into_response()
}

fn deserialize_error() -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, DESERIALIZE_ERROR).into_response()
}

fn too_many_requests() -> Response {
    (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response()
}

/// The client's IP (absent when the router is served without connect info) and the body.
async fn split(req: Request) -> (Option<std::net::IpAddr>, Option<Bytes>) {
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    (ip, axum::body::to_bytes(req.into_body(), MAX_BODY).await.ok())
}

impl Shared {
    /// Spends `weight` of `ip`'s minute; `false` = answer 429.
    fn spend_ip(&self, ip: Option<std::net::IpAddr>, weight: u32) -> bool {
        ip.is_none_or(|ip| self.ip_weights.lock().spend(ip, weight, self.clock.now_ms()))
    }
}

async fn info_route(State(server): State<SimServer>, req: Request) -> Response {
    let (ip, body) = split(req).await;
    let Some(body) = body else { return deserialize_error() };
    if let Some(f) = server.shared.faults.take_http_fault() {
        return fault_response(f);
    }
    match info::answer(&server.shared, &body) {
        Ok((kind, json)) => {
            if !server.shared.spend_ip(ip, limits::info_weight(kind)) {
                return too_many_requests();
            }
            json_response(StatusCode::OK, json)
        }
        Err(info::InfoError::Deserialize) => deserialize_error(),
    }
}

async fn exchange_route(State(server): State<SimServer>, req: Request) -> Response {
    let (ip, body) = split(req).await;
    let Some(body) = body else { return deserialize_error() };
    let shared = &server.shared;
    if let Some(f) = shared.faults.take_http_fault() {
        return fault_response(f);
    }
    let parsed = ReceivedBody::parse(&body);
    if matches!(parsed, Err(RequestError::Malformed)) {
        return deserialize_error();
    }
    let batch = parsed.as_ref().map_or(1, ReceivedBody::batch_len);
    if !shared.spend_ip(ip, limits::exchange_weight(batch)) {
        return too_many_requests();
    }
    match shared.act(parsed, ActionSource::Http).await {
        ActionReply::Json { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            json_response(status, serde_json::to_vec(&body).unwrap_or_default())
        }
        ActionReply::Rejected { status, text } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            (status, text).into_response()
        }
        ActionReply::Dropped { after } => {
            tokio::time::sleep(after).await;
            (StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout").into_response()
        }
    }
}

impl Shared {
    /// One `/exchange` body (HTTP, or a WS post's payload), parsed once, through the action
    /// seam: a parse refusal is answered here, a parsed body goes to the handler with the
    /// clock's time and the action faults.
    async fn act(
        &self,
        parsed: Result<ReceivedBody, RequestError>,
        source: ActionSource,
    ) -> ActionReply {
        let body = match parsed {
            Ok(b) => b,
            Err(RequestError::Malformed) => {
                return ActionReply::Rejected { status: 422, text: DESERIALIZE_ERROR.to_owned() }
            }
            Err(RequestError::Refused(t)) => {
                let body = serde_json::json!({"status": "err", "response": t});
                return ActionReply::Json { status: 200, body };
            }
        };
        let req = ActionRequest {
            body,
            source,
            now_ms: self.clock.now_ms(),
            faults: self.faults.take_action_faults(),
        };
        self.services.actions.handle(req).await
    }
}

impl Shared {
    fn conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }
}

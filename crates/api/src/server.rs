//! The gateway's thread: binds, builds the router and serves until stopped.
//!
//! It runs on its own thread with a two-worker tokio runtime, at the priority the caller's
//! `on_start` hook sets (the engine lowers it like the side thread's), so nothing it does
//! competes with the pinned trading threads.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::auth::TokenSet;
use crate::error::ApiError;
use crate::guard::{ControlLimiter, HostPolicy, Tickets};
use crate::source::DataSource;
use crate::state::AppState;
use crate::{assets, handlers, stream};

/// Largest request body, bytes (a config patch is a few hundred).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Longest a request may take, including waiting for the engine's answer to a control call.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How the gateway is started.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// When `listen`'s port is taken, listen on an ephemeral port of the same address instead.
    pub fallback_to_ephemeral: bool,
    /// Accepted tokens.
    pub tokens: TokenSet,
    /// Extra `Host` names accepted (`host:port`), for a reverse proxy.
    pub extra_hosts: Vec<String>,
    /// Control calls per token: burst and sustained rate per second.
    pub control_burst: u32,
    /// Sustained control calls per second per token.
    pub control_per_second: f64,
}

impl ApiSettings {
    /// Loopback defaults on `listen`.
    pub fn new(listen: SocketAddr, tokens: TokenSet) -> Self {
        Self {
            listen,
            fallback_to_ephemeral: false,
            tokens,
            extra_hosts: Vec::new(),
            control_burst: 10,
            control_per_second: 2.0,
        }
    }
}

/// Why the gateway did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A non-loopback address without tokens would expose the engine.
    #[error("api.listen {0} is not a loopback address and no API token is configured")]
    OpenWithoutTokens(SocketAddr),
    /// The address could not be bound.
    #[error("api.listen {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The thread or runtime could not be created.
    #[error("api thread: {0}")]
    Thread(std::io::Error),
}

/// A running gateway.
#[derive(Debug)]
pub struct ApiHandle {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ApiHandle {
    /// The address it listens on (the ephemeral port, when one was taken).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and joins the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ApiHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Binds `settings.listen` (or an ephemeral port) and serves `source` on a new thread named
/// `hlmm-api`; `on_start` runs first on that thread (to lower its priority, say).
pub fn start(
    settings: ApiSettings,
    source: Arc<dyn DataSource>,
    on_start: impl FnOnce() + Send + 'static,
) -> Result<ApiHandle, StartError> {
    if !settings.listen.ip().is_loopback() && settings.tokens.is_empty() {
        return Err(StartError::OpenWithoutTokens(settings.listen));
    }
    let listener = bind(settings.listen, settings.fallback_to_ephemeral)?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr: settings.listen, source })?;
    listener.set_nonblocking(true).map_err(|source| StartError::Bind { addr, source })?;
    let (stream, _) = broadcast::channel(stream::CHANNEL_CAPACITY);
    let state = Arc::new(AppState {
        source,
        hosts: HostPolicy::new(addr, &settings.extra_hosts),
        tokens: settings.tokens,
        tickets: Mutex::new(Tickets::default()),
        limiter: Mutex::new(ControlLimiter::new(
            settings.control_burst,
            settings.control_per_second,
        )),
        stream,
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hlmm-api-worker")
        .enable_all()
        .build()
        .map_err(StartError::Thread)?;
    let thread = std::thread::Builder::new()
        .name("hlmm-api".into())
        .spawn(move || {
            on_start();
            runtime.block_on(serve(listener, state, stop_rx));
        })
        .map_err(StartError::Thread)?;
    Ok(ApiHandle { addr, stop: Some(stop_tx), thread: Some(thread) })
}

fn bind(addr: SocketAddr, fallback: bool) -> Result<TcpListener, StartError> {
    match TcpListener::bind(addr) {
        Ok(l) => Ok(l),
        Err(e) if fallback && e.kind() == std::io::ErrorKind::AddrInUse => {
            let ephemeral = SocketAddr::new(addr.ip(), 0);
            TcpListener::bind(ephemeral)
                .map_err(|source| StartError::Bind { addr: ephemeral, source })
        }
        Err(source) => Err(StartError::Bind { addr, source }),
    }
}

async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "API gateway could not listen");
            return;
        }
    };
    let hub = tokio::spawn(stream::hub(Arc::clone(&state)));
    let app = router(state);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = stop.await;
        })
        .await;
    hub.abort();
    if let Err(e) = served {
        tracing::error!(error = %e, "API gateway stopped");
    }
}

/// Every route. `/healthz` is outside the `Host` check so container and kubelet probes work.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/v1/status", get(handlers::status))
        .route("/api/v1/positions", get(handlers::positions))
        .route("/api/v1/orders", get(handlers::orders))
        .route("/api/v1/fills", get(handlers::fills))
        .route("/api/v1/risk", get(handlers::risk))
        .route("/api/v1/config", get(handlers::config))
        .route("/api/v1/config/{symbol}", patch(handlers::patch_config))
        .route("/api/v1/latency", get(handlers::latency))
        .route("/api/v1/symbols", get(handlers::symbols))
        .route("/api/v1/kill", post(handlers::kill))
        .route("/api/v1/resume", post(handlers::resume))
        .route("/api/v1/symbols/{symbol}/{action}", post(handlers::symbol_action))
        .route("/api/v1/stream/ticket", post(stream::ticket))
        .route("/api/v1/stream", get(stream::upgrade))
        .route("/metrics", get(handlers::metrics))
        .route("/api/openapi.json", get(handlers::openapi))
        .route("/api/docs", get(assets::api_docs))
        .route("/", get(assets::index))
        .route("/assets/{*path}", get(assets::asset))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), check_host))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));
    Router::new().route("/healthz", get(healthz)).merge(api).with_state(state)
}

async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

/// Refuses a `Host` or `Origin` we do not serve (DNS rebinding, cross-site requests).
async fn check_host(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    if !state.hosts.host_allowed(host) {
        return ApiError::Forbidden("Host not allowed").into_response();
    }
    if !state.hosts.origin_allowed(origin) {
        return ApiError::Forbidden("Origin not allowed").into_response();
    }
    next.run(request).await
}

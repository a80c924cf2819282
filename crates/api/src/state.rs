//! The state every handler shares: the data source, the tokens, the guards and the stream's
//! broadcast sender. Handlers and the stream read it; `server` builds it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::header;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::auth::{Scope, TokenSet};
use crate::error::ApiError;
use crate::guard::{ControlLimiter, HostPolicy, Tickets};
use crate::source::DataSource;

/// How long a control call waits for the engine's answer.
pub(crate) const CONTROL_TIMEOUT: Duration = Duration::from_secs(5);

/// State shared by every handler.
pub(crate) struct AppState {
    pub(crate) source: Arc<dyn DataSource>,
    pub(crate) tokens: TokenSet,
    pub(crate) tickets: Mutex<Tickets>,
    pub(crate) limiter: Mutex<ControlLimiter>,
    pub(crate) hosts: HostPolicy,
    pub(crate) stream: broadcast::Sender<Arc<str>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("tokens", &self.tokens).finish_non_exhaustive()
    }
}

impl AppState {
    /// The caller's token id, if its bearer token is ours and has `needed`.
    pub(crate) fn authorize(
        &self,
        headers: &axum::http::HeaderMap,
        needed: Scope,
    ) -> Result<String, ApiError> {
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::Unauthorized("missing bearer token"))?;
        let presented = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized("expected `Authorization: Bearer <token>`"))?;
        let entry =
            self.tokens.check(presented.trim()).ok_or(ApiError::Unauthorized("unknown token"))?;
        if !entry.scope.allows(needed) {
            return Err(ApiError::Forbidden("this token may not control the engine"));
        }
        Ok(entry.id.clone())
    }
}

/// Monotonic now, for the guards.
pub(crate) fn now() -> Instant {
    Instant::now()
}

//! The REST handlers: each authorizes, asks the data source, answers JSON.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Scope;
use crate::error::ApiError;
use crate::model::{ControlAction, ControlOutcome, ControlRequest, Fills, Refusal};
use crate::state::{now, AppState, CONTROL_TIMEOUT};

type Shared = State<Arc<AppState>>;

/// `GET /api/v1/status`.
pub(crate) async fn status(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    Ok(Json(s.source.status()).into_response())
}

/// `GET /api/v1/positions`.
pub(crate) async fn positions(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    Ok(Json(s.source.positions()).into_response())
}

/// `GET /api/v1/orders`.
pub(crate) async fn orders(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    Ok(Json(s.source.orders()).into_response())
}

/// Query of `GET /api/v1/fills`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FillsQuery {
    limit: Option<usize>,
}

/// Most fills one call returns.
pub(crate) const MAX_FILLS: usize = 1000;

/// `GET /api/v1/fills?limit=N`.
pub(crate) async fn fills(
    State(s): Shared,
    h: HeaderMap,
    query: Result<Query<FillsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_FILLS {
        return Err(ApiError::BadRequest(format!("limit must be 1..={MAX_FILLS}")));
    }
    Ok(Json(Fills { fills: s.source.fills(limit) }).into_response())
}

/// `GET /api/v1/risk`.
pub(crate) async fn risk(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    Ok(Json(s.source.risk()).into_response())
}

/// `GET /api/v1/config`.
pub(crate) async fn config(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    Ok(Json(s.source.config()).into_response())
}

/// `GET /api/v1/latency`.
pub(crate) async fn latency(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    Ok(Json(s.source.latency()).into_response())
}

/// `GET /api/v1/symbols`.
pub(crate) async fn symbols(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    Ok(Json(s.source.symbols()).into_response())
}

/// `GET /metrics`.
pub(crate) async fn metrics(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    s.authorize(&h, Scope::Read)?;
    let text = crate::metrics::render(s.source.metrics(), s.source.latency());
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response())
}

/// `GET /api/openapi.json`.
pub(crate) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], crate::openapi::DOCUMENT).into_response()
}

/// `POST /api/v1/kill`.
pub(crate) async fn kill(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    control(&s, &h, ControlAction::Kill).await
}

/// `POST /api/v1/resume`.
pub(crate) async fn resume(State(s): Shared, h: HeaderMap) -> Result<Response, ApiError> {
    control(&s, &h, ControlAction::Resume).await
}

/// `POST /api/v1/symbols/{symbol}/{halt|resume|hedge-only}`.
pub(crate) async fn symbol_action(
    State(s): Shared,
    h: HeaderMap,
    Path((symbol, action)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let action = match action.as_str() {
        "halt" => ControlAction::Halt(symbol),
        "resume" => ControlAction::ResumeSymbol(symbol),
        "hedge-only" => ControlAction::HedgeOnly(symbol),
        _ => return Err(ApiError::NotFound(format!("no symbol action `{action}`"))),
    };
    control(&s, &h, action).await
}

/// `PATCH /api/v1/config/{symbol}` with a partial `mm_config` body (without `symbol`).
pub(crate) async fn patch_config(
    State(s): Shared,
    h: HeaderMap,
    Path(symbol): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("body is not JSON: {e}")))?;
    let serde_json::Value::Object(patch) = value else {
        return Err(ApiError::BadRequest("body must be a JSON object of fields".into()));
    };
    control(&s, &h, ControlAction::PatchConfig { symbol, patch }).await
}

/// Authorizes a control call, applies the rate limit, queues it and waits for the answer.
async fn control(s: &AppState, h: &HeaderMap, action: ControlAction) -> Result<Response, ApiError> {
    let token_id = s.authorize(h, Scope::Control)?;
    if !s.limiter.lock().allow(&token_id, now()) {
        tracing::warn!(token_id, action = action.name(), "Control call rate-limited");
        return Err(ApiError::RateLimited);
    }
    let (name, target) = (action.name(), action.target().to_owned());
    let reply = s
        .source
        .control(ControlRequest { token_id, action })
        .map_err(|_| ApiError::Unavailable("the engine is not taking control calls"))?;
    let outcome = tokio::time::timeout(CONTROL_TIMEOUT, reply)
        .await
        .map_err(|_| ApiError::Unavailable("the engine did not answer in time"))?
        .map_err(|_| ApiError::Unavailable("the engine dropped the request"))?;
    match outcome {
        ControlOutcome::Accepted => {
            Ok(Json(json!({ "result": "accepted", "action": name, "target": target }))
                .into_response())
        }
        ControlOutcome::Patched(p) => Ok(Json(p).into_response()),
        ControlOutcome::Refused(Refusal::UnknownSymbol(coin)) => {
            Err(ApiError::NotFound(format!("symbol {coin} is not quoted by this engine")))
        }
        ControlOutcome::Refused(Refusal::Invalid(errors)) => Err(ApiError::InvalidConfig(errors)),
    }
}

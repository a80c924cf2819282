//! The gateway's error answers: a status and `{"error": code, "reason": text}`, or the field
//! errors of a refused config patch. Never a panic, never a secret.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::model::FieldError;

/// Why a request was not served.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No token, or not one of ours.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// A valid token without the scope, or a refused `Host` / `Origin`.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// No such coin (or resource).
    #[error("not found: {0}")]
    NotFound(String),
    /// A config patch broke these rules; nothing changed.
    #[error("invalid config")]
    InvalidConfig(Vec<FieldError>),
    /// Too many control calls from this token.
    #[error("too many control calls")]
    RateLimited,
    /// The engine did not take or answer the request.
    #[error("engine unavailable: {0}")]
    Unavailable(&'static str),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::InvalidConfig(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::BadRequest(_) => "bad_request",
            Self::NotFound(_) => "not_found",
            Self::InvalidConfig(_) => "invalid_config",
            Self::RateLimited => "rate_limited",
            Self::Unavailable(_) => "unavailable",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            Self::InvalidConfig(errors) => json!({ "error": self.code(), "errors": errors }),
            Self::Unauthorized(r) | Self::Forbidden(r) | Self::Unavailable(r) => {
                json!({ "error": self.code(), "reason": r })
            }
            Self::BadRequest(r) | Self::NotFound(r) => json!({ "error": self.code(), "reason": r }),
            Self::RateLimited => json!({ "error": self.code(), "reason": "slow down" }),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

//! Starting the API gateway and dashboard of a run (`hlmm-api`), when `[api] listen` is set.
//!
//! Tokens: `api.token_file`, `HLMM_API_TOKEN` (control scope) and `HLMM_API_READ_TOKEN` (read
//! scope). In sim mode with none, one control token is made for the run and the dashboard URL
//! carrying it is printed (in the fragment, which browsers never send to a server); a
//! configured token is never printed.

use std::net::SocketAddr;
use std::sync::Arc;

use hlmm_api::auth::{generate_token, MIN_TOKEN_LEN};
use hlmm_api::{ApiHandle, ApiSettings, Scope, Token, TokenSet};

use super::error::EngineError;
use super::pin::lower_current_thread_priority;
use crate::config::{Config, VenueKind};
use crate::operator::OperatorHub;

/// Control-scope token from the environment.
pub(super) const TOKEN_VAR: &str = "HLMM_API_TOKEN";
/// Read-scope token from the environment.
pub(super) const READ_TOKEN_VAR: &str = "HLMM_API_READ_TOKEN";

/// Starts the gateway if the config asks for one; returns it with its address.
pub(super) fn start(
    config: &Config,
    operator: &Arc<OperatorHub>,
) -> Result<Option<ApiHandle>, EngineError> {
    let Some(listen) = config.api.listen_addr() else { return Ok(None) };
    let (tokens, generated) = tokens(config)?;
    let mut settings = ApiSettings::new(listen, tokens);
    settings.fallback_to_ephemeral = config.api.fallback_to_ephemeral;
    settings.extra_hosts.clone_from(&config.api.allowed_hosts);
    let nice = i32::from(config.threads.side_nice);
    let source: Arc<dyn hlmm_api::DataSource> = Arc::clone(operator) as _;
    let handle = hlmm_api::start(settings, source, move || {
        if let Err(e) = lower_current_thread_priority(nice) {
            tracing::warn!(error = %e, "API thread priority unchanged");
        }
    })
    .map_err(|e| EngineError::Config(e.to_string()))?;
    announce(handle.addr(), generated.as_ref());
    Ok(Some(handle))
}

fn tokens(config: &Config) -> Result<(TokenSet, Option<Token>), EngineError> {
    let mut set = match &config.api.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                EngineError::Config(format!("api.token_file {}: {e}", path.display()))
            })?;
            TokenSet::parse_file(&text).map_err(|e| {
                EngineError::Config(format!("api.token_file {}: {e}", path.display()))
            })?
        }
        None => TokenSet::empty(),
    };
    for (var, id, scope) in
        [(TOKEN_VAR, "env", Scope::Control), (READ_TOKEN_VAR, "env-read", Scope::Read)]
    {
        if let Some(value) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
            if value.len() < MIN_TOKEN_LEN {
                return Err(EngineError::Config(format!(
                    "{var}: shorter than {MIN_TOKEN_LEN} characters"
                )));
            }
            set = set.with(id, scope, Token::new(value));
        }
    }
    if !set.is_empty() || config.venue.kind != VenueKind::Sim {
        if set.is_empty() {
            tracing::warn!("API gateway has no token: every call but /healthz will be refused");
        }
        return Ok((set, None));
    }
    let token = generate_token().map_err(|e| EngineError::Config(format!("api token: {e}")))?;
    Ok((set.with("generated", Scope::Control, token.clone()), Some(token)))
}

fn announce(addr: SocketAddr, generated: Option<&Token>) {
    tracing::info!(%addr, "API gateway listening (docs at /api/docs, metrics at /metrics)");
    match generated {
        // Stdout, not the log: the URL is for the person at the terminal.
        Some(token) => println!("Dashboard: http://{addr}/#token={}", token.expose()),
        None => println!("Dashboard: http://{addr}/ (token from api.token_file or {TOKEN_VAR})"),
    }
}

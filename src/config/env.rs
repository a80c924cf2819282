//! Environment overrides: a small, documented set of `HLMM_*` variables applied after the file
//! and before `validate()`. The environment is passed in as `(name, value)` pairs, so tests never
//! touch the process environment.
//!
//! None of them sets a per-symbol parameter directly; whatever they change, the result is
//! checked by the same `validate()`, whose per-symbol rules are the core's one rule set
//! (`crate::core::params::rules`).

use std::fmt;
use std::path::PathBuf;

use super::schema::Config;
use super::sections::{LogFormat, SpinPolicy};
use super::validate::check_address;
use super::venue::VenueKind;

/// The variable that conventionally holds the agent key.
const AGENT_KEY_VAR: &str = "HLMM_AGENT_KEY";
/// Also accepted for the agent key (the name `hlmm run --help` documents), when
/// `HLMM_AGENT_KEY` is not set.
const PRIVATE_KEY_VAR: &str = "HLMM_PRIVATE_KEY";

/// Every variable [`Config::apply_env`] reads, with what it sets. Other `HLMM_*` names are left
/// for other modules and ignored here. An empty value counts as unset (compose's `${VAR:-}`).
pub const ENV_VARS: &[(&str, &str)] = &[
    ("HLMM_VENUE", "venue.kind: sim, local, testnet or mainnet"),
    ("HLMM_INFO_URL", "venue.info_url"),
    ("HLMM_WS_URL", "venue.ws_url"),
    ("HLMM_ACCOUNT_ADDRESS", "venue.account_address"),
    ("HLMM_AGENT_KEY_FILE", "venue.agent_key_file (replaces venue.agent_key_env)"),
    (
        AGENT_KEY_VAR,
        "the agent key itself; never copied into the config. Used when no other key source is \
         configured",
    ),
    (PRIVATE_KEY_VAR, "the agent key, as HLMM_AGENT_KEY (which wins when both are set)"),
    ("HLMM_FEED_CORE", "threads.feed_core: a cpu number, or none"),
    ("HLMM_QUOTE_CORE", "threads.quote_core: a cpu number, or none"),
    ("HLMM_EXEC_CORE", "threads.exec_core: a cpu number, or none"),
    ("HLMM_SPIN", "threads.spin: busy or spin_then_yield"),
    ("HLMM_LOG_FORMAT", "telemetry.log_format: pretty or json"),
    ("HLMM_API_LISTEN", "api.listen: host:port of the API gateway and dashboard (flag --api)"),
    ("HLMM_API_TOKEN_FILE", "api.token_file"),
    ("HLMM_REDIS_PASSWORD_FILE", "redis.password_file"),
    (
        super::redis::PASSWORD_VAR,
        "the Redis password itself; never copied into the config. Used when neither redis.url \
         nor redis.password_file has one",
    ),
];

/// A bad environment override, or a variable the config needs that is not set.
///
/// Displays as `HLMM_QUOTE_CORE = x: expected a cpu number or none`. The value of the agent key
/// variable is never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError {
    /// The variable.
    pub var: String,
    /// Its value, `None` when it is missing.
    pub value: Option<String>,
    /// What it must be, lower case.
    pub rule: String,
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{} = {value}: {}", self.var, self.rule),
            None => write!(f, "{}: {}", self.var, self.rule),
        }
    }
}

impl std::error::Error for EnvError {}

impl Config {
    /// Applies the overrides listed in [`ENV_VARS`] found in `env`; later pairs win. Returns every
    /// bad value. Does not validate: call [`Config::validate`] next (or use [`Config::with_env`]).
    ///
    /// The agent key is never read into the config. If `HLMM_AGENT_KEY` is set and no key source
    /// is configured, `venue.agent_key_env` becomes `"HLMM_AGENT_KEY"`. For testnet and mainnet,
    /// a configured `agent_key_env` that is not set in `env` is an error.
    pub fn apply_env<I, K, V>(&mut self, env: I) -> Result<(), Vec<EnvError>>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut errors = Vec::new();
        let configured_key_var = self.venue.agent_key_env.clone();
        let mut configured_key_var_set = false;
        let mut default_key_var_set = false;
        let mut private_key_var_set = false;

        for (name, value) in env {
            let (name, value) = (name.as_ref(), value.as_ref());
            if value.is_empty() {
                continue;
            }
            let mut bad = |rule: String| {
                errors.push(EnvError { var: name.to_owned(), value: Some(value.to_owned()), rule });
            };
            if configured_key_var.as_deref() == Some(name) {
                configured_key_var_set = true;
            }
            let venue = &mut self.venue;
            let threads = &mut self.threads;
            match name {
                "HLMM_VENUE" => match value.parse::<VenueKind>() {
                    Ok(kind) => venue.kind = kind,
                    Err(rule) => bad(rule),
                },
                "HLMM_INFO_URL" => venue.info_url = Some(value.to_owned()),
                "HLMM_WS_URL" => venue.ws_url = Some(value.to_owned()),
                "HLMM_ACCOUNT_ADDRESS" => match check_address(value) {
                    Ok(()) => venue.account_address = Some(value.to_ascii_lowercase()),
                    Err(rule) => bad(rule),
                },
                "HLMM_AGENT_KEY_FILE" => {
                    venue.agent_key_file = Some(PathBuf::from(value));
                    venue.agent_key_env = None;
                }
                AGENT_KEY_VAR => default_key_var_set = true,
                PRIVATE_KEY_VAR => private_key_var_set = true,
                "HLMM_FEED_CORE" => parse_core(value, &mut threads.feed_core, bad),
                "HLMM_QUOTE_CORE" => parse_core(value, &mut threads.quote_core, bad),
                "HLMM_EXEC_CORE" => parse_core(value, &mut threads.exec_core, bad),
                "HLMM_SPIN" => match value.parse::<SpinPolicy>() {
                    Ok(spin) => threads.spin = spin,
                    Err(rule) => bad(rule),
                },
                "HLMM_LOG_FORMAT" => match value.parse::<LogFormat>() {
                    Ok(format) => self.telemetry.log_format = format,
                    Err(rule) => bad(rule),
                },
                "HLMM_API_LISTEN" => self.api.listen = Some(value.to_owned()),
                "HLMM_API_TOKEN_FILE" => self.api.token_file = Some(PathBuf::from(value)),
                "HLMM_REDIS_PASSWORD_FILE" => {
                    self.redis.password_file = Some(PathBuf::from(value));
                }
                _ => {}
            }
        }

        let seen = KeyVarsSeen {
            configured: configured_key_var_set,
            default: default_key_var_set,
            private: private_key_var_set,
        };
        if let Some(error) = self.resolve_agent_key_var(seen) {
            errors.push(error);
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Which agent-key variable the env picks when the file names no key file: the default
    /// variable or the private-key fallback, and an error when the configured one is unset.
    fn resolve_agent_key_var(&mut self, seen: KeyVarsSeen) -> Option<EnvError> {
        let venue = &mut self.venue;
        if venue.agent_key_file.is_some() {
            return None;
        }
        match &venue.agent_key_env {
            None if seen.default => venue.agent_key_env = Some(AGENT_KEY_VAR.to_owned()),
            None if seen.private => {
                venue.agent_key_env = Some(PRIVATE_KEY_VAR.to_owned());
            }
            Some(var) if venue.kind.is_hyperliquid() => {
                // Only the file sets a variable name here (an override of the file clears it),
                // so `var` is the configured one.
                let set = seen.configured || (var == AGENT_KEY_VAR && seen.default);
                if !set {
                    return Some(EnvError {
                        var: var.clone(),
                        value: None,
                        rule: format!(
                            "not set, but venue {} reads the agent key from it (export it, \
                             or set venue.agent_key_file)",
                            venue.kind
                        ),
                    });
                }
            }
            _ => {}
        }
        None
    }
}

fn parse_core(value: &str, core: &mut Option<usize>, bad: impl FnOnce(String)) {
    if value == "none" {
        *core = None;
    } else {
        match value.parse::<usize>() {
            Ok(id) => *core = Some(id),
            Err(_) => bad("expected a cpu number or none".to_owned()),
        }
    }
}

/// Which agent-key variables the environment set (their values are never kept here).
#[derive(Debug, Clone, Copy)]
struct KeyVarsSeen {
    /// The variable `venue.agent_key_env` names.
    configured: bool,
    /// `HLMM_AGENT_KEY`.
    default: bool,
    /// `HLMM_PRIVATE_KEY`, the fallback.
    private: bool,
}

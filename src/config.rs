//! The engine's configuration: the TOML file schema, environment overrides, per-symbol
//! parameters, live patches from Redis, and `validate()`.
//!
//! Read by `main` at boot and by the side thread on a hot reload (`mm_config` on Redis). Never
//! touched by the quote thread: it receives the core's parameters, converted from a resolved
//! [`SymbolConfig`] by [`SymbolConfig::core_params`], over its config ring.
//!
//! Every input path goes through the same typed schema (`fault-cases.md` §13 and "Security rules"):
//! - the file: `#[serde(deny_unknown_fields)]` everywhere, so a typo is an error naming the field;
//! - the environment: a small documented set of `HLMM_*` variables ([`ENV_VARS`]), applied after
//!   the file and before `validate()`;
//! - Redis: a [`SymbolConfigPatch`] merged by [`Config::apply_patch`], which returns a new validated
//!   config or every error and never changes the current one.
//!
//! Whatever the path, per-symbol parameters are checked against one rule set, the core's
//! [`rules`](crate::core::params::rules), the same the core applies to every parameter set it is
//! given: what `validate()` accepts, the core accepts.
//!
//! Precedence, lowest first: built-in defaults, the file's `[defaults]`, its `[symbols.<COIN>]`,
//! the environment, command-line flags (which `main` passes as the last environment entries).
//!
//! Secrets never live here: the agent key is named by a file path or an environment variable name
//! ([`AgentKeySource`]) and read by the signer, so `Debug` of a [`Config`] cannot leak it.

mod api;
mod caps;
mod core_params;
mod env;
mod redis;
mod schema;
mod sections;
mod symbol;
mod validate;
mod venue;

use std::fmt;
use std::path::{Path, PathBuf};

pub use api::ApiConfig;
pub use caps::CapsConfig;
pub use env::{EnvError, ENV_VARS};
pub use redis::{redact_url, RedisConfig, PASSWORD_VAR as REDIS_PASSWORD_VAR};
pub use schema::{Config, DEFAULT_COINS};
pub use sections::{
    FeedConfig, LogFormat, SpinPolicy, StaleAfterMs, TelemetryConfig, ThreadsConfig,
};
pub use symbol::{
    FairValueName, Millis, SymbolConfig, SymbolConfigPatch, SymbolOverrides, VolEstimatorName,
    SYMBOL_FIELDS,
};
pub use validate::ConfigError;
pub use venue::{AgentKeySource, Endpoints, VenueConfig, VenueKind};

impl Config {
    /// Parses and validates a TOML document. No environment overrides are applied.
    pub fn from_toml_str(toml: &str) -> Result<Self, ConfigLoadError> {
        let config = Self::parse_toml(toml)?;
        config.validate().map_err(ConfigLoadError::Invalid)?;
        Ok(config)
    }

    /// Reads `path`, applies the overrides found in `env` (see [`ENV_VARS`]) and validates.
    ///
    /// `env` is any sequence of `(name, value)` pairs, usually the process environment; tests
    /// pass their own. Later pairs win over earlier ones.
    pub fn load<I, K, V>(path: impl AsRef<Path>, env: I) -> Result<Self, ConfigLoadError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigLoadError::Io { path: path.to_path_buf(), source })?;
        Self::parse_toml(&text)?.with_env(env)
    }

    /// Applies the overrides found in `env`, then validates: the last steps of [`Config::load`],
    /// for a config that did not come from a file (`Config::default()`).
    pub fn with_env<I, K, V>(mut self, env: I) -> Result<Self, ConfigLoadError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        self.apply_env(env).map_err(ConfigLoadError::Env)?;
        self.validate().map_err(ConfigLoadError::Invalid)?;
        Ok(self)
    }

    /// Parses a TOML document against the schema without validating it. Syntax errors, unknown
    /// fields and values of the wrong type are reported with their line and column.
    pub fn parse_toml(toml: &str) -> Result<Self, ConfigLoadError> {
        let mut config: Self =
            toml::from_str(toml).map_err(|e| ConfigLoadError::parse(toml, &e))?;
        config.normalize();
        Ok(config)
    }

    /// Checks every range and cross-field rule and returns all violations, not just the first.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let errors = validate::validate(self);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The resolved parameters of `coin`: its overrides, then `[defaults]`, then the built-ins.
    /// `None` when `coin` is not configured.
    pub fn symbol_params(&self, coin: &str) -> Option<SymbolConfig> {
        self.symbols.get(coin).map(|overrides| overrides.resolve(&self.defaults))
    }

    /// Every configured coin with its resolved parameters, in coin-name order. Includes coins
    /// with `enabled = false`: the engine still has to cancel their orders.
    pub fn resolved_symbols(&self) -> impl Iterator<Item = (&str, SymbolConfig)> + '_ {
        self.symbols
            .iter()
            .map(|(coin, overrides)| (coin.as_str(), overrides.resolve(&self.defaults)))
    }

    /// Merges a live per-symbol update (Redis `mm_config`) into a copy of this config and validates
    /// the result. Returns the new config, or every error; `self` is never changed, so a rejected
    /// update leaves the last good config in force.
    ///
    /// A patch may only change a coin that is already configured: adding a coin to the quoted set
    /// is a decision for the file (or the operator API), not for an unauthenticated channel.
    pub fn apply_patch(&self, patch: &SymbolConfigPatch) -> Result<Self, Vec<ConfigError>> {
        let mut next = self.clone();
        let Some(overrides) = next.symbols.get_mut(&patch.symbol) else {
            return Err(vec![ConfigError::new(
                Some(&patch.symbol),
                "symbol",
                &patch.symbol,
                "not a configured symbol (a patch may only change a coin listed in the config file)",
            )]);
        };
        overrides.merge(patch);
        next.validate()?;
        Ok(next)
    }

    /// Puts values that have several spellings into the one the venue expects.
    fn normalize(&mut self) {
        if let Some(address) = &mut self.venue.account_address {
            address.make_ascii_lowercase();
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigLoadError {
    /// The file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown field, or a value of the wrong type.
    #[error("{}", ParseDisplay { line: *line, column: *column, message })]
    Parse {
        /// 1-based line of the offending text, when the parser knows it.
        line: Option<usize>,
        /// 1-based column (in characters) of the offending text, when the parser knows it.
        column: Option<usize>,
        /// What is wrong, e.g. "unknown field `notional`, expected one of ...".
        message: String,
    },
    /// The file parsed but breaks range or cross-field rules: every violation.
    #[error("{}", Lines::new("invalid config", .0))]
    Invalid(Vec<ConfigError>),
    /// An environment override has a bad value, or a required variable is missing.
    #[error("{}", Lines::new("bad environment", .0))]
    Env(Vec<EnvError>),
}

impl ConfigLoadError {
    fn parse(input: &str, error: &toml::de::Error) -> Self {
        let (line, column) = match error.span() {
            Some(span) => {
                let (line, column) = line_column(input, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        // One line, so `check-config` prints one error per line.
        let message: Vec<&str> =
            error.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        Self::Parse { line, column, message: message.join(": ") }
    }
}

/// 1-based line and character column of byte offset `at` in `input`.
fn line_column(input: &str, at: usize) -> (usize, usize) {
    let before = input.get(..at).unwrap_or(input);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

struct ParseDisplay<'a> {
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
}

impl fmt::Display for ParseDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "line {line}, column {column}: {}", self.message)
            }
            _ => f.write_str(self.message),
        }
    }
}

/// One error inline, several as an indented list.
struct Lines<'a, T> {
    head: &'static str,
    items: &'a [T],
}

impl<'a, T> Lines<'a, T> {
    fn new(head: &'static str, items: &'a [T]) -> Self {
        Self { head, items }
    }
}

impl<T: fmt::Display> fmt::Display for Lines<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.items {
            [one] => write!(f, "{}: {one}", self.head),
            many => {
                write!(f, "{} ({} errors):", self.head, many.len())?;
                for item in many {
                    write!(f, "\n  {item}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63";

    #[test]
    fn debug_of_a_loaded_config_never_contains_the_agent_key() {
        let toml = "[venue]\nkind = \"testnet\"\naccount_address = \
                    \"0x00000000000000000000000000000000000000aa\"\n[symbols.BTC]\n";
        let config = Config::parse_toml(toml)
            .and_then(|c| c.with_env([("HLMM_AGENT_KEY", KEY)]))
            .expect("a testnet config with the key in the environment is valid");

        assert_eq!(config.venue.agent_key_source(), Some(AgentKeySource::Env("HLMM_AGENT_KEY")));
        let debug = format!("{config:?}");
        assert!(!debug.contains(KEY), "{debug}");
        assert!(!debug.contains(&KEY[2..]), "{debug}");
    }

    #[test]
    fn default_config_round_trips_through_toml() {
        let config = Config::default();
        let text = toml::to_string(&config).expect("the default config serializes");
        assert_eq!(Config::parse_toml(&text).expect("and parses back"), config);
    }

    #[test]
    fn line_column_counts_characters_from_one() {
        assert_eq!(line_column("a = 1\nbé = 2\n", 0), (1, 1));
        assert_eq!(line_column("a = 1\nbé = 2\n", 6), (2, 1));
        assert_eq!(line_column("a = 1\nbé = 2\n", 9), (2, 3));
    }

    // The [redis] section, through the whole document (parse, validate).
    #[test]
    fn redis_is_off_by_default_and_the_defaults_are_valid() {
        let config = Config::default();
        assert!(!config.redis.enabled());
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn each_bad_redis_setting_is_reported_by_name() {
        let cases = [
            ("url = \"http://localhost:6379\"", "redis.url"),
            ("url = \"redis://user:pw@localhost:6379?x=1\"", "redis.url"),
            ("url = \"redis://:pw@localhost:6379\"\npassword_file = \"/x\"", "redis.password_file"),
            ("url = \"redis://me@localhost:6379\"\nusername = \"me\"", "redis.username"),
            ("username = \"two words\"", "redis.username"),
            ("scan_interval_ms = 10", "redis.scan_interval_ms"),
            ("top_n = 0", "redis.top_n"),
            ("min_open_interest_usd = -1.0", "redis.min_open_interest_usd"),
            ("position_interval_ms = 5", "redis.position_interval_ms"),
            ("metrics_interval_ms = 0", "redis.metrics_interval_ms"),
            ("buffer_capacity = 0", "redis.buffer_capacity"),
            ("stream_maxlen = 0", "redis.stream_maxlen"),
            ("reconnect_min_ms = 5", "redis.reconnect_min_ms"),
            ("reconnect_min_ms = 500\nreconnect_max_ms = 100", "redis.reconnect_max_ms"),
        ];
        for (line, field) in cases {
            let toml = format!("[redis]\n{line}\n[symbols.BTC]\n");
            let config = Config::parse_toml(&toml).expect("schema-valid");
            let errors = config.validate().expect_err(line);
            assert!(errors.iter().any(|e| e.field == field), "{line}: {errors:?}");
        }
    }

    #[test]
    fn a_cap_must_be_positive_and_no_file_value_may_exceed_it() {
        let cases = [
            ("[caps]\nmax_long_usd = -1.0\n[symbols.BTC]\n", "caps.max_long_usd"),
            ("[caps]\nmax_long_usd = 500.0\n[symbols.BTC]\nmax_long_usd = 800.0\n", "max_long_usd"),
            ("[caps]\nnotional_per_side = 50.0\n[symbols.BTC]\n", "notional_per_side"),
        ];
        for (toml, field) in cases {
            let errors = Config::parse_toml(toml).expect("schema").validate().expect_err(toml);
            assert!(errors.iter().any(|e| e.field == field), "{toml}: {errors:?}");
        }
        let ok = "[caps]\nmax_long_usd = 5000.0\n[symbols.BTC]\nmax_long_usd = 800.0\n";
        assert!(Config::from_toml_str(ok).is_ok());
    }

    #[test]
    fn a_redis_url_with_a_password_is_accepted_and_its_errors_never_show_the_password() {
        let ok = "[redis]\nurl = \"redis://hlmm:s3cret@127.0.0.1:6379/0\"\n[symbols.BTC]\n";
        let config = Config::from_toml_str(ok).expect("valid");
        assert_eq!(config.redis.redacted_url(), "redis://hlmm:***@127.0.0.1:6379/0");
        let bad = "[redis]\nurl = \"redis://:s3cret@127.0.0.1:0\"\n[symbols.BTC]\n";
        let errors = Config::parse_toml(bad).expect("schema-valid").validate().expect_err("port 0");
        let shown = format!("{errors:?}");
        assert!(shown.contains("redis.url") && !shown.contains("s3cret"), "{shown}");
        assert!(!format!("{config:?}").contains("s3cret"), "Debug of the config redacts it too");
    }

    #[test]
    fn a_plain_redis_url_is_accepted_and_unknown_fields_are_not() {
        let ok = "[redis]\nurl = \"redis://127.0.0.1:6379/0\"\ntop_n = 5\n[symbols.BTC]\n";
        let config = Config::from_toml_str(ok).expect("valid");
        assert!(config.redis.enabled());
        assert!(Config::parse_toml("[redis]\nurll = \"x\"\n[symbols.BTC]\n").is_err());
    }
}

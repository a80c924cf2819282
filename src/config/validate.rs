//! `validate()`: range and cross-field rules, every violation collected.

use std::fmt::{self, Display};

use crate::core::params::rules;

use super::schema::Config;
use super::symbol::{SymbolConfig, SymbolOverrides};
use super::venue::{VenueConfig, VenueKind};

/// One broken rule: which setting, its value, and what it must be.
///
/// Displays as `symbol ETH: notional_per_side = 5: below the $10 minimum order value`, or without
/// a symbol as `feed.reconnect_max_ms = 10: must be >= feed.reconnect_min_ms (250)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The coin, for per-symbol fields of a `[symbols.<COIN>]` table or a patch.
    pub symbol: Option<String>,
    /// The field: `section.name` for engine settings, the bare name for a coin's parameters,
    /// `defaults.name` for the `[defaults]` table.
    pub field: String,
    /// The offending value as written (`(unset)` for a missing required value).
    pub value: String,
    /// The rule it breaks, lower case.
    pub rule: String,
}

impl ConfigError {
    pub(crate) fn new(
        symbol: Option<&str>,
        field: impl Into<String>,
        value: impl Display,
        rule: impl Into<String>,
    ) -> Self {
        Self {
            symbol: symbol.map(str::to_owned),
            field: field.into(),
            value: value.to_string(),
            rule: rule.into(),
        }
    }
}

impl Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(symbol) = &self.symbol {
            write!(f, "symbol {symbol}: ")?;
        }
        write!(f, "{} = {}: {}", self.field, self.value, self.rule)
    }
}

impl std::error::Error for ConfigError {}

const UNSET: &str = "(unset)";

pub(super) fn validate(config: &Config) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    check_venue(config, &mut errors);
    check_threads(config, &mut errors);
    check_feed(config, &mut errors);
    check_telemetry(config, &mut errors);
    check_redis(config, &mut errors);
    check_caps(config, &mut errors);
    check_api(config, &mut errors);
    check_symbols(config, &mut errors);
    errors
}

fn check_api(config: &Config, errors: &mut Vec<ConfigError>) {
    let api = &config.api;
    let Some(listen) = &api.listen else { return };
    // A non-loopback address without tokens is refused when the gateway starts (tokens may
    // come from the environment, which this check does not see).
    if listen.parse::<std::net::SocketAddr>().is_err() {
        errors.push(ConfigError::new(
            None,
            "api.listen",
            listen,
            "must be host:port with an IP address, e.g. 127.0.0.1:8080",
        ));
    }
}

fn check_venue(config: &Config, errors: &mut Vec<ConfigError>) {
    let mut push = |field: &str, value: &dyn Display, rule: String| {
        errors.push(ConfigError::new(None, format!("venue.{field}"), value, rule));
    };
    check_venue_urls(&config.venue, &mut push);
    check_venue_identity(&config.venue, &mut push);
    check_venue_numbers(&config.venue, &mut push);
}

/// A `venue.` field error: field name (without the section), value, rule.
type PushVenue<'a> = dyn FnMut(&str, &dyn Display, String) + 'a;

fn check_venue_urls(venue: &VenueConfig, push: &mut PushVenue<'_>) {
    let kind = venue.kind;
    let urls = [("info_url", &venue.info_url, "/info"), ("ws_url", &venue.ws_url, "")];
    for (field, url, path_suffix) in urls {
        let Some(url) = url else { continue };
        let schemes: &[&str] = match (field, kind) {
            (_, VenueKind::Sim) => {
                push(
                    field,
                    url,
                    "not used by venue sim, which runs in-process (use kind = \"local\" for an \
                     external simulator)"
                        .into(),
                );
                continue;
            }
            ("info_url", VenueKind::Local) => &["http", "https"],
            ("info_url", _) => &["https"],
            (_, VenueKind::Local) => &["ws", "wss"],
            _ => &["wss"],
        };
        if let Err(rule) = check_url(url, schemes, path_suffix) {
            push(field, url, rule);
        }
    }
}

fn check_venue_identity(venue: &VenueConfig, push: &mut PushVenue<'_>) {
    let kind = venue.kind;
    match &venue.account_address {
        Some(address) => {
            if let Err(rule) = check_address(address) {
                push("account_address", address, rule);
            }
        }
        None if kind.is_hyperliquid() => push(
            "account_address",
            &UNSET,
            format!(
                "required for venue {kind} (queries and the user stream use the account address)"
            ),
        ),
        None => {}
    }

    match (&venue.agent_key_file, &venue.agent_key_env) {
        (Some(file), Some(_)) => push(
            "agent_key_env",
            &file.display(),
            "set one agent key source, agent_key_file or agent_key_env, not both".into(),
        ),
        (None, None) if kind.is_hyperliquid() => push(
            "agent_key_file",
            &UNSET,
            format!(
                "venue {kind} needs an agent key: set agent_key_file (a secret file), or \
                 agent_key_env and export that variable"
            ),
        ),
        _ => {}
    }
    if let Some(file) = &venue.agent_key_file {
        if file.as_os_str().is_empty() {
            push("agent_key_file", &"\"\"", "must be a path".into());
        }
    }
    if let Some(var) = &venue.agent_key_env {
        if !is_env_var_name(var) {
            push(
                "agent_key_env",
                var,
                "must be an environment variable name (A-Z, 0-9, _), not the key itself".into(),
            );
        }
    }
}

fn check_venue_numbers(venue: &VenueConfig, push: &mut PushVenue<'_>) {
    let balance = venue.paper_balance_usd;
    if !(balance.is_finite() && balance > 0.0 && balance <= 1e12) {
        push("paper_balance_usd", &balance, "must be > 0 and <= 1e12 usd".into());
    }
    if !(1..=50).contains(&venue.leverage) {
        push("leverage", &venue.leverage, "must be 1..=50 (times)".into());
    }
    if !(100..=60_000).contains(&venue.max_clock_skew_ms) {
        push(
            "max_clock_skew_ms",
            &venue.max_clock_skew_ms,
            "must be 100..=60000 ms (actions expire a few seconds after our clock)".into(),
        );
    }
    if !(5_000..=3_600_000).contains(&venue.reconcile_interval_ms) {
        push(
            "reconcile_interval_ms",
            &venue.reconcile_interval_ms,
            "must be 5000..=3600000 ms (each reconciliation costs two /info requests)".into(),
        );
    }
}

fn check_threads(config: &Config, errors: &mut Vec<ConfigError>) {
    let threads = &config.threads;
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for (field, core) in threads.pinned() {
        if core >= MAX_CORE_ID {
            errors.push(ConfigError::new(
                None,
                format!("threads.{field}"),
                core,
                format!("must be < {MAX_CORE_ID} (a cpu number as the os counts them)"),
            ));
        }
        if let Some((other, _)) = seen.iter().find(|(_, c)| *c == core) {
            errors.push(ConfigError::new(
                None,
                format!("threads.{field}"),
                core,
                format!("pinned threads need distinct cores, threads.{other} is already {core}"),
            ));
        }
        seen.push((field, core));
    }
    if !(-20..=19).contains(&threads.side_nice) {
        errors.push(ConfigError::new(
            None,
            "threads.side_nice",
            threads.side_nice,
            "must be in -20..=19",
        ));
    }
}

/// Linux's default `CPU_SETSIZE`.
const MAX_CORE_ID: usize = 1024;

fn check_feed(config: &Config, errors: &mut Vec<ConfigError>) {
    let feed = &config.feed;
    let mut range = |field: &str, value: u64, min: u64, max: u64, why: &str| {
        if !(min..=max).contains(&value) {
            errors.push(ConfigError::new(
                None,
                format!("feed.{field}"),
                value,
                format!("must be in {min}..={max}{why}"),
            ));
        }
    };
    range(
        "ping_interval_ms",
        feed.ping_interval_ms,
        1_000,
        50_000,
        " (the venue closes a socket silent for 60 s)",
    );
    range("stale_after_ms.books", feed.stale_after_ms.books, 100, 60_000, "");
    range("stale_after_ms.user", feed.stale_after_ms.user, 1_000, 600_000, "");
    range(
        "reconnect_min_ms",
        feed.reconnect_min_ms,
        50,
        60_000,
        " (the venue allows 30 new connections per minute per ip)",
    );
    range("reconnect_max_ms", feed.reconnect_max_ms, 0, 300_000, "");
    range("book_depth", feed.book_depth as u64, 1, 20, " (the venue sends at most 20 levels)");

    if feed.stale_after_ms.user <= feed.ping_interval_ms {
        errors.push(ConfigError::new(
            None,
            "feed.stale_after_ms.user",
            feed.stale_after_ms.user,
            format!(
                "must be > feed.ping_interval_ms ({}): a quiet user stream is heard only through \
                 pongs",
                feed.ping_interval_ms
            ),
        ));
    }
    if feed.reconnect_max_ms < feed.reconnect_min_ms {
        errors.push(ConfigError::new(
            None,
            "feed.reconnect_max_ms",
            feed.reconnect_max_ms,
            format!("must be >= feed.reconnect_min_ms ({})", feed.reconnect_min_ms),
        ));
    }
    for (field, capacity) in [
        ("md_ring_capacity", feed.md_ring_capacity),
        ("user_ring_capacity", feed.user_ring_capacity),
    ] {
        if !capacity.is_power_of_two() || !(16..=1 << 20).contains(&capacity) {
            errors.push(ConfigError::new(
                None,
                format!("feed.{field}"),
                capacity,
                "must be a power of two in 16..=1048576",
            ));
        }
    }
}

fn check_telemetry(config: &Config, errors: &mut Vec<ConfigError>) {
    let interval = config.telemetry.summary_interval_ms;
    if !(1_000..=3_600_000).contains(&interval) {
        errors.push(ConfigError::new(
            None,
            "telemetry.summary_interval_ms",
            interval,
            "must be in 1000..=3600000",
        ));
    }
}

/// Each cap is a positive amount, and no coin's file value is above its cap.
fn check_caps(config: &Config, errors: &mut Vec<ConfigError>) {
    let mut bad_cap = false;
    for (field, _) in super::caps::CAPPED {
        if let Some(cap) = config.caps.get(field).filter(|c| !(c.is_finite() && *c > 0.0)) {
            errors.push(ConfigError::new(None, format!("caps.{field}"), cap, "must be > 0"));
            bad_cap = true;
        }
    }
    if bad_cap {
        return;
    }
    for (coin, params) in config.resolved_symbols() {
        for (field, value, cap) in config.caps.exceeded(&params) {
            // The caps are the file's: a runtime patch (Redis or the API) that passes one is
            // refused here, on the same path as every other rule.
            let rule = format!("above caps.{field} = {cap} (raise the cap in the file)");
            errors.push(ConfigError::new(Some(coin), field, value, &rule));
        }
    }
}

fn check_redis(config: &Config, errors: &mut Vec<ConfigError>) {
    let r = &config.redis;
    let mut push = |field: &str, value: &dyn Display, rule: &str| {
        errors.push(ConfigError::new(None, format!("redis.{field}"), value, rule));
    };
    if let Some(url) = &r.url {
        // Plain TCP only (the client is built without TLS). User info is allowed (the
        // `REDIS_URL` convention) and never shown: errors carry the redacted URL.
        let (user_info, bare) = super::redis::split_user_info(url);
        if let Err(rule) = check_url(&bare, &["redis"], "") {
            push("url", &super::redis::redact_url(url), &rule);
        }
        let url_password = user_info.is_some_and(|i| i.contains(':'));
        if url_password && r.password_file.is_some() {
            push(
                "password_file",
                &"(set)",
                "give the password once: in redis.url or in redis.password_file",
            );
        }
        let url_user = user_info.is_some_and(|i| !i.starts_with(':'));
        if url_user && r.username.is_some() {
            push("username", &"(set)", "give the user once: in redis.url or in redis.username");
        }
    }
    if let Some(user) = &r.username {
        if user.is_empty() || user.chars().any(|c| c.is_whitespace() || c.is_control()) {
            push("username", user, "must be a non-empty name without spaces");
        }
    }
    let ranges: [(&str, u64, u64, u64); 7] = [
        ("scan_interval_ms", r.scan_interval_ms, 1_000, 3_600_000),
        ("top_n", r.top_n as u64, 1, 100),
        ("scanner_hysteresis", r.scanner_hysteresis as u64, 0, 100),
        ("position_interval_ms", r.position_interval_ms, 100, 60_000),
        ("metrics_interval_ms", r.metrics_interval_ms, 100, 60_000),
        ("buffer_capacity", r.buffer_capacity as u64, 1, 1_000_000),
        ("stream_maxlen", r.stream_maxlen, 1, 10_000_000),
    ];
    for (field, value, lo, hi) in ranges {
        if !(lo..=hi).contains(&value) {
            push(field, &value, &format!("must be in {lo}..={hi}"));
        }
    }
    if !(r.min_open_interest_usd.is_finite() && r.min_open_interest_usd >= 0.0) {
        push("min_open_interest_usd", &r.min_open_interest_usd, "must be finite and >= 0");
    }
    if !(10..=60_000).contains(&r.reconnect_min_ms) {
        push("reconnect_min_ms", &r.reconnect_min_ms, "must be in 10..=60000");
    }
    if !(r.reconnect_min_ms..=60_000).contains(&r.reconnect_max_ms) {
        push(
            "reconnect_max_ms",
            &r.reconnect_max_ms,
            &format!("must be in redis.reconnect_min_ms ({})..=60000", r.reconnect_min_ms),
        );
    }
}

fn check_symbols(config: &Config, errors: &mut Vec<ConfigError>) {
    if config.symbols.is_empty() {
        errors.push(ConfigError::new(
            None,
            "symbols",
            "{}",
            "must list at least one coin, e.g. [symbols.BTC]",
        ));
    }
    check_symbol_params(&config.defaults, Scope::Defaults, errors);
    for (coin, overrides) in &config.symbols {
        if !is_valid_coin(coin) {
            errors.push(ConfigError::new(None, "symbols", coin, COIN_RULE));
            continue;
        }
        check_symbol_params(
            &overrides.resolve(&config.defaults),
            Scope::Symbol { coin, overrides },
            errors,
        );
    }
}

/// Where per-symbol parameters come from, for error reports.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// The `[defaults]` table: field names get a `defaults.` prefix.
    Defaults,
    /// A coin: a rule is reported only if the coin sets one of the fields it involves, since a
    /// rule broken by `[defaults]` alone is reported once, for `[defaults]`.
    Symbol { coin: &'a str, overrides: &'a SymbolOverrides },
}

/// The per-symbol rules are the core's ([`rules`]): the same ones, with the same messages, that
/// the core applies to the converted parameters, so every set accepted here is accepted there.
fn check_symbol_params(p: &SymbolConfig, scope: Scope<'_>, errors: &mut Vec<ConfigError>) {
    rules::check(
        |field| p.rule_value(field),
        |v| {
            let error = match scope {
                Scope::Defaults => ConfigError::new(
                    None,
                    format!("defaults.{}", v.field),
                    v.value,
                    v.rule().to_string(),
                ),
                Scope::Symbol { coin, overrides } => {
                    let own = overrides.is_set(v.field.name())
                        || v.other_field().is_some_and(|other| overrides.is_set(other.name()));
                    if !own {
                        return;
                    }
                    ConfigError::new(Some(coin), v.field.name(), v.value, v.rule().to_string())
                }
            };
            errors.push(error);
        },
    );
}

const COIN_RULE: &str = "not a perpetual coin name: upper-case letters and digits, with an \
                         optional k prefix (kPEPE) or a lower-case dex prefix (xyz:XYZ100)";

/// `BTC`, `kPEPE`, or a HIP-3 `dex:COIN`. Spot names (`PURR/USDC`, `@107`) are not perpetuals.
fn is_valid_coin(name: &str) -> bool {
    let coin = match name.split_once(':') {
        Some((dex, coin)) => {
            let dex_ok = (1..=16).contains(&dex.len())
                && dex.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            if !dex_ok {
                return false;
            }
            coin
        }
        None => name,
    };
    let body = coin.strip_prefix('k').unwrap_or(coin);
    (1..=20).contains(&body.len())
        && body.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `0x` + 40 hex digits, any case (checksummed addresses are accepted), not the zero address.
pub(super) fn check_address(address: &str) -> Result<(), String> {
    let hex = address.strip_prefix("0x").unwrap_or("");
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("must be 0x followed by 40 hex digits".to_owned());
    }
    if hex.bytes().all(|b| b == b'0') {
        return Err("the zero address is a placeholder, not an account".to_owned());
    }
    Ok(())
}

fn is_env_var_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A URL with one of `schemes`, a host, an optional port and a path ending in `path_suffix`. No
/// credentials, query or fragment: none of the venue's endpoints have them.
fn check_url(url: &str, schemes: &[&str], path_suffix: &str) -> Result<(), String> {
    let expected = || {
        let list: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
        format!("must be a {} url", list.join(" or "))
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(expected());
    };
    if !schemes.contains(&scheme) {
        return Err(expected());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace".to_owned());
    }
    if rest.contains(['?', '#', '@']) {
        return Err("must not carry credentials, a query or a fragment".to_owned());
    }
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]:3001`.
        Some(v6) => match v6.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => return Err("has an unclosed ipv6 bracket".to_owned()),
        },
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err("has no host".to_owned());
    }
    if let Some(port) = port {
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(format!("has a bad port {port:?}"));
        }
    }
    if !path.ends_with(path_suffix) {
        return Err(format!("must end in {path_suffix} (/exchange is derived from it)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

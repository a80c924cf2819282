//! Config validation as a spec: every rule rejects its bad values by name, defaults and overrides
//! resolve in order, the environment and Redis patches go through the same checks, and the
//! shipped config files are valid.

use std::path::PathBuf;

use hlmm::config::{
    AgentKeySource, Config, ConfigError, ConfigLoadError, EnvError, LogFormat, Millis, SpinPolicy,
    SymbolConfig, SymbolConfigPatch, VenueKind, DEFAULT_COINS,
};

/// A minimal valid file: one coin, everything else default. Cases add tables to it.
const BASE: &str = "[symbols.BTC]\n";

const ACCOUNT: &str = "0x00000000000000000000000000000000000000aa";

fn no_env() -> [(&'static str, &'static str); 0] {
    []
}

fn parse(toml: &str) -> Config {
    Config::parse_toml(toml).unwrap_or_else(|e| panic!("does not parse: {e}\n{toml}"))
}

fn errors_of(toml: &str) -> Vec<ConfigError> {
    parse(toml).validate().err().unwrap_or_default()
}

fn shipped(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config").join(name)
}

struct Case {
    name: &'static str,
    toml: &'static str,
    symbol: Option<&'static str>,
    field: &'static str,
    rule: &'static str,
}

const fn case(
    name: &'static str,
    toml: &'static str,
    symbol: Option<&'static str>,
    field: &'static str,
    rule: &'static str,
) -> Case {
    Case { name, toml, symbol, field, rule }
}

const ETH: Option<&str> = Some("ETH");

const INVALID: &[Case] = &[
    case(
        "notional below the venue minimum",
        "[symbols.ETH]\nnotional_per_side = 5",
        ETH,
        "notional_per_side",
        "below the $10 minimum order value",
    ),
    case(
        "notional that is not a number",
        "[symbols.ETH]\nnotional_per_side = nan",
        ETH,
        "notional_per_side",
        "must be a finite number",
    ),
    case(
        "negative max long",
        "[symbols.ETH]\nmax_long_usd = -1.0",
        ETH,
        "max_long_usd",
        "must not be negative",
    ),
    case(
        "max short beyond a billion dollars",
        "[symbols.ETH]\nmax_short_usd = 2e9",
        ETH,
        "max_short_usd",
        "must be <= 1e9 usd",
    ),
    case(
        "spread floor above a cap inherited from defaults",
        "[defaults]\nmax_half_spread_bps = 20.0\n[symbols.ETH]\nmin_half_spread_bps = 30.0",
        ETH,
        "min_half_spread_bps",
        "must be <= max_half_spread_bps (20)",
    ),
    case(
        "infinite max long",
        "[symbols.ETH]\nmax_long_usd = inf",
        ETH,
        "max_long_usd",
        "must be a finite number",
    ),
    case(
        "zero daily stop loss",
        "[symbols.ETH]\ndaily_pnl_stop_loss = 0.0",
        ETH,
        "daily_pnl_stop_loss",
        "must be > 0",
    ),
    case(
        "daily stop loss written as a negative number",
        "[symbols.ETH]\ndaily_pnl_stop_loss = -100.0",
        ETH,
        "daily_pnl_stop_loss",
        "must be > 0",
    ),
    case(
        "trailing stop of 100 %",
        "[symbols.ETH]\ntrailing_stop_loss = 1.0",
        ETH,
        "trailing_stop_loss",
        "must be in [0, 1)",
    ),
    case(
        "negative trailing stop",
        "[symbols.ETH]\ntrailing_stop_loss = -0.01",
        ETH,
        "trailing_stop_loss",
        "must be in [0, 1)",
    ),
    case(
        "trailing take profit of 200 %, which the core refuses",
        "[symbols.ETH]\ntrailing_take_profit = 2.0",
        ETH,
        "trailing_take_profit",
        "must be in [0, 1)",
    ),
    case(
        "forced refresh faster than a block window",
        "[symbols.ETH]\nforce_quote_refresh_interval = 50",
        ETH,
        "force_quote_refresh_interval",
        "must be in 100..=86400000 ms",
    ),
    case(
        "daily return above 100 %",
        "[symbols.ETH]\ndaily_return_bps = 10001",
        ETH,
        "daily_return_bps",
        "must be <= 10000",
    ),
    case(
        "zero minimum half spread",
        "[symbols.ETH]\nmin_half_spread_bps = 0.0",
        ETH,
        "min_half_spread_bps",
        "must be in (0, 1000] bps",
    ),
    case("negative vol_k", "[symbols.ETH]\nvol_k = -1.0", ETH, "vol_k", "must be in 0..=100"),
    case(
        "volatility horizon below 100 ms",
        "[symbols.ETH]\nvol_horizon_ms = 10",
        ETH,
        "vol_horizon_ms",
        "must be in 100..=86400000 ms",
    ),
    case(
        "zero volatility half-life",
        "[symbols.ETH]\nvol_halflife_ms = 0",
        ETH,
        "vol_halflife_ms",
        "must be in 1000..=86400000 ms",
    ),
    case(
        "negative inventory skew",
        "[symbols.ETH]\ninventory_skew = -1.0",
        ETH,
        "inventory_skew",
        "must be in 0..=10 half-spreads",
    ),
    case(
        "zero ATR bars",
        "[symbols.ETH]\natr_bars = 0",
        ETH,
        "atr_bars",
        "must be in 1..=1440 bars",
    ),
    case(
        "zero warm-up samples",
        "[symbols.ETH]\nvol_warmup_samples = 0",
        ETH,
        "vol_warmup_samples",
        "must be >= 1",
    ),
    case(
        "negative volatility prior",
        "[symbols.ETH]\nvol_prior = -0.0001",
        ETH,
        "vol_prior",
        "or 0 for no prior",
    ),
    case(
        "fill-rate floor above its prior",
        "[symbols.ETH]\nfills_per_day_floor = 50.0\nfills_per_day_prior = 20.0",
        ETH,
        "fills_per_day_floor",
        "must be <= fills_per_day_prior (20)",
    ),
    case(
        "flattening IOC after a day",
        "[symbols.ETH]\nflatten_ioc_after_ms = 86400000",
        ETH,
        "flatten_ioc_after_ms",
        "must be in 100..=3600000 ms",
    ),
    case(
        "requote tolerance of 20 000 ticks",
        "[symbols.ETH]\nrequote_tolerance_ticks = 20000",
        ETH,
        "requote_tolerance_ticks",
        "must be <= 10000",
    ),
    case(
        "bad [defaults] value is reported once, for defaults",
        "[defaults]\nnotional_per_side = 5.0",
        None,
        "defaults.notional_per_side",
        "below the $10 minimum order value",
    ),
    case(
        "lower-case coin name",
        "[symbols.eth]",
        None,
        "symbols",
        "not a perpetual coin name",
    ),
    case(
        "spot pair as a coin",
        "[symbols.\"PURR/USDC\"]",
        None,
        "symbols",
        "not a perpetual coin name",
    ),
    case(
        "reconnect ceiling below its floor",
        "[feed]\nreconnect_max_ms = 10",
        None,
        "feed.reconnect_max_ms",
        "must be >= feed.reconnect_min_ms (250)",
    ),
    case(
        "reconnect floor that would hammer the venue",
        "[feed]\nreconnect_min_ms = 10",
        None,
        "feed.reconnect_min_ms",
        "must be in 50..=60000",
    ),
    case(
        "market-data ring that is not a power of two",
        "[feed]\nmd_ring_capacity = 1000",
        None,
        "feed.md_ring_capacity",
        "power of two",
    ),
    case(
        "user ring that is not a power of two",
        "[feed]\nuser_ring_capacity = 3000",
        None,
        "feed.user_ring_capacity",
        "power of two",
    ),
    case("zero book depth", "[feed]\nbook_depth = 0", None, "feed.book_depth", "must be in 1..=20"),
    case(
        "book deeper than the venue sends",
        "[feed]\nbook_depth = 21",
        None,
        "feed.book_depth",
        "the venue sends at most 20 levels",
    ),
    case(
        "ping interval close to the venue's 60 s idle timeout",
        "[feed]\nping_interval_ms = 55000\n[feed.stale_after_ms]\nuser = 120000",
        None,
        "feed.ping_interval_ms",
        "must be in 1000..=50000",
    ),
    case(
        "user stream staleness not above the ping interval",
        "[feed.stale_after_ms]\nuser = 20000",
        None,
        "feed.stale_after_ms.user",
        "must be > feed.ping_interval_ms (20000)",
    ),
    case(
        "zero book staleness",
        "[feed.stale_after_ms]\nbooks = 0",
        None,
        "feed.stale_after_ms.books",
        "must be in 100..=60000",
    ),
    case(
        "two pinned threads on one core",
        "[threads]\nquote_core = 2\nexec_core = 2",
        None,
        "threads.exec_core",
        "distinct cores, threads.quote_core is already 2",
    ),
    case(
        "core id beyond the cpu set",
        "[threads]\nfeed_core = 5000",
        None,
        "threads.feed_core",
        "must be < 1024",
    ),
    case(
        "side thread nice value out of range",
        "[threads]\nside_nice = 20",
        None,
        "threads.side_nice",
        "must be in -20..=19",
    ),
    case(
        "summary every 10 ms",
        "[telemetry]\nsummary_interval_ms = 10",
        None,
        "telemetry.summary_interval_ms",
        "must be in 1000..=3600000",
    ),
    case(
        "testnet without an account address",
        "[venue]\nkind = \"testnet\"\nagent_key_file = \"/run/secrets/k\"",
        None,
        "venue.account_address",
        "required for venue testnet",
    ),
    case(
        "mainnet without an agent key source",
        "[venue]\nkind = \"mainnet\"\naccount_address = \"0x00000000000000000000000000000000000000aa\"",
        None,
        "venue.agent_key_file",
        "venue mainnet needs an agent key",
    ),
    case(
        "two agent key sources",
        "[venue]\nagent_key_file = \"/run/secrets/k\"\nagent_key_env = \"HLMM_AGENT_KEY\"",
        None,
        "venue.agent_key_env",
        "not both",
    ),
    case(
        "agent key pasted where a variable name belongs",
        "[venue]\nagent_key_env = \"0x8f2a55949038a9610f50fb23b5883af3\"",
        None,
        "venue.agent_key_env",
        "must be an environment variable name",
    ),
    case(
        "short account address",
        "[venue]\naccount_address = \"0x1234\"",
        None,
        "venue.account_address",
        "must be 0x followed by 40 hex digits",
    ),
    case(
        "zero account address left from a template",
        "[venue]\naccount_address = \"0x0000000000000000000000000000000000000000\"",
        None,
        "venue.account_address",
        "placeholder",
    ),
    case(
        "info url for the in-process simulator",
        "[venue]\ninfo_url = \"http://127.0.0.1:3001/info\"",
        None,
        "venue.info_url",
        "not used by venue sim",
    ),
    case(
        "websocket url with an http scheme",
        "[venue]\nkind = \"local\"\nws_url = \"http://127.0.0.1:3001/ws\"",
        None,
        "venue.ws_url",
        "must be a ws:// or wss:// url",
    ),
    case(
        "info url that is not the /info endpoint",
        "[venue]\nkind = \"local\"\ninfo_url = \"http://127.0.0.1:3001\"",
        None,
        "venue.info_url",
        "must end in /info",
    ),
    case(
        "mainnet over a plain-text websocket",
        "[venue]\nkind = \"mainnet\"\naccount_address = \"0x00000000000000000000000000000000000000aa\"\n\
         agent_key_file = \"/run/secrets/k\"\nws_url = \"ws://api.hyperliquid.xyz/ws\"",
        None,
        "venue.ws_url",
        "must be a wss:// url",
    ),
    case(
        "empty paper balance",
        "[venue]\npaper_balance_usd = 0.0",
        None,
        "venue.paper_balance_usd",
        "must be > 0",
    ),
];

#[test]
fn each_invalid_setting_is_rejected_with_one_error_naming_its_field_and_rule() {
    let mut failures = Vec::new();
    for case in INVALID {
        let errors = errors_of(&format!("{BASE}{}\n", case.toml));
        let named = |e: &ConfigError| {
            e.field == case.field
                && e.symbol.as_deref() == case.symbol
                && e.rule.contains(case.rule)
        };
        if errors.len() != 1 || !errors.iter().any(named) {
            let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
            failures.push(format!("{}: got {got:#?}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_display_symbol_field_value_and_rule_in_lower_case() {
    let errors = errors_of("[symbols.ETH]\nnotional_per_side = 5\n[feed]\nreconnect_max_ms = 10\n");
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "feed.reconnect_max_ms = 10: must be >= feed.reconnect_min_ms (250)",
            "symbol ETH: notional_per_side = 5: below the $10 minimum order value",
        ]
    );
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    let errors = errors_of(
        "[feed]\nbook_depth = 0\n[symbols.ETH]\nnotional_per_side = 5.0\ntrailing_stop_loss = 2.0\n\
         [symbols.SOL]\ndaily_pnl_stop_loss = 0.0\n",
    );
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["feed.book_depth", "notional_per_side", "trailing_stop_loss", "daily_pnl_stop_loss"]
    );
}

#[test]
fn a_file_without_symbols_is_rejected() {
    let errors = errors_of("[venue]\nkind = \"sim\"\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "symbols");
    assert!(errors[0].rule.contains("at least one coin"), "{}", errors[0]);
}

#[test]
fn unknown_fields_are_rejected_naming_the_field_and_its_line() {
    let cases = [
        ("top level", "mode = \"fast\"\n[symbols.BTC]\n", "mode", 1),
        ("venue", "[venue]\nkind = \"sim\"\nagent_key = \"0xabc\"\n", "agent_key", 3),
        ("feed", "[feed]\nping_ms = 1000\n", "ping_ms", 2),
        ("stale_after_ms", "[feed.stale_after_ms]\ntrades = 1000\n", "trades", 2),
        ("defaults", "[defaults]\nnotional = 100.0\n", "notional", 2),
        ("a symbol", "[symbols.BTC]\n\n[symbols.ETH]\nmax_long = 5.0\n", "max_long", 4),
    ];
    for (name, toml, field, line) in cases {
        match Config::parse_toml(toml) {
            Err(ConfigLoadError::Parse { line: at, message, .. }) => {
                assert!(message.contains(&format!("unknown field `{field}`")), "{name}: {message}");
                assert_eq!(at, Some(line), "{name}: {message}");
            }
            other => panic!("{name}: expected a parse error, got {other:?}"),
        }
    }
}

#[test]
fn toml_syntax_errors_report_line_and_column() {
    let err = Config::from_toml_str("[symbols.BTC]\nnotional_per_side = = 5\n")
        .expect_err("not valid toml");
    let ConfigLoadError::Parse { line, column, .. } = &err else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!((*line, *column), (Some(2), Some(21)));
    assert!(err.to_string().starts_with("line 2, column 21: "), "{err}");
}

#[test]
fn a_value_of_the_wrong_type_is_a_parse_error() {
    let err = Config::from_toml_str("[symbols.BTC]\nnotional_per_side = \"100\"\n")
        .expect_err("a string is not a number");
    assert!(matches!(err, ConfigLoadError::Parse { line: Some(2), .. }), "{err:?}");
}

#[test]
fn missing_fields_take_the_built_in_defaults() {
    let config = parse(BASE);
    assert_eq!(config.symbol_params("BTC"), Some(SymbolConfig::default()));
    let defaults = Config::default();
    assert_eq!(config.venue, defaults.venue);
    assert_eq!(config.threads, defaults.threads);
    assert_eq!(config.feed, defaults.feed);
    assert_eq!(config.telemetry, defaults.telemetry);
    assert_eq!(config.feed.ping_interval_ms, 20_000);
    assert_eq!(config.threads.side_nice, 19);
    assert_eq!(config.threads.spin, SpinPolicy::Busy);
    assert_eq!(config.venue.kind, VenueKind::Sim);
}

#[test]
fn symbol_overrides_win_over_defaults_which_win_over_built_ins() {
    let config = parse(
        "[defaults]\nnotional_per_side = 50.0\nvol_k = 3.0\n\
         [symbols.BTC]\nnotional_per_side = 500.0\n[symbols.ETH]\n",
    );
    let btc = config.symbol_params("BTC").expect("configured");
    let eth = config.symbol_params("ETH").expect("configured");
    let built_in = SymbolConfig::default();
    assert_eq!(btc, SymbolConfig { notional_per_side: 500.0, vol_k: 3.0, ..built_in });
    assert_eq!(eth, SymbolConfig { notional_per_side: 50.0, vol_k: 3.0, ..built_in });
    assert_eq!(config.symbol_params("SOL"), None);
    let coins: Vec<&str> = config.resolved_symbols().map(|(coin, _)| coin).collect();
    assert_eq!(coins, ["BTC", "ETH"]);
}

#[test]
fn account_address_is_stored_lower_case() {
    let config =
        parse("[venue]\naccount_address = \"0xABCDEF00000000000000000000000000000000aA\"\n");
    assert_eq!(
        config.venue.account_address.as_deref(),
        Some("0xabcdef00000000000000000000000000000000aa")
    );
}

#[test]
fn environment_overrides_apply_after_the_file() {
    let file = "[venue]\nkind = \"sim\"\n[threads]\nquote_core = 1\n[symbols.BTC]\n";
    let env = [
        ("HLMM_VENUE", "testnet"),
        ("HLMM_ACCOUNT_ADDRESS", "0x00000000000000000000000000000000000000AA"),
        ("HLMM_AGENT_KEY_FILE", "/run/secrets/hlmm_agent_key"),
        ("HLMM_WS_URL", "wss://node.example:8443/ws"),
        ("HLMM_QUOTE_CORE", "3"),
        ("HLMM_FEED_CORE", "2"),
        ("HLMM_SPIN", "spin_then_yield"),
        ("HLMM_LOG_FORMAT", "json"),
        ("PATH", "/usr/bin"),
    ];
    let config = parse(file).with_env(env).expect("valid with the overrides");
    assert_eq!(config.venue.kind, VenueKind::Testnet);
    assert_eq!(config.venue.account_address.as_deref(), Some(ACCOUNT));
    assert_eq!(
        config.venue.agent_key_source(),
        Some(AgentKeySource::File("/run/secrets/hlmm_agent_key".as_ref()))
    );
    let endpoints = config.venue.endpoints().expect("testnet has endpoints");
    assert_eq!(endpoints.ws, "wss://node.example:8443/ws");
    assert_eq!(endpoints.info, "https://api.hyperliquid-testnet.xyz/info");
    assert_eq!((config.threads.feed_core, config.threads.quote_core), (Some(2), Some(3)));
    assert_eq!(config.threads.spin, SpinPolicy::SpinThenYield);
    assert_eq!(config.telemetry.log_format, LogFormat::Json);
}

#[test]
fn later_environment_entries_win_and_empty_values_count_as_unset() {
    let env = [("HLMM_QUOTE_CORE", "1"), ("HLMM_QUOTE_CORE", "none"), ("HLMM_VENUE", "")];
    let config = parse("[threads]\nquote_core = 5\n[symbols.BTC]\n").with_env(env).expect("valid");
    assert_eq!(config.threads.quote_core, None);
    assert_eq!(config.venue.kind, VenueKind::Sim);
}

#[test]
fn bad_environment_values_are_all_reported_naming_the_variable() {
    let env = [
        ("HLMM_VENUE", "prod"),
        ("HLMM_QUOTE_CORE", "three"),
        ("HLMM_ACCOUNT_ADDRESS", "0x12"),
        ("HLMM_LOG_FORMAT", "xml"),
    ];
    let Err(ConfigLoadError::Env(errors)) = parse(BASE).with_env(env) else {
        panic!("bad environment values must be rejected");
    };
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "HLMM_VENUE = prod: expected one of sim, local, testnet, mainnet",
            "HLMM_QUOTE_CORE = three: expected a cpu number or none",
            "HLMM_ACCOUNT_ADDRESS = 0x12: must be 0x followed by 40 hex digits",
            "HLMM_LOG_FORMAT = xml: expected one of pretty, json",
        ]
    );
}

#[test]
fn hlmm_agent_key_in_the_environment_becomes_the_key_source_by_name_only() {
    let file = format!("[venue]\nkind = \"mainnet\"\naccount_address = \"{ACCOUNT}\"\n{BASE}");
    let config = parse(&file).with_env([("HLMM_AGENT_KEY", "0x1234")]).expect("valid");
    assert_eq!(config.venue.agent_key_env.as_deref(), Some("HLMM_AGENT_KEY"));
    assert!(!format!("{config:?}").contains("0x1234"));
}

#[test]
fn a_live_venue_whose_key_variable_is_not_set_is_rejected() {
    let file = format!(
        "[venue]\nkind = \"testnet\"\naccount_address = \"{ACCOUNT}\"\n\
         agent_key_env = \"MM_KEY\"\n{BASE}"
    );
    let Err(ConfigLoadError::Env(errors)) = parse(&file).with_env([("HLMM_AGENT_KEY", "0x12")])
    else {
        panic!("a missing key variable must be rejected");
    };
    assert_eq!(
        errors,
        [EnvError {
            var: "MM_KEY".into(),
            value: None,
            rule: "not set, but venue testnet reads the agent key from it (export it, or set \
                   venue.agent_key_file)"
                .into(),
        }]
    );
    assert!(parse(&file).with_env([("MM_KEY", "0x12")]).is_ok());
}

#[test]
fn a_key_file_from_the_environment_replaces_a_key_variable() {
    let file = "[venue]\nagent_key_env = \"MM_KEY\"\n[symbols.BTC]\n";
    let config = parse(file).with_env([("HLMM_AGENT_KEY_FILE", "/run/secrets/k")]).expect("valid");
    assert_eq!(
        config.venue.agent_key_source(),
        Some(AgentKeySource::File("/run/secrets/k".as_ref()))
    );
}

#[test]
fn the_design_documents_redis_message_is_a_valid_patch() {
    let json = r#"{
      "symbol": "BTC",
      "daily_return_bps": 10,
      "notional_per_side": 1000.0,
      "daily_pnl_stop_loss": 100.0,
      "trailing_take_profit": 0.05,
      "trailing_stop_loss": 0.02,
      "hedge_only_mode": false,
      "force_quote_refresh_interval": 500,
      "max_long_usd": 10000.0,
      "max_short_usd": 10000.0
    }"#;
    let patch: SymbolConfigPatch = serde_json::from_str(json).expect("the documented message");
    let next = Config::default().apply_patch(&patch).expect("valid");
    let btc = next.symbol_params("BTC").expect("configured");
    assert_eq!(btc.notional_per_side, 1000.0);
    assert_eq!(btc.force_quote_refresh_interval, Millis(500));
    assert_eq!(btc.max_short_usd, 10000.0);
}

#[test]
fn a_patch_changes_only_the_fields_it_sets_and_only_its_symbol() {
    let config =
        parse("[defaults]\nvol_k = 2.0\n[symbols.BTC]\nnotional_per_side = 300.0\n[symbols.ETH]\n");
    let patch: SymbolConfigPatch =
        serde_json::from_str(r#"{"symbol":"BTC","hedge_only_mode":true,"max_long_usd":600.0}"#)
            .expect("valid json");
    let next = config.apply_patch(&patch).expect("valid patch");
    let before = config.symbol_params("BTC").expect("configured");
    assert_eq!(
        next.symbol_params("BTC"),
        Some(SymbolConfig { hedge_only_mode: true, max_long_usd: 600.0, ..before })
    );
    assert_eq!(next.symbol_params("ETH"), config.symbol_params("ETH"));
    assert_eq!(next.defaults, config.defaults);
}

#[test]
fn an_invalid_patch_is_rejected_with_every_reason_and_the_config_is_unchanged() {
    let config = parse("[symbols.BTC]\n[symbols.ETH]\n");
    let before = config.clone();
    let patch: SymbolConfigPatch = serde_json::from_str(
        r#"{"symbol":"ETH","notional_per_side":5.0,"trailing_stop_loss":1.5,
            "force_quote_refresh_interval":10}"#,
    )
    .expect("valid json");
    let errors = config.apply_patch(&patch).expect_err("invalid values");
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(shown.iter().all(|e| e.starts_with("symbol ETH: ")), "{shown:#?}");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["notional_per_side", "trailing_stop_loss", "force_quote_refresh_interval"]);
    assert_eq!(config, before);
}

#[test]
fn a_patch_for_an_unconfigured_symbol_is_rejected() {
    let patch: SymbolConfigPatch =
        serde_json::from_str(r#"{"symbol":"DOGE","notional_per_side":50.0}"#).expect("valid json");
    let errors = parse(BASE).apply_patch(&patch).expect_err("DOGE is not configured");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].symbol.as_deref(), errors[0].field.as_str()), (Some("DOGE"), "symbol"));
}

#[test]
fn a_patch_with_an_unknown_field_does_not_parse() {
    let err = serde_json::from_str::<SymbolConfigPatch>(r#"{"symbol":"BTC","notional":50.0}"#)
        .expect_err("unknown field");
    assert!(err.to_string().contains("unknown field `notional`"), "{err}");
    assert!(serde_json::from_str::<SymbolConfigPatch>(r#"{"notional_per_side":50.0}"#).is_err());
}

#[test]
fn the_default_config_is_valid_and_quotes_the_ten_default_coins() {
    let config = Config::default();
    assert_eq!(config.validate(), Ok(()));
    let coins: Vec<&str> = config.symbols.keys().map(String::as_str).collect();
    let mut expected = DEFAULT_COINS.to_vec();
    expected.sort_unstable();
    assert_eq!(coins, expected);
}

#[test]
fn the_shipped_sim_config_is_valid_and_quotes_ten_coins() {
    let config = Config::load(shipped("sim.toml"), no_env()).expect("config/sim.toml is valid");
    assert_eq!(config.venue.kind, VenueKind::Sim);
    assert_eq!(config.symbols.len(), 10);
    for coin in DEFAULT_COINS {
        assert!(config.symbol_params(coin).is_some_and(|p| p.enabled), "{coin}");
    }
}

#[test]
fn the_shipped_examples_are_valid_once_the_operator_gives_the_account() {
    for (file, kind) in
        [("testnet.example.toml", VenueKind::Testnet), ("mainnet.example.toml", VenueKind::Mainnet)]
    {
        let config = Config::load(shipped(file), [("HLMM_ACCOUNT_ADDRESS", ACCOUNT)])
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(config.venue.kind, kind, "{file}");
        assert!(matches!(config.venue.agent_key_source(), Some(AgentKeySource::File(_))), "{file}");

        let Err(ConfigLoadError::Invalid(errors)) = Config::load(shipped(file), no_env()) else {
            panic!("{file}: must not validate without an account address");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["venue.account_address"], "{file}");
    }
}

#[test]
fn the_shipped_config_never_quotes_inside_its_maker_fee() {
    let config = Config::load("config/sim.toml", Vec::<(String, String)>::new())
        .expect("config/sim.toml loads");
    for (coin, symbol) in config.resolved_symbols() {
        let p = symbol.core_params(&config.feed);
        let floor = hlmm::core::strategy::half_spread(&p, 0.0, 1e6, 0.0).floor * 1e4;
        assert!(p.maker_fee_bps >= 1.5, "{coin}: the venue's tier-0 maker fee is 1.5 bp");
        assert!(floor >= p.maker_fee_bps + p.edge_bps, "{coin}: floor {floor} bp");
        assert!(p.vol_prior.is_some(), "{coin}: a warm start (vol_prior) so it quotes at once");
    }
}

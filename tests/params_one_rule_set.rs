//! One rule set for per-symbol parameters, as a spec: the same table of values goes through
//! every path that accepts per-symbol parameters, and every path gives the same verdict.
//!
//! - the file: what `hlmm check-config` and `hlmm run` do, `Config::load` (file, then the
//!   `HLMM_*` environment overrides, then `validate()`);
//! - a Redis `mm_config` message, through the side thread's `ConfigService`;
//! - the core: the file's parameters converted with `SymbolConfig::core_params`, then
//!   `SymbolParams::validate`, the check the quote thread runs on every config it is given.
//!
//! A value the file accepts is accepted by the core, a value it refuses is refused by the core,
//! each refusal names the same field with the same message, and an accepted value reaches the
//! core the same way from the file and from Redis.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use hlmm::config::{Config, ConfigLoadError, FeedConfig};
use hlmm::core::params::{FairValueModel, ParamError, SymbolParams, VolEstimator};
use hlmm::sync::config_sync::ConfigService;
use hlmm::types::AssetId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepted,
    Refused,
}

use Verdict::{Accepted, Refused};

/// One case: the fields ETH sets (values written the same in TOML and JSON) and the verdict
/// every path must give. A refusal must name the first field.
struct Case {
    name: &'static str,
    set: &'static [(&'static str, &'static str)],
    verdict: Verdict,
}

const fn case(
    name: &'static str,
    set: &'static [(&'static str, &'static str)],
    verdict: Verdict,
) -> Case {
    Case { name, set, verdict }
}

const CASES: &[Case] = &[
    // Trailing exits: fractions of position notional in [0, 1), and 0 turns them off.
    case(
        "a trailing take-profit of 0 disables it and is accepted",
        &[("trailing_take_profit", "0.0")],
        Accepted,
    ),
    case("a trailing take-profit of 0.5 is accepted", &[("trailing_take_profit", "0.5")], Accepted),
    case(
        "a trailing take-profit of 2 is not a fraction of notional and is refused",
        &[("trailing_take_profit", "2.0")],
        Refused,
    ),
    case("a trailing take-profit of 1 is refused", &[("trailing_take_profit", "1.0")], Refused),
    case(
        "a negative trailing take-profit is refused",
        &[("trailing_take_profit", "-0.05")],
        Refused,
    ),
    case(
        "a trailing stop of 0 disables it and is accepted",
        &[("trailing_stop_loss", "0.0")],
        Accepted,
    ),
    case(
        "both trailing exits at 0 are accepted together",
        &[("trailing_stop_loss", "0"), ("trailing_take_profit", "0")],
        Accepted,
    ),
    case("a trailing stop just below 1 is accepted", &[("trailing_stop_loss", "0.999")], Accepted),
    case("a trailing stop of 100 % is refused", &[("trailing_stop_loss", "1.0")], Refused),
    case("a negative trailing stop is refused", &[("trailing_stop_loss", "-0.01")], Refused),
    // The spread floor: (0, 1000] bps, and never above the cap (default 50 bps).
    case("a zero spread floor is refused", &[("min_half_spread_bps", "0.0")], Refused),
    case("a tiny spread floor is accepted", &[("min_half_spread_bps", "0.01")], Accepted),
    case(
        "a spread floor at the default cap is accepted",
        &[("min_half_spread_bps", "50.0")],
        Accepted,
    ),
    case(
        "a spread floor above the default cap is refused",
        &[("min_half_spread_bps", "50.5")],
        Refused,
    ),
    case(
        "a spread floor of 1000 bps under a cap as high is accepted",
        &[("min_half_spread_bps", "1000.0"), ("max_half_spread_bps", "1000.0")],
        Accepted,
    ),
    case(
        "a spread floor above 1000 bps is refused whatever the cap",
        &[("min_half_spread_bps", "1000.5"), ("max_half_spread_bps", "2000.0")],
        Refused,
    ),
    case("a zero spread cap is refused", &[("max_half_spread_bps", "0.0")], Refused),
    // vol_k: 0..=100 standard deviations.
    case("a vol_k of 0 is accepted", &[("vol_k", "0.0")], Accepted),
    case("a vol_k of 100 is accepted", &[("vol_k", "100.0")], Accepted),
    case("a vol_k above 100 is refused", &[("vol_k", "100.5")], Refused),
    case("a negative vol_k is refused", &[("vol_k", "-0.1")], Refused),
    // Limits: 0..=1e9 usd; a limit below one quote shrinks the quotes, it is not an error.
    case("a max long of 0 (never long) is accepted", &[("max_long_usd", "0.0")], Accepted),
    case("a negative max long is refused", &[("max_long_usd", "-1.0")], Refused),
    case(
        "a max short below one quote is accepted",
        &[("max_short_usd", "100.0"), ("notional_per_side", "500.0")],
        Accepted,
    ),
    case("a max short of a billion dollars is accepted", &[("max_short_usd", "1e9")], Accepted),
    case("a max short above a billion dollars is refused", &[("max_short_usd", "1.5e9")], Refused),
    // Money.
    case("a notional of $10 is accepted", &[("notional_per_side", "10.0")], Accepted),
    case("a notional below $10 is refused", &[("notional_per_side", "9.99")], Refused),
    case("a zero daily stop is refused", &[("daily_pnl_stop_loss", "0.0")], Refused),
    case(
        "a daily stop of one micro-dollar is accepted",
        &[("daily_pnl_stop_loss", "0.000001")],
        Accepted,
    ),
    case("a daily return of 10000 bps is accepted", &[("daily_return_bps", "10000")], Accepted),
    case("a daily return above 10000 bps is refused", &[("daily_return_bps", "10001")], Refused),
    // force_quote_refresh_interval: ms in the file and in mm_config, ns in the core.
    case(
        "a forced refresh of 0 never forces one and is accepted",
        &[("force_quote_refresh_interval", "0")],
        Accepted,
    ),
    case(
        "the design document's forced refresh of 500 ms is accepted",
        &[("force_quote_refresh_interval", "500")],
        Accepted,
    ),
    case(
        "a forced refresh of 100 ms is accepted",
        &[("force_quote_refresh_interval", "100")],
        Accepted,
    ),
    case(
        "a forced refresh of 99 ms is refused",
        &[("force_quote_refresh_interval", "99")],
        Refused,
    ),
    case(
        "a forced refresh of a day is accepted",
        &[("force_quote_refresh_interval", "86400000")],
        Accepted,
    ),
    case(
        "a forced refresh longer than a day is refused",
        &[("force_quote_refresh_interval", "86400001")],
        Refused,
    ),
    // Volatility model.
    case("a volatility horizon of 99 ms is refused", &[("vol_horizon_ms", "99")], Refused),
    case("a volatility horizon of 100 ms is accepted", &[("vol_horizon_ms", "100")], Accepted),
    case(
        "a volatility half-life under a second is refused",
        &[("vol_halflife_ms", "999")],
        Refused,
    ),
    case("a volatility prior of 0 (none) is accepted", &[("vol_prior", "0.0")], Accepted),
    case("a volatility prior of 1 bps/√s is accepted", &[("vol_prior", "0.0001")], Accepted),
    case("a negative volatility prior is refused", &[("vol_prior", "-0.0001")], Refused),
    case("a volatility prior above 1 is refused", &[("vol_prior", "1.5")], Refused),
    case("a warm-up of 0 samples is refused", &[("vol_warmup_samples", "0")], Refused),
    case("a warm-up of 1 sample is accepted", &[("vol_warmup_samples", "1")], Accepted),
    case(
        "a warm-up of u32::MAX samples is accepted",
        &[("vol_warmup_samples", "4294967295")],
        Accepted,
    ),
    case("an ATR of 0 bars is refused", &[("atr_bars", "0")], Refused),
    case("an ATR of a day of bars is accepted", &[("atr_bars", "1440")], Accepted),
    case("an ATR of more than a day of bars is refused", &[("atr_bars", "1441")], Refused),
    case(
        "the ATR estimator with the mid as fair value is accepted",
        &[("vol_estimator", "\"atr\""), ("fair_value", "\"mid\"")],
        Accepted,
    ),
    case("an inventory skew above 10 is refused", &[("inventory_skew", "10.5")], Refused),
    // Fill rate.
    case(
        "a fill-rate floor above the default prior is refused",
        &[("fills_per_day_floor", "200.0")],
        Refused,
    ),
    case(
        "a fill-rate floor equal to its prior is accepted",
        &[("fills_per_day_floor", "200.0"), ("fills_per_day_prior", "200.0")],
        Accepted,
    ),
    case("a zero fill-rate prior is refused", &[("fills_per_day_prior", "0.0")], Refused),
    case(
        "a fill-rate half-life under a second is refused",
        &[("fill_rate_halflife_ms", "999")],
        Refused,
    ),
    // Quote management and flattening.
    case(
        "a requote tolerance of 10000 ticks is accepted",
        &[("requote_tolerance_ticks", "10000")],
        Accepted,
    ),
    case(
        "a requote tolerance above 10000 ticks is refused",
        &[("requote_tolerance_ticks", "10001")],
        Refused,
    ),
    case("a flattening IOC after 99 ms is refused", &[("flatten_ioc_after_ms", "99")], Refused),
    case(
        "cancel and replace instead of modify is accepted",
        &[("prefer_modify", "false")],
        Accepted,
    ),
    case(
        "a negative flattening slippage is refused",
        &[("flatten_ioc_slippage_bps", "-1.0")],
        Refused,
    ),
];

const BASE: &str = "[symbols.BTC]\n[symbols.ETH]\n";

fn toml_of(case: &Case) -> String {
    let fields: String = case.set.iter().map(|(f, v)| format!("{f} = {v}\n")).collect();
    format!("{BASE}{fields}")
}

fn json_of(case: &Case) -> String {
    let fields: String = case.set.iter().map(|(f, v)| format!(",\"{f}\":{v}")).collect();
    format!("{{\"symbol\":\"ETH\"{fields}}}")
}

/// A fresh file under the system's temporary directory.
fn temp_file(text: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name =
        format!("hlmm-params-{}-{}.toml", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let path = std::env::temp_dir().join(name);
    std::fs::write(&path, text).expect("temp file");
    path
}

/// What each path said about one case.
struct Verdicts {
    file: Verdict,
    patch: Verdict,
    core: Verdict,
}

/// The file path, as `hlmm check-config` runs it: the file, the environment overrides,
/// `validate()`. Returns the errors' display, in order.
fn check_file(case: &Case) -> Result<Config, Vec<(String, String)>> {
    let path = temp_file(&toml_of(case));
    let env = [("HLMM_VENUE", "sim"), ("HLMM_LOG_FORMAT", "json")];
    let loaded = Config::load(&path, env);
    std::fs::remove_file(&path).ok();
    match loaded {
        Ok(config) => Ok(config),
        Err(ConfigLoadError::Invalid(errors)) => {
            Err(errors.iter().map(|e| (e.field.clone(), e.to_string())).collect())
        }
        Err(other) => panic!("{}: the case must parse: {other}", case.name),
    }
}

/// The core path: the file's parameters for ETH, validated or not, converted and checked by
/// the core. Returns the converted parameters and the core's errors.
fn check_core(case: &Case) -> (SymbolParams, Vec<(String, String)>) {
    let config = Config::parse_toml(&toml_of(case))
        .unwrap_or_else(|e| panic!("{}: the case must parse: {e}", case.name));
    let eth = config.symbol_params("ETH").expect("ETH is configured");
    let core = eth.core_params(&config.feed);
    let errors = match core.validate() {
        Ok(()) => Vec::new(),
        Err(errs) => errs
            .iter()
            .map(|e| match e {
                ParamError::Rule(v) => (v.field.name().to_owned(), e.to_string()),
                other => panic!("{}: not a per-symbol rule: {other}", case.name),
            })
            .collect(),
    };
    (core, errors)
}

fn verdict<T, E>(r: &Result<T, E>) -> Verdict {
    if r.is_ok() {
        Accepted
    } else {
        Refused
    }
}

#[test]
fn the_file_the_core_and_mm_config_give_the_same_verdict_on_every_value() {
    let base = Config::from_toml_str(BASE).expect("the base config is valid");
    let quoted = [("BTC".to_owned(), AssetId(0)), ("ETH".to_owned(), AssetId(1))];
    let mut failures = Vec::new();
    for case in CASES {
        let blamed = case.set[0].0;
        let file = check_file(case);
        let (core_params, core_errors) = check_core(case);
        let decision = ConfigService::new(base.clone(), quoted.clone())
            .on_message(json_of(case).as_bytes(), 1);
        let verdicts = Verdicts {
            file: verdict(&file),
            patch: if decision.ack.accepted { Accepted } else { Refused },
            core: if core_errors.is_empty() { Accepted } else { Refused },
        };
        let mut wrong = Vec::new();
        for (path, got) in [
            ("check-config", verdicts.file),
            ("mm_config", verdicts.patch),
            ("core", verdicts.core),
        ] {
            if got != case.verdict {
                wrong.push(format!("{path} says {got:?}"));
            }
        }
        match (&file, case.verdict) {
            (Err(errors), Refused) => {
                // The same field and the same message in the file and in the core.
                let file_errors: Vec<(String, String)> = errors
                    .iter()
                    .map(|(f, shown)| {
                        (f.clone(), shown.strip_prefix("symbol ETH: ").unwrap_or(shown).to_owned())
                    })
                    .collect();
                if file_errors != core_errors {
                    wrong.push(format!("file {file_errors:?} but core {core_errors:?}"));
                }
                if !file_errors.iter().any(|(f, _)| f == blamed) {
                    wrong.push(format!("{blamed} not named by the file: {file_errors:?}"));
                }
                let acked: Vec<Option<&str>> =
                    decision.ack.errors.iter().map(|e| e.field.as_deref()).collect();
                if !acked.contains(&Some(blamed)) {
                    wrong.push(format!("{blamed} not named by the ack: {acked:?}"));
                }
            }
            (Ok(config), Accepted) => {
                // The same core parameters from the file and from Redis.
                let from_file = config.symbol_params("ETH").expect("ETH").core_params(&config.feed);
                let from_redis =
                    decision.apply.as_ref().map(|a| a.params.core_params(&config.feed));
                if from_redis != Some(from_file) || from_file != core_params {
                    wrong.push("the file and mm_config reach the core differently".to_owned());
                }
            }
            _ => {}
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}", case.name, wrong.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn the_volatility_model_set_in_a_file_reaches_the_core() {
    let toml = r#"
[defaults]
vol_prior = 0.0002
vol_warmup_samples = 30
vol_estimator = "atr"
atr_bars = 20

[symbols.BTC]
vol_estimator = "ewma"
vol_halflife_ms = 120000
fair_value = "mid"

[symbols.ETH]
vol_prior = 0.0
"#;
    let config = Config::from_toml_str(toml).expect("valid");
    let core =
        |coin: &str| config.symbol_params(coin).expect("configured").core_params(&config.feed);
    let btc = core("BTC");
    assert_eq!(btc.vol_prior, Some(0.0002));
    assert_eq!(btc.vol_warmup_samples, 30);
    assert_eq!(btc.vol_estimator, VolEstimator::Ewma, "the coin's own choice wins");
    assert_eq!(btc.ewma_half_life, 120 * 1_000_000_000, "ms in the file, ns in the core");
    assert_eq!(btc.atr_bars, 20);
    assert_eq!(btc.fair_value, FairValueModel::Mid);
    let eth = core("ETH");
    assert_eq!(eth.vol_prior, None, "0 in the file is no prior in the core");
    assert_eq!(eth.vol_estimator, VolEstimator::Atr);
    assert_eq!(eth.fair_value, FairValueModel::Microprice, "the core's default");
    assert_eq!(eth.validate(), Ok(()));
}

#[test]
fn without_the_new_fields_the_core_gets_what_it_got_before() {
    // The model fields a file could not set used to be the core's defaults; a file that does
    // not set them still gets exactly those.
    let config = Config::from_toml_str(BASE).expect("valid");
    let core = config.symbol_params("ETH").expect("ETH").core_params(&FeedConfig::default());
    let d = SymbolParams::default();
    assert_eq!(
        (core.vol_prior, core.vol_warmup_samples, core.vol_estimator, core.atr_bars),
        (d.vol_prior, d.vol_warmup_samples, d.vol_estimator, d.atr_bars)
    );
    assert_eq!((core.fair_value, core.max_half_spread_bps), (d.fair_value, d.max_half_spread_bps));
    assert_eq!(
        (core.fills_per_day_prior, core.fills_per_day_floor, core.fill_rate_half_life),
        (d.fills_per_day_prior, d.fills_per_day_floor, d.fill_rate_half_life)
    );
    assert_eq!(
        (core.prefer_modify, core.flatten_ioc_after, core.flatten_ioc_slippage_bps),
        (d.prefer_modify, d.flatten_ioc_after, d.flatten_ioc_slippage_bps)
    );
}

#[test]
fn the_engine_hands_the_core_the_volatility_model_of_its_file() {
    let toml = r#"
[venue]
kind = "sim"
[threads]
spin = "spin_then_yield"
[defaults]
vol_prior = 0.0003
vol_warmup_samples = 40
vol_estimator = "atr"
atr_bars = 30
[symbols.BTC]
[symbols.ETH]
vol_estimator = "ewma"
"#;
    let config = Config::from_toml_str(toml).expect("valid");
    let shutdown = hlmm::runtime::Shutdown::new();
    let engine = {
        let (config, shutdown) = (config.clone(), shutdown.clone());
        std::thread::spawn(move || hlmm::engine::run_until(&config, shutdown))
    };
    shutdown.request();
    let report = engine.join().expect("engine thread").expect("engine ran");
    for spec in &report.instruments {
        let p = report.core.params(spec.asset).expect("quoted");
        let coin = spec.coin.as_str();
        assert_eq!(
            (p.vol_prior, p.vol_warmup_samples, p.atr_bars),
            (Some(0.0003), 40, 30),
            "{coin}"
        );
        let estimator = if coin == "ETH" { VolEstimator::Ewma } else { VolEstimator::Atr };
        assert_eq!(p.vol_estimator, estimator, "{coin}");
    }
    assert_eq!(report.instruments.len(), 2);
}

#[test]
fn check_config_refuses_a_take_profit_of_200_percent_and_accepts_disabled_exits() {
    let run = |text: &str| {
        let path = temp_file(text);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hlmm"))
            .args(["check-config", "--no-env", path.to_str().expect("utf-8 path")])
            .env_clear()
            .output()
            .expect("the hlmm binary runs");
        std::fs::remove_file(&path).ok();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = run("[symbols.ETH]\ntrailing_take_profit = 2\n");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.trim_end().ends_with(
            "symbol ETH: trailing_take_profit = 2: must be in [0, 1), a fraction of position \
             notional (0.05 = 5 %); 0 disables it"
        ),
        "{stderr}"
    );
    let (code, stderr) = run("[symbols.ETH]\ntrailing_take_profit = 0\ntrailing_stop_loss = 0\n");
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn the_readme_lists_every_per_symbol_field_with_its_default() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let defaults = serde_json::to_value(hlmm::config::SymbolConfig::default()).expect("json");
    for field in hlmm::config::SYMBOL_FIELDS {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{field}` |")))
            .unwrap_or_else(|| panic!("README has no row for {field}"));
        let default = match &defaults[*field] {
            serde_json::Value::String(s) => format!("`\"{s}\"`"),
            serde_json::Value::Bool(b) => format!("`{b}`"),
            other => other.as_f64().map(|v| v.to_string()).expect("a number"),
        };
        assert!(row.trim_end().ends_with(&format!("| {default} |")), "{field}: {row}");
    }
}

//! The config file as a backtest spec, `--seeds` lists, and sweep grids (each point validated
//! as an `mm_config` patch).

use hlmm_backtest::{BacktestSpec, LatencyModel, QuotedCoin};
use hlmm_sim::market::InformedFlow;

use crate::config::{Config, SymbolConfigPatch};

/// What the command line adds to the config.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOptions {
    /// Market seed; `None`: the config's `venue.seed`.
    pub seed: Option<u64>,
    /// Simulated hours.
    pub hours: f64,
    /// Only these coins (of the configured ones); `None`: every enabled coin.
    pub coins: Option<Vec<String>>,
    /// The market's informed flow; `None`: the simulator's calibrated default.
    pub informed: Option<InformedFlow>,
    /// The venue's delays.
    pub latency: LatencyModel,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        Self {
            seed: None,
            hours: 24.0,
            coins: None,
            informed: None,
            latency: LatencyModel::default(),
        }
    }
}

/// Why no spec could be built; says which field or coin.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BacktestSetupError {
    /// `--coins` names a coin the config does not quote.
    #[error("--coins: {0} is not an enabled symbol of the config")]
    NotConfigured(String),
    /// The spec or the simulator refused it.
    #[error(transparent)]
    Spec(#[from] hlmm_backtest::BacktestError),
    /// A sweep axis that is not `field=v1,v2,…`.
    #[error("--sweep {axis:?}: {reason}")]
    SweepSyntax {
        /// The axis as written.
        axis: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--seeds` that is not a range or a list.
    #[error("--seeds {0:?}: expected a range (21-25) or a list (1,2,3) of seeds")]
    Seeds(String),
    /// A report could not be written.
    #[error("{path}: {reason}")]
    Output {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A sweep point the config's rules refuse.
    #[error("--sweep {point}: {errors}")]
    SweepRejected {
        /// The grid point.
        point: String,
        /// Every rule it breaks.
        errors: String,
    },
}

/// The spec of `config` with `opts`.
pub fn spec_from_config(
    config: &Config,
    opts: &BacktestOptions,
) -> Result<BacktestSpec, BacktestSetupError> {
    let mut coins = Vec::new();
    for (name, symbol) in config.resolved_symbols() {
        let wanted = opts.coins.as_ref().is_none_or(|c| c.iter().any(|w| w == name));
        if symbol.enabled && wanted {
            coins.push(QuotedCoin::builtin(name, symbol.core_params(&config.feed))?);
        }
    }
    if let Some(wanted) = &opts.coins {
        if let Some(missing) = wanted.iter().find(|w| !coins.iter().any(|c| &c.market.name == *w)) {
            return Err(BacktestSetupError::NotConfigured(missing.clone()));
        }
    }
    let mut spec = BacktestSpec::new(opts.seed.unwrap_or(config.venue.seed), opts.hours, coins);
    spec.balance_usd = config.venue.paper_balance_usd;
    spec.latency = opts.latency;
    if let Some(informed) = opts.informed {
        spec.informed = informed;
    }
    spec.validate()?;
    Ok(spec)
}

/// Parses `21-25` (inclusive) or `1,2,3`.
pub fn parse_seeds(text: &str) -> Result<Vec<u64>, BacktestSetupError> {
    let bad = || BacktestSetupError::Seeds(text.to_owned());
    let seeds: Vec<u64> = match text.split_once('-') {
        Some((a, b)) => {
            let (a, b): (u64, u64) =
                (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
            if b < a || b - a >= 10_000 {
                return Err(bad());
            }
            (a..=b).collect()
        }
        None => text
            .split(',')
            .map(|s| s.trim().parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?,
    };
    if seeds.is_empty() {
        return Err(bad());
    }
    Ok(seeds)
}

/// One axis of a sweep: a per-symbol field and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAxis {
    /// The field, as in the file.
    pub field: String,
    /// Its values, as written.
    pub values: Vec<String>,
}

/// Parses `field=v1,v2;field2=v3,v4`.
pub fn parse_sweep(text: &str) -> Result<Vec<SweepAxis>, BacktestSetupError> {
    let mut axes = Vec::new();
    for axis in text.split(';').map(str::trim).filter(|a| !a.is_empty()) {
        let syntax = |reason: &str| BacktestSetupError::SweepSyntax {
            axis: axis.to_owned(),
            reason: reason.to_owned(),
        };
        let (field, values) = axis.split_once('=').ok_or_else(|| syntax("expected field=v1,v2"))?;
        let field = field.trim();
        if !crate::config::SYMBOL_FIELDS.contains(&field) {
            return Err(syntax("not a per-symbol field (see config/sim.toml [defaults])"));
        }
        let values: Vec<String> =
            values.split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect();
        if values.is_empty() {
            return Err(syntax("no values"));
        }
        if values.iter().any(|v| v.parse::<f64>().is_err() && v != "true" && v != "false") {
            return Err(syntax("values must be numbers or true/false"));
        }
        axes.push(SweepAxis { field: field.to_owned(), values });
    }
    if axes.is_empty() {
        return Err(BacktestSetupError::SweepSyntax {
            axis: text.to_owned(),
            reason: "no axis".to_owned(),
        });
    }
    Ok(axes)
}

/// Every point of the grid: its label (`vol_k=1.5 min_half_spread_bps=2`) and the config
/// with that point applied to every configured coin, validated.
pub fn sweep_configs(
    config: &Config,
    axes: &[SweepAxis],
) -> Result<Vec<(String, Config)>, BacktestSetupError> {
    let mut points: Vec<Vec<(&str, &str)>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut next = p.clone();
                    next.push((axis.field.as_str(), v.as_str()));
                    next
                })
            })
            .collect();
    }
    let coins: Vec<String> = config.resolved_symbols().map(|(c, _)| c.to_owned()).collect();
    points
        .into_iter()
        .map(|point| {
            let label = point.iter().map(|(f, v)| format!("{f}={v}")).collect::<Vec<_>>().join(" ");
            let mut next = config.clone();
            for coin in &coins {
                let mut patch = serde_json::Map::new();
                patch.insert("symbol".into(), coin.clone().into());
                for (f, v) in &point {
                    let value: serde_json::Value =
                        serde_json::from_str(v).unwrap_or_else(|_| (*v).into());
                    patch.insert((*f).to_owned(), value);
                }
                let patch: SymbolConfigPatch =
                    serde_json::from_value(patch.into()).map_err(|e| {
                        BacktestSetupError::SweepRejected {
                            point: label.clone(),
                            errors: e.to_string(),
                        }
                    })?;
                next = next.apply_patch(&patch).map_err(|errors| {
                    BacktestSetupError::SweepRejected {
                        point: label.clone(),
                        errors: errors
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; "),
                    }
                })?;
            }
            Ok((label, next))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_toml_str(
            "[venue]\nkind = \"sim\"\n[symbols.BTC]\n[symbols.ETH]\nvol_k = 2.0\n",
        )
        .expect("config")
    }

    #[test]
    fn the_spec_quotes_the_enabled_coins_with_their_core_parameters() {
        let c = config();
        let spec = spec_from_config(&c, &BacktestOptions::default()).expect("spec");
        let names: Vec<_> = spec.coins.iter().map(|q| q.market.name.as_str()).collect();
        assert_eq!(names, ["BTC", "ETH"]);
        assert_eq!(spec.coins[1].params.vol_k, 2.0);
        assert_eq!(spec.seed, c.venue.seed);
    }

    #[test]
    fn coins_outside_the_config_are_refused_by_name() {
        let opts = BacktestOptions { coins: Some(vec!["SOL".into()]), ..Default::default() };
        let e = spec_from_config(&config(), &opts).expect_err("SOL is not configured");
        assert!(e.to_string().contains("SOL"), "{e}");
    }

    #[test]
    fn a_sweep_is_the_cartesian_product_of_its_axes() {
        let axes = parse_sweep("vol_k=1,2; min_half_spread_bps=2,3,4").expect("axes");
        let points = sweep_configs(&config(), &axes).expect("points");
        assert_eq!(points.len(), 6);
        assert_eq!(points[0].0, "vol_k=1 min_half_spread_bps=2");
        let btc = points[5].1.symbol_params("BTC").expect("BTC");
        assert_eq!((btc.vol_k, btc.min_half_spread_bps), (2.0, 4.0));
    }

    #[test]
    fn a_sweep_point_the_rules_refuse_names_the_field() {
        let axes = parse_sweep("vol_k=-1").expect("syntax is fine");
        let e = sweep_configs(&config(), &axes).expect_err("negative vol_k");
        assert!(e.to_string().contains("vol_k"), "{e}");
    }

    #[test]
    fn seeds_are_a_range_or_a_list() {
        assert_eq!(parse_seeds("21-25").expect("range"), [21, 22, 23, 24, 25]);
        assert_eq!(parse_seeds("1, 3,5").expect("list"), [1, 3, 5]);
        for bad in ["", "5-1", "a-b", "1,,2", "x"] {
            assert!(parse_seeds(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_sweep_axis_must_name_a_per_symbol_field() {
        let e = parse_sweep("no_such_field=1").expect_err("unknown field");
        assert!(e.to_string().contains("no_such_field"), "{e}");
        assert!(parse_sweep("vol_k").is_err());
        assert!(parse_sweep("vol_k=abc").is_err());
    }
}

//! What `hlmm backtest` does with a spec: one run with a progress bar, a JSON and an HTML
//! report and a summary on stdout; several seeds or a sweep grid in parallel, as a table.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hlmm_backtest::record::record_simulator;
use hlmm_backtest::replay::Replay;
use hlmm_backtest::report::Report;
use hlmm_backtest::sweep::{format_table, run_parallel, table, SortBy, SweepRun};
use hlmm_backtest::tape::Tape;
use hlmm_backtest::{write_html, Pair};

use super::spec::{
    parse_sweep, spec_from_config, sweep_configs, BacktestOptions, BacktestSetupError,
};
use crate::config::Config;

/// How to run and where to write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Execution {
    /// Several seeds (`None`: the options' one).
    pub seeds: Option<Vec<u64>>,
    /// A sweep grid (`field=v1,v2;…`).
    pub sweep: Option<String>,
    /// The sweep table's order ([`SortBy::NAMES`]).
    pub sort: String,
    /// Threads for several runs; `None`: every core.
    pub threads: Option<usize>,
    /// JSON output.
    pub report: Option<PathBuf>,
    /// HTML output (one run only).
    pub html: Option<PathBuf>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Replay this tape directory instead of simulating the market.
    pub data: Option<PathBuf>,
}

/// Runs what `execution` asks for on `config`.
pub fn execute(
    config: &Config,
    options: &BacktestOptions,
    execution: &Execution,
) -> Result<(), BacktestSetupError> {
    let by = SortBy::from_name(&execution.sort).ok_or_else(|| BacktestSetupError::SweepSyntax {
        axis: execution.sort.clone(),
        reason: format!("--sort must be one of {}", SortBy::NAMES.join(", ")),
    })?;
    if let Some(dir) = &execution.data {
        return replay(config, options, execution, dir);
    }
    if execution.sweep.is_none() && execution.seeds.is_none() {
        return single(config, options, execution);
    }
    let points = match &execution.sweep {
        Some(grid) => sweep_configs(config, &parse_sweep(grid)?)?,
        None => vec![(String::new(), config.clone())],
    };
    let seeds =
        execution.seeds.clone().unwrap_or_else(|| vec![options.seed.unwrap_or(config.venue.seed)]);
    let mut runs = Vec::new();
    for (label, cfg) in &points {
        for &seed in &seeds {
            let opts = BacktestOptions { seed: Some(seed), ..options.clone() };
            // Seeds alone: one row per seed; a grid: one row per point, over its seeds.
            let label = if label.is_empty() { format!("seed={seed}") } else { label.clone() };
            runs.push(SweepRun { label, spec: spec_from_config(cfg, &opts)? });
        }
    }
    let threads = execution
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let started = Instant::now();
    let progress = execution.progress;
    let results = run_parallel(&runs, threads, |done, total| {
        if progress {
            eprint!("\r  {done}/{total} runs");
            let _ = std::io::stderr().flush();
        }
    });
    if progress {
        eprintln!();
    }
    let reports = results.into_iter().collect::<Result<Vec<Report>, _>>()?;
    let mut rows = table(&runs, &reports, by);
    if execution.sweep.is_none() {
        // And the seeds together.
        let all: Vec<SweepRun> =
            runs.iter().map(|r| SweepRun { label: "all seeds".to_owned(), ..r.clone() }).collect();
        rows.extend(table(&all, &reports, by));
    }
    print!("{}", format_table(&rows));
    let simulated: f64 = runs.iter().map(|r| r.spec.hours * 3600.0).sum();
    let wall = started.elapsed().as_secs_f64();
    println!(
        "{} runs, {:.0} simulated hours in {wall:.1} s on {threads} threads ({:.0}x real time)",
        runs.len(),
        simulated / 3600.0,
        simulated / wall.max(1e-9)
    );
    if let Some(path) = &execution.report {
        let json = serde_json::to_string_pretty(&rows).unwrap_or_default();
        write(path, &json)?;
    }
    Ok(())
}

fn single(
    config: &Config,
    options: &BacktestOptions,
    execution: &Execution,
) -> Result<(), BacktestSetupError> {
    let spec = spec_from_config(config, options)?;
    let pair = Pair::new(&spec)?;
    let started = Instant::now();
    let progress = execution.progress;
    let hours = spec.hours;
    let report = pair.run(|share| {
        if progress {
            let filled = (share * 30.0).round() as usize;
            eprint!(
                "\r  [{}{}] {:>3.0}%  {:.1}/{hours} h",
                "#".repeat(filled),
                "-".repeat(30 - filled.min(30)),
                share * 100.0,
                share * hours
            );
            let _ = std::io::stderr().flush();
        }
    });
    if progress {
        eprintln!();
    }
    let wall = started.elapsed().as_secs_f64();
    print!("{}", summary(&report));
    println!(
        "{hours} simulated hours of {} coins in {wall:.1} s ({:.0}x real time)",
        report.coins.len(),
        hours * 3600.0 / wall.max(1e-9)
    );
    if let Some(path) = &execution.report {
        write(path, &report.to_json())?;
    }
    if let Some(path) = &execution.html {
        write(path, &write_html(&report, Some(wall)))?;
    }
    Ok(())
}

/// `--data DIR`: the configured coins that are on the tape, replayed.
fn replay(
    config: &Config,
    options: &BacktestOptions,
    execution: &Execution,
    dir: &Path,
) -> Result<(), BacktestSetupError> {
    let tape = Tape::read(dir).map_err(|e| BacktestSetupError::Output {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut params = Vec::new();
    for (name, symbol) in config.resolved_symbols() {
        let wanted = options.coins.as_ref().is_none_or(|c| c.iter().any(|w| w == name));
        if symbol.enabled && wanted && tape.meta.coins.iter().any(|c| c.name == name) {
            params.push((name.to_owned(), symbol.core_params(&config.feed)));
        }
    }
    if params.is_empty() {
        return Err(BacktestSetupError::NotConfigured(format!(
            "none of the tape's coins ({})",
            tape.meta.coins.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let seed = options.seed.unwrap_or(config.venue.seed);
    let started = Instant::now();
    let report = Replay::new(tape, &params, options.latency, seed)?.run();
    let wall = started.elapsed().as_secs_f64();
    print!("{}", summary(&report));
    println!(
        "replayed {:.2} hours of {} in {wall:.1} s ({:.0}x real time)",
        report.hours,
        report.data.as_deref().unwrap_or("a tape"),
        report.hours * 3600.0 / wall.max(1e-9)
    );
    if let Some(path) = &execution.report {
        write(path, &report.to_json())?;
    }
    if let Some(path) = &execution.html {
        write(path, &write_html(&report, Some(wall)))?;
    }
    Ok(())
}

/// `hlmm record`: the built-in simulator's public feed for the config's coins (or
/// `options.coins`), seed and `options.hours`, as a tape in `dir`.
pub fn record(
    config: &Config,
    options: &BacktestOptions,
    dir: &Path,
) -> Result<u64, BacktestSetupError> {
    let spec = spec_from_config(config, options)?;
    record_simulator(&spec, dir).map_err(|e| BacktestSetupError::Output {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })
}

fn write(path: &PathBuf, text: &str) -> Result<(), BacktestSetupError> {
    std::fs::write(path, text).map_err(|e| BacktestSetupError::Output {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    println!("wrote {}", path.display());
    Ok(())
}

/// One line per coin and a total.
pub fn summary(r: &Report) -> String {
    let mut s =
        format!(
        "{:<8} {:>10} {:>10} {:>12} {:>6} {:>6} {:>7} {:>7} {:>7} {:>9} {:>8} {:>7} {:>7} {:>7}\n",
        "coin", "pnl $", "$/1M", "volume $", "fills", "maker", "mk1s", "mk10s", "mk60s", "inv $",
        "maxDD $", "sharpe", "uptime", "1st q s"
    );
    let rows = r.coins.iter().map(|(k, c)| (k.as_str(), c)).chain([("total", &r.total)]);
    for (name, c) in rows {
        let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
        let [m1, m10, m60] = c.markout_bps.by_horizon();
        s.push_str(&format!(
            "{name:<8} {:>10.2} {:>10.1} {:>12.0} {:>6} {:>5.0}% {:>7} {:>7} {:>7} {:>9.0} {:>8.2} {:>7} {:>6.0}% {:>7}\n",
            c.pnl_usd.total,
            c.pnl_per_million_usd,
            c.volume_usd,
            c.fills,
            c.maker_share * 100.0,
            opt(m1),
            opt(m10),
            opt(m60),
            c.inventory_usd.mean,
            c.max_drawdown_usd,
            opt(c.sharpe),
            c.quote_uptime * 100.0,
            opt(c.first_quote_s),
        ));
    }
    s
}

//! backtest::sweep: many runs at once, on every core, and their results side by side.
//!
//! Each run is independent (its own venue, core and seed), so a grid of parameter sets times
//! a list of seeds runs as a plain work queue over `threads` OS threads; results come back in
//! the order the runs were given, whatever order they finished in, so the table is the same
//! from run to run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::report::Report;
use crate::spec::BacktestSpec;
use crate::{run, BacktestError};

/// One run of a sweep: a label (the grid point) and its spec.
#[derive(Debug, Clone)]
pub struct SweepRun {
    /// The grid point, e.g. `vol_k=1.5 min_half_spread_bps=2`.
    pub label: String,
    /// The run.
    pub spec: BacktestSpec,
}

/// Runs every spec on up to `threads` threads; `done` hears (finished, total) after each run.
pub fn run_parallel(
    runs: &[SweepRun],
    threads: usize,
    done: impl Fn(usize, usize) + Sync,
) -> Vec<Result<Report, BacktestError>> {
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Report, BacktestError>>>> =
        Mutex::new((0..runs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, runs.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(r) = runs.get(i) else { break };
                let report = run(&r.spec, |_| {});
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(report);
                }
                done(finished.fetch_add(1, Ordering::Relaxed) + 1, runs.len());
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or(Err(BacktestError::Sweep("run did not finish".to_owned()))))
        .collect()
}

/// What a sweep's table is sorted by (best first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// Total PnL, highest first.
    Pnl,
    /// PnL per $1M traded, highest first.
    PnlPerMillion,
    /// Sharpe of hourly PnL, highest first.
    Sharpe,
    /// Max drawdown, smallest first.
    Drawdown,
    /// 10 s markout, highest first.
    Markout10s,
}

impl SortBy {
    /// The names `--sort` takes.
    pub const NAMES: [&'static str; 5] =
        ["pnl", "pnl_per_million", "sharpe", "drawdown", "markout_10s"];

    /// By name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "pnl" => Self::Pnl,
            "pnl_per_million" => Self::PnlPerMillion,
            "sharpe" => Self::Sharpe,
            "drawdown" => Self::Drawdown,
            "markout_10s" => Self::Markout10s,
            _ => return None,
        })
    }
}

/// One grid point over its seeds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepRow {
    /// The grid point.
    pub label: String,
    /// Seeds run.
    pub seeds: Vec<u64>,
    /// Sum of total PnL over the seeds, USD.
    pub pnl_usd: f64,
    /// Pooled PnL per $1M traded.
    pub pnl_per_million_usd: f64,
    /// Sum of volume, USD.
    pub volume_usd: f64,
    /// Sum of fills.
    pub fills: u64,
    /// Mean of the seeds' 10 s markouts, bp.
    pub markout_10s_bps: Option<f64>,
    /// Worst max drawdown over the seeds, USD.
    pub max_drawdown_usd: f64,
    /// Mean Sharpe over the seeds that have one.
    pub sharpe: Option<f64>,
}

/// Groups `reports` (in the order of `runs`) by label, one row per grid point, sorted by `by`.
pub fn table(runs: &[SweepRun], reports: &[Report], by: SortBy) -> Vec<SweepRow> {
    let mut rows: Vec<SweepRow> = Vec::new();
    for (r, rep) in runs.iter().zip(reports) {
        let i = match rows.iter().position(|row| row.label == r.label) {
            Some(i) => i,
            None => {
                rows.push(SweepRow {
                    label: r.label.clone(),
                    seeds: Vec::new(),
                    pnl_usd: 0.0,
                    pnl_per_million_usd: 0.0,
                    volume_usd: 0.0,
                    fills: 0,
                    markout_10s_bps: None,
                    max_drawdown_usd: 0.0,
                    sharpe: None,
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[i];
        let n = row.seeds.len() as f64;
        row.seeds.push(rep.seed);
        row.pnl_usd += rep.total.pnl_usd.total;
        row.volume_usd += rep.total.volume_usd;
        row.fills += rep.total.fills;
        row.pnl_per_million_usd = crate::metrics::per_million(row.pnl_usd, row.volume_usd);
        row.max_drawdown_usd = row.max_drawdown_usd.max(rep.total.max_drawdown_usd);
        row.markout_10s_bps = mean_in(row.markout_10s_bps, rep.total.markout_bps.s10, n);
        row.sharpe = mean_in(row.sharpe, rep.total.sharpe, n);
    }
    let key = |row: &SweepRow| -> f64 {
        match by {
            SortBy::Pnl => -row.pnl_usd,
            SortBy::PnlPerMillion => -row.pnl_per_million_usd,
            SortBy::Sharpe => -row.sharpe.unwrap_or(f64::NEG_INFINITY),
            SortBy::Drawdown => row.max_drawdown_usd,
            SortBy::Markout10s => -row.markout_10s_bps.unwrap_or(f64::NEG_INFINITY),
        }
    };
    rows.sort_by(|a, b| key(a).total_cmp(&key(b)));
    rows
}

/// A running mean over `n` earlier values, with one more.
fn mean_in(mean: Option<f64>, next: Option<f64>, n: f64) -> Option<f64> {
    match (mean, next) {
        (Some(m), Some(x)) => Some((m * n + x) / (n + 1.0)),
        (None, x) => x,
        (m, None) => m,
    }
}

/// The table as aligned text.
pub fn format_table(rows: &[SweepRow]) -> String {
    let width = rows.iter().map(|r| r.label.len()).max().unwrap_or(5).max(5);
    let mut s = format!(
        "{:<width$}  {:>6}  {:>11}  {:>11}  {:>13}  {:>7}  {:>8}  {:>9}  {:>7}\n",
        "point", "seeds", "pnl $", "$/1M", "volume $", "fills", "mk10s bp", "max DD $", "sharpe"
    );
    for r in rows {
        let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
        s.push_str(&format!(
            "{:<width$}  {:>6}  {:>11.2}  {:>11.2}  {:>13.0}  {:>7}  {:>8}  {:>9.2}  {:>7}\n",
            r.label,
            r.seeds.len(),
            r.pnl_usd,
            r.pnl_per_million_usd,
            r.volume_usd,
            r.fills,
            opt(r.markout_10s_bps),
            r.max_drawdown_usd,
            opt(r.sharpe)
        ));
    }
    s
}

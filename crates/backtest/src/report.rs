//! backtest::report: the figures of a run, as JSON (`report.json`, byte-identical for the same
//! spec and seed: no wall-clock figure is in it) and as a self-contained HTML page with the
//! PnL curve, inventory and markout charts ([`crate::html`]).
//!
//! Units: USD for money and inventory, basis points for markouts, seconds for times. The
//! figures' definitions are in [`crate::metrics`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::{per_million, ratio, sharpe, CoinMetrics, MARKOUT_HORIZONS_S, NS_PER_S};
use crate::spec::BacktestSpec;

/// Counters of the run itself (not trading figures).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunCounters {
    /// Blocks stepped.
    pub blocks: u64,
    /// Commands the core issued.
    pub commands: u64,
    /// Commands the venue accepted.
    pub accepted: u64,
    /// Commands the venue refused, by reason (the engine's classification).
    pub rejected: BTreeMap<String, u64>,
    /// Events the core refused (`CoreError`).
    pub core_errors: u64,
}

impl RunCounters {
    /// Counts one outcome: accepted, or refused under the reason's variant name
    /// (`AloWouldCross`, without its prices).
    pub(crate) fn count(&mut self, outcome: &hlmm_types::outcome::CommandOutcome) {
        match outcome {
            hlmm_types::outcome::CommandOutcome::Rejected(reason) => {
                let name = format!("{reason:?}");
                let name = name.split([' ', '{', '(']).next().unwrap_or_default().to_owned();
                *self.rejected.entry(name).or_default() += 1;
            }
            _ => self.accepted += 1,
        }
    }
}

/// Version of the report's layout.
pub const REPORT_VERSION: u32 = 1;

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Layout version ([`REPORT_VERSION`]).
    pub version: u32,
    /// Market seed.
    pub seed: u64,
    /// Simulated hours.
    pub hours: f64,
    /// The market and latency the run had.
    pub market: MarketInfo,
    /// All coins together.
    pub total: CoinReport,
    /// Per coin, by name.
    pub coins: BTreeMap<String, CoinReport>,
    /// PnL and inventory through the run.
    pub curve: Curve,
    /// Counters of the run itself.
    pub run: RunCounters,
    /// A replay: where its tape was recorded (`None` for the simulated market).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// What the run was made of (so a report says what it measured).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketInfo {
    /// Informed share of the house takers.
    pub informed_share: f64,
    /// Lag of the mid behind the fair value, ms.
    pub informed_lead_ms: u64,
    /// Block interval, ms.
    pub block_ms: u64,
    /// Latency: feed, round-trip median and p99, reply, ms.
    pub latency_ms: [f64; 4],
}

/// One coin's figures, or all coins' together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoinReport {
    /// PnL and its parts.
    pub pnl_usd: PnlUsd,
    /// PnL per $1M traded, after fees, USD.
    pub pnl_per_million_usd: f64,
    /// Notional traded, USD.
    pub volume_usd: f64,
    /// Our fills.
    pub fills: u64,
    /// Share of fills where we were the maker.
    pub maker_share: f64,
    /// Mean markouts, bp (`null` before any is due).
    pub markout_bps: Markouts,
    /// |position × mid|, USD.
    pub inventory_usd: Inventory,
    /// Largest fall from a PnL peak, USD.
    pub max_drawdown_usd: f64,
    /// Annualised Sharpe of hourly PnL (`null` under two hours or with no variance).
    pub sharpe: Option<f64>,
    /// Share of the time since the first book with a bid and an ask of ours resting.
    pub quote_uptime: f64,
    /// From the first book in the core to the first quote sent, s (for the total: the
    /// slowest coin).
    pub first_quote_s: Option<f64>,
}

/// PnL parts, USD: `total = realised + unrealised − fees + rebates + funding`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PnlUsd {
    /// Everything.
    pub total: f64,
    /// Closed trades, average-cost.
    pub realised: f64,
    /// Open position at the mid.
    pub unrealised: f64,
    /// Fees paid.
    pub fees: f64,
    /// Maker rebates received.
    pub rebates: f64,
    /// Funding received (negative: paid).
    pub funding: f64,
}

/// Mean markouts at 1 s, 10 s, 60 s, bp.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Markouts {
    /// At 1 s.
    #[serde(rename = "1s")]
    pub s1: Option<f64>,
    /// At 10 s.
    #[serde(rename = "10s")]
    pub s10: Option<f64>,
    /// At 60 s.
    #[serde(rename = "60s")]
    pub s60: Option<f64>,
}

impl Markouts {
    pub(crate) fn from_sums(sum: &[f64; 3], n: &[u64; 3]) -> Self {
        let mean = |i: usize| (n[i] > 0).then(|| r6(sum[i] / n[i] as f64));
        Self { s1: mean(0), s10: mean(1), s60: mean(2) }
    }

    /// By horizon, in [`MARKOUT_HORIZONS_S`] order.
    pub fn by_horizon(&self) -> [Option<f64>; 3] {
        [self.s1, self.s10, self.s60]
    }
}

/// Inventory, USD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Inventory {
    /// Time-weighted mean of |position × mid|.
    pub mean: f64,
    /// Its largest value at a block.
    pub max: f64,
}

/// Samples through the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// Seconds since the first block.
    pub t_s: Vec<f64>,
    /// Total PnL, USD.
    pub pnl_usd: Vec<f64>,
    /// Signed position notional per coin, USD.
    pub inventory_usd: BTreeMap<String, Vec<f64>>,
}

impl Curve {
    pub(crate) fn new(names: &[String]) -> Self {
        Self {
            t_s: Vec::new(),
            pnl_usd: Vec::new(),
            inventory_usd: names.iter().map(|n| (n.clone(), Vec::new())).collect(),
        }
    }

    pub(crate) fn push(&mut self, since_start_ns: u64, coins: &[CoinMetrics]) {
        self.t_s.push(r6(since_start_ns as f64 / 1e9));
        self.pnl_usd.push(r6(coins.iter().map(CoinMetrics::pnl).sum()));
        for (series, m) in self.inventory_usd.values_mut().zip(coins) {
            series.push(r6(m.inventory_usd()));
        }
    }
}

/// What a run samples as it goes, after every book: totals, hourly marks and the curve.
#[derive(Debug, Clone)]
pub(crate) struct RunFigures {
    pub(crate) curve: Curve,
    pub(crate) totals: Totals,
    start: u64,
    next_hour: u64,
    next_curve: u64,
    curve_every: u64,
}

impl RunFigures {
    /// From `start` (ns), `points` curve samples over `span` ns (at least `min_step` ns
    /// apart), for coins `names`.
    pub(crate) fn new(
        names: &[String],
        start: u64,
        span: u64,
        points: usize,
        min_step: u64,
    ) -> Self {
        Self {
            curve: Curve::new(names),
            totals: Totals::default(),
            start,
            next_hour: start + crate::metrics::HOUR_NS,
            next_curve: start,
            curve_every: (span / (points as u64).saturating_sub(1).max(1)).max(min_step).max(1),
        }
    }

    /// After the coins' figures moved at `t`.
    pub(crate) fn after_book(&mut self, t: u64, coins: &mut [CoinMetrics]) {
        self.totals.on_block(coins);
        while t >= self.next_hour {
            coins.iter_mut().for_each(CoinMetrics::on_hour);
            self.next_hour += crate::metrics::HOUR_NS;
        }
        if t >= self.next_curve {
            self.curve.push(t - self.start, coins);
            self.next_curve += self.curve_every;
        }
    }
}

/// Running totals across coins, block by block.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Totals {
    pub(crate) peak: f64,
    pub(crate) max_drawdown: f64,
    pub(crate) inventory_max: f64,
}

impl Totals {
    pub(crate) fn on_block(&mut self, coins: &[CoinMetrics]) {
        let pnl: f64 = coins.iter().map(CoinMetrics::pnl).sum();
        self.peak = self.peak.max(pnl);
        self.max_drawdown = self.max_drawdown.max(self.peak - pnl);
        let gross: f64 = coins.iter().map(|m| m.inventory_usd().abs()).sum();
        self.inventory_max = self.inventory_max.max(gross);
    }
}

impl Report {
    pub(crate) fn build(
        spec: &BacktestSpec,
        names: &[String],
        coins: &[CoinMetrics],
        figures: &RunFigures,
        run: RunCounters,
        end: u64,
    ) -> Self {
        let per_coin: Vec<CoinReport> =
            coins.iter().map(|m| CoinReport::of(m, end).rounded()).collect();
        let total = total_of(coins, &per_coin, figures.totals);
        Self {
            version: REPORT_VERSION,
            seed: spec.seed,
            hours: spec.hours,
            market: MarketInfo {
                informed_share: spec.informed.share,
                informed_lead_ms: spec.informed.lead_ms,
                block_ms: spec.block_ms,
                latency_ms: [
                    spec.latency.feed_ms,
                    spec.latency.order_rtt_median_ms,
                    spec.latency.order_rtt_p99_ms,
                    spec.latency.reply_ms,
                ],
            },
            total,
            coins: names.iter().cloned().zip(per_coin).collect(),
            curve: figures.curve.clone(),
            run,
            data: None,
        }
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        // Only maps with string keys, finite numbers (rounded) and options: cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn total_of(coins: &[CoinMetrics], per_coin: &[CoinReport], totals: Totals) -> CoinReport {
    let sum = |f: fn(&CoinReport) -> f64| per_coin.iter().map(f).sum::<f64>();
    let pnl = PnlUsd {
        total: sum(|c| c.pnl_usd.total),
        realised: sum(|c| c.pnl_usd.realised),
        unrealised: sum(|c| c.pnl_usd.unrealised),
        fees: sum(|c| c.pnl_usd.fees),
        rebates: sum(|c| c.pnl_usd.rebates),
        funding: sum(|c| c.pnl_usd.funding),
    };
    let volume = sum(|c| c.volume_usd);
    let fills: u64 = per_coin.iter().map(|c| c.fills).sum();
    let maker: u64 = coins.iter().map(CoinMetrics::maker_fills).sum();
    let mut msum = [0.0; 3];
    let mut mn = [0u64; 3];
    for m in coins {
        let (s, n) = m.markout_sums();
        for i in 0..MARKOUT_HORIZONS_S.len() {
            msum[i] += s[i];
            mn[i] += n[i];
        }
    }
    let hours = coins.iter().map(|m| m.hourly().len()).min().unwrap_or(0);
    let hourly: Vec<f64> = (0..hours).map(|h| coins.iter().map(|m| m.hourly()[h]).sum()).collect();
    let first_quote =
        per_coin.iter().map(|c| c.first_quote_s).try_fold(0.0f64, |acc, q| q.map(|q| acc.max(q)));
    CoinReport {
        pnl_usd: pnl,
        pnl_per_million_usd: per_million(pnl.total, volume),
        volume_usd: volume,
        fills,
        maker_share: ratio(maker as f64, fills as f64),
        markout_bps: Markouts::from_sums(&msum, &mn),
        inventory_usd: Inventory { mean: sum(|c| c.inventory_usd.mean), max: totals.inventory_max },
        max_drawdown_usd: totals.max_drawdown,
        sharpe: sharpe(&hourly),
        quote_uptime: ratio(sum(|c| c.quote_uptime), per_coin.len() as f64),
        first_quote_s: first_quote,
    }
    .rounded()
}

impl CoinReport {
    /// One coin's figures at `end` (ns since the epoch).
    pub(crate) fn of(m: &CoinMetrics, end: u64) -> Self {
        let since_book = m.first_book_ns.map_or(0, |b| end.saturating_sub(b));
        let elapsed = m.last_sample.map_or(0, |l| l.saturating_sub(m.first_book_ns.unwrap_or(l)));
        Self {
            pnl_usd: PnlUsd {
                total: m.pnl(),
                realised: m.realised,
                unrealised: m.unrealised(),
                fees: m.fees,
                rebates: m.rebates,
                funding: m.funding,
            },
            pnl_per_million_usd: per_million(m.pnl(), m.volume_usd),
            volume_usd: m.volume_usd,
            fills: m.fills,
            maker_share: ratio(m.maker_fills as f64, m.fills as f64),
            markout_bps: Markouts::from_sums(&m.markout_sum, &m.markout_n),
            inventory_usd: Inventory {
                mean: ratio(m.inventory_integral, elapsed as f64),
                max: m.inventory_max,
            },
            max_drawdown_usd: m.max_drawdown,
            sharpe: sharpe(&m.hourly),
            quote_uptime: ratio(m.two_sided_ns as f64, since_book as f64),
            first_quote_s: match (m.first_book_ns, m.first_quote_ns) {
                (Some(b), Some(q)) => Some(q.saturating_sub(b) as f64 / NS_PER_S as f64),
                _ => None,
            },
        }
    }

    /// Every figure rounded to 6 decimals (a report is read, not re-added).
    fn rounded(mut self) -> Self {
        let p = &mut self.pnl_usd;
        for v in [
            &mut p.total,
            &mut p.realised,
            &mut p.unrealised,
            &mut p.fees,
            &mut p.rebates,
            &mut p.funding,
            &mut self.pnl_per_million_usd,
            &mut self.volume_usd,
            &mut self.maker_share,
            &mut self.inventory_usd.mean,
            &mut self.inventory_usd.max,
            &mut self.max_drawdown_usd,
            &mut self.quote_uptime,
        ] {
            *v = r6(*v);
        }
        self.sharpe = self.sharpe.map(r6);
        self.first_quote_s = self.first_quote_s.map(r6);
        self
    }
}

/// Rounded to 6 decimals.
pub(crate) fn r6(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        0.0
    }
}

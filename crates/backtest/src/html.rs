//! backtest::html: the report as one self-contained HTML page: a summary table and three inline SVG charts
//! (total PnL, inventory per coin, markouts per coin and horizon). No script, no external
//! file: it opens from disk, offline, and can be mailed.

use std::fmt::Write as _;

use crate::metrics::MARKOUT_HORIZONS_S;
use crate::report::{CoinReport, Report};

const W: f64 = 900.0;
const H: f64 = 260.0;
const PAD_L: f64 = 70.0;
const PAD_R: f64 = 110.0;
const PAD_T: f64 = 28.0;
const PAD_B: f64 = 30.0;
const COLOURS: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// The report as an HTML page; `wall_s` (the run's wall time) is shown, not stored in JSON.
pub fn write_html(r: &Report, wall_s: Option<f64>) -> String {
    let mut s = String::with_capacity(64 * 1024);
    s.push_str("<!doctype html><html><head><meta charset=\"utf-8\"><title>hlmm backtest</title>");
    s.push_str(
        "<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}\
         table{border-collapse:collapse}td,th{padding:3px 8px;text-align:right;\
         border-bottom:1px solid #ddd}th{background:#f4f4f4}td:first-child,th:first-child\
         {text-align:left}.neg{color:#b00}.pos{color:#070}svg{display:block;margin:12px 0}\
         </style></head><body>",
    );
    let _ = write!(
        s,
        "<h1>hlmm backtest</h1><p>seed {} · {} simulated hours · blocks {} ms · informed \
         share {} (lead {} ms) · order round trip median {} ms, p99 {} ms",
        r.seed,
        r.hours,
        r.market.block_ms,
        r.market.informed_share,
        r.market.informed_lead_ms,
        r.market.latency_ms[1],
        r.market.latency_ms[2]
    );
    if let Some(w) = wall_s {
        let speed = if w > 0.0 { r.hours * 3600.0 / w } else { 0.0 };
        let _ = write!(s, " · ran in {w:.1} s ({speed:.0}× real time)");
    }
    s.push_str("</p>");
    summary_table(&mut s, r);
    s.push_str("<h2>PnL after fees (USD)</h2>");
    let hours: Vec<f64> = r.curve.t_s.iter().map(|t| t / 3600.0).collect();
    line_chart(&mut s, &hours, &[("total", &r.curve.pnl_usd)], "hours");
    s.push_str("<h2>Inventory, signed notional (USD)</h2>");
    let series: Vec<(&str, &[f64])> =
        r.curve.inventory_usd.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect();
    line_chart(&mut s, &hours, &series, "hours");
    s.push_str("<h2>Markouts (bp, mid after the fill against the fill price)</h2>");
    markout_chart(&mut s, r);
    s.push_str("</body></html>\n");
    s
}

fn summary_table(s: &mut String, r: &Report) {
    s.push_str(
        "<table><tr><th>coin</th><th>PnL $</th><th>fees $</th><th>rebates $</th>\
         <th>funding $</th><th>$/1M traded</th><th>volume $</th><th>fills</th><th>maker</th>",
    );
    for h in MARKOUT_HORIZONS_S {
        let _ = write!(s, "<th>mk {h}s bp</th>");
    }
    s.push_str(
        "<th>inv mean $</th><th>inv max $</th><th>max DD $</th><th>Sharpe</th>\
         <th>uptime</th><th>1st quote s</th></tr>",
    );
    for (name, c) in &r.coins {
        row(s, name, c);
    }
    row(s, "<b>total</b>", &r.total);
    s.push_str("</table>");
}

fn row(s: &mut String, name: &str, c: &CoinReport) {
    let signed = |v: f64| {
        let class = if v < 0.0 { "neg" } else { "pos" };
        format!("<td class=\"{class}\">{v:.2}</td>")
    };
    let opt = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"));
    let _ = write!(
        s,
        "<tr><td>{name}</td>{}<td>{:.2}</td><td>{:.2}</td><td>{:.2}</td>{}<td>{:.0}</td>\
         <td>{}</td><td>{:.0}%</td>",
        signed(c.pnl_usd.total),
        c.pnl_usd.fees,
        c.pnl_usd.rebates,
        c.pnl_usd.funding,
        signed(c.pnl_per_million_usd),
        c.volume_usd,
        c.fills,
        c.maker_share * 100.0
    );
    for m in c.markout_bps.by_horizon() {
        let _ = write!(s, "<td>{}</td>", opt(m));
    }
    let _ = write!(
        s,
        "<td>{:.0}</td><td>{:.0}</td><td>{:.2}</td><td>{}</td><td>{:.0}%</td><td>{}</td></tr>",
        c.inventory_usd.mean,
        c.inventory_usd.max,
        c.max_drawdown_usd,
        opt(c.sharpe),
        c.quote_uptime * 100.0,
        opt(c.first_quote_s)
    );
}

/// A line chart of `series` over `xs`, with a zero line and min/max labels.
fn line_chart(s: &mut String, xs: &[f64], series: &[(&str, &[f64])], x_label: &str) {
    let (x0, x1) = bounds(xs.iter().copied());
    let (mut y0, mut y1) = bounds(series.iter().flat_map(|(_, v)| v.iter().copied()));
    y0 = y0.min(0.0);
    y1 = y1.max(0.0);
    if y1 - y0 < 1e-9 {
        y1 = y0 + 1.0;
    }
    let x = |v: f64| PAD_L + (v - x0) / (x1 - x0).max(1e-9) * (W - PAD_L - PAD_R);
    let y = |v: f64| PAD_T + (y1 - v) / (y1 - y0) * (H - PAD_T - PAD_B);
    let _ = write!(s, "<svg width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">");
    axes(s, y(0.0), y0, y1, x0, x1, x_label);
    for (i, (name, values)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let _ =
            write!(s, "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.4\" points=\"");
        for (xv, yv) in xs.iter().zip(values.iter()) {
            let _ = write!(s, "{:.1},{:.1} ", x(*xv), y(*yv));
        }
        let _ = write!(
            s,
            "\"/><text x=\"{:.0}\" y=\"{:.0}\" fill=\"{colour}\" font-size=\"12\">{name}</text>",
            W - PAD_R + 8.0,
            PAD_T + 14.0 * i as f64 + 4.0
        );
    }
    s.push_str("</svg>");
}

fn axes(s: &mut String, zero_y: f64, y0: f64, y1: f64, x0: f64, x1: f64, x_label: &str) {
    let _ = write!(
        s,
        "<line x1=\"{PAD_L}\" x2=\"{:.0}\" y1=\"{zero_y:.1}\" y2=\"{zero_y:.1}\" stroke=\"#999\" \
         stroke-dasharray=\"3,3\"/>\
         <line x1=\"{PAD_L}\" x2=\"{PAD_L}\" y1=\"{PAD_T}\" y2=\"{:.0}\" stroke=\"#444\"/>\
         <text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{y1:.2}</text>\
         <text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{y0:.2}</text>\
         <text x=\"{PAD_L}\" y=\"{:.0}\" font-size=\"11\">{x0:.1}</text>\
         <text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{x1:.1} {x_label}</text>",
        W - PAD_R,
        H - PAD_B,
        PAD_L - 4.0,
        PAD_T + 4.0,
        PAD_L - 4.0,
        H - PAD_B,
        H - 10.0,
        W - PAD_R,
        H - 10.0,
    );
}

/// Grouped bars: per coin, one bar per markout horizon.
fn markout_chart(s: &mut String, r: &Report) {
    let values: Vec<(&str, [Option<f64>; 3])> =
        r.coins.iter().map(|(k, c)| (k.as_str(), c.markout_bps.by_horizon())).collect();
    let (mut y0, mut y1) = bounds(values.iter().flat_map(|(_, v)| v.iter().flatten().copied()));
    y0 = y0.min(0.0);
    y1 = y1.max(0.0);
    if y1 - y0 < 1e-9 {
        y1 = y0 + 1.0;
    }
    let y = |v: f64| PAD_T + (y1 - v) / (y1 - y0) * (H - PAD_T - PAD_B);
    let group = (W - PAD_L - PAD_R) / values.len().max(1) as f64;
    let bar = group / 4.0;
    let _ = write!(s, "<svg width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">");
    axes(s, y(0.0), y0, y1, 0.0, 0.0, "");
    for (g, (name, hs)) in values.iter().enumerate() {
        let gx = PAD_L + g as f64 * group;
        for (i, v) in hs.iter().enumerate() {
            let Some(v) = v else { continue };
            let (top, bottom) = if *v >= 0.0 { (y(*v), y(0.0)) } else { (y(0.0), y(*v)) };
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\">\
                 <title>{name} {}s: {v:.2} bp</title></rect>",
                gx + bar * (i as f64 + 0.5),
                bar * 0.9,
                (bottom - top).max(0.5),
                COLOURS[i],
                MARKOUT_HORIZONS_S[i]
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"middle\">{name}</text>",
            gx + group / 2.0,
            H - 12.0
        );
    }
    for (i, h) in MARKOUT_HORIZONS_S.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.0}\" y=\"{:.0}\" fill=\"{}\" font-size=\"12\">{h} s</text>",
            W - PAD_R + 8.0,
            PAD_T + 14.0 * i as f64 + 4.0,
            COLOURS[i]
        );
    }
    s.push_str("</svg>");
}

/// (min, max) of `values`; (0, 1) when there are none.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        (0.0, 1.0)
    } else {
        (lo, hi)
    }
}

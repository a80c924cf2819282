// PnL chart: total PnL and one series per coin (realised + unrealised), one point per
// `positions` message. Only the last hour is kept, and never more than MAX_POINTS, so a
// dashboard left open for days stays small. uPlot is loaded as a global by index.html.

import { el } from './dom.js';

const WINDOW_S = 3600;
const MAX_POINTS = 4000; // about an hour at the stream's ~1 Hz, with slack for bursts
const COLOURS = ['#2f7ed8', '#e4572e', '#17a589', '#a569bd', '#f39c12', '#7f8c8d'];

export function createPnl(section) {
  const box = el('div', { class: 'chart', testid: 'pnl-chart' });
  const count = el('span', { class: 'stamp', testid: 'pnl-points' });
  section.append(el('h2', {}, 'PnL ', count), box);

  // Column store, uPlot's format: xs[i] in seconds, series[coin][i] in USD (null if unknown).
  const xs = [];
  const total = [];
  const perCoin = new Map();
  let coins = [];
  let plot = null;

  const width = () => Math.max(300, box.clientWidth || 600);

  function build() {
    plot?.destroy();
    const series = [
      {},
      { label: 'total', stroke: '#222', width: 2, value: (u, v) => (v == null ? '—' : v.toFixed(2)) },
      ...coins.map((c, i) => ({ label: c, stroke: COLOURS[i % COLOURS.length], width: 1, value: (u, v) => (v == null ? '—' : v.toFixed(2)) })),
    ];
    const opts = {
      width: width(),
      height: 260,
      series,
      scales: { x: { time: true } },
      axes: [{}, { label: 'USD', size: 60 }],
      legend: { live: true },
    };
    plot = new uPlot(opts, data(), box);
  }

  function data() {
    return [xs, total, ...coins.map((c) => perCoin.get(c))];
  }

  new ResizeObserver(() => plot?.setSize({ width: width(), height: 260 })).observe(box);

  return {
    /** Appends one point from a `positions` snapshot (REST or stream). */
    add(p) {
      if (!p || !p.positions) return;
      const t = (p.timestamp_ms ?? Date.now()) / 1000;
      if (xs.length && t <= xs[xs.length - 1]) return; // the same snapshot twice (REST then stream)
      let rebuild = !plot;
      for (const pos of p.positions) {
        if (!perCoin.has(pos.symbol)) {
          // A coin seen for the first time has no history: pad its column with nulls.
          perCoin.set(pos.symbol, new Array(xs.length).fill(null));
          coins = [...perCoin.keys()];
          rebuild = true;
        }
      }
      xs.push(t);
      total.push(p.total_pnl ?? null);
      const byCoin = new Map(p.positions.map((x) => [x.symbol, (x.realized_pnl ?? 0) + (x.unrealized_pnl ?? 0)]));
      for (const c of coins) perCoin.get(c).push(byCoin.has(c) ? byCoin.get(c) : null);

      let drop = 0;
      while (drop < xs.length && (xs[drop] < t - WINDOW_S || xs.length - drop > MAX_POINTS)) drop++;
      if (drop) {
        xs.splice(0, drop);
        total.splice(0, drop);
        for (const c of coins) perCoin.get(c).splice(0, drop);
      }
      count.textContent = `${xs.length} points`;
      section.dataset.points = String(xs.length);
      if (rebuild) build();
      else plot.setData(data());
    },
  };
}

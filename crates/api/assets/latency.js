// Latency panel: per-stage percentiles (updated by the stream's `latency` messages, which carry
// no buckets) and a histogram of one stage's buckets. Buckets come only from
// `GET /api/v1/latency`, so the histogram shows the state at load time or at the last click on
// "refresh histogram": an operator action, not a poll.

import { el, setChildren, table, fmtNs } from './dom.js';
import { get } from './api.js';

export function createLatency(section) {
  const tableBox = el('div', { class: 'panel-body' });
  const select = el('select', { testid: 'latency-stage', attrs: { 'aria-label': 'stage' } });
  const refresh = el('button', { text: 'refresh histogram', testid: 'latency-refresh', attrs: { type: 'button' } });
  const chartBox = el('div', { class: 'chart', testid: 'latency-chart' });
  section.append(el('h2', { text: 'Latency' }), tableBox, el('div', { class: 'controls' }, 'histogram of ', select, refresh), chartBox);

  let stages = [];
  let plot = null;

  function percentiles(list) {
    const rows = list.map((s) => el('tr', { testid: `latency-${s.stage}` },
      el('td', { text: s.stage }), el('td', { class: 'num', text: s.count }),
      ...['p50_ns', 'p90_ns', 'p99_ns', 'p999_ns', 'max_ns'].map((k) => el('td', { class: 'num', text: fmtNs(s[k]) }))));
    setChildren(tableBox, table(['stage', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'], rows, { testid: 'latency-table' }));
  }

  function histogram() {
    const stage = stages.find((s) => s.stage === select.value) ?? stages[0];
    const buckets = stage?.buckets ?? [];
    plot?.destroy();
    plot = null;
    if (!buckets.length) {
      setChildren(chartBox, el('p', { class: 'empty', text: 'no buckets for this stage' }));
      return;
    }
    chartBox.replaceChildren();
    // x is the bucket index so the bars are evenly spaced whatever the bucket bounds are; the
    // axis and legend show each bucket's upper bound.
    const xs = buckets.map((_, i) => i);
    const counts = buckets.map((b) => b.count);
    const label = (i) => (buckets[i] ? `≤ ${fmtNs(buckets[i].le_ns)}` : '');
    plot = new uPlot({
      width: Math.max(300, chartBox.clientWidth || 600),
      height: 220,
      scales: { x: { time: false, range: [-0.5, buckets.length - 0.5] } },
      series: [
        { label: 'bucket', value: (u, v) => (v == null ? '—' : label(v)) },
        { label: stage.stage, stroke: '#2f7ed8', fill: 'rgba(47,126,216,0.35)', paths: uPlot.paths.bars({ size: [0.9, Infinity] }), points: { show: false } },
      ],
      axes: [
        { values: (u, splits) => splits.map((i) => (Number.isInteger(i) ? label(i) : '')), rotate: -30, size: 60 },
        { label: 'count', size: 60 },
      ],
    }, [xs, counts], chartBox);
    section.dataset.buckets = String(buckets.length);
  }

  function load(l) {
    stages = l?.stages ?? [];
    percentiles(stages);
    const keep = select.value;
    setChildren(select, stages.map((s) => el('option', { text: s.stage, attrs: { value: s.stage } })));
    if (stages.some((s) => s.stage === keep)) select.value = keep;
    histogram();
  }

  select.addEventListener('change', histogram);
  refresh.addEventListener('click', async () => {
    try {
      load(await get('/api/v1/latency'));
    } catch {
      // Keeps the last histogram; the stream keeps the table current.
    }
  });
  new ResizeObserver(() => plot?.setSize({ width: Math.max(300, chartBox.clientWidth || 600), height: 220 })).observe(chartBox);

  return {
    load,
    update(l) {
      if (l?.stages) percentiles(l.stages);
    },
  };
}

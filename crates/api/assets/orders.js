// Orders panel: open orders, recent order history (outcome, rejection class), execution
// metrics, and recent fills. The `orders` stream message carries the metrics and the newest
// open orders; history comes with it only when the server includes it, otherwise the table
// keeps what REST gave and fills are prepended as they stream in.

import { el, setChildren, table, fmt, fmtQty, fmtTime } from './dom.js';

const MAX_ROWS = 50;
const MAX_FILLS = 100;

export function createOrders(section) {
  const metricsBox = el('div', { class: 'metrics', testid: 'order-metrics' });
  const openBox = el('div', { class: 'panel-body' });
  const historyBox = el('div', { class: 'panel-body scroll' });
  const fillsBox = el('div', { class: 'panel-body scroll' });
  section.append(
    el('h2', { text: 'Orders' }),
    metricsBox,
    el('h3', { text: 'Open' }), openBox,
    el('h3', { text: 'Recent history' }), historyBox,
    el('h3', { text: 'Recent fills' }), fillsBox,
  );
  let fills = [];

  function metrics(m) {
    if (!m) return;
    const rejected = Object.entries(m.rejected ?? {});
    const rejectedTotal = rejected.reduce((a, [, n]) => a + n, 0);
    const item = (label, value, testid) => el('div', { class: 'metric', testid }, el('span', { class: 'label', text: label }), el('span', { class: 'value', text: value }));
    setChildren(metricsBox,
      item('placed', m.placed, 'metric-placed'),
      item('modified', m.modified, 'metric-modified'),
      item('cancelled', m.cancelled, 'metric-cancelled'),
      item('filled', m.filled, 'metric-filled'),
      item('fill rate', `${fmt((m.fill_rate ?? 0) * 100, 1)} %`, 'metric-fill-rate'),
      item('rate budget used', `${fmt((m.rate_budget_used ?? 0) * 100, 1)} %`, 'metric-rate-budget'),
      item('rejected', rejectedTotal, 'metric-rejected'),
      el('div', { class: 'metric wide', testid: 'metric-rejects-by-class' },
        el('span', { class: 'label', text: 'rejects by class' }),
        el('span', { class: 'value', text: rejected.length ? rejected.map(([k, n]) => `${k}: ${n}`).join(', ') : 'none' })),
    );
  }

  function open(list) {
    if (!list) return;
    const rows = list.slice(0, MAX_ROWS).map((o) => el('tr', {},
      el('td', { text: o.symbol }), side(o.side), el('td', { class: 'num', text: fmt(o.price) }),
      el('td', { class: 'num', text: fmtQty(o.size) }), el('td', { text: o.status }), el('td', { text: o.oid ?? '—' }),
      el('td', {}, short(o.cloid)), el('td', { text: fmtTime(o.placed_ms) })));
    setChildren(openBox, rows.length
      ? table(['coin', 'side', 'price', 'size', 'status', 'oid', 'cloid', 'placed'], rows, { testid: 'open-orders' })
      : el('p', { class: 'empty', text: 'no open orders', testid: 'open-orders' }));
  }

  function history(list) {
    if (!list) return;
    const rows = list.slice(0, MAX_ROWS).map((h) => el('tr', { class: `outcome-${h.outcome}` },
      el('td', { text: fmtTime(h.time_ms) }), el('td', { text: h.symbol }), el('td', { text: h.action }),
      side(h.side), el('td', { class: 'num', text: fmt(h.price) }), el('td', { class: 'num', text: fmtQty(h.size) }),
      el('td', { class: 'outcome', text: h.outcome }), el('td', { text: h.class ?? '' })));
    setChildren(historyBox, table(['time', 'coin', 'action', 'side', 'price', 'size', 'outcome', 'class'], rows, { testid: 'order-history' }));
  }

  function renderFills() {
    const rows = fills.map((f) => el('tr', {},
      el('td', { text: fmtTime(f.time_ms) }), el('td', { text: f.symbol }), side(f.side),
      el('td', { class: 'num', text: fmt(f.price) }), el('td', { class: 'num', text: fmtQty(f.size) }),
      el('td', { class: 'num', text: fmt(f.fee, 4) }), el('td', { text: f.crossed ? 'taker' : 'maker' }), el('td', { text: f.tid ?? '' })));
    setChildren(fillsBox, table(['time', 'coin', 'side', 'price', 'size', 'fee', 'liquidity', 'tid'], rows, { testid: 'fills' }));
  }

  return {
    load(o) {
      metrics(o?.metrics);
      open(o?.open);
      history(o?.history ?? []);
    },
    update(o) {
      metrics(o?.metrics);
      open(o?.open);
      if (Array.isArray(o?.history)) history(o.history);
    },
    loadFills(list) {
      fills = (list ?? []).slice(0, MAX_FILLS);
      renderFills();
    },
    fill(f) {
      if (!f) return;
      fills = [f, ...fills].slice(0, MAX_FILLS);
      renderFills();
    },
  };
}

function side(s) {
  return el('td', { class: s === 'Bid' ? 'bid' : s === 'Ask' ? 'ask' : '', text: s ?? '' });
}

// A cloid is 34 characters of hex; the head and tail are enough to tell orders apart.
function short(cloid) {
  if (!cloid || cloid.length < 14) return cloid ?? '';
  return el('span', { title: cloid, text: `${cloid.slice(0, 8)}…${cloid.slice(-4)}` });
}

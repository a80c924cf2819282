// Positions panel: one row per coin and a totals row, rebuilt from each `positions` message
// (a full snapshot, about 1 Hz, so rebuilding is simpler than patching and cheap at this size).

import { el, setChildren, table, fmt, fmtQty, pnlCell } from './dom.js';

const HEADERS = ['coin', 'size', 'entry', 'mark', 'notional', 'unrealised', 'realised', 'daily', 'fees', 'funding', 'risk'];

export function createPositions(section) {
  const body = el('div', { class: 'panel-body' });
  const stamp = el('span', { class: 'stamp', testid: 'positions-time' });
  section.append(el('h2', {}, 'Positions ', stamp), body);

  return {
    update(p) {
      if (!p) return;
      stamp.textContent = p.timestamp_ms ? new Date(p.timestamp_ms).toLocaleTimeString() : '';
      const rows = (p.positions ?? []).map((x) => {
        const tr = el('tr', { testid: `position-${x.symbol}` },
          el('td', { class: 'sym', text: x.symbol }),
          el('td', { class: 'num', text: fmtQty(x.size), testid: `size-${x.symbol}` }),
          el('td', { class: 'num', text: x.size ? fmt(x.entry_price) : '—' }),
          el('td', { class: 'num', text: fmt(x.current_price), testid: `mark-${x.symbol}` }),
          el('td', { class: 'num', text: fmt(x.notional_usd) }),
          pnlCell(x.unrealized_pnl, `upnl-${x.symbol}`),
          pnlCell(x.realized_pnl),
          pnlCell(x.daily_pnl),
          el('td', { class: 'num', text: fmt(x.fees, 4) }),
          el('td', { class: 'num', text: fmt(x.funding, 4) }),
          el('td', { class: `state state-${x.risk_state}`, text: x.risk_state, title: x.risk_reason, testid: `position-state-${x.symbol}` }),
        );
        return tr;
      });
      const ps = p.positions ?? [];
      const sum = (f) => ps.reduce((a, x) => a + (Number(f(x)) || 0), 0);
      const totals = el('tr', { class: 'totals', testid: 'positions-totals' },
        el('td', { text: 'total' }),
        el('td', { class: 'num', text: `L ${fmt(p.total_long_exposure)} / S ${fmt(p.total_short_exposure)}`, attrs: { colspan: 3 }, title: 'long / short exposure, USD' }),
        el('td', { class: 'num', text: fmt(sum((x) => x.notional_usd)) }),
        pnlCell(p.total_unrealized_pnl),
        pnlCell(p.total_realized_pnl),
        pnlCell(p.total_daily_pnl),
        el('td', { class: 'num', text: fmt(sum((x) => x.fees), 4) }),
        el('td', { class: 'num', text: fmt(sum((x) => x.funding), 4) }),
        el('td', { class: 'num', testid: 'total-pnl' }, 'PnL ', el('b', { text: fmt(p.total_pnl) })),
      );
      setChildren(body, table(HEADERS, rows, { testid: 'positions-table', footer: totals }));
    },
  };
}

// The header: engine status (venue, venue connection, quoting/killed, uptime) and the state of
// the dashboard's own stream connection, which are different things: the engine can be
// connected to the venue while this page has lost its stream.

import { el, setChildren, fmtDuration } from './dom.js';

export function createHeader(root) {
  const statusBox = el('div', { class: 'status', testid: 'status' });
  const conn = el('span', { class: 'conn conn-connecting', testid: 'stream-state', text: 'connecting' });
  setChildren(root, el('h1', { text: 'hlmm' }), statusBox, el('div', { class: 'conn-box' }, 'stream ', conn));

  const badge = (label, value, cls, testid) => el('span', { class: `badge ${cls}`, testid }, el('span', { class: 'label', text: label }), ' ', value);

  return {
    status(s) {
      if (!s) return;
      const trading = s.killed ? ['KILLED', 'bad'] : s.quoting ? ['quoting', 'good'] : ['not quoting', 'warn'];
      setChildren(statusBox,
        badge('venue', s.venue, '', 'status-venue'),
        badge('instance', s.instance ?? '—', '', 'status-instance'),
        badge('venue link', s.connected ? 'connected' : 'disconnected', s.connected ? 'good' : 'bad', 'status-connected'),
        badge('engine', trading[0], trading[1], 'status-trading'),
        badge('uptime', fmtDuration(s.uptime_s), '', 'status-uptime'),
        s.rate_budget ? badge('rate', `${s.rate_budget.pressure} · ${s.rate_budget.ip_weight_left} left`, s.rate_budget.pressure === 'Normal' ? '' : 'warn', 'status-rate') : null,
      );
    },
    connection(state, detail = {}) {
      conn.className = `conn conn-${state}`;
      conn.dataset.state = state;
      conn.textContent = state === 'closed' ? `disconnected, retry in ${Math.ceil(detail.retryMs / 1000)} s` : state;
      conn.title = detail.why ?? '';
    },
  };
}

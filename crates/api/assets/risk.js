// Risk panel: per coin its trading state and reason, limit usage bars, the distance to the
// daily stop, and the operator controls (kill / resume for all, halt / resume / hedge-only per
// coin), each behind the in-page confirmation. Coin cards are built once per set of coins and
// then updated in place, so a button is never replaced under the operator's pointer by the
// ~1 Hz updates.

import { el, setChildren, table, fmt, fmtQty, fmtTime, notice } from './dom.js';
import { get, post } from './api.js';
import { confirmAction } from './confirm.js';

export function createRisk(section) {
  const message = el('div', { class: 'form-message', testid: 'risk-message' });
  const kill = el('button', { class: 'danger', text: 'Kill', testid: 'kill', title: 'halt every coin and cancel every order' });
  const resume = el('button', { text: 'Resume', testid: 'resume', title: 'lift the kill' });
  const coinsBox = el('div', { class: 'risk-coins' });
  const auditBox = el('div', { class: 'panel-body scroll' });
  const controlAuditBox = el('div', { class: 'panel-body scroll' });
  section.append(
    el('h2', { text: 'Risk' }),
    el('div', { class: 'controls' }, kill, resume, message),
    coinsBox,
    el('h3', { text: 'Control audit' }), controlAuditBox,
    el('h3', { text: 'State changes' }), auditBox,
  );

  const cards = new Map(); // symbol -> {update}
  let symbolsKey = '';

  async function act(question, label, path) {
    if (!(await confirmAction(question, label))) return;
    try {
      const res = await post(path);
      notice(message, `${res.action} ${res.target}: ${res.result}`, 'ok');
    } catch (err) {
      notice(message, `${label} failed: ${err.message}${err.status ? ` (HTTP ${err.status})` : ''}`, 'error');
    }
    // The stream brings the new states within a second; the audit lists come only by REST,
    // so read them once now that there is a new record.
    try {
      load(await get('/api/v1/risk'));
    } catch {
      // The stream keeps the states current; the audit list waits for the next action.
    }
  }

  kill.addEventListener('click', () => act('Kill: halt every coin and cancel every order?', 'Kill', '/api/v1/kill'));
  resume.addEventListener('click', () => act('Resume: lift the kill? Coins whose own limits allow it quote again.', 'Resume', '/api/v1/resume'));

  function coins(list) {
    if (!list) return;
    const key = list.map((c) => c.symbol).join(',');
    if (key !== symbolsKey) {
      symbolsKey = key;
      cards.clear();
      setChildren(coinsBox, list.map((c) => {
        const card = coinCard(c.symbol, act);
        cards.set(c.symbol, card);
        return card.node;
      }));
    }
    for (const c of list) cards.get(c.symbol).update(c);
  }

  function audits(r) {
    if (Array.isArray(r.control_audit)) {
      setChildren(controlAuditBox, table(['time', 'token', 'action', 'target', 'old', 'new', 'result'],
        r.control_audit.map((a) => [fmtTime(a.time_ms), a.token_id, a.action, a.target, a.old, a.new, a.result]), { testid: 'control-audit' }));
    }
    if (Array.isArray(r.audit)) {
      setChildren(auditBox, table(['time', 'coin', 'from', 'to', 'reason', 'source'],
        r.audit.map((a) => [fmtTime(a.time_ms), a.symbol, a.from, a.to, a.reason, a.source]), { testid: 'risk-audit' }));
    }
  }

  function load(r) {
    if (!r) return;
    coins(r.coins);
    audits(r);
  }

  return { load, update: (r) => coins(r?.coins) };
}

function coinCard(symbol, act) {
  const state = el('span', { class: 'state', testid: `risk-state-${symbol}` });
  const reason = el('span', { class: 'reason', testid: `risk-reason-${symbol}` });
  const limits = el('div', { class: 'limits' });
  const stop = el('div', { class: 'daily-stop', testid: `daily-stop-${symbol}` });
  const sym = encodeURIComponent(symbol);
  const button = (text, testid, question, path, cls = '') => el('button', {
    class: cls, text, testid,
    on: { click: () => act(question, `${text} ${symbol}`, path) },
  });
  const node = el('div', { class: 'risk-coin', testid: `risk-coin-${symbol}` },
    el('h3', {}, symbol, ' ', state, ' ', reason),
    limits, stop,
    el('div', { class: 'controls' },
      button('Halt', `halt-${symbol}`, `Halt ${symbol}: stop quoting and cancel its orders?`, `/api/v1/symbols/${sym}/halt`, 'danger'),
      button('Resume', `resume-${symbol}`, `Resume ${symbol}: lift its operator halt?`, `/api/v1/symbols/${sym}/resume`),
      button('Hedge-only', `hedge-only-${symbol}`, `Hedge-only ${symbol}: only reduce its position?`, `/api/v1/symbols/${sym}/hedge-only`)),
  );

  return {
    node,
    update(c) {
      state.textContent = c.state;
      state.className = `state state-${c.state}`;
      reason.textContent = c.reason;
      setChildren(limits, (c.limits ?? []).map(limitBar));
      const daily = (c.limits ?? []).find((l) => l.name === 'daily_loss');
      if (daily) {
        const left = daily.limit - daily.used;
        stop.textContent = `daily stop: ${fmt(left)} ${daily.unit} of loss left before the stop (${fmt(daily.used)} of ${fmt(daily.limit)} used)`;
        stop.classList.toggle('near', daily.limit > 0 && left / daily.limit < 0.2);
      } else {
        stop.textContent = 'daily stop: no daily_loss limit reported';
      }
    },
  };
}

function limitBar(l) {
  const frac = l.limit > 0 ? Math.min(1, Math.abs(l.used) / l.limit) : 0;
  const level = frac >= 0.9 ? 'bad' : frac >= 0.7 ? 'warn' : 'good';
  const fill = el('div', { class: `bar-fill ${level}` });
  fill.style.width = `${(frac * 100).toFixed(1)}%`;
  return el('div', { class: 'limit', testid: `limit-${l.name}` },
    el('span', { class: 'label', text: l.name }),
    el('div', { class: 'bar', attrs: { role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': l.limit, 'aria-valuenow': l.used, 'aria-label': l.name } }, fill),
    el('span', { class: 'num', text: `${fmtQty(l.used)} / ${fmtQty(l.limit)} ${l.unit ?? ''}` }));
}

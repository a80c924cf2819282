// Dashboard entry point: gets the token, loads every panel once by REST, then keeps them
// current from the WebSocket stream only (no polling).

import { takeToken, setToken, clearToken, get, setUnauthorizedHandler } from './api.js';
import { startStream } from './stream.js';
import { notice } from './dom.js';
import { createHeader } from './header.js';
import { createPositions } from './positions.js';
import { createPnl } from './pnl.js';
import { createConfig } from './config.js';
import { createOrders } from './orders.js';
import { createRisk } from './risk.js';
import { createLatency } from './latency.js';

const $ = (id) => document.getElementById(id);

const header = createHeader($('header'));
const panels = {
  positions: createPositions($('positions')),
  pnl: createPnl($('pnl')),
  config: createConfig($('config')),
  orders: createOrders($('orders')),
  risk: createRisk($('risk')),
  latency: createLatency($('latency')),
};

let stopStream = null;

// Each stream message type goes to the panels that show it.
const handlers = {
  hello: () => {},
  positions: (d) => {
    panels.positions.update(d);
    panels.pnl.add(d);
  },
  risk: (d) => panels.risk.update(d),
  orders: (d) => panels.orders.update(d),
  fill: (d) => panels.orders.fill(d),
  latency: (d) => panels.latency.update(d),
  status: (d) => header.status(d),
  config: (d) => panels.config.update(d),
};

function showTokenForm(reason) {
  stopStream?.();
  stopStream = null;
  const dialog = $('token-form');
  notice($('token-message'), reason ?? '', reason ? 'error' : 'info');
  dialog.hidden = false;
  $('token-input').focus();
}

$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('token-input').value.trim();
  if (!token) return;
  setToken(token);
  $('token-input').value = '';
  $('token-form').hidden = true;
  start();
});

setUnauthorizedHandler(() => {
  clearToken();
  showTokenForm('The token was refused (401). Enter a valid token.');
});

async function start() {
  // Panels load independently: one failing endpoint must not blank the others.
  const loads = [
    ['status', (d) => header.status(d)],
    ['positions', (d) => { panels.positions.update(d); panels.pnl.add(d); }],
    ['orders', (d) => panels.orders.load(d)],
    ['fills?limit=100', (d) => panels.orders.loadFills(d.fills)],
    ['risk', (d) => panels.risk.load(d)],
    ['config', (d) => panels.config.load(d)],
    ['latency', (d) => panels.latency.load(d)],
  ];
  const results = await Promise.allSettled(loads.map(([path]) => get(`/api/v1/${path}`)));
  const failed = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') loads[i][1](r.value);
    else failed.push(`${loads[i][0]}: ${r.reason?.message}`);
  });
  if (results.some((r) => r.status === 'rejected' && r.reason?.status === 401)) return;
  notice($('load-message'), failed.length ? `could not load ${failed.join('; ')}` : '', 'error');

  stopStream = startStream({
    onMessage: (type, data) => {
      try {
        handlers[type]?.(data);
      } catch (err) {
        // A malformed message must not stop the stream for the other panels.
        console.error(`stream message ${type}:`, err);
      }
    },
    onState: (state, detail) => header.connection(state, detail),
  });
}

if (takeToken()) start();
else showTokenForm();

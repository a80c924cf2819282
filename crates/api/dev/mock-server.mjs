// Dev mock of the hlmm operator API (docs/api.md, v1) that also serves the dashboard assets.
//
// A development tool only: it fakes two coins (BTC, ETH) whose prices walk every second, an
// occasional fill, a config PATCH with validation, kill/resume/halt/hedge-only and the
// ticket + WebSocket stream. No dependencies: the WebSocket server side (handshake and
// unmasked text frames out, masked frames in) is written by hand with node's `crypto`.
//
//   node crates/api/dev/mock-server.mjs [--port 8080] [--token dev-token]
//
// It prints the dashboard URL with `#token=…`. Tests import `startMockServer()` instead.

import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ASSETS_DIR = fileURLToPath(new URL('../assets/', import.meta.url));
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const TICKET_TTL_S = 30;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Field rules as the engine would publish them in `fields[]`. `check` returns the broken
// rule's text, or null when the value is fine; the text is what the 422 answer carries.
const FIELDS = [
  { name: 'spread_bps', unit: 'bps', rule: '> 0 and < 1000', check: (v) => num(v) ?? (v > 0 && v < 1000 ? null : 'must be > 0 and < 1000') },
  { name: 'daily_return_bps', unit: 'bps/day', rule: '0..=10000', check: (v) => num(v) ?? (Number.isInteger(v) && v >= 0 && v <= 10000 ? null : 'must be an integer in 0..=10000') },
  { name: 'notional_per_side', unit: 'USD', rule: '>= 10 and <= 1e9', check: (v) => num(v) ?? (v >= 10 ? (v <= 1e9 ? null : 'must be <= 1e9 usd') : 'below the $10 minimum order value') },
  { name: 'daily_pnl_stop_loss', unit: 'USD', rule: '> 0 and <= 1e9', check: (v) => num(v) ?? (v > 0 && v <= 1e9 ? null : 'must be > 0 (a loss limit in usd, written as a positive number)') },
  { name: 'max_long_usd', unit: 'USD', rule: '>= 0', check: (v) => num(v) ?? (v >= 0 ? null : 'must not be negative') },
  { name: 'max_short_usd', unit: 'USD', rule: '>= 0', check: (v) => num(v) ?? (v >= 0 ? null : 'must not be negative') },
  { name: 'trailing_stop_loss', unit: 'fraction', rule: '[0, 1); 0 disables it', check: (v) => num(v) ?? (v >= 0 && v < 1 ? null : 'must be in [0, 1)') },
  { name: 'hedge_only_mode', unit: '', rule: 'true or false', check: (v) => (typeof v === 'boolean' ? null : 'must be a boolean') },
  { name: 'prefer_modify', unit: '', rule: 'true or false', check: (v) => (typeof v === 'boolean' ? null : 'must be a boolean') },
  { name: 'fair_value', unit: '', rule: 'mid or microprice', check: (v) => (v === 'mid' || v === 'microprice' ? null : 'must be mid or microprice') },
];

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? null : 'must be a number';
}

const COINS = {
  BTC: { mark: 97000, lot: 0.001, maxPos: 0.01 },
  ETH: { mark: 3600, lot: 0.01, maxPos: 0.3 },
};

function initialConfig() {
  return {
    spread_bps: 10, daily_return_bps: 10, notional_per_side: 1000, daily_pnl_stop_loss: 100,
    max_long_usd: 10000, max_short_usd: 10000, trailing_stop_loss: 0.02,
    hedge_only_mode: false, prefer_modify: true, fair_value: 'microprice',
  };
}

// All mutable fake-engine state lives here; one instance per server.
function createEngine(coinSpecs) {
  const started = Date.now();
  const coins = Object.entries(coinSpecs).map(([symbol, c]) => ({
    symbol, lot: c.lot, maxPos: c.maxPos, mark: c.mark, size: 0, entry: 0,
    realized: 0, fees: 0, funding: 0, state: 'Active', reason: 'Clear',
    operator: null, version: 0, config: initialConfig(),
  }));
  const e = {
    started, coins, killed: false, fills: [], history: [], open: [], riskAudit: [],
    controlAudit: [], metrics: { placed: 0, modified: 0, cancelled: 0, filled: 0, rejected: {} },
    nextOid: 1000, nextTid: 1,
  };
  for (const c of coins) requote(e, c, Date.now());
  return e;
}

function setState(e, c, state, reason, source) {
  if (c.state === state && c.reason === reason) return false;
  e.riskAudit.unshift({ time_ms: Date.now(), symbol: c.symbol, from: c.state, to: state, reason, source });
  e.riskAudit.length = Math.min(e.riskAudit.length, 200);
  c.state = state;
  c.reason = reason;
  return true;
}

function record(e, entry) {
  e.history.unshift(entry);
  e.history.length = Math.min(e.history.length, 200);
}

function cancelAll(e, c, now) {
  for (const o of e.open.filter((o) => o.symbol === c.symbol)) {
    e.metrics.cancelled++;
    record(e, { time_ms: now, symbol: o.symbol, action: 'cancel', side: o.side, price: o.price, size: o.size, cloid: o.cloid, outcome: 'cancelled', class: null });
  }
  e.open = e.open.filter((o) => o.symbol !== c.symbol);
}

function requote(e, c, now) {
  cancelAll(e, c, now);
  if (c.state === 'Halted') return;
  const half = (c.mark * c.config.spread_bps) / 2e4;
  const sides = c.state === 'Reducing' ? (c.size > 0 ? ['Ask'] : c.size < 0 ? ['Bid'] : []) : ['Bid', 'Ask'];
  for (const side of sides) {
    const price = round2(side === 'Bid' ? c.mark - half : c.mark + half);
    const o = { symbol: c.symbol, side, price, size: c.lot, cloid: '0x' + randomBytes(16).toString('hex'), oid: e.nextOid++, status: 'open', placed_ms: now };
    e.open.push(o);
    e.metrics.placed++;
    // Now and then the venue refuses a post-only order that would cross.
    if (Math.random() < 0.05) {
      e.metrics.rejected.post_only_would_cross = (e.metrics.rejected.post_only_would_cross ?? 0) + 1;
      record(e, { time_ms: now, symbol: c.symbol, action: 'place', side, price, size: c.lot, cloid: o.cloid, outcome: 'rejected', class: 'post_only_would_cross' });
      e.open.pop();
    } else {
      record(e, { time_ms: now, symbol: c.symbol, action: 'place', side, price, size: c.lot, cloid: o.cloid, outcome: 'resting', class: null });
    }
  }
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

// One simulated second: prices walk, a resting order may fill, risk limits are re-checked.
// Returns the fills that happened, so the stream can send them.
function tick(e) {
  const now = Date.now();
  const fills = [];
  for (const c of e.coins) {
    c.mark = round2(c.mark * (1 + (Math.random() - 0.5) * 0.0008));
    const resting = e.open.filter((o) => o.symbol === c.symbol);
    if (resting.length && Math.random() < 0.3) {
      const o = resting[Math.floor(Math.random() * resting.length)];
      fills.push(applyFill(e, c, o, now));
    }
    if (c.state !== 'Halted' && Math.random() < 0.5) {
      e.metrics.modified++;
      requote(e, c, now);
    }
    const dailyLoss = Math.max(0, -dailyPnl(c));
    if (dailyLoss >= c.config.daily_pnl_stop_loss && c.state !== 'Halted') {
      setState(e, c, 'Halted', 'DailyStop', 'core');
      cancelAll(e, c, now);
    }
  }
  return fills;
}

function applyFill(e, c, o, now) {
  const signed = o.side === 'Bid' ? o.size : -o.size;
  const fee = round6(o.price * o.size * 0.00015);
  if (c.size === 0 || Math.sign(c.size) === Math.sign(signed)) {
    c.entry = (c.entry * Math.abs(c.size) + o.price * o.size) / (Math.abs(c.size) + o.size);
  } else {
    c.realized += (o.price - c.entry) * Math.min(Math.abs(c.size), o.size) * Math.sign(c.size);
  }
  c.size = round6(c.size + signed);
  if (c.size === 0) c.entry = 0;
  c.fees += fee;
  c.realized -= fee;
  e.open = e.open.filter((x) => x !== o);
  e.metrics.filled++;
  record(e, { time_ms: now, symbol: c.symbol, action: 'place', side: o.side, price: o.price, size: o.size, cloid: o.cloid, outcome: 'filled', class: null });
  const fill = { time_ms: now, symbol: c.symbol, side: o.side, price: o.price, size: o.size, fee, tid: e.nextTid++, oid: o.oid, crossed: false };
  e.fills.unshift(fill);
  e.fills.length = Math.min(e.fills.length, 1000);
  return fill;
}

function round6(x) {
  return Math.round(x * 1e6) / 1e6;
}

const unrealized = (c) => (c.size === 0 ? 0 : (c.mark - c.entry) * c.size);
const dailyPnl = (c) => c.realized + unrealized(c) + c.funding;

function positions(e) {
  const ps = e.coins.map((c) => ({
    symbol: c.symbol, size: c.size, entry_price: round2(c.entry), current_price: c.mark,
    unrealized_pnl: round6(unrealized(c)), notional_usd: round2(Math.abs(c.size) * c.mark),
    realized_pnl: round6(c.realized), fees: round6(c.fees), funding: c.funding,
    daily_pnl: round6(dailyPnl(c)), risk_state: c.state, risk_reason: c.reason, config_version: c.version,
  }));
  const sum = (f) => round6(ps.reduce((a, p) => a + f(p), 0));
  return {
    timestamp_ms: Date.now(),
    total_pnl: sum((p) => p.realized_pnl + p.unrealized_pnl),
    total_realized_pnl: sum((p) => p.realized_pnl),
    total_unrealized_pnl: sum((p) => p.unrealized_pnl),
    total_daily_pnl: sum((p) => p.daily_pnl),
    total_long_exposure: sum((p) => (p.size > 0 ? p.notional_usd : 0)),
    total_short_exposure: sum((p) => (p.size < 0 ? p.notional_usd : 0)),
    positions: ps,
  };
}

function status(e) {
  return {
    venue: 'sim', instance: 'hlmm-mock', version: '0.1.0', uptime_s: (Date.now() - e.started) / 1000,
    connected: true, quoting: !e.killed && e.coins.some((c) => c.state !== 'Halted'), killed: e.killed,
    rate_budget: { pressure: 'Normal', ip_weight_left: 1180, address_headroom: 9800, throttled: 0 },
    dead_man: { armed: true, state: 'armed' }, redis: { enabled: false, connected: false },
  };
}

function riskCoins(e) {
  return e.coins.map((c) => ({
    symbol: c.symbol, state: c.state, reason: c.reason,
    limits: [
      { name: 'position', used: Math.abs(c.size), limit: c.maxPos, unit: c.symbol },
      { name: 'notional', used: round2(Math.abs(c.size) * c.mark), limit: c.config.max_long_usd, unit: 'USD' },
      { name: 'daily_loss', used: round2(Math.max(0, -dailyPnl(c))), limit: c.config.daily_pnl_stop_loss, unit: 'USD' },
    ],
  }));
}

function risk(e) {
  return { coins: riskCoins(e), audit: e.riskAudit.slice(0, 50), control_audit: e.controlAudit.slice(0, 50) };
}

function orders(e, historyLimit = 50) {
  const m = e.metrics;
  return {
    open: e.open,
    history: e.history.slice(0, historyLimit),
    metrics: { ...m, fill_rate: m.placed ? round6(m.filled / m.placed) : 0, rate_budget_used: round6(Math.min(1, m.placed / 10000)) },
  };
}

// Fake latency histograms: log-spaced buckets, counts shaped like a skewed bump.
function latency(e, withBuckets = true) {
  const n = Math.floor((Date.now() - e.started) / 10) + 1000;
  const stages = [
    ['frame_to_intent', 4800], ['intent_to_send', 2100], ['send_to_ack', 180000],
  ].map(([stage, p50]) => {
    const jitter = 1 + (Math.random() - 0.5) * 0.1;
    const s = { stage, count: n, p50_ns: Math.round(p50 * jitter), p90_ns: Math.round(p50 * 1.5 * jitter), p99_ns: Math.round(p50 * 2 * jitter), p999_ns: Math.round(p50 * 2.5 * jitter), max_ns: Math.round(p50 * 6 * jitter) };
    if (withBuckets) {
      s.buckets = [];
      for (let le = p50 / 8; le <= p50 * 8; le *= 1.5) {
        const x = Math.log(le / p50);
        s.buckets.push({ le_ns: Math.round(le), count: Math.round(n * 0.3 * Math.exp(-x * x * 1.5)) });
      }
    }
    return s;
  });
  return { stages };
}

function configView(e) {
  return {
    symbols: e.coins.map((c) => ({ symbol: c.symbol, version: c.version, config: { ...c.config } })),
    fields: FIELDS.map(({ name, unit, rule }) => ({ name, unit, rule })),
  };
}

// --- HTTP ----------------------------------------------------------------------------------

// `coins`: `{SYMBOL: {mark, lot, maxPos}}`, BTC and ETH unless given (tests pass hostile names).
export async function startMockServer({ port = 0, host = '127.0.0.1', token = 'dev-token', readToken = 'dev-read-token', quiet = true, coins = COINS } = {}) {
  const e = createEngine(coins);
  const tickets = new Map(); // ticket -> expiry ms
  const sockets = new Set();

  const broadcast = (type, data) => {
    for (const s of sockets) s.send(JSON.stringify({ type, data }));
  };

  const timer = setInterval(() => {
    const fills = tick(e);
    for (const f of fills) broadcast('fill', f);
    broadcast('positions', positions(e));
    broadcast('risk', { coins: riskCoins(e) });
    broadcast('orders', orders(e, 20));
    broadcast('latency', latency(e, false));
    broadcast('status', status(e));
  }, 1000);

  const scopeOf = (req) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return null;
    if (m[1] === token) return 'control';
    if (m[1] === readToken) return 'read';
    return null;
  };

  const control = (action, target, apply, tokenId) => {
    const before = target === 'all' ? (e.killed ? 'Halted' : 'Active') : e.coins.find((c) => c.symbol === target).state;
    apply();
    const after = target === 'all' ? (e.killed ? 'Halted' : 'Active') : e.coins.find((c) => c.symbol === target).state;
    e.controlAudit.unshift({ time_ms: Date.now(), token_id: tokenId, action, target, old: before, new: after, result: 'accepted' });
    broadcast('risk', { coins: riskCoins(e) });
    broadcast('status', status(e));
    return { result: 'accepted', action, target };
  };

  // A coin quotes again once neither the kill nor an operator halt holds it.
  const release = (c) => {
    if (e.killed || c.operator) return;
    if (c.state !== 'Active') setState(e, c, 'Active', 'Clear', 'operator');
    requote(e, c, Date.now());
  };

  const routes = async (req, url, scope) => {
    const p = url.pathname;
    const m = req.method;
    if (m === 'GET' && p === '/api/v1/status') return [200, status(e)];
    if (m === 'GET' && p === '/api/v1/positions') return [200, positions(e)];
    if (m === 'GET' && p === '/api/v1/orders') return [200, orders(e)];
    if (m === 'GET' && p === '/api/v1/fills') {
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
      return [200, { fills: e.fills.slice(0, limit) }];
    }
    if (m === 'GET' && p === '/api/v1/risk') return [200, risk(e)];
    if (m === 'GET' && p === '/api/v1/config') return [200, configView(e)];
    if (m === 'GET' && p === '/api/v1/latency') return [200, latency(e)];
    if (m === 'GET' && p === '/api/v1/symbols') return [200, { enabled: false, selected: e.coins.map((c) => c.symbol), ranked: [] }];
    if (m === 'POST' && p === '/api/v1/stream/ticket') {
      const ticket = randomBytes(16).toString('hex');
      tickets.set(ticket, Date.now() + TICKET_TTL_S * 1000);
      return [200, { ticket, expires_in_s: TICKET_TTL_S }];
    }

    const isControl = (m === 'POST' && /^\/api\/v1\/(kill|resume|symbols\/[^/]+\/(halt|resume|hedge-only))$/.test(p)) || (m === 'PATCH' && p.startsWith('/api/v1/config/'));
    if (!isControl) return [404, { error: 'not_found', reason: `no route ${m} ${p}` }];
    if (scope !== 'control') return [403, { error: 'forbidden', reason: 'this token has the read scope only' }];
    const tokenId = 'dev';

    if (p === '/api/v1/kill') {
      return [200, control('kill', 'all', () => {
        e.killed = true;
        for (const c of e.coins) { setState(e, c, 'Halted', 'Kill', 'operator'); cancelAll(e, c, Date.now()); }
      }, tokenId)];
    }
    if (p === '/api/v1/resume') {
      return [200, control('resume', 'all', () => { e.killed = false; for (const c of e.coins) release(c); }, tokenId)];
    }
    const sym = /^\/api\/v1\/(?:symbols|config)\/([^/]+)/.exec(p)?.[1];
    const c = e.coins.find((x) => x.symbol === sym);
    if (!c) return [404, { error: 'not_found', reason: `unknown symbol ${sym}` }];
    if (p.endsWith('/halt')) {
      return [200, control('halt', sym, () => { c.operator = 'halt'; setState(e, c, 'Halted', 'Kill', 'operator'); cancelAll(e, c, Date.now()); }, tokenId)];
    }
    if (p.endsWith('/resume')) {
      return [200, control('resume', sym, () => { c.operator = null; release(c); }, tokenId)];
    }
    if (p.endsWith('/hedge-only')) {
      return [200, control('hedge-only', sym, () => { c.operator = null; if (!e.killed) { setState(e, c, 'Reducing', 'HedgeOnlyConfig', 'operator'); requote(e, c, Date.now()); } }, tokenId)];
    }
    return patchConfig(c, await readJson(req));
  };

  const patchConfig = (c, patch) => {
    if (patch === undefined || patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      return [400, { error: 'bad_request', reason: 'body must be a JSON object' }];
    }
    const errors = [];
    for (const [field, value] of Object.entries(patch)) {
      const f = FIELDS.find((x) => x.name === field);
      const rule = f ? f.check(value) : 'unknown field';
      if (rule) errors.push({ field, value, rule });
    }
    if (errors.length) return [422, { error: 'invalid_config', errors }];
    const changes = Object.entries(patch).map(([field, value]) => ({ field, old: c.config[field], new: value }));
    Object.assign(c.config, patch);
    c.version++;
    if (!e.killed && !c.operator) {
      if (c.config.hedge_only_mode) setState(e, c, 'Reducing', 'HedgeOnlyConfig', 'core');
      else if (c.reason === 'HedgeOnlyConfig') setState(e, c, 'Active', 'Clear', 'core');
    }
    broadcast('config', { symbol: c.symbol, version: c.version, config: { ...c.config } });
    return [200, { symbol: c.symbol, version: c.version, changes }];
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    try {
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname.startsWith('/assets/'))) {
        return await serveAsset(res, url.pathname === '/' ? 'index.html' : url.pathname.slice('/assets/'.length));
      }
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      const scope = scopeOf(req);
      if (!scope) return sendJson(res, 401, { error: 'unauthorized', reason: 'missing or unknown bearer token' });
      const [code, body] = await routes(req, url, scope);
      sendJson(res, code, body);
    } catch (err) {
      sendJson(res, 400, { error: 'bad_request', reason: String(err.message ?? err) });
    }
  });

  server.on('upgrade', (req, socket) => {
    const url = new URL(req.url, 'http://localhost');
    const ticket = url.searchParams.get('ticket');
    const expiry = tickets.get(ticket);
    tickets.delete(ticket); // single use, whether or not it was still valid
    if (url.pathname !== '/api/v1/stream' || !expiry || expiry < Date.now() || !req.headers['sec-websocket-key']) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const ws = acceptWebSocket(req, socket, () => sockets.delete(ws));
    sockets.add(ws);
    ws.send(JSON.stringify({ type: 'hello', data: { instance: 'hlmm-mock', venue: 'sim' } }));
    ws.send(JSON.stringify({ type: 'status', data: status(e) }));
  });

  await new Promise((resolve) => server.listen(port, host, resolve));
  const addr = server.address();
  const base = `http://${addr.address}:${addr.port}`;
  if (!quiet) console.log(`hlmm mock API on ${base}\ndashboard: ${base}/#token=${token}`);
  return {
    url: `${base}/#token=${token}`,
    base,
    token,
    // Drops every stream connection, as a restart or a network cut would (tests of reconnect).
    dropStreams: () => {
      for (const s of sockets) s.destroy();
    },
    // Kills open sockets too, so a test run ends promptly.
    close: () => new Promise((resolve) => {
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
      server.closeAllConnections?.();
    }),
  };
}

async function serveAsset(res, rel) {
  const file = path.normalize(path.join(ASSETS_DIR, rel));
  if (!file.startsWith(ASSETS_DIR)) return sendJson(res, 404, { error: 'not_found', reason: rel });
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    sendJson(res, 404, { error: 'not_found', reason: rel });
  }
}

function sendJson(res, code, body) {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 65536) reject(new Error('body too large'));
    });
    req.on('end', () => {
      try { resolve(JSON.parse(body)); } catch { reject(new Error('body is not JSON')); }
    });
    req.on('error', reject);
  });
}

// --- WebSocket (RFC 6455), the server side of the minimum the dashboard needs -------------

function acceptWebSocket(req, socket, onClose) {
  const accept = createHash('sha1').update(req.headers['sec-websocket-key'] + WS_GUID).digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' + `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.setNoDelay(true);
  let buf = Buffer.alloc(0);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
    socket.destroy();
  };
  const frame = (opcode, payload) => {
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0x80 | opcode, len])
      : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 255])
      : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLen(len)]);
    return Buffer.concat([head, payload]);
  };
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    // Client frames are always masked; we only need to notice close and answer ping.
    while (buf.length >= 2) {
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      const masked = (buf[1] & 0x80) !== 0;
      const mask = masked ? buf.subarray(off, off + 4) : null;
      off += masked ? 4 : 0;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      buf = buf.subarray(off + len);
      if (opcode === 0x8) { socket.write(frame(0x8, payload.subarray(0, 2))); close(); return; }
      if (opcode === 0x9) socket.write(frame(0xa, payload));
    }
  });
  socket.on('close', close);
  socket.on('error', close);
  return {
    send: (text) => { if (!closed) socket.write(frame(0x1, Buffer.from(text, 'utf8'))); },
    destroy: () => { if (!closed) { socket.write(frame(0x8, Buffer.from([0x03, 0xe9]))); close(); } },
  };
}

function bigLen(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  startMockServer({ port: Number(arg('--port', 8080)), token: arg('--token', 'dev-token'), quiet: false });
}

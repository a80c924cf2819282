// Browser tests of the hlmm dashboard: what an operator sees and does, in a real Chromium.
//
// Target: HLMM_DASHBOARD_URL (a running hlmm, `http://127.0.0.1:8080/#token=…`); when unset,
// the dev mock server (crates/api/dev/mock-server.mjs) is started on an ephemeral port.
// The tests share one page and run in order: kill comes before resume. Against a real engine
// they kill and resume it, so point them at a sim run only.
//
// Waits use generous bounds only so that a broken build ends instead of hanging; no test
// asserts how fast anything happens.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const OUT = path.resolve(REPO, process.env.HLMM_TEST_OUTPUT || 'target/test-output/dashboard');
const WAIT_MS = 20_000;
const PANELS = ['positions', 'pnl', 'risk', 'orders', 'config', 'latency'];

let mock = null;
let browser;
let page;
let dashboardUrl;
let token;
const pageErrors = [];

before(async () => {
  dashboardUrl = process.env.HLMM_DASHBOARD_URL;
  if (!dashboardUrl) {
    const { startMockServer } = await import('../../crates/api/dev/mock-server.mjs');
    mock = await startMockServer({ port: 0, token: 'test-token' });
    dashboardUrl = mock.url;
  }
  token = new URLSearchParams(new URL(dashboardUrl).hash.slice(1)).get('token');
  assert.ok(token, 'the dashboard URL must carry #token=…');
  await mkdir(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  // Failed requests are checked by status below, where the expected 422 can be told apart.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    const expected = res.status() === 422 && res.request().method() === 'PATCH';
    if (res.status() >= 400 && !expected) pageErrors.push(`HTTP ${res.status()} ${res.request().method()} ${res.url()}`);
  });
  await page.goto(dashboardUrl);
});

after(async () => {
  await browser?.close();
  await mock?.close();
});

const byTestId = (id) => `[data-testid="${id}"]`;
const text = (selector) => page.locator(selector).first().textContent();

// The REST API as the test sees it, to check the engine's side of what the page shows.
async function apiGet(p) {
  const res = await fetch(new URL(p, dashboardUrl), { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET ${p}`);
  return res.json();
}

async function riskStates() {
  return page.$$eval('[data-testid^="risk-state-"]', (els) => els.map((e) => [e.dataset.testid.slice('risk-state-'.length), e.textContent]));
}

async function confirmDialog() {
  await page.locator(byTestId('confirm')).waitFor({ state: 'visible', timeout: WAIT_MS });
  await page.locator(byTestId('confirm')).click();
}

// The config field the edit tests use: the contract's example field, else the engine's
// spread floor; both must be > 0, so -1 is always refused.
async function editableField(form) {
  for (const name of ['spread_bps', 'min_half_spread_bps', 'max_half_spread_bps']) {
    if (await form.locator(byTestId(`input-${name}`)).count()) return name;
  }
  throw new Error('no spread field in the config form');
}

test('the token leaves the address bar and is kept for the session', async () => {
  await page.locator(byTestId('positions-table')).waitFor({ timeout: WAIT_MS });
  assert.ok(!page.url().includes('token='), `address bar still has the token: ${page.url()}`);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hlmm.token')), token);
});

test('the header shows the engine status and an open stream', async () => {
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'open', byTestId('stream-state'), { timeout: WAIT_MS });
  const venue = await text(byTestId('status-venue'));
  const status = await apiGet('/api/v1/status');
  assert.ok(venue.includes(status.venue), `header venue "${venue}" vs ${status.venue}`);
  assert.match(await text(byTestId('status-uptime')), /\d+h \d+m \d+s/);
});

test('the positions table shows every coin with numbers, and they update from the stream', async () => {
  const { positions } = await apiGet('/api/v1/positions');
  assert.ok(positions.length > 0, 'the engine reports no coins');
  for (const p of positions) {
    const row = page.locator(byTestId(`position-${p.symbol}`));
    await row.waitFor({ timeout: WAIT_MS });
    const mark = await text(byTestId(`mark-${p.symbol}`));
    assert.match(mark, /^-?[\d,]+\.\d\d$/, `${p.symbol} mark "${mark}"`);
    assert.match(await text(byTestId(`size-${p.symbol}`)), /^-?[\d,.]+$/);
  }
  assert.match(await text(byTestId('total-pnl')), /PnL -?[\d,]+\.\d\d/);

  // Every cell but the timestamp: a change here is a new value from a stream message.
  const snapshot = () => page.locator(byTestId('positions-table')).locator('tbody').textContent();
  const first = await snapshot();
  await page.waitForFunction(
    ([sel, before]) => document.querySelector(sel)?.querySelector('tbody')?.textContent !== before,
    [byTestId('positions-table'), first],
    { timeout: WAIT_MS },
  );
  assert.notEqual(await snapshot(), first);
});

test('the pnl chart has a canvas with points drawn', async () => {
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.points) >= 3, byTestId('pnl'), { timeout: WAIT_MS });
  const canvas = page.locator(`${byTestId('pnl-chart')} canvas`);
  assert.equal(await canvas.count(), 1);
  // Non-transparent pixels inside the plot area: axes alone are drawn outside it.
  const inked = await canvas.evaluate((c) => {
    const ctx = c.getContext('2d');
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
  assert.ok(inked > 100, `only ${inked} pixels drawn`);
});

test('a config edit is applied and the version goes up', async () => {
  const { symbols } = await apiGet('/api/v1/config');
  const { symbol, version } = symbols[0];
  const form = page.locator(byTestId(`config-form-${symbol}`));
  const field = await editableField(form);
  const original = symbols[0].config[field];
  const next = original === 12 ? 11 : 12;

  assert.equal(await text(byTestId(`config-version-${symbol}`)), String(version));
  await form.locator(byTestId(`input-${field}`)).fill(String(next));
  await form.locator(byTestId(`config-save-${symbol}`)).click();
  await page.waitForFunction(([sel, v]) => Number(document.querySelector(sel)?.textContent) > v, [byTestId(`config-version-${symbol}`), version], { timeout: WAIT_MS });

  const shown = Number(await text(byTestId(`config-version-${symbol}`)));
  const after = (await apiGet('/api/v1/config')).symbols.find((s) => s.symbol === symbol);
  assert.equal(shown, after.version, `${symbol}: the page shows version ${shown}, the API ${after.version} (was ${version})`);
  assert.ok(after.version > version);
  assert.equal(after.config[field], next);
  assert.equal(typeof after.config[field], 'number', 'the patch kept the number type');
  assert.equal(await form.locator(byTestId(`error-${field}`)).textContent(), '');
});

test('a bad value shows its rule next to the field and the version does not change', async () => {
  const { symbols } = await apiGet('/api/v1/config');
  const { symbol, version } = symbols[0];
  const form = page.locator(byTestId(`config-form-${symbol}`));
  const field = await editableField(form);

  await form.locator(byTestId(`input-${field}`)).fill('-1');
  await form.locator(byTestId(`config-save-${symbol}`)).click();
  const error = form.locator(byTestId(`error-${field}`));
  await page.waitForFunction((el) => el.textContent.trim() !== '', await error.elementHandle(), { timeout: WAIT_MS });
  assert.ok((await error.textContent()).length > 0);
  assert.ok(await error.isVisible(), 'the rule is shown');

  // The error sits in the same field row as the input it is about.
  const sameRow = await form.locator(byTestId(`input-${field}`)).evaluate((input, id) => input.parentElement.querySelector(`[data-testid="${id}"]`) !== null, `error-${field}`);
  assert.ok(sameRow, 'error is next to its field');

  assert.equal(await text(byTestId(`config-version-${symbol}`)), String(version));
  const after = (await apiGet('/api/v1/config')).symbols.find((s) => s.symbol === symbol);
  assert.equal(after.version, version);
  assert.notEqual(after.config[field], -1);

  await form.locator('button', { hasText: 'Reset' }).click();
});

test('kill asks for confirmation, and cancelling it changes nothing', async () => {
  const before = await riskStates();
  await page.locator(byTestId('kill')).click();
  await page.locator(byTestId('confirm-cancel')).waitFor({ state: 'visible', timeout: WAIT_MS });
  await page.locator(byTestId('confirm-cancel')).click();
  const status = await apiGet('/api/v1/status');
  assert.equal(status.killed, false);
  assert.deepEqual((await riskStates()).map(([s]) => s), before.map(([s]) => s));
});

test('kill, once confirmed, shows every coin Halted', async () => {
  await page.locator(byTestId('kill')).click();
  await confirmDialog();
  await page.waitForFunction(() => {
    const states = [...document.querySelectorAll('[data-testid^="risk-state-"]')];
    return states.length > 0 && states.every((e) => e.textContent === 'Halted');
  }, null, { timeout: WAIT_MS });
  const states = await riskStates();
  assert.ok(states.length >= 1);
  for (const [sym, state] of states) assert.equal(state, 'Halted', sym);
  assert.equal((await apiGet('/api/v1/status')).killed, true);
  assert.ok((await text(byTestId('control-audit'))).includes('kill'), 'the kill is in the control audit');
});

test('resume, once confirmed, leaves no coin Halted', async () => {
  await page.locator(byTestId('resume')).click();
  await confirmDialog();
  await page.waitForFunction(() => {
    const states = [...document.querySelectorAll('[data-testid^="risk-state-"]')];
    return states.length > 0 && states.every((e) => e.textContent !== 'Halted');
  }, null, { timeout: WAIT_MS });
  for (const [sym, state] of await riskStates()) assert.notEqual(state, 'Halted', sym);
  assert.equal((await apiGet('/api/v1/status')).killed, false);
});

test('the orders and latency panels show their tables', async () => {
  await page.locator(byTestId('order-metrics')).locator(byTestId('metric-fill-rate')).waitFor({ timeout: WAIT_MS });
  await page.locator(byTestId('latency-table')).waitFor({ timeout: WAIT_MS });
  const { stages } = await apiGet('/api/v1/latency');
  for (const s of stages) assert.equal(await page.locator(byTestId(`latency-${s.stage}`)).count(), 1, s.stage);
  if (stages[0]?.buckets?.length) assert.equal(await page.locator(`${byTestId('latency-chart')} canvas`).count(), 1);
});

test('the stream reconnects after it is dropped', { skip: process.env.HLMM_DASHBOARD_URL ? 'needs the mock server to drop the stream' : false }, async () => {
  const tickets = [];
  const onRequest = (req) => {
    if (req.url().includes('/api/v1/stream/ticket')) tickets.push(req.url());
  };
  page.on('request', onRequest);
  mock.dropStreams();
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'closed', byTestId('stream-state'), { timeout: WAIT_MS });
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'open', byTestId('stream-state'), { timeout: WAIT_MS });
  page.off('request', onRequest);
  assert.ok(tickets.length >= 1, 'a new ticket was asked for');
  const stamp = await text(byTestId('positions-time'));
  await page.waitForFunction(([sel, s]) => document.querySelector(sel)?.textContent !== s, [byTestId('positions-time'), stamp], { timeout: WAIT_MS });
});

test('without a token the page asks for one, and a valid one loads the panels', async () => {
  const other = await browser.newPage();
  try {
    await other.goto(new URL('/', dashboardUrl).href);
    await other.locator(byTestId('token-form')).waitFor({ state: 'visible', timeout: WAIT_MS });
    await other.locator(byTestId('token-input')).fill('wrong-token');
    await other.locator(byTestId('token-form')).locator('button').click();
    await other.waitForFunction((sel) => /401/.test(document.querySelector(sel)?.textContent ?? ''), '#token-message', { timeout: WAIT_MS });
    await other.locator(byTestId('token-input')).fill(token);
    await other.locator(byTestId('token-form')).locator('button').click();
    await other.locator(byTestId('positions-table')).waitFor({ timeout: WAIT_MS });
    assert.ok(await other.locator(byTestId('token-form')).isHidden());
  } finally {
    await other.close();
  }
});

test('text from the API is shown as text, never run as markup', { skip: process.env.HLMM_DASHBOARD_URL ? 'needs the mock server to serve a hostile symbol' : false }, async () => {
  const { startMockServer } = await import('../../crates/api/dev/mock-server.mjs');
  const hostile = '<img src=x onerror="window.__pwned=1">';
  const evil = await startMockServer({ port: 0, token: 't', coins: { [hostile]: { mark: 100, lot: 1, maxPos: 10 } } });
  const other = await browser.newPage();
  try {
    await other.goto(evil.url);
    await other.locator(byTestId('positions-table')).waitFor({ timeout: WAIT_MS });
    await other.getByTestId('config-form-' + hostile).waitFor({ timeout: WAIT_MS });
    await other.getByTestId('risk-state-' + hostile).waitFor({ timeout: WAIT_MS });
    assert.ok((await other.locator(byTestId('positions-table')).textContent()).includes(hostile));
    assert.equal(await other.locator('main img').count(), 0);
    assert.equal(await other.evaluate(() => window.__pwned), undefined);
  } finally {
    await other.close();
    await evil.close();
  }
});

test('a screenshot of every panel and of the full page is saved', async () => {
  for (const id of PANELS) {
    const file = path.join(OUT, `${id}.png`);
    await page.locator(byTestId(id)).screenshot({ path: file });
    assert.ok((await stat(file)).size > 1000, file);
  }
  await page.locator('header').screenshot({ path: path.join(OUT, 'header.png') });
  const full = path.join(OUT, 'full-page.png');
  await page.screenshot({ path: full, fullPage: true });
  assert.ok((await stat(full)).size > 1000, full);
});

test('the page raised no script errors and no unexpected failed requests', () => {
  assert.deepEqual(pageErrors, []);
});

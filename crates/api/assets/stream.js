// The live stream: a single-use ticket by REST, then a WebSocket. On any close it reconnects
// with exponential backoff (plus jitter, so many dashboards do not reconnect in step), asking
// for a new ticket each time because a ticket works once.

import { post } from './api.js';

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * Starts the stream. `onMessage(type, data)` gets every message; `onState(state, detail)` gets
 * `connecting`, `open`, or `closed` with the delay before the next try. Returns `stop()`.
 */
export function startStream({ onMessage, onState }) {
  let ws = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;

  const schedule = (why) => {
    if (stopped) return;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt++;
    onState('closed', { why, retryMs: Math.round(delay) });
    timer = setTimeout(connect, delay);
  };

  async function connect() {
    if (stopped) return;
    onState('connecting', {});
    let ticket;
    try {
      ({ ticket } = await post('/api/v1/stream/ticket'));
    } catch (err) {
      schedule(`ticket: ${err.message}`);
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(`${scheme}://${location.host}/api/v1/stream?ticket=${encodeURIComponent(ticket)}`);
    ws.addEventListener('open', () => {
      attempt = 0;
      onState('open', {});
    });
    ws.addEventListener('message', (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return; // A frame we cannot read is skipped rather than ending the stream.
      }
      if (msg && typeof msg.type === 'string') onMessage(msg.type, msg.data);
    });
    ws.addEventListener('close', (ev) => {
      ws = null;
      // 1008: the server dropped us for not keeping up; the backoff still applies.
      schedule(ev.code === 1008 ? 'too slow (1008)' : `closed (${ev.code})`);
    });
    // An 'error' is always followed by 'close', which does the reconnecting.
  }

  connect();
  return function stop() {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
}

// DOM and formatting helpers. Every text that comes from the API goes in through
// `textContent` (via `el`'s `text` or string children), never through innerHTML, so a symbol
// name or an error string can never become markup.

/**
 * Creates an element. `props`: `class`, `text`, `testid` (sets data-testid), `title`, `attrs`
 * (plain attributes), `on` (event listeners). Children: nodes or strings (as text nodes).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
  if (props.testid) node.dataset.testid = props.testid;
  if (props.title) node.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const [k, fn] of Object.entries(props.on ?? {})) node.addEventListener(k, fn);
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Replaces all children of `node`. */
export function setChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** A table with a header row; `rows` are arrays of cells (string, number or Node). */
export function table(headers, rows, { testid, footer } = {}) {
  const cell = (tag, c) => (c instanceof Node ? el(tag, {}, c) : el(tag, { text: c ?? '' }));
  return el('table', { testid },
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { text: h })))),
    el('tbody', {}, rows.map((r) => (r instanceof Node ? r : el('tr', {}, r.map((c) => cell('td', c)))))),
    footer ? el('tfoot', {}, footer) : null,
  );
}

/** A number with a fixed count of decimals; `—` for missing values. */
export function fmt(x, decimals = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return Number(x).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A size or price without trailing zeros beyond what the value carries (up to 8 decimals). */
export function fmtQty(x) {
  if (x === null || x === undefined) return '—';
  return Number(x).toLocaleString('en-US', { maximumFractionDigits: 8 });
}

/** Nanoseconds in the unit that keeps 3 significant figures readable. */
export function fmtNs(ns) {
  if (ns === null || ns === undefined) return '—';
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

/** Unix ms as a local wall-clock time (with date when not today). */
export function fmtTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

export function fmtDuration(s) {
  if (s === null || s === undefined) return '—';
  s = Math.floor(s);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return (d ? `${d}d ` : '') + `${h}h ${String(m).padStart(2, '0')}m ${String(s % 60).padStart(2, '0')}s`;
}

/** A PnL cell: signed, 2 decimals, class `pos`/`neg` for colour. */
export function pnlCell(x, testid) {
  const cls = x > 0 ? 'num pos' : x < 0 ? 'num neg' : 'num';
  return el('td', { class: cls, text: fmt(x), testid });
}

/** Short message under a panel; replaced on each call. */
export function notice(container, text, kind = 'info') {
  setChildren(container, text ? el('p', { class: `notice ${kind}`, text }) : null);
}

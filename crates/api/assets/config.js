// Config panel: one form per symbol with every key of its `config`, typed after the current
// value (number, boolean, string), with unit and rule hints from `fields[]`. Save sends only
// the changed fields, each with the type of its original value, as `PATCH /config/{symbol}`.
// A 422 puts each `errors[].rule` next to its field; nothing is changed on the engine then.

import { el, setChildren, notice } from './dom.js';
import { get, patch, ApiError } from './api.js';

export function createConfig(section) {
  const body = el('div', { class: 'panel-body config-forms' });
  section.append(el('h2', { text: 'Config' }), body);
  const forms = new Map(); // symbol -> form controller
  let hints = new Map(); // field name -> {unit, rule}

  function render(cfg) {
    hints = new Map((cfg.fields ?? []).map((f) => [f.name, f]));
    forms.clear();
    setChildren(body, (cfg.symbols ?? []).map((s) => {
      const f = symbolForm(s, hints, reload);
      forms.set(s.symbol, f);
      return f.node;
    }));
  }

  // After an accepted PATCH the engine's view is authoritative (it may normalise values).
  async function reload() {
    try {
      const cfg = await get('/api/v1/config');
      for (const s of cfg.symbols ?? []) forms.get(s.symbol)?.replace(s, { force: true });
    } catch {
      // The PATCH answer already updated the form; a failed re-read changes nothing.
    }
  }

  return {
    load: render,
    /** A `config` stream message: an accepted change, from this page or anyone else. */
    update(msg) {
      forms.get(msg?.symbol)?.replace(msg, { force: false });
    },
  };
}

function symbolForm({ symbol, version, config }, hints, reload) {
  let original = { ...config };
  let current = version;
  const versionEl = el('span', { class: 'version', testid: `config-version-${symbol}`, text: String(version) });
  const message = el('div', { class: 'form-message', testid: `config-message-${symbol}` });
  const inputs = new Map(); // field -> {input, error, type}

  const rows = Object.keys(config).map((field) => {
    const value = config[field];
    const type = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'string' : 'json';
    const id = `cfg-${symbol}-${field}`;
    const input = type === 'boolean'
      ? el('input', { attrs: { type: 'checkbox', id, name: field }, testid: `input-${field}` })
      : el('input', { attrs: { type: type === 'number' ? 'number' : 'text', step: type === 'number' ? 'any' : null, id, name: field }, testid: `input-${field}` });
    const error = el('span', { class: 'field-error', testid: `error-${field}`, attrs: { role: 'alert' } });
    const hint = hints.get(field);
    inputs.set(field, { input, error, type });
    input.addEventListener('input', () => {
      error.textContent = '';
      input.classList.toggle('dirty', changed(field) !== undefined);
    });
    return el('div', { class: 'field' },
      el('label', { attrs: { for: id }, text: field }),
      input,
      el('span', { class: 'unit', text: hint?.unit ?? '' }),
      el('span', { class: 'rule', text: hint?.rule ?? '' }),
      error,
    );
  });

  function setValues(cfg) {
    for (const [field, { input, type }] of inputs) {
      const v = cfg[field];
      if (type === 'boolean') input.checked = Boolean(v);
      else if (type === 'json') input.value = JSON.stringify(v);
      else input.value = v ?? '';
      input.classList.remove('dirty');
    }
  }

  // The edited value in the original's type, or undefined when unchanged. Throws on a value
  // that cannot have that type (text in a number field), so it is refused before sending.
  function changed(field) {
    const { input, type } = inputs.get(field);
    let v;
    if (type === 'boolean') v = input.checked;
    else if (type === 'number') {
      if (input.value.trim() === '' || !Number.isFinite(Number(input.value))) return NaN;
      v = Number(input.value);
    } else if (type === 'json') {
      try { v = JSON.parse(input.value); } catch { return NaN; }
      return JSON.stringify(v) === JSON.stringify(original[field]) ? undefined : v;
    } else v = input.value;
    return v === original[field] ? undefined : v;
  }

  const dirty = () => [...inputs.keys()].some((f) => changed(f) !== undefined);

  async function save(ev) {
    ev.preventDefault();
    for (const { error } of inputs.values()) error.textContent = '';
    const body = {};
    let bad = false;
    for (const field of inputs.keys()) {
      const v = changed(field);
      if (Number.isNaN(v)) {
        inputs.get(field).error.textContent = inputs.get(field).type === 'number' ? 'must be a number' : 'must be valid JSON';
        bad = true;
      } else if (v !== undefined) body[field] = v;
    }
    if (bad) return notice(message, 'not sent: fix the marked fields', 'error');
    if (!Object.keys(body).length) return notice(message, 'nothing changed');
    saveBtn.disabled = true;
    try {
      const res = await patch(`/api/v1/config/${encodeURIComponent(symbol)}`, body);
      for (const c of res.changes ?? []) original[c.field] = c.new;
      for (const [k, v] of Object.entries(body)) if (!(res.changes ?? []).some((c) => c.field === k)) original[k] = v;
      setVersion(res.version);
      setValues(original);
      notice(message, `saved: version ${res.version}`, 'ok');
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && Array.isArray(err.body?.errors)) {
        const elsewhere = [];
        for (const e of err.body.errors) {
          const target = inputs.get(e.field);
          if (target) target.error.textContent = e.rule;
          else elsewhere.push(`${e.field}: ${e.rule}`);
        }
        notice(message, `refused, nothing changed${elsewhere.length ? ': ' + elsewhere.join('; ') : ''}`, 'error');
      } else {
        notice(message, `not saved: ${err.message}`, 'error');
      }
    } finally {
      saveBtn.disabled = false;
    }
  }

  function setVersion(v) {
    if (typeof v !== 'number' || v < current) return; // an older echo must not roll back
    current = v;
    versionEl.textContent = String(v);
  }

  const saveBtn = el('button', { text: 'Save', testid: `config-save-${symbol}`, attrs: { type: 'submit' } });
  const resetBtn = el('button', { text: 'Reset', attrs: { type: 'button' }, on: { click: () => { setValues(original); for (const { error } of inputs.values()) error.textContent = ''; notice(message, ''); } } });
  const node = el('form', { class: 'config-form', testid: `config-form-${symbol}`, on: { submit: save } },
    el('h3', {}, symbol, ' ', el('span', { class: 'label', text: 'version' }), ' ', versionEl),
    el('div', { class: 'fields' }, rows),
    el('div', { class: 'form-actions' }, resetBtn, saveBtn),
    message,
  );
  setValues(original);

  return {
    node,
    /** New server state. Unsaved edits are kept unless `force` (our own save just landed). */
    replace(s, { force }) {
      if (typeof s.version === 'number' && s.version < current) return;
      setVersion(s.version);
      if (!s.config) return;
      if (force || !dirty()) {
        original = { ...original, ...s.config };
        setValues(original);
      } else {
        original = { ...original, ...s.config };
        notice(message, `changed on the engine (version ${s.version}); your unsaved edits are kept`, 'warn');
      }
    },
  };
}

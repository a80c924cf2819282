// An in-page confirmation dialog. A page-level `window.confirm` blocks the page and cannot be
// styled or driven like the rest of the UI (browser tests would have to intercept it); a
// <dialog> can.

import { el } from './dom.js';

let dialog = null;

function build() {
  const message = el('p', { class: 'confirm-message', testid: 'confirm-message' });
  const ok = el('button', { class: 'danger', text: 'Confirm', testid: 'confirm', attrs: { value: 'ok' } });
  const cancel = el('button', { text: 'Cancel', testid: 'confirm-cancel', attrs: { value: 'cancel' } });
  const form = el('form', { attrs: { method: 'dialog' } }, message, el('div', { class: 'confirm-buttons' }, cancel, ok));
  dialog = el('dialog', { class: 'confirm', testid: 'confirm-dialog' }, form);
  document.body.append(dialog);
  return { message, ok };
}

let parts = null;

/** Asks `question`; resolves true only when the operator clicks Confirm. */
export function confirmAction(question, confirmLabel = 'Confirm') {
  parts ??= build();
  parts.message.textContent = question;
  parts.ok.textContent = confirmLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

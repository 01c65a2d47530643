// Confirmation before a destructive action: a modal <dialog> that names what will happen. Resolves
// true when the operator confirms, false on Keep / Escape.
import { h } from './dom.js';

let dialog = null;

export function confirmAction(message, { confirm = 'Yes, do it', title = 'Are you sure?' } = {}) {
  dialog?.remove();
  return new Promise((resolve) => {
    const done = (ok) => {
      if (!dialog) return;
      dialog.close();
      dialog.remove();
      dialog = null;
      resolve(ok);
    };
    dialog = h(
      'dialog',
      { id: 'confirm-dialog', class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, title),
      h('p', { class: 'confirm-message' }, message),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'danger', data: { confirm: 'yes' }, on: { click: () => done(true) } }, confirm),
        h('button', { type: 'button', data: { confirm: 'no' }, on: { click: () => done(false) } }, 'Keep it'),
      ),
    );
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('[data-confirm="no"]').focus();
  });
}

// Modal bottom sheet on the native <dialog>: focus trap, Escape, inert page and top layer for free.

import { h, icon, prefersReducedMotion } from './dom.js';

let counter = 0;

export class Sheet {
  /**
   * @param {{title: string, closeLabel: string, className?: string, onClose?: () => void}} options
   */
  constructor({ title, closeLabel, className = '', onClose = null }) {
    const titleId = `sheet-title-${++counter}`;
    this.titleEl = h('h2', { class: 'sheet__title', id: titleId }, title);
    this.body = h('div', { class: 'sheet__body' });
    this.closeButton = h(
      'button',
      { type: 'button', class: 'sheet__close icon-button', 'aria-label': closeLabel, onclick: () => this.close() },
      icon('close'),
    );
    // role/aria-modal are implied by showModal(); stating them keeps older WebViews and tests exact.
    this.dialog = h(
      'dialog',
      { class: `sheet ${className}`.trim(), role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId },
      h(
        'div',
        { class: 'sheet__panel' },
        h('div', { class: 'sheet__grabber', 'aria-hidden': 'true' }),
        h('header', { class: 'sheet__header' }, this.titleEl, this.closeButton),
        this.body,
      ),
    );
    this.onClose = onClose;
    this.pendingClose = null;
    // A click on the backdrop lands on the <dialog> itself, outside the panel.
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) this.close();
    });
    this.dialog.addEventListener('cancel', (event) => {
      event.preventDefault(); // Escape: run our own close (animation, callbacks)
      this.close();
    });
    document.body.append(this.dialog);
  }

  get isOpen() {
    return this.dialog.open;
  }

  setTitle(text) {
    this.titleEl.textContent = text;
  }

  open(focusTarget = null) {
    this.pendingClose?.cancel();
    if (!this.dialog.open) this.dialog.showModal();
    (focusTarget || this.closeButton).focus({ preventScroll: true });
  }

  /** Close with the slide-down animation; `immediate` when another sheet takes over at once. */
  close({ immediate = false } = {}) {
    if (!this.dialog.open) return;
    if (immediate) this.pendingClose?.cancel();
    else if (this.pendingClose) return;
    let timer = 0;
    const finish = () => {
      cancel();
      this.dialog.close();
      this.onClose?.();
    };
    const cancel = () => {
      this.dialog.classList.remove('sheet--closing');
      this.dialog.removeEventListener('animationend', finish);
      window.clearTimeout(timer);
      this.pendingClose = null;
    };
    if (immediate || prefersReducedMotion()) {
      finish();
      return;
    }
    this.dialog.classList.add('sheet--closing');
    this.dialog.addEventListener('animationend', finish);
    timer = window.setTimeout(finish, 400); // in case the animation never runs
    this.pendingClose = { cancel };
  }
}

/** True while any modal sheet is open (the feed then ignores swipes and keys); not once closing. */
export function anySheetOpen() {
  return document.querySelector('dialog.sheet[open]:not(.sheet--closing)') !== null;
}

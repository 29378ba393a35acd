// Short status messages, announced politely to screen readers.

import { h } from './dom.js';

export class Toast {
  constructor(root) {
    this.element = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite' });
    this.timer = 0;
    root.append(this.element);
  }

  show(message, ms = 2600) {
    window.clearTimeout(this.timer);
    this.element.textContent = message;
    this.element.classList.add('is-visible');
    this.timer = window.setTimeout(() => this.element.classList.remove('is-visible'), ms);
  }
}

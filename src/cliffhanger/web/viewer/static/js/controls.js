// Player controls of the HUD: the seekable progress bar (a keyboard-operable slider) and the
// option sheets for playback speed and subtitles.

import { h, icon } from './dom.js';
import * as i18n from './i18n.js';
import { Sheet } from './sheet.js';

/** 75 → "1:15", 3725 → "1:02:05". */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/**
 * A seek bar: `role="slider"` in seconds (`aria-valuenow`), tap or drag to seek, ←/→ ±step,
 * Home/End. ↑/↓ are left to the feed (previous/next episode).
 */
export class Scrubber {
  /** @param {{onSeek: (seconds: number) => void, step?: number}} options */
  constructor({ onSeek, step = 5 }) {
    this.onSeek = onSeek;
    this.step = step;
    this.current = 0;
    this.duration = 0;
    this.dragging = null; // {pointerId, seconds}
    this.fill = h('div', { class: 'scrubber__fill' });
    this.thumb = h('div', { class: 'scrubber__thumb' });
    this.time = h('span', { class: 'scrubber__time', 'aria-hidden': 'true' }, '0:00 / 0:00');
    this.slider = h(
      'div',
      {
        class: 'scrubber',
        role: 'slider',
        tabindex: '0',
        'aria-label': i18n.t('player.seek'),
        'aria-valuemin': '0',
        'aria-valuemax': '0',
        'aria-valuenow': '0',
        'aria-valuetext': i18n.t('player.seekValue', { time: '0:00', total: '0:00' }),
        'aria-disabled': 'true',
      },
      h('div', { class: 'scrubber__track' }, this.fill, this.thumb),
    );
    this.element = h('div', { class: 'scrubber-row' }, this.slider, this.time);
    this.slider.addEventListener('keydown', (event) => this.onKey(event));
    this.slider.addEventListener('pointerdown', (event) => this.onPointerDown(event));
    this.slider.addEventListener('pointermove', (event) => this.onPointerMove(event));
    this.slider.addEventListener('pointerup', (event) => this.onPointerUp(event));
    this.slider.addEventListener('pointercancel', () => this.cancelDrag());
    // Taps on the bar must not also reach the feed (pause) below the HUD.
    this.slider.addEventListener('click', (event) => event.stopPropagation());
  }

  /** The active video's position; ignored while the viewer drags. */
  set(currentTime, duration) {
    this.current = Number.isFinite(currentTime) ? currentTime : 0;
    this.duration = Number.isFinite(duration) && duration > 0 ? duration : 0;
    if (!this.dragging) this.render(this.current);
  }

  render(seconds) {
    const ratio = this.duration > 0 ? Math.min(1, Math.max(0, seconds / this.duration)) : 0;
    this.element.style.setProperty('--progress', ratio.toFixed(4));
    const now = Math.floor(seconds);
    const total = Math.floor(this.duration);
    if (this.slider.getAttribute('aria-valuenow') !== String(now) || this.slider.getAttribute('aria-valuemax') !== String(total)) {
      this.slider.setAttribute('aria-valuemax', String(total));
      this.slider.setAttribute('aria-valuenow', String(now));
      this.slider.setAttribute('aria-valuetext', i18n.t('player.seekValue', { time: clock(seconds), total: clock(this.duration) }));
      this.slider.setAttribute('aria-disabled', total > 0 ? 'false' : 'true');
      this.time.textContent = `${clock(seconds)} / ${clock(this.duration)}`;
    }
  }

  seek(seconds) {
    if (!(this.duration > 0)) return;
    const target = Math.max(0, Math.min(seconds, this.duration));
    this.current = target;
    this.render(target);
    this.onSeek(target);
  }

  onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const moves = {
      ArrowLeft: () => this.seek(this.current - this.step),
      ArrowRight: () => this.seek(this.current + this.step),
      Home: () => this.seek(0),
      End: () => this.seek(this.duration - 0.5),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault(); // the feed's own ←/→ handler sees defaultPrevented and stays out
    move();
  }

  secondsAt(clientX) {
    const rect = this.slider.getBoundingClientRect();
    const ratio = rect.width > 0 ? (clientX - rect.left) / rect.width : 0;
    return Math.min(1, Math.max(0, ratio)) * this.duration;
  }

  onPointerDown(event) {
    if (!(this.duration > 0) || event.button > 0) return;
    event.preventDefault();
    event.stopPropagation();
    this.slider.focus({ preventScroll: true });
    this.slider.setPointerCapture?.(event.pointerId);
    this.dragging = { pointerId: event.pointerId, seconds: this.secondsAt(event.clientX) };
    this.slider.classList.add('is-dragging');
    this.render(this.dragging.seconds);
  }

  onPointerMove(event) {
    if (!this.dragging || event.pointerId !== this.dragging.pointerId) return;
    event.preventDefault();
    this.dragging.seconds = this.secondsAt(event.clientX);
    this.render(this.dragging.seconds);
  }

  onPointerUp(event) {
    if (!this.dragging || event.pointerId !== this.dragging.pointerId) return;
    const { seconds } = this.dragging;
    this.cancelDrag();
    this.seek(seconds);
  }

  cancelDrag() {
    this.dragging = null;
    this.slider.classList.remove('is-dragging');
    this.render(this.current);
  }
}

/**
 * A bottom sheet with one choice among a few (speed, subtitle language): a menu of
 * `menuitemradio` buttons; ↑/↓ move, Enter/Space/tap choose and close.
 */
export class OptionSheet {
  /** @param {{kind: string, title: string, closeLabel: string, onChoose: (value: any) => void}} options */
  constructor({ kind, title, closeLabel, onChoose }) {
    this.onChoose = onChoose;
    this.sheet = new Sheet({ title, closeLabel, className: `sheet--options sheet--${kind}` });
    this.sheet.dialog.dataset.sheet = kind;
    this.menu = h('div', { class: 'options', role: 'menu', 'aria-label': title });
    this.menu.addEventListener('keydown', (event) => this.onKey(event));
    this.sheet.body.append(this.menu);
  }

  get isOpen() {
    return this.sheet.isOpen;
  }

  /** @param {{value: any, label: string, lang?: string, checked: boolean}[]} options */
  open(options) {
    let checked = null;
    const items = options.map((option) => {
      const item = h(
        'button',
        {
          type: 'button',
          class: 'options__item',
          role: 'menuitemradio',
          'aria-checked': option.checked ? 'true' : 'false',
          lang: option.lang ?? null,
          onclick: () => {
            this.sheet.close();
            this.onChoose(option.value);
          },
        },
        h('span', { class: 'options__label' }, option.label),
        option.checked ? icon('check', 'icon icon--small options__check') : null,
      );
      if (option.checked) checked = item;
      return item;
    });
    this.menu.replaceChildren(...items);
    this.sheet.open(checked ?? items[0] ?? null);
  }

  close() {
    this.sheet.close();
  }

  onKey(event) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const items = [...this.menu.querySelectorAll('[role="menuitemradio"]')];
    const at = items.indexOf(document.activeElement);
    const next = items[(at + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length];
    next?.focus();
    event.preventDefault();
  }
}

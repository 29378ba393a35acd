// Our own platform: the browser. Viewers are anonymous (a device token from the API); payments
// go through the sandbox checkout page; rewarded ads are a sandbox ad of the session's length.

import { h } from '../dom.js';
import { t } from '../i18n.js';

export class WebPlatform {
  constructor(win = window) {
    this.name = 'web';
    this.win = win;
    this.api = null;
    this.shareContent = null;
  }

  async start({ api } = {}) {
    this.api = api ?? this.api;
  }

  /** Web viewers are anonymous device viewers; there is no platform login. */
  async login() {
    return null;
  }

  linkedViewer() {
    return null;
  }

  /**
   * Pay an order created with `provider: "sandbox"`: the sandbox checkout page takes over the tab
   * and returns to the order's `return_url` when done.
   */
  async pay(order) {
    if (!order?.checkout_url) return { status: 'failed', error: 'no_checkout_url' };
    this.win.location.assign(order.checkout_url);
    return { status: 'redirected' };
  }

  /**
   * A sandbox rewarded ad: a full-screen panel that counts down the ad session's `min_watch_s`.
   * Resolves {isEnded: true} when the viewer closes it after the countdown, false before.
   */
  showRewardedAd(adSession) {
    const seconds = Math.max(1, Math.round(adSession?.min_watch_s ?? 15));
    return new Promise((resolve) => {
      let left = seconds;
      const count = h('p', { class: 'sandbox-ad__count', 'aria-live': 'polite' }, t('player.ad.remaining', { s: left }));
      const close = h('button', { type: 'button', class: 'button button--ghost' }, t('player.ad.skip'));
      const dialog = h(
        'dialog',
        { class: 'sandbox-ad', 'aria-label': t('player.ad.label') },
        h('p', { class: 'sandbox-ad__title' }, t('player.ad.label')),
        count,
        close,
      );
      const timer = this.win.setInterval(() => {
        left -= 1;
        if (left > 0) {
          count.textContent = t('player.ad.remaining', { s: left });
          return;
        }
        this.win.clearInterval(timer);
        count.textContent = t('player.ad.done');
        close.textContent = t('player.ad.close');
      }, 1000);
      const finish = () => {
        this.win.clearInterval(timer);
        dialog.close();
        dialog.remove();
        resolve({ isEnded: left <= 0 });
      };
      close.addEventListener('click', finish);
      dialog.addEventListener('cancel', (event) => {
        event.preventDefault();
        finish();
      });
      this.win.document.body.append(dialog);
      dialog.showModal();
    });
  }

  /** The Web Share API where there is one (needs a tap), else copy the link. */
  async share(payload) {
    const url = shareUrl(this.win, payload);
    try {
      if (this.win.navigator.share) {
        await this.win.navigator.share({ title: payload.title, text: payload.desc, url });
        return { shared: true };
      }
      await this.win.navigator.clipboard?.writeText(url);
      return { shared: true, copied: true };
    } catch {
      return { shared: false };
    }
  }

  setShareContent(payload) {
    this.shareContent = payload;
  }

  reportEvent() {
    // Our own analytics go to POST /api/v1/events (events.js); a browser has no host to tell.
  }

  setBarColor(color) {
    let meta = this.win.document.querySelector('meta[name="theme-color"]');
    if (!meta) {
      meta = h('meta', { name: 'theme-color' });
      this.win.document.head.append(meta);
    }
    meta.setAttribute('content', color);
  }

  locale() {
    return null; // the browser's languages are the i18n module's own fallback
  }
}

/** The app URL a share payload points at: `query.path` (an app path) or the current page. */
export function shareUrl(win, payload) {
  const path = payload?.query?.path;
  return new URL(typeof path === 'string' && path.startsWith('/') ? path : win.location.pathname, win.location.origin).href;
}

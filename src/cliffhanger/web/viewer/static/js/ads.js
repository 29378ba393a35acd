// Rewarded-ad unlocks. The server issues a single-use ad session and decides when it pays out
// (minimum watch time on its clock, daily cap); this module shows the ad and completes it.
//
//   POST /api/v1/ad-sessions {episode_id, provider}  → {ad_session_id, min_watch_s, …}
//   sandbox (web): a full-screen, clearly labelled sandbox ad counts down `min_watch_s`; there is
//                  no skip, only a close button that forfeits the unlock; at zero it completes
//   tiktok:        platform.showRewardedAd(session) → {isEnded} → complete {is_ended}
//   POST /api/v1/ad-sessions/{id}/complete → unlocked. A `409 ad_too_short` (the server's clock
//   is a little behind ours) waits `retry_after_s` and retries the same session.

import { ProblemError } from './api.js';
import { h, icon } from './dom.js';
import { watchEvents } from './events.js';
import { formatNumber, t } from './i18n.js';
import { moneyApi } from './money.js';
import { platform } from './platform/index.js';

const TOO_SHORT_RETRIES = 6;
const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));
let counter = 0;

/** The ad provider of this build: TikTok's rewarded video inside TikTok, else the sandbox ad. */
export function adProvider() {
  return platform.name === 'tiktok' ? 'tiktok' : 'sandbox';
}

/** Complete a session, waiting out `ad_too_short` with the same session. */
async function complete(api, session, body = undefined) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await moneyApi.completeAd(api, session.ad_session_id, body);
    } catch (err) {
      const tooShort = err instanceof ProblemError && err.code === 'ad_too_short';
      if (!tooShort || attempt >= TOO_SHORT_RETRIES) throw err;
      const wait = Number(err.problem.retry_after_s);
      await sleep(Math.max(250, Math.min(10_000, (Number.isFinite(wait) ? wait : 1) * 1000 + 150)));
    }
  }
}

/**
 * The sandbox ad: a full-screen <dialog> with a visible countdown of `min_watch_s`. Resolves
 * true when the countdown ran out (the ad "ended"), false when the viewer closed it before.
 * `whenDone(screen)` runs at zero, while the screen still shows "Unlocking…".
 */
class SandboxAdScreen {
  constructor(session) {
    this.seconds = Math.max(1, Math.ceil(session.min_watch_s || 0));
    const titleId = `ad-title-${++counter}`;
    this.count = h('span', { class: 'ad-screen__count', dataset: { field: 'countdown' } }, String(this.seconds));
    this.ring = h('span', { class: 'ad-screen__ring', 'aria-hidden': 'true' });
    this.status = h('p', { class: 'ad-screen__status', role: 'status' }, t('money.ad.rewardIn', { s: this.seconds }));
    this.closeButton = h(
      'button',
      { type: 'button', class: 'ad-screen__close', dataset: { action: 'close-ad' } },
      icon('close', 'icon icon--small'),
      h('span', { class: 'ad-screen__close-text' }, t('money.ad.closeForfeit')),
    );
    this.dialog = h(
      'dialog',
      { class: 'ad-screen', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('money.ad.badge'), 'aria-describedby': titleId, dataset: { screen: 'ad' } },
      h(
        'div',
        { class: 'ad-screen__frame' },
        h(
          'header',
          { class: 'ad-screen__top' },
          h('span', { class: 'ad-screen__badge' }, t('money.ad.badge')),
          this.closeButton,
        ),
        h(
          'div',
          { class: 'ad-screen__creative' },
          h('p', { class: 'ad-screen__kicker' }, t('money.ad.kicker')),
          h('h2', { class: 'ad-screen__title', id: titleId }, t('money.ad.title')),
          h('p', { class: 'ad-screen__text' }, t('money.ad.text')),
        ),
        h(
          'footer',
          { class: 'ad-screen__bottom' },
          h('div', { class: 'ad-screen__timer', role: 'timer', 'aria-label': t('money.ad.timerLabel') }, this.ring, this.count),
          this.status,
          h('p', { class: 'ad-screen__hint' }, t('money.ad.noSkip')),
        ),
      ),
    );
  }

  /** Run the countdown; resolves true at zero, false if closed before. */
  run() {
    document.body.append(this.dialog);
    this.dialog.showModal();
    this.closeButton.focus({ preventScroll: true });
    const started = performance.now();
    return new Promise((resolve) => {
      let done = false;
      const finish = (ended) => {
        if (done) return;
        done = true;
        window.clearInterval(this.timer);
        this.closeButton.removeEventListener('click', onClose);
        resolve(ended);
      };
      const tick = () => {
        const left = Math.max(0, this.seconds - (performance.now() - started) / 1000);
        const whole = Math.ceil(left);
        this.count.textContent = String(whole);
        this.ring.style.setProperty('--elapsed', String(1 - left / this.seconds));
        if (whole > 0) {
          this.status.textContent = t('money.ad.rewardIn', { s: whole });
          return;
        }
        this.dialog.classList.add('is-ended');
        this.status.textContent = t('money.ad.unlocking');
        finish(true);
      };
      const onClose = () => finish(false);
      this.closeButton.addEventListener('click', onClose);
      // Escape closes the ad too, which forfeits as the close button does.
      this.dialog.addEventListener('cancel', (event) => {
        event.preventDefault();
        if (!done) onClose();
      });
      this.timer = window.setInterval(tick, 200);
      tick();
    });
  }

  remove() {
    window.clearInterval(this.timer);
    if (this.dialog.open) this.dialog.close();
    this.dialog.remove();
  }
}

/**
 * Watch one rewarded ad for `episode`. Resolves `{unlocked: true, session}` when the episode is
 * open, `{unlocked: false, forfeited: true}` when the viewer closed the ad before the end.
 * Refusals throw ProblemError (403 ad_cap_reached, 429, 409 ad_not_finished…): money.moneyError.
 */
export async function watchAdToUnlock(api, episode) {
  const provider = adProvider();
  let session;
  try {
    session = await moneyApi.startAd(api, episode.id, provider);
  } catch (err) {
    if (err instanceof ProblemError && err.code === 'already_unlocked') return { unlocked: true, session: null };
    throw err;
  }
  watchEvents(api).emit('ad_shown', { episode_id: episode.id, props: { provider, min_watch_s: session.min_watch_s } });

  if (provider === 'tiktok') {
    let result;
    try {
      result = await platform.showRewardedAd(session);
    } catch (err) {
      console.warn('rewarded ad failed', err);
      throw new ProblemError(503, { code: 'ad_unavailable' });
    }
    // An early close is reported too: the server closes the session for good and says why.
    const done = await complete(api, session, { is_ended: Boolean(result?.isEnded) });
    return { unlocked: Boolean(done.unlocked), session: done };
  }

  const screen = new SandboxAdScreen(session);
  try {
    const ended = await screen.run();
    if (!ended) return { unlocked: false, forfeited: true, session };
    const done = await complete(api, session);
    return { unlocked: Boolean(done.unlocked), session: done };
  } finally {
    screen.remove();
  }
}

/** "2 of 5 left today" */
export function adsLeftText(remaining, cap) {
  return t('money.paywall.adLeft', { left: formatNumber(remaining), cap: formatNumber(cap) });
}

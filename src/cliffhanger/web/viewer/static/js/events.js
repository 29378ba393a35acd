// Watch events (docs/subtitles-products-events.md): queued in memory, sent in batches to
// `POST /api/v1/events` every ~10 s, at 20 events, and with `keepalive` when the page is hidden.
// Each event gets its id once (a UUID); a batch that fails is sent again later with the same
// ids, and the server stores each (viewer, event id) once. Unsent events survive a reload in
// localStorage, so an event queued just before the tab closed is delivered on the next visit.

import { newIdempotencyKey, ProblemError } from './api.js';

const FLUSH_MS = 10_000;
const FLUSH_AT = 20;
const MAX_BATCH = 100;         // the server's limit per request
const MAX_QUEUE = 500;         // beyond this the oldest events are dropped
const MAX_AGE_MS = 29 * 86_400_000; // the server refuses events older than 30 days
const STORE_KEY = 'cliffhanger.events';

export const EVENT_TYPES = new Set([
  'play', 'progress', 'complete', 'swipe_away', 'unlock_sheet_shown', 'product_click',
  'pause', 'resume', 'seek', 'subtitle_change', 'share', 'ad_shown',
]);

/** `fetch` with `keepalive`: survives the page being hidden or unloaded (≤ 64 KB body). */
export function sendKeepalive(api, method, path, body) {
  const token = api.viewer?.token;
  if (!token) return Promise.resolve(null);
  return fetch(api.base + path, {
    method,
    keepalive: true,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

export class WatchEvents {
  /** @param {import('./api.js').ApiClient} api */
  constructor(api, { flushMs = FLUSH_MS, flushAt = FLUSH_AT } = {}) {
    this.api = api;
    this.flushAt = flushAt;
    this.queue = this.restore();
    this.inflight = null;
    this.failures = 0;
    this.retryAt = 0;
    this.timer = window.setInterval(() => this.flush(), flushMs);
    this.onHidden = () => {
      if (document.visibilityState === 'hidden') this.flush({ keepalive: true });
    };
    document.addEventListener('visibilitychange', this.onHidden);
    window.addEventListener('pagehide', this.onHidden);
    if (this.queue.length) window.setTimeout(() => this.flush(), 1000);
  }

  /**
   * Queue one event. `fields`: episode_id (required), series_id, position_s, quartile, props.
   * @returns {object} the queued event
   */
  emit(type, { episode_id, series_id = null, position_s = null, quartile = null, props = null }) {
    if (!EVENT_TYPES.has(type) || !episode_id) return null;
    const event = { event_id: newIdempotencyKey(), type, episode_id, occurred_at: new Date().toISOString() };
    if (series_id) event.series_id = series_id;
    if (Number.isFinite(position_s)) event.position_s = Math.max(0, Math.round(position_s * 100) / 100);
    if (quartile !== null) event.quartile = quartile;
    if (props) event.props = props;
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUE) this.queue.splice(0, this.queue.length - MAX_QUEUE);
    if (this.queue.length >= this.flushAt) this.flush();
    return event;
  }

  /** Send what is queued (at most 100 per request); resolves when this attempt is over. */
  async flush({ keepalive = false } = {}) {
    if (keepalive) {
      // The page may be frozen right after this; the copy in storage covers a lost request.
      this.persist();
      const batch = this.queue.slice(0, MAX_BATCH);
      if (!batch.length) return;
      try {
        const response = await sendKeepalive(this.api, 'POST', '/events', { events: batch });
        if (response?.ok || response?.status === 422) this.acknowledge(batch);
      } catch {
        // stays queued (and stored) for the next flush
      }
      return;
    }
    if (this.inflight || !this.queue.length) return this.inflight ?? undefined;
    if (Date.now() < this.retryAt) return undefined; // backing off after a failure
    this.inflight = this.sendAll().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  async sendAll() {
    while (this.queue.length) {
      const batch = this.queue.slice(0, MAX_BATCH);
      try {
        await this.api.request('POST', '/events', { events: batch });
      } catch (err) {
        if (err instanceof ProblemError && err.status === 422) {
          // A batch the server will never take (a bug on our side): drop it rather than loop.
          console.warn('watch events rejected', err.problem);
        } else {
          this.failures += 1;
          // The next timer tick after a growing pause (5, 10, 20, 40, 60 s) tries again.
          this.retryAt = Date.now() + Math.min(60_000, 5_000 * 2 ** (this.failures - 1));
          this.persist();
          return; // network or server trouble: the same events (same ids) go again next time
        }
      }
      this.failures = 0;
      this.retryAt = 0;
      this.acknowledge(batch);
    }
  }

  /** Stop the timer and listeners (what is still queued stays in storage for the next page). */
  dispose() {
    window.clearInterval(this.timer);
    document.removeEventListener('visibilitychange', this.onHidden);
    window.removeEventListener('pagehide', this.onHidden);
    this.persist();
  }

  acknowledge(batch) {
    const sent = new Set(batch.map((e) => e.event_id));
    this.queue = this.queue.filter((e) => !sent.has(e.event_id));
    this.persist();
  }

  persist() {
    try {
      if (this.queue.length) window.localStorage.setItem(STORE_KEY, JSON.stringify(this.queue));
      else window.localStorage.removeItem(STORE_KEY);
    } catch {
      // storage unavailable: in memory only
    }
  }

  restore() {
    try {
      const stored = JSON.parse(window.localStorage.getItem(STORE_KEY));
      if (!Array.isArray(stored)) return [];
      const oldest = Date.now() - MAX_AGE_MS;
      return stored.filter((e) => e && e.event_id && Date.parse(e.occurred_at) > oldest).slice(-MAX_QUEUE);
    } catch {
      return [];
    }
  }
}

let shared = null;

/** The page's one event queue (created on first use). */
export function watchEvents(api) {
  if (shared?.api === api) return shared;
  shared?.dispose();
  shared = new WatchEvents(api);
  return shared;
}

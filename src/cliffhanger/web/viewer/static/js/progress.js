// Resume points: `PUT /api/v1/progress/{episode_id}` {position_s}, an upsert the player sends
// every ~5 s while playing, on pause, when the viewer swipes away and (with keepalive) when the
// page goes away. The playback answer's `resume_position_s` starts the episode there next time.

import { sendKeepalive } from './events.js';

export const SAVE_EVERY_MS = 5_000;

export class ProgressSaver {
  /** @param {import('./api.js').ApiClient} api */
  constructor(api) {
    this.api = api;
    this.saved = new Map(); // episode id -> last position sent (seconds, rounded)
    this.lastSaveAt = 0;
  }

  /** A play begins: no periodic save before it has run SAVE_EVERY_MS (a resume point stays put). */
  started() {
    this.lastSaveAt = Date.now();
  }

  /** While playing: save at most every SAVE_EVERY_MS. */
  tick(episodeId, seconds) {
    if (Date.now() - this.lastSaveAt < SAVE_EVERY_MS) return;
    this.save(episodeId, seconds);
  }

  /** Save now (unless this exact position was the last one sent for the episode). */
  save(episodeId, seconds, { keepalive = false } = {}) {
    if (!episodeId || !Number.isFinite(seconds) || seconds < 0) return null;
    const position = Math.round(seconds * 10) / 10;
    if (this.saved.get(episodeId) === position) return null;
    this.saved.set(episodeId, position);
    this.lastSaveAt = Date.now();
    const path = `/progress/${encodeURIComponent(episodeId)}`;
    const body = { position_s: position };
    const request = keepalive ? sendKeepalive(this.api, 'PUT', path, body) : this.api.request('PUT', path, body);
    return Promise.resolve(request).catch((err) => {
      this.saved.delete(episodeId); // try again at the next save point
      console.warn('progress not saved', err);
    });
  }
}

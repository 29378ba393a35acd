// The viewer API client: anonymous viewer identity, bearer token, problem+json errors.

import { getLocale } from './i18n.js';

const TOKEN_KEY = 'cliffhanger.viewer';

/** An API answer that was not 2xx; carries the problem document's fields (code, extras). */
export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ProblemError';
    this.status = status;
    this.code = problem.code || null;
    this.problem = problem;
  }
}

/** The network itself failed (offline, DNS, aborted); worth a retry with the same request. */
export class NetworkError extends Error {
  constructor(cause) {
    super('network error', { cause });
    this.name = 'NetworkError';
  }
}

/** A random UUID; `crypto.randomUUID` only exists in secure contexts (not on http://LAN-IP). */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function readStore(storage) {
  try {
    return JSON.parse(storage.getItem(TOKEN_KEY)) || null;
  } catch {
    return null; // private mode or a corrupt entry: start a fresh viewer
  }
}

function writeStore(storage, viewer) {
  try {
    if (viewer) storage.setItem(TOKEN_KEY, JSON.stringify(viewer));
    else storage.removeItem(TOKEN_KEY);
  } catch {
    // Storage can be unavailable (private mode, WebView quirks); the viewer then lives in memory.
  }
}

export class ApiClient {
  constructor({ base = '/api/v1', storage = window.localStorage } = {}) {
    this.base = base;
    this.storage = storage;
    this.viewer = readStore(storage);
    this.creating = null;
  }

  /** Create the anonymous viewer once; concurrent callers share the same request. */
  ensureViewer() {
    if (this.viewer?.token) return Promise.resolve(this.viewer);
    if (!this.creating) {
      this.creating = this.createViewer().finally(() => {
        this.creating = null;
      });
    }
    return this.creating;
  }

  createViewer() {
    return this.send('POST', '/viewers', undefined, null).then((viewer) => {
      this.viewer = { viewer_id: viewer.viewer_id, token: viewer.token };
      writeStore(this.storage, this.viewer);
      return this.viewer;
    });
  }

  /** Use another viewer identity from now on (a platform login answered with its token). */
  adoptViewer({ viewer_id, token }) {
    this.viewer = { viewer_id, token };
    writeStore(this.storage, this.viewer);
  }

  /** An authenticated call; a 401 (token expired or revoked) recreates the viewer once. */
  async request(method, path, body) {
    // With a viewer already known the fetch starts in this call, not a microtask later.
    const viewer = this.viewer?.token ? this.viewer : await this.ensureViewer();
    try {
      return await this.send(method, path, body, viewer.token);
    } catch (err) {
      if (!(err instanceof ProblemError) || err.status !== 401) throw err;
      if (this.viewer?.token === viewer.token) {
        this.viewer = null;
        writeStore(this.storage, null);
      }
      const fresh = await this.ensureViewer();
      return this.send(method, path, body, fresh.token);
    }
  }

  async send(method, path, body, token) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
        // Ahead of the module and image downloads queued on the same few connections.
        priority: 'high',
      });
    } catch (err) {
      throw new NetworkError(err);
    }
    const type = response.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await response.json().catch(() => ({})) : {};
    if (!response.ok) throw new ProblemError(response.status, data);
    return data;
  }

  /**
   * `POST /watch`: a deep link's series and the playback of episode `number` (or its 402
   * problem) in one call, which also creates the viewer when this device has none. Calls that
   * need a viewer meanwhile wait for this one instead of creating another.
   * @returns {Promise<{series: object, episode_id: string|null, playback: object|null, locked: object|null}>}
   */
  startWatching(seriesId, number, lang = getLocale()) {
    const path = `/watch?lang=${encodeURIComponent(lang)}`;
    const body = { series_id: seriesId, episode_number: number };
    const ask = async () => {
      const token = this.viewer?.token ?? null;
      try {
        return await this.send('POST', path, body, token);
      } catch (err) {
        if (!(err instanceof ProblemError) || err.status !== 401 || !token) throw err;
        this.viewer = null; // expired or revoked: start over as a new viewer
        writeStore(this.storage, null);
        return this.send('POST', path, body, null);
      }
    };
    const answer = ask().then((data) => {
      if (data.viewer) this.adoptViewer(data.viewer);
      return data;
    });
    if (!this.viewer?.token && !this.creating) {
      // Whoever needs the viewer meanwhile gets the one this call creates (or, should it fail,
      // makes one as usual).
      this.creating = answer
        .then(() => this.viewer ?? this.createViewer(), () => this.createViewer())
        .finally(() => {
          this.creating = null;
        });
    }
    return answer;
  }

  /** Series text comes in the app's language (`?lang=`); see catalog.js for the rest. */
  listSeries() {
    return this.request('GET', `/series?lang=${encodeURIComponent(getLocale())}`);
  }

  getSeries(seriesId) {
    return this.request('GET', `/series/${encodeURIComponent(seriesId)}?lang=${encodeURIComponent(getLocale())}`);
  }

  /** 200 → {manifest_url, expires_at, poster_url}; a locked episode throws ProblemError 402. */
  playback(episodeId) {
    return this.request('POST', `/episodes/${encodeURIComponent(episodeId)}/playback`);
  }

  wallet() {
    return this.request('GET', '/wallet');
  }

  unlockWithCoins(episodeId, idempotencyKey) {
    return this.request('POST', '/unlocks', {
      episode_id: episodeId,
      method: 'coins',
      idempotency_key: idempotencyKey,
    });
  }
}

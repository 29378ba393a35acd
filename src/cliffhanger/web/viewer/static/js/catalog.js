// The viewer catalogue and library API (docs/discovery.md). Every call that returns series text
// carries `?lang=` with the app's current locale, so titles and synopses follow the UI language.

import { getLocale } from './i18n.js';

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const id = (value) => encodeURIComponent(value);

export class Catalog {
  /** @param {import('./api.js').ApiClient} api */
  constructor(api) {
    this.api = api;
  }

  get(path, params = {}) {
    return this.api.request('GET', path + query({ ...params, lang: getLocale() }));
  }

  /** For You: Continue Watching first, then ranked series; `{items, next_cursor}`. */
  feed({ cursor = null, limit = 10 } = {}) {
    return this.get('/feed', { cursor, limit });
  }

  continueWatching() {
    return this.get('/continue-watching');
  }

  /** `by`: popular | trending | new. */
  rankings(by = 'popular', limit = 20) {
    return this.get('/rankings', { by, limit });
  }

  genres() {
    return this.api.request('GET', '/genres');
  }

  genreSeries(slug, { sort = 'score', limit = 30, cursor = null } = {}) {
    return this.get(`/genres/${id(slug)}/series`, { sort, limit, cursor });
  }

  search(q, limit = 30) {
    return this.get('/search', { q, limit });
  }

  newReleases(limit = 20) {
    return this.get('/new', { limit });
  }

  series(seriesId) {
    return this.get(`/series/${id(seriesId)}`);
  }

  myList() {
    return this.get('/my-list');
  }

  addToMyList(seriesId) {
    return this.api.request('PUT', `/my-list/${id(seriesId)}`);
  }

  removeFromMyList(seriesId) {
    return this.api.request('DELETE', `/my-list/${id(seriesId)}`);
  }

  /** Add or remove; answers the new state (true: in My List). */
  async setInMyList(seriesId, wanted) {
    if (wanted) await this.addToMyList(seriesId);
    else await this.removeFromMyList(seriesId);
    return wanted;
  }

  history(limit = 50) {
    return this.get('/history', { limit });
  }

  clearHistory() {
    return this.api.request('DELETE', '/history');
  }

  wallet() {
    return this.api.request('GET', '/wallet');
  }
}

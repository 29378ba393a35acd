// URL <-> view state. The server serves the same shell for every path listed here
// (`web/pages.py`); the app renders the view and moves between them with the History API.

const WATCH = /^\/watch\/([^/]+)\/(\d+)\/?$/;
const SERIES = /^\/series\/([^/]+)\/?$/;
const RANKINGS = ['popular', 'trending', 'new'];

/**
 * {name: 'home'} | {name: 'watch', seriesId, episodeNumber} | {name: 'series', seriesId}
 * | {name: 'discover', rank, genre} | {name: 'search', q} | {name: 'my-list'} | {name: 'settings'}
 * | {name: 'wallet'}
 * | {name: 'not-found'}
 */
export function parseRoute(pathname = window.location.pathname, search = window.location.search) {
  const match = WATCH.exec(pathname);
  if (match) {
    return {
      name: 'watch',
      seriesId: decodeURIComponent(match[1]),
      episodeNumber: Number.parseInt(match[2], 10),
    };
  }
  const series = SERIES.exec(pathname);
  if (series) return { name: 'series', seriesId: decodeURIComponent(series[1]) };
  const query = new URLSearchParams(search);
  switch (pathname.replace(/\/+$/, '') || '/') {
    case '/':
      return { name: 'home' };
    case '/discover': {
      const rank = query.get('rank');
      return {
        name: 'discover',
        rank: RANKINGS.includes(rank) ? rank : 'popular',
        genre: query.get('genre') || null,
      };
    }
    case '/search':
      return { name: 'search', q: query.get('q') || '' };
    case '/my-list':
      return { name: 'my-list' };
    case '/settings':
      return { name: 'settings' };
    case '/wallet':
      return { name: 'wallet' };
    default:
      return { name: 'not-found' };
  }
}

export function watchPath(seriesId, episodeNumber) {
  return `/watch/${encodeURIComponent(seriesId)}/${episodeNumber}`;
}

export function seriesPath(seriesId) {
  return `/series/${encodeURIComponent(seriesId)}`;
}

export function searchPath(q = '') {
  return q ? `/search?q=${encodeURIComponent(q)}` : '/search';
}

export function discoverPath({ rank = null, genre = null } = {}) {
  const query = new URLSearchParams();
  if (genre) query.set('genre', genre);
  if (rank && rank !== 'popular') query.set('rank', rank);
  const text = query.toString();
  return text ? `/discover?${text}` : '/discover';
}

/** Keep the address bar on what is on screen without adding history entries per swipe. */
export function replaceWatchRoute(seriesId, episodeNumber) {
  const path = watchPath(seriesId, episodeNumber);
  if (window.location.pathname !== path) {
    // Keep the router's own fields (position in the app's history) on the entry.
    const state = { ...(window.history.state || {}), seriesId, episodeNumber };
    window.history.replaceState(state, '', path + window.location.search);
  }
}

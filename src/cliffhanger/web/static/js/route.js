// URL <-> view state. The server serves the same shell for every path listed here.

const WATCH = /^\/watch\/([^/]+)\/(\d+)\/?$/;

/** {name: 'home'} or {name: 'watch', seriesId, episodeNumber}. */
export function parseRoute(pathname = window.location.pathname) {
  const match = WATCH.exec(pathname);
  if (match) {
    return {
      name: 'watch',
      seriesId: decodeURIComponent(match[1]),
      episodeNumber: Number.parseInt(match[2], 10),
    };
  }
  return { name: 'home' };
}

export function watchPath(seriesId, episodeNumber) {
  return `/watch/${encodeURIComponent(seriesId)}/${episodeNumber}`;
}

/** Keep the address bar on what is on screen without adding history entries per swipe. */
export function replaceWatchRoute(seriesId, episodeNumber) {
  const path = watchPath(seriesId, episodeNumber);
  if (window.location.pathname !== path) {
    window.history.replaceState({ seriesId, episodeNumber }, '', path + window.location.search);
  }
}

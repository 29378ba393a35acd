// Boot, the first moments. The shell runs this module `async`, as soon as its few imports are
// in, while the browser is still fetching the rest of the app (main.js and ~40 modules): the
// language catalogs, the anonymous viewer and, on a deep link into the player, the series and
// the opening episode's playback are asked for now instead of after every module has loaded.
// main.js, the watch view and the feed take these answers (prefetch.js); nothing here renders.

import { ApiClient } from './api.js';
import { detectLocale, loadLocale } from './i18n.js';
import { detectPlatform } from './platform/detect.js';
import './player.js'; // on a deep link into the player: starts fetching and compiling hls.js
import { playbackKey, putPrefetch, seriesKey } from './prefetch.js';
import { parseRoute } from './route.js';

performance.mark('cliffhanger:boot');

export const api = new ApiClient({ base: document.documentElement.dataset.apiBase || '/api/v1' });

const web = detectPlatform() === 'web';
// Stored choice or browser language (i18n.js). On TikTok the host's language counts too, which
// the TikTok adapter reports once it has loaded: main.js loads the language then.
const locale = web ? detectLocale() : null;

/** Resolves once the UI language and its catalogs are in. */
export const localeReady = web ? loadLocale(locale) : null;

// On TikTok the login (platform.start, in main.js) decides who the viewer is: nothing is asked
// before it. In a browser the viewer is anonymous and can be created at once.
// Back from a hosted checkout (`?order_id=`), the order settles first (checkout.js): what the
// episode costs may be about to change, so nothing about it is asked early.
const returning = new URLSearchParams(window.location.search).has('order_id');
if (web) {
  const route = parseRoute();
  if (route.name === 'watch' && !returning) prefetchWatch(route.seriesId, route.episodeNumber);
  else api.ensureViewer().catch(() => {});
}

/** Series, then the playback of the episode the link names: the chain before the first frame. */
function prefetchWatch(seriesId, episodeNumber) {
  const series = putPrefetch(seriesKey(seriesId, locale), api.getSeries(seriesId, locale));
  series
    .then((found) => {
      const episode = found.episodes.find((e) => e.number === episodeNumber) ?? found.episodes[0];
      if (!episode) return;
      const path = `/episodes/${encodeURIComponent(episode.id)}/playback?lang=${encodeURIComponent(locale)}`;
      putPrefetch(playbackKey(episode.id, locale), api.request('POST', path));
    })
    .catch(() => {}); // the watch view asks again and shows the error
}

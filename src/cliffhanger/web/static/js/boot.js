// Boot, the first moments. The shell runs this module `async`, as soon as its few imports are
// in, while the browser is still fetching the rest of the app (main.js and ~40 modules): the
// language catalogs, the anonymous viewer and, on a deep link into the player, the series and
// the opening episode's playback are asked for now instead of after every module has loaded.
// main.js, the watch view and the feed take these answers (prefetch.js); nothing here renders.

import { ApiClient, ProblemError } from './api.js';
import { detectLocale, loadLocale } from './i18n.js';
import { detectPlatform } from './platform/detect.js';
import { hasPrefetch, playbackKey, playerKey, putPrefetch, seriesKey, takePrefetch } from './prefetch.js';
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

/**
 * The series and the playback of the episode the link names, in one call (`POST /watch`, which
 * also creates the viewer if needed): the chain before the first frame.
 */
function prefetchWatch(seriesId, episodeNumber) {
  const start = api.startWatching(seriesId, episodeNumber, locale);
  putPrefetch(seriesKey(seriesId, locale), start.then((answer) => answer.series));
  start
    .then((answer) => {
      if (!answer.episode_id) return;
      const playback = answer.locked
        ? Promise.reject(new ProblemError(402, answer.locked))
        : Promise.resolve(answer.playback);
      putPrefetch(playbackKey(answer.episode_id, locale), playback);
      if (answer.playback) startPlayer(answer);
    })
    .catch(() => {}); // the watch view asks again and shows the error
}

/**
 * The first episode's player, made now and loading detached (playlists from the answer, then the
 * first fragment), as the feed preloads a next episode: by the time the app has loaded and the
 * watch view asks for it (`feed.takeEarlyPlayer`), it can attach and show a frame at once. Not
 * taken within 20 s (the viewer went elsewhere), it is destroyed.
 */
function startPlayer(answer) {
  const key = playerKey(answer.episode_id);
  const made = import('./player.js').then(({ Player, resumePoint }) => {
    const { playback } = answer;
    const episode = answer.series.episodes.find((e) => e.id === answer.episode_id);
    const player = new Player({ poster: playback.poster_url || episode?.poster_url || '', muted: true });
    player.startAt = resumePoint(playback.resume_position_s, episode?.duration_s);
    player.setPreloading(true);
    player.load(playback.manifest_url, { startAt: player.startAt, attach: false, playlists: playback.playlists });
    return { player, manifestUrl: playback.manifest_url };
  });
  putPrefetch(key, made);
  setTimeout(() => {
    if (!hasPrefetch(key)) return;
    takePrefetch(key);
    made.then(({ player }) => player.destroy(), () => {});
  }, 20_000);
}

// The rest of the app, queued behind the requests above: every module of this page's first
// screen at once (the shell lists them), then main.js, which renders it. On a deep link into
// the player, player.js starts on hls.js meanwhile.
for (const href of document.querySelector('meta[name="cliffhanger-modules"]')?.content.split(/\s+/) ?? []) {
  if (!href) continue;
  const link = document.createElement('link');
  link.rel = 'modulepreload';
  link.href = href;
  document.head.append(link);
}
import('./player.js');
import('./main.js').catch((err) => console.error('the app did not load', err));

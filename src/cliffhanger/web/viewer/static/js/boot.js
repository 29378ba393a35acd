// Boot, the first moments. The shell runs this module `async`, as soon as its few imports are
// in: the language catalogs, the anonymous viewer and, on a deep link into the player, the
// series and the opening episode's playback are asked for at once. main.js, the watch view and
// the feed take these answers (prefetch.js).
//
// On a deep link into the player the episode comes first: boot.js plays it on a stage of its own
// (below) and loads the rest of the app (main.js and ~35 modules) only once its first frame is
// out, so that compiling and rendering the app does not compete with the first fragment for the
// main thread. Everywhere else the app loads at once.

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

// The app waits for this gate: open at once, or on a deep link once the first frame is out.
// However the early player fares, the app loads within GATE_TIMEOUT_MS of the playback answer.
const GATE_TIMEOUT_MS = 1500;
let openGate;
const appGate = new Promise((resolve) => {
  openGate = resolve;
});

/** A deep link's early player and its stage (startPlayer), or null once adopted or dropped. */
let early = null;

// On TikTok the login (platform.start, in main.js) decides who the viewer is: nothing is asked
// before it. In a browser the viewer is anonymous and can be created at once.
// Back from a hosted checkout (`?order_id=`), the order settles first (checkout.js): what the
// episode costs may be about to change, so nothing about it is asked early.
const returning = new URLSearchParams(window.location.search).has('order_id');
const route = web ? parseRoute() : null;
if (route?.name === 'watch' && !returning) {
  prefetchWatch(route.seriesId, route.episodeNumber);
} else {
  if (web) api.ensureViewer().catch(() => {});
  openGate();
}

/** Resolves once the UI language and its catalogs are in (asked for after a deep link's call). */
export const localeReady = web ? loadLocale(locale) : null;

/**
 * The series and the playback of the episode the link names, in one call (`POST /watch`, which
 * also creates the viewer if needed): the chain before the first frame. Meanwhile the player is
 * made and its MediaSource opened, so only the source is missing when the answer comes.
 */
function prefetchWatch(seriesId, episodeNumber) {
  const start = api.startWatching(seriesId, episodeNumber, locale);
  const player = import('./player.js').then((module) => {
    const made = new module.Player({ muted: true });
    // Transmuxing on the main thread: nothing else runs on it until the first frame.
    made.prepare({ worker: false });
    return { made, module };
  });
  putPrefetch(seriesKey(seriesId, locale), start.then((answer) => answer.series));
  start
    .then((answer) => {
      if (!answer.episode_id) return;
      const playback = answer.locked
        ? Promise.reject(new ProblemError(402, answer.locked))
        : Promise.resolve(answer.playback);
      putPrefetch(playbackKey(answer.episode_id, locale), playback);
      if (answer.playback) startPlayer(answer, player);
    })
    .catch(() => {}) // the watch view asks again and shows the error
    .finally(() => {
      if (early) return;
      openGate();
      player.then(({ made }) => made.destroy(), () => {});
    });
}

/**
 * The first episode, on screen before the app: as soon as `/watch` answers, a stage the size
 * and place of the feed's slide shows the poster, and the episode plays in it, muted. Once its
 * first frame is out the app loads; the feed adopts the player (`feed.takeEarlyPlayer`) by
 * moving its <video> into the slide in one task, so playback goes on, and the stage goes. Not
 * adopted within 20 s, or the app shows something else first (`dropEarlyPlayer`), the player is
 * destroyed and the stage removed. The stage takes no input and is hidden from assistive
 * technology: the app that covers it a moment later has the controls and their labels.
 */
function startPlayer(answer, pending) {
  const key = playerKey(answer.episode_id);
  const { playback } = answer;
  const episode = answer.series.episodes.find((e) => e.id === answer.episode_id);
  const poster = playback.poster_url || episode?.poster_url || answer.series.poster_url || '';
  const stage = earlyStage(poster);
  const made = pending.then(({ made: player, module }) => {
    if (early?.key !== key) {
      player.destroy(); // the app went elsewhere meanwhile
      throw new Error('the early player is no longer wanted');
    }
    const { video } = player;
    player.startAt = module.resumePoint(playback.resume_position_s, episode?.duration_s);
    player.setPreloading(true);
    // The source first: the playlists are parsed and the first fragment asked for while the rest
    // of this is set up.
    player.load(playback.manifest_url, { startAt: player.startAt, playlists: playback.playlists, worker: false });
    if (poster) video.poster = poster;
    video.setAttribute('aria-hidden', 'true');
    player.earlyStartAt = player.startAt; // where its play begins (feed.earlyStart)
    video.addEventListener('playing', () => { player.playingEarly = true; }, { once: true });
    if (typeof video.requestVideoFrameCallback === 'function') {
      video.requestVideoFrameCallback((now, metadata) => {
        performance.mark('cliffhanger:early-frame', { startTime: metadata?.presentationTime ?? now });
        openGate();
      });
    } else {
      video.addEventListener('playing', () => openGate(), { once: true });
    }
    // Failed before the feed has it: the feed makes a player of its own (takeEarlyPlayer).
    player.onFatal = () => {
      player.destroy();
      openGate();
    };
    stage.firstChild.append(video);
    player.play();
    return {
      player,
      manifestUrl: playback.manifest_url,
      /** The feed has moved the <video> into its slide (or let it go): the stage goes. */
      adopted() {
        if (early?.key === key) early = null;
        stage.remove();
      },
    };
  });
  early = { key, stage, made };
  putPrefetch(key, made);
  made.catch(() => {
    openGate();
    if (early?.key !== key) return;
    early = null;
    stage.remove();
  });
  setTimeout(() => openGate(), GATE_TIMEOUT_MS);
  setTimeout(() => {
    if (early?.key === key) dropEarlyPlayer();
  }, 20_000);
}

/** The early player's stage: fixed over the (still loading) app, laid out as a feed slide. */
function earlyStage(poster) {
  const stage = document.createElement('div');
  stage.className = 'early-stage';
  stage.setAttribute('aria-hidden', 'true');
  const frame = document.createElement('div');
  frame.className = 'slide__stage';
  if (poster) {
    const image = document.createElement('img');
    image.className = 'slide__poster';
    image.alt = '';
    image.fetchPriority = 'high';
    image.src = poster;
    frame.append(image);
  }
  stage.append(frame);
  whenParsed(() => document.body.append(stage));
  return stage;
}

/**
 * Destroy the early player unless the feed has taken it, and remove its stage: the app is
 * showing something else (main.js: another route first, or the watch view failed).
 */
export function dropEarlyPlayer() {
  if (!early) return;
  const { key, stage, made } = early;
  early = null;
  stage.remove();
  if (!hasPrefetch(key)) return;
  takePrefetch(key);
  made.then(({ player }) => player.destroy(), () => {});
}

/** Run `fn` once the document is parsed (an async module may run before <body> is). */
function whenParsed(fn) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn, { once: true });
  else fn();
}

// The rest of the app, once the gate opens: every module of this page's first screen at once
// (the shell lists them, computed from the static imports by web/pages.py), then main.js,
// which renders it.
appGate
  .then(() => new Promise((resolve) => whenParsed(resolve)))
  .then(() => {
    const modules = document.querySelector('meta[name="cliffhanger-modules"]')?.content ?? '';
    for (const href of modules.split(/\s+/)) {
      if (!href) continue;
      const link = document.createElement('link');
      link.rel = 'modulepreload';
      link.href = href;
      document.head.append(link);
    }
    return import('./main.js');
  })
  .catch((err) => console.error('the app did not load', err));

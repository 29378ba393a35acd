// The player adapter: everything else talks to `Player`, never to <video> sources or hls.js.
// Inside TikTok a platform player may replace it later; it only has to keep this surface:
//   player.video (an HTMLMediaElement for events), load(url, {startAt, attach}), attach(),
//   play(), pause(), setPreloading(bool), setRate(rate), setSubtitles(tracks),
//   selectSubtitles(lang|null), onCues, destroy().

const HLS_MIME = 'application/vnd.apple.mpegurl';
const HLS_MODULE = new URL('../vendor/hls/hls.light.min.mjs', import.meta.url).href;
const HLS_WORKER = new URL('../vendor/hls/hls.worker.js', import.meta.url).href;

// Buffer targets in seconds: a preloaded episode only needs its first seconds ready.
const PRELOAD_BUFFER_S = 6;
const ACTIVE_BUFFER_S = 30;

const TRACE = new URLSearchParams(window.location.search).has('trace');
let hlsModule = null;
function loadHlsJs() {
  hlsModule ??= import(HLS_MODULE).then((m) => m.default);
  return hlsModule;
}

let workerWarmed = false;

/**
 * Fetch and compile hls.js and, unless `worker: false`, put its transmuxer worker in the HTTP
 * cache, ahead of the first playback (both are on the cold-start path otherwise: 374 KB to
 * parse, then the worker script).
 */
export function warmUpEngine({ worker = true } = {}) {
  if (playbackEngine() !== 'hlsjs') return;
  const loading = loadHlsJs();
  if (!worker || workerWarmed) return;
  workerWarmed = true;
  // The worker script only once hls.js is in: it is needed at the first fragment, after that.
  loading.then(() => fetch(HLS_WORKER, { credentials: 'same-origin' })).catch(() => {});
}

function absoluteUrl(url) {
  try {
    return new URL(url, window.location.href).href;
  } catch {
    return url;
  }
}

/**
 * An hls.js playlist loader that answers from `known` (a Map of absolute URL → text, filled
 * from the playback API's `playlists`, possibly after the loader is made) and hands any other
 * URL to hls.js's own loader. The answer comes a microtask later, as from the network, with
 * load stats that say it took no time.
 */
export function inlinePlaylistLoader(BaseLoader, known) {
  return class InlinePlaylistLoader extends BaseLoader {
    load(context, config, callbacks) {
      const text = known.get(absoluteUrl(context.url));
      if (text === undefined) {
        super.load(context, config, callbacks);
        return;
      }
      this.context = context;
      this.inlineAborted = false;
      const { stats } = this;
      const now = performance.now();
      stats.loading.start = stats.loading.first = stats.loading.end = now;
      stats.loaded = stats.total = text.length;
      Promise.resolve().then(() => {
        if (this.inlineAborted) return;
        callbacks.onSuccess({ url: context.url, data: text }, stats, context, null);
      });
    }

    abort() {
      this.inlineAborted = true;
      super.abort();
    }

    destroy() {
      this.inlineAborted = true;
      super.destroy();
    }
  };
}

// The bandwidth hls.js last measured, shared by every player of the page and kept on this
// device for a day: the next player (a preload, the next visit) starts at the rendition it
// affords instead of at the lowest one.
const BANDWIDTH_KEY = 'cliffhanger.bandwidth';
const BANDWIDTH_TTL_MS = 24 * 3600 * 1000;
const DEFAULT_BANDWIDTH = 500_000; // hls.js's own default estimate (bits/s)
let bandwidth = null;
let bandwidthSaved = 0;

function knownBandwidth() {
  if (bandwidth) return bandwidth;
  try {
    const saved = JSON.parse(window.localStorage.getItem(BANDWIDTH_KEY));
    if (Number.isFinite(saved?.bps) && saved.bps > 0 && Date.now() - saved.at < BANDWIDTH_TTL_MS) {
      bandwidth = saved.bps;
    }
  } catch {
    // no storage (private mode, some WebViews): this page's measurements only
  }
  return bandwidth;
}

function noteBandwidth(bps) {
  if (!Number.isFinite(bps) || bps <= 0) return;
  bandwidth = bps;
  if (Date.now() - bandwidthSaved < 10_000) return;
  bandwidthSaved = Date.now();
  try {
    window.localStorage.setItem(BANDWIDTH_KEY, JSON.stringify({ bps: Math.round(bps), at: Date.now() }));
  } catch {
    // not kept across visits
  }
}

function mseAvailable() {
  return 'MediaSource' in window || 'ManagedMediaSource' in window;
}

/**
 * 'native' or 'hlsjs'. Apple's WebKit (Safari, every iOS browser) and browsers without Media
 * Source Extensions play HLS natively; everywhere else hls.js drives MSE. Chromium (since 2025)
 * also answers canPlayType(HLS) with "maybe", but its native pipeline gives us no control over
 * buffering for preloads, bitrate caps or recovery, so hls.js stays in charge there.
 * `?player=native|hlsjs` forces an engine (debugging, e2e tests).
 */
export function playbackEngine() {
  const forced = new URLSearchParams(window.location.search).get('player');
  if (forced === 'native' || forced === 'hlsjs') return forced;
  engine ??= detectEngine(); // canPlayType costs ~10 ms the first time in Chromium
  return engine;
}

let engine = null;

function detectEngine() {
  const native = document.createElement('video').canPlayType(HLS_MIME) !== '';
  const appleWebKit = navigator.vendor === 'Apple Computer, Inc.';
  if (native && (appleWebKit || !mseAvailable())) return 'native';
  return mseAvailable() ? 'hlsjs' : 'native';
}

/**
 * How the next episode is preloaded. 'detached' (default): its own hls.js instance with no media
 * element, which fetches the playlists and the first fragment (`startFragPrefetch`) and is
 * attached to the next slide's <video> on the swipe — no decoder held for an episode the viewer
 * may never see. 'attached': that instance runs on the next slide's <video> (off screen) and
 * buffers its first seconds. Measured in headless Chromium (bench/player.py), attached is the
 * slower of the two on the swipe: Chromium does not submit frames of an off-screen video, so
 * the first frame waits for the slide to be seen (~100 ms more), while attaching MediaSource to
 * a prefetched fragment takes ~50 ms. `?preload=attached|detached` forces one.
 */
export function preloadMode() {
  const forced = new URLSearchParams(window.location.search).get('preload');
  return forced === 'attached' ? 'attached' : 'detached';
}

// A deep link into the player: start on the engine while boot.js asks the API. Its first
// player transmuxes without the worker (boot.js); the worker script is fetched when the feed
// starts, after that episode's first frame.
if (/^\/watch\//.test(window.location.pathname)) warmUpEngine({ worker: false });

/** Where to start an episode from the saved position: not in its last seconds (start over). */
export function resumePoint(position, duration) {
  if (!Number.isFinite(position) || position < 1) return 0;
  if (Number.isFinite(duration) && duration > 0 && position >= duration - 3) return 0;
  return position;
}

/** Playback rates offered to the viewer. */
export const RATES = [1, 1.25, 1.5, 2];

/**
 * @typedef {{lang: string, label: string, url: string|null, default?: boolean}} SubtitleTrack
 */

export class Player {
  /** @param {{poster?: string, muted?: boolean, rate?: number}} options */
  constructor({ poster = '', muted = true, rate = 1 } = {}) {
    const video = document.createElement('video');
    video.className = 'player';
    video.playsInline = true;
    video.setAttribute('playsinline', '');
    video.setAttribute('webkit-playsinline', '');
    video.preload = 'auto';
    video.muted = muted;
    video.defaultMuted = muted;
    video.disableRemotePlayback = true;
    if (poster) video.poster = poster;
    this.video = video;
    this.engine = playbackEngine();
    this.hls = null;
    this.attached = false;
    this.attachWanted = false;
    this.preparation = null;        // prepare(): hls.js attached before the source is known
    this.sourceSet = false;
    this.playlistTexts = new Map(); // absolute URL -> playlist text (inlinePlaylistLoader)
    this.preloading = false;
    this.destroyed = false;
    this.onFatal = null;
    /** Called once the first media fragment is in (a preload is ready for an instant start). */
    this.onPrefetched = null;
    this.prefetched = false;
    /** Called with the active cues (TextTrackCue[]) of the selected subtitle track. */
    this.onCues = null;
    this.subtitles = []; // [{lang, label, element: HTMLTrackElement}]
    this.subtitleLang = null;
    this.setRate(rate);
    this.onCueChange = (event) => this.emitCues(event.target);
    // Subtitle renditions a native HLS engine finds in the playlist are not ours: our <track>
    // elements carry the same WebVTT and we render the cues ourselves (legible over 9:16).
    video.textTracks.addEventListener?.('addtrack', (event) => {
      if (!this.subtitles.some((s) => s.element.track === event.track)) event.track.mode = 'disabled';
    });
  }

  /**
   * hls.js only: make this player's hls.js instance and attach it to the <video> before the
   * source is known, so MediaSource opens while the playback answer is still on its way (a deep
   * link's first episode, boot.js). `load()` then gives it the source. `worker: false`
   * transmuxes on the main thread: no worker to start and load before the first fragment can be
   * parsed, for a player that starts while the main thread has nothing else to do.
   */
  prepare({ worker = true } = {}) {
    if (this.engine !== 'hlsjs') return Promise.resolve();
    this.preparation ??= loadHlsJs().then((Hls) => {
      if (this.destroyed || this.hls) return;
      this.createHls(Hls, { startAt: 0, worker });
      this.attach();
    });
    return this.preparation;
  }

  /**
   * Load an HLS master playlist from `startAt` seconds. Resolves once the source is set, not when
   * buffered. `attach: false` (hls.js only) prefetches without a media element; call attach().
   * `playlists` ({url: text}) are answered from memory instead of fetched.
   */
  async load(manifestUrl, { startAt = 0, attach = true, playlists = null, worker = true } = {}) {
    if (this.engine === 'native') {
      this.video.src = startAt > 0 ? `${manifestUrl}#t=${startAt}` : manifestUrl;
      this.attached = true;
      this.video.addEventListener('loadeddata', () => {
        this.prefetched = true;
        this.onPrefetched?.();
      }, { once: true });
      return;
    }
    const Hls = await loadHlsJs();
    await this.preparation;
    if (this.destroyed) return;
    const prepared = this.hls && !this.sourceSet ? this.hls : null;
    const hls = prepared ?? this.createHls(Hls, { startAt, worker });
    if (prepared) {
      hls.config.startPosition = startAt > 0 ? startAt : -1;
      hls.config.maxBufferLength = this.bufferGoal();
    }
    for (const [url, text] of Object.entries(playlists ?? {})) this.playlistTexts.set(absoluteUrl(url), text);
    this.sourceSet = true;
    hls.loadSource(manifestUrl);
    if (attach || this.attachWanted) this.attach();
  }

  /** A new hls.js instance for this player (the previous one, if any, is destroyed). */
  createHls(Hls, { startAt, worker }) {
    this.playlistTexts = new Map();
    const hls = new Hls({
      workerPath: HLS_WORKER,
      enableWorker: worker,
      capLevelToPlayerSize: true,
      startPosition: startAt > 0 ? startAt : -1,
      // The first fragment comes from the rendition the last bandwidth measured on this device
      // affords; with none yet (a first visit), hls.js's default estimate (500 kbps) picks the
      // lowest, whose first fragment loads and decodes fastest. No separate bandwidth probe.
      startLevel: -1,
      testBandwidth: false,
      abrEwmaDefaultEstimate: knownBandwidth() ?? DEFAULT_BANDWIDTH,
      // Ask for the first fragment as soon as the playlist is in, even before a media element is
      // attached (detached preloads) or its MediaSource is open (cold start).
      startFragPrefetch: true,
      maxBufferLength: this.bufferGoal(),
      backBufferLength: 30,
      // Subtitles come as <track> elements (see setSubtitles); hls.js must not add its own.
      subtitleStreamController: undefined,
      subtitleTrackController: undefined,
      enableWebVTT: false,
      // Playlists that came with the playback answer are not fetched again.
      pLoader: inlinePlaylistLoader(Hls.DefaultConfig.loader, this.playlistTexts),
    });
    this.hls?.destroy();
    this.hls = hls;
    this.attached = false;
    this.sourceSet = false;
    let recoveredMedia = false;
    let retriedNetwork = false;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recoveredMedia) {
        recoveredMedia = true;
        hls.recoverMediaError();
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR && !retriedNetwork) {
        retriedNetwork = true;
        hls.startLoad();
      } else {
        this.onFatal?.(data);
      }
    });
    if (TRACE) {
      for (const name of ['MANIFEST_LOADING', 'MANIFEST_LOADED', 'LEVEL_LOADED', 'FRAG_LOADING', 'FRAG_LOADED', 'FRAG_PARSED', 'BUFFER_APPENDED', 'FRAG_BUFFERED', 'MEDIA_ATTACHED']) {
        hls.once(Hls.Events[name], () => performance.mark(`hls:${name}`));
      }
      for (const name of ['loadedmetadata', 'loadeddata', 'canplay', 'playing']) {
        this.video.addEventListener(name, () => performance.mark(`video:${name}`), { once: true });
      }
    }
    hls.once(Hls.Events.FRAG_LOADED, () => {
      this.prefetched = true;
      this.onPrefetched?.();
    });
    hls.on(Hls.Events.FRAG_BUFFERED, () => noteBandwidth(hls.bandwidthEstimate));
    return hls;
  }

  /** Attach a detached (prefetching) hls.js instance to this player's <video>. */
  attach() {
    if (!this.hls && this.engine === 'hlsjs') this.attachWanted = true; // load() still under way
    if (this.attached || this.destroyed || !this.hls) return;
    this.attached = true;
    this.hls.attachMedia(this.video);
  }

  /** Start playback. Resolves true when playing; falls back to muted if sound is refused. */
  async play() {
    this.attach();
    try {
      await this.video.play();
      return true;
    } catch (err) {
      if (err?.name !== 'NotAllowedError' || this.video.muted) return false;
    }
    // Browsers only autoplay muted media before the viewer has interacted with the page.
    this.video.muted = true;
    try {
      await this.video.play();
      return true;
    } catch {
      return false;
    }
  }

  pause() {
    this.video.pause();
  }

  /** Playback speed; `defaultPlaybackRate` keeps it across source changes and recoveries. */
  setRate(rate) {
    this.video.defaultPlaybackRate = rate;
    this.video.playbackRate = rate;
  }

  /** Seek within the loaded media, clamped to [0, duration]. */
  seek(seconds) {
    const { video } = this;
    const duration = Number.isFinite(video.duration) ? video.duration : Infinity;
    video.currentTime = Math.max(0, Math.min(seconds, Math.max(0, duration - 0.05)));
  }

  /** Add one <track> per subtitle language that has a URL (WebVTT, same origin). */
  setSubtitles(tracks) {
    for (const s of this.subtitles) s.element.remove();
    this.subtitles = [];
    for (const track of tracks ?? []) {
      if (!track.url) continue;
      const element = document.createElement('track');
      element.kind = 'subtitles';
      element.srclang = track.lang;
      element.label = track.label || track.lang;
      element.src = track.url;
      this.video.append(element);
      element.track.mode = 'disabled';
      this.subtitles.push({ lang: track.lang, label: element.label, element });
    }
    if (this.subtitleLang) this.selectSubtitles(this.subtitleLang);
  }

  /**
   * Show subtitles in `lang` (null: off). The chosen track is `hidden`, not `showing`: the
   * browser loads it and fires cuechange, and the feed draws the cues in its own caption box.
   */
  selectSubtitles(lang) {
    this.subtitleLang = lang;
    let chosen = null;
    for (const s of this.subtitles) {
      const track = s.element.track;
      track.removeEventListener('cuechange', this.onCueChange);
      if (s.lang === lang) {
        chosen = track;
        track.mode = 'hidden';
        track.addEventListener('cuechange', this.onCueChange);
      } else {
        track.mode = 'disabled';
      }
    }
    if (chosen) this.emitCues(chosen);
    else this.onCues?.([]);
  }

  emitCues(track) {
    if (this.destroyed || track.mode === 'disabled') return;
    this.onCues?.(Array.from(track.activeCues ?? []));
  }

  /** A preloaded player buffers only the first seconds; the active one buffers ahead freely. */
  setPreloading(preloading) {
    this.preloading = preloading;
    if (this.hls) this.hls.config.maxBufferLength = this.bufferGoal();
  }

  /** Seconds of media hls.js keeps loaded ahead of the playhead. */
  bufferGoal() {
    return this.preloading ? PRELOAD_BUFFER_S : ACTIVE_BUFFER_S;
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.onCues = null;
    this.onPrefetched = null;
    this.video.pause();
    this.hls?.destroy();
    this.hls = null;
    for (const s of this.subtitles) s.element.track.removeEventListener('cuechange', this.onCueChange);
    // Release the decoder and network now instead of when GC gets around to it.
    this.video.removeAttribute('src');
    this.video.load();
    this.video.remove();
  }
}

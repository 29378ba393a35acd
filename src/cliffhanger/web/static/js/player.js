// The player adapter: everything else talks to `Player`, never to <video> sources or hls.js.
// Inside TikTok a platform player may replace it later; it only has to keep this surface:
//   player.video (an HTMLMediaElement for events), load(url), play(), pause(),
//   setPreloading(bool), destroy().

const HLS_MIME = 'application/vnd.apple.mpegurl';
const HLS_MODULE = new URL('../vendor/hls/hls.min.mjs', import.meta.url).href;
const HLS_WORKER = new URL('../vendor/hls/hls.worker.js', import.meta.url).href;

// Buffer targets in seconds: a preloaded episode only needs its first seconds ready.
const PRELOAD_BUFFER_S = 6;
const ACTIVE_BUFFER_S = 30;

let hlsModule = null;
function loadHlsJs() {
  hlsModule ??= import(HLS_MODULE).then((m) => m.default);
  return hlsModule;
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
  const native = document.createElement('video').canPlayType(HLS_MIME) !== '';
  const appleWebKit = navigator.vendor === 'Apple Computer, Inc.';
  if (native && (appleWebKit || !mseAvailable())) return 'native';
  return mseAvailable() ? 'hlsjs' : 'native';
}

export class Player {
  /** @param {{poster?: string, muted?: boolean, label?: string}} options */
  constructor({ poster = '', muted = true, label = '' } = {}) {
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
    if (label) video.setAttribute('aria-label', label);
    this.video = video;
    this.engine = playbackEngine();
    this.hls = null;
    this.preloading = false;
    this.destroyed = false;
    this.onFatal = null;
  }

  /** Attach an HLS master playlist. Resolves once the source is attached, not when buffered. */
  async load(manifestUrl, { startAt = 0 } = {}) {
    if (this.engine === 'native') {
      this.video.src = startAt > 0 ? `${manifestUrl}#t=${startAt}` : manifestUrl;
      return;
    }
    const Hls = await loadHlsJs();
    if (this.destroyed) return;
    const hls = new Hls({
      workerPath: HLS_WORKER,
      capLevelToPlayerSize: true,
      startPosition: startAt,
      maxBufferLength: this.preloading ? PRELOAD_BUFFER_S : ACTIVE_BUFFER_S,
      backBufferLength: 30,
    });
    this.hls?.destroy();
    this.hls = hls;
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
    hls.loadSource(manifestUrl);
    hls.attachMedia(this.video);
  }

  /** Start playback. Resolves true when playing; falls back to muted if sound is refused. */
  async play() {
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

  /** A preloaded player buffers only the first seconds; the active one buffers ahead freely. */
  setPreloading(preloading) {
    this.preloading = preloading;
    if (this.hls) this.hls.config.maxBufferLength = preloading ? PRELOAD_BUFFER_S : ACTIVE_BUFFER_S;
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.video.pause();
    this.hls?.destroy();
    this.hls = null;
    // Release the decoder and network now instead of when GC gets around to it.
    this.video.removeAttribute('src');
    this.video.load();
    this.video.remove();
  }
}

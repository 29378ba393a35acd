// The vertical episode feed: one slide per episode, the active one playing, the next one
// preloaded. Owns the player pool and what happens around playback: subtitles, product cards,
// resume points, watch events and the platform's play report. Knows nothing of sheets, wallets
// or URLs (callbacks do). It is an EventTarget: the HUD's controls listen to it (see link.js).
//
// Events: 'activechange' {episode, index}, 'time' {currentTime, duration}, 'rate' {rate},
// 'captions' {tracks, lang}, 'menu' {kind: 'speed'|'captions'}.

import { ProblemError } from './api.js';
import { h, icon, replaceChildren } from './dom.js';
import { watchEvents } from './events.js';
import { attachFeedGestures } from './gestures.js';
import * as i18n from './i18n.js';
import { connect } from './link.js';
import { platform } from './platform/index.js';
import { Player, RATES, preloadMode, resumePoint, warmUpEngine } from './player.js';
import { playbackKey, playerKey, takePrefetch } from './prefetch.js';
import { chooseSubtitle, saveCaptions, savedCaptions, savedRate, saveRate } from './prefs.js';
import { ProgressSaver } from './progress.js';
import { coins, t } from './strings.js';

const MAX_PLAYERS = 3;           // active + next (preloaded) + the one just left
const IMAGE_WINDOW = 2;          // slides either side whose posters are fetched
const TOKEN_MARGIN_MS = 20_000;  // re-ask for playback this long before a token expires
const RUBBER_BAND = 0.3;         // drag resistance past the first/last episode
const SEEK_STEP_S = 5;           // ←/→ and the focused scrubber
const QUARTILES = [25, 50, 75];  // 100 is sent on `ended`

/**
 * @typedef {{id: string, number: number, title: string, free: boolean, price_coins: number,
 *            unlocked: boolean, poster_url?: string, duration_s?: number,
 *            products?: {id: string, title: string, image_url: string|null, price_text: string,
 *                        start_s: number, end_s: number, click_url: string}[]}} Episode
 * @typedef {{
 *   onActiveChange?: (episode: Episode, index: number) => void,
 *   onLocked?: (episode: Episode, problem: object|null) => void,
 *   onUnlockRequest?: (episode: Episode) => void,
 *   onEnded?: (episode: Episode, index: number) => void,
 *   onTime?: (video: HTMLVideoElement) => void,
 *   onPlayState?: (state: {paused: boolean, muted: boolean, locked: boolean}) => void,
 *   onBoundary?: (edge: 'first'|'last') => void,
 *   onError?: (episode: Episode, error: unknown) => void,
 *   isBlocked?: () => boolean,
 * }} FeedCallbacks
 */

export class EpisodeFeed extends EventTarget {
  /**
   * @param {HTMLElement} root
   * @param {{api: import('./api.js').ApiClient, series: {id: string, title: string, episodes: Episode[]},
   *          callbacks: FeedCallbacks}} options
   */
  constructor(root, { api, series, callbacks }) {
    super();
    warmUpEngine();
    this.api = api;
    this.series = series;
    this.episodes = series.episodes;
    this.cb = callbacks;
    this.index = -1;
    this.generation = 0;
    this.muted = true;              // browsers only autoplay muted until the viewer interacts
    this.players = new Map();       // episode id -> Player
    this.pending = new Map();       // episode id -> Promise<Player|null>
    this.playbacks = new Map();     // episode id -> playback answer (manifest_url, subtitles, resume)
    this.locks = new Map();         // episode id -> 402 problem (price, balance, cost to finish)
    this.fatalRetries = new Map();  // episode id -> retries used
    this.resumeOnReturn = false;
    this.destroyed = false;
    this.rate = savedRate();
    this.captionsChoice = savedCaptions(); // language, 'off', or null (automatic)
    this.captionLang = null;        // what the active episode shows (null: off / none)
    this.lastCaptionLang = null;    // for the `c` toggle
    this.session = null;            // the active episode's play: {episode, played, startAt, quartiles}
    this.events = watchEvents(api);
    this.progress = new ProgressSaver(api);
    this.preload = preloadMode();

    this.track = h('div', { class: 'feed__track' });
    this.slides = this.episodes.map((episode, i) => this.renderSlide(episode, i));
    this.track.append(...this.slides);
    this.element = h(
      'div',
      { class: 'feed', role: 'region', 'aria-label': t('feed.label', { series: series.title }) },
      this.track,
    );
    root.append(this.element);

    this.detachGestures = attachFeedGestures(
      this.element,
      {
        next: () => this.next(),
        previous: () => this.previous(),
        tap: () => this.togglePlay(),
        toggleMute: () => this.setMuted(!this.muted),
        seekBy: (delta) => this.seekBy(delta),
        toggleCaptions: () => this.toggleCaptions(),
        openMenu: (kind) => this.requestMenu(kind),
        drag: (dy) => this.drag(dy),
        dragEnd: () => this.drag(null),
      },
      { isBlocked: () => this.cb.isBlocked?.() ?? false },
    );
    this.onVisibility = () => this.visibilityChanged();
    this.onPageHide = () => this.saveActive({ keepalive: true });
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('pagehide', this.onPageHide);
    connect(root, { feed: this });
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // ---- slides --------------------------------------------------------------------------

  renderSlide(episode, i) {
    const label = t('feed.slide', { n: episode.number, title: episode.title });
    const lockButton = h(
      'button',
      { type: 'button', class: 'lock__button', onclick: () => this.cb.onUnlockRequest?.(episode) },
      icon('lock', 'icon icon--small'),
      h('span', { class: 'lock__button-text' }, t('lock.open', { coins: coins(episode.price_coins) })),
    );
    const slide = h(
      'section',
      {
        class: 'slide',
        'aria-roledescription': 'slide',
        'aria-label': label,
        'aria-current': 'false',
        dataset: { episodeId: episode.id, episodeNumber: String(episode.number), state: 'idle' },
      },
      h('img', { class: 'slide__backdrop', alt: '', 'aria-hidden': 'true', decoding: 'async' }),
      h(
        'div',
        { class: 'slide__stage' },
        h('img', { class: 'slide__poster', alt: '', decoding: 'async' }),
        h('div', { class: 'slide__spinner', 'aria-hidden': 'true' }),
        h('div', { class: 'captions', dataset: { lang: '' }, hidden: true }),
        h('div', { class: 'slide__products' }),
        h(
          'div',
          { class: 'slide__lock lock', hidden: true },
          h('span', { class: 'lock__badge', 'aria-hidden': 'true' }, icon('lock', 'icon icon--large')),
          h('p', { class: 'lock__title' }, t('lock.title', { n: episode.number })),
          lockButton,
        ),
      ),
    );
    slide.style.setProperty('--slide-index', String(i));
    slide.inert = true;
    if (!episode.unlocked) this.showLock(slide, true);
    return slide;
  }

  slideOf(episodeId) {
    return this.slides[this.episodes.findIndex((e) => e.id === episodeId)];
  }

  showLock(slide, locked) {
    slide.querySelector('.slide__lock').hidden = !locked;
    slide.classList.toggle('is-locked', locked);
  }

  setState(episodeId, state) {
    const slide = this.slideOf(episodeId);
    if (slide) slide.dataset.state = state;
  }

  /** Fetch posters near the active slide only: a 100-episode series must not load 100 images. */
  loadImagesAround(index) {
    for (let i = Math.max(0, index - IMAGE_WINDOW); i <= Math.min(this.slides.length - 1, index + IMAGE_WINDOW); i++) {
      const slide = this.slides[i];
      const url = this.episodes[i].poster_url || this.series.poster_url;
      if (!url || slide.dataset.imagesLoaded) continue;
      slide.dataset.imagesLoaded = 'true';
      const poster = slide.querySelector('.slide__poster');
      // The active poster is what the viewer sees until the first frame: fetch it first.
      if (i === index) poster.fetchPriority = 'high';
      poster.src = url;
      slide.querySelector('.slide__backdrop').src = url;
    }
  }

  // ---- navigation ----------------------------------------------------------------------

  get activeEpisode() {
    return this.episodes[this.index] ?? null;
  }

  next() {
    if (this.index >= this.episodes.length - 1) {
      this.drag(null);
      this.cb.onBoundary?.('last');
      return;
    }
    this.goTo(this.index + 1);
  }

  previous() {
    if (this.index <= 0) {
      this.drag(null);
      this.cb.onBoundary?.('first');
      return;
    }
    this.goTo(this.index - 1);
  }

  drag(dy) {
    if (dy === null) {
      this.element.classList.remove('is-dragging');
      this.track.style.setProperty('--drag', '0px');
      return;
    }
    const atEdge = (dy > 0 && this.index === 0) || (dy < 0 && this.index === this.episodes.length - 1);
    this.element.classList.add('is-dragging');
    this.track.style.setProperty('--drag', `${atEdge ? dy * RUBBER_BAND : dy}px`);
  }

  /** Make episode `index` the active slide and start it; `animate: false` jumps. */
  goTo(index, { animate = true } = {}) {
    if (index < 0 || index >= this.episodes.length) return;
    if (index === this.index) {
      // The episode on screen (e.g. chosen again in the picker): carry on, do not restart it.
      this.drag(null);
      const player = this.activePlayer;
      if (!player || player.video.paused) this.togglePlay(); // locked: the unlock sheet; paused: play
      return;
    }
    // Only the latest swipe's marks are kept (a long session must not collect thousands).
    performance.clearMarks('cliffhanger:activate');
    performance.clearMarks('cliffhanger:first-frame');
    performance.mark('cliffhanger:activate', { detail: { index } });
    this.drag(null);
    const previous = this.index;
    const leaving = this.snapshot(previous);
    this.index = index;
    const generation = ++this.generation;
    const episode = this.episodes[index];
    for (const [id, player] of this.players) {
      if (id !== episode.id) {
        player.pause();
        player.video.muted = true;
        player.setPreloading(true);
      }
    }
    this.session = { episode, played: false, startAt: 0, quartiles: new Set() };
    // The critical path first: a preloaded player is told to play in this very task.
    this.start(episode, generation);

    this.element.classList.toggle('no-animate', !animate || previous === -1);
    this.track.style.setProperty('--active-index', String(index));
    this.slides.forEach((slide, i) => {
      slide.setAttribute('aria-current', i === index ? 'true' : 'false');
      slide.inert = i !== index;
    });
    this.loadImagesAround(index);
    this.cb.onActiveChange?.(episode, index);
    this.emit('activechange', { episode, index });
    this.emitCaptions();
    this.emitState(false);
    // Bookkeeping of the episode left behind waits until the new one is under way.
    setTimeout(() => {
      this.leave(leaving, index);
      platform.setShareContent({
        title: this.series.title,
        desc: t('feed.slide', { n: episode.number, title: episode.title }),
        imageUrl: absolute(episode.poster_url || this.series.poster_url || ''),
        query: { series: this.series.id, episode: String(episode.number) },
      });
    }, 0);
  }

  /** What the active episode's play looks like right now (for `leave`). */
  snapshot(index) {
    const episode = this.episodes[index];
    const player = episode ? this.players.get(episode.id) : null;
    if (!episode || !player || this.session?.episode !== episode) return null;
    return { index, episode, position: player.video.currentTime, ended: player.video.ended, played: this.session.played };
  }

  /** The viewer left an episode: save where they were, report a swipe away. */
  leave(left, to) {
    if (!left?.played) return;
    const { episode, position, index: from } = left;
    this.progress.save(episode.id, position);
    if (left.ended) return;
    this.events.emit('swipe_away', {
      episode_id: episode.id,
      series_id: this.series.id,
      position_s: this.clampPosition(episode, position),
      props: { to: to === from + 1 ? 'next' : to === from - 1 ? 'previous' : 'jump' },
    });
  }

  /** Play `episode` as the active slide: at once when its player exists, else once created. */
  start(episode, generation) {
    const existing = this.players.get(episode.id);
    if (existing && this.playbackFresh(episode.id)) {
      this.playActive(episode, existing, generation);
      return;
    }
    this.trimPool(); // no frame to hurry for: release what is out of the window first
    this.ensurePlayer(episode, { active: true }).then((player) => {
      if (player && generation === this.generation) this.playActive(episode, player, generation);
    });
  }

  async playActive(episode, player, generation) {
    // Until its first frame is out the episode buffers only a few seconds ahead: a 30 s buffer
    // goal would queue fragment after fragment in front of the first decode.
    player.setRate(this.rate);
    player.video.muted = this.muted;
    if (player.video.ended) player.video.currentTime = 0;
    this.markFirstFrame(player, generation);
    const playing = await player.play(); // video.play() is called synchronously in here
    if (generation !== this.generation) return;
    if (player.playingEarly && !player.video.paused) {
      // boot.js's early player was already playing: its `playing` event came before the feed
      // listened. This is the play.
      player.playingEarly = false;
      this.setState(episode.id, 'playing');
      this.played(episode, player.video, this.earlyStart(player));
    }
    if (player.video.muted !== this.muted) this.muted = player.video.muted; // autoplay fell back to muted
    this.emitState(!playing);
    this.preloadNext(generation, player);
  }

  /** A performance mark at the first frame presented after activation (bench/player.py). */
  markFirstFrame(player, generation) {
    const { video } = player;
    if (typeof video.requestVideoFrameCallback !== 'function') {
      player.setPreloading(false);
      return;
    }
    video.requestVideoFrameCallback((now, metadata) => {
      if (generation !== this.generation) return;
      player.setPreloading(false); // on screen: buffer ahead freely now
      performance.mark('cliffhanger:first-frame', {
        startTime: metadata?.presentationTime ?? now,
        detail: { index: this.index, engine: player.engine, preload: this.preload },
      });
    });
  }

  /**
   * Preload the next episode once the active one shows its first frame, so the two do not fight
   * for the network, the decoder or the main thread on the first seconds. Players out of the
   * window are released just before, so at most MAX_PLAYERS are ever alive.
   */
  preloadNext(generation, activePlayer) {
    const next = this.episodes[this.index + 1];
    const go = () => {
      if (generation !== this.generation) return;
      this.trimPool();
      if (next && next.unlocked && !this.locks.has(next.id)) this.ensurePlayer(next, { active: false });
    };
    const { video } = activePlayer;
    const afterFrame = () => {
      if (typeof video.requestVideoFrameCallback === 'function' && !video.paused) {
        video.requestVideoFrameCallback(() => setTimeout(go, 50));
      } else {
        setTimeout(go, 100);
      }
    };
    if (video.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA) afterFrame();
    else video.addEventListener('canplay', afterFrame, { once: true });
  }

  /** Episodes whose players may stay alive: active, next, and the one before. */
  keptIds() {
    const ids = [this.index, this.index + 1, this.index - 1]
      .filter((i) => i >= 0 && i < this.episodes.length)
      .map((i) => this.episodes[i].id);
    return new Set(ids.slice(0, MAX_PLAYERS));
  }

  trimPool() {
    const keep = this.keptIds();
    for (const [id, player] of this.players) {
      if (!keep.has(id)) {
        player.destroy();
        this.players.delete(id);
        this.setState(id, 'idle');
        this.released(id);
      }
    }
  }

  // ---- players -------------------------------------------------------------------------

  playbackFresh(episodeId) {
    const info = this.playbacks.get(episodeId);
    if (!info) return false;
    const expires = Date.parse(info.expires_at);
    return Number.isNaN(expires) || expires - Date.now() > TOKEN_MARGIN_MS;
  }

  /** The Player for `episode`, created on demand; null when locked, failed or no longer wanted. */
  ensurePlayer(episode, { active, startAt = null }) {
    const existing = this.players.get(episode.id);
    if (existing && this.playbackFresh(episode.id)) return Promise.resolve(existing);
    if (existing) this.dropPlayer(episode.id); // its playback token is about to expire
    if (!this.pending.has(episode.id)) {
      const creation = this.createPlayer(episode, active, startAt).finally(() => this.pending.delete(episode.id));
      this.pending.set(episode.id, creation);
    }
    return this.pending.get(episode.id);
  }

  async createPlayer(episode, active, startAt) {
    this.setState(episode.id, 'loading');
    let info;
    try {
      info = this.playbackFresh(episode.id) ? this.playbacks.get(episode.id) : await this.requestPlayback(episode);
    } catch (err) {
      if (err instanceof ProblemError && err.status === 402) {
        this.markLocked(episode, err.problem);
      } else {
        this.setState(episode.id, 'error');
        if (this.activeEpisode === episode) this.cb.onError?.(episode, err);
      }
      return null;
    }
    this.playbacks.set(episode.id, info);
    if (!this.keptIds().has(episode.id)) {
      this.setState(episode.id, 'idle');
      return null; // the viewer swiped on while we waited
    }
    const slide = this.slideOf(episode.id);
    // A deep link's first episode may already be playing: boot.js started it on its own stage
    // as soon as the playback answer came, before the app had loaded.
    const taken = startAt === null ? await this.takeEarlyPlayer(episode, info) : null;
    const early = taken?.player ?? null;
    if (!this.keptIds().has(episode.id)) {
      early?.destroy();
      taken?.adopted();
      this.setState(episode.id, 'idle');
      return null;
    }
    const player = early ?? new Player({ poster: info.poster_url || episode.poster_url || '', muted: true });
    player.video.setAttribute('aria-label', t('feed.slide', { n: episode.number, title: episode.title }));
    player.setRate(this.rate);
    // Resume where the viewer left off (the server sends null for a finished episode).
    if (!early) player.startAt = startAt ?? resumePoint(info.resume_position_s, episode.duration_s);
    player.setPreloading(true); // a short buffer goal until its first frame is on screen
    player.onFatal = (data) => this.recover(episode, data);
    player.onCues = (cues) => this.renderCues(episode.id, cues);
    player.onPrefetched = () => {
      if (this.players.get(episode.id) === player) slide.dataset.preloaded = 'true';
    };
    if (early?.prefetched) slide.dataset.preloaded = 'true';
    this.watch(episode, player);
    // An early player's <video> is playing on boot's stage: moved within this task, it plays on.
    slide.querySelector('.slide__poster').after(player.video);
    taken?.adopted();
    player.video.removeAttribute('aria-hidden');
    this.players.set(episode.id, player);
    this.locks.delete(episode.id);
    this.showLock(slide, false);
    player.subtitleTracks = (info.subtitles ?? []).filter((s) => s.url);
    player.setSubtitles(player.subtitleTracks);
    player.selectSubtitles(chooseSubtitle(player.subtitleTracks, this.captionsChoice, i18n.getLocale()));
    // A preloaded episode may stay detached (no media element) until it becomes active.
    if (early) {
      if (active || this.preload === 'attached') early.attach();
    } else {
      await player.load(info.manifest_url, {
        startAt: player.startAt,
        attach: active || this.preload === 'attached',
        playlists: info.playlists,
      });
    }
    this.setState(episode.id, 'ready');
    if (this.activeEpisode === episode) this.emitCaptions();
    return player;
  }

  /**
   * The player boot.js started for this episode and playback answer, or null:
   * `{player, adopted()}`, where `adopted()` removes boot's stage once the video has moved.
   */
  async takeEarlyPlayer(episode, info) {
    const pending = takePrefetch(playerKey(episode.id));
    if (!pending) return null;
    const early = await pending.catch(() => null);
    if (!early) return null;
    if (early.manifestUrl !== info.manifest_url || early.player.destroyed) {
      early.player.destroy();
      early.adopted();
      return null;
    }
    return early;
  }

  /** `POST /episodes/{id}/playback?lang=`: subtitles default to the viewer's UI language. */
  requestPlayback(episode) {
    const prefetched = takePrefetch(playbackKey(episode.id, i18n.getLocale())); // boot.js, deep links
    if (prefetched) return prefetched;
    const lang = encodeURIComponent(i18n.getLocale());
    return this.api.request('POST', `/episodes/${encodeURIComponent(episode.id)}/playback?lang=${lang}`);
  }

  watch(episode, player) {
    const { video } = player;
    const isActive = () => this.activeEpisode === episode && this.players.get(episode.id) === player;
    video.addEventListener('playing', () => {
      this.setState(episode.id, 'playing');
      if (isActive()) this.played(episode, video, this.earlyStart(player));
    });
    video.addEventListener('waiting', () => isActive() && this.setState(episode.id, 'buffering'));
    video.addEventListener('pause', () => {
      if (!player.destroyed && !video.ended) this.setState(episode.id, 'paused');
      if (isActive() && !video.ended && this.session?.played) this.progress.save(episode.id, video.currentTime, { keepalive: document.hidden });
    });
    video.addEventListener('timeupdate', () => {
      if (!isActive()) return;
      this.cb.onTime?.(video);
      this.emit('time', { currentTime: video.currentTime, duration: video.duration });
      this.updateProducts(episode, video.currentTime);
      this.trackQuartiles(episode, video);
      if (!video.paused) this.progress.tick(episode.id, video.currentTime);
    });
    video.addEventListener('seeked', () => isActive() && this.updateProducts(episode, video.currentTime));
    video.addEventListener('ended', () => {
      this.setState(episode.id, 'ended');
      if (!isActive()) return;
      this.finished(episode, video);
      this.cb.onEnded?.(episode, this.index);
    });
  }

  // ---- what a play reports ---------------------------------------------------------------

  clampPosition(episode, seconds) {
    const duration = Number.isFinite(episode.duration_s) ? episode.duration_s : Infinity;
    return Math.max(0, Math.min(seconds || 0, duration));
  }

  /**
   * Where the play of boot.js's early player began (it started before the feed listened, so
   * its current time is past that by now), once; undefined for any other player.
   */
  earlyStart(player) {
    const at = player.earlyStartAt ?? undefined;
    player.earlyStartAt = null;
    return at;
  }

  /** The active episode started playing: the first time in this activation is a play. */
  played(episode, video, startAt = video.currentTime) {
    let session = this.session;
    if (!session || session.episode !== episode) return;
    if (session.played && session.ended) {
      // Replay after the end: a new play.
      session = this.session = { episode, played: false, startAt: video.currentTime, quartiles: new Set() };
    }
    if (session.played) return;
    session.played = true;
    session.startAt = startAt;
    this.progress.started(); // the first periodic save comes a full interval into the play
    const position = this.clampPosition(episode, startAt);
    this.events.emit('play', { episode_id: episode.id, series_id: this.series.id, position_s: position });
    platform.reportEvent('drama_episode_play', {
      episodeId: episode.id,
      position: episode.number,
      seriesId: this.series.id,
    });
  }

  /** Quartiles 25/50/75 once per play, for the part of the episode this play went through. */
  trackQuartiles(episode, video) {
    const session = this.session;
    if (!session?.played || session.episode !== episode) return;
    const duration = Number.isFinite(video.duration) && video.duration > 0 ? video.duration : episode.duration_s;
    if (!duration) return;
    for (const q of QUARTILES) {
      const at = (q / 100) * duration;
      if (!session.quartiles.has(q) && video.currentTime >= at && session.startAt < at) {
        session.quartiles.add(q);
        this.events.emit('progress', {
          episode_id: episode.id, series_id: this.series.id, quartile: q, position_s: this.clampPosition(episode, video.currentTime),
        });
      }
    }
  }

  finished(episode, video) {
    const session = this.session;
    const position = this.clampPosition(episode, Number.isFinite(video.duration) ? video.duration : video.currentTime);
    this.progress.save(episode.id, position);
    if (!session?.played || session.episode !== episode || session.ended) return;
    session.ended = true;
    for (const q of [...QUARTILES, 100]) {
      if (session.quartiles.has(q) || session.startAt >= (q / 100) * (video.duration || Infinity)) continue;
      session.quartiles.add(q);
      this.events.emit('progress', { episode_id: episode.id, series_id: this.series.id, quartile: q, position_s: position });
    }
    this.events.emit('complete', { episode_id: episode.id, series_id: this.series.id, position_s: position });
  }

  /** Save the active episode's position now (pagehide: with keepalive). */
  saveActive({ keepalive = false } = {}) {
    const episode = this.activeEpisode;
    const player = this.activePlayer;
    if (episode && player && this.session?.played) this.progress.save(episode.id, player.video.currentTime, { keepalive });
    if (keepalive) this.events.flush({ keepalive: true });
  }

  // ---- products ---------------------------------------------------------------------------

  /** Show the product cards whose placement covers `time`; hide the others. */
  updateProducts(episode, time) {
    const products = episode.products ?? [];
    const slot = this.slideOf(episode.id)?.querySelector('.slide__products');
    if (!slot) return;
    const visible = products.filter((p) => p.start_s <= time && time < p.end_s);
    const ids = visible.map((p) => p.id).join(',');
    if (slot.dataset.shown === ids) return;
    slot.dataset.shown = ids;
    replaceChildren(slot, visible.map((p) => this.productCard(episode, p)));
  }

  productCard(episode, product) {
    const image = product.image_url
      ? h('img', { class: 'product__image', src: product.image_url, alt: '', decoding: 'async', onerror: (e) => e.target.remove() })
      : h('span', { class: 'product__image product__image--none', 'aria-hidden': 'true' }, icon('bag'));
    return h(
      'a',
      {
        class: 'product',
        href: product.click_url,
        target: '_blank',
        rel: 'noopener',
        'aria-label': i18n.t('player.product.label', { title: product.title, price: product.price_text }),
        dataset: { placementId: product.id },
        onclick: () => {
          const player = this.players.get(episode.id);
          this.events.emit('product_click', {
            episode_id: episode.id,
            series_id: this.series.id,
            position_s: this.clampPosition(episode, player?.video.currentTime ?? product.start_s),
            props: { placement_id: product.id },
          });
          this.events.flush();
        },
      },
      image,
      h(
        'span',
        { class: 'product__text' },
        h('span', { class: 'product__title' }, product.title),
        h('span', { class: 'product__price' }, product.price_text),
      ),
      h('span', { class: 'product__shop', 'aria-hidden': 'true' }, i18n.t('player.product.shop')),
    );
  }

  // ---- subtitles ---------------------------------------------------------------------------

  renderCues(episodeId, cues) {
    const box = this.slideOf(episodeId)?.querySelector('.captions');
    if (!box) return;
    const player = this.players.get(episodeId);
    box.dataset.lang = player?.subtitleLang ?? '';
    if (!cues.length) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    // getCueAsHTML() builds only WebVTT's own tags (<b>, <i>, <u>, <ruby>, <span>), never HTML.
    const lines = cues.map((cue) => h('span', { class: 'captions__cue' }, cue.getCueAsHTML?.() ?? cue.text));
    if (player?.subtitleLang) box.lang = player.subtitleLang;
    box.replaceChildren(...lines);
    box.hidden = false;
  }

  /** Subtitle tracks of the active episode and the one shown; tells the HUD. */
  captionState() {
    const player = this.activePlayer;
    return { tracks: player?.subtitleTracks ?? [], lang: player?.subtitleLang ?? null };
  }

  emitCaptions() {
    const state = this.captionState();
    this.captionLang = state.lang;
    if (state.lang) this.lastCaptionLang = state.lang;
    this.emit('captions', state);
  }

  /** Choose subtitles (a language, or null for off) for every player; remembered. */
  setCaptions(lang) {
    const previous = this.captionLang;
    this.captionsChoice = lang ?? 'off';
    saveCaptions(this.captionsChoice);
    for (const player of this.players.values()) {
      player.selectSubtitles(lang ? chooseSubtitle(player.subtitleTracks, lang, i18n.getLocale()) : null);
    }
    this.emitCaptions();
    const episode = this.activeEpisode;
    if (episode && previous !== this.captionLang) {
      this.events.emit('subtitle_change', {
        episode_id: episode.id, series_id: this.series.id, props: { lang: this.captionLang ?? 'off' },
      });
    }
  }

  /** `c`: subtitles off, or back on in the last language shown. */
  toggleCaptions() {
    const { tracks, lang } = this.captionState();
    if (!tracks.length) return;
    if (lang) this.setCaptions(null);
    else this.setCaptions(this.lastCaptionLang ?? chooseSubtitle(tracks, null, i18n.getLocale()));
  }

  // ---- speed and seeking ----------------------------------------------------------------------

  setRate(rate) {
    if (!RATES.includes(rate)) return;
    this.rate = rate;
    saveRate(rate);
    for (const player of this.players.values()) player.setRate(rate);
    this.emit('rate', { rate });
  }

  seekTo(seconds) {
    const player = this.activePlayer;
    if (!player) return;
    player.seek(seconds);
    this.emit('time', { currentTime: player.video.currentTime, duration: player.video.duration });
  }

  seekBy(delta) {
    const player = this.activePlayer;
    if (player) this.seekTo(player.video.currentTime + delta);
  }

  get seekStep() {
    return SEEK_STEP_S;
  }

  requestMenu(kind) {
    this.emit('menu', { kind });
  }

  dropPlayer(episodeId) {
    this.players.get(episodeId)?.destroy();
    this.players.delete(episodeId);
    this.released(episodeId);
  }

  /** A player is gone: its slide shows the poster again, without captions or a preload flag. */
  released(episodeId) {
    this.renderCues(episodeId, []);
    const slide = this.slideOf(episodeId);
    if (slide) delete slide.dataset.preloaded;
  }

  /** A fatal player error: ask for a fresh playback once (token expiry), then give up. */
  async recover(episode, data) {
    const used = this.fatalRetries.get(episode.id) ?? 0;
    const position = this.players.get(episode.id)?.video.currentTime ?? 0;
    this.dropPlayer(episode.id);
    this.playbacks.delete(episode.id);
    if (used >= 1) {
      this.setState(episode.id, 'error');
      if (this.activeEpisode === episode) this.cb.onError?.(episode, data);
      return;
    }
    this.fatalRetries.set(episode.id, used + 1);
    if (this.activeEpisode !== episode) return; // it is recreated when it is wanted again
    const generation = this.generation;
    const player = await this.ensurePlayer(episode, { active: true, startAt: position });
    if (player && generation === this.generation) this.start(episode, generation);
  }

  markLocked(episode, problem) {
    episode.unlocked = false;
    this.locks.set(episode.id, problem);
    this.setState(episode.id, 'locked');
    this.showLock(this.slideOf(episode.id), true);
    if (this.activeEpisode === episode) {
      this.emitState(true);
      this.cb.onLocked?.(episode, problem);
    }
  }

  /** The viewer now owns `episodeId` (unlock succeeded): play it at once if it is on screen. */
  markUnlocked(episodeId) {
    const episode = this.episodes.find((e) => e.id === episodeId);
    if (!episode) return;
    episode.unlocked = true;
    this.locks.delete(episodeId);
    this.showLock(this.slideOf(episodeId), false);
    if (this.activeEpisode === episode) this.start(episode, this.generation);
  }

  /** Replace episode data (e.g. after a series refresh) without rebuilding the slides. */
  updateEpisodes(episodes) {
    for (const fresh of episodes) {
      const episode = this.episodes.find((e) => e.id === fresh.id);
      if (!episode) continue;
      Object.assign(episode, fresh);
      if (episode.unlocked) {
        this.locks.delete(episode.id);
        this.showLock(this.slideOf(episode.id), false);
      } else if (!this.players.has(episode.id)) {
        this.showLock(this.slideOf(episode.id), true);
      }
    }
  }

  // ---- controls ------------------------------------------------------------------------

  emitState(paused) {
    const episode = this.activeEpisode;
    const locked = Boolean(episode) && (this.locks.has(episode.id) || !episode.unlocked);
    this.cb.onPlayState?.({ paused, muted: this.muted, locked });
  }

  get activePlayer() {
    const episode = this.activeEpisode;
    return episode ? this.players.get(episode.id) ?? null : null;
  }

  togglePlay() {
    const episode = this.activeEpisode;
    if (!episode) return;
    if (this.locks.has(episode.id) || !episode.unlocked) {
      this.cb.onUnlockRequest?.(episode);
      return;
    }
    const player = this.activePlayer;
    if (!player) {
      // A tap on an episode that failed to load is a retry.
      if (this.slideOf(episode.id).dataset.state === 'error') {
        this.fatalRetries.delete(episode.id);
        this.start(episode, this.generation);
      }
      return;
    }
    if (player.video.paused) {
      if (player.video.ended) player.video.currentTime = 0;
      player.play().then((playing) => this.emitState(!playing));
    } else {
      player.pause();
      this.emitState(true);
    }
  }

  setMuted(muted) {
    this.muted = muted;
    const player = this.activePlayer;
    if (player) {
      player.video.muted = muted;
      // Unmuting is a user gesture: the moment to resume a player autoplay had to leave paused.
      if (!muted && player.video.paused && !player.video.ended) player.play();
    }
    this.emitState(player ? player.video.paused : true);
  }

  /** Pause while the app is in the background; carry on where the viewer was on return. */
  visibilityChanged() {
    const player = this.activePlayer;
    if (!player) return;
    if (document.hidden) {
      this.resumeOnReturn = !player.video.paused;
      player.pause();
      this.saveActive({ keepalive: true });
    } else if (this.resumeOnReturn) {
      this.resumeOnReturn = false;
      player.play().then((playing) => this.emitState(!playing));
    }
  }

  destroy() {
    this.destroyed = true;
    this.saveActive();
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('pagehide', this.onPageHide);
    this.detachGestures();
    for (const id of [...this.players.keys()]) this.dropPlayer(id);
    this.element.remove();
  }
}

function absolute(url) {
  return url ? new URL(url, window.location.href).href : '';
}

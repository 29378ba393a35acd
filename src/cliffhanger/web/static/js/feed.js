// The vertical episode feed: one slide per episode, the active one playing, the next one
// preloaded. Owns the player pool; knows nothing of sheets, wallets or URLs (callbacks do).

import { ProblemError } from './api.js';
import { h, icon } from './dom.js';
import { attachFeedGestures } from './gestures.js';
import { Player } from './player.js';
import { coins, t } from './strings.js';

const MAX_PLAYERS = 3;           // active + next (preloaded) + the one just left
const IMAGE_WINDOW = 2;          // slides either side whose posters are fetched
const TOKEN_MARGIN_MS = 20_000;  // re-ask for playback this long before a token expires
const RUBBER_BAND = 0.3;         // drag resistance past the first/last episode

/**
 * @typedef {{id: string, number: number, title: string, free: boolean, price_coins: number,
 *            unlocked: boolean, poster_url?: string}} Episode
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

export class EpisodeFeed {
  /**
   * @param {HTMLElement} root
   * @param {{api: import('./api.js').ApiClient, series: {title: string, episodes: Episode[]},
   *          callbacks: FeedCallbacks}} options
   */
  constructor(root, { api, series, callbacks }) {
    this.api = api;
    this.series = series;
    this.episodes = series.episodes;
    this.cb = callbacks;
    this.index = -1;
    this.generation = 0;
    this.muted = true;              // browsers only autoplay muted until the viewer interacts
    this.players = new Map();       // episode id -> Player
    this.pending = new Map();       // episode id -> Promise<Player|null>
    this.playbacks = new Map();     // episode id -> playback answer (manifest_url, expires_at)
    this.locks = new Map();         // episode id -> 402 problem (price, balance, cost to finish)
    this.fatalRetries = new Map();  // episode id -> retries used
    this.resumeOnReturn = false;

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
        drag: (dy) => this.drag(dy),
        dragEnd: () => this.drag(null),
      },
      { isBlocked: () => this.cb.isBlocked?.() ?? false },
    );
    this.onVisibility = () => this.visibilityChanged();
    document.addEventListener('visibilitychange', this.onVisibility);
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
      slide.querySelector('.slide__poster').src = url;
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
    this.drag(null);
    const previous = this.index;
    this.index = index;
    const generation = ++this.generation;
    this.element.classList.toggle('no-animate', !animate || previous === -1);
    this.track.style.setProperty('--active-index', String(index));
    this.slides.forEach((slide, i) => {
      slide.setAttribute('aria-current', i === index ? 'true' : 'false');
      slide.inert = i !== index;
    });
    this.loadImagesAround(index);

    const episode = this.episodes[index];
    for (const [id, player] of this.players) {
      if (id !== episode.id) {
        player.pause();
        player.video.muted = true;
        player.setPreloading(true);
      }
    }
    this.trimPool();
    this.cb.onActiveChange?.(episode, index);
    this.emitState(false);
    this.start(episode, generation);
  }

  async start(episode, generation) {
    const player = await this.ensurePlayer(episode, { active: true });
    if (generation !== this.generation || !player) return;
    player.setPreloading(false);
    player.video.muted = this.muted;
    if (player.video.ended) player.video.currentTime = 0;
    const playing = await player.play();
    if (generation !== this.generation) return;
    if (player.video.muted !== this.muted) this.muted = player.video.muted; // autoplay fell back to muted
    this.emitState(!playing);
    this.preloadNext(generation, player);
  }

  /** Preload the next episode once the active one has data, so both don't fight for bandwidth. */
  preloadNext(generation, activePlayer) {
    const next = this.episodes[this.index + 1];
    if (!next || !next.unlocked || this.locks.has(next.id)) return;
    const go = () => {
      if (generation === this.generation) this.ensurePlayer(next, { active: false });
    };
    if (activePlayer.video.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA) go();
    else activePlayer.video.addEventListener('canplay', go, { once: true });
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
  ensurePlayer(episode, { active, startAt = 0 }) {
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
      info = this.playbackFresh(episode.id) ? this.playbacks.get(episode.id) : await this.api.playback(episode.id);
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
    const player = new Player({
      poster: info.poster_url || episode.poster_url || '',
      muted: true,
      label: t('feed.slide', { n: episode.number, title: episode.title }),
    });
    player.setPreloading(!active);
    player.onFatal = (data) => this.recover(episode, data);
    this.watch(episode, player);
    slide.querySelector('.slide__poster').after(player.video);
    this.players.set(episode.id, player);
    this.locks.delete(episode.id);
    this.showLock(slide, false);
    await player.load(info.manifest_url, { startAt });
    this.setState(episode.id, 'ready');
    return player;
  }

  watch(episode, player) {
    const { video } = player;
    const isActive = () => this.activeEpisode === episode && this.players.get(episode.id) === player;
    video.addEventListener('playing', () => this.setState(episode.id, 'playing'));
    video.addEventListener('waiting', () => isActive() && this.setState(episode.id, 'buffering'));
    video.addEventListener('pause', () => {
      if (!player.destroyed && !video.ended) this.setState(episode.id, 'paused');
    });
    video.addEventListener('timeupdate', () => isActive() && this.cb.onTime?.(video));
    video.addEventListener('ended', () => {
      this.setState(episode.id, 'ended');
      if (isActive()) this.cb.onEnded?.(episode, this.index);
    });
  }

  dropPlayer(episodeId) {
    this.players.get(episodeId)?.destroy();
    this.players.delete(episodeId);
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
    } else if (this.resumeOnReturn) {
      this.resumeOnReturn = false;
      player.play().then((playing) => this.emitState(!playing));
    }
  }

  destroy() {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.detachGestures();
    for (const id of [...this.players.keys()]) this.dropPlayer(id);
    this.element.remove();
  }
}

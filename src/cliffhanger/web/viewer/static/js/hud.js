// The overlay over the feed: titles, balance, sound, episode list, speed and subtitle buttons,
// play state, and the seek bar. Pointer events pass through it to the feed except on controls.
// The player controls bind to the feed once both exist (link.js), so the view does not wire them.

import { Scrubber, OptionSheet } from './controls.js';
import { h, icon, replaceChildren } from './dom.js';
import * as i18n from './i18n.js';
import { connect } from './link.js';
import { RATES } from './player.js';
import { coins, t } from './strings.js';

export class Hud {
  /** @param {{onPicker: () => void, onToggleMute: () => void, onTogglePlay: () => void}} actions */
  constructor(root, actions) {
    this.boundFeed = null;
    this.seriesTitle = h('h1', { class: 'hud__series' });
    this.episodeLine = h('p', { class: 'hud__episode' });
    this.balance = h('a', { class: 'hud__balance', href: '/wallet', hidden: true }); // opens the wallet
    this.unmute = h(
      'button',
      { type: 'button', class: 'hud__unmute pill', onclick: actions.onToggleMute },
      icon('mute', 'icon icon--small'),
      h('span', {}, i18n.t('player.tapToUnmute')),
    );
    this.playButton = h(
      'button',
      { type: 'button', class: 'hud__play', 'aria-label': i18n.t('player.play'), hidden: true, onclick: actions.onTogglePlay },
      icon('play', 'icon icon--huge'),
    );
    this.pickerButton = railButton('list', t('picker.open'), actions.onPicker);
    this.pickerButton.setAttribute('aria-haspopup', 'dialog');
    this.captionsButton = railButton('captions', i18n.t('player.captions.short'), () => this.openCaptions());
    this.captionsButton.setAttribute('aria-haspopup', 'dialog');
    this.captionsButton.hidden = true;
    this.speedButton = railButton('speed', rateText(1), () => this.openSpeed());
    this.speedButton.setAttribute('aria-haspopup', 'dialog');
    this.speedButton.hidden = true;
    this.soundButton = railButton('volume', i18n.t('player.sound'), actions.onToggleMute);
    this.episodeTitle = h('h2', { class: 'hud__title' });
    this.synopsis = h('p', { class: 'hud__synopsis' });
    this.scrubber = new Scrubber({ onSeek: (seconds) => this.boundFeed?.seekTo(seconds) });
    this.element = h(
      'div',
      { class: 'hud' },
      h('header', { class: 'hud__top' }, h('div', { class: 'hud__heading' }, this.seriesTitle, this.episodeLine), this.balance),
      this.unmute,
      this.playButton,
      h(
        'div',
        { class: 'hud__rail', role: 'group', 'aria-label': i18n.t('player.controls') },
        this.pickerButton,
        this.captionsButton,
        this.speedButton,
        this.soundButton,
      ),
      h('footer', { class: 'hud__bottom' }, this.episodeTitle, this.synopsis, this.scrubber.element),
    );
    root.append(this.element);
    this.speedSheet = null;
    this.captionsSheet = null;
    connect(root, { hud: this });
  }

  /** Player controls talk to the feed: seek, speed, subtitles; the feed reports back. */
  bindFeed(feed) {
    this.boundFeed = feed;
    this.speedSheet = new OptionSheet({
      kind: 'speed',
      title: i18n.t('player.speed.title'),
      closeLabel: i18n.t('player.speed.close'),
      onChoose: (rate) => feed.setRate(rate),
    });
    this.captionsSheet = new OptionSheet({
      kind: 'captions',
      title: i18n.t('player.captions.title'),
      closeLabel: i18n.t('player.captions.close'),
      onChoose: (lang) => feed.setCaptions(lang),
    });
    this.scrubber.step = feed.seekStep;
    this.speedButton.hidden = false;
    this.showRate(feed.rate);
    this.showCaptions(feed.captionState());
    feed.addEventListener('rate', (event) => this.showRate(event.detail.rate));
    feed.addEventListener('captions', (event) => this.showCaptions(event.detail));
    feed.addEventListener('time', (event) => this.setProgress(event.detail.currentTime, event.detail.duration));
    feed.addEventListener('menu', (event) => {
      if (event.detail.kind === 'speed') this.openSpeed();
      else if (event.detail.kind === 'captions') this.openCaptions();
    });
  }

  openSpeed() {
    const feed = this.boundFeed;
    if (!feed || !this.speedSheet) return;
    this.speedSheet.open(RATES.map((rate) => ({ value: rate, label: rateText(rate), checked: rate === feed.rate })));
  }

  openCaptions() {
    const feed = this.boundFeed;
    if (!feed || !this.captionsSheet) return;
    const { tracks, lang } = feed.captionState();
    this.captionsSheet.open([
      { value: null, label: i18n.t('player.captions.off'), checked: !lang },
      ...tracks.map((track) => ({ value: track.lang, label: track.label || track.lang, lang: track.lang, checked: track.lang === lang })),
    ]);
  }

  showRate(rate) {
    const text = rateText(rate);
    this.speedButton.querySelector('.rail-button__caption').textContent = text;
    this.speedButton.setAttribute('aria-label', i18n.t('player.speed.button', { rate: text }));
    this.speedButton.classList.toggle('is-active', rate !== 1);
  }

  showCaptions({ tracks, lang }) {
    this.captionsButton.hidden = !tracks.length;
    const track = tracks.find((candidate) => candidate.lang === lang);
    const name = track ? track.label || track.lang : i18n.t('player.captions.off');
    this.captionsButton.setAttribute('aria-label', i18n.t('player.captions.button', { name }));
    this.captionsButton.setAttribute('aria-pressed', lang ? 'true' : 'false');
    this.captionsButton.querySelector('.rail-button__caption').textContent = lang
      ? lang.split('-')[0].toUpperCase()
      : i18n.t('player.captions.short');
    this.captionsButton.classList.toggle('is-active', Boolean(lang));
  }

  setSeries(series) {
    this.seriesTitle.textContent = series.title;
    this.synopsis.textContent = series.synopsis || '';
  }

  setEpisode(episode, index, total) {
    this.episodeLine.textContent = t('feed.episodeOf', { n: episode.number, total });
    replaceChildren(
      this.episodeTitle,
      h('span', { class: 'hud__badge' }, t('feed.episodeShort', { n: episode.number })),
      ' ',
      episode.title,
    );
    this.setProgress(0, episode.duration_s ?? 0);
  }

  setBalance(balance) {
    if (balance === null || balance === undefined) return;
    this.balance.hidden = false;
    replaceChildren(
      this.balance,
      icon('coin', 'icon icon--small icon--coin'),
      h('span', { 'aria-hidden': 'true' }, String(balance)),
      h('span', { class: 'visually-hidden' }, t('wallet.balance', { coins: coins(balance) })),
    );
  }

  setPlayState({ paused, muted, locked = false }) {
    this.playButton.hidden = !paused || locked; // a locked slide offers its unlock button instead
    this.unmute.hidden = !muted || locked;
    const soundIcon = this.soundButton.querySelector('svg');
    soundIcon.replaceWith(icon(muted ? 'mute' : 'volume'));
    this.soundButton.setAttribute('aria-label', muted ? i18n.t('player.unmute') : i18n.t('player.mute'));
    this.soundButton.setAttribute('aria-pressed', muted ? 'false' : 'true');
    this.scrubber.element.classList.toggle('is-locked', locked);
  }

  /** Position of the active video on the seek bar. */
  setProgress(currentTime, duration) {
    this.scrubber.set(currentTime, duration);
  }
}

/** 1.25 → "1.25×" (with the locale's decimal separator). */
function rateText(rate) {
  return i18n.t('player.speed.rate', { rate: i18n.formatNumber(rate) });
}

function railButton(iconName, caption, onclick) {
  return h(
    'button',
    { type: 'button', class: 'rail-button', 'aria-label': caption, onclick },
    icon(iconName),
    h('span', { class: 'rail-button__caption', 'aria-hidden': 'true' }, caption),
  );
}

// The overlay over the feed: titles, balance, sound, episode list button, play state, progress.
// Pointer events pass through it to the feed except on its controls.

import { h, icon, replaceChildren } from './dom.js';
import { coins, t } from './strings.js';

export class Hud {
  /** @param {{onPicker: () => void, onToggleMute: () => void, onTogglePlay: () => void}} actions */
  constructor(root, actions) {
    this.seriesTitle = h('h1', { class: 'hud__series' });
    this.episodeLine = h('p', { class: 'hud__episode' });
    this.balance = h('p', { class: 'hud__balance', hidden: true });
    this.unmute = h(
      'button',
      { type: 'button', class: 'hud__unmute pill', onclick: actions.onToggleMute },
      icon('mute', 'icon icon--small'),
      h('span', {}, t('player.tapToUnmute')),
    );
    this.playButton = h(
      'button',
      { type: 'button', class: 'hud__play', 'aria-label': t('player.play'), hidden: true, onclick: actions.onTogglePlay },
      icon('play', 'icon icon--huge'),
    );
    this.pickerButton = railButton('list', t('picker.open'), actions.onPicker);
    this.pickerButton.setAttribute('aria-haspopup', 'dialog');
    this.soundButton = railButton('volume', t('player.sound'), actions.onToggleMute);
    this.episodeTitle = h('h2', { class: 'hud__title' });
    this.synopsis = h('p', { class: 'hud__synopsis' });
    this.progressBar = h('div', { class: 'hud__progress-bar' });
    this.progress = h(
      'div',
      {
        class: 'hud__progress',
        role: 'progressbar',
        'aria-label': t('player.progress'),
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-valuenow': '0',
      },
      this.progressBar,
    );
    this.element = h(
      'div',
      { class: 'hud' },
      h('header', { class: 'hud__top' }, h('div', { class: 'hud__heading' }, this.seriesTitle, this.episodeLine), this.balance),
      this.unmute,
      this.playButton,
      h('div', { class: 'hud__rail', role: 'group', 'aria-label': t('player.controls') }, this.pickerButton, this.soundButton),
      h('footer', { class: 'hud__bottom' }, this.episodeTitle, this.synopsis, this.progress),
    );
    root.append(this.element);
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
    this.setProgress(0, 0);
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
    this.soundButton.setAttribute('aria-label', muted ? t('player.unmute') : t('player.mute'));
    this.soundButton.setAttribute('aria-pressed', muted ? 'false' : 'true');
  }

  /** Progress from the active video's time; avoids layout by scaling a bar. */
  setProgress(currentTime, duration) {
    const ratio = duration > 0 && Number.isFinite(duration) ? Math.min(1, currentTime / duration) : 0;
    this.progressBar.style.setProperty('--progress', ratio.toFixed(4));
    this.progress.setAttribute('aria-valuenow', String(Math.round(ratio * 100)));
  }
}

function railButton(iconName, caption, onclick) {
  return h(
    'button',
    { type: 'button', class: 'rail-button', 'aria-label': caption, onclick },
    icon(iconName),
    h('span', { class: 'rail-button__caption', 'aria-hidden': 'true' }, caption),
  );
}

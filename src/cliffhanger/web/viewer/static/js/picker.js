// The episode picker: a sheet listing every episode with its lock state and price.

import { h, icon, replaceChildren } from './dom.js';
import { Sheet } from './sheet.js';
import { coins, episodes, t } from './strings.js';

export class EpisodePicker {
  /** @param {{onChoose: (index: number) => void}} options */
  constructor({ onChoose }) {
    this.onChoose = onChoose;
    this.sheet = new Sheet({ title: t('picker.title'), closeLabel: t('picker.close'), className: 'sheet--picker' });
    this.sheet.dialog.dataset.sheet = 'picker';
  }

  get isOpen() {
    return this.sheet.isOpen;
  }

  /** @param {{title: string, episodes: object[], cost_to_finish_coins?: number}} series */
  open(series, activeIndex) {
    const list = series.episodes;
    const free = list.filter((e) => e.free).length;
    const finish = series.cost_to_finish_coins ?? 0;
    let current = null;
    const tiles = list.map((episode, index) => {
      const tile = this.tile(episode, index, index === activeIndex);
      if (index === activeIndex) current = tile;
      return h('li', {}, tile);
    });
    this.sheet.setTitle(series.title);
    replaceChildren(
      this.sheet.body,
      h(
        'div',
        { class: 'picker__summary' },
        h('p', {}, t('picker.summary', { episodes: episodes(list.length), free })),
        h('p', { class: 'picker__finish' }, finish > 0 ? t('picker.finish', { coins: coins(finish) }) : t('picker.finished')),
      ),
      h('ol', { class: 'picker__grid', 'aria-label': t('picker.title') }, tiles),
    );
    this.sheet.open(current);
    current?.scrollIntoView({ block: 'nearest' });
  }

  tile(episode, index, isCurrent) {
    const locked = !episode.unlocked;
    const state = isCurrent
      ? t('picker.tileCurrent')
      : episode.free
        ? t('picker.tileFree')
        : locked
          ? t('picker.tileLocked', { coins: coins(episode.price_coins) })
          : t('picker.tileUnlocked');
    const badge = locked
      ? h('span', { class: 'tile__badge tile__badge--locked' }, icon('lock', 'icon icon--tiny'), String(episode.price_coins))
      : episode.free
        ? h('span', { class: 'tile__badge tile__badge--free' }, t('picker.free'))
        : null;
    return h(
      'button',
      {
        type: 'button',
        class: `tile${locked ? ' tile--locked' : ''}${isCurrent ? ' tile--current' : ''}`,
        'aria-label': `${t('picker.tile', { n: episode.number, title: episode.title })}, ${state}`,
        'aria-current': isCurrent ? 'true' : null,
        dataset: { episodeId: episode.id, episodeNumber: String(episode.number) },
        onclick: () => {
          // Closed at once: a locked choice opens the unlock sheet right away.
          this.sheet.close({ immediate: true });
          this.onChoose(index);
        },
      },
      h('span', { class: 'tile__number', 'aria-hidden': 'true' }, String(episode.number)),
      isCurrent ? h('span', { class: 'tile__playing', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')) : badge,
    );
  }
}

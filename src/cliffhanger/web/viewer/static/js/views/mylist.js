// My List: the series the viewer saved, with Continue Watching above; and the My List toggle
// every other screen uses.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { watchPath } from '../route.js';
import { emptyState, posterCard, screenHeader, section, uid, uiIcon } from '../ui.js';

/**
 * A toggle button adding `series` to My List or taking it out (`aria-pressed`), saved at once
 * (optimistically; a failure puts it back and says so).
 * @param {{variant?: 'rail'|'button', onChange?: (inList: boolean) => void}} options
 */
export function myListButton(ctx, series, { variant = 'button', onChange = null } = {}) {
  let inList = Boolean(series.in_my_list);
  let busy = false;
  const rail = variant === 'rail';
  const button = h('button', {
    type: 'button',
    class: rail ? 'rail-button mylist-toggle' : 'd-button d-button--secondary mylist-toggle',
    dataset: { action: 'my-list' },
  });
  const paint = () => {
    button.setAttribute('aria-pressed', String(inList));
    button.replaceChildren(
      uiIcon(inList ? 'check' : 'plus', rail ? 'icon' : 'icon icon--small'),
      h('span', { class: rail ? 'rail-button__caption' : '' }, t('app.myList.toggle')),
    );
  };
  button.addEventListener('click', async () => {
    if (busy) return;
    busy = true;
    const wanted = !inList;
    inList = wanted;
    paint();
    try {
      await ctx.catalog.setInMyList(series.id, wanted);
      series.in_my_list = wanted;
      ctx.toast.show(t(wanted ? 'app.myList.added' : 'app.myList.removed', { title: series.title }));
      onChange?.(wanted);
    } catch (err) {
      console.warn('My List change failed', err);
      inList = !wanted;
      paint();
      ctx.toast.show(t('app.myList.failed'));
    } finally {
      busy = false;
    }
  });
  paint();
  return button;
}

export async function showMyList(container, ctx) {
  const { catalog } = ctx;
  const [saved, resume] = await Promise.all([
    catalog.myList(),
    catalog.continueWatching().catch(() => ({ items: [] })),
  ]);

  const blocks = [];
  if (resume.items.length) {
    const id = uid('continue');
    blocks.push(
      section(
        t('app.myList.continueTitle'),
        h(
          'ul',
          { class: 'rail' },
          resume.items.map((item) =>
            h(
              'li',
              {},
              posterCard(item.series, {
                href: watchPath(item.series.id, item.episode.number),
                badge: t('app.myList.episodeBadge', { n: item.episode.number }),
                progress: item.episode.duration_s > 0 ? item.position_s / item.episode.duration_s : 0,
              }),
            ),
          ),
        ),
        { id, className: 'block--continue' },
      ),
    );
  }

  const grid = h('ul', { class: 'poster-grid', dataset: { list: 'my-list' } });
  const savedId = uid('saved');
  const count = h('span', { class: 'block__count' });
  const emptyNote = emptyState(
    t('app.myList.emptyTitle'),
    t('app.myList.emptyText'),
    h('a', { class: 'pill-button', href: '/discover' }, t('app.myList.browse')),
    'bookmark',
  );
  const refresh = () => {
    const n = grid.children.length;
    count.textContent = n ? String(n) : '';
    grid.hidden = n === 0;
    emptyNote.hidden = n > 0;
  };

  for (const entry of saved.items) {
    const series = entry.series;
    const item = h('li', { class: 'poster-grid__item', dataset: { seriesId: series.id } });
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'poster-grid__remove',
        'aria-label': t('app.myList.remove', { title: series.title }),
        onclick: async () => {
          remove.disabled = true;
          try {
            await catalog.removeFromMyList(series.id);
          } catch (err) {
            console.warn('remove from My List failed', err);
            remove.disabled = false;
            ctx.toast.show(t('app.myList.failed'));
            return;
          }
          const next = item.nextElementSibling || item.previousElementSibling;
          item.remove();
          refresh();
          ctx.toast.show(t('app.myList.removed', { title: series.title }));
          (next?.querySelector('a') || container.querySelector('h1'))?.focus();
        },
      },
      uiIcon('close', 'icon icon--small'),
    );
    item.append(posterCard(series), remove);
    grid.append(item);
  }
  blocks.push(section(t('app.myList.savedTitle'), h('div', {}, grid, emptyNote), { id: savedId, extra: count }));
  refresh();

  container.replaceChildren(
    h('div', { class: 'screen' }, screenHeader(t('app.tabs.myList')), h('div', { class: 'screen__body' }, blocks)),
  );
  return null;
}

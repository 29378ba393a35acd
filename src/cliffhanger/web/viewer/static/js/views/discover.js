// Discover: genres, rankings (popular, trending, new) and new releases; `?genre=` lists a genre.

import { h } from '../dom.js';
import { formatNumber, plural, t } from '../i18n.js';
import { discoverPath } from '../route.js';
import {
  date,
  emptyState,
  errorBlock,
  genreName,
  posterCard,
  screenHeader,
  section,
  seriesRow,
  spinnerBlock,
  uid,
  uiIcon,
} from '../ui.js';
import { keepScroll } from './scroll.js';

const RANKS = [
  { by: 'popular', icon: 'trophy', label: 'app.rankings.popular' },
  { by: 'trending', icon: 'flame', label: 'app.rankings.trending' },
  { by: 'new', icon: 'sparkle', label: 'app.rankings.new' },
];

export async function showDiscover(container, ctx, route, state) {
  if (route.genre) return showGenre(container, ctx, route, state);
  const { catalog } = ctx;
  const [genres, fresh] = await Promise.all([
    catalog.genres().catch(() => null),
    catalog.newReleases(12).catch(() => null),
  ]);

  // Genres.
  const genresBody = genres
    ? genres.items.length
      ? h(
          'ul',
          { class: 'genre-chips' },
          genres.items.map((genre) =>
            h(
              'li',
              {},
              h(
                'a',
                { class: 'chip chip--genre', href: discoverPath({ genre: genre.slug }), dataset: { genre: genre.slug } },
                h('span', {}, genreName(genre)),
                h('span', { class: 'chip__count', 'aria-hidden': 'true' }, formatNumber(genre.series_count)),
                h('span', { class: 'visually-hidden' }, `, ${plural('app.discover.seriesCount', genre.series_count)}`),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('app.discover.noGenres'))
    : errorBlock(() => ctx.router.navigate(discoverPath(), { replace: true }));

  // Rankings: three tabs over one panel.
  const panelId = uid('rank-panel');
  const panel = h('div', { class: 'rank-panel', id: panelId, role: 'tabpanel', tabindex: '0' });
  const tabs = RANKS.map((rank) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        class: 'tab',
        id: `${panelId}-${rank.by}`,
        'aria-controls': panelId,
        dataset: { rank: rank.by },
        onclick: () => select(rank.by, { focus: false }),
      },
      uiIcon(rank.icon, 'icon icon--small'),
      h('span', {}, t(rank.label)),
    ),
  );
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('app.rankings.title') }, tabs);
  tablist.addEventListener('keydown', (event) => {
    const index = tabs.indexOf(document.activeElement);
    if (index === -1) return;
    let next = null;
    if (event.key === 'ArrowRight') next = (index + 1) % tabs.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = tabs.length - 1;
    if (next === null) return;
    event.preventDefault();
    select(RANKS[next].by, { focus: true });
  });

  let request = 0;
  const select = async (by, { focus }) => {
    for (const tab of tabs) {
      const selected = tab.dataset.rank === by;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected && focus) tab.focus();
    }
    panel.setAttribute('aria-labelledby', `${panelId}-${by}`);
    ctx.router.replaceQuery(discoverPath({ rank: by }));
    const mine = ++request;
    panel.setAttribute('aria-busy', 'true');
    panel.replaceChildren(spinnerBlock());
    try {
      const ranking = await catalog.rankings(by, 20);
      if (mine !== request) return;
      panel.replaceChildren(
        ranking.items.length
          ? h(
              'ol',
              { class: 'row-list', dataset: { ranking: by } },
              ranking.items.map((item) => seriesRow(item.series, { rank: item.rank, note: rankNote(by, item.value) })),
            )
          : emptyState(t('app.rankings.empty'), null, null, 'trophy'),
      );
    } catch (err) {
      if (mine !== request) return;
      console.warn('ranking did not load', err);
      panel.replaceChildren(errorBlock(() => select(by, { focus: false })));
    } finally {
      if (mine === request) panel.removeAttribute('aria-busy');
    }
  };

  // New releases.
  const freshBody = fresh
    ? fresh.items.length
      ? h('ul', { class: 'rail', dataset: { list: 'new' } }, fresh.items.map((series) => h('li', {}, posterCard(series, { badge: date(series.released_at) }))))
      : h('p', { class: 'muted' }, t('app.discover.noNew'))
    : errorBlock(() => ctx.router.navigate(discoverPath(), { replace: true }));

  const body = h(
    'div',
    { class: 'screen__body' },
    section(t('app.discover.genres'), genresBody, { id: uid('genres') }),
    section(t('app.rankings.title'), h('div', {}, tablist, panel), { id: uid('rankings') }),
    section(t('app.discover.newReleases'), freshBody, { id: uid('new') }),
  );
  const screen = h('div', { class: 'screen' }, screenHeader(t('app.tabs.discover')), body);
  container.replaceChildren(screen);
  select(route.rank, { focus: false });
  return keepScroll(screen, ctx, state);
}

function rankNote(by, value) {
  if (by === 'new') {
    const when = date(new Date(value * 1000).toISOString());
    return when ? t('app.rankings.releasedOn', { date: when }) : null;
  }
  const n = Math.round(value);
  if (n <= 0) return null;
  return plural(by === 'trending' ? 'app.rankings.viewersWeek' : 'app.rankings.viewers', n);
}

async function showGenre(container, ctx, route, state) {
  let sort = state.sort === 'new' ? 'new' : 'score';
  const first = await ctx.catalog.genreSeries(route.genre, { sort, limit: 50 });
  const name = genreName(first.genre);
  ctx.setTitle(name);

  const count = h('p', { class: 'muted' });
  const results = h('div', { 'aria-live': 'polite' });
  const show = (items) => {
    count.textContent = plural('app.discover.seriesCount', items.length);
    results.replaceChildren(
      items.length
        ? h('ul', { class: 'row-list', dataset: { genre: route.genre } }, items.map((series) => seriesRow(series)))
        : emptyState(t('app.genre.empty'), null, h('a', { class: 'pill-button', href: '/discover' }, t('app.tabs.discover')), 'discover'),
    );
  };

  const options = [
    ['score', 'app.genre.sortTop'],
    ['new', 'app.genre.sortNew'],
  ].map(([value, label]) =>
    h(
      'button',
      { type: 'button', class: 'segmented__option', 'aria-pressed': String(value === sort), dataset: { sort: value }, onclick: () => choose(value) },
      t(label),
    ),
  );
  const choose = async (value) => {
    if (value === sort) return;
    sort = value;
    ctx.router.saveState({ sort });
    for (const option of options) option.setAttribute('aria-pressed', String(option.dataset.sort === sort));
    results.setAttribute('aria-busy', 'true');
    try {
      show((await ctx.catalog.genreSeries(route.genre, { sort, limit: 50 })).items);
    } catch (err) {
      console.warn('genre list did not load', err);
      results.replaceChildren(errorBlock(() => {
        sort = null;
        choose(value);
      }));
    } finally {
      results.removeAttribute('aria-busy');
    }
  };
  const sorter = h('div', { class: 'segmented', role: 'group', 'aria-label': t('app.genre.sortLabel') }, options);
  show(first.items);

  const screen = h(
    'div',
    { class: 'screen' },
    screenHeader(name, { back: () => ctx.router.back('/discover') }),
    h('div', { class: 'screen__body' }, h('div', { class: 'genre-head' }, count, sorter), results),
  );
  container.replaceChildren(screen);
  return keepScroll(screen, ctx, state);
}

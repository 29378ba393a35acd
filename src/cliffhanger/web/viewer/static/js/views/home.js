// For You: one series per screen, Continue Watching first, then series ranked for this viewer.
// A tap on the picture or the Watch button, or a swipe to the left, opens the player on the
// episode shown (the opening one, or the one to resume).

import { h, prefersReducedMotion } from '../dom.js';
import { t } from '../i18n.js';
import { seriesPath, watchPath } from '../route.js';
import { clock, emptyState, genreChip, meterFill, seriesMeta, tagChip, uid, uiIcon } from '../ui.js';
import { myListButton } from './mylist.js';

const PAGE = 10;
const SWIPE_INTO_PX = 60;

export async function showHome(container, ctx, _route, state = {}) {
  const { catalog, router } = ctx;
  const first = await catalog.feed({ limit: PAGE });

  if (!first.items.length) {
    container.replaceChildren(
      h('div', { class: 'screen' }, h('h1', { class: 'visually-hidden' }, t('app.tabs.forYou')), emptyState(t('app.noSeries'), null, null, 'forYou')),
    );
    return null;
  }

  let cursor = first.next_cursor;
  let loadingMore = false;
  let count = 0;
  let saveTimer = 0;

  const feed = h('div', {
    class: 'foryou__feed',
    role: 'feed',
    'aria-label': t('app.forYou.label'),
    'aria-busy': 'false',
  });
  const view = h(
    'div',
    { class: 'foryou' },
    h(
      'header',
      { class: 'foryou__top' },
      h('h1', { class: 'foryou__title' }, t('app.tabs.forYou')),
      h('a', { class: 'icon-button foryou__search', href: '/search', 'aria-label': t('app.tabs.search') }, uiIcon('search')),
    ),
    feed,
  );
  container.replaceChildren(view);

  const open = (item) => router.navigate(watchPath(item.series.id, item.episode.number));

  const append = (items) => {
    for (const item of items) {
      count += 1;
      feed.append(feedItem(ctx, item, count, open));
    }
    for (const article of feed.children) article.setAttribute('aria-setsize', cursor ? '-1' : String(count));
    if (cursor) observer.observe(feed.lastElementChild);
  };

  const loadMore = async () => {
    if (!cursor || loadingMore) return;
    loadingMore = true;
    feed.setAttribute('aria-busy', 'true');
    try {
      const page = await catalog.feed({ cursor, limit: PAGE });
      cursor = page.next_cursor;
      append(page.items);
    } catch (err) {
      console.warn('more of the feed did not load', err);
    } finally {
      loadingMore = false;
      feed.setAttribute('aria-busy', 'false');
    }
  };

  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          loadMore();
        }
      }
    },
    { root: feed, rootMargin: '0px 0px 100% 0px' },
  );

  append(first.items);

  // Keyboard: PageDown/PageUp (and arrows outside form fields) move one series, as role=feed asks.
  const step = (delta) => {
    const articles = [...feed.children];
    const currentIndex = Math.round(feed.scrollTop / Math.max(1, feed.clientHeight));
    const target = articles[Math.max(0, Math.min(articles.length - 1, currentIndex + delta))];
    if (!target) return;
    target.scrollIntoView({ behavior: prefersReducedMotion() ? 'auto' : 'smooth', block: 'start' });
    target.querySelector('.fy-item__watch')?.focus({ preventScroll: true });
  };
  feed.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'PageDown' || event.key === 'ArrowDown') step(1);
    else if (event.key === 'PageUp' || event.key === 'ArrowUp') step(-1);
    else return;
    event.preventDefault();
  });

  // Where the viewer was, for Back.
  feed.addEventListener(
    'scroll',
    () => {
      window.clearTimeout(saveTimer);
      saveTimer = window.setTimeout(() => router.saveState({ feedIndex: Math.round(feed.scrollTop / Math.max(1, feed.clientHeight)) }), 150);
    },
    { passive: true },
  );
  if (state.feedIndex > 0) feed.scrollTop = state.feedIndex * feed.clientHeight;

  return {
    destroy() {
      window.clearTimeout(saveTimer);
      observer.disconnect();
    },
  };
}

function feedItem(ctx, item, position, open) {
  const { series, episode } = item;
  const titleId = uid('fy-title');
  const resuming = item.kind === 'continue';
  const picture = series.cover_url || episode.poster_url;

  const watchLabel = resuming
    ? t('app.forYou.continue', { n: episode.number, time: clock(item.position_s) })
    : t('app.forYou.watch', { n: episode.number });
  const watch = h(
    'a',
    { class: 'd-button d-button--primary fy-item__watch', href: watchPath(series.id, episode.number), dataset: { card: 'watch' } },
    uiIcon('play', 'icon icon--small'),
    h('span', {}, watchLabel),
  );

  const chips = [
    ...(series.genres || []).slice(0, 2).map(genreChip),
    ...(series.tags || []).slice(0, 2).map(tagChip),
  ];

  const art = h(
    'div',
    { class: 'fy-item__art', 'aria-hidden': 'true' },
    picture ? h('img', { class: 'fy-item__picture', src: picture, alt: '', loading: position <= 2 ? 'eager' : 'lazy', decoding: 'async', draggable: 'false' }) : null,
    h('span', { class: 'fy-item__play' }, uiIcon('play', 'icon icon--huge')),
  );

  const info = h(
    'div',
    { class: 'fy-item__info' },
    resuming
      ? h('p', { class: 'fy-item__badge' }, uiIcon('clock', 'icon icon--small'), t('app.forYou.continueBadge', { n: episode.number }))
      : null,
    h('h2', { class: 'fy-item__title', id: titleId }, series.title),
    h('p', { class: 'fy-item__meta' }, seriesMeta(series)),
    chips.length ? h('p', { class: 'chips fy-item__chips' }, chips) : null,
    series.synopsis ? h('p', { class: 'fy-item__synopsis' }, series.synopsis) : null,
    resuming && episode.duration_s > 0
      ? h('span', { class: 'meter fy-item__meter', 'aria-hidden': 'true' }, meterFill(item.position_s / episode.duration_s))
      : null,
    watch,
  );

  const rail = h(
    'div',
    { class: 'fy-item__rail' },
    myListButton(ctx, series, { variant: 'rail' }),
    h(
      'a',
      { class: 'rail-button fy-item__details', href: seriesPath(series.id) },
      uiIcon('info'),
      h('span', { class: 'rail-button__caption' }, t('app.forYou.details')),
    ),
  );

  const article = h(
    'article',
    {
      class: `fy-item${resuming ? ' fy-item--continue' : ''}`,
      tabindex: '-1',
      'aria-labelledby': titleId,
      'aria-posinset': String(position),
      dataset: { seriesId: series.id, kind: item.kind, episodeNumber: String(episode.number) },
    },
    picture ? h('img', { class: 'fy-item__backdrop', src: picture, alt: '', 'aria-hidden': 'true', loading: position <= 2 ? 'eager' : 'lazy', decoding: 'async', draggable: 'false' }) : null,
    h('div', { class: 'fy-item__stage' }, art, info, rail),
  );

  // Pointer-only shortcuts into the player (the Watch link is the keyboard and screen-reader way).
  let start = null;
  art.addEventListener('click', () => open(item));
  article.addEventListener('pointerdown', (event) => {
    start = event.isPrimary ? { x: event.clientX, y: event.clientY } : null;
  });
  article.addEventListener('pointerup', (event) => {
    if (!start) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    start = null;
    if (dx < -SWIPE_INTO_PX && Math.abs(dy) < Math.abs(dx) / 2) open(item);
  });
  article.addEventListener('pointercancel', () => {
    start = null;
  });
  return article;
}

// Building blocks of the discovery screens: icons, series cards, chips, formatters, states.

import { h } from './dom.js';
import { getLocale, has, plural, t } from './i18n.js';
import { discoverPath, searchPath, seriesPath } from './route.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const CIRCLE = 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18';

// 24x24 stroke icons (stroke=currentColor, styled by the shared `.icon` rules).
const ICONS = {
  forYou: ['M7 3h10a4 4 0 0 1 4 4v10a4 4 0 0 1-4 4H7a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4z', 'M10 8.5v7l5.5-3.5z'],
  discover: [CIRCLE, 'M15.5 8.5l-2 5-5 2 2-5z'],
  search: ['M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14', 'M20 20l-4-4'],
  bookmark: ['M6 3.5h12v17l-6-4-6 4z'],
  user: ['M12 4a4 4 0 1 0 0 8a4 4 0 1 0 0-8', 'M4 21a8 8 0 0 1 16 0'],
  back: ['M15 5l-7 7 7 7'],
  chevron: ['M9 5l7 7-7 7'],
  plus: ['M12 5v14', 'M5 12h14'],
  check: ['M20 6 9 17l-5-5'],
  info: [CIRCLE, 'M12 11v6', 'M12 7.5h.01'],
  globe: [CIRCLE, 'M3 12h18', 'M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z'],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
  lock: ['M5 11h14v10H5z', 'M8 11V7a4 4 0 0 1 8 0v4'],
  play: ['M7 4.5v15l12-7.5z'],
  close: ['M18 6 6 18', 'M6 6l12 12'],
  coin: [CIRCLE, 'M9.5 9.5c0-1.1 1.1-2 2.5-2s2.5.9 2.5 2-1.1 1.6-2.5 2-2.5.9-2.5 2 1.1 2 2.5 2 2.5-.9 2.5-2', 'M12 6v1.5', 'M12 16.5V18'],
  flame: ['M12 2.5c.5 3.5 5 5.5 5 11a5 5 0 0 1-10 0c0-2.6 1.3-4.2 2.6-5.4.2 1.7.9 2.9 2.1 3.4C11.3 8.9 11 5.8 12 2.5z'],
  sparkle: ['M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8z', 'M19 16l.7 1.8 1.8.7-1.8.7L19 21l-.7-1.8-1.8-.7 1.8-.7z'],
  trophy: ['M8 4h8v5a4 4 0 0 1-8 0z', 'M8 6H4.5a3.5 3.5 0 0 0 3.9 4', 'M16 6h3.5a3.5 3.5 0 0 1-3.9 4', 'M12 13v4', 'M8 21h8', 'M9.5 17h5'],
  clock: [CIRCLE, 'M12 7v5l3 2'],
};

/** A decorative inline SVG icon (every control carries its own text or label). */
export function uiIcon(name, className = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', `${className} ${className.split(' ')[0]}--${name}`);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of ICONS[name]) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

// ---- formatting ------------------------------------------------------------------------------

export const coinsText = (n) => plural('app.coins', n);
export const episodesText = (n) => plural('app.episodes', n);

/** 65 → "1:05"; 3725 → "1:02:05". */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

function unit(value, name) {
  return new Intl.NumberFormat(getLocale(), { style: 'unit', unit: name, unitDisplay: 'short' }).format(value);
}

/** A total running time in words of the current language: "1 hr 12 min", "7 min 30 sec", "45 sec". */
export function runtime(totalSeconds) {
  const s = Math.round(totalSeconds || 0);
  if (s < 60) return unit(s, 'second');
  if (s < 600) {
    const rest = s % 60;
    return rest ? `${unit(Math.floor(s / 60), 'minute')} ${unit(rest, 'second')}` : unit(s / 60, 'minute');
  }
  const minutes = Math.round(s / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  const rest = minutes % 60;
  const hours = unit(Math.floor(minutes / 60), 'hour');
  return rest ? `${hours} ${unit(rest, 'minute')}` : hours;
}

export function date(iso) {
  if (!iso) return '';
  const value = new Date(iso);
  if (Number.isNaN(value.getTime())) return '';
  return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'medium' }).format(value);
}

/** A genre's name in the UI language (the API's is English): by slug, else as given. */
export function genreName(genre) {
  const key = `app.genres.${genre.slug}`;
  return has(key) ? t(key) : genre.name;
}

// ---- pieces --------------------------------------------------------------------------------

/** A cover image; decorative, the card's text names the series. */
export function cover(url, className = 'cover', { eager = false } = {}) {
  return h(
    'span',
    { class: `${className} cover-frame` },
    url
      ? h('img', { src: url, alt: '', loading: eager ? 'eager' : 'lazy', decoding: 'async', draggable: 'false' })
      : h('span', { class: 'cover-frame__empty', 'aria-hidden': 'true' }, uiIcon('play')),
  );
}

export function genreChip(genre) {
  return h('a', { class: 'chip', href: discoverPath({ genre: genre.slug }) }, genreName(genre));
}

export function tagChip(tag) {
  return h('a', { class: 'chip chip--tag', href: searchPath(tag) }, `#${tag}`);
}

/** "6 episodes · 3 free" */
export function seriesMeta(series) {
  const parts = [episodesText(series.episode_count)];
  if (series.free_episodes > 0) {
    parts.push(series.free_episodes >= series.episode_count ? t('app.card.allFree') : t('app.card.free', { n: Math.min(series.free_episodes, series.episode_count) }));
  }
  return parts.join(' · ');
}

/**
 * A series as a list row: cover, title, facts; the whole row links to the series page.
 * `rank` adds a big number (rankings), `note` a line under the facts (why it matched…).
 */
export function seriesRow(series, { rank = null, note = null, action = null } = {}) {
  const link = h(
    'a',
    { class: 'row-card__link', href: seriesPath(series.id), dataset: { card: 'series', seriesId: series.id } },
    rank !== null ? h('span', { class: `row-card__rank${rank <= 3 ? ' row-card__rank--top' : ''}` }, h('span', { class: 'visually-hidden' }, t('app.rankings.rank')), String(rank)) : null,
    cover(series.cover_url || series.poster_url, 'row-card__cover'),
    h(
      'span',
      { class: 'row-card__text' },
      h('span', { class: 'row-card__title' }, series.title),
      h('span', { class: 'row-card__meta' }, seriesMeta(series)),
      series.genres?.length
        ? h('span', { class: 'row-card__genres' }, series.genres.map(genreName).join(' · '))
        : null,
      note ? h('span', { class: 'row-card__note' }, note) : null,
    ),
  );
  return h('li', { class: 'row-card' }, link, action);
}

/** A series as a poster tile (rails, grids). */
export function posterCard(series, { badge = null, progress = null, href = null } = {}) {
  return h(
    'a',
    { class: 'poster-card', href: href || seriesPath(series.id), dataset: { card: 'series', seriesId: series.id } },
    h(
      'span',
      { class: 'poster-card__art' },
      cover(series.cover_url || series.poster_url, 'poster-card__cover'),
      badge ? h('span', { class: 'poster-card__badge' }, badge) : null,
      progress !== null
        ? h('span', { class: 'meter poster-card__meter', 'aria-hidden': 'true' }, meterFill(progress))
        : null,
    ),
    h('span', { class: 'poster-card__title' }, series.title),
    h('span', { class: 'poster-card__meta' }, episodesText(series.episode_count)),
  );
}

export function meterFill(ratio) {
  const fill = h('span', { class: 'meter__fill' });
  fill.style.setProperty('--ratio', String(Math.max(0, Math.min(1, ratio))));
  return fill;
}

/** A screen's heading bar; `back` adds a back button calling it. */
export function screenHeader(title, { back = null, id = null, actions = null } = {}) {
  return h(
    'header',
    { class: 'screen__header' },
    back
      ? h(
          'button',
          { type: 'button', class: 'icon-button screen__back', 'aria-label': t('app.nav.back'), onclick: back },
          uiIcon('back'),
        )
      : null,
    h('h1', { class: 'screen__title', id, tabindex: '-1' }, title),
    actions,
  );
}

export function section(title, body, { id, className = '', extra = null } = {}) {
  return h(
    'section',
    { class: `block ${className}`.trim(), 'aria-labelledby': id },
    h('div', { class: 'block__head' }, h('h2', { class: 'block__title', id }, title), extra),
    body,
  );
}

export function emptyState(title, text = null, action = null, iconName = 'search') {
  return h(
    'div',
    { class: 'empty' },
    h('span', { class: 'empty__icon' }, uiIcon(iconName, 'icon icon--large')),
    h('p', { class: 'empty__title' }, title),
    text ? h('p', { class: 'empty__text' }, text) : null,
    action,
  );
}

export function spinnerBlock() {
  return h(
    'div',
    { class: 'loading-block', role: 'status' },
    h('div', { class: 'spinner', 'aria-hidden': 'true' }),
    h('span', { class: 'visually-hidden' }, t('app.loading')),
  );
}

/** A section that failed to load: says so and offers a retry. */
export function errorBlock(retry) {
  return h(
    'div',
    { class: 'empty empty--error' },
    h('p', { class: 'empty__text' }, t('app.error')),
    h('button', { type: 'button', class: 'pill-button', onclick: retry }, t('app.retry')),
  );
}

let headingCounter = 0;
/** A unique id for aria-labelledby pairs. */
export function uid(prefix) {
  headingCounter += 1;
  return `${prefix}-${headingCounter}`;
}

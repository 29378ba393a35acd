// The series page: cover, title, facts, genres and tags, synopsis, cast, what finishing costs,
// My List, Play / Resume, and the episode grid with lock state, price, watched and resume marks.

import { h } from '../dom.js';
import { plural, t } from '../i18n.js';
import { watchPath } from '../route.js';
import {
  clock,
  coinsText,
  cover,
  date,
  episodesText,
  genreChip,
  meterFill,
  runtime,
  section,
  tagChip,
  uid,
  uiIcon,
} from '../ui.js';
import { myListButton } from './mylist.js';

export async function showSeries(container, ctx, route) {
  const series = await ctx.catalog.series(route.seriesId);
  ctx.setTitle(series.title);
  const episodes = series.episodes || [];
  const titleId = uid('series-title');

  const back = h(
    'button',
    { type: 'button', class: 'icon-button series-hero__back', 'aria-label': t('app.nav.back'), onclick: () => ctx.router.back('/') },
    uiIcon('back'),
  );
  const picture = series.cover_url || series.poster_url;

  const facts = [episodesText(series.episode_count ?? episodes.length)];
  if (series.total_runtime_s) facts.push(runtime(series.total_runtime_s));
  const released = date(series.released_at);

  const hero = h(
    'div',
    { class: 'series-hero' },
    picture ? h('img', { class: 'series-hero__backdrop', src: picture, alt: '', 'aria-hidden': 'true', decoding: 'async' }) : null,
    back,
    h(
      'div',
      { class: 'series-hero__main' },
      cover(picture, 'series-hero__cover', { eager: true }),
      h(
        'div',
        { class: 'series-hero__text' },
        h('h1', { class: 'series-hero__title', id: titleId, tabindex: '-1' }, series.title),
        series.lang !== series.language && series.original_title !== series.title
          ? h('p', { class: 'series-hero__original', lang: series.language }, series.original_title)
          : null,
        h('p', { class: 'series-hero__facts', dataset: { field: 'facts' } }, facts.join(' · ')),
        released ? h('p', { class: 'series-hero__released' }, t('app.series.released', { date: released })) : null,
        series.genres?.length ? h('p', { class: 'chips' }, series.genres.map(genreChip)) : null,
      ),
    ),
  );

  // Play / Resume.
  const firstEpisode = episodes[0];
  let action = null;
  if (series.resume) {
    action = h(
      'a',
      { class: 'd-button d-button--primary', href: watchPath(series.id, series.resume.number), dataset: { action: 'play' } },
      uiIcon('play', 'icon icon--small'),
      h(
        'span',
        {},
        series.resume.position_s >= 1
          ? t('app.series.resumeAt', { n: series.resume.number, time: clock(series.resume.position_s) })
          : t('app.series.resume', { n: series.resume.number }),
      ),
    );
  } else if (firstEpisode) {
    const finished = episodes.length > 0 && episodes.every((e) => e.watched);
    action = h(
      'a',
      { class: 'd-button d-button--primary', href: watchPath(series.id, firstEpisode.number), dataset: { action: 'play' } },
      uiIcon('play', 'icon icon--small'),
      h('span', {}, finished ? t('app.series.watchAgain') : t('app.series.play')),
    );
  }
  const actions = h('div', { class: 'series-actions' }, action, myListButton(ctx, series));

  const body = [actions, costPanel(series, episodes)];
  if (series.synopsis) {
    body.push(section(t('app.series.synopsis'), h('p', { class: 'series-synopsis' }, series.synopsis), { id: uid('synopsis'), className: 'block--plain' }));
  }
  body.push(
    section(
      t('app.series.episodes'),
      h(
        'ol',
        { class: 'episode-grid', 'aria-label': t('app.series.episodesOf', { title: series.title }) },
        episodes.map((episode) => h('li', {}, episodeTile(series, episode))),
      ),
      { id: uid('episodes'), extra: h('span', { class: 'block__count' }, episodesText(episodes.length)) },
    ),
  );

  if (series.cast?.length) {
    body.push(section(t('app.series.cast'), castList(series.cast), { id: uid('cast'), className: 'block--plain' }));
  }
  if (series.tags?.length) {
    body.push(section(t('app.series.tags'), h('p', { class: 'chips' }, series.tags.map(tagChip)), { id: uid('tags'), className: 'block--plain' }));
  }
  container.replaceChildren(
    h(
      'article',
      { class: 'screen series-page', 'aria-labelledby': titleId, dataset: { seriesId: series.id } },
      hero,
      h('div', { class: 'screen__body series-page__body' }, body),
    ),
  );
  return null;
}

/** What finishing the series costs this viewer, stated up front. */
function costPanel(series, episodes) {
  const locked = episodes.filter((e) => !e.unlocked);
  const free = episodes.filter((e) => e.free).length;
  const cost = series.cost_to_finish_coins ?? locked.reduce((sum, e) => sum + e.price_coins, 0);
  let headline;
  let tone = 'done';
  if (free === episodes.length) headline = t('app.series.allFree');
  else if (!locked.length || cost === 0) headline = t('app.series.allUnlocked');
  else {
    tone = 'cost';
    headline = t('app.series.finishFor', { coins: coinsText(cost) });
  }
  const lines = [];
  if (free > 0 && free < episodes.length) lines.push(plural('app.series.freeFirst', free));
  if (locked.length) {
    const prices = new Set(locked.map((e) => e.price_coins));
    lines.push(
      prices.size === 1
        ? t('app.series.lockedEach', { episodes: episodesText(locked.length), coins: coinsText(locked[0].price_coins) })
        : t('app.series.locked', { episodes: episodesText(locked.length) }),
    );
    lines.push(t('app.series.priceLock'));
  }
  return h(
    'div',
    { class: `cost-panel cost-panel--${tone}`, dataset: { field: 'cost-to-finish' }, role: 'note' },
    h('span', { class: 'cost-panel__icon', 'aria-hidden': 'true' }, uiIcon(tone === 'cost' ? 'coin' : 'check', 'icon')),
    h(
      'div',
      {},
      h('p', { class: 'cost-panel__headline' }, headline),
      lines.map((line) => h('p', { class: 'cost-panel__line' }, line)),
    ),
  );
}

function castList(cast) {
  const ordered = [...cast].sort((a, b) => Number(b.lead) - Number(a.lead));
  return h(
    'ul',
    { class: 'cast' },
    ordered.map((member) =>
      h(
        'li',
        { class: `cast__member${member.lead ? ' cast__member--lead' : ''}` },
        h('span', { class: 'cast__avatar', 'aria-hidden': 'true' }, initials(member.name)),
        h(
          'span',
          { class: 'cast__text' },
          h('span', { class: 'cast__name' }, member.name),
          member.role ? h('span', { class: 'cast__role' }, member.role) : null,
          member.lead ? h('span', { class: 'cast__lead' }, t('app.series.lead')) : null,
        ),
      ),
    ),
  );
}

function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((p) => Array.from(p)[0]).join('').toUpperCase();
}

function episodeTile(series, episode) {
  const resumeHere = series.resume && series.resume.episode_id === episode.id && series.resume.position_s >= 1;
  const states = [];
  let badge;
  let state;
  if (!episode.unlocked) {
    state = 'locked';
    states.push(t('app.series.tileLocked', { coins: coinsText(episode.price_coins) }));
    badge = h('span', { class: 'ep-tile__badge ep-tile__badge--locked' }, uiIcon('lock', 'icon icon--tiny'), String(episode.price_coins));
  } else if (episode.free) {
    state = 'free';
    states.push(t('app.series.tileFree'));
    badge = h('span', { class: 'ep-tile__badge ep-tile__badge--free' }, t('app.series.free'));
  } else {
    state = 'unlocked';
    states.push(t('app.series.tileUnlocked'));
    badge = null;
  }
  if (episode.watched) states.push(t('app.series.tileWatched'));
  else if (resumeHere) states.push(t('app.series.tileResume', { time: clock(series.resume.position_s) }));
  else if (episode.position_s > 0) states.push(t('app.series.tileStarted'));

  const progress = resumeHere
    ? series.resume.position_s / Math.max(1, episode.duration_s)
    : !episode.watched && episode.position_s > 0
      ? episode.position_s / Math.max(1, episode.duration_s)
      : null;

  return h(
    'a',
    {
      class: `ep-tile ep-tile--${state}${episode.watched ? ' ep-tile--watched' : ''}${resumeHere ? ' ep-tile--resume' : ''}`,
      href: watchPath(series.id, episode.number),
      'aria-label': `${t('app.series.tile', { n: episode.number, title: episode.title })}, ${states.join(', ')}`,
      dataset: { card: 'episode', episodeNumber: String(episode.number), state, watched: String(Boolean(episode.watched)) },
    },
    h('span', { class: 'ep-tile__number' }, String(episode.number)),
    episode.watched ? h('span', { class: 'ep-tile__watched' }, uiIcon('check', 'icon icon--tiny')) : null,
    badge,
    progress !== null ? h('span', { class: 'meter ep-tile__meter' }, meterFill(progress)) : null,
  );
}

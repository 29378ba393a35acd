// Search over titles (every language), tags and cast: debounced as the viewer types, the query
// kept in the address (`/search?q=`), results with what matched, an empty state that helps.

import { h } from '../dom.js';
import { plural, t } from '../i18n.js';
import { searchPath } from '../route.js';
import { emptyState, errorBlock, genreChip, screenHeader, seriesRow, spinnerBlock, uid, uiIcon } from '../ui.js';
import { keepScroll } from './scroll.js';

const DEBOUNCE_MS = 250;

export async function showSearch(container, ctx, route, state) {
  const { catalog, router } = ctx;
  const inputId = uid('search-input');
  const statusId = uid('search-status');

  const input = h('input', {
    id: inputId,
    class: 'search__input',
    type: 'search',
    name: 'q',
    value: route.q,
    placeholder: t('app.search.placeholder'),
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    enterkeyhint: 'search',
    maxlength: '100',
    'aria-describedby': statusId,
  });
  const clear = h(
    'button',
    { type: 'button', class: 'search__clear', 'aria-label': t('app.search.clear'), hidden: !route.q },
    uiIcon('close', 'icon icon--small'),
  );
  const form = h(
    'form',
    { class: 'search', role: 'search', action: '/search', method: 'get' },
    h('label', { class: 'visually-hidden', for: inputId }, t('app.search.label')),
    h('span', { class: 'search__icon', 'aria-hidden': 'true' }, uiIcon('search', 'icon icon--small')),
    input,
    clear,
  );
  const status = h('p', { class: 'search__status', id: statusId, role: 'status', 'aria-live': 'polite' });
  const results = h('div', { class: 'search__results' });

  const screen = h(
    'div',
    { class: 'screen' },
    screenHeader(t('app.tabs.search')),
    h('div', { class: 'screen__body' }, form, status, results),
  );
  container.replaceChildren(screen);

  let timer = 0;
  let request = 0;
  let shown = null; // the query whose results are on screen
  let suggestions = null;

  const showSuggestions = async () => {
    status.textContent = '';
    const mine = ++request;
    if (!suggestions) {
      try {
        suggestions = (await catalog.genres()).items;
      } catch {
        suggestions = [];
      }
    }
    if (mine !== request) return;
    results.replaceChildren(
      h(
        'div',
        { class: 'search__hint' },
        h('p', { class: 'muted' }, t('app.search.hint')),
        suggestions.length
          ? h(
              'div',
              { class: 'search__suggest' },
              h('h2', { class: 'block__title' }, t('app.search.browse')),
              h('p', { class: 'chips' }, suggestions.map(genreChip)),
            )
          : null,
      ),
    );
  };

  const run = async (q) => {
    const query = q.trim();
    router.replaceQuery(searchPath(query));
    clear.hidden = !q;
    if (query === shown) return;
    shown = query;
    if (!query) {
      await showSuggestions();
      return;
    }
    const mine = ++request;
    results.setAttribute('aria-busy', 'true');
    if (!results.querySelector('.row-list')) results.replaceChildren(spinnerBlock());
    try {
      // "#revenge" finds the tag "revenge": the API matches words, not the hash sign.
      const found = await catalog.search(query.replace(/(^|\s)#+/g, '$1').trim() || query);
      if (mine !== request) return;
      status.textContent = found.items.length
        ? plural('app.search.results', found.items.length, { q: query })
        : t('app.search.noResults', { q: query });
      results.replaceChildren(
        found.items.length
          ? h(
              'ul',
              { class: 'row-list', dataset: { results: query } },
              found.items.map((item) => seriesRow(item.series, { note: matchedNote(item.matched) })),
            )
          : emptyState(t('app.search.emptyTitle', { q: query }), t('app.search.emptyText'), null, 'search'),
      );
    } catch (err) {
      if (mine !== request) return;
      console.warn('search failed', err);
      shown = null;
      status.textContent = t('app.error');
      results.replaceChildren(errorBlock(() => run(input.value)));
    } finally {
      if (mine === request) results.removeAttribute('aria-busy');
    }
  };

  input.addEventListener('input', () => {
    clear.hidden = !input.value;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => run(input.value), DEBOUNCE_MS);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.clearTimeout(timer);
    run(input.value);
    input.blur(); // closes the on-screen keyboard so the results show
  });
  clear.addEventListener('click', () => {
    input.value = '';
    window.clearTimeout(timer);
    run('');
    input.focus();
  });

  await run(route.q);
  if (!route.q) input.focus({ preventScroll: true });
  const scroll = keepScroll(screen, ctx, state);
  return {
    destroy() {
      window.clearTimeout(timer);
      scroll.destroy();
    },
  };
}

function matchedNote(matched = []) {
  const names = matched.map((field) => t(`app.search.matched.${field}`));
  return names.length ? t('app.search.matchedIn', { fields: names.join(', ') }) : null;
}

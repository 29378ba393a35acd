// Boot: language, viewer session, client-side routes, one view at a time. Loaded as a module
// from the shell template.
//
// A view is `async show(container, ctx, route, state)`: it renders into `container` and may
// return `{destroy()}`, called when the viewer leaves it. Nodes a view appends to <body> (sheets)
// are removed when it goes.

import { NetworkError, ProblemError } from './api.js';
import { api, dropEarlyPlayer, localeReady } from './boot.js';
import { Catalog } from './catalog.js';
import { h, replaceChildren } from './dom.js';
import { loadLocale, t } from './i18n.js';
import { platform } from './platform/index.js';
import { Router } from './router.js';
import { TabBar } from './tabbar.js';
import { Toast } from './toast.js';

const root = document.getElementById('app');

// Each screen is its own module, loaded when first shown: a deep link into the player does not
// wait for the code of every other screen. The server lists the first screen's modules as
// `modulepreload` in the shell (web/pages.py, which keeps the same route → module map).
const VIEWS = {
  home: () => import('./views/home.js').then((m) => m.showHome),
  discover: () => import('./views/discover.js').then((m) => m.showDiscover),
  search: () => import('./views/search.js').then((m) => m.showSearch),
  'my-list': () => import('./views/mylist.js').then((m) => m.showMyList),
  series: () => import('./views/series.js').then((m) => m.showSeries),
  settings: () => import('./views/settings.js').then((m) => m.showSettings),
  wallet: () => import('./wallet.js').then((m) => m.showWallet),
  'not-found': () => import('./views/notfound.js').then((m) => m.showNotFound),
  watch: () =>
    import('./views/watch.js').then(({ showWatch }) => (container, ctx, route) =>
      showWatch(container, { ...ctx, seriesId: route.seriesId, episodeNumber: route.episodeNumber })),
};

// Tabs whose route names the document title; the others set their own (series title…).
const TITLES = {
  home: 'app.tabs.forYou',
  discover: 'app.tabs.discover',
  search: 'app.tabs.search',
  'my-list': 'app.tabs.myList',
  settings: 'app.tabs.profile',
  wallet: 'money.wallet.title',
};

let current = null; // {view, baseline, route}
let renderId = 0;

function messageScreen(container, text, { retry = null, home = false } = {}) {
  replaceChildren(
    container,
    h(
      'div',
      { class: 'message-screen' },
      h('p', { class: 'message-screen__text' }, text),
      retry ? h('button', { type: 'button', class: 'button button--primary', onclick: retry }, t('app.retry')) : null,
      home ? h('a', { class: 'button button--ghost', href: '/' }, t('app.home')) : null,
    ),
  );
}

function loadingScreen(container) {
  replaceChildren(
    container,
    h(
      'div',
      { class: 'message-screen', role: 'status' },
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      h('span', { class: 'visually-hidden' }, t('app.loading')),
    ),
  );
}

function setTitle(text) {
  document.title = text ? `${text} · ${t('app.name')}` : t('app.name');
}

function destroyView(entry, { removeBodyNodes }) {
  try {
    entry.view?.destroy?.();
  } catch (err) {
    console.warn('view teardown failed', err);
  }
  if (!removeBodyNodes) return;
  for (const node of [...document.body.children]) {
    if (!entry.baseline.has(node)) node.remove();
  }
}

/** Put focus somewhere sensible after a page change, for keyboard and screen-reader users. */
function settleFocus(container) {
  const active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) return;
  const heading = container.querySelector('h1');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: true });
}

async function render(route, state = {}) {
  const id = ++renderId;
  // A deep link's episode plays on boot's stage until the watch view's feed adopts it; any
  // other screen first means it is not wanted.
  if (id > 1 || route.name !== 'watch') dropEarlyPlayer();
  if (current) destroyView(current, { removeBodyNodes: true });
  current = null;

  const inPlayer = route.name === 'watch';
  ctx.tabbar.show(!inPlayer);
  ctx.tabbar.select(route.name);
  if (TITLES[route.name]) setTitle(t(TITLES[route.name]));

  const container = h('div', { class: `view view--${route.name}` });
  root.replaceChildren(container);
  loadingScreen(container);
  root.setAttribute('aria-busy', 'true');
  const baseline = new Set(document.body.children);
  try {
    const show = await VIEWS[route.name]();
    if (id !== renderId) return;
    const view = await show(container, ctx, route, state);
    if (id !== renderId) {
      destroyView({ view, baseline }, { removeBodyNodes: false });
      return;
    }
    current = { view, baseline, route };
    if (!inPlayer) settleFocus(container);
  } catch (err) {
    if (id !== renderId) return;
    dropEarlyPlayer();
    console.error('view failed to load', err);
    const retry = () => render(route, state);
    if (err instanceof ProblemError && err.status === 404) messageScreen(container, t('app.seriesNotFound'), { home: true });
    else if (err instanceof NetworkError) messageScreen(container, t('app.offline'), { retry });
    else messageScreen(container, t('app.error'), { retry, home: route.name !== 'home' });
  } finally {
    if (id === renderId) root.removeAttribute('aria-busy');
  }
}

const router = new Router((route, state) => render(route, state));
const ctx = {
  api,
  catalog: new Catalog(api),
  toast: null,
  router,
  tabbar: null,
  setTitle,
};

// Space activates link cards as Enter does (they read as buttons to many viewers).
document.addEventListener('keydown', (event) => {
  if (event.key !== ' ' || event.defaultPrevented) return;
  const card = event.target instanceof Element ? event.target.closest('a[data-card]') : null;
  if (!card) return;
  event.preventDefault();
  card.click();
});

// A new language: labels everywhere, series text refetched with ?lang= (the player keeps playing).
window.addEventListener('localechange', () => {
  ctx.tabbar.render();
  if (current && current.route.name !== 'watch') render(router.route, router.state);
});

document.documentElement.classList.replace('no-js', 'js');
await (localeReady ?? loadLocale()); // web: asked for by boot.js while the modules loaded
await platform.start({ api }); // TikTok: SDK init, silent login (bounded); web: nothing to wait for
ctx.toast = new Toast(document.body);
ctx.tabbar = new TabBar(document.body);
if (new URLSearchParams(window.location.search).has('order_id')) {
  // Back from a hosted checkout: settle the order before the first screen.
  const { resumeCheckout } = await import('./checkout.js');
  await resumeCheckout({ api, toast: ctx.toast });
}
router.start();

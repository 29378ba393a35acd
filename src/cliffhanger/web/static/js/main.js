// Boot: viewer session, route, first view. Loaded as a module from the shell template.

import { ApiClient, NetworkError, ProblemError } from './api.js';
import { h, replaceChildren } from './dom.js';
import { parseRoute } from './route.js';
import { t } from './strings.js';
import { Toast } from './toast.js';
import { showHome } from './views/home.js';
import { showWatch } from './views/watch.js';

const root = document.getElementById('app');
const api = new ApiClient({ base: document.body.dataset.apiBase || '/api/v1' });
const toast = new Toast(document.body);

function renderMessage(text, { retry = false, home = false } = {}) {
  replaceChildren(
    root,
    h(
      'div',
      { class: 'message-screen' },
      h('p', { class: 'message-screen__text' }, text),
      retry ? h('button', { type: 'button', class: 'button button--primary', onclick: () => boot() }, t('app.retry')) : null,
      home ? h('a', { class: 'button button--ghost', href: '/' }, t('app.home')) : null,
    ),
  );
}

function renderLoading() {
  replaceChildren(
    root,
    h(
      'div',
      { class: 'message-screen', role: 'status' },
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      h('span', { class: 'visually-hidden' }, t('app.loading')),
    ),
  );
}

async function boot() {
  const route = parseRoute();
  renderLoading();
  root.setAttribute('aria-busy', 'true');
  try {
    if (route.name === 'watch') {
      await showWatch(root, { api, toast, seriesId: route.seriesId, episodeNumber: route.episodeNumber });
    } else {
      await showHome(root, { api, toast, renderMessage });
    }
  } catch (err) {
    console.error('viewer app failed to start', err);
    if (err instanceof ProblemError && err.status === 404) renderMessage(t('app.seriesNotFound'), { home: true });
    else if (err instanceof NetworkError) renderMessage(t('app.offline'), { retry: true });
    else renderMessage(t('app.error'), { retry: true, home: route.name !== 'home' });
  } finally {
    root.removeAttribute('aria-busy');
  }
}

document.documentElement.classList.replace('no-js', 'js');
boot();

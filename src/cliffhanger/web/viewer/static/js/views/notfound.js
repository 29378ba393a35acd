// A path the app does not know (the server only serves the shell for known ones).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { emptyState, screenHeader } from '../ui.js';

export async function showNotFound(container) {
  container.replaceChildren(
    h(
      'div',
      { class: 'screen' },
      screenHeader(t('app.notFound.title')),
      h('div', { class: 'screen__body' }, emptyState(t('app.notFound.text'), null, h('a', { class: 'pill-button', href: '/' }, t('app.home')), 'discover')),
    ),
  );
  return null;
}

// Profile and settings: coin balance, the app's language, watch history.

import { h } from '../dom.js';
import { SUPPORTED, getLocale, setLocale, t } from '../i18n.js';
import { coinsText, screenHeader, section, uid, uiIcon } from '../ui.js';

// Each language in its own name: a viewer looking for theirs must be able to read it.
const ENDONYMS = {
  en: 'English',
  es: 'Español',
  'pt-BR': 'Português (Brasil)',
  id: 'Bahasa Indonesia',
  th: 'ไทย',
  ko: '한국어',
  ja: '日本語',
};

function displayName(code) {
  try {
    return new Intl.DisplayNames([getLocale()], { type: 'language' }).of(code) || '';
  } catch {
    return '';
  }
}

export async function showSettings(container, ctx, _route, state) {
  const wallet = await ctx.catalog.wallet().catch(() => null);
  const current = getLocale();

  const balance = h(
    'div',
    { class: 'wallet-card' },
    h('span', { class: 'wallet-card__icon', 'aria-hidden': 'true' }, uiIcon('coin', 'icon icon--large')),
    h(
      'div',
      {},
      h('p', { class: 'wallet-card__label' }, t('app.settings.balance')),
      h('p', { class: 'wallet-card__value', dataset: { field: 'balance' } }, wallet ? coinsText(wallet.balance_coins) : '—'),
    ),
  );

  const name = uid('locale');
  let busy = false;
  const options = SUPPORTED.map((code) => {
    const own = ENDONYMS[code];
    const translated = displayName(code);
    const radio = h('input', {
      type: 'radio',
      class: 'choice__input',
      name,
      value: code,
      checked: code === current,
      dataset: { locale: code },
    });
    radio.addEventListener('change', async () => {
      if (!radio.checked || busy) return;
      busy = true;
      ctx.router.saveState({ focus: 'locale' });
      try {
        await setLocale(code); // fires `localechange`: the app re-renders in the new language
      } catch (err) {
        console.warn('language change failed', err);
        ctx.toast.show(t('app.error'));
      } finally {
        busy = false;
      }
    });
    return h(
      'label',
      { class: 'choice' },
      radio,
      h(
        'span',
        { class: 'choice__text' },
        h('span', { class: 'choice__title', lang: code }, own),
        translated && translated !== own ? h('span', { class: 'choice__detail' }, translated) : null,
      ),
      h('span', { class: 'choice__check', 'aria-hidden': 'true' }, uiIcon('check', 'icon icon--small')),
    );
  });
  const languageId = uid('language');
  const language = h(
    'fieldset',
    { class: 'choices' },
    h('legend', { class: 'visually-hidden' }, t('app.settings.language')),
    options,
  );

  // Watch history: forget it, after a confirmation step.
  const confirmRow = h('div', { class: 'confirm-row', hidden: true });
  const clearButton = h(
    'button',
    { type: 'button', class: 'pill-button pill-button--danger', 'aria-expanded': 'false' },
    uiIcon('trash', 'icon icon--small'),
    h('span', {}, t('app.settings.clearHistory')),
  );
  const closeConfirm = () => {
    confirmRow.hidden = true;
    clearButton.setAttribute('aria-expanded', 'false');
    clearButton.focus();
  };
  const yes = h('button', { type: 'button', class: 'pill-button pill-button--danger' }, t('app.settings.clearConfirm'));
  const no = h('button', { type: 'button', class: 'pill-button', onclick: closeConfirm }, t('app.settings.cancel'));
  confirmRow.append(h('p', { class: 'confirm-row__text' }, t('app.settings.clearQuestion')), h('div', { class: 'confirm-row__actions' }, yes, no));
  clearButton.addEventListener('click', () => {
    confirmRow.hidden = false;
    clearButton.setAttribute('aria-expanded', 'true');
    no.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await ctx.catalog.clearHistory();
      ctx.toast.show(t('app.settings.cleared'));
      closeConfirm();
    } catch (err) {
      console.warn('clearing history failed', err);
      ctx.toast.show(t('app.error'));
    } finally {
      yes.disabled = false;
    }
  });

  container.replaceChildren(
    h(
      'div',
      { class: 'screen' },
      screenHeader(t('app.tabs.profile')),
      h(
        'div',
        { class: 'screen__body' },
        balance,
        section(t('app.settings.language'), language, { id: languageId, extra: uiIcon('globe', 'icon icon--small block__icon') }),
        section(
          t('app.settings.history'),
          h('div', {}, h('p', { class: 'muted' }, t('app.settings.historyText')), clearButton, confirmRow),
          { id: uid('history') },
        ),
        h('p', { class: 'settings__note' }, t('app.settings.priceNote')),
      ),
    ),
  );

  if (state.focus === 'locale') {
    ctx.router.saveState({ focus: null });
    container.querySelector('.choice__input:checked')?.focus();
  }
  return null;
}

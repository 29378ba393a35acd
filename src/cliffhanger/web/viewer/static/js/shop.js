// Coin packs, the series pass and VIP subscriptions: the chooser sheet the unlock sheet opens,
// and the offer lists the wallet screen reuses. Choosing an offer starts checkout.buy().

import { buy, buyable, purchaseProvider } from './checkout.js';
import { h, icon, replaceChildren } from './dom.js';
import { plural, t } from './i18n.js';
import { coinsText, moneyError, offerName, offerPrice } from './money.js';
import { Sheet } from './sheet.js';
import { uiIcon } from './ui.js';

const labels = new WeakMap(); // busy button -> its children before "Opening checkout…"

/** Show a button as working (or back to normal); keeps its label to restore it. */
export function setBusy(button, busy, text = t('money.shop.opening')) {
  if (busy) {
    if (!labels.has(button)) labels.set(button, [...button.childNodes]);
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    replaceChildren(button, h('span', { class: 'spinner spinner--small', 'aria-hidden': 'true' }), h('span', {}, text));
  } else {
    const saved = labels.get(button);
    labels.delete(button);
    if (saved) button.replaceChildren(...saved);
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// Back from the hosted checkout with the browser's Back button: the page may come back from
// the back/forward cache with a button still "Opening checkout…".
window.addEventListener('pageshow', (event) => {
  if (!event.persisted) return;
  for (const button of document.querySelectorAll('[data-offer-id][aria-busy="true"]')) setBusy(button, false);
});

function offerDetail(offer) {
  if (offer.kind === 'coin_pack') {
    if (!offer.bonus_coins) return t('money.offer.paidNeverExpire');
    return offer.bonus_expires_days
      ? t('money.offer.bonusExpiring', { coins: plural('money.bonusCoins', offer.bonus_coins), days: offer.bonus_expires_days })
      : plural('money.bonusCoins', offer.bonus_coins);
  }
  if (offer.kind === 'series_pass') return t('money.offer.passDetail');
  return t(offer.period === 'weekly' ? 'money.offer.weeklyDetail' : 'money.offer.monthlyDetail');
}

function offerIcon(offer) {
  if (offer.kind === 'coin_pack') return icon('coin', 'icon shop-offer__icon icon--coin');
  if (offer.kind === 'series_pass') return uiIcon('trophy', 'icon shop-offer__icon');
  return uiIcon('sparkle', 'icon shop-offer__icon');
}

/**
 * One offer as a button: icon, name, what it gives, price; `badge` flags the recommended one.
 * @param {object} offer an item of GET /offers (or of a paywall)
 */
export function offerButton(offer, { onChoose, badge = null }) {
  const button = h(
    'button',
    {
      type: 'button',
      class: `shop-offer shop-offer--${offer.kind}${badge ? ' shop-offer--recommended' : ''}`,
      dataset: { offerId: offer.id },
    },
    offerIcon(offer),
    h(
      'span',
      { class: 'shop-offer__text' },
      h('span', { class: 'shop-offer__name' }, offerName(offer)),
      h('span', { class: 'shop-offer__detail' }, offerDetail(offer)),
      badge ? h('span', { class: 'shop-offer__badge' }, badge) : null,
    ),
    h('span', { class: 'shop-offer__price' }, offerPrice(offer, purchaseProvider(offer))),
  );
  button.addEventListener('click', () => onChoose(offer, button));
  return button;
}

/** The smallest coin pack that covers `need` coins (null when nothing is needed). */
function packFor(packs, need) {
  if (!need || need <= 0) return null;
  return [...packs].sort((a, b) => a.price_minor - b.price_minor).find((p) => p.coins + p.bonus_coins >= need) ?? null;
}

/** A list of offer buttons; coin packs flag the one that covers `need`. */
export function offerList(offers, { onChoose, need = 0 }) {
  const list = buyable(offers);
  const recommended = packFor(list.filter((o) => o.kind === 'coin_pack'), need);
  return h(
    'ul',
    { class: 'shop-list' },
    list.map((offer) =>
      h('li', {}, offerButton(offer, { onChoose, badge: offer === recommended ? t('money.shop.covers') : null })),
    ),
  );
}

/** The sandbox note: test money, nothing is charged. Null inside TikTok. */
export function sandboxNote(offers) {
  return buyable(offers).some((o) => purchaseProvider(o) === 'sandbox')
    ? h('p', { class: 'shop-note shop-note--sandbox' }, t('money.shop.sandboxNote'))
    : null;
}

/**
 * Start buying `offer` from `button`: the button shows progress; web leaves for the checkout
 * page; TikTok settles in place and hands the result to `onSettled`. Errors go to `onError`.
 */
export async function purchase(api, offer, button, { returnUrl, context, onSettled, onError }) {
  if (button.getAttribute('aria-busy') === 'true') return;
  setBusy(button, true);
  let redirected = false;
  try {
    const result = await buy(api, offer, { returnUrl, context });
    redirected = result.status === 'redirected';
    if (!redirected) onSettled?.(result);
  } catch (err) {
    console.warn('purchase failed', err);
    onError(moneyError(err));
  } finally {
    if (!redirected) setBusy(button, false);
  }
}

/** The chooser sheet: coin packs (`mode: 'coins'`) or VIP subscriptions (`mode: 'vip'`). */
export class ShopSheet {
  /** @param {{api: import('./api.js').ApiClient}} options */
  constructor({ api }) {
    this.api = api;
    this.onClosed = null;
    this.sheet = new Sheet({
      title: '',
      closeLabel: t('money.shop.close'),
      className: 'sheet--shop',
      onClose: () => this.onClosed?.(),
    });
    this.sheet.dialog.dataset.sheet = 'shop';
  }

  get isOpen() {
    return this.sheet.isOpen;
  }

  /**
   * @param {{mode: 'coins'|'vip', offers: object[], balance?: number|null, need?: number,
   *          episode?: object|null, returnUrl?: string, context?: object,
   *          onSettled?: (result: object) => void, onClosed?: () => void}} options
   */
  open({ mode, offers, balance = null, need = 0, episode = null, returnUrl, context = {}, onSettled = null, onClosed = null }) {
    this.onClosed = onClosed;
    const coinsMode = mode === 'coins';
    const shown = offers.filter((o) => (coinsMode ? o.kind === 'coin_pack' : o.kind === 'subscription'));
    this.sheet.setTitle(t(coinsMode ? 'money.shop.coinsTitle' : 'money.shop.vipTitle'));
    this.message = h('p', { class: 'money-message money-message--error', role: 'alert' });

    const summary = [];
    if (coinsMode && balance !== null) summary.push(t('money.shop.balance', { coins: coinsText(balance) }));
    if (coinsMode && need > 0 && episode) summary.push(t('money.shop.need', { coins: coinsText(need), n: episode.number }));
    if (!coinsMode) summary.push(t('money.shop.vipIntro'));

    const onChoose = (offer, button) =>
      purchase(this.api, offer, button, {
        returnUrl,
        context,
        onError: (text) => this.showError(text),
        onSettled: (result) => onSettled?.(result),
      });
    const list = shown.length ? offerList(shown, { onChoose, need }) : h('p', { class: 'shop-empty' }, t('money.shop.none'));
    replaceChildren(
      this.sheet.body,
      summary.length ? h('p', { class: 'shop-summary' }, summary.join(' · ')) : null,
      list,
      this.message,
      h('p', { class: 'shop-note' }, t(coinsMode ? 'money.shop.coinsNote' : 'money.shop.vipNote')),
      sandboxNote(shown),
    );
    this.sheet.open(this.sheet.body.querySelector('.shop-offer--recommended') ?? this.sheet.body.querySelector('.shop-offer'));
  }

  showError(text) {
    this.message.textContent = text;
    this.message.classList.toggle('is-visible', Boolean(text));
  }

  close(options) {
    this.sheet.close(options);
  }
}

// The unlock sheet (paywall): price (and the list price when a price lock makes it lower),
// balance, short-by, cost to finish, the exactly-once coin unlock, and every other way on —
// buy coins, watch an ad, season pass, VIP subscription (docs/money.md, "Offers and pricing").

import { NetworkError, ProblemError, newIdempotencyKey } from './api.js';
import { adsLeftText, watchAdToUnlock } from './ads.js';
import { buyable, currentPath, outcomeMessage, purchaseProvider, takeCheckoutOutcome } from './checkout.js';
import { h, icon, replaceChildren } from './dom.js';
import { watchEvents } from './events.js';
import { WALLET_EVENT, moneyApi, moneyError, offerPrice, resetText } from './money.js';
import { Sheet } from './sheet.js';
import { ShopSheet, purchase, setBusy } from './shop.js';
import { coins, episodes, t } from './strings.js';
import { uiIcon } from './ui.js';

/**
 * @typedef {{price: number, balance: number|null, costToFinish: number|null, lockedCount: number,
 *            paywall?: object|null}} Offer
 * `paywall` is the 402's `paywall` object (GET /episodes/{id}/paywall has the same shape); when
 * it is missing the sheet asks for it.
 */

let reasonCounter = 0;

export class UnlockSheet {
  /**
   * @param {{api: import('./api.js').ApiClient,
   *          onUnlocked: (episode: object, result: object) => void,
   *          onDismissed?: (episode: object) => void}} options
   */
  constructor({ api, onUnlocked, onDismissed = null }) {
    this.api = api;
    this.onUnlocked = onUnlocked;
    this.onDismissed = onDismissed;
    this.episode = null;
    this.attempt = null; // {episodeId, key}: one unlock attempt, retried with the same key
    this.busy = false;
    this.succeeded = false;
    this.paywall = null;
    this.shop = null;
    this.sheet = new Sheet({
      title: '',
      closeLabel: t('unlock.close'),
      className: 'sheet--unlock',
      onClose: () => {
        if (!this.succeeded) this.onDismissed?.(this.episode);
      },
    });
    this.sheet.dialog.dataset.sheet = 'unlock';
    // A purchase elsewhere (TikTok pay in place, wallet refresh) changes the balance shown here.
    this.onWallet = (event) => {
      if (!this.sheet.dialog.isConnected) {
        window.removeEventListener(WALLET_EVENT, this.onWallet);
        return;
      }
      if (this.isOpen && this.offer) this.setBalance(event.detail.balance_coins);
    };
    window.addEventListener(WALLET_EVENT, this.onWallet);
  }

  get isOpen() {
    return this.sheet.isOpen;
  }

  /** @param {object} episode @param {Offer} offer */
  open(episode, offer) {
    if (this.isOpen && this.episode?.id === episode.id) return;
    this.episode = episode;
    this.offer = offer;
    this.paywall = offer.paywall ?? null;
    this.succeeded = false;
    this.busy = false;
    this.attempt = { episodeId: episode.id, key: newIdempotencyKey() };
    watchEvents(this.api).emit('unlock_sheet_shown', {
      episode_id: episode.id,
      props: { price_coins: offer.price, ...(offer.balance !== null && offer.balance !== undefined ? { balance_coins: offer.balance } : {}) },
    });
    this.sheet.setTitle(t('unlock.title', { n: episode.number }));

    this.balanceValue = h('dd', { class: 'offer__value', dataset: { field: 'balance' } });
    this.shortValue = h('dd', { class: 'offer__value offer__value--short', dataset: { field: 'short' } });
    this.shortRow = h('div', { class: 'offer__row', hidden: true }, h('dt', {}, t('money.paywall.shortBy')), this.shortValue);
    this.finishValue = h('dd', { class: 'offer__value', dataset: { field: 'finish' } });
    this.finishLabel = h('dt', {}, t('unlock.finish'));
    this.wasValue = h('dd', { class: 'offer__was', hidden: true });
    this.priceLabel = h('dt', {}, t('unlock.price'));
    this.message = h('p', { class: 'unlock__message', role: 'alert' });
    this.notice = h('p', { class: 'money-message money-message--ok', role: 'status' });
    this.confirm = h('button', { type: 'button', class: 'button button--primary unlock__confirm', onclick: () => this.submit() });
    this.ways = h('div', { class: 'ways', hidden: true });
    this.setConfirmIdle();
    const rows = [
      h('div', { class: 'offer__row' }, this.priceLabel, this.wasValue, h('dd', { class: 'offer__value', dataset: { field: 'price' } }, coins(offer.price))),
      h('div', { class: 'offer__row' }, h('dt', {}, t('unlock.balance')), this.balanceValue),
      this.shortRow,
      // What finishing the series costs is always on show, even before the paywall arrives.
      h('div', { class: 'offer__row offer__row--finish' }, this.finishLabel, this.finishValue),
    ];
    replaceChildren(
      this.sheet.body,
      h('p', { class: 'unlock__subtitle' }, t('unlock.subtitle', { title: episode.title })),
      h('dl', { class: 'offer' }, rows),
      this.message,
      this.notice,
      this.confirm,
      this.ways,
      h('button', { type: 'button', class: 'button button--ghost', onclick: () => this.sheet.close() }, t('unlock.cancel')),
      h('p', { class: 'unlock__note' }, t('unlock.priceLock')),
    );
    this.setFinish(offer.costToFinish ?? this.paywall?.cost_to_finish_coins ?? null, offer.lockedCount ?? this.paywall?.locked_episodes ?? 0);
    this.setBalance(offer.balance ?? this.paywall?.balance_coins ?? null);
    if (this.paywall) this.renderPaywall();
    else this.loadPaywall();
    this.showCheckoutOutcome();
    this.sheet.open(this.confirm);
  }

  close() {
    this.shop?.close({ immediate: true });
    this.sheet.close();
  }

  /** Ask the server for the paywall (price lock, ad allowance, pass, packs) of this episode. */
  async loadPaywall() {
    const episode = this.episode;
    try {
      const paywall = await moneyApi.paywall(this.api, episode.id);
      if (this.episode !== episode || !this.isOpen) return;
      this.paywall = paywall;
      this.renderPaywall();
    } catch (err) {
      console.warn('paywall could not be loaded', err);
    }
  }

  renderPaywall() {
    const pw = this.paywall;
    if (!pw) return;
    if (this.offer.balance === null || this.offer.balance === undefined) this.setBalance(pw.balance_coins);
    if (this.offer.costToFinish === null || this.offer.costToFinish === undefined) {
      this.setFinish(pw.cost_to_finish_coins, pw.locked_episodes);
    }
    // A price lock (or an in-app discount) below the series' list price: show both.
    const list = pw.list_price_coins;
    const lower = typeof list === 'number' && list > this.offer.price;
    this.wasValue.hidden = !lower;
    replaceChildren(
      this.priceLabel,
      t('unlock.price'),
      lower ? h('small', { class: 'offer__detail offer__detail--lock' }, t(pw.price_locked ? 'money.paywall.priceLocked' : 'money.paywall.discount')) : null,
    );
    if (lower) {
      replaceChildren(this.wasValue, h('s', {}, h('span', { class: 'visually-hidden' }, t('money.paywall.was')), coins(list)));
    }
    this.renderWays();
  }

  setFinish(cost, lockedCount) {
    this.finishValue.textContent = cost === null || cost === undefined ? '—' : coins(cost);
    replaceChildren(
      this.finishLabel,
      t('unlock.finish'),
      lockedCount > 0 ? h('small', { class: 'offer__detail' }, t('unlock.finishDetail', { episodes: episodes(lockedCount) })) : null,
    );
  }

  /** Short by this many coins (0 when the balance covers the price or is unknown). */
  get short() {
    const balance = this.offer?.balance;
    return balance === null || balance === undefined ? 0 : Math.max(0, this.offer.price - balance);
  }

  /** The other ways on: buy coins, rewarded ad, season pass, VIP subscription. */
  renderWays() {
    const pw = this.paywall;
    if (!pw) return;
    const items = [];
    const packs = buyable(pw.coin_packs);
    const short = this.short;
    if (packs.length) {
      const cheapest = [...packs].sort((a, b) => a.price_minor - b.price_minor)[0];
      items.push(
        wayButton({
          option: 'coins',
          iconNode: icon('coin', 'icon way__icon icon--coin'),
          title: t('money.paywall.buyCoins'),
          detail: t(short > 0 ? 'money.paywall.buyCoinsShort' : 'money.paywall.buyCoinsFrom', {
            coins: coins(short),
            price: offerPrice(cheapest, purchaseProvider(cheapest)),
          }),
          highlight: short > 0,
          onclick: () => this.openShop('coins'),
        }),
      );
    }
    const ad = pw.ad;
    if (ad && ad.daily_cap > 0) {
      if (ad.available && ad.remaining_today > 0) {
        items.push(
          wayButton({
            option: 'ad',
            iconNode: uiIcon('play', 'icon way__icon'),
            title: t('money.paywall.ad'),
            detail: adsLeftText(ad.remaining_today, ad.daily_cap),
            onclick: (button) => this.watchAd(button),
          }),
        );
      } else {
        // At the cap: still listed, disabled, with the reason in words (not just greyed out).
        const reasonId = `ad-reason-${++reasonCounter}`;
        items.push(
          wayButton({
            option: 'ad',
            iconNode: uiIcon('play', 'icon way__icon'),
            title: t('money.paywall.ad'),
            detail: adsLeftText(0, ad.daily_cap),
            disabled: true,
            describedBy: reasonId,
          }),
          h('p', { class: 'way__reason', id: reasonId, dataset: { reason: 'ad' } }, t('money.paywall.adCapped', { cap: ad.daily_cap, time: resetText(ad.resets_at) })),
        );
      }
    }
    const pass = pw.series_pass && purchaseProvider(pw.series_pass) ? pw.series_pass : null;
    if (pass) {
      items.push(
        wayButton({
          option: 'pass',
          iconNode: uiIcon('trophy', 'icon way__icon'),
          title: t('money.paywall.pass'),
          detail: t('money.paywall.passDetail', { price: offerPrice(pass, purchaseProvider(pass)) }),
          onclick: (button) => this.buy(pass, button),
        }),
      );
    }
    const subs = buyable(pw.subscriptions);
    if (subs.length) {
      const weekly = subs.find((s) => s.period === 'weekly');
      const from = weekly ?? [...subs].sort((a, b) => a.price_minor - b.price_minor)[0];
      items.push(
        wayButton({
          option: 'subscribe',
          iconNode: uiIcon('sparkle', 'icon way__icon'),
          title: t('money.paywall.subscribe'),
          detail: t(from.period === 'weekly' ? 'money.paywall.subscribeWeekly' : 'money.paywall.subscribeMonthly', {
            price: offerPrice(from, purchaseProvider(from)),
          }),
          onclick: () => this.openShop('vip'),
        }),
      );
    }
    const focusedOption = document.activeElement?.closest?.('[data-option]')?.dataset.option ?? null;
    replaceChildren(
      this.ways,
      items.length ? h('h3', { class: 'ways__title' }, t('money.paywall.ways')) : null,
      items,
    );
    this.ways.hidden = items.length === 0;
    this.confirm.classList.toggle('button--secondary', short > 0 && packs.length > 0);
    if (focusedOption) this.ways.querySelector(`[data-option="${focusedOption}"]:not(:disabled)`)?.focus({ preventScroll: true });
  }

  setBalance(balance) {
    this.offer.balance = balance;
    this.balanceValue.textContent = balance === null || balance === undefined ? '—' : coins(balance);
    const short = this.short;
    this.balanceValue.classList.toggle('is-short', short > 0);
    this.shortRow.hidden = short === 0;
    this.shortValue.textContent = coins(short);
    if (!this.busy && this.confirm.disabled && short === 0) this.confirm.disabled = false;
    if (this.paywall) this.renderWays();
  }

  setConfirmIdle() {
    replaceChildren(this.confirm, icon('lock', 'icon icon--small'), t('unlock.confirm', { coins: coins(this.offer.price) }));
    this.confirm.disabled = false;
    this.confirm.removeAttribute('aria-busy');
  }

  showMessage(text) {
    this.message.textContent = text;
    this.message.classList.toggle('is-visible', Boolean(text));
    if (text) this.showNotice('');
  }

  showNotice(text) {
    this.notice.textContent = text;
    this.notice.classList.toggle('is-visible', Boolean(text));
  }

  /** Back from the hosted checkout for this episode: say how it went. */
  showCheckoutOutcome() {
    const episode = this.episode;
    const outcome = takeCheckoutOutcome((o) => !o.saved?.episode_id || o.saved.episode_id === episode.id);
    if (!outcome) return;
    const { text, ok } = outcomeMessage(outcome);
    if (ok) this.showNotice(this.short === 0 ? `${text} ${t('money.paywall.nowUnlock')}` : text);
    else this.showMessage(text);
  }

  async submit() {
    if (this.busy || !this.attempt) return;
    this.busy = true;
    this.showMessage('');
    this.confirm.disabled = true;
    this.confirm.setAttribute('aria-busy', 'true');
    replaceChildren(this.confirm, t('unlock.working'));
    const episode = this.episode;
    try {
      const result = await this.api.unlockWithCoins(this.attempt.episodeId, this.attempt.key);
      this.succeeded = true;
      this.attempt = null;
      this.close();
      this.onUnlocked(episode, result);
    } catch (err) {
      this.failed(err);
    } finally {
      this.busy = false;
    }
  }

  failed(err) {
    if (err instanceof ProblemError && err.status === 402) {
      // A definitive answer: this attempt is over; a later one (after buying coins) gets a new key.
      const price = err.problem.price_coins ?? this.offer.price;
      const balance = err.problem.balance_coins ?? this.offer.balance ?? 0;
      this.attempt = { episodeId: this.episode.id, key: newIdempotencyKey() };
      this.setConfirmIdle();
      this.setBalance(balance);
      this.confirm.disabled = balance < price;
      if (err.problem.cost_to_finish_coins !== undefined) {
        this.setFinish(err.problem.cost_to_finish_coins, this.offer.lockedCount ?? this.paywall?.locked_episodes ?? 0);
      }
      this.showMessage(t('unlock.short', { balance: coins(balance), price: coins(price), missing: coins(Math.max(0, price - balance)) }));
      return;
    }
    if (err instanceof ProblemError && err.status === 409) {
      this.attempt = { episodeId: this.episode.id, key: newIdempotencyKey() };
      this.setConfirmIdle();
      this.showMessage(t('unlock.conflict'));
      return;
    }
    if (err instanceof ProblemError && (err.status === 403 || err.status === 429)) {
      // Spend limit or rate limit: refused before anything was charged; say which and when.
      this.attempt = { episodeId: this.episode.id, key: newIdempotencyKey() };
      this.setConfirmIdle();
      this.showMessage(moneyError(err));
      return;
    }
    // Network failure or server error: the outcome is unknown, so a retry reuses the same key
    // and the server answers with the first result instead of charging twice.
    if (!(err instanceof NetworkError || (err instanceof ProblemError && err.status >= 500))) {
      this.attempt = { episodeId: this.episode.id, key: newIdempotencyKey() };
    }
    this.setConfirmIdle();
    this.showMessage(t('unlock.failed'));
  }

  // ---- the other ways on ------------------------------------------------------------------

  context() {
    return { episode_id: this.episode.id, series_id: this.paywall?.series_id ?? null, episode_number: this.episode.number };
  }

  /** The coin-pack or subscription chooser, over this sheet (which stays open underneath). */
  openShop(mode) {
    this.shop ??= new ShopSheet({ api: this.api });
    const pw = this.paywall;
    const from = document.activeElement;
    this.sheet.dialog.classList.add('sheet--covered');
    this.shop.open({
      mode,
      offers: [...(pw.coin_packs ?? []), ...(pw.subscriptions ?? [])],
      balance: this.offer.balance,
      need: this.short,
      episode: this.episode,
      returnUrl: currentPath(),
      context: this.context(),
      onSettled: (result) => this.settled(result),
      onClosed: () => {
        this.sheet.dialog.classList.remove('sheet--covered');
        if (this.isOpen && from instanceof HTMLElement && from.isConnected) from.focus({ preventScroll: true });
      },
    });
  }

  buy(offer, button) {
    this.showMessage('');
    return purchase(this.api, offer, button, {
      returnUrl: currentPath(),
      context: this.context(),
      onError: (text) => this.showMessage(text),
      onSettled: (result) => this.settled(result),
    });
  }

  /** A purchase settled in place (TikTok): a pass or VIP opens the episode; coins refill. */
  settled(result) {
    this.shop?.close({ immediate: true });
    const { text, ok } = outcomeMessage(result);
    if (!ok) {
      this.showMessage(text);
      return;
    }
    const kind = result.order?.kind ?? result.offer?.kind;
    if (kind === 'series_pass' || kind === 'subscription') {
      const episode = this.episode;
      this.succeeded = true;
      this.close();
      this.onUnlocked(episode, { episode_id: episode.id, method: kind, balance_coins: this.offer.balance });
      return;
    }
    this.showNotice(this.short === 0 ? `${text} ${t('money.paywall.nowUnlock')}` : text);
    this.confirm.focus({ preventScroll: true });
  }

  async watchAd(button) {
    if (this.busy) return;
    this.busy = true;
    this.showMessage('');
    setBusy(button, true, t('money.paywall.adStarting'));
    const episode = this.episode;
    let refresh = false;
    try {
      const result = await watchAdToUnlock(this.api, episode);
      if (result.unlocked) {
        this.succeeded = true;
        this.attempt = null;
        this.close();
        this.onUnlocked(episode, { episode_id: episode.id, method: 'ad', balance_coins: this.offer.balance });
        return;
      }
      if (result.forfeited) this.showMessage(t('money.paywall.adForfeited'));
    } catch (err) {
      console.warn('ad unlock failed', err);
      this.showMessage(moneyError(err));
      refresh = err instanceof ProblemError && err.status < 500;
    } finally {
      this.busy = false;
      if (button.isConnected) setBusy(button, false);
    }
    // The allowance changed (cap reached, a session closed): show the paywall as it is now.
    if (refresh && this.episode === episode && this.isOpen) this.loadPaywall();
  }
}

/** One "way on" as a full-width button: icon, title, one line of detail, chevron. */
function wayButton({ option, iconNode, title, detail, onclick = null, disabled = false, highlight = false, describedBy = null }) {
  const button = h(
    'button',
    {
      type: 'button',
      class: `way${highlight ? ' way--highlight' : ''}`,
      dataset: { option },
      disabled,
      'aria-describedby': describedBy,
    },
    iconNode,
    h('span', { class: 'way__text' }, h('span', { class: 'way__title' }, title), h('span', { class: 'way__detail' }, detail)),
    uiIcon('chevron', 'icon way__chevron'),
  );
  if (onclick) button.addEventListener('click', () => onclick(button));
  return button;
}

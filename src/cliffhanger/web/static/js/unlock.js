// The unlock sheet: price, balance and cost to finish, then an exactly-once coin unlock.

import { NetworkError, ProblemError, newIdempotencyKey } from './api.js';
import { h, icon, replaceChildren } from './dom.js';
import { Sheet } from './sheet.js';
import { coins, episodes, t } from './strings.js';

/**
 * @typedef {{price: number, balance: number|null, costToFinish: number|null, lockedCount: number}} Offer
 */

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
    this.sheet = new Sheet({
      title: '',
      closeLabel: t('unlock.close'),
      className: 'sheet--unlock',
      onClose: () => {
        if (!this.succeeded) this.onDismissed?.(this.episode);
      },
    });
    this.sheet.dialog.dataset.sheet = 'unlock';
  }

  get isOpen() {
    return this.sheet.isOpen;
  }

  /** @param {object} episode @param {Offer} offer */
  open(episode, offer) {
    if (this.isOpen && this.episode?.id === episode.id) return;
    this.episode = episode;
    this.offer = offer;
    this.succeeded = false;
    this.busy = false;
    this.attempt = { episodeId: episode.id, key: newIdempotencyKey() };
    this.sheet.setTitle(t('unlock.title', { n: episode.number }));

    this.balanceValue = h('dd', { class: 'offer__value', dataset: { field: 'balance' } });
    this.message = h('p', { class: 'unlock__message', role: 'alert' });
    this.confirm = h('button', { type: 'button', class: 'button button--primary unlock__confirm', onclick: () => this.submit() });
    this.setConfirmIdle();
    const rows = [
      row('price', t('unlock.price'), coins(offer.price)),
      h('div', { class: 'offer__row' }, h('dt', {}, t('unlock.balance')), this.balanceValue),
    ];
    if (offer.costToFinish !== null) {
      rows.push(
        row('finish', t('unlock.finish'), coins(offer.costToFinish), offer.lockedCount > 0
          ? t('unlock.finishDetail', { episodes: episodes(offer.lockedCount) })
          : null),
      );
    }
    replaceChildren(
      this.sheet.body,
      h('p', { class: 'unlock__subtitle' }, t('unlock.subtitle', { title: episode.title })),
      h('dl', { class: 'offer' }, rows),
      this.message,
      this.confirm,
      h('button', { type: 'button', class: 'button button--ghost', onclick: () => this.sheet.close() }, t('unlock.cancel')),
      h('p', { class: 'unlock__note' }, t('unlock.priceLock')),
    );
    this.setBalance(offer.balance);
    this.sheet.open(this.confirm);
  }

  close() {
    this.sheet.close();
  }

  setBalance(balance) {
    this.offer.balance = balance;
    this.balanceValue.textContent = balance === null ? '—' : coins(balance);
    const short = balance !== null && balance < this.offer.price;
    this.balanceValue.classList.toggle('is-short', short);
  }

  setConfirmIdle() {
    replaceChildren(this.confirm, icon('lock', 'icon icon--small'), t('unlock.confirm', { coins: coins(this.offer.price) }));
    this.confirm.disabled = false;
    this.confirm.removeAttribute('aria-busy');
  }

  showMessage(text) {
    this.message.textContent = text;
    this.message.classList.toggle('is-visible', Boolean(text));
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
      this.sheet.close();
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
      this.setBalance(balance);
      this.setConfirmIdle();
      this.confirm.disabled = balance < price;
      this.showMessage(t('unlock.short', { balance: coins(balance), price: coins(price), missing: coins(Math.max(0, price - balance)) }));
      return;
    }
    if (err instanceof ProblemError && err.status === 409) {
      this.attempt = { episodeId: this.episode.id, key: newIdempotencyKey() };
      this.setConfirmIdle();
      this.showMessage(t('unlock.conflict'));
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
}

function row(field, label, value, detail = null) {
  return h(
    'div',
    { class: 'offer__row' },
    h('dt', {}, label, detail ? h('small', { class: 'offer__detail' }, detail) : null),
    h('dd', { class: 'offer__value', dataset: { field } }, value),
  );
}

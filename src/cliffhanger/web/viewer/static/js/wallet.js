// The wallet screen (`/wallet`, from the coin chip in the player HUD): balance split into paid
// and bonus coins, debt after a refund, bonus coins about to expire, coin packs, VIP
// subscriptions (cancel / resume), the viewer's own spend limits, and the coin history.

import { takeCheckoutOutcome, outcomeMessage, buyable } from './checkout.js';
import { h, icon, replaceChildren } from './dom.js';
import { formatNumber, plural, t } from './i18n.js';
import {
  amountText,
  coinsText,
  dateText,
  historyKind,
  moneyApi,
  moneyError,
  offerName,
  resetText,
} from './money.js';
import { offerList, purchase, sandboxNote, setBusy } from './shop.js';
import { screenHeader, section, uid, uiIcon } from './ui.js';

const PERIODS = ['day', 'month'];

/** Digits of a currency's minor unit (USD 2, JPY 0); coins and Beans have none. */
function digits(unit) {
  if (unit === 'coin' || unit === 'BEANS') return 0;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: unit }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

function signed(n) {
  const text = formatNumber(Math.abs(n));
  return n > 0 ? `+${text}` : n < 0 ? `−${text}` : text;
}

/**
 * @param {HTMLElement} container
 * @param {{api: import('./api.js').ApiClient, router: import('./router.js').Router,
 *          toast: import('./toast.js').Toast}} ctx
 */
export async function showWallet(container, ctx) {
  const { api } = ctx;
  const [history, limits, subscriptions, offers] = await Promise.all([
    moneyApi.history(api),
    moneyApi.limits(api).catch(() => null),
    moneyApi.subscriptions(api).catch(() => null),
    moneyApi.offers(api).catch(() => null),
  ]);
  const state = {
    history,
    limits: limits?.limits ?? null,
    subscriptions: subscriptions?.items ?? null,
    offers: offers?.items ?? [],
  };

  const status = h('p', { class: 'money-message money-message--ok', role: 'status' });
  const alert = h('p', { class: 'money-message money-message--error', role: 'alert' });
  const say = (text, ok = true) => {
    (ok ? status : alert).textContent = text;
    (ok ? status : alert).classList.toggle('is-visible', Boolean(text));
    (ok ? alert : status).classList.remove('is-visible');
  };

  const balanceBlock = h('div', { class: 'wallet-summary' });
  const buyBlock = h('div', {});
  const vipBlock = h('div', {});
  const limitsBlock = h('div', {});
  const historyBlock = h('div', {});

  const reload = async () => {
    try {
      const [fresh, subs] = await Promise.all([moneyApi.history(api), moneyApi.subscriptions(api).catch(() => null)]);
      state.history = fresh;
      if (subs) state.subscriptions = subs.items;
      renderBalance();
      renderVip();
      renderHistory();
    } catch (err) {
      say(moneyError(err), false);
    }
  };

  const buyOffer = (offer, button) =>
    purchase(api, offer, button, {
      returnUrl: '/wallet',
      context: {},
      onError: (text) => say(text, false),
      onSettled: (result) => {
        const { text, ok } = outcomeMessage(result);
        say(text, ok);
        reload();
      },
    });

  function renderBalance() {
    const w = state.history;
    replaceChildren(
      balanceBlock,
      h(
        'div',
        { class: 'wallet-card wallet-card--big' },
        h('span', { class: 'wallet-card__icon', 'aria-hidden': 'true' }, icon('coin', 'icon icon--large')),
        h(
          'div',
          { class: 'wallet-card__main' },
          h('p', { class: 'wallet-card__label' }, t('money.wallet.balance')),
          h('p', { class: 'wallet-card__value', dataset: { field: 'balance' } }, coinsText(w.balance_coins)),
          h(
            'dl',
            { class: 'wallet-split' },
            h('div', {}, h('dt', {}, t('money.wallet.paid')), h('dd', { dataset: { field: 'paid' } }, coinsText(w.paid_coins))),
            h('div', {}, h('dt', {}, t('money.wallet.bonus')), h('dd', { dataset: { field: 'bonus' } }, coinsText(w.bonus_coins))),
          ),
        ),
      ),
      w.debt_coins > 0
        ? h('p', { class: 'wallet-debt', dataset: { field: 'debt' } }, t('money.wallet.debt', { coins: coinsText(w.debt_coins) }))
        : null,
      w.expiring?.length
        ? h(
            'div',
            { class: 'wallet-expiring' },
            h('p', { class: 'wallet-expiring__title' }, uiIcon('clock', 'icon icon--small'), t('money.wallet.expiringTitle')),
            h(
              'ul',
              { class: 'wallet-expiring__list' },
              w.expiring.map((lot) =>
                h('li', {}, t('money.wallet.expiring', { coins: plural('money.bonusCoins', lot.coins), date: dateText(lot.expires_at) })),
              ),
            ),
          )
        : null,
      h('p', { class: 'wallet-note' }, t('money.wallet.splitNote')),
    );
  }

  function renderBuy() {
    const packs = buyable(state.offers.filter((o) => o.kind === 'coin_pack'));
    replaceChildren(
      buyBlock,
      packs.length
        ? [offerList(packs, { onChoose: buyOffer }), sandboxNote(packs)]
        : h('p', { class: 'muted' }, t('money.shop.none')),
    );
  }

  function subscriptionCard(sub) {
    const name = offerName({ kind: 'subscription', period: sub.period });
    let line;
    if (sub.status === 'past_due') line = t('money.wallet.subPastDue', { date: dateText(sub.grace_until ?? sub.current_period_end) });
    else if (sub.cancel_at_period_end) line = t('money.wallet.subEnds', { date: dateText(sub.current_period_end) });
    else line = t('money.wallet.subRenews', { date: dateText(sub.current_period_end) });
    const button = h(
      'button',
      { type: 'button', class: 'pill-button', dataset: { action: sub.cancel_at_period_end ? 'resume' : 'cancel' } },
      t(sub.cancel_at_period_end ? 'money.wallet.resume' : 'money.wallet.cancel'),
    );
    button.addEventListener('click', async () => {
      setBusy(button, true, t('money.wallet.saving'));
      try {
        const fresh = sub.cancel_at_period_end
          ? await moneyApi.resumeSubscription(api, sub.id)
          : await moneyApi.cancelSubscription(api, sub.id);
        state.subscriptions = state.subscriptions.map((s) => (s.id === fresh.id ? fresh : s));
        say(fresh.cancel_at_period_end
          ? t('money.wallet.cancelled', { date: dateText(fresh.current_period_end) })
          : t('money.wallet.resumed', { date: dateText(fresh.current_period_end) }));
        renderVip();
      } catch (err) {
        setBusy(button, false);
        say(moneyError(err), false);
      }
    });
    return h(
      'li',
      { class: 'sub-card', dataset: { subscriptionId: sub.id, status: sub.status } },
      uiIcon('sparkle', 'icon sub-card__icon'),
      h(
        'div',
        { class: 'sub-card__text' },
        h('p', { class: 'sub-card__name' }, name, ' ', h('span', { class: `sub-card__badge sub-card__badge--${sub.status}` }, t(`money.wallet.subStatus.${sub.status}`))),
        h('p', { class: 'sub-card__line' }, line),
      ),
      button,
    );
  }

  function renderVip() {
    const live = (state.subscriptions ?? []).filter((s) => s.active || s.status === 'past_due');
    const subsOffers = buyable(state.offers.filter((o) => o.kind === 'subscription'));
    replaceChildren(
      vipBlock,
      live.length
        ? h('ul', { class: 'sub-list' }, live.map(subscriptionCard))
        : subsOffers.length
          ? [h('p', { class: 'muted' }, t('money.shop.vipIntro')), offerList(subsOffers, { onChoose: buyOffer })]
          : h('p', { class: 'muted' }, t('money.wallet.noSubscription')),
      state.subscriptions === null ? h('p', { class: 'muted' }, t('money.wallet.sectionFailed')) : null,
    );
  }

  function limitRows() {
    const rows = [...(state.limits ?? [])];
    // Purchase limits in the currency the offers are priced in, even before one is set.
    const currencies = new Set(state.offers.map((o) => o.currency).filter(Boolean));
    for (const unit of currencies) {
      for (const period of PERIODS) {
        if (!rows.some((r) => r.unit === unit && r.period === period)) {
          rows.push({ unit, period, cap: null, operator_cap: null, viewer_limit: null, pending_limit: null, pending_from: null, spent: null });
        }
      }
    }
    const order = (r) => (r.unit === 'coin' ? 0 : 1) * 10 + PERIODS.indexOf(r.period);
    return rows.sort((a, b) => order(a) - order(b) || a.unit.localeCompare(b.unit));
  }

  function limitForm(limit) {
    const scale = 10 ** digits(limit.unit);
    const inputId = uid('limit');
    const kindKey = limit.unit === 'coin' ? 'coins' : 'money';
    const label = t(`money.limits.${kindKey}.${limit.period}`, { unit: limit.unit });
    const input = h('input', {
      id: inputId,
      class: 'limit__input',
      type: 'number',
      inputmode: scale > 1 ? 'decimal' : 'numeric',
      min: '0',
      step: scale > 1 ? String(1 / scale) : '1',
      value: limit.viewer_limit !== null ? String(limit.viewer_limit / scale) : '',
      placeholder: t('money.limits.none'),
      dataset: { unit: limit.unit, period: limit.period },
    });
    const save = h('button', { type: 'submit', class: 'pill-button limit__save' }, t('money.limits.save'));
    const remove = limit.viewer_limit !== null && limit.pending_from === null
      ? h('button', { type: 'button', class: 'pill-button limit__remove' }, t('money.limits.remove'))
      : null;

    const lines = [];
    const spentText = limit.spent === null ? null : amountText(limit.spent, limit.unit);
    if (limit.cap !== null) {
      lines.push(t(`money.limits.spentOf.${limit.period}`, { spent: spentText ?? amountText(0, limit.unit), cap: amountText(limit.cap, limit.unit) }));
    } else if (spentText !== null) {
      lines.push(t(`money.limits.spentNoCap.${limit.period}`, { spent: spentText }));
    } else {
      lines.push(t('money.limits.noCap'));
    }
    if (limit.operator_cap !== null && (limit.viewer_limit === null || limit.operator_cap < limit.viewer_limit)) {
      lines.push(t('money.limits.operator', { cap: amountText(limit.operator_cap, limit.unit) }));
    }
    if (limit.pending_from) {
      lines.push(
        limit.pending_limit === null
          ? t('money.limits.pendingRemove', { date: resetText(limit.pending_from) })
          : t('money.limits.pendingRaise', { cap: amountText(limit.pending_limit, limit.unit), date: resetText(limit.pending_from) }),
      );
    }

    const send = async (amount, button) => {
      setBusy(button, true, t('money.wallet.saving'));
      try {
        const before = limit.viewer_limit;
        const fresh = await moneyApi.setLimit(api, { unit: limit.unit, period: limit.period, amount });
        state.limits = fresh.limits;
        const now = state.limits.find((l) => l.unit === limit.unit && l.period === limit.period);
        if (now?.pending_from && (amount === null || before === null || amount > before)) {
          say(t('money.limits.savedLater', { date: resetText(now.pending_from) }));
        } else {
          say(t('money.limits.savedNow'));
        }
        renderLimits();
        document.querySelector(`.limit__input[data-unit="${limit.unit}"][data-period="${limit.period}"]`)?.focus({ preventScroll: true });
      } catch (err) {
        setBusy(button, false);
        say(moneyError(err), false);
      }
    };
    const form = h(
      'form',
      { class: 'limit', dataset: { unit: limit.unit, period: limit.period }, novalidate: true },
      h('label', { class: 'limit__label', for: inputId }, label),
      h('p', { class: 'limit__status' }, lines.join(' ')),
      h('div', { class: 'limit__controls' }, input, save, remove),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const raw = input.value.trim();
      if (raw === '') {
        if (limit.viewer_limit !== null) send(null, save);
        return;
      }
      const value = Number(raw.replace(',', '.'));
      if (!Number.isFinite(value) || value < 0) {
        say(t('money.limits.invalid'), false);
        input.focus();
        return;
      }
      send(Math.round(value * scale), save);
    });
    remove?.addEventListener('click', () => send(null, remove));
    return form;
  }

  function renderLimits() {
    replaceChildren(
      limitsBlock,
      h('p', { class: 'muted' }, t('money.limits.intro')),
      state.limits === null
        ? h('p', { class: 'muted' }, t('money.wallet.sectionFailed'))
        : h('div', { class: 'limits' }, limitRows().map(limitForm)),
      h('p', { class: 'wallet-note', dataset: { note: 'cooling-off' } }, t('money.limits.coolingOff')),
    );
  }

  function historyItem(entry) {
    const up = entry.coins > 0;
    const title = historyKind(entry.kind);
    // The server's memo is English; only an unlock's ("Series title #3") is worth showing.
    const memo = entry.kind === 'unlock' && entry.memo ? entry.memo : null;
    return h(
      'li',
      { class: `history__item history__item--${up ? 'in' : 'out'}`, dataset: { kind: entry.kind } },
      h('span', { class: 'history__icon', 'aria-hidden': 'true' }, icon(up ? 'coin' : entry.kind === 'unlock' ? 'lock' : 'coin', 'icon icon--small')),
      h(
        'div',
        { class: 'history__text' },
        h('p', { class: 'history__title' }, title),
        memo ? h('p', { class: 'history__memo' }, memo) : null,
        h('p', { class: 'history__date' }, h('time', { datetime: entry.created_at }, dateText(entry.created_at, { time: true }))),
      ),
      h(
        'p',
        { class: 'history__amount' },
        entry.coins !== 0 ? h('span', { class: 'history__coins' }, h('span', { 'aria-hidden': 'true' }, signed(entry.coins)), h('span', { class: 'visually-hidden' }, t(up ? 'money.history.in' : 'money.history.out', { coins: coinsText(Math.abs(entry.coins)) }))) : null,
        entry.debt_coins ? h('span', { class: 'history__debt' }, t('money.history.debt', { coins: signed(entry.debt_coins) })) : null,
      ),
    );
  }

  function renderHistory() {
    const entries = state.history.entries ?? [];
    replaceChildren(
      historyBlock,
      entries.length
        ? h('ol', { class: 'history' }, entries.map(historyItem))
        : h('p', { class: 'muted' }, t('money.history.empty')),
    );
  }

  renderBalance();
  renderBuy();
  renderVip();
  renderLimits();
  renderHistory();

  const titleId = uid('wallet');
  container.replaceChildren(
    h(
      'div',
      { class: 'screen screen--wallet' },
      screenHeader(t('money.wallet.title'), { back: () => ctx.router.back('/settings'), id: titleId }),
      h(
        'div',
        { class: 'screen__body wallet' },
        status,
        alert,
        balanceBlock,
        section(t('money.wallet.buyTitle'), buyBlock, { id: uid('buy') }),
        section(t('money.wallet.vipTitle'), vipBlock, { id: uid('vip') }),
        section(t('money.wallet.limitsTitle'), limitsBlock, { id: uid('limits') }),
        section(t('money.wallet.historyTitle'), historyBlock, { id: uid('history') }),
      ),
    ),
  );

  const outcome = takeCheckoutOutcome();
  if (outcome) {
    const { text, ok } = outcomeMessage(outcome);
    say(text, ok);
  }
  return null;
}

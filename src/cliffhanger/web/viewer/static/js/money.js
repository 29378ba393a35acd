// Shared pieces of the money screens (unlock sheet options, shop, checkout, ads, wallet): the
// commerce API calls, price and date formatting, and one clear message for every refusal.
//
// Calls go through `api.request` (bearer token, one viewer re-creation on 401); the shapes are
// those of docs/money.md. Texts are `money.*` keys of `static/i18n/{locale}/money.json`.

import { NetworkError, ProblemError } from './api.js';
import { getLocale, has, plural, t } from './i18n.js';

// ---- API ------------------------------------------------------------------------------------

const enc = encodeURIComponent;

export const moneyApi = {
  offers: (api, seriesId = null) => api.request('GET', seriesId ? `/offers?series_id=${enc(seriesId)}` : '/offers'),
  paywall: (api, episodeId) => api.request('GET', `/episodes/${enc(episodeId)}/paywall`),
  wallet: (api) => api.request('GET', '/wallet'),
  history: (api, limit = 50) => api.request('GET', `/wallet/history?limit=${limit}`),
  limits: (api) => api.request('GET', '/wallet/limits'),
  setLimit: (api, { unit, period, amount }) => api.request('PUT', '/wallet/limits', { unit, period, amount }),
  createOrder: (api, { offerId, provider, key, returnUrl = null }) =>
    api.request('POST', '/orders', {
      offer_id: offerId,
      provider,
      idempotency_key: key,
      ...(returnUrl ? { return_url: returnUrl } : {}),
    }),
  order: (api, orderId) => api.request('GET', `/orders/${enc(orderId)}`),
  subscriptions: (api) => api.request('GET', '/subscriptions'),
  cancelSubscription: (api, id) => api.request('POST', `/subscriptions/${enc(id)}/cancel`),
  resumeSubscription: (api, id) => api.request('POST', `/subscriptions/${enc(id)}/resume`),
  startAd: (api, episodeId, provider) => api.request('POST', '/ad-sessions', { episode_id: episodeId, provider }),
  completeAd: (api, sessionId, body = undefined) => api.request('POST', `/ad-sessions/${enc(sessionId)}/complete`, body),
};

// ---- the wallet balance, app-wide --------------------------------------------------------------

export const WALLET_EVENT = 'cliffhanger:wallet';

/** Tell every balance on screen (HUD chip, sheets, wallet) the new balance. */
export function announceBalance(balanceCoins) {
  if (typeof balanceCoins !== 'number') return;
  window.dispatchEvent(new CustomEvent(WALLET_EVENT, { detail: { balance_coins: balanceCoins } }));
}

/** Re-read the wallet and announce it; resolves the wallet or null. */
export async function refreshWallet(api) {
  try {
    const wallet = await moneyApi.wallet(api);
    announceBalance(wallet.balance_coins);
    return wallet;
  } catch (err) {
    console.warn('wallet refresh failed', err);
    return null;
  }
}

// ---- formatting -----------------------------------------------------------------------------

export const coinsText = (n) => plural('app.coins', n);
export const episodesText = (n) => plural('app.episodes', n);

/** 499 USD → "$4.99" (minor units by the currency's own digits: JPY has none). */
export function priceText(minor, currency) {
  if (currency === 'BEANS') return plural('money.beans', minor);
  try {
    const format = new Intl.NumberFormat(getLocale(), { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits;
    return format.format(minor / 10 ** digits);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** The price of an offer for the provider the viewer pays with. */
export function offerPrice(offer, provider = 'sandbox') {
  if (provider === 'tiktok_minis' && offer.tiktok_beans) return priceText(offer.tiktok_beans, 'BEANS');
  return priceText(offer.price_minor, offer.currency);
}

export function dateText(iso, { time = false } = {}) {
  if (!iso) return '';
  const value = new Date(iso);
  if (Number.isNaN(value.getTime())) return '';
  const options = time ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' };
  return new Intl.DateTimeFormat(getLocale(), options).format(value);
}

/** "14:00" today, else "May 3, 14:00": when a cap resets. */
export function resetText(iso) {
  const value = new Date(iso);
  if (Number.isNaN(value.getTime())) return '';
  const sameDay = value.toDateString() === new Date().toDateString();
  const options = sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' };
  return new Intl.DateTimeFormat(getLocale(), options).format(value);
}

/** A spend amount in its unit: coins, Beans or a currency's minor units. */
export function amountText(amount, unit) {
  return unit === 'coin' ? coinsText(amount) : priceText(amount, unit);
}

/** The offer's name in the viewer's language (the server's title is English). */
export function offerName(offer) {
  if (offer.kind === 'coin_pack') return coinsText(offer.coins);
  if (offer.kind === 'series_pass') return t('money.offer.pass');
  if (offer.kind === 'subscription') return t(offer.period === 'weekly' ? 'money.offer.weekly' : 'money.offer.monthly');
  return offer.title;
}

// ---- refusals ---------------------------------------------------------------------------------

/** The Retry-After of a 429, in whole seconds (the problem document repeats the header). */
export function retryAfter(err) {
  const s = Number(err?.problem?.retry_after_s);
  return Number.isFinite(s) && s > 0 ? Math.ceil(s) : 1;
}

/**
 * One clear sentence for any failed money call: spend caps, ad cap, rate limits, provider
 * outages, offline. Never silent, never a raw server string in English.
 */
export function moneyError(err) {
  if (err instanceof NetworkError) return t('money.errors.offline');
  if (!(err instanceof ProblemError)) return t('money.errors.generic');
  const p = err.problem || {};
  switch (err.code) {
    case 'spend_cap_reached':
      return t(p.unit === 'coin' ? 'money.errors.spendCapCoins' : 'money.errors.spendCapMoney', {
        cap: amountText(p.cap ?? 0, p.unit ?? 'coin'),
        spent: amountText(p.spent ?? 0, p.unit ?? 'coin'),
        period: t(p.period === 'month' ? 'money.period.month' : 'money.period.day'),
        time: resetText(p.resets_at),
      });
    case 'ad_cap_reached':
      return t('money.errors.adCap', { cap: p.daily_cap ?? '', time: resetText(p.resets_at) });
    case 'already_owned':
      return t('money.errors.alreadyOwned');
    case 'already_subscribed':
      return t('money.errors.alreadySubscribed');
    case 'tiktok_login_required':
    case 'tiktok_login_failed':
      return t('money.errors.login');
    case 'provider_unavailable':
    case 'offer_unavailable':
      return t('money.errors.providerUnavailable');
    case 'ad_not_finished':
    case 'ad_session_closed':
      return t('money.errors.adNotFinished');
    case 'ad_unavailable':
      return t('money.errors.adUnavailable');
    case 'ad_session_expired':
      return t('money.errors.adExpired');
    case 'order_closed':
      return t('money.errors.orderClosed');
    default:
      break;
  }
  if (err.status === 429) return t('money.errors.rateLimited', { s: retryAfter(err) });
  if (err.status === 502 || err.status === 503 || err.status === 504 || err.code === 'tiktok_unavailable') {
    return t('money.errors.provider');
  }
  if (err.status >= 500) return t('money.errors.server');
  return t('money.errors.generic');
}

/** Network failures and 5xx: the outcome is unknown, so a retry must reuse the same key. */
export function outcomeUnknown(err) {
  return err instanceof NetworkError || (err instanceof ProblemError && err.status >= 500);
}

/** `money.history.kinds.<kind>` or a neutral label for kinds added later. */
export function historyKind(kind) {
  const key = `money.history.kinds.${kind}`;
  return has(key) ? t(key) : t('money.history.kinds.other');
}

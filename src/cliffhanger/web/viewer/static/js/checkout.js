// Buying an offer (coin pack, series pass, subscription): the order, the provider's checkout,
// the way back, and polling the order until it is settled.
//
// Web (sandbox provider): POST /orders with `return_url` = the page the viewer is on → the tab
// goes to the hosted checkout (Pay / Decline / Cancel) → it comes back to
// `return_url?order_id=…&checkout=pay|decline|cancel` → `resumeCheckout()` (at boot, before the
// first view renders) polls GET /orders/{id} until it is no longer pending, refreshes the wallet
// and keeps the outcome for the screen that shows it (the unlock sheet of the episode the viewer
// came from, or the wallet).
//
// TikTok Minis: log in if needed (platform.login() → POST /auth/tiktok, token adopted), POST
// /orders with provider "tiktok_minis", `platform.pay({trade_order_id})`, poll the order.
//
// One idempotency key per purchase attempt: a retry after a network failure or a 5xx (outcome
// unknown) reuses it, so the server answers with the first order instead of making a second.

import { ProblemError, newIdempotencyKey } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { coinsText, moneyApi, outcomeUnknown, refreshWallet, retryAfter } from './money.js';
import { platform } from './platform/index.js';

const RETURN_KEY = 'cliffhanger.checkout'; // sessionStorage: what is being bought, across the redirect
const OPEN = new Set(['created', 'pending']);
const ACTIONS = new Set(['pay', 'decline', 'cancel']);

const attempts = new Map(); // offer id -> idempotency key of the attempt in progress
let outcome = null; // the settled checkout the viewer just came back from, until a screen shows it

/** The provider this build pays `offer` with, or null when it cannot be bought here. */
export function purchaseProvider(offer) {
  const providers = offer?.providers ?? [];
  if (platform.name === 'tiktok') return providers.includes('tiktok_minis') ? 'tiktok_minis' : null;
  return providers.includes('sandbox') ? 'sandbox' : null;
}

/** Offers this build can sell. */
export function buyable(offers) {
  return (offers ?? []).filter((offer) => purchaseProvider(offer) !== null);
}

export function currentPath() {
  return window.location.pathname + window.location.search;
}

const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** Poll GET /orders/{id} until it is settled (not created/pending) or `timeoutMs` passed. */
export async function pollOrder(api, orderId, { timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let wait = 350;
  let last = null;
  for (;;) {
    try {
      last = await moneyApi.order(api, orderId);
      if (!OPEN.has(last.status)) return last;
    } catch (err) {
      if (err instanceof ProblemError && err.status === 429) wait = Math.max(wait, retryAfter(err) * 1000);
      else if (!outcomeUnknown(err)) throw err;
    }
    if (Date.now() + wait > deadline) return last;
    await sleep(wait);
    wait = Math.min(Math.round(wait * 1.5), 2000);
  }
}

async function ensureTikTokLogin(api) {
  const linked = typeof platform.linkedViewer === 'function' ? platform.linkedViewer() : null;
  if (linked && linked === api.viewer?.viewer_id) return;
  try {
    await platform.login(); // POST /api/v1/auth/tiktok {code}; the adapter adopts the token
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    throw new ProblemError(401, { code: 'tiktok_login_failed', detail: String(err?.message ?? err) });
  }
}

async function createOrder(api, offer, provider, key, returnUrl) {
  try {
    return await moneyApi.createOrder(api, { offerId: offer.id, provider, key, returnUrl });
  } catch (err) {
    // The TikTok login lapsed on the server: log in again and retry the same attempt once.
    if (provider === 'tiktok_minis' && err instanceof ProblemError && err.code === 'tiktok_login_required') {
      await platform.login();
      return moneyApi.createOrder(api, { offerId: offer.id, provider, key, returnUrl });
    }
    throw err;
  }
}

/**
 * Buy `offer`. Resolves `{status: 'redirected'}` when the sandbox checkout takes over the tab
 * (the page is about to unload), or, in place (TikTok), the settled order:
 * `{status: 'paid'|'failed'|'cancelled'|'pending'|'not_paid', order}`. Refusals (spend cap,
 * already owned, 429, provider down…) throw ProblemError / NetworkError: see money.moneyError.
 *
 * `context` ({episode_id, series_id, episode_number}) comes back with the outcome after the
 * redirect, so the screen the viewer returns to knows what the purchase was for.
 */
export async function buy(api, offer, { returnUrl = currentPath(), context = {} } = {}) {
  const provider = purchaseProvider(offer);
  if (!provider) throw new ProblemError(422, { code: 'offer_unavailable' });
  if (provider === 'tiktok_minis') await ensureTikTokLogin(api);

  const key = attempts.get(offer.id) ?? newIdempotencyKey();
  attempts.set(offer.id, key);
  let order;
  try {
    order = await createOrder(api, offer, provider, key, returnUrl);
  } catch (err) {
    if (!outcomeUnknown(err)) attempts.delete(offer.id); // a definitive refusal ends the attempt
    throw err;
  }
  attempts.delete(offer.id); // the order exists: the next purchase is a new attempt

  if (provider === 'sandbox') {
    saveReturn({ order_id: order.id, offer_id: offer.id, kind: offer.kind, offer, ...context });
    const result = await platform.pay(order); // web: location.assign(checkout_url)
    if (result.status === 'redirected') return { status: 'redirected', order };
    return { status: result.status === 'paid' ? 'paid' : 'not_paid', order };
  }

  // TikTok: the SDK's answer is a hint; the order (webhook or TikTok's query API) is the truth.
  const paid = await platform.pay(order);
  const settled = (await pollOrder(api, order.id, { timeoutMs: paid.status === 'paid' ? 30_000 : 3_000 })) ?? order;
  await refreshWallet(api);
  let status = settled.status;
  if (OPEN.has(status)) status = paid.status === 'paid' ? 'pending' : 'not_paid';
  return { status, order: settled, offer, error: paid.error ?? null };
}

// ---- the way back from the hosted checkout --------------------------------------------------

function saveReturn(record) {
  try {
    window.sessionStorage.setItem(RETURN_KEY, JSON.stringify({ ...record, at: Date.now() }));
  } catch {
    // not kept: the outcome message is then generic
  }
}

function takeReturn(orderId) {
  try {
    const record = JSON.parse(window.sessionStorage.getItem(RETURN_KEY));
    window.sessionStorage.removeItem(RETURN_KEY);
    return record?.order_id === orderId ? record : null;
  } catch {
    return null;
  }
}

function confirmingOverlay() {
  const overlay = h(
    'div',
    { class: 'checkout-return', role: 'status' },
    h('div', { class: 'spinner', 'aria-hidden': 'true' }),
    h('p', { class: 'checkout-return__text' }, t('money.checkout.confirming')),
  );
  document.body.append(overlay);
  return overlay;
}

/**
 * At boot: if the URL is a checkout return (`order_id` + `checkout`), take those parameters off
 * the address, wait for the order to settle (showing "Confirming your payment…"), refresh the
 * wallet, announce the outcome (`toast`) and keep it for the screen that shows it in place.
 * Resolves the outcome, or null when this is no checkout return.
 */
export async function resumeCheckout({ api, toast = null }) {
  const params = new URLSearchParams(window.location.search);
  const orderId = params.get('order_id');
  const action = params.get('checkout');
  if (!orderId || !ACTIONS.has(action)) return null;
  params.delete('order_id');
  params.delete('checkout');
  const rest = params.toString();
  window.history.replaceState(window.history.state, '', window.location.pathname + (rest ? `?${rest}` : '') + window.location.hash);

  const saved = takeReturn(orderId);
  const overlay = confirmingOverlay();
  let order = null;
  let error = null;
  try {
    // Pay: the provider's webhook usually lands within a second; decline/cancel settle as fast.
    order = await pollOrder(api, orderId, { timeoutMs: action === 'pay' ? 30_000 : 10_000 });
  } catch (err) {
    error = err;
    console.warn('checkout order could not be read', err);
  } finally {
    overlay.remove();
  }
  const wallet = await refreshWallet(api);
  let status = order?.status ?? null;
  if (!status || OPEN.has(status)) status = action === 'pay' ? 'pending' : action === 'decline' ? 'failed' : 'cancelled';
  const settled = { action, status, order, saved, wallet, error, orderId };
  outcome = settled;
  // The wallet and the unlock sheet of a still-locked episode say it in place. A paid pass or
  // VIP opens the episode (no sheet), and other pages have no place: a toast says it there,
  // and also if no screen took the outcome within a few seconds.
  const path = window.location.pathname;
  const opens = status === 'paid' && (order?.kind ?? saved?.kind) !== 'coin_pack';
  const inPlace = path === '/wallet' || (path.startsWith('/watch/') && !opens);
  const announce = () => {
    if (outcome !== settled) return;
    outcome = null;
    toast?.show(outcomeMessage(settled).text, 6000);
  };
  if (inPlace) window.setTimeout(announce, 4000);
  else announce();
  return settled;
}

/** The checkout outcome not shown yet; `match(outcome)` decides whether this screen shows it. */
export function takeCheckoutOutcome(match = () => true) {
  if (!outcome || !match(outcome)) return null;
  const taken = outcome;
  outcome = null;
  return taken;
}

export function peekCheckoutOutcome() {
  return outcome;
}

/** {text, ok} for a settled purchase (`result` from buy() or resumeCheckout()). */
export function outcomeMessage(result) {
  const order = result.order ?? null;
  const kind = order?.kind ?? result.saved?.kind ?? result.offer?.kind ?? null;
  switch (result.status) {
    case 'paid': {
      if (kind === 'series_pass') return { ok: true, text: t('money.checkout.paidPass') };
      if (kind === 'subscription') return { ok: true, text: t('money.checkout.paidSubscription') };
      const added = order ? order.coins + order.bonus_coins : null;
      const balance = result.wallet?.balance_coins;
      if (added !== null && typeof balance === 'number') {
        return { ok: true, text: t('money.checkout.paidCoinsBalance', { coins: coinsText(added), balance: coinsText(balance) }) };
      }
      return { ok: true, text: added !== null ? t('money.checkout.paidCoins', { coins: coinsText(added) }) : t('money.checkout.paid') };
    }
    case 'failed':
      return { ok: false, text: t('money.checkout.declined') };
    case 'cancelled':
    case 'not_paid':
      return { ok: false, text: t('money.checkout.cancelled') };
    case 'refunded':
      return { ok: false, text: t('money.checkout.refunded') };
    default:
      return { ok: false, pending: true, text: t('money.checkout.pending') };
  }
}
